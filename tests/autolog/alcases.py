"""Deterministic statsmodels fits shared by the autolog tests and the MLflow worker subprocess.

Every case builds its data from fixed seeds, so the same case fitted in two processes gives the
same numbers. ``CASES[name].model()`` builds a fresh (unfitted) model; ``CASES[name].fit(model)``
calls ``model.fit(*args, **kwargs)`` with the case's arguments. No case emits a warning.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

BETA = np.array([1.0, 2.0, -1.0])


def reg_data(seed: int = 0, n: int = 60, scale: float = 1.0):
    """(y, X) of a linear model with a constant; ``scale`` multiplies the noise."""
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    X = sm.add_constant(rng.normal(size=(n, 2)))
    y = X @ BETA + scale * rng.normal(size=n)
    return y, X


def ar_series(seed: int = 3, n: int = 100, phi: float = 0.6):
    rng = np.random.default_rng(seed)
    e = rng.normal(size=n)
    out = np.zeros(n)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + e[t]
    return out


def binary_data(seed: int = 5, n: int = 80):
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    X = sm.add_constant(rng.normal(size=(n, 2)))
    latent = X @ np.array([0.2, 1.0, -0.7]) + rng.logistic(size=n)
    return (latent > 0).astype(float), X


def count_data(seed: int = 7, n: int = 80):
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    X = sm.add_constant(rng.normal(size=(n, 2)))
    return rng.poisson(np.exp(X @ np.array([0.3, 0.4, -0.2]))).astype(float), X


def _ols():
    import statsmodels.api as sm
    return sm.OLS(*reg_data())


def _wls():
    import statsmodels.api as sm
    y, X = reg_data(seed=1)
    return sm.WLS(y, X, weights=np.linspace(0.5, 2.0, len(y)))


def _gls():
    import statsmodels.api as sm
    y, X = reg_data(seed=2)
    return sm.GLS(y, X, sigma=np.linspace(1.0, 3.0, len(y)))


def _glsar():
    import statsmodels.api as sm
    y, X = reg_data(seed=4)
    return sm.GLSAR(y, X, rho=1)


def _glm():
    import statsmodels.api as sm
    y, X = count_data()
    return sm.GLM(y, X, family=sm.families.Poisson())


def _logit():
    import statsmodels.api as sm
    return sm.Logit(*binary_data())


def _poisson():
    import statsmodels.api as sm
    return sm.Poisson(*count_data(seed=8))


def _arima():
    import statsmodels.api as sm
    return sm.tsa.ARIMA(ar_series(), order=(1, 0, 0))


def _sarimax():
    import statsmodels.api as sm
    return sm.tsa.SARIMAX(ar_series(seed=9), order=(1, 0, 0))


def _expsmoothing():
    import statsmodels.api as sm
    return sm.tsa.ExponentialSmoothing(ar_series(seed=11) + 10.0, trend="add")


def _mixedlm():
    import statsmodels.api as sm
    y, X = reg_data(seed=12, n=60)
    groups = np.repeat(np.arange(10), 6)
    rng = np.random.default_rng(13)
    y = y + rng.normal(size=10)[groups]
    return sm.MixedLM(y, X, groups=groups)


def _quantreg():
    import statsmodels.api as sm
    return sm.QuantReg(*reg_data(seed=14))


def _rlm():
    import statsmodels.api as sm
    return sm.RLM(*reg_data(seed=15))


def _autoreg():
    from statsmodels.tsa.ar_model import AutoReg
    return AutoReg(ar_series(seed=16), lags=2)


def _recursivels():
    import statsmodels.api as sm
    return sm.RecursiveLS(*reg_data(seed=17))


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    model: Callable[[], Any]
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)

    def fit(self, model=None):
        model = self.model() if model is None else model
        return model.fit(*self.args, **self.kwargs)


_ALL = [
    Case("ols", _ols),
    Case("ols_qr_hc1", _ols, ("qr", "HC1")),
    Case("ols_hac", _ols, (), {"cov_type": "HAC", "cov_kwds": {"maxlags": 2}}),
    Case("wls", _wls),
    Case("gls", _gls),
    Case("glsar", _glsar),
    Case("glm", _glm),
    Case("glm_args", _glm, (), {"maxiter": 50, "tol": 1e-10,
                                 "start_params": np.array([0.1, 0.2, 0.3])}),
    Case("logit", _logit, (), {"disp": 0}),
    Case("poisson", _poisson, (), {"disp": 0}),
    Case("arima", _arima),
    Case("sarimax", _sarimax, (), {"disp": False}),
    Case("expsmoothing", _expsmoothing),
    Case("mixedlm", _mixedlm),
    Case("quantreg", _quantreg, (), {"q": 0.5}),
    Case("rlm", _rlm),
    Case("autoreg", _autoreg),
    Case("recursivels", _recursivels),
]
CASES = {c.name: c for c in _ALL}
NAMES = [c.name for c in _ALL]

# The fits that run other patched fits inside (the outermost rule must give one run each).
NESTED = ["glm", "gls", "glsar", "arima", "sarimax", "expsmoothing", "mixedlm", "logit"]

# The metric allow-list of MLflow's statsmodels autolog (contract §8.5), alphabetical.
METRIC_NAMES = [
    "aic", "bic", "centered_tss", "condition_number", "df_model", "df_resid", "ess", "f_pvalue",
    "fvalue", "llf", "mse_model", "mse_resid", "mse_total", "rsquared", "rsquared_adj", "scale",
    "ssr", "uncentered_tss",
]

# The cases compared with real MLflow's autolog (one subprocess fits them all).
COMPARED = list(NAMES)
