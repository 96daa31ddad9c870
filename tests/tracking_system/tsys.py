"""Helpers shared by the tracking system tests (SQLite schema, concurrency, a real server).

The *writer* is the library that logs the data under test; real MLflow 3.17 always reads it back.
``MLFLOW_C_TEST_IMPL`` picks the writer:

- unset, ``mlflow_c`` or ``both``: mlflow_c (the normal run). While mlflow_c has no tracking API,
  these tests FAIL (never skip): ``require_mlflow_c()`` raises.
- ``mlflow``: MLflow itself writes, which validates the tests' own machinery (fixtures, checks,
  subprocess plumbing) against the oracle alone.

Writers run in child interpreters (``_worker.py``) so that each test gets a fresh process: no
global tracking URI or cached store leaks between tests, and processes can be killed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "_worker.py")

_RAW_IMPL = os.environ.get("MLFLOW_C_TEST_IMPL", "").strip().lower()
if _RAW_IMPL in ("", "mlflow_c", "both"):
    IMPL = "mlflow_c"
elif _RAW_IMPL == "mlflow":
    IMPL = "mlflow"
else:
    raise RuntimeError(f"MLFLOW_C_TEST_IMPL must be mlflow_c, both or mlflow, not {_RAW_IMPL!r}")

# The largest finite double: the SQL store's stand-in for +-inf (contract §11.4).
DBL_MAX = 1.7976931348623157e308

INIT_LINE = "Creating initial MLflow database tables"
OUT_OF_DATE = "Detected out-of-date database schema"


# --------------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------------


def require_mlflow_c() -> str:
    """The sys.path entry holding the mlflow_c package in use; fails unless it has tracking."""
    import mlflow_c

    missing = [n for n in ("start_run", "MlflowClient", "set_tracking_uri")
               if not hasattr(mlflow_c, n)]
    assert not missing, (
        f"mlflow_c ({mlflow_c.__file__}) has no tracking API yet (missing {missing}); "
        "set MLFLOW_C_TEST_IMPL=mlflow to run these tests with MLflow as the writer")
    return os.path.dirname(os.path.dirname(os.path.abspath(mlflow_c.__file__)))


def child_env(impl: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for a child interpreter; with impl="mlflow_c", it imports our mlflow_c."""
    env = dict(os.environ)
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_NAME",
                 "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID"):
        env.pop(name, None)
    env["MLFLOW_ALLOW_FILE_STORE"] = "true"
    env["PYTHONWARNINGS"] = "ignore"
    if impl != "mlflow_c":
        # MLflow-only children never load the extension: no need for a sanitizer runtime that
        # scripts/dev.sh sanitize preloads (it only slows MLflow down there).
        env.pop("LD_PRELOAD", None)
    if impl == "mlflow_c":
        parts = [require_mlflow_c()]
        if env.get("PYTHONPATH"):
            parts.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(parts)
    env.update(extra)
    return env


def _tail(text: str, n: int = 60) -> str:
    return "\n".join(text.splitlines()[-n:])


def check_proc(proc: subprocess.CompletedProcess, what: str) -> None:
    assert proc.returncode == 0, (
        f"{what} exited with {proc.returncode}\n--- stdout\n{_tail(proc.stdout)}"
        f"\n--- stderr\n{_tail(proc.stderr)}")


def parse_result(stdout: str) -> Any:
    for line in reversed(stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError(f"no RESULT line in worker output:\n{_tail(stdout)}")


def worker_argv(impl: str, command: str, **args: Any) -> list[str]:
    return [sys.executable, WORKER, impl, command, json.dumps(args)]


def run_worker(command: str, *, impl: str | None = None, cwd: str | os.PathLike,
               timeout: float = 180, **args: Any) -> Any:
    """Runs ``_worker.py <impl> <command>`` to completion and returns its RESULT."""
    impl = impl or IMPL
    proc = subprocess.run(worker_argv(impl, command, **args), cwd=cwd, env=child_env(impl),
                          capture_output=True, text=True, timeout=timeout)
    check_proc(proc, f"worker {impl} {command}")
    return parse_result(proc.stdout)


def run_python(code: str, *, cwd: str | os.PathLike, env: dict[str, str] | None = None,
               timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env or child_env(),
                          capture_output=True, text=True, timeout=timeout)
    if check:
        check_proc(proc, "python -c")
    return proc


def make_mlflow_db(path: str | os.PathLike, cwd: str | os.PathLike) -> subprocess.CompletedProcess:
    """Creates a database by opening a store with the installed MLflow (contract §11.7 step 1)."""
    code = "import mlflow; mlflow.MlflowClient().search_experiments()"
    env = child_env(MLFLOW_TRACKING_URI=f"sqlite:///{os.fspath(path)}")
    return run_python(code, cwd=cwd, env=env)


def mlflow_db_upgrade(path: str | os.PathLike,
                      cwd: str | os.PathLike) -> subprocess.CompletedProcess:
    """``mlflow db upgrade sqlite:///<path>`` (completed process; the caller checks it)."""
    return subprocess.run([sys.executable, "-m", "mlflow", "db", "upgrade",
                           f"sqlite:///{os.fspath(path)}"],
                          cwd=cwd, env=child_env(), capture_output=True, text=True, timeout=300)


def copy_db(src: str | os.PathLike, dst: str | os.PathLike) -> str:
    shutil.copyfile(src, dst)
    return os.fspath(dst)


# --------------------------------------------------------------------------------------------
# SQLite introspection (contract §11.7)
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def connect(path: str | os.PathLike):
    con = sqlite3.connect(os.fspath(path), timeout=60)
    try:
        yield con
    finally:
        con.close()


def revision(path) -> list[str]:
    with connect(path) as con:
        return [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]


def master(path) -> list[tuple]:
    """Every sqlite_master entry (type, name, tbl_name, sql) in rowid order."""
    with connect(path) as con:
        return con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()


def schema_text(path) -> str:
    """What ``sqlite3 db .schema`` prints: every non-NULL sql, in rowid order."""
    return "\n".join(f"{sql};" for (_t, _n, _tb, sql) in master(path) if sql is not None)


def _line(s: str) -> str:
    return s.strip().rstrip(",").strip()


def canonical_schema(path) -> list[tuple]:
    """sqlite_master in rowid order, up to the two orderings that vary between MLflow runs.

    MLflow 3.17.2 builds a database by replaying its migrations, and some of them (SQLAlchemy
    batch table rebuilds) iterate over sets: with a different PYTHONHASHSEED, two fresh MLflow
    databases differ in the order of the CONSTRAINT lines inside ``CREATE TABLE "runs"`` and in
    the order of the CREATE INDEX statements that follow a table (observed over 10 seeds; the
    tables' order, every statement's text otherwise, and each index's table block never vary).
    So the canonical form keeps the table order and each CREATE TABLE's column lines in order,
    and sorts the CONSTRAINT/CHECK lines of a table and the entries that follow it.
    """
    blocks: list[tuple] = []
    for (typ, name, tbl, sql) in master(path):
        if typ == "table" or not blocks:
            lines = [_line(x) for x in (sql or "").splitlines()]
            body = tuple(x for x in lines if not _CONSTRAINT_RE.search(x))
            cons = tuple(sorted(x for x in lines if _CONSTRAINT_RE.search(x)))
            blocks.append([(typ, name, tbl, body, cons), []])
        else:
            blocks[-1][1].append((typ, name, tbl, sql))
    return [(head, tuple(sorted(rest, key=repr))) for head, rest in blocks]


def tables(path) -> list[str]:
    with connect(path) as con:
        return [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]


def columns(path) -> dict[str, list[tuple]]:
    """Table -> pragma table_xinfo rows (cid, name, TYPE, notnull, dflt, pk, hidden)."""
    out: dict[str, list[tuple]] = {}
    with connect(path) as con:
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            rows = con.execute(f'SELECT * FROM pragma_table_xinfo("{name}")').fetchall()
            out[name] = [(c, n, (t or "").upper(), nn, d, pk, h)
                         for (c, n, t, nn, d, pk, h) in rows]
    return out


def foreign_keys(path) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    with connect(path) as con:
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            out[name] = sorted(con.execute(
                f'SELECT id, seq, "table", "from", "to", on_update, on_delete, match '
                f'FROM pragma_foreign_key_list("{name}")').fetchall())
    return out


def indexes(path) -> dict[str, dict[str, tuple]]:
    """Table -> index name -> (unique, origin, partial, columns in index order)."""
    out: dict[str, dict[str, tuple]] = {}
    with connect(path) as con:
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            per: dict[str, tuple] = {}
            for (_seq, iname, unique, origin, partial) in con.execute(
                    f'SELECT * FROM pragma_index_list("{name}")').fetchall():
                cols = tuple(r[2] for r in con.execute(
                    f'SELECT seqno, cid, name FROM pragma_index_info("{iname}") ORDER BY seqno'))
                per[iname] = (unique, origin, partial, cols)
            out[name] = per
    return out


def triggers(path) -> list[tuple]:
    with connect(path) as con:
        return con.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                           "ORDER BY name").fetchall()


_CONSTRAINT_RE = re.compile(r"\b(CONSTRAINT|CHECK)\b", re.IGNORECASE)


def constraint_lines(path) -> dict[str, list[str]]:
    """Object name -> the stripped lines of its sql that hold a CONSTRAINT or CHECK clause."""
    out: dict[str, list[str]] = {}
    for (_t, name, _tb, sql) in master(path):
        if sql:
            out[name] = [_line(ln) for ln in sql.splitlines() if _CONSTRAINT_RE.search(ln)]
    return out


def semantic_schema(path) -> list[tuple]:
    """Contract §11.7 step 4: columns, foreign keys, indexes and triggers, order-independent."""
    queries = [
        """SELECT 'col', m.name, p.cid, p.name, upper(p.type), p."notnull", p.dflt_value, p.pk,
                  p.hidden
             FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE m.type = 'table'
            ORDER BY 2, 3""",
        """SELECT 'fk', m.name, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'
            ORDER BY 2, 3, 4""",
        """SELECT 'idx', m.name, i.name, i."unique", i.origin, i.partial,
                  group_concat(ii.name, ',')
             FROM sqlite_master m JOIN pragma_index_list(m.name) i
                  JOIN pragma_index_info(i.name) ii
            WHERE m.type = 'table' GROUP BY m.name, i.name ORDER BY 2, 3""",
        "SELECT 'trigger', name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY 2",
    ]
    out: list[tuple] = []
    with connect(path) as con:
        for q in queries:
            out += con.execute(q).fetchall()
    return out


def constraint_set(path) -> dict[str, set[str]]:
    """Like constraint_lines, but whitespace/quoting-insensitive and unordered (upgraded DBs)."""
    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", s.replace('"', "")).strip()
    return {k: {norm(x) for x in v} for k, v in constraint_lines(path).items()
            if not k.startswith("sqlite_autoindex")}


def row_counts(path) -> dict[str, int]:
    with connect(path) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def rows(path, sql: str, params: tuple = ()) -> list[tuple]:
    with connect(path) as con:
        return con.execute(sql, params).fetchall()


def dict_rows(path, sql: str, params: tuple = ()) -> list[dict]:
    with connect(path) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, params)]


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def norm_float(v: Any) -> Any:
    """NaN-safe comparable form of a metric value."""
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return v


def norm_metrics(d: dict[str, float]) -> dict[str, Any]:
    return {k: norm_float(float(v)) for k, v in d.items()}
