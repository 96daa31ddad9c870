/* store_util.c: memory helpers for the tracking-store records of store.h (lists, clears,
 * array frees), the error setter, time, number formatting and the latest-metric rule.
 * Pure C: no Python objects, no SQLite, no files. */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
mlc_err_set(mlc_err *err, mlc_status code, int sys, const char *fmt, ...)
{
    va_list ap;
    err->code = code;
    err->sys = sys;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

char *
mlc_sdup(const char *s, int *ok)
{
    if (s == NULL) {
        return NULL;
    }
    char *d = strdup(s);
    if (d == NULL) {
        *ok = 0;
    }
    return d;
}

static int
kvlist_grow(mlc_kvlist *l)
{
    if (l->n < l->cap) {
        return 0;
    }
    size_t cap = l->cap ? l->cap * 2 : 8;
    mlc_kv *items = realloc(l->items, cap * sizeof *items);
    if (items == NULL) {
        errno = ENOMEM;
        return -1;
    }
    l->items = items;
    l->cap = cap;
    return 0;
}

int
mlc_kvlist_add(mlc_kvlist *l, const char *key, const char *value)
{
    int ok = 1;
    if (kvlist_grow(l) < 0) {
        return -1;
    }
    char *k = mlc_sdup(key, &ok);
    char *v = mlc_sdup(value, &ok);
    if (!ok) {
        free(k);
        free(v);
        errno = ENOMEM;
        return -1;
    }
    l->items[l->n].key = k;
    l->items[l->n].value = v;
    l->n++;
    return 0;
}

static mlc_kv *
kvlist_find(const mlc_kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].key != NULL && strcmp(l->items[i].key, key) == 0) {
            return &l->items[i];
        }
    }
    return NULL;
}

int
mlc_kvlist_set(mlc_kvlist *l, const char *key, const char *value)
{
    mlc_kv *kv = kvlist_find(l, key);
    if (kv == NULL) {
        return mlc_kvlist_add(l, key, value);
    }
    int ok = 1;
    char *v = mlc_sdup(value, &ok);
    if (!ok) {
        errno = ENOMEM;
        return -1;
    }
    free(kv->value);
    kv->value = v;
    return 0;
}

const char *
mlc_kvlist_get(const mlc_kvlist *l, const char *key)
{
    mlc_kv *kv = kvlist_find(l, key);
    return kv == NULL ? NULL : kv->value;
}

int
mlc_kvlist_has(const mlc_kvlist *l, const char *key)
{
    return kvlist_find(l, key) != NULL;
}

void
mlc_kvlist_clear(mlc_kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

void
mlc_metric_clear(mlc_metric *m)
{
    free(m->key);
    free(m->model_id);
    free(m->run_id);
    free(m->dataset_name);
    free(m->dataset_digest);
    memset(m, 0, sizeof *m);
}

/* Deep-copies src into *dst (which is overwritten). 0 or -1/ENOMEM (dst left cleared). */
static int
metric_copy(mlc_metric *dst, const mlc_metric *src)
{
    int ok = 1;
    *dst = *src;
    dst->key = mlc_sdup(src->key, &ok);
    dst->model_id = mlc_sdup(src->model_id, &ok);
    dst->run_id = mlc_sdup(src->run_id, &ok);
    dst->dataset_name = mlc_sdup(src->dataset_name, &ok);
    dst->dataset_digest = mlc_sdup(src->dataset_digest, &ok);
    if (!ok) {
        mlc_metric_clear(dst);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int
mlc_metriclist_add(mlc_metriclist *l, const mlc_metric *m)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        mlc_metric *items = realloc(l->items, cap * sizeof *items);
        if (items == NULL) {
            errno = ENOMEM;
            return -1;
        }
        l->items = items;
        l->cap = cap;
    }
    if (metric_copy(&l->items[l->n], m) < 0) {
        return -1;
    }
    l->n++;
    return 0;
}

void
mlc_metriclist_clear(mlc_metriclist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        mlc_metric_clear(&l->items[i]);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

void
mlc_experiment_clear(mlc_experiment *e)
{
    free(e->experiment_id);
    free(e->name);
    free(e->artifact_location);
    free(e->lifecycle_stage);
    mlc_kvlist_clear(&e->tags);
    memset(e, 0, sizeof *e);
}

static void
model_io_free(mlc_model_io *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].model_id);
    }
    free(a);
}

void
mlc_run_clear(mlc_run *r)
{
    free(r->run_id);
    free(r->run_name);
    free(r->experiment_id);
    free(r->user_id);
    free(r->status);
    free(r->artifact_uri);
    free(r->lifecycle_stage);
    mlc_kvlist_clear(&r->params);
    mlc_kvlist_clear(&r->tags);
    mlc_metriclist_clear(&r->metrics);
    model_io_free(r->model_outputs, r->n_model_outputs);
    model_io_free(r->model_inputs, r->n_model_inputs);
    memset(r, 0, sizeof *r);
}

void
mlc_logged_model_clear(mlc_logged_model *lm)
{
    free(lm->model_id);
    free(lm->experiment_id);
    free(lm->name);
    free(lm->artifact_location);
    free(lm->model_type);
    free(lm->source_run_id);
    free(lm->status_message);
    free(lm->lifecycle_stage);
    mlc_kvlist_clear(&lm->params);
    mlc_kvlist_clear(&lm->tags);
    mlc_metriclist_clear(&lm->metrics);
    memset(lm, 0, sizeof *lm);
}

void
mlc_registered_model_clear(mlc_registered_model *rm)
{
    free(rm->name);
    free(rm->description);
    mlc_kvlist_clear(&rm->tags);
    mlc_kvlist_clear(&rm->aliases);
    memset(rm, 0, sizeof *rm);
}

void
mlc_model_version_clear(mlc_model_version *mv)
{
    free(mv->name);
    free(mv->description);
    free(mv->user_id);
    free(mv->current_stage);
    free(mv->source);
    free(mv->run_id);
    free(mv->status);
    free(mv->status_message);
    free(mv->run_link);
    free(mv->storage_location);
    free(mv->model_id);
    mlc_kvlist_clear(&mv->tags);
    mlc_kvlist_clear(&mv->aliases);
    memset(mv, 0, sizeof *mv);
}

int
mlc_model_io_add(mlc_model_io **arr, size_t *n, const char *model_id, int64_t step)
{
    mlc_model_io *a = realloc(*arr, (*n + 1) * sizeof *a);
    if (a == NULL) {
        errno = ENOMEM;
        return -1;
    }
    *arr = a;
    char *id = strdup(model_id);
    if (id == NULL) {
        errno = ENOMEM;
        return -1;
    }
    a[*n].model_id = id;
    a[*n].step = step;
    (*n)++;
    return 0;
}

/* One array-free function per record type; each clears its elements then frees. */
#define MLC_ARRAY_FREE(fname, type, clear)                                                  \
    void fname(type *a, size_t n)                                                           \
    {                                                                                       \
        if (a == NULL) {                                                                    \
            return;                                                                         \
        }                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                    \
            clear(&a[i]);                                                                   \
        }                                                                                   \
        free(a);                                                                            \
    }
MLC_ARRAY_FREE(mlc_experiment_array_free, mlc_experiment, mlc_experiment_clear)
MLC_ARRAY_FREE(mlc_run_array_free, mlc_run, mlc_run_clear)
MLC_ARRAY_FREE(mlc_logged_model_array_free, mlc_logged_model, mlc_logged_model_clear)
MLC_ARRAY_FREE(mlc_registered_model_array_free, mlc_registered_model,
               mlc_registered_model_clear)
MLC_ARRAY_FREE(mlc_model_version_array_free, mlc_model_version, mlc_model_version_clear)
#undef MLC_ARRAY_FREE

int64_t
mlc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
mlc_format_double(double v, char *buf, size_t n)
{
    if (isnan(v)) {
        snprintf(buf, n, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
        return;
    }
    /* repr(float): the shortest of %.1g..%.17g that reads back exactly, in Python's layout:
     * plain digits for 1e-4 <= |v| < 1e16, else exponent form with at least 2 digits. */
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v) {
            break;
        }
    }
    /* tmp is d.ddde[+-]XX with prec significant digits */
    char digits[24];
    int nd = 0;
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9') {
            digits[nd++] = *p;
        }
    }
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') {
        nd--;
    }
    digits[nd] = '\0';
    char out[48];
    size_t o = 0;
    if (neg) {
        out[o++] = '-';
    }
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 < 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -exp10 - 1; i++) {
                out[o++] = '0';
            }
            memcpy(out + o, digits, (size_t)nd);
            o += (size_t)nd;
        }
        else {
            for (int i = 0; i <= exp10; i++) {
                out[o++] = i < nd ? digits[i] : '0';
            }
            out[o++] = '.';
            if (nd > exp10 + 1) {
                memcpy(out + o, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
                o += (size_t)(nd - exp10 - 1);
            }
            else {
                out[o++] = '0';
            }
        }
        out[o] = '\0';
    }
    else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, (size_t)(nd - 1));
            o += (size_t)(nd - 1);
        }
        snprintf(out + o, sizeof out - o, "e%c%02d", exp10 < 0 ? '-' : '+',
                 exp10 < 0 ? -exp10 : exp10);
    }
    snprintf(buf, n, "%s", out);
}

int
mlc_metric_greater(const mlc_metric *a, const mlc_metric *b)
{
    if (a->step != b->step) {
        return a->step > b->step;
    }
    if (a->timestamp != b->timestamp) {
        return a->timestamp > b->timestamp;
    }
    double va = isnan(a->value) ? 0.0 : a->value;
    double vb = isnan(b->value) ? 0.0 : b->value;
    return va > vb;
}

int
mlc_metric_update_latest(mlc_metriclist *latest, const mlc_metric *m)
{
    for (size_t i = 0; i < latest->n; i++) {
        mlc_metric *cur = &latest->items[i];
        if (strcmp(cur->key, m->key) != 0) {
            continue;
        }
        if (!mlc_metric_greater(m, cur)) {
            return 0;
        }
        mlc_metric copy;
        if (metric_copy(&copy, m) < 0) {
            return -1;
        }
        mlc_metric_clear(cur);
        *cur = copy;
        return 0;
    }
    return mlc_metriclist_add(latest, m);
}

/* posixpath.normpath(path) into a malloc'ed string, or NULL on ENOMEM. */
char *
mlc_normpath(const char *path)
{
    if (*path == '\0') {
        return strdup(".");
    }
    size_t len = strlen(path);
    int initial = 0;
    if (path[0] == '/') {
        initial = (path[1] == '/' && path[2] != '/') ? 2 : 1;
    }
    char *copy = strdup(path);
    const char **comps = malloc((len / 2 + 2) * sizeof *comps);
    char *out = malloc(len + 3);
    if (copy == NULL || comps == NULL || out == NULL) {
        free(copy);
        free(comps);
        free(out);
        return NULL;
    }
    size_t nc = 0;
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0) {
            continue;
        }
        if (strcmp(c, "..") == 0) {
            if (nc > 0 && strcmp(comps[nc - 1], "..") != 0) {
                nc--;
                continue;
            }
            if (initial) {
                continue;
            }
        }
        comps[nc++] = c;
    }
    size_t o = 0;
    for (int i = 0; i < initial; i++) {
        out[o++] = '/';
    }
    for (size_t i = 0; i < nc; i++) {
        if (i > 0) {
            out[o++] = '/';
        }
        size_t l = strlen(comps[i]);
        memcpy(out + o, comps[i], l);
        o += l;
    }
    if (o == 0) {
        out[o++] = '.';
    }
    out[o] = '\0';
    free(copy);
    free(comps);
    return out;
}
