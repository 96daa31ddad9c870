/* store_fs.c: MLflow's file tracking store (the mlruns directory layout of MLflow 3.17):
 * experiments, runs, params/metrics/tags, run outputs and inputs, logged models and the
 * file model registry under <root>/models. meta.yaml files go through libyaml's emitter and
 * parser exactly as PyYAML's CSafeDumper/CSafeLoader drive them. Pure C: no Python objects.
 * Every rewrite is atomic (temp file in the owning entity directory, then rename); metric
 * values are appended with one write() on an O_APPEND descriptor. */
#define _GNU_SOURCE
#include "store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "fsutil.h"

/* =========================================================================================
 * Store handle and small helpers
 * ========================================================================================= */

/* PyYAML's implicit resolvers (yaml/resolver.py), in registration order. */
enum { R_BOOL, R_FLOAT, R_INT, R_MERGE, R_NULL, R_TIMESTAMP, R_VALUE, R_COUNT };

typedef struct {
    mlc_store base;
    char *root;     /* absolute path of the mlruns directory */
    char *trash;    /* <root>/.trash */
    char *registry; /* <root>/models (registered models) */
    char *root_uri; /* file URI of root: the default artifact root */
    regex_t re[R_COUNT];
    int n_re;       /* how many of re[] are compiled */
} fs_store;

#define FS(s) ((fs_store *)(s))

static const char *const DEFAULT_EXPERIMENT_ID = "0";
static const char *const TAG_RUN_NAME = "mlflow.runName";

/* A growable array of malloc'ed strings. */
typedef struct {
    char **v;
    size_t n, cap;
} strvec;

static void
strvec_clear(strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++) {
        free(sv->v[i]);
    }
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

/* Appends a copy of s. 0 or -1/ENOMEM. */
static int
strvec_add(strvec *sv, const char *s)
{
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 16;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (v == NULL) {
            return -1;
        }
        sv->v = v;
        sv->cap = cap;
    }
    char *d = strdup(s);
    if (d == NULL) {
        return -1;
    }
    sv->v[sv->n++] = d;
    return 0;
}

static int
cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
strvec_sort(strvec *sv)
{
    if (sv->n > 1) {
        qsort(sv->v, sv->n, sizeof *sv->v, cmp_str_ptr);
    }
}

/* Returns a malloc'ed printf-formatted string, or NULL on ENOMEM. */
static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *
fmt(const char *f, ...)
{
    va_list ap;
    char *out = NULL;
    va_start(ap, f);
    int rc = vasprintf(&out, f, ap);
    va_end(ap);
    return rc < 0 ? NULL : out;
}

static int
nomem(mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_NOMEM, ENOMEM, "Out of memory");
}

/* Fills err for a failed file-system call on path (errno e) and returns -1. */
static int
io_err(mlc_err *err, int e, const char *what, const char *path)
{
    if (e == ENOMEM) {
        return nomem(err);
    }
    return mlc_err_set(err, MLC_ST_IO, e, "Could not %s '%s': %s", what, path, strerror(e));
}

/* strdup into *dst (freeing the old value); NULL stays NULL. 0 or -1 with err. */
static int
set_str(char **dst, const char *src, mlc_err *err)
{
    char *d = NULL;
    if (src != NULL && (d = strdup(src)) == NULL) {
        return nomem(err);
    }
    free(*dst);
    *dst = d;
    return 0;
}

/* =========================================================================================
 * Python-compatible text helpers (messages and URIs)
 * ========================================================================================= */

/* Growable text buffer. */
typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} membuf;

static void
mb_putn(membuf *mb, const char *s, size_t n)
{
    if (mb->oom) {
        return;
    }
    if (mb->len + n + 1 > mb->cap) {
        size_t cap = mb->cap ? mb->cap : 256;
        while (cap < mb->len + n + 1) {
            cap *= 2;
        }
        char *b = realloc(mb->buf, cap);
        if (b == NULL) {
            mb->oom = 1;
            return;
        }
        mb->buf = b;
        mb->cap = cap;
    }
    if (n > 0) {
        memcpy(mb->buf + mb->len, s, n);
    }
    mb->len += n;
    mb->buf[mb->len] = '\0';
}

static void
mb_puts(membuf *mb, const char *s)
{
    mb_putn(mb, s, strlen(s));
}

static void
mb_printf(membuf *mb, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void
mb_printf(membuf *mb, const char *f, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof tmp) {
        mb_putn(mb, tmp, (size_t)n);
    }
}

/* Decodes one UTF-8 sequence at s (len bytes left); returns its length (1 for an invalid
 * byte, which is reported as U+FFFD) and stores the code point. */
static size_t
utf8_next(const unsigned char *s, size_t len, unsigned *cp)
{
    unsigned c = s[0];
    size_t n;
    unsigned v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        v = c & 0x1F;
    }
    else if ((c & 0xF0) == 0xE0) {
        n = 3;
        v = c & 0x0F;
    }
    else if ((c & 0xF8) == 0xF0) {
        n = 4;
        v = c & 0x07;
    }
    else {
        *cp = 0xFFFD;
        return 1;
    }
    if (n > len) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* Appends json.dumps(s) (ensure_ascii=True) to mb. */
static void
mb_json_str(membuf *mb, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    mb_puts(mb, "\"");
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = utf8_next(p + i, len - i, &cp);
        i += n;
        switch (cp) {
        case '"': mb_puts(mb, "\\\""); continue;
        case '\\': mb_puts(mb, "\\\\"); continue;
        case '\n': mb_puts(mb, "\\n"); continue;
        case '\r': mb_puts(mb, "\\r"); continue;
        case '\t': mb_puts(mb, "\\t"); continue;
        case '\b': mb_puts(mb, "\\b"); continue;
        case '\f': mb_puts(mb, "\\f"); continue;
        default: break;
        }
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0xFFFF)) {
            mb_printf(mb, "\\u%04x", cp);
        }
        else if (cp > 0xFFFF) {
            unsigned v = cp - 0x10000;
            mb_printf(mb, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
        }
        else {
            char c = (char)cp;
            mb_putn(mb, &c, 1);
        }
    }
    mb_puts(mb, "\"");
}

/* Appends repr(s) of a Python str to mb (quote choice and escapes as CPython does; every
 * non-ASCII code point above U+00A0 except U+00AD counts as printable). */
static void
mb_repr_str(membuf *mb, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    char q = (strchr(s, '\'') != NULL && strchr(s, '"') == NULL) ? '"' : '\'';
    mb_putn(mb, &q, 1);
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = utf8_next(p + i, len - i, &cp);
        if (cp == (unsigned char)q || cp == '\\') {
            mb_puts(mb, "\\");
            mb_putn(mb, (const char *)p + i, 1);
        }
        else if (cp == '\n') {
            mb_puts(mb, "\\n");
        }
        else if (cp == '\r') {
            mb_puts(mb, "\\r");
        }
        else if (cp == '\t') {
            mb_puts(mb, "\\t");
        }
        else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD) {
            mb_printf(mb, "\\x%02x", cp);
        }
        else {
            mb_putn(mb, (const char *)p + i, n);
        }
        i += n;
    }
    mb_putn(mb, &q, 1);
}


/* Rejects names that would not map to themselves as a relative path below a directory
 * (MLflow's path_not_unique): MLC_ST_INVALID with MLflow's invalid_value wording.
 * what is the parameter path MLflow reports ("key" for params/tags, "name" for metrics). */
static int
check_key(const char *key, const char *what, mlc_err *err)
{
    if (key == NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "Invalid value \"\" for parameter '%s' supplied: A key name must be "
                           "provided.",
                           what);
    }
    char *norm = mlc_normpath(key);
    if (norm == NULL) {
        return nomem(err);
    }
    int bad = strcmp(norm, key) != 0 || strcmp(norm, ".") == 0 || strncmp(norm, "..", 2) == 0 ||
              norm[0] == '/';
    if (!bad) {
        free(norm);
        return 0;
    }
    membuf mb = {0};
    mb_puts(&mb, "Invalid value ");
    mb_json_str(&mb, key);
    mb_printf(&mb, " for parameter '%s' supplied: ", what);
    mb_puts(&mb, "Names may be treated as files in certain cases, and must not resolve to other "
                 "names when treated as such. This name would resolve to ");
    mb_repr_str(&mb, norm);
    free(norm);
    if (mb.oom) {
        free(mb.buf);
        return nomem(err);
    }
    mlc_err_set(err, MLC_ST_INVALID, 0, "%s", mb.buf);
    free(mb.buf);
    return -1;
}

/* 1 when c is in Python's \w for this byte (any non-ASCII byte counts as a word char). */
static int
is_word(unsigned char c)
{
    return c >= 0x80 || isalnum(c) || c == '_';
}

/* ^[a-zA-Z0-9][\w\-]{0,max-1}$ */
static int
id_matches(const char *id, size_t max)
{
    size_t n = strlen(id);
    if (n == 0 || n > max || !isalnum((unsigned char)id[0])) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_word((unsigned char)id[i]) && id[i] != '-') {
            return 0;
        }
    }
    return 1;
}

static int
check_run_id(const char *run_id, mlc_err *err)
{
    if (run_id != NULL && id_matches(run_id, 256)) {
        return 0;
    }
    membuf mb = {0};
    mb_puts(&mb, "Invalid value ");
    mb_json_str(&mb, run_id == NULL ? "" : run_id);
    mb_puts(&mb, " for parameter 'run_id' supplied.");
    if (mb.oom) {
        free(mb.buf);
        return nomem(err);
    }
    mlc_err_set(err, MLC_ST_INVALID, 0, "%s", mb.buf);
    free(mb.buf);
    return -1;
}

static int
check_experiment_id(const char *id, mlc_err *err)
{
    if (id != NULL && id_matches(id, 64)) {
        return 0;
    }
    return mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid experiment ID: '%s'",
                       id == NULL ? "None" : id);
}

/* 1 when name can be used as one directory entry (no '/', not "", "." or ".."). */
static int
safe_component(const char *name)
{
    return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* pathlib.Path(path).as_uri() for an absolute path: "file://" + percent-quoted path. */
static char *
path_to_file_uri(const char *path)
{
    membuf mb = {0};
    mb_puts(&mb, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || *p == '_' || *p == '.' || *p == '-' || *p == '~' || *p == '/') {
            mb_putn(&mb, (const char *)p, 1);
        }
        else {
            mb_printf(&mb, "%%%02X", *p);
        }
    }
    if (mb.oom) {
        free(mb.buf);
        return NULL;
    }
    return mb.buf;
}

/* Length of the URI scheme of s (urllib.parse rules), including the ':'; 0 when none. */
static size_t
uri_scheme_len(const char *s)
{
    if (!isalpha((unsigned char)s[0])) {
        return 0;
    }
    size_t i = 1;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.') {
        i++;
    }
    return s[i] == ':' ? i + 1 : 0;
}

/* posixpath.join(a, b) with b's leading slashes removed (MLflow's
 * _join_posixpaths_and_append_absolute_suffixes). */
static void
mb_join_posix(membuf *mb, const char *a, const char *b)
{
    while (*b == '/') {
        b++;
    }
    mb_puts(mb, a);
    if (*a != '\0' && a[strlen(a) - 1] != '/' && *b != '\0') {
        mb_puts(mb, "/");
    }
    mb_puts(mb, b);
}

static int
uses_netloc(const char *scheme)
{
    static const char *const list[] = {
        "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https",
        "shttp", "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh",
        "sftp", "nfs", "git", "git+ssh", "ws", "wss", "itms-services", NULL};
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], scheme) == 0) {
            return 1;
        }
    }
    return 0;
}

/* MLflow's append_to_uri_path(uri, suffix): suffix joined to the path component of uri.
 * Returns a malloc'ed string or NULL on ENOMEM. */
static char *
uri_append(const char *uri, const char *suffix)
{
    membuf mb = {0};
    size_t sl = uri_scheme_len(uri);
    if (sl == 0) {
        mb_join_posix(&mb, uri, suffix);
        goto exit;
    }
    char scheme[64];
    size_t k = sl - 1 < sizeof scheme - 1 ? sl - 1 : sizeof scheme - 1;
    for (size_t i = 0; i < k; i++) {
        scheme[i] = (char)tolower((unsigned char)uri[i]);
    }
    scheme[k] = '\0';
    const char *rest = uri + sl;
    const char *netloc = NULL;
    size_t netloc_len = 0;
    if (strncmp(rest, "//", 2) == 0) {
        netloc = rest + 2;
        netloc_len = strcspn(netloc, "/?#");
        rest = netloc + netloc_len;
    }
    size_t path_len = strcspn(rest, "?#");
    const char *tail = rest + path_len; /* "?query#frag" kept verbatim */
    char *path = strndup(rest, path_len);
    if (path == NULL) {
        return NULL;
    }
    membuf np = {0};
    mb_join_posix(&np, path, suffix);
    int relative = path[0] != '/';
    free(path);
    if (np.oom) {
        free(np.buf);
        return NULL;
    }
    const char *newpath = np.buf ? np.buf : "";
    if (relative) {
        mb_puts(&mb, scheme);
        mb_puts(&mb, ":");
        if (netloc_len > 0) {
            mb_puts(&mb, "//");
            mb_putn(&mb, netloc, netloc_len);
            if (newpath[0] != '\0' && newpath[0] != '/') {
                mb_puts(&mb, "/");
            }
        }
        mb_puts(&mb, newpath);
    }
    else {
        mb_puts(&mb, scheme);
        mb_puts(&mb, ":");
        if (netloc_len > 0 || (uses_netloc(scheme) && strncmp(newpath, "//", 2) != 0)) {
            mb_puts(&mb, "//");
            mb_putn(&mb, netloc ? netloc : "", netloc_len);
        }
        mb_puts(&mb, newpath);
    }
    mb_puts(&mb, tail);
    free(np.buf);
exit:
    if (mb.oom) {
        free(mb.buf);
        return NULL;
    }
    return mb.buf ? mb.buf : strdup("");
}

/* Appends cwd.joinpath(rel).as_posix() (pathlib drops empty and "." parts). */
static int
mb_cwd_join(membuf *mb, const char *rel)
{
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) {
        return -1;
    }
    mb_puts(mb, cwd);
    char *copy = strdup(rel);
    if (copy == NULL) {
        mb->oom = 1;
        return 0;
    }
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0) {
            continue;
        }
        if (mb->len == 0 || mb->buf[mb->len - 1] != '/') {
            mb_puts(mb, "/");
        }
        mb_puts(mb, c);
    }
    free(copy);
    return 0;
}

/* MLflow's resolve_uri_if_local: a relative local path (or relative file: URI) becomes
 * absolute against the working directory; anything else is returned unchanged. */
static char *
resolve_uri_if_local(const char *uri, mlc_err *err)
{
    size_t sl = uri_scheme_len(uri);
    membuf mb = {0};
    if (sl == 0) {
        if (uri[0] == '/') {
            char *d = strdup(uri);
            if (d == NULL) {
                nomem(err);
            }
            return d;
        }
        if (mb_cwd_join(&mb, uri) < 0) {
            io_err(err, errno, "get the working directory for", uri);
            free(mb.buf);
            return NULL;
        }
    }
    else if (sl == 5 && strncasecmp(uri, "file:", 5) == 0) {
        int is_uri = 0;
        char *local = mlc_fs_local_path(uri, &is_uri);
        if (local == NULL) {
            nomem(err);
            return NULL;
        }
        const char *rest = uri + 5;
        if (local[0] == '/' || (strncmp(rest, "//", 2) == 0 && strncmp(rest, "///", 3) != 0 &&
                                strncmp(rest, "//localhost/", 12) != 0)) {
            free(local);
            char *d = strdup(uri);
            if (d == NULL) {
                nomem(err);
            }
            return d;
        }
        mb_puts(&mb, "file://");
        if (mb_cwd_join(&mb, local) < 0) {
            int e = errno;
            free(local);
            free(mb.buf);
            io_err(err, e, "get the working directory for", uri);
            return NULL;
        }
        free(local);
        size_t q = strcspn(rest, "?#");
        mb_puts(&mb, rest + q);
    }
    else {
        char *d = strdup(uri);
        if (d == NULL) {
            nomem(err);
        }
        return d;
    }
    if (mb.oom) {
        free(mb.buf);
        nomem(err);
        return NULL;
    }
    return mb.buf;
}

/* =========================================================================================
 * YAML: PyYAML's implicit resolution, the CSafeDumper event stream, and a flat reader
 * ========================================================================================= */

/* POSIX ERE spellings of PyYAML's implicit resolver patterns (re.X whitespace removed), and
 * the first characters each resolver is registered for. */
static const struct {
    const char *first;
    const char *pattern;
} resolvers[R_COUNT] = {
    [R_BOOL] = {"yYnNtTfFoO",
                "^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"},
    [R_FLOAT] = {"-+0123456789.",
                 "^([-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?"
                 "|\\.[0-9][0-9_]*([eE][-+][0-9]+)?"
                 "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*"
                 "|[-+]?\\.(inf|Inf|INF)"
                 "|\\.(nan|NaN|NAN))$"},
    [R_INT] = {"-+0123456789",
               "^([-+]?0b[0-1_]+"
               "|[-+]?0[0-7_]+"
               "|[-+]?(0|[1-9][0-9_]*)"
               "|[-+]?0x[0-9a-fA-F_]+"
               "|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)$"},
    [R_MERGE] = {"<", "^(<<)$"},
    [R_NULL] = {"~nN", "^(~|null|Null|NULL|)$"},
    [R_TIMESTAMP] = {"0123456789",
                     "^([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
                     "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
                     "([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](\\.[0-9]*)?"
                     "([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?)$"},
    [R_VALUE] = {"=", "^(=)$"},
};

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_INT "tag:yaml.org,2002:int"
#define TAG_NULL "tag:yaml.org,2002:null"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_SEQ "tag:yaml.org,2002:seq"

/* Python's re '$' also matches before one trailing newline. */
static int
re_match_py(const regex_t *re, const char *v, size_t n)
{
    if (regexec(re, v, 0, NULL, 0) == 0) {
        return 1;
    }
    if (n > 0 && v[n - 1] == '\n') {
        char *t = strndup(v, n - 1);
        if (t == NULL) {
            return -1;
        }
        int m = regexec(re, t, 0, NULL, 0) == 0;
        free(t);
        return m;
    }
    return 0;
}

/* The resolver PyYAML picks for v as a plain scalar (R_*), -1 for str, -2 on ENOMEM. */
static int
yaml_resolve_plain(const fs_store *st, const char *v)
{
    size_t n = strlen(v);
    for (int r = 0; r < R_COUNT; r++) {
        if (n == 0 ? r != R_NULL : strchr(resolvers[r].first, v[0]) == NULL) {
            continue;
        }
        int m = re_match_py(&st->re[r], v, n);
        if (m < 0) {
            return -2;
        }
        if (m) {
            return r;
        }
    }
    return -1;
}

/* What a mapping value is, for the emitter. */
enum { YI_STR, YI_INT, YI_NULL, YI_SEQ0, YI_MAP };

typedef struct {
    const char *key;
    int kind;
    const char *s;         /* YI_STR */
    int64_t i;             /* YI_INT */
    const mlc_kvlist *map; /* YI_MAP: str -> str (NULL value = null) */
} yitem;

static yitem
yi_str(const char *key, const char *s)
{
    yitem it = {key, s == NULL ? YI_NULL : YI_STR, s, 0, NULL};
    return it;
}

static yitem
yi_int(const char *key, int64_t i)
{
    yitem it = {key, YI_INT, NULL, i, NULL};
    return it;
}

/* An int, or null for MLC_NO_TIME. */
static yitem
yi_time(const char *key, int64_t t)
{
    yitem it = {key, t == MLC_NO_TIME ? YI_NULL : YI_INT, NULL, t, NULL};
    return it;
}

static int
cmp_yitem(const void *a, const void *b)
{
    return strcmp(((const yitem *)a)->key, ((const yitem *)b)->key);
}

static int
cmp_kv_ptr(const void *a, const void *b)
{
    return strcmp((*(mlc_kv *const *)a)->key, (*(mlc_kv *const *)b)->key);
}

static int
membuf_write_handler(void *data, unsigned char *buffer, size_t size)
{
    membuf *mb = data;
    mb_putn(mb, (const char *)buffer, size);
    return mb->oom ? 0 : 1;
}

/* Emits one scalar. kind: YI_STR / YI_INT / YI_NULL. 0 or -1 (err filled). */
static int
emit_scalar(const fs_store *st, yaml_emitter_t *em, int kind, const char *text, mlc_err *err)
{
    yaml_event_t ev;
    const char *tag = TAG_STR;
    int plain_implicit = 1, quoted_implicit = 1;
    if (kind == YI_STR) {
        int r = yaml_resolve_plain(st, text);
        if (r == -2) {
            return nomem(err);
        }
        plain_implicit = r == -1;
    }
    else {
        tag = kind == YI_INT ? TAG_INT : TAG_NULL;
        quoted_implicit = 0;
    }
    if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)text,
                                      (int)strlen(text), plain_implicit, quoted_implicit,
                                      YAML_ANY_SCALAR_STYLE)) {
        /* libyaml refuses invalid UTF-8 here (or ran out of memory) */
        return mlc_err_set(err, MLC_ST_INVALID, EINVAL,
                           "Cannot write a YAML value that is not valid UTF-8");
    }
    if (!yaml_emitter_emit(em, &ev)) {
        return mlc_err_set(err, em->error == YAML_MEMORY_ERROR ? MLC_ST_NOMEM : MLC_ST_INVALID,
                           0, "YAML emitter error: %s",
                           em->problem ? em->problem : "unknown");
    }
    return 0;
}

/* Emits a non-scalar event (already initialised, or init_ok == 0 for an init failure). */
static int
emit_event(yaml_emitter_t *em, yaml_event_t *ev, int init_ok, mlc_err *err)
{
    if (!init_ok) {
        return nomem(err);
    }
    if (!yaml_emitter_emit(em, ev)) {
        return mlc_err_set(err, em->error == YAML_MEMORY_ERROR ? MLC_ST_NOMEM : MLC_ST_INVALID,
                           0, "YAML emitter error: %s",
                           em->problem ? em->problem : "unknown");
    }
    return 0;
}

/* yaml.dump(dict, default_flow_style=False, allow_unicode=True, sort_keys=True,
 * Dumper=CSafeDumper) of the given items into *out (malloc'ed, NUL-terminated). The items
 * array is sorted in place. 0 or -1 with err. */
static int
yaml_dump(const fs_store *st, yitem *items, size_t n, char **out, size_t *out_len,
          mlc_err *err)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    membuf mb = {0};
    mlc_kv **kvs = NULL;
    int rc = -1;
    char num[32];

    *out = NULL;
    memset(&em, 0, sizeof em);
    if (!yaml_emitter_initialize(&em)) {
        return nomem(err);
    }
    yaml_emitter_set_output(&em, membuf_write_handler, &mb);
    yaml_emitter_set_unicode(&em, 1);
    if (n > 1) {
        qsort(items, n, sizeof *items, cmp_yitem);
    }

    if (emit_event(&em, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING),
                   err) < 0 ||
        emit_event(&em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1),
                   err) < 0 ||
        emit_event(&em, &ev,
                   yaml_mapping_start_event_initialize(&ev, NULL, (yaml_char_t *)TAG_MAP, 1,
                                                       YAML_BLOCK_MAPPING_STYLE),
                   err) < 0) {
        goto exit;
    }
    for (size_t i = 0; i < n; i++) {
        const yitem *it = &items[i];
        if (emit_scalar(st, &em, YI_STR, it->key, err) < 0) {
            goto exit;
        }
        switch (it->kind) {
        case YI_STR:
            if (emit_scalar(st, &em, YI_STR, it->s, err) < 0) {
                goto exit;
            }
            break;
        case YI_INT:
            snprintf(num, sizeof num, "%lld", (long long)it->i);
            if (emit_scalar(st, &em, YI_INT, num, err) < 0) {
                goto exit;
            }
            break;
        case YI_NULL:
            if (emit_scalar(st, &em, YI_NULL, "null", err) < 0) {
                goto exit;
            }
            break;
        case YI_SEQ0:
            if (emit_event(&em, &ev,
                           yaml_sequence_start_event_initialize(&ev, NULL,
                                                                (yaml_char_t *)TAG_SEQ, 1,
                                                                YAML_BLOCK_SEQUENCE_STYLE),
                           err) < 0 ||
                emit_event(&em, &ev, yaml_sequence_end_event_initialize(&ev), err) < 0) {
                goto exit;
            }
            break;
        case YI_MAP: {
            size_t m = it->map ? it->map->n : 0;
            free(kvs);
            kvs = malloc((m ? m : 1) * sizeof *kvs);
            if (kvs == NULL) {
                nomem(err);
                goto exit;
            }
            for (size_t j = 0; j < m; j++) {
                kvs[j] = &it->map->items[j];
            }
            if (m > 1) {
                qsort(kvs, m, sizeof *kvs, cmp_kv_ptr);
            }
            if (emit_event(&em, &ev,
                           yaml_mapping_start_event_initialize(&ev, NULL,
                                                               (yaml_char_t *)TAG_MAP, 1,
                                                               YAML_BLOCK_MAPPING_STYLE),
                           err) < 0) {
                goto exit;
            }
            for (size_t j = 0; j < m; j++) {
                if (emit_scalar(st, &em, YI_STR, kvs[j]->key, err) < 0 ||
                    emit_scalar(st, &em, kvs[j]->value ? YI_STR : YI_NULL,
                                kvs[j]->value ? kvs[j]->value : "null", err) < 0) {
                    goto exit;
                }
            }
            if (emit_event(&em, &ev, yaml_mapping_end_event_initialize(&ev), err) < 0) {
                goto exit;
            }
            break;
        }
        default:
            break;
        }
    }
    if (emit_event(&em, &ev, yaml_mapping_end_event_initialize(&ev), err) < 0 ||
        emit_event(&em, &ev, yaml_document_end_event_initialize(&ev, 1), err) < 0 ||
        emit_event(&em, &ev, yaml_stream_end_event_initialize(&ev), err) < 0) {
        goto exit;
    }
    if (!yaml_emitter_flush(&em) || mb.oom) {
        nomem(err);
        goto exit;
    }
    *out = mb.buf;
    *out_len = mb.len;
    mb.buf = NULL;
    rc = 0;
exit:
    free(kvs);
    free(mb.buf);
    yaml_emitter_delete(&em);
    return rc;
}

/* ---- reading: a top-level mapping with scalar values (nested nodes are skipped) */
enum { YV_NULL, YV_STR, YV_INT, YV_OTHER, YV_NODE };

typedef struct {
    char *key;
    int kind;
    char *val; /* raw text of scalars; NULL for YV_NODE */
} yent;

typedef struct {
    yent *e;
    size_t n, cap;
} ymeta;

static void
ymeta_clear(ymeta *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].key);
        free(m->e[i].val);
    }
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* Kind of a parsed scalar event, as PyYAML's safe loader would construct it. */
static int
scalar_kind(const fs_store *st, const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *v = (const char *)ev->data.scalar.value;
    if (tag != NULL && strcmp(tag, "!") != 0) {
        if (strcmp(tag, TAG_STR) == 0) {
            return YV_STR;
        }
        if (strcmp(tag, TAG_INT) == 0) {
            return YV_INT;
        }
        if (strcmp(tag, TAG_NULL) == 0) {
            return YV_NULL;
        }
        return YV_OTHER;
    }
    if (tag != NULL || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return YV_STR;
    }
    switch (yaml_resolve_plain(st, v)) {
    case -1:
        return YV_STR;
    case R_NULL:
        return YV_NULL;
    case R_INT:
        return YV_INT;
    default:
        return YV_OTHER;
    }
}

/* Parses data as a YAML document holding a mapping. *empty = 1 when the document is empty or
 * null (yaml.load gives None). 0 or -1 with err (MLC_ST_INVALID naming path when malformed). */
static int
ymeta_parse(const fs_store *st, const char *data, size_t len, const char *path, ymeta *m,
            int *empty, mlc_err *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int have_ev = 0, rc = -1;
    int state = 0; /* 0: before the root node, 1: expecting key, 2: expecting value, 3: done */
    char *key = NULL;

    *empty = 0;
    memset(&parser, 0, sizeof parser);
    if (!yaml_parser_initialize(&parser)) {
        return nomem(err);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                nomem(err);
            }
            else {
                mlc_err_set(err, MLC_ST_INVALID, 0, "Malformed YAML in '%s': %s (line %zu)",
                            path, parser.problem ? parser.problem : "parse error",
                            parser.problem_mark.line + 1);
            }
            goto exit;
        }
        have_ev = 1;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            if (state == 0) {
                *empty = 1;
            }
            break;
        }
        if (state == 0) {
            if (t == YAML_SCALAR_EVENT) {
                if (scalar_kind(st, &ev) == YV_NULL) {
                    *empty = 1;
                    break;
                }
                mlc_err_set(err, MLC_ST_INVALID, 0, "Malformed meta data in '%s'", path);
                goto exit;
            }
            if (t == YAML_MAPPING_START_EVENT) {
                state = 1;
            }
            else if (t == YAML_SEQUENCE_START_EVENT || t == YAML_ALIAS_EVENT) {
                mlc_err_set(err, MLC_ST_INVALID, 0, "Malformed meta data in '%s'", path);
                goto exit;
            }
        }
        else if (state == 1) {
            if (t == YAML_MAPPING_END_EVENT) {
                state = 3;
                break;
            }
            if (t != YAML_SCALAR_EVENT) {
                mlc_err_set(err, MLC_ST_INVALID, 0, "Unsupported mapping key in '%s'", path);
                goto exit;
            }
            key = strdup((const char *)ev.data.scalar.value);
            if (key == NULL) {
                nomem(err);
                goto exit;
            }
            state = 2;
        }
        else if (state == 2) {
            yent e = {key, YV_NODE, NULL};
            if (t == YAML_SCALAR_EVENT) {
                e.kind = scalar_kind(st, &ev);
                e.val = strdup((const char *)ev.data.scalar.value);
                if (e.val == NULL) {
                    nomem(err);
                    goto exit;
                }
            }
            else if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
                int depth = 1;
                while (depth > 0) {
                    yaml_event_delete(&ev);
                    have_ev = 0;
                    if (!yaml_parser_parse(&parser, &ev)) {
                        mlc_err_set(err, MLC_ST_INVALID, 0, "Malformed YAML in '%s': %s", path,
                                    parser.problem ? parser.problem : "parse error");
                        goto exit;
                    }
                    have_ev = 1;
                    if (ev.type == YAML_MAPPING_START_EVENT ||
                        ev.type == YAML_SEQUENCE_START_EVENT) {
                        depth++;
                    }
                    else if (ev.type == YAML_MAPPING_END_EVENT ||
                             ev.type == YAML_SEQUENCE_END_EVENT) {
                        depth--;
                    }
                    else if (ev.type == YAML_STREAM_END_EVENT) {
                        mlc_err_set(err, MLC_ST_INVALID, 0, "Truncated YAML in '%s'", path);
                        goto exit;
                    }
                }
            }
            if (m->n == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 16;
                yent *ne = realloc(m->e, cap * sizeof *ne);
                if (ne == NULL) {
                    free(e.val);
                    nomem(err);
                    goto exit;
                }
                m->e = ne;
                m->cap = cap;
            }
            m->e[m->n++] = e;
            key = NULL;
            state = 1;
        }
        yaml_event_delete(&ev);
        have_ev = 0;
    }
    rc = 0;
exit:
    if (have_ev) {
        yaml_event_delete(&ev);
    }
    free(key);
    yaml_parser_delete(&parser);
    return rc;
}

/* The last entry for key (PyYAML keeps the last duplicate), or NULL. */
static const yent *
ym_get(const ymeta *m, const char *key)
{
    for (size_t i = m->n; i > 0; i--) {
        if (strcmp(m->e[i - 1].key, key) == 0) {
            return &m->e[i - 1];
        }
    }
    return NULL;
}

/* Value of a YAML int literal (0b/0x/0 octal/sexagesimal/underscores) in *out. 0 or -1. */
static int
yaml_int_value(const char *raw, long long *out)
{
    char buf[128];
    size_t o = 0;
    for (const char *p = raw; *p && o < sizeof buf - 1; p++) {
        if (*p != '_') {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    const char *p = buf;
    int neg = 0;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    long long v = 0;
    char *end = NULL;
    errno = 0;
    if (strcmp(p, "0") == 0) {
        v = 0;
    }
    else if (strncmp(p, "0b", 2) == 0) {
        v = strtoll(p + 2, &end, 2);
    }
    else if (strncmp(p, "0x", 2) == 0) {
        v = strtoll(p + 2, &end, 16);
    }
    else if (p[0] == '0') {
        v = strtoll(p + 1, &end, 8);
    }
    else if (strchr(p, ':') != NULL) {
        char *save = NULL;
        for (char *part = strtok_r((char *)p, ":", &save); part != NULL;
             part = strtok_r(NULL, ":", &save)) {
            v = v * 60 + strtoll(part, NULL, 10);
        }
    }
    else {
        v = strtoll(p, &end, 10);
    }
    if (errno != 0 || (end != NULL && *end != '\0')) {
        return -1;
    }
    *out = neg ? -v : v;
    return 0;
}

/* Integer value of key: YAML ints, and strings of decimal digits. 1 found, 0 otherwise. */
static int
ym_int(const ymeta *m, const char *key, long long *out)
{
    const yent *e = ym_get(m, key);
    if (e == NULL || e->val == NULL) {
        return 0;
    }
    if (e->kind == YV_INT) {
        return yaml_int_value(e->val, out) == 0;
    }
    if (e->kind == YV_STR && e->val[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(e->val, &end, 10);
        if (errno == 0 && *end == '\0') {
            *out = v;
            return 1;
        }
    }
    return 0;
}

/* Time value of key, MLC_NO_TIME when absent, null or not an integer. */
static int64_t
ym_time(const ymeta *m, const char *key)
{
    long long v;
    return ym_int(m, key, &v) ? (int64_t)v : MLC_NO_TIME;
}

/* String value of key into *out (malloc'ed; NULL when absent or null; ints as str(int)).
 * 0 or -1 with err. */
static int
ym_str(const ymeta *m, const char *key, char **out, mlc_err *err)
{
    const yent *e = ym_get(m, key);
    free(*out);
    *out = NULL;
    if (e == NULL || e->kind == YV_NULL || e->kind == YV_NODE) {
        return 0;
    }
    long long v;
    if (e->kind == YV_INT && yaml_int_value(e->val, &v) == 0) {
        *out = fmt("%lld", v);
    }
    else {
        *out = strdup(e->val);
    }
    return *out == NULL ? nomem(err) : 0;
}

/* =========================================================================================
 * Files: atomic writes, appends, reads and directory walks
 * ========================================================================================= */

static int
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Creates the parent directories of path. 0 or -1 with err. */
static int
make_parents(const char *path, mlc_err *err)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path) {
        return 0;
    }
    char *dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        return nomem(err);
    }
    int rc = 0;
    if (mlc_fs_makedirs(dir) < 0) {
        rc = io_err(err, errno, "create directory", dir);
    }
    free(dir);
    return rc;
}

/* Writes data to path atomically: a temp file ".mlc-tmp-<hex>" created in tmpdir (a
 * directory of the same entity, on the same file system, where MLflow's readers never look
 * for files), then renamed over path. Creates path's parent directories. The
 * temp file gets the mode a plain open() gives (0666 & ~umask). 0 or -1 with err. */
static int
put_file(const char *tmpdir, const char *path, const char *data, size_t len, mlc_err *err)
{
    char hex[33];
    char *tmp = NULL;
    int fd = -1, rc = -1;

    if (make_parents(path, err) < 0) {
        return -1;
    }
    for (int attempt = 0; attempt < 8 && fd < 0; attempt++) {
        if (mlc_uuid4_hex(hex) < 0) {
            return io_err(err, errno, "get random bytes for", path);
        }
        free(tmp);
        tmp = fmt("%s/.mlc-tmp-%s", tmpdir, hex);
        if (tmp == NULL) {
            return nomem(err);
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) {
            io_err(err, errno, "create", tmp);
            goto exit;
        }
    }
    if (fd < 0) {
        io_err(err, EEXIST, "create", tmp);
        goto exit;
    }
    /* no fsync: the rename makes the file appear whole or not at all for every reader and
     * across a crash of this process (MLflow writes these files in place, without one) */
    if (write_all(fd, data, len) < 0) {
        io_err(err, errno, "write", tmp);
        close(fd);
        unlink(tmp);
        goto exit;
    }
    if (close(fd) < 0) {
        io_err(err, errno, "write", tmp);
        unlink(tmp);
        goto exit;
    }
    if (rename(tmp, path) < 0) {
        io_err(err, errno, "write", path);
        unlink(tmp);
        goto exit;
    }
    rc = 0;
exit:
    free(tmp);
    return rc;
}

/* put_file of a NUL-terminated value (NULL writes an empty file, as MLflow does for None). */
static int
put_value(const char *tmpdir, const char *path, const char *value, mlc_err *err)
{
    return put_file(tmpdir, path, value ? value : "", value ? strlen(value) : 0, err);
}

/* Writes a meta.yaml (dir/meta.yaml) atomically from items. */
static int
put_meta(const fs_store *st, const char *dir, yitem *items, size_t n, mlc_err *err)
{
    char *text = NULL, *path = NULL;
    size_t len = 0;
    int rc = -1;
    if (yaml_dump(st, items, n, &text, &len, err) < 0) {
        return -1;
    }
    path = mlc_fs_join(dir, "meta.yaml");
    if (path == NULL) {
        nomem(err);
        goto exit;
    }
    rc = put_file(dir, path, text, len, err);
exit:
    free(text);
    free(path);
    return rc;
}

/* Writes line to fd (open for appending to path) with one write() and closes it. 0 or -1. */
static int
append_and_close(int fd, const char *path, const char *line, size_t len, mlc_err *err)
{
    if (write_all(fd, line, len) < 0) {
        int e = errno;
        close(fd);
        return io_err(err, e, "append to", path);
    }
    if (close(fd) < 0) {
        return io_err(err, errno, "append to", path);
    }
    return 0;
}

/* Appends line to path with one write() on an O_APPEND descriptor (creating the file and
 * its directories), so concurrent appenders never interleave within a line. An existing file
 * (the common case: a metric logged again) costs open, write and close. */
static int
append_line(const char *tmpdir, const char *path, const char *line, size_t len, mlc_err *err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if (make_parents(path, err) < 0) {
            return -1;
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0 && errno == ENOENT) {
        /* A new metric file appears with its first line already in it (a temp file linked into
         * place), so a writer killed at any moment never leaves an empty file, which MLflow's
         * reader rejects. If another writer created it meanwhile, append as usual. */
        char hex[33];
        char *tmp = NULL;
        if (mlc_uuid4_hex(hex) < 0) {
            return io_err(err, errno, "get random bytes for", path);
        }
        tmp = fmt("%s/.mlc-tmp-%s", tmpdir, hex);
        if (tmp == NULL) {
            return nomem(err);
        }
        int tfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (tfd < 0) {
            int e = errno;
            free(tmp);
            return io_err(err, e, "create", path);
        }
        int wrc = write_all(tfd, line, len);
        int e = errno;
        if (close(tfd) < 0 && wrc == 0) {
            wrc = -1;
            e = errno;
        }
        int linked = wrc == 0 ? link(tmp, path) : -1;
        if (wrc == 0 && linked < 0) {
            e = errno;
        }
        unlink(tmp);
        free(tmp);
        if (linked == 0) {
            return 0;
        }
        if (wrc < 0 || e != EEXIST) {
            return io_err(err, e, "create", path);
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0) {
        return io_err(err, errno, "open", path);
    }
    return append_and_close(fd, path, line, len, err);
}

/* Reads dir/meta.yaml into m. Returns 0, 1 when it is missing or empty (MLflow's
 * MissingConfigException: err filled, callers that list entities skip these), or -1. */
static int
read_meta(const fs_store *st, const char *dir, ymeta *m, mlc_err *err)
{
    char *path = mlc_fs_join(dir, "meta.yaml");
    char *data = NULL;
    size_t len = 0;
    int rc = -1, empty = 0;
    if (path == NULL) {
        return nomem(err);
    }
    if (mlc_fs_read(path, &data, &len) < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR) {
            mlc_err_set(err, MLC_ST_IO, e, "Yaml file '%s' does not exist.", path);
            rc = 1;
        }
        else {
            io_err(err, e, "read", path);
        }
        goto exit;
    }
    if (ymeta_parse(st, data, len, path, m, &empty, err) < 0) {
        goto exit;
    }
    if (empty) {
        mlc_err_set(err, MLC_ST_IO, 0, "Yaml file '%s' is empty.", path);
        rc = 1;
        goto exit;
    }
    rc = 0;
exit:
    free(data);
    free(path);
    return rc;
}

/* 1 when path is a directory (following links), 0 when not, -1 with err. */
static int
is_dir(const char *path, mlc_err *err)
{
    int r = mlc_fs_isdir(path);
    if (r < 0) {
        return io_err(err, errno, "stat", path);
    }
    return r;
}

/* 1 when path exists, 0 when not, -1 with err. */
static int
path_exists(const char *path, mlc_err *err)
{
    struct stat stt;
    if (stat(path, &stt) == 0) {
        return 1;
    }
    if (errno == ENOENT || errno == ENOTDIR) {
        return 0;
    }
    return io_err(err, errno, "stat", path);
}

/* Type of a directory entry: 1 directory, 2 regular file, 0 other/vanished, -1 error. */
static int
entry_type(const char *dir, const struct dirent *e)
{
    if (e->d_type == DT_DIR) {
        return 1;
    }
    if (e->d_type == DT_REG) {
        return 2;
    }
    if (e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) {
        return 0;
    }
    char *p = mlc_fs_join(dir, e->d_name);
    if (p == NULL) {
        return -1;
    }
    struct stat stt;
    int r = stat(p, &stt);
    free(p);
    if (r < 0) {
        return 0;
    }
    return S_ISDIR(stt.st_mode) ? 1 : S_ISREG(stt.st_mode) ? 2 : 0;
}

/* Names of the sub-directories of dir (missing dir: empty when missing_ok, else error). */
static int
list_subdirs(const char *dir, int missing_ok, strvec *out, mlc_err *err)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (missing_ok && (errno == ENOENT || errno == ENOTDIR)) {
            return 0;
        }
        return io_err(err, errno, "list", dir);
    }
    int rc = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        int t = entry_type(dir, e);
        if (t < 0 || (t == 1 && strvec_add(out, e->d_name) < 0)) {
            rc = nomem(err);
            break;
        }
        errno = 0;
    }
    if (rc == 0 && errno != 0) {
        rc = io_err(err, errno, "list", dir);
    }
    closedir(d);
    return rc;
}

/* Relative paths of every regular file below base/rel (os.walk), appended to out. A
 * missing base is empty. */
static int
walk_files(const char *base, const char *rel, strvec *out, mlc_err *err)
{
    char *dir = rel ? mlc_fs_join(base, rel) : strdup(base);
    if (dir == NULL) {
        return nomem(err);
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        int e = errno;
        int rc = (rel == NULL && (e == ENOENT || e == ENOTDIR)) ? 0 : io_err(err, e, "list", dir);
        free(dir);
        return rc;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        int t = entry_type(dir, e);
        if (t < 0) {
            rc = nomem(err);
            break;
        }
        if (t == 0) {
            continue;
        }
        char *sub = rel ? mlc_fs_join(rel, e->d_name) : strdup(e->d_name);
        if (sub == NULL) {
            rc = nomem(err);
            break;
        }
        if (t == 1) {
            rc = walk_files(base, sub, out, err);
        }
        else if (strvec_add(out, sub) < 0) {
            rc = nomem(err);
        }
        free(sub);
    }
    closedir(d);
    free(dir);
    return rc;
}

/* Reads every file below dir as key (relative path) -> content into out. */
static int
load_kv_dir(const char *dir, mlc_kvlist *out, mlc_err *err)
{
    strvec names = {0};
    int rc = -1;
    if (walk_files(dir, NULL, &names, err) < 0) {
        goto exit;
    }
    strvec_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        char *p = mlc_fs_join(dir, names.v[i]);
        char *data = NULL;
        size_t len = 0;
        if (p == NULL) {
            nomem(err);
            goto exit;
        }
        if (mlc_fs_read(p, &data, &len) < 0) {
            int e = errno;
            if (e == ENOENT) { /* deleted meanwhile */
                free(p);
                continue;
            }
            io_err(err, e, "read", p);
            free(p);
            goto exit;
        }
        free(p);
        int r = mlc_kvlist_add(out, names.v[i], data);
        free(data);
        if (r < 0) {
            nomem(err);
            goto exit;
        }
    }
    rc = 0;
exit:
    strvec_clear(&names);
    return rc;
}

/* Writes each (key, value) as dir/<key> (keys checked first). */
static int
put_kv_files(const char *tmpdir, const char *dir, const mlc_kv *items, size_t n,
             const char *what, mlc_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (check_key(items[i].key, what, err) < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char *p = mlc_fs_join(dir, items[i].key);
        if (p == NULL) {
            return nomem(err);
        }
        int rc = put_value(tmpdir, p, items[i].value, err);
        free(p);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* Reads one value file: 1 and *out (malloc'ed) when present, 0 when missing, -1 on error. */
static int
read_value(const char *path, char **out, mlc_err *err)
{
    size_t len = 0;
    *out = NULL;
    if (mlc_fs_read(path, out, &len) < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return 0;
        }
        return io_err(err, errno, "read", path);
    }
    return 1;
}

/* =========================================================================================
 * Experiments
 * ========================================================================================= */

/* 1 when a root-level directory name is an active experiment candidate (MLflow skips names
 * ending with ".trash" and the registry folder "models"). */
static int
active_experiment_name(const char *name)
{
    size_t n = strlen(name);
    return !(n >= 6 && strcmp(name + n - 6, ".trash") == 0) && strcmp(name, "models") != 0;
}

/* Finds experiment id's directory: <root>/<id> when view includes active, then
 * <root>/.trash/<id> when it includes deleted. 1 found (*dir malloc'ed), 0 not, -1 err. */
static int
find_experiment_dir(const fs_store *st, const char *id, int view, char **dir, mlc_err *err)
{
    *dir = NULL;
    if (!safe_component(id)) {
        return 0;
    }
    const char *parents[2] = {NULL, NULL};
    if (view & MLC_VIEW_ACTIVE) {
        parents[0] = active_experiment_name(id) ? st->root : NULL;
    }
    if (view & MLC_VIEW_DELETED) {
        parents[1] = st->trash;
    }
    for (int i = 0; i < 2; i++) {
        if (parents[i] == NULL) {
            continue;
        }
        char *d = mlc_fs_join(parents[i], id);
        if (d == NULL) {
            return nomem(err);
        }
        int r = is_dir(d, err);
        if (r == 1) {
            *dir = d;
            return 1;
        }
        free(d);
        if (r < 0) {
            return -1;
        }
    }
    return 0;
}

/* Fields of an experiment meta.yaml that the record does not carry but rewrites keep. */
typedef struct {
    char *retention; /* effective_trace_archival_retention */
    char *workspace;
} exp_extra;

static void
exp_extra_clear(exp_extra *x)
{
    free(x->retention);
    free(x->workspace);
    memset(x, 0, sizeof *x);
}

/* Reads the experiment in dir (whose directory name is id) with its tags.
 * 0 ok, 1 missing/empty meta (err set), 2 recorded id differs from id, -1 error. */
static int
read_experiment(const fs_store *st, const char *id, const char *dir, mlc_experiment *out,
                exp_extra *extra, mlc_err *err)
{
    ymeta m = {0};
    char *tags_dir = NULL;
    int rc = read_meta(st, dir, &m, err);
    if (rc != 0) {
        return rc;
    }
    rc = -1;
    if (ym_str(&m, "experiment_id", &out->experiment_id, err) < 0 ||
        ym_str(&m, "name", &out->name, err) < 0 ||
        ym_str(&m, "artifact_location", &out->artifact_location, err) < 0 ||
        ym_str(&m, "lifecycle_stage", &out->lifecycle_stage, err) < 0) {
        goto exit;
    }
    if (out->lifecycle_stage == NULL && set_str(&out->lifecycle_stage, "active", err) < 0) {
        goto exit;
    }
    out->creation_time = ym_time(&m, "creation_time");
    out->last_update_time = ym_time(&m, "last_update_time");
    if (extra != NULL) {
        if (ym_str(&m, "effective_trace_archival_retention", &extra->retention, err) < 0 ||
            ym_str(&m, "workspace", &extra->workspace, err) < 0) {
            goto exit;
        }
    }
    if (out->experiment_id == NULL || strcmp(out->experiment_id, id) != 0) {
        rc = 2;
        goto exit;
    }
    tags_dir = mlc_fs_join(dir, "tags");
    if (tags_dir == NULL) {
        nomem(err);
        goto exit;
    }
    if (load_kv_dir(tags_dir, &out->tags, err) < 0) {
        goto exit;
    }
    rc = 0;
exit:
    free(tags_dir);
    ymeta_clear(&m);
    return rc;
}

/* Writes an experiment meta.yaml as MLflow's dict(Experiment) dump: tags only when
 * with_tags (delete/restore/rename dump them, creation does not). */
static int
write_experiment_meta(const fs_store *st, const char *dir, const mlc_experiment *e,
                      const exp_extra *extra, int with_tags, mlc_err *err)
{
    yitem items[10];
    size_t n = 0;
    yitem tags = {"tags", YI_MAP, NULL, 0, &e->tags};
    items[n++] = yi_str("artifact_location", e->artifact_location);
    items[n++] = yi_time("creation_time", e->creation_time);
    items[n++] = yi_str("effective_trace_archival_retention", extra ? extra->retention : NULL);
    items[n++] = yi_str("experiment_id", e->experiment_id);
    items[n++] = yi_time("last_update_time", e->last_update_time);
    items[n++] = yi_str("lifecycle_stage", e->lifecycle_stage);
    items[n++] = yi_str("name", e->name);
    if (with_tags) {
        items[n++] = tags;
    }
    items[n++] = yi_str("trace_location", NULL);
    items[n++] = yi_str("workspace",
                        extra && extra->workspace ? extra->workspace : "default");
    return put_meta(st, dir, items, n, err);
}

/* Experiment id order: numeric for decimal ids, else byte order. */
static int
cmp_experiment_ids(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int da = la > 0 && strspn(a, "0123456789") == la;
    int db = lb > 0 && strspn(b, "0123456789") == lb;
    if (da && db) {
        while (la > 1 && *a == '0') {
            a++;
            la--;
        }
        while (lb > 1 && *b == '0') {
            b++;
            lb--;
        }
        if (la != lb) {
            return la < lb ? -1 : 1;
        }
    }
    return strcmp(a, b);
}

static int
cmp_experiment(const void *a, const void *b)
{
    return cmp_experiment_ids(((const mlc_experiment *)a)->experiment_id,
                              ((const mlc_experiment *)b)->experiment_id);
}

/* Loads the experiment id (any lifecycle stage) with MLflow's get_experiment errors. */
static int
load_experiment(const fs_store *st, const char *id, mlc_experiment *out, exp_extra *extra,
                char **dir_out, mlc_err *err)
{
    char *dir = NULL;
    int rc;
    if (check_experiment_id(id, err) < 0) {
        return -1;
    }
    rc = find_experiment_dir(st, id, MLC_VIEW_ALL, &dir, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Could not find experiment with ID %s",
                           id);
    }
    rc = read_experiment(st, id, dir, out, extra, err);
    if (rc == 2) {
        mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Experiment '%s' does not exist.", id);
    }
    if (rc != 0) {
        free(dir);
        return -1;
    }
    if (dir_out != NULL) {
        *dir_out = dir;
    }
    else {
        free(dir);
    }
    return 0;
}

static int
fs_get_experiment(mlc_store *s, const char *experiment_id, mlc_experiment *out, mlc_err *err)
{
    return load_experiment(FS(s), experiment_id ? experiment_id : DEFAULT_EXPERIMENT_ID, out,
                           NULL, NULL, err);
}

static int
fs_list_experiments(mlc_store *s, int view, mlc_experiment **out, size_t *n, mlc_err *err)
{
    fs_store *st = FS(s);
    strvec names[2] = {{0}, {0}};
    mlc_experiment *arr = NULL;
    size_t cnt = 0, cap = 0;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if ((view & MLC_VIEW_ACTIVE) && list_subdirs(st->root, 0, &names[0], err) < 0) {
        goto exit;
    }
    if ((view & MLC_VIEW_DELETED) && list_subdirs(st->trash, 1, &names[1], err) < 0) {
        goto exit;
    }
    for (int w = 0; w < 2; w++) {
        for (size_t i = 0; i < names[w].n; i++) {
            const char *id = names[w].v[i];
            if ((w == 0 && !active_experiment_name(id)) || !id_matches(id, 64)) {
                continue;
            }
            char *dir = mlc_fs_join(w == 0 ? st->root : st->trash, id);
            if (dir == NULL) {
                nomem(err);
                goto exit;
            }
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 16;
                mlc_experiment *na = realloc(arr, nc * sizeof *na);
                if (na == NULL) {
                    free(dir);
                    nomem(err);
                    goto exit;
                }
                arr = na;
                cap = nc;
            }
            memset(&arr[cnt], 0, sizeof arr[cnt]);
            int r = read_experiment(st, id, dir, &arr[cnt], NULL, err);
            free(dir);
            if (r < 0) {
                mlc_experiment_clear(&arr[cnt]);
                goto exit;
            }
            if (r != 0) { /* malformed or mismatched: MLflow warns and skips */
                mlc_experiment_clear(&arr[cnt]);
                continue;
            }
            cnt++;
        }
    }
    if (cnt > 1) {
        qsort(arr, cnt, sizeof *arr, cmp_experiment);
    }
    *out = arr;
    *n = cnt;
    arr = NULL;
    cnt = 0;
    rc = 0;
exit:
    mlc_experiment_array_free(arr, cnt);
    strvec_clear(&names[0]);
    strvec_clear(&names[1]);
    return rc;
}

static int
fs_get_experiment_by_name(mlc_store *s, const char *name, mlc_experiment *out, int *found,
                          mlc_err *err)
{
    mlc_experiment *all = NULL;
    size_t n = 0;
    *found = 0;
    if (fs_list_experiments(s, MLC_VIEW_ALL, &all, &n, err) < 0) {
        return -1;
    }
    /* MLflow orders by creation_time DESC then experiment_id ASC and takes the first. */
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        if (all[i].name == NULL || strcmp(all[i].name, name) != 0) {
            continue;
        }
        if (best == n || all[i].creation_time > all[best].creation_time) {
            best = i;
        }
    }
    if (best < n) {
        *out = all[best];
        memset(&all[best], 0, sizeof all[best]);
        *found = 1;
    }
    mlc_experiment_array_free(all, n);
    return 0;
}

/* A new experiment id as MLflow's _generate_unique_integer_id makes it: the last 18 decimal
 * digits of a random 128-bit integer, each leading zero matched by one more random digit
 * appended, then read as an integer (so at least 18 digits, no leading zero). */
static char *
new_experiment_id(void)
{
    __extension__ typedef unsigned __int128 u128;
    char hex[33], hex2[33];
    if (mlc_uuid4_hex(hex) < 0 || mlc_uuid4_hex(hex2) < 0) {
        return NULL;
    }
    u128 v = 0;
    for (int i = 0; i < 32; i++) {
        char c = hex[i];
        v = v * 16 + (u128)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    const unsigned long long mod = 1000000000000000000ULL;
    unsigned long long low = (unsigned long long)(v % mod);
    char digits[64];
    snprintf(digits, sizeof digits, "%018llu", low);
    size_t len = 18, z = 0;
    while (z < len && digits[z] == '0') {
        z++;
    }
    for (size_t i = 0; i < z; i++) {
        char c = hex2[i % 32];
        int r = c <= '9' ? c - '0' : c - 'a' + 10;
        digits[len++] = (char)('0' + r % 10);
    }
    digits[len] = '\0';
    const char *p = digits;
    while (p[0] == '0' && p[1] != '\0') {
        p++;
    }
    return strdup(p);
}

static int
fs_create_experiment(mlc_store *s, const char *name, const char *artifact_location,
                     const mlc_kvlist *tags, char **out_id, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_experiment existing = {0}, e = {0};
    char *id = NULL, *dir = NULL, *tags_dir = NULL;
    int found = 0, rc = -1, made = 0;

    *out_id = NULL;
    if (name == NULL || name[0] == '\0') {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid experiment name: '%s'",
                           name ? name : "None");
    }
    for (size_t i = 0; tags && i < tags->n; i++) {
        if (check_key(tags->items[i].key, "key", err) < 0) {
            return -1;
        }
    }
    if (fs_get_experiment_by_name(s, name, &existing, &found, err) < 0) {
        return -1;
    }
    if (found) {
        if (existing.lifecycle_stage && strcmp(existing.lifecycle_stage, "deleted") == 0) {
            membuf mb = {0};
            mb_puts(&mb, "Experiment ");
            mb_repr_str(&mb, existing.name);
            mb_puts(&mb, " already exists in deleted state. You can restore the experiment, or "
                         "permanently delete the experiment from the .trash folder (under "
                         "tracking server's root folder) in order to use this experiment name "
                         "again.");
            if (mb.oom) {
                nomem(err);
            }
            else {
                mlc_err_set(err, MLC_ST_EXISTS, 0, "%s", mb.buf);
            }
            free(mb.buf);
        }
        else {
            mlc_err_set(err, MLC_ST_EXISTS, 0, "Experiment '%s' already exists.", name);
        }
        mlc_experiment_clear(&existing);
        return -1;
    }
    for (int attempt = 0; attempt < 16 && !made; attempt++) {
        free(id);
        free(dir);
        dir = NULL;
        id = new_experiment_id();
        if (id == NULL || (dir = mlc_fs_join(st->root, id)) == NULL) {
            nomem(err);
            goto exit;
        }
        if (mkdir(dir, 0777) == 0) {
            made = 1;
        }
        else if (errno != EEXIST) {
            io_err(err, errno, "create directory", dir);
            goto exit;
        }
    }
    if (!made) {
        mlc_err_set(err, MLC_ST_IO, EEXIST, "Could not find a free experiment id in '%s'",
                    st->root);
        goto exit;
    }
    e.experiment_id = id;
    e.name = (char *)name;
    e.lifecycle_stage = (char *)"active";
    e.creation_time = e.last_update_time = mlc_now_ms();
    if (artifact_location != NULL && artifact_location[0] != '\0') {
        e.artifact_location = resolve_uri_if_local(artifact_location, err);
    }
    else {
        e.artifact_location = uri_append(st->root_uri, id);
        if (e.artifact_location == NULL) {
            nomem(err);
        }
    }
    if (e.artifact_location == NULL) {
        goto exit;
    }
    tags_dir = mlc_fs_join(dir, "tags");
    if (tags_dir == NULL) {
        nomem(err);
        goto exit;
    }
    if ((tags && put_kv_files(dir, tags_dir, tags->items, tags->n, "key", err) < 0) ||
        write_experiment_meta(st, dir, &e, NULL, 0, err) < 0) {
        goto exit;
    }
    *out_id = id;
    id = NULL;
    rc = 0;
exit:
    if (rc < 0 && made) {
        mlc_fs_rmtree(dir);
    }
    free(e.artifact_location);
    free(tags_dir);
    free(id);
    free(dir);
    return rc;
}

static int
fs_set_experiment_tag(mlc_store *s, const char *experiment_id, const char *key,
                      const char *value, mlc_err *err)
{
    mlc_experiment e = {0};
    char *dir = NULL, *path = NULL;
    int rc = -1;
    if (check_key(key, "key", err) < 0 ||
        load_experiment(FS(s), experiment_id, &e, NULL, &dir, err) < 0) {
        goto exit;
    }
    if (strcmp(e.lifecycle_stage, "active") != 0) {
        mlc_err_set(err, MLC_ST_INVALID, 0,
                    "The experiment %s must be in the 'active' lifecycle_stage to set tags",
                    e.experiment_id);
        goto exit;
    }
    path = fmt("%s/tags/%s", dir, key);
    if (path == NULL) {
        nomem(err);
        goto exit;
    }
    rc = put_value(dir, path, value, err);
exit:
    free(path);
    free(dir);
    mlc_experiment_clear(&e);
    return rc;
}

/* =========================================================================================
 * Runs
 * ========================================================================================= */

static const char *const RUN_STATUSES[] = {NULL, "RUNNING", "SCHEDULED", "FINISHED", "FAILED",
                                           "KILLED"};

/* RunStatus integer of a status name, or 0 when unknown. */
static int
run_status_code(const char *name)
{
    for (int i = 1; i <= 5; i++) {
        if (name != NULL && strcmp(name, RUN_STATUSES[i]) == 0) {
            return i;
        }
    }
    return 0;
}

static int
bad_status(const char *status, mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_INVALID, 0,
                       "Could not get run status corresponding to string %s. Valid run status "
                       "strings: ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']",
                       status);
}

/* Names MLflow never treats as runs (or logged models) inside an experiment directory. */
static int
reserved_experiment_folder(const char *name)
{
    return strcmp(name, "tags") == 0 || strcmp(name, "datasets") == 0 ||
           strcmp(name, "traces") == 0 || strcmp(name, "models") == 0;
}

/* Reads the run meta.yaml in run_dir into the info fields of out.
 * 0 ok, 1 missing/empty meta (err set), -1 error. */
static int
read_run_info(const fs_store *st, const char *run_dir, mlc_run *out, mlc_err *err)
{
    ymeta m = {0};
    int rc = read_meta(st, run_dir, &m, err);
    if (rc != 0) {
        return rc;
    }
    rc = -1;
    if (ym_str(&m, "run_id", &out->run_id, err) < 0 ||
        (out->run_id == NULL && ym_str(&m, "run_uuid", &out->run_id, err) < 0) ||
        ym_str(&m, "run_name", &out->run_name, err) < 0 ||
        ym_str(&m, "experiment_id", &out->experiment_id, err) < 0 ||
        ym_str(&m, "user_id", &out->user_id, err) < 0 ||
        ym_str(&m, "artifact_uri", &out->artifact_uri, err) < 0 ||
        ym_str(&m, "lifecycle_stage", &out->lifecycle_stage, err) < 0) {
        goto exit;
    }
    if (out->lifecycle_stage == NULL && set_str(&out->lifecycle_stage, "active", err) < 0) {
        goto exit;
    }
    long long code = 1;
    const yent *se = ym_get(&m, "status");
    if (se != NULL && se->kind == YV_STR && run_status_code(se->val) != 0) {
        code = run_status_code(se->val);
    }
    else if (se != NULL && se->kind != YV_NULL && !ym_int(&m, "status", &code)) {
        mlc_err_set(err, MLC_ST_INVALID, 0,
                    "Could not get run status corresponding to string %s. Valid run status "
                    "strings: ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']",
                    se->val ? se->val : "");
        goto exit;
    }
    if (code < 1 || code > 5) {
        mlc_err_set(err, MLC_ST_INVALID, 0,
                    "Could not get string corresponding to run status %lld. Valid run "
                    "statuses: [1, 2, 3, 4, 5]",
                    code);
        goto exit;
    }
    if (set_str(&out->status, RUN_STATUSES[code], err) < 0) {
        goto exit;
    }
    out->start_time = ym_time(&m, "start_time");
    out->end_time = ym_time(&m, "end_time");
    out->deleted_time = ym_time(&m, "deleted_time");
    rc = 0;
exit:
    ymeta_clear(&m);
    return rc;
}

/* Writes a run meta.yaml as MLflow's _make_persisted_run_info_dict does (deleted_time only
 * when given). */
static int
write_run_meta(const fs_store *st, const char *run_dir, const mlc_run *r, int64_t deleted_time,
               mlc_err *err)
{
    yitem items[16];
    size_t n = 0;
    int code = run_status_code(r->status);
    if (code == 0) {
        return bad_status(r->status ? r->status : "None", err);
    }
    items[n++] = yi_str("artifact_uri", r->artifact_uri);
    if (deleted_time != MLC_NO_TIME) {
        items[n++] = yi_int("deleted_time", deleted_time);
    }
    items[n++] = yi_time("end_time", r->end_time);
    items[n++] = yi_str("entry_point_name", "");
    items[n++] = yi_str("experiment_id", r->experiment_id);
    items[n++] = yi_str("lifecycle_stage", r->lifecycle_stage);
    items[n++] = yi_str("run_id", r->run_id);
    items[n++] = yi_str("run_name", r->run_name);
    items[n++] = yi_str("source_name", "");
    items[n++] = yi_int("source_type", 4);
    items[n++] = yi_str("source_version", "");
    items[n++] = yi_time("start_time", r->start_time);
    items[n++] = yi_int("status", code);
    yitem seq = {"tags", YI_SEQ0, NULL, 0, NULL};
    items[n++] = seq;
    items[n++] = yi_str("user_id", r->user_id);
    return put_meta(st, run_dir, items, n, err);
}

/* 1 when run_dir has the metrics/, params/ and artifacts/ directories MLflow requires. */
static int
valid_run_dir(const char *run_dir, mlc_err *err)
{
    static const char *const subs[] = {"metrics", "params", "artifacts"};
    for (size_t i = 0; i < 3; i++) {
        char *p = mlc_fs_join(run_dir, subs[i]);
        if (p == NULL) {
            return nomem(err);
        }
        int r = is_dir(p, err);
        free(p);
        if (r <= 0) {
            return r;
        }
    }
    return 1;
}

/* Finds run_id below the active experiments, then the deleted ones. 1 found (*exp_id and
 * *run_dir malloc'ed), 0 not found, -1 error. */
static int
find_run(const fs_store *st, const char *run_id, char **exp_id, char **run_dir, mlc_err *err)
{
    strvec names = {0};
    int rc = -1;
    *exp_id = *run_dir = NULL;
    for (int w = 0; w < 2 && rc < 0; w++) {
        const char *parent = w == 0 ? st->root : st->trash;
        strvec_clear(&names);
        if (list_subdirs(parent, w == 1, &names, err) < 0) {
            goto exit;
        }
        for (size_t i = 0; i < names.n; i++) {
            if (w == 0 && !active_experiment_name(names.v[i])) {
                continue;
            }
            char *d = fmt("%s/%s/%s", parent, names.v[i], run_id);
            if (d == NULL) {
                nomem(err);
                goto exit;
            }
            int r = is_dir(d, err);
            if (r == 1) {
                r = valid_run_dir(d, err);
            }
            if (r == 1) {
                *run_dir = d;
                *exp_id = strdup(names.v[i]);
                if (*exp_id == NULL) {
                    nomem(err);
                    goto exit;
                }
                rc = 1;
                break;
            }
            free(d);
            if (r < 0) {
                goto exit;
            }
        }
    }
    if (rc < 0) {
        rc = 0;
    }
exit:
    if (rc < 0) {
        free(*exp_id);
        free(*run_dir);
        *exp_id = *run_dir = NULL;
    }
    strvec_clear(&names);
    return rc;
}

/* Strips Python str.strip() ASCII whitespace in place; returns the start. */
static char *
py_strip(char *s)
{
    while (*s && strchr(" \t\n\r\v\f\x1c\x1d\x1e\x1f", *s) != NULL) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\n\r\v\f\x1c\x1d\x1e\x1f", s[n - 1]) != NULL) {
        s[--n] = '\0';
    }
    return s;
}

static int
parse_ll(const char *s, long long *out)
{
    char *end = NULL;
    if (*s == '\0') {
        return -1;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}

/* Reads every line of a metric file into out (in file order). model_id NULL: a run metric
 * file ("ts value [step]" or "ts value step dataset_name dataset_digest", where MLflow reads
 * step 0 for the five-field form); else a logged-model metric file ("ts value step run_id
 * [dataset_name dataset_digest]"). Lines that do not parse are skipped. A missing file is
 * empty. */
static int
read_metric_file(const char *path, const char *key, const char *model_id, mlc_metriclist *out,
                 mlc_err *err)
{
    char *data = NULL;
    size_t len = 0;
    if (mlc_fs_read(path, &data, &len) < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return 0;
        }
        return io_err(err, errno, "read", path);
    }
    int rc = 0;
    char *save_line = NULL;
    for (char *line = strtok_r(data, "\n", &save_line); line != NULL;
         line = strtok_r(NULL, "\n", &save_line)) {
        char *tok[8];
        size_t nt = 0;
        char *p = py_strip(line);
        if (*p == '\0') {
            continue;
        }
        for (;;) {
            char *sp = strchr(p, ' ');
            if (nt < 8) {
                tok[nt] = p;
            }
            nt++;
            if (sp == NULL) {
                break;
            }
            *sp = '\0';
            p = sp + 1;
        }
        mlc_metric m = {0};
        long long ts, step = 0;
        char *end = NULL;
        if (nt < 2 || parse_ll(tok[0], &ts) < 0) {
            continue;
        }
        m.value = strtod(tok[1], &end);
        if (end == tok[1] || *end != '\0') {
            continue;
        }
        if (model_id == NULL) {
            if ((nt == 3 || nt == 4 || nt > 5) && parse_ll(tok[2], &step) < 0) {
                continue;
            }
            if (nt == 5) {
                m.dataset_name = tok[3];
                m.dataset_digest = tok[4];
            }
        }
        else {
            if (nt >= 3 && parse_ll(tok[2], &step) < 0) {
                continue;
            }
            m.model_id = (char *)model_id;
            m.run_id = nt >= 4 ? tok[3] : NULL;
            if (nt >= 6) {
                m.dataset_name = tok[4];
                m.dataset_digest = tok[5];
            }
        }
        m.key = (char *)key;
        m.timestamp = ts;
        m.step = step;
        if (mlc_metriclist_add(out, &m) < 0) {
            rc = nomem(err);
            break;
        }
    }
    free(data);
    return rc;
}

/* Latest value per key of the run metrics in run_dir/metrics. */
static int
load_run_metrics(const char *run_dir, mlc_metriclist *latest, mlc_err *err)
{
    strvec names = {0};
    mlc_metriclist all = {0};
    char *mdir = mlc_fs_join(run_dir, "metrics");
    int rc = -1;
    if (mdir == NULL) {
        return nomem(err);
    }
    if (walk_files(mdir, NULL, &names, err) < 0) {
        goto exit;
    }
    strvec_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        char *p = mlc_fs_join(mdir, names.v[i]);
        if (p == NULL) {
            nomem(err);
            goto exit;
        }
        mlc_metriclist_clear(&all);
        int r = read_metric_file(p, names.v[i], NULL, &all, err);
        free(p);
        if (r < 0) {
            goto exit;
        }
        for (size_t j = 0; j < all.n; j++) {
            if (mlc_metric_update_latest(latest, &all.items[j]) < 0) {
                nomem(err);
                goto exit;
            }
        }
    }
    rc = 0;
exit:
    mlc_metriclist_clear(&all);
    strvec_clear(&names);
    free(mdir);
    return rc;
}

/* Reads run_dir/<sub>/<id>/meta.yaml records: outputs with destination_type MODEL_OUTPUT
 * (want_outputs) or inputs with source_type MODEL. */
static int
load_model_io(const fs_store *st, const char *run_dir, int want_outputs, mlc_model_io **arr,
              size_t *n, mlc_err *err)
{
    strvec names = {0};
    char *base = mlc_fs_join(run_dir, want_outputs ? "outputs" : "inputs");
    int rc = -1;
    if (base == NULL) {
        return nomem(err);
    }
    if (list_subdirs(base, 1, &names, err) < 0) {
        goto exit;
    }
    strvec_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        ymeta m = {0};
        char *d = mlc_fs_join(base, names.v[i]);
        char *kind = NULL, *id = NULL;
        if (d == NULL) {
            nomem(err);
            goto exit;
        }
        int r = read_meta(st, d, &m, err);
        free(d);
        if (r < 0) {
            goto exit;
        }
        if (r == 1) {
            continue;
        }
        long long step = 0;
        if (ym_str(&m, want_outputs ? "destination_type" : "source_type", &kind, err) < 0 ||
            ym_str(&m, want_outputs ? "destination_id" : "source_id", &id, err) < 0) {
            free(kind);
            ymeta_clear(&m);
            goto exit;
        }
        if (want_outputs) {
            ym_int(&m, "step", &step);
        }
        ymeta_clear(&m);
        int keep = kind != NULL && id != NULL &&
                   strcmp(kind, want_outputs ? "MODEL_OUTPUT" : "MODEL") == 0;
        r = keep ? mlc_model_io_add(arr, n, id, step) : 0;
        free(kind);
        free(id);
        if (r < 0) {
            nomem(err);
            goto exit;
        }
    }
    rc = 0;
exit:
    strvec_clear(&names);
    free(base);
    return rc;
}

/* Fills params, tags, latest metrics, model outputs and inputs of the run in run_dir, and
 * run_name from the mlflow.runName tag when meta.yaml has none. */
static int
load_run_data(const fs_store *st, const char *run_dir, mlc_run *out, mlc_err *err)
{
    char *pdir = mlc_fs_join(run_dir, "params");
    char *tdir = mlc_fs_join(run_dir, "tags");
    int rc = -1;
    if (pdir == NULL || tdir == NULL) {
        nomem(err);
        goto exit;
    }
    if (load_kv_dir(pdir, &out->params, err) < 0 || load_kv_dir(tdir, &out->tags, err) < 0 ||
        load_run_metrics(run_dir, &out->metrics, err) < 0 ||
        load_model_io(st, run_dir, 1, &out->model_outputs, &out->n_model_outputs, err) < 0 ||
        load_model_io(st, run_dir, 0, &out->model_inputs, &out->n_model_inputs, err) < 0) {
        goto exit;
    }
    if (out->run_name == NULL || out->run_name[0] == '\0') {
        const char *tag = mlc_kvlist_get(&out->tags, TAG_RUN_NAME);
        if (tag != NULL && tag[0] != '\0' && set_str(&out->run_name, tag, err) < 0) {
            goto exit;
        }
    }
    rc = 0;
exit:
    free(pdir);
    free(tdir);
    return rc;
}

/* Locates and reads the info of run_id with MLflow's _get_run_info checks. *run_dir is
 * malloc'ed on success. */
static int
locate_run(const fs_store *st, const char *run_id, mlc_run *info, char **run_dir, mlc_err *err)
{
    char *exp_id = NULL;
    int rc = -1;
    *run_dir = NULL;
    if (check_run_id(run_id, err) < 0) {
        return -1;
    }
    int r = find_run(st, run_id, &exp_id, run_dir, err);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Run '%s' not found", run_id);
    }
    if (read_run_info(st, *run_dir, info, err) != 0) {
        goto exit;
    }
    if (info->experiment_id == NULL || strcmp(info->experiment_id, exp_id) != 0 ||
        info->run_id == NULL || strcmp(info->run_id, run_id) != 0) {
        mlc_err_set(err, MLC_ST_BAD_STATE, 0, "Run '%s' metadata is in invalid state.", run_id);
        goto exit;
    }
    rc = 0;
exit:
    free(exp_id);
    if (rc < 0) {
        free(*run_dir);
        *run_dir = NULL;
    }
    return rc;
}

static int
check_run_active(const mlc_run *info, mlc_err *err)
{
    if (info->lifecycle_stage != NULL && strcmp(info->lifecycle_stage, "active") == 0) {
        return 0;
    }
    return mlc_err_set(err, MLC_ST_INVALID, 0, "The run %s must be in 'active' lifecycle_stage.",
                       info->run_id);
}

static int
fs_get_run(mlc_store *s, const char *run_id, mlc_run *out, mlc_err *err)
{
    char *run_dir = NULL;
    if (locate_run(FS(s), run_id, out, &run_dir, err) < 0) {
        return -1;
    }
    int rc = load_run_data(FS(s), run_dir, out, err);
    free(run_dir);
    return rc;
}

/* Sets the run's name: tag file, then run_name in meta.yaml (as update_run_info does). */
static int
rename_run(const fs_store *st, const char *run_dir, mlc_run *info, const char *name,
           mlc_err *err)
{
    char *tag = fmt("%s/tags/%s", run_dir, TAG_RUN_NAME);
    int rc = -1;
    if (tag == NULL) {
        return nomem(err);
    }
    if (put_value(run_dir, tag, name, err) < 0 || set_str(&info->run_name, name, err) < 0 ||
        write_run_meta(st, run_dir, info, MLC_NO_TIME, err) < 0) {
        goto exit;
    }
    rc = 0;
exit:
    free(tag);
    return rc;
}

static int
fs_create_run(mlc_store *s, const char *given_id, const char *experiment_id,
              const char *user_id, int64_t start_time,
              const char *run_name, const mlc_kvlist *tags, mlc_run *out, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_experiment e = {0};
    mlc_run r = {0};
    char *exp_dir = NULL, *run_dir = NULL, *tags_dir = NULL, *build = NULL;
    int renamed = 0;
    char hex[33];
    int rc = -1, made = 0;
    const char *eid = experiment_id ? experiment_id : DEFAULT_EXPERIMENT_ID;

    if (load_experiment(st, eid, &e, NULL, &exp_dir, err) < 0) {
        goto exit;
    }
    if (strcmp(e.lifecycle_stage, "active") != 0) {
        mlc_err_set(err, MLC_ST_BAD_STATE, 0,
                    "Could not create run under non-active experiment with ID %s.", eid);
        goto exit;
    }
    const char *tag_name = tags ? mlc_kvlist_get(tags, TAG_RUN_NAME) : NULL;
    if (run_name && run_name[0] && tag_name && tag_name[0] && strcmp(run_name, tag_name) != 0) {
        mlc_err_set(err, MLC_ST_INVALID, 0,
                    "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
                    "different values (run_name='%s', mlflow.runName='%s').",
                    run_name, tag_name);
        goto exit;
    }
    const char *name = (run_name && run_name[0]) ? run_name : tag_name;
    if (name == NULL) {
        name = "";
    }
    for (size_t i = 0; tags && i < tags->n; i++) {
        if (check_key(tags->items[i].key, "key", err) < 0) {
            goto exit;
        }
    }
    for (int attempt = 0; attempt < 8 && !made; attempt++) {
        if (given_id != NULL) {
            if (attempt > 0) {
                break;
            }
            snprintf(hex, sizeof hex, "%s", given_id);
        }
        else if (mlc_uuid4_hex(hex) < 0) {
            io_err(err, errno, "get random bytes for", exp_dir);
            goto exit;
        }
        free(run_dir);
        free(build);
        /* the run is assembled under a hidden name and renamed into place complete, so a
         * writer killed half-way never leaves a run directory without its meta.yaml */
        run_dir = mlc_fs_join(exp_dir, hex);
        build = fmt("%s/.mlc-run-%s", exp_dir, hex);
        if (run_dir == NULL || build == NULL) {
            nomem(err);
            goto exit;
        }
        if (access(run_dir, F_OK) == 0) {
            continue;
        }
        if (mkdir(build, 0777) == 0) {
            made = 1;
        }
        else if (errno != EEXIST) {
            io_err(err, errno, "create directory", build);
            goto exit;
        }
    }
    if (!made) {
        mlc_err_set(err, MLC_ST_IO, EEXIST, "Could not find a free run id in '%s'", exp_dir);
        goto exit;
    }
    static const char *const subs[] = {"metrics", "params", "artifacts"};
    for (size_t i = 0; i < 3; i++) {
        char *p = mlc_fs_join(build, subs[i]);
        if (p == NULL) {
            nomem(err);
            goto exit;
        }
        int mr = mkdir(p, 0777);
        int me = errno;
        if (mr < 0) {
            io_err(err, me, "create directory", p);
        }
        free(p);
        if (mr < 0) {
            goto exit;
        }
    }
    tags_dir = mlc_fs_join(build, "tags");
    if (tags_dir == NULL) {
        nomem(err);
        goto exit;
    }
    if (tags && put_kv_files(build, tags_dir, tags->items, tags->n, "key", err) < 0) {
        goto exit;
    }
    if (tag_name == NULL) {
        mlc_kv kv = {(char *)TAG_RUN_NAME, (char *)name};
        if (put_kv_files(build, tags_dir, &kv, 1, "key", err) < 0) {
            goto exit;
        }
    }
    int ok = 1;
    r.run_id = mlc_sdup(hex, &ok);
    r.run_name = mlc_sdup(name, &ok);
    r.experiment_id = mlc_sdup(eid, &ok);
    r.user_id = mlc_sdup(user_id, &ok);
    r.status = mlc_sdup("RUNNING", &ok);
    r.lifecycle_stage = mlc_sdup("active", &ok);
    r.artifact_uri = fmt("%s/artifacts", hex);
    if (!ok || r.artifact_uri == NULL) {
        nomem(err);
        goto exit;
    }
    char *uri = uri_append(e.artifact_location ? e.artifact_location : "", r.artifact_uri);
    if (uri == NULL) {
        nomem(err);
        goto exit;
    }
    free(r.artifact_uri);
    r.artifact_uri = uri;
    r.start_time = start_time;
    r.end_time = MLC_NO_TIME;
    r.deleted_time = MLC_NO_TIME;
    if (write_run_meta(st, build, &r, MLC_NO_TIME, err) < 0) {
        goto exit;
    }
    if (renameat2(AT_FDCWD, build, AT_FDCWD, run_dir, RENAME_NOREPLACE) < 0) {
        io_err(err, errno, "create directory", run_dir);
        goto exit;
    }
    renamed = 1;
    if (read_run_info(st, run_dir, out, err) != 0 || load_run_data(st, run_dir, out, err) < 0) {
        goto exit;
    }
    rc = 0;
exit:
    if (rc < 0 && made) {
        mlc_fs_rmtree(renamed ? run_dir : build);
    }
    free(build);
    mlc_run_clear(&r);
    mlc_experiment_clear(&e);
    free(exp_dir);
    free(run_dir);
    free(tags_dir);
    return rc;
}

static int
fs_update_run(mlc_store *s, const char *run_id, const char *status, int64_t end_time,
              const char *run_name, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_run info = {0};
    char *run_dir = NULL, *tag = NULL;
    int rc = -1;
    if (locate_run(st, run_id, &info, &run_dir, err) < 0 || check_run_active(&info, err) < 0) {
        goto exit;
    }
    if (status != NULL) {
        if (run_status_code(status) == 0) {
            bad_status(status, err);
            goto exit;
        }
        if (set_str(&info.status, status, err) < 0) {
            goto exit;
        }
    }
    if (end_time != MLC_NO_TIME) {
        info.end_time = end_time;
    }
    if (run_name != NULL) {
        if (set_str(&info.run_name, run_name, err) < 0) {
            goto exit;
        }
        if (run_name[0] != '\0') {
            tag = fmt("%s/tags/%s", run_dir, TAG_RUN_NAME);
            if (tag == NULL) {
                nomem(err);
                goto exit;
            }
            if (put_value(run_dir, tag, run_name, err) < 0) {
                goto exit;
            }
        }
    }
    rc = write_run_meta(st, run_dir, &info, MLC_NO_TIME, err);
exit:
    free(tag);
    free(run_dir);
    mlc_run_clear(&info);
    return rc;
}

/* Sets the lifecycle stage of a run (delete: deleted_time = now; restore: none). */
static int
set_run_lifecycle(fs_store *st, const char *run_id, int deleted, mlc_err *err)
{
    mlc_run info = {0};
    char *run_dir = NULL;
    int rc = -1;
    if (locate_run(st, run_id, &info, &run_dir, err) < 0 ||
        set_str(&info.lifecycle_stage, deleted ? "deleted" : "active", err) < 0) {
        goto exit;
    }
    rc = write_run_meta(st, run_dir, &info, deleted ? mlc_now_ms() : MLC_NO_TIME, err);
exit:
    free(run_dir);
    mlc_run_clear(&info);
    return rc;
}

static int
fs_delete_run(mlc_store *s, const char *run_id, mlc_err *err)
{
    return set_run_lifecycle(FS(s), run_id, 1, err);
}

static int
fs_restore_run(mlc_store *s, const char *run_id, mlc_err *err)
{
    return set_run_lifecycle(FS(s), run_id, 0, err);
}

/* Appends one metric line to the run's metric file and, with a model_id, to the logged
 * model's metric file in the run's experiment (as MLflow's file store does). */
/* 1 when the file at path holds `line` (which ends with a newline) as one of its lines. */
static int
has_line(const char *path, const char *line)
{
    char *data = NULL;
    size_t len = 0;
    if (mlc_fs_read(path, &data, &len) < 0) {
        return 0;
    }
    size_t ll = strlen(line);
    int found = 0;
    for (const char *p = data; !found && p < data + len;) {
        const char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(data + len - p);
        found = n == ll && memcmp(p, line, ll) == 0;
        p += n;
    }
    free(data);
    return found;
}

/* Appends line to the existing file rel under the directory open as dirfd (one short path
 * lookup instead of the full path's). Returns 1 when appended, 0 when it has to go through
 * append_line (no such file yet, or no dirfd), -1 with err filled. */
static int
append_existing(int dirfd, const char *rel, const char *path, const char *line, size_t len,
                mlc_err *err)
{
    if (dirfd < 0) {
        return 0;
    }
    int fd = openat(dirfd, rel, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    return append_and_close(fd, path, line, len, err) < 0 ? -1 : 1;
}

/* Logs one metric of run_dir's run; metrics_fd is run_dir/metrics open as a directory, or -1. */
static int
append_metric(const char *run_dir, int metrics_fd, const char *run_id, const mlc_metric *m,
              mlc_err *err)
{
    char val[40], *line = NULL, *path = NULL, *exp_dir = NULL;
    int rc = -1;
    int with_ds = m->dataset_name != NULL && m->dataset_digest != NULL;
    mlc_format_double(m->value, val, sizeof val);
    if (with_ds) {
        line = fmt("%lld %s %lld %s %s\n", (long long)m->timestamp, val, (long long)m->step,
                   m->dataset_name, m->dataset_digest);
    }
    else {
        line = fmt("%lld %s %lld\n", (long long)m->timestamp, val, (long long)m->step);
    }
    path = fmt("%s/metrics/%s", run_dir, m->key);
    if (line == NULL || path == NULL) {
        nomem(err);
        goto exit;
    }
    /* A metric logged for a model that the run already holds with the same timestamp, value
     * and step (log_model linking the run's step metrics to the model) is not written to the
     * run again: MLflow's file store duplicates such lines (contract quirk Q31); its SQL store
     * does not. */
    if (m->model_id == NULL || !has_line(path, line)) {
        int done = append_existing(metrics_fd, m->key, path, line, strlen(line), err);
        if (done < 0 || (done == 0 && append_line(run_dir, path, line, strlen(line), err) < 0)) {
            goto exit;
        }
    }
    if (m->model_id != NULL) {
        const char *slash = strrchr(run_dir, '/');
        exp_dir = strndup(run_dir, (size_t)(slash - run_dir));
        free(line);
        free(path);
        path = NULL;
        if (with_ds) {
            line = fmt("%lld %s %lld %s %s %s\n", (long long)m->timestamp, val,
                       (long long)m->step, run_id, m->dataset_name, m->dataset_digest);
        }
        else {
            line = fmt("%lld %s %lld %s\n", (long long)m->timestamp, val, (long long)m->step,
                       run_id);
        }
        if (exp_dir == NULL || line == NULL ||
            (path = fmt("%s/models/%s/metrics/%s", exp_dir, m->model_id, m->key)) == NULL) {
            nomem(err);
            goto exit;
        }
        char *mdir = fmt("%s/models/%s", exp_dir, m->model_id);
        int arc = mdir == NULL ? nomem(err) : append_line(mdir, path, line, strlen(line), err);
        free(mdir);
        if (arc < 0) {
            goto exit;
        }
    }
    rc = 0;
exit:
    free(exp_dir);
    free(line);
    free(path);
    return rc;
}

static int
fs_log_batch(mlc_store *s, const char *run_id, const mlc_metric *metrics, size_t nm,
             const mlc_kv *params, size_t np, const mlc_kv *tags, size_t nt, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_run info = {0};
    char *run_dir = NULL, *path = NULL, *cur = NULL;
    unsigned char *skip = NULL;
    int rc = -1, metrics_fd = -1;

    /* validate everything before the first write */
    if (check_run_id(run_id, err) < 0) {
        goto exit;
    }
    for (size_t i = 0; i < np; i++) {
        if (check_key(params[i].key, "key", err) < 0) {
            goto exit;
        }
    }
    for (size_t i = 0; i < nm; i++) {
        if (check_key(metrics[i].key, "name", err) < 0) {
            goto exit;
        }
        if (metrics[i].model_id != NULL && !safe_component(metrics[i].model_id)) {
            mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid model ID: '%s'", metrics[i].model_id);
            goto exit;
        }
    }
    for (size_t i = 0; i < nt; i++) {
        if (check_key(tags[i].key, "key", err) < 0) {
            goto exit;
        }
    }
    {
        membuf mb = {0};
        size_t ndup = 0;
        for (size_t i = 0; i < np; i++) {
            for (size_t j = 0; j < i; j++) {
                if (strcmp(params[i].key, params[j].key) == 0) {
                    mb_puts(&mb, ndup++ ? ", " : "[");
                    mb_repr_str(&mb, params[i].key);
                    break;
                }
            }
        }
        if (ndup > 0) {
            mb_puts(&mb, "]");
            if (mb.oom) {
                nomem(err);
            }
            else {
                mlc_err_set(err, MLC_ST_INVALID, 0,
                            "Duplicate parameter keys have been submitted: %s. Please ensure "
                            "the request contains only one param value per param key.",
                            mb.buf);
            }
            free(mb.buf);
            goto exit;
        }
        free(mb.buf);
    }
    if (locate_run(st, run_id, &info, &run_dir, err) < 0 || check_run_active(&info, err) < 0) {
        goto exit;
    }
    skip = calloc(np ? np : 1, 1);
    if (skip == NULL) {
        nomem(err);
        goto exit;
    }
    for (size_t i = 0; i < np; i++) {
        const char *nv = params[i].value ? params[i].value : "";
        free(path);
        path = fmt("%s/params/%s", run_dir, params[i].key);
        if (path == NULL) {
            nomem(err);
            goto exit;
        }
        free(cur);
        int r = read_value(path, &cur, err);
        if (r < 0) {
            goto exit;
        }
        if (r == 1) {
            if (strcmp(cur, nv) != 0) {
                mlc_err_set(err, MLC_ST_INVALID, 0,
                            "Changing param values is not allowed. Param with key='%s' was "
                            "already logged with value='%s' for run ID='%s'. Attempted logging "
                            "new value '%s'.",
                            params[i].key, cur, run_id, nv);
                goto exit;
            }
            skip[i] = 1;
        }
    }
    /* then write: params, metrics, tags */
    for (size_t i = 0; i < np; i++) {
        if (skip[i]) {
            continue;
        }
        free(path);
        path = fmt("%s/params/%s", run_dir, params[i].key);
        if (path == NULL) {
            nomem(err);
            goto exit;
        }
        if (put_value(run_dir, path, params[i].value, err) < 0) {
            goto exit;
        }
    }
    if (nm > 1) {
        free(path);
        path = fmt("%s/metrics", run_dir);
        if (path == NULL) {
            nomem(err);
            goto exit;
        }
        /* may fail (no metrics directory yet): each metric then takes its full path */
        metrics_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    for (size_t i = 0; i < nm; i++) {
        if (append_metric(run_dir, metrics_fd, run_id, &metrics[i], err) < 0) {
            goto exit;
        }
    }
    for (size_t i = 0; i < nt; i++) {
        if (strcmp(tags[i].key, TAG_RUN_NAME) == 0) {
            if (rename_run(st, run_dir, &info, tags[i].value ? tags[i].value : "", err) < 0) {
                goto exit;
            }
            continue;
        }
        free(path);
        path = fmt("%s/tags/%s", run_dir, tags[i].key);
        if (path == NULL) {
            nomem(err);
            goto exit;
        }
        if (put_value(run_dir, path, tags[i].value, err) < 0) {
            goto exit;
        }
    }
    rc = 0;
exit:
    if (metrics_fd >= 0) {
        close(metrics_fd);
    }
    free(skip);
    free(cur);
    free(path);
    free(run_dir);
    mlc_run_clear(&info);
    return rc;
}

static int
fs_delete_tag(mlc_store *s, const char *run_id, const char *key, mlc_err *err)
{
    mlc_run info = {0};
    char *run_dir = NULL, *path = NULL;
    int rc = -1;
    if (locate_run(FS(s), run_id, &info, &run_dir, err) < 0 ||
        check_run_active(&info, err) < 0 || check_key(key, "key", err) < 0) {
        goto exit;
    }
    path = fmt("%s/tags/%s", run_dir, key);
    if (path == NULL) {
        nomem(err);
        goto exit;
    }
    int r = path_exists(path, err);
    if (r < 0) {
        goto exit;
    }
    if (r == 0) {
        mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "No tag with name: %s in run with id %s", key,
                    run_id);
        goto exit;
    }
    if (unlink(path) < 0) {
        io_err(err, errno, "remove", path);
        goto exit;
    }
    rc = 0;
exit:
    free(path);
    free(run_dir);
    mlc_run_clear(&info);
    return rc;
}

static int
fs_get_metric_history(mlc_store *s, const char *run_id, const char *key, mlc_metriclist *out,
                      mlc_err *err)
{
    mlc_run info = {0};
    char *run_dir = NULL, *path = NULL;
    int rc = -1;
    if (check_run_id(run_id, err) < 0 || check_key(key, "name", err) < 0 ||
        locate_run(FS(s), run_id, &info, &run_dir, err) < 0) {
        goto exit;
    }
    path = fmt("%s/metrics/%s", run_dir, key);
    if (path == NULL) {
        nomem(err);
        goto exit;
    }
    struct stat stt;
    if (stat(path, &stt) < 0 || !S_ISREG(stt.st_mode)) {
        rc = 0; /* never logged */
        goto exit;
    }
    size_t first = out->n;
    rc = read_metric_file(path, key, NULL, out, err);
    /* MLflow's file store reports the run on each history entry */
    for (size_t i = first; rc == 0 && i < out->n; i++) {
        if (out->items[i].run_id == NULL && (out->items[i].run_id = strdup(run_id)) == NULL) {
            rc = nomem(err);
        }
    }
exit:
    free(path);
    free(run_dir);
    mlc_run_clear(&info);
    return rc;
}

/* Appends every run of the experiment directory exp_dir (named exp_id) matching view. */
static int
list_runs_in(const fs_store *st, const char *exp_id, const char *exp_dir, int view,
             mlc_run **arr, size_t *cnt, size_t *cap, mlc_err *err)
{
    strvec names = {0};
    int rc = -1;
    if (list_subdirs(exp_dir, 1, &names, err) < 0) {
        goto exit;
    }
    strvec_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        if (reserved_experiment_folder(names.v[i])) {
            continue;
        }
        char *rd = mlc_fs_join(exp_dir, names.v[i]);
        if (rd == NULL) {
            nomem(err);
            goto exit;
        }
        if (*cnt == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            mlc_run *na = realloc(*arr, nc * sizeof *na);
            if (na == NULL) {
                free(rd);
                nomem(err);
                goto exit;
            }
            *arr = na;
            *cap = nc;
        }
        mlc_run *r = &(*arr)[*cnt];
        memset(r, 0, sizeof *r);
        int k = read_run_info(st, rd, r, err);
        int keep = k == 0 && r->experiment_id != NULL && strcmp(r->experiment_id, exp_id) == 0;
        if (keep) {
            int deleted = strcmp(r->lifecycle_stage, "deleted") == 0;
            keep = deleted ? (view & MLC_VIEW_DELETED) : (view & MLC_VIEW_ACTIVE);
        }
        if (keep && load_run_data(st, rd, r, err) < 0) {
            k = -1;
        }
        free(rd);
        if (k < 0) {
            mlc_run_clear(r);
            goto exit;
        }
        if (!keep) {
            mlc_run_clear(r);
            continue;
        }
        (*cnt)++;
    }
    rc = 0;
exit:
    strvec_clear(&names);
    return rc;
}

static int
fs_list_runs(mlc_store *s, const char *const *experiment_ids, size_t n_ids, int view,
             mlc_run **out, size_t *n, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_run *arr = NULL;
    size_t cnt = 0, cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < n_ids; i++) {
        char *dir = NULL;
        int r = find_experiment_dir(st, experiment_ids[i], MLC_VIEW_ALL, &dir, err);
        if (r == 1) {
            r = list_runs_in(st, experiment_ids[i], dir, view, &arr, &cnt, &cap, err);
        }
        free(dir);
        if (r < 0) {
            mlc_run_array_free(arr, cnt);
            return -1;
        }
    }
    *out = arr;
    *n = cnt;
    return 0;
}

static int
fs_log_model_output(mlc_store *s, const char *run_id, const char *model_id, int64_t step,
                    mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_run info = {0};
    char *run_dir = NULL, *dir = NULL, *meta = NULL;
    int rc = -1;
    if (!safe_component(model_id)) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid model ID: '%s'",
                           model_id ? model_id : "None");
    }
    if (locate_run(st, run_id, &info, &run_dir, err) < 0 || check_run_active(&info, err) < 0) {
        goto exit;
    }
    dir = fmt("%s/outputs/%s", run_dir, model_id);
    meta = fmt("%s/outputs/%s/meta.yaml", run_dir, model_id);
    if (dir == NULL || meta == NULL) {
        nomem(err);
        goto exit;
    }
    int r = path_exists(meta, err);
    if (r != 0) {
        rc = r < 0 ? -1 : 0; /* already recorded */
        goto exit;
    }
    if (mlc_fs_makedirs(dir) < 0) {
        io_err(err, errno, "create directory", dir);
        goto exit;
    }
    mlc_kvlist empty = {0};
    yitem items[] = {
        yi_str("destination_id", model_id),
        yi_str("destination_type", "MODEL_OUTPUT"),
        yi_str("source_id", model_id),
        yi_str("source_type", "RUN_OUTPUT"),
        yi_int("step", step),
        {"tags", YI_MAP, NULL, 0, &empty},
    };
    rc = put_meta(st, dir, items, sizeof items / sizeof items[0], err);
exit:
    free(dir);
    free(meta);
    free(run_dir);
    mlc_run_clear(&info);
    return rc;
}

static int
fs_delete_experiment(mlc_store *s, const char *experiment_id, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_experiment e = {0};
    exp_extra extra = {0};
    strvec names = {0};
    char *dir = NULL, *dest = NULL;
    int rc = -1;

    if (experiment_id != NULL && strcmp(experiment_id, DEFAULT_EXPERIMENT_ID) == 0) {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "Cannot delete the default experiment '0'. This is an internally "
                           "reserved experiment.");
    }
    if (check_experiment_id(experiment_id, err) < 0) {
        return -1;
    }
    int r = find_experiment_dir(st, experiment_id, MLC_VIEW_ACTIVE, &dir, err);
    if (r <= 0) {
        if (r == 0) {
            mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Could not find experiment with ID %s",
                        experiment_id);
        }
        goto exit;
    }
    r = read_experiment(st, experiment_id, dir, &e, &extra, err);
    if (r == 2) {
        mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Experiment '%s' does not exist.", experiment_id);
    }
    if (r != 0) {
        goto exit;
    }
    int64_t now = mlc_now_ms();
    /* every active run becomes deleted with the same deletion time */
    if (list_subdirs(dir, 1, &names, err) < 0) {
        goto exit;
    }
    for (size_t i = 0; i < names.n; i++) {
        mlc_run info = {0};
        if (reserved_experiment_folder(names.v[i])) {
            continue;
        }
        char *rd = mlc_fs_join(dir, names.v[i]);
        if (rd == NULL) {
            nomem(err);
            goto exit;
        }
        int k = read_run_info(st, rd, &info, err);
        if (k == 0 && info.experiment_id != NULL &&
            strcmp(info.experiment_id, experiment_id) == 0 &&
            strcmp(info.lifecycle_stage, "active") == 0) {
            k = set_str(&info.lifecycle_stage, "deleted", err);
            if (k == 0) {
                k = write_run_meta(st, rd, &info, now, err);
            }
        }
        mlc_run_clear(&info);
        free(rd);
        if (k < 0) {
            goto exit;
        }
    }
    if (set_str(&e.lifecycle_stage, "deleted", err) < 0) {
        goto exit;
    }
    e.last_update_time = now;
    if (write_experiment_meta(st, dir, &e, &extra, 1, err) < 0) {
        goto exit;
    }
    if (mlc_fs_makedirs(st->trash) < 0) {
        io_err(err, errno, "create directory", st->trash);
        goto exit;
    }
    dest = mlc_fs_join(st->trash, experiment_id);
    if (dest == NULL) {
        nomem(err);
        goto exit;
    }
    if (rename(dir, dest) < 0) {
        io_err(err, errno, "move to the trash folder", dir);
        goto exit;
    }
    rc = 0;
exit:
    strvec_clear(&names);
    free(dir);
    free(dest);
    exp_extra_clear(&extra);
    mlc_experiment_clear(&e);
    return rc;
}

/* =========================================================================================
 * Logged models (<experiment>/models/<model_id>/)
 * ========================================================================================= */

/* LoggedModelStatus from an int or an enum/proto name; -1 when unknown. */
static int
model_status_from_name(const char *v)
{
    static const char *const names[][2] = {
        {"UNSPECIFIED", "LOGGED_MODEL_STATUS_UNSPECIFIED"},
        {"PENDING", "LOGGED_MODEL_PENDING"},
        {"READY", "LOGGED_MODEL_READY"},
        {"FAILED", "LOGGED_MODEL_UPLOAD_FAILED"},
    };
    for (int i = 0; i < 4; i++) {
        if (strcmp(v, names[i][0]) == 0 || strcmp(v, names[i][1]) == 0) {
            return i;
        }
    }
    return -1;
}

/* Finds model_id below the active experiments' models/ folders (MLflow's _find_model_root
 * never finds models of experiments moved to .trash). 1 found, 0 not, -1 error. */
static int
find_model(const fs_store *st, const char *model_id, char **exp_id, char **model_dir,
           mlc_err *err)
{
    strvec names = {0};
    int rc = 0;
    *exp_id = *model_dir = NULL;
    if (!safe_component(model_id)) {
        return 0;
    }
    if (list_subdirs(st->root, 0, &names, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < names.n; i++) {
        if (!active_experiment_name(names.v[i])) {
            continue;
        }
        char *d = fmt("%s/%s/models/%s", st->root, names.v[i], model_id);
        if (d == NULL) {
            rc = nomem(err);
            break;
        }
        int r = is_dir(d, err);
        if (r == 1) {
            *model_dir = d;
            *exp_id = strdup(names.v[i]);
            rc = *exp_id ? 1 : nomem(err);
            if (rc < 0) {
                free(*model_dir);
                *model_dir = NULL;
            }
            break;
        }
        free(d);
        if (r < 0) {
            rc = -1;
            break;
        }
    }
    strvec_clear(&names);
    return rc;
}


static int
same_opt(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Model metrics as MLflow's file store reports them: for each metric file, the max line of
 * each (dataset_name, dataset_digest) group. */
static int
load_model_metrics(const char *model_dir, const char *model_id, mlc_metriclist *out,
                   mlc_err *err)
{
    strvec names = {0};
    mlc_metriclist all = {0};
    char *mdir = mlc_fs_join(model_dir, "metrics");
    int rc = -1;
    if (mdir == NULL) {
        return nomem(err);
    }
    if (walk_files(mdir, NULL, &names, err) < 0) {
        goto exit;
    }
    strvec_sort(&names);
    for (size_t i = 0; i < names.n; i++) {
        char *p = mlc_fs_join(mdir, names.v[i]);
        if (p == NULL) {
            nomem(err);
            goto exit;
        }
        mlc_metriclist_clear(&all);
        int r = read_metric_file(p, names.v[i], model_id, &all, err);
        free(p);
        if (r < 0) {
            goto exit;
        }
        size_t first = out->n; /* groups of this file start here */
        for (size_t j = 0; j < all.n; j++) {
            const mlc_metric *m = &all.items[j];
            size_t g = first;
            while (g < out->n && !(same_opt(out->items[g].dataset_name, m->dataset_name) &&
                                   same_opt(out->items[g].dataset_digest, m->dataset_digest))) {
                g++;
            }
            if (g == out->n) {
                if (mlc_metriclist_add(out, m) < 0) {
                    nomem(err);
                    goto exit;
                }
            }
            else if (mlc_metric_greater(m, &out->items[g])) {
                /* swap the new max in: move all.items[j] into the slot */
                mlc_metric_clear(&out->items[g]);
                out->items[g] = all.items[j];
                memset(&all.items[j], 0, sizeof all.items[j]);
            }
        }
    }
    rc = 0;
exit:
    mlc_metriclist_clear(&all);
    strvec_clear(&names);
    free(mdir);
    return rc;
}

/* Reads the logged model in model_dir (meta, params, tags, metrics).
 * 0 ok, 1 missing/empty meta, -1 error. *deleted set from lifecycle_stage. */
static int
read_logged_model(const fs_store *st, const char *model_dir, mlc_logged_model *out,
                  int *deleted, mlc_err *err)
{
    ymeta m = {0};
    char *sub = NULL;
    int rc = read_meta(st, model_dir, &m, err);
    if (rc != 0) {
        return rc;
    }
    rc = -1;
    if (ym_str(&m, "model_id", &out->model_id, err) < 0 ||
        ym_str(&m, "experiment_id", &out->experiment_id, err) < 0 ||
        ym_str(&m, "name", &out->name, err) < 0 ||
        ym_str(&m, "artifact_location", &out->artifact_location, err) < 0 ||
        ym_str(&m, "model_type", &out->model_type, err) < 0 ||
        ym_str(&m, "source_run_id", &out->source_run_id, err) < 0 ||
        ym_str(&m, "status_message", &out->status_message, err) < 0 ||
        ym_str(&m, "lifecycle_stage", &out->lifecycle_stage, err) < 0) {
        goto exit;
    }
    *deleted = out->lifecycle_stage != NULL && strcmp(out->lifecycle_stage, "deleted") == 0;
    if (out->lifecycle_stage == NULL && set_str(&out->lifecycle_stage, "active", err) < 0) {
        goto exit;
    }
    out->creation_timestamp = ym_time(&m, "creation_timestamp");
    out->last_updated_timestamp = ym_time(&m, "last_updated_timestamp");
    long long code = MLC_LM_READY; /* LoggedModel's default */
    const yent *se = ym_get(&m, "status");
    if (se != NULL && se->kind != YV_NULL) {
        int byname = se->val ? model_status_from_name(se->val) : -1;
        if (byname >= 0) {
            code = byname;
        }
        else if (!ym_int(&m, "status", &code) || code < 0 || code > 3) {
            mlc_err_set(err, MLC_ST_INVALID, 0, "Unknown model status: %s",
                        se->val ? se->val : "");
            goto exit;
        }
    }
    out->status = (int)code;
    const char *subs[] = {"params", "tags"};
    mlc_kvlist *lists[] = {&out->params, &out->tags};
    for (int i = 0; i < 2; i++) {
        free(sub);
        sub = mlc_fs_join(model_dir, subs[i]);
        if (sub == NULL) {
            nomem(err);
            goto exit;
        }
        if (load_kv_dir(sub, lists[i], err) < 0) {
            goto exit;
        }
    }
    if (load_model_metrics(model_dir, out->model_id ? out->model_id : "", &out->metrics, err) <
        0) {
        goto exit;
    }
    rc = 0;
exit:
    free(sub);
    ymeta_clear(&m);
    return rc;
}

/* Writes a logged model meta.yaml (LoggedModel.to_dictionary minus tags/params/metrics;
 * lifecycle_stage only at creation, as MLflow's create_logged_model writes it). */
static int
write_model_meta(const fs_store *st, const char *dir, const mlc_logged_model *lm,
                 int with_lifecycle, mlc_err *err)
{
    yitem items[12];
    size_t n = 0;
    items[n++] = yi_str("artifact_location", lm->artifact_location);
    items[n++] = yi_time("creation_timestamp", lm->creation_timestamp);
    items[n++] = yi_str("experiment_id", lm->experiment_id);
    items[n++] = yi_time("last_updated_timestamp", lm->last_updated_timestamp);
    if (with_lifecycle) {
        items[n++] = yi_str("lifecycle_stage", lm->lifecycle_stage);
    }
    items[n++] = yi_str("model_id", lm->model_id);
    items[n++] = yi_str("model_type", lm->model_type);
    items[n++] = yi_str("name", lm->name);
    items[n++] = yi_str("source_run_id", lm->source_run_id);
    items[n++] = yi_int("status", lm->status);
    items[n++] = yi_str("status_message", lm->status_message);
    return put_meta(st, dir, items, n, err);
}

/* get_logged_model with MLflow's checks; *dir_out (malloc'ed) when not NULL. */
static int
load_logged_model(const fs_store *st, const char *model_id, mlc_logged_model *out,
                  char **dir_out, mlc_err *err)
{
    char *exp_id = NULL, *dir = NULL;
    int deleted = 0, rc = -1;
    int r = find_model(st, model_id, &exp_id, &dir, err);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Model '%s' not found",
                           model_id ? model_id : "None");
    }
    if (read_logged_model(st, dir, out, &deleted, err) != 0) {
        goto exit;
    }
    if (deleted) {
        mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Model '%s' not found", model_id);
        goto exit;
    }
    if (out->experiment_id == NULL || strcmp(out->experiment_id, exp_id) != 0) {
        mlc_err_set(err, MLC_ST_BAD_STATE, 0, "Model '%s' metadata is in invalid state.",
                    model_id);
        goto exit;
    }
    if (dir_out != NULL) {
        *dir_out = dir;
        dir = NULL;
    }
    rc = 0;
exit:
    free(exp_id);
    free(dir);
    return rc;
}

static int
fs_get_logged_model(mlc_store *s, const char *model_id, mlc_logged_model *out, mlc_err *err)
{
    return load_logged_model(FS(s), model_id, out, NULL, err);
}

static int
fs_create_logged_model(mlc_store *s, const char *experiment_id, const char *name,
                       const char *source_run_id, const char *model_type,
                       const mlc_kvlist *params, const mlc_kvlist *tags,
                       mlc_logged_model *out, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_experiment e = {0};
    mlc_logged_model lm = {0};
    char *exp_dir = NULL, *dir = NULL, *sub = NULL;
    char hex[33];
    int rc = -1, made = 0;
    const char *eid = experiment_id ? experiment_id : DEFAULT_EXPERIMENT_ID;

    if (name == NULL || name[0] == '\0' || strpbrk(name, "/:.%\"'") != NULL) {
        membuf mb = {0};
        mb_puts(&mb, "Invalid model name (");
        if (name == NULL) {
            mb_puts(&mb, "None");
        }
        else {
            mb_repr_str(&mb, name);
        }
        mb_puts(&mb, ") provided. Model name must be a non-empty string and cannot contain the "
                     "following characters: ('/', ':', '.', '%', '\"', \"'\")");
        if (mb.oom) {
            nomem(err);
        }
        else {
            mlc_err_set(err, MLC_ST_INVALID, 0, "%s", mb.buf);
        }
        free(mb.buf);
        return -1;
    }
    if (load_experiment(st, eid, &e, NULL, &exp_dir, err) < 0) {
        goto exit;
    }
    if (strcmp(e.lifecycle_stage, "active") != 0) {
        mlc_err_set(err, MLC_ST_BAD_STATE, 0,
                    "Could not create model under non-active experiment with ID %s.", eid);
        goto exit;
    }
    for (size_t i = 0; params && i < params->n; i++) {
        if (check_key(params->items[i].key, "key", err) < 0) {
            goto exit;
        }
    }
    for (size_t i = 0; tags && i < tags->n; i++) {
        if (check_key(tags->items[i].key, "key", err) < 0) {
            goto exit;
        }
    }
    sub = mlc_fs_join(exp_dir, "models");
    if (sub == NULL) {
        nomem(err);
        goto exit;
    }
    if (mlc_fs_makedirs(sub) < 0) {
        io_err(err, errno, "create directory", sub);
        goto exit;
    }
    for (int attempt = 0; attempt < 8 && !made; attempt++) {
        if (mlc_uuid4_hex(hex) < 0) {
            io_err(err, errno, "get random bytes for", sub);
            goto exit;
        }
        free(dir);
        dir = fmt("%s/m-%s", sub, hex);
        if (dir == NULL) {
            nomem(err);
            goto exit;
        }
        if (mkdir(dir, 0777) == 0) {
            made = 1;
        }
        else if (errno != EEXIST) {
            io_err(err, errno, "create directory", dir);
            goto exit;
        }
    }
    if (!made) {
        mlc_err_set(err, MLC_ST_IO, EEXIST, "Could not find a free model id in '%s'", sub);
        goto exit;
    }
    int ok = 1;
    lm.model_id = fmt("m-%s", hex);
    lm.experiment_id = mlc_sdup(eid, &ok);
    lm.name = mlc_sdup(name, &ok);
    lm.model_type = mlc_sdup(model_type, &ok);
    lm.source_run_id = mlc_sdup(source_run_id, &ok);
    lm.lifecycle_stage = mlc_sdup("active", &ok);
    if (!ok || lm.model_id == NULL) {
        nomem(err);
        goto exit;
    }
    char *rel = fmt("models/%s/artifacts", lm.model_id);
    if (rel == NULL) {
        nomem(err);
        goto exit;
    }
    lm.artifact_location = uri_append(e.artifact_location ? e.artifact_location : "", rel);
    free(rel);
    if (lm.artifact_location == NULL) {
        nomem(err);
        goto exit;
    }
    lm.creation_timestamp = lm.last_updated_timestamp = mlc_now_ms();
    lm.status = MLC_LM_PENDING;
    static const char *const subs[] = {"metrics", "params"};
    for (int i = 0; i < 2; i++) {
        char *p = mlc_fs_join(dir, subs[i]);
        if (p == NULL) {
            nomem(err);
            goto exit;
        }
        int mr = mkdir(p, 0777);
        if (mr < 0) {
            io_err(err, errno, "create directory", p);
        }
        free(p);
        if (mr < 0) {
            goto exit;
        }
    }
    const char *kinds[] = {"params", "tags"};
    const mlc_kvlist *lists[] = {params, tags};
    for (int i = 0; i < 2; i++) {
        if (lists[i] == NULL || lists[i]->n == 0) {
            continue;
        }
        char *p = mlc_fs_join(dir, kinds[i]);
        if (p == NULL) {
            nomem(err);
            goto exit;
        }
        int w = put_kv_files(dir, p, lists[i]->items, lists[i]->n, "key", err);
        free(p);
        if (w < 0) {
            goto exit;
        }
    }
    int deleted = 0;
    if (write_model_meta(st, dir, &lm, 1, err) < 0 ||
        read_logged_model(st, dir, out, &deleted, err) != 0) {
        goto exit;
    }
    rc = 0;
exit:
    if (rc < 0 && made) {
        mlc_fs_rmtree(dir);
    }
    mlc_logged_model_clear(&lm);
    mlc_experiment_clear(&e);
    free(exp_dir);
    free(dir);
    free(sub);
    return rc;
}

static int
fs_finalize_logged_model(mlc_store *s, const char *model_id, int status, mlc_err *err)
{
    mlc_logged_model lm = {0};
    char *dir = NULL;
    int rc = -1;
    if (status < 0 || status > 3) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Unknown model status: %d", status);
    }
    if (load_logged_model(FS(s), model_id, &lm, &dir, err) < 0) {
        goto exit;
    }
    lm.status = status;
    lm.last_updated_timestamp = mlc_now_ms();
    rc = write_model_meta(FS(s), dir, &lm, 0, err);
exit:
    free(dir);
    mlc_logged_model_clear(&lm);
    return rc;
}

static int
fs_set_logged_model_tags(mlc_store *s, const char *model_id, const mlc_kv *tags, size_t nt,
                         mlc_err *err)
{
    mlc_logged_model lm = {0};
    char *dir = NULL, *tdir = NULL;
    int rc = -1;
    if (load_logged_model(FS(s), model_id, &lm, &dir, err) < 0) {
        goto exit;
    }
    tdir = mlc_fs_join(dir, "tags");
    if (tdir == NULL) {
        nomem(err);
        goto exit;
    }
    rc = put_kv_files(dir, tdir, tags, nt, "key", err);
exit:
    free(tdir);
    free(dir);
    mlc_logged_model_clear(&lm);
    return rc;
}

static int
fs_delete_logged_model_tag(mlc_store *s, const char *model_id, const char *key, mlc_err *err)
{
    mlc_logged_model lm = {0};
    char *dir = NULL, *path = NULL;
    int rc = -1;
    if (check_key(key, "key", err) < 0 || load_logged_model(FS(s), model_id, &lm, &dir, err) < 0) {
        goto exit;
    }
    path = fmt("%s/tags/%s", dir, key);
    if (path == NULL) {
        nomem(err);
        goto exit;
    }
    int r = path_exists(path, err);
    if (r < 0) {
        goto exit;
    }
    if (r == 0) {
        membuf mb = {0};
        mb_puts(&mb, "No tag with key ");
        mb_repr_str(&mb, key);
        mb_puts(&mb, " found for model with ID ");
        mb_repr_str(&mb, model_id);
        mb_puts(&mb, ".");
        if (mb.oom) {
            nomem(err);
        }
        else {
            mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "%s", mb.buf);
        }
        free(mb.buf);
        goto exit;
    }
    if (unlink(path) < 0) {
        io_err(err, errno, "remove", path);
        goto exit;
    }
    rc = 0;
exit:
    free(path);
    free(dir);
    mlc_logged_model_clear(&lm);
    return rc;
}

static int
fs_list_logged_models(mlc_store *s, const char *const *experiment_ids, size_t n_ids,
                      mlc_logged_model **out, size_t *n, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_logged_model *arr = NULL;
    size_t cnt = 0, cap = 0;
    strvec names = {0};
    char *exp_dir = NULL, *mdir = NULL;
    int rc = -1;

    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < n_ids; i++) {
        free(exp_dir);
        free(mdir);
        exp_dir = mdir = NULL;
        int r = find_experiment_dir(st, experiment_ids[i], MLC_VIEW_ALL, &exp_dir, err);
        if (r < 0) {
            goto exit;
        }
        if (r == 0) {
            continue;
        }
        mdir = mlc_fs_join(exp_dir, "models");
        if (mdir == NULL) {
            nomem(err);
            goto exit;
        }
        strvec_clear(&names);
        if (list_subdirs(mdir, 1, &names, err) < 0) {
            goto exit;
        }
        strvec_sort(&names);
        for (size_t j = 0; j < names.n; j++) {
            if (reserved_experiment_folder(names.v[j])) {
                continue;
            }
            char *d = mlc_fs_join(mdir, names.v[j]);
            if (d == NULL) {
                nomem(err);
                goto exit;
            }
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 16;
                mlc_logged_model *na = realloc(arr, nc * sizeof *na);
                if (na == NULL) {
                    free(d);
                    nomem(err);
                    goto exit;
                }
                arr = na;
                cap = nc;
            }
            memset(&arr[cnt], 0, sizeof arr[cnt]);
            int deleted = 0;
            int k = read_logged_model(st, d, &arr[cnt], &deleted, err);
            free(d);
            if (k < 0) {
                mlc_logged_model_clear(&arr[cnt]);
                goto exit;
            }
            if (k != 0 || deleted || arr[cnt].experiment_id == NULL ||
                strcmp(arr[cnt].experiment_id, experiment_ids[i]) != 0) {
                mlc_logged_model_clear(&arr[cnt]);
                continue;
            }
            cnt++;
        }
    }
    *out = arr;
    *n = cnt;
    arr = NULL;
    cnt = 0;
    rc = 0;
exit:
    mlc_logged_model_array_free(arr, cnt);
    strvec_clear(&names);
    free(exp_dir);
    free(mdir);
    return rc;
}

/* =========================================================================================
 * Model registry (<root>/models/<name>/ with version-<n>/, tags/ and aliases/)
 * ========================================================================================= */

/* MLflow's registry name checks (_validate_model_name plus the file store's rules). */
static int
check_model_name(const char *name, mlc_err *err)
{
    int blank = 1;
    for (const char *p = name; p && *p; p++) {
        if (!isspace((unsigned char)*p)) {
            blank = 0;
            break;
        }
    }
    if (name == NULL || blank) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Missing value for required parameter 'name'.");
    }
    if (strchr(name, '/') != NULL || strchr(name, ':') != NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "Invalid model name '%s'. Names cannot contain '/' or ':'.", name);
    }
    if (check_key(name, "name", err) < 0) {
        return -1;
    }
    if (strchr(name, '%') != NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "Invalid name: '%s'. Registered model name cannot contain '%%' "
                           "character",
                           name);
    }
    return 0;
}

/* <root>/models/<name> after the name checks; NOT_FOUND when it does not exist. */
static int
registered_model_dir(const fs_store *st, const char *name, char **dir, mlc_err *err)
{
    *dir = NULL;
    if (check_model_name(name, err) < 0) {
        return -1;
    }
    char *d = mlc_fs_join(st->registry, name);
    if (d == NULL) {
        return nomem(err);
    }
    int r = is_dir(d, err);
    if (r <= 0) {
        free(d);
        if (r == 0) {
            mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Registered Model with name=%s not found",
                        name);
        }
        return -1;
    }
    *dir = d;
    return 0;
}

/* Registered-model meta fields kept through rewrites. */
typedef struct {
    char *deployment_job_id;
    char *deployment_job_state;
    char *workspace;
} rm_extra;

static void
rm_extra_clear(rm_extra *x)
{
    free(x->deployment_job_id);
    free(x->deployment_job_state);
    free(x->workspace);
    memset(x, 0, sizeof *x);
}

/* Reads the registered model in dir: meta, tags/ and aliases/. 0, 1 (missing meta), -1. */
static int
read_registered_model(const fs_store *st, const char *dir, mlc_registered_model *out,
                      rm_extra *extra, mlc_err *err)
{
    ymeta m = {0};
    char *sub = NULL;
    int rc = read_meta(st, dir, &m, err);
    if (rc != 0) {
        return rc;
    }
    rc = -1;
    if (ym_str(&m, "name", &out->name, err) < 0 ||
        ym_str(&m, "description", &out->description, err) < 0) {
        goto exit;
    }
    if (extra != NULL &&
        (ym_str(&m, "deployment_job_id", &extra->deployment_job_id, err) < 0 ||
         ym_str(&m, "deployment_job_state", &extra->deployment_job_state, err) < 0 ||
         ym_str(&m, "workspace", &extra->workspace, err) < 0)) {
        goto exit;
    }
    out->creation_timestamp = ym_time(&m, "creation_timestamp");
    out->last_updated_timestamp = ym_time(&m, "last_updated_timestamp");
    if ((sub = mlc_fs_join(dir, "tags")) == NULL) {
        nomem(err);
        goto exit;
    }
    if (load_kv_dir(sub, &out->tags, err) < 0) {
        goto exit;
    }
    free(sub);
    if ((sub = mlc_fs_join(dir, "aliases")) == NULL) {
        nomem(err);
        goto exit;
    }
    if (load_kv_dir(sub, &out->aliases, err) < 0) {
        goto exit;
    }
    rc = 0;
exit:
    free(sub);
    ymeta_clear(&m);
    return rc;
}

/* Writes a registered model meta.yaml: dict(RegisteredModel) minus tags and latest_versions
 * (so the aliases read from aliases/ are dumped too). */
static int
write_rm_meta(const fs_store *st, const char *dir, const mlc_registered_model *rm,
              const rm_extra *extra, mlc_err *err)
{
    yitem items[] = {
        {"aliases", YI_MAP, NULL, 0, &rm->aliases},
        yi_time("creation_timestamp", rm->creation_timestamp),
        yi_str("deployment_job_id", extra ? extra->deployment_job_id : NULL),
        yi_str("deployment_job_state", extra ? extra->deployment_job_state : NULL),
        yi_str("description", rm->description),
        yi_time("last_updated_timestamp", rm->last_updated_timestamp),
        yi_str("name", rm->name),
        yi_str("workspace", extra && extra->workspace ? extra->workspace : "default"),
    };
    return put_meta(st, dir, items, sizeof items / sizeof items[0], err);
}

/* Re-reads the registered model in dir and rewrites its meta with last_updated = t. */
static int
touch_registered_model(const fs_store *st, const char *dir, int64_t t, mlc_err *err)
{
    mlc_registered_model rm = {0};
    rm_extra extra = {0};
    int rc = read_registered_model(st, dir, &rm, &extra, err) == 0 ? 0 : -1;
    if (rc == 0) {
        rm.last_updated_timestamp = t;
        rc = write_rm_meta(st, dir, &rm, &extra, err);
    }
    rm_extra_clear(&extra);
    mlc_registered_model_clear(&rm);
    return rc;
}

static int
fs_create_registered_model(mlc_store *s, const char *name, const mlc_kvlist *tags,
                           const char *description, mlc_registered_model *out, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_registered_model rm = {0};
    char *dir = NULL, *tdir = NULL;
    int rc = -1, made = 0;
    if (check_model_name(name, err) < 0) {
        return -1;
    }
    for (size_t i = 0; tags && i < tags->n; i++) {
        if (check_key(tags->items[i].key, "key", err) < 0) {
            return -1;
        }
    }
    if (mlc_fs_makedirs(st->registry) < 0) {
        return io_err(err, errno, "create directory", st->registry);
    }
    dir = mlc_fs_join(st->registry, name);
    tdir = dir ? mlc_fs_join(dir, "tags") : NULL;
    if (tdir == NULL) {
        nomem(err);
        goto exit;
    }
    if (mkdir(dir, 0777) < 0) {
        if (errno == EEXIST) {
            mlc_err_set(err, MLC_ST_EXISTS, 0, "Registered Model (name=%s) already exists.",
                        name);
        }
        else {
            io_err(err, errno, "create directory", dir);
        }
        goto exit;
    }
    made = 1;
    int ok = 1;
    rm.name = mlc_sdup(name, &ok);
    rm.description = mlc_sdup(description, &ok);
    if (!ok) {
        nomem(err);
        goto exit;
    }
    rm.creation_timestamp = rm.last_updated_timestamp = mlc_now_ms();
    if (tags && tags->n > 0) {
        if (put_kv_files(dir, tdir, tags->items, tags->n, "key", err) < 0) {
            goto exit;
        }
        rm.last_updated_timestamp = mlc_now_ms(); /* each tag write bumps it in MLflow */
    }
    if (write_rm_meta(st, dir, &rm, NULL, err) < 0) {
        goto exit;
    }
    rc = read_registered_model(st, dir, out, NULL, err) == 0 ? 0 : -1;
exit:
    if (rc < 0 && made) {
        mlc_fs_rmtree(dir);
    }
    mlc_registered_model_clear(&rm);
    free(dir);
    free(tdir);
    return rc;
}

static int
fs_get_registered_model(mlc_store *s, const char *name, mlc_registered_model *out,
                        mlc_err *err)
{
    char *dir = NULL;
    if (registered_model_dir(FS(s), name, &dir, err) < 0) {
        return -1;
    }
    int rc = read_registered_model(FS(s), dir, out, NULL, err) == 0 ? 0 : -1;
    free(dir);
    return rc;
}

static int
cmp_rm_name(const void *a, const void *b)
{
    return strcmp(((const mlc_registered_model *)a)->name,
                  ((const mlc_registered_model *)b)->name);
}

static int
fs_list_registered_models(mlc_store *s, mlc_registered_model **out, size_t *n, mlc_err *err)
{
    fs_store *st = FS(s);
    strvec names = {0};
    mlc_registered_model *arr = NULL;
    size_t cnt = 0;
    int rc = -1;
    *out = NULL;
    *n = 0;
    if (list_subdirs(st->registry, 1, &names, err) < 0) {
        goto exit;
    }
    arr = calloc(names.n ? names.n : 1, sizeof *arr);
    if (arr == NULL) {
        nomem(err);
        goto exit;
    }
    for (size_t i = 0; i < names.n; i++) {
        char *d = mlc_fs_join(st->registry, names.v[i]);
        if (d == NULL) {
            nomem(err);
            goto exit;
        }
        int k = read_registered_model(st, d, &arr[cnt], NULL, err);
        free(d);
        if (k < 0) {
            mlc_registered_model_clear(&arr[cnt]);
            goto exit;
        }
        if (k != 0 || arr[cnt].name == NULL) {
            mlc_registered_model_clear(&arr[cnt]);
            continue;
        }
        cnt++;
    }
    if (cnt > 1) {
        qsort(arr, cnt, sizeof *arr, cmp_rm_name);
    }
    *out = arr;
    *n = cnt;
    arr = NULL;
    cnt = 0;
    rc = 0;
exit:
    mlc_registered_model_array_free(arr, cnt);
    strvec_clear(&names);
    return rc;
}

/* Reads version dir vdir of the registered model in rm_dir (aliases from rm_dir/aliases).
 * 0, 1 (missing meta), -1. *deleted when its stage is Deleted_Internal. */
static int
read_model_version(const fs_store *st, const char *rm_dir, const char *vdir,
                   mlc_model_version *out, int *deleted, mlc_err *err)
{
    ymeta m = {0};
    mlc_kvlist aliases = {0};
    char *sub = NULL;
    long long v = 0;
    int rc = read_meta(st, vdir, &m, err);
    if (rc != 0) {
        return rc;
    }
    rc = -1;
    if (ym_str(&m, "name", &out->name, err) < 0 ||
        ym_str(&m, "description", &out->description, err) < 0 ||
        ym_str(&m, "user_id", &out->user_id, err) < 0 ||
        ym_str(&m, "current_stage", &out->current_stage, err) < 0 ||
        ym_str(&m, "source", &out->source, err) < 0 ||
        ym_str(&m, "run_id", &out->run_id, err) < 0 ||
        ym_str(&m, "status", &out->status, err) < 0 ||
        ym_str(&m, "status_message", &out->status_message, err) < 0 ||
        ym_str(&m, "run_link", &out->run_link, err) < 0 ||
        ym_str(&m, "storage_location", &out->storage_location, err) < 0 ||
        ym_str(&m, "model_id", &out->model_id, err) < 0) {
        goto exit;
    }
    if (!ym_int(&m, "version", &v)) {
        const char *base = strrchr(vdir, '/');
        base = base ? base + 1 : vdir;
        v = strncmp(base, "version-", 8) == 0 ? strtoll(base + 8, NULL, 10) : 0;
    }
    out->version = v;
    out->creation_timestamp = ym_time(&m, "creation_timestamp");
    out->last_updated_timestamp = ym_time(&m, "last_updated_timestamp");
    *deleted = out->current_stage != NULL && strcmp(out->current_stage, "Deleted_Internal") == 0;
    if ((sub = mlc_fs_join(vdir, "tags")) == NULL) {
        nomem(err);
        goto exit;
    }
    if (load_kv_dir(sub, &out->tags, err) < 0) {
        goto exit;
    }
    free(sub);
    if ((sub = mlc_fs_join(rm_dir, "aliases")) == NULL) {
        nomem(err);
        goto exit;
    }
    if (load_kv_dir(sub, &aliases, err) < 0) {
        goto exit;
    }
    /* MLflow matches alias file contents against the directory's number */
    const char *base = strrchr(vdir, '/');
    base = base ? base + 1 : vdir;
    const char *num = strncmp(base, "version-", 8) == 0 ? base + 8 : base;
    for (size_t i = 0; i < aliases.n; i++) {
        if (aliases.items[i].value != NULL && strcmp(aliases.items[i].value, num) == 0 &&
            mlc_kvlist_add(&out->aliases, aliases.items[i].key, aliases.items[i].value) < 0) {
            nomem(err);
            goto exit;
        }
    }
    rc = 0;
exit:
    mlc_kvlist_clear(&aliases);
    free(sub);
    ymeta_clear(&m);
    return rc;
}

/* get_model_version with MLflow's errors; *rm_dir_out when not NULL. */
static int
load_model_version(const fs_store *st, const char *name, int64_t version,
                   mlc_model_version *out, char **rm_dir_out, mlc_err *err)
{
    char *rm_dir = NULL, *vdir = NULL;
    int deleted = 0, rc = -1;
    if (registered_model_dir(st, name, &rm_dir, err) < 0) {
        return -1;
    }
    vdir = fmt("%s/version-%lld", rm_dir, (long long)version);
    if (vdir == NULL) {
        nomem(err);
        goto exit;
    }
    int r = is_dir(vdir, err);
    if (r < 0) {
        goto exit;
    }
    if (r == 0) {
        mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Model Version (name=%s, version=%lld) not found",
                    name, (long long)version);
        goto exit;
    }
    if (read_model_version(st, rm_dir, vdir, out, &deleted, err) != 0) {
        goto exit;
    }
    if (deleted) {
        mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Model Version (name=%s, version=%lld) not found",
                    name, (long long)version);
        goto exit;
    }
    if (rm_dir_out != NULL) {
        *rm_dir_out = rm_dir;
        rm_dir = NULL;
    }
    rc = 0;
exit:
    free(rm_dir);
    free(vdir);
    return rc;
}

static int
fs_get_model_version(mlc_store *s, const char *name, int64_t version, mlc_model_version *out,
                     mlc_err *err)
{
    return load_model_version(FS(s), name, version, out, NULL, err);
}

static int
cmp_mv_version(const void *a, const void *b)
{
    int64_t x = ((const mlc_model_version *)a)->version;
    int64_t y = ((const mlc_model_version *)b)->version;
    return x < y ? -1 : x > y;
}

/* Every version of the registered model in rm_dir (deleted ones skipped when skip_deleted),
 * ascending. */
static int
list_versions_in(const fs_store *st, const char *rm_dir, int skip_deleted,
                 mlc_model_version **out, size_t *n, mlc_err *err)
{
    strvec names = {0};
    mlc_model_version *arr = NULL;
    size_t cnt = 0;
    int rc = -1;
    *out = NULL;
    *n = 0;
    if (list_subdirs(rm_dir, 0, &names, err) < 0) {
        goto exit;
    }
    arr = calloc(names.n ? names.n : 1, sizeof *arr);
    if (arr == NULL) {
        nomem(err);
        goto exit;
    }
    for (size_t i = 0; i < names.n; i++) {
        if (strncmp(names.v[i], "version-", 8) != 0) {
            continue;
        }
        char *vd = mlc_fs_join(rm_dir, names.v[i]);
        if (vd == NULL) {
            nomem(err);
            goto exit;
        }
        int deleted = 0;
        int k = read_model_version(st, rm_dir, vd, &arr[cnt], &deleted, err);
        free(vd);
        if (k < 0) {
            mlc_model_version_clear(&arr[cnt]);
            goto exit;
        }
        if (k != 0 || (skip_deleted && deleted)) {
            mlc_model_version_clear(&arr[cnt]);
            continue;
        }
        cnt++;
    }
    if (cnt > 1) {
        qsort(arr, cnt, sizeof *arr, cmp_mv_version);
    }
    *out = arr;
    *n = cnt;
    arr = NULL;
    cnt = 0;
    rc = 0;
exit:
    mlc_model_version_array_free(arr, cnt);
    strvec_clear(&names);
    return rc;
}

static int
fs_list_model_versions(mlc_store *s, const char *name, mlc_model_version **out, size_t *n,
                       mlc_err *err)
{
    char *rm_dir = NULL;
    *out = NULL;
    *n = 0;
    if (registered_model_dir(FS(s), name, &rm_dir, err) < 0) {
        return -1;
    }
    int rc = list_versions_in(FS(s), rm_dir, 1, out, n, err);
    free(rm_dir);
    return rc;
}

static int
fs_create_model_version(mlc_store *s, const char *name, const char *source, const char *run_id,
                        const char *model_id, const char *storage_location,
                        const mlc_kvlist *tags, const char *description,
                        mlc_model_version *out, mlc_err *err)
{
    fs_store *st = FS(s);
    char *rm_dir = NULL, *vdir = NULL, *tdir = NULL, *src_run = NULL;
    mlc_model_version *existing = NULL;
    size_t n_existing = 0;
    int rc = -1, made = 0;
    long long version = 0;

    if (registered_model_dir(st, name, &rm_dir, err) < 0) {
        return -1;
    }
    for (size_t i = 0; tags && i < tags->n; i++) {
        if (check_key(tags->items[i].key, "key", err) < 0) {
            goto exit;
        }
    }
    if ((run_id == NULL || run_id[0] == '\0') && model_id != NULL) {
        /* MLflow takes the run from the logged model when none is given */
        mlc_logged_model lm = {0};
        mlc_err ignored;
        if (load_logged_model(st, model_id, &lm, NULL, &ignored) == 0 && lm.source_run_id) {
            src_run = lm.source_run_id;
            lm.source_run_id = NULL;
        }
        mlc_logged_model_clear(&lm);
        if (src_run != NULL) {
            run_id = src_run;
        }
    }
    for (int attempt = 0; attempt < 3 && !made; attempt++) {
        mlc_model_version_array_free(existing, n_existing);
        existing = NULL;
        if (list_versions_in(st, rm_dir, 0, &existing, &n_existing, err) < 0) {
            goto exit;
        }
        version = n_existing ? (long long)existing[n_existing - 1].version + 1 : 1;
        free(vdir);
        vdir = fmt("%s/version-%lld", rm_dir, version);
        if (vdir == NULL) {
            nomem(err);
            goto exit;
        }
        if (mkdir(vdir, 0777) == 0) {
            made = 1;
        }
        else if (errno != EEXIST) {
            io_err(err, errno, "create directory", vdir);
            goto exit;
        }
    }
    if (!made) {
        mlc_err_set(err, MLC_ST_IO, EEXIST,
                    "Model Version creation error (name=%s). Error: version directory exists. "
                    "Giving up after 3 attempts.",
                    name);
        goto exit;
    }
    int64_t created = mlc_now_ms(), touched = created;
    if (tags && tags->n > 0) {
        tdir = mlc_fs_join(vdir, "tags");
        if (tdir == NULL) {
            nomem(err);
            goto exit;
        }
        if (put_kv_files(vdir, tdir, tags->items, tags->n, "key", err) < 0) {
            goto exit;
        }
        touched = mlc_now_ms();
    }
    yitem items[] = {
        yi_time("creation_timestamp", created),
        yi_str("current_stage", "None"),
        yi_str("deployment_job_state", NULL),
        yi_str("description", description),
        yi_time("last_updated_timestamp", created),
        yi_str("model_id", model_id),
        yi_str("name", name),
        yi_str("run_id", run_id),
        yi_str("run_link", NULL),
        yi_str("source", source),
        yi_str("status", "READY"),
        yi_str("status_message", NULL),
        yi_str("storage_location", storage_location ? storage_location : source),
        yi_str("user_id", NULL),
        yi_int("version", version),
        yi_str("workspace", "default"),
    };
    if (put_meta(st, vdir, items, sizeof items / sizeof items[0], err) < 0 ||
        touch_registered_model(st, rm_dir, touched, err) < 0) {
        goto exit;
    }
    rc = load_model_version(st, name, version, out, NULL, err);
exit:
    if (rc < 0 && made) {
        mlc_fs_rmtree(vdir);
    }
    mlc_model_version_array_free(existing, n_existing);
    free(src_run);
    free(rm_dir);
    free(vdir);
    free(tdir);
    return rc;
}

/* MLflow's alias name checks (_validate_model_alias_name). */
static int
check_alias(const char *alias, mlc_err *err)
{
    if (alias == NULL || alias[0] == '\0') {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "Registered model alias name cannot be empty.");
    }
    for (const unsigned char *p = (const unsigned char *)alias; *p; p++) {
        if (!is_word(*p) && *p != '-') {
            return mlc_err_set(err, MLC_ST_INVALID, 0,
                               "Invalid alias name: '%s'. Names may only contain "
                               "alphanumerics, underscores (_), and dashes (-).",
                               alias);
        }
    }
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)alias; *p; p++) {
        len += (*p & 0xC0) != 0x80;
    }
    if (len > 255) {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "Registered model alias name '%s' had length %zu, which exceeded "
                           "length limit of 255",
                           alias, len);
    }
    return 0;
}

static int
fs_set_registered_model_alias(mlc_store *s, const char *name, const char *alias,
                              int64_t version, mlc_err *err)
{
    fs_store *st = FS(s);
    mlc_model_version mv = {0};
    char *rm_dir = NULL, *path = NULL, num[32];
    int rc = -1;
    if (check_model_name(name, err) < 0 || check_alias(alias, err) < 0 ||
        registered_model_dir(st, name, &rm_dir, err) < 0) {
        goto exit;
    }
    if (strcasecmp(alias, "latest") == 0) {
        mlc_err_set(err, MLC_ST_INVALID, 0,
                    "'latest' alias name (case insensitive) is reserved.");
        goto exit;
    }
    if ((alias[0] == 'v' || alias[0] == 'V') && alias[1] != '\0' &&
        strspn(alias + 1, "0123456789") == strlen(alias + 1)) {
        mlc_err_set(err, MLC_ST_INVALID, 0, "Version alias name '%s' is reserved.", alias);
        goto exit;
    }
    if (load_model_version(st, name, version, &mv, NULL, err) < 0) {
        goto exit;
    }
    path = fmt("%s/aliases/%s", rm_dir, alias);
    if (path == NULL) {
        nomem(err);
        goto exit;
    }
    snprintf(num, sizeof num, "%lld", (long long)version);
    if (put_value(rm_dir, path, num, err) < 0 ||
        touch_registered_model(st, rm_dir, mlc_now_ms(), err) < 0) {
        goto exit;
    }
    rc = 0;
exit:
    mlc_model_version_clear(&mv);
    free(rm_dir);
    free(path);
    return rc;
}

static int
fs_get_model_version_by_alias(mlc_store *s, const char *name, const char *alias,
                              mlc_model_version *out, mlc_err *err)
{
    fs_store *st = FS(s);
    char *rm_dir = NULL, *path = NULL, *content = NULL;
    mlc_model_version *all = NULL;
    size_t n = 0;
    int rc = -1;
    if (alias != NULL && strcasecmp(alias, "latest") == 0) {
        if (registered_model_dir(st, name, &rm_dir, err) < 0 ||
            list_versions_in(st, rm_dir, 1, &all, &n, err) < 0) {
            goto exit;
        }
        if (n == 0) {
            mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Registered model alias %s not found.", alias);
            goto exit;
        }
        rc = load_model_version(st, name, all[n - 1].version, out, NULL, err);
        goto exit;
    }
    if (check_model_name(name, err) < 0 || check_alias(alias, err) < 0 ||
        registered_model_dir(st, name, &rm_dir, err) < 0) {
        goto exit;
    }
    path = fmt("%s/aliases/%s", rm_dir, alias);
    if (path == NULL) {
        nomem(err);
        goto exit;
    }
    int r = read_value(path, &content, err);
    if (r < 0) {
        goto exit;
    }
    long long v = 0;
    if (r == 0 || parse_ll(py_strip(content), &v) < 0) {
        /* MLflow's file registry reports this as INVALID_PARAMETER_VALUE */
        mlc_err_set(err, MLC_ST_INVALID, 0, "Registered model alias %s not found.", alias);
        goto exit;
    }
    rc = load_model_version(st, name, v, out, NULL, err);
exit:
    mlc_model_version_array_free(all, n);
    free(content);
    free(rm_dir);
    free(path);
    return rc;
}

/* =========================================================================================
 * Opening and closing
 * ========================================================================================= */

static void
fs_close(mlc_store *s)
{
    fs_store *st = FS(s);
    if (st == NULL) {
        return;
    }
    for (int i = 0; i < st->n_re; i++) {
        regfree(&st->re[i]);
    }
    free(st->root);
    free(st->trash);
    free(st->registry);
    free(st->root_uri);
    free(st);
}

static const mlc_store_ops fs_ops = {
    .kind = "file",
    .close = fs_close,
    .create_experiment = fs_create_experiment,
    .get_experiment = fs_get_experiment,
    .get_experiment_by_name = fs_get_experiment_by_name,
    .list_experiments = fs_list_experiments,
    .delete_experiment = fs_delete_experiment,
    .set_experiment_tag = fs_set_experiment_tag,
    .create_run = fs_create_run,
    .get_run = fs_get_run,
    .update_run = fs_update_run,
    .delete_run = fs_delete_run,
    .restore_run = fs_restore_run,
    .log_batch = fs_log_batch,
    .delete_tag = fs_delete_tag,
    .get_metric_history = fs_get_metric_history,
    .list_runs = fs_list_runs,
    .log_model_output = fs_log_model_output,
    .create_logged_model = fs_create_logged_model,
    .get_logged_model = fs_get_logged_model,
    .finalize_logged_model = fs_finalize_logged_model,
    .set_logged_model_tags = fs_set_logged_model_tags,
    .delete_logged_model_tag = fs_delete_logged_model_tag,
    .list_logged_models = fs_list_logged_models,
    .create_registered_model = fs_create_registered_model,
    .get_registered_model = fs_get_registered_model,
    .list_registered_models = fs_list_registered_models,
    .create_model_version = fs_create_model_version,
    .get_model_version = fs_get_model_version,
    .list_model_versions = fs_list_model_versions,
    .set_registered_model_alias = fs_set_registered_model_alias,
    .get_model_version_by_alias = fs_get_model_version_by_alias,
};

/* Creates experiment 0 "Default" in the (new) root, as MLflow's _create_default_experiment. */
static int
create_default_experiment(const fs_store *st, mlc_err *err)
{
    mlc_experiment e = {0};
    char *dir = mlc_fs_join(st->root, DEFAULT_EXPERIMENT_ID);
    int rc = -1;
    if (dir == NULL) {
        return nomem(err);
    }
    if (mlc_fs_makedirs(dir) < 0) {
        io_err(err, errno, "create directory", dir);
        goto exit;
    }
    e.experiment_id = (char *)DEFAULT_EXPERIMENT_ID;
    e.name = (char *)"Default";
    e.lifecycle_stage = (char *)"active";
    e.creation_time = e.last_update_time = mlc_now_ms();
    e.artifact_location = uri_append(st->root_uri, DEFAULT_EXPERIMENT_ID);
    if (e.artifact_location == NULL) {
        nomem(err);
        goto exit;
    }
    rc = write_experiment_meta(st, dir, &e, NULL, 0, err);
exit:
    free(e.artifact_location);
    free(dir);
    return rc;
}

mlc_store *
mlc_fs_open(const char *root, mlc_err *err)
{
    fs_store *st = NULL;
    char *local = NULL;
    int is_uri = 0;

    if (root == NULL || root[0] == '\0') {
        mlc_err_set(err, MLC_ST_INVALID, 0, "The file store needs a root directory");
        return NULL;
    }
    st = calloc(1, sizeof *st);
    if (st == NULL) {
        nomem(err);
        return NULL;
    }
    st->base.ops = &fs_ops;
    local = mlc_fs_local_path(root, &is_uri);
    if (local == NULL || (st->root = mlc_fs_abspath(local)) == NULL) {
        nomem(err);
        goto error;
    }
    st->trash = mlc_fs_join(st->root, ".trash");
    st->registry = mlc_fs_join(st->root, "models");
    st->root_uri = path_to_file_uri(st->root);
    if (st->trash == NULL || st->registry == NULL || st->root_uri == NULL) {
        nomem(err);
        goto error;
    }
    for (int i = 0; i < R_COUNT; i++) {
        int r = regcomp(&st->re[i], resolvers[i].pattern, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
            mlc_err_set(err, r == REG_ESPACE ? MLC_ST_NOMEM : MLC_ST_INVALID, 0,
                        "Could not compile the YAML resolver pattern %d", i);
            goto error;
        }
        st->n_re++;
    }
    int ex = path_exists(st->root, err);
    if (ex < 0) {
        goto error;
    }
    if (ex == 0) {
        if (mlc_fs_makedirs(st->root) < 0) {
            io_err(err, errno, "create directory", st->root);
            goto error;
        }
        if (create_default_experiment(st, err) < 0) {
            goto error;
        }
    }
    else if (is_dir(st->root, err) != 1) {
        if (err->code != MLC_ST_IO) {
            mlc_err_set(err, MLC_ST_IO, ENOTDIR, "'%s' is not a directory.", st->root);
        }
        goto error;
    }
    if (mlc_fs_makedirs(st->trash) < 0) {
        io_err(err, errno, "create directory", st->trash);
        goto error;
    }
    free(local);
    return &st->base;
error:
    free(local);
    fs_close(&st->base);
    return NULL;
}
