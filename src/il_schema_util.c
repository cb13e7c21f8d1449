
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * What the schema compiler builds with: the document's arena and maps,
 * the JSON pointer of compile errors, and numbers as messages print
 * them.
 */


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


#define IL_SCHEMA_BLOCK_SIZE  16384


char *
il_schema_concat(il_schema_doc_t *doc, const char *a, const char *b,
    const char *c)
{
    char    *s;
    size_t   la, lb, lc;

    la = strlen(a);
    lb = strlen(b);
    lc = strlen(c);

    s = il_schema_alloc(doc, la + lb + lc + 1);
    if (s == NULL) {
        return NULL;
    }

    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);

    return s;
}


/*
 * Reads a schema number.  text is what messages print: integers, and
 * reals with no fraction, without ".0"; other reals in the fewest digits
 * that read back as the same double.
 */

int
il_schema_num_set(il_schema_doc_t *doc, il_num_t *n, const json_t *v)
{
    int     p;
    char    buf[64];
    double  d;

    memset(n, 0, sizeof(il_num_t));

    if (json_is_integer(v)) {
        n->is_int = 1;
        n->i = json_integer_value(v);
        n->d = (double) n->i;
        snprintf(buf, sizeof(buf), "%lld", n->i);

    } else {
        d = json_real_value(v);
        n->d = d;

        if (d == floor(d) && fabs(d) < 1e15) {
            snprintf(buf, sizeof(buf), "%.0f", d);

        } else {
            for (p = 1; p <= 17; p++) {
                snprintf(buf, sizeof(buf), "%.*g", p, d);

                if (strtod(buf, NULL) == d) {
                    break;
                }
            }
        }
    }

    n->text = il_schema_strndup(doc, buf, strlen(buf));
    if (n->text == NULL) {
        return -1;
    }

    if (n->is_int) {
        n->mant = n->i < 0 ? (uint64_t) -(n->i + 1) + 1 : (uint64_t) n->i;
        n->exp10 = 0;

        while (n->mant && n->mant % 10 == 0) {
            n->mant /= 10;
            n->exp10++;
        }

        return 0;
    }

    return il_schema_decimal(n->d, &n->mant, &n->exp10);
}


/*
 * |d| as mant * 10^exp10 from the shortest decimal that reads back as d,
 * so 0.07 is 7e-2 and multipleOf 0.01 accepts it.
 */

int
il_schema_decimal(double d, uint64_t *mant, int *exp10)
{
    int        p, e, i;
    char       buf[64], *s;
    uint64_t   m;

    d = fabs(d);

    if (d == 0 || !isfinite(d)) {
        *mant = 0;
        *exp10 = 0;
        return 0;
    }

    for (p = 1; p <= 17; p++) {
        snprintf(buf, sizeof(buf), "%.*e", p - 1, d);

        if (strtod(buf, NULL) == d) {
            break;
        }
    }

    m = 0;
    i = 0;

    for (s = buf; *s && *s != 'e'; s++) {
        if (*s >= '0' && *s <= '9') {
            m = m * 10 + (uint64_t) (*s - '0');
            i++;
        }
    }

    e = (*s == 'e') ? atoi(s + 1) : 0;
    e -= i - 1;

    while (m && m % 10 == 0) {
        m /= 10;
        e++;
    }

    *mant = m;
    *exp10 = e;

    return 0;
}


int
il_schema_kw_single(const char *k)
{
    const char         **p;
    static const char   *kw[] = { "additionalProperties", "items",
                                  "contains", "propertyNames", "not", "if",
                                  "then", "else", "unevaluatedItems",
                                  "unevaluatedProperties", NULL };

    for (p = kw; *p; p++) {
        if (strcmp(*p, k) == 0) {
            return 1;
        }
    }

    return 0;
}


int
il_schema_kw_map(const char *k)
{
    return strcmp(k, "properties") == 0
           || strcmp(k, "patternProperties") == 0
           || strcmp(k, "$defs") == 0
           || strcmp(k, "definitions") == 0
           || strcmp(k, "dependentSchemas") == 0;
}


int
il_schema_kw_list(const char *k)
{
    return strcmp(k, "allOf") == 0
           || strcmp(k, "anyOf") == 0
           || strcmp(k, "oneOf") == 0
           || strcmp(k, "prefixItems") == 0;
}


int
il_schema_fail(il_schema_cc_t *cc, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (cc->failed) {
        return -1;
    }

    cc->failed = 1;

    if (cc->errlen == 0) {
        return -1;
    }

    va_start(args, fmt);
    n = vsnprintf(cc->err, cc->errlen, fmt, args);
    va_end(args);

    if (n >= 0 && (size_t) n < cc->errlen) {
        snprintf(cc->err + n, cc->errlen - n, " at \"%s\"",
                 cc->ptr ? cc->ptr : "");
    }

    return -1;
}


/* Appends one reference token, escaped as RFC 6901 says. */

int
il_schema_ptr_push(il_schema_cc_t *cc, const char *seg, size_t len)
{
    char    *p;
    size_t   i, need, cap;

    need = cc->plen + 2 * len + 2;

    if (need > cc->pcap) {
        cap = need * 2 + 64;
        p = realloc(cc->ptr, cap);

        if (p == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        cc->ptr = p;
        cc->pcap = cap;
    }

    cc->ptr[cc->plen++] = '/';

    for (i = 0; i < len; i++) {
        if (seg[i] == '~') {
            cc->ptr[cc->plen++] = '~';
            cc->ptr[cc->plen++] = '0';

        } else if (seg[i] == '/') {
            cc->ptr[cc->plen++] = '~';
            cc->ptr[cc->plen++] = '1';

        } else {
            cc->ptr[cc->plen++] = seg[i];
        }
    }

    cc->ptr[cc->plen] = '\0';

    return 0;
}


/* Replaces the whole pointer with one already escaped. */

int
il_schema_ptr_reset(il_schema_cc_t *cc, const char *pointer)
{
    char    *p;
    size_t   len, cap;

    len = strlen(pointer);

    if (len + 1 > cc->pcap) {
        cap = len * 2 + 64;
        p = realloc(cc->ptr, cap);

        if (p == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        cc->ptr = p;
        cc->pcap = cap;
    }

    memcpy(cc->ptr, pointer, len + 1);
    cc->plen = len;

    return 0;
}


void
il_schema_ptr_set(il_schema_cc_t *cc, size_t len)
{
    cc->plen = len;

    if (cc->ptr) {
        cc->ptr[len] = '\0';
    }
}


void *
il_schema_alloc(il_schema_doc_t *doc, size_t size)
{
    void               *p;
    size_t              bsize;
    il_schema_block_t  *b;

    size = (size + 15) & ~(size_t) 15;
    b = doc->blocks;

    if (b == NULL || b->size - b->used < size) {
        bsize = size > IL_SCHEMA_BLOCK_SIZE ? size : IL_SCHEMA_BLOCK_SIZE;

        b = malloc(sizeof(il_schema_block_t) + 16 + bsize);
        if (b == NULL) {
            return NULL;
        }

        b->size = bsize;
        b->used = 0;
        b->next = doc->blocks;
        doc->blocks = b;
    }

    p = (char *) b + ((sizeof(il_schema_block_t) + 15) & ~(size_t) 15)
        + b->used;
    b->used += size;

    memset(p, 0, size);

    return p;
}


char *
il_schema_strndup(il_schema_doc_t *doc, const char *s, size_t len)
{
    char  *p;

    p = il_schema_alloc(doc, len + 1);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


static size_t
il_schema_map_slot(const il_schema_map_t *m, const void *key)
{
    size_t  h;

    h = (size_t) (((uintptr_t) key >> 4) * 0x9e3779b97f4a7c15ULL);

    for (h &= m->cap - 1; m->keys[h] && m->keys[h] != key;
         h = (h + 1) & (m->cap - 1))
    {
        /* void */
    }

    return h;
}


void *
il_schema_map_get(const il_schema_map_t *m, const void *key)
{
    size_t  h;

    if (m->cap == 0) {
        return NULL;
    }

    h = il_schema_map_slot(m, key);

    return m->keys[h] ? m->values[h] : NULL;
}


int
il_schema_map_put(il_schema_map_t *m, const void *key, void *value)
{
    size_t            i, h;
    il_schema_map_t   nm;

    if ((m->n + 1) * 2 > m->cap) {
        nm.cap = m->cap ? m->cap * 2 : 64;
        nm.n = 0;
        nm.keys = calloc(nm.cap, sizeof(void *));
        nm.values = calloc(nm.cap, sizeof(void *));

        if (nm.keys == NULL || nm.values == NULL) {
            free(nm.keys);
            free(nm.values);
            return -1;
        }

        for (i = 0; i < m->cap; i++) {
            if (m->keys[i]) {
                h = il_schema_map_slot(&nm, m->keys[i]);
                nm.keys[h] = m->keys[i];
                nm.values[h] = m->values[i];
                nm.n++;
            }
        }

        il_schema_map_free(m);
        *m = nm;
    }

    h = il_schema_map_slot(m, key);

    if (m->keys[h] == NULL) {
        m->n++;
    }

    m->keys[h] = key;
    m->values[h] = value;

    return 0;
}


void
il_schema_map_free(il_schema_map_t *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof(il_schema_map_t));
}
