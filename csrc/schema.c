/* schema.c: MLflow's signature types (mlflow/types/schema.py, mlflow/models/signature.py of
 * MLflow 3.17) as C heap types: DataType (an Enum over a C mixin), Array, Object, Property, Map,
 * AnyType, ColSpec, TensorSpec, Schema, ParamSpec, ParamSchema and ModelSignature. Owns their
 * construction rules and messages, JSON dicts, repr, equality and pickling. Does no enforcement
 * of data and no inference (ParamSpec checks its default, as MLflow does when it is built).
 * Must not import numpy or pandas at module import: numpy is imported only by the functions that
 * need it (TensorSpec, DataType.to_numpy, datetime params ...). */
#include "schema.h"

#include "args.h"
#include "errors.h"

#include <string.h>

/* Each header struct may be followed by fields private to this file: the enforcement engine
 * reads only the header part. */

/* ColSpec: the Python value of `required` as given (MLflow keeps it as is, e.g. None for a
 * composite ColSpec read from JSON without the key); the header's `required` is its truth. */
typedef struct {
    ColSpecObject base;
    PyObject *required_obj;
} ColSpecFull;

/* Property: same split of `required` as ColSpec. */
typedef struct {
    PropertyObject base;
    PyObject *required_obj;
} PropertyFull;

/* Array: `sparkml` marks MLflow's SparkMLVector (an Array of double written as
 * {"type": "sparkml_vector"}); Map shares the plain ArrayObject layout. */
typedef struct {
    ArrayObject base;
    int sparkml;
} ArrayFull;

#define ColSpec_CAST(op) ((ColSpecFull *)(op))
#define TensorSpec_CAST(op) ((TensorSpecObject *)(op))
#define Schema_CAST(op) ((SchemaObject *)(op))
#define ParamSpec_CAST(op) ((ParamSpecObject *)(op))
#define ParamSchema_CAST(op) ((ParamSchemaObject *)(op))
#define ModelSignature_CAST(op) ((ModelSignatureObject *)(op))
#define Array_CAST(op) ((ArrayFull *)(op))
#define Map_CAST(op) ((ArrayObject *)(op))
#define Object_CAST(op) ((ObjectObject *)(op))
#define Property_CAST(op) ((PropertyFull *)(op))

#define IS_A(st, op, T) Py_IS_TYPE((op), (PyTypeObject *)(st)->T)

/* ---------------------------------------------------------------- constants */

static const char *const dt_names[] = {
    NULL, "boolean", "integer", "long", "float", "double", "string", "binary", "datetime",
};
static const char *const dt_numpy_names[] = {
    NULL, "bool", "int32", "int64", "float32", "float64", "str", "bytes", "datetime64[ns]",
};
static const char *const dt_spark_names[] = {
    NULL,         "BooleanType", "IntegerType", "LongType",      "FloatType",
    "DoubleType", "StringType",  "BinaryType",  "TimestampType",
};

#define DT_NAMES_LIST "['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime']"
#define DT_PARAM_NAMES_LIST "['boolean', 'integer', 'long', 'float', 'double', 'string', 'datetime']"
#define EXPECTED_TYPE_FMT                                                                      \
    "Expected mlflow.types.schema.Datatype, mlflow.types.schema.Array, "                     \
    "mlflow.types.schema.Object, mlflow.types.schema.Map, mlflow.types.schema.AnyType or str " \
    "for the '%s' argument, but got %S"

/* ---------------------------------------------------------------- small helpers */

/* Returns a borrowed pointer to the module state of an instance of one of our types, or NULL
 * with an exception. */
static mlc_state *
st_of(PyObject *self)
{
    return mlc_state_from_type(Py_TYPE(self));
}

/* 1 when v is a str equal to the ASCII text s, else 0. */
static int
str_is(PyObject *v, const char *s)
{
    return PyUnicode_Check(v) && PyUnicode_CompareWithASCIIString(v, s) == 0;
}

/* Returns a new reference: tp.tp_alloc(tp, 0). */
static PyObject *
alloc_instance(PyObject *tp)
{
    return ((PyTypeObject *)tp)->tp_alloc((PyTypeObject *)tp, 0);
}

/* Parses tp_new's (args, kwargs) with mlc_args_parse; out receives borrowed references. The
 * positional-count errors read like Python's own for a def __init__(self, ...). 0 or -1. */
static int
parse_new_args(const char *fname, PyObject *args, PyObject *kwargs, const char *const *names,
               Py_ssize_t npositional, Py_ssize_t nrequired, PyObject **out)
{
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    Py_ssize_t nkw = kwargs == NULL ? 0 : PyDict_GET_SIZE(kwargs);
    PyObject *small[8] = {NULL};
    PyObject **stack = small;
    PyObject *kwnames = NULL;
    int result = -1;
    if (nargs > npositional) {
        if (nrequired == npositional) {
            PyErr_Format(PyExc_TypeError, "%s() takes %zd positional arguments but %zd were given",
                         fname, npositional + 1, nargs + 1);
        }
        else {
            PyErr_Format(PyExc_TypeError,
                         "%s() takes from %zd to %zd positional arguments but %zd were given",
                         fname, nrequired + 1, npositional + 1, nargs + 1);
        }
        return -1;
    }
    if (nargs + nkw > (Py_ssize_t)(sizeof small / sizeof small[0])) {
        stack = PyMem_New(PyObject *, (size_t)(nargs + nkw));
        if (stack == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        stack[i] = PyTuple_GET_ITEM(args, i);
    }
    if (nkw > 0) {
        kwnames = PyTuple_New(nkw);
        if (kwnames == NULL) {
            goto done;
        }
        PyObject *k, *v;
        Py_ssize_t pos = 0, j = 0;
        while (PyDict_Next(kwargs, &pos, &k, &v)) {
            PyTuple_SET_ITEM(kwnames, j, Py_NewRef(k)); /* steals */
            stack[nargs + j] = v;
            j++;
        }
    }
    if (mlc_args_parse(fname, stack, nargs, kwnames, names, npositional, 0, out, NULL) < 0) {
        goto done;
    }
    /* missing required arguments: "missing 2 required positional arguments: 'a' and 'b'" */
    Py_ssize_t missing = 0;
    for (Py_ssize_t i = 0; i < nrequired; i++) {
        missing += out[i] == NULL;
    }
    if (missing > 0) {
        char buf[256];
        size_t len = 0;
        Py_ssize_t seen = 0;
        buf[0] = '\0';
        for (Py_ssize_t i = 0; i < nrequired && len < sizeof buf; i++) {
            if (out[i] != NULL) {
                continue;
            }
            seen++;
            const char *sep = seen == 1 ? "" : seen < missing ? ", " : missing == 2 ? " and " : ", and ";
            int w = snprintf(buf + len, sizeof buf - len, "%s'%s'", sep, names[i]);
            len += w < 0 ? 0 : (size_t)w;
        }
        PyErr_Format(PyExc_TypeError, "%s() missing %zd required positional argument%s: %s",
                     fname, missing, missing == 1 ? "" : "s", buf);
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(kwnames);
    if (stack != small) {
        PyMem_Free(stack);
    }
    return result;
}

/* Returns a new reference: a dict of the keyword arguments of a fastcall call (the **kwargs of
 * MLflow's from_json_dict classmethods). Positional arguments raise TypeError. */
static PyObject *
kwargs_to_dict(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes 0 positional arguments but %zd were given",
                     fname, nargs);
        return NULL;
    }
    PyObject *d = PyDict_New();
    if (d == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t i = 0; i < nkw; i++) {
        if (PyDict_SetItem(d, PyTuple_GET_ITEM(kwnames, i), args[i]) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

/* Rejects any argument for a no-argument fastcall method. 0 or -1. */
static int
no_args(const char *fname, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs != 0 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)) {
        PyErr_Format(PyExc_TypeError, "%s() takes no arguments", fname);
        return -1;
    }
    return 0;
}

/* Returns a new reference: json.dumps(o) with json's default separators. */
static PyObject *
json_dumps(mlc_state *st, PyObject *o)
{
    PyObject *fn = mlc_lazy_attr(&st->json_dumps, "json", "dumps");
    if (fn == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallOneArg(fn, o);
    Py_DECREF(fn);
    return r;
}

/* Returns a new reference: json.loads(text). */
static PyObject *
json_loads(mlc_state *st, PyObject *text)
{
    PyObject *fn = mlc_lazy_attr(&st->json_loads, "json", "loads");
    if (fn == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallOneArg(fn, text);
    Py_DECREF(fn);
    return r;
}

/* Returns a new reference: numpy.dtype(name) (imports numpy). */
static PyObject *
np_dtype(mlc_state *st, const char *name)
{
    PyObject *cls = mlc_lazy_attr(&st->numpy_dtype, "numpy", "dtype");
    if (cls == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallFunction(cls, "s", name);
    Py_DECREF(cls);
    return r;
}

/* Returns a new reference to module.attr (imports the module). */
static PyObject *
import_attr(const char *module, const char *attr)
{
    PyObject *mod = PyImport_ImportModule(module);
    if (mod == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_GetAttrString(mod, attr);
    Py_DECREF(mod);
    return r;
}

/* Sets *out to a new reference to sys.modules[name] when that module is already imported, else
 * NULL. Never imports. 0 or -1. */
static int
loaded_module(const char *name, PyObject **out)
{
    *out = NULL;
    PyObject *modules = PySys_GetObject("modules"); /* borrowed */
    if (modules == NULL || !PyDict_Check(modules)) {
        return 0;
    }
    return PyDict_GetItemStringRef(modules, name, out) < 0 ? -1 : 0;
}

/* Returns a new reference: the "name" value of o. */
static PyObject *
attr(PyObject *o, const char *name)
{
    return PyObject_GetAttrString(o, name);
}

/* Raises a new MlflowException (st->MlflowException, `code`) whose message is fmt formatted
 * with a and then str(<the current exception>) (fmt: two %U/%S codes), keeping the current
 * exception as __context__ the way `raise X(...)` inside an `except` block does. Returns NULL. */
static PyObject *
raise_in_except(mlc_state *st, const char *code, const char *fmt, PyObject *a)
{
    PyObject *ctx = PyErr_GetRaisedException();
    if (ctx == NULL) {
        PyErr_SetString(PyExc_SystemError, "raise_in_except() without a current exception");
        return NULL;
    }
    PyObject *msg = PyObject_Str(ctx);
    if (msg == NULL) {
        Py_DECREF(ctx);
        return NULL;
    }
    mlc_raise(st->MlflowException, code, fmt, a, msg);
    PyObject *exc = PyErr_GetRaisedException();
    if (exc != NULL) {
        PyException_SetContext(exc, ctx); /* steals */
        PyErr_SetRaisedException(exc);
    }
    else {
        Py_DECREF(ctx);
    }
    Py_DECREF(msg);
    return NULL;
}

/* ================================================================ DataType */

mlc_dtype
mlc_datatype_value(mlc_state *st, PyObject *o)
{
    if (st->dt_members == NULL) {
        return MLC_DT_NONE;
    }
    for (int i = MLC_DT_BOOLEAN; i <= MLC_DT_DATETIME; i++) {
        if (PyTuple_GET_ITEM(st->dt_members, i) == o) {
            return (mlc_dtype)i;
        }
    }
    return MLC_DT_NONE;
}

PyObject *
mlc_datatype_member(mlc_state *st, mlc_dtype v)
{
    return PyTuple_GET_ITEM(st->dt_members, (Py_ssize_t)v);
}

/* Returns a borrowed reference to the member named by the str s, or NULL (no exception) when
 * no member has that name. */
static PyObject *
dt_lookup(mlc_state *st, PyObject *s)
{
    for (int i = MLC_DT_BOOLEAN; i <= MLC_DT_DATETIME; i++) {
        if (PyUnicode_CompareWithASCIIString(s, dt_names[i]) == 0) {
            return PyTuple_GET_ITEM(st->dt_members, i);
        }
    }
    return NULL;
}

/* Returns the value of the DataType member self, or MLC_DT_NONE with TypeError. */
static mlc_dtype
dt_of_self(mlc_state *st, PyObject *self)
{
    mlc_dtype v = mlc_datatype_value(st, self);
    if (v == MLC_DT_NONE) {
        PyErr_Format(PyExc_TypeError, "expected a DataType member, got '%s'",
                     Py_TYPE(self)->tp_name);
    }
    return v;
}

/* Returns a new reference: DataType.<v>.to_numpy(). */
static PyObject *
dt_to_numpy(mlc_state *st, mlc_dtype v)
{
    return np_dtype(st, dt_numpy_names[v]);
}

/* Returns a new reference: DataType.<v>.to_pandas() (object for string and binary). */
static PyObject *
dt_to_pandas(mlc_state *st, mlc_dtype v)
{
    if (v == MLC_DT_STRING || v == MLC_DT_BINARY) {
        return Py_NewRef((PyObject *)&PyBaseObject_Type);
    }
    return dt_to_numpy(st, v);
}

/* Returns a new reference: DataType.<v>.to_python(). */
static PyObject *
dt_to_python(mlc_dtype v)
{
    switch (v) {
    case MLC_DT_BOOLEAN:
        return Py_NewRef((PyObject *)&PyBool_Type);
    case MLC_DT_INTEGER:
    case MLC_DT_LONG:
        return Py_NewRef((PyObject *)&PyLong_Type);
    case MLC_DT_FLOAT:
    case MLC_DT_DOUBLE:
        return Py_NewRef((PyObject *)&PyFloat_Type);
    case MLC_DT_STRING:
        return Py_NewRef((PyObject *)&PyUnicode_Type);
    case MLC_DT_BINARY:
        return Py_NewRef((PyObject *)&PyBytes_Type);
    default:
        return import_attr("datetime", "date");
    }
}

/* DataType.check_type without pyspark: 1 when type(value) is one of the member's numpy,
 * pandas or python types (plus datetime64/datetime for datetime, bytearray for binary), 0 when
 * not, -1 on error. Exact builtin scalars are decided without importing numpy. */
static int
dt_check_type(mlc_state *st, mlc_dtype v, PyObject *value)
{
    PyTypeObject *t = Py_TYPE(value);
    PyObject *types = NULL, *tmp = NULL;
    int result = -1;
    if (v != MLC_DT_DATETIME && v != MLC_DT_BINARY) {
        /* numpy.dtype(T) for these builtins is bool/int64/float64/<U0/|S0. */
        if (t == &PyBool_Type) {
            return v == MLC_DT_BOOLEAN;
        }
        if (t == &PyLong_Type) {
            return v == MLC_DT_INTEGER || v == MLC_DT_LONG;
        }
        if (t == &PyFloat_Type) {
            return v == MLC_DT_FLOAT || v == MLC_DT_DOUBLE;
        }
        if (t == &PyUnicode_Type) {
            return v == MLC_DT_STRING;
        }
        if (t == &PyBytes_Type) {
            return 0;
        }
    }
    types = PyList_New(0);
    if (types == NULL) {
        goto done;
    }
    if ((tmp = dt_to_numpy(st, v)) == NULL || PyList_Append(types, tmp) < 0) {
        goto done;
    }
    Py_CLEAR(tmp);
    if ((tmp = dt_to_pandas(st, v)) == NULL || PyList_Append(types, tmp) < 0) {
        goto done;
    }
    Py_CLEAR(tmp);
    if ((tmp = dt_to_python(v)) == NULL || PyList_Append(types, tmp) < 0) {
        goto done;
    }
    Py_CLEAR(tmp);
    if (v == MLC_DT_DATETIME) {
        if ((tmp = import_attr("numpy", "datetime64")) == NULL || PyList_Append(types, tmp) < 0) {
            goto done;
        }
        Py_CLEAR(tmp);
        if ((tmp = import_attr("datetime", "datetime")) == NULL ||
            PyList_Append(types, tmp) < 0) {
            goto done;
        }
        Py_CLEAR(tmp);
    }
    if (v == MLC_DT_BINARY && PyList_Append(types, (PyObject *)&PyByteArray_Type) < 0) {
        goto done;
    }
    result = PySequence_Contains(types, (PyObject *)t);
done:
    Py_XDECREF(types);
    Py_XDECREF(tmp);
    return result;
}

static PyObject *
DataTypeBase_repr(PyObject *self)
{
    mlc_state *st = st_of(self);
    if (st == NULL) {
        return NULL;
    }
    mlc_dtype v = dt_of_self(st, self);
    return v == MLC_DT_NONE ? NULL : PyUnicode_FromString(dt_names[v]);
}

static void
DataTypeBase_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

#define DT_METHOD_HEAD(fname)                                                                 \
    mlc_state *st = mlc_state_from_class(cls);                                               \
    if (no_args(fname, nargs, kwnames) < 0) {                                                 \
        return NULL;                                                                          \
    }                                                                                         \
    mlc_dtype v = dt_of_self(st, self);                                                      \
    if (v == MLC_DT_NONE) {                                                                   \
        return NULL;                                                                          \
    }

static PyObject *
DataTypeBase_to_numpy(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                      Py_ssize_t nargs, PyObject *kwnames)
{
    DT_METHOD_HEAD("to_numpy")
    return dt_to_numpy(st, v);
}

static PyObject *
DataTypeBase_to_pandas(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                       Py_ssize_t nargs, PyObject *kwnames)
{
    DT_METHOD_HEAD("to_pandas")
    return dt_to_pandas(st, v);
}

static PyObject *
DataTypeBase_to_python(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                       Py_ssize_t nargs, PyObject *kwnames)
{
    DT_METHOD_HEAD("to_python")
    return dt_to_python(v);
}

/* Returns a new reference: pyspark.sql.types.<SparkType>() of member v. */
static PyObject *
dt_to_spark(mlc_dtype v)
{
    PyObject *cls = import_attr("pyspark.sql.types", dt_spark_names[v]);
    if (cls == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallNoArgs(cls);
    Py_DECREF(cls);
    return r;
}

static PyObject *
DataTypeBase_to_spark(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                      Py_ssize_t nargs, PyObject *kwnames)
{
    DT_METHOD_HEAD("to_spark")
    return dt_to_spark(v);
}

static PyObject *
DataTypeBase_reduce_ex(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                       Py_ssize_t Py_UNUSED(nargs), PyObject *Py_UNUSED(kwnames))
{
    mlc_state *st = mlc_state_from_class(cls);
    mlc_dtype v = dt_of_self(st, self);
    if (v == MLC_DT_NONE) {
        return NULL;
    }
    PyObject *getattr_fn = PyDict_GetItemString(PyEval_GetBuiltins(), "getattr"); /* borrowed */
    if (getattr_fn == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "builtins.getattr is missing");
        return NULL;
    }
    /* pickled by name: getattr(DataType, "double") */
    return Py_BuildValue("O(Os)", getattr_fn, (PyObject *)Py_TYPE(self), dt_names[v]);
}

static PyObject *
DataTypeBase_all_types(PyObject *Py_UNUSED(type), PyTypeObject *cls,
                       PyObject *const *Py_UNUSED(args), Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(cls);
    if (no_args("all_types", nargs, kwnames) < 0) {
        return NULL;
    }
    PyObject *slice = PyTuple_GetSlice(st->dt_members, 1, 9);
    if (slice == NULL) {
        return NULL;
    }
    PyObject *r = PySequence_List(slice);
    Py_DECREF(slice);
    return r;
}

static PyObject *
DataTypeBase_get_spark_types(PyObject *Py_UNUSED(type), PyTypeObject *Py_UNUSED(cls),
                             PyObject *const *Py_UNUSED(args), Py_ssize_t nargs,
                             PyObject *kwnames)
{
    if (no_args("get_spark_types", nargs, kwnames) < 0) {
        return NULL;
    }
    PyObject *out = PyList_New(0);
    for (int i = MLC_DT_BOOLEAN; out != NULL && i <= MLC_DT_DATETIME; i++) {
        PyObject *t = dt_to_spark((mlc_dtype)i);
        if (t == NULL || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(t);
    }
    return out;
}

static PyObject *
DataTypeBase_from_numpy_type(PyObject *Py_UNUSED(type), PyTypeObject *cls,
                             PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"np_type", NULL};
    PyObject *a[1];
    mlc_state *st = mlc_state_from_class(cls);
    if (mlc_args_parse("from_numpy_type", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    for (int i = MLC_DT_BOOLEAN; i <= MLC_DT_DATETIME; i++) {
        PyObject *d = dt_to_numpy(st, (mlc_dtype)i);
        if (d == NULL) {
            return NULL;
        }
        int eq = PyObject_RichCompareBool(d, a[0], Py_EQ);
        Py_DECREF(d);
        if (eq < 0) {
            return NULL;
        }
        if (eq) {
            return Py_NewRef(PyTuple_GET_ITEM(st->dt_members, i));
        }
    }
    Py_RETURN_NONE;
}

static PyObject *
DataTypeBase_check_type(PyObject *Py_UNUSED(type), PyTypeObject *cls, PyObject *const *args,
                        Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"data_type", "value", NULL};
    PyObject *a[2];
    mlc_state *st = mlc_state_from_class(cls);
    if (mlc_args_parse("check_type", args, nargs, kwnames, names, 2, 2, a, NULL) < 0) {
        return NULL;
    }
    mlc_dtype v = dt_of_self(st, a[0]);
    if (v == MLC_DT_NONE) {
        return NULL;
    }
    int r = dt_check_type(st, v, a[1]);
    return r < 0 ? NULL : PyBool_FromLong(r);
}

#define DT_METH(name, flags, doc)                                                              \
    {#name, (PyCFunction)(void (*)(void))DataTypeBase_##name,                                 \
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | (flags), doc}

static PyMethodDef DataTypeBase_methods[] = {
    DT_METH(to_numpy, 0, "to_numpy($self)\n--\n\nGet equivalent numpy data type."),
    DT_METH(to_pandas, 0, "to_pandas($self)\n--\n\nGet equivalent pandas data type."),
    DT_METH(to_python, 0, "to_python($self)\n--\n\nGet equivalent python data type."),
    DT_METH(to_spark, 0, "to_spark($self)\n--\n\nGet equivalent pyspark data type."),
    DT_METH(check_type, METH_CLASS,
            "check_type($cls, data_type, value)\n--\n\n"
            "Whether type(value) is one of data_type's numpy, pandas or python types."),
    DT_METH(all_types, METH_CLASS, "all_types($cls)\n--\n\nAll members, in value order."),
    DT_METH(get_spark_types, METH_CLASS,
            "get_spark_types($cls)\n--\n\nThe pyspark type of every member."),
    DT_METH(from_numpy_type, METH_CLASS,
            "from_numpy_type($cls, np_type)\n--\n\n"
            "The member whose to_numpy() equals np_type, or None."),
    {"__reduce_ex__", (PyCFunction)(void (*)(void))DataTypeBase_reduce_ex,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot DataTypeBase_slots[] = {
    {Py_tp_repr, DataTypeBase_repr},
    {Py_tp_dealloc, DataTypeBase_dealloc},
    {Py_tp_methods, DataTypeBase_methods},
    {Py_tp_doc, "The C methods of DataType (a mixin of the DataType Enum)."},
    {0, NULL},
};

static PyType_Spec DataTypeBase_spec = {
    .name = "mlflow_c.types._DataTypeBase",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = DataTypeBase_slots,
};

/* Creates st->DataType = enum.Enum("DataType", [...], module="mlflow_c.types",
 * qualname="DataType", type=<the C mixin>) and st->dt_members. 0 or -1. */
static int
datatype_init(PyObject *m, mlc_state *st)
{
    PyObject *mixin = NULL, *enum_cls = NULL, *names = NULL, *kwargs = NULL, *args = NULL;
    PyObject *members = NULL;
    int result = -1;
    mixin = PyType_FromModuleAndSpec(m, &DataTypeBase_spec, NULL);
    if (mixin == NULL) {
        goto done;
    }
    enum_cls = import_attr("enum", "Enum");
    if (enum_cls == NULL) {
        goto done;
    }
    names = PyList_New(0);
    if (names == NULL) {
        goto done;
    }
    for (int i = MLC_DT_BOOLEAN; i <= MLC_DT_DATETIME; i++) {
        PyObject *item = Py_BuildValue("(si)", dt_names[i], i);
        if (item == NULL || PyList_Append(names, item) < 0) {
            Py_XDECREF(item);
            goto done;
        }
        Py_DECREF(item);
    }
    args = Py_BuildValue("(sO)", "DataType", names);
    kwargs = Py_BuildValue("{sssssO}", "module", "mlflow_c.types", "qualname", "DataType",
                           "type", mixin);
    if (args == NULL || kwargs == NULL) {
        goto done;
    }
    st->DataType = PyObject_Call(enum_cls, args, kwargs);
    if (st->DataType == NULL) {
        goto done;
    }
    {
        PyObject *doc = PyUnicode_FromString("\n    MLflow data types.\n    ");
        int rc = doc == NULL ? -1 : PyObject_SetAttrString(st->DataType, "__doc__", doc);
        Py_XDECREF(doc);
        if (rc < 0) {
            goto done;
        }
    }
    members = PyTuple_New(9);
    if (members == NULL) {
        goto done;
    }
    PyTuple_SET_ITEM(members, 0, Py_NewRef(Py_None)); /* steals */
    for (int i = MLC_DT_BOOLEAN; i <= MLC_DT_DATETIME; i++) {
        PyObject *member = PyObject_GetAttrString(st->DataType, dt_names[i]);
        if (member == NULL) {
            goto done;
        }
        PyTuple_SET_ITEM(members, i, member); /* steals */
    }
    st->dt_members = Py_NewRef(members);
    if (PyModule_AddObjectRef(m, "DataType", st->DataType) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(mixin);
    Py_XDECREF(enum_cls);
    Py_XDECREF(names);
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    Py_XDECREF(members);
    return result;
}

/* ================================================================ common slots */

/* tp_dealloc of every GC type here: untrack, clear (keeping a pending exception), free, then
 * drop the type. The trashcan keeps deeply nested types from exhausting the C stack. */
static void
sig_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, sig_dealloc)
    PyObject *exc = PyErr_GetRaisedException();
    (void)tp->tp_clear(self);
    PyErr_SetRaisedException(exc);
    tp->tp_free(self);
    Py_DECREF(tp);
    Py_TRASHCAN_END
}

/* tp_dealloc of AnyType (no fields). */
static void
plain_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Returns a new reference: the tp_richcompare result for an equality computed as eq
 * (1, 0 or -1) for op; NotImplemented for ordering operators. */
static PyObject *
eq_result(int eq, int op)
{
    if (eq < 0) {
        return NULL;
    }
    if (op == Py_NE) {
        eq = !eq;
    }
    return PyBool_FromLong(eq);
}

/* ================================================================ type objects (shared) */

/* Returns the kind of a signature type object (a DataType member or an Array, Object, Map,
 * AnyType instance) and its DataType in *dtype, or -1 (no exception) when o is none of those. */
static int
sig_kind(mlc_state *st, PyObject *o, mlc_dtype *dtype)
{
    *dtype = mlc_datatype_value(st, o);
    if (*dtype != MLC_DT_NONE) {
        return MLC_KIND_DATATYPE;
    }
    if (IS_A(st, o, ArrayType)) {
        return Array_CAST(o)->sparkml ? MLC_KIND_SPARKML_VECTOR : MLC_KIND_ARRAY;
    }
    if (IS_A(st, o, ObjectType)) {
        return MLC_KIND_OBJECT;
    }
    if (IS_A(st, o, MapType)) {
        return MLC_KIND_MAP;
    }
    if (IS_A(st, o, AnyTypeType)) {
        return MLC_KIND_ANY;
    }
    return -1;
}

/* Returns a new reference: the type object for a `dtype`-like argument. A str is looked up by
 * member name (unknown: MlflowException INTERNAL_ERROR with unsupported_fmt, one %S); anything
 * that is not a DataType/Array/Object/Map/AnyType raises bad_exc(bad_code) with MLflow's
 * "Expected mlflow.types.schema.Datatype, ..." text naming argname. */
static PyObject *
resolve_type(mlc_state *st, PyObject *arg, const char *unsupported_fmt, PyObject *bad_exc,
             const char *bad_code, const char *argname)
{
    PyObject *t = arg;
    if (PyUnicode_Check(arg)) {
        t = dt_lookup(st, arg);
        if (t == NULL) {
            return mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR, unsupported_fmt, arg);
        }
    }
    mlc_dtype dt;
    if (sig_kind(st, t, &dt) < 0) {
        return mlc_raise(bad_exc, bad_code, EXPECTED_TYPE_FMT, argname, t);
    }
    return Py_NewRef(t);
}

static PyObject *composite_to_dict(mlc_state *st, PyObject *t);

/* Returns a new reference: {"type": <name>} for a DataType member, else t.to_dict(). */
static PyObject *
type_to_dict(mlc_state *st, PyObject *t)
{
    mlc_dtype dt = mlc_datatype_value(st, t);
    if (dt != MLC_DT_NONE) {
        return Py_BuildValue("{ss}", "type", dt_names[dt]);
    }
    return composite_to_dict(st, t);
}

/* ================================================================ AnyType */

static PyObject *
AnyType_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)) {
        PyErr_SetString(PyExc_TypeError, "AnyType() takes no arguments");
        return NULL;
    }
    return tp->tp_alloc(tp, 0);
}

static PyObject *
AnyType_repr(PyObject *Py_UNUSED(self))
{
    return PyUnicode_FromString("Any");
}

static PyObject *
AnyType_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    return eq_result(Py_IS_TYPE(other, Py_TYPE(self)), op);
}

static PyObject *
AnyType_to_dict(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("{ss}", "type", "any");
}

static PyObject *
AnyType_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(O())", (PyObject *)Py_TYPE(self));
}

static PyMethodDef AnyType_methods[] = {
    {"to_dict", AnyType_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation: {\"type\": \"any\"}."},
    {"__reduce__", AnyType_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(AnyType_doc,
             "AnyType()\n--\n\n"
             "Any json-serializable data, including None (no validation at all).");

static PyType_Slot AnyType_slots[] = {
    {Py_tp_new, AnyType_new},
    {Py_tp_dealloc, plain_dealloc},
    {Py_tp_repr, AnyType_repr},
    {Py_tp_richcompare, AnyType_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, AnyType_methods},
    {Py_tp_doc, (void *)AnyType_doc},
    {0, NULL},
};

static PyType_Spec AnyType_spec = {
    .name = "mlflow_c.types.AnyType",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = AnyType_slots,
};

/* Returns a new reference: AnyType(). */
static PyObject *
any_make(mlc_state *st)
{
    return alloc_instance(st->AnyTypeType);
}

/* Returns a new reference: type(o).__name__. */
static PyObject *
type_name(PyObject *o)
{
    return PyType_GetName(Py_TYPE(o));
}

/* ================================================================ Array / Map */

static int
ArrayLike_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(Map_CAST(self)->dtype);
    return 0;
}

static int
ArrayLike_clear(PyObject *self)
{
    Py_CLEAR(Map_CAST(self)->dtype);
    return 0;
}

/* Returns a new reference: a new instance of tp (ArrayType or MapType) holding t (steals t). */
static PyObject *
arraylike_alloc(PyObject *tp, PyObject *t)
{
    PyObject *self = alloc_instance(tp);
    if (self == NULL) {
        Py_DECREF(t);
        return NULL;
    }
    Map_CAST(self)->dtype = t; /* steals */
    return self;
}

/* Returns a new reference: Array(dtype) with MLflow's checks. */
static PyObject *
array_make(mlc_state *st, PyObject *dtype)
{
    PyObject *t = resolve_type(st, dtype,
                               "Unsupported type '%S', expected instance of DataType, Array, "
                               "Object, Map or one of " DT_NAMES_LIST,
                               st->MlflowException, MLC_INTERNAL_ERROR, "dtype");
    return t == NULL ? NULL : arraylike_alloc(st->ArrayType, t);
}

/* Returns a new reference: MLflow's SparkMLVector() (an Array of double). */
static PyObject *
sparkml_make(mlc_state *st)
{
    PyObject *self = arraylike_alloc(st->ArrayType,
                                     Py_NewRef(mlc_datatype_member(st, MLC_DT_DOUBLE)));
    if (self != NULL) {
        Array_CAST(self)->sparkml = 1;
    }
    return self;
}

/* Returns a new reference: Map(value_type) with MLflow's checks. */
static PyObject *
map_make(mlc_state *st, PyObject *value_type)
{
    PyObject *t = resolve_type(st, value_type,
                               "Unsupported value type '%S', expected instance of DataType, "
                               "Array, Object, Map or one of " DT_NAMES_LIST,
                               st->MlflowException, MLC_INVALID_PARAMETER_VALUE, "value_type");
    return t == NULL ? NULL : arraylike_alloc(st->MapType, t);
}

static PyObject *
Array_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"dtype", NULL};
    PyObject *a[1];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("Array.__init__", args, kwargs, names, 1, 1, a) < 0) {
        return NULL;
    }
    return array_make(st, a[0]);
}

static PyObject *
Map_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"value_type", NULL};
    PyObject *a[1];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("Map.__init__", args, kwargs, names, 1, 1, a) < 0) {
        return NULL;
    }
    return map_make(st, a[0]);
}

/* Returns a new reference: Array.to_dict(). */
static PyObject *
array_to_dict(mlc_state *st, PyObject *self)
{
    if (Array_CAST(self)->sparkml) {
        return Py_BuildValue("{ss}", "type", "sparkml_vector");
    }
    PyObject *items = type_to_dict(st, Array_CAST(self)->base.dtype);
    return items == NULL ? NULL : Py_BuildValue("{sssN}", "type", "array", "items", items);
}

/* Returns a new reference: Map.to_dict(). */
static PyObject *
map_to_dict(mlc_state *st, PyObject *self)
{
    PyObject *values = type_to_dict(st, Map_CAST(self)->dtype);
    return values == NULL ? NULL : Py_BuildValue("{sssN}", "type", "map", "values", values);
}

static PyObject *
Array_repr(PyObject *self)
{
    if (Array_CAST(self)->sparkml) {
        return PyUnicode_FromString("SparkML vector");
    }
    return PyUnicode_FromFormat("Array(%R)", Array_CAST(self)->base.dtype);
}

static PyObject *
Map_repr(PyObject *self)
{
    return PyUnicode_FromFormat("Map(str -> %S)", Map_CAST(self)->dtype);
}

static PyObject *
Array_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    /* SparkMLVector.__eq__ is isinstance(other, SparkMLVector); Python tries it first even
     * for Array() == SparkMLVector(), the subclass being on the right. */
    if (Array_CAST(self)->sparkml || Array_CAST(other)->sparkml) {
        return eq_result(Array_CAST(self)->sparkml && Array_CAST(other)->sparkml, op);
    }
    return eq_result(
        PyObject_RichCompareBool(Array_CAST(self)->base.dtype, Array_CAST(other)->base.dtype,
                                 Py_EQ),
        op);
}

static PyObject *
Map_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    return eq_result(
        PyObject_RichCompareBool(Map_CAST(self)->dtype, Map_CAST(other)->dtype, Py_EQ), op);
}

static PyObject *
Array_get_dtype(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(Array_CAST(self)->base.dtype);
}

static PyObject *
Map_get_value_type(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(Map_CAST(self)->dtype);
}

static PyObject *
Array_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    mlc_state *st = st_of(self);
    return st == NULL ? NULL : array_to_dict(st, self);
}

static PyObject *
Map_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    mlc_state *st = st_of(self);
    return st == NULL ? NULL : map_to_dict(st, self);
}

static PyObject *
Array_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    if (Array_CAST(self)->sparkml) {
        PyObject *fn = PyObject_GetAttrString((PyObject *)Py_TYPE(self), "_sparkml_vector");
        return fn == NULL ? NULL : Py_BuildValue("(N())", fn);
    }
    return Py_BuildValue("(O(O))", (PyObject *)Py_TYPE(self), Array_CAST(self)->base.dtype);
}

static PyObject *
Map_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(O(O))", (PyObject *)Py_TYPE(self), Map_CAST(self)->dtype);
}

static PyObject *
Array_sparkml_vector(PyObject *Py_UNUSED(type), PyTypeObject *cls,
                     PyObject *const *Py_UNUSED(args), Py_ssize_t nargs, PyObject *kwnames)
{
    if (no_args("_sparkml_vector", nargs, kwnames) < 0) {
        return NULL;
    }
    return sparkml_make(mlc_state_from_class(cls));
}

static PyObject *array_from_json(mlc_state *st, PyObject *d);
static PyObject *map_from_json(mlc_state *st, PyObject *d);
static PyObject *object_from_json(mlc_state *st, PyObject *d);
static PyObject *property_from_json_kwargs(mlc_state *st, PyObject *d);

/* Defines <Type>_from_json_dict(cls, **kwargs) calling reader(st, kwargs). */
#define FROM_JSON_DICT_METHOD(Type, reader)                                                    \
    static PyObject *Type##_from_json_dict(PyObject *Py_UNUSED(type), PyTypeObject *cls,      \
                                           PyObject *const *args, Py_ssize_t nargs,           \
                                           PyObject *kwnames)                                 \
    {                                                                                         \
        PyObject *d = kwargs_to_dict(#Type ".from_json_dict", args, nargs, kwnames);          \
        if (d == NULL) {                                                                      \
            return NULL;                                                                      \
        }                                                                                     \
        PyObject *r = reader(mlc_state_from_class(cls), d);                                  \
        Py_DECREF(d);                                                                         \
        return r;                                                                             \
    }

FROM_JSON_DICT_METHOD(Array, array_from_json)
FROM_JSON_DICT_METHOD(Map, map_from_json)
FROM_JSON_DICT_METHOD(Object, object_from_json)
FROM_JSON_DICT_METHOD(Property, property_from_json_kwargs)

#define FROM_JSON_DICT_DEF(Type, doc)                                                          \
    {"from_json_dict", (PyCFunction)(void (*)(void))Type##_from_json_dict,                    \
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,                                \
     "from_json_dict($cls, /, **kwargs)\n--\n\n" doc}

static PyMethodDef Array_methods[] = {
    {"to_dict", Array_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation: {\"type\": \"array\", \"items\": ...}."},
    FROM_JSON_DICT_DEF(Array, "Deserialize from a json loaded dictionary (keys `type`, `items`)."),
    {"_sparkml_vector", (PyCFunction)(void (*)(void))Array_sparkml_vector,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "_sparkml_vector($cls)\n--\n\nMLflow's SparkMLVector(): an Array of double."},
    {"__reduce__", Array_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef Map_methods[] = {
    {"to_dict", Map_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation: {\"type\": \"map\", \"values\": ...}."},
    FROM_JSON_DICT_DEF(Map, "Deserialize from a json loaded dictionary (keys `type`, `values`)."),
    {"__reduce__", Map_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Array_getset[] = {
    {"dtype", Array_get_dtype, NULL, "The array data type.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyGetSetDef Map_getset[] = {
    {"value_type", Map_get_value_type, NULL, "The type of the map's values.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Array_doc, "Array(dtype)\n--\n\n"
                        "Specification used to represent a json-convertible array.");
PyDoc_STRVAR(Map_doc, "Map(value_type)\n--\n\n"
                      "Specification used to represent a json-convertible map with string type "
                      "keys.");

static PyType_Slot Array_slots[] = {
    {Py_tp_new, Array_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, ArrayLike_traverse},
    {Py_tp_clear, ArrayLike_clear},
    {Py_tp_repr, Array_repr},
    {Py_tp_richcompare, Array_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, Array_methods},
    {Py_tp_getset, Array_getset},
    {Py_tp_doc, (void *)Array_doc},
    {0, NULL},
};

static PyType_Slot Map_slots[] = {
    {Py_tp_new, Map_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, ArrayLike_traverse},
    {Py_tp_clear, ArrayLike_clear},
    {Py_tp_repr, Map_repr},
    {Py_tp_richcompare, Map_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, Map_methods},
    {Py_tp_getset, Map_getset},
    {Py_tp_doc, (void *)Map_doc},
    {0, NULL},
};

#define SIG_FLAGS (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_HAVE_GC)

static PyType_Spec Array_spec = {
    .name = "mlflow_c.types.Array",
    .basicsize = sizeof(ArrayFull),
    .flags = SIG_FLAGS,
    .slots = Array_slots,
};

static PyType_Spec Map_spec = {
    .name = "mlflow_c.types.Map",
    .basicsize = sizeof(ArrayObject),
    .flags = SIG_FLAGS,
    .slots = Map_slots,
};

/* ================================================================ Property */

static int
Property_traverse(PyObject *self, visitproc visit, void *arg)
{
    PropertyFull *p = Property_CAST(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(p->base.name);
    Py_VISIT(p->base.dtype);
    Py_VISIT(p->required_obj);
    return 0;
}

static int
Property_clear(PyObject *self)
{
    PropertyFull *p = Property_CAST(self);
    Py_CLEAR(p->base.name);
    Py_CLEAR(p->base.dtype);
    Py_CLEAR(p->required_obj);
    return 0;
}

/* Returns a new reference: Property(name, dtype, required) with MLflow's checks. */
static PyObject *
property_make(mlc_state *st, PyObject *name, PyObject *dtype, PyObject *required)
{
    PyObject *t = NULL, *self = NULL, *tn = NULL;
    if (!PyUnicode_Check(name)) {
        tn = type_name(name);
        if (tn != NULL) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Expected name to be a string, got type %U", tn);
        }
        goto error;
    }
    t = resolve_type(st, dtype,
                     "Unsupported type '%S', expected instance of DataType, Array, Object, Map "
                     "or one of " DT_NAMES_LIST,
                     st->MlflowException, MLC_INTERNAL_ERROR, "dtype");
    if (t == NULL) {
        goto error;
    }
    int truth = PyObject_IsTrue(required);
    if (truth < 0) {
        goto error;
    }
    self = alloc_instance(st->PropertyType);
    if (self == NULL) {
        goto error;
    }
    Property_CAST(self)->base.name = Py_NewRef(name);
    Property_CAST(self)->base.dtype = t; /* steals */
    Property_CAST(self)->base.required = truth;
    Property_CAST(self)->required_obj = Py_NewRef(required);
    return self;
error:
    Py_XDECREF(t);
    Py_XDECREF(tn);
    return NULL;
}

static PyObject *
Property_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"name", "dtype", "required", NULL};
    PyObject *a[3];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("Property.__init__", args, kwargs, names, 3, 2, a) < 0) {
        return NULL;
    }
    return property_make(st, a[0], a[1], a[2] ? a[2] : Py_True);
}

/* Returns a new reference: Property.to_dict() = {name: {"type": ..., "required": ...}}. */
static PyObject *
property_to_dict(mlc_state *st, PyObject *self)
{
    PropertyFull *p = Property_CAST(self);
    PyObject *d = type_to_dict(st, p->base.dtype);
    if (d == NULL) {
        return NULL;
    }
    if (!PyDict_Check(d)) {
        Py_DECREF(d);
        PyErr_SetString(PyExc_TypeError, "to_dict() of a property type must return a dict");
        return NULL;
    }
    if (PyDict_SetItemString(d, "required", p->required_obj) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return Py_BuildValue("{ON}", p->base.name, d);
}

static PyObject *
Property_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    mlc_state *st = st_of(self);
    return st == NULL ? NULL : property_to_dict(st, self);
}

static PyObject *
Property_repr(PyObject *self)
{
    PropertyFull *p = Property_CAST(self);
    return PyUnicode_FromFormat("%S: %R (%s)", p->base.name, p->base.dtype,
                                p->base.required ? "required" : "optional");
}

static PyObject *
Property_richcompare(PyObject *self, PyObject *other, int op)
{
    PropertyFull *p = Property_CAST(self);
    if (op == Py_LT) { /* sorted(properties): by name */
        PyObject *oname = attr(other, "name");
        if (oname == NULL) {
            return NULL;
        }
        PyObject *r = PyObject_RichCompare(p->base.name, oname, Py_LT);
        Py_DECREF(oname);
        return r;
    }
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    PropertyFull *q = Property_CAST(other);
    int eq = PyObject_RichCompareBool(p->base.name, q->base.name, Py_EQ);
    if (eq > 0) {
        eq = PyObject_RichCompareBool(p->base.dtype, q->base.dtype, Py_EQ);
    }
    if (eq > 0) {
        eq = PyObject_RichCompareBool(p->required_obj, q->required_obj, Py_EQ);
    }
    return eq_result(eq, op);
}

static PyObject *
Property_get_name(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(Property_CAST(self)->base.name);
}

static PyObject *
Property_get_dtype(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(Property_CAST(self)->base.dtype);
}

static PyObject *
Property_get_required(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(Property_CAST(self)->required_obj);
}

static int
Property_set_required(PyObject *self, PyObject *value, void *Py_UNUSED(closure))
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete attribute 'required'");
        return -1;
    }
    int truth = PyObject_IsTrue(value);
    if (truth < 0) {
        return -1;
    }
    Property_CAST(self)->base.required = truth;
    Py_SETREF(Property_CAST(self)->required_obj, Py_NewRef(value));
    return 0;
}

static PyObject *
Property_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    PropertyFull *p = Property_CAST(self);
    return Py_BuildValue("(O(OOO))", (PyObject *)Py_TYPE(self), p->base.name, p->base.dtype,
                         p->required_obj);
}

static PyMethodDef Property_methods[] = {
    {"to_dict", Property_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation: {name: {\"type\": ..., \"required\": "
     "...}}."},
    FROM_JSON_DICT_DEF(Property, "Deserialize from {name: {\"type\": ..., \"required\": ...}}."),
    {"__reduce__", Property_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Property_getset[] = {
    {"name", Property_get_name, NULL, "The property name.", NULL},
    {"dtype", Property_get_dtype, NULL, "The property data type.", NULL},
    {"required", Property_get_required, Property_set_required,
     "Whether this property is required.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Property_doc, "Property(name, dtype, required=True)\n--\n\n"
                           "Specification used to represent a json-convertible object property.");

static PyType_Slot Property_slots[] = {
    {Py_tp_new, Property_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, Property_traverse},
    {Py_tp_clear, Property_clear},
    {Py_tp_repr, Property_repr},
    {Py_tp_richcompare, Property_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, Property_methods},
    {Py_tp_getset, Property_getset},
    {Py_tp_doc, (void *)Property_doc},
    {0, NULL},
};

static PyType_Spec Property_spec = {
    .name = "mlflow_c.types.Property",
    .basicsize = sizeof(PropertyFull),
    .flags = SIG_FLAGS,
    .slots = Property_slots,
};

/* ================================================================ Object */

static int
Object_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(Object_CAST(self)->properties);
    return 0;
}

static int
Object_clear(PyObject *self)
{
    Py_CLEAR(Object_CAST(self)->properties);
    return 0;
}

/* Returns a new reference: the properties as a new list sorted by name, after MLflow's
 * Object._check_properties. */
static PyObject *
object_sorted_properties(mlc_state *st, PyObject *properties)
{
    PyObject *seen = NULL, *dups = NULL, *joined = NULL, *sep = NULL, *tn = NULL;
    PyObject *result = NULL;
    if (!PyList_Check(properties)) {
        tn = type_name(properties);
        if (tn != NULL) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Expected properties to be a list, got type %U", tn);
        }
        goto done;
    }
    if (PyList_GET_SIZE(properties) == 0) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Creating Object with empty properties is not allowed.");
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(properties); i++) {
        if (!IS_A(st, PyList_GET_ITEM(properties, i), PropertyType)) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Expected values to be instance of Property");
            goto done;
        }
    }
    seen = PySet_New(NULL);
    dups = PyList_New(0);
    if (seen == NULL || dups == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(properties); i++) {
        PyObject *name = Property_CAST(PyList_GET_ITEM(properties, i))->base.name;
        int in = PySet_Contains(seen, name);
        if (in < 0) {
            goto done;
        }
        if (in) {
            int listed = PySequence_Contains(dups, name);
            if (listed < 0 || (!listed && PyList_Append(dups, name) < 0)) {
                goto done;
            }
        }
        else if (PySet_Add(seen, name) < 0) {
            goto done;
        }
    }
    if (PyList_GET_SIZE(dups) > 0) {
        sep = PyUnicode_FromString(", ");
        joined = sep == NULL ? NULL : PyUnicode_Join(sep, dups);
        if (joined != NULL) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Found duplicated property names: `%U`", joined);
        }
        goto done;
    }
    result = PySequence_List(properties);
    if (result != NULL && PyList_Sort(result) < 0) {
        Py_CLEAR(result);
    }
done:
    Py_XDECREF(seen);
    Py_XDECREF(dups);
    Py_XDECREF(joined);
    Py_XDECREF(sep);
    Py_XDECREF(tn);
    return result;
}

/* Returns a new reference: Object(properties) with MLflow's checks (properties sorted). */
static PyObject *
object_make(mlc_state *st, PyObject *properties)
{
    PyObject *sorted = object_sorted_properties(st, properties);
    if (sorted == NULL) {
        return NULL;
    }
    PyObject *self = alloc_instance(st->ObjectType);
    if (self == NULL) {
        Py_DECREF(sorted);
        return NULL;
    }
    Object_CAST(self)->properties = sorted; /* steals */
    return self;
}

static PyObject *
Object_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"properties", NULL};
    PyObject *a[1];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("Object.__init__", args, kwargs, names, 1, 1, a) < 0) {
        return NULL;
    }
    return object_make(st, a[0]);
}

/* Returns a new reference: Object.to_dict(). */
static PyObject *
object_to_dict(mlc_state *st, PyObject *self)
{
    PyObject *props = NULL, *one = NULL, *result = NULL;
    /* a snapshot: `properties` is the user-visible list, as in MLflow */
    PyObject *list = PyList_AsTuple(Object_CAST(self)->properties);
    if (list == NULL) {
        return NULL;
    }
    props = PyDict_New();
    if (props == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(list); i++) {
        PyObject *p = PyTuple_GET_ITEM(list, i);
        one = IS_A(st, p, PropertyType) ? property_to_dict(st, p)
                                        : PyObject_CallMethod(p, "to_dict", NULL);
        if (one == NULL || PyDict_Update(props, one) < 0) {
            goto done;
        }
        Py_CLEAR(one);
    }
    result = Py_BuildValue("{sssO}", "type", "object", "properties", props);
done:
    Py_DECREF(list);
    Py_XDECREF(props);
    Py_XDECREF(one);
    return result;
}

static PyObject *
Object_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    mlc_state *st = st_of(self);
    return st == NULL ? NULL : object_to_dict(st, self);
}

static PyObject *
Object_repr(PyObject *self)
{
    PyObject *reprs = NULL, *sep = NULL, *joined = NULL, *result = NULL;
    PyObject *list = PyList_AsTuple(Object_CAST(self)->properties);
    if (list == NULL) {
        return NULL;
    }
    reprs = PyList_New(0);
    if (reprs == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(list); i++) {
        PyObject *r = PyObject_Repr(PyTuple_GET_ITEM(list, i));
        if (r == NULL || PyList_Append(reprs, r) < 0) {
            Py_XDECREF(r);
            goto done;
        }
        Py_DECREF(r);
    }
    sep = PyUnicode_FromString(", ");
    joined = sep == NULL ? NULL : PyUnicode_Join(sep, reprs);
    if (joined != NULL) {
        result = PyUnicode_FromFormat("{%U}", joined);
    }
done:
    Py_DECREF(list);
    Py_XDECREF(reprs);
    Py_XDECREF(sep);
    Py_XDECREF(joined);
    return result;
}

static PyObject *
Object_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    return eq_result(PyObject_RichCompareBool(Object_CAST(self)->properties,
                                              Object_CAST(other)->properties, Py_EQ),
                     op);
}

static PyObject *
Object_get_properties(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(Object_CAST(self)->properties);
}

static int
Object_set_properties(PyObject *self, PyObject *value, void *Py_UNUSED(closure))
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete attribute 'properties'");
        return -1;
    }
    mlc_state *st = st_of(self);
    PyObject *sorted = st == NULL ? NULL : object_sorted_properties(st, value);
    if (sorted == NULL) {
        return -1;
    }
    Py_SETREF(Object_CAST(self)->properties, sorted);
    return 0;
}

static PyObject *
Object_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(O(O))", (PyObject *)Py_TYPE(self), Object_CAST(self)->properties);
}

static PyMethodDef Object_methods[] = {
    {"to_dict", Object_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation: {\"type\": \"object\", \"properties\": "
     "...}."},
    FROM_JSON_DICT_DEF(Object,
                       "Deserialize from a json loaded dictionary (keys `type`, `properties`)."),
    {"__reduce__", Object_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Object_getset[] = {
    {"properties", Object_get_properties, Object_set_properties,
     "The list of object properties (sorted by name).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Object_doc, "Object(properties)\n--\n\n"
                         "Specification used to represent a json-convertible object.");

static PyType_Slot Object_slots[] = {
    {Py_tp_new, Object_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, Object_traverse},
    {Py_tp_clear, Object_clear},
    {Py_tp_repr, Object_repr},
    {Py_tp_richcompare, Object_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, Object_methods},
    {Py_tp_getset, Object_getset},
    {Py_tp_doc, (void *)Object_doc},
    {0, NULL},
};

static PyType_Spec Object_spec = {
    .name = "mlflow_c.types.Object",
    .basicsize = sizeof(ObjectObject),
    .flags = SIG_FLAGS,
    .slots = Object_slots,
};

/* ================================================================ composite JSON */

static PyObject *
composite_to_dict(mlc_state *st, PyObject *t)
{
    if (Py_EnterRecursiveCall(" while converting a signature type to a dict")) {
        return NULL;
    }
    PyObject *r;
    if (IS_A(st, t, ArrayType)) {
        r = array_to_dict(st, t);
    }
    else if (IS_A(st, t, ObjectType)) {
        r = object_to_dict(st, t);
    }
    else if (IS_A(st, t, MapType)) {
        r = map_to_dict(st, t);
    }
    else if (IS_A(st, t, AnyTypeType)) {
        r = Py_BuildValue("{ss}", "type", "any");
    }
    else {
        r = PyObject_CallMethod(t, "to_dict", NULL);
    }
    Py_LeaveRecursiveCall();
    return r;
}

/* 1 when the dict d has every key of the NULL-terminated keys, 0 when not, -1 on error. */
static int
has_keys(PyObject *d, const char *const *keys)
{
    for (int i = 0; keys[i] != NULL; i++) {
        PyObject *v = NULL;
        int rc = PyDict_GetItemStringRef(d, keys[i], &v);
        Py_XDECREF(v);
        if (rc <= 0) {
            return rc;
        }
    }
    return 1;
}

/* Returns a new reference to d[key] (the caller checked it is present). */
static PyObject *
dict_item(PyObject *d, const char *key)
{
    PyObject *v = NULL;
    if (PyDict_GetItemStringRef(d, key, &v) == 0) {
        PyErr_SetString(PyExc_KeyError, key);
    }
    return v;
}

/* Returns a new reference: the type a nested JSON type dict d (with a "type" key) describes:
 * an Object/Array/Map/AnyType/SparkMLVector read from it, or the raw "type" value for a
 * DataType name (the constructor of the enclosing type resolves and checks it). */
static PyObject *
nested_type_from_json(mlc_state *st, PyObject *d)
{
    PyObject *tv = dict_item(d, "type");
    if (tv == NULL) {
        return NULL;
    }
    if (Py_EnterRecursiveCall(" while reading a signature type")) {
        Py_DECREF(tv);
        return NULL;
    }
    PyObject *r;
    if (str_is(tv, "object")) {
        r = object_from_json(st, d);
    }
    else if (str_is(tv, "array")) {
        r = array_from_json(st, d);
    }
    else if (str_is(tv, "sparkml_vector")) {
        r = sparkml_make(st);
    }
    else if (str_is(tv, "map")) {
        r = map_from_json(st, d);
    }
    else if (str_is(tv, "any")) {
        r = any_make(st);
    }
    else {
        r = Py_NewRef(tv);
    }
    Py_LeaveRecursiveCall();
    Py_DECREF(tv);
    return r;
}

/* Array.from_json_dict(**d). Returns a new reference. */
static PyObject *
array_from_json(mlc_state *st, PyObject *d)
{
    static const char *const keys[] = {"items", "type", NULL};
    PyObject *tv = NULL, *items = NULL, *item_type = NULL, *result = NULL;
    int rc = has_keys(d, keys);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in Array JSON. Expected to find keys `items` and `type`");
        }
        goto done;
    }
    if ((tv = dict_item(d, "type")) == NULL || (items = dict_item(d, "items")) == NULL) {
        goto done;
    }
    if (!str_is(tv, "array")) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Type mismatch, Array expects `array` as the type");
        goto done;
    }
    if (!PyDict_Check(items)) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Expected items to be a dictionary of Object JSON");
        goto done;
    }
    rc = has_keys(items, keys + 1);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in Array's items JSON. Expected to find key `type`");
        }
        goto done;
    }
    item_type = nested_type_from_json(st, items);
    if (item_type != NULL) {
        result = array_make(st, item_type);
    }
done:
    Py_XDECREF(tv);
    Py_XDECREF(items);
    Py_XDECREF(item_type);
    return result;
}

/* Map.from_json_dict(**d). Returns a new reference. A sparkml_vector value type gives
 * Map(SparkMLVector()) (MLflow 3.17 returns the bare SparkMLVector instead). */
static PyObject *
map_from_json(mlc_state *st, PyObject *d)
{
    static const char *const keys[] = {"values", "type", NULL};
    PyObject *tv = NULL, *values = NULL, *value_type = NULL, *result = NULL;
    int rc = has_keys(d, keys);
    if (rc <= 0) {
        if (rc == 0) { /* sic: MLflow's text names Array */
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in Array JSON. Expected to find keys `items` and `type`");
        }
        goto done;
    }
    if ((tv = dict_item(d, "type")) == NULL || (values = dict_item(d, "values")) == NULL) {
        goto done;
    }
    if (!str_is(tv, "map")) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Type mismatch, Map expects `map` as the type");
        goto done;
    }
    if (!PyDict_Check(values)) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Expected values to be a dictionary of Object JSON");
        goto done;
    }
    rc = has_keys(values, keys + 1);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in Map's items JSON. Expected to find key `type`");
        }
        goto done;
    }
    value_type = nested_type_from_json(st, values);
    if (value_type != NULL) {
        result = map_make(st, value_type);
    }
done:
    Py_XDECREF(tv);
    Py_XDECREF(values);
    Py_XDECREF(value_type);
    return result;
}

/* Property.from_json_dict for one (name, dic) pair. Returns a new reference. */
static PyObject *
property_from_json(mlc_state *st, PyObject *name, PyObject *dic)
{
    static const char *const keys[] = {"type", NULL};
    PyObject *required = NULL, *dtype = NULL, *result = NULL;
    if (!PyDict_Check(dic)) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Expected properties to be a dictionary of Property JSON");
        goto done;
    }
    int rc = has_keys(dic, keys);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in Property `%S`. Expected to find key `type`", name);
        }
        goto done;
    }
    if (PyDict_GetItemStringRef(dic, "required", &required) < 0) {
        goto done;
    }
    if (required == NULL) {
        required = Py_NewRef(Py_True);
    }
    dtype = nested_type_from_json(st, dic);
    if (dtype != NULL) {
        result = property_make(st, name, dtype, required);
    }
done:
    Py_XDECREF(required);
    Py_XDECREF(dtype);
    return result;
}

/* Property.from_json_dict(**d): d has exactly one key, the name. Returns a new reference. */
static PyObject *
property_from_json_kwargs(mlc_state *st, PyObject *d)
{
    if (PyDict_GET_SIZE(d) != 1) {
        return mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                         "Expected Property JSON to contain a single key as name, got %zd keys.",
                         PyDict_GET_SIZE(d));
    }
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    PyDict_Next(d, &pos, &k, &v);
    Py_INCREF(k);
    Py_INCREF(v);
    PyObject *r = property_from_json(st, k, v);
    Py_DECREF(k);
    Py_DECREF(v);
    return r;
}

/* Object.from_json_dict(**d). Returns a new reference. */
static PyObject *
object_from_json(mlc_state *st, PyObject *d)
{
    static const char *const keys[] = {"properties", "type", NULL};
    PyObject *tv = NULL, *props = NULL, *list = NULL, *items = NULL, *result = NULL;
    int rc = has_keys(d, keys);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in Object JSON. Expected to find keys `properties` and "
                      "`type`");
        }
        goto done;
    }
    if ((tv = dict_item(d, "type")) == NULL || (props = dict_item(d, "properties")) == NULL) {
        goto done;
    }
    if (!str_is(tv, "object")) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Type mismatch, Object expects `object` as the type");
        goto done;
    }
    int bad = !PyDict_Check(props);
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (!bad && PyDict_Next(props, &pos, &k, &v)) {
        bad = !PyDict_Check(v);
    }
    if (bad) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Expected properties to be a dictionary of Property JSON");
        goto done;
    }
    list = PyList_New(0);
    if ((items = PyDict_Items(props)) == NULL || list == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *kv = PyList_GET_ITEM(items, i);
        PyObject *p = property_from_json(st, PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1));
        if (p == NULL || PyList_Append(list, p) < 0) {
            Py_XDECREF(p);
            goto done;
        }
        Py_DECREF(p);
    }
    result = object_make(st, list);
done:
    Py_XDECREF(tv);
    Py_XDECREF(props);
    Py_XDECREF(list);
    Py_XDECREF(items);
    return result;
}

/* ================================================================ ColSpec */

static int
ColSpec_traverse(PyObject *self, visitproc visit, void *arg)
{
    ColSpecFull *c = ColSpec_CAST(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(c->base.type);
    Py_VISIT(c->base.name);
    Py_VISIT(c->required_obj);
    return 0;
}

static int
ColSpec_clear(PyObject *self)
{
    ColSpecFull *c = ColSpec_CAST(self);
    Py_CLEAR(c->base.type);
    Py_CLEAR(c->base.name);
    Py_CLEAR(c->required_obj);
    return 0;
}

/* Returns a new reference: ColSpec(type, name, required) with MLflow's checks (a str type is
 * looked up by DataType name). */
static PyObject *
colspec_make(mlc_state *st, PyObject *type, PyObject *name, PyObject *required)
{
    int truth = PyObject_IsTrue(required);
    if (truth < 0) {
        return NULL;
    }
    PyObject *t = resolve_type(st, type,
                               "Unsupported type '%S', expected instance of DataType or one of "
                               DT_NAMES_LIST,
                               st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE, "type");
    if (t == NULL) {
        return NULL;
    }
    PyObject *self = alloc_instance(st->ColSpecType);
    if (self == NULL) {
        Py_DECREF(t);
        return NULL;
    }
    ColSpecFull *c = ColSpec_CAST(self);
    mlc_dtype dt;
    c->base.kind = (mlc_kind)sig_kind(st, t, &dt);
    c->base.dtype = dt;
    c->base.type = t; /* steals */
    c->base.name = Py_NewRef(name);
    c->base.required = truth;
    c->required_obj = Py_NewRef(required);
    return self;
}

/* Returns a new reference: the `required` value from ColSpec's `required` and 2.x `optional`
 * arguments (either may be NULL when not given). */
static PyObject *
colspec_required_arg(mlc_state *st, PyObject *required, PyObject *optional)
{
    if (mlc_is_none(optional)) {
        return Py_NewRef(required ? required : Py_True);
    }
    if (!mlc_is_none(required)) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Only one of `optional` and `required` can be specified. `optional` is "
                         "deprecated, please use `required` instead.");
    }
    int opt = PyObject_IsTrue(optional);
    return opt < 0 ? NULL : PyBool_FromLong(!opt);
}

static PyObject *
ColSpec_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"type", "name", "required", "optional", NULL};
    PyObject *a[4];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("ColSpec.__init__", args, kwargs, names, 3, 1, a) < 0) {
        return NULL;
    }
    PyObject *required = colspec_required_arg(st, a[2], a[3]);
    if (required == NULL) {
        return NULL;
    }
    PyObject *r = colspec_make(st, a[0], a[1] ? a[1] : Py_None, required);
    Py_DECREF(required);
    return r;
}

/* Returns a new reference: ColSpec.to_dict() (type, then name when set, then required). */
static PyObject *
colspec_to_dict(mlc_state *st, PyObject *self)
{
    ColSpecFull *c = ColSpec_CAST(self);
    PyObject *d = type_to_dict(st, c->base.type);
    if (d == NULL) {
        return NULL;
    }
    if (!PyDict_Check(d)) {
        Py_DECREF(d);
        PyErr_SetString(PyExc_TypeError, "to_dict() of a column type must return a dict");
        return NULL;
    }
    if ((c->base.name != Py_None && PyDict_SetItemString(d, "name", c->base.name) < 0) ||
        PyDict_SetItemString(d, "required", c->required_obj) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *
ColSpec_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    mlc_state *st = st_of(self);
    return st == NULL ? NULL : colspec_to_dict(st, self);
}

static PyObject *
ColSpec_repr(PyObject *self)
{
    ColSpecFull *c = ColSpec_CAST(self);
    const char *req = c->base.required ? "required" : "optional";
    if (c->base.name == Py_None) {
        return PyUnicode_FromFormat("%R (%s)", c->base.type, req);
    }
    return PyUnicode_FromFormat("%R: %R (%s)", c->base.name, c->base.type, req);
}

/* 1 when two spec names are equal the way MLflow compares them (both None, or ==). */
static int
names_equal(PyObject *a, PyObject *b)
{
    if (a == Py_None && b == Py_None) {
        return 1;
    }
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

static PyObject *
ColSpec_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    ColSpecFull *a = ColSpec_CAST(self), *b = ColSpec_CAST(other);
    int eq = names_equal(a->base.name, b->base.name);
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->base.type, b->base.type, Py_EQ);
    }
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->required_obj, b->required_obj, Py_EQ);
    }
    return eq_result(eq, op);
}

static PyObject *
ColSpec_get_type(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ColSpec_CAST(self)->base.type);
}

static PyObject *
ColSpec_get_name(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ColSpec_CAST(self)->base.name);
}

static int
ColSpec_set_name(PyObject *self, PyObject *value, void *Py_UNUSED(closure))
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete attribute 'name'");
        return -1;
    }
    Py_SETREF(ColSpec_CAST(self)->base.name, Py_NewRef(value));
    return 0;
}

static PyObject *
ColSpec_get_required(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ColSpec_CAST(self)->required_obj);
}

static PyObject *
ColSpec_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    ColSpecFull *c = ColSpec_CAST(self);
    return Py_BuildValue("(O(OOO))", (PyObject *)Py_TYPE(self), c->base.type, c->base.name,
                         c->required_obj);
}

/* ColSpec.from_json_dict(**d). Returns a new reference. Reads the 2.x "optional" key too. */
static PyObject *
colspec_from_json(mlc_state *st, PyObject *d)
{
    static const char *const keys[] = {"type", NULL};
    static const char *const composite[] = {"array", "object", "map", "sparkml_vector", "any",
                                            NULL};
    PyObject *tv = NULL, *name = NULL, *required = NULL, *optional = NULL, *t = NULL;
    PyObject *result = NULL;
    int rc = has_keys(d, keys);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in ColSpec JSON. Expected to find key `type`");
        }
        goto done;
    }
    if ((tv = dict_item(d, "type")) == NULL) {
        goto done;
    }
    int is_composite = 0;
    for (int i = 0; composite[i] != NULL; i++) {
        is_composite |= str_is(tv, composite[i]);
    }
    if (!is_composite) { /* cls(**kwargs) */
        result = PyObject_Call(st->ColSpecType, st->empty_tuple, d);
        goto done;
    }
    if (PyDict_GetItemStringRef(d, "name", &name) < 0 ||
        PyDict_GetItemStringRef(d, "required", &required) < 0 ||
        PyDict_GetItemStringRef(d, "optional", &optional) < 0) {
        goto done;
    }
    /* MLflow 3.17 passes required=None when the key is absent. */
    Py_XSETREF(required, colspec_required_arg(st, required ? required : Py_None, optional));
    if (required == NULL) {
        goto done;
    }
    t = nested_type_from_json(st, d);
    if (t != NULL) {
        result = colspec_make(st, t, name ? name : Py_None, required);
    }
done:
    Py_XDECREF(tv);
    Py_XDECREF(name);
    Py_XDECREF(required);
    Py_XDECREF(optional);
    Py_XDECREF(t);
    return result;
}

FROM_JSON_DICT_METHOD(ColSpec, colspec_from_json)

static PyMethodDef ColSpec_methods[] = {
    {"to_dict", ColSpec_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation (type, name when set, required)."},
    FROM_JSON_DICT_DEF(ColSpec, "Deserialize from a json loaded dictionary: `type` and optional "
                                "`name` and `required` (or MLflow 2.x `optional`) keys."),
    {"__reduce__", ColSpec_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ColSpec_getset[] = {
    {"type", ColSpec_get_type, NULL, "The column data type.", NULL},
    {"name", ColSpec_get_name, ColSpec_set_name,
     "The column name or None if the columns is unnamed.", NULL},
    {"required", ColSpec_get_required, NULL, "Whether this column is required.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(ColSpec_doc,
             "ColSpec(type, name=None, required=True, *, optional=None)\n--\n\n"
             "Specification of name and type of a single column in a dataset.\n\n"
             "`optional` is MLflow 2.x's spelling: required = not optional.");

static PyType_Slot ColSpec_slots[] = {
    {Py_tp_new, ColSpec_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, ColSpec_traverse},
    {Py_tp_clear, ColSpec_clear},
    {Py_tp_repr, ColSpec_repr},
    {Py_tp_richcompare, ColSpec_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, ColSpec_methods},
    {Py_tp_getset, ColSpec_getset},
    {Py_tp_doc, (void *)ColSpec_doc},
    {0, NULL},
};

static PyType_Spec ColSpec_spec = {
    .name = "mlflow_c.types.ColSpec",
    .basicsize = sizeof(ColSpecFull),
    .flags = SIG_FLAGS,
    .slots = ColSpec_slots,
};

/* ================================================================ TensorSpec */

static int
TensorSpec_traverse(PyObject *self, visitproc visit, void *arg)
{
    TensorSpecObject *t = TensorSpec_CAST(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(t->type);
    Py_VISIT(t->shape);
    Py_VISIT(t->name);
    return 0;
}

static int
TensorSpec_clear(PyObject *self)
{
    TensorSpecObject *t = TensorSpec_CAST(self);
    Py_CLEAR(t->type);
    Py_CLEAR(t->shape);
    Py_CLEAR(t->name);
    return 0;
}

/* Returns 0 when the numpy dtype `dtype` carries no size (MLflow rejects "<U5", "|S3"), or -1
 * with MlflowException. */
static int
tensor_check_flexible(mlc_state *st, PyObject *dtype)
{
    PyObject *ch = NULL, *nm = NULL, *alpha = NULL, *stripped = NULL;
    int result = -1;
    if ((ch = attr(dtype, "char")) == NULL) {
        goto done;
    }
    if (str_is(ch, "U") || str_is(ch, "S")) {
        if ((nm = attr(dtype, "name")) == NULL ||
            (alpha = PyObject_CallMethod(nm, "isalpha", NULL)) == NULL) {
            goto done;
        }
        if (alpha != Py_True) {
            stripped = PyObject_CallMethod(nm, "rstrip", "s", "0123456789");
            if (stripped != NULL) {
                mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                          "MLflow does not support size information in flexible numpy data "
                          "types. Use np.dtype(\"%S\") instead",
                          stripped);
            }
            goto done;
        }
    }
    result = 0;
done:
    Py_XDECREF(ch);
    Py_XDECREF(nm);
    Py_XDECREF(alpha);
    Py_XDECREF(stripped);
    return result;
}

/* Returns a new reference: TensorSpec(dtype, shape, name) with MLflow's checks. */
static PyObject *
tensorspec_make(mlc_state *st, PyObject *dtype, PyObject *shape, PyObject *name)
{
    PyObject *cls = NULL, *shp = NULL, *result = NULL;
    cls = mlc_lazy_attr(&st->numpy_dtype, "numpy", "dtype");
    if (cls == NULL) {
        goto done;
    }
    int ok = PyObject_IsInstance(dtype, cls);
    if (ok <= 0) {
        if (ok == 0) {
            mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                      "Expected `dtype` to be instance of `%S`, received `%S`", cls,
                      (PyObject *)Py_TYPE(dtype));
        }
        goto done;
    }
    if (tensor_check_flexible(st, dtype) < 0) {
        goto done;
    }
    if (!PyTuple_Check(shape) && !PyList_Check(shape)) {
        mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                  "Expected `shape` to be instance of `%S` or `%S`, received `%S`",
                  (PyObject *)&PyTuple_Type, (PyObject *)&PyList_Type,
                  (PyObject *)Py_TYPE(shape));
        goto done;
    }
    shp = PySequence_Tuple(shape);
    if (shp == NULL) {
        goto done;
    }
    result = alloc_instance(st->TensorSpecType);
    if (result != NULL) {
        TensorSpecObject *t = TensorSpec_CAST(result);
        t->type = Py_NewRef(dtype);
        t->shape = Py_NewRef(shp);
        t->name = Py_NewRef(name);
        t->required = 1;
    }
done:
    Py_XDECREF(cls);
    Py_XDECREF(shp);
    return result;
}

static PyObject *
TensorSpec_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"type", "shape", "name", NULL};
    PyObject *a[3];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("TensorSpec.__init__", args, kwargs, names, 3, 2, a) < 0) {
        return NULL;
    }
    return tensorspec_make(st, a[0], a[1], a[2] ? a[2] : Py_None);
}

/* Returns a new reference: TensorSpec.to_dict() (shape stays a tuple, as in MLflow). */
static PyObject *
tensorspec_to_dict(PyObject *self)
{
    TensorSpecObject *t = TensorSpec_CAST(self);
    PyObject *dname = attr(t->type, "name");
    if (dname == NULL) {
        return NULL;
    }
    PyObject *info = Py_BuildValue("{sNsO}", "dtype", dname, "shape", t->shape);
    if (info == NULL) {
        return NULL;
    }
    if (t->name == Py_None) {
        return Py_BuildValue("{sssN}", "type", "tensor", "tensor-spec", info);
    }
    return Py_BuildValue("{sOsssN}", "name", t->name, "type", "tensor", "tensor-spec", info);
}

static PyObject *
TensorSpec_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return tensorspec_to_dict(self);
}

static PyObject *
TensorSpec_repr(PyObject *self)
{
    TensorSpecObject *t = TensorSpec_CAST(self);
    PyObject *dname = attr(t->type, "name");
    if (dname == NULL) {
        return NULL;
    }
    PyObject *r = t->name == Py_None
                      ? PyUnicode_FromFormat("Tensor(%R, %R)", dname, t->shape)
                      : PyUnicode_FromFormat("%R: Tensor(%R, %R)", t->name, dname, t->shape);
    Py_DECREF(dname);
    return r;
}

static PyObject *
TensorSpec_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    TensorSpecObject *a = TensorSpec_CAST(self), *b = TensorSpec_CAST(other);
    int eq = names_equal(a->name, b->name);
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->type, b->type, Py_EQ);
    }
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->shape, b->shape, Py_EQ);
    }
    return eq_result(eq, op);
}

static PyObject *
TensorSpec_get_type(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(TensorSpec_CAST(self)->type);
}

static PyObject *
TensorSpec_get_shape(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(TensorSpec_CAST(self)->shape);
}

static PyObject *
TensorSpec_get_name(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(TensorSpec_CAST(self)->name);
}

static PyObject *
TensorSpec_get_required(PyObject *Py_UNUSED(self), void *Py_UNUSED(closure))
{
    Py_RETURN_TRUE;
}

static PyObject *
TensorSpec_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    TensorSpecObject *t = TensorSpec_CAST(self);
    return Py_BuildValue("(O(OOO))", (PyObject *)Py_TYPE(self), t->type, t->shape, t->name);
}

/* TensorSpec.from_json_dict(**d). Returns a new reference. */
static PyObject *
tensorspec_from_json(mlc_state *st, PyObject *d)
{
    static const char *const keys[] = {"tensor-spec", "type", NULL};
    static const char *const info_keys[] = {"dtype", "shape", NULL};
    PyObject *tv = NULL, *info = NULL, *dname = NULL, *shape = NULL, *dtype = NULL;
    PyObject *shp = NULL, *name = NULL, *cls = NULL, *tn = NULL, *result = NULL;
    int rc = has_keys(d, keys);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in TensorSpec JSON. Expected to find keys `tensor-spec` and "
                      "`type`");
        }
        goto done;
    }
    if ((tv = dict_item(d, "type")) == NULL || (info = dict_item(d, "tensor-spec")) == NULL) {
        goto done;
    }
    if (!str_is(tv, "tensor")) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Type mismatch, TensorSpec expects `tensor` as the type");
        goto done;
    }
    if (!PyDict_Check(info)) {
        if ((tn = type_name(info)) != NULL) {
            mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                      "TensorInfo.from_json_dict() argument after ** must be a mapping, not %U",
                      tn);
        }
        goto done;
    }
    rc = has_keys(info, info_keys);
    if (rc <= 0) {
        if (rc == 0) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing keys in TensorSpec JSON. Expected to find keys `dtype` and "
                      "`shape`");
        }
        goto done;
    }
    if ((dname = dict_item(info, "dtype")) == NULL || (shape = dict_item(info, "shape")) == NULL) {
        goto done;
    }
    if ((cls = mlc_lazy_attr(&st->numpy_dtype, "numpy", "dtype")) == NULL ||
        (dtype = PyObject_CallOneArg(cls, dname)) == NULL ||
        (shp = PySequence_Tuple(shape)) == NULL) {
        goto done;
    }
    if (PyDict_GetItemStringRef(d, "name", &name) < 0) {
        goto done;
    }
    result = tensorspec_make(st, dtype, shp, name ? name : Py_None);
done:
    Py_XDECREF(tv);
    Py_XDECREF(info);
    Py_XDECREF(dname);
    Py_XDECREF(shape);
    Py_XDECREF(dtype);
    Py_XDECREF(shp);
    Py_XDECREF(name);
    Py_XDECREF(cls);
    Py_XDECREF(tn);
    return result;
}

FROM_JSON_DICT_METHOD(TensorSpec, tensorspec_from_json)

static PyMethodDef TensorSpec_methods[] = {
    {"to_dict", TensorSpec_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation (name when set, type, tensor-spec)."},
    FROM_JSON_DICT_DEF(TensorSpec,
                       "Deserialize from a json loaded dictionary (keys `type`, `tensor-spec`)."),
    {"__reduce__", TensorSpec_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef TensorSpec_getset[] = {
    {"type", TensorSpec_get_type, NULL, "The numpy dtype of the tensor.", NULL},
    {"shape", TensorSpec_get_shape, NULL, "The tensor shape (-1 for a variable dimension).",
     NULL},
    {"name", TensorSpec_get_name, NULL, "The tensor name or None if the tensor is unnamed.",
     NULL},
    {"required", TensorSpec_get_required, NULL, "Always True.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(TensorSpec_doc, "TensorSpec(type, shape, name=None)\n--\n\n"
                             "Specification used to represent a dataset stored as a Tensor.");

static PyType_Slot TensorSpec_slots[] = {
    {Py_tp_new, TensorSpec_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, TensorSpec_traverse},
    {Py_tp_clear, TensorSpec_clear},
    {Py_tp_repr, TensorSpec_repr},
    {Py_tp_richcompare, TensorSpec_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, TensorSpec_methods},
    {Py_tp_getset, TensorSpec_getset},
    {Py_tp_doc, (void *)TensorSpec_doc},
    {0, NULL},
};

static PyType_Spec TensorSpec_spec = {
    .name = "mlflow_c.types.TensorSpec",
    .basicsize = sizeof(TensorSpecObject),
    .flags = SIG_FLAGS,
    .slots = TensorSpec_slots,
};

/* ================================================================ specs inside a Schema */

/* The inputs list of a Schema is the caller's list (as in MLflow) and may be changed after
 * construction, so the query methods read each item through these accessors: the C fields for
 * our specs, attribute access for anything else. */

/* Returns a new reference: spec.name. */
static PyObject *
spec_name(mlc_state *st, PyObject *x)
{
    if (IS_A(st, x, ColSpecType)) {
        return Py_NewRef(ColSpec_CAST(x)->base.name);
    }
    if (IS_A(st, x, TensorSpecType)) {
        return Py_NewRef(TensorSpec_CAST(x)->name);
    }
    return attr(x, "name");
}

/* Returns a new reference: spec.type. */
static PyObject *
spec_type(mlc_state *st, PyObject *x)
{
    if (IS_A(st, x, ColSpecType)) {
        return Py_NewRef(ColSpec_CAST(x)->base.type);
    }
    if (IS_A(st, x, TensorSpecType)) {
        return Py_NewRef(TensorSpec_CAST(x)->type);
    }
    return attr(x, "type");
}

/* Returns bool(spec.required): 1, 0 or -1. */
static int
spec_required(mlc_state *st, PyObject *x)
{
    if (IS_A(st, x, ColSpecType)) {
        return ColSpec_CAST(x)->base.required;
    }
    if (IS_A(st, x, TensorSpecType)) {
        return 1;
    }
    PyObject *r = attr(x, "required");
    if (r == NULL) {
        return -1;
    }
    int truth = PyObject_IsTrue(r);
    Py_DECREF(r);
    return truth;
}

/* Returns a new reference: spec.to_dict(). */
static PyObject *
spec_to_dict(mlc_state *st, PyObject *x)
{
    if (IS_A(st, x, ColSpecType)) {
        return colspec_to_dict(st, x);
    }
    if (IS_A(st, x, TensorSpecType)) {
        return tensorspec_to_dict(x);
    }
    return PyObject_CallMethod(x, "to_dict", NULL);
}

/* Returns a new reference: a tuple snapshot of a list (safe to iterate while running Python). */
static PyObject *
snapshot(PyObject *list)
{
    return PyList_AsTuple(list);
}

/* Returns a new reference: the list of the items of seq (a tuple) that occur more than once,
 * each listed once, in the order their second occurrence is found. */
static PyObject *
find_duplicates(PyObject *seq)
{
    PyObject *seen = NULL, *dups = NULL, *result = NULL;
    int use_set = 1;
    seen = PySet_New(NULL);
    dups = PyList_New(0);
    if (seen == NULL || dups == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(seq); i++) {
        PyObject *x = PyTuple_GET_ITEM(seq, i);
        int in;
        if (use_set) {
            in = PySet_Contains(seen, x);
            if (in < 0 && PyErr_ExceptionMatches(PyExc_TypeError)) { /* unhashable name */
                PyErr_Clear();
                use_set = 0;
            }
        }
        if (!use_set) {
            in = 0;
            for (Py_ssize_t j = 0; j < i && in == 0; j++) {
                in = PyObject_RichCompareBool(PyTuple_GET_ITEM(seq, j), x, Py_EQ);
            }
        }
        if (in < 0) {
            goto done;
        }
        if (in) {
            int listed = PySequence_Contains(dups, x);
            if (listed < 0 || (!listed && PyList_Append(dups, x) < 0)) {
                goto done;
            }
        }
        else if (use_set && PySet_Add(seen, x) < 0) {
            goto done;
        }
    }
    result = Py_NewRef(dups);
done:
    Py_XDECREF(seen);
    Py_XDECREF(dups);
    return result;
}

/* ================================================================ Schema */

static int
Schema_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(Schema_CAST(self)->inputs);
    return 0;
}

static int
Schema_clear(PyObject *self)
{
    Py_CLEAR(Schema_CAST(self)->inputs);
    return 0;
}

/* Returns a new reference: Schema(inputs) with MLflow 3.17's checks, plus two fixes: the
 * ColSpec/TensorSpec mix names the classes (Q13) and duplicate names are rejected (Q14). */
static PyObject *
schema_make(mlc_state *st, PyObject *inputs)
{
    PyObject *items = NULL, *names = NULL, *dups = NULL, *tn = NULL, *result = NULL;
    if (!PyList_Check(inputs)) {
        if ((tn = type_name(inputs)) != NULL) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Inputs of Schema must be a list, got type %U", tn);
        }
        goto done;
    }
    if (PyList_GET_SIZE(inputs) == 0) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Creating Schema with empty inputs is not allowed.");
        goto done;
    }
    items = snapshot(inputs);
    if (items == NULL) {
        goto done;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(items);
    names = PyTuple_New(n);
    if (names == NULL) {
        goto done;
    }
    Py_ssize_t n_unnamed = 0, n_tensor = 0, n_col = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PyTuple_GET_ITEM(items, i);
        PyObject *name = spec_name(st, x);
        if (name == NULL) {
            goto done;
        }
        n_unnamed += name == Py_None;
        PyTuple_SET_ITEM(names, i, name); /* steals */
        n_tensor += IS_A(st, x, TensorSpecType);
        n_col += IS_A(st, x, ColSpecType);
    }
    if (n_unnamed != 0 && n_unnamed != n) {
        PyObject *as_list = PySequence_List(names);
        if (as_list != NULL) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Creating Schema with a combination of named and unnamed inputs is not "
                      "allowed. Got input names %R",
                      as_list);
            Py_DECREF(as_list);
        }
        goto done;
    }
    if (n_tensor != n && n_col != n) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Creating Schema with a combination of ColSpec and TensorSpec is not "
                  "supported. Please choose one of ColSpec or TensorSpec");
        goto done;
    }
    if (n_tensor == n && n > 1 && n_unnamed > 0) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "Creating Schema with multiple unnamed TensorSpecs is not supported. Please "
                  "provide names for each TensorSpec.");
        goto done;
    }
    if (n_unnamed == n) {
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *x = PyTuple_GET_ITEM(items, i);
            if (IS_A(st, x, ColSpecType) && ColSpec_CAST(x)->required_obj == Py_False) {
                mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                          "Creating Schema with unnamed optional inputs is not supported. "
                          "Please name all inputs or make all inputs required.");
                goto done;
            }
        }
    }
    else {
        dups = find_duplicates(names);
        if (dups == NULL) {
            goto done;
        }
        if (PyList_GET_SIZE(dups) > 0) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Duplicated column names found in schema: %R", dups);
            goto done;
        }
    }
    result = alloc_instance(st->SchemaType);
    if (result != NULL) {
        SchemaObject *s = Schema_CAST(result);
        s->inputs = Py_NewRef(inputs);
        s->is_tensor = n_tensor == n;
        s->has_names = n_unnamed == 0;
    }
done:
    Py_XDECREF(items);
    Py_XDECREF(names);
    Py_XDECREF(dups);
    Py_XDECREF(tn);
    return result;
}

static PyObject *
Schema_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"inputs", NULL};
    PyObject *a[1];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("Schema.__init__", args, kwargs, names, 1, 1, a) < 0) {
        return NULL;
    }
    return schema_make(st, a[0]);
}

static Py_ssize_t
Schema_length(PyObject *self)
{
    return PyList_GET_SIZE(Schema_CAST(self)->inputs);
}

static PyObject *
Schema_iter(PyObject *self)
{
    return PyObject_GetIter(Schema_CAST(self)->inputs);
}

static PyObject *
Schema_get_inputs(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(Schema_CAST(self)->inputs);
}

/* Returns a new reference: MLflow's `self.inputs and <pred>(self.inputs[0])`, where pred is
 * "is a TensorSpec" (want_tensor) or "has a name". */
static PyObject *
schema_first_is(mlc_state *st, PyObject *self, int want_tensor)
{
    PyObject *inputs = Schema_CAST(self)->inputs;
    if (PyList_GET_SIZE(inputs) == 0) {
        return Py_NewRef(inputs);
    }
    PyObject *first = Py_NewRef(PyList_GET_ITEM(inputs, 0));
    PyObject *r = NULL;
    if (want_tensor) {
        r = PyBool_FromLong(IS_A(st, first, TensorSpecType));
    }
    else {
        PyObject *name = spec_name(st, first);
        if (name != NULL) {
            r = PyBool_FromLong(name != Py_None);
            Py_DECREF(name);
        }
    }
    Py_DECREF(first);
    return r;
}

/* 1 when the schema's first input is named (has_input_names()), 0 when not, -1 on error. */
static int
schema_has_names(mlc_state *st, PyObject *self)
{
    PyObject *r = schema_first_is(st, self, 0);
    if (r == NULL) {
        return -1;
    }
    int truth = PyObject_IsTrue(r);
    Py_DECREF(r);
    return truth;
}

#define SCHEMA_METHOD_HEAD(fname)                                                             \
    mlc_state *st = mlc_state_from_class(cls);                                               \
    if (no_args(fname, nargs, kwnames) < 0) {                                                 \
        return NULL;                                                                          \
    }

static PyObject *
Schema_is_tensor_spec(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                      Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("is_tensor_spec")
    return schema_first_is(st, self, 1);
}

static PyObject *
Schema_has_input_names(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                       Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("has_input_names")
    return schema_first_is(st, self, 0);
}

/* Returns a new reference: [x.name or i for i, x in enumerate(inputs) if <filter>], where
 * filter is none (which 0), required (1) or optional (2). */
static PyObject *
schema_names(mlc_state *st, PyObject *self, int which)
{
    PyObject *items = NULL, *out = NULL, *name = NULL, *result = NULL;
    if ((items = snapshot(Schema_CAST(self)->inputs)) == NULL || (out = PyList_New(0)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
        PyObject *x = PyTuple_GET_ITEM(items, i);
        if (which != 0) {
            int req = spec_required(st, x);
            if (req < 0) {
                goto done;
            }
            if (req != (which == 1)) {
                continue;
            }
        }
        if ((name = spec_name(st, x)) == NULL) {
            goto done;
        }
        int truth = PyObject_IsTrue(name);
        if (truth < 0) {
            goto done;
        }
        if (!truth) {
            Py_SETREF(name, PyLong_FromSsize_t(i));
            if (name == NULL) {
                goto done;
            }
        }
        if (PyList_Append(out, name) < 0) {
            goto done;
        }
        Py_CLEAR(name);
    }
    result = Py_NewRef(out);
done:
    Py_XDECREF(items);
    Py_XDECREF(out);
    Py_XDECREF(name);
    return result;
}

static PyObject *
Schema_input_names(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                   Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("input_names")
    return schema_names(st, self, 0);
}

static PyObject *
Schema_required_input_names(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                            Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("required_input_names")
    return schema_names(st, self, 1);
}

static PyObject *
Schema_optional_input_names(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                            Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("optional_input_names")
    return schema_names(st, self, 2);
}

/* What schema_collect builds from each spec. */
enum { COLLECT_TYPE, COLLECT_TYPE_BY_NAME, COLLECT_SPEC_BY_NAME, COLLECT_DICT };

/* Returns a new reference: a list (or dict keyed by name) of one value per input. */
static PyObject *
schema_collect(mlc_state *st, PyObject *self, int what)
{
    PyObject *items = NULL, *out = NULL, *key = NULL, *val = NULL, *result = NULL;
    int by_name = what == COLLECT_TYPE_BY_NAME || what == COLLECT_SPEC_BY_NAME;
    if ((items = snapshot(Schema_CAST(self)->inputs)) == NULL) {
        goto done;
    }
    out = by_name ? PyDict_New() : PyList_New(0);
    if (out == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
        PyObject *x = PyTuple_GET_ITEM(items, i);
        val = what == COLLECT_SPEC_BY_NAME ? Py_NewRef(x)
              : what == COLLECT_DICT       ? spec_to_dict(st, x)
                                           : spec_type(st, x);
        if (val == NULL) {
            goto done;
        }
        if (by_name) {
            if ((key = spec_name(st, x)) == NULL || PyDict_SetItem(out, key, val) < 0) {
                goto done;
            }
            Py_CLEAR(key);
        }
        else if (PyList_Append(out, val) < 0) {
            goto done;
        }
        Py_CLEAR(val);
    }
    result = Py_NewRef(out);
done:
    Py_XDECREF(items);
    Py_XDECREF(out);
    Py_XDECREF(key);
    Py_XDECREF(val);
    return result;
}

static PyObject *
Schema_input_types(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                   Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("input_types")
    return schema_collect(st, self, COLLECT_TYPE);
}

static PyObject *
Schema_input_types_dict(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                        Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("input_types_dict")
    int named = schema_has_names(st, self);
    if (named <= 0) {
        return named < 0 ? NULL
                         : mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                                     "Cannot get input types as a dict for schema without names.");
    }
    return schema_collect(st, self, COLLECT_TYPE_BY_NAME);
}

static PyObject *
Schema_input_dict(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                  Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("input_dict")
    int named = schema_has_names(st, self);
    if (named <= 0) {
        return named < 0 ? NULL
                         : mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                                     "Cannot get input dict for schema without names.");
    }
    return schema_collect(st, self, COLLECT_SPEC_BY_NAME);
}

/* Returns a new reference: numpy_types() (pandas == 0) or pandas_types() (pandas == 1). */
static PyObject *
schema_dtypes(mlc_state *st, PyObject *self, int pandas)
{
    PyObject *tensor = NULL, *types = NULL, *result = NULL;
    if ((tensor = schema_first_is(st, self, 1)) == NULL) {
        goto done;
    }
    int is_tensor = PyObject_IsTrue(tensor);
    if (is_tensor < 0) {
        goto done;
    }
    if (is_tensor && pandas) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                  "TensorSpec only supports numpy types, use numpy_types() instead");
        goto done;
    }
    if ((types = schema_collect(st, self, COLLECT_TYPE)) == NULL) {
        goto done;
    }
    if (is_tensor) {
        result = Py_NewRef(types);
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(types); i++) {
        if (mlc_datatype_value(st, PyList_GET_ITEM(types, i)) == MLC_DT_NONE) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Failed to get %s types as some of the inputs types are not DataType.",
                      pandas ? "pandas" : "numpy");
            goto done;
        }
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(types); i++) {
        mlc_dtype v = mlc_datatype_value(st, PyList_GET_ITEM(types, i));
        PyObject *d = pandas ? dt_to_pandas(st, v) : dt_to_numpy(st, v);
        if (d == NULL) {
            goto done;
        }
        PyList_SetItem(types, i, d); /* steals */
    }
    result = Py_NewRef(types);
done:
    Py_XDECREF(tensor);
    Py_XDECREF(types);
    return result;
}

static PyObject *
Schema_numpy_types(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                   Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("numpy_types")
    return schema_dtypes(st, self, 0);
}

static PyObject *
Schema_pandas_types(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                    Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("pandas_types")
    return schema_dtypes(st, self, 1);
}

static PyObject *
Schema_to_dict(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
               Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("to_dict")
    return schema_collect(st, self, COLLECT_DICT);
}

/* Returns a new reference: Schema.to_json(). */
static PyObject *
schema_to_json(mlc_state *st, PyObject *self)
{
    PyObject *d = schema_collect(st, self, COLLECT_DICT);
    if (d == NULL) {
        return NULL;
    }
    PyObject *r = json_dumps(st, d);
    Py_DECREF(d);
    return r;
}

static PyObject *
Schema_to_json(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
               Py_ssize_t nargs, PyObject *kwnames)
{
    SCHEMA_METHOD_HEAD("to_json")
    return schema_to_json(st, self);
}

/* Returns a new reference: Schema.from_json(text). An input without "type" reads as a ColSpec
 * (MLflow raises a bare KeyError). */
static PyObject *
schema_from_json(mlc_state *st, PyObject *text)
{
    PyObject *data = NULL, *it = NULL, *x = NULL, *specs = NULL, *tv = NULL, *tn = NULL;
    PyObject *result = NULL;
    if ((data = json_loads(st, text)) == NULL || (it = PyObject_GetIter(data)) == NULL ||
        (specs = PyList_New(0)) == NULL) {
        goto done;
    }
    while ((x = PyIter_Next(it)) != NULL) {
        if (!PyDict_Check(x)) {
            if ((tn = type_name(x)) != NULL) {
                mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                          "Expected each input of a Schema JSON to be an object, got %U", tn);
            }
            goto done;
        }
        if (PyDict_GetItemStringRef(x, "type", &tv) < 0) {
            goto done;
        }
        PyObject *spec = tv != NULL && str_is(tv, "tensor") ? tensorspec_from_json(st, x)
                                                            : colspec_from_json(st, x);
        Py_CLEAR(tv);
        if (spec == NULL || PyList_Append(specs, spec) < 0) {
            Py_XDECREF(spec);
            goto done;
        }
        Py_DECREF(spec);
        Py_CLEAR(x);
    }
    if (PyErr_Occurred()) { /* PyIter_Next reports errors only this way */
        goto done;
    }
    result = schema_make(st, specs);
done:
    Py_XDECREF(data);
    Py_XDECREF(it);
    Py_XDECREF(x);
    Py_XDECREF(specs);
    Py_XDECREF(tv);
    Py_XDECREF(tn);
    return result;
}

static PyObject *
Schema_from_json(PyObject *Py_UNUSED(type), PyTypeObject *cls, PyObject *const *args,
                 Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"json_str", NULL};
    PyObject *a[1];
    if (mlc_args_parse("from_json", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    return schema_from_json(mlc_state_from_class(cls), a[0]);
}

static PyObject *
Schema_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    return eq_result(
        PyObject_RichCompareBool(Schema_CAST(self)->inputs, Schema_CAST(other)->inputs, Py_EQ),
        op);
}

static PyObject *
Schema_repr(PyObject *self)
{
    return PyObject_Repr(Schema_CAST(self)->inputs);
}

static PyObject *
Schema_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(O(O))", (PyObject *)Py_TYPE(self), Schema_CAST(self)->inputs);
}

#define SCHEMA_METH(name, doc)                                                                 \
    {#name, (PyCFunction)(void (*)(void))Schema_##name,                                       \
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS, #name "($self)\n--\n\n" doc}

static PyMethodDef Schema_methods[] = {
    SCHEMA_METH(is_tensor_spec, "Return true iff this schema is specified using TensorSpec."),
    SCHEMA_METH(has_input_names, "Return true iff this schema declares names, false otherwise."),
    SCHEMA_METH(input_names,
                "Get list of data names or range of indices if the schema has no names."),
    SCHEMA_METH(required_input_names, "Get list of required data names or range of indices if "
                                      "schema has no names."),
    SCHEMA_METH(optional_input_names, "Get list of optional data names or range of indices if "
                                      "schema has no names."),
    SCHEMA_METH(input_types, "Get types for each column in the schema."),
    SCHEMA_METH(input_types_dict, "Maps column names to types, iff this schema declares names."),
    SCHEMA_METH(input_dict, "Maps column names to inputs, iff this schema declares names."),
    SCHEMA_METH(numpy_types, "Convenience shortcut to get the datatypes as numpy types."),
    SCHEMA_METH(pandas_types, "Convenience shortcut to get the datatypes as pandas types. "
                              "Unsupported by TensorSpec."),
    SCHEMA_METH(to_json, "Serialize into json string."),
    SCHEMA_METH(to_dict, "Serialize into a jsonable dictionary."),
    {"from_json", (PyCFunction)(void (*)(void))Schema_from_json,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "from_json($cls, json_str)\n--\n\nDeserialize from a json string."},
    {"__reduce__", Schema_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Schema_getset[] = {
    {"inputs", Schema_get_inputs, NULL, "Representation of a dataset that defines this schema.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Schema_doc,
             "Schema(inputs)\n--\n\n"
             "Specification of a dataset: a list of ColSpec or of TensorSpec (not both), all "
             "named or all unnamed, with unique names.");

static PyType_Slot Schema_slots[] = {
    {Py_tp_new, Schema_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, Schema_traverse},
    {Py_tp_clear, Schema_clear},
    {Py_tp_repr, Schema_repr},
    {Py_tp_richcompare, Schema_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_iter, Schema_iter},
    {Py_sq_length, Schema_length},
    {Py_tp_methods, Schema_methods},
    {Py_tp_getset, Schema_getset},
    {Py_tp_doc, (void *)Schema_doc},
    {0, NULL},
};

static PyType_Spec Schema_spec = {
    .name = "mlflow_c.types.Schema",
    .basicsize = sizeof(SchemaObject),
    .flags = SIG_FLAGS,
    .slots = Schema_slots,
};

/* ================================================================ ParamSpec: value checks */

/* MLflow validates a ParamSpec default with _enforce_param_datatype (scalars and 1-D lists) and
 * _enforce_object (Object dtype). These functions reproduce them; numpy is imported only for
 * datetime values, ndarray defaults and values that are not plain Python scalars. */

/* 1 when numpy is imported and o is an instance of numpy.<cls_name>, 0 otherwise, -1 on
 * error. Never imports numpy (an object can only be a numpy instance once it is imported). */
static int
is_numpy_instance(PyObject *o, const char *cls_name)
{
    PyObject *np = NULL, *cls = NULL;
    if (loaded_module("numpy", &np) < 0) {
        return -1;
    }
    if (np == NULL) {
        return 0;
    }
    cls = PyObject_GetAttrString(np, cls_name);
    Py_DECREF(np);
    if (cls == NULL) {
        return -1;
    }
    int r = PyObject_IsInstance(o, cls);
    Py_DECREF(cls);
    return r;
}

/* numpy.isscalar(v): 1, 0 or -1. */
static int
is_np_scalar(PyObject *v)
{
    PyTypeObject *t = Py_TYPE(v);
    if (t == &PyLong_Type || t == &PyFloat_Type || t == &PyBool_Type || t == &PyUnicode_Type ||
        t == &PyBytes_Type || t == &PyComplex_Type || t == &PyMemoryView_Type) {
        return 1;
    }
    if (v == Py_None || PyList_CheckExact(v) || PyDict_CheckExact(v) || PyTuple_CheckExact(v)) {
        return 0;
    }
    int r = is_numpy_instance(v, "generic");
    if (r != 0) {
        return r;
    }
    PyObject *number = import_attr("numbers", "Number");
    if (number == NULL) {
        return -1;
    }
    r = PyObject_IsInstance(v, number);
    Py_DECREF(number);
    return r;
}

/* Returns a new reference: numpy.array(value).ndim as an int object. */
static PyObject *
np_ndim(PyObject *value)
{
    PyObject *array = import_attr("numpy", "array");
    if (array == NULL) {
        return NULL;
    }
    PyObject *arr = PyObject_CallOneArg(array, value);
    Py_DECREF(array);
    if (arr == NULL) {
        return NULL;
    }
    PyObject *ndim = attr(arr, "ndim");
    Py_DECREF(arr);
    return ndim;
}

/* 1 when an exact builtin scalar numpy sees as a 0-d element, else 0. */
static int
is_plain_scalar(PyObject *v)
{
    PyTypeObject *t = Py_TYPE(v);
    return v == Py_None || t == &PyLong_Type || t == &PyFloat_Type || t == &PyBool_Type ||
           t == &PyUnicode_Type || t == &PyBytes_Type;
}

/* MLflow's _is_1d_array: a list or ndarray whose numpy.array has ndim 1. 1, 0 or -1. */
static int
param_is_1d(PyObject *value)
{
    if (PyList_Check(value)) {
        int plain = 1;
        for (Py_ssize_t i = 0; plain && i < PyList_GET_SIZE(value); i++) {
            plain = is_plain_scalar(PyList_GET_ITEM(value, i));
        }
        if (plain) {
            return 1;
        }
    }
    else {
        int r = is_numpy_instance(value, "ndarray");
        if (r <= 0) {
            return r;
        }
    }
    PyObject *ndim = np_ndim(value);
    if (ndim == NULL) {
        return -1;
    }
    long n = PyLong_AsLong(ndim);
    Py_DECREF(ndim);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    return n == 1;
}

/* Raises MlflowException(INVALID_PARAMETER_VALUE) "Failed to convert value `v` from type `T` to
 * `dtype`" with the current exception as __cause__ (MLflow's `raise ... from e`). NULL. */
static PyObject *
raise_convert_failed(mlc_state *st, PyObject *value, PyObject *dtype)
{
    PyObject *cause = PyErr_GetRaisedException();
    mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
              "Failed to convert value `%S` from type `%S` to `%S`", value,
              (PyObject *)Py_TYPE(value), dtype);
    PyObject *exc = PyErr_GetRaisedException();
    if (exc != NULL && cause != NULL) {
        PyException_SetCause(exc, Py_NewRef(cause)); /* steals */
        PyException_SetContext(exc, Py_NewRef(cause)); /* steals */
    }
    Py_XDECREF(cause);
    PyErr_SetRaisedException(exc);
    return NULL;
}

/* _enforce_param_datatype for DataType.datetime: numpy.datetime64(value).item(). Returns a new
 * reference. */
static PyObject *
param_datetime(mlc_state *st, PyObject *value, PyObject *dtype)
{
    PyObject *dt64 = NULL, *d = NULL, *item = NULL;
    if ((dt64 = import_attr("numpy", "datetime64")) == NULL) {
        return NULL;
    }
    d = PyObject_CallOneArg(dt64, value);
    Py_DECREF(dt64);
    item = d == NULL ? NULL : PyObject_CallMethod(d, "item", NULL);
    Py_XDECREF(d);
    if (item == NULL) {
        if (PyErr_ExceptionMatches(PyExc_ValueError)) {
            return raise_convert_failed(st, value, dtype);
        }
        return NULL;
    }
    if (PyLong_Check(item)) {
        Py_DECREF(item);
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Failed to convert value to `%S`. It must be convertible to "
                         "datetime.date/datetime, got `%S`",
                         dtype, value);
    }
    return item;
}

/* MLflow's _enforce_param_datatype(value, dtype): the value as a Python builtin (or a
 * date/datetime). Returns a new reference. */
static PyObject *
param_datatype(mlc_state *st, PyObject *value, PyObject *dtype)
{
    static const mlc_dtype allowed_long[] = {MLC_DT_INTEGER, MLC_DT_NONE};
    static const mlc_dtype allowed_float[] = {MLC_DT_INTEGER, MLC_DT_LONG, MLC_DT_NONE};
    static const mlc_dtype allowed_double[] = {MLC_DT_INTEGER, MLC_DT_LONG, MLC_DT_FLOAT,
                                               MLC_DT_NONE};
    if (value == Py_None) {
        Py_RETURN_NONE;
    }
    mlc_dtype v = mlc_datatype_value(st, dtype);
    if (v == MLC_DT_DATETIME) {
        return param_datetime(st, value, dtype);
    }
    int scalar = is_np_scalar(value);
    if (scalar <= 0) {
        return scalar < 0 ? NULL
                          : mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                                      "Value must be a scalar for type `%S`, got `%S`", dtype,
                                      value);
    }
    if (v == MLC_DT_NONE) { /* an Object dtype: MLflow fails on data_type.to_numpy() */
        PyObject *tn = type_name(dtype);
        if (tn != NULL) {
            PyErr_Format(PyExc_AttributeError, "'%U' object has no attribute 'to_numpy'", tn);
            Py_DECREF(tn);
        }
        return NULL;
    }
    int ok = dt_check_type(st, v, value);
    if (ok < 0) {
        return NULL;
    }
    const mlc_dtype *allowed = v == MLC_DT_LONG     ? allowed_long
                               : v == MLC_DT_FLOAT  ? allowed_float
                               : v == MLC_DT_DOUBLE ? allowed_double
                                                    : NULL;
    int converted = 0;
    for (int i = 0; !ok && allowed != NULL && allowed[i] != MLC_DT_NONE; i++) {
        ok = dt_check_type(st, allowed[i], value);
        if (ok < 0) {
            return NULL;
        }
        converted = ok;
    }
    if (!ok) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Can not safely convert `%S` to `%S` for value `%S`",
                         (PyObject *)Py_TYPE(value), dtype, value);
    }
    PyObject *pytype = dt_to_python(v);
    if (pytype == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallOneArg(pytype, value);
    Py_DECREF(pytype);
    if (r == NULL && converted && PyErr_ExceptionMatches(PyExc_ValueError)) {
        return raise_convert_failed(st, value, dtype);
    }
    return r;
}

/* ---------------------------------------------------------------- Object param defaults */

/* What pandas.Series(data) holds, as far as MLflow's _enforce_mlflow_datatype looks at it:
 * kind is a numpy kind char, 'O' for object and 'T' for pandas' string dtype. This follows
 * pandas' inference for the values parameters take (Python scalars, numpy scalars, lists of
 * them); exotic mixes may be classified differently from pandas. */
typedef struct {
    char kind;
    int size;
    int all01; /* int64 values all 0 or 1 (MLflow lets those become float/double) */
} series_info;

/* 1 when v == 0 or v == 1, 0 when not, -1 on error. */
static int
is_zero_or_one(PyObject *v)
{
    int r = 0;
    for (long k = 0; k <= 1 && r == 0; k++) {
        PyObject *n = PyLong_FromLong(k);
        if (n == NULL) {
            return -1;
        }
        r = PyObject_RichCompareBool(v, n, Py_EQ);
        Py_DECREF(n);
    }
    return r;
}

/* Fills s from a numpy dtype object. 0 or -1. */
static int
series_from_dtype(PyObject *dtype, series_info *s)
{
    PyObject *kind = attr(dtype, "kind");
    PyObject *size = kind == NULL ? NULL : attr(dtype, "itemsize");
    int result = -1;
    if (size != NULL) {
        const char *k = PyUnicode_AsUTF8(kind);
        long n = PyLong_AsLong(size);
        if (k != NULL && !(n == -1 && PyErr_Occurred())) {
            s->kind = k[0] == 'U' ? 'T' : k[0] == 'S' ? 'O' : k[0];
            s->size = (int)n;
            result = 0;
        }
    }
    Py_XDECREF(kind);
    Py_XDECREF(size);
    return result;
}

/* The kind of a Python int in a Series: 'i' (fits int64), 'u' (fits uint64) or 'O'. */
static char
int_kind(PyObject *v)
{
    int overflow = 0;
    (void)PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow == 0) {
        return 'i';
    }
    if (overflow > 0) {
        (void)PyLong_AsUnsignedLongLong(v);
        if (!PyErr_Occurred()) {
            return 'u';
        }
        PyErr_Clear();
    }
    return 'O';
}

/* Element classes for series_of. */
enum { EL_NONE, EL_BOOL, EL_INT, EL_FLOAT, EL_STR, EL_DATETIME, EL_NUMPY, EL_OTHER, EL_COUNT };

/* Returns the class of one element, or -1 on error. */
static int
element_class(PyObject *v)
{
    if (v == Py_None) {
        return EL_NONE;
    }
    if (PyBool_Check(v)) {
        return EL_BOOL;
    }
    if (PyLong_CheckExact(v)) {
        return EL_INT;
    }
    if (PyFloat_CheckExact(v)) {
        return EL_FLOAT;
    }
    if (PyUnicode_CheckExact(v)) {
        return EL_STR;
    }
    int r = is_numpy_instance(v, "generic");
    if (r != 0) {
        return r < 0 ? -1 : EL_NUMPY;
    }
    PyObject *dt = import_attr("datetime", "datetime");
    if (dt == NULL) {
        return -1;
    }
    r = PyObject_IsInstance(v, dt);
    Py_DECREF(dt);
    return r < 0 ? -1 : r ? EL_DATETIME : EL_OTHER;
}

/* Fills s with what pandas.Series(<the items of the tuple items>) holds. 0 or -1. */
static int
series_of(PyObject *items, series_info *s)
{
    Py_ssize_t n = PyTuple_GET_SIZE(items), count[EL_COUNT] = {0};
    PyObject *dtype0 = NULL;
    int same_dtype = 1, result = -1;
    char ikind = 'i';
    memset(s, 0, sizeof *s);
    s->kind = 'O';
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyTuple_GET_ITEM(items, i);
        int c = element_class(v);
        if (c < 0) {
            goto done;
        }
        count[c]++;
        if (c == EL_INT && int_kind(v) != 'i') {
            ikind = 'O';
        }
        if (c == EL_NUMPY && same_dtype) {
            PyObject *d = attr(v, "dtype");
            if (d == NULL) {
                goto done;
            }
            if (dtype0 == NULL) {
                dtype0 = d;
            }
            else {
                same_dtype = PyObject_RichCompareBool(dtype0, d, Py_EQ);
                Py_DECREF(d);
                if (same_dtype < 0) {
                    goto done;
                }
            }
        }
    }
    Py_ssize_t nn = n - count[EL_NONE];
    if (n > 0 && count[EL_BOOL] == n) {
        s->kind = 'b';
        s->size = 1;
    }
    else if (n > 0 && count[EL_NUMPY] == n && same_dtype) {
        if (series_from_dtype(dtype0, s) < 0) {
            goto done;
        }
    }
    else if (n > 0 && count[EL_INT] == n) {
        s->kind = ikind;
        s->size = 8;
    }
    else if (nn > 0 && count[EL_INT] + count[EL_FLOAT] == nn && count[EL_INT] != n) {
        s->kind = 'f';
        s->size = 8;
    }
    else if (nn > 0 && count[EL_STR] == nn) {
        s->kind = 'T';
    }
    else if (nn > 0 && count[EL_DATETIME] == nn) {
        s->kind = 'M';
        s->size = 8;
    }
    if (s->kind == 'i' && s->size == 8) {
        s->all01 = 1;
        for (Py_ssize_t i = 0; s->all01 == 1 && i < n; i++) {
            s->all01 = is_zero_or_one(PyTuple_GET_ITEM(items, i));
        }
        if (s->all01 < 0) {
            goto done;
        }
    }
    result = 0;
done:
    Py_XDECREF(dtype0);
    return result;
}

/* Fills s with what pandas.Series(v) holds for one numpy scalar v. 0 or -1. */
static int
scalar_series(PyObject *v, series_info *s)
{
    if (PyComplex_Check(v)) {
        memset(s, 0, sizeof *s);
        s->kind = 'c';
        s->size = 16;
        return 0;
    }
    if (Py_TYPE(v) == &PyMemoryView_Type) { /* pandas reads a memoryview as int64 */
        memset(s, 0, sizeof *s);
        s->kind = 'i';
        s->size = 8;
        return 0;
    }
    PyObject *one = PyTuple_Pack(1, v);
    if (one == NULL) {
        return -1;
    }
    int r = series_of(one, s);
    Py_DECREF(one);
    if (r == 0 && PyLong_Check(v) && !PyBool_Check(v) && !PyLong_CheckExact(v)) {
        s->kind = 'O'; /* an int subclass stays an object */
    }
    return r;
}

/* 1 when float(v) succeeds, 0 when it raises ValueError/TypeError/OverflowError, -1 on other
 * errors. */
static int
floatable(PyObject *v)
{
    PyObject *f = PyObject_CallOneArg((PyObject *)&PyFloat_Type, v);
    if (f != NULL) {
        Py_DECREF(f);
        return 1;
    }
    if (PyErr_ExceptionMatches(PyExc_ValueError) || PyErr_ExceptionMatches(PyExc_TypeError) ||
        PyErr_ExceptionMatches(PyExc_OverflowError)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}

/* For an object Series and DataType double (pandas.to_numeric) or datetime
 * (astype("datetime64[ns]")): 1 when pandas converts the items, 0 when it raises ValueError
 * (MLflow turns that into a rejection), -1 with the TypeError / OverflowError pandas raises,
 * which MLflow lets propagate (or on error). */
static int
object_series_converts(PyObject *items, mlc_dtype v)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
        PyObject *x = PyTuple_GET_ITEM(items, i);
        if (x == Py_None || PyFloat_Check(x)) {
            continue;
        }
        if (PyLong_Check(x)) {
            if (v == MLC_DT_DATETIME && !PyBool_Check(x) && int_kind(x) != 'i') {
                PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
                return -1;
            }
            continue;
        }
        int r;
        if (v == MLC_DT_DOUBLE) {
            if (PyUnicode_Check(x) || PyBytes_Check(x)) {
                if ((r = floatable(x)) <= 0) {
                    return r;
                }
                continue;
            }
            PyObject *number = import_attr("numbers", "Number");
            r = number == NULL ? -1 : PyObject_IsInstance(x, number);
            Py_XDECREF(number);
            if (r < 0) {
                return -1;
            }
            if (!r) {
                PyErr_Format(PyExc_TypeError, "Invalid object type at position %zd", i);
                return -1;
            }
            continue;
        }
        PyObject *date = import_attr("datetime", "date");
        r = date == NULL ? -1 : PyObject_IsInstance(x, date);
        Py_XDECREF(date);
        if (r == 0) {
            r = is_numpy_instance(x, "datetime64");
        }
        if (r < 0) {
            return -1;
        }
        if (r) {
            continue;
        }
        if (PyUnicode_Check(x)) { /* a date string: parsed (numpy's parser stands in) */
            PyObject *dt64 = import_attr("numpy", "datetime64");
            PyObject *d = dt64 == NULL ? NULL : PyObject_CallOneArg(dt64, x);
            Py_XDECREF(dt64);
            if (d == NULL) {
                if (!PyErr_ExceptionMatches(PyExc_ValueError)) {
                    return -1;
                }
                PyErr_Clear();
                return 0;
            }
            Py_DECREF(d);
            continue;
        }
        PyErr_Format(PyExc_TypeError, "%S is not convertible to datetime",
                     (PyObject *)Py_TYPE(x));
        return -1;
    }
    return 1;
}

/* Whether MLflow's _enforce_mlflow_datatype accepts pandas.Series(items) (described by s) for
 * DataType v: 1, 0, or -1 with the exception MLflow would let through. */
static int
series_accepts(PyObject *items, const series_info *s, mlc_dtype v)
{
    switch (v) {
    case MLC_DT_STRING:
    case MLC_DT_BINARY:
        return s->kind == 'O' || s->kind == 'T';
    case MLC_DT_BOOLEAN:
        return s->kind == 'b' || s->kind == 'O';
    case MLC_DT_DATETIME:
        if (s->kind == 'O') {
            return object_series_converts(items, v);
        }
        return s->kind == 'M';
    default:
        break;
    }
    if (s->kind == 'O') {
        return v == MLC_DT_DOUBLE ? object_series_converts(items, v) : 0;
    }
    char tk = (v == MLC_DT_INTEGER || v == MLC_DT_LONG) ? 'i' : 'f';
    int tsize = (v == MLC_DT_INTEGER || v == MLC_DT_FLOAT) ? 4 : 8;
    int upcast = 0;
    if (s->kind == tk) {
        upcast = s->size <= tsize;
    }
    else if (s->kind == 'u' && tk == 'i') {
        upcast = s->size < tsize;
    }
    else if ((s->kind == 'i' || s->kind == 'u') && v == MLC_DT_DOUBLE) {
        upcast = s->size <= 6;
    }
    return upcast || (s->kind == 'i' && s->size == 8 && tk == 'f' && s->all01);
}

/* 1 when v is None, NaN, pandas.NA or pandas.NaT (MLflow's _is_none_or_nan). */
static int
is_none_or_nan(PyObject *v)
{
    if (v == Py_None) {
        return 1;
    }
    if (PyFloat_Check(v)) {
        double d = PyFloat_AS_DOUBLE(v);
        return d != d;
    }
    const char *tn = Py_TYPE(v)->tp_name;
    return strcmp(tn, "pandas._libs.missing.NAType") == 0 ||
           strcmp(tn, "pandas._libs.tslibs.nattype.NaTType") == 0;
}

static int accepts_type(mlc_state *st, PyObject *value, PyObject *t, int required);

/* _enforce_datatype: 1 accepted, 0 rejected, -1 error. */
static int
accepts_datatype(PyObject *value, mlc_dtype v, int required)
{
    if (!required && is_none_or_nan(value)) {
        return 1;
    }
    int scalar = is_np_scalar(value);
    if (scalar <= 0) {
        return scalar;
    }
    series_info s;
    if (scalar_series(value, &s) < 0) {
        return -1;
    }
    PyObject *one = PyTuple_Pack(1, value);
    if (one == NULL) {
        return -1;
    }
    int r = series_accepts(one, &s, v);
    Py_DECREF(one);
    return r;
}

/* 1 when value is a list or a numpy ndarray, 0 when not, -1 on error. */
static int
is_list_or_ndarray(PyObject *value)
{
    return PyList_Check(value) ? 1 : is_numpy_instance(value, "ndarray");
}

/* _enforce_array: 1 accepted, 0 rejected, -1 error. */
static int
accepts_array(mlc_state *st, PyObject *value, PyObject *item_type, int required)
{
    int listish = is_list_or_ndarray(value);
    if (listish < 0) {
        return -1;
    }
    Py_ssize_t n = listish ? PyObject_Size(value) : 0;
    if (n < 0) {
        return -1;
    }
    if ((!required || IS_A(st, item_type, AnyTypeType)) &&
        (value == Py_None || (listish && n == 0))) {
        return 1;
    }
    if (!listish) {
        return 0;
    }
    PyObject *items = PySequence_Tuple(value);
    if (items == NULL) {
        return -1;
    }
    int result = 1;
    mlc_dtype v = mlc_datatype_value(st, item_type);
    if (v != MLC_DT_NONE) {
        series_info s;
        if (n > 0) {
            result = series_of(items, &s) < 0 ? -1 : series_accepts(items, &s, v);
        }
    }
    else {
        for (Py_ssize_t i = 0; result == 1 && i < n; i++) {
            result = accepts_type(st, PyTuple_GET_ITEM(items, i), item_type, required);
        }
    }
    Py_DECREF(items);
    return result;
}

/* _enforce_map: 1 accepted, 0 rejected, -1 error. */
static int
accepts_map(mlc_state *st, PyObject *value, PyObject *value_type, int required)
{
    if ((!required || IS_A(st, value_type, AnyTypeType)) &&
        (value == Py_None || (PyDict_Check(value) && PyDict_GET_SIZE(value) == 0))) {
        return 1;
    }
    if (!PyDict_Check(value)) {
        return 0;
    }
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(value, &pos, &k, &v)) {
        if (!PyUnicode_Check(k)) {
            return 0;
        }
    }
    PyObject *vals = PyDict_Values(value);
    if (vals == NULL) {
        return -1;
    }
    int result = 1;
    for (Py_ssize_t i = 0; result == 1 && i < PyList_GET_SIZE(vals); i++) {
        result = accepts_type(st, PyList_GET_ITEM(vals, i), value_type, required);
    }
    Py_DECREF(vals);
    return result;
}

/* _enforce_object. With `top` set, a rejection raises MLflow's message (the one
 * ParamSpec quotes) and returns -1; otherwise returns 1 accepted, 0 rejected, -1 error. */
static int
accepts_object(mlc_state *st, PyObject *value, PyObject *obj, int required, int top)
{
    PyObject *props = NULL, *req = NULL, *keys = NULL, *diff = NULL, *items = NULL;
    PyObject *tn = NULL, *tdict = NULL, *plist = NULL;
    int result = -1;
    if (!required && (value == Py_None || (PyDict_Check(value) && PyDict_GET_SIZE(value) == 0))) {
        return 1;
    }
    if (!PyDict_Check(value)) {
        if (!top) {
            return 0;
        }
        if ((tn = type_name(value)) != NULL) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Failed to enforce schema of '%S' with type '%S'. Expected data to be "
                      "dictionary, got %U",
                      value, obj, tn);
        }
        goto done;
    }
    props = PyDict_New();
    req = PySet_New(NULL);
    if (props == NULL || req == NULL) {
        goto done;
    }
    /* a snapshot of the user-visible list; anything but a Property in it is an error */
    if ((plist = PyList_AsTuple(Object_CAST(obj)->properties)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(plist); i++) {
        PyObject *p = PyTuple_GET_ITEM(plist, i);
        if (!IS_A(st, p, PropertyType)) {
            PyErr_SetString(PyExc_TypeError, "Object.properties must contain only Property");
            goto done;
        }
        if (PyDict_SetItem(props, Property_CAST(p)->base.name, p) < 0 ||
            (Property_CAST(p)->base.required && PySet_Add(req, Property_CAST(p)->base.name) < 0)) {
            goto done;
        }
    }
    if ((keys = PySet_New(value)) == NULL || (diff = PyNumber_Subtract(req, keys)) == NULL) {
        goto done;
    }
    if (PySet_GET_SIZE(diff) > 0) {
        if (top) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Missing required properties: %R", diff);
        }
        result = top ? -1 : 0;
        goto done;
    }
    Py_CLEAR(diff);
    if ((diff = PySet_New(value)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(plist); i++) {
        if (PySet_Discard(diff, Property_CAST(PyTuple_GET_ITEM(plist, i))->base.name) < 0) {
            goto done;
        }
    }
    if (PySet_GET_SIZE(diff) > 0) {
        if (top) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Invalid properties not defined in the schema found: %R", diff);
        }
        result = top ? -1 : 0;
        goto done;
    }
    if ((items = PyDict_Items(value)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *k = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 0);
        PyObject *v = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 1);
        PyObject *p = PyDict_GetItemWithError(props, k); /* borrowed; props is ours */
        if (p == NULL) {
            result = PyErr_Occurred() ? -1 : 0;
            goto done;
        }
        int ok = accepts_type(st, v, Property_CAST(p)->base.dtype,
                              Property_CAST(p)->base.required);
        if (ok < 0) {
            goto done;
        }
        if (!ok) {
            if (top) {
                PyObject *expected = NULL;
                tdict = type_to_dict(st, Property_CAST(p)->base.dtype);
                if (tdict != NULL && PyDict_Check(tdict) &&
                    PyDict_GetItemStringRef(tdict, "type", &expected) > 0 &&
                    (tn = type_name(v)) != NULL) {
                    mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                              "Failed to enforce schema for key `%S`. Expected type %S, received "
                              "type %U",
                              k, expected, tn);
                }
                else if (!PyErr_Occurred()) {
                    PyErr_SetString(PyExc_TypeError, "a property type has no JSON type");
                }
                Py_XDECREF(expected);
            }
            result = top ? -1 : 0;
            goto done;
        }
    }
    result = 1;
done:
    Py_XDECREF(props);
    Py_XDECREF(req);
    Py_XDECREF(keys);
    Py_XDECREF(diff);
    Py_XDECREF(items);
    Py_XDECREF(tn);
    Py_XDECREF(tdict);
    Py_XDECREF(plist);
    return result;
}

/* _enforce_type: 1 accepted, 0 rejected, -1 error. */
static int
accepts_type(mlc_state *st, PyObject *value, PyObject *t, int required)
{
    if (Py_EnterRecursiveCall(" while checking a parameter default")) {
        return -1;
    }
    mlc_dtype v;
    int r;
    switch (sig_kind(st, t, &v)) {
    case MLC_KIND_DATATYPE:
        r = accepts_datatype(value, v, required);
        break;
    case MLC_KIND_ARRAY:
    case MLC_KIND_SPARKML_VECTOR:
        r = accepts_array(st, value, Array_CAST(t)->base.dtype, required);
        break;
    case MLC_KIND_OBJECT:
        r = accepts_object(st, value, t, required, 0);
        break;
    case MLC_KIND_MAP:
        r = accepts_map(st, value, Map_CAST(t)->dtype, required);
        break;
    case MLC_KIND_ANY:
        r = 1;
        break;
    default:
        r = 0;
        break;
    }
    Py_LeaveRecursiveCall();
    return r;
}

/* 1 when shape == (-1,), 0 when not, -1 on error. */
static int
shape_is_vector(PyObject *shape)
{
    PyObject *want = Py_BuildValue("(i)", -1);
    if (want == NULL) {
        return -1;
    }
    int r = PyObject_RichCompareBool(shape, want, Py_EQ);
    Py_DECREF(want);
    return r;
}

/* MLflow's ParamSpec.validate_type_and_shape(spec, value, value_type, shape): the validated
 * default (a new reference). spec is the ParamSpec repr quoted in messages. */
static PyObject *
param_validate(mlc_state *st, PyObject *spec, PyObject *value, PyObject *vtype, PyObject *shape)
{
    PyObject *out = NULL, *items = NULL, *tn = NULL, *ndim = NULL;
    int is_vec = 0, failed = 0;
    if (shape != Py_None && (is_vec = shape_is_vector(shape)) < 0) {
        return NULL;
    }
    if (is_vec) {
        int one_d = param_is_1d(value);
        if (one_d < 0) {
            return NULL;
        }
        if (!one_d) {
            if ((tn = type_name(value)) != NULL && (ndim = np_ndim(value)) != NULL) {
                mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                          "Value must be a 1D array with shape (-1,) for param %U, received %U "
                          "with ndim %S",
                          spec, tn, ndim);
            }
            Py_XDECREF(tn);
            Py_XDECREF(ndim);
            return NULL;
        }
    }
    /* MLflow's try block: any failure in here is reported as "Failed to validate ...". */
    if (shape == Py_None) {
        if (mlc_datatype_value(st, vtype) != MLC_DT_NONE) {
            out = param_datatype(st, value, vtype);
            failed = out == NULL;
        }
        else if (accepts_object(st, value, vtype, 1, 1) < 0) {
            failed = 1;
        }
        else {
            out = Py_NewRef(value);
        }
    }
    else if (is_vec) {
        failed = 1;
        if ((items = PySequence_Tuple(value)) != NULL && (out = PyList_New(0)) != NULL) {
            failed = 0;
            for (Py_ssize_t i = 0; !failed && i < PyTuple_GET_SIZE(items); i++) {
                PyObject *x = param_datatype(st, PyTuple_GET_ITEM(items, i), vtype);
                failed = x == NULL || PyList_Append(out, x) < 0;
                Py_XDECREF(x);
            }
        }
        Py_XDECREF(items);
    }
    if (failed) {
        Py_XDECREF(out);
        return raise_in_except(st, MLC_INVALID_PARAMETER_VALUE,
                               "Failed to validate type and shape for %U, error: %U", spec);
    }
    if (out == NULL) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Shape must be None for scalar or dictionary value, or (-1,) for 1D "
                         "array value for ParamSpec %U), received %S",
                         spec, shape);
    }
    return out;
}

/* ================================================================ ParamSpec */

static int
ParamSpec_traverse(PyObject *self, visitproc visit, void *arg)
{
    ParamSpecObject *p = ParamSpec_CAST(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(p->name);
    Py_VISIT(p->dtype);
    Py_VISIT(p->default_value);
    Py_VISIT(p->shape);
    return 0;
}

static int
ParamSpec_clear(PyObject *self)
{
    ParamSpecObject *p = ParamSpec_CAST(self);
    Py_CLEAR(p->name);
    Py_CLEAR(p->dtype);
    Py_CLEAR(p->default_value);
    Py_CLEAR(p->shape);
    return 0;
}

/* Returns a new reference: repr of a ParamSpec with these parts,
 * "'name': dtype (default: <str(default)>)[ (shape: <shape>)]". */
static PyObject *
paramspec_repr_of(PyObject *name, PyObject *dtype, PyObject *default_value, PyObject *shape)
{
    if (shape == Py_None) {
        return PyUnicode_FromFormat("%R: %R (default: %S)", name, dtype, default_value);
    }
    return PyUnicode_FromFormat("%R: %R (default: %S) (shape: %S)", name, dtype, default_value,
                                shape);
}

/* Returns a new reference: ParamSpec(name, dtype, default, shape) with MLflow's checks; the
 * default is validated (and converted) as MLflow does. */
static PyObject *
paramspec_make(mlc_state *st, PyObject *name_arg, PyObject *dtype_arg, PyObject *default_value,
               PyObject *shape_arg)
{
    PyObject *name = NULL, *shape = NULL, *dtype = NULL, *spec = NULL, *value = NULL;
    PyObject *result = NULL;
    if ((name = PyObject_Str(name_arg)) == NULL) {
        goto done;
    }
    shape = mlc_is_none(shape_arg) ? Py_NewRef(Py_None) : PySequence_Tuple(shape_arg);
    if (shape == NULL) {
        goto done;
    }
    dtype = dtype_arg;
    if (PyUnicode_Check(dtype_arg) && (dtype = dt_lookup(st, dtype_arg)) == NULL) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Unsupported type '%S', expected instance of DataType or one of "
                  DT_PARAM_NAMES_LIST,
                  dtype_arg);
        goto done;
    }
    Py_INCREF(dtype);
    mlc_dtype v = mlc_datatype_value(st, dtype);
    if (v == MLC_DT_NONE && !IS_A(st, dtype, ObjectType)) {
        mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                  "'dtype' must be DataType, Object or str, got %S", dtype);
        goto done;
    }
    if (v == MLC_DT_BINARY) { /* sic: no space before "has" */
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Binary type is not supported for parameters, ParamSpec '%U'has dtype 'binary'",
                  name);
        goto done;
    }
    if ((spec = paramspec_repr_of(name, dtype, default_value, shape)) == NULL ||
        (value = param_validate(st, spec, default_value, dtype, shape)) == NULL) {
        goto done;
    }
    result = alloc_instance(st->ParamSpecType);
    if (result != NULL) {
        ParamSpecObject *p = ParamSpec_CAST(result);
        p->name = Py_NewRef(name);
        p->dtype = Py_NewRef(dtype);
        p->default_value = Py_NewRef(value);
        p->shape = Py_NewRef(shape);
    }
done:
    Py_XDECREF(name);
    Py_XDECREF(shape);
    Py_XDECREF(dtype);
    Py_XDECREF(spec);
    Py_XDECREF(value);
    return result;
}

static PyObject *
ParamSpec_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"name", "dtype", "default", "shape", NULL};
    PyObject *a[4];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("ParamSpec.__init__", args, kwargs, names, 4, 3, a) < 0) {
        return NULL;
    }
    return paramspec_make(st, a[0], a[1], a[2], a[3] ? a[3] : Py_None);
}

/* Returns a new reference: v.isoformat(), or None for None. */
static PyObject *
isoformat(PyObject *v)
{
    return v == Py_None ? Py_NewRef(Py_None) : PyObject_CallMethod(v, "isoformat", NULL);
}

/* Returns a new reference: ParamSpec.to_dict() (name, default, shape, then the type keys;
 * datetime defaults as ISO strings). */
static PyObject *
paramspec_to_dict(mlc_state *st, PyObject *self)
{
    ParamSpecObject *p = ParamSpec_CAST(self);
    PyObject *def = NULL, *items = NULL, *tdict = NULL, *d = NULL, *result = NULL;
    if (mlc_datatype_value(st, p->dtype) != MLC_DT_DATETIME) {
        def = Py_NewRef(p->default_value);
    }
    else if (p->shape == Py_None) {
        def = isoformat(p->default_value);
    }
    else if ((items = PySequence_Tuple(p->default_value)) != NULL &&
             (def = PyList_New(PyTuple_GET_SIZE(items))) != NULL) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
            PyObject *s = isoformat(PyTuple_GET_ITEM(items, i));
            if (s == NULL) {
                Py_CLEAR(def);
                break;
            }
            PyList_SET_ITEM(def, i, s); /* steals */
        }
    }
    if (def == NULL) {
        goto done;
    }
    d = Py_BuildValue("{sOsOsO}", "name", p->name, "default", def, "shape", p->shape);
    if (d == NULL || (tdict = type_to_dict(st, p->dtype)) == NULL || PyDict_Update(d, tdict) < 0) {
        goto done;
    }
    result = Py_NewRef(d);
done:
    Py_XDECREF(def);
    Py_XDECREF(items);
    Py_XDECREF(tdict);
    Py_XDECREF(d);
    return result;
}

static PyObject *
ParamSpec_to_dict(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    mlc_state *st = st_of(self);
    return st == NULL ? NULL : paramspec_to_dict(st, self);
}

static PyObject *
ParamSpec_repr(PyObject *self)
{
    ParamSpecObject *p = ParamSpec_CAST(self);
    return paramspec_repr_of(p->name, p->dtype, p->default_value, p->shape);
}

static PyObject *
ParamSpec_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    ParamSpecObject *a = ParamSpec_CAST(self), *b = ParamSpec_CAST(other);
    int eq = PyObject_RichCompareBool(a->name, b->name, Py_EQ);
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->dtype, b->dtype, Py_EQ);
    }
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->default_value, b->default_value, Py_EQ);
    }
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->shape, b->shape, Py_EQ);
    }
    return eq_result(eq, op);
}

static PyObject *
ParamSpec_get_name(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ParamSpec_CAST(self)->name);
}

static PyObject *
ParamSpec_get_dtype(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ParamSpec_CAST(self)->dtype);
}

static PyObject *
ParamSpec_get_default(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ParamSpec_CAST(self)->default_value);
}

static PyObject *
ParamSpec_get_shape(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ParamSpec_CAST(self)->shape);
}

static PyObject *
ParamSpec_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    ParamSpecObject *p = ParamSpec_CAST(self);
    return Py_BuildValue("(O(OOOO))", (PyObject *)Py_TYPE(self), p->name, p->dtype,
                         p->default_value, p->shape);
}

/* ParamSpec.from_json_dict(**d): reads the 3.x "type" key and the 2.x "dtype" key. Returns a
 * new reference. */
static PyObject *
paramspec_from_json(mlc_state *st, PyObject *d)
{
    static const char *const keys1[] = {"name", "dtype", "default", NULL};
    static const char *const keys2[] = {"name", "type", "default", NULL};
    PyObject *dtype = NULL, *t = NULL, *name = NULL, *def = NULL, *shape = NULL, *keys = NULL;
    PyObject *result = NULL;
    int ok1 = has_keys(d, keys1), ok2 = ok1 < 0 ? -1 : has_keys(d, keys2);
    if (ok1 < 0 || ok2 < 0) {
        goto done;
    }
    if (!ok1 && !ok2) {
        if ((keys = PyObject_CallMethod(d, "keys", NULL)) != NULL) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Missing keys in ParamSpec JSON. Expected to find keys `name`, `type`(or "
                      "`dtype`) and `default`. Received keys: %S",
                      keys);
        }
        goto done;
    }
    /* kwargs.get("type") or kwargs.get("dtype") */
    if (PyDict_GetItemStringRef(d, "type", &dtype) < 0) {
        goto done;
    }
    int truth = dtype == NULL ? 0 : PyObject_IsTrue(dtype);
    if (truth < 0) {
        goto done;
    }
    if (!truth) {
        Py_CLEAR(dtype);
        if (PyDict_GetItemStringRef(d, "dtype", &dtype) < 0) {
            goto done;
        }
        if (dtype == NULL) {
            dtype = Py_NewRef(Py_None);
        }
    }
    if (str_is(dtype, "object")) {
        t = object_from_json(st, d);
    }
    else if (PyUnicode_Check(dtype) && (t = dt_lookup(st, dtype)) != NULL) {
        Py_INCREF(t);
    }
    else {
        PyErr_SetObject(PyExc_KeyError, dtype); /* DataType[dtype] */
    }
    if (t == NULL || (name = dict_item(d, "name")) == NULL ||
        (def = dict_item(d, "default")) == NULL || PyDict_GetItemStringRef(d, "shape", &shape) < 0) {
        goto done;
    }
    result = paramspec_make(st, name, t, def, shape ? shape : Py_None);
done:
    Py_XDECREF(dtype);
    Py_XDECREF(t);
    Py_XDECREF(name);
    Py_XDECREF(def);
    Py_XDECREF(shape);
    Py_XDECREF(keys);
    return result;
}

FROM_JSON_DICT_METHOD(ParamSpec, paramspec_from_json)

static PyObject *
ParamSpec_validate_type_and_shape(PyObject *Py_UNUSED(type), PyTypeObject *cls,
                                  PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"spec", "value", "value_type", "shape", NULL};
    PyObject *a[4];
    if (mlc_args_parse("validate_type_and_shape", args, nargs, kwnames, names, 4, 4, a, NULL) <
        0) {
        return NULL;
    }
    PyObject *spec = PyObject_Str(a[0]);
    if (spec == NULL) {
        return NULL;
    }
    PyObject *r = param_validate(mlc_state_from_class(cls), spec, a[1], a[2], a[3]);
    Py_DECREF(spec);
    return r;
}

static PyObject *
ParamSpec_validate_param_spec(PyObject *Py_UNUSED(type), PyTypeObject *cls,
                              PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"value", "param_spec", NULL};
    PyObject *a[2];
    mlc_state *st = mlc_state_from_class(cls);
    if (mlc_args_parse("validate_param_spec", args, nargs, kwnames, names, 2, 2, a, NULL) < 0) {
        return NULL;
    }
    if (!IS_A(st, a[1], ParamSpecType)) {
        PyErr_Format(PyExc_TypeError, "param_spec must be a ParamSpec, got '%s'",
                     Py_TYPE(a[1])->tp_name);
        return NULL;
    }
    ParamSpecObject *p = ParamSpec_CAST(a[1]);
    PyObject *spec = PyObject_Repr(a[1]);
    if (spec == NULL) {
        return NULL;
    }
    PyObject *r = param_validate(st, spec, a[0], p->dtype, p->shape);
    Py_DECREF(spec);
    return r;
}

static PyMethodDef ParamSpec_methods[] = {
    {"to_dict", ParamSpec_to_dict, METH_NOARGS,
     "to_dict($self)\n--\n\nDictionary representation (name, default, shape, type)."},
    FROM_JSON_DICT_DEF(ParamSpec, "Deserialize from a json loaded dictionary: `name`, `type` "
                                  "(or MLflow 2.x `dtype`), `default` and optional `shape`."),
    {"validate_type_and_shape", (PyCFunction)(void (*)(void))ParamSpec_validate_type_and_shape,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "validate_type_and_shape($cls, spec, value, value_type, shape)\n--\n\n"
     "Validate that the value has the expected type and shape; return it converted."},
    {"validate_param_spec", (PyCFunction)(void (*)(void))ParamSpec_validate_param_spec,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "validate_param_spec($cls, value, param_spec)\n--\n\n"
     "Validate value against param_spec's type and shape; return it converted."},
    {"__reduce__", ParamSpec_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ParamSpec_getset[] = {
    {"name", ParamSpec_get_name, NULL, "The name of the parameter.", NULL},
    {"dtype", ParamSpec_get_dtype, NULL, "The parameter data type.", NULL},
    {"default", ParamSpec_get_default, NULL, "Default value of the parameter.", NULL},
    {"shape", ParamSpec_get_shape, NULL, "The parameter shape: None (scalar) or (-1,).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(ParamSpec_doc, "ParamSpec(name, dtype, default, shape=None)\n--\n\n"
                            "Specification used to represent parameters for the model.");

static PyType_Slot ParamSpec_slots[] = {
    {Py_tp_new, ParamSpec_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, ParamSpec_traverse},
    {Py_tp_clear, ParamSpec_clear},
    {Py_tp_repr, ParamSpec_repr},
    {Py_tp_richcompare, ParamSpec_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, ParamSpec_methods},
    {Py_tp_getset, ParamSpec_getset},
    {Py_tp_doc, (void *)ParamSpec_doc},
    {0, NULL},
};

static PyType_Spec ParamSpec_spec = {
    .name = "mlflow_c.types.ParamSpec",
    .basicsize = sizeof(ParamSpecObject),
    .flags = SIG_FLAGS,
    .slots = ParamSpec_slots,
};

/* ================================================================ ParamSchema */

static int
ParamSchema_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(ParamSchema_CAST(self)->params);
    return 0;
}

static int
ParamSchema_clear(PyObject *self)
{
    Py_CLEAR(ParamSchema_CAST(self)->params);
    return 0;
}

/* Returns a new reference: ParamSchema(params) with MLflow's checks. A list is kept as given;
 * another iterable is copied into a list. */
static PyObject *
paramschema_make(mlc_state *st, PyObject *params)
{
    PyObject *list = NULL, *names = NULL, *seen = NULL, *dups = NULL, *result = NULL;
    list = PyList_Check(params) ? Py_NewRef(params) : PySequence_List(params);
    if (list == NULL || (names = PyList_AsTuple(list)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        if (!IS_A(st, PyTuple_GET_ITEM(names, i), ParamSpecType)) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "ParamSchema inputs only accept <class 'type'>");
            goto done;
        }
    }
    if ((seen = PySet_New(NULL)) == NULL || (dups = PyList_New(0)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        PyObject *name = ParamSpec_CAST(PyTuple_GET_ITEM(names, i))->name;
        int in = PySet_Contains(seen, name);
        if (in < 0 || (in && PyList_Append(dups, name) < 0) || (!in && PySet_Add(seen, name) < 0)) {
            goto done;
        }
    }
    if (PyList_GET_SIZE(dups) > 0) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Duplicated parameters found in schema: %R", dups);
        goto done;
    }
    result = alloc_instance(st->ParamSchemaType);
    if (result != NULL) {
        ParamSchema_CAST(result)->params = Py_NewRef(list);
    }
done:
    Py_XDECREF(list);
    Py_XDECREF(names);
    Py_XDECREF(seen);
    Py_XDECREF(dups);
    return result;
}

static PyObject *
ParamSchema_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"params", NULL};
    PyObject *a[1];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL || parse_new_args("ParamSchema.__init__", args, kwargs, names, 1, 1, a) < 0) {
        return NULL;
    }
    return paramschema_make(st, a[0]);
}

static Py_ssize_t
ParamSchema_length(PyObject *self)
{
    return PyList_GET_SIZE(ParamSchema_CAST(self)->params);
}

static PyObject *
ParamSchema_iter(PyObject *self)
{
    return PyObject_GetIter(ParamSchema_CAST(self)->params);
}

static PyObject *
ParamSchema_get_params(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(ParamSchema_CAST(self)->params);
}

/* Returns a new reference: ParamSchema.to_dict(). */
static PyObject *
paramschema_to_dict(mlc_state *st, PyObject *self)
{
    PyObject *items = PyList_AsTuple(ParamSchema_CAST(self)->params);
    if (items == NULL) {
        return NULL;
    }
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out != NULL && i < PyTuple_GET_SIZE(items); i++) {
        PyObject *x = PyTuple_GET_ITEM(items, i);
        PyObject *d = IS_A(st, x, ParamSpecType) ? paramspec_to_dict(st, x)
                                                 : PyObject_CallMethod(x, "to_dict", NULL);
        if (d == NULL || PyList_Append(out, d) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(d);
    }
    Py_DECREF(items);
    return out;
}

/* Returns a new reference: ParamSchema.to_json(). */
static PyObject *
paramschema_to_json(mlc_state *st, PyObject *self)
{
    PyObject *d = paramschema_to_dict(st, self);
    if (d == NULL) {
        return NULL;
    }
    PyObject *r = json_dumps(st, d);
    Py_DECREF(d);
    return r;
}

static PyObject *
ParamSchema_to_dict(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                    Py_ssize_t nargs, PyObject *kwnames)
{
    if (no_args("to_dict", nargs, kwnames) < 0) {
        return NULL;
    }
    return paramschema_to_dict(mlc_state_from_class(cls), self);
}

static PyObject *
ParamSchema_to_json(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                    Py_ssize_t nargs, PyObject *kwnames)
{
    if (no_args("to_json", nargs, kwnames) < 0) {
        return NULL;
    }
    return paramschema_to_json(mlc_state_from_class(cls), self);
}

/* Returns a new reference: ParamSchema.from_json(text). */
static PyObject *
paramschema_from_json(mlc_state *st, PyObject *text)
{
    PyObject *data = NULL, *it = NULL, *x = NULL, *specs = NULL, *tn = NULL, *result = NULL;
    if ((data = json_loads(st, text)) == NULL || (it = PyObject_GetIter(data)) == NULL ||
        (specs = PyList_New(0)) == NULL) {
        goto done;
    }
    while ((x = PyIter_Next(it)) != NULL) {
        if (!PyDict_Check(x)) {
            if ((tn = type_name(x)) != NULL) {
                mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                          "Expected each parameter of a ParamSchema JSON to be an object, got %U",
                          tn);
            }
            goto done;
        }
        PyObject *spec = paramspec_from_json(st, x);
        if (spec == NULL || PyList_Append(specs, spec) < 0) {
            Py_XDECREF(spec);
            goto done;
        }
        Py_DECREF(spec);
        Py_CLEAR(x);
    }
    if (PyErr_Occurred()) { /* PyIter_Next reports errors only this way */
        goto done;
    }
    result = paramschema_make(st, specs);
done:
    Py_XDECREF(data);
    Py_XDECREF(it);
    Py_XDECREF(x);
    Py_XDECREF(specs);
    Py_XDECREF(tn);
    return result;
}

static PyObject *
ParamSchema_from_json(PyObject *Py_UNUSED(type), PyTypeObject *cls, PyObject *const *args,
                      Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"json_str", NULL};
    PyObject *a[1];
    if (mlc_args_parse("from_json", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    return paramschema_from_json(mlc_state_from_class(cls), a[0]);
}

static PyObject *
ParamSchema_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    return eq_result(PyObject_RichCompareBool(ParamSchema_CAST(self)->params,
                                              ParamSchema_CAST(other)->params, Py_EQ),
                     op);
}

static PyObject *
ParamSchema_repr(PyObject *self)
{
    return PyObject_Repr(ParamSchema_CAST(self)->params);
}

static PyObject *
ParamSchema_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(O(O))", (PyObject *)Py_TYPE(self), ParamSchema_CAST(self)->params);
}

static PyMethodDef ParamSchema_methods[] = {
    {"to_json", (PyCFunction)(void (*)(void))ParamSchema_to_json,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS, "to_json($self)\n--\n\nSerialize into json string."},
    {"to_dict", (PyCFunction)(void (*)(void))ParamSchema_to_dict,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "to_dict($self)\n--\n\nSerialize into a jsonable dictionary."},
    {"from_json", (PyCFunction)(void (*)(void))ParamSchema_from_json,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "from_json($cls, json_str)\n--\n\nDeserialize from a json string."},
    {"__reduce__", ParamSchema_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ParamSchema_getset[] = {
    {"params", ParamSchema_get_params, NULL, "Representation of ParamSchema as a list of ParamSpec.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(ParamSchema_doc, "ParamSchema(params)\n--\n\n"
                              "Specification of parameters applicable to the model: a list of "
                              "ParamSpec with unique names.");

static PyType_Slot ParamSchema_slots[] = {
    {Py_tp_new, ParamSchema_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, ParamSchema_traverse},
    {Py_tp_clear, ParamSchema_clear},
    {Py_tp_repr, ParamSchema_repr},
    {Py_tp_richcompare, ParamSchema_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_iter, ParamSchema_iter},
    {Py_sq_length, ParamSchema_length},
    {Py_tp_methods, ParamSchema_methods},
    {Py_tp_getset, ParamSchema_getset},
    {Py_tp_doc, (void *)ParamSchema_doc},
    {0, NULL},
};

static PyType_Spec ParamSchema_spec = {
    .name = "mlflow_c.types.ParamSchema",
    .basicsize = sizeof(ParamSchemaObject),
    .flags = SIG_FLAGS,
    .slots = ParamSchema_slots,
};

/* ================================================================ ModelSignature */

static int
ModelSignature_traverse(PyObject *self, visitproc visit, void *arg)
{
    ModelSignatureObject *s = ModelSignature_CAST(self);
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(s->inputs);
    Py_VISIT(s->outputs);
    Py_VISIT(s->params);
    return 0;
}

static int
ModelSignature_clear(PyObject *self)
{
    ModelSignatureObject *s = ModelSignature_CAST(self);
    Py_CLEAR(s->inputs);
    Py_CLEAR(s->outputs);
    Py_CLEAR(s->params);
    return 0;
}

/* Checks one ModelSignature argument the way MLflow does (`if x and not isinstance(x, T)`).
 * Returns a new reference to what is stored: x, or None for None and for a falsy non-T value
 * (MLflow would keep e.g. [] as is; it serialises as None either way). NULL on error. */
static PyObject *
signature_part_arg(mlc_state *st, PyObject *x, PyObject *tp, const char *fmt)
{
    if (mlc_is_none(x)) {
        return Py_NewRef(Py_None);
    }
    if (Py_IS_TYPE(x, (PyTypeObject *)tp)) {
        return Py_NewRef(x);
    }
    int truth = PyObject_IsTrue(x);
    if (truth < 0) {
        return NULL;
    }
    if (!truth) {
        return Py_NewRef(Py_None);
    }
    PyObject *tn = type_name(x);
    if (tn != NULL) {
        mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE, fmt, tn);
        Py_DECREF(tn);
    }
    return NULL;
}

#define SIG_INPUTS_FMT                                                                         \
    "inputs must be either None, mlflow.models.signature.Schema, or a dataclass,got '%U'"
#define SIG_OUTPUTS_FMT                                                                        \
    "outputs must be either None, mlflow.models.signature.Schema, or a dataclass,got '%U'"
#define SIG_PARAMS_FMT                                                                         \
    "If params are provided, they must by of type mlflow.models.signature.ParamSchema, got '%U'"

/* Returns a new reference: ModelSignature(inputs, outputs, params) (arguments may be NULL). */
static PyObject *
signature_make(mlc_state *st, PyObject *inputs, PyObject *outputs, PyObject *params)
{
    PyObject *in = NULL, *out = NULL, *par = NULL, *result = NULL;
    if ((in = signature_part_arg(st, inputs, st->SchemaType, SIG_INPUTS_FMT)) == NULL ||
        (out = signature_part_arg(st, outputs, st->SchemaType, SIG_OUTPUTS_FMT)) == NULL ||
        (par = signature_part_arg(st, params, st->ParamSchemaType, SIG_PARAMS_FMT)) == NULL) {
        goto done;
    }
    if (mlc_is_none(inputs) && mlc_is_none(outputs) && mlc_is_none(params)) {
        mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                  "At least one of inputs, outputs or params must be provided");
        goto done;
    }
    result = alloc_instance(st->ModelSignatureType);
    if (result != NULL) {
        ModelSignatureObject *s = ModelSignature_CAST(result);
        s->inputs = Py_NewRef(in);
        s->outputs = Py_NewRef(out);
        s->params = Py_NewRef(par);
    }
done:
    Py_XDECREF(in);
    Py_XDECREF(out);
    Py_XDECREF(par);
    return result;
}

static PyObject *
ModelSignature_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"inputs", "outputs", "params", NULL};
    PyObject *a[3];
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL ||
        parse_new_args("ModelSignature.__init__", args, kwargs, names, 3, 0, a) < 0) {
        return NULL;
    }
    return signature_make(st, a[0], a[1], a[2]);
}

/* Returns a new reference: part.to_json() when part is a non-empty Schema/ParamSchema, else
 * None (MLflow: `x.to_json() if x else None`). */
static PyObject *
signature_part_json(mlc_state *st, PyObject *part)
{
    if (part == Py_None) {
        Py_RETURN_NONE;
    }
    if (IS_A(st, part, SchemaType)) {
        return PyList_GET_SIZE(Schema_CAST(part)->inputs) == 0 ? Py_NewRef(Py_None)
                                                               : schema_to_json(st, part);
    }
    return PyList_GET_SIZE(ParamSchema_CAST(part)->params) == 0 ? Py_NewRef(Py_None)
                                                                : paramschema_to_json(st, part);
}

/* Returns a new reference: ModelSignature.to_dict(). */
static PyObject *
signature_to_dict(mlc_state *st, PyObject *self)
{
    ModelSignatureObject *s = ModelSignature_CAST(self);
    PyObject *in = NULL, *out = NULL, *par = NULL, *result = NULL;
    PyObject *si = Py_NewRef(s->inputs), *so = Py_NewRef(s->outputs), *sp = Py_NewRef(s->params);
    if ((in = signature_part_json(st, si)) != NULL && (out = signature_part_json(st, so)) != NULL &&
        (par = signature_part_json(st, sp)) != NULL) {
        result = Py_BuildValue("{sOsOsO}", "inputs", in, "outputs", out, "params", par);
    }
    Py_DECREF(si);
    Py_DECREF(so);
    Py_DECREF(sp);
    Py_XDECREF(in);
    Py_XDECREF(out);
    Py_XDECREF(par);
    return result;
}

static PyObject *
ModelSignature_to_dict(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                       Py_ssize_t nargs, PyObject *kwnames)
{
    if (no_args("to_dict", nargs, kwnames) < 0) {
        return NULL;
    }
    return signature_to_dict(mlc_state_from_class(cls), self);
}

/* Returns a new reference: ModelSignature.from_dict(d). With `wrap` set, a failure to read a
 * part is re-raised as MlflowValueError naming the part (for MLmodel readers); otherwise the
 * original exception propagates, as in MLflow. The two 3.x flags are read when d has them. */
static PyObject *
signature_from_dict(mlc_state *st, PyObject *d, int wrap)
{
    static const char *const parts[] = {"inputs", "outputs", "params"};
    static const char *const flags[] = {"is_signature_from_type_hint", "type_hint_from_example"};
    PyObject *val[3] = {NULL, NULL, NULL}, *x = NULL, *result = NULL;
    int flag_values[2] = {0, 0};
    for (int i = 0; i < 3; i++) {
        x = PyMapping_Check(d) ? PyObject_CallMethod(d, "get", "s", parts[i]) : NULL;
        if (x == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_TypeError, "signature must be a mapping, got '%s'",
                             Py_TYPE(d)->tp_name);
            }
            goto done;
        }
        int truth = PyObject_IsTrue(x);
        if (truth < 0) {
            goto done;
        }
        if (truth) {
            val[i] = i < 2 ? schema_from_json(st, x) : paramschema_from_json(st, x);
            if (val[i] == NULL) {
                if (wrap) {
                    mlc_raise_from(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                                   "Invalid model signature: cannot read its %s", parts[i]);
                }
                goto done;
            }
        }
        Py_CLEAR(x);
    }
    for (int i = 0; i < 2; i++) {
        if (PyDict_Check(d)) {
            if (PyDict_GetItemStringRef(d, flags[i], &x) < 0) {
                goto done;
            }
            if (x != NULL && (flag_values[i] = PyObject_IsTrue(x)) < 0) {
                goto done;
            }
            Py_CLEAR(x);
        }
    }
    result = signature_make(st, val[0], val[1], val[2]);
    if (result != NULL) {
        ModelSignature_CAST(result)->is_signature_from_type_hint = flag_values[0];
        ModelSignature_CAST(result)->is_type_hint_from_example = flag_values[1];
    }
done:
    for (int i = 0; i < 3; i++) {
        Py_XDECREF(val[i]);
    }
    Py_XDECREF(x);
    return result;
}

PyObject *
mlc_signature_from_dict(mlc_state *st, PyObject *d)
{
    return signature_from_dict(st, d, 1);
}

static PyObject *
ModelSignature_from_dict(PyObject *Py_UNUSED(type), PyTypeObject *cls, PyObject *const *args,
                         Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"signature_dict", NULL};
    PyObject *a[1];
    if (mlc_args_parse("from_dict", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    return signature_from_dict(mlc_state_from_class(cls), a[0], 0);
}

/* ModelSignature._restore(inputs, outputs, params, from_type_hint, type_hint_from_example):
 * the pickle constructor (keeps the two flags). */
static PyObject *
ModelSignature_restore(PyObject *Py_UNUSED(type), PyTypeObject *cls, PyObject *const *args,
                       Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"inputs", "outputs", "params",
                                        "is_signature_from_type_hint",
                                        "is_type_hint_from_example", NULL};
    PyObject *a[5];
    mlc_state *st = mlc_state_from_class(cls);
    if (mlc_args_parse("_restore", args, nargs, kwnames, names, 5, 5, a, NULL) < 0) {
        return NULL;
    }
    int f0 = PyObject_IsTrue(a[3]), f1 = f0 < 0 ? -1 : PyObject_IsTrue(a[4]);
    if (f1 < 0) {
        return NULL;
    }
    PyObject *r;
    if (mlc_is_none(a[0]) && mlc_is_none(a[1]) && mlc_is_none(a[2])) {
        r = alloc_instance(st->ModelSignatureType); /* kept from a falsy argument */
        if (r != NULL) {
            ModelSignature_CAST(r)->inputs = Py_NewRef(Py_None);
            ModelSignature_CAST(r)->outputs = Py_NewRef(Py_None);
            ModelSignature_CAST(r)->params = Py_NewRef(Py_None);
        }
    }
    else {
        r = signature_make(st, a[0], a[1], a[2]);
    }
    if (r != NULL) {
        ModelSignature_CAST(r)->is_signature_from_type_hint = f0;
        ModelSignature_CAST(r)->is_type_hint_from_example = f1;
    }
    return r;
}

static PyObject *
ModelSignature_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    ModelSignatureObject *s = ModelSignature_CAST(self);
    PyObject *fn = PyObject_GetAttrString((PyObject *)Py_TYPE(self), "_restore");
    if (fn == NULL) {
        return NULL;
    }
    return Py_BuildValue("(N(OOOOO))", fn, s->inputs, s->outputs, s->params,
                         s->is_signature_from_type_hint ? Py_True : Py_False,
                         s->is_type_hint_from_example ? Py_True : Py_False);
}

static PyObject *
ModelSignature_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (!Py_IS_TYPE(other, Py_TYPE(self))) {
        return eq_result(0, op);
    }
    ModelSignatureObject *a = ModelSignature_CAST(self), *b = ModelSignature_CAST(other);
    int eq = PyObject_RichCompareBool(a->inputs, b->inputs, Py_EQ);
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->outputs, b->outputs, Py_EQ);
    }
    if (eq > 0) {
        eq = PyObject_RichCompareBool(a->params, b->params, Py_EQ);
    }
    return eq_result(eq, op);
}

static PyObject *
ModelSignature_repr(PyObject *self)
{
    ModelSignatureObject *s = ModelSignature_CAST(self);
    return PyUnicode_FromFormat("inputs: \n  %R\noutputs: \n  %R\nparams: \n  %R\n", s->inputs,
                                s->outputs, s->params);
}

/* Getter/setter pairs for the three parts; closure is the offset of the field. */
static PyObject *
ModelSignature_get_part(PyObject *self, void *closure)
{
    return Py_NewRef(*(PyObject **)((char *)self + (size_t)closure));
}

static int
ModelSignature_set_part(PyObject *self, PyObject *value, void *closure)
{
    mlc_state *st = st_of(self);
    if (st == NULL) {
        return -1;
    }
    size_t off = (size_t)closure;
    int is_params = off == offsetof(ModelSignatureObject, params);
    PyObject *tp = is_params ? st->ParamSchemaType : st->SchemaType;
    if (value == NULL || (value != Py_None && !Py_IS_TYPE(value, (PyTypeObject *)tp))) {
        PyErr_Format(PyExc_TypeError, "ModelSignature.%s must be None or a %s",
                     is_params ? "params" : off == offsetof(ModelSignatureObject, inputs)
                                                ? "inputs"
                                                : "outputs",
                     is_params ? "ParamSchema" : "Schema");
        return -1;
    }
    Py_SETREF(*(PyObject **)((char *)self + off), Py_NewRef(value));
    return 0;
}

static PyObject *
ModelSignature_get_flag(PyObject *self, void *closure)
{
    ModelSignatureObject *s = ModelSignature_CAST(self);
    return PyBool_FromLong(closure ? s->is_type_hint_from_example
                                   : s->is_signature_from_type_hint);
}

static int
ModelSignature_set_flag(PyObject *self, PyObject *value, void *closure)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete a signature flag");
        return -1;
    }
    int truth = PyObject_IsTrue(value);
    if (truth < 0) {
        return -1;
    }
    ModelSignatureObject *s = ModelSignature_CAST(self);
    if (closure) {
        s->is_type_hint_from_example = truth;
    }
    else {
        s->is_signature_from_type_hint = truth;
    }
    return 0;
}

static PyMethodDef ModelSignature_methods[] = {
    {"to_dict", (PyCFunction)(void (*)(void))ModelSignature_to_dict,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "to_dict($self)\n--\n\nSerialize into a 'jsonable' dictionary: inputs, outputs and params "
     "as JSON strings (or None)."},
    {"from_dict", (PyCFunction)(void (*)(void))ModelSignature_from_dict,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "from_dict($cls, signature_dict)\n--\n\nDeserialize from dictionary representation."},
    {"_restore", (PyCFunction)(void (*)(void))ModelSignature_restore,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "_restore($cls, inputs, outputs, params, is_signature_from_type_hint, "
     "is_type_hint_from_example)\n--\n\nPickle support."},
    {"__reduce__", ModelSignature_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ModelSignature_getset[] = {
    {"inputs", ModelSignature_get_part, ModelSignature_set_part, "The input Schema or None.",
     (void *)offsetof(ModelSignatureObject, inputs)},
    {"outputs", ModelSignature_get_part, ModelSignature_set_part, "The output Schema or None.",
     (void *)offsetof(ModelSignatureObject, outputs)},
    {"params", ModelSignature_get_part, ModelSignature_set_part, "The ParamSchema or None.",
     (void *)offsetof(ModelSignatureObject, params)},
    {"_is_signature_from_type_hint", ModelSignature_get_flag, ModelSignature_set_flag,
     "Whether the signature was inferred from type hints.", NULL},
    {"_is_type_hint_from_example", ModelSignature_get_flag, ModelSignature_set_flag,
     "Whether the type hint was inferred from an input example.", (void *)1},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(ModelSignature_doc,
             "ModelSignature(inputs=None, outputs=None, params=None)\n--\n\n"
             "ModelSignature specifies schema of model's inputs, outputs and params.");

static PyType_Slot ModelSignature_slots[] = {
    {Py_tp_new, ModelSignature_new},
    {Py_tp_dealloc, sig_dealloc},
    {Py_tp_traverse, ModelSignature_traverse},
    {Py_tp_clear, ModelSignature_clear},
    {Py_tp_repr, ModelSignature_repr},
    {Py_tp_richcompare, ModelSignature_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, ModelSignature_methods},
    {Py_tp_getset, ModelSignature_getset},
    {Py_tp_doc, (void *)ModelSignature_doc},
    {0, NULL},
};

static PyType_Spec ModelSignature_spec = {
    .name = "mlflow_c.models.ModelSignature",
    .basicsize = sizeof(ModelSignatureObject),
    .flags = SIG_FLAGS,
    .slots = ModelSignature_slots,
};

/* ================================================================ init */

int
mlc_schema_init(PyObject *m, mlc_state *st)
{
    struct {
        PyObject **slot;
        PyType_Spec *spec;
    } types[] = {
        {&st->AnyTypeType, &AnyType_spec},       {&st->ArrayType, &Array_spec},
        {&st->MapType, &Map_spec},               {&st->PropertyType, &Property_spec},
        {&st->ObjectType, &Object_spec},         {&st->ColSpecType, &ColSpec_spec},
        {&st->TensorSpecType, &TensorSpec_spec}, {&st->SchemaType, &Schema_spec},
        {&st->ParamSpecType, &ParamSpec_spec},   {&st->ParamSchemaType, &ParamSchema_spec},
        {&st->ModelSignatureType, &ModelSignature_spec},
    };
    if (datatype_init(m, st) < 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        *types[i].slot = PyType_FromModuleAndSpec(m, types[i].spec, NULL);
        if (*types[i].slot == NULL || PyModule_AddType(m, (PyTypeObject *)*types[i].slot) < 0) {
            return -1;
        }
    }
    return 0;
}
