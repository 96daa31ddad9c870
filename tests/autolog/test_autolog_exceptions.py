"""A fit that raises: the very same exception propagates, the created run is FAILED with params
only (no metrics, summary or model), the outermost flag is reset, the next fit logs normally."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import alcases
import altools
from altools import AUTOLOG_TAG, expected_metrics, expected_params

GLM_FIT = sm.GLM.fit  # the original: this module is imported while autolog is off
LOGIT_FIT = sm.Logit.fit
OLS_DEFAULT_PARAMS = {"method": "pinv", "cov_type": "nonrobust", "cov_kwds": "None",
                      "use_t": "None"}


def _assert_failed_run(al, run, params):
    assert run.info.status == "FAILED"
    assert run.info.end_time is not None
    assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
    assert run.data.params == params
    assert run.data.metrics == {}
    assert al.artifacts(run.info.run_id) == []
    assert [m for m in al.logged_models() if m.source_run_id == run.info.run_id] == []


def _assert_next_fits_log(al, n_before):
    """The flag was reset: an OLS fit and a nested-fitting GLM fit give one run each."""
    res = alcases.CASES["ols"].fit()
    glm_res = alcases.CASES["glm"].fit()
    runs = al.runs()
    assert len(runs) == n_before + 2
    ols_run, glm_run = runs[-2], runs[-1]
    assert ols_run.info.status == glm_run.info.status == "FINISHED"
    assert ols_run.data.params == OLS_DEFAULT_PARAMS
    altools.assert_same_metrics(ols_run.data.metrics, expected_metrics(res))
    assert glm_run.data.params == expected_params(GLM_FIT)
    altools.assert_same_metrics(glm_run.data.metrics, expected_metrics(glm_res))
    assert altools.mlc().active_run() is None


def test_user_fit_raising_propagates_the_same_exception(al, mode):
    err = ValueError("boom from fit")
    al.enable()

    class Broken(sm.OLS):
        def fit(self, method="pinv", **kwargs):
            super().fit(method=method)  # a nested fit succeeds first
            raise err

    with pytest.raises(ValueError) as info:
        Broken(*alcases.reg_data()).fit(extra=1)
    assert info.value is err
    mlc = altools.mlc()
    assert mlc.active_run() is None
    run = al.only_run()
    _assert_failed_run(al, run, {"method": "pinv", "extra": "1"})
    assert mlc.last_active_run().info.run_id == run.info.run_id
    _assert_next_fits_log(al, 1)


def test_logit_singular_matrix_fails_run(al, mode):
    y, X = alcases.reg_data()
    Xs = np.column_stack([X, X[:, 1]])
    yb = (X[:, 1] + np.random.default_rng(0).normal(size=len(y)) > 0).astype(float)
    al.enable()
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        sm.Logit(yb, Xs).fit(disp=0)
    run = al.only_run()
    _assert_failed_run(al, run, expected_params(LOGIT_FIT, (), {"disp": 0}))
    _assert_next_fits_log(al, 1)


def test_base_exception_propagates_and_fails_run(al, mode):
    class Stop(BaseException):
        pass

    stop = Stop()
    al.enable(log_models=False)

    class Interrupted(sm.OLS):
        def fit(self):
            raise stop

    with pytest.raises(Stop) as info:
        Interrupted(*alcases.reg_data()).fit()
    assert info.value is stop
    run = al.only_run()
    _assert_failed_run(al, run, {})
    _assert_next_fits_log(al, 1)


def test_binding_error_propagates_and_fails_run(al, mode):
    """A parameter without default that was not passed gets no param entry (Q1 fixed)."""
    al.enable(log_models=False)

    class NeedsAlpha(sm.OLS):
        def fit(self, alpha, beta=2):
            return super().fit()

    with pytest.raises(TypeError):
        NeedsAlpha(*alcases.reg_data()).fit()
    _assert_failed_run(al, al.only_run(), {"beta": "2"})
    _assert_next_fits_log(al, 1)


def test_exception_inside_user_run_leaves_it_running(al, mode):
    err = RuntimeError("inner failure")
    mlc = altools.mlc()
    al.enable(log_models=False)

    class Broken(sm.OLS):
        def fit(self, method="pinv"):
            raise err

    with mlc.start_run() as user_run:
        with pytest.raises(RuntimeError) as info:
            Broken(*alcases.reg_data()).fit()
        assert info.value is err
        assert mlc.active_run().info.run_id == user_run.info.run_id
        assert al.get_run(user_run.info.run_id).info.status == "RUNNING"
        res = alcases.CASES["ols"].fit()
    run = al.only_run()
    assert run.info.status == "FINISHED"
    # the failed fit logged method=pinv, the next fit agrees with it: both in the user run
    assert run.data.params == OLS_DEFAULT_PARAMS
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))


def test_many_failures_in_a_row_keep_the_flag_sane(al, mode):
    al.enable(log_models=False)

    class Flaky(sm.GLM):
        calls = 0

        def fit(self, **kwargs):
            Flaky.calls += 1
            res = super().fit(**kwargs)
            if Flaky.calls % 2:
                raise KeyError(Flaky.calls)
            return res

    y, X = alcases.count_data()
    for i in range(6):
        if i % 2 == 0:
            with pytest.raises(KeyError):
                Flaky(y, X, family=sm.families.Poisson()).fit()
        else:
            Flaky(y, X, family=sm.families.Poisson()).fit()
    runs = al.runs()
    assert [r.info.status for r in runs] == ["FAILED", "FINISHED"] * 3
    assert all(r.data.metrics == {} for r in runs[0::2])
    assert all(len(r.data.metrics) == 6 for r in runs[1::2])
    _assert_next_fits_log(al, 6)
