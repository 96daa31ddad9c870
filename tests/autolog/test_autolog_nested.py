"""The outermost rule: models whose fit runs other patched fits (GLM's IRLS runs WLS, GLS and
GLSAR run RegressionModel.fit, ARIMA/SARIMAX run MLEModel machinery, MixedLM, Logit's
super().fit chain, ...) give exactly one run per user call, logged with the outer call's params
and the returned results' metrics."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import alcases
import altools
from altools import AUTOLOG_TAG, expected_metrics, expected_params


@pytest.mark.parametrize("name", alcases.NESTED)
def test_one_run_per_user_fit(al, mode, name):
    case = alcases.CASES[name]
    model = case.model()
    called = type(model).fit  # the original (autolog is off here)
    al.enable()
    results = case.fit(model)
    mlc = altools.mlc()
    assert mlc.active_run() is None
    run = al.only_run()
    assert mlc.last_active_run().info.run_id == run.info.run_id
    assert run.info.status == "FINISHED"
    assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
    assert run.data.params == expected_params(called, case.args, case.kwargs)
    altools.assert_same_metrics(run.data.metrics, expected_metrics(results))
    assert al.artifacts(run.info.run_id) == ["model_summary.txt"]
    models = al.logged_models()
    assert len(models) == 1
    assert models[0].source_run_id == run.info.run_id


def test_consecutive_fits_of_every_nested_model(al, mode):
    al.enable(log_models=False)
    expected = []
    for name in alcases.NESTED:
        case = alcases.CASES[name]
        model = case.model()
        expected.append(expected_params(type(model).fit, case.args, case.kwargs))
        case.fit(model)
    runs = al.runs()
    assert len(runs) == len(alcases.NESTED)
    assert [r.data.params for r in runs] == expected
    assert all(r.info.status == "FINISHED" for r in runs)


def test_user_calls_in_sequence_are_each_outermost(al):
    """MLflow's gls_model fixture: two OLS fits, then a GLS fit: three runs."""
    y, X = alcases.reg_data()
    al.enable(log_models=False)
    ols_resid = sm.OLS(y, X).fit().resid
    sm.OLS(ols_resid[1:], ols_resid[:-1]).fit()
    sm.GLS(y, X, sigma=np.linspace(1.0, 2.0, len(y))).fit()
    assert len(al.runs()) == 3


@pytest.mark.parametrize("name", ["glm", "arima", "mixedlm"])
def test_inner_fits_do_not_log_into_a_user_run(al, mode, name):
    case = alcases.CASES[name]
    model = case.model()
    called = type(model).fit
    mlc = altools.mlc()
    al.enable(log_models=False)
    with mlc.start_run() as user_run:
        results = case.fit(model)
    run = al.only_run()  # no nested run from a param conflict of an inner fit
    assert run.info.run_id == user_run.info.run_id
    assert run.data.params == expected_params(called, case.args, case.kwargs)
    altools.assert_same_metrics(run.data.metrics, expected_metrics(results))
