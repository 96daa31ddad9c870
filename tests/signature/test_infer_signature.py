"""infer_signature (contract §3.6) on every input kind, compared with MLflow 3.17.

Golden ``inputs`` JSON is MLflow 3.17's (pandas 3). Where MLflow cannot infer a schema
(uint64, mixed objects, Decimal, sets, ...) 3.17's ``infer_signature`` does not raise: it logs
a warning and falls back to ``[{"type": "any", "required": true}]``. Integer columns emit the
``Hint: Inferred schema contains integer column(s)...`` UserWarning.
"""

from __future__ import annotations

import datetime
import decimal
import json

import numpy as np
import pandas as pd
import pytest

from sigconf import INT_HINT, Raises, capture, raises

DF = pd.DataFrame

FALLBACK_INPUTS = ("Failed to infer schema for inputs. Setting schema to "
                   "`Schema([ColSpec(type=AnyType())]` as default. Note that MLflow doesn't "
                   "validate data types during inference for AnyType. To see the full traceback, "
                   "set logging level to DEBUG.")
FALLBACK_OUTPUTS = ("Failed to infer schema for outputs. Setting schema to "
                    "`Schema([ColSpec(type=AnyType())]` as default. To see the full traceback, "
                    "set logging level to DEBUG.")


def _nd(dtype, values=(1, 0, 1)):
    return np.array(values, dtype=dtype)


def infer(impl, *args, **kwargs):
    """infer_signature with warnings and logs captured: (signature, Captured)."""
    with capture() as cap:
        sig = impl.infer_signature(*args, **kwargs)
    return sig, cap


INPUTS = {
    'df_int8': lambda: DF({"a": _nd("int8")}),
    'df_int16': lambda: DF({"a": _nd("int16")}),
    'df_int32': lambda: DF({"a": _nd("int32")}),
    'df_int64': lambda: DF({"a": _nd("int64")}),
    'df_uint8': lambda: DF({"a": _nd("uint8")}),
    'df_uint16': lambda: DF({"a": _nd("uint16")}),
    'df_uint32': lambda: DF({"a": _nd("uint32")}),
    'df_uint64': lambda: DF({"a": _nd("uint64")}),
    'df_float16': lambda: DF({"a": _nd("float16")}),
    'df_float32': lambda: DF({"a": _nd("float32")}),
    'df_float64': lambda: DF({"a": _nd("float64")}),
    'df_float64_nan': lambda: DF({"a": [1.0, np.nan]}),
    'df_bool': lambda: DF({"a": [True, False]}),
    'df_str': lambda: DF({"a": ["x", "y"]}),
    'df_str_none': lambda: DF({"a": ["x", None]}),
    'df_object_str': lambda: DF({"a": pd.Series(["x", "y"], dtype=object)}),
    'df_object_mixed': lambda: DF({"a": pd.Series(["x", 1], dtype=object)}),
    'df_object_floats': lambda: DF({"a": pd.Series([1.5, 2.0], dtype=object)}),
    'df_bytes': lambda: DF({"a": [b"x", b"yz"]}),
    'df_bytes_none': lambda: DF({"a": [b"x", None]}),
    'df_dt_ns': lambda: DF({"a": np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[ns]")}),
    'df_dt_us': lambda: DF({"a": np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[us]")}),
    'df_dt_ms': lambda: DF({"a": np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[ms]")}),
    'df_dt_s': lambda: DF({"a": np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[s]")}),
    'df_dt_D': lambda: DF({"a": np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]")}),
    'df_dt_nat': lambda: DF({"a": pd.to_datetime(["2020-01-01", None])}),
    'df_date_objects': lambda: DF({"a": [datetime.date(2020, 1, 1), datetime.date(2020, 1, 2)]}),
    'df_Int64': lambda: DF({"a": pd.array([1, 2], dtype="Int64")}),
    'df_Int64_na': lambda: DF({"a": pd.array([1, None], dtype="Int64")}),
    'df_Int32_na': lambda: DF({"a": pd.array([1, None], dtype="Int32")}),
    'df_boolean_na': lambda: DF({"a": pd.array([True, None], dtype="boolean")}),
    'df_string_dtype': lambda: DF({"a": pd.array(["x", "y"], dtype="string")}),
    'df_string_dtype_na': lambda: DF({"a": pd.array(["x", None], dtype="string")}),
    'df_Float64_na': lambda: DF({"a": pd.array([1.5, None], dtype="Float64")}),
    'df_category_str': lambda: DF({"a": pd.Categorical(["x", "y", "x"])}),
    'df_category_int': lambda: DF({"a": pd.Categorical([1, 2, 1])}),
    'df_decimal': lambda: DF({"a": [decimal.Decimal("1.5")]}),
    'df_list_cells': lambda: DF({"a": [[1, 2], [3]]}),
    'df_dict_cells': lambda: DF({"a": [{"x": 1}, {"x": 2, "y": "s"}]}),
    'df_ols': lambda: DF({"const": [1.0, 1.0], "x1": [0.5, 0.7], "x2": [1.5, -2.0]}),
    'df_mixed': lambda: DF({"f": [1.0, 2.0], "i": [1, 2], "s": ["a", "b"], "b": [True, False]}),
    'df_int_labels': lambda: DF(np.ones((2, 2))),
    'df_empty_rows':
        lambda: DF({"a": pd.Series([], dtype="float64"), "b": pd.Series([], dtype="int64")}),
    'series_named': lambda: pd.Series([1.0, 2.0], name="y"),
    'series_unnamed': lambda: pd.Series([1.0, 2.0]),
    'series_int': lambda: pd.Series([1, 2]),
    'series_str_nan': lambda: pd.Series(["a", None], name="s"),
    'nd_1d': lambda: np.ones(3),
    'nd_2d_float32': lambda: np.ones((3, 2), dtype="float32"),
    'nd_3d_int32': lambda: np.ones((3, 2, 4), dtype="int32"),
    'nd_str': lambda: np.array(["ab", "c"]),
    'nd_bytes': lambda: np.array([b"ab", b"c"]),
    'nd_object': lambda: np.array([1, "a"], dtype=object),
    'nd_uint64': lambda: np.ones(3, dtype="uint64"),
    'nd_bool': lambda: np.ones(3, dtype="bool"),
    'nd_datetime': lambda: np.array(["2020-01-01"], dtype="datetime64[s]"),
    'nd_empty_rows': lambda: np.ones((0, 3)),
    'nd_fortran_noncontig': lambda: np.asfortranarray(np.ones((4, 6)))[:, ::2],
    'nd_0d': lambda: np.array(1.0),
    'dict_of_nd': lambda: {"a": np.ones((2, 3)), "b": np.arange(2), "s": np.array(["x", "yy"])},
    'dict_nd_and_list': lambda: {"a": np.ones(2), "b": [1, 2]},
    'dict_scalars': lambda: {"a": 1, "b": "x", "c": 1.5, "d": None, "e": True},
    'dict_lists': lambda: {"a": [1, 2], "b": ["x"], "c": [[1.0], [2.0, 3.0]]},
    'dict_nested': lambda: {"o": {"k": 1, "v": ["a"]}},
    'dict_nonstr_key': lambda: {1: "x"},
    'list_str': lambda: ["a", "b"],
    'list_float': lambda: [1.0, 2.0],
    'list_int': lambda: [1, 2],
    'list_mixed': lambda: [1, "a"],
    'list_of_lists': lambda: [[1.0, 2.0], [3.0]],
    'list_empty': lambda: [],
    'list_of_dicts': lambda: [{"a": 1, "b": "x"}, {"a": 2}],
    'list_of_dicts_none': lambda: [{"a": 1.5, "b": None}, {"a": 2.5, "b": "y"}],
    'scalar_int': lambda: 1,
    'scalar_float': lambda: 1.5,
    'scalar_bool': lambda: True,
    'scalar_str': lambda: "s",
    'scalar_bytes': lambda: b"b",
    'scalar_bytearray': lambda: bytearray(b"x"),
    'scalar_np_float32': lambda: np.float32(1),
    'scalar_np_int32': lambda: np.int32(1),
    'scalar_np_int64': lambda: np.int64(1),
    'scalar_np_uint64': lambda: np.uint64(1),
    'scalar_date': lambda: datetime.date(2020, 1, 1),
    'scalar_datetime': lambda: datetime.datetime(2020, 1, 1, 2, 3),
    'scalar_np_datetime64': lambda: np.datetime64("2020-01-01"),
    'scalar_set': lambda: {1, 2},
}

# id -> (MLflow 3.17 inputs JSON, integer-hint UserWarning emitted, AnyType fallback logged)
EXPECTED = {
    'df_int8': ('[{"type": "integer", "name": "a", "required": true}]', True, False),
    'df_int16': ('[{"type": "integer", "name": "a", "required": true}]', True, False),
    'df_int32': ('[{"type": "integer", "name": "a", "required": true}]', True, False),
    'df_int64': ('[{"type": "long", "name": "a", "required": true}]', True, False),
    'df_uint8': ('[{"type": "integer", "name": "a", "required": true}]', True, False),
    'df_uint16': ('[{"type": "integer", "name": "a", "required": true}]', True, False),
    'df_uint32': ('[{"type": "long", "name": "a", "required": true}]', True, False),
    'df_uint64': ('[{"type": "any", "required": true}]', False, True),
    'df_float16': ('[{"type": "float", "name": "a", "required": true}]', False, False),
    'df_float32': ('[{"type": "float", "name": "a", "required": true}]', False, False),
    'df_float64': ('[{"type": "double", "name": "a", "required": true}]', False, False),
    'df_float64_nan': ('[{"type": "double", "name": "a", "required": false}]', False, False),
    'df_bool': ('[{"type": "boolean", "name": "a", "required": true}]', False, False),
    'df_str': ('[{"type": "string", "name": "a", "required": true}]', False, False),
    'df_str_none': ('[{"type": "string", "name": "a", "required": false}]', False, False),
    'df_object_str': ('[{"type": "string", "name": "a", "required": true}]', False, False),
    'df_object_mixed': ('[{"type": "any", "required": true}]', False, True),
    'df_object_floats': ('[{"type": "double", "name": "a", "required": true}]', False, False),
    'df_bytes': ('[{"type": "binary", "name": "a", "required": true}]', False, False),
    'df_bytes_none': ('[{"type": "binary", "name": "a", "required": false}]', False, False),
    'df_dt_ns': ('[{"type": "datetime", "name": "a", "required": true}]', False, False),
    'df_dt_us': ('[{"type": "datetime", "name": "a", "required": true}]', False, False),
    'df_dt_ms': ('[{"type": "datetime", "name": "a", "required": true}]', False, False),
    'df_dt_s': ('[{"type": "datetime", "name": "a", "required": true}]', False, False),
    'df_dt_D': ('[{"type": "datetime", "name": "a", "required": true}]', False, False),
    'df_dt_nat': ('[{"type": "datetime", "name": "a", "required": false}]', False, False),
    'df_date_objects': ('[{"type": "datetime", "name": "a", "required": true}]', False, False),
    'df_Int64': ('[{"type": "long", "name": "a", "required": true}]', True, False),
    'df_Int64_na': ('[{"type": "long", "name": "a", "required": false}]', True, False),
    'df_Int32_na': ('[{"type": "integer", "name": "a", "required": false}]', True, False),
    'df_boolean_na': ('[{"type": "boolean", "name": "a", "required": false}]', False, False),
    'df_string_dtype': ('[{"type": "string", "name": "a", "required": true}]', False, False),
    'df_string_dtype_na': ('[{"type": "string", "name": "a", "required": false}]', False, False),
    'df_Float64_na': ('[{"type": "double", "name": "a", "required": false}]', False, False),
    'df_category_str': ('[{"type": "string", "name": "a", "required": true}]', False, False),
    'df_category_int': ('[{"type": "long", "name": "a", "required": true}]', True, False),
    'df_decimal': ('[{"type": "any", "required": true}]', False, True),
    'df_list_cells': (
        '[{"type": "array", "items": {"type": "long"}, "name": "a", "required": true}]',
        False, False),
    'df_dict_cells': (
        '[{"type": "object", "properties": {"x": {"type": "long", "required": true}, '
        '"y": {"type": "string", "required": false}}, "name": "a", "required": true}]',
        False, False),
    'df_ols': (
        '[{"type": "double", "name": "const", "required": true}, {"type": "double", '
        '"name": "x1", "required": true}, {"type": "double", "name": "x2", "required": true}]',
        False, False),
    'df_mixed': (
        '[{"type": "double", "name": "f", "required": true}, {"type": "long", "name": "i", '
        '"required": true}, {"type": "string", "name": "s", "required": true}, '
        '{"type": "boolean", "name": "b", "required": true}]',
        True, False),
    'df_int_labels': (
        '[{"type": "double", "name": 0, "required": true}, {"type": "double", "name": 1, '
        '"required": true}]',
        False, False),
    'df_empty_rows': (
        '[{"type": "double", "name": "a", "required": true}, {"type": "long", "name": "b", '
        '"required": true}]',
        True, False),
    'series_named': ('[{"type": "double", "name": "y", "required": true}]', False, False),
    'series_unnamed': ('[{"type": "double", "required": true}]', False, False),
    'series_int': ('[{"type": "long", "required": true}]', True, False),
    'series_str_nan': ('[{"type": "string", "name": "s", "required": false}]', False, False),
    'nd_1d': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]',
        False, False),
    'nd_2d_float32': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]',
        False, False),
    'nd_3d_int32': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1, 2, 4]}}]',
        False, False),
    'nd_str': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}]',
        False, False),
    'nd_bytes': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "bytes", "shape": [-1]}}]',
        False, False),
    'nd_object': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "object", "shape": [-1]}}]',
        False, False),
    'nd_uint64': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "uint64", "shape": [-1]}}]',
        False, False),
    'nd_bool': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "bool", "shape": [-1]}}]',
        False, False),
    'nd_datetime': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "datetime64[s]", "shape": [-1]}}]',
        False, False),
    'nd_empty_rows': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]',
        False, False),
    'nd_fortran_noncontig': (
        '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]',
        False, False),
    'nd_0d': ('[{"type": "any", "required": true}]', False, True),
    'dict_of_nd': (
        '[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, '
        '3]}}, {"name": "b", "type": "tensor", "tensor-spec": {"dtype": "int64", '
        '"shape": [-1]}}, {"name": "s", "type": "tensor", "tensor-spec": {"dtype": "str", '
        '"shape": [-1]}}]',
        False, False),
    'dict_nd_and_list': (
        '[{"type": "array", "items": {"type": "double"}, "name": "a", "required": true}, '
        '{"type": "array", "items": {"type": "long"}, "name": "b", "required": true}]',
        False, False),
    'dict_scalars': (
        '[{"type": "long", "name": "a", "required": true}, {"type": "string", "name": "b", '
        '"required": true}, {"type": "double", "name": "c", "required": true}, '
        '{"type": "any", "name": "d", "required": false}, {"type": "boolean", "name": "e", '
        '"required": true}]',
        True, False),
    'dict_lists': (
        '[{"type": "array", "items": {"type": "long"}, "name": "a", "required": true}, '
        '{"type": "array", "items": {"type": "string"}, "name": "b", "required": true}, '
        '{"type": "array", "items": {"type": "array", "items": {"type": "double"}}, '
        '"name": "c", "required": true}]',
        False, False),
    'dict_nested': (
        '[{"type": "object", "properties": {"k": {"type": "long", "required": true}, '
        '"v": {"type": "array", "items": {"type": "string"}, "required": true}}, '
        '"name": "o", "required": true}]',
        False, False),
    'dict_nonstr_key': ('[{"type": "any", "required": true}]', False, True),
    'list_str': ('[{"type": "string", "required": true}]', False, False),
    'list_float': ('[{"type": "double", "required": true}]', False, False),
    'list_int': ('[{"type": "long", "required": true}]', True, False),
    'list_mixed': ('[{"type": "any", "required": true}]', False, True),
    'list_of_lists': (
        '[{"type": "array", "items": {"type": "double"}, "required": true}]',
        False, False),
    'list_empty': ('[{"type": "string", "required": true}]', False, False),
    'list_of_dicts': (
        '[{"type": "long", "name": "a", "required": true}, {"type": "string", "name": "b", '
        '"required": false}]',
        True, False),
    'list_of_dicts_none': (
        '[{"type": "double", "name": "a", "required": true}, {"type": "string", "name": "b", '
        '"required": false}]',
        False, False),
    'scalar_int': ('[{"type": "long", "required": true}]', True, False),
    'scalar_float': ('[{"type": "double", "required": true}]', False, False),
    'scalar_bool': ('[{"type": "boolean", "required": true}]', False, False),
    'scalar_str': ('[{"type": "string", "required": true}]', False, False),
    'scalar_bytes': ('[{"type": "binary", "required": true}]', False, False),
    'scalar_bytearray': ('[{"type": "binary", "required": true}]', False, False),
    'scalar_np_float32': ('[{"type": "float", "required": true}]', False, False),
    'scalar_np_int32': ('[{"type": "integer", "required": true}]', True, False),
    'scalar_np_int64': ('[{"type": "long", "required": true}]', True, False),
    'scalar_np_uint64': ('[{"type": "any", "required": true}]', False, True),
    'scalar_date': ('[{"type": "datetime", "required": true}]', False, False),
    'scalar_datetime': ('[{"type": "datetime", "required": true}]', False, False),
    'scalar_np_datetime64': ('[{"type": "datetime", "required": true}]', False, False),
    'scalar_set': ('[{"type": "any", "required": true}]', False, True),
}

assert list(INPUTS) == list(EXPECTED)


@pytest.mark.parametrize("case_id", list(INPUTS))
def test_infer_input_schema(impl, case_id):
    golden, hint, fallback = EXPECTED[case_id]
    sig, cap = infer(impl, INPUTS[case_id]())
    assert isinstance(sig, impl.ModelSignature)
    assert sig.to_dict() == {"inputs": golden, "outputs": None, "params": None}
    assert sig.inputs.to_json() == golden
    assert cap.warning_messages() == ([INT_HINT] if hint else [])
    assert cap.log_messages() == ([FALLBACK_INPUTS] if fallback else [])


@pytest.mark.parametrize("case_id", ["df_ols", "df_mixed", "nd_2d_float32", "dict_of_nd",
                                     "list_of_dicts", "dict_scalars", "df_category_str"])
def test_inferred_schema_equals_mlflow_object(impl, oracle, case_id):
    ours, _ = infer(impl, INPUTS[case_id]())
    theirs, _ = infer(oracle, INPUTS[case_id]())
    assert ours.to_dict() == theirs.to_dict()
    assert repr(ours) == repr(theirs)
    assert impl.ModelSignature.from_dict(theirs.to_dict()) == ours


def test_infer_does_not_modify_input(impl):
    df = INPUTS["df_mixed"]()
    before = df.copy(deep=True)
    infer(impl, df)
    pd.testing.assert_frame_equal(df, before)
    arr = np.arange(6.0).reshape(3, 2)
    infer(impl, arr)
    assert arr.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]


def test_inferred_types_are_objects(impl):
    sig, _ = infer(impl, INPUTS["df_mixed"]())
    DT = impl.DataType
    assert sig.inputs.input_types() == [DT.double, DT.long, DT.string, DT.boolean]
    assert all(isinstance(s, impl.ColSpec) for s in sig.inputs.inputs)
    sig, _ = infer(impl, INPUTS["nd_3d_int32"]())
    spec = sig.inputs.inputs[0]
    assert isinstance(spec, impl.TensorSpec)
    assert spec.type == np.dtype("int32") and spec.shape == (-1, 2, 4)


# --------------------------------------------------------------------------------- outputs

OUTPUTS = [
    ("series", lambda: pd.Series([1.5, 2.5]), '[{"type": "double", "required": true}]', False),
    ("series_named", lambda: pd.Series([1.5], name="pred"),
     '[{"type": "double", "name": "pred", "required": true}]', False),
    ("ndarray_1d", lambda: np.array([1.5, 2.5]),
     '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]', False),
    ("ndarray_2d", lambda: np.ones((2, 2), dtype="float32"),
     '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]', False),
    ("frame", lambda: DF({"mean": [1.0], "lower": [0.5]}),
     '[{"type": "double", "name": "mean", "required": true}, {"type": "double", "name": '
     '"lower", "required": true}]', False),
    ("list", lambda: [1.0, 2.0], '[{"type": "double", "required": true}]', False),
    ("int_series", lambda: pd.Series([1, 2]), '[{"type": "long", "required": true}]', True),
]


@pytest.mark.parametrize("case", OUTPUTS, ids=[c[0] for c in OUTPUTS])
def test_infer_output_schema(impl, case):
    _, make, golden, hint = case
    X = DF({"x": [1.0, 2.0]})
    sig, cap = infer(impl, X, make())
    assert sig.to_dict() == {"inputs": '[{"type": "double", "name": "x", "required": true}]',
                             "outputs": golden, "params": None}
    assert cap.warning_messages() == ([INT_HINT] if hint else [])
    assert cap.log_messages() == []


def test_infer_output_only(impl):
    sig, _ = infer(impl, None, pd.Series([1.0]))
    assert sig.inputs is None
    assert sig.to_dict() == {"inputs": None, "outputs": '[{"type": "double", "required": true}]',
                             "params": None}
    sig, _ = infer(impl, model_output=np.ones(2))
    assert sig.inputs is None and sig.outputs.is_tensor_spec()


def test_infer_output_fallback(impl):
    sig, cap = infer(impl, DF({"x": [1.0]}), {1, 2})
    assert sig.to_dict()["outputs"] == '[{"type": "any", "required": true}]'
    assert cap.log_messages() == [FALLBACK_OUTPUTS]


def test_infer_nothing(impl):
    raises(impl, Raises(ValueError, "At least one of inputs, outputs or params must be provided"),
           impl.infer_signature)
    raises(impl, Raises(ValueError, "At least one of inputs, outputs or params must be provided"),
           impl.infer_signature, None, None, None)


def test_infer_ols_signature(impl, ols_df, ols_nd):
    res, X = ols_df
    sig, cap = infer(impl, X, res.predict(X))
    assert sig.to_dict() == {
        "inputs": '[{"type": "double", "name": "const", "required": true}, {"type": "double", '
                  '"name": "x1", "required": true}, {"type": "double", "name": "x2", '
                  '"required": true}]',
        "outputs": '[{"type": "double", "required": true}]',
        "params": None}
    assert cap.messages == []
    res, Xn = ols_nd
    sig, cap = infer(impl, Xn, res.predict(Xn))
    assert sig.to_dict() == {
        "inputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]',
        "params": None}
    assert cap.messages == []


# --------------------------------------------------------------------------------- params

PARAMS_GOLDEN = (
    '[{"name": "alpha", "default": 0.5, "shape": null, "type": "double"}, {"name": "n", '
    '"default": 1, "shape": null, "type": "long"}, {"name": "s", "default": "x", "shape": null, '
    '"type": "string"}, {"name": "f", "default": true, "shape": null, "type": "boolean"}, '
    '{"name": "arr", "default": [1, 2], "shape": [-1], "type": "long"}, {"name": "d", '
    '"default": "2020-01-01", "shape": null, "type": "datetime"}, {"name": "dt", "default": '
    '"2020-01-01T02:03:00", "shape": null, "type": "datetime"}, {"name": "np", "default": 1.0, '
    '"shape": null, "type": "float"}, {"name": "i32", "default": 3, "shape": null, "type": '
    '"integer"}, {"name": "farr", "default": [0.5, 1.5], "shape": [-1], "type": "double"}, '
    '{"name": "nparr", "default": [1, 2], "shape": [-1], "type": "long"}, {"name": "arrd", '
    '"default": ["2020-01-01"], "shape": [-1], "type": "datetime"}, {"name": "obj", "default": '
    '{"k": 1}, "shape": null, "type": "object", "properties": {"k": {"type": "long", '
    '"required": true}}}]')


def _params():
    return {"alpha": 0.5, "n": 1, "s": "x", "f": True, "arr": [1, 2],
            "d": datetime.date(2020, 1, 1), "dt": datetime.datetime(2020, 1, 1, 2, 3),
            "np": np.float32(1), "i32": np.int32(3), "farr": [0.5, 1.5],
            "nparr": np.array([1, 2]), "arrd": [datetime.date(2020, 1, 1)], "obj": {"k": 1}}


def test_infer_params(impl):
    params = _params()
    sig, cap = infer(impl, DF({"x": [1.0]}), None, params)
    assert sig.to_dict()["params"] == PARAMS_GOLDEN
    assert isinstance(sig.params, impl.ParamSchema)
    assert [p.name for p in sig.params.params] == list(params)
    assert cap.messages == []
    spec = {p.name: p for p in sig.params.params}
    assert spec["np"].default == 1.0 and type(spec["np"].default) is float
    assert spec["arr"].shape == (-1,) and spec["alpha"].shape is None
    assert spec["d"].default == datetime.date(2020, 1, 1)
    # the caller's dict is not modified
    assert params["nparr"].tolist() == [1, 2] and params["obj"] == {"k": 1}


def test_infer_params_only(impl):
    sig, _ = infer(impl, params={"alpha": 0.5})
    assert sig.to_dict() == {"inputs": None, "outputs": None, "params":
                             '[{"name": "alpha", "default": 0.5, "shape": null, "type": '
                             '"double"}]'}


def test_infer_empty_params_gives_none(impl):
    sig, _ = infer(impl, DF({"x": [1.0]}), None, {})
    assert sig.params is None and sig.to_dict()["params"] is None


PARAM_ERRORS = [
    ("not_a_dict", [1], "Expected parameters to be dict, got list"),
    ("none_value", {"b": None},
     "Failed to infer schema for parameters: [('b', None, MlflowException('Expected parameters "
     "to be 1D array or scalar, got NoneType'))]"),
    ("nested_list", {"a": [[1, 2]]},
     "Failed to infer schema for parameters: [('a', [[1, 2]], MlflowException('Expected "
     "parameters to be 1D array or scalar, got 2D array'))]"),
    ("binary", {"g": b"x"},
     "Failed to infer schema for parameters: [('g', b'x', MlflowException(\"Binary type is not "
     "supported for parameters, ParamSpec 'g'has dtype 'binary'\"))]"),
    ("uint64", {"u": np.uint64(3)},
     "Failed to infer schema for parameters: [('u', np.uint64(3), MlflowException('Failed to "
     "infer schema for parameter 3: MlflowException(\"Unsupported numpy data type \\'uint64\\', "
     "kind \\'u\\'\")'))]"),
    ("two_bad_one_good", {"ok": 1.0, "b": None, "c": {1, 2}},
     "Failed to infer schema for parameters: [('b', None, MlflowException('Expected parameters "
     "to be 1D array or scalar, got NoneType')), ('c', {1, 2}, MlflowException('Expected "
     "parameters to be 1D array or scalar, got set'))]"),
]


@pytest.mark.parametrize("case", PARAM_ERRORS, ids=[c[0] for c in PARAM_ERRORS])
def test_infer_params_errors(impl, case):
    _, params, message = case
    with capture():
        raises(impl, Raises("MlflowException", message, "INVALID_PARAMETER_VALUE"),
               impl.infer_signature, DF({"x": [1.0]}), None, params)


def test_infer_signature_result_json_round_trips(impl):
    sig, _ = infer(impl, INPUTS["df_mixed"](), pd.Series([1.0]), {"alpha": 0.5})
    again = impl.ModelSignature.from_dict(json.loads(json.dumps(sig.to_dict())))
    assert again == sig
