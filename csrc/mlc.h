/* mlc.h: the cross-file API of the model-format engine: the Model / ModelInfo / PyFuncModel
 * types (model.c, pyfunc.c), save (save.c), load (load.c) and environment files (env.c).
 * module.c registers what is declared here. */
#ifndef MLFLOW_C_CSRC_MLC_H_
#define MLFLOW_C_CSRC_MLC_H_

#include "state.h"

#define MLC_FASTCALL_ARGS PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames

/* ---- model.c: Model and ModelInfo heap types */
MLC_INTERNAL int mlc_model_types_init(PyObject *m, mlc_state *st);
/* Returns a new reference: a fresh Model() with MLflow's defaults. */
MLC_INTERNAL PyObject *mlc_model_new(mlc_state *st);
/* Returns a new reference: the Model read from `mlmodel_path` (an MLmodel file). Raises
 * MlflowFileNotFoundError / YamlError / MlflowValueError naming the path. */
MLC_INTERNAL PyObject *mlc_model_load_file(mlc_state *st, const char *mlmodel_path);
/* Returns a new reference: the parsed MLmodel dict at path. Raises MlflowFileNotFoundError
 * ("No such file or directory: '<path>'"), YamlError, or MlflowValueError when the document is
 * not a mapping; every message names the path. */
MLC_INTERNAL PyObject *mlc_model_read_dict(mlc_state *st, const char *path);
/* Returns a new reference: model.to_dict() as MLflow builds it. */
MLC_INTERNAL PyObject *mlc_model_to_dict(mlc_state *st, PyObject *model);
/* Sets model.<name> = value (value borrowed). 0 or -1. */
MLC_INTERNAL int mlc_model_set(PyObject *model, const char *name, PyObject *value);
/* Returns a new reference to model.<name>, or None when unset. */
MLC_INTERNAL PyObject *mlc_model_get(PyObject *model, const char *name);
/* Writes a new "YYYY-MM-DD HH:MM:SS.ffffff" UTC time (str(datetime.utcnow())) into buf. */
MLC_INTERNAL void mlc_utc_now(char *buf, size_t n);
/* Writes 32 hex chars of a random UUID4 plus NUL into buf (33 bytes). 0 or -1/errno. */
MLC_INTERNAL int mlc_uuid4_hex(char *buf);

/* ---- env.c: requirements, conda.yaml, python_env.yaml */
/* Writes conda.yaml, requirements.txt, constraints.txt (when needed) and python_env.yaml into
 * dir, following MLflow's rules for the three user arguments (any may be NULL/None).
 * `data_path` is the pickled model (read to infer the default requirements). 0 or -1. */
MLC_INTERNAL int mlc_env_write(mlc_state *st, const char *dir, const char *data_path,
                               PyObject *conda_env, PyObject *pip_requirements,
                               PyObject *extra_pip_requirements);
/* Returns a new reference to a str: the installed version of distribution `name`, or None. */
MLC_INTERNAL PyObject *mlc_env_version(mlc_state *st, const char *name);
MLC_INTERNAL PyObject *mlc_get_default_pip_requirements(PyObject *m, PyObject *unused);
MLC_INTERNAL PyObject *mlc_get_default_conda_env(PyObject *m, PyObject *unused);

/* ---- save.c */
/* Writes the str text to dir/name atomically (UTF-8). Raises naming the path. 0 or -1. */
MLC_INTERNAL int mlc_write_text(mlc_state *st, const char *dir, const char *name,
                                PyObject *text);
MLC_INTERNAL PyObject *mlc_save_model(MLC_FASTCALL_ARGS);

/* ---- load.c and pyfunc.c */
MLC_INTERNAL int mlc_pyfunc_types_init(PyObject *m, mlc_state *st);
/* Resolves a local path or file: URI to an absolute local directory path. Returns a new
 * reference to a str, or NULL with MlflowFileNotFoundError when it does not exist. */
MLC_INTERNAL PyObject *mlc_resolve_model_dir(mlc_state *st, PyObject *model_uri);
/* Returns a new reference: the unpickled object in `data_path`, honouring
 * MLFLOW_ALLOW_PICKLE_DESERIALIZATION. */
MLC_INTERNAL PyObject *mlc_load_pickle_file(mlc_state *st, const char *data_path);
MLC_INTERNAL PyObject *mlc_load_model(MLC_FASTCALL_ARGS);
/* Returns a new reference: what the pyfunc wrapper of `results` predicts for data. */
MLC_INTERNAL PyObject *mlc_statsmodels_predict(mlc_state *st, PyObject *results,
                                               PyObject *data);
MLC_INTERNAL PyObject *mlc_pyfunc_load_model(MLC_FASTCALL_ARGS);

/* module.c's method-table entries for this area. */
#define MLC_MODEL_METHODS                                                                   \
    {"save_model", (PyCFunction)(void (*)(void))mlc_save_model,                             \
     METH_FASTCALL | METH_KEYWORDS,                                                          \
     "save_model(statsmodels_model, path, conda_env=None, code_paths=None, "               \
     "mlflow_model=None, remove_data=False, signature=None, input_example=None, "          \
     "pip_requirements=None, extra_pip_requirements=None, metadata=None, "                 \
     "extra_files=None)\n--\n\nSave a statsmodels results object as an MLflow Model."},    \
    {"load_model", (PyCFunction)(void (*)(void))mlc_load_model,                             \
     METH_FASTCALL | METH_KEYWORDS,                                                          \
     "load_model(model_uri, dst_path=None)\n--\n\n"                                        \
     "Load the statsmodels results object of an MLflow Model."},                           \
    {"pyfunc_load_model", (PyCFunction)(void (*)(void))mlc_pyfunc_load_model,               \
     METH_FASTCALL | METH_KEYWORDS,                                                          \
     "pyfunc_load_model(model_uri, suppress_warnings=False, dst_path=None, "               \
     "model_config=None)\n--\n\nLoad an MLflow Model as a PyFuncModel."},                  \
    {"get_default_pip_requirements", mlc_get_default_pip_requirements, METH_NOARGS,         \
     "get_default_pip_requirements()\n--\n\nThe flavor's default pip requirements."},     \
    {"get_default_conda_env", mlc_get_default_conda_env, METH_NOARGS,                       \
     "get_default_conda_env()\n--\n\nThe flavor's default conda environment."},

/* Creates every type of this area. */
MLC_INLINE int
mlc_model_init(PyObject *m, mlc_state *st)
{
    return (mlc_model_types_init(m, st) < 0 || mlc_pyfunc_types_init(m, st) < 0) ? -1 : 0;
}

#endif /* MLFLOW_C_CSRC_MLC_H_ */
