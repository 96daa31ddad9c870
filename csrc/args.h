/* args.h: fastcall argument parsing (positional + keyword) into a borrowed-pointer array.
 * No knowledge of any particular function lives here. */
#ifndef MLFLOW_C_CSRC_ARGS_H_
#define MLFLOW_C_CSRC_ARGS_H_

#include "common.h"

/* Parses vectorcall arguments against `names` (a NULL-terminated list of parameter names).
 * The first `npositional` names may be given positionally; the first `nrequired` are required.
 * out[i] receives a borrowed reference or NULL when not given. When extra_kwargs is not NULL,
 * unknown keywords are collected into a new dict stored there (new reference, or NULL when
 * there are none); otherwise they raise TypeError. Returns 0, or -1 with TypeError naming
 * fname and the offending argument. */
MLC_INTERNAL int mlc_args_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs,
                                PyObject *kwnames, const char *const *names,
                                Py_ssize_t npositional, Py_ssize_t nrequired, PyObject **out,
                                PyObject **extra_kwargs);

/* Returns a new reference: os.fspath(p) as a str (bytes paths decoded with the file-system
 * encoding), or NULL with TypeError for a non-path. */
MLC_INTERNAL PyObject *mlc_args_path(PyObject *p);

/* Returns 1 when o is NULL or None. */
MLC_INLINE int
mlc_is_none(PyObject *o)
{
    return o == NULL || o == Py_None;
}

#endif /* MLFLOW_C_CSRC_ARGS_H_ */
