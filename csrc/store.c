/* store.c: the Python boundary of the tracking stores. Resolves tracking URIs, opens and caches
 * one store handle per location (SQLite or mlruns), turns store status codes into
 * MlflowException, converts dicts to record lists, and implements the local artifact repository
 * (artifact URIs that are plain paths or file: URIs). No SQL and no mlruns layout here. */
#define _GNU_SOURCE
#include "tracking.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "entities.h"
#include "errors.h"
#include "fsutil.h"

/* ------------------------------------------------------------------ tracking URI */

/* Percent-decodes s (as urllib.parse.unquote) into a malloc'ed string, or NULL/ENOMEM. */
static char *
percent_decode(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            char *end;
            long v = strtol(hex, &end, 16);
            if (*end == '\0') {
                out[o++] = (char)v;
                i += 2;
                continue;
            }
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

/* 1 when <cwd>/mlruns has a digit-named sub-directory holding a meta.yaml (MLflow's rule for
 * keeping the file store as the default). */
static int
has_mlruns_data(void)
{
    int found = 0;
    DIR *d = opendir("mlruns");
    if (d == NULL) {
        return 0;
    }
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        const char *p = e->d_name;
        if (*p == '\0') {
            continue;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
        if (*p != '\0') {
            continue;
        }
        char path[600];
        snprintf(path, sizeof path, "mlruns/%s/meta.yaml", e->d_name);
        struct stat sb;
        found = lstat(path, &sb) == 0;
    }
    closedir(d);
    return found;
}

PyObject *
mlc_tracking_uri(mlc_state *st)
{
    if (st->tracking_uri != NULL) {
        return Py_NewRef(st->tracking_uri);
    }
    const char *env = getenv("MLFLOW_TRACKING_URI");
    if (env != NULL && env[0] != '\0') {
        return PyUnicode_DecodeFSDefault(env);
    }
    int fs = has_mlruns_data();
    char *abs = mlc_fs_abspath(fs ? "mlruns" : "mlflow.db");
    if (abs == NULL) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    PyObject *r = fs ? PyUnicode_FromFormat("file://%s", abs)
                     : PyUnicode_FromFormat("sqlite:///%s", abs);
    free(abs);
    return r;
}

/* ------------------------------------------------------------------ handle cache */

static mlc_handle **handles;
static size_t n_handles;

static mlc_handle *
handle_find(const char *key)
{
    pid_t pid = getpid();
    for (size_t i = 0; i < n_handles; i++) {
        if (handles[i]->pid == pid && strcmp(handles[i]->key, key) == 0) {
            return handles[i];
        }
    }
    return NULL;
}

int
mlc_store_raise(mlc_state *st, const mlc_err *err)
{
    const char *code;
    PyObject *type = st->MlflowException;
    switch (err->code) {
    case MLC_ST_NOT_FOUND:
        code = MLC_RESOURCE_DOES_NOT_EXIST;
        break;
    case MLC_ST_EXISTS:
        code = MLC_RESOURCE_ALREADY_EXISTS;
        break;
    case MLC_ST_INVALID:
        code = MLC_INVALID_PARAMETER_VALUE;
        break;
    case MLC_ST_BAD_STATE:
        code = "INVALID_STATE";
        break;
    case MLC_ST_IO:
        code = MLC_INTERNAL_ERROR;
        type = (err->sys == ENOENT || err->sys == ENOTDIR) ? st->MlflowFileNotFoundError
                                                           : st->MlflowOSError;
        break;
    case MLC_ST_NOMEM:
        PyErr_NoMemory();
        return -1;
    default:
        code = MLC_INTERNAL_ERROR;
        break;
    }
    mlc_raise(type, code, "%s", err->msg);
    return -1;
}

int
mlc_store_batch(mlc_state *st, mlc_handle *h, int begin)
{
    if (h->store->ops->batch == NULL) {
        return 0;
    }
    /* The handle's (recursive) mutex stays held by this thread from begin to end: other
     * threads' operations wait for the commit instead of joining the batch. */
    mlc_err err = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&h->mu);
    rc = h->store->ops->batch(h->store, begin, &err);
    if (rc < 0 || !begin) {
        pthread_mutex_unlock(&h->mu);
    }
    if (!begin) {
        pthread_mutex_unlock(&h->mu); /* the hold taken at begin */
    }
    Py_END_ALLOW_THREADS
    return rc < 0 ? mlc_store_raise(st, &err) : 0;
}

/* Opens a new handle. kind_sql: 1 for SQLite. loc: absolute db path or mlruns root. */
static mlc_handle *
handle_open(mlc_state *st, int kind_sql, const char *loc, const char *root, const char *key,
            PyObject *uri)
{
    mlc_err err = {0};
    mlc_store *s = NULL;
    Py_BEGIN_ALLOW_THREADS
    s = kind_sql ? mlc_sql_open(loc, root, &err) : mlc_fs_open(loc, &err);
    Py_END_ALLOW_THREADS
    if (s == NULL) {
        mlc_store_raise(st, &err);
        return NULL;
    }
    mlc_handle *h = calloc(1, sizeof *h);
    mlc_handle **grown = realloc(handles, (n_handles + 1) * sizeof *handles);
    const char *u = PyUnicode_AsUTF8(uri);
    if (h == NULL || grown == NULL || u == NULL) {
        free(h);
        if (grown != NULL) {
            handles = grown;
        }
        s->ops->close(s);
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        return NULL;
    }
    handles = grown;
    h->store = s;
    h->key = strdup(key);
    h->uri = strdup(u);
    h->is_sql = kind_sql;
    h->pid = getpid();
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE); /* see mlc_store_batch */
    pthread_mutex_init(&h->mu, &attr);
    pthread_mutexattr_destroy(&attr);
    if (h->key == NULL || h->uri == NULL) {
        free(h->key);
        free(h->uri);
        free(h);
        s->ops->close(s);
        PyErr_NoMemory();
        return NULL;
    }
    handles[n_handles++] = h;
    return h;
}

mlc_handle *
mlc_store_for(mlc_state *st, PyObject *uri_in)
{
    /* every reader and writer sees the runs autolog has queued so far */
    if (mlc_autolog_flush(st) < 0) {
        return NULL;
    }
    return mlc_store_open(st, uri_in);
}

mlc_handle *
mlc_store_open(mlc_state *st, PyObject *uri_in)
{
    PyObject *uri = mlc_is_none(uri_in) ? mlc_tracking_uri(st) : mlc_args_path(uri_in);
    if (uri == NULL) {
        return NULL;
    }
    mlc_handle *h = NULL;
    char *loc = NULL, *root = NULL, *key = NULL, *decoded = NULL;
    const char *u = PyUnicode_AsUTF8(uri);
    if (u == NULL) {
        goto exit;
    }
    int kind_sql;
    if (strncmp(u, "sqlite:", 7) == 0) {
        kind_sql = 1;
        const char *p = u + 7;
        if (strncmp(p, "///", 3) != 0) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Unsupported SQLite tracking URI '%s': expected sqlite:///<relative path> "
                      "or sqlite:////<absolute path>",
                      u);
            goto exit;
        }
        p += 3;
        char *q = strchr(p, '?');
        decoded = percent_decode(p);
        if (decoded == NULL) {
            PyErr_NoMemory();
            goto exit;
        }
        if (q != NULL) {
            decoded[q - p] = '\0';
        }
        if (decoded[0] == '\0') {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "SQLite tracking URI '%s' names no database file", u);
            goto exit;
        }
        loc = mlc_fs_abspath(decoded);
        const char *env_root = getenv("_MLFLOW_SERVER_ARTIFACT_ROOT");
        root = env_root != NULL && env_root[0] ? strdup(env_root) : mlc_fs_abspath("mlruns");
    }
    else {
        const char *colon = strchr(u, ':');
        const char *slash = strchr(u, '/');
        if (colon != NULL && strncmp(u, "file:", 5) != 0 && (slash == NULL || colon < slash) &&
            colon - u > 1) {
            mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                      "Tracking URI '%s' is not supported by mlflow_c: use a sqlite:/// URI, a "
                      "file: URI or a local path",
                      u);
            goto exit;
        }
        kind_sql = 0;
        int is_uri;
        decoded = mlc_fs_local_path(u, &is_uri);
        if (decoded == NULL) {
            PyErr_NoMemory();
            goto exit;
        }
        loc = mlc_fs_abspath(decoded);
        root = strdup("");
    }
    if (loc == NULL || root == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    size_t klen = strlen(loc) + strlen(root) + 8;
    key = malloc(klen);
    if (key == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    snprintf(key, klen, "%c\n%s\n%s", kind_sql ? 's' : 'f', loc, root);
    h = handle_find(key);
    if (h == NULL) {
        h = handle_open(st, kind_sql, loc, root, key, uri);
    }
exit:
    free(loc);
    free(root);
    free(key);
    free(decoded);
    Py_DECREF(uri);
    return h;
}

/* ------------------------------------------------------------------ conversions */

const char *
mlc_keep_utf8(PyObject *keep, PyObject *s)
{
    if (!PyUnicode_Check(s)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %.200s", Py_TYPE(s)->tp_name);
        return NULL;
    }
    if (PyList_Append(keep, s) < 0) {
        return NULL;
    }
    return PyUnicode_AsUTF8(s);
}

const char *
mlc_keep_str(PyObject *keep, PyObject *o)
{
    PyObject *s = PyObject_Str(o);
    if (s == NULL) {
        return NULL;
    }
    const char *r = mlc_keep_utf8(keep, s);
    Py_DECREF(s);
    return r;
}

int
mlc_kvlist_from_dict(PyObject *d, mlc_kvlist *l, PyObject *keep)
{
    if (mlc_is_none(d)) {
        return 0;
    }
    PyObject *items = PyMapping_Items(d);
    if (items == NULL) {
        return -1;
    }
    int rc = -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *kv = PyList_GET_ITEM(items, i);
        const char *k = mlc_keep_str(keep, PyTuple_GET_ITEM(kv, 0));
        const char *v = k == NULL ? NULL : mlc_keep_str(keep, PyTuple_GET_ITEM(kv, 1));
        if (v == NULL) {
            goto exit;
        }
        if (mlc_kvlist_set(l, k, v) < 0) {
            PyErr_NoMemory();
            goto exit;
        }
    }
    rc = 0;
exit:
    Py_DECREF(items);
    return rc;
}

PyObject *
mlc_dict_from_kvlist(const mlc_kvlist *l)
{
    PyObject *d = PyDict_New();
    if (d == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < l->n; i++) {
        PyObject *v = l->items[i].value ? PyUnicode_FromString(l->items[i].value)
                                        : Py_NewRef(Py_None);
        if (v == NULL || PyDict_SetItemString(d, l->items[i].key, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

/* ------------------------------------------------------------------ local artifacts */

char *
mlc_artifact_local_dir(mlc_state *st, const char *artifact_uri, const char *rel)
{
    const char *colon = strchr(artifact_uri, ':');
    const char *slash = strchr(artifact_uri, '/');
    if (colon != NULL && strncmp(artifact_uri, "file:", 5) != 0 &&
        (slash == NULL || colon < slash)) {
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Artifact location '%s' is not a local path or file: URI; mlflow_c reads and "
                  "writes artifacts on the local file system only",
                  artifact_uri);
        return NULL;
    }
    int is_uri;
    char *base = mlc_fs_local_path(artifact_uri, &is_uri);
    if (base == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (rel == NULL || rel[0] == '\0') {
        return base;
    }
    /* artifact paths are relative and may not climb out of the artifact root */
    if (rel[0] == '/' || strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0 ||
        strstr(rel, "/../") != NULL ||
        (strlen(rel) >= 3 && strcmp(rel + strlen(rel) - 3, "/..") == 0)) {
        free(base);
        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                  "Invalid artifact path: '%s'", rel);
        return NULL;
    }
    char *full = mlc_fs_join(base, rel);
    free(base);
    if (full == NULL) {
        PyErr_NoMemory();
    }
    return full;
}

/* Copies file src over dst atomically (temp file beside dst, then rename). 0 or -1/errno with
 * *failed naming the path. */
static int
copy_file_atomic(const char *src, const char *dst, const char **failed)
{
    char hex[33];
    if (mlc_uuid4_hex(hex) < 0) {
        *failed = dst;
        return -1;
    }
    size_t n = strlen(dst) + 48;
    char *tmp = malloc(n);
    if (tmp == NULL) {
        errno = ENOMEM;
        *failed = dst;
        return -1;
    }
    snprintf(tmp, n, "%s.tmp-%.12s", dst, hex);
    int rc = mlc_fs_copy(src, tmp, failed);
    if (rc == 0 && rename(tmp, dst) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        *failed = dst;
        rc = -1;
    }
    else if (rc < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
    }
    free(tmp);
    return rc;
}

/* Merges the tree src into directory dst: files replaced atomically, directories created. */
static int
merge_tree(const char *src, const char *dst, const char **failed)
{
    if (mlc_fs_makedirs(dst) < 0) {
        *failed = dst;
        return -1;
    }
    DIR *d = opendir(src);
    if (d == NULL) {
        *failed = src;
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *s = mlc_fs_join(src, e->d_name);
        char *t = mlc_fs_join(dst, e->d_name);
        if (s == NULL || t == NULL) {
            errno = ENOMEM;
            *failed = src;
            rc = -1;
        }
        else {
            int isdir = mlc_fs_isdir(s);
            if (isdir < 0) {
                *failed = src;
                rc = -1;
            }
            else {
                rc = isdir ? merge_tree(s, t, failed) : copy_file_atomic(s, t, failed);
            }
        }
        if (rc < 0 && *failed != src && *failed != dst) {
            /* failed points into s or t, which are freed below: keep a stable copy */
            static __thread char failed_buf[4096];
            snprintf(failed_buf, sizeof failed_buf, "%s", *failed);
            *failed = failed_buf;
        }
        free(s);
        free(t);
    }
    closedir(d);
    return rc;
}

static const char *
path_basename(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') {
        n--;
    }
    const char *b = p + n;
    while (b > p && b[-1] != '/') {
        b--;
    }
    return b;
}

int
mlc_artifact_log(mlc_state *st, const char *artifact_uri, PyObject *local_path,
                 PyObject *artifact_path, int dir_contents)
{
    int rc = -1;
    char *dir = NULL, *dst = NULL, *src_copy = NULL;
    PyObject *src = mlc_args_path(local_path);
    PyObject *ap = mlc_is_none(artifact_path) ? NULL : mlc_args_path(artifact_path);
    if (src == NULL || (!mlc_is_none(artifact_path) && ap == NULL)) {
        goto exit;
    }
    const char *s = PyUnicode_AsUTF8(src);
    if (s == NULL) {
        goto exit;
    }
    dir = mlc_artifact_local_dir(st, artifact_uri, ap ? PyUnicode_AsUTF8(ap) : NULL);
    if (dir == NULL) {
        goto exit;
    }
    int isdir = mlc_fs_isdir(s);
    if (dir_contents && isdir == 0 && mlc_fs_exists(s) != 1) {
        rc = 0; /* MLflow's log_artifacts of a missing directory logs nothing */
        goto exit;
    }
    if (isdir < 0 || (!isdir && mlc_fs_exists(s) != 1)) {
        mlc_raise_errno(st, isdir < 0 ? errno : ENOENT, "No such file or directory", s);
        goto exit;
    }
    const char *failed = NULL;
    int r;
    Py_BEGIN_ALLOW_THREADS
    if (dir_contents || isdir) {
        /* log_artifacts copies the contents; log_artifact of a directory copies the directory
         * itself under its name (as shutil.copytree into artifact_dir/<name> does) */
        if (dir_contents) {
            r = merge_tree(s, dir, &failed);
        }
        else {
            dst = mlc_fs_join(dir, path_basename(s));
            r = dst == NULL ? (errno = ENOMEM, -1) : merge_tree(s, dst, &failed);
        }
    }
    else {
        dst = mlc_fs_join(dir, path_basename(s));
        if (dst == NULL) {
            errno = ENOMEM;
            r = -1;
        }
        else if (mlc_fs_makedirs(dir) < 0) {
            failed = dir;
            r = -1;
        }
        else {
            r = copy_file_atomic(s, dst, &failed);
        }
    }
    Py_END_ALLOW_THREADS
    if (r < 0) {
        mlc_raise_errno(st, errno, "Failed to log artifact", failed ? failed : s);
        goto exit;
    }
    rc = 0;
exit:
    free(dir);
    free(dst);
    free(src_copy);
    Py_XDECREF(src);
    Py_XDECREF(ap);
    return rc;
}

int
mlc_artifact_write(mlc_state *st, const char *artifact_uri, const char *artifact_file,
                   const char *data, size_t len)
{
    char *path = mlc_artifact_local_dir(st, artifact_uri, artifact_file);
    if (path == NULL) {
        return -1;
    }
    int rc = 0;
    char *parent = strdup(path);
    if (parent == NULL) {
        free(path);
        PyErr_NoMemory();
        return -1;
    }
    char *slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent) {
        *slash = '\0';
    }
    int r;
    const char *failed = path;
    Py_BEGIN_ALLOW_THREADS
    r = mlc_fs_makedirs(parent);
    if (r < 0) {
        failed = parent;
    }
    else {
        r = mlc_fs_write_atomic(path, data, len, 0);
    }
    Py_END_ALLOW_THREADS
    if (r < 0) {
        mlc_raise_errno(st, errno, "Failed to write artifact", failed);
        rc = -1;
    }
    free(parent);
    free(path);
    return rc;
}

static int
cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

PyObject *
mlc_artifact_list(mlc_state *st, const char *artifact_uri, const char *path)
{
    char *dir = mlc_artifact_local_dir(st, artifact_uri, path);
    if (dir == NULL) {
        return NULL;
    }
    PyObject *out = PyList_New(0);
    char **names = NULL;
    size_t n = 0;
    if (out == NULL) {
        goto error;
    }
    if (mlc_fs_isdir(dir) != 1) {
        free(dir);
        return out;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        mlc_raise_errno(st, errno, "Failed to list artifacts in", dir);
        goto error;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char **g = realloc(names, (n + 1) * sizeof *names);
        char *nm = strdup(e->d_name);
        if (g == NULL || nm == NULL) {
            free(nm);
            if (g != NULL) {
                names = g;
            }
            closedir(d);
            PyErr_NoMemory();
            goto error;
        }
        names = g;
        names[n++] = nm;
    }
    closedir(d);
    if (n > 1) {
        qsort(names, n, sizeof *names, cmp_cstr);
    }
    for (size_t i = 0; i < n; i++) {
        char *full = mlc_fs_join(dir, names[i]);
        if (full == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        struct stat sb;
        int ok = stat(full, &sb) == 0;
        free(full);
        if (!ok) {
            continue;
        }
        char *rel = (path == NULL || path[0] == '\0') ? strdup(names[i])
                                                       : mlc_fs_join(path, names[i]);
        if (rel == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        /* MLflow reports "a/b" with no trailing slash in the prefix */
        int isdir = S_ISDIR(sb.st_mode);
        PyObject *fi = mlc_entity_file_info(st, rel, isdir, isdir ? -1 : (long long)sb.st_size);
        free(rel);
        if (fi == NULL || PyList_Append(out, fi) < 0) {
            Py_XDECREF(fi);
            goto error;
        }
        Py_DECREF(fi);
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    free(dir);
    return out;
error:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    free(dir);
    Py_XDECREF(out);
    return NULL;
}

PyObject *
mlc_artifact_download(mlc_state *st, const char *artifact_uri, const char *path,
                      PyObject *dst_dir, int missing_ok)
{
    PyObject *result = NULL, *dst = NULL;
    char *src = mlc_artifact_local_dir(st, artifact_uri, path);
    char *target = NULL;
    if (src == NULL) {
        return NULL;
    }
    if (mlc_fs_exists(src) != 1) {
        if (missing_ok) {
            free(src);
            Py_RETURN_NONE;
        }
        mlc_raise(st->MlflowFileNotFoundError, MLC_RESOURCE_DOES_NOT_EXIST,
                  "Failed to download artifacts from path '%s', please ensure that the path is "
                  "correct.",
                  path ? path : "");
        goto exit;
    }
    if (mlc_is_none(dst_dir)) {
        PyObject *tempfile = PyImport_ImportModule("tempfile");
        if (tempfile == NULL) {
            goto exit;
        }
        dst = PyObject_CallMethod(tempfile, "mkdtemp", NULL);
        Py_DECREF(tempfile);
    }
    else {
        dst = mlc_args_path(dst_dir);
    }
    if (dst == NULL) {
        goto exit;
    }
    const char *d = PyUnicode_AsUTF8(dst);
    if (d == NULL) {
        goto exit;
    }
    char *dabs = mlc_fs_abspath(d);
    if (dabs == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    /* MLflow downloads <root>/<a>/<b> to <dst>/<b>: the last path component only */
    target = (path == NULL || path[0] == '\0') ? dabs : mlc_fs_join(dabs, path_basename(path));
    if (target != dabs) {
        free(dabs);
    }
    if (target == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    int isdir = mlc_fs_isdir(src);
    const char *failed = NULL;
    int r;
    Py_BEGIN_ALLOW_THREADS
    if (isdir == 1) {
        r = merge_tree(src, target, &failed);
    }
    else {
        char *parent = strdup(target);
        char *slash = parent ? strrchr(parent, '/') : NULL;
        if (slash != NULL && slash != parent) {
            *slash = '\0';
        }
        r = parent == NULL ? (errno = ENOMEM, -1) : mlc_fs_makedirs(parent);
        free(parent);
        if (r == 0) {
            r = copy_file_atomic(src, target, &failed);
        }
    }
    Py_END_ALLOW_THREADS
    if (r < 0) {
        mlc_raise_errno(st, errno, "Failed to download artifact to", failed ? failed : target);
        goto exit;
    }
    result = PyUnicode_DecodeFSDefault(target);
exit:
    free(src);
    free(target);
    Py_XDECREF(dst);
    return result;
}

/* ------------------------------------------------------------------ entities per store */

PyObject *
mlc_store_logged_model(mlc_state *st, mlc_handle *h, const mlc_logged_model *lm)
{
    PyObject *e = mlc_entity_logged_model(st, lm);
    if (e != NULL && !h->is_sql && lm->metrics.n == 0) {
        /* MLflow's file store reports a model without metrics as [] (its SQL store: None) */
        PyObject *empty = PyList_New(0);
        if (empty == NULL || mlc_entity_put(e, "metrics", empty) < 0) {
            Py_CLEAR(e);
        }
        Py_XDECREF(empty);
    }
    return e;
}

PyObject *
mlc_store_registered_model(mlc_state *st, mlc_handle *h, const mlc_registered_model *rm)
{
    PyObject *e = mlc_entity_registered_model(st, rm);
    if (e == NULL) {
        return NULL;
    }
    /* latest_versions: the newest version (every version is in stage "None") */
    mlc_model_version *mvs = NULL;
    size_t n = 0;
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->list_model_versions(h->store, rm->name, &mvs, &n, &err));
    if (rc < 0) {
        Py_DECREF(e);
        mlc_store_raise(st, &err);
        return NULL;
    }
    PyObject *latest = PyList_New(0);
    if (latest != NULL && n > 0) {
        PyObject *v = mlc_store_model_version(st, h, &mvs[n - 1]);
        if (v == NULL || PyList_Append(latest, v) < 0) {
            Py_CLEAR(latest);
        }
        Py_XDECREF(v);
    }
    mlc_model_version_array_free(mvs, n);
    if (latest == NULL || mlc_entity_put(e, "latest_versions", latest) < 0) {
        Py_CLEAR(e);
    }
    Py_XDECREF(latest);
    if (e != NULL && !h->is_sql) {
        /* MLflow's file store reports alias versions as strings */
        PyObject *aliases = mlc_dict_from_kvlist(&rm->aliases);
        if (aliases == NULL || mlc_entity_put(e, "aliases", aliases) < 0) {
            Py_CLEAR(e);
        }
        Py_XDECREF(aliases);
    }
    return e;
}

PyObject *
mlc_store_model_version(mlc_state *st, mlc_handle *h, const mlc_model_version *mv)
{
    PyObject *e = mlc_entity_model_version(st, mv);
    if (e == NULL || h->is_sql || mv->model_id == NULL) {
        return e;
    }
    /* MLflow's file store gives a version of a logged model that model's params and metrics */
    mlc_logged_model lm = {0};
    mlc_err err = {0};
    int rc;
    MLC_STORE_CALL(h, rc, h->store->ops->get_logged_model(h->store, mv->model_id, &lm, &err));
    if (rc == 0) {
        PyObject *params = mlc_dict_from_kvlist(&lm.params);
        PyObject *metrics = PyList_New((Py_ssize_t)lm.metrics.n);
        for (size_t i = 0; metrics != NULL && i < lm.metrics.n; i++) {
            PyObject *m = mlc_entity_metric(st, &lm.metrics.items[i]);
            if (m == NULL) {
                Py_CLEAR(metrics);
                break;
            }
            PyList_SET_ITEM(metrics, (Py_ssize_t)i, m);
        }
        if (params == NULL || metrics == NULL ||
            mlc_entity_model_version_set_model(e, params, metrics) < 0) {
            Py_CLEAR(e);
        }
        Py_XDECREF(params);
        Py_XDECREF(metrics);
    }
    mlc_logged_model_clear(&lm);
    return e;
}
