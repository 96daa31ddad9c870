/* tracking.c: MLflow's fluent tracking API (per-thread run stack, experiments, runs, params,
 * metrics, tags, artifacts) and the MlflowClient type, with MLflow's validation rules and
 * messages. Store I/O goes through store.c handles; no SQL or file layout here. */
#define _GNU_SOURCE
#include "tracking.h"

#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "args.h"
#include "entities.h"
#include "errors.h"

#define MAX_KEY_LEN 250
#define MAX_PARAM_VAL_LEN 6000
#define MAX_TAG_VAL_LEN 8000
#define MAX_EXPERIMENT_NAME_LEN 500
#define MAX_METRICS_PER_BATCH 1000
#define MAX_PARAMS_TAGS_PER_BATCH 100
#define MAX_ENTITIES_PER_BATCH 1000

/* =================================================================== validation */

/* Returns a new str: json.dumps(value, sort_keys=True, separators=(",", ":")). */
static PyObject *
json_compact(mlc_state *st, PyObject *value)
{
    PyObject *dumps = mlc_lazy_attr(&st->json_dumps, "json", "dumps");
    if (dumps == NULL) {
        return NULL;
    }
    PyObject *kw = Py_BuildValue("{s:O,s:(ss)}", "sort_keys", Py_True, "separators", ",", ":");
    PyObject *args = kw == NULL ? NULL : PyTuple_Pack(1, value);
    PyObject *r = args == NULL ? NULL : PyObject_Call(dumps, args, kw);
    Py_XDECREF(args);
    Py_XDECREF(kw);
    Py_DECREF(dumps);
    if (r == NULL) {
        /* values json cannot encode are shown with repr */
        PyErr_Clear();
        r = PyObject_Repr(value);
    }
    return r;
}

/* Raises MlflowException(INVALID_PARAMETER_VALUE): "Invalid value <json> for parameter
 * '<path>' supplied[: <message>]". Returns -1. */
static int
raise_invalid_value(mlc_state *st, const char *path, PyObject *value, const char *message)
{
    PyObject *js = json_compact(st, value);
    if (js == NULL) {
        return -1;
    }
    if (message != NULL) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid value %U for parameter '%s' supplied: %s", js, path, message);
    }
    else {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid value %U for parameter '%s' supplied.", js, path);
    }
    Py_DECREF(js);
    return -1;
}


/* 1 when every code point of s is a word character (str.isalnum or "_") or one of "/.- :". */
static int
name_chars_ok(PyObject *s)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '_' || c == '/' || c == '.' || c == '-' || c == ' ' || c == ':') {
            continue;
        }
        if (c < 128 ? ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9')
                    : (Py_UNICODE_ISALNUM(c) || Py_UNICODE_ISDIGIT(c))) {
            continue;
        }
        return 0;
    }
    return 1;
}

int
mlc_validate_key(mlc_state *st, const char *kind, PyObject *key, const char *path)
{
    if (mlc_is_none(key)) {
        if (strcmp(kind, "metric") == 0) {
            return raise_invalid_value(st, path, Py_None,
                                       "Metric name cannot be None. A key name must be "
                                       "provided.");
        }
        if (strcmp(kind, "param") == 0) {
            PyObject *empty = PyUnicode_FromString("");
            if (empty == NULL) {
                return -1;
            }
            raise_invalid_value(st, path, empty, "A key name must be provided.");
            Py_DECREF(empty);
            return -1;
        }
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Missing value for required parameter '%s'.", path);
        return -1;
    }
    if (!PyUnicode_Check(key)) {
        PyErr_Format(PyExc_TypeError, "expected string or bytes-like object, got '%.100s'",
                     Py_TYPE(key)->tp_name);
        return -1;
    }
    if (!name_chars_ok(key)) {
        return raise_invalid_value(st, path, key,
                                   "Names may only contain alphanumerics, underscores (_), "
                                   "dashes (-), periods (.), spaces ( ), colon(:) and slashes "
                                   "(/).");
    }
    Py_ssize_t klen;
    const char *k = PyUnicode_AsUTF8AndSize(key, &klen);
    if (k == NULL) {
        return -1;
    }
    /* without a "/" only "", "." and ".." normalise to something else */
    if (klen > 2 && k[0] != '.' && memchr(k, '/', (size_t)klen) == NULL) {
        return 0;
    }
    char *norm = mlc_normpath(k);
    if (norm == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int bad = strcmp(norm, k) != 0 || strcmp(norm, ".") == 0 || strncmp(norm, "..", 2) == 0 ||
              norm[0] == '/';
    int rc = 0;
    if (bad) {
        PyObject *nr = PyUnicode_FromString(norm);
        PyObject *r = nr == NULL ? NULL : PyObject_Repr(nr);
        const char *rs = r == NULL ? NULL : PyUnicode_AsUTF8(r);
        if (rs != NULL) {
            char msg[1024];
            snprintf(msg, sizeof msg,
                     "Names may be treated as files in certain cases, and must not resolve to "
                     "other names when treated as such. This name would resolve to %s",
                     rs);
            raise_invalid_value(st, path, key, msg);
        }
        Py_XDECREF(nr);
        Py_XDECREF(r);
        rc = -1;
    }
    free(norm);
    return rc;
}

/* "'<entity>' exceeds the maximum length of <limit> characters" for keys (never truncated). */
static int
check_key_length(mlc_state *st, const char *entity, PyObject *key)
{
    if (PyUnicode_GET_LENGTH(key) > MAX_KEY_LEN) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "'%s' exceeds the maximum length of %d characters", entity, MAX_KEY_LEN);
        return -1;
    }
    return 0;
}

/* Values over the limit are truncated with MLflow's warning (MLFLOW_TRUNCATE_LONG_VALUES,
 * default on) or refused. Returns a new reference to the value to store. */
static PyObject *
limit_value(mlc_state *st, const char *entity, PyObject *value, Py_ssize_t limit)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    if (n <= limit) {
        return Py_NewRef(value);
    }
    const char *env = getenv("MLFLOW_TRUNCATE_LONG_VALUES");
    int truncate = env == NULL || !(strcmp(env, "false") == 0 || strcmp(env, "False") == 0 ||
                                    strcmp(env, "0") == 0 || strcmp(env, "FALSE") == 0);
    if (!truncate) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "'%s' exceeds the maximum length of %zd characters", entity, limit);
        return NULL;
    }
    PyObject *head = PyUnicode_Substring(value, 0, 100);
    if (head == NULL ||
        mlc_log_warning(st, "%s '%U...' (%zd characters) is truncated to %zd characters to meet "
                            "the length limit.",
                        entity, head, n, limit) < 0) {
        Py_XDECREF(head);
        return NULL;
    }
    Py_DECREF(head);
    return PyUnicode_Substring(value, 0, limit);
}

/* Validates run_id against ^[a-zA-Z0-9][\w\-]{0,255}$. 0 or -1. */
static int
validate_run_id(mlc_state *st, PyObject *run_id, const char *path)
{
    if (!PyUnicode_Check(run_id)) {
        return raise_invalid_value(st, path, run_id, NULL);
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(run_id);
    int ok = n >= 1 && n <= 256;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(run_id, i);
        int alnum = c < 128 ? (((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9'))
                            : Py_UNICODE_ISALNUM(c);
        ok = i == 0 ? (c < 128 && alnum) : (alnum || c == '_' || c == '-');
    }
    return ok ? 0 : raise_invalid_value(st, path, run_id, NULL);
}

/* =================================================================== thread state */

/* Returns a borrowed reference to this thread's threading.local() of tracking. */
static PyObject *
thread_local(mlc_state *st)
{
    if (st->tracking_local == NULL) {
        PyObject *threading = PyImport_ImportModule("threading");
        if (threading == NULL) {
            return NULL;
        }
        st->tracking_local = PyObject_CallMethod(threading, "local", NULL);
        Py_DECREF(threading);
    }
    return st->tracking_local;
}

/* Returns a borrowed reference to this thread's run stack (a list). */
static PyObject *
run_stack(mlc_state *st)
{
    PyObject *tl = thread_local(st);
    if (tl == NULL) {
        return NULL;
    }
    PyObject *stack;
    if (PyObject_GetOptionalAttrString(tl, "stack", &stack) < 0) {
        return NULL;
    }
    if (stack == NULL) {
        stack = PyList_New(0);
        if (stack == NULL || PyObject_SetAttrString(tl, "stack", stack) < 0) {
            Py_XDECREF(stack);
            return NULL;
        }
    }
    Py_DECREF(stack); /* the local keeps it alive */
    return stack;
}

/* Thread-local slot get (new reference, None when unset) / set. */
static PyObject *
tl_get(mlc_state *st, const char *name)
{
    PyObject *tl = thread_local(st), *v;
    if (tl == NULL || PyObject_GetOptionalAttrString(tl, name, &v) < 0) {
        return NULL;
    }
    return v == NULL ? Py_NewRef(Py_None) : v;
}

static int
tl_set(mlc_state *st, const char *name, PyObject *v)
{
    PyObject *tl = thread_local(st);
    return tl == NULL ? -1 : PyObject_SetAttrString(tl, name, v);
}

PyObject *
mlc_active_run_id(mlc_state *st)
{
    PyObject *stack = run_stack(st);
    if (stack == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(stack);
    if (n == 0) {
        /* inside an autologged fit that created its run, code run by the fit logs to that run
         * (as with MLflow, whose autolog run is on the stack during the fit) */
        PyObject *pending = mlc_autolog_pending_run();
        return Py_NewRef(pending != NULL ? pending : Py_None);
    }
    PyObject *id = mlc_entity_run_id(st, PyList_GET_ITEM(stack, n - 1));
    return id == NULL ? NULL : Py_NewRef(id);
}

/* =================================================================== context tags */

static PyObject *
user_name(void)
{
    static const char *vars[] = {"LOGNAME", "USER", "LNAME", "USERNAME"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0') {
            return PyUnicode_DecodeFSDefault(v);
        }
    }
    /* the account database is read once per uid (getpwuid parses /etc/passwd on every call:
     * ~50 us, once per run); called with the GIL held, which guards the cache */
    static uid_t cached_uid;
    static char cached[256];
    static int have;
    uid_t uid = getuid();
    if (!have || cached_uid != uid) {
        struct passwd *pw = getpwuid(uid);
        if (pw == NULL || pw->pw_name == NULL) {
            return PyUnicode_FromString("unknown");
        }
        if (strlen(pw->pw_name) >= sizeof cached) {
            return PyUnicode_DecodeFSDefault(pw->pw_name);
        }
        strcpy(cached, pw->pw_name);
        cached_uid = uid;
        have = 1;
    }
    return PyUnicode_DecodeFSDefault(cached);
}

/* Git tags for sys.argv[0] (commit, branch, repo URL), computed once per process by the Python
 * helper mlflow_c._git (GitPython when installed, as MLflow does; nothing otherwise). */
static PyObject *
git_tags(mlc_state *st)
{
    if (st->git_tags != NULL) {
        return st->git_tags;
    }
    PyObject *mod = PyImport_ImportModule("mlflow_c._git");
    PyObject *tags = mod == NULL ? NULL : PyObject_CallMethod(mod, "git_tags", NULL);
    Py_XDECREF(mod);
    if (tags == NULL || !PyDict_Check(tags)) {
        Py_XDECREF(tags);
        PyErr_Clear();
        tags = PyDict_New();
        if (tags == NULL) {
            return NULL;
        }
    }
    st->git_tags = tags;
    return tags;
}

PyObject *
mlc_context_tags(mlc_state *st, PyObject *user_tags)
{
    PyObject *d = PyDict_New();
    PyObject *user = NULL, *source = NULL;
    if (d == NULL) {
        return NULL;
    }
    user = user_name();
    PyObject *argv = PySys_GetObject("argv"); /* borrowed */
    if (argv != NULL && PyList_Check(argv) && PyList_GET_SIZE(argv) > 0 &&
        PyUnicode_Check(PyList_GET_ITEM(argv, 0)) &&
        PyUnicode_GET_LENGTH(PyList_GET_ITEM(argv, 0)) > 0) {
        source = Py_NewRef(PyList_GET_ITEM(argv, 0));
    }
    else {
        source = PyUnicode_FromString("<console>");
    }
    PyObject *git = git_tags(st);
    PyObject *local = PyUnicode_FromString("LOCAL");
    if (user == NULL || source == NULL || git == NULL || local == NULL ||
        PyDict_SetItemString(d, "mlflow.user", user) < 0 ||
        PyDict_SetItemString(d, "mlflow.source.name", source) < 0 ||
        PyDict_SetItemString(d, "mlflow.source.type", local) < 0 ||
        PyDict_Update(d, git) < 0 || (!mlc_is_none(user_tags) && PyDict_Update(d, user_tags) < 0)) {
        Py_CLEAR(d);
    }
    Py_XDECREF(user);
    Py_XDECREF(source);
    Py_XDECREF(local);
    return d;
}

/* =================================================================== run names */

static const char *const name_predicates[] = {
    "able", "agile", "amber", "ample", "bold", "brave", "bright", "brisk", "calm", "clever",
    "cool", "crisp", "dapper", "deft", "eager", "early", "fair", "fancy", "fleet", "fluent",
    "gentle", "glad", "grand", "handy", "honest", "jolly", "keen", "kind", "lively", "loyal",
    "lucky", "mellow", "merry", "mighty", "neat", "nimble", "noble", "polite", "proud",
    "quick", "quiet", "rare", "ready", "sharp", "shy", "silent", "sleek", "smooth", "snappy",
    "solid", "spry", "steady", "sunny", "swift", "tidy", "vivid", "warm", "wise", "witty",
    "zesty",
};
static const char *const name_nouns[] = {
    "ant", "bass", "bat", "bear", "bee", "bird", "boar", "carp", "cat", "colt", "crab",
    "crow", "deer", "doe", "dove", "duck", "eel", "elk", "finch", "fish", "foal", "fox",
    "frog", "gnu", "goat", "hare", "hawk", "hen", "heron", "ibis", "jay", "kite", "koi",
    "lamb", "lark", "lynx", "mink", "mole", "moth", "mule", "newt", "owl", "ox", "panda",
    "pike", "pony", "quail", "ram", "ray", "robin", "seal", "shrew", "slug", "snail", "swan",
    "toad", "trout", "vole", "wasp", "wolf", "wren", "yak",
};

PyObject *
mlc_random_name(void)
{
    unsigned char b[6];
    char hex[33];
    if (mlc_uuid4_hex(hex) < 0) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    for (int i = 0; i < 6; i++) {
        b[i] = (unsigned char)strtol((char[]){hex[2 * i], hex[2 * i + 1], 0}, NULL, 16);
    }
    size_t np = sizeof name_predicates / sizeof *name_predicates;
    size_t nn = sizeof name_nouns / sizeof *name_nouns;
    unsigned num = ((unsigned)b[2] << 8 | b[3]) % 1001;
    char buf[64];
    snprintf(buf, sizeof buf, "%s-%s-%u", name_predicates[b[0] % np], name_nouns[b[1] % nn],
             num);
    buf[20] = '\0'; /* names are at most 20 characters */
    return PyUnicode_FromString(buf);
}

/* =================================================================== experiments */

/* Returns a new str experiment id from str/int, or NULL with MLflow's error. */
static PyObject *
experiment_id_str(mlc_state *st, PyObject *id)
{
    if (PyUnicode_Check(id)) {
        return Py_NewRef(id);
    }
    if (PyLong_Check(id) && !PyBool_Check(id)) {
        return PyObject_Str(id);
    }
    PyObject *r = PyObject_Repr((PyObject *)Py_TYPE(id));
    if (r != NULL) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid experiment id: %S of type %U. Must be one of str, int, or None.", id,
                  r);
        Py_DECREF(r);
    }
    return NULL;
}

static PyObject *
get_experiment_impl(mlc_state *st, mlc_handle *h, PyObject *experiment_id)
{
    PyObject *id = experiment_id_str(st, experiment_id);
    if (id == NULL) {
        return NULL;
    }
    const char *s = PyUnicode_AsUTF8(id);
    if (s == NULL) {
        Py_DECREF(id);
        return NULL;
    }
    mlc_experiment e = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_experiment(h->store, s, &e, &err));
    PyObject *r = rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_entity_experiment(st, &e);
    mlc_experiment_clear(&e);
    Py_DECREF(id);
    return r;
}

/* Returns a new Experiment or None (not found). */
static PyObject *
get_experiment_by_name_impl(mlc_state *st, mlc_handle *h, PyObject *name)
{
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "experiment name must be a str");
        return NULL;
    }
    const char *s = PyUnicode_AsUTF8(name);
    if (s == NULL) {
        return NULL;
    }
    mlc_experiment e = {0};
    mlc_err err = {0};
    int rc, found = 0;
    MLC_STORE_CALL(h, rc, h->store->ops->get_experiment_by_name(h->store, s, &e, &found, &err));
    PyObject *r;
    if (rc < 0) {
        mlc_store_raise(st, &err);
        r = NULL;
    }
    else {
        r = found ? mlc_entity_experiment(st, &e) : Py_NewRef(Py_None);
    }
    mlc_experiment_clear(&e);
    return r;
}

static int
validate_experiment_name(mlc_state *st, PyObject *name)
{
    if (mlc_is_none(name) || (PyUnicode_Check(name) && PyUnicode_GET_LENGTH(name) == 0)) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid experiment name: '%S'", name ? name : Py_None);
        return -1;
    }
    if (!PyUnicode_Check(name)) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid experiment name: %S. Expects a string.", name);
        return -1;
    }
    if (PyUnicode_GET_LENGTH(name) > MAX_EXPERIMENT_NAME_LEN) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "'name' exceeds the maximum length of %d characters", MAX_EXPERIMENT_NAME_LEN);
        return -1;
    }
    return 0;
}

/* Returns a new str: the id of the created experiment. */
static PyObject *
create_experiment_impl(mlc_state *st, mlc_handle *h, PyObject *name, PyObject *location,
                       PyObject *tags)
{
    if (validate_experiment_name(st, name) < 0) {
        return NULL;
    }
    PyObject *keep = PyList_New(0), *result = NULL, *loc = NULL;
    mlc_kvlist kv = {0};
    char *id = NULL;
    if (keep == NULL || mlc_kvlist_from_dict(tags, &kv, keep) < 0) {
        goto exit;
    }
    const char *n = PyUnicode_AsUTF8(name);
    const char *l = NULL;
    if (!mlc_is_none(location)) {
        loc = mlc_args_path(location);
        if (loc == NULL || (l = PyUnicode_AsUTF8(loc)) == NULL) {
            goto exit;
        }
    }
    if (n == NULL) {
        goto exit;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->create_experiment(h->store, n, l, &kv, &id, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    result = PyUnicode_FromString(id);
exit:
    free(id);
    mlc_kvlist_clear(&kv);
    Py_XDECREF(loc);
    Py_XDECREF(keep);
    return result;
}

PyObject *
mlc_active_experiment_id(mlc_state *st, mlc_handle *h)
{
    if (st->active_experiment_id != NULL) {
        return Py_NewRef(st->active_experiment_id);
    }
    const char *name = getenv("MLFLOW_EXPERIMENT_NAME");
    if (name != NULL && name[0] != '\0') {
        PyObject *n = PyUnicode_DecodeFSDefault(name);
        if (n == NULL) {
            return NULL;
        }
        PyObject *e = get_experiment_by_name_impl(st, h, n);
        PyObject *id = NULL;
        if (e == Py_None) {
            /* MLflow creates the experiment named by the environment on first use */
            id = create_experiment_impl(st, h, n, NULL, NULL);
        }
        else if (e != NULL) {
            id = PyObject_GetAttrString(e, "experiment_id");
        }
        Py_XDECREF(e);
        Py_DECREF(n);
        return id;
    }
    const char *id = getenv("MLFLOW_EXPERIMENT_ID");
    if (id != NULL && id[0] != '\0') {
        return PyUnicode_DecodeFSDefault(id);
    }
    return PyUnicode_FromString("0");
}

/* =================================================================== runs */

static PyObject *
get_run_impl(mlc_state *st, mlc_handle *h, PyObject *run_id, int active)
{
    if (validate_run_id(st, run_id, "run_id") < 0) {
        return NULL;
    }
    const char *id = PyUnicode_AsUTF8(run_id);
    if (id == NULL) {
        return NULL;
    }
    mlc_run r = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_run(h->store, id, &r, &err));
    PyObject *out = rc < 0 ? (mlc_store_raise(st, &err), NULL)
                           : (active ? mlc_entity_active_run(st, &r) : mlc_entity_run(st, &r));
    mlc_run_clear(&r);
    return out;
}

/* Creates a run. tags: a dict (str values) that already holds every tag to write; run_name
 * may be NULL/None. Returns a new Run (ActiveRun when active). */
static PyObject *
create_run_impl(mlc_state *st, mlc_handle *h, PyObject *experiment_id, const char *given_id,
                int64_t start_time, PyObject *tags, PyObject *run_name, int active)
{
    PyObject *keep = PyList_New(0), *out = NULL, *name = NULL, *exp = NULL;
    mlc_kvlist kv = {0};
    mlc_run r = {0};
    if (keep == NULL || mlc_kvlist_from_dict(tags, &kv, keep) < 0) {
        goto exit;
    }
    const char *tag_name = mlc_kvlist_get(&kv, "mlflow.runName");
    if (!mlc_is_none(run_name)) {
        const char *rn = mlc_keep_str(keep, run_name);
        if (rn == NULL) {
            goto exit;
        }
        if (tag_name != NULL && rn[0] != '\0' && strcmp(rn, tag_name) != 0) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
                      "different values (run_name='%s', mlflow.runName='%s').",
                      rn, tag_name);
            goto exit;
        }
        if (rn[0] != '\0') {
            name = PyUnicode_FromString(rn);
        }
    }
    if (name == NULL && tag_name != NULL && tag_name[0] != '\0') {
        name = PyUnicode_FromString(tag_name);
    }
    if (name == NULL && !PyErr_Occurred()) {
        name = mlc_random_name();
    }
    if (name == NULL) {
        goto exit;
    }
    const char *nm = mlc_keep_utf8(keep, name);
    if (nm == NULL || (tag_name == NULL && mlc_kvlist_set(&kv, "mlflow.runName", nm) < 0)) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto exit;
    }
    const char *user = mlc_kvlist_get(&kv, "mlflow.user");
    exp = experiment_id_str(st, experiment_id);
    const char *e = exp == NULL ? NULL : PyUnicode_AsUTF8(exp);
    if (e == NULL) {
        goto exit;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc,
                   h->store->ops->create_run(h->store, given_id, e, user ? user : "unknown",
                                             start_time,
                                             nm, &kv, &r, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    out = active ? mlc_entity_active_run(st, &r) : mlc_entity_run(st, &r);
exit:
    mlc_run_clear(&r);
    mlc_kvlist_clear(&kv);
    Py_XDECREF(name);
    Py_XDECREF(exp);
    Py_XDECREF(keep);
    return out;
}

static int
update_run_impl(mlc_state *st, mlc_handle *h, PyObject *run_id, const char *status,
                int64_t end_time, const char *run_name)
{
    const char *id = PyUnicode_AsUTF8(run_id);
    if (id == NULL) {
        return -1;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->update_run(h->store, id, status, end_time, run_name,
                                                    &err));
    return rc < 0 ? mlc_store_raise(st, &err) : 0;
}

static const char *const run_statuses[] = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED",
                                           "KILLED", NULL};

/* Returns the canonical status string for a str ("FINISHED") or RunStatus int (3), or NULL with
 * MLflow's error. */
static const char *
status_name(mlc_state *st, PyObject *status)
{
    if (PyLong_Check(status)) {
        long v = PyLong_AsLong(status);
        if (v >= 1 && v <= 5) {
            return run_statuses[v - 1];
        }
    }
    else if (PyUnicode_Check(status)) {
        const char *s = PyUnicode_AsUTF8(status);
        if (s == NULL) {
            return NULL;
        }
        for (int i = 0; run_statuses[i]; i++) {
            if (strcmp(s, run_statuses[i]) == 0) {
                return run_statuses[i];
            }
        }
    }
    mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE, "Invalid run status: %R",
              status);
    return NULL;
}

/* =================================================================== logging */

/* Converts a metric value like MLflow (float(), ValueError keeps the object). Returns a new
 * reference. */
static PyObject *
metric_value(PyObject *v)
{
    if (v == Py_None || PyFloat_CheckExact(v)) {
        return Py_NewRef(v);
    }
    PyObject *f = PyNumber_Float(v);
    if (f == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        return Py_NewRef(v);
    }
    return f;
}

/* One item to log, as given by the caller (borrowed references, kept alive by the caller). */
typedef struct {
    PyObject *key, *value, *timestamp, *step, *model_id;
} py_item;

/* "<path>.<field>", or just "<field>" for single-item calls (path ""). */
static void
item_path(char *buf, size_t n, const char *path, const char *field)
{
    snprintf(buf, n, "%s%s%s", path, path[0] ? "." : "", field);
}

/* Validates and converts one metric into m (strings kept by keep). */
static int
metric_from_py(mlc_state *st, const py_item *it, PyObject *keep, const char *path,
               mlc_metric *m)
{
    char p[64];
    item_path(p, sizeof p, path, "name");
    if (mlc_validate_key(st, "metric", it->key, p) < 0) {
        return -1;
    }
    PyObject *value = metric_value(it->value);
    if (value == NULL || PyList_Append(keep, value) < 0) {
        Py_XDECREF(value);
        return -1;
    }
    Py_DECREF(value); /* kept alive by keep */
    item_path(p, sizeof p, path, "value");
    if (value == Py_None) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Missing value for required parameter '%s'.", p);
        return -1;
    }
    if (!PyFloat_Check(value)) {
        PyObject *ts = PyObject_Str(it->timestamp);
        const char *tss = ts ? PyUnicode_AsUTF8(ts) : NULL;
        if (tss == NULL) {
            Py_XDECREF(ts);
            return -1;
        }
        char msg[200];
        snprintf(msg, sizeof msg,
                 "(timestamp=%s). Please specify value as a valid double (64-bit floating "
                 "point)",
                 tss);
        Py_DECREF(ts);
        return raise_invalid_value(st, p, value, msg);
    }
    int64_t ts = -1;
    if (PyNumber_Check(it->timestamp)) {
        PyObject *i = PyNumber_Long(it->timestamp);
        ts = i ? PyLong_AsLongLong(i) : -1;
        Py_XDECREF(i);
        if (ts == -1 && PyErr_Occurred()) {
            return -1;
        }
    }
    if (ts < 0 || PyBool_Check(it->timestamp)) {
        item_path(p, sizeof p, path, "timestamp");
        PyObject *msg = PyUnicode_FromFormat("metric '%S' (value=%S). Timestamp must be a "
                                             "nonnegative long (64-bit integer) ",
                                             it->key, value);
        const char *ms = msg ? PyUnicode_AsUTF8(msg) : NULL;
        if (ms != NULL) {
            raise_invalid_value(st, p, it->timestamp, ms);
        }
        Py_XDECREF(msg);
        return -1;
    }
    if (!PyNumber_Check(it->step)) {
        item_path(p, sizeof p, path, "step");
        PyObject *msg = PyUnicode_FromFormat("metric '%S' (value=%S). Step must be a valid long "
                                             "(64-bit integer).",
                                             it->key, value);
        const char *ms = msg ? PyUnicode_AsUTF8(msg) : NULL;
        if (ms != NULL) {
            raise_invalid_value(st, p, it->step, ms);
        }
        Py_XDECREF(msg);
        return -1;
    }
    PyObject *si = PyNumber_Long(it->step);
    int64_t sp = si ? PyLong_AsLongLong(si) : -1;
    Py_XDECREF(si);
    if (sp == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (check_key_length(st, "Metric name", it->key) < 0) {
        return -1;
    }
    m->key = (char *)mlc_keep_utf8(keep, it->key);
    if (m->key == NULL) {
        return -1;
    }
    m->value = PyFloat_AS_DOUBLE(value);
    m->timestamp = ts;
    m->step = sp;
    if (!mlc_is_none(it->model_id)) {
        m->model_id = (char *)mlc_keep_str(keep, it->model_id);
        if (m->model_id == NULL) {
            return -1;
        }
    }
    return 0;
}

/* Validates a param into kv (value str()-ed, truncated with MLflow's warning). */
static int
param_from_py(mlc_state *st, const py_item *it, PyObject *keep, const char *path, mlc_kv *kv)
{
    char p[64];
    item_path(p, sizeof p, path, "key");
    if (mlc_validate_key(st, "param", it->key, p) < 0 ||
        check_key_length(st, "Param key", it->key) < 0) {
        return -1;
    }
    PyObject *sv = PyObject_Str(it->value);
    PyObject *lim = sv ? limit_value(st, "Param value", sv, MAX_PARAM_VAL_LEN) : NULL;
    Py_XDECREF(sv);
    if (lim == NULL) {
        return -1;
    }
    kv->key = (char *)mlc_keep_utf8(keep, it->key);
    kv->value = kv->key == NULL ? NULL : (char *)mlc_keep_utf8(keep, lim);
    Py_DECREF(lim);
    return kv->value == NULL ? -1 : 0;
}

/* Validates a tag into kv. full: MLflow's _validate_tag (key length, value truncated at 8000);
 * otherwise only the name rules (the file store's single set_tag). */
static int
tag_from_py(mlc_state *st, const py_item *it, PyObject *keep, const char *path, int full,
            mlc_kv *kv)
{
    char p[64];
    item_path(p, sizeof p, path, "key");
    if (mlc_validate_key(st, "tag", it->key, p) < 0 ||
        (full && check_key_length(st, p, it->key) < 0)) {
        return -1;
    }
    PyObject *sv = PyObject_Str(it->value);
    item_path(p, sizeof p, path, "value");
    PyObject *lim = sv == NULL ? NULL : full ? limit_value(st, p, sv, MAX_TAG_VAL_LEN)
                                             : Py_NewRef(sv);
    Py_XDECREF(sv);
    if (lim == NULL) {
        return -1;
    }
    kv->key = (char *)mlc_keep_utf8(keep, it->key);
    kv->value = kv->key == NULL ? NULL : (char *)mlc_keep_utf8(keep, lim);
    Py_DECREF(lim);
    return kv->value == NULL ? -1 : 0;
}

static int
batch_limit(mlc_state *st, const char *entity, Py_ssize_t limit, Py_ssize_t n)
{
    if (n > limit) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "A batch logging request can contain at most %zd %s. Got %zd %s. Please split "
                  "up %s across multiple requests and try again.",
                  limit, entity, n, entity, entity);
        return -1;
    }
    return 0;
}

/* Validates one request's worth of items (as MLflow's store does: metrics, params, tags, then
 * the limits and unique param keys) and writes it in one store transaction. single: a
 * log_param / log_metric / set_tag call (paths without an index). */
static int
write_chunk(mlc_state *st, mlc_handle *h, PyObject *run_id, const py_item *mi, Py_ssize_t nm,
            const py_item *pi, Py_ssize_t np, const py_item *ti, Py_ssize_t nt, int single)
{
    int rc = -1;
    PyObject *keep = PyList_New(0);
    mlc_metric *m = calloc((size_t)nm + 1, sizeof *m);
    mlc_kv *p = calloc((size_t)np + 1, sizeof *p);
    mlc_kv *t = calloc((size_t)nt + 1, sizeof *t);
    char path[48];
    if (keep == NULL || m == NULL || p == NULL || t == NULL) {
        if (keep != NULL) {
            PyErr_NoMemory();
        }
        goto exit;
    }
    if (validate_run_id(st, run_id, "run_id") < 0) {
        goto exit;
    }
    for (Py_ssize_t i = 0; i < nm; i++) {
        snprintf(path, sizeof path, single ? "" : "metrics[%zd]", i);
        if (metric_from_py(st, &mi[i], keep, path, &m[i]) < 0) {
            goto exit;
        }
    }
    for (Py_ssize_t i = 0; i < np; i++) {
        snprintf(path, sizeof path, single ? "" : "params[%zd]", i);
        if (param_from_py(st, &pi[i], keep, path, &p[i]) < 0) {
            goto exit;
        }
    }
    for (Py_ssize_t i = 0; i < nt; i++) {
        snprintf(path, sizeof path, single ? "" : "tags[%zd]", i);
        if (tag_from_py(st, &ti[i], keep, path, !single || h->is_sql, &t[i]) < 0) {
            goto exit;
        }
    }
    if (batch_limit(st, "metrics", MAX_METRICS_PER_BATCH, nm) < 0 ||
        batch_limit(st, "params", MAX_PARAMS_TAGS_PER_BATCH, np) < 0 ||
        batch_limit(st, "tags", MAX_PARAMS_TAGS_PER_BATCH, nt) < 0 ||
        batch_limit(st, "metrics, params, and tags", MAX_ENTITIES_PER_BATCH, nm + np + nt) < 0) {
        goto exit;
    }
    PyObject *dupes = NULL;
    for (Py_ssize_t a = 0; a < np; a++) {
        for (Py_ssize_t b = 0; b < a; b++) {
            if (strcmp(p[a].key, p[b].key) == 0) {
                PyObject *k = PyUnicode_FromString(p[a].key);
                if (dupes == NULL) {
                    dupes = PyList_New(0);
                }
                if (k == NULL || dupes == NULL || PyList_Append(dupes, k) < 0) {
                    Py_XDECREF(k);
                    Py_XDECREF(dupes);
                    goto exit;
                }
                Py_DECREF(k);
                break;
            }
        }
    }
    if (dupes != NULL) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Duplicate parameter keys have been submitted: %R. Please ensure the request "
                  "contains only one param value per param key.",
                  dupes);
        Py_DECREF(dupes);
        goto exit;
    }
    const char *id = PyUnicode_AsUTF8(run_id);
    if (id == NULL) {
        goto exit;
    }
    mlc_err err = {0};
    int src;
    MLC_STORE_CALL(h, src, h->store->ops->log_batch(h->store, id, m, (size_t)nm, p, (size_t)np,
                                                    t, (size_t)nt, &err));
    rc = src < 0 ? mlc_store_raise(st, &err) : 0;
exit:
    free(m);
    free(p);
    free(t);
    Py_XDECREF(keep);
    return rc;
}

/* Logs items in requests of MLflow's sizes (100 params, 100 tags, 1000 metrics, 1000 in all),
 * as MLflow's client splits log_batch. */
static int
log_items(mlc_state *st, mlc_handle *h, PyObject *run_id, const py_item *m, Py_ssize_t nm,
          const py_item *p, Py_ssize_t np, const py_item *t, Py_ssize_t nt, int single)
{
    if (nm + np + nt == 0) {
        return 0;
    }
    if (single) {
        return write_chunk(st, h, run_id, m, nm, p, np, t, nt, 1);
    }
    Py_ssize_t mi = 0, pi = 0, ti = 0;
    while (pi < np || ti < nt) {
        Py_ssize_t pn = np - pi < MAX_PARAMS_TAGS_PER_BATCH ? np - pi : MAX_PARAMS_TAGS_PER_BATCH;
        Py_ssize_t tn = nt - ti < MAX_PARAMS_TAGS_PER_BATCH ? nt - ti : MAX_PARAMS_TAGS_PER_BATCH;
        Py_ssize_t mn = MAX_ENTITIES_PER_BATCH - pn - tn;
        mn = mn > MAX_METRICS_PER_BATCH ? MAX_METRICS_PER_BATCH : (mn < 0 ? 0 : mn);
        mn = mn > nm - mi ? nm - mi : mn;
        if (write_chunk(st, h, run_id, m + mi, mn, p + pi, pn, t + ti, tn, 0) < 0) {
            return -1;
        }
        mi += mn;
        pi += pn;
        ti += tn;
    }
    while (mi < nm) {
        Py_ssize_t mn = nm - mi < MAX_METRICS_PER_BATCH ? nm - mi : MAX_METRICS_PER_BATCH;
        if (write_chunk(st, h, run_id, m + mi, mn, NULL, 0, NULL, 0, 0) < 0) {
            return -1;
        }
        mi += mn;
    }
    return 0;
}

/* Fills a malloc'ed item array from a mapping's items (a new list kept in *items_out). */
static py_item *
items_from_mapping(PyObject *mapping, PyObject *ts, PyObject *step, PyObject *model_id,
                   PyObject **items_out, Py_ssize_t *n)
{
    *n = 0;
    *items_out = NULL;
    if (mlc_is_none(mapping)) {
        return calloc(1, sizeof(py_item));
    }
    PyObject *items = PyMapping_Items(mapping);
    if (items == NULL) {
        return NULL;
    }
    Py_ssize_t len = PyList_GET_SIZE(items);
    py_item *out = calloc((size_t)len + 1, sizeof *out);
    if (out == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *kv = PyList_GET_ITEM(items, i);
        out[i].key = PyTuple_GET_ITEM(kv, 0);
        out[i].value = PyTuple_GET_ITEM(kv, 1);
        out[i].timestamp = ts;
        out[i].step = step;
        out[i].model_id = model_id;
    }
    *items_out = items;
    *n = len;
    return out;
}

/* Logs dict-shaped metrics ({key: value} at ts/step), params and tags. */
static int
log_dicts(mlc_state *st, mlc_handle *h, PyObject *run_id, PyObject *metrics, PyObject *ts,
          PyObject *step, PyObject *model_id, PyObject *params, PyObject *tags, int single)
{
    int rc = -1;
    /* timestamp None: now (one value for the whole call); step None: 0 */
    PyObject *tsobj = mlc_is_none(ts) ? PyLong_FromLongLong(mlc_now_ms()) : Py_NewRef(ts);
    PyObject *stepobj = mlc_is_none(step) ? PyLong_FromLong(0) : Py_NewRef(step);
    PyObject *mk = NULL, *pk = NULL, *tk = NULL;
    py_item *m = NULL, *p = NULL, *t = NULL;
    Py_ssize_t nm = 0, np = 0, nt = 0;
    if (tsobj == NULL || stepobj == NULL) {
        goto exit;
    }
    m = items_from_mapping(metrics, tsobj, stepobj, model_id, &mk, &nm);
    p = m ? items_from_mapping(params, NULL, NULL, NULL, &pk, &np) : NULL;
    t = p ? items_from_mapping(tags, NULL, NULL, NULL, &tk, &nt) : NULL;
    if (t != NULL) {
        rc = log_items(st, h, run_id, m, nm, p, np, t, nt, single);
    }
exit:
    free(m);
    free(p);
    free(t);
    Py_XDECREF(mk);
    Py_XDECREF(pk);
    Py_XDECREF(tk);
    Py_XDECREF(tsobj);
    Py_XDECREF(stepobj);
    return rc;
}

/* Logs Metric/Param/RunTag objects (MlflowClient.log_batch; any objects with the attributes). */
static int
log_entities(mlc_state *st, mlc_handle *h, PyObject *run_id, PyObject *metrics,
             PyObject *params, PyObject *tags)
{
    int rc = -1;
    PyObject *keep = PyList_New(0), *seqs[3] = {NULL, NULL, NULL};
    py_item *items[3] = {NULL, NULL, NULL};
    Py_ssize_t ns[3] = {0, 0, 0};
    PyObject *given[3] = {metrics, params, tags};
    if (keep == NULL) {
        return -1;
    }
    for (int k = 0; k < 3; k++) {
        seqs[k] = PySequence_Fast(mlc_is_none(given[k]) ? st->empty_tuple : given[k],
                                  "log_batch takes lists of entities");
        if (seqs[k] == NULL) {
            goto exit;
        }
        ns[k] = PySequence_Fast_GET_SIZE(seqs[k]);
        items[k] = calloc((size_t)ns[k] + 1, sizeof(py_item));
        if (items[k] == NULL) {
            PyErr_NoMemory();
            goto exit;
        }
        static const char *const attrs[] = {"key", "value", "timestamp", "step", "model_id"};
        for (Py_ssize_t i = 0; i < ns[k]; i++) {
            PyObject *o = PySequence_Fast_GET_ITEM(seqs[k], i);
            PyObject **slots[] = {&items[k][i].key, &items[k][i].value, &items[k][i].timestamp,
                                  &items[k][i].step, &items[k][i].model_id};
            int nattr = k == 0 ? 5 : 2;
            for (int a = 0; a < nattr; a++) {
                PyObject *v = NULL;
                if (PyObject_GetOptionalAttrString(o, attrs[a], &v) < 0) {
                    goto exit;
                }
                if (v == NULL) {
                    if (a == 4) {
                        continue;
                    }
                    PyErr_Format(PyExc_AttributeError, "%.100s object has no attribute '%s'",
                                 Py_TYPE(o)->tp_name, attrs[a]);
                    goto exit;
                }
                int r = PyList_Append(keep, v);
                Py_DECREF(v);
                if (r < 0) {
                    goto exit;
                }
                *slots[a] = v; /* kept alive by keep */
            }
        }
    }
    rc = log_items(st, h, run_id, items[0], ns[0], items[1], ns[1], items[2], ns[2], 0);
exit:
    for (int k = 0; k < 3; k++) {
        free(items[k]);
        Py_XDECREF(seqs[k]);
    }
    Py_DECREF(keep);
    return rc;
}

/* Returns a new reference: the run id to log to: run_id when given, else this thread's active
 * run, starting one when there is none (as MLflow's _get_or_start_run). */
static PyObject *start_run_impl(mlc_state *st, PyObject *run_id, PyObject *experiment_id,
                                PyObject *run_name, int nested, PyObject *parent_run_id,
                                PyObject *tags, PyObject *description);

static PyObject *
run_id_or_active(mlc_state *st, PyObject *run_id)
{
    if (!mlc_is_none(run_id)) {
        return Py_NewRef(run_id);
    }
    PyObject *active = mlc_active_run_id(st);
    if (active != Py_None) {
        return active;
    }
    Py_DECREF(active);
    PyObject *run = start_run_impl(st, NULL, NULL, NULL, 0, NULL, NULL, NULL);
    if (run == NULL) {
        return NULL;
    }
    PyObject *id = mlc_entity_run_id(st, run);
    Py_XINCREF(id);
    Py_DECREF(run);
    return id;
}

static int
parse_int64(PyObject *o, int64_t dflt, int64_t *out)
{
    if (mlc_is_none(o)) {
        *out = dflt;
        return 0;
    }
    PyObject *i = PyNumber_Long(o);
    if (i == NULL) {
        return -1;
    }
    *out = PyLong_AsLongLong(i);
    Py_DECREF(i);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* =================================================================== start / end run */

static PyObject *
start_run_impl(mlc_state *st, PyObject *run_id, PyObject *experiment_id, PyObject *run_name,
               int nested, PyObject *parent_run_id, PyObject *tags, PyObject *description)
{
    PyObject *stack = run_stack(st);
    if (stack == NULL) {
        return NULL;
    }
    if (!mlc_is_none(experiment_id) && !PyUnicode_Check(experiment_id) &&
        !(PyLong_Check(experiment_id) && !PyBool_Check(experiment_id))) {
        return experiment_id_str(st, experiment_id);
    }
    if (PyList_GET_SIZE(stack) > 0 && !nested) {
        PyObject *first = mlc_entity_run_id(st, PyList_GET_ITEM(stack, 0));
        if (first != NULL) {
            PyErr_Format(PyExc_Exception,
                         "Run with UUID %U is already active. To start a new run, first end the "
                         "current run with mlflow.end_run(). To start a nested run, call "
                         "start_run with nested=True",
                         first);
        }
        return NULL;
    }
    mlc_handle *h = mlc_store_for(st, NULL);
    if (h == NULL) {
        return NULL;
    }
    PyObject *existing = NULL, *run = NULL, *user_tags = NULL, *exp = NULL, *resolved = NULL;
    if (!mlc_is_none(run_id)) {
        existing = Py_NewRef(run_id);
    }
    else {
        const char *env = getenv("MLFLOW_RUN_ID");
        if (env != NULL && env[0] != '\0') {
            existing = PyUnicode_DecodeFSDefault(env);
            unsetenv("MLFLOW_RUN_ID");
            if (existing == NULL) {
                return NULL;
            }
        }
    }
    user_tags = mlc_is_none(tags) ? PyDict_New() : PyDict_Copy(tags);
    if (user_tags == NULL) {
        goto exit;
    }
    if (!mlc_is_none(description)) {
        PyObject *note = PyUnicode_FromString("mlflow.note.content");
        int has = note == NULL ? -1 : PyDict_Contains(user_tags, note);
        Py_XDECREF(note);
        if (has < 0) {
            goto exit;
        }
        if (has) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Description is already set via the tag mlflow.note.content in tags."
                      "Remove the key mlflow.note.content from the tags or omit the "
                      "description.");
            goto exit;
        }
    }
    if (existing != NULL) {
        if (validate_run_id(st, existing, "run_id") < 0) {
            goto exit;
        }
        run = get_run_impl(st, h, existing, 0);
        if (run == NULL) {
            goto exit;
        }
        PyObject *info = PyObject_GetAttrString(run, "info");
        PyObject *rexp = info ? PyObject_GetAttrString(info, "experiment_id") : NULL;
        PyObject *stage = info ? PyObject_GetAttrString(info, "lifecycle_stage") : NULL;
        Py_XDECREF(info);
        if (rexp == NULL || stage == NULL) {
            Py_XDECREF(rexp);
            Py_XDECREF(stage);
            goto exit;
        }
        int mismatch = st->active_experiment_id != NULL &&
                       PyUnicode_Compare(st->active_experiment_id, rexp) != 0;
        int deleted = PyUnicode_CompareWithASCIIString(stage, "deleted") == 0;
        Py_DECREF(rexp);
        Py_DECREF(stage);
        if (mismatch) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Cannot start run with ID %U because active experiment ID does not match "
                      "environment run ID. Make sure --experiment-name or --experiment-id "
                      "matches experiment set with set_experiment(), or just use command-line "
                      "arguments",
                      existing);
            goto exit;
        }
        if (deleted) {
            mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                      "Cannot start run with ID %U because it is in the deleted state.",
                      existing);
            goto exit;
        }
        const char *rn = NULL;
        if (!mlc_is_none(run_name) && (rn = PyUnicode_AsUTF8(run_name)) == NULL) {
            goto exit;
        }
        if (update_run_impl(st, h, existing, "RUNNING", MLC_NO_TIME, rn) < 0) {
            goto exit;
        }
        if (!mlc_is_none(description) &&
            PyDict_SetItemString(user_tags, "mlflow.note.content", description) < 0) {
            goto exit;
        }
        if (PyDict_GET_SIZE(user_tags) > 0 &&
            log_dicts(st, h, existing, NULL, NULL, NULL, NULL, NULL, user_tags, 0) < 0) {
            goto exit;
        }
        Py_CLEAR(run);
        run = get_run_impl(st, h, existing, 1);
    }
    else {
        PyObject *parent = NULL;
        if (!mlc_is_none(parent_run_id)) {
            if (validate_run_id(st, parent_run_id, "run_id") < 0) {
                goto exit;
            }
            Py_ssize_t n = PyList_GET_SIZE(stack);
            if (n > 0) {
                PyObject *cur = mlc_entity_run_id(st, PyList_GET_ITEM(stack, n - 1));
                if (cur == NULL) {
                    goto exit;
                }
                if (PyUnicode_Compare(cur, parent_run_id) != 0) {
                    mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                              "Current run with UUID %U does not match the specified "
                              "parent_run_id %U. To start a new nested run under the parent run "
                              "with UUID %U, first end the current run with mlflow.end_run().",
                              cur, parent_run_id, cur);
                    goto exit;
                }
            }
            PyObject *prun = get_run_impl(st, h, parent_run_id, 0);
            if (prun == NULL) {
                goto exit;
            }
            PyObject *info = PyObject_GetAttrString(prun, "info");
            PyObject *stage = info ? PyObject_GetAttrString(info, "lifecycle_stage") : NULL;
            Py_XDECREF(info);
            Py_DECREF(prun);
            if (stage == NULL) {
                goto exit;
            }
            int deleted = PyUnicode_CompareWithASCIIString(stage, "deleted") == 0;
            Py_DECREF(stage);
            if (deleted) {
                mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                          "Cannot start run under parent run with ID %U because it is in the "
                          "deleted state.",
                          parent_run_id);
                goto exit;
            }
            parent = parent_run_id;
        }
        else if (PyList_GET_SIZE(stack) > 0) {
            parent = mlc_entity_run_id(st, PyList_GET_ITEM(stack, PyList_GET_SIZE(stack) - 1));
            if (parent == NULL) {
                goto exit;
            }
        }
        exp = mlc_is_none(experiment_id) ? mlc_active_experiment_id(st, h)
                                         : experiment_id_str(st, experiment_id);
        if (exp == NULL) {
            goto exit;
        }
        if (!mlc_is_none(description) &&
            PyDict_SetItemString(user_tags, "mlflow.note.content", description) < 0) {
            goto exit;
        }
        if (parent != NULL && PyDict_SetItemString(user_tags, "mlflow.parentRunId", parent) < 0) {
            goto exit;
        }
        if (!mlc_is_none(run_name) && PyObject_IsTrue(run_name) &&
            PyDict_SetItemString(user_tags, "mlflow.runName", run_name) < 0) {
            goto exit;
        }
        resolved = mlc_context_tags(st, user_tags);
        if (resolved == NULL) {
            goto exit;
        }
        run = create_run_impl(st, h, exp, NULL, mlc_now_ms(), resolved, run_name, 1);
    }
    if (run != NULL && PyList_Append(stack, run) < 0) {
        Py_CLEAR(run);
    }
exit:
    if (PyErr_Occurred()) {
        Py_CLEAR(run); /* error paths after the run was fetched */
    }
    Py_XDECREF(existing);
    Py_XDECREF(user_tags);
    Py_XDECREF(exp);
    Py_XDECREF(resolved);
    return run;
}

/* Pops the top run and terminates it with status. */
static int
end_run_impl(mlc_state *st, const char *status)
{
    PyObject *stack = run_stack(st);
    if (stack == NULL) {
        return -1;
    }
    Py_ssize_t n = PyList_GET_SIZE(stack);
    if (n == 0) {
        return 0;
    }
    unsetenv("MLFLOW_RUN_ID");
    PyObject *run = Py_NewRef(PyList_GET_ITEM(stack, n - 1));
    int rc = -1;
    if (PyList_SetSlice(stack, n - 1, n, NULL) < 0) {
        goto exit;
    }
    PyObject *id = mlc_entity_run_id(st, run);
    if (id == NULL || tl_set(st, "last_run", id) < 0) {
        goto exit;
    }
    mlc_handle *h = mlc_store_for(st, NULL);
    if (h == NULL) {
        goto exit;
    }
    rc = update_run_impl(st, h, id, status, mlc_now_ms(), NULL);
exit:
    Py_DECREF(run);
    return rc;
}

int
mlc_tracking_exit_run(mlc_state *st, PyObject *run_id, int failed)
{
    PyObject *stack = run_stack(st);
    if (stack == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(stack); i++) {
        PyObject *id = mlc_entity_run_id(st, PyList_GET_ITEM(stack, i));
        if (id == NULL) {
            return -1;
        }
        int eq = PyUnicode_Compare(id, run_id);
        if (eq == 0) {
            return end_run_impl(st, failed ? "FAILED" : "FINISHED");
        }
    }
    return 0;
}

/* =================================================================== for autolog.c */

PyObject *
mlc_tracking_create_run(mlc_state *st, mlc_handle *h, PyObject *experiment_id,
                        const char *run_id, int64_t start_time, PyObject *tags)
{
    PyObject *resolved = mlc_context_tags(st, tags);
    PyObject *run = resolved == NULL ? NULL
                                     : create_run_impl(st, h, experiment_id, run_id, start_time,
                                                       resolved, NULL, 0);
    Py_XDECREF(resolved);
    return run;
}

int
mlc_tracking_update_run(mlc_state *st, mlc_handle *h, PyObject *run_id, const char *status,
                        int64_t end_time)
{
    return update_run_impl(st, h, run_id, status, end_time, NULL);
}

int
mlc_tracking_log(mlc_state *st, mlc_handle *h, PyObject *run_id, PyObject *metrics,
                 PyObject *model_id, PyObject *params)
{
    return log_dicts(st, h, run_id, metrics, NULL, NULL, model_id, params, NULL, 0);
}

PyObject *
mlc_tracking_get_run(mlc_state *st, mlc_handle *h, PyObject *run_id)
{
    return get_run_impl(st, h, run_id, 0);
}

static PyObject *artifact_op(mlc_state *st, mlc_handle *h, PyObject *run_id, int kind,
                             PyObject *a0, PyObject *a1);

int
mlc_tracking_log_text(mlc_state *st, mlc_handle *h, PyObject *run_id, PyObject *text,
                      PyObject *artifact_file)
{
    PyObject *r = artifact_op(st, h, run_id, 2, text, artifact_file);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}

/* =================================================================== fluent functions */

#define FLUENT(name) static PyObject *fl_##name(PyObject *m, PyObject *const *args,            \
                                                Py_ssize_t nargs, PyObject *kwnames)
#define PARSE(fname, names, npos, nreq, out)                                                \
    if (mlc_args_parse(fname, args, nargs, kwnames, names, npos, nreq, out, NULL) < 0) {    \
        return NULL;                                                                        \
    }

/* os.environ[name] = value (value a str, or NULL to remove). 0 or -1. */
static int
set_environ(const char *name, PyObject *value)
{
    PyObject *os = PyImport_ImportModule("os");
    PyObject *environ = os ? PyObject_GetAttrString(os, "environ") : NULL;
    Py_XDECREF(os);
    if (environ == NULL) {
        return -1;
    }
    PyObject *r = value != NULL ? PyObject_CallMethod(environ, "__setitem__", "sO", name, value)
                                : PyObject_CallMethod(environ, "pop", "sO", name, Py_None);
    Py_DECREF(environ);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

FLUENT(set_tracking_uri)
{
    /* autolog writes queued so far go to the store they were meant for */
    if (mlc_autolog_flush(mlc_state_from_module(m)) < 0) {
        return NULL;
    }
    static const char *const names[] = {"uri", NULL};
    PyObject *a[1];
    PARSE("set_tracking_uri", names, 1, 1, a);
    mlc_state *st = mlc_state_from_module(m);
    PyObject *uri = NULL;
    if (!mlc_is_none(a[0])) {
        /* pathlib paths become file: URIs as in MLflow */
        PyObject *pathlib = PyImport_ImportModule("pathlib");
        PyObject *purepath = pathlib ? PyObject_GetAttrString(pathlib, "PurePath") : NULL;
        Py_XDECREF(pathlib);
        if (purepath == NULL) {
            return NULL;
        }
        int isp = PyObject_IsInstance(a[0], purepath);
        Py_DECREF(purepath);
        if (isp < 0) {
            return NULL;
        }
        if (isp) {
            PyObject *abs = PyObject_CallMethod(a[0], "absolute", NULL);
            PyObject *res = abs ? PyObject_CallMethod(abs, "resolve", NULL) : NULL;
            uri = res ? PyObject_CallMethod(res, "as_uri", NULL) : NULL;
            Py_XDECREF(abs);
            Py_XDECREF(res);
        }
        else {
            uri = PyObject_Str(a[0]);
        }
        if (uri == NULL) {
            return NULL;
        }
    }
    int changed = (uri == NULL) != (st->tracking_uri == NULL) ||
                  (uri != NULL && PyUnicode_Compare(uri, st->tracking_uri) != 0);
    Py_XSETREF(st->tracking_uri, uri);
    /* as MLflow: the URI goes to the environment (subprocesses inherit it); the active
     * experiment is kept */
    if (changed) {
        if (set_environ("MLFLOW_TRACKING_URI", uri) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyObject *
fl_get_tracking_uri(PyObject *m, PyObject *unused)
{
    (void)unused;
    return mlc_tracking_uri(mlc_state_from_module(m));
}

FLUENT(set_registry_uri)
{
    if (mlc_autolog_flush(mlc_state_from_module(m)) < 0) {
        return NULL;
    }
    static const char *const names[] = {"uri", NULL};
    PyObject *a[1];
    PARSE("set_registry_uri", names, 1, 1, a);
    mlc_state *st = mlc_state_from_module(m);
    Py_XSETREF(st->registry_uri, mlc_is_none(a[0]) ? NULL : PyObject_Str(a[0]));
    Py_RETURN_NONE;
}

static PyObject *
fl_get_registry_uri(PyObject *m, PyObject *unused)
{
    (void)unused;
    mlc_state *st = mlc_state_from_module(m);
    if (st->registry_uri != NULL) {
        return Py_NewRef(st->registry_uri);
    }
    const char *env = getenv("MLFLOW_REGISTRY_URI");
    if (env != NULL && env[0]) {
        return PyUnicode_DecodeFSDefault(env);
    }
    return mlc_tracking_uri(st);
}

FLUENT(create_experiment)
{
    static const char *const names[] = {"name", "artifact_location", "tags", NULL};
    PyObject *a[3];
    PARSE("create_experiment", names, 3, 1, a);
    mlc_state *st = mlc_state_from_module(m);
    mlc_handle *h = mlc_store_for(st, NULL);
    return h == NULL ? NULL : create_experiment_impl(st, h, a[0], a[1], a[2]);
}

FLUENT(get_experiment)
{
    static const char *const names[] = {"experiment_id", NULL};
    PyObject *a[1];
    PARSE("get_experiment", names, 1, 1, a);
    mlc_state *st = mlc_state_from_module(m);
    mlc_handle *h = mlc_store_for(st, NULL);
    return h == NULL ? NULL : get_experiment_impl(st, h, a[0]);
}

FLUENT(get_experiment_by_name)
{
    static const char *const names[] = {"name", NULL};
    PyObject *a[1];
    PARSE("get_experiment_by_name", names, 1, 1, a);
    mlc_state *st = mlc_state_from_module(m);
    mlc_handle *h = mlc_store_for(st, NULL);
    return h == NULL ? NULL : get_experiment_by_name_impl(st, h, a[0]);
}

FLUENT(set_experiment)
{
    static const char *const names[] = {"experiment_name", "experiment_id", NULL};
    PyObject *a[2];
    PARSE("set_experiment", names, 2, 0, a);
    mlc_state *st = mlc_state_from_module(m);
    if ((mlc_is_none(a[0]) && mlc_is_none(a[1])) || (!mlc_is_none(a[0]) && !mlc_is_none(a[1]))) {
        return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                         "Must specify exactly one of: `experiment_id` or `experiment_name`.");
    }
    mlc_handle *h = mlc_store_for(st, NULL);
    if (h == NULL) {
        return NULL;
    }
    PyObject *exp;
    if (!mlc_is_none(a[1])) {
        exp = get_experiment_impl(st, h, a[1]);
        if (exp == NULL) {
            return NULL;
        }
    }
    else {
        exp = get_experiment_by_name_impl(st, h, a[0]);
        if (exp == Py_None) {
            Py_DECREF(exp);
            PyObject *logging = PyImport_ImportModule("logging");
            PyObject *lg = logging ? PyObject_CallMethod(logging, "getLogger", "s",
                                                         "mlflow_c.tracking.fluent")
                                   : NULL;
            Py_XDECREF(logging);
            PyObject *r = lg ? PyObject_CallMethod(lg, "info", "sO",
                                                   "Experiment with name '%s' does not exist. "
                                                   "Creating a new experiment.",
                                                   a[0])
                             : NULL;
            Py_XDECREF(lg);
            Py_XDECREF(r);
            if (r == NULL) {
                return NULL;
            }
            PyObject *id = create_experiment_impl(st, h, a[0], NULL, NULL);
            if (id == NULL) {
                /* another process or thread created it meanwhile: use theirs */
                PyObject *exc = PyErr_GetRaisedException();
                PyObject *code = exc ? PyObject_GetAttrString(exc, "error_code") : NULL;
                int exists = code != NULL && PyUnicode_Check(code) &&
                             PyUnicode_CompareWithASCIIString(code, MLC_RESOURCE_ALREADY_EXISTS) ==
                                 0;
                Py_XDECREF(code);
                PyErr_Clear();
                if (!exists) {
                    PyErr_SetRaisedException(exc);
                    return NULL;
                }
                Py_XDECREF(exc);
                exp = get_experiment_by_name_impl(st, h, a[0]);
                if (exp == Py_None) {
                    Py_DECREF(exp);
                    return mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                                     "Experiment '%S' was created concurrently but cannot be "
                                     "read back",
                                     a[0]);
                }
            }
            else {
                exp = get_experiment_impl(st, h, id);
                Py_DECREF(id);
            }
        }
        if (exp == NULL) {
            return NULL;
        }
    }
    PyObject *stage = PyObject_GetAttrString(exp, "lifecycle_stage");
    PyObject *id = stage ? PyObject_GetAttrString(exp, "experiment_id") : NULL;
    PyObject *name = id ? PyObject_GetAttrString(exp, "name") : NULL;
    if (name == NULL) {
        goto fail;
    }
    if (PyUnicode_CompareWithASCIIString(stage, "deleted") == 0) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Cannot set a deleted experiment '%U' as the active experiment. You can "
                  "restore the experiment, or permanently delete the experiment to create a new "
                  "one.",
                  name);
        goto fail;
    }
    Py_XSETREF(st->active_experiment_id, Py_NewRef(id));
    /* as MLflow, so that subprocesses use the same experiment */
    if (set_environ("MLFLOW_EXPERIMENT_ID", id) < 0) {
        goto fail;
    }
    Py_DECREF(stage);
    Py_DECREF(id);
    Py_DECREF(name);
    return exp;
fail:
    Py_XDECREF(stage);
    Py_XDECREF(id);
    Py_XDECREF(name);
    Py_DECREF(exp);
    return NULL;
}

FLUENT(start_run)
{
    static const char *const names[] = {"run_id", "experiment_id", "run_name", "nested",
                                        "parent_run_id", "tags", "description",
                                        "log_system_metrics", NULL};
    PyObject *a[8];
    PARSE("start_run", names, 8, 0, a);
    int nested = a[3] == NULL ? 0 : PyObject_IsTrue(a[3]);
    if (nested < 0) {
        return NULL;
    }
    return start_run_impl(mlc_state_from_module(m), a[0], a[1], a[2], nested, a[4], a[5], a[6]);
}

FLUENT(end_run)
{
    static const char *const names[] = {"status", NULL};
    PyObject *a[1];
    PARSE("end_run", names, 1, 0, a);
    mlc_state *st = mlc_state_from_module(m);
    const char *status = mlc_is_none(a[0]) ? "FINISHED" : status_name(st, a[0]);
    if (status == NULL || end_run_impl(st, status) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
fl_active_run(PyObject *m, PyObject *unused)
{
    (void)unused;
    mlc_state *st = mlc_state_from_module(m);
    PyObject *stack = run_stack(st);
    if (stack == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(stack);
    if (n > 0) {
        return Py_NewRef(PyList_GET_ITEM(stack, n - 1));
    }
    /* inside an autologged fit: the run autolog created for it, as MLflow's stack has it */
    PyObject *pending = mlc_autolog_pending_run();
    if (pending == NULL) {
        Py_RETURN_NONE;
    }
    Py_INCREF(pending);
    mlc_handle *h = mlc_store_for(st, NULL);
    PyObject *r = h == NULL ? NULL : get_run_impl(st, h, pending, 1);
    Py_DECREF(pending);
    return r;
}

static PyObject *
fl_last_active_run(PyObject *m, PyObject *unused)
{
    (void)unused;
    mlc_state *st = mlc_state_from_module(m);
    PyObject *active = fl_active_run(m, NULL);
    if (active != Py_None) {
        return active;
    }
    Py_DECREF(active);
    PyObject *id = tl_get(st, "last_run");
    if (id == NULL || id == Py_None) {
        return id;
    }
    mlc_handle *h = mlc_store_for(st, NULL);
    PyObject *r = h == NULL ? NULL : get_run_impl(st, h, id, 0);
    Py_DECREF(id);
    return r;
}

static PyObject *
fl__active_experiment_id(PyObject *m, PyObject *unused)
{
    (void)unused;
    mlc_state *st = mlc_state_from_module(m);
    mlc_handle *h = mlc_store_for(st, NULL);
    return h == NULL ? NULL : mlc_active_experiment_id(st, h);
}

FLUENT(get_run)
{
    static const char *const names[] = {"run_id", NULL};
    PyObject *a[1];
    PARSE("get_run", names, 1, 1, a);
    mlc_state *st = mlc_state_from_module(m);
    mlc_handle *h = mlc_store_for(st, NULL);
    return h == NULL ? NULL : get_run_impl(st, h, a[0], 0);
}

/* Logs to run_id, or to this thread's active run (started when there is none, as MLflow's
 * _get_or_start_run), through the current store. Single-item calls (single = 1) keep MLflow's
 * paths in messages and, for log_param, the store's message as it is: mlflow_c does not append
 * MLflow's help text about repeated params to every error (contract quirk Q28). */
static int
fluent_log(mlc_state *st, PyObject *run_id, PyObject *metrics, PyObject *ts, PyObject *step,
           PyObject *model_id, PyObject *params, PyObject *tags, int single)
{
    PyObject *rid = run_id_or_active(st, run_id);
    mlc_handle *h = rid ? mlc_store_for(st, NULL) : NULL;
    int rc = h == NULL ? -1
                       : log_dicts(st, h, rid, metrics, ts, step, model_id, params, tags, single);
    Py_XDECREF(rid);
    return rc;
}

/* Returns a new {key: value}. */
static PyObject *
one_item(PyObject *key, PyObject *value)
{
    PyObject *d = PyDict_New();
    if (d != NULL && PyDict_SetItem(d, key, value) < 0) {
        Py_CLEAR(d);
    }
    return d;
}

FLUENT(log_param)
{
    static const char *const names[] = {"key", "value", "synchronous", NULL};
    PyObject *a[3];
    PARSE("log_param", names, 3, 2, a);
    PyObject *d = one_item(a[0], a[1]);
    int rc = d == NULL ? -1
                       : fluent_log(mlc_state_from_module(m), NULL, NULL, NULL, NULL, NULL, d,
                                    NULL, 1);
    Py_XDECREF(d);
    return rc < 0 ? NULL : Py_NewRef(a[1]);
}

FLUENT(log_params)
{
    static const char *const names[] = {"params", "synchronous", "run_id", NULL};
    PyObject *a[3];
    PARSE("log_params", names, 3, 1, a);
    if (fluent_log(mlc_state_from_module(m), a[2], NULL, NULL, NULL, NULL, a[0], NULL, 0) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

FLUENT(log_metric)
{
    static const char *const names[] = {"key", "value", "step", "synchronous", "timestamp",
                                        "run_id", "model_id", "dataset", NULL};
    PyObject *a[8];
    PARSE("log_metric", names, 8, 2, a);
    PyObject *d = one_item(a[0], a[1]);
    int rc = d == NULL ? -1
                       : fluent_log(mlc_state_from_module(m), a[5], d, a[4], a[2], a[6], NULL,
                                    NULL, 1);
    Py_XDECREF(d);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

FLUENT(log_metrics)
{
    static const char *const names[] = {"metrics", "step", "synchronous", "run_id",
                                        "timestamp", "model_id", "dataset", NULL};
    PyObject *a[7];
    PARSE("log_metrics", names, 7, 1, a);
    if (fluent_log(mlc_state_from_module(m), a[3], a[0], a[4], a[1], a[5], NULL, NULL, 0) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

FLUENT(set_tag)
{
    static const char *const names[] = {"key", "value", "synchronous", NULL};
    PyObject *a[3];
    PARSE("set_tag", names, 3, 2, a);
    PyObject *d = one_item(a[0], a[1]);
    int rc = d == NULL ? -1
                       : fluent_log(mlc_state_from_module(m), NULL, NULL, NULL, NULL, NULL, NULL,
                                    d, 1);
    Py_XDECREF(d);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

FLUENT(set_tags)
{
    static const char *const names[] = {"tags", "synchronous", NULL};
    PyObject *a[2];
    PARSE("set_tags", names, 2, 1, a);
    if (fluent_log(mlc_state_from_module(m), NULL, NULL, NULL, NULL, NULL, NULL, a[0], 0) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static int
delete_tag_impl(mlc_state *st, mlc_handle *h, PyObject *run_id, PyObject *key)
{
    if (validate_run_id(st, run_id, "run_id") < 0) {
        return -1;
    }
    /* MLflow's file store checks the name first; its SQL store only looks the tag up */
    if (!h->is_sql && mlc_validate_key(st, "tag", key, "key") < 0) {
        return -1;
    }
    const char *id = PyUnicode_AsUTF8(run_id);
    PyObject *ks = id ? PyObject_Str(key) : NULL;
    const char *k = ks ? PyUnicode_AsUTF8(ks) : NULL;
    if (k == NULL) {
        Py_XDECREF(ks);
        return -1;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->delete_tag(h->store, id, k, &err));
    Py_DECREF(ks);
    return rc < 0 ? mlc_store_raise(st, &err) : 0;
}

FLUENT(delete_tag)
{
    static const char *const names[] = {"key", NULL};
    PyObject *a[1];
    PARSE("delete_tag", names, 1, 1, a);
    mlc_state *st = mlc_state_from_module(m);
    PyObject *rid = run_id_or_active(st, NULL);
    mlc_handle *h = rid ? mlc_store_for(st, NULL) : NULL;
    int rc = h == NULL ? -1 : delete_tag_impl(st, h, rid, a[0]);
    Py_XDECREF(rid);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Returns a malloc'ed copy of the run's artifact_uri. */
static char *
run_artifact_uri(mlc_state *st, mlc_handle *h, PyObject *run_id)
{
    PyObject *run = get_run_impl(st, h, run_id, 0);
    PyObject *info = run ? PyObject_GetAttrString(run, "info") : NULL;
    PyObject *uri = info ? PyObject_GetAttrString(info, "artifact_uri") : NULL;
    const char *u = uri ? PyUnicode_AsUTF8(uri) : NULL;
    char *r = u ? strdup(u) : NULL;
    if (u != NULL && r == NULL) {
        PyErr_NoMemory();
    }
    Py_XDECREF(run);
    Py_XDECREF(info);
    Py_XDECREF(uri);
    return r;
}

/* Writes text (a str) to the artifact path file under the artifact URI uri. 0, or -1 with an
 * exception. */
static int
write_text_at(mlc_state *st, const char *uri, const char *file, PyObject *text)
{
    Py_ssize_t len;
    const char *data = PyUnicode_AsUTF8AndSize(text, &len);
    return data == NULL ? -1 : mlc_artifact_write(st, uri, file, data, (size_t)len);
}

int
mlc_tracking_write_text(mlc_state *st, PyObject *artifact_uri, PyObject *text,
                        PyObject *artifact_file)
{
    const char *uri = PyUnicode_AsUTF8(artifact_uri);
    PyObject *file = uri ? mlc_args_path(artifact_file) : NULL;
    const char *f = file ? PyUnicode_AsUTF8(file) : NULL;
    int rc = f ? write_text_at(st, uri, f, text) : -1;
    Py_XDECREF(file);
    return rc;
}

/* Shared by fluent and client: log_artifact(s), log_text, log_dict. kind: 0 artifact,
 * 1 artifacts, 2 text, 3 dict. */
static PyObject *
artifact_op(mlc_state *st, mlc_handle *h, PyObject *run_id, int kind, PyObject *a0,
            PyObject *a1)
{
    char *uri = run_artifact_uri(st, h, run_id);
    if (uri == NULL) {
        return NULL;
    }
    int rc = -1;
    if (kind <= 1) {
        rc = mlc_artifact_log(st, uri, a0, a1, kind == 1);
    }
    else {
        PyObject *file = mlc_args_path(a1), *text = NULL;
        const char *f = file ? PyUnicode_AsUTF8(file) : NULL;
        if (f != NULL && kind == 2) {
            text = Py_NewRef(a0);
        }
        else if (f != NULL) {
            size_t fl = strlen(f);
            int yaml = (fl > 5 && strcmp(f + fl - 5, ".yaml") == 0) ||
                       (fl > 4 && strcmp(f + fl - 4, ".yml") == 0);
            if (yaml) {
                PyObject *core = PyImport_ImportModule("mlflow_c._core");
                text = core ? PyObject_CallMethod(core, "yaml_dump", "O", a0) : NULL;
                Py_XDECREF(core);
            }
            else {
                PyObject *dumps = mlc_lazy_attr(&st->json_dumps, "json", "dumps");
                PyObject *kw = Py_BuildValue("{s:i}", "indent", 2);
                PyObject *args = PyTuple_Pack(1, a0);
                text = (dumps && kw && args) ? PyObject_Call(dumps, args, kw) : NULL;
                Py_XDECREF(dumps);
                Py_XDECREF(kw);
                Py_XDECREF(args);
            }
        }
        if (text != NULL) {
            rc = write_text_at(st, uri, f, text);
        }
        Py_XDECREF(text);
        Py_XDECREF(file);
    }
    free(uri);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

#define FLUENT_ARTIFACT(fname, kind, n0, n1)                                                \
    FLUENT(fname)                                                                           \
    {                                                                                       \
        static const char *const names[] = {n0, n1, "run_id", NULL};                       \
        PyObject *a[3];                                                                     \
        PARSE(#fname, names, 3, kind >= 2 ? 2 : 1, a);                                      \
        mlc_state *st = mlc_state_from_module(m);                                          \
        PyObject *rid = run_id_or_active(st, a[2]);                                         \
        mlc_handle *h = rid ? mlc_store_for(st, NULL) : NULL;                              \
        PyObject *r = h == NULL ? NULL : artifact_op(st, h, rid, kind, a[0], a[1]);        \
        Py_XDECREF(rid);                                                                    \
        return r;                                                                           \
    }
FLUENT_ARTIFACT(log_artifact, 0, "local_path", "artifact_path")
FLUENT_ARTIFACT(log_artifacts, 1, "local_dir", "artifact_path")
FLUENT_ARTIFACT(log_text, 2, "text", "artifact_file")
FLUENT_ARTIFACT(log_dict, 3, "dictionary", "artifact_file")

FLUENT(get_artifact_uri)
{
    static const char *const names[] = {"artifact_path", NULL};
    PyObject *a[1];
    PARSE("get_artifact_uri", names, 1, 0, a);
    mlc_state *st = mlc_state_from_module(m);
    PyObject *rid = run_id_or_active(st, NULL);
    mlc_handle *h = rid ? mlc_store_for(st, NULL) : NULL;
    char *uri = h ? run_artifact_uri(st, h, rid) : NULL;
    Py_XDECREF(rid);
    if (uri == NULL) {
        return NULL;
    }
    PyObject *r;
    if (mlc_is_none(a[0])) {
        r = PyUnicode_FromString(uri);
    }
    else {
        PyObject *p = mlc_args_path(a[0]);
        r = p ? PyUnicode_FromFormat("%s/%U", uri, p) : NULL;
        Py_XDECREF(p);
    }
    free(uri);
    return r;
}

/* =================================================================== MlflowClient */

typedef struct {
    PyObject_HEAD
    PyObject *tracking_uri; /* str */
    PyObject *registry_uri; /* str */
} ClientObject;

#define Client_CAST(op) ((ClientObject *)(op))

static int
Client_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kw[] = {"tracking_uri", "registry_uri", NULL};
    PyObject *t = NULL, *r = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:MlflowClient", kw, &t, &r)) {
        return -1;
    }
    mlc_state *st = mlc_state_from_type(Py_TYPE(self));
    if (st == NULL) {
        return -1;
    }
    PyObject *tu = mlc_is_none(t) ? mlc_tracking_uri(st) : PyObject_Str(t);
    if (tu == NULL) {
        return -1;
    }
    PyObject *ru = mlc_is_none(r) ? Py_NewRef(tu) : PyObject_Str(r);
    if (ru == NULL) {
        Py_DECREF(tu);
        return -1;
    }
    Py_XSETREF(Client_CAST(self)->tracking_uri, tu);
    Py_XSETREF(Client_CAST(self)->registry_uri, ru);
    return 0;
}

static int
Client_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(Client_CAST(self)->tracking_uri);
    Py_VISIT(Client_CAST(self)->registry_uri);
    return 0;
}

static int
Client_clear(PyObject *self)
{
    Py_CLEAR(Client_CAST(self)->tracking_uri);
    Py_CLEAR(Client_CAST(self)->registry_uri);
    return 0;
}

static void
Client_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Client_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Method prologue: state and store handle of the client. */
#define CLIENT_METHOD(name)                                                                 \
    static PyObject *cl_##name##_impl(mlc_state *st, mlc_handle *h, PyObject *self,         \
                                      PyObject **a);                                        \
    static PyObject *cl_##name(PyObject *self, PyTypeObject *cls, PyObject *const *args,    \
                               Py_ssize_t nargs, PyObject *kwnames)

#define CLIENT_BODY(name, names, npos, nreq, n)                                             \
    {                                                                                       \
        PyObject *a[n];                                                                     \
        if (mlc_args_parse(#name, args, nargs, kwnames, names, npos, nreq, a, NULL) < 0) {  \
            return NULL;                                                                    \
        }                                                                                   \
        mlc_state *st = mlc_state_from_class(cls);                                         \
        mlc_handle *h = mlc_store_for(st, Client_CAST(self)->tracking_uri);               \
        return h == NULL ? NULL : cl_##name##_impl(st, h, self, a);                         \
    }                                                                                       \
    static PyObject *cl_##name##_impl(mlc_state *st, mlc_handle *h, PyObject *self,         \
                                      PyObject **a)

static const char *const n_create_experiment[] = {"name", "artifact_location", "tags", NULL};
CLIENT_METHOD(create_experiment)
CLIENT_BODY(create_experiment, n_create_experiment, 3, 1, 3)
{
    (void)self;
    return create_experiment_impl(st, h, a[0], a[1], a[2]);
}

static const char *const n_experiment_id[] = {"experiment_id", NULL};
CLIENT_METHOD(get_experiment)
CLIENT_BODY(get_experiment, n_experiment_id, 1, 1, 1)
{
    (void)self;
    return get_experiment_impl(st, h, a[0]);
}

static const char *const n_name[] = {"name", NULL};
CLIENT_METHOD(get_experiment_by_name)
CLIENT_BODY(get_experiment_by_name, n_name, 1, 1, 1)
{
    (void)self;
    return get_experiment_by_name_impl(st, h, a[0]);
}

/* ViewType from an int or None (default ACTIVE_ONLY). */
static int
view_type(PyObject *o, int dflt)
{
    if (mlc_is_none(o)) {
        return dflt;
    }
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) {
        return -1;
    }
    return (v >= 1 && v <= 3) ? (int)v : dflt;
}

CLIENT_METHOD(delete_experiment)
CLIENT_BODY(delete_experiment, n_experiment_id, 1, 1, 1)
{
    (void)self;
    PyObject *id = experiment_id_str(st, a[0]);
    const char *s = id ? PyUnicode_AsUTF8(id) : NULL;
    if (s == NULL) {
        Py_XDECREF(id);
        return NULL;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->delete_experiment(h->store, s, &err));
    Py_DECREF(id);
    if (rc < 0) {
        return mlc_store_raise(st, &err), NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_set_experiment_tag[] = {"experiment_id", "key", "value", NULL};
CLIENT_METHOD(set_experiment_tag)
CLIENT_BODY(set_experiment_tag, n_set_experiment_tag, 3, 3, 3)
{
    (void)self;
    if (mlc_validate_key(st, "tag", a[1], "key") < 0) {
        return NULL;
    }
    PyObject *keep = PyList_New(0);
    PyObject *id = keep ? experiment_id_str(st, a[0]) : NULL;
    const char *e = id ? mlc_keep_utf8(keep, id) : NULL;
    const char *k = e ? mlc_keep_str(keep, a[1]) : NULL;
    const char *v = k ? mlc_keep_str(keep, a[2]) : NULL;
    Py_XDECREF(id);
    if (v == NULL) {
        Py_XDECREF(keep);
        return NULL;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->set_experiment_tag(h->store, e, k, v, &err));
    Py_DECREF(keep);
    if (rc < 0) {
        return mlc_store_raise(st, &err), NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_create_run[] = {"experiment_id", "start_time", "tags", "run_name",
                                           NULL};
CLIENT_METHOD(create_run)
CLIENT_BODY(create_run, n_create_run, 4, 1, 4)
{
    (void)self;
    int64_t start;
    if (parse_int64(a[1], mlc_now_ms(), &start) < 0) {
        return NULL;
    }
    PyObject *tags = mlc_is_none(a[2]) ? PyDict_New() : PyDict_Copy(a[2]);
    if (tags == NULL) {
        return NULL;
    }
    PyObject *r = create_run_impl(st, h, a[0], NULL, start, tags, a[3], 0);
    Py_DECREF(tags);
    return r;
}

static const char *const n_run_id[] = {"run_id", NULL};
CLIENT_METHOD(get_run)
CLIENT_BODY(get_run, n_run_id, 1, 1, 1)
{
    (void)self;
    return get_run_impl(st, h, a[0], 0);
}

static const char *const n_update_run[] = {"run_id", "status", "name", NULL};
CLIENT_METHOD(update_run)
CLIENT_BODY(update_run, n_update_run, 3, 1, 3)
{
    (void)self;
    const char *status = mlc_is_none(a[1]) ? NULL : status_name(st, a[1]);
    const char *name = mlc_is_none(a[2]) ? NULL : PyUnicode_AsUTF8(a[2]);
    if ((!mlc_is_none(a[1]) && status == NULL) || (!mlc_is_none(a[2]) && name == NULL) ||
        validate_run_id(st, a[0], "run_id") < 0) {
        return NULL;
    }
    if (update_run_impl(st, h, a[0], status, MLC_NO_TIME, name) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_set_terminated[] = {"run_id", "status", "end_time", NULL};
CLIENT_METHOD(set_terminated)
CLIENT_BODY(set_terminated, n_set_terminated, 3, 1, 3)
{
    (void)self;
    const char *status = mlc_is_none(a[1]) ? "FINISHED" : status_name(st, a[1]);
    int64_t end;
    if (status == NULL || parse_int64(a[2], mlc_now_ms(), &end) < 0 ||
        validate_run_id(st, a[0], "run_id") < 0) {
        return NULL;
    }
    if (update_run_impl(st, h, a[0], status, end, NULL) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* delete_run / restore_run */
static PyObject *
run_lifecycle(mlc_state *st, mlc_handle *h, PyObject *run_id, int restore)
{
    if (validate_run_id(st, run_id, "run_id") < 0) {
        return NULL;
    }
    const char *id = PyUnicode_AsUTF8(run_id);
    if (id == NULL) {
        return NULL;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc,
                   restore ? h->store->ops->restore_run(h->store, id, &err)
                           : h->store->ops->delete_run(h->store, id, &err));
    if (rc < 0) {
        return mlc_store_raise(st, &err), NULL;
    }
    Py_RETURN_NONE;
}

CLIENT_METHOD(delete_run)
CLIENT_BODY(delete_run, n_run_id, 1, 1, 1)
{
    (void)self;
    return run_lifecycle(st, h, a[0], 0);
}

CLIENT_METHOD(restore_run)
CLIENT_BODY(restore_run, n_run_id, 1, 1, 1)
{
    (void)self;
    return run_lifecycle(st, h, a[0], 1);
}

static const char *const n_log_param[] = {"run_id", "key", "value", "synchronous", NULL};
CLIENT_METHOD(log_param)
CLIENT_BODY(log_param, n_log_param, 4, 3, 4)
{
    (void)self;
    PyObject *d = one_item(a[1], a[2]);
    if (d == NULL) {
        return NULL;
    }
    int rc = log_dicts(st, h, a[0], NULL, NULL, NULL, NULL, d, NULL, 1);
    Py_DECREF(d);
    return rc < 0 ? NULL : Py_NewRef(a[2]);
}

static const char *const n_log_metric[] = {"run_id", "key", "value", "timestamp", "step",
                                           "synchronous", "dataset_name", "dataset_digest",
                                           "model_id", NULL};
CLIENT_METHOD(log_metric)
CLIENT_BODY(log_metric, n_log_metric, 9, 3, 9)
{
    (void)self;
    PyObject *d = one_item(a[1], a[2]);
    if (d == NULL) {
        return NULL;
    }
    int rc = log_dicts(st, h, a[0], d, a[3], a[4], a[8], NULL, NULL, 1);
    Py_DECREF(d);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_log_batch[] = {"run_id", "metrics", "params", "tags", "synchronous",
                                          NULL};
CLIENT_METHOD(log_batch)
CLIENT_BODY(log_batch, n_log_batch, 5, 1, 5)
{
    (void)self;
    if (log_entities(st, h, a[0], a[1], a[2], a[3]) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_set_tag[] = {"run_id", "key", "value", "synchronous", NULL};
CLIENT_METHOD(set_tag)
CLIENT_BODY(set_tag, n_set_tag, 4, 3, 4)
{
    (void)self;
    PyObject *d = one_item(a[1], a[2]);
    if (d == NULL) {
        return NULL;
    }
    int rc = log_dicts(st, h, a[0], NULL, NULL, NULL, NULL, NULL, d, 1);
    Py_DECREF(d);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_delete_tag[] = {"run_id", "key", NULL};
CLIENT_METHOD(delete_tag)
CLIENT_BODY(delete_tag, n_delete_tag, 2, 2, 2)
{
    (void)self;
    if (delete_tag_impl(st, h, a[0], a[1]) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_get_metric_history[] = {"run_id", "key", NULL};
CLIENT_METHOD(get_metric_history)
CLIENT_BODY(get_metric_history, n_get_metric_history, 2, 2, 2)
{
    (void)self;
    if (validate_run_id(st, a[0], "run_id") < 0) {
        return NULL;
    }
    const char *id = PyUnicode_AsUTF8(a[0]);
    PyObject *ks = id ? PyObject_Str(a[1]) : NULL;
    const char *k = ks ? PyUnicode_AsUTF8(ks) : NULL;
    if (k == NULL) {
        Py_XDECREF(ks);
        return NULL;
    }
    mlc_metriclist ml = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_metric_history(h->store, id, k, &ml, &err));
    Py_DECREF(ks);
    PyObject *out = NULL;
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    out = PyList_New((Py_ssize_t)ml.n);
    for (size_t i = 0; out != NULL && i < ml.n; i++) {
        PyObject *e = mlc_entity_metric(st, &ml.items[i]);
        if (e == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, e);
    }
exit:
    mlc_metriclist_clear(&ml);
    return out;
}

/* Fills a malloc'ed array of experiment id strings (kept by keep) from a list of ids. */
static const char **
experiment_ids(mlc_state *st, PyObject *ids, PyObject *keep, size_t *n)
{
    PyObject *seq = PySequence_Fast(ids, "experiment_ids must be a list");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
    const char **out = calloc((size_t)len + 1, sizeof *out);
    if (out == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *id = experiment_id_str(st, PySequence_Fast_GET_ITEM(seq, i));
        out[i] = id ? mlc_keep_utf8(keep, id) : NULL;
        Py_XDECREF(id);
        if (out[i] == NULL) {
            free(out);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    *n = (size_t)len;
    return out;
}

/* order_by list -> array of C strings kept by keep. */
static const char **
order_by_list(PyObject *order_by, PyObject *keep, size_t *n)
{
    *n = 0;
    if (mlc_is_none(order_by)) {
        return calloc(1, sizeof(char *));
    }
    PyObject *seq = PySequence_Fast(order_by, "order_by must be a list");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
    const char **out = calloc((size_t)len + 1, sizeof *out);
    for (Py_ssize_t i = 0; out != NULL && i < len; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (PyDict_Check(o)) {
            /* search_logged_models takes [{"field_name": ..., "ascending": ...}] */
            PyObject *f = PyDict_GetItemString(o, "field_name");
            PyObject *asc = PyDict_GetItemString(o, "ascending");
            PyObject *s = f == NULL ? NULL
                                    : PyUnicode_FromFormat("%S %s", f,
                                                           (asc == NULL || PyObject_IsTrue(asc))
                                                               ? "ASC"
                                                               : "DESC");
            out[i] = s ? mlc_keep_utf8(keep, s) : NULL;
            Py_XDECREF(s);
        }
        else {
            out[i] = mlc_keep_str(keep, o);
        }
        if (out[i] == NULL) {
            free(out);
            out = NULL;
        }
    }
    if (out == NULL && !PyErr_Occurred()) {
        PyErr_NoMemory();
    }
    Py_DECREF(seq);
    *n = out ? (size_t)len : 0;
    return out;
}

/* Decodes page tokens (the decimal offset as a str) */
static int
page_offset(PyObject *token, int64_t *off)
{
    *off = 0;
    if (mlc_is_none(token)) {
        return 0;
    }
    PyObject *i = PyNumber_Long(token);
    if (i == NULL) {
        return -1;
    }
    *off = PyLong_AsLongLong(i);
    Py_DECREF(i);
    return (*off == -1 && PyErr_Occurred()) ? -1 : 0;
}

static const char *const n_search_runs[] = {"experiment_ids", "filter_string", "run_view_type",
                                            "max_results", "order_by", "page_token", NULL};
CLIENT_METHOD(search_runs)
CLIENT_BODY(search_runs, n_search_runs, 6, 1, 6)
{
    (void)self;
    PyObject *keep = PyList_New(0), *items = NULL, *result = NULL;
    const char **ids = NULL, **order = NULL;
    size_t nids = 0, norder = 0, nruns = 0, nsel = 0;
    mlc_run *runs = NULL;
    size_t *sel = NULL;
    int64_t maxr = 1000, off = 0;
    int view = view_type(a[2], MLC_VIEW_ACTIVE);
    if (keep == NULL || view < 0) {
        goto exit;
    }
    if (PyUnicode_Check(a[0]) || PyLong_Check(a[0])) {
        PyObject *l = Py_BuildValue("[O]", a[0]);
        ids = l ? experiment_ids(st, l, keep, &nids) : NULL;
        Py_XDECREF(l);
    }
    else {
        ids = experiment_ids(st, a[0], keep, &nids);
    }
    const char *filter = mlc_is_none(a[1]) ? NULL : mlc_keep_str(keep, a[1]);
    order = order_by_list(a[4], keep, &norder);
    if (ids == NULL || order == NULL || (!mlc_is_none(a[1]) && filter == NULL) ||
        parse_int64(a[3], 1000, &maxr) < 0 || page_offset(a[5], &off) < 0) {
        goto exit;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->list_runs(h->store, ids, nids, view, &runs, &nruns,
                                                   &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    rc = mlc_search_runs(runs, nruns, filter, order, norder, -1, &sel, &nsel, &err);
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    items = PyList_New(0);
    size_t end = (size_t)off + (size_t)maxr;
    for (size_t i = (size_t)off; items != NULL && i < nsel && i < end; i++) {
        PyObject *r = mlc_entity_run(st, &runs[sel[i]]);
        if (r == NULL || PyList_Append(items, r) < 0) {
            Py_CLEAR(items);
        }
        Py_XDECREF(r);
    }
    if (items == NULL) {
        goto exit;
    }
    PyObject *token = end < nsel ? PyUnicode_FromFormat("%zu", end) : Py_NewRef(Py_None);
    if (token != NULL) {
        result = mlc_entity_paged_list(st, items, token);
        Py_DECREF(token);
    }
exit:
    free(sel);
    mlc_run_array_free(runs, nruns);
    free(ids);
    free(order);
    Py_XDECREF(items);
    Py_XDECREF(keep);
    return result;
}

/* ---- search_experiments: MLflow's experiment filter (name, creation_time, last_update_time,
 * tags.<key>; =, !=, LIKE, ILIKE, numeric comparisons for times; clauses joined by AND) and
 * order_by over name, experiment_id, creation_time, last_update_time. */

typedef struct {
    int field;     /* 0 name, 1 creation_time, 2 last_update_time, 3 tag, 4 experiment_id */
    char key[256]; /* tag key */
    char op[8];    /* "=", "!=", "LIKE", "ILIKE", "<", "<=", ">", ">=" */
    char sval[512];
    long long nval;
} exp_clause;

/* SQL LIKE: % any run, _ one character; ci: ASCII case-insensitive. */
static int
like_match(const char *s, const char *p, int ci)
{
    for (; *p; p++, s++) {
        if (*p == '%') {
            while (p[1] == '%') {
                p++;
            }
            if (p[1] == '\0') {
                return 1;
            }
            for (const char *t = s; *t; t++) {
                if (like_match(t, p + 1, ci)) {
                    return 1;
                }
            }
            return 0;
        }
        if (*s == '\0') {
            return 0;
        }
        char a = *s, b = *p;
        if (ci) {
            a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
            b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        if (b != '_' && a != b) {
            return 0;
        }
    }
    return *s == '\0';
}

static const char *
skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n') {
        p++;
    }
    return p;
}

/* Reads a quoted string (' " or `) at p into out. Returns the position after it or NULL. */
static const char *
read_quoted(const char *p, char *out, size_t n)
{
    char q = *p;
    if (q != '\'' && q != '"' && q != '`') {
        return NULL;
    }
    size_t o = 0;
    for (p++; *p && *p != q; p++) {
        if (o + 1 < n) {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return *p == q ? p + 1 : NULL;
}

/* Parses one clause at *pp. 0 or -1 (bad syntax). */
static int
parse_exp_clause(const char **pp, exp_clause *c)
{
    const char *p = skip_ws(*pp);
    char ident[300];
    size_t o = 0;
    while (*p && *p != ' ' && *p != '=' && *p != '!' && *p != '<' && *p != '>' && *p != '`' &&
           *p != '"' && o + 1 < sizeof ident) {
        ident[o++] = *p++;
    }
    ident[o] = '\0';
    memset(c, 0, sizeof *c);
    if (strncmp(ident, "tags.", 5) == 0 || strncmp(ident, "tag.", 4) == 0) {
        c->field = 3;
        const char *k = strchr(ident, '.') + 1;
        if (*k == '\0') {
            p = read_quoted(p, c->key, sizeof c->key);
            if (p == NULL) {
                return -1;
            }
        }
        else {
            snprintf(c->key, sizeof c->key, "%s", k);
        }
    }
    else {
        const char *f = ident;
        if (strncmp(f, "attributes.", 11) == 0) {
            f += 11;
        }
        else if (strncmp(f, "attribute.", 10) == 0) {
            f += 10;
        }
        if (strcmp(f, "name") == 0) {
            c->field = 0;
        }
        else if (strcmp(f, "creation_time") == 0) {
            c->field = 1;
        }
        else if (strcmp(f, "last_update_time") == 0) {
            c->field = 2;
        }
        else {
            return -1;
        }
    }
    p = skip_ws(p);
    o = 0;
    while ((*p == '=' || *p == '!' || *p == '<' || *p == '>' || (*p | 32) == 'l' ||
            (*p | 32) == 'i' || (*p | 32) == 'k' || (*p | 32) == 'e') &&
           o + 1 < sizeof c->op) {
        c->op[o++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        p++;
    }
    c->op[o] = '\0';
    static const char *const ops[] = {"=", "!=", "LIKE", "ILIKE", "<", "<=", ">", ">=", NULL};
    int ok = 0;
    for (int i = 0; ops[i]; i++) {
        ok |= strcmp(ops[i], c->op) == 0;
    }
    if (!ok || (c->field != 1 && c->field != 2 && c->op[0] == '<') ||
        (c->field != 1 && c->field != 2 && c->op[0] == '>')) {
        return -1;
    }
    p = skip_ws(p);
    if (c->field == 1 || c->field == 2) {
        char *end;
        c->nval = strtoll(p, &end, 10);
        if (end == p) {
            return -1;
        }
        p = end;
    }
    else {
        p = read_quoted(p, c->sval, sizeof c->sval);
        if (p == NULL) {
            return -1;
        }
    }
    *pp = skip_ws(p);
    return 0;
}

static int
exp_clause_matches(const exp_clause *c, const mlc_experiment *e)
{
    if (c->field == 1 || c->field == 2) {
        long long v = c->field == 1 ? e->creation_time : e->last_update_time;
        const char *op = c->op;
        return strcmp(op, "=") == 0    ? v == c->nval
               : strcmp(op, "!=") == 0 ? v != c->nval
               : strcmp(op, "<") == 0  ? v < c->nval
               : strcmp(op, "<=") == 0 ? v <= c->nval
               : strcmp(op, ">") == 0  ? v > c->nval
               : strcmp(op, ">=") == 0 ? v >= c->nval
                                       : 0;
    }
    const char *v = c->field == 0 ? e->name : mlc_kvlist_get(&e->tags, c->key);
    if (v == NULL) {
        return 0;
    }
    if (strcmp(c->op, "=") == 0) {
        return strcmp(v, c->sval) == 0;
    }
    if (strcmp(c->op, "!=") == 0) {
        return strcmp(v, c->sval) != 0;
    }
    return like_match(v, c->sval, strcmp(c->op, "ILIKE") == 0);
}

/* Order keys. */
typedef struct {
    int field; /* 0 name, 1 creation_time, 2 last_update_time, 4 experiment_id */
    int asc;
} exp_order;

static const exp_order *g_exp_order; /* qsort context (the GIL is held) */
static size_t g_exp_norder;

static int
exp_cmp(const void *pa, const void *pb)
{
    const mlc_experiment *a = *(const mlc_experiment *const *)pa;
    const mlc_experiment *b = *(const mlc_experiment *const *)pb;
    for (size_t i = 0; i < g_exp_norder; i++) {
        int r = 0;
        switch (g_exp_order[i].field) {
        case 0:
            r = strcmp(a->name, b->name);
            break;
        case 1:
            r = (a->creation_time > b->creation_time) - (a->creation_time < b->creation_time);
            break;
        case 2:
            r = (a->last_update_time > b->last_update_time) -
                (a->last_update_time < b->last_update_time);
            break;
        default: {
            long long x = atoll(a->experiment_id), y = atoll(b->experiment_id);
            r = (x > y) - (x < y);
        }
        }
        if (r != 0) {
            return g_exp_order[i].asc ? r : -r;
        }
    }
    return 0;
}

static int
parse_exp_order(mlc_state *st, const char *s, exp_order *o)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s", s);
    char *dir = strrchr(buf, ' ');
    o->asc = 1;
    if (dir != NULL) {
        if (strcasecmp(dir + 1, "DESC") == 0) {
            o->asc = 0;
            *dir = '\0';
        }
        else if (strcasecmp(dir + 1, "ASC") == 0) {
            *dir = '\0';
        }
    }
    const char *f = buf;
    if (strncmp(f, "attributes.", 11) == 0) {
        f += 11;
    }
    else if (strncmp(f, "attribute.", 10) == 0) {
        f += 10;
    }
    o->field = strcmp(f, "name") == 0               ? 0
               : strcmp(f, "creation_time") == 0    ? 1
               : strcmp(f, "last_update_time") == 0 ? 2
               : strcmp(f, "experiment_id") == 0    ? 4
                                                    : -1;
    if (o->field < 0) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid order_by clause '%s'. Only name, experiment_id, creation_time and "
                  "last_update_time can be ordered on.",
                  s);
        return -1;
    }
    return 0;
}

static const char *const n_search_experiments[] = {"view_type", "max_results", "filter_string",
                                                   "order_by", "page_token", NULL};
CLIENT_METHOD(search_experiments)
CLIENT_BODY(search_experiments, n_search_experiments, 5, 0, 5)
{
    (void)self;
    int view = view_type(a[0], MLC_VIEW_ACTIVE);
    PyObject *keep = PyList_New(0), *items = NULL, *result = NULL;
    mlc_experiment *es = NULL;
    const mlc_experiment **sel = NULL;
    size_t n = 0, nsel = 0, norder = 0;
    exp_clause clauses[32];
    size_t nclauses = 0;
    exp_order order[16];
    const char **ob = NULL;
    int64_t maxr = -1, off = 0;
    if (view < 0 || keep == NULL || parse_int64(a[1], -1, &maxr) < 0 ||
        page_offset(a[4], &off) < 0) {
        goto exit;
    }
    const char *filter = mlc_is_none(a[2]) ? "" : mlc_keep_str(keep, a[2]);
    if (filter == NULL) {
        goto exit;
    }
    for (const char *p = skip_ws(filter); *p;) {
        if (nclauses == sizeof clauses / sizeof *clauses ||
            parse_exp_clause(&p, &clauses[nclauses]) < 0) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Invalid filter string '%s'", filter);
            goto exit;
        }
        nclauses++;
        if (*p == '\0') {
            break;
        }
        if (strncasecmp(p, "AND", 3) != 0 || (p[3] != ' ' && p[3] != '\t')) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Invalid filter string '%s'", filter);
            goto exit;
        }
        p = skip_ws(p + 3);
    }
    ob = order_by_list(a[3], keep, &norder);
    if (ob == NULL) {
        goto exit;
    }
    size_t no = 0;
    for (size_t i = 0; i < norder && no + 1 < sizeof order / sizeof *order; i++) {
        if (parse_exp_order(st, ob[i], &order[no]) < 0) {
            goto exit;
        }
        no++;
    }
    if (no == 0) {
        order[no++] = (exp_order){1, 0};
    }
    int has_id = 0;
    for (size_t i = 0; i < no; i++) {
        has_id |= order[i].field == 4;
    }
    if (!has_id) {
        order[no++] = (exp_order){4, 1};
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->list_experiments(h->store, view, &es, &n, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    sel = calloc(n + 1, sizeof *sel);
    if (sel == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    for (size_t i = 0; i < n; i++) {
        int ok = 1;
        for (size_t c = 0; ok && c < nclauses; c++) {
            ok = exp_clause_matches(&clauses[c], &es[i]);
        }
        if (ok) {
            sel[nsel++] = &es[i];
        }
    }
    g_exp_order = order;
    g_exp_norder = no;
    qsort(sel, nsel, sizeof *sel, exp_cmp);
    items = PyList_New(0);
    size_t end = maxr < 0 ? nsel : (size_t)off + (size_t)maxr;
    for (size_t i = (size_t)off; items != NULL && i < nsel && i < end; i++) {
        PyObject *e = mlc_entity_experiment(st, sel[i]);
        if (e == NULL || PyList_Append(items, e) < 0) {
            Py_CLEAR(items);
        }
        Py_XDECREF(e);
    }
    if (items == NULL) {
        goto exit;
    }
    PyObject *token = end < nsel ? PyUnicode_FromFormat("%zu", end) : Py_NewRef(Py_None);
    if (token != NULL) {
        result = mlc_entity_paged_list(st, items, token);
        Py_DECREF(token);
    }
exit:
    free(sel);
    free(ob);
    mlc_experiment_array_free(es, n);
    Py_XDECREF(items);
    Py_XDECREF(keep);
    return result;
}

/* The logged model a run logged under `name` (MLflow 3 keeps a model's files with the model,
 * not the run): the newest model of the run's experiment with that name and source run.
 * Returns 1 with *out filled, 0 when there is none, -1 with an exception. */
static int
run_model_named(mlc_state *st, mlc_handle *h, const char *run_id, const char *exp_id,
                const char *name, size_t name_len, mlc_logged_model *out)
{
    mlc_logged_model *ms = NULL;
    size_t n = 0;
    mlc_err err = {0};
    int rc;
    const char *ids[1] = {exp_id};
    MLC_STORE_CALL(h, rc, h->store->ops->list_logged_models(h->store, ids, 1, &ms, &n, &err));
    if (rc < 0) {
        return mlc_store_raise(st, &err);
    }
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        if (ms[i].source_run_id && strcmp(ms[i].source_run_id, run_id) == 0 && ms[i].name &&
            strlen(ms[i].name) == name_len && strncmp(ms[i].name, name, name_len) == 0 &&
            (best == n || ms[i].creation_timestamp > ms[best].creation_timestamp)) {
            best = i;
        }
    }
    if (best < n) {
        *out = ms[best];
        memset(&ms[best], 0, sizeof ms[best]);
    }
    mlc_logged_model_array_free(ms, n);
    return best < n;
}

/* Borrowed strings of a run needed for artifact access: malloc'ed artifact_uri and
 * experiment id. 0 or -1. */
static int
run_locations(mlc_state *st, mlc_handle *h, PyObject *run_id, char **uri, char **exp)
{
    *uri = *exp = NULL;
    if (validate_run_id(st, run_id, "run_id") < 0) {
        return -1;
    }
    const char *id = PyUnicode_AsUTF8(run_id);
    if (id == NULL) {
        return -1;
    }
    mlc_run r = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_run(h->store, id, &r, &err));
    if (rc < 0) {
        mlc_run_clear(&r);
        return mlc_store_raise(st, &err);
    }
    *uri = r.artifact_uri;
    *exp = r.experiment_id;
    r.artifact_uri = r.experiment_id = NULL;
    mlc_run_clear(&r);
    return 0;
}

static const char *const n_list_artifacts[] = {"run_id", "path", NULL};
CLIENT_METHOD(list_artifacts)
CLIENT_BODY(list_artifacts, n_list_artifacts, 2, 1, 2)
{
    (void)self;
    char *uri = NULL, *exp = NULL;
    PyObject *p = NULL, *r = NULL;
    mlc_logged_model lm = {0};
    if (run_locations(st, h, a[0], &uri, &exp) < 0) {
        goto exit;
    }
    p = mlc_is_none(a[1]) ? NULL : PyObject_Str(a[1]);
    const char *path = p ? PyUnicode_AsUTF8(p) : NULL;
    if (p != NULL && path == NULL) {
        goto exit;
    }
    r = mlc_artifact_list(st, uri, path);
    if (r == NULL || path == NULL || path[0] == '\0') {
        goto exit;
    }
    /* the run's logged model named by the first path component is listed too */
    size_t seg = strcspn(path, "/");
    int found = run_model_named(st, h, PyUnicode_AsUTF8(a[0]), exp, path, seg, &lm);
    if (found < 0) {
        Py_CLEAR(r);
        goto exit;
    }
    if (found) {
        const char *sub = path[seg] == '/' ? path + seg + 1 : "";
        PyObject *more = mlc_artifact_list(st, lm.artifact_location, sub);
        for (Py_ssize_t i = 0; more != NULL && i < PyList_GET_SIZE(more); i++) {
            PyObject *fi = PyList_GET_ITEM(more, i);
            PyObject *fp = PyObject_GetAttrString(fi, "path");
            PyObject *isdir = fp ? PyObject_GetAttrString(fi, "is_dir") : NULL;
            PyObject *size = isdir ? PyObject_GetAttrString(fi, "file_size") : NULL;
            const char *fps = size ? PyUnicode_AsUTF8(fp) : NULL;
            PyObject *nfi = NULL;
            if (fps != NULL) {
                char *joined = malloc(seg + strlen(fps) + 2);
                if (joined != NULL) {
                    snprintf(joined, seg + strlen(fps) + 2, "%.*s/%s", (int)seg, path, fps);
                    nfi = mlc_entity_file_info(st, joined, PyObject_IsTrue(isdir),
                                               size == Py_None ? -1 : PyLong_AsLongLong(size));
                    free(joined);
                }
                else {
                    PyErr_NoMemory();
                }
            }
            if (nfi == NULL || PyList_Append(r, nfi) < 0) {
                Py_CLEAR(more);
            }
            Py_XDECREF(nfi);
            Py_XDECREF(fp);
            Py_XDECREF(isdir);
            Py_XDECREF(size);
        }
        if (more == NULL) {
            Py_CLEAR(r);
        }
        Py_XDECREF(more);
    }
exit:
    mlc_logged_model_clear(&lm);
    free(uri);
    free(exp);
    Py_XDECREF(p);
    return r;
}

static const char *const n_download_artifacts[] = {"run_id", "path", "dst_path", NULL};
CLIENT_METHOD(download_artifacts)
CLIENT_BODY(download_artifacts, n_download_artifacts, 3, 2, 3)
{
    (void)self;
    char *uri = NULL, *exp = NULL;
    PyObject *p = NULL, *r = NULL;
    mlc_logged_model lm = {0};
    if (run_locations(st, h, a[0], &uri, &exp) < 0) {
        goto exit;
    }
    p = PyObject_Str(a[1]);
    const char *path = p ? PyUnicode_AsUTF8(p) : NULL;
    if (path == NULL) {
        goto exit;
    }
    r = mlc_artifact_download(st, uri, path, a[2], 1);
    if (r != Py_None) {
        goto exit;
    }
    Py_CLEAR(r);
    /* not among the run's files: the run's logged model of that name (MLflow 3) */
    size_t seg = strcspn(path, "/");
    int found = seg == 0 ? 0 : run_model_named(st, h, PyUnicode_AsUTF8(a[0]), exp, path, seg, &lm);
    if (found < 0) {
        goto exit;
    }
    if (!found) {
        mlc_raise(st->MlflowException, MLC_RESOURCE_DOES_NOT_EXIST,
                  "Failed to download artifacts from path '%s', please ensure that the path is "
                  "correct.",
                  path);
        goto exit;
    }
    const char *sub = path[seg] == '/' ? path + seg + 1 : "";
    if (sub[0] != '\0') {
        r = mlc_artifact_download(st, lm.artifact_location, sub, a[2], 0);
    }
    else {
        /* the whole model: its directory copied as <dst>/<name> */
        PyObject *dst = a[2];
        PyObject *made = NULL;
        if (mlc_is_none(dst)) {
            PyObject *tempfile = PyImport_ImportModule("tempfile");
            made = tempfile ? PyObject_CallMethod(tempfile, "mkdtemp", NULL) : NULL;
            Py_XDECREF(tempfile);
            if (made == NULL) {
                goto exit;
            }
            dst = made;
        }
        PyObject *target = PyUnicode_FromFormat("%S/%.*s", dst, (int)seg, path);
        PyObject *os = target ? PyImport_ImportModule("os") : NULL;
        PyObject *made_dir = os ? PyObject_CallMethod(os, "makedirs", "OO", target, Py_True)
                                : NULL;
        if (made_dir != NULL) {
            r = mlc_artifact_download(st, lm.artifact_location, "", target, 0);
        }
        Py_XDECREF(made_dir);
        Py_XDECREF(os);
        Py_XDECREF(target);
        Py_XDECREF(made);
    }
exit:
    mlc_logged_model_clear(&lm);
    free(uri);
    free(exp);
    Py_XDECREF(p);
    return r;
}

#define CLIENT_ARTIFACT(fname, kind, n0, n1, nreq)                                          \
    static const char *const n_##fname[] = {"run_id", n0, n1, NULL};                       \
    CLIENT_METHOD(fname)                                                                    \
    CLIENT_BODY(fname, n_##fname, 3, nreq, 3)                                               \
    {                                                                                       \
        (void)self;                                                                         \
        return artifact_op(st, h, a[0], kind, a[1], a[2]);                                  \
    }
CLIENT_ARTIFACT(log_artifact, 0, "local_path", "artifact_path", 2)
CLIENT_ARTIFACT(log_artifacts, 1, "local_dir", "artifact_path", 2)
CLIENT_ARTIFACT(log_text, 2, "text", "artifact_file", 3)
CLIENT_ARTIFACT(log_dict, 3, "dictionary", "artifact_file", 3)

static const char *const n_model_id[] = {"model_id", NULL};
CLIENT_METHOD(get_logged_model)
CLIENT_BODY(get_logged_model, n_model_id, 1, 1, 1)
{
    (void)self;
    PyObject *s = PyObject_Str(a[0]);
    const char *id = s ? PyUnicode_AsUTF8(s) : NULL;
    if (id == NULL) {
        Py_XDECREF(s);
        return NULL;
    }
    mlc_logged_model lm = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_logged_model(h->store, id, &lm, &err));
    Py_DECREF(s);
    PyObject *r = rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_store_logged_model(st, h, &lm);
    mlc_logged_model_clear(&lm);
    return r;
}

static const char *const n_search_logged_models[] = {
    "experiment_ids", "filter_string", "datasets", "max_results", "order_by", "page_token",
    NULL};
CLIENT_METHOD(search_logged_models)
CLIENT_BODY(search_logged_models, n_search_logged_models, 6, 0, 6)
{
    (void)self;
    PyObject *keep = PyList_New(0), *items = NULL, *result = NULL, *idlist = NULL;
    const char **ids = NULL, **order = NULL;
    size_t nids = 0, norder = 0, nm = 0, nsel = 0;
    mlc_logged_model *ms = NULL;
    size_t *sel = NULL;
    int64_t maxr = -1, off = 0;
    if (keep == NULL) {
        goto exit;
    }
    if (mlc_is_none(a[0])) {
        PyObject *active = mlc_active_experiment_id(st, h);
        idlist = active ? Py_BuildValue("[O]", active) : NULL;
        Py_XDECREF(active);
    }
    else {
        idlist = Py_NewRef(a[0]);
    }
    ids = idlist ? experiment_ids(st, idlist, keep, &nids) : NULL;
    const char *filter = mlc_is_none(a[1]) ? NULL : mlc_keep_str(keep, a[1]);
    order = order_by_list(a[4], keep, &norder);
    if (ids == NULL || order == NULL || (!mlc_is_none(a[1]) && filter == NULL) ||
        parse_int64(a[3], -1, &maxr) < 0 || page_offset(a[5], &off) < 0) {
        goto exit;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc,
                   h->store->ops->list_logged_models(h->store, ids, nids, &ms, &nm, &err));
    if (rc < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    if (mlc_search_logged_models(ms, nm, filter, order, norder, -1, &sel, &nsel, &err) < 0) {
        mlc_store_raise(st, &err);
        goto exit;
    }
    items = PyList_New(0);
    size_t end = maxr < 0 ? nsel : (size_t)off + (size_t)maxr;
    for (size_t i = (size_t)off; items != NULL && i < nsel && i < end; i++) {
        PyObject *r = mlc_store_logged_model(st, h, &ms[sel[i]]);
        if (r == NULL || PyList_Append(items, r) < 0) {
            Py_CLEAR(items);
        }
        Py_XDECREF(r);
    }
    if (items == NULL) {
        goto exit;
    }
    PyObject *token = end < nsel ? PyUnicode_FromFormat("%zu", end) : Py_NewRef(Py_None);
    if (token != NULL) {
        result = mlc_entity_paged_list(st, items, token);
        Py_DECREF(token);
    }
exit:
    free(sel);
    mlc_logged_model_array_free(ms, nm);
    free(ids);
    free(order);
    Py_XDECREF(idlist);
    Py_XDECREF(items);
    Py_XDECREF(keep);
    return result;
}

/* -- registry */

static const char *const n_create_registered_model[] = {"name", "tags", "description", NULL};
CLIENT_METHOD(create_registered_model)
CLIENT_BODY(create_registered_model, n_create_registered_model, 3, 1, 3)
{
    (void)self;
    PyObject *keep = PyList_New(0);
    mlc_kvlist kv = {0};
    mlc_registered_model rm = {0};
    PyObject *r = NULL;
    const char *name = keep ? mlc_keep_str(keep, a[0]) : NULL;
    const char *desc = (name && !mlc_is_none(a[2])) ? mlc_keep_str(keep, a[2]) : NULL;
    if (name == NULL || (!mlc_is_none(a[2]) && desc == NULL) ||
        mlc_kvlist_from_dict(a[1], &kv, keep) < 0) {
        goto exit;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->create_registered_model(h->store, name, &kv, desc, &rm,
                                                                 &err));
    r = rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_store_registered_model(st, h, &rm);
exit:
    mlc_registered_model_clear(&rm);
    mlc_kvlist_clear(&kv);
    Py_XDECREF(keep);
    return r;
}

CLIENT_METHOD(get_registered_model)
CLIENT_BODY(get_registered_model, n_name, 1, 1, 1)
{
    (void)self;
    PyObject *s = PyObject_Str(a[0]);
    const char *name = s ? PyUnicode_AsUTF8(s) : NULL;
    if (name == NULL) {
        Py_XDECREF(s);
        return NULL;
    }
    mlc_registered_model rm = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_registered_model(h->store, name, &rm, &err));
    Py_DECREF(s);
    PyObject *r =
        rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_store_registered_model(st, h, &rm);
    mlc_registered_model_clear(&rm);
    return r;
}

static const char *const n_search_registered_models[] = {"filter_string", "max_results",
                                                         "order_by", "page_token", NULL};
CLIENT_METHOD(search_registered_models)
CLIENT_BODY(search_registered_models, n_search_registered_models, 4, 0, 4)
{
    (void)self;
    mlc_registered_model *rms = NULL;
    size_t n = 0;
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->list_registered_models(h->store, &rms, &n, &err));
    if (rc < 0) {
        return mlc_store_raise(st, &err), NULL;
    }
    /* filter_string: only "name = '<x>'" / "name LIKE '<x>'" are common; filter by exact name
     * when given in that form */
    const char *want = NULL;
    PyObject *fs = NULL;
    char *namebuf = NULL;
    if (!mlc_is_none(a[0])) {
        fs = PyObject_Str(a[0]);
        const char *f = fs ? PyUnicode_AsUTF8(fs) : NULL;
        if (f == NULL) {
            mlc_registered_model_array_free(rms, n);
            Py_XDECREF(fs);
            return NULL;
        }
        const char *q = strchr(f, '\'');
        const char *q2 = q ? strchr(q + 1, '\'') : NULL;
        if (strncmp(f, "name", 4) == 0 && q && q2 && strchr(f, '=') != NULL) {
            namebuf = strndup(q + 1, (size_t)(q2 - q - 1));
            want = namebuf;
        }
        else if (f[0] != '\0') {
            mlc_registered_model_array_free(rms, n);
            Py_DECREF(fs);
            return mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                             "mlflow_c: search_registered_models supports only filters of the "
                             "form \"name = '<name>'\"");
        }
    }
    PyObject *items = PyList_New(0);
    for (size_t i = 0; items != NULL && i < n; i++) {
        if (want != NULL && strcmp(rms[i].name, want) != 0) {
            continue;
        }
        PyObject *e = mlc_store_registered_model(st, h, &rms[i]);
        if (e == NULL || PyList_Append(items, e) < 0) {
            Py_CLEAR(items);
        }
        Py_XDECREF(e);
    }
    free(namebuf);
    Py_XDECREF(fs);
    mlc_registered_model_array_free(rms, n);
    if (items == NULL) {
        return NULL;
    }
    PyObject *r = mlc_entity_paged_list(st, items, Py_None);
    Py_DECREF(items);
    return r;
}

static const char *const n_create_model_version[] = {
    "name", "source", "run_id", "tags", "run_link", "description", "await_creation_for",
    "local_model_path", "model_id", NULL};
CLIENT_METHOD(create_model_version)
CLIENT_BODY(create_model_version, n_create_model_version, 9, 2, 9)
{
    (void)self;
    PyObject *keep = PyList_New(0);
    mlc_kvlist kv = {0};
    mlc_model_version mv = {0};
    PyObject *r = NULL;
    const char *name = keep ? mlc_keep_str(keep, a[0]) : NULL;
    const char *source = name ? mlc_keep_str(keep, a[1]) : NULL;
    const char *run_id = NULL, *desc = NULL, *model_id = NULL;
    if (source == NULL || (!mlc_is_none(a[2]) && (run_id = mlc_keep_str(keep, a[2])) == NULL) ||
        (!mlc_is_none(a[5]) && (desc = mlc_keep_str(keep, a[5])) == NULL) ||
        (!mlc_is_none(a[8]) && (model_id = mlc_keep_str(keep, a[8])) == NULL) ||
        mlc_kvlist_from_dict(a[3], &kv, keep) < 0) {
        goto exit;
    }
    if (model_id == NULL && strncmp(source, "models:/m-", 10) == 0 && !strchr(source + 8, '/')) {
        model_id = source + 8;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->create_model_version(h->store, name, source, run_id,
                                                              model_id, source, &kv, desc, &mv,
                                                              &err));
    r = rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_store_model_version(st, h, &mv);
exit:
    mlc_model_version_clear(&mv);
    mlc_kvlist_clear(&kv);
    Py_XDECREF(keep);
    return r;
}

/* Returns a new ModelVersion for name/version (version: int or digit str). */
static PyObject *
get_version_impl(mlc_state *st, mlc_handle *h, PyObject *name, PyObject *version)
{
    PyObject *s = PyObject_Str(name);
    const char *n = s ? PyUnicode_AsUTF8(s) : NULL;
    PyObject *vi = n ? PyNumber_Long(version) : NULL;
    if (vi == NULL) {
        if (n != NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Parameter 'version' must be an integer, got '%S'.", version);
        }
        Py_XDECREF(s);
        return NULL;
    }
    int64_t v = PyLong_AsLongLong(vi);
    Py_DECREF(vi);
    mlc_model_version mv = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_model_version(h->store, n, v, &mv, &err));
    Py_DECREF(s);
    PyObject *r = rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_store_model_version(st, h, &mv);
    mlc_model_version_clear(&mv);
    return r;
}

static const char *const n_get_model_version[] = {"name", "version", NULL};
CLIENT_METHOD(get_model_version)
CLIENT_BODY(get_model_version, n_get_model_version, 2, 2, 2)
{
    (void)self;
    return get_version_impl(st, h, a[0], a[1]);
}

static const char *const n_get_latest_versions[] = {"name", "stages", NULL};
CLIENT_METHOD(get_latest_versions)
CLIENT_BODY(get_latest_versions, n_get_latest_versions, 2, 1, 2)
{
    (void)self;
    PyObject *s = PyObject_Str(a[0]);
    const char *n = s ? PyUnicode_AsUTF8(s) : NULL;
    if (n == NULL) {
        Py_XDECREF(s);
        return NULL;
    }
    mlc_model_version *mvs = NULL;
    size_t nv = 0;
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->list_model_versions(h->store, n, &mvs, &nv, &err));
    Py_DECREF(s);
    if (rc < 0) {
        return mlc_store_raise(st, &err), NULL;
    }
    /* every version is in stage "None": the latest one per stage is the newest version */
    PyObject *out = PyList_New(0);
    if (out != NULL && nv > 0) {
        PyObject *e = mlc_store_model_version(st, h, &mvs[nv - 1]);
        if (e == NULL || PyList_Append(out, e) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(e);
    }
    mlc_model_version_array_free(mvs, nv);
    return out;
}

static const char *const n_set_alias[] = {"name", "alias", "version", NULL};
CLIENT_METHOD(set_registered_model_alias)
CLIENT_BODY(set_registered_model_alias, n_set_alias, 3, 3, 3)
{
    (void)self;
    PyObject *keep = PyList_New(0);
    const char *n = keep ? mlc_keep_str(keep, a[0]) : NULL;
    const char *al = n ? mlc_keep_str(keep, a[1]) : NULL;
    int64_t v = 0;
    if (al == NULL || parse_int64(a[2], 0, &v) < 0) {
        Py_XDECREF(keep);
        return NULL;
    }
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->set_registered_model_alias(h->store, n, al, v, &err));
    Py_DECREF(keep);
    if (rc < 0) {
        return mlc_store_raise(st, &err), NULL;
    }
    Py_RETURN_NONE;
}

static const char *const n_get_alias[] = {"name", "alias", NULL};
CLIENT_METHOD(get_model_version_by_alias)
CLIENT_BODY(get_model_version_by_alias, n_get_alias, 2, 2, 2)
{
    (void)self;
    PyObject *keep = PyList_New(0);
    const char *n = keep ? mlc_keep_str(keep, a[0]) : NULL;
    const char *al = n ? mlc_keep_str(keep, a[1]) : NULL;
    if (al == NULL) {
        Py_XDECREF(keep);
        return NULL;
    }
    mlc_model_version mv = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc,
                   h->store->ops->get_model_version_by_alias(h->store, n, al, &mv, &err));
    Py_DECREF(keep);
    PyObject *r = rc < 0 ? (mlc_store_raise(st, &err), NULL) : mlc_store_model_version(st, h, &mv);
    mlc_model_version_clear(&mv);
    return r;
}

static PyObject *
Client_get_tracking_uri(PyObject *self, void *closure)
{
    (void)closure;
    return Py_NewRef(Client_CAST(self)->tracking_uri);
}

static PyObject *
Client_get_registry_uri(PyObject *self, void *closure)
{
    (void)closure;
    return Py_NewRef(Client_CAST(self)->registry_uri);
}

#define CM(name, doc)                                                                       \
    {#name, (PyCFunction)(void (*)(void))cl_##name, METH_METHOD | METH_FASTCALL | METH_KEYWORDS, \
     doc}
static PyMethodDef Client_methods[] = {
    CM(create_experiment, "Create an experiment; returns its id."),
    CM(get_experiment, "The Experiment with that id."),
    CM(get_experiment_by_name, "The Experiment with that name, or None."),
    CM(search_experiments, "Experiments of the store (newest first)."),
    CM(delete_experiment, "Mark an experiment deleted."),
    CM(set_experiment_tag, "Set a tag on an experiment."),
    CM(create_run, "Create a run; returns the Run."),
    CM(get_run, "The Run with that id."),
    CM(update_run, "Update a run's status or name."),
    CM(set_terminated, "End a run (status FINISHED by default)."),
    CM(delete_run, "Mark a run deleted."),
    CM(restore_run, "Restore a deleted run."),
    CM(log_param, "Log a param on a run."),
    CM(log_metric, "Log a metric value on a run."),
    CM(log_batch, "Log metrics, params and tags on a run in one transaction."),
    CM(set_tag, "Set a tag on a run."),
    CM(delete_tag, "Delete a tag of a run."),
    CM(get_metric_history, "Every logged value of a metric."),
    CM(search_runs, "Runs matching a filter string, ordered."),
    CM(list_artifacts, "FileInfo entries of a run's artifact directory."),
    CM(download_artifacts, "Copy a run's artifact to a local directory."),
    CM(log_artifact, "Log a local file as an artifact of a run."),
    CM(log_artifacts, "Log a local directory's contents as artifacts of a run."),
    CM(log_text, "Log text as an artifact file of a run."),
    CM(log_dict, "Log a dict as a JSON or YAML artifact file of a run."),
    CM(get_logged_model, "The LoggedModel with that id."),
    CM(search_logged_models, "Logged models of experiments, filtered and ordered."),
    CM(create_registered_model, "Create a registered model."),
    CM(get_registered_model, "The RegisteredModel with that name."),
    CM(search_registered_models, "Registered models."),
    CM(create_model_version, "Create a version of a registered model."),
    CM(get_model_version, "The ModelVersion name/version."),
    CM(get_latest_versions, "The latest version of a registered model."),
    CM(set_registered_model_alias, "Point an alias at a version."),
    CM(get_model_version_by_alias, "The ModelVersion an alias points at."),
    {NULL, NULL, 0, NULL},
};
#undef CM

static PyGetSetDef Client_getset[] = {
    {"tracking_uri", Client_get_tracking_uri, NULL, "The tracking URI of this client.", NULL},
    {"_tracking_uri", Client_get_tracking_uri, NULL, NULL, NULL},
    {"_registry_uri", Client_get_registry_uri, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Client_slots[] = {
    {Py_tp_doc, "MlflowClient(tracking_uri=None, registry_uri=None)\n--\n\n"
                "Client of a tracking store (SQLite or mlruns), with MLflow's methods."},
    {Py_tp_init, Client_init},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_dealloc, Client_dealloc},
    {Py_tp_traverse, Client_traverse},
    {Py_tp_clear, Client_clear},
    {Py_tp_methods, Client_methods},
    {Py_tp_getset, Client_getset},
    {0, NULL},
};

static PyType_Spec Client_spec = {
    .name = "mlflow_c.MlflowClient",
    .basicsize = sizeof(ClientObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = Client_slots,
};

/* =================================================================== module table */

#define FM(name, doc)                                                                       \
    {#name, (PyCFunction)(void (*)(void))fl_##name, METH_FASTCALL | METH_KEYWORDS, doc}
static PyMethodDef tracking_functions[] = {
    FM(set_tracking_uri, "set_tracking_uri(uri)\n--\n\nSet the tracking URI."),
    {"get_tracking_uri", fl_get_tracking_uri, METH_NOARGS,
     "get_tracking_uri()\n--\n\nThe tracking URI in force."},
    FM(set_registry_uri, "set_registry_uri(uri)\n--\n\nSet the registry URI."),
    {"get_registry_uri", fl_get_registry_uri, METH_NOARGS,
     "get_registry_uri()\n--\n\nThe registry URI in force."},
    FM(create_experiment, "create_experiment(name, artifact_location=None, tags=None)\n--\n\n"
                          "Create an experiment; returns its id."),
    FM(get_experiment, "get_experiment(experiment_id)\n--\n\nThe Experiment with that id."),
    FM(get_experiment_by_name,
       "get_experiment_by_name(name)\n--\n\nThe Experiment with that name, or None."),
    FM(set_experiment, "set_experiment(experiment_name=None, experiment_id=None)\n--\n\n"
                       "Make an experiment active (creating it by name when missing)."),
    FM(start_run, "start_run(run_id=None, experiment_id=None, run_name=None, nested=False, "
                  "parent_run_id=None, tags=None, description=None, log_system_metrics=None)"
                  "\n--\n\nStart (or resume) a run; usable as a context manager."),
    FM(end_run, "end_run(status='FINISHED')\n--\n\nEnd the active run of this thread."),
    {"active_run", fl_active_run, METH_NOARGS,
     "active_run()\n--\n\nThe active run of this thread, or None."},
    {"last_active_run", fl_last_active_run, METH_NOARGS,
     "last_active_run()\n--\n\nThe active run, else the last run ended in this thread."},
    FM(get_run, "get_run(run_id)\n--\n\nThe Run with that id."),
    {"_active_experiment_id", fl__active_experiment_id, METH_NOARGS,
     "_active_experiment_id()\n--\n\nThe experiment id new runs go to."},
    FM(log_param, "log_param(key, value, synchronous=None)\n--\n\nLog a param."),
    FM(log_params, "log_params(params, synchronous=None, run_id=None)\n--\n\nLog params."),
    FM(log_metric, "log_metric(key, value, step=None, synchronous=None, timestamp=None, "
                   "run_id=None, model_id=None, dataset=None)\n--\n\nLog a metric value."),
    FM(log_metrics, "log_metrics(metrics, step=None, synchronous=None, run_id=None, "
                    "timestamp=None, model_id=None, dataset=None)\n--\n\nLog metric values."),
    FM(set_tag, "set_tag(key, value, synchronous=None)\n--\n\nSet a tag."),
    FM(set_tags, "set_tags(tags, synchronous=None)\n--\n\nSet tags."),
    FM(delete_tag, "delete_tag(key)\n--\n\nDelete a tag of the active run."),
    FM(log_artifact, "log_artifact(local_path, artifact_path=None, run_id=None)\n--\n\n"
                     "Log a local file or directory as an artifact."),
    FM(log_artifacts, "log_artifacts(local_dir, artifact_path=None, run_id=None)\n--\n\n"
                      "Log a directory's contents as artifacts."),
    FM(log_text, "log_text(text, artifact_file, run_id=None)\n--\n\nLog text as a file."),
    FM(log_dict, "log_dict(dictionary, artifact_file, run_id=None)\n--\n\n"
                 "Log a dict as JSON (or YAML for .yaml/.yml)."),
    FM(get_artifact_uri, "get_artifact_uri(artifact_path=None)\n--\n\n"
                         "The artifact URI of the active run."),
    {"log_model", (PyCFunction)(void (*)(void))mlc_log_model, METH_FASTCALL | METH_KEYWORDS,
     "log_model(statsmodels_model, artifact_path=None, ...)\n--\n\n"
     "Log a statsmodels model as an MLflow logged model."},
    {"register_model", (PyCFunction)(void (*)(void))mlc_register_model,
     METH_FASTCALL | METH_KEYWORDS,
     "register_model(model_uri, name, await_registration_for=300, *, tags=None)\n--\n\n"
     "Register a model URI as a new version of a registered model."},
    {"last_logged_model", mlc_last_logged_model, METH_NOARGS,
     "last_logged_model()\n--\n\nThe LoggedModel most recently logged in this thread."},
    {NULL, NULL, 0, NULL},
};
#undef FM

int
mlc_tracking_init(PyObject *m, mlc_state *st)
{
    st->MlflowClientType = PyType_FromModuleAndSpec(m, &Client_spec, NULL);
    if (st->MlflowClientType == NULL ||
        PyModule_AddObjectRef(m, "MlflowClient", st->MlflowClientType) < 0) {
        return -1;
    }
    return PyModule_AddFunctions(m, tracking_functions);
}

/* ---- thread-local accessors used by logmodel.c */

PyObject *
mlc_tl_get(mlc_state *st, const char *name)
{
    return tl_get(st, name);
}

int
mlc_tl_set(mlc_state *st, const char *name, PyObject *v)
{
    return tl_set(st, name, v);
}
