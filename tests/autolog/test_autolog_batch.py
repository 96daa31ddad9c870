"""The writer's group commit: while fits wait in the queue, their store writes share one SQLite
transaction (each run's writes still all-or-nothing inside it). What a user can observe must not
change: a flush returns only after the commit, a step that fails inside a batch loses nothing of
the other runs, and another thread's tracking call never joins the writer's transaction."""

from __future__ import annotations

import sqlite3
import threading
import time

import numpy as np
import statsmodels.api as sm

import alcases
import altools
from altools import METRIC_NAMES

N_QUEUED = 60
N_PROBES = 5
UNEXPECTED = "Encountered unexpected error during statsmodels autologging: "


def _other_connection(al) -> sqlite3.Connection:
    """A connection of its own to the test's database: it sees committed rows only."""
    return sqlite3.connect(f"file:{al.db_path}?mode=ro", uri=True, timeout=30)


def _committed_runs(al) -> dict[str, tuple[str, int]]:
    """run id -> (status, number of latest metrics), as another connection sees them."""
    con = _other_connection(al)
    try:
        rows = con.execute(
            "SELECT r.run_uuid, r.status, "
            "(SELECT count(*) FROM latest_metrics m WHERE m.run_uuid = r.run_uuid) "
            "FROM runs r WHERE r.lifecycle_stage = 'active'"
        ).fetchall()
    finally:
        con.close()
    return {rid: (status, n) for rid, status, n in rows}


def _fit_many(n: int) -> None:
    y, X = alcases.reg_data()
    for _ in range(n):
        sm.OLS(y, X).fit()


def test_queued_fits_are_committed_when_flush_returns(al):
    al.enable(log_models=False)
    _fit_many(N_QUEUED)
    altools.flush()
    runs = _committed_runs(al)
    assert len(runs) == N_QUEUED
    assert set(runs.values()) == {("FINISHED", len(METRIC_NAMES))}
    for run in al.runs():
        assert al.artifacts(run.info.run_id) == ["model_summary.txt"]


def test_a_step_failing_inside_a_batch_loses_nothing_else(al, mlc_logs):
    """The main thread's fit logs into a run deleted meanwhile (its writes fail and roll back
    to their savepoint) while another thread's fits queue around it."""
    mlc = al.bind()
    al.enable(log_models=False)
    user_run = mlc.start_run()
    al.client.delete_run(user_run.info.run_id)
    y, X = alcases.reg_data()
    started = threading.Event()

    def others():
        started.set()
        _fit_many(N_QUEUED)

    t = threading.Thread(target=others)
    t.start()
    started.wait()
    for _ in range(5):
        res = sm.OLS(y, X).fit()
    t.join()
    altools.flush()
    np.testing.assert_array_equal(res.params, sm.OLS(y, X).fit().params)
    assert [m for m in mlc_logs.warnings() if m.startswith(UNEXPECTED)]
    runs = _committed_runs(al)
    assert len(runs) == N_QUEUED
    assert set(runs.values()) == {("FINISHED", len(METRIC_NAMES))}
    al.client.restore_run(user_run.info.run_id)
    mlc.end_run()


def test_another_threads_call_is_committed_when_it_returns(al):
    """A tracking call made while the writer works through a queue (kept full by another
    thread) is visible to another connection as soon as it returns: it waits for the steps
    queued before it and the writer's commit, never joins the writer's transaction, and is
    not starved by the steps queued after it."""
    mlc = al.bind()
    run_id = al.client.create_run("0").info.run_id
    al.enable(log_models=False)
    stop = threading.Event()

    def fitter():
        while not stop.is_set():
            _fit_many(20)

    t = threading.Thread(target=fitter)
    t.start()
    try:
        for step in range(N_PROBES):
            time.sleep(0.05)  # the fitting thread fills the queue meanwhile
            al.client.log_metric(run_id, "probe", float(step), step=step)
            con = _other_connection(al)
            try:
                seen = con.execute(
                    "SELECT count(*) FROM metrics WHERE run_uuid = ? AND key = 'probe'",
                    (run_id,),
                ).fetchone()[0]
            finally:
                con.close()
            assert seen == step + 1
    finally:
        stop.set()
        t.join()
    altools.flush()
    assert mlc.get_run(run_id).data.metrics["probe"] == N_PROBES - 1
    statuses = {status for rid, (status, _) in _committed_runs(al).items() if rid != run_id}
    assert statuses == {"FINISHED"}
