"""Differential tests of mlflow_c's signature inference (csrc/infer.c) against MLflow 3.17.2.

The oracles are ``mlflow.models.infer_signature`` and ``mlflow.types.utils._infer_schema``. Each
case runs both and compares the outcome: the result's ``to_dict()`` (JSON-normalised), or the
exception (builtin family, message and ``error_code``), plus the ``UserWarning``s emitted and the
warnings logged (MLflow logs on ``mlflow.models.signature``, mlflow_c on ``mlflow_c``).

Known, deliberate differences (asserted explicitly below):
- the Pydantic error is an ``MlflowException`` (MLflow: its subclass
  ``InvalidDataForSignatureInferenceError``), same message and error code;
- pandas' own ``Pandas4Warning`` for tz-aware/period/interval columns is not triggered (mlflow_c
  does not read ``Series.values``); only ``UserWarning``s are compared;
- the AnyType fallback warning carries no traceback even at DEBUG level.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import fractions
import gc
import json
import logging
import math
import re
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import mlflow.models
    import mlflow.types.utils
    import pydantic

from mlflow_c import _core

CSRC = Path(__file__).resolve().parents[2] / "csrc"
DF = pd.DataFrame

INT_HINT = (
    "Hint: Inferred schema contains integer column(s). Integer columns in Python cannot represent "
    "missing values. If your input data contains missing values at inference time, it will be "
    "encoded as floats and will cause a schema enforcement error. The best way to avoid this "
    "problem is to infer the model schema based on a realistic data sample (training dataset) "
    "that includes missing values. Alternatively, you can declare integer columns as doubles "
    "(float64) whenever these columns may have missing values. See `Handling Integers With "
    "Missing Values <https://www.mlflow.org/docs/latest/models.html#"
    "handling-integers-with-missing-values>`_ for more details.")

FALLBACK_INPUTS = ("Failed to infer schema for inputs. Setting schema to "
                   "`Schema([ColSpec(type=AnyType())]` as default. Note that MLflow doesn't "
                   "validate data types during inference for AnyType. To see the full traceback, "
                   "set logging level to DEBUG.")

# --------------------------------------------------------------------------- outcome capture


class _ListHandler(logging.Handler):
    def __init__(self, sink: list):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record):
        self.sink.append(record.getMessage())


@contextlib.contextmanager
def _captured():
    logs: list[str] = []
    warned: list[tuple[str, str]] = []
    handler = _ListHandler(logs)
    loggers = [logging.getLogger("mlflow"), logging.getLogger("mlflow_c")]
    saved = [(lg, lg.level, lg.propagate, list(lg.handlers)) for lg in loggers]
    for lg in loggers:
        lg.handlers[:] = [handler]
        lg.propagate = False
        lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield logs, warned
        warned.extend((w.category.__name__, str(w.message)) for w in caught
                      if issubclass(w.category, UserWarning))
    finally:
        for lg, level, propagate, handlers in saved:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate


def _normalise(value: Any) -> Any:
    """JSON round trip (tuples become lists), NaN-safe."""
    return json.loads(json.dumps(value, default=repr))


@dataclasses.dataclass
class Outcome:
    value: Any = None
    exc: BaseException | None = None
    warned: list = dataclasses.field(default_factory=list)
    logs: list = dataclasses.field(default_factory=list)

    def summary(self, with_code: bool = True) -> tuple:
        if self.exc is None:
            return ("ok", self.value, self.warned, self.logs)
        # object reprs carry addresses: "<memory at 0x7f...>"
        message = re.sub(r" at 0x[0-9a-f]+>", " at 0x...>", str(self.exc))
        code = getattr(self.exc, "error_code", None) if with_code else None
        return ("raised", message, code, self.warned, self.logs)


def outcome(fn: Callable, *args, **kwargs) -> Outcome:
    with _captured() as (logs, warned):
        try:
            result = fn(*args, **kwargs)
            out = Outcome(value=_normalise(result.to_dict()))
        except Exception as exc:  # noqa: BLE001 - compared below
            out = Outcome(exc=exc)
    out.warned, out.logs = warned, logs
    return out


def assert_same(ours: Outcome, theirs: Outcome):
    """Same result, or the same message from the same exception family. Where MLflow raises a
    builtin (TypeError, ValueError ...) mlflow_c may raise its MlflowException subclass of that
    builtin (e.g. MlflowValueError), which also carries an error_code."""
    mlflow_coded = isinstance(theirs.exc, mlflow.exceptions.MlflowException)
    assert ours.summary(with_code=mlflow_coded) == theirs.summary(with_code=mlflow_coded)
    if theirs.exc is not None:
        if isinstance(theirs.exc, mlflow.exceptions.MlflowException):
            assert isinstance(ours.exc, _core.MlflowException), repr(ours.exc)
        else:
            assert isinstance(ours.exc, type(theirs.exc)), (repr(ours.exc), repr(theirs.exc))
            assert type(ours.exc) is type(theirs.exc) or isinstance(ours.exc,
                                                                    _core.MlflowException)


def compare_schema(make: Callable[[], Any]):
    theirs = outcome(mlflow.types.utils._infer_schema, make())
    ours = outcome(_core._infer_schema, make())
    assert_same(ours, theirs)
    return ours


def compare_signature(*makers: Callable[[], Any], **kw_makers: Callable[[], Any]):
    theirs = outcome(mlflow.models.infer_signature, *[m() for m in makers],
                     **{k: m() for k, m in kw_makers.items()})
    ours = outcome(_core.infer_signature, *[m() for m in makers],
                   **{k: m() for k, m in kw_makers.items()})
    assert_same(ours, theirs)
    return ours


# --------------------------------------------------------------------------- input cases


def _quietly(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


def _nd(dtype, values=(1, 0, 1)):
    return np.array(values, dtype=dtype)


INPUTS: dict[str, Callable[[], Any]] = {
    # DataFrames, one per dtype
    **{f"df_{dt}": (lambda dt=dt: DF({"a": _nd(dt)}))
       for dt in ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                  "float16", "float32", "float64", "bool", "complex128"]},
    "df_float16_nan": lambda: DF({"a": np.array([1, np.nan], dtype="float16")}),
    "df_float32_nan": lambda: DF({"a": np.array([1, np.nan], dtype="float32")}),
    "df_float64_nan": lambda: DF({"a": [1.0, np.nan]}),
    "df_float_noncontig": lambda: DF(np.array([[1.0, np.nan], [2.0, 3.0]]).T.copy()).iloc[::2],
    "df_str": lambda: DF({"a": ["x", "y"]}),
    "df_str_none": lambda: DF({"a": ["x", None]}),
    "df_str_empty": lambda: DF({"a": pd.Series([], dtype=str)}),
    "df_str_all_na": lambda: DF({"a": pd.Series([None, None], dtype=str)}),
    "df_object_str": lambda: DF({"a": pd.Series(["x", "y"], dtype=object)}),
    "df_object_empty": lambda: DF({"a": pd.Series([], dtype=object)}),
    "df_object_all_none": lambda: DF({"a": pd.Series([None, None], dtype=object)}),
    "df_object_mixed": lambda: DF({"a": pd.Series(["x", 1], dtype=object)}),
    "df_object_bytes_str": lambda: DF({"a": pd.Series([b"x", "y"], dtype=object)}),
    "df_object_floats": lambda: DF({"a": pd.Series([1.5, 2.0], dtype=object)}),
    "df_object_int_none": lambda: DF({"a": pd.Series([1, None], dtype=object)}),
    "df_object_f32_nan": lambda: DF({"a": pd.Series([np.float32("nan"), np.float32(1)],
                                                    dtype=object)}),
    "df_object_timestamps": lambda: DF({"a": pd.Series([pd.Timestamp(2020, 1, 1), "x"],
                                                       dtype=object)}),
    "df_object_empty_array": lambda: DF({"a": pd.Series([np.array([])], dtype=object)}),
    "df_bytes": lambda: DF({"a": [b"x", b"yz"]}),
    "df_bytes_none": lambda: DF({"a": [b"x", None]}),
    **{f"df_dt_{unit}": (lambda unit=unit: DF({"a": np.array(["2020-01-01", "2020-01-02"],
                                                              dtype=f"datetime64[{unit}]")}))
       for unit in ["ns", "us", "ms", "s", "D"]},
    "df_dt_nat": lambda: DF({"a": pd.to_datetime(["2020-01-01", None])}),
    "df_dt_tz": lambda: DF({"a": pd.date_range("2020", periods=2, tz="UTC")}),
    "df_timedelta": lambda: DF({"a": pd.to_timedelta([1, 2], unit="s")}),
    "df_date_objects": lambda: DF({"a": [datetime.date(2020, 1, 1), None]}),
    "df_Int64": lambda: DF({"a": pd.array([1, 2], dtype="Int64")}),
    "df_Int64_na": lambda: DF({"a": pd.array([1, None], dtype="Int64")}),
    "df_Int32_na": lambda: DF({"a": pd.array([1, None], dtype="Int32")}),
    "df_UInt64": lambda: DF({"a": pd.array([1, None], dtype="UInt64")}),
    "df_boolean_na": lambda: DF({"a": pd.array([True, None], dtype="boolean")}),
    "df_Float64_na": lambda: DF({"a": pd.array([1.5, None], dtype="Float64")}),
    "df_string_python": lambda: DF({"a": pd.array(["x", None], dtype="string[python]")}),
    "df_string_pyarrow": lambda: DF({"a": pd.array(["x", None], dtype="string[pyarrow]")}),
    "df_string_dtype": lambda: DF({"a": pd.array(["x", "y"], dtype="string")}),
    "df_category_str": lambda: DF({"a": pd.Categorical(["x", "y", "x"])}),
    "df_category_nan": lambda: DF({"a": pd.Categorical(["x", None])}),
    "df_category_int": lambda: DF({"a": pd.Categorical([1, 2, 1])}),
    "df_period": lambda: DF({"a": pd.period_range("2020", periods=2)}),
    "df_interval": lambda: DF({"a": pd.interval_range(0, 2)}),
    "df_sparse": lambda: DF({"a": pd.arrays.SparseArray([0, 1.0])}),
    "df_decimal": lambda: DF({"a": [decimal.Decimal("1.5")]}),
    "df_list_cells": lambda: DF({"a": [[1, 2], [3]]}),
    "df_list_cells_mixed": lambda: DF({"a": [[1, 2], ["x"]]}),
    "df_dict_cells": lambda: DF({"a": [{"x": 1}, {"x": 2, "y": "s"}]}),
    "df_mixed": lambda: DF({"f": [1.0, 2.0], "i": [1, 2], "s": ["a", "b"], "b": [True, False]}),
    "df_int_labels": lambda: DF(np.ones((2, 2))),
    "df_multiindex": lambda: DF(np.ones((2, 2)),
                                columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])),
    "df_duplicate_labels": lambda: DF([[1, 2]], columns=["a", "a"]),
    "df_empty_rows": lambda: DF({"a": pd.Series([], dtype="float64"),
                                 "b": pd.Series([], dtype="int64")}),
    "df_no_columns": lambda: DF(),
    # Series
    "series_named": lambda: pd.Series([1.0, 2.0], name="y"),
    "series_unnamed": lambda: pd.Series([1.0, 2.0]),
    "series_unnamed_nan": lambda: pd.Series([1.0, None]),
    "series_int": lambda: pd.Series([1, 2]),
    "series_str_nan": lambda: pd.Series(["a", None], name="s"),
    "series_int_name": lambda: pd.Series([1.5], name=3),
    "series_tz": lambda: pd.Series(pd.date_range("2020", periods=2, tz="UTC"), name="t"),
    # ndarrays
    "nd_1d": lambda: np.ones(3),
    "nd_2d_float32": lambda: np.ones((3, 2), dtype="float32"),
    "nd_3d_int32": lambda: np.ones((3, 2, 4), dtype="int32"),
    "nd_str": lambda: np.array(["ab", "c"]),
    "nd_bytes": lambda: np.array([b"ab", b"c"]),
    "nd_str_bigendian": lambda: np.array(["ab"], dtype=">U2"),
    "nd_object": lambda: np.array([1, "a"], dtype=object),
    "nd_uint64": lambda: np.ones(3, dtype="uint64"),
    "nd_bool": lambda: np.ones(3, dtype="bool"),
    "nd_complex": lambda: np.ones(3, dtype="complex64"),
    "nd_datetime": lambda: np.array(["2020-01-01"], dtype="datetime64[s]"),
    "nd_timedelta": lambda: np.array([1], dtype="timedelta64[s]"),
    "nd_structured": lambda: np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]),
    "nd_empty_rows": lambda: np.ones((0, 3)),
    "nd_fortran_noncontig": lambda: np.asfortranarray(np.ones((4, 6)))[:, ::2],
    "nd_0d": lambda: np.array(1.0),
    "nd_matrix": lambda: _quietly(np.asmatrix, np.ones((2, 2))),
    "csr": lambda: sp.csr_matrix(np.eye(3)),
    "csc_float32": lambda: sp.csc_matrix(np.eye(3, dtype="float32")),
    # dicts
    "dict_of_nd": lambda: {"a": np.ones((2, 3)), "b": np.arange(2), "s": np.array(["x", "yy"])},
    "dict_of_nd_0d": lambda: {"a": np.array(1.0)},
    "dict_nd_and_list": lambda: {"a": np.ones(2), "b": [1, 2]},
    "dict_nd_empty_and_list": lambda: {"a": np.ones(0), "b": [1, 2]},
    "dict_nd_object": lambda: {"a": np.array([1, "x"], dtype=object), "b": 1},
    "dict_nd_nan": lambda: {"a": np.array([np.nan, 1.0]), "b": 1.0},
    "dict_nd_all_nan": lambda: {"a": np.array([np.nan, np.nan]), "b": 1.0},
    "dict_scalars": lambda: {"a": 1, "b": "x", "c": 1.5, "d": None, "e": True,
                             "f": float("nan"), "g": b"z", "h": np.float32(2)},
    "dict_lists": lambda: {"a": [1, 2], "b": ["x"], "c": [[1.0], [2.0, 3.0]], "d": [1, None],
                           "e": []},
    "dict_nested": lambda: {"o": {"k": 1, "v": ["a"], "n": None, "e": {}}},
    "dict_series_value": lambda: {"o": pd.Series([1, 2])},
    "dict_nonstr_key": lambda: {1: "x"},
    "dict_mixed_keys": lambda: {"a": 1, 2: 3},
    "dict_empty": lambda: {},
    "dict_of_empty_dict": lambda: {"a": {}},
    "dict_nested_int_key": lambda: {"a": {1: 2}},
    "dict_nested_empty_nd": lambda: {"a": {"b": np.array([])}},
    # lists
    "list_str": lambda: ["a", "b"],
    "list_float": lambda: [1.0, 2.0],
    "list_float_nan_first": lambda: [float("nan"), 1.0],
    "list_int": lambda: [1, 2],
    "list_bool_int": lambda: [True, 1],
    "list_none": lambda: [None],
    "list_mixed": lambda: [1, "a"],
    "list_of_lists": lambda: [[1.0, 2.0], [3.0]],
    "list_ragged_mixed": lambda: [[1], [1, "a"]],
    "list_empty": lambda: [],
    "list_of_empty_lists": lambda: [[], []],
    "list_of_dicts": lambda: [{"a": 1, "b": "x"}, {"a": 2}],
    "list_of_dicts_none": lambda: [{"a": 1.5, "b": None}, {"a": 2.5, "b": "y"}],
    "list_of_dicts_conflict": lambda: [{"a": 1}, {"a": "x"}],
    "list_of_dicts_empty_nd": lambda: [{"a": np.array([])}],
    "list_of_dicts_none_key": lambda: [{None: 1}, {"a": 2}],
    "list_of_empty_dicts": lambda: [{}, {}],
    "list_of_dicts_nested": lambda: [{"a": {"x": 1}}, {"a": {"y": "s"}}, {"a": None}],
    "list_nested_objects": lambda: [[{"x": 1}], [{"y": "s"}], [None], []],
    "list_any_then_object": lambda: [None, {"x": [1]}, {"x": [None]}, {"x": []}],
    "list_object_conflict": lambda: [{"a": {"b": 1}}, {"a": {"b": "x"}}],
    "list_array_any_merge": lambda: [{"a": []}, {"a": [[1]]}, {"a": [[None], []]}],
    "list_deep": lambda: [[[[1]]], [[[None]]], [[[]]]],
    "list_of_nd": lambda: [np.array([1.0]), np.array([2.0, 3.0])],
    "list_of_nd_nan": lambda: [np.array([np.nan]), np.array([1.0])],
    "list_of_nd_bigendian": lambda: [np.array([np.nan, 2.0], dtype=">f8")],
    "list_of_empty_nd": lambda: [np.array([]), np.array([])],
    "list_of_nd_0d": lambda: [np.array(1.0)],
    "list_of_nd_int8": lambda: [np.array([1, 2], dtype="int8")],
    "list_of_nd_longlong": lambda: [np.array([1], dtype=np.longlong)],
    "list_of_nd_str_bytes": lambda: [np.array(["a"]), np.array([b"a"])],
    "list_of_nd_datetime": lambda: [np.array(["2020-01-01"], dtype="M8[D]")],
    "list_of_nd_2d": lambda: [np.ones((2, 2), dtype="int32")],
    "list_timestamps": lambda: [pd.Timestamp(2020, 1, 1)],
    "list_np_float16": lambda: [np.float16(1)],
    "list_np_scalars": lambda: [np.int64(1), np.int64(2)],
    "list_datetimes": lambda: [datetime.datetime(2020, 1, 1), datetime.date(2020, 1, 2)],
    "list_pd_na": lambda: [pd.NA, "x", pd.NaT],
    # scalars and others
    "scalar_int": lambda: 1,
    "scalar_float": lambda: 1.5,
    "scalar_nan": lambda: float("nan"),
    "scalar_bool": lambda: True,
    "scalar_str": lambda: "s",
    "scalar_bytes": lambda: b"b",
    "scalar_bytearray": lambda: bytearray(b"x"),
    "scalar_object": lambda: object(),
    "scalar_none": lambda: None,
    "scalar_np_float32": lambda: np.float32(1),
    "scalar_np_float64": lambda: np.float64(1),
    "scalar_np_int32": lambda: np.int32(1),
    "scalar_np_int64": lambda: np.int64(1),
    "scalar_np_uint64": lambda: np.uint64(1),
    "scalar_np_bool": lambda: np.bool_(True),
    "scalar_np_str": lambda: np.str_("x"),
    "scalar_date": lambda: datetime.date(2020, 1, 1),
    "scalar_datetime": lambda: datetime.datetime(2020, 1, 1, 2, 3),
    "scalar_np_datetime64": lambda: np.datetime64("2020-01-01"),
    "scalar_timestamp": lambda: pd.Timestamp(2020, 1, 1),
    "scalar_pd_na": lambda: pd.NA,
    "scalar_pd_nat": lambda: pd.NaT,
    "scalar_set": lambda: {1, 2},
    "scalar_tuple": lambda: (1, 2),
    "scalar_decimal": lambda: decimal.Decimal("1.5"),
    "pd_index": lambda: pd.Index([1, 2]),
}


@pytest.mark.parametrize("case_id", list(INPUTS))
def test_infer_schema_matches_mlflow(case_id):
    compare_schema(INPUTS[case_id])


@pytest.mark.parametrize("case_id", list(INPUTS))
def test_infer_signature_input_matches_mlflow(case_id):
    compare_signature(INPUTS[case_id])


@pytest.mark.parametrize("case_id", ["df_mixed", "nd_2d_float32", "list_of_dicts", "dict_of_nd",
                                     "series_int", "scalar_set", "df_uint64", "list_empty"])
def test_infer_signature_output_matches_mlflow(case_id):
    compare_signature(lambda: DF({"x": [1.0, 2.0]}), INPUTS[case_id])
    compare_signature(lambda: None, INPUTS[case_id])
    compare_signature(model_output=INPUTS[case_id])


def test_spot_values():
    """A few results written out, so a failure reads without running MLflow."""
    ours = compare_signature(INPUTS["df_mixed"])
    assert ours.value["inputs"] == (
        '[{"type": "double", "name": "f", "required": true}, {"type": "long", "name": "i", '
        '"required": true}, {"type": "string", "name": "s", "required": true}, '
        '{"type": "boolean", "name": "b", "required": true}]')
    assert ours.warned == [("UserWarning", INT_HINT)]
    ours = compare_signature(INPUTS["df_uint64"])
    assert ours.value["inputs"] == '[{"type": "any", "required": true}]'
    assert ours.logs == [FALLBACK_INPUTS]
    ours = compare_schema(INPUTS["scalar_tuple"])
    assert str(ours.exc).startswith("Failed to infer schema. Expected one of the following "
                                    "types:\n- pandas.DataFrame\n")
    assert str(ours.exc).endswith("but got '(1, 2)'.\nError: Data (1, 2) is not one of the "
                                  "supported DataType")
    assert ours.exc.error_code == "INVALID_PARAMETER_VALUE"
    ours = compare_schema(INPUTS["df_uint64"])
    assert str(ours.exc) == "Unsupported numpy data type 'uint64', kind 'u'"


def test_nothing_to_infer():
    ours = compare_signature()
    assert isinstance(ours.exc, ValueError)
    assert str(ours.exc) == "At least one of inputs, outputs or params must be provided"
    compare_signature(lambda: None, lambda: None, lambda: None)
    compare_signature(lambda: None, lambda: None, lambda: {})


def test_inferred_objects_are_mlflow_c_types():
    with _captured():
        sig = _core.infer_signature(INPUTS["df_mixed"](), np.ones(2), {"a": 1})
    assert isinstance(sig, _core.ModelSignature)
    assert isinstance(sig.inputs, _core.Schema)
    assert all(isinstance(s, _core.ColSpec) for s in sig.inputs.inputs)
    assert isinstance(sig.outputs.inputs[0], _core.TensorSpec)
    assert isinstance(sig.params, _core.ParamSchema)
    assert sig.inputs.inputs[1].type is _core.DataType.long
    with _captured():
        schema = _core._infer_schema([{"a": [{"b": None}]}])
    col = schema.inputs[0]
    assert isinstance(col.type, _core.Array) and isinstance(col.type.dtype, _core.Object)


def test_infer_does_not_modify_input():
    df = INPUTS["df_mixed"]()
    before = df.copy(deep=True)
    with _captured():
        _core.infer_signature(df, df["f"], {"arr": [1, 2], "obj": {"k": [1]}})
    pd.testing.assert_frame_equal(df, before)
    params = {"nparr": np.array([1, 2]), "obj": {"k": [1]}}
    with _captured():
        sig = _core.infer_signature(params=params)
    assert params["nparr"].tolist() == [1, 2] and params["obj"] == {"k": [1]}
    assert sig.params.params[1].default is not params["obj"]


def test_arguments():
    with _captured():
        a = _core.infer_signature(model_input=[1.0], model_output=[2.0], params={"p": 1})
        b = _core.infer_signature([1.0], [2.0], {"p": 1})
    assert a.to_dict() == b.to_dict()
    with pytest.raises(TypeError):
        _core.infer_signature(bad=1)
    with pytest.raises(TypeError):
        _core.infer_signature(1, 2, 3, 4)
    with pytest.raises(TypeError):
        _core._infer_schema()
    with _captured():
        assert _core._infer_schema(data=["x"]).to_dict() == [{"type": "string",
                                                              "required": True}]


def test_warning_as_error_falls_back_like_mlflow():
    """MLflow's hint is a UserWarning raised inside the try: as an error it triggers the
    AnyType fallback in infer_signature and propagates from _infer_schema."""
    for fn in (mlflow.models.infer_signature, _core.infer_signature):
        with _captured() as (logs, _), warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            sig = fn([1, 2])
        assert sig.to_dict()["inputs"] == '[{"type": "any", "required": true}]'
        assert logs == [FALLBACK_INPUTS]
    for fn in (mlflow.types.utils._infer_schema, _core._infer_schema):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            with pytest.raises(UserWarning, match="^Hint: Inferred schema"):
                fn([1, 2])


# --------------------------------------------------------------------------- Pydantic


class _Pyd(pydantic.BaseModel):
    a: int = 1


@pytest.mark.parametrize("make", [lambda: [_Pyd()], lambda: {"a": _Pyd()},
                                  lambda: [{"a": [_Pyd()]}]], ids=["list", "dict", "nested"])
def test_pydantic_error_escapes(make):
    """Known difference: MLflow raises its MlflowException subclass
    InvalidDataForSignatureInferenceError; mlflow_c raises MlflowException (same text/code)."""
    theirs = outcome(mlflow.models.infer_signature, make())
    ours = outcome(_core.infer_signature, make())
    assert type(theirs.exc).__name__ == "InvalidDataForSignatureInferenceError"
    assert type(ours.exc) is _core.MlflowException
    assert ours.summary() == theirs.summary()
    assert str(ours.exc).startswith("MLflow does not support inferring model signature from "
                                    "input example with Pydantic objects.")
    theirs = outcome(mlflow.models.infer_signature, [1.0], make())
    ours = outcome(_core.infer_signature, [1.0], make())
    assert ours.summary() == theirs.summary()


@pytest.mark.parametrize("make", [lambda: _Pyd(), lambda: DF({"a": [_Pyd()]})],
                         ids=["top_level", "column"])
def test_pydantic_wrapped_falls_back(make):
    compare_schema(make)
    ours = compare_signature(make)
    assert ours.logs == [FALLBACK_INPUTS]


# --------------------------------------------------------------------------- dataclasses


@dataclasses.dataclass
class _Inner:
    x: int
    y: Optional[str] = None
    z: list[float] = None


@dataclasses.dataclass
class _Full:
    a: int
    b: float
    c: Optional[str]
    d: list[int]
    e: _Inner
    f: list[_Inner]
    g: datetime.date
    h: bytes
    i: bool
    j: Optional[_Inner] = None
    k: int | None = None


@dataclasses.dataclass
class _BadUnion:
    a: Union[int, str]


@dataclasses.dataclass
class _BadList:
    a: list[dict]


@dataclasses.dataclass
class _BadType:
    a: dict


@dataclasses.dataclass
class _Empty:
    pass


@dataclasses.dataclass
class _Derived(_Inner):
    w: bool = True


@dataclasses.dataclass
class _BadInnerField:
    x: dict


@dataclasses.dataclass
class _BadNested:
    a: _BadInnerField


DATACLASSES = {
    "full_class": lambda: _Full,
    "full_instance": lambda: _Full(1, 1.0, None, [1], _Inner(1), [], datetime.date(2020, 1, 1),
                                   b"", True),
    "bad_union": lambda: _BadUnion,
    "bad_list": lambda: _BadList,
    "bad_type": lambda: _BadType,
    "bad_type_instance": lambda: _BadType({}),
    "empty": lambda: _Empty,
    "derived": lambda: _Derived,
    "bad_nested": lambda: _BadNested,
}


@pytest.mark.parametrize("case_id", list(DATACLASSES))
def test_dataclass_signature_matches_mlflow(case_id):
    compare_signature(DATACLASSES[case_id])
    compare_signature(lambda: [1.0], DATACLASSES[case_id])


# --------------------------------------------------------------------------- params

PARAMS: dict[str, Callable[[], Any]] = {
    "mixed": lambda: {"alpha": 0.5, "n": 1, "s": "x", "f": True, "arr": [1, 2],
                      "d": datetime.date(2020, 1, 1), "dt": datetime.datetime(2020, 1, 1, 2, 3),
                      "np": np.float32(1), "i32": np.int32(3), "farr": [0.5, 1.5],
                      "nparr": np.array([1, 2]), "arrd": [datetime.date(2020, 1, 1)],
                      "obj": {"k": 1}},
    "empty_list": lambda: {"x": []},
    "nd_datetime": lambda: {"x": np.array(["2020-01-01"], dtype="M8[D]")},
    "nd_empty": lambda: {"x": np.array([])},
    "nd_2d": lambda: {"x": np.ones((2, 2))},
    "nd_0d": lambda: {"t": np.array(1.5)},
    "none": lambda: {"b": None},
    "nested_list": lambda: {"a": [[1, 2]]},
    "list_of_nd": lambda: {"t": [np.array([1])]},
    "binary": lambda: {"g": b"x"},
    "uint64": lambda: {"u": np.uint64(3)},
    "float16": lambda: {"t": np.float16(1)},
    "int8_list": lambda: {"t": np.array([1], dtype="i1")},
    "big_int": lambda: {"u": 2**70},
    "complex": lambda: {"u": 1j},
    "decimal": lambda: {"u": decimal.Decimal("1.5")},
    "fraction": lambda: {"u": fractions.Fraction(1, 2)},
    "mixed_list": lambda: {"u": [1, "a"]},
    "object_list": lambda: {"u": [1, None]},
    "str_list": lambda: {"t": ["a", "b"]},
    "bool_list": lambda: {"t": [True, False]},
    "np_str": lambda: {"t": np.str_("x")},
    "timestamp": lambda: {"t": pd.Timestamp(2020, 1, 1)},
    "memoryview": lambda: {"t": memoryview(b"ab")},
    "two_bad_one_good": lambda: {"ok": 1.0, "b": None, "c": {1, 2}},
    "empty_dict_value": lambda: {"e": {}},
    "dict_value": lambda: {"e": {"a": [1, 2], "b": {"c": "x"}}},
    "dict_value_bad": lambda: {"e": {"a": [1, "x"]}},
    "colliding_names": lambda: {1: 1, "1": 2},
    "tuple": lambda: {"t": (1, 2)},
    "not_a_dict": lambda: [1],
    "not_a_dict_str": lambda: "abc",
    "falsy_list": lambda: [],
}


@pytest.mark.parametrize("case_id", list(PARAMS))
def test_params_match_mlflow(case_id):
    compare_signature(lambda: DF({"x": [1.0]}), lambda: None, PARAMS[case_id])
    compare_signature(params=PARAMS[case_id])


def test_params_errors_spelled_out():
    ours = compare_signature(params=PARAMS["two_bad_one_good"])
    assert str(ours.exc) == (
        "Failed to infer schema for parameters: [('b', None, MlflowException('Expected "
        "parameters to be 1D array or scalar, got NoneType')), ('c', {1, 2}, "
        "MlflowException('Expected parameters to be 1D array or scalar, got set'))]")
    assert ours.exc.error_code == "INVALID_PARAMETER_VALUE"
    ours = compare_signature(params=PARAMS["not_a_dict"])
    assert str(ours.exc) == "Expected parameters to be dict, got list"


def test_params_ndarray_truthiness_like_mlflow():
    compare_signature(lambda: [1.0], lambda: None, lambda: np.array([1, 2]))


# --------------------------------------------------------------------------- hypothesis

HYP = settings(derandomize=True, max_examples=120, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_COLUMN_KINDS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64", "bool", "str", "object_str", "bytes",
                 "datetime64[ns]", "datetime64[s]", "Int64", "boolean", "string", "category",
                 "object_mixed", "object_lists"]


@st.composite
def _columns(draw, nrows):
    kind = draw(st.sampled_from(_COLUMN_KINDS))
    missing = st.booleans()
    if kind in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
        info = np.iinfo(kind)
        vals = draw(st.lists(st.integers(max(info.min, -1000), min(info.max, 1000)),
                             min_size=nrows, max_size=nrows))
        return np.array(vals, dtype=kind)
    if kind.startswith("float"):
        vals = draw(st.lists(st.one_of(st.floats(-100, 100, width=16), st.just(math.nan)),
                             min_size=nrows, max_size=nrows))
        return np.array(vals, dtype=kind)
    if kind == "bool":
        return np.array(draw(st.lists(st.booleans(), min_size=nrows, max_size=nrows)), dtype=bool)
    if kind.startswith("datetime64"):
        vals = draw(st.lists(st.one_of(st.integers(0, 10**9), st.just(None)), min_size=nrows,
                             max_size=nrows))
        return pd.Series(pd.to_datetime([None if v is None else v * 10**9 for v in vals]),
                         dtype=kind)
    text = st.text(alphabet="abcxyz", max_size=3)
    if kind in ("str", "string", "category"):
        vals = draw(st.lists(st.one_of(text, st.none()) if draw(missing) else text,
                             min_size=nrows, max_size=nrows))
        return pd.Series(vals, dtype={"str": str, "string": "string",
                                      "category": "category"}[kind])
    if kind == "object_str":
        return pd.Series(draw(st.lists(st.one_of(text, st.none()), min_size=nrows,
                                       max_size=nrows)), dtype=object)
    if kind == "bytes":
        return pd.Series(draw(st.lists(st.one_of(st.binary(max_size=3), st.none()),
                                       min_size=nrows, max_size=nrows)), dtype=object)
    if kind == "Int64":
        return pd.array(draw(st.lists(st.one_of(st.integers(-5, 5), st.none()), min_size=nrows,
                                      max_size=nrows)), dtype="Int64")
    if kind == "boolean":
        return pd.array(draw(st.lists(st.one_of(st.booleans(), st.none()), min_size=nrows,
                                      max_size=nrows)), dtype="boolean")
    if kind == "object_mixed":
        return pd.Series(draw(st.lists(st.one_of(st.integers(-5, 5), st.floats(allow_nan=True),
                                                 text, st.none()),
                                       min_size=nrows, max_size=nrows)), dtype=object)
    # object_lists
    return pd.Series(draw(st.lists(st.one_of(st.lists(st.integers(0, 3), max_size=3), st.none()),
                                   min_size=nrows, max_size=nrows)), dtype=object)


@st.composite
def _frames(draw):
    nrows = draw(st.integers(0, 5))
    ncols = draw(st.integers(1, 4))
    return DF({f"c{i}": draw(_columns(nrows)) for i in range(ncols)})


@HYP
@given(_frames())
def test_hypothesis_dataframes(frame):
    compare_schema(lambda: frame.copy())
    compare_signature(lambda: frame.copy(), lambda: frame.iloc[:, 0].copy())


_ARRAY_DTYPES = st.sampled_from(["int8", "int32", "int64", "uint16", "uint64", "float16",
                                 "float32", "float64", "bool", "U3", "S2", "complex64",
                                 "datetime64[s]", "timedelta64[ms]", ">f8", "<i4"])


@HYP
@given(hnp.arrays(dtype=_ARRAY_DTYPES, shape=hnp.array_shapes(min_dims=0, max_dims=3,
                                                              min_side=0, max_side=3)))
def test_hypothesis_ndarrays(arr):
    compare_schema(lambda: arr)
    compare_signature(lambda: arr, lambda: {"a": arr})
    # the same arrays as list items and dict values go through _infer_datatype
    compare_schema(lambda: [arr])
    compare_schema(lambda: {"a": arr, "b": 1})


_KEYS = st.text(alphabet="abc", min_size=1, max_size=2)
_JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, width=32),
              st.text(alphabet="xy", max_size=2), st.binary(max_size=2),
              st.sampled_from([np.float32(1.5), np.int32(2), np.int64(3), np.float64("nan"),
                               np.str_("s"), datetime.date(2020, 1, 1)])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=12)


@HYP
@given(_JSONISH)
def test_hypothesis_nested_values(value):
    compare_schema(lambda: value)
    compare_signature(lambda: value)
    compare_schema(lambda: {"v": value, "w": 1})
    compare_schema(lambda: [{"v": value}, {"w": value}])


@HYP
@given(st.dictionaries(_KEYS, _JSONISH, min_size=1, max_size=3))
def test_hypothesis_params(params):
    compare_signature(params=lambda: params)


# --------------------------------------------------------------------------- leaks


def _settle(watched):
    gc.collect()
    for obj in watched:
        if isinstance(obj, (pd.DataFrame, pd.Series)):
            for holder in list(getattr(obj._mgr, "blocks", ())) + list(obj.axes):
                refs = getattr(holder, "refs", None) or getattr(holder, "_references", None)
                if refs is not None:
                    refs.has_reference()


def test_repeated_calls_do_not_leak():
    frame = DF({"f": [1.0, np.nan], "i": [1, 2], "s": ["a", None], "o": [[1], [2, 3]],
                "d": [{"a": 1}, {"b": "x"}]})
    arr = np.ones((3, 2))
    rows = [{"a": 1.5, "b": [1, 2], "c": {"x": None}}, {"a": 2.5, "c": {"y": "s"}}]
    nested = {"k": "v", "l": [1.0, None], "o": {"p": [[1], []]}}
    params = {"alpha": 0.5, "arr": [1, 2], "obj": {"k": [1]}, "d": datetime.date(2020, 1, 1)}
    bad_params = {"b": None, "c": {1, 2}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        members = [_core._infer_schema([v]).inputs[0].type for v in (1, 1.5, "s")]
    watched = [frame, arr, rows, nested, params, bad_params, *members]

    def once():
        _core.infer_signature(frame, arr, params)
        _core.infer_signature(rows, nested)
        _core.infer_signature({1, 2}, pd.Series([1, 2]))  # input fallback
        _core._infer_schema({"a": arr, "b": arr})
        for bad, exc in ((bad_params, _core.MlflowException), ):
            try:
                _core.infer_signature(params=bad)
            except exc:
                pass
        for bad in ([1, "a"], (1, 2), DF({"a": np.ones(2, dtype="uint64")})):
            try:
                _core._infer_schema(bad)
            except _core.MlflowException:
                pass

    logger = logging.getLogger("mlflow_c")
    saved = (logger.handlers[:], logger.propagate)
    logger.handlers[:] = [logging.NullHandler()]
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(30):
                once()
            _settle(watched)
            before = [sys.getrefcount(o) for o in watched]
            tracemalloc.start()
            try:
                for _ in range(200):
                    once()
                _settle(watched)
                base = tracemalloc.get_traced_memory()[0]
                for _ in range(500):
                    once()
                _settle(watched)
                grown = tracemalloc.get_traced_memory()[0] - base
            finally:
                tracemalloc.stop()
            after = [sys.getrefcount(o) for o in watched]
    finally:
        logger.handlers[:], logger.propagate = saved
    assert after == before, list(zip(before, after))
    assert grown < 64 * 1024, f"traced memory grew by {grown} bytes"


# --------------------------------------------------------------------------- laziness and lints


def test_import_and_plain_inference_do_not_import_numpy_or_pandas():
    code = (
        "import sys, warnings\n"
        "from mlflow_c import _core\n"
        "assert 'numpy' not in sys.modules and 'pandas' not in sys.modules, 'import'\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('ignore')\n"
        "    s = _core._infer_schema([{'a': 'x', 'b': [1.5]}])\n"
        "assert 'numpy' not in sys.modules and 'pandas' not in sys.modules, 'infer'\n"
        "print(s.to_dict())\n")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "'name': 'a'" in proc.stdout


def _source() -> str:
    return (CSRC / "infer.c").read_text()


def test_lint_recursion_guards_are_paired():
    src = _source()
    enters = len(re.findall(r"\bPy_EnterRecursiveCall\s*\(", src))
    leaves = len(re.findall(r"\bPy_LeaveRecursiveCall\s*\(", src))
    assert enters == leaves


def test_lint_no_static_pyobject_globals():
    assert not re.search(r"^static\s+PyObject\s*\*\s*\w+\s*(=|;|\[)", _source(), re.M)


def test_lint_no_eager_numpy_or_pandas_import():
    src = _source()
    assert "import_array" not in src
    assert not re.search(r'PyImport_ImportModule\("(numpy|pandas)"\)', src)
