"""Differential enforcement: generated schemas and inputs, mlflow_c against MLflow 3.17.

For every generated (schema, input) pair both ``validate_schema`` and the predict-time
enforcement (``_enforce_schema``) run on the implementation under test and on MLflow. Accept /
reject, exception class, exact message, logged warnings, result type, column order, dtypes, index
and values must agree. The only allowed differences are the FIX quirks, recognised by
``known_difference(schema, data)``; for those the expected mlflow_c outcome is derived from MLflow
run on a patched input (see ``expected_for_mlflow_c``).

With ``impl == mlflow`` the test checks what can be checked today: MLflow is deterministic on the
generated inputs, does not modify them, every raw (non-MlflowException) error and every
``category`` rejection MLflow produces is predicted by ``known_difference``, and the derivation
of mlflow_c's expectations runs on every example.

Deterministic (``derandomize=True``) and bounded (200 examples per test).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sigconf import (
    EXTRA_WARNING,
    ORACLE,
    capture,
    enforce,
    missing_message,
    parse_missing_message,
    run,
    summarize,
)

SETTINGS = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)

DATATYPES = ["boolean", "integer", "long", "float", "double", "string", "binary", "datetime"]
TARGET = {"boolean": np.dtype("bool"), "integer": np.dtype("int32"), "long": np.dtype("int64"),
          "float": np.dtype("float32"), "double": np.dtype("float64"), "string": np.dtype("str"),
          "binary": np.dtype("bytes"), "datetime": np.dtype("datetime64[ns]")}

# ------------------------------------------------------------------------------ generated specs


@dataclasses.dataclass(frozen=True)
class ColSchema:
    specs: tuple  # ((name or None, datatype name, required), ...)

    def build(self, ns):
        return ns.Schema([ns.ColSpec(t, n, required=r) for n, t, r in self.specs])

    @property
    def named(self) -> bool:
        return self.specs[0][0] is not None


@dataclasses.dataclass(frozen=True)
class TenSchema:
    specs: tuple  # ((name or None, dtype str, shape tuple), ...)

    def build(self, ns):
        return ns.Schema([ns.TensorSpec(np.dtype(d), s, n) for n, d, s in self.specs])


COLUMN_KINDS = [
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "bool",
    "object_str", "str", "object_mixed", "object_float", "object_bool", "object_bytes",
    "datetime64[ns]", "datetime64[us]", "datetime64[s]", "datetime64[D]", "object_date",
    "Int8", "Int32", "Int64", "boolean", "Float64", "string", "category",
]

# the kind that MLflow accepts for each DataType, to get accepted columns often
NATIVE = {"boolean": ["bool", "object_bool"], "integer": ["int32", "int16", "uint8"],
          "long": ["int64", "int32", "uint32", "Int64"], "float": ["float32", "float16"],
          "double": ["float64", "float32", "int32", "object_float"],
          "string": ["object_str", "str", "string", "category"],
          "binary": ["object_bytes"], "datetime": ["datetime64[ns]", "datetime64[s]",
                                                   "object_date"]}


@st.composite
def column_values(draw, kind: str, n: int):
    missing = draw(st.booleans()) and n > 0
    small = st.integers(0, 3)

    def with_missing(values, na):
        if missing:
            values = list(values)
            values[draw(st.integers(0, n - 1))] = na
        return values

    if kind in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
        vals = draw(st.lists(st.one_of(small, st.integers(0, 100)), min_size=n, max_size=n))
        return np.array(vals, dtype=kind)
    if kind in ("float16", "float32", "float64"):
        elems = st.one_of(small.map(float), st.floats(-10, 10, allow_nan=False, width=16))
        vals = with_missing(draw(st.lists(elems, min_size=n, max_size=n)), np.nan)
        return np.array(vals, dtype=kind)
    if kind == "bool":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    text = st.sampled_from(["a", "b", "x1", "1.5", "2020-01-01"])
    if kind == "object_str":
        return pd.Series(with_missing(draw(st.lists(text, min_size=n, max_size=n)), None),
                         dtype=object)
    if kind == "str":
        return pd.Series(with_missing(draw(st.lists(text, min_size=n, max_size=n)), None))
    if kind == "string":
        return pd.array(with_missing(draw(st.lists(text, min_size=n, max_size=n)), None),
                        dtype="string")
    if kind == "category":
        return pd.Categorical(draw(st.lists(text, min_size=n, max_size=n)))
    if kind == "object_mixed":
        elems = st.sampled_from(["a", 1, 2.5, True])
        return pd.Series(draw(st.lists(elems, min_size=n, max_size=n)), dtype=object)
    if kind == "object_float":
        vals = with_missing(draw(st.lists(small.map(float), min_size=n, max_size=n)), None)
        return pd.Series(vals, dtype=object)
    if kind == "object_bool":
        vals = with_missing(draw(st.lists(st.booleans(), min_size=n, max_size=n)), None)
        return pd.Series(vals, dtype=object)
    if kind == "object_bytes":
        vals = with_missing(draw(st.lists(st.sampled_from([b"a", b"bc"]), min_size=n,
                                          max_size=n)), None)
        return pd.Series(vals, dtype=object)
    if kind == "object_date":
        days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
        return pd.Series([datetime.date(2020, 1, 1) + datetime.timedelta(days=d) for d in days],
                         dtype=object)
    if kind.startswith("datetime64"):
        days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
        vals = (np.datetime64("2020-01-01", "D") + np.array(days, dtype="int64")).astype(kind)
        if missing:
            vals[draw(st.integers(0, n - 1))] = np.datetime64("NaT")
        return vals
    if kind in ("Int8", "Int32", "Int64"):
        vals = with_missing(draw(st.lists(small, min_size=n, max_size=n)), None)
        return pd.array(vals, dtype=kind)
    if kind == "boolean":
        vals = with_missing(draw(st.lists(st.booleans(), min_size=n, max_size=n)), None)
        return pd.array(vals, dtype="boolean")
    if kind == "Float64":
        vals = with_missing(draw(st.lists(small.map(float), min_size=n, max_size=n)), None)
        return pd.array(vals, dtype="Float64")
    raise AssertionError(kind)


NAME_POOL = ["a", "b", "c", "d", "e"]
EXTRA_POOL = ["x", "y", "z", "w"]


@st.composite
def column_schemas(draw):
    named = draw(st.integers(0, 9)) > 0
    k = draw(st.integers(1, 4))
    names = draw(st.permutations(NAME_POOL))[:k] if named else [None] * k
    specs = tuple((n, draw(st.sampled_from(DATATYPES)), draw(st.booleans()) if named else True)
                  for n in names)
    return ColSchema(specs)


@st.composite
def frame_for(draw, schema: ColSchema):
    n = draw(st.sampled_from([0, 1, 2, 3, 4]))
    columns: dict = {}
    if schema.named:
        for name, t, required in schema.specs:
            presence = draw(st.integers(0, 9))
            if presence == 0 or (not required and presence < 4):
                continue  # missing (required or optional)
            kind = draw(st.sampled_from(NATIVE[t])) if draw(st.booleans()) else \
                draw(st.sampled_from(COLUMN_KINDS))
            columns[name] = draw(column_values(kind, n))
        for extra in draw(st.lists(st.sampled_from(EXTRA_POOL), max_size=3, unique=True)):
            columns[extra] = draw(column_values(draw(st.sampled_from(COLUMN_KINDS)), n))
        order = draw(st.permutations(list(columns)))
        columns = {c: columns[c] for c in order}
    else:
        count = max(0, len(schema.specs) + draw(st.integers(-1, 2)))
        for i in range(count):
            t = schema.specs[i][1] if i < len(schema.specs) else "double"
            kind = draw(st.sampled_from(NATIVE[t])) if draw(st.booleans()) else \
                draw(st.sampled_from(COLUMN_KINDS))
            columns[f"u{i}"] = draw(column_values(kind, n))
    df = pd.DataFrame(columns) if columns else pd.DataFrame(index=range(n))
    if draw(st.integers(0, 4)) == 0:
        df.index = pd.Index([10 * i + 3 for i in range(len(df))])
    return df


@st.composite
def container_for(draw, schema: ColSchema):
    """Non-DataFrame containers for column schemas (dicts, lists, ndarrays, Series, scalars)."""
    names = [n if n is not None else i for i, (n, _, _) in enumerate(schema.specs)]
    scalar = st.one_of(st.integers(0, 3), st.floats(-5, 5, allow_nan=False, width=32),
                       st.sampled_from(["s", "t"]), st.booleans())
    form = draw(st.sampled_from(["dict_scalars", "dict_lists", "dict_arrays", "records",
                                 "ndarray", "series", "scalar", "list"]))
    keys = [k for k in names if draw(st.integers(0, 5)) > 0]
    keys += draw(st.lists(st.sampled_from(EXTRA_POOL), max_size=2, unique=True))
    keys = draw(st.permutations(keys))
    if form == "dict_scalars":
        return {k: draw(scalar) for k in keys}
    n = draw(st.integers(1, 3))
    if form == "dict_lists":
        elem = draw(st.sampled_from([st.integers(0, 3), st.floats(-5, 5, allow_nan=False),
                                     st.sampled_from(["p", "q"])]))
        return {k: draw(st.lists(elem, min_size=n, max_size=n)) for k in keys}
    if form == "dict_arrays":
        dtype = draw(st.sampled_from(["float64", "int32", "int64", "float32"]))
        return {k: np.arange(n, dtype=dtype) for k in keys}
    if form == "records":
        return [{k: draw(scalar) for k in keys if draw(st.integers(0, 4)) > 0} for _ in range(n)]
    if form == "ndarray":
        dtype = draw(st.sampled_from(["float64", "int64", "float32", "int16"]))
        width = max(1, len(names) + draw(st.integers(-1, 1)))
        return np.arange(n * width, dtype=dtype).reshape(n, width) % 3
    if form == "series":
        name = draw(st.sampled_from([None] + names[:1] + EXTRA_POOL[:1]))
        return pd.Series(np.arange(n, dtype=draw(st.sampled_from(["float64", "int64"]))),
                         name=name)
    if form == "scalar":
        return draw(scalar)
    return [draw(scalar) for _ in range(n)]


TENSOR_DTYPES = ["float64", "float32", "int64", "int32", "bool", "object", "uint8"]


@st.composite
def tensor_cases(draw):
    named = draw(st.integers(0, 2)) == 0
    k = draw(st.integers(1, 2)) if named else 1
    specs = []
    for i in range(k):
        shape = draw(st.sampled_from([(-1,), (-1, 3), (-1, 2, 2), (2, 3), (-1, 1), (-1, -1)]))
        specs.append(("ab"[i] if named else None, draw(st.sampled_from(TENSOR_DTYPES)), shape))
    schema = TenSchema(tuple(specs))

    def array_like(dtype, shape):
        rows = draw(st.integers(0, 3))
        dims = [rows if d == -1 and j == 0 else (2 if d == -1 else d) for j, d in enumerate(shape)]
        if draw(st.integers(0, 4)) == 0:  # wrong shape
            dims = dims[:-1] if len(dims) > 1 and draw(st.booleans()) else dims + [2]
            dims = [max(d, 0) for d in dims]
        if draw(st.integers(0, 3)) == 0:
            dtype = draw(st.sampled_from(TENSOR_DTYPES))
        size = int(np.prod(dims)) if dims else 1
        base = (np.arange(size) % 3).astype(dtype).reshape(dims)
        layout = draw(st.sampled_from(["C", "F", "strided"]))
        if layout == "F":
            base = np.asfortranarray(base)
        elif layout == "strided" and base.ndim >= 1:
            wide = np.repeat(base, 2, axis=0)
            base = wide[::2]
        return base

    form = draw(st.sampled_from(["array", "frame_cols", "frame_lists", "dict", "list"]))
    first = specs[0]
    if form == "array":
        data = array_like(first[1], first[2])
    elif form == "dict":
        data = {n: array_like(d, s) for n, d, s in specs}
        if draw(st.integers(0, 4)) == 0:
            data.pop(draw(st.sampled_from(list(data))))
        if draw(st.integers(0, 4)) == 0:
            data["zz"] = np.ones(1)
        if data and draw(st.integers(0, 5)) == 0:
            key = draw(st.sampled_from(list(data)))
            data[key] = data[key].tolist()
    elif form == "frame_cols":
        n = draw(st.integers(0, 3))
        width = draw(st.integers(1, 4))
        labels = [s[0] for s in specs] if named else [f"c{i}" for i in range(width)]
        data = pd.DataFrame({c: draw(column_values(draw(st.sampled_from(
            ["float64", "int64", "float32", "bool", "object_str"])), n)) for c in labels})
    elif form == "frame_lists":
        n = draw(st.integers(1, 3))
        width = draw(st.sampled_from([1, 2, 3]))
        labels = [s[0] for s in specs] if named else ["v"]
        ragged = draw(st.integers(0, 5)) == 0
        data = pd.DataFrame({c: [[float(j) for j in range(width - (ragged and r == 0))]
                                 for r in range(n)] for c in labels})
    else:
        data = draw(st.lists(st.lists(st.floats(0, 3, width=16), min_size=3, max_size=3),
                             min_size=1, max_size=2))
    return schema, data


# ------------------------------------------------------------------------------ known differences


def _nullable_with_na(values) -> bool:
    return (isinstance(values.dtype, (pd.Int8Dtype, pd.Int16Dtype, pd.Int32Dtype, pd.Int64Dtype,
                                      pd.BooleanDtype))
            and bool(values.isna().any()))


def _q42_applies(values, datatype: str) -> bool:
    """MLflow's upcast path raises pandas' raw ValueError (NA to int / bool)."""
    if not _nullable_with_na(values):
        return False
    target = TARGET[datatype]
    if isinstance(values.dtype, pd.BooleanDtype):
        return target.kind == "b"
    return target.kind == "i" and values.dtype.itemsize <= target.itemsize


def _spec_columns(schema: ColSchema, data: pd.DataFrame):
    """(spec, column label) pairs MLflow would enforce, in schema order."""
    if schema.named:
        return [(s, s[0]) for s in schema.specs if s[0] in data.columns]
    return list(zip(schema.specs, list(data.columns)[: len(schema.specs)]))


def input_order(data) -> list:
    if isinstance(data, pd.DataFrame):
        return list(data.columns)
    if isinstance(data, pd.Series):
        return [0 if data.name is None else data.name]
    if isinstance(data, dict):
        return list(data)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        return list(pd.DataFrame(data).columns)
    return []


def known_difference(schema, data) -> dict:
    """The FIX quirks that may make mlflow_c's outcome differ from MLflow's for this input.

    Returns {quirk: details}. Only quirks that enforcement can hit are listed; Q7 (3.17 already
    formats the datetime message), Q13/Q14/Q15 (schema construction and JSON) never apply here,
    and the generators use no column named 0 or "".
    """
    diffs: dict = {}
    if isinstance(schema, ColSchema) and isinstance(data, pd.DataFrame):
        for spec, label in _spec_columns(schema, data):
            values = data[label]
            # Q11: a category column is accepted for a string column (MLflow: "category to <U0")
            if spec[1] == "string" and isinstance(values.dtype, pd.CategoricalDtype):
                diffs.setdefault("Q11", []).append(label)
            # Q42: nullable Int*/boolean with <NA> on the upcast path: MLflow raises a raw
            # ValueError; mlflow_c raises an MlflowException (required) or keeps the column
            # unchanged (optional).
            if _q42_applies(values, spec[1]):
                diffs.setdefault("Q42", []).append((label, spec[2], spec[1]))
    # Q12: the extra-inputs list (error message and warning) follows input order in mlflow_c,
    # Python-set order in MLflow; only visible with two or more extras.
    specs = schema.specs
    if specs[0][0] is not None:
        declared = {s[0] for s in specs}
        extras = [c for c in input_order(data) if c not in declared]
        if len(extras) >= 2:
            diffs["Q12"] = extras
    return diffs


_SENTINEL = {"long": ("uint64", np.uint64), "integer": ("int64", np.int64),
             "boolean": ("int8", np.int8)}


@dataclasses.dataclass
class Result:
    outcome: Any  # summarize()d value or (exception class name, message)
    logs: list


def _exc_kind(impl, exc) -> str:
    return "MlflowException" if isinstance(exc, impl.MlflowException) else type(exc).__name__


def observe(impl, fn, schema_obj, data) -> Result:
    with capture() as cap:
        out = run(fn, data, schema_obj)
    if out.ok:
        value = summarize(out.value) if out.value is not None else None
        return Result(("ok", value), cap.log_messages())
    return Result(("err", _exc_kind(impl, out.exc), str(out.exc)), cap.log_messages())


def _reorder_extras(message: str, order: list) -> str:
    parsed = parse_missing_message(message)
    if parsed is None or parsed[1] is None:
        return message
    missing, extras = parsed
    return missing_message(missing, sorted(extras, key=order.index))


def _reorder_warning(message: str, order: list) -> str:
    prefix = EXTRA_WARNING.split("{}")[0]
    if not message.startswith(prefix):
        return message
    listed = message[len(prefix):].split("`", 1)[0]
    import ast

    key = str if order is None else order.index
    return EXTRA_WARNING.format(sorted(ast.literal_eval(listed), key=key))


def expected_for_mlflow_c(schema, data, fn_name: str, diffs: dict) -> Result:
    """mlflow_c's expected outcome when known_difference() is not empty: MLflow on an input
    patched so that MLflow behaves as mlflow_c should, then the result adjusted back."""
    patched = data
    restore = {}
    sentinels = {}
    if "Q11" in diffs or "Q42" in diffs:
        patched = data.copy()
        for label in diffs.get("Q11", []):
            patched[label] = data[label].astype(object)
            restore[label] = data[label]
        for label, required, datatype in diffs.get("Q42", []):
            if required:
                name, np_type = _SENTINEL[datatype]
                patched[label] = np.full(len(data), 7, dtype=np_type)
                sentinels[label] = (name, str(data[label].dtype))
            else:
                patched[label] = np.zeros(len(data), dtype=TARGET[datatype])
                restore[label] = data[label]
    schema_obj = schema.build(ORACLE)
    fn = (lambda d, s: enforce(ORACLE, d, s)) if fn_name == "enforce" else ORACLE.validate_schema
    res = observe(ORACLE, fn, schema_obj, patched)
    if res.outcome[0] == "ok" and res.outcome[1] is not None and restore:
        with capture():
            out = fn(patched, schema_obj)
        for label, original in restore.items():
            if label in out.columns:
                out[label] = original
        res = Result(("ok", summarize(out)), res.logs)
    if res.outcome[0] == "err":
        message = res.outcome[2]
        for label, (sentinel, original) in sentinels.items():
            message = message.replace(
                f"Incompatible input types for column {label}. Can not safely convert {sentinel} "
                "to ",
                f"Incompatible input types for column {label}. Can not safely convert {original} "
                "with missing values to ")
        if "Q12" in diffs:
            message = _reorder_extras(message, input_order(data))
        res = Result(("err", res.outcome[1], message), res.logs)
    if "Q12" in diffs:
        res = Result(res.outcome, [_reorder_warning(m, input_order(data)) for m in res.logs])
    return res


def _sorted_extras(result: Result) -> Result:
    """Normalise set-ordered extras (MLflow's Q12) for comparing MLflow with itself."""
    outcome = result.outcome
    if outcome[0] == "err":
        parsed = parse_missing_message(outcome[2])
        if parsed and parsed[1]:
            outcome = (*outcome[:2], missing_message(parsed[0], sorted(parsed[1], key=str)))
    logs = [_reorder_warning(m, None) for m in result.logs]
    return Result(outcome, logs)


# ------------------------------------------------------------------------------ the check


def _snapshot(data):
    if isinstance(data, (pd.DataFrame, pd.Series, np.ndarray)):
        return summarize(data)
    if isinstance(data, dict):
        return {k: _snapshot(v) for k, v in data.items()}
    return repr(data)


def _raw_key_error_parity(schema, data, kind, message) -> bool:
    """MLflow bug kept for parity (not a FIX quirk): tensor enforcement of a DataFrame column
    reads ``series[0]`` by label, so a frame without row label 0 (empty, or another index)
    raises a raw ``KeyError: 0``."""
    return (kind == "KeyError" and message == "0" and isinstance(schema, TenSchema)
            and isinstance(data, pd.DataFrame) and 0 not in data.index)


def check_example(impl, schema, data):
    diffs = known_difference(schema, data)
    for fn_name in ("enforce", "validate_schema"):
        pristine = copy.deepcopy(data)
        before = _snapshot(data)
        oracle_fn = ((lambda d, s: enforce(ORACLE, d, s)) if fn_name == "enforce"
                     else ORACLE.validate_schema)
        theirs = observe(ORACLE, oracle_fn, schema.build(ORACLE), data)
        assert _snapshot(data) == before, "MLflow modified the input"
        if fn_name == "enforce":
            event(f"MLflow {theirs.outcome[0]}"
                  + (f" {theirs.outcome[2][:28]}" if theirs.outcome[0] == "err" else ""))
            for quirk in diffs:
                event(f"known difference {quirk}")
        derived = expected_for_mlflow_c(schema, pristine, fn_name, diffs) if diffs else None

        if impl.is_c:
            impl_fn = ((lambda d, s: enforce(impl, d, s)) if fn_name == "enforce"
                       else impl.validate_schema)
            ours = observe(impl, impl_fn, schema.build(impl), data)
            assert _snapshot(data) == before, "mlflow_c modified the input"
            if (isinstance(schema, TenSchema) and isinstance(data, pd.DataFrame)
                    and theirs.outcome[:2] == ("err", "KeyError")):
                # label-0 fix: MLflow reads a column's first cell by the label 0 (raw KeyError
                # for an empty frame or an index without 0); mlflow_c reads it by position.
                if len(data) == 0:
                    assert ours.outcome == ("err", "MlflowException", "Input DataFrame is empty.")
                else:
                    assert ours.outcome[0] == "ok", ours.outcome
                continue
            want = derived if derived is not None else theirs
            assert ours.outcome == want.outcome, (diffs, theirs.outcome)
            assert ours.logs == want.logs, diffs
            continue

        # impl == mlflow: determinism, classifier coverage, derivation sanity
        again = observe(ORACLE, oracle_fn, schema.build(ORACLE), pristine)
        assert _sorted_extras(again) == _sorted_extras(theirs)
        if theirs.outcome[0] == "err":
            kind, message = theirs.outcome[1], theirs.outcome[2]
            if kind != "MlflowException":
                assert (kind == "ValueError" and "Q42" in diffs) or _raw_key_error_parity(
                    schema, data, kind, message), (kind, message, diffs)
            if "category to <U0" in message:
                assert "Q11" in diffs, (message, diffs)
            if message.startswith("Model is missing inputs") and "Q12" not in diffs:
                extras = parse_missing_message(message)[1] or []
                assert len(extras) < 2 or all(isinstance(e, int) for e in extras)
        if derived is not None and set(diffs) == {"Q12"}:
            assert _sorted_extras(derived) == _sorted_extras(theirs)


# ------------------------------------------------------------------------------ tests


def test_known_difference_examples():
    """The classifier on hand-made inputs (no implementation involved)."""
    s = ColSchema((("a", "string", True), ("b", "long", False), ("c", "long", True)))
    df = pd.DataFrame({"a": pd.Categorical(["x"]), "b": pd.array([None], dtype="Int64"),
                       "c": pd.array([None], dtype="Int32"), "x": [1], "y": [2]})
    assert known_difference(s, df) == {"Q11": ["a"], "Q42": [("b", False, "long"),
                                                             ("c", True, "long")],
                                       "Q12": ["x", "y"]}
    df2 = pd.DataFrame({"a": ["x"], "b": pd.array([None], dtype="Int64").astype("Float64"),
                        "c": pd.array([1], dtype="Int32"), "x": [1]})
    assert known_difference(s, df2) == {}
    bool_schema = ColSchema((("f", "boolean", True), ("g", "double", True)))
    df3 = pd.DataFrame({"f": pd.array([None], dtype="boolean"),
                        "g": pd.array([None], dtype="Int8")})
    assert known_difference(bool_schema, df3) == {"Q42": [("f", True, "boolean")]}


def test_expected_for_mlflow_c_derivation():
    s = ColSchema((("a", "string", True), ("b", "long", False), ("c", "long", True)))
    df = pd.DataFrame({"c": pd.array([1, None], dtype="Int64"), "a": pd.Categorical(["p", "q"]),
                       "b": pd.array([None, 2], dtype="Int64")})
    res = expected_for_mlflow_c(s, df, "enforce", known_difference(s, df))
    assert res.outcome == ("err", "MlflowException",
                           "Incompatible input types for column c. Can not safely convert Int64 "
                           "with missing values to int64.")
    df["c"] = pd.array([1, 2], dtype="Int64")
    res = expected_for_mlflow_c(s, df, "enforce", known_difference(s, df))
    assert res.outcome[0] == "ok"
    kind, columns, dtypes, _, values = res.outcome[1]
    assert columns == ["a", "b", "c"] and dtypes == ["category", "Int64", "int64"]
    s2 = ColSchema((("a", "double", True), ("q", "double", True)))
    df2 = pd.DataFrame({"z": [1.0], "a": [1.0], "y": [1.0], "b": [2.0]})
    res = expected_for_mlflow_c(s2, df2, "validate_schema", known_difference(s2, df2))
    assert res.outcome == ("err", "MlflowException", "Model is missing inputs ['q']. Note that "
                           "there were extra inputs: ['z', 'y', 'b'].")


# Each test calls impl.require() before hypothesis starts, so an unimplemented mlflow_c FAILS
# at once with its ImportError (no shrinking of a failure every example would hit).


def test_column_schema_frames(impl):
    impl.require()

    @SETTINGS
    @given(st.data())
    def inner(data):
        schema = data.draw(column_schemas(), label="schema")
        frame = data.draw(frame_for(schema), label="frame")
        check_example(impl, schema, frame)

    inner()


def test_column_schema_containers(impl):
    impl.require()

    @SETTINGS
    @given(st.data())
    def inner(data):
        schema = data.draw(column_schemas(), label="schema")
        value = data.draw(container_for(schema), label="input")
        check_example(impl, schema, value)

    inner()


def test_tensor_schemas(impl):
    impl.require()

    @SETTINGS
    @given(tensor_cases())
    def inner(case):
        schema, value = case
        check_example(impl, schema, value)

    inner()
