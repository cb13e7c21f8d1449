
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * A recursive descent over a copy of the body held in the arena.  Strings
 * without escapes stay where they are in that copy, NUL-terminated over
 * their closing quote; strings with escapes are decoded into the arena.
 * Children of the containers still open wait on a work stack (the arena's
 * scratch buffer) and are copied into the arena, contiguous, when their
 * container closes.
 *
 * The refusals keep the words and positions the gateway gave when the
 * parser was jansson's with a scanner in front (docs/validation.md):
 * tokens are read the way that lexer read them, a character at a time
 * and one past a number or a word, and an error is where that reading
 * stood.  Lines and columns are counted only for a refusal, from the
 * start of the copy.
 */


#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_json.h"


#define IL_JSON_READ_ERROR  ((size_t) -1)
#define IL_JSON_UNREAD      "Invalid JSON: the body could not be read."

/* Free bytes wanted before each read, and the NULs after the text. */
#define IL_JSON_READ_MIN    4096
#define IL_JSON_PAD         16

/* Where a character beyond ASCII is read, for il_json_blind(). */
#define IL_JSON_OUTSIDE     0
#define IL_JSON_IN_STRING   1
#define IL_JSON_ESCAPED     2

#define il_json_digit(c)    ((unsigned char) ((c) - '0') < 10)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IL_JSON_SWAR        1
#define IL_JSON_ONES        0x0101010101010101ULL
#define IL_JSON_HIGHS       0x8080808080808080ULL
#endif


typedef enum {
    IL_JSON_T_EOF = 0,
    IL_JSON_T_INVALID,               /* a byte no token starts with */
    IL_JSON_T_STRING,
    IL_JSON_T_INTEGER,
    IL_JSON_T_REAL,
    IL_JSON_T_TRUE,
    IL_JSON_T_FALSE,
    IL_JSON_T_NULL,
    IL_JSON_T_PUNCT                  /* { } [ ] : , in tok_char */
} il_json_tok_e;


typedef enum {
    IL_JSON_E_NONE = 0,
    IL_JSON_E_NOMEM,
    IL_JSON_E_DEEP,
    IL_JSON_E_UTF8,
    IL_JSON_E_END,
    IL_JSON_E_TRAILING,
    IL_JSON_E_NUL_KEY,
    IL_JSON_E_DUPLICATE,
    IL_JSON_E_RANGE,
    IL_JSON_E_SURROGATE,
    IL_JSON_E_CONTROL,
    IL_JSON_E_ESCAPE,
    IL_JSON_E_COLON,
    IL_JSON_E_KEY,
    IL_JSON_E_OBJECT_END,
    IL_JSON_E_ARRAY_END,
    IL_JSON_E_TOKEN,
    IL_JSON_E_UNEXPECTED
} il_json_err_e;


typedef struct {
    unsigned char        *buf;
    const unsigned char  *p;         /* what the lexer has read */
    const unsigned char  *end;       /* the text's end, or the cut */
    size_t                len;
    il_arena_t           *a;

    unsigned              depth;
    unsigned              cut:1;     /* end is the bracket past the limit */
    unsigned              at_end:1;  /* a read reached end */

    il_json_tok_e         tok;
    int                   tok_char;
    unsigned              tok_nul:1; /* an INVALID that is a raw NUL */
    unsigned              str_nul:1; /* a STRING that holds \u0000 */
    const char           *str;
    size_t                str_len;
    long long             integer;
    double                real;

    il_json_err_e         err;
    size_t                err_pos;   /* bytes read at the refusal */
    unsigned              err_stray:1;

    char                 *stack;     /* children of open containers */
    size_t                top;
} il_json_ps_t;


static const il_value_t *il_json_parse_text(il_arena_t *a,
    unsigned char *buf, size_t len, char *err, size_t errlen);
static int il_json_value(il_json_ps_t *ps, il_value_t *v);
static int il_json_object(il_json_ps_t *ps, il_value_t *v);
static int il_json_array(il_json_ps_t *ps, il_value_t *v);
static int il_json_more(il_json_ps_t *ps);
static void *il_json_push(il_json_ps_t *ps, size_t size);
static int il_json_key_seen(il_json_ps_t *ps, size_t base, size_t n,
    il_value_index_t *ix);
static void il_json_find_cut(il_json_ps_t *ps);
static int il_json_next(il_json_ps_t *ps);
static int il_json_string(il_json_ps_t *ps);
#if (IL_JSON_SWAR)
static inline uint64_t il_json_special(uint64_t w);
#endif
static int il_json_unescape(il_json_ps_t *ps, const unsigned char *s,
    const unsigned char *e);
static int il_json_hex(const unsigned char *p, unsigned *cp);
static int il_json_bad_escape(il_json_ps_t *ps, const unsigned char *q,
    unsigned state);
static int il_json_number(il_json_ps_t *ps, const unsigned char *p);
static int il_json_word(il_json_ps_t *ps, const unsigned char *p);
static int il_json_peek(il_json_ps_t *ps, const unsigned char *p);
static size_t il_json_utf8(il_json_ps_t *ps, const unsigned char *p,
    unsigned state);
static void il_json_blind(il_json_ps_t *ps, const unsigned char *p, size_t n,
    unsigned state);
static int il_json_syntax(il_json_ps_t *ps, il_json_err_e e);
static int il_json_fail(il_json_ps_t *ps, il_json_err_e e,
    const unsigned char *at);
static void il_json_message(il_json_ps_t *ps, char *err, size_t errlen);
static void il_json_where(const unsigned char *buf, size_t n, int *line,
    int *column);


/* JSON's white space. */
static const unsigned char  il_json_space[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1
};

/* The escapes of one character, and what each stands for. */
static const unsigned char  il_json_escapes[256] = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b', ['f'] = '\f',
    ['n'] = '\n', ['r'] = '\r', ['t'] = '\t'
};

/* A word is read while these follow, as the lexer before did. */
static const unsigned char  il_json_alpha[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1
};

/* Hex digits + 1. */
static const unsigned char  il_json_xdigit[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
    ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16
};

/* The words of the json_invalid sentences. */
static const char  *il_json_what[] = {
    [IL_JSON_E_UTF8] = "invalid UTF-8",
    [IL_JSON_E_END] = "unexpected end of input",
    [IL_JSON_E_TRAILING] = "unexpected data after the value",
    [IL_JSON_E_NUL_KEY] = "\\u0000 in an object key",
    [IL_JSON_E_DUPLICATE] = "duplicate object key",
    [IL_JSON_E_RANGE] = "number out of range",
    [IL_JSON_E_SURROGATE] = "a \\u escape that is a lone surrogate",
    [IL_JSON_E_CONTROL] = "an unescaped control character in a string",
    [IL_JSON_E_ESCAPE] = "an invalid escape in a string",
    [IL_JSON_E_COLON] = "':' expected after an object key",
    [IL_JSON_E_KEY] = "an object key or '}' expected",
    [IL_JSON_E_OBJECT_END] = "',' or '}' expected",
    [IL_JSON_E_ARRAY_END] = "',' or ']' expected",
    [IL_JSON_E_TOKEN] = "an invalid literal or number",
    [IL_JSON_E_UNEXPECTED] = "an unexpected character"
};


const il_value_t *
il_json_parse(il_arena_t *a, il_json_read_pt read, void *data, char *err,
    size_t errlen)
{
    size_t          len, avail, n;
    unsigned char  *buf, *nbuf;

    buf = il_arena_reserve(a, IL_JSON_READ_MIN, &avail);
    if (buf == NULL) {
        goto nomem;
    }

    len = 0;

    for ( ;; ) {
        if (avail - len < IL_JSON_READ_MIN / 4 + IL_JSON_PAD) {
            /* the region is full: one twice its size, in a new chunk */
            nbuf = il_arena_reserve(a, 2 * avail, &avail);
            if (nbuf == NULL) {
                goto nomem;
            }

            memcpy(nbuf, buf, len);
            buf = nbuf;
        }

        n = read(buf + len, avail - len - IL_JSON_PAD, data);

        if (n == IL_JSON_READ_ERROR) {
            snprintf(err, errlen, IL_JSON_UNREAD);
            return NULL;
        }

        if (n == 0) {
            break;
        }

        len += n;
    }

    il_arena_commit(a, len + IL_JSON_PAD);

    return il_json_parse_text(a, buf, len, err, errlen);

nomem:

    snprintf(err, errlen, IL_JSON_UNREAD);
    return NULL;
}


const il_value_t *
il_json_parse_buf(il_arena_t *a, const char *buf, size_t len, char *err,
    size_t errlen)
{
    size_t          avail;
    unsigned char  *copy;

    copy = il_arena_reserve(a, len + IL_JSON_PAD, &avail);
    if (copy == NULL) {
        snprintf(err, errlen, IL_JSON_UNREAD);
        return NULL;
    }

    memcpy(copy, buf, len);
    il_arena_commit(a, len + IL_JSON_PAD);

    return il_json_parse_text(a, copy, len, err, errlen);
}


static const il_value_t *
il_json_parse_text(il_arena_t *a, unsigned char *buf, size_t len, char *err,
    size_t errlen)
{
    il_value_t    *v;
    il_json_ps_t   ps;

    memset(buf + len, 0, IL_JSON_PAD);

    if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) {
        snprintf(err, errlen,
                 "Invalid JSON: a byte-order mark at line 1, column 1.");
        return NULL;
    }

    memset(&ps, 0, sizeof(il_json_ps_t));
    ps.buf = buf;
    ps.p = buf;
    ps.end = buf + len;
    ps.len = len;
    ps.a = a;

    ps.stack = il_arena_scratch(a, 1);
    if (ps.stack == NULL) {
        ps.err = IL_JSON_E_NOMEM;
        goto failed;
    }

    v = il_arena_alloc(a, sizeof(il_value_t));
    if (v == NULL) {
        ps.err = IL_JSON_E_NOMEM;
        goto failed;
    }

    if (il_json_next(&ps) != 0) {
        goto failed;
    }

    if (ps.tok == IL_JSON_T_EOF) {
        snprintf(err, errlen, "Invalid JSON: the body is empty.");
        return NULL;
    }

    if (il_json_value(&ps, v) != 0 || il_json_next(&ps) != 0) {
        goto failed;
    }

    if (ps.tok != IL_JSON_T_EOF) {
        il_json_fail(&ps, IL_JSON_E_TRAILING, ps.p);
        goto failed;
    }

    return v;

failed:

    il_json_message(&ps, err, errlen);
    return NULL;
}


/* The value the current token starts. */

static int
il_json_value(il_json_ps_t *ps, il_value_t *v)
{
    int  rc;

    switch (ps->tok) {

    case IL_JSON_T_STRING:
        v->type = IL_VALUE_STRING;
        v->len = ps->str_len;
        v->u.s = ps->str;
        return 0;

    case IL_JSON_T_INTEGER:
        v->type = IL_VALUE_INTEGER;
        v->len = 0;
        v->u.i = ps->integer;
        return 0;

    case IL_JSON_T_REAL:
        v->type = IL_VALUE_REAL;
        v->len = 0;
        v->u.d = ps->real;
        return 0;

    case IL_JSON_T_TRUE:
    case IL_JSON_T_FALSE:
    case IL_JSON_T_NULL:
        v->type = ps->tok == IL_JSON_T_TRUE ? IL_VALUE_TRUE
                  : ps->tok == IL_JSON_T_FALSE ? IL_VALUE_FALSE
                  : IL_VALUE_NULL;
        v->len = 0;
        v->u.s = NULL;
        return 0;

    case IL_JSON_T_INVALID:
        return il_json_syntax(ps, IL_JSON_E_TOKEN);

    case IL_JSON_T_PUNCT:
        if (ps->tok_char == '{' || ps->tok_char == '[') {
            break;
        }

        /* fall through */

    default:
        return il_json_syntax(ps, IL_JSON_E_UNEXPECTED);
    }

    if (ps->depth >= IL_JSON_DEPTH_MAX) {
        /* the cut stops a body before this; kept as a guard */
        return il_json_fail(ps, IL_JSON_E_DEEP, ps->p);
    }

    if (++ps->depth == IL_JSON_DEPTH_MAX) {
        il_json_find_cut(ps);
    }

    rc = (ps->tok_char == '{') ? il_json_object(ps, v) : il_json_array(ps, v);

    ps->depth--;

    return rc;
}


/*
 * Keys are checked for \u0000 and for an earlier twin before the ':' is
 * read, as before.  Members wait on the work stack, contiguous above
 * base, since a nested container pops what it pushed before the next
 * member comes.
 */

static int
il_json_object(il_json_ps_t *ps, il_value_t *v)
{
    int                more;
    size_t             base, n;
    il_value_t         value;
    il_member_t       *m, *members;
    il_value_index_t   ix, *vx;

    base = ps->top;
    n = 0;
    memset(&ix, 0, sizeof(il_value_index_t));

    if (il_json_next(ps) != 0) {
        return -1;
    }

    if (ps->tok != IL_JSON_T_PUNCT || ps->tok_char != '}') {

        for ( ;; ) {
            if (ps->tok != IL_JSON_T_STRING) {
                return il_json_syntax(ps, IL_JSON_E_KEY);
            }

            if (ps->str_nul) {
                return il_json_fail(ps, IL_JSON_E_NUL_KEY, ps->p);
            }

            m = il_json_push(ps, sizeof(il_member_t));
            if (m == NULL) {
                return -1;
            }

            m->key = ps->str;
            m->len = ps->str_len;

            switch (il_json_key_seen(ps, base, n, &ix)) {
            case 0:
                break;
            case 1:
                return il_json_fail(ps, IL_JSON_E_DUPLICATE, ps->p);
            default:
                return -1;
            }

            if (il_json_next(ps) != 0) {
                return -1;
            }

            if (ps->tok != IL_JSON_T_PUNCT || ps->tok_char != ':') {
                return il_json_syntax(ps, IL_JSON_E_COLON);
            }

            if (il_json_next(ps) != 0 || il_json_value(ps, &value) != 0) {
                return -1;
            }

            m = (il_member_t *) (ps->stack + base) + n;
            m->value = value;
            n++;

            more = il_json_more(ps);

            if (more <= 0) {
                if (more < 0) {
                    return -1;
                }

                break;
            }
        }

        if (ps->tok != IL_JSON_T_PUNCT || ps->tok_char != '}') {
            return il_json_syntax(ps, IL_JSON_E_OBJECT_END);
        }
    }

    members = il_value_members(ps->a, n);
    if (members == NULL) {
        ps->err = IL_JSON_E_NOMEM;
        return -1;
    }

    memcpy(members, ps->stack + base, n * sizeof(il_member_t));
    ps->top = base;

    v->type = IL_VALUE_OBJECT;
    v->len = n;
    v->u.members = members;

    vx = il_value_index_of(v);

    if (vx != NULL) {
        /* the index that found duplicates serves lookups: same positions */
        while (ix.n < n) {
            if (il_value_index_add(ps->a, &ix, members, ix.n) < 0) {
                ps->err = IL_JSON_E_NOMEM;
                return -1;
            }
        }

        *vx = ix;
    }

    return 0;
}


/*
 * Whether the key of member n (on the stack) came before in its object:
 * by comparison while the object is small, by its index after.
 */

static int
il_json_key_seen(il_json_ps_t *ps, size_t base, size_t n,
    il_value_index_t *ix)
{
    size_t        i;
    il_member_t  *m, *k;

    m = (il_member_t *) (ps->stack + base);
    k = &m[n];

    if (n < IL_VALUE_INDEX_MIN) {
        for (i = 0; i < n; i++) {
            if (m[i].len == k->len && memcmp(m[i].key, k->key, k->len) == 0) {
                return 1;
            }
        }

        return 0;
    }

    while (ix->n < n) {
        if (il_value_index_add(ps->a, ix, m, ix->n) < 0) {
            ps->err = IL_JSON_E_NOMEM;
            return -1;
        }
    }

    switch (il_value_index_add(ps->a, ix, m, n)) {
    case 0:
        return 0;
    case 1:
        return 1;
    default:
        ps->err = IL_JSON_E_NOMEM;
        return -1;
    }
}


/*
 * After a member or an item: 1 when a ',' came and the next token is
 * read, 0 when something else came (the caller wants its closing
 * bracket), -1 on an error.
 */

static int
il_json_more(il_json_ps_t *ps)
{
    if (il_json_next(ps) != 0) {
        return -1;
    }

    if (ps->tok != IL_JSON_T_PUNCT || ps->tok_char != ',') {
        return 0;
    }

    return il_json_next(ps) != 0 ? -1 : 1;
}


static int
il_json_array(il_json_ps_t *ps, il_value_t *v)
{
    int          more;
    size_t       base, n;
    il_value_t   value, *item, *items;

    base = ps->top;
    n = 0;

    if (il_json_next(ps) != 0) {
        return -1;
    }

    if (ps->tok != IL_JSON_T_PUNCT || ps->tok_char != ']') {

        while (ps->tok != IL_JSON_T_EOF) {
            if (il_json_value(ps, &value) != 0) {
                return -1;
            }

            item = il_json_push(ps, sizeof(il_value_t));
            if (item == NULL) {
                return -1;
            }

            *item = value;
            n++;

            more = il_json_more(ps);

            if (more <= 0) {
                if (more < 0) {
                    return -1;
                }

                break;
            }
        }

        if (ps->tok != IL_JSON_T_PUNCT || ps->tok_char != ']') {
            return il_json_syntax(ps, IL_JSON_E_ARRAY_END);
        }
    }

    items = il_arena_alloc(ps->a, n * sizeof(il_value_t));
    if (items == NULL) {
        ps->err = IL_JSON_E_NOMEM;
        return -1;
    }

    memcpy(items, ps->stack + base, n * sizeof(il_value_t));
    ps->top = base;

    v->type = IL_VALUE_ARRAY;
    v->len = n;
    v->u.items = items;

    return 0;
}


static void *
il_json_push(il_json_ps_t *ps, size_t size)
{
    void  *p;

    if (ps->top + size > ps->a->scratch_size) {
        ps->stack = il_arena_scratch(ps->a, ps->top + size);

        if (ps->stack == NULL) {
            ps->err = IL_JSON_E_NOMEM;
            return NULL;
        }
    }

    p = ps->stack + ps->top;
    ps->top += size;

    return p;
}


/*
 * Called as the container at the depth limit opens.  The scanner that
 * stood before the old parser counted brackets outside strings, bytes
 * beyond ASCII aside, and cut the body at the first one past the limit:
 * that parser met the end of its input there, and any refusal after it
 * read that far was "nesting deeper".  The scan runs until this
 * container closes, so each byte is scanned once at most.
 */

static void
il_json_find_cut(il_json_ps_t *ps)
{
    unsigned              depth, in_string, escape;
    unsigned char         c;
    const unsigned char  *p;

    depth = IL_JSON_DEPTH_MAX;
    in_string = 0;
    escape = 0;

    for (p = ps->p; p < ps->end; p++) {
        c = *p;

        if (c >= 0x80) {
            continue;
        }

        if (in_string) {
            if (escape) {
                escape = 0;

            } else if (c == '"') {
                in_string = 0;

            } else if (c == '\\') {
                escape = 1;
            }

            continue;
        }

        switch (c) {

        case '"':
            in_string = 1;
            break;

        case '[':
        case '{':
            if (++depth > IL_JSON_DEPTH_MAX) {
                /* the text ends here now, with the NUL every end has */
                ps->end = p;
                ps->cut = 1;
                ps->buf[p - ps->buf] = '\0';
                return;
            }

            break;

        case ']':
        case '}':
            if (--depth < IL_JSON_DEPTH_MAX) {
                return;
            }

            break;
        }
    }
}


/* Reads the next token into ps->tok. */

static int
il_json_next(il_json_ps_t *ps)
{
    unsigned char         c;
    const unsigned char  *p;
    size_t                n;

    p = ps->p;

    while (il_json_space[*p]) {
        p++;
    }

    ps->tok_nul = 0;

    if (p == ps->end) {
        ps->p = p;
        ps->tok = IL_JSON_T_EOF;
        ps->at_end = 1;
        return 0;
    }

    c = *p;

    switch (c) {

    case '{':
    case '}':
    case '[':
    case ']':
    case ':':
    case ',':
        ps->p = p + 1;
        ps->tok = IL_JSON_T_PUNCT;
        ps->tok_char = c;
        return 0;

    case '"':
        ps->p = p + 1;
        return il_json_string(ps);

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return il_json_number(ps, p);
    }

    if (il_json_alpha[c]) {
        return il_json_word(ps, p);
    }

    ps->tok = IL_JSON_T_INVALID;

    if (c >= 0x80) {
        n = il_json_utf8(ps, p, IL_JSON_OUTSIDE);
        if (n == 0) {
            return -1;
        }

        ps->p = p + n;
        return 0;
    }

    /* a raw NUL read as an empty text, an end of input, as before */
    ps->tok_nul = (c == '\0');
    ps->p = p + 1;

    return 0;
}


#if (IL_JSON_SWAR)

/*
 * A bit at the top of each byte that is '"', '\\', below 0x20 or beyond
 * ASCII.  Borrows run only above a byte that is flagged, so the lowest
 * bit set is exact.
 */

static inline uint64_t
il_json_special(uint64_t w)
{
    uint64_t  q, b;

    q = w ^ (IL_JSON_ONES * '"');
    b = w ^ (IL_JSON_ONES * '\\');

    return (((q - IL_JSON_ONES) & ~q)
            | ((b - IL_JSON_ONES) & ~b)
            | ((w - IL_JSON_ONES * 0x20) & ~w)
            | w)
           & IL_JSON_HIGHS;
}

#endif


/*
 * A string, from after its opening quote.  Escapes are checked here and
 * decoded afterwards, only when the string has some; a lone surrogate is
 * reported after the closing quote, as before, so that anything else
 * wrong in the string comes first.
 */

static int
il_json_string(il_json_ps_t *ps)
{
    int                   k;
    size_t                n;
    unsigned              esc, sur, nul, cp, lo;
    unsigned char         c;
    const unsigned char  *p, *s;
#if (IL_JSON_SWAR)
    uint64_t              w, m;
#endif

    s = ps->p;
    p = s;
    esc = 0;
    sur = 0;
    nul = 0;

    for ( ;; ) {

#if (IL_JSON_SWAR)
        for ( ;; ) {
            memcpy(&w, p, sizeof(uint64_t));
            m = il_json_special(w);

            if (m != 0) {
                p += __builtin_ctzll(m) >> 3;
                break;
            }

            p += sizeof(uint64_t);
        }
#else
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
            p++;
        }
#endif

        c = *p;

        if (c == '"') {
            break;
        }

        if (c == '\\') {
            c = p[1];

            if (c == 'u') {
                k = il_json_hex(p + 2, &cp);

                if (k != 0) {
                    return il_json_bad_escape(ps, p + 2 + (k - 1),
                                              IL_JSON_IN_STRING);
                }

                p += 6;
                esc = 1;

                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (p[0] == '\\' && p[1] == 'u'
                        && il_json_hex(p + 2, &lo) == 0
                        && lo >= 0xdc00 && lo <= 0xdfff)
                    {
                        p += 6;

                    } else {
                        sur = 1;
                    }

                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    sur = 1;

                } else if (cp == 0) {
                    nul = 1;
                }

                continue;
            }

            if (il_json_escapes[c] == 0) {
                return il_json_bad_escape(ps, p + 1, IL_JSON_ESCAPED);
            }

            p += 2;
            esc = 1;
            continue;
        }

        if (c >= 0x80) {
            n = il_json_utf8(ps, p, IL_JSON_IN_STRING);
            if (n == 0) {
                return -1;
            }

            p += n;
            continue;
        }

        if (p == ps->end) {
            ps->at_end = 1;
            return il_json_fail(ps, IL_JSON_E_END, p);
        }

        return il_json_fail(ps, IL_JSON_E_CONTROL, p);
    }

    ps->p = p + 1;

    if (sur) {
        return il_json_fail(ps, IL_JSON_E_SURROGATE, p + 1);
    }

    ps->tok = IL_JSON_T_STRING;
    ps->str_nul = nul;

    if (esc) {
        return il_json_unescape(ps, s, p);
    }

    ps->buf[p - ps->buf] = '\0';
    ps->str = (const char *) s;
    ps->str_len = p - s;

    return 0;
}


/*
 * Four hex digits: 0 and the code unit, or how many digits came before
 * the one that is not (1 to 4, so the caller can point at it).
 */

static int
il_json_hex(const unsigned char *p, unsigned *cp)
{
    int       i;
    unsigned  d, v;

    v = 0;
    *cp = 0;

    for (i = 0; i < 4; i++) {
        d = il_json_xdigit[p[i]];

        if (d == 0) {
            return i + 1;
        }

        v = v << 4 | (d - 1);
    }

    *cp = v;

    return 0;
}


/* An escape is refused after the character that spoils it was read. */

static int
il_json_bad_escape(il_json_ps_t *ps, const unsigned char *q, unsigned state)
{
    size_t  n;

    if (q == ps->end) {
        ps->at_end = 1;
        return il_json_fail(ps, IL_JSON_E_ESCAPE, q);
    }

    if (*q >= 0x80) {
        n = il_json_utf8(ps, q, state);
        if (n == 0) {
            return -1;
        }

        return il_json_fail(ps, IL_JSON_E_ESCAPE, q + n);
    }

    return il_json_fail(ps, IL_JSON_E_ESCAPE, q + 1);
}


/* Decodes a checked string with escapes, s to e, into the arena. */

static int
il_json_unescape(il_json_ps_t *ps, const unsigned char *s,
    const unsigned char *e)
{
    char                 *d, *start;
    unsigned              cp, lo;
    const unsigned char  *q;

    d = il_arena_alloc(ps->a, (e - s) + 1);
    if (d == NULL) {
        ps->err = IL_JSON_E_NOMEM;
        return -1;
    }

    start = d;

    while (s < e) {
        if (*s != '\\') {
            q = memchr(s, '\\', e - s);
            if (q == NULL) {
                q = e;
            }

            memcpy(d, s, q - s);
            d += q - s;
            s = q;
            continue;
        }

        if (s[1] != 'u') {
            *d++ = (char) il_json_escapes[s[1]];
            s += 2;
            continue;
        }

        (void) il_json_hex(s + 2, &cp);
        s += 6;

        if (cp >= 0xd800 && cp <= 0xdbff) {
            (void) il_json_hex(s + 2, &lo);
            s += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }

        if (cp < 0x80) {
            *d++ = (char) cp;

        } else if (cp < 0x800) {
            *d++ = (char) (0xc0 | cp >> 6);
            *d++ = (char) (0x80 | (cp & 0x3f));

        } else if (cp < 0x10000) {
            *d++ = (char) (0xe0 | cp >> 12);
            *d++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *d++ = (char) (0x80 | (cp & 0x3f));

        } else {
            *d++ = (char) (0xf0 | cp >> 18);
            *d++ = (char) (0x80 | ((cp >> 12) & 0x3f));
            *d++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *d++ = (char) (0x80 | (cp & 0x3f));
        }
    }

    *d = '\0';

    ps->str = start;
    ps->str_len = d - start;

    return 0;
}


/*
 * A number the way the lexer before read it: a leading zero followed by
 * a digit, a '-' alone, a '.' or an exponent without digits end the
 * token as invalid, where it stood; integers beyond 64 bits and reals
 * beyond a double are out of range, tiny reals go to zero as strtod()
 * takes them.
 */

static int
il_json_number(il_json_ps_t *ps, const unsigned char *p)
{
    int                   neg, real;
    size_t                n;
    uint64_t              u;
    const unsigned char  *s, *digits;

    s = p;
    real = 0;
    neg = (*p == '-');

    if (neg) {
        p++;
    }

    digits = p;

    if (*p == '0') {
        p++;

        if (il_json_digit(*p)) {
            /* the digit was read and given back */
            ps->p = p;
            ps->tok = IL_JSON_T_INVALID;
            return 0;
        }

    } else if (il_json_digit(*p)) {
        do {
            p++;
        } while (il_json_digit(*p));

    } else {
        goto invalid;
    }

    if (*p == '.') {
        p++;

        if (!il_json_digit(*p)) {
            goto invalid;
        }

        do {
            p++;
        } while (il_json_digit(*p));

        real = 1;
    }

    if (*p == 'e' || *p == 'E') {
        p++;

        if (*p == '+' || *p == '-') {
            p++;
        }

        if (!il_json_digit(*p)) {
            goto invalid;
        }

        do {
            p++;
        } while (il_json_digit(*p));

        real = 1;
    }

    /* the byte after the number was read to see that it ended */
    if (il_json_peek(ps, p) != 0) {
        return -1;
    }

    ps->p = p;

    if (!real) {
        n = p - digits;

        /* no leading zeros: 20 digits or more exceed 2^63 */
        if (n > 19) {
            return il_json_fail(ps, IL_JSON_E_RANGE, p);
        }

        for (u = 0; digits < p; digits++) {
            u = u * 10 + (*digits - '0');
        }

        if (u > (uint64_t) INT64_MAX + neg) {
            return il_json_fail(ps, IL_JSON_E_RANGE, p);
        }

        ps->tok = IL_JSON_T_INTEGER;
        ps->integer = neg ? (long long) (0 - u) : (long long) u;

        return 0;
    }

    /*
     * strtod() stops where the JSON number stops: the byte after it can
     * continue no number strtod() reads (no "0x" start, no digit left).
     * nginx leaves LC_NUMERIC at "C", so the point is '.'.
     */

    errno = 0;
    ps->real = strtod((const char *) s, NULL);

    if ((ps->real == HUGE_VAL || ps->real == -HUGE_VAL) && errno == ERANGE) {
        return il_json_fail(ps, IL_JSON_E_RANGE, p);
    }

    ps->tok = IL_JSON_T_REAL;

    return 0;

invalid:

    if (il_json_peek(ps, p) != 0) {
        return -1;
    }

    ps->p = p;
    ps->tok = IL_JSON_T_INVALID;

    return 0;
}


static int
il_json_word(il_json_ps_t *ps, const unsigned char *p)
{
    size_t                n;
    const unsigned char  *s;

    s = p;

    while (il_json_alpha[*p]) {
        p++;
    }

    if (il_json_peek(ps, p) != 0) {
        return -1;
    }

    ps->p = p;
    n = p - s;

    if (n == 4 && memcmp(s, "true", 4) == 0) {
        ps->tok = IL_JSON_T_TRUE;

    } else if (n == 5 && memcmp(s, "false", 5) == 0) {
        ps->tok = IL_JSON_T_FALSE;

    } else if (n == 4 && memcmp(s, "null", 4) == 0) {
        ps->tok = IL_JSON_T_NULL;

    } else {
        ps->tok = IL_JSON_T_INVALID;
    }

    return 0;
}


/*
 * The character after a token is read to see the token end: at the end
 * of the text that read reaches it, and a character beyond ASCII is read
 * whole, so a broken one is refused there.
 */

static int
il_json_peek(il_json_ps_t *ps, const unsigned char *p)
{
    if (p == ps->end) {
        ps->at_end = 1;
        return 0;
    }

    if (*p >= 0x80 && il_json_utf8(ps, p, IL_JSON_OUTSIDE) == 0) {
        return -1;
    }

    return 0;
}


/*
 * The length of the character at p (a byte beyond ASCII), or 0 when it is
 * not UTF-8.  The lexer before read as many bytes as the first announced
 * and then judged them; the scanner before it named the first byte that
 * could not belong, and that is where the refusal stands.
 */

static size_t
il_json_utf8(il_json_ps_t *ps, const unsigned char *p, unsigned state)
{
    size_t         n, k;
    unsigned char  c, lo, hi;

    c = p[0];
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = (c == 0xe0) ? 0xa0 : 0x80;
        hi = (c == 0xed) ? 0x9f : 0xbf;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = (c == 0xf0) ? 0x90 : 0x80;
        hi = (c == 0xf4) ? 0x8f : 0xbf;

    } else {
        /* a continuation byte on its own counts as a character there */
        ps->err_stray = ((c & 0xc0) == 0x80);
        il_json_fail(ps, IL_JSON_E_UTF8, p);
        return 0;
    }

    if (ps->cut && (size_t) (ps->end - p) < n) {
        /* the bytes read whole reach the cut, whatever they hold */
        ps->at_end = 1;
        il_json_fail(ps, IL_JSON_E_UTF8, p);
        return 0;
    }

    for (k = 1; k < n; k++) {
        if (p + k == ps->end) {
            /* the text ends inside the character */
            il_json_fail(ps, IL_JSON_E_UTF8, ps->end);
            return 0;
        }

        if (p[k] < lo || p[k] > hi) {
            il_json_blind(ps, p, n, state);
            il_json_fail(ps, IL_JSON_E_UTF8, p + k);
            return 0;
        }

        lo = 0x80;
        hi = 0xbf;
    }

    return n;
}


/*
 * The bytes of a broken character that the lexer before read all the
 * same, passed through the scanner in front of it: if they hold the
 * bracket past the depth limit, that is where the body was cut.  Outside
 * a string, the depth there is the parser's own.
 */

static void
il_json_blind(il_json_ps_t *ps, const unsigned char *p, size_t n,
    unsigned state)
{
    size_t         k;
    unsigned       depth, in_string, escape;
    unsigned char  c;

    depth = ps->depth;
    in_string = (state != IL_JSON_OUTSIDE);
    escape = (state == IL_JSON_ESCAPED);

    for (k = 1; k < n && p + k < ps->end; k++) {
        c = p[k];

        if (c >= 0x80) {
            continue;
        }

        if (in_string) {
            if (escape) {
                escape = 0;

            } else if (c == '"') {
                in_string = 0;

            } else if (c == '\\') {
                escape = 1;
            }

            continue;
        }

        if (c == '"') {
            in_string = 1;

        } else if (c == '[' || c == '{') {
            if (++depth > IL_JSON_DEPTH_MAX) {
                ps->end = p + k;
                ps->cut = 1;
                ps->at_end = 1;
                return;
            }

        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
}


/* A token where it does not belong; the end of the text is just that. */

static int
il_json_syntax(il_json_ps_t *ps, il_json_err_e e)
{
    if (ps->tok == IL_JSON_T_EOF
        || (ps->tok == IL_JSON_T_INVALID && ps->tok_nul))
    {
        e = IL_JSON_E_END;
    }

    return il_json_fail(ps, e, ps->p);
}


/*
 * Records the first refusal.  at is where it is reported: for most, the
 * position after what was read; for UTF-8, the byte found bad; for a
 * control character, the character.  Once the reading has met the cut,
 * every refusal is the nesting.
 */

static int
il_json_fail(il_json_ps_t *ps, il_json_err_e e, const unsigned char *at)
{
    if (ps->err != IL_JSON_E_NONE) {
        return -1;
    }

    if (ps->cut && ps->at_end) {
        e = IL_JSON_E_DEEP;
        at = ps->end + 1;
    }

    ps->err = e;
    ps->err_pos = at - ps->buf;

    return -1;
}


static void
il_json_message(il_json_ps_t *ps, char *err, size_t errlen)
{
    int  line, column;

    switch (ps->err) {

    case IL_JSON_E_NONE:
    case IL_JSON_E_NOMEM:
        snprintf(err, errlen, IL_JSON_UNREAD);
        return;

    case IL_JSON_E_DEEP:
        il_json_where(ps->buf, ps->err_pos, &line, &column);
        snprintf(err, errlen,
                 "Invalid JSON: nesting deeper than %d levels at line %d, "
                 "column %d.", IL_JSON_DEPTH_MAX, line, column);
        return;

    case IL_JSON_E_UTF8:
        if (ps->err_pos >= ps->len) {
            il_json_where(ps->buf, ps->len, &line, &column);

        } else {
            /* the bad byte itself counts */
            il_json_where(ps->buf, ps->err_pos + 1, &line, &column);
            column += ps->err_stray;
        }

        break;

    case IL_JSON_E_CONTROL:
        il_json_where(ps->buf, ps->err_pos, &line, &column);
        column++;
        break;

    default:
        il_json_where(ps->buf, ps->err_pos, &line, &column);
        break;
    }

    snprintf(err, errlen, "Invalid JSON: %s at line %d, column %d.",
             il_json_what[ps->err], line, column);
}


/*
 * Line and column after the first n bytes: columns count characters, so
 * continuation bytes do not count.  Closing quotes the parser turned into
 * NULs and the cut count as the bytes they were.
 */

static void
il_json_where(const unsigned char *buf, size_t n, int *line, int *column)
{
    int     l, c;
    size_t  i;

    l = 1;
    c = 0;

    for (i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            l++;
            c = 0;

        } else if ((buf[i] & 0xc0) != 0x80) {
            c++;
        }
    }

    *line = l;
    *column = c;
}
