"""The bundled registry in a store: seeding a new store, and knowing which bundle a store holds.

A new store is seeded with :meth:`Registry.bundled` (the UCDP actor list and the curated Sahel
file); its rows carry the origin ``ucdp`` or ``curated``, and everything analysts add carries
another (``analyst``). The store records, in ``actor_registry_meta``, a fingerprint of the files
its bundled rows were made from, so that a newer bluehelmet, shipping other files, can tell in
a millisecond that the store's registry is not its own and suggest
``bluehelmet actors refresh`` (:mod:`bluehelmet.actors.refresh`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from bluehelmet.actors.registry import Registry
from bluehelmet.actors.schema import ensure_actor_tables

BUNDLED_ORIGINS = ("ucdp", "curated")
FINGERPRINT_KEY = "bundled_registry_fingerprint"
_FINGERPRINT: list[str] = []


def bundled_files() -> list[Path]:
    """The files the bundled registry is made from: its data files and the code reading them.

    The code is part of it because a reader that learns a new field (the curated ``countries``)
    changes the registry as much as a corrected data file does: the UCDP list and the curated
    file, the Gleditsch-Ward country codes UCDP's locations are given in, and the modules that
    read them, name countries, tell acronyms and build the registry. A change to one of them
    that leaves the rows as they were costs a refresh that finds nothing to change.
    """
    import bluehelmet.data
    from bluehelmet.actors import curated, normalise, registry, seed_ucdp
    from bluehelmet.geo import countries

    data = [seed_ucdp.UCDP_ACTOR_FILE, curated.SAHEL_FILE, Path(bluehelmet.data.__file__).parent / "gw_countries.csv"]
    return data + [Path(m.__file__) for m in (seed_ucdp, curated, registry, normalise, countries, bluehelmet.data)]


def bundle_fingerprint() -> str:
    """A SHA-256 of :func:`bundled_files`, the same for every store of this bluehelmet.

    Hashing the files takes a millisecond where building the registry takes a second and a
    half: cheap enough for every ``actors search`` to check.
    """
    if not _FINGERPRINT:
        digest = hashlib.sha256()
        for path in bundled_files():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        _FINGERPRINT.append(digest.hexdigest())
    return _FINGERPRINT[0]


def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the bundle a store's registry was seeded or last refreshed from;
    None for a store seeded before stores recorded it."""
    ensure_actor_tables(con)
    row = con.execute("SELECT value FROM actor_registry_meta WHERE key = ?", [FINGERPRINT_KEY]).fetchone()
    return row[0] if row else None


def record_fingerprint(con: duckdb.DuckDBPyConnection) -> None:
    """Note in the store that its bundled rows are those of this bluehelmet's bundle."""
    ensure_actor_tables(con)
    con.execute("DELETE FROM actor_registry_meta WHERE key = ?", [FINGERPRINT_KEY])
    con.execute("INSERT INTO actor_registry_meta VALUES (?, ?)", [FINGERPRINT_KEY, bundle_fingerprint()])


def seed_registry(con: duckdb.DuckDBPyConnection) -> bool:
    """Seed a store whose registry is empty with the bundled one; True when it did."""
    ensure_actor_tables(con)
    if con.execute("SELECT count(*) FROM actors").fetchall()[0][0]:
        return False
    Registry.bundled().save(con)
    record_fingerprint(con)
    return True


def registry_behind(store_or_con) -> bool:
    """True when a store's bundled registry is not the one bundled with this bluehelmet
    (an older store, or one seeded by another version): ``bluehelmet actors refresh`` updates it.

    A store with no registry yet is not behind: it will be seeded with this one.

    >>> registry_behind(bluehelmet.open("demo.duckdb"))    # doctest: +SKIP
    True
    """
    con = getattr(store_or_con, "con", store_or_con)
    ensure_actor_tables(con)
    if not con.execute("SELECT count(*) FROM actors").fetchall()[0][0]:
        return False
    return recorded_fingerprint(con) != bundle_fingerprint()
