"""A real ``mlflow server`` serves a SQLite database that the writer filled.

The writer (mlflow_c; MLflow with MLFLOW_C_TEST_IMPL=mlflow) logs three runs with params, metric
histories and tags, and a statsmodels model registered as ``server-model``. Then
``python -m mlflow server --backend-store-uri sqlite:///<that db> --workers 1`` runs on a free port
and its REST API (queried with urllib) must answer with exactly what the writer logged and read
back itself.

The server runs with MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false: otherwise MLflow 3.17 also starts
several huey job-consumer processes, which these tests do not need.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

import tsys

EXPERIMENT = "server-exp"
REGISTERED = "server-model"
START_TIMEOUT = 240  # seconds; generous for a loaded CI machine and sanitizer builds


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, **params) -> dict:
        url = f"{self.base}/api/2.0/mlflow/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        return self._send(urllib.request.Request(url))

    def post(self, path: str, body: dict) -> dict:
        req = urllib.request.Request(f"{self.base}/api/2.0/mlflow/{path}",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        return self._send(req)

    @staticmethod
    def _send(req) -> dict:
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read().decode())
        except urllib.error.HTTPError as exc:
            body = exc.read()[:2000]
            raise AssertionError(f"{req.full_url}: HTTP {exc.code}: {body!r}") from None


def _stop(proc: subprocess.Popen) -> None:
    """Stops the server and everything it started: its own process group (start_new_session),
    first with SIGTERM, then SIGKILL for whatever is left (the uvicorn worker may outlive the
    `mlflow server` process)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory, ref_db):
    work = tmp_path_factory.mktemp("server")
    db = work / "served.db"
    if tsys.IMPL == "mlflow":  # what MLflow would build itself, without the 5 s migrations
        tsys.copy_db(ref_db, db)
        os.chmod(db, 0o644)
    uri = f"sqlite:///{db}"
    data = tsys.run_worker("server_data", cwd=work, uri=uri, experiment=EXPERIMENT,
                           artifacts=str(work / "artifacts"), registered_model=REGISTERED)
    revision = tsys.revision(db)

    port = _free_port()
    env = tsys.child_env(MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    log_path = work / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", uri,
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"mlflow server exited with {proc.returncode}:\n"
                            + log_path.read_text()[-5000:])
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("mlflow server did not answer /health in time:\n"
                            + log_path.read_text()[-5000:])
            time.sleep(0.25)
        yield {"api": Api(base), "data": data, "db": str(db), "uri": uri, "work": work,
               "revision": revision, "log": log_path}
    finally:
        _stop(proc)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _kv(items) -> dict:
    return {x["key"]: x["value"] for x in items or []}


def check_rest_run(rest: dict, rb: dict) -> None:
    """A REST run object equals the writer's readback of the same run."""
    info, data = rest["info"], rest.get("data", {})
    assert info["run_id"] == rb["run_id"]
    assert info["run_name"] == rb["run_name"]
    assert info["experiment_id"] == rb["experiment_id"]
    assert info["status"] == rb["status"]
    assert info["lifecycle_stage"] == rb["lifecycle_stage"]
    assert info["user_id"] == rb["user_id"]
    assert info["artifact_uri"] == rb["artifact_uri"]
    assert int(info["start_time"]) == rb["start_time"]
    assert int(info["end_time"]) == rb["end_time"]
    assert _kv(data.get("params")) == rb["params"]
    assert _kv(data.get("tags")) == rb["tags"]
    assert {m["key"]: float(m["value"]) for m in data.get("metrics", [])} == rb["metrics"]
    outputs = rest.get("outputs", {}).get("model_outputs", [])
    assert sorted(m["model_id"] for m in outputs) == rb["model_outputs"]


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_what_the_writer_logged(served):
    """The writer's own readback holds what it was asked to log (the reference for the rest)."""
    runs = served["data"]["runs"]
    assert [r["run_name"] for r in runs] == ["run-0", "run-1", "run-2"]
    for i, rb in enumerate(runs):
        assert rb["status"] == "FINISHED"
        assert rb["params"] == {"alpha": str(i * 0.5), "solver": "ols", "index": str(i)}
        assert rb["metrics"] == {"loss": 1.0 / 5 + i, "acc": 0.5 + i / 10}
        assert [(s, v) for s, _t, v in rb["history"]["loss"]] == [
            (s, 1.0 / (s + 1) + i) for s in range(5)]
        assert {k: rb["tags"][k] for k in ("idx", "kind", "mlflow.runName")} == {
            "idx": str(i), "kind": "server-test", "mlflow.runName": f"run-{i}"}
    assert runs[2]["model_outputs"] == [served["data"]["model"]["model_id"]]
    assert runs[0]["model_outputs"] == [] and runs[1]["model_outputs"] == []


def test_experiment_get_by_name(served):
    exp = served["api"].get("experiments/get-by-name", experiment_name=EXPERIMENT)["experiment"]
    assert exp["experiment_id"] == served["data"]["experiment_id"]
    assert exp["name"] == EXPERIMENT
    assert exp["lifecycle_stage"] == "active"
    assert exp["artifact_location"] == str(served["work"] / "artifacts")
    assert _kv(exp.get("tags")) == {"purpose": "server"}


def test_runs_search(served):
    api, data = served["api"], served["data"]
    found = api.post("runs/search", {"experiment_ids": [data["experiment_id"]],
                                     "max_results": 100})
    by_id = {r["info"]["run_id"]: r for r in found["runs"]}
    assert sorted(by_id) == sorted(rb["run_id"] for rb in data["runs"])
    for rb in data["runs"]:
        check_rest_run(by_id[rb["run_id"]], rb)
    # default order: newest start first, then run id (a fast writer may start two runs in the
    # same millisecond)
    assert [r["info"]["run_id"] for r in found["runs"]] == [
        rb["run_id"] for rb in sorted(data["runs"], key=lambda x: (-x["start_time"], x["run_id"]))]

    filtered = api.post("runs/search", {
        "experiment_ids": [data["experiment_id"]],
        "filter": "params.solver = 'ols' and metrics.acc > 0.55 and tags.kind = 'server-test'",
        "order_by": ["metrics.acc ASC"]})
    assert [r["info"]["run_name"] for r in filtered["runs"]] == ["run-1", "run-2"]


def test_runs_get(served):
    for rb in served["data"]["runs"]:
        run = served["api"].get("runs/get", run_id=rb["run_id"])["run"]
        check_rest_run(run, rb)


def test_metric_history(served):
    for rb in served["data"]["runs"]:
        got = served["api"].get("metrics/get-history", run_id=rb["run_id"],
                                metric_key="loss")["metrics"]
        assert sorted([int(m["step"]), int(m["timestamp"]), float(m["value"])]
                      for m in got) == rb["history"]["loss"]
        assert all(m["key"] == "loss" for m in got)


def test_registered_model(served):
    api, data = served["api"], served["data"]
    model, run2 = data["model"], data["runs"][2]
    rm = api.get("registered-models/get", name=REGISTERED)["registered_model"]
    assert rm["name"] == REGISTERED
    (latest,) = rm["latest_versions"]
    assert latest["version"] == "1"
    mv = api.get("model-versions/get", name=REGISTERED, version="1")["model_version"]
    for v in (latest, mv):
        assert v["name"] == REGISTERED
        assert v["source"] == f"models:/{model['model_id']}"
        assert v["run_id"] == run2["run_id"]
        assert v["status"] == "READY"
        assert v["current_stage"] == "None"
    # the REST model version carries no model_id; the link is the models:/ source above


def test_writer_reads_its_registered_model(served):
    """The writer's own get_registered_model: latest_versions has version 1 (stage "None")."""
    assert served["data"]["registered"] == {"name": REGISTERED, "versions": ["1"]}
    assert served["data"]["model"]["version"] == "1"


def test_logged_models(served):
    api, data = served["api"], served["data"]
    model, run2 = data["model"], data["runs"][2]
    got = api.get(f"logged-models/{model['model_id']}")["model"]
    info = got["info"]
    assert info["model_id"] == model["model_id"]
    assert info["name"] == "model" == model["name"]
    assert info["experiment_id"] == data["experiment_id"]
    assert info["source_run_id"] == run2["run_id"] == model["source_run_id"]
    assert info["status"] == "LOGGED_MODEL_READY"
    assert info["artifact_uri"] == model["artifact_location"]
    assert info["artifact_uri"] == os.path.join(
        str(served["work"] / "artifacts"), "models", model["model_id"], "artifacts")
    found = api.post("logged-models/search", {"experiment_ids": [data["experiment_id"]]})
    assert [m["info"]["model_id"] for m in found["models"]] == [model["model_id"]]


def test_writer_logs_while_the_server_runs(served):
    """The live server holds the file; the writer still logs, and the server shows it."""
    rb = tsys.run_worker("log_run", cwd=served["work"], uri=served["uri"],
                         experiment="while-serving")
    api = served["api"]
    exp = api.get("experiments/get-by-name", experiment_name="while-serving")["experiment"]
    (run,) = api.post("runs/search", {"experiment_ids": [exp["experiment_id"]]})["runs"]
    # NaN is not JSON: compare everything but the m_nan metric through REST
    rb_no_nan = dict(rb, metrics={k: v for k, v in rb["metrics"].items() if k != "m_nan"})
    run_no_nan = dict(run, data=dict(run["data"], metrics=[
        m for m in run["data"]["metrics"] if m["key"] != "m_nan"]))
    check_rest_run(run_no_nan, rb_no_nan)
    assert tsys.revision(served["db"]) == served["revision"]
