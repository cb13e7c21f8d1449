
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The strict body parser, il_json_parse_buf() and il_json_parse(), over
 * any bytes, with jansson as the reference.  A body is parsed whole into
 * an arena kept from one input to the next (as a worker keeps one), and
 * in small pieces into an arena that starts on a small caller's buffer:
 * verdict, value and message must not depend on how the body arrives.
 * What the parser accepts, jansson accepts as the same value (same types,
 * numbers to the bit, strings to the byte, members by key), and it holds
 * no raw NUL byte; what jansson accepts and the parser refuses must be
 * nested too deep (or hold a raw NUL, which jansson lets pass after a
 * number or a literal).  Every member is found again by il_value_get().  A
 * read that fails part way is never taken for a body.  Every refusal is
 * a json_invalid sentence that an envelope carries as valid JSON.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "il_json.h"
#include "il_fuzz.h"


#define FZ_PREFIX       "Invalid JSON: "
#define FZ_READ_FAILED  "Invalid JSON: the body could not be read."


typedef struct {
    const char  *buf;
    size_t       len;
    size_t       piece;
    int          fail_after;     /* pieces before a read error; -1: none */
} fz_pieces_t;


static size_t fz_pieces_read(void *buf, size_t size, void *data);
static void fz_same(const il_value_t *v, const json_t *j, int depth);
static void fz_check_message(const char *err, const char *data,
    size_t size);


static il_arena_t  fz_arena;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    il_arena_init(&fz_arena, NULL, 0);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               err1[256], err2[256], err3[256];
    json_t            *j;
    il_arena_t         small;
    fz_pieces_t        p;
    json_error_t       je;
    const il_value_t  *v1, *v2, *v3;

    /* a first chunk of the caller's, as a stack buffer would be */
    char               stack[512];

    err1[0] = '\0';
    err2[0] = '\0';
    err3[0] = '\0';

    il_arena_reset(&fz_arena);

    v1 = il_json_parse_buf(&fz_arena, (const char *) data, size, err1,
                           sizeof(err1));

    IL_FUZZ_CHECK(!fz_arena.nomem);

    /* the piece size varies with the input, from one byte to seven */
    p.buf = (const char *) data;
    p.len = size;
    p.piece = 1 + size % 7;
    p.fail_after = -1;

    il_arena_init(&small, stack, sizeof(stack));

    v2 = il_json_parse(&small, fz_pieces_read, &p, err2, sizeof(err2));

    IL_FUZZ_CHECK((v1 == NULL) == (v2 == NULL));

    /* the flags the parser was written to agree with */
    j = json_loadb((const char *) data, size,
                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
                   &je);

    if (v1 != NULL) {
        /* JSON text has no raw NUL anywhere */
        IL_FUZZ_CHECK(memchr(data, '\0', size) == NULL);

        IL_FUZZ_CHECK(j != NULL);
        fz_same(v1, j, 1);
        fz_same(v2, j, 1);

    } else {
        if (strcmp(err1, err2) != 0) {
            fprintf(stderr, "whole: %s\npieces of %zu: %s\n", err1, p.piece,
                    err2);
        }

        IL_FUZZ_CHECK(strcmp(err1, err2) == 0);

        fz_check_message(err1, (const char *) data, size);

        /* jansson lets a raw NUL pass after a number or a literal */
        if (j != NULL && memchr(data, '\0', size) == NULL) {
            IL_FUZZ_CHECK(strstr(err1, "nesting deeper than") != NULL);
        }
    }

    /*
     * A read that fails part way (as a body in a temporary file may) is
     * never taken for a body, and is reported as such unless the bytes
     * before it were already refused.
     */
    il_arena_reset(&small);

    p.buf = (const char *) data;
    p.len = size;
    p.piece = 1 + size % 5;
    p.fail_after = (int) (size % 3 ? size / p.piece / 2 : 0);

    v3 = il_json_parse(&small, fz_pieces_read, &p, err3, sizeof(err3));

    IL_FUZZ_CHECK(v3 == NULL);

    if (strcmp(err3, FZ_READ_FAILED) != 0) {
        IL_FUZZ_CHECK(v1 == NULL && strcmp(err1, err3) == 0);
    }

    il_arena_free(&small);
    json_decref(j);

    return 0;
}


static size_t
fz_pieces_read(void *buf, size_t size, void *data)
{
    size_t        n;
    fz_pieces_t  *p;

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


/* The parser's value is jansson's, down to the bit. */

static void
fz_same(const il_value_t *v, const json_t *j, int depth)
{
    size_t              i;
    const json_t       *jv;
    const il_member_t  *m;

    switch (v->type) {

    case IL_VALUE_NULL:
        IL_FUZZ_CHECK(json_is_null(j));
        break;

    case IL_VALUE_FALSE:
        IL_FUZZ_CHECK(json_is_false(j));
        break;

    case IL_VALUE_TRUE:
        IL_FUZZ_CHECK(json_is_true(j));
        break;

    case IL_VALUE_INTEGER:
        IL_FUZZ_CHECK(json_is_integer(j));
        IL_FUZZ_CHECK(v->u.i == json_integer_value(j));
        break;

    case IL_VALUE_REAL:
        IL_FUZZ_CHECK(json_is_real(j));
        IL_FUZZ_CHECK(v->u.d == json_real_value(j));
        IL_FUZZ_CHECK(!signbit(v->u.d) == !signbit(json_real_value(j)));
        break;

    case IL_VALUE_STRING:
        IL_FUZZ_CHECK(json_is_string(j));
        IL_FUZZ_CHECK(v->len == json_string_length(j));
        IL_FUZZ_CHECK(memcmp(v->u.s, json_string_value(j), v->len) == 0);
        IL_FUZZ_CHECK(v->u.s[v->len] == '\0');
        break;

    case IL_VALUE_ARRAY:
        IL_FUZZ_CHECK(depth <= IL_JSON_DEPTH_MAX);
        IL_FUZZ_CHECK(json_is_array(j));
        IL_FUZZ_CHECK(v->len == json_array_size(j));

        for (i = 0; i < v->len; i++) {
            fz_same(&v->u.items[i], json_array_get(j, i), depth + 1);
        }

        break;

    case IL_VALUE_OBJECT:
        IL_FUZZ_CHECK(depth <= IL_JSON_DEPTH_MAX);
        IL_FUZZ_CHECK(json_is_object(j));
        IL_FUZZ_CHECK(v->len == json_object_size(j));

        for (i = 0; i < v->len; i++) {
            m = &v->u.members[i];

            IL_FUZZ_CHECK(m->key[m->len] == '\0');
            IL_FUZZ_CHECK(memchr(m->key, '\0', m->len) == NULL);
            IL_FUZZ_CHECK(il_value_get(v, m->key, m->len) == &m->value);

            jv = json_object_getn(j, m->key, m->len);
            IL_FUZZ_CHECK(jv != NULL);

            fz_same(&m->value, jv, depth + 1);
        }

        break;

    default:
        IL_FUZZ_CHECK(0);
    }
}


/*
 * "Invalid JSON: what at line L, column C.": L and C within the body, and
 * the sentence fits an envelope.
 */

static void
fz_check_message(const char *err, const char *data, size_t size)
{
    int          line, column;
    size_t       len, lines, i;
    const char  *at;

    len = strlen(err);

    IL_FUZZ_CHECK(len > sizeof(FZ_PREFIX));
    IL_FUZZ_CHECK(len < 255);
    IL_FUZZ_CHECK(strncmp(err, FZ_PREFIX, sizeof(FZ_PREFIX) - 1) == 0);
    IL_FUZZ_CHECK(err[len - 1] == '.');
    IL_FUZZ_CHECK(il_fuzz_utf8(err, len));

    at = strstr(err, " at line ");

    if (at != NULL) {
        IL_FUZZ_CHECK(sscanf(at, " at line %d, column %d.", &line, &column)
                      == 2);

        lines = 1;

        for (i = 0; i < size; i++) {
            lines += (data[i] == '\n');
        }

        IL_FUZZ_CHECK(line >= 1 && (size_t) line <= lines);
        IL_FUZZ_CHECK(column >= 0 && (size_t) column <= size + 1);
    }

    il_fuzz_check_envelope("json_invalid", 12, err, len, NULL);
}
