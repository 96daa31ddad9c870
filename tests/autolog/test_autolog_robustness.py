"""What the asynchronous design must not change: the log reflects the fit even if the user
mutates the results right away, fits run while metrics/summary are computed are not logged,
pending writes survive interpreter exit; plus everyday usage (experiments, nested user runs,
the formula API with pandas data)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.regression.linear_model import RegressionResults

import alcases
import altools
from altools import AUTOLOG_TAG, METRIC_NAMES, expected_metrics

HERE = os.path.dirname(os.path.abspath(__file__))


def test_results_mutated_right_after_fit_do_not_change_the_log(al, mode):
    """The log is a snapshot of the fit: scribbling on the results (or remove_data) right after
    fit returns, before the background writer ran, changes nothing that is logged."""
    y, X = alcases.reg_data()
    new_X = alcases.reg_data(seed=300, n=6)[1]
    reference = sm.OLS(y, X).fit()  # autolog still off: the same fit, untouched
    expected_pred = np.asarray(reference.predict(new_X))
    al.enable()
    res = sm.OLS(y, X).fit()
    res.params[:] = 0.0
    res.remove_data()
    run = al.only_run()
    altools.assert_same_metrics(run.data.metrics, expected_metrics(reference))
    assert al.artifacts(run.info.run_id) == ["model_summary.txt"]
    text = al.read_artifact_bytes(run.info.run_id, "model_summary.txt").decode()
    assert text.split("\n")[:4] == reference.summary().as_text().split("\n")[:4]
    loaded = altools.mlc().pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_allclose(np.asarray(loaded.predict(new_X)), expected_pred, rtol=1e-12)


def test_fit_run_by_summary_is_not_logged(al, mode, monkeypatch):
    original_summary = RegressionResults.summary
    calls = []

    def summary(self, *args, **kwargs):
        calls.append(1)
        sm.OLS(*alcases.reg_data(seed=5)).fit(method="qr")  # a fit inside the summary
        return original_summary(self, *args, **kwargs)

    monkeypatch.setattr(RegressionResults, "summary", summary)
    al.enable(log_models=False)
    sm.OLS(*alcases.reg_data()).fit()
    run = al.only_run()
    assert calls, "autolog did not write the summary through results.summary()"
    assert run.data.params["method"] == "pinv"
    assert al.artifacts(run.info.run_id) == ["model_summary.txt"]


def test_fit_run_by_a_metric_property_is_not_logged(al, mode, monkeypatch):
    def condition_number(self):
        return float(sm.OLS(*alcases.reg_data(seed=6)).fit(method="qr").df_model)

    monkeypatch.setattr(RegressionResults, "condition_number", property(condition_number))
    al.enable(log_models=False)
    sm.OLS(*alcases.reg_data()).fit()
    run = al.only_run()
    assert run.data.params["method"] == "pinv"
    assert run.data.metrics["condition_number"] == 2.0
    assert sorted(run.data.metrics) == METRIC_NAMES


def test_pending_writes_survive_interpreter_exit(tmp_path):
    """Fits at the end of a script, no flush: the runs are complete after the process exits."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {HERE!r})
        import alcases, mlflow_c, mlflow_c.statsmodels
        mlflow_c.set_tracking_uri("sqlite:///" + sys.argv[1])
        mlflow_c.statsmodels.autolog()
        for name in ("ols", "glm", "arima", "ols", "logit"):
            alcases.CASES[name].fit()
    """)
    db = tmp_path / "exit.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    proc = subprocess.run([sys.executable, "-c", script, str(db)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    client = altools.mlc().MlflowClient(tracking_uri="sqlite:///" + str(db))
    runs = client.search_runs(["0"])
    assert len(runs) == 5
    for run in runs:
        assert run.info.status == "FINISHED"
        assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
        assert len(run.data.metrics) in (6, 18)
        assert sorted(f.path for f in client.list_artifacts(run.info.run_id)) == \
            ["model_summary.txt"]
    assert len(client.search_logged_models(experiment_ids=["0"])) == 5


def test_runs_go_to_the_active_experiment(al, mode):
    mlc = altools.mlc()
    al.bind()
    exp = mlc.set_experiment("autolog-experiment")
    al.enable(log_models=False)
    alcases.CASES["ols"].fit()
    runs = al.client.search_runs([exp.experiment_id])
    assert len(runs) == 1
    assert runs[0].info.experiment_id == exp.experiment_id
    assert al.runs() == []  # nothing in the Default experiment


def test_nested_user_runs_use_the_innermost(al, mode):
    mlc = altools.mlc()
    al.enable(log_models=False)
    with mlc.start_run() as outer:
        with mlc.start_run(nested=True) as inner:
            res = alcases.CASES["ols"].fit()
            assert mlc.active_run().info.run_id == inner.info.run_id
        assert mlc.active_run().info.run_id == outer.info.run_id
    runs = {r.info.run_id: r for r in al.runs()}
    assert sorted(runs) == sorted([outer.info.run_id, inner.info.run_id])
    assert runs[outer.info.run_id].data.metrics == {}
    altools.assert_same_metrics(runs[inner.info.run_id].data.metrics, expected_metrics(res))
    assert AUTOLOG_TAG not in runs[inner.info.run_id].data.tags


def test_formula_api_with_pandas(al, mode):
    rng = np.random.default_rng(31)
    df = pd.DataFrame({"x": rng.normal(size=50), "g": rng.choice(["a", "b", "c"], size=50)})
    df["y"] = 1.0 + 2.0 * df["x"] + (df["g"] == "b") * 0.5 + rng.normal(size=50)
    al.enable()
    res = smf.ols("y ~ x + C(g)", data=df).fit()
    run = al.only_run()
    assert run.data.params == {"method": "pinv", "cov_type": "nonrobust", "cov_kwds": "None",
                               "use_t": "None"}
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))
    new = df.head(7)
    loaded = altools.mlc().pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_allclose(np.asarray(loaded.predict(new)), np.asarray(res.predict(new)),
                               rtol=1e-12)
    text = al.read_artifact_bytes(run.info.run_id, "model_summary.txt").decode()
    assert "C(g)[T.b]" in text


UNEXPECTED = "Encountered unexpected error during statsmodels autologging: "


def test_unwritable_store_only_warns(al, mode, mlc_logs, tmp_path):
    """Logging failures never change what fit returns: here the store cannot be created."""
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    mlc = altools.mlc()
    al.bind()
    mlc.set_tracking_uri("sqlite:///" + str(blocker / "mlflow.db"))
    y, X = alcases.reg_data()
    al.enable(log_models=False)
    res = sm.OLS(y, X).fit()
    np.testing.assert_array_equal(res.params, sm.OLS(y, X).fit().params)
    altools.flush()
    assert [m for m in mlc_logs.warnings() if m.startswith(UNEXPECTED)]
    assert mlc.active_run() is None


class _BadStr:
    def __str__(self):
        raise RuntimeError("no str for you")


def test_param_whose_str_raises_only_warns(al, mode, mlc_logs):
    y, X = alcases.reg_data()
    reference = sm.OLS(y, X).fit()
    al.enable(log_models=False)
    res = sm.OLS(y, X).fit(weird=_BadStr())
    np.testing.assert_array_equal(res.params, reference.params)
    runs = al.runs()
    assert [m for m in mlc_logs.warnings() if m.startswith(UNEXPECTED)]
    assert all(r.info.status == "FINISHED" for r in runs)
    assert all("weird" not in r.data.params for r in runs)
    assert altools.mlc().active_run() is None
    # and the next fit is logged normally
    sm.OLS(y, X).fit()
    last = al.runs()[-1]
    assert last.data.params == {"method": "pinv", "cov_type": "nonrobust", "cov_kwds": "None",
                                "use_t": "None"}
    assert len(last.data.metrics) == 18


def test_autolog_arguments_are_positional_or_keyword(al):
    import pytest

    al.bind()
    altools.autolog(False)  # log_models=False, as in MLflow's signature order
    alcases.CASES["ols"].fit()
    assert al.logged_models() == []
    assert len(al.runs()) == 1
    with pytest.raises(TypeError):
        altools.autolog(no_such_argument=True)


def _remove_data_owners() -> dict[type, object]:
    from statsmodels.base.model import Results

    out, todo = {}, [Results]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "remove_data" in cls.__dict__:
            out[cls] = cls.__dict__["remove_data"]
    return out


def test_remove_data_is_wrapped_and_restored_by_identity(al):
    originals = _remove_data_owners()
    from statsmodels.base.model import LikelihoodModelResults

    assert LikelihoodModelResults in originals
    al.enable(log_models=False)
    for cls, func in originals.items():
        wrapper = cls.__dict__["remove_data"]
        assert altools.is_wrapper(wrapper) and wrapper.__wrapped__ is func, cls
        assert wrapper.__name__ == "remove_data" and wrapper.__doc__ == func.__doc__
    altools.autolog(disable=True)
    assert {c: c.__dict__["remove_data"] for c in originals} == originals
    assert all(c.__dict__["remove_data"] is f for c, f in originals.items())


def test_remove_data_right_after_fit_without_models(al, mode):
    """Without log_models the writer reads the live result (no copy is taken in the fit):
    remove_data() waits for it, so metrics and summary are those of the untouched fit."""
    y, X = alcases.reg_data()
    reference = sm.OLS(y, X).fit()
    glm_ref = sm.GLM(y, X).fit()
    al.enable(log_models=False)
    res = sm.OLS(y, X).fit()
    res.remove_data()
    glm = sm.GLM(y, X).fit()
    glm.remove_data()  # GLMResults has a remove_data of its own
    runs = sorted(al.runs(), key=lambda r: r.info.start_time)
    assert len(runs) == 2
    for run, ref in zip(runs, (reference, glm_ref)):
        assert run.info.status == "FINISHED"
        altools.assert_same_metrics(run.data.metrics, expected_metrics(ref))
        assert al.artifacts(run.info.run_id) == ["model_summary.txt"]
        text = al.read_artifact_bytes(run.info.run_id, "model_summary.txt").decode()
        assert text.split("\n")[:4] == ref.summary().as_text().split("\n")[:4]
    assert res.model.exog is None  # remove_data itself still ran


def test_refit_of_the_same_model_waits_for_its_pending_log(al, mode):
    """Without log_models, fitting a model again first lets the writer finish reading the
    previous result of that model (a fit may reassign the model attributes it uses)."""
    y, X = alcases.reg_data()
    al.enable(log_models=False)
    seen = []

    class Probe(sm.OLS):
        def fit(self, *args, **kwargs):
            if hasattr(self, "first"):
                # the writer computed the first result's metrics (aic is cached by then)
                seen.append("aic" in self.first._results._cache)
            return super().fit(*args, **kwargs)

    model = Probe(y, X)
    model.first = model.fit()
    second = model.fit(cov_type="HC1")
    assert seen == [True]
    runs = sorted(al.runs(), key=lambda r: r.info.start_time)
    assert [r.data.params.get("cov_type") for r in runs] == [None, "HC1"]
    for run, res in zip(runs, (model.first, second)):
        altools.assert_same_metrics(run.data.metrics, expected_metrics(res))


def test_ols_log_leaves_the_live_result_untouched(al, mode):
    """With log_models=False the writer reads the user's own result. For OLS the metrics and
    model_summary.txt come from the native path, which computes nothing on the result:
    statsmodels' summary() would fill its property cache and add `diagn`/`_summary_cache`."""
    y, X = alcases.reg_data()
    al.enable(log_models=False)
    res = sm.OLS(y, X).fit()
    altools.flush()
    run = al.only_run()
    assert res._results._cache == {}
    assert not hasattr(res._results, "diagn")
    assert "_summary_cache" not in vars(res._results)
    text = al.read_artifact_bytes(run.info.run_id, "model_summary.txt").decode()
    expected = res.summary().as_text()
    clock = re.compile(r"^(Date|Time):\s+\S+(?: \S+)*", re.M)  # when each was rendered
    assert clock.sub("", text) == clock.sub("", expected)
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res), rel=0)
