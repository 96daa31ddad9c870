"""Schema enforcement, case by case (contract §6.1-6.9), as MLflow 3.17 does it on pandas 3.

Each case runs twice: through ``validate_schema(data, schema)`` (public; returns None or raises)
and through the enforcement ``PyFuncModel.predict`` applies (``<pkg>.models.utils._enforce_schema``;
returns the converted data). Checked: accept/reject, exception class and exact message, result
type, column order, dtypes, values, index, logged warnings, the input left unmodified, and (for
mlflow_c only) that columns whose dtype already matches are not copied.

Case ids ``cNN`` are the contract's §6.9 catalogue (observed in 2.x); where MLflow 3.17 on pandas 3
does something else, the comment says what the contract claims. ``r_...`` cases cover the
rules of §6.1-6.8 beyond the catalogue. ``Fix(...)`` marks the deliberate differences (Q11, Q12,
Q42, names ``0``/``""``).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

from sigconf import (
    EXTRA_WARNING,
    MISSING_VALUES_HINT,
    _cell,
    capture,
    enforce,
    expect,
    parse_missing_message,
    run,
    summarize,
)

DF = pd.DataFrame
NAN = float("nan")
TS = pd.Timestamp


# ------------------------------------------------------------------------------ expectations


@dataclasses.dataclass
class Ok:
    """A DataFrame result."""
    columns: list
    dtypes: list
    values: dict  # column label -> list of cells
    index: list | None = None  # default: RangeIndex of the row count
    no_copy: tuple = ()  # columns that must share memory with the input's (mlflow_c only)
    warns: tuple = ()  # exact WARNING messages, or ExtrasWarn


@dataclasses.dataclass
class Tensor:
    dtype: str
    shape: tuple
    values: Any  # nested list (ndarray.tolist())
    same: bool = False  # must share memory with the input ndarray (mlflow_c only)


@dataclasses.dataclass
class Dict:
    tensors: dict
    warns: tuple = ()


@dataclasses.dataclass
class Err:
    message: str
    exc: Any = "MlflowException"
    extras_any_order: bool = False  # MLflow lists extras in set order (Q12)
    warns: tuple = ()  # WARNING messages logged before the failure


@dataclasses.dataclass
class ExtrasWarn:
    """The extra-inputs warning; MLflow prints the list in set order (Q12)."""
    extras: list
    any_order: bool


@dataclasses.dataclass
class Fix:
    """A deliberate difference: what MLflow does and what mlflow_c does instead."""
    quirk: str
    mlflow: Any
    mlflow_c: Any


@dataclasses.dataclass
class Case:
    id: str
    schema: Callable  # ns -> Schema
    data: Callable  # () -> fresh input
    expected: Any
    mutates_input: bool = False  # MLflow writes enforced values back into Object cells


# ------------------------------------------------------------------------------ schemas


def S(*specs):
    return lambda ns: ns.Schema([s(ns) for s in specs])


def col(t, name=None, required=True):
    def build(ns):
        tt = t(ns) if callable(t) else t
        return ns.ColSpec(tt, name, required=required)
    return build


def ten(dtype, shape, name=None):
    return lambda ns: ns.TensorSpec(np.dtype(dtype), shape, name)


dd = S(col("double", "x1"), col("double", "x2"))
ll = S(col("long", "a"))
ii = S(col("integer", "a"))
ff = S(col("float", "a"))
bb = S(col("boolean", "b"))
ss = S(col("string", "s"))
tt = S(col("datetime", "t"))
by = S(col("binary", "y"))
un3 = S(col("double"), col("double"), col("double"))
ts = S(ten("float64", (-1, 3)))
ts1 = S(ten("float64", (-1,)))
tsn = S(ten("float64", (-1, 2), "a"), ten("int64", (-1,), "b"))
x1l = S(col("long", "x1"))
opt = S(col("double", "x1"), col("double", "x2", required=False))


def obj_k(ns):
    return ns.Object([ns.Property("k", "long"), ns.Property("name", "string", False)])


def i64(*v):
    return np.array(v, dtype="int64")


def arr(dtype, *v):
    return np.array(v, dtype=dtype)


def incompatible(col_name, frm, to, hint=""):
    return Err(f"Incompatible input types for column {col_name}. "
               f"Can not safely convert {frm} to {to}.{hint}")


TWO_F = {"x2": [1.0, 2.0]}

MSG_UNNAMED_COUNT = ("Model inference is missing inputs. The model signature declares 3 inputs  "
                     "but the provided value only has 2 inputs. Note: the inputs were not named "
                     "in the signature so we can only verify their count.")
MSG_MULTI_COL = ("This model contains a model signature with an unnamed input. Since the input "
                 "data is a pandas DataFrame containing multiple columns, the input shape must "
                 "be of the structure (-1, number_of_dataframe_columns). Instead, the input "
                 "DataFrame passed had 2 columns and an input shape of (-1, 3) with all values "
                 "within the DataFrame of scalar type. Please adjust the passed in DataFrame to "
                 "match the expected structure")
MSG_UNNAMED_TENSOR_TYPE = ("This model contains a tensor-based model signature with no input "
                           "names, which suggests a numpy array input or a pandas dataframe input "
                           "with proper column values, but an input of type {} was found.")
MSG_NAMED_TENSOR_VALUE = ("This model contains a tensor-based model signature with input names, "
                          "which suggests a dictionary input mapping input name to a numpy array, "
                          "but a dict with value type <class 'list'> was found.")
MSG_SCALAR_COLUMN = ("The input pandas dataframe column 'None' contains scalar values, which "
                     "requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of "
                     "(-1, 3).")
MSG_FIXED_DIMS = ("For pandas dataframe input, the first dimension of shape must be a variable "
                  "dimension and other dimensions must be fixed, but in model signature the "
                  "shape of {} is {}.")


CATALOGUE = [
    Case("c01", dd, lambda: DF({"x1": [1.0]}), Err("Model is missing inputs ['x2'].")),
    Case("c02", dd, lambda: DF({"x1": [1.0], "x2": [2.0], "x3": [3.0]}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0], "x2": [2.0]},
            no_copy=("x1", "x2"), warns=(EXTRA_WARNING.format("['x3']"),))),
    # contract: no period after the extra list; MLflow 3.17 ends the message with "."
    Case("c03", dd, lambda: DF({"x1": [1.0], "zz": [2.0]}),
         Err("Model is missing inputs ['x2']. Note that there were extra inputs: ['zz'].")),
    Case("c04", dd, lambda: DF({"x2": [2.0], "x1": [1.0]}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0], "x2": [2.0]},
            no_copy=("x1", "x2"))),
    Case("c05", dd, lambda: DF({"x1": [1, 2], **TWO_F}), incompatible("x1", "int64", "float64")),
    Case("c06", dd, lambda: DF({"x1": arr("int32", 1, 2), **TWO_F}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0, 2.0], "x2": [1.0, 2.0]},
            no_copy=("x2",))),
    Case("c07", dd, lambda: DF({"x1": arr("float32", 1.5, 2), **TWO_F}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.5, 2.0], "x2": [1.0, 2.0]})),
    Case("c08", dd, lambda: DF({"x1": [True, False], **TWO_F}),
         incompatible("x1", "bool", "float64")),
    # contract: "Failed to convert column x1 from type object to DataType.double." (pandas 1.5
    # object column); pandas 3 makes it a "str" column, and so does infer_objects() on object.
    Case("c09", dd, lambda: DF({"x1": ["a", "b"], **TWO_F}), incompatible("x1", "str", "float64")),
    Case("c09o", dd, lambda: DF({"x1": pd.Series(["a", "b"], dtype=object), **TWO_F}),
         incompatible("x1", "str", "float64")),
    Case("c10", dd, lambda: DF({"x1": pd.Series([1.0, 2.0], dtype=object), **TWO_F}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0, 2.0], "x2": [1.0, 2.0]})),
    Case("c11", dd, lambda: DF({"x1": [decimal.Decimal("1.5"), decimal.Decimal("2")], **TWO_F}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.5, 2.0], "x2": [1.0, 2.0]})),
    Case("c12", dd, lambda: DF({"x1": [0, 1], **TWO_F}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [0.0, 1.0], "x2": [1.0, 2.0]})),
    Case("c13", ll, lambda: DF({"a": [1.5, 2.0]}), incompatible("a", "float64", "int64")),
    Case("c14", ll, lambda: DF({"a": [1.0, 2.0]}), incompatible("a", "float64", "int64")),
    Case("c15", ll, lambda: DF({"a": [1.0, NAN]}),
         incompatible("a", "float64", "int64", MISSING_VALUES_HINT)),
    Case("c16", ll, lambda: DF({"a": arr("int32", 1, 2)}),
         Ok(["a"], ["int64"], {"a": [1, 2]})),
    Case("c17", ll, lambda: DF({"a": arr("uint32", 1, 2)}),
         Ok(["a"], ["int64"], {"a": [1, 2]})),
    Case("c18", ll, lambda: DF({"a": arr("uint64", 1, 2)}), incompatible("a", "uint64", "int64")),
    Case("c19", ll, lambda: DF({"a": [True, False]}), incompatible("a", "bool", "int64")),
    Case("c20", ii, lambda: DF({"a": [1, 2]}), incompatible("a", "int64", "int32")),
    Case("c21", ii, lambda: DF({"a": arr("int16", 1, 2)}), Ok(["a"], ["int32"], {"a": [1, 2]})),
    Case("c22", ff, lambda: DF({"a": [1.5]}), incompatible("a", "float64", "float32")),
    Case("c23", ff, lambda: DF({"a": [1, 2]}), incompatible("a", "int64", "float32")),
    Case("c23b", ff, lambda: DF({"a": arr("int16", 1, 2)}), incompatible("a", "int16", "float32")),
    Case("c24", bb, lambda: DF({"b": [True, False]}),
         Ok(["b"], ["bool"], {"b": [True, False]}, no_copy=("b",))),
    Case("c25", bb, lambda: DF({"b": [1, 0]}), incompatible("b", "int64", "bool")),
    Case("c26", bb, lambda: DF({"b": [True, None]}),
         Ok(["b"], ["object"], {"b": [True, None]}, no_copy=("b",))),
    Case("c27", ss, lambda: DF({"s": ["a", "b"]}), Ok(["s"], ["str"], {"s": ["a", "b"]})),
    Case("c27o", ss, lambda: DF({"s": pd.Series(["a", "b"], dtype=object)}),
         Ok(["s"], ["object"], {"s": ["a", "b"]}, no_copy=("s",))),
    Case("c28", ss, lambda: DF({"s": [1, 2]}), incompatible("s", "int64", "<U0")),
    Case("c29", ss, lambda: DF({"s": ["a", 1]}),
         Ok(["s"], ["object"], {"s": ["a", 1]}, no_copy=("s",))),
    # contract (2.x): "Can not safely convert string to <U0." (Q11); 3.17 accepts StringDtype.
    Case("c29b", ss, lambda: DF({"s": pd.Series(["a", "b"], dtype="string")}),
         Ok(["s"], ["string"], {"s": ["a", "b"]})),
    # Q11 (FIX): a category column is accepted for a string column, unchanged.
    Case("c29c", ss, lambda: DF({"s": pd.Series(["a", "b", "a"], dtype="category")}),
         Fix("Q11", incompatible("s", "category", "<U0"),
             Ok(["s"], ["category"], {"s": ["a", "b", "a"]}))),
    Case("c30", tt, lambda: DF({"t": pd.to_datetime(["2020-01-01", "2021-01-01"])}),  # [us]
         Ok(["t"], ["datetime64[ns]"], {"t": [TS("2020-01-01"), TS("2021-01-01")]})),
    Case("c30ns", tt, lambda: DF({"t": np.array(["2020-01-01", "2021-01-01"],
                                                dtype="datetime64[ns]")}),
         Ok(["t"], ["datetime64[ns]"], {"t": [TS("2020-01-01"), TS("2021-01-01")]},
            no_copy=("t",))),
    # contract: OK -> datetime64[ns]; pandas 3's infer_objects() turns the strings into a "str"
    # column, which MLflow 3.17 no longer parses.
    Case("c31", tt, lambda: DF({"t": ["2020-01-01", "2021-02-03T04:05:06"]}),
         incompatible("t", "str", "datetime64[ns]")),
    Case("c31o", tt, lambda: DF({"t": pd.Series(["2020-01-01", "2021-02-03T04:05:06"],
                                                dtype=object)}),
         incompatible("t", "str", "datetime64[ns]")),
    # contract (3.x): "Failed to convert column t from type object to DataType.datetime."
    Case("c32", tt, lambda: DF({"t": ["not a date", "x"]}),
         incompatible("t", "str", "datetime64[ns]")),
    Case("c33", tt, lambda: DF({"t": [datetime.date(2020, 1, 1)]}),
         Ok(["t"], ["datetime64[ns]"], {"t": [TS("2020-01-01")]})),
    Case("c34", tt, lambda: DF({"t": [1, 2]}), incompatible("t", "int64", "datetime64[ns]")),
    Case("c34b", tt, lambda: DF({"t": np.array(["2020-01-01", "2020-01-02"],
                                               dtype="datetime64[D]")}),
         Ok(["t"], ["datetime64[ns]"], {"t": [TS("2020-01-01"), TS("2020-01-02")]})),
    Case("c35", by, lambda: DF({"y": [b"ab", b"c"]}),
         Ok(["y"], ["object"], {"y": [b"ab", b"c"]}, no_copy=("y",))),
    Case("c36", by, lambda: DF({"y": ["ab", "c"]}), Ok(["y"], ["str"], {"y": ["ab", "c"]})),
    Case("c36o", by, lambda: DF({"y": pd.Series(["ab", "c"], dtype=object)}),
         Ok(["y"], ["object"], {"y": ["ab", "c"]}, no_copy=("y",))),
    Case("c37", un3, lambda: DF({"a": [1.0], "b": [2.0]}), Err(MSG_UNNAMED_COUNT)),
    Case("c38", un3, lambda: DF({"a": [1.0], "b": [2.0], "c": [3.0], "d": [4.0]}),
         Ok(["a", "b", "c"], ["float64"] * 3, {"a": [1.0], "b": [2.0], "c": [3.0]},
            no_copy=("a", "b", "c"))),
    Case("c39", un3, lambda: np.array([[1.0, 2.0, 3.0]]),
         Ok([0, 1, 2], ["float64"] * 3, {0: [1.0], 1: [2.0], 2: [3.0]})),
    Case("c40", un3, lambda: [[1.0, 2.0, 3.0]],
         Ok([0, 1, 2], ["float64"] * 3, {0: [1.0], 1: [2.0], 2: [3.0]})),
    # contract: "...column 0..."; 3.x converts an int64 column of 0/1 values (column 0 is [1])
    Case("c41", un3, lambda: np.array([[1, 2, 3]]), incompatible(1, "int64", "float64")),
    Case("c42", dd, lambda: {"x1": 1.0, "x2": 2.0},
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0], "x2": [2.0]})),
    Case("c43", dd, lambda: {"x1": [1.0, 3.0], "x2": [2.0, 4.0]},
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0, 3.0], "x2": [2.0, 4.0]})),
    Case("c44", dd, lambda: {"x1": np.array([1.0, 3.0]), "x2": np.array([2.0, 4.0])},
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0, 3.0], "x2": [2.0, 4.0]})),
    Case("c45", dd, lambda: [{"x1": 1.0, "x2": 2.0}, {"x1": 3.0, "x2": 4.0}],
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0, 3.0], "x2": [2.0, 4.0]})),
    Case("c46", dd, lambda: np.array([[1.0, 2.0]]),
         Err("Model is missing inputs ['x1', 'x2']. Note that there were extra inputs: [0, 1].")),
    Case("c47", S(col("double", "x1")), lambda: pd.Series([1.0, 2.0], name="x1"),
         Ok(["x1"], ["float64"], {"x1": [1.0, 2.0]}, no_copy=("x1",))),
    Case("c48", S(col("double", "x1")), lambda: np.array([1.0, 2.0]),
         Err("Model is missing inputs ['x1']. Note that there were extra inputs: [0].")),
    Case("c49", S(col("string")), lambda: "hello", Ok([0], ["str"], {0: ["hello"]})),
    Case("c50", dd, lambda: {1.0, 2.0}, Err("Expected input to be DataFrame. Found: set")),
    Case("c51", dd, lambda: {"x1": [1.0, 2.0], "x2": [1.0]},
         Err("This model contains a column-based signature, which suggests a DataFrame input. "
             "There was an error casting the input data to a DataFrame: All arrays must be of "
             "the same length")),
    Case("c52", dd, lambda: DF({"x1": pd.Series([], dtype="float64"),
                                "x2": pd.Series([], dtype="float64")}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [], "x2": []})),
    Case("c53", opt, lambda: DF({"x1": [1.0]}), Ok(["x1"], ["float64"], {"x1": [1.0]})),
    # contract: "Failed to convert column x2 from type object to DataType.double."
    Case("c54", opt, lambda: DF({"x1": [1.0], "x2": ["s"]}), incompatible("x2", "str", "float64")),
    Case("c55", ts, lambda: np.ones((2, 3)),
         Tensor("float64", (2, 3), [[1.0] * 3] * 2, same=True)),
    Case("c56", ts, lambda: np.ones((2, 3), dtype="int64"),
         Err("dtype of input int64 does not match expected dtype float64")),
    Case("c57", ts, lambda: np.ones((5, 2)),
         Err("Shape of input (5, 2) does not match expected shape (-1, 3).")),
    Case("c58", ts, lambda: np.ones(6),
         Err("Shape of input (6,) does not match expected shape (-1, 3).")),
    Case("c59", ts, lambda: np.ones((2, 3), dtype="float32"),
         Err("dtype of input float32 does not match expected dtype float64")),
    Case("c60", ts, lambda: DF({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]}),
         Tensor("float64", (2, 3), [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])),
    Case("c61", ts, lambda: DF({"a": [1.0, 2.0], "b": [3.0, 4.0]}), Err(MSG_MULTI_COL)),
    Case("c62", ts, lambda: DF({"a": [1, 2], "b": [3, 4], "c": [5, 6]}),
         Err("dtype of input int64 does not match expected dtype float64")),
    Case("c63", ts, lambda: [[1.0, 2.0, 3.0]],
         Err(MSG_UNNAMED_TENSOR_TYPE.format("<class 'list'>"))),
    Case("c64", ts, lambda: {"a": np.ones((2, 3))},
         Err(MSG_UNNAMED_TENSOR_TYPE.format("<class 'dict'>"))),
    Case("c65", ts, lambda: DF(), Err("Input DataFrame is empty.")),
    Case("c66", ts1, lambda: DF({"a": [1, 2]}), Tensor("float64", (2,), [1.0, 2.0])),
    Case("c67", ts, lambda: DF({"a": [1.0, 2.0]}), Err(MSG_SCALAR_COLUMN)),
    Case("c68", ts, lambda: DF({"a": [[1, 2, 3], [4, 5, 6]]}),
         Tensor("float64", (2, 3), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    Case("c69", tsn, lambda: {"a": np.ones((3, 2)), "b": np.arange(3)},
         Dict({"a": Tensor("float64", (3, 2), [[1.0, 1.0]] * 3, same=True),
               "b": Tensor("int64", (3,), [0, 1, 2], same=True)})),
    Case("c70", tsn, lambda: {"a": [[1.0, 2.0]], "b": np.arange(1)}, Err(MSG_NAMED_TENSOR_VALUE)),
    Case("c71", tsn, lambda: {"a": np.ones((3, 2))}, Err("Model is missing inputs ['b'].")),
    Case("c72", tsn, lambda: np.ones((3, 2)), Err("Model is missing inputs ['a', 'b'].")),
    # contract: OK -> [1.5, 2.0] through pd.to_numeric (Q9); pandas 3 makes it a "str" column
    Case("c73", dd, lambda: DF({"x1": ["1.5", "2"], **TWO_F}),
         incompatible("x1", "str", "float64")),
    Case("c73o", dd, lambda: DF({"x1": pd.Series(["1.5", "2"], dtype=object), **TWO_F}),
         incompatible("x1", "str", "float64")),
    # contract: "...Can not safely convert object to int64."
    Case("c74", x1l, lambda: DF({"x1": ["1", "2"]}), incompatible("x1", "str", "int64")),
    Case("c74o", x1l, lambda: DF({"x1": pd.Series(["1", "2"], dtype=object)}),
         incompatible("x1", "str", "int64")),
    Case("c75", dd, lambda: DF({"x1": [1.0, None], **TWO_F}),
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0, NAN], "x2": [1.0, 2.0]},
            no_copy=("x1", "x2"))),
    # Q42 (FIX): MLflow lets pandas' raw ValueError escape.
    Case("c76", x1l, lambda: DF({"x1": pd.array([1, None], dtype="Int64")}),
         Fix("Q42", Err("cannot convert NA to integer", exc=ValueError),
             Err("Incompatible input types for column x1. Can not safely convert Int64 with "
                 "missing values to int64."))),
    Case("c77", S(col("float", "x1")), lambda: DF({"x1": arr("int8", 1, 2)}),
         incompatible("x1", "int8", "float32")),
    # contract (3.x): OK; the scalar becomes a one-row frame, then int64 -> double fails (5 is
    # not 0/1)
    Case("c78", S(col("double")), lambda: 5, incompatible(0, "int64", "float64")),
    Case("c78b", S(col("double")), lambda: 1, Ok([0], ["float64"], {0: [1.0]})),
    Case("c78c", S(col("double")), lambda: 5.0, Ok([0], ["float64"], {0: [5.0]})),
    Case("c79", S(col("double")), lambda: [1.0, 2.0], Ok([0], ["float64"], {0: [1.0, 2.0]})),
    Case("c80", S(col("string", "a")), lambda: {"a": ["x", "y"]},
         Ok(["a"], ["object"], {"a": [["x", "y"]]})),
]

O_LONG = S(col("double", "x"), col("long", "a", required=False))
O_BOOL = S(col("double", "x"), col("boolean", "b", required=False))

RULES = [
    # ---- §6.4/6.5 conversions
    Case("r_Int64_no_na_to_long", ll, lambda: DF({"a": pd.array([1, 2], dtype="Int64")}),
         Ok(["a"], ["int64"], {"a": [1, 2]})),
    Case("r_Int32_to_long", ll, lambda: DF({"a": pd.array([1, 2], dtype="Int32")}),
         Ok(["a"], ["int64"], {"a": [1, 2]})),
    Case("r_Int64_na_to_long", ll, lambda: DF({"a": pd.array([1, None], dtype="Int64")}),
         Fix("Q42", Err("cannot convert NA to integer", exc=ValueError),
             Err("Incompatible input types for column a. Can not safely convert Int64 with "
                 "missing values to int64."))),
    Case("r_Int32_na_to_long", ll, lambda: DF({"a": pd.array([1, None], dtype="Int32")}),
         Fix("Q42", Err("cannot convert NA to integer", exc=ValueError),
             Err("Incompatible input types for column a. Can not safely convert Int32 with "
                 "missing values to int64."))),
    Case("r_Int64_na_to_optional_long", O_LONG,
         lambda: DF({"x": [1.0, 2.0], "a": pd.array([1, None], dtype="Int64")}),
         Fix("Q42", Err("cannot convert NA to integer", exc=ValueError),
             Ok(["x", "a"], ["float64", "Int64"], {"x": [1.0, 2.0], "a": [1, pd.NA]},
                no_copy=("x",)))),
    Case("r_boolean_no_na_to_bool", bb, lambda: DF({"b": pd.array([True, False],
                                                                  dtype="boolean")}),
         Ok(["b"], ["bool"], {"b": [True, False]})),
    Case("r_boolean_na_to_bool", bb, lambda: DF({"b": pd.array([True, None], dtype="boolean")}),
         Fix("Q42", Err("cannot convert float NaN to bool", exc=ValueError),
             Err("Incompatible input types for column b. Can not safely convert boolean with "
                 "missing values to bool."))),
    Case("r_boolean_na_to_optional_bool", O_BOOL,
         lambda: DF({"x": [1.0, 2.0], "b": pd.array([True, None], dtype="boolean")}),
         Fix("Q42", Err("cannot convert float NaN to bool", exc=ValueError),
             Ok(["x", "b"], ["float64", "boolean"], {"x": [1.0, 2.0], "b": [True, pd.NA]}))),
    Case("r_Float64_na_to_double", S(col("double", "a")),
         lambda: DF({"a": pd.array([1.5, None], dtype="Float64")}),
         Ok(["a"], ["float64"], {"a": [1.5, NAN]})),
    Case("r_Int64_na_to_double", S(col("double", "a")),
         lambda: DF({"a": pd.array([1, None], dtype="Int64")}), incompatible("a", "Int64",
                                                                            "float64")),
    Case("r_Int8_na_to_double", S(col("double", "a")),
         lambda: DF({"a": pd.array([1, None], dtype="Int8")}),
         Ok(["a"], ["float64"], {"a": [1.0, NAN]})),
    Case("r_float16_to_float", ff, lambda: DF({"a": arr("float16", 1.5)}),
         Ok(["a"], ["float32"], {"a": [1.5]})),
    Case("r_float16_to_double", S(col("double", "a")), lambda: DF({"a": arr("float16", 1.5)}),
         Ok(["a"], ["float64"], {"a": [1.5]})),
    Case("r_float32_to_float", ff, lambda: DF({"a": arr("float32", 1.5)}),
         Ok(["a"], ["float32"], {"a": [1.5]}, no_copy=("a",))),
    Case("r_uint8_to_integer", ii, lambda: DF({"a": arr("uint8", 1)}),
         Ok(["a"], ["int32"], {"a": [1]})),
    Case("r_uint16_to_integer", ii, lambda: DF({"a": arr("uint16", 7)}),
         Ok(["a"], ["int32"], {"a": [7]})),
    Case("r_uint32_to_integer", ii, lambda: DF({"a": arr("uint32", 1)}),
         incompatible("a", "uint32", "int32")),
    Case("r_uint32_to_double", S(col("double", "a")), lambda: DF({"a": arr("uint32", 1)}),
         Ok(["a"], ["float64"], {"a": [1.0]})),
    Case("r_int32_to_integer", ii, lambda: DF({"a": arr("int32", 5)}),
         Ok(["a"], ["int32"], {"a": [5]}, no_copy=("a",))),
    Case("r_int64_to_long", ll, lambda: DF({"a": i64(5, 6)}),
         Ok(["a"], ["int64"], {"a": [5, 6]}, no_copy=("a",))),
    Case("r_int64_01_to_float", ff, lambda: DF({"a": [0, 1]}),
         Ok(["a"], ["float32"], {"a": [0.0, 1.0]})),
    Case("r_int64_01_to_double", S(col("double", "a")), lambda: DF({"a": [0, 1, 1]}),
         Ok(["a"], ["float64"], {"a": [0.0, 1.0, 1.0]})),
    Case("r_int64_02_to_double", S(col("double", "a")), lambda: DF({"a": [0, 2]}),
         incompatible("a", "int64", "float64")),
    Case("r_float64_integral_nan_to_integer", ii, lambda: DF({"a": [2.0, NAN]}),
         incompatible("a", "float64", "int32", MISSING_VALUES_HINT)),
    Case("r_float64_fraction_nan_to_long", ll, lambda: DF({"a": [2.5, NAN]}),
         incompatible("a", "float64", "int64")),
    Case("r_float32_nan_to_long", ll, lambda: DF({"a": arr("float32", 2.0, NAN)}),
         incompatible("a", "float32", "int64")),
    Case("r_bool_to_string", ss, lambda: DF({"s": [True]}), incompatible("s", "bool", "<U0")),
    Case("r_bytes_to_binary", by, lambda: DF({"y": np.array([b"a", b"bc"])}),
         Ok(["y"], ["object"], {"y": [b"a", b"bc"]})),
    Case("r_bytes_to_string", ss, lambda: DF({"s": [b"a", b"bc"]}),
         Ok(["s"], ["object"], {"s": [b"a", b"bc"]})),
    Case("r_float_to_binary", by, lambda: DF({"y": [1.5]}), incompatible("y", "float64", "|S0")),
    Case("r_dates_to_string", ss, lambda: DF({"s": [datetime.date(2020, 1, 1)]}),
         Ok(["s"], ["object"], {"s": [datetime.date(2020, 1, 1)]})),
    Case("r_strings_to_boolean", bb, lambda: DF({"b": ["x", "y"]}),
         incompatible("b", "str", "bool")),
    Case("r_object_strings_to_boolean", bb, lambda: DF({"b": pd.Series(["x", "y"],
                                                                       dtype=object)}),
         incompatible("b", "str", "bool")),
    # Q7: the datetime conversion failure is formatted (3.x already does; 2.x printed "{name}").
    # Reachable on pandas 3 only for object columns that stay object (mixed values).
    Case("r_datetime_unparseable_object", tt,
         lambda: DF({"t": [datetime.date(2020, 1, 1), "garbage"]}),
         Err("Failed to convert column t from type object to DataType.datetime.")),
    Case("r_datetime_mixed_object_parseable", tt,
         lambda: DF({"t": [datetime.date(2020, 1, 1), "2020-02-03"]}),
         Ok(["t"], ["datetime64[ns]"], {"t": [TS("2020-01-01"), TS("2020-02-03")]})),
    Case("r_datetime_s_to_datetime", tt, lambda: DF({"t": np.array(["2020-01-01"],
                                                                   dtype="datetime64[s]")}),
         Ok(["t"], ["datetime64[ns]"], {"t": [TS("2020-01-01")]})),
    Case("r_datetime_us_nat", tt, lambda: DF({"t": np.array(["2020-01-01", "NaT"],
                                                            dtype="datetime64[us]")}),
         Ok(["t"], ["datetime64[ns]"], {"t": [TS("2020-01-01"), pd.NaT]})),
    Case("r_datetime_tz", tt, lambda: DF({"t": pd.to_datetime(["2020-01-01"]).tz_localize("UTC")}),
         Err("Please ensure that the input data of datetime column only contains timezone-naive "
             "datetime objects. Error: Cannot use .astype to convert from timezone-aware dtype to "
             "timezone-naive dtype. Use obj.tz_localize(None) or "
             "obj.tz_convert('UTC').tz_localize(None) instead.")),
    Case("r_datetime_to_double", S(col("double", "a")),
         lambda: DF({"a": pd.to_datetime(["2020-01-01"])}),  # pandas 3: datetime64[us]
         incompatible("a", "datetime64[us]", "float64")),
    Case("r_decimal_text_to_double", S(col("double", "a")),
         lambda: DF({"a": [decimal.Decimal("1.5"), decimal.Decimal("NaN")]}),
         Ok(["a"], ["float64"], {"a": [1.5, NAN]})),
    # a 2-D ndarray inside a dict becomes list cells; pandas' TypeError escapes (MLflow bug)
    # mlflow_c turns the 2-D value into list cells as MLflow's comment intends and then reports
    # the column clearly; MLflow leaks pandas' raw TypeError.
    Case("r_dict_with_2d_ndarray", dd, lambda: {"x1": np.ones((2, 2)), "x2": np.ones(2)},
         Fix("raw-error", Err("Invalid object type at position 0", exc=TypeError),
             Err("Failed to convert column x1 from type object to DataType.double."))),
    # ---- §6.1 containers
    Case("r_none", dd, lambda: None, Err("Expected input to be DataFrame. Found: NoneType")),
    Case("r_int_for_named", dd, lambda: 3,
         Err("Model is missing inputs ['x1', 'x2']. Note that there were extra inputs: [0].")),
    Case("r_str_for_named", S(col("string", "a")), lambda: "x",
         Err("Model is missing inputs ['a']. Note that there were extra inputs: [0].")),
    Case("r_bytes_scalar", S(col("binary")), lambda: b"xy", Ok([0], ["object"], {0: [b"xy"]})),
    Case("r_bool_scalar", S(col("boolean")), lambda: True, Ok([0], ["bool"], {0: [True]})),
    Case("r_np_float32_scalar", S(col("float")), lambda: np.float32(2.5),
         Ok([0], ["float32"], {0: [2.5]})),
    Case("r_dict_str_and_list_of_str", S(col("string", "a"), col("string", "b")),
         lambda: {"a": "x", "b": ["y", "z"]},
         Ok(["a", "b"], ["str", "object"], {"a": ["x"], "b": [["y", "z"]]})),
    Case("r_dict_0d_str_arrays", S(col("string", "a")), lambda: {"a": np.array("x")},
         Ok(["a"], ["object"], {"a": [np.array("x")]})),
    Case("r_series_unnamed_for_named", S(col("double", "x")), lambda: pd.Series([1.0]),
         Err("Model is missing inputs ['x']. Note that there were extra inputs: [0].")),
    Case("r_series_for_unnamed", S(col("double")), lambda: pd.Series([1.0], name="q"),
         Ok(["q"], ["float64"], {"q": [1.0]}, no_copy=("q",))),
    Case("r_list_of_scalars_unnamed_3", un3, lambda: [1.0, 2.0, 3.0],
         Err(MSG_UNNAMED_COUNT.replace("only has 2", "only has 1"))),
    Case("r_list_of_dicts_missing_key", dd, lambda: [{"x1": 1.0, "x2": 2.0}, {"x1": 3.0}],
         Ok(["x1", "x2"], ["float64", "float64"], {"x1": [1.0, 3.0], "x2": [2.0, NAN]})),
    # ---- §6.2 presence, order, index
    Case("r_index_kept", S(col("double", "a")), lambda: DF({"a": [1.0, 2.0]}, index=[10, 20]),
         Ok(["a"], ["float64"], {"a": [1.0, 2.0]}, index=[10, 20], no_copy=("a",))),
    Case("r_index_kept_reordered", S(col("long", "b"), col("double", "a")),
         lambda: DF({"a": [1.0, 2.0], "b": arr("int32", 3, 4)}, index=["p", "q"]),
         Ok(["b", "a"], ["int64", "float64"], {"b": [3, 4], "a": [1.0, 2.0]}, index=["p", "q"],
            no_copy=("a",))),
    Case("r_index_kept_unnamed", S(col("double"), col("double")),
         lambda: DF({"u": [1.0], "v": [2.0], "w": [3.0]}, index=[7]),
         Ok(["u", "v"], ["float64", "float64"], {"u": [1.0], "v": [2.0]}, index=[7])),
    Case("r_optional_present_in_schema_order", S(col("double", "a", required=False),
                                                 col("double", "b")),
         lambda: DF({"b": [2.0], "a": [1.0]}),
         Ok(["a", "b"], ["float64", "float64"], {"a": [1.0], "b": [2.0]})),
    Case("r_missing_in_schema_order", S(col("double", "c"), col("double", "a"),
                                        col("double", "b")),
         lambda: DF({"b": [1.0]}), Err("Model is missing inputs ['c', 'a'].")),
    # Q12 (FIX): MLflow lists extras in Python-set order (PYTHONHASHSEED-dependent).
    Case("r_extras_order_in_error", S(col("double", "a"), col("double", "q")),
         lambda: DF({"z": [1.0], "a": [1.0], "y": [1.0], "b": [2.0]}),
         Fix("Q12",
             Err("Model is missing inputs ['q']. Note that there were extra inputs: "
                 "['z', 'y', 'b'].", extras_any_order=True),
             Err("Model is missing inputs ['q']. Note that there were extra inputs: "
                 "['z', 'y', 'b']."))),
    Case("r_extras_order_in_warning", S(col("double", "a")),
         lambda: DF({"z": [1.0], "a": [1.0], "y": [1.0], "b": [2.0]}),
         Fix("Q12",
             Ok(["a"], ["float64"], {"a": [1.0]}, warns=(ExtrasWarn(["z", "y", "b"], True),)),
             Ok(["a"], ["float64"], {"a": [1.0]}, no_copy=("a",),
                warns=(EXTRA_WARNING.format("['z', 'y', 'b']"),)))),
    Case("r_int_extras_sorted", S(col("double", "a")),
         lambda: DF({"a": [1.0], 3: [1.0], 1: [1.0], 2: [1.0]}),
         Fix("Q12",
             Ok(["a"], ["float64"], {"a": [1.0]}, warns=(ExtrasWarn([3, 1, 2], True),)),
             Ok(["a"], ["float64"], {"a": [1.0]}, warns=(EXTRA_WARNING.format("[3, 1, 2]"),)))),
    # ---- names 0 and "" are real names (MLflow's input_names() uses `name or index`)
    Case("r_name_empty_string", S(col("double", "")), lambda: DF({"": [1.0]}),
         Fix("names", Err("Model is missing inputs [0]. Note that there were extra inputs: ['']."),
             Ok([""], ["float64"], {"": [1.0]}, no_copy=("",)))),
    Case("r_name_empty_string_missing", S(col("double", "")), lambda: DF({"x": [1.0]}),
         Fix("names", Err("Model is missing inputs [0]. Note that there were extra inputs: "
                          "['x']."),
             Err("Model is missing inputs ['']. Note that there were extra inputs: ['x']."))),
    Case("r_name_empty_string_optional_present", S(col("double", "x"),
                                                   col("double", "", required=False)),
         lambda: DF({"x": [1.0], "": [2.0]}),
         Fix("names", Err("1", exc=KeyError, warns=(EXTRA_WARNING.format("['']"),)),
             Ok(["x", ""], ["float64", "float64"], {"x": [1.0], "": [2.0]}))),
    Case("r_name_empty_string_optional_bad", S(col("double", "x"),
                                               col("double", "", required=False)),
         lambda: DF({"x": [1.0], "": ["bad"]}),
         Fix("names", Err("1", exc=KeyError, warns=(EXTRA_WARNING.format("['']"),)),
             incompatible("", "str", "float64"))),
    Case("r_name_empty_string_optional_absent", S(col("double", "x"),
                                                  col("double", "", required=False)),
         lambda: DF({"x": [1.0]}),
         Fix("names", Err("1", exc=KeyError), Ok(["x"], ["float64"], {"x": [1.0]}))),
    Case("r_name_zero_second", S(col("double", "x"), col("double", 0)),
         lambda: DF({"x": [1.0], 0: [2.0]}),
         Fix("names", Err("Model is missing inputs [1]. Note that there were extra inputs: [0]."),
             Ok(["x", 0], ["float64", "float64"], {"x": [1.0], 0: [2.0]}))),
    Case("r_name_zero_first", S(col("double", 0), col("double", "x")),
         lambda: DF({"x": [1.0], 0: [2]}), incompatible(0, "int64", "float64")),
    # ---- §6.6 tensors
    Case("r_tensor_noncontiguous", ts, lambda: np.arange(12.0).reshape(2, 6)[:, ::2],
         Tensor("float64", (2, 3), [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]], same=True)),
    Case("r_tensor_fortran", ts, lambda: np.asfortranarray(np.arange(6.0).reshape(2, 3)),
         Tensor("float64", (2, 3), [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], same=True)),
    Case("r_tensor_empty_rows", ts, lambda: np.ones((0, 3)), Tensor("float64", (0, 3), [])),
    Case("r_tensor_fixed_first_dim", S(ten("float64", (2, 3))), lambda: np.ones((2, 3)),
         Tensor("float64", (2, 3), [[1.0] * 3] * 2, same=True)),
    Case("r_tensor_fixed_first_dim_mismatch", S(ten("float64", (2, 3))), lambda: np.ones((4, 3)),
         Err("Shape of input (4, 3) does not match expected shape (2, 3).")),
    Case("r_tensor_object_ragged", S(ten("object", (-1,))),
         lambda: np.array([1, "a", None], dtype=object),
         Tensor("object", (3,), [1, "a", None], same=True)),
    Case("r_tensor_object_accepts_anything", S(ten("object", (-1,))), lambda: np.ones((2, 2)),
         Tensor("float64", (2, 2), [[1.0, 1.0], [1.0, 1.0]], same=True)),
    Case("r_tensor_ragged_1d_object", S(ten("float64", (-1, -1))),
         lambda: np.array([[1.0], [1.0, 2.0]], dtype=object),
         Tensor("object", (2,), [[1.0], [1.0, 2.0]], same=True)),
    Case("r_tensor_str", S(ten("str", (-1,))), lambda: np.array(["ab", "c"]),
         Tensor("<U2", (2,), ["ab", "c"], same=True)),
    Case("r_tensor_bytes", S(ten("bytes", (-1,))), lambda: np.array([b"ab", b"c"]),
         Tensor("|S2", (2,), [b"ab", b"c"], same=True)),
    Case("r_tensor_int32_for_int64", S(ten("int64", (-1,))), lambda: arr("int32", 1),
         Err("dtype of input int32 does not match expected dtype int64")),
    Case("r_tensor_tuple", ts, lambda: (1.0, 2.0, 3.0),
         Err(MSG_UNNAMED_TENSOR_TYPE.format("<class 'tuple'>"))),
    Case("r_tensor_series_1d", ts1, lambda: pd.Series([1.0, 2.0]),
         Tensor("float64", (2,), [1.0, 2.0])),
    Case("r_tensor_column_bool", S(ten("bool", (-1,))), lambda: DF({"a": [1, 0]}),
         Tensor("bool", (2,), [True, False])),
    Case("r_tensor_column_minus1_1", S(ten("float64", (-1, 1))), lambda: DF({"a": [1, 2]}),
         Tensor("float64", (2, 1), [[1.0], [2.0]])),
    Case("r_tensor_column_ndarray_cells", ts, lambda: DF({"a": [np.ones(3), np.ones(3) * 2]}),
         Tensor("float64", (2, 3), [[1.0] * 3, [2.0] * 3])),
    # ndarray cells are reshaped without any dtype check (contract §6.6)
    Case("r_tensor_column_ndarray_cells_int", ts,
         lambda: DF({"a": [np.ones(3, dtype="int64"), np.ones(3, dtype="int64")]}),
         Tensor("int64", (2, 3), [[1] * 3] * 2)),
    Case("r_tensor_column_ndarray_cells_ragged", ts,
         lambda: DF({"a": [np.ones(3), np.ones(2)]}),
         Err("The value in the Input DataFrame column 'None' could not be converted to the "
             "expected shape of: '(-1, 3)'. Ensure that each of the input numpy array elements "
             "are of uniform length and can be reshaped to above expected shape.")),
    Case("r_tensor_column_ragged_lists", ts, lambda: DF({"a": [[1, 2, 3], [1, 2]]}),
         Err("The value in the Input DataFrame column 'None' could not be converted to the "
             "expected shape of: '(-1, 3)'. Ensure that each of the input list elements are of "
             "uniform length and that the data can be coerced to the tensor type 'float64'")),
    Case("r_tensor_column_other_cells", ts, lambda: DF({"a": [{"x": 1}, {"y": 2}]}),
         Err("Because the model signature requires tensor spec input, the input pandas dataframe "
             "values should be either scalar value, python list containing scalar values or "
             "numpy array containing scalar values, other types are not supported.")),
    Case("r_tensor_column_variable_dims", S(ten("float64", (-1, -1))), lambda: DF({"a": [1.0]}),
         Err(MSG_FIXED_DIMS.format("the unnamed input", "(-1, -1)"))),
    Case("r_tensor_column_fixed_first", S(ten("float64", (2, 3))), lambda: DF({"a": [1.0]}),
         Err(MSG_FIXED_DIMS.format("the unnamed input", "(2, 3)"))),
    Case("r_named_tensor_column_variable_dims", S(ten("float64", (-1, -1), "a")),
         lambda: DF({"a": [1.0]}), Err(MSG_FIXED_DIMS.format("input a", "(-1, -1)"))),
    Case("r_named_tensor_frame", tsn, lambda: DF({"a": [[1.0, 2.0], [3.0, 4.0]], "b": [1, 2]}),
         Dict({"a": Tensor("float64", (2, 2), [[1.0, 2.0], [3.0, 4.0]]),
               "b": Tensor("int64", (2,), [1, 2])})),
    # MLflow reads series[0] by label: a frame without row label 0 gives a raw KeyError (parity)
    # MLflow reads the first cell by the label 0 (a raw KeyError for an empty frame or an index
    # without 0); mlflow_c reads it by position.
    Case("r_named_tensor_frame_empty", tsn, lambda: DF({"a": pd.Series([], dtype=object),
                                                       "b": pd.Series([], dtype="int64")}),
         Fix("label-0", Err("0", exc=KeyError), Err("Input DataFrame is empty."))),
    Case("r_tensor_column_index_without_0", ts1, lambda: DF({"a": [1.0, 2.0]}, index=[5, 6]),
         Fix("label-0", Err("0", exc=KeyError),
             Tensor("float64", (2,), [1.0, 2.0]))),
    Case("r_named_tensor_frame_cast", S(ten("int64", (-1,), "b")), lambda: DF({"b": [1.0, 2.5]}),
         Dict({"b": Tensor("int64", (2,), [1, 2])})),
    Case("r_named_tensor_single_ndarray", S(ten("float64", (-1,), "a")), lambda: np.ones(3),
         Dict({"a": Tensor("float64", (3,), [1.0, 1.0, 1.0], same=True)})),
    Case("r_named_tensor_list", S(ten("float64", (-1,), "a")), lambda: [1.0],
         Err("Model is missing inputs ['a'].")),
    Case("r_named_tensor_dict_extra", tsn,
         lambda: {"a": np.ones((1, 2)), "b": np.arange(1), "c": np.ones(1)},
         Dict({"a": Tensor("float64", (1, 2), [[1.0, 1.0]], same=True),
               "b": Tensor("int64", (1,), [0], same=True)},
              warns=(EXTRA_WARNING.format("['c']"),))),
    Case("r_named_tensor_bad_dtype", tsn, lambda: {"a": np.ones((1, 2)), "b": np.ones(1)},
         Err("dtype of input float64 does not match expected dtype int64")),
    Case("r_named_tensor_other_type", S(ten("float64", (-1,), "a"), ten("float64", (-1,), "b")),
         lambda: "text",
         Err("Model is missing inputs ['a', 'b'].")),
    # ---- §6.8 composite columns
    Case("r_array_column", S(col(lambda ns: ns.Array("long"), "a")),
         lambda: DF({"a": [[1, 2], [3]]}), Ok(["a"], ["object"], {"a": [[1, 2], [3]]})),
    Case("r_array_dict_one_row", S(col(lambda ns: ns.Array("long"), "a")), lambda: {"a": [1, 2]},
         Ok(["a"], ["object"], {"a": [[1, 2]]})),
    Case("r_array_not_list", S(col(lambda ns: ns.Array("long"), "a")), lambda: DF({"a": [1, 2]}),
         Err("Expected data to be list or numpy array, got int")),
    Case("r_array_bad_items", S(col(lambda ns: ns.Array("long"), "a")),
         lambda: DF({"a": [[1.5], [3]]}), incompatible("", "float64", "int64")),
    Case("r_array_of_double_from_ndarray", S(col(lambda ns: ns.Array("double"), "a")),
         lambda: DF({"a": [np.array([1.0, 2.0])]}),
         Ok(["a"], ["object"], {"a": [np.array([1.0, 2.0])]})),
    Case("r_array_optional_none", S(col(lambda ns: ns.Array("long"), "a", required=False)),
         lambda: DF({"a": [[1], None]}), Ok(["a"], ["object"], {"a": [[1], None]})),
    Case("r_array_required_none", S(col(lambda ns: ns.Array("long"), "a")),
         lambda: DF({"a": [[1], None]}),
         Err("Expected data to be list or numpy array, got NoneType")),
    Case("r_object_column", S(col(obj_k, "o")),
         lambda: DF({"o": [{"k": 1}, {"k": 2, "name": "x"}]}),
         Ok(["o"], ["object"], {"o": [{"k": np.int64(1)}, {"k": np.int64(2), "name": "x"}]}),
         mutates_input=True),
    Case("r_object_dict_one_row", S(col(obj_k, "o")), lambda: {"o": {"k": 1}},
         Ok(["o"], ["object"], {"o": [{"k": np.int64(1)}]}), mutates_input=True),
    Case("r_object_missing_property", S(col(obj_k, "o")), lambda: DF({"o": [{"name": "x"}]}),
         Err("Missing required properties: {'k'}")),
    Case("r_object_extra_property", S(col(obj_k, "o")), lambda: DF({"o": [{"k": 1, "z": 2}]}),
         Err("Invalid properties not defined in the schema found: {'z'}")),
    Case("r_object_bad_property", S(col(obj_k, "o")), lambda: DF({"o": [{"k": "x"}]}),
         Err("Failed to enforce schema for key `k`. Expected type long, received type str")),
    Case("r_object_not_dict", S(col(obj_k, "o")), lambda: DF({"o": [5]}),
         Err("Failed to enforce schema of '5' with type '{k: long (required), name: string "
             "(optional)}'. Expected data to be dictionary, got int")),
    Case("r_map_column", S(col(lambda ns: ns.Map("double"), "m")),
         lambda: DF({"m": [{"a": 1.0}, {"b": 2.0}]}),
         Ok(["m"], ["object"], {"m": [{"a": np.float64(1.0)}, {"b": np.float64(2.0)}]})),
    Case("r_map_non_str_key", S(col(lambda ns: ns.Map("double"), "m")),
         lambda: DF({"m": [{1: 1.0}]}),
         Err("Expected all keys in the map type data are string type.")),
    Case("r_map_not_dict", S(col(lambda ns: ns.Map("double"), "m")), lambda: DF({"m": [[1.0]]}),
         Err("Expected data to be a dict, got list")),
    Case("r_map_bad_value", S(col(lambda ns: ns.Map("long"), "m")), lambda: DF({"m": [{"a": 1.5}]}),
         Err("Failed to enforce schema of data `1.5` with dtype `long`")),
    Case("r_any_column", S(col(lambda ns: ns.AnyType(), "z")), lambda: DF({"z": [1, "a", None]}),
         Ok(["z"], ["object"], {"z": [1, "a", None]})),
    Case("r_mixed_array_and_scalar", S(col(lambda ns: ns.Array("string"), "a"),
                                       col("double", "x")),
         lambda: {"a": ["p", "q"], "x": 1.0},
         Ok(["a", "x"], ["object", "float64"], {"a": [["p", "q"]], "x": [1.0]})),
    Case("r_optional_array_absent", S(col("double", "x"),
                                      col(lambda ns: ns.Array("long"), "a", required=False)),
         lambda: DF({"x": [1.0]}), Ok(["x"], ["float64"], {"x": [1.0]})),
]

ALL_CASES = CATALOGUE + RULES
assert len({c.id for c in ALL_CASES}) == len(ALL_CASES)


# ------------------------------------------------------------------------------ checking


def _resolve(impl, expected):
    if isinstance(expected, Fix):
        return expect(impl, mlflow=expected.mlflow, mlflow_c=expected.mlflow_c)
    return expected


def _check_error(impl, outcome, exp: Err):
    assert not outcome.ok, f"expected {exp.message!r}, got {outcome}"
    exc = outcome.exc
    if exp.exc == "MlflowException":
        assert isinstance(exc, impl.MlflowException), f"{type(exc).__mro__}: {exc}"
    else:
        assert isinstance(exc, exp.exc), f"{type(exc).__mro__}: {exc}"
    if exp.extras_any_order:
        got, want = parse_missing_message(str(exc)), parse_missing_message(exp.message)
        assert got is not None, str(exc)
        assert got[0] == want[0]
        assert sorted(map(str, got[1])) == sorted(map(str, want[1]))
    elif exp.exc is KeyError:
        assert str(exc.args[0]) == exp.message  # str(KeyError(1)) is "1", of KeyError('x') "'x'"
    else:
        assert str(exc) == exp.message


def _check_warnings(cap, warns):
    got = cap.log_messages()
    assert len(got) == len(warns), got
    for message, w in zip(got, warns):
        if isinstance(w, ExtrasWarn):
            prefix, _, rest = message.partition("`")
            listed, _, suffix = rest.partition("`")
            assert message == EXTRA_WARNING.format(listed)
            assert sorted(map(str, eval(listed))) == sorted(map(str, w.extras))  # noqa: S307
        else:
            assert message == w


def _check_tensor(impl, value, exp: Tensor, source):
    assert isinstance(value, np.ndarray), type(value)
    assert str(value.dtype) == exp.dtype
    assert value.shape == exp.shape
    assert value.tolist() == exp.values
    if exp.same and impl.is_c:
        assert np.shares_memory(value, source)


def _check_value(impl, value, exp, data):
    if isinstance(exp, Ok):
        assert isinstance(value, pd.DataFrame), type(value)
        s = summarize(value)
        assert s[1] == exp.columns
        assert s[2] == exp.dtypes
        n = len(next(iter(exp.values.values()))) if exp.values else 0
        assert s[3] == [_cell(i) for i in (exp.index if exp.index is not None else range(n))]
        assert s[4] == {str(c): [_cell(x) for x in v] for c, v in exp.values.items()}
        if impl.is_c:
            for c in exp.no_copy:
                source = data[c] if isinstance(data, (pd.DataFrame, dict)) else data
                assert np.shares_memory(np.asarray(value[c]), np.asarray(source)), c
    elif isinstance(exp, Tensor):
        _check_tensor(impl, value, exp, data)
    elif isinstance(exp, Dict):
        assert isinstance(value, dict) and list(value) == list(exp.tensors)
        for k, t in exp.tensors.items():
            _check_tensor(impl, value[k], t, data[k] if isinstance(data, dict) else data)
    else:
        raise AssertionError(f"bad expectation {exp!r}")


def _snapshot(data):
    if isinstance(data, (pd.DataFrame, pd.Series, np.ndarray)):
        return summarize(data)
    if isinstance(data, dict):
        return {k: _snapshot(v) for k, v in data.items()}
    return repr(data)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_enforce(impl, case):
    exp = _resolve(impl, case.expected)
    schema = case.schema(impl)
    data = case.data()
    before = _snapshot(data)
    with capture() as cap:
        outcome = run(enforce, impl, data, schema)
    if isinstance(exp, Err):
        _check_error(impl, outcome, exp)
    else:
        assert outcome.ok, outcome
        _check_value(impl, outcome.value, exp, data)
    _check_warnings(cap, getattr(exp, "warns", ()))
    assert cap.warning_messages() == []
    if not case.mutates_input:
        assert _snapshot(data) == before, "the input was modified"


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_validate_schema(impl, case):
    exp = _resolve(impl, case.expected)
    schema = case.schema(impl)
    data = case.data()
    with capture() as cap:
        outcome = run(impl.validate_schema, data, schema)
    if isinstance(exp, Err):
        _check_error(impl, outcome, exp)
    else:
        assert outcome.ok, outcome
        assert outcome.value is None
    _check_warnings(cap, getattr(exp, "warns", ()))


def test_enforce_result_is_new_frame(impl):
    """The result is a new DataFrame even when nothing needed converting."""
    df = DF({"x1": [1.0], "x2": [2.0]})
    out = enforce(impl, df, dd(impl))
    assert out is not df
    out["x1"] = [5.0]
    assert df["x1"].tolist() == [1.0]


def test_enforce_extra_columns_dropped_from_result(impl):
    df = DF({"x2": [2.0], "junk": ["j"], "x1": [1.0]})
    with capture() as cap:
        out = enforce(impl, df, dd(impl))
    assert list(out.columns) == ["x1", "x2"]
    assert cap.log_messages() == [EXTRA_WARNING.format("['junk']")]
    assert list(df.columns) == ["x2", "junk", "x1"]


def test_enforce_repeatable_on_same_input(impl):
    df = DF({"x1": arr("int32", 1, 2), "x2": [1.0, 2.0]})
    a = enforce(impl, df, dd(impl))
    b = enforce(impl, df, dd(impl))
    assert summarize(a) == summarize(b)
    assert df["x1"].dtype == np.dtype("int32")
