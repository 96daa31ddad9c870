/* entities.h: the Python entity types of tracking (Experiment, Run, RunInfo, RunData, Metric,
 * Param, RunTag, RunInputs, RunOutputs, LoggedModelOutput, LoggedModelInput, LoggedModel,
 * LoggedModelStatus, RegisteredModel, ModelVersion, FileInfo, PagedList, ActiveRun) and the
 * conversions from store.h records. entities.c owns these types; no store or SQL logic here. */
#ifndef MLFLOW_C_CSRC_ENTITIES_H_
#define MLFLOW_C_CSRC_ENTITIES_H_

#include "state.h"
#include "store.h"

/* Creates every entity type into st and adds them to module m. 0 or -1. */
MLC_INTERNAL int mlc_entities_init(PyObject *m, mlc_state *st);

/* Each returns a new reference, or NULL with an exception set. */
MLC_INTERNAL PyObject *mlc_entity_experiment(mlc_state *st, const mlc_experiment *e);
MLC_INTERNAL PyObject *mlc_entity_run(mlc_state *st, const mlc_run *r);
/* The same as mlc_entity_run but an ActiveRun (a Run subclass that is a context manager). */
MLC_INTERNAL PyObject *mlc_entity_active_run(mlc_state *st, const mlc_run *r);
MLC_INTERNAL PyObject *mlc_entity_metric(mlc_state *st, const mlc_metric *m);
MLC_INTERNAL PyObject *mlc_entity_logged_model(mlc_state *st, const mlc_logged_model *lm);
MLC_INTERNAL PyObject *mlc_entity_registered_model(mlc_state *st,
                                                   const mlc_registered_model *rm);
MLC_INTERNAL PyObject *mlc_entity_model_version(mlc_state *st, const mlc_model_version *mv);
/* Sets a ModelVersion's params and metrics (MLflow's file store fills them from the logged
 * model). Both borrowed. 0 or -1. */
MLC_INTERNAL int mlc_entity_model_version_set_model(PyObject *mv, PyObject *params,
                                                    PyObject *metrics);
/* Replaces field `field` of an entity with v (borrowed), setter or not. 0 or -1. */
MLC_INTERNAL int mlc_entity_put(PyObject *e, const char *field, PyObject *v);
/* FileInfo(path, is_dir, file_size); file_size < 0 means None. */
MLC_INTERNAL PyObject *mlc_entity_file_info(mlc_state *st, const char *path, int is_dir,
                                            long long file_size);
/* PagedList(items, token): items is a list (borrowed; copied), token a str or None
 * (borrowed). */
MLC_INTERNAL PyObject *mlc_entity_paged_list(mlc_state *st, PyObject *items, PyObject *token);

/* Borrowed run_id str of a Run / ActiveRun object (its info.run_id), or NULL with TypeError. */
MLC_INTERNAL PyObject *mlc_entity_run_id(mlc_state *st, PyObject *run);

/* ---- implemented in tracking.c, called by ActiveRun.__exit__ */
/* Ends the run `run_id` of the calling thread's stack with status "FINISHED" or "FAILED" when
 * it is still on the stack (MLflow 3: only then). 0 or -1. */
MLC_INTERNAL int mlc_tracking_exit_run(mlc_state *st, PyObject *run_id, int failed);

#endif /* MLFLOW_C_CSRC_ENTITIES_H_ */
