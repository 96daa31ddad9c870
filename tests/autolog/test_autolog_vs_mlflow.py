"""mlflow_c's autolog against real MLflow's on the same fits, and real MLflow reading what
mlflow_c's autolog wrote (after ``flush_async_logging()``, or right away in inline mode).

Real MLflow's autolog runs in one subprocess for the whole session (fixture
``mlflow_reference``): both autologs patch statsmodels, so they cannot share a process. The only
expected difference is quirk Q1: MLflow logs ``<class 'inspect._empty'>`` for ``*args``/
``**kwargs`` parameters (``kwargs``, MixedLM's ``fit_kwargs``), mlflow_c does not.
"""

from __future__ import annotations

import math

import mlflow
import numpy as np
import pytest

import alcases
import altools
from altools import AUTOLOG_TAG, EMPTY_REPR

FAILED_PREFIX = "Failed to autolog metrics"


def _tag_keys(tags: dict) -> list[str]:
    return sorted(k for k in tags if not k.startswith("mlflow.source.git."))


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return bool(np.isclose(a, b, rtol=1e-9, atol=0.0))


def test_reference_shows_mlflow_quirk_q1(mlflow_reference):
    """The oracle really is MLflow's autolog: its Q1 junk is there."""
    def junk(name):
        (run,) = mlflow_reference[name]["runs"]
        return {k for k, v in run["params"].items() if v == EMPTY_REPR}

    assert junk("ols") == {"kwargs"}
    assert junk("glm") == {"kwargs"}
    assert junk("mixedlm") == {"fit_kwargs"}
    assert junk("arima") == set()
    assert mlflow_reference["rlm"]["warnings"] == ["Failed to autolog metrics: llf."]


@pytest.mark.parametrize("name", alcases.COMPARED)
def test_same_params_metrics_tags_artifacts_as_mlflow(al, mlflow_reference, mlc_logs, name):
    ref = mlflow_reference[name]
    assert len(ref["runs"]) == 1
    theirs = ref["runs"][0]
    al.enable(log_models=False)
    alcases.CASES[name].fit()
    mine = al.only_run()

    expected_params = {k: v for k, v in theirs["params"].items() if v != EMPTY_REPR}
    assert mine.data.params == expected_params
    assert EMPTY_REPR not in mine.data.params.values()

    assert sorted(mine.data.metrics) == sorted(theirs["metrics"])
    bad = {k: (mine.data.metrics[k], v) for k, v in theirs["metrics"].items()
           if not _close(mine.data.metrics[k], v)}
    assert not bad, f"(mlflow_c, MLflow) metric values differ: {bad}"

    assert mine.info.status == theirs["status"] == "FINISHED"
    assert mine.data.tags.get(AUTOLOG_TAG) == theirs["autologging"] == "statsmodels"
    assert _tag_keys(mine.data.tags) == theirs["tag_keys"]

    arts = al.artifacts(mine.info.run_id)
    assert arts == theirs["artifacts"]
    if theirs["summary"] is not None:
        text = al.read_artifact_bytes(mine.info.run_id, "model_summary.txt").decode()
        assert text.split("\n")[:4] == theirs["summary"]["first4"]
        assert text.endswith("\n") == theirs["summary"]["trailing_newline"]
        assert len(text.split("\n")) == theirs["summary"]["nlines"]

    mine_failed = [m for m in mlc_logs.warnings() if m.startswith(FAILED_PREFIX)]
    theirs_failed = [m for m in ref["warnings"] if m.startswith(FAILED_PREFIX)]
    assert mine_failed == theirs_failed


# --------------------------------------------------------------------------- real MLflow reads


def _check_complete(client, run, res) -> None:
    assert run.info.status == "FINISHED"
    assert run.info.end_time is not None
    assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
    altools.assert_same_metrics(dict(run.data.metrics), altools.expected_metrics(res))
    arts = sorted(f.path for f in client.list_artifacts(run.info.run_id))
    assert arts == ["model_summary.txt"]


def test_flush_then_real_mlflow_sees_complete_runs(al, mode):
    al.enable()
    results = [alcases.CASES[n].fit() for n in ("ols", "glm", "arima", "ols_qr_hc1")]
    altools.flush()  # nothing of mlflow_c touches the store after this
    client = mlflow.MlflowClient(tracking_uri=al.uri)
    runs = al.sort_runs(client.search_runs(["0"]))
    assert len(runs) == 4
    for run, res in zip(runs, results):
        _check_complete(client, run, res)
    models = client.search_logged_models(experiment_ids=["0"])
    assert sorted(m.source_run_id for m in models) == sorted(r.info.run_id for r in runs)


def test_inline_mode_has_written_everything_when_fit_returns(al, monkeypatch):
    monkeypatch.setenv("MLFLOW_C_AUTOLOG_ASYNC", "false")
    al.enable()
    res = alcases.CASES["ols"].fit()
    # no flush, no mlflow_c store call: the fit itself wrote the run
    client = mlflow.MlflowClient(tracking_uri=al.uri)
    (run,) = client.search_runs(["0"])
    _check_complete(client, run, res)
    (model,) = client.search_logged_models(experiment_ids=["0"])
    assert model.source_run_id == run.info.run_id


def test_flush_with_nothing_pending_returns(al):
    altools.flush()
    al.enable()
    altools.flush()
    alcases.CASES["ols"].fit()
    altools.flush()
    altools.flush()
    client = mlflow.MlflowClient(tracking_uri=al.uri)
    assert len(client.search_runs(["0"])) == 1


def test_user_run_with_user_logging_mixed_in(al, mode):
    """Fluent calls of the user and autolog's queued writes end up in the same run, in order."""
    mlc = altools.mlc()
    al.enable(log_models=False)
    with mlc.start_run() as user_run:
        mlc.log_param("before", "1")
        res = alcases.CASES["ols"].fit()
        mlc.log_metric("after", 2.0)
        mlc.set_tag("stage", "done")
    altools.flush()
    client = mlflow.MlflowClient(tracking_uri=al.uri)
    run = client.get_run(user_run.info.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["before"] == "1"
    assert run.data.params["method"] == "pinv"
    assert run.data.metrics["after"] == 2.0
    assert run.data.tags["stage"] == "done"
    metrics = {k: v for k, v in run.data.metrics.items() if k != "after"}
    altools.assert_same_metrics(metrics, altools.expected_metrics(res))
