"""Reports: the situation report (HTML and PDF) with its map and charts."""

from bluehelmet.reports.situation import build_context, render_html, write_report

__all__ = ["build_context", "render_html", "write_report"]
