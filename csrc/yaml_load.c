/* yaml_load.c: YAML text -> Python objects, with yaml.safe_load's semantics, on libyaml's parser.
 * Owns the implicit resolver (mlc_yaml_resolve, shared with yaml_dump.c), the node graph built
 * from parser events (anchors, aliases, merge keys) and the SafeConstructor rules that turn nodes
 * into dict/list/str/int/float/bool/None/bytes/set/date/datetime. Touches no files and no
 * emitter; the only Python modules it reaches are datetime (C API) and binascii (!!binary). */
#include "yaml.h"

#include "args.h"
#include "errors.h"

#include <datetime.h>
#include <stdarg.h>
#include <string.h>
#include <yaml.h>

/* ================================================================ implicit resolver */

MLC_INLINE int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Returns the index after the run of [0-9_] that starts at i. */
static size_t
skip_digits_us(const char *s, size_t i, size_t n)
{
    while (i < n && (is_digit(s[i]) || s[i] == '_')) {
        i++;
    }
    return i;
}

/* Returns the index after the run of [0-9] that starts at i. */
static size_t
skip_digits(const char *s, size_t i, size_t n)
{
    while (i < n && is_digit(s[i])) {
        i++;
    }
    return i;
}

/* Returns 1 when s[i:n] is entirely made of characters in `set`, and i < n. */
static int
all_in(const char *s, size_t i, size_t n, const char *set)
{
    if (i >= n) {
        return 0;
    }
    for (; i < n; i++) {
        if (s[i] == '\0' || strchr(set, s[i]) == NULL) {
            return 0;
        }
    }
    return 1;
}

/* Returns 1 when s[0:n] equals the NUL-terminated word. */
static int
equals(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* One or more groups (?::[0-5]?[0-9]) starting at i. Returns the index after them, or
 * (size_t)-1 when there is no group or a group is malformed. A group ends at the first
 * non-digit, so a run of digits after ':' must be one digit, or two with the first in 0-5. */
static size_t
sexagesimal_groups(const char *s, size_t i, size_t n)
{
    size_t groups = 0;
    while (i < n && s[i] == ':') {
        size_t first = i + 1;
        size_t end = skip_digits(s, first, n);
        size_t run = end - first;
        if (!(run == 1 || (run == 2 && s[first] <= '5'))) {
            return (size_t)-1;
        }
        i = end;
        groups++;
    }
    return groups == 0 ? (size_t)-1 : i;
}

/* ^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$ */
static int
match_bool(const char *s, size_t n)
{
    static const char *const words[] = {"yes",  "Yes",  "YES",   "no",    "No",    "NO",
                                        "true", "True", "TRUE",  "false", "False", "FALSE",
                                        "on",   "On",   "ON",    "off",   "Off",   "OFF",
                                        NULL};
    for (int i = 0; words[i] != NULL; i++) {
        if (equals(s, n, words[i])) {
            return 1;
        }
    }
    return 0;
}

/* ^(?:~|null|Null|NULL|)$ */
static int
match_null(const char *s, size_t n)
{
    return n == 0 || equals(s, n, "~") || equals(s, n, "null") || equals(s, n, "Null") ||
           equals(s, n, "NULL");
}

/* Optional exponent (?:[eE][-+][0-9]+)? then the end of the string. */
static int
exponent_then_end(const char *s, size_t i, size_t n)
{
    if (i == n) {
        return 1;
    }
    if ((s[i] != 'e' && s[i] != 'E') || i + 2 >= n || (s[i + 1] != '-' && s[i + 1] != '+')) {
        return 0;
    }
    return skip_digits(s, i + 2, n) == n;
}

/* Returns 1 when s is one of .inf .Inf .INF (after an optional sign, handled by the caller). */
static int
is_inf_word(const char *s, size_t n)
{
    return equals(s, n, ".inf") || equals(s, n, ".Inf") || equals(s, n, ".INF");
}

/* PyYAML's float pattern:
 *   [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
 *   | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
 *   | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
 *   | [-+]?\.(?:inf|Inf|INF)
 *   | \.(?:nan|NaN|NAN)                                                          */
static int
match_float(const char *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (s[0] == '.') {
        if (is_inf_word(s, n) || equals(s, n, ".nan") || equals(s, n, ".NaN") ||
            equals(s, n, ".NAN")) {
            return 1;
        }
        if (n > 1 && is_digit(s[1])) {
            return exponent_then_end(s, skip_digits_us(s, 2, n), n);
        }
        return 0;
    }
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i < n && s[i] == '.') {
        return is_inf_word(s + i, n - i);
    }
    if (i >= n || !is_digit(s[i])) {
        return 0;
    }
    size_t j = skip_digits_us(s, i + 1, n);
    if (j < n && s[j] == '.') {
        return exponent_then_end(s, skip_digits_us(s, j + 1, n), n);
    }
    if (j < n && s[j] == ':') {
        size_t k = sexagesimal_groups(s, j, n);
        if (k == (size_t)-1 || k >= n || s[k] != '.') {
            return 0;
        }
        return skip_digits_us(s, k + 1, n) == n;
    }
    return 0;
}

/* PyYAML's int pattern (note: no 0o form):
 *   [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
 *   | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+                                          */
static int
match_int(const char *s, size_t n)
{
    size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i >= n) {
        return 0;
    }
    if (s[i] == '0') {
        if (i + 1 == n) {
            return 1;
        }
        if (s[i + 1] == 'b') {
            return all_in(s, i + 2, n, "01_");
        }
        if (s[i + 1] == 'x') {
            return all_in(s, i + 2, n, "0123456789abcdefABCDEF_");
        }
        return all_in(s, i + 1, n, "01234567_");
    }
    if (s[i] < '1' || s[i] > '9') {
        return 0;
    }
    size_t j = skip_digits_us(s, i + 1, n);
    if (j == n) {
        return 1;
    }
    return s[j] == ':' && sexagesimal_groups(s, j, n) == n;
}

/* A run of one or two digits at *i followed by `next` (or the end when next is 0). Advances *i
 * past the digits. */
static int
one_or_two_digits(const char *s, size_t *i, size_t n)
{
    size_t end = skip_digits(s, *i, n);
    size_t run = end - *i;
    *i = end;
    return run == 1 || run == 2;
}

/* Exactly two digits at *i; advances *i. */
static int
two_digits(const char *s, size_t *i, size_t n)
{
    if (*i + 2 > n || !is_digit(s[*i]) || !is_digit(s[*i + 1])) {
        return 0;
    }
    *i += 2;
    return 1;
}

/* PyYAML's (implicit) timestamp pattern:
 *   [0-9]{4}-[0-9]{2}-[0-9]{2}
 *   | [0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
 *     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?                                      */
static int
match_timestamp(const char *s, size_t n)
{
    size_t i = 0;
    if (n < 8 || skip_digits(s, 0, 4) != 4 || s[4] != '-') {
        return 0;
    }
    i = 5;
    size_t month_start = i;
    if (!one_or_two_digits(s, &i, n) || i >= n || s[i] != '-') {
        return 0;
    }
    size_t month_len = i - month_start;
    i++;
    size_t day_start = i;
    if (!one_or_two_digits(s, &i, n)) {
        return 0;
    }
    if (i == n) {
        return month_len == 2 && i - day_start == 2;
    }
    if (s[i] == 'T' || s[i] == 't') {
        i++;
    }
    else if (s[i] == ' ' || s[i] == '\t') {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
    }
    else {
        return 0;
    }
    if (!one_or_two_digits(s, &i, n) || i >= n || s[i] != ':') {
        return 0;
    }
    i++;
    if (!two_digits(s, &i, n) || i >= n || s[i] != ':') {
        return 0;
    }
    i++;
    if (!two_digits(s, &i, n)) {
        return 0;
    }
    if (i < n && s[i] == '.') {
        i = skip_digits(s, i + 1, n);
    }
    if (i == n) {
        return 1;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    if (i < n && s[i] == 'Z') {
        return i + 1 == n;
    }
    if (i >= n || (s[i] != '-' && s[i] != '+')) {
        return 0;
    }
    i++;
    if (!one_or_two_digits(s, &i, n)) {
        return 0;
    }
    if (i == n) {
        return 1;
    }
    if (s[i] != ':') {
        return 0;
    }
    i++;
    return two_digits(s, &i, n) && i == n;
}

/* Tries the resolvers PyYAML registers for first character c, in registration order. */
static mlc_yaml_kind
resolve_exact(char c, const char *s, size_t n)
{
    switch (c) {
    case 'y': case 'Y': case 't': case 'T': case 'f': case 'F': case 'o': case 'O':
        return match_bool(s, n) ? MLC_YAML_BOOL : MLC_YAML_STR;
    case 'n': case 'N':
        if (match_bool(s, n)) {
            return MLC_YAML_BOOL;
        }
        return match_null(s, n) ? MLC_YAML_NULL : MLC_YAML_STR;
    case '~':
        return match_null(s, n) ? MLC_YAML_NULL : MLC_YAML_STR;
    case '-': case '+':
        if (match_float(s, n)) {
            return MLC_YAML_FLOAT;
        }
        return match_int(s, n) ? MLC_YAML_INT : MLC_YAML_STR;
    case '.':
        return match_float(s, n) ? MLC_YAML_FLOAT : MLC_YAML_STR;
    case '<':
        return equals(s, n, "<<") ? MLC_YAML_MERGE : MLC_YAML_STR;
    case '=':
        return equals(s, n, "=") ? MLC_YAML_VALUE : MLC_YAML_STR;
    default:
        if (is_digit(c)) {
            if (match_float(s, n)) {
                return MLC_YAML_FLOAT;
            }
            if (match_int(s, n)) {
                return MLC_YAML_INT;
            }
            return match_timestamp(s, n) ? MLC_YAML_TIMESTAMP : MLC_YAML_STR;
        }
        return MLC_YAML_STR;
    }
}

mlc_yaml_kind
mlc_yaml_resolve(const char *s, size_t len)
{
    if (len == 0) {
        return MLC_YAML_NULL;
    }
    mlc_yaml_kind kind = resolve_exact(s[0], s, len);
    /* PyYAML's patterns end in `$`, which also matches just before one final newline. */
    if (kind == MLC_YAML_STR && len > 1 && s[len - 1] == '\n') {
        kind = resolve_exact(s[0], s, len - 1);
    }
    return kind;
}

/* ================================================================ node graph */

/* What a node's tag says to build. LT_MERGE/LT_VALUE/LT_YAML/LT_OTHER have no constructor. */
typedef enum {
    LT_NULL,
    LT_BOOL,
    LT_INT,
    LT_FLOAT,
    LT_BINARY,
    LT_TIMESTAMP,
    LT_OMAP,
    LT_PAIRS,
    LT_SET,
    LT_STR,
    LT_SEQ,
    LT_MAP,
    LT_MERGE,
    LT_VALUE,
    LT_YAML,
    LT_OTHER,
} ltag;

/* Suffixes after "tag:yaml.org,2002:", indexed by ltag (LT_OTHER has none). */
static const char *const ltag_names[] = {
    "null", "bool", "int",  "float", "binary", "timestamp", "omap",  "pairs",
    "set",  "str",  "seq",  "map",   "merge",  "value",     "yaml",  NULL,
};

#define MLC_YAML_TAG_PREFIX "tag:yaml.org,2002:"

typedef enum { LN_SCALAR, LN_SEQ, LN_MAP } lnode_kind;

static const char *const lnode_kind_names[] = {"scalar", "sequence", "mapping"};

typedef struct lnode {
    unsigned char kind;   /* lnode_kind */
    unsigned char tag;    /* ltag */
    char *tag_text;       /* owned: the explicit tag when tag == LT_OTHER, else NULL */
    char *value;          /* owned, NUL-terminated: the scalar text */
    size_t len;           /* bytes in value */
    struct lnode **items; /* owned array of borrowed nodes: sequence items, or key, value, ... */
    size_t nitems;
    size_t capitems;
    size_t line;          /* 0-based start mark */
    size_t column;
    size_t index;         /* position in loader.nodes */
    PyObject *obj;        /* strong reference once constructed (aliases share it) */
} lnode;

typedef struct {
    mlc_state *st;
    const char *where;
    const char *buf;
    size_t len;
    yaml_parser_t parser;
    int parser_ready;
    lnode **nodes; /* every node, owned, for cleanup */
    size_t nnodes;
    size_t capnodes;
    PyObject *anchors; /* dict: anchor bytes -> node index (lazily created) */
    int have_document;
} loader;

/* Raises YamlError: "Failed to parse YAML in "<where>": <problem> at line L, column C" with
 * 0-based line/column. Returns NULL. */
static PyObject *
raise_at(loader *L, size_t line, size_t column, const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    PyObject *problem = PyUnicode_FromFormatV(fmt, va);
    va_end(va);
    if (problem == NULL) {
        return NULL;
    }
    mlc_raise(L->st->YamlError, MLC_INTERNAL_ERROR,
              "Failed to parse YAML in \"%s\": %U at line %zu, column %zu", L->where, problem,
              line + 1, column + 1);
    Py_DECREF(problem);
    return NULL;
}

/* Replaces a ValueError raised while building a value (bad date, bad base64, bad number) with a
 * YamlError naming the position; the original becomes __cause__. Other errors pass through.
 * Returns NULL. */
static PyObject *
wrap_value_error(loader *L, const lnode *n, const char *what)
{
    if (PyErr_ExceptionMatches(PyExc_ValueError)) {
        return mlc_raise_from(L->st->YamlError, MLC_INTERNAL_ERROR,
                              "Failed to parse YAML in \"%s\": cannot construct %s at line %zu, "
                              "column %zu",
                              L->where, what, n->line + 1, n->column + 1);
    }
    return NULL;
}

/* Line and column (0-based, column in characters) of byte `offset` in the input. */
static void
offset_position(const loader *L, size_t offset, size_t *line, size_t *column)
{
    size_t l = 0, c = 0;
    if (offset > L->len) {
        offset = L->len;
    }
    for (size_t i = 0; i < offset; i++) {
        unsigned char b = (unsigned char)L->buf[i];
        if (b == '\n') {
            l++;
            c = 0;
        }
        else if ((b & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

/* Turns the libyaml parser's error state into an exception. Returns -1. */
static int
raise_parser_error(loader *L)
{
    yaml_parser_t *p = &L->parser;
    const char *problem = p->problem != NULL ? p->problem : "unknown libyaml error";
    size_t line, column;
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        PyErr_NoMemory();
        return -1;
    case YAML_READER_ERROR:
        offset_position(L, p->problem_offset, &line, &column);
        if (p->problem_value != -1) {
            raise_at(L, line, column, "%s #x%x", problem, p->problem_value);
        }
        else {
            raise_at(L, line, column, "%s", problem);
        }
        return -1;
    default:
        if (p->context != NULL) {
            raise_at(L, p->problem_mark.line, p->problem_mark.column, "%s (%s)", problem,
                     p->context);
        }
        else {
            raise_at(L, p->problem_mark.line, p->problem_mark.column, "%s", problem);
        }
        return -1;
    }
}

/* Returns a new node owned by L (NULL with MemoryError). */
static lnode *
new_node(loader *L, lnode_kind kind, const yaml_mark_t *mark)
{
    if (L->nnodes == L->capnodes) {
        size_t cap = L->capnodes ? L->capnodes * 2 : 64;
        lnode **grown = PyMem_Realloc(L->nodes, cap * sizeof(lnode *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        L->nodes = grown;
        L->capnodes = cap;
    }
    lnode *n = PyMem_Calloc(1, sizeof(lnode));
    if (n == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    n->kind = (unsigned char)kind;
    n->line = mark->line;
    n->column = mark->column;
    n->index = L->nnodes;
    L->nodes[L->nnodes++] = n;
    return n;
}

/* Appends child (borrowed) to parent's items. 0 or -1. */
static int
node_append(lnode *parent, lnode *child)
{
    if (parent->nitems == parent->capitems) {
        size_t cap = parent->capitems ? parent->capitems * 2 : 8;
        lnode **grown = PyMem_Realloc(parent->items, cap * sizeof(lnode *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        parent->items = grown;
        parent->capitems = cap;
    }
    parent->items[parent->nitems++] = child;
    return 0;
}

/* Returns an owned NUL-terminated copy of s[0:n] (NULL with MemoryError). */
static char *
copy_text(const char *s, size_t n)
{
    char *copy = PyMem_Malloc(n + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (n > 0) {
        memcpy(copy, s, n);
    }
    copy[n] = '\0';
    return copy;
}

/* Sets n->tag (and n->tag_text) from an explicit tag string. 0 or -1. */
static int
set_explicit_tag(lnode *n, const char *tag)
{
    size_t plen = sizeof(MLC_YAML_TAG_PREFIX) - 1;
    if (strncmp(tag, MLC_YAML_TAG_PREFIX, plen) == 0) {
        for (int i = 0; ltag_names[i] != NULL; i++) {
            if (strcmp(tag + plen, ltag_names[i]) == 0) {
                n->tag = (unsigned char)i;
                return 0;
            }
        }
    }
    n->tag = LT_OTHER;
    n->tag_text = copy_text(tag, strlen(tag));
    return n->tag_text == NULL ? -1 : 0;
}

/* The tag a plain-implicit scalar resolves to. PyYAML also resolves exactly "!", "&" and "*"
 * to tag:yaml.org,2002:yaml (which has no constructor). */
static ltag
resolve_scalar_tag(const char *s, size_t n)
{
    switch (mlc_yaml_resolve(s, n)) {
    case MLC_YAML_NULL:
        return LT_NULL;
    case MLC_YAML_BOOL:
        return LT_BOOL;
    case MLC_YAML_INT:
        return LT_INT;
    case MLC_YAML_FLOAT:
        return LT_FLOAT;
    case MLC_YAML_TIMESTAMP:
        return LT_TIMESTAMP;
    case MLC_YAML_MERGE:
        return LT_MERGE;
    case MLC_YAML_VALUE:
        return LT_VALUE;
    default:
        if ((n == 1 || (n == 2 && s[1] == '\n')) && (s[0] == '!' || s[0] == '&' || s[0] == '*')) {
            return LT_YAML;
        }
        return LT_STR;
    }
}

/* Registers `anchor` for node n, refusing a duplicate like PyYAML's composer. 0 or -1. */
static int
register_anchor(loader *L, const char *anchor, lnode *n)
{
    PyObject *key = NULL, *index = NULL, *found = NULL;
    int result = -1;
    if (L->anchors == NULL && (L->anchors = PyDict_New()) == NULL) {
        goto done;
    }
    key = PyBytes_FromString(anchor);
    if (key == NULL) {
        goto done;
    }
    int rc = PyDict_GetItemRef(L->anchors, key, &found);
    if (rc < 0) {
        goto done;
    }
    if (rc == 1) {
        size_t first = PyLong_AsSize_t(found);
        if (first == (size_t)-1) {
            goto done;
        }
        raise_at(L, n->line, n->column,
                 "found duplicate anchor '%s'; first occurrence at line %zu, column %zu, second "
                 "occurrence",
                 anchor, L->nodes[first]->line + 1, L->nodes[first]->column + 1);
        goto done;
    }
    index = PyLong_FromSize_t(n->index);
    if (index == NULL || PyDict_SetItem(L->anchors, key, index) < 0) {
        goto done;
    }
    result = 0;
done:
    Py_XDECREF(key);
    Py_XDECREF(index);
    Py_XDECREF(found);
    return result;
}

/* Returns a borrowed pointer to the node registered under `anchor`, or NULL with YamlError. */
static lnode *
lookup_anchor(loader *L, const char *anchor, const yaml_mark_t *mark)
{
    PyObject *key = NULL, *found = NULL;
    lnode *result = NULL;
    int rc = 0;
    if (L->anchors != NULL) {
        key = PyBytes_FromString(anchor);
        if (key == NULL) {
            goto done;
        }
        rc = PyDict_GetItemRef(L->anchors, key, &found);
        if (rc < 0) {
            goto done;
        }
    }
    if (rc == 0) {
        raise_at(L, mark->line, mark->column, "found undefined alias '%s'", anchor);
        goto done;
    }
    size_t index = PyLong_AsSize_t(found);
    if (index == (size_t)-1) {
        goto done;
    }
    result = L->nodes[index];
done:
    Py_XDECREF(key);
    Py_XDECREF(found);
    return result;
}

/* Composer state carried between events. */
typedef struct {
    lnode **stack; /* open collections, innermost last (owned array, borrowed nodes) */
    size_t depth;
    size_t cap;
    lnode *root;
} compose_state;

/* Attaches a finished-or-opened node to the innermost open collection (or makes it the root). */
static int
attach(compose_state *cs, lnode *n)
{
    if (cs->depth == 0) {
        cs->root = n;
        return 0;
    }
    return node_append(cs->stack[cs->depth - 1], n);
}

/* Opens collection n: it receives the following nodes until its end event. 0 or -1. */
static int
push(compose_state *cs, lnode *n)
{
    if (cs->depth == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 32;
        lnode **grown = PyMem_Realloc(cs->stack, cap * sizeof(lnode *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        cs->stack = grown;
        cs->cap = cap;
    }
    cs->stack[cs->depth++] = n;
    return 0;
}

/* Builds the node for one collection start event (tag resolution, anchor) and opens it. */
static int
compose_collection(loader *L, compose_state *cs, const yaml_event_t *ev, lnode_kind kind,
                   const yaml_char_t *anchor, const yaml_char_t *tag)
{
    lnode *n = new_node(L, kind, &ev->start_mark);
    if (n == NULL) {
        return -1;
    }
    if (tag == NULL || strcmp((const char *)tag, "!") == 0) {
        n->tag = kind == LN_SEQ ? LT_SEQ : LT_MAP;
    }
    else if (set_explicit_tag(n, (const char *)tag) < 0) {
        return -1;
    }
    if (anchor != NULL && register_anchor(L, (const char *)anchor, n) < 0) {
        return -1;
    }
    if (attach(cs, n) < 0) {
        return -1;
    }
    return push(cs, n);
}

/* Builds the node for a scalar event. 0 or -1. */
static int
compose_scalar(loader *L, compose_state *cs, const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    lnode *n = new_node(L, LN_SCALAR, &ev->start_mark);
    if (n == NULL) {
        return -1;
    }
    n->value = copy_text((const char *)ev->data.scalar.value, ev->data.scalar.length);
    if (n->value == NULL) {
        return -1;
    }
    n->len = ev->data.scalar.length;
    if (tag != NULL && strcmp(tag, "!") == 0) {
        /* PyYAML resolves a "!"-tagged scalar like a plain one, quoted or empty (libyaml leaves
         * plain_implicit unset for an empty "!" node, so do not rely on it here). */
        n->tag = resolve_scalar_tag(n->value, n->len);
    }
    else if (tag == NULL) {
        n->tag = ev->data.scalar.plain_implicit ? resolve_scalar_tag(n->value, n->len) : LT_STR;
    }
    else if (set_explicit_tag(n, tag) < 0) {
        return -1;
    }
    if (ev->data.scalar.anchor != NULL &&
        register_anchor(L, (const char *)ev->data.scalar.anchor, n) < 0) {
        return -1;
    }
    return attach(cs, n);
}

/* Feeds one parser event to the composer. 0 or -1. The event stays owned by the caller. */
static int
compose_event(loader *L, compose_state *cs, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (L->have_document) {
            raise_at(L, ev->start_mark.line, ev->start_mark.column,
                     "expected a single document in the stream, but found another document");
            return -1;
        }
        L->have_document = 1;
        return 0;
    case YAML_ALIAS_EVENT: {
        lnode *target = lookup_anchor(L, (const char *)ev->data.alias.anchor, &ev->start_mark);
        return target == NULL ? -1 : attach(cs, target);
    }
    case YAML_SCALAR_EVENT:
        return compose_scalar(L, cs, ev);
    case YAML_SEQUENCE_START_EVENT:
        return compose_collection(L, cs, ev, LN_SEQ, ev->data.sequence_start.anchor,
                                  ev->data.sequence_start.tag);
    case YAML_MAPPING_START_EVENT:
        return compose_collection(L, cs, ev, LN_MAP, ev->data.mapping_start.anchor,
                                  ev->data.mapping_start.tag);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        cs->depth--;
        return 0;
    default: /* stream start/end, document end */
        return 0;
    }
}

/* Parses the whole stream into nodes (iteratively, so nesting depth costs no C stack).
 * Returns 0 and sets *root (NULL for a stream without documents), or -1 with an exception. */
static int
compose(loader *L, lnode **root)
{
    compose_state cs = {NULL, 0, 0, NULL};
    int result = -1;
    *root = NULL;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&L->parser, &ev)) {
            raise_parser_error(L);
            goto done;
        }
        int rc = compose_event(L, &cs, &ev);
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (rc < 0) {
            goto done;
        }
        if (type == YAML_STREAM_END_EVENT) {
            break;
        }
    }
    *root = cs.root;
    result = 0;
done:
    PyMem_Free(cs.stack);
    return result;
}

/* ================================================================ construction */

static PyObject *construct(loader *L, lnode *n);

/* Returns a borrowed node whose text is n's scalar value, following SafeConstructor's rule
 * that a mapping with a "=" key stands for that key's value. NULL with YamlError when n is
 * not a scalar. */
static lnode *
scalar_node(loader *L, lnode *n)
{
    lnode *result = NULL;
    if (Py_EnterRecursiveCall(" while reading a YAML scalar")) {
        return NULL;
    }
    if (n->kind == LN_SCALAR) {
        result = n;
    }
    else {
        if (n->kind == LN_MAP) {
            for (size_t i = 0; i + 1 < n->nitems; i += 2) {
                if (n->items[i]->tag == LT_VALUE) {
                    result = scalar_node(L, n->items[i + 1]);
                    goto done;
                }
            }
        }
        raise_at(L, n->line, n->column, "expected a scalar node, but found %s",
                 lnode_kind_names[n->kind]);
    }
done:
    Py_LeaveRecursiveCall();
    return result;
}

/* Returns a new reference to the full tag string of n (for error messages). */
static PyObject *
tag_string(const lnode *n)
{
    if (n->tag == LT_OTHER) {
        return PyUnicode_DecodeUTF8(n->tag_text, (Py_ssize_t)strlen(n->tag_text), "replace");
    }
    return PyUnicode_FromFormat("%s%s", MLC_YAML_TAG_PREFIX, ltag_names[n->tag]);
}

/* Raises SafeConstructor's "could not determine a constructor" error. Returns NULL. */
static PyObject *
raise_undefined(loader *L, const lnode *n)
{
    PyObject *tag = tag_string(n);
    if (tag == NULL) {
        return NULL;
    }
    raise_at(L, n->line, n->column, "could not determine a constructor for the tag %R", tag);
    Py_DECREF(tag);
    return NULL;
}

/* Returns a new reference: the str of a scalar node. */
static PyObject *
build_str(loader *L, lnode *n)
{
    lnode *s = scalar_node(L, n);
    if (s == NULL) {
        return NULL;
    }
    PyObject *u = PyUnicode_DecodeUTF8(s->value, (Py_ssize_t)s->len, NULL);
    return u == NULL ? wrap_value_error(L, n, "a string") : u;
}

/* Returns a new reference: True/False for yes/no/true/false/on/off in any case. */
static PyObject *
build_bool(loader *L, lnode *n)
{
    static const char *const yes[] = {"yes", "true", "on", NULL};
    static const char *const no[] = {"no", "false", "off", NULL};
    lnode *s = scalar_node(L, n);
    if (s == NULL) {
        return NULL;
    }
    char lower[8];
    if (s->len < sizeof(lower)) {
        for (size_t i = 0; i < s->len; i++) {
            char c = s->value[i];
            lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        for (int i = 0; yes[i] != NULL; i++) {
            if (equals(lower, s->len, yes[i])) {
                Py_RETURN_TRUE;
            }
            if (equals(lower, s->len, no[i])) {
                Py_RETURN_FALSE;
            }
        }
    }
    PyObject *text = PyUnicode_DecodeUTF8(s->value, (Py_ssize_t)s->len, "replace");
    if (text == NULL) {
        return NULL;
    }
    raise_at(L, n->line, n->column, "cannot construct a boolean from %R", text);
    Py_DECREF(text);
    return NULL;
}

/* Returns a new reference: s[0:n] with every '_' removed, as a str; with `lower`, also
 * lowercased (str.lower(), done in C for ASCII text). */
static PyObject *
without_underscores(const char *s, size_t n, int lower)
{
    char *buf = PyMem_Malloc(n + 1);
    if (buf == NULL) {
        return PyErr_NoMemory();
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '_') {
            buf[k++] = (lower && c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
    }
    PyObject *u = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)k, NULL);
    PyMem_Free(buf);
    if (u != NULL && lower && !PyUnicode_IS_ASCII(u)) {
        Py_SETREF(u, PyObject_CallMethod(u, "lower", NULL));
    }
    return u;
}

/* Returns a new reference: sum(part_i * 60**i) over the ':'-separated parts of `digits`, read
 * right to left, each part converted by `convert` (int or float). */
static PyObject *
sexagesimal(PyObject *digits, PyObject *(*convert)(PyObject *), PyObject *zero)
{
    PyObject *parts = NULL, *colon = NULL, *value = NULL, *base = NULL, *sixty = NULL;
    PyObject *part = NULL, *term = NULL, *result = NULL;
    colon = PyUnicode_FromString(":");
    sixty = PyLong_FromLong(60);
    base = PyLong_FromLong(1);
    if (colon == NULL || sixty == NULL || base == NULL) {
        goto done;
    }
    parts = PyUnicode_Split(digits, colon, -1);
    if (parts == NULL) {
        goto done;
    }
    value = Py_NewRef(zero);
    for (Py_ssize_t i = PyList_GET_SIZE(parts) - 1; i >= 0; i--) {
        part = convert(PyList_GET_ITEM(parts, i));
        if (part == NULL) {
            goto done;
        }
        term = PyNumber_Multiply(part, base);
        if (term == NULL) {
            goto done;
        }
        Py_SETREF(value, PyNumber_Add(value, term));
        if (value == NULL) {
            goto done;
        }
        Py_SETREF(base, PyNumber_Multiply(base, sixty));
        if (base == NULL) {
            goto done;
        }
        Py_CLEAR(part);
        Py_CLEAR(term);
    }
    result = Py_NewRef(value);
done:
    Py_XDECREF(parts);
    Py_XDECREF(colon);
    Py_XDECREF(value);
    Py_XDECREF(base);
    Py_XDECREF(sixty);
    Py_XDECREF(part);
    Py_XDECREF(term);
    return result;
}

/* int(s) for sexagesimal parts. Returns a new reference. */
static PyObject *
to_int10(PyObject *s)
{
    return PyLong_FromUnicodeObject(s, 10);
}

/* Steals v (which may be NULL after a failed call). Returns a new reference to v, or to -v
 * when sign is -1. */
static PyObject *
apply_sign(PyObject *v, int sign)
{
    if (v == NULL || sign > 0) {
        return v;
    }
    PyObject *neg = PyNumber_Negative(v);
    Py_DECREF(v);
    return neg;
}

/* Returns a new reference: SafeConstructor.construct_yaml_int. */
static PyObject *
build_int(loader *L, lnode *n)
{
    PyObject *text = NULL, *digits = NULL, *zero = NULL, *result = NULL;
    lnode *s = scalar_node(L, n);
    if (s == NULL) {
        goto done;
    }
    /* Fast path: short plain decimals ("13020", "-7") are the common case. */
    if (s->len > 0 && s->len < 19 && strlen(s->value) == s->len) {
        size_t i = s->value[0] == '-' ? 1 : 0;
        size_t end = skip_digits(s->value, i, s->len);
        if (end == s->len && end > i && (s->value[i] != '0' || end == i + 1)) {
            long long v = 0;
            for (size_t k = i; k < end; k++) {
                v = v * 10 + (s->value[k] - '0');
            }
            result = PyLong_FromLongLong(i ? -v : v);
            goto done;
        }
    }
    text = without_underscores(s->value, s->len, 0);
    if (text == NULL) {
        goto error;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (len == 0) {
        raise_at(L, n->line, n->column, "cannot construct an integer from an empty value");
        goto done;
    }
    int sign = 1;
    Py_UCS4 c0 = PyUnicode_READ_CHAR(text, 0);
    if (c0 == '-') {
        sign = -1;
    }
    Py_ssize_t start = (c0 == '-' || c0 == '+') ? 1 : 0;
    digits = PyUnicode_Substring(text, start, len);
    if (digits == NULL) {
        goto error;
    }
    Py_ssize_t dlen = PyUnicode_GET_LENGTH(digits);
    if (dlen == 0) {
        raise_at(L, n->line, n->column, "cannot construct an integer from %R", text);
        goto done;
    }
    Py_UCS4 d0 = PyUnicode_READ_CHAR(digits, 0);
    Py_UCS4 d1 = dlen > 1 ? PyUnicode_READ_CHAR(digits, 1) : 0;
    if (dlen == 1 && d0 == '0') {
        result = PyLong_FromLong(0);
        goto done;
    }
    if (d0 == '0' && (d1 == 'b' || d1 == 'x')) {
        Py_SETREF(digits, PyUnicode_Substring(digits, 2, dlen));
        if (digits == NULL) {
            goto error;
        }
        result = apply_sign(PyLong_FromUnicodeObject(digits, d1 == 'b' ? 2 : 16), sign);
    }
    else if (d0 == '0') {
        result = apply_sign(PyLong_FromUnicodeObject(digits, 8), sign);
    }
    else if (PyUnicode_FindChar(digits, ':', 0, dlen, 1) >= 0) {
        zero = PyLong_FromLong(0);
        if (zero == NULL) {
            goto error;
        }
        result = apply_sign(sexagesimal(digits, to_int10, zero), sign);
    }
    else {
        result = apply_sign(PyLong_FromUnicodeObject(digits, 10), sign);
    }
    if (result == NULL) {
        goto error;
    }
    goto done;
error:
    wrap_value_error(L, n, "an integer");
done:
    Py_XDECREF(text);
    Py_XDECREF(digits);
    Py_XDECREF(zero);
    return result;
}

/* The values PyYAML's SafeConstructor uses for .inf and .nan (nan is -inf/inf, as in C99). */
static double
yaml_inf(void)
{
    volatile double big = 1e300;
    return big * big;
}

static double
yaml_nan(void)
{
    volatile double inf = yaml_inf();
    return -inf / inf;
}

/* float(s) for sexagesimal parts. Returns a new reference. */
static PyObject *
to_float(PyObject *s)
{
    return PyFloat_FromString(s);
}

/* Returns a new reference: SafeConstructor.construct_yaml_float. */
static PyObject *
build_float(loader *L, lnode *n)
{
    PyObject *lowered = NULL, *digits = NULL, *zero = NULL, *result = NULL;
    lnode *s = scalar_node(L, n);
    if (s == NULL) {
        goto done;
    }
    lowered = without_underscores(s->value, s->len, 1);
    if (lowered == NULL) {
        goto error;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(lowered);
    if (len == 0) {
        raise_at(L, n->line, n->column, "cannot construct a float from an empty value");
        goto done;
    }
    int sign = 1;
    Py_UCS4 c0 = PyUnicode_READ_CHAR(lowered, 0);
    if (c0 == '-') {
        sign = -1;
    }
    digits = PyUnicode_Substring(lowered, (c0 == '-' || c0 == '+') ? 1 : 0, len);
    if (digits == NULL) {
        goto error;
    }
    Py_ssize_t dlen = PyUnicode_GET_LENGTH(digits);
    if (PyUnicode_CompareWithASCIIString(digits, ".inf") == 0) {
        result = PyFloat_FromDouble(sign * yaml_inf());
    }
    else if (PyUnicode_CompareWithASCIIString(digits, ".nan") == 0) {
        result = PyFloat_FromDouble(yaml_nan());
    }
    else if (PyUnicode_FindChar(digits, ':', 0, dlen, 1) >= 0) {
        zero = PyFloat_FromDouble(0.0);
        if (zero == NULL) {
            goto error;
        }
        result = sexagesimal(digits, to_float, zero);
        if (result != NULL && sign < 0) {
            Py_SETREF(result, PyFloat_FromDouble(-PyFloat_AS_DOUBLE(result)));
        }
    }
    else {
        result = PyFloat_FromString(digits);
        if (result != NULL && sign < 0) {
            Py_SETREF(result, PyFloat_FromDouble(-PyFloat_AS_DOUBLE(result)));
        }
    }
    if (result == NULL) {
        goto error;
    }
    goto done;
error:
    wrap_value_error(L, n, "a float");
done:
    Py_XDECREF(lowered);
    Py_XDECREF(digits);
    Py_XDECREF(zero);
    return result;
}

/* Returns a new reference: base64.decodebytes of the scalar, as bytes. */
static PyObject *
build_binary(loader *L, lnode *n)
{
    PyObject *binascii = NULL, *raw = NULL, *result = NULL;
    lnode *s = scalar_node(L, n);
    if (s == NULL) {
        goto done;
    }
    for (size_t i = 0; i < s->len; i++) {
        if ((unsigned char)s->value[i] >= 0x80) {
            raise_at(L, n->line, n->column, "failed to convert base64 data into ascii");
            goto done;
        }
    }
    raw = PyBytes_FromStringAndSize(s->value, (Py_ssize_t)s->len);
    if (raw == NULL) {
        goto done;
    }
    binascii = PyImport_ImportModule("binascii");
    if (binascii == NULL) {
        goto done;
    }
    result = PyObject_CallMethod(binascii, "a2b_base64", "O", raw);
    if (result == NULL) {
        wrap_value_error(L, n, "binary data (failed to decode base64 data)");
    }
done:
    Py_XDECREF(binascii);
    Py_XDECREF(raw);
    return result;
}

/* Reads a run of 1..max digits at *i into *out. Returns 1 on success. */
static int
read_number(const char *s, size_t n, size_t *i, size_t min, size_t max, int *out)
{
    size_t end = skip_digits(s, *i, n);
    size_t run = end - *i;
    if (run < min || run > max) {
        return 0;
    }
    int v = 0;
    for (size_t k = *i; k < end; k++) {
        v = v * 10 + (s[k] - '0');
    }
    *out = v;
    *i = end;
    return 1;
}

/* The fields of SafeConstructor.timestamp_regexp. */
typedef struct {
    int year, month, day;
    int has_time, hour, minute, second, fraction;
    int tz;      /* 0: none, 'Z', '+' or '-' */
    int tz_hour, tz_minute;
} timestamp_parts;

/* Matches SafeConstructor's timestamp pattern (more permissive than the implicit resolver:
 * one-digit month/day are allowed in the date-only form). Returns 1 on a match. */
static int
parse_timestamp(const char *s, size_t n, timestamp_parts *t)
{
    size_t i = 0;
    memset(t, 0, sizeof(*t));
    if (n > 0 && s[n - 1] == '\n') {
        n--; /* `$` also matches before one final newline */
    }
    if (!read_number(s, n, &i, 4, 4, &t->year) || i >= n || s[i++] != '-' ||
        !read_number(s, n, &i, 1, 2, &t->month) || i >= n || s[i++] != '-' ||
        !read_number(s, n, &i, 1, 2, &t->day)) {
        return 0;
    }
    if (i == n) {
        return 1;
    }
    if (s[i] == 'T' || s[i] == 't') {
        i++;
    }
    else if (s[i] == ' ' || s[i] == '\t') {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
    }
    else {
        return 0;
    }
    t->has_time = 1;
    if (!read_number(s, n, &i, 1, 2, &t->hour) || i >= n || s[i++] != ':' ||
        !read_number(s, n, &i, 2, 2, &t->minute) || i >= n || s[i++] != ':' ||
        !read_number(s, n, &i, 2, 2, &t->second)) {
        return 0;
    }
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        size_t end = skip_digits(s, start, n);
        int frac = 0;
        for (size_t k = 0; k < 6; k++) {
            frac = frac * 10 + (start + k < end ? s[start + k] - '0' : 0);
        }
        t->fraction = frac;
        i = end;
    }
    if (i == n) {
        return 1;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    if (i < n && s[i] == 'Z') {
        t->tz = 'Z';
        return i + 1 == n;
    }
    if (i >= n || (s[i] != '+' && s[i] != '-')) {
        return 0;
    }
    t->tz = s[i++];
    if (!read_number(s, n, &i, 1, 2, &t->tz_hour)) {
        return 0;
    }
    if (i < n && s[i] == ':') {
        i++;
        if (!read_number(s, n, &i, 2, 2, &t->tz_minute)) {
            return 0;
        }
    }
    return i == n;
}

/* Imports the datetime C API once per process (it is a capsule, not a Python object we own).
 * 0 or -1. */
static int
datetime_ready(void)
{
    if (PyDateTimeAPI == NULL) {
        PyDateTime_IMPORT;
        if (PyDateTimeAPI == NULL) {
            return -1;
        }
    }
    return 0;
}

/* Returns a new reference: datetime.date or datetime.datetime (tz-aware when an offset or Z is
 * given), as SafeConstructor.construct_yaml_timestamp builds it. */
static PyObject *
build_timestamp(loader *L, lnode *n)
{
    PyObject *delta = NULL, *tz = NULL, *result = NULL;
    timestamp_parts t;
    lnode *s = scalar_node(L, n);
    if (s == NULL || datetime_ready() < 0) {
        goto done;
    }
    if (!parse_timestamp(s->value, s->len, &t)) {
        raise_at(L, n->line, n->column, "cannot construct a timestamp from '%s'", s->value);
        goto done;
    }
    if (!t.has_time) {
        result = PyDate_FromDate(t.year, t.month, t.day);
        if (result == NULL) {
            wrap_value_error(L, n, "a date");
        }
        goto done;
    }
    if (t.tz == '+' || t.tz == '-') {
        int seconds = t.tz_hour * 3600 + t.tz_minute * 60;
        delta = PyDelta_FromDSU(0, t.tz == '-' ? -seconds : seconds, 0);
        if (delta == NULL) {
            goto done;
        }
        tz = PyTimeZone_FromOffset(delta);
        if (tz == NULL) {
            wrap_value_error(L, n, "a timestamp");
            goto done;
        }
    }
    else if (t.tz == 'Z') {
        tz = Py_NewRef(PyDateTime_TimeZone_UTC);
    }
    result = PyDateTimeAPI->DateTime_FromDateAndTime(t.year, t.month, t.day, t.hour, t.minute,
                                                     t.second, t.fraction,
                                                     tz != NULL ? tz : Py_None,
                                                     PyDateTimeAPI->DateTimeType);
    if (result == NULL) {
        wrap_value_error(L, n, "a timestamp");
    }
done:
    Py_XDECREF(delta);
    Py_XDECREF(tz);
    return result;
}

/* Appends the pairs of src (borrowed nodes) to a growing pair array. 0 or -1. */
static int
extend_pairs(lnode ***pairs, size_t *npairs, size_t *cap, const lnode *src)
{
    if (*npairs + src->nitems > *cap) {
        size_t want = (*npairs + src->nitems) * 2;
        lnode **grown = PyMem_Realloc(*pairs, want * sizeof(lnode *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *pairs = grown;
        *cap = want;
    }
    if (src->nitems > 0) {
        memcpy(*pairs + *npairs, src->items, src->nitems * sizeof(lnode *));
    }
    *npairs += src->nitems;
    return 0;
}

/* SafeConstructor.flatten_mapping: removes the "<<" pairs of mapping n and puts the pairs they
 * merge in front of n's own (later pairs win when the dict is built). Mutates n, like PyYAML,
 * so a shared node is flattened once. 0 or -1. */
static int
flatten(loader *L, lnode *n)
{
    lnode **merge = NULL;
    size_t nmerge = 0, capmerge = 0;
    int result = -1;
    if (Py_EnterRecursiveCall(" while merging YAML mappings")) {
        return -1;
    }
    size_t index = 0;
    while (2 * index + 1 < n->nitems) {
        lnode *key = n->items[2 * index];
        lnode *value = n->items[2 * index + 1];
        if (key->tag == LT_MERGE) {
            memmove(n->items + 2 * index, n->items + 2 * index + 2,
                    (n->nitems - 2 * index - 2) * sizeof(lnode *));
            n->nitems -= 2;
            if (value->kind == LN_MAP) {
                if (flatten(L, value) < 0 || extend_pairs(&merge, &nmerge, &capmerge, value) < 0) {
                    goto done;
                }
            }
            else if (value->kind == LN_SEQ) {
                for (size_t i = 0; i < value->nitems; i++) {
                    lnode *sub = value->items[i];
                    if (sub->kind != LN_MAP) {
                        raise_at(L, sub->line, sub->column,
                                 "expected a mapping for merging, but found %s (while "
                                 "constructing a mapping)",
                                 lnode_kind_names[sub->kind]);
                        goto done;
                    }
                    if (flatten(L, sub) < 0) {
                        goto done;
                    }
                }
                for (size_t i = value->nitems; i-- > 0;) {
                    if (extend_pairs(&merge, &nmerge, &capmerge, value->items[i]) < 0) {
                        goto done;
                    }
                }
            }
            else {
                raise_at(L, value->line, value->column,
                         "expected a mapping or list of mappings for merging, but found %s "
                         "(while constructing a mapping)",
                         lnode_kind_names[value->kind]);
                goto done;
            }
        }
        else {
            if (key->tag == LT_VALUE) {
                key->tag = LT_STR;
            }
            index++;
        }
    }
    if (nmerge > 0) {
        lnode own = {0};
        own.items = n->items;
        own.nitems = n->nitems;
        if (extend_pairs(&merge, &nmerge, &capmerge, &own) < 0) {
            goto done;
        }
        PyMem_Free(n->items);
        n->items = merge;
        n->nitems = nmerge;
        n->capitems = capmerge;
        merge = NULL;
    }
    result = 0;
done:
    PyMem_Free(merge);
    Py_LeaveRecursiveCall();
    return result;
}

/* Builds the pairs of mapping node n (after flattening) into `target`: a dict (key -> value)
 * or, when as_set, a set of keys. Keys must be hashable. 0 or -1. */
static int
fill_mapping(loader *L, lnode *n, PyObject *target, int as_set)
{
    PyObject *key = NULL, *value = NULL;
    int result = -1;
    if (n->kind != LN_MAP) {
        raise_at(L, n->line, n->column, "expected a mapping node, but found %s",
                 lnode_kind_names[n->kind]);
        return -1;
    }
    if (flatten(L, n) < 0) {
        return -1;
    }
    for (size_t i = 0; i + 1 < n->nitems; i += 2) {
        lnode *key_node = n->items[i];
        lnode *value_node = n->items[i + 1];
        key = construct(L, key_node);
        if (key == NULL) {
            goto done;
        }
        if (PyObject_Hash(key) == -1) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
                goto done;
            }
            PyErr_Clear();
            raise_at(L, key_node->line, key_node->column,
                     "found unhashable key (while constructing a mapping)");
            goto done;
        }
        value = construct(L, value_node);
        if (value == NULL) {
            goto done;
        }
        if (as_set ? PySet_Add(target, key) : PyDict_SetItem(target, key, value)) {
            goto done;
        }
        Py_CLEAR(key);
        Py_CLEAR(value);
    }
    result = 0;
done:
    Py_XDECREF(key);
    Py_XDECREF(value);
    return result;
}

/* Builds the items of sequence node n into list `target`. 0 or -1. */
static int
fill_sequence(loader *L, lnode *n, PyObject *target)
{
    if (n->kind != LN_SEQ) {
        raise_at(L, n->line, n->column, "expected a sequence node, but found %s",
                 lnode_kind_names[n->kind]);
        return -1;
    }
    for (size_t i = 0; i < n->nitems; i++) {
        PyObject *item = construct(L, n->items[i]);
        if (item == NULL) {
            return -1;
        }
        int rc = PyList_Append(target, item);
        Py_DECREF(item);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* !!omap / !!pairs: a sequence of one-pair mappings -> list of (key, value) tuples. 0 or -1. */
static int
fill_pairs(loader *L, lnode *n, PyObject *target, const char *what)
{
    PyObject *key = NULL, *value = NULL, *pair = NULL;
    int result = -1;
    if (n->kind != LN_SEQ) {
        raise_at(L, n->line, n->column, "expected a sequence, but found %s (while constructing %s)",
                 lnode_kind_names[n->kind], what);
        return -1;
    }
    for (size_t i = 0; i < n->nitems; i++) {
        lnode *sub = n->items[i];
        if (sub->kind != LN_MAP) {
            raise_at(L, sub->line, sub->column,
                     "expected a mapping of length 1, but found %s (while constructing %s)",
                     lnode_kind_names[sub->kind], what);
            goto done;
        }
        if (sub->nitems != 2) {
            raise_at(L, sub->line, sub->column,
                     "expected a single mapping item, but found %zu items (while constructing %s)",
                     sub->nitems / 2, what);
            goto done;
        }
        key = construct(L, sub->items[0]);
        if (key == NULL) {
            goto done;
        }
        value = construct(L, sub->items[1]);
        if (value == NULL) {
            goto done;
        }
        pair = PyTuple_Pack(2, key, value);
        if (pair == NULL || PyList_Append(target, pair) < 0) {
            goto done;
        }
        Py_CLEAR(key);
        Py_CLEAR(value);
        Py_CLEAR(pair);
    }
    result = 0;
done:
    Py_XDECREF(key);
    Py_XDECREF(value);
    Py_XDECREF(pair);
    return result;
}

/* Returns a new reference: the Python object for node n (the same object for every alias of
 * n). Collections are registered before their items are built, so recursive structures work. */
static PyObject *
construct(loader *L, lnode *n)
{
    PyObject *result = NULL;
    int rc = 0;
    if (n->obj != NULL) {
        return Py_NewRef(n->obj);
    }
    if (Py_EnterRecursiveCall(" while constructing a Python object from YAML")) {
        return NULL;
    }
    switch (n->tag) {
    case LT_NULL:
        result = scalar_node(L, n) == NULL ? NULL : Py_NewRef(Py_None);
        break;
    case LT_STR:
        result = build_str(L, n);
        break;
    case LT_BOOL:
        result = build_bool(L, n);
        break;
    case LT_INT:
        result = build_int(L, n);
        break;
    case LT_FLOAT:
        result = build_float(L, n);
        break;
    case LT_BINARY:
        result = build_binary(L, n);
        break;
    case LT_TIMESTAMP:
        result = build_timestamp(L, n);
        break;
    case LT_SEQ:
    case LT_OMAP:
    case LT_PAIRS:
        if ((result = PyList_New(0)) == NULL) {
            break;
        }
        n->obj = Py_NewRef(result);
        rc = n->tag == LT_SEQ    ? fill_sequence(L, n, result)
             : n->tag == LT_OMAP ? fill_pairs(L, n, result, "an ordered map")
                                 : fill_pairs(L, n, result, "pairs");
        break;
    case LT_MAP:
        if ((result = PyDict_New()) == NULL) {
            break;
        }
        n->obj = Py_NewRef(result);
        rc = fill_mapping(L, n, result, 0);
        break;
    case LT_SET:
        if ((result = PySet_New(NULL)) == NULL) {
            break;
        }
        n->obj = Py_NewRef(result);
        rc = fill_mapping(L, n, result, 1);
        break;
    default:
        raise_undefined(L, n);
        break;
    }
    if (rc < 0) {
        Py_CLEAR(result);
    }
    if (result != NULL && n->obj == NULL) {
        n->obj = Py_NewRef(result);
    }
    Py_LeaveRecursiveCall();
    return result;
}

/* ================================================================ entry points */

/* Frees every node and the parser. */
static void
loader_clear(loader *L)
{
    for (size_t i = 0; i < L->nnodes; i++) {
        lnode *n = L->nodes[i];
        Py_XDECREF(n->obj);
        PyMem_Free(n->tag_text);
        PyMem_Free(n->value);
        PyMem_Free(n->items);
        PyMem_Free(n);
    }
    PyMem_Free(L->nodes);
    Py_XDECREF(L->anchors);
    if (L->parser_ready) {
        yaml_parser_delete(&L->parser);
    }
}

PyObject *
mlc_yaml_load(mlc_state *st, const char *buf, size_t len, const char *where)
{
    loader L;
    lnode *root = NULL;
    PyObject *result = NULL;
    memset(&L, 0, sizeof(L));
    L.st = st;
    L.where = where;
    L.buf = buf;
    L.len = len;
    if (!yaml_parser_initialize(&L.parser)) {
        PyErr_NoMemory();
        goto done;
    }
    L.parser_ready = 1;
    yaml_parser_set_input_string(&L.parser, (const unsigned char *)buf, len);
    if (compose(&L, &root) < 0) {
        goto done;
    }
    result = root == NULL ? Py_NewRef(Py_None) : construct(&L, root);
done:
    loader_clear(&L);
    return result;
}

/* Returns a new reference: _core.yaml_load(data) for str or bytes. */
static PyObject *
yaml_load_impl(mlc_state *st, PyObject *data)
{
    if (PyUnicode_Check(data)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(data, &n);
        if (s == NULL) {
            if (PyErr_ExceptionMatches(PyExc_UnicodeError)) {
                return mlc_raise_from(st->YamlError, MLC_INTERNAL_ERROR,
                                      "Failed to parse YAML in \"<string>\": the text cannot be "
                                      "encoded as UTF-8");
            }
            return NULL;
        }
        return mlc_yaml_load(st, s, (size_t)n, "<string>");
    }
    if (PyBytes_Check(data)) {
        return mlc_yaml_load(st, PyBytes_AS_STRING(data), (size_t)PyBytes_GET_SIZE(data),
                             "<string>");
    }
    return PyErr_Format(PyExc_TypeError, "yaml_load() argument must be str or bytes, not %.200s",
                        Py_TYPE(data)->tp_name);
}

PyObject *
mlc_yaml_load_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"data", NULL};
    PyObject *argv[1];
    if (mlc_args_parse("yaml_load", args, nargs, kwnames, names, 1, 1, argv, NULL) < 0) {
        return NULL;
    }
    return yaml_load_impl(mlc_state_from_module(m), argv[0]);
}
