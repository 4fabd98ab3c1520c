"""Places: countries, administrative units, PRIO-GRID cells, distances."""
