"""The demo's forecasting section: a three-month forecast for Mali, a risk map and the top cells."""

from __future__ import annotations

from pathlib import Path

from bluehelmet.demo import console, section


@section("Early warning: violence against civilians, Mali, 2019-01 to 2019-03")
def forecast_mali(store, out: Path) -> None:
    from bluehelmet.analysis.forecast.predict import forecast_frame, forecast_map_png, risk_alerts

    frame = forecast_frame(store, "MLI", train_until="2018-12", horizons=[1, 2, 3], window=120)
    frame.to_csv(out / "forecast_mali.csv", index=False)
    (out / "forecast_mali_2019-01.png").write_bytes(forecast_map_png(frame, horizon=1))
    console.print(frame.attrs["region"], highlight=False)
    alerts = risk_alerts(frame, threshold=0.3)
    console.print(f"{len(alerts)} cell(s) with P(any civilian death in 2019-01) >= 0.3. The five highest risks:")
    highest = frame[frame["horizon"] == 1].sort_values("prob_any", ascending=False)
    for row in highest.head(5).itertuples():
        console.print(f"  cell {row.unit_id} ({row.latitude:.2f}, {row.longitude:.2f}): P = {row.prob_any:.2f}, "
                      f"expected deaths {row.mean:.1f}, 90% interval {row.q05:.0f}-{row.q95:.0f}", highlight=False)
    console.print(f"wrote {out / 'forecast_mali.csv'} and {out / 'forecast_mali_2019-01.png'}", highlight=False)
