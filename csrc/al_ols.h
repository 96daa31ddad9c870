/* al_ols.h: the native OLS summary (al_ols.c): the allow-listed metrics and the text of
 * results.summary().as_text() for a statsmodels OLS result, without statsmodels' Python code. */
#ifndef MLFLOW_C_CSRC_AL_OLS_H_
#define MLFLOW_C_CSRC_AL_OLS_H_

#include "state.h"

/* Metrics and summary text of an eligible OLS result, computed natively.
 * Returns 1 and sets *metrics (new dict: str -> float) and *text (new str) when `results`
 * is eligible; 0 when it is not (nothing set, no exception); -1 with an exception set.
 * `results` (borrowed) is what statsmodels.api.OLS(...).fit() returns, or its `_results`;
 * it is only read, never mutated. */
MLC_INTERNAL int mlc_ols_fast(mlc_state *st, PyObject *results, PyObject **metrics,
                              PyObject **text);

/* _ols_fast(results) -> (metrics, text) or None: the test hook over mlc_ols_fast. */
MLC_INTERNAL PyObject *mlc_ols_fast_py(PyObject *m, PyObject *results);

#define MLC_OLS_METHODS                                                                     \
    {"_ols_fast", (PyCFunction)mlc_ols_fast_py, METH_O,                                     \
     "_ols_fast(results)\n--\n\n"                                                           \
     "(metrics, summary text) of an OLS result computed natively, or None when the result " \
     "is not one the native path reproduces exactly (internal)."},

#endif /* MLFLOW_C_CSRC_AL_OLS_H_ */
