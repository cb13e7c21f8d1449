
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Requests checked against the OpenAPI document of their location: the
 * route, path and query parameters, and the JSON body, read in full
 * before it is proxied and left exactly as it came.  The document and its
 * schemas are compiled once, at configuration time (il_openapi.c).
 */


#include "ngx_http_interloom_module.h"
#include "il_json.h"
#include "il_schema.h"


typedef struct {
    ngx_str_t    file;
    il_api_t    *api;
} ngx_http_interloom_spec_t;


/* Where the body reader is: a chain of memory and file buffers. */
typedef struct {
    ngx_chain_t  *cl;
    off_t         offset;       /* into the current buffer */
    ngx_log_t    *log;
} ngx_http_interloom_body_reader_t;


static void ngx_http_interloom_spec_cleanup(void *data);
static size_t ngx_http_interloom_count(ngx_str_t *s, u_char c);
static size_t ngx_http_interloom_path_len(ngx_http_request_t *r);
static void ngx_http_interloom_escape_percent(u_char *dst, ngx_str_t *src);
static ngx_int_t ngx_http_interloom_route(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
static ngx_int_t ngx_http_interloom_body_media(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static ngx_uint_t ngx_http_interloom_encoded(ngx_http_request_t *r);
static void ngx_http_interloom_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_interloom_check_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static il_arena_t *ngx_http_interloom_body_arena(void);
static void ngx_http_interloom_arena_cleanup(void *data);
static size_t ngx_http_interloom_body_read(void *buf, size_t size,
    void *data);
static const char *ngx_http_interloom_header_get(void *data,
    const char *name, size_t *len);
static ngx_int_t ngx_http_interloom_send_invalid(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);


static ngx_str_t  ngx_http_interloom_allow = ngx_string("Allow");
static ngx_str_t  ngx_http_interloom_content_type =
    ngx_string("Content-Type");
static ngx_str_t  ngx_http_interloom_content_encoding =
    ngx_string("Content-Encoding");


/* Bodies are parsed into this; see ngx_http_interloom_body_arena(). */
static il_arena_t  *ngx_http_interloom_arena;


/*
 * interloom_spec FILE: a file named in several places is loaded once and
 * shared.
 */

char *
ngx_http_interloom_spec(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_interloom_loc_conf_t *ilcf = conf;

    char                            *file;
    ngx_str_t                       *value, path;
    il_api_t                        *api;
    ngx_uint_t                       i;
    ngx_pool_cleanup_t              *cln;
    ngx_http_interloom_spec_t       *spec;
    ngx_http_interloom_main_conf_t  *imcf;
    u_char                           err[NGX_HTTP_INTERLOOM_ERRLEN];

    if (ilcf->api != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    imcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_interloom_module);

    if (imcf->specs == NULL) {
        imcf->specs = ngx_array_create(cf->pool, 2,
                                       sizeof(ngx_http_interloom_spec_t));
        if (imcf->specs == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    spec = imcf->specs->elts;

    for (i = 0; i < imcf->specs->nelts; i++) {
        if (spec[i].file.len == path.len
            && ngx_strncmp(spec[i].file.data, path.data, path.len) == 0)
        {
            ilcf->api = spec[i].api;
            return NGX_CONF_OK;
        }
    }

    file = (char *) ngx_pnalloc(cf->pool, path.len + 1);
    if (file == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(file, path.data, path.len);
    file[path.len] = '\0';

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    api = il_api_load(file, IL_SCHEMA_FORMAT_ASSERT | IL_SCHEMA_REQUEST,
                      (char *) err, sizeof(err));
    if (api == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_interloom_spec_cleanup;
    cln->data = api;

    spec = ngx_array_push(imcf->specs);
    if (spec == NULL) {
        return NGX_CONF_ERROR;
    }

    spec->file = path;
    spec->api = api;

    ilcf->api = api;

    return NGX_CONF_OK;
}


static void
ngx_http_interloom_spec_cleanup(void *data)
{
    il_api_free(data);
}


/*
 * Routes the request and checks what can be checked without its body.
 * NGX_DECLINED: go on; NGX_DONE: the body is being read and the phase
 * handler runs again when it is (the request is not to be finalized);
 * anything else: the request was answered and is finalized with it.
 */

ngx_int_t
ngx_http_interloom_validate_start(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_int_t  rc;

    rc = ngx_http_interloom_route(r, ctx, ilcf);

    if (rc != NGX_DECLINED || !ilcf->validate) {
        return rc;
    }

    if (!il_op_validate_params(ctx->op, (const char *) r->args.data,
                               r->args.len, ngx_http_interloom_header_get, r,
                               &ctx->errs))
    {
        ctx->query_invalid = 1;
    }

    if (ngx_http_interloom_body_media(r, ctx) != NGX_OK) {
        return ngx_http_interloom_send_error(r,
                                         NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                         "unsupported_media_type",
                                         "Unsupported media type.", NULL);
    }

    if (ctx->body_kind != IL_BODY_JSON) {
        return ctx->query_invalid ? ngx_http_interloom_send_invalid(r, ctx)
                                  : NGX_DECLINED;
    }

    ctx->stage = NGX_HTTP_INTERLOOM_STAGE_BODY;
    ctx->uri_changes = r->uri_changes;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_interloom_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        /* 413 and the like: nginx answers, the body handler never runs */
        ctx->stage = NGX_HTTP_INTERLOOM_STAGE_DONE;
        return rc;
    }

    /*
     * the body handler may already have run, and the phases on with it;
     * the caller finalizes with NGX_DONE, for the read's reference
     */

    return NGX_DONE;
}


static ngx_int_t
ngx_http_interloom_route(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    u_char         *p, *end, *scratch, *allow;
    size_t          len;
    il_route_t      rt;
    il_route_rc_e   rc;

    /*
     * The path as the client wrote it, split on '/' first and decoded
     * after, so an encoded slash stays in its segment.  A path rewritten
     * by the configuration exists only decoded: its '%' are escaped again
     * so that decoding it once more changes nothing.
     */

    if (r->valid_unparsed_uri) {
        p = r->unparsed_uri.data;
        end = p + r->unparsed_uri.len;
        len = 0;

        while (p + len < end && p[len] != '?') {
            len++;
        }

        scratch = ngx_pnalloc(r->pool, len + 1);
        if (scratch == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else {
        len = r->uri.len + 2 * ngx_http_interloom_count(&r->uri, '%');

        p = ngx_pnalloc(r->pool, 2 * len + 1);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_interloom_escape_percent(p, &r->uri);
        scratch = p + len;
    }

    rc = il_api_route(ilcf->api, (const char *) r->method_name.data,
                      r->method_name.len, (const char *) p, len, &rt,
                      (char *) scratch, len + 1);

    ctx->api = ilcf->api;
    ctx->path = rt.path;
    ctx->op = (rc == IL_ROUTE_FOUND) ? rt.op : NULL;

    if (!ilcf->validate) {
        return NGX_DECLINED;
    }

    if (rc == IL_ROUTE_NOT_FOUND) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "interloom: no operation for \"%*s\"",
                      ngx_http_interloom_path_len(r), r->unparsed_uri.data);

        return ngx_http_interloom_send_error(r, NGX_HTTP_NOT_FOUND,
                                         "not_found",
                                         il_api_not_found_message(ilcf->api),
                                         NULL);
    }

    if (rc == IL_ROUTE_METHOD_NOT_ALLOWED) {
        allow = (u_char *) il_path_allow(rt.path);

        if (ngx_http_interloom_add_header(r, &ngx_http_interloom_allow, allow,
                                          ngx_strlen(allow))
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_interloom_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                             "method_not_allowed",
                                             "Method not allowed.", NULL);
    }

    /* an id that breaks its schema names nothing that can exist */

    if (!il_op_check_path(rt.op, &rt)) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "interloom: a path parameter of \"%*s\" is invalid",
                      ngx_http_interloom_path_len(r), r->unparsed_uri.data);

        return ngx_http_interloom_send_error(r, NGX_HTTP_NOT_FOUND,
                                           il_path_not_found_code(rt.path),
                                           il_path_not_found_message(rt.path),
                                           NULL);
    }

    return NGX_DECLINED;
}


/*
 * The raw path, without the query, for logs: the request line cannot hold
 * a CR or LF, so neither can a log line made of it (a decoded or
 * rewritten path could), and the query may hold what is not for logs.
 */

static size_t
ngx_http_interloom_path_len(ngx_http_request_t *r)
{
    u_char  *q;

    q = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');

    return q ? (size_t) (q - r->unparsed_uri.data) : r->unparsed_uri.len;
}


static size_t
ngx_http_interloom_count(ngx_str_t *s, u_char c)
{
    size_t  i, n;

    for (i = 0, n = 0; i < s->len; i++) {
        n += (s->data[i] == c);
    }

    return n;
}


static void
ngx_http_interloom_escape_percent(u_char *dst, ngx_str_t *src)
{
    size_t  i;

    for (i = 0; i < src->len; i++) {
        *dst++ = src->data[i];

        if (src->data[i] == '%') {
            *dst++ = '2';
            *dst++ = '5';
        }
    }
}


/*
 * The body's media type: JSON is validated, multipart/form-data (with its
 * boundary) passes.  NGX_DECLINED: anything else, or a body without a
 * type, which is answered with 415.
 */

static ngx_int_t
ngx_http_interloom_body_media(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    int               kind;
    u_char           *p, *last;
    ngx_uint_t        has_body, n;
    ngx_table_elt_t  *ct;

    has_body = (r->headers_in.content_length_n > 0
                || r->headers_in.chunked);

    if (il_op_body_kind(ctx->op) == IL_BODY_NONE) {
        ctx->body_kind = IL_BODY_NONE;
        return NGX_OK;
    }

    /* two types: the upstream could read the one not checked */

    ct = ngx_http_interloom_header_in(r, &ngx_http_interloom_content_type,
                                      &n);

    if (n > 1) {
        goto unsupported;
    }

    if (ct == NULL) {
        if (has_body) {
            goto unsupported;
        }

        /* no body: a required one is reported as such by the parser */
        ctx->body_kind = il_op_body_required(ctx->op) ? IL_BODY_JSON
                                                      : IL_BODY_NONE;
        return NGX_OK;
    }

    kind = il_op_body_media(ctx->op, (const char *) ct->value.data,
                            ct->value.len);

    if (kind < 0) {
        goto unsupported;
    }

    p = ct->value.data;
    last = p + ct->value.len;

    if (kind == IL_BODY_JSON) {

        /* JSON is UTF-8 (RFC 8259), and a compressed body is not JSON */

        p = ngx_strlcasestrn(p, last, (u_char *) "charset=",
                             sizeof("charset=") - 1 - 1);

        if (p != NULL) {
            p += sizeof("charset=") - 1;

            if (p < last && *p == '"') {
                p++;
            }

            if (last - p < 5 || ngx_strncasecmp(p, (u_char *) "utf-8", 5)
                                != 0)
            {
                goto unsupported;
            }
        }

        if (ngx_http_interloom_encoded(r)) {
            goto unsupported;
        }

    } else if (ct->value.len >= sizeof("multipart/") - 1
               && ngx_strncasecmp(p, (u_char *) "multipart/",
                                  sizeof("multipart/") - 1)
                  == 0)
    {
        p = ngx_strlcasestrn(p, last, (u_char *) "boundary=",
                             sizeof("boundary=") - 1 - 1);

        if (p == NULL || p + sizeof("boundary=") - 1 >= last) {
            goto unsupported;
        }
    }

    ctx->body_kind = kind;

    return NGX_OK;

unsupported:

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "interloom: a body of type \"%V\" for \"%s\"",
                  ct ? &ct->value : &r->method_name, il_op_id(ctx->op));

    return NGX_DECLINED;
}


/* A request body with a Content-Encoding other than identity. */

static ngx_uint_t
ngx_http_interloom_encoded(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = ngx_http_interloom_header_in(r, &ngx_http_interloom_content_encoding,
                                     NULL);

    return h != NULL
           && !(h->value.len == 8
                && ngx_strncasecmp(h->value.data, (u_char *) "identity", 8)
                   == 0);
}


static void
ngx_http_interloom_body_handler(ngx_http_request_t *r)
{
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_get_ctx(r);

    if (ctx) {
        ctx->body_read = 1;
    }

    /* the same bytes go upstream: the body must outlive this phase */
    r->preserve_body = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/* After the body: parse it, check it, answer 422 or go on. */

ngx_int_t
ngx_http_interloom_validate_finish(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_interloom_check_body(r, ctx);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ctx->errs.n > 0 || ctx->errs.nomem) {
        return ngx_http_interloom_send_invalid(r, ctx);
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_interloom_check_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    il_arena_t                        *a;
    const il_value_t                  *json;
    ngx_http_interloom_body_reader_t   reader;
    char                               err[256];

    if (r->request_body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    a = ngx_http_interloom_body_arena();
    if (a == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    reader.cl = r->request_body->bufs;
    reader.offset = 0;
    reader.log = r->connection->log;

    json = il_json_parse(a, ngx_http_interloom_body_read, &reader, err,
                         sizeof(err));

    if (json == NULL && a->nomem) {
        il_arena_reset(a);
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "interloom: no memory to parse the request body");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (json == NULL) {
        ctx->body_invalid = 1;
        il_field_errors_add(&ctx->errs, "body", err, "json_invalid");

    } else if (!il_op_validate_body(ctx->op, json, &ctx->errs)) {
        ctx->body_invalid = 1;
    }

    /* the field errors are copies: nothing points into the arena now */
    il_arena_reset(a);

    return NGX_OK;
}


/*
 * One arena per worker for request bodies.  It keeps its chunks from one
 * request to the next, so a body of the usual size allocates nothing; it
 * is freed with the cycle it was made in.
 */

static il_arena_t *
ngx_http_interloom_body_arena(void)
{
    ngx_pool_cleanup_t  *cln;

    if (ngx_http_interloom_arena != NULL) {
        return ngx_http_interloom_arena;
    }

    cln = ngx_pool_cleanup_add(ngx_cycle->pool, sizeof(il_arena_t));
    if (cln == NULL) {
        return NULL;
    }

    il_arena_init(cln->data, NULL, 0);
    cln->handler = ngx_http_interloom_arena_cleanup;

    ngx_http_interloom_arena = cln->data;

    return ngx_http_interloom_arena;
}


static void
ngx_http_interloom_arena_cleanup(void *data)
{
    il_arena_free(data);

    if (ngx_http_interloom_arena == data) {
        ngx_http_interloom_arena = NULL;
    }
}


/*
 * Hands the parser the body piece by piece, from memory or from the
 * temporary file nginx spooled it to, without touching the buffers: the
 * proxy sends the same ones afterwards.
 */

static size_t
ngx_http_interloom_body_read(void *buf, size_t size, void *data)
{
    ngx_http_interloom_body_reader_t *br = data;

    off_t       left;
    ssize_t     n;
    ngx_buf_t  *b;

    while (br->cl) {
        b = br->cl->buf;

        if (b->in_file) {
            left = b->file_last - b->file_pos - br->offset;

        } else {
            left = b->last - b->pos - br->offset;
        }

        if (left <= 0) {
            br->cl = br->cl->next;
            br->offset = 0;
            continue;
        }

        if ((off_t) size > left) {
            size = (size_t) left;
        }

        if (b->in_file) {
            n = ngx_read_file(b->file, buf, size, b->file_pos + br->offset);

            if (n <= 0) {
                ngx_log_error(NGX_LOG_CRIT, br->log, n < 0 ? ngx_errno : 0,
                              "interloom: cannot read the request body "
                              "from \"%V\"%s", &b->file->name,
                              n == 0 ? ": it ends early" : "");
                return (size_t) -1;
            }

            size = (size_t) n;

        } else {
            ngx_memcpy(buf, b->pos + br->offset, size);
        }

        br->offset += size;

        return size;
    }

    return 0;
}


static const char *
ngx_http_interloom_header_get(void *data, const char *name, size_t *len)
{
    ngx_http_request_t *r = data;

    ngx_str_t         key;
    ngx_table_elt_t  *h;

    key.data = (u_char *) name;
    key.len = ngx_strlen(name);

    h = ngx_http_interloom_header_in(r, &key, NULL);
    if (h == NULL) {
        return NULL;
    }

    *len = h->value.len;

    return (const char *) h->value.data;
}


static ngx_int_t
ngx_http_interloom_send_invalid(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    if (ctx->errs.nomem) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "interloom: no memory to list validation errors");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "interloom: %uz problems in the request to \"%s\"",
                  ctx->errs.n, il_op_id(ctx->op));

    return ngx_http_interloom_send_error(r, 422, "validation_error",
                                         ctx->body_invalid
                                         ? "The request body is invalid."
                                         : "The request is invalid.",
                                         &ctx->errs);
}
