/* pyfunc.c: loading -- load_model (the raw results object), pyfunc_load_model, and the
 * PyFuncModel and statsmodels-wrapper heap types that predict. Resolves local paths and file:
 * URIs; reads MLmodel through model.c and pickles through the pickle module. */
#include "mlc.h"
#include "tracking.h"

#include "args.h"
#include "enforce.h"
#include "errors.h"
#include "fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- locating a model */

PyObject *
mlc_resolve_model_dir(mlc_state *st, PyObject *model_uri)
{
    PyObject *s = NULL;
    if (model_uri == Py_None) {
        return mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                         "model_uri must be a path or URI string, not None");
    }
    s = mlc_args_path(model_uri);
    if (s == NULL) {
        return NULL;
    }
    /* runs:/ and models:/ URIs name a directory in a tracking store */
    Py_SETREF(s, mlc_resolve_model_uri(st, s));
    if (s == NULL) {
        return NULL;
    }
    const char *c = PyUnicode_AsUTF8(s);
    if (c == NULL) {
        Py_DECREF(s);
        return NULL;
    }
    int is_uri = 0;
    char *local = mlc_fs_local_path(c, &is_uri);
    if (local == NULL) {
        Py_DECREF(s);
        return PyErr_NoMemory();
    }
    if (!is_uri) {
        const char *colon = strstr(c, ":/");
        if (colon != NULL) {
            const char *q = c;
            while (q < colon &&
                   (isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.')) {
                q++;
            }
            if (q == colon && colon - c > 1) {
                PyObject *r = mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                                        "Model URI '%s' uses a scheme mlflow_c cannot read "
                                        "here; use a local path or a file: URI",
                                        c);
                free(local);
                Py_DECREF(s);
                return r;
            }
        }
    }
    PyObject *r;
    if (mlc_fs_exists(local) != 1) {
        r = mlc_raise(st->MlflowFileNotFoundError, MLC_RESOURCE_DOES_NOT_EXIST,
                      "No such file or directory: '%s'", local);
    }
    else {
        r = PyUnicode_DecodeFSDefault(local);
    }
    free(local);
    Py_DECREF(s);
    return r;
}

/* Copies the model at src into the existing directory dst_path and returns a new reference to
 * the copy's path (MLflow's dst_path behaviour). */
static PyObject *
copy_to_dst(mlc_state *st, PyObject *src, PyObject *dst_path)
{
    PyObject *dst = NULL, *result = NULL;
    char *target = NULL;
    dst = mlc_args_path(dst_path);
    if (dst == NULL) {
        goto done;
    }
    const char *s = PyUnicode_AsUTF8(src), *d = PyUnicode_AsUTF8(dst);
    if (s == NULL || d == NULL) {
        goto done;
    }
    if (mlc_fs_isdir(d) != 1) {
        mlc_raise(st->MlflowFileNotFoundError, MLC_RESOURCE_DOES_NOT_EXIST,
                  "dst_path '%s' must be an existing directory", d);
        goto done;
    }
    char *abs = mlc_fs_abspath(s);
    if (abs == NULL) {
        mlc_raise_errno(st, errno, "Failed to resolve", s);
        goto done;
    }
    const char *base = strrchr(abs, '/');
    target = mlc_fs_join(d, base && base[1] ? base + 1 : "model");
    if (target == NULL) {
        free(abs);
        PyErr_NoMemory();
        goto done;
    }
    const char *failed = NULL;
    if (mlc_fs_exists(target) == 1) {
        (void)mlc_fs_rmtree(target);
    }
    int rc = mlc_fs_copy(abs, target, &failed);
    free(abs);
    if (rc < 0) {
        mlc_raise_errno(st, errno, "Failed to copy the model to dst_path", failed ? failed : d);
        goto done;
    }
    result = PyUnicode_FromString(target);
done:
    free(target);
    Py_XDECREF(dst);
    return result;
}

/* ---------------------------------------------------------------- pickles */

/* 1 when MLFLOW_ALLOW_PICKLE_DESERIALIZATION allows unpickling (default true), 0 when it
 * forbids it, -1 with MlflowValueError for a value that is not a boolean. */
static int
pickle_allowed(mlc_state *st)
{
    const char *v = getenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION");
    if (v == NULL) {
        return 1;
    }
    if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        return 1;
    }
    if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        return 0;
    }
    mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
              "MLFLOW_ALLOW_PICKLE_DESERIALIZATION value must be one of ['true', 'false', '1', "
              "'0'] (case-insensitive), but got %s",
              v);
    return -1;
}

/* Returns a new reference: the bytes of the file at path (MlflowFileNotFoundError or
 * MlflowOSError naming the path on failure). */
static PyObject *
read_bytes(mlc_state *st, const char *path)
{
    PyObject *b = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat stt;
    if (fd < 0) {
        return mlc_raise_errno(st, errno, "Failed to open the model data file", path);
    }
    if (fstat(fd, &stt) < 0 || S_ISDIR(stt.st_mode)) {
        int err = S_ISDIR(stt.st_mode) ? EISDIR : errno;
        close(fd);
        return mlc_raise_errno(st, err, "Failed to read the model data file", path);
    }
    b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)stt.st_size);
    if (b == NULL) {
        close(fd);
        return NULL;
    }
    char *dst = PyBytes_AS_STRING(b);
    size_t want = (size_t)stt.st_size, got = 0;
    int err = 0;
    Py_BEGIN_ALLOW_THREADS
    while (got < want) {
        ssize_t r = read(fd, dst + got, want - got);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            err = errno;
            break;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    Py_END_ALLOW_THREADS
    close(fd);
    if (err != 0) {
        Py_DECREF(b);
        return mlc_raise_errno(st, err, "Failed to read the model data file", path);
    }
    if (got < want) {
        _PyBytes_Resize(&b, (Py_ssize_t)got);
    }
    return b;
}

PyObject *
mlc_load_pickle_file(mlc_state *st, const char *data_path)
{
    int allowed = pickle_allowed(st);
    if (allowed < 0) {
        return NULL;
    }
    if (!allowed) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Deserializing model using pickle is disallowed, but this model is "
                         "saved in pickle format. The workaround is to set environment variable "
                         "'MLFLOW_ALLOW_PICKLE_DESERIALIZATION' to 'true'.");
    }
    PyObject *blob = read_bytes(st, data_path);
    if (blob == NULL) {
        return NULL;
    }
    PyObject *loads = mlc_lazy_attr(&st->pickle_loads, "pickle", "loads");
    PyObject *obj = loads ? PyObject_CallOneArg(loads, blob) : NULL;
    Py_XDECREF(loads);
    Py_DECREF(blob);
    if (obj == NULL && PyErr_ExceptionMatches(PyExc_Exception) &&
        !PyErr_ExceptionMatches(PyExc_MemoryError) &&
        !PyErr_ExceptionMatches(PyExc_ImportError)) {
        return mlc_raise_from(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                              "Failed to unpickle the statsmodels model from \"%s\"", data_path);
    }
    return obj;
}

/* ---------------------------------------------------------------- flavor config */

/* Returns a new reference to flavors[name] of an MLmodel dict, raising MlflowException
 * 'Model does not have the "<name>" flavor' (RESOURCE_DOES_NOT_EXIST) when absent. */
static PyObject *
flavor_conf(mlc_state *st, PyObject *mlmodel, const char *name, const char *where)
{
    PyObject *flavors = NULL, *conf = NULL;
    if (PyDict_Check(mlmodel)) {
        if (PyDict_GetItemRef(mlmodel, st->str_flavors, &flavors) < 0) {
            return NULL;
        }
    }
    else if (PyObject_GetOptionalAttr(mlmodel, st->str_flavors, &flavors) < 0) {
        return NULL;
    }
    if (flavors != NULL && PyDict_Check(flavors) &&
        PyDict_GetItemStringRef(flavors, name, &conf) < 0) {
        Py_DECREF(flavors);
        return NULL;
    }
    Py_XDECREF(flavors);
    if (conf == NULL || !PyDict_Check(conf)) {
        Py_XDECREF(conf);
        return mlc_raise(st->MlflowException, MLC_RESOURCE_DOES_NOT_EXIST,
                         "Model does not have the \"%s\" flavor (MLmodel at \"%s\")", name, where);
    }
    return conf;
}

/* Returns a malloc'ed dir/conf[key] when conf has a string key, else dir/fallback (fallback
 * NULL: a copy of dir). *present tells whether the key was there. NULL with exception. */
static char *
conf_path(mlc_state *st, PyObject *conf, const char *key, const char *dir, const char *fallback,
          int *present)
{
    PyObject *v = NULL;
    *present = 0;
    if (PyDict_GetItemStringRef(conf, key, &v) < 0) {
        return NULL;
    }
    const char *rel = fallback;
    if (v != NULL && v != Py_None) {
        if (!PyUnicode_Check(v)) {
            mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                      "MLmodel flavor key '%s' must be a string, got %s (model at \"%s\")", key,
                      Py_TYPE(v)->tp_name, dir);
            Py_DECREF(v);
            return NULL;
        }
        rel = PyUnicode_AsUTF8(v);
        if (rel == NULL) {
            Py_DECREF(v);
            return NULL;
        }
        *present = 1;
    }
    char *out = rel == NULL ? strdup(dir) : mlc_fs_join(dir, rel);
    Py_XDECREF(v);
    if (out == NULL) {
        PyErr_NoMemory();
    }
    return out;
}

/* Puts dir/conf["code"] at the front of sys.path when the flavor names code. 0 or -1. */
static int
add_code_to_path(mlc_state *st, PyObject *conf, const char *dir)
{
    int present = 0;
    char *code = conf_path(st, conf, "code", dir, NULL, &present);
    if (code == NULL) {
        return -1;
    }
    int rc = 0;
    if (present) {
        PyObject *sys_path = PySys_GetObject("path"); /* borrowed */
        PyObject *entry = PyUnicode_FromString(code);
        if (entry == NULL) {
            rc = -1;
        }
        else if (sys_path != NULL && PyList_Check(sys_path)) {
            int has = PySequence_Contains(sys_path, entry);
            rc = has < 0 ? -1 : has ? 0 : PyList_Insert(sys_path, 0, entry);
        }
        Py_XDECREF(entry);
    }
    free(code);
    return rc;
}

/* Returns a malloc'ed "<dir>/MLmodel" after checking it exists, or raises the
 * 'Could not find an "MLmodel" configuration file at "<dir>"' MlflowFileNotFoundError. */
static char *
mlmodel_path(mlc_state *st, const char *dir)
{
    char *p = mlc_fs_join(dir, "MLmodel");
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (mlc_fs_exists(p) != 1) {
        free(p);
        mlc_raise(st->MlflowFileNotFoundError, MLC_RESOURCE_DOES_NOT_EXIST,
                  "Could not find an \"MLmodel\" configuration file at \"%s\"", dir);
        return NULL;
    }
    return p;
}

/* ---------------------------------------------------------------- load_model */

PyObject *
mlc_load_model(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_module(m);
    static const char *const names[] = {"model_uri", "dst_path", NULL};
    PyObject *a[2];
    PyObject *dir = NULL, *mlmodel = NULL, *conf = NULL, *result = NULL;
    char *mlpath = NULL, *data = NULL;
    if (mlc_args_parse("load_model", args, nargs, kwnames, names, 2, 1, a, NULL) < 0) {
        return NULL;
    }
    dir = mlc_resolve_model_dir(st, a[0]);
    if (dir == NULL) {
        goto done;
    }
    if (!mlc_is_none(a[1])) {
        Py_SETREF(dir, copy_to_dst(st, dir, a[1]));
        if (dir == NULL) {
            goto done;
        }
    }
    const char *d = PyUnicode_AsUTF8(dir);
    if (d == NULL || (mlpath = mlmodel_path(st, d)) == NULL) {
        goto done;
    }
    mlmodel = mlc_model_read_dict(st, mlpath);
    if (mlmodel == NULL) {
        goto done;
    }
    conf = flavor_conf(st, mlmodel, "statsmodels", mlpath);
    if (conf == NULL || add_code_to_path(st, conf, d) < 0) {
        goto done;
    }
    int present;
    data = conf_path(st, conf, "data", d, "model.statsmodels", &present);
    if (data == NULL) {
        goto done;
    }
    result = mlc_load_pickle_file(st, data);
done:
    free(mlpath);
    free(data);
    Py_XDECREF(dir);
    Py_XDECREF(mlmodel);
    Py_XDECREF(conf);
    return result;
}

/* ---------------------------------------------------------------- the statsmodels wrapper */

typedef struct {
    PyObject_HEAD
    PyObject *results; /* the statsmodels results object */
    int is_ts;         /* -1 unknown, 0 regression, 1 TimeSeriesModel */
} SmWrapperObject;

#define SmWrapper_CAST(op) ((SmWrapperObject *)(op))

static int
SmWrapper_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(SmWrapper_CAST(self)->results);
    return 0;
}

static int
SmWrapper_clear(PyObject *self)
{
    Py_CLEAR(SmWrapper_CAST(self)->results);
    return 0;
}

static void
SmWrapper_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    (void)SmWrapper_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Returns a new wrapper around results (new reference). */
static PyObject *
sm_wrapper_new(mlc_state *st, PyObject *results)
{
    PyTypeObject *tp = (PyTypeObject *)st->SmWrapperType;
    SmWrapperObject *w = PyObject_GC_New(SmWrapperObject, tp);
    if (w == NULL) {
        return NULL;
    }
    w->results = Py_NewRef(results);
    w->is_ts = -1;
    PyObject_GC_Track(w);
    return (PyObject *)w;
}

/* 1 when the wrapped results come from a TimeSeriesModel, 0 when not, -1 on error. */
static int
wrapper_is_ts(mlc_state *st, SmWrapperObject *w)
{
    if (w->is_ts >= 0) {
        return w->is_ts;
    }
    PyObject *model = NULL;
    if (PyObject_GetOptionalAttr(w->results, st->str_model, &model) < 0) {
        return -1;
    }
    if (model == NULL) {
        w->is_ts = 0;
        return 0;
    }
    PyObject *ts = mlc_lazy_attr(&st->TimeSeriesModel, "statsmodels.tsa.base.tsa_model",
                                 "TimeSeriesModel");
    int r = ts == NULL ? -1 : PyObject_IsInstance(model, ts);
    Py_XDECREF(ts);
    Py_DECREF(model);
    if (r >= 0) {
        w->is_ts = r;
    }
    return r;
}

static PyObject *sm_predict(mlc_state *st, SmWrapperObject *w, PyObject *data);

PyObject *
mlc_statsmodels_predict(mlc_state *st, PyObject *results, PyObject *data)
{
    PyObject *w = sm_wrapper_new(st, results);
    if (w == NULL) {
        return NULL;
    }
    PyObject *r = sm_predict(st, SmWrapper_CAST(w), data);
    Py_DECREF(w);
    return r;
}

/* Returns a new reference: frame[col].iloc[0]. */
static PyObject *
first_value(mlc_state *st, PyObject *frame, PyObject *col)
{
    PyObject *series = PyObject_GetItem(frame, col);
    PyObject *iloc = series ? PyObject_GetAttr(series, st->str_iloc) : NULL;
    PyObject *zero = iloc ? PyLong_FromLong(0) : NULL;
    PyObject *v = zero ? PyObject_GetItem(iloc, zero) : NULL;
    Py_XDECREF(series);
    Py_XDECREF(iloc);
    Py_XDECREF(zero);
    return v;
}

/* Returns a new reference: the prediction. For time-series models `data` is a one-row
 * DataFrame with start and end, read by position (MLflow reads label 0). */
static PyObject *
sm_predict(mlc_state *st, SmWrapperObject *w, PyObject *data)
{
    int ts = wrapper_is_ts(st, w);
    if (ts < 0) {
        return NULL;
    }
    if (!ts) {
        return PyObject_CallMethodOneArg(w->results, st->str_predict, data);
    }
    PyObject *cols = NULL, *shape = NULL, *start = NULL, *end = NULL, *kw = NULL;
    PyObject *result = NULL, *DataFrame = NULL;
    DataFrame = mlc_lazy_attr(&st->DataFrame, "pandas", "DataFrame");
    if (DataFrame == NULL) {
        goto done;
    }
    int is_df = PyObject_IsInstance(data, DataFrame);
    if (is_df < 0) {
        goto done;
    }
    if (!is_df) {
        mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                  "prediction input for a TimeSeriesModel must be a pandas DataFrame with "
                  "exactly one row and columns called start and end, but got '%s'",
                  Py_TYPE(data)->tp_name);
        goto done;
    }
    shape = PyObject_GetAttr(data, st->str_shape);
    cols = shape ? PyObject_GetAttr(data, st->str_columns) : NULL;
    if (cols == NULL) {
        goto done;
    }
    Py_ssize_t rows = PyTuple_Check(shape) && PyTuple_GET_SIZE(shape) > 0
                          ? PyLong_AsSsize_t(PyTuple_GET_ITEM(shape, 0))
                          : -1;
    if (rows == -1 && PyErr_Occurred()) {
        goto done;
    }
    int has_start = PySequence_Contains(cols, st->str_start);
    int has_end = has_start < 0 ? -1 : PySequence_Contains(cols, st->str_end);
    if (has_end < 0) {
        goto done;
    }
    if (rows != 1 || !has_start || !has_end) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "prediction dataframes for a TimeSeriesModel must have exactly one row and "
                  "include columns called start and end");
        goto done;
    }
    start = first_value(st, data, st->str_start);
    end = start ? first_value(st, data, st->str_end) : NULL;
    if (end == NULL) {
        goto done;
    }
    kw = PyDict_New();
    if (kw == NULL || PyDict_SetItem(kw, st->str_start, start) < 0 ||
        PyDict_SetItem(kw, st->str_end, end) < 0) {
        goto done;
    }
    PyObject *fn = PyObject_GetAttr(w->results, st->str_predict);
    if (fn == NULL) {
        goto done;
    }
    result = PyObject_Call(fn, st->empty_tuple, kw);
    Py_DECREF(fn);
done:
    Py_XDECREF(DataFrame);
    Py_XDECREF(cols);
    Py_XDECREF(shape);
    Py_XDECREF(start);
    Py_XDECREF(end);
    Py_XDECREF(kw);
    return result;
}

static PyObject *
SmWrapper_predict(PyObject *self, PyTypeObject *cls, PyObject *const *args, Py_ssize_t nargs,
                  PyObject *kwnames)
{
    static const char *const names[] = {"dataframe", "params", NULL};
    PyObject *a[2];
    if (mlc_args_parse("predict", args, nargs, kwnames, names, 2, 1, a, NULL) < 0) {
        return NULL;
    }
    return sm_predict(mlc_state_from_class(cls), SmWrapper_CAST(self), a[0]);
}

static PyObject *
SmWrapper_get_raw_model(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(SmWrapper_CAST(self)->results);
}

static PyMethodDef SmWrapper_methods[] = {
    {"predict", (PyCFunction)(void (*)(void))SmWrapper_predict,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "predict(dataframe, params=None)\n--\n\nPredict with the wrapped results object."},
    {"get_raw_model", SmWrapper_get_raw_model, METH_NOARGS,
     "get_raw_model()\n--\n\nThe wrapped statsmodels results object."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef SmWrapper_members[] = {
    {"statsmodels_model", Py_T_OBJECT_EX, offsetof(SmWrapperObject, results), Py_READONLY,
     "The wrapped statsmodels results object."},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot SmWrapper_slots[] = {
    {Py_tp_methods, SmWrapper_methods},
    {Py_tp_members, SmWrapper_members},
    {Py_tp_traverse, SmWrapper_traverse},
    {Py_tp_clear, SmWrapper_clear},
    {Py_tp_dealloc, SmWrapper_dealloc},
    {Py_tp_doc, (void *)"The pyfunc implementation of a statsmodels model."},
    {0, NULL},
};

static PyType_Spec SmWrapper_spec = {
    .name = "mlflow_c.statsmodels._StatsmodelsModelWrapper",
    .basicsize = sizeof(SmWrapperObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = SmWrapper_slots,
};

/* ---------------------------------------------------------------- PyFuncModel */

typedef struct {
    PyObject_HEAD
    PyObject *metadata;     /* Model */
    PyObject *impl;         /* the loader module's implementation object */
    PyObject *predict_fn;   /* str: method name on impl */
    PyObject *input_schema; /* signature inputs (Schema or None); NULL until first predict */
    PyObject *params_schema; /* signature params (ParamSchema or None) */
    PyObject *plan;         /* enforce.c's plan for input_schema, built on first use */
    int accepts_params;     /* generic impls: predict_fn has a `params` parameter (-1 unknown) */
    PyObject *weakreflist;
} PyFuncModelObject;

#define PyFuncModel_CAST(op) ((PyFuncModelObject *)(op))

static int
PyFuncModel_traverse(PyObject *self, visitproc visit, void *arg)
{
    PyFuncModelObject *o = PyFuncModel_CAST(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(o->metadata);
    Py_VISIT(o->impl);
    Py_VISIT(o->predict_fn);
    Py_VISIT(o->input_schema);
    Py_VISIT(o->params_schema);
    Py_VISIT(o->plan);
    return 0;
}

static int
PyFuncModel_clear(PyObject *self)
{
    PyFuncModelObject *o = PyFuncModel_CAST(self);
    Py_CLEAR(o->metadata);
    Py_CLEAR(o->impl);
    Py_CLEAR(o->predict_fn);
    Py_CLEAR(o->input_schema);
    Py_CLEAR(o->params_schema);
    Py_CLEAR(o->plan);
    return 0;
}

static void
PyFuncModel_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (PyFuncModel_CAST(self)->weakreflist != NULL) {
        PyObject_ClearWeakRefs(self);
    }
    (void)PyFuncModel_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* PyFuncModel(model_meta, model_impl, predict_fn="predict") */
static PyObject *
PyFuncModel_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"model_meta", "model_impl", "predict_fn", NULL};
    PyObject *meta = NULL, *impl = NULL, *fn = NULL;
    mlc_state *st = mlc_state_from_type(type);
    if (st == NULL) {
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|U:PyFuncModel", kwlist, &meta, &impl,
                                     &fn)) {
        return NULL;
    }
    int truth = PyObject_IsTrue(meta);
    if (truth < 0) {
        return NULL;
    }
    if (!truth) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Model is missing metadata.");
    }
    PyObject *fn_name = fn ? Py_NewRef(fn) : Py_NewRef(st->str_predict);
    PyObject *method = NULL;
    if (PyObject_GetOptionalAttr(impl, fn_name, &method) < 0) {
        Py_DECREF(fn_name);
        return NULL;
    }
    Py_XDECREF(method);
    if (method == NULL) {
        Py_DECREF(fn_name);
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Model implementation is missing required %U method.", fn_name);
    }
    PyFuncModelObject *o = (PyFuncModelObject *)type->tp_alloc(type, 0);
    if (o == NULL) {
        Py_DECREF(fn_name);
        return NULL;
    }
    o->metadata = Py_NewRef(meta);
    o->impl = Py_NewRef(impl);
    o->predict_fn = fn_name;
    o->accepts_params = -1;
    return (PyObject *)o;
}

/* 1 when fn has a parameter named `params` that is not **kwargs (MLflow's test before it passes
 * params to a flavor's predict), 0 when not, -1 on error. */
static int
callable_takes_params(PyObject *fn)
{
    PyObject *inspect = PyImport_ImportModule("inspect");
    PyObject *sig = inspect ? PyObject_CallMethod(inspect, "signature", "O", fn) : NULL;
    PyObject *ps = sig ? PyObject_GetAttrString(sig, "parameters") : NULL;
    PyObject *p = NULL, *kind = NULL, *varkw = NULL, *pcls = NULL;
    int result = -1;
    if (ps == NULL) {
        if (inspect != NULL && (PyErr_ExceptionMatches(PyExc_ValueError) ||
                                PyErr_ExceptionMatches(PyExc_TypeError))) {
            PyErr_Clear(); /* no signature to read: call without params */
            result = 0;
        }
        goto done;
    }
    PyObject *key = PyUnicode_FromString("params");
    int has = key ? PySequence_Contains(ps, key) : -1;
    p = has > 0 ? PyObject_GetItem(ps, key) : NULL;
    Py_XDECREF(key);
    if (has <= 0) {
        result = has < 0 ? -1 : 0;
        goto done;
    }
    kind = p ? PyObject_GetAttrString(p, "kind") : NULL;
    pcls = kind ? PyObject_GetAttrString(inspect, "Parameter") : NULL;
    varkw = pcls ? PyObject_GetAttrString(pcls, "VAR_KEYWORD") : NULL;
    if (varkw != NULL) {
        int eq = PyObject_RichCompareBool(kind, varkw, Py_EQ);
        result = eq < 0 ? -1 : !eq;
    }
done:
    Py_XDECREF(inspect);
    Py_XDECREF(sig);
    Py_XDECREF(ps);
    Py_XDECREF(p);
    Py_XDECREF(kind);
    Py_XDECREF(varkw);
    Py_XDECREF(pcls);
    return result;
}

static PyObject *
PyFuncModel_predict(PyObject *self, PyTypeObject *cls, PyObject *const *args, Py_ssize_t nargs,
                    PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(cls);
    PyFuncModelObject *o = PyFuncModel_CAST(self);
    static const char *const names[] = {"data", "params", NULL};
    PyObject *a[2];
    PyObject *impl = NULL, *params = NULL, *schema = NULL, *data = NULL, *result = NULL;
    if (mlc_args_parse("predict", args, nargs, kwnames, names, 2, 1, a, NULL) < 0) {
        return NULL;
    }
    impl = Py_NewRef(o->impl); /* held: the call may replace attributes */
    /* The schemas are read from the metadata once (MLflow reads them on every call; the
     * metadata of a loaded model does not change). */
    if (o->input_schema == NULL) {
        PyObject *in = PyObject_CallMethod(o->metadata, "get_input_schema", NULL);
        PyObject *ps = in ? PyObject_CallMethod(o->metadata, "get_params_schema", NULL) : NULL;
        if (ps == NULL) {
            Py_XDECREF(in);
            goto done;
        }
        o->params_schema = ps;
        o->input_schema = in;
    }
    schema = Py_NewRef(o->input_schema);
    if (schema != Py_None) {
        data = mlc_enforce_schema(st, a[0], schema, 1, &o->plan);
        if (data == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                goto done;
            }
            /* MLflow 3.x wraps every enforcement failure the same way */
            PyObject *inner = PyErr_GetRaisedException();
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Failed to enforce schema of data '%S' with schema '%S'. Error: %S", a[0],
                      schema, inner);
            PyObject *exc = PyErr_GetRaisedException();
            if (exc != NULL) {
                PyException_SetCause(exc, inner); /* steals */
                inner = NULL;
            }
            Py_XDECREF(inner);
            PyErr_SetRaisedException(exc);
            goto done;
        }
    }
    else {
        data = Py_NewRef(a[0]);
    }
    params = mlc_enforce_params(st, a[1] ? a[1] : Py_None, o->params_schema);
    if (params == NULL) {
        goto done;
    }
    if (Py_IS_TYPE(impl, (PyTypeObject *)st->SmWrapperType) &&
        PyUnicode_Compare(o->predict_fn, st->str_predict) == 0) {
        result = sm_predict(st, SmWrapper_CAST(impl), data);
    }
    else {
        PyObject *fn = PyObject_GetAttr(impl, o->predict_fn);
        if (fn == NULL) {
            goto done;
        }
        if (o->accepts_params < 0) {
            o->accepts_params = callable_takes_params(fn);
            if (o->accepts_params < 0) {
                Py_DECREF(fn);
                goto done;
            }
        }
        if (o->accepts_params) {
            PyObject *kw = Py_BuildValue("{sO}", "params", params);
            PyObject *pos = kw ? PyTuple_Pack(1, data) : NULL;
            result = pos ? PyObject_Call(fn, pos, kw) : NULL;
            Py_XDECREF(kw);
            Py_XDECREF(pos);
        }
        else {
            result = PyObject_CallOneArg(fn, data);
        }
        Py_DECREF(fn);
    }
done:
    Py_XDECREF(impl);
    Py_XDECREF(params);
    Py_XDECREF(schema);
    Py_XDECREF(data);
    return result;
}

static PyObject *
PyFuncModel_get_raw_model(PyObject *self, PyTypeObject *cls,
                          PyObject *const *Py_UNUSED(args), Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(cls);
    if (nargs != 0 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "get_raw_model() takes no arguments");
        return NULL;
    }
    PyObject *fn = NULL;
    if (PyObject_GetOptionalAttrString(PyFuncModel_CAST(self)->impl, "get_raw_model", &fn) < 0) {
        return NULL;
    }
    if (fn == NULL) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "`get_raw_model` is not implemented by the underlying model");
        (void)st;
        return NULL;
    }
    PyObject *r = PyObject_CallNoArgs(fn);
    Py_DECREF(fn);
    return r;
}

static PyObject *
PyFuncModel_unwrap_python_model(PyObject *self, PyTypeObject *cls,
                                PyObject *const *Py_UNUSED(args), Py_ssize_t nargs,
                                PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(cls);
    if (nargs != 0 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "unwrap_python_model() takes no arguments");
        return NULL;
    }
    PyObject *pm = NULL;
    if (PyObject_GetOptionalAttrString(PyFuncModel_CAST(self)->impl, "python_model", &pm) < 0) {
        return NULL;
    }
    if (pm == NULL) {
        return mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                         "Unable to retrieve base model object from pyfunc.");
    }
    return pm;
}

static PyObject *
PyFuncModel_get_metadata(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(PyFuncModel_CAST(self)->metadata);
}

static PyObject *
PyFuncModel_get_impl(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(PyFuncModel_CAST(self)->impl);
}

/* Returns a new reference to python_function key `key` of the metadata (None if absent). */
static PyObject *
pyfunc_conf_value(PyObject *self, const char *key)
{
    PyObject *flavors = mlc_model_get(PyFuncModel_CAST(self)->metadata, "flavors");
    PyObject *conf = NULL, *value = NULL;
    if (flavors == NULL) {
        return NULL;
    }
    if (PyDict_Check(flavors) && PyDict_GetItemStringRef(flavors, "python_function", &conf) < 0) {
        Py_DECREF(flavors);
        return NULL;
    }
    Py_DECREF(flavors);
    if (conf != NULL && PyDict_Check(conf) && PyDict_GetItemStringRef(conf, key, &value) < 0) {
        Py_DECREF(conf);
        return NULL;
    }
    Py_XDECREF(conf);
    return value ? value : Py_NewRef(Py_None);
}

/* The flavor's `config` (MLflow: flavors.python_function.get("config", {})). */
static PyObject *
PyFuncModel_get_model_config(PyObject *self, void *Py_UNUSED(closure))
{
    PyObject *v = pyfunc_conf_value(self, "config");
    if (v == Py_None) {
        Py_SETREF(v, PyDict_New());
    }
    return v;
}

/* Returns a new reference to flavors.python_function.loader_module (None when absent). */
static PyObject *
PyFuncModel_get_loader_module(PyObject *self, void *Py_UNUSED(closure))
{
    return pyfunc_conf_value(self, "loader_module");
}

static PyObject *
PyFuncModel_repr(PyObject *self)
{
    PyObject *meta = PyFuncModel_CAST(self)->metadata;
    PyObject *loader = NULL, *ap = NULL, *run = NULL, *result = NULL;
    loader = PyFuncModel_get_loader_module(self, NULL);
    ap = loader ? mlc_model_get(meta, "artifact_path") : NULL;
    run = ap ? mlc_model_get(meta, "run_id") : NULL;
    if (run == NULL) {
        goto done;
    }
    PyObject *parts[3] = {NULL, NULL, NULL};
    parts[0] = ap != Py_None ? PyUnicode_FromFormat("  artifact_path: %S\n", ap)
                             : PyUnicode_FromString("");
    parts[1] = PyUnicode_FromFormat("  flavor: %S\n", loader);
    parts[2] = run != Py_None ? PyUnicode_FromFormat("  run_id: %S\n", run)
                              : PyUnicode_FromString("");
    if (parts[0] && parts[1] && parts[2]) {
        result = PyUnicode_FromFormat("mlflow.pyfunc.loaded_model:\n%U%U%U", parts[0], parts[1],
                                      parts[2]);
    }
    for (int i = 0; i < 3; i++) {
        Py_XDECREF(parts[i]);
    }
done:
    Py_XDECREF(loader);
    Py_XDECREF(ap);
    Py_XDECREF(run);
    return result;
}

static PyObject *
PyFuncModel_richcompare(PyObject *self, PyObject *other, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(other, Py_TYPE(self))) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    return PyObject_RichCompare(PyFuncModel_CAST(self)->metadata,
                                PyFuncModel_CAST(other)->metadata, op);
}

static PyGetSetDef PyFuncModel_getset[] = {
    {"metadata", PyFuncModel_get_metadata, NULL, "The Model (MLmodel contents).", NULL},
    {"loader_module", PyFuncModel_get_loader_module, NULL,
     "flavors.python_function.loader_module.", NULL},
    {"model_config", PyFuncModel_get_model_config, NULL,
     "The python_function flavor's config ({} when it has none).", NULL},
    {"_model_impl", PyFuncModel_get_impl, NULL, "The flavor's implementation object.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef PyFuncModel_methods[] = {
    {"predict", (PyCFunction)(void (*)(void))PyFuncModel_predict,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "predict(data, params=None)\n--\n\nScore data with the model."},
    {"get_raw_model", (PyCFunction)(void (*)(void))PyFuncModel_get_raw_model,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "get_raw_model()\n--\n\nThe underlying statsmodels results object."},
    {"unwrap_python_model", (PyCFunction)(void (*)(void))PyFuncModel_unwrap_python_model,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "unwrap_python_model()\n--\n\nThe python_model of a custom pyfunc model."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef PyFuncModel_members[] = {
    {"__weaklistoffset__", Py_T_PYSSIZET, offsetof(PyFuncModelObject, weakreflist), Py_READONLY,
     NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot PyFuncModel_slots[] = {
    {Py_tp_new, PyFuncModel_new},
    {Py_tp_repr, PyFuncModel_repr},
    {Py_tp_richcompare, PyFuncModel_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, PyFuncModel_methods},
    {Py_tp_getset, PyFuncModel_getset},
    {Py_tp_members, PyFuncModel_members},
    {Py_tp_traverse, PyFuncModel_traverse},
    {Py_tp_clear, PyFuncModel_clear},
    {Py_tp_dealloc, PyFuncModel_dealloc},
    {Py_tp_doc, (void *)"PyFuncModel(model_meta, model_impl, predict_fn='predict')\n--\n\n"
                        "A model loaded through mlflow_c.pyfunc.load_model."},
    {0, NULL},
};

static PyType_Spec PyFuncModel_spec = {
    .name = "mlflow_c.pyfunc.PyFuncModel",
    .basicsize = sizeof(PyFuncModelObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = PyFuncModel_slots,
};

/* ---------------------------------------------------------------- pyfunc.load_model */

/* Warns (unless suppressed) when the model records a different Python major.minor. */
static int
check_python_version(mlc_state *st, PyObject *conf)
{
    PyObject *saved = NULL, *cur = NULL;
    int rc = -1;
    const char *v = Py_GetVersion();
    cur = PyUnicode_FromStringAndSize(v, (Py_ssize_t)strcspn(v, " "));
    if (cur == NULL || PyDict_GetItemStringRef(conf, "python_version", &saved) < 0) {
        goto done;
    }
    if (saved == NULL || !PyUnicode_Check(saved)) {
        rc = mlc_log_warning(st,
                             "The specified model does not have a specified Python version. It "
                             "may be incompatible with the version of Python that is currently "
                             "running: Python %U",
                             cur);
        goto done;
    }
    const char *s = PyUnicode_AsUTF8(saved);
    const char *c = PyUnicode_AsUTF8(cur);
    if (s == NULL || c == NULL) {
        goto done;
    }
    /* compare "major.minor" */
    const char *sd = strchr(s, '.'), *cd = strchr(c, '.');
    size_t sl = sd ? strcspn(sd + 1, ".") + (size_t)(sd - s) + 1 : strlen(s);
    size_t cl = cd ? strcspn(cd + 1, ".") + (size_t)(cd - c) + 1 : strlen(c);
    rc = 0;
    if (sl != cl || strncmp(s, c, sl) != 0) {
        rc = mlc_log_warning(st,
                             "The version of Python that the model was saved in, `Python %U`, "
                             "differs from the version of Python that is currently running, "
                             "`Python %U`, and may be incompatible",
                             saved, cur);
    }
done:
    Py_XDECREF(saved);
    Py_XDECREF(cur);
    return rc;
}

/* Returns a new reference: the mismatch text for one requirement line ("pkg (current: x,
 * required: line)"), or None when the environment satisfies it or it cannot be checked. */
static PyObject *
requirement_mismatch(mlc_state *st, PyObject *line, PyObject *Req)
{
    PyObject *req = NULL, *marker = NULL, *name = NULL, *spec = NULL, *ver = NULL;
    PyObject *result = NULL;
    req = PyObject_CallOneArg(Req, line);
    if (req == NULL) { /* a path or URL: not checkable, like MLflow */
        PyErr_Clear();
        return Py_NewRef(Py_None);
    }
    marker = PyObject_GetAttrString(req, "marker");
    if (marker == NULL) {
        goto done;
    }
    if (marker != Py_None) {
        PyObject *ok = PyObject_CallMethod(marker, "evaluate", NULL);
        int t = ok ? PyObject_IsTrue(ok) : -1;
        Py_XDECREF(ok);
        if (t < 0) {
            goto done;
        }
        if (!t) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    name = PyObject_GetAttrString(req, "name");
    if (name == NULL) {
        goto done;
    }
    const char *n = PyUnicode_AsUTF8(name);
    if (n == NULL) {
        goto done;
    }
    /* mlflow_c stands in for mlflow itself: its pin is satisfied by construction. */
    if (strcasecmp(n, "mlflow") == 0 || strcasecmp(n, "mlflow-skinny") == 0 ||
        strcasecmp(n, "mlflow-tracing") == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    ver = mlc_env_version(st, n);
    if (ver == NULL) {
        goto done;
    }
    if (ver == Py_None) {
        result = PyUnicode_FromFormat("%U (current: uninstalled, required: %U)", name, line);
        goto done;
    }
    spec = PyObject_GetAttrString(req, "specifier");
    if (spec == NULL) {
        goto done;
    }
    Py_ssize_t nspec = PyObject_Length(spec);
    if (nspec < 0) {
        goto done;
    }
    if (nspec > 0) {
        PyObject *ok = PyObject_CallMethod(spec, "contains", "O", ver);
        int t = ok ? PyObject_IsTrue(ok) : -1;
        Py_XDECREF(ok);
        if (t < 0) {
            goto done;
        }
        if (!t) {
            result = PyUnicode_FromFormat("%U (current: %U, required: %U)", name, ver, line);
            goto done;
        }
    }
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(req);
    Py_XDECREF(marker);
    Py_XDECREF(name);
    Py_XDECREF(spec);
    Py_XDECREF(ver);
    return result;
}

/* Logs MLflow's warning when requirements.txt in dir asks for packages this environment does
 * not satisfy. Problems while checking become a warning, never an error. 0 or -1. */
static int
warn_dependency_mismatches(mlc_state *st, const char *dir)
{
    char *path = mlc_fs_join(dir, "requirements.txt");
    char *buf = NULL;
    size_t len = 0;
    PyObject *text = NULL, *lines = NULL, *found = NULL, *Req = NULL;
    int result = -1;
    if (path == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (mlc_fs_read(path, &buf, &len) < 0) {
        result = 0; /* no requirements.txt: nothing to check */
        goto done;
    }
    Req = mlc_lazy_attr(&st->Requirement, "packaging.requirements", "Requirement");
    text = Req ? PyUnicode_DecodeUTF8(buf, (Py_ssize_t)len, "replace") : NULL;
    lines = text ? PyUnicode_Splitlines(text, 0) : NULL;
    found = lines ? PyList_New(0) : NULL;
    if (found == NULL) {
        goto check_failed;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); i++) {
        PyObject *line = PyObject_CallMethod(PyList_GET_ITEM(lines, i), "strip", NULL);
        if (line == NULL) {
            goto check_failed;
        }
        const char *c = PyUnicode_AsUTF8(line);
        if (c == NULL || c[0] == '\0' || c[0] == '#' || c[0] == '-') {
            Py_DECREF(line);
            if (c == NULL) {
                goto check_failed;
            }
            continue;
        }
        PyObject *mis = requirement_mismatch(st, line, Req);
        Py_DECREF(line);
        if (mis == NULL) {
            goto check_failed;
        }
        int rc = mis == Py_None ? 0 : PyList_Append(found, mis);
        Py_DECREF(mis);
        if (rc < 0) {
            goto check_failed;
        }
    }
    if (PyList_GET_SIZE(found) > 0) {
        PyObject *sep = PyUnicode_FromString("\n - ");
        PyObject *joined = sep ? PyUnicode_Join(sep, found) : NULL;
        Py_XDECREF(sep);
        if (joined == NULL) {
            goto check_failed;
        }
        int rc = mlc_log_warning(
            st,
            "Detected one or more mismatches between the model's dependencies and the current "
            "Python environment:\n - %U\nTo fix the mismatches, call "
            "`mlflow.pyfunc.get_model_dependencies(model_uri)` to fetch the model's environment "
            "and install dependencies using the resulting environment file.",
            joined);
        Py_DECREF(joined);
        if (rc < 0) {
            goto done;
        }
    }
    result = 0;
    goto done;
check_failed:
    if (PyErr_ExceptionMatches(PyExc_Exception)) {
        PyObject *exc = PyErr_GetRaisedException();
        result = mlc_log_warning(st,
                                 "Encountered an unexpected error (%R) while detecting model "
                                 "dependency mismatches. Set logging level to DEBUG to see the "
                                 "full traceback.",
                                 exc);
        Py_XDECREF(exc);
    }
done:
    free(path);
    free(buf);
    Py_XDECREF(text);
    Py_XDECREF(lines);
    Py_XDECREF(found);
    Py_XDECREF(Req);
    return result;
}

PyObject *
mlc_pyfunc_load_model(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_module(m);
    static const char *const names[] = {"model_uri", "suppress_warnings", "dst_path",
                                        "model_config", NULL};
    PyObject *a[4];
    PyObject *dir = NULL, *meta = NULL, *conf = NULL, *loader = NULL, *raw = NULL;
    PyObject *impl = NULL, *fn = NULL, *result = NULL, *mod = NULL;
    char *mlpath = NULL, *data = NULL;
    if (mlc_args_parse("load_model", args, nargs, kwnames, names, 4, 1, a, NULL) < 0) {
        return NULL;
    }
    int suppress = a[1] ? PyObject_IsTrue(a[1]) : 0;
    if (suppress < 0) {
        return NULL;
    }
    dir = mlc_resolve_model_dir(st, a[0]);
    if (dir == NULL) {
        goto done;
    }
    if (!mlc_is_none(a[2])) {
        Py_SETREF(dir, copy_to_dst(st, dir, a[2]));
        if (dir == NULL) {
            goto done;
        }
    }
    const char *d = PyUnicode_AsUTF8(dir);
    if (d == NULL || (mlpath = mlmodel_path(st, d)) == NULL) {
        goto done;
    }
    if (!suppress && warn_dependency_mismatches(st, d) < 0) {
        goto done;
    }
    meta = mlc_model_load_file(st, mlpath);
    if (meta == NULL) {
        goto done;
    }
    conf = flavor_conf(st, meta, "python_function", mlpath);
    if (conf == NULL) {
        goto done;
    }
    if (!suppress && check_python_version(st, conf) < 0) {
        goto done;
    }
    if (add_code_to_path(st, conf, d) < 0) {
        goto done;
    }
    int present;
    data = conf_path(st, conf, "data", d, NULL, &present);
    if (data == NULL || PyDict_GetItemStringRef(conf, "loader_module", &loader) < 0) {
        goto done;
    }
    if (loader == NULL || !PyUnicode_Check(loader)) {
        mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                  "The python_function flavor in \"%s\" has no loader_module", mlpath);
        goto done;
    }
    if (PyUnicode_CompareWithASCIIString(loader, "mlflow.statsmodels") == 0 ||
        PyUnicode_CompareWithASCIIString(loader, "mlflow_c.statsmodels") == 0) {
        raw = mlc_load_pickle_file(st, data);
        impl = raw ? sm_wrapper_new(st, raw) : NULL;
    }
    else {
        /* Any other flavor: its own loader, as MLflow does it. */
        mod = PyImport_Import(loader);
        if (mod == NULL) {
            goto done;
        }
        /* the caller's model_config, else the flavor's own config, when there is one */
        PyObject *cfg = NULL;
        int given = a[3] ? PyObject_IsTrue(a[3]) : 0;
        if (given < 0 || (!given && PyDict_GetItemStringRef(conf, "config", &cfg) < 0)) {
            goto done;
        }
        PyObject *use = given ? a[3] : cfg;
        int truthy = use ? PyObject_IsTrue(use) : 0;
        impl = truthy > 0 ? PyObject_CallMethod(mod, "_load_pyfunc", "sO", data, use)
                          : truthy == 0 ? PyObject_CallMethod(mod, "_load_pyfunc", "s", data)
                                        : NULL;
        Py_XDECREF(cfg);
    }
    if (impl == NULL) {
        goto done;
    }
    if (PyDict_GetItemStringRef(conf, "predict_fn", &fn) < 0) {
        goto done;
    }
    result = PyObject_CallFunction(st->PyFuncModelType, "OOO", meta, impl,
                                   fn && PyUnicode_Check(fn) ? fn : st->str_predict);
done:
    free(mlpath);
    free(data);
    Py_XDECREF(dir);
    Py_XDECREF(meta);
    Py_XDECREF(conf);
    Py_XDECREF(loader);
    Py_XDECREF(raw);
    Py_XDECREF(impl);
    Py_XDECREF(fn);
    Py_XDECREF(mod);
    return result;
}

int
mlc_pyfunc_types_init(PyObject *m, mlc_state *st)
{
    st->SmWrapperType = PyType_FromModuleAndSpec(m, &SmWrapper_spec, NULL);
    if (st->SmWrapperType == NULL) {
        return -1;
    }
    st->PyFuncModelType = PyType_FromModuleAndSpec(m, &PyFuncModel_spec, NULL);
    if (st->PyFuncModelType == NULL ||
        PyModule_AddType(m, (PyTypeObject *)st->PyFuncModelType) < 0) {
        return -1;
    }
    return 0;
}
