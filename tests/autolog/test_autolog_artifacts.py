"""Artifacts: model_summary.txt, the logged model (loads in mlflow_c and in real MLflow, with
the fit's predictions), log_models=False, registration, the large-model warning, Q5 fixed, and
what fit returns whatever logging does."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import alcases
import altools
from altools import expected_metrics

UNEXPECTED = "Encountered unexpected error during statsmodels autologging: "
MODEL_FILES = ["MLmodel", "conda.yaml", "model.statsmodels", "python_env.yaml",
               "requirements.txt"]


@pytest.mark.parametrize("name", ["ols", "glm", "arima", "expsmoothing"])
def test_model_summary_txt(al, mode, name):
    al.enable(log_models=False)
    res = alcases.CASES[name].fit()
    run = al.only_run()
    assert al.artifacts(run.info.run_id) == ["model_summary.txt"]
    raw = al.read_artifact_bytes(run.info.run_id, "model_summary.txt")
    text = raw.decode("utf-8")
    expected = res.summary().as_text()
    assert not text.endswith("\n")
    assert text.split("\n")[:4] == expected.split("\n")[:4]
    assert len(text.split("\n")) == len(expected.split("\n"))
    # only the Date:/Time: cells may differ
    diff = [(a, b) for a, b in zip(text.split("\n"), expected.split("\n")) if a != b]
    assert all("Date:" in a or "Time:" in a for a, _ in diff), diff


def test_model_loads_in_mlflow_c(al, mode):
    mlc = altools.mlc()
    y, X = alcases.reg_data()
    al.enable()
    res = sm.OLS(y, X).fit()
    run = al.only_run()
    rid = run.info.run_id
    new_X = alcases.reg_data(seed=300, n=7)[1]
    expected = res.predict(new_X)
    loaded = mlc.pyfunc.load_model(f"runs:/{rid}/model")
    np.testing.assert_allclose(np.asarray(loaded.predict(new_X)), expected, rtol=1e-12)
    native = mlc.statsmodels.load_model(f"runs:/{rid}/model")
    np.testing.assert_array_equal(np.asarray(native.params), np.asarray(res.params))
    (model,) = al.logged_models()
    assert model.source_run_id == rid
    assert model.name == "model"
    by_id = mlc.pyfunc.load_model(f"models:/{model.model_id}")
    np.testing.assert_allclose(np.asarray(by_id.predict(new_X)), expected, rtol=1e-12)
    assert mlc.last_logged_model().model_id == model.model_id
    # MLflow 3 layout: the model lives in the logged model, the run has the summary
    assert al.artifacts(rid) == ["model_summary.txt"]
    outputs = run.outputs.model_outputs if run.outputs is not None else []
    assert [(o.model_id, o.step) for o in outputs] == [(model.model_id, 0)]


def test_model_loads_in_real_mlflow(al, mode):
    import mlflow
    import mlflow.pyfunc
    import mlflow.statsmodels

    y, X = alcases.reg_data()
    al.enable()
    res = alcases.CASES["arima"].fit()
    ols = sm.OLS(y, X).fit()
    altools.flush()
    mlflow.set_tracking_uri(al.uri)
    client = mlflow.MlflowClient(tracking_uri=al.uri)
    runs = al.sort_runs(client.search_runs(["0"]))
    assert len(runs) == 2
    arima_run, ols_run = runs
    assert arima_run.info.status == ols_run.info.status == "FINISHED"

    new_X = alcases.reg_data(seed=300, n=7)[1]
    loaded = mlflow.pyfunc.load_model(f"runs:/{ols_run.info.run_id}/model")
    np.testing.assert_allclose(np.asarray(loaded.predict(new_X)), ols.predict(new_X),
                               rtol=1e-12)
    native = mlflow.statsmodels.load_model(f"runs:/{ols_run.info.run_id}/model")
    np.testing.assert_allclose(native.predict(new_X), ols.predict(new_X), rtol=1e-12)

    arima_native = mlflow.statsmodels.load_model(f"runs:/{arima_run.info.run_id}/model")
    np.testing.assert_allclose(arima_native.forecast(5), res.forecast(5), rtol=1e-12)

    models = {m.source_run_id: m for m in client.search_logged_models(experiment_ids=["0"])}
    assert sorted(models) == sorted([arima_run.info.run_id, ols_run.info.run_id])
    lm = models[ols_run.info.run_id]
    assert {m.key: m.value for m in lm.metrics} == ols_run.data.metrics
    files = sorted(f.path for f in client.list_logged_model_artifacts(lm.model_id))
    assert files == MODEL_FILES
    by_id = mlflow.pyfunc.load_model(f"models:/{lm.model_id}")
    np.testing.assert_allclose(np.asarray(by_id.predict(new_X)), ols.predict(new_X),
                               rtol=1e-12)


def test_log_models_false(al, mode):
    mlc = altools.mlc()
    # mlflow_c's last logged model is process state: make it a known model first
    with mlc.start_run():
        manual = mlc.statsmodels.log_model(alcases.CASES["ols"].fit(), name="manual")
    assert mlc.last_logged_model().model_id == manual.model_id
    al.enable(log_models=False)
    alcases.CASES["ols"].fit()
    manual_run, run = al.runs()
    assert [m.model_id for m in al.logged_models()] == [manual.model_id]
    assert mlc.last_logged_model().model_id == manual.model_id
    assert al.artifacts(run.info.run_id) == ["model_summary.txt"]
    assert run.outputs is None or not run.outputs.model_outputs
    assert len(run.data.metrics) == 18


def test_registered_model_name(al, mode):
    mlc = altools.mlc()
    al.enable(registered_model_name="AutologOLS")
    first = sm.OLS(*alcases.reg_data()).fit()
    second = sm.OLS(*alcases.reg_data(seed=21)).fit()
    run1, run2 = al.runs()
    v1 = al.client.get_model_version("AutologOLS", "1")
    v2 = al.client.get_model_version("AutologOLS", "2")
    assert v1.run_id == run1.info.run_id
    assert v2.run_id == run2.info.run_id
    models = {m.source_run_id: m.model_id for m in al.logged_models()}
    assert v1.source == f"models:/{models[run1.info.run_id]}"
    assert v2.source == f"models:/{models[run2.info.run_id]}"
    X = alcases.reg_data(seed=300, n=5)[1]
    for version, res in (("1", first), ("2", second)):
        loaded = mlc.pyfunc.load_model(f"models:/AutologOLS/{version}")
        np.testing.assert_allclose(np.asarray(loaded.predict(X)), res.predict(X), rtol=1e-12)


def test_large_model_warning(al, mode, mlc_logs, monkeypatch):
    import mlflow_c.statsmodels

    monkeypatch.setattr(mlflow_c.statsmodels, "_model_size_threshold_for_emitting_warning", 1)
    al.enable()
    alcases.CASES["ols"].fit()
    al.only_run()
    warned = [m for m in mlc_logs.warnings() if m.startswith("The fitted model is larger than")]
    assert len(warned) == 1
    assert "artifact_path=" not in warned[0]  # Q5: the hint names `name`


def test_no_size_warning_and_no_artifact_path_deprecation_by_default(al, mode, mlc_logs):
    import mlflow_c.statsmodels

    assert mlflow_c.statsmodels._model_size_threshold_for_emitting_warning == 100 * 1024 * 1024
    al.enable()
    alcases.CASES["ols"].fit()
    al.only_run()
    assert mlc_logs.warnings() == []
    assert not [m for m in mlc_logs.messages() if "artifact_path" in m]


class _Opaque:
    """Not a statsmodels results object and not picklable (holds a lambda)."""

    def __init__(self):
        self.fn = lambda: 1


def test_fit_returns_the_very_same_object(al, mode):
    seen = []
    al.enable()

    class Keeps(sm.OLS):
        def fit(self, method="pinv"):
            res = super().fit(method=method)
            seen.append(res)
            return res

    got = Keeps(*alcases.reg_data()).fit()
    assert got is seen[0]
    run = al.only_run()
    altools.assert_same_metrics(run.data.metrics, expected_metrics(got))


@pytest.mark.parametrize("log_models", [True, False])
def test_odd_results_are_returned_and_logging_failure_only_warns(al, mode, mlc_logs, log_models):
    opaque = _Opaque()
    al.enable(log_models=log_models)

    class Odd(sm.OLS):
        def fit(self, method="pinv"):
            super().fit(method=method)
            return opaque

    assert Odd(*alcases.reg_data()).fit() is opaque
    run = al.only_run()
    assert run.info.status == "FINISHED"
    assert run.data.params == {"method": "pinv"}
    assert run.data.metrics == {}
    assert al.artifacts(run.info.run_id) == []  # no summary: not a ResultsWrapper
    if log_models:  # the model cannot be saved: a warning, never an exception
        assert [m for m in mlc_logs.warnings() if m.startswith(UNEXPECTED)]
    else:
        assert al.logged_models() == []
