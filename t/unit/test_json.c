
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdlib.h>

#include "il_json.h"
#include "il_test.h"


/* One arena for every parse, reset before each, as a worker keeps one. */
static il_arena_t  arena;


/* Hands out a buffer in pieces of at most "piece" bytes. */
typedef struct {
    const char  *buf;
    size_t       len;
    size_t       piece;
    int          fail_after;      /* pieces before a read error, or -1 */
} il_pieces_t;


static size_t
pieces_read(void *buf, size_t size, void *data)
{
    size_t        n;
    il_pieces_t  *p;

    p = data;

    if (p->fail_after == 0) {
        return (size_t) -1;
    }

    if (p->fail_after > 0) {
        p->fail_after--;
    }

    n = p->len < size ? p->len : size;
    n = n < p->piece ? n : p->piece;

    memcpy(buf, p->buf, n);
    p->buf += n;
    p->len -= n;

    return n;
}


/* The parse error for len bytes, or "ok" when they parse. */

static const char *
parse_error(const char *s, size_t len, size_t piece)
{
    il_pieces_t        p;
    const il_value_t  *j;
    static char        err[256];

    p.buf = s;
    p.len = len;
    p.piece = piece;
    p.fail_after = -1;

    err[0] = '\0';
    il_arena_reset(&arena);

    j = piece ? il_json_parse(&arena, pieces_read, &p, err, sizeof(err))
              : il_json_parse_buf(&arena, s, len, err, sizeof(err));

    if (j != NULL) {
        return "ok";
    }

    return err;
}


#define PARSE(s)        parse_error(s, sizeof(s) - 1, 0)
#define PARSE_BY(s, n)  parse_error(s, sizeof(s) - 1, n)


static char *
nested(size_t depth, const char *open, const char *close)
{
    char    *s;
    size_t   i;

    s = malloc(depth * 2 + 1);

    for (i = 0; i < depth; i++) {
        s[i] = open[i % 2];
        s[depth * 2 - 1 - i] = close[i % 2];
    }

    s[depth * 2] = '\0';

    return s;
}


int
main(void)
{
    char               *s, big[256];
    il_pieces_t         p;
    const il_value_t   *j;
    char                err[256];

    il_arena_init(&arena, NULL, 0);

    /* accepted */
    IL_CHECK_STR(PARSE("{\"a\": [1, 2.5, \"x\", null, true]}"), "ok");
    IL_CHECK_STR(PARSE("  \"just a string\"  "), "ok");
    IL_CHECK_STR(PARSE("[\"\\ud83d\\ude00\", \"caf\xc3\xa9\"]"), "ok");
    IL_CHECK_STR(PARSE("-9223372036854775808"), "ok");
    IL_CHECK_STR(PARSE("{\"deep\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                       "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[\"}"), "ok");

    j = il_json_parse_buf(&arena, "{\"k\": 1.0}", 10, err, sizeof(err));
    IL_CHECK(j != NULL && il_value_get(j, "k", 1) != NULL
             && il_value_get(j, "k", 1)->type == IL_VALUE_REAL);

    /* refused, each with where it broke */
    IL_CHECK_STR(PARSE(""), "Invalid JSON: the body is empty.");
    IL_CHECK_STR(PARSE(" \r\n\t "), "Invalid JSON: the body is empty.");

    IL_CHECK_STR(PARSE("{\"a\":}"),
                 "Invalid JSON: an unexpected character at line 1, "
                 "column 6.");
    IL_CHECK_STR(PARSE("{\"a\":1,}"),
                 "Invalid JSON: an object key or '}' expected at line 1, "
                 "column 8.");
    IL_CHECK_STR(PARSE("{\"a\" 1}"),
                 "Invalid JSON: ':' expected after an object key at line 1, "
                 "column 6.");
    IL_CHECK_STR(PARSE("[1 2]"),
                 "Invalid JSON: ',' or ']' expected at line 1, column 4.");
    IL_CHECK_STR(PARSE("{\n  \"a\": tru\n}"),
                 "Invalid JSON: an invalid literal or number at line 2, "
                 "column 10.");
    IL_CHECK_STR(PARSE("[01]"),
                 "Invalid JSON: an invalid literal or number at line 1, "
                 "column 2.");
    IL_CHECK_STR(PARSE("[1"),
                 "Invalid JSON: unexpected end of input at line 1, "
                 "column 2.");
    IL_CHECK_STR(PARSE("\"abc"),
                 "Invalid JSON: unexpected end of input at line 1, "
                 "column 4.");
    IL_CHECK_STR(PARSE("[\"a\\x\"]"),
                 "Invalid JSON: an invalid escape in a string at line 1, "
                 "column 5.");
    IL_CHECK_STR(PARSE("[\"a\tb\"]"),
                 "Invalid JSON: an unescaped control character in a string "
                 "at line 1, column 4.");
    IL_CHECK_STR(PARSE("[\"a\nb\"]"),
                 "Invalid JSON: an unescaped control character in a string "
                 "at line 1, column 4.");

    IL_CHECK_STR(PARSE("[\"\xff\"]"),
                 "Invalid JSON: invalid UTF-8 at line 1, column 3.");
    IL_CHECK_STR(PARSE("{\"caf\xc3\xa9\": \"\xc0\x80\"}"),
                 "Invalid JSON: invalid UTF-8 at line 1, column 11.");
    IL_CHECK_STR(PARSE("[\"\xed\xa0\x80\"]"),
                 "Invalid JSON: invalid UTF-8 at line 1, column 3.");

    IL_CHECK_STR(PARSE("[\"\\ud800\"]"),
                 "Invalid JSON: a \\u escape that is a lone surrogate at "
                 "line 1, column 9.");
    IL_CHECK_STR(PARSE("[\"\\udc00x\"]"),
                 "Invalid JSON: a \\u escape that is a lone surrogate at "
                 "line 1, column 10.");
    /* \u0000 is valid in a string value; jansson refuses it in a key */
    IL_CHECK_STR(PARSE("[\"a\\u0000b\"]"), "ok");
    IL_CHECK_STR(PARSE("{\"a\\u0000\":1}"),
                 "Invalid JSON: \\u0000 in an object key at line 1, "
                 "column 10.");

    IL_CHECK_STR(PARSE("\xef\xbb\xbf{}"),
                 "Invalid JSON: a byte-order mark at line 1, column 1.");

    IL_CHECK_STR(PARSE("{\"a\":1,\"a\":2}"),
                 "Invalid JSON: duplicate object key at line 1, column 10.");
    IL_CHECK_STR(PARSE("{\"x\":{\"a\":1,\n\"a\":2}}"),
                 "Invalid JSON: duplicate object key at line 2, column 3.");

    IL_CHECK_STR(PARSE("[1e400]"),
                 "Invalid JSON: number out of range at line 1, column 6.");
    IL_CHECK_STR(PARSE("[-1e400]"),
                 "Invalid JSON: number out of range at line 1, column 7.");
    IL_CHECK_STR(PARSE("[1234567890123456789012345678901234567890]"),
                 "Invalid JSON: number out of range at line 1, column 41.");
    IL_CHECK_STR(PARSE("9223372036854775808"),
                 "Invalid JSON: number out of range at line 1, column 19.");

    IL_CHECK_STR(PARSE("{\"a\":1} x"),
                 "Invalid JSON: unexpected data after the value at line 1, "
                 "column 9.");
    IL_CHECK_STR(PARSE("{} {}"),
                 "Invalid JSON: unexpected data after the value at line 1, "
                 "column 4.");

    /* depth: 64 levels pass, the 65th bracket is refused where it stands */
    s = nested(64, "[[", "]]");
    IL_CHECK_STR(parse_error(s, 128, 0), "ok");
    free(s);

    s = nested(65, "[[", "]]");
    IL_CHECK_STR(parse_error(s, 130, 0),
                 "Invalid JSON: nesting deeper than 64 levels at line 1, "
                 "column 65.");
    free(s);

    /* objects count too, and the count survives any piece size */
    s = malloc(65 * 6 + 1);
    s[0] = '\0';

    {
        int  i;

        for (i = 0; i < 65; i++) {
            strcat(s, "{\"a\":");
        }
    }

    IL_CHECK_STR(parse_error(s, strlen(s), 1),
                 "Invalid JSON: nesting deeper than 64 levels at line 1, "
                 "column 321.");
    IL_CHECK_STR(parse_error(s, strlen(s), 7),
                 "Invalid JSON: nesting deeper than 64 levels at line 1, "
                 "column 321.");
    free(s);

    /* a deep body far past jansson's own limit is cut just the same */
    s = nested(100000, "[[", "]]");
    IL_CHECK_STR(parse_error(s, 200000, 4096),
                 "Invalid JSON: nesting deeper than 64 levels at line 1, "
                 "column 65.");
    free(s);

    /* an error before the deep part is the one reported */
    s = malloc(300);
    strcpy(s, "[1,,");
    memset(s + 4, '[', 100);
    s[104] = '\0';
    IL_CHECK_STR(parse_error(s, strlen(s), 0),
                 "Invalid JSON: an unexpected character at line 1, "
                 "column 4.");
    free(s);

    /* pieces: one byte at a time, a BOM split across pieces */
    IL_CHECK_STR(PARSE_BY("{\"title\": \"a\", \"tags\": [\"x\", \"y\"]}", 1),
                 "ok");
    IL_CHECK_STR(PARSE_BY("\xef\xbb\xbf{}", 1),
                 "Invalid JSON: a byte-order mark at line 1, column 1.");
    IL_CHECK_STR(PARSE_BY("[\"caf\xc3", 5),
                 "Invalid JSON: invalid UTF-8 at line 1, column 6.");
    IL_CHECK_STR(PARSE_BY("", 3), "Invalid JSON: the body is empty.");

    /* the supplier fails */
    p.buf = "{\"a\": 1}";
    p.len = 8;
    p.piece = 3;
    p.fail_after = 1;
    IL_CHECK(il_json_parse(&arena, pieces_read, &p, err, sizeof(err))
             == NULL);
    IL_CHECK_STR(err, "Invalid JSON: the body could not be read.");

    /* a message never overruns a short buffer */
    j = il_json_parse_buf(&arena, "[1e400]", 7, big, 20);
    IL_CHECK(j == NULL);
    IL_CHECK_INT(strlen(big), 19);

    il_arena_free(&arena);

    return il_test_result("test_json");
}
