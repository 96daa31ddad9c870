/* common.h: macros, visibility, the NumPy include shim and Python-version polyfills.
 * The only file that includes numpy/arrayobject.h. Everything here is header-only;
 * no PyObject state lives in this file. */
#ifndef MLFLOW_C_CSRC_COMMON_H_
#define MLFLOW_C_CSRC_COMMON_H_

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#define NPY_TARGET_VERSION NPY_1_23_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL MLFLOW_C_ARRAY_API
#ifndef MLC_MODULE_C
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#if defined(__GNUC__)
#define MLC_LIKELY(x) __builtin_expect(!!(x), 1)
#define MLC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MLC_INTERNAL __attribute__((visibility("hidden")))
#else
#define MLC_LIKELY(x) (x)
#define MLC_UNLIKELY(x) (x)
#define MLC_INTERNAL
#endif
#define MLC_INLINE static inline

/* The MLflow release whose formats mlflow_c writes (MLmodel mlflow_version and the
 * mlflow pin in requirements.txt). Kept equal to the newest MLflow the tests run against. */
#define MLC_MLFLOW_VERSION "3.17.2"

/* Python 3.11 is the oldest supported version (PyType_GetModuleByDef). */
#if PY_VERSION_HEX < 0x030B0000
#error "mlflow_c needs Python 3.11 or newer"
#endif

#if PY_VERSION_HEX < 0x030D0000
/* Returns 1 and a new reference in *result when key is present, 0 and NULL when absent,
 * -1 with an exception on error. */
MLC_INLINE int
PyDict_GetItemRef(PyObject *p, PyObject *key, PyObject **result)
{
    PyObject *item = PyDict_GetItemWithError(p, key);
    if (item != NULL) {
        *result = Py_NewRef(item);
        return 1;
    }
    *result = NULL;
    return PyErr_Occurred() ? -1 : 0;
}
/* Same as PyDict_GetItemRef with a C-string key. */
MLC_INLINE int
PyDict_GetItemStringRef(PyObject *p, const char *key, PyObject **result)
{
    PyObject *k = PyUnicode_FromString(key);
    if (k == NULL) {
        *result = NULL;
        return -1;
    }
    int rc = PyDict_GetItemRef(p, k, result);
    Py_DECREF(k);
    return rc;
}
#endif

#if PY_VERSION_HEX < 0x030D0000
/* 1 and a new reference in *result when the attribute exists, 0 and NULL when it does not
 * (AttributeError cleared), -1 on other errors. */
MLC_INLINE int
PyObject_GetOptionalAttr(PyObject *o, PyObject *name, PyObject **result)
{
    *result = PyObject_GetAttr(o, name);
    if (*result != NULL) {
        return 1;
    }
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}
/* Same with a C-string name. */
MLC_INLINE int
PyObject_GetOptionalAttrString(PyObject *o, const char *name, PyObject **result)
{
    *result = PyObject_GetAttrString(o, name);
    if (*result != NULL) {
        return 1;
    }
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}
#endif

#ifndef Py_T_PYSSIZET
#define Py_T_PYSSIZET T_PYSSIZET
#define Py_T_OBJECT_EX T_OBJECT_EX
#define Py_READONLY READONLY
#endif

#if PY_VERSION_HEX < 0x030C0000
/* Returns a new reference to the raised exception (normalised) and clears it, or NULL. */
MLC_INLINE PyObject *
PyErr_GetRaisedException(void)
{
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (t == NULL) {
        return NULL;
    }
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(v, tb);
    }
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return v;
}
/* Steals exc and sets it as the raised exception. */
MLC_INLINE void
PyErr_SetRaisedException(PyObject *exc)
{
    if (exc == NULL) {
        PyErr_Clear();
        return;
    }
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc, PyException_GetTraceback(exc));
}
#endif

#endif /* MLFLOW_C_CSRC_COMMON_H_ */
