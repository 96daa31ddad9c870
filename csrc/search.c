/* search.c: MLflow's search filter language and order_by over the records of store.h
 * (mlc_run, mlc_logged_model), as MLflow 3.17's in-memory reference (SearchUtils /
 * SearchLoggedModelsUtils, used by the file store) evaluates them. Filters are tokenised and
 * grouped by a port of the parts of sqlparse 0.6 that decide MLflow's behaviour (lexer,
 * statement splitter, grouping passes), so malformed filters fail with MLflow's messages.
 * Deliberate differences: comparator / operand checks that MLflow's matchers make run by run
 * are made once for every clause (an invalid clause fails even when no record reaches it);
 * records carry no dataset inputs, so datasets.* clauses on runs match nothing; logged-model
 * order_by entries are "<field_name>[ ASC|DESC]" strings (MLflow takes dictionaries), and
 * creation_time / last_updated_time alias the *_timestamp attributes where the file store
 * would raise AttributeError; missing values sort last in both directions.
 * Pure C: no Python objects, no SQLite, no files. Owns nothing outside this file. */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================================
 * sqlparse emulation: token types, tree nodes
 * ====================================================================================== */

/* Token types (sqlparse.tokens). Comments give the sqlparse name. */
enum {
    TT_NONE = 0,        /* groups carry no token type */
    TT_WS,              /* Text.Whitespace */
    TT_NEWLINE,         /* Text.Whitespace.Newline */
    TT_CM_SINGLE,       /* Comment.Single */
    TT_CM_SINGLE_HINT,  /* Comment.Single.Hint */
    TT_CM_MULTI,        /* Comment.Multiline */
    TT_CM_MULTI_HINT,   /* Comment.Multiline.Hint */
    TT_ASSIGN,          /* Assignment */
    TT_PUNCT,           /* Punctuation */
    TT_WILDCARD,        /* Wildcard */
    TT_NAME,            /* Name */
    TT_NAME_PH,         /* Name.Placeholder */
    TT_NAME_BUILTIN,    /* Name.Builtin */
    TT_COMMAND,         /* Generic.Command */
    TT_KW,              /* Keyword */
    TT_KW_DML,          /* Keyword.DML */
    TT_KW_DDL,          /* Keyword.DDL */
    TT_KW_DCL,          /* Keyword.DCL */
    TT_KW_CTE,          /* Keyword.CTE */
    TT_KW_ORDER,        /* Keyword.Order */
    TT_KW_TZCAST,       /* Keyword.TZCast */
    TT_NUM_HEX,         /* Literal.Number.Hexadecimal */
    TT_NUM_FLOAT,       /* Literal.Number.Float */
    TT_NUM_INT,         /* Literal.Number.Integer */
    TT_STR_SINGLE,      /* Literal.String.Single */
    TT_STR_SYMBOL,      /* Literal.String.Symbol */
    TT_LITERAL,         /* Literal (dollar-quoted) */
    TT_OP,              /* Operator */
    TT_OP_CMP,          /* Operator.Comparison */
    TT_ERROR,           /* Error */
};

/* Group classes (sqlparse.sql). G_TOKENLIST is the base class: every group is one. */
enum {
    G_NONE = 0,
    G_STATEMENT,
    G_TOKENLIST,
    G_IDENTIFIER,
    G_IDLIST,
    G_TYPED_LITERAL,
    G_PAREN,
    G_SQUARE,
    G_ASSIGNMENT,
    G_IF,
    G_FOR,
    G_COMPARISON,
    G_COMMENT,
    G_WHERE,
    G_OVER,
    G_CASE,
    G_FUNCTION,
    G_BEGIN,
    G_OPERATION,
    G_VALUES,
};

/* sqlparse's MAX_GROUPING_DEPTH / MAX_GROUPING_TOKENS. */
#define SP_MAX_DEPTH 100
#define SP_MAX_TOKENS 10000

/* Return codes of the sqlparse layer: 0 ok, SP_NOMEM (err filled), SP_PARSE_ERROR
 * (sqlparse would raise SQLParseError; the caller words the message). */
#define SP_NOMEM (-1)
#define SP_PARSE_ERROR (-2)

/* A token (leaf: tt != TT_NONE) or a group (cls != G_NONE). Its text is src[start:end]. */
typedef struct {
    int tt;
    int cls;
    size_t start, end;
    int *kids; /* owned; node ids */
    size_t nk, ck;
} sp_node;

typedef struct {
    const unsigned char *s; /* borrowed source text */
    size_t len;
    sp_node *nodes; /* owned arena; node ids index it (it may move on growth) */
    size_t nn, cn;
    mlc_err *err;
    size_t *scratch; /* owned; quoted-string matching */
    size_t nscratch;
} sp_ctx;

static int
sp_nomem(sp_ctx *c)
{
    mlc_err_set(c->err, MLC_ST_NOMEM, ENOMEM, "out of memory");
    return SP_NOMEM;
}

static void
sp_ctx_free(sp_ctx *c)
{
    for (size_t i = 0; i < c->nn; i++) {
        free(c->nodes[i].kids);
    }
    free(c->nodes);
    free(c->scratch);
    c->nodes = NULL;
    c->nn = c->cn = 0;
    c->scratch = NULL;
    c->nscratch = 0;
}

/* Appends a node; returns its id or SP_NOMEM. */
static int
sp_new_node(sp_ctx *c, int tt, int cls, size_t start, size_t end)
{
    if (c->nn == c->cn) {
        size_t cap = c->cn ? c->cn * 2 : 64;
        if (cap > INT_MAX) {
            return sp_nomem(c);
        }
        sp_node *nodes = realloc(c->nodes, cap * sizeof *nodes);
        if (nodes == NULL) {
            return sp_nomem(c);
        }
        c->nodes = nodes;
        c->cn = cap;
    }
    sp_node *n = &c->nodes[c->nn];
    memset(n, 0, sizeof *n);
    n->tt = tt;
    n->cls = cls;
    n->start = start;
    n->end = end;
    return (int)c->nn++;
}

static int
sp_kid_push(sp_ctx *c, int g, int kid)
{
    sp_node *n = &c->nodes[g];
    if (n->nk == n->ck) {
        size_t cap = n->ck ? n->ck * 2 : 4;
        int *kids = realloc(n->kids, cap * sizeof *kids);
        if (kids == NULL) {
            return sp_nomem(c);
        }
        n->kids = kids;
        n->ck = cap;
    }
    n->kids[n->nk++] = kid;
    return 0;
}

#define SPN(c, i) ((c)->nodes[(i)])
#define SP_NONE (-1L)

static int
sp_is_group(const sp_ctx *c, int t)
{
    return SPN(c, t).cls != G_NONE;
}

static int
tt_is_ws(int tt)
{
    return tt == TT_WS || tt == TT_NEWLINE;
}

static int
tt_is_kw(int tt)
{
    return tt >= TT_KW && tt <= TT_KW_TZCAST;
}

static int
tt_in_comment(int tt)
{
    return tt >= TT_CM_SINGLE && tt <= TT_CM_MULTI_HINT;
}

static int
tt_in_name(int tt)
{
    return tt == TT_NAME || tt == TT_NAME_PH || tt == TT_NAME_BUILTIN;
}

static int
tt_in_number(int tt)
{
    return tt == TT_NUM_HEX || tt == TT_NUM_FLOAT || tt == TT_NUM_INT;
}

/* T_NUMERICAL + T_STRING + T_NAME compared by equality, as sqlparse's tuple tests do. */
static int
tt_is_operand(int tt)
{
    return tt == TT_NUM_INT || tt == TT_NUM_FLOAT || tt == TT_STR_SINGLE ||
           tt == TT_STR_SYMBOL || tt == TT_NAME || tt == TT_NAME_PH;
}

static int
sp_is_ws(const sp_ctx *c, int t)
{
    return tt_is_ws(SPN(c, t).tt);
}

static int
sp_is_kw(const sp_ctx *c, int t)
{
    return tt_is_kw(SPN(c, t).tt);
}

static int
sp_isinstance(const sp_ctx *c, int t, int cls)
{
    if (t < 0) {
        return 0;
    }
    if (cls == G_TOKENLIST) {
        return SPN(c, t).cls != G_NONE;
    }
    return SPN(c, t).cls == cls;
}

static size_t
sp_tlen(const sp_ctx *c, int t)
{
    return SPN(c, t).end - SPN(c, t).start;
}

/* Case-insensitive (ASCII) equality of a token's text with w. */
static int
sp_text_ieq(const sp_ctx *c, int t, const char *w)
{
    size_t n = strlen(w);
    if (sp_tlen(c, t) != n) {
        return 0;
    }
    return strncasecmp((const char *)c->s + SPN(c, t).start, w, n) == 0;
}

static int
sp_text_eq(const sp_ctx *c, int t, const char *w)
{
    size_t n = strlen(w);
    return sp_tlen(c, t) == n && memcmp(c->s + SPN(c, t).start, w, n) == 0;
}

/* Token.match(tt, value): exact type; keywords compare case-insensitively. */
static int
sp_match(const sp_ctx *c, int t, int tt, const char *value)
{
    if (t < 0 || SPN(c, t).tt != tt) {
        return 0;
    }
    if (value == NULL) {
        return 1;
    }
    return tt_is_kw(tt) ? sp_text_ieq(c, t, value) : sp_text_eq(c, t, value);
}

/* Token.normalized == v for a keyword (upper-cased) or another token (as is). */
static int
sp_normalized_is(const sp_ctx *c, int t, const char *v)
{
    return sp_is_kw(c, t) ? sp_text_ieq(c, t, v) : sp_text_eq(c, t, v);
}

static int
sp_is_comment_like(const sp_ctx *c, int t)
{
    return tt_in_comment(SPN(c, t).tt) || SPN(c, t).cls == G_COMMENT;
}

/* TokenList.token_next(idx): the next index after idx that is not whitespace (and not a
 * comment when skip_cm), or SP_NONE. */
static long
sp_next(const sp_ctx *c, int g, long idx, int skip_ws, int skip_cm)
{
    if (idx == SP_NONE) {
        return SP_NONE;
    }
    const sp_node *n = &SPN(c, g);
    for (size_t i = (size_t)idx + 1; i < n->nk; i++) {
        int k = n->kids[i];
        if (skip_ws && sp_is_ws(c, k)) {
            continue;
        }
        if (skip_cm && sp_is_comment_like(c, k)) {
            continue;
        }
        return (long)i;
    }
    return SP_NONE;
}

/* TokenList.token_prev(idx). */
static long
sp_prev(const sp_ctx *c, int g, long idx, int skip_ws)
{
    if (idx == SP_NONE) {
        return SP_NONE;
    }
    const sp_node *n = &SPN(c, g);
    for (long i = idx - 1; i >= 0; i--) {
        if ((size_t)i >= n->nk) {
            continue;
        }
        if (skip_ws && sp_is_ws(c, n->kids[i])) {
            continue;
        }
        return i;
    }
    return SP_NONE;
}

static int
sp_kid(const sp_ctx *c, int g, long idx)
{
    if (idx == SP_NONE || idx < 0 || (size_t)idx >= SPN(c, g).nk) {
        return -1;
    }
    return SPN(c, g).kids[idx];
}

typedef int (*sp_pred)(const sp_ctx *c, int t);

/* TokenList.token_next_by(..., idx): first index > idx whose token satisfies pred. */
static long
sp_find(const sp_ctx *c, int g, long idx, sp_pred pred)
{
    const sp_node *n = &SPN(c, g);
    for (size_t i = (size_t)(idx + 1); i < n->nk; i++) {
        if (pred(c, n->kids[i])) {
            return (long)i;
        }
    }
    return SP_NONE;
}

/* TokenList.group_tokens: replaces kids[from..to] by a group of class cls (or extends the
 * group at from when extend and it is already of that class). Returns the group id. */
static int
sp_group_tokens(sp_ctx *c, int g, int cls, long from, long to, int extend)
{
    int first = SPN(c, g).kids[from];
    size_t cnt = (size_t)(to - from + 1);
    int grp;
    if (extend && sp_isinstance(c, first, cls)) {
        grp = first;
        for (long i = from + 1; i <= to; i++) {
            if (sp_kid_push(c, grp, SPN(c, g).kids[i]) < 0) {
                return SP_NOMEM;
            }
        }
        if (to > from) {
            SPN(c, grp).end = SPN(c, SPN(c, g).kids[to]).end;
        }
    }
    else {
        grp = sp_new_node(c, TT_NONE, cls, SPN(c, first).start,
                          SPN(c, SPN(c, g).kids[to]).end);
        if (grp < 0) {
            return SP_NOMEM;
        }
        for (long i = from; i <= to; i++) {
            if (sp_kid_push(c, grp, SPN(c, g).kids[i]) < 0) {
                return SP_NOMEM;
            }
        }
        SPN(c, g).kids[from] = grp;
    }
    sp_node *gn = &SPN(c, g);
    memmove(gn->kids + from + 1, gn->kids + from + cnt,
            (gn->nk - (size_t)from - cnt) * sizeof *gn->kids);
    gn->nk -= cnt - 1;
    return grp;
}

/* ======================================================================================
 * Lexer (sqlparse.keywords.SQL_REGEX, case-insensitive). Non-ASCII characters count as
 * word characters; whitespace is the ASCII set.
 * ====================================================================================== */

/* Keyword table: first character is the token type (K Keyword, B Name.Builtin, M DML,
 * D DDL, C DCL, T CTE), sorted by the word for the binary search below. A compact list of
 * standard SQL words written for mlflow_c: bare words outside it lex as names. (sqlparse, which
 * MLflow uses, knows several hundred more dialect words; filters whose bare words are among
 * those may get a different error message here.) */
static const char *const sp_keywords[] = {
    "KABSOLUTE", "KACTION", "KADD", "KALL", "KALLOCATE", "DALTER", "KAND", "KANY", "KARE",
    "BARRAY", "KAS", "KASC", "KASSERTION", "KAT", "KAUTHORIZATION", "KAVG", "KBEGIN", "KBETWEEN",
    "BBIGINT", "BBINARY", "BBIT", "BBLOB", "BBOOLEAN", "KBOTH", "KBY", "KCASCADE", "KCASE",
    "KCAST", "BCHAR", "KCHECK", "KCLOSE", "KCOALESCE", "KCOLLATE", "KCOLUMN", "MCOMMIT",
    "KCONNECT", "KCONNECTION", "KCONSTRAINT", "KCONTINUE", "KCONVERT", "KCORRESPONDING", "KCOUNT",
    "DCREATE", "KCROSS", "KCURRENT", "KCURRENT_DATE", "KCURRENT_TIME", "KCURRENT_TIMESTAMP",
    "KCURRENT_USER", "KCURSOR", "BDATE", "KDEALLOCATE", "BDEC", "BDECIMAL", "KDECLARE", "KDEFAULT",
    "KDEFERRABLE", "KDEFERRED", "MDELETE", "KDESC", "KDESCRIBE", "KDISCONNECT", "KDISTINCT",
    "KDOMAIN", "KDOUBLE", "DDROP", "KELSE", "KEND", "KESCAPE", "KEXCEPT", "KEXCEPTION", "KEXEC",
    "KEXECUTE", "KEXISTS", "KEXTERNAL", "KEXTRACT", "KFALSE", "KFETCH", "KFIRST", "BFLOAT", "KFOR",
    "KFOREIGN", "KFOUND", "KFROM", "KFULL", "KGET", "KGLOBAL", "KGO", "KGOTO", "CGRANT", "KGROUP",
    "KHAVING", "KIDENTITY", "KIMMEDIATE", "KIN", "KINDEX", "KINNER", "KINPUT", "KINSENSITIVE",
    "MINSERT", "BINT", "BINTEGER", "KINTERSECT", "BINTERVAL", "KINTO", "KIS", "KISOLATION",
    "KJOIN", "KKEY", "KLANGUAGE", "KLAST", "KLEADING", "KLEFT", "KLEVEL", "KLIMIT", "KLOCAL",
    "KLOWER", "KMATCH", "KMAX", "MMERGE", "KMIN", "KMODULE", "KNATURAL", "KNEXT", "KNO", "KNOT",
    "KNULL", "KNULLIF", "BNUMBER", "BNUMERIC", "KOF", "KOFFSET", "KON", "KONLY", "KOPEN",
    "KOPTION", "KOR", "KORDER", "KOUTER", "KOUTPUT", "KOVERLAPS", "KPARTIAL", "KPOSITION",
    "KPRECISION", "KPREPARE", "KPRESERVE", "KPRIMARY", "KPRIOR", "KPRIVILEGES", "KPROCEDURE",
    "KPUBLIC", "KREAD", "BREAL", "KREFERENCES", "KRELATIVE", "MREPLACE", "KRESTRICT", "KRETURN",
    "KRETURNS", "CREVOKE", "KRIGHT", "MROLLBACK", "KROWS", "KSCHEMA", "KSCROLL", "KSECTION",
    "MSELECT", "KSESSION", "KSESSION_USER", "KSIZE", "BSMALLINT", "KSOME", "KSPACE", "KSQL",
    "KSQLCODE", "KSQLERROR", "KSQLSTATE", "KSUBSTRING", "KSUM", "KSYSTEM_USER", "KTABLE",
    "KTEMPORARY", "BTEXT", "KTHEN", "BTIME", "BTIMESTAMP", "BTINYINT", "KTO", "KTRAILING",
    "KTRANSACTION", "KTRANSLATE", "KTRANSLATION", "KTRIM", "KTRUE", "DTRUNCATE", "KUNION",
    "KUNIQUE", "KUNKNOWN", "MUPDATE", "KUPPER", "MUPSERT", "KUSAGE", "KUSER", "KUSING", "KVALUE",
    "KVALUES", "BVARBINARY", "BVARCHAR", "KVARYING", "KVIEW", "KWHEN", "KWHENEVER", "KWHERE",
    "TWITH", "KWORK", "KWRITE", "KZONE",
};

static int
sp_keyword_type(const unsigned char *w, size_t n)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) {
        return TT_NAME;
    }
    for (size_t i = 0; i < n; i++) {
        if (w[i] >= 0x80) {
            return TT_NAME;
        }
        buf[i] = (w[i] >= 'a' && w[i] <= 'z') ? (char)(w[i] - 32) : (char)w[i];
    }
    buf[n] = '\0';
    size_t lo = 0, hi = sizeof sp_keywords / sizeof sp_keywords[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(sp_keywords[mid] + 1, buf);
        if (r == 0) {
            switch (sp_keywords[mid][0]) {
            case 'B': return TT_NAME_BUILTIN;
            case 'M': return TT_KW_DML;
            case 'D': return TT_KW_DDL;
            case 'C': return TT_KW_DCL;
            case 'O': return TT_OP;
            case 'T': return TT_KW_CTE;
            case 'N': return TT_NAME;
            default: return TT_KW;
            }
        }
        if (r < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return TT_NAME;
}

static int
ch_is_space(unsigned char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f);
}

static int
ch_is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static int
ch_is_alpha(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Byte length of the UTF-8 sequence at p (at least 1, never past the end). */
static size_t
lx_u8len(const sp_ctx *c, size_t p)
{
    unsigned char b = c->s[p];
    size_t n = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (p + n > c->len) {
        n = c->len - p;
    }
    return n;
}

/* \w at p: length of the character when it is a word character, else 0. */
static size_t
lx_w(const sp_ctx *c, size_t p)
{
    if (p >= c->len) {
        return 0;
    }
    unsigned char ch = c->s[p];
    if (ch >= 0x80) {
        return lx_u8len(c, p);
    }
    return (ch_is_alpha(ch) || ch_is_digit(ch) || ch == '_') ? 1 : 0;
}

/* End of a \w* run starting at p. */
static size_t
lx_wrun(const sp_ctx *c, size_t p)
{
    size_t n;
    while ((n = lx_w(c, p)) > 0) {
        p += n;
    }
    return p;
}

/* Is the character before p a word character? */
static int
lx_w_before(const sp_ctx *c, size_t p)
{
    if (p == 0) {
        return 0;
    }
    unsigned char ch = c->s[p - 1];
    return ch >= 0x80 || ch_is_alpha(ch) || ch_is_digit(ch) || ch == '_';
}

/* \b at p. */
static int
lx_boundary(const sp_ctx *c, size_t p)
{
    return lx_w_before(c, p) != (lx_w(c, p) > 0);
}

/* [A-ZÀ-Ü] (case-insensitive) at p: its length, or 0. */
static size_t
lx_letter(const sp_ctx *c, size_t p)
{
    if (p >= c->len) {
        return 0;
    }
    unsigned char ch = c->s[p];
    if (ch_is_alpha(ch)) {
        return 1;
    }
    if (ch == 0xC3 && p + 1 < c->len) {
        unsigned char d = c->s[p + 1];
        if ((d >= 0x80 && d <= 0x9C) || (d >= 0xA0 && d <= 0xBC && d != 0xB7)) {
            return 2;
        }
    }
    return 0;
}

/* (?![_A-ZÀ-Ü]) at p. */
static int
lx_not_letter_us(const sp_ctx *c, size_t p)
{
    return !(p < c->len && (c->s[p] == '_' || lx_letter(c, p) > 0));
}

static size_t
lx_digits(const sp_ctx *c, size_t p)
{
    while (p < c->len && ch_is_digit(c->s[p])) {
        p++;
    }
    return p;
}

static size_t
lx_spaces(const sp_ctx *c, size_t p)
{
    while (p < c->len && ch_is_space(c->s[p])) {
        p++;
    }
    return p;
}

/* Case-insensitive literal at p. */
static int
lx_lit(const sp_ctx *c, size_t p, const char *w)
{
    size_t n = strlen(w);
    return p + n <= c->len && strncasecmp((const char *)c->s + p, w, n) == 0;
}

/* WORD\s+ at p: end of the whitespace, or 0. */
static size_t
lx_word_ws(const sp_ctx *c, size_t p, const char *w)
{
    size_t n = strlen(w);
    if (!lx_lit(c, p, w) || p + n >= c->len || !ch_is_space(c->s[p + n])) {
        return 0;
    }
    return lx_spaces(c, p + n);
}

/* WORD\b at p: its end, or 0. */
static size_t
lx_word_b(const sp_ctx *c, size_t p, const char *w)
{
    size_t n = strlen(w);
    if (lx_lit(c, p, w) && lx_boundary(c, p + n)) {
        return p + n;
    }
    return 0;
}

/* One of words followed by \b at p. */
static size_t
lx_any_b(const sp_ctx *c, size_t p, const char *const *words)
{
    for (; *words != NULL; words++) {
        size_t e = lx_word_b(c, p, *words);
        if (e) {
            return e;
        }
    }
    return 0;
}

/* Q(QQ|\Q|[^Q])*Q at p (a quoted token whose quote may be doubled or backslash-escaped;
 * esc = 0 disables the backslash form). Returns the end or 0. Same backtracking as the
 * regex, computed right to left. */
static int
lx_quoted(sp_ctx *c, size_t p, const char *q, int esc, size_t *end)
{
    size_t ql = strlen(q);
    *end = 0;
    if (p + ql > c->len || memcmp(c->s + p, q, ql) != 0) {
        return 0;
    }
    size_t from = p + ql, n = c->len;
    /* The regex's first-choice path: when it reaches a lone closing quote, that is the match. */
    for (size_t i = from; i < n;) {
        int at_q = i + ql <= n && memcmp(c->s + i, q, ql) == 0;
        if (at_q && i + 2 * ql <= n && memcmp(c->s + i + ql, q, ql) == 0) {
            i += 2 * ql;
        }
        else if (esc && c->s[i] == '\\' && i + 1 + ql <= n && memcmp(c->s + i + 1, q, ql) == 0) {
            i += 1 + ql;
        }
        else if (!at_q) {
            i++;
        }
        else {
            *end = i + ql;
            return 0;
        }
    }
    /* It ran off the end: backtrack (right to left). */
    if (c->nscratch < n + 2) {
        size_t *sc = realloc(c->scratch, (n + 2) * sizeof *sc);
        if (sc == NULL) {
            return sp_nomem(c);
        }
        c->scratch = sc;
        c->nscratch = n + 2;
    }
    size_t *res = c->scratch; /* res[i]: match end when the repetition starts at i, 0 = fail */
    res[n] = 0;
    if (n + 1 < c->nscratch) {
        res[n + 1] = 0;
    }
    for (size_t i = n; i-- > from;) {
        size_t r = 0;
        int at_q = i + ql <= n && memcmp(c->s + i, q, ql) == 0;
        int qq = at_q && i + 2 * ql <= n && memcmp(c->s + i + ql, q, ql) == 0;
        if (qq && res[i + 2 * ql]) {
            r = res[i + 2 * ql];
        }
        else if (esc && c->s[i] == '\\' && i + 1 + ql <= n &&
                 memcmp(c->s + i + 1, q, ql) == 0 && res[i + 1 + ql]) {
            r = res[i + 1 + ql];
        }
        else if (!at_q && i + 1 <= n && res[i + 1]) {
            r = res[i + 1];
        }
        else if (at_q) {
            r = i + ql;
        }
        res[i] = r;
    }
    *end = from < n ? res[from] : 0;
    return 0;
}

/* Dollar-quote delimiter \$(?:[_A-ZÀ-Ü]\w*)?\$ at p: its end, or 0. */
static size_t
lx_dollar_delim(const sp_ctx *c, size_t p)
{
    if (p >= c->len || c->s[p] != '$') {
        return 0;
    }
    size_t q = p + 1;
    size_t l = (q < c->len && c->s[q] == '_') ? 1 : lx_letter(c, q);
    if (l) {
        size_t e = lx_wrun(c, q + l);
        if (e < c->len && c->s[e] == '$') {
            return e + 1;
        }
    }
    if (q < c->len && c->s[q] == '$') {
        return q + 1;
    }
    return 0;
}

/* Dollar-quoted literal or multi-line comment opening at p whose closer exists. */
static int
lx_span(const sp_ctx *c, size_t p, int *tt, size_t *end)
{
    if (p + 1 < c->len && c->s[p] == '/' && c->s[p + 1] == '*') {
        int hint = p + 2 < c->len && c->s[p + 2] == '+';
        size_t from = p + (hint ? 3 : 2);
        for (size_t i = from; i + 1 < c->len; i++) {
            if (c->s[i] == '*' && c->s[i + 1] == '/') {
                *tt = hint ? TT_CM_MULTI_HINT : TT_CM_MULTI;
                *end = i + 2;
                return 1;
            }
        }
        return 0;
    }
    if (c->s[p] == '$') {
        if (p > 0) {
            unsigned char b = c->s[p - 1];
            if (lx_w_before(c, p) || b == '"' || b == '$') {
                return 0;
            }
        }
        size_t de = lx_dollar_delim(c, p);
        if (!de) {
            return 0;
        }
        size_t tl = de - p;
        for (size_t i = de; i < c->len; i++) {
            if (c->s[i] == '$' && lx_dollar_delim(c, i) == i + tl &&
                memcmp(c->s + i, c->s + p, tl) == 0) {
                *tt = TT_LITERAL;
                *end = i + tl;
                return 1;
            }
        }
    }
    return 0;
}

/* The multi-word keyword rules, in SQL_REGEX order. */
static size_t
lx_multiword(const sp_ctx *c, size_t p, int *tt)
{
    static const char *const lr_f[] = {"LEFT", "RIGHT", "FULL", NULL};
    static const char *const io_s[] = {"INNER", "OUTER", "STRAIGHT", NULL};
    static const char *const cr_n[] = {"CROSS", "NATURAL", NULL};
    static const char *const end_sfx[] = {"IF", "LOOP", "WHILE", "FOR", "CASE", NULL};
    static const char *const asc_desc[] = {"ASC", "DESC", NULL};
    static const char *const first_last[] = {"FIRST", "LAST", NULL};
    static const char *const lateral[] = {"EXPLODE", "INLINE", "PARSE_URL_TUPLE", "POSEXPLODE",
                                          "STACK", NULL};
    static const char *const likes[] = {"LIKE", "ILIKE", "RLIKE", NULL};
    static const char *const two[][3] = {
        {"UNION", "ALL", "K"},     {"CREATE", NULL, "D"},     {"DOUBLE", "PRECISION", "B"},
        {"GROUP", "BY", "K"},      {"ORDER", "BY", "K"},      {"PRIMARY", "KEY", "K"},
        {"HANDLER", "FOR", "K"},
    };
    size_t q, r, e;

    /* JOIN */
    q = p;
    for (const char *const *w = lr_f; *w; w++) {
        if ((r = lx_word_ws(c, q, *w)) != 0) {
            q = r;
            break;
        }
    }
    for (const char *const *w = io_s; *w; w++) {
        if ((r = lx_word_ws(c, q, *w)) != 0) {
            q = r;
            break;
        }
    }
    if ((e = lx_word_b(c, q, "JOIN")) != 0) {
        *tt = TT_KW;
        return e;
    }
    for (const char *const *w = cr_n; *w; w++) {
        if ((r = lx_word_ws(c, p, *w)) != 0 && (e = lx_word_b(c, r, "JOIN")) != 0) {
            *tt = TT_KW;
            return e;
        }
    }
    if ((e = lx_word_b(c, p, "JOIN")) != 0) {
        *tt = TT_KW;
        return e;
    }
    /* END(\s+IF|...)?\b */
    if (lx_lit(c, p, "END")) {
        if ((r = lx_word_ws(c, p, "END")) != 0 && (e = lx_any_b(c, r, end_sfx)) != 0) {
            *tt = TT_KW;
            return e;
        }
        if ((e = lx_word_b(c, p, "END")) != 0) {
            *tt = TT_KW;
            return e;
        }
    }
    /* IF\s+(NOT\s+)?EXISTS\b */
    if ((r = lx_word_ws(c, p, "IF")) != 0) {
        size_t r2 = lx_word_ws(c, r, "NOT");
        if (r2 && (e = lx_word_b(c, r2, "EXISTS")) != 0) {
            *tt = TT_KW;
            return e;
        }
        if ((e = lx_word_b(c, r, "EXISTS")) != 0) {
            *tt = TT_KW;
            return e;
        }
    }
    /* NOT\s+NULL\b */
    if ((r = lx_word_ws(c, p, "NOT")) != 0 && (e = lx_word_b(c, r, "NULL")) != 0) {
        *tt = TT_KW;
        return e;
    }
    /* (ASC|DESC)(\s+NULLS\s+(FIRST|LAST))?\b */
    for (const char *const *w = asc_desc; *w; w++) {
        if (lx_lit(c, p, *w)) {
            size_t a = p + strlen(*w);
            if ((r = lx_word_ws(c, p, *w)) != 0 && (r = lx_word_ws(c, r, "NULLS")) != 0 &&
                (e = lx_any_b(c, r, first_last)) != 0) {
                *tt = TT_KW_ORDER;
                return e;
            }
            if (lx_boundary(c, a)) {
                *tt = TT_KW_ORDER;
                return a;
            }
        }
    }
    /* NULLS\s+(FIRST|LAST)\b */
    if ((r = lx_word_ws(c, p, "NULLS")) != 0 && (e = lx_any_b(c, r, first_last)) != 0) {
        *tt = TT_KW_ORDER;
        return e;
    }
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
        int t = two[i][2][0] == 'D' ? TT_KW_DDL : two[i][2][0] == 'B' ? TT_NAME_BUILTIN : TT_KW;
        if (two[i][1] == NULL) {
            /* CREATE(\s+OR\s+REPLACE)?\b */
            if (lx_lit(c, p, two[i][0])) {
                if ((r = lx_word_ws(c, p, two[i][0])) != 0 && (r = lx_word_ws(c, r, "OR")) != 0 &&
                    (e = lx_word_b(c, r, "REPLACE")) != 0) {
                    *tt = t;
                    return e;
                }
                if ((e = lx_word_b(c, p, two[i][0])) != 0) {
                    *tt = t;
                    return e;
                }
            }
            continue;
        }
        if ((r = lx_word_ws(c, p, two[i][0])) != 0 && (e = lx_word_b(c, r, two[i][1])) != 0) {
            *tt = t;
            return e;
        }
    }
    /* GO(\s\d+)\b */
    if (lx_lit(c, p, "GO") && p + 3 < c->len && ch_is_space(c->s[p + 2]) &&
        ch_is_digit(c->s[p + 3])) {
        e = lx_digits(c, p + 3);
        if (lx_boundary(c, e)) {
            *tt = TT_KW;
            return e;
        }
    }
    /* LATERAL\s+VIEW\s+(EXPLODE|...)\b */
    if ((r = lx_word_ws(c, p, "LATERAL")) != 0 && (r = lx_word_ws(c, r, "VIEW")) != 0 &&
        (e = lx_any_b(c, r, lateral)) != 0) {
        *tt = TT_KW;
        return e;
    }
    /* (AT|WITH')\s+TIME\s+ZONE\s+'[^']+' */
    r = lx_word_ws(c, p, "AT");
    if (!r) {
        r = lx_word_ws(c, p, "WITH'");
    }
    if (r && (r = lx_word_ws(c, r, "TIME")) != 0 && (r = lx_word_ws(c, r, "ZONE")) != 0 &&
        r < c->len && c->s[r] == '\'') {
        size_t i = r + 1;
        while (i < c->len && c->s[i] != '\'') {
            i++;
        }
        if (i < c->len && i > r + 1) {
            *tt = TT_KW_TZCAST;
            return i + 1;
        }
    }
    /* (NOT\s+)?(LIKE|ILIKE|RLIKE)\b */
    if ((r = lx_word_ws(c, p, "NOT")) != 0 && (e = lx_any_b(c, r, likes)) != 0) {
        *tt = TT_OP_CMP;
        return e;
    }
    if ((e = lx_any_b(c, p, likes)) != 0) {
        *tt = TT_OP_CMP;
        return e;
    }
    /* (NOT\s+)?(REGEXP)(\s+(BINARY))?\b */
    for (int with_not = 1; with_not >= 0; with_not--) {
        q = with_not ? lx_word_ws(c, p, "NOT") : p;
        if (!q || !lx_lit(c, q, "REGEXP")) {
            continue;
        }
        if ((r = lx_word_ws(c, q, "REGEXP")) != 0 && (e = lx_word_b(c, r, "BINARY")) != 0) {
            *tt = TT_OP_CMP;
            return e;
        }
        if ((e = lx_word_b(c, q, "REGEXP")) != 0) {
            *tt = TT_OP_CMP;
            return e;
        }
    }
    return 0;
}

/* One token at p: its type and end. 0 or SP_NOMEM. */
static int
lx_token(sp_ctx *c, size_t p, int *tt, size_t *end)
{
    static const char *const kw13[] = {"CASE", "IN", "VALUES", "USING", "FROM", "AS", NULL};
    const unsigned char *s = c->s;
    size_t n = c->len, q, e;
    unsigned char ch = s[p];

    if ((ch == '/' || ch == '$') && lx_span(c, p, tt, end)) {
        return 0;
    }
    /* (--|# )\+?.*?(\r\n|\r|\n|$) */
    if ((ch == '-' && p + 1 < n && s[p + 1] == '-') || (ch == '#' && p + 1 < n && s[p + 1] == ' ')) {
        *tt = (p + 2 < n && s[p + 2] == '+') ? TT_CM_SINGLE_HINT : TT_CM_SINGLE;
        q = p + 2;
        while (q < n && s[q] != '\r' && s[q] != '\n') {
            q++;
        }
        if (q < n) {
            q += (s[q] == '\r' && q + 1 < n && s[q + 1] == '\n') ? 2 : 1;
        }
        *end = q;
        return 0;
    }
    if (ch == '\r' || ch == '\n') {
        *tt = TT_NEWLINE;
        *end = p + ((ch == '\r' && p + 1 < n && s[p + 1] == '\n') ? 2 : 1);
        return 0;
    }
    if (ch_is_space(ch)) {
        *tt = TT_WS;
        *end = p + 1;
        return 0;
    }
    if (ch == ':' && p + 1 < n && s[p + 1] == '=') {
        *tt = TT_ASSIGN;
        *end = p + 2;
        return 0;
    }
    if (ch == ':' && p + 1 < n && s[p + 1] == ':') {
        *tt = TT_PUNCT;
        *end = p + 2;
        return 0;
    }
    if (ch == '*') {
        *tt = TT_WILDCARD;
        *end = p + 1;
        return 0;
    }
    if (ch == '`' || (ch == 0xC2 && p + 1 < n && s[p + 1] == 0xB4)) {
        if (lx_quoted(c, p, ch == '`' ? "`" : "\xC2\xB4", 0, &e) < 0) {
            return SP_NOMEM;
        }
        if (e) {
            *tt = TT_NAME;
            *end = e;
            return 0;
        }
    }
    if (ch == '?') {
        *tt = TT_NAME_PH;
        *end = p + 1;
        return 0;
    }
    if (ch == '%') {
        q = p + 1;
        if (q < n && s[q] == '(' && lx_w(c, q + 1)) {
            e = lx_wrun(c, q + 1);
            if (e < n && s[e] == ')' && e + 1 < n && (s[e + 1] == 's' || s[e + 1] == 'S')) {
                *tt = TT_NAME_PH;
                *end = e + 2;
                return 0;
            }
        }
        if (q < n && (s[q] == 's' || s[q] == 'S')) {
            *tt = TT_NAME_PH;
            *end = q + 1;
            return 0;
        }
    }
    if ((ch == '$' || ch == ':' || ch == '?') && !lx_w_before(c, p) && lx_w(c, p + 1)) {
        *tt = TT_NAME_PH;
        *end = lx_wrun(c, p + 1);
        return 0;
    }
    if (ch == '\\' && lx_w(c, p + 1)) {
        *tt = TT_COMMAND;
        *end = lx_wrun(c, p + 1);
        return 0;
    }
    if ((e = lx_any_b(c, p, kw13)) != 0) {
        *tt = TT_KW;
        *end = e;
        return 0;
    }
    /* (@|##|#)[A-ZÀ-Ü]\w+ */
    if (ch == '@' || ch == '#') {
        size_t starts[2] = {0, 0};
        int ns = 0;
        if (ch == '@') {
            starts[ns++] = p + 1;
        }
        else {
            if (p + 1 < n && s[p + 1] == '#') {
                starts[ns++] = p + 2;
            }
            starts[ns++] = p + 1;
        }
        for (int i = 0; i < ns; i++) {
            size_t l = lx_letter(c, starts[i]);
            if (l && lx_w(c, starts[i] + l)) {
                *tt = TT_NAME;
                *end = lx_wrun(c, starts[i] + l);
                return 0;
            }
        }
    }
    /* [A-ZÀ-Ü]\w* followed by \s*\.(?!\d), preceded by '.', or followed by '(' */
    size_t ll = lx_letter(c, p);
    if (ll) {
        e = lx_wrun(c, p + ll);
        q = lx_spaces(c, e);
        if (q < n && s[q] == '.' && !(q + 1 < n && ch_is_digit(s[q + 1]))) {
            *tt = TT_NAME;
            *end = e;
            return 0;
        }
        if ((p > 0 && s[p - 1] == '.') || (e < n && s[e] == '(')) {
            *tt = TT_NAME;
            *end = e;
            return 0;
        }
    }
    /* numbers */
    {
        size_t d0 = (ch == '-') ? p + 1 : p;
        /* -?0x[\dA-F]+ */
        if (d0 + 2 < n && s[d0] == '0' && (s[d0 + 1] == 'x' || s[d0 + 1] == 'X')) {
            q = d0 + 2;
            while (q < n && (ch_is_digit(s[q]) || (s[q] >= 'a' && s[q] <= 'f') ||
                             (s[q] >= 'A' && s[q] <= 'F'))) {
                q++;
            }
            if (q > d0 + 2) {
                *tt = TT_NUM_HEX;
                *end = q;
                return 0;
            }
        }
        /* -?\d+(\.\d+)?E-?\d+ */
        if (d0 < n && ch_is_digit(s[d0])) {
            size_t di = lx_digits(c, d0);
            size_t cand[2];
            int nc = 0;
            if (di + 1 < n && s[di] == '.' && ch_is_digit(s[di + 1])) {
                cand[nc++] = lx_digits(c, di + 1);
            }
            cand[nc++] = di;
            for (int i = 0; i < nc; i++) {
                q = cand[i];
                if (q < n && (s[q] == 'e' || s[q] == 'E')) {
                    q++;
                    if (q < n && s[q] == '-' && q + 1 < n && ch_is_digit(s[q + 1])) {
                        q++;
                    }
                    if (q < n && ch_is_digit(s[q])) {
                        *tt = TT_NUM_FLOAT;
                        *end = lx_digits(c, q);
                        return 0;
                    }
                }
            }
        }
        /* -?(\d+(\.\d*)|\.\d+)(?![_A-ZÀ-Ü]) */
        if (d0 < n && ch_is_digit(s[d0])) {
            size_t di = lx_digits(c, d0);
            if (di < n && s[di] == '.') {
                size_t fe = lx_digits(c, di + 1);
                for (size_t j = fe + 1; j-- > di + 1;) {
                    if (lx_not_letter_us(c, j)) {
                        *tt = TT_NUM_FLOAT;
                        *end = j;
                        return 0;
                    }
                }
            }
        }
        else if (d0 + 1 < n && s[d0] == '.' && ch_is_digit(s[d0 + 1])) {
            size_t fe = lx_digits(c, d0 + 1);
            for (size_t j = fe; j > d0 + 1; j--) {
                if (lx_not_letter_us(c, j)) {
                    *tt = TT_NUM_FLOAT;
                    *end = j;
                    return 0;
                }
            }
        }
        /* -?\d+(?![_A-ZÀ-Ü]) */
        if (d0 < n && ch_is_digit(s[d0])) {
            size_t di = lx_digits(c, d0);
            for (size_t j = di; j > d0; j--) {
                if (lx_not_letter_us(c, j)) {
                    *tt = TT_NUM_INT;
                    *end = j;
                    return 0;
                }
            }
        }
    }
    if (ch == '\'' || ch == '"') {
        if (lx_quoted(c, p, ch == '\'' ? "'" : "\"", 1, &e) < 0) {
            return SP_NOMEM;
        }
        if (e) {
            *tt = ch == '\'' ? TT_STR_SINGLE : TT_STR_SYMBOL;
            *end = e;
            return 0;
        }
    }
    /* (?<![\w\])])(\[[^\]\[]+\]) */
    if (ch == '[' && !lx_w_before(c, p) && !(p > 0 && (s[p - 1] == ']' || s[p - 1] == ')'))) {
        q = p + 1;
        while (q < n && s[q] != ']' && s[q] != '[') {
            q++;
        }
        if (q < n && s[q] == ']' && q > p + 1) {
            *tt = TT_NAME;
            *end = q + 1;
            return 0;
        }
    }
    if ((e = lx_multiword(c, p, tt)) != 0) {
        *end = e;
        return 0;
    }
    /* \w[$#\w]* */
    if (lx_w(c, p)) {
        q = p + lx_w(c, p);
        for (;;) {
            size_t l = lx_w(c, q);
            if (l) {
                q += l;
            }
            else if (q < n && (s[q] == '$' || s[q] == '#')) {
                q++;
            }
            else {
                break;
            }
        }
        *tt = sp_keyword_type(s + p, q - p);
        *end = q;
        return 0;
    }
    if (strchr(";:()[],.", ch) != NULL && ch != '\0') {
        *tt = TT_PUNCT;
        *end = p + 1;
        return 0;
    }
    /* (\->>?|#>>?|@>|<@|\?\|?|\?&|\-|#\-) */
    if (ch == '-' && p + 1 < n && s[p + 1] == '>') {
        *tt = TT_OP;
        *end = p + 2 + (p + 2 < n && s[p + 2] == '>');
        return 0;
    }
    if (ch == '#' && p + 1 < n && s[p + 1] == '>') {
        *tt = TT_OP;
        *end = p + 2 + (p + 2 < n && s[p + 2] == '>');
        return 0;
    }
    if ((ch == '@' && p + 1 < n && s[p + 1] == '>') || (ch == '<' && p + 1 < n && s[p + 1] == '@') ||
        (ch == '#' && p + 1 < n && s[p + 1] == '-')) {
        *tt = TT_OP;
        *end = p + 2;
        return 0;
    }
    if (ch == '-') {
        *tt = TT_OP;
        *end = p + 1;
        return 0;
    }
    if (strchr("<>=~!", ch) != NULL && ch != '\0') {
        q = p;
        while (q < n && s[q] != '\0' && strchr("<>=~!", s[q]) != NULL) {
            q++;
        }
        *tt = TT_OP_CMP;
        *end = q;
        return 0;
    }
    if (strchr("+/@#%^&|-", ch) != NULL && ch != '\0') {
        q = p;
        while (q < n && s[q] != '\0' && strchr("+/@#%^&|-", s[q]) != NULL) {
            q++;
        }
        *tt = TT_OP;
        *end = q;
        return 0;
    }
    *tt = TT_ERROR;
    *end = p + lx_u8len(c, p);
    return 0;
}

/* ======================================================================================
 * Statement splitter (sqlparse.engine.statement_splitter)
 * ====================================================================================== */

typedef struct {
    char *stack; /* owned; block stack: B D F W L I C */
    size_t ns, cs;
    int paren, is_create, seen_begin, consume_ws;
    char unconfirmed; /* 0, 'F' or 'W' */
    long level;
} sp_split;

static int
split_push(sp_ctx *c, sp_split *sp, char b)
{
    if (sp->ns == sp->cs) {
        size_t cap = sp->cs ? sp->cs * 2 : 8;
        char *st = realloc(sp->stack, cap);
        if (st == NULL) {
            return sp_nomem(c);
        }
        sp->stack = st;
        sp->cs = cap;
    }
    sp->stack[sp->ns++] = b;
    return 0;
}

static char
split_top(const sp_split *sp)
{
    return sp->ns ? sp->stack[sp->ns - 1] : 0;
}

static int
split_has(const sp_split *sp, char b)
{
    return sp->ns && memchr(sp->stack, b, sp->ns) != NULL;
}

static void
split_reset(sp_split *sp)
{
    sp->ns = 0;
    sp->paren = sp->is_create = sp->seen_begin = sp->consume_ws = 0;
    sp->unconfirmed = 0;
    sp->level = 0;
}

/* _change_splitlevel: writes the level change to *delta. 0 or SP_NOMEM. */
static int
split_level(sp_ctx *c, sp_split *sp, int t, long *delta)
{
    static const char *const txn[] = {"TRANSACTION", "WORK", "TRAN", "DISTRIBUTED", "DEFERRED",
                                      "IMMEDIATE", "EXCLUSIVE", NULL};
    int tt = SPN(c, t).tt;
    *delta = 0;
    if (tt == TT_PUNCT && sp_text_eq(c, t, ";")) {
        sp->unconfirmed = 0;
        if (sp->seen_begin) {
            sp->seen_begin = 0;
            if (split_top(sp) == 'B') {
                sp->ns--;
                *delta = -1;
            }
        }
        return 0;
    }
    if (tt == TT_PUNCT && sp_text_eq(c, t, "(")) {
        sp->paren++;
        *delta = 1;
        return 0;
    }
    if (tt == TT_PUNCT && sp_text_eq(c, t, ")")) {
        sp->paren = sp->paren > 0 ? sp->paren - 1 : 0;
        *delta = -1;
        return 0;
    }
    if (!tt_is_kw(tt)) {
        return 0;
    }
    if (tt == TT_KW_DDL && sp_tlen(c, t) >= 6 &&
        strncasecmp((const char *)c->s + SPN(c, t).start, "CREATE", 6) == 0) {
        sp->is_create = 1;
        return 0;
    }
    if (sp_text_ieq(c, t, "DECLARE") && sp->is_create && sp->ns == 0) {
        *delta = 1;
        return split_push(c, sp, 'D');
    }
    if (sp_text_ieq(c, t, "BEGIN")) {
        sp->seen_begin = 1;
        if (split_top(sp) == 'D') {
            sp->ns--;
            return split_push(c, sp, 'B');
        }
        *delta = 1;
        return split_push(c, sp, 'B');
    }
    if (sp->seen_begin && tt == TT_KW) {
        for (const char *const *w = txn; *w; w++) {
            if (sp_text_ieq(c, t, *w)) {
                sp->seen_begin = 0;
                if (split_top(sp) == 'B') {
                    sp->ns--;
                    *delta = -1;
                }
                return 0;
            }
        }
    }
    if (split_has(sp, 'B')) {
        if (sp_text_ieq(c, t, "FOR")) {
            sp->unconfirmed = 'F';
            return 0;
        }
        if (sp_text_ieq(c, t, "WHILE")) {
            sp->unconfirmed = 'W';
            return 0;
        }
        int loop = sp_text_ieq(c, t, "LOOP");
        if (loop || sp_text_ieq(c, t, "DO")) {
            if (sp->unconfirmed) {
                char u = sp->unconfirmed;
                sp->unconfirmed = 0;
                *delta = 1;
                return split_push(c, sp, u);
            }
            if (loop) {
                *delta = 1;
                return split_push(c, sp, 'L');
            }
        }
        if (sp_text_ieq(c, t, "IF") || sp_text_ieq(c, t, "CASE")) {
            *delta = 1;
            return split_push(c, sp, sp_text_ieq(c, t, "IF") ? 'I' : 'C');
        }
    }
    static const char *const closers[] = {"END IF", "END FOR", "END WHILE", "END LOOP",
                                          "END CASE", NULL};
    static const char closer_of[] = "IFWLC";
    for (int i = 0; closers[i]; i++) {
        if (sp_text_ieq(c, t, closers[i])) {
            char top = split_top(sp);
            int ok = top == closer_of[i] ||
                     (closer_of[i] == 'L' && (top == 'F' || top == 'W'));
            if (sp->ns && ok) {
                sp->ns--;
                *delta = -1;
            }
            return 0;
        }
    }
    if (sp_text_ieq(c, t, "END")) {
        if (sp->ns) {
            sp->ns--;
        }
        *delta = -1;
    }
    return 0;
}

/* Lexes [0, len) and splits it into statements: *out receives malloc'ed statement node ids.
 * 0 or SP_NOMEM. */
static int
sp_tokenize_split(sp_ctx *c, int **out, size_t *nout)
{
    sp_split sp;
    int *stmts = NULL;
    size_t ns = 0, cs = 0;
    int cur = -1, rc = SP_NOMEM;
    memset(&sp, 0, sizeof sp);
    *out = NULL;
    *nout = 0;
    for (size_t p = 0; p < c->len;) {
        int tt;
        size_t end;
        if (lx_token(c, p, &tt, &end) < 0) {
            goto exit;
        }
        int t = sp_new_node(c, tt, G_NONE, p, end);
        if (t < 0) {
            goto exit;
        }
        p = end;
        if (sp.consume_ws && tt != TT_WS && tt != TT_CM_SINGLE) {
            /* yield the finished statement */
            if (ns == cs) {
                size_t cap = cs ? cs * 2 : 4;
                int *a = realloc(stmts, cap * sizeof *a);
                if (a == NULL) {
                    sp_nomem(c);
                    goto exit;
                }
                stmts = a;
                cs = cap;
            }
            stmts[ns++] = cur;
            cur = -1;
            split_reset(&sp);
        }
        long delta;
        if (split_level(c, &sp, t, &delta) < 0) {
            goto exit;
        }
        sp.level += delta;
        if (cur < 0) {
            cur = sp_new_node(c, TT_NONE, G_STATEMENT, SPN(c, t).start, SPN(c, t).end);
            if (cur < 0) {
                goto exit;
            }
        }
        if (sp_kid_push(c, cur, t) < 0) {
            goto exit;
        }
        SPN(c, cur).end = end;
        if (tt == TT_PUNCT && sp_text_eq(c, t, ";")) {
            sp.seen_begin = 0;
            if (sp.level <= 0 && !split_has(&sp, 'B')) {
                sp.consume_ws = 1;
            }
        }
        else if (tt == TT_KW && sp_tlen(c, t) >= 2 && memcmp(c->s + SPN(c, t).start, "GO", 2) == 0 &&
                 (sp_tlen(c, t) == 2 || ch_is_space(c->s[SPN(c, t).start + 2]))) {
            sp.consume_ws = 1;
        }
        else if (!(tt == TT_WS || tt == TT_NEWLINE || tt == TT_CM_SINGLE || tt == TT_CM_MULTI) &&
                 !(tt == TT_KW && sp_text_ieq(c, t, "BEGIN"))) {
            sp.seen_begin = 0;
        }
    }
    if (cur >= 0) {
        int all_ws = 1;
        for (size_t i = 0; i < SPN(c, cur).nk; i++) {
            if (!sp_is_ws(c, SPN(c, cur).kids[i])) {
                all_ws = 0;
                break;
            }
        }
        if (!all_ws) {
            if (ns == cs) {
                int *a = realloc(stmts, (cs + 1) * sizeof *a);
                if (a == NULL) {
                    sp_nomem(c);
                    goto exit;
                }
                stmts = a;
                cs++;
            }
            stmts[ns++] = cur;
        }
    }
    *out = stmts;
    *nout = ns;
    stmts = NULL;
    rc = 0;
exit:
    free(stmts);
    free(sp.stack);
    return rc;
}

/* ======================================================================================
 * Grouping (sqlparse.engine.grouping)
 * ====================================================================================== */

/* _group_matching open/close tests per class. */
static int
gm_open(const sp_ctx *c, int cls, int t)
{
    switch (cls) {
    case G_PAREN: return sp_match(c, t, TT_PUNCT, "(");
    case G_SQUARE: return sp_match(c, t, TT_PUNCT, "[");
    case G_CASE: return sp_match(c, t, TT_KW, "CASE");
    case G_IF: return sp_match(c, t, TT_KW, "IF");
    case G_FOR: return sp_match(c, t, TT_KW, "FOR") || sp_match(c, t, TT_KW, "FOREACH");
    case G_BEGIN: return sp_match(c, t, TT_KW, "BEGIN");
    default: return 0;
    }
}

static int
gm_close(const sp_ctx *c, int cls, int t)
{
    switch (cls) {
    case G_PAREN: return sp_match(c, t, TT_PUNCT, ")");
    case G_SQUARE: return sp_match(c, t, TT_PUNCT, "]");
    case G_CASE: return sp_match(c, t, TT_KW, "END");
    case G_IF: return sp_match(c, t, TT_KW, "END IF");
    case G_FOR: return sp_match(c, t, TT_KW, "END LOOP");
    case G_BEGIN: return sp_match(c, t, TT_KW, "END");
    default: return 0;
    }
}

static int
sp_snapshot(sp_ctx *c, int g, int **snap, size_t *n)
{
    *n = SPN(c, g).nk;
    *snap = malloc((*n ? *n : 1) * sizeof **snap);
    if (*snap == NULL) {
        return sp_nomem(c);
    }
    if (*n) {
        memcpy(*snap, SPN(c, g).kids, *n * sizeof **snap);
    }
    return 0;
}

static int
sp_group_matching(sp_ctx *c, int g, int cls, int depth)
{
    int *snap = NULL;
    long *opens = NULL;
    size_t n, nopen = 0;
    long offset = 0;
    int rc = SP_NOMEM;
    if (depth > SP_MAX_DEPTH || SPN(c, g).nk > SP_MAX_TOKENS) {
        return SP_PARSE_ERROR;
    }
    if (sp_snapshot(c, g, &snap, &n) < 0) {
        goto exit;
    }
    rc = SP_NOMEM;
    opens = malloc((n ? n : 1) * sizeof *opens);
    if (opens == NULL) {
        sp_nomem(c);
        goto exit;
    }
    for (size_t idx = 0; idx < n; idx++) {
        int t = snap[idx];
        long tidx = (long)idx - offset;
        if (sp_is_ws(c, t)) {
            continue;
        }
        if (sp_is_group(c, t) && !sp_isinstance(c, t, cls)) {
            rc = sp_group_matching(c, t, cls, depth + 1);
            if (rc < 0) {
                goto exit;
            }
            continue;
        }
        if (gm_open(c, cls, t)) {
            opens[nopen++] = tidx;
        }
        else if (gm_close(c, cls, t)) {
            if (nopen == 0) {
                continue;
            }
            long open_idx = opens[--nopen];
            if (sp_group_tokens(c, g, cls, open_idx, tidx, 0) < 0) {
                rc = SP_NOMEM;
                goto exit;
            }
            offset += tidx - open_idx;
        }
    }
    rc = 0;
exit:
    free(snap);
    free(opens);
    return rc;
}

/* Parameters of the generic _group. t may be -1 (None) for the valid_* tests. */
typedef struct sp_gspec sp_gspec;
struct sp_gspec {
    int cls;
    int (*match)(const sp_ctx *c, int t);
    int (*valid_prev)(const sp_ctx *c, int t);
    int (*valid_next)(const sp_ctx *c, int t);
    /* post: writes the group range; may mutate tokens (group_operator) */
    void (*post)(sp_ctx *c, int g, long pidx, long tidx, long nidx, long *from, long *to);
    int extend;
    int recurse;
};

static int
sp_is_delimiter(const sp_ctx *c, int g, int t)
{
    int cls = SPN(c, g).cls;
    if (t < 0 || !(cls == G_PAREN || cls == G_SQUARE || cls == G_CASE || cls == G_IF ||
                   cls == G_FOR || cls == G_BEGIN)) {
        return 0;
    }
    const sp_node *n = &SPN(c, g);
    return n->nk && (n->kids[0] == t || n->kids[n->nk - 1] == t);
}

static int
sp_group(sp_ctx *c, int g, const sp_gspec *spec, int depth)
{
    int *snap = NULL;
    size_t n;
    long offset = 0, pidx = SP_NONE;
    int prev = -1, rc = SP_NOMEM;
    if (depth > SP_MAX_DEPTH || SPN(c, g).nk > SP_MAX_TOKENS) {
        return SP_PARSE_ERROR;
    }
    if (sp_snapshot(c, g, &snap, &n) < 0) {
        goto exit;
    }
    for (size_t idx = 0; idx < n; idx++) {
        int t = snap[idx];
        long tidx = (long)idx - offset;
        if (tidx < 0) {
            continue;
        }
        if (sp_is_ws(c, t)) {
            continue;
        }
        if (spec->recurse && sp_is_group(c, t) && !sp_isinstance(c, t, spec->cls)) {
            rc = sp_group(c, t, spec, depth + 1);
            if (rc < 0) {
                goto exit;
            }
        }
        if (spec->match(c, t)) {
            long nidx = sp_next(c, g, tidx, 1, 0);
            int next = sp_kid(c, g, nidx);
            if (prev >= 0 && spec->valid_prev(c, prev) && spec->valid_next(c, next) &&
                !sp_is_delimiter(c, g, prev) && !sp_is_delimiter(c, g, next)) {
                long from, to;
                spec->post(c, g, pidx, tidx, nidx, &from, &to);
                int grp = sp_group_tokens(c, g, spec->cls, from, to, spec->extend);
                if (grp < 0) {
                    rc = SP_NOMEM;
                    goto exit;
                }
                offset += to - from;
                pidx = from;
                prev = grp;
                continue;
            }
        }
        pidx = tidx;
        prev = t;
    }
    rc = 0;
exit:
    free(snap);
    return rc;
}

static int
v_not_none(const sp_ctx *c, int t)
{
    (void)c;
    return t >= 0;
}

static int
v_true(const sp_ctx *c, int t)
{
    (void)c;
    (void)t;
    return 1;
}

static void
post_prev_next(sp_ctx *c, int g, long pidx, long tidx, long nidx, long *from, long *to)
{
    (void)c;
    (void)g;
    (void)tidx;
    *from = pidx;
    *to = nidx;
}

static void
post_prev_this(sp_ctx *c, int g, long pidx, long tidx, long nidx, long *from, long *to)
{
    (void)c;
    (void)g;
    (void)nidx;
    *from = pidx;
    *to = tidx;
}

static void
post_this_next(sp_ctx *c, int g, long pidx, long tidx, long nidx, long *from, long *to)
{
    (void)c;
    (void)g;
    (void)pidx;
    *from = tidx;
    *to = nidx;
}

/* -- group_comments (recurse except Comment) */
static int
p_is_comment_tt(const sp_ctx *c, int t)
{
    return tt_in_comment(SPN(c, t).tt);
}

static int
g_comments(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && !sp_isinstance(c, k, G_COMMENT) && g_comments(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    long tidx = sp_find(c, g, -1, p_is_comment_tt);
    while (tidx != SP_NONE) {
        long eidx = SP_NONE;
        for (size_t i = (size_t)tidx; i < SPN(c, g).nk; i++) {
            int k = SPN(c, g).kids[i];
            if (!(tt_in_comment(SPN(c, k).tt) || SPN(c, k).tt == TT_NEWLINE)) {
                eidx = (long)i;
                break;
            }
        }
        if (eidx == SP_NONE) {
            break;
        }
        eidx = sp_prev(c, g, eidx, 0);
        if (sp_group_tokens(c, g, G_COMMENT, tidx, eidx, 0) < 0) {
            return SP_NOMEM;
        }
        tidx = sp_find(c, g, tidx, p_is_comment_tt);
    }
    return 0;
}

/* -- group_over (recurse except Over) */
static int
p_over_open(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_KW, "OVER");
}

static int
g_over(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && !sp_isinstance(c, k, G_OVER) && g_over(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    long tidx = sp_find(c, g, -1, p_over_open);
    while (tidx != SP_NONE) {
        long nidx = sp_next(c, g, tidx, 1, 0);
        int next = sp_kid(c, g, nidx);
        if (next >= 0 && (sp_isinstance(c, next, G_PAREN) || tt_in_name(SPN(c, next).tt))) {
            if (sp_group_tokens(c, g, G_OVER, tidx, nidx, 0) < 0) {
                return SP_NOMEM;
            }
        }
        tidx = sp_find(c, g, tidx, p_over_open);
    }
    return 0;
}

/* -- group_functions (recurse except Function) */
static int
p_in_name(const sp_ctx *c, int t)
{
    return tt_in_name(SPN(c, t).tt);
}

static int
g_functions(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && !sp_isinstance(c, k, G_FUNCTION) && g_functions(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    int has_create = 0, has_table = 0, has_as = 0;
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        has_create |= sp_text_ieq(c, k, "CREATE");
        has_table |= sp_text_ieq(c, k, "TABLE");
        has_as |= sp_text_ieq(c, k, "AS");
    }
    if (has_create && has_table && !has_as) {
        return 0;
    }
    long tidx = sp_find(c, g, -1, p_in_name);
    while (tidx != SP_NONE) {
        long nidx = sp_next(c, g, tidx, 1, 0);
        int next = sp_kid(c, g, nidx);
        if (next >= 0 && sp_isinstance(c, next, G_PAREN)) {
            long oidx = sp_next(c, g, nidx, 1, 0);
            int over = sp_kid(c, g, oidx);
            long eidx = (over >= 0 && sp_isinstance(c, over, G_OVER)) ? oidx : nidx;
            if (sp_group_tokens(c, g, G_FUNCTION, tidx, eidx, 0) < 0) {
                return SP_NOMEM;
            }
        }
        tidx = sp_find(c, g, tidx, p_in_name);
    }
    return 0;
}

/* -- group_where (recurse except Where) */
static int
p_where_open(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_KW, "WHERE");
}

static int
p_where_close(const sp_ctx *c, int t)
{
    static const char *const w[] = {"ORDER BY", "GROUP BY", "LIMIT", "UNION", "UNION ALL",
                                    "EXCEPT", "INTERSECT", "HAVING", "RETURNING", "INTO", NULL};
    for (int i = 0; w[i]; i++) {
        if (sp_match(c, t, TT_KW, w[i])) {
            return 1;
        }
    }
    return 0;
}

static int
g_where(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && !sp_isinstance(c, k, G_WHERE) && g_where(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    long tidx = sp_find(c, g, -1, p_where_open);
    while (tidx != SP_NONE) {
        long eidx = sp_find(c, g, tidx, p_where_close);
        const sp_node *n = &SPN(c, g);
        int end;
        if (eidx == SP_NONE) {
            int delim = n->cls == G_PAREN || n->cls == G_SQUARE;
            if (delim && n->nk < 3) {
                break; /* no groupable tokens: sqlparse would fail here too */
            }
            end = n->kids[n->nk - 1 - (delim ? 1 : 0)];
        }
        else {
            end = n->kids[eidx - 1];
        }
        long e = SP_NONE;
        for (size_t i = 0; i < n->nk; i++) {
            if (n->kids[i] == end) {
                e = (long)i;
                break;
            }
        }
        if (e == SP_NONE || e < tidx) {
            break;
        }
        if (sp_group_tokens(c, g, G_WHERE, tidx, e, 0) < 0) {
            return SP_NOMEM;
        }
        tidx = sp_find(c, g, tidx, p_where_open);
    }
    return 0;
}

/* -- group_period */
static int
m_period(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_PUNCT, ".") || sp_match(c, t, TT_OP, "->") ||
           sp_match(c, t, TT_OP, "->>");
}

static int
v_period_prev(const sp_ctx *c, int t)
{
    if (t < 0) {
        return 0;
    }
    return sp_isinstance(c, t, G_SQUARE) || sp_isinstance(c, t, G_IDENTIFIER) ||
           SPN(c, t).tt == TT_NAME || SPN(c, t).tt == TT_STR_SYMBOL;
}

static void
post_period(sp_ctx *c, int g, long pidx, long tidx, long nidx, long *from, long *to)
{
    int next = sp_kid(c, g, nidx);
    int ok = next >= 0 && (sp_isinstance(c, next, G_SQUARE) || sp_isinstance(c, next, G_FUNCTION) ||
                           SPN(c, next).tt == TT_NAME || SPN(c, next).tt == TT_STR_SYMBOL ||
                           SPN(c, next).tt == TT_WILDCARD || SPN(c, next).tt == TT_STR_SINGLE);
    *from = pidx;
    *to = ok ? nidx : tidx;
}

/* -- group_arrays */
static int
m_square(const sp_ctx *c, int t)
{
    return sp_isinstance(c, t, G_SQUARE);
}

static int
v_arrays_prev(const sp_ctx *c, int t)
{
    if (t < 0) {
        return 0;
    }
    return sp_isinstance(c, t, G_SQUARE) || sp_isinstance(c, t, G_IDENTIFIER) ||
           sp_isinstance(c, t, G_FUNCTION) || SPN(c, t).tt == TT_NAME ||
           SPN(c, t).tt == TT_STR_SYMBOL;
}

/* -- group_identifier (recurse except Identifier) */
static int
p_ident_leaf(const sp_ctx *c, int t)
{
    return SPN(c, t).tt == TT_STR_SYMBOL || SPN(c, t).tt == TT_NAME;
}

static int
g_identifier(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && !sp_isinstance(c, k, G_IDENTIFIER) && g_identifier(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    long tidx = sp_find(c, g, -1, p_ident_leaf);
    while (tidx != SP_NONE) {
        if (sp_group_tokens(c, g, G_IDENTIFIER, tidx, tidx, 0) < 0) {
            return SP_NOMEM;
        }
        tidx = sp_find(c, g, tidx, p_ident_leaf);
    }
    return 0;
}

/* -- group_order (recurse except Identifier) */
static int
p_order_kw(const sp_ctx *c, int t)
{
    return SPN(c, t).tt == TT_KW_ORDER;
}

static int
g_order(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && !sp_isinstance(c, k, G_IDENTIFIER) && g_order(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    long tidx = sp_find(c, g, -1, p_order_kw);
    while (tidx != SP_NONE) {
        long pidx = sp_prev(c, g, tidx, 1);
        int prev = sp_kid(c, g, pidx);
        if (prev >= 0 && (sp_isinstance(c, prev, G_IDENTIFIER) || tt_in_number(SPN(c, prev).tt))) {
            if (sp_group_tokens(c, g, G_IDENTIFIER, pidx, tidx, 0) < 0) {
                return SP_NOMEM;
            }
            tidx = pidx;
        }
        tidx = sp_find(c, g, tidx, p_order_kw);
    }
    return 0;
}

/* -- group_typecasts */
static int
m_typecast(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_PUNCT, "::");
}

/* -- group_tzcasts */
static int
m_tzcast(const sp_ctx *c, int t)
{
    return SPN(c, t).tt == TT_KW_TZCAST;
}

static int
v_tzcast_next(const sp_ctx *c, int t)
{
    return t >= 0 && (sp_is_ws(c, t) || sp_match(c, t, TT_KW, "AS") ||
                      sp_match(c, t, TT_STR_SINGLE, NULL));
}

/* -- group_typed_literal */
static int
m_typed_open(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_NAME_BUILTIN, NULL) || sp_match(c, t, TT_KW, "TIMESTAMP");
}

static int
v_typed_close(const sp_ctx *c, int t)
{
    return t >= 0 && sp_match(c, t, TT_STR_SINGLE, NULL);
}

static int
m_typed_extend(const sp_ctx *c, int t)
{
    return sp_isinstance(c, t, G_TYPED_LITERAL);
}

static int
v_typed_final(const sp_ctx *c, int t)
{
    static const char *const w[] = {"DAY", "HOUR", "MINUTE", "MONTH", "SECOND", "YEAR", NULL};
    for (int i = 0; w[i]; i++) {
        if (sp_match(c, t, TT_KW, w[i])) {
            return 1;
        }
    }
    return 0;
}

/* -- group_operator */
static int
m_operator(const sp_ctx *c, int t)
{
    return SPN(c, t).tt == TT_OP || SPN(c, t).tt == TT_WILDCARD;
}

static int
v_operator(const sp_ctx *c, int t)
{
    if (t < 0) {
        return 0;
    }
    int cls = SPN(c, t).cls;
    if (cls == G_SQUARE || cls == G_PAREN || cls == G_FUNCTION || cls == G_IDENTIFIER ||
        cls == G_OPERATION || cls == G_TYPED_LITERAL || tt_is_operand(SPN(c, t).tt)) {
        return 1;
    }
    return sp_match(c, t, TT_KW, "CURRENT_DATE") || sp_match(c, t, TT_KW, "CURRENT_TIME") ||
           sp_match(c, t, TT_KW, "CURRENT_TIMESTAMP");
}

static void
post_operator(sp_ctx *c, int g, long pidx, long tidx, long nidx, long *from, long *to)
{
    int t = sp_kid(c, g, tidx);
    if (t >= 0 && SPN(c, t).cls == G_NONE) {
        SPN(c, t).tt = TT_OP;
    }
    *from = pidx;
    *to = nidx;
}

/* -- group_comparison */
static int
m_comparison(const sp_ctx *c, int t)
{
    return SPN(c, t).tt == TT_OP_CMP;
}

static int
v_comparison(const sp_ctx *c, int t)
{
    if (t < 0) {
        return 0;
    }
    int cls = SPN(c, t).cls;
    if (cls == G_PAREN || cls == G_FUNCTION || cls == G_IDENTIFIER || cls == G_OPERATION ||
        cls == G_TYPED_LITERAL || tt_is_operand(SPN(c, t).tt)) {
        return 1;
    }
    return sp_is_kw(c, t) && sp_text_ieq(c, t, "NULL");
}

/* -- group_as */
static int
m_as(const sp_ctx *c, int t)
{
    return sp_is_kw(c, t) && sp_text_ieq(c, t, "AS");
}

static int
v_as_prev(const sp_ctx *c, int t)
{
    return sp_normalized_is(c, t, "NULL") || !sp_is_kw(c, t);
}

static int
v_as_next(const sp_ctx *c, int t)
{
    if (t < 0) {
        return 0;
    }
    int tt = SPN(c, t).tt;
    return !(tt == TT_KW_DML || tt == TT_KW_DDL || tt == TT_KW_CTE);
}

/* -- group_aliased (recurse all) */
static int
p_alias_src(const sp_ctx *c, int t)
{
    int cls = SPN(c, t).cls;
    return cls == G_PAREN || cls == G_FUNCTION || cls == G_CASE || cls == G_IDENTIFIER ||
           cls == G_OPERATION || cls == G_COMPARISON || tt_in_number(SPN(c, t).tt);
}

static int
g_aliased(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && g_aliased(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    long tidx = sp_find(c, g, -1, p_alias_src);
    while (tidx != SP_NONE) {
        long nidx = sp_next(c, g, tidx, 1, 0);
        int next = sp_kid(c, g, nidx);
        if (next >= 0 && sp_isinstance(c, next, G_IDENTIFIER)) {
            if (sp_group_tokens(c, g, G_IDENTIFIER, tidx, nidx, 1) < 0) {
                return SP_NOMEM;
            }
        }
        tidx = sp_find(c, g, tidx, p_alias_src);
    }
    return 0;
}

/* -- group_assignment */
static int
m_assign(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_ASSIGN, ":=");
}

static int
v_assign(const sp_ctx *c, int t)
{
    return t >= 0 && SPN(c, t).tt != TT_KW;
}

static int
p_semicolon(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_PUNCT, ";");
}

static void
post_assign(sp_ctx *c, int g, long pidx, long tidx, long nidx, long *from, long *to)
{
    (void)tidx;
    long sn = nidx == SP_NONE ? SP_NONE : sp_find(c, g, nidx, p_semicolon);
    *from = pidx;
    *to = (sn != SP_NONE && sn != 0) ? sn : nidx;
}

/* -- align_comments (recurse all) */
static int
p_comment_group(const sp_ctx *c, int t)
{
    return sp_isinstance(c, t, G_COMMENT);
}

static int
g_align_comments(sp_ctx *c, int g)
{
    for (size_t i = 0; i < SPN(c, g).nk; i++) {
        int k = SPN(c, g).kids[i];
        if (sp_is_group(c, k) && g_align_comments(c, k) < 0) {
            return SP_NOMEM;
        }
    }
    long tidx = sp_find(c, g, -1, p_comment_group);
    while (tidx != SP_NONE) {
        long pidx = sp_prev(c, g, tidx, 1);
        int prev = sp_kid(c, g, pidx);
        if (prev >= 0 && sp_is_group(c, prev)) {
            if (sp_group_tokens(c, g, G_TOKENLIST, pidx, tidx, 1) < 0) {
                return SP_NOMEM;
            }
            tidx = pidx;
        }
        tidx = sp_find(c, g, tidx, p_comment_group);
    }
    return 0;
}

/* -- group_identifier_list */
static int
m_comma(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_PUNCT, ",");
}

static int
v_idlist(const sp_ctx *c, int t)
{
    if (t < 0) {
        return 0;
    }
    int cls = SPN(c, t).cls, tt = SPN(c, t).tt;
    if (cls == G_FUNCTION || cls == G_CASE || cls == G_IDENTIFIER || cls == G_COMPARISON ||
        cls == G_IDLIST || cls == G_OPERATION) {
        return 1;
    }
    if (sp_match(c, t, TT_KW, "null") || sp_match(c, t, TT_KW, "role")) {
        return 1;
    }
    return tt_is_operand(tt) || tt == TT_KW || tt == TT_WILDCARD;
}

/* -- group_values */
static int
p_values(const sp_ctx *c, int t)
{
    return sp_match(c, t, TT_KW, "VALUES");
}

static int
g_values(sp_ctx *c, int g)
{
    long tidx = sp_find(c, g, -1, p_values);
    long start = tidx, end = SP_NONE;
    while (tidx != SP_NONE) {
        if (sp_isinstance(c, sp_kid(c, g, tidx), G_PAREN)) {
            end = tidx;
        }
        tidx = sp_next(c, g, tidx, 1, 0);
    }
    if (end != SP_NONE && sp_group_tokens(c, g, G_VALUES, start, end, 1) < 0) {
        return SP_NOMEM;
    }
    return 0;
}

/* grouping.group(stmt). 0, SP_NOMEM or SP_PARSE_ERROR. */
static int
sp_group_statement(sp_ctx *c, int stmt)
{
    static const sp_gspec period = {G_IDENTIFIER, m_period, v_period_prev, v_true, post_period, 1, 1};
    static const sp_gspec arrays = {G_IDENTIFIER, m_square, v_arrays_prev, v_true, post_prev_this, 1, 0};
    static const sp_gspec typecasts = {G_IDENTIFIER, m_typecast, v_not_none, v_not_none,
                                       post_prev_next, 1, 1};
    static const sp_gspec tzcasts = {G_IDENTIFIER, m_tzcast, v_not_none, v_tzcast_next,
                                     post_prev_next, 1, 1};
    static const sp_gspec typed1 = {G_TYPED_LITERAL, m_typed_open, v_not_none, v_typed_close,
                                    post_this_next, 0, 1};
    static const sp_gspec typed2 = {G_TYPED_LITERAL, m_typed_extend, v_not_none, v_typed_final,
                                    post_this_next, 1, 1};
    static const sp_gspec oper = {G_OPERATION, m_operator, v_operator, v_operator, post_operator, 0, 1};
    static const sp_gspec comparison = {G_COMPARISON, m_comparison, v_comparison, v_comparison,
                                        post_prev_next, 0, 1};
    static const sp_gspec as = {G_IDENTIFIER, m_as, v_as_prev, v_as_next, post_prev_next, 1, 1};
    static const sp_gspec assign = {G_ASSIGNMENT, m_assign, v_assign, v_assign, post_assign, 1, 1};
    static const sp_gspec idlist = {G_IDLIST, m_comma, v_idlist, v_idlist, post_prev_next, 1, 1};
    static const int matching[] = {G_SQUARE, G_PAREN, G_CASE, G_IF, G_FOR, G_BEGIN};
    int rc;

    if ((rc = g_comments(c, stmt)) < 0) {
        return rc;
    }
    for (size_t i = 0; i < sizeof matching / sizeof matching[0]; i++) {
        if ((rc = sp_group_matching(c, stmt, matching[i], 0)) < 0) {
            return rc;
        }
    }
    if ((rc = g_over(c, stmt)) < 0 || (rc = g_functions(c, stmt)) < 0 ||
        (rc = g_where(c, stmt)) < 0 || (rc = sp_group(c, stmt, &period, 0)) < 0 ||
        (rc = sp_group(c, stmt, &arrays, 0)) < 0 || (rc = g_identifier(c, stmt)) < 0 ||
        (rc = g_order(c, stmt)) < 0 || (rc = sp_group(c, stmt, &typecasts, 0)) < 0 ||
        (rc = sp_group(c, stmt, &tzcasts, 0)) < 0 || (rc = sp_group(c, stmt, &typed1, 0)) < 0 ||
        (rc = sp_group(c, stmt, &typed2, 0)) < 0 || (rc = sp_group(c, stmt, &oper, 0)) < 0 ||
        (rc = sp_group(c, stmt, &comparison, 0)) < 0 || (rc = sp_group(c, stmt, &as, 0)) < 0 ||
        (rc = g_aliased(c, stmt)) < 0 || (rc = sp_group(c, stmt, &assign, 0)) < 0 ||
        (rc = g_align_comments(c, stmt)) < 0 || (rc = sp_group(c, stmt, &idlist, 0)) < 0 ||
        (rc = g_values(c, stmt)) < 0) {
        return rc;
    }
    return 0;
}

/* sqlparse.parse(text): the grouped statements (malloc'ed ids in *stmts). 0, SP_NOMEM or
 * SP_PARSE_ERROR. The context keeps the tree; sp_ctx_free releases it. */
static int
sp_parse(sp_ctx *c, const char *text, int **stmts, size_t *n)
{
    int rc;
    c->s = (const unsigned char *)text;
    c->len = strlen(text);
    rc = sp_tokenize_split(c, stmts, n);
    if (rc < 0) {
        return rc;
    }
    for (size_t i = 0; i < *n; i++) {
        rc = sp_group_statement(c, (*stmts)[i]);
        if (rc < 0) {
            free(*stmts);
            *stmts = NULL;
            *n = 0;
            return rc;
        }
    }
    return 0;
}

/* ======================================================================================
 * Small Python-behaviour helpers: string builder, repr(str), ast.literal_eval for the
 * value lists of IN, shlex.split, LIKE / ILIKE
 * ====================================================================================== */

typedef struct {
    char *buf; /* owned */
    size_t n, cap;
    int oom;
} sbuf;

static void
sb_addn(sbuf *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->n + n + 1) {
            cap *= 2;
        }
        char *nb = realloc(b->buf, cap);
        if (nb == NULL) {
            b->oom = 1;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->n, s, n);
    b->n += n;
    b->buf[b->n] = '\0';
}

static void
sb_add(sbuf *b, const char *s)
{
    sb_addn(b, s, strlen(s));
}

static void
sb_addc(sbuf *b, char ch)
{
    sb_addn(b, &ch, 1);
}

/* Decodes the UTF-8 character at s[*i] (an invalid byte decodes as itself). */
static uint32_t
u8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char b = s[*i];
    size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (len <= 1 || *i + len > n) {
        (*i)++;
        return b;
    }
    uint32_t cp = b & (0x7F >> len);
    for (size_t k = 1; k < len; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return b;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    *i += len;
    return cp;
}

static void
sb_add_cp(sbuf *b, uint32_t cp)
{
    char o[4];
    if (cp < 0x80) {
        o[0] = (char)cp;
        sb_addn(b, o, 1);
    }
    else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        sb_addn(b, o, 2);
    }
    else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        sb_addn(b, o, 3);
    }
    else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        sb_addn(b, o, 4);
    }
}

/* Appends Python's repr() of the string s (quote choice and escapes as CPython's). */
static void
sb_add_repr(sbuf *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    char q = (strchr(s, '\'') != NULL && strchr(s, '"') == NULL) ? '"' : '\'';
    char tmp[16];
    sb_addc(b, q);
    for (size_t i = 0; i < n;) {
        uint32_t cp = u8_next(u, n, &i);
        if (cp == (uint32_t)q || cp == '\\') {
            sb_addc(b, '\\');
            sb_addc(b, (char)cp);
        }
        else if (cp == '\t') {
            sb_add(b, "\\t");
        }
        else if (cp == '\n') {
            sb_add(b, "\\n");
        }
        else if (cp == '\r') {
            sb_add(b, "\\r");
        }
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) {
            snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)cp);
            sb_add(b, tmp);
        }
        else if ((cp >= 0x2028 && cp <= 0x2029) || (cp >= 0x200B && cp <= 0x200F) ||
                 cp == 0xFEFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)cp);
            sb_add(b, tmp);
        }
        else {
            sb_add_cp(b, cp);
        }
    }
    sb_addc(b, q);
}

/* ---- ast.literal_eval of a parenthesised list of values */

static int
byte_is_w(unsigned char ch)
{
    return ch >= 0x80 || ch_is_alpha(ch) || ch_is_digit(ch) || ch == '_';
}

enum { LE_STR = 1, LE_BYTES, LE_OTHER, LE_TUPLE, LE_LIST };

typedef struct le_val le_val;
struct le_val {
    int kind;
    char *text; /* owned: the string (LE_STR), bytes content (LE_BYTES) or repr (LE_OTHER) */
    le_val *items; /* owned: LE_TUPLE / LE_LIST */
    size_t n, cap;
};

static void
le_clear(le_val *v)
{
    free(v->text);
    for (size_t i = 0; i < v->n; i++) {
        le_clear(&v->items[i]);
    }
    free(v->items);
    memset(v, 0, sizeof *v);
}

typedef struct {
    const char *s;
    size_t n, p;
    int oom;
    int depth;
} le_parser;

/* Returns 1 when an element was parsed, 0 on a syntax or value error (ill-formed), -1 OOM. */
static int le_expr(le_parser *lp, le_val *out);

static void
le_skip(le_parser *lp)
{
    while (lp->p < lp->n) {
        char ch = lp->s[lp->p];
        if (ch == ' ' || ch == '\t' || ch == '\f' || ch == '\n' || ch == '\r') {
            lp->p++;
        }
        else if (ch == '\\' && lp->p + 1 < lp->n && (lp->s[lp->p + 1] == '\n' || lp->s[lp->p + 1] == '\r')) {
            lp->p += 2;
        }
        else if (ch == '#') {
            while (lp->p < lp->n && lp->s[lp->p] != '\n' && lp->s[lp->p] != '\r') {
                lp->p++;
            }
        }
        else {
            break;
        }
    }
}

static int
le_hex(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* One string literal (prefix, quotes) into b; *is_bytes set. 1 ok, 0 ill-formed. */
static int
le_string(le_parser *lp, sbuf *b, int *is_bytes)
{
    int raw = 0, bytes = 0, fstr = 0;
    while (lp->p < lp->n && strchr("rRbBuUfF", lp->s[lp->p]) != NULL && lp->s[lp->p] != '\0') {
        char ch = (char)(lp->s[lp->p] | 0x20);
        raw |= ch == 'r';
        bytes |= ch == 'b';
        fstr |= ch == 'f';
        lp->p++;
    }
    if (fstr || lp->p >= lp->n || (lp->s[lp->p] != '\'' && lp->s[lp->p] != '"')) {
        return 0;
    }
    char q = lp->s[lp->p];
    int triple = lp->p + 2 < lp->n && lp->s[lp->p + 1] == q && lp->s[lp->p + 2] == q;
    lp->p += triple ? 3 : 1;
    *is_bytes = bytes;
    for (;;) {
        if (lp->p >= lp->n) {
            return 0;
        }
        unsigned char ch = (unsigned char)lp->s[lp->p];
        if (ch == (unsigned char)q) {
            if (!triple) {
                lp->p++;
                return 1;
            }
            if (lp->p + 2 < lp->n && lp->s[lp->p + 1] == q && lp->s[lp->p + 2] == q) {
                lp->p += 3;
                return 1;
            }
            sb_addc(b, (char)ch);
            lp->p++;
            continue;
        }
        if ((ch == '\n' || ch == '\r') && !triple) {
            return 0;
        }
        if (bytes && ch >= 0x80) {
            return 0;
        }
        if (ch != '\\') {
            sb_addc(b, (char)ch);
            lp->p++;
            continue;
        }
        if (lp->p + 1 >= lp->n) {
            return 0;
        }
        char e = lp->s[lp->p + 1];
        if (raw) {
            sb_addc(b, '\\');
            sb_addc(b, e);
            lp->p += 2;
            continue;
        }
        lp->p += 2;
        switch (e) {
        case '\n': break;
        case '\\': sb_addc(b, '\\'); break;
        case '\'': sb_addc(b, '\''); break;
        case '"': sb_addc(b, '"'); break;
        case 'a': sb_addc(b, '\a'); break;
        case 'b': sb_addc(b, '\b'); break;
        case 'f': sb_addc(b, '\f'); break;
        case 'n': sb_addc(b, '\n'); break;
        case 'r': sb_addc(b, '\r'); break;
        case 't': sb_addc(b, '\t'); break;
        case 'v': sb_addc(b, '\v'); break;
        case 'x': {
            int h1 = lp->p < lp->n ? le_hex(lp->s[lp->p]) : -1;
            int h2 = lp->p + 1 < lp->n ? le_hex(lp->s[lp->p + 1]) : -1;
            if (h1 < 0 || h2 < 0) {
                return 0;
            }
            lp->p += 2;
            if (bytes) {
                sb_addc(b, (char)(h1 * 16 + h2));
            }
            else {
                sb_add_cp(b, (uint32_t)(h1 * 16 + h2));
            }
            break;
        }
        case 'u':
        case 'U':
            if (bytes) {
                sb_addc(b, '\\');
                sb_addc(b, e);
            }
            else {
                size_t k = e == 'u' ? 4 : 8;
                uint32_t cp = 0;
                for (size_t j = 0; j < k; j++) {
                    int h = lp->p + j < lp->n ? le_hex(lp->s[lp->p + j]) : -1;
                    if (h < 0) {
                        return 0;
                    }
                    cp = cp * 16 + (uint32_t)h;
                }
                if (cp > 0x10FFFF) {
                    return 0;
                }
                lp->p += k;
                sb_add_cp(b, cp);
            }
            break;
        default:
            if (e >= '0' && e <= '7') {
                unsigned v = (unsigned)(e - '0');
                for (int j = 0; j < 2 && lp->p < lp->n && lp->s[lp->p] >= '0' && lp->s[lp->p] <= '7'; j++) {
                    v = v * 8 + (unsigned)(lp->s[lp->p++] - '0');
                }
                if (bytes) {
                    sb_addc(b, (char)(v & 0xFF));
                }
                else {
                    sb_add_cp(b, v);
                }
            }
            else if (e == 'N' && !bytes) {
                return 0; /* named escapes are not supported */
            }
            else {
                sb_addc(b, '\\');
                sb_addc(b, e);
            }
        }
    }
}

/* A number literal (optional sign already consumed into neg). 1 ok, 0 ill-formed. */
static int
le_number(le_parser *lp, int neg, le_val *out)
{
    size_t start = lp->p;
    char clean[128];
    size_t cn = 0;
    int is_float = 0, base = 10;
    const char *s = lp->s;
    if (s[lp->p] == '0' && lp->p + 1 < lp->n && strchr("xXoObB", s[lp->p + 1]) != NULL && s[lp->p + 1]) {
        char bc = (char)(s[lp->p + 1] | 0x20);
        base = bc == 'x' ? 16 : bc == 'o' ? 8 : 2;
        lp->p += 2;
    }
    while (lp->p < lp->n) {
        char ch = s[lp->p];
        int ok;
        if (base == 16) {
            ok = le_hex(ch) >= 0;
        }
        else if (base != 10) {
            ok = ch >= '0' && ch < '0' + base;
        }
        else {
            ok = (ch >= '0' && ch <= '9') || ch == '.' || ch == 'e' || ch == 'E' ||
                 ((ch == '+' || ch == '-') && cn > 0 && (clean[cn - 1] == 'e' || clean[cn - 1] == 'E'));
        }
        if (ch == '_') {
            lp->p++;
            continue;
        }
        if (!ok) {
            break;
        }
        if (ch == '.' || ch == 'e' || ch == 'E') {
            is_float = 1;
        }
        if (cn + 1 >= sizeof clean) {
            return 0;
        }
        clean[cn++] = ch;
        lp->p++;
    }
    clean[cn] = '\0';
    if (cn == 0 || lp->p == start) {
        return 0;
    }
    if (lp->p < lp->n && (lp->s[lp->p] == 'j' || lp->s[lp->p] == 'J' || byte_is_w((unsigned char)lp->s[lp->p]))) {
        return 0; /* complex numbers and garbage */
    }
    char rep[160];
    if (is_float) {
        char *endp;
        double d = strtod(clean, &endp);
        if (*endp != '\0') {
            return 0;
        }
        mlc_format_double(neg ? -d : d, rep, sizeof rep);
    }
    else {
        errno = 0;
        char *endp;
        unsigned long long v = strtoull(clean, &endp, base);
        if (*endp != '\0') {
            return 0;
        }
        if (base == 10 && cn > 1 && clean[0] == '0' && strspn(clean, "0") != cn) {
            return 0; /* leading zeros */
        }
        if (errno == ERANGE) {
            if (base != 10) {
                return 0;
            }
            snprintf(rep, sizeof rep, "%s%s", neg ? "-" : "", clean);
        }
        else {
            snprintf(rep, sizeof rep, "%s%llu", (neg && v != 0) ? "-" : "", v);
        }
    }
    out->kind = LE_OTHER;
    out->text = strdup(rep);
    if (out->text == NULL) {
        lp->oom = 1;
        return -1;
    }
    return 1;
}

static int
le_push(le_parser *lp, le_val *seq, le_val *item)
{
    if (seq->n == seq->cap) {
        size_t cap = seq->cap ? seq->cap * 2 : 4;
        le_val *it = realloc(seq->items, cap * sizeof *it);
        if (it == NULL) {
            lp->oom = 1;
            return -1;
        }
        seq->items = it;
        seq->cap = cap;
    }
    seq->items[seq->n++] = *item;
    memset(item, 0, sizeof *item);
    return 0;
}

static int
le_sequence(le_parser *lp, char close, int kind, le_val *out)
{
    int commas = 0, rc;
    le_val seq, item;
    memset(&seq, 0, sizeof seq);
    memset(&item, 0, sizeof item);
    seq.kind = kind;
    lp->p++;
    for (;;) {
        le_skip(lp);
        if (lp->p < lp->n && lp->s[lp->p] == close) {
            lp->p++;
            break;
        }
        rc = le_expr(lp, &item);
        if (rc <= 0) {
            goto fail;
        }
        if (le_push(lp, &seq, &item) < 0) {
            rc = -1;
            goto fail;
        }
        le_skip(lp);
        if (lp->p < lp->n && lp->s[lp->p] == ',') {
            commas++;
            lp->p++;
            continue;
        }
        if (lp->p < lp->n && lp->s[lp->p] == close) {
            lp->p++;
            break;
        }
        rc = 0;
        goto fail;
    }
    if (kind == LE_TUPLE && seq.n == 1 && commas == 0) {
        *out = seq.items[0];
        free(seq.items);
        return 1;
    }
    *out = seq;
    return 1;
fail:
    le_clear(&item);
    le_clear(&seq);
    return rc;
}

static int
le_expr(le_parser *lp, le_val *out)
{
    memset(out, 0, sizeof *out);
    if (++lp->depth > 200) {
        lp->depth--;
        return 0;
    }
    int rc = 0;
    le_skip(lp);
    if (lp->p >= lp->n) {
        goto exit;
    }
    char ch = lp->s[lp->p];
    if (ch == '(') {
        rc = le_sequence(lp, ')', LE_TUPLE, out);
    }
    else if (ch == '[') {
        rc = le_sequence(lp, ']', LE_LIST, out);
    }
    else if (ch == '-' || ch == '+') {
        lp->p++;
        le_skip(lp);
        if (lp->p < lp->n && ((lp->s[lp->p] >= '0' && lp->s[lp->p] <= '9') || lp->s[lp->p] == '.')) {
            rc = le_number(lp, ch == '-', out);
        }
    }
    else if ((ch >= '0' && ch <= '9') || (ch == '.' && lp->p + 1 < lp->n && lp->s[lp->p + 1] >= '0' && lp->s[lp->p + 1] <= '9')) {
        rc = le_number(lp, 0, out);
    }
    else {
        size_t save = lp->p;
        while (lp->p < lp->n && strchr("rRbBuUfF", lp->s[lp->p]) != NULL && lp->s[lp->p] != '\0') {
            lp->p++;
        }
        int is_str = lp->p < lp->n && (lp->s[lp->p] == '\'' || lp->s[lp->p] == '"') && lp->p - save <= 2;
        lp->p = save;
        if (is_str) {
            sbuf b = {0};
            int kind = -1;
            for (;;) {
                int is_bytes = 0;
                if (!le_string(lp, &b, &is_bytes)) {
                    free(b.buf);
                    rc = 0;
                    goto exit;
                }
                int k = is_bytes ? LE_BYTES : LE_STR;
                if (kind >= 0 && kind != k) {
                    free(b.buf);
                    rc = 0;
                    goto exit;
                }
                kind = k;
                size_t before = lp->p;
                le_skip(lp);
                size_t q = lp->p;
                while (q < lp->n && strchr("rRbBuUfF", lp->s[q]) != NULL && lp->s[q] != '\0') {
                    q++;
                }
                if (!(q < lp->n && (lp->s[q] == '\'' || lp->s[q] == '"') && q - lp->p <= 2)) {
                    lp->p = before;
                    break;
                }
            }
            if (b.oom) {
                free(b.buf);
                lp->oom = 1;
                rc = -1;
                goto exit;
            }
            out->kind = kind;
            out->text = b.buf ? b.buf : strdup("");
            if (out->text == NULL) {
                lp->oom = 1;
                rc = -1;
                goto exit;
            }
            rc = 1;
        }
        else {
            static const char *const consts[] = {"None", "True", "False", NULL};
            for (int i = 0; consts[i]; i++) {
                size_t l = strlen(consts[i]);
                if (lp->p + l <= lp->n && memcmp(lp->s + lp->p, consts[i], l) == 0 &&
                    !(lp->p + l < lp->n && byte_is_w((unsigned char)lp->s[lp->p + l]))) {
                    lp->p += l;
                    out->kind = LE_OTHER;
                    out->text = strdup(consts[i]);
                    if (out->text == NULL) {
                        lp->oom = 1;
                        rc = -1;
                        goto exit;
                    }
                    rc = 1;
                    break;
                }
            }
        }
    }
exit:
    lp->depth--;
    return rc;
}

static void
le_repr(sbuf *b, const le_val *v)
{
    switch (v->kind) {
    case LE_STR:
        sb_add_repr(b, v->text);
        break;
    case LE_BYTES: {
        const unsigned char *u = (const unsigned char *)v->text;
        char q = (strchr(v->text, '\'') != NULL && strchr(v->text, '"') == NULL) ? '"' : '\'';
        char tmp[8];
        sb_addc(b, 'b');
        sb_addc(b, q);
        for (size_t i = 0; u[i]; i++) {
            if (u[i] == (unsigned char)q || u[i] == '\\') {
                sb_addc(b, '\\');
                sb_addc(b, (char)u[i]);
            }
            else if (u[i] == '\t') {
                sb_add(b, "\\t");
            }
            else if (u[i] == '\n') {
                sb_add(b, "\\n");
            }
            else if (u[i] == '\r') {
                sb_add(b, "\\r");
            }
            else if (u[i] < 0x20 || u[i] >= 0x7F) {
                snprintf(tmp, sizeof tmp, "\\x%02x", u[i]);
                sb_add(b, tmp);
            }
            else {
                sb_addc(b, (char)u[i]);
            }
        }
        sb_addc(b, q);
        break;
    }
    case LE_OTHER:
        sb_add(b, v->text);
        break;
    default:
        sb_addc(b, v->kind == LE_LIST ? '[' : '(');
        for (size_t i = 0; i < v->n; i++) {
            if (i) {
                sb_add(b, ", ");
            }
            le_repr(b, &v->items[i]);
        }
        if (v->kind == LE_TUPLE && v->n == 1) {
            sb_addc(b, ',');
        }
        sb_addc(b, v->kind == LE_LIST ? ']' : ')');
    }
}

/* ---- shlex.split (POSIX mode, no comments) */
typedef struct {
    char **items; /* owned */
    size_t n, cap;
} strlist;

static void
strlist_clear(strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i]);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int
strlist_push(strlist *l, char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        char **it = realloc(l->items, cap * sizeof *it);
        if (it == NULL) {
            return -1;
        }
        l->items = it;
        l->cap = cap;
    }
    l->items[l->n++] = s;
    return 0;
}

/* Returns 0, -1 on OOM, 1 when shlex would raise ValueError. */
static int
shlex_split(const char *s, strlist *out)
{
    static const char ws[] = " \t\r\n";
    size_t n = strlen(s), i = 0;
    for (;;) {
        sbuf tok = {0};
        int quoted = 0, have = 0;
        char state = ' ', escstate = ' ';
        for (;;) {
            int eof = i >= n;
            char ch = eof ? '\0' : s[i++];
            if (state == ' ') {
                if (eof) {
                    break;
                }
                if (strchr(ws, ch) && ch) {
                    if (have || quoted) {
                        break;
                    }
                    continue;
                }
                if (ch == '\\') {
                    escstate = 'a';
                    state = '\\';
                }
                else if (ch == '\'' || ch == '"') {
                    state = ch;
                }
                else {
                    sb_addc(&tok, ch);
                    have = 1;
                    state = 'a';
                }
            }
            else if (state == '\'' || state == '"') {
                quoted = 1;
                if (eof) {
                    int oom = tok.oom;
                    free(tok.buf);
                    return oom ? -1 : 1;
                }
                if (ch == state) {
                    state = 'a';
                }
                else if (ch == '\\' && state == '"') {
                    escstate = state;
                    state = '\\';
                }
                else {
                    sb_addc(&tok, ch);
                    have = 1;
                }
            }
            else if (state == '\\') {
                if (eof) {
                    int oom = tok.oom;
                    free(tok.buf);
                    return oom ? -1 : 1;
                }
                if ((escstate == '\'' || escstate == '"') && ch != '\\' && ch != escstate) {
                    sb_addc(&tok, '\\');
                }
                sb_addc(&tok, ch);
                have = 1;
                state = escstate;
            }
            else { /* 'a' */
                if (eof) {
                    break;
                }
                if (strchr(ws, ch) && ch) {
                    state = ' ';
                    if (have || quoted) {
                        break;
                    }
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    state = ch;
                }
                else if (ch == '\\') {
                    escstate = 'a';
                    state = '\\';
                }
                else {
                    sb_addc(&tok, ch);
                    have = 1;
                }
            }
        }
        if (tok.oom) {
            free(tok.buf);
            return -1;
        }
        if (!have && !quoted) {
            free(tok.buf);
            if (i >= n) {
                return 0;
            }
            continue;
        }
        char *t = tok.buf ? tok.buf : strdup("");
        if (t == NULL || strlist_push(out, t) < 0) {
            free(t);
            return -1;
        }
        if (i >= n && state != ' ') {
            return 0;
        }
    }
}

/* ---- LIKE / ILIKE: % matches any run of characters but newline, _ one such character;
 * without a trailing %, the match must reach the end (or a final newline), as MLflow's
 * regex translation with re.match does. */
static uint32_t
fold_cp(uint32_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c + 32;
    }
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F)) {
        return c + 32;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 80;
    }
    return c;
}

static uint32_t *
to_cps(const char *s, size_t *n)
{
    size_t len = strlen(s), k = 0;
    uint32_t *a = malloc((len + 1) * sizeof *a);
    if (a == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < len;) {
        a[k++] = u8_next((const unsigned char *)s, len, &i);
    }
    *n = k;
    return a;
}

/* 1 match, 0 no match, -1 OOM. */
static int
like_match(const char *str, const char *pat, int icase)
{
    size_t ns = 0, np = 0;
    uint32_t *s = NULL, *p = NULL;
    unsigned char *cur = NULL, *nxt = NULL;
    int rc = -1;
    s = to_cps(str, &ns);
    if (s == NULL) {
        goto exit;
    }
    p = to_cps(pat, &np);
    if (p == NULL) {
        goto exit;
    }
    cur = calloc(ns + 2, 1);
    nxt = calloc(ns + 2, 1);
    if (cur == NULL || nxt == NULL) {
        goto exit;
    }
    /* cur[j]: the first i pattern characters can match s[0:j] */
    cur[0] = 1;
    for (size_t i = 0; i < np; i++) {
        memset(nxt, 0, ns + 1);
        for (size_t j = 0; j <= ns; j++) {
            if (!cur[j]) {
                continue;
            }
            if (p[i] == '%') {
                size_t k = j;
                nxt[k] = 1;
                while (k < ns && s[k] != '\n') {
                    nxt[++k] = 1;
                }
            }
            else if (j < ns) {
                int ok = p[i] == '_' ? s[j] != '\n'
                         : icase   ? fold_cp(s[j]) == fold_cp(p[i])
                                   : s[j] == p[i];
                if (ok) {
                    nxt[j + 1] = 1;
                }
            }
        }
        unsigned char *t = cur;
        cur = nxt;
        nxt = t;
    }
    rc = 0;
    if (np > 0 && p[np - 1] == '%') {
        for (size_t j = 0; j <= ns; j++) {
            if (cur[j]) {
                rc = 1;
                break;
            }
        }
    }
    else {
        rc = cur[ns] || (ns > 0 && s[ns - 1] == '\n' && cur[ns - 1]);
    }
exit:
    free(s);
    free(p);
    free(cur);
    free(nxt);
    return rc;
}

/* ======================================================================================
 * MLflow's filter clauses (SearchUtils.parse_search_filter and _get_comparison)
 * ====================================================================================== */

enum { ENT_METRIC = 1, ENT_PARAM, ENT_TAG, ENT_ATTR, ENT_DATASET };
static const char *const ent_names[] = {"", "metric", "parameter", "tag", "attribute", "dataset"};

enum { V_NONE = 0, V_STR, V_NUM, V_INT, V_FLOAT, V_LIST };

typedef struct {
    int type;    /* ENT_* */
    char *key;   /* owned; quotes stripped, alias not applied */
    char *cmp;   /* owned; upper-cased comparator */
    int vkind;   /* V_* */
    char *str;   /* owned (V_STR) */
    double d;    /* V_NUM (metric value), V_FLOAT */
    int64_t i;   /* V_INT */
    int ibig;    /* V_INT out of int64 range: +1 / -1 */
    strlist list; /* V_LIST */
} sf_clause;

typedef struct {
    sf_clause *items; /* owned */
    size_t n, cap;
} sf_clauses;

static void
sf_clauses_clear(sf_clauses *cl)
{
    for (size_t i = 0; i < cl->n; i++) {
        free(cl->items[i].key);
        free(cl->items[i].cmp);
        free(cl->items[i].str);
        strlist_clear(&cl->items[i].list);
    }
    free(cl->items);
    memset(cl, 0, sizeof *cl);
}

/* What differs between runs and logged models at parse time. */
typedef struct {
    const char *const *attr_keys; /* VALID_SEARCH_ATTRIBUTE_KEYS */
    const char *attr_keys_repr;
    const char *const *numeric_attrs; /* NUMERIC_ATTRIBUTES */
    int list_any;                     /* LIST_SUPPORTED_KEYS is None */
} sf_dialect;

static const char *const run_attr_keys[] = {"artifact_uri", "end_time", "run_id", "run_name",
                                            "start_time", "status", "user_id", "created",
                                            "Created", "run name", "Run name", "Run Name", NULL};
static const char *const run_order_keys[] = {"artifact_uri", "end_time", "run_id", "run_name",
                                             "start_time", "status", "user_id", "created",
                                             "Created", NULL};
static const char *const run_numeric_attrs[] = {"start_time", "end_time", "created", "Created",
                                                NULL};
static const char *const lm_attr_keys[] = {"name", "model_id", "model_type", "status",
                                           "source_run_id", "creation_timestamp", "creation_time",
                                           "last_updated_timestamp", "last_updated_time", NULL};
static const char *const lm_numeric_attrs[] = {"creation_timestamp", "creation_time",
                                               "last_updated_timestamp", "last_updated_time",
                                               NULL};
static const char *const dataset_keys[] = {"name", "digest", "context", NULL};

static const sf_dialect run_dialect = {
    run_attr_keys,
    "{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', "
    "'created', 'Created', 'run name', 'Run name', 'Run Name'}",
    run_numeric_attrs, 0};
static const sf_dialect run_order_dialect = {
    run_order_keys,
    "{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', "
    "'created', 'Created'}",
    run_numeric_attrs, 0};
static const sf_dialect lm_dialect = {
    lm_attr_keys,
    "{'name', 'model_id', 'model_type', 'status', 'source_run_id', 'creation_timestamp', "
    "'creation_time', 'last_updated_timestamp', 'last_updated_time'}",
    lm_numeric_attrs, 1};

#define REPR_METRIC_CMP "{'>', '>=', '!=', '=', '<', '<='}"
#define REPR_PARAM_CMP "{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}"
#define REPR_STRATTR_CMP "{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"
#define REPR_LM_PARAM_CMP "{'!=', '=', 'LIKE', 'ILIKE'}"
#define REPR_ALL_CMP "{'>', '>=', '=', '!=', '<=', '<', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"
#define REPR_DATASET_KEYS "{'name', 'digest', 'context'}"

static int
in_list(const char *s, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(s, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
sf_nomem(mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_NOMEM, ENOMEM, "out of memory");
}

/* Fills err with MLC_ST_INVALID and MLflow's message; returns -1. */
#define sf_invalid(err, ...) mlc_err_set((err), MLC_ST_INVALID, 0, __VA_ARGS__)

/* Malloc'ed copy of the text of node t. */
static char *
sp_text_dup(const sp_ctx *c, int t)
{
    return strndup((const char *)c->s + SPN(c, t).start, sp_tlen(c, t));
}

static int
is_quoted_with(const char *s, size_t n, char q)
{
    return n >= 2 && s[0] == q && s[n - 1] == q;
}

/* _strip_quotes then _trim_backticks, in place. */
static void
strip_key_quotes(char *key)
{
    size_t n = strlen(key);
    if (is_quoted_with(key, n, '\'') || is_quoted_with(key, n, '"')) {
        memmove(key, key + 1, n - 2);
        key[n - 2] = '\0';
        n -= 2;
    }
    if (is_quoted_with(key, n, '`')) {
        memmove(key, key + 1, n - 2);
        key[n - 2] = '\0';
    }
}

/* SearchUtils._get_identifier: type and malloc'ed key of an identifier text. */
static int
sf_get_identifier(const char *ident, const sf_dialect *d, int *type, char **key, mlc_err *err)
{
    const char *dot = strchr(ident, '.');
    char *ent = NULL, *k = NULL;
    int rc = -1;
    *key = NULL;
    if (dot == NULL) {
        *type = ENT_ATTR;
        k = strdup(ident);
        if (k == NULL) {
            sf_nomem(err);
            goto exit;
        }
    }
    else {
        ent = strndup(ident, (size_t)(dot - ident));
        k = strdup(dot + 1);
        if (ent == NULL || k == NULL) {
            sf_nomem(err);
            goto exit;
        }
        size_t n = strlen(ent);
        if (is_quoted_with(ent, n, '`')) {
            memmove(ent, ent + 1, n - 2);
            ent[n - 2] = '\0';
        }
        if (strcmp(ent, "metric") == 0 || strcmp(ent, "metrics") == 0) {
            *type = ENT_METRIC;
        }
        else if (strcmp(ent, "parameter") == 0 || strcmp(ent, "parameters") == 0 ||
                 strcmp(ent, "param") == 0 || strcmp(ent, "params") == 0) {
            *type = ENT_PARAM;
        }
        else if (strcmp(ent, "tag") == 0 || strcmp(ent, "tags") == 0) {
            *type = ENT_TAG;
        }
        else if (strcmp(ent, "attribute") == 0 || strcmp(ent, "attr") == 0 ||
                 strcmp(ent, "attributes") == 0 || strcmp(ent, "run") == 0) {
            *type = ENT_ATTR;
        }
        else if (strcmp(ent, "dataset") == 0 || strcmp(ent, "datasets") == 0) {
            *type = ENT_DATASET;
        }
        else {
            sf_invalid(err,
                       "Invalid entity type '%s'. Valid values are ['metric', 'parameter', "
                       "'tag', 'attribute', 'dataset']",
                       ent);
            goto exit;
        }
    }
    strip_key_quotes(k);
    if (*type == ENT_ATTR && !in_list(k, d->attr_keys)) {
        sf_invalid(err, "Invalid attribute key '%s' specified. Valid keys are '%s'", k,
                   d->attr_keys_repr);
        goto exit;
    }
    if (*type == ENT_DATASET && !in_list(k, dataset_keys)) {
        sf_invalid(err, "Invalid dataset key '%s' specified. Valid keys are '%s'", k,
                   REPR_DATASET_KEYS);
        goto exit;
    }
    *key = k;
    k = NULL;
    rc = 0;
exit:
    free(ent);
    free(k);
    return rc;
}

/* _strip_quotes(value, expect_quoted_value=True) into a malloc'ed string. */
static int
strip_value_quotes(const char *v, char **out, mlc_err *err)
{
    size_t n = strlen(v);
    *out = NULL;
    if (!(is_quoted_with(v, n, '\'') || is_quoted_with(v, n, '"'))) {
        return sf_invalid(err,
                          "Parameter value is either not quoted or unidentified quote types used "
                          "for string value %s. Use either single or double quotes.",
                          v);
    }
    *out = strndup(v + 1, n - 2);
    return *out == NULL ? sf_nomem(err) : 0;
}

/* SearchUtils._parse_list_from_sql_token into cl->list. */
static int
parse_value_list(const char *text, sf_clause *cl, mlc_err *err)
{
    le_parser lp = {text, strlen(text), 0, 0, 0};
    le_val v;
    const le_val *items;
    size_t n;
    int rc = -1;
    memset(&v, 0, sizeof v);
    int r = le_expr(&lp, &v);
    if (r < 0 || lp.oom) {
        sf_nomem(err);
        goto exit;
    }
    if (r > 0) {
        le_skip(&lp);
    }
    if (r == 0 || lp.p != lp.n) {
        sf_invalid(err, "While parsing a list in the query, expected a non-empty list of string "
                        "values, but got ill-formed list.");
        goto exit;
    }
    if (v.kind == LE_TUPLE) {
        items = v.items;
        n = v.n;
    }
    else {
        items = &v;
        n = 1;
    }
    if (n == 0) {
        sf_invalid(err, "While parsing a list in the query, expected a non-empty list of string "
                        "values, but got empty list");
        goto exit;
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i].kind != LE_STR) {
            sbuf b = {0};
            if (v.kind == LE_TUPLE) {
                le_repr(&b, &v);
            }
            else {
                sb_addc(&b, '(');
                le_repr(&b, &v);
                sb_add(&b, ",)");
            }
            if (b.oom) {
                free(b.buf);
                sf_nomem(err);
                goto exit;
            }
            sf_invalid(err,
                       "While parsing a list in the query, expected string value, punctuation, "
                       "or whitespace, but got different type in list: %s",
                       b.buf);
            free(b.buf);
            goto exit;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char *s = strdup(items[i].text);
        if (s == NULL || strlist_push(&cl->list, s) < 0) {
            free(s);
            sf_nomem(err);
            goto exit;
        }
    }
    cl->vkind = V_LIST;
    rc = 0;
exit:
    le_clear(&v);
    return rc;
}

/* Parses a decimal integer token into cl (V_INT, saturating with ibig). */
static void
parse_int_value(const char *text, sf_clause *cl)
{
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    cl->vkind = V_INT;
    cl->i = v;
    cl->ibig = 0;
    if (errno == ERANGE) {
        cl->ibig = v < 0 ? -1 : 1;
    }
}

/* A token of a comparison: a node, or the keyword MLflow synthesises (IS NULL, NOT IN). */
typedef struct {
    int node;
    const char *fake;
} sf_tok;

static char *
sf_tok_text(const sp_ctx *c, sf_tok t)
{
    return t.fake ? strdup(t.fake) : sp_text_dup(c, t.node);
}

/* SearchUtils._get_value for the value token t. */
static int
sf_get_value(const sp_ctx *c, const sf_dialect *d, sf_clause *cl, int t, mlc_err *err)
{
    int tt = SPN(c, t).tt, cls = SPN(c, t).cls;
    int is_str = tt == TT_STR_SINGLE || cls == G_IDENTIFIER;
    char *text = sp_text_dup(c, t);
    int rc = -1;
    if (text == NULL) {
        return sf_nomem(err);
    }
    switch (cl->type) {
    case ENT_METRIC:
        if (tt != TT_NUM_INT && tt != TT_NUM_FLOAT) {
            sf_invalid(err, "Expected numeric value type for metric. Found %s", text);
            goto exit;
        }
        cl->vkind = V_NUM;
        cl->d = strtod(text, NULL);
        break;
    case ENT_PARAM:
    case ENT_TAG:
        if (!is_str) {
            sf_invalid(err,
                       "Expected a quoted string value for %s (e.g. 'my-value'). Got value %s",
                       ent_names[cl->type], text);
            goto exit;
        }
        if (strip_value_quotes(text, &cl->str, err) < 0) {
            goto exit;
        }
        cl->vkind = V_STR;
        break;
    case ENT_ATTR:
        if (in_list(cl->key, d->numeric_attrs)) {
            if (tt != TT_NUM_INT && tt != TT_NUM_FLOAT) {
                sf_invalid(err, "Expected numeric value type for numeric attribute: %s. Found %s",
                           cl->key, text);
                goto exit;
            }
            if (tt == TT_NUM_INT) {
                parse_int_value(text, cl);
            }
            else {
                cl->vkind = V_FLOAT;
                cl->d = strtod(text, NULL);
            }
        }
        else if (is_str) {
            if (strip_value_quotes(text, &cl->str, err) < 0) {
                goto exit;
            }
            cl->vkind = V_STR;
        }
        else if (cls == G_PAREN) {
            if (!d->list_any && strcmp(cl->key, "run_id") != 0) {
                sf_invalid(err, "Only ['run_id'] attributes support comparison with a list of "
                                "quoted string values.");
                goto exit;
            }
            if (parse_value_list(text, cl, err) < 0) {
                goto exit;
            }
        }
        else {
            sf_invalid(err, "Expected a quoted string value for attributes. Got value %s", text);
            goto exit;
        }
        break;
    default: /* ENT_DATASET */
        if (is_str) {
            if (strip_value_quotes(text, &cl->str, err) < 0) {
                goto exit;
            }
            cl->vkind = V_STR;
        }
        else if (cls == G_PAREN) {
            if (parse_value_list(text, cl, err) < 0) {
                goto exit;
            }
        }
        else {
            sf_invalid(err, "Expected a quoted string value for dataset attributes. Got value %s",
                       text);
            goto exit;
        }
    }
    rc = 0;
exit:
    free(text);
    return rc;
}

static void
ascii_upper(char *s)
{
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z') {
            *s = (char)(*s - 32);
        }
    }
}

/* SearchUtils._get_comparison for the stripped tokens toks[0..n). Appends to out. */
static int
sf_get_comparison(const sp_ctx *c, const sf_dialect *d, const sf_tok *toks, size_t n,
                  sf_clauses *out, mlc_err *err)
{
    sf_clause cl;
    char *cmp = NULL, *t0 = NULL;
    int rc = -1;
    memset(&cl, 0, sizeof cl);
    int is_null = 0;
    if (n == 2) {
        cmp = sf_tok_text(c, toks[1]);
        if (cmp == NULL) {
            sf_nomem(err);
            goto exit;
        }
        ascii_upper(cmp);
        is_null = strcmp(cmp, "IS NULL") == 0 || strcmp(cmp, "IS NOT NULL") == 0;
    }
    t0 = sf_tok_text(c, toks[0]);
    if (t0 == NULL) {
        sf_nomem(err);
        goto exit;
    }
    if (!is_null && n != 3) {
        sf_invalid(err, "Invalid comparison clause. Expected 3 tokens found %zu", n);
        goto exit;
    }
    if (toks[0].fake != NULL || SPN(c, toks[0].node).cls != G_IDENTIFIER) {
        sf_invalid(err, "Invalid comparison clause. Expected 'Identifier' found '%s'", t0);
        goto exit;
    }
    if (sf_get_identifier(t0, d, &cl.type, &cl.key, err) < 0) {
        goto exit;
    }
    if (is_null) {
        if (cl.type != ENT_TAG && cl.type != ENT_PARAM) {
            sf_invalid(err,
                       "IS NULL / IS NOT NULL is only supported for tags and params, not for "
                       "'%s' '%s'",
                       ent_names[cl.type], cl.key);
            goto exit;
        }
        cl.cmp = cmp;
        cmp = NULL;
        cl.vkind = V_NONE;
    }
    else {
        cl.cmp = sf_tok_text(c, toks[1]);
        if (cl.cmp == NULL) {
            sf_nomem(err);
            goto exit;
        }
        ascii_upper(cl.cmp);
        if (sf_get_value(c, d, &cl, toks[2].node, err) < 0) {
            goto exit;
        }
    }
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 4;
        sf_clause *it = realloc(out->items, cap * sizeof *it);
        if (it == NULL) {
            sf_nomem(err);
            goto exit;
        }
        out->items = it;
        out->cap = cap;
    }
    out->items[out->n++] = cl;
    memset(&cl, 0, sizeof cl);
    rc = 0;
exit:
    free(cl.key);
    free(cl.cmp);
    free(cl.str);
    strlist_clear(&cl.list);
    free(cmp);
    free(t0);
    return rc;
}

/* An element of the statement after _join_in_comparison_tokens. */
typedef struct {
    int node;       /* plain token, or the identifier of a synthesised comparison */
    int kind;       /* 0 plain, 1 IN, 2 NOT IN, 3 IS NULL, 4 IS NOT NULL */
    int op, value;  /* IN: operator token; IN / NOT IN: the parenthesis */
} sf_item;

/* SearchUtils._process_statement over a parsed statement. */
static int
sf_process_statement(const sp_ctx *c, int stmt, const sf_dialect *d, sf_clauses *out,
                     mlc_err *err)
{
    const sp_node *st = &SPN(c, stmt);
    int *toks = NULL;
    sf_item *items = NULL;
    size_t nt = 0, ni = 0;
    sbuf bad = {0};
    int rc = -1;
    toks = malloc((st->nk ? st->nk : 1) * sizeof *toks);
    items = malloc((st->nk ? st->nk : 1) * sizeof *items);
    if (toks == NULL || items == NULL) {
        sf_nomem(err);
        goto exit;
    }
    for (size_t i = 0; i < st->nk; i++) {
        if (!sp_is_ws(c, st->kids[i])) {
            toks[nt++] = st->kids[i];
        }
    }
    /* _join_in_comparison_tokens */
    for (size_t i = 0; i < nt;) {
        int first = toks[i];
        if (nt - i < 3) {
            for (; i < nt; i++) {
                items[ni++] = (sf_item){toks[i], 0, -1, -1};
            }
            break;
        }
        if (!sp_isinstance(c, first, G_IDENTIFIER)) {
            items[ni++] = (sf_item){first, 0, -1, -1};
            i++;
            continue;
        }
        int second = toks[i + 1], third = toks[i + 2];
        if (sp_match(c, second, TT_KW, "IN") && sp_isinstance(c, third, G_PAREN)) {
            items[ni++] = (sf_item){first, 1, second, third};
            i += 3;
            continue;
        }
        if (sp_match(c, second, TT_KW, "IS") && sp_match(c, third, TT_KW, "NULL")) {
            items[ni++] = (sf_item){first, 3, -1, -1};
            i += 3;
            continue;
        }
        if (sp_match(c, second, TT_KW, "IS") && SPN(c, third).tt == TT_KW &&
            sp_text_ieq(c, third, "NOT NULL")) {
            items[ni++] = (sf_item){first, 4, -1, -1};
            i += 3;
            continue;
        }
        if (i + 3 >= nt) {
            items[ni++] = (sf_item){first, 0, -1, -1};
            items[ni++] = (sf_item){second, 0, -1, -1};
            items[ni++] = (sf_item){third, 0, -1, -1};
            break;
        }
        int fourth = toks[i + 3];
        if (sp_match(c, second, TT_KW, "NOT") && sp_match(c, third, TT_KW, "IN") &&
            sp_isinstance(c, fourth, G_PAREN)) {
            items[ni++] = (sf_item){first, 2, -1, fourth};
            i += 4;
            continue;
        }
        items[ni++] = (sf_item){first, 0, -1, -1};
        items[ni++] = (sf_item){second, 0, -1, -1};
        items[ni++] = (sf_item){third, 0, -1, -1};
        items[ni++] = (sf_item){fourth, 0, -1, -1};
        i += 4;
    }
    /* invalid tokens */
    int nbad = 0;
    for (size_t i = 0; i < ni; i++) {
        if (items[i].kind != 0 || sp_isinstance(c, items[i].node, G_COMPARISON) ||
            sp_match(c, items[i].node, TT_KW, "AND")) {
            continue;
        }
        sb_add(&bad, nbad++ ? ", '" : "'");
        sb_addn(&bad, (const char *)c->s + SPN(c, items[i].node).start, sp_tlen(c, items[i].node));
        sb_addc(&bad, '\'');
    }
    if (bad.oom) {
        sf_nomem(err);
        goto exit;
    }
    if (nbad) {
        sf_invalid(err, "Invalid clause(s) in filter string: %s", bad.buf);
        goto exit;
    }
    for (size_t i = 0; i < ni; i++) {
        sf_tok ct[64];
        size_t nc = 0;
        switch (items[i].kind) {
        case 1:
            ct[0] = (sf_tok){items[i].node, NULL};
            ct[1] = (sf_tok){items[i].op, NULL};
            ct[2] = (sf_tok){items[i].value, NULL};
            nc = 3;
            break;
        case 2:
            ct[0] = (sf_tok){items[i].node, NULL};
            ct[1] = (sf_tok){-1, "NOT IN"};
            ct[2] = (sf_tok){items[i].value, NULL};
            nc = 3;
            break;
        case 3:
        case 4:
            ct[0] = (sf_tok){items[i].node, NULL};
            ct[1] = (sf_tok){-1, items[i].kind == 3 ? "IS NULL" : "IS NOT NULL"};
            nc = 2;
            break;
        default: {
            if (!sp_isinstance(c, items[i].node, G_COMPARISON)) {
                continue;
            }
            const sp_node *cmpn = &SPN(c, items[i].node);
            for (size_t k = 0; k < cmpn->nk; k++) {
                if (!sp_is_ws(c, cmpn->kids[k])) {
                    if (nc < sizeof ct / sizeof ct[0]) {
                        ct[nc] = (sf_tok){cmpn->kids[k], NULL};
                    }
                    nc++;
                }
            }
            if (nc > sizeof ct / sizeof ct[0]) {
                sf_invalid(err, "Invalid comparison clause. Expected 3 tokens found %zu", nc);
                goto exit;
            }
        }
        }
        if (sf_get_comparison(c, d, ct, nc, out, err) < 0) {
            goto exit;
        }
    }
    rc = 0;
exit:
    free(toks);
    free(items);
    free(bad.buf);
    return rc;
}

/* SearchUtils.parse_search_filter. An empty or NULL filter gives no clauses. */
static int
sf_parse_filter(const char *filter, const sf_dialect *d, sf_clauses *out, mlc_err *err)
{
    sp_ctx c;
    int *stmts = NULL;
    size_t n = 0;
    int rc = -1;
    memset(&c, 0, sizeof c);
    c.err = err;
    if (filter == NULL || filter[0] == '\0') {
        return 0;
    }
    int r = sp_parse(&c, filter, &stmts, &n);
    if (r == SP_NOMEM) {
        goto exit;
    }
    if (r == SP_PARSE_ERROR) {
        sf_invalid(err, "Error on parsing filter '%s'", filter);
        goto exit;
    }
    if (n == 0) {
        sf_invalid(err, "Invalid filter '%s'. Could not be parsed.", filter);
        goto exit;
    }
    if (n > 1) {
        sbuf b = {0};
        sb_add_repr(&b, filter);
        if (b.oom) {
            free(b.buf);
            sf_nomem(err);
            goto exit;
        }
        sf_invalid(err,
                   "Search filter contained multiple expression %s. Provide AND-ed expression "
                   "list.",
                   b.buf);
        free(b.buf);
        goto exit;
    }
    rc = sf_process_statement(&c, stmts[0], d, out, err);
exit:
    free(stmts);
    sp_ctx_free(&c);
    return rc;
}

/* ======================================================================================
 * Clause validation (the comparator checks MLflow's matchers make; done once, up front)
 * and matching
 * ====================================================================================== */

static const char *const metric_cmps[] = {">", ">=", "!=", "=", "<", "<=", NULL};
static const char *const run_param_cmps[] = {"!=", "=", "LIKE", "ILIKE", "IS NULL",
                                             "IS NOT NULL", NULL};
static const char *const strattr_cmps[] = {"!=", "=", "LIKE", "ILIKE", "IN", "NOT IN", NULL};
static const char *const lm_param_cmps[] = {"!=", "=", "LIKE", "ILIKE", NULL};
static const char *const all_cmps[] = {">", ">=", "=", "!=", "<=", "<", "LIKE", "ILIKE", "IN",
                                       "NOT IN", NULL};

/* SearchUtils.translate_key_alias */
static const char *
translate_alias(const char *key)
{
    if (strcmp(key, "created") == 0 || strcmp(key, "Created") == 0) {
        return "start_time";
    }
    if (strcmp(key, "run name") == 0 || strcmp(key, "Run name") == 0 ||
        strcmp(key, "Run Name") == 0) {
        return "run_name";
    }
    return key;
}

static int
bad_cmp(mlc_err *err, const sf_clause *cl, const char *repr, int closing_quote)
{
    return sf_invalid(err, "Invalid comparator '%s' not one of '%s%s", cl->cmp, repr,
                      closing_quote ? "'" : "");
}

/* A list value only supports equality and membership (other comparisons raise TypeError in
 * MLflow's matcher). */
static int
check_list_cmp(const sf_clause *cl, mlc_err *err)
{
    if (cl->vkind == V_LIST && strcmp(cl->cmp, "=") != 0 && strcmp(cl->cmp, "!=") != 0 &&
        strcmp(cl->cmp, "IN") != 0 && strcmp(cl->cmp, "NOT IN") != 0) {
        return sf_invalid(err, "Invalid comparator '%s' for a list of values", cl->cmp);
    }
    return 0;
}

static int
validate_run_clause(const sf_clause *cl, mlc_err *err)
{
    const char *key = translate_alias(cl->key);
    switch (cl->type) {
    case ENT_METRIC:
        return in_list(cl->cmp, metric_cmps) ? 0 : bad_cmp(err, cl, REPR_METRIC_CMP, 0);
    case ENT_PARAM:
        return in_list(cl->cmp, run_param_cmps) ? 0 : bad_cmp(err, cl, REPR_PARAM_CMP, 1);
    case ENT_TAG:
        return in_list(cl->cmp, run_param_cmps) ? 0 : bad_cmp(err, cl, REPR_PARAM_CMP, 0);
    case ENT_ATTR:
        if (!in_list(key, run_numeric_attrs)) {
            if (!in_list(cl->cmp, strattr_cmps)) {
                return bad_cmp(err, cl, REPR_STRATTR_CMP, 1);
            }
            return check_list_cmp(cl, err);
        }
        return in_list(cl->cmp, metric_cmps) ? 0 : bad_cmp(err, cl, REPR_STRATTR_CMP, 0);
    default: /* datasets: records carry no dataset inputs, so values are never compared */
        return in_list(cl->cmp, strattr_cmps) ? 0 : bad_cmp(err, cl, REPR_STRATTR_CMP, 0);
    }
}

/* Logged-model attribute key after aliases (creation_time, last_updated_time). */
static const char *
lm_attr_name(const char *key)
{
    if (strcmp(key, "creation_time") == 0) {
        return "creation_timestamp";
    }
    if (strcmp(key, "last_updated_time") == 0) {
        return "last_updated_timestamp";
    }
    return key;
}

static int
lm_has_attr(const sf_clause *cl, const char *key)
{
    if (cl->type == ENT_ATTR) {
        return 1; /* every valid non-numeric attribute key is a LoggedModel property */
    }
    return cl->type == ENT_DATASET && strcmp(key, "name") == 0;
}

static int
validate_lm_clause(const sf_clause *cl, mlc_err *err)
{
    const char *key = translate_alias(cl->key);
    switch (cl->type) {
    case ENT_METRIC:
        return in_list(cl->cmp, metric_cmps) ? 0 : bad_cmp(err, cl, REPR_METRIC_CMP, 0);
    case ENT_PARAM:
        return in_list(cl->cmp, lm_param_cmps) ? 0 : bad_cmp(err, cl, REPR_LM_PARAM_CMP, 1);
    case ENT_TAG:
        return in_list(cl->cmp, lm_param_cmps) ? 0 : bad_cmp(err, cl, REPR_LM_PARAM_CMP, 0);
    default:
        if (cl->type == ENT_ATTR && in_list(key, lm_numeric_attrs)) {
            return in_list(cl->cmp, metric_cmps) ? 0 : bad_cmp(err, cl, REPR_STRATTR_CMP, 0);
        }
        if (!lm_has_attr(cl, key)) {
            return sf_invalid(err, "Invalid logged model search key '%s'", key);
        }
        if (!in_list(cl->cmp, all_cmps)) {
            return bad_cmp(err, cl, REPR_ALL_CMP, 1);
        }
        return check_list_cmp(cl, err);
    }
}

/* A left-hand side value. */
enum { LHS_NONE = 0, LHS_NUM, LHS_INT, LHS_STR };
typedef struct {
    int kind;
    double d;
    int64_t i;
    const char *s;
} lhs_val;

static int
cmp_result(const char *op, int c3)
{
    if (strcmp(op, "=") == 0) {
        return c3 == 0;
    }
    if (strcmp(op, "!=") == 0) {
        return c3 != 0;
    }
    if (strcmp(op, "<") == 0) {
        return c3 < 0;
    }
    if (strcmp(op, "<=") == 0) {
        return c3 <= 0;
    }
    if (strcmp(op, ">") == 0) {
        return c3 > 0;
    }
    return c3 >= 0; /* ">=" */
}

/* Exact three-way comparison of an integer with the clause's numeric value. */
static int
cmp_int_value(int64_t a, const sf_clause *cl)
{
    if (cl->vkind == V_INT) {
        if (cl->ibig) {
            return -cl->ibig;
        }
        return a < cl->i ? -1 : a > cl->i;
    }
    double d = cl->d;
    if (d >= 9223372036854775808.0) {
        return -1;
    }
    if (d < -9223372036854775808.0) {
        return 1;
    }
    double t = trunc(d);
    int64_t di = (int64_t)t;
    if (a != di) {
        return a < di ? -1 : 1;
    }
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* 1 match, 0 no match, -1 OOM. */
static int
compare_lhs(const lhs_val *l, const sf_clause *cl)
{
    const char *op = cl->cmp;
    if (l->kind == LHS_NUM) {
        double a = l->d, b = cl->vkind == V_INT ? (double)cl->i : cl->d;
        if (strcmp(op, "=") == 0) {
            return a == b;
        }
        if (strcmp(op, "!=") == 0) {
            return a != b;
        }
        if (strcmp(op, "<") == 0) {
            return a < b;
        }
        if (strcmp(op, "<=") == 0) {
            return a <= b;
        }
        if (strcmp(op, ">") == 0) {
            return a > b;
        }
        return a >= b;
    }
    if (l->kind == LHS_INT) {
        return cmp_result(op, cmp_int_value(l->i, cl));
    }
    /* strings */
    if (cl->vkind == V_LIST) {
        int found = 0;
        for (size_t k = 0; k < cl->list.n; k++) {
            if (strcmp(l->s, cl->list.items[k]) == 0) {
                found = 1;
                break;
            }
        }
        if (strcmp(op, "IN") == 0) {
            return found;
        }
        if (strcmp(op, "NOT IN") == 0) {
            return !found;
        }
        return strcmp(op, "!=") == 0; /* a string never equals a tuple */
    }
    if (strcmp(op, "LIKE") == 0) {
        return like_match(l->s, cl->str, 0);
    }
    if (strcmp(op, "ILIKE") == 0) {
        return like_match(l->s, cl->str, 1);
    }
    if (strcmp(op, "IN") == 0 || strcmp(op, "NOT IN") == 0) {
        return 0; /* unreachable: IN always carries a list */
    }
    int c3 = strcmp(l->s, cl->str);
    return cmp_result(op, c3 < 0 ? -1 : c3 > 0);
}

static const mlc_metric *
find_metric(const mlc_metriclist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].key != NULL && strcmp(l->items[i].key, key) == 0) {
            return &l->items[i];
        }
    }
    return NULL;
}

static void
lhs_str(lhs_val *l, const char *s)
{
    l->kind = s ? LHS_STR : LHS_NONE;
    l->s = s;
}

static void
lhs_time(lhs_val *l, int64_t t)
{
    l->kind = t == MLC_NO_TIME ? LHS_NONE : LHS_INT;
    l->i = t;
}

static const char *
run_str_attr(const mlc_run *r, const char *key)
{
    if (strcmp(key, "run_id") == 0) {
        return r->run_id;
    }
    if (strcmp(key, "run_name") == 0) {
        return r->run_name;
    }
    if (strcmp(key, "user_id") == 0) {
        return r->user_id;
    }
    if (strcmp(key, "status") == 0) {
        return r->status;
    }
    return r->artifact_uri;
}

/* SearchUtils._does_run_match_clause: 1, 0 or -1 (OOM). */
static int
run_matches(const mlc_run *r, const sf_clause *cl)
{
    const char *key = translate_alias(cl->key);
    lhs_val l = {0};
    switch (cl->type) {
    case ENT_METRIC: {
        const mlc_metric *m = find_metric(&r->metrics, key);
        if (m) {
            l.kind = LHS_NUM;
            l.d = m->value;
        }
        break;
    }
    case ENT_PARAM:
        lhs_str(&l, mlc_kvlist_get(&r->params, key));
        break;
    case ENT_TAG:
        lhs_str(&l, mlc_kvlist_get(&r->tags, key));
        break;
    case ENT_ATTR:
        if (strcmp(key, "start_time") == 0) {
            lhs_time(&l, r->start_time);
        }
        else if (strcmp(key, "end_time") == 0) {
            lhs_time(&l, r->end_time);
        }
        else {
            lhs_str(&l, run_str_attr(r, key));
        }
        break;
    default:
        return 0; /* records carry no dataset inputs */
    }
    if (strcmp(cl->cmp, "IS NULL") == 0) {
        return l.kind == LHS_NONE;
    }
    if (strcmp(cl->cmp, "IS NOT NULL") == 0) {
        return l.kind != LHS_NONE;
    }
    if (l.kind == LHS_NONE) {
        return 0;
    }
    return compare_lhs(&l, cl);
}

static const char *
lm_status_name(int status)
{
    switch (status) {
    case MLC_LM_PENDING: return "PENDING";
    case MLC_LM_READY: return "READY";
    case MLC_LM_FAILED: return "FAILED";
    default: return "UNSPECIFIED";
    }
}

/* A logged model's attribute (after lm_attr_name) as a left-hand side. */
static void
lm_attr_value(const mlc_logged_model *m, const char *key, lhs_val *l)
{
    if (strcmp(key, "creation_timestamp") == 0) {
        l->kind = LHS_INT;
        l->i = m->creation_timestamp;
    }
    else if (strcmp(key, "last_updated_timestamp") == 0) {
        l->kind = LHS_INT;
        l->i = m->last_updated_timestamp;
    }
    else if (strcmp(key, "name") == 0) {
        lhs_str(l, m->name);
    }
    else if (strcmp(key, "model_id") == 0) {
        lhs_str(l, m->model_id);
    }
    else if (strcmp(key, "model_type") == 0) {
        lhs_str(l, m->model_type);
    }
    else if (strcmp(key, "status") == 0) {
        lhs_str(l, lm_status_name(m->status));
    }
    else if (strcmp(key, "source_run_id") == 0) {
        lhs_str(l, m->source_run_id);
    }
    else {
        l->kind = LHS_NONE;
    }
}

/* SearchLoggedModelsUtils._does_logged_model_match_clause: 1, 0 or -1 (OOM). */
static int
lm_matches(const mlc_logged_model *m, const sf_clause *cl)
{
    const char *key = translate_alias(cl->key);
    lhs_val l = {0};
    switch (cl->type) {
    case ENT_METRIC: {
        const mlc_metric *mt = find_metric(&m->metrics, key);
        if (mt) {
            l.kind = LHS_NUM;
            l.d = mt->value;
        }
        break;
    }
    case ENT_PARAM:
        lhs_str(&l, mlc_kvlist_get(&m->params, key));
        break;
    case ENT_TAG:
        lhs_str(&l, mlc_kvlist_get(&m->tags, key));
        break;
    default:
        lm_attr_value(m, lm_attr_name(key), &l);
    }
    if (l.kind == LHS_NONE) {
        return 0;
    }
    return compare_lhs(&l, cl);
}

/* ======================================================================================
 * order_by
 * ====================================================================================== */

typedef struct {
    int type;  /* ENT_*; 0 for the logged-model tie-breakers */
    char *key; /* owned */
    int asc;
} so_clause;

typedef struct {
    so_clause *items; /* owned */
    size_t n, cap;
} so_clauses;

static void
so_clauses_clear(so_clauses *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int
so_push(so_clauses *l, int type, char *key, int asc)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        so_clause *it = realloc(l->items, cap * sizeof *it);
        if (it == NULL) {
            return -1;
        }
        l->items = it;
        l->cap = cap;
    }
    l->items[l->n++] = (so_clause){type, key, asc};
    return 0;
}

static int
py_isspace(unsigned char ch)
{
    return ch_is_space(ch);
}

/* str.strip() into a malloc'ed copy. */
static char *
py_strip(const char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && py_isspace((unsigned char)s[a])) {
        a++;
    }
    while (n > a && py_isspace((unsigned char)s[n - 1])) {
        n--;
    }
    return strndup(s + a, n - a);
}

/* SearchUtils.parse_order_by_for_search_runs for one clause. */
static int
parse_run_order_by(const char *ob, int *type, char **key, int *asc, mlc_err *err)
{
    sp_ctx c;
    int *stmts = NULL;
    size_t n = 0;
    char *value = NULL, *conv = NULL, *stripped = NULL;
    strlist toks = {0};
    int rc = -1;
    memset(&c, 0, sizeof c);
    c.err = err;
    *key = NULL;
    *asc = 1;
    int r = sp_parse(&c, ob, &stmts, &n);
    if (r == SP_NOMEM) {
        goto exit;
    }
    if (r == SP_PARSE_ERROR) {
        sf_invalid(err, "Error on parsing order_by clause '%s'", ob);
        goto exit;
    }
    if (n != 1) {
        sf_invalid(err, "Invalid order_by clause '%s'. Could not be parsed.", ob);
        goto exit;
    }
    const sp_node *st = &SPN(&c, stmts[0]);
    int first = st->kids[0], last = st->kids[st->nk - 1];
    if (st->nk == 1 && sp_isinstance(&c, first, G_IDENTIFIER)) {
        value = sp_text_dup(&c, first);
    }
    else if (st->nk == 1 && sp_match(&c, first, TT_NAME_BUILTIN, "timestamp")) {
        value = strdup("timestamp");
    }
    else {
        int ok = st->nk >= 2 && sp_match(&c, first, TT_NAME_BUILTIN, "timestamp") &&
                 SPN(&c, last).tt == TT_KW_ORDER;
        for (size_t i = 1; ok && i + 1 < st->nk; i++) {
            ok = sp_is_ws(&c, st->kids[i]);
        }
        if (!ok) {
            sf_invalid(err, "Invalid order_by clause '%s'. Could not be parsed.", ob);
            goto exit;
        }
        sbuf b = {0};
        sb_add(&b, "timestamp ");
        sb_addn(&b, (const char *)c.s + SPN(&c, last).start, sp_tlen(&c, last));
        if (b.oom) {
            free(b.buf);
            sf_nomem(err);
            goto exit;
        }
        value = b.buf;
    }
    if (value == NULL) {
        sf_nomem(err);
        goto exit;
    }
    conv = strdup(value);
    if (conv == NULL) {
        sf_nomem(err);
        goto exit;
    }
    for (char *p = conv; *p; p++) {
        if (*p == '`') {
            *p = '"';
        }
    }
    r = shlex_split(conv, &toks);
    if (r < 0) {
        sf_nomem(err);
        goto exit;
    }
    if (r > 0 || toks.n > 2) {
        sf_invalid(err, "Invalid order_by clause '%s'. Could not be parsed.", ob);
        goto exit;
    }
    if (toks.n == 2) {
        char *o = toks.items[1];
        for (char *p = o; *p; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p = (char)(*p + 32);
            }
        }
        if (strcmp(o, "asc") != 0 && strcmp(o, "desc") != 0) {
            sf_invalid(err, "Invalid ordering key in order_by clause '%s'.", ob);
            goto exit;
        }
        *asc = strcmp(o, "asc") == 0;
        free(value);
        value = toks.items[0];
        toks.items[0] = NULL;
    }
    stripped = py_strip(value);
    if (stripped == NULL) {
        sf_nomem(err);
        goto exit;
    }
    if (sf_get_identifier(stripped, &run_order_dialect, type, key, err) < 0) {
        goto exit;
    }
    if (*type == ENT_DATASET) {
        sf_invalid(err, "Invalid order_by entity type '%s'", ent_names[*type]);
        free(*key);
        *key = NULL;
        goto exit;
    }
    rc = 0;
exit:
    free(stmts);
    sp_ctx_free(&c);
    free(value);
    free(conv);
    free(stripped);
    strlist_clear(&toks);
    return rc;
}

/* The logged-model order_by clause "<field_name>[ ASC|DESC]" (field_name as in MLflow's
 * order_by dictionaries), validated as SearchLoggedModelsUtils.parse_order_by_for_logged_models. */
static int
parse_lm_order_by(const char *ob, int *type, char **key, int *asc, mlc_err *err)
{
    char *field = NULL, *stripped = NULL;
    int rc = -1;
    *key = NULL;
    *asc = 1;
    if (ob == NULL) {
        return sf_invalid(err, "`field_name` in the `order_by` clause must be specified.");
    }
    size_t n = strlen(ob), e = n;
    while (e > 0 && py_isspace((unsigned char)ob[e - 1])) {
        e--;
    }
    size_t w = e;
    while (w > 0 && !py_isspace((unsigned char)ob[w - 1])) {
        w--;
    }
    size_t fe = n;
    if (w > 0 && ((e - w == 3 && strncasecmp(ob + w, "asc", 3) == 0) ||
                  (e - w == 4 && strncasecmp(ob + w, "desc", 4) == 0))) {
        *asc = e - w == 3;
        fe = w;
        while (fe > 0 && py_isspace((unsigned char)ob[fe - 1])) {
            fe--;
        }
    }
    field = strndup(ob, fe);
    if (field == NULL) {
        sf_nomem(err);
        goto exit;
    }
    char *dot = strchr(field, '.');
    if (dot != NULL) {
        if ((size_t)(dot - field) != 7 || strncmp(field, "metrics", 7) != 0) {
            *dot = '\0';
            sf_invalid(err, "Invalid order by field name: %s, only `metrics.<name>` is allowed.",
                       field);
            goto exit;
        }
        *type = ENT_METRIC;
        *key = strdup(dot + 1);
    }
    else {
        stripped = py_strip(field);
        if (stripped == NULL) {
            sf_nomem(err);
            goto exit;
        }
        if (!in_list(stripped, lm_attr_keys)) {
            sf_invalid(err, "Invalid order by field name: %s.", stripped);
            goto exit;
        }
        *type = ENT_ATTR;
        *key = strdup(lm_attr_name(stripped));
    }
    if (*key == NULL) {
        sf_nomem(err);
        goto exit;
    }
    rc = 0;
exit:
    free(field);
    free(stripped);
    return rc;
}

/* A precomputed sort value. rank: 0 present, 1 NaN, 2 missing. */
typedef struct {
    int rank;
    int kind; /* LHS_* */
    double d;
    int64_t i;
    const char *s;
} sort_val;

typedef struct {
    const sort_val *vals; /* n * nk */
    size_t nk;
    const int *asc;       /* nk */
} sort_ctx;

static int
sort_cmp(const sort_ctx *sc, size_t a, size_t b)
{
    for (size_t k = 0; k < sc->nk; k++) {
        const sort_val *x = &sc->vals[a * sc->nk + k], *y = &sc->vals[b * sc->nk + k];
        if (x->rank != y->rank) {
            return x->rank < y->rank ? -1 : 1;
        }
        if (x->rank != 0) {
            continue;
        }
        int c3;
        if (x->kind == LHS_NUM) {
            c3 = x->d < y->d ? -1 : x->d > y->d;
        }
        else if (x->kind == LHS_INT) {
            c3 = x->i < y->i ? -1 : x->i > y->i;
        }
        else {
            int r = strcmp(x->s, y->s);
            c3 = r < 0 ? -1 : r > 0;
        }
        if (c3 != 0) {
            return sc->asc[k] ? c3 : -c3;
        }
    }
    return a < b ? -1 : a > b;
}

/* Stable merge sort of idx[0..n) (the comparator is total, ending with the index). */
static int
sort_indexes(size_t *idx, size_t n, const sort_ctx *sc)
{
    size_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (tmp == NULL) {
        return -1;
    }
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                tmp[k++] = sort_cmp(sc, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
            }
            while (i < mid) {
                tmp[k++] = idx[i++];
            }
            while (j < hi) {
                tmp[k++] = idx[j++];
            }
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
    free(tmp);
    return 0;
}

static void
sv_num(sort_val *v, double d)
{
    v->kind = LHS_NUM;
    v->d = d;
    v->rank = isnan(d) ? 1 : 0;
}

static void
sv_from_lhs(sort_val *v, const lhs_val *l)
{
    v->kind = l->kind;
    v->rank = l->kind == LHS_NONE ? 2 : 0;
    v->i = l->i;
    v->s = l->s;
    if (l->kind == LHS_NUM) {
        sv_num(v, l->d);
    }
}

/* Shared tail of the two searches: keeps the matching records, orders them and cuts to
 * max_results. vals holds n * nk sort values (rows of unmatched records are ignored). */
static int
finish_search(const unsigned char *keep, size_t n, const sort_val *vals, size_t nk,
              const int *asc, int64_t max_results, size_t **out_idx, size_t *n_out,
              mlc_err *err)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    size_t m = 0;
    if (idx == NULL) {
        return sf_nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (keep[i]) {
            idx[m++] = i;
        }
    }
    sort_ctx sc = {vals, nk, asc};
    if (sort_indexes(idx, m, &sc) < 0) {
        free(idx);
        return sf_nomem(err);
    }
    if (max_results >= 0 && (uint64_t)max_results < m) {
        m = (size_t)max_results;
    }
    *out_idx = idx;
    *n_out = m;
    return 0;
}

/* ======================================================================================
 * Public entry points
 * ====================================================================================== */

int
mlc_search_runs(const mlc_run *runs, size_t n, const char *filter, const char *const *order_by,
                size_t n_order, int64_t max_results, size_t **out_idx, size_t *n_out,
                mlc_err *err)
{
    sf_clauses cl = {0};
    so_clauses ob = {0};
    unsigned char *keep = NULL;
    sort_val *vals = NULL;
    int *asc = NULL;
    int rc = -1;
    *out_idx = NULL;
    *n_out = 0;

    if (sf_parse_filter(filter, &run_dialect, &cl, err) < 0) {
        goto exit;
    }
    for (size_t i = 0; i < cl.n; i++) {
        if (validate_run_clause(&cl.items[i], err) < 0) {
            goto exit;
        }
    }
    /* MLflow parses order_by clauses last to first. */
    for (size_t k = n_order; k-- > 0;) {
        int type = 0, a = 1;
        char *key;
        if (order_by[k] == NULL) {
            continue;
        }
        if (parse_run_order_by(order_by[k], &type, &key, &a, err) < 0) {
            goto exit;
        }
        if (so_push(&ob, type, key, a) < 0) {
            free(key);
            sf_nomem(err);
            goto exit;
        }
    }
    /* back to first-to-last, then the natural order: start_time DESC, run_id */
    for (size_t i = 0; i < ob.n / 2; i++) {
        so_clause t = ob.items[i];
        ob.items[i] = ob.items[ob.n - 1 - i];
        ob.items[ob.n - 1 - i] = t;
    }
    size_t nk = ob.n + 2;
    keep = calloc(n ? n : 1, 1);
    vals = calloc((n ? n : 1) * nk, sizeof *vals);
    asc = calloc(nk, sizeof *asc);
    if (keep == NULL || vals == NULL || asc == NULL) {
        sf_nomem(err);
        goto exit;
    }
    for (size_t k = 0; k < ob.n; k++) {
        asc[k] = ob.items[k].asc;
    }
    asc[ob.n] = 0;
    asc[ob.n + 1] = 1;
    for (size_t i = 0; i < n; i++) {
        const mlc_run *r = &runs[i];
        int ok = 1;
        for (size_t j = 0; ok && j < cl.n; j++) {
            ok = run_matches(r, &cl.items[j]);
            if (ok < 0) {
                sf_nomem(err);
                goto exit;
            }
        }
        keep[i] = (unsigned char)ok;
        if (!ok) {
            continue;
        }
        sort_val *row = &vals[i * nk];
        for (size_t k = 0; k < ob.n; k++) {
            const so_clause *o = &ob.items[k];
            const char *key = translate_alias(o->key);
            lhs_val l = {0};
            if (o->type == ENT_METRIC) {
                const mlc_metric *m = find_metric(&r->metrics, key);
                if (m) {
                    l.kind = LHS_NUM;
                    l.d = m->value;
                }
            }
            else if (o->type == ENT_PARAM) {
                lhs_str(&l, mlc_kvlist_get(&r->params, key));
            }
            else if (o->type == ENT_TAG) {
                lhs_str(&l, mlc_kvlist_get(&r->tags, key));
            }
            else if (strcmp(key, "start_time") == 0) {
                lhs_time(&l, r->start_time);
            }
            else if (strcmp(key, "end_time") == 0) {
                lhs_time(&l, r->end_time);
            }
            else {
                lhs_str(&l, run_str_attr(r, key));
            }
            sv_from_lhs(&row[k], &l);
        }
        lhs_val l = {0};
        lhs_time(&l, r->start_time);
        sv_from_lhs(&row[ob.n], &l);
        lhs_str(&l, r->run_id ? r->run_id : "");
        sv_from_lhs(&row[ob.n + 1], &l);
    }
    rc = finish_search(keep, n, vals, nk, asc, max_results, out_idx, n_out, err);
exit:
    sf_clauses_clear(&cl);
    so_clauses_clear(&ob);
    free(keep);
    free(vals);
    free(asc);
    return rc;
}

int
mlc_search_logged_models(const mlc_logged_model *models, size_t n, const char *filter,
                         const char *const *order_by, size_t n_order, int64_t max_results,
                         size_t **out_idx, size_t *n_out, mlc_err *err)
{
    sf_clauses cl = {0};
    so_clauses ob = {0};
    unsigned char *keep = NULL;
    sort_val *vals = NULL;
    int *asc = NULL;
    int rc = -1;
    *out_idx = NULL;
    *n_out = 0;

    if (sf_parse_filter(filter, &lm_dialect, &cl, err) < 0) {
        goto exit;
    }
    for (size_t i = 0; i < cl.n; i++) {
        if (validate_lm_clause(&cl.items[i], err) < 0) {
            goto exit;
        }
    }
    int has_created = 0, has_id = 0;
    for (size_t k = 0; k < n_order; k++) {
        int type = 0, a = 1;
        char *key;
        if (parse_lm_order_by(order_by[k], &type, &key, &a, err) < 0) {
            goto exit;
        }
        if (so_push(&ob, type, key, a) < 0) {
            free(key);
            sf_nomem(err);
            goto exit;
        }
        has_created |= type == ENT_ATTR && strcmp(key, "creation_timestamp") == 0;
        has_id |= type == ENT_ATTR && strcmp(key, "model_id") == 0;
    }
    /* tie-breakers: creation_timestamp DESC, model_id ASC (unless already ordered on) */
    for (int t = 0; t < 2; t++) {
        if (t == 0 ? has_created : has_id) {
            continue;
        }
        char *k = strdup(t == 0 ? "creation_timestamp" : "model_id");
        if (k == NULL || so_push(&ob, ENT_ATTR, k, t) < 0) {
            free(k);
            sf_nomem(err);
            goto exit;
        }
    }
    size_t nk = ob.n ? ob.n : 1;
    keep = calloc(n ? n : 1, 1);
    vals = calloc((n ? n : 1) * nk, sizeof *vals);
    asc = calloc(nk, sizeof *asc);
    if (keep == NULL || vals == NULL || asc == NULL) {
        sf_nomem(err);
        goto exit;
    }
    for (size_t k = 0; k < ob.n; k++) {
        asc[k] = ob.items[k].asc;
    }
    for (size_t i = 0; i < n; i++) {
        const mlc_logged_model *m = &models[i];
        int ok = 1;
        for (size_t j = 0; ok && j < cl.n; j++) {
            ok = lm_matches(m, &cl.items[j]);
            if (ok < 0) {
                sf_nomem(err);
                goto exit;
            }
        }
        keep[i] = (unsigned char)ok;
        if (!ok) {
            continue;
        }
        sort_val *row = &vals[i * nk];
        for (size_t k = 0; k < ob.n; k++) {
            const so_clause *o = &ob.items[k];
            lhs_val l = {0};
            if (o->type == ENT_METRIC) {
                /* the latest value: greatest timestamp, first logged among equals */
                const mlc_metric *best = NULL;
                for (size_t q = 0; q < m->metrics.n; q++) {
                    const mlc_metric *mt = &m->metrics.items[q];
                    if (mt->key != NULL && strcmp(mt->key, o->key) == 0 &&
                        (best == NULL || mt->timestamp > best->timestamp)) {
                        best = mt;
                    }
                }
                if (best) {
                    l.kind = LHS_NUM;
                    l.d = best->value;
                }
            }
            else {
                lm_attr_value(m, o->key, &l);
            }
            sv_from_lhs(&row[k], &l);
        }
    }
    rc = finish_search(keep, n, vals, nk, asc, max_results, out_idx, n_out, err);
exit:
    sf_clauses_clear(&cl);
    so_clauses_clear(&ob);
    free(keep);
    free(vals);
    free(asc);
    return rc;
}
