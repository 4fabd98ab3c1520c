"""Lineage queries and the chart on the real registry."""

from bluehelmet.actors import coalition_members, descendants, lineage_ids, name_on, predecessors, successors
from bluehelmet.actors.chart import lineage_chart


def test_names_on_dates(registry):
    assert name_on("ucdp:539", "2005-06-01", registry) == "GSPC"  # UCDP: GSPC renamed AQIM (January 2007)
    assert name_on("ucdp:539", "2010-06-01", registry) == "AQIM"
    assert name_on("ucdp:1158", "2012-06-01", registry) == "MNLA"
    assert name_on("ucdp:1158", "2016-06-01", registry) == "CMA"
    assert name_on("ucdp:1158", "2025-01-01", registry) == "Azawad Liberation Front"
    assert name_on("sahel:is-sahel", "2018-01-01", registry) == "Islamic State in the Greater Sahara"
    assert name_on("ucdp:1161", "2014-01-01", registry) == "al-Murabitun"


def test_predecessors_successors_descendants(registry):
    assert predecessors("ucdp:6716", registry) == ["ucdp:1157", "ucdp:4376", "ucdp:6267"]
    assert successors("ucdp:1161", registry) == ["ucdp:4376"]
    assert set(descendants("ucdp:539", registry)) == {
        "ucdp:1161", "ucdp:3481", "ucdp:4376", "ucdp:6716", "sahel:isgs", "sahel:is-sahel",
    }
    assert set(lineage_ids("ucdp:6716", registry)) >= {"ucdp:6716", "ucdp:1161", "ucdp:539"}


def test_coalition_members_on_a_date(registry):
    assert coalition_members("sahel:csp-psd", "2022-01-01", registry) == ["sahel:platform", "ucdp:1158", "ucdp:6836"]
    assert "sahel:platform" not in coalition_members("sahel:csp-psd", "2023-12-31", registry)
    assert coalition_members("sahel:platform", "2014-07-01", registry) == ["ucdp:4380", "ucdp:6348"]


def test_chart_svg_and_png(tmp_path, registry):
    svg = lineage_chart("ucdp:6716", tmp_path / "jnim.svg", registry)
    png = lineage_chart("ucdp:1158", tmp_path / "cma.png", registry)
    assert svg.read_text().lstrip().startswith("<?xml") and "MUJAO" in svg.read_text()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
