/* save.c: save_model -- the model directory MLflow writes (MLmodel, model.statsmodels, env
 * files, code/, extra_files/, input example), built in a private sibling directory and renamed
 * into place so it appears complete or not at all. Env rules live in env.c, YAML in yaml_*.c. */
#include "mlc.h"
#include "autolog.h"

#include "args.h"
#include "enforce.h"
#include "errors.h"
#include "infer.h"
#include "schema.h"
#include "fsutil.h"
#include "yaml.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- small helpers */

int
mlc_write_text(mlc_state *st, const char *dir, const char *name, PyObject *text)
{
    Py_ssize_t len;
    const char *data = PyUnicode_AsUTF8AndSize(text, &len);
    if (data == NULL) {
        return -1;
    }
    char *path = mlc_fs_join(dir, name);
    if (path == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int rc = mlc_fs_write_atomic(path, data, (size_t)len, 1);
    if (rc < 0) {
        mlc_raise_errno(st, errno, "Failed to write", path);
    }
    free(path);
    return rc;
}

/* Copies each path of `paths` (a list of str) into dir/subdir/<basename>. Fills `config`
 * (when not NULL) with [{"path": "subdir/<basename>"}, ...]. 0 or -1. */
static int
copy_into(mlc_state *st, PyObject *paths, const char *dir, const char *subdir,
          const char *what, PyObject *config)
{
    char *sub = mlc_fs_join(dir, subdir);
    int result = -1;
    if (sub == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (mlc_fs_makedirs(sub) < 0) {
        mlc_raise_errno(st, errno, "Failed to create", sub);
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(paths); i++) {
        PyObject *p = mlc_args_path(PyList_GET_ITEM(paths, i));
        if (p == NULL) {
            goto done;
        }
        const char *src = PyUnicode_AsUTF8(p);
        char *abs = src ? mlc_fs_abspath(src) : NULL;
        if (abs == NULL) {
            if (src != NULL) {
                mlc_raise_errno(st, errno, "Failed to resolve", src);
            }
            Py_DECREF(p);
            goto done;
        }
        const char *base = strrchr(abs, '/');
        base = base ? base + 1 : abs;
        char *dst = mlc_fs_join(sub, base);
        const char *failed = NULL;
        int rc = dst == NULL ? -1 : mlc_fs_copy(abs, dst, &failed);
        if (rc < 0) {
            int err = dst == NULL ? ENOMEM : errno;
            mlc_raise(err == ENOENT ? st->MlflowFileNotFoundError : st->MlflowOSError,
                      MLC_INVALID_PARAMETER_VALUE,
                      "Failed to copy the specified %s '%U' into the model artifacts: %s "
                      "('%s')",
                      what, p, strerror(err), failed ? failed : abs);
        }
        if (rc == 0 && config != NULL) {
            PyObject *entry = Py_BuildValue("{s:N}", "path",
                                            PyUnicode_FromFormat("%s/%s", subdir, base));
            rc = entry == NULL ? -1 : PyList_Append(config, entry);
            Py_XDECREF(entry);
        }
        free(dst);
        free(abs);
        Py_DECREF(p);
        if (rc < 0) {
            goto done;
        }
    }
    result = 0;
done:
    free(sub);
    return result;
}

/* ---------------------------------------------------------------- input example */

/* Returns a new reference: obj with every float NaN inside lists/dicts replaced by None
 * (MLflow means to write null; see contract Q17). Other objects are returned as they are. */
static PyObject *
nan_to_none(PyObject *obj)
{
    if (PyFloat_Check(obj)) {
        return isnan(PyFloat_AS_DOUBLE(obj)) ? Py_NewRef(Py_None) : Py_NewRef(obj);
    }
    if (PyList_Check(obj)) {
        Py_ssize_t n = PyList_GET_SIZE(obj);
        PyObject *out = PyList_New(n);
        if (out == NULL) {
            return NULL;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *v = nan_to_none(PyList_GET_ITEM(obj, i));
            if (v == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(out, i, v); /* steals */
        }
        return out;
    }
    if (PyDict_Check(obj)) {
        PyObject *out = PyDict_New();
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (out != NULL && PyDict_Next(obj, &pos, &k, &v)) {
            PyObject *nv = nan_to_none(v);
            if (nv == NULL || PyDict_SetItem(out, k, nv) < 0) {
                Py_XDECREF(nv);
                Py_CLEAR(out);
                break;
            }
            Py_DECREF(nv);
        }
        return out;
    }
    return Py_NewRef(obj);
}

/* json.dumps `default=`: numpy scalars and arrays, bytes (base64 like MLflow), dates. */
static PyObject *
json_default(PyObject *Py_UNUSED(mod), PyObject *o)
{
    if (PyBytes_Check(o) || PyByteArray_Check(o)) {
        PyObject *b64 = PyImport_ImportModule("base64");
        if (b64 == NULL) {
            return NULL;
        }
        PyObject *enc = PyObject_CallMethod(b64, "encodebytes", "O", o);
        Py_DECREF(b64);
        if (enc == NULL) {
            return NULL;
        }
        PyObject *s = PyUnicode_FromEncodedObject(enc, "ascii", "strict");
        Py_DECREF(enc);
        return s;
    }
    PyObject *fn = NULL;
    if (PyObject_GetOptionalAttrString(o, "isoformat", &fn) < 0) {
        return NULL;
    }
    if (fn != NULL) {
        PyObject *r = PyObject_CallNoArgs(fn);
        Py_DECREF(fn);
        return r;
    }
    if (PyObject_GetOptionalAttrString(o, "tolist", &fn) < 0) {
        return NULL;
    }
    if (fn != NULL) { /* numpy arrays and scalars (item() for a scalar == tolist()) */
        PyObject *r = PyObject_CallNoArgs(fn);
        Py_DECREF(fn);
        if (r == NULL) {
            return NULL;
        }
        Py_SETREF(r, nan_to_none(r));
        return r;
    }
    return PyErr_Format(PyExc_TypeError, "Object of type %s is not JSON serializable",
                        Py_TYPE(o)->tp_name);
}

static PyMethodDef json_default_def = {"_json_default", json_default, METH_O, NULL};

/* Returns a new reference: json.dumps(obj, default=json_default[, indent=2]). */
static PyObject *
json_text(mlc_state *st, PyObject *obj, int indent)
{
    PyObject *dumps = NULL, *deflt = NULL, *kw = NULL, *args = NULL, *result = NULL;
    dumps = mlc_lazy_attr(&st->json_dumps, "json", "dumps");
    if (dumps == NULL) {
        goto done;
    }
    deflt = PyCFunction_New(&json_default_def, NULL);
    if (deflt == NULL) {
        goto done;
    }
    kw = indent ? Py_BuildValue("{sOsi}", "default", deflt, "indent", 2)
                : Py_BuildValue("{sO}", "default", deflt);
    args = PyTuple_Pack(1, obj);
    if (kw == NULL || args == NULL) {
        goto done;
    }
    result = PyObject_Call(dumps, args, kw);
done:
    Py_XDECREF(dumps);
    Py_XDECREF(deflt);
    Py_XDECREF(kw);
    Py_XDECREF(args);
    return result;
}

/* 1 when o is a numpy.ndarray (checked by type name to avoid importing numpy), 0 otherwise. */
static int
is_ndarray(PyObject *o)
{
    PyTypeObject *t = Py_TYPE(o);
    return strcmp(t->tp_name, "numpy.ndarray") == 0;
}

/* 1 when o is a pandas DataFrame (by MRO name, without importing pandas). */
static int
is_named_type(PyObject *o, const char *module, const char *name)
{
    PyObject *mro = Py_TYPE(o)->tp_mro;
    for (Py_ssize_t i = 0; mro != NULL && i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        const char *full = t->tp_name; /* e.g. "DataFrame" for pandas' Python classes */
        const char *dot = strrchr(full, '.');
        const char *shortname = dot ? dot + 1 : full;
        if (strcmp(shortname, name) != 0) {
            continue;
        }
        PyObject *mod = PyObject_GetAttrString((PyObject *)t, "__module__");
        if (mod == NULL) {
            PyErr_Clear();
            continue;
        }
        const char *ms = PyUnicode_Check(mod) ? PyUnicode_AsUTF8(mod) : NULL;
        int ok = ms != NULL && strncmp(ms, module, strlen(module)) == 0;
        if (ms == NULL) {
            PyErr_Clear();
        }
        Py_DECREF(mod);
        if (ok) {
            return 1;
        }
    }
    return 0;
}

/* Returns a new reference: {"columns": [...]?, "data": [[...]]} for a DataFrame, with
 * "columns" left out when they are exactly 0..n-1 (MLflow does the same). */
static PyObject *
frame_split(PyObject *df, int *has_columns)
{
    PyObject *cols = NULL, *collist = NULL, *values = NULL, *data = NULL, *out = NULL;
    PyObject *obj_frame = NULL;
    cols = PyObject_GetAttrString(df, "columns");
    collist = cols ? PyObject_CallMethod(cols, "tolist", NULL) : NULL;
    if (collist == NULL) {
        goto done;
    }
    int is_range = 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(collist); i++) {
        PyObject *c = PyList_GET_ITEM(collist, i);
        if (!PyLong_Check(c) || PyLong_AsSsize_t(c) != i) {
            if (PyErr_Occurred()) {
                PyErr_Clear();
            }
            is_range = 0;
            break;
        }
    }
    obj_frame = PyObject_CallMethod(df, "astype", "s", "object");
    values = obj_frame ? PyObject_GetAttrString(obj_frame, "values") : NULL;
    data = values ? PyObject_CallMethod(values, "tolist", NULL) : NULL;
    if (data == NULL) {
        goto done;
    }
    Py_SETREF(data, nan_to_none(data));
    if (data == NULL) {
        goto done;
    }
    *has_columns = !is_range;
    out = is_range ? Py_BuildValue("{sO}", "data", data)
                   : Py_BuildValue("{sOsO}", "columns", collist, "data", data);
done:
    Py_XDECREF(cols);
    Py_XDECREF(collist);
    Py_XDECREF(values);
    Py_XDECREF(data);
    Py_XDECREF(obj_frame);
    return out;
}

/* Splits a `(data, params)` input example (a 2-tuple whose second item is a dict) into its
 * parts, checking the params the way MLflow does (warning, then the error, when they cannot
 * make a params schema); anything else is all data. *data and *params are borrowed. 0 or -1. */
static int
split_example(mlc_state *st, PyObject *example, PyObject **data, PyObject **params)
{
    *data = example;
    *params = NULL;
    if (!PyTuple_Check(example) || PyTuple_GET_SIZE(example) != 2 ||
        !PyDict_Check(PyTuple_GET_ITEM(example, 1))) {
        return 0;
    }
    *data = PyTuple_GET_ITEM(example, 0);
    *params = PyTuple_GET_ITEM(example, 1);
    PyObject *schema = mlc_infer_param_schema(st, *params);
    if (schema == NULL) {
        if (PyErr_ExceptionMatches(st->MlflowException)) {
            PyObject *exc = PyErr_GetRaisedException();
            int rc = mlc_log_warning(st, "Invalid params found in input example: %S", *params);
            PyErr_SetRaisedException(exc);
            if (rc < 0) {
                PyErr_Clear();
            }
        }
        return -1;
    }
    Py_DECREF(schema);
    return 0;
}

/* Writes input_example.json and serving_input_example.json for `example` into dir and sets
 * model.saved_input_example_info, following MLflow 3.x's encodings. 0 or -1. */
static int
save_example(mlc_state *st, PyObject *model, PyObject *input_example, const char *dir)
{
    PyObject *stored = NULL, *serving = NULL, *info = NULL, *text = NULL;
    const char *type = NULL;
    const char *orient = NULL;
    int result = -1;
    PyObject *example = input_example, *params = NULL;
    if (split_example(st, input_example, &example, &params) < 0) {
        return -1;
    }
    if (is_named_type(example, "pandas", "DataFrame")) {
        int has_columns = 0;
        stored = frame_split(example, &has_columns);
        if (stored == NULL) {
            goto done;
        }
        serving = Py_BuildValue("{sO}", "dataframe_split", stored);
        type = "dataframe";
        orient = has_columns ? "split" : "values";
    }
    else if (is_ndarray(example)) {
        PyObject *l = PyObject_CallMethod(example, "tolist", NULL);
        stored = l ? nan_to_none(l) : NULL;
        Py_XDECREF(l);
        if (stored == NULL) {
            goto done;
        }
        serving = Py_BuildValue("{sO}", "inputs", stored);
        type = "ndarray";
    }
    else if (PyDict_Check(example)) {
        Py_ssize_t n_arrays = 0, n = PyDict_GET_SIZE(example);
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(example, &pos, &k, &v)) {
            n_arrays += is_ndarray(v);
        }
        if (n_arrays > 0 && n_arrays < n) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Mixed types in dictionary are not supported as input examples. Found "
                      "numpy arrays and other types.");
            goto done;
        }
        stored = PyDict_New();
        pos = 0;
        while (stored != NULL && PyDict_Next(example, &pos, &k, &v)) {
            PyObject *l = n_arrays ? PyObject_CallMethod(v, "tolist", NULL) : Py_NewRef(v);
            PyObject *c = l ? nan_to_none(l) : NULL;
            Py_XDECREF(l);
            if (c == NULL || PyDict_SetItem(stored, k, c) < 0) {
                Py_XDECREF(c);
                Py_CLEAR(stored);
                break;
            }
            Py_DECREF(c);
        }
        if (stored == NULL) {
            goto done;
        }
        serving = Py_BuildValue("{sO}", "inputs", stored);
        type = n_arrays ? "ndarray" : "json_object";
    }
    else if (PyList_Check(example) || PyUnicode_Check(example) || PyLong_Check(example) ||
             PyFloat_Check(example) || PyBool_Check(example) || PyBytes_Check(example)) {
        if (PyList_Check(example)) {
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(example); i++) {
                if (is_ndarray(PyList_GET_ITEM(example, i))) {
                    mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                              "Numpy arrays in list are not supported as input examples.");
                    goto done;
                }
            }
        }
        stored = nan_to_none(example);
        if (stored == NULL) {
            goto done;
        }
        serving = Py_BuildValue("{sO}", "inputs", stored);
        type = "json_object";
    }
    else {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Expected one of the following types:\n- pandas.DataFrame\n- numpy.ndarray\n"
                  "- dictionary of (name -> numpy.ndarray)\n- scipy.sparse.csr_matrix\n"
                  "- scipy.sparse.csc_matrix\n- dict\n- list\n- scalars\n- datetime.datetime\n"
                  "- pydantic model instance\nbut got '%s'",
                  Py_TYPE(example)->tp_name);
        goto done;
    }
    if (serving == NULL) {
        goto done;
    }
    if (params != NULL) {
        /* a (data, params) example keeps both, each under its own key */
        Py_SETREF(stored, Py_BuildValue("{sNsO}", "inputs", stored, "params", params));
        if (stored == NULL || PyDict_SetItemString(serving, "params", params) < 0) {
            goto done;
        }
    }
    text = json_text(st, stored, 0);
    if (text == NULL || mlc_write_text(st, dir, "input_example.json", text) < 0) {
        goto done;
    }
    Py_SETREF(text, json_text(st, serving, 1));
    if (text == NULL || mlc_write_text(st, dir, "serving_input_example.json", text) < 0) {
        goto done;
    }
    info = Py_BuildValue("{ssssss}", "artifact_path", "input_example.json", "type", type,
                         "serving_input_path", "serving_input_example.json");
    if (info == NULL) {
        goto done;
    }
    if (orient != NULL) {
        PyObject *o = PyUnicode_FromString(orient);
        if (o == NULL || PyDict_SetItemString(info, "pandas_orient", o) < 0) {
            Py_XDECREF(o);
            goto done;
        }
        Py_DECREF(o);
    }
    if (params != NULL && PyDict_GET_SIZE(params) > 0) {
        PyObject *t = PyUnicode_FromString("true");
        if (t == NULL || PyDict_SetItemString(info, "params", t) < 0) {
            Py_XDECREF(t);
            goto done;
        }
        Py_DECREF(t);
    }
    if (mlc_model_set(model, "saved_input_example_info", info) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(stored);
    Py_XDECREF(serving);
    Py_XDECREF(info);
    Py_XDECREF(text);
    return result;
}

/* ---------------------------------------------------------------- signature inference */

/* Returns a new reference: the signature MLflow 3.x infers from an input example -- the input
 * schema of the example, enforced the way predict enforces it, and the output schema of what
 * the model predicts for it -- or None, with MLflow's warning, when that fails. */
static PyObject *
signature_from_example(mlc_state *st, PyObject *results, PyObject *example)
{
    PyObject *data = NULL, *in = NULL, *enforced = NULL, *pred = NULL;
    PyObject *out = NULL, *result = NULL, *pschema = NULL;
    PyObject *raw = NULL, *params = NULL;
    if (split_example(st, example, &raw, &params) < 0) {
        goto failed;
    }
    PyObject *copymod = PyImport_ImportModule("copy");
    data = copymod ? PyObject_CallMethod(copymod, "deepcopy", "O", raw) : NULL;
    Py_XDECREF(copymod);
    if (data != NULL && params != NULL && PyDict_GET_SIZE(params) > 0) {
        pschema = mlc_infer_param_schema(st, params);
        if (pschema == NULL) {
            goto failed;
        }
    }
    in = data ? mlc_infer_schema(st, data) : NULL;
    enforced = in ? mlc_enforce_schema(st, data, in, 1, NULL) : NULL;
    pred = enforced ? mlc_statsmodels_predict(st, results, enforced) : NULL;
    if (pred == NULL) {
        goto failed;
    }
    if (!((SchemaObject *)in)->is_tensor && PyArray_Check(pred) &&
        PyArray_NDIM((PyArrayObject *)pred) == 1) {
        PyObject *Series = mlc_lazy_attr(&st->Series, "pandas", "Series");
        Py_SETREF(pred, Series ? PyObject_CallOneArg(Series, pred) : NULL);
        Py_XDECREF(Series);
        if (pred == NULL) {
            goto failed;
        }
    }
    out = mlc_infer_schema(st, pred);
    if (out == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_Exception)) {
            goto failed;
        }
        PyErr_Clear();
        if (mlc_log_warning(st, "Failed to infer model output schema from prediction result, "
                                "setting output schema to AnyType. For full traceback, set "
                                "logging level to debug.") < 0) {
            goto failed;
        }
        PyObject *any = PyObject_CallNoArgs(st->AnyTypeType);
        PyObject *spec = any ? PyObject_CallOneArg(st->ColSpecType, any) : NULL;
        PyObject *specs = spec ? Py_BuildValue("[O]", spec) : NULL;
        out = specs ? PyObject_CallOneArg(st->SchemaType, specs) : NULL;
        Py_XDECREF(any);
        Py_XDECREF(spec);
        Py_XDECREF(specs);
        if (out == NULL) {
            goto failed;
        }
    }
    result = PyObject_CallFunctionObjArgs(st->ModelSignatureType, in, out,
                                          pschema ? pschema : Py_None, NULL);
    if (result == NULL) {
        goto failed;
    }
    goto done;
failed:
    if (PyErr_ExceptionMatches(PyExc_Exception)) {
        PyObject *exc = PyErr_GetRaisedException();
        int rc = mlc_log_warning(
            st,
            "Failed to infer the model signature from the input example. Reason: %R. To see the "
            "full traceback, set the logging level to DEBUG via "
            "`logging.getLogger(\"mlflow\").setLevel(logging.DEBUG)`. To disable automatic "
            "signature inference, set `signature` to `False` in your `log_model` or "
            "`save_model` call.",
            exc);
        Py_DECREF(exc);
        result = rc < 0 ? NULL : Py_NewRef(Py_None);
    }
done:
    Py_XDECREF(data);
    Py_XDECREF(in);
    Py_XDECREF(enforced);
    Py_XDECREF(pred);
    Py_XDECREF(out);
    Py_XDECREF(pschema);
    return result;
}

/* ---------------------------------------------------------------- pickling */

/* Autolog's large-model warning (MLflow's text, with the hint fixed for `name`): the data
 * file is at least mlflow_c.statsmodels._model_size_threshold_for_emitting_warning bytes
 * (100 MB unless a test lowers it). 0 or -1. */
static int
large_model_warning(mlc_state *st, const char *data_path)
{
    long long threshold = 100LL * 1024 * 1024;
    PyObject *mods = PySys_GetObject("modules"); /* borrowed */
    PyObject *mod = NULL, *v = NULL;
    if (mods != NULL && PyDict_GetItemStringRef(mods, "mlflow_c.statsmodels", &mod) < 0) {
        return -1;
    }
    if (mod != NULL &&
        PyObject_GetOptionalAttrString(mod, "_model_size_threshold_for_emitting_warning", &v) <
            0) {
        Py_DECREF(mod);
        return -1;
    }
    Py_XDECREF(mod);
    if (v != NULL) {
        threshold = PyLong_AsLongLong(v);
        Py_DECREF(v);
        if (threshold == -1 && PyErr_Occurred()) {
            return -1;
        }
    }
    struct stat sb;
    if (stat(data_path, &sb) < 0 || (long long)sb.st_size < threshold) {
        return 0;
    }
    return mlc_log_warning(st,
                           "The fitted model is larger than %lld MB, saving it as artifacts is "
                           "time consuming.\nTo reduce model size, use "
                           "`mlflow.statsmodels.autolog(log_models=False)` and manually log model "
                           "by `mlflow.statsmodels.log_model(model, remove_data=True, "
                           "name=\"model\")`",
                           threshold / (1024 * 1024));
}

/* Writes the pickled results to data_path. With remove_data the caller's object is left
 * intact: a copy is made (through pickle) and the copy's data removed. 0 or -1. */
static int
write_data_file(mlc_state *st, PyObject *results, const char *data_path, const char *shown_path,
                int remove_data)
{
    PyObject *target = NULL, *dumps = NULL, *loads = NULL, *blob = NULL, *r = NULL;
    int result = -1;
    if (remove_data) {
        dumps = mlc_lazy_attr(&st->pickle_dumps, "pickle", "dumps");
        loads = dumps ? mlc_lazy_attr(&st->pickle_loads, "pickle", "loads") : NULL;
        if (loads == NULL) {
            goto done;
        }
        blob = PyObject_CallFunction(dumps, "Oi", results, -1);
        target = blob ? PyObject_CallOneArg(loads, blob) : NULL;
        if (target == NULL) {
            mlc_raise_from(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                           "Failed to pickle the statsmodels model (%s) for '%s'; nothing was "
                           "written",
                           Py_TYPE(results)->tp_name, shown_path);
            goto done;
        }
    }
    else {
        target = Py_NewRef(results);
    }
    r = PyObject_CallMethod(target, "save", "sO", data_path, remove_data ? Py_True : Py_False);
    if (r == NULL) {
        mlc_raise_from(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                       "Failed to pickle the statsmodels model (%s) for '%s'; nothing was "
                       "written",
                       Py_TYPE(results)->tp_name, shown_path);
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(target);
    Py_XDECREF(dumps);
    Py_XDECREF(loads);
    Py_XDECREF(blob);
    Py_XDECREF(r);
    return result;
}

/* ---------------------------------------------------------------- save_model */

static const char *const save_names[] = {
    "statsmodels_model", "path", "conda_env", "code_paths", "mlflow_model", "remove_data",
    "signature", "input_example", "pip_requirements", "extra_pip_requirements", "metadata",
    "extra_files", NULL,
};
enum {
    SA_MODEL, SA_PATH, SA_CONDA, SA_CODE, SA_MLMODEL, SA_REMOVE, SA_SIG, SA_EXAMPLE, SA_PIP,
    SA_EXTRA_PIP, SA_METADATA, SA_EXTRA_FILES, SA_COUNT
};

/* Returns a new reference to statsmodels.__version__. */
static PyObject *
statsmodels_version(mlc_state *st)
{
    PyObject *sm = PyImport_ImportModule("statsmodels");
    if (sm == NULL) {
        return NULL;
    }
    PyObject *v = PyObject_GetAttr(sm, st->str_version);
    Py_DECREF(sm);
    return v;
}

/* obj[key] = value for any mapping. 0 or -1. */
static int
set_item_str(PyObject *obj, const char *key, PyObject *value)
{
    PyObject *k = PyUnicode_FromString(key);
    if (k == NULL) {
        return -1;
    }
    int rc = PyObject_SetItem(obj, k, value);
    Py_DECREF(k);
    return rc;
}

/* Adds the python_function and statsmodels flavors to model. */
static int
add_flavors(mlc_state *st, PyObject *model, PyObject *sm_version, int has_code,
            PyObject *extra_files_config)
{
    PyObject *flavors = NULL, *pyf = NULL, *smf = NULL, *py = NULL;
    int result = -1;
    flavors = PyObject_GetAttr(model, st->str_flavors);
    if (flavors == NULL) {
        goto done;
    }
    const char *v = Py_GetVersion();
    py = PyUnicode_FromStringAndSize(v, (Py_ssize_t)strcspn(v, " "));
    if (py == NULL) {
        goto done;
    }
    pyf = Py_BuildValue("{ss sO ss s{ssss}}", "loader_module", "mlflow.statsmodels",
                        "python_version", py, "data", "model.statsmodels", "env", "conda",
                        "conda.yaml", "virtualenv", "python_env.yaml");
    if (pyf == NULL) {
        goto done;
    }
    smf = Py_BuildValue("{sO ss sO}", "statsmodels_version", sm_version, "data",
                        "model.statsmodels", "code", Py_None);
    if (smf == NULL) {
        goto done;
    }
    if (has_code) {
        PyObject *c = PyUnicode_FromString("code");
        int rc = c == NULL ? -1
                           : (PyDict_SetItemString(pyf, "code", c) < 0 ||
                              PyDict_SetItemString(smf, "code", c) < 0)
                                 ? -1
                                 : 0;
        Py_XDECREF(c);
        if (rc < 0) {
            goto done;
        }
    }
    if (extra_files_config != NULL &&
        PyDict_SetItemString(smf, "extra_files", extra_files_config) < 0) {
        goto done;
    }
    if (set_item_str(flavors, "python_function", pyf) < 0 ||
        set_item_str(flavors, "statsmodels", smf) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(flavors);
    Py_XDECREF(pyf);
    Py_XDECREF(smf);
    Py_XDECREF(py);
    return result;
}

/* Validates a list-typed argument: None -> 0 (absent), list -> 1, else TypeError -> -1. */
static int
check_list_arg(mlc_state *st, PyObject *v, const char *msg_fmt)
{
    if (mlc_is_none(v)) {
        return 0;
    }
    if (!PyList_Check(v)) {
        mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE, msg_fmt,
                  Py_TYPE(v)->tp_name);
        return -1;
    }
    return 1;
}

PyObject *
mlc_save_model(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_module(m);
    PyObject *a[SA_COUNT];
    PyObject *path_obj = NULL, *model = NULL, *sm_version = NULL, *size = NULL;
    PyObject *extra_cfg = NULL, *text = NULL, *save_attr = NULL, *result = NULL;
    PyObject *inferred = NULL;
    char *path = NULL, *tmp = NULL, *data_path = NULL;
    if (mlc_args_parse("save_model", args, nargs, kwnames, save_names, SA_COUNT, 2, a, NULL) <
        0) {
        return NULL;
    }
    int n_env = !mlc_is_none(a[SA_CONDA]) + !mlc_is_none(a[SA_PIP]) +
                !mlc_is_none(a[SA_EXTRA_PIP]);
    if (n_env > 1) {
        return mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                         "Only one of `conda_env`, `pip_requirements`, and "
                         "`extra_pip_requirements` can be specified");
    }
    PyObject *results = a[SA_MODEL];
    if (PyObject_GetOptionalAttr(results, st->str_save, &save_attr) < 0) {
        return NULL;
    }
    if (save_attr == NULL || !PyCallable_Check(save_attr)) {
        Py_XDECREF(save_attr);
        return mlc_raise(st->MlflowAttributeError, MLC_INVALID_PARAMETER_VALUE,
                         "statsmodels_model must be a fitted statsmodels results object (it "
                         "needs a save() method), but got '%s'",
                         Py_TYPE(results)->tp_name);
    }
    Py_CLEAR(save_attr);
    int has_code = check_list_arg(st, a[SA_CODE], "Argument code_paths should be a list, not %s");
    int has_extra = has_code < 0 ? -1
                                 : check_list_arg(st, a[SA_EXTRA_FILES],
                                                  "Extra files argument should be a list, not %s");
    if (has_extra < 0) {
        return NULL;
    }
    if (PyList_Check(a[SA_EXTRA_FILES] ? a[SA_EXTRA_FILES] : Py_None) &&
        PyList_GET_SIZE(a[SA_EXTRA_FILES]) == 0) {
        has_extra = 0; /* MLflow: an empty list adds nothing */
    }
    int remove_data = a[SA_REMOVE] ? PyObject_IsTrue(a[SA_REMOVE]) : 0;
    if (remove_data < 0) {
        return NULL;
    }
    PyObject *sig = a[SA_SIG];
    if (!mlc_is_none(sig) && sig != Py_False && !PyDict_Check(sig)) {
        PyObject *td = NULL;
        if (PyObject_GetOptionalAttr(sig, st->str_to_dict, &td) < 0) {
            return NULL;
        }
        Py_XDECREF(td);
        if (td == NULL) {
            return mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                             "signature must be a ModelSignature (or its to_dict() form), but "
                             "got '%s'",
                             Py_TYPE(sig)->tp_name);
        }
    }
    sm_version = statsmodels_version(st);
    if (sm_version == NULL) {
        goto done;
    }

    /* Target path: absolute, absent or an empty directory. */
    path_obj = mlc_args_path(a[SA_PATH]);
    if (path_obj == NULL) {
        goto done;
    }
    const char *p = PyUnicode_AsUTF8(path_obj);
    if (p == NULL) {
        goto done;
    }
    path = mlc_fs_abspath(p);
    if (path == NULL) {
        mlc_raise_errno(st, errno, "Failed to resolve", p);
        goto done;
    }
    int exists = mlc_fs_exists(path);
    if (exists < 0) {
        mlc_raise_errno(st, errno, "Failed to inspect", path);
        goto done;
    }
    if (exists) {
        int empty = mlc_fs_isdir(path) == 1 ? mlc_fs_dir_is_empty(path) : 0;
        if (empty != 1) {
            mlc_raise(st->MlflowException, MLC_RESOURCE_ALREADY_EXISTS,
                      "Path '%s' already exists and is not empty", path);
            goto done;
        }
    }
    else {
        char *parent = strdup(path);
        if (parent == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        char *slash = strrchr(parent, '/');
        if (slash != NULL && slash != parent) {
            *slash = '\0';
            if (mlc_fs_makedirs(parent) < 0) {
                mlc_raise_errno(st, errno, "Failed to create directory", parent);
                free(parent);
                goto done;
            }
        }
        free(parent);
    }
    tmp = mlc_fs_temp_sibling_dir(path);
    if (tmp == NULL) {
        mlc_raise_errno(st, errno, "Failed to create a temporary directory beside", path);
        goto done;
    }

    /* The pickle first: it is what most often fails, and it fails before anything shows. */
    data_path = mlc_fs_join(tmp, "model.statsmodels");
    if (data_path == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (write_data_file(st, results, data_path, path, remove_data) < 0) {
        goto done;
    }
    if (!remove_data && mlc_autolog_saving() && large_model_warning(st, data_path) < 0) {
        goto done;
    }
    if (has_code && copy_into(st, a[SA_CODE], tmp, "code", "code path", NULL) < 0) {
        goto done;
    }
    if (!mlc_is_none(a[SA_MLMODEL])) {
        model = Py_NewRef(a[SA_MLMODEL]);
    }
    else if ((model = mlc_model_new(st)) == NULL) {
        goto done;
    }
    if (!mlc_is_none(a[SA_EXAMPLE]) && save_example(st, model, a[SA_EXAMPLE], tmp) < 0) {
        goto done;
    }
    if (mlc_is_none(sig) && !mlc_is_none(a[SA_EXAMPLE])) {
        inferred = signature_from_example(st, results, a[SA_EXAMPLE]);
        if (inferred == NULL) {
            goto done;
        }
        sig = inferred;
    }
    if (!mlc_is_none(sig) && sig != Py_False && mlc_model_set(model, "signature", sig) < 0) {
        goto done;
    }
    if (!mlc_is_none(a[SA_METADATA]) && mlc_model_set(model, "metadata", a[SA_METADATA]) < 0) {
        goto done;
    }
    if (has_extra) {
        extra_cfg = PyList_New(0);
        if (extra_cfg == NULL ||
            copy_into(st, a[SA_EXTRA_FILES], tmp, "extra_files", "extra file", extra_cfg) < 0) {
            goto done;
        }
    }
    if (add_flavors(st, model, sm_version, has_code, extra_cfg) < 0) {
        goto done;
    }
    long long total = mlc_fs_tree_size(tmp);
    if (total < 0) {
        mlc_raise_errno(st, errno, "Failed to measure", tmp);
        goto done;
    }
    if (total > 0) {
        size = PyLong_FromLongLong(total);
        if (size == NULL || mlc_model_set(model, "model_size_bytes", size) < 0) {
            goto done;
        }
    }
    PyObject *d = mlc_model_to_dict(st, model);
    text = d ? mlc_yaml_dump(st, d, 1) : NULL;
    Py_XDECREF(d);
    if (text == NULL || mlc_write_text(st, tmp, "MLmodel", text) < 0) {
        goto done;
    }
    if (mlc_env_write(st, tmp, data_path, a[SA_CONDA], a[SA_PIP], a[SA_EXTRA_PIP]) < 0) {
        goto done;
    }
    /* Publish: mkdtemp made the directory 0700; give it the mode mkdir would. */
    mode_t mask = umask(0);
    umask(mask);
    if (chmod(tmp, 0777 & ~mask) < 0 || rename(tmp, path) < 0) {
        int err = errno;
        if (err == ENOTEMPTY || err == EEXIST) {
            mlc_raise(st->MlflowException, MLC_RESOURCE_ALREADY_EXISTS,
                      "Path '%s' already exists and is not empty", path);
        }
        else {
            mlc_raise_errno(st, err, "Failed to move the saved model into place at", path);
        }
        goto done;
    }
    free(tmp);
    tmp = NULL;
    result = Py_NewRef(Py_None);
done:
    if (tmp != NULL) {
        PyObject *exc = PyErr_GetRaisedException();
        (void)mlc_fs_rmtree(tmp);
        PyErr_SetRaisedException(exc);
        free(tmp);
    }
    free(path);
    free(data_path);
    Py_XDECREF(path_obj);
    Py_XDECREF(model);
    Py_XDECREF(sm_version);
    Py_XDECREF(size);
    Py_XDECREF(extra_cfg);
    Py_XDECREF(text);
    Py_XDECREF(inferred);
    return result;
}
