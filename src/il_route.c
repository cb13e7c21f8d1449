
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The route table: a tree of path segments built at load time.  Each node
 * has its literal children sorted for a binary search and at most one
 * template child, so a request walks one branch per segment and backs up
 * only where a literal branch dead-ends.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_openapi_int.h"


typedef struct {
    const char  *text;
    size_t       len;
} il_rseg_t;


typedef struct {
    const il_rseg_t  *segs;
    size_t            nsegs;
    int               slash;
    size_t            stack[IL_ROUTE_PARAMS_MAX];
    size_t            nstack;
} il_walk_t;


static int il_split_one(il_api_t *api, const char *s, size_t len,
    il_tseg_t *segs, size_t *n, const char *tpl, char *err, size_t errlen);
static il_node_t *il_node_find(const il_node_t *node, const char *seg,
    size_t len);
static il_node_t *il_node_add(il_node_t *node, const il_tseg_t *ts);
static int il_node_cmp(const void *a, const void *b);
static const il_path_t *il_route_walk(const il_node_t *node, size_t i,
    il_walk_t *w);
static il_method_e il_method_index(const char *m, size_t len);


int
il_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


long
il_pct_decode(char *dst, const char *src, size_t len, int plus, int strict)
{
    int     hi, lo;
    char    c;
    size_t  i, n;

    /* most segments and values carry no escape at all */

    if (!plus && memchr(src, '%', len) == NULL) {
        if (strict && memchr(src, '\0', len) != NULL) {
            return -1;
        }

        memcpy(dst, src, len);
        return (long) len;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        c = src[i];

        if (c == '%') {
            hi = i + 2 < len ? il_hex((unsigned char) src[i + 1]) : -1;
            lo = hi >= 0 ? il_hex((unsigned char) src[i + 2]) : -1;

            if (lo < 0) {
                if (strict) {
                    return -1;
                }

                dst[n++] = c;
                continue;
            }

            c = (char) (hi << 4 | lo);

            if (c == '\0' && strict) {
                return -1;
            }

            dst[n++] = c;
            i += 2;
            continue;
        }

        if (c == '\0' && strict) {
            return -1;
        }

        dst[n++] = (plus && c == '+') ? ' ' : c;
    }

    return (long) n;
}


int
il_template_split(il_api_t *api, const char *tpl, il_tseg_t *segs,
    size_t *nsegs, int *slash, char *err, size_t errlen)
{
    size_t  n, len;

    n = 0;
    len = strlen(api->prefix);

    if (len && il_split_one(api, api->prefix, len, segs, &n, tpl, err,
                            errlen)
               != 0)
    {
        return -1;
    }

    len = strlen(tpl);

    if (len == 0 || tpl[0] != '/') {
        snprintf(err, errlen, "path \"%s\" does not start with \"/\"", tpl);
        return -1;
    }

    *slash = tpl[len - 1] == '/';

    if (il_split_one(api, tpl, len - (size_t) *slash, segs, &n, tpl, err,
                     errlen)
        != 0)
    {
        return -1;
    }

    *nsegs = n;

    return 0;
}


/* Splits "/a/{b}/c" (no trailing slash) and appends to segs. */

static int
il_split_one(il_api_t *api, const char *s, size_t len, il_tseg_t *segs,
    size_t *n, const char *tpl, char *err, size_t errlen)
{
    char        *buf;
    long         dlen;
    size_t       pos, end, k;
    il_tseg_t   *ts;
    const char  *p;

    pos = 1;

    while (pos <= len) {
        p = memchr(s + pos, '/', len - pos);
        end = p ? (size_t) (p - s) : len;

        if (end == pos) {
            snprintf(err, errlen, "path \"%s\" has an empty segment", tpl);
            return -1;
        }

        if (*n == IL_ROUTE_DEPTH_MAX) {
            snprintf(err, errlen, "path \"%s\" has more than %d segments",
                     tpl, IL_ROUTE_DEPTH_MAX);
            return -1;
        }

        ts = &segs[*n];

        if (s[pos] == '{' && s[end - 1] == '}' && end - pos > 2
            && memchr(s + pos + 1, '{', end - pos - 2) == NULL
            && memchr(s + pos + 1, '}', end - pos - 2) == NULL)
        {
            ts->text = il_api_pstrndup(api, s + pos + 1, end - pos - 2);
            ts->len = end - pos - 2;
            ts->param = 1;

            if (ts->text == NULL) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }

            for (k = 0; k < *n; k++) {
                if (segs[k].param && segs[k].len == ts->len
                    && memcmp(segs[k].text, ts->text, ts->len) == 0)
                {
                    snprintf(err, errlen, "path \"%s\" names parameter "
                             "\"%s\" twice", tpl, ts->text);
                    return -1;
                }
            }

        } else if (memchr(s + pos, '{', end - pos)
                   || memchr(s + pos, '}', end - pos))
        {
            snprintf(err, errlen, "path \"%s\": a template parameter must "
                     "be a whole segment, \"{name}\" between two \"/\"",
                     tpl);
            return -1;

        } else {
            buf = il_api_pstrndup(api, s + pos, end - pos);
            if (buf == NULL) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }

            dlen = il_pct_decode(buf, s + pos, end - pos, 0, 1);

            if (dlen <= 0
                || (dlen == 1 && buf[0] == '.')
                || (dlen == 2 && buf[0] == '.' && buf[1] == '.'))
            {
                snprintf(err, errlen, "path \"%s\" has a segment that "
                         "cannot match: a broken percent escape, a NUL or "
                         "a dot segment", tpl);
                return -1;
            }

            buf[dlen] = '\0';
            ts->text = buf;
            ts->len = (size_t) dlen;
            ts->param = 0;
        }

        (*n)++;
        pos = end + 1;
    }

    return 0;
}


int
il_route_insert(il_api_t *api, il_path_t *path, const il_tseg_t *segs,
    size_t nsegs, int slash, char *err, size_t errlen)
{
    size_t       i;
    il_node_t   *node, *next;
    il_path_t  **slot;

    node = api->tree;

    for (i = 0; i < nsegs; i++) {
        if (segs[i].param) {
            next = node->param;

        } else {
            next = il_node_find(node, segs[i].text, segs[i].len);
        }

        if (next == NULL) {
            next = il_node_add(node, &segs[i]);
            if (next == NULL) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }

        node = next;
    }

    slot = slash ? &node->path_slash : &node->path;

    if (*slot != NULL) {
        snprintf(err, errlen, "paths \"%s\" and \"%s\" are the same "
                 "template", (*slot)->template, path->template);
        return -1;
    }

    *slot = path;

    if (nsegs > api->depth) {
        api->depth = nsegs;
    }

    return 0;
}


void
il_route_free(il_node_t *node)
{
    size_t  i;

    if (node == NULL) {
        return;
    }

    for (i = 0; i < node->nlit; i++) {
        il_route_free(node->lit[i]);
    }

    il_route_free(node->param);
    free(node->lit);
    free(node);
}


static il_node_t *
il_node_add(il_node_t *node, const il_tseg_t *ts)
{
    size_t      n, i;
    il_node_t  *child, **lit;

    child = calloc(1, sizeof(il_node_t));
    if (child == NULL) {
        return NULL;
    }

    child->seg = ts->text;
    child->len = ts->len;

    if (ts->param) {
        node->param = child;
        return child;
    }

    if (node->nlit == node->nalloc) {
        n = node->nalloc ? node->nalloc * 2 : 4;
        lit = realloc(node->lit, n * sizeof(il_node_t *));
        if (lit == NULL) {
            free(child);
            return NULL;
        }

        node->lit = lit;
        node->nalloc = n;
    }

    for (i = node->nlit; i > 0; i--) {
        if (il_node_cmp(&node->lit[i - 1], &child) < 0) {
            break;
        }

        node->lit[i] = node->lit[i - 1];
    }

    node->lit[i] = child;
    node->nlit++;

    return child;
}


static int
il_node_cmp(const void *a, const void *b)
{
    const il_node_t  *x, *y;

    x = *(il_node_t * const *) a;
    y = *(il_node_t * const *) b;

    if (x->len != y->len) {
        return x->len < y->len ? -1 : 1;
    }

    return memcmp(x->seg, y->seg, x->len);
}


/* Literal children are kept in il_node_cmp()'s order as they are added. */

static il_node_t *
il_node_find(const il_node_t *node, const char *seg, size_t len)
{
    int         rc;
    size_t      lo, hi, mid;
    il_node_t  *c;

    lo = 0;
    hi = node->nlit;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = node->lit[mid];

        if (c->len != len) {
            rc = c->len < len ? -1 : 1;

        } else {
            rc = memcmp(c->seg, seg, len);
        }

        if (rc == 0) {
            return c;
        }

        if (rc < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return NULL;
}


il_route_rc_e
il_api_route(const il_api_t *api, const char *method, size_t method_len,
    const char *path, size_t path_len, il_route_t *rt, char *scratch,
    size_t scratch_len)
{
    long              dlen;
    size_t            pos, end, n, used, i;
    il_op_t          *op;
    il_walk_t         w;
    il_rseg_t         segs[IL_ROUTE_DEPTH_MAX];
    const char       *p;
    il_method_e       m;
    const il_path_t  *found;

    rt->path = NULL;
    rt->op = NULL;
    rt->nparams = 0;

    if (path_len == 0 || path[0] != '/' || scratch_len < path_len) {
        return IL_ROUTE_NOT_FOUND;
    }

    n = 0;
    used = 0;
    pos = 1;

    while (pos < path_len) {
        p = memchr(path + pos, '/', path_len - pos);
        end = p ? (size_t) (p - path) : path_len;

        if (end == pos || n == api->depth) {
            return IL_ROUTE_NOT_FOUND;
        }

        dlen = il_pct_decode(scratch + used, path + pos, end - pos, 0, 1);

        /* dot segments would be resolved by anything that normalizes */
        if (dlen <= 0
            || (dlen == 1 && scratch[used] == '.')
            || (dlen == 2 && scratch[used] == '.' && scratch[used + 1] == '.'))
        {
            return IL_ROUTE_NOT_FOUND;
        }

        segs[n].text = scratch + used;
        segs[n].len = (size_t) dlen;
        used += (size_t) dlen;
        n++;

        pos = end + 1;
    }

    w.segs = segs;
    w.nsegs = n;
    w.slash = path[path_len - 1] == '/';
    w.nstack = 0;

    found = il_route_walk(api->tree, 0, &w);

    if (found == NULL) {
        return IL_ROUTE_NOT_FOUND;
    }

    rt->path = found;
    rt->nparams = w.nstack;

    for (i = 0; i < w.nstack; i++) {
        rt->params[i].name = found->names[i];
        rt->params[i].value = segs[w.stack[i]].text;
        rt->params[i].len = segs[w.stack[i]].len;
    }

    m = il_method_index(method, method_len);

    if (m == IL_M_N) {
        return IL_ROUTE_METHOD_NOT_ALLOWED;
    }

    op = found->ops[m];

    if (op == NULL && m == IL_M_HEAD) {
        op = found->ops[IL_M_GET];
    }

    if (op == NULL) {
        return IL_ROUTE_METHOD_NOT_ALLOWED;
    }

    rt->op = op;

    return IL_ROUTE_FOUND;
}


/* A concrete segment is tried before the template one, as OpenAPI says. */

static const il_path_t *
il_route_walk(const il_node_t *node, size_t i, il_walk_t *w)
{
    il_node_t        *child;
    const il_path_t  *found;

    if (i == w->nsegs) {
        return w->slash ? node->path_slash : node->path;
    }

    child = il_node_find(node, w->segs[i].text, w->segs[i].len);

    if (child != NULL) {
        found = il_route_walk(child, i + 1, w);
        if (found != NULL) {
            return found;
        }
    }

    if (node->param == NULL || w->nstack == IL_ROUTE_PARAMS_MAX) {
        return NULL;
    }

    w->stack[w->nstack++] = i;

    found = il_route_walk(node->param, i + 1, w);
    if (found != NULL) {
        return found;
    }

    w->nstack--;

    return NULL;
}


static il_method_e
il_method_index(const char *m, size_t len)
{
    switch (len) {

    case 3:
        if (memcmp(m, "GET", 3) == 0) {
            return IL_M_GET;
        }

        if (memcmp(m, "PUT", 3) == 0) {
            return IL_M_PUT;
        }

        break;

    case 4:
        if (memcmp(m, "HEAD", 4) == 0) {
            return IL_M_HEAD;
        }

        if (memcmp(m, "POST", 4) == 0) {
            return IL_M_POST;
        }

        break;

    case 5:
        if (memcmp(m, "PATCH", 5) == 0) {
            return IL_M_PATCH;
        }

        if (memcmp(m, "TRACE", 5) == 0) {
            return IL_M_TRACE;
        }

        break;

    case 6:
        if (memcmp(m, "DELETE", 6) == 0) {
            return IL_M_DELETE;
        }

        break;

    case 7:
        if (memcmp(m, "OPTIONS", 7) == 0) {
            return IL_M_OPTIONS;
        }

        break;
    }

    return IL_M_N;
}
