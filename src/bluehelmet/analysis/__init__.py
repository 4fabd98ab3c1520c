"""Analyses over the store: threats to civilians (matrix, trends, hotspots, alerts) and the PoC toolbox."""
