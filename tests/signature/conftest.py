"""Shared machinery for the signature / schema-enforcement suite (issue 3).

Every test here runs against an *implementation*: ``mlflow`` (MLflow 3.17, the oracle) or
``mlflow_c`` (the C drop-in). The public names are MLflow's, so a test reads the same for both:

    def test_x(impl):
        schema = impl.Schema([impl.ColSpec("double", "a")])
        impl.validate_schema(df, schema)

Choosing implementations: the environment variable ``MLFLOW_C_TEST_IMPL`` is ``both`` (default),
``mlflow`` or ``mlflow_c``. ``MLFLOW_C_TEST_IMPL=mlflow`` validates the expectations against MLflow
alone. While ``mlflow_c.types`` does not import, every ``[mlflow_c]`` test FAILS with an ImportError
raised from the test body (never a skip, never a collection error that would hide the mlflow half).

Deliberate differences from MLflow (contract §9 quirks marked FIX: Q7, Q11, Q12, Q13, Q14, Q15,
Q42, plus "columns labelled 0 or '' are real names") are written with ``expect(impl, mlflow=...,
mlflow_c=...)`` so both halves are explicit and the MLflow half is checked today.

Test modules import the helpers below with ``from sigconf import ...`` (this conftest registers
itself under that name; a plain ``import conftest`` would be ambiguous with tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import math
import os
import re
import sys
import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
from logsink import OnceHandler

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------- implementation switch

IMPL_ENV = "MLFLOW_C_TEST_IMPL"
_CHOICES = {"both": ["mlflow", "mlflow_c"], "mlflow": ["mlflow"], "mlflow_c": ["mlflow_c"]}


def selected_impls() -> list[str]:
    value = os.environ.get(IMPL_ENV, "both").strip().lower() or "both"
    if value not in _CHOICES:
        raise pytest.UsageError(f"{IMPL_ENV} must be one of {sorted(_CHOICES)}, got {value!r}")
    return _CHOICES[value]


IMPLS = selected_impls()

# attribute -> ((mlflow module, attr), (mlflow_c module, attr)); attr None means the module itself.
_WHERE: dict[str, tuple[tuple[str, str | None], tuple[str, str | None]]] = {
    "types": (("mlflow.types", None), ("mlflow_c.types", None)),
    "ModelSignature": (("mlflow.models", "ModelSignature"), ("mlflow_c.models", "ModelSignature")),
    "infer_signature": (("mlflow.models", "infer_signature"),
                        ("mlflow_c.models", "infer_signature")),
    "validate_schema": (("mlflow.models", "validate_schema"),
                        ("mlflow_c.models", "validate_schema")),
    "Model": (("mlflow.models", "Model"), ("mlflow_c.models", "Model")),
    "Schema": (("mlflow.types", "Schema"), ("mlflow_c.types", "Schema")),
    "ColSpec": (("mlflow.types", "ColSpec"), ("mlflow_c.types", "ColSpec")),
    "TensorSpec": (("mlflow.types", "TensorSpec"), ("mlflow_c.types", "TensorSpec")),
    "ParamSchema": (("mlflow.types", "ParamSchema"), ("mlflow_c.types", "ParamSchema")),
    "ParamSpec": (("mlflow.types", "ParamSpec"), ("mlflow_c.types", "ParamSpec")),
    "DataType": (("mlflow.types", "DataType"), ("mlflow_c.types", "DataType")),
    # MLflow 3.17 keeps the 3.x composite types in mlflow.types.schema only.
    "Array": (("mlflow.types.schema", "Array"), ("mlflow_c.types", "Array")),
    "Object": (("mlflow.types.schema", "Object"), ("mlflow_c.types", "Object")),
    "Property": (("mlflow.types.schema", "Property"), ("mlflow_c.types", "Property")),
    "Map": (("mlflow.types.schema", "Map"), ("mlflow_c.types", "Map")),
    "AnyType": (("mlflow.types.schema", "AnyType"), ("mlflow_c.types", "AnyType")),
    "MlflowException": (("mlflow.exceptions", "MlflowException"),
                        ("mlflow_c.exceptions", "MlflowException")),
    "save_model": (("mlflow.statsmodels", "save_model"), ("mlflow_c.statsmodels", "save_model")),
    "pyfunc_load": (("mlflow.pyfunc", "load_model"), ("mlflow_c.pyfunc", "load_model")),
    # the private enforcement entry points; the C engine exposes the same private names
    "models_utils": (("mlflow.models.utils", None), ("mlflow_c.models.utils", None)),
}


class ImplUnavailable(ImportError):
    """The implementation under test does not import (mlflow_c before issue 3 lands)."""


class Impl:
    """One implementation's public API, resolved lazily.

    Attribute access imports on first use. For ``mlflow_c`` it first imports ``mlflow_c.types``;
    while that module is missing, every access raises ImportError, so the test FAILS in its body.
    """

    def __init__(self, name: str):
        assert name in ("mlflow", "mlflow_c")
        self.name = name
        self.is_c = name == "mlflow_c"

    def __repr__(self) -> str:
        return f"Impl({self.name})"

    def require(self) -> None:
        """Raise ImportError now if the implementation's signature support is not importable."""
        if self.is_c:
            try:
                importlib.import_module("mlflow_c.types")
            except ImportError as exc:
                raise ImplUnavailable(
                    "mlflow_c signature support is not importable yet "
                    f"(import mlflow_c.types failed: {exc})") from exc

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr not in _WHERE:
            raise AttributeError(attr)
        self.require()
        modname, name = _WHERE[attr][1 if self.is_c else 0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLflow's own import-time UserWarnings
            module = importlib.import_module(modname)
        value = module if name is None else getattr(module, name)
        self.__dict__[attr] = value
        return value


class Unavailable:
    """What a fixture that needs an implementation returns while that implementation does not
    import: any use re-raises the ImportError inside the test body, so the test FAILS (a fixture
    that raised would make it an ERROR at setup)."""

    def __init__(self, exc: ImportError):
        self._exc = exc

    def _raise(self, *args, **kwargs):
        raise self._exc

    __getattr__ = __getitem__ = __iter__ = __call__ = __len__ = _raise


def built_with(impl: Impl, build: Callable[[], Any]) -> Any:
    """``build()`` for a fixture, or an :class:`Unavailable` if ``impl`` does not import."""
    try:
        impl.require()
    except ImportError as exc:
        return Unavailable(exc)
    return build()


_IMPL_OBJECTS = {name: Impl(name) for name in ("mlflow", "mlflow_c")}
ORACLE = _IMPL_OBJECTS["mlflow"]


@pytest.fixture(scope="session", params=IMPLS)
def impl(request) -> Impl:
    return _IMPL_OBJECTS[request.param]


@pytest.fixture(scope="session")
def oracle() -> Impl:
    """Real MLflow, whatever implementation is under test."""
    return ORACLE


def expect(impl: Impl, *, mlflow: Any, mlflow_c: Any) -> Any:
    """A deliberate difference (a FIX quirk): MLflow's value and mlflow_c's, both explicit."""
    return mlflow_c if impl.is_c else mlflow


# ----------------------------------------------------------------------- enforcement entry points


def enforce(impl: Impl, data: Any, schema: Any) -> Any:
    """The enforcement ``PyFuncModel.predict`` applies (``<pkg>.models.utils._enforce_schema``)."""
    return impl.models_utils._enforce_schema(data, schema)


def enforce_params(impl: Impl, params: Any, schema: Any) -> Any:
    """Params enforcement at predict (``<pkg>.models.utils._enforce_params_schema``)."""
    return impl.models_utils._enforce_params_schema(params, schema)


def wrapped(data: Any, schema_repr: str, inner: str) -> str:
    """MLflow 3.x's predict-time wrapping of an enforcement failure (contract §5.3)."""
    return f"Failed to enforce schema of data '{data}' with schema '{schema_repr}'. Error: {inner}"


# ----------------------------------------------------------------------- capturing warnings/logs


@dataclasses.dataclass
class Captured:
    logs: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)
    warnings: list[tuple[type, str]] = dataclasses.field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        """Every user-visible message: logged WARNING+ records and ``warnings.warn`` texts."""
        return ([m for _, lvl, m in self.logs if lvl >= logging.WARNING]
                + [m for _, m in self.warnings])

    def log_messages(self, level: int = logging.WARNING) -> list[str]:
        return [m for _, lvl, m in self.logs if lvl >= level]

    def warning_messages(self, category: type = Warning) -> list[str]:
        return [m for c, m in self.warnings if issubclass(c, category)]

    def significant_warnings(self) -> list[str]:
        """Warnings the suite's pytest config would turn into errors (not Deprecation/Future)."""
        return [m for c, m in self.warnings
                if not issubclass(c, (DeprecationWarning, FutureWarning))]


@contextlib.contextmanager
def capture():
    """Collect log records (root, ``mlflow`` and ``mlflow_c`` loggers; MLflow's logger does not
    propagate) and ``warnings.warn`` calls, without printing or raising them."""
    out = Captured()
    handler = OnceHandler(out.logs, lambda r: (r.name, r.levelno, r.getMessage()))
    loggers = [logging.getLogger(), logging.getLogger("mlflow"), logging.getLogger("mlflow_c")]
    saved = [(lg, lg.level, list(lg.handlers)) for lg in loggers]
    for lg in loggers[1:]:  # silence MLflow's own stderr handler while capturing
        for h in list(lg.handlers):
            lg.removeHandler(h)
    for lg in loggers:
        lg.addHandler(handler)
        if lg.level == logging.NOTSET or lg.level > logging.WARNING:
            lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield out
        out.warnings.extend((w.category, str(w.message)) for w in caught)
    finally:
        for lg, level, handlers in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)
            for h in handlers:
                if h not in lg.handlers:
                    lg.addHandler(h)


# --------------------------------------------------------------------------- outcomes


@dataclasses.dataclass
class Outcome:
    ok: bool
    value: Any = None
    exc: BaseException | None = None

    @property
    def message(self) -> str | None:
        return None if self.exc is None else str(self.exc)

    @property
    def exc_type(self) -> str | None:
        return None if self.exc is None else type(self.exc).__name__

    def __repr__(self) -> str:
        if self.ok:
            return f"Outcome(ok, {summarize(self.value)!r})"
        return f"Outcome({self.exc_type}: {self.message!r})"


def run(fn: Callable, *args, **kwargs) -> Outcome:
    try:
        return Outcome(True, fn(*args, **kwargs))
    except ImplUnavailable:
        raise  # never an outcome to compare: the test fails with it
    except Exception as exc:  # noqa: BLE001 - outcomes are compared, not swallowed
        return Outcome(False, exc=exc)


def _cell(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return "<nan>"
    if v is None:
        return "<None>"
    if v is pd.NA:
        return "<NA>"
    if v is pd.NaT:
        return "<NaT>"
    if isinstance(v, np.ndarray):
        return ("ndarray", str(v.dtype), v.shape, [_cell(x) for x in v.ravel().tolist()])
    if isinstance(v, list):
        return [_cell(x) for x in v]
    if isinstance(v, dict):
        return {k: _cell(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return (type(v).__name__, _cell(v.item()))
    if isinstance(v, pd.Timestamp):
        return ("Timestamp", v.isoformat())
    return (type(v).__name__, v)


def summarize(value: Any) -> Any:
    """A comparable, NaN-safe description of an enforcement result (type, dtypes, index, values)."""
    if isinstance(value, pd.DataFrame):
        return ("DataFrame",
                [(c if not isinstance(c, np.generic) else c.item()) for c in value.columns],
                [str(d) for d in value.dtypes],
                [_cell(i) for i in value.index.tolist()],
                {str(c): [_cell(x) for x in value.iloc[:, j].tolist()]
                 for j, c in enumerate(value.columns)})
    if isinstance(value, pd.Series):
        return ("Series", value.name, str(value.dtype), [_cell(x) for x in value.tolist()])
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape,
                [_cell(x) for x in value.ravel(order="C").tolist()])
    if isinstance(value, dict):
        return ("dict", {k: summarize(v) for k, v in value.items()})
    return ("other", type(value).__name__, repr(value))


def frame(df: pd.DataFrame) -> tuple:
    """(columns, dtypes, values by column) of a DataFrame, NaN-safe."""
    s = summarize(df)
    assert s[0] == "DataFrame", s
    return s[1], s[2], s[4]


# --------------------------------------------------------------------------- messages

_EXTRA_RE = re.compile(r"^(Model is missing inputs (\[.*?\])\.)"
                       r"( Note that there were extra inputs: (\[.*\])\.)?$", re.S)


def parse_missing_message(message: str) -> tuple[list, list | None] | None:
    """Split ``Model is missing inputs [...]. Note that there were extra inputs: [...].``"""
    import ast

    m = _EXTRA_RE.match(message)
    if not m:
        return None
    missing = ast.literal_eval(m.group(2))
    extras = ast.literal_eval(m.group(4)) if m.group(4) else None
    return missing, extras


def missing_message(missing: list, extras: list | None = None) -> str:
    msg = f"Model is missing inputs {missing}."
    if extras:
        msg += f" Note that there were extra inputs: {extras}."
    return msg


EXTRA_WARNING = ("Found extra inputs in the model input that are not defined in the model "
                 "signature: `{}`. These inputs will be ignored.")

INT_HINT = (
    "Hint: Inferred schema contains integer column(s). Integer columns in Python cannot represent "
    "missing values. If your input data contains missing values at inference time, it will be "
    "encoded as floats and will cause a schema enforcement error. The best way to avoid this "
    "problem is to infer the model schema based on a realistic data sample (training dataset) "
    "that includes missing values. Alternatively, you can declare integer columns as doubles "
    "(float64) whenever these columns may have missing values. See `Handling Integers With "
    "Missing Values <https://www.mlflow.org/docs/latest/models.html#"
    "handling-integers-with-missing-values>`_ for more details.")

MISSING_VALUES_HINT = (
    " Hint: the type mismatch is likely caused by missing values. Integer columns in python can "
    "not represent missing values and are therefore encoded as floats. The best way to avoid this "
    "problem is to infer the model schema based on a realistic data sample (training dataset) "
    "that includes missing values. Alternatively, you can declare integer columns as doubles "
    "(float64) whenever these columns may have missing values. See `Handling Integers With "
    "Missing Values <https://www.mlflow.org/docs/latest/models.html#"
    "handling-integers-with-missing-values>`_ for more details.")


# --------------------------------------------------------------------------- statsmodels fixtures

FAST_REQS = ["statsmodels"]  # skips MLflow's seconds-long requirement inference on save


def _ols_data():
    rng = np.random.default_rng(20240601)
    n = 40
    X = pd.DataFrame({"const": np.ones(n), "x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    y = X["const"] * 1.5 + X["x1"] * 2.0 - X["x2"] * 0.5 + rng.normal(scale=0.1, size=n)
    return X, y


@pytest.fixture(scope="session")
def ols_df():
    """(results, X) for an OLS fitted on a DataFrame with columns const, x1, x2."""
    import statsmodels.api as sm

    X, y = _ols_data()
    return sm.OLS(y, X).fit(), X


@pytest.fixture(scope="session")
def ols_nd():
    """(results, X) for an OLS fitted on a float64 ndarray of shape (n, 3)."""
    import statsmodels.api as sm

    X, y = _ols_data()
    Xn = X.to_numpy()
    return sm.OLS(y.to_numpy(), Xn).fit(), Xn


# --------------------------------------------------------------------------- module registration


def pytest_plugin_registered(plugin):
    """Make ``from sigconf import ...`` work: pytest imports every non-package conftest under
    the module name ``conftest``, so that name is ambiguous between directories. This hook runs
    right after pytest registered this conftest (the import is complete by then)."""
    if plugin is sys.modules.get(__name__):
        sys.modules["sigconf"] = plugin


# --------------------------------------------------------------------------- expected outcomes


@dataclasses.dataclass(frozen=True)
class Raises:
    """An expected exception: ``exc`` is a builtin class or ``"MlflowException"`` (the impl's
    class; subclasses pass), ``message`` the exact ``str(e)`` (or None), ``code`` the
    MlflowException error code (or None)."""
    exc: Any = "MlflowException"
    message: str | None = None
    code: str | None = None


def check_raises(impl: Impl, outcome: Outcome, expected: Raises) -> None:
    assert not outcome.ok, f"expected {expected}, got {outcome}"
    exc = outcome.exc
    if expected.exc == "MlflowException":
        assert isinstance(exc, impl.MlflowException), f"{type(exc).__mro__}: {exc}"
    else:
        assert isinstance(exc, expected.exc), f"{type(exc).__mro__}: {exc}"
    if expected.message is not None:
        assert str(exc) == expected.message
    if expected.code is not None:
        assert exc.error_code == expected.code


def raises(impl: Impl, expected: Raises, fn: Callable, *args, **kwargs) -> BaseException:
    outcome = run(fn, *args, **kwargs)
    check_raises(impl, outcome, expected)
    return outcome.exc
