/* autolog.h: what the rest of mlflow_c needs from autolog.c (statsmodels autologging). */
#ifndef MLFLOW_C_CSRC_AUTOLOG_H_
#define MLFLOW_C_CSRC_AUTOLOG_H_

#include "state.h"

/* Waits until every autolog write queued so far is in its store. Returns at once on the writer
 * thread and when nothing is queued (one atomic load). 0, or -1 with an exception. */
MLC_INTERNAL int mlc_autolog_flush(mlc_state *st);
/* Borrowed (valid during the fit): the id of the run that an autologged fit running on this
 * thread created, or NULL. */
MLC_INTERNAL PyObject *mlc_autolog_pending_run(void);
/* 1 while autolog's log_model runs on this thread (save_model's large-model warning). */
MLC_INTERNAL int mlc_autolog_saving(void);
/* Creates the FitWrapper type and the autolog state (exec). 0 or -1. */
MLC_INTERNAL int mlc_autolog_init(PyObject *m, mlc_state *st);

MLC_INTERNAL PyObject *mlc_autolog_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
                                      PyObject *kwnames);
MLC_INTERNAL PyObject *mlc_autolog_flush_py(PyObject *m, PyObject *unused);
MLC_INTERNAL PyObject *mlc_autolog_writer_py(PyObject *m, PyObject *unused);

#define MLC_AUTOLOG_METHODS                                                                  \
    {"autolog", (PyCFunction)(void (*)(void))mlc_autolog_py, METH_FASTCALL | METH_KEYWORDS,  \
     "autolog(log_models=True, log_datasets=False, disable=False, exclusive=False, "        \
     "disable_for_unsupported_versions=False, silent=False, registered_model_name=None, "   \
     "extra_tags=None)\n--\n\n"                                                             \
     "Enable (or disable) and configure autologging of statsmodels fits: each outermost "  \
     "fit logs its arguments as params, the allow-listed metrics, model_summary.txt (plain " \
     "text) and, with log_models, the model. log_datasets is accepted and does nothing."},  \
    {"flush_async_logging", (PyCFunction)mlc_autolog_flush_py, METH_NOARGS,                 \
     "flush_async_logging()\n--\n\n"                                                        \
     "Wait until everything autologging has queued is written to its store."},              \
    {"_autolog_writer", (PyCFunction)mlc_autolog_writer_py, METH_NOARGS,                     \
     "_autolog_writer()\n--\n\nThe body of the autolog writer thread (internal)."},

#endif /* MLFLOW_C_CSRC_AUTOLOG_H_ */
