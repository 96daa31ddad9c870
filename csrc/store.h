/* store.h: the backend-neutral tracking-store interface, in C types only (no PyObject).
 * store_sql.c (SQLite, MLflow's schema) and store_fs.c (mlruns directories) implement the
 * operations table below; store_util.c owns the record types' memory helpers; search.c filters
 * and orders records; store.c (the Python boundary) turns records into entities and status
 * codes into MlflowException.
 *
 * Conventions for every operation:
 * - Returns 0 on success, or -1 with *err filled (err->code, err->msg; err->sys = errno or
 *   the SQLite result code). err->msg is the complete user-facing message, worded as MLflow
 *   words it (see the notes on each operation).
 * - Input strings are borrowed, UTF-8, NUL-terminated; NULL means "not given" / SQL NULL.
 * - Output records are zero-initialised by the caller and filled with malloc'ed strings that the
 *   record owns; the caller frees them with the matching mlc_*_clear / mlc_*_array_free even
 *   after a failure (a partly filled record is valid to clear).
 * - Times are epoch milliseconds. MLC_NO_TIME (-1) stands for NULL/None.
 * - A store handle is used by one thread at a time (store.c holds a mutex around each call and
 *   releases the GIL while an operation runs); operations never touch Python.
 * - Several processes may use the same store at once: SQLite through BEGIN IMMEDIATE
 *   transactions and a busy timeout, the file store through atomic renames and O_APPEND
 *   single-write appends. */
#ifndef MLFLOW_C_CSRC_STORE_H_
#define MLFLOW_C_CSRC_STORE_H_

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define MLC_NO_TIME ((int64_t)-1)

/* ---- status codes (mapped to MLflow error codes by store.c) */
typedef enum {
    MLC_ST_OK = 0,
    MLC_ST_NOT_FOUND,  /* RESOURCE_DOES_NOT_EXIST */
    MLC_ST_EXISTS,     /* RESOURCE_ALREADY_EXISTS */
    MLC_ST_INVALID,    /* INVALID_PARAMETER_VALUE (bad argument, changed param, deleted run) */
    MLC_ST_BAD_STATE,  /* INVALID_STATE */
    MLC_ST_IO,         /* file-system failure; sys = errno; msg names the path */
    MLC_ST_DB,         /* SQLite failure; sys = result code; msg has sqlite3_errmsg + what */
    MLC_ST_SCHEMA,     /* database not usable: not a database, missing core tables, ... */
    MLC_ST_NOMEM,
} mlc_status;

typedef struct {
    mlc_status code;
    int sys;
    char msg[2048];
} mlc_err;

/* Fills err (printf-style message) and returns -1. */
MLC_INTERNAL int mlc_err_set(mlc_err *err, mlc_status code, int sys, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- records */
typedef struct {
    char *key;
    char *value;
} mlc_kv;

typedef struct {
    mlc_kv *items;
    size_t n, cap;
} mlc_kvlist;

typedef struct {
    char *key;
    double value;          /* NaN and +-inf as logged (the SQL store sanitises on write and
                              gives back NaN for is_nan rows, +-DBL_MAX for infinities) */
    int64_t timestamp;
    int64_t step;
    char *model_id;        /* NULL unless the metric belongs to a logged model */
    char *run_id;          /* model metrics: the run that logged it; else NULL */
    char *dataset_name;    /* NULL unless given */
    char *dataset_digest;  /* NULL unless given */
} mlc_metric;

typedef struct {
    mlc_metric *items;
    size_t n, cap;
} mlc_metriclist;

typedef struct {
    char *experiment_id;   /* decimal string */
    char *name;
    char *artifact_location;
    char *lifecycle_stage; /* "active" | "deleted" */
    int64_t creation_time;
    int64_t last_update_time;
    mlc_kvlist tags;
} mlc_experiment;

/* A model linked to a run: an output (log_model) or an input. */
typedef struct {
    char *model_id;
    int64_t step;
} mlc_model_io;

typedef struct {
    char *run_id;
    char *run_name;
    char *experiment_id;
    char *user_id;
    char *status;          /* "RUNNING" "SCHEDULED" "FINISHED" "FAILED" "KILLED" */
    char *artifact_uri;
    char *lifecycle_stage;
    int64_t start_time;    /* MLC_NO_TIME when unknown */
    int64_t end_time;      /* MLC_NO_TIME while running */
    int64_t deleted_time;  /* MLC_NO_TIME unless deleted */
    mlc_kvlist params;
    mlc_kvlist tags;
    mlc_metriclist metrics; /* latest value per key (MLflow's latest_metrics rule) */
    mlc_model_io *model_outputs;
    size_t n_model_outputs;
    mlc_model_io *model_inputs;
    size_t n_model_inputs;
} mlc_run;

/* LoggedModelStatus integers. */
enum {
    MLC_LM_UNSPECIFIED = 0,
    MLC_LM_PENDING = 1,
    MLC_LM_READY = 2,
    MLC_LM_FAILED = 3,
};

typedef struct {
    char *model_id;        /* "m-" + 32 hex */
    char *experiment_id;
    char *name;
    char *artifact_location;
    char *model_type;      /* NULL unless given */
    char *source_run_id;   /* NULL when logged outside a run */
    char *status_message;  /* NULL */
    char *lifecycle_stage;
    int64_t creation_timestamp;
    int64_t last_updated_timestamp;
    int status;            /* MLC_LM_* */
    mlc_kvlist params;
    mlc_kvlist tags;
    mlc_metriclist metrics; /* every model metric row/line (not only the latest) */
} mlc_logged_model;

typedef struct {
    char *name;
    char *description;     /* NULL when unset */
    int64_t creation_timestamp;
    int64_t last_updated_timestamp;
    mlc_kvlist tags;
    mlc_kvlist aliases;    /* alias -> version as a decimal string */
} mlc_registered_model;

typedef struct {
    char *name;
    int64_t version;
    int64_t creation_timestamp;
    int64_t last_updated_timestamp;
    char *description;     /* NULL */
    char *user_id;         /* NULL */
    char *current_stage;   /* "None" */
    char *source;          /* "models:/m-..." */
    char *run_id;          /* NULL when none */
    char *status;          /* "READY" */
    char *status_message;  /* NULL */
    char *run_link;        /* NULL */
    char *storage_location;
    char *model_id;        /* NULL when none */
    mlc_kvlist tags;
    mlc_kvlist aliases;    /* alias -> version (only aliases of this version) */
} mlc_model_version;

/* View types for listing (MLflow's ViewType). */
enum { MLC_VIEW_ACTIVE = 1, MLC_VIEW_DELETED = 2, MLC_VIEW_ALL = 3 };

/* ---- store_util.c: memory helpers (all pure C). Each returns 0 or -1 (ENOMEM). */
/* strdup that accepts NULL (returns NULL without error) ; *ok set to 0 on ENOMEM. */
MLC_INTERNAL char *mlc_sdup(const char *s, int *ok);
MLC_INTERNAL int mlc_kvlist_add(mlc_kvlist *l, const char *key, const char *value);
/* Replaces the value of key when present, else appends. */
MLC_INTERNAL int mlc_kvlist_set(mlc_kvlist *l, const char *key, const char *value);
/* Borrowed value of key, or NULL when absent (a NULL value is also returned as NULL). */
MLC_INTERNAL const char *mlc_kvlist_get(const mlc_kvlist *l, const char *key);
MLC_INTERNAL int mlc_kvlist_has(const mlc_kvlist *l, const char *key);
MLC_INTERNAL void mlc_kvlist_clear(mlc_kvlist *l);
/* Appends a deep copy of m. */
MLC_INTERNAL int mlc_metriclist_add(mlc_metriclist *l, const mlc_metric *m);
MLC_INTERNAL void mlc_metric_clear(mlc_metric *m);
MLC_INTERNAL void mlc_metriclist_clear(mlc_metriclist *l);
MLC_INTERNAL void mlc_experiment_clear(mlc_experiment *e);
MLC_INTERNAL void mlc_run_clear(mlc_run *r);
MLC_INTERNAL void mlc_logged_model_clear(mlc_logged_model *lm);
MLC_INTERNAL void mlc_registered_model_clear(mlc_registered_model *rm);
MLC_INTERNAL void mlc_model_version_clear(mlc_model_version *mv);
/* Appends (model_id, step) to an io array. */
MLC_INTERNAL int mlc_model_io_add(mlc_model_io **arr, size_t *n, const char *model_id,
                                  int64_t step);
/* Free arrays of records returned by list operations (clears each element, then frees). */
MLC_INTERNAL void mlc_experiment_array_free(mlc_experiment *a, size_t n);
MLC_INTERNAL void mlc_run_array_free(mlc_run *a, size_t n);
MLC_INTERNAL void mlc_logged_model_array_free(mlc_logged_model *a, size_t n);
MLC_INTERNAL void mlc_registered_model_array_free(mlc_registered_model *a, size_t n);
MLC_INTERNAL void mlc_model_version_array_free(mlc_model_version *a, size_t n);
/* Current time in epoch milliseconds. */
MLC_INTERNAL int64_t mlc_now_ms(void);
/* 32 lowercase hex chars of a random UUID4 plus NUL (33 bytes). 0 or -1/errno. (model.c) */
MLC_INTERNAL int mlc_uuid4_hex(char *buf);
/* The metric value as Python's str(float) writes it ("1.5", "2.0", "1e-05", "nan", "inf",
 * "-inf"): shortest round-trip repr. buf must hold 32 bytes. */
MLC_INTERNAL void mlc_format_double(double v, char *buf, size_t n);
/* 1 when a's (step, timestamp, value) is strictly greater than b's (NaN compares as 0). */
MLC_INTERNAL int mlc_metric_greater(const mlc_metric *a, const mlc_metric *b);
/* posixpath.normpath(path) as a malloc'ed string, or NULL on ENOMEM. */
MLC_INTERNAL char *mlc_normpath(const char *path);
/* Updates *latest with m when (m.step, m.timestamp, m.value) is strictly greater (NaN
 * compares as 0, as MLflow does); copies m into an empty slot. 0 or -1. */
MLC_INTERNAL int mlc_metric_update_latest(mlc_metriclist *latest, const mlc_metric *m);

/* ---- the operations table */
typedef struct mlc_store mlc_store;

typedef struct mlc_store_ops {
    const char *kind; /* "sqlite" or "file" */
    void (*close)(mlc_store *s);
    /* begin=1 opens a write transaction that the operations called until begin=0 nest in
     * (each still all-or-nothing); begin=0 commits it. NULL: the store has no such thing. */
    int (*batch)(mlc_store *s, int begin, mlc_err *err);

    /* -- experiments */
    /* Creates an experiment; artifact_location NULL means <root>/<id>. Writes the new id to
     * *out_id (malloc'ed). Duplicate name: MLC_ST_EXISTS,
     *   sql: "Experiment(name=<name>) already exists. Error: <db error>"
     *   fs:  "Experiment '<name>' already exists." */
    int (*create_experiment)(mlc_store *s, const char *name, const char *artifact_location,
                             const mlc_kvlist *tags, char **out_id, mlc_err *err);
    /* Unknown id: MLC_ST_NOT_FOUND,
     *   sql: "No Experiment with id=<id> exists"   fs: "Could not find experiment with ID <id>" */
    int (*get_experiment)(mlc_store *s, const char *experiment_id, mlc_experiment *out,
                          mlc_err *err);
    /* *found = 0 when no experiment (any lifecycle stage) has that name (not an error). */
    int (*get_experiment_by_name)(mlc_store *s, const char *name, mlc_experiment *out,
                                  int *found, mlc_err *err);
    /* All experiments of the view, ordered by experiment id ascending (numeric). */
    int (*list_experiments)(mlc_store *s, int view, mlc_experiment **out, size_t *n,
                            mlc_err *err);
    int (*delete_experiment)(mlc_store *s, const char *experiment_id, mlc_err *err);
    int (*set_experiment_tag)(mlc_store *s, const char *experiment_id, const char *key,
                              const char *value, mlc_err *err);

    /* -- runs */
    /* Creates a RUNNING run with id run_id (32 lowercase hex characters; NULL = a fresh uuid4
     * hex id) in an active experiment, with
     * run_name (never NULL: the caller generates one), the given tags (the caller includes
     * mlflow.runName, mlflow.user, ...), user_id and start_time. Fills *out as get_run would.
     * Unknown experiment: as get_experiment. Deleted experiment: MLC_ST_INVALID
     *   "Could not create run under non-active experiment with ID <id>." */
    int (*create_run)(mlc_store *s, const char *run_id, const char *experiment_id,
                      const char *user_id,
                      int64_t start_time, const char *run_name, const mlc_kvlist *tags,
                      mlc_run *out, mlc_err *err);
    /* Unknown run: MLC_ST_NOT_FOUND "Run with id=<id> not found" (sql) / "Run '<id>' not
     * found" (fs). Deleted runs are returned (lifecycle_stage "deleted"). */
    int (*get_run)(mlc_store *s, const char *run_id, mlc_run *out, mlc_err *err);
    /* Sets any of status (NULL = keep), end_time (MLC_NO_TIME = keep), run_name (NULL =
     * keep; also upserts the mlflow.runName tag). */
    int (*update_run)(mlc_store *s, const char *run_id, const char *status, int64_t end_time,
                      const char *run_name, mlc_err *err);
    int (*delete_run)(mlc_store *s, const char *run_id, mlc_err *err);
    int (*restore_run)(mlc_store *s, const char *run_id, mlc_err *err);
    /* One transaction (all or nothing): params (new rows; same value again is a no-op; a
     * different value: MLC_ST_INVALID "Changing param values is not allowed. Param with
     * key='<k>' was already logged with value='<old>' for run ID='<id>'. Attempted logging new
     * value '<new>'."), then metrics (+ latest metrics; metrics with model_id also go to the
     * logged model), then tags (upsert; mlflow.runName also renames the run).
     * Writes to a run that is not active: MLC_ST_INVALID "The run <id> must be in the 'active'
     * state. Current state is deleted." The caller has validated names, lengths and limits. */
    int (*log_batch)(mlc_store *s, const char *run_id, const mlc_metric *metrics, size_t nm,
                     const mlc_kv *params, size_t np, const mlc_kv *tags, size_t nt,
                     mlc_err *err);
    /* Missing tag: MLC_ST_NOT_FOUND "No tag with name: <key> in run with id <id>" */
    int (*delete_tag)(mlc_store *s, const char *run_id, const char *key, mlc_err *err);
    /* Every logged value of key for the run, in logging order (sql: by timestamp, step, then
     * insertion). Unknown run: as get_run. Unknown key: empty list. */
    int (*get_metric_history)(mlc_store *s, const char *run_id, const char *key,
                              mlc_metriclist *out, mlc_err *err);
    /* Every run of the given experiments (any order) with full data, filtered by view. */
    int (*list_runs)(mlc_store *s, const char *const *experiment_ids, size_t n_ids, int view,
                     mlc_run **out, size_t *n, mlc_err *err);
    /* Records model_id as an output of run_id at step (no-op when already recorded). */
    int (*log_model_output)(mlc_store *s, const char *run_id, const char *model_id,
                            int64_t step, mlc_err *err);

    /* -- logged models */
    /* Creates a PENDING logged model "m-<uuid hex>" in the experiment with
     * artifact_location <experiment artifact_location>/models/<id>/artifacts and the given
     * params and tags; fills *out. */
    int (*create_logged_model)(mlc_store *s, const char *experiment_id, const char *name,
                               const char *source_run_id, const char *model_type,
                               const mlc_kvlist *params, const mlc_kvlist *tags,
                               mlc_logged_model *out, mlc_err *err);
    /* Unknown: MLC_ST_NOT_FOUND "Logged model with ID '<id>' not found." */
    int (*get_logged_model)(mlc_store *s, const char *model_id, mlc_logged_model *out,
                            mlc_err *err);
    /* Sets status (MLC_LM_READY / MLC_LM_FAILED) and last_updated_timestamp = now. */
    int (*finalize_logged_model)(mlc_store *s, const char *model_id, int status,
                                 mlc_err *err);
    int (*set_logged_model_tags)(mlc_store *s, const char *model_id, const mlc_kv *tags,
                                 size_t nt, mlc_err *err);
    int (*delete_logged_model_tag)(mlc_store *s, const char *model_id, const char *key,
                                   mlc_err *err);
    /* Every active logged model of the given experiments (any order), with full data. */
    int (*list_logged_models)(mlc_store *s, const char *const *experiment_ids, size_t n_ids,
                              mlc_logged_model **out, size_t *n, mlc_err *err);

    /* -- model registry */
    /* Existing name: MLC_ST_EXISTS "Registered Model (name=<name>) already exists." */
    int (*create_registered_model)(mlc_store *s, const char *name, const mlc_kvlist *tags,
                                   const char *description, mlc_registered_model *out,
                                   mlc_err *err);
    /* Unknown: MLC_ST_NOT_FOUND "Registered Model with name=<name> not found" */
    int (*get_registered_model)(mlc_store *s, const char *name, mlc_registered_model *out,
                                mlc_err *err);
    int (*list_registered_models)(mlc_store *s, mlc_registered_model **out, size_t *n,
                                  mlc_err *err);
    /* Creates version max+1 (READY, stage "None") and bumps the registered model's
     * last_updated time. Unknown registered model: as get_registered_model. */
    int (*create_model_version)(mlc_store *s, const char *name, const char *source,
                                const char *run_id, const char *model_id,
                                const char *storage_location, const mlc_kvlist *tags,
                                const char *description, mlc_model_version *out,
                                mlc_err *err);
    /* Unknown: MLC_ST_NOT_FOUND "Model Version (name=<name>, version=<v>) not found" */
    int (*get_model_version)(mlc_store *s, const char *name, int64_t version,
                             mlc_model_version *out, mlc_err *err);
    /* Every version of the registered model, ascending. */
    int (*list_model_versions)(mlc_store *s, const char *name, mlc_model_version **out,
                               size_t *n, mlc_err *err);
    /* Points alias at version (which must exist). */
    int (*set_registered_model_alias)(mlc_store *s, const char *name, const char *alias,
                                      int64_t version, mlc_err *err);
    /* Unknown alias: MLC_ST_NOT_FOUND "Registered model alias <alias> not found." */
    int (*get_model_version_by_alias)(mlc_store *s, const char *name, const char *alias,
                                      mlc_model_version *out, mlc_err *err);
} mlc_store_ops;

/* Every backend handle starts with this header. */
struct mlc_store {
    const mlc_store_ops *ops;
};

/* ---- store_sql.c */
/* Opens (creating when missing or empty) the SQLite database at db_path. A new database gets
 * MLflow's schema at MLC_SQL_REVISION, the "default" workspace row, experiment 0 "Default"
 * with artifact_location <artifact_root>/0, and WAL mode. An existing one is used as it is
 * (its revision is never changed): core tables are checked by introspection. artifact_root
 * is an absolute path (no scheme) or a URI; experiments created later get <root>/<id>.
 * Returns NULL with err filled (MLC_ST_SCHEMA for "file is not a database" or missing core
 * tables, naming the path). */
MLC_INTERNAL mlc_store *mlc_sql_open(const char *db_path, const char *artifact_root,
                                     mlc_err *err);

/* ---- store_fs.c */
/* Opens the mlruns directory root (absolute path), creating it with .trash and the default
 * experiment 0 when it does not exist. Returns NULL with err filled. */
MLC_INTERNAL mlc_store *mlc_fs_open(const char *root, mlc_err *err);

/* ---- search.c: MLflow's search filter language over records */
/* Selects and orders runs: filter (NULL or "" = all) in MLflow's search syntax over
 * metrics./params./tags./attributes. (run_id, run_name, status, start_time, end_time,
 * user_id, artifact_uri, lifecycle_stage) and the dataset-free subset of the grammar;
 * order_by clauses like "metrics.rmse DESC", "attributes.start_time"; default order is
 * start_time DESC then run_id. Writes malloc'ed indexes into runs to *out_idx (at most
 * max_results when max_results >= 0). Bad filter: MLC_ST_INVALID with MLflow's message. */
MLC_INTERNAL int mlc_search_runs(const mlc_run *runs, size_t n, const char *filter,
                                 const char *const *order_by, size_t n_order,
                                 int64_t max_results, size_t **out_idx, size_t *n_out,
                                 mlc_err *err);
/* The same for logged models: attributes name, model_id, model_type, status, source_run_id,
 * creation_timestamp/creation_time, last_updated_timestamp; params./tags./metrics.; default
 * order creation_timestamp DESC then model_id. */
MLC_INTERNAL int mlc_search_logged_models(const mlc_logged_model *models, size_t n,
                                          const char *filter, const char *const *order_by,
                                          size_t n_order, int64_t max_results,
                                          size_t **out_idx, size_t *n_out, mlc_err *err);

#endif /* MLFLOW_C_CSRC_STORE_H_ */
