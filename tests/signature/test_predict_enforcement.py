"""Schema enforcement end to end: statsmodels OLS saved with a signature, loaded with pyfunc.

Models are saved (a) with ``signature=infer_signature(X, res.predict(X))`` and (b) with
``input_example=`` only, in which case save_model infers the signature the MLflow 3.x way (contract
§3.7): an ndarray example gives a tensor signature float64 (-1, 3) -> (-1,), a DataFrame example
named double columns -> ``[{"type": "double", "required": true}]``. Failures come out of
``PyFuncModel.predict`` as MLflow 3.x wraps them (contract §5.3):
``Failed to enforce schema of data '<data>' with schema '<schema repr>'. Error: <inner>``,
error code INVALID_PARAMETER_VALUE. Models written by either implementation load in the other
and enforce identically.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
import yaml

from sigconf import (
    EXTRA_WARNING,
    FAST_REQS,
    ORACLE,
    capture,
    expect,
    parse_missing_message,
    built_with,
    run,
    wrapped,
)

COLUMNS_REPR = "['const': double (required), 'x1': double (required), 'x2': double (required)]"
TENSOR_REPR = "[Tensor('float64', (-1, 3))]"
COL_SIGNATURE = {
    "inputs": '[{"type": "double", "name": "const", "required": true}, {"type": "double", "name": '
              '"x1", "required": true}, {"type": "double", "name": "x2", "required": true}]',
    "outputs": '[{"type": "double", "required": true}]',
    "params": None,
}
TENSOR_SIGNATURE = {
    "inputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]',
    "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]',
    "params": None,
}


def _save(ns, results, path, **kwargs):
    with capture() as cap:
        ns.save_model(results, str(path), pip_requirements=FAST_REQS, **kwargs)
    assert cap.significant_warnings() == []
    return str(path)


def _infer(ns, *args):
    with capture():
        return ns.infer_signature(*args)


@pytest.fixture(scope="session")
def models(impl, ols_df, ols_nd, tmp_path_factory):
    """Four model directories saved by ``impl``: column/tensor x signature/input_example."""
    res_df, X = ols_df
    res_nd, Xn = ols_nd
    root = tmp_path_factory.mktemp(f"predict_{impl.name}")
    return built_with(impl, lambda: {
        "col_sig": _save(impl, res_df, root / "col_sig",
                         signature=_infer(impl, X, res_df.predict(X))),
        "col_example": _save(impl, res_df, root / "col_example", input_example=X.iloc[:3]),
        "tensor_sig": _save(impl, res_nd, root / "tensor_sig",
                            signature=_infer(impl, Xn, res_nd.predict(Xn))),
        "tensor_example": _save(impl, res_nd, root / "tensor_example", input_example=Xn[:3]),
    })


@pytest.fixture(scope="session")
def mlflow_models(ols_df, ols_nd, tmp_path_factory):
    """The same four models saved by real MLflow."""
    res_df, X = ols_df
    res_nd, Xn = ols_nd
    root = tmp_path_factory.mktemp("predict_oracle")
    return {
        "col_sig": _save(ORACLE, res_df, root / "col_sig",
                         signature=_infer(ORACLE, X, res_df.predict(X))),
        "col_example": _save(ORACLE, res_df, root / "col_example", input_example=X.iloc[:3]),
        "tensor_sig": _save(ORACLE, res_nd, root / "tensor_sig",
                            signature=_infer(ORACLE, Xn, res_nd.predict(Xn))),
        "tensor_example": _save(ORACLE, res_nd, root / "tensor_example", input_example=Xn[:3]),
    }


def _load(ns, path):
    with capture():
        return ns.pyfunc_load(path)


def _mlmodel(path):
    with open(os.path.join(path, "MLmodel"), encoding="utf-8") as f:
        return yaml.safe_load(f)


# ------------------------------------------------------------------------------ signatures


@pytest.mark.parametrize("key, expected", [
    ("col_sig", COL_SIGNATURE), ("col_example", COL_SIGNATURE),
    ("tensor_sig", TENSOR_SIGNATURE), ("tensor_example", TENSOR_SIGNATURE)])
def test_saved_signature(impl, models, key, expected):
    assert _mlmodel(models[key])["signature"] == expected
    assert impl.Model.load(models[key]).signature.to_dict() == expected
    assert ORACLE.Model.load(models[key]).signature.to_dict() == expected


def test_saved_signature_matches_mlflow(models, mlflow_models):
    for key in models:
        assert _mlmodel(models[key])["signature"] == _mlmodel(mlflow_models[key])["signature"]
        assert (_mlmodel(models[key]).get("saved_input_example_info")
                == _mlmodel(mlflow_models[key]).get("saved_input_example_info"))


def test_input_example_round_trip(impl, models, ols_df, ols_nd):
    _, X = ols_df
    _, Xn = ols_nd
    path = models["col_example"]
    example = impl.Model.load(path).load_input_example(path)
    assert isinstance(example, pd.DataFrame)
    pd.testing.assert_frame_equal(example, X.iloc[:3].reset_index(drop=True), check_exact=True)
    assert [str(d) for d in example.dtypes] == ["float64"] * 3
    path = models["tensor_example"]
    example = impl.Model.load(path).load_input_example(path)
    assert isinstance(example, np.ndarray) and example.dtype == np.float64
    assert np.array_equal(example, Xn[:3])
    assert impl.Model.load(models["col_sig"]).load_input_example(models["col_sig"]) is None


def test_input_example_files(models):
    with open(os.path.join(models["tensor_example"], "input_example.json"), encoding="utf-8") as f:
        assert isinstance(json.load(f), list)  # 3.x: the bare nested list
    with open(os.path.join(models["col_example"], "input_example.json"), encoding="utf-8") as f:
        assert list(json.load(f)) == ["columns", "data"]


# ------------------------------------------------------------------------------ good inputs


@pytest.mark.parametrize("key", ["col_sig", "col_example"])
def test_column_model_good_inputs(impl, models, ols_df, key):
    res, X = ols_df
    model = _load(impl, models[key])
    expected = res.predict(X.iloc[:4])
    with capture() as cap:
        out = model.predict(X.iloc[:4])
    assert isinstance(out, pd.Series)
    np.testing.assert_allclose(out.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)
    assert cap.messages == []
    # reordered columns plus an extra one: reordered, the extra dropped with a warning
    shuffled = X.iloc[:4][["x2", "const", "x1"]].assign(junk=["a", "b", "c", "d"])
    with capture() as cap:
        out = model.predict(shuffled)
    np.testing.assert_allclose(np.asarray(out), expected.to_numpy(), rtol=0, atol=1e-12)
    assert cap.log_messages() == [EXTRA_WARNING.format("['junk']")]
    # int32 and float32 columns are widened
    widened = X.iloc[:4].astype({"x1": "float32"}).assign(const=np.ones(4, dtype="int32"))
    out = model.predict(widened)
    np.testing.assert_allclose(np.asarray(out), res.predict(widened.astype("float64")).to_numpy(),
                               rtol=0, atol=1e-12)
    # dict of scalars, dict of lists, list of row dicts
    row = X.iloc[0].to_dict()
    np.testing.assert_allclose(np.asarray(model.predict(row)), expected.to_numpy()[:1], atol=1e-12)
    cols = {c: X[c].iloc[:2].tolist() for c in X.columns}
    np.testing.assert_allclose(np.asarray(model.predict(cols)), expected.to_numpy()[:2],
                               atol=1e-12)
    records = X.iloc[:2].to_dict("records")
    np.testing.assert_allclose(np.asarray(model.predict(records)), expected.to_numpy()[:2],
                               atol=1e-12)


def test_column_model_keeps_index(impl, models, ols_df):
    res, X = ols_df
    frame = X.iloc[:3].set_axis([10, 20, 30])
    out = _load(impl, models["col_sig"]).predict(frame)
    assert list(out.index) == [10, 20, 30]


@pytest.mark.parametrize("key", ["tensor_sig", "tensor_example"])
def test_tensor_model_good_inputs(impl, models, ols_nd, key):
    res, Xn = ols_nd
    model = _load(impl, models[key])
    out = model.predict(Xn[:5])
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, res.predict(Xn[:5]), rtol=0, atol=1e-12)
    # non-contiguous and Fortran-ordered inputs
    strided = np.repeat(Xn[:5], 2, axis=0)[::2]
    np.testing.assert_allclose(model.predict(strided), res.predict(Xn[:5]), atol=1e-12)
    np.testing.assert_allclose(model.predict(np.asfortranarray(Xn[:5])), res.predict(Xn[:5]),
                               atol=1e-12)
    # a DataFrame of three float columns becomes an ndarray
    frame = pd.DataFrame(Xn[:5], columns=["a", "b", "c"])
    np.testing.assert_allclose(model.predict(frame), res.predict(Xn[:5]), atol=1e-12)


# ------------------------------------------------------------------------------ bad inputs


def _bad_column_inputs(X):
    two = X.iloc[:2]
    return [
        ("missing_x2", two[["const", "x1"]], "Model is missing inputs ['x2']."),
        ("int_const", two.assign(const=[2, 3]),
         "Incompatible input types for column const. Can not safely convert int64 to float64."),
        ("string_x1", two.assign(x1=["a", "b"]),
         "Incompatible input types for column x1. Can not safely convert str to float64."),
        ("ndarray", two.to_numpy(),
         "Model is missing inputs ['const', 'x1', 'x2']. Note that there were extra inputs: "
         "[0, 1, 2]."),
        ("none", None, "Expected input to be DataFrame. Found: NoneType"),
        ("set", {1.0, 2.0}, "Expected input to be DataFrame. Found: set"),
        ("ragged_dict", {"const": [1.0, 1.0], "x1": [1.0], "x2": [1.0]},
         "This model contains a column-based signature, which suggests a DataFrame input. There "
         "was an error casting the input data to a DataFrame: All arrays must be of the same "
         "length"),
        ("Int64_with_na", two.assign(x2=pd.array([1, None], dtype="Int64")),
         "Incompatible input types for column x2. Can not safely convert Int64 to float64."),
    ]


def _bad_tensor_inputs(Xn):
    return [
        ("int_array", Xn[:2].astype("int64"),
         "dtype of input int64 does not match expected dtype float64"),
        ("float32_array", Xn[:2].astype("float32"),
         "dtype of input float32 does not match expected dtype float64"),
        ("two_columns", Xn[:2, :2], "Shape of input (2, 2) does not match expected shape (-1, 3)."),
        ("flat", Xn[:2].ravel(), "Shape of input (6,) does not match expected shape (-1, 3)."),
        ("list", Xn[:1].tolist(),
         "This model contains a tensor-based model signature with no input names, which "
         "suggests a numpy array input or a pandas dataframe input with proper column values, "
         "but an input of type <class 'list'> was found."),
        ("empty_frame", pd.DataFrame(), "Input DataFrame is empty."),
    ]


def _check_wrapped(impl, model, data, schema_repr, inner):
    shown = str(data)
    outcome = run(model.predict, data)
    assert not outcome.ok, outcome
    exc = outcome.exc
    assert isinstance(exc, impl.MlflowException), type(exc).__mro__
    assert exc.error_code == "INVALID_PARAMETER_VALUE"
    assert str(exc) == wrapped(shown, schema_repr, inner)
    assert exc.message == str(exc)


@pytest.mark.parametrize("key", ["col_sig", "col_example"])
@pytest.mark.parametrize("case", range(8), ids=[c[0] for c in _bad_column_inputs(
    pd.DataFrame({"const": [1.0, 1.0], "x1": [1.0, 2.0], "x2": [1.0, 2.0]}))])
def test_column_model_bad_inputs(impl, models, ols_df, key, case):
    _, X = ols_df
    _, data, inner = _bad_column_inputs(X)[case]
    _check_wrapped(impl, _load(impl, models[key]), data, COLUMNS_REPR, inner)


@pytest.mark.parametrize("key", ["tensor_sig", "tensor_example"])
@pytest.mark.parametrize("case", range(6), ids=[c[0] for c in _bad_tensor_inputs(np.ones((2, 3)))])
def test_tensor_model_bad_inputs(impl, models, ols_nd, key, case):
    _, Xn = ols_nd
    _, data, inner = _bad_tensor_inputs(Xn)[case]
    _check_wrapped(impl, _load(impl, models[key]), data, TENSOR_REPR, inner)


def test_extras_order_in_wrapped_message(impl, models, ols_df):
    """Q12 (FIX) through predict: the extras follow input order in mlflow_c."""
    _, X = ols_df
    data = X.iloc[:2][["const"]].assign(zeta=[1.0, 2.0], alpha=[1.0, 2.0], mid=[0.0, 1.0])
    shown = str(data)
    outcome = run(_load(impl, models["col_sig"]).predict, data)
    prefix = wrapped(shown, COLUMNS_REPR, "")
    assert str(outcome.exc).startswith(prefix)
    inner = str(outcome.exc)[len(prefix):]
    missing, extras = parse_missing_message(inner)
    assert missing == ["x1", "x2"]
    assert expect(impl, mlflow=sorted(extras), mlflow_c=extras) == expect(
        impl, mlflow=["alpha", "mid", "zeta"], mlflow_c=["zeta", "alpha", "mid"])


def test_long_column_with_missing_values(impl, ols_df, tmp_path):
    """Q42 (FIX) through predict, on a model whose signature declares ``const`` as long."""
    res, X = ols_df
    sig = impl.ModelSignature(impl.Schema([impl.ColSpec("long", "const"),
                                           impl.ColSpec("double", "x1"),
                                           impl.ColSpec("double", "x2")]))
    path = _save(impl, res, tmp_path / "m", signature=sig)
    model = _load(impl, path)
    good = X.iloc[:2].assign(const=pd.array([1, 1], dtype="Int64"))
    np.testing.assert_allclose(np.asarray(model.predict(good)), res.predict(X.iloc[:2]),
                               atol=1e-12)
    bad = X.iloc[:2].assign(const=pd.array([1, None], dtype="Int64"))
    schema_repr = "['const': long (required), 'x1': double (required), 'x2': double (required)]"
    inner = expect(impl, mlflow="cannot convert NA to integer",
                   mlflow_c="Incompatible input types for column const. Can not safely convert "
                            "Int64 with missing values to int64.")
    _check_wrapped(impl, model, bad, schema_repr, inner)


def test_no_signature_means_no_enforcement(impl, ols_nd, tmp_path):
    res, Xn = ols_nd
    path = _save(impl, res, tmp_path / "m")
    model = _load(impl, path)
    assert model.metadata.signature is None
    # an int array reaches statsmodels unchanged
    np.testing.assert_allclose(model.predict(Xn[:2].astype("int64")),
                               res.predict(Xn[:2].astype("int64")), atol=1e-12)


# ------------------------------------------------------------------------------ interchange


@pytest.mark.parametrize("key", ["col_sig", "col_example", "tensor_sig", "tensor_example"])
def test_impl_models_enforce_identically_in_mlflow(impl, models, mlflow_models, ols_df, ols_nd,
                                                   key):
    """A model saved by ``impl`` behaves in real MLflow exactly as MLflow's own model does, and
    a model saved by MLflow behaves in ``impl`` as ``impl``'s own model does."""
    _, X = ols_df
    _, Xn = ols_nd
    if key.startswith("col"):
        inputs = [X.iloc[:3]] + [c[1] for c in _bad_column_inputs(X)]
    else:
        inputs = [Xn[:3]] + [c[1] for c in _bad_tensor_inputs(Xn)]
    pairs = [(_load(ORACLE, models[key]), _load(ORACLE, mlflow_models[key])),
             (_load(impl, mlflow_models[key]), _load(impl, models[key]))]
    for left, right in pairs:
        for data in inputs:
            a, b = run(left.predict, data), run(right.predict, data)
            assert a.ok == b.ok
            if a.ok:
                np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), atol=1e-12)
            else:
                assert type(a.exc).__name__ == type(b.exc).__name__
                assert str(a.exc) == str(b.exc)
                assert a.exc.error_code == b.exc.error_code


# ------------------------------------------------------------------------------ (data, params)


def test_tuple_example_matches_mlflow(impl, ols_df, tmp_path):
    """A `(data, params)` example: the params go into the example files (and the
    `params: 'true'` info flag) and into the inferred signature's params schema, as MLflow
    3.x writes them."""
    res, X = ols_df
    example = (X.head(2), {"alpha": 0.5, "n": 3})
    ours = _save(impl, res, tmp_path / "ours", input_example=example)
    theirs = _save(ORACLE, res, tmp_path / "theirs", input_example=example)
    a, b = _mlmodel(ours), _mlmodel(theirs)
    for key in ("signature", "saved_input_example_info"):
        assert a[key] == b[key], key
    assert a["saved_input_example_info"]["params"] == "true"
    assert json.loads(a["signature"]["params"]) == [
        {"name": "alpha", "default": 0.5, "shape": None, "type": "double"},
        {"name": "n", "default": 3, "shape": None, "type": "long"},
    ]
    for name in ("input_example.json", "serving_input_example.json"):
        with open(os.path.join(ours, name)) as f1, open(os.path.join(theirs, name)) as f2:
            assert f1.read() == f2.read(), name
    model = _load(impl, ours)
    np.testing.assert_allclose(np.asarray(model.predict(X.head(1), params={"alpha": 1.0})),
                               np.asarray(res.predict(X.head(1))))


def test_tuple_example_with_invalid_params_raises(impl, ols_df, tmp_path):
    res, X = ols_df
    with pytest.raises(impl.MlflowException):
        with capture():
            impl.save_model(res, str(tmp_path / "m"), pip_requirements=FAST_REQS,
                            input_example=(X.head(1), {"bad": object()}))
    if impl.is_c:  # atomic save: nothing is left behind (MLflow leaves the directory)
        assert not (tmp_path / "m").exists()


_READ_BACK_SCRIPT = r"""
import sys, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd, statsmodels.api as sm
import mlflow.statsmodels, mlflow.models
rng = np.random.default_rng(0)
X = pd.DataFrame(sm.add_constant(rng.normal(size=(30, 2))), columns=["c", "a", "b"])
res = sm.OLS(X.sum(1), X).fit()
example = pd.DataFrame({"c": [1.0, 1.0], "a": [0.5, 0.2], "b": [1.0, 2.0],
                        "i": np.array([1, 2], dtype=np.int32), "s": ["x", "y"],
                        "t": pd.to_datetime(["2020-01-01", "2021-02-03"]),
                        "by": [b"ab", b"cd"]})
sig = mlflow.models.infer_signature(example, res.predict(X.head(2)))
path = sys.argv[1]
mlflow.statsmodels.save_model(res, path, signature=sig, input_example=example,
                              pip_requirements=["statsmodels"])
theirs = mlflow.models.Model.load(path).load_input_example(path)
# the first mlflow_c call of the process: nothing has loaded its NumPy C API yet
from mlflow_c.models import Model
ours = Model.load(path).load_input_example(path)
assert ours.dtypes.to_dict() == theirs.dtypes.to_dict(), (ours.dtypes, theirs.dtypes)
assert ours.equals(theirs), (ours, theirs)
print("same")
"""


def test_dataframe_example_read_back_cast_like_mlflow(tmp_path):
    """A DataFrame example is read back cast to the column signature (int32, ns datetimes,
    base64-decoded binary, pandas strings), exactly as MLflow reads it — in a fresh process,
    where load_input_example is the first thing mlflow_c does."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _READ_BACK_SCRIPT, str(tmp_path / "m")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("same")
