/* model.c: the Model and ModelInfo heap types (mlflow.models.Model's attributes, to_dict,
 * YAML round trip through yaml.h, input-example reading) plus uuid/time helpers.
 * Attributes live in the instance __dict__ as in MLflow. No file writing except Model.save. */
#include "mlc.h"

#include "args.h"
#include "enforce.h"
#include "errors.h"
#include "fsutil.h"
#include "schema.h"
#include "yaml.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

typedef struct {
    PyObject_HEAD
    PyObject *dict;
    PyObject *weakreflist;
} DictObject;

#define DictObject_CAST(op) ((DictObject *)(op))

/* ---------------------------------------------------------------- helpers */

void
mlc_utc_now(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    long usec = ts.tv_nsec / 1000;
    if (usec == 0) { /* str(datetime) leaves the fraction out when it is zero */
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    else {
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
    }
}

int
mlc_uuid4_hex(char *buf)
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        got += (size_t)r;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        buf[2 * i] = hex[b[i] >> 4];
        buf[2 * i + 1] = hex[b[i] & 15];
    }
    buf[32] = '\0';
    return 0;
}

int
mlc_model_set(PyObject *model, const char *name, PyObject *value)
{
    return PyObject_SetAttrString(model, name, value);
}

PyObject *
mlc_model_get(PyObject *model, const char *name)
{
    PyObject *v = NULL;
    if (PyObject_GetOptionalAttrString(model, name, &v) < 0) {
        return NULL;
    }
    return v == NULL ? Py_NewRef(Py_None) : v;
}

/* ---------------------------------------------------------------- common slots */

static int
DictObject_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(DictObject_CAST(self)->dict);
    return 0;
}

static int
DictObject_clear(PyObject *self)
{
    Py_CLEAR(DictObject_CAST(self)->dict);
    return 0;
}

static void
DictObject_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (DictObject_CAST(self)->weakreflist != NULL) {
        PyObject_ClearWeakRefs(self);
    }
    (void)DictObject_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMemberDef DictObject_members[] = {
    {"__dictoffset__", Py_T_PYSSIZET, offsetof(DictObject, dict), Py_READONLY, NULL},
    {"__weaklistoffset__", Py_T_PYSSIZET, offsetof(DictObject, weakreflist), Py_READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* Returns a borrowed reference to the instance dict, creating it. */
static PyObject *
instance_dict(PyObject *self)
{
    DictObject *o = DictObject_CAST(self);
    if (o->dict == NULL) {
        o->dict = PyDict_New();
    }
    return o->dict;
}

/* Stores each (name, value) of the NULL-terminated names/values into self's dict, in order;
 * values[i] NULL means None. 0 or -1. */
static int
store_fields(PyObject *self, const char *const *names, PyObject **values)
{
    PyObject *d = instance_dict(self);
    if (d == NULL) {
        return -1;
    }
    for (int i = 0; names[i] != NULL; i++) {
        if (PyDict_SetItemString(d, names[i], values[i] ? values[i] : Py_None) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Parses tp_init-style (args, kwargs) against names; unknown keywords go into *extra
 * (a new dict or NULL). Borrowed references land in out. 0 or -1. */
static int
parse_init_args(const char *fname, PyObject *args, PyObject *kwargs, const char *const *names,
                PyObject **out, PyObject **extra)
{
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    Py_ssize_t nnames = 0;
    while (names[nnames] != NULL) {
        nnames++;
    }
    PyObject *stack[64];
    PyObject *kwnames = NULL;
    Py_ssize_t nkw = kwargs == NULL ? 0 : PyDict_GET_SIZE(kwargs);
    if (nargs + nkw > 64) {
        PyErr_Format(PyExc_TypeError, "%s() got too many arguments", fname);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        stack[i] = PyTuple_GET_ITEM(args, i);
    }
    if (nkw > 0) {
        kwnames = PyTuple_New(nkw);
        if (kwnames == NULL) {
            return -1;
        }
        PyObject *k, *v;
        Py_ssize_t pos = 0, j = 0;
        while (PyDict_Next(kwargs, &pos, &k, &v)) {
            PyTuple_SET_ITEM(kwnames, j, Py_NewRef(k)); /* steals */
            stack[nargs + j] = v;
            j++;
        }
    }
    int rc = mlc_args_parse(fname, stack, nargs, kwnames, names, nnames, 0, out, extra);
    Py_XDECREF(kwnames);
    return rc;
}

/* ---------------------------------------------------------------- Model */

static const char *const model_init_names[] = {
    "artifact_path", "run_id", "utc_time_created", "flavors", "signature",
    "saved_input_example_info", "model_uuid", "mlflow_version", "metadata",
    "model_size_bytes", "resources", "env_vars", "auth_policy", "model_id", "prompts", NULL,
};
enum {
    MI_ARTIFACT_PATH, MI_RUN_ID, MI_UTC, MI_FLAVORS, MI_SIGNATURE, MI_EXAMPLE_INFO, MI_UUID,
    MI_VERSION, MI_METADATA, MI_SIZE, MI_RESOURCES, MI_ENV_VARS, MI_AUTH, MI_MODEL_ID, MI_PROMPTS,
    MI_COUNT
};

/* Model.__init__: mlflow.models.Model's constructor; extra keywords become attributes. */
static int
Model_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *v[MI_COUNT];
    PyObject *extra = NULL, *utc = NULL, *flavors = NULL, *uuid = NULL, *version = NULL;
    int result = -1;
    if (parse_init_args("Model", args, kwargs, model_init_names, v, &extra) < 0) {
        return -1;
    }
    /* utc_time_created = str(value or utcnow()) */
    if (v[MI_UTC] != NULL && PyObject_IsTrue(v[MI_UTC]) == 1) {
        utc = PyObject_Str(v[MI_UTC]);
    }
    else {
        char buf[40];
        mlc_utc_now(buf, sizeof buf);
        utc = PyUnicode_FromString(buf);
    }
    if (utc == NULL) {
        goto done;
    }
    flavors = mlc_is_none(v[MI_FLAVORS]) ? PyDict_New() : Py_NewRef(v[MI_FLAVORS]);
    if (flavors == NULL) {
        goto done;
    }
    if (v[MI_UUID] == NULL) {
        char hex[33];
        if (mlc_uuid4_hex(hex) < 0) {
            PyErr_SetFromErrno(PyExc_OSError);
            goto done;
        }
        uuid = PyUnicode_FromString(hex);
    }
    else if (PyCallable_Check(v[MI_UUID])) {
        uuid = PyObject_CallNoArgs(v[MI_UUID]);
    }
    else {
        uuid = Py_NewRef(v[MI_UUID]);
    }
    if (uuid == NULL) {
        goto done;
    }
    version = v[MI_VERSION] == NULL ? PyUnicode_FromString(MLC_MLFLOW_VERSION)
                                    : Py_NewRef(v[MI_VERSION]);
    if (version == NULL) {
        goto done;
    }
    PyObject *d = instance_dict(self);
    if (d == NULL) {
        goto done;
    }
    PyDict_Clear(d);
    const char *const order[] = {
        "run_id", "artifact_path", "utc_time_created", "flavors", "signature",
        "saved_input_example_info", "model_uuid", "mlflow_version", "metadata", "prompts",
        "model_size_bytes", "resources", "env_vars", "auth_policy", "model_id", NULL,
    };
    PyObject *values[] = {
        v[MI_RUN_ID], v[MI_ARTIFACT_PATH], utc, flavors, v[MI_SIGNATURE], v[MI_EXAMPLE_INFO],
        uuid, version, v[MI_METADATA], v[MI_PROMPTS], v[MI_SIZE], v[MI_RESOURCES],
        v[MI_ENV_VARS], v[MI_AUTH], v[MI_MODEL_ID],
    };
    if (store_fields(self, order, values) < 0) {
        goto done;
    }
    if (extra != NULL && PyDict_Update(d, extra) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(extra);
    Py_XDECREF(utc);
    Py_XDECREF(flavors);
    Py_XDECREF(uuid);
    Py_XDECREF(version);
    return result;
}

PyObject *
mlc_model_new(mlc_state *st)
{
    return PyObject_CallNoArgs(st->ModelType);
}

/* Returns a new reference to the JSON-string dict of a signature object or dict. */
static PyObject *
signature_to_dict(mlc_state *st, PyObject *sig)
{
    if (PyDict_Check(sig)) {
        PyObject *out = PyDict_New();
        if (out == NULL) {
            return NULL;
        }
        static const char *keys[] = {"inputs", "outputs", "params"};
        for (int i = 0; i < 3; i++) {
            PyObject *val = NULL;
            if (PyDict_GetItemStringRef(sig, keys[i], &val) < 0 ||
                PyDict_SetItemString(out, keys[i], val ? val : Py_None) < 0) {
                Py_XDECREF(val);
                Py_DECREF(out);
                return NULL;
            }
            Py_XDECREF(val);
        }
        return out;
    }
    return PyObject_CallMethodNoArgs(sig, st->str_to_dict);
}

/* Returns a new reference to a bool flag of a signature (attribute or dict key). */
static PyObject *
signature_flag(PyObject *sig, const char *attr, const char *key)
{
    PyObject *v = NULL;
    int rc = PyDict_Check(sig) ? PyDict_GetItemStringRef(sig, key, &v)
                               : PyObject_GetOptionalAttrString(sig, attr, &v);
    if (rc < 0) {
        return NULL;
    }
    if (v == NULL) {
        Py_RETURN_FALSE;
    }
    int truth = PyObject_IsTrue(v);
    Py_DECREF(v);
    if (truth < 0) {
        return NULL;
    }
    return PyBool_FromLong(truth);
}

PyObject *
mlc_model_to_dict(mlc_state *st, PyObject *self)
{
    PyObject *res = NULL, *sig = NULL, *tmp = NULL, *result = NULL;
    PyObject *d = instance_dict(self);
    if (d == NULL) {
        return NULL;
    }
    res = PyDict_New();
    if (res == NULL) {
        goto done;
    }
    /* Public attributes; the ones MLflow keeps behind properties are added below only when
     * they are not None, and artifact_path/run_id are dropped when None. */
    static const char *const drop_if_none[] = {
        "signature", "saved_input_example_info", "metadata", "resources", "model_size_bytes",
        "auth_policy", "env_vars", "artifact_path", "run_id", "mlflow_version", NULL,
    };
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (!PyUnicode_Check(k)) {
            continue;
        }
        const char *ks = PyUnicode_AsUTF8(k);
        if (ks == NULL) {
            goto done;
        }
        if (ks[0] == '_') {
            continue;
        }
        int skip = 0;
        for (int i = 0; drop_if_none[i] != NULL; i++) {
            if (v == Py_None && strcmp(ks, drop_if_none[i]) == 0) {
                skip = 1;
                break;
            }
        }
        if (skip) {
            continue;
        }
        if (strcmp(ks, "signature") == 0) {
            continue; /* handled below */
        }
        if (PyDict_SetItem(res, k, v) < 0) {
            goto done;
        }
    }
    if (PyDict_GetItemRef(d, st->str_signature, &sig) < 0) {
        goto done;
    }
    if (sig != NULL && sig != Py_None) {
        tmp = signature_to_dict(st, sig);
        if (tmp == NULL || PyDict_SetItem(res, st->str_signature, tmp) < 0) {
            goto done;
        }
        Py_CLEAR(tmp);
        tmp = signature_flag(sig, "_is_signature_from_type_hint", "is_signature_from_type_hint");
        if (tmp == NULL || PyDict_SetItemString(res, "is_signature_from_type_hint", tmp) < 0) {
            goto done;
        }
        Py_CLEAR(tmp);
        tmp = signature_flag(sig, "_is_type_hint_from_example", "type_hint_from_example");
        if (tmp == NULL || PyDict_SetItemString(res, "type_hint_from_example", tmp) < 0) {
            goto done;
        }
        Py_CLEAR(tmp);
    }
    result = Py_NewRef(res);
done:
    Py_XDECREF(res);
    Py_XDECREF(sig);
    Py_XDECREF(tmp);
    return result;
}

static PyObject *
Model_to_dict(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
              Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs != 0 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "to_dict() takes no arguments");
        return NULL;
    }
    return mlc_model_to_dict(mlc_state_from_class(cls), self);
}

/* Returns a new reference: the MLmodel YAML text of self. */
static PyObject *
model_yaml_text(mlc_state *st, PyObject *self)
{
    PyObject *d = mlc_model_to_dict(st, self);
    if (d == NULL) {
        return NULL;
    }
    PyObject *text = mlc_yaml_dump(st, d, 1);
    Py_DECREF(d);
    return text;
}

static PyObject *
Model_to_yaml(PyObject *self, PyTypeObject *cls, PyObject *const *args, Py_ssize_t nargs,
              PyObject *kwnames)
{
    static const char *const names[] = {"stream", NULL};
    PyObject *a[1];
    if (mlc_args_parse("to_yaml", args, nargs, kwnames, names, 1, 0, a, NULL) < 0) {
        return NULL;
    }
    PyObject *text = model_yaml_text(mlc_state_from_class(cls), self);
    if (text == NULL || mlc_is_none(a[0])) {
        return text;
    }
    PyObject *r = PyObject_CallMethod(a[0], "write", "O", text);
    Py_XDECREF(r);
    if (r == NULL) {
        Py_DECREF(text);
        return NULL;
    }
    return text;
}

static PyObject *
Model_str(PyObject *self)
{
    mlc_state *st = mlc_state_from_type(Py_TYPE(self));
    return st == NULL ? NULL : model_yaml_text(st, self);
}

static PyObject *
Model_to_json(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
              Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(cls);
    if (nargs != 0 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "to_json() takes no arguments");
        return NULL;
    }
    PyObject *d = NULL, *dumps = NULL, *result = NULL;
    d = mlc_model_to_dict(st, self);
    if (d == NULL) {
        goto done;
    }
    dumps = mlc_lazy_attr(&st->json_dumps, "json", "dumps");
    if (dumps == NULL) {
        goto done;
    }
    result = PyObject_CallOneArg(dumps, d);
done:
    Py_XDECREF(d);
    Py_XDECREF(dumps);
    return result;
}

static PyObject *
Model_save(PyObject *self, PyTypeObject *cls, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(cls);
    static const char *const names[] = {"path", NULL};
    PyObject *a[1];
    PyObject *path = NULL, *text = NULL;
    PyObject *result = NULL;
    if (mlc_args_parse("save", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    path = mlc_args_path(a[0]);
    if (path == NULL) {
        goto done;
    }
    text = model_yaml_text(st, self);
    if (text == NULL) {
        goto done;
    }
    Py_ssize_t len;
    const char *data = PyUnicode_AsUTF8AndSize(text, &len);
    const char *p = PyUnicode_AsUTF8(path);
    if (data == NULL || p == NULL) {
        goto done;
    }
    if (mlc_fs_write_atomic(p, data, (size_t)len, 1) < 0) {
        mlc_raise_errno(st, errno, "Failed to write MLmodel file", p);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(path);
    Py_XDECREF(text);
    return result;
}

/* Returns a new reference: Model built from a dict the way Model.from_dict does it. */
static PyObject *
model_from_dict(mlc_state *st, PyObject *cls, PyObject *model_dict)
{
    PyObject *d = NULL, *sig = NULL, *empty = NULL, *result = NULL;
    if (!PyDict_Check(model_dict)) {
        return mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                         "Model.from_dict expects a dict, got %s", Py_TYPE(model_dict)->tp_name);
    }
    d = PyDict_Copy(model_dict);
    if (d == NULL) {
        goto done;
    }
    if (PyDict_GetItemRef(d, st->str_signature, &sig) < 0) {
        goto done;
    }
    if (sig != NULL && PyDict_Check(sig)) {
        /* The JSON-string form becomes a ModelSignature; the two 3.x flags move into it. */
        PyObject *obj = mlc_signature_from_dict(st, sig);
        if (obj == NULL) {
            goto done;
        }
        static const char *flags[] = {"is_signature_from_type_hint", "type_hint_from_example"};
        static const char *attrs[] = {"_is_signature_from_type_hint",
                                      "_is_type_hint_from_example"};
        for (int i = 0; i < 2; i++) {
            PyObject *fv = NULL;
            if (PyDict_GetItemStringRef(d, flags[i], &fv) < 0) {
                Py_DECREF(obj);
                goto done;
            }
            if (fv != NULL) {
                int rc = PyObject_SetAttrString(obj, attrs[i], fv);
                Py_DECREF(fv);
                if (rc < 0 || PyDict_DelItemString(d, flags[i]) < 0) {
                    Py_DECREF(obj);
                    goto done;
                }
            }
        }
        int rc = PyDict_SetItem(d, st->str_signature, obj);
        Py_DECREF(obj);
        if (rc < 0) {
            goto done;
        }
    }
    static const char *defaults_none[] = {"model_uuid", "mlflow_version"};
    for (int i = 0; i < 2; i++) {
        PyObject *present = NULL;
        if (PyDict_GetItemStringRef(d, defaults_none[i], &present) < 0) {
            goto done;
        }
        if (present == NULL && PyDict_SetItemString(d, defaults_none[i], Py_None) < 0) {
            goto done;
        }
        Py_XDECREF(present);
    }
    /* Keys must be strings to become keyword arguments. */
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (!PyUnicode_Check(k)) {
            mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                      "MLmodel keys must be strings, got %R", k);
            goto done;
        }
    }
    empty = PyTuple_New(0);
    if (empty == NULL) {
        goto done;
    }
    result = PyObject_Call(cls, empty, d);
done:
    Py_XDECREF(d);
    Py_XDECREF(sig);
    Py_XDECREF(empty);
    return result;
}

static PyObject *
Model_from_dict(PyObject *cls, PyTypeObject *defcls, PyObject *const *args, Py_ssize_t nargs,
                PyObject *kwnames)
{
    static const char *const names[] = {"model_dict", NULL};
    PyObject *a[1];
    if (mlc_args_parse("from_dict", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    return model_from_dict(mlc_state_from_class(defcls), cls, a[0]);
}

PyObject *
mlc_model_read_dict(mlc_state *st, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    PyObject *obj = NULL;
    if (mlc_fs_read(path, &buf, &len) < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return mlc_raise(st->MlflowFileNotFoundError, MLC_RESOURCE_DOES_NOT_EXIST,
                             "No such file or directory: '%s'", path);
        }
        return mlc_raise_errno(st, errno, "Failed to read MLmodel file", path);
    }
    obj = mlc_yaml_load(st, buf, len, path);
    free(buf);
    if (obj == NULL) {
        return NULL;
    }
    if (!PyDict_Check(obj)) {
        mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                  "\"%s\" is not a valid MLmodel file: expected a YAML mapping at the top "
                  "level, got %s",
                  path, obj == Py_None ? "an empty document" : Py_TYPE(obj)->tp_name);
        Py_DECREF(obj);
        return NULL;
    }
    return obj;
}

PyObject *
mlc_model_load_file(mlc_state *st, const char *mlmodel_path)
{
    PyObject *d = mlc_model_read_dict(st, mlmodel_path);
    if (d == NULL) {
        return NULL;
    }
    PyObject *model = model_from_dict(st, st->ModelType, d);
    Py_DECREF(d);
    return model;
}

/* Returns a new reference: the local file-system path (str) for a path or file: URI. */
static PyObject *
local_path_of(PyObject *p)
{
    PyObject *s = mlc_args_path(p);
    if (s == NULL) {
        return NULL;
    }
    const char *c = PyUnicode_AsUTF8(s);
    int is_uri = 0;
    char *local = c ? mlc_fs_local_path(c, &is_uri) : NULL;
    if (local == NULL) {
        if (c != NULL) {
            PyErr_NoMemory();
        }
        Py_DECREF(s);
        return NULL;
    }
    PyObject *r = is_uri ? PyUnicode_DecodeFSDefault(local) : Py_NewRef(s);
    free(local);
    Py_DECREF(s);
    return r;
}

static PyObject *
Model_load(PyObject *cls, PyTypeObject *defcls, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(defcls);
    static const char *const names[] = {"path", NULL};
    PyObject *a[1];
    PyObject *path = NULL, *d = NULL, *result = NULL;
    char *file = NULL;
    if (mlc_args_parse("load", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    path = local_path_of(a[0]);
    if (path == NULL) {
        goto done;
    }
    const char *p = PyUnicode_AsUTF8(path);
    if (p == NULL) {
        goto done;
    }
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') {
        n--;
    }
    char *clean = strndup(p, n);
    if (clean == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int exists = mlc_fs_exists(clean);
    if (exists <= 0) {
        mlc_raise(st->MlflowFileNotFoundError, MLC_RESOURCE_DOES_NOT_EXIST,
                  "Could not find an \"MLmodel\" configuration file at \"%s\"", clean);
        free(clean);
        goto done;
    }
    const char *base = strrchr(clean, '/');
    base = base ? base + 1 : clean;
    if (strcmp(base, "MLmodel") == 0) {
        file = clean;
    }
    else {
        file = mlc_fs_join(clean, "MLmodel");
        free(clean);
        if (file == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    d = mlc_model_read_dict(st, file);
    if (d == NULL) {
        goto done;
    }
    result = model_from_dict(st, cls, d);
done:
    free(file);
    Py_XDECREF(path);
    Py_XDECREF(d);
    return result;
}

static PyObject *
Model_add_flavor(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *name = NULL, *flavors = NULL, *params = NULL;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "U:add_flavor", &name)) {
        return NULL;
    }
    flavors = PyObject_GetAttrString(self, "flavors");
    if (flavors == NULL) {
        goto done;
    }
    params = kwargs == NULL ? PyDict_New() : PyDict_Copy(kwargs);
    if (params == NULL || PyObject_SetItem(flavors, name, params) < 0) {
        goto done;
    }
    result = Py_NewRef(self);
done:
    Py_XDECREF(flavors);
    Py_XDECREF(params);
    return result;
}

/* Returns a new reference to signature.<part> (None without a signature). */
static PyObject *
signature_part(PyObject *self, const char *part)
{
    PyObject *sig = mlc_model_get(self, "signature");
    if (sig == NULL || sig == Py_None) {
        return sig;
    }
    PyObject *v = NULL;
    if (PyDict_Check(sig)) {
        if (PyDict_GetItemStringRef(sig, part, &v) >= 0 && v == NULL) {
            v = Py_NewRef(Py_None);
        }
    }
    else {
        v = PyObject_GetAttrString(sig, part);
    }
    Py_DECREF(sig);
    return v;
}

static PyObject *
Model_get_input_schema(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return signature_part(self, "inputs");
}

static PyObject *
Model_get_output_schema(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return signature_part(self, "outputs");
}

static PyObject *
Model_get_params_schema(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return signature_part(self, "params");
}

/* Returns a new reference: {name or None: numpy dtype name} of the tensor inputs of the
 * model's signature, or an empty dict when it has no tensor inputs. */
static PyObject *
signature_tensor_dtypes(mlc_state *st, PyObject *model)
{
    PyObject *sig = NULL, *text = NULL, *specs = NULL, *loads = NULL, *out = NULL;
    out = PyDict_New();
    if (out == NULL) {
        return NULL;
    }
    sig = mlc_model_get(model, "signature");
    if (sig == NULL) {
        goto error;
    }
    if (sig == Py_None) {
        goto done;
    }
    if (!PyDict_Check(sig)) {
        Py_SETREF(sig, PyObject_CallMethodNoArgs(sig, st->str_to_dict));
        if (sig == NULL) {
            goto error;
        }
    }
    if (!PyDict_Check(sig) || PyDict_GetItemStringRef(sig, "inputs", &text) < 0) {
        goto error_or_done;
    }
    if (text == NULL || !PyUnicode_Check(text)) {
        goto done;
    }
    loads = mlc_lazy_attr(&st->json_loads, "json", "loads");
    specs = loads ? PyObject_CallOneArg(loads, text) : NULL;
    if (specs == NULL) {
        goto error;
    }
    for (Py_ssize_t i = 0; PyList_Check(specs) && i < PyList_GET_SIZE(specs); i++) {
        PyObject *spec = PyList_GET_ITEM(specs, i);
        PyObject *type = NULL, *ts = NULL, *dtype = NULL, *name = NULL;
        if (!PyDict_Check(spec) || PyDict_GetItemStringRef(spec, "type", &type) < 0) {
            continue;
        }
        int is_tensor = type != NULL && PyUnicode_Check(type) &&
                        PyUnicode_CompareWithASCIIString(type, "tensor") == 0;
        Py_XDECREF(type);
        if (!is_tensor || PyDict_GetItemStringRef(spec, "tensor-spec", &ts) < 0 || ts == NULL) {
            continue;
        }
        int rc = 0;
        if (PyDict_Check(ts) && PyDict_GetItemStringRef(ts, "dtype", &dtype) >= 0 &&
            dtype != NULL && PyDict_GetItemStringRef(spec, "name", &name) >= 0) {
            rc = PyDict_SetItem(out, name ? name : Py_None, dtype);
        }
        Py_XDECREF(ts);
        Py_XDECREF(dtype);
        Py_XDECREF(name);
        if (rc < 0) {
            goto error;
        }
    }
    goto done;
error_or_done:
    if (!PyErr_Occurred()) {
        goto done;
    }
error:
    Py_CLEAR(out);
done:
    Py_XDECREF(sig);
    Py_XDECREF(text);
    Py_XDECREF(specs);
    Py_XDECREF(loads);
    return out;
}

/* Returns a new reference: numpy.asarray(data, dtype=dtypes[key]) (no dtype when absent). */
static PyObject *
as_array(PyObject *numpy, PyObject *data, PyObject *dtypes, PyObject *key)
{
    PyObject *dtype = NULL;
    if (PyDict_GetItemRef(dtypes, key, &dtype) < 0) {
        return NULL;
    }
    PyObject *r = dtype ? PyObject_CallMethod(numpy, "asarray", "OO", data, dtype)
                        : PyObject_CallMethod(numpy, "asarray", "O", data);
    Py_XDECREF(dtype);
    return r;
}

/* Model.load_input_example(path=None): the saved example as MLflow 3.x returns it. */
static PyObject *
Model_load_input_example(PyObject *self, PyTypeObject *cls, PyObject *const *args,
                         Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_class(cls);
    static const char *const names[] = {"path", NULL};
    PyObject *a[1];
    PyObject *info = NULL, *dir = NULL, *relpath = NULL, *type = NULL, *text = NULL;
    PyObject *loads = NULL, *obj = NULL, *result = NULL, *tmp = NULL;
    char *full = NULL, *buf = NULL;
    size_t len = 0;
    if (mlc_args_parse("load_input_example", args, nargs, kwnames, names, 1, 0, a, NULL) < 0) {
        return NULL;
    }
    info = mlc_model_get(self, "saved_input_example_info");
    if (info == NULL) {
        goto done;
    }
    if (info == Py_None) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (!PyDict_Check(info)) {
        mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                  "saved_input_example_info must be a mapping, got %s", Py_TYPE(info)->tp_name);
        goto done;
    }
    dir = mlc_is_none(a[0]) ? mlc_model_get(self, "artifact_path") : local_path_of(a[0]);
    if (dir == NULL) {
        goto done;
    }
    if (dir != Py_None && !PyUnicode_Check(dir)) {
        Py_SETREF(dir, local_path_of(dir));
        if (dir == NULL) {
            goto done;
        }
    }
    if (dir == Py_None) {
        mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                  "load_input_example needs the model directory: pass path=");
        goto done;
    }
    if (PyDict_GetItemStringRef(info, "artifact_path", &relpath) < 0 ||
        PyDict_GetItemStringRef(info, "type", &type) < 0) {
        goto done;
    }
    if (relpath == NULL || !PyUnicode_Check(relpath) || type == NULL || !PyUnicode_Check(type)) {
        mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                  "saved_input_example_info needs string 'artifact_path' and 'type' entries");
        goto done;
    }
    const char *d = PyUnicode_AsUTF8(dir);
    const char *r = PyUnicode_AsUTF8(relpath);
    if (d == NULL || r == NULL) {
        goto done;
    }
    full = mlc_fs_join(d, r);
    if (full == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (mlc_fs_read(full, &buf, &len) < 0) {
        mlc_raise_errno(st, errno, "Failed to read the input example", full);
        goto done;
    }
    text = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)len, "strict");
    if (text == NULL) {
        mlc_raise_from(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                       "Input example \"%s\" is not UTF-8", full);
        goto done;
    }
    loads = mlc_lazy_attr(&st->json_loads, "json", "loads");
    if (loads == NULL) {
        goto done;
    }
    obj = PyObject_CallOneArg(loads, text);
    if (obj == NULL) {
        mlc_raise_from(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                       "Input example \"%s\" is not valid JSON", full);
        goto done;
    }
    /* A (data, params) example stores {"inputs": data, "params": ...}. */
    PyObject *params_flag = NULL;
    if (PyDict_GetItemStringRef(info, "params", &params_flag) < 0) {
        goto done;
    }
    if (params_flag != NULL && PyDict_Check(obj)) {
        PyObject *inner = NULL;
        if (PyDict_GetItemStringRef(obj, "inputs", &inner) < 0) {
            Py_DECREF(params_flag);
            goto done;
        }
        if (inner != NULL) {
            Py_SETREF(obj, inner);
        }
    }
    Py_XDECREF(params_flag);
    if (PyUnicode_CompareWithASCIIString(type, "dataframe") == 0) {
        PyObject *DataFrame = mlc_lazy_attr(&st->DataFrame, "pandas", "DataFrame");
        if (DataFrame == NULL) {
            goto done;
        }
        PyObject *data = NULL, *cols = NULL, *kw = NULL, *pos = NULL;
        if (PyDict_Check(obj)) {
            if (PyDict_GetItemStringRef(obj, "data", &data) < 0 ||
                PyDict_GetItemStringRef(obj, "columns", &cols) < 0) {
                Py_DECREF(DataFrame);
                goto done;
            }
        }
        else {
            data = Py_NewRef(obj);
        }
        kw = PyDict_New();
        pos = PyTuple_Pack(1, data ? data : Py_None);
        if (kw != NULL && pos != NULL &&
            (cols == NULL || PyDict_SetItemString(kw, "columns", cols) == 0)) {
            result = PyObject_Call(DataFrame, pos, kw);
        }
        Py_XDECREF(data);
        Py_XDECREF(cols);
        Py_XDECREF(kw);
        Py_XDECREF(pos);
        Py_DECREF(DataFrame);
        /* cast the parsed columns to the column signature, as MLflow reads examples back */
        PyObject *in = result ? signature_part(self, "inputs") : NULL;
        if (result != NULL && (in == NULL || (in != Py_None &&
                                              mlc_cast_parsed_frame(st, result, in) < 0))) {
            Py_CLEAR(result);
        }
        Py_XDECREF(in);
    }
    else if (PyUnicode_CompareWithASCIIString(type, "ndarray") == 0) {
        /* 3.x stores the bare list; 2.x wraps it as {"inputs": ...} / {"instances": ...}. */
        if (PyDict_Check(obj)) {
            PyObject *inner = NULL;
            if (PyDict_GetItemStringRef(obj, "inputs", &inner) < 0) {
                goto done;
            }
            if (inner == NULL && PyDict_GetItemStringRef(obj, "instances", &inner) < 0) {
                goto done;
            }
            if (inner != NULL) {
                Py_SETREF(obj, inner);
            }
        }
        tmp = PyImport_ImportModule("numpy");
        PyObject *dtypes = tmp ? signature_tensor_dtypes(st, self) : NULL;
        if (dtypes == NULL) {
            goto done;
        }
        if (PyDict_Check(obj)) {
            /* dict of arrays, cast to the named tensor specs' dtypes */
            result = PyDict_New();
            PyObject *k, *v;
            Py_ssize_t p = 0;
            while (result != NULL && PyDict_Next(obj, &p, &k, &v)) {
                PyObject *arr = as_array(tmp, v, dtypes, k);
                if (arr == NULL || PyDict_SetItem(result, k, arr) < 0) {
                    Py_XDECREF(arr);
                    Py_CLEAR(result);
                    break;
                }
                Py_DECREF(arr);
            }
        }
        else {
            result = as_array(tmp, obj, dtypes, Py_None);
        }
        Py_DECREF(dtypes);
    }
    else if (PyUnicode_CompareWithASCIIString(type, "json_object") == 0) {
        result = Py_NewRef(obj);
    }
    else {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "This version of mlflow_c can not load example of type %U", type);
    }
done:
    free(full);
    free(buf);
    Py_XDECREF(info);
    Py_XDECREF(dir);
    Py_XDECREF(relpath);
    Py_XDECREF(type);
    Py_XDECREF(text);
    Py_XDECREF(loads);
    Py_XDECREF(obj);
    Py_XDECREF(tmp);
    return result;
}

/* Attribute assignment as on mlflow.models.Model: `model.signature = False` is ignored
 * (save_model/log_model use False to mean "do not infer"). */
static int
Model_setattro(PyObject *self, PyObject *name, PyObject *value)
{
    if (value == Py_False && PyUnicode_Check(name) &&
        PyUnicode_CompareWithASCIIString(name, "signature") == 0) {
        return 0;
    }
    return PyObject_GenericSetAttr(self, name, value);
}

static PyObject *
Model_richcompare(PyObject *self, PyObject *other, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(other, Py_TYPE(self))) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    PyObject *a = instance_dict(self), *b = instance_dict(other);
    if (a == NULL || b == NULL) {
        return NULL;
    }
    return PyObject_RichCompare(a, b, op);
}

#define MLC_METHOD_FC(name, fn, flags, doc)                                                  \
    {name, (PyCFunction)(void (*)(void))fn, METH_METHOD | METH_FASTCALL | METH_KEYWORDS | flags, doc}

static PyMethodDef Model_methods[] = {
    MLC_METHOD_FC("to_dict", Model_to_dict, 0, "to_dict()\n--\n\nThe MLmodel dict."),
    MLC_METHOD_FC("to_yaml", Model_to_yaml, 0,
                  "to_yaml(stream=None)\n--\n\nThe MLmodel YAML text (also written to stream)."),
    MLC_METHOD_FC("to_json", Model_to_json, 0, "to_json()\n--\n\nThe MLmodel dict as JSON."),
    MLC_METHOD_FC("save", Model_save, 0, "save(path)\n--\n\nWrite the MLmodel file atomically."),
    MLC_METHOD_FC("load", Model_load, METH_CLASS,
                  "load(path)\n--\n\nRead a Model from an MLmodel file or a model directory."),
    MLC_METHOD_FC("from_dict", Model_from_dict, METH_CLASS,
                  "from_dict(model_dict)\n--\n\nBuild a Model from an MLmodel dict."),
    MLC_METHOD_FC("load_input_example", Model_load_input_example, 0,
                  "load_input_example(path=None)\n--\n\nRead the saved input example."),
    {"add_flavor", (PyCFunction)(void (*)(void))Model_add_flavor, METH_VARARGS | METH_KEYWORDS,
     "add_flavor(name, **params)\n--\n\nAdd a flavor entry and return self."},
    {"get_input_schema", Model_get_input_schema, METH_NOARGS, "The signature's inputs or None."},
    {"get_output_schema", Model_get_output_schema, METH_NOARGS,
     "The signature's outputs or None."},
    {"get_params_schema", Model_get_params_schema, METH_NOARGS,
     "The signature's params or None."},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Model__doc__,
             "Model(artifact_path=None, run_id=None, utc_time_created=None, flavors=None, "
             "signature=None, saved_input_example_info=None, model_uuid=None, "
             "mlflow_version=None, metadata=None, model_size_bytes=None, resources=None, "
             "env_vars=None, auth_policy=None, model_id=None, prompts=None, **kwargs)\n--\n\n"
             "An MLflow Model (the contents of an MLmodel file), as mlflow.models.Model.");

static PyType_Slot Model_slots[] = {
    {Py_tp_init, Model_init},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_str, Model_str},
    {Py_tp_setattro, Model_setattro},
    {Py_tp_richcompare, Model_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, Model_methods},
    {Py_tp_members, DictObject_members},
    {Py_tp_traverse, DictObject_traverse},
    {Py_tp_clear, DictObject_clear},
    {Py_tp_dealloc, DictObject_dealloc},
    {Py_tp_doc, (void *)Model__doc__},
    {0, NULL},
};

static PyType_Spec Model_spec = {
    .name = "mlflow_c.models.Model",
    .basicsize = sizeof(DictObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Model_slots,
};

/* ---------------------------------------------------------------- ModelInfo */

static const char *const info_names[] = {
    "artifact_path", "flavors", "model_uri", "model_uuid", "run_id",
    "saved_input_example_info", "signature", "utc_time_created", "mlflow_version", "metadata",
    "registered_model_version", "env_vars", "prompts", "model_id", "name", "params", "tags",
    "metrics", "creation_timestamp", "signature_dict", NULL,
};

/* ModelInfo.__init__: every field keyword-settable, None by default. */
static int
ModelInfo_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *v[32];
    PyObject *extra = NULL;
    if (parse_init_args("ModelInfo", args, kwargs, info_names, v, &extra) < 0) {
        return -1;
    }
    int rc = store_fields(self, info_names, v);
    if (rc == 0 && extra != NULL) {
        rc = PyDict_Update(instance_dict(self), extra);
    }
    Py_XDECREF(extra);
    return rc;
}

static PyObject *
ModelInfo_repr(PyObject *self)
{
    PyObject *uri = mlc_model_get(self, "model_uri");
    if (uri == NULL) {
        return NULL;
    }
    PyObject *r = PyUnicode_FromFormat("<ModelInfo model_uri=%R>", uri);
    Py_DECREF(uri);
    return r;
}

static PyType_Slot ModelInfo_slots[] = {
    {Py_tp_init, ModelInfo_init},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_repr, ModelInfo_repr},
    {Py_tp_members, DictObject_members},
    {Py_tp_traverse, DictObject_traverse},
    {Py_tp_clear, DictObject_clear},
    {Py_tp_dealloc, DictObject_dealloc},
    {Py_tp_doc, (void *)"The metadata of a logged model, as mlflow.models.model.ModelInfo."},
    {0, NULL},
};

static PyType_Spec ModelInfo_spec = {
    .name = "mlflow_c.models.ModelInfo",
    .basicsize = sizeof(DictObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = ModelInfo_slots,
};

int
mlc_model_types_init(PyObject *m, mlc_state *st)
{
    st->ModelType = PyType_FromModuleAndSpec(m, &Model_spec, NULL);
    if (st->ModelType == NULL || PyModule_AddType(m, (PyTypeObject *)st->ModelType) < 0) {
        return -1;
    }
    st->ModelInfoType = PyType_FromModuleAndSpec(m, &ModelInfo_spec, NULL);
    if (st->ModelInfoType == NULL ||
        PyModule_AddType(m, (PyTypeObject *)st->ModelInfoType) < 0) {
        return -1;
    }
    return 0;
}
