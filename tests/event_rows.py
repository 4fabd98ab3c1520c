"""The events of a store as comparable rows, to check that two files ingest to the same events."""

from __future__ import annotations

# Columns of the batch that wrote an event, and the source's own text, not the canonical event.
BOOKKEEPING = {"batch_id", "first_batch_id", "row_hash", "updated_at", "native", "geometry"}


def canonical_rows(store) -> set[tuple]:
    """Every event of ``store`` as a tuple of its canonical columns' text, in column-name order."""
    events = store.events()
    columns = sorted(c for c in events.columns if c not in BOOKKEEPING)
    return {tuple(str(v) for v in row) for row in events[columns].itertuples(index=False)}
