/* infer.c: signature inference -- MLflow 3.17's infer_signature, _infer_schema,
 * _infer_param_schema, _infer_numpy_dtype and _infer_pandas_column, in C.
 * The engine infers a private C type tree (it_node) from the data and turns it into
 * schema.c's objects (ColSpec, Array, Object, ...) only at the boundary. No enforcement, no
 * JSON and no libyaml here; numpy, pandas and scipy are only looked at when already imported
 * (the NumPy C API is loaded lazily through mlc_numpy_ready). */
#include "infer.h"

#include "args.h"
#include "errors.h"
#include "schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- MLflow's texts */

static const char MULTIPLE_TYPES_MSG[] =
    "Expected all values in the list to be of the same type. To specify a model signature "
    "with a list containing elements of multiple types, define the signature manually "
    "using the Array(AnyType()) type from mlflow.models.schema.";

static const char INT_HINT_MSG[] =
    "Hint: Inferred schema contains integer column(s). Integer columns in "
    "Python cannot represent missing values. If your input data contains "
    "missing values at inference time, it will be encoded as floats and will "
    "cause a schema enforcement error. The best way to avoid this problem is "
    "to infer the model schema based on a realistic data sample (training "
    "dataset) that includes missing values. Alternatively, you can declare "
    "integer columns as doubles (float64) whenever these columns may have "
    "missing values. See `Handling Integers With Missing Values "
    "<https://www.mlflow.org/docs/latest/models.html#"
    "handling-integers-with-missing-values>`_ for more details.";

static const char PYDANTIC_MSG[] =
    "MLflow does not support inferring model signature from input example "
    "with Pydantic objects. To use Pydantic objects, define your PythonModel's "
    "`predict` method with a Pydantic type hint, and model signature will be automatically "
    "inferred when logging the model. e.g. "
    "`def predict(self, model_input: list[PydanticType])`. Check "
    "https://mlflow.org/docs/latest/model/python_model.html#type-hint-usage-in-pythonmodel "
    "for more details.";

static const char EXPECTED_TYPES_MSG[] =
    "Failed to infer schema. Expected one of the following types:\n"
    "- pandas.DataFrame\n"
    "- pandas.Series\n"
    "- numpy.ndarray\n"
    "- dictionary of (name -> numpy.ndarray)\n"
    "- pyspark.sql.DataFrame\n"
    "- scipy.sparse.csr_matrix\n"
    "- scipy.sparse.csc_matrix\n"
    "- DataType\n"
    "- List[DataType]\n"
    "- Dict[str, Union[DataType, List, Dict]]\n"
    "- List[Dict[str, Union[DataType, List, Dict]]]\n";

static const char OBJECT_DTYPE_MSG[] =
    "Can not infer object without looking at the values, call _map_numpy_array instead.";

static const char FALLBACK_MSG[] =
    "Failed to infer schema for %s. Setting schema to `Schema([ColSpec(type=AnyType())]` as "
    "default. %sTo see the full traceback, set logging level to DEBUG.";

static const char ANYTYPE_NOTE[] =
    "Note that MLflow doesn't validate data types during inference for AnyType. ";

#define MLC_INFER_ERR(st, code, ...) mlc_raise((st)->MlflowException, (code), __VA_ARGS__)
#define CODE_INVALID MLC_INVALID_PARAMETER_VALUE
#define CODE_INTERNAL MLC_INTERNAL_ERROR

/* ---------------------------------------------------------------- per-call context */

/* What one inference call needs to recognise values. Every PyObject field is a strong
 * reference or NULL (NULL meaning "that library is not imported, so no value can be one"). */
typedef struct {
    mlc_state *st;
    int have_numpy;
    PyObject *Series;        /* pandas.Series */
    PyObject *DataFrame;     /* pandas.DataFrame */
    PyObject *pd_NA;         /* pandas.NA */
    PyObject *pd_NaT;        /* pandas.NaT */
    PyObject *pydantic_base; /* pydantic.BaseModel */
    PyObject *date_type;     /* datetime.date */
    PyObject *datetime_type; /* datetime.datetime */
    /* numpy scalar types of MLflow's SCALAR_TO_DATATYPE_MAPPING (static types, not owned) */
    PyTypeObject *np_bool, *np_int64, *np_int32, *np_float64, *np_float32, *np_str, *np_bytes,
        *np_datetime64;
    /* 1 while the pending exception is MLflow's InvalidDataForSignatureInferenceError, which
     * infer_signature re-raises instead of falling back to AnyType. */
    int fatal;
} infer_ctx;

/* Returns NumPy's scalar type for typenum, or NULL. The builtin scalar types are static, so
 * no reference is kept. */
static PyTypeObject *
np_scalar_type(int typenum)
{
    PyArray_Descr *d = PyArray_DescrFromType(typenum);
    if (d == NULL) {
        return NULL;
    }
    PyTypeObject *tp = d->typeobj;
    Py_DECREF(d);
    return tp;
}

/* Looks module up in sys.modules without importing it: 1 with a new reference in *mod, 0 when
 * it is not imported (or blocked with None), -1 on error. */
static int
imported_module(const char *module, PyObject **mod)
{
    PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
    int rc = PyDict_GetItemStringRef(modules, module, mod);
    if (rc > 0 && *mod == Py_None) {
        Py_CLEAR(*mod);
        rc = 0;
    }
    return rc;
}

/* Like imported_module, for module.attr: 1 with a new reference in *value, 0 when the module
 * is not imported or has no such attribute, -1 on error. */
static int
imported_attr(const char *module, const char *attr, PyObject **value)
{
    PyObject *mod = NULL;
    *value = NULL;
    int rc = imported_module(module, &mod);
    if (rc <= 0) {
        return rc;
    }
    rc = PyObject_GetOptionalAttrString(mod, attr, value);
    Py_DECREF(mod);
    return rc;
}

/* Loads the NumPy C API (importing numpy) and the scalar types. Returns 0 or -1. */
static int
ctx_load_numpy(infer_ctx *ctx)
{
    if (ctx->have_numpy) {
        return 0;
    }
    if (mlc_numpy_ready(ctx->st) < 0) {
        return -1;
    }
    if ((ctx->np_bool = np_scalar_type(NPY_BOOL)) == NULL ||
        (ctx->np_int64 = np_scalar_type(NPY_INT64)) == NULL ||
        (ctx->np_int32 = np_scalar_type(NPY_INT32)) == NULL ||
        (ctx->np_float64 = np_scalar_type(NPY_FLOAT64)) == NULL ||
        (ctx->np_float32 = np_scalar_type(NPY_FLOAT32)) == NULL ||
        (ctx->np_str = np_scalar_type(NPY_UNICODE)) == NULL ||
        (ctx->np_bytes = np_scalar_type(NPY_STRING)) == NULL ||
        (ctx->np_datetime64 = np_scalar_type(NPY_DATETIME)) == NULL) {
        return -1;
    }
    ctx->have_numpy = 1;
    return 0;
}

static void
ctx_clear(infer_ctx *ctx)
{
    Py_CLEAR(ctx->Series);
    Py_CLEAR(ctx->DataFrame);
    Py_CLEAR(ctx->pd_NA);
    Py_CLEAR(ctx->pd_NaT);
    Py_CLEAR(ctx->pydantic_base);
    Py_CLEAR(ctx->date_type);
    Py_CLEAR(ctx->datetime_type);
}

/* Fills ctx. With need_numpy the NumPy C API is loaded (importing numpy); otherwise numpy is
 * used only when the caller already imported it. Returns 0, or -1 with an exception. */
static int
ctx_init(infer_ctx *ctx, mlc_state *st, int need_numpy)
{
    PyObject *mod = NULL;
    int rc;
    memset(ctx, 0, sizeof(*ctx));
    ctx->st = st;

    if (!need_numpy) {
        if ((rc = imported_module("numpy", &mod)) < 0) {
            goto error;
        }
        need_numpy = rc;
        Py_CLEAR(mod);
    }
    if (need_numpy && ctx_load_numpy(ctx) < 0) {
        goto error;
    }
    /* pandas only when imported: no value can be a pandas object otherwise */
    if ((rc = imported_module("pandas", &mod)) < 0) {
        goto error;
    }
    if (rc > 0) {
        if ((ctx->DataFrame = mlc_lazy_attr(&st->DataFrame, "pandas", "DataFrame")) == NULL ||
            (ctx->Series = mlc_lazy_attr(&st->Series, "pandas", "Series")) == NULL ||
            (ctx->pd_NA = PyObject_GetAttrString(mod, "NA")) == NULL ||
            (ctx->pd_NaT = PyObject_GetAttrString(mod, "NaT")) == NULL) {
            goto error;
        }
        Py_CLEAR(mod);
    }
    if (imported_attr("pydantic", "BaseModel", &ctx->pydantic_base) < 0) {
        goto error;
    }
    if ((mod = PyImport_ImportModule("datetime")) == NULL ||
        (ctx->date_type = PyObject_GetAttrString(mod, "date")) == NULL ||
        (ctx->datetime_type = PyObject_GetAttrString(mod, "datetime")) == NULL) {
        goto error;
    }
    Py_CLEAR(mod);
    return 0;
error:
    Py_XDECREF(mod);
    ctx_clear(ctx);
    return -1;
}

/* ---------------------------------------------------------------- small helpers */

/* Returns a new reference: format(o, "") -- what an f-string `{o}` prints. */
static PyObject *
fmt(PyObject *o)
{
    return PyObject_Format(o, NULL);
}

/* Makes `context` (stolen, may be NULL) the __context__ of the pending exception. */
static void
set_context(PyObject *context)
{
    if (context == NULL) {
        return;
    }
    PyObject *exc = PyErr_GetRaisedException();
    if (exc == NULL) {
        Py_DECREF(context);
        return;
    }
    PyException_SetContext(exc, context); /* steals */
    PyErr_SetRaisedException(exc);        /* steals */
}

/* Raises MlflowException(code) with message "<prefix><format(obj)><suffix>". Returns -1. */
static int
raise_with_obj(mlc_state *st, const char *code, const char *prefix, PyObject *obj,
               const char *suffix)
{
    PyObject *text = fmt(obj);
    if (text == NULL) {
        return -1;
    }
    mlc_raise(st->MlflowException, code, "%s%U%s", prefix, text, suffix);
    Py_DECREF(text);
    return -1;
}

/* _is_none_or_nan(x): float NaN, None, pandas.NA or pandas.NaT. Never runs Python code. */
static int
is_none_or_nan(const infer_ctx *ctx, PyObject *x)
{
    if (PyFloat_Check(x)) {
        return isnan(PyFloat_AS_DOUBLE(x)) ? 1 : 0;
    }
    return x == Py_None || (ctx->pd_NA != NULL && x == ctx->pd_NA) ||
           (ctx->pd_NaT != NULL && x == ctx->pd_NaT);
}

/* The DataType MLflow maps a value of exact type tp to (SCALAR_TO_DATATYPE_MAPPING, then
 * DataType.check_type(datetime)), or MLC_DT_NONE. */
static mlc_dtype
scalar_dtype(const infer_ctx *ctx, PyTypeObject *tp)
{
    if (tp == &PyUnicode_Type || tp == &PyBaseObject_Type) {
        return MLC_DT_STRING;
    }
    if (tp == &PyLong_Type) {
        return MLC_DT_LONG;
    }
    if (tp == &PyFloat_Type) {
        return MLC_DT_DOUBLE;
    }
    if (tp == &PyBool_Type) {
        return MLC_DT_BOOLEAN;
    }
    if (tp == &PyBytes_Type || tp == &PyByteArray_Type) {
        return MLC_DT_BINARY;
    }
    if (ctx->have_numpy) {
        if (tp == ctx->np_int64) {
            return MLC_DT_LONG;
        }
        if (tp == ctx->np_float64) {
            return MLC_DT_DOUBLE;
        }
        if (tp == ctx->np_int32) {
            return MLC_DT_INTEGER;
        }
        if (tp == ctx->np_float32) {
            return MLC_DT_FLOAT;
        }
        if (tp == ctx->np_bool) {
            return MLC_DT_BOOLEAN;
        }
        if (tp == ctx->np_str) {
            return MLC_DT_STRING;
        }
        if (tp == ctx->np_bytes) {
            return MLC_DT_BINARY;
        }
        if (tp == ctx->np_datetime64) {
            return MLC_DT_DATETIME;
        }
    }
    if ((PyObject *)tp == ctx->date_type || (PyObject *)tp == ctx->datetime_type) {
        return MLC_DT_DATETIME;
    }
    return MLC_DT_NONE;
}

/* DataType.check_type(DataType.datetime, x). */
static int
is_datetime_value(const infer_ctx *ctx, PyObject *x)
{
    PyTypeObject *tp = Py_TYPE(x);
    return (PyObject *)tp == ctx->date_type || (PyObject *)tp == ctx->datetime_type ||
           (ctx->have_numpy && tp == ctx->np_datetime64);
}

/* ---------------------------------------------------------------- the type tree (engine) */

typedef enum { IT_DT, IT_ARRAY, IT_OBJECT, IT_ANY } it_kind;

typedef struct it_node it_node;

typedef struct {
    PyObject *name; /* str, strong reference */
    it_node *type;  /* owned */
    int required;
} it_prop;

/* An inferred type: a DataType, Array(item), Object(props) or AnyType. Leaves (DataType and
 * AnyType) are shared static nodes; Array and Object nodes are heap nodes owned by exactly
 * one parent. (Map is never inferred from data.) */
struct it_node {
    it_kind kind;
    mlc_dtype dt;      /* IT_DT */
    it_node *item;     /* IT_ARRAY */
    Py_ssize_t nprops; /* IT_OBJECT, >= 1 */
    it_prop *props;    /* IT_OBJECT, sorted by name */
};

/* Index 0 is AnyType, 1..8 the DataTypes. Never written to. */
static it_node it_leaves[MLC_DT_DATETIME + 1] = {
    {IT_ANY, MLC_DT_NONE, NULL, 0, NULL},       {IT_DT, MLC_DT_BOOLEAN, NULL, 0, NULL},
    {IT_DT, MLC_DT_INTEGER, NULL, 0, NULL},     {IT_DT, MLC_DT_LONG, NULL, 0, NULL},
    {IT_DT, MLC_DT_FLOAT, NULL, 0, NULL},       {IT_DT, MLC_DT_DOUBLE, NULL, 0, NULL},
    {IT_DT, MLC_DT_STRING, NULL, 0, NULL},      {IT_DT, MLC_DT_BINARY, NULL, 0, NULL},
    {IT_DT, MLC_DT_DATETIME, NULL, 0, NULL},
};
#define IT_ANY_NODE (&it_leaves[0])
#define IT_DT_NODE(v) (&it_leaves[(v)])

static void
it_free(it_node *n)
{
    if (n == NULL || n->kind == IT_DT || n->kind == IT_ANY) {
        return;
    }
    if (n->kind == IT_ARRAY) {
        it_free(n->item);
    }
    else {
        for (Py_ssize_t i = 0; i < n->nprops; i++) {
            Py_XDECREF(n->props[i].name);
            it_free(n->props[i].type);
        }
        PyMem_Free(n->props);
    }
    PyMem_Free(n);
}

static void
it_free_props(it_prop *props, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_XDECREF(props[i].name);
        it_free(props[i].type);
    }
    PyMem_Free(props);
}

/* Returns Array(item), stealing item; NULL with MemoryError (item freed). */
static it_node *
it_new_array(it_node *item)
{
    it_node *n = PyMem_Calloc(1, sizeof(it_node));
    if (n == NULL) {
        it_free(item);
        PyErr_NoMemory();
        return NULL;
    }
    n->kind = IT_ARRAY;
    n->item = item;
    return n;
}

/* Returns Object(props[0..n)), stealing the props array; NULL with MemoryError (freed). */
static it_node *
it_new_object(it_prop *props, Py_ssize_t nprops)
{
    it_node *n = PyMem_Calloc(1, sizeof(it_node));
    if (n == NULL) {
        it_free_props(props, nprops);
        PyErr_NoMemory();
        return NULL;
    }
    n->kind = IT_OBJECT;
    n->props = props;
    n->nprops = nprops;
    return n;
}

/* Returns the element type of an Array node and frees the node shell. */
static it_node *
it_unwrap_array(it_node *arr)
{
    it_node *item = arr->item;
    arr->item = NULL;
    it_free(arr);
    return item;
}

static int
it_is_int(const it_node *n)
{
    return n->kind == IT_DT && (n->dt == MLC_DT_INTEGER || n->dt == MLC_DT_LONG);
}

static int
prop_cmp(const void *a, const void *b)
{
    /* names are str: PyUnicode_Compare cannot fail on two str objects */
    return PyUnicode_Compare(((const it_prop *)a)->name, ((const it_prop *)b)->name);
}

/* Merge results: 0 merged, -1 Python error (MemoryError), -2 incompatible types. */
#define IT_INCOMPATIBLE (-2)

static int it_merge(it_node *a, it_node *b, it_node **out);

/* Object._merge(AnyType): every property becomes optional. Steals and returns obj. */
static it_node *
it_object_all_optional(it_node *obj)
{
    for (Py_ssize_t i = 0; i < obj->nprops; i++) {
        obj->props[i].required = 0;
    }
    return obj;
}

/* Property._merge for two properties of the same name; steals both types. */
static int
it_prop_merge(it_prop *p, it_prop *q, it_prop *out)
{
    out->name = p->name; /* moved */
    p->name = NULL;
    out->required = p->required && q->required;
    out->type = NULL;
    it_node *a = p->type, *b = q->type;
    p->type = q->type = NULL;
    if (a->kind == IT_DT) {
        /* the undetermined type (from None) is compatible with any concrete type */
        int ok = b->kind == IT_ANY || (b->kind == IT_DT && b->dt == a->dt);
        it_free(b);
        if (!ok) {
            it_free(a);
            return IT_INCOMPATIBLE;
        }
        out->type = a;
        return 0;
    }
    return it_merge(a, b, &out->type);
}

/* Object._merge(Object): properties present on one side only become optional; common ones
 * are merged. Steals a and b. */
static int
it_object_merge(it_node *a, it_node *b, it_node **out)
{
    Py_ssize_t i = 0, j = 0, n = 0, cap = a->nprops + b->nprops;
    int rc = 0;
    it_prop *props = PyMem_Calloc((size_t)cap, sizeof(it_prop));
    if (props == NULL) {
        PyErr_NoMemory();
        rc = -1;
        goto done;
    }
    while (i < a->nprops || j < b->nprops) {
        int c;
        if (i == a->nprops) {
            c = 1;
        }
        else if (j == b->nprops) {
            c = -1;
        }
        else {
            c = PyUnicode_Compare(a->props[i].name, b->props[j].name);
        }
        it_prop *src = c < 0 ? &a->props[i++] : c > 0 ? &b->props[j++] : NULL;
        if (src != NULL) {
            props[n].name = src->name;
            props[n].type = src->type;
            props[n].required = 0;
            src->name = NULL;
            src->type = NULL;
            n++;
            continue;
        }
        rc = it_prop_merge(&a->props[i++], &b->props[j++], &props[n]);
        if (props[n].name != NULL) {
            n++;
        }
        if (rc < 0) {
            goto done;
        }
    }
done:
    it_free(a);
    it_free(b);
    if (rc < 0) {
        if (props != NULL) {
            it_free_props(props, n);
        }
        *out = NULL;
        return rc;
    }
    *out = it_new_object(props, n);
    return *out == NULL ? -1 : 0;
}

/* X._merge(Y) for a composite X (Array, Object or AnyType), as MLflow's BaseType._merge
 * implementations do it. Steals a and b; *out receives the merged type. */
static int
it_merge(it_node *a, it_node *b, it_node **out)
{
    *out = NULL;
    switch (a->kind) {
    case IT_ANY:
        /* AnyType._merge: Any+Any is Any, Any+DataType is the DataType, otherwise
         * other._merge(Any) */
        if (b->kind == IT_OBJECT) {
            *out = it_object_all_optional(b);
        }
        else {
            *out = b;
        }
        return 0;
    case IT_ARRAY:
        if (b->kind == IT_ANY) {
            *out = a;
            return 0;
        }
        if (b->kind != IT_ARRAY) {
            it_free(a);
            it_free(b);
            return IT_INCOMPATIBLE;
        }
        if (a->item->kind == IT_DT) {
            const it_node *bi = b->item;
            int ok = bi->kind == IT_ANY || (bi->kind == IT_DT && bi->dt == a->item->dt);
            it_free(b);
            if (!ok) {
                it_free(a);
                return IT_INCOMPATIBLE;
            }
            *out = a;
            return 0;
        }
        else {
            it_node *ai = a->item, *bi = b->item, *merged = NULL;
            a->item = b->item = NULL;
            it_free(a);
            it_free(b);
            int rc = it_merge(ai, bi, &merged);
            if (rc < 0) {
                return rc;
            }
            *out = it_new_array(merged);
            return *out == NULL ? -1 : 0;
        }
    case IT_OBJECT:
        if (b->kind == IT_ANY) {
            *out = it_object_all_optional(a);
            return 0;
        }
        if (b->kind != IT_OBJECT) {
            it_free(a);
            it_free(b);
            return IT_INCOMPATIBLE;
        }
        return it_object_merge(a, b, out);
    case IT_DT:
    default: {
        int ok = b->kind == IT_ANY || (b->kind == IT_DT && b->dt == a->dt);
        it_free(b);
        if (!ok) {
            it_free(a);
            return IT_INCOMPATIBLE;
        }
        *out = a;
        return 0;
    }
    }
}

/* One step of _infer_array_datatype: folds the item type d (stolen) into *acc, the element
 * type so far (NULL before the first determined item). Returns 0 or -1 with an exception. */
static int
it_accumulate(mlc_state *st, it_node **acc, it_node *d)
{
    if (*acc == NULL) {
        *acc = d;
        return 0;
    }
    if ((*acc)->kind == IT_DT) {
        int ok = d->kind == IT_ANY || (d->kind == IT_DT && d->dt == (*acc)->dt);
        it_free(d);
        if (!ok) {
            MLC_INFER_ERR(st, CODE_INVALID, "%s", MULTIPLE_TYPES_MSG);
            return -1;
        }
        return 0;
    }
    it_node *merged = NULL;
    int rc = it_merge(*acc, d, &merged);
    *acc = merged;
    if (rc == IT_INCOMPATIBLE) {
        MLC_INFER_ERR(st, CODE_INVALID, "%s", MULTIPLE_TYPES_MSG);
    }
    return rc < 0 ? -1 : 0;
}

/* Returns a new reference: the schema.c object for n (a DataType member, AnyType(),
 * Array(...) or Object([...])). */
static PyObject *
it_to_py(mlc_state *st, const it_node *n)
{
    PyObject *inner = NULL, *list = NULL, *result = NULL;
    switch (n->kind) {
    case IT_DT:
        return Py_XNewRef(mlc_datatype_member(st, n->dt));
    case IT_ANY:
        return PyObject_CallNoArgs(st->AnyTypeType);
    case IT_ARRAY:
        inner = it_to_py(st, n->item);
        if (inner == NULL) {
            return NULL;
        }
        result = PyObject_CallOneArg(st->ArrayType, inner);
        Py_DECREF(inner);
        return result;
    case IT_OBJECT:
    default:
        list = PyList_New(n->nprops);
        if (list == NULL) {
            return NULL;
        }
        for (Py_ssize_t i = 0; i < n->nprops; i++) {
            inner = it_to_py(st, n->props[i].type);
            if (inner == NULL) {
                goto done;
            }
            PyObject *prop = PyObject_CallFunctionObjArgs(
                st->PropertyType, n->props[i].name, inner,
                n->props[i].required ? Py_True : Py_False, NULL);
            Py_CLEAR(inner);
            if (prop == NULL) {
                goto done;
            }
            PyList_SET_ITEM(list, i, prop); /* steals */
        }
        result = PyObject_CallOneArg(st->ObjectType, list);
    done:
        Py_XDECREF(list);
        return result;
    }
}

/* ---------------------------------------------------------------- _infer_datatype */

/* Status of the value inferers: -1 error, 0 undetermined (MLflow's None: an empty ndarray),
 * 1 a type in *out (owned by the caller). */
static int infer_value(infer_ctx *ctx, PyObject *x, it_node **out);

/* _infer_array_datatype over a list or any iterable: Array(element type), or 0 when no item
 * had a determined type. */
static int
infer_items(infer_ctx *ctx, PyObject *seq, it_node **out)
{
    it_node *acc = NULL, *d = NULL;
    PyObject *iter = NULL, *item = NULL;
    int rc;
    *out = NULL;
    if (PyList_Check(seq)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(seq); i++) {
            item = Py_NewRef(PyList_GET_ITEM(seq, i)); /* held: inference may run Python */
            rc = infer_value(ctx, item, &d);
            Py_CLEAR(item);
            if (rc < 0) {
                goto error;
            }
            if (rc > 0 && it_accumulate(ctx->st, &acc, d) < 0) {
                goto error;
            }
        }
    }
    else {
        if ((iter = PyObject_GetIter(seq)) == NULL) {
            goto error;
        }
        while ((item = PyIter_Next(iter)) != NULL) {
            rc = infer_value(ctx, item, &d);
            Py_CLEAR(item);
            if (rc < 0) {
                goto error;
            }
            if (rc > 0 && it_accumulate(ctx->st, &acc, d) < 0) {
                goto error;
            }
        }
        if (PyErr_Occurred()) {
            goto error;
        }
        Py_CLEAR(iter);
    }
    if (acc == NULL) {
        return 0;
    }
    *out = it_new_array(acc);
    return *out == NULL ? -1 : 1;
error:
    Py_XDECREF(iter);
    it_free(acc);
    return -1;
}

/* Raises "Data <x> is not one of the supported DataType". Returns -1. */
static int
raise_unsupported_data(infer_ctx *ctx, PyObject *x)
{
    return raise_with_obj(ctx->st, CODE_INVALID, "Data ", x,
                          " is not one of the supported DataType");
}

/* _infer_array_datatype for an ndarray. A 1-D array of a non-object, native-order dtype is
 * decided from its dtype (every item has the dtype's scalar type) plus a NaN scan for
 * float64; anything else is iterated like MLflow does. */
static int
infer_ndarray(infer_ctx *ctx, PyArrayObject *a, it_node **out)
{
    *out = NULL;
    PyArray_Descr *descr = PyArray_DESCR(a);
    if (PyArray_NDIM(a) != 1 || descr->type_num == NPY_OBJECT || !PyArray_ISNOTSWAPPED(a)) {
        return infer_items(ctx, (PyObject *)a, out);
    }
    npy_intp n = PyArray_DIM(a, 0);
    if (n == 0) {
        return 0;
    }
    it_node *elem;
    if (descr->typeobj == ctx->np_float64) {
        /* np.float64 is a float: NaN items are "undetermined" (AnyType) */
        const char *p = PyArray_BYTES(a);
        npy_intp stride = PyArray_STRIDE(a, 0);
        elem = IT_ANY_NODE;
        for (npy_intp i = 0; i < n; i++) {
            double v;
            memcpy(&v, p + i * stride, sizeof(v));
            if (!isnan(v)) {
                elem = IT_DT_NODE(MLC_DT_DOUBLE);
                break;
            }
        }
    }
    else {
        mlc_dtype dt = scalar_dtype(ctx, descr->typeobj);
        if (dt == MLC_DT_NONE) {
            PyObject *first = PySequence_GetItem((PyObject *)a, 0);
            if (first == NULL) {
                return -1;
            }
            raise_unsupported_data(ctx, first);
            Py_DECREF(first);
            return -1;
        }
        elem = IT_DT_NODE(dt);
    }
    *out = it_new_array(elem);
    return *out == NULL ? -1 : 1;
}

/* _infer_datatype for a dict: Object with one property per key (sorted by name); a property
 * whose type is AnyType is optional. */
static int
infer_object(infer_ctx *ctx, PyObject *d, it_node **out)
{
    mlc_state *st = ctx->st;
    Py_ssize_t cap = PyDict_GET_SIZE(d), n = 0, pos = 0;
    PyObject *k, *v;
    it_node *t = NULL;
    it_prop *props = PyMem_Calloc((size_t)cap, sizeof(it_prop));
    *out = NULL;
    if (props == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (n == cap) {
            PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
            goto error;
        }
        Py_INCREF(k);
        Py_INCREF(v);
        int rc = infer_value(ctx, v, &t);
        Py_DECREF(v);
        if (rc < 0) {
            Py_DECREF(k);
            goto error;
        }
        if (rc == 0) {
            Py_DECREF(k);
            MLC_INFER_ERR(st, CODE_INTERNAL, "Dictionary value must not be an empty numpy array.");
            goto error;
        }
        if (!PyUnicode_Check(k)) {
            PyObject *tname = PyType_GetName(Py_TYPE(k));
            if (tname != NULL) {
                MLC_INFER_ERR(st, CODE_INVALID, "Expected name to be a string, got type %U",
                              tname);
                Py_DECREF(tname);
            }
            Py_DECREF(k);
            it_free(t);
            goto error;
        }
        props[n].name = k; /* the reference taken above */
        props[n].type = t;
        props[n].required = t->kind != IT_ANY;
        n++;
        t = NULL;
    }
    qsort(props, (size_t)n, sizeof(it_prop), prop_cmp);
    *out = it_new_object(props, n);
    return *out == NULL ? -1 : 1;
error:
    it_free_props(props, n);
    return -1;
}

static int
infer_value(infer_ctx *ctx, PyObject *x, it_node **out)
{
    PyTypeObject *tp = Py_TYPE(x);
    int rc;
    *out = NULL;
    /* the common exact scalars first: none of them can be a Pydantic model */
    if (tp == &PyUnicode_Type) {
        *out = IT_DT_NODE(MLC_DT_STRING);
        return 1;
    }
    if (tp == &PyFloat_Type) {
        *out = isnan(PyFloat_AS_DOUBLE(x)) ? IT_ANY_NODE : IT_DT_NODE(MLC_DT_DOUBLE);
        return 1;
    }
    if (tp == &PyLong_Type || tp == &PyBool_Type) {
        *out = IT_DT_NODE(tp == &PyLong_Type ? MLC_DT_LONG : MLC_DT_BOOLEAN);
        return 1;
    }
    if (x == Py_None) {
        *out = IT_ANY_NODE;
        return 1;
    }
    /* a Pydantic model is an instance of a class statement's (heap) type */
    if (ctx->pydantic_base != NULL && PyType_HasFeature(tp, Py_TPFLAGS_HEAPTYPE)) {
        rc = PyObject_IsInstance(x, ctx->pydantic_base);
        if (rc < 0) {
            return -1;
        }
        if (rc > 0) {
            MLC_INFER_ERR(ctx->st, CODE_INVALID, "%s", PYDANTIC_MSG);
            ctx->fatal = 1;
            return -1;
        }
    }
    if (is_none_or_nan(ctx, x) || (PyList_Check(x) && PyList_GET_SIZE(x) == 0) ||
        (PyDict_Check(x) && PyDict_GET_SIZE(x) == 0)) {
        *out = IT_ANY_NODE;
        return 1;
    }
    int is_dict = PyDict_Check(x), is_list = PyList_Check(x);
    int is_array = !is_dict && !is_list && ctx->have_numpy && PyArray_Check(x);
    if (is_dict || is_list || is_array) {
        if (Py_EnterRecursiveCall(" while inferring a schema")) {
            return -1;
        }
        rc = is_dict   ? infer_object(ctx, x, out)
             : is_list ? infer_items(ctx, x, out)
                       : infer_ndarray(ctx, (PyArrayObject *)x, out);
        Py_LeaveRecursiveCall();
        return rc;
    }
    mlc_dtype dt = scalar_dtype(ctx, tp);
    if (dt == MLC_DT_NONE) {
        return raise_unsupported_data(ctx, x);
    }
    *out = IT_DT_NODE(dt);
    return 1;
}

/* _infer_colspec_type(data): like infer_value, but the undetermined case raises. */
static int
infer_colspec_type(infer_ctx *ctx, PyObject *data, it_node **out)
{
    int rc = infer_value(ctx, data, out);
    if (rc == 0) {
        raise_with_obj(ctx->st, CODE_INTERNAL,
                       "Numpy array must include at least one non-empty item. Invalid input `",
                       data, "`.");
        return -1;
    }
    return rc < 0 ? -1 : 0;
}

/* _infer_colspec_type(values).dtype for a list of column values: the element type. An empty
 * list infers AnyType, which has no .dtype (MLflow's AttributeError). */
static int
infer_list_element(infer_ctx *ctx, PyObject *values, it_node **out)
{
    *out = NULL;
    if (PyList_Check(values) && PyList_GET_SIZE(values) == 0) {
        PyErr_SetString(PyExc_AttributeError, "'AnyType' object has no attribute 'dtype'");
        return -1;
    }
    it_node *t = NULL;
    if (infer_colspec_type(ctx, values, &t) < 0) {
        return -1;
    }
    if (t->kind != IT_ARRAY) {
        /* not reachable for a non-empty list */
        *out = t;
        return 0;
    }
    *out = it_unwrap_array(t);
    return 0;
}

/* ---------------------------------------------------------------- _infer_numpy_dtype */

/* Reads dtype.kind (a numpy dtype or a pandas ExtensionDtype) into *kind ('\0' when it is not
 * a single character). Returns 0 or -1. */
static int
dtype_kind(PyObject *dtype, Py_UCS4 *kind)
{
    if (PyArray_DescrCheck(dtype)) {
        *kind = (Py_UCS4)(unsigned char)((PyArray_Descr *)dtype)->kind;
        return 0;
    }
    PyObject *k = PyObject_GetAttrString(dtype, "kind");
    if (k == NULL) {
        return -1;
    }
    *kind = (PyUnicode_Check(k) && PyUnicode_GET_LENGTH(k) == 1) ? PyUnicode_READ_CHAR(k, 0)
                                                                  : 0;
    Py_DECREF(k);
    return 0;
}

/* _infer_numpy_dtype(dtype) for a numpy dtype or pandas ExtensionDtype. Returns 0 with *out
 * set, or -1 with MLflow's exception (a plain Exception for object dtypes). */
static int
numpy_dtype_map(mlc_state *st, PyObject *dtype, mlc_dtype *out)
{
    Py_UCS4 kind;
    Py_ssize_t size = 0;
    *out = MLC_DT_NONE;
    if (dtype_kind(dtype, &kind) < 0) {
        return -1;
    }
    if (kind == 'i' || kind == 'u' || kind == 'f') {
        if (PyArray_DescrCheck(dtype)) {
            size = (Py_ssize_t)PyDataType_ELSIZE((PyArray_Descr *)dtype);
        }
        else {
            PyObject *s = PyObject_GetAttrString(dtype, "itemsize");
            if (s == NULL) {
                return -1;
            }
            size = PyLong_AsSsize_t(s);
            Py_DECREF(s);
            if (size == -1 && PyErr_Occurred()) {
                return -1;
            }
        }
    }
    switch (kind) {
    case 'b':
        *out = MLC_DT_BOOLEAN;
        return 0;
    case 'i':
    case 'u':
        if (size < 4 || (kind == 'i' && size == 4)) {
            *out = MLC_DT_INTEGER;
            return 0;
        }
        if (size < 8 || (kind == 'i' && size == 8)) {
            *out = MLC_DT_LONG;
            return 0;
        }
        break;
    case 'f':
        if (size <= 4) {
            *out = MLC_DT_FLOAT;
            return 0;
        }
        if (size <= 8) {
            *out = MLC_DT_DOUBLE;
            return 0;
        }
        break;
    case 'U':
        *out = MLC_DT_STRING;
        return 0;
    case 'S':
        *out = MLC_DT_BINARY;
        return 0;
    case 'O':
        PyErr_SetString(PyExc_Exception, OBJECT_DTYPE_MSG);
        return -1;
    case 'M':
        *out = MLC_DT_DATETIME;
        return 0;
    default:
        break;
    }
    PyObject *text = fmt(dtype);
    PyObject *kind_obj = text == NULL ? NULL : PyObject_GetAttrString(dtype, "kind");
    if (kind_obj != NULL) {
        Py_SETREF(kind_obj, fmt(kind_obj));
    }
    if (kind_obj != NULL) {
        MLC_INFER_ERR(st, CODE_INTERNAL, "Unsupported numpy data type '%U', kind '%U'", text,
                      kind_obj);
    }
    Py_XDECREF(text);
    Py_XDECREF(kind_obj);
    return -1;
}

/* ---------------------------------------------------------------- pandas columns */

/* 1 when an item of the list is None/NaN/NA/NaT, else 0. Never runs Python code. */
static int
list_has_missing(const infer_ctx *ctx, PyObject *list)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        if (is_none_or_nan(ctx, PyList_GET_ITEM(list, i))) {
            return 1;
        }
    }
    return 0;
}

/* Returns 1 when iterating obj yields a None/NaN/NA/NaT, 0 when not, -1 on error. */
static int
iter_has_missing(const infer_ctx *ctx, PyObject *obj)
{
    PyObject *iter = PyObject_GetIter(obj), *item;
    if (iter == NULL) {
        return -1;
    }
    int found = 0;
    while (!found && (item = PyIter_Next(iter)) != NULL) {
        found = is_none_or_nan(ctx, item);
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    if (!found && PyErr_Occurred()) {
        return -1;
    }
    return found;
}

/* 1 when the 1-D float/datetime array a holds a NaN/NaT, 0 when not, -1 when the dtype is not
 * one this scan handles. */
static int
array_has_missing(PyArrayObject *a)
{
    PyArray_Descr *d = PyArray_DESCR(a);
    if (PyArray_NDIM(a) != 1 || !PyArray_ISNOTSWAPPED(a)) {
        return -1;
    }
    const char *p = PyArray_BYTES(a);
    npy_intp n = PyArray_DIM(a, 0), stride = PyArray_STRIDE(a, 0);
    switch (d->type_num) {
    case NPY_HALF:
        for (npy_intp i = 0; i < n; i++) {
            npy_uint16 h;
            memcpy(&h, p + i * stride, sizeof(h));
            if ((h & 0x7c00u) == 0x7c00u && (h & 0x03ffu) != 0) {
                return 1;
            }
        }
        return 0;
    case NPY_FLOAT:
        for (npy_intp i = 0; i < n; i++) {
            float v;
            memcpy(&v, p + i * stride, sizeof(v));
            if (isnan(v)) {
                return 1;
            }
        }
        return 0;
    case NPY_DOUBLE:
        for (npy_intp i = 0; i < n; i++) {
            double v;
            memcpy(&v, p + i * stride, sizeof(v));
            if (isnan(v)) {
                return 1;
            }
        }
        return 0;
    case NPY_DATETIME:
        for (npy_intp i = 0; i < n; i++) {
            npy_int64 v;
            memcpy(&v, p + i * stride, sizeof(v));
            if (v == NPY_DATETIME_NAT) {
                return 1;
            }
        }
        return 0;
    default:
        return -1;
    }
}

/* _infer_required(series): 1 when no item is None/NaN/NA/NaT, 0 otherwise, -1 on error.
 * NumPy-backed integer and boolean columns cannot hold one; float and datetime64 columns are
 * scanned in C; tz-aware datetimes (whose only missing value is NaT) ask isna(); everything
 * else is iterated as MLflow does. */
static int
series_required(const infer_ctx *ctx, PyObject *col)
{
    PyObject *dtype = PyObject_GetAttrString(col, "dtype"), *arr = NULL;
    int result = -1, missing = -1;
    if (dtype == NULL) {
        return -1;
    }
    if (!PyArray_DescrCheck(dtype)) {
        Py_UCS4 kind;
        if (dtype_kind(dtype, &kind) < 0) {
            goto done;
        }
        if (kind == 'M') {
            arr = PyObject_CallMethod(col, "isna", NULL);
            if (arr == NULL) {
                goto done;
            }
            Py_SETREF(arr, PyObject_CallMethod(arr, "any", NULL));
            if (arr == NULL || (missing = PyObject_IsTrue(arr)) < 0) {
                goto done;
            }
        }
    }
    else {
        char kind = ((PyArray_Descr *)dtype)->kind;
        if (kind == 'b' || kind == 'i' || kind == 'u') {
            result = 1;
            goto done;
        }
        if (kind == 'f' || kind == 'M') {
            arr = PyObject_CallMethod(col, "to_numpy", NULL);
            if (arr == NULL) {
                goto done;
            }
            if (PyArray_Check(arr)) {
                missing = array_has_missing((PyArrayObject *)arr);
            }
        }
    }
    if (missing < 0) {
        missing = iter_has_missing(ctx, col);
        if (missing < 0) {
            goto done;
        }
    }
    result = !missing;
done:
    Py_DECREF(dtype);
    Py_XDECREF(arr);
    return result;
}

/* Returns 1/0: pandas.api.types.is_string_dtype(obj), -1 on error. */
static int
pandas_is_string_dtype(PyObject *obj)
{
    PyObject *mod = PyImport_ImportModule("pandas.api.types");
    if (mod == NULL) {
        return -1;
    }
    PyObject *r = PyObject_CallMethod(mod, "is_string_dtype", "O", obj);
    Py_DECREF(mod);
    if (r == NULL) {
        return -1;
    }
    int truth = PyObject_IsTrue(r);
    Py_DECREF(r);
    return truth;
}

/* _infer_pandas_column(col): the ColSpec type of a Series. Object-kind columns (object,
 * str/StringDtype, category, ...) go through infer_objects() and then the list rules; the rest
 * through the dtype. Returns 0 with *out set, or -1. For object-kind columns *items receives
 * a new reference to the to_list() that was inferred from (the same objects iterating col
 * yields, up to infer_objects' NA-preserving conversion), else NULL. */
static int
infer_pandas_column(infer_ctx *ctx, PyObject *col, it_node **out, PyObject **items)
{
    mlc_state *st = ctx->st;
    PyObject *dtype = NULL, *col2 = NULL, *values = NULL, *exc = NULL, *text = NULL;
    PyObject *etext = NULL;
    int result = -1;
    Py_UCS4 kind;
    mlc_dtype dt;
    *out = NULL;
    *items = NULL;

    if ((dtype = PyObject_GetAttrString(col, "dtype")) == NULL || dtype_kind(dtype, &kind) < 0) {
        goto done;
    }
    if (kind == 'O') {
        if ((col2 = PyObject_CallMethod(col, "infer_objects", NULL)) == NULL) {
            goto done;
        }
        Py_SETREF(dtype, PyObject_GetAttrString(col2, "dtype"));
        if (dtype == NULL || dtype_kind(dtype, &kind) < 0) {
            goto done;
        }
    }
    if (kind != 'O') {
        if (numpy_dtype_map(st, dtype, &dt) < 0) {
            goto done;
        }
        *out = IT_DT_NODE(dt);
        result = 0;
        goto done;
    }
    if ((values = PyObject_CallMethod(col2, "to_list", NULL)) == NULL) {
        goto done;
    }
    if (infer_list_element(ctx, values, out) == 0) {
        *items = Py_NewRef(values);
        result = 0;
        goto done;
    }
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        goto done;
    }
    /* MLflow falls back to string for string-like columns, else wraps the error */
    exc = PyErr_GetRaisedException();
    ctx->fatal = 0;
    int is_str = pandas_is_string_dtype(col2);
    if (is_str < 0) {
        goto done;
    }
    if (is_str) {
        *out = IT_DT_NODE(MLC_DT_STRING);
        *items = Py_NewRef(values);
        result = 0;
        goto done;
    }
    if ((text = fmt(col2)) == NULL || (etext = PyObject_Str(exc)) == NULL) {
        goto done;
    }
    MLC_INFER_ERR(st, CODE_INTERNAL, "Failed to infer schema for pandas.Series %U. Error: %U",
                  text, etext);
    set_context(exc); /* steals */
    exc = NULL;
done:
    Py_XDECREF(dtype);
    Py_XDECREF(col2);
    Py_XDECREF(values);
    Py_XDECREF(exc);
    Py_XDECREF(text);
    Py_XDECREF(etext);
    return result;
}

/* ---------------------------------------------------------------- spec builders */

/* Returns a new reference: ColSpec(type, name, required). name may be NULL (None). */
static PyObject *
make_colspec(mlc_state *st, const it_node *t, PyObject *name, int required)
{
    PyObject *type = it_to_py(st, t);
    if (type == NULL) {
        return NULL;
    }
    PyObject *spec = PyObject_CallFunctionObjArgs(st->ColSpecType, type,
                                                  name == NULL ? Py_None : name,
                                                  required ? Py_True : Py_False, NULL);
    Py_DECREF(type);
    return spec;
}

/* Returns a new reference: Schema(specs), plus the integer-column hint when has_int. */
static PyObject *
make_schema(mlc_state *st, PyObject *specs, int has_int)
{
    PyObject *schema = PyObject_CallOneArg(st->SchemaType, specs);
    if (schema != NULL && has_int && PyErr_WarnEx(PyExc_UserWarning, INT_HINT_MSG, 1) < 0) {
        Py_CLEAR(schema);
    }
    return schema;
}

/* Appends ColSpec(type of the Series col, name, required) to specs. */
static int
append_series_spec(infer_ctx *ctx, PyObject *specs, PyObject *col, PyObject *name,
                   int *has_int)
{
    it_node *t = NULL;
    PyObject *spec = NULL, *items = NULL;
    int rc = PyObject_IsInstance(col, ctx->Series);
    if (rc <= 0) {
        if (rc == 0) {
            PyErr_Format(PyExc_TypeError, "Expected pandas.Series, got '%S'.",
                         (PyObject *)Py_TYPE(col));
        }
        return -1;
    }
    if (infer_pandas_column(ctx, col, &t, &items) < 0) {
        return -1;
    }
    int required = items != NULL ? !list_has_missing(ctx, items) : series_required(ctx, col);
    Py_XDECREF(items);
    if (required >= 0) {
        spec = make_colspec(ctx->st, t, name, required);
    }
    if (it_is_int(t)) {
        *has_int = 1;
    }
    it_free(t);
    if (spec == NULL) {
        return -1;
    }
    rc = PyList_Append(specs, spec);
    Py_DECREF(spec);
    return rc;
}

/* _infer_required(value) for a value of a dict input. 1/0, or -1 on error. */
static int
value_required(const infer_ctx *ctx, PyObject *value)
{
    if (PyList_Check(value)) {
        return !list_has_missing(ctx, value);
    }
    if (ctx->Series != NULL) {
        int rc = PyObject_IsInstance(value, ctx->Series);
        if (rc < 0) {
            return -1;
        }
        if (rc > 0) {
            int missing = iter_has_missing(ctx, value);
            return missing < 0 ? -1 : !missing;
        }
    }
    return !is_none_or_nan(ctx, value);
}

/* Returns a new reference: TensorSpec(clean_tensor_type(descr), shape_src.shape with dim 0
 * set to -1, name). shape_src is the array or sparse matrix; descr its (data's) dtype. */
static PyObject *
make_tensor_spec(mlc_state *st, PyObject *shape_src, PyArray_Descr *descr, PyObject *name)
{
    PyObject *type = NULL, *shape = NULL, *list = NULL, *result = NULL;
    if (descr->type == NPY_UNICODELTR) {
        type = (PyObject *)PyArray_DescrFromType(NPY_UNICODE); /* np.dtype("str") */
    }
    else if (descr->type == NPY_STRINGLTR) {
        type = (PyObject *)PyArray_DescrFromType(NPY_STRING); /* np.dtype("bytes") */
    }
    else {
        type = Py_NewRef((PyObject *)descr);
    }
    if (type == NULL) {
        goto done;
    }
    if ((shape = PyObject_GetAttr(shape_src, st->str_shape)) == NULL ||
        (list = PySequence_List(shape)) == NULL) {
        goto done;
    }
    if (PyList_GET_SIZE(list) == 0) {
        MLC_INFER_ERR(st, CODE_INTERNAL,
                      "The specified variable_dimension 0 is out of bounds with respect to the "
                      "number of dimensions 0 in the input dataset");
        goto done;
    }
    PyObject *minus_one = PyLong_FromLong(-1);
    if (minus_one == NULL || PyList_SetItem(list, 0, minus_one) < 0) { /* steals */
        goto done;
    }
    Py_SETREF(shape, PyList_AsTuple(list));
    if (shape == NULL) {
        goto done;
    }
    result = PyObject_CallFunctionObjArgs(st->TensorSpecType, type, shape,
                                          name == NULL ? Py_None : name, NULL);
done:
    Py_XDECREF(type);
    Py_XDECREF(shape);
    Py_XDECREF(list);
    return result;
}

/* 1 when data is a scipy.sparse csr_matrix/csc_matrix (scipy imported), 0, or -1. */
static int
is_sparse_matrix(PyObject *data)
{
    int result = 0;
    const char *names[] = {"csr_matrix", "csc_matrix"};
    for (int i = 0; i < 2 && result == 0; i++) {
        PyObject *cls = NULL;
        int rc = imported_attr("scipy.sparse", names[i], &cls);
        if (rc <= 0) {
            if (rc < 0) {
                return -1;
            }
            continue; /* scipy.sparse not imported: data cannot be a sparse matrix */
        }
        result = PyObject_IsInstance(data, cls);
        Py_DECREF(cls);
    }
    return result;
}

/* ---------------------------------------------------------------- _infer_schema */

/* A list of dicts: one column per key (in first-seen order), typed from all its values;
 * required when every row has a non-None value. */
static PyObject *
infer_list_of_dicts(infer_ctx *ctx, PyObject *data)
{
    mlc_state *st = ctx->st;
    PyObject *columns = NULL, *specs = NULL, *result = NULL, *k, *v;
    it_node *t = NULL;
    int has_int = 0;
    Py_ssize_t pos;

    if ((columns = PyDict_New()) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(data); i++) {
        PyObject *row = Py_NewRef(PyList_GET_ITEM(data, i));
        pos = 0;
        while (PyDict_Next(row, &pos, &k, &v)) {
            /* held: hashing a key may run Python code */
            Py_INCREF(k);
            Py_INCREF(v);
            PyObject *values = NULL;
            int rc = PyDict_GetItemRef(columns, k, &values);
            if (rc == 0 && (values = PyList_New(0)) != NULL) {
                rc = PyDict_SetItem(columns, k, values);
            }
            rc = (rc < 0 || values == NULL) ? -1 : PyList_Append(values, v);
            Py_XDECREF(values);
            Py_DECREF(k);
            Py_DECREF(v);
            if (rc < 0) {
                Py_DECREF(row);
                goto done;
            }
        }
        Py_DECREF(row);
    }
    if ((specs = PyList_New(0)) == NULL) {
        goto done;
    }
    pos = 0;
    while (PyDict_Next(columns, &pos, &k, &v)) {
        int required = 1;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(data) && required; i++) {
            PyObject *row = Py_NewRef(PyList_GET_ITEM(data, i)), *cell = NULL;
            int rc = PyDict_Check(row) ? PyDict_GetItemRef(row, k, &cell) : 0;
            Py_DECREF(row);
            if (rc < 0) {
                goto done;
            }
            required = rc > 0 && cell != Py_None;
            Py_XDECREF(cell);
        }
        if (infer_list_element(ctx, v, &t) < 0) {
            goto done;
        }
        PyObject *spec = make_colspec(st, t, k, required);
        has_int |= it_is_int(t);
        it_free(t);
        t = NULL;
        if (spec == NULL) {
            goto done;
        }
        int rc = PyList_Append(specs, spec);
        Py_DECREF(spec);
        if (rc < 0) {
            goto done;
        }
    }
    result = make_schema(st, specs, has_int);
done:
    Py_XDECREF(columns);
    Py_XDECREF(specs);
    return result;
}

/* A dict: named TensorSpecs when every value is an ndarray (also for an empty dict, whose
 * empty Schema is rejected by Schema), otherwise one ColSpec per (str) key. */
static PyObject *
infer_dict(infer_ctx *ctx, PyObject *data)
{
    mlc_state *st = ctx->st;
    PyObject *specs = NULL, *result = NULL, *k, *v;
    Py_ssize_t pos = 0;
    int all_arrays = 1, all_str = 1, has_int = 0;

    while (PyDict_Next(data, &pos, &k, &v)) {
        all_arrays &= ctx->have_numpy && PyArray_Check(v);
        all_str &= PyUnicode_Check(k);
    }
    if ((specs = PyList_New(0)) == NULL) {
        goto done;
    }
    if (!all_arrays && !all_str) {
        MLC_INFER_ERR(st, CODE_INTERNAL, "The dictionary keys are not all strings.");
        goto done;
    }
    pos = 0;
    while (PyDict_Next(data, &pos, &k, &v)) {
        PyObject *spec = NULL;
        Py_INCREF(k);
        Py_INCREF(v);
        if (all_arrays) {
            spec = make_tensor_spec(st, v, PyArray_DESCR((PyArrayObject *)v), k);
        }
        else {
            it_node *t = NULL;
            if (infer_colspec_type(ctx, v, &t) == 0) {
                int required = value_required(ctx, v);
                if (required >= 0) {
                    spec = make_colspec(st, t, k, required);
                }
                has_int |= it_is_int(t);
                it_free(t);
            }
        }
        Py_DECREF(k);
        Py_DECREF(v);
        if (spec == NULL) {
            goto done;
        }
        int rc = PyList_Append(specs, spec);
        Py_DECREF(spec);
        if (rc < 0) {
            goto done;
        }
    }
    result = make_schema(st, specs, has_int);
done:
    Py_XDECREF(specs);
    return result;
}

/* A DataFrame: one ColSpec per column label, from data[label]. */
static PyObject *
infer_dataframe(infer_ctx *ctx, PyObject *data)
{
    PyObject *columns = NULL, *iter = NULL, *label = NULL, *col = NULL, *specs = NULL;
    PyObject *result = NULL;
    int has_int = 0;
    if ((specs = PyList_New(0)) == NULL ||
        (columns = PyObject_GetAttr(data, ctx->st->str_columns)) == NULL ||
        (iter = PyObject_GetIter(columns)) == NULL) {
        goto done;
    }
    while ((label = PyIter_Next(iter)) != NULL) {
        if ((col = PyObject_GetItem(data, label)) == NULL ||
            append_series_spec(ctx, specs, col, label, &has_int) < 0) {
            goto done;
        }
        Py_CLEAR(col);
        Py_CLEAR(label);
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    result = make_schema(ctx->st, specs, has_int);
done:
    Py_XDECREF(columns);
    Py_XDECREF(iter);
    Py_XDECREF(label);
    Py_XDECREF(col);
    Py_XDECREF(specs);
    return result;
}

/* Returns a new reference: a one-element list [spec], stealing spec (NULL passes through). */
static PyObject *
one_spec_list(PyObject *spec)
{
    if (spec == NULL) {
        return NULL;
    }
    PyObject *list = PyList_New(1);
    if (list == NULL) {
        Py_DECREF(spec);
        return NULL;
    }
    PyList_SET_ITEM(list, 0, spec); /* steals */
    return list;
}

/* The other inputs: a bare value inferred as one unnamed column; MLflow wraps its
 * MlflowException into the "Expected one of the following types" message. */
static PyObject *
infer_scalar_input(infer_ctx *ctx, PyObject *data)
{
    mlc_state *st = ctx->st;
    PyObject *specs = NULL, *result = NULL, *exc = NULL, *dtext = NULL, *etext = NULL;
    it_node *t = NULL;
    if (infer_colspec_type(ctx, data, &t) == 0) {
        specs = one_spec_list(make_colspec(st, t, NULL, 1));
        if (specs != NULL) {
            result = PyObject_CallOneArg(st->SchemaType, specs);
        }
    }
    if (result == NULL) {
        if (!PyErr_ExceptionMatches(st->MlflowException)) {
            goto done;
        }
        exc = PyErr_GetRaisedException();
        ctx->fatal = 0;
        if ((dtext = fmt(data)) == NULL || (etext = PyObject_Str(exc)) == NULL) {
            goto done;
        }
        MLC_INFER_ERR(st, CODE_INVALID, "%sbut got '%U'.\nError: %U", EXPECTED_TYPES_MSG, dtext,
                      etext);
        set_context(exc); /* steals */
        exc = NULL;
        goto done;
    }
    if (it_is_int(t) && PyErr_WarnEx(PyExc_UserWarning, INT_HINT_MSG, 1) < 0) {
        Py_CLEAR(result);
    }
done:
    it_free(t);
    Py_XDECREF(specs);
    Py_XDECREF(exc);
    Py_XDECREF(dtext);
    Py_XDECREF(etext);
    return result;
}

/* _infer_schema(data). Returns a new reference to a Schema. */
static PyObject *
infer_schema_impl(infer_ctx *ctx, PyObject *data)
{
    mlc_state *st = ctx->st;
    PyObject *specs = NULL, *result = NULL, *name = NULL, *inner = NULL;
    it_node *t = NULL;
    int rc;

    if (PyList_Check(data)) {
        Py_ssize_t n = PyList_GET_SIZE(data);
        int all_dicts = 1;
        for (Py_ssize_t i = 0; i < n && all_dicts; i++) {
            all_dicts = PyDict_Check(PyList_GET_ITEM(data, i));
        }
        if (n == 0) {
            /* MLflow keeps < 2.9 behaviour: an empty list is a string column */
            specs = one_spec_list(make_colspec(st, IT_DT_NODE(MLC_DT_STRING), NULL, 1));
            result = specs == NULL ? NULL : make_schema(st, specs, 0);
            goto done;
        }
        if (all_dicts) {
            result = infer_list_of_dicts(ctx, data);
            goto done;
        }
        /* a list is one unnamed column of its element type */
        if (infer_list_element(ctx, data, &t) < 0) {
            goto done;
        }
        specs = one_spec_list(make_colspec(st, t, NULL, 1));
        result = specs == NULL ? NULL : make_schema(st, specs, it_is_int(t));
        goto done;
    }
    if (PyDict_Check(data)) {
        result = infer_dict(ctx, data);
        goto done;
    }
    if (ctx->Series != NULL) {
        if ((rc = PyObject_IsInstance(data, ctx->Series)) < 0) {
            goto done;
        }
        if (rc > 0) {
            int has_int = 0;
            if (PyObject_GetOptionalAttrString(data, "name", &name) < 0 ||
                (specs = PyList_New(0)) == NULL ||
                append_series_spec(ctx, specs, data, name, &has_int) < 0) {
                goto done;
            }
            result = make_schema(st, specs, has_int);
            goto done;
        }
        if ((rc = PyObject_IsInstance(data, ctx->DataFrame)) < 0) {
            goto done;
        }
        if (rc > 0) {
            result = infer_dataframe(ctx, data);
            goto done;
        }
    }
    if (ctx->have_numpy && PyArray_Check(data)) {
        specs = one_spec_list(make_tensor_spec(st, data, PyArray_DESCR((PyArrayObject *)data),
                                               NULL));
        result = specs == NULL ? NULL : make_schema(st, specs, 0);
        goto done;
    }
    if ((rc = is_sparse_matrix(data)) < 0) {
        goto done;
    }
    if (rc > 0) {
        if ((inner = PyObject_GetAttrString(data, "data")) == NULL) {
            goto done;
        }
        if (!PyArray_Check(inner)) {
            PyErr_SetString(PyExc_TypeError, "sparse matrix .data is not a numpy.ndarray");
            goto done;
        }
        specs = one_spec_list(make_tensor_spec(st, data, PyArray_DESCR((PyArrayObject *)inner),
                                               NULL));
        result = specs == NULL ? NULL : make_schema(st, specs, 0);
        goto done;
    }
    result = infer_scalar_input(ctx, data);
done:
    it_free(t);
    Py_XDECREF(specs);
    Py_XDECREF(name);
    Py_XDECREF(inner);
    return result;
}

PyObject *
mlc_infer_schema(mlc_state *st, PyObject *data)
{
    infer_ctx ctx;
    if (ctx_init(&ctx, st, 0) < 0) {
        return NULL;
    }
    PyObject *result = infer_schema_impl(&ctx, data);
    ctx_clear(&ctx);
    return result;
}

/* ---------------------------------------------------------------- _infer_param_schema */

/* _get_array_depth(x): ndarray.ndim, 1 + the deepest item for a list (1 when empty), else 0.
 * Returns -1 on error. */
static int
array_depth(const infer_ctx *ctx, PyObject *x)
{
    if (ctx->have_numpy && PyArray_Check(x)) {
        return PyArray_NDIM((PyArrayObject *)x);
    }
    if (!PyList_Check(x)) {
        return 0;
    }
    if (Py_EnterRecursiveCall(" while inferring a parameter schema")) {
        return -1;
    }
    int depth = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(x) && depth >= 0; i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(x, i));
        int d = array_depth(ctx, item);
        Py_DECREF(item);
        depth = d < 0 ? -1 : d > depth ? d : depth;
    }
    Py_LeaveRecursiveCall();
    return depth < 0 ? -1 : depth + 1;
}

/* 1 when every item of the 1-D list/ndarray is a datetime value (vacuously for none). */
static int
all_datetime(const infer_ctx *ctx, PyObject *seq)
{
    if (PyArray_Check(seq) && PyArray_DESCR((PyArrayObject *)seq)->type_num != NPY_OBJECT) {
        return PyArray_SIZE((PyArrayObject *)seq) == 0 ||
               PyArray_DESCR((PyArrayObject *)seq)->typeobj == ctx->np_datetime64;
    }
    PyObject *iter = PyObject_GetIter(seq), *item;
    if (iter == NULL) {
        return -1;
    }
    int all = 1;
    while (all && (item = PyIter_Next(iter)) != NULL) {
        all = is_datetime_value(ctx, item);
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    if (all && PyErr_Occurred()) {
        return -1;
    }
    return all;
}

/* _infer_numpy_dtype(np.array(value).dtype). Returns 0 or -1. */
static int
np_array_dtype(mlc_state *st, PyObject *value, mlc_dtype *out)
{
    PyObject *arr = PyArray_FromAny(value, NULL, 0, 0, 0, NULL);
    if (arr == NULL) {
        return -1;
    }
    int rc = numpy_dtype_map(st, (PyObject *)PyArray_DESCR((PyArrayObject *)arr), out);
    Py_DECREF(arr);
    return rc;
}

/* numpy.isscalar(value). 1/0, or -1. */
static int
np_isscalar(PyObject *value)
{
    PyTypeObject *tp = Py_TYPE(value);
    if (PyArray_IsScalar(value, Generic) || tp == &PyLong_Type || tp == &PyFloat_Type ||
        tp == &PyComplex_Type || tp == &PyBool_Type || tp == &PyBytes_Type ||
        tp == &PyUnicode_Type || tp == &PyMemoryView_Type) {
        return 1;
    }
    PyObject *mod = PyImport_ImportModule("numbers");
    if (mod == NULL) {
        return -1;
    }
    PyObject *number = PyObject_GetAttrString(mod, "Number");
    Py_DECREF(mod);
    if (number == NULL) {
        return -1;
    }
    int rc = PyObject_IsInstance(value, number);
    Py_DECREF(number);
    return rc;
}

/* _infer_type_and_shape(value): *type receives a new reference to a DataType member or an
 * Object (or AnyType for {}), *shape to None or (-1,). Returns 0 or -1. */
static int
infer_type_and_shape(infer_ctx *ctx, PyObject *value, PyObject **type, PyObject **shape)
{
    mlc_state *st = ctx->st;
    mlc_dtype dt = MLC_DT_NONE;
    int rc;
    *type = *shape = NULL;
    if (PyList_Check(value) || PyArray_Check(value)) {
        int ndim = array_depth(ctx, value);
        if (ndim < 0) {
            return -1;
        }
        if (ndim != 1) {
            MLC_INFER_ERR(st, CODE_INVALID,
                          "Expected parameters to be 1D array or scalar, got %dD array", ndim);
            return -1;
        }
        if ((rc = all_datetime(ctx, value)) < 0) {
            return -1;
        }
        if (rc > 0) {
            dt = MLC_DT_DATETIME;
        }
        else if (np_array_dtype(st, value, &dt) < 0) {
            return -1;
        }
        *shape = Py_BuildValue("(i)", -1);
        if (*shape == NULL) {
            return -1;
        }
        *type = Py_XNewRef(mlc_datatype_member(st, dt));
        return *type == NULL ? -1 : 0;
    }
    if (is_datetime_value(ctx, value)) {
        *type = Py_XNewRef(mlc_datatype_member(st, MLC_DT_DATETIME));
        *shape = Py_NewRef(Py_None);
        return *type == NULL ? -1 : 0;
    }
    if ((rc = np_isscalar(value)) < 0) {
        return -1;
    }
    if (rc > 0) {
        if (np_array_dtype(st, value, &dt) < 0) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                return -1;
            }
            PyObject *exc = PyErr_GetRaisedException();
            PyObject *vtext = fmt(value);
            if (vtext != NULL) {
                MLC_INFER_ERR(st, CODE_INVALID, "Failed to infer schema for parameter %U: %R",
                              vtext, exc);
                Py_DECREF(vtext);
            }
            set_context(exc); /* steals */
            return -1;
        }
        *type = Py_XNewRef(mlc_datatype_member(st, dt));
        *shape = Py_NewRef(Py_None);
        return *type == NULL ? -1 : 0;
    }
    if (PyDict_Check(value)) {
        /* MLflow infers _infer_schema({"value": value}).inputs[0].type */
        it_node *t = NULL;
        if (infer_colspec_type(ctx, value, &t) < 0) {
            return -1;
        }
        if (t->kind == IT_ANY) {
            /* {} infers AnyType, which ParamSpec rejects with this plain TypeError */
            PyErr_SetString(PyExc_TypeError, "'dtype' must be DataType, Object or str, got Any");
            return -1;
        }
        *type = it_to_py(st, t);
        it_free(t);
        *shape = Py_NewRef(Py_None);
        return *type == NULL ? -1 : 0;
    }
    PyObject *tname = PyType_GetName(Py_TYPE(value));
    if (tname != NULL) {
        MLC_INFER_ERR(st, CODE_INVALID, "Expected parameters to be 1D array or scalar, got %U",
                      tname);
        Py_DECREF(tname);
    }
    return -1;
}

/* Returns a new reference: copy.deepcopy(value), or value itself for the immutable builtin
 * scalars deepcopy returns unchanged. */
static PyObject *
deepcopy(PyObject *value)
{
    PyTypeObject *tp = Py_TYPE(value);
    if (value == Py_None || tp == &PyLong_Type || tp == &PyFloat_Type || tp == &PyBool_Type ||
        tp == &PyUnicode_Type || tp == &PyBytes_Type || tp == &PyComplex_Type) {
        return Py_NewRef(value);
    }
    PyObject *mod = PyImport_ImportModule("copy");
    if (mod == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallMethod(mod, "deepcopy", "O", value);
    Py_DECREF(mod);
    return r;
}

/* Returns a new reference: ParamSpec(name, dtype, deepcopy(value), shape) for one param. */
static PyObject *
param_spec(infer_ctx *ctx, PyObject *name, PyObject *value)
{
    PyObject *type = NULL, *shape = NULL, *dflt = NULL, *spec = NULL;
    if (infer_type_and_shape(ctx, value, &type, &shape) == 0 &&
        (dflt = deepcopy(value)) != NULL) {
        spec = PyObject_CallFunctionObjArgs(ctx->st->ParamSpecType, name, type, dflt, shape,
                                            NULL);
    }
    Py_XDECREF(type);
    Py_XDECREF(shape);
    Py_XDECREF(dflt);
    return spec;
}

/* _infer_param_schema(params). Every failing parameter is collected as (name, value, exc). */
static PyObject *
infer_param_schema_impl(infer_ctx *ctx, PyObject *params)
{
    mlc_state *st = ctx->st;
    PyObject *specs = NULL, *invalid = NULL, *result = NULL, *k, *v;
    Py_ssize_t pos = 0;
    if (!PyDict_Check(params)) {
        PyObject *tname = PyType_GetName(Py_TYPE(params));
        if (tname != NULL) {
            MLC_INFER_ERR(st, CODE_INVALID, "Expected parameters to be dict, got %U", tname);
            Py_DECREF(tname);
        }
        return NULL;
    }
    if ((specs = PyList_New(0)) == NULL || (invalid = PyList_New(0)) == NULL) {
        goto done;
    }
    while (PyDict_Next(params, &pos, &k, &v)) {
        Py_INCREF(k);
        Py_INCREF(v);
        PyObject *spec = param_spec(ctx, k, v);
        int rc;
        if (spec != NULL) {
            rc = PyList_Append(specs, spec);
            Py_DECREF(spec);
        }
        else if (PyErr_ExceptionMatches(PyExc_Exception)) {
            PyObject *exc = PyErr_GetRaisedException();
            PyObject *entry = PyTuple_Pack(3, k, v, exc);
            Py_DECREF(exc);
            rc = entry == NULL ? -1 : PyList_Append(invalid, entry);
            Py_XDECREF(entry);
        }
        else {
            rc = -1;
        }
        Py_DECREF(k);
        Py_DECREF(v);
        if (rc < 0) {
            goto done;
        }
    }
    if (PyList_GET_SIZE(invalid) > 0) {
        MLC_INFER_ERR(st, CODE_INVALID, "Failed to infer schema for parameters: %R", invalid);
        goto done;
    }
    result = PyObject_CallOneArg(st->ParamSchemaType, specs);
done:
    Py_XDECREF(specs);
    Py_XDECREF(invalid);
    return result;
}

PyObject *
mlc_infer_param_schema(mlc_state *st, PyObject *params)
{
    infer_ctx ctx;
    if (ctx_init(&ctx, st, 1) < 0) {
        return NULL;
    }
    PyObject *result = infer_param_schema_impl(&ctx, params);
    ctx_clear(&ctx);
    return result;
}

/* ---------------------------------------------------------------- dataclasses */

/* The typing helpers convert_dataclass_to_schema needs (new references). Dataclass schemas
 * are rare, so they are looked up per call. */
typedef struct {
    PyObject *get_origin, *get_args, *Union, *UnionType, *fields, *field_types;
} dc_tools;

static void
dc_tools_clear(dc_tools *t)
{
    Py_CLEAR(t->get_origin);
    Py_CLEAR(t->get_args);
    Py_CLEAR(t->Union);
    Py_CLEAR(t->UnionType);
    Py_CLEAR(t->fields);
    Py_CLEAR(t->field_types);
}

static int
dc_tools_init(mlc_state *st, dc_tools *t)
{
    PyObject *typing = NULL, *types = NULL, *dataclasses = NULL, *datetime = NULL, *date = NULL;
    int result = -1;
    memset(t, 0, sizeof(*t));
    if ((typing = PyImport_ImportModule("typing")) == NULL ||
        (types = PyImport_ImportModule("types")) == NULL ||
        (dataclasses = PyImport_ImportModule("dataclasses")) == NULL ||
        (datetime = PyImport_ImportModule("datetime")) == NULL ||
        (t->get_origin = PyObject_GetAttrString(typing, "get_origin")) == NULL ||
        (t->get_args = PyObject_GetAttrString(typing, "get_args")) == NULL ||
        (t->Union = PyObject_GetAttrString(typing, "Union")) == NULL ||
        (t->UnionType = PyObject_GetAttrString(types, "UnionType")) == NULL ||
        (t->fields = PyObject_GetAttrString(dataclasses, "fields")) == NULL ||
        (date = PyObject_GetAttrString(datetime, "date")) == NULL ||
        (t->field_types = PyDict_New()) == NULL) {
        goto done;
    }
    /* mlflow.types.schema._map_field_type */
    struct {
        PyObject *key;
        mlc_dtype dt;
    } map[] = {
        {(PyObject *)&PyBool_Type, MLC_DT_BOOLEAN}, {(PyObject *)&PyLong_Type, MLC_DT_LONG},
        {(PyObject *)&PyFloat_Type, MLC_DT_FLOAT},  {(PyObject *)&PyUnicode_Type, MLC_DT_STRING},
        {(PyObject *)&PyBytes_Type, MLC_DT_BINARY}, {date, MLC_DT_DATETIME},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        PyObject *member = mlc_datatype_member(st, map[i].dt);
        if (member == NULL || PyDict_SetItem(t->field_types, map[i].key, member) < 0) {
            goto done;
        }
    }
    result = 0;
done:
    Py_XDECREF(typing);
    Py_XDECREF(types);
    Py_XDECREF(dataclasses);
    Py_XDECREF(datetime);
    Py_XDECREF(date);
    if (result < 0) {
        dc_tools_clear(t);
    }
    return result;
}

/* dataclasses.is_dataclass(obj). 1/0, or -1. */
static int
is_dataclass(PyObject *obj)
{
    PyObject *cls = PyType_Check(obj) ? obj : (PyObject *)Py_TYPE(obj), *f = NULL;
    int rc = PyObject_GetOptionalAttrString(cls, "__dataclass_fields__", &f);
    Py_XDECREF(f);
    return rc;
}

/* Returns a new reference: _map_field_type(field) -- a DataType member, or None. */
static PyObject *
dc_map_field(dc_tools *t, PyObject *field)
{
    PyObject *member = NULL;
    if (PyDict_GetItemRef(t->field_types, field, &member) < 0) {
        return NULL;
    }
    return member == NULL ? Py_NewRef(Py_None) : member;
}

/* Returns a new reference to get_origin(tp), or NULL. */
static PyObject *
dc_origin(dc_tools *t, PyObject *tp)
{
    return PyObject_CallOneArg(t->get_origin, tp);
}

/* Splits Optional[X]: *eff receives a new reference to the effective type, *optional 1 when
 * NoneType was one of the union members. With strict (top-level fields), any other Union
 * raises like MLflow. Returns 0 or -1. */
static int
dc_unwrap_optional(mlc_state *st, dc_tools *t, PyObject *tp, int strict, PyObject **eff,
                   int *optional)
{
    PyObject *origin = NULL, *args = NULL;
    int result = -1, is_union = 0, rc;
    *eff = NULL;
    *optional = 0;
    if ((origin = dc_origin(t, tp)) == NULL) {
        goto done;
    }
    if ((rc = PyObject_RichCompareBool(origin, t->Union, Py_EQ)) < 0) {
        goto done;
    }
    if (!rc && (rc = PyObject_RichCompareBool(origin, t->UnionType, Py_EQ)) < 0) {
        goto done;
    }
    is_union = rc;
    if (!is_union) {
        *eff = Py_NewRef(tp);
        result = 0;
        goto done;
    }
    if ((args = PyObject_CallOneArg(t->get_args, tp)) == NULL ||
        (rc = PySequence_Contains(args, (PyObject *)Py_TYPE(Py_None))) < 0) {
        goto done;
    }
    if (rc && (!strict || PyObject_Size(args) == 2)) {
        PyObject *iter = PyObject_GetIter(args), *item;
        if (iter == NULL) {
            goto done;
        }
        while ((item = PyIter_Next(iter)) != NULL) {
            if (item != (PyObject *)Py_TYPE(Py_None)) {
                *eff = item;
                break;
            }
            Py_DECREF(item);
        }
        Py_DECREF(iter);
        if (*eff == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetNone(PyExc_StopIteration);
            }
            goto done;
        }
        *optional = 1;
        result = 0;
        goto done;
    }
    if (strict) {
        MLC_INFER_ERR(st, CODE_INTERNAL,
                      "Only Optional[...] is supported as a Union type in dataclass fields");
        goto done;
    }
    *eff = Py_NewRef(tp);
    result = 0;
done:
    Py_XDECREF(origin);
    Py_XDECREF(args);
    return result;
}

/* Returns a new reference to get_args(tp)[0]. */
static PyObject *
dc_first_arg(dc_tools *t, PyObject *tp)
{
    PyObject *args = PyObject_CallOneArg(t->get_args, tp);
    if (args == NULL) {
        return NULL;
    }
    PyObject *first = PySequence_GetItem(args, 0);
    Py_DECREF(args);
    return first;
}

/* 1 when get_origin(tp) == list, 0, or -1. */
static int
dc_is_list(dc_tools *t, PyObject *tp)
{
    PyObject *origin = dc_origin(t, tp);
    if (origin == NULL) {
        return -1;
    }
    int rc = PyObject_RichCompareBool(origin, (PyObject *)&PyList_Type, Py_EQ);
    Py_DECREF(origin);
    return rc;
}

static PyObject *dc_nested_object(mlc_state *st, dc_tools *t, PyObject *cls);

/* Returns a new reference: _convert_field_to_property(name, field_type). */
static PyObject *
dc_property(mlc_state *st, dc_tools *t, PyObject *name, PyObject *ftype)
{
    PyObject *eff = NULL, *dtype = NULL, *inner = NULL, *result = NULL;
    int optional, rc;
    if (dc_unwrap_optional(st, t, ftype, 0, &eff, &optional) < 0 ||
        (rc = dc_is_list(t, eff)) < 0) {
        goto done;
    }
    if (rc) {
        if ((inner = dc_first_arg(t, eff)) == NULL) {
            goto done;
        }
        Py_SETREF(inner, dc_map_field(t, inner));
        if (inner == NULL || (dtype = PyObject_CallOneArg(st->ArrayType, inner)) == NULL) {
            goto done;
        }
    }
    else {
        if ((rc = is_dataclass(eff)) < 0) {
            goto done;
        }
        dtype = rc ? dc_nested_object(st, t, eff) : dc_map_field(t, eff);
        if (dtype == NULL) {
            goto done;
        }
    }
    result = PyObject_CallFunctionObjArgs(st->PropertyType, name, dtype,
                                          optional ? Py_False : Py_True, NULL);
done:
    Py_XDECREF(eff);
    Py_XDECREF(dtype);
    Py_XDECREF(inner);
    return result;
}

/* Returns a new reference: _convert_dataclass_to_nested_object(cls), an Object. */
static PyObject *
dc_nested_object(mlc_state *st, dc_tools *t, PyObject *cls)
{
    PyObject *fields = NULL, *props = NULL, *iter = NULL, *field = NULL, *result = NULL;
    PyObject *fname = NULL, *ftype = NULL;
    if (Py_EnterRecursiveCall(" while converting a dataclass")) {
        return NULL;
    }
    if ((fields = PyObject_CallOneArg(t->fields, cls)) == NULL ||
        (props = PyList_New(0)) == NULL || (iter = PyObject_GetIter(fields)) == NULL) {
        goto done;
    }
    while ((field = PyIter_Next(iter)) != NULL) {
        if ((fname = PyObject_GetAttrString(field, "name")) == NULL ||
            (ftype = PyObject_GetAttrString(field, "type")) == NULL) {
            goto done;
        }
        PyObject *prop = dc_property(st, t, fname, ftype);
        if (prop == NULL) {
            goto done;
        }
        int rc = PyList_Append(props, prop);
        Py_DECREF(prop);
        if (rc < 0) {
            goto done;
        }
        Py_CLEAR(fname);
        Py_CLEAR(ftype);
        Py_CLEAR(field);
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    result = PyObject_CallOneArg(st->ObjectType, props);
done:
    Py_LeaveRecursiveCall();
    Py_XDECREF(fields);
    Py_XDECREF(props);
    Py_XDECREF(iter);
    Py_XDECREF(field);
    Py_XDECREF(fname);
    Py_XDECREF(ftype);
    return result;
}

/* Raises "<before><tp><after><dc.__name__>" (MLflow's unsupported-field messages). */
static PyObject *
dc_unsupported(mlc_state *st, const char *before, PyObject *tp, const char *after,
               PyObject *dc)
{
    PyObject *text = fmt(tp), *dcname = NULL;
    if (text != NULL && (dcname = PyObject_GetAttrString(dc, "__name__")) != NULL) {
        Py_SETREF(dcname, fmt(dcname));
    }
    if (dcname != NULL) {
        MLC_INFER_ERR(st, CODE_INTERNAL, "%s%U%s%U", before, text, after, dcname);
    }
    Py_XDECREF(text);
    Py_XDECREF(dcname);
    return NULL;
}

/* Returns a new reference: convert_dataclass_to_schema(dc) for a dataclass or instance. */
static PyObject *
dataclass_to_schema(mlc_state *st, PyObject *dc)
{
    dc_tools t;
    PyObject *annotations = NULL, *mro = NULL, *items = NULL, *specs = NULL, *result = NULL;
    PyObject *eff = NULL, *dtype = NULL, *inner = NULL, *type = NULL;
    if (dc_tools_init(st, &t) < 0) {
        return NULL;
    }
    PyObject *cls = PyType_Check(dc) ? dc : (PyObject *)Py_TYPE(dc);
    if ((annotations = PyDict_New()) == NULL || (specs = PyList_New(0)) == NULL ||
        (mro = PyObject_GetAttrString(cls, "__mro__")) == NULL) {
        goto done;
    }
    Py_SETREF(mro, PySequence_Fast(mro, "__mro__ is not a sequence"));
    if (mro == NULL) {
        goto done;
    }
    for (Py_ssize_t i = PySequence_Fast_GET_SIZE(mro) - 1; i >= 0; i--) {
        PyObject *base = PySequence_Fast_GET_ITEM(mro, i), *ann = NULL;
        int rc = is_dataclass(base);
        if (rc > 0) {
            rc = PyObject_GetOptionalAttrString(base, "__annotations__", &ann);
        }
        if (rc > 0) {
            rc = PyDict_Update(annotations, ann);
        }
        Py_XDECREF(ann);
        if (rc < 0) {
            goto done;
        }
    }
    if ((items = PyDict_Items(annotations)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *name = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 0);
        PyObject *ftype = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 1);
        int optional, rc;
        if (dc_unwrap_optional(st, &t, ftype, 1, &eff, &optional) < 0 ||
            (rc = dc_is_list(&t, eff)) < 0) {
            goto done;
        }
        if (rc) {
            if ((inner = dc_first_arg(&t, eff)) == NULL || (rc = is_dataclass(inner)) < 0) {
                goto done;
            }
            dtype = rc ? dc_nested_object(st, &t, inner) : dc_map_field(&t, inner);
            if (dtype == NULL) {
                goto done;
            }
            if (!rc && dtype == Py_None) {
                dc_unsupported(st, "List field type ", inner, " is not supported in dataclass ",
                               dc);
                goto done;
            }
            if ((type = PyObject_CallOneArg(st->ArrayType, dtype)) == NULL) {
                goto done;
            }
        }
        else {
            if ((rc = is_dataclass(eff)) < 0) {
                goto done;
            }
            type = rc ? dc_nested_object(st, &t, eff) : dc_map_field(&t, eff);
            if (type == NULL) {
                goto done;
            }
            if (!rc && type == Py_None) {
                dc_unsupported(st, "Unsupported field type ", eff, " in dataclass ", dc);
                goto done;
            }
        }
        PyObject *spec = PyObject_CallFunctionObjArgs(st->ColSpecType, type, name,
                                                      optional ? Py_False : Py_True, NULL);
        if (spec == NULL || PyList_Append(specs, spec) < 0) {
            Py_XDECREF(spec);
            goto done;
        }
        Py_DECREF(spec);
        Py_CLEAR(eff);
        Py_CLEAR(dtype);
        Py_CLEAR(inner);
        Py_CLEAR(type);
    }
    result = PyObject_CallOneArg(st->SchemaType, specs);
done:
    dc_tools_clear(&t);
    Py_XDECREF(annotations);
    Py_XDECREF(mro);
    Py_XDECREF(items);
    Py_XDECREF(specs);
    Py_XDECREF(eff);
    Py_XDECREF(dtype);
    Py_XDECREF(inner);
    Py_XDECREF(type);
    return result;
}

/* ---------------------------------------------------------------- infer_signature */

/* The schema of one side (key is "inputs" or "outputs"): None for None, the dataclass's or
 * the inferred schema, or -- when inference fails with anything but the Pydantic error --
 * Schema([ColSpec(AnyType())]) after MLflow's warning. Returns a new reference. */
static PyObject *
signature_side(infer_ctx *ctx, PyObject *data, const char *key)
{
    mlc_state *st = ctx->st;
    PyObject *schema = NULL, *any = NULL, *specs = NULL;
    if (mlc_is_none(data)) {
        return Py_NewRef(Py_None);
    }
    ctx->fatal = 0;
    int rc = is_dataclass(data);
    if (rc >= 0) {
        schema = rc ? dataclass_to_schema(st, data) : infer_schema_impl(ctx, data);
    }
    if (schema != NULL || ctx->fatal || !PyErr_ExceptionMatches(PyExc_Exception)) {
        return schema;
    }
    PyErr_Clear(); /* an Exception: MLflow logs it and falls back to AnyType */
    if (mlc_log_warning(st, FALLBACK_MSG, key,
                        strcmp(key, "inputs") == 0 ? ANYTYPE_NOTE : "") < 0 ||
        (any = it_to_py(st, IT_ANY_NODE)) == NULL) {
        goto done;
    }
    PyObject *spec = PyObject_CallOneArg(st->ColSpecType, any);
    if ((specs = one_spec_list(spec)) != NULL) {
        schema = PyObject_CallOneArg(st->SchemaType, specs);
    }
done:
    Py_XDECREF(any);
    Py_XDECREF(specs);
    return schema;
}

PyObject *
mlc_infer_signature(mlc_state *st, PyObject *model_input, PyObject *model_output,
                    PyObject *params)
{
    infer_ctx ctx;
    PyObject *inputs = NULL, *outputs = NULL, *pschema = NULL, *result = NULL;
    if (ctx_init(&ctx, st, 0) < 0) {
        return NULL;
    }
    if ((inputs = signature_side(&ctx, model_input, "inputs")) == NULL ||
        (outputs = signature_side(&ctx, model_output, "outputs")) == NULL) {
        goto done;
    }
    int truthy = mlc_is_none(params) ? 0 : PyObject_IsTrue(params);
    if (truthy < 0) {
        goto done;
    }
    if (truthy && (ctx_load_numpy(&ctx) < 0 ||
                   (pschema = infer_param_schema_impl(&ctx, params)) == NULL)) {
        goto done;
    }
    result = PyObject_CallFunctionObjArgs(st->ModelSignatureType, inputs, outputs,
                                          pschema == NULL ? Py_None : pschema, NULL);
done:
    ctx_clear(&ctx);
    Py_XDECREF(inputs);
    Py_XDECREF(outputs);
    Py_XDECREF(pschema);
    return result;
}

/* ---------------------------------------------------------------- Python entry points */

PyObject *
mlc_infer_signature_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"model_input", "model_output", "params", NULL};
    PyObject *a[3];
    if (mlc_args_parse("infer_signature", args, nargs, kwnames, names, 3, 0, a, NULL) < 0) {
        return NULL;
    }
    return mlc_infer_signature(mlc_state_from_module(m), a[0], a[1], a[2]);
}

PyObject *
mlc_infer_schema_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"data", NULL};
    PyObject *a[1];
    if (mlc_args_parse("_infer_schema", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    return mlc_infer_schema(mlc_state_from_module(m), a[0]);
}
