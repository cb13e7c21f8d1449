
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The arena and the values the parser builds in it: chunks kept across
 * resets, a caller's first chunk, lookups in small and indexed objects,
 * decoded strings and numbers, bodies larger than a chunk, and values
 * copied from jansson.
 */


#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

#include "il_json.h"
#include "il_test.h"


typedef struct {
    const char  *buf;
    size_t       len;
    size_t       piece;
} pieces_t;


static size_t
pieces_read(void *buf, size_t size, void *data)
{
    size_t     n;
    pieces_t  *p;

    p = data;
    n = p->len < size ? p->len : size;
    n = n < p->piece ? n : p->piece;

    memcpy(buf, p->buf, n);
    p->buf += n;
    p->len -= n;

    return n;
}


static void
test_arena(void)
{
    char        *p, *q, *first, *big;
    size_t       avail;
    il_arena_t   a;
    char         mem[512];

    il_arena_init(&a, NULL, 0);

    p = il_arena_alloc(&a, 3);
    q = il_arena_alloc(&a, 1);
    IL_CHECK(p != NULL && q != NULL);
    IL_CHECK((uintptr_t) p % 8 == 0 && (uintptr_t) q % 8 == 0);
    IL_CHECK(q - p == 8);

    /* a reset hands out the same memory again */
    first = p;
    il_arena_reset(&a);
    IL_CHECK(il_arena_alloc(&a, 16) == first);

    /* a second chunk is kept too, and found again after a reset */
    big = il_arena_alloc(&a, IL_ARENA_CHUNK);
    IL_CHECK(big != NULL);
    il_arena_reset(&a);
    IL_CHECK(il_arena_alloc(&a, 16) == first);
    IL_CHECK(il_arena_alloc(&a, IL_ARENA_CHUNK) == big);

    /* reserve shows free bytes without taking them */
    il_arena_reset(&a);
    p = il_arena_reserve(&a, 100, &avail);
    IL_CHECK(p == first && avail >= 100);
    il_arena_commit(&a, 10);
    IL_CHECK(il_arena_alloc(&a, 8) == first + 16);

    /* an impossible size fails alone; the reset clears the mark */
    IL_CHECK(il_arena_alloc(&a, SIZE_MAX / 2 + 1) == NULL);
    IL_CHECK(a.nomem);
    il_arena_reset(&a);
    IL_CHECK(!a.nomem);

    /* past the budget a chunk goes back; those within it stay in order */
    il_arena_reset(&a);
    IL_CHECK(il_arena_alloc(&a, 2 * IL_ARENA_KEEP) != NULL);
    il_arena_reset(&a);
    IL_CHECK(il_arena_alloc(&a, 16) == first);
    IL_CHECK(il_arena_alloc(&a, IL_ARENA_CHUNK) == big);

    il_arena_free(&a);
    IL_CHECK(a.chunks == NULL && a.scratch == NULL);

    /* the caller's buffer is the first chunk, used and never freed */
    il_arena_init(&a, mem, sizeof(mem));
    p = il_arena_alloc(&a, 64);
    IL_CHECK(p >= mem && p < mem + sizeof(mem));
    q = il_arena_alloc(&a, 1024);
    IL_CHECK(q != NULL && (q < mem || q >= mem + sizeof(mem)));
    il_arena_reset(&a);
    IL_CHECK(il_arena_alloc(&a, 64) == p);
    il_arena_free(&a);
}


static const il_value_t *
parse(il_arena_t *a, const char *s, char *err, size_t errlen)
{
    il_arena_reset(a);

    return il_json_parse_buf(a, s, strlen(s), err, errlen);
}


static void
test_values(void)
{
    int                 i;
    char                body[4096], err[256], want[256], *s;
    size_t              n;
    il_arena_t          a;
    il_value_index_t   *ix;
    const il_value_t   *v, *m;

    il_arena_init(&a, NULL, 0);

    v = parse(&a, "[0, -0, 9223372036854775807, -9223372036854775808, "
              "2.5, 1e-400, 1.0, true, false, null]", err, sizeof(err));
    IL_CHECK(v != NULL && v->type == IL_VALUE_ARRAY && v->len == 10);

    if (v != NULL && v->len == 10) {
        IL_CHECK(v->u.items[0].type == IL_VALUE_INTEGER
                 && v->u.items[0].u.i == 0);
        IL_CHECK(v->u.items[1].type == IL_VALUE_INTEGER
                 && v->u.items[1].u.i == 0);
        IL_CHECK(v->u.items[2].u.i == INT64_MAX);
        IL_CHECK(v->u.items[3].u.i == INT64_MIN);
        IL_CHECK(v->u.items[4].type == IL_VALUE_REAL
                 && v->u.items[4].u.d == 2.5);
        IL_CHECK(v->u.items[5].type == IL_VALUE_REAL
                 && v->u.items[5].u.d == 0.0);
        IL_CHECK(v->u.items[6].type == IL_VALUE_REAL);
        IL_CHECK(v->u.items[7].type == IL_VALUE_TRUE);
        IL_CHECK(v->u.items[8].type == IL_VALUE_FALSE);
        IL_CHECK(v->u.items[9].type == IL_VALUE_NULL);
    }

    /* escapes decoded, NUL kept inside, every string NUL-terminated */
    v = parse(&a, "{\"caf\\u00e9\": \"a\\u0000b\\n\", "
              "\"s\": \"\\ud83d\\ude00\\/\", \"plain\": \"x\"}",
              err, sizeof(err));
    IL_CHECK(v != NULL && v->type == IL_VALUE_OBJECT && v->len == 3);

    m = v ? il_value_get(v, "caf\xc3\xa9", 5) : NULL;
    IL_CHECK(m != NULL && m->type == IL_VALUE_STRING && m->len == 4
             && memcmp(m->u.s, "a\0b\n", 5) == 0);
    m = v ? il_value_get(v, "s", 1) : NULL;
    IL_CHECK(m != NULL && m->len == 5
             && strcmp(m->u.s, "\xf0\x9f\x98\x80/") == 0);
    m = v ? il_value_get(v, "plain", 5) : NULL;
    IL_CHECK(m != NULL && m->len == 1 && strcmp(m->u.s, "x") == 0);
    IL_CHECK(v == NULL || strcmp(v->u.members[2].key, "plain") == 0);
    IL_CHECK(v == NULL || il_value_get(v, "plai", 4) == NULL);
    IL_CHECK(v == NULL || il_value_get(v, "plaix", 5) == NULL);

    /* a large object keeps its order and is found through its index */
    s = body;
    s += sprintf(s, "{");

    for (i = 0; i < 40; i++) {
        s += sprintf(s, "%s\"k%d\":%d", i ? "," : "", i, i);
    }

    sprintf(s, "}");
    n = strlen(body);

    v = parse(&a, body, err, sizeof(err));
    IL_CHECK(v != NULL && v->len == 40);

    ix = v ? il_value_index_of(v) : NULL;
    IL_CHECK(ix != NULL && ix->slots != NULL && ix->n == 40);

    for (i = 0; v != NULL && i < 40; i++) {
        char  key[8];

        sprintf(key, "k%d", i);
        m = il_value_get(v, key, strlen(key));
        IL_CHECK(m == &v->u.members[i].value && m->u.i == i);
    }

    IL_CHECK(v == NULL || il_value_get(v, "k40", 3) == NULL);

    /* a key repeated past the first sixteen is found by the index */
    sprintf(body + n - 1, ",\"k17\":0}");
    sprintf(want, "Invalid JSON: duplicate object key at line 1, "
            "column %zu.", n + 5);

    IL_CHECK(parse(&a, body, err, sizeof(err)) == NULL);
    IL_CHECK_STR(err, want);

    /* exactly sixteen members: indexed when the object closes */
    s = body;
    s += sprintf(s, "{");

    for (i = 0; i < IL_VALUE_INDEX_MIN; i++) {
        s += sprintf(s, "%s\"%c\":true", i ? "," : "", 'a' + i);
    }

    sprintf(s, "}");

    v = parse(&a, body, err, sizeof(err));
    ix = v ? il_value_index_of(v) : NULL;
    IL_CHECK(ix != NULL && ix->n == IL_VALUE_INDEX_MIN);
    IL_CHECK(v != NULL && il_value_get(v, "p", 1) == &v->u.members[15].value);

    il_arena_free(&a);
}


/* Larger than a chunk, in pieces: the copy grows and moves. */

static void
test_large(void)
{
    int                i;
    char              *body, err[256], last[16];
    size_t             n, k;
    pieces_t           p;
    il_arena_t         a;
    const il_value_t  *v;

    n = 200000;
    body = malloc(n + 1);
    body[0] = '[';
    k = 1;

    for (i = 0; k + 16 < n; i++) {
        k += sprintf(body + k, "%s\"item %05d\"", i ? "," : "", i);
    }

    body[k++] = ']';
    body[k] = '\0';
    sprintf(last, "item %05d", i - 1);

    il_arena_init(&a, NULL, 0);

    p.buf = body;
    p.len = k;
    p.piece = 8000;

    v = il_json_parse(&a, pieces_read, &p, err, sizeof(err));
    IL_CHECK(v != NULL && v->type == IL_VALUE_ARRAY && (int) v->len == i);
    IL_CHECK(v != NULL && strcmp(v->u.items[i - 1].u.s, last) == 0
             && v->u.items[i - 1].len == 10);

    /* the second time, from the chunks the first one left */
    il_arena_reset(&a);

    p.buf = body;
    p.len = k;

    v = il_json_parse(&a, pieces_read, &p, err, sizeof(err));
    IL_CHECK(v != NULL && (int) v->len == i);

    il_arena_free(&a);
    free(body);
}


static void
test_from_json(void)
{
    json_t            *j;
    il_arena_t         a;
    const il_value_t  *v, *m;

    il_arena_init(&a, NULL, 0);

    j = json_pack("{s:[i,f,s#,b,n],s:{}}", "a", 7, 0.5, "x\0y", 3, 1,
                  "b");
    v = il_value_from_json(&a, j);

    IL_CHECK(v != NULL && v->type == IL_VALUE_OBJECT && v->len == 2);

    m = v ? il_value_get(v, "a", 1) : NULL;
    IL_CHECK(m != NULL && m->type == IL_VALUE_ARRAY && m->len == 5);

    if (m != NULL && m->len == 5) {
        IL_CHECK(m->u.items[0].type == IL_VALUE_INTEGER
                 && m->u.items[0].u.i == 7);
        IL_CHECK(m->u.items[1].type == IL_VALUE_REAL
                 && m->u.items[1].u.d == 0.5);
        IL_CHECK(m->u.items[2].len == 3
                 && memcmp(m->u.items[2].u.s, "x\0y", 4) == 0);
        IL_CHECK(m->u.items[3].type == IL_VALUE_TRUE);
        IL_CHECK(m->u.items[4].type == IL_VALUE_NULL);
    }

    m = v ? il_value_get(v, "b", 1) : NULL;
    IL_CHECK(m != NULL && m->type == IL_VALUE_OBJECT && m->len == 0);

    json_decref(j);
    il_arena_free(&a);
}


int
main(void)
{
    test_arena();
    test_values();
    test_large();
    test_from_json();

    return il_test_result("test_value");
}
