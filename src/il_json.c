
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdio.h>
#include <string.h>

#include "il_json.h"


#define IL_JSON_READ_ERROR  ((size_t) -1)


typedef enum {
    IL_JSON_OK = 0,
    IL_JSON_DEEP,                    /* nesting past IL_JSON_DEPTH_MAX */
    IL_JSON_READ                     /* the supplier failed */
} il_json_stop_e;


typedef struct {
    il_json_read_pt  read;
    void            *data;

    /* the scanner: where bytes stand as they pass to jansson */
    unsigned         depth;
    unsigned         in_string:1;
    unsigned         escape:1;
    unsigned         seen_value:1;   /* a byte other than white space */
    unsigned         bad_utf8:1;
    unsigned         utf8_need:2;    /* continuation bytes to come */
    unsigned char    utf8_lo;        /* the next one's range */
    unsigned char    utf8_hi;
    int              line;
    int              column;
    int              bad_line;
    int              bad_column;

    unsigned char    head[3];        /* the first bytes, for the BOM */
    size_t           nhead;

    il_json_stop_e   stop;           /* found in the bytes held back */
    int              stop_line;
    int              stop_column;
    unsigned         stop_sent:1;    /* jansson has read up to the stop */
} il_json_ctx_t;


typedef struct {
    const char  *buf;
    size_t       len;
} il_json_mem_t;


/* What the scanner tells apart; everything else is ordinary. */
enum {
    IL_JSON_C_PLAIN = 0,
    IL_JSON_C_SPACE,
    IL_JSON_C_QUOTE,
    IL_JSON_C_ESCAPE,
    IL_JSON_C_OPEN,
    IL_JSON_C_CLOSE,
    IL_JSON_C_HIGH
};


static size_t il_json_feed(void *buf, size_t size, void *data);
static size_t il_json_scan(il_json_ctx_t *ctx, const unsigned char *p,
    size_t n);
static int il_json_utf8(il_json_ctx_t *ctx, unsigned char c);
static void il_json_where(const unsigned char *p, size_t i, int line,
    int column, int *pline, int *pcolumn);
static size_t il_json_mem_read(void *buf, size_t size, void *data);


#define IL_JSON_H8  IL_JSON_C_HIGH, IL_JSON_C_HIGH, IL_JSON_C_HIGH,           \
                    IL_JSON_C_HIGH, IL_JSON_C_HIGH, IL_JSON_C_HIGH,           \
                    IL_JSON_C_HIGH, IL_JSON_C_HIGH
#define IL_JSON_H64 IL_JSON_H8, IL_JSON_H8, IL_JSON_H8, IL_JSON_H8,           \
                    IL_JSON_H8, IL_JSON_H8, IL_JSON_H8, IL_JSON_H8

/* Inside a string only these bytes need a look. */
static const unsigned char  il_json_in_string[256] = {
    ['"'] = 1, ['\\'] = 1,
    [0x80] = IL_JSON_H64, IL_JSON_H64
};

static const unsigned char  il_json_class[256] = {
    ['\t'] = IL_JSON_C_SPACE, ['\n'] = IL_JSON_C_SPACE,
    ['\r'] = IL_JSON_C_SPACE, [' '] = IL_JSON_C_SPACE,
    ['"'] = IL_JSON_C_QUOTE, ['\\'] = IL_JSON_C_ESCAPE,
    ['['] = IL_JSON_C_OPEN, ['{'] = IL_JSON_C_OPEN,
    [']'] = IL_JSON_C_CLOSE, ['}'] = IL_JSON_C_CLOSE,
    [0x80] = IL_JSON_H64, IL_JSON_H64
};
static const char *il_json_what(const json_error_t *e);
static int il_json_control(const json_error_t *e);


/* A raw control character (a newline too) inside a string. */

static int
il_json_control(const json_error_t *e)
{
    return json_error_code(e) == json_error_invalid_syntax
           && (strncmp(e->text, "control character", 17) == 0
               || strncmp(e->text, "unexpected newline", 18) == 0);
}


json_t *
il_json_parse(il_json_read_pt read, void *data, char *err, size_t errlen)
{
    json_t         *json;
    il_json_ctx_t   ctx;
    json_error_t    e;

    memset(&ctx, 0, sizeof(il_json_ctx_t));
    ctx.read = read;
    ctx.data = data;
    ctx.line = 1;

    /* "\u0000" is valid JSON in a string value (jansson refuses it only
     * in keys); the validator measures strings by length, not by NUL */

    json = json_load_callback(il_json_feed, &ctx,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_ANY
                              | JSON_ALLOW_NUL, &e);
    if (json != NULL) {
        return json;
    }

    if (ctx.stop_sent && ctx.stop == IL_JSON_READ) {
        snprintf(err, errlen, "Invalid JSON: the body could not be read.");

    } else if (ctx.nhead == 3 && ctx.head[0] == 0xef && ctx.head[1] == 0xbb
               && ctx.head[2] == 0xbf)
    {
        snprintf(err, errlen,
                 "Invalid JSON: a byte-order mark at line 1, column 1.");

    } else if (ctx.stop_sent && ctx.stop == IL_JSON_DEEP) {
        snprintf(err, errlen,
                 "Invalid JSON: nesting deeper than %d levels at line %d, "
                 "column %d.", IL_JSON_DEPTH_MAX, ctx.stop_line,
                 ctx.stop_column);

    } else if (!ctx.seen_value) {
        snprintf(err, errlen, "Invalid JSON: the body is empty.");

    } else if (json_error_code(&e) == json_error_invalid_utf8
               && ctx.bad_utf8)
    {
        /* jansson counts the column before the byte it could not read */
        snprintf(err, errlen,
                 "Invalid JSON: invalid UTF-8 at line %d, column %d.",
                 ctx.bad_line, ctx.bad_column);

    } else if (il_json_control(&e)) {
        /* jansson counts the column before the character it refused */
        snprintf(err, errlen, "Invalid JSON: %s at line %d, column %d.",
                 il_json_what(&e), e.line, e.column + 1);

    } else {
        snprintf(err, errlen, "Invalid JSON: %s at line %d, column %d.",
                 il_json_what(&e), e.line, e.column);
    }

    return NULL;
}


json_t *
il_json_parse_buf(const char *buf, size_t len, char *err, size_t errlen)
{
    il_json_mem_t  m;

    m.buf = buf;
    m.len = len;

    return il_json_parse(il_json_mem_read, &m, err, errlen);
}


static size_t
il_json_mem_read(void *buf, size_t size, void *data)
{
    size_t          n;
    il_json_mem_t  *m;

    m = data;
    n = m->len < size ? m->len : size;

    memcpy(buf, m->buf, n);
    m->buf += n;
    m->len -= n;

    return n;
}


/*
 * jansson's reader.  Each piece is scanned before jansson sees it, so a
 * body nested too deep is cut at the bracket that goes too far: jansson
 * then meets the end of its input there, unless it found an earlier error
 * in the bytes before, which is then the one reported.
 */

static size_t
il_json_feed(void *buf, size_t size, void *data)
{
    size_t          n, i;
    il_json_ctx_t  *ctx;

    ctx = data;

    if (ctx->stop != IL_JSON_OK) {
        ctx->stop_sent = 1;
        return IL_JSON_READ_ERROR;
    }

    n = ctx->read(buf, size, ctx->data);

    if (n == IL_JSON_READ_ERROR) {
        ctx->stop = IL_JSON_READ;
        ctx->stop_sent = 1;
        return IL_JSON_READ_ERROR;
    }

    if (n == 0 && ctx->utf8_need && !ctx->bad_utf8) {
        /* the input ends inside a character */
        ctx->bad_utf8 = 1;
        ctx->bad_line = ctx->line;
        ctx->bad_column = ctx->column;
    }

    for (i = 0; i < n && ctx->nhead < 3; i++) {
        ctx->head[ctx->nhead++] = ((unsigned char *) buf)[i];
    }

    if (n > 0) {
        n = il_json_scan(ctx, buf, n);
    }

    if (n == 0 && ctx->stop != IL_JSON_OK) {
        ctx->stop_sent = 1;
        return IL_JSON_READ_ERROR;
    }

    return n;
}


/*
 * Returns how many of the n bytes may pass.  Everything the loop needs is
 * kept in locals; lines are counted as newlines pass, columns over a
 * piece only when it holds bytes beyond ASCII.
 */

static size_t
il_json_scan(il_json_ctx_t *ctx, const unsigned char *p, size_t n)
{
    int            line, column, lines;
    size_t         i, nl;
    unsigned       depth, in_string, escape, seen, high, need;
    unsigned char  c, k;

    line = ctx->line;
    column = ctx->column;
    depth = ctx->depth;
    in_string = ctx->in_string;
    escape = ctx->escape;
    seen = ctx->seen_value;
    need = ctx->utf8_need;

    high = 0;
    lines = 0;
    nl = (size_t) -1;

    for (i = 0; i < n; i++) {
        c = p[i];
        k = il_json_class[c];

        if (k == IL_JSON_C_HIGH || need) {
            high = 1;
            seen = 1;

            if (!ctx->bad_utf8 && il_json_utf8(ctx, c) != 0) {
                il_json_where(p, i, line, column, &ctx->bad_line,
                              &ctx->bad_column);

                /* a stray continuation byte has no column of its own */
                if ((c & 0xc0) == 0x80 && !ctx->utf8_need) {
                    ctx->bad_column++;
                }
            }

            need = ctx->bad_utf8 ? 0 : ctx->utf8_need;

            if (k == IL_JSON_C_HIGH) {
                continue;
            }
        }

        if (in_string) {
            if (escape) {
                escape = 0;

            } else if (k == IL_JSON_C_QUOTE) {
                in_string = 0;

            } else if (k == IL_JSON_C_ESCAPE) {
                escape = 1;

            } else {
                /* the run of ordinary ASCII that makes most strings */
                while (i + 1 < n && il_json_in_string[p[i + 1]] == 0) {
                    i++;
                }
            }

            continue;
        }

        switch (k) {

        case IL_JSON_C_SPACE:
            if (c == '\n') {
                lines++;
                nl = i;
            }

            continue;

        case IL_JSON_C_QUOTE:
            in_string = 1;
            break;

        case IL_JSON_C_OPEN:
            if (++depth > IL_JSON_DEPTH_MAX) {
                ctx->stop = IL_JSON_DEEP;
                il_json_where(p, i, line, column, &ctx->stop_line,
                              &ctx->stop_column);
                n = i;
                goto done;
            }

            break;

        case IL_JSON_C_CLOSE:
            if (depth > 0) {
                depth--;
            }

            break;
        }

        seen = 1;
    }

    if (high) {
        il_json_where(p, n - 1, line, column, &ctx->line, &ctx->column);

    } else {
        ctx->line = line + lines;
        ctx->column = (nl == (size_t) -1) ? column + (int) n
                                          : (int) (n - nl - 1);
    }

done:

    ctx->depth = depth;
    ctx->in_string = in_string;
    ctx->escape = escape;
    ctx->seen_value = seen;

    return n;
}


/*
 * Line and column of p[i], counting from line and column before p[0]:
 * columns count characters, as jansson's do.
 */

static void
il_json_where(const unsigned char *p, size_t i, int line, int column,
    int *pline, int *pcolumn)
{
    size_t  k, start;

    start = 0;

    for (k = 0; k <= i; k++) {
        if (p[k] == '\n') {
            line++;
            start = k + 1;
        }
    }

    if (start > 0) {
        column = 0;
    }

    for (k = start; k <= i; k++) {
        column += ((p[k] & 0xc0) != 0x80);
    }

    *pline = line;
    *pcolumn = column;
}


/* Finds where the first byte that is not UTF-8 stands. */

static int
il_json_utf8(il_json_ctx_t *ctx, unsigned char c)
{
    if (ctx->utf8_need) {
        if (c < ctx->utf8_lo || c > ctx->utf8_hi) {
            /* the character it should have finished is the bad one */
            ctx->bad_utf8 = 1;
            return -1;
        }

        ctx->utf8_need--;
        ctx->utf8_lo = 0x80;
        ctx->utf8_hi = 0xbf;
        return 0;
    }

    ctx->utf8_lo = 0x80;
    ctx->utf8_hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        ctx->utf8_need = 1;

    } else if (c >= 0xe0 && c <= 0xef) {
        ctx->utf8_need = 2;

        /* no overlong forms, no UTF-16 surrogates */
        if (c == 0xe0) {
            ctx->utf8_lo = 0xa0;

        } else if (c == 0xed) {
            ctx->utf8_hi = 0x9f;
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        ctx->utf8_need = 3;

        if (c == 0xf0) {
            ctx->utf8_lo = 0x90;

        } else if (c == 0xf4) {
            ctx->utf8_hi = 0x8f;
        }

    } else {
        ctx->bad_utf8 = 1;
        return -1;
    }

    return 0;
}


/*
 * Our own words for what jansson found.  Its error codes separate most
 * cases; syntax errors share one code, so its fixed texts tell them apart.
 */

static const char *
il_json_what(const json_error_t *e)
{
    switch (json_error_code(e)) {

    case json_error_invalid_utf8:
        return "invalid UTF-8";

    case json_error_premature_end_of_input:
        return "unexpected end of input";

    case json_error_end_of_input_expected:
        return "unexpected data after the value";

    case json_error_null_character:
        return "\\u0000 in a string";

    case json_error_null_byte_in_key:
        return "\\u0000 in an object key";

    case json_error_duplicate_key:
        return "duplicate object key";

    case json_error_numeric_overflow:
        return "number out of range";

    case json_error_invalid_syntax:
        break;

    default:
        return "unreadable input";
    }

    if (strncmp(e->text, "invalid Unicode", 15) == 0) {
        return "a \\u escape that is a lone surrogate";
    }

    if (il_json_control(e)) {
        return "an unescaped control character in a string";
    }

    if (strncmp(e->text, "invalid escape", 14) == 0) {
        return "an invalid escape in a string";
    }

    if (strncmp(e->text, "':' expected", 12) == 0) {
        return "':' expected after an object key";
    }

    if (strncmp(e->text, "string or '}' expected", 22) == 0) {
        return "an object key or '}' expected";
    }

    if (strncmp(e->text, "'}' expected", 12) == 0) {
        return "',' or '}' expected";
    }

    if (strncmp(e->text, "']' expected", 12) == 0) {
        return "',' or ']' expected";
    }

    if (strncmp(e->text, "invalid token", 13) == 0) {
        return "an invalid literal or number";
    }

    if (strncmp(e->text, "unexpected token", 16) == 0
        && strstr(e->text, "end of file") != NULL)
    {
        return "unexpected end of input";
    }

    return "an unexpected character";
}
