/* autolog.c: mlflow_c.statsmodels.autolog. Owns the FitWrapper heap type put in place of `fit`
 * on statsmodels model classes, the class-tree walk that installs and removes it (plus the
 * Model.__init_subclass__ hook for classes made later), the per-thread outermost-call flag, and
 * the autolog writer: a background thread that turns each finished fit into a run. No SQL, no
 * file formats here: everything is written through tracking.c and logmodel.c. */
#define _GNU_SOURCE
#include "autolog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <structmember.h>

#include "al_ols.h"
#include "args.h"
#include "errors.h"
#include "mlc.h"
#include "tracking.h"

#if PY_VERSION_HEX >= 0x030D0000
#define al_finalizing() Py_IsFinalizing()
#else
#define al_finalizing() _Py_IsFinalizing()
#endif

/* MLflow 3.17.2's tested statsmodels range for autologging (ml-package-versions). */
#define AL_MIN_VERSION "0.14.5"
#define AL_MAX_VERSION "0.15.0"
/* MLflow's limit on a param value. */
#define AL_MAX_PARAM_LEN 6000

/* ------------------------------------------------------------------ per-thread state
 * depth > 0: this thread is inside an outermost autologged fit (or is the writer), so every
 * patched fit it calls just runs. It is the one flag all wrappers share, kept per thread so two
 * threads fitting at once each log their own run (MLflow keeps it process-wide). */
static _Thread_local int tl_depth;
static _Thread_local int tl_writer;   /* this thread is the writer: never waits for itself */
static _Thread_local int tl_saving;   /* autolog's log_model is running on this thread */
typedef struct al_fit al_fit;
/* the outermost fit running on this thread, when it creates its run (borrowed: the call owns
 * it) */
static _Thread_local al_fit *tl_pending_fit;
static _Thread_local PyObject *tl_pending_module;
static int al_submit(PyObject *m, mlc_state *st, al_fit *f, int phase);
static void al_unexpected(mlc_state *st, int silent);

int
mlc_autolog_saving(void)
{
    return tl_saving;
}

/* ------------------------------------------------------------------ fit records */

/* What one outermost fit hands to the writer. Two queue entries (START before the original fit
 * runs, FINISH after) share it; freed with the GIL held when the last reference goes. */
struct al_fit {
    int refs;
    int start_submitted;       /* START was handed to the writer (or run) */
    mlc_handle *h;             /* the store (looked up by START) */
    PyObject *run_id;          /* str: the run this fit logs to */
    PyObject *exp_id;          /* str: experiment of a run autolog creates */
    PyObject *tags;            /* dict: tags of a run autolog creates */
    PyObject *params;          /* dict str -> str */
    PyObject *results;         /* the fit's result, or its pickle (snapshot) */
    PyObject *model;           /* the fitted model, when results is the live result */
    PyObject *registered_name; /* or NULL */
    PyObject *model_box;       /* [model id]: the caller's last_logged_model (log_models) */
    PyObject *artifact_uri;    /* str: the artifact URI of a run autolog created, or NULL */
    int created;               /* autolog creates (and ends) the run */
    int snapshot;              /* results holds the pickled bytes of the result */
    int failed;                /* the original fit raised */
    int broken;                /* logging failed at START: FINISH only ends the run */
    int log_models, silent;
    int64_t start_time, end_time;
};

static void
al_fit_release(al_fit *f)
{
    if (f == NULL || --f->refs > 0) {
        return;
    }
    Py_XDECREF(f->run_id);
    Py_XDECREF(f->exp_id);
    Py_XDECREF(f->tags);
    Py_XDECREF(f->params);
    Py_XDECREF(f->results);
    Py_XDECREF(f->model);
    Py_XDECREF(f->registered_name);
    Py_XDECREF(f->model_box);
    Py_XDECREF(f->artifact_uri);
    free(f);
}

enum { AL_START, AL_FINISH };

typedef struct al_node {
    struct al_node *next;
    al_fit *fit;
    int phase;
    uint64_t seq;           /* its place in the queue's history (1, 2, ...) */
} al_node;

/* The writer's queue. Process-wide like the store handles (one writer thread per process);
 * nodes are pushed with the GIL held and popped by the writer with the GIL released. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t work;    /* signalled when a node is pushed */
    pthread_cond_t idle;    /* broadcast when done_seq moves while a flush waits */
    pthread_cond_t room;    /* broadcast when a step is done while a submitter waits */
    al_node *head, *tail;
    al_fit *current;        /* the fit the writer is processing, or NULL */
    atomic_int pending;     /* pushed and not yet completely processed */
    uint64_t pushed_seq;    /* seq of the last node pushed */
    uint64_t done_seq;      /* every node up to this seq is written and committed */
    int flush_waiters;      /* threads in mlc_autolog_flush */
    uint64_t flush_seq;     /* the highest seq a waiting flush needs committed: the writer
                               ends its batch once it has written that step */
    int room_waiters;       /* threads in al_submit waiting for the queue to shrink */
    int started;            /* the writer thread was started in this process */
    pid_t pid;              /* process the queue belongs to */
} al_q = {.mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
          .idle = PTHREAD_COND_INITIALIZER, .room = PTHREAD_COND_INITIALIZER};

/* At most this many steps (two per fit) wait for the writer: a thread fitting faster than the
 * writer can log waits for room instead of growing the queue (and the results it keeps
 * alive) without bound. */
#define AL_QUEUE_MAX 256

static void
al_after_fork_child(void)
{
    /* the writer does not exist in the child; what was queued is the parent's to write */
    pthread_mutex_init(&al_q.mu, NULL);
    pthread_cond_init(&al_q.work, NULL);
    pthread_cond_init(&al_q.idle, NULL);
    pthread_cond_init(&al_q.room, NULL);
    al_q.room_waiters = 0;
    al_q.head = al_q.tail = NULL;
    al_q.current = NULL;
    atomic_store(&al_q.pending, 0);
    al_q.done_seq = al_q.pushed_seq;
    al_q.flush_waiters = 0;
    al_q.started = 0;
    al_q.pid = getpid();
}

/* ------------------------------------------------------------------ messages */

/* Logs msg (stolen) at `level` on the "mlflow_c" logger unless silent. Never fails: an
 * exception pending on entry is kept, one raised by logging is dropped. */
static void
al_log(mlc_state *st, int silent, const char *level, PyObject *msg)
{
    if (msg == NULL) {
        PyErr_Clear();
        return;
    }
    if (!silent) {
        PyObject *exc = PyErr_GetRaisedException();
        PyObject *logger = mlc_logger(st);
        PyObject *r = logger ? PyObject_CallMethod(logger, level, "O", msg) : NULL;
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
        PyErr_SetRaisedException(exc);
    }
    Py_DECREF(msg);
}

/* Turns the pending exception (raised by autolog's own work) into MLflow's warning. */
static void
al_unexpected(mlc_state *st, int silent)
{
    PyObject *exc = PyErr_GetRaisedException();
    PyObject *msg = exc ? PyUnicode_FromFormat(
                              "Encountered unexpected error during statsmodels autologging: %S",
                              exc)
                        : NULL;
    Py_XDECREF(exc);
    al_log(st, silent, "warning", msg);
}

/* ------------------------------------------------------------------ the writer's steps */

/* Returns a new dict: {"mlflow.autologging": "statsmodels", **extra_tags} (+ parent). */
static PyObject *
al_run_tags(PyObject *extra, PyObject *parent)
{
    PyObject *tags = PyDict_New();
    if (tags == NULL) {
        return NULL;
    }
    if ((extra != NULL && PyDict_Update(tags, extra) < 0) ||
        PyDict_SetItemString(tags, "mlflow.autologging", Py_None) < 0) {
        Py_DECREF(tags);
        return NULL;
    }
    PyObject *v = PyUnicode_FromString("statsmodels");
    if (v == NULL || PyDict_SetItemString(tags, "mlflow.autologging", v) < 0 ||
        (parent != NULL && PyDict_SetItemString(tags, "mlflow.parentRunId", parent) < 0)) {
        Py_XDECREF(v);
        Py_DECREF(tags);
        return NULL;
    }
    Py_DECREF(v);
    return tags;
}

/* 1 when params holds a key whose value differs from the one run_id already has, 0 when not,
 * -1 on error. Fills *exp with the run's experiment id (new reference). */
static int
al_params_conflict(mlc_state *st, al_fit *f, PyObject **exp)
{
    PyObject *run = mlc_tracking_get_run(st, f->h, f->run_id);
    PyObject *info = run ? PyObject_GetAttrString(run, "info") : NULL;
    PyObject *data = run ? PyObject_GetAttrString(run, "data") : NULL;
    PyObject *have = data ? PyObject_GetAttrString(data, "params") : NULL;
    int rc = -1;
    if (info == NULL || have == NULL ||
        (*exp = PyObject_GetAttrString(info, "experiment_id")) == NULL) {
        goto exit;
    }
    rc = 0;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (rc == 0 && PyDict_Next(f->params, &pos, &k, &v)) {
        PyObject *old;
        if (PyDict_GetItemRef(have, k, &old) < 0) {
            rc = -1;
        }
        else if (old != NULL) {
            int eq = PyObject_RichCompareBool(old, v, Py_EQ);
            rc = eq < 0 ? -1 : !eq;
            Py_DECREF(old);
        }
    }
exit:
    Py_XDECREF(run);
    Py_XDECREF(info);
    Py_XDECREF(data);
    Py_XDECREF(have);
    return rc;
}

/* Returns a new str: a fresh run id. */
static PyObject *
al_new_run_id(void)
{
    char hex[33];
    if (mlc_uuid4_hex(hex) < 0) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return PyUnicode_FromStringAndSize(hex, 32);
}

/* START: create the run (or, when the user's run already holds other values for these params,
 * a nested run: contract quirk Q6), then log the params. */
static void
al_start(mlc_state *st, al_fit *f)
{
    PyObject *exp = NULL, *nested = NULL, *run = NULL, *params = NULL;
    f->h = mlc_store_open(st, NULL);
    if (f->h == NULL) {
        f->created = 0;
        goto fail;
    }
    if (f->created && (f->exp_id = mlc_active_experiment_id(st, f->h)) == NULL) {
        f->created = 0;
        goto fail;
    }
    if (!f->created) {
        int conflict = al_params_conflict(st, f, &exp);
        if (conflict < 0) {
            goto fail;
        }
        if (conflict) {
            PyObject *tags = al_run_tags(f->tags, f->run_id);
            nested = tags ? al_new_run_id() : NULL;
            if (nested == NULL) {
                Py_XDECREF(tags);
                goto fail;
            }
            al_log(st, f->silent, "info",
                   PyUnicode_FromFormat("The params of this statsmodels fit differ from those "
                                        "already logged to run '%U': autologging it to the "
                                        "nested run '%U'.",
                                        f->run_id, nested));
            Py_SETREF(f->tags, tags);
            Py_SETREF(f->run_id, Py_NewRef(nested));
            Py_XSETREF(f->exp_id, Py_NewRef(exp));
            f->created = 1;
        }
    }
    if (f->created) {
        const char *rid = PyUnicode_AsUTF8(f->run_id);
        run = rid ? mlc_tracking_create_run(st, f->h, f->exp_id, rid, f->start_time, f->tags)
                  : NULL;
        if (run == NULL) {
            f->created = 0; /* nothing to end */
            goto fail;
        }
        /* kept so that FINISH writes model_summary.txt without reading the run back */
        PyObject *info = PyObject_GetAttrString(run, "info");
        Py_XSETREF(f->artifact_uri, info ? PyObject_GetAttrString(info, "artifact_uri") : NULL);
        Py_XDECREF(info);
        if (f->artifact_uri == NULL) {
            PyErr_Clear(); /* FINISH looks it up */
        }
        if (nested == NULL) {
            al_log(st, f->silent, "info",
                   PyUnicode_FromFormat("Created MLflow autologging run with ID '%U', which "
                                        "will track hyperparameters, performance metrics, "
                                        "model artifacts, and lineage information for the "
                                        "current statsmodels workflow",
                                        f->run_id));
        }
    }
    /* params over MLflow's length limit are left out (MLflow fails the whole batch) */
    params = PyDict_New();
    if (params == NULL) {
        goto fail;
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(f->params, &pos, &k, &v)) {
        if (PyUnicode_GET_LENGTH(v) > AL_MAX_PARAM_LEN) {
            al_log(st, f->silent, "warning",
                   PyUnicode_FromFormat("Autologging left out param '%U': its value has %zd "
                                        "characters, more than MLflow's limit of %d.",
                                        k, PyUnicode_GET_LENGTH(v), AL_MAX_PARAM_LEN));
        }
        else if (PyDict_SetItem(params, k, v) < 0) {
            goto fail;
        }
    }
    if (PyDict_GET_SIZE(params) > 0 &&
        mlc_tracking_log(st, f->h, f->run_id, NULL, NULL, params) < 0) {
        goto fail;
    }
    goto exit;
fail:
    f->broken = 1;
    al_unexpected(st, f->silent);
exit:
    Py_XDECREF(exp);
    Py_XDECREF(nested);
    Py_XDECREF(run);
    Py_XDECREF(params);
}

/* MLflow's metric allow-list, in its order. */
static const char *const al_metric_names[] = {
    "aic", "bic", "centered_tss", "condition_number", "df_model", "df_resid",
    "ess", "f_pvalue", "fvalue", "llf", "mse_model", "mse_resid",
    "mse_total", "rsquared", "rsquared_adj", "scale", "ssr", "uncentered_tss",
};

/* Returns a new dict of the allow-listed numeric attributes of results; a failing one is
 * left out and named in one warning. */
static PyObject *
al_metrics(mlc_state *st, al_fit *f, PyObject *results)
{
    PyObject *number = mlc_lazy_attr(&st->al_Number, "numbers", "Number");
    PyObject *d = number ? PyDict_New() : NULL;
    PyObject *failed = d ? PyList_New(0) : NULL;
    if (failed == NULL) {
        goto error;
    }
    for (size_t i = 0; i < sizeof al_metric_names / sizeof *al_metric_names; i++) {
        const char *name = al_metric_names[i];
        PyObject *v = NULL, *fv = NULL;
        int ok = PyObject_GetOptionalAttrString(results, name, &v);
        if (ok > 0 && !PyBool_Check(v)) {
            ok = PyObject_IsInstance(v, number);
            if (ok > 0) {
                fv = PyNumber_Float(v);
                ok = fv == NULL ? -1 : PyDict_SetItemString(d, name, fv) < 0 ? -2 : 1;
            }
        }
        Py_XDECREF(v);
        Py_XDECREF(fv);
        if (ok == -2) {
            goto error;
        }
        if (ok < 0) {
            PyErr_Clear();
            PyObject *n = PyUnicode_FromString(name);
            if (n == NULL || PyList_Append(failed, n) < 0) {
                Py_XDECREF(n);
                goto error;
            }
            Py_DECREF(n);
        }
    }
    if (PyList_GET_SIZE(failed) > 0) {
        PyObject *sep = PyUnicode_FromString(", ");
        PyObject *joined = (sep && PyList_Sort(failed) == 0) ? PyUnicode_Join(sep, failed) : NULL;
        Py_XDECREF(sep);
        if (joined == NULL) {
            goto error;
        }
        al_log(st, f->silent, "warning",
               PyUnicode_FromFormat("Failed to autolog metrics: %U.", joined));
        Py_DECREF(joined);
    }
    Py_DECREF(number);
    Py_DECREF(failed);
    return d;
error:
    Py_XDECREF(number);
    Py_XDECREF(d);
    Py_XDECREF(failed);
    return NULL;
}

/* FINISH: the model, the metrics, model_summary.txt, then the end of a run autolog created.
 * Each step that fails gives one warning and the next step still runs. */
static void
al_finish(PyObject *m, mlc_state *st, al_fit *f)
{
    PyObject *results = NULL, *model_id = NULL, *metrics = NULL, *summary = NULL;
    PyObject *text = NULL, *file = NULL;
    if (f->h == NULL) {
        return; /* START could not open the store: nothing was created */
    }
    if (f->failed || f->broken || f->results == NULL) {
        goto end;
    }
    if (f->snapshot) {
        PyObject *loads = mlc_lazy_attr(&st->pickle_loads, "pickle", "loads");
        results = loads ? PyObject_CallOneArg(loads, f->results) : NULL;
        Py_XDECREF(loads);
        if (results == NULL) {
            al_unexpected(st, f->silent);
            goto end;
        }
    }
    else {
        results = Py_NewRef(f->results);
    }
    if (f->log_models) {
        PyObject *a[LOG_MODEL_NARGS] = {NULL};
        a[LOG_MODEL_ARG_MODEL] = results;
        a[LOG_MODEL_ARG_NAME] = st->str_model;
        a[LOG_MODEL_ARG_REGISTERED] = f->registered_name;
        tl_saving = 1;
        PyObject *info = mlc_log_model_impl(m, f->h, f->run_id, a, NULL);
        tl_saving = 0;
        if (info == NULL || (model_id = PyObject_GetAttrString(info, "model_id")) == NULL) {
            al_unexpected(st, f->silent);
        }
        else if (f->model_box != NULL) {
            PyList_SET_ITEM(f->model_box, 0, Py_NewRef(model_id)); /* steals */
            Py_DECREF(Py_None);
        }
        Py_XDECREF(info);
    }
    PyObject *wrapper_type = mlc_lazy_attr(&st->al_ResultsWrapper, "statsmodels.base.wrapper",
                                           "ResultsWrapper");
    int is_wrapper = wrapper_type ? PyObject_IsInstance(results, wrapper_type) : -1;
    Py_XDECREF(wrapper_type);
    if (is_wrapper <= 0) {
        if (is_wrapper < 0) {
            al_unexpected(st, f->silent);
        }
        goto end;
    }
    /* an OLS result gets its metrics and summary from al_ols.c (same values and text, without
     * statsmodels' ~5 ms of Python); anything else, or a failure there, from statsmodels */
    int fast = mlc_ols_fast(st, results, &metrics, &text);
    if (fast <= 0) {
        PyErr_Clear();
        fast = 0;
        Py_CLEAR(metrics);
        Py_CLEAR(text);
        metrics = al_metrics(st, f, results);
    }
    if (metrics == NULL ||
        (PyDict_GET_SIZE(metrics) > 0 &&
         mlc_tracking_log(st, f->h, f->run_id, metrics, model_id, NULL) < 0)) {
        al_unexpected(st, f->silent);
    }
    if (!fast) {
        summary = PyObject_CallMethod(results, "summary", NULL);
        text = summary ? PyObject_CallMethod(summary, "as_text", NULL) : NULL;
    }
    file = text ? PyUnicode_FromString("model_summary.txt") : NULL;
    if (file == NULL ||
        (f->artifact_uri != NULL ? mlc_tracking_write_text(st, f->artifact_uri, text, file)
                                 : mlc_tracking_log_text(st, f->h, f->run_id, text, file)) < 0) {
        al_unexpected(st, f->silent);
    }
end:
    if (f->created &&
        mlc_tracking_update_run(st, f->h, f->run_id, f->failed ? "FAILED" : "FINISHED",
                                f->failed ? f->end_time : mlc_now_ms()) < 0) {
        al_unexpected(st, f->silent);
    }
    Py_XDECREF(results);
    Py_XDECREF(model_id);
    Py_XDECREF(metrics);
    Py_XDECREF(summary);
    Py_XDECREF(text);
    Py_XDECREF(file);
}

/* Runs one step with this thread marked as inside autolog (fits it causes just run). */
static void
al_process(PyObject *m, al_fit *f, int phase)
{
    mlc_state *st = mlc_state_from_module(m);
    tl_depth++;
    if (phase == AL_START) {
        al_start(st, f);
    }
    else {
        al_finish(m, st, f);
    }
    tl_depth--;
}

/* ------------------------------------------------------------------ the writer thread */

/* Group commit: while more steps wait in the queue, the writer's store operations on one
 * SQLite handle share a transaction (mlc_store_batch), ended when the queue runs dry (so a
 * flush returns only after the commit), after AL_BATCH_STEPS steps or AL_BATCH_MS, or when a
 * step used another store. Each run's writes keep their own savepoints. */
#define AL_BATCH_STEPS 64
#define AL_BATCH_MS 20

typedef struct {
    mlc_handle *h; /* the handle holding the open batch, or NULL */
    int steps;
    int64_t t0;
} al_batch;

static void
al_batch_after(mlc_state *st, al_batch *b, al_fit *f, int more)
{
    mlc_handle *h = f->h;
    if (b->h != NULL) {
        b->steps++;
        if (!more || b->steps >= AL_BATCH_STEPS || mlc_now_ms() - b->t0 >= AL_BATCH_MS ||
            (h != NULL && h != b->h)) {
            if (mlc_store_batch(st, b->h, 0) < 0) {
                al_unexpected(st, f->silent);
            }
            b->h = NULL;
        }
    }
    if (b->h == NULL && more && h != NULL && h->is_sql) {
        if (mlc_store_batch(st, h, 1) < 0) {
            PyErr_Clear(); /* e.g. another process holds the write lock: steps commit alone */
        }
        else {
            b->h = h;
            b->steps = 0;
            b->t0 = mlc_now_ms();
        }
    }
}

PyObject *
mlc_autolog_writer_py(PyObject *m, PyObject *unused)
{
    (void)unused;
    tl_writer = 1;
    mlc_state *st = mlc_state_from_module(m);
    al_batch batch = {0};
    for (;;) {
        al_node *n;
        int more;
        Py_BEGIN_ALLOW_THREADS
        pthread_mutex_lock(&al_q.mu);
        while (al_q.head == NULL) {
            pthread_cond_wait(&al_q.work, &al_q.mu);
        }
        n = al_q.head;
        al_q.head = n->next;
        if (al_q.head == NULL) {
            al_q.tail = NULL;
        }
        al_q.current = n->fit;
        pthread_mutex_unlock(&al_q.mu);
        Py_END_ALLOW_THREADS
        al_process(m, n->fit, n->phase);
        pthread_mutex_lock(&al_q.mu);
        al_q.current = NULL;
        /* a flush waiting for this step (or an earlier one) ends the batch here */
        more = al_q.head != NULL && !(al_q.flush_waiters > 0 && n->seq >= al_q.flush_seq);
        pthread_mutex_unlock(&al_q.mu);
        al_batch_after(st, &batch, n->fit, more);
        al_fit_release(n->fit);
        pthread_mutex_lock(&al_q.mu);
        if (batch.h == NULL) {
            al_q.done_seq = n->seq; /* committed, with every step before it */
            if (al_q.flush_waiters > 0) {
                pthread_cond_broadcast(&al_q.idle);
            }
        }
        atomic_fetch_sub(&al_q.pending, 1);
        if (al_q.room_waiters > 0) {
            pthread_cond_broadcast(&al_q.room);
        }
        pthread_mutex_unlock(&al_q.mu);
        free(n);
    }
    Py_RETURN_NONE;
}

static int
al_start_writer(PyObject *m, mlc_state *st)
{
    PyObject *threading = PyImport_ImportModule("threading");
    PyObject *target = threading ? PyObject_GetAttrString(m, "_autolog_writer") : NULL;
    PyObject *cls = target ? PyObject_GetAttrString(threading, "Thread") : NULL;
    PyObject *kw = cls ? Py_BuildValue("{s:O,s:s,s:O}", "target", target, "name",
                                       "mlflow_c-autolog", "daemon", Py_True)
                       : NULL;
    PyObject *thread = kw ? PyObject_Call(cls, st->empty_tuple, kw) : NULL;
    PyObject *r = thread ? PyObject_CallMethod(thread, "start", NULL) : NULL;
    int rc = -1;
    if (r != NULL) {
        Py_XSETREF(st->al_worker, Py_NewRef(thread));
        al_q.started = 1;
        rc = 0;
    }
    Py_XDECREF(threading);
    Py_XDECREF(target);
    Py_XDECREF(cls);
    Py_XDECREF(kw);
    Py_XDECREF(thread);
    Py_XDECREF(r);
    return rc;
}

/* Waits on cond (al_q.mu held) for at most 0.1 s: callers re-check their condition and
 * whether the interpreter is finalizing (then the writer can no longer take the GIL). */
static void
al_timed_wait(pthread_cond_t *cond)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cond, &al_q.mu, &ts);
}

/* Waits (without the GIL) until the queue is below AL_QUEUE_MAX steps. */
static void
al_wait_for_room(void)
{
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&al_q.mu);
    al_q.room_waiters++;
    while (atomic_load(&al_q.pending) >= AL_QUEUE_MAX && !al_finalizing()) {
        al_timed_wait(&al_q.room);
    }
    al_q.room_waiters--;
    pthread_mutex_unlock(&al_q.mu);
    Py_END_ALLOW_THREADS
}

/* Hands a step to the writer (async) or runs it now. Takes a reference on f. 0 or -1. */
static int
al_submit(PyObject *m, mlc_state *st, al_fit *f, int phase)
{
    if (!st->al_async) {
        al_process(m, f, phase);
        return 0;
    }
    if (al_q.pid != getpid()) {
        al_after_fork_child();
    }
    if (!al_q.started && al_start_writer(m, st) < 0) {
        return -1;
    }
    if (!tl_writer && atomic_load(&al_q.pending) >= AL_QUEUE_MAX) {
        al_wait_for_room();
    }
    al_node *n = malloc(sizeof *n);
    if (n == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    n->next = NULL;
    n->fit = f;
    n->phase = phase;
    f->refs++;
    pthread_mutex_lock(&al_q.mu);
    n->seq = ++al_q.pushed_seq;
    atomic_fetch_add(&al_q.pending, 1);
    if (al_q.tail != NULL) {
        al_q.tail->next = n;
    }
    else {
        al_q.head = n;
    }
    al_q.tail = n;
    pthread_cond_signal(&al_q.work);
    pthread_mutex_unlock(&al_q.mu);
    return 0;
}

/* Hands START over unless done already. 0 or -1. */
static int
al_submit_start(PyObject *m, mlc_state *st, al_fit *f)
{
    if (f->start_submitted) {
        return 0;
    }
    f->start_submitted = 1;
    return al_submit(m, st, f, AL_START);
}

/* 1 when a fit queued or being written reads `model` live (see al_keep_results). */
static int
al_model_pending(PyObject *model)
{
    int found = 0;
    pthread_mutex_lock(&al_q.mu);
    if (al_q.current != NULL && al_q.current->model == model) {
        found = 1;
    }
    for (al_node *n = al_q.head; !found && n != NULL; n = n->next) {
        found = n->fit->model == model;
    }
    pthread_mutex_unlock(&al_q.mu);
    return found;
}

PyObject *
mlc_autolog_pending_run(void)
{
    al_fit *f = tl_pending_fit;
    if (f == NULL) {
        return NULL;
    }
    /* code inside the fit wants the run: it must exist before that code reads or writes it */
    PyObject *m = tl_pending_module;
    mlc_state *st = mlc_state_from_module(m);
    if (al_submit_start(m, st, f) < 0) {
        al_unexpected(st, f->silent);
    }
    return f->run_id;
}

int
mlc_autolog_flush(mlc_state *st)
{
    (void)st;
    if (tl_writer || atomic_load(&al_q.pending) == 0) {
        return 0;
    }
    if (al_q.pid != getpid()) {
        al_after_fork_child();
        return 0;
    }
    /* waits for what was queued before this call only: fits that other threads queue
     * meanwhile do not keep it waiting */
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&al_q.mu);
    uint64_t target = al_q.pushed_seq;
    al_q.flush_waiters++;
    if (target > al_q.flush_seq) {
        al_q.flush_seq = target;
    }
    while (al_q.done_seq < target) {
        al_timed_wait(&al_q.idle);
        /* once the interpreter is finalizing the writer can no longer take the GIL */
        if (al_finalizing()) {
            break;
        }
    }
    al_q.flush_waiters--;
    pthread_mutex_unlock(&al_q.mu);
    Py_END_ALLOW_THREADS
    return 0;
}

PyObject *
mlc_autolog_flush_py(PyObject *m, PyObject *unused)
{
    (void)unused;
    if (mlc_autolog_flush(mlc_state_from_module(m)) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ FitWrapper */

typedef struct {
    PyObject_HEAD
    PyObject *wrapped;     /* the original fit function */
    PyObject *spec;        /* tuple of (name, kind, default) after `self`, or NULL until used */
    PyObject *dict;        /* __module__, __name__, __qualname__, __doc__, ... */
    PyObject *weakreflist;
    vectorcallfunc vectorcall;
    int flush_first;       /* wraps a results' remove_data, not a fit */
} FitWrapperObject;

#define FitWrapper_CAST(op) ((FitWrapperObject *)(op))

enum { KIND_POS_ONLY, KIND_POS_OR_KW, KIND_VAR_POS, KIND_KW_ONLY, KIND_VAR_KW };

/* Returns a borrowed tuple describing the original's parameters after the first (self):
 * (name, kind, default or inspect.Parameter.empty). Computed once per wrapper. */
static PyObject *
FitWrapper_spec(mlc_state *st, FitWrapperObject *self)
{
    if (self->spec != NULL) {
        return self->spec;
    }
    PyObject *sigf = mlc_lazy_attr(&st->al_signature, "inspect", "signature");
    PyObject *sig = sigf ? PyObject_CallOneArg(sigf, self->wrapped) : NULL;
    PyObject *params = sig ? PyObject_GetAttrString(sig, "parameters") : NULL;
    PyObject *values = params ? PyObject_CallMethod(params, "values", NULL) : NULL;
    PyObject *seq = values ? PySequence_List(values) : NULL;
    if (seq != NULL && st->al_param_empty == NULL) {
        /* inspect.Parameter.empty, what al_bind compares defaults with */
        PyObject *inspect = PyImport_ImportModule("inspect");
        PyObject *pcls = inspect ? PyObject_GetAttrString(inspect, "Parameter") : NULL;
        st->al_param_empty = pcls ? PyObject_GetAttrString(pcls, "empty") : NULL;
        Py_XDECREF(inspect);
        Py_XDECREF(pcls);
    }
    Py_ssize_t n = seq ? PyList_GET_SIZE(seq) : 0;
    PyObject *out = (seq && st->al_param_empty) ? PyTuple_New(n > 0 ? n - 1 : 0) : NULL;
    for (Py_ssize_t i = 1; out != NULL && i < n; i++) {
        PyObject *p = PyList_GET_ITEM(seq, i);
        PyObject *name = PyObject_GetAttrString(p, "name");
        PyObject *kind = name ? PyObject_GetAttrString(p, "kind") : NULL;
        PyObject *kint = kind ? PyNumber_Long(kind) : NULL;
        PyObject *dflt = kint ? PyObject_GetAttrString(p, "default") : NULL;
        PyObject *t = dflt ? PyTuple_Pack(3, name, kint, dflt) : NULL;
        Py_XDECREF(name);
        Py_XDECREF(kind);
        Py_XDECREF(kint);
        Py_XDECREF(dflt);
        if (t == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyTuple_SET_ITEM(out, i - 1, t); /* steals */
    }
    Py_XDECREF(sigf);
    Py_XDECREF(sig);
    Py_XDECREF(params);
    Py_XDECREF(values);
    Py_XDECREF(seq);
    self->spec = out;
    return out;
}

/* Sets d[key] = str(value). 0 or -1. */
static int
set_str(PyObject *d, PyObject *key, PyObject *value)
{
    PyObject *s = PyObject_Str(value);
    int rc = s == NULL ? -1 : PyDict_SetItem(d, key, s);
    Py_XDECREF(s);
    return rc;
}

/* Returns a new dict: the call's arguments (after self) bound to the original's parameters,
 * str()-ed: positional ones, explicit keywords, then unpassed parameters with a default.
 * *args / **kwargs parameters and parameters without default give no entry (quirk Q1). */
static PyObject *
al_bind(mlc_state *st, PyObject *spec, PyObject *const *args, Py_ssize_t npos,
        PyObject *kwnames)
{
    PyObject *d = PyDict_New();
    if (d == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(spec), used = 0;
    for (Py_ssize_t i = 0; i < n && used < npos; i++) {
        PyObject *p = PyTuple_GET_ITEM(spec, i);
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(p, 1));
        if (kind != KIND_POS_ONLY && kind != KIND_POS_OR_KW) {
            break;
        }
        if (set_str(d, PyTuple_GET_ITEM(p, 0), args[used++]) < 0) {
            goto error;
        }
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t j = 0; j < nkw; j++) {
        if (set_str(d, PyTuple_GET_ITEM(kwnames, j), args[npos + j]) < 0) {
            goto error;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *p = PyTuple_GET_ITEM(spec, i);
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(p, 1));
        PyObject *dflt = PyTuple_GET_ITEM(p, 2);
        if (kind == KIND_VAR_POS || kind == KIND_VAR_KW || dflt == st->al_param_empty) {
            continue;
        }
        int has = PyDict_Contains(d, PyTuple_GET_ITEM(p, 0));
        if (has < 0 || (!has && set_str(d, PyTuple_GET_ITEM(p, 0), dflt) < 0)) {
            goto error;
        }
    }
    return d;
error:
    Py_DECREF(d);
    return NULL;
}

/* Prepares the record of an outermost fit about to run. NULL with an exception when autolog
 * cannot log it (the fit then runs plain). */
static al_fit *
al_prepare(mlc_state *st, FitWrapperObject *self, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    al_fit *f = calloc(1, sizeof *f);
    if (f == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    f->refs = 1;
    f->log_models = st->al_log_models;
    f->silent = st->al_silent;
    f->registered_name = Py_XNewRef(st->al_registered_name);
    f->start_time = mlc_now_ms();
    PyObject *spec = FitWrapper_spec(st, self);
    f->params = spec ? al_bind(st, spec, args + 1, nargs - 1, kwnames) : NULL;
    f->run_id = f->params ? mlc_active_run_id(st) : NULL;
    if (f->run_id == NULL) {
        goto error;
    }
    if (f->run_id == Py_None) {
        /* the store and experiment are looked up by the writer (set_tracking_uri and
         * set_experiment wait for the writer first, so they are the ones in force now) */
        f->created = 1;
        Py_SETREF(f->run_id, al_new_run_id());
        if (f->run_id == NULL) {
            goto error;
        }
    }
    /* tags for a run autolog creates (now, or later for a nested run) */
    f->tags = al_run_tags(st->al_extra_tags, NULL);
    if (f->tags == NULL) {
        goto error;
    }
    return f;
error:
    al_fit_release(f);
    return NULL;
}

/* Keeps what FINISH needs of the fit's result.
 * - With a model to log: a pickle taken now, so the model the writer logs is the result as
 *   fit returned it whatever the caller does with it next (remove_data, in-place edits); the
 *   object itself when it cannot be pickled. The model is pickled now in MLflow too.
 * - Without (metrics and the summary only): the live result, and the model it came from, so
 *   the fit itself pays nothing (a pickle costs 0.1-0.4 ms, more than the fit of a small
 *   model). What could change the result before the writer reads it waits for the writer
 *   first: remove_data() (wrapped by autolog) and another fit of the same model object (see
 *   al_outermost). Nothing is kept when nothing will be logged (not a ResultsWrapper). */
static void
al_keep_results(mlc_state *st, al_fit *f, PyObject *model, PyObject *results)
{
    if (!f->log_models) {
        PyObject *wt = mlc_lazy_attr(&st->al_ResultsWrapper, "statsmodels.base.wrapper",
                                     "ResultsWrapper");
        int w = wt ? PyObject_IsInstance(results, wt) : -1;
        Py_XDECREF(wt);
        if (w <= 0) {
            PyErr_Clear();
            return;
        }
        f->results = Py_NewRef(results);
        f->model = Py_NewRef(model);
        return;
    }
    PyObject *dumps = mlc_lazy_attr(&st->pickle_dumps, "pickle", "dumps");
    PyObject *data = dumps ? PyObject_CallFunction(dumps, "Oi", results, 5) : NULL;
    Py_XDECREF(dumps);
    if (data != NULL) {
        f->results = data;
        f->snapshot = 1;
    }
    else {
        PyErr_Clear();
        f->results = Py_NewRef(results);
    }
}

/* The outermost fit on this thread. */
static PyObject *
al_outermost(FitWrapperObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *m = PyType_GetModuleByDef(Py_TYPE(self), &mlc_module_def);
    mlc_state *st = m ? mlc_state_from_module(m) : NULL;
    if (st == NULL) {
        return NULL;
    }
    PyObject *wrapped = Py_NewRef(self->wrapped), *result = NULL;
    if (!st->al_enabled || nargs < 1) {
        result = PyObject_Vectorcall(wrapped, args, nargsf, kwnames);
        goto exit;
    }
    if (st->al_exclusive) {
        /* a run the user started: exclusive autologging stays out of it */
        PyObject *active = mlc_active_run_id(st);
        int user_run = active != NULL && active != Py_None;
        Py_XDECREF(active);
        if (active == NULL) {
            PyErr_Clear();
        }
        if (user_run) {
            result = PyObject_Vectorcall(wrapped, args, nargsf, kwnames);
            goto exit;
        }
    }
    /* a fit of a model whose previous result the writer has yet to read live waits for it:
     * fitting may reassign the model's attributes that result's statistics use */
    if (atomic_load(&al_q.pending) > 0 && al_model_pending(args[0]) &&
        mlc_autolog_flush(st) < 0) {
        goto exit;
    }
    tl_depth++;
    al_fit *f = al_prepare(st, self, args, nargs, kwnames);
    if (f == NULL) {
        al_unexpected(st, st->al_silent);
    }
    /* START is handed over after the fit (so the writer does not compete with it for the
     * GIL), or earlier if code inside the fit asks for the run it creates */
    al_fit *saved_fit = tl_pending_fit;
    PyObject *saved_module = tl_pending_module;
    if (f != NULL && f->created) {
        tl_pending_fit = f;
        tl_pending_module = m;
    }
    result = PyObject_Vectorcall(wrapped, args, nargsf, kwnames);
    tl_pending_fit = saved_fit;
    tl_pending_module = saved_module;
    if (f != NULL) {
        f->end_time = mlc_now_ms();
        PyObject *exc = result == NULL ? PyErr_GetRaisedException() : NULL;
        if (result == NULL) {
            f->failed = 1;
        }
        else {
            if (f->log_models) {
                /* the caller's last_logged_model() is the model the writer logs */
                f->model_box = PyList_New(1);
                if (f->model_box != NULL) {
                    PyList_SET_ITEM(f->model_box, 0, Py_NewRef(Py_None)); /* steals */
                }
                if (f->model_box == NULL || mlc_tl_set(st, "last_model", f->model_box) < 0) {
                    al_unexpected(st, f->silent);
                }
            }
            al_keep_results(st, f, args[0], result);
        }
        if (f->created && mlc_tl_set(st, "last_run", f->run_id) < 0) {
            al_unexpected(st, f->silent);
        }
        if (al_submit_start(m, st, f) < 0 || al_submit(m, st, f, AL_FINISH) < 0) {
            al_unexpected(st, f->silent);
        }
        al_fit_release(f);
        PyErr_SetRaisedException(exc);
    }
    tl_depth--;
exit:
    Py_DECREF(wrapped);
    return result;
}

static PyObject *
FitWrapper_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    FitWrapperObject *self = FitWrapper_CAST(op);
    if (self->flush_first) {
        /* remove_data(): whatever the writer has to read from live results is read first */
        if (atomic_load(&al_q.pending) > 0 && mlc_autolog_flush(NULL) < 0) {
            return NULL;
        }
        return PyObject_Vectorcall(self->wrapped, args, nargsf, kwnames);
    }
    if (tl_depth > 0) {
        /* inside an outermost fit: the flag check is all this call costs */
        return PyObject_Vectorcall(self->wrapped, args, nargsf, kwnames);
    }
    return al_outermost(self, args, nargsf, kwnames);
}

/* Returns a new FitWrapper around func (a function), with func's metadata; flush_first for
 * a remove_data. */
static PyObject *
FitWrapper_new(mlc_state *st, PyObject *func, int flush_first)
{
    PyTypeObject *tp = (PyTypeObject *)st->FitWrapperType;
    FitWrapperObject *self = PyObject_GC_New(FitWrapperObject, tp);
    if (self == NULL) {
        return NULL;
    }
    self->wrapped = Py_NewRef(func);
    self->spec = NULL;
    self->weakreflist = NULL;
    self->vectorcall = FitWrapper_vectorcall;
    self->flush_first = flush_first;
    self->dict = PyDict_New();
    PyObject_GC_Track((PyObject *)self);
    if (self->dict == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    static const char *const attrs[] = {"__module__", "__name__", "__qualname__", "__doc__"};
    for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++) {
        PyObject *v;
        if (PyObject_GetOptionalAttrString(func, attrs[i], &v) < 0 ||
            (v != NULL && PyDict_SetItemString(self->dict, attrs[i], v) < 0)) {
            Py_XDECREF(v);
            Py_DECREF(self);
            return NULL;
        }
        Py_XDECREF(v);
    }
    PyObject *fdict;
    if (PyObject_GetOptionalAttrString(func, "__dict__", &fdict) < 0 ||
        (fdict != NULL && PyDict_Check(fdict) && PyDict_Update(self->dict, fdict) < 0)) {
        Py_XDECREF(fdict);
        Py_DECREF(self);
        return NULL;
    }
    Py_XDECREF(fdict);
    return (PyObject *)self;
}

static PyObject *
FitWrapper_descr_get(PyObject *self, PyObject *obj, PyObject *type)
{
    (void)type;
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

/* Pickles as a reference to <module>.<qualname>, like the function it replaces. */
static PyObject *
FitWrapper_reduce(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyObject_GetAttrString(self, "__qualname__");
}

static PyObject *
FitWrapper_repr(PyObject *self)
{
    return PyUnicode_FromFormat("<mlflow_c autolog wrapper of %R>", FitWrapper_CAST(self)->wrapped);
}

static int
FitWrapper_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    FitWrapperObject *w = FitWrapper_CAST(self);
    Py_VISIT(w->wrapped);
    Py_VISIT(w->spec);
    Py_VISIT(w->dict);
    return 0;
}

static int
FitWrapper_clear(PyObject *self)
{
    FitWrapperObject *w = FitWrapper_CAST(self);
    Py_CLEAR(w->wrapped);
    Py_CLEAR(w->spec);
    Py_CLEAR(w->dict);
    return 0;
}

static void
FitWrapper_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (FitWrapper_CAST(self)->weakreflist != NULL) {
        PyObject_ClearWeakRefs(self);
    }
    FitWrapper_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMemberDef FitWrapper_members[] = {
    {"__wrapped__", T_OBJECT, offsetof(FitWrapperObject, wrapped), READONLY,
     "The original fit function."},
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(FitWrapperObject, vectorcall), READONLY},
    {"__dictoffset__", T_PYSSIZET, offsetof(FitWrapperObject, dict), READONLY},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(FitWrapperObject, weakreflist), READONLY},
    {NULL},
};

static PyMethodDef FitWrapper_methods[] = {
    {"__reduce__", FitWrapper_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef FitWrapper_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

PyDoc_STRVAR(FitWrapper_doc,
             "The wrapper autolog puts in place of a statsmodels fit: calls the original "
             "(__wrapped__) and, for the outermost fit on a thread, logs it. Also in place of "
             "a results class's remove_data, which first waits for pending autologging.");

static PyType_Slot FitWrapper_slots[] = {
    {Py_tp_dealloc, FitWrapper_dealloc},
    {Py_tp_traverse, FitWrapper_traverse},
    {Py_tp_clear, FitWrapper_clear},
    {Py_tp_call, PyVectorcall_Call},
    {Py_tp_descr_get, FitWrapper_descr_get},
    {Py_tp_repr, FitWrapper_repr},
    {Py_tp_members, FitWrapper_members},
    {Py_tp_methods, FitWrapper_methods},
    {Py_tp_getset, FitWrapper_getset},
    {Py_tp_doc, (void *)FitWrapper_doc},
    {0, NULL},
};

static PyType_Spec FitWrapper_spec_def = {
    .name = "mlflow_c._core.FitWrapper",
    .basicsize = sizeof(FitWrapperObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
             Py_TPFLAGS_METHOD_DESCRIPTOR | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = FitWrapper_slots,
};

/* ------------------------------------------------------------------ patching */

static int
is_wrapper(mlc_state *st, PyObject *o)
{
    return Py_IS_TYPE(o, (PyTypeObject *)st->FitWrapperType);
}

/* Puts a wrapper around cls.__dict__[name] (a function) and records it. 0 or -1. */
static int
al_patch(mlc_state *st, PyObject *cls, PyObject *name, PyObject *func, int flush_first)
{
    PyObject *w = FitWrapper_new(st, func, flush_first);
    PyObject *rec = w ? PyTuple_Pack(3, cls, func, name) : NULL;
    int rc = -1;
    if (rec != NULL && PyObject_SetAttr(cls, name, w) == 0) {
        rc = PyList_Append(st->al_patches, rec);
    }
    Py_XDECREF(w);
    Py_XDECREF(rec);
    return rc;
}

/* Wraps the fit that class cls uses: its own, or the one of the mixin (a class outside
 * `tree`, which may be NULL) it inherits it from. Classes of the tree are handled
 * themselves. 0 or -1. */
static int
al_patch_class(mlc_state *st, PyObject *cls, PyObject *tree)
{
    PyObject *mro = ((PyTypeObject *)cls)->tp_mro;
    for (Py_ssize_t i = 0; mro != NULL && i < PyTuple_GET_SIZE(mro); i++) {
        PyObject *base = PyTuple_GET_ITEM(mro, i);
        PyObject *f;
        if (PyDict_GetItemRef(((PyTypeObject *)base)->tp_dict, st->str_fit, &f) < 0) {
            return -1;
        }
        if (f == NULL) {
            continue;
        }
        int rc = 0;
        if (PyFunction_Check(f)) {
            int in_tree = (base == cls || tree == NULL) ? 0 : PySet_Contains(tree, base);
            rc = in_tree < 0 ? -1 : in_tree ? 0 : al_patch(st, base, st->str_fit, f, 0);
        }
        Py_DECREF(f);
        return rc;
    }
    return 0;
}

/* Restores every recorded original that is still covered by one of our wrappers. */
static int
al_revert(mlc_state *st)
{
    int rc = 0;
    Py_ssize_t n = PyList_GET_SIZE(st->al_patches);
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        PyObject *rec = PyList_GET_ITEM(st->al_patches, i);
        PyObject *cls = PyTuple_GET_ITEM(rec, 0), *name = PyTuple_GET_ITEM(rec, 2), *cur;
        if (PyDict_GetItemRef(((PyTypeObject *)cls)->tp_dict, name, &cur) < 0) {
            rc = -1;
            continue;
        }
        if (cur != NULL && is_wrapper(st, cur) &&
            PyObject_SetAttr(cls, name, PyTuple_GET_ITEM(rec, 1)) < 0) {
            rc = -1;
        }
        Py_XDECREF(cur);
    }
    if (PyList_SetSlice(st->al_patches, 0, n, NULL) < 0) {
        rc = -1;
    }
    if (st->al_model_cls != NULL && st->al_hook != NULL) {
        PyObject *cur;
        PyObject *d = ((PyTypeObject *)st->al_model_cls)->tp_dict;
        if (PyDict_GetItemStringRef(d, "__init_subclass__", &cur) < 0) {
            rc = -1;
        }
        else if (cur == st->al_hook &&
                 PyObject_DelAttrString(st->al_model_cls, "__init_subclass__") < 0) {
            rc = -1;
        }
        Py_XDECREF(cur);
    }
    Py_CLEAR(st->al_hook);
    Py_CLEAR(st->al_model_cls);
    return rc;
}

/* Model.__init_subclass__ while autolog is on: chains to the next __init_subclass__, then
 * wraps the new class's fit. */
static PyObject *
al_init_subclass(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    mlc_state *st = mlc_state_from_module(m);
    if (nargs != 1 || !PyType_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "__init_subclass__ expects the new class");
        return NULL;
    }
    PyObject *cls = args[0];
    PyObject *model = st->al_model_cls ? st->al_model_cls : (PyObject *)&PyBaseObject_Type;
    PyObject *sup = PyObject_CallFunctionObjArgs((PyObject *)&PySuper_Type, model, cls, NULL);
    PyObject *next = sup ? PyObject_GetAttrString(sup, "__init_subclass__") : NULL;
    PyObject *r = next ? PyObject_Vectorcall(next, args + 1, 0, kwnames) : NULL;
    Py_XDECREF(sup);
    Py_XDECREF(next);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    if (st->al_enabled && al_patch_class(st, cls, NULL) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef al_init_subclass_def = {
    "__init_subclass__", (PyCFunction)(void (*)(void))al_init_subclass,
    METH_FASTCALL | METH_KEYWORDS,
    "Set by mlflow_c's statsmodels autolog: wraps the fit of new model classes."};

/* root and every class under it, breadth first: a new list in *order and the same classes
 * as a new set in *seen. 0 or -1 (both NULL). */
static int
al_class_tree(PyObject *root, PyObject **order, PyObject **seen)
{
    *order = PyList_New(0);
    *seen = PySet_New(NULL);
    if (*order == NULL || *seen == NULL || PyList_Append(*order, root) < 0 ||
        PySet_Add(*seen, root) < 0) {
        goto error;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(*order); i++) {
        PyObject *subs = PyObject_CallMethod(PyList_GET_ITEM(*order, i), "__subclasses__", NULL);
        if (subs == NULL) {
            goto error;
        }
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(subs); j++) {
            PyObject *c = PyList_GET_ITEM(subs, j);
            int has = PySet_Contains(*seen, c);
            if (has < 0 || (!has && (PySet_Add(*seen, c) < 0 || PyList_Append(*order, c) < 0))) {
                Py_DECREF(subs);
                goto error;
            }
        }
        Py_DECREF(subs);
    }
    return 0;
error:
    Py_CLEAR(*order);
    Py_CLEAR(*seen);
    return -1;
}

/* Wraps remove_data on every results class (under Results) that defines one, so that it
 * waits for the writer to read the live results it still has to log. 0 or -1. */
static int
al_patch_results(mlc_state *st, PyObject *results_cls)
{
    PyObject *order = NULL, *seen = NULL, *name = PyUnicode_InternFromString("remove_data");
    int rc = -1;
    if (name == NULL || al_class_tree(results_cls, &order, &seen) < 0) {
        goto exit;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(order); i++) {
        PyObject *cls = PyList_GET_ITEM(order, i), *f;
        if (PyDict_GetItemRef(((PyTypeObject *)cls)->tp_dict, name, &f) < 0) {
            goto exit;
        }
        int prc = (f != NULL && PyFunction_Check(f)) ? al_patch(st, cls, name, f, 1) : 0;
        Py_XDECREF(f);
        if (prc < 0) {
            goto exit;
        }
    }
    rc = 0;
exit:
    Py_XDECREF(order);
    Py_XDECREF(seen);
    Py_XDECREF(name);
    return rc;
}

/* Wraps fit on every class under Model and installs the __init_subclass__ hook. 0 or -1. */
static int
al_patch_tree(PyObject *m, mlc_state *st, PyObject *model)
{
    PyObject *order = NULL, *seen = NULL, *fn = NULL, *hook = NULL;
    int rc = -1;
    if (al_class_tree(model, &order, &seen) < 0) {
        goto exit;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(order); i++) {
        if (al_patch_class(st, PyList_GET_ITEM(order, i), seen) < 0) {
            goto exit;
        }
    }
    PyObject *cur;
    if (PyDict_GetItemStringRef(((PyTypeObject *)model)->tp_dict, "__init_subclass__", &cur) <
        0) {
        goto exit;
    }
    if (cur == NULL) {
        /* (a Model that defines its own __init_subclass__ is left alone: late classes are
         * then not covered) */
        fn = PyCFunction_NewEx(&al_init_subclass_def, m, NULL);
        hook = fn ? PyClassMethod_New(fn) : NULL;
        if (hook == NULL || PyObject_SetAttrString(model, "__init_subclass__", hook) < 0) {
            goto exit;
        }
        Py_XSETREF(st->al_hook, Py_NewRef(hook));
    }
    Py_XDECREF(cur);
    Py_XSETREF(st->al_model_cls, Py_NewRef(model));
    rc = 0;
exit:
    Py_XDECREF(order);
    Py_XDECREF(seen);
    Py_XDECREF(fn);
    Py_XDECREF(hook);
    return rc;
}

/* 1 when the installed statsmodels is in the tested range, 0 when not, -1 on error. */
static int
al_version_supported(PyObject *sm, PyObject **version)
{
    PyObject *vcls = NULL, *v = NULL, *lo = NULL, *hi = NULL;
    int rc = -1;
    *version = PyObject_GetAttrString(sm, "__version__");
    PyObject *mod = *version ? PyImport_ImportModule("packaging.version") : NULL;
    vcls = mod ? PyObject_GetAttrString(mod, "Version") : NULL;
    Py_XDECREF(mod);
    v = vcls ? PyObject_CallOneArg(vcls, *version) : NULL;
    lo = v ? PyObject_CallFunction(vcls, "s", AL_MIN_VERSION) : NULL;
    hi = lo ? PyObject_CallFunction(vcls, "s", AL_MAX_VERSION) : NULL;
    if (hi != NULL) {
        /* pre-releases and dev releases count as untested, as in MLflow */
        PyObject *pre = PyObject_GetAttrString(v, "is_prerelease");
        int is_pre = pre ? PyObject_IsTrue(pre) : -1;
        Py_XDECREF(pre);
        int a = is_pre < 0 ? -1 : is_pre ? 0 : PyObject_RichCompareBool(lo, v, Py_LE);
        int b = a > 0 ? PyObject_RichCompareBool(v, hi, Py_LE) : a;
        rc = b < 0 ? -1 : b;
    }
    Py_XDECREF(vcls);
    Py_XDECREF(v);
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    return rc;
}

static int
env_false(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
                         strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0);
}

static int
truth(PyObject *o, int dflt)
{
    return o == NULL ? dflt : PyObject_IsTrue(o);
}

PyObject *
mlc_autolog_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {
        "log_models", "log_datasets", "disable", "exclusive",
        "disable_for_unsupported_versions", "silent", "registered_model_name", "extra_tags",
        NULL};
    PyObject *a[8];
    if (mlc_args_parse("autolog", args, nargs, kwnames, names, 8, 0, a, NULL) < 0) {
        return NULL;
    }
    mlc_state *st = mlc_state_from_module(m);
    PyObject *extra = NULL, *sm = NULL, *model = NULL, *version = NULL, *results_cls = NULL;
    PyObject *result = NULL;
    int log_models = truth(a[0], 1), disable = truth(a[2], 0), exclusive = truth(a[3], 0);
    int unsupported_off = truth(a[4], 0), silent = truth(a[5], 0);
    if (log_models < 0 || disable < 0 || exclusive < 0 || unsupported_off < 0 || silent < 0 ||
        (a[1] != NULL && PyObject_IsTrue(a[1]) < 0)) {
        return NULL;
    }
    if (!mlc_is_none(a[7]) && !PyDict_Check(a[7])) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Invalid `extra_tags` type: expecting dictionary, received `%s`",
                         Py_TYPE(a[7])->tp_name);
    }
    /* what autolog queued under the old configuration is written first */
    if (mlc_autolog_flush(st) < 0) {
        return NULL;
    }
    if (al_revert(st) < 0) {
        return NULL;
    }
    st->al_enabled = 0;
    extra = PyDict_New();
    if (extra == NULL) {
        goto exit;
    }
    if (!mlc_is_none(a[7])) {
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(a[7], &pos, &k, &v)) {
            if (PyUnicode_Check(k) &&
                PyUnicode_CompareWithASCIIString(k, "mlflow.autologging") == 0) {
                al_log(st, silent, "warning",
                       PyUnicode_FromString("Tag `mlflow.autologging` is ignored as it is a "
                                            "reserved tag by MLflow autologging."));
                continue;
            }
            if (set_str(extra, k, v) < 0) {
                goto exit;
            }
        }
    }
    /* the whole configuration is replaced */
    Py_XSETREF(st->al_extra_tags, Py_NewRef(extra));
    Py_XSETREF(st->al_registered_name, mlc_is_none(a[6]) ? NULL : Py_NewRef(a[6]));
    st->al_log_models = log_models;
    st->al_exclusive = exclusive;
    st->al_silent = silent;
    st->al_async = !env_false("MLFLOW_C_AUTOLOG_ASYNC");
    if (disable) {
        result = Py_NewRef(Py_None);
        goto exit;
    }
    sm = PyImport_ImportModule("statsmodels");
    PyObject *api = sm ? PyImport_ImportModule("statsmodels.api") : NULL;
    Py_XDECREF(api);
    PyObject *base = api ? PyImport_ImportModule("statsmodels.base.model") : NULL;
    model = base ? PyObject_GetAttrString(base, "Model") : NULL;
    results_cls = model ? PyObject_GetAttrString(base, "Results") : NULL;
    Py_XDECREF(base);
    if (results_cls == NULL) {
        goto exit;
    }
    int ok = al_version_supported(sm, &version);
    if (ok < 0) {
        goto exit;
    }
    if (!ok) {
        if (unsupported_off) {
            result = Py_NewRef(Py_None);
            goto exit;
        }
        al_log(st, silent, "warning",
               PyUnicode_FromFormat("MLflow statsmodels autologging is known to be compatible "
                                    "with %s <= statsmodels <= %s, but the installed version is "
                                    "%S. If you encounter errors during autologging, try "
                                    "upgrading / downgrading statsmodels to a compatible "
                                    "version, or try upgrading MLflow.",
                                    AL_MIN_VERSION, AL_MAX_VERSION, version));
    }
    if (!PyType_Check(model) || !PyType_Check(results_cls) || al_patch_tree(m, st, model) < 0 ||
        al_patch_results(st, results_cls) < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError,
                            "statsmodels.base.model.Model or Results is not a class");
        }
        PyObject *exc = PyErr_GetRaisedException();
        al_revert(st);
        PyErr_Clear();
        PyErr_SetRaisedException(exc);
        goto exit;
    }
    st->al_enabled = 1;
    result = Py_NewRef(Py_None);
exit:
    Py_XDECREF(extra);
    Py_XDECREF(sm);
    Py_XDECREF(model);
    Py_XDECREF(results_cls);
    Py_XDECREF(version);
    return result;
}

int
mlc_autolog_init(PyObject *m, mlc_state *st)
{
    static int atfork_done;
    if (!atfork_done) {
        if (pthread_atfork(NULL, NULL, al_after_fork_child) != 0) {
            PyErr_SetString(PyExc_OSError, "pthread_atfork failed");
            return -1;
        }
        atfork_done = 1;
        al_q.pid = getpid();
    }
    st->FitWrapperType = PyType_FromModuleAndSpec(m, &FitWrapper_spec_def, NULL);
    if (st->FitWrapperType == NULL) {
        return -1;
    }
    if ((st->al_patches = PyList_New(0)) == NULL || (st->al_extra_tags = PyDict_New()) == NULL ||
        (st->str_fit = PyUnicode_InternFromString("fit")) == NULL) {
        return -1;
    }
    st->al_log_models = 1;
    st->al_async = 1;
    return 0;
}
