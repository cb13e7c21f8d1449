
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Query, header and path parameters at request time: found in the raw
 * query string, decoded, coerced to what their schema declares, and
 * validated.  The values live in an arena whose first chunk is on the
 * stack; only values longer than that, and a text too long for the stack
 * buffer, allocate.
 */


#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "il_openapi_int.h"


/* Values up to a quarter of this are decoded without malloc(). */
#define IL_VALUE_STACK  2048

/* The first chunk of the values' arena, on the stack too. */
#define IL_PARAM_ARENA  2048

#define IL_NUMBER_MAX   128


typedef enum {
    IL_TEXT_QUERY = 0,               /* percent-decoded, '+' is a space */
    IL_TEXT_HEADER,                  /* ISO-8859-1, as HTTP defines it */
    IL_TEXT_DECODED                  /* already decoded bytes */
} il_text_e;


typedef struct {
    const char  *val;                /* the last occurrence, raw */
    size_t       len;
    unsigned     count;
} il_seen_t;


typedef struct {
    char        *buf;
    size_t       size;
    char        *heap;
    char         stack[IL_VALUE_STACK];
} il_vbuf_t;


static int il_query_next(const char **pos, const char *end,
    const char **key, size_t *klen, const char **val, size_t *vlen);
static int il_key_match(const char *k, size_t klen, const il_param_t *p);
static const char *il_text(il_vbuf_t *vb, const char *raw, size_t len,
    il_text_e mode, size_t *out);
static int il_utf8_next(const unsigned char *p, size_t left, size_t *n);
static int il_param_value(il_arena_t *a, il_vbuf_t *vb, il_value_t *v,
    const char *raw, size_t len, il_text_e mode, unsigned types);
static int il_coerce(il_arena_t *a, il_value_t *v, const char *s, size_t len,
    unsigned types);
static int il_parse_int(const char *s, size_t len, long long *out);
static int il_parse_number(const char *s, size_t len, double *out);
static int il_parse_bool(const char *s, size_t len, int *out);
static int il_array_query(il_arena_t *a, il_vbuf_t *vb, il_value_t *v,
    const il_param_t *p, const char *query, size_t query_len);
static int il_array_split(il_arena_t *a, il_vbuf_t *vb, il_value_t *v,
    const il_param_t *p, const char *raw, size_t len, il_text_e mode);
static il_value_t *il_array_items(il_arena_t *a, il_value_t *v, size_t n);


int
il_op_validate_params(const il_op_t *op, const char *query,
    size_t query_len, il_header_get_pt header_get, void *header_data,
    il_field_errors_t *errs)
{
    int                rc, ok;
    size_t             i, klen, vlen, hlen;
    il_arena_t         a;
    il_value_t         v;
    il_vbuf_t          vb;
    il_seen_t          seen[IL_OP_PARAMS_MAX];
    const char        *pos, *key, *val, *hv;
    const il_param_t  *p;
    char               mem[IL_PARAM_ARENA];

    ok = 1;
    vb.buf = vb.stack;
    vb.size = sizeof(vb.stack);
    vb.heap = NULL;
    il_arena_init(&a, mem, sizeof(mem));

    memset(seen, 0, op->nparams * sizeof(il_seen_t));

    pos = query;

    while (query != NULL
           && il_query_next(&pos, query + query_len, &key, &klen, &val,
                            &vlen))
    {
        for (i = 0; i < op->nparams; i++) {
            p = &op->params[i];

            if (p->in == IL_IN_QUERY && !p->skip
                && il_key_match(key, klen, p))
            {
                seen[i].val = val;
                seen[i].len = vlen;
                seen[i].count++;
                break;
            }
        }
    }

    for (i = 0; i < op->nparams; i++) {
        p = &op->params[i];

        if (p->skip || p->in == IL_IN_PATH) {
            continue;
        }

        if (p->in == IL_IN_QUERY) {
            if (seen[i].count == 0) {
                if (p->required) {
                    il_field_errors_add(errs, p->field, "Field required.",
                                        "missing");
                    ok = 0;
                }

                continue;
            }

            if (!p->array) {
                /* a repeated scalar counts as its last occurrence */
                rc = il_param_value(&a, &vb, &v, seen[i].val, seen[i].len,
                                    IL_TEXT_QUERY, p->types);

            } else if (p->explode) {
                rc = il_array_query(&a, &vb, &v, p, query, query_len);

            } else {
                rc = il_array_split(&a, &vb, &v, p, seen[i].val, seen[i].len,
                                    IL_TEXT_QUERY);
            }

        } else {
            hv = header_get ? header_get(header_data, p->name, &hlen) : NULL;

            if (hv == NULL) {
                if (p->required) {
                    il_field_errors_add(errs, p->field, "Field required.",
                                        "missing");
                    ok = 0;
                }

                continue;
            }

            rc = p->array ? il_array_split(&a, &vb, &v, p, hv, hlen,
                                           IL_TEXT_HEADER)
                          : il_param_value(&a, &vb, &v, hv, hlen,
                                           IL_TEXT_HEADER, p->types);
        }

        if (rc != 0) {
            errs->nomem = 1;
            ok = 0;
            break;
        }

        if (p->schema != NULL
            && !il_schema_validate(p->schema, &v, p->field, errs))
        {
            ok = 0;
        }

        il_arena_reset(&a);
    }

    il_arena_free(&a);
    free(vb.heap);

    return ok;
}


int
il_op_check_path(const il_op_t *op, const il_route_t *rt)
{
    int                ok;
    size_t             i;
    il_arena_t         a;
    il_value_t         v;
    il_vbuf_t          vb;
    const il_param_t  *p;
    il_field_errors_t  fe;
    char               mem[IL_PARAM_ARENA];

    ok = 1;
    vb.buf = vb.stack;
    vb.size = sizeof(vb.stack);
    vb.heap = NULL;
    il_arena_init(&a, mem, sizeof(mem));

    for (i = 0; ok && i < op->nparams; i++) {
        p = &op->params[i];

        if (p->in != IL_IN_PATH || p->schema == NULL) {
            continue;
        }

        if (p->index >= rt->nparams) {
            ok = 0;
            break;
        }

        /* without memory nothing can be shown to exist */
        if (il_param_value(&a, &vb, &v, rt->params[p->index].value,
                           rt->params[p->index].len, IL_TEXT_DECODED,
                           p->types)
            != 0)
        {
            ok = 0;
            break;
        }

        il_field_errors_init(&fe);
        ok = il_schema_validate(p->schema, &v, p->field, &fe);
        il_field_errors_free(&fe);

        il_arena_reset(&a);
    }

    il_arena_free(&a);
    free(vb.heap);

    return ok;
}


int
il_op_validate_body(const il_op_t *op, const il_value_t *body,
    il_field_errors_t *errs)
{
    if (op->body == NULL || body == NULL) {
        return 1;
    }

    return il_schema_validate(op->body, body, "", errs);
}


/* Steps over "k=v&k2&..." as form encoding splits it: on '&' only. */

static int
il_query_next(const char **pos, const char *end, const char **key,
    size_t *klen, const char **val, size_t *vlen)
{
    const char  *p, *amp, *eq;

    for (p = *pos; p < end; p = amp + 1) {
        amp = memchr(p, '&', end - p);
        if (amp == NULL) {
            amp = end;
        }

        if (amp == p) {
            continue;
        }

        eq = memchr(p, '=', amp - p);

        *key = p;
        *klen = (eq ? eq : amp) - p;
        *val = eq ? eq + 1 : amp;
        *vlen = eq ? (size_t) (amp - eq - 1) : 0;
        *pos = amp < end ? amp + 1 : end;

        return 1;
    }

    *pos = end;

    return 0;
}


/* Compares a raw key with a name, decoding as it goes: no buffer. */

static int
il_key_match(const char *k, size_t klen, const il_param_t *p)
{
    int     hi, lo;
    char    c;
    size_t  i, n;

    if (klen < p->name_len) {
        return 0;
    }

    n = 0;

    for (i = 0; i < klen; i++) {
        c = k[i];

        if (c == '+') {
            c = ' ';

        } else if (c == '%' && i + 2 < klen
                   && (hi = il_hex((unsigned char) k[i + 1])) >= 0
                   && (lo = il_hex((unsigned char) k[i + 2])) >= 0)
        {
            c = (char) (hi << 4 | lo);
            i += 2;
        }

        if (n == p->name_len || p->name[n] != c) {
            return 0;
        }

        n++;
    }

    return n == p->name_len;
}


/*
 * The value as UTF-8 text.  A broken percent escape stays as written and
 * bytes that are not UTF-8 become U+FFFD, as the upstream's own decoding
 * does, so the schema judges the same string the API will see.
 */

static const char *
il_text(il_vbuf_t *vb, const char *raw, size_t len, il_text_e mode,
    size_t *out)
{
    int                   plain;
    char                 *d, *heap;
    size_t                i, n, k, need;
    const unsigned char  *s;

    plain = 1;

    for (i = 0; i < len; i++) {
        if ((unsigned char) raw[i] >= 0x80
            || (mode == IL_TEXT_QUERY && (raw[i] == '%' || raw[i] == '+')))
        {
            plain = 0;
            break;
        }
    }

    if (plain) {
        *out = len;
        return raw;
    }

    need = 4 * len + 1;

    if (need > vb->size) {
        heap = malloc(need);
        if (heap == NULL) {
            return NULL;
        }

        free(vb->heap);
        vb->heap = heap;
        vb->buf = heap;
        vb->size = need;
    }

    if (mode == IL_TEXT_HEADER) {
        d = vb->buf;

        for (i = 0; i < len; i++) {
            if ((unsigned char) raw[i] < 0x80) {
                *d++ = raw[i];

            } else {
                *d++ = (char) (0xc0 | (unsigned char) raw[i] >> 6);
                *d++ = (char) (0x80 | ((unsigned char) raw[i] & 0x3f));
            }
        }

        *out = d - vb->buf;
        return vb->buf;
    }

    if (mode == IL_TEXT_QUERY) {
        n = (size_t) il_pct_decode(vb->buf, raw, len, 1, 0);
        s = (const unsigned char *) vb->buf;

    } else {
        n = len;
        s = (const unsigned char *) raw;
    }

    for (i = 0; i < n; i += k) {
        if (!il_utf8_next(s + i, n - i, &k)) {
            break;
        }
    }

    if (i == n) {
        *out = n;
        return (const char *) s;
    }

    d = vb->buf + len;
    memcpy(d, s, i);
    d += i;

    while (i < n) {
        if (il_utf8_next(s + i, n - i, &k)) {
            memcpy(d, s + i, k);
            d += k;

        } else {
            memcpy(d, "\xef\xbf\xbd", 3);
            d += 3;
        }

        i += k;
    }

    *out = d - (vb->buf + len);

    return vb->buf + len;
}


/*
 * 1 and the length of a well-formed sequence, or 0 and the length of the
 * ill-formed part to replace with one U+FFFD (Unicode's "maximal subpart").
 */

static int
il_utf8_next(const unsigned char *p, size_t left, size_t *n)
{
    size_t         need, i;
    unsigned char  c, lo, hi;

    c = p[0];
    lo = 0x80;
    hi = 0xbf;

    if (c < 0x80) {
        *n = 1;
        return 1;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;

    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;

    } else {
        *n = 1;
        return 0;
    }

    for (i = 1; i < need; i++) {
        if (i >= left || p[i] < lo || p[i] > hi) {
            *n = i;
            return 0;
        }

        lo = 0x80;
        hi = 0xbf;
    }

    *n = need;

    return 1;
}


static int
il_param_value(il_arena_t *a, il_vbuf_t *vb, il_value_t *v, const char *raw,
    size_t len, il_text_e mode, unsigned types)
{
    size_t       n;
    const char  *s;

    s = il_text(vb, raw, len, mode, &n);
    if (s == NULL) {
        return -1;
    }

    return il_coerce(a, v, s, n, types);
}


/*
 * A string stays a string wherever the schema accepts one, so "0" is
 * never turned into a number that a string branch would have taken.
 * Strings are copied: the text buffer serves the next value.
 */

static int
il_coerce(il_arena_t *a, il_value_t *v, const char *s, size_t len,
    unsigned types)
{
    int         b;
    char       *copy;
    double      d;
    long long   i;

    memset(v, 0, sizeof(il_value_t));

    if (len == 0 && (types & IL_SCHEMA_T_NULL)) {
        v->type = IL_VALUE_NULL;
        return 0;
    }

    if (!(types & IL_SCHEMA_T_STRING)) {
        if ((types & (IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NUMBER))
            && il_parse_int(s, len, &i))
        {
            v->type = IL_VALUE_INTEGER;
            v->u.i = i;
            return 0;
        }

        if ((types & IL_SCHEMA_T_NUMBER) && il_parse_number(s, len, &d)) {
            v->type = IL_VALUE_REAL;
            v->u.d = d;
            return 0;
        }

        if ((types & IL_SCHEMA_T_BOOLEAN) && il_parse_bool(s, len, &b)) {
            v->type = b ? IL_VALUE_TRUE : IL_VALUE_FALSE;
            return 0;
        }
    }

    copy = il_arena_alloc(a, len + 1);
    if (copy == NULL) {
        return -1;
    }

    memcpy(copy, s, len);
    copy[len] = '\0';

    v->type = IL_VALUE_STRING;
    v->len = len;
    v->u.s = copy;

    return 0;
}


/* An optional sign and digits, within 64 bits. */

static int
il_parse_int(const char *s, size_t len, long long *out)
{
    int       neg;
    size_t    i;
    uint64_t  u, limit, d;

    neg = len > 0 && s[0] == '-';
    i = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;

    if (i == len) {
        return 0;
    }

    limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
    u = 0;

    for ( /* void */ ; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }

        d = (uint64_t) (s[i] - '0');

        if (u > (limit - d) / 10) {
            return 0;
        }

        u = u * 10 + d;
    }

    if (neg) {
        *out = u == (uint64_t) INT64_MAX + 1 ? INT64_MIN
                                             : -(long long) u;

    } else {
        *out = (long long) u;
    }

    return 1;
}


/* Decimal digits with an optional fraction and exponent; finite. */

static int
il_parse_number(const char *s, size_t len, double *out)
{
    char    buf[IL_NUMBER_MAX], *end;
    size_t  i, digits;

    if (len == 0 || len >= IL_NUMBER_MAX) {
        return 0;
    }

    i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    digits = 0;

    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }

    if (i < len && s[i] == '.') {
        i++;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }

    if (digits == 0) {
        return 0;
    }

    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;

        if (i < len && (s[i] == '-' || s[i] == '+')) {
            i++;
        }

        digits = 0;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }

        if (digits == 0) {
            return 0;
        }
    }

    if (i != len) {
        return 0;
    }

    memcpy(buf, s, len);
    buf[len] = '\0';

    *out = strtod(buf, &end);

    return *end == '\0' && isfinite(*out);
}


/* The words pydantic reads as booleans, in any case. */

static int
il_parse_bool(const char *s, size_t len, int *out)
{
    size_t              i;
    static const char  *words[] = {
        "false", "0", "no", "off", "f", "n",
        "true", "1", "yes", "on", "t", "y"
    };

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i]) == len && strncasecmp(words[i], s, len) == 0) {
            *out = i >= 6;
            return 1;
        }
    }

    return 0;
}


/*
 * Every occurrence of the name is one item: OpenAPI's form, exploded.
 * The occurrences are counted first, so the items are one array.
 */

static int
il_array_query(il_arena_t *a, il_vbuf_t *vb, il_value_t *v,
    const il_param_t *p, const char *query, size_t query_len)
{
    size_t       n, klen, vlen;
    il_value_t  *items;
    const char  *pos, *key, *val;

    n = 0;
    pos = query;

    while (il_query_next(&pos, query + query_len, &key, &klen, &val, &vlen)) {
        n += il_key_match(key, klen, p);
    }

    items = il_array_items(a, v, n);
    if (items == NULL) {
        return -1;
    }

    pos = query;

    while (il_query_next(&pos, query + query_len, &key, &klen, &val, &vlen)) {
        if (il_key_match(key, klen, p)
            && il_param_value(a, vb, items++, val, vlen, IL_TEXT_QUERY,
                              p->item_types)
               != 0)
        {
            return -1;
        }
    }

    return 0;
}


/*
 * One value holding every item.  Commas split the raw value, so an
 * encoded comma stays inside its item; spaces and pipes may arrive
 * encoded themselves, so those split the decoded text.
 */

static int
il_array_split(il_arena_t *a, il_vbuf_t *vb, il_value_t *v,
    const il_param_t *p, const char *raw, size_t len, il_text_e mode)
{
    size_t       n, k;
    il_value_t  *items;
    const char  *s, *e, *end;

    if (len == 0) {
        if (p->types & IL_SCHEMA_T_NULL) {
            memset(v, 0, sizeof(il_value_t));
            v->type = IL_VALUE_NULL;
            return 0;
        }

        return il_array_items(a, v, 0) ? 0 : -1;
    }

    if (p->delim != ',') {
        s = il_text(vb, raw, len, mode, &n);
        if (s == NULL) {
            return -1;
        }

        end = s + n;

        for (k = 1, e = s; (e = memchr(e, p->delim, end - e)) != NULL; e++) {
            k++;
        }

        items = il_array_items(a, v, k);
        if (items == NULL) {
            return -1;
        }

        for ( /* void */ ; ; s = e + 1) {
            e = memchr(s, p->delim, end - s);
            k = (e ? e : end) - s;

            if (il_coerce(a, items++, s, k, p->item_types) != 0) {
                return -1;
            }

            if (e == NULL) {
                return 0;
            }
        }
    }

    end = raw + len;

    for (k = 1, e = raw; (e = memchr(e, ',', end - e)) != NULL; e++) {
        k++;
    }

    items = il_array_items(a, v, k);
    if (items == NULL) {
        return -1;
    }

    for (s = raw; ; s = e + 1) {
        e = memchr(s, ',', end - s);
        k = (e ? e : end) - s;

        if (mode == IL_TEXT_HEADER) {
            while (k > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                k--;
            }

            while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t')) {
                k--;
            }
        }

        if (il_param_value(a, vb, items++, s, k, mode, p->item_types) != 0) {
            return -1;
        }

        if (e == NULL) {
            return 0;
        }
    }
}


/* v made an array of n items, still to be filled. */

static il_value_t *
il_array_items(il_arena_t *a, il_value_t *v, size_t n)
{
    il_value_t  *items;

    if (n > SIZE_MAX / 2 / sizeof(il_value_t)) {
        return NULL;
    }

    items = il_arena_alloc(a, n * sizeof(il_value_t));
    if (items == NULL) {
        return NULL;
    }

    v->type = IL_VALUE_ARRAY;
    v->len = n;
    v->u.items = items;

    return items;
}
