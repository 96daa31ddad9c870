/* yaml_dump.c: Python objects -> YAML text, byte-identical to yaml.safe_dump(obj,
 * default_flow_style=False, sort_keys=...). Owns the safe representer, anchors for shared
 * objects, and an emitter reproducing PyYAML's pure-Python Emitter layout (libyaml's emitter
 * lays out differently; see the emitter banner). Never parses YAML, touches no files. */
#include "yaml.h"

#include "args.h"
#include "errors.h"

#include <datetime.h>
#include <math.h>
#include <string.h>

/* ================================================================ nodes */

typedef enum { DN_SCALAR, DN_SEQ, DN_MAP } dnode_kind;

typedef struct dnode {
    unsigned char kind;      /* dnode_kind */
    unsigned char literal;   /* scalar requested in literal style ('|', !!binary) */
    unsigned char implicit0; /* scalar: the tag is what the plain text resolves to;
                              * collection: the tag is the default one */
    unsigned char implicit1; /* scalar: the tag is str (the default for quoted text) */
    unsigned char seen;      /* anchor pass: visited */
    unsigned char emitted;   /* emit pass: written once (later visits are aliases) */
    const char *tag;         /* suffix after "tag:yaml.org,2002:", written as "!!" + tag */
    PyObject *text;          /* scalar: str, strong */
    struct dnode **items;    /* sequence items, or key, value, key, value ... (borrowed) */
    size_t nitems;
    size_t capitems;
    size_t index;            /* position in dumper.nodes */
    unsigned long anchor;    /* 0: none, else the N of "idNNN" */
} dnode;

typedef struct {
    mlc_state *st;
    int sort_keys;
    dnode **nodes; /* every node, owned */
    size_t nnodes;
    size_t capnodes;
    PyObject *memo;   /* dict: id(obj) -> node index, for objects that may be aliased */
    PyObject *keeper; /* list: keeps memoised objects alive so their ids stay unique */
    unsigned long last_anchor;
} dumper;

/* Returns a new node owned by D (NULL with MemoryError). */
static dnode *
new_dnode(dumper *D, dnode_kind kind, const char *tag)
{
    if (D->nnodes == D->capnodes) {
        size_t cap = D->capnodes ? D->capnodes * 2 : 64;
        dnode **grown = PyMem_Realloc(D->nodes, cap * sizeof(dnode *));
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        D->nodes = grown;
        D->capnodes = cap;
    }
    dnode *n = PyMem_Calloc(1, sizeof(dnode));
    if (n == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    n->kind = (unsigned char)kind;
    n->tag = tag;
    n->index = D->nnodes;
    D->nodes[D->nnodes++] = n;
    return n;
}

/* Appends child (borrowed) to parent's items. 0 or -1. */
static int
dnode_append(dnode *parent, dnode *child)
{
    if (parent->nitems == parent->capitems) {
        size_t cap = parent->capitems ? parent->capitems * 2 : 8;
        dnode **grown = PyMem_Realloc(parent->items, cap * sizeof(dnode *));
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

/* The tag suffix PyYAML's resolver gives a plain scalar. */
static const char *
resolved_tag(mlc_yaml_kind kind)
{
    switch (kind) {
    case MLC_YAML_NULL:
        return "null";
    case MLC_YAML_BOOL:
        return "bool";
    case MLC_YAML_INT:
        return "int";
    case MLC_YAML_FLOAT:
        return "float";
    case MLC_YAML_TIMESTAMP:
        return "timestamp";
    case MLC_YAML_MERGE:
        return "merge";
    case MLC_YAML_VALUE:
        return "value";
    default:
        return "str";
    }
}

/* Steals text. Returns a borrowed scalar node (NULL with an exception): the serializer's
 * implicit flags are computed here, once. */
static dnode *
new_scalar(dumper *D, const char *tag, PyObject *text, int literal)
{
    if (text == NULL) {
        return NULL;
    }
    Py_ssize_t len;
    mlc_yaml_kind resolved = MLC_YAML_STR;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &len);
    if (utf8 != NULL) {
        resolved = mlc_yaml_resolve(utf8, (size_t)len);
    }
    else if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        /* lone surrogates: no resolver pattern can match; the emitter escapes them */
        PyErr_Clear();
    }
    else {
        Py_DECREF(text);
        return NULL;
    }
    dnode *n = new_dnode(D, DN_SCALAR, tag);
    if (n == NULL) {
        Py_DECREF(text);
        return NULL;
    }
    n->text = text; /* steals */
    n->literal = (unsigned char)literal;
    n->implicit0 = strcmp(tag, resolved_tag(resolved)) == 0;
    n->implicit1 = strcmp(tag, "str") == 0;
    return n;
}

/* ================================================================ representer */

static dnode *represent(dumper *D, PyObject *obj);

/* Returns a new reference: PyYAML's text for a float (repr, .nan/.inf/-.inf, and "1e+20"
 * written "1.0e+20" so it still resolves as a float). */
static PyObject *
float_text(double d)
{
    if (d != d || (d == 0.0 && d == 1.0)) {
        return PyUnicode_FromString(".nan");
    }
    if (isinf(d)) {
        return PyUnicode_FromString(d > 0 ? ".inf" : "-.inf");
    }
    char *r = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (r == NULL) {
        return NULL;
    }
    char buf[64];
    const char *text = r;
    char *e = strchr(r, 'e');
    if (e != NULL && strchr(r, '.') == NULL && strlen(r) + 3 <= sizeof(buf)) {
        size_t mantissa = (size_t)(e - r);
        memcpy(buf, r, mantissa);
        memcpy(buf + mantissa, ".0", 2);
        strcpy(buf + mantissa + 2, e);
        text = buf;
    }
    PyObject *result = PyUnicode_FromString(text);
    PyMem_Free(r);
    return result;
}

/* Returns a new reference: base64.encodebytes(data).decode('ascii') -- lines of at most 76
 * characters (57 input bytes), each ending in a newline. */
static PyObject *
base64_lines(const unsigned char *data, Py_ssize_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    Py_ssize_t lines = (n + 56) / 57;
    Py_ssize_t size = ((n + 2) / 3) * 4 + lines;
    PyObject *out = PyUnicode_New(size, 127);
    if (out == NULL) {
        return NULL;
    }
    Py_UCS1 *w = PyUnicode_1BYTE_DATA(out);
    for (Py_ssize_t line = 0; line < n; line += 57) {
        Py_ssize_t end = line + 57 < n ? line + 57 : n;
        for (Py_ssize_t i = line; i < end; i += 3) {
            unsigned v = (unsigned)data[i] << 16;
            if (i + 1 < end) {
                v |= (unsigned)data[i + 1] << 8;
            }
            if (i + 2 < end) {
                v |= data[i + 2];
            }
            *w++ = (Py_UCS1)alphabet[(v >> 18) & 63];
            *w++ = (Py_UCS1)alphabet[(v >> 12) & 63];
            *w++ = (Py_UCS1)(i + 1 < end ? alphabet[(v >> 6) & 63] : '=');
            *w++ = (Py_UCS1)(i + 2 < end ? alphabet[v & 63] : '=');
        }
        *w++ = '\n';
    }
    return out;
}

/* Returns a borrowed collection node for a list or tuple. */
static dnode *
represent_sequence(dumper *D, PyObject *seq, dnode *n)
{
    /* Index-based, re-reading the size: the same live iteration PyYAML's `for item in data`
     * does, with a strong reference to each item while it is represented. */
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(seq, i));
        dnode *child = represent(D, item);
        Py_DECREF(item);
        if (child == NULL || dnode_append(n, child) < 0) {
            return NULL;
        }
    }
    return n;
}

/* Fills mapping node n from a list of (key, value) tuples, sorted first when sort_keys (like
 * PyYAML: sorted(items), keeping the given order if the keys cannot be compared). */
static dnode *
represent_pairs(dumper *D, PyObject *pairs, dnode *n)
{
    PyObject *sorted = NULL;
    dnode *result = NULL;
    if (D->sort_keys) {
        sorted = PySequence_List(pairs);
        if (sorted == NULL) {
            goto done;
        }
        if (PyList_Sort(sorted) < 0) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
                goto done;
            }
            PyErr_Clear();
            Py_SETREF(sorted, Py_NewRef(pairs));
        }
    }
    else {
        sorted = Py_NewRef(pairs);
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(sorted); i++) {
        PyObject *pair = PyList_GET_ITEM(sorted, i);
        dnode *key = represent(D, PyTuple_GET_ITEM(pair, 0));
        if (key == NULL) {
            goto done;
        }
        dnode *value = represent(D, PyTuple_GET_ITEM(pair, 1));
        if (value == NULL || dnode_append(n, key) < 0 || dnode_append(n, value) < 0) {
            goto done;
        }
    }
    result = n;
done:
    Py_XDECREF(sorted);
    return result;
}

/* Returns a new reference: the list of (key, None) pairs PyYAML's represent_set builds, in the
 * set's iteration order. */
static PyObject *
set_pairs(PyObject *set)
{
    PyObject *keys = NULL, *pairs = NULL, *result = NULL;
    keys = PySequence_List(set);
    if (keys == NULL) {
        goto done;
    }
    pairs = PyList_New(PyList_GET_SIZE(keys));
    if (pairs == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
        PyObject *pair = PyTuple_Pack(2, PyList_GET_ITEM(keys, i), Py_None);
        if (pair == NULL) {
            goto done;
        }
        PyList_SET_ITEM(pairs, i, pair); /* steals */
    }
    result = Py_NewRef(pairs);
done:
    Py_XDECREF(keys);
    Py_XDECREF(pairs);
    return result;
}

/* Imports the datetime C API once per process. 0 or -1. */
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

/* SafeRepresenter.ignore_aliases: values that are never shared through anchors. */
static int
ignore_aliases(PyObject *obj)
{
    return obj == Py_None || (PyTuple_Check(obj) && PyTuple_GET_SIZE(obj) == 0) ||
           PyUnicode_Check(obj) || PyBytes_Check(obj) || PyLong_Check(obj) ||
           PyFloat_Check(obj);
}

/* Returns a borrowed node for obj of an exact type SafeRepresenter knows, or NULL with an
 * exception (YamlError for other types). `memo_key` (borrowed, may be NULL) is registered
 * before any item is represented so self-containing objects become aliases. */
static dnode *
represent_new(dumper *D, PyObject *obj, PyObject *memo_key)
{
    PyTypeObject *tp = Py_TYPE(obj);
    dnode *n = NULL;
    PyObject *pairs = NULL, *index = NULL;
    dnode *result = NULL;
    int is_seq = tp == &PyList_Type || tp == &PyTuple_Type;
    int is_map = tp == &PyDict_Type || tp == &PySet_Type;

    if (obj == Py_None) {
        return new_scalar(D, "null", PyUnicode_FromString("null"), 0);
    }
    if (tp == &PyUnicode_Type) {
        return new_scalar(D, "str", Py_NewRef(obj), 0);
    }
    if (tp == &PyBool_Type) {
        return new_scalar(D, "bool", PyUnicode_FromString(obj == Py_True ? "true" : "false"), 0);
    }
    if (tp == &PyLong_Type) {
        return new_scalar(D, "int", PyObject_Str(obj), 0);
    }
    if (tp == &PyFloat_Type) {
        return new_scalar(D, "float", float_text(PyFloat_AS_DOUBLE(obj)), 0);
    }
    if (tp == &PyBytes_Type) {
        return new_scalar(D, "binary",
                          base64_lines((const unsigned char *)PyBytes_AS_STRING(obj),
                                       PyBytes_GET_SIZE(obj)),
                          1);
    }
    if (is_seq || is_map) {
        const char *tag = tp == &PyDict_Type ? "map" : tp == &PySet_Type ? "set" : "seq";
        n = new_dnode(D, is_seq ? DN_SEQ : DN_MAP, tag);
        if (n == NULL) {
            goto done;
        }
        n->implicit0 = tp != &PySet_Type;
        if (memo_key != NULL) {
            index = PyLong_FromSize_t(n->index);
            if (index == NULL || PyDict_SetItem(D->memo, memo_key, index) < 0) {
                goto done;
            }
        }
        if (Py_EnterRecursiveCall(" while representing an object as YAML")) {
            goto done;
        }
        if (is_seq) {
            result = represent_sequence(D, obj, n);
        }
        else {
            pairs = tp == &PyDict_Type ? PyDict_Items(obj) : set_pairs(obj);
            result = pairs == NULL ? NULL : represent_pairs(D, pairs, n);
        }
        Py_LeaveRecursiveCall();
        goto done;
    }
    if (datetime_ready() < 0) {
        goto done;
    }
    if (tp == PyDateTimeAPI->DateType || tp == PyDateTimeAPI->DateTimeType) {
        PyObject *text = tp == PyDateTimeAPI->DateType
                             ? PyObject_CallMethod(obj, "isoformat", NULL)
                             : PyObject_CallMethod(obj, "isoformat", "s", " ");
        if (text != NULL && !PyUnicode_Check(text)) {
            Py_DECREF(text);
            PyErr_SetString(PyExc_TypeError, "isoformat() did not return a str");
            goto done;
        }
        result = new_scalar(D, "timestamp", text, 0);
        goto done;
    }
    mlc_raise(D->st->YamlError, MLC_INTERNAL_ERROR,
              "cannot represent an object of type '%s' as YAML: %.200R", tp->tp_name, obj);
done:
    Py_XDECREF(pairs);
    Py_XDECREF(index);
    return result;
}

/* Returns a borrowed node for obj (NULL with an exception). An object already represented
 * (same id, not a str/int/float/bytes/None/()) gets its earlier node back. */
static dnode *
represent(dumper *D, PyObject *obj)
{
    PyObject *key = NULL, *found = NULL, *index = NULL;
    dnode *result = NULL;
    if (ignore_aliases(obj)) {
        return represent_new(D, obj, NULL);
    }
    key = PyLong_FromVoidPtr(obj);
    if (key == NULL) {
        goto done;
    }
    int rc = PyDict_GetItemRef(D->memo, key, &found);
    if (rc < 0) {
        goto done;
    }
    if (rc == 1) {
        size_t index = PyLong_AsSize_t(found);
        if (index == (size_t)-1) {
            goto done;
        }
        result = D->nodes[index];
        goto done;
    }
    if (PyList_Append(D->keeper, obj) < 0) {
        goto done;
    }
    result = represent_new(D, obj, key);
    if (result != NULL && result->kind == DN_SCALAR) {
        /* dates: memoised once built, as represent_scalar does (collections were memoised
         * before their items, inside represent_new) */
        index = PyLong_FromSize_t(result->index);
        if (index == NULL || PyDict_SetItem(D->memo, key, index) < 0) {
            result = NULL;
            goto done;
        }
    }
done:
    Py_XDECREF(key);
    Py_XDECREF(found);
    Py_XDECREF(index);
    return result;
}

/* Serializer.anchor_node: a node reached a second time gets the next "idNNN" anchor. 0/-1. */
static int
assign_anchors(dumper *D, dnode *n)
{
    if (n->seen) {
        if (n->anchor == 0) {
            n->anchor = ++D->last_anchor;
        }
        return 0;
    }
    n->seen = 1;
    if (n->nitems == 0) {
        return 0;
    }
    if (Py_EnterRecursiveCall(" while assigning YAML anchors")) {
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n->nitems && rc == 0; i++) {
        rc = assign_anchors(D, n->items[i]);
    }
    Py_LeaveRecursiveCall();
    return rc;
}

/* ================================================================ emitter
 *
 * A port of the behaviour of PyYAML's Emitter for the events safe_dump produces
 * (default_flow_style=False: block collections; flow only for empty [] and {}), with
 * allow_unicode off, indent 2, width 80 and '\n' line breaks. Deliberately not libyaml's
 * emitter: for the same events libyaml folds long double-quoted scalars differently (PyYAML
 * breaks them with a trailing '\' escape), counts simple-key length in bytes with a `> 128`
 * test where PyYAML counts characters plus the tag with `< 128`, allows '' as a simple key,
 * treats '\r' as a line break, and omits the "..." end marker after a root plain scalar. */

#define BEST_INDENT 2
#define BEST_WIDTH 80

typedef enum {
    STYLE_PLAIN,
    STYLE_SINGLE,
    STYLE_DOUBLE,
    STYLE_LITERAL,
} scalar_style;

typedef struct {
    char *buf;
    size_t len;
    size_t cap;
    Py_ssize_t column;
    int indent; /* -1: none yet (PyYAML's None) */
    int flow_level;
    int whitespace;
    int indention;
    int open_ended;
} emitter;

typedef struct {
    unsigned empty : 1;
    unsigned multiline : 1;
    unsigned allow_flow_plain : 1;
    unsigned allow_block_plain : 1;
    unsigned allow_single_quoted : 1;
    unsigned allow_block : 1;
} analysis;

/* Makes room for `extra` more bytes. 0 or -1 (MemoryError). */
static int
reserve(emitter *em, size_t extra)
{
    if (em->len + extra <= em->cap) {
        return 0;
    }
    size_t cap = em->cap ? em->cap : 256;
    while (cap < em->len + extra) {
        cap *= 2;
    }
    char *grown = PyMem_Realloc(em->buf, cap);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    em->buf = grown;
    em->cap = cap;
    return 0;
}

/* Writes raw bytes (no bookkeeping). 0 or -1. */
static int
put(emitter *em, const char *s, size_t n)
{
    if (reserve(em, n) < 0) {
        return -1;
    }
    memcpy(em->buf + em->len, s, n);
    em->len += n;
    return 0;
}

/* Writes one code point as UTF-8 (no bookkeeping). 0 or -1. */
static int
put_char(emitter *em, Py_UCS4 ch)
{
    char tmp[4];
    size_t n;
    if (ch < 0x80) {
        tmp[0] = (char)ch;
        n = 1;
    }
    else if (ch < 0x800) {
        tmp[0] = (char)(0xC0 | (ch >> 6));
        tmp[1] = (char)(0x80 | (ch & 0x3F));
        n = 2;
    }
    else if (ch < 0x10000) {
        tmp[0] = (char)(0xE0 | (ch >> 12));
        tmp[1] = (char)(0x80 | ((ch >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (ch & 0x3F));
        n = 3;
    }
    else {
        tmp[0] = (char)(0xF0 | (ch >> 18));
        tmp[1] = (char)(0x80 | ((ch >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((ch >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (ch & 0x3F));
        n = 4;
    }
    return put(em, tmp, n);
}

/* Writes text[start:end] and advances the column by its length. 0 or -1. */
static int
write_range(emitter *em, PyObject *text, Py_ssize_t start, Py_ssize_t end, int count_column)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind == PyUnicode_1BYTE_KIND && PyUnicode_IS_ASCII(text)) {
        if (put(em, (const char *)data + start, (size_t)(end - start)) < 0) {
            return -1;
        }
    }
    else {
        for (Py_ssize_t i = start; i < end; i++) {
            if (put_char(em, PyUnicode_READ(kind, data, i)) < 0) {
                return -1;
            }
        }
    }
    if (count_column) {
        em->column += end - start;
    }
    return 0;
}

MLC_INLINE int
is_break(Py_UCS4 ch)
{
    return ch == '\n' || ch == 0x85 || ch == 0x2028 || ch == 0x2029;
}

/* PyYAML's '\0 \t\r\n\x85\u2028\u2029'. */
MLC_INLINE int
is_space_or_break(Py_UCS4 ch)
{
    return ch == 0 || ch == ' ' || ch == '\t' || ch == '\r' || is_break(ch);
}

static int
write_line_break(emitter *em, Py_UCS4 br)
{
    em->whitespace = 1;
    em->indention = 1;
    em->column = 0;
    return put_char(em, br);
}

static int
write_indicator(emitter *em, const char *indicator, int need_whitespace, int whitespace,
                int indention)
{
    size_t n = strlen(indicator);
    if (!em->whitespace && need_whitespace) {
        if (put(em, " ", 1) < 0) {
            return -1;
        }
        em->column++;
    }
    if (put(em, indicator, n) < 0) {
        return -1;
    }
    em->whitespace = whitespace;
    em->indention = em->indention && indention;
    em->column += (Py_ssize_t)n;
    em->open_ended = 0;
    return 0;
}

static int
write_indent(emitter *em)
{
    int indent = em->indent < 0 ? 0 : em->indent;
    if (!em->indention || em->column > indent || (em->column == indent && !em->whitespace)) {
        if (write_line_break(em, '\n') < 0) {
            return -1;
        }
    }
    if (em->column < indent) {
        em->whitespace = 1;
        size_t pad = (size_t)(indent - em->column);
        if (reserve(em, pad) < 0) {
            return -1;
        }
        memset(em->buf + em->len, ' ', pad);
        em->len += pad;
        em->column = indent;
    }
    return 0;
}

static void
increase_indent(emitter *em, int flow, int indentless)
{
    if (em->indent < 0) {
        em->indent = flow ? BEST_INDENT : 0;
    }
    else if (!indentless) {
        em->indent += BEST_INDENT;
    }
}

/* Emitter.analyze_scalar with allow_unicode off. */
static void
analyze_scalar(PyObject *text, analysis *a)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    memset(a, 0, sizeof(*a));
    if (n == 0) {
        a->empty = 1;
        a->allow_block_plain = 1;
        a->allow_single_quoted = 1;
        return;
    }
    int block_indicators = 0, flow_indicators = 0, line_breaks = 0, special = 0;
    int leading_space = 0, leading_break = 0, trailing_space = 0, trailing_break = 0;
    int break_space = 0, space_break = 0;
    if (n >= 3) {
        Py_UCS4 c0 = PyUnicode_READ(kind, data, 0), c1 = PyUnicode_READ(kind, data, 1),
                c2 = PyUnicode_READ(kind, data, 2);
        if ((c0 == '-' && c1 == '-' && c2 == '-') || (c0 == '.' && c1 == '.' && c2 == '.')) {
            block_indicators = flow_indicators = 1;
        }
    }
    int preceded_by_whitespace = 1;
    int followed_by_whitespace = n == 1 || is_space_or_break(PyUnicode_READ(kind, data, 1));
    int previous_space = 0, previous_break = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (i == 0) {
            if (ch < 0x80 && ch != 0 && strchr("#,[]{}&*!|>'\"%@`", (int)ch) != NULL) {
                flow_indicators = block_indicators = 1;
            }
            if (ch == '?' || ch == ':') {
                flow_indicators = 1;
                if (followed_by_whitespace) {
                    block_indicators = 1;
                }
            }
            if (ch == '-' && followed_by_whitespace) {
                flow_indicators = block_indicators = 1;
            }
        }
        else {
            if (ch < 0x80 && ch != 0 && strchr(",?[]{}", (int)ch) != NULL) {
                flow_indicators = 1;
            }
            if (ch == ':') {
                flow_indicators = 1;
                if (followed_by_whitespace) {
                    block_indicators = 1;
                }
            }
            if (ch == '#' && preceded_by_whitespace) {
                flow_indicators = block_indicators = 1;
            }
        }
        if (is_break(ch)) {
            line_breaks = 1;
        }
        if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) {
            special = 1; /* unicode or not printable: both need "..." without allow_unicode */
        }
        if (ch == ' ') {
            if (i == 0) {
                leading_space = 1;
            }
            if (i == n - 1) {
                trailing_space = 1;
            }
            if (previous_break) {
                break_space = 1;
            }
            previous_space = 1;
            previous_break = 0;
        }
        else if (is_break(ch)) {
            if (i == 0) {
                leading_break = 1;
            }
            if (i == n - 1) {
                trailing_break = 1;
            }
            if (previous_space) {
                space_break = 1;
            }
            previous_space = 0;
            previous_break = 1;
        }
        else {
            previous_space = previous_break = 0;
        }
        preceded_by_whitespace = is_space_or_break(ch);
        followed_by_whitespace =
            i + 2 >= n || is_space_or_break(PyUnicode_READ(kind, data, i + 2));
    }
    int flow_plain = 1, block_plain = 1, single = 1, block = 1;
    if (leading_space || leading_break || trailing_space || trailing_break) {
        flow_plain = block_plain = 0;
    }
    if (trailing_space) {
        block = 0;
    }
    if (break_space) {
        flow_plain = block_plain = single = 0;
    }
    if (space_break || special) {
        flow_plain = block_plain = single = block = 0;
    }
    if (line_breaks) {
        flow_plain = block_plain = 0;
    }
    if (flow_indicators) {
        flow_plain = 0;
    }
    if (block_indicators) {
        block_plain = 0;
    }
    a->multiline = (unsigned)line_breaks;
    a->allow_flow_plain = (unsigned)flow_plain;
    a->allow_block_plain = (unsigned)block_plain;
    a->allow_single_quoted = (unsigned)single;
    a->allow_block = (unsigned)block;
}

/* Emitter.choose_scalar_style for a scalar with no requested style (or '|'). */
static scalar_style
choose_scalar_style(const emitter *em, const dnode *n, const analysis *a, int simple_key)
{
    if (!n->literal && n->implicit0) {
        if (!(simple_key && (a->empty || a->multiline)) &&
            ((em->flow_level && a->allow_flow_plain) ||
             (!em->flow_level && a->allow_block_plain))) {
            return STYLE_PLAIN;
        }
    }
    if (n->literal) {
        if (!em->flow_level && !simple_key && a->allow_block) {
            return STYLE_LITERAL;
        }
        return STYLE_DOUBLE;
    }
    if (a->allow_single_quoted && !(simple_key && a->multiline)) {
        return STYLE_SINGLE;
    }
    return STYLE_DOUBLE;
}

static int
write_plain(emitter *em, PyObject *text, int split, int root)
{
    if (root) {
        em->open_ended = 1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n == 0) {
        return 0;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (!em->whitespace) {
        if (put(em, " ", 1) < 0) {
            return -1;
        }
        em->column++;
    }
    em->whitespace = 0;
    em->indention = 0;
    int spaces = 0, breaks = 0;
    Py_ssize_t start = 0;
    for (Py_ssize_t end = 0; end <= n; end++) {
        int at_end = end == n;
        Py_UCS4 ch = at_end ? 0 : PyUnicode_READ(kind, data, end);
        if (spaces) {
            if (at_end || ch != ' ') {
                if (start + 1 == end && em->column > BEST_WIDTH && split) {
                    if (write_indent(em) < 0) {
                        return -1;
                    }
                    em->whitespace = 0;
                    em->indention = 0;
                }
                else if (write_range(em, text, start, end, 1) < 0) {
                    return -1;
                }
                start = end;
            }
        }
        else if (breaks) {
            if (at_end || !is_break(ch)) {
                if (PyUnicode_READ(kind, data, start) == '\n' && write_line_break(em, '\n') < 0) {
                    return -1;
                }
                for (Py_ssize_t k = start; k < end; k++) {
                    if (write_line_break(em, PyUnicode_READ(kind, data, k)) < 0) {
                        return -1;
                    }
                }
                if (write_indent(em) < 0) {
                    return -1;
                }
                em->whitespace = 0;
                em->indention = 0;
                start = end;
            }
        }
        else if (at_end || ch == ' ' || is_break(ch)) {
            if (write_range(em, text, start, end, 1) < 0) {
                return -1;
            }
            start = end;
        }
        if (!at_end) {
            spaces = ch == ' ';
            breaks = is_break(ch);
        }
    }
    return 0;
}

static int
write_single_quoted(emitter *em, PyObject *text, int split)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (write_indicator(em, "'", 1, 0, 0) < 0) {
        return -1;
    }
    int spaces = 0, breaks = 0;
    Py_ssize_t start = 0;
    for (Py_ssize_t end = 0; end <= n; end++) {
        int at_end = end == n;
        Py_UCS4 ch = at_end ? 0 : PyUnicode_READ(kind, data, end);
        if (spaces) {
            if (at_end || ch != ' ') {
                if (start + 1 == end && em->column > BEST_WIDTH && split && start != 0 &&
                    end != n) {
                    if (write_indent(em) < 0) {
                        return -1;
                    }
                }
                else if (write_range(em, text, start, end, 1) < 0) {
                    return -1;
                }
                start = end;
            }
        }
        else if (breaks) {
            if (at_end || !is_break(ch)) {
                if (PyUnicode_READ(kind, data, start) == '\n' && write_line_break(em, '\n') < 0) {
                    return -1;
                }
                for (Py_ssize_t k = start; k < end; k++) {
                    if (write_line_break(em, PyUnicode_READ(kind, data, k)) < 0) {
                        return -1;
                    }
                }
                if (write_indent(em) < 0) {
                    return -1;
                }
                start = end;
            }
        }
        else if (at_end || ch == ' ' || is_break(ch) || ch == '\'') {
            if (start < end) {
                if (write_range(em, text, start, end, 1) < 0) {
                    return -1;
                }
                start = end;
            }
        }
        if (!at_end && ch == '\'') {
            if (put(em, "''", 2) < 0) {
                return -1;
            }
            em->column += 2;
            start = end + 1;
        }
        if (!at_end) {
            spaces = ch == ' ';
            breaks = is_break(ch);
        }
    }
    return write_indicator(em, "'", 0, 0, 0);
}

/* Writes the escape PyYAML uses for ch in a double-quoted scalar and advances the column. */
static int
write_escape(emitter *em, Py_UCS4 ch)
{
    char tmp[16];
    const char *simple = NULL;
    switch (ch) {
    case 0x00: simple = "\\0"; break;
    case 0x07: simple = "\\a"; break;
    case 0x08: simple = "\\b"; break;
    case 0x09: simple = "\\t"; break;
    case 0x0A: simple = "\\n"; break;
    case 0x0B: simple = "\\v"; break;
    case 0x0C: simple = "\\f"; break;
    case 0x0D: simple = "\\r"; break;
    case 0x1B: simple = "\\e"; break;
    case '"': simple = "\\\""; break;
    case '\\': simple = "\\\\"; break;
    case 0x85: simple = "\\N"; break;
    case 0xA0: simple = "\\_"; break;
    case 0x2028: simple = "\\L"; break;
    case 0x2029: simple = "\\P"; break;
    default: break;
    }
    if (simple == NULL) {
        if (ch <= 0xFF) {
            snprintf(tmp, sizeof(tmp), "\\x%02X", (unsigned)ch);
        }
        else if (ch <= 0xFFFF) {
            snprintf(tmp, sizeof(tmp), "\\u%04X", (unsigned)ch);
        }
        else {
            snprintf(tmp, sizeof(tmp), "\\U%08X", (unsigned)ch);
        }
        simple = tmp;
    }
    size_t len = strlen(simple);
    if (put(em, simple, len) < 0) {
        return -1;
    }
    em->column += (Py_ssize_t)len;
    return 0;
}

static int
write_double_quoted(emitter *em, PyObject *text, int split)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (write_indicator(em, "\"", 1, 0, 0) < 0) {
        return -1;
    }
    Py_ssize_t start = 0;
    for (Py_ssize_t end = 0; end <= n; end++) {
        int at_end = end == n;
        Py_UCS4 ch = at_end ? 0 : PyUnicode_READ(kind, data, end);
        if (at_end || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 ||
            ch == 0xFEFF || !(ch >= 0x20 && ch <= 0x7E)) {
            if (start < end) {
                if (write_range(em, text, start, end, 1) < 0) {
                    return -1;
                }
                start = end;
            }
            if (!at_end) {
                if (write_escape(em, ch) < 0) {
                    return -1;
                }
                start = end + 1;
            }
        }
        if (0 < end && end < n - 1 && (ch == ' ' || start >= end) &&
            em->column + (end - start) > BEST_WIDTH && split) {
            /* text[start:end] is empty when an escape was just written (start == end + 1) */
            if ((start < end && write_range(em, text, start, end, 1) < 0) ||
                put(em, "\\", 1) < 0) {
                return -1;
            }
            em->column++;
            if (start < end) {
                start = end;
            }
            if (write_indent(em) < 0) {
                return -1;
            }
            em->whitespace = 0;
            em->indention = 0;
            if (PyUnicode_READ(kind, data, start) == ' ') {
                if (put(em, "\\", 1) < 0) {
                    return -1;
                }
                em->column++;
            }
        }
    }
    return write_indicator(em, "\"", 0, 0, 0);
}

static int
write_literal(emitter *em, PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    char hints[4] = "|";
    size_t h = 1;
    if (n > 0) {
        Py_UCS4 first = PyUnicode_READ(kind, data, 0), last = PyUnicode_READ(kind, data, n - 1);
        if (first == ' ' || is_break(first)) {
            hints[h++] = '0' + BEST_INDENT;
        }
        if (!is_break(last)) {
            hints[h++] = '-';
        }
        else if (n == 1 || is_break(PyUnicode_READ(kind, data, n - 2))) {
            hints[h++] = '+';
        }
    }
    hints[h] = '\0';
    if (write_indicator(em, hints, 1, 0, 0) < 0) {
        return -1;
    }
    if (hints[h - 1] == '+') {
        em->open_ended = 1;
    }
    if (write_line_break(em, '\n') < 0) {
        return -1;
    }
    int breaks = 1;
    Py_ssize_t start = 0;
    for (Py_ssize_t end = 0; end <= n; end++) {
        int at_end = end == n;
        Py_UCS4 ch = at_end ? 0 : PyUnicode_READ(kind, data, end);
        if (breaks) {
            if (at_end || !is_break(ch)) {
                for (Py_ssize_t k = start; k < end; k++) {
                    if (write_line_break(em, PyUnicode_READ(kind, data, k)) < 0) {
                        return -1;
                    }
                }
                if (!at_end && write_indent(em) < 0) {
                    return -1;
                }
                start = end;
            }
        }
        else if (at_end || is_break(ch)) {
            /* PyYAML does not advance the column for literal text */
            if (write_range(em, text, start, end, 0) < 0) {
                return -1;
            }
            if (at_end && write_line_break(em, '\n') < 0) {
                return -1;
            }
            start = end;
        }
        if (!at_end) {
            breaks = is_break(ch);
        }
    }
    return 0;
}

/* Writes "&idNNN" or "*idNNN". */
static int
write_anchor(emitter *em, char indicator, unsigned long anchor)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%cid%03lu", indicator, anchor);
    return write_indicator(em, tmp, 1, 0, 0);
}

/* Length of "idNNN" for an anchor number. */
static Py_ssize_t
anchor_length(unsigned long anchor)
{
    char tmp[32];
    return (Py_ssize_t)snprintf(tmp, sizeof(tmp), "id%03lu", anchor);
}

/* Emitter.check_simple_key for the node about to be written as a mapping key. */
static int
check_simple_key(const dnode *key, const analysis *a)
{
    Py_ssize_t length = key->anchor ? anchor_length(key->anchor) : 0;
    if (key->emitted) {
        return length < 128; /* an alias */
    }
    length += 2 + (Py_ssize_t)strlen(key->tag); /* "!!tag" counts even when not written */
    if (key->kind == DN_SCALAR) {
        length += PyUnicode_GET_LENGTH(key->text);
        return length < 128 && !a->empty && !a->multiline;
    }
    return length < 128 && key->nitems == 0;
}

static int emit_node(emitter *em, dnode *n, int root, int mapping, int simple_key);

static int
emit_block_sequence(emitter *em, dnode *n, int mapping)
{
    int saved = em->indent;
    increase_indent(em, 0, mapping && !em->indention);
    for (size_t i = 0; i < n->nitems; i++) {
        if (write_indent(em) < 0 || write_indicator(em, "-", 1, 0, 1) < 0 ||
            emit_node(em, n->items[i], 0, 0, 0) < 0) {
            return -1;
        }
    }
    em->indent = saved;
    return 0;
}

static int
emit_block_mapping(emitter *em, dnode *n)
{
    int saved = em->indent;
    increase_indent(em, 0, 0);
    for (size_t i = 0; i + 1 < n->nitems; i += 2) {
        dnode *key = n->items[i];
        analysis a = {0};
        if (key->kind == DN_SCALAR && !key->emitted) {
            analyze_scalar(key->text, &a);
        }
        if (write_indent(em) < 0) {
            return -1;
        }
        if (check_simple_key(key, &a)) {
            if (emit_node(em, key, 0, 1, 1) < 0 || write_indicator(em, ":", 0, 0, 0) < 0) {
                return -1;
            }
        }
        else {
            if (write_indicator(em, "?", 1, 0, 1) < 0 || emit_node(em, key, 0, 1, 0) < 0 ||
                write_indent(em) < 0 || write_indicator(em, ":", 1, 0, 1) < 0) {
                return -1;
            }
        }
        if (emit_node(em, n->items[i + 1], 0, 1, 0) < 0) {
            return -1;
        }
    }
    em->indent = saved;
    return 0;
}

/* Writes an empty collection in flow style: "[]" or "{}". */
static int
emit_empty_flow(emitter *em, const char *open, const char *close)
{
    if (write_indicator(em, open, 1, 1, 0) < 0) {
        return -1;
    }
    em->flow_level++;
    int saved = em->indent;
    increase_indent(em, 1, 0);
    em->indent = saved;
    em->flow_level--;
    return write_indicator(em, close, 0, 0, 0);
}

/* Emitter.expect_node: anchor, tag, then the scalar or collection (or an alias). */
static int
emit_node(emitter *em, dnode *n, int root, int mapping, int simple_key)
{
    if (n->emitted) {
        return write_anchor(em, '*', n->anchor);
    }
    n->emitted = 1;
    analysis a = {0};
    scalar_style style = STYLE_PLAIN;
    if (n->kind == DN_SCALAR) {
        analyze_scalar(n->text, &a);
        style = choose_scalar_style(em, n, &a, simple_key);
    }
    if (n->anchor && write_anchor(em, '&', n->anchor) < 0) {
        return -1;
    }
    int tag_implicit = n->kind == DN_SCALAR
                           ? ((style == STYLE_PLAIN && n->implicit0) ||
                              (style != STYLE_PLAIN && n->implicit1))
                           : n->implicit0;
    if (!tag_implicit) {
        char tag[32];
        snprintf(tag, sizeof(tag), "!!%s", n->tag);
        if (write_indicator(em, tag, 1, 0, 0) < 0) {
            return -1;
        }
    }
    if (n->kind == DN_SCALAR) {
        int saved = em->indent;
        int split = !simple_key;
        int rc;
        increase_indent(em, 1, 0);
        switch (style) {
        case STYLE_DOUBLE:
            rc = write_double_quoted(em, n->text, split);
            break;
        case STYLE_SINGLE:
            rc = write_single_quoted(em, n->text, split);
            break;
        case STYLE_LITERAL:
            rc = write_literal(em, n->text);
            break;
        default:
            rc = write_plain(em, n->text, split, root);
            break;
        }
        em->indent = saved;
        return rc;
    }
    if (em->flow_level || n->nitems == 0) {
        return n->kind == DN_SEQ ? emit_empty_flow(em, "[", "]") : emit_empty_flow(em, "{", "}");
    }
    if (Py_EnterRecursiveCall(" while emitting YAML")) {
        return -1;
    }
    int rc = n->kind == DN_SEQ ? emit_block_sequence(em, n, mapping) : emit_block_mapping(em, n);
    Py_LeaveRecursiveCall();
    return rc;
}

/* Writes the single document: root node, document end, and "..." after a root plain scalar
 * (PyYAML's open_ended). 0 or -1. */
static int
emit_document(emitter *em, dnode *root)
{
    em->indent = -1;
    em->whitespace = 1;
    em->indention = 1;
    if (emit_node(em, root, 1, 0, 0) < 0 || write_indent(em) < 0) {
        return -1;
    }
    if (em->open_ended) {
        if (write_indicator(em, "...", 1, 0, 0) < 0 || write_indent(em) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ================================================================ entry points */

PyObject *
mlc_yaml_dump(mlc_state *st, PyObject *obj, int sort_keys)
{
    dumper D;
    emitter em;
    dnode *root = NULL;
    PyObject *result = NULL;
    memset(&D, 0, sizeof(D));
    memset(&em, 0, sizeof(em));
    D.st = st;
    D.sort_keys = sort_keys;
    D.memo = PyDict_New();
    D.keeper = PyList_New(0);
    if (D.memo == NULL || D.keeper == NULL) {
        goto done;
    }
    root = represent(&D, obj);
    if (root == NULL || assign_anchors(&D, root) < 0 || emit_document(&em, root) < 0) {
        goto done;
    }
    result = PyUnicode_DecodeUTF8(em.buf, (Py_ssize_t)em.len, NULL);
done:
    for (size_t i = 0; i < D.nnodes; i++) {
        Py_XDECREF(D.nodes[i]->text);
        PyMem_Free(D.nodes[i]->items);
        PyMem_Free(D.nodes[i]);
    }
    PyMem_Free(D.nodes);
    Py_XDECREF(D.memo);
    Py_XDECREF(D.keeper);
    PyMem_Free(em.buf);
    return result;
}

PyObject *
mlc_yaml_dump_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"obj", "sort_keys", NULL};
    PyObject *argv[2];
    if (mlc_args_parse("yaml_dump", args, nargs, kwnames, names, 2, 1, argv, NULL) < 0) {
        return NULL;
    }
    int sort_keys = 1;
    if (argv[1] != NULL && (sort_keys = PyObject_IsTrue(argv[1])) < 0) {
        return NULL;
    }
    return mlc_yaml_dump(mlc_state_from_module(m), argv[0], sort_keys);
}
