/* al_ols.c: the native OLS summary. For a statsmodels OLS result it computes MLflow's 18
 * allow-listed metrics bit for bit and the text of results.summary().as_text() byte for byte,
 * through the primitives statsmodels and SciPy end up in: NumPy's dot (BLAS), NumPy's log loop,
 * libm's pow, SciPy's special functions (cython_special capsules) and NumPy's pairwise sum
 * (reproduced here). The result is only read: no property, no cache entry, no summary() call.
 * Anything not reproduced exactly is declined (0) so the caller takes statsmodels' path.
 * No tracking, no files here. */
#include "al_ols.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* Every product and sum below must round on its own, as NumPy's do: no fused multiply-add. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* ------------------------------------------------------------------ names and primitives */

/* The attribute and key names read here, interned once into st->ols_keys (same order). */
#define OLS_KEYS(X)                                                                          \
    X(results, "_results")                                                                  \
    X(model, "model")                                                                       \
    X(params, "params")                                                                     \
    X(ncp, "normalized_cov_params")                                                         \
    X(sv, "_wexog_singular_values")                                                         \
    X(k_constant, "k_constant")                                                             \
    X(cov_type, "cov_type")                                                                 \
    X(cov_kwds, "cov_kwds")                                                                 \
    X(use_t, "_use_t")                                                                      \
    X(cache, "_cache")                                                                      \
    X(summary_cache, "_summary_cache")                                                      \
    X(cov_params_default, "cov_params_default")                                             \
    X(df_resid_inference, "df_resid_inference")                                             \
    X(nobs_int, "_nobs_int")                                                                \
    X(wexog, "wexog")                                                                       \
    X(wendog, "wendog")                                                                     \
    X(exog, "exog")                                                                         \
    X(endog, "endog")                                                                       \
    X(weights, "weights")                                                                   \
    X(nobs, "nobs")                                                                         \
    X(offset, "offset")                                                                     \
    X(exog_names, "exog_names")                                                             \
    X(endog_names, "endog_names")                                                           \
    X(description, "description")                                                           \
    /* MLflow's metric allow-list, in its order (df_model and df_resid are also read) */     \
    X(aic, "aic")                                                                           \
    X(bic, "bic")                                                                           \
    X(centered_tss, "centered_tss")                                                         \
    X(condition_number, "condition_number")                                                 \
    X(df_model, "df_model")                                                                 \
    X(df_resid, "df_resid")                                                                 \
    X(ess, "ess")                                                                           \
    X(f_pvalue, "f_pvalue")                                                                 \
    X(fvalue, "fvalue")                                                                     \
    X(llf, "llf")                                                                           \
    X(mse_model, "mse_model")                                                               \
    X(mse_resid, "mse_resid")                                                               \
    X(mse_total, "mse_total")                                                               \
    X(rsquared, "rsquared")                                                                 \
    X(rsquared_adj, "rsquared_adj")                                                         \
    X(scale, "scale")                                                                       \
    X(ssr, "ssr")                                                                           \
    X(uncentered_tss, "uncentered_tss")

enum {
#define OLS_KEY_ENUM(name, literal) K_##name,
    OLS_KEYS(OLS_KEY_ENUM)
#undef OLS_KEY_ENUM
    K_COUNT
};
static const char *const ols_key_literals[K_COUNT] = {
#define OLS_KEY_LITERAL(name, literal) literal,
    OLS_KEYS(OLS_KEY_LITERAL)
#undef OLS_KEY_LITERAL
};
/* Borrowed: the interned name K_x (valid while st->ols_keys is set). */
#define KEY(st, name) PyTuple_GET_ITEM((st)->ols_keys, K_##name)

enum { OLS_NMETRICS = K_uncentered_tss - K_aic + 1 };
#define M(name) (K_##name - K_aic) /* index of a metric in ols_numbers.m */

/* SciPy's special functions as cython_special exports them (the last argument is Cython's
 * skip-dispatch flag). Process-wide: the code lives as long as the extension module, which
 * st->ols_special keeps imported. */
typedef double (*ols_fn2)(double, double, int);
typedef double (*ols_fn3)(double, double, double, int);
static ols_fn2 ols_stdtr, ols_stdtrit, ols_chdtrc;
static ols_fn3 ols_fdtrc;
#define OLS_SIG2 "double (double, double, int __pyx_skip_dispatch)"
#define OLS_SIG3 "double (double, double, double, int __pyx_skip_dispatch)"

/* libm's pow, called as NumPy's scalar power calls it. Through a volatile pointer so that the
 * compiler cannot turn pow(x, 2.0) into x * x (libm's pow does not always round like x * x). */
static double (*volatile ols_pow)(double, double) = pow;

/* np.log(2 * np.pi), computed by NumPy's log loop once. */
static double ols_log2pi;

/* Returns a borrowed function pointer exported by cython_special under `name` with `sig`, or
 * NULL with an exception (ImportError when it is missing or its signature differs). */
static void *
ols_capsule(PyObject *capi, const char *name, const char *sig)
{
    PyObject *cap = NULL;
    void *fn = NULL;
    int found = PyDict_GetItemStringRef(capi, name, &cap);
    if (found < 0) {
        return NULL;
    }
    /* a capsule's name is its C signature; NULL (no name) is not an error */
    const char *cap_name = (found && PyCapsule_CheckExact(cap)) ? PyCapsule_GetName(cap) : NULL;
    if (cap_name != NULL && strcmp(cap_name, sig) == 0) {
        fn = PyCapsule_GetPointer(cap, cap_name); /* NULL only with an exception */
    }
    else {
        PyErr_Format(PyExc_ImportError, "scipy.special.cython_special has no %s: %s", name,
                     sig);
    }
    Py_XDECREF(cap);
    return fn;
}

/* np.log(x) for one double: NumPy's own loop, which may round differently from libm's log.
 * Values where every implementation agrees are answered here. 0, or -1 with an exception. */
static int
ols_nplog(mlc_state *st, double x, double *out)
{
    if (isnan(x) || (isinf(x) && x > 0)) {
        *out = x;
        return 0;
    }
    if (x <= 0.0) {
        *out = x == 0.0 ? -INFINITY : NAN;
        return 0;
    }
    PyObject *arg = PyFloat_FromDouble(x);
    PyObject *r = arg ? PyObject_Vectorcall(st->ols_log, &arg, 1, NULL) : NULL;
    int rc = 0;
    Py_XDECREF(arg);
    if (r == NULL) {
        return -1;
    }
    if (PyFloat_Check(r)) { /* numpy.float64 subclasses float */
        *out = PyFloat_AS_DOUBLE(r);
    }
    else {
        PyErr_SetString(PyExc_SystemError, "numpy.log of a float is not a float");
        rc = -1;
    }
    Py_DECREF(r);
    return rc;
}

/* Fills the lazily fetched part of the state this file uses. 1 when ready, 0 when the native
 * path is unavailable (statsmodels, SciPy or one of its exports missing; no exception), -1 on
 * other errors. */
static int
ols_ready(mlc_state *st)
{
    PyObject *keys = NULL, *obj = NULL, *special = NULL, *capi = NULL;
    int result = -1;
    if (st->ols_special != NULL) {
        return 1;
    }
    if (mlc_numpy_ready(st) < 0) {
        return -1;
    }
    if (st->ols_keys == NULL) {
        if ((keys = PyTuple_New(K_COUNT)) == NULL) {
            goto done;
        }
        for (int i = 0; i < K_COUNT; i++) {
            PyObject *s = PyUnicode_InternFromString(ols_key_literals[i]);
            if (s == NULL) {
                goto done;
            }
            PyTuple_SET_ITEM(keys, i, s); /* steals */
        }
        st->ols_keys = Py_NewRef(keys);
    }
    if ((obj = mlc_lazy_attr(&st->ols_OLS, "statsmodels.regression.linear_model", "OLS")) ==
        NULL) {
        goto unavailable;
    }
    Py_CLEAR(obj);
    if ((obj = mlc_lazy_attr(&st->ols_OLSResults, "statsmodels.regression.linear_model",
                             "OLSResults")) == NULL) {
        goto unavailable;
    }
    Py_CLEAR(obj);
    if ((obj = mlc_lazy_attr(&st->ols_log, "numpy", "log")) == NULL) {
        goto unavailable;
    }
    Py_CLEAR(obj);
    if ((obj = PyImport_ImportModule("time")) == NULL) {
        goto done;
    }
    Py_XSETREF(st->ols_time, obj);
    obj = NULL;
    if ((special = PyImport_ImportModule("scipy.special.cython_special")) == NULL ||
        (capi = PyObject_GetAttrString(special, "__pyx_capi__")) == NULL) {
        goto unavailable;
    }
    if (!PyDict_Check(capi)) {
        PyErr_SetString(PyExc_ImportError, "scipy.special.cython_special.__pyx_capi__");
        goto unavailable;
    }
    if ((ols_stdtr = (ols_fn2)ols_capsule(capi, "__pyx_fuse_0stdtr", OLS_SIG2)) == NULL ||
        (ols_stdtrit = (ols_fn2)ols_capsule(capi, "__pyx_fuse_0stdtrit", OLS_SIG2)) == NULL ||
        (ols_chdtrc = (ols_fn2)ols_capsule(capi, "chdtrc", OLS_SIG2)) == NULL ||
        (ols_fdtrc = (ols_fn3)ols_capsule(capi, "__pyx_fuse_0fdtrc", OLS_SIG3)) == NULL) {
        goto unavailable;
    }
    /* 2 * np.pi: np.pi is the double nearest pi; doubling it is exact */
    if (ols_nplog(st, 2.0 * 3.141592653589793, &ols_log2pi) < 0) {
        goto done;
    }
    Py_XSETREF(st->ols_special, Py_NewRef(special)); /* last: marks the state ready */
    result = 1;
    goto done;
unavailable:
    if (PyErr_ExceptionMatches(PyExc_ImportError) ||
        PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        result = 0;
    }
done:
    Py_XDECREF(keys);
    Py_XDECREF(obj);
    Py_XDECREF(special);
    Py_XDECREF(capi);
    return result;
}

/* ------------------------------------------------------------------ numeric kernels (no Python) */

/* NumPy's pairwise summation of doubles (the reduce loop of np.add), step for step: blocks of
 * up to 128 summed with 8 accumulators, larger ranges split in halves rounded down to a
 * multiple of 8. */
static double
ols_pairwise(const double *a, Py_ssize_t n)
{
    if (n < 8) {
        double res = 0.;
        for (Py_ssize_t i = 0; i < n; i++) {
            res += a[i];
        }
        return res;
    }
    if (n <= 128) {
        double r[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++) {
            r[j] = a[j];
        }
        for (i = 8; i < n - (n % 8); i += 8) {
            for (int j = 0; j < 8; j++) {
                r[j] += a[i + j];
            }
        }
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) {
            res += a[i];
        }
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return ols_pairwise(a, n2) + ols_pairwise(a + n2, n - n2);
}

/* np.sum / np.add.reduce of a contiguous double vector: the identity 0.0 plus the pairs. */
static double
ols_sum(const double *a, Py_ssize_t n)
{
    return 0.0 + ols_pairwise(a, n);
}

/* scipy.stats.f.sf(x, dfn, dfd): rv_continuous.sf's guards around f._sf (fdtrc). */
static double
ols_f_sf(double x, double dfn, double dfd)
{
    if (!(dfn > 0 && dfd > 0) || isnan(x)) {
        return NAN;
    }
    if (x <= 0.0) {
        return 1.0;
    }
    return isinf(x) ? 0.0 : ols_fdtrc(dfn, dfd, x, 0);
}

/* scipy.stats.t.sf(x, df): the guards around t._sf (stdtr(df, -x)); support (-inf, inf). */
static double
ols_t_sf(double x, double df)
{
    if (!(df > 0) || isnan(x)) {
        return NAN;
    }
    if (isinf(x)) {
        return x > 0 ? 0.0 : 1.0;
    }
    return ols_stdtr(df, -x, 0);
}

/* scipy.stats.chi2.sf(x, 2): the guards around chi2._sf (chdtrc); support (0, inf). */
static double
ols_chi2_sf(double x)
{
    if (isnan(x)) {
        return NAN;
    }
    if (x <= 0.0) {
        return 1.0;
    }
    return isinf(x) ? 0.0 : ols_chdtrc(2.0, x, 0);
}

/* ------------------------------------------------------------------ reading the result */

/* What is read from the result and its model: strong references plus plain values. */
typedef struct {
    PyObject *res, *rdict, *model, *mdict;
    PyObject *params, *ncp, *sv, *wexog, *wendog, *weights;
    PyObject *description, *xnames /* tuple or None */, *yname;
    Py_ssize_t n, k;
    int k_constant;
    double nobs, df_model, df_resid;
} ols_input;

static void
ols_input_clear(ols_input *in)
{
    Py_CLEAR(in->res);
    Py_CLEAR(in->rdict);
    Py_CLEAR(in->model);
    Py_CLEAR(in->mdict);
    Py_CLEAR(in->params);
    Py_CLEAR(in->ncp);
    Py_CLEAR(in->sv);
    Py_CLEAR(in->wexog);
    Py_CLEAR(in->wendog);
    Py_CLEAR(in->weights);
    Py_CLEAR(in->description);
    Py_CLEAR(in->xnames);
    Py_CLEAR(in->yname);
}

/* Element i (and j) of a float64 array, through its strides. */
#define F8_1(a, i) (*(const double *)(PyArray_BYTES(a) + (i) * PyArray_STRIDE(a, 0)))
#define F8_2(a, i, j)                                                                        \
    (*(const double *)(PyArray_BYTES(a) + (i) * PyArray_STRIDE(a, 0) +                       \
                       (j) * PyArray_STRIDE(a, 1)))

/* 1 when o is an exact ndarray of native aligned float64 with ndim dims whose values are all
 * finite, else 0. */
static int
ols_f8(PyObject *o, int ndim)
{
    if (o == NULL || !PyArray_CheckExact(o)) {
        return 0;
    }
    PyArrayObject *a = (PyArrayObject *)o;
    if (PyArray_NDIM(a) != ndim || PyArray_TYPE(a) != NPY_DOUBLE || !PyArray_ISNOTSWAPPED(a) ||
        !PyArray_ISALIGNED(a)) {
        return 0;
    }
    npy_intp rows = PyArray_DIM(a, 0), cols = ndim == 2 ? PyArray_DIM(a, 1) : 1;
    for (npy_intp i = 0; i < rows; i++) {
        for (npy_intp j = 0; j < cols; j++) {
            if (!isfinite(ndim == 2 ? F8_2(a, i, j) : F8_1(a, i))) {
                return 0;
            }
        }
    }
    return 1;
}

/* 1 when o is a float or a numpy.float64 (df_resid is nobs - np.int64 rank), else 0. */
static int
ols_float(PyObject *o)
{
    return o != NULL && (PyFloat_CheckExact(o) || Py_IS_TYPE(o, &PyDoubleArrType_Type));
}

/* Looks `key` up in dict d into *out (a new reference, or NULL when absent; the old value is
 * released). 0, or -1 with an exception. */
static int
ols_get(PyObject *d, PyObject *key, PyObject **out)
{
    Py_CLEAR(*out);
    return PyDict_GetItemRef(d, key, out) < 0 ? -1 : 0;
}

/* 1 when the result's statsmodels object is one the native path reproduces, with everything
 * read into *in; 0 when it is not; -1 on errors. Plain attributes are read from the instance
 * dicts; only the model's exog_names / endog_names properties run Python code. */
static int
ols_read(mlc_state *st, PyObject *results, ols_input *in)
{
    PyObject *v = NULL;
    int result = 0;
#define OLS_LOOKUP(d, name, out)                                                             \
    if (ols_get((d), KEY(st, name), (out)) < 0) {                                            \
        result = -1;                                                                         \
        goto done;                                                                           \
    }
    if (Py_TYPE(results) == (PyTypeObject *)st->ols_OLSResults) {
        in->res = Py_NewRef(results);
    }
    else {
        /* the wrapper's own __getattribute__ is Python code: read its slot directly */
        if ((in->res = PyObject_GenericGetAttr(results, KEY(st, results))) == NULL) {
            if (PyErr_ExceptionMatches(PyExc_AttributeError) ||
                PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
            }
            else {
                result = -1;
            }
            goto done;
        }
        if (Py_TYPE(in->res) != (PyTypeObject *)st->ols_OLSResults) {
            goto done;
        }
    }
    if ((in->rdict = PyObject_GenericGetDict(in->res, NULL)) == NULL) {
        result = -1;
        goto done;
    }
    /* fresh from fit: nothing cached yet, nothing a later call may have set */
    OLS_LOOKUP(in->rdict, cache, &v)
    if (v == NULL || !PyDict_CheckExact(v) || PyDict_GET_SIZE(v) != 0) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, summary_cache, &v)
    if (v != NULL) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, cov_params_default, &v)
    if (v != NULL) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, df_resid_inference, &v)
    if (v != NULL) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, nobs_int, &v)
    if (v != NULL) {
        goto done;
    }
    /* nonrobust covariance with Student's t */
    OLS_LOOKUP(in->rdict, cov_type, &v)
    if (v == NULL || !PyUnicode_CheckExact(v) ||
        PyUnicode_CompareWithASCIIString(v, "nonrobust") != 0) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, use_t, &v)
    if (v != Py_True) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, cov_kwds, &v)
    if (v == NULL || !PyDict_CheckExact(v)) {
        goto done;
    }
    OLS_LOOKUP(v, description, &in->description)
    if (in->description == NULL || !PyUnicode_CheckExact(in->description)) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, k_constant, &v)
    if (v == NULL || !PyLong_CheckExact(v)) {
        goto done;
    }
    int overflow;
    long kc = PyLong_AsLongAndOverflow(v, &overflow);
    if (kc == -1 && PyErr_Occurred()) {
        result = -1;
        goto done;
    }
    if (overflow || (kc != 0 && kc != 1)) {
        goto done;
    }
    in->k_constant = (int)kc;
    OLS_LOOKUP(in->rdict, df_model, &v)
    if (!ols_float(v)) {
        goto done;
    }
    in->df_model = PyFloat_AS_DOUBLE(v);
    OLS_LOOKUP(in->rdict, df_resid, &v)
    if (!ols_float(v)) {
        goto done;
    }
    in->df_resid = PyFloat_AS_DOUBLE(v);
    /* df_model or df_resid 0 makes mse_* and f_pvalue 0-d arrays: not numbers for MLflow */
    if (!(in->df_model > 0 && in->df_resid > 0 && in->df_model < 1e15 &&
          in->df_resid < 1e15)) {
        goto done;
    }
    OLS_LOOKUP(in->rdict, params, &in->params)
    OLS_LOOKUP(in->rdict, ncp, &in->ncp)
    OLS_LOOKUP(in->rdict, sv, &in->sv)
    OLS_LOOKUP(in->rdict, model, &in->model)
    if (!ols_f8(in->params, 1) || !ols_f8(in->sv, 1) || in->model == NULL ||
        Py_TYPE(in->model) != (PyTypeObject *)st->ols_OLS) {
        goto done;
    }
    in->k = PyArray_DIM((PyArrayObject *)in->params, 0);
    if (in->k < 1 || !ols_f8(in->ncp, 2) || PyArray_DIM((PyArrayObject *)in->ncp, 0) != in->k ||
        PyArray_DIM((PyArrayObject *)in->ncp, 1) != in->k ||
        PyArray_DIM((PyArrayObject *)in->sv, 0) < 1) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyArray_DIM((PyArrayObject *)in->sv, 0); i++) {
        if (F8_1((PyArrayObject *)in->sv, i) < 0) {
            goto done;
        }
    }
    /* the model: OLS's whiten is the identity, so wexog is exog and wendog is endog */
    if ((in->mdict = PyObject_GenericGetDict(in->model, NULL)) == NULL) {
        result = -1;
        goto done;
    }
    OLS_LOOKUP(in->mdict, wexog, &in->wexog)
    OLS_LOOKUP(in->mdict, wendog, &in->wendog)
    OLS_LOOKUP(in->mdict, weights, &in->weights)
    OLS_LOOKUP(in->mdict, exog, &v)
    if (v == NULL || v != in->wexog) {
        goto done;
    }
    OLS_LOOKUP(in->mdict, endog, &v)
    if (v == NULL || v != in->wendog) {
        goto done;
    }
    OLS_LOOKUP(in->mdict, offset, &v)
    if (v != NULL) {
        goto done; /* OLS.loglike subtracts an offset */
    }
    OLS_LOOKUP(in->mdict, nobs, &v)
    if (!ols_float(v)) {
        goto done;
    }
    in->nobs = PyFloat_AS_DOUBLE(v);
    if (!ols_f8(in->wexog, 2) || !ols_f8(in->wendog, 1) || !ols_f8(in->weights, 1)) {
        goto done;
    }
    PyArrayObject *x = (PyArrayObject *)in->wexog, *y = (PyArrayObject *)in->wendog;
    PyArrayObject *w = (PyArrayObject *)in->weights;
    in->n = PyArray_DIM(x, 0);
    if (PyArray_DIM(x, 1) != in->k || in->n < 2 || PyArray_DIM(y, 0) != in->n ||
        PyArray_DIM(w, 0) != in->n || in->nobs != (double)in->n ||
        PyArray_STRIDE(y, 0) <= 0) {
        goto done; /* a reversed endog is summed by NumPy in memory order */
    }
    for (Py_ssize_t i = 0; i < in->n; i++) {
        if (F8_1(w, i) != 1.0) {
            goto done; /* centered_tss weighs by model.weights */
        }
    }
    /* names, as summary()'s _getnames takes them */
    if ((in->xnames = PyObject_GetAttr(in->model, KEY(st, exog_names))) == NULL ||
        (in->yname = PyObject_GetAttr(in->model, KEY(st, endog_names))) == NULL) {
        result = -1;
        goto done;
    }
    if (PyList_CheckExact(in->xnames)) {
        /* a snapshot: the list is statsmodels' cached one, and np.dot releases the GIL */
        Py_SETREF(in->xnames, PyList_AsTuple(in->xnames));
        if (in->xnames == NULL) {
            result = -1;
            goto done;
        }
    }
    if (in->xnames != Py_None &&
        !(PyTuple_CheckExact(in->xnames) && PyTuple_GET_SIZE(in->xnames) == in->k)) {
        goto done;
    }
    result = 1;
#undef OLS_LOOKUP
done:
    Py_XDECREF(v);
    return result;
}

/* ------------------------------------------------------------------ the numbers */

/* Everything summary() prints and MLflow logs. The k-vectors live in `block` (PyMem, owned). */
typedef struct {
    double m[OLS_NMETRICS]; /* MLflow's order, see OLS_KEYS */
    double *block;
    double *bse, *tval, *pval, *lo, *hi;
    double omni, omnipv, skew, kurtosis, dw, jb, jbpv, condno, mineig;
} ols_numbers;

/* np.dot(a, b) of two float64 vectors, into *out. 0 or -1. */
static int
ols_dot(PyObject *a, PyObject *b, double *out)
{
    PyObject *r = PyArray_MatrixProduct2(a, b, NULL);
    if (r == NULL) {
        return -1;
    }
    int rc = 0;
    if (Py_IS_TYPE(r, &PyDoubleArrType_Type)) { /* NumPy returns the 0-d result as a scalar */
        *out = PyFloat_AS_DOUBLE(r); /* numpy.float64 subclasses float */
    }
    else if (PyArray_Check(r) && PyArray_NDIM((PyArrayObject *)r) == 0 &&
             PyArray_TYPE((PyArrayObject *)r) == NPY_DOUBLE) {
        *out = *(const double *)PyArray_DATA((PyArrayObject *)r);
    }
    else {
        PyErr_SetString(PyExc_SystemError, "np.dot of two float64 vectors is not a float64");
        rc = -1;
    }
    Py_DECREF(r);
    return rc;
}

/* scipy.stats.normaltest's statistic for residuals r (n >= 8), from the skew and Pearson
 * kurtosis it recomputes (identical to ours): skewtest's and kurtosistest's arithmetic in
 * their order; NumPy's log, libm's pow. 0 or -1. */
static int
ols_omnibus(mlc_state *st, Py_ssize_t n, double skew, double kurt_pearson, double *omni)
{
    const double N = (double)n;
    double lg;
    /* skewtest */
    double y = skew * sqrt(((N + 1) * (N + 3)) / (6.0 * (N - 2)));
    double beta2 = 3.0 * ((N * N + 27 * N) - 70) * (N + 1) * (N + 3) /
                   ((N - 2.0) * (N + 5) * (N + 7) * (N + 9));
    double W2 = -1 + sqrt(2 * (beta2 - 1));
    if (ols_nplog(st, W2, &lg) < 0) {
        return -1;
    }
    double delta = 1 / sqrt(0.5 * lg);
    double alpha = sqrt(2.0 / (W2 - 1));
    if (y == 0) {
        y = 1.;
    }
    double ya = y / alpha;
    if (ols_nplog(st, ya + sqrt(ols_pow(ya, 2.0) + 1), &lg) < 0) {
        return -1;
    }
    double zs = delta * lg;
    /* kurtosistest */
    double E = 3.0 * (N - 1) / (N + 1);
    double varb2 = 24.0 * N * (N - 2) * (N - 3) / ((N + 1) * (N + 1.) * (N + 3) * (N + 5));
    double x = (kurt_pearson - E) / ols_pow(varb2, 0.5);
    double sqrtbeta1 = 6.0 * (N * N - 5 * N + 2) / ((N + 7) * (N + 9)) *
                       ols_pow((6.0 * (N + 3) * (N + 5)) / (N * (N - 2) * (N - 3)), 0.5);
    double A = 6.0 + 8.0 / sqrtbeta1 *
                         (2.0 / sqrtbeta1 + ols_pow(1 + 4.0 / (ols_pow(sqrtbeta1, 2.0)), 0.5));
    double term1 = 1 - 2 / (9.0 * A);
    double denom = 1 + x * ols_pow(2 / (A - 4.0), 0.5);
    double sign = isnan(denom) ? NAN : denom > 0 ? 1.0 : denom < 0 ? -1.0 : 0.0;
    double term2 = sign * (denom == 0.0 ? NAN : ols_pow((1 - 2.0 / A) / fabs(denom), 1.0 / 3));
    double zk = (term1 - term2) / ols_pow(2 / (9.0 * A), 0.5);
    *omni = zs * zs + zk * zk;
    return 0;
}

/* Computes every number of the summary. 1 done, 0 declined (a residual overflowed), -1. */
static int
ols_compute(mlc_state *st, const ols_input *in, ols_numbers *nu)
{
    PyObject *fitted = NULL, *wresid = NULL;
    double *tmp = NULL;
    int result = -1;
    const Py_ssize_t n = in->n, k = in->k;
    const double N = (double)n, nobs = in->nobs, dfm = in->df_model, dfr = in->df_resid;
    const int kc = in->k_constant;
    PyArrayObject *y = (PyArrayObject *)in->wendog;
    double *m = nu->m;

    /* wresid = wendog - np.dot(wexog, params) (RegressionModel.predict) */
    if ((fitted = PyArray_MatrixProduct2(in->wexog, in->params, NULL)) == NULL) {
        goto done;
    }
    if (!PyArray_Check(fitted) || PyArray_NDIM((PyArrayObject *)fitted) != 1 ||
        PyArray_TYPE((PyArrayObject *)fitted) != NPY_DOUBLE ||
        PyArray_DIM((PyArrayObject *)fitted, 0) != n) {
        PyErr_SetString(PyExc_SystemError, "np.dot(wexog, params) is not a float64 vector");
        goto done;
    }
    npy_intp dim = n;
    if ((wresid = PyArray_SimpleNew(1, &dim, NPY_DOUBLE)) == NULL) {
        goto done;
    }
    double *r = (double *)PyArray_DATA((PyArrayObject *)wresid);
    for (Py_ssize_t i = 0; i < n; i++) {
        r[i] = F8_1(y, i) - F8_1((PyArrayObject *)fitted, i);
        if (!isfinite(r[i])) {
            result = 0;
            goto done;
        }
    }
    /* t: scratch vector; d: deviations from the residuals' mean */
    if ((tmp = PyMem_Malloc(sizeof(double) * (size_t)(2 * n))) == NULL ||
        (nu->block = PyMem_Malloc(sizeof(double) * (size_t)(5 * k))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    double *t = tmp, *d = tmp + n;
    nu->bse = nu->block;
    nu->tval = nu->bse + k;
    nu->pval = nu->tval + k;
    nu->lo = nu->pval + k;
    nu->hi = nu->lo + k;

    /* sums of squares: ssr and uncentered_tss are np.dot; centered_tss is
     * np.sum(weights * (endog - np.average(endog, weights=weights)) ** 2) with unit weights */
    double ssr, utss;
    if (ols_dot(wresid, wresid, &ssr) < 0 || ols_dot(in->wendog, in->wendog, &utss) < 0) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        t[i] = F8_1(y, i);
    }
    const double ymean = ols_sum(t, n) / N;
    for (Py_ssize_t i = 0; i < n; i++) {
        const double dev = F8_1(y, i) - ymean;
        t[i] = dev * dev;
    }
    const double ctss = ols_sum(t, n);
    const double tss = kc ? ctss : utss;
    m[M(ssr)] = ssr;
    m[M(uncentered_tss)] = utss;
    m[M(centered_tss)] = ctss;
    m[M(df_model)] = dfm;
    m[M(df_resid)] = dfr;
    m[M(scale)] = ssr / dfr;
    m[M(ess)] = tss - ssr;
    m[M(rsquared)] = 1 - ssr / tss;
    m[M(rsquared_adj)] = 1 - ((nobs - kc) / dfr) * (1 - m[M(rsquared)]);
    m[M(mse_model)] = m[M(ess)] / dfm;
    m[M(mse_resid)] = ssr / dfr;
    m[M(mse_total)] = tss / (dfr + dfm);
    m[M(fvalue)] = m[M(mse_model)] / m[M(mse_resid)];
    m[M(f_pvalue)] = ols_f_sf(m[M(fvalue)], dfm, dfr);

    /* llf (OLS.loglike: its ssr is np.sum(resid**2)), then the information criteria */
    for (Py_ssize_t i = 0; i < n; i++) {
        t[i] = r[i] * r[i];
    }
    const double ssr_sum = ols_sum(t, n); /* also durbin_watson's denominator */
    double log_ssr, log_nobs;
    if (ols_nplog(st, ssr_sum / nobs, &log_ssr) < 0 || ols_nplog(st, nobs, &log_nobs) < 0) {
        goto done;
    }
    const double nobs2 = nobs / 2.0;
    m[M(llf)] = -nobs2 * ols_log2pi - nobs2 * log_ssr - nobs2;
    const double k_params = dfm + kc;
    m[M(aic)] = -2 * m[M(llf)] + 2 * k_params;
    m[M(bic)] = -2 * m[M(llf)] + log_nobs * k_params;

    /* eigenvals: the singular values of wexog squared (max first, min last) */
    PyArrayObject *sv = (PyArrayObject *)in->sv;
    double emax = 0.0, emin = INFINITY;
    for (Py_ssize_t i = 0; i < PyArray_DIM(sv, 0); i++) {
        const double e = F8_1(sv, i) * F8_1(sv, i);
        emax = e > emax ? e : emax;
        emin = e < emin ? e : emin;
    }
    nu->mineig = emin;
    nu->condno = m[M(condition_number)] = emin > 0 ? sqrt(emax / emin) : INFINITY;

    /* the parameter table: bse, t, P>|t| and the 95% interval */
    const double scale = m[M(scale)];
    const double q = dfr > 0 ? ols_stdtrit(dfr, 1 - 0.05 / 2, 0) * 1 + 0 : NAN;
    for (Py_ssize_t i = 0; i < k; i++) {
        const double p = F8_1((PyArrayObject *)in->params, i);
        nu->bse[i] = sqrt(F8_2((PyArrayObject *)in->ncp, i, i) * scale);
        nu->tval[i] = p / nu->bse[i];
        nu->pval[i] = ols_t_sf(fabs(nu->tval[i]), dfr) * 2;
        nu->lo[i] = p - q * nu->bse[i];
        nu->hi[i] = p + q * nu->bse[i];
    }

    /* jarque_bera: scipy.stats.skew and kurtosis (the mean and central moments by np.mean) */
    const double rmean = ols_sum(r, n) / N;
    for (Py_ssize_t i = 0; i < n; i++) {
        d[i] = r[i] - rmean;
        t[i] = d[i] * d[i];
    }
    const double m2 = ols_sum(t, n) / N;
    for (Py_ssize_t i = 0; i < n; i++) {
        t[i] = (d[i] * d[i]) * d[i];
    }
    const double m3 = ols_sum(t, n) / N;
    for (Py_ssize_t i = 0; i < n; i++) {
        const double sq = d[i] * d[i];
        t[i] = sq * sq;
    }
    const double m4 = ols_sum(t, n) / N;
    const int zero = m2 <= ols_pow(2.220446049250313e-16 * rmean, 2.0);
    const double kurt_pearson = zero ? NAN : m4 / ols_pow(m2, 2.0);
    nu->skew = zero ? NAN : m3 / ols_pow(m2, 1.5);
    nu->kurtosis = 3 + (kurt_pearson - 3);
    nu->jb = (n / 6.) * (ols_pow(nu->skew, 2.0) + (1 / 4.) * ols_pow(nu->kurtosis - 3, 2.0));
    nu->jbpv = ols_chi2_sf(nu->jb);

    /* omni_normtest: NaN below 8 observations, else scipy.stats.normaltest */
    if (n < 8) {
        nu->omni = nu->omnipv = NAN;
    }
    else {
        if (ols_omnibus(st, n, nu->skew, kurt_pearson, &nu->omni) < 0) {
            goto done;
        }
        nu->omnipv = ols_chdtrc(2.0, nu->omni, 0);
    }

    /* durbin_watson: np.sum(np.diff(r) ** 2) / np.sum(r ** 2) */
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        const double diff = r[i + 1] - r[i];
        t[i] = diff * diff;
    }
    nu->dw = ols_sum(t, n - 1) / ssr_sum;
    result = 1;
done:
    Py_XDECREF(fitted);
    Py_XDECREF(wresid);
    PyMem_Free(tmp);
    return result;
}

/* ------------------------------------------------------------------ text */

/* A growable UTF-8 buffer. An allocation failure is remembered and reported once. */
typedef struct {
    char *p;
    Py_ssize_t len, cap;
    int failed;
} ols_buf;

/* A string stored in an arena buffer: byte range and width in code points (what str.ljust,
 * rjust and center count). */
typedef struct {
    Py_ssize_t off, nbytes, width;
} ols_cell;

static void
ols_put(ols_buf *b, const char *s, Py_ssize_t n)
{
    if (b->failed || n <= 0) {
        return;
    }
    if (b->len + n > b->cap) {
        Py_ssize_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) {
            cap *= 2;
        }
        char *p = PyMem_Realloc(b->p, (size_t)cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, (size_t)n);
    b->len += n;
}

/* Appends ch n times (nothing when n <= 0). */
static void
ols_fill(ols_buf *b, char ch, Py_ssize_t n)
{
    char chunk[64];
    memset(chunk, ch, sizeof chunk);
    while (n > 0 && !b->failed) {
        Py_ssize_t step = n < (Py_ssize_t)sizeof chunk ? n : (Py_ssize_t)sizeof chunk;
        ols_put(b, chunk, step);
        n -= step;
    }
}

/* Stores s (width code points) in the arena. */
static ols_cell
ols_add(ols_buf *a, const char *s, Py_ssize_t nbytes, Py_ssize_t width)
{
    ols_cell c = {a->len, nbytes, width};
    ols_put(a, s, nbytes);
    return c;
}

/* Stores an ASCII literal in the arena. */
static ols_cell
ols_lit(ols_buf *a, const char *s)
{
    Py_ssize_t n = (Py_ssize_t)strlen(s);
    return ols_add(a, s, n, n);
}

/* Stores format(v, "<width>.<prec><code>") (with '#' when alt) in the arena, through the
 * formatter Python's float.__format__ and %-formatting use. 0 or -1. */
static int
ols_num(ols_buf *a, ols_cell *c, double v, char code, int prec, int alt, int width)
{
    char *s = PyOS_double_to_string(v, code, prec, alt ? Py_DTSF_ALT : 0, NULL);
    if (s == NULL) {
        return -1;
    }
    Py_ssize_t len = (Py_ssize_t)strlen(s);
    c->off = a->len;
    ols_fill(a, ' ', width - len);
    ols_put(a, s, len);
    c->nbytes = a->len - c->off;
    c->width = len > width ? len : width;
    PyMem_Free(s);
    return 0;
}

/* statsmodels.iolib.summary.forg(x, prec): fixed notation between 1e-4 and 1e4. 0 or -1. */
static int
ols_forg(ols_buf *a, ols_cell *c, double x, int prec)
{
    const double ax = fabs(x);
    const char code = (ax >= 1e4 || ax < 1e-4) ? 'g' : 'f';
    return ols_num(a, c, x, code, prec, 0, prec == 3 ? 9 : 10);
}

/* statsmodels.iolib.summary.d_or_f(x): "%#6d" of an integral value. 0, or -1 with an
 * exception. The caller keeps |x| < 1e15. */
static int
ols_d_or_f(ols_buf *a, ols_cell *c, double x)
{
    char tmp[32];
    if (isnan(x)) {
        *c = ols_lit(a, "   NaN");
        return 0;
    }
    if (floor(x) != x) {
        return ols_num(a, c, x, 'f', 2, 1, 8);
    }
    int len = snprintf(tmp, sizeof tmp, "%6lld", (long long)x);
    *c = ols_add(a, tmp, len, len);
    return 0;
}

/* Stores "%s" % name for a str (or numpy.str_) or int name. 1, 0 (another type, or a str
 * UTF-8 cannot hold: declined), -1. */
static int
ols_name(ols_buf *a, ols_cell *c, PyObject *name)
{
    PyObject *s;
    if (PyUnicode_CheckExact(name) || Py_IS_TYPE(name, &PyUnicodeArrType_Type)) {
        s = Py_NewRef(name);
    }
    else if (PyLong_CheckExact(name)) {
        if ((s = PyObject_Str(name)) == NULL) {
            return -1;
        }
    }
    else {
        return 0;
    }
    Py_ssize_t nbytes;
    const char *u = PyUnicode_AsUTF8AndSize(s, &nbytes);
    int rc = 1;
    if (u == NULL) {
        rc = PyErr_ExceptionMatches(PyExc_UnicodeEncodeError) ? 0 : -1;
        if (rc == 0) {
            PyErr_Clear();
        }
    }
    else {
        *c = ols_add(a, u, nbytes, PyUnicode_GET_LENGTH(s));
    }
    Py_DECREF(s);
    return rc;
}

static void
ols_emit(ols_buf *o, const ols_buf *a, ols_cell c)
{
    ols_put(o, a->p + c.off, c.nbytes);
}

static void
ols_ljust(ols_buf *o, const ols_buf *a, ols_cell c, Py_ssize_t width)
{
    ols_emit(o, a, c);
    ols_fill(o, ' ', width - c.width);
}

static void
ols_rjust(ols_buf *o, const ols_buf *a, ols_cell c, Py_ssize_t width)
{
    ols_fill(o, ' ', width - c.width);
    ols_emit(o, a, c);
}

/* str.center: the odd space goes left when both the margin and the width are odd. */
static void
ols_center(ols_buf *o, const ols_buf *a, ols_cell c, Py_ssize_t width)
{
    Py_ssize_t marg = width - c.width;
    Py_ssize_t left = marg <= 0 ? 0 : marg / 2 + (marg & width & 1);
    ols_fill(o, ' ', left);
    ols_emit(o, a, c);
    ols_fill(o, ' ', marg - left);
}

#define OLS_TOP_ROWS 9

/* The rows of one summary_top() table: left and right (stub, value) pairs. Right stubs are
 * already "  " + name. */
typedef struct {
    int nl, nr;
    ols_cell lstub[OLS_TOP_ROWS], lval[OLS_TOP_ROWS], rstub[OLS_TOP_ROWS], rval[OLS_TOP_ROWS];
} ols_2cols;

static Py_ssize_t
ols_max(Py_ssize_t a, Py_ssize_t b)
{
    return a > b ? a : b;
}

/* Appends a summary_top() table as SimpleTable(fmt_2cols).as_text() lays it out: the shorter
 * side padded with blank rows, columns at least 18 wide (right stubs "{:<21}"), values
 * right-aligned, the title centred over the row, "=" rules above and (unless drop_last, as
 * summary_return does for every table but the last) below. */
static void
ols_render_2cols(ols_buf *o, const ols_buf *a, ols_2cols *t, const ols_cell *title,
                 int drop_last, ols_cell blank1, ols_cell blank3)
{
    for (; t->nr < t->nl; t->nr++) {
        t->rstub[t->nr] = blank3; /* "{:<21}".format("  " + " ") */
        t->rval[t->nr] = blank1;  /* "%18s" % " " */
    }
    for (; t->nl < t->nr; t->nl++) {
        t->lstub[t->nl] = blank1;
        t->lval[t->nl] = blank1;
    }
    Py_ssize_t w[4] = {18, 18, 21, 18};
    for (int i = 0; i < t->nl; i++) {
        w[0] = ols_max(w[0], t->lstub[i].width);
        w[1] = ols_max(w[1], t->lval[i].width);
        w[2] = ols_max(w[2], t->rstub[i].width);
        w[3] = ols_max(w[3], t->rval[i].width);
    }
    const Py_ssize_t rowlen = w[0] + w[1] + w[2] + w[3] + 3;
    if (title != NULL) {
        ols_center(o, a, *title, rowlen);
        ols_put(o, "\n", 1);
    }
    ols_fill(o, '=', rowlen);
    for (int i = 0; i < t->nl; i++) {
        ols_put(o, "\n", 1);
        ols_ljust(o, a, t->lstub[i], w[0]);
        ols_put(o, " ", 1);
        ols_rjust(o, a, t->lval[i], w[1]);
        ols_put(o, " ", 1);
        ols_ljust(o, a, t->rstub[i], w[2]);
        ols_put(o, " ", 1);
        ols_rjust(o, a, t->rval[i], w[3]);
    }
    if (!drop_last) {
        ols_put(o, "\n", 1);
        ols_fill(o, '=', rowlen);
    }
}

/* Appends summary_params()'s table (SimpleTable with fmt_params) without its closing rule:
 * names left-aligned, six columns at least 10 wide ("%8s", "%11s" and "%11s" on columns 3, 5
 * and 6), the header right-aligned over a "-" rule. cells: k rows of 6. */
static void
ols_render_params(ols_buf *o, const ols_buf *a, Py_ssize_t k, const ols_cell *names,
                  const ols_cell *cells, const ols_cell *header)
{
    static const Py_ssize_t min_width[6] = {0, 0, 8, 0, 11, 11};
    Py_ssize_t w0 = 10, w[6];
    for (int j = 0; j < 6; j++) {
        w[j] = ols_max(10, header[j].width);
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        w0 = ols_max(w0, names[i].width);
        for (int j = 0; j < 6; j++) {
            w[j] = ols_max(w[j], ols_max(min_width[j], cells[i * 6 + j].width));
        }
    }
    Py_ssize_t rowlen = w0 + 6;
    for (int j = 0; j < 6; j++) {
        rowlen += w[j];
    }
    ols_fill(o, '=', rowlen);
    ols_put(o, "\n", 1);
    ols_fill(o, ' ', w0); /* the header's empty stub cell, centred */
    for (int j = 0; j < 6; j++) {
        ols_put(o, " ", 1);
        ols_rjust(o, a, header[j], w[j]);
    }
    ols_put(o, "\n", 1);
    ols_fill(o, '-', rowlen);
    for (Py_ssize_t i = 0; i < k; i++) {
        ols_put(o, "\n", 1);
        ols_ljust(o, a, names[i], w0);
        for (int j = 0; j < 6; j++) {
            ols_put(o, " ", 1);
            ols_rjust(o, a, cells[i * 6 + j], w[j]);
        }
    }
}

/* Stores time.strftime("%a, %d %b %Y") and ("%H:%M:%S") of one time.localtime(): through
 * the C library when the locale spells them in ASCII, else through Python's time module. */
static int
ols_now(mlc_state *st, ols_buf *a, ols_cell *date, ols_cell *clock)
{
    char dbuf[128], cbuf[64];
    struct tm tmv;
    time_t now = time(NULL);
    size_t nd = 0, nc = 0;
    int ascii = 1;
    if (localtime_r(&now, &tmv) != NULL) {
        nd = strftime(dbuf, sizeof dbuf, "%a, %d %b %Y", &tmv);
        nc = strftime(cbuf, sizeof cbuf, "%H:%M:%S", &tmv);
    }
    for (size_t i = 0; i < nd; i++) {
        ascii &= (unsigned char)dbuf[i] < 0x80;
    }
    for (size_t i = 0; i < nc; i++) {
        ascii &= (unsigned char)cbuf[i] < 0x80;
    }
    if (nd > 0 && nc > 0 && ascii) {
        *date = ols_add(a, dbuf, (Py_ssize_t)nd, (Py_ssize_t)nd);
        *clock = ols_add(a, cbuf, (Py_ssize_t)nc, (Py_ssize_t)nc);
        return 1;
    }
    PyObject *lt = PyObject_CallMethod(st->ols_time, "localtime", NULL);
    PyObject *ds = lt ? PyObject_CallMethod(st->ols_time, "strftime", "sO", "%a, %d %b %Y", lt)
                      : NULL;
    PyObject *cs = ds ? PyObject_CallMethod(st->ols_time, "strftime", "sO", "%H:%M:%S", lt)
                      : NULL;
    int rc = -1;
    if (cs != NULL && PyUnicode_Check(ds) && PyUnicode_Check(cs)) {
        rc = ols_name(a, date, ds);
        rc = rc > 0 ? ols_name(a, clock, cs) : rc;
    }
    else if (cs != NULL) {
        rc = 0;
    }
    Py_XDECREF(lt);
    Py_XDECREF(ds);
    Py_XDECREF(cs);
    return rc;
}

/* Builds summary().as_text(). 1 and a new str in *text, 0 declined (a name that is neither
 * str nor int), -1. */
static int
ols_render(mlc_state *st, const ols_input *in, const ols_numbers *nu, PyObject **text)
{
    ols_buf a = {0}, o = {0};
    ols_cell *names = NULL, *cells;
    int result = -1, rc;
    const Py_ssize_t k = in->k;
    ols_2cols top = {0}, diag = {0};
    ols_cell title, hdr[6], blank1, blank3, date, clock;

    if ((names = PyMem_Malloc(sizeof(ols_cell) * (size_t)(7 * k))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    cells = names + k;
    blank1 = ols_lit(&a, " ");
    blank3 = ols_lit(&a, "   ");
    title = ols_lit(&a, "OLS Regression Results");
    if ((rc = ols_now(st, &a, &date, &clock)) <= 0) {
        result = rc;
        goto done;
    }
    /* the top table */
    static const char *const top_left[OLS_TOP_ROWS] = {
        "Dep. Variable:", "Model:", "Method:", "Date:", "Time:", "No. Observations:",
        "Df Residuals:", "Df Model:", "Covariance Type:"};
    top.nl = OLS_TOP_ROWS;
    for (int i = 0; i < OLS_TOP_ROWS; i++) {
        top.lstub[i] = ols_lit(&a, top_left[i]);
    }
    if (in->yname == Py_None) {
        top.lval[0] = ols_lit(&a, "y");
    }
    else if ((rc = ols_name(&a, &top.lval[0], in->yname)) <= 0) {
        result = rc;
        goto done;
    }
    top.lval[1] = ols_lit(&a, "OLS");
    top.lval[2] = ols_lit(&a, "Least Squares");
    top.lval[3] = date;
    top.lval[4] = clock;
    top.lval[8] = ols_lit(&a, "nonrobust");
    const double *m = nu->m;
    const int kc = in->k_constant;
    if (ols_d_or_f(&a, &top.lval[5], in->nobs) < 0 ||
        ols_d_or_f(&a, &top.lval[6], in->df_resid) < 0 ||
        ols_d_or_f(&a, &top.lval[7], in->df_model) < 0) {
        goto done;
    }
    top.nr = 7;
    top.rstub[0] = ols_lit(&a, kc ? "  R-squared:" : "  R-squared (uncentered):");
    top.rstub[1] = ols_lit(&a, kc ? "  Adj. R-squared:" : "  Adj. R-squared (uncentered):");
    top.rstub[2] = ols_lit(&a, "  F-statistic:");
    top.rstub[3] = ols_lit(&a, "  Prob (F-statistic):");
    top.rstub[4] = ols_lit(&a, "  Log-Likelihood:");
    top.rstub[5] = ols_lit(&a, "  AIC:");
    top.rstub[6] = ols_lit(&a, "  BIC:");
    if (ols_num(&a, &top.rval[0], m[M(rsquared)], 'f', 3, 1, 8) < 0 ||
        ols_num(&a, &top.rval[1], m[M(rsquared_adj)], 'f', 3, 1, 8) < 0 ||
        ols_num(&a, &top.rval[2], m[M(fvalue)], 'g', 4, 1, 8) < 0 ||
        ols_num(&a, &top.rval[3], m[M(f_pvalue)], 'g', 3, 1, 6) < 0 ||
        ols_num(&a, &top.rval[4], m[M(llf)], 'g', 5, 1, 8) < 0 ||
        ols_num(&a, &top.rval[5], m[M(aic)], 'g', 4, 1, 8) < 0 ||
        ols_num(&a, &top.rval[6], m[M(bic)], 'g', 4, 1, 8) < 0) {
        goto done;
    }
    /* the parameter table */
    static const char *const header[6] = {"coef", "std err", "t", "P>|t|", "[0.025", "0.975]"};
    for (int j = 0; j < 6; j++) {
        hdr[j] = ols_lit(&a, header[j]);
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        if (in->xnames == Py_None) {
            char tmp[32];
            int len = snprintf(tmp, sizeof tmp, "var_%zd", i);
            names[i] = ols_add(&a, tmp, len, len);
        }
        else if ((rc = ols_name(&a, &names[i], PyTuple_GET_ITEM(in->xnames, i))) <= 0) {
            result = rc;
            goto done;
        }
        ols_cell *row = cells + i * 6;
        if (ols_forg(&a, &row[0], F8_1((PyArrayObject *)in->params, i), 4) < 0 ||
            ols_forg(&a, &row[1], nu->bse[i], 3) < 0 || ols_forg(&a, &row[2], nu->tval[i], 3) < 0 ||
            ols_num(&a, &row[3], nu->pval[i], 'f', 3, 1, 6) < 0 ||
            ols_forg(&a, &row[4], nu->lo[i], 3) < 0 || ols_forg(&a, &row[5], nu->hi[i], 3) < 0) {
            goto done;
        }
    }
    /* the diagnostics table */
    diag.nl = diag.nr = 4;
    diag.lstub[0] = ols_lit(&a, "Omnibus:");
    diag.lstub[1] = ols_lit(&a, "Prob(Omnibus):");
    diag.lstub[2] = ols_lit(&a, "Skew:");
    diag.lstub[3] = ols_lit(&a, "Kurtosis:");
    diag.rstub[0] = ols_lit(&a, "  Durbin-Watson:");
    diag.rstub[1] = ols_lit(&a, "  Jarque-Bera (JB):");
    diag.rstub[2] = ols_lit(&a, "  Prob(JB):");
    diag.rstub[3] = ols_lit(&a, "  Cond. No.");
    if (ols_num(&a, &diag.lval[0], nu->omni, 'f', 3, 1, 6) < 0 ||
        ols_num(&a, &diag.lval[1], nu->omnipv, 'f', 3, 1, 6) < 0 ||
        ols_num(&a, &diag.lval[2], nu->skew, 'f', 3, 1, 6) < 0 ||
        ols_num(&a, &diag.lval[3], nu->kurtosis, 'f', 3, 1, 6) < 0 ||
        ols_num(&a, &diag.rval[0], nu->dw, 'f', 3, 1, 8) < 0 ||
        ols_num(&a, &diag.rval[1], nu->jb, 'f', 3, 1, 8) < 0 ||
        ols_num(&a, &diag.rval[2], nu->jbpv, 'g', 3, 1, 8) < 0 ||
        ols_num(&a, &diag.rval[3], nu->condno, 'g', 3, 1, 8) < 0) {
        goto done;
    }
    /* the notes: the eigenvalue or condition number goes through "%6.3g" */
    ols_cell note_num = blank1;
    const int small_eig = nu->mineig < 1e-10, large_cond = !small_eig && nu->condno > 1000;
    if ((small_eig || large_cond) &&
        ols_num(&a, &note_num, small_eig ? nu->mineig : nu->condno, 'g', 3, 0, 6) < 0) {
        goto done;
    }
    Py_ssize_t desc_len;
    const char *desc = PyUnicode_AsUTF8AndSize(in->description, &desc_len);
    if (desc == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            goto done;
        }
        PyErr_Clear();
        result = 0;
        goto done;
    }
    if (a.failed) {
        PyErr_NoMemory();
        goto done;
    }

    /* summary_return: every table but the last loses its closing rule */
    ols_render_2cols(&o, &a, &top, &title, 1, blank1, blank3);
    ols_put(&o, "\n", 1);
    ols_render_params(&o, &a, k, names, cells, hdr);
    ols_put(&o, "\n", 1);
    ols_render_2cols(&o, &a, &diag, NULL, 0, blank1, blank3);
    int note = 0;
    char label[32];
    ols_put(&o, "\n\nNotes:", 8);
#define OLS_NOTE_START()                                                                     \
    ols_put(&o, label, snprintf(label, sizeof label, "\n[%d] ", ++note))
    if (!kc) {
        OLS_NOTE_START();
        static const char r2[] = "R\xc2\xb2 is computed without centering (uncentered) since "
                                 "the model does not contain a constant.";
        ols_put(&o, r2, (Py_ssize_t)sizeof r2 - 1);
    }
    OLS_NOTE_START();
    ols_put(&o, desc, desc_len);
    if (in->n < in->k) {
        OLS_NOTE_START();
        static const char rank[] = "The input rank is higher than the number of observations.";
        ols_put(&o, rank, (Py_ssize_t)sizeof rank - 1);
    }
    if (small_eig) {
        OLS_NOTE_START();
        static const char eig1[] = "The smallest eigenvalue is ";
        static const char eig2[] = ". This might indicate that there are\nstrong "
                                   "multicollinearity problems or that the design matrix is "
                                   "singular.";
        ols_put(&o, eig1, (Py_ssize_t)sizeof eig1 - 1);
        ols_emit(&o, &a, note_num);
        ols_put(&o, eig2, (Py_ssize_t)sizeof eig2 - 1);
    }
    else if (large_cond) {
        OLS_NOTE_START();
        static const char cond1[] = "The condition number is large, ";
        static const char cond2[] = ". This might indicate that there are\nstrong "
                                    "multicollinearity or other numerical problems.";
        ols_put(&o, cond1, (Py_ssize_t)sizeof cond1 - 1);
        ols_emit(&o, &a, note_num);
        ols_put(&o, cond2, (Py_ssize_t)sizeof cond2 - 1);
    }
#undef OLS_NOTE_START
    if (o.failed) {
        PyErr_NoMemory();
        goto done;
    }
    if ((*text = PyUnicode_DecodeUTF8(o.p, o.len, "strict")) == NULL) {
        goto done;
    }
    result = 1;
done:
    PyMem_Free(names);
    PyMem_Free(a.p);
    PyMem_Free(o.p);
    return result;
}

/* ------------------------------------------------------------------ entry points */

/* Returns a new dict: MLflow's metric name -> float, in its order. */
static PyObject *
ols_metrics_dict(mlc_state *st, const ols_numbers *nu)
{
    PyObject *d = PyDict_New();
    if (d == NULL) {
        return NULL;
    }
    for (int i = 0; i < OLS_NMETRICS; i++) {
        PyObject *v = PyFloat_FromDouble(nu->m[i]);
        if (v == NULL || PyDict_SetItem(d, PyTuple_GET_ITEM(st->ols_keys, K_aic + i), v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

/* ------------------------------------------------------------------ untouched classes */

/* What the slow path would run on OLSResults (properties, methods) and on OLS: each must
 * still be statsmodels' own, or the native numbers would not be what statsmodels gives. */
static const char *const ols_results_names[] = {
    "aic", "bic", "centered_tss", "condition_number", "eigenvals", "ess", "f_pvalue",
    "fvalue", "llf", "mse_model", "mse_resid", "mse_total", "rsquared", "rsquared_adj",
    "scale", "ssr", "uncentered_tss", "bse", "tvalues", "pvalues", "conf_int", "cov_params",
    "wresid", "resid", "fittedvalues", "summary", NULL,
};
static const char *const ols_model_names[] = {"loglike", "whiten", NULL};

/* 1 when every name resolves on cls to an object defined in a statsmodels module. */
static int
ols_names_from_statsmodels(PyObject *cls, const char *const *names)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        PyObject *d = PyObject_GetAttrString(cls, names[i]);
        if (d == NULL) {
            return -1;
        }
        PyObject *fn = NULL;
        if (PyObject_GetOptionalAttrString(d, "fget", &fn) == 0 &&
            PyObject_GetOptionalAttrString(d, "__func__", &fn) == 0) {
            fn = Py_NewRef(d);
        }
        Py_DECREF(d);
        if (fn == NULL) {
            return -1;
        }
        PyObject *mod = NULL;
        int ok = PyObject_GetOptionalAttrString(fn, "__module__", &mod);
        Py_DECREF(fn);
        if (ok < 0) {
            return -1;
        }
        const char *u = mod != NULL && PyUnicode_Check(mod) ? PyUnicode_AsUTF8(mod) : NULL;
        ok = u != NULL && strncmp(u, "statsmodels.", 12) == 0;
        Py_XDECREF(mod);
        if (!ok && PyErr_Occurred()) {
            return -1;
        }
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

/* 1 when OLS and OLSResults (and their bases) still carry statsmodels' own attributes for
 * what the slow path would call: a class patched by the user (or a test) sends the result to
 * statsmodels. Checked in full once per version of the two types (CPython gives a type a
 * new version tag whenever it or a base is modified). */
static int
ols_classes_untouched(mlc_state *st)
{
    static unsigned int seen_results, seen_model;
    PyTypeObject *rt = (PyTypeObject *)st->ols_OLSResults, *mt = (PyTypeObject *)st->ols_OLS;
    if (seen_results != 0 && rt->tp_version_tag == seen_results &&
        mt->tp_version_tag == seen_model && PyType_HasFeature(rt, Py_TPFLAGS_VALID_VERSION_TAG) &&
        PyType_HasFeature(mt, Py_TPFLAGS_VALID_VERSION_TAG)) {
        return 1;
    }
    int ok = ols_names_from_statsmodels((PyObject *)rt, ols_results_names);
    if (ok > 0) {
        ok = ols_names_from_statsmodels((PyObject *)mt, ols_model_names);
    }
    if (ok > 0 && PyType_HasFeature(rt, Py_TPFLAGS_VALID_VERSION_TAG) &&
        PyType_HasFeature(mt, Py_TPFLAGS_VALID_VERSION_TAG)) {
        seen_results = rt->tp_version_tag; /* the lookups above assigned the tags */
        seen_model = mt->tp_version_tag;
    }
    else {
        seen_results = 0;
    }
    return ok;
}

int
mlc_ols_fast(mlc_state *st, PyObject *results, PyObject **metrics, PyObject **text)
{
    ols_input in = {0};
    ols_numbers nu = {0};
    PyObject *md = NULL, *tx = NULL;
    int result = ols_ready(st);
    if (result <= 0) {
        return result;
    }
    if ((result = ols_classes_untouched(st)) <= 0) {
        return result;
    }
    if ((result = ols_read(st, results, &in)) <= 0 ||
        (result = ols_compute(st, &in, &nu)) <= 0) {
        goto done;
    }
    result = -1;
    if ((md = ols_metrics_dict(st, &nu)) == NULL) {
        goto done;
    }
    if ((result = ols_render(st, &in, &nu, &tx)) <= 0) {
        goto done;
    }
    *metrics = md;
    *text = tx;
    md = tx = NULL;
done:
    ols_input_clear(&in);
    PyMem_Free(nu.block);
    Py_XDECREF(md);
    Py_XDECREF(tx);
    return result;
}

PyObject *
mlc_ols_fast_py(PyObject *m, PyObject *results)
{
    PyObject *metrics = NULL, *text = NULL;
    int rc = mlc_ols_fast(mlc_state_from_module(m), results, &metrics, &text);
    if (rc < 0) {
        return NULL;
    }
    if (rc == 0) {
        Py_RETURN_NONE;
    }
    PyObject *pair = PyTuple_Pack(2, metrics, text);
    Py_DECREF(metrics);
    Py_DECREF(text);
    return pair;
}
