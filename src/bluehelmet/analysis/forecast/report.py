"""The backtest comparison report: every model beside every baseline, per horizon, as HTML.

Charts are matplotlib figures embedded as base64 PNG, so the file stands alone and opens offline.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment

from bluehelmet.analysis.forecast.backtest import BacktestResult
from bluehelmet.analysis.forecast.scores import LOWER_IS_BETTER, METRICS
from bluehelmet.exports.output_path import prepare_output

METRIC_TITLES = {
    "crps": "CRPS (deaths)",
    "mse": "MSE of the mean",
    "msle": "MSLE of the mean",
    "brier": "Brier score, any death",
    "ap": "Average precision, any death",
    "topk_recall": "Top-k recall of deaths",
}
BASELINE_NAMES = ("zero", "last", "conflictology", "negbin")

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Forecast backtest: {{ meta.region_name }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.best { font-weight: bold; background: #e6f2e6; }
.small { color: #555; font-size: 0.85em; }
img { max-width: 100%; }
</style></head><body>
<h1>Violence against civilians: forecast backtest, {{ meta.region_name }}</h1>
<p>{{ meta.region }}. Target: <b>{{ meta.target }}</b> per {{ meta.unit }}-month. Panel {{ meta.panel_months }}.
Rolling origins ({{ meta.origins|length }}): {{ meta.origins|join(", ") }}; horizons {{ meta.horizons[0] }} to {{ meta.horizons[-1] }} months;
training window {{ meta.window_months }} months; seeds of learned models: {{ meta.seeds|join(", ") }}; top-k with k = {{ meta.top_k }}.</p>

<h2>Pooled scores (mean over origins and horizons, 90% bootstrap interval over origins)</h2>
{{ pooled_html }}
<p class="small">Lower is better for CRPS, MSE, MSLE and Brier; higher for average precision and top-k recall.
For learned models the seed spread is the range of the pooled mean over seeds.</p>

<h2>Every model against every baseline (relative change of mean CRPS; paired 90% interval of the difference)</h2>
{{ skill_html }}

<h2>Scores by horizon</h2>
<img alt="scores by horizon" src="data:image/png;base64,{{ horizon_png }}">
{% for metric, html in horizon_tables %}
<h3>{{ metric }}</h3>
{{ html }}
{% endfor %}

<h2>Calibration: PIT histograms on unit-months with deaths</h2>
<p class="small">Randomised PIT of the observed deaths under each forecast distribution, pooled over origins and
horizons. A calibrated forecast gives a flat histogram (dashed line); mass at the right means the forecasts were too low.</p>
<img alt="PIT histograms" src="data:image/png;base64,{{ pit_png }}">

<h2>What was run</h2>
<ul class="small">
<li>Features ({{ meta.features|length }}): {{ meta.features|join(", ") }}</li>
<li>Context tables: {% for k, v in meta.context.items() %}{{ k }}: {{ "used" if v else "empty, features absent" }}; {% endfor %}</li>
<li>Perpetrator kinds from {{ meta.perpetrator_kinds }}.</li>
{% if meta.deaths_outside_region %}<li>Target deaths in the test months in the region's countries: {{ "{:,.0f}".format(meta.deaths_outside_region.all_in_countries) }};
in the region's cells: {{ "{:,.0f}".format(meta.deaths_outside_region.in_region) }}.</li>{% endif %}
<li>Run time (s): {% for k, v in meta.timings.items() %}{{ k }} {{ "%.1f"|format(v) }}; {% endfor %}</li>
<li>Generated {{ generated }}.</li>
</ul>
<h2>Sources</h2>
<p class="small">Events: UCDP Georeferenced Event Dataset (GED) v21.1, precise locations (Sundberg, Ralph &amp; Erik Melander 2013,
Introducing the UCDP Georeferenced Event Dataset, <i>Journal of Peace Research</i> 50(4); Davies, Pettersson &amp; Öberg 2023), CC BY 4.0.
Grid: PRIO-GRID (Tollefsen, Strand &amp; Buhaug 2012). Evaluation after ViEWS (Hegre et al. 2019, 2021; Vesco et al. 2022).</p>
</body></html>
"""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=90)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return f"{value:.4g}"


def pooled_table(result: BacktestResult) -> pd.DataFrame:
    """Models x metrics: 'mean [lo, hi]' (and the seed range for learned models)."""
    pooled = result.pooled()
    table = {}
    for row in pooled.itertuples():
        text = f"{_fmt(row.mean)} [{_fmt(row.lo90)}, {_fmt(row.hi90)}]"
        if row.seeds > 1:
            text += f" seeds {_fmt(row.seed_min)}-{_fmt(row.seed_max)}"
        table.setdefault(row.model, {})[METRIC_TITLES.get(row.metric, row.metric)] = text
    return pd.DataFrame(table).T.reindex(columns=[METRIC_TITLES[m] for m in METRICS])


def skill_table(result: BacktestResult, metric: str = "crps") -> pd.DataFrame:
    """Rows: models; columns: baselines; cell: relative change of the metric and the paired interval."""
    out = {}
    baselines = [b for b in BASELINE_NAMES if b in set(result.scores.model)]
    for base in baselines:
        skill = result.skill(base, metric).set_index("model")
        for model, row in skill.iterrows():
            out.setdefault(model, {})[f"vs {base}"] = f"{row.relative:+.1%} [{_fmt(row.diff_lo90)}, {_fmt(row.diff_hi90)}]"
    return pd.DataFrame(out).T


def _horizon_chart(result: BacktestResult) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_h = result.by_horizon()
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    for ax, metric in zip(axes.ravel(), METRICS):
        for model in by_h.index.get_level_values("model").unique():
            series = by_h.loc[model][metric]
            ax.plot(series.index, series.to_numpy(), marker="o", ms=3, label=model)
        ax.set_title(METRIC_TITLES[metric] + (" (lower is better)" if LOWER_IS_BETTER[metric] else " (higher is better)"), fontsize=9)
        ax.set_xlabel("horizon (months)")
        if metric in ("mse",):
            ax.set_yscale("log")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def _pit_chart(result: BacktestResult) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hist = result.pit_histograms()
    n = max(1, len(hist))
    fig, axes = plt.subplots(1, n, figsize=(2.6 * n, 2.4), squeeze=False)
    for ax, row in zip(axes[0], hist.itertuples()):
        shares = [getattr(row, f"bin{k + 1}") for k in range(10)]
        ax.bar(np.arange(10) / 10 + 0.05, shares, width=0.09)
        ax.axhline(0.1, ls="--", color="k", lw=0.8)
        ax.set_title(f"{row.model} (n={row.n:,})", fontsize=9)
        ax.set_ylim(0, max(0.5, max(shares) * 1.1))
    fig.tight_layout()
    return _png(fig)


def _horizon_tables(result: BacktestResult) -> list[tuple[str, str]]:
    by_h = result.by_horizon()
    out = []
    for metric in ("crps", "ap", "brier", "topk_recall"):
        table = by_h[metric].unstack("model")
        best = table.min(axis=1) if LOWER_IS_BETTER[metric] else table.max(axis=1)
        html = ["<table><tr><th>horizon</th>" + "".join(f"<th>{m}</th>" for m in table.columns) + "</tr>"]
        for h, row in table.iterrows():
            cells = "".join(
                f'<td class="{"best" if np.isclose(v, best[h]) else ""}">{_fmt(v)}</td>' for v in row.to_numpy()
            )
            html.append(f"<tr><td>{h}</td>{cells}</tr>")
        html.append("</table>")
        out.append((METRIC_TITLES[metric], "".join(html)))
    return out


def write_report(result: BacktestResult, out: str | Path) -> Path:
    """Write the HTML comparison report of a backtest and return its path."""
    out = prepare_output(out)
    html = Environment(autoescape=False).from_string(TEMPLATE).render(
        meta=result.meta,
        pooled_html=pooled_table(result).to_html(border=0),
        skill_html=skill_table(result).to_html(border=0),
        horizon_png=_horizon_chart(result),
        horizon_tables=_horizon_tables(result),
        pit_png=_pit_chart(result),
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
    out.write_text(html, encoding="utf-8")
    return out
