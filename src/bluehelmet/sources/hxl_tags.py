"""HXL hashtags: finding a sheet's tag row and turning its tags into a column map.

The Humanitarian Exchange Language puts a row of hashtags (``#date``, ``#adm1+name``,
``#affected+killed``) under or instead of the human headers. A sheet tagged that way needs no
map file: :func:`column_map_from_tags` reads the fields from the tags in :data:`TAG_FIELDS`.
A tag matches a rule when it has the rule's hashtag and at least the rule's attributes, in any
order (``#affected +killed +f`` matches ``#affected+killed``). Each column serves one field, the
first rule that claims it; each field takes the first column that matches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from bluehelmet.sources.column_map import ColumnMap, slug

# (field, hashtag, required attributes), most specific first.
TAG_FIELDS: tuple[tuple[str, str, frozenset[str]], ...] = tuple(
    (f, h, frozenset(a.split("+")) - {""})
    for f, h, a in (
        ("id", "#event", "id"),
        ("id", "#incident", "id"),
        ("id", "#meta", "id"),
        ("date_end", "#date", "end"),
        ("date", "#date", "occurred"),
        ("date", "#date", "start"),
        ("date", "#date", ""),
        ("latitude", "#geo", "lat"),
        ("longitude", "#geo", "lon"),
        ("admin1_pcode", "#adm1", "code"),
        ("admin1", "#adm1", "name"),
        ("admin1", "#adm1", ""),
        ("admin2_pcode", "#adm2", "code"),
        ("admin2", "#adm2", "name"),
        ("admin2", "#adm2", ""),
        ("location", "#loc", "name"),
        ("location", "#loc", ""),
        ("country", "#country", "code"),
        ("country", "#country", "name"),
        ("victim_group", "#affected", "type"),
        ("victim_group", "#group", "victims"),
        # The two sides as bluehelmet's own HXL export tags them, so that an export reads back.
        ("victim_group", "#group", "side_b"),
        ("perpetrator", "#group", "side_a"),
        ("perpetrator", "#group", "perpetrator"),
        ("perpetrator", "#group", "name"),
        ("perpetrator", "#group", ""),
        ("civilians_killed", "#affected", "killed+civilians"),
        ("killed_low", "#affected", "killed+min"),
        ("killed_high", "#affected", "killed+max"),
        ("killed", "#affected", "killed"),
        ("killed", "#affected", "dead"),
        ("injured", "#affected", "injured"),
        ("injured", "#affected", "wounded"),
        ("abducted", "#affected", "abducted"),
        ("abducted", "#affected", "kidnapped"),
        ("category", "#event", "type"),
        ("category", "#event", "category"),
        ("headline", "#description", "headline"),
        ("description", "#description", ""),
        ("description", "#event", "description"),
        ("description", "#narrative", ""),
        # bluehelmet's export tags its source kind #meta+source and who reported #meta+sources.
        ("sources", "#meta", "sources"),
        ("sources", "#meta", "source"),
        ("sensitivity", "#meta", "sensitivity"),
    )
)


def parse_tag(cell: object) -> tuple[str, frozenset[str]] | None:
    """``'#adm1 +name'`` -> ``('#adm1', {'name'})``; None when the cell is not a hashtag."""
    text = str(cell or "").strip().lower().replace(" ", "")
    if not text.startswith("#") or len(text) < 2:
        return None
    hashtag, *attributes = text.split("+")
    return hashtag, frozenset(a for a in attributes if a)


def is_tag_row(cells: Sequence[object]) -> bool:
    """A row is a tag row when it has at least two hashtags and most non-empty cells are hashtags."""
    filled = [c for c in cells if str(c or "").strip()]
    tags = [c for c in filled if parse_tag(c)]
    return len(tags) >= 2 and len(tags) * 2 > len(filled)


def column_map_from_tags(header: Sequence[str], tags: Sequence[object], source_path: Path, source_name: str | None = None) -> ColumnMap:
    """A column map from a tag row aligned with the sheet's ``header`` (column names)."""
    parsed = [parse_tag(t) for t in tags]
    columns: dict[str, str] = {}
    used: set[int] = set()
    for field_name, hashtag, attributes in TAG_FIELDS:
        if field_name in columns:
            continue
        for i, tag in enumerate(parsed):
            if i in used or tag is None or i >= len(header):
                continue
            if tag[0] == hashtag and attributes <= tag[1]:
                columns[field_name] = header[i]
                used.add(i)
                break
    return ColumnMap(path=None, source_name=slug(source_name or source_path.stem), columns=columns)
