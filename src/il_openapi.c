
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Loading an OpenAPI 3.1 document: $ref checks, the servers prefix, every
 * path and operation with its parameters and body compiled, and the 404
 * each path answers with.  Everything lives until il_api_free().
 */


#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "il_openapi_int.h"


#define IL_CHUNK_SIZE   16384
#define IL_URL_MAX      1024



struct il_chunk_s {
    il_chunk_t  *next;
    size_t       size;
    size_t       used;
};


static int il_load_prefix(il_load_t *ld);
static int il_load_path(il_load_t *ld, const char *tpl, json_t *item,
    const char *ptr);
static int il_load_op(il_load_t *ld, il_path_t *path, il_method_e m,
    json_t *opj, const char *optr, json_t *shared, const char *sptr);
static int il_load_param(il_load_t *ld, il_path_t *path, json_t *pj,
    const char *pptr, il_param_t *p);
static int il_load_body(il_load_t *ld, il_op_t *op, json_t *opj,
    const char *optr);
static il_schema_t *il_compile(il_load_t *ld, const char *ptr);
static int il_compile_components(il_load_t *ld);
static const char *il_allow(il_api_t *api, const il_path_t *path);


static const char  *il_methods[IL_M_N][2] = {
    { "get", "GET" },
    { "head", "HEAD" },
    { "post", "POST" },
    { "put", "PUT" },
    { "patch", "PATCH" },
    { "delete", "DELETE" },
    { "options", "OPTIONS" },
    { "trace", "TRACE" }
};


il_api_t *
il_api_load(const char *file, unsigned flags, char *err, size_t errlen)
{
    char           ptr[IL_POINTER_MAX];
    json_t        *root, *paths, *item, *v;
    il_api_t      *api;
    il_load_t      ld;
    const char    *key;
    json_error_t   je;

    root = json_load_file(file, JSON_REJECT_DUPLICATES, &je);

    if (root == NULL) {
        if (je.line < 1) {
            snprintf(err, errlen, "%s: %s", file, je.text);

        } else {
            snprintf(err, errlen, "%s: invalid JSON at line %d, column %d: "
                     "%s", file, je.line, je.column, je.text);
        }

        return NULL;
    }

    api = calloc(1, sizeof(il_api_t));
    if (api == NULL) {
        json_decref(root);
        snprintf(err, errlen, "%s: out of memory", file);
        return NULL;
    }

    api->root = root;

    memset(&ld, 0, sizeof(il_load_t));
    ld.api = api;
    ld.err = err;
    ld.errlen = errlen;

    api->file = il_api_pstrndup(api, file, strlen(file));
    api->tree = calloc(1, sizeof(il_node_t));

    if (api->file == NULL || api->tree == NULL) {
        snprintf(err, errlen, "%s: out of memory", file);
        goto failed;
    }

    if (!json_is_object(root)) {
        il_load_fail(&ld, "the document is not a JSON object");
        goto failed;
    }

    v = json_object_get(root, "openapi");

    if (!json_is_string(v) || strncmp(json_string_value(v), "3.1", 3) != 0) {
        il_load_fail(&ld, "\"openapi\" must be a 3.1 version at /openapi");
        goto failed;
    }

    ptr[0] = '\0';

    if (il_ref_check(&ld, root, ptr) != 0 || il_load_prefix(&ld) != 0) {
        goto failed;
    }

    api->sdoc = il_schema_doc_new(root, flags);
    if (api->sdoc == NULL) {
        il_load_fail(&ld, "out of memory");
        goto failed;
    }

    if (il_nf_collect(&ld) != 0) {
        goto failed;
    }

    key = il_nf_lookup(&ld, "not_found");
    api->nf_message = key ? key : "Not found.";

    paths = json_object_get(root, "paths");

    if (paths != NULL && !json_is_object(paths)) {
        il_load_fail(&ld, "\"paths\" is not an object at /paths");
        goto failed;
    }

    json_object_foreach(paths, key, item) {
        if (strncmp(key, "x-", 2) == 0) {
            continue;
        }

        if (il_ptr_cat(ptr, "/paths", key) != 0) {
            il_load_fail(&ld, "path \"%s\" is too long", key);
            goto failed;
        }

        if (il_load_path(&ld, key, item, ptr) != 0) {
            goto failed;
        }
    }

    if (il_compile_components(&ld) != 0) {
        goto failed;
    }

    free(ld.nf);

    return api;

failed:

    free(ld.nf);
    il_api_free(api);

    return NULL;
}


void
il_api_free(il_api_t *api)
{
    il_chunk_t  *c, *next;

    if (api == NULL) {
        return;
    }

    if (api->sdoc != NULL) {
        il_schema_doc_free(api->sdoc);
    }

    il_route_free(api->tree);
    json_decref(api->root);

    for (c = api->chunks; c != NULL; c = next) {
        next = c->next;
        free(c);
    }

    free(api);
}


void *
il_api_palloc(il_api_t *api, size_t size)
{
    size_t       n, off;
    il_chunk_t  *c;

    size = (size + 15) & ~(size_t) 15;
    off = (sizeof(il_chunk_t) + 15) & ~(size_t) 15;
    c = api->chunks;

    if (c == NULL || c->size - c->used < size) {
        n = size > IL_CHUNK_SIZE - off ? size + off : IL_CHUNK_SIZE;

        c = malloc(n);
        if (c == NULL) {
            return NULL;
        }

        c->size = n;
        c->used = off;
        c->next = api->chunks;
        api->chunks = c;
    }

    c->used += size;

    return memset((char *) c + c->used - size, 0, size);
}


char *
il_api_pstrndup(il_api_t *api, const char *s, size_t len)
{
    char  *p;

    p = il_api_palloc(api, len + 1);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


const char *
il_path_allow(const il_path_t *path)
{
    return path->allow;
}


const char *
il_path_not_found_code(const il_path_t *path)
{
    return path ? path->nf_code : "not_found";
}


const char *
il_path_not_found_message(const il_path_t *path)
{
    return path ? path->nf_message : "Not found.";
}


const char *
il_api_not_found_message(const il_api_t *api)
{
    return api->nf_message;
}


const char *
il_path_template(const il_path_t *path)
{
    return path->template;
}


const char *
il_op_id(const il_op_t *op)
{
    return op->id;
}


const char *
il_op_method(const il_op_t *op)
{
    return op->method;
}


il_body_kind_e
il_op_body_kind(const il_op_t *op)
{
    return op->body_kind;
}


int
il_op_body_required(const il_op_t *op)
{
    return op->body_required;
}


void
il_load_fail(il_load_t *ld, const char *fmt, ...)
{
    int      n;
    va_list  args;

    n = snprintf(ld->err, ld->errlen, "%s: ", ld->api->file);

    if (n < 0 || (size_t) n >= ld->errlen) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(ld->err + n, ld->errlen - n, fmt, args);
    va_end(args);
}


/*
 * The path of servers[0].url, with its variables at their defaults.  Only
 * the first server counts: the gateway serves one base path.
 */

static int
il_load_prefix(il_load_t *ld)
{
    char          url[IL_URL_MAX], name[IL_NAME_MAX];
    size_t        n, len;
    json_t       *servers, *server, *v;
    const char   *s, *e, *d, *path;

    ld->api->prefix = "";

    servers = json_object_get(ld->api->root, "servers");
    server = json_array_get(servers, 0);
    v = json_object_get(server, "url");

    if (!json_is_string(v)) {
        return 0;
    }

    n = 0;

    for (s = json_string_value(v); *s; s++) {
        if (*s == '{') {
            e = strchr(s, '}');
            len = e ? (size_t) (e - s - 1) : 0;

            if (e == NULL || len >= IL_NAME_MAX) {
                il_load_fail(ld, "servers[0].url has a broken variable at "
                             "/servers/0/url");
                return -1;
            }

            memcpy(name, s + 1, len);
            name[len] = '\0';

            v = json_object_get(json_object_get(json_object_get(server,
                                "variables"), name), "default");

            if (!json_is_string(v)) {
                il_load_fail(ld, "server variable \"%s\" has no default at "
                             "/servers/0/variables", name);
                return -1;
            }

            d = json_string_value(v);
            len = strlen(d);
            s = e;

        } else {
            d = s;
            len = 1;
        }

        if (n + len >= IL_URL_MAX - 1) {
            il_load_fail(ld, "servers[0].url is too long at /servers/0/url");
            return -1;
        }

        memcpy(url + n, d, len);
        n += len;
    }

    url[n] = '\0';

    path = url;
    s = strstr(url, "://");

    /* skip a scheme and an authority, keep a relative url as it is */

    if (s != NULL && s < url + strcspn(url, "/?#")) {
        path = s + 3 + strcspn(s + 3, "/?#");

    } else if (url[0] == '/' && url[1] == '/') {
        path = url + 2 + strcspn(url + 2, "/?#");
    }

    len = strcspn(path, "?#");

    while (len > 0 && path[len - 1] == '/') {
        len--;
    }

    if (len == 0) {
        return 0;
    }

    if (path[0] != '/') {
        memmove(url + 1, path, len);
        url[0] = '/';
        path = url;
        len++;
    }

    ld->api->prefix = il_api_pstrndup(ld->api, path, len);
    if (ld->api->prefix == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    for (n = 0; n < len; n++) {
        ld->api->nprefix += path[n] == '/';
    }

    return 0;
}


static int
il_load_path(il_load_t *ld, const char *tpl, json_t *item, const char *ptr)
{
    int           slash;
    char          iptr[IL_POINTER_MAX], sptr[IL_POINTER_MAX];
    char          optr[IL_POINTER_MAX], e[512];
    size_t        nsegs, i, n;
    json_t       *shared, *opj;
    il_tseg_t     segs[IL_ROUTE_DEPTH_MAX];
    il_path_t    *path;
    il_method_e   m;

    strcpy(iptr, ptr);

    item = il_ref_resolve(ld, item, iptr);
    if (item == NULL) {
        return -1;
    }

    if (!json_is_object(item)) {
        il_load_fail(ld, "path item is not an object at %s", iptr);
        return -1;
    }

    path = il_api_palloc(ld->api, sizeof(il_path_t));
    if (path == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    path->template = il_api_pstrndup(ld->api, tpl, strlen(tpl));
    if (path->template == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    if (il_template_split(ld->api, tpl, segs, &nsegs, &slash, e, sizeof(e))
        != 0)
    {
        il_load_fail(ld, "%s at %s", e, ptr);
        return -1;
    }

    n = 0;

    for (i = 0; i < nsegs; i++) {
        n += segs[i].param;
    }

    if (n > IL_ROUTE_PARAMS_MAX) {
        il_load_fail(ld, "path \"%s\" has more than %d parameters at %s", tpl,
                     IL_ROUTE_PARAMS_MAX, ptr);
        return -1;
    }

    path->names = il_api_palloc(ld->api, (n + 1) * sizeof(char *));
    if (path->names == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    for (i = 0; i < nsegs; i++) {
        if (segs[i].param) {
            path->names[path->nnames++] = segs[i].text;
        }
    }

    if (il_route_insert(ld->api, path, segs, nsegs, slash, e, sizeof(e))
        != 0)
    {
        il_load_fail(ld, "%s at %s", e, ptr);
        return -1;
    }

    /* the servers prefix names no resource */

    if (il_nf_name(ld, path, segs + ld->api->nprefix,
                   nsegs - ld->api->nprefix)
        != 0)
    {
        return -1;
    }

    shared = json_object_get(item, "parameters");

    if (shared != NULL && !json_is_array(shared)) {
        il_load_fail(ld, "\"parameters\" is not an array at %s/parameters",
                     iptr);
        return -1;
    }

    if (il_ptr_cat(sptr, iptr, "parameters") != 0) {
        il_load_fail(ld, "pointer too long at %s", iptr);
        return -1;
    }

    for (m = 0; m < IL_M_N; m++) {
        opj = json_object_get(item, il_methods[m][0]);

        if (opj == NULL) {
            continue;
        }

        if (il_ptr_cat(optr, iptr, il_methods[m][0]) != 0) {
            il_load_fail(ld, "pointer too long at %s", iptr);
            return -1;
        }

        if (il_load_op(ld, path, m, opj, optr, shared, sptr) != 0) {
            return -1;
        }
    }

    path->allow = il_allow(ld->api, path);
    if (path->allow == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    ld->api->npaths++;

    return 0;
}


static int
il_load_op(il_load_t *ld, il_path_t *path, il_method_e m, json_t *opj,
    const char *optr, json_t *shared, const char *sptr)
{
    int           rc;
    char          ptr[IL_POINTER_MAX], idx[24];
    size_t        i, j, n, nown;
    json_t       *own, *v;
    il_op_t      *op;
    il_param_t   *p;

    if (!json_is_object(opj)) {
        il_load_fail(ld, "operation is not an object at %s", optr);
        return -1;
    }

    own = json_object_get(opj, "parameters");

    if (own != NULL && !json_is_array(own)) {
        il_load_fail(ld, "\"parameters\" is not an array at %s/parameters",
                     optr);
        return -1;
    }

    nown = json_array_size(own);
    n = nown + json_array_size(shared);

    if (n > IL_OP_PARAMS_MAX) {
        il_load_fail(ld, "more than %d parameters at %s", IL_OP_PARAMS_MAX,
                     optr);
        return -1;
    }

    op = il_api_palloc(ld->api, sizeof(il_op_t));
    p = il_api_palloc(ld->api, (n + 1) * sizeof(il_param_t));

    if (op == NULL || p == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    op->path = path;
    op->params = p;
    op->method = il_methods[m][1];

    v = json_object_get(opj, "operationId");

    if (json_is_string(v)) {
        op->id = json_string_value(v);

    } else {
        snprintf(ptr, sizeof(ptr), "%s %s", op->method, path->template);
        op->id = il_api_pstrndup(ld->api, ptr, strlen(ptr));
        if (op->id == NULL) {
            il_load_fail(ld, "out of memory");
            return -1;
        }
    }

    /* the operation's own parameters override the path item's */

    for (i = 0; i < n; i++) {
        snprintf(idx, sizeof(idx), "%zu", i < nown ? i : i - nown);

        if (i < nown) {
            rc = il_ptr_cat(ptr, optr, "parameters");
            rc = rc ? rc : il_ptr_cat(ptr, ptr, idx);
            v = json_array_get(own, i);

        } else {
            rc = il_ptr_cat(ptr, sptr, idx);
            v = json_array_get(shared, i - nown);
        }

        if (rc != 0) {
            il_load_fail(ld, "pointer too long at %s", optr);
            return -1;
        }

        if (il_load_param(ld, path, v, ptr, &p[op->nparams]) != 0) {
            return -1;
        }

        for (j = 0; j < op->nparams; j++) {
            if (p[j].in == p[op->nparams].in
                && strcmp(p[j].name, p[op->nparams].name) == 0)
            {
                break;
            }
        }

        if (j < op->nparams) {
            if (i < nown) {
                il_load_fail(ld, "parameter \"%s\" is declared twice at %s",
                             p[j].name, ptr);
                return -1;
            }

            continue;
        }

        op->nparams++;
    }

    if (il_load_body(ld, op, opj, optr) != 0) {
        return -1;
    }

    path->ops[m] = op;
    ld->api->nops++;

    return 0;
}


static int
il_load_param(il_load_t *ld, il_path_t *path, json_t *pj, const char *pptr,
    il_param_t *p)
{
    int           form;
    char          ptr[IL_POINTER_MAX], field[IL_NAME_MAX + 8];
    size_t        i;
    json_t       *v;
    const char   *in, *style;

    /* a slot may hold an overridden path-item parameter from before */
    memset(p, 0, sizeof(il_param_t));

    strcpy(ptr, pptr);

    pj = il_ref_resolve(ld, pj, ptr);
    if (pj == NULL) {
        return -1;
    }

    v = json_object_get(pj, "name");

    if (!json_is_string(v) || json_string_length(v) == 0
        || json_string_length(v) >= IL_NAME_MAX)
    {
        il_load_fail(ld, "parameter without a usable \"name\" at %s", ptr);
        return -1;
    }

    p->name = json_string_value(v);
    p->name_len = json_string_length(v);

    v = json_object_get(pj, "in");
    in = json_is_string(v) ? json_string_value(v) : "";

    if (strcmp(in, "query") == 0) {
        p->in = IL_IN_QUERY;

    } else if (strcmp(in, "header") == 0) {
        p->in = IL_IN_HEADER;

    } else if (strcmp(in, "path") == 0) {
        p->in = IL_IN_PATH;

    } else if (strcmp(in, "cookie") == 0) {
        p->in = IL_IN_COOKIE;
        p->skip = 1;

    } else {
        il_load_fail(ld, "parameter \"%s\" has no valid \"in\" at %s", p->name,
                     ptr);
        return -1;
    }

    p->required = json_is_true(json_object_get(pj, "required"));

    snprintf(field, sizeof(field), "%s.%s", in, p->name);
    p->field = il_api_pstrndup(ld->api, field, strlen(field));
    if (p->field == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    /* OpenAPI says these three header parameters are ignored */

    if (p->in == IL_IN_HEADER
        && (strcasecmp(p->name, "authorization") == 0
            || strcasecmp(p->name, "accept") == 0
            || strcasecmp(p->name, "content-type") == 0))
    {
        p->skip = 1;
    }

    if (p->in == IL_IN_PATH) {
        for (i = 0; i < path->nnames; i++) {
            if (strcmp(path->names[i], p->name) == 0) {
                break;
            }
        }

        if (i == path->nnames) {
            il_load_fail(ld, "path parameter \"%s\" is not in path \"%s\" "
                         "at %s", p->name, path->template, ptr);
            return -1;
        }

        p->index = i;
    }

    if (json_object_get(pj, "schema") == NULL) {
        if (json_object_get(pj, "content") == NULL) {
            il_load_fail(ld, "parameter \"%s\" has neither \"schema\" nor "
                         "\"content\" at %s", p->name, ptr);
            return -1;
        }

        p->skip = 1;
        p->types = IL_SCHEMA_T_ANY;
        p->item_types = IL_SCHEMA_T_ANY;

        return 0;
    }

    if (il_ptr_cat(ptr, ptr, "schema") != 0) {
        il_load_fail(ld, "pointer too long at %s", pptr);
        return -1;
    }

    p->schema = il_compile(ld, ptr);
    if (p->schema == NULL) {
        return -1;
    }

    p->types = il_schema_types(p->schema);
    p->item_types = il_schema_item_types(p->schema);

    v = json_object_get(pj, "style");
    style = json_is_string(v) ? json_string_value(v) : "";

    form = style[0] == '\0' || strcmp(style, "form") == 0;

    v = json_object_get(pj, "explode");
    p->explode = v ? json_is_true(v) : form;

    p->array = (p->types & IL_SCHEMA_T_ARRAY)
               && !(p->types & ~(IL_SCHEMA_T_ARRAY | IL_SCHEMA_T_NULL));

    if (p->in == IL_IN_QUERY) {
        if (strcmp(style, "spaceDelimited") == 0) {
            p->delim = ' ';
            p->explode = 0;

        } else if (strcmp(style, "pipeDelimited") == 0) {
            p->delim = '|';
            p->explode = 0;

        } else if (form) {
            p->delim = ',';

        } else {
            /* deepObject spreads one parameter over several names */
            p->skip = 1;
        }

    } else {
        p->delim = ',';
        p->explode = 0;
    }

    return 0;
}


static int
il_load_body(il_load_t *ld, il_op_t *op, json_t *opj, const char *optr)
{
    char          ptr[IL_POINTER_MAX], sptr[IL_POINTER_MAX];
    char          type[IL_NAME_MAX];
    size_t        n, len;
    json_t       *rb, *content, *media;
    il_media_t   *md;
    const char   *key;

    rb = json_object_get(opj, "requestBody");

    if (rb == NULL) {
        op->body_kind = IL_BODY_NONE;
        return 0;
    }

    if (il_ptr_cat(ptr, optr, "requestBody") != 0) {
        il_load_fail(ld, "pointer too long at %s", optr);
        return -1;
    }

    rb = il_ref_resolve(ld, rb, ptr);
    if (rb == NULL) {
        return -1;
    }

    content = json_object_get(rb, "content");

    if (!json_is_object(content)) {
        il_load_fail(ld, "requestBody has no \"content\" at %s", ptr);
        return -1;
    }

    op->body_required = json_is_true(json_object_get(rb, "required"));
    op->body_kind = IL_BODY_NONE;

    n = json_object_size(content);

    op->media = il_api_palloc(ld->api, (n + 1) * sizeof(il_media_t));
    if (op->media == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    json_object_foreach(content, key, media) {
        len = strcspn(key, "; \t");

        if (len == 0 || len >= IL_NAME_MAX) {
            il_load_fail(ld, "media type \"%s\" is not usable at %s/content",
                         key, ptr);
            return -1;
        }

        for (n = 0; n < len; n++) {
            type[n] = (char) tolower((unsigned char) key[n]);
        }

        md = &op->media[op->nmedia];
        md->type = il_api_pstrndup(ld->api, type, len);
        md->len = len;

        if (md->type == NULL) {
            il_load_fail(ld, "out of memory");
            return -1;
        }

        if (len == 16 && memcmp(type, "application/json", 16) == 0) {
            md->kind = IL_BODY_JSON;
            op->body_kind = IL_BODY_JSON;

            if (json_object_get(media, "schema") != NULL) {
                if (il_ptr_cat(sptr, ptr, "content") != 0
                    || il_ptr_cat(sptr, sptr, key) != 0
                    || il_ptr_cat(sptr, sptr, "schema") != 0)
                {
                    il_load_fail(ld, "pointer too long at %s", ptr);
                    return -1;
                }

                op->body = il_compile(ld, sptr);
                if (op->body == NULL) {
                    return -1;
                }
            }

        } else {
            md->kind = IL_BODY_MULTIPART;

            if (op->body_kind == IL_BODY_NONE) {
                op->body_kind = IL_BODY_MULTIPART;
            }
        }

        op->nmedia++;
    }

    return 0;
}


int
il_op_body_media(const il_op_t *op, const char *type, size_t len)
{
    size_t             i, n, slash;
    const il_media_t  *md;

    if (op->media == NULL) {
        return IL_BODY_NONE;
    }

    while (len > 0 && (*type == ' ' || *type == '\t')) {
        type++;
        len--;
    }

    for (n = 0; n < len && type[n] != ';' && type[n] != ' '
                && type[n] != '\t'; n++)
    {
        /* void */
    }

    for (slash = 0; slash < n && type[slash] != '/'; slash++) {
        /* void */
    }

    for (i = 0; i < op->nmedia; i++) {
        md = &op->media[i];

        if ((md->len == n && strncasecmp(md->type, type, n) == 0)
            || (md->len == 3 && memcmp(md->type, "*/*", 3) == 0)
            || (md->len == slash + 2 && slash < n
                && strncasecmp(md->type, type, slash + 1) == 0
                && md->type[slash + 1] == '*'))
        {
            return md->kind;
        }
    }

    return -1;
}


static il_schema_t *
il_compile(il_load_t *ld, const char *ptr)
{
    char          e[512];
    il_schema_t  *s;

    s = il_schema_compile(ld->api->sdoc, ptr, e, sizeof(e));

    if (s == NULL) {
        il_load_fail(ld, "%s", e);
    }

    return s;
}


/*
 * Schemas only responses use are never checked against, yet an assertion
 * the validator cannot run should still fail configuration, not lurk.
 */

static int
il_compile_components(il_load_t *ld)
{
    char         ptr[IL_POINTER_MAX];
    json_t      *schemas, *v;
    const char  *key;

    schemas = json_object_get(json_object_get(ld->api->root, "components"),
                              "schemas");

    json_object_foreach(schemas, key, v) {
        if (il_ptr_cat(ptr, "/components/schemas", key) != 0) {
            il_load_fail(ld, "schema name \"%.64s...\" is too long", key);
            return -1;
        }

        if (il_compile(ld, ptr) == NULL) {
            return -1;
        }
    }

    return 0;
}


static const char *
il_allow(il_api_t *api, const il_path_t *path)
{
    char         buf[64];
    size_t       n, len;
    il_method_e  m;

    n = 0;

    for (m = 0; m < IL_M_N; m++) {
        if (path->ops[m] == NULL
            && !(m == IL_M_HEAD && path->ops[IL_M_GET] != NULL))
        {
            continue;
        }

        len = strlen(il_methods[m][1]);

        if (n) {
            buf[n++] = ',';
            buf[n++] = ' ';
        }

        memcpy(buf + n, il_methods[m][1], len);
        n += len;
    }

    return il_api_pstrndup(api, buf, n);
}
