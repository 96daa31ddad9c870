"""A zoo of fitted statsmodels results on small synthetic data (fixed seeds).

Every entry knows how to fit itself, what a caller feeds to pyfunc ``predict`` (an exog array or
frame for regression models, a one-row ``start``/``end`` frame for time-series models) and how to
compute the expected prediction straight from the results object.

Fitting is silent: statsmodels' convergence, iteration-limit and value warnings are ignored
inside the fits only, because the suite turns every other warning into an error.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd

N_ROWS = 120  # every data set stays well below 200 rows
N_NEW = 8  # rows of new exog fed to regression predictions


def _silently(fit: Callable[[], Any]) -> Callable[[], Any]:
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit()

    run.__name__ = getattr(fit, "__name__", "fit")
    return run


# ------------------------------------------------------------------ synthetic data


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def regression_data(seed: int = 9876789, n: int = N_ROWS):
    """(X with constant, y, X_new): y = X·[1, 2, -1] + N(0, 1)."""
    import statsmodels.api as sm

    rng = _rng(seed)
    x = rng.normal(size=(n + N_NEW, 2))
    X_all = sm.add_constant(x, has_constant="add")
    y = X_all[:n] @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=n)
    return X_all[:n], y, X_all[n:]


def regression_frame(seed: int = 4242, n: int = N_ROWS):
    """(exog frame with const/x1/x2, binary endog, count endog, new exog frame)."""
    rng = _rng(seed)
    x = rng.normal(size=(n + N_NEW, 2))
    frame = pd.DataFrame({"const": 1.0, "x1": x[:, 0], "x2": x[:, 1]})
    lin = frame.to_numpy() @ np.array([0.3, 1.2, -0.8])
    binary = (lin[:n] + rng.logistic(size=n) > 0).astype(float)
    counts = rng.poisson(np.exp(0.4 + 0.3 * x[:n, 0] - 0.2 * x[:n, 1])).astype(float)
    return frame.iloc[:n].copy(), binary, counts, frame.iloc[n:].reset_index(drop=True)


def grouped_frame(seed: int = 777, groups: int = 12, per_group: int = 10):
    rng = _rng(seed)
    n = groups * per_group
    g = np.repeat(np.arange(groups), per_group)
    df = pd.DataFrame({"x0": rng.normal(size=n), "x1": rng.normal(size=n), "g": g})
    df["y"] = 1.0 + df["x0"] - 0.5 * df["x1"] + rng.normal(size=groups)[g] + rng.normal(size=n)
    new = pd.DataFrame({"x0": rng.normal(size=N_NEW), "x1": rng.normal(size=N_NEW),
                        "g": np.arange(N_NEW) % groups})
    return df, new


def monthly_series(seed: int = 12345, n: int = N_ROWS) -> pd.Series:
    """An ARMA(1,1)-like series on a month-end index starting 2000-01-31."""
    rng = _rng(seed)
    e = rng.normal(size=n + 1)
    y = np.empty(n)
    prev = 0.0
    for t in range(n):
        prev = 0.6 * prev + e[t + 1] + 0.3 * e[t]
        y[t] = prev
    idx = pd.date_range("2000-01-31", periods=n, freq="ME")
    return pd.Series(y, index=idx, name="y")


def seasonal_array(seed: int = 2024, n: int = N_ROWS, period: int = 4) -> np.ndarray:
    rng = _rng(seed)
    t = np.arange(n)
    return 20.0 + 0.05 * t + 2.0 * np.sin(2 * np.pi * t / period) + rng.normal(scale=0.4, size=n)


def yearly_regression(seed: int = 1951, n: int = 40):
    rng = _rng(seed)
    idx = pd.date_range("1951-01-01", periods=n, freq="YS")
    exog = pd.DataFrame({"const": 1.0, "x": rng.normal(size=n)}, index=idx)
    endog = pd.Series(2.0 + 1.5 * exog["x"].to_numpy() + rng.normal(scale=0.5, size=n),
                      index=idx, name="y")
    return endog, exog


# ------------------------------------------------------------------ the entries


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    name: str
    fit: Callable[[], Any]
    # what pyfunc predict gets: exog (ndarray/DataFrame) or a one-row start/end frame
    make_input: Callable[[], Any]
    # expected prediction from a results object (None when the results have no predict)
    expected: Callable[[Any], Any] | None
    time_series: bool = False

    @property
    def predicts(self) -> bool:
        return self.expected is not None

    def inference_input(self):
        return self.make_input()


def _exog_entry(name, fit, make_exog):
    return ZooEntry(name=name, fit=_silently(fit), make_input=make_exog,
                    expected=lambda res: res.predict(make_exog()))


def _ts_entry(name, fit, start, end):
    return ZooEntry(
        name=name,
        fit=_silently(fit),
        make_input=lambda: pd.DataFrame({"start": [start], "end": [end]}),
        expected=lambda res: res.predict(start=start, end=end),
        time_series=True,
    )


def _fit_ols():
    import statsmodels.api as sm

    X, y, _ = regression_data()
    return sm.OLS(y, X).fit()


def _fit_wls():
    import statsmodels.api as sm

    X, y, _ = regression_data(seed=11)
    weights = np.linspace(0.5, 2.0, len(y))
    return sm.WLS(y, X, weights=weights).fit()


def _fit_gls():
    import statsmodels.api as sm
    from scipy.linalg import toeplitz

    X, y, _ = regression_data(seed=12)
    resid = sm.OLS(y, X).fit().resid
    rho = float(np.corrcoef(resid[1:], resid[:-1])[0, 1])
    sigma = rho ** toeplitz(np.arange(len(y)))
    return sm.GLS(y, X, sigma=sigma).fit()


def _fit_glsar():
    import statsmodels.api as sm

    X, y, _ = regression_data(seed=13)
    return sm.GLSAR(y, X, rho=2).iterative_fit(maxiter=3)


def _fit_quantreg():
    import statsmodels.api as sm

    X, y, _ = regression_data(seed=14)
    return sm.QuantReg(y, X).fit(q=0.5)


def _fit_rlm():
    import statsmodels.api as sm

    X, y, _ = regression_data(seed=15)
    return sm.RLM(y, X, M=sm.robust.norms.HuberT()).fit()


def _positive_data(seed):
    X, y, X_new = regression_data(seed=seed)
    mu = np.exp(0.5 + 0.3 * X[:, 1] - 0.2 * X[:, 2])
    return X, mu, X_new


def _fit_glm_gamma():
    import statsmodels.api as sm

    X, mu, _ = _positive_data(16)
    y = _rng(160).gamma(shape=5.0, scale=mu / 5.0)
    return sm.GLM(y, X, family=sm.families.Gamma(link=sm.families.links.Log())).fit()


def _fit_glm_poisson():
    import statsmodels.api as sm

    X, mu, _ = _positive_data(17)
    y = _rng(170).poisson(mu).astype(float)
    return sm.GLM(y, X, family=sm.families.Poisson()).fit()


def _fit_glm_binomial():
    import statsmodels.api as sm

    X, y, _ = regression_data(seed=18)
    y = (y > np.median(y)).astype(float)
    return sm.GLM(y, X, family=sm.families.Binomial()).fit()


def _fit_logit():
    import statsmodels.api as sm

    exog, binary, _, _ = regression_frame()
    return sm.Logit(binary, exog).fit(disp=0)


def _fit_probit():
    import statsmodels.api as sm

    exog, binary, _, _ = regression_frame()
    return sm.Probit(binary, exog).fit(disp=0)


def _fit_mnlogit():
    import statsmodels.api as sm

    X, y, _ = regression_data(seed=19)
    classes = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    return sm.MNLogit(classes, X).fit(disp=0)


def _fit_poisson():
    import statsmodels.api as sm

    X, mu, _ = _positive_data(20)
    y = _rng(200).poisson(mu).astype(float)
    return sm.Poisson(y, X).fit(disp=0)


def _fit_negbin():
    import statsmodels.api as sm

    exog, _, counts, _ = regression_frame()
    return sm.NegativeBinomial(counts, exog).fit(disp=0)


def _fit_mixedlm():
    import statsmodels.formula.api as smf

    df, _ = grouped_frame()
    return smf.mixedlm("y ~ x0 + x1", df, groups=df["g"]).fit()


def _fit_gee():
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    df, _ = grouped_frame(seed=778)
    return smf.gee("y ~ x0 + x1", "g", df, cov_struct=sm.cov_struct.Exchangeable()).fit()


def _fit_arima():
    from statsmodels.tsa.arima.model import ARIMA

    return ARIMA(monthly_series(), order=(1, 0, 1)).fit()


def _fit_sarimax():
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y = seasonal_array()
    return SARIMAX(y, order=(1, 0, 0), seasonal_order=(1, 0, 0, 4), trend="ct").fit(disp=False)


def _fit_holt_winters():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = seasonal_array(seed=2025)
    return ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=4).fit()


def _fit_autoreg():
    from statsmodels.tsa.ar_model import AutoReg

    return AutoReg(seasonal_array(seed=2026), lags=3, trend="ct").fit()


def _fit_unobserved_components():
    import statsmodels.api as sm

    y = seasonal_array(seed=2027)
    return sm.tsa.UnobservedComponents(y, level="local linear trend").fit(disp=False)


def _fit_recursive_ls():
    import statsmodels.api as sm

    endog, exog = yearly_regression()
    return sm.RecursiveLS(endog, exog).fit()


def _fit_rolling_ols():
    from statsmodels.regression.rolling import RollingOLS

    X, y, _ = regression_data(seed=21)
    return RollingOLS(y, X, window=30).fit()


def _new_X(seed):
    return lambda: regression_data(seed=seed)[2]


def _new_frame():
    return regression_frame()[3]


def _new_grouped(seed):
    return lambda: grouped_frame(seed=seed)[1]


ENTRIES: list[ZooEntry] = [
    _exog_entry("ols", _fit_ols, _new_X(9876789)),
    _exog_entry("wls", _fit_wls, _new_X(11)),
    _exog_entry("gls", _fit_gls, _new_X(12)),
    _exog_entry("glsar", _fit_glsar, _new_X(13)),
    _exog_entry("quantreg", _fit_quantreg, _new_X(14)),
    _exog_entry("rlm", _fit_rlm, _new_X(15)),
    _exog_entry("glm_gamma", _fit_glm_gamma, _new_X(16)),
    _exog_entry("glm_poisson", _fit_glm_poisson, _new_X(17)),
    _exog_entry("glm_binomial", _fit_glm_binomial, _new_X(18)),
    _exog_entry("logit", _fit_logit, _new_frame),
    _exog_entry("probit", _fit_probit, _new_frame),
    _exog_entry("mnlogit", _fit_mnlogit, _new_X(19)),
    _exog_entry("poisson", _fit_poisson, _new_X(20)),
    _exog_entry("negative_binomial", _fit_negbin, _new_frame),
    _exog_entry("mixedlm", _fit_mixedlm, _new_grouped(777)),
    _exog_entry("gee", _fit_gee, _new_grouped(778)),
    _ts_entry("arima", _fit_arima, "2005-06-30", "2011-03-31"),
    _ts_entry("sarimax", _fit_sarimax, 100, 130),
    _ts_entry("holt_winters", _fit_holt_winters, 110, 127),
    _ts_entry("autoreg", _fit_autoreg, 60, 135),
    _ts_entry("unobserved_components", _fit_unobserved_components, 5, 125),
    _ts_entry("recursive_ls", _fit_recursive_ls, "1960-01-01", "1990-01-01"),
    ZooEntry(name="rolling_ols", fit=_silently(_fit_rolling_ols),
             make_input=_new_X(21), expected=None),
]

BY_NAME: dict[str, ZooEntry] = {e.name: e for e in ENTRIES}
NAMES: list[str] = [e.name for e in ENTRIES]
PREDICTING: list[str] = [e.name for e in ENTRIES if e.predicts]
TIME_SERIES: list[str] = [e.name for e in ENTRIES if e.time_series]


# ------------------------------------------------------------------ comparison helpers


def as_float_array(value) -> np.ndarray:
    if isinstance(value, (pd.Series, pd.DataFrame)):
        value = value.to_numpy()
    return np.asarray(value, dtype=float)


def assert_same_prediction(actual, expected) -> None:
    """Equal within 1e-9 (rtol and atol); Series and frames compared by their values."""
    a = as_float_array(actual)
    e = as_float_array(expected)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-9)


def _assert_same_value(a, e, where: str) -> None:
    if isinstance(e, dict):
        assert isinstance(a, dict) and a.keys() == e.keys(), where
        for key in e:
            _assert_same_value(a[key], e[key], f"{where}[{key!r}]")
    elif e is None or isinstance(e, (bool, str)):
        assert a == e, where
    else:
        np.testing.assert_allclose(as_float_array(a), as_float_array(e), rtol=1e-12, atol=0,
                                   err_msg=where)


def assert_same_params(loaded, original) -> None:
    """The fitted parameters (array, Series, frame or Holt-Winters' dict) are unchanged."""
    assert type(loaded) is type(original)
    _assert_same_value(loaded.params, original.params, "params")
