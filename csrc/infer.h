/* infer.h: signature inference -- MLflow 3.17's infer_signature, _infer_schema and
 * _infer_param_schema in C (contract §3.6). Builds schema.c's objects; enforces nothing and
 * serialises nothing. module.c registers MLC_INFER_METHODS. */
#ifndef MLFLOW_C_CSRC_INFER_H_
#define MLFLOW_C_CSRC_INFER_H_

#include "state.h"

/* Returns a new reference: the Schema MLflow's _infer_schema(data) builds (column-based for
 * DataFrames, Series, dicts, lists and scalars; tensor-based for ndarrays, dicts of ndarrays
 * and scipy csr/csc matrices). Emits MLflow's integer-column UserWarning. Raises
 * MlflowException (or the TypeError/AttributeError MLflow lets through) with MLflow's text. */
MLC_INTERNAL PyObject *mlc_infer_schema(mlc_state *st, PyObject *data);

/* Returns a new reference: the ParamSchema MLflow's _infer_param_schema(params) builds.
 * Raises MlflowException(INVALID_PARAMETER_VALUE) listing every parameter that failed. */
MLC_INTERNAL PyObject *mlc_infer_param_schema(mlc_state *st, PyObject *params);

/* Returns a new reference: infer_signature(model_input, model_output, params) as MLflow 3.17
 * computes it. Any argument may be NULL or None. A failed input or output inference logs a
 * warning and falls back to Schema([ColSpec(AnyType())]); only the Pydantic error escapes. */
MLC_INTERNAL PyObject *mlc_infer_signature(mlc_state *st, PyObject *model_input,
                                           PyObject *model_output, PyObject *params);

/* _core.infer_signature(model_input=None, model_output=None, params=None) and
 * _core._infer_schema(data). */
MLC_INTERNAL PyObject *mlc_infer_signature_py(PyObject *m, PyObject *const *args,
                                              Py_ssize_t nargs, PyObject *kwnames);
MLC_INTERNAL PyObject *mlc_infer_schema_py(PyObject *m, PyObject *const *args,
                                           Py_ssize_t nargs, PyObject *kwnames);

/* module.c's method-table entries for this area. */
#define MLC_INFER_METHODS                                                                   \
    {"infer_signature", (PyCFunction)(void (*)(void))mlc_infer_signature_py,                \
     METH_FASTCALL | METH_KEYWORDS,                                                          \
     "infer_signature(model_input=None, model_output=None, params=None)\n--\n\n"           \
     "Infer a ModelSignature from example inputs, outputs and params, like MLflow."},      \
    {"_infer_schema", (PyCFunction)(void (*)(void))mlc_infer_schema_py,                     \
     METH_FASTCALL | METH_KEYWORDS,                                                          \
     "_infer_schema(data)\n--\n\nInfer a Schema from data, like mlflow.types.utils."},

#endif /* MLFLOW_C_CSRC_INFER_H_ */
