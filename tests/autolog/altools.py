"""Helpers of the autolog suite: the per-test environment, oracles for params and metrics, log
capture, and the class-tree walk that says which ``fit`` functions autolog must wrap.

The oracles here are independent of mlflow_c: expected params come from ``inspect.signature`` of
the original ``fit`` (MLflow's binding rules minus quirk Q1), expected metrics from reading the
allow-list on the results object the fit returned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import logging
import math
import numbers
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from alcases import METRIC_NAMES

AUTOLOG_TAG = "mlflow.autologging"
PARENT_TAG = "mlflow.parentRunId"
EMPTY_REPR = "<class 'inspect._empty'>"  # MLflow's Q1 junk value


# --------------------------------------------------------------------------- mlflow_c access


def mlc():
    import mlflow_c
    import mlflow_c.pyfunc  # noqa: F401
    import mlflow_c.statsmodels  # noqa: F401

    return mlflow_c


def autolog(*args, **kwargs):
    import mlflow_c.statsmodels

    return mlflow_c.statsmodels.autolog(*args, **kwargs)


def flush() -> None:
    mlc().flush_async_logging()


# --------------------------------------------------------------------------- per-test environment


class AutologEnv:
    """One test's store and convenience readers (all through mlflow_c unless said otherwise)."""

    def __init__(self, root: Path):
        self.root = root
        self.db_path = root / "mlflow.db"
        self.uri = "sqlite:///" + str(self.db_path)
        self._client = None
        self._bound = False
        self._dl = 0

    # -- setup
    def bind(self):
        """Point mlflow_c at this test's store and experiment 0 (once per test: the default
        URI of a fresh process, ``sqlite:///<cwd>/mlflow.db``, may already equal ours)."""
        m = mlc()
        if not self._bound:
            m.set_tracking_uri(self.uri)
            m.set_experiment(experiment_id="0")
            self._bound = True
        return m

    def enable(self, **kwargs):
        self.bind()
        return autolog(**kwargs)

    @property
    def client(self):
        if self._client is None:
            self.bind()
            self._client = mlc().MlflowClient(tracking_uri=self.uri)
        return self._client

    # -- runs
    def runs(self) -> list:
        """Every run of experiment 0, oldest first (start time, then insertion order: fits in
        quick succession can start in the same millisecond)."""
        runs = list(self.client.search_runs(["0"], max_results=5000))
        order = self.insertion_order()
        return sorted(runs, key=lambda r: (r.info.start_time, order.get(r.info.run_id, 0)))

    def insertion_order(self) -> dict[str, int]:
        """run id -> rowid in the SQLite ``runs`` table (read directly, no mlflow_c call)."""
        if not self.db_path.exists():
            return {}
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            return dict(con.execute("SELECT run_uuid, rowid FROM runs").fetchall())
        finally:
            con.close()

    def sort_runs(self, runs) -> list:
        order = self.insertion_order()
        return sorted(runs, key=lambda r: (r.info.start_time, order.get(r.info.run_id, 0)))

    def only_run(self):
        runs = self.runs()
        assert len(runs) == 1, [(r.info.run_id, r.data.params) for r in runs]
        return runs[0]

    def get_run(self, run_id: str):
        return self.client.get_run(run_id)

    def artifacts(self, run_id: str, path: str | None = None) -> list[str]:
        infos = self.client.list_artifacts(run_id, path) if path else \
            self.client.list_artifacts(run_id)
        return sorted(f.path for f in infos)

    def read_artifact_bytes(self, run_id: str, path: str) -> bytes:
        self._dl += 1
        dst = self.root.parent / f"download{self._dl}"
        dst.mkdir()
        local = self.client.download_artifacts(run_id, path, str(dst))
        return Path(local).read_bytes()

    def logged_models(self) -> list:
        return list(self.client.search_logged_models(experiment_ids=["0"]))

    # -- real MLflow on the same store
    def mlflow_client(self):
        """Real MLflow's client on this store, after flushing mlflow_c's pending writes."""
        import mlflow

        flush()
        return mlflow.MlflowClient(tracking_uri=self.uri)


def teardown_mlflow_c() -> list[str]:
    """Disable autolog, flush, end runs. Returns problems found (reported as a test failure)."""
    problems = []
    module = sys.modules.get("mlflow_c")
    if module is None:
        return problems
    sm_mod = sys.modules.get("mlflow_c.statsmodels")
    if sm_mod is not None and hasattr(sm_mod, "autolog"):
        try:
            sm_mod.autolog(disable=True)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"autolog(disable=True) raised {exc!r}")
        left = wrapped_classes()
        if left:
            problems.append(f"fit wrappers left after autolog(disable=True): {left[:5]}")
    with contextlib.suppress(Exception):
        module.flush_async_logging()
    with contextlib.suppress(Exception):
        for _ in range(100):
            if module.active_run() is None:
                break
            module.end_run()
    with contextlib.suppress(Exception):
        module.set_tracking_uri(None)
    return problems


def reset_mlflow_state() -> None:
    """Forget real MLflow's fluent state (tracking URI, run stacks) as a fresh process has it."""
    import mlflow
    import mlflow.tracking._model_registry.utils as reg_utils
    import mlflow.tracking._tracking_service.utils as trk_utils
    import mlflow.tracking.fluent as fluent

    with contextlib.suppress(Exception):
        while mlflow.active_run() is not None:
            mlflow.end_run()
    fluent._active_run_stack.set([])
    fluent._last_active_run_id.set(None)
    fluent._last_logged_model_id.set(None)
    fluent._active_experiment_id = None
    trk_utils._tracking_uri = None
    reg_utils._registry_uri = None


# --------------------------------------------------------------------------- the class tree


def model_tree() -> list[type]:
    """Every class under statsmodels.base.model.Model (depth-first, no duplicates)."""
    import statsmodels.api  # noqa: F401
    from statsmodels.base.model import Model

    seen: dict[type, None] = {}

    def walk(cls):
        if cls in seen:
            return
        seen[cls] = None
        for sub in type.__subclasses__(cls):
            walk(sub)

    walk(Model)
    return list(seen)


def fit_owners() -> list[type]:
    """Classes whose own ``__dict__`` has a ``fit`` that a Model class uses: every class of the
    tree that defines ``fit`` and every class (mixins outside the tree included) found in a tree
    class's MRO defining ``fit``."""
    out: dict[type, None] = {}
    for cls in model_tree():
        for base in cls.__mro__:
            if base is object:
                continue
            if "fit" in base.__dict__:
                out[base] = None
    return list(out)


def required_owners() -> list[type]:
    """The owners autolog must wrap: tree classes defining ``fit`` and, for each tree class, the
    class its ``fit`` resolves to (e.g. the PenalizedMixin of GLMGam)."""
    out: dict[type, None] = {}
    for cls in model_tree():
        if "fit" in cls.__dict__:
            out[cls] = None
        for base in cls.__mro__:
            if "fit" in base.__dict__:
                out[base] = None
                break
    return list(out)


def is_wrapper(obj: Any) -> bool:
    return type(obj).__name__ == "FitWrapper"


def wrapped_classes() -> list[str]:
    return [f"{c.__module__}.{c.__qualname__}" for c in fit_owners()
            if is_wrapper(c.__dict__.get("fit"))]


# --------------------------------------------------------------------------- oracles


def expected_params(func, args: tuple = (), kwargs: dict | None = None) -> dict[str, str]:
    """What autolog logs for ``func(self, *args, **kwargs)``: positional arguments bound in
    order, explicit keywords, remaining parameters with their defaults; every value str()-ed; no
    entries for ``*args``/``**kwargs`` and none for parameters without a default (Q1 fixed)."""
    kwargs = kwargs or {}
    params = list(inspect.signature(func).parameters.values())[1:]  # drop self
    out: dict[str, str] = {}
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for p, value in zip(positional, args):
        out[p.name] = str(value)
    for key, value in kwargs.items():
        out[key] = str(value)
    for p in params:
        if p.name in out or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is inspect.Parameter.empty:
            continue
        out[p.name] = str(p.default)
    return out


def expected_metrics(results) -> dict[str, float]:
    """The allow-list read on ``results``: numbers only (bool and arrays excluded), float()-ed;
    names whose property raises are left out."""
    out = {}
    for name in METRIC_NAMES:
        try:
            value = getattr(results, name)
        except Exception:  # noqa: BLE001 - AttributeError: absent; others: failed
            continue
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def same_number(a: float, b: float, rel: float = 1e-12) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    return bool(np.isclose(a, b, rtol=rel, atol=0.0))


DBL_MAX = sys.float_info.max


def as_stored(value: float) -> float:
    """A metric value as the SQLite store returns it: +-inf become +-DBL_MAX (MLflow's SQL
    store does the same, contract §11.4)."""
    if math.isinf(value):
        return DBL_MAX if value > 0 else -DBL_MAX
    return value


def assert_same_metrics(got: dict, expected: dict, rel: float = 1e-12) -> None:
    """``got`` read from the SQLite store, ``expected`` computed from the results object."""
    expected = {k: as_stored(v) for k, v in expected.items()}
    assert sorted(got) == sorted(expected)
    bad = {k: (got[k], expected[k]) for k in expected if not same_number(got[k], expected[k], rel)}
    assert not bad, f"metric values differ (got, expected): {bad}"


def summary_text(results) -> str:
    return results.summary().as_text()


# --------------------------------------------------------------------------- log capture


@dataclasses.dataclass
class Record:
    level: int
    message: str
    thread: str


class _Sink(logging.Handler):
    def __init__(self, out: list):
        super().__init__(logging.DEBUG)
        self.out = out
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.out.append(Record(record.levelno, record.getMessage(), record.threadName))


class Logs:
    def __init__(self):
        self.records: list[Record] = []

    def warnings(self) -> list[str]:
        return [r.message for r in self.records if r.level >= logging.WARNING]

    def messages(self) -> list[str]:
        return [r.message for r in self.records]

    def clear(self) -> None:
        self.records.clear()


@contextlib.contextmanager
def captured(name: str = "mlflow_c"):
    """Every record of logger ``name`` (any level, any thread) while active."""
    logs = Logs()
    logger = logging.getLogger(name)
    handler = _Sink(logs.records)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield logs
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
