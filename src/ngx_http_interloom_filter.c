
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Header and body filters of an "interloom on" location: the identity
 * and rate-limit headers on every response, and the API's promises on
 * errors: never a 403 (it leaves as the 404 of the resource), every 404 in
 * one canonical form, nginx's own error pages and upstream errors without
 * an envelope replaced by one.
 */


#include <jansson.h>

#include "ngx_http_interloom_module.h"


/* An upstream body that may be an envelope is read up to this size. */
#define NGX_HTTP_INTERLOOM_ENVELOPE_MAX  65536


static ngx_int_t ngx_http_interloom_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_interloom_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_interloom_identity_headers(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static ngx_int_t ngx_http_interloom_not_found(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static ngx_int_t ngx_http_interloom_normalize(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static ngx_uint_t ngx_http_interloom_maybe_envelope(ngx_http_request_t *r);
static void ngx_http_interloom_hold(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_uint_t is_404);
static void ngx_http_interloom_strip_404(ngx_http_request_t *r);
static void ngx_http_interloom_resource(ngx_http_interloom_ctx_t *ctx,
    const char **code, const char **message);
static ngx_int_t ngx_http_interloom_replace_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, const char *code, const char *message);
static ngx_int_t ngx_http_interloom_collect(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_chain_t *in);
static ngx_int_t ngx_http_interloom_release(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static ngx_int_t ngx_http_interloom_send_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static void ngx_http_interloom_consume(ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;

static ngx_str_t  ngx_http_interloom_identity_names[] = {
    ngx_string("X-Request-Id"),
    ngx_string("X-Response-Timestamp")
};

/* what could tell a rewritten 403 from a real 404 */
static ngx_str_t  ngx_http_interloom_404_strip[] = {
    ngx_string("ETag"),
    ngx_string("Last-Modified"),
    ngx_string("Content-Encoding"),
    ngx_string("Set-Cookie"),
    ngx_string("Cache-Control"),
    ngx_string("Expires"),
    ngx_string("Vary"),
    ngx_string("Accept-Ranges"),
    ngx_string("Content-Range"),
    ngx_string("Content-Location"),
    ngx_string("Location"),
    ngx_string("WWW-Authenticate"),
    ngx_string("Retry-After")
};

static ngx_uint_t  ngx_http_interloom_rewritten;


ngx_int_t
ngx_http_interloom_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_interloom_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_interloom_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_interloom_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_uint_t                      status;
    const char                     *code, *message;
    ngx_http_interloom_ctx_t       *ctx;
    ngx_http_interloom_loc_conf_t  *ilcf;

    /* a subrequest (auth_request's) answers its parent, not the client */

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ilcf = ngx_http_get_module_loc_conf(r, ngx_http_interloom_module);

    if (!ilcf->enable) {
        return ngx_http_next_header_filter(r);
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "interloom header filter: %ui", r->headers_out.status);

    ctx = ngx_http_interloom_get_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    /*
     * The filters run again when a request is finalized with an error
     * after its headers were made (a delayed 404 whose upstream broke):
     * what the first run decided is dropped.
     */

    ctx->delay = 0;
    ctx->replace_body = 0;

    if (ngx_http_interloom_identity_headers(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ilcf->rate_limit > 0
        && ngx_http_interloom_ratelimit_headers(r, ctx) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx->own_response) {
        return ngx_http_next_header_filter(r);
    }

    status = r->headers_out.status;

    /*
     * nginx 1.22 relays an upstream's 1xx as if it were the final answer,
     * and the client then reads the upstream's real answer as its own,
     * whatever it is (a 403 too): it leaves as a 502.
     */

    if (status < NGX_HTTP_OK && r->upstream) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "interloom: the upstream answered %ui, a status "
                      "the proxy cannot relay", status);

        r->headers_out.status = NGX_HTTP_BAD_GATEWAY;
        r->headers_out.status_line.len = 0;
        r->keepalive = 0;

        if (ngx_http_interloom_replace_body(r, ctx, "bad_gateway",
                                            "Bad gateway.")
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        return ngx_http_next_header_filter(r);
    }

    if (status == NGX_HTTP_FORBIDDEN || status == NGX_HTTP_NOT_FOUND) {
        rc = ngx_http_interloom_not_found(r, ctx);

        if (rc != NGX_DECLINED) {
            return rc;
        }

        return ngx_http_next_header_filter(r);
    }

    /*
     * An error page nginx makes itself (err_status set by the special
     * response handler) becomes an envelope, unless the operator's own
     * error_page took the request elsewhere.
     */

    if (r->err_status >= NGX_HTTP_BAD_REQUEST && !r->error_page) {
        ngx_http_interloom_status_error(status, &code, &message);

        if (ngx_http_interloom_replace_body(r, ctx, code, message) != NGX_OK)
        {
            return NGX_ERROR;
        }

        return ngx_http_next_header_filter(r);
    }

    if (ilcf->normalize_errors
        && status >= NGX_HTTP_INTERNAL_SERVER_ERROR
        && status < 600)
    {
        rc = ngx_http_interloom_normalize(r, ctx);

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_interloom_identity_headers(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    u_char  *ts;

    if (ngx_http_interloom_request_id(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    ts = ngx_pnalloc(r->pool, NGX_HTTP_INTERLOOM_TIMESTAMP_LEN);
    if (ts == NULL) {
        return NGX_ERROR;
    }

    ngx_http_interloom_timestamp(ts);

    ngx_http_interloom_remove_headers(&r->headers_out.headers,
                                      ngx_http_interloom_identity_names, 2);

    if (ngx_http_interloom_add_header(r,
                                      &ngx_http_interloom_identity_names[0],
                                      ctx->request_id,
                                      NGX_HTTP_INTERLOOM_REQUEST_ID_LEN)
        == NULL
        || ngx_http_interloom_add_header(r,
                                      &ngx_http_interloom_identity_names[1],
                                      ts, NGX_HTTP_INTERLOOM_TIMESTAMP_LEN)
           == NULL)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * A 403, whoever made it, and every 404 leave as the 404 of the resource
 * the path names.  An upstream 404 that may already be an envelope keeps
 * its code and message: its headers wait until its body has been read.
 * NGX_DECLINED: the headers are ready to go on.
 */

static ngx_int_t
ngx_http_interloom_not_found(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    ngx_uint_t   envelope;
    const char  *code, *message, *op;

    ngx_http_interloom_resource(ctx, &code, &message);

    envelope = (r->headers_out.status == NGX_HTTP_NOT_FOUND
                && ngx_http_interloom_maybe_envelope(r));

    if (r->headers_out.status == NGX_HTTP_FORBIDDEN) {
        op = ctx->op ? il_op_id(ctx->op) : "none";

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "interloom: 403 from %s rewritten to 404 \"%s\" "
                      "(%ui in this worker), request %*s, operation %s",
                      r->err_status ? "nginx" : "the upstream", code,
                      ++ngx_http_interloom_rewritten,
                      (size_t) NGX_HTTP_INTERLOOM_REQUEST_ID_LEN,
                      ctx->request_id, op);
    }

    r->headers_out.status = NGX_HTTP_NOT_FOUND;
    r->headers_out.status_line.len = 0;

    if (r->err_status) {
        r->err_status = NGX_HTTP_NOT_FOUND;
    }

    ngx_http_interloom_strip_404(r);

    if (envelope) {
        ngx_http_interloom_hold(r, ctx, 1);
        return NGX_OK;
    }

    if (ngx_http_interloom_replace_body(r, ctx, code, message) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_DECLINED;
}


/*
 * An upstream 5xx whose body is not an envelope is replaced by a generic
 * one, so no stack trace or server banner leaks; an envelope passes as it
 * is.  NGX_DECLINED: the headers are ready to go on.
 */

static ngx_int_t
ngx_http_interloom_normalize(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    const char  *code, *message;

    /* the upstream's own reason phrase goes with its body */
    r->headers_out.status_line.len = 0;

    if (ngx_http_interloom_maybe_envelope(r)) {
        ngx_http_interloom_hold(r, ctx, 0);
        return NGX_OK;
    }

    if (r->method == NGX_HTTP_HEAD && r->headers_out.content_type.len) {
        /* no body to judge: a JSON one is presumed to be an envelope */
        if (ngx_strlcasestrn(r->headers_out.content_type.data,
                             r->headers_out.content_type.data
                             + r->headers_out.content_type.len,
                             (u_char *) "json", 4 - 1)
            != NULL)
        {
            return NGX_DECLINED;
        }
    }

    ngx_http_interloom_status_error(r->headers_out.status, &code, &message);

    if (ngx_http_interloom_replace_body(r, ctx, code, message) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_DECLINED;
}


/*
 * Whether the body may be an envelope worth reading: from an upstream, of
 * a JSON type, not compressed, not larger than the envelope limit, and
 * there is a body at all (not HEAD).
 */

static ngx_uint_t
ngx_http_interloom_maybe_envelope(ngx_http_request_t *r)
{
    u_char     *p, *last;
    ngx_str_t  *type;

    if (r->upstream == NULL || r->err_status || r->method == NGX_HTTP_HEAD
        || r->header_only)
    {
        return 0;
    }

    if (r->headers_out.content_encoding
        && r->headers_out.content_encoding->hash
        && !(r->headers_out.content_encoding->value.len == 8
             && ngx_strncasecmp(r->headers_out.content_encoding->value.data,
                                (u_char *) "identity", 8)
                == 0))
    {
        return 0;
    }

    if (r->headers_out.content_length_n > NGX_HTTP_INTERLOOM_ENVELOPE_MAX
        || r->headers_out.content_length_n == 0)
    {
        return 0;
    }

    type = &r->headers_out.content_type;
    p = type->data;
    last = p + type->len;

    if (type->len >= 16
        && ngx_strncasecmp(p, (u_char *) "application/json", 16) == 0
        && (type->len == 16 || p[16] == ';' || p[16] == ' '))
    {
        return 1;
    }

    /* application/problem+json and the like */

    while (p < last && *p != ';') {
        p++;
    }

    return (p - type->data >= 5
            && ngx_strncasecmp(p - 5, (u_char *) "+json", 5) == 0);
}


/*
 * The response's headers wait for its body: they are sent by the body
 * filter once it knows whether the body is an envelope.
 */

static void
ngx_http_interloom_hold(ngx_http_request_t *r, ngx_http_interloom_ctx_t *ctx,
    ngx_uint_t is_404)
{
    ctx->delay = 1;
    ctx->delay_404 = is_404;
    ctx->held_unread = 0;

    /* the copy filter reads file buffers (sendfile, a cache) into memory */
    r->filter_need_in_memory = 1;

    if (ctx->held) {
        ctx->held->pos = ctx->held->start;
        ctx->held->last = ctx->held->start;
    }
}


static void
ngx_http_interloom_strip_404(ngx_http_request_t *r)
{
    ngx_http_interloom_remove_headers(&r->headers_out.headers,
                                ngx_http_interloom_404_strip,
                                sizeof(ngx_http_interloom_404_strip)
                                / sizeof(ngx_str_t));

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);
    ngx_http_clear_location(r);

    r->headers_out.content_encoding = NULL;
    r->headers_out.expires = NULL;
    r->headers_out.www_authenticate = NULL;
    r->headers_out.content_range = NULL;
    r->headers_out.cache_control.nelts = 0;
}


/* The 404 of the resource the matched path names last. */

static void
ngx_http_interloom_resource(ngx_http_interloom_ctx_t *ctx, const char **code,
    const char **message)
{
    if (ctx->path) {
        *code = il_path_not_found_code(ctx->path);
        *message = il_path_not_found_message(ctx->path);
        return;
    }

    *code = "not_found";
    *message = ctx->api ? il_api_not_found_message(ctx->api) : "Not found.";
}


static ngx_int_t
ngx_http_interloom_replace_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, const char *code, const char *message)
{
    if (ngx_http_interloom_error_body(r, &ctx->body, code, message, NULL)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_interloom_json_headers(r, ctx->body.len);

    ctx->replace_body = 1;
    ctx->body_sent = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_interloom_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_int_t                       rc;
    ngx_http_interloom_ctx_t       *ctx;
    ngx_http_interloom_loc_conf_t  *ilcf;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ilcf = ngx_http_get_module_loc_conf(r, ngx_http_interloom_module);

    if (!ilcf->enable) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_interloom_find_ctx(r);

    if (ctx == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    if (ctx->delay) {
        rc = ngx_http_interloom_collect(r, ctx, in);

        if (rc != NGX_OK) {
            /* NGX_AGAIN: more to read; else an error */
            return rc == NGX_AGAIN ? NGX_OK : rc;
        }

        return ngx_http_interloom_release(r, ctx);
    }

    if (!ctx->replace_body) {
        return ngx_http_next_body_filter(r, in);
    }

    /*
     * While a body is replaced, every buffer that arrives is marked
     * consumed (so the upstream can reuse it) and the envelope is sent
     * once, at the first call, as the whole body.
     */

    ngx_http_interloom_consume(in);

    if (ctx->body_sent) {
        return NGX_OK;
    }

    return ngx_http_interloom_send_body(r, ctx);
}


/*
 * Copies a delayed body up to one byte past the envelope limit.  NGX_OK
 * when it is complete or too large to be an envelope, NGX_AGAIN when more
 * is to come.
 */

static ngx_int_t
ngx_http_interloom_collect(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_chain_t *in)
{
    size_t        n, room, size, have;
    ngx_buf_t    *b, *nb;
    ngx_chain_t  *cl;
    ngx_uint_t    last;

    last = 0;

    for (cl = in; cl; cl = cl->next) {

        if (cl->buf->last_buf) {
            last = 1;
        }

        if (!ngx_buf_in_memory(cl->buf)) {
            /*
             * filter_need_in_memory should prevent it; if not, such a
             * body is not taken for an envelope
             */
            if (ngx_buf_size(cl->buf)) {
                ctx->held_unread = 1;
            }

            continue;
        }

        n = cl->buf->last - cl->buf->pos;
        b = ctx->held;
        have = b ? (size_t) (b->last - b->pos) : 0;

        if (n && (b == NULL || (size_t) (b->end - b->last) < n)
            && have <= NGX_HTTP_INTERLOOM_ENVELOPE_MAX)
        {
            /*
             * A buffer the size the body turns out to have, not 64 KiB for
             * every small envelope; grown by doubling, the old one freed,
             * so a body in many small chunks costs what it holds.
             */

            size = ngx_max(have + n, 2 * (b ? (size_t) (b->end - b->start)
                                            : 0));

            if (r->headers_out.content_length_n > 0
                && (size_t) r->headers_out.content_length_n > size)
            {
                size = r->headers_out.content_length_n;
            }

            size = ngx_min(ngx_max(size, 1024),
                           NGX_HTTP_INTERLOOM_ENVELOPE_MAX + 1);

            nb = ngx_create_temp_buf(r->pool, size);
            if (nb == NULL) {
                return NGX_ERROR;
            }

            if (b) {
                nb->last = ngx_cpymem(nb->pos, b->pos, have);
                ngx_pfree(r->pool, b->start);
            }

            ctx->held = nb;
            b = nb;
        }

        if (b) {
            room = b->end - b->last;
            b->last = ngx_cpymem(b->last, cl->buf->pos, ngx_min(n, room));
        }
    }

    ngx_http_interloom_consume(in);

    if (last
        || (ctx->held
            && ctx->held->last - ctx->held->pos
               > NGX_HTTP_INTERLOOM_ENVELOPE_MAX))
    {
        return NGX_OK;
    }

    return NGX_AGAIN;
}


/*
 * The delayed body is complete: an envelope keeps its code and message
 * (a 404 in canonical form, a 5xx exactly as it came), anything else is
 * replaced.  Then the headers go, and the body.
 */

static ngx_int_t
ngx_http_interloom_release(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    size_t         len;
    json_t        *json, *error, *code, *message;
    ngx_int_t      rc;
    const char    *c, *m;
    json_error_t   err;

    ctx->delay = 0;

    len = ctx->held ? (size_t) (ctx->held->last - ctx->held->pos) : 0;
    json = NULL;
    code = NULL;
    message = NULL;

    if (len > 0 && len <= NGX_HTTP_INTERLOOM_ENVELOPE_MAX
        && !ctx->held_unread)
    {
        json = json_loadb((const char *) ctx->held->pos, len, 0, &err);
    }

    if (json && json_is_object(json)) {
        error = json_object_get(json, "error");
        code = json_is_object(error) ? json_object_get(error, "code") : NULL;
        message = json_is_object(error) ? json_object_get(error, "message")
                                        : NULL;
    }

    if (json_is_string(code) && !ctx->delay_404) {

        /* a 5xx in an envelope passes unchanged */

        ctx->body.data = ctx->held->pos;
        ctx->body.len = len;
        ngx_http_clear_content_length(r);
        r->headers_out.content_length_n = len;

        ctx->replace_body = 1;
        ctx->body_sent = 0;

        rc = NGX_OK;

    } else if (ctx->delay_404) {
        ngx_http_interloom_resource(ctx, &c, &m);

        if (json_is_string(code)) {
            c = json_string_value(code);
            m = json_is_string(message) ? json_string_value(message) : m;
        }

        rc = ngx_http_interloom_replace_body(r, ctx, c, m);

    } else {
        ngx_http_interloom_status_error(r->headers_out.status, &c, &m);
        rc = ngx_http_interloom_replace_body(r, ctx, c, m);
    }

    if (json) {
        json_decref(json);
    }

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ctx->body_sent = 1;
        return rc;
    }

    return ngx_http_interloom_send_body(r, ctx);
}


static ngx_int_t
ngx_http_interloom_send_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    ngx_buf_t    *b;
    ngx_chain_t   out;

    ctx->body_sent = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->body.data;
    b->last = ctx->body.data + ctx->body.len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


static void
ngx_http_interloom_consume(ngx_chain_t *in)
{
    ngx_chain_t  *cl;

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;

        if (cl->buf->in_file) {
            cl->buf->file_pos = cl->buf->file_last;
        }
    }
}


/*
 * Adds a response header.  The caller has removed every copy of it first
 * (an upstream's, or ours from an earlier run of the filters, which happens
 * when a request is finalized with an error after its headers were made).
 */

ngx_table_elt_t *
ngx_http_interloom_add_header(ngx_http_request_t *r, ngx_str_t *name,
    u_char *value, size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key = *name;
    h->lowcase_key = NULL;
    h->value.data = value;
    h->value.len = len;

    return h;
}


/* Hides every header of the list whose name is one of names[0..n-1]. */

void
ngx_http_interloom_remove_headers(ngx_list_t *headers, ngx_str_t *names,
    ngx_uint_t n)
{
    ngx_uint_t        i, k;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &headers->part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        for (k = 0; k < n; k++) {
            if (h[i].key.len == names[k].len
                && ngx_strncasecmp(h[i].key.data, names[k].data,
                                   names[k].len)
                   == 0)
            {
                h[i].hash = 0;
                break;
            }
        }
    }
}
