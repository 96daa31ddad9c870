"""The SQLite store's metrics and latest_metrics rows equal MLflow's for the same batches.

Random batches (sizes around mlflow_c's 65-row bulk statements: 7, 65, 130, 200) of a few keys
with duplicates, ties, NaN and infinities go through MLflow's client into an MLflow-made
database and through mlflow_c's client into its own; the rows of both tables must be the same.
"""
from __future__ import annotations

import random
import shutil
import sqlite3

import pytest


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metric_rows_equal_mlflow(seed, ref_db, tmp_path):
    import mlflow
    from mlflow.entities import Metric

    import mlflow_c

    rng = random.Random(seed)
    mdb, cdb = tmp_path / "m.db", tmp_path / "c.db"
    shutil.copy(ref_db, mdb)
    cm = mlflow.MlflowClient(f"sqlite:///{mdb}")
    cc = mlflow_c.MlflowClient(f"sqlite:///{cdb}")
    rm = cm.create_run("0").info.run_id
    rc = cc.create_run("0").info.run_id
    values = [0.0, 1.0, -1.0, 2.5, float("nan"), float("inf"), float("-inf")]
    for _ in range(12):
        batch = [Metric(rng.choice("abcd"), rng.choice(values), rng.randint(0, 3), rng.randint(0, 3))
                 for _ in range(rng.choice([7, 65, 130, 200]))]
        cm.log_batch(rm, metrics=batch)
        cc.log_batch(rc, metrics=batch)

    def rows(db, run_id):
        con = sqlite3.connect(db)
        try:
            latest = con.execute("SELECT key, value, timestamp, step, is_nan FROM latest_metrics "
                                 "WHERE run_uuid = ? ORDER BY key", (run_id,)).fetchall()
            history = con.execute("SELECT key, value, timestamp, step, is_nan FROM metrics "
                                  "WHERE run_uuid = ? ORDER BY key, timestamp, step, value, "
                                  "is_nan", (run_id,)).fetchall()
        finally:
            con.close()
        return latest, history

    assert rows(cdb, rc) == rows(mdb, rm)
