"""Shared synthetic data and fitted statsmodels results for the benchmarks (fixed seeds).

- ``ols_results()``: OLS on a 200x4 design (``const``, ``x1``, ``x2``, ``x3``), seed 20240601.
- ``arima_results()``: ARIMA(1, 0, 0) on 120 monthly points (AR(1), phi=0.6), seed 20240602.

Results are fitted once per process and cached; treat them as read-only.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

OLS_SEED = 20240601
ARIMA_SEED = 20240602
OLS_N = 200
ARIMA_N = 120
OLS_COLUMNS = ["const", "x1", "x2", "x3"]
OLS_BETA = np.array([1.5, 2.0, -0.7, 0.3])


@functools.lru_cache(maxsize=None)
def ols_data() -> tuple[pd.DataFrame, pd.Series]:
    """200x4 design matrix (intercept column + 3 standard-normal regressors) and response."""
    rng = np.random.default_rng(OLS_SEED)
    x = rng.standard_normal((OLS_N, 3))
    exog = pd.DataFrame(np.column_stack([np.ones(OLS_N), x]), columns=OLS_COLUMNS)
    endog = pd.Series(exog.to_numpy() @ OLS_BETA + rng.normal(scale=0.5, size=OLS_N), name="y")
    return exog, endog


@functools.lru_cache(maxsize=None)
def ols_results():
    """Fitted ``RegressionResultsWrapper`` of ``sm.OLS(y, X)`` on ``ols_data()``."""
    import statsmodels.api as sm

    exog, endog = ols_data()
    return sm.OLS(endog, exog).fit()


def ols_predict_frame(rows: int = 1) -> pd.DataFrame:
    """``rows`` new observations with the OLS design's columns (fresh object on each call)."""
    rng = np.random.default_rng(OLS_SEED + rows)
    x = rng.standard_normal((rows, 3))
    return pd.DataFrame(np.column_stack([np.ones(rows), x]), columns=OLS_COLUMNS)


@functools.lru_cache(maxsize=None)
def arima_series() -> pd.Series:
    """120 monthly points (month starts from 2015-01) of an AR(1) process around 10."""
    rng = np.random.default_rng(ARIMA_SEED)
    eps = rng.normal(scale=1.0, size=ARIMA_N)
    y = np.empty(ARIMA_N)
    y[0] = eps[0]
    for t in range(1, ARIMA_N):
        y[t] = 0.6 * y[t - 1] + eps[t]
    index = pd.date_range("2015-01-01", periods=ARIMA_N, freq="MS")
    return pd.Series(10.0 + y, index=index, name="value")


@functools.lru_cache(maxsize=None)
def arima_results():
    """Fitted ``ARIMAResultsWrapper`` of ``ARIMA(order=(1, 0, 0))`` on ``arima_series()``."""
    import warnings

    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ARIMA(arima_series(), order=(1, 0, 0)).fit()


def arima_predict_frame() -> pd.DataFrame:
    """pyfunc input for the ARIMA model: forecast the 12 months after the sample."""
    series = arima_series()
    return pd.DataFrame({"start": [len(series)], "end": [len(series) + 11]})


if __name__ == "__main__":
    res = ols_results()
    print(res.params.round(3).to_dict(), f"R2={res.rsquared:.3f}")
    ar = arima_results()
    print(ar.params.round(3).to_dict())
