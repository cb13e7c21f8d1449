
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
static uint64_t il_v_hash(const json_t *v);


/*
 * Small arrays are compared pairwise; larger ones by a hash that equal
 * values share (1 and 1.0 too), sorted, comparing only equal hashes.
 */

int
il_schema_unique(const json_t *v)
{
    int             ok;
    size_t          n, i, k;
    il_v_hashed_t  *h;

    n = json_array_size(v);

    if (n <= IL_V_PAIRWISE) {
        for (i = 0; i < n; i++) {
            for (k = i + 1; k < n; k++) {
                if (il_schema_json_equal(json_array_get(v, i),
                                         json_array_get(v, k)))
                {
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
        h[i].hash = il_v_hash(json_array_get(v, i));
        h[i].index = i;
    }

    qsort(h, n, sizeof(il_v_hashed_t), il_v_hashed_cmp);

    ok = 1;

    for (i = 0; ok && i < n; i++) {
        for (k = i + 1; k < n && h[k].hash == h[i].hash; k++) {
            if (il_schema_json_equal(json_array_get(v, h[i].index),
                                     json_array_get(v, h[k].index)))
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
il_v_hash(const json_t *v)
{
    double       d;
    size_t       i, len;
    json_t      *m;
    uint64_t     h, bits;
    const char  *s, *key;

    switch (json_typeof(v)) {

    case JSON_INTEGER:
        return il_v_mix((uint64_t) json_integer_value(v) ^ 0x1234);

    case JSON_REAL:
        d = json_real_value(v);

        if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18) {
            return il_v_mix((uint64_t) (json_int_t) d ^ 0x1234);
        }

        memcpy(&bits, &d, sizeof(bits));
        return il_v_mix(bits);

    case JSON_STRING:
        s = json_string_value(v);
        len = json_string_length(v);
        h = 1469598103934665603ULL;

        for (i = 0; i < len; i++) {
            h ^= (unsigned char) s[i];
            h *= 1099511628211ULL;
        }

        return h;

    case JSON_ARRAY:
        h = 0x9e3779b97f4a7c15ULL;

        json_array_foreach(v, i, m) {
            h = il_v_mix(h ^ il_v_hash(m)) + i;
        }

        return h;

    case JSON_OBJECT:
        h = 0x7f4a7c159e3779b9ULL;

        /* a sum: the order of keys must not matter */
        json_object_foreach((json_t *) v, key, m) {
            h += il_v_mix(il_v_hash(m) ^ il_v_mix(strlen(key) + 0x51)
                          ^ (uint64_t) (unsigned char) key[0] << 8);
        }

        return h;

    case JSON_TRUE:
        return 1;

    case JSON_FALSE:
        return 2;

    default:
        return 3;
    }
}


/* JSON equality: 1 equals 1.0, object key order does not matter. */

int
il_schema_json_equal(const json_t *a, const json_t *b)
{
    size_t       i;
    json_t      *m;
    const char  *key;
    long double  x, y;

    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b)) {
            return json_integer_value(a) == json_integer_value(b);
        }

        x = json_is_integer(a) ? (long double) json_integer_value(a)
                               : (long double) json_real_value(a);
        y = json_is_integer(b) ? (long double) json_integer_value(b)
                               : (long double) json_real_value(b);

        return x == y;
    }

    if (json_typeof(a) != json_typeof(b)) {
        return 0;
    }

    switch (json_typeof(a)) {

    case JSON_STRING:
        return json_string_length(a) == json_string_length(b)
               && memcmp(json_string_value(a), json_string_value(b),
                         json_string_length(a)) == 0;

    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) {
            return 0;
        }

        json_array_foreach(a, i, m) {
            if (!il_schema_json_equal(m, json_array_get(b, i))) {
                return 0;
            }
        }

        return 1;

    case JSON_OBJECT:
        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }

        json_object_foreach((json_t *) a, key, m) {
            json_t  *o;

            o = json_object_get(b, key);

            if (o == NULL || !il_schema_json_equal(m, o)) {
                return 0;
            }
        }

        return 1;

    default:
        return 1;
    }
}


/* The value's type bits; 1 and 1.0 are integers, as JSON Schema says. */

unsigned
il_schema_json_type(const json_t *v)
{
    double  d;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return IL_SCHEMA_T_OBJECT;
    case JSON_ARRAY:
        return IL_SCHEMA_T_ARRAY;
    case JSON_STRING:
        return IL_SCHEMA_T_STRING;
    case JSON_INTEGER:
        return IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NUMBER;
    case JSON_REAL:
        d = json_real_value(v);
        return (d == floor(d) && isfinite(d))
               ? IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NUMBER
               : IL_SCHEMA_T_NUMBER;
    case JSON_TRUE:
    case JSON_FALSE:
        return IL_SCHEMA_T_BOOLEAN;
    default:
        return IL_SCHEMA_T_NULL;
    }
}


/* Exact for two integers; long double holds both int64 and double. */

int
il_schema_num_cmp(const json_t *v, const il_num_t *n)
{
    json_int_t   i;
    long double  x, y;

    if (json_is_integer(v) && n->is_int) {
        i = json_integer_value(v);
        return i < n->i ? -1 : (i > n->i);
    }

    x = json_is_integer(v) ? (long double) json_integer_value(v)
                           : (long double) json_real_value(v);
    y = n->is_int ? (long double) n->i : (long double) n->d;

    return x < y ? -1 : (x > y);
}


/*
 * Both numbers as decimal mantissa * 10^exp, the way they were written,
 * then an exact integer test: 0.07 is a multiple of 0.01 and 1e308 is no
 * multiple of 0.123456789.
 */

int
il_schema_multiple(const json_t *v, const il_num_t *m)
{
    int                  xe, k;
    uint64_t             xm;
    json_int_t           i;
    unsigned __int128    r, p, d;

    if (json_is_integer(v) && m->is_int) {
        return json_integer_value(v) % m->i == 0;
    }

    if (json_is_integer(v)) {
        i = json_integer_value(v);
        xm = i < 0 ? (uint64_t) -(i + 1) + 1 : (uint64_t) i;
        xe = 0;

        while (xm && xm % 10 == 0) {
            xm /= 10;
            xe++;
        }

    } else {
        il_schema_decimal(json_real_value(v), &xm, &xe);
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
