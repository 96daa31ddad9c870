"""The SQLite database mlflow_c creates is MLflow 3.17's, and each library works on the other's.

Contract §11.7: a database made by the writer (mlflow_c; MLflow itself with
MLFLOW_C_TEST_IMPL=mlflow) is compared with one the installed MLflow made by opening a store:
revision, tables, columns, foreign keys, indexes, triggers, CONSTRAINT/CHECK lines, the
``.schema`` text and the seed rows. Then MLflow opens it without initialising or refusing it,
``mlflow db upgrade`` accepts it, an older revision (made with MLflow's own alembic downgrades)
upgrades back to the fresh schema, and the writer logs into databases made by MLflow, including
one at an unknown newer revision with an extra table and column.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

import _worker
import tsys

# The writer's readback and MLflow's readback of the same run differ in no field.
SAMPLE_PARAMS = {"alpha": "0.5", "layers": "3", "solver": "ols"}
SAMPLE_METRICS = {"loss": 0.25, "m1": 2.0, "acc": 0.9, "f1": 0.8, "as_int": 2.0, "m_nan": "nan",
                  "m_inf": tsys.DBL_MAX, "m_ninf": -tsys.DBL_MAX}
SAMPLE_TAGS = {"team": "system-tests", "stage": "test", "k1": "v1", "k2": "3",
               "mlflow.runName": "sys-run", "mlflow.source.type": "LOCAL"}


def _uri(path) -> str:
    return f"sqlite:///{os.fspath(path)}"


def _mlflow_readback(path, run_id: str) -> dict:
    """The run as real MLflow (in this process) reads it from the database at path."""
    import mlflow

    return _worker.readback(mlflow.MlflowClient(tracking_uri=_uri(path)), run_id)


def _comparable(rb: dict) -> dict:
    out = dict(rb)
    out["metrics"] = tsys.norm_metrics(rb["metrics"])
    out["history"] = {k: [[s, t, tsys.norm_float(v)] for s, t, v in h]
                      for k, h in rb.get("history", {}).items()}
    return out


def check_sample_run(rb: dict) -> None:
    """What _worker.log_sample_run logged, read back from a SQLite store."""
    assert rb["status"] == "FINISHED"
    assert rb["lifecycle_stage"] == "active"
    assert rb["run_name"] == "sys-run"
    assert rb["params"] == SAMPLE_PARAMS
    assert tsys.norm_metrics(rb["metrics"]) == SAMPLE_METRICS
    assert {k: rb["tags"].get(k) for k in SAMPLE_TAGS} == SAMPLE_TAGS
    assert rb["tags"]["mlflow.user"] == rb["user_id"]
    assert rb["end_time"] is not None and rb["end_time"] >= rb["start_time"]
    assert rb["artifact_uri"].endswith(f"/{rb['run_id']}/artifacts")
    hist = _comparable(rb)["history"]
    assert [(s, v) for s, _t, v in hist["loss"]] == [(0, 1.5), (1, 0.75), (2, 0.25)]
    assert [(s, v) for s, _t, v in hist["m1"]] == [(0, 1.5), (1, 0.5), (3, 2.0)]
    assert [v for _s, _t, v in hist["m_nan"]] == ["nan"]
    assert [v for _s, _t, v in hist["m_inf"]] == [tsys.DBL_MAX]


def check_sample_rows(path, run_id: str) -> None:
    """The literal row values of contract §11.4 for the sample run."""
    (run,) = tsys.dict_rows(path, "SELECT * FROM runs WHERE run_uuid = ?", (run_id,))
    assert run["source_type"] == "UNKNOWN"
    assert (run["source_name"], run["entry_point_name"], run["source_version"]) == ("", "", "")
    assert run["status"] == "FINISHED" and run["lifecycle_stage"] == "active"
    assert run["deleted_time"] is None and run["name"] == "sys-run"
    assert isinstance(run["experiment_id"], int)
    (exp_loc,) = tsys.rows(path, "SELECT artifact_location FROM experiments "
                                 "WHERE experiment_id = ?", (run["experiment_id"],))[0]
    assert run["artifact_uri"] == f"{exp_loc}/{run_id}/artifacts"
    metrics = {(k, s): (v, n) for k, v, s, n in tsys.rows(
        path, "SELECT key, value, step, is_nan FROM metrics WHERE run_uuid = ?", (run_id,))}
    assert metrics[("m_nan", 0)] == (0.0, 1)
    assert metrics[("m_inf", 0)] == (tsys.DBL_MAX, 0)
    assert metrics[("m_ninf", 0)] == (-tsys.DBL_MAX, 0)
    assert metrics[("as_int", 0)] == (2.0, 0)
    assert type(metrics[("as_int", 0)][0]) is float  # stored as REAL
    assert len(metrics) == 12
    latest = {k: (v, s, n) for k, v, s, n in tsys.rows(
        path, "SELECT key, value, step, is_nan FROM latest_metrics WHERE run_uuid = ?",
        (run_id,))}
    assert latest == {"loss": (0.25, 2, 0), "m1": (2.0, 3, 0), "acc": (0.9, 0, 0),
                      "f1": (0.8, 0, 0), "as_int": (2.0, 0, 0), "m_nan": (0.0, 0, 1),
                      "m_inf": (tsys.DBL_MAX, 0, 0), "m_ninf": (-tsys.DBL_MAX, 0, 0)}
    params = dict(tsys.rows(path, "SELECT key, value FROM params WHERE run_uuid = ?", (run_id,)))
    assert params == SAMPLE_PARAMS


# --------------------------------------------------------------------------------------------
# Databases made by the writer (module scope: read-only; tests that write copy them)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def native(tmp_path_factory) -> dict:
    """A database made by the writer's ``MlflowClient().search_experiments()``."""
    cwd = tmp_path_factory.mktemp("native")
    path = os.path.join(cwd, "a.db")
    t0 = int(time.time() * 1000)
    result = tsys.run_worker("create", cwd=cwd, uri=_uri(path))
    t1 = int(time.time() * 1000)
    assert result == {"experiments": ["Default"]}
    os.chmod(path, 0o444)
    return {"path": path, "cwd": str(cwd), "t0": t0, "t1": t1}


@pytest.fixture(scope="module")
def native_db(native) -> str:
    return native["path"]


@pytest.fixture(scope="module")
def native_fluent(tmp_path_factory) -> dict:
    """A database made by the writer's fluent ``create_experiment("x")``."""
    cwd = tmp_path_factory.mktemp("native_fluent")
    path = os.path.join(cwd, "a.db")
    result = tsys.run_worker("create_fluent", cwd=cwd, uri=_uri(path), name="x")
    return {"path": path, "cwd": str(cwd), "experiment_id": result["experiment_id"]}


# --------------------------------------------------------------------------------------------
# §11.7 steps 2-4: the schema
# --------------------------------------------------------------------------------------------


def test_alembic_revision(native_db, ref_db):
    ref = tsys.revision(ref_db)
    assert len(ref) == 1 and re.fullmatch(r"[0-9a-f]{12}", ref[0])
    assert tsys.revision(native_db) == ref


def test_tables(native_db, ref_db):
    assert tsys.tables(native_db) == tsys.tables(ref_db)


def test_columns(native_db, ref_db):
    got, want = tsys.columns(native_db), tsys.columns(ref_db)
    assert sorted(got) == sorted(want)
    for table in want:
        assert got[table] == want[table], table


def test_foreign_keys(native_db, ref_db):
    got, want = tsys.foreign_keys(native_db), tsys.foreign_keys(ref_db)
    assert sorted(got) == sorted(want)
    for table in want:
        assert got[table] == want[table], table


def test_indexes(native_db, ref_db):
    got, want = tsys.indexes(native_db), tsys.indexes(ref_db)
    assert sorted(got) == sorted(want)
    for table in want:
        assert got[table] == want[table], table


def test_triggers(native_db, ref_db):
    want = tsys.triggers(ref_db)
    assert want, "MLflow's schema has a trigger"
    assert tsys.triggers(native_db) == want


def test_constraint_and_check_lines(native_db, ref_db):
    """Same CONSTRAINT and CHECK clauses per table (their order within ``runs`` varies between
    MLflow runs too, see tsys.canonical_schema)."""
    got, want = tsys.constraint_lines(native_db), tsys.constraint_lines(ref_db)
    assert sorted(got) == sorted(want)
    for name in want:
        assert sorted(got[name]) == sorted(want[name]), name
    assert any("CHECK" in x for x in want["runs"])


def test_schema_text(native_db, ref_db):
    """``sqlite3 db .schema`` (sqlite_master's sql in rowid order) gives MLflow's text.

    Exactly the same statements, tables in the same order, each statement's text identical
    except for the two orderings that differ between two MLflow-made databases as well
    (tsys.canonical_schema).
    """
    got, want = tsys.master(native_db), tsys.master(ref_db)
    assert len(got) == len(want)
    assert [r[:3] for r in got if r[0] == "table"] == [r[:3] for r in want if r[0] == "table"]
    assert {r for r in got if r[1] != "runs"} == {r for r in want if r[1] != "runs"}
    assert tsys.canonical_schema(native_db) == tsys.canonical_schema(ref_db)
    text = tsys.schema_text(native_db)
    assert sorted(text.splitlines()) == sorted(tsys.schema_text(ref_db).splitlines())


def test_semantic_schema_query(native_db, ref_db):
    """The order-independent query of contract §11.7 step 4 prints the same rows."""
    assert tsys.semantic_schema(native_db) == tsys.semantic_schema(ref_db)


def test_seed_rows(native, ref_db, ref_dir):
    path = native["path"]
    counts, ref_counts = tsys.row_counts(path), tsys.row_counts(ref_db)
    assert counts == ref_counts
    assert {k: v for k, v in counts.items() if v} == {
        "alembic_version": 1, "workspaces": 1, "experiments": 1}
    assert tsys.rows(path, "SELECT * FROM workspaces") == tsys.rows(
        ref_db, "SELECT * FROM workspaces")

    (exp,) = tsys.dict_rows(path, "SELECT * FROM experiments")
    (ref,) = tsys.dict_rows(ref_db, "SELECT * FROM experiments")
    varying = ("creation_time", "last_update_time", "artifact_location")
    assert {k: v for k, v in exp.items() if k not in varying} == {
        k: v for k, v in ref.items() if k not in varying}
    assert exp["experiment_id"] == 0 and exp["name"] == "Default"
    assert exp["workspace"] == "default" and exp["lifecycle_stage"] == "active"
    # a local root is an absolute path with no scheme: <cwd>/mlruns/0 (§11.1)
    assert ref["artifact_location"] == os.path.join(str(ref_dir), "mlruns", "0")
    assert exp["artifact_location"] == os.path.join(native["cwd"], "mlruns", "0")
    assert exp["creation_time"] == exp["last_update_time"]
    assert native["t0"] - 1000 <= exp["creation_time"] <= native["t1"] + 1000


def test_fluent_create_experiment_makes_the_same_database(native_fluent, ref_db):
    path = native_fluent["path"]
    assert tsys.revision(path) == tsys.revision(ref_db)
    assert tsys.canonical_schema(path) == tsys.canonical_schema(ref_db)
    exps = tsys.dict_rows(path, "SELECT * FROM experiments ORDER BY experiment_id")
    assert [(e["experiment_id"], e["name"], e["lifecycle_stage"], e["workspace"])
            for e in exps] == [(0, "Default", "active", "default"), (1, "x", "active", "default")]
    assert str(native_fluent["experiment_id"]) == "1"
    assert exps[1]["artifact_location"] == os.path.join(native_fluent["cwd"], "mlruns", "1")
    assert exps[1]["creation_time"] == exps[1]["last_update_time"]


# --------------------------------------------------------------------------------------------
# §11.7 step 5: MLflow opens the writer's database as it is
# --------------------------------------------------------------------------------------------

_MLFLOW_USES_DB = """
import json, math, mlflow
from mlflow.entities import Metric, Param, RunTag
c = mlflow.MlflowClient()
names = sorted(e.name for e in c.search_experiments())
eid = c.create_experiment("opened-by-mlflow")
run = c.create_run(eid, run_name="by-mlflow")
rid = run.info.run_id
c.log_batch(rid, metrics=[Metric("x", 0.5, 1000, 0), Metric("x", float("nan"), 1001, 1)],
            params=[Param("p", "1")], tags=[RunTag("t", "v")])
c.set_terminated(rid)
found = [r.info.run_id for r in c.search_runs([eid], filter_string="params.p = '1'")]
hist = [m.value for m in c.get_metric_history(rid, "x")]
print("RESULT " + json.dumps({
    "experiments": names, "found": found == [rid], "nan": math.isnan(hist[1]),
    "logged_models": len(c.search_logged_models(experiment_ids=[eid])),
    "registered_models": len(c.search_registered_models()),
}))
"""


def test_mlflow_opens_writer_db_without_initialising(native_db, tmp_path):
    db = tsys.copy_db(native_db, tmp_path / "n.db")
    os.chmod(db, 0o644)
    before = tsys.master(db)
    proc = tsys.run_python(_MLFLOW_USES_DB, cwd=tmp_path,
                           env=tsys.child_env(MLFLOW_TRACKING_URI=_uri(db)))
    assert tsys.INIT_LINE not in proc.stderr
    assert tsys.OUT_OF_DATE not in proc.stderr
    assert tsys.parse_result(proc.stdout) == {
        "experiments": ["Default"], "found": True, "nan": True, "logged_models": 0,
        "registered_models": 0}
    assert tsys.master(db) == before
    assert tsys.revision(db) == tsys.revision(native_db)


def test_mlflow_db_upgrade_accepts_writer_db(native_db, ref_db, tmp_path):
    db = tsys.copy_db(native_db, tmp_path / "n.db")
    os.chmod(db, 0o644)
    before = tsys.master(db)
    proc = tsys.mlflow_db_upgrade(db, cwd=tmp_path)
    tsys.check_proc(proc, "mlflow db upgrade")
    assert tsys.revision(db) == tsys.revision(ref_db)
    assert tsys.master(db) == before  # already at head: nothing to do
    assert tsys.semantic_schema(db) == tsys.semantic_schema(ref_db)
    # still usable by both libraries
    rb = tsys.run_worker("log_run", cwd=tmp_path, uri=_uri(db))
    check_sample_run(rb)
    assert _comparable(_mlflow_readback(db, rb["run_id"])) == _comparable(rb)
    assert tsys.revision(db) == tsys.revision(ref_db)


# --------------------------------------------------------------------------------------------
# §11.7 step 6: upgrade from an older revision
# --------------------------------------------------------------------------------------------

_DOWNGRADE = """
import json, os, sys
import mlflow
from alembic import command
from alembic.config import Config

db, target = sys.argv[1], sys.argv[2]
url = "sqlite:///" + db
migrations = os.path.join(os.path.dirname(mlflow.__file__), "store", "db_migrations")
cfg = Config(os.path.join(migrations, "alembic.ini"))
cfg.set_main_option("script_location", migrations)
cfg.set_main_option("sqlalchemy.url", url)
command.downgrade(cfg, target)
print("RESULT " + json.dumps({"target": target}))
"""
# Note: do not open the downgraded database with MLflow before `mlflow db upgrade`: the
# downgrades drop tables, and MLflow, finding an ORM table missing, "initialises" the database,
# which runs `upgrade heads` by itself (contract §11.1 step 2).


def _downgrade(db, target: str, cwd) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _DOWNGRADE, os.fspath(db), target], cwd=cwd,
        env=tsys.child_env(), capture_output=True, text=True, timeout=300)
    tsys.check_proc(proc, f"alembic downgrade {target}")
    return tsys.parse_result(proc.stdout)


def test_upgrade_from_an_older_revision(native_db, ref_db, tmp_path):
    """A database at an older revision (as an older mlflow_c would have made it) upgrades with
    ``mlflow db upgrade`` to the fresh schema, keeping what the writer had logged."""
    db = tsys.copy_db(native_db, tmp_path / "old.db")
    os.chmod(db, 0o644)
    logged = tsys.run_worker("log_run", cwd=tmp_path, uri=_uri(db))
    check_sample_run(logged)
    (head,) = tsys.revision(ref_db)
    fresh = tsys.semantic_schema(ref_db)

    _downgrade(db, "-2", tmp_path)
    (old,) = tsys.revision(db)
    assert old != head
    assert tsys.semantic_schema(db) != fresh  # the two migrations changed something

    proc = tsys.mlflow_db_upgrade(db, cwd=tmp_path)
    tsys.check_proc(proc, "mlflow db upgrade")
    assert tsys.revision(db) == [head]
    assert tsys.semantic_schema(db) == fresh
    assert tsys.constraint_set(db) == tsys.constraint_set(ref_db)
    assert tsys.triggers(db) == tsys.triggers(ref_db)

    # the data survived, and both libraries use the upgraded database
    assert _comparable(_mlflow_readback(db, logged["run_id"])) == _comparable(logged)
    again = tsys.run_worker("readback", cwd=tmp_path, uri=_uri(db), run_id=logged["run_id"])
    assert _comparable(again) == _comparable(logged)
    second = tsys.run_worker("log_run", cwd=tmp_path, uri=_uri(db), run_name="sys-run")
    check_sample_run(second)
    assert _comparable(_mlflow_readback(db, second["run_id"])) == _comparable(second)
    assert tsys.revision(db) == [head]


# --------------------------------------------------------------------------------------------
# §11.6: the writer logs into databases it did not create
# --------------------------------------------------------------------------------------------


def test_writer_logs_into_db_made_by_mlflow(mlflow_db, ref_db, tmp_path):
    before = tsys.master(mlflow_db)
    rb = tsys.run_worker("log_run", cwd=tmp_path, uri=_uri(mlflow_db))
    check_sample_run(rb)
    check_sample_rows(mlflow_db, rb["run_id"])
    assert _comparable(_mlflow_readback(mlflow_db, rb["run_id"])) == _comparable(rb)
    assert tsys.revision(mlflow_db) == tsys.revision(ref_db)
    assert tsys.master(mlflow_db) == before


def _normalised_rows(path, run_id: str) -> dict:
    """The rows of a run with ids, times, paths and the source file's git tags blanked."""
    out = {}
    (run,) = tsys.dict_rows(path, "SELECT * FROM runs WHERE run_uuid = ?", (run_id,))
    for k in ("run_uuid", "start_time", "end_time", "artifact_uri"):
        run[k] = None
    out["runs"] = run
    for table, cols in (("metrics", "key, value, step, is_nan"),
                        ("latest_metrics", "key, value, step, is_nan"),
                        ("params", "key, value"), ("tags", "key, value")):
        out[table] = sorted(tsys.rows(path, f"SELECT {cols} FROM {table} WHERE run_uuid = ?",
                                      (run_id,)))
    out["tags"] = [(k, v) for k, v in out["tags"] if not k.startswith("mlflow.source.git.")]
    (exp,) = tsys.dict_rows(path, "SELECT name, lifecycle_stage, workspace FROM experiments "
                                  "WHERE experiment_id = ?", (run["experiment_id"],))
    out["experiment"] = exp
    return out


def test_rows_equal_those_mlflow_writes(ref_db, tmp_path):
    """The same calls through the writer and through MLflow leave the same rows (§11.4)."""
    (tmp_path / "w").mkdir()
    (tmp_path / "m").mkdir()
    dbw = tsys.copy_db(ref_db, tmp_path / "w" / "w.db")
    dbm = tsys.copy_db(ref_db, tmp_path / "m" / "m.db")
    os.chmod(dbw, 0o644)
    os.chmod(dbm, 0o644)
    rw = tsys.run_worker("log_run", cwd=tmp_path / "w", uri=_uri(dbw))
    rm = tsys.run_worker("log_run", impl="mlflow", cwd=tmp_path / "m", uri=_uri(dbm))
    assert _normalised_rows(dbw, rw["run_id"]) == _normalised_rows(dbm, rm["run_id"])


FUTURE_REVISION = "f0e1d2c3b4a5"


def test_writer_logs_into_db_at_unknown_newer_revision(mlflow_db, ref_db, tmp_path):
    """A newer MLflow's database: unknown revision, an extra table, an extra nullable column on
    runs. The writer logs through the core tables and changes neither revision nor schema."""
    with tsys.connect(mlflow_db) as con:
        con.executescript(f"""
            CREATE TABLE future_feature (id INTEGER NOT NULL, payload TEXT,
                                         CONSTRAINT future_feature_pk PRIMARY KEY (id));
            INSERT INTO future_feature VALUES (1, 'kept');
            ALTER TABLE runs ADD COLUMN future_note VARCHAR(64);
            UPDATE alembic_version SET version_num = '{FUTURE_REVISION}';
        """)
    before = tsys.master(mlflow_db)
    argv = tsys.worker_argv(tsys.IMPL, "log_run", uri=_uri(mlflow_db))
    proc = subprocess.run(argv, cwd=tmp_path, env=tsys.child_env(tsys.IMPL),
                               capture_output=True, text=True, timeout=180)
    if tsys.IMPL == "mlflow":
        # MLflow refuses any revision but its own head (contract §11.8 S1)
        assert proc.returncode != 0
        assert tsys.OUT_OF_DATE in proc.stderr
        assert f"found version {FUTURE_REVISION}" in proc.stderr
    else:
        tsys.check_proc(proc, "writer log_run into a newer database")
        rb = tsys.parse_result(proc.stdout)
        check_sample_run(rb)
        check_sample_rows(mlflow_db, rb["run_id"])
        assert tsys.rows(mlflow_db, "SELECT future_note FROM runs WHERE run_uuid = ?",
                         (rb["run_id"],)) == [(None,)]
        # what a newer MLflow would see: stamp a copy back to our head and let MLflow read it
        seen = tsys.copy_db(mlflow_db, tmp_path / "restamped.db")
        with tsys.connect(seen) as con:
            con.execute("UPDATE alembic_version SET version_num = ?",
                        (tsys.revision(ref_db)[0],))
            con.commit()
        assert _comparable(_mlflow_readback(seen, rb["run_id"])) == _comparable(rb)
    assert tsys.revision(mlflow_db) == [FUTURE_REVISION]
    assert tsys.master(mlflow_db) == before
    assert tsys.rows(mlflow_db, "SELECT * FROM future_feature") == [(1, "kept")]


def test_sample_run_json_roundtrip():
    """The worker's RESULT line carries NaN and huge floats intact (a check of the plumbing)."""
    line = "RESULT " + json.dumps({"v": float("nan"), "w": tsys.DBL_MAX})
    got = tsys.parse_result(line)
    assert tsys.norm_float(got["v"]) == "nan" and got["w"] == tsys.DBL_MAX
