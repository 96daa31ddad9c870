/* args.c: fastcall argument parsing shared by every Python-visible function.
 * Pure argument plumbing: no module state, no MLflow semantics. */
#include "args.h"

#include <string.h>

int
mlc_args_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
               const char *const *names, Py_ssize_t npositional, Py_ssize_t nrequired,
               PyObject **out, PyObject **extra_kwargs)
{
    Py_ssize_t nnames = 0;
    while (names[nnames] != NULL) {
        out[nnames] = NULL;
        nnames++;
    }
    if (extra_kwargs != NULL) {
        *extra_kwargs = NULL;
    }
    if (nargs > npositional) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd positional arguments (%zd given)",
                     fname, npositional, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        out[i] = args[i];
    }
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        const char *ks = PyUnicode_AsUTF8(key);
        if (ks == NULL) {
            goto error;
        }
        Py_ssize_t j = 0;
        for (; j < nnames; j++) {
            if (strcmp(ks, names[j]) == 0) {
                break;
            }
        }
        if (j == nnames) {
            if (extra_kwargs == NULL) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%s'",
                             fname, ks);
                goto error;
            }
            if (*extra_kwargs == NULL && (*extra_kwargs = PyDict_New()) == NULL) {
                goto error;
            }
            if (PyDict_SetItem(*extra_kwargs, key, args[nargs + k]) < 0) {
                goto error;
            }
            continue;
        }
        if (out[j] != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname,
                         ks);
            goto error;
        }
        out[j] = args[nargs + k];
    }
    for (Py_ssize_t i = 0; i < nrequired; i++) {
        if (out[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname,
                         names[i]);
            goto error;
        }
    }
    return 0;
error:
    if (extra_kwargs != NULL) {
        Py_CLEAR(*extra_kwargs);
    }
    return -1;
}

PyObject *
mlc_args_path(PyObject *p)
{
    PyObject *fs = PyOS_FSPath(p);
    if (fs != NULL && PyBytes_Check(fs)) {
        Py_SETREF(fs, PyUnicode_DecodeFSDefaultAndSize(PyBytes_AS_STRING(fs),
                                                      PyBytes_GET_SIZE(fs)));
    }
    return fs;
}
