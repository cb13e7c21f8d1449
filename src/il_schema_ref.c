
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * $ref within one document: URI resolution (RFC 3986, section 5.2), the
 * $id and $anchor index, and JSON pointers (RFC 6901) in fragments.
 */


#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


typedef struct {
    const char  *scheme;
    size_t       scheme_len;
    const char  *auth;
    size_t       auth_len;
    const char  *path;
    size_t       path_len;
    const char  *query;
    size_t       query_len;
    const char  *frag;
    size_t       frag_len;
    unsigned     has_scheme:1;
    unsigned     has_auth:1;
    unsigned     has_query:1;
    unsigned     has_frag:1;
} il_uri_t;


typedef struct {
    char    *buf;
    size_t   len;
    size_t   cap;
    int      nomem;
} il_str_t;


static void il_uri_parse(const char *s, il_uri_t *u);
static void il_str_put(il_str_t *b, const char *s, size_t len);
static void il_uri_remove_dots(il_str_t *out, const char *path, size_t len);
static int il_schema_index_walk(il_schema_cc_t *cc, json_t *json,
    const char *base);
static int il_schema_register(il_schema_cc_t *cc, const char *uri,
    json_t *json, const char *base);
static const il_schema_res_t *il_schema_res_find(il_schema_doc_t *doc,
    const char *uri, size_t len);
static size_t il_schema_percent_decode(char *s, size_t len);
static int il_schema_hexval(int c);


char *
il_schema_uri_resolve(il_schema_doc_t *doc, const char *base, const char *ref)
{
    char      *res;
    il_str_t   path, out;
    il_uri_t   b, r;
    size_t     i, slash;

    il_uri_parse(base, &b);
    il_uri_parse(ref, &r);

    memset(&path, 0, sizeof(il_str_t));
    memset(&out, 0, sizeof(il_str_t));

    if (r.has_scheme) {
        b.scheme = r.scheme;
        b.scheme_len = r.scheme_len;
        b.has_auth = r.has_auth;
        b.auth = r.auth;
        b.auth_len = r.auth_len;
        il_uri_remove_dots(&path, r.path, r.path_len);
        b.has_query = r.has_query;
        b.query = r.query;
        b.query_len = r.query_len;

    } else if (r.has_auth) {
        b.has_auth = 1;
        b.auth = r.auth;
        b.auth_len = r.auth_len;
        il_uri_remove_dots(&path, r.path, r.path_len);
        b.has_query = r.has_query;
        b.query = r.query;
        b.query_len = r.query_len;

    } else if (r.path_len == 0) {
        il_str_put(&path, b.path, b.path_len);

        if (r.has_query) {
            b.has_query = 1;
            b.query = r.query;
            b.query_len = r.query_len;
        }

    } else {
        if (r.path[0] == '/') {
            il_uri_remove_dots(&path, r.path, r.path_len);

        } else {
            /* merge: the base path up to its last "/", then the ref */
            il_str_t  merged;

            memset(&merged, 0, sizeof(il_str_t));

            if (b.has_auth && b.path_len == 0) {
                il_str_put(&merged, "/", 1);

            } else {
                slash = 0;

                for (i = 0; i < b.path_len; i++) {
                    if (b.path[i] == '/') {
                        slash = i + 1;
                    }
                }

                il_str_put(&merged, b.path, slash);
            }

            il_str_put(&merged, r.path, r.path_len);
            il_uri_remove_dots(&path, merged.buf ? merged.buf : "",
                               merged.len);
            free(merged.buf);
        }

        b.has_query = r.has_query;
        b.query = r.query;
        b.query_len = r.query_len;
    }

    if (b.has_scheme) {
        il_str_put(&out, b.scheme, b.scheme_len);
        il_str_put(&out, ":", 1);
    }

    if (b.has_auth) {
        il_str_put(&out, "//", 2);
        il_str_put(&out, b.auth, b.auth_len);
    }

    il_str_put(&out, path.buf ? path.buf : "", path.len);

    if (b.has_query) {
        il_str_put(&out, "?", 1);
        il_str_put(&out, b.query, b.query_len);
    }

    if (r.has_frag) {
        il_str_put(&out, "#", 1);
        il_str_put(&out, r.frag, r.frag_len);
    }

    res = NULL;

    if (!out.nomem && !path.nomem) {
        res = il_schema_strndup(doc, out.buf ? out.buf : "", out.len);
    }

    free(path.buf);
    free(out.buf);

    return res;
}


/* RFC 3986, appendix B. */

static void
il_uri_parse(const char *s, il_uri_t *u)
{
    size_t  i, len;

    memset(u, 0, sizeof(il_uri_t));
    len = strlen(s);

    for (i = 0; i < len && strchr(":/?#", s[i]) == NULL; i++) {
        /* void */
    }

    if (i > 0 && i < len && s[i] == ':') {
        u->has_scheme = 1;
        u->scheme = s;
        u->scheme_len = i;
        s += i + 1;
        len -= i + 1;
    }

    if (len >= 2 && s[0] == '/' && s[1] == '/') {
        for (i = 2; i < len && strchr("/?#", s[i]) == NULL; i++) {
            /* void */
        }

        u->has_auth = 1;
        u->auth = s + 2;
        u->auth_len = i - 2;
        s += i;
        len -= i;
    }

    for (i = 0; i < len && s[i] != '?' && s[i] != '#'; i++) {
        /* void */
    }

    u->path = s;
    u->path_len = i;
    s += i;
    len -= i;

    if (len > 0 && s[0] == '?') {
        for (i = 1; i < len && s[i] != '#'; i++) {
            /* void */
        }

        u->has_query = 1;
        u->query = s + 1;
        u->query_len = i - 1;
        s += i;
        len -= i;
    }

    if (len > 0 && s[0] == '#') {
        u->has_frag = 1;
        u->frag = s + 1;
        u->frag_len = len - 1;
    }
}


/* RFC 3986, section 5.2.4. */

static void
il_uri_remove_dots(il_str_t *out, const char *p, size_t len)
{
    size_t  i, n;

    out->len = 0;

    while (len > 0) {
        if (len >= 3 && memcmp(p, "../", 3) == 0) {
            p += 3;
            len -= 3;

        } else if (len >= 2 && memcmp(p, "./", 2) == 0) {
            p += 2;
            len -= 2;

        } else if (len >= 3 && memcmp(p, "/./", 3) == 0) {
            p += 2;
            len -= 2;

        } else if (len == 2 && memcmp(p, "/.", 2) == 0) {
            p = "/";
            len = 1;

        } else if ((len >= 4 && memcmp(p, "/../", 4) == 0)
                   || (len == 3 && memcmp(p, "/..", 3) == 0))
        {
            if (len == 3) {
                p = "/";
                len = 1;

            } else {
                p += 3;
                len -= 3;
            }

            while (out->len > 0 && out->buf[out->len - 1] != '/') {
                out->len--;
            }

            if (out->len > 0) {
                out->len--;
            }

        } else if ((len == 1 && p[0] == '.')
                   || (len == 2 && memcmp(p, "..", 2) == 0))
        {
            len = 0;

        } else {
            n = (p[0] == '/') ? 1 : 0;

            for (i = n; i < len && p[i] != '/'; i++) {
                /* void */
            }

            il_str_put(out, p, i);
            p += i;
            len -= i;
        }
    }
}


static void
il_str_put(il_str_t *b, const char *s, size_t len)
{
    char    *nb;
    size_t   cap;

    if (b->nomem) {
        return;
    }

    if (b->len + len + 1 > b->cap) {
        cap = (b->len + len + 1) * 2;
        nb = realloc(b->buf, cap);

        if (nb == NULL) {
            b->nomem = 1;
            return;
        }

        b->buf = nb;
        b->cap = cap;
    }

    memcpy(b->buf + b->len, s, len);
    b->len += len;
    b->buf[b->len] = '\0';
}


/*
 * Records every $id and $anchor in the subschemas under json, following
 * the same keywords as the compiler, so a $ref can find them before they
 * are compiled.  cc->ptr holds json's pointer on entry and on return.
 */

int
il_schema_index(il_schema_cc_t *cc, json_t *json, const char *base,
    const char *pointer)
{
    int    rc;
    char  *saved;

    saved = il_schema_strndup(cc->doc, cc->ptr ? cc->ptr : "", cc->plen);
    if (saved == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    if (il_schema_ptr_reset(cc, pointer) != 0) {
        return -1;
    }

    rc = il_schema_index_walk(cc, json, base);

    if (il_schema_ptr_reset(cc, saved) != 0) {
        return -1;
    }

    return rc;
}


static int
il_schema_index_walk(il_schema_cc_t *cc, json_t *json, const char *base)
{
    char               *uri;
    size_t              plen, i, nlen;
    json_t             *v, *id, *sub;
    const char         *k, *name, *b, *hash, **a;
    static const char  *anchors[] = { "$anchor", "$dynamicAnchor", NULL };

    if (!json_is_object(json)
        || il_schema_map_get(&cc->doc->seen, json) != NULL)
    {
        return 0;
    }

    if (cc->nest >= IL_SCHEMA_NEST_MAX) {
        return il_schema_fail(cc, "schema nested deeper than %d levels",
                              IL_SCHEMA_NEST_MAX);
    }

    if (il_schema_map_put(&cc->doc->seen, json, json) != 0) {
        return il_schema_fail(cc, "out of memory");
    }

    b = base;

    id = json_object_get(json, "$id");
    if (json_is_string(id)) {
        uri = il_schema_uri_resolve(cc->doc, base, json_string_value(id));
        if (uri == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        hash = strchr(uri, '#');
        if (hash != NULL) {
            if (hash[1] != '\0') {
                return il_schema_fail(cc, "\"$id\" must not have a "
                                      "fragment; use \"$anchor\"");
            }

            uri[hash - uri] = '\0';
        }

        if (il_schema_register(cc, uri, json, base) != 0) {
            return -1;
        }

        b = uri;
    }

    for (a = anchors; *a; a++) {
        v = json_object_get(json, *a);
        if (!json_is_string(v)) {
            continue;
        }

        name = json_string_value(v);
        nlen = strlen(b) + strlen(name) + 2;

        uri = il_schema_alloc(cc->doc, nlen);
        if (uri == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        strcpy(uri, b);
        strcat(uri, "#");
        strcat(uri, name);

        if (il_schema_register(cc, uri, json, b) != 0) {
            return -1;
        }
    }

    plen = cc->plen;
    cc->nest++;

    json_object_foreach(json, k, v) {

        if (il_schema_ptr_push(cc, k, strlen(k)) != 0) {
            return -1;
        }

        if (il_schema_kw_single(k)) {
            if (il_schema_index_walk(cc, v, b) != 0) {
                return -1;
            }

        } else if (il_schema_kw_map(k) && json_is_object(v)) {
            size_t       plen2;
            const char  *k2;

            plen2 = cc->plen;

            json_object_foreach(v, k2, sub) {
                if (il_schema_ptr_push(cc, k2, strlen(k2)) != 0
                    || il_schema_index_walk(cc, sub, b) != 0)
                {
                    return -1;
                }

                il_schema_ptr_set(cc, plen2);
            }

        } else if (il_schema_kw_list(k) && json_is_array(v)) {
            size_t  plen2;
            char    idx[24];

            plen2 = cc->plen;

            json_array_foreach(v, i, sub) {
                snprintf(idx, sizeof(idx), "%zu", i);

                if (il_schema_ptr_push(cc, idx, strlen(idx)) != 0
                    || il_schema_index_walk(cc, sub, b) != 0)
                {
                    return -1;
                }

                il_schema_ptr_set(cc, plen2);
            }
        }

        il_schema_ptr_set(cc, plen);
    }

    cc->nest--;

    return 0;
}


static int
il_schema_register(il_schema_cc_t *cc, const char *uri, json_t *json,
    const char *base)
{
    size_t            cap;
    il_schema_res_t  *res, *r;
    il_schema_doc_t  *doc;

    doc = cc->doc;

    r = (il_schema_res_t *) il_schema_res_find(doc, uri, strlen(uri));
    if (r != NULL) {
        if (r->json == json) {
            return 0;
        }

        return il_schema_fail(cc, "\"%s\" is defined twice", uri);
    }

    if (doc->nres == doc->cres) {
        cap = doc->cres ? doc->cres * 2 : 16;
        res = realloc(doc->res, cap * sizeof(il_schema_res_t));
        if (res == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        doc->res = res;
        doc->cres = cap;
    }

    r = &doc->res[doc->nres];

    r->uri = uri;
    r->json = json;
    r->base = base;
    r->pointer = il_schema_strndup(doc, cc->ptr, cc->plen);

    if (r->pointer == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    doc->nres++;

    return 0;
}


static const il_schema_res_t *
il_schema_res_find(il_schema_doc_t *doc, const char *uri, size_t len)
{
    size_t  i;

    for (i = 0; i < doc->nres; i++) {
        if (strlen(doc->res[i].uri) == len
            && memcmp(doc->res[i].uri, uri, len) == 0)
        {
            return &doc->res[i];
        }
    }

    return NULL;
}


const il_schema_res_t *
il_schema_ref_find_res(il_schema_doc_t *doc, const char *uri)
{
    return il_schema_res_find(doc, uri, strlen(uri));
}


/*
 * Finds what ref names, relative to base.  Returns the target with the
 * base URI around it and its JSON pointer, or NULL when nothing in the
 * document carries that URI (a remote reference or a dangling one).
 */

json_t *
il_schema_ref_find(il_schema_cc_t *cc, const char *base, const char *ref,
    const char **tbase, const char **tpointer)
{
    char                   *full, *hash, *frag, *p;
    size_t                  flen, rlen;
    json_t                 *target;
    const il_schema_res_t  *res, *anchor;

    full = il_schema_uri_resolve(cc->doc, base, ref);
    if (full == NULL) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    hash = strchr(full, '#');

    res = il_schema_res_find(cc->doc, full,
                             hash ? (size_t) (hash - full) : strlen(full));
    if (res == NULL) {
        return NULL;
    }

    if (hash == NULL || hash[1] == '\0') {
        *tbase = res->base;
        *tpointer = res->pointer;
        return res->json;
    }

    frag = hash + 1;
    flen = il_schema_percent_decode(frag, strlen(frag));

    if (frag[0] != '/') {
        anchor = il_schema_res_find(cc->doc, full, (hash - full) + 1 + flen);
        if (anchor == NULL) {
            return NULL;
        }

        *tbase = anchor->base;
        *tpointer = anchor->pointer;
        return anchor->json;
    }

    /* inside a resource its own URI is the base */
    target = il_schema_pointer_walk(cc, res->json, frag, flen, res->uri,
                                    tbase);
    if (target == NULL) {
        return NULL;
    }

    rlen = strlen(res->pointer);

    p = il_schema_alloc(cc->doc, rlen + flen + 1);
    if (p == NULL) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    memcpy(p, res->pointer, rlen);
    memcpy(p + rlen, frag, flen);
    p[rlen + flen] = '\0';

    *tpointer = p;

    return target;
}


/*
 * Follows a JSON pointer from "from".  Each object passed on the way that
 * has an $id moves the base URI, so *tbase is the base around the target.
 */

json_t *
il_schema_pointer_walk(il_schema_cc_t *cc, json_t *from, const char *ptr,
    size_t len, const char *base, const char **tbase)
{
    char        *seg, *uri;
    size_t       i, j, n, idx;
    json_t      *cur, *id;
    const char  *b;

    seg = malloc(len + 1);
    if (seg == NULL) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    cur = from;
    b = base;
    i = 0;

    while (i < len) {
        if (ptr[i] != '/') {
            goto notfound;
        }

        i++;
        n = 0;

        for (j = i; j < len && ptr[j] != '/'; j++) {
            if (ptr[j] == '~' && j + 1 < len
                && (ptr[j + 1] == '0' || ptr[j + 1] == '1'))
            {
                seg[n++] = (ptr[j + 1] == '0') ? '~' : '/';
                j++;

            } else {
                seg[n++] = ptr[j];
            }
        }

        seg[n] = '\0';
        i = j;

        if (cur != from) {
            id = json_object_get(cur, "$id");

            if (json_is_string(id)) {
                uri = il_schema_uri_resolve(cc->doc, b, json_string_value(id));
                if (uri == NULL) {
                    goto notfound;
                }

                if (strchr(uri, '#') != NULL) {
                    *strchr(uri, '#') = '\0';
                }

                b = uri;
            }
        }

        if (json_is_object(cur)) {
            cur = json_object_getn(cur, seg, n);

        } else if (json_is_array(cur)) {
            if (n == 0 || (n > 1 && seg[0] == '0')) {
                goto notfound;
            }

            idx = 0;

            for (j = 0; j < n; j++) {
                if (seg[j] < '0' || seg[j] > '9' || idx > 100000000) {
                    goto notfound;
                }

                idx = idx * 10 + (seg[j] - '0');
            }

            cur = json_array_get(cur, idx);

        } else {
            cur = NULL;
        }

        if (cur == NULL) {
            goto notfound;
        }
    }

    free(seg);
    *tbase = b;

    return cur;

notfound:

    free(seg);

    return NULL;
}


static size_t
il_schema_percent_decode(char *s, size_t len)
{
    int     hi, lo;
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len) {
            hi = il_schema_hexval(s[i + 1]);
            lo = il_schema_hexval(s[i + 2]);

            if (hi >= 0 && lo >= 0) {
                s[n++] = (char) (hi * 16 + lo);
                i += 2;
                continue;
            }
        }

        s[n++] = s[i];
    }

    s[n] = '\0';

    return n;
}


static int
il_schema_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}
