"""Early warning: forecasts of violence against civilians, with honest rolling-origin backtests.

The pieces, in the order data flows through them:

- :mod:`.months` month arithmetic (months are integers ``year * 12 + month - 1``);
- :mod:`.region` which units (PRIO-GRID cells or admin units) a region holds;
- :mod:`.panel` events -> a dense unit-month panel of deaths and event counts (DuckDB SQL);
- :mod:`.context` UN presence, country conflict intensity and perpetrator kinds, when stored;
- :mod:`.features` causal features (lags, decays, spatial lags, mixes) from the panel;
- :mod:`.baselines` and :mod:`.models` forecasters that return predictive distributions;
- :mod:`.scores` proper scores (CRPS, Brier, ...), :mod:`.backtest` rolling origins;
- :mod:`.report` the HTML comparison report, :mod:`.predict` forecasts for users.
"""

from bluehelmet.analysis.forecast.backtest import BacktestResult, run_backtest
from bluehelmet.analysis.forecast.panel import Panel, build_panel
from bluehelmet.analysis.forecast.predict import forecast_frame
from bluehelmet.analysis.forecast.region import Region, resolve_region

__all__ = ["BacktestResult", "Panel", "Region", "build_panel", "forecast_frame", "resolve_region", "run_backtest"]
