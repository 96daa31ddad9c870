"""Params (bound arguments, str()-ed, Q1 fixed, long values skipped) and metrics (the allow-list,
numbers only, one warning naming the failed properties, linked to the logged model), and
``silent=True``."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.regression.linear_model import RegressionResults

import alcases
import altools
from altools import EMPTY_REPR, METRIC_NAMES, expected_metrics, expected_params

OLS_FIT = sm.OLS.fit  # originals: this module is imported while autolog is off
GLM_FIT = sm.GLM.fit
OLS_DEFAULT_PARAMS = {"method": "pinv", "cov_type": "nonrobust", "cov_kwds": "None",
                      "use_t": "None"}
FAILED_MSG = "Failed to autolog metrics: f_pvalue, fvalue."
UNEXPECTED = "Encountered unexpected error during statsmodels autologging: "


def _raising(name):
    def getter(self):
        raise RuntimeError(f"{name} is broken")

    return property(getter)


# --------------------------------------------------------------------------- params


def test_ols_default_params_have_no_q1_junk(al, mode):
    al.enable(log_models=False)
    sm.OLS(*alcases.reg_data()).fit()
    params = al.only_run().data.params
    assert params == OLS_DEFAULT_PARAMS
    assert "kwargs" not in params and EMPTY_REPR not in params.values()


@pytest.mark.parametrize("args, kwargs, expected", [
    (("qr",), {}, dict(OLS_DEFAULT_PARAMS, method="qr")),
    (("qr", "HC0"), {}, dict(OLS_DEFAULT_PARAMS, method="qr", cov_type="HC0")),
    ((), {"use_t": True}, dict(OLS_DEFAULT_PARAMS, use_t="True")),
    (("pinv",), {"cov_type": "HAC", "cov_kwds": {"maxlags": 2}},
     dict(OLS_DEFAULT_PARAMS, cov_type="HAC", cov_kwds="{'maxlags': 2}")),
    ((), {"extra_flag": 3}, dict(OLS_DEFAULT_PARAMS, extra_flag="3")),
], ids=["positional", "two_positional", "bool", "dict", "unknown_keyword"])
def test_ols_params(al, args, kwargs, expected):
    assert expected_params(OLS_FIT, args, kwargs) == expected  # the oracle agrees
    al.enable(log_models=False)
    sm.OLS(*alcases.reg_data()).fit(*args, **kwargs)
    assert al.only_run().data.params == expected


def test_glm_params_with_array_and_float(al):
    start = np.array([0.1, 0.2, 0.3])
    al.enable(log_models=False)
    alcases.CASES["glm"].model().fit(start_params=start, tol=1e-10, maxiter=50)
    params = al.only_run().data.params
    assert params == expected_params(GLM_FIT, (), {"start_params": start, "tol": 1e-10,
                                                   "maxiter": 50})
    assert params["start_params"] == str(start) == "[0.1 0.2 0.3]"
    assert params["tol"] == "1e-10"
    assert params["method"] == "IRLS"


def test_star_args_and_keyword_only(al, mode):
    al.enable(log_models=False)

    class Custom(sm.OLS):
        def fit(self, a, b=1, *rest, c=3, d=None, **extra):
            return super().fit()

    Custom(*alcases.reg_data()).fit(10, 20, 30, 40, e="x")
    assert al.only_run().data.params == {"a": "10", "b": "20", "c": "3", "d": "None",
                                         "e": "x"}


def test_long_value_skipped_with_warning(al, mode, mlc_logs):
    al.enable(log_models=False)
    long_value = "x" * 6500
    res = sm.OLS(*alcases.reg_data()).fit(long_note=long_value, short_note="ok")
    run = al.only_run()
    assert run.data.params == dict(OLS_DEFAULT_PARAMS, short_note="ok")
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))
    warned = [m for m in mlc_logs.warnings() if "long_note" in m]
    assert len(warned) == 1, mlc_logs.warnings()
    assert not [m for m in mlc_logs.warnings() if "short_note" in m]


def test_value_of_exactly_6000_chars_is_logged(al):
    al.enable(log_models=False)
    sm.OLS(*alcases.reg_data()).fit(note="y" * 6000)
    assert al.only_run().data.params["note"] == "y" * 6000


# --------------------------------------------------------------------------- metrics


def test_ols_logs_the_full_allow_list(al, mode):
    al.enable(log_models=False)
    res = alcases.CASES["ols"].fit()
    run = al.only_run()
    assert sorted(run.data.metrics) == METRIC_NAMES
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))
    assert run.data.metrics["df_resid"] == 57.0


def test_metrics_are_step_0_with_one_timestamp(al):
    al.enable(log_models=False)
    alcases.CASES["ols"].fit()
    run = al.only_run()
    stamps = set()
    for key in METRIC_NAMES:
        (metric,) = al.client.get_metric_history(run.info.run_id, key)
        assert metric.step == 0
        stamps.add(metric.timestamp)
    assert len(stamps) == 1


def test_glm_metrics(al, mode):
    al.enable(log_models=False)
    res = alcases.CASES["glm"].fit()
    run = al.only_run()
    assert sorted(run.data.metrics) == ["aic", "bic", "df_model", "df_resid", "llf", "scale"]
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))


def test_failing_properties_give_one_warning(al, mode, mlc_logs, monkeypatch):
    monkeypatch.setattr(RegressionResults, "f_pvalue", _raising("f_pvalue"))
    monkeypatch.setattr(RegressionResults, "fvalue", _raising("fvalue"))
    al.enable(log_models=False)
    res = alcases.CASES["ols"].fit()
    assert res.params.shape == (3,)
    run = al.only_run()
    expected = expected_metrics(res)
    assert len(expected) == 16
    assert sorted(run.data.metrics) == sorted(set(METRIC_NAMES) - {"f_pvalue", "fvalue"})
    altools.assert_same_metrics(run.data.metrics, expected)
    assert mlc_logs.warnings().count(FAILED_MSG) == 1
    assert run.info.status == "FINISHED"


def test_failing_metric_and_summary_are_silent_with_silent_true(al, mode, mlc_logs,
                                                                monkeypatch):
    monkeypatch.setattr(RegressionResults, "f_pvalue", _raising("f_pvalue"))
    monkeypatch.setattr(RegressionResults, "fvalue", _raising("fvalue"))
    al.enable(log_models=False, silent=True)
    alcases.CASES["ols"].fit()
    run = al.only_run()
    assert len(run.data.metrics) == 16
    assert run.info.status == "FINISHED"
    assert mlc_logs.records == []


def test_silent_false_reports_the_same_case(al, mlc_logs, monkeypatch):
    """The counterpart of the silent test: the same failures are reported without silent."""
    monkeypatch.setattr(RegressionResults, "f_pvalue", _raising("f_pvalue"))
    monkeypatch.setattr(RegressionResults, "fvalue", _raising("fvalue"))
    al.enable(log_models=False)
    alcases.CASES["ols"].fit()
    al.only_run()
    assert FAILED_MSG in mlc_logs.warnings()
    # the summary prints the F statistic, so writing model_summary.txt fails too
    assert [m for m in mlc_logs.warnings() if m.startswith(UNEXPECTED)]


def test_rlm_llf_not_implemented(al, mlc_logs):
    al.enable(log_models=False)
    res = alcases.CASES["rlm"].fit()
    run = al.only_run()
    assert sorted(run.data.metrics) == ["df_model", "df_resid", "scale"]
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))
    assert mlc_logs.warnings() == ["Failed to autolog metrics: llf."]


def test_only_numbers_are_metrics(al, mode, monkeypatch, mlc_logs):
    # leaf properties only (no other allow-listed property is computed from them)
    monkeypatch.setattr(RegressionResults, "aic", property(lambda self: True))
    monkeypatch.setattr(RegressionResults, "bic", property(lambda self: np.array([1.0, 2.0])))
    monkeypatch.setattr(RegressionResults, "condition_number", property(lambda self: "12.5"))
    monkeypatch.setattr(RegressionResults, "mse_total", property(lambda self: np.array(3.0)))
    monkeypatch.setattr(RegressionResults, "ess", property(lambda self: np.int64(7)))
    monkeypatch.setattr(RegressionResults, "llf", property(lambda self: 5))
    monkeypatch.setattr(RegressionResults, "rsquared_adj",
                        property(lambda self: np.float32(0.5)))
    al.enable(log_models=False)
    res = alcases.CASES["ols"].fit()
    metrics = al.only_run().data.metrics
    assert sorted(metrics) == sorted(set(METRIC_NAMES) - {"aic", "bic", "condition_number",
                                                          "mse_total"})
    assert metrics["ess"] == 7.0 and metrics["llf"] == 5.0 and metrics["rsquared_adj"] == 0.5
    assert metrics["mse_model"] == 3.5
    altools.assert_same_metrics(metrics, expected_metrics(res))
    assert not [m for m in mlc_logs.warnings() if m.startswith("Failed to autolog metrics")]


def test_logged_model_metrics_equal_run_metrics(al, mode):
    mlc = altools.mlc()
    al.enable()
    res = alcases.CASES["ols"].fit()
    run = al.only_run()
    model = mlc.last_logged_model()
    assert model is not None
    assert model.source_run_id == run.info.run_id
    assert {m.key: m.value for m in model.metrics} == run.data.metrics
    assert all(m.model_id == model.model_id for m in model.metrics)
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))
    assert len(run.data.metrics) == 18


def test_nan_metric_is_logged(al, monkeypatch):
    monkeypatch.setattr(RegressionResults, "aic", property(lambda self: float("nan")))
    al.enable(log_models=False)
    alcases.CASES["ols"].fit()
    metrics = al.only_run().data.metrics
    assert np.isnan(metrics["aic"])
    assert len(metrics) == 18


def test_warnings_are_on_the_mlflow_c_logger(al, mlc_logs, monkeypatch):
    monkeypatch.setattr(RegressionResults, "f_pvalue", _raising("f_pvalue"))
    monkeypatch.setattr(RegressionResults, "fvalue", _raising("fvalue"))
    al.enable(log_models=False)
    alcases.CASES["ols"].fit()
    al.only_run()
    assert any(r.level == logging.WARNING and r.message == FAILED_MSG for r in mlc_logs.records)
