/* errors.c: the MlflowException family (heap types over the builtin exceptions) and the
 * raise helpers. MlflowException adds no C fields: message, error_code and json_kwargs live in
 * the instance __dict__, so it can be combined with OSError, ValueError, ... as a second base. */
#include "errors.h"

#include "args.h"

#include <errno.h>
#include <string.h>

/* ---------------------------------------------------------------- MlflowException */

/* error_code may be an MLflow protobuf number; map the ones MLflow code passes around. */
static const struct {
    long number;
    const char *name;
} error_code_numbers[] = {
    /* the numbers of mlflow.protos.databricks_pb2.ErrorCode */
    {1, "INTERNAL_ERROR"},
    {2, "TEMPORARILY_UNAVAILABLE"},
    {3, "IO_ERROR"},
    {4, "BAD_REQUEST"},
    {7, "DEADLINE_EXCEEDED"},
    {8, "CANCELLED"},
    {9, "RESOURCE_EXHAUSTED"},
    {10, "ABORTED"},
    {11, "NOT_FOUND"},
    {12, "ALREADY_EXISTS"},
    {13, "UNAUTHENTICATED"},
    {1000, "INVALID_PARAMETER_VALUE"},
    {1001, "ENDPOINT_NOT_FOUND"},
    {1002, "MALFORMED_REQUEST"},
    {1003, "INVALID_STATE"},
    {1004, "PERMISSION_DENIED"},
    {1005, "FEATURE_DISABLED"},
    {1006, "CUSTOMER_UNAUTHORIZED"},
    {1007, "REQUEST_LIMIT_EXCEEDED"},
    {1008, "RESOURCE_CONFLICT"},
    {1009, "UNPARSEABLE_HTTP_ERROR"},
    {1010, "NOT_IMPLEMENTED"},
    {1011, "DATA_LOSS"},
    {2001, "INVALID_STATE_TRANSITION"},
    {2002, "COULD_NOT_ACQUIRE_LOCK"},
    {3001, "RESOURCE_ALREADY_EXISTS"},
    {3002, "RESOURCE_DOES_NOT_EXIST"},
    {4001, "QUOTA_EXCEEDED"},
    {0, NULL},
};

/* MLflow's ERROR_CODE_TO_HTTP_STATUS; anything else is 500. */
static const struct {
    const char *name;
    int status;
} http_status[] = {
    {"INTERNAL_ERROR", 500},
    {"INVALID_STATE", 500},
    {"DATA_LOSS", 500},
    {"NOT_IMPLEMENTED", 501},
    {"TEMPORARILY_UNAVAILABLE", 503},
    {"DEADLINE_EXCEEDED", 504},
    {"REQUEST_LIMIT_EXCEEDED", 429},
    {"CANCELLED", 499},
    {"RESOURCE_EXHAUSTED", 429},
    {"ABORTED", 409},
    {"RESOURCE_CONFLICT", 409},
    {"ALREADY_EXISTS", 409},
    {"NOT_FOUND", 404},
    {"ENDPOINT_NOT_FOUND", 404},
    {"RESOURCE_DOES_NOT_EXIST", 404},
    {"PERMISSION_DENIED", 403},
    {"CUSTOMER_UNAUTHORIZED", 401},
    {"UNAUTHENTICATED", 401},
    {"BAD_REQUEST", 400},
    {"RESOURCE_ALREADY_EXISTS", 400},
    {"INVALID_PARAMETER_VALUE", 400},
    {NULL, 0},
};

/* Returns a new reference to the error-code string for `code` (str, int or None). */
static PyObject *
normalise_error_code(PyObject *code)
{
    if (mlc_is_none(code)) {
        return PyUnicode_FromString(MLC_INTERNAL_ERROR);
    }
    if (PyUnicode_Check(code)) {
        return Py_NewRef(code);
    }
    if (PyLong_Check(code)) {
        long n = PyLong_AsLong(code);
        if (n == -1 && PyErr_Occurred()) {
            return NULL;
        }
        for (int i = 0; error_code_numbers[i].name != NULL; i++) {
            if (error_code_numbers[i].number == n) {
                return PyUnicode_FromString(error_code_numbers[i].name);
            }
        }
        return PyUnicode_FromString(MLC_INTERNAL_ERROR);
    }
    return PyObject_Str(code);
}

/* MlflowException.__init__(message, error_code=INTERNAL_ERROR, **kwargs) */
static int
MlflowException_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"message", "error_code", NULL};
    PyObject *message = NULL, *code = NULL;
    PyObject *msg_str = NULL, *code_str = NULL, *json_kwargs = NULL, *base_args = NULL;
    PyObject *named = NULL;
    int result = -1;

    /* Split kwargs: the two named ones, the rest go to json_kwargs. */
    json_kwargs = PyDict_New();
    if (json_kwargs == NULL) {
        goto done;
    }
    named = PyDict_New();
    if (named == NULL) {
        goto done;
    }
    if (kwargs != NULL) {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kwargs, &pos, &k, &v)) {
            int is_named = PyUnicode_Check(k) &&
                           (PyUnicode_CompareWithASCIIString(k, "message") == 0 ||
                            PyUnicode_CompareWithASCIIString(k, "error_code") == 0);
            if (PyDict_SetItem(is_named ? named : json_kwargs, k, v) < 0) {
                goto done;
            }
        }
    }
    if (!PyArg_ParseTupleAndKeywords(args, named, "O|O:MlflowException", kwlist, &message,
                                     &code)) {
        goto done;
    }
    msg_str = PyUnicode_Check(message) ? Py_NewRef(message) : PyObject_Str(message);
    if (msg_str == NULL) {
        goto done;
    }
    code_str = normalise_error_code(code);
    if (code_str == NULL) {
        goto done;
    }
    base_args = PyTuple_Pack(1, msg_str);
    if (base_args == NULL) {
        goto done;
    }
    if (((PyTypeObject *)PyExc_BaseException)->tp_init(self, base_args, NULL) < 0) {
        goto done;
    }
    if (PyObject_SetAttrString(self, "message", msg_str) < 0 ||
        PyObject_SetAttrString(self, "error_code", code_str) < 0 ||
        PyObject_SetAttrString(self, "json_kwargs", json_kwargs) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(msg_str);
    Py_XDECREF(code_str);
    Py_XDECREF(json_kwargs);
    Py_XDECREF(base_args);
    Py_XDECREF(named);
    return result;
}

/* MlflowException.__str__: the message alone (OSError and friends would format errno). */
static PyObject *
MlflowException_str(PyObject *self)
{
    PyObject *msg = PyObject_GetAttrString(self, "message");
    if (msg == NULL) {
        PyErr_Clear();
        return ((PyTypeObject *)PyExc_BaseException)->tp_str(self);
    }
    Py_SETREF(msg, PyObject_Str(msg));
    return msg;
}

/* Returns a new reference: the HTTP status for self.error_code. */
static PyObject *
MlflowException_get_http_status_code(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *code = PyObject_GetAttrString(self, "error_code");
    if (code == NULL) {
        return NULL;
    }
    int status = 500;
    for (int i = 0; http_status[i].name != NULL; i++) {
        if (PyUnicode_Check(code) &&
            PyUnicode_CompareWithASCIIString(code, http_status[i].name) == 0) {
            status = http_status[i].status;
            break;
        }
    }
    Py_DECREF(code);
    return PyLong_FromLong(status);
}

/* Returns a new reference: json.dumps({"error_code": ..., "message": ..., **json_kwargs}). */
static PyObject *
MlflowException_serialize_as_json(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *d = NULL, *v = NULL, *json = NULL, *result = NULL;
    d = PyDict_New();
    if (d == NULL) {
        goto done;
    }
    static const char *keys[] = {"error_code", "message"};
    for (int i = 0; i < 2; i++) {
        v = PyObject_GetAttrString(self, keys[i]);
        if (v == NULL || PyDict_SetItemString(d, keys[i], v) < 0) {
            goto done;
        }
        Py_CLEAR(v);
    }
    v = PyObject_GetAttrString(self, "json_kwargs");
    if (v == NULL || (PyDict_Check(v) && PyDict_Update(d, v) < 0)) {
        goto done;
    }
    json = PyImport_ImportModule("json");
    if (json == NULL) {
        goto done;
    }
    result = PyObject_CallMethod(json, "dumps", "O", d);
done:
    Py_XDECREF(d);
    Py_XDECREF(v);
    Py_XDECREF(json);
    return result;
}

/* classmethod: MlflowException.invalid_parameter_value(message, **kwargs) */
static PyObject *
MlflowException_invalid_parameter_value(PyObject *cls, PyObject *args, PyObject *kwargs)
{
    PyObject *message = NULL, *result = NULL, *kw = NULL;
    if (!PyArg_ParseTuple(args, "O:invalid_parameter_value", &message)) {
        return NULL;
    }
    kw = kwargs == NULL ? PyDict_New() : PyDict_Copy(kwargs);
    if (kw == NULL) {
        return NULL;
    }
    PyObject *code = PyUnicode_FromString(MLC_INVALID_PARAMETER_VALUE);
    if (code == NULL || PyDict_SetItemString(kw, "error_code", code) < 0) {
        Py_XDECREF(code);
        goto done;
    }
    Py_DECREF(code);
    PyObject *pos = PyTuple_Pack(1, message);
    if (pos == NULL) {
        goto done;
    }
    result = PyObject_Call(cls, pos, kw);
    Py_DECREF(pos);
done:
    Py_XDECREF(kw);
    return result;
}

static PyMethodDef MlflowException_methods[] = {
    {"get_http_status_code", MlflowException_get_http_status_code, METH_NOARGS,
     "Return the HTTP status that matches error_code."},
    {"serialize_as_json", MlflowException_serialize_as_json, METH_NOARGS,
     "Return the error as a JSON object string."},
    {"invalid_parameter_value", (PyCFunction)(void (*)(void))MlflowException_invalid_parameter_value,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "Build an exception with error code INVALID_PARAMETER_VALUE."},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(MlflowException__doc__,
             "MlflowException(message, error_code='INTERNAL_ERROR', **kwargs)\n--\n\n"
             "The exception mlflow_c raises. Like mlflow.exceptions.MlflowException it carries\n"
             "message, error_code (a string) and json_kwargs (the extra keyword arguments).");

static PyType_Slot MlflowException_slots[] = {
    {Py_tp_init, MlflowException_init},
    {Py_tp_str, MlflowException_str},
    {Py_tp_methods, MlflowException_methods},
    {Py_tp_doc, (void *)MlflowException__doc__},
    {0, NULL},
};

static PyType_Spec MlflowException_spec = {
    .name = "mlflow_c.exceptions.MlflowException",
    .basicsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = MlflowException_slots,
};

/* The subclasses carry only a docstring; they exist so callers can catch the builtin too. */
#define MLC_SUBCLASS_SPEC(cname, pyname, doc)                                               \
    static PyType_Slot cname##_slots[] = {{Py_tp_doc, (void *)doc}, {0, NULL}};             \
    static PyType_Spec cname##_spec = {                                                      \
        .name = "mlflow_c.exceptions." pyname,                                               \
        .basicsize = 0,                                                                      \
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,                                   \
        .slots = cname##_slots,                                                              \
    };

MLC_SUBCLASS_SPEC(ValueErr, "MlflowValueError", "An MlflowException that is also a ValueError.")
MLC_SUBCLASS_SPEC(TypeErr, "MlflowTypeError", "An MlflowException that is also a TypeError.")
MLC_SUBCLASS_SPEC(AttrErr, "MlflowAttributeError",
                  "An MlflowException that is also an AttributeError.")
MLC_SUBCLASS_SPEC(NotFoundErr, "MlflowFileNotFoundError",
                  "An MlflowException that is also a FileNotFoundError (an OSError).")
MLC_SUBCLASS_SPEC(OSErr, "MlflowOSError", "An MlflowException that is also an OSError.")
MLC_SUBCLASS_SPEC(YamlErr, "YamlError",
                  "Malformed YAML text: an MlflowValueError with the location in its message.")

/* Returns a new reference to a heap type made from spec with bases (first, second). */
static PyObject *
make_type(PyObject *m, PyType_Spec *spec, PyObject *first, PyObject *second)
{
    PyObject *bases = second == NULL ? PyTuple_Pack(1, first) : PyTuple_Pack(2, first, second);
    if (bases == NULL) {
        return NULL;
    }
    PyObject *tp = PyType_FromModuleAndSpec(m, spec, bases);
    Py_DECREF(bases);
    if (tp != NULL && PyModule_AddType(m, (PyTypeObject *)tp) < 0) {
        Py_CLEAR(tp);
    }
    return tp;
}

int
mlc_errors_init(PyObject *m, mlc_state *st)
{
    st->MlflowException = make_type(m, &MlflowException_spec, PyExc_Exception, NULL);
    if (st->MlflowException == NULL) {
        return -1;
    }
    PyObject *base = st->MlflowException;
    if ((st->MlflowValueError = make_type(m, &ValueErr_spec, base, PyExc_ValueError)) == NULL ||
        (st->MlflowTypeError = make_type(m, &TypeErr_spec, base, PyExc_TypeError)) == NULL ||
        (st->MlflowAttributeError = make_type(m, &AttrErr_spec, base, PyExc_AttributeError)) ==
            NULL ||
        (st->MlflowFileNotFoundError =
             make_type(m, &NotFoundErr_spec, base, PyExc_FileNotFoundError)) == NULL ||
        (st->MlflowOSError = make_type(m, &OSErr_spec, base, PyExc_OSError)) == NULL ||
        (st->YamlError = make_type(m, &YamlErr_spec, st->MlflowValueError, NULL)) == NULL) {
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- raising */

/* Returns a new reference to exc_type(msg, error_code=code). */
static PyObject *
build_exception(PyObject *exc_type, const char *code, PyObject *msg)
{
    PyObject *args = NULL, *kw = NULL, *result = NULL;
    args = PyTuple_Pack(1, msg);
    if (args == NULL) {
        goto done;
    }
    kw = Py_BuildValue("{ss}", "error_code", code);
    if (kw == NULL) {
        goto done;
    }
    result = PyObject_Call(exc_type, args, kw);
done:
    Py_XDECREF(args);
    Py_XDECREF(kw);
    return result;
}

PyObject *
mlc_raise(PyObject *exc_type, const char *code, const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    PyObject *msg = PyUnicode_FromFormatV(fmt, va);
    va_end(va);
    if (msg == NULL) {
        return NULL;
    }
    PyObject *exc = build_exception(exc_type, code, msg);
    Py_DECREF(msg);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *
mlc_raise_from(PyObject *exc_type, const char *code, const char *fmt, ...)
{
    PyObject *cause = PyErr_GetRaisedException();
    PyObject *msg = NULL, *cause_text = NULL, *full = NULL, *exc = NULL;
    va_list va;
    va_start(va, fmt);
    msg = PyUnicode_FromFormatV(fmt, va);
    va_end(va);
    if (msg == NULL) {
        goto done;
    }
    if (cause != NULL) {
        cause_text = PyObject_Str(cause);
        if (cause_text == NULL) {
            PyErr_Clear();
            cause_text = PyUnicode_FromString("");
            if (cause_text == NULL) {
                goto done;
            }
        }
        if (PyUnicode_GET_LENGTH(cause_text) > 0) {
            full = PyUnicode_FromFormat("%U: %s: %U", msg, Py_TYPE(cause)->tp_name, cause_text);
        }
        else {
            full = PyUnicode_FromFormat("%U: %s", msg, Py_TYPE(cause)->tp_name);
        }
    }
    else {
        full = Py_NewRef(msg);
    }
    if (full == NULL) {
        goto done;
    }
    exc = build_exception(exc_type, code, full);
    if (exc == NULL) {
        goto done;
    }
    if (cause != NULL) {
        PyException_SetCause(exc, Py_NewRef(cause)); /* steals */
        PyException_SetContext(exc, Py_NewRef(cause)); /* steals */
    }
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
done:
    Py_XDECREF(cause);
    Py_XDECREF(msg);
    Py_XDECREF(cause_text);
    Py_XDECREF(full);
    Py_XDECREF(exc);
    return NULL;
}

PyObject *
mlc_raise_errno(mlc_state *st, int err, const char *what, const char *path)
{
    PyObject *type = (err == ENOENT || err == ENOTDIR) ? st->MlflowFileNotFoundError
                                                       : st->MlflowOSError;
    const char *code = (err == ENOENT || err == ENOTDIR) ? MLC_RESOURCE_DOES_NOT_EXIST
                                                         : MLC_INTERNAL_ERROR;
    return mlc_raise(type, code, "%s '%s': %s", what, path, strerror(err));
}

PyObject *
mlc_logger(mlc_state *st)
{
    if (st->logger == NULL) {
        PyObject *logging = PyImport_ImportModule("logging");
        if (logging == NULL) {
            return NULL;
        }
        st->logger = PyObject_CallMethod(logging, "getLogger", "s", "mlflow_c");
        Py_DECREF(logging);
    }
    return st->logger;
}

int
mlc_log_warning(mlc_state *st, const char *fmt, ...)
{
    if (mlc_logger(st) == NULL) {
        return -1;
    }
    va_list va;
    va_start(va, fmt);
    PyObject *msg = PyUnicode_FromFormatV(fmt, va);
    va_end(va);
    if (msg == NULL) {
        return -1;
    }
    PyObject *r = PyObject_CallMethod(st->logger, "warning", "O", msg);
    Py_DECREF(msg);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}
