
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Header and body filters: the identity headers on every response of an
 * "interloom on" location, and error envelopes in place of the bodies of
 * error pages.
 */


#include "ngx_http_interloom_module.h"


static ngx_int_t ngx_http_interloom_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_interloom_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_interloom_identity_headers(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
static ngx_int_t ngx_http_interloom_replace_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, const char *code, const char *message);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;

static ngx_str_t  ngx_http_interloom_identity_names[] = {
    ngx_string("X-Request-Id"),
    ngx_string("X-Response-Timestamp")
};


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
    const char                     *code, *message;
    ngx_http_interloom_ctx_t       *ctx;
    ngx_http_interloom_loc_conf_t  *ilcf;

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

    if (ngx_http_interloom_identity_headers(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ilcf->rate_limit > 0
        && ngx_http_interloom_ratelimit_headers(r, ctx) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * An error page nginx makes itself (err_status set by the special
     * response handler) becomes an envelope, unless the operator's own
     * error_page took the request elsewhere.
     */

    if (!ctx->own_response
        && !ctx->replace_body
        && r->err_status >= NGX_HTTP_BAD_REQUEST
        && !r->error_page)
    {
        ngx_http_interloom_status_error(r->headers_out.status, &code,
                                        &message);

        if (ngx_http_interloom_replace_body(r, ctx, code, message) != NGX_OK)
        {
            return NGX_ERROR;
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
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_interloom_add_header(r,
                                         &ngx_http_interloom_identity_names[1],
                                         ts, NGX_HTTP_INTERLOOM_TIMESTAMP_LEN);
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

    return NGX_OK;
}


/*
 * While a body is replaced, every buffer that arrives is marked consumed
 * (so the upstream can reuse it) and the envelope is sent once, at the
 * first call, as the whole body.
 */

static ngx_int_t
ngx_http_interloom_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t                 *b;
    ngx_chain_t               *cl, out;
    ngx_http_interloom_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_interloom_module);

    if (ctx == NULL || !ctx->replace_body) {
        return ngx_http_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;

        if (cl->buf->in_file) {
            cl->buf->file_pos = cl->buf->file_last;
        }
    }

    if (ctx->body_sent) {
        return NGX_OK;
    }

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


/*
 * Adds a response header.  The caller has removed every copy of it first
 * (an upstream's, or ours from an earlier run of the filters, which happens
 * when a request is finalized with an error after its headers were made).
 */

ngx_int_t
ngx_http_interloom_add_header(ngx_http_request_t *r, ngx_str_t *name,
    u_char *value, size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *name;
    h->lowcase_key = NULL;
    h->value.data = value;
    h->value.len = len;

    return NGX_OK;
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
