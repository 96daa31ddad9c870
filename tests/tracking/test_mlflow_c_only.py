"""mlflow_c's own rules: the default tracking URI, URI overrides, broken stores, no crash.

Each test runs a short script with mlflow_c in a fresh subprocess (a fresh process has no
tracking URI set, and a crash there fails the test instead of killing the session); the test
process then checks the result with real MLflow. Deselected when MLFLOW_C_TEST_IMPL=mlflow.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import mlflow
import pytest

from trackconf import clean_env, require_mlflow_c, reset_mlflow_state

pytestmark = pytest.mark.mlflow_c_only

REPO = Path(__file__).resolve().parents[2]

PRELUDE = '''
import json, sys
import mlflow_c
from mlflow_c import MlflowClient
out = {}

def attempt(label, fn, *args, **kwargs):
    try:
        value = fn(*args, **kwargs)
        out[label] = {"ok": True, "value": repr(value)}
    except BaseException as exc:
        out[label] = {"ok": False, "type": type(exc).__name__,
                      "mro": [c.__module__ + "." + c.__qualname__ for c in type(exc).__mro__],
                      "msg": str(exc), "code": getattr(exc, "error_code", None)}
'''
EPILOGUE = '\nprint("@@RESULT@@" + json.dumps(out))\n'


def _pythonpath() -> str:
    spec = importlib.util.find_spec("mlflow_c")
    root = (Path(list(spec.submodule_search_locations)[0]).parent
            if spec and spec.submodule_search_locations else REPO)
    extra = os.environ.get("PYTHONPATH")
    return str(root) + (os.pathsep + extra if extra else "")


def run_c(script: str, cwd: Path, env: dict | None = None) -> dict:
    """Run PRELUDE + script + EPILOGUE with mlflow_c in ``cwd``; the ``out`` dict it filled."""
    require_mlflow_c()  # a clean ImportError in the test body while mlflow_c has no tracking
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    child_env.update({"PYTHONPATH": _pythonpath(), "MLFLOW_DISABLE_TELEMETRY": "true"})
    child_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(script) + EPILOGUE], cwd=cwd,
        env=child_env, capture_output=True, text=True, timeout=300)
    # a negative return code is a signal: mlflow_c crashed
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:])
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@")]
    assert lines, proc.stdout[-4000:]
    return json.loads(lines[-1][len("@@RESULT@@"):])


def is_mlflow_exception(outcome: dict) -> bool:
    """The child raised mlflow_c's MlflowException (or a subclass)."""
    return not outcome["ok"] and any(m.startswith("mlflow_c") and m.endswith(".MlflowException")
                                     for m in outcome["mro"])


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    clean_env(monkeypatch)
    reset_mlflow_state()
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work
    reset_mlflow_state()


def _mlflow_client(uri: str):
    return mlflow.MlflowClient(tracking_uri=uri)


LOG_A_RUN = '''
out["uri"] = mlflow_c.get_tracking_uri()
out["registry"] = mlflow_c.get_registry_uri()
with mlflow_c.start_run() as run:
    mlflow_c.log_param("p", 1)
    mlflow_c.log_text("hi", "a.txt")
out["run_id"] = run.info.run_id
out["experiment_id"] = run.info.experiment_id
out["artifact_uri"] = run.info.artifact_uri
'''


def test_default_uri_is_sqlite_in_the_cwd(cwd):
    out = run_c(LOG_A_RUN, cwd)
    db = cwd / "mlflow.db"
    assert out["uri"] == f"sqlite:///{db}"  # an absolute path: sqlite:////tmp/...
    assert out["registry"] == out["uri"]
    assert db.is_file()
    assert out["experiment_id"] == "0"
    artifacts = cwd / "mlruns" / "0" / out["run_id"] / "artifacts"
    assert out["artifact_uri"] == str(artifacts)
    assert (artifacts / "a.txt").read_text() == "hi"
    assert not (cwd / "mlruns" / "0" / "meta.yaml").exists()  # artifacts only: no file store
    run = _mlflow_client(out["uri"]).get_run(out["run_id"])
    assert run.data.params == {"p": "1"} and run.info.status == "FINISHED"
    assert run.info.artifact_uri == str(artifacts)
    # a second process finds the same store (artifact dirs under ./mlruns are not "data")
    again = run_c(LOG_A_RUN, cwd)
    assert again["uri"] == out["uri"]
    assert len(_mlflow_client(out["uri"]).search_runs(["0"])) == 2


def test_default_uri_is_the_file_store_when_mlruns_has_experiments(cwd):
    mlruns = cwd / "mlruns"
    _mlflow_client(mlruns.as_uri()).search_experiments()  # MLflow makes mlruns/0/meta.yaml
    assert (mlruns / "0" / "meta.yaml").is_file()
    out = run_c(LOG_A_RUN, cwd)
    assert out["uri"] == mlruns.as_uri()
    assert not (cwd / "mlflow.db").exists()
    artifacts = mlruns / "0" / out["run_id"] / "artifacts"
    assert out["artifact_uri"] == artifacts.as_uri()
    run = _mlflow_client(mlruns.as_uri()).get_run(out["run_id"])
    assert run.data.params == {"p": "1"}
    assert (artifacts / "a.txt").read_text() == "hi"


def test_tracking_uri_env_and_set_tracking_uri_override(cwd):
    env_store = (cwd / "env-store").as_uri()
    set_db = cwd / "set.db"
    script = LOG_A_RUN + f'''
out["env_run"] = out["run_id"]
mlflow_c.set_tracking_uri({f"sqlite:///{set_db}"!r})
out["after_set"] = mlflow_c.get_tracking_uri()
import os
out["env_after_set"] = os.environ.get("MLFLOW_TRACKING_URI")
with mlflow_c.start_run() as run:
    mlflow_c.log_param("where", "set")
out["set_run"] = run.info.run_id
mlflow_c.set_tracking_uri(None)
out["after_unset"] = mlflow_c.get_tracking_uri()
'''
    out = run_c(script, cwd, env={"MLFLOW_TRACKING_URI": env_store})
    assert out["uri"] == env_store
    assert out["after_set"] == f"sqlite:///{set_db}"
    # like MLflow: set_tracking_uri also sets MLFLOW_TRACKING_URI (for child processes), and
    # set_tracking_uri(None) removes it, so the default applies again
    assert out["env_after_set"] == f"sqlite:///{set_db}"
    assert out["after_unset"] == f"sqlite:///{cwd / 'mlflow.db'}"
    assert _mlflow_client(env_store).get_run(out["env_run"]).data.params == {"p": "1"}
    assert _mlflow_client(f"sqlite:///{set_db}").get_run(out["set_run"]).data.params == {
        "where": "set"}
    assert not (cwd / "mlflow.db").exists()


def test_run_left_open_is_finished_at_exit(cwd):
    out = run_c('''
run = mlflow_c.start_run()
mlflow_c.log_param("p", 1)
out["run_id"] = run.info.run_id
out["uri"] = mlflow_c.get_tracking_uri()
''', cwd)
    run = _mlflow_client(out["uri"]).get_run(out["run_id"])
    assert run.info.status == "FINISHED" and run.info.end_time is not None


CORRUPT_CALLS = '''
attempt("start_run", mlflow_c.start_run)
attempt("active_run_after", lambda: mlflow_c.active_run())
attempt("search_experiments", lambda: MlflowClient().search_experiments())
attempt("get_run", lambda: MlflowClient().get_run("a" * 32))
attempt("set_experiment", mlflow_c.set_experiment, "x")
attempt("log_param", mlflow_c.log_param, "p", 1)
attempt("search_runs", lambda: mlflow_c.search_runs(["0"]))
'''


@pytest.mark.parametrize("how", ["default", "explicit"])
def test_corrupt_database_file(cwd, how):
    db = cwd / "mlflow.db"
    blob = os.urandom(8192)
    db.write_bytes(blob)
    script = CORRUPT_CALLS if how == "default" else \
        f"mlflow_c.set_tracking_uri({f'sqlite:///{db}'!r})\n" + CORRUPT_CALLS
    out = run_c(script, cwd)
    for label in ("start_run", "search_experiments", "get_run", "set_experiment", "log_param",
                  "search_runs"):
        outcome = out[label]
        assert is_mlflow_exception(outcome), (label, outcome)
        assert str(db) in outcome["msg"], (label, outcome["msg"])
    assert out["active_run_after"] == {"ok": True, "value": "None"}
    assert db.read_bytes() == blob  # never "repaired" or overwritten


def test_empty_database_file_is_initialised(cwd):
    # an empty file is an empty SQLite database: like MLflow, create the tables in it
    db = cwd / "empty.db"
    db.write_bytes(b"")
    out = run_c(f"mlflow_c.set_tracking_uri({f'sqlite:///{db}'!r})\n" + LOG_A_RUN, cwd)
    run = _mlflow_client(f"sqlite:///{db}").get_run(out["run_id"])
    assert run.data.params == {"p": "1"}


def test_unwritable_paths(cwd):
    blocker = cwd / "afile"
    blocker.write_text("a regular file where a directory is needed")
    good_db = cwd / "good.db"
    script = f'''
mlflow_c.set_tracking_uri({(blocker / "mlruns").as_uri()!r})
attempt("file_store_root", mlflow_c.start_run)
attempt("file_store_client", lambda: MlflowClient().search_experiments())
mlflow_c.set_tracking_uri({f"sqlite:///{blocker / 'x.db'}"!r})
attempt("sqlite_path", mlflow_c.start_run)
attempt("active_run_after", lambda: mlflow_c.active_run())
mlflow_c.set_tracking_uri({f"sqlite:///{good_db}"!r})
exp = mlflow_c.create_experiment("blocked", artifact_location={str(blocker / "arts")!r})
mlflow_c.set_experiment(experiment_id=exp)
with mlflow_c.start_run() as run:
    attempt("log_text", mlflow_c.log_text, "x", "a.txt")
    attempt("log_dict", mlflow_c.log_dict, {{"a": 1}}, "a.json")
    attempt("log_artifact", mlflow_c.log_artifact, {str(good_db)!r})
out["run_id"] = run.info.run_id
'''
    out = run_c(script, cwd)
    for label in ("file_store_root", "file_store_client", "sqlite_path", "log_text", "log_dict",
                  "log_artifact"):
        outcome = out[label]
        assert is_mlflow_exception(outcome), (label, outcome)
        assert str(blocker) in outcome["msg"], (label, outcome["msg"])
    assert out["active_run_after"] == {"ok": True, "value": "None"}
    assert blocker.read_text().startswith("a regular file")
    # the run itself was fine and ended normally
    run = _mlflow_client(f"sqlite:///{good_db}").get_run(out["run_id"])
    assert run.info.status == "FINISHED"


@pytest.mark.parametrize("store", ["sqlite", "file"])
def test_unknown_run_id_messages(cwd, store):
    uri = f"sqlite:///{cwd / 'mlflow.db'}" if store == "sqlite" else (cwd / "mlruns").as_uri()
    rid = "e" * 32
    out = run_c(f'''
mlflow_c.set_tracking_uri({uri!r})
c = MlflowClient()
attempt("get_run", c.get_run, {rid!r})
attempt("log_param", c.log_param, {rid!r}, "a", 1)
attempt("log_metric", c.log_metric, {rid!r}, "a", 1.0)
attempt("set_tag", c.set_tag, {rid!r}, "a", "b")
attempt("set_terminated", c.set_terminated, {rid!r})
attempt("delete_run", c.delete_run, {rid!r})
attempt("start_run", mlflow_c.start_run, run_id={rid!r})
attempt("fluent_get_run", mlflow_c.get_run, {rid!r})
attempt("bad_id", c.get_run, "bad id!")
''', cwd)
    missing = f"Run with id={rid} not found" if store == "sqlite" else f"Run '{rid}' not found"
    for label in ("get_run", "log_param", "log_metric", "set_tag", "set_terminated",
                  "delete_run", "start_run", "fluent_get_run"):
        outcome = out[label]
        assert is_mlflow_exception(outcome), (label, outcome)
        assert (outcome["msg"], outcome["code"]) == (missing, "RESOURCE_DOES_NOT_EXIST"), label
    assert (out["bad_id"]["msg"], out["bad_id"]["code"]) == (
        "Invalid value \"bad id!\" for parameter 'run_id' supplied.", "INVALID_PARAMETER_VALUE")
