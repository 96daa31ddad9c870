"""Reference and memory leaks in the C signature engine.

Each scenario runs a call repeatedly (after a warm-up) and checks that ``sys.getrefcount`` of the
objects involved (inputs, schema, DataType members, the model, the returned objects) does not
change, and that memory traced by tracemalloc does not grow by more than a small bound.

The bounds are meant for mlflow_c (2000 iterations). On ``impl == mlflow`` the same harness runs
with 200 iterations, only to validate the scenarios and the harness itself against MLflow.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from sigconf import FAST_REQS, built_with, capture, enforce, enforce_params

WARMUP = 30
BYTES_PER_ITERATION = 8  # any leaked object (a float is 24 bytes) per call exceeds this
SLACK = 16 * 1024


def _settle(watched):
    """Collect garbage and make pandas drop the dead weak references its Copy-on-Write
    bookkeeping accumulates on a frame each time a column is taken (pruned lazily, in batches of
    hundreds, which would look like a leak)."""
    gc.collect()
    for obj in watched:
        if isinstance(obj, (pd.DataFrame, pd.Series)):
            holders = list(getattr(obj._mgr, "blocks", ())) + list(obj.axes)
            for holder in holders:
                refs = getattr(holder, "refs", None) or getattr(holder, "_references", None)
                if refs is not None:
                    refs.has_reference()  # prunes dead references (force=True)


def iterations(impl) -> int:
    return 2000 if impl.is_c else 200


def check_no_leak(impl, call, watched, expect_error=None):
    """Run ``call`` repeatedly; ``watched`` objects keep their refcounts, results do not pile up,
    traced memory stays flat. ``expect_error``: the exception class every call raises."""
    n = iterations(impl)

    def once():
        if expect_error is None:
            return call()
        try:
            call()
        except expect_error:
            return None
        raise AssertionError("expected an exception")

    for _ in range(WARMUP):
        once()
    gc.collect()
    first = once()
    first_rc = None if first is None else sys.getrefcount(first)
    del first
    gc.collect()
    before = [sys.getrefcount(o) for o in watched]
    tracemalloc.start()
    try:
        for _ in range(n):  # let caches fill under tracing
            once()
        _settle(watched)
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            once()
        _settle(watched)
        grown = tracemalloc.get_traced_memory()[0] - base
        if impl.is_c and grown > BYTES_PER_ITERATION * n + SLACK:
            # A one-off growth (a pandas cache or free list resizing; seen once in CI, 41 KB
            # over 2000 calls) does not repeat; a leak grows again by as much in a second
            # window of the same length, which must then stay within the same bound.
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(n):
                once()
            _settle(watched)
            grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    after = [sys.getrefcount(o) for o in watched]
    assert after == before, list(zip(before, after))
    last = once()
    if first_rc is not None:
        assert sys.getrefcount(last) == first_rc
    # The memory bound judges mlflow_c only: MLflow's own Python path allocates caches at its
    # own pace (seen growing 23 KB over 200 calls under ASan), which is not what is tested here.
    if impl.is_c:
        assert grown <= BYTES_PER_ITERATION * n + SLACK, f"traced memory grew by {grown} bytes"


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(7)
    X = pd.DataFrame({"const": np.ones(8), "x1": rng.normal(size=8), "x2": rng.normal(size=8)})
    return X


def _col_schema(impl):
    return impl.Schema([impl.ColSpec("double", n) for n in ("const", "x1", "x2")])


def test_validate_schema_matching_columns(impl, frames):
    schema = _col_schema(impl)
    check_no_leak(impl, lambda: impl.validate_schema(frames, schema),
                  [frames, schema, impl.DataType.double] + schema.inputs)


def test_enforce_converting_columns(impl, frames):
    schema = _col_schema(impl)
    df = frames.assign(const=np.ones(len(frames), dtype="int32"),
                       x1=frames["x1"].astype("float32"))
    check_no_leak(impl, lambda: enforce(impl, df, schema), [df, schema, impl.DataType.double])


def test_enforce_dict_and_records(impl, frames):
    schema = _col_schema(impl)
    cols = {c: frames[c].tolist() for c in frames.columns}
    records = frames.to_dict("records")
    check_no_leak(impl, lambda: enforce(impl, cols, schema), [cols, schema] + list(cols.values()))
    check_no_leak(impl, lambda: enforce(impl, records, schema), [records, schema, records[0]])


def test_enforce_error_paths(impl, frames):
    schema = _col_schema(impl)
    missing = frames[["const", "x1"]].assign(extra=1.0, other=2.0)
    bad_type = frames.assign(const=np.arange(len(frames)) + 5)
    check_no_leak(impl, lambda: impl.validate_schema(missing, schema), [missing, schema],
                  expect_error=impl.MlflowException)
    check_no_leak(impl, lambda: enforce(impl, bad_type, schema), [bad_type, schema],
                  expect_error=impl.MlflowException)


def test_enforce_tensor(impl):
    schema = impl.Schema([impl.TensorSpec(np.dtype("float64"), (-1, 3))])
    arr = np.ones((16, 3))
    strided = np.ones((16, 6))[:, ::2]
    named = impl.Schema([impl.TensorSpec(np.dtype("float64"), (-1, 3), "a"),
                         impl.TensorSpec(np.dtype("int64"), (-1,), "b")])
    feed = {"a": arr, "b": np.arange(16)}
    check_no_leak(impl, lambda: enforce(impl, arr, schema), [arr, schema])
    check_no_leak(impl, lambda: enforce(impl, strided, schema), [strided, schema])
    check_no_leak(impl, lambda: enforce(impl, feed, named), [feed, named, arr, feed["b"]])
    bad = arr.astype("float32")
    check_no_leak(impl, lambda: enforce(impl, bad, schema), [bad, schema],
                  expect_error=impl.MlflowException)


def test_params_enforcement(impl):
    schema = impl.ParamSchema([impl.ParamSpec("alpha", "double", 0.5),
                               impl.ParamSpec("arr", "long", [1, 2], (-1,))])
    params = {"alpha": 1, "arr": [3, 4]}
    check_no_leak(impl, lambda: enforce_params(impl, params, schema),
                  [params, schema, params["arr"], impl.DataType.long])


def test_schema_objects_and_json(impl):
    text = ('[{"type": "double", "name": "a", "required": true}, {"type": "array", "items": '
            '{"type": "long"}, "name": "b", "required": false}]')
    name = "a"

    def build():
        s = impl.Schema([impl.ColSpec(impl.DataType.double, name),
                         impl.ColSpec(impl.Array("long"), "b", required=False)])
        assert s.to_json() == text
        return impl.Schema.from_json(text)

    check_no_leak(impl, build, [text, name, impl.DataType.double, impl.DataType.long])


def test_infer_signature(impl, frames):
    out = frames["x1"] * 2

    def infer():
        with capture():
            return impl.infer_signature(frames, out)

    check_no_leak(impl, infer, [frames, out])


@pytest.fixture(scope="module")
def saved(impl, ols_df, ols_nd, tmp_path_factory):
    res_df, X = ols_df
    res_nd, Xn = ols_nd
    root = tmp_path_factory.mktemp(f"refcount_{impl.name}")

    def build():
        with capture():
            impl.save_model(res_df, str(root / "c"), pip_requirements=FAST_REQS,
                            signature=impl.infer_signature(X, res_df.predict(X)))
            impl.save_model(res_nd, str(root / "t"), pip_requirements=FAST_REQS,
                            signature=impl.infer_signature(Xn, res_nd.predict(Xn)))
            return impl.pyfunc_load(str(root / "c")), impl.pyfunc_load(str(root / "t"))

    return built_with(impl, build)


def test_predict_column_model(impl, saved, ols_df):
    model, _ = saved
    X = ols_df[1].iloc[:5].copy()
    check_no_leak(impl, lambda: model.predict(X), [X, model, model.metadata])
    bad = X.assign(const=[2, 3, 4, 5, 6])
    check_no_leak(impl, lambda: model.predict(bad), [bad, model],
                  expect_error=impl.MlflowException)


def test_predict_tensor_model(impl, saved, ols_nd):
    _, model = saved
    Xn = ols_nd[1][:5].copy()
    check_no_leak(impl, lambda: model.predict(Xn), [Xn, model])
    bad = Xn.astype("int64")
    check_no_leak(impl, lambda: model.predict(bad), [bad, model],
                  expect_error=impl.MlflowException)
