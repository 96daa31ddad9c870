/* errors.h: the MlflowException family and the helpers that raise it.
 * Owns exception creation (exec) and message formatting; no file or YAML logic here. */
#ifndef MLFLOW_C_CSRC_ERRORS_H_
#define MLFLOW_C_CSRC_ERRORS_H_

#include "state.h"

/* MLflow error codes (the strings MlflowException.error_code carries). */
#define MLC_INTERNAL_ERROR "INTERNAL_ERROR"
#define MLC_INVALID_PARAMETER_VALUE "INVALID_PARAMETER_VALUE"
#define MLC_RESOURCE_DOES_NOT_EXIST "RESOURCE_DOES_NOT_EXIST"
#define MLC_RESOURCE_ALREADY_EXISTS "RESOURCE_ALREADY_EXISTS"
#define MLC_BAD_REQUEST "BAD_REQUEST"

/* Creates the exception types in st and adds them to module m. Returns 0 or -1. */
MLC_INTERNAL int mlc_errors_init(PyObject *m, mlc_state *st);

/* Raises exc_type(message, error_code=code) with a printf-style message (PyUnicode_FromFormat
 * codes). Always returns NULL so callers can `return mlc_raise(...)`. */
MLC_INTERNAL PyObject *mlc_raise(PyObject *exc_type, const char *code, const char *fmt, ...);

/* Like mlc_raise, but chains the currently set exception as __cause__ and appends
 * ": <str(cause)>" to the message. Returns NULL. */
MLC_INTERNAL PyObject *mlc_raise_from(PyObject *exc_type, const char *code, const char *fmt, ...);

/* Raises from errno (after a failed C library call on path): FileNotFoundError-flavoured
 * MlflowException for ENOENT/ENOTDIR, MlflowOSError otherwise; message
 * "<what> '<path>': <strerror>". Returns NULL. */
MLC_INTERNAL PyObject *mlc_raise_errno(mlc_state *st, int err, const char *what, const char *path);

/* Logs a warning on the "mlflow_c" logger (MLflow reports these through logging too).
 * Returns 0, or -1 with an exception. */
MLC_INTERNAL int mlc_log_warning(mlc_state *st, const char *fmt, ...);
/* Returns a borrowed reference to logging.getLogger("mlflow_c") (made on first use). */
MLC_INTERNAL PyObject *mlc_logger(mlc_state *st);

#endif /* MLFLOW_C_CSRC_ERRORS_H_ */
