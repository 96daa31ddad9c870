/* enforce.h: schema enforcement -- MLflow's _enforce_schema in C: container normalisation,
 * column presence and order, per-column type rules with NumPy casts, tensor shapes and dtypes,
 * 3.x composite types. Raises MlflowException with MLflow 3.x's inner messages. */
#ifndef MLFLOW_C_CSRC_ENFORCE_H_
#define MLFLOW_C_CSRC_ENFORCE_H_

#include "state.h"

/* Returns a new reference: `data` made to conform to `schema` (an mlflow_c Schema), as
 * mlflow.models.utils._enforce_schema returns it; column data that already conforms is shared,
 * not copied. With may_alias, a DataFrame that needs no change at all is returned itself.
 * plan_slot keeps the plan derived from the schema between calls (a loaded model passes
 * its own; NULL uses the module's). Raises MlflowException on a mismatch. */
MLC_INTERNAL PyObject *mlc_enforce_schema(mlc_state *st, PyObject *data, PyObject *schema,
                                          int may_alias, PyObject **plan_slot);

/* Returns a new reference: params checked against a ParamSchema (or None) the way MLflow 3.x's
 * _enforce_params_schema does it: defaults filled, unknown keys dropped with a warning, values
 * validated through ParamSpec.validate_param_spec. */
MLC_INTERNAL PyObject *mlc_enforce_params(mlc_state *st, PyObject *params, PyObject *schema);

/* Converts, in place, the columns of a DataFrame parsed from an input-example JSON to the
 * column signature `schema` the way MLflow reads examples back (dtypes, ns datetimes, base64
 * binary, composite cells); tensor schemas leave it as it is. 0 or -1 (MlflowException naming
 * the column). */
MLC_INTERNAL int mlc_cast_parsed_frame(mlc_state *st, PyObject *df, PyObject *schema);

/* _core._enforce_schema(data, schema) and _core.validate_schema(data, expected_schema). */
MLC_INTERNAL PyObject *mlc_enforce_schema_py(PyObject *m, PyObject *const *args,
                                             Py_ssize_t nargs, PyObject *kwnames);
MLC_INTERNAL PyObject *mlc_enforce_params_py(PyObject *m, PyObject *const *args,
                                             Py_ssize_t nargs, PyObject *kwnames);
MLC_INTERNAL PyObject *mlc_validate_schema_py(PyObject *m, PyObject *const *args,
                                              Py_ssize_t nargs, PyObject *kwnames);

#endif /* MLFLOW_C_CSRC_ENFORCE_H_ */
