/* enforce.c: MLflow 3.x schema enforcement (_enforce_schema) in C. Owns container
 * normalisation, column presence/order checks, the per-column DataType rules (NumPy dtype
 * decisions and casts), tensor shape/dtype checks and 3.x composite types. Reads the schema
 * structs of schema.h; never parses JSON and never touches libyaml. */
#include "enforce.h"

#include "args.h"
#include "errors.h"
#include "schema.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- small helpers */

#define MLC_ENF_ERR(st, ...) mlc_raise((st)->MlflowException, MLC_INVALID_PARAMETER_VALUE, __VA_ARGS__)

/* Returns a new reference to the numpy dtype MLflow's DataType.to_numpy() gives. */
static PyObject *
datatype_to_numpy(mlc_dtype dt)
{
    PyArray_Descr *d = NULL;
    switch (dt) {
    case MLC_DT_BOOLEAN:
        d = PyArray_DescrFromType(NPY_BOOL);
        break;
    case MLC_DT_INTEGER:
        d = PyArray_DescrFromType(NPY_INT32);
        break;
    case MLC_DT_LONG:
        d = PyArray_DescrFromType(NPY_INT64);
        break;
    case MLC_DT_FLOAT:
        d = PyArray_DescrFromType(NPY_FLOAT32);
        break;
    case MLC_DT_DOUBLE:
        d = PyArray_DescrFromType(NPY_FLOAT64);
        break;
    case MLC_DT_STRING:
        d = PyArray_DescrNewFromType(NPY_UNICODE); /* <U0 */
        break;
    case MLC_DT_BINARY:
        d = PyArray_DescrNewFromType(NPY_STRING); /* |S0 */
        break;
    case MLC_DT_DATETIME: {
        PyObject *spec = PyUnicode_FromString("M8[ns]");
        if (spec == NULL) {
            return NULL;
        }
        if (!PyArray_DescrConverter(spec, &d)) {
            d = NULL;
        }
        Py_DECREF(spec);
        break;
    }
    default:
        PyErr_SetString(PyExc_SystemError, "not a DataType");
        return NULL;
    }
    return (PyObject *)d;
}

/* numpy.isscalar(x) for the types that reach enforcement. */
static int
is_scalar(PyObject *x)
{
    return PyLong_Check(x) || PyFloat_Check(x) || PyUnicode_Check(x) || PyBytes_Check(x) ||
           PyBool_Check(x) || PyComplex_Check(x) || PyArray_IsScalar(x, Generic);
}

/* Returns a new reference to the pandas class `name` ("DataFrame", "Series"). */
static PyObject *
pandas_class(mlc_state *st, const char *name)
{
    if (strcmp(name, "DataFrame") == 0) {
        return mlc_lazy_attr(&st->DataFrame, "pandas", "DataFrame");
    }
    return mlc_lazy_attr(&st->Series, "pandas", "Series");
}

/* 1 when o is an instance of pandas.<name>, 0 when not, -1 on error. */
static int
is_pandas(mlc_state *st, PyObject *o, const char *name)
{
    PyObject *cls = pandas_class(st, name);
    if (cls == NULL) {
        return -1;
    }
    int r = PyObject_IsInstance(o, cls);
    Py_DECREF(cls);
    return r;
}

/* Returns a new reference: getattr(pandas.api.types / pandas, ...) helper for dtype classes. */
static int
is_pandas_dtype(PyObject *dtype, const char *cls_name)
{
    PyObject *pd = PyImport_ImportModule("pandas");
    if (pd == NULL) {
        return -1;
    }
    PyObject *cls = PyObject_GetAttrString(pd, cls_name);
    Py_DECREF(pd);
    if (cls == NULL) {
        return -1;
    }
    int r = PyObject_IsInstance(dtype, cls);
    Py_DECREF(cls);
    return r;
}

/* Returns a new reference: pd.DataFrame(arg[, **kw]). */
static PyObject *
make_frame(mlc_state *st, PyObject *arg, PyObject *kw)
{
    PyObject *cls = pandas_class(st, "DataFrame");
    if (cls == NULL) {
        return NULL;
    }
    PyObject *pos = PyTuple_Pack(1, arg);
    PyObject *r = pos ? PyObject_Call(cls, pos, kw) : NULL;
    Py_XDECREF(pos);
    Py_DECREF(cls);
    return r;
}

/* Returns a new reference: list(df.columns). */
static PyObject *
frame_columns(PyObject *df)
{
    PyObject *cols = PyObject_GetAttrString(df, "columns");
    if (cols == NULL) {
        return NULL;
    }
    PyObject *l = PySequence_List(cols);
    Py_DECREF(cols);
    return l;
}

/* ---------------------------------------------------------------- one column */

/* Per-column facts about a pandas Series' dtype. */
typedef struct {
    PyObject *dtype;     /* borrowed from the series being looked at (held by caller) */
    int is_numpy;        /* a numpy dtype (not a pandas extension dtype) */
    char kind;           /* dtype.kind */
    Py_ssize_t itemsize; /* dtype.itemsize, -1 when unknown */
} col_dtype;

/* Fills info for series (info->dtype is a new reference the caller releases). 0 or -1. */
static int
read_dtype(PyObject *series, col_dtype *info)
{
    info->dtype = PyObject_GetAttrString(series, "dtype");
    if (info->dtype == NULL) {
        return -1;
    }
    info->is_numpy = PyArray_DescrCheck(info->dtype);
    info->itemsize = -1;
    if (info->is_numpy) {
        PyArray_Descr *d = (PyArray_Descr *)info->dtype;
        info->kind = d->kind;
        info->itemsize = (Py_ssize_t)PyDataType_ELSIZE(d);
        return 0;
    }
    PyObject *k = NULL, *sz = NULL;
    if (PyObject_GetOptionalAttrString(info->dtype, "kind", &k) < 0) {
        return -1;
    }
    info->kind = 'O';
    if (k != NULL && PyUnicode_Check(k) && PyUnicode_GET_LENGTH(k) == 1) {
        info->kind = (char)PyUnicode_READ_CHAR(k, 0);
    }
    Py_XDECREF(k);
    if (PyObject_GetOptionalAttrString(info->dtype, "itemsize", &sz) < 0) {
        PyErr_Clear();
    }
    if (sz != NULL && PyLong_Check(sz)) {
        info->itemsize = PyLong_AsSsize_t(sz);
    }
    Py_XDECREF(sz);
    return 0;
}

/* 1 when the series holds any missing value (series.hasnans), -1 on error. */
static int
has_nans(PyObject *series)
{
    PyObject *v = PyObject_GetAttrString(series, "hasnans");
    if (v == NULL) {
        return -1;
    }
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

/* Returns a new reference: series.astype(target) (errors raise). */
static PyObject *
astype(PyObject *series, PyObject *target)
{
    return PyObject_CallMethod(series, "astype", "O", target);
}

/* Returns a new reference to a contiguous array of `type` holding the series' values. */
static PyObject *
values_as(PyObject *series, int type)
{
    PyObject *vals = PyObject_CallMethod(series, "to_numpy", NULL);
    if (vals == NULL) {
        return NULL;
    }
    PyObject *arr = PyArray_FROM_OTF(vals, type, NPY_ARRAY_IN_ARRAY);
    Py_DECREF(vals);
    return arr;
}

/* 1 when every int64 value is 0 or 1, 0 when not, -1 on error. */
static int
all_zero_or_one(PyObject *series)
{
    PyObject *arr = values_as(series, NPY_INT64);
    if (arr == NULL) {
        return -1;
    }
    const npy_int64 *p = (const npy_int64 *)PyArray_DATA((PyArrayObject *)arr);
    npy_intp n = PyArray_SIZE((PyArrayObject *)arr);
    int ok = 1;
    for (npy_intp i = 0; i < n && ok; i++) {
        ok = p[i] == 0 || p[i] == 1;
    }
    Py_DECREF(arr);
    return ok;
}

/* 1 when every non-NaN float64 value is integral, 0 when not, -1 on error. */
static int
all_integral(PyObject *series)
{
    PyObject *arr = values_as(series, NPY_FLOAT64);
    if (arr == NULL) {
        return -1;
    }
    const double *p = (const double *)PyArray_DATA((PyArrayObject *)arr);
    npy_intp n = PyArray_SIZE((PyArrayObject *)arr);
    int ok = 1;
    for (npy_intp i = 0; i < n && ok; i++) {
        ok = isnan(p[i]) || (isfinite(p[i]) && p[i] == floor(p[i]));
    }
    Py_DECREF(arr);
    return ok;
}

/* Replaces the pending conversion error by MLflow's "Failed to convert column <name> from
 * type <dtype> to <DataType.x>." MlflowException, keeping the original as __cause__. */
static void
raise_convert_failed(mlc_state *st, PyObject *name, PyObject *dtype, PyObject *member)
{
    PyObject *cause = PyErr_GetRaisedException();
    mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
              "Failed to convert column %S from type %S to %S.", name, dtype, member);
    PyObject *exc = PyErr_GetRaisedException();
    if (exc != NULL && cause != NULL) {
        PyException_SetCause(exc, cause); /* steals */
        cause = NULL;
    }
    Py_XDECREF(cause);
    PyErr_SetRaisedException(exc);
}

static const char INT_NAN_HINT[] =
    " Hint: the type mismatch is likely caused by missing values. Integer columns in python can "
    "not represent missing values and are therefore encoded as floats. The best way to avoid "
    "this problem is to infer the model schema based on a realistic data sample (training "
    "dataset) that includes missing values. Alternatively, you can declare integer columns as "
    "doubles (float64) whenever these columns may have missing values. See `Handling Integers "
    "With Missing Values <https://www.mlflow.org/docs/latest/models.html#"
    "handling-integers-with-missing-values>`_ for more details.";

/* Returns a new reference: the column made to conform to DataType dt (MLflow's
 * _enforce_mlflow_datatype, with the Q11/Q42 fixes). `name` is the label for messages;
 * `required` is the ColSpec's flag (nullable pandas columns with NA pass on optional ones). */
static PyObject *
enforce_datatype_column(mlc_state *st, PyObject *name, PyObject *series, mlc_dtype dt,
                        int required)
{
    col_dtype info = {NULL, 0, 0, -1};
    PyObject *target = NULL, *result = NULL, *member = NULL;
    PyObject *cur = Py_NewRef(series);
    if (read_dtype(cur, &info) < 0) {
        goto done;
    }
    member = Py_NewRef(PyTuple_GET_ITEM(st->dt_members, dt));
    target = datatype_to_numpy(dt);
    if (target == NULL) {
        goto done;
    }
    /* fast path: already the target dtype */
    if (info.is_numpy && dt != MLC_DT_STRING && dt != MLC_DT_BINARY &&
        PyArray_EquivTypes((PyArray_Descr *)info.dtype, (PyArray_Descr *)target)) {
        result = Py_NewRef(cur);
        goto done;
    }
    /* 1. object columns of numbers become numeric first */
    if (info.is_numpy && info.kind == 'O' && dt != MLC_DT_BINARY && dt != MLC_DT_STRING) {
        Py_SETREF(cur, PyObject_CallMethod(cur, "infer_objects", NULL));
        Py_CLEAR(info.dtype);
        if (cur == NULL || read_dtype(cur, &info) < 0) {
            goto done;
        }
        if (info.is_numpy &&
            PyArray_EquivTypes((PyArray_Descr *)info.dtype, (PyArray_Descr *)target)) {
            result = Py_NewRef(cur);
            goto done;
        }
    }
    int is_strdtype = info.is_numpy ? 0 : is_pandas_dtype(info.dtype, "StringDtype");
    if (is_strdtype < 0) {
        goto done;
    }
    /* 2./3. strings: object or pandas string columns pass (and binary accepts them too) */
    if (dt == MLC_DT_STRING || dt == MLC_DT_BINARY) {
        if ((info.is_numpy && info.kind == 'O') || is_strdtype) {
            result = Py_NewRef(cur);
            goto done;
        }
        if (dt == MLC_DT_STRING && !info.is_numpy) {
            /* Q11 fix: a category column of strings is a string column */
            int is_cat = is_pandas_dtype(info.dtype, "CategoricalDtype");
            if (is_cat < 0) {
                goto done;
            }
            if (is_cat) {
                PyObject *cats = PyObject_GetAttrString(info.dtype, "categories");
                PyObject *cd = cats ? PyObject_GetAttrString(cats, "dtype") : NULL;
                Py_XDECREF(cats);
                if (cd == NULL) {
                    goto done;
                }
                int ok = (PyArray_DescrCheck(cd) && ((PyArray_Descr *)cd)->kind == 'O') ||
                         is_pandas_dtype(cd, "StringDtype") == 1;
                Py_DECREF(cd);
                if (ok) {
                    result = Py_NewRef(cur);
                    goto done;
                }
            }
        }
    }
    /* 4. bytes of any length are binary */
    if (dt == MLC_DT_BINARY && info.kind == 'S') {
        result = Py_NewRef(cur);
        goto done;
    }
    /* 5. any datetime precision becomes ns */
    if (dt == MLC_DT_DATETIME && info.kind == 'M') {
        result = astype(cur, target);
        if (result == NULL && PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyObject *cause = PyErr_GetRaisedException();
            MLC_ENF_ERR(st,
                        "Please ensure that the input data of datetime column only contains "
                        "timezone-naive datetime objects. Error: %S",
                        cause);
            Py_DECREF(cause);
        }
        goto done;
    }
    /* 6. objects (dates, ISO strings) to datetime */
    if (dt == MLC_DT_DATETIME && info.is_numpy && info.kind == 'O') {
        result = astype(cur, target);
        if (result == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
            raise_convert_failed(st, name, info.dtype, member);
        }
        goto done;
    }
    /* 7. booleans with None stay objects (converting would turn None into False) */
    if (dt == MLC_DT_BOOLEAN && info.is_numpy && info.kind == 'O') {
        result = Py_NewRef(cur);
        goto done;
    }
    /* 8. any remaining object column to double goes through pd.to_numeric */
    if (dt == MLC_DT_DOUBLE && info.is_numpy && info.kind == 'O') {
        PyObject *pd = PyImport_ImportModule("pandas");
        result = pd ? PyObject_CallMethod(pd, "to_numeric", "O", cur) : NULL;
        Py_XDECREF(pd);
        if (result == NULL && (PyErr_ExceptionMatches(PyExc_ValueError) ||
                               PyErr_ExceptionMatches(PyExc_TypeError))) {
            raise_convert_failed(st, name, info.dtype, member);
        }
        goto done;
    }
    /* 9. upcasts */
    {
        PyArray_Descr *t = (PyArray_Descr *)target;
        Py_ssize_t tsize = (Py_ssize_t)PyDataType_ELSIZE(t);
        int upcast = 0;
        if (info.itemsize >= 0) {
            if (info.kind == t->kind) {
                upcast = info.itemsize <= tsize;
            }
            else if (info.kind == 'u' && t->kind == 'i') {
                upcast = info.itemsize < tsize;
            }
            else if ((info.kind == 'i' || info.kind == 'u') && t->type_num == NPY_FLOAT64) {
                upcast = info.itemsize <= 6;
            }
        }
        if (upcast && !info.is_numpy && strchr("iub", info.kind) != NULL &&
            t->kind != 'f') {
            /* pandas nullable column (Int64, boolean, ...) holding NA (Q42 fix): an optional
             * column keeps its nullable values; a required one gets a clear message instead of
             * pandas' raw "cannot convert NA to integer". */
            int nans = has_nans(cur);
            if (nans < 0) {
                goto done;
            }
            if (nans && !required) {
                result = Py_NewRef(cur);
                goto done;
            }
            if (nans) {
                mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                          "Incompatible input types for column %S. Can not safely convert %S "
                          "with missing values to %S.",
                          name, info.dtype, target);
                goto done;
            }
        }
        if (upcast) {
            result = astype(cur, target);
            goto done;
        }
        /* 10. int64 of only 0/1 to float/double */
        if (info.is_numpy && ((PyArray_Descr *)info.dtype)->type_num == NPY_INT64 &&
            (t->type_num == NPY_FLOAT32 || t->type_num == NPY_FLOAT64)) {
            int ok = all_zero_or_one(cur);
            if (ok < 0) {
                goto done;
            }
            if (ok) {
                result = astype(cur, target);
                goto done;
            }
        }
        /* 11. anything else is incompatible */
        const char *hint = "";
        if (info.is_numpy && ((PyArray_Descr *)info.dtype)->type_num == NPY_FLOAT64 &&
            (t->kind == 'i' || t->kind == 'u')) {
            int nans = has_nans(cur);
            int ints = nans > 0 ? all_integral(cur) : 0;
            if (nans < 0 || ints < 0) {
                goto done;
            }
            if (nans && ints) {
                hint = INT_NAN_HINT;
            }
        }
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Incompatible input types for column %S. Can not safely convert %S to %S.%s",
                  name, info.dtype, target, hint);
    }
done:
    Py_XDECREF(info.dtype);
    Py_XDECREF(target);
    Py_XDECREF(member);
    Py_XDECREF(cur);
    return result;
}

/* ---------------------------------------------------------------- composite values (3.x) */

static PyObject *enforce_value(mlc_state *st, PyObject *data, PyObject *type, int required);

/* 1 when data is None or a float NaN. */
static int
none_or_nan(PyObject *data)
{
    if (data == Py_None) {
        return 1;
    }
    if (PyFloat_Check(data)) {
        return isnan(PyFloat_AS_DOUBLE(data));
    }
    return 0;
}

/* Returns a new reference: pd.Series(values) (values: a list or one scalar). */
static PyObject *
make_series(mlc_state *st, PyObject *values)
{
    PyObject *cls = pandas_class(st, "Series");
    if (cls == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallOneArg(cls, values);
    Py_DECREF(cls);
    return r;
}

/* MLflow's _enforce_datatype: one scalar through the column rules. */
static PyObject *
enforce_scalar(mlc_state *st, PyObject *data, PyObject *member, int required)
{
    if (!required && none_or_nan(data)) {
        Py_RETURN_NONE;
    }
    mlc_dtype dt = mlc_datatype_value(st, member);
    if (!is_scalar(data)) {
        return MLC_ENF_ERR(st, "Expected data to be scalar, got %s", Py_TYPE(data)->tp_name);
    }
    PyObject *series = make_series(st, data);
    if (series == NULL) {
        return NULL;
    }
    PyObject *empty = PyUnicode_FromString("");
    PyObject *out = empty ? enforce_datatype_column(st, empty, series, dt, 1) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(series);
    if (out == NULL) {
        if (PyErr_ExceptionMatches(st->MlflowException)) {
            PyObject *cause = PyErr_GetRaisedException();
            PyObject *nm = PyObject_GetAttrString(member, "name");
            if (nm != NULL) {
                MLC_ENF_ERR(st, "Failed to enforce schema of data `%S` with dtype `%S`", data, nm);
                Py_DECREF(nm);
            }
            Py_XDECREF(cause);
        }
        return NULL;
    }
    PyObject *iloc = PyObject_GetAttrString(out, "iloc");
    PyObject *zero = PyLong_FromLong(0);
    PyObject *v = (iloc && zero) ? PyObject_GetItem(iloc, zero) : NULL;
    Py_XDECREF(iloc);
    Py_XDECREF(zero);
    Py_DECREF(out);
    return v;
}

/* MLflow's _enforce_array. */
static PyObject *
enforce_array(mlc_state *st, PyObject *data, ArrayObject *arr, int required)
{
    int item_any = PyObject_TypeCheck(arr->dtype, (PyTypeObject *)st->AnyTypeType);
    int is_list = PyList_Check(data), is_nd = PyArray_Check(data);
    if (!required || item_any) {
        if (data == Py_None || ((is_list || is_nd) && PyObject_Length(data) == 0)) {
            return Py_NewRef(data);
        }
    }
    if (!is_list && !is_nd) {
        return MLC_ENF_ERR(st, "Expected data to be list or numpy array, got %s",
                           Py_TYPE(data)->tp_name);
    }
    mlc_dtype item_dt = mlc_datatype_value(st, arr->dtype);
    if (item_dt != MLC_DT_NONE) {
        /* the whole array goes through the column rules at once, as MLflow does it */
        Py_ssize_t n = PyObject_Length(data);
        if (n <= 0) {
            return n < 0 ? NULL : Py_NewRef(data);
        }
        PyObject *series = make_series(st, data);
        PyObject *empty = series ? PyUnicode_FromString("") : NULL;
        PyObject *col = empty ? enforce_datatype_column(st, empty, series, item_dt, 1) : NULL;
        PyObject *target = col ? datatype_to_numpy(item_dt) : NULL;
        PyObject *kw = target ? Py_BuildValue("{sO}", "dtype", target) : NULL;
        PyObject *fn = kw ? PyObject_GetAttrString(col, "to_numpy") : NULL;
        PyObject *out = fn ? PyObject_Call(fn, st->empty_tuple, kw) : NULL;
        Py_XDECREF(series);
        Py_XDECREF(empty);
        Py_XDECREF(col);
        Py_XDECREF(target);
        Py_XDECREF(kw);
        Py_XDECREF(fn);
        if (out != NULL && is_list) {
            Py_SETREF(out, PyObject_CallMethod(out, "tolist", NULL));
        }
        return out;
    }
    PyObject *items = PySequence_List(data);
    if (items == NULL) {
        return NULL;
    }
    PyObject *out = PyList_New(PyList_GET_SIZE(items));
    for (Py_ssize_t i = 0; out != NULL && i < PyList_GET_SIZE(items); i++) {
        PyObject *v = enforce_value(st, PyList_GET_ITEM(items, i), arr->dtype, 1);
        if (v == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, v); /* steals */
    }
    Py_DECREF(items);
    if (out != NULL && is_nd) {
        Py_SETREF(out, PyArray_FROM_O(out));
    }
    return out;
}

/* MLflow's _enforce_object. */
static PyObject *
enforce_object(mlc_state *st, PyObject *data, ObjectObject *obj, int required)
{
    if (!required && (data == Py_None || (PyDict_Check(data) && PyDict_GET_SIZE(data) == 0))) {
        return Py_NewRef(data);
    }
    if (!PyDict_Check(data)) {
        return MLC_ENF_ERR(st,
                           "Failed to enforce schema of '%S' with type '%S'. Expected data to be "
                           "dictionary, got %s",
                           data, (PyObject *)obj, Py_TYPE(data)->tp_name);
    }
    PyObject *props = PyDict_New(), *missing = PySet_New(NULL), *invalid = PySet_New(NULL);
    PyObject *result = NULL;
    if (props == NULL || missing == NULL || invalid == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(obj->properties); i++) {
        PropertyObject *p = (PropertyObject *)PyList_GET_ITEM(obj->properties, i);
        if (PyDict_SetItem(props, p->name, (PyObject *)p) < 0) {
            goto done;
        }
        if (p->required) {
            int has = PyDict_Contains(data, p->name);
            if (has < 0 || (!has && PySet_Add(missing, p->name) < 0)) {
                goto done;
            }
        }
    }
    if (PySet_GET_SIZE(missing) > 0) {
        MLC_ENF_ERR(st, "Missing required properties: %R", missing);
        goto done;
    }
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(data, &pos, &k, &v)) {
        int has = PyDict_Contains(props, k);
        if (has < 0 || (!has && PySet_Add(invalid, k) < 0)) {
            goto done;
        }
    }
    if (PySet_GET_SIZE(invalid) > 0) {
        MLC_ENF_ERR(st, "Invalid properties not defined in the schema found: %R", invalid);
        goto done;
    }
    pos = 0;
    while (PyDict_Next(data, &pos, &k, &v)) {
        PropertyObject *p = (PropertyObject *)PyDict_GetItemWithError(props, k); /* borrowed */
        if (p == NULL) {
            goto done;
        }
        PyObject *nv = enforce_value(st, v, p->dtype, p->required);
        if (nv == NULL) {
            if (PyErr_ExceptionMatches(st->MlflowException)) {
                PyObject *cause = PyErr_GetRaisedException();
                PyObject *pd = PyObject_CallMethod((PyObject *)p, "to_dict", NULL);
                PyObject *entry = pd ? PyObject_GetItem(pd, k) : NULL;
                PyObject *tname = NULL;
                if (entry != NULL && PyDict_Check(entry)) {
                    (void)PyDict_GetItemStringRef(entry, "type", &tname);
                }
                if (tname != NULL) {
                    MLC_ENF_ERR(st,
                                "Failed to enforce schema for key `%S`. Expected type %S, "
                                "received type %s",
                                k, tname, Py_TYPE(v)->tp_name);
                    PyObject *exc = PyErr_GetRaisedException();
                    PyException_SetCause(exc, cause); /* steals */
                    cause = NULL;
                    PyErr_SetRaisedException(exc);
                }
                Py_XDECREF(cause);
                Py_XDECREF(pd);
                Py_XDECREF(entry);
                Py_XDECREF(tname);
            }
            goto done;
        }
        int rc = PyDict_SetItem(data, k, nv); /* MLflow updates the dict in place */
        Py_DECREF(nv);
        if (rc < 0) {
            goto done;
        }
    }
    result = Py_NewRef(data);
done:
    Py_XDECREF(props);
    Py_XDECREF(missing);
    Py_XDECREF(invalid);
    return result;
}

/* MLflow's _enforce_map. */
static PyObject *
enforce_map(mlc_state *st, PyObject *data, ArrayObject *map, int required)
{
    int value_any = PyObject_TypeCheck(map->dtype, (PyTypeObject *)st->AnyTypeType);
    if ((!required || value_any) &&
        (data == Py_None || (PyDict_Check(data) && PyDict_GET_SIZE(data) == 0))) {
        return Py_NewRef(data);
    }
    if (!PyDict_Check(data)) {
        return MLC_ENF_ERR(st, "Expected data to be a dict, got %s", Py_TYPE(data)->tp_name);
    }
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(data, &pos, &k, &v)) {
        if (!PyUnicode_Check(k)) {
            return MLC_ENF_ERR(st, "Expected all keys in the map type data are string type.");
        }
    }
    PyObject *out = PyDict_New();
    pos = 0;
    while (out != NULL && PyDict_Next(data, &pos, &k, &v)) {
        PyObject *nv = enforce_value(st, v, map->dtype, required);
        if (nv == NULL || PyDict_SetItem(out, k, nv) < 0) {
            Py_XDECREF(nv);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(nv);
    }
    return out;
}

/* MLflow's _enforce_type: dispatch on the type object. */
static PyObject *
enforce_value(mlc_state *st, PyObject *data, PyObject *type, int required)
{
    if (mlc_datatype_value(st, type) != MLC_DT_NONE) {
        return enforce_scalar(st, data, type, required);
    }
    if (Py_EnterRecursiveCall(" while enforcing a nested schema")) {
        return NULL;
    }
    PyObject *r;
    if (PyObject_TypeCheck(type, (PyTypeObject *)st->ArrayType)) {
        r = enforce_array(st, data, (ArrayObject *)type, required);
    }
    else if (PyObject_TypeCheck(type, (PyTypeObject *)st->ObjectType)) {
        r = enforce_object(st, data, (ObjectObject *)type, required);
    }
    else if (PyObject_TypeCheck(type, (PyTypeObject *)st->MapType)) {
        r = enforce_map(st, data, (ArrayObject *)type, required);
    }
    else if (PyObject_TypeCheck(type, (PyTypeObject *)st->AnyTypeType)) {
        r = Py_NewRef(data);
    }
    else {
        r = MLC_ENF_ERR(st, "Invalid data type: %R", type);
    }
    Py_LeaveRecursiveCall();
    return r;
}

/* Returns a new reference: a composite column enforced value by value, as a Series with the
 * frame's index and the column's name. */
static PyObject *
enforce_composite_column(mlc_state *st, PyObject *name, PyObject *series, PyObject *type,
                         int required, PyObject *index)
{
    PyObject *items = PySequence_List(series);
    PyObject *out = NULL, *cls = NULL, *kw = NULL, *pos = NULL, *result = NULL;
    if (items == NULL) {
        return NULL;
    }
    out = PyList_New(PyList_GET_SIZE(items));
    for (Py_ssize_t i = 0; out != NULL && i < PyList_GET_SIZE(items); i++) {
        PyObject *v = enforce_value(st, PyList_GET_ITEM(items, i), type, required);
        if (v == NULL) {
            goto done;
        }
        PyList_SET_ITEM(out, i, v); /* steals */
    }
    if (out == NULL) {
        goto done;
    }
    cls = pandas_class(st, "Series");
    kw = Py_BuildValue("{sOsOss}", "index", index, "name", name, "dtype", "object");
    pos = PyTuple_Pack(1, out);
    if (cls != NULL && kw != NULL && pos != NULL) {
        result = PyObject_Call(cls, pos, kw);
    }
done:
    Py_XDECREF(items);
    Py_XDECREF(out);
    Py_XDECREF(cls);
    Py_XDECREF(kw);
    Py_XDECREF(pos);
    return result;
}

/* Returns a new reference: one input column enforced against its ColSpec. */
static PyObject *
enforce_colspec(mlc_state *st, PyObject *df, PyObject *label, PyObject *series,
                ColSpecObject *spec)
{
    PyObject *r;
    if (spec->kind == MLC_KIND_DATATYPE) {
        r = enforce_datatype_column(st, label, series, spec->dtype, spec->required);
    }
    else {
        PyObject *index = PyObject_GetAttrString(df, "index");
        r = index ? enforce_composite_column(st, label, series, spec->type, spec->required,
                                             index)
                  : NULL;
        Py_XDECREF(index);
    }
    return r;
}

/* ---------------------------------------------------------------- column schemas */

/* Returns a new reference: the frame built from `labels` -> `columns` (both lists) without
 * copying column data, or -- when the caller allows aliasing (predict hands the frame straight
 * to the model) -- df itself when every column came back unchanged in df's own order. */
static PyObject *
assemble_frame(mlc_state *st, PyObject *df, PyObject *cols, PyObject *labels,
               PyObject *columns, int all_unchanged, int may_alias)
{
    if (all_unchanged && may_alias) {
        int same = PyObject_RichCompareBool(cols, labels, Py_EQ);
        if (same < 0) {
            return NULL;
        }
        if (same) {
            return Py_NewRef(df); /* zero copy */
        }
    }
    PyObject *d = PyDict_New(), *kw = NULL, *r = NULL;
    if (d == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(labels); i++) {
        if (PyDict_SetItem(d, PyList_GET_ITEM(labels, i), PyList_GET_ITEM(columns, i)) < 0) {
            goto done;
        }
    }
    kw = Py_BuildValue("{sO}", "copy", Py_False);
    if (kw != NULL) {
        r = make_frame(st, d, kw);
    }
done:
    Py_XDECREF(d);
    Py_XDECREF(kw);
    return r;
}

/* Returns a new reference: the dtype of every column of df, in order (one call to the
 * frame's block manager rather than one column lookup each; df.dtypes when that is not
 * available). */
static PyObject *
frame_dtypes(PyObject *df)
{
    PyObject *mgr = NULL, *dts = NULL, *list = NULL;
    if (PyObject_GetOptionalAttrString(df, "_mgr", &mgr) < 0) {
        return NULL;
    }
    if (mgr != NULL) {
        dts = PyObject_CallMethod(mgr, "get_dtypes", NULL);
        Py_DECREF(mgr);
        if (dts == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
        }
        else if (dts == NULL) {
            return NULL;
        }
    }
    if (dts == NULL) {
        dts = PyObject_GetAttrString(df, "dtypes");
        if (dts == NULL) {
            return NULL;
        }
    }
    list = PySequence_List(dts);
    Py_DECREF(dts);
    return list;
}

/* 1 when a column of dtype `dtype` passes DataType `dt` unchanged by a plain dtype test (a
 * numpy dtype equal to the target; object for string and binary), 0 when the full rules must
 * run. */
static int
dtype_conforms(PyObject *dtype, mlc_dtype dt, PyObject **targets)
{
    if (!PyArray_DescrCheck(dtype)) {
        return 0;
    }
    PyArray_Descr *d = (PyArray_Descr *)dtype;
    if (dt == MLC_DT_STRING || dt == MLC_DT_BINARY) {
        return d->type_num == NPY_OBJECT;
    }
    if (targets[dt] == NULL) {
        targets[dt] = datatype_to_numpy(dt);
        if (targets[dt] == NULL) {
            PyErr_Clear();
            return 0;
        }
    }
    return PyArray_EquivTypes(d, (PyArray_Descr *)targets[dt]);
}

/* The fast path: 1 when every schema column is present in df with a dtype that needs no
 * change (then *in_order tells whether they are exactly df's columns, in df's order), 0 when
 * the column-by-column rules must run, -1 on error. */
static int
columns_conform(PyObject *df, PyObject *cols, SchemaObject *schema, int *in_order)
{
    PyObject *dtypes = NULL, *pos = NULL;
    PyObject *targets[MLC_DT_DATETIME + 1] = {NULL};
    int result = -1;
    *in_order = 0;
    dtypes = frame_dtypes(df);
    if (dtypes == NULL) {
        goto done;
    }
    Py_ssize_t ncols = PyList_GET_SIZE(cols), n = PyList_GET_SIZE(schema->inputs);
    if (PyList_GET_SIZE(dtypes) != ncols || n > ncols) {
        result = 0;
        goto done;
    }
    if (schema->has_names) {
        pos = PyDict_New();
        for (Py_ssize_t j = 0; pos != NULL && j < ncols; j++) {
            PyObject *idx = PyLong_FromSsize_t(j);
            int rc = idx == NULL ? -1 : PyDict_SetItem(pos, PyList_GET_ITEM(cols, j), idx);
            Py_XDECREF(idx);
            if (rc < 0) {
                if (PyErr_ExceptionMatches(PyExc_TypeError)) { /* unhashable label */
                    PyErr_Clear();
                    result = 0;
                }
                goto done;
            }
        }
        if (pos == NULL) {
            goto done;
        }
        if (PyDict_GET_SIZE(pos) != ncols) { /* duplicate labels: the full rules decide */
            result = 0;
            goto done;
        }
    }
    int ordered = n == ncols;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(schema->inputs, i);
        if (!PyObject_TypeCheck(item, Py_TYPE(PyList_GET_ITEM(schema->inputs, 0)))) {
            result = 0;
            goto done;
        }
        ColSpecObject *spec = (ColSpecObject *)item;
        Py_ssize_t j = i;
        if (schema->has_names) {
            PyObject *idx = NULL;
            if (PyDict_GetItemRef(pos, spec->name, &idx) < 0) {
                if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
                    goto done;
                }
                PyErr_Clear();
            }
            if (idx == NULL) {
                result = 0;
                goto done;
            }
            j = PyLong_AsSsize_t(idx);
            Py_DECREF(idx);
        }
        if (spec->kind != MLC_KIND_DATATYPE ||
            !dtype_conforms(PyList_GET_ITEM(dtypes, j), spec->dtype, targets)) {
            result = 0;
            goto done;
        }
        ordered = ordered && j == i;
    }
    *in_order = ordered;
    result = 1;
done:
    for (int k = 0; k <= MLC_DT_DATETIME; k++) {
        Py_XDECREF(targets[k]);
    }
    Py_XDECREF(dtypes);
    Py_XDECREF(pos);
    return result;
}

/* Returns a borrowed reference: a pandas Index of the named schema's column names. It is kept
 * in *plan_slot as the tuple (schema, tuple(schema.inputs), index) and rebuilt only when the
 * schema or its inputs list changed: a loaded model keeps its own plan, other callers share the
 * module's. NULL with an exception on failure. */
static PyObject *
plan_names_index(mlc_state *st, SchemaObject *schema, PyObject **plan_slot)
{
    PyObject *inputs = schema->inputs;
    Py_ssize_t n = PyList_GET_SIZE(inputs);
    PyObject *plan = *plan_slot;
    if (plan != NULL && PyTuple_GET_ITEM(plan, 0) == (PyObject *)schema) {
        PyObject *specs = PyTuple_GET_ITEM(plan, 1);
        int same = PyTuple_GET_SIZE(specs) == n;
        for (Py_ssize_t i = 0; same && i < n; i++) {
            same = PyTuple_GET_ITEM(specs, i) == PyList_GET_ITEM(inputs, i);
        }
        if (same) {
            return PyTuple_GET_ITEM(plan, 2);
        }
    }
    PyObject *specs = PyList_AsTuple(inputs);
    PyObject *names = specs ? PyList_New(n) : NULL;
    for (Py_ssize_t i = 0; names != NULL && i < n; i++) {
        PyObject *spec = PyTuple_GET_ITEM(specs, i);
        if (!PyObject_TypeCheck(spec, (PyTypeObject *)st->ColSpecType)) {
            PyErr_SetString(PyExc_TypeError, "schema inputs are not all ColSpecs");
            Py_CLEAR(names);
            break;
        }
        PyList_SET_ITEM(names, i, Py_NewRef(((ColSpecObject *)spec)->name)); /* steals */
    }
    PyObject *pd = names ? PyImport_ImportModule("pandas") : NULL;
    PyObject *index = pd ? PyObject_CallMethod(pd, "Index", "O", names) : NULL;
    Py_XDECREF(pd);
    Py_XDECREF(names);
    PyObject *fresh = index ? PyTuple_Pack(3, (PyObject *)schema, specs, index) : NULL;
    Py_XDECREF(specs);
    Py_XDECREF(index);
    if (fresh == NULL) {
        return NULL;
    }
    Py_XSETREF(*plan_slot, fresh);
    return PyTuple_GET_ITEM(fresh, 2);
}

/* The fastest path, for a frame whose columns are exactly the named schema's, in order: the
 * labels are compared as one vectorised Index comparison and the dtypes read in one call, so
 * no label is ever turned into a Python object. 1 with *out set (a new reference) when it
 * applies, 0 when the general path must run, -1 on error. */
static int
exact_frame(mlc_state *st, PyObject *df, SchemaObject *schema, int may_alias,
            PyObject **plan_slot, PyObject **out)
{
    PyObject *index = NULL, *cols = NULL, *eq = NULL, *dtypes = NULL;
    PyObject *targets[MLC_DT_DATETIME + 1] = {NULL};
    int result = -1;
    *out = NULL;
    index = plan_names_index(st, schema, plan_slot);
    if (index == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_Exception)) {
            return -1;
        }
        PyErr_Clear(); /* unusual names (unhashable, mixed): the general path decides */
        return 0;
    }
    cols = PyObject_GetAttrString(df, "columns");
    eq = cols ? PyObject_CallMethod(cols, "equals", "O", index) : NULL;
    int same = eq ? PyObject_IsTrue(eq) : -1;
    if (same <= 0) {
        result = same;
        goto done;
    }
    dtypes = frame_dtypes(df);
    if (dtypes == NULL) {
        goto done;
    }
    Py_ssize_t n = PyList_GET_SIZE(schema->inputs);
    if (PyList_GET_SIZE(dtypes) != n) {
        result = 0;
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        ColSpecObject *spec = (ColSpecObject *)PyList_GET_ITEM(schema->inputs, i);
        if (spec->kind != MLC_KIND_DATATYPE ||
            !dtype_conforms(PyList_GET_ITEM(dtypes, i), spec->dtype, targets)) {
            result = 0;
            goto done;
        }
    }
    *out = may_alias ? Py_NewRef(df) : PyObject_CallMethod(df, "copy", "(O)", Py_False);
    result = *out == NULL ? -1 : 1;
done:
    for (int k = 0; k <= MLC_DT_DATETIME; k++) {
        Py_XDECREF(targets[k]);
    }
    Py_XDECREF(cols);
    Py_XDECREF(eq);
    Py_XDECREF(dtypes);
    return result;
}

/* Enforces the schema's columns (named: by name in schema order, skipping absent optional
 * ones; unnamed: the first N input columns by position). */
static PyObject *
enforce_columns(mlc_state *st, PyObject *df, PyObject *incols, SchemaObject *schema,
                int may_alias)
{
    PyObject *labels = PyList_New(0), *columns = PyList_New(0);
    PyObject *result = NULL;
    int all_unchanged = 1, in_order = 0;
    if (labels == NULL || columns == NULL) {
        goto done;
    }
    Py_ssize_t n = PyList_GET_SIZE(schema->inputs);
    int fast = columns_conform(df, incols, schema, &in_order);
    if (fast < 0) {
        goto done;
    }
    if (fast && in_order) {
        /* nothing to convert, nothing to drop or reorder: no column is looked at */
        result = may_alias ? Py_NewRef(df) : PyObject_CallMethod(df, "copy", "(O)", Py_False);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        ColSpecObject *spec = (ColSpecObject *)PyList_GET_ITEM(schema->inputs, i);
        PyObject *label = schema->has_names ? spec->name : PyList_GET_ITEM(incols, i);
        if (schema->has_names) {
            int present = PySequence_Contains(df, label);
            if (present < 0) {
                goto done;
            }
            if (!present) {
                if (spec->required) {
                    MLC_ENF_ERR(st,
                                "The input column '%S' is required by the model signature but "
                                "missing from the input data.",
                                label);
                    goto done;
                }
                continue;
            }
        }
        PyObject *in = PyObject_GetItem(df, label);
        PyObject *col = in ? enforce_colspec(st, df, label, in, spec) : NULL;
        if (col == NULL) {
            Py_XDECREF(in);
            goto done;
        }
        if (col != in) {
            all_unchanged = 0;
        }
        Py_DECREF(in);
        int rc = PyList_Append(labels, label) < 0 || PyList_Append(columns, col) < 0;
        Py_DECREF(col);
        if (rc) {
            goto done;
        }
    }
    result = assemble_frame(st, df, incols, labels, columns, all_unchanged, may_alias);
done:
    Py_XDECREF(labels);
    Py_XDECREF(columns);
    return result;
}

/* ---------------------------------------------------------------- tensors */

/* Returns a new reference: MLflow's clean_tensor_type (U<n> -> str, S<n> -> bytes). */
static PyObject *
clean_tensor_type(PyObject *dtype)
{
    if (PyArray_DescrCheck(dtype)) {
        PyArray_Descr *d = (PyArray_Descr *)dtype;
        if (d->type_num == NPY_UNICODE) {
            return (PyObject *)PyArray_DescrNewFromType(NPY_UNICODE);
        }
        if (d->type_num == NPY_STRING) {
            return (PyObject *)PyArray_DescrNewFromType(NPY_STRING);
        }
    }
    return Py_NewRef(dtype);
}

/* Returns a new reference: values (an ndarray or scipy sparse matrix) checked against spec;
 * there is no casting. */
static PyObject *
enforce_tensor_spec(mlc_state *st, PyObject *values, TensorSpecObject *spec)
{
    PyObject *shape = NULL, *dtype = NULL, *clean = NULL, *result = NULL;
    PyArray_Descr *obj = PyArray_DescrFromType(NPY_OBJECT);
    shape = PyObject_GetAttrString(values, "shape");
    if (shape == NULL || !PyTuple_Check(shape)) {
        goto done;
    }
    if (PyArray_Check(values)) {
        dtype = Py_NewRef((PyObject *)PyArray_DESCR((PyArrayObject *)values));
    }
    else {
        PyObject *data = PyObject_GetAttrString(values, "data");
        dtype = data ? PyObject_GetAttrString(data, "dtype") : NULL;
        Py_XDECREF(data);
        if (dtype == NULL) {
            goto done;
        }
    }
    Py_ssize_t nexp = PyTuple_GET_SIZE(spec->shape), nact = PyTuple_GET_SIZE(shape);
    int is_obj = PyArray_DescrCheck(dtype) && PyArray_EquivTypes((PyArray_Descr *)dtype, obj);
    int spec_obj = PyArray_DescrCheck(spec->type) &&
                   PyArray_EquivTypes((PyArray_Descr *)spec->type, obj);
    /* ragged arrays */
    if (nexp == 1 && PyLong_AsLong(PyTuple_GET_ITEM(spec->shape, 0)) == -1 && spec_obj) {
        result = Py_NewRef(values);
        goto done;
    }
    if (nexp > 1 && nact == 1 && is_obj) {
        for (Py_ssize_t i = 1; i < nexp; i++) {
            if (PyLong_AsLong(PyTuple_GET_ITEM(spec->shape, i)) == -1) {
                result = Py_NewRef(values);
                goto done;
            }
        }
    }
    int ok = nexp == nact;
    for (Py_ssize_t i = 0; ok && i < nexp; i++) {
        long e = PyLong_AsLong(PyTuple_GET_ITEM(spec->shape, i));
        long a = PyLong_AsLong(PyTuple_GET_ITEM(shape, i));
        ok = e == -1 || e == a;
    }
    if (!ok) {
        MLC_ENF_ERR(st, "Shape of input %R does not match expected shape %R.", shape,
                    spec->shape);
        goto done;
    }
    clean = clean_tensor_type(dtype);
    if (clean == NULL) {
        goto done;
    }
    int same = PyObject_RichCompareBool(clean, spec->type, Py_EQ);
    if (same < 0) {
        goto done;
    }
    if (!same) {
        MLC_ENF_ERR(st, "dtype of input %S does not match expected dtype %S", dtype, spec->type);
        goto done;
    }
    result = Py_NewRef(values);
done:
    Py_XDECREF((PyObject *)obj);
    Py_XDECREF(shape);
    Py_XDECREF(dtype);
    Py_XDECREF(clean);
    return result;
}

/* Returns a new reference: a DataFrame column turned into the tensor spec's array
 * (MLflow's _reshape_and_cast_pandas_column_values). */
static PyObject *
column_to_tensor(mlc_state *st, PyObject *name, PyObject *series, TensorSpecObject *spec)
{
    PyObject *np = NULL, *first = NULL, *arr = NULL, *shaped = NULL, *result = NULL;
    PyObject *shown = name == Py_None ? NULL : name;
    Py_ssize_t nd = PyTuple_GET_SIZE(spec->shape);
    int fixed = nd > 0 && PyLong_AsLong(PyTuple_GET_ITEM(spec->shape, 0)) == -1;
    for (Py_ssize_t i = 1; fixed && i < nd; i++) {
        fixed = PyLong_AsLong(PyTuple_GET_ITEM(spec->shape, i)) != -1;
    }
    if (!fixed) {
        if (shown != NULL) {
            return MLC_ENF_ERR(st,
                               "For pandas dataframe input, the first dimension of shape must be "
                               "a variable dimension and other dimensions must be fixed, but in "
                               "model signature the shape of input %S is %R.",
                               shown, spec->shape);
        }
        return MLC_ENF_ERR(st,
                           "For pandas dataframe input, the first dimension of shape must be a "
                           "variable dimension and other dimensions must be fixed, but in model "
                           "signature the shape of the unnamed input is %R.",
                           spec->shape);
    }
    Py_ssize_t len = PyObject_Length(series);
    if (len < 0) {
        return NULL;
    }
    if (len == 0) {
        return MLC_ENF_ERR(st, "Input DataFrame is empty.");
    }
    np = PyImport_ImportModule("numpy");
    PyObject *iloc = np ? PyObject_GetAttrString(series, "iloc") : NULL;
    PyObject *zero = iloc ? PyLong_FromLong(0) : NULL;
    first = zero ? PyObject_GetItem(iloc, zero) : NULL;
    Py_XDECREF(iloc);
    Py_XDECREF(zero);
    if (first == NULL) {
        goto done;
    }
    if (is_scalar(first)) {
        int ok = nd == 1 || (nd == 2 && PyLong_AsLong(PyTuple_GET_ITEM(spec->shape, 1)) == 1);
        if (!ok) {
            MLC_ENF_ERR(st,
                        "The input pandas dataframe column '%S' contains scalar values, which "
                        "requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of "
                        "%R.",
                        name, spec->shape);
            goto done;
        }
        PyObject *kw = Py_BuildValue("{sO}", "dtype", spec->type);
        PyObject *fn = PyObject_GetAttrString(np, "array");
        PyObject *pos = PyTuple_Pack(1, series);
        arr = (kw && fn && pos) ? PyObject_Call(fn, pos, kw) : NULL;
        Py_XDECREF(kw);
        Py_XDECREF(fn);
        Py_XDECREF(pos);
        shaped = arr ? PyObject_CallMethod(arr, "reshape", "O", spec->shape) : NULL;
        result = shaped ? enforce_tensor_spec(st, shaped, spec) : NULL;
        goto done;
    }
    int is_list = PyList_Check(first), is_nd = PyArray_Check(first);
    if (!is_list && !is_nd) {
        MLC_ENF_ERR(st, "Because the model signature requires tensor spec input, the input "
                        "pandas dataframe values should be either scalar value, python list "
                        "containing scalar values or numpy array containing scalar values, "
                        "other types are not supported.");
        goto done;
    }
    Py_ssize_t n = PyObject_Length(series);
    if (n < 0) {
        goto done;
    }
    PyObject *rows = PySequence_List(series);
    arr = rows ? PyObject_CallMethod(np, "vstack", "O", rows) : NULL;
    Py_XDECREF(rows);
    if (arr != NULL && is_list) {
        Py_SETREF(arr, PyObject_CallMethod(arr, "astype", "O", spec->type));
    }
    shaped = arr ? PyObject_CallMethod(arr, "reshape", "O", spec->shape) : NULL;
    if (shaped != NULL) {
        PyObject *sh = PyObject_GetAttrString(shaped, "shape");
        long rows0 = (sh && PyTuple_GET_SIZE(sh) > 0) ? PyLong_AsLong(PyTuple_GET_ITEM(sh, 0)) : -1;
        Py_XDECREF(sh);
        if (rows0 != (long)n) {
            Py_CLEAR(shaped);
            PyErr_SetString(PyExc_ValueError, "row count changed");
        }
    }
    if (shaped == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError) && !PyErr_ExceptionMatches(PyExc_TypeError)) {
            goto done;
        }
        PyErr_Clear();
        if (is_list) {
            MLC_ENF_ERR(st,
                        "The value in the Input DataFrame column '%S' could not be converted to "
                        "the expected shape of: '%R'. Ensure that each of the input list elements "
                        "are of uniform length and that the data can be coerced to the tensor "
                        "type '%S'",
                        name, spec->shape, spec->type);
        }
        else {
            MLC_ENF_ERR(st,
                        "The value in the Input DataFrame column '%S' could not be converted to "
                        "the expected shape of: '%R'. Ensure that each of the input numpy array "
                        "elements are of uniform length and can be reshaped to above expected "
                        "shape.",
                        name, spec->shape);
        }
        goto done;
    }
    result = is_list ? enforce_tensor_spec(st, shaped, spec) : Py_NewRef(shaped);
done:
    Py_XDECREF(np);
    Py_XDECREF(first);
    Py_XDECREF(arr);
    Py_XDECREF(shaped);
    return result;
}

/* MLflow's _enforce_tensor_schema. */
static PyObject *
enforce_tensors(mlc_state *st, PyObject *data, SchemaObject *schema)
{
    Py_ssize_t n = PyList_GET_SIZE(schema->inputs);
    int is_df = is_pandas(st, data, "DataFrame");
    if (is_df < 0) {
        return NULL;
    }
    if (schema->has_names) {
        if (!PyDict_Check(data) && !is_df) {
            return MLC_ENF_ERR(st,
                               "This model contains a tensor-based model signature with input "
                               "names, which suggests a dictionary input mapping input name to "
                               "tensor, or a pandas DataFrame input containing columns mapping "
                               "input name to flattened list value from tensor, but an input of "
                               "type %R was found.",
                               (PyObject *)Py_TYPE(data));
        }
        PyObject *out = PyDict_New();
        for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
            TensorSpecObject *spec = (TensorSpecObject *)PyList_GET_ITEM(schema->inputs, i);
            PyObject *v = PyObject_GetItem(data, spec->name);
            PyObject *e = NULL;
            if (v != NULL && !is_df && !PyArray_Check(v)) {
                MLC_ENF_ERR(st,
                            "This model contains a tensor-based model signature with input names,"
                            " which suggests a dictionary input mapping input name to a numpy "
                            "array, but a dict with value type %R was found.",
                            (PyObject *)Py_TYPE(v));
            }
            else if (v != NULL) {
                e = is_df ? column_to_tensor(st, spec->name, v, spec)
                          : enforce_tensor_spec(st, v, spec);
            }
            Py_XDECREF(v);
            if (e == NULL || PyDict_SetItem(out, spec->name, e) < 0) {
                Py_XDECREF(e);
                Py_CLEAR(out);
                break;
            }
            Py_DECREF(e);
        }
        return out;
    }
    TensorSpecObject *spec = (TensorSpecObject *)PyList_GET_ITEM(schema->inputs, 0);
    if (is_df) {
        PyObject *cols = frame_columns(data);
        if (cols == NULL) {
            return NULL;
        }
        Py_ssize_t ncols = PyList_GET_SIZE(cols);
        PyObject *empty = PyObject_GetAttrString(data, "empty");
        int is_empty = empty ? PyObject_IsTrue(empty) : -1;
        Py_XDECREF(empty);
        PyObject *r = NULL;
        if (is_empty < 0) {
            ;
        }
        else if (is_empty) {
            MLC_ENF_ERR(st, "Input DataFrame is empty.");
        }
        else if (ncols == 1) {
            PyObject *col = PyObject_GetItem(data, PyList_GET_ITEM(cols, 0));
            r = col ? column_to_tensor(st, Py_None, col, spec) : NULL;
            Py_XDECREF(col);
        }
        else {
            PyObject *want = Py_BuildValue("(in)", -1, ncols);
            int match = want ? PyObject_RichCompareBool(spec->shape, want, Py_EQ) : -1;
            Py_XDECREF(want);
            if (match == 0) {
                MLC_ENF_ERR(st,
                            "This model contains a model signature with an unnamed input. Since "
                            "the input data is a pandas DataFrame containing multiple columns, "
                            "the input shape must be of the structure (-1, "
                            "number_of_dataframe_columns). Instead, the input DataFrame passed had "
                            "%zd columns and an input shape of %R with all values within the "
                            "DataFrame of scalar type. Please adjust the passed in DataFrame to "
                            "match the expected structure",
                            ncols, spec->shape);
            }
            else if (match > 0) {
                PyObject *arr = PyObject_CallMethod(data, "to_numpy", NULL);
                r = arr ? enforce_tensor_spec(st, arr, spec) : NULL;
                Py_XDECREF(arr);
            }
        }
        Py_DECREF(cols);
        return r;
    }
    /* scipy csr/csc matrices, recognised by their `format` without importing scipy */
    int sparse = 0;
    if (!PyArray_Check(data)) {
        PyObject *fmt = NULL;
        if (PyObject_GetOptionalAttrString(data, "format", &fmt) < 0) {
            return NULL;
        }
        if (fmt != NULL && PyUnicode_Check(fmt)) {
            sparse = (PyUnicode_CompareWithASCIIString(fmt, "csr") == 0 ||
                      PyUnicode_CompareWithASCIIString(fmt, "csc") == 0) &&
                     PyObject_HasAttrString(data, "tocsr");
        }
        Py_XDECREF(fmt);
    }
    if (PyArray_Check(data) || sparse) {
        return enforce_tensor_spec(st, data, spec);
    }
    return MLC_ENF_ERR(st,
                       "This model contains a tensor-based model signature with no input names, "
                       "which suggests a numpy array input or a pandas dataframe input with "
                       "proper column values, but an input of type %R was found.",
                       (PyObject *)Py_TYPE(data));
}

/* ---------------------------------------------------------------- normalisation */

/* 1 when every value of the dict is a scalar or None, or a list of str. */
static int
dict_is_one_row(PyObject *d)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (v == Py_None || is_scalar(v)) {
            continue;
        }
        if (!PyList_Check(v)) {
            return 0;
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++) {
            if (!PyUnicode_Check(PyList_GET_ITEM(v, i))) {
                return 0;
            }
        }
    }
    return 1;
}

/* Returns a new reference: the DataFrame a column-based schema reads from `data`
 * (MLflow 3.x's rules), or raises MLflow's messages. */
static PyObject *
to_frame(mlc_state *st, PyObject *data, SchemaObject *schema)
{
    int is_df = is_pandas(st, data, "DataFrame");
    if (is_df != 0) {
        return is_df < 0 ? NULL : Py_NewRef(data);
    }
    PyObject *arg = NULL, *df = NULL;
    if (is_scalar(data)) {
        arg = Py_BuildValue("[O]", data);
    }
    else if (PyDict_Check(data)) {
        int one_row = 0;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(schema->inputs) && !one_row; i++) {
            ColSpecObject *c = (ColSpecObject *)PyList_GET_ITEM(schema->inputs, i);
            one_row = c->kind == MLC_KIND_ARRAY || c->kind == MLC_KIND_OBJECT;
        }
        one_row = one_row || dict_is_one_row(data);
        if (!one_row) {
            /* all 0-d str_ arrays of size 1: one row as well */
            PyObject *k, *v;
            Py_ssize_t pos = 0;
            int all_str0 = PyDict_GET_SIZE(data) > 0, any_nd = 0;
            while (PyDict_Next(data, &pos, &k, &v)) {
                int is_arr = PyArray_Check(v);
                all_str0 = all_str0 && is_arr && PyArray_NDIM((PyArrayObject *)v) == 0 &&
                           PyArray_TYPE((PyArrayObject *)v) == NPY_UNICODE;
                any_nd = any_nd || (is_arr && PyArray_NDIM((PyArrayObject *)v) > 1);
            }
            one_row = all_str0;
            if (!one_row && any_nd) {
                arg = PyDict_New();
                pos = 0;
                while (arg != NULL && PyDict_Next(data, &pos, &k, &v)) {
                    PyObject *nv = (PyArray_Check(v) && PyArray_NDIM((PyArrayObject *)v) > 1)
                                       ? PyObject_CallMethod(v, "tolist", NULL)
                                       : Py_NewRef(v);
                    if (nv == NULL || PyDict_SetItem(arg, k, nv) < 0) {
                        Py_XDECREF(nv);
                        Py_CLEAR(arg);
                        break;
                    }
                    Py_DECREF(nv);
                }
                if (arg == NULL) {
                    return NULL;
                }
            }
        }
        if (arg == NULL) {
            arg = one_row ? Py_BuildValue("[O]", data) : Py_NewRef(data);
        }
        if (arg == NULL) {
            return NULL;
        }
        df = make_frame(st, arg, NULL);
        Py_DECREF(arg);
        if (df == NULL && PyErr_ExceptionMatches(PyExc_Exception)) {
            PyObject *cause = PyErr_GetRaisedException();
            MLC_ENF_ERR(st,
                        "This model contains a column-based signature, which suggests a "
                        "DataFrame input. There was an error casting the input data to a "
                        "DataFrame: %S",
                        cause);
            Py_DECREF(cause);
        }
        return df;
    }
    else {
        int is_series = is_pandas(st, data, "Series");
        if (is_series < 0) {
            return NULL;
        }
        if (!PyList_Check(data) && !PyArray_Check(data) && !is_series) {
            return MLC_ENF_ERR(st, "Expected input to be DataFrame. Found: %s",
                               Py_TYPE(data)->tp_name);
        }
        arg = Py_NewRef(data);
    }
    if (arg == NULL) {
        return NULL;
    }
    df = make_frame(st, arg, NULL);
    Py_DECREF(arg);
    return df;
}

/* ---------------------------------------------------------------- _enforce_schema */

/* Returns a new reference: list(data's column labels or dict keys) (empty for others). */
static PyObject *
actual_names(mlc_state *st, PyObject *data, PyObject *cols)
{
    if (cols != NULL) {
        return Py_NewRef(cols);
    }
    if (PyDict_Check(data)) {
        return PyDict_Keys(data);
    }
    int is_df = is_pandas(st, data, "DataFrame");
    if (is_df < 0) {
        return NULL;
    }
    return is_df ? frame_columns(data) : PyList_New(0);
}

/* Checks the named schema's required inputs are all there; logs MLflow's warning for extras.
 * May replace *data (a lone ndarray for a one-input named schema becomes {name: array}). */
static int
check_names(mlc_state *st, PyObject **data, PyObject *cols, SchemaObject *schema)
{
    PyObject *required = PyList_New(0), *optional = PyList_New(0);
    PyObject *actual = NULL, *missing = NULL, *extra = NULL;
    PyObject *actual_set = NULL, *declared = NULL, *seen = NULL;
    int result = -1;
    if (required == NULL || optional == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(schema->inputs); i++) {
        PyObject *spec = PyList_GET_ITEM(schema->inputs, i);
        int req = schema->is_tensor ? ((TensorSpecObject *)spec)->required
                                    : ((ColSpecObject *)spec)->required;
        PyObject *name = schema->is_tensor ? ((TensorSpecObject *)spec)->name
                                           : ((ColSpecObject *)spec)->name;
        if (PyList_Append(req ? required : optional, name) < 0) {
            goto done;
        }
    }
    if (PyList_GET_SIZE(required) == 1 && PyArray_Check(*data)) {
        PyObject *d = PyDict_New();
        if (d == NULL || PyDict_SetItem(d, PyList_GET_ITEM(required, 0), *data) < 0) {
            Py_XDECREF(d);
            goto done;
        }
        Py_SETREF(*data, d);
    }
    actual = actual_names(st, *data, cols);
    missing = PyList_New(0);
    extra = PyList_New(0);
    if (actual == NULL || missing == NULL || extra == NULL) {
        goto done;
    }
    /* set lookups: wide frames (hundreds of columns) must not cost n*m comparisons */
    actual_set = PySet_New(actual);
    declared = actual_set ? PySet_New(required) : NULL;
    seen = declared ? PySet_New(NULL) : NULL;
    if (seen == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(optional); i++) {
        if (PySet_Add(declared, PyList_GET_ITEM(optional, i)) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(required); i++) {
        PyObject *n = PyList_GET_ITEM(required, i);
        int has = PySet_Contains(actual_set, n);
        if (has < 0 || (!has && PyList_Append(missing, n) < 0)) {
            goto done;
        }
    }
    /* extras in input order (Q12 fix: MLflow's order depends on set iteration) */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(actual); i++) {
        PyObject *n = PyList_GET_ITEM(actual, i);
        int known = PySet_Contains(declared, n);
        int dup = known == 0 ? PySet_Contains(seen, n) : known;
        if (dup < 0 || (dup == 0 && (PyList_Append(extra, n) < 0 || PySet_Add(seen, n) < 0))) {
            goto done;
        }
    }
    if (PyList_GET_SIZE(missing) > 0) {
        if (PyList_GET_SIZE(extra) > 0) {
            MLC_ENF_ERR(st, "Model is missing inputs %R. Note that there were extra inputs: %R.",
                        missing, extra);
        }
        else {
            MLC_ENF_ERR(st, "Model is missing inputs %R.", missing);
        }
        goto done;
    }
    if (PyList_GET_SIZE(extra) > 0 &&
        mlc_log_warning(st,
                        "Found extra inputs in the model input that are not defined in the model "
                        "signature: `%R`. These inputs will be ignored.",
                        extra) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(required);
    Py_XDECREF(optional);
    Py_XDECREF(actual);
    Py_XDECREF(missing);
    Py_XDECREF(extra);
    Py_XDECREF(actual_set);
    Py_XDECREF(declared);
    Py_XDECREF(seen);
    return result;
}

PyObject *
mlc_enforce_schema(mlc_state *st, PyObject *data, PyObject *schema_obj, int may_alias,
                   PyObject **plan_slot)
{
    PyObject *cur = NULL, *cols = NULL, *result = NULL;
    if (!mlc_is_schema(st, schema_obj)) {
        return mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                         "expected_schema must be an mlflow_c.types.Schema, got %s",
                         Py_TYPE(schema_obj)->tp_name);
    }
    if (mlc_numpy_ready(st) < 0) {
        return NULL;
    }
    SchemaObject *schema = (SchemaObject *)schema_obj;
    cur = Py_NewRef(data);
    int is_series = is_pandas(st, cur, "Series");
    if (is_series < 0) {
        goto done;
    }
    if (is_series) {
        Py_SETREF(cur, make_frame(st, cur, NULL));
        if (cur == NULL) {
            goto done;
        }
    }
    if (!schema->is_tensor) {
        Py_SETREF(cur, to_frame(st, cur, schema));
        if (cur == NULL) {
            goto done;
        }
        if (schema->has_names) {
            int hit = exact_frame(st, cur, schema, may_alias, plan_slot ? plan_slot : &st->plan,
                                  &result);
            if (hit != 0) {
                goto done;
            }
        }
        /* the column labels, read once (an Arrow-backed Index costs microseconds a read) */
        cols = frame_columns(cur);
        if (cols == NULL) {
            goto done;
        }
    }
    if (schema->has_names) {
        if (check_names(st, &cur, cols, schema) < 0) {
            goto done;
        }
    }
    else if (!schema->is_tensor) {
        Py_ssize_t ncols = PyList_GET_SIZE(cols);
        Py_ssize_t nspec = PyList_GET_SIZE(schema->inputs);
        if (ncols < nspec) {
            MLC_ENF_ERR(st,
                        "Model inference is missing inputs. The model signature declares %zd "
                        "inputs  but the provided value only has %zd inputs. Note: the inputs "
                        "were not named in the signature so we can only verify their count.",
                        nspec, ncols);
            goto done;
        }
    }
    result = schema->is_tensor ? enforce_tensors(st, cur, schema)
                               : enforce_columns(st, cur, cols, schema, may_alias);
done:
    Py_XDECREF(cur);
    Py_XDECREF(cols);
    return result;
}

static const char *const enforce_names[] = {"data", "schema", NULL};

PyObject *
mlc_enforce_schema_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[2];
    if (mlc_args_parse("_enforce_schema", args, nargs, kwnames, enforce_names, 2, 2, a, NULL) <
        0) {
        return NULL;
    }
    return mlc_enforce_schema(mlc_state_from_module(m), a[0], a[1], 0, NULL);
}

PyObject *
mlc_validate_schema_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"data", "expected_schema", NULL};
    PyObject *a[2];
    if (mlc_args_parse("validate_schema", args, nargs, kwnames, names, 2, 2, a, NULL) < 0) {
        return NULL;
    }
    PyObject *r = mlc_enforce_schema(mlc_state_from_module(m), a[0], a[1], 0, NULL);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- params */

PyObject *
mlc_enforce_params(mlc_state *st, PyObject *params, PyObject *schema)
{
    PyObject *p = NULL, *allowed = NULL, *ignored = NULL, *invalid = NULL, *result = NULL;
    if (mlc_is_none(schema)) {
        if (params == Py_None || (PyDict_Check(params) && PyDict_GET_SIZE(params) == 0)) {
            return Py_NewRef(params);
        }
        int rc;
        if (PyDict_Check(params)) {
            PyObject *keys = PyDict_Keys(params);
            rc = keys == NULL ? -1
                              : mlc_log_warning(st,
                                                "`params` can only be specified at inference time "
                                                "if the model signature defines a params schema. "
                                                "This model does not define a params schema. "
                                                "Ignoring provided params: %R",
                                                keys);
            Py_XDECREF(keys);
        }
        else {
            rc = mlc_log_warning(st, "`params` can only be specified at inference time if the "
                                     "model signature defines a params schema. This model does "
                                     "not define a params schema. Ignoring invalid params (not a "
                                     "dictionary).");
        }
        return rc < 0 ? NULL : PyDict_New();
    }
    if (params == Py_None) {
        p = PyDict_New();
    }
    else if (!PyDict_Check(params)) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Parameters must be a dictionary. Got type '%s'.",
                         Py_TYPE(params)->tp_name);
    }
    else {
        p = PyDict_Copy(params);
    }
    if (p == NULL) {
        return NULL;
    }
    if (!PyObject_TypeCheck(schema, (PyTypeObject *)st->ParamSchemaType)) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Parameters schema must be an instance of ParamSchema. Got type '%s'.",
                  Py_TYPE(schema)->tp_name);
        goto done;
    }
    /* non-string keys are str()-ed, with MLflow's warning (sic: no space) */
    {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        int nonstr = 0;
        while (PyDict_Next(p, &pos, &k, &v)) {
            nonstr |= !PyUnicode_Check(k);
        }
        if (nonstr) {
            if (mlc_log_warning(st, "Keys in parameters should be of type `str`, but received "
                                    "non-string keys.Converting all keys to string...") < 0) {
                goto done;
            }
            PyObject *q = PyDict_New();
            pos = 0;
            while (q != NULL && PyDict_Next(p, &pos, &k, &v)) {
                PyObject *ks = PyObject_Str(k);
                if (ks == NULL || PyDict_SetItem(q, ks, v) < 0) {
                    Py_XDECREF(ks);
                    Py_CLEAR(q);
                    break;
                }
                Py_DECREF(ks);
            }
            Py_SETREF(p, q);
            if (p == NULL) {
                goto done;
            }
        }
    }
    PyObject *specs = ((ParamSchemaObject *)schema)->params;
    allowed = PySet_New(NULL);
    ignored = PyList_New(0);
    invalid = PySet_New(NULL);
    if (allowed == NULL || ignored == NULL || invalid == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(specs); i++) {
        if (PySet_Add(allowed, ((ParamSpecObject *)PyList_GET_ITEM(specs, i))->name) < 0) {
            goto done;
        }
    }
    {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(p, &pos, &k, &v)) {
            int has = PySet_Contains(allowed, k);
            if (has < 0 || (!has && PyList_Append(ignored, k) < 0)) {
                goto done;
            }
        }
    }
    if (PyList_GET_SIZE(ignored) > 0) {
        if (mlc_log_warning(st,
                            "Unrecognized params %R are ignored for inference. Supported params "
                            "are: %R. To enable them, please add corresponding schema in "
                            "ModelSignature.",
                            ignored, allowed) < 0) {
            goto done;
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(ignored); i++) {
            if (PyDict_DelItem(p, PyList_GET_ITEM(ignored, i)) < 0) {
                goto done;
            }
        }
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(specs); i++) {
        ParamSpecObject *spec = (ParamSpecObject *)PyList_GET_ITEM(specs, i);
        PyObject *v = NULL;
        if (PyDict_GetItemRef(p, spec->name, &v) < 0) {
            goto done;
        }
        if (v == NULL) {
            if (PyDict_SetItem(p, spec->name, spec->default_value) < 0) {
                goto done;
            }
            continue;
        }
        PyObject *ok = PyObject_CallMethod(st->ParamSpecType, "validate_param_spec", "OO", v,
                                           (PyObject *)spec);
        Py_DECREF(v);
        if (ok == NULL) {
            if (!PyErr_ExceptionMatches(st->MlflowException)) {
                goto done;
            }
            PyObject *exc = PyErr_GetRaisedException();
            PyObject *msg = PyObject_GetAttrString(exc, "message");
            Py_DECREF(exc);
            PyObject *pair = msg ? PyTuple_Pack(2, spec->name, msg) : NULL;
            Py_XDECREF(msg);
            if (pair == NULL || PySet_Add(invalid, pair) < 0) {
                Py_XDECREF(pair);
                goto done;
            }
            Py_DECREF(pair);
            continue;
        }
        int rc = PyDict_SetItem(p, spec->name, ok);
        Py_DECREF(ok);
        if (rc < 0) {
            goto done;
        }
    }
    if (PySet_GET_SIZE(invalid) > 0) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid parameters found: %R", invalid);
        goto done;
    }
    result = Py_NewRef(p);
done:
    Py_XDECREF(p);
    Py_XDECREF(allowed);
    Py_XDECREF(ignored);
    Py_XDECREF(invalid);
    return result;
}

PyObject *
mlc_enforce_params_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"params", "schema", NULL};
    PyObject *a[2];
    if (mlc_args_parse("_enforce_params_schema", args, nargs, kwnames, names, 2, 2, a, NULL) <
        0) {
        return NULL;
    }
    return mlc_enforce_params(mlc_state_from_module(m), a[0], a[1]);
}

/* ---------------------------------------------------------------- parsed-JSON frames */

/* Returns a new reference: value decoded from base64 text (MLflow stores binary example
 * columns as base64 strings). */
static PyObject *
b64_cell(PyObject *b64mod, PyObject *value)
{
    PyObject *raw = PyUnicode_Check(value) ? PyUnicode_AsUTF8String(value) : Py_NewRef(value);
    PyObject *r = raw ? PyObject_CallMethod(b64mod, "decodebytes", "O", raw) : NULL;
    Py_XDECREF(raw);
    return r;
}

/* Returns a new reference: column `series` converted the way MLflow converts a parsed-JSON
 * column for `spec` (cast_df_types_according_to_schema), or NULL with an exception. */
static PyObject *
cast_parsed_column(mlc_state *st, PyObject *series, ColSpecObject *spec)
{
    PyObject *pd = PyImport_ImportModule("pandas");
    PyObject *result = NULL, *items = NULL, *out = NULL, *mod = NULL, *target = NULL;
    if (pd == NULL) {
        return NULL;
    }
    if (spec->kind == MLC_KIND_ANY) {
        result = Py_NewRef(series);
        goto done;
    }
    if (spec->kind != MLC_KIND_DATATYPE || spec->dtype == MLC_DT_BINARY) {
        /* value by value: composite types through the 3.x rules, binary from base64 */
        items = PySequence_List(series);
        out = items ? PyList_New(PyList_GET_SIZE(items)) : NULL;
        if (out != NULL && spec->kind == MLC_KIND_DATATYPE) {
            mod = PyImport_ImportModule("base64");
        }
        for (Py_ssize_t i = 0; out != NULL && i < PyList_GET_SIZE(items); i++) {
            PyObject *v = PyList_GET_ITEM(items, i);
            PyObject *nv = spec->kind == MLC_KIND_DATATYPE
                               ? (mod ? b64_cell(mod, v) : NULL)
                               : enforce_value(st, v, spec->type, spec->required);
            if (nv == NULL) {
                Py_CLEAR(out);
                break;
            }
            PyList_SET_ITEM(out, i, nv); /* steals */
        }
        if (out != NULL) {
            PyObject *index = PyObject_GetAttrString(series, "index");
            PyObject *kw = index ? Py_BuildValue("{sOss}", "index", index, "dtype", "object")
                                 : NULL;
            PyObject *cls = kw ? pandas_class(st, "Series") : NULL;
            PyObject *pos = cls ? PyTuple_Pack(1, out) : NULL;
            result = pos ? PyObject_Call(cls, pos, kw) : NULL;
            Py_XDECREF(index);
            Py_XDECREF(kw);
            Py_XDECREF(cls);
            Py_XDECREF(pos);
        }
        goto done;
    }
    if (spec->dtype == MLC_DT_DATETIME) {
        result = PyObject_CallMethod(pd, "to_datetime", "O", series);
        if (result != NULL) {
            PyObject *ns = PyUnicode_FromString("datetime64[ns]");
            Py_SETREF(result, ns ? astype(result, ns) : NULL);
            Py_XDECREF(ns);
        }
        goto done;
    }
    if (spec->dtype == MLC_DT_STRING) {
        /* pandas 3 reads JSON strings as its string dtype, which MLflow keeps as it is */
        PyObject *dtype = PyObject_GetAttrString(series, "dtype");
        int is_str = dtype ? is_pandas_dtype(dtype, "StringDtype") : -1;
        Py_XDECREF(dtype);
        if (is_str != 0) {
            result = is_str < 0 ? NULL : Py_NewRef(series);
            goto done;
        }
        result = astype(series, (PyObject *)&PyBaseObject_Type);
        goto done;
    }
    target = datatype_to_numpy(spec->dtype);
    result = target ? astype(series, target) : NULL;
done:
    Py_XDECREF(pd);
    Py_XDECREF(items);
    Py_XDECREF(out);
    Py_XDECREF(mod);
    Py_XDECREF(target);
    return result;
}

int
mlc_cast_parsed_frame(mlc_state *st, PyObject *df, PyObject *schema_obj)
{
    if (!mlc_is_schema(st, schema_obj) || ((SchemaObject *)schema_obj)->is_tensor) {
        return 0; /* tensor examples are not frames; nothing to cast */
    }
    if (mlc_numpy_ready(st) < 0) {
        return -1;
    }
    SchemaObject *schema = (SchemaObject *)schema_obj;
    PyObject *cols = frame_columns(df);
    if (cols == NULL) {
        return -1;
    }
    int result = -1;
    Py_ssize_t n = PyList_GET_SIZE(schema->inputs);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(schema->inputs, i);
        if (!PyObject_TypeCheck(item, (PyTypeObject *)st->ColSpecType)) {
            break;
        }
        ColSpecObject *spec = (ColSpecObject *)item;
        PyObject *label = NULL;
        if (schema->has_names) {
            int has = PySequence_Contains(cols, spec->name);
            if (has < 0) {
                goto done;
            }
            label = has ? spec->name : NULL;
        }
        else if (i < PyList_GET_SIZE(cols)) {
            label = PyList_GET_ITEM(cols, i);
        }
        if (label == NULL) {
            continue;
        }
        PyObject *series = PyObject_GetItem(df, label);
        PyObject *cast = series ? cast_parsed_column(st, series, spec) : NULL;
        Py_XDECREF(series);
        if (cast == NULL) {
            if (PyErr_ExceptionMatches(PyExc_Exception)) {
                PyObject *cause = PyErr_GetRaisedException();
                PyObject *t = spec->kind == MLC_KIND_DATATYPE ? datatype_to_numpy(spec->dtype)
                                                             : Py_NewRef(spec->type);
                if (t != NULL) {
                    MLC_ENF_ERR(st,
                                "Data is not compatible with model signature. Failed to convert "
                                "column %S to type '%S'. Error: '%R'",
                                label, t, cause);
                    Py_DECREF(t);
                }
                Py_DECREF(cause);
            }
            goto done;
        }
        int rc = PyObject_SetItem(df, label, cast);
        Py_DECREF(cast);
        if (rc < 0) {
            goto done;
        }
    }
    result = 0;
done:
    Py_DECREF(cols);
    return result;
}
