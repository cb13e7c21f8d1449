
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * JSON values as JSON Schema compares them: equality (1 equals 1.0),
 * uniqueness, numbers against limits and multipleOf, string length in
 * code points.
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


#define IL_V_PAIRWISE  16            /* uniqueItems without hashing */


typedef struct {
    uint64_t  hash;
    size_t    index;
} il_v_hashed_t;


static int il_v_hashed_cmp(const void *a, const void *b);
static uint64_t il_v_mix(uint64_t h);
static uint64_t il_v_hash(const il_value_t *v);
static long double il_v_number(const il_value_t *v);


/*
 * Small arrays are compared pairwise; larger ones by a hash that equal
 * values share (1 and 1.0 too), sorted, comparing only equal hashes.
 */

int
il_schema_unique(const il_value_t *v)
{
    int                ok;
    size_t             n, i, k;
    il_v_hashed_t     *h;
    const il_value_t  *items;

    n = v->len;
    items = v->u.items;

    if (n <= IL_V_PAIRWISE) {
        for (i = 0; i < n; i++) {
            for (k = i + 1; k < n; k++) {
                if (il_schema_value_equal(&items[i], &items[k])) {
                    return 0;
                }
            }
        }

        return 1;
    }

    h = malloc(n * sizeof(il_v_hashed_t));
    if (h == NULL) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        h[i].hash = il_v_hash(&items[i]);
        h[i].index = i;
    }

    qsort(h, n, sizeof(il_v_hashed_t), il_v_hashed_cmp);

    ok = 1;

    for (i = 0; ok && i < n; i++) {
        for (k = i + 1; k < n && h[k].hash == h[i].hash; k++) {
            if (il_schema_value_equal(&items[h[i].index],
                                      &items[h[k].index]))
            {
                ok = 0;
                break;
            }
        }
    }

    free(h);

    return ok;
}


static int
il_v_hashed_cmp(const void *a, const void *b)
{
    const il_v_hashed_t  *x, *y;

    x = a;
    y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }

    return x->index < y->index ? -1 : (x->index > y->index);
}


static uint64_t
il_v_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;

    return h;
}


static uint64_t
il_v_hash(const il_value_t *v)
{
    double              d;
    size_t              i;
    uint64_t            h, bits;
    const il_member_t  *m;

    switch (v->type) {

    case IL_VALUE_INTEGER:
        return il_v_mix((uint64_t) v->u.i ^ 0x1234);

    case IL_VALUE_REAL:
        d = v->u.d;

        if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18) {
            return il_v_mix((uint64_t) (long long) d ^ 0x1234);
        }

        memcpy(&bits, &d, sizeof(bits));
        return il_v_mix(bits);

    case IL_VALUE_STRING:
        h = 1469598103934665603ULL;

        for (i = 0; i < v->len; i++) {
            h ^= (unsigned char) v->u.s[i];
            h *= 1099511628211ULL;
        }

        return h;

    case IL_VALUE_ARRAY:
        h = 0x9e3779b97f4a7c15ULL;

        for (i = 0; i < v->len; i++) {
            h = il_v_mix(h ^ il_v_hash(&v->u.items[i])) + i;
        }

        return h;

    case IL_VALUE_OBJECT:
        h = 0x7f4a7c159e3779b9ULL;

        /* a sum: the order of keys must not matter */
        for (i = 0; i < v->len; i++) {
            m = &v->u.members[i];
            h += il_v_mix(il_v_hash(&m->value) ^ il_v_mix(m->len + 0x51)
                          ^ (uint64_t) (unsigned char) m->key[0] << 8);
        }

        return h;

    case IL_VALUE_TRUE:
        return 1;

    case IL_VALUE_FALSE:
        return 2;

    default:
        return 3;
    }
}


/* JSON equality: 1 equals 1.0, object key order does not matter. */

int
il_schema_value_equal(const il_value_t *a, const il_value_t *b)
{
    size_t              i;
    const il_value_t   *o;
    const il_member_t  *m;

    if ((a->type == IL_VALUE_INTEGER || a->type == IL_VALUE_REAL)
        && (b->type == IL_VALUE_INTEGER || b->type == IL_VALUE_REAL))
    {
        if (a->type == IL_VALUE_INTEGER && b->type == IL_VALUE_INTEGER) {
            return a->u.i == b->u.i;
        }

        return il_v_number(a) == il_v_number(b);
    }

    if (a->type != b->type) {
        return 0;
    }

    switch (a->type) {

    case IL_VALUE_STRING:
        return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;

    case IL_VALUE_ARRAY:
        if (a->len != b->len) {
            return 0;
        }

        for (i = 0; i < a->len; i++) {
            if (!il_schema_value_equal(&a->u.items[i], &b->u.items[i])) {
                return 0;
            }
        }

        return 1;

    case IL_VALUE_OBJECT:
        if (a->len != b->len) {
            return 0;
        }

        for (i = 0; i < a->len; i++) {
            m = &a->u.members[i];
            o = il_value_get(b, m->key, m->len);

            if (o == NULL || !il_schema_value_equal(&m->value, o)) {
                return 0;
            }
        }

        return 1;

    default:
        return 1;
    }
}


/* long double holds every int64 and every double exactly. */

static long double
il_v_number(const il_value_t *v)
{
    return v->type == IL_VALUE_INTEGER ? (long double) v->u.i
                                       : (long double) v->u.d;
}


/* The value's type bits; 1 and 1.0 are integers, as JSON Schema says. */

unsigned
il_schema_value_type(const il_value_t *v)
{
    double  d;

    switch (v->type) {
    case IL_VALUE_OBJECT:
        return IL_SCHEMA_T_OBJECT;
    case IL_VALUE_ARRAY:
        return IL_SCHEMA_T_ARRAY;
    case IL_VALUE_STRING:
        return IL_SCHEMA_T_STRING;
    case IL_VALUE_INTEGER:
        return IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NUMBER;
    case IL_VALUE_REAL:
        d = v->u.d;
        return (d == floor(d) && isfinite(d))
               ? IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NUMBER
               : IL_SCHEMA_T_NUMBER;
    case IL_VALUE_TRUE:
    case IL_VALUE_FALSE:
        return IL_SCHEMA_T_BOOLEAN;
    default:
        return IL_SCHEMA_T_NULL;
    }
}


/* Exact for two integers; long double holds both int64 and double. */

int
il_schema_num_cmp(const il_value_t *v, const il_num_t *n)
{
    long long    i;
    long double  x, y;

    if (v->type == IL_VALUE_INTEGER && n->is_int) {
        i = v->u.i;
        return i < n->i ? -1 : (i > n->i);
    }

    x = il_v_number(v);
    y = n->is_int ? (long double) n->i : (long double) n->d;

    return x < y ? -1 : (x > y);
}


/*
 * Both numbers as decimal mantissa * 10^exp, the way they were written,
 * then an exact integer test: 0.07 is a multiple of 0.01 and 1e308 is no
 * multiple of 0.123456789.
 */

int
il_schema_multiple(const il_value_t *v, const il_num_t *m)
{
    int                  xe, k;
    uint64_t             xm;
    long long            i;
    unsigned __int128    r, p, d;

    if (v->type == IL_VALUE_INTEGER && m->is_int) {
        return v->u.i % m->i == 0;
    }

    if (v->type == IL_VALUE_INTEGER) {
        i = v->u.i;
        xm = i < 0 ? (uint64_t) -(i + 1) + 1 : (uint64_t) i;
        xe = 0;

        while (xm && xm % 10 == 0) {
            xm /= 10;
            xe++;
        }

    } else {
        il_schema_decimal(v->u.d, &xm, &xe);
    }

    if (xm == 0) {
        return 1;
    }

    if (m->mant == 0) {
        return 0;
    }

    if (xe >= m->exp10) {
        /* xm * 10^k mod mant, by squaring */
        k = xe - m->exp10;
        r = xm % m->mant;
        p = 10 % m->mant;

        while (k > 0) {
            if (k & 1) {
                r = (r * p) % m->mant;
            }

            p = (p * p) % m->mant;
            k >>= 1;
        }

        return r == 0;
    }

    k = m->exp10 - xe;

    if (k > 19) {
        return 0;
    }

    d = m->mant;

    while (k-- > 0) {
        d *= 10;
    }

    return (unsigned __int128) xm % d == 0;
}


/* Code points: every byte but a continuation byte starts one. */

size_t
il_schema_utf8_len(const char *s, size_t len)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (((unsigned char) s[i] & 0xc0) != 0x80) {
            n++;
        }
    }

    return n;
}
