/* tracking.h: the Python boundary of tracking. store.c (store handles per tracking URI, error
 * mapping, local artifact repository), tracking.c (fluent API, MlflowClient, validation) and
 * logmodel.c (log_model, model URIs, registry) share what is declared here. */
#ifndef MLFLOW_C_CSRC_TRACKING_H_
#define MLFLOW_C_CSRC_TRACKING_H_

#include <pthread.h>

#include "mlc.h"
#include "state.h"
#include "store.h"
#include "autolog.h"

/* ---- store.c: store handles */
typedef struct mlc_handle {
    mlc_store *store;
    pthread_mutex_t mu;   /* recursive; held (without the GIL) around every store operation,
                             and by the writer from mlc_store_batch begin to end */
    char *key;            /* cache key: "<kind>\n<abs location>\n<artifact root>" */
    char *uri;            /* the tracking URI as resolved ("sqlite:////abs/x.db", "file:///...") */
    int is_sql;
    pid_t pid;            /* process that opened it (handles are not used across fork) */
} mlc_handle;

/* Runs `expr` (a store operation) with the GIL released and the handle's mutex held. */
#define MLC_STORE_CALL(h, rc, expr)                                                         \
    do {                                                                                    \
        Py_BEGIN_ALLOW_THREADS pthread_mutex_lock(&(h)->mu);                                \
        (rc) = (expr);                                                                      \
        pthread_mutex_unlock(&(h)->mu);                                                     \
        Py_END_ALLOW_THREADS                                                                \
    } while (0)

/* Returns a new reference: the tracking URI in force (set_tracking_uri, MLFLOW_TRACKING_URI,
 * then the default rule), as get_tracking_uri() reports it. */
MLC_INTERNAL PyObject *mlc_tracking_uri(mlc_state *st);
/* Returns the handle for uri (NULL or None = the current tracking URI), opening and caching it
 * on first use. Borrowed (handles live as long as the process). NULL with an exception. */
MLC_INTERNAL mlc_handle *mlc_store_for(mlc_state *st, PyObject *uri);
/* The same without first waiting for queued autolog writes (autolog.c's own lookups). */
MLC_INTERNAL mlc_handle *mlc_store_open(mlc_state *st, PyObject *uri);
/* Raises the MlflowException that err describes. Returns -1. */
MLC_INTERNAL int mlc_store_raise(mlc_state *st, const mlc_err *err);
/* Opens (begin=1) or commits (begin=0) a batch on h: the operations in between share one
 * transaction (see mlc_store_ops.batch). A no-op for stores without batches. 0, or -1 with an
 * exception. */
MLC_INTERNAL int mlc_store_batch(mlc_state *st, mlc_handle *h, int begin);

/* ---- store.c: conversions */
/* Fills l from a dict (or None) with str(key) -> str(value) (values None kept as NULL when
 * keep_none, else "None"). The strings point into `keep` (a new list the caller releases after
 * the store call), so they stay valid with the GIL released. 0 or -1. */
MLC_INTERNAL int mlc_kvlist_from_dict(PyObject *d, mlc_kvlist *l, PyObject *keep);
/* Returns a new dict from a kvlist (NULL values -> None). */
MLC_INTERNAL PyObject *mlc_dict_from_kvlist(const mlc_kvlist *l);
/* UTF-8 of a str kept alive by `keep` (appends it). NULL with an exception. */
MLC_INTERNAL const char *mlc_keep_utf8(PyObject *keep, PyObject *s);
/* Same for str(o). */
MLC_INTERNAL const char *mlc_keep_str(PyObject *keep, PyObject *o);

/* Entities as MLflow's store of h reports them: LoggedModel (file store: metrics [] when
 * empty), RegisteredModel (latest_versions filled). New references or NULL. */
MLC_INTERNAL PyObject *mlc_store_logged_model(mlc_state *st, mlc_handle *h,
                                              const mlc_logged_model *lm);
MLC_INTERNAL PyObject *mlc_store_registered_model(mlc_state *st, mlc_handle *h,
                                                  const mlc_registered_model *rm);

MLC_INTERNAL PyObject *mlc_store_model_version(mlc_state *st, mlc_handle *h,
                                               const mlc_model_version *mv);

/* ---- store.c: local artifact repository (artifact URIs that are local paths or file: URIs) */
/* Returns a malloc'ed local directory for an artifact URI (plus an optional relative path), or
 * NULL with MlflowException (unsupported scheme, bad path). */
MLC_INTERNAL char *mlc_artifact_local_dir(mlc_state *st, const char *artifact_uri,
                                          const char *rel);
/* Copies local_path (file or directory contents when is_dir_contents) under
 * <artifact_uri>/<artifact_path>. 0 or -1. */
MLC_INTERNAL int mlc_artifact_log(mlc_state *st, const char *artifact_uri, PyObject *local_path,
                                  PyObject *artifact_path, int dir_contents);
/* Writes bytes to <artifact_uri>/<artifact_file> atomically. 0 or -1. */
MLC_INTERNAL int mlc_artifact_write(mlc_state *st, const char *artifact_uri,
                                    const char *artifact_file, const char *data, size_t len);
/* Returns a new list of FileInfo for <artifact_uri>/<path> (sorted by path), or NULL. */
MLC_INTERNAL PyObject *mlc_artifact_list(mlc_state *st, const char *artifact_uri,
                                         const char *path);
/* Copies <artifact_uri>/<path> (file or dir) into dst_dir (NULL = a new temp dir) and returns a
 * new str: the local path of the copy. missing_ok: return None instead of raising when the
 * path does not exist. */
MLC_INTERNAL PyObject *mlc_artifact_download(mlc_state *st, const char *artifact_uri,
                                             const char *path, PyObject *dst_dir,
                                             int missing_ok);

/* ---- tracking.c */
/* Context tags of a new run or logged model (mlflow.user, mlflow.source.name,
 * mlflow.source.type) merged under the user's tags dict `tags` (borrowed, may be NULL).
 * Returns a new dict. */
MLC_INTERNAL PyObject *mlc_context_tags(mlc_state *st, PyObject *tags);
/* Returns a new str: a random run-style name ("<adjective>-<animal>-<n>", at most 20 chars). */
MLC_INTERNAL PyObject *mlc_random_name(void);
/* Returns a new reference to the calling thread's active run id (str) or None. */
MLC_INTERNAL PyObject *mlc_active_run_id(mlc_state *st);
/* Returns a new str: the experiment id in force (set_experiment, env, "0"). */
MLC_INTERNAL PyObject *mlc_active_experiment_id(mlc_state *st, mlc_handle *h);
/* The MlflowClient type and the fluent functions (module.c's method table). */
MLC_INTERNAL int mlc_tracking_init(PyObject *m, mlc_state *st);
/* Validates a tag/param/metric key like MLflow (kind "param" / "metric" / "tag"). 0 or -1. */
MLC_INTERNAL int mlc_validate_key(mlc_state *st, const char *kind, PyObject *key,
                                  const char *path);

/* ---- tracking.c: what autolog.c writes through (all raise MlflowException on failure) */
/* Creates a run (not made active) with run_id (NULL = fresh), the context tags merged under
 * `tags` (a dict). Returns a new Run. */
MLC_INTERNAL PyObject *mlc_tracking_create_run(mlc_state *st, mlc_handle *h,
                                               PyObject *experiment_id, const char *run_id,
                                               int64_t start_time, PyObject *tags);
MLC_INTERNAL int mlc_tracking_update_run(mlc_state *st, mlc_handle *h, PyObject *run_id,
                                         const char *status, int64_t end_time);
/* log_metrics(metrics, model_id=...) + log_params(params) to run_id (either may be NULL). */
MLC_INTERNAL int mlc_tracking_log(mlc_state *st, mlc_handle *h, PyObject *run_id,
                                  PyObject *metrics, PyObject *model_id, PyObject *params);
/* Returns a new Run. */
MLC_INTERNAL PyObject *mlc_tracking_get_run(mlc_state *st, mlc_handle *h, PyObject *run_id);
MLC_INTERNAL int mlc_tracking_log_text(mlc_state *st, mlc_handle *h, PyObject *run_id,
                                       PyObject *text, PyObject *artifact_file);
/* log_text into a known artifact URI (no lookup of the run). 0, or -1 with an exception. */
MLC_INTERNAL int mlc_tracking_write_text(mlc_state *st, PyObject *artifact_uri, PyObject *text,
                                         PyObject *artifact_file);
/* This thread's tracking slots ("last_run", "last_model"): get (new reference, None when
 * unset) and set. */
MLC_INTERNAL PyObject *mlc_tl_get(mlc_state *st, const char *name);
MLC_INTERNAL int mlc_tl_set(mlc_state *st, const char *name, PyObject *v);

/* ---- logmodel.c */
/* Resolves runs:/ and models:/ URIs to a new str: a local directory holding the model (the
 * logged model's or run's artifact directory, used in place). Other URIs are returned as they
 * are (new reference). NULL with an exception. */
MLC_INTERNAL PyObject *mlc_resolve_model_uri(mlc_state *st, PyObject *model_uri);
MLC_INTERNAL PyObject *mlc_log_model(MLC_FASTCALL_ARGS);
/* log_model's body: a[] holds the LOG_MODEL_NARGS arguments in log_model's order (NULL or
 * None = default), extra the save_model keywords it passes on (may be NULL). Logs through h
 * into run_id (None: no run). Returns a new ModelInfo. */
#define LOG_MODEL_NARGS 18
#define LOG_MODEL_ARG_MODEL 0
#define LOG_MODEL_ARG_REGISTERED 4
#define LOG_MODEL_ARG_NAME 12
MLC_INTERNAL PyObject *mlc_log_model_impl(PyObject *m, mlc_handle *h, PyObject *run_id,
                                          PyObject **a, PyObject *extra);
MLC_INTERNAL PyObject *mlc_register_model(MLC_FASTCALL_ARGS);
MLC_INTERNAL PyObject *mlc_last_logged_model(PyObject *m, PyObject *unused);
/* Registers models:/<id> (or another source) as a new version of `name`, creating the
 * registered model when needed (prints MLflow's messages). Returns a new ModelVersion. */
MLC_INTERNAL PyObject *mlc_register(mlc_state *st, mlc_handle *h, const char *source,
                                    const char *name, PyObject *tags, const char *run_id,
                                    const char *model_id, const char *storage_location);

#endif /* MLFLOW_C_CSRC_TRACKING_H_ */
