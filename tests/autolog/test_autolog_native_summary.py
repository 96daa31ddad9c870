"""The native OLS summary (csrc/al_ols.c) against statsmodels itself.

``_core._ols_fast(results)`` returns ``(metrics, text)`` for an OLS result it reproduces, or
None. For every eligible result the metrics must equal ``float(getattr(results, name))`` bit for
bit, the text must equal ``results.summary().as_text()`` byte for byte (the values of the Date:
and Time: lines are masked; ``test_date_and_time_lines`` checks them against ``time.strftime``)
and the result must be left as it was (no ``diagn``, no ``_summary_cache``, ``_cache`` empty).
The fast path always runs first, on a result nothing has touched; statsmodels runs after it.
"""

from __future__ import annotations

import copy
import gc
import math
import re
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from mlflow_c import _core

# MLflow's allow-list, in its order
METRICS = [
    "aic", "bic", "centered_tss", "condition_number", "df_model", "df_resid", "ess", "f_pvalue",
    "fvalue", "llf", "mse_model", "mse_resid", "mse_total", "rsquared", "rsquared_adj", "scale",
    "ssr", "uncentered_tss",
]

_DATE_TIME = re.compile(r"^(Date:|Time:)( +)(\S+(?: \S+)*)", re.M)


def mask_date_time(text: str) -> str:
    """The text with the values of the Date: and Time: lines replaced by X's of equal length."""
    return _DATE_TIME.sub(lambda m: m.group(1) + m.group(2) + "X" * len(m.group(3)), text)


def quiet(fn, *args, **kwargs):
    """fn(*args, **kwargs) with statsmodels' and NumPy's warnings silenced (the suite turns
    warnings into errors; small samples and perfect fits warn in statsmodels)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def fit_ols(y, X, fit_kwargs=None, **model_kwargs):
    return quiet(lambda: sm.OLS(y, X, **model_kwargs).fit(**(fit_kwargs or {})))


def snapshot(res):
    """What must not change: the attribute names of the wrapper, the result and its model,
    the result's cache, and the identity of its arrays."""
    r = res._results if hasattr(res, "_results") else res
    return (
        sorted(vars(res)),
        sorted(vars(r)),
        dict(getattr(r, "_cache", {})),
        sorted(vars(r.model)),
        id(r.params),
        id(getattr(r, "normalized_cov_params", None)),
        id(getattr(r.model, "wexog", None)),
        id(getattr(r.model, "wendog", None)),
        np.asarray(r.params).tobytes(),
    )


def statsmodels_reference(res):
    """MLflow's metrics and the summary text, by statsmodels (mutates res)."""
    metrics = quiet(lambda: {name: float(getattr(res, name)) for name in METRICS})
    text = quiet(lambda: res.summary().as_text())
    return metrics, text


def same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a.hex() == b.hex()


def assert_native_matches(res, label=""):
    """Runs the fast path on a fresh result, checks it left the result alone, then compares
    with statsmodels. Returns the native text."""
    before = snapshot(res)
    out = _core._ols_fast(res)
    assert out is not None, f"{label}: declined"
    assert snapshot(res) == before, f"{label}: the result was mutated"
    inner = res._results if hasattr(res, "_results") else res
    assert "diagn" not in vars(inner) and "_summary_cache" not in vars(inner), label
    assert inner._cache == {}, label
    metrics, text = out
    assert type(metrics) is dict and type(text) is str
    assert list(metrics) == METRICS, label
    ref_metrics, ref_text = statsmodels_reference(res)
    for name in METRICS:
        got, want = metrics[name], ref_metrics[name]
        assert type(got) is float, (label, name)
        assert same_float(got, want), (
            f"{label}: {name} = {got!r} ({got.hex()}), statsmodels {want!r} ({want.hex()})"
        )
    assert mask_date_time(text) == mask_date_time(ref_text), f"{label}\n{text}\n---\n{ref_text}"
    # same line layout around the masked values too
    assert [len(line) for line in text.split("\n")] == [
        len(line) for line in ref_text.split("\n")
    ], label
    return text


# ------------------------------------------------------------------ generated cases

_NAME_POOL = ["a", "x_long_column_name_number", "β温度", "price", "c", "Ω"]


def _design(rng, n, k, kind, sx):
    X = rng.standard_normal((n, k)) * sx
    if rng.random() < 0.5:
        X += rng.uniform(-3, 3, k) * sx  # shifted columns: negative values, off-centre means
    if kind == "collinear" and k >= 2:  # condition-number note
        X[:, 1] = X[:, 0] * 3 + rng.standard_normal(n) * sx * 10.0 ** rng.uniform(-12, -3)
    elif kind == "singular" and k >= 2:  # rank deficient: smallest-eigenvalue note
        X[:, 1] = X[:, 0] * 2
    elif kind == "integers":
        X = rng.integers(-5, 6, (n, k)).astype(float) * sx
    return X


def generate_cases(seed: int, count: int):
    """(label, build) pairs; build() returns (results, expected_eligible). About one case in
    eight is given a perturbation the native path must decline."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        size = rng.choice(["small", "medium", "large", "xlarge"], p=[0.2, 0.35, 0.35, 0.1])
        n = int({"small": rng.integers(3, 9), "medium": rng.integers(9, 60),
                 "large": rng.integers(60, 600), "xlarge": rng.integers(600, 5000)}[size])
        k = int(rng.integers(1, max(1, min(15, n - 2)) + 1))
        sx = float(10.0 ** rng.uniform(-8, 8))
        sy = float(10.0 ** rng.uniform(-8, 8))
        kind = str(rng.choice(["plain", "plain", "collinear", "singular", "integers", "perfect",
                               "heavy_tails"]))
        X = _design(rng, n, k, kind, sx)
        beta = rng.standard_normal(k) * sy / sx
        noise = rng.standard_normal(n) * sy
        if kind == "heavy_tails":
            noise = rng.standard_t(2, n) * sy
        y = X @ beta + rng.uniform(-5, 5) * sy + (0.0 if kind == "perfect" else noise)
        const = bool(rng.random() < 0.6 and k + 1 <= n - 1)
        if const:
            X = sm.add_constant(X, has_constant="add")
        layout = str(rng.choice(["numpy", "numpy", "pandas", "pandas_int_names", "fortran",
                                 "strided"]))
        if layout == "pandas":
            cols = [str(rng.choice(_NAME_POOL)) + str(j) for j in range(X.shape[1])]
            X = pd.DataFrame(X, columns=cols)
            y = pd.Series(y, name=rng.choice(["target", None, "a_very_long_dependent_name_x"]))
        elif layout == "pandas_int_names":
            X = pd.DataFrame(X)
            y = pd.Series(y)
        elif layout == "fortran":
            X = np.asfortranarray(X)
        elif layout == "strided":
            both = np.empty((n, 2 * X.shape[1] + 1))
            both[:, 1::2] = X
            both[:, 0] = y
            X, y = both[:, 1::2], both[:, 0]
        perturb = None
        if rng.random() < 1 / 8:
            perturb = str(rng.choice(["HC1", "use_t_false", "wls", "summary_first",
                                      "float32", "weights"]))
        label = (f"case{i}-n{n}-k{k}-{kind}-{layout}-{'const' if const else 'noconst'}"
                 f"-sx{sx:.0e}-sy{sy:.0e}" + (f"-{perturb}" if perturb else ""))

        def build(y=y, X=X, perturb=perturb):
            if perturb == "HC1":
                res = fit_ols(y, X, {"cov_type": "HC1"})
            elif perturb == "use_t_false":
                res = fit_ols(y, X, {"use_t": False})
            elif perturb == "wls":
                res = quiet(lambda: sm.WLS(y, X, weights=np.linspace(1, 2, len(y))).fit())
            elif perturb == "float32":
                res = fit_ols(np.asarray(y, dtype=np.float32),
                              np.asarray(X, dtype=np.float32))
            elif perturb == "weights":  # OLS passes them on to WLS.__init__
                res = fit_ols(y, X, weights=np.linspace(1, 2, len(y)))
            else:
                res = fit_ols(y, X)
                if perturb == "summary_first":
                    quiet(res.summary)
            # df_model or df_resid 0 (e.g. a constant-only design) is declined by design
            eligible = perturb is None and res.df_model > 0 and res.df_resid > 0
            return res, eligible

        cases.append((label, build))
    return cases


CASES = generate_cases(20261123, 320)


@pytest.mark.parametrize("label,build", CASES, ids=[c[0] for c in CASES])
def test_generated_case(label, build):
    res, eligible = build()
    if eligible:
        assert_native_matches(res, label)
    else:
        before = snapshot(res)
        assert _core._ols_fast(res) is None, label
        assert snapshot(res) == before, label


def test_most_generated_cases_are_eligible():
    eligible = sum(1 for _, build in CASES if _core._ols_fast(build()[0]) is not None)
    # about 1/8 are perturbed on purpose; the rest must all be taken
    assert eligible >= 0.8 * len(CASES), f"{eligible} of {len(CASES)}"


def test_generated_cases_cover_the_notes():
    """The generated set reaches every note and both R² flavours."""
    texts = []
    for _, build in CASES:
        out = _core._ols_fast(build()[0])
        if out is not None:
            texts.append(out[1])
    joined = "\n".join(texts)
    for fragment in ["R² is computed without centering", "The smallest eigenvalue is",
                     "The condition number is large", "R-squared (uncentered):",
                     "Prob(Omnibus):                    nan", "e+", "e-"]:
        assert fragment in joined, fragment


# ------------------------------------------------------------------ hand-picked eligible cases


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def _xy(rng, n=200, k=3):
    X = sm.add_constant(rng.standard_normal((n, k)))
    return X, X @ np.arange(1.0, k + 2) + rng.standard_normal(n)


def test_basic_numpy_and_inner_results(rng):
    X, y = _xy(rng)
    text = assert_native_matches(fit_ols(y, X), "wrapper")
    assert text.startswith(" " * 28 + "OLS Regression Results")
    assert "const" in text and "x3" in text
    assert_native_matches(fit_ols(y, X)._results, "inner OLSResults")


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 8, 9])
def test_few_observations(rng, n):
    """Below 8 observations statsmodels prints NaN for the omnibus test (and warns)."""
    X = sm.add_constant(rng.standard_normal((n, 1)))
    y = X @ [1.0, 2.0] + rng.standard_normal(n)
    text = assert_native_matches(fit_ols(y, X), f"n={n}")
    assert ("   nan" in text.split("Omnibus:")[1].split("\n")[0]) == (n < 8)


@pytest.mark.parametrize("n", [8191, 8192, 8193, 20000, 300001])
def test_many_observations(rng, n):
    """Pairwise summation across block boundaries and NumPy's reduction chunking."""
    X = sm.add_constant(rng.standard_normal((n, 2)) * 1e3)
    y = X @ [5.0, 1.0, -2.0] + rng.standard_normal(n) * 1e4
    assert_native_matches(fit_ols(y, X), f"n={n}")


def test_pandas_names_and_long_names(rng):
    X, y = _xy(rng, 50, 3)
    Xp = pd.DataFrame(X[:, 1:], columns=["a" * 40, "β_temperature", "c"])
    yp = pd.Series(y, name="d" * 45)
    text = assert_native_matches(fit_ols(yp, sm.add_constant(Xp)), "long names")
    assert "a" * 40 in text and "d" * 45 in text
    assert_native_matches(fit_ols(pd.Series(y), pd.DataFrame(X[:, 1:])), "int names")
    multi = pd.DataFrame(X[:, 1:], columns=pd.MultiIndex.from_tuples(
        [("a", "b"), ("c", "d"), ("e", "")]))
    assert_native_matches(fit_ols(y, multi), "MultiIndex names")
    assert_native_matches(fit_ols(pd.Series(y, name=np.str_("t")), X), "numpy.str_ name")
    assert_native_matches(fit_ols(y, pd.DataFrame(X, columns=[np.str_("c"), "a", 7, "z"])),
                          "mixed names")


def test_formula_api(rng):
    df = pd.DataFrame(rng.standard_normal((60, 3)), columns=["x1", "x2", "y"])
    assert_native_matches(quiet(lambda: smf.ols("y ~ x1 + x2", df).fit()), "formula")
    assert_native_matches(quiet(lambda: smf.ols("y ~ x1 + x2 - 1", df).fit()), "no intercept")


def test_constant_detection_variants(rng):
    X = rng.standard_normal((40, 3))
    y = rng.standard_normal(40)
    assert_native_matches(fit_ols(y, X, hasconst=True), "hasconst=True")
    assert_native_matches(fit_ols(y, sm.add_constant(X), hasconst=False), "hasconst=False")
    dummies = np.zeros((40, 3))
    dummies[np.arange(40), rng.integers(0, 3, 40)] = 1
    assert_native_matches(fit_ols(y, np.hstack([dummies, X])), "implicit constant")
    assert_native_matches(fit_ols(y, X[:, 0]), "1-D exog")
    assert_native_matches(fit_ols(list(y), X.tolist()), "lists")
    assert_native_matches(fit_ols(y, sm.add_constant(X), {"method": "qr"}), "qr")


def test_more_columns_than_observations(rng):
    """n < k with rank < n: the input-rank note and the smallest-eigenvalue note."""
    X = rng.standard_normal((6, 3))
    X = np.hstack([X, X[:, :2] * 2, X[:, :1] + X[:, 1:2], -X[:, :1]])
    text = assert_native_matches(fit_ols(rng.standard_normal(6), X), "n<k")
    assert "The input rank is higher than the number of observations." in text


def test_perfect_fit_and_extreme_scales():
    x = np.arange(20.0)
    assert_native_matches(fit_ols(2 * x + 1, sm.add_constant(x)), "perfect fit")
    assert_native_matches(fit_ols(np.zeros(20), sm.add_constant(x)), "zero endog")
    rng = np.random.default_rng(3)
    X, y = _xy(rng, 30, 2)
    assert_native_matches(fit_ols(y * 1e150, X * 1e150), "huge")
    assert_native_matches(fit_ols(y * 1e-150, X * 1e-150), "tiny")
    assert_native_matches(fit_ols(-y * 1e8, X * 1e-8), "mixed")


def test_missing_drop(rng):
    X, y = _xy(rng, 40, 2)
    y[[3, 17]] = np.nan
    assert_native_matches(fit_ols(y, X, missing="drop"), "missing=drop")


def test_no_warning_and_no_numpy_error_state(rng):
    """Where statsmodels warns (few observations, perfect fit) the native path is silent,
    even with NumPy errors raising."""
    x = np.arange(6.0)
    res = fit_ols(2 * x + 1, sm.add_constant(x))
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert _core._ols_fast(res) is not None


def test_date_and_time_lines(rng):
    X, y = _xy(rng, 30, 1)
    res = fit_ols(y, X)
    for _ in range(3):  # retried when the clock crosses a second
        before = time.localtime()
        _, text = _core._ols_fast(res)
        after = time.localtime()
        if before == after:
            break
    lines = {line.split(":")[0]: line for line in text.split("\n")}
    date = time.strftime("%a, %d %b %Y", before)
    clock = time.strftime("%H:%M:%S", before)
    assert lines["Date"].startswith("Date:" + " " * (37 - 5 - len(date)) + date + "   ")
    assert lines["Time"].startswith("Time:" + " " * (37 - 5 - len(clock)) + clock + "   ")


# ------------------------------------------------------------------ declined results


def _declined(res):
    before = snapshot(res) if hasattr(res, "_results") else None
    assert _core._ols_fast(res) is None
    if before is not None:
        assert snapshot(res) == before


def test_declines_other_models(rng):
    X, y = _xy(rng, 60, 2)
    _declined(quiet(lambda: sm.WLS(y, X, weights=np.linspace(1, 2, 60)).fit()))
    _declined(quiet(lambda: sm.WLS(y, X).fit()))  # unit weights, but not OLS
    _declined(quiet(lambda: sm.GLS(y, X).fit()))
    _declined(quiet(lambda: sm.GLSAR(y, X, rho=1).fit()))
    _declined(quiet(lambda: sm.GLM(y, X).fit()))
    _declined(quiet(lambda: sm.RLM(y, X).fit()))

    class MyOLS(sm.OLS):
        pass

    _declined(quiet(lambda: MyOLS(y, X).fit()))


@pytest.mark.parametrize("cov_type,kwds", [("HC0", {}), ("HC1", {}), ("HC3", {}),
                                           ("HAC", {"maxlags": 2}), ("fixed scale", {})])
def test_declines_robust_covariances(rng, cov_type, kwds):
    X, y = _xy(rng, 60, 2)
    _declined(fit_ols(y, X, {"cov_type": cov_type, "cov_kwds": kwds}))


def test_declines_normal_inference(rng):
    X, y = _xy(rng, 60, 2)
    _declined(fit_ols(y, X, {"use_t": False}))


def test_declines_degenerate_degrees_of_freedom(rng):
    y = rng.standard_normal(10)
    _declined(fit_ols(y, np.ones((10, 1))))  # constant only: df_model 0
    _declined(fit_ols(y[:4], sm.add_constant(rng.standard_normal((4, 3)))))  # df_resid 0


def test_declines_non_float64_data(rng):
    X, y = _xy(rng, 40, 2)
    _declined(fit_ols(np.round(y).astype(np.int64), X.astype(np.int64)))
    _declined(fit_ols(y.astype(np.float32), X.astype(np.float32)))
    _declined(fit_ols(y, pd.DataFrame(X, columns=[1.5, 2.5, 3.5])))  # float names
    _declined(fit_ols(y[::-1], X))  # endog read backwards


def test_declines_touched_results(rng):
    X, y = _xy(rng, 40, 2)
    res = fit_ols(y, X)
    quiet(res.summary)
    _declined(res)
    res = fit_ols(y, X)
    _ = res.rsquared  # anything in the cache may have been set by hand (scale is writable)
    _declined(res)
    res = fit_ols(y, X)
    quiet(res.remove_data)
    _declined(res)
    res = fit_ols(y, X, weights=np.linspace(1, 2, 40))
    _declined(res)
    res = fit_ols(y, X, offset=np.ones(40))
    _declined(res)


def test_declines_odd_attributes(rng):
    """Unexpected attribute types give None, never a crash."""
    X, y = _xy(rng, 40, 2)
    edits = [
        lambda r: setattr(r._results, "params", list(r._results.params)),
        lambda r: setattr(r._results, "params", r._results.params[:2]),
        lambda r: setattr(r._results, "params", r._results.params * np.nan),
        lambda r: setattr(r._results, "df_resid", "37"),
        lambda r: setattr(r._results, "df_model", 2),
        lambda r: setattr(r._results, "k_constant", 2),
        lambda r: setattr(r._results, "k_constant", True),
        lambda r: setattr(r._results, "k_constant", 10**30),
        lambda r: setattr(r._results, "cov_kwds", None),
        lambda r: setattr(r._results, "cov_kwds", {"description": 3}),
        lambda r: setattr(r._results, "_use_t", 1),
        lambda r: setattr(r._results, "cov_type", "nonrobust2"),
        lambda r: setattr(r._results, "_wexog_singular_values", None),
        lambda r: setattr(r._results, "_wexog_singular_values", -r._results._wexog_singular_values),
        lambda r: setattr(r._results, "normalized_cov_params", np.eye(2)),
        lambda r: setattr(r._results, "model", object()),
        lambda r: delattr(r._results, "_cache"),
        lambda r: setattr(r._results, "_cache", {"ssr": 1.0}),
        lambda r: setattr(r.model, "wexog", r.model.wexog.astype(np.float32)),
        lambda r: setattr(r.model, "wexog", np.asfortranarray(r.model.wexog)),  # not exog
        lambda r: setattr(r.model, "wendog", None),
        lambda r: setattr(r.model, "nobs", 41.0),
        lambda r: setattr(r.model, "weights", None),
        lambda r: setattr(r.model.data, "xnames", ["a", "b"]),
        lambda r: setattr(r.model.data, "xnames", [1.5, "b", "c"]),
        lambda r: setattr(r.model.data, "xnames", "abc"),
        lambda r: setattr(r.model.data, "ynames", object()),
        lambda r: setattr(r.model.data, "ynames", "bad\udcffsurrogate"),
        lambda r: setattr(r.model.data, "xnames", ["a", "b\ud800", "c"]),
    ]
    for i, edit in enumerate(edits):
        res = fit_ols(y, X)
        edit(res)
        assert _core._ols_fast(res) is None, i
    for obj in [None, 1, "text", object(), np.arange(3.0), sm.OLS(y, X)]:
        assert _core._ols_fast(obj) is None

    class Fake:
        _results = 5

    assert _core._ols_fast(Fake()) is None


def test_errors_propagate(rng):
    """An exception raised by the model's own code (here its exog_names) is not swallowed."""
    X, y = _xy(rng, 40, 2)
    res = fit_ols(y, X)

    class Boom(type(res.model.data)):
        @property
        def xnames(self):
            raise RuntimeError("boom")

    res.model.data.__class__ = Boom
    with pytest.raises(RuntimeError, match="boom"):
        _core._ols_fast(res)


# ------------------------------------------------------------------ references and memory


def test_no_reference_or_memory_leak(rng):
    X, y = _xy(rng, 200, 3)
    results = [fit_ols(y, X), fit_ols(pd.Series(y, name="t"), pd.DataFrame(X)),
               fit_ols(y[:6], X[:6, :2])]
    declined = fit_ols(y, X, {"cov_type": "HC1"})
    watched = [obj for r in results for obj in
               (r, r._results, r.model, r._results.params, r.model.wexog, r.model.wendog)]
    for r in results + [declined]:  # warm-up: lazy imports, name caches
        _core._ols_fast(r)
    counts = [sys.getrefcount(o) for o in watched]
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(200):
            for r in results + [declined]:
                _core._ols_fast(r)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            for r in results + [declined]:
                _core._ols_fast(r)
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [sys.getrefcount(o) for o in watched] == counts
    assert second - first < 64 * 1024, (first, second)


def test_copy_of_results_is_eligible(rng):
    """A result unpickled (or copied) keeps wexog is exog, so it is still taken."""
    import pickle

    X, y = _xy(rng, 40, 2)
    res = fit_ols(y, X)
    assert_native_matches(pickle.loads(pickle.dumps(res)), "unpickled")
    assert_native_matches(copy.deepcopy(fit_ols(y, X)), "deepcopy")


@pytest.mark.parametrize(
    "owner, name",
    [("RegressionResults", "f_pvalue"), ("RegressionResults", "summary"),
     ("OLSResults", "aic"), ("OLS", "loglike")],
)
def test_declines_while_statsmodels_classes_are_patched(rng, monkeypatch, owner, name):
    """A property or method replaced on the class (by the user or a test) is what the slow
    path would run, so the native path steps aside until it is put back."""
    from statsmodels.regression import linear_model as lm

    X = sm.add_constant(rng.normal(size=(40, 2)))
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=40)
    assert _core._ols_fast(sm.OLS(y, X).fit()) is not None
    replacement = property(lambda self: 1.0) if name != "summary" else (lambda self: None)
    monkeypatch.setattr(getattr(lm, owner), name, replacement)
    assert _core._ols_fast(sm.OLS(y, X).fit()) is None
    monkeypatch.undo()
    assert _core._ols_fast(sm.OLS(y, X).fit()) is not None
