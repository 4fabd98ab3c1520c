"""``bluehelmet forecast``: forecasts of violence against civilians and their backtests."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from bluehelmet.cli.app import app, open_store, output_file
from bluehelmet.exports.output_path import prepare_output

forecast_app = typer.Typer(
    help=(
        "Forecast deaths in violence against civilians per PRIO-GRID cell (or admin unit) and month, "
        "and measure how far to trust the forecasts with rolling-origin backtests.\n\n"
        "Examples:\n\n"
        "  bluehelmet forecast predict --region MLI --train-until 2018-12 --horizons 1-12 --out mali.csv\n\n"
        "  bluehelmet forecast backtest --region africa --first-origin 2014-12 --origins 12 --report backtest.html"
    ),
    no_args_is_help=True,
)
app.add_typer(forecast_app, name="forecast")
out = Console()
err = Console(stderr=True)


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@forecast_app.command()
def predict(
    ctx: typer.Context,
    train_until: str = typer.Option(..., "--train-until", help="Last month of data to learn from, YYYY-MM; forecasts start the month after."),
    horizons: str = typer.Option("1-12", help="Months ahead: 1-12, or a list such as 1,3,6."),
    unit: str = typer.Option("pgm", help="pgm (PRIO-GRID cell-month), admin1 or admin2."),
    region: str = typer.Option("africa", help="'africa', or a country (ISO3 code or name, in English or French) or several joined by commas (MLI,BFA,NER)."),
    model: str = typer.Option("hurdle_lgbm", help="hurdle_lgbm, negbin, conflictology, last or zero."),
    seed: int = typer.Option(0, help="Random seed of the learned model."),
    window: int = typer.Option(120, help="Months of history the model trains on."),
    out_path: Path = typer.Option(..., "--out", "-o", callback=output_file, help="CSV to write: one row per unit, month and horizon."),
    map_path: Optional[Path] = typer.Option(None, "--map", callback=output_file, help="Also write a PNG map of P(any death) at the first horizon."),
) -> None:
    """Forecast deaths in violence against civilians for each unit and month ahead.

    The CSV has unit_id, country_iso3, month (YYYY-MM), horizon, mean, prob_any (probability of
    any death), q05, q50, q95 (and latitude/longitude of the cell centre for pgm). Nothing after
    --train-until is used.

    Example:

      bluehelmet forecast predict --train-until 2018-12 --horizons 1-12 --unit pgm --region MLI --out mali.csv
    """
    from bluehelmet.analysis.forecast.months import parse_horizons
    from bluehelmet.analysis.forecast.predict import forecast_frame, forecast_map_png

    hs = parse_horizons(horizons)
    with open_store(ctx) as store:
        frame = forecast_frame(store, region, train_until=train_until, horizons=hs, unit=unit, model=model, seed=seed, window=window)
    frame.to_csv(prepare_output(out_path), index=False)
    if map_path is not None:
        prepare_output(map_path).write_bytes(forecast_map_png(frame, horizon=hs[0]))
    err.print(f"{frame.attrs['region']}", highlight=False)
    err.print(f"wrote {len(frame):,} rows ({frame['unit_id'].nunique():,} units x {len(hs)} horizons) to {out_path}", highlight=False)


@forecast_app.command()
def backtest(
    ctx: typer.Context,
    region: str = typer.Option("africa", help="'africa', or a country (ISO3 code or name, in English or French) or several joined by commas (MLI,BFA,NER)."),
    unit: str = typer.Option("pgm", help="pgm, admin1 or admin2."),
    target: str = typer.Option("osv_deaths", help="osv_deaths, osv_events, sb_deaths or ns_deaths."),
    first_origin: str = typer.Option("2014-12", help="First forecast origin, YYYY-MM."),
    origins: int = typer.Option(12, help="Number of origins."),
    step: int = typer.Option(3, help="Months between origins."),
    horizons: str = typer.Option("1-12", help="Months ahead, e.g. 1-12."),
    models: str = typer.Option("zero,last,conflictology,negbin,hurdle_lgbm", help="Comma-separated models."),
    seeds: str = typer.Option("0", help="Seeds of the learned models, e.g. 0,1,2."),
    window: int = typer.Option(120, help="Months of history each model trains on."),
    start: str = typer.Option("1989-01", help="First month of the panel."),
    report: Optional[Path] = typer.Option(None, callback=output_file, help="Write the HTML comparison report here."),
    scores_path: Optional[Path] = typer.Option(None, "--scores", callback=output_file, help="Write every score (model, seed, origin, horizon, metric, value) as CSV."),
) -> None:
    """Rolling-origin backtest: for each origin, train on data up to it and forecast each horizon.

    Prints the pooled scores (CRPS, MSE, MSLE, Brier, average precision, top-k recall) with
    bootstrap intervals over origins, and writes the HTML report comparing every model with every
    baseline per horizon.

    Examples:

      bluehelmet forecast backtest --region MLI,BFA,NER --origins 12 --report sahel.html

      bluehelmet forecast backtest --region africa --seeds 0,1,2 --report africa.html --scores africa.csv
    """
    from bluehelmet.analysis.forecast.backtest import quarterly_origins, run_backtest
    from bluehelmet.analysis.forecast.months import parse_horizons
    from bluehelmet.analysis.forecast.report import pooled_table, write_report

    with open_store(ctx) as store:
        result = run_backtest(
            store, region, origins=quarterly_origins(first_origin, origins, step), horizons=parse_horizons(horizons),
            models=_list(models), seeds=[int(s) for s in _list(seeds)], target=target, unit=unit, window=window,
            start=start, progress=lambda message: err.print(message, highlight=False),
        )
    if scores_path is not None:
        result.scores.to_csv(prepare_output(scores_path), index=False)
    if report is not None:
        write_report(result, report)
        err.print(f"report: {report}", highlight=False)
    out.print(result.meta["region"], highlight=False)
    out.print(pooled_table(result).to_string(), highlight=False, soft_wrap=True)
