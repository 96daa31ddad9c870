/* env.c: the environment files of a saved model -- requirements.txt, constraints.txt,
 * conda.yaml and python_env.yaml -- built in-process with MLflow 3.x's rules (no subprocess).
 * Parses pip requirement lists and files; knows nothing about pickles or MLmodel. */
#include "mlc.h"

#include "args.h"
#include "errors.h"
#include "fsutil.h"
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- versions */

PyObject *
mlc_env_version(mlc_state *st, const char *name)
{
    PyObject *key = NULL, *cached = NULL, *fn = NULL, *ver = NULL, *result = NULL;
    key = PyUnicode_FromString(name);
    if (key == NULL) {
        goto done;
    }
    if (PyDict_GetItemRef(st->env_cache, key, &cached) < 0) {
        goto done;
    }
    if (cached != NULL) {
        result = Py_NewRef(cached);
        goto done;
    }
    fn = mlc_lazy_attr(&st->metadata_version, "importlib.metadata", "version");
    if (fn == NULL) {
        goto done;
    }
    ver = PyObject_CallOneArg(fn, key);
    if (ver == NULL) {
        /* PackageNotFoundError (a ModuleNotFoundError) means "not installed". */
        if (!PyErr_ExceptionMatches(PyExc_ImportError)) {
            goto done;
        }
        PyErr_Clear();
        ver = Py_NewRef(Py_None);
    }
    if (PyDict_SetItem(st->env_cache, key, ver) < 0) {
        goto done;
    }
    result = Py_NewRef(ver);
done:
    Py_XDECREF(key);
    Py_XDECREF(cached);
    Py_XDECREF(fn);
    Py_XDECREF(ver);
    return result;
}

/* Returns a new reference: "name==<version without local label>" (warning when a label is
 * stripped, with MLflow's text), or None when the package is not installed. */
static PyObject *
pinned_requirement(mlc_state *st, const char *name)
{
    PyObject *ver = mlc_env_version(st, name);
    if (ver == NULL || ver == Py_None) {
        return ver;
    }
    const char *v = PyUnicode_AsUTF8(ver);
    if (v == NULL) {
        Py_DECREF(ver);
        return NULL;
    }
    const char *plus = strchr(v, '+');
    PyObject *result;
    if (plus != NULL) {
        PyObject *bare = PyUnicode_FromStringAndSize(v, (Py_ssize_t)(plus - v));
        result = bare ? PyUnicode_FromFormat("%s==%U", name, bare) : NULL;
        Py_XDECREF(bare);
        if (result != NULL &&
            mlc_log_warning(st,
                            "Found %s version (%s) contains a local version label (%s). "
                            "MLflow logged a pip requirement for this package as '%U' without "
                            "the local version label to make it installable from PyPI. To "
                            "specify pip requirements containing local version labels, please "
                            "use `conda_env` or `pip_requirements`.",
                            name, v, plus, result) < 0) {
            Py_CLEAR(result);
        }
    }
    else {
        result = PyUnicode_FromFormat("%s==%s", name, v);
    }
    Py_DECREF(ver);
    return result;
}

static PyObject *
mlflow_pin(void)
{
    return PyUnicode_FromString("mlflow==" MLC_MLFLOW_VERSION);
}

/* Appends the pin of each installed package in names to list. 0 or -1. */
static int
append_pins(mlc_state *st, PyObject *list, const char *const *names)
{
    for (int i = 0; names[i] != NULL; i++) {
        PyObject *pin = pinned_requirement(st, names[i]);
        if (pin == NULL) {
            return -1;
        }
        int rc = pin == Py_None ? 0 : PyList_Append(list, pin);
        Py_DECREF(pin);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* 1 when the pickle bytes name a module `name` or `name.<sub>` as a global (protocol 4/5
 * writes module names as SHORT_BINUNICODE strings: opcode 0x8c, one length byte, the text). */
static int
pickle_references(const char *buf, size_t len, const char *name)
{
    size_t n = strlen(name);
    const char *p = buf, *end = buf + len;
    while (p + n <= end) {
        const char *hit = memmem(p, (size_t)(end - p), name, n);
        if (hit == NULL) {
            return 0;
        }
        if (hit - buf >= 2 && (unsigned char)hit[-2] == 0x8c) {
            size_t slen = (unsigned char)hit[-1];
            if (slen == n || (slen > n && hit + n < end && hit[n] == '.')) {
                return 1;
            }
        }
        p = hit + 1;
    }
    return 0;
}

/* Returns a new reference: the requirements MLflow's inference finds for a statsmodels model
 * (it records what a fresh interpreter imports to load the model), worked out in-process:
 * statsmodels and what importing it brings (numpy, pandas, scipy), plus the optional packages
 * the pickle itself refers to (pyarrow-backed pandas data, patsy/formulaic design info).
 * Sorted, pinned to the installed versions. */
static PyObject *
inferred_requirements(mlc_state *st, const char *data_path)
{
    static const char *const core[] = {"numpy", "pandas", "scipy", "statsmodels", NULL};
    static const char *const optional[] = {"formulaic", "patsy", "pyarrow", NULL};
    char *buf = NULL;
    size_t len = 0;
    PyObject *list = PyList_New(0);
    if (list == NULL || append_pins(st, list, core) < 0) {
        goto error;
    }
    if (data_path != NULL && mlc_fs_read(data_path, &buf, &len) == 0) {
        for (int i = 0; optional[i] != NULL; i++) {
            if (pickle_references(buf, len, optional[i])) {
                const char *one[] = {optional[i], NULL};
                if (append_pins(st, list, one) < 0) {
                    goto error;
                }
            }
        }
    }
    if (PyList_Sort(list) < 0) {
        goto error;
    }
    free(buf);
    return list;
error:
    free(buf);
    Py_XDECREF(list);
    return NULL;
}

PyObject *
mlc_get_default_pip_requirements(PyObject *m, PyObject *Py_UNUSED(unused))
{
    mlc_state *st = mlc_state_from_module(m);
    PyObject *pin = pinned_requirement(st, "statsmodels");
    if (pin == NULL) {
        return NULL;
    }
    if (pin == Py_None) {
        Py_DECREF(pin);
        return mlc_raise(st->MlflowException, MLC_INTERNAL_ERROR,
                         "statsmodels is not installed, so its version cannot be pinned");
    }
    PyObject *list = PyList_New(1);
    if (list == NULL) {
        Py_DECREF(pin);
        return NULL;
    }
    PyList_SET_ITEM(list, 0, pin); /* steals */
    return list;
}

/* ---------------------------------------------------------------- requirement strings */

/* Returns a new reference: Requirement(s), or None when s is not PEP 508 (or packaging is
 * missing). */
static PyObject *
parse_requirement(mlc_state *st, PyObject *s)
{
    PyObject *Req = mlc_lazy_attr(&st->Requirement, "packaging.requirements", "Requirement");
    if (Req == NULL) {
        return NULL;
    }
    PyObject *Invalid = mlc_lazy_attr(&st->InvalidRequirement, "packaging.requirements",
                                      "InvalidRequirement");
    if (Invalid == NULL) {
        Py_DECREF(Req);
        return NULL;
    }
    PyObject *r = PyObject_CallOneArg(Req, s);
    if (r == NULL && PyErr_ExceptionMatches(Invalid)) {
        PyErr_Clear();
        r = Py_NewRef(Py_None);
    }
    Py_DECREF(Req);
    Py_DECREF(Invalid);
    return r;
}

/* 1 when s names mlflow (mlflow, mlflow-skinny, mlflow-tracing; or a path/URL that points at
 * an mlflow checkout), 0 when not, -1 on error. */
static int
is_mlflow_requirement(mlc_state *st, PyObject *s)
{
    PyObject *req = parse_requirement(st, s);
    if (req == NULL) {
        return -1;
    }
    int found = 0;
    if (req != Py_None) {
        PyObject *name = PyObject_GetAttrString(req, "name");
        PyObject *low = name ? PyObject_CallMethod(name, "lower", NULL) : NULL;
        Py_XDECREF(name);
        Py_DECREF(req);
        if (low == NULL) {
            return -1;
        }
        found = PyUnicode_CompareWithASCIIString(low, "mlflow") == 0 ||
                PyUnicode_CompareWithASCIIString(low, "mlflow-skinny") == 0 ||
                PyUnicode_CompareWithASCIIString(low, "mlflow-tracing") == 0;
        Py_DECREF(low);
        return found;
    }
    Py_DECREF(req);
    const char *c = PyUnicode_AsUTF8(s);
    if (c == NULL) {
        return -1;
    }
    return strstr(c, "/mlflow") != NULL || strstr(c, "mlflow@git") != NULL;
}

/* Inserts the mlflow pin at the front of list unless an entry already names mlflow. */
static int
ensure_mlflow(mlc_state *st, PyObject *list)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        int r = is_mlflow_requirement(st, PyList_GET_ITEM(list, i));
        if (r != 0) {
            return r < 0 ? -1 : 0;
        }
    }
    PyObject *pin = mlflow_pin();
    if (pin == NULL) {
        return -1;
    }
    int rc = PyList_Insert(list, 0, pin);
    Py_DECREF(pin);
    return rc;
}

/* ---------------------------------------------------------------- parsing pip lists */

typedef struct {
    PyObject *reqs;        /* list of str */
    PyObject *constraints; /* list of str */
    int depth;
} parse_ctx;

static int parse_lines(mlc_state *st, parse_ctx *ctx, PyObject *lines, const char *base_dir,
                       int is_constraint);

/* Parses the requirements file at path (relative references resolve against its directory). */
static int
parse_file(mlc_state *st, parse_ctx *ctx, const char *path, int is_constraint)
{
    char *buf = NULL, *dir = NULL;
    size_t len = 0;
    PyObject *text = NULL, *lines = NULL;
    int result = -1;
    if (ctx->depth > 32) {
        mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                  "Requirements files nest more than 32 levels deep at '%s' (a cycle?)", path);
        goto done;
    }
    if (mlc_fs_read(path, &buf, &len) < 0) {
        mlc_raise_errno(st, errno, "Failed to read pip requirements file", path);
        goto done;
    }
    text = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)len, "strict");
    if (text == NULL) {
        mlc_raise_from(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                       "Pip requirements file '%s' is not UTF-8", path);
        goto done;
    }
    lines = PyUnicode_Splitlines(text, 0);
    if (lines == NULL) {
        goto done;
    }
    const char *slash = strrchr(path, '/');
    dir = slash == NULL ? strdup("") : strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    ctx->depth++;
    result = parse_lines(st, ctx, lines, dir, is_constraint);
    ctx->depth--;
done:
    free(buf);
    free(dir);
    Py_XDECREF(text);
    Py_XDECREF(lines);
    return result;
}

/* Returns a malloc'ed os.path.join(base, rel) (rel absolute: rel itself). */
static char *
join_base(const char *base, const char *rel)
{
    if (rel[0] == '/' || base[0] == '\0') {
        return strdup(rel);
    }
    return mlc_fs_join(base, rel);
}

/* Strips an inline " #" comment and surrounding white space; returns a new str. */
static PyObject *
clean_line(PyObject *line)
{
    PyObject *s = PyObject_CallMethod(line, "strip", NULL);
    if (s == NULL) {
        return NULL;
    }
    const char *c = PyUnicode_AsUTF8(s);
    if (c == NULL) {
        Py_DECREF(s);
        return NULL;
    }
    const char *hash = strstr(c, " #");
    if (hash != NULL) {
        size_t n = (size_t)(hash - c);
        while (n > 0 && isspace((unsigned char)c[n - 1])) {
            n--;
        }
        Py_SETREF(s, PyUnicode_FromStringAndSize(c, (Py_ssize_t)n));
    }
    return s;
}

static int
parse_lines(mlc_state *st, parse_ctx *ctx, PyObject *lines, const char *base_dir,
            int is_constraint)
{
    PyObject *pending = NULL; /* a line continued with a trailing backslash */
    PyObject *line = NULL;
    int result = -1;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    for (Py_ssize_t i = 0; i <= n; i++) {
        Py_CLEAR(line);
        if (i < n) {
            line = clean_line(PyList_GET_ITEM(lines, i));
            if (line == NULL) {
                goto done;
            }
            const char *c = PyUnicode_AsUTF8(line);
            if (c == NULL) {
                goto done;
            }
            size_t len = strlen(c);
            if (len > 0 && c[len - 1] == '\\') {
                PyObject *head = PyUnicode_FromStringAndSize(c, (Py_ssize_t)len - 1);
                if (head == NULL) {
                    goto done;
                }
                if (pending == NULL) {
                    pending = head;
                }
                else {
                    PyObject *j = PyUnicode_Concat(pending, head);
                    Py_DECREF(head);
                    Py_SETREF(pending, j);
                    if (pending == NULL) {
                        goto done;
                    }
                }
                continue;
            }
            if (pending != NULL) {
                PyObject *j = PyUnicode_Concat(pending, line);
                Py_CLEAR(pending);
                Py_SETREF(line, j);
                if (line == NULL) {
                    goto done;
                }
            }
        }
        else if (pending != NULL) {
            line = pending;
            pending = NULL;
        }
        else {
            break;
        }
        const char *c = PyUnicode_AsUTF8(line);
        if (c == NULL) {
            goto done;
        }
        if (c[0] == '\0' || c[0] == '#') {
            continue;
        }
        int is_r = strncmp(c, "-r ", 3) == 0 || strncmp(c, "--requirement ", 14) == 0;
        int is_c = strncmp(c, "-c ", 3) == 0 || strncmp(c, "--constraint ", 13) == 0;
        if (is_r || is_c) {
            const char *ref = strchr(c, ' ');
            while (*ref == ' ' || *ref == '\t') {
                ref++;
            }
            char *path = join_base(base_dir, ref);
            if (path == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            int rc = parse_file(st, ctx, path, is_c ? 1 : 0);
            free(path);
            if (rc < 0) {
                goto done;
            }
            continue;
        }
        if (PyList_Append(is_constraint ? ctx->constraints : ctx->reqs, line) < 0) {
            goto done;
        }
    }
    result = 0;
done:
    Py_XDECREF(pending);
    Py_XDECREF(line);
    return result;
}

/* Parses pip_requirements (a file path or an iterable of str) into ctx. 0 or -1. */
static int
parse_pip_requirements(mlc_state *st, PyObject *value, parse_ctx *ctx)
{
    if (PyUnicode_Check(value)) {
        const char *p = PyUnicode_AsUTF8(value);
        return p == NULL ? -1 : parse_file(st, ctx, p, 0);
    }
    PyObject *list = NULL;
    int result = -1;
    char cwd[4096];
    if (!PyBytes_Check(value)) {
        list = PySequence_List(value);
        if (list == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
                return -1;
            }
            PyErr_Clear();
        }
    }
    int all_str = list != NULL;
    for (Py_ssize_t i = 0; all_str && i < PyList_GET_SIZE(list); i++) {
        all_str = PyUnicode_Check(PyList_GET_ITEM(list, i));
    }
    if (!all_str) {
        mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                  "`pip_requirements` must be either a string path to a pip requirements file "
                  "on the local filesystem or an iterable of pip requirement strings, but got "
                  "`%s`",
                  Py_TYPE(value)->tp_name);
        goto done;
    }
    if (getcwd(cwd, sizeof cwd) == NULL) {
        mlc_raise_errno(st, errno, "Failed to read the working directory", ".");
        goto done;
    }
    result = parse_lines(st, ctx, list, cwd, 0);
done:
    Py_XDECREF(list);
    return result;
}

/* ---------------------------------------------------------------- de-duplication */

/* MLflow 3.x merges requirements that name the same package (and marker): specifiers are
 * combined, extras united, and every PEP 508 entry is written in packaging's normal form.
 * Returns a new list. Two different exact pins of one package raise MlflowException (MLflow
 * finds that with a pip dry run; we do not start pip). */
static PyObject *
deduplicate(mlc_state *st, PyObject *reqs)
{
    PyObject *merged = PyDict_New(); /* key -> Requirement or str */
    PyObject *out = NULL, *req = NULL, *key = NULL, *old = NULL;
    if (merged == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(reqs); i++) {
        PyObject *s = PyList_GET_ITEM(reqs, i);
        Py_CLEAR(req);
        Py_CLEAR(key);
        Py_CLEAR(old);
        req = parse_requirement(st, s);
        if (req == NULL) {
            goto error;
        }
        if (req == Py_None) {
            int has = PyDict_Contains(merged, s);
            if (has < 0 || (!has && PyDict_SetItem(merged, s, s) < 0)) {
                goto error;
            }
            continue;
        }
        PyObject *name = PyObject_GetAttrString(req, "name");
        PyObject *marker = name ? PyObject_GetAttrString(req, "marker") : NULL;
        PyObject *marker_s = NULL;
        if (marker != NULL) {
            marker_s = marker == Py_None ? PyUnicode_FromString("") : PyObject_Str(marker);
        }
        if (marker_s != NULL) {
            key = PyTuple_Pack(2, name, marker_s);
        }
        Py_XDECREF(name);
        Py_XDECREF(marker);
        Py_XDECREF(marker_s);
        if (key == NULL) {
            goto error;
        }
        if (PyDict_GetItemRef(merged, key, &old) < 0) {
            goto error;
        }
        if (old != NULL) {
            PyObject *os_ = PyObject_GetAttrString(old, "specifier");
            PyObject *ns = os_ ? PyObject_GetAttrString(req, "specifier") : NULL;
            if (ns == NULL) {
                Py_XDECREF(os_);
                goto error;
            }
            int o_nonempty = PyObject_IsTrue(os_), n_nonempty = PyObject_IsTrue(ns);
            int same = PyObject_RichCompareBool(os_, ns, Py_EQ);
            int rc = 0;
            if (o_nonempty && n_nonempty && same == 0) {
                PyObject *os_str = PyObject_Str(os_), *ns_str = PyObject_Str(ns);
                const char *a = os_str ? PyUnicode_AsUTF8(os_str) : NULL;
                const char *b = ns_str ? PyUnicode_AsUTF8(ns_str) : NULL;
                if (a == NULL || b == NULL) {
                    rc = -1;
                }
                else if (strncmp(a, "==", 2) == 0 && strncmp(b, "==", 2) == 0 &&
                         strchr(a, ',') == NULL && strchr(b, ',') == NULL) {
                    /* Two exact pins: equal up to a local label keeps the one without;
                     * anything else conflicts. */
                    const char *pa = strchr(a, '+'), *pb = strchr(b, '+');
                    size_t la = pa ? (size_t)(pa - a) : strlen(a);
                    size_t lb = pb ? (size_t)(pb - b) : strlen(b);
                    if (la == lb && strncmp(a, b, la) == 0 && (pa == NULL) != (pb == NULL)) {
                        if (pb != NULL) {
                            rc = PyObject_SetAttrString(req, "specifier", os_);
                        }
                    }
                    else {
                        mlc_raise(st->MlflowException, MLC_INVALID_PARAMETER_VALUE,
                                  "The specified requirements versions are incompatible. "
                                  "Detected conflicts: '%S' and %R",
                                  old, s);
                        rc = -1;
                    }
                }
                else {
                    PyObject *SpecSet = NULL;
                    PyObject *joined = PyUnicode_FromFormat("%U,%U", os_str, ns_str);
                    PyObject *mod = joined ? PyImport_ImportModule("packaging.specifiers") : NULL;
                    SpecSet = mod ? PyObject_GetAttrString(mod, "SpecifierSet") : NULL;
                    PyObject *spec = SpecSet ? PyObject_CallOneArg(SpecSet, joined) : NULL;
                    rc = spec ? PyObject_SetAttrString(req, "specifier", spec) : -1;
                    Py_XDECREF(joined);
                    Py_XDECREF(mod);
                    Py_XDECREF(SpecSet);
                    Py_XDECREF(spec);
                }
                Py_XDECREF(os_str);
                Py_XDECREF(ns_str);
            }
            if (rc == 0 && o_nonempty && !n_nonempty) {
                rc = PyObject_SetAttrString(req, "specifier", os_);
            }
            Py_DECREF(os_);
            Py_DECREF(ns);
            if (rc < 0) {
                goto error;
            }
            PyObject *oe = PyObject_GetAttrString(old, "extras");
            PyObject *ne = oe ? PyObject_GetAttrString(req, "extras") : NULL;
            if (ne == NULL) {
                Py_XDECREF(oe);
                goto error;
            }
            int oe_t = PyObject_IsTrue(oe), ne_t = PyObject_IsTrue(ne);
            int eq = PyObject_RichCompareBool(oe, ne, Py_EQ);
            if (oe_t && ne_t && eq == 0) {
                PyObject *u = PyNumber_Or(oe, ne);
                PyObject *sorted = u ? PySequence_List(u) : NULL;
                if (sorted != NULL && PyList_Sort(sorted) == 0) {
                    PyObject *as_set = PySet_New(sorted);
                    rc = as_set ? PyObject_SetAttrString(req, "extras", as_set) : -1;
                    Py_XDECREF(as_set);
                }
                else {
                    rc = -1;
                }
                Py_XDECREF(u);
                Py_XDECREF(sorted);
            }
            else if (oe_t && !ne_t) {
                rc = PyObject_SetAttrString(req, "extras", oe);
            }
            Py_DECREF(oe);
            Py_DECREF(ne);
            if (rc < 0) {
                goto error;
            }
        }
        if (PyDict_SetItem(merged, key, req) < 0) {
            goto error;
        }
    }
    out = PyList_New(0);
    if (out == NULL) {
        goto error;
    }
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(merged, &pos, &k, &v)) {
        PyObject *s = PyObject_Str(v);
        if (s == NULL || PyList_Append(out, s) < 0) {
            Py_XDECREF(s);
            goto error;
        }
        Py_DECREF(s);
    }
    Py_DECREF(merged);
    Py_XDECREF(req);
    Py_XDECREF(key);
    Py_XDECREF(old);
    return out;
error:
    Py_XDECREF(merged);
    Py_XDECREF(out);
    Py_XDECREF(req);
    Py_XDECREF(key);
    Py_XDECREF(old);
    return NULL;
}

/* ---------------------------------------------------------------- conda / python env */

/* Returns a new reference: "3.11.7" (platform.python_version()). */
static PyObject *
python_version(void)
{
    const char *v = Py_GetVersion();
    size_t n = strcspn(v, " ");
    return PyUnicode_FromStringAndSize(v, (Py_ssize_t)n);
}

/* Returns a new reference: the conda env MLflow writes for these pip requirements. */
static PyObject *
default_conda_env(mlc_state *st, PyObject *pip_reqs)
{
    PyObject *env = NULL, *deps = NULL, *py = NULL, *pipver = NULL, *pipdep = NULL;
    PyObject *pipmap = NULL, *result = NULL;
    py = python_version();
    if (py == NULL) {
        goto done;
    }
    pipver = mlc_env_version(st, "pip");
    if (pipver == NULL) {
        goto done;
    }
    if (pipver == Py_None) {
        if (mlc_log_warning(st, "Failed to resolve installed pip version. ``pip`` will be "
                                "added to conda.yaml environment spec without a version "
                                "specifier.") < 0) {
            goto done;
        }
        pipdep = PyUnicode_FromString("pip");
    }
    else {
        pipdep = PyUnicode_FromFormat("pip<=%U", pipver);
    }
    if (pipdep == NULL) {
        goto done;
    }
    pipmap = Py_BuildValue("{sO}", "pip", pip_reqs);
    if (pipmap == NULL) {
        goto done;
    }
    PyObject *pyline = PyUnicode_FromFormat("python=%U", py);
    if (pyline == NULL) {
        goto done;
    }
    deps = Py_BuildValue("[NOO]", pyline, pipdep, pipmap);
    if (deps == NULL) {
        goto done;
    }
    env = Py_BuildValue("{ss s[s] sO}", "name", "mlflow-env", "channels", "conda-forge",
                        "dependencies", deps);
    if (env == NULL) {
        goto done;
    }
    result = Py_NewRef(env);
done:
    Py_XDECREF(env);
    Py_XDECREF(deps);
    Py_XDECREF(py);
    Py_XDECREF(pipver);
    Py_XDECREF(pipdep);
    Py_XDECREF(pipmap);
    return result;
}

PyObject *
mlc_get_default_conda_env(PyObject *m, PyObject *Py_UNUSED(unused))
{
    mlc_state *st = mlc_state_from_module(m);
    PyObject *reqs = mlc_get_default_pip_requirements(m, NULL);
    if (reqs == NULL) {
        return NULL;
    }
    PyObject *pin = mlflow_pin();
    if (pin == NULL || PyList_Insert(reqs, 0, pin) < 0) {
        Py_XDECREF(pin);
        Py_DECREF(reqs);
        return NULL;
    }
    Py_DECREF(pin);
    PyObject *env = default_conda_env(st, reqs);
    Py_DECREF(reqs);
    return env;
}

/* Returns a new reference to the dependency list of a user conda env (a list), raising
 * MlflowValueError when "dependencies" is missing or not a list. */
static PyObject *
conda_dependencies(mlc_state *st, PyObject *env)
{
    PyObject *deps = NULL;
    if (PyDict_GetItemStringRef(env, "dependencies", &deps) < 0) {
        return NULL;
    }
    if (deps == NULL || !PyList_Check(deps)) {
        Py_XDECREF(deps);
        return mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                         "conda_env must have a 'dependencies' list");
    }
    return deps;
}

/* Returns a new reference: the python version a conda env pins ("python=3.9" / "python==3.9"),
 * or None. */
static PyObject *
conda_python_version(PyObject *deps)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(deps); i++) {
        PyObject *d = PyList_GET_ITEM(deps, i);
        if (!PyUnicode_Check(d)) {
            continue;
        }
        const char *c = PyUnicode_AsUTF8(d);
        if (c == NULL) {
            return NULL;
        }
        if (strncmp(c, "python", 6) == 0 && c[6] == '=') {
            const char *v = c + 7;
            if (*v == '=') {
                v++;
            }
            /* only a full X.Y.Z pin: a virtualenv needs an exact interpreter version */
            int dots = 0, ok = *v != '\0';
            for (const char *q = v; *q && ok; q++) {
                if (*q == '.') {
                    dots++;
                }
                else if (!isdigit((unsigned char)*q)) {
                    ok = 0;
                }
            }
            if (ok && dots == 2) {
                return PyUnicode_FromString(v);
            }
        }
    }
    Py_RETURN_NONE;
}

/* Returns a new reference: {"python": ..., "build_dependencies": [...], "dependencies": [...]}
 * in MLflow's key order. */
static PyObject *
python_env(mlc_state *st, PyObject *py)
{
    static const char *const build[] = {"pip", "setuptools", "wheel", NULL};
    PyObject *env = NULL, *bd = NULL, *result = NULL;
    bd = PyList_New(0);
    if (bd == NULL) {
        goto done;
    }
    for (int i = 0; build[i] != NULL; i++) {
        PyObject *v = mlc_env_version(st, build[i]);
        if (v == NULL) {
            goto done;
        }
        PyObject *s = v == Py_None ? PyUnicode_FromString(build[i])
                                   : PyUnicode_FromFormat("%s==%U", build[i], v);
        Py_DECREF(v);
        if (s == NULL || PyList_Append(bd, s) < 0) {
            Py_XDECREF(s);
            goto done;
        }
        Py_DECREF(s);
    }
    env = Py_BuildValue("{sO sO s[s]}", "python", py, "build_dependencies", bd, "dependencies",
                        "-r requirements.txt");
    if (env == NULL) {
        goto done;
    }
    result = Py_NewRef(env);
done:
    Py_XDECREF(env);
    Py_XDECREF(bd);
    return result;
}

/* Writes "\n".join(lines) -- no trailing newline, as MLflow writes it -- to dir/name. */
static int
write_lines(mlc_state *st, const char *dir, const char *name, PyObject *lines)
{
    PyObject *nl = PyUnicode_FromString("\n");
    PyObject *text = nl ? PyUnicode_Join(nl, lines) : NULL;
    Py_XDECREF(nl);
    int rc = text ? mlc_write_text(st, dir, name, text) : -1;
    Py_XDECREF(text);
    return rc;
}

/* Returns a new reference: conda_env with its pip entry replaced by pip_reqs (or appended). */
static PyObject *
overwrite_pip_deps(PyObject *conda_env, PyObject *deps, PyObject *pip_reqs)
{
    PyObject *new_deps = PyList_New(0), *env = NULL, *pipmap = NULL;
    int found = 0;
    if (new_deps == NULL) {
        return NULL;
    }
    pipmap = Py_BuildValue("{sO}", "pip", pip_reqs);
    if (pipmap == NULL) {
        goto error;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(deps); i++) {
        PyObject *d = PyList_GET_ITEM(deps, i);
        PyObject *tmp = NULL;
        int has = PyDict_Check(d) ? PyDict_GetItemStringRef(d, "pip", &tmp) : 0;
        Py_XDECREF(tmp);
        if (has < 0) {
            goto error;
        }
        if (PyList_Append(new_deps, has ? pipmap : d) < 0) {
            goto error;
        }
        found |= has;
    }
    if (!found && PyList_Append(new_deps, pipmap) < 0) {
        goto error;
    }
    env = PyDict_Copy(conda_env);
    if (env == NULL || PyDict_SetItemString(env, "dependencies", new_deps) < 0) {
        goto error;
    }
    Py_DECREF(new_deps);
    Py_DECREF(pipmap);
    return env;
error:
    Py_XDECREF(new_deps);
    Py_XDECREF(pipmap);
    Py_XDECREF(env);
    return NULL;
}

int
mlc_env_write(mlc_state *st, const char *dir, const char *data_path, PyObject *conda_env,
              PyObject *pip_requirements, PyObject *extra_pip_requirements)
{
    parse_ctx ctx = {NULL, NULL, 0};
    PyObject *user_env = NULL, *deps = NULL, *reqs = NULL, *env = NULL, *text = NULL;
    PyObject *py = NULL, *pyenv = NULL, *line = NULL;
    int result = -1;
    ctx.reqs = PyList_New(0);
    ctx.constraints = PyList_New(0);
    if (ctx.reqs == NULL || ctx.constraints == NULL) {
        goto done;
    }
    if (!mlc_is_none(conda_env)) {
        if (PyUnicode_Check(conda_env)) {
            char *buf = NULL;
            size_t len = 0;
            const char *p = PyUnicode_AsUTF8(conda_env);
            if (p == NULL) {
                goto done;
            }
            if (mlc_fs_read(p, &buf, &len) < 0) {
                mlc_raise_errno(st, errno, "Failed to read conda env file", p);
                goto done;
            }
            user_env = mlc_yaml_load(st, buf, len, p);
            free(buf);
            if (user_env == NULL) {
                goto done;
            }
            if (!PyDict_Check(user_env)) {
                mlc_raise(st->MlflowValueError, MLC_INVALID_PARAMETER_VALUE,
                          "conda env file '%s' must hold a YAML mapping", p);
                goto done;
            }
        }
        else if (PyDict_Check(conda_env)) {
            user_env = Py_NewRef(conda_env);
        }
        else {
            mlc_raise(st->MlflowTypeError, MLC_INVALID_PARAMETER_VALUE,
                      "Expected a string path to a conda env yaml file or a `dict` representing "
                      "a conda env, but got `%s`",
                      Py_TYPE(conda_env)->tp_name);
            goto done;
        }
        deps = conda_dependencies(st, user_env);
        if (deps == NULL) {
            goto done;
        }
        PyObject *pip = NULL;
        for (Py_ssize_t i = 0; pip == NULL && i < PyList_GET_SIZE(deps); i++) {
            PyObject *d = PyList_GET_ITEM(deps, i);
            if (PyDict_Check(d) && PyDict_GetItemStringRef(d, "pip", &pip) < 0) {
                goto done;
            }
        }
        if (pip != NULL) {
            int rc = parse_pip_requirements(st, pip, &ctx);
            Py_DECREF(pip);
            if (rc < 0) {
                goto done;
            }
        }
        reqs = Py_NewRef(ctx.reqs);
        if (ensure_mlflow(st, reqs) < 0) {
            goto done;
        }
        if (PyList_GET_SIZE(ctx.constraints) > 0) {
            line = PyUnicode_FromString("-c constraints.txt");
            if (line == NULL || PyList_Append(reqs, line) < 0) {
                goto done;
            }
        }
        env = overwrite_pip_deps(user_env, deps, reqs);
        if (env == NULL) {
            goto done;
        }
        py = conda_python_version(deps);
        if (py == NULL) {
            goto done;
        }
    }
    else {
        if (!mlc_is_none(pip_requirements)) {
            if (parse_pip_requirements(st, pip_requirements, &ctx) < 0) {
                goto done;
            }
            reqs = Py_NewRef(ctx.reqs);
        }
        else {
            reqs = inferred_requirements(st, data_path);
            if (reqs == NULL) {
                goto done;
            }
            if (!mlc_is_none(extra_pip_requirements)) {
                if (parse_pip_requirements(st, extra_pip_requirements, &ctx) < 0) {
                    goto done;
                }
                PyObject *all = PySequence_Concat(reqs, ctx.reqs);
                Py_SETREF(reqs, all);
                if (reqs == NULL) {
                    goto done;
                }
            }
        }
        if (ensure_mlflow(st, reqs) < 0) {
            goto done;
        }
        if (!mlc_is_none(pip_requirements) || !mlc_is_none(extra_pip_requirements)) {
            Py_SETREF(reqs, deduplicate(st, reqs));
            if (reqs == NULL) {
                goto done;
            }
        }
        if (PyList_GET_SIZE(ctx.constraints) > 0) {
            line = PyUnicode_FromString("-c constraints.txt");
            if (line == NULL || PyList_Append(reqs, line) < 0) {
                goto done;
            }
        }
        env = default_conda_env(st, reqs);
        if (env == NULL) {
            goto done;
        }
        py = Py_NewRef(Py_None);
    }
    text = mlc_yaml_dump(st, env, 1);
    if (text == NULL || mlc_write_text(st, dir, "conda.yaml", text) < 0) {
        goto done;
    }
    if (PyList_GET_SIZE(ctx.constraints) > 0 &&
        write_lines(st, dir, "constraints.txt", ctx.constraints) < 0) {
        goto done;
    }
    if (write_lines(st, dir, "requirements.txt", reqs) < 0) {
        goto done;
    }
    if (py == Py_None) {
        Py_SETREF(py, python_version());
        if (py == NULL) {
            goto done;
        }
    }
    pyenv = python_env(st, py);
    if (pyenv == NULL) {
        goto done;
    }
    Py_SETREF(text, mlc_yaml_dump(st, pyenv, 0));
    if (text == NULL || mlc_write_text(st, dir, "python_env.yaml", text) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(ctx.reqs);
    Py_XDECREF(ctx.constraints);
    Py_XDECREF(user_env);
    Py_XDECREF(deps);
    Py_XDECREF(reqs);
    Py_XDECREF(env);
    Py_XDECREF(text);
    Py_XDECREF(py);
    Py_XDECREF(pyenv);
    Py_XDECREF(line);
    return result;
}
