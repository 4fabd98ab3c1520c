"""The situation report: its content, its PDF, and how a real browser draws it."""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bluehelmet.analysis.threats import threat_matrix
from bluehelmet.reports import build_context, render_html, write_report

CHROMIUM = Path("/usr/bin/chromium")
PERIOD = ("2017-01", "2018-12")


@pytest.fixture(scope="module")
def report_html(mali_db, tmp_path_factory):
    import bluehelmet

    out = tmp_path_factory.mktemp("report") / "mali.html"
    with bluehelmet.open(mali_db) as store:
        write_report(store, "MLI", *PERIOD, out)
    return out


def test_report_has_every_section_and_traceable_figures(report_html, mali):
    text = report_html.read_text(encoding="utf-8")
    for heading in ("Where: map", "By whom: perpetrators", "Getting worse? Trends", "Emerging hotspots", "Alerts",
                    "PoC toolbox", "Sources", "Appendix: event ids"):
        assert heading in text, heading
    # Self-contained: images are inline, nothing is fetched.
    assert not re.search(r'(src|href)="https?://', text)
    assert text.count('src="data:image/svg+xml;base64,') == 3
    totals = threat_matrix(mali, "MLI", *PERIOD, by=[]).totals()
    assert f"<b>{int(totals['events']):,}</b>events" in text
    assert f"<b>{int(totals['civilian_deaths_best']):,}</b>civilian deaths" in text
    # Every event counted appears in the appendix of event ids.
    ids = set(re.findall(r"ucdp:\d+", text.split("Appendix: event ids")[1]))
    assert ids == set(threat_matrix(mali, "MLI", *PERIOD, by=[]).event_ids())
    evidence = pd.read_csv(report_html.with_name("mali-evidence.csv"))
    assert set(evidence.loc[evidence["figure"] == "area", "event_id"]) == ids
    assert set(evidence.loc[evidence["figure"] == "perpetrator", "event_id"]) == ids
    assert "Uppsala Conflict Data Program, UCDP Georeferenced Event Dataset (GED), release 21.1" in text
    assert "Lowy Institute" in text and "OCHA/ITOS" in text


def test_report_has_the_forecast_section(report_html, mali):
    from bluehelmet.analysis.forecast.predict import forecast_frame

    text = report_html.read_text(encoding="utf-8")
    section = text.split('<section id="forecast">')[1].split("</section>")[0]
    assert "Early warning: forecast" in section and "docs/forecast.md" in section
    assert section.count('src="data:image/png;base64,') == 1
    image = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', section).group(1))
    assert image.startswith(b"\x89PNG") and len(image) > 10_000
    # The five highest-risk cells of 2019-01, trained on events up to the report's last month.
    frame = forecast_frame(mali, "MLI", train_until="2018-12", horizons=[1], window=120)
    expected = frame[frame["country_iso3"] == "MLI"].sort_values(["prob_any", "mean"], ascending=False).head(5)
    table = section.split('id="forecast-top"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\d+)</td><td[^>]*>([-\d.]+), ([-\d.]+)</td><td[^>]*>([\d.]+)</td>", table)
    assert [int(r[0]) for r in rows] == [int(u) for u in expected["unit_id"]]
    assert [r[3] for r in rows] == [f"{p:.2f}" for p in expected["prob_any"]]
    assert "P(any civilian death), 2019-01" in table


def test_report_without_forecast(mali_db, cli, tmp_path):
    out = tmp_path / "mali.html"
    result = cli("--db", str(mali_db), "report", "--country", "MLI", "--from", "2018-01", "--to", "2018-12",
                 "--out", str(out), "--cards", "0", "--no-forecast")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "Alerts (" in text and "PoC toolbox" in text
    assert "Early warning: forecast" not in text and "data:image/png" not in text and "forecast-risk" not in text


def test_report_links_the_main_perpetrators_cards(report_html, mali):
    text = report_html.read_text(encoding="utf-8")
    section = text.split('id="main-perpetrators"')[1].split("</section>")[0]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', section)
    assert len(links) == 3
    for href, name in links:
        card = report_html.parent / href
        assert card.exists() and href.startswith("mali-cards/")
        assert f"Anatomy of {name}" in card.read_text(encoding="utf-8")
    # The first is the actor that killed most civilians in one-sided violence (as side A),
    # counted here straight from the events and their resolved sides.
    frame = mali.sql(
        "SELECT ea.actor_id, a.name, e.uid, e.deaths_civilians FROM events e "
        "JOIN event_actors ea ON ea.event_uid = e.uid AND ea.role = 'side_a' JOIN actors a USING (actor_id) "
        "WHERE e.country_iso3 = 'MLI' AND e.violence_category = 'one_sided' "
        "AND e.date_start BETWEEN DATE '2017-01-01' AND DATE '2018-12-31'"
    ).drop_duplicates(["actor_id", "uid"])
    frame = frame[~frame["actor_id"].isin(["any:civilians", "any:unidentified"])]
    top = frame.groupby("name")["deaths_civilians"].sum().sort_values(ascending=False)
    assert links[0][1] == top.index[0]


def test_report_as_pdf(mali, tmp_path):
    out = write_report(mali, "MLI", "2018-01", "2018-12", tmp_path / "mali.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    if shutil.which("pdftotext"):
        import subprocess

        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Situation report: Mali" in text and "PoC toolbox" in text


def test_bad_output_name(mali, tmp_path):
    from bluehelmet.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match=r"\.html or \.pdf"):
        write_report(mali, "MLI", *PERIOD, tmp_path / "mali.docx")


@pytest.mark.browser
def test_report_renders_in_chromium(report_html, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (scripts/install-system-deps.sh installs it)")
    from PIL import Image
    from playwright.sync_api import sync_playwright

    shot = tmp_path / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ])
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(report_html.as_uri())
        sizes = {}
        for element in ("#map-img", "#perpetrator-chart", "#trend-chart", "#forecast-map-img"):
            handle = page.wait_for_selector(element)
            loaded = page.evaluate("(el) => el.complete && el.naturalWidth", handle)
            box = handle.bounding_box()
            sizes[element] = (loaded, box["width"], box["height"])
        page.locator("#map").screenshot(path=str(shot))
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        browser.close()
    for element, (natural, width, height) in sizes.items():
        assert natural and natural > 100, f"{element} did not load"
        assert width > 300 and height > 200, f"{element} is drawn too small: {width}x{height}"
    image = Image.open(shot).convert("RGB")
    colours = len(image.getcolors(maxcolors=1 << 24))
    assert colours > 50, f"the map screenshot has only {colours} colours: nothing was drawn"
