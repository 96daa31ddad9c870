"""Shared machinery for the tracking suite (issue 4): writer/reader pairs over two stores.

Every roundtrip test has a *writer* (the implementation that logs through its fluent API or its
``MlflowClient``) and a *reader* (the implementation whose ``MlflowClient`` / loaders read the
store back), and runs on a SQLite store (``sqlite:///<tmp>/mlflow.db``) and on a file store
(``file:///<tmp>/mlruns``). Tests use the ``rt`` fixture:

    def test_x(rt):
        w = rt.w.api                      # ``mlflow`` or ``mlflow_c``, bound to the test's store
        with w.start_run() as run:
            w.log_param("a", 1)
        got = rt.same_run(run.info.run_id)  # writer's view == reader's view, field by field
        assert got.data.params == {"a": "1"}

Choosing implementations: ``MLFLOW_C_TEST_IMPL`` is ``both`` (default), ``mlflow`` or
``mlflow_c``. The pairs (writer > reader) are

- ``mlflow``:   m2m (MLflow writes and reads: validates the expectations against MLflow alone);
- ``mlflow_c``: c2m (mlflow_c writes, MLflow reads), m2c (MLflow writes, mlflow_c reads), c2c;
- ``both``:     the three real pairs above plus m2m.

While ``mlflow_c`` has no tracking API, every test that touches it FAILS with an ImportError or
AttributeError raised from the test body: nothing touches ``mlflow_c`` before the test body runs,
so there are no setup errors and no skips. Tests marked ``mlflow_c_only`` are deselected in
``mlflow`` mode (they check mlflow_c's own rules, see test_mlflow_c_only.py).

Store-dependent MLflow behaviour (messages, inf on SQLite, ...) is written with
``rt.by_store(sqlite=..., file=...)`` so both variants are explicit. ``rt.oracle`` is MLflow
on the same store whatever the pair (for results compared with MLflow's own, e.g. DataFrames).

State: each test runs in its own tmp dir (cwd), with MLFLOW_* variables cleared, and MLflow's
fluent state (tracking/registry URI, active experiment, run stacks) reset before and after.
mlflow_c has no reset hook: when a test first uses it, the suite calls ``set_tracking_uri`` and
``set_experiment(experiment_id="0")``, which is the state of a fresh process for that store.

Performance: MLflow needs seconds to create a SQLite database (it runs every migration), so one
MLflow-created template database is made per session and copied for each test in which MLflow
writes to SQLite. mlflow_c creates its own databases (that is part of what is tested).

Test modules import helpers with ``from trackconf import ...`` (see pytest_plugin_registered).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import getpass
import importlib
import logging
import math
import os
import shutil
import sqlite3
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from logsink import OnceHandler

HERE = os.path.dirname(os.path.abspath(__file__))

# MLflow 3.17 refuses the file store without this; telemetry must never phone home from tests.
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # MLflow's own import-time UserWarnings
    import mlflow  # noqa: F401
    import mlflow.entities  # noqa: F401
    import mlflow.exceptions  # noqa: F401
    import mlflow.pyfunc  # noqa: F401
    import mlflow.statsmodels  # noqa: F401
    import mlflow.tracking.fluent  # noqa: F401
    from mlflow.utils.validation import PARAM_VALIDATION_MSG as _PARAM_HELP

# --------------------------------------------------------------------------- implementation switch

IMPL_ENV = "MLFLOW_C_TEST_IMPL"
_M, _C = "mlflow", "mlflow_c"
_PAIRS = {
    "mlflow": [(_M, _M)],
    "mlflow_c": [(_C, _M), (_M, _C), (_C, _C)],
    "both": [(_M, _M), (_C, _M), (_M, _C), (_C, _C)],
}
_SHORT = {_M: "m", _C: "c"}
STORES = ["sqlite", "file"]


def selected_mode() -> str:
    value = os.environ.get(IMPL_ENV, "both").strip().lower() or "both"
    if value not in _PAIRS:
        raise pytest.UsageError(f"{IMPL_ENV} must be one of {sorted(_PAIRS)}, got {value!r}")
    return value


MODE = selected_mode()
PAIRS = _PAIRS[MODE]
PAIR_IDS = [f"{_SHORT[w]}2{_SHORT[r]}" for w, r in PAIRS]

# MLflow's help text appended to every INVALID_PARAMETER_VALUE error of a single log_param
# (the oracle's own constant: the expectation is whatever MLflow appends). mlflow_c fixes
# contract quirk Q28 (the text is about repeated params but is appended to any error, bad names
# included) and keeps the store's message as it is: use ``side.param_help``.
PARAM_HELP = _PARAM_HELP

FAST_REQS = ["statsmodels"]  # MLflow side: skips its seconds-long requirement inference


class ImplUnavailable(ImportError):
    """mlflow_c's tracking API does not import (yet): raised inside the test body."""


_MODULES = {
    # attribute -> (mlflow module, mlflow_c module, attribute in it or None for the module)
    "api": ("mlflow", "mlflow_c", None),
    "MlflowClient": ("mlflow", "mlflow_c", "MlflowClient"),
    "tracking": ("mlflow.tracking", "mlflow_c.tracking", None),
    "model_registry": ("mlflow.entities.model_registry", "mlflow_c.entities.model_registry",
                       None),
    "MlflowException": ("mlflow.exceptions", "mlflow_c.exceptions", "MlflowException"),
    "entities": ("mlflow.entities", "mlflow_c.entities", None),
    "ViewType": ("mlflow.entities", "mlflow_c.entities", "ViewType"),
    "Metric": ("mlflow.entities", "mlflow_c.entities", "Metric"),
    "Param": ("mlflow.entities", "mlflow_c.entities", "Param"),
    "RunTag": ("mlflow.entities", "mlflow_c.entities", "RunTag"),
    "statsmodels": ("mlflow.statsmodels", "mlflow_c.statsmodels", None),
    "pyfunc": ("mlflow.pyfunc", "mlflow_c.pyfunc", None),
}


def _import(impl: str, attr: str) -> Any:
    m_mod, c_mod, name = _MODULES[attr]
    modname = c_mod if impl == _C else m_mod
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = importlib.import_module(modname)
        value = module if name is None else getattr(module, name)
    except (ImportError, AttributeError) as exc:
        if impl != _C:
            raise
        raise ImplUnavailable(f"mlflow_c tracking is not available: {modname}"
                              f"{'.' + name if name else ''}: {exc}") from exc
    if impl == _C and attr == "api" and not hasattr(value, "set_tracking_uri"):
        raise ImplUnavailable("mlflow_c tracking is not available: "
                              "mlflow_c.set_tracking_uri does not exist")
    return value


def require_mlflow_c() -> None:
    """Raise ImplUnavailable (in the test body) unless mlflow_c's tracking API imports."""
    _import(_C, "api")


# --------------------------------------------------------------------------- MLflow's state


def reset_mlflow_state() -> None:
    """End MLflow's active runs and forget its fluent state (what a fresh process has)."""
    fluent = mlflow.tracking.fluent
    with contextlib.suppress(Exception):
        while mlflow.active_run() is not None:
            mlflow.end_run()
    fluent._active_run_stack.set([])
    fluent._last_active_run_id.set(None)
    fluent._last_logged_model_id.set(None)
    fluent._active_experiment_id = None
    import mlflow.tracking._model_registry.utils as reg_utils
    import mlflow.tracking._tracking_service.utils as trk_utils

    trk_utils._tracking_uri = None
    reg_utils._registry_uri = None


_CLEARED_ENV = ["MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID",
                "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID", "MLFLOW_TRACKING_USERNAME",
                "MLFLOW_TRACKING_PASSWORD", "MLFLOW_ARTIFACT_URI", "MLFLOW_TRUNCATE_LONG_VALUES",
                "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "_MLFLOW_SERVER_ARTIFACT_ROOT"]


def clean_env(monkeypatch) -> None:
    for name in _CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")


# --------------------------------------------------------------------------- sides and stores


class Side:
    """One implementation in one role (writer or reader) of one test.

    ``api`` is the top-level module (``mlflow``/``mlflow_c``) with its tracking URI set to the
    test's store; ``client`` an ``MlflowClient(tracking_uri=<store>)``. Other attributes
    (``MlflowException``, ``entities``, ``statsmodels``, ``pyfunc``, ``Metric`` ...) are the
    implementation's objects of that name. Nothing is imported before first use.
    """

    def __init__(self, impl: str, role: str, rt: "Roundtrip"):
        self.impl, self.role, self._rt = impl, role, rt
        self.is_c = impl == _C
        self._client = None

    def __repr__(self) -> str:
        return f"Side({self.impl}, {self.role})"

    @property
    def api(self):
        module = _import(self.impl, "api")
        self._rt._activate(self.impl, module)
        return module

    @property
    def client(self):
        if self._client is None:
            self._client = _import(self.impl, "MlflowClient")(tracking_uri=self._rt.uri)
            self._rt._used.add(self.impl)
        return self._client

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_") or attr not in _MODULES:
            raise AttributeError(attr)
        return _import(self.impl, attr)

    @property
    def param_help(self) -> str:
        """What this implementation appends to a single log_param's INVALID_PARAMETER_VALUE
        errors: MLflow's help text, nothing for mlflow_c (deliberate difference, quirk Q28)."""
        return "" if self.is_c else PARAM_HELP

    def log_model(self, results, *args, **kwargs):
        """``<impl>.statsmodels.log_model`` (MLflow side without requirement inference)."""
        if not self.is_c:
            kwargs.setdefault("pip_requirements", FAST_REQS)
        self.api  # noqa: B018 - bind the fluent tracking URI first
        return self.statsmodels.log_model(results, *args, **kwargs)


class Roundtrip:
    """A test's store, its writer ``w`` and reader ``r``, and comparison helpers."""

    def __init__(self, writer: str, reader: str, store: str, root: Path):
        self.store, self.root = store, root
        self.writer_impl, self.reader_impl = writer, reader
        self.db_path = root / "mlflow.db"
        self.mlruns = root / "mlruns"
        self.uri = ("sqlite:///" + str(self.db_path)) if store == "sqlite" else self.mlruns.as_uri()
        self._activated: set[str] = set()
        self._used: set[str] = set()
        self.w = Side(writer, "writer", self)
        self.r = Side(reader, "reader", self)
        self.oracle = Side(_M, "oracle", self)  # MLflow on the same store, whatever the pair

    def __repr__(self) -> str:
        return f"Roundtrip({self.writer_impl} > {self.reader_impl}, {self.store})"

    @property
    def sqlite(self) -> bool:
        return self.store == "sqlite"

    def by_store(self, *, sqlite: Any, file: Any) -> Any:
        """A store-dependent expectation (MLflow's SQLite and file stores differ)."""
        return sqlite if self.sqlite else file

    # -- activation
    def _activate(self, impl: str, module) -> None:
        self._used.add(impl)
        if impl in self._activated:
            return
        self._activated.add(impl)
        module.set_tracking_uri(self.uri)
        if impl == _C:
            module.set_experiment(experiment_id="0")

    # -- expected locations
    def artifact_root(self) -> str:
        """Where a new experiment's artifacts go: ``<cwd>/mlruns`` (a plain path) for SQLite,
        ``file://<root>`` for the file store."""
        return str(self.mlruns) if self.sqlite else self.mlruns.as_uri()

    def experiment_location(self, experiment_id: str) -> str:
        return f"{self.artifact_root()}/{experiment_id}"

    def local_path(self, uri: str) -> Path:
        """The local path of a ``file://`` URI or a plain path."""
        if uri.startswith("file://"):
            from urllib.parse import unquote, urlparse

            return Path(unquote(urlparse(uri).path))
        assert "://" not in uri, uri
        return Path(uri)

    # -- writer view vs reader view
    def same_run(self, run_id: str):
        """The reader's ``Run`` after checking that writer and reader see it identically."""
        mine_run = self.w.client.get_run(run_id)
        theirs_run = self.r.client.get_run(run_id)
        for side, run in ((self.w, mine_run), (self.r, theirs_run)):
            ent = side.entities
            assert isinstance(run, ent.Run) and isinstance(run.info, ent.RunInfo)
            assert isinstance(run.data, ent.RunData)
        assert run_view(theirs_run) == run_view(mine_run)
        return theirs_run

    def same_experiment(self, experiment_id: str):
        mine = experiment_view(self.w.client.get_experiment(experiment_id))
        theirs = self.r.client.get_experiment(experiment_id)
        assert isinstance(theirs, self.r.entities.Experiment)
        assert experiment_view(theirs) == mine
        return theirs

    def same_history(self, run_id: str, key: str) -> list:
        mine = history_view(self.w.client.get_metric_history(run_id, key))
        got = self.r.client.get_metric_history(run_id, key)
        assert all(isinstance(m, self.r.entities.Metric) for m in got)
        theirs = history_view(got)
        assert theirs == mine
        return theirs

    def same_logged_model(self, model_id: str):
        mine = logged_model_view(self.w.client.get_logged_model(model_id))
        theirs = self.r.client.get_logged_model(model_id)
        assert isinstance(theirs, self.r.entities.LoggedModel)
        assert logged_model_view(theirs) == mine
        return theirs


def _make_template(directory: Path) -> Path:
    """A SQLite store database created by MLflow (every migration run once)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    path = directory / "template.db"
    store = SqlAlchemyStore("sqlite:///" + str(path), str(directory / "mlruns"))
    store.engine.dispose()
    return path


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _make_template(tmp_path_factory.mktemp("mlflow_template"))


def copy_template(template: Path, rt: Roundtrip) -> None:
    """The template as this test's database, its Default experiment located under this cwd
    (exactly what MLflow would have created here)."""
    shutil.copyfile(template, rt.db_path)
    con = sqlite3.connect(rt.db_path)
    try:
        con.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                    (rt.experiment_location("0"),))
        con.commit()
    finally:
        con.close()


def _end_c_runs() -> None:
    """Best effort: end mlflow_c's active runs left by a failed test, unset its URI."""
    module = sys.modules.get("mlflow_c")
    if module is None or not hasattr(module, "end_run"):
        return
    with contextlib.suppress(Exception):
        for _ in range(100):
            if module.active_run() is None:
                break
            module.end_run()
    with contextlib.suppress(Exception):
        module.set_tracking_uri(None)


@pytest.fixture(params=PAIRS, ids=PAIR_IDS)
def pair(request) -> tuple[str, str]:
    return request.param


@pytest.fixture(params=STORES)
def store(request) -> str:
    return request.param


@pytest.fixture
def rt(pair, store, tmp_path, monkeypatch, request) -> Roundtrip:
    writer, reader = pair
    root = tmp_path / "work"
    root.mkdir()
    monkeypatch.chdir(root)
    clean_env(monkeypatch)
    reset_mlflow_state()
    trip = Roundtrip(writer, reader, store, root)
    if store == "sqlite" and writer == _M:
        copy_template(request.getfixturevalue("template_db"), trip)
    yield trip
    reset_mlflow_state()
    if _C in trip._used:
        _end_c_runs()


@pytest.fixture(scope="session")
def ols():
    """(results, new exog, expected predictions) of a small OLS with a fixed seed. Never mutate."""
    import statsmodels.api as sm

    rng = np.random.default_rng(20240611)
    X = rng.normal(size=(40, 2))
    y = 1.5 + X @ np.array([2.0, -0.5]) + rng.normal(scale=0.1, size=40)
    results = sm.OLS(y, sm.add_constant(X)).fit()
    new_X = sm.add_constant(rng.normal(size=(5, 2)), has_constant="add")
    return results, new_X, np.asarray(results.predict(new_X))


# --------------------------------------------------------------------------- entity views


def canon(value: Any) -> Any:
    """A comparable form: NaN -> "nan" (NaN != NaN), enum members -> their value."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, enum.Enum):
        return value.value
    return value


def metric_view(m) -> tuple:
    return (m.key, canon(m.value), m.timestamp, m.step, m.model_id, m.run_id,
            m.dataset_name, m.dataset_digest)


def history_view(metrics) -> list:
    return sorted((metric_view(m) for m in metrics), key=repr)


def run_view(run) -> dict:
    """Every field of a Run that both implementations must agree on."""
    info, data = run.info, run.data
    outputs = run.outputs.model_outputs if run.outputs is not None else []
    inputs = run.inputs
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "user_id": info.user_id,
        "status": info.status,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "artifact_uri": info.artifact_uri,
        "lifecycle_stage": info.lifecycle_stage,
        "params": dict(data.params),
        "metrics": {k: canon(v) for k, v in data.metrics.items()},
        "tags": dict(data.tags),
        "model_outputs": sorted((o.model_id, o.step) for o in outputs),
        "dataset_inputs": len(inputs.dataset_inputs) if inputs is not None else 0,
        "model_inputs": sorted(i.model_id for i in (inputs.model_inputs or []))
        if inputs is not None else [],
    }


def info_view(info) -> dict:
    return {k: getattr(info, k) for k in (
        "run_id", "run_name", "experiment_id", "user_id", "status", "start_time", "end_time",
        "artifact_uri", "lifecycle_stage")}


def experiment_view(exp) -> dict:
    return {
        "experiment_id": exp.experiment_id,
        "name": exp.name,
        "artifact_location": exp.artifact_location,
        "lifecycle_stage": exp.lifecycle_stage,
        "creation_time": exp.creation_time,
        "last_update_time": exp.last_update_time,
        "tags": dict(exp.tags),
    }


def logged_model_view(m) -> dict:
    return {
        "model_id": m.model_id,
        "name": m.name,
        "experiment_id": m.experiment_id,
        "source_run_id": m.source_run_id,
        "artifact_location": m.artifact_location,
        "creation_timestamp": m.creation_timestamp,
        "last_updated_timestamp": m.last_updated_timestamp,
        "status": canon(m.status),
        "status_message": m.status_message,
        "model_type": m.model_type,
        "model_uri": m.model_uri,
        "tags": dict(m.tags),
        "params": dict(m.params),
        "metrics": history_view(m.metrics or []),
    }


def model_version_view(v) -> dict:
    return {
        "name": v.name,
        "version": str(v.version),
        "creation_timestamp": v.creation_timestamp,
        "last_updated_timestamp": v.last_updated_timestamp,
        "description": v.description,
        "user_id": v.user_id,
        "current_stage": v.current_stage,
        "source": v.source,
        "run_id": v.run_id,
        "status": v.status,
        "status_message": v.status_message,
        "run_link": v.run_link,
        "tags": dict(v.tags),
        "aliases": sorted(v.aliases),
        "model_id": v.model_id,
        "params": dict(v.params) if v.params is not None else None,
        "metrics": history_view(v.metrics) if v.metrics is not None else None,
    }


def registered_model_view(m) -> dict:
    return {
        "name": m.name,
        "creation_timestamp": m.creation_timestamp,
        "last_updated_timestamp": m.last_updated_timestamp,
        "description": m.description,
        "tags": dict(m.tags),
        "aliases": dict(m.aliases),
        "latest_versions": sorted((model_version_view(v) for v in m.latest_versions or []),
                                  key=lambda d: int(d["version"])),
    }


def file_info_view(infos) -> list:
    return sorted((f.path, f.is_dir, f.file_size) for f in infos)


# --------------------------------------------------------------------------- context tags


def context_tags() -> dict:
    """The tags both implementations add to every new run (MLflow's default context)."""
    return {
        "mlflow.user": getpass.getuser(),
        "mlflow.source.name": sys.argv[0] if sys.argv and sys.argv[0] else "<console>",
        "mlflow.source.type": "LOCAL",
    }


def user_tags(tags: dict) -> dict:
    """Tags without the git context tags MLflow adds when GitPython finds a repository
    (``mlflow.source.git.*``): they depend on where the test runner lives, not on the store."""
    return {k: v for k, v in tags.items() if not k.startswith("mlflow.source.git.")}


# --------------------------------------------------------------------------- outcomes and logs


@dataclasses.dataclass
class Raised:
    exc: BaseException

    @property
    def message(self) -> str:
        return str(self.exc)

    @property
    def code(self) -> str | None:
        return getattr(self.exc, "error_code", None)


def raises_mlflow(side: Side, fn: Callable, *args, message: str | None = None,
                  code: str | None = None, startswith: str | None = None, **kwargs) -> Raised:
    """Call ``fn``; it must raise the side's MlflowException (exact message / code if given)."""
    cls = side.MlflowException
    try:
        fn(*args, **kwargs)
    except ImplUnavailable:
        raise
    except cls as exc:  # noqa: PERF203
        got = Raised(exc)
    else:
        raise AssertionError(f"{fn!r} did not raise {cls}")
    if message is not None:
        assert got.message == message
    if startswith is not None:
        assert got.message.startswith(startswith), got.message
    if code is not None:
        assert got.code == code, (got.code, got.message)
    return got


@dataclasses.dataclass
class Logs:
    records: list = dataclasses.field(default_factory=list)

    def at(self, level: int) -> list[str]:
        return [m for lvl, m in self.records if lvl == level]


@contextlib.contextmanager
def captured_logs(level: int = logging.INFO):
    """Collect log records of the root, ``mlflow`` and ``mlflow_c`` loggers (MLflow's logger
    does not propagate) without printing them."""
    out = Logs()
    handler = OnceHandler(out.records, lambda r: (r.levelno, r.getMessage()))
    names = ["", "mlflow", "mlflow_c"]
    loggers = [logging.getLogger(n) for n in names]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate) for lg in loggers]
    for lg in loggers[1:]:
        for h in list(lg.handlers):
            lg.removeHandler(h)
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(level)
    try:
        yield out
    finally:
        for lg, lvl, handlers, prop in saved:
            lg.removeHandler(handler)
            lg.setLevel(lvl)
            lg.propagate = prop
            for h in handlers:
                if h not in lg.handlers:
                    lg.addHandler(h)


# --------------------------------------------------------------------------- collection


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "mlflow_c_only: checks mlflow_c's own rules; deselected when "
        f"{IMPL_ENV}=mlflow")


def pytest_collection_modifyitems(config, items):
    if MODE != "mlflow":
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("mlflow_c_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_plugin_registered(plugin):
    """Make ``from trackconf import ...`` work: pytest imports every non-package conftest as the
    module ``conftest``, so that name is ambiguous between directories. This hook runs right
    after pytest registered this conftest."""
    this = os.path.abspath(__file__)
    if os.path.abspath(getattr(plugin, "__file__", "") or "") != this:
        return  # another plugin (possibly another directory's conftest, also named conftest)
    sys.modules["trackconf"] = plugin
