"""docs/schema.md documents every column of every canonical table (docs cannot drift from code)."""

from pathlib import Path

from bluehelmet.store.schema import CANONICAL_TABLES, VIOLENCE_CATEGORIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def test_every_column_documented():
    text = DOC.read_text(encoding="utf-8")
    for table in CANONICAL_TABLES.values():
        section = text.split(f"## `{table.name}`", 1)
        assert len(section) == 2, f"docs/schema.md has no section for {table.name}"
        body = section[1].split("\n## ", 1)[0]
        for column in table.columns:
            assert f"| `{column}` |" in body, f"{table.name}.{column} is not documented in docs/schema.md"
    for category in VIOLENCE_CATEGORIES:
        assert f"`{category}`" in text
