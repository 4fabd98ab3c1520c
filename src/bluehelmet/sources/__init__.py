"""Readers: one module per kind of input, each turning a file into canonical rows and rejects.

Importing this package registers every reader; :func:`detect_kind` picks one from a file.
"""

from bluehelmet.sources import ucdp_ged  # noqa: F401  (registers its kinds)
from bluehelmet.sources import ucdp_acd, ucdp_api  # noqa: F401  (register their kinds)
from bluehelmet.sources import acled, incidents  # noqa: F401  (register acled, acled-deletions, incidents)
from bluehelmet.sources import un_fatalities  # noqa: F401
from bluehelmet.sources import geopko  # noqa: F401
from bluehelmet.sources import geopko_v2  # noqa: F401
from bluehelmet.sources import radpko  # noqa: F401
from bluehelmet.sources import boundaries  # noqa: F401
from bluehelmet.sources.base import Check, ReadResult
from bluehelmet.sources.registry import SourceKind, detect_kind, get_kind, kinds

__all__ = ["Check", "ReadResult", "SourceKind", "detect_kind", "get_kind", "kinds"]
