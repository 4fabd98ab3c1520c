"""Write the Excel 97-2003 (.xls) test workbook from the bundled UCDP Candidate 26.0.2 workbook.

``tests/sources/fixtures/xls/GEDEvent_v26_0_2.xls`` holds the header and the first 120 events of
``GEDEvent_v26_0_2.xlsx``, cell by cell and with each cell's type (numbers as numbers, dates as
date cells), as Excel would save it in the old format. It needs xlwt, which writes .xls and is
not a dependency of bluehelmet. Run:

    python -m venv /tmp/xlwt && /tmp/xlwt/bin/pip install xlwt openpyxl
    /tmp/xlwt/bin/python scripts/make_xls_fixture.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlwt

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src/bluehelmet/data/ucdp_ged_candidate_26/GEDEvent_v26_0_2.xlsx"
TARGET = ROOT / "tests/sources/fixtures/xls/GEDEvent_v26_0_2.xls"
EVENTS = 120


def main() -> None:
    book = openpyxl.load_workbook(SOURCE, read_only=True, data_only=True)
    out = xlwt.Workbook(encoding="utf-8")
    sheet = out.add_sheet("GEDEvent_v26_0_2")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, row in enumerate(book.worksheets[0].iter_rows(values_only=True, max_row=EVENTS + 1)):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                sheet.write(r, c, value, day)
            else:
                sheet.write(r, c, value)
    out.save(str(TARGET))
    print(f"wrote {TARGET} ({EVENTS} events)")


if __name__ == "__main__":
    main()
