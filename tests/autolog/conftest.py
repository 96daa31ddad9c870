"""Fixtures of the autolog suite (issue 5): mlflow_c's native ``mlflow_c.statsmodels.autolog``.

Every test gets ``al`` (an :class:`altools.AutologEnv`): its own cwd (a tmp dir), MLFLOW_*
variables cleared, mlflow_c pointed at a fresh SQLite store (``sqlite:///<tmp>/mlflow.db``,
experiment 0) and, at teardown, ``autolog(disable=True)`` (checked: no wrapper may stay on
statsmodels once the test is over), pending autolog writes flushed, open runs ended and MLflow's
fluent state reset. Tests enable autolog themselves with ``al.enable(...)``.

``mode`` parametrizes a test over the two logging modes: ``async`` (the default background
writer) and ``inline`` (``MLFLOW_C_AUTOLOG_ASYNC=false``, read at ``autolog()`` time).
``mlc_logs`` collects the records of logger ``mlflow_c`` (every level, every thread).
``mlflow_reference`` runs real MLflow's autolog once per session in a subprocess (the two
autologs patch the same classes, so they cannot share a process) and returns what it logged.

Helpers live in ``altools`` (``import altools``), fit cases in ``alcases``: unique module names,
because ``conftest`` is ambiguous between directories.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # MLflow's own import-time UserWarnings
    import mlflow  # noqa: F401
    import mlflow.pyfunc  # noqa: F401
    import mlflow.statsmodels  # noqa: F401
    import mlflow.tracking.fluent  # noqa: F401
    import statsmodels.api  # noqa: F401  (completes the Model class tree, as autolog does)

pytest.register_assert_rewrite("altools")

import alcases  # noqa: E402
import altools  # noqa: E402


@pytest.fixture
def al(tmp_path, monkeypatch):
    root = tmp_path / "work"
    root.mkdir()
    monkeypatch.chdir(root)
    before = {k for k in os.environ if k.startswith("MLFLOW_")}
    for name in list(os.environ):
        if name.startswith("MLFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    altools.reset_mlflow_state()
    env = altools.AutologEnv(root)
    try:
        yield env
    finally:
        problems = altools.teardown_mlflow_c()
        altools.reset_mlflow_state()
        # set_experiment exports MLFLOW_EXPERIMENT_ID (as MLflow does): do not let variables
        # the test created outlive it (monkeypatch restores only those that existed before)
        for name in [k for k in os.environ if k.startswith("MLFLOW_") and k not in before]:
            del os.environ[name]
        if problems:
            pytest.fail("autolog teardown: " + "; ".join(problems), pytrace=False)


@pytest.fixture(params=["async", "inline"])
def mode(request, al, monkeypatch):
    if request.param == "inline":
        monkeypatch.setenv("MLFLOW_C_AUTOLOG_ASYNC", "false")
    else:
        monkeypatch.delenv("MLFLOW_C_AUTOLOG_ASYNC", raising=False)
    return request.param


@pytest.fixture
def mlc_logs():
    with altools.captured("mlflow_c") as logs:
        yield logs


# --------------------------------------------------------------------------- MLflow's own autolog

WORKER = os.path.join(HERE, "mlflow_autolog_worker.py")


@pytest.fixture(scope="session")
def mlflow_reference(tmp_path_factory):
    """``{case name: {"runs": [...], "warnings": [...]}}`` from real MLflow's autolog
    (``log_models=False``) on every case of ``alcases.COMPARED``, in one subprocess."""
    work = tmp_path_factory.mktemp("mlflow_autolog_ref")
    out = work / "reference.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env["PYTHONWARNINGS"] = "ignore"
    proc = subprocess.run(
        [sys.executable, WORKER, str(out), *alcases.COMPARED],
        cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    with open(out) as fh:
        return json.load(fh)


