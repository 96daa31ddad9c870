"""mlflow_c.types: DataType, ColSpec/TensorSpec/Schema, ParamSpec/ParamSchema, ModelSignature.

Their JSON text, dicts, reprs, equality, query methods and construction errors must be MLflow
3.17's (contract §3.2-3.5). The golden strings below are MLflow 3.17's output; the mlflow half of
the suite checks them against MLflow itself. Deliberate differences: Q13 (the mixed ColSpec /
TensorSpec message names the classes), Q14 (duplicate column names are rejected), Q15 (2.x
``"optional"`` keys are read).
"""

from __future__ import annotations

import datetime
import enum
import json
import os

import numpy as np
import pytest
import yaml

from sigconf import FAST_REQS, ORACLE, Raises, expect, raises, run

# --------------------------------------------------------------------------------- DataType

DATATYPES = [
    # name, value, numpy, pandas, python
    ("boolean", 1, np.dtype("bool"), np.dtype("bool"), bool),
    ("integer", 2, np.dtype("int32"), np.dtype("int32"), int),
    ("long", 3, np.dtype("int64"), np.dtype("int64"), int),
    ("float", 4, np.dtype("float32"), np.dtype("float32"), float),
    ("double", 5, np.dtype("float64"), np.dtype("float64"), float),
    ("string", 6, np.dtype("str"), object, str),
    ("binary", 7, np.dtype("bytes"), object, bytes),
    ("datetime", 8, np.dtype("datetime64[ns]"), np.dtype("datetime64[ns]"), datetime.date),
]


def test_datatype_members_in_order(impl):
    DataType = impl.DataType
    assert [t.name for t in DataType] == [row[0] for row in DATATYPES]
    assert [t.value for t in DataType] == [row[1] for row in DATATYPES]
    assert len(DataType) == 8
    assert isinstance(DataType.double, enum.Enum)


@pytest.mark.parametrize("row", DATATYPES, ids=[r[0] for r in DATATYPES])
def test_datatype_member(impl, row):
    name, value, np_type, pd_type, py_type = row
    t = getattr(impl.DataType, name)
    assert t is impl.DataType[name] is impl.DataType(value)
    assert t.name == name and t.value == value
    assert str(t) == f"DataType.{name}"
    assert f"{t}" == f"DataType.{name}"
    assert repr(t) == name
    assert t.to_numpy() == np_type and isinstance(t.to_numpy(), np.dtype)
    assert str(t.to_numpy()) == str(np_type)
    assert t.to_pandas() is pd_type if pd_type is object else t.to_pandas() == pd_type
    assert t.to_python() is py_type


def test_datatype_string_numpy_prints_as_u0(impl):
    # shows up in "Can not safely convert int64 to <U0." (contract §3.2)
    assert str(impl.DataType.string.to_numpy()) == "<U0"
    assert str(impl.DataType.binary.to_numpy()) == "|S0"


def test_datatype_unknown_name_and_value(impl):
    with pytest.raises(KeyError):
        impl.DataType["decimal"]
    with pytest.raises(ValueError):
        impl.DataType(9)


# --------------------------------------------------------------------------------- schemas


def _obj(ns):
    return ns.Object([ns.Property("b", "long", False), ns.Property("a", "string")])


SCHEMAS = [
    # id, builder(ns), MLflow 3.17 to_json(), MLflow 3.17 repr()
    ("named_double",
     lambda ns: ns.Schema([ns.ColSpec("double", "x1")]),
     '[{"type": "double", "name": "x1", "required": true}]',
     "['x1': double (required)]"),
    ("ols_columns",
     lambda ns: ns.Schema([ns.ColSpec("double", n) for n in ("const", "x1", "x2")]),
     '[{"type": "double", "name": "const", "required": true}, {"type": "double", "name": "x1", '
     '"required": true}, {"type": "double", "name": "x2", "required": true}]',
     "['const': double (required), 'x1': double (required), 'x2': double (required)]"),
    ("all_types_named",
     lambda ns: ns.Schema([ns.ColSpec(t, f"c_{t.name}") for t in ns.DataType]),
     '[{"type": "boolean", "name": "c_boolean", "required": true}, {"type": "integer", "name": '
     '"c_integer", "required": true}, {"type": "long", "name": "c_long", "required": true}, '
     '{"type": "float", "name": "c_float", "required": true}, {"type": "double", "name": '
     '"c_double", "required": true}, {"type": "string", "name": "c_string", "required": true}, '
     '{"type": "binary", "name": "c_binary", "required": true}, {"type": "datetime", "name": '
     '"c_datetime", "required": true}]',
     "['c_boolean': boolean (required), 'c_integer': integer (required), 'c_long': long "
     "(required), 'c_float': float (required), 'c_double': double (required), 'c_string': string "
     "(required), 'c_binary': binary (required), 'c_datetime': datetime (required)]"),
    ("all_types_unnamed",
     lambda ns: ns.Schema([ns.ColSpec(t) for t in ns.DataType]),
     '[{"type": "boolean", "required": true}, {"type": "integer", "required": true}, {"type": '
     '"long", "required": true}, {"type": "float", "required": true}, {"type": "double", '
     '"required": true}, {"type": "string", "required": true}, {"type": "binary", "required": '
     'true}, {"type": "datetime", "required": true}]',
     "[boolean (required), integer (required), long (required), float (required), double "
     "(required), string (required), binary (required), datetime (required)]"),
    ("datatype_objects",
     lambda ns: ns.Schema([ns.ColSpec(ns.DataType.long, "a"),
                           ns.ColSpec(ns.DataType.string, "b", required=False)]),
     '[{"type": "long", "name": "a", "required": true}, {"type": "string", "name": "b", '
     '"required": false}]',
     "['a': long (required), 'b': string (optional)]"),
    ("optional_mix",
     lambda ns: ns.Schema([ns.ColSpec("double", "a"), ns.ColSpec("long", "b", required=False),
                           ns.ColSpec("string", "c", False)]),
     '[{"type": "double", "name": "a", "required": true}, {"type": "long", "name": "b", '
     '"required": false}, {"type": "string", "name": "c", "required": false}]',
     "['a': double (required), 'b': long (optional), 'c': string (optional)]"),
    ("unnamed_output",
     lambda ns: ns.Schema([ns.ColSpec("double")]),
     '[{"type": "double", "required": true}]',
     "[double (required)]"),
    ("integer_names",  # Q16: integer names are written as JSON integers (KEEP)
     lambda ns: ns.Schema([ns.ColSpec("double", 0), ns.ColSpec("double", 1)]),
     '[{"type": "double", "name": 0, "required": true}, {"type": "double", "name": 1, '
     '"required": true}]',
     "[0: double (required), 1: double (required)]"),
    ("array_string",
     lambda ns: ns.Schema([ns.ColSpec(ns.Array("string"), "ids")]),
     '[{"type": "array", "items": {"type": "string"}, "name": "ids", "required": true}]',
     "['ids': Array(string) (required)]"),
    ("array_nested_optional",
     lambda ns: ns.Schema([ns.ColSpec(ns.Array(ns.Array("double")), "m", required=False),
                           ns.ColSpec("long", "k")]),
     '[{"type": "array", "items": {"type": "array", "items": {"type": "double"}}, "name": "m", '
     '"required": false}, {"type": "long", "name": "k", "required": true}]',
     "['m': Array(Array(double)) (optional), 'k': long (required)]"),
    ("object_sorted",
     lambda ns: ns.Schema([ns.ColSpec(_obj(ns), "obj")]),
     '[{"type": "object", "properties": {"a": {"type": "string", "required": true}, "b": '
     '{"type": "long", "required": false}}, "name": "obj", "required": true}]',
     "['obj': {a: string (required), b: long (optional)} (required)]"),
    ("array_of_object",
     lambda ns: ns.Schema([ns.ColSpec(ns.Array(_obj(ns)), "rows")]),
     '[{"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string", '
     '"required": true}, "b": {"type": "long", "required": false}}}, "name": "rows", '
     '"required": true}]',
     "['rows': Array({a: string (required), b: long (optional)}) (required)]"),
    ("object_nested",
     lambda ns: ns.Schema([ns.ColSpec(ns.Object([
         ns.Property("inner", _obj(ns)),
         ns.Property("tags", ns.Array("string"), required=False)]), "o")]),
     '[{"type": "object", "properties": {"inner": {"type": "object", "properties": {"a": '
     '{"type": "string", "required": true}, "b": {"type": "long", "required": false}}, '
     '"required": true}, "tags": {"type": "array", "items": {"type": "string"}, "required": '
     'false}}, "name": "o", "required": true}]',
     "['o': {inner: {a: string (required), b: long (optional)} (required), tags: Array(string) "
     "(optional)} (required)]"),
    ("map_double",  # contract §3.4 says Map(str -> double); MLflow 3.17 prints the DataType str()
     lambda ns: ns.Schema([ns.ColSpec(ns.Map("double"), "m")]),
     '[{"type": "map", "values": {"type": "double"}, "name": "m", "required": true}]',
     "['m': Map(str -> DataType.double) (required)]"),
    ("map_of_array",
     lambda ns: ns.Schema([ns.ColSpec(ns.Map(ns.Array("long")), "m")]),
     '[{"type": "map", "values": {"type": "array", "items": {"type": "long"}}, "name": "m", '
     '"required": true}]',
     "['m': Map(str -> Array(long)) (required)]"),
    ("any_named",
     lambda ns: ns.Schema([ns.ColSpec(ns.AnyType(), "anything", required=False)]),
     '[{"type": "any", "name": "anything", "required": false}]',
     "['anything': Any (optional)]"),
    ("any_unnamed",
     lambda ns: ns.Schema([ns.ColSpec(ns.AnyType())]),
     '[{"type": "any", "required": true}]',
     "[Any (required)]"),
    ("array_any",
     lambda ns: ns.Schema([ns.ColSpec(ns.Array(ns.AnyType()), "xs")]),
     '[{"type": "array", "items": {"type": "any"}, "name": "xs", "required": true}]',
     "['xs': Array(Any) (required)]"),
    ("unnamed_array",
     lambda ns: ns.Schema([ns.ColSpec(ns.Array("double"))]),
     '[{"type": "array", "items": {"type": "double"}, "required": true}]',
     "[Array(double) (required)]"),
    ("tensor_unnamed",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("float64"), (-1, 3))]),
     '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]',
     "[Tensor('float64', (-1, 3))]"),
    ("tensor_1d",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("float64"), (-1,))]),
     '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]',
     "[Tensor('float64', (-1,))]"),
    ("tensor_fixed",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("int32"), (2, 3))]),
     '[{"type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [2, 3]}}]',
     "[Tensor('int32', (2, 3))]"),
    ("tensor_3d_list_shape",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("float32"), [-1, -1, 3])]),
     '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, -1, 3]}}]',
     "[Tensor('float32', (-1, -1, 3))]"),
    ("tensor_scalar_shape",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("float64"), ())]),
     '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": []}}]',
     "[Tensor('float64', ())]"),
    ("tensor_named",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("float64"), (-1, 2), "a"),
                           ns.TensorSpec(np.dtype("int64"), (-1,), "b")]),
     '[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}}, '
     '{"name": "b", "type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]',
     "['a': Tensor('float64', (-1, 2)), 'b': Tensor('int64', (-1,))]"),
    ("tensor_dtypes",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype(d), (-1,), d) for d in (
         "bool", "int8", "uint64", "float16", "str", "bytes", "object", "datetime64[ns]",
         "complex128")]),
     '[{"name": "bool", "type": "tensor", "tensor-spec": {"dtype": "bool", "shape": [-1]}}, '
     '{"name": "int8", "type": "tensor", "tensor-spec": {"dtype": "int8", "shape": [-1]}}, '
     '{"name": "uint64", "type": "tensor", "tensor-spec": {"dtype": "uint64", "shape": [-1]}}, '
     '{"name": "float16", "type": "tensor", "tensor-spec": {"dtype": "float16", "shape": [-1]}}, '
     '{"name": "str", "type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}, '
     '{"name": "bytes", "type": "tensor", "tensor-spec": {"dtype": "bytes", "shape": [-1]}}, '
     '{"name": "object", "type": "tensor", "tensor-spec": {"dtype": "object", "shape": [-1]}}, '
     '{"name": "datetime64[ns]", "type": "tensor", "tensor-spec": {"dtype": "datetime64[ns]", '
     '"shape": [-1]}}, {"name": "complex128", "type": "tensor", "tensor-spec": {"dtype": '
     '"complex128", "shape": [-1]}}]',
     "['bool': Tensor('bool', (-1,)), 'int8': Tensor('int8', (-1,)), 'uint64': Tensor('uint64', "
     "(-1,)), 'float16': Tensor('float16', (-1,)), 'str': Tensor('str', (-1,)), 'bytes': "
     "Tensor('bytes', (-1,)), 'object': Tensor('object', (-1,)), 'datetime64[ns]': "
     "Tensor('datetime64[ns]', (-1,)), 'complex128': Tensor('complex128', (-1,))]"),
]
SCHEMA_IDS = [s[0] for s in SCHEMAS]


@pytest.mark.parametrize("case", SCHEMAS, ids=SCHEMA_IDS)
def test_schema_to_json_and_repr(impl, case):
    _, build, golden, golden_repr = case
    schema = build(impl)
    assert schema.to_json() == golden
    # to_dict keeps tensor shapes as tuples; json.dumps makes them lists
    assert json.loads(json.dumps(schema.to_dict())) == json.loads(golden)
    assert [spec.to_dict() for spec in schema.inputs] == schema.to_dict()
    assert repr(schema) == golden_repr
    assert str(schema) == golden_repr


@pytest.mark.parametrize("case", SCHEMAS, ids=SCHEMA_IDS)
def test_schema_from_json_round_trip(impl, case):
    _, build, golden, golden_repr = case
    schema = impl.Schema.from_json(golden)
    assert isinstance(schema, impl.Schema)
    assert schema == build(impl)
    assert schema.to_json() == golden
    assert repr(schema) == golden_repr
    for spec, item in zip(schema.inputs, json.loads(golden)):
        cls = impl.TensorSpec if item["type"] == "tensor" else impl.ColSpec
        assert isinstance(spec, cls)
        assert cls.from_json_dict(**item) == spec


@pytest.mark.parametrize("case", SCHEMAS, ids=SCHEMA_IDS)
def test_schema_text_matches_mlflow(impl, oracle, case):
    _, build, _, _ = case
    assert build(impl).to_json() == build(oracle).to_json()
    assert repr(build(impl)) == repr(build(oracle))


def test_colspec_attributes_and_dict(impl):
    c = impl.ColSpec("double", "x1")
    assert c.type is impl.DataType.double and c.name == "x1" and c.required is True
    assert c.to_dict() == {"type": "double", "name": "x1", "required": True}
    assert list(c.to_dict()) == ["type", "name", "required"]
    o = impl.ColSpec(impl.DataType.long, "b", required=False)
    assert o.required is False
    assert repr(o) == "'b': long (optional)"
    u = impl.ColSpec("string")
    assert u.name is None and u.to_dict() == {"type": "string", "required": True}
    assert repr(u) == "string (required)"
    a = impl.ColSpec(type=impl.Array("string"), name="ids")
    assert a.to_dict() == {"type": "array", "items": {"type": "string"}, "name": "ids",
                           "required": True}
    assert list(a.to_dict()) == ["type", "items", "name", "required"]


def test_tensorspec_attributes_and_dict(impl):
    t = impl.TensorSpec(np.dtype("float64"), [-1, 3])
    assert t.type == np.dtype("float64") and isinstance(t.type, np.dtype)
    assert t.shape == (-1, 3) and isinstance(t.shape, tuple)
    assert t.name is None and t.required is True
    # MLflow keeps the tuple inside to_dict(); json.dumps turns it into a list
    assert t.to_dict() == {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": (-1, 3)}}
    assert repr(t) == "Tensor('float64', (-1, 3))"
    n = impl.TensorSpec(np.dtype("int64"), (-1,), "b")
    assert list(n.to_dict()) == ["name", "type", "tensor-spec"]
    assert repr(n) == "'b': Tensor('int64', (-1,))"


def test_composite_types_repr_eq_and_dict(impl):
    A, O, P, M, Any_ = impl.Array, impl.Object, impl.Property, impl.Map, impl.AnyType
    assert repr(A("string")) == "Array(string)"
    assert repr(A(A(impl.DataType.double))) == "Array(Array(double))"
    assert A("string").dtype is impl.DataType.string
    assert A("string") == A(impl.DataType.string) and A("string") != A("long")
    assert A("string").to_dict() == {"type": "array", "items": {"type": "string"}}
    obj = O([P("b", "long", False), P("a", "string")])
    assert [p.name for p in obj.properties] == ["a", "b"]  # sorted by name
    assert repr(obj) == "{a: string (required), b: long (optional)}"
    assert obj == O([P("a", "string"), P("b", "long", required=False)])
    assert obj.to_dict() == {"type": "object", "properties": {
        "a": {"type": "string", "required": True}, "b": {"type": "long", "required": False}}}
    assert repr(P("a", "string")) == "a: string (required)"
    assert P("a", "string").to_dict() == {"a": {"type": "string", "required": True}}
    assert repr(M("double")) == "Map(str -> DataType.double)"
    assert repr(M(A("long"))) == "Map(str -> Array(long))"
    assert M("double").value_type is impl.DataType.double
    assert M("double").to_dict() == {"type": "map", "values": {"type": "double"}}
    assert repr(Any_()) == "Any" and Any_() == Any_()
    assert Any_().to_dict() == {"type": "any"}


COMPOSITE_ERRORS = [
    ("object_empty", lambda ns: ns.Object([]),
     Raises("MlflowException", "Creating Object with empty properties is not allowed.",
            "INVALID_PARAMETER_VALUE")),
    ("object_duplicate", lambda ns: ns.Object([ns.Property("a", "long"),
                                               ns.Property("a", "string")]),
     Raises("MlflowException", "Found duplicated property names: `a`", "INVALID_PARAMETER_VALUE")),
    ("property_name", lambda ns: ns.Property(1, "long"),
     Raises("MlflowException", "Expected name to be a string, got type int",
            "INVALID_PARAMETER_VALUE")),
    ("array_bad_type", lambda ns: ns.Array("foo"),
     Raises("MlflowException",
            "Unsupported type 'foo', expected instance of DataType, Array, Object, Map or one of "
            "['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime']")),
]


@pytest.mark.parametrize("case", COMPOSITE_ERRORS, ids=[c[0] for c in COMPOSITE_ERRORS])
def test_composite_type_errors(impl, case):
    _, build, expected = case
    raises(impl, expected, build, impl)


# --------------------------------------------------------------------------------- Schema rules

SCHEMA_ERRORS = [
    ("mixed_named_unnamed",
     lambda ns: ns.Schema([ns.ColSpec("double", "a"), ns.ColSpec("double")]),
     lambda impl: Raises("MlflowException",
                         "Creating Schema with a combination of named and unnamed inputs is not "
                         "allowed. Got input names ['a', None]")),
    ("multiple_unnamed_tensors",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("float64"), (-1,)),
                           ns.TensorSpec(np.dtype("float64"), (-1,))]),
     lambda impl: Raises("MlflowException",
                         "Creating Schema with multiple unnamed TensorSpecs is not supported. "
                         "Please provide names for each TensorSpec.")),
    ("unnamed_optional",
     lambda ns: ns.Schema([ns.ColSpec("double", required=False)]),
     lambda impl: Raises("MlflowException",
                         "Creating Schema with unnamed optional inputs is not supported. Please "
                         "name all inputs or make all inputs required.")),
    ("empty",
     lambda ns: ns.Schema([]),
     lambda impl: Raises("MlflowException", "Creating Schema with empty inputs is not allowed.",
                         "INVALID_PARAMETER_VALUE")),
    ("not_a_list",
     lambda ns: ns.Schema((ns.ColSpec("double"),)),
     lambda impl: Raises("MlflowException", "Inputs of Schema must be a list, got type tuple",
                         "INVALID_PARAMETER_VALUE")),
    # Q13 (FIX): MLflow prints literal "{0} and {1}"; mlflow_c names the classes.
    ("mixed_colspec_tensorspec",
     lambda ns: ns.Schema([ns.ColSpec("double", "a"),
                           ns.TensorSpec(np.dtype("float64"), (-1,), "b")]),
     lambda impl: Raises("MlflowException", expect(
         impl,
         mlflow="Creating Schema with a combination of {0} and {1} is not supported. Please "
                "choose one of ColSpec or TensorSpec",
         mlflow_c="Creating Schema with a combination of ColSpec and TensorSpec is not "
                  "supported. Please choose one of ColSpec or TensorSpec"))),
    ("mixed_tensorspec_colspec",
     lambda ns: ns.Schema([ns.TensorSpec(np.dtype("float64"), (-1,), "b"),
                           ns.ColSpec("double", "a")]),
     lambda impl: Raises("MlflowException", expect(
         impl,
         mlflow="Creating Schema with a combination of {0} and {1} is not supported. Please "
                "choose one of ColSpec or TensorSpec",
         mlflow_c="Creating Schema with a combination of ColSpec and TensorSpec is not "
                  "supported. Please choose one of ColSpec or TensorSpec"))),
    ("colspec_bad_type_name",
     lambda ns: ns.ColSpec("foo"),
     lambda impl: Raises("MlflowException",
                         "Unsupported type 'foo', expected instance of DataType or one of "
                         "['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', "
                         "'datetime']")),
    ("colspec_bad_type_object",
     lambda ns: ns.ColSpec(5),
     lambda impl: Raises(TypeError,
                         "Expected mlflow.types.schema.Datatype, mlflow.types.schema.Array, "
                         "mlflow.types.schema.Object, mlflow.types.schema.Map, "
                         "mlflow.types.schema.AnyType or str for the 'type' argument, but got 5")),
    ("tensorspec_sized_str",
     lambda ns: ns.TensorSpec(np.dtype("U5"), (-1,)),
     lambda impl: Raises("MlflowException",
                         "MLflow does not support size information in flexible numpy data types. "
                         "Use np.dtype(\"str\") instead")),
    ("tensorspec_sized_bytes",
     lambda ns: ns.TensorSpec(np.dtype("S5"), (-1,)),
     lambda impl: Raises("MlflowException",
                         "MLflow does not support size information in flexible numpy data types. "
                         "Use np.dtype(\"bytes\") instead")),
    ("tensorspec_dtype_not_dtype",
     lambda ns: ns.TensorSpec("float64", (-1,)),
     lambda impl: Raises(TypeError,
                         "Expected `dtype` to be instance of `<class 'numpy.dtype'>`, received "
                         "`<class 'str'>`")),
    ("tensorspec_bad_shape",
     lambda ns: ns.TensorSpec(np.dtype("float64"), 5),
     lambda impl: Raises(TypeError,
                         "Expected `shape` to be instance of `<class 'tuple'>` or `<class "
                         "'list'>`, received `<class 'int'>`")),
]


@pytest.mark.parametrize("case", SCHEMA_ERRORS, ids=[c[0] for c in SCHEMA_ERRORS])
def test_schema_construction_errors(impl, case):
    _, build, expected = case
    raises(impl, expected(impl), build, impl)


@pytest.mark.parametrize("specs, dups", [
    (["a", "a"], ["a"]),
    (["a", "b", "a", "c", "b"], ["a", "b"]),
], ids=["one", "two"])
def test_duplicate_column_names(impl, specs, dups):
    """Q14 (FIX): MLflow builds a Schema with duplicate names; mlflow_c rejects it (the
    duplicates listed like ParamSchema lists its own: each repeated occurrence, in order)."""
    build = lambda: impl.Schema([impl.ColSpec("double", n) for n in specs])  # noqa: E731
    expected = expect(impl, mlflow=None, mlflow_c=Raises(
        "MlflowException", f"Duplicated column names found in schema: {dups}"))
    if expected is None:
        assert build().input_names() == specs
    else:
        raises(impl, expected, build)


def test_schema_query_methods_named(impl):
    DT = impl.DataType
    s = impl.Schema([impl.ColSpec("double", "a"), impl.ColSpec("long", "b", required=False),
                     impl.ColSpec(impl.Array("string"), "c")])
    assert len(s) == 3 and list(iter(s)) == s.inputs
    assert not s.is_tensor_spec() and s.has_input_names()
    assert s.input_names() == ["a", "b", "c"]
    assert s.required_input_names() == ["a", "c"]
    assert s.optional_input_names() == ["b"]
    assert s.input_types() == [DT.double, DT.long, impl.Array("string")]
    assert s.input_types_dict() == {"a": DT.double, "b": DT.long, "c": impl.Array("string")}
    d = s.input_dict()
    assert list(d) == ["a", "b", "c"] and d["b"] == impl.ColSpec("long", "b", required=False)
    raises(impl, Raises("MlflowException",
                        "Failed to get numpy types as some of the inputs types are not DataType."),
           s.numpy_types)
    raises(impl, Raises("MlflowException",
                        "Failed to get pandas types as some of the inputs types are not DataType."),
           s.pandas_types)


def test_schema_query_methods_types(impl):
    s = impl.Schema([impl.ColSpec("double", "a"), impl.ColSpec("string", "b"),
                     impl.ColSpec("datetime", "c")])
    assert s.numpy_types() == [np.dtype("float64"), np.dtype("str"), np.dtype("datetime64[ns]")]
    pt = s.pandas_types()
    assert pt[0] == np.dtype("float64") and pt[1] is object and pt[2] == np.dtype("<M8[ns]")


def test_schema_query_methods_unnamed(impl):
    s = impl.Schema([impl.ColSpec("double"), impl.ColSpec("long")])
    assert not s.has_input_names()
    assert s.input_names() == [0, 1]
    assert s.required_input_names() == [0, 1]
    assert s.optional_input_names() == []
    raises(impl, Raises("MlflowException", "Cannot get input dict for schema without names."),
           s.input_dict)
    raises(impl, Raises("MlflowException",
                        "Cannot get input types as a dict for schema without names."),
           s.input_types_dict)


def test_schema_query_methods_tensor(impl):
    s = impl.Schema([impl.TensorSpec(np.dtype("float32"), (-1, 2), "a"),
                     impl.TensorSpec(np.dtype("int64"), (-1,), "b")])
    assert s.is_tensor_spec() and s.has_input_names()
    assert s.input_names() == ["a", "b"] and s.required_input_names() == ["a", "b"]
    assert s.optional_input_names() == []
    assert s.input_types() == [np.dtype("float32"), np.dtype("int64")]
    assert s.numpy_types() == [np.dtype("float32"), np.dtype("int64")]
    raises(impl, Raises("MlflowException",
                        "TensorSpec only supports numpy types, use numpy_types() instead"),
           s.pandas_types)


def test_spec_equality(impl):
    C, T, S = impl.ColSpec, impl.TensorSpec, impl.Schema
    assert C("double", "a") == C(impl.DataType.double, "a", True)
    assert C("double", "a") != C("double", "a", required=False)
    assert C("double", "a") != C("double", "b")
    assert C("double") != C("long")
    assert C("double", "a") != T(np.dtype("float64"), (-1,), "a")
    assert T(np.dtype("float64"), (-1, 3)) == T(np.dtype("float64"), [-1, 3])
    assert T(np.dtype("float64"), (-1, 3)) != T(np.dtype("float32"), (-1, 3))
    assert T(np.dtype("float64"), (-1, 3)) != T(np.dtype("float64"), (-1, 3), "x")
    assert S([C("double", "a")]) == S([C("double", "a")])
    assert S([C("double", "a")]) != S([C("double", "a"), C("double", "b")])
    assert S([C("double", "a")]) != [C("double", "a")]
    assert (C("double", "a") == "a") is False


# --------------------------------------------------------------------------------- params

PARAMS = [
    ("scalars",
     lambda ns: ns.ParamSchema([
         ns.ParamSpec("alpha", "double", 0.5), ns.ParamSpec("n", ns.DataType.long, 1),
         ns.ParamSpec("flag", "boolean", True), ns.ParamSpec("s", "string", "hi"),
         ns.ParamSpec("f", "float", 1), ns.ParamSpec("i", "integer", np.int32(7))]),
     '[{"name": "alpha", "default": 0.5, "shape": null, "type": "double"}, {"name": "n", '
     '"default": 1, "shape": null, "type": "long"}, {"name": "flag", "default": true, "shape": '
     'null, "type": "boolean"}, {"name": "s", "default": "hi", "shape": null, "type": "string"}, '
     '{"name": "f", "default": 1.0, "shape": null, "type": "float"}, {"name": "i", "default": 7, '
     '"shape": null, "type": "integer"}]',
     "['alpha': double (default: 0.5), 'n': long (default: 1), 'flag': boolean (default: True), "
     "'s': string (default: hi), 'f': float (default: 1.0), 'i': integer (default: 7)]"),
    ("arrays",
     lambda ns: ns.ParamSchema([
         ns.ParamSpec("arr", "long", [1, 2], (-1,)), ns.ParamSpec("ws", "double", [0.5, 1], [-1]),
         ns.ParamSpec("empty", "string", [], (-1,))]),
     '[{"name": "arr", "default": [1, 2], "shape": [-1], "type": "long"}, {"name": "ws", '
     '"default": [0.5, 1.0], "shape": [-1], "type": "double"}, {"name": "empty", "default": [], '
     '"shape": [-1], "type": "string"}]',
     "['arr': long (default: [1, 2]) (shape: (-1,)), 'ws': double (default: [0.5, 1.0]) (shape: "
     "(-1,)), 'empty': string (default: []) (shape: (-1,))]"),
    ("datetimes",
     lambda ns: ns.ParamSchema([
         ns.ParamSpec("d", "datetime", datetime.date(2020, 1, 2)),
         ns.ParamSpec("dt", "datetime", datetime.datetime(2021, 3, 4, 5, 6, 7)),
         ns.ParamSpec("ds", "datetime", ["2022-01-01"], (-1,)),
         ns.ParamSpec("dstr", "datetime", "2020-02-03")]),
     '[{"name": "d", "default": "2020-01-02", "shape": null, "type": "datetime"}, {"name": "dt", '
     '"default": "2021-03-04T05:06:07", "shape": null, "type": "datetime"}, {"name": "ds", '
     '"default": ["2022-01-01"], "shape": [-1], "type": "datetime"}, {"name": "dstr", "default": '
     '"2020-02-03", "shape": null, "type": "datetime"}]',
     "['d': datetime (default: 2020-01-02), 'dt': datetime (default: 2021-03-04 05:06:07), 'ds': "
     "datetime (default: [datetime.date(2022, 1, 1)]) (shape: (-1,)), 'dstr': datetime (default: "
     "2020-02-03)]"),
    ("none_default",
     lambda ns: ns.ParamSchema([ns.ParamSpec("maybe", "double", None)]),
     '[{"name": "maybe", "default": null, "shape": null, "type": "double"}]',
     "['maybe': double (default: None)]"),
    ("object_param",
     lambda ns: ns.ParamSchema([ns.ParamSpec(
         "cfg", ns.Object([ns.Property("k", "long"), ns.Property("name", "string", False)]),
         {"k": 1})]),
     '[{"name": "cfg", "default": {"k": 1}, "shape": null, "type": "object", "properties": {"k": '
     '{"type": "long", "required": true}, "name": {"type": "string", "required": false}}}]',
     "['cfg': {k: long (required), name: string (optional)} (default: {'k': 1})]"),
]


@pytest.mark.parametrize("case", PARAMS, ids=[p[0] for p in PARAMS])
def test_param_schema_json(impl, case):
    _, build, golden, golden_repr = case
    ps = build(impl)
    assert ps.to_json() == golden
    assert ps.to_dict() == [spec.to_dict() for spec in ps.params]
    assert json.loads(json.dumps(ps.to_dict())) == json.loads(golden)
    assert repr(ps) == golden_repr
    assert len(ps) == len(ps.params) and list(iter(ps)) == ps.params
    back = impl.ParamSchema.from_json(golden)
    assert back.to_json() == golden
    assert back == build(impl)


def test_param_spec_attributes(impl):
    p = impl.ParamSpec("alpha", "double", 1)
    assert p.name == "alpha" and p.dtype is impl.DataType.double and p.shape is None
    assert p.default == 1.0 and isinstance(p.default, float)
    assert p.to_dict() == {"name": "alpha", "default": 1.0, "shape": None, "type": "double"}
    assert list(p.to_dict()) == ["name", "default", "shape", "type"]
    a = impl.ParamSpec("arr", "long", [1, 2], [-1])
    assert a.shape == (-1,) and a.to_dict()["shape"] == (-1,)
    assert repr(a) == "'arr': long (default: [1, 2]) (shape: (-1,))"
    d = impl.ParamSpec("d", "datetime", "2020-01-02")
    assert d.default == datetime.date(2020, 1, 2)
    assert impl.ParamSpec(5, "long", 1).name == "5"


def test_param_spec_reads_2x_dtype_key(impl):
    text = '[{"name": "alpha", "dtype": "double", "default": 0.5, "shape": null}]'
    ps = impl.ParamSchema.from_json(text)
    assert ps.to_json() == '[{"name": "alpha", "default": 0.5, "shape": null, "type": "double"}]'
    assert ps == impl.ParamSchema([impl.ParamSpec("alpha", "double", 0.5)])
    arr = impl.ParamSchema.from_json(
        '[{"name": "a", "dtype": "long", "default": [1, 2], "shape": [-1]}]')
    assert arr.params[0].shape == (-1,) and arr.params[0].default == [1, 2]


PARAM_ERRORS = [
    ("binary", lambda ns: ns.ParamSpec("a", "binary", b"x"),
     Raises("MlflowException",
            "Binary type is not supported for parameters, ParamSpec 'a'has dtype 'binary'",
            "INVALID_PARAMETER_VALUE")),
    ("unknown_type", lambda ns: ns.ParamSpec("a", "foo", 1),
     Raises("MlflowException",
            "Unsupported type 'foo', expected instance of DataType or one of ['boolean', "
            "'integer', 'long', 'float', 'double', 'string', 'datetime']",
            "INVALID_PARAMETER_VALUE")),
    ("bad_default_str", lambda ns: ns.ParamSpec("a", "double", "x"),
     Raises("MlflowException",
            "Failed to validate type and shape for 'a': double (default: x), error: Can not "
            "safely convert `<class 'str'>` to `DataType.double` for value `x`",
            "INVALID_PARAMETER_VALUE")),
    ("bad_default_float_for_long", lambda ns: ns.ParamSpec("a", "long", 1.5),
     Raises("MlflowException",
            "Failed to validate type and shape for 'a': long (default: 1.5), error: Can not "
            "safely convert `<class 'float'>` to `DataType.long` for value `1.5`")),
    ("list_without_shape", lambda ns: ns.ParamSpec("a", "long", [1, 2]),
     Raises("MlflowException",
            "Failed to validate type and shape for 'a': long (default: [1, 2]), error: Value must "
            "be a scalar for type `DataType.long`, got `[1, 2]`")),
    ("scalar_with_shape", lambda ns: ns.ParamSpec("a", "long", 1, (-1,)),
     Raises("MlflowException",
            "Value must be a 1D array with shape (-1,) for param 'a': long (default: 1) (shape: "
            "(-1,)), received int with ndim 0", "INVALID_PARAMETER_VALUE")),
    ("duplicates", lambda ns: ns.ParamSchema([ns.ParamSpec("n", "long", 1),
                                              ns.ParamSpec("n", "long", 2)]),
     Raises("MlflowException", "Duplicated parameters found in schema: ['n']",
            "INVALID_PARAMETER_VALUE")),
]


@pytest.mark.parametrize("case", PARAM_ERRORS, ids=[p[0] for p in PARAM_ERRORS])
def test_param_errors(impl, case):
    _, build, expected = case
    raises(impl, expected, build, impl)


# --------------------------------------------------------------------------------- ModelSignature


def _signature(ns):
    return ns.ModelSignature(
        inputs=ns.Schema([ns.ColSpec("double", "x1"), ns.ColSpec("long", "k", required=False)]),
        outputs=ns.Schema([ns.ColSpec("double")]),
        params=ns.ParamSchema([ns.ParamSpec("alpha", "double", 0.5)]))


SIGNATURE_DICT = {
    "inputs": '[{"type": "double", "name": "x1", "required": true}, {"type": "long", "name": '
              '"k", "required": false}]',
    "outputs": '[{"type": "double", "required": true}]',
    "params": '[{"name": "alpha", "default": 0.5, "shape": null, "type": "double"}]',
}


def test_signature_to_dict_and_repr(impl):
    sig = _signature(impl)
    assert sig.to_dict() == SIGNATURE_DICT
    assert list(sig.to_dict()) == ["inputs", "outputs", "params"]
    assert repr(sig) == ("inputs: \n  ['x1': double (required), 'k': long (optional)]\n"
                         "outputs: \n  [double (required)]\n"
                         "params: \n  ['alpha': double (default: 0.5)]\n")
    assert sig.inputs == impl.Schema([impl.ColSpec("double", "x1"),
                                      impl.ColSpec("long", "k", required=False)])


def test_signature_from_dict(impl):
    sig = impl.ModelSignature.from_dict(SIGNATURE_DICT)
    assert sig == _signature(impl)
    assert sig.to_dict() == SIGNATURE_DICT
    only_in = impl.ModelSignature.from_dict({"inputs": SIGNATURE_DICT["inputs"]})
    assert only_in.outputs is None and only_in.params is None
    assert only_in.to_dict() == {"inputs": SIGNATURE_DICT["inputs"], "outputs": None,
                                 "params": None}
    only_out = impl.ModelSignature.from_dict({"inputs": None, "outputs": '[{"type": "double"}]',
                                              "params": None})
    assert only_out.inputs is None
    assert only_out.to_dict()["outputs"] == '[{"type": "double", "required": true}]'


def test_signature_equality(impl):
    assert _signature(impl) == _signature(impl)
    other = impl.ModelSignature(inputs=impl.Schema([impl.ColSpec("double", "x1")]))
    assert _signature(impl) != other
    assert other != other.to_dict()
    assert repr(other) == ("inputs: \n  ['x1': double (required)]\noutputs: \n  None\n"
                           "params: \n  None\n")


def test_signature_construction_errors(impl):
    raises(impl, Raises(ValueError, "At least one of inputs, outputs or params must be provided"),
           impl.ModelSignature)
    raises(impl, Raises(TypeError, "inputs must be either None, mlflow.models.signature.Schema, "
                                   "or a dataclass,got 'int'"),
           impl.ModelSignature, inputs=5)
    raises(impl, Raises(TypeError, "outputs must be either None, mlflow.models.signature.Schema, "
                                   "or a dataclass,got 'str'"),
           impl.ModelSignature, outputs="x")
    raises(impl, Raises(TypeError, "If params are provided, they must by of type "
                                   "mlflow.models.signature.ParamSchema, got 'list'"),
           impl.ModelSignature, params=[1])


# --------------------------------------------------------------------------------- 2.x JSON forms


def test_reads_2x_colspec_without_required(impl):
    schema = impl.Schema.from_json('[{"type": "double", "name": "a"}]')
    assert schema.inputs[0].required is True
    assert schema.to_json() == '[{"type": "double", "name": "a", "required": true}]'
    unnamed = impl.Schema.from_json('[{"type": "double"}]')
    assert unnamed.to_json() == '[{"type": "double", "required": true}]'


@pytest.mark.parametrize("flag, required", [("true", False), ("false", True)])
def test_reads_2x_optional_key(impl, flag, required):
    """Q15 (FIX): MLflow 3.17's ColSpec rejects the 2.x ``optional`` key (TypeError); mlflow_c
    maps ``optional: true`` to ``required: false``."""
    text = ('[{"type": "double", "name": "x1"}, '
            f'{{"type": "long", "name": "k", "optional": {flag}}}]')
    outcome = run(impl.Schema.from_json, text)
    expected = expect(impl, mlflow=Raises(TypeError, "ColSpec.__init__() got an unexpected keyword "
                                                     "argument 'optional'"),
                      mlflow_c=f'[{{"type": "double", "name": "x1", "required": true}}, {{"type": '
                               f'"long", "name": "k", "required": {str(required).lower()}}}]')
    if isinstance(expected, Raises):
        raises(impl, expected, impl.Schema.from_json, text)
    else:
        assert outcome.ok, outcome
        assert outcome.value.to_json() == expected
        assert outcome.value.inputs[1].required is required
        sig = impl.ModelSignature.from_dict({"inputs": text, "outputs": None, "params": None})
        assert sig.inputs.to_json() == expected


def test_composite_colspec_without_required(impl):
    """MLflow 3.17 passes ``required=None`` for a composite ColSpec whose JSON lacks the key and
    writes it back as ``null`` (contract §3.3 says it defaults to true). Kept for parity; see the
    report: a candidate FIX."""
    schema = impl.Schema.from_json('[{"type": "array", "items": {"type": "double"}, "name": "a"}, '
                                   '{"type": "any", "name": "b"}]')
    assert schema.inputs[0].required is None and schema.inputs[1].required is None
    assert schema.to_json() == ('[{"type": "array", "items": {"type": "double"}, "name": "a", '
                                '"required": null}, {"type": "any", "name": "b", '
                                '"required": null}]')


def test_from_json_errors(impl):
    raises(impl, Raises("MlflowException",
                        "Missing keys in TensorSpec JSON. Expected to find keys `tensor-spec` and "
                        "`type`"),
           impl.TensorSpec.from_json_dict, type="tensor")
    raises(impl, Raises("MlflowException",
                        "Missing keys in ColSpec JSON. Expected to find key `type`"),
           impl.ColSpec.from_json_dict, name="a")
    raises(impl, Raises("MlflowException",
                        "Missing keys in ParamSpec JSON. Expected to find keys `name`, `type`(or "
                        "`dtype`) and `default`. Received keys: dict_keys(['name'])",
                        "INVALID_PARAMETER_VALUE"),
           impl.ParamSchema.from_json, '[{"name": "a"}]')


# --------------------------------------------------------------------------------- MLmodel

SIGNATURE_BUILDERS = [
    ("column", lambda ns: ns.ModelSignature(
        ns.Schema([ns.ColSpec("double", n) for n in ("const", "x1", "x2")]),
        ns.Schema([ns.ColSpec("double")]))),
    ("optional_and_params", _signature),
    ("tensor", lambda ns: ns.ModelSignature(
        ns.Schema([ns.TensorSpec(np.dtype("float64"), (-1, 3))]),
        ns.Schema([ns.TensorSpec(np.dtype("float64"), (-1,))]))),
    ("composite", lambda ns: ns.ModelSignature(
        ns.Schema([ns.ColSpec(ns.Array("double"), "xs"), ns.ColSpec(_obj(ns), "o", False),
                   ns.ColSpec(ns.Map("long"), "m"), ns.ColSpec(ns.AnyType(), "z")]),
        params=ns.ParamSchema([ns.ParamSpec("arr", "long", [1], (-1,))]))),
    ("outputs_only", lambda ns: ns.ModelSignature(outputs=ns.Schema([ns.ColSpec("double")]))),
]


def _mlmodel_signature(path) -> dict:
    with open(os.path.join(path, "MLmodel"), encoding="utf-8") as f:
        return yaml.safe_load(f)["signature"]


@pytest.mark.parametrize("case", SIGNATURE_BUILDERS, ids=[c[0] for c in SIGNATURE_BUILDERS])
def test_mlmodel_signature_written_by_impl_loads_in_mlflow(impl, oracle, ols_df, tmp_path, case):
    _, build = case
    path = str(tmp_path / "m")
    impl.save_model(ols_df[0], path, signature=build(impl), pip_requirements=FAST_REQS)
    assert _mlmodel_signature(path) == build(oracle).to_dict()
    assert oracle.Model.load(path).signature == build(oracle)
    loaded = impl.Model.load(path).signature
    assert isinstance(loaded, impl.ModelSignature) and loaded == build(impl)


@pytest.mark.parametrize("case", SIGNATURE_BUILDERS, ids=[c[0] for c in SIGNATURE_BUILDERS])
def test_mlmodel_signature_written_by_mlflow_loads_in_impl(impl, oracle, ols_df, tmp_path, case):
    _, build = case
    path = str(tmp_path / "m")
    oracle.save_model(ols_df[0], path, signature=build(oracle), pip_requirements=FAST_REQS)
    loaded = impl.Model.load(path).signature
    assert isinstance(loaded, impl.ModelSignature)
    assert loaded == build(impl)
    assert loaded.to_dict() == build(oracle).to_dict()


def test_mlmodel_2x_optional_column(impl, oracle, ols_df, tmp_path):
    """Q15 (FIX) through a model directory: a 2.x MLmodel with ``"optional": true``."""
    path = str(tmp_path / "m")
    sig = oracle.ModelSignature(oracle.Schema([oracle.ColSpec("double", n)
                                               for n in ("const", "x1", "x2")]))
    oracle.save_model(ols_df[0], path, signature=sig, pip_requirements=FAST_REQS)
    mlmodel = os.path.join(path, "MLmodel")
    with open(mlmodel, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    old = '{"type": "double", "name": "x2", "required": true}'
    assert old in doc["signature"]["inputs"]
    doc["signature"]["inputs"] = doc["signature"]["inputs"].replace(
        old, '{"type": "double", "name": "x2", "optional": true}')
    with open(mlmodel, "w", encoding="utf-8") as f:
        yaml.safe_dump(doc, f, default_flow_style=False)
    outcome = run(impl.Model.load, path)
    if expect(impl, mlflow=False, mlflow_c=True):
        assert outcome.ok, outcome
        inputs = outcome.value.signature.inputs
        assert inputs.required_input_names() == ["const", "x1"]
        assert inputs.optional_input_names() == ["x2"]
    else:
        assert isinstance(outcome.exc, TypeError)
        assert "unexpected keyword argument 'optional'" in str(outcome.exc)


def test_oracle_is_mlflow_317():
    import mlflow

    assert mlflow.__version__ == "3.17.2"
    assert ORACLE.name == "mlflow"
