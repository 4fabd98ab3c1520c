"""Period bounds as people type them, and the event filter that uses them."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import bluehelmet
from bluehelmet.errors import InvalidRequestError
from bluehelmet.period_bounds import parse_bound

SAMPLE = "ucdp_ged_231_sample1000/ucdpged_sample1000_v23_1.csv"


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2018", False, date(2018, 1, 1)),
        ("2018", True, date(2018, 12, 31)),
        ("2016-02", True, date(2016, 2, 29)),  # a leap year
        ("2018-02", True, date(2018, 2, 28)),
        ("2018-2", False, date(2018, 2, 1)),
        ("2018-02-03", True, date(2018, 2, 3)),
        (" 2018-02-03 ", False, date(2018, 2, 3)),
    ],
)
def test_a_year_month_or_day_gives_its_first_or_last_day(text, end, expected):
    assert parse_bound(text, end=end, option="--to") == expected


@pytest.mark.parametrize("text", ["2019-02-30", "2019-13", "2019/01", "01/02/2019", "19", "", "x"])
def test_anything_else_is_refused_naming_the_option_and_value(text):
    with pytest.raises(InvalidRequestError, match=rf"--from '{text.strip()}' is not a year \(YYYY\), a month"):
        parse_bound(text, end=False, option="--from")


def test_event_filter_takes_years_and_months(store, data):
    bluehelmet.ingest(store, data(SAMPLE))
    raw = pd.read_csv(data(SAMPLE), usecols=["id", "date_start"], dtype=str)
    in_2019 = set(raw.loc[raw["date_start"].str.startswith("2019"), "id"])
    feb_2016 = set(raw.loc[raw["date_start"].str.startswith("2016-02"), "id"])
    assert len(in_2019) > 10 and feb_2016
    assert set(store.events(start="2019", end="2019")["source_id"]) == in_2019
    assert set(store.events(start="2016-02", end="2016-02")["source_id"]) == feb_2016
    with pytest.raises(InvalidRequestError, match="--to '2019-02-30'"):
        store.events(end="2019-02-30")


def test_events_command_refuses_an_impossible_date(cli, tmp_path):
    result = cli("--db", tmp_path / "s.duckdb", "events", "--from", "2019-02-30")
    assert result.exit_code == 2
    assert "--from '2019-02-30' is not a year (YYYY), a month (YYYY-MM) or a day (YYYY-MM-DD)" in result.stderr


def test_limit_keeps_the_newest_events(store, data):
    bluehelmet.ingest(store, data(SAMPLE))
    raw = pd.read_csv(data(SAMPLE), usecols=["id", "date_start"], dtype=str)
    newest = raw.sort_values("date_start", ascending=False).head(4)
    assert newest["date_start"].nunique() == 4  # no tie decides the order
    assert list(store.events(limit=3)["source_id"]) == list(newest["id"].head(3))  # 459062, 456839, 460151
    assert len(store.events(limit=0)) == 0
    with pytest.raises(InvalidRequestError, match="--limit -1 is negative"):
        store.events(limit=-1)
