/* logmodel.c: MLflow 3's log_model for statsmodels (a LoggedModel entity whose artifacts are
 * the saved model directory, linked to the active run as an output), model registration, and
 * resolution of runs:/ and models:/ URIs to local model directories. Saving itself is save.c's;
 * store I/O goes through store.c handles. */
#define _GNU_SOURCE
#include "tracking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "entities.h"
#include "errors.h"
#include "fsutil.h"


/* Prints a line to sys.stderr (MLflow's eprint). 0 or -1. */
static int
eprint(PyObject *msg)
{
    PyObject *err = PySys_GetObject("stderr"); /* borrowed */
    if (err == NULL || err == Py_None) {
        return 0;
    }
    PyObject *r = PyObject_CallMethod(err, "write", "O", msg);
    PyObject *nl = r ? PyObject_CallMethod(err, "write", "s", "\n") : NULL;
    Py_XDECREF(r);
    Py_XDECREF(nl);
    return nl == NULL ? -1 : 0;
}

/* Returns the handle of the registry store (registry URI, else the tracking URI). */
static mlc_handle *
registry_store(mlc_state *st)
{
    if (st->registry_uri != NULL) {
        return mlc_store_for(st, st->registry_uri);
    }
    const char *env = getenv("MLFLOW_REGISTRY_URI");
    if (env != NULL && env[0]) {
        PyObject *u = PyUnicode_DecodeFSDefault(env);
        mlc_handle *h = u ? mlc_store_for(st, u) : NULL;
        Py_XDECREF(u);
        return h;
    }
    return mlc_store_for(st, NULL);
}

/* =================================================================== registration */

PyObject *
mlc_register(mlc_state *st, mlc_handle *h, const char *source, const char *name,
             PyObject *tags, const char *run_id, const char *model_id,
             const char *storage_location)
{
    mlc_registered_model rm = {0};
    mlc_model_version mv = {0};
    mlc_logged_model lm = {0};
    mlc_kvlist kv = {0};
    PyObject *keep = PyList_New(0), *result = NULL, *msg = NULL;
    mlc_err err = {0};
    int rc;
    if (keep == NULL || mlc_kvlist_from_dict(tags, &kv, keep) < 0) {
        goto exit;
    }
    mlc_kvlist none = {0};
    MLC_STORE_CALL(h, rc,
                   h->store->ops->create_registered_model(h->store, name, &none, NULL, &rm, &err));
    if (rc == 0) {
        msg = PyUnicode_FromFormat("Successfully registered model '%s'.", name);
    }
    else if (err.code == MLC_ST_EXISTS) {
        PyObject *n = PyUnicode_FromString(name);
        msg = n ? PyUnicode_FromFormat("Registered model %R already exists. Creating a new "
                                       "version of this model...",
                                       n)
                : NULL;
        Py_XDECREF(n);
    }
    else {
        mlc_store_raise(st, &err);
        goto exit;
    }
    if (msg == NULL || eprint(msg) < 0) {
        goto exit;
    }
    Py_CLEAR(msg);
    MLC_STORE_CALL(h, rc, h->store->ops->create_model_version(h->store, name, source, run_id,
                                                              model_id, storage_location, &kv,
                                                              NULL, &mv, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    msg = PyUnicode_FromFormat("Created version '%lld' of model '%s'.", (long long)mv.version,
                               mv.name);
    if (msg == NULL || eprint(msg) < 0) {
        goto exit;
    }
    if (model_id != NULL) {
        /* the logged model records its versions as a JSON list in mlflow.modelVersions */
        MLC_STORE_CALL(h, rc, h->store->ops->get_logged_model(h->store, model_id, &lm, &err));
        if (rc == 0) {
            const char *old = mlc_kvlist_get(&lm.tags, "mlflow.modelVersions");
            PyObject *loads = old ? mlc_lazy_attr(&st->json_loads, "json", "loads") : NULL;
            PyObject *list = old ? (loads ? PyObject_CallFunction(loads, "s", old) : NULL)
                                 : PyList_New(0);
            Py_XDECREF(loads);
            if (list == NULL || !PyList_Check(list)) {
                Py_XDECREF(list);
                PyErr_Clear();
                list = PyList_New(0);
            }
            PyObject *entry = Py_BuildValue("{s:s,s:L}", "name", mv.name, "version",
                                            (long long)mv.version);
            PyObject *dumps = mlc_lazy_attr(&st->json_dumps, "json", "dumps");
            PyObject *text = (list && entry && dumps && PyList_Append(list, entry) == 0)
                                 ? PyObject_CallOneArg(dumps, list)
                                 : NULL;
            Py_XDECREF(list);
            Py_XDECREF(entry);
            Py_XDECREF(dumps);
            const char *t = text ? PyUnicode_AsUTF8(text) : NULL;
            if (t == NULL) {
                Py_XDECREF(text);
                goto exit;
            }
            mlc_kv tag = {(char *)"mlflow.modelVersions", (char *)t};
            MLC_STORE_CALL(h, rc,
                           h->store->ops->set_logged_model_tags(h->store, model_id, &tag, 1,
                                                                &err));
            Py_DECREF(text);
            if (rc < 0) {
                mlc_store_raise(st, &err);
                goto exit;
            }
        }
        else if (err.code != MLC_ST_NOT_FOUND) {
            mlc_store_raise(st, &err);
            goto exit;
        }
    }
    result = mlc_store_model_version(st, h, &mv);
exit:
    mlc_registered_model_clear(&rm);
    mlc_model_version_clear(&mv);
    mlc_logged_model_clear(&lm);
    mlc_kvlist_clear(&kv);
    Py_XDECREF(msg);
    Py_XDECREF(keep);
    return result;
}

PyObject *
mlc_register_model(MLC_FASTCALL_ARGS)
{
    static const char *const names[] = {"model_uri", "name", "await_registration_for", "tags",
                                        NULL};
    PyObject *a[4];
    if (mlc_args_parse("register_model", args, nargs, kwnames, names, 3, 2, a, NULL) < 0) {
        return NULL;
    }
    mlc_state *st = mlc_state_from_module(m);
    mlc_handle *h = registry_store(st);
    PyObject *uri = h ? PyObject_Str(a[0]) : NULL;
    PyObject *name = uri ? PyObject_Str(a[1]) : NULL;
    const char *u = name ? PyUnicode_AsUTF8(uri) : NULL;
    const char *n = u ? PyUnicode_AsUTF8(name) : NULL;
    PyObject *r = NULL;
    if (n == NULL) {
        goto exit;
    }
    if (strncmp(u, "models:/m-", 10) == 0 && strchr(u + 8, '/') == NULL) {
        /* a logged model: its run and artifact location come from the entity */
        mlc_logged_model lm = {0};
        mlc_err err = {0};
        int rc;
        mlc_handle *th = mlc_store_for(st, NULL);
        if (th == NULL) {
            goto exit;
        }
        MLC_STORE_CALL(th, rc, th->store->ops->get_logged_model(th->store, u + 8, &lm, &err));
        if (rc < 0) {
            mlc_store_raise(st, &err);
        }
        else {
            r = mlc_register(st, h, u, n, a[3], lm.source_run_id, lm.model_id,
                             lm.artifact_location);
        }
        mlc_logged_model_clear(&lm);
        goto exit;
    }
    /* other URIs (runs:/, paths): registered with the URI as source; runs:/ gives its run */
    char run_id[300] = {0};
    if (strncmp(u, "runs:/", 6) == 0) {
        const char *p = u + 6;
        size_t len = strcspn(p, "/");
        if (len > 0 && len < sizeof run_id) {
            memcpy(run_id, p, len);
        }
    }
    PyObject *local = mlc_resolve_model_uri(st, uri);
    const char *l = local ? PyUnicode_AsUTF8(local) : NULL;
    if (l != NULL) {
        r = mlc_register(st, h, u, n, a[3], run_id[0] ? run_id : NULL, NULL, l);
    }
    Py_XDECREF(local);
exit:
    Py_XDECREF(uri);
    Py_XDECREF(name);
    return r;
}

/* =================================================================== log_model */

static const char *const log_names[] = {
    "statsmodels_model", "artifact_path", "conda_env", "code_paths", "registered_model_name",
    "remove_data", "signature", "input_example", "await_registration_for", "pip_requirements",
    "extra_pip_requirements", "metadata", "name", "params", "tags", "model_type", "step",
    "model_id", NULL,
};
enum {
    LA_MODEL, LA_ARTIFACT_PATH, LA_CONDA, LA_CODE, LA_REGISTERED, LA_REMOVE, LA_SIG,
    LA_EXAMPLE, LA_AWAIT, LA_PIP, LA_EXTRA_PIP, LA_METADATA, LA_NAME, LA_PARAMS, LA_TAGS,
    LA_TYPE, LA_STEP, LA_MODEL_ID, LA_COUNT
};

/* Copies the run's metric values logged at `step` (without a model) onto the logged model. */
static int
link_step_metrics(mlc_state *st, mlc_handle *h, const mlc_run *run, const char *model_id,
                  int64_t step)
{
    mlc_metriclist all = {0};
    mlc_err err = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < run->metrics.n; i++) {
        mlc_metriclist hist = {0};
        MLC_STORE_CALL(h, rc, h->store->ops->get_metric_history(h->store, run->run_id,
                                                                run->metrics.items[i].key,
                                                                &hist, &err));
        for (size_t j = 0; rc == 0 && j < hist.n; j++) {
            mlc_metric *m = &hist.items[j];
            if (m->step != step || m->model_id != NULL) {
                continue;
            }
            mlc_metric copy = *m;
            copy.model_id = (char *)model_id;
            copy.run_id = run->run_id;
            if (mlc_metriclist_add(&all, &copy) < 0) {
                err.code = MLC_ST_NOMEM;
                rc = -1;
            }
        }
        mlc_metriclist_clear(&hist);
    }
    if (rc == 0 && all.n > 0) {
        MLC_STORE_CALL(h, rc, h->store->ops->log_batch(h->store, run->run_id, all.items, all.n,
                                                       NULL, 0, NULL, 0, &err));
    }
    mlc_metriclist_clear(&all);
    return rc < 0 ? mlc_store_raise(st, &err) : 0;
}

/* Calls save_model(statsmodels_model, path, ..., mlflow_model=model) with the log_model
 * arguments that save_model shares, plus extra keyword arguments. */
static int
call_save(PyObject *m, PyObject **a, PyObject *extra, PyObject *path, PyObject *model)
{
    static const struct {
        int idx;
        const char *kw;
    } passed[] = {
        {LA_CONDA, "conda_env"}, {LA_CODE, "code_paths"}, {LA_REMOVE, "remove_data"},
        {LA_SIG, "signature"}, {LA_EXAMPLE, "input_example"}, {LA_PIP, "pip_requirements"},
        {LA_EXTRA_PIP, "extra_pip_requirements"}, {LA_METADATA, "metadata"},
    };
    PyObject *stack[32];
    PyObject *kwnames = NULL;
    Py_ssize_t nk = 0;
    PyObject *names = PyList_New(0);
    if (names == NULL) {
        return -1;
    }
    stack[0] = a[LA_MODEL];
    stack[1] = path;
    int rc = -1;
    for (size_t i = 0; i < sizeof passed / sizeof *passed; i++) {
        if (a[passed[i].idx] == NULL) {
            continue;
        }
        PyObject *k = PyUnicode_FromString(passed[i].kw);
        if (k == NULL || PyList_Append(names, k) < 0) {
            Py_XDECREF(k);
            goto exit;
        }
        Py_DECREF(k);
        stack[2 + nk++] = a[passed[i].idx];
    }
    PyObject *k = PyUnicode_FromString("mlflow_model");
    if (k == NULL || PyList_Append(names, k) < 0) {
        Py_XDECREF(k);
        goto exit;
    }
    Py_DECREF(k);
    stack[2 + nk++] = model;
    if (extra != NULL) {
        Py_ssize_t pos = 0;
        PyObject *ek, *ev;
        while (PyDict_Next(extra, &pos, &ek, &ev)) {
            if (nk + 2 >= (Py_ssize_t)(sizeof stack / sizeof *stack) ||
                PyList_Append(names, ek) < 0) {
                PyErr_SetString(PyExc_TypeError, "log_model: too many keyword arguments");
                goto exit;
            }
            stack[2 + nk++] = ev;
        }
    }
    kwnames = PyList_AsTuple(names);
    if (kwnames == NULL) {
        goto exit;
    }
    PyObject *r = mlc_save_model(m, stack, 2, kwnames);
    if (r != NULL) {
        Py_DECREF(r);
        rc = 0;
    }
exit:
    Py_XDECREF(kwnames);
    Py_DECREF(names);
    return rc;
}

/* Returns a new Model(artifact_path=..., model_uuid=id, run_id=..., metadata=..., model_id=id)*/
static PyObject *
new_model(mlc_state *st, const mlc_logged_model *lm, PyObject *metadata)
{
    PyObject *kw = Py_BuildValue("{s:s,s:s,s:s,s:s}", "artifact_path", lm->artifact_location,
                                 "model_uuid", lm->model_id, "model_id", lm->model_id,
                                 "utc_time_created", "");
    if (kw == NULL) {
        return NULL;
    }
    PyDict_DelItemString(kw, "utc_time_created");
    PyObject *rid = lm->source_run_id ? PyUnicode_FromString(lm->source_run_id)
                                      : Py_NewRef(Py_None);
    if (rid == NULL || PyDict_SetItemString(kw, "run_id", rid) < 0 ||
        PyDict_SetItemString(kw, "metadata", metadata ? metadata : Py_None) < 0) {
        Py_XDECREF(rid);
        Py_DECREF(kw);
        return NULL;
    }
    Py_DECREF(rid);
    PyObject *model = PyObject_Call(st->ModelType, st->empty_tuple, kw);
    Py_DECREF(kw);
    return model;
}

/* Returns a new ModelInfo of a logged model (mlflow_model.get_model_info(logged_model)). */
static PyObject *
model_info(mlc_state *st, mlc_handle *h, PyObject *model, const mlc_logged_model *lm,
           PyObject *version)
{
    static const char *const from_model[] = {
        "flavors", "saved_input_example_info", "signature", "utc_time_created",
        "mlflow_version", "metadata", "env_vars", "prompts", NULL,
    };
    PyObject *kw = PyDict_New(), *info = NULL;
    if (kw == NULL) {
        return NULL;
    }
    for (int i = 0; from_model[i]; i++) {
        PyObject *v = mlc_model_get(model, from_model[i]);
        if (v == NULL || PyDict_SetItemString(kw, from_model[i], v) < 0) {
            Py_XDECREF(v);
            goto exit;
        }
        Py_DECREF(v);
    }
    PyObject *entity = mlc_store_logged_model(st, h, lm);
    if (entity == NULL) {
        goto exit;
    }
    static const char *const from_entity[] = {"params", "tags", "metrics", "creation_timestamp",
                                              "name", "model_id", NULL};
    for (int i = 0; from_entity[i]; i++) {
        PyObject *v = PyObject_GetAttrString(entity, from_entity[i]);
        if (v == NULL || PyDict_SetItemString(kw, from_entity[i], v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(entity);
            goto exit;
        }
        Py_DECREF(v);
    }
    Py_DECREF(entity);
    PyObject *extra = Py_BuildValue("{s:s,s:N,s:s,s:N,s:O}", "artifact_path",
                                    lm->artifact_location, "model_uri",
                                    PyUnicode_FromFormat("models:/%s", lm->model_id),
                                    "model_uuid", lm->model_id, "run_id",
                                    lm->source_run_id ? PyUnicode_FromString(lm->source_run_id)
                                                      : Py_NewRef(Py_None),
                                    "registered_model_version", version ? version : Py_None);
    if (extra == NULL || PyDict_Update(kw, extra) < 0) {
        Py_XDECREF(extra);
        goto exit;
    }
    Py_DECREF(extra);
    info = PyObject_Call(st->ModelInfoType, st->empty_tuple, kw);
exit:
    Py_DECREF(kw);
    return info;
}

_Static_assert(LA_COUNT == LOG_MODEL_NARGS && LA_MODEL == LOG_MODEL_ARG_MODEL &&
                   LA_REGISTERED == LOG_MODEL_ARG_REGISTERED && LA_NAME == LOG_MODEL_ARG_NAME,
               "tracking.h's log_model argument indexes");

PyObject *
mlc_log_model(MLC_FASTCALL_ARGS)
{
    PyObject *a[LA_COUNT], *extra = NULL;
    if (mlc_args_parse("log_model", args, nargs, kwnames, log_names, 2, 1, a, &extra) < 0) {
        return NULL;
    }
    mlc_state *st = mlc_state_from_module(m);
    mlc_handle *h = mlc_store_for(st, NULL);
    PyObject *run_id = h == NULL ? NULL : mlc_active_run_id(st);
    PyObject *r = run_id == NULL ? NULL : mlc_log_model_impl(m, h, run_id, a, extra);
    Py_XDECREF(run_id);
    Py_XDECREF(extra);
    return r;
}

PyObject *
mlc_log_model_impl(PyObject *m, mlc_handle *h, PyObject *run_id, PyObject **a, PyObject *extra)
{
    mlc_state *st = mlc_state_from_module(m);
    PyObject *result = NULL, *keep = PyList_New(0), *name = NULL, *exp = NULL;
    PyObject *params = NULL, *tags = NULL, *model = NULL, *version = NULL, *path = NULL;
    mlc_logged_model lm = {0};
    mlc_run run = {0};
    mlc_kvlist pkv = {0}, tkv = {0};
    mlc_err err = {0};
    int rc, have_run = 0, created = 0;
    char *local = NULL;
    if (keep == NULL) {
        goto exit;
    }
    if (!mlc_is_none(a[LA_NAME]) && !mlc_is_none(a[LA_ARTIFACT_PATH])) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Both `artifact_path` (deprecated) and `name` parameters were specified. "
                  "Please only specify `name`.");
        goto exit;
    }
    if (!mlc_is_none(a[LA_ARTIFACT_PATH])) {
        if (mlc_log_warning(st, "`artifact_path` is deprecated. Please use `name` instead.") <
            0) {
            goto exit;
        }
        name = Py_NewRef(a[LA_ARTIFACT_PATH]);
    }
    else if (!mlc_is_none(a[LA_NAME])) {
        name = Py_NewRef(a[LA_NAME]);
    }
    int64_t step = 0;
    if (!mlc_is_none(a[LA_STEP])) {
        step = PyLong_AsLongLong(a[LA_STEP]);
        if (step == -1 && PyErr_Occurred()) {
            goto exit;
        }
    }
    if (run_id != Py_None) {
        const char *rid = PyUnicode_AsUTF8(run_id);
        if (rid == NULL) {
            goto exit;
        }
        MLC_STORE_CALL(h, rc, h->store->ops->get_run(h->store, rid, &run, &err));
        if (rc < 0) {
            mlc_store_raise(st, &err);
            goto exit;
        }
        have_run = 1;
    }
    if (!mlc_is_none(a[LA_MODEL_ID])) {
        const char *id = mlc_keep_str(keep, a[LA_MODEL_ID]);
        if (id == NULL) {
            goto exit;
        }
        MLC_STORE_CALL(h, rc, h->store->ops->get_logged_model(h->store, id, &lm, &err));
        if (rc < 0) {
            mlc_store_raise(st, &err);
            goto exit;
        }
    }
    else {
        /* params: the run's params, then the user's (mlflow_c lets the user's win: contract
         * quirk Q32); tags: context tags under the user's, all str()-ed */
        for (size_t i = 0; have_run && i < run.params.n; i++) {
            if (mlc_kvlist_set(&pkv, run.params.items[i].key, run.params.items[i].value) < 0) {
                PyErr_NoMemory();
                goto exit;
            }
        }
        if (mlc_kvlist_from_dict(a[LA_PARAMS], &pkv, keep) < 0) {
            goto exit;
        }
        tags = mlc_context_tags(st, mlc_is_none(a[LA_TAGS]) ? NULL : a[LA_TAGS]);
        if (tags == NULL || mlc_kvlist_from_dict(tags, &tkv, keep) < 0) {
            goto exit;
        }
        exp = have_run ? PyUnicode_FromString(run.experiment_id)
                       : mlc_active_experiment_id(st, h);
        const char *e = exp ? PyUnicode_AsUTF8(exp) : NULL;
        const char *n = mlc_is_none(name) ? NULL : mlc_keep_str(keep, name);
        const char *mt = mlc_is_none(a[LA_TYPE]) ? NULL : mlc_keep_str(keep, a[LA_TYPE]);
        if (e == NULL || (!mlc_is_none(name) && n == NULL) ||
            (!mlc_is_none(a[LA_TYPE]) && mt == NULL)) {
            goto exit;
        }
        if (n != NULL && strpbrk(n, "/:.%\"'") != NULL) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Invalid model name ('%s') provided. Model name must not contain any of "
                      "the following characters: ['/', ':', '.', '%%', '\"', \"'\"]",
                      n);
            goto exit;
        }
        if (n == NULL) {
            /* MLflow names an unnamed model like a run */
            PyObject *gen = mlc_random_name();
            n = gen ? mlc_keep_utf8(keep, gen) : NULL;
            Py_XDECREF(gen);
            if (n == NULL) {
                goto exit;
            }
        }
        MLC_STORE_CALL(h, rc,
                       h->store->ops->create_logged_model(h->store, e, n,
                                                          have_run ? run.run_id : NULL, mt,
                                                          &pkv, &tkv, &lm, &err));
        if (rc < 0) {
            mlc_store_raise(st, &err);
            goto exit;
        }
        created = 1;
        PyObject *idobj = PyUnicode_FromString(lm.model_id);
        if (idobj == NULL || mlc_tl_set(st, "last_model", idobj) < 0) {
            Py_XDECREF(idobj);
            goto fail_model;
        }
        Py_DECREF(idobj);
    }
    if (have_run) {
        MLC_STORE_CALL(h, rc, h->store->ops->log_model_output(h->store, run.run_id, lm.model_id,
                                                              step, &err));
        if (rc < 0) {
            mlc_store_raise(st, &err);
            goto fail_model;
        }
        if (link_step_metrics(st, h, &run, lm.model_id, step) < 0) {
            goto fail_model;
        }
    }
    model = new_model(st, &lm, a[LA_METADATA]);
    local = model ? mlc_artifact_local_dir(st, lm.artifact_location, NULL) : NULL;
    path = local ? PyUnicode_DecodeFSDefault(local) : NULL;
    if (path == NULL) {
        goto fail_model;
    }
    /* the artifact directory may exist (empty) already: save_model accepts an empty one */
    if (call_save(m, a, extra, path, model) < 0) {
        goto fail_model;
    }
    MLC_STORE_CALL(h, rc, h->store->ops->finalize_logged_model(h->store, lm.model_id,
                                                               MLC_LM_READY, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    if (!mlc_is_none(a[LA_REGISTERED])) {
        const char *rn = mlc_keep_str(keep, a[LA_REGISTERED]);
        mlc_handle *rh = rn ? registry_store(st) : NULL;
        char src[64];
        snprintf(src, sizeof src, "models:/%s", lm.model_id);
        PyObject *mv = rh ? mlc_register(st, rh, src, rn, a[LA_TAGS], lm.source_run_id,
                                         lm.model_id, lm.artifact_location)
                          : NULL;
        if (mv == NULL) {
            goto exit;
        }
        version = PyObject_GetAttrString(mv, "version");
        Py_DECREF(mv);
        if (version == NULL) {
            goto exit;
        }
        PyObject *vi = PyNumber_Long(version);
        Py_SETREF(version, vi);
        if (version == NULL) {
            goto exit;
        }
    }
    result = model_info(st, h, model, &lm, version);
    goto exit;
fail_model:
    if (created) {
        /* the model could not be written: mark it FAILED, keep the original error */
        PyObject *exc = PyErr_GetRaisedException();
        mlc_err ferr = {0};
        MLC_STORE_CALL(h, rc, h->store->ops->finalize_logged_model(h->store, lm.model_id,
                                                                   MLC_LM_FAILED, &ferr));
        PyErr_SetRaisedException(exc);
    }
exit:
    free(local);
    mlc_logged_model_clear(&lm);
    mlc_run_clear(&run);
    mlc_kvlist_clear(&pkv);
    mlc_kvlist_clear(&tkv);
    Py_XDECREF(keep);
    Py_XDECREF(name);
    Py_XDECREF(exp);
    Py_XDECREF(params);
    Py_XDECREF(tags);
    Py_XDECREF(model);
    Py_XDECREF(version);
    Py_XDECREF(path);
    return result;
}

PyObject *
mlc_last_logged_model(PyObject *m, PyObject *unused)
{
    (void)unused;
    mlc_state *st = mlc_state_from_module(m);
    PyObject *id = mlc_tl_get(st, "last_model");
    if (id != NULL && PyList_Check(id)) {
        /* a box autolog's writer fills with the id of the model it logs for this thread */
        if (mlc_autolog_flush(st) < 0) {
            Py_DECREF(id);
            return NULL;
        }
        Py_SETREF(id, Py_NewRef(PyList_GET_ITEM(id, 0)));
    }
    if (id == NULL || id == Py_None) {
        return id;
    }
    mlc_handle *h = mlc_store_for(st, NULL);
    const char *s = h ? PyUnicode_AsUTF8(id) : NULL;
    PyObject *r = NULL;
    if (s != NULL) {
        mlc_logged_model lm = {0};
        mlc_err err = {0};
        int rc;
        MLC_STORE_CALL(h, rc, h->store->ops->get_logged_model(h->store, s, &lm, &err));
        r = rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_store_logged_model(st, h, &lm);
        mlc_logged_model_clear(&lm);
    }
    Py_DECREF(id);
    return r;
}

/* =================================================================== model URIs */

/* Returns a new str: the local path of <artifact_location>/<sub> (sub may be NULL/""). */
static PyObject *
local_of(mlc_state *st, const char *location, const char *sub)
{
    char *p = mlc_artifact_local_dir(st, location, sub);
    if (p == NULL) {
        return NULL;
    }
    PyObject *r = PyUnicode_DecodeFSDefault(p);
    free(p);
    return r;
}

/* runs:/<run_id>/<path>: the run's artifacts, else (MLflow 3) the run's logged model named
 * by the first path segment. */
static PyObject *
resolve_runs_uri(mlc_state *st, const char *uri)
{
    const char *p = uri + strlen("runs:");
    while (*p == '/') {
        p++;
    }
    size_t idlen = strcspn(p, "/");
    if (idlen == 0 || p == uri + 5 || uri[5] != '/') {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Not a proper runs:/ URI: %s. Runs URIs must be of the form "
                         "'runs:/<run_id>/run-relative/path/to/artifact'",
                         uri);
    }
    char *run_id = strndup(p, idlen);
    const char *rel = p[idlen] == '/' ? p + idlen + 1 : "";
    mlc_handle *h = run_id ? mlc_store_for(st, NULL) : NULL;
    if (h == NULL) {
        free(run_id);
        return run_id ? NULL : PyErr_NoMemory();
    }
    mlc_run run = {0};
    mlc_logged_model *ms = NULL;
    size_t nm = 0;
    mlc_err err = {0};
    int rc;
    PyObject *result = NULL;
    MLC_STORE_CALL(h, rc, h->store->ops->get_run(h->store, run_id, &run, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    char *dir = mlc_artifact_local_dir(st, run.artifact_uri, rel);
    if (dir == NULL) {
        goto exit;
    }
    if (mlc_fs_exists(dir) == 1 && rel[0] != '\0') {
        result = PyUnicode_DecodeFSDefault(dir);
        free(dir);
        goto exit;
    }
    free(dir);
    size_t seglen = strcspn(rel, "/");
    const char *sub = rel[seglen] == '/' ? rel + seglen + 1 : "";
    const char *ids[1] = {run.experiment_id};
    MLC_STORE_CALL(h, rc, h->store->ops->list_logged_models(h->store, ids, 1, &ms, &nm, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    const mlc_logged_model *best = NULL;
    for (size_t i = 0; i < nm; i++) {
        if (ms[i].source_run_id && strcmp(ms[i].source_run_id, run_id) == 0 && ms[i].name &&
            strlen(ms[i].name) == seglen && strncmp(ms[i].name, rel, seglen) == 0 &&
            (best == NULL || ms[i].creation_timestamp > best->creation_timestamp)) {
            best = &ms[i];
        }
    }
    if (best == NULL || seglen == 0) {
        mlc_raise(st->MlflowException, MLC_RESOURCE_DOES_NOT_EXIST,
                  "Failed to download artifacts from path '%s', please ensure that the path is "
                  "correct.",
                  rel);
        goto exit;
    }
    result = local_of(st, best->artifact_location, sub);
exit:
    mlc_run_clear(&run);
    mlc_logged_model_array_free(ms, nm);
    free(run_id);
    return result;
}

static int
ascii_ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* models:/<model_id>, models:/<name>/<version|latest|stage>[/sub], models:/<name>@<alias> */
static PyObject *
resolve_models_uri(mlc_state *st, const char *uri)
{
    const char *p = uri + strlen("models:");
    int bad = p[0] != '/' || p[1] == '/' || p[1] == '\0';
    const char *path = p + 1;
    char *name = NULL, *suffix = NULL, *sub = NULL;
    PyObject *result = NULL;
    if (!bad) {
        const char *slash = strchr(path, '/');
        const char *at = strchr(path, '@');
        if (at != NULL && (slash == NULL || at < slash)) {
            name = strndup(path, (size_t)(at - path));
            suffix = strdup(at); /* "@alias[/sub]" */
            char *s2 = suffix ? strchr(suffix, '/') : NULL;
            if (s2 != NULL) {
                *s2 = '\0';
                sub = strdup(s2 + 1);
            }
            bad = name == NULL || name[0] == '\0' || suffix == NULL || suffix[1] == '\0';
        }
        else if (slash == NULL) {
            name = strdup(path); /* a logged model id */
        }
        else {
            name = strndup(path, (size_t)(slash - path));
            const char *rest = slash + 1;
            const char *s2 = strchr(rest, '/');
            suffix = s2 ? strndup(rest, (size_t)(s2 - rest)) : strdup(rest);
            if (s2 != NULL) {
                sub = strdup(s2 + 1);
            }
            bad = name == NULL || name[0] == '\0' || suffix == NULL || suffix[0] == '\0';
        }
    }
    if (bad) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Not a proper models:/ URI: %s. Models URIs must be of the form "
                  "'models:/name/suffix' or 'models:/name@alias' where suffix is a version, "
                  "stage, or the string 'latest' and where alias is a registered model alias. "
                  "Only one of suffix or alias can be defined at a time.",
                  uri);
        goto exit;
    }
    mlc_err err = {0};
    int rc;
    if (suffix == NULL) {
        mlc_handle *h = mlc_store_for(st, NULL);
        if (h == NULL) {
            goto exit;
        }
        mlc_logged_model lm = {0};
        MLC_STORE_CALL(h, rc, h->store->ops->get_logged_model(h->store, name, &lm, &err));
        result = rc < 0 ? (mlc_store_raise(st, &err), NULL)
                        : local_of(st, lm.artifact_location, NULL);
        mlc_logged_model_clear(&lm);
        goto exit;
    }
    mlc_handle *h = registry_store(st);
    if (h == NULL) {
        goto exit;
    }
    mlc_model_version mv = {0};
    {
        /* an unknown registered model is reported as such first, as MLflow does */
        mlc_registered_model rm = {0};
        MLC_STORE_CALL(h, rc, h->store->ops->get_registered_model(h->store, name, &rm, &err));
        mlc_registered_model_clear(&rm);
        if (rc < 0) {
            mlc_store_raise(st, &err);
            goto exit;
        }
    }
    if (suffix[0] == '@') {
        MLC_STORE_CALL(h, rc, h->store->ops->get_model_version_by_alias(h->store, name,
                                                                        suffix + 1, &mv, &err));
    }
    else if (strspn(suffix, "0123456789") == strlen(suffix)) {
        MLC_STORE_CALL(h, rc, h->store->ops->get_model_version(h->store, name,
                                                               strtoll(suffix, NULL, 10), &mv,
                                                               &err));
    }
    else {
        mlc_model_version *mvs = NULL;
        size_t nv = 0;
        MLC_STORE_CALL(h, rc, h->store->ops->list_model_versions(h->store, name, &mvs, &nv,
                                                                 &err));
        if (rc == 0) {
            int latest = ascii_ieq(suffix, "latest");
            const mlc_model_version *pick = NULL;
            for (size_t i = 0; i < nv; i++) {
                if ((latest || (mvs[i].current_stage && ascii_ieq(mvs[i].current_stage,
                                                                  suffix))) &&
                    (pick == NULL || mvs[i].version > pick->version)) {
                    pick = &mvs[i];
                }
            }
            if (pick == NULL) {
                if (latest) {
                    mlc_err_set(&err, MLC_ST_NOT_FOUND, 0,
                                "No versions of model with name '%s' found", name);
                }
                else {
                    mlc_err_set(&err, MLC_ST_NOT_FOUND, 0,
                                "No versions of model with name '%s' and stage '%s' found",
                                name, suffix);
                }
                rc = -1;
            }
            else {
                rc = h->store->ops->get_model_version(h->store, name, pick->version, &mv, &err);
            }
        }
        mlc_model_version_array_free(mvs, nv);
    }
    if (rc < 0) {
        mlc_store_raise(st, &err);
    }
    else {
        const char *loc = mv.storage_location;
        if (loc == NULL && mv.source != NULL && strncmp(mv.source, "models:/", 8) != 0 &&
            strncmp(mv.source, "runs:/", 6) != 0) {
            loc = mv.source;
        }
        if (loc != NULL) {
            result = local_of(st, loc, sub);
        }
        else if (mv.source != NULL) {
            PyObject *src = PyUnicode_FromString(mv.source);
            result = src ? mlc_resolve_model_uri(st, src) : NULL;
            Py_XDECREF(src);
        }
        else {
            mlc_raise(st->MlflowException, MLC_RESOURCE_DOES_NOT_EXIST,
                      "Model version %s/%lld has no source", name, (long long)mv.version);
        }
    }
    mlc_model_version_clear(&mv);
exit:
    free(name);
    free(suffix);
    free(sub);
    return result;
}

PyObject *
mlc_resolve_model_uri(mlc_state *st, PyObject *model_uri)
{
    if (!PyUnicode_Check(model_uri)) {
        return Py_NewRef(model_uri);
    }
    const char *u = PyUnicode_AsUTF8(model_uri);
    if (u == NULL) {
        return NULL;
    }
    if (strncmp(u, "runs:", 5) == 0) {
        return resolve_runs_uri(st, u);
    }
    if (strncmp(u, "models:", 7) == 0) {
        return resolve_models_uri(st, u);
    }
    return Py_NewRef(model_uri);
}
