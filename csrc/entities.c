/* entities.c: the Python entity types of tracking (MLflow's mlflow.entities classes, ActiveRun,
 * PagedList and the LoggedModelStatus enum) and their construction from store.h records.
 * Every record-like entity shares one layout (EntityObject: a fixed array of PyObject * fields,
 * the first `nprops` being the public properties in sorted order, as MLflow iterates them) and
 * one set of slots driven by a per-type EntityDef. No store, SQL or file logic here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "entities.h"
#include "errors.h"

/* ================================================================ layout and field lists */

struct EntityDef;

typedef struct {
    PyObject_HEAD
    const struct EntityDef *def; /* set right after allocation; never changes */
    PyObject *f[];               /* def->nfields strong references (None when unset) */
} EntityObject;

#define EntityObject_CAST(op) ((EntityObject *)(op))
#define ENT_SIZE(n) ((int)(sizeof(EntityObject) + (size_t)(n) * sizeof(PyObject *)))
#define ENT_MAX_PARAMS 24

static PyObject *Entity_get(PyObject *self, void *closure);
static int Entity_set(PyObject *self, PyObject *value, void *closure);

/* X-macro helpers: LIST(X, P) expands X(P, name) for each field, in sorted property order. */
#define FIELD_ENUM(P, n) P##_##n,
#define FIELD_NAME(P, n) #n,
#define FIELD_GETSET(P, n) {#n, Entity_get, Entity_set, NULL, (void *)(intptr_t)P##_##n},
#define ENTITY_FIELDS(P, LIST)                                                               \
    enum { LIST(FIELD_ENUM, P) P##_N };                                                      \
    static const char *const P##_names[] = {LIST(FIELD_NAME, P) NULL};
#define BIT(i) (1u << (i))

#define EXPERIMENT_FIELDS(X, P)                                                              \
    X(P, artifact_location) X(P, creation_time) X(P, effective_trace_archival_retention)     \
    X(P, experiment_id) X(P, last_update_time) X(P, lifecycle_stage) X(P, name) X(P, tags)   \
    X(P, trace_location) X(P, workspace)
ENTITY_FIELDS(EX, EXPERIMENT_FIELDS)

#define RUN_FIELDS(X, P) X(P, data) X(P, info) X(P, inputs) X(P, outputs)
ENTITY_FIELDS(RN, RUN_FIELDS)

#define RUN_INFO_FIELDS(X, P)                                                                \
    X(P, artifact_uri) X(P, end_time) X(P, experiment_id) X(P, lifecycle_stage) X(P, run_id) \
    X(P, run_name) X(P, start_time) X(P, status) X(P, user_id)
ENTITY_FIELDS(RI, RUN_INFO_FIELDS)

#define RUN_DATA_FIELDS(X, P) X(P, metrics) X(P, params) X(P, tags)
ENTITY_FIELDS(RD, RUN_DATA_FIELDS)

#define RUN_INPUTS_FIELDS(X, P) X(P, dataset_inputs) X(P, model_inputs)
ENTITY_FIELDS(RIN, RUN_INPUTS_FIELDS)

#define RUN_OUTPUTS_FIELDS(X, P) X(P, model_outputs)
ENTITY_FIELDS(ROUT, RUN_OUTPUTS_FIELDS)

#define LM_OUTPUT_FIELDS(X, P) X(P, model_id) X(P, step)
ENTITY_FIELDS(LMO, LM_OUTPUT_FIELDS)

#define LM_INPUT_FIELDS(X, P) X(P, model_id)
ENTITY_FIELDS(LMI, LM_INPUT_FIELDS)

#define METRIC_FIELDS(X, P)                                                                  \
    X(P, dataset_digest) X(P, dataset_name) X(P, key) X(P, model_id) X(P, run_id) X(P, step) \
    X(P, timestamp) X(P, value)
ENTITY_FIELDS(MT, METRIC_FIELDS)

#define KV_FIELDS(X, P) X(P, key) X(P, value)
ENTITY_FIELDS(KV, KV_FIELDS)

#define LOGGED_MODEL_FIELDS(X, P)                                                            \
    X(P, artifact_location) X(P, creation_timestamp) X(P, experiment_id)                     \
    X(P, last_updated_timestamp) X(P, metrics) X(P, model_id) X(P, model_type)               \
    X(P, model_uri) X(P, name) X(P, params) X(P, source_run_id) X(P, status)                 \
    X(P, status_message) X(P, tags)
ENTITY_FIELDS(LM, LOGGED_MODEL_FIELDS)

#define REGISTERED_MODEL_FIELDS(X, P)                                                        \
    X(P, aliases) X(P, creation_timestamp) X(P, deployment_job_id)                           \
    X(P, deployment_job_state) X(P, description) X(P, last_updated_timestamp)                \
    X(P, latest_versions) X(P, name) X(P, tags) X(P, workspace)
ENTITY_FIELDS(RM, REGISTERED_MODEL_FIELDS)

#define MODEL_VERSION_FIELDS(X, P)                                                           \
    X(P, aliases) X(P, creation_timestamp) X(P, current_stage) X(P, deployment_job_state)    \
    X(P, description) X(P, last_updated_timestamp) X(P, metrics) X(P, model_id) X(P, name)   \
    X(P, params) X(P, run_id) X(P, run_link) X(P, source) X(P, status) X(P, status_message)  \
    X(P, tags) X(P, user_id) X(P, version) X(P, workspace)
ENTITY_FIELDS(MV, MODEL_VERSION_FIELDS)

#define FILE_INFO_FIELDS(X, P) X(P, file_size) X(P, is_dir) X(P, path)
ENTITY_FIELDS(FI, FILE_INFO_FIELDS)

/* Metric's fields in MLflow's constructor order (to_dictionary and __hash__ use it). */
static const int metric_order[] = {MT_key,      MT_value,        MT_timestamp,      MT_step,
                                   MT_model_id, MT_dataset_name, MT_dataset_digest, MT_run_id};

/* ================================================================ entity descriptions */

enum {
    E_EXPERIMENT, E_RUN, E_ACTIVE_RUN, E_RUN_INFO, E_RUN_DATA, E_RUN_INPUTS, E_RUN_OUTPUTS,
    E_LM_OUTPUT, E_LM_INPUT, E_METRIC, E_PARAM, E_RUN_TAG, E_LOGGED_MODEL, E_REGISTERED_MODEL,
    E_MODEL_VERSION, E_FILE_INFO, E_COUNT
};

/* How __eq__ / __hash__ behave (each as the MLflow class defines them). */
typedef enum {
    EQ_IDENTITY,  /* no __eq__: object identity, hashable */
    EQ_SAME_TYPE, /* type(other) is type(self) and equal fields; unhashable */
    EQ_INSTANCE,  /* isinstance(other, type(self)) and equal fields; hash of the fields (Metric) */
    EQ_KEY,       /* isinstance and equal keys; hash(key) (Param) */
    EQ_PROPS,     /* dict(self) == dict(other); unhashable (model registry entities) */
} eq_kind;

/* How a constructor argument becomes a field (MLflow's __init__ rules). */
typedef enum {
    CV_PLAIN,         /* stored as given; omitted -> dflt (a str) or None */
    CV_REQUIRED,      /* Exception("<name> cannot be None") when None */
    CV_REQ_MLFLOW,    /* MlflowException("<name> cannot be None") when None */
    CV_OR_LIST,       /* `x or []` */
    CV_TAGS,          /* {t.key: t.value for t in (x or [])} */
    CV_TAGS_NOPROMPT, /* the same without the mlflow.prompt.is_prompt tag */
    CV_TAGS_ANY,      /* a list as CV_TAGS, anything else `x or {}` */
    CV_ALIASES,       /* {a.alias: a.version for a in (x or [])} */
    CV_LM_STATUS,     /* a LoggedModelStatus member, or LoggedModelStatus.from_int(x) */
    CV_WORKSPACE,     /* x.strip() or $MLFLOW_WORKSPACE or "default" */
} conv_kind;

typedef struct {
    const char *name;
    int field; /* -1: consumed by post_init only */
    conv_kind conv;
    const char *dflt;
} InitParam;

typedef struct EntityDef {
    const char *name;         /* the class name (argument errors) */
    size_t type_off;          /* offsetof(mlc_state, <the type field>) */
    const char *const *fields;
    int nfields;
    int nprops;               /* fields[0..nprops) are the public properties */
    uint32_t writable;        /* BIT(i): field i has a setter, as in MLflow */
    eq_kind eq;
    const InitParam *params;
    int nparams, nrequired;
    /* Runs after the parameters are stored (checks and derived fields). 0 or -1. */
    int (*post_init)(mlc_state *st, EntityObject *self, PyObject *const *args);
} EntityDef;

#define STATE_TYPE(st, def) (*(PyObject **)((char *)(st) + (def)->type_off))
#define NPARAMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const InitParam EX_args[] = {
    {"experiment_id", EX_experiment_id, CV_PLAIN, NULL},
    {"name", EX_name, CV_PLAIN, NULL},
    {"artifact_location", EX_artifact_location, CV_PLAIN, NULL},
    {"lifecycle_stage", EX_lifecycle_stage, CV_PLAIN, NULL},
    {"tags", EX_tags, CV_TAGS, NULL},
    {"creation_time", EX_creation_time, CV_PLAIN, NULL},
    {"last_update_time", EX_last_update_time, CV_PLAIN, NULL},
    {"workspace", EX_workspace, CV_WORKSPACE, NULL},
    {"trace_location", EX_trace_location, CV_PLAIN, NULL},
    {"effective_trace_archival_retention", EX_effective_trace_archival_retention, CV_PLAIN,
     NULL},
};
static const InitParam RN_args[] = {
    {"run_info", RN_info, CV_REQ_MLFLOW, NULL},
    {"run_data", RN_data, CV_PLAIN, NULL},
    {"run_inputs", RN_inputs, CV_PLAIN, NULL},
    {"run_outputs", RN_outputs, CV_PLAIN, NULL},
};
static const InitParam AR_args[] = {{"run", -1, CV_PLAIN, NULL}};
static const InitParam RI_args[] = {
    {"run_id", RI_run_id, CV_PLAIN, NULL},
    {"experiment_id", RI_experiment_id, CV_REQUIRED, NULL},
    {"user_id", RI_user_id, CV_REQUIRED, NULL},
    {"status", RI_status, CV_REQUIRED, NULL},
    {"start_time", RI_start_time, CV_REQUIRED, NULL},
    {"end_time", RI_end_time, CV_PLAIN, NULL},
    {"lifecycle_stage", RI_lifecycle_stage, CV_PLAIN, NULL},
    {"artifact_uri", RI_artifact_uri, CV_PLAIN, NULL},
    {"run_name", RI_run_name, CV_PLAIN, NULL},
};
static const InitParam RD_args[] = {
    {"metrics", RD_metrics, CV_TAGS, NULL},
    {"params", RD_params, CV_TAGS, NULL},
    {"tags", RD_tags, CV_TAGS, NULL},
};
static const InitParam RIN_args[] = {
    {"dataset_inputs", RIN_dataset_inputs, CV_PLAIN, NULL},
    {"model_inputs", RIN_model_inputs, CV_OR_LIST, NULL},
};
static const InitParam ROUT_args[] = {{"model_outputs", ROUT_model_outputs, CV_PLAIN, NULL}};
static const InitParam LMO_args[] = {
    {"model_id", LMO_model_id, CV_PLAIN, NULL},
    {"step", LMO_step, CV_PLAIN, NULL},
};
static const InitParam LMI_args[] = {{"model_id", LMI_model_id, CV_PLAIN, NULL}};
static const InitParam MT_args[] = {
    {"key", MT_key, CV_PLAIN, NULL},
    {"value", MT_value, CV_PLAIN, NULL},
    {"timestamp", MT_timestamp, CV_PLAIN, NULL},
    {"step", MT_step, CV_PLAIN, NULL},
    {"model_id", MT_model_id, CV_PLAIN, NULL},
    {"dataset_name", MT_dataset_name, CV_PLAIN, NULL},
    {"dataset_digest", MT_dataset_digest, CV_PLAIN, NULL},
    {"run_id", MT_run_id, CV_PLAIN, NULL},
};
static const InitParam KV_args[] = {
    {"key", KV_key, CV_PLAIN, NULL},
    {"value", KV_value, CV_PLAIN, NULL},
};
static const InitParam LM_args[] = {
    {"experiment_id", LM_experiment_id, CV_PLAIN, NULL},
    {"model_id", LM_model_id, CV_PLAIN, NULL},
    {"name", LM_name, CV_PLAIN, NULL},
    {"artifact_location", LM_artifact_location, CV_PLAIN, NULL},
    {"creation_timestamp", LM_creation_timestamp, CV_PLAIN, NULL},
    {"last_updated_timestamp", LM_last_updated_timestamp, CV_PLAIN, NULL},
    {"model_type", LM_model_type, CV_PLAIN, NULL},
    {"source_run_id", LM_source_run_id, CV_PLAIN, NULL},
    {"status", LM_status, CV_LM_STATUS, NULL},
    {"status_message", LM_status_message, CV_PLAIN, NULL},
    {"tags", LM_tags, CV_TAGS_ANY, NULL},
    {"params", LM_params, CV_TAGS_ANY, NULL},
    {"metrics", LM_metrics, CV_PLAIN, NULL},
};
static const InitParam RM_args[] = {
    {"name", RM_name, CV_PLAIN, NULL},
    {"creation_timestamp", RM_creation_timestamp, CV_PLAIN, NULL},
    {"last_updated_timestamp", RM_last_updated_timestamp, CV_PLAIN, NULL},
    {"description", RM_description, CV_PLAIN, NULL},
    {"latest_versions", RM_latest_versions, CV_PLAIN, NULL},
    {"tags", RM_tags, CV_TAGS_NOPROMPT, NULL},
    {"aliases", RM_aliases, CV_ALIASES, NULL},
    {"deployment_job_id", RM_deployment_job_id, CV_PLAIN, NULL},
    {"deployment_job_state", RM_deployment_job_state, CV_PLAIN, NULL},
    {"workspace", RM_workspace, CV_WORKSPACE, NULL},
};
static const InitParam MV_args[] = {
    {"name", MV_name, CV_PLAIN, NULL},
    {"version", MV_version, CV_PLAIN, NULL},
    {"creation_timestamp", MV_creation_timestamp, CV_PLAIN, NULL},
    {"last_updated_timestamp", MV_last_updated_timestamp, CV_PLAIN, NULL},
    {"description", MV_description, CV_PLAIN, NULL},
    {"user_id", MV_user_id, CV_PLAIN, NULL},
    {"current_stage", MV_current_stage, CV_PLAIN, NULL},
    {"source", MV_source, CV_PLAIN, NULL},
    {"run_id", MV_run_id, CV_PLAIN, NULL},
    {"status", MV_status, CV_PLAIN, "READY"},
    {"status_message", MV_status_message, CV_PLAIN, NULL},
    {"tags", MV_tags, CV_TAGS, NULL},
    {"run_link", MV_run_link, CV_PLAIN, NULL},
    {"aliases", MV_aliases, CV_OR_LIST, NULL},
    {"model_id", MV_model_id, CV_PLAIN, NULL},
    {"params", MV_params, CV_PLAIN, NULL},
    {"metrics", MV_metrics, CV_PLAIN, NULL},
    {"deployment_job_state", MV_deployment_job_state, CV_PLAIN, NULL},
    {"workspace", MV_workspace, CV_WORKSPACE, NULL},
};
static const InitParam FI_args[] = {
    {"path", FI_path, CV_PLAIN, NULL},
    {"is_dir", FI_is_dir, CV_PLAIN, NULL},
    {"file_size", FI_file_size, CV_PLAIN, NULL},
};

static int metric_post_init(mlc_state *st, EntityObject *self, PyObject *const *args);
static int logged_model_post_init(mlc_state *st, EntityObject *self, PyObject *const *args);
static int active_run_post_init(mlc_state *st, EntityObject *self, PyObject *const *args);

#define DEF(kind, cls, P, field, nprops, writable, eq, params, nreq, post)                     \
    [kind] = {cls,   offsetof(mlc_state, field), P##_names, P##_N, nprops, writable, eq,       \
              params, NPARAMS(params),           nreq,      post}

static const EntityDef defs[E_COUNT] = {
    DEF(E_EXPERIMENT, "Experiment", EX, ExperimentType, EX_N,
        BIT(EX_effective_trace_archival_retention) | BIT(EX_trace_location), EQ_IDENTITY,
        EX_args, 4, NULL),
    DEF(E_RUN, "Run", RN, RunType, RN_N, 0, EQ_IDENTITY, RN_args, 2, NULL),
    /* ActiveRun's class dict defines no property, so MLflow iterates and prints nothing. */
    DEF(E_ACTIVE_RUN, "ActiveRun", RN, ActiveRunType, 0, 0, EQ_IDENTITY, AR_args, 1,
        active_run_post_init),
    DEF(E_RUN_INFO, "RunInfo", RI, RunInfoType, RI_N, 0, EQ_SAME_TYPE, RI_args, 7, NULL),
    DEF(E_RUN_DATA, "RunData", RD, RunDataType, RD_N, 0, EQ_IDENTITY, RD_args, 0, NULL),
    DEF(E_RUN_INPUTS, "RunInputs", RIN, RunInputsType, RIN_N, 0, EQ_SAME_TYPE, RIN_args, 1,
        NULL),
    DEF(E_RUN_OUTPUTS, "RunOutputs", ROUT, RunOutputsType, ROUT_N, 0, EQ_SAME_TYPE,
        ROUT_args, 1, NULL),
    DEF(E_LM_OUTPUT, "LoggedModelOutput", LMO, LoggedModelOutputType, LMO_N, 0, EQ_SAME_TYPE,
        LMO_args, 2, NULL),
    DEF(E_LM_INPUT, "LoggedModelInput", LMI, LoggedModelInputType, LMI_N, 0, EQ_SAME_TYPE,
        LMI_args, 1, NULL),
    DEF(E_METRIC, "Metric", MT, MetricType, MT_N, 0, EQ_INSTANCE, MT_args, 4,
        metric_post_init),
    DEF(E_PARAM, "Param", KV, ParamType, KV_N, 0, EQ_KEY, KV_args, 2, NULL),
    DEF(E_RUN_TAG, "RunTag", KV, RunTagType, KV_N, 0, EQ_SAME_TYPE, KV_args, 2, NULL),
    DEF(E_LOGGED_MODEL, "LoggedModel", LM, LoggedModelType, LM_N,
        BIT(LM_experiment_id) | BIT(LM_model_id) | BIT(LM_name) | BIT(LM_artifact_location) |
            BIT(LM_last_updated_timestamp) | BIT(LM_model_type) | BIT(LM_status) |
            BIT(LM_metrics),
        EQ_IDENTITY, LM_args, 6, logged_model_post_init),
    DEF(E_REGISTERED_MODEL, "RegisteredModel", RM, RegisteredModelType, RM_N,
        BIT(RM_name) | BIT(RM_last_updated_timestamp) | BIT(RM_description) |
            BIT(RM_latest_versions) | BIT(RM_deployment_job_id),
        EQ_PROPS, RM_args, 1, NULL),
    DEF(E_MODEL_VERSION, "ModelVersion", MV, ModelVersionType, MV_N,
        BIT(MV_name) | BIT(MV_last_updated_timestamp) | BIT(MV_description) |
            BIT(MV_current_stage) | BIT(MV_aliases),
        EQ_PROPS, MV_args, 3, NULL),
    DEF(E_FILE_INFO, "FileInfo", FI, FileInfoType, FI_N, 0, EQ_SAME_TYPE, FI_args, 3, NULL),
};

/* ================================================================ small helpers */

/* Returns a new reference: s as a str, or None when s is NULL. */
static PyObject *
str_or_none(const char *s)
{
    return s == NULL ? Py_NewRef(Py_None) : PyUnicode_FromString(s);
}

/* Returns a new reference: t as an int, or None for MLC_NO_TIME. */
static PyObject *
time_or_none(int64_t t)
{
    return t == MLC_NO_TIME ? Py_NewRef(Py_None) : PyLong_FromLongLong((long long)t);
}

/* Returns a new dict of l (NULL values -> None), leaving out the key `skip` (may be NULL). */
static PyObject *
kv_dict(const mlc_kvlist *l, const char *skip)
{
    PyObject *d = PyDict_New();
    for (size_t i = 0; d != NULL && i < l->n; i++) {
        if (skip != NULL && l->items[i].key != NULL && strcmp(l->items[i].key, skip) == 0) {
            continue;
        }
        PyObject *k = str_or_none(l->items[i].key);
        PyObject *v = k == NULL ? NULL : str_or_none(l->items[i].value);
        if (v == NULL || PyDict_SetItem(d, k, v) < 0) {
            Py_CLEAR(d);
        }
        Py_XDECREF(k);
        Py_XDECREF(v);
    }
    return d;
}

/* d[key] = v (borrowed), without interning key as PyDict_SetItemString does. 0 or -1. */
static int
set_item(PyObject *d, const char *key, PyObject *v)
{
    PyObject *k = PyUnicode_FromString(key);
    if (k == NULL) {
        return -1;
    }
    int rc = PyDict_SetItem(d, k, v);
    Py_DECREF(k);
    return rc;
}

/* Returns a new reference to the class name of o (type(o).__name__). */
static PyObject *
type_name(PyObject *o)
{
    return PyType_GetName(Py_TYPE(o));
}

/* Returns a new reference: the workspace an entity reports when the store names none
 * ($MLFLOW_WORKSPACE stripped, else "default"). */
static PyObject *
env_workspace(void)
{
    const char *e = getenv("MLFLOW_WORKSPACE");
    if (e != NULL) {
        while (*e == ' ' || (*e >= '\t' && *e <= '\r')) {
            e++;
        }
        size_t n = strlen(e);
        while (n > 0 && (e[n - 1] == ' ' || (e[n - 1] >= '\t' && e[n - 1] <= '\r'))) {
            n--;
        }
        if (n > 0) {
            return PyUnicode_DecodeUTF8(e, (Py_ssize_t)n, "surrogateescape");
        }
    }
    return PyUnicode_FromString("default");
}

/* Allocates an entity of type tp described by def, every field None. Returns a new reference. */
static EntityObject *
entity_alloc(PyTypeObject *tp, const EntityDef *def)
{
    EntityObject *o = (EntityObject *)tp->tp_alloc(tp, 0);
    if (o == NULL) {
        return NULL;
    }
    o->def = def;
    for (int i = 0; i < def->nfields; i++) {
        o->f[i] = Py_NewRef(Py_None);
    }
    return o;
}

/* Returns a new entity of the given E_* kind with every field None. */
static EntityObject *
entity_new(mlc_state *st, int kind)
{
    const EntityDef *def = &defs[kind];
    return entity_alloc((PyTypeObject *)STATE_TYPE(st, def), def);
}

/* Stores v (stolen) into field i. Returns 0, or -1 when v is NULL (its exception is set). */
static int
put(EntityObject *o, int i, PyObject *v)
{
    if (v == NULL) {
        return -1;
    }
    Py_SETREF(o->f[i], v);
    return 0;
}

#define PUT(o, i, expr)                                                                      \
    do {                                                                                     \
        if (put((o), (i), (expr)) < 0) {                                                     \
            goto error;                                                                      \
        }                                                                                    \
    } while (0)

/* Returns the EntityDef of tp or of its nearest entity base class, or NULL with TypeError. */
static const EntityDef *
def_of_type(PyTypeObject *tp)
{
    mlc_state *st = mlc_state_from_type(tp);
    if (st == NULL) {
        return NULL;
    }
    for (PyTypeObject *t = tp; t != NULL; t = t->tp_base) {
        for (int k = 0; k < E_COUNT; k++) {
            if ((PyObject *)t == STATE_TYPE(st, &defs[k])) {
                return &defs[k];
            }
        }
    }
    PyErr_Format(PyExc_TypeError, "cannot create '%s' instances", tp->tp_name);
    return NULL;
}

/* Returns a new list of (name, value) tuples of self's properties. */
static PyObject *
prop_pairs(EntityObject *self)
{
    const EntityDef *def = self->def;
    PyObject *list = PyList_New(def->nprops);
    for (int i = 0; list != NULL && i < def->nprops; i++) {
        PyObject *pair = Py_BuildValue("(sO)", def->fields[i], self->f[i]);
        if (pair == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, pair); /* steals */
    }
    return list;
}

/* Returns a new dict: dict(self) (property name -> value). */
static PyObject *
prop_dict(EntityObject *self)
{
    const EntityDef *def = self->def;
    PyObject *d = PyDict_New();
    for (int i = 0; d != NULL && i < def->nprops; i++) {
        if (set_item(d, def->fields[i], self->f[i]) < 0) {
            Py_CLEAR(d);
        }
    }
    return d;
}

/* Returns a new list: [x.<method>() for x in iterable]. */
static PyObject *
map_method(PyObject *iterable, const char *method)
{
    PyObject *out = NULL, *it = NULL, *item = NULL;
    if ((out = PyList_New(0)) == NULL || (it = PyObject_GetIter(iterable)) == NULL) {
        goto error;
    }
    while ((item = PyIter_Next(it)) != NULL) {
        PyObject *v = PyObject_CallMethod(item, method, NULL);
        Py_CLEAR(item);
        if (v == NULL || PyList_Append(out, v) < 0) {
            Py_XDECREF(v);
            goto error;
        }
        Py_DECREF(v);
    }
    if (PyErr_Occurred()) {
        goto error;
    }
    Py_DECREF(it);
    return out;
error:
    Py_XDECREF(out);
    Py_XDECREF(it);
    return NULL;
}

/* ================================================================ constructor arguments */

/* Returns a new dict {getattr(x, key_attr): getattr(x, value_attr) for x in (v or [])},
 * leaving out the key `skip` (may be NULL). v may be NULL (omitted). */
static PyObject *
dict_from_objects(PyObject *v, const char *key_attr, const char *value_attr, const char *skip)
{
    PyObject *d = NULL, *it = NULL, *item = NULL, *k = NULL, *val = NULL;
    int truth = v == NULL ? 0 : PyObject_IsTrue(v);
    if (truth < 0 || (d = PyDict_New()) == NULL) {
        return NULL;
    }
    if (!truth) {
        return d;
    }
    if ((it = PyObject_GetIter(v)) == NULL) {
        goto error;
    }
    while ((item = PyIter_Next(it)) != NULL) {
        if ((k = PyObject_GetAttrString(item, key_attr)) == NULL ||
            (val = PyObject_GetAttrString(item, value_attr)) == NULL) {
            goto error;
        }
        if (skip == NULL || !PyUnicode_Check(k) || PyUnicode_CompareWithASCIIString(k, skip)) {
            if (PyDict_SetItem(d, k, val) < 0) {
                goto error;
            }
        }
        Py_CLEAR(item);
        Py_CLEAR(k);
        Py_CLEAR(val);
    }
    if (PyErr_Occurred()) {
        goto error;
    }
    Py_DECREF(it);
    return d;
error:
    Py_XDECREF(d);
    Py_XDECREF(it);
    Py_XDECREF(item);
    Py_XDECREF(k);
    Py_XDECREF(val);
    return NULL;
}

/* Returns a new reference: `v or <new empty list/dict>` (v may be NULL). */
static PyObject *
or_empty(PyObject *v, int want_dict)
{
    int truth = v == NULL ? 0 : PyObject_IsTrue(v);
    if (truth < 0) {
        return NULL;
    }
    if (truth) {
        return Py_NewRef(v);
    }
    return want_dict ? PyDict_New() : PyList_New(0);
}

/* Returns a new reference: the field value for constructor argument v (borrowed, NULL when
 * omitted) under p's rule. */
static PyObject *
convert_param(mlc_state *st, const InitParam *p, PyObject *v)
{
    switch (p->conv) {
    case CV_PLAIN:
        if (v == NULL) {
            return p->dflt != NULL ? PyUnicode_FromString(p->dflt) : Py_NewRef(Py_None);
        }
        return Py_NewRef(v);
    case CV_REQUIRED:
    case CV_REQ_MLFLOW:
        if (mlc_is_none(v)) {
            if (p->conv == CV_REQUIRED) {
                PyErr_Format(PyExc_Exception, "%s cannot be None", p->name);
                return NULL;
            }
            return mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR, "%s cannot be None",
                             p->name);
        }
        return Py_NewRef(v);
    case CV_OR_LIST:
        return or_empty(v, 0);
    case CV_TAGS:
        return dict_from_objects(v, "key", "value", NULL);
    case CV_TAGS_NOPROMPT:
        return dict_from_objects(v, "key", "value", "mlflow.prompt.is_prompt");
    case CV_TAGS_ANY:
        if (v != NULL && PyList_Check(v)) {
            return dict_from_objects(v, "key", "value", NULL);
        }
        return or_empty(v, 1);
    case CV_ALIASES:
        return dict_from_objects(v, "alias", "version", NULL);
    case CV_LM_STATUS: {
        if (v == NULL) {
            return PyObject_GetAttrString(st->LoggedModelStatus, "READY");
        }
        int r = PyObject_IsInstance(v, st->LoggedModelStatus);
        if (r < 0) {
            return NULL;
        }
        return r ? Py_NewRef(v) : PyObject_CallMethod(st->LoggedModelStatus, "from_int", "O", v);
    }
    case CV_WORKSPACE:
        if (!mlc_is_none(v)) {
            PyObject *s = PyObject_CallMethod(v, "strip", NULL);
            if (s == NULL) {
                return NULL;
            }
            int truth = PyObject_IsTrue(s);
            if (truth != 0) {
                if (truth < 0) {
                    Py_CLEAR(s);
                }
                return s;
            }
            Py_DECREF(s);
        }
        return env_workspace();
    }
    PyErr_SetString(PyExc_SystemError, "entities: unknown argument rule");
    return NULL;
}

/* Parses tp_init (args, kwargs) against names (count n, the first nreq required) into out
 * (borrowed references, NULL when omitted). 0 or -1. */
static int
parse_init(const char *fname, PyObject *args, PyObject *kwargs, const char *const *names,
           Py_ssize_t n, Py_ssize_t nreq, PyObject **out)
{
    PyObject *stack[ENT_MAX_PARAMS];
    PyObject *kwnames = NULL;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    Py_ssize_t nkw = kwargs == NULL ? 0 : PyDict_GET_SIZE(kwargs);
    if (nargs + nkw > ENT_MAX_PARAMS) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)", fname, n,
                     nargs + nkw);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        stack[i] = PyTuple_GET_ITEM(args, i);
    }
    if (nkw > 0) {
        if ((kwnames = PyTuple_New(nkw)) == NULL) {
            return -1;
        }
        PyObject *k, *v;
        Py_ssize_t pos = 0, j = 0;
        while (PyDict_Next(kwargs, &pos, &k, &v)) {
            PyTuple_SET_ITEM(kwnames, j, Py_NewRef(k)); /* steals */
            stack[nargs + j] = v;
            j++;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = NULL;
    }
    int rc = mlc_args_parse(fname, stack, nargs, kwnames, names, n, nreq, out, NULL);
    Py_XDECREF(kwnames);
    return rc;
}

/* Metric: both dataset_name and dataset_digest, or neither. */
static int
metric_post_init(mlc_state *st, EntityObject *self, PyObject *const *Py_UNUSED(args))
{
    int nones = (self->f[MT_dataset_name] == Py_None) + (self->f[MT_dataset_digest] == Py_None);
    if (nones == 1) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Both dataset_name and dataset_digest must be provided if one is provided");
        return -1;
    }
    return 0;
}

/* LoggedModel: model_uri is fixed at construction, as MLflow does. */
static int
logged_model_post_init(mlc_state *Py_UNUSED(st), EntityObject *self,
                       PyObject *const *Py_UNUSED(args))
{
    return put(self, LM_model_uri, PyUnicode_FromFormat("models:/%S", self->f[LM_model_id]));
}

/* ActiveRun(run): Run.__init__(self, run.info, run.data, run.inputs, run.outputs). */
static int
active_run_post_init(mlc_state *st, EntityObject *self, PyObject *const *args)
{
    static const char *const attrs[] = {"info", "data", "inputs", "outputs"};
    static const int fields[] = {RN_info, RN_data, RN_inputs, RN_outputs};
    PyObject *v[4] = {NULL, NULL, NULL, NULL};
    int result = -1;
    for (int i = 0; i < 4; i++) {
        if ((v[i] = PyObject_GetAttrString(args[0], attrs[i])) == NULL) {
            goto done;
        }
    }
    if (v[0] == Py_None) {
        mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR, "run_info cannot be None");
        goto done;
    }
    for (int i = 0; i < 4; i++) {
        (void)put(self, fields[i], v[i]); /* steals */
        v[i] = NULL;
    }
    result = 0;
done:
    for (int i = 0; i < 4; i++) {
        Py_XDECREF(v[i]);
    }
    return result;
}

/* ================================================================ generic slots */

static PyObject *
Entity_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwds))
{
    const EntityDef *def = def_of_type(type);
    return def == NULL ? NULL : (PyObject *)entity_alloc(type, def);
}

static int
Entity_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    EntityObject *o = EntityObject_CAST(self);
    const EntityDef *def = o->def;
    const char *names[ENT_MAX_PARAMS + 1];
    PyObject *a[ENT_MAX_PARAMS];
    mlc_state *st = mlc_state_from_type(Py_TYPE(self));
    if (st == NULL) {
        return -1;
    }
    for (int i = 0; i < def->nparams; i++) {
        names[i] = def->params[i].name;
    }
    names[def->nparams] = NULL;
    if (parse_init(def->name, args, kwargs, names, def->nparams, def->nrequired, a) < 0) {
        return -1;
    }
    for (int i = 0; i < def->nparams; i++) {
        const InitParam *p = &def->params[i];
        if (p->field < 0) {
            continue;
        }
        if (put(o, p->field, convert_param(st, p, a[i])) < 0) {
            return -1;
        }
    }
    return def->post_init != NULL ? def->post_init(st, o, a) : 0;
}

static int
Entity_traverse(PyObject *self, visitproc visit, void *arg)
{
    EntityObject *o = EntityObject_CAST(self);
    Py_VISIT(Py_TYPE(self));
    int n = o->def == NULL ? 0 : o->def->nfields;
    for (int i = 0; i < n; i++) {
        Py_VISIT(o->f[i]);
    }
    return 0;
}

/* Breaks cycles by resetting every field to None, so that a live entity never holds a NULL
 * field (code that runs during a collection may still look at it). */
static int
Entity_clear(PyObject *self)
{
    EntityObject *o = EntityObject_CAST(self);
    int n = o->def == NULL ? 0 : o->def->nfields;
    for (int i = 0; i < n; i++) {
        if (o->f[i] != NULL && o->f[i] != Py_None) {
            Py_SETREF(o->f[i], Py_NewRef(Py_None));
        }
    }
    return 0;
}

static void
Entity_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    EntityObject *o = EntityObject_CAST(self);
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, Entity_dealloc)
    PyObject *exc = PyErr_GetRaisedException(); /* field destructors may run Python code */
    int n = o->def == NULL ? 0 : o->def->nfields;
    for (int i = 0; i < n; i++) {
        Py_CLEAR(o->f[i]);
    }
    PyErr_SetRaisedException(exc);
    tp->tp_free(self);
    Py_DECREF(tp);
    Py_TRASHCAN_END
}

static PyObject *
Entity_get(PyObject *self, void *closure)
{
    PyObject *v = EntityObject_CAST(self)->f[(intptr_t)closure];
    return Py_NewRef(v != NULL ? v : Py_None);
}

static int
Entity_set(PyObject *self, PyObject *value, void *closure)
{
    EntityObject *o = EntityObject_CAST(self);
    int i = (int)(intptr_t)closure;
    if (value == NULL || !(o->def->writable & BIT(i))) {
        PyObject *name = type_name(self);
        if (name != NULL) {
            PyErr_Format(PyExc_AttributeError, "property '%s' of '%U' object has no %s",
                         o->def->fields[i], name, value == NULL ? "deleter" : "setter");
            Py_DECREF(name);
        }
        return -1;
    }
    Py_SETREF(o->f[i], Py_NewRef(value));
    return 0;
}

static PyObject *
Entity_iter(PyObject *self)
{
    PyObject *pairs = prop_pairs(EntityObject_CAST(self));
    if (pairs == NULL) {
        return NULL;
    }
    PyObject *it = PyObject_GetIter(pairs);
    Py_DECREF(pairs);
    return it;
}

/* Returns a new reference: pprint.pformat(v), as MLflow prints entity fields (scalars take
 * the short way: their pformat is their repr). */
static PyObject *
pformat(PyObject *v)
{
    if (v == Py_None || PyBool_Check(v) || PyLong_CheckExact(v) || PyFloat_CheckExact(v)) {
        return PyObject_Repr(v);
    }
    PyObject *mod = PyImport_ImportModule("pprint");
    if (mod == NULL) {
        return NULL;
    }
    PyObject *r = PyObject_CallMethod(mod, "pformat", "O", v);
    Py_DECREF(mod);
    return r;
}

/* "<Name: k1=pformat(v1), k2=...>" over the properties in sorted order (_MlflowObject). */
static PyObject *
Entity_repr(PyObject *self)
{
    EntityObject *o = EntityObject_CAST(self);
    PyObject *name = NULL, *parts = NULL, *sep = NULL, *body = NULL, *result = NULL;
    int rec = Py_ReprEnter(self);
    if (rec != 0) {
        return rec > 0 ? PyUnicode_FromString("...") : NULL;
    }
    if ((name = type_name(self)) == NULL || (parts = PyList_New(0)) == NULL) {
        goto done;
    }
    for (int i = 0; i < o->def->nprops; i++) {
        PyObject *value = Py_NewRef(o->f[i]);
        PyObject *text = pformat(value);
        Py_DECREF(value);
        PyObject *item =
            text == NULL ? NULL : PyUnicode_FromFormat("%s=%U", o->def->fields[i], text);
        Py_XDECREF(text);
        if (item == NULL || PyList_Append(parts, item) < 0) {
            Py_XDECREF(item);
            goto done;
        }
        Py_DECREF(item);
    }
    if ((sep = PyUnicode_FromString(", ")) == NULL ||
        (body = PyUnicode_Join(sep, parts)) == NULL) {
        goto done;
    }
    result = PyUnicode_FromFormat("<%U: %U>", name, body);
done:
    Py_ReprLeave(self);
    Py_XDECREF(name);
    Py_XDECREF(parts);
    Py_XDECREF(sep);
    Py_XDECREF(body);
    return result;
}

/* LoggedModel's own repr: "LoggedModel(k=repr(v), ...)" without tags, params and metrics. */
static PyObject *
LoggedModel_repr(PyObject *self)
{
    EntityObject *o = EntityObject_CAST(self);
    PyObject *parts = NULL, *sep = NULL, *body = NULL, *result = NULL;
    int rec = Py_ReprEnter(self);
    if (rec != 0) {
        return rec > 0 ? PyUnicode_FromString("...") : NULL;
    }
    if ((parts = PyList_New(0)) == NULL) {
        goto done;
    }
    for (int i = 0; i < o->def->nprops; i++) {
        if (i == LM_tags || i == LM_params || i == LM_metrics) {
            continue;
        }
        PyObject *value = Py_NewRef(o->f[i]);
        PyObject *item = PyUnicode_FromFormat("%s=%R", o->def->fields[i], value);
        Py_DECREF(value);
        if (item == NULL || PyList_Append(parts, item) < 0) {
            Py_XDECREF(item);
            goto done;
        }
        Py_DECREF(item);
    }
    if ((sep = PyUnicode_FromString(", ")) == NULL ||
        (body = PyUnicode_Join(sep, parts)) == NULL) {
        goto done;
    }
    result = PyUnicode_FromFormat("LoggedModel(%U)", body);
done:
    Py_ReprLeave(self);
    Py_XDECREF(parts);
    Py_XDECREF(sep);
    Py_XDECREF(body);
    return result;
}

/* 1 when fields idx[0..n) of a and b are pairwise equal, 0 when not, -1 on error. */
static int
fields_equal(EntityObject *a, EntityObject *b, int n)
{
    for (int i = 0; i < n; i++) {
        PyObject *x = Py_NewRef(a->f[i]), *y = Py_NewRef(b->f[i]);
        int eq = PyObject_RichCompareBool(x, y, Py_EQ);
        Py_DECREF(x);
        Py_DECREF(y);
        if (eq <= 0) {
            return eq;
        }
    }
    return 1;
}

/* self == other under self's eq rule: 1, 0, or -1 with an exception. */
static int
entity_equal(PyObject *self, PyObject *other)
{
    EntityObject *o = EntityObject_CAST(self);
    switch (o->def->eq) {
    case EQ_IDENTITY:
        return self == other;
    case EQ_SAME_TYPE:
        if (Py_TYPE(other) != Py_TYPE(self)) {
            return 0;
        }
        return fields_equal(o, EntityObject_CAST(other), o->def->nfields);
    case EQ_INSTANCE:
        if (!PyObject_TypeCheck(other, Py_TYPE(self))) {
            return 0;
        }
        return fields_equal(o, EntityObject_CAST(other), o->def->nfields);
    case EQ_KEY:
        if (!PyObject_TypeCheck(other, Py_TYPE(self))) {
            return 0;
        }
        {
            PyObject *x = Py_NewRef(o->f[KV_key]);
            PyObject *y = Py_NewRef(EntityObject_CAST(other)->f[KV_key]);
            int eq = PyObject_RichCompareBool(x, y, Py_EQ);
            Py_DECREF(x);
            Py_DECREF(y);
            return eq;
        }
    case EQ_PROPS: {
        PyObject *a = prop_dict(o);
        PyObject *b = a == NULL ? NULL : PyObject_CallOneArg((PyObject *)&PyDict_Type, other);
        int eq = b == NULL ? -1 : PyObject_RichCompareBool(a, b, Py_EQ);
        Py_XDECREF(a);
        Py_XDECREF(b);
        return eq;
    }
    }
    return self == other;
}

static PyObject *
Entity_richcompare(PyObject *self, PyObject *other, int op)
{
    if (op != Py_EQ && op != Py_NE) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    int eq = entity_equal(self, other);
    if (eq < 0) {
        return NULL;
    }
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

/* Metric: hash of its fields in constructor order; Param: hash of its key. */
static Py_hash_t
Entity_hash(PyObject *self)
{
    EntityObject *o = EntityObject_CAST(self);
    if (o->def->eq == EQ_KEY) {
        return PyObject_Hash(o->f[KV_key]);
    }
    PyObject *t = PyTuple_New(MT_N);
    if (t == NULL) {
        return -1;
    }
    for (int i = 0; i < MT_N; i++) {
        PyTuple_SET_ITEM(t, i, Py_NewRef(o->f[metric_order[i]])); /* steals */
    }
    Py_hash_t h = PyObject_Hash(t);
    Py_DECREF(t);
    return h;
}

/* __reduce__: (copyreg.__newobj__, (type(self),), <tuple of every field>). */
static PyObject *
Entity_reduce(PyObject *self, PyObject *Py_UNUSED(unused))
{
    EntityObject *o = EntityObject_CAST(self);
    PyObject *copyreg = NULL, *newobj = NULL, *state = NULL, *result = NULL;
    if ((copyreg = PyImport_ImportModule("copyreg")) == NULL ||
        (newobj = PyObject_GetAttrString(copyreg, "__newobj__")) == NULL ||
        (state = PyTuple_New(o->def->nfields)) == NULL) {
        goto done;
    }
    for (int i = 0; i < o->def->nfields; i++) {
        PyTuple_SET_ITEM(state, i, Py_NewRef(o->f[i])); /* steals */
    }
    result = Py_BuildValue("(O(O)O)", newobj, (PyObject *)Py_TYPE(self), state);
done:
    Py_XDECREF(copyreg);
    Py_XDECREF(newobj);
    Py_XDECREF(state);
    return result;
}

static PyObject *
Entity_setstate(PyObject *self, PyObject *state)
{
    EntityObject *o = EntityObject_CAST(self);
    if (!PyTuple_Check(state) || PyTuple_GET_SIZE(state) != o->def->nfields) {
        PyErr_Format(PyExc_TypeError, "%s.__setstate__ expects a tuple of %d fields",
                     o->def->name, o->def->nfields);
        return NULL;
    }
    for (int i = 0; i < o->def->nfields; i++) {
        Py_SETREF(o->f[i], Py_NewRef(PyTuple_GET_ITEM(state, i)));
    }
    Py_RETURN_NONE;
}

/* Sets d[key] = <new reference v> (stolen). 0 or -1. */
static int
dict_put(PyObject *d, const char *key, PyObject *v)
{
    if (v == NULL) {
        return -1;
    }
    int rc = set_item(d, key, v);
    Py_DECREF(v);
    return rc;
}

/* to_dictionary() of Metric, Run, RunData, RunInputs, RunOutputs, LoggedModelOutput and
 * LoggedModel, each with MLflow's keys and order. */
static PyObject *
Entity_to_dictionary(PyObject *self, PyObject *Py_UNUSED(unused))
{
    EntityObject *o = EntityObject_CAST(self);
    const EntityDef *def = o->def;
    PyObject *d = NULL;
    if (def == &defs[E_LOGGED_MODEL]) {
        if ((d = prop_dict(o)) == NULL ||
            dict_put(d, "status", PyObject_CallMethod(o->f[LM_status], "to_int", NULL)) < 0 ||
            PyDict_DelItemString(d, "model_uri") < 0) {
            goto error;
        }
        return d;
    }
    if ((d = PyDict_New()) == NULL) {
        return NULL;
    }
    if (def == &defs[E_METRIC]) {
        for (int i = 0; i < MT_N; i++) {
            if (set_item(d, MT_names[metric_order[i]], o->f[metric_order[i]]) < 0) {
                goto error;
            }
        }
    }
    else if (def == &defs[E_RUN] || def == &defs[E_ACTIVE_RUN]) {
        static const char *const keys[] = {"data", "inputs", "outputs"};
        static const int fields[] = {RN_data, RN_inputs, RN_outputs};
        if (dict_put(d, "info", PyObject_CallOneArg((PyObject *)&PyDict_Type, o->f[RN_info])) <
            0) {
            goto error;
        }
        for (int i = 0; i < 3; i++) {
            PyObject *v = Py_NewRef(o->f[fields[i]]);
            int truth = PyObject_IsTrue(v);
            if (truth < 0 ||
                (truth && dict_put(d, keys[i], PyObject_CallMethod(v, "to_dictionary", NULL)) <
                              0)) {
                Py_DECREF(v);
                goto error;
            }
            Py_DECREF(v);
        }
    }
    else if (def == &defs[E_RUN_DATA]) {
        for (int i = 0; i < RD_N; i++) {
            if (set_item(d, RD_names[i], o->f[i]) < 0) {
                goto error;
            }
        }
    }
    else if (def == &defs[E_RUN_INPUTS]) {
        if (set_item(d, "model_inputs", o->f[RIN_model_inputs]) < 0 ||
            dict_put(d, "dataset_inputs",
                     map_method(o->f[RIN_dataset_inputs], "to_dictionary")) < 0) {
            goto error;
        }
    }
    else if (def == &defs[E_RUN_OUTPUTS]) {
        if (dict_put(d, "model_outputs",
                     map_method(o->f[ROUT_model_outputs], "to_dictionary")) < 0) {
            goto error;
        }
    }
    else if (def == &defs[E_LM_OUTPUT]) {
        if (set_item(d, "model_id", o->f[LMO_model_id]) < 0 ||
            set_item(d, "step", o->f[LMO_step]) < 0) {
            goto error;
        }
    }
    else {
        PyErr_Format(PyExc_AttributeError, "'%s' object has no attribute 'to_dictionary'",
                     def->name);
        goto error;
    }
    return d;
error:
    Py_XDECREF(d);
    return NULL;
}

/* ================================================================ ActiveRun */

static PyObject *
ActiveRun_enter(PyObject *self, PyObject *Py_UNUSED(unused))
{
    return Py_NewRef(self);
}

/* __exit__: ends the run (FINISHED, or FAILED when an exception is propagating) when it is
 * still on the thread's stack, then returns `exc_type is None` as MLflow does. */
static PyObject *
ActiveRun_exit(PyObject *self, PyTypeObject *cls, PyObject *const *args, Py_ssize_t nargs,
               PyObject *kwnames)
{
    static const char *const names[] = {"exc_type", "exc_val", "exc_tb", NULL};
    PyObject *a[3] = {NULL, NULL, NULL};
    mlc_state *st = mlc_state_from_class(cls);
    if (mlc_args_parse("__exit__", args, nargs, kwnames, names, 3, 3, a, NULL) < 0) {
        return NULL;
    }
    PyObject *run_id = mlc_entity_run_id(st, self);
    if (run_id == NULL) {
        return NULL;
    }
    int failed = a[0] != Py_None;
    Py_INCREF(run_id); /* the call may run Python code that replaces self's fields */
    int rc = mlc_tracking_exit_run(st, run_id, failed);
    Py_DECREF(run_id);
    if (rc < 0) {
        return NULL;
    }
    return PyBool_FromLong(!failed);
}

/* ================================================================ type specs */

#define ENT_PICKLE_METHODS                                                                   \
    {"__reduce__", Entity_reduce, METH_NOARGS, NULL},                                        \
        {"__setstate__", Entity_setstate, METH_O, NULL},

static PyMethodDef Entity_methods[] = {
    ENT_PICKLE_METHODS{NULL, NULL, 0, NULL},
};

static PyMethodDef EntityDict_methods[] = {
    ENT_PICKLE_METHODS{"to_dictionary", Entity_to_dictionary, METH_NOARGS,
                       "to_dictionary($self)\n--\n\nThe entity as a dict, as MLflow builds it."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef ActiveRun_methods[] = {
    {"__enter__", ActiveRun_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))ActiveRun_exit,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "__exit__($self, exc_type, exc_val, exc_tb)\n--\n\n"
     "End the run (FINISHED, or FAILED on an exception) if it is still active."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef EX_getset[] = {EXPERIMENT_FIELDS(FIELD_GETSET, EX){NULL}};
static PyGetSetDef RN_getset[] = {RUN_FIELDS(FIELD_GETSET, RN){NULL}};
static PyGetSetDef RI_getset[] = {
    RUN_INFO_FIELDS(FIELD_GETSET, RI)
    /* MLflow 3 dropped run_uuid; kept as an alias of run_id (not a listed property). */
    {"run_uuid", Entity_get, NULL, NULL, (void *)(intptr_t)RI_run_id},
    {NULL},
};
static PyGetSetDef RD_getset[] = {RUN_DATA_FIELDS(FIELD_GETSET, RD){NULL}};
static PyGetSetDef RIN_getset[] = {RUN_INPUTS_FIELDS(FIELD_GETSET, RIN){NULL}};
static PyGetSetDef ROUT_getset[] = {RUN_OUTPUTS_FIELDS(FIELD_GETSET, ROUT){NULL}};
static PyGetSetDef LMO_getset[] = {LM_OUTPUT_FIELDS(FIELD_GETSET, LMO){NULL}};
static PyGetSetDef LMI_getset[] = {LM_INPUT_FIELDS(FIELD_GETSET, LMI){NULL}};
static PyGetSetDef MT_getset[] = {METRIC_FIELDS(FIELD_GETSET, MT){NULL}};
static PyGetSetDef KV_getset[] = {KV_FIELDS(FIELD_GETSET, KV){NULL}};
static PyGetSetDef LM_getset[] = {LOGGED_MODEL_FIELDS(FIELD_GETSET, LM){NULL}};
static PyGetSetDef RM_getset[] = {REGISTERED_MODEL_FIELDS(FIELD_GETSET, RM){NULL}};
static PyGetSetDef MV_getset[] = {MODEL_VERSION_FIELDS(FIELD_GETSET, MV){NULL}};
static PyGetSetDef FI_getset[] = {FILE_INFO_FIELDS(FIELD_GETSET, FI){NULL}};

#define ENT_FLAGS (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE)
#define ENT_GC_SLOTS                                                                         \
    {Py_tp_traverse, Entity_traverse}, {Py_tp_clear, Entity_clear},                          \
        {Py_tp_dealloc, Entity_dealloc},
#define ENT_BASE_SLOTS(P)                                                                    \
    ENT_GC_SLOTS{Py_tp_new, Entity_new}, {Py_tp_init, Entity_init},                          \
        {Py_tp_iter, Entity_iter}, {Py_tp_getset, P##_getset},
/* __eq__ without __hash__ (Python sets __hash__ = None for such classes) */
#define EQ_UNHASHABLE                                                                        \
    {Py_tp_richcompare, Entity_richcompare}, {Py_tp_hash, PyObject_HashNotImplemented},
#define EQ_HASHABLE {Py_tp_richcompare, Entity_richcompare}, {Py_tp_hash, Entity_hash},

#define ENT_SPEC(T, fullname, P, extra_flags, doc, ...)                                      \
    static PyType_Slot T##_slots[] = {                                                       \
        ENT_BASE_SLOTS(P) __VA_ARGS__{Py_tp_doc, (void *)(doc)}, {0, NULL}};                  \
    static PyType_Spec T##_spec = {                                                          \
        .name = fullname,                                                                    \
        .basicsize = ENT_SIZE(P##_N),                                                        \
        .flags = ENT_FLAGS | (extra_flags),                                                  \
        .slots = T##_slots,                                                                  \
    };

#define MOD "mlflow_c.entities."
#define REG "mlflow_c.entities.model_registry."

ENT_SPEC(Experiment, MOD "Experiment", EX, 0,
         "Experiment(experiment_id, name, artifact_location, lifecycle_stage, tags=None, "
         "creation_time=None, last_update_time=None, workspace=None, trace_location=None, "
         "effective_trace_archival_retention=None)\n--\n\nExperiment object.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods},)
ENT_SPEC(Run, MOD "Run", RN, Py_TPFLAGS_BASETYPE,
         "Run(run_info, run_data, run_inputs=None, run_outputs=None)\n--\n\nRun object.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, EntityDict_methods},)
ENT_SPEC(RunInfo, MOD "RunInfo", RI, 0,
         "RunInfo(run_id, experiment_id, user_id, status, start_time, end_time, "
         "lifecycle_stage, artifact_uri=None, run_name=None)\n--\n\nMetadata about a run.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods}, EQ_UNHASHABLE)
ENT_SPEC(RunData, MOD "RunData", RD, 0,
         "RunData(metrics=None, params=None, tags=None)\n--\n\n"
         "Run data (metrics, parameters and tags).",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, EntityDict_methods},)
ENT_SPEC(RunInputs, MOD "RunInputs", RIN, 0,
         "RunInputs(dataset_inputs, model_inputs=None)\n--\n\nRunInputs object.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, EntityDict_methods}, EQ_UNHASHABLE)
ENT_SPEC(RunOutputs, MOD "RunOutputs", ROUT, 0,
         "RunOutputs(model_outputs)\n--\n\nRunOutputs object.", {Py_tp_repr, Entity_repr},
         {Py_tp_methods, EntityDict_methods}, EQ_UNHASHABLE)
ENT_SPEC(LoggedModelOutput, MOD "LoggedModelOutput", LMO, 0,
         "LoggedModelOutput(model_id, step)\n--\n\nA model logged by a run.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, EntityDict_methods}, EQ_UNHASHABLE)
ENT_SPEC(LoggedModelInput, MOD "LoggedModelInput", LMI, 0,
         "LoggedModelInput(model_id)\n--\n\nA model used as an input of a run.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods}, EQ_UNHASHABLE)
ENT_SPEC(Metric, MOD "Metric", MT, 0,
         "Metric(key, value, timestamp, step, model_id=None, dataset_name=None, "
         "dataset_digest=None, run_id=None)\n--\n\nMetric object.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, EntityDict_methods}, EQ_HASHABLE)
ENT_SPEC(Param, MOD "Param", KV, 0, "Param(key, value)\n--\n\nParameter object.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods}, EQ_HASHABLE)
ENT_SPEC(RunTag, MOD "RunTag", KV, 0, "RunTag(key, value)\n--\n\nTag of a run.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods}, EQ_UNHASHABLE)
ENT_SPEC(LoggedModel, MOD "LoggedModel", LM, 0,
         "LoggedModel(experiment_id, model_id, name, artifact_location, creation_timestamp, "
         "last_updated_timestamp, model_type=None, source_run_id=None, "
         "status=LoggedModelStatus.READY, status_message=None, tags=None, params=None, "
         "metrics=None)\n--\n\nA model logged to an MLflow experiment.",
         {Py_tp_repr, LoggedModel_repr}, {Py_tp_methods, EntityDict_methods},)
ENT_SPEC(RegisteredModel, REG "RegisteredModel", RM, 0,
         "RegisteredModel(name, creation_timestamp=None, last_updated_timestamp=None, "
         "description=None, latest_versions=None, tags=None, aliases=None, "
         "deployment_job_id=None, deployment_job_state=None, workspace=None)\n--\n\n"
         "A registered model of the model registry.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods}, EQ_UNHASHABLE)
ENT_SPEC(ModelVersion, REG "ModelVersion", MV, 0,
         "ModelVersion(name, version, creation_timestamp, last_updated_timestamp=None, "
         "description=None, user_id=None, current_stage=None, source=None, run_id=None, "
         "status='READY', status_message=None, tags=None, run_link=None, aliases=None, "
         "model_id=None, params=None, metrics=None, deployment_job_state=None, "
         "workspace=None)\n--\n\nA version of a registered model.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods}, EQ_UNHASHABLE)
ENT_SPEC(FileInfo, MOD "FileInfo", FI, 0,
         "FileInfo(path, is_dir, file_size)\n--\n\nMetadata about a file or directory.",
         {Py_tp_repr, Entity_repr}, {Py_tp_methods, Entity_methods}, EQ_UNHASHABLE)

/* tp_new/tp_init repeated here so inspect.signature reads ActiveRun's own text signature. */
static PyType_Slot ActiveRun_slots[] = {
    ENT_GC_SLOTS{Py_tp_new, Entity_new},
    {Py_tp_init, Entity_init},
    {Py_tp_methods, ActiveRun_methods},
    {Py_tp_doc, (void *)"ActiveRun(run)\n--\n\n"
                        "A Run usable as a context manager (`with start_run() as run:`)."},
    {0, NULL},
};

static PyType_Spec ActiveRun_spec = {
    .name = MOD "ActiveRun",
    .basicsize = ENT_SIZE(RN_N),
    .flags = ENT_FLAGS,
    .slots = ActiveRun_slots,
};

/* ================================================================ LoggedModelStatus */

static const char *const lm_status_names[] = {"UNSPECIFIED", "PENDING", "READY", "FAILED"};
#define LM_STATUS_COUNT 4

/* str(status) is its value ("READY"), as MLflow's __str__ returns. */
static PyObject *
LMStatusBase_str(PyObject *self)
{
    return PyUnicode_FromObject(self);
}

/* The mixin called directly (Enum computes each member's _value_ as mixin(value)) gives a
 * plain str, so LoggedModelStatus.READY.value is "READY" and pickles as a str; the Enum class
 * itself gets str instances of its own type. */
static PyObject *
LMStatusBase_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (type->tp_base == &PyUnicode_Type) { /* the mixin itself */
        type = &PyUnicode_Type;
    }
    return PyUnicode_Type.tp_new(type, args, kwds);
}

static void
LMStatusBase_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyUnicode_Type.tp_dealloc(self);
    Py_DECREF(tp);
}

static PyObject *
LMStatusBase_to_int(PyObject *self, PyTypeObject *cls, PyObject *const *Py_UNUSED(args),
                    Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs != 0 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)) {
        PyErr_SetString(PyExc_TypeError, "to_int() takes no arguments");
        return NULL;
    }
    for (int i = 0; i < LM_STATUS_COUNT; i++) {
        if (PyUnicode_CompareWithASCIIString(self, lm_status_names[i]) == 0) {
            return PyLong_FromLong(i);
        }
    }
    return mlc_raise(mlc_state_from_class(cls)->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                     "Unknown model status: %S", self);
}

static PyObject *
LMStatusBase_from_int(PyObject *type, PyTypeObject *cls, PyObject *const *args,
                      Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"status_int", NULL};
    PyObject *a[1] = {NULL};
    if (mlc_args_parse("from_int", args, nargs, kwnames, names, 1, 1, a, NULL) < 0) {
        return NULL;
    }
    for (int i = 0; i < LM_STATUS_COUNT; i++) {
        PyObject *n = PyLong_FromLong(i);
        int eq = n == NULL ? -1 : PyObject_RichCompareBool(a[0], n, Py_EQ);
        Py_XDECREF(n);
        if (eq < 0) {
            return NULL;
        }
        if (eq) {
            return PyObject_GetAttrString(type, lm_status_names[i]);
        }
    }
    return mlc_raise(mlc_state_from_class(cls)->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                     "Unknown model status: %S", a[0]);
}

/* is_finalized(status): status in [READY, FAILED] (compared by value, like the str enum). */
static PyObject *
LMStatusBase_is_finalized(PyObject *Py_UNUSED(unused), PyObject *status)
{
    static const char *const finals[] = {"READY", "FAILED"};
    for (int i = 0; i < 2; i++) {
        PyObject *s = PyUnicode_FromString(finals[i]);
        int eq = s == NULL ? -1 : PyObject_RichCompareBool(s, status, Py_EQ);
        Py_XDECREF(s);
        if (eq != 0) {
            return eq < 0 ? NULL : Py_NewRef(Py_True);
        }
    }
    Py_RETURN_FALSE;
}

static PyMethodDef LMStatusBase_methods[] = {
    {"to_int", (PyCFunction)(void (*)(void))LMStatusBase_to_int,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS,
     "to_int($self)\n--\n\nThe status as the integer stored by tracking stores."},
    {"from_int", (PyCFunction)(void (*)(void))LMStatusBase_from_int,
     METH_METHOD | METH_FASTCALL | METH_KEYWORDS | METH_CLASS,
     "from_int($cls, status_int)\n--\n\nThe member for a stored integer."},
    {"is_finalized", LMStatusBase_is_finalized, METH_O | METH_STATIC,
     "is_finalized(status)\n--\n\nWhether no further status update will occur."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot LMStatusBase_slots[] = {
    {Py_tp_str, LMStatusBase_str},
    {Py_tp_new, LMStatusBase_new},
    {Py_tp_dealloc, LMStatusBase_dealloc},
    {Py_tp_methods, LMStatusBase_methods},
    {Py_tp_doc, (void *)"The C methods of LoggedModelStatus (a str mixin of the Enum)."},
    {0, NULL},
};

static PyType_Spec LMStatusBase_spec = {
    .name = MOD "_LoggedModelStatusBase",
    .basicsize = 0, /* a str */
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = LMStatusBase_slots,
};

/* Creates st->LoggedModelStatus = enum.Enum("LoggedModelStatus", [(n, n) ...],
 * module="mlflow_c.entities", qualname="LoggedModelStatus", type=<the str mixin>), with the
 * mixin's __str__. 0 or -1. */
static int
lm_status_init(PyObject *m, mlc_state *st)
{
    PyObject *mixin = NULL, *enum_mod = NULL, *members = NULL, *args = NULL, *kwargs = NULL;
    PyObject *str_fn = NULL, *doc = NULL;
    int result = -1;
    if ((mixin = PyType_FromModuleAndSpec(m, &LMStatusBase_spec,
                                          (PyObject *)&PyUnicode_Type)) == NULL ||
        (enum_mod = PyImport_ImportModule("enum")) == NULL ||
        (members = PyList_New(0)) == NULL) {
        goto done;
    }
    for (int i = 0; i < LM_STATUS_COUNT; i++) {
        PyObject *item = Py_BuildValue("(ss)", lm_status_names[i], lm_status_names[i]);
        if (item == NULL || PyList_Append(members, item) < 0) {
            Py_XDECREF(item);
            goto done;
        }
        Py_DECREF(item);
    }
    if ((args = Py_BuildValue("(sO)", "LoggedModelStatus", members)) == NULL ||
        (kwargs = Py_BuildValue("{sssssO}", "module", "mlflow_c.entities", "qualname",
                                "LoggedModelStatus", "type", mixin)) == NULL) {
        goto done;
    }
    {
        PyObject *enum_cls = PyObject_GetAttrString(enum_mod, "Enum");
        if (enum_cls == NULL) {
            goto done;
        }
        st->LoggedModelStatus = PyObject_Call(enum_cls, args, kwargs);
        Py_DECREF(enum_cls);
    }
    if (st->LoggedModelStatus == NULL ||
        (str_fn = PyObject_GetAttrString(mixin, "__str__")) == NULL ||
        PyObject_SetAttrString(st->LoggedModelStatus, "__str__", str_fn) < 0 ||
        (doc = PyUnicode_FromString("Status of a LoggedModel (a str Enum).")) == NULL ||
        PyObject_SetAttrString(st->LoggedModelStatus, "__doc__", doc) < 0 ||
        PyModule_AddObjectRef(m, "LoggedModelStatus", st->LoggedModelStatus) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(mixin);
    Py_XDECREF(enum_mod);
    Py_XDECREF(members);
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    Py_XDECREF(str_fn);
    Py_XDECREF(doc);
    return result;
}

/* ================================================================ PagedList */

/* PagedList.__init__(items, token): list.__init__(self, items); self.token = token. */
static int
PagedListBase_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static const char *const names[] = {"items", "token", NULL};
    PyObject *a[2];
    if (parse_init("PagedList", args, kwargs, names, 2, 2, a) < 0) {
        return -1;
    }
    PyObject *list_args = PyTuple_Pack(1, a[0]);
    if (list_args == NULL) {
        return -1;
    }
    int rc = PyList_Type.tp_init(self, list_args, NULL);
    Py_DECREF(list_args);
    return rc < 0 ? -1 : PyObject_SetAttrString(self, "token", a[1]);
}

static void
PagedListBase_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyList_Type.tp_dealloc(self);
    Py_DECREF(tp);
}

static PyObject *
PagedListBase_to_list(PyObject *self, PyObject *Py_UNUSED(unused))
{
    return PySequence_List(self);
}

static PyMethodDef PagedListBase_methods[] = {
    {"to_list", PagedListBase_to_list, METH_NOARGS,
     "to_list($self)\n--\n\nThe items as a plain list."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot PagedListBase_slots[] = {
    {Py_tp_init, PagedListBase_init},
    {Py_tp_dealloc, PagedListBase_dealloc},
    {Py_tp_methods, PagedListBase_methods},
    {Py_tp_doc, (void *)"_PagedListBase(items, token)\n--\n\nThe C part of PagedList."},
    {0, NULL},
};

static PyType_Spec PagedListBase_spec = {
    .name = MOD "_PagedListBase",
    .basicsize = 0, /* a list */
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = PagedListBase_slots,
};

/* st->PagedListType = type("PagedList", (_PagedListBase,), {...}): the class statement gives
 * instances a __dict__ (for .token) and the usual pickling of list subclasses. 0 or -1. */
static int
paged_list_init(PyObject *m, mlc_state *st)
{
    PyObject *base = NULL, *ns = NULL;
    int result = -1;
    if ((base = PyType_FromModuleAndSpec(m, &PagedListBase_spec, (PyObject *)&PyList_Type)) ==
            NULL ||
        (ns = Py_BuildValue("{ssssss}", "__module__", "mlflow_c.entities", "__qualname__",
                            "PagedList", "__doc__",
                            "A list of results with the `token` of the next page (None on "
                            "the last page).")) == NULL) {
        goto done;
    }
    st->PagedListType =
        PyObject_CallFunction((PyObject *)&PyType_Type, "s(O)O", "PagedList", base, ns);
    if (st->PagedListType == NULL ||
        PyModule_AddObjectRef(m, "PagedList", st->PagedListType) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(base);
    Py_XDECREF(ns);
    return result;
}

/* ================================================================ init */

/* Creates *slot from spec (bases may be NULL) and adds it to m. 0 or -1. */
static int
add_type(PyObject *m, PyObject **slot, PyType_Spec *spec, PyObject *bases)
{
    *slot = PyType_FromModuleAndSpec(m, spec, bases);
    if (*slot == NULL || PyModule_AddType(m, (PyTypeObject *)*slot) < 0) {
        return -1;
    }
    return 0;
}

int
mlc_entities_init(PyObject *m, mlc_state *st)
{
    if (lm_status_init(m, st) < 0 || paged_list_init(m, st) < 0 ||
        add_type(m, &st->ExperimentType, &Experiment_spec, NULL) < 0 ||
        add_type(m, &st->RunType, &Run_spec, NULL) < 0 ||
        add_type(m, &st->ActiveRunType, &ActiveRun_spec, st->RunType) < 0 ||
        add_type(m, &st->RunInfoType, &RunInfo_spec, NULL) < 0 ||
        add_type(m, &st->RunDataType, &RunData_spec, NULL) < 0 ||
        add_type(m, &st->RunInputsType, &RunInputs_spec, NULL) < 0 ||
        add_type(m, &st->RunOutputsType, &RunOutputs_spec, NULL) < 0 ||
        add_type(m, &st->LoggedModelOutputType, &LoggedModelOutput_spec, NULL) < 0 ||
        add_type(m, &st->LoggedModelInputType, &LoggedModelInput_spec, NULL) < 0 ||
        add_type(m, &st->MetricType, &Metric_spec, NULL) < 0 ||
        add_type(m, &st->ParamType, &Param_spec, NULL) < 0 ||
        add_type(m, &st->RunTagType, &RunTag_spec, NULL) < 0 ||
        add_type(m, &st->LoggedModelType, &LoggedModel_spec, NULL) < 0 ||
        add_type(m, &st->RegisteredModelType, &RegisteredModel_spec, NULL) < 0 ||
        add_type(m, &st->ModelVersionType, &ModelVersion_spec, NULL) < 0 ||
        add_type(m, &st->FileInfoType, &FileInfo_spec, NULL) < 0) {
        return -1;
    }
    return 0;
}

/* ================================================================ record conversions */

PyObject *
mlc_entity_experiment(mlc_state *st, const mlc_experiment *e)
{
    EntityObject *o = entity_new(st, E_EXPERIMENT);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, EX_artifact_location, str_or_none(e->artifact_location));
    PUT(o, EX_creation_time, time_or_none(e->creation_time));
    PUT(o, EX_experiment_id, str_or_none(e->experiment_id));
    PUT(o, EX_last_update_time, time_or_none(e->last_update_time));
    PUT(o, EX_lifecycle_stage, str_or_none(e->lifecycle_stage));
    PUT(o, EX_name, str_or_none(e->name));
    PUT(o, EX_tags, kv_dict(&e->tags, NULL));
    PUT(o, EX_workspace, env_workspace());
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

PyObject *
mlc_entity_metric(mlc_state *st, const mlc_metric *m)
{
    EntityObject *o = entity_new(st, E_METRIC);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, MT_dataset_digest, str_or_none(m->dataset_digest));
    PUT(o, MT_dataset_name, str_or_none(m->dataset_name));
    PUT(o, MT_key, str_or_none(m->key));
    PUT(o, MT_model_id, str_or_none(m->model_id));
    PUT(o, MT_run_id, str_or_none(m->run_id));
    PUT(o, MT_step, PyLong_FromLongLong((long long)m->step));
    PUT(o, MT_timestamp, PyLong_FromLongLong((long long)m->timestamp));
    PUT(o, MT_value, PyFloat_FromDouble(m->value));
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

/* Returns a new RunInfo for r. */
static PyObject *
run_info(mlc_state *st, const mlc_run *r)
{
    EntityObject *o = entity_new(st, E_RUN_INFO);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, RI_artifact_uri, str_or_none(r->artifact_uri));
    PUT(o, RI_end_time, time_or_none(r->end_time));
    PUT(o, RI_experiment_id, str_or_none(r->experiment_id));
    PUT(o, RI_lifecycle_stage, str_or_none(r->lifecycle_stage));
    PUT(o, RI_run_id, str_or_none(r->run_id));
    PUT(o, RI_run_name, str_or_none(r->run_name));
    PUT(o, RI_start_time, time_or_none(r->start_time));
    PUT(o, RI_status, str_or_none(r->status));
    PUT(o, RI_user_id, str_or_none(r->user_id));
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

/* Returns a new dict of the latest metric values (key -> float). */
static PyObject *
metric_values(const mlc_metriclist *l)
{
    PyObject *d = PyDict_New();
    for (size_t i = 0; d != NULL && i < l->n; i++) {
        PyObject *v = PyFloat_FromDouble(l->items[i].value);
        if (v == NULL || set_item(d, l->items[i].key, v) < 0) {
            Py_CLEAR(d);
        }
        Py_XDECREF(v);
    }
    return d;
}

/* Returns a new RunData for r. */
static PyObject *
run_data(mlc_state *st, const mlc_run *r)
{
    EntityObject *o = entity_new(st, E_RUN_DATA);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, RD_metrics, metric_values(&r->metrics));
    PUT(o, RD_params, kv_dict(&r->params, NULL));
    PUT(o, RD_tags, kv_dict(&r->tags, NULL));
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

/* Returns a new list of LoggedModelInput (kind E_LM_INPUT) or LoggedModelOutput for io. */
static PyObject *
model_io_list(mlc_state *st, int kind, const mlc_model_io *io, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list != NULL && i < n; i++) {
        EntityObject *o = entity_new(st, kind);
        if (o == NULL) {
            goto error;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, (PyObject *)o); /* steals */
        PUT(o, kind == E_LM_INPUT ? LMI_model_id : LMO_model_id, str_or_none(io[i].model_id));
        if (kind == E_LM_OUTPUT) {
            PUT(o, LMO_step, PyLong_FromLongLong((long long)io[i].step));
        }
    }
    return list;
error:
    Py_XDECREF(list);
    return NULL;
}

/* Fills the four Run fields of o from r. 0 or -1. */
static int
run_fill(mlc_state *st, EntityObject *o, const mlc_run *r)
{
    EntityObject *in = NULL, *out = NULL;
    PUT(o, RN_info, run_info(st, r));
    PUT(o, RN_data, run_data(st, r));
    if ((in = entity_new(st, E_RUN_INPUTS)) == NULL) {
        goto error;
    }
    PUT(o, RN_inputs, (PyObject *)in); /* the field now owns `in` */
    PUT(in, RIN_dataset_inputs, PyList_New(0));
    PUT(in, RIN_model_inputs, model_io_list(st, E_LM_INPUT, r->model_inputs, r->n_model_inputs));
    if ((out = entity_new(st, E_RUN_OUTPUTS)) == NULL) {
        goto error;
    }
    PUT(o, RN_outputs, (PyObject *)out);
    PUT(out, ROUT_model_outputs,
        model_io_list(st, E_LM_OUTPUT, r->model_outputs, r->n_model_outputs));
    return 0;
error:
    return -1;
}

/* Returns a new Run (kind E_RUN) or ActiveRun for r. */
static PyObject *
run_entity(mlc_state *st, int kind, const mlc_run *r)
{
    EntityObject *o = entity_new(st, kind);
    if (o == NULL) {
        return NULL;
    }
    if (run_fill(st, o, r) < 0) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

PyObject *
mlc_entity_run(mlc_state *st, const mlc_run *r)
{
    return run_entity(st, E_RUN, r);
}

PyObject *
mlc_entity_active_run(mlc_state *st, const mlc_run *r)
{
    return run_entity(st, E_ACTIVE_RUN, r);
}

/* Returns a new reference: the LoggedModelStatus member for a MLC_LM_* integer. */
static PyObject *
lm_status_member(mlc_state *st, int status)
{
    if (status < 0 || status >= LM_STATUS_COUNT) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Unknown model status: %d", status);
    }
    return PyObject_GetAttrString(st->LoggedModelStatus, lm_status_names[status]);
}

PyObject *
mlc_entity_logged_model(mlc_state *st, const mlc_logged_model *lm)
{
    PyObject *metrics = NULL;
    EntityObject *o = entity_new(st, E_LOGGED_MODEL);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, LM_artifact_location, str_or_none(lm->artifact_location));
    PUT(o, LM_creation_timestamp, time_or_none(lm->creation_timestamp));
    PUT(o, LM_experiment_id, str_or_none(lm->experiment_id));
    PUT(o, LM_last_updated_timestamp, time_or_none(lm->last_updated_timestamp));
    if (lm->metrics.n > 0) { /* the SQL store gives None when there are none */
        PUT(o, LM_metrics, metrics = PyList_New((Py_ssize_t)lm->metrics.n));
        for (size_t i = 0; i < lm->metrics.n; i++) {
            PyObject *mo = mlc_entity_metric(st, &lm->metrics.items[i]);
            if (mo == NULL) {
                goto error;
            }
            PyList_SET_ITEM(metrics, (Py_ssize_t)i, mo); /* steals */
        }
    }
    PUT(o, LM_model_id, str_or_none(lm->model_id));
    PUT(o, LM_model_type, str_or_none(lm->model_type));
    PUT(o, LM_model_uri, PyUnicode_FromFormat("models:/%s", lm->model_id ? lm->model_id : ""));
    PUT(o, LM_name, str_or_none(lm->name));
    PUT(o, LM_params, kv_dict(&lm->params, NULL));
    PUT(o, LM_source_run_id, str_or_none(lm->source_run_id));
    PUT(o, LM_status, lm_status_member(st, lm->status));
    PUT(o, LM_status_message, str_or_none(lm->status_message));
    PUT(o, LM_tags, kv_dict(&lm->tags, NULL));
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

/* Returns a new reference: the int of a decimal string, or the string itself otherwise. */
static PyObject *
version_value(const char *s)
{
    if (s == NULL) {
        Py_RETURN_NONE;
    }
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (*s != '\0' && end != NULL && *end == '\0') {
        return PyLong_FromLongLong(v);
    }
    return PyUnicode_FromString(s);
}

PyObject *
mlc_entity_registered_model(mlc_state *st, const mlc_registered_model *rm)
{
    PyObject *aliases = NULL;
    EntityObject *o = entity_new(st, E_REGISTERED_MODEL);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, RM_aliases, aliases = PyDict_New());
    for (size_t i = 0; i < rm->aliases.n; i++) {
        PyObject *v = version_value(rm->aliases.items[i].value);
        if (v == NULL || set_item(aliases, rm->aliases.items[i].key, v) < 0) {
            Py_XDECREF(v);
            goto error;
        }
        Py_DECREF(v);
    }
    PUT(o, RM_creation_timestamp, time_or_none(rm->creation_timestamp));
    PUT(o, RM_description, str_or_none(rm->description));
    PUT(o, RM_last_updated_timestamp, time_or_none(rm->last_updated_timestamp));
    PUT(o, RM_latest_versions, PyList_New(0));
    PUT(o, RM_name, str_or_none(rm->name));
    PUT(o, RM_tags, kv_dict(&rm->tags, "mlflow.prompt.is_prompt"));
    PUT(o, RM_workspace, env_workspace());
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

PyObject *
mlc_entity_model_version(mlc_state *st, const mlc_model_version *mv)
{
    PyObject *aliases = NULL;
    EntityObject *o = entity_new(st, E_MODEL_VERSION);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, MV_aliases, aliases = PyList_New((Py_ssize_t)mv->aliases.n));
    for (size_t i = 0; i < mv->aliases.n; i++) {
        PyObject *a = str_or_none(mv->aliases.items[i].key);
        if (a == NULL) {
            goto error;
        }
        PyList_SET_ITEM(aliases, (Py_ssize_t)i, a); /* steals */
    }
    PUT(o, MV_creation_timestamp, time_or_none(mv->creation_timestamp));
    PUT(o, MV_current_stage, str_or_none(mv->current_stage));
    PUT(o, MV_description, str_or_none(mv->description));
    PUT(o, MV_last_updated_timestamp, time_or_none(mv->last_updated_timestamp));
    PUT(o, MV_model_id, str_or_none(mv->model_id));
    PUT(o, MV_name, str_or_none(mv->name));
    PUT(o, MV_run_id, str_or_none(mv->run_id));
    PUT(o, MV_run_link, str_or_none(mv->run_link));
    PUT(o, MV_source, str_or_none(mv->source));
    PUT(o, MV_status, str_or_none(mv->status));
    PUT(o, MV_status_message, str_or_none(mv->status_message));
    PUT(o, MV_tags, kv_dict(&mv->tags, NULL));
    PUT(o, MV_user_id, str_or_none(mv->user_id));
    PUT(o, MV_version, PyLong_FromLongLong((long long)mv->version));
    PUT(o, MV_workspace, env_workspace());
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

PyObject *
mlc_entity_file_info(mlc_state *st, const char *path, int is_dir, long long file_size)
{
    EntityObject *o = entity_new(st, E_FILE_INFO);
    if (o == NULL) {
        return NULL;
    }
    PUT(o, FI_file_size, file_size < 0 ? Py_NewRef(Py_None) : PyLong_FromLongLong(file_size));
    PUT(o, FI_is_dir, PyBool_FromLong(is_dir));
    PUT(o, FI_path, str_or_none(path));
    return (PyObject *)o;
error:
    Py_DECREF(o);
    return NULL;
}

PyObject *
mlc_entity_paged_list(mlc_state *st, PyObject *items, PyObject *token)
{
    return PyObject_CallFunctionObjArgs(st->PagedListType, items, token, NULL);
}

PyObject *
mlc_entity_run_id(mlc_state *st, PyObject *run)
{
    if (!PyObject_TypeCheck(run, (PyTypeObject *)st->RunType)) {
        PyErr_Format(PyExc_TypeError, "expected a Run, got '%s'", Py_TYPE(run)->tp_name);
        return NULL;
    }
    PyObject *info = EntityObject_CAST(run)->f[RN_info];
    if (!PyObject_TypeCheck(info, (PyTypeObject *)st->RunInfoType)) {
        PyErr_Format(PyExc_TypeError, "expected Run.info to be a RunInfo, got '%s'",
                     Py_TYPE(info)->tp_name);
        return NULL;
    }
    PyObject *run_id = EntityObject_CAST(info)->f[RI_run_id];
    if (!PyUnicode_Check(run_id)) {
        PyErr_Format(PyExc_TypeError, "expected RunInfo.run_id to be a str, got '%s'",
                     Py_TYPE(run_id)->tp_name);
        return NULL;
    }
    return run_id;
}

int
mlc_entity_model_version_set_model(PyObject *mv, PyObject *params, PyObject *metrics)
{
    EntityObject *o = EntityObject_CAST(mv);
    if (put(o, MV_params, Py_NewRef(params)) < 0 || put(o, MV_metrics, Py_NewRef(metrics)) < 0) {
        return -1;
    }
    return 0;
}

int
mlc_entity_put(PyObject *e, const char *field, PyObject *v)
{
    EntityObject *o = EntityObject_CAST(e);
    for (int i = 0; i < o->def->nfields; i++) {
        if (strcmp(o->def->fields[i], field) == 0) {
            return put(o, i, Py_NewRef(v));
        }
    }
    PyErr_Format(PyExc_AttributeError, "%s has no field '%s'", o->def->name, field);
    return -1;
}
