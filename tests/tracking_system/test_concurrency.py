"""Many writers at once on one store, and a writer killed in the middle of logging.

4 processes x 4 threads, each thread logging 1,000 metrics (50 single calls, then 5 batches of
190), into one SQLite store and into one file store, in two variants:

- ``own_run``: every thread starts its own run with the fluent API (the active run is per thread);
- ``shared``: every thread logs into one run with ``MlflowClient.log_metric`` / ``log_batch``
  (all 16 writers append to the same metric key, hence the same metric file in the file store).

Afterwards every value is there exactly once (counted with sqlite3 or from the raw metric files,
and through real MLflow's ``get_metric_history``) and the latest values are consistent. A writer
killed with SIGKILL leaves a store that real MLflow opens and reads completely.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import yaml

import _worker
import tsys

PROCS, THREADS = 4, 4
N_SINGLE, BATCH, N_BATCHES = 50, 190, 5
PER_WRITER = N_SINGLE + BATCH * N_BATCHES
assert PER_WRITER == 1000
WRITERS = PROCS * THREADS


# --------------------------------------------------------------------------------------------
# Stores
# --------------------------------------------------------------------------------------------


def new_store(kind: str, tmp_path, ref_db) -> dict:
    """A store the writer has not opened yet (SQLite: no file; with MLflow as the writer, a copy
    of the reference database, which is what MLflow would build in 5 s)."""
    if kind == "sqlite":
        path = tmp_path / "store.db"
        if tsys.IMPL == "mlflow":
            tsys.copy_db(ref_db, path)
            os.chmod(path, 0o644)
        return {"kind": kind, "uri": f"sqlite:///{path}", "path": str(path)}
    root = tmp_path / "mlruns"
    return {"kind": kind, "uri": root.as_uri(), "path": str(root)}


@pytest.fixture
def file_store_allowed(monkeypatch):
    """Real MLflow 3.17 refuses the file store unless this is set."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")


def mlflow_client(store):
    import mlflow

    return mlflow.MlflowClient(tracking_uri=store["uri"])


def spawn(command: str, cwd, log_prefix: str, **args) -> tuple[subprocess.Popen, str, str]:
    out, err = f"{log_prefix}.out", f"{log_prefix}.err"
    with open(out, "w") as fo, open(err, "w") as fe:
        proc = subprocess.Popen(tsys.worker_argv(tsys.IMPL, command, **args), cwd=cwd,
                                env=tsys.child_env(tsys.IMPL), stdout=fo, stderr=fe)
    return proc, out, err


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def wait_all(procs, timeout: float = 300) -> list:
    deadline = time.monotonic() + timeout
    results = []
    try:
        for proc, out, err in procs:
            rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            stdout, stderr = _read(out), _read(err)
            tsys.check_proc(subprocess.CompletedProcess(proc.args, rc, stdout, stderr),
                            f"writer process {out}")
            results.append(tsys.parse_result(stdout))
    finally:
        for proc, _o, _e in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


# --------------------------------------------------------------------------------------------
# Expected content
# --------------------------------------------------------------------------------------------


def expected_own_run(writer: int) -> dict[str, dict[int, float]]:
    """key -> step -> value for a writer's own run."""
    v = _worker.conc_value
    out: dict[str, dict[int, float]] = {"single": {i: v(writer, i) for i in range(N_SINGLE)}}
    for b in range(N_BATCHES):
        for j in range(BATCH):
            out.setdefault(f"b{j}", {})[b] = v(writer, N_SINGLE + b * BATCH + j)
    return out


def expected_shared() -> dict[str, dict[int, float]]:
    v = _worker.conc_value
    return {"shared": {w * 1000 + i: v(w, i) for w in range(WRITERS) for i in range(PER_WRITER)}}


def latest_of(expected: dict[str, dict[int, float]]) -> dict[str, float]:
    return {k: steps[max(steps)] for k, steps in expected.items()}


def run_concurrently(store, variant: str, tmp_path) -> dict[str, dict[str, dict[int, float]]]:
    """Runs the 4 writer processes; returns run_id -> expected key -> step -> value."""
    setup = tsys.run_worker("setup_conc", cwd=tmp_path, uri=store["uri"], experiment="conc",
                            artifacts=str(tmp_path / "artifacts"))
    procs = [spawn("conc", tmp_path, str(tmp_path / f"p{p}"), uri=store["uri"], variant=variant,
                   proc=p, threads=THREADS, n_single=N_SINGLE, batch=BATCH, n_batches=N_BATCHES,
                   experiment_id=setup["experiment_id"], run_id=setup["run_id"])
             for p in range(PROCS)]
    results = wait_all(procs)
    if variant == "shared":
        return {setup["run_id"]: expected_shared()}
    run_ids = {int(w): rid for r in results for w, rid in r["run_ids"].items()}
    assert sorted(run_ids) == list(range(WRITERS))
    assert len(set(run_ids.values())) == WRITERS
    return {rid: expected_own_run(w) for w, rid in run_ids.items()}


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def check_sqlite_rows(path, expected) -> None:
    for run_id, exp in expected.items():
        got = tsys.rows(path, "SELECT key, step, value, is_nan FROM metrics WHERE run_uuid = ?",
                        (run_id,))
        want = [(k, s, v, 0) for k, steps in exp.items() for s, v in steps.items()]
        assert len(got) == len(want), run_id
        assert sorted(got) == sorted(want), run_id
        latest = tsys.rows(path, "SELECT key, step, value, is_nan FROM latest_metrics "
                                 "WHERE run_uuid = ?", (run_id,))
        assert sorted(latest) == sorted((k, max(st), st[max(st)], 0) for k, st in exp.items())


def check_file_rows(store, expected) -> None:
    """Raw metric files: whole lines only, each value exactly once."""
    for run_id, exp in expected.items():
        (run_dir,) = glob.glob(os.path.join(store["path"], "*", run_id))
        files = sorted(os.listdir(os.path.join(run_dir, "metrics")))
        assert files == sorted(exp)
        for key, steps in exp.items():
            with open(os.path.join(run_dir, "metrics", key), "rb") as f:
                data = f.read()
            assert data.endswith(b"\n"), (run_id, key)
            lines = data.decode().split("\n")[:-1]
            parsed = []
            for line in lines:
                fields = line.split(" ")
                assert len(fields) == 3, (key, line)
                int(fields[0])
                parsed.append((int(fields[2]), float(fields[1])))
            assert len(parsed) == len(steps), (run_id, key)
            assert sorted(parsed) == sorted(steps.items()), (run_id, key)


def check_through_mlflow(store, expected, keys_per_run: int | None) -> None:
    client = mlflow_client(store)
    for run_id, exp in expected.items():
        run = client.get_run(run_id)
        assert run.data.metrics == latest_of(exp), run_id
        keys = sorted(exp) if keys_per_run is None else ["single", "b0", f"b{BATCH - 1}"]
        for key in keys:
            hist = client.get_metric_history(run_id, key)
            assert len(hist) == len(exp[key]), (run_id, key)
            assert sorted((m.step, m.value) for m in hist) == sorted(exp[key].items())


def check_meta_yaml(root: str) -> int:
    """Every meta.yaml under root parses to a mapping; returns how many there are."""
    n = 0
    for path in glob.glob(os.path.join(root, "**", "meta.yaml"), recursive=True):
        with open(path) as f:
            assert isinstance(yaml.safe_load(f), dict), path
        n += 1
    return n


def check_run_dirs(root: str) -> int:
    """Every run directory with a meta.yaml also has its metrics, params and artifacts
    directories (search_runs lists a run by its meta.yaml, but get_run refuses it without them);
    returns how many runs there are. (A run directory without meta.yaml is skipped by MLflow's
    readers with a warning, so it is tolerated.)"""
    n = 0
    for meta in glob.glob(os.path.join(root, "*", "*", "meta.yaml")):
        run_dir = os.path.dirname(meta)
        if re.fullmatch(r"[0-9a-f]{32}", os.path.basename(run_dir)):
            for part in ("metrics", "params", "artifacts"):
                assert os.path.isdir(os.path.join(run_dir, part)), (run_dir, part)
            n += 1
    return n


def repair_mlflow_kill_damage(root: str) -> list[str]:
    """With MLflow as the writer only: undo what a SIGKILL does to MLflow's own file store.

    All observed, each making MLflow's own reader fail on its own store:
    - meta.yaml is written in place (truncate, then write): a kill in between leaves it empty
      (``'NoneType' object has no attribute 'copy'``);
    - create_run writes the run's meta.yaml before making its metrics/params/artifacts
      directories: search_runs then lists a run that get_run reports as ``Run '<id>' not found``;
    - a metric file is opened for append before its line is written: a kill in between leaves
      it empty (``Metric '<key>' is malformed. No data found.``).
    This removes such runs and files so the rest of the test can run; mlflow_c must not leave
    any of them.
    """
    removed = []
    for path in glob.glob(os.path.join(root, "*", "*", "meta.yaml")):
        run_dir = os.path.dirname(path)
        if not re.fullmatch(r"[0-9a-f]{32}", os.path.basename(run_dir)):
            continue  # not a run directory
        parts = ("metrics", "params", "artifacts")
        if os.path.getsize(path) == 0 or not all(
                os.path.isdir(os.path.join(run_dir, d)) for d in parts):
            shutil.rmtree(run_dir)
            removed.append(run_dir)
    for path in glob.glob(os.path.join(root, "*", "*", "metrics", "**"), recursive=True):
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            os.remove(path)
            removed.append(path)
    return removed


def check_metric_files_whole(root: str) -> None:
    """Every metric file holds whole lines only (at least one), each with the 3 fields MLflow's
    reader wants. An empty metric file is an error too: MLflow's reader rejects it."""
    for path in glob.glob(os.path.join(root, "*", "*", "metrics", "**"), recursive=True):
        if os.path.isdir(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        assert data.endswith(b"\n"), path
        for line in data.decode().split("\n")[:-1]:
            ts, value, step = line.split(" ")
            int(ts), float(value), int(step)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["own_run", "shared"])
@pytest.mark.parametrize("kind", ["sqlite", "file"])
def test_parallel_writers(kind, variant, tmp_path, ref_db, file_store_allowed):
    store = new_store(kind, tmp_path, ref_db)
    expected = run_concurrently(store, variant, tmp_path)
    assert sum(len(st) for exp in expected.values() for st in exp.values()) == WRITERS * 1000
    if kind == "sqlite":
        check_sqlite_rows(store["path"], expected)
        with tsys.connect(store["path"]) as con:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    else:
        check_file_rows(store, expected)
        assert check_meta_yaml(store["path"]) >= 2 + len(expected)
    check_through_mlflow(store, expected, keys_per_run=None if variant == "shared" else 3)


@pytest.mark.parametrize("kind", ["sqlite", "file"])
def test_simultaneous_first_use(kind, tmp_path, ref_db, file_store_allowed):
    """Three processes open the same not-yet-existing store at once and each logs a run.

    On SQLite all three use one new experiment name: the name is UNIQUE, and set_experiment
    recovers from losing the creation race. The file store has no such constraint (MLflow's own
    file store makes two experiments of one name when two processes race, observed), so there
    each process names its own experiment.

    With MLflow as the writer the SQLite file is a copy of the reference database: MLflow's own
    simultaneous initialisation of one file is racy (observed: ``table
    _alembic_tmp_model_versions already exists`` in one of the processes).
    """
    store = new_store(kind, tmp_path, ref_db)
    names = ["together"] * 3 if kind == "sqlite" else [f"together-{p}" for p in range(3)]
    procs = [spawn("log_run", tmp_path, str(tmp_path / f"p{p}"), uri=store["uri"],
                   experiment=names[p], run_name="sys-run") for p in range(3)]
    results = wait_all(procs)
    client = mlflow_client(store)
    exps = {e.name: e.experiment_id for e in client.search_experiments()}
    assert sorted(exps) == sorted({"Default", *names})
    runs = client.search_runs([exps[n] for n in set(names)])
    assert sorted(r.info.run_id for r in runs) == sorted(r["run_id"] for r in results)
    for run in runs:
        assert run.data.params == {"alpha": "0.5", "layers": "3", "solver": "ols"}
        assert run.data.metrics["loss"] == 0.25
    if kind == "sqlite":
        assert tsys.canonical_schema(store["path"]) == tsys.canonical_schema(ref_db)
        assert tsys.revision(store["path"]) == tsys.revision(ref_db)
        assert tsys.rows(store["path"], "SELECT experiment_id, name FROM experiments "
                                        "ORDER BY experiment_id") == [(0, "Default"),
                                                                      (1, "together")]
    else:
        assert check_meta_yaml(store["path"]) == 1 + 3 + 3  # experiments 0 and 3, 3 runs


@pytest.mark.parametrize("kind", ["sqlite", "file"])
def test_killed_writer_leaves_a_readable_store(kind, tmp_path, ref_db, file_store_allowed):
    store = new_store(kind, tmp_path, ref_db)
    setup = tsys.run_worker("setup_conc", cwd=tmp_path, uri=store["uri"], experiment="churn",
                            artifacts=str(tmp_path / "artifacts"))
    # three writers in turn, each killed at a different moment of its logging
    for k, delay in enumerate((0.3, 0.5, 0.7)):
        ready = tmp_path / f"ready{k}"
        proc, _out, err = spawn("churn", tmp_path, str(tmp_path / f"churn{k}"), uri=store["uri"],
                                experiment_id=setup["experiment_id"], ready=str(ready))
        try:
            deadline = time.monotonic() + 180
            while not ready.exists():
                assert proc.poll() is None, _read(err)[-4000:]
                assert time.monotonic() < deadline, "the writer never finished its first run"
                time.sleep(0.05)
            time.sleep(delay)
            assert proc.poll() is None, _read(err)[-4000:]
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        assert proc.returncode == -signal.SIGKILL

    if kind == "sqlite":
        with tsys.connect(store["path"]) as con:  # also rolls back a hot journal
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        # latest_metrics agrees with metrics for every (run, key): one transaction each
        bad = tsys.rows(store["path"], """
            SELECT l.run_uuid, l.key FROM latest_metrics l
             WHERE NOT EXISTS (SELECT 1 FROM metrics m WHERE m.run_uuid = l.run_uuid
                               AND m.key = l.key AND m.step = l.step AND m.value = l.value
                               AND m.is_nan = l.is_nan)
                OR EXISTS (SELECT 1 FROM metrics m WHERE m.run_uuid = l.run_uuid
                           AND m.key = l.key AND (m.step > l.step OR (m.step = l.step
                           AND (m.timestamp > l.timestamp OR (m.timestamp = l.timestamp
                           AND m.value > l.value)))))
            UNION ALL
            SELECT DISTINCT m.run_uuid, m.key FROM metrics m
             WHERE NOT EXISTS (SELECT 1 FROM latest_metrics l WHERE l.run_uuid = m.run_uuid
                               AND l.key = m.key)""")
        assert bad == []
    else:
        if tsys.IMPL == "mlflow":
            repair_mlflow_kill_damage(store["path"])
        assert check_meta_yaml(store["path"]) >= 3
        assert check_run_dirs(store["path"]) >= 2
        check_metric_files_whole(store["path"])

    # real MLflow reads everything that is there ...
    import mlflow

    client = mlflow_client(store)
    runs = client.search_runs([setup["experiment_id"]],
                              run_view_type=mlflow.entities.ViewType.ALL, max_results=50000)
    churned = [r for r in runs if r.info.run_name != "shared"]
    assert len(churned) >= 2
    # every run; the full metric histories of the runs cut short (still RUNNING), "loss" of all
    interrupted = {r.info.run_id for r in churned if r.info.status == "RUNNING"}
    assert interrupted
    n_values = 0
    for run in churned:
        again = client.get_run(run.info.run_id)
        assert again.data.metrics == run.data.metrics
        keys = run.data.metrics if run.info.run_id in interrupted else [
            k for k in ("loss",) if k in run.data.metrics]
        for key in keys:
            hist = client.get_metric_history(run.info.run_id, key)
            assert hist, (run.info.run_id, key)
            n_values += len(hist)
    assert n_values > 0
    # ... and both libraries keep using the store
    more = client.create_run(setup["experiment_id"], run_name="after-kill")
    client.log_metric(more.info.run_id, "x", 1.0)
    client.set_terminated(more.info.run_id)
    rb = tsys.run_worker("log_run", cwd=tmp_path, uri=store["uri"], experiment="after")
    assert rb["metrics"]["loss"] == 0.25 and rb["status"] == "FINISHED"
