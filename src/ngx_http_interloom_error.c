
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The one error writer: every error the gateway answers, and every error
 * page nginx would make inside an "interloom on" location, leaves as
 * {"error":{"code":...,"message":...}} with Content-Type application/json.
 */


#include "ngx_http_interloom_module.h"


typedef struct {
    ngx_uint_t   status;
    const char  *code;
    const char  *message;
} ngx_http_interloom_status_error_t;


/* The API's own codes and messages where it defines them. */
static ngx_http_interloom_status_error_t  ngx_http_interloom_status_errors[] =
{
    { 400, "bad_request", "The request could not be understood." },
    { 401, "unauthorized", "Missing or invalid authentication token." },
    { 404, "not_found", "Not found." },
    { 405, "method_not_allowed", "Method not allowed." },
    { 406, "not_acceptable", "Not acceptable." },
    { 408, "request_timeout", "The request was not received in time." },
    { 409, "conflict", "Conflict." },
    { 410, "not_found", "Not found." },
    { 411, "length_required", "Content-Length is required." },
    { 412, "precondition_failed", "Precondition failed." },
    { 413, "payload_too_large", "The request body is too large." },
    { 414, "uri_too_long", "The request URI is too long." },
    { 415, "unsupported_media_type", "Unsupported media type." },
    { 416, "range_not_satisfiable", "Range not satisfiable." },
    { 421, "misdirected_request", "Misdirected request." },
    { 422, "validation_error", "The request is invalid." },
    { 429, "rate_limit_exceeded", "Too many requests. Try again later." },
    { 500, "internal_error", "Internal server error." },
    { 501, "not_implemented", "Not implemented." },
    { 502, "bad_gateway", "Bad gateway." },
    { 503, "service_unavailable", "Service unavailable." },
    { 504, "gateway_timeout", "Gateway timeout." },
    { 505, "http_version_not_supported", "HTTP version not supported." },
    { 507, "insufficient_storage", "Insufficient storage." },
    { 0, NULL, NULL }
};


static ngx_int_t ngx_http_interloom_send_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
#if (NGX_HTTP_V2)
static void ngx_http_interloom_error_later(ngx_http_request_t *r);
#endif


static ngx_str_t  ngx_http_interloom_json_type =
    ngx_string("application/json");


void
ngx_http_interloom_status_error(ngx_uint_t status, const char **code,
    const char **message)
{
    ngx_http_interloom_status_error_t  *e;

    for (e = ngx_http_interloom_status_errors; e->status; e++) {
        if (e->status == status) {
            *code = e->code;
            *message = e->message;
            return;
        }
    }

    if (status >= 500) {
        *code = "internal_error";
        *message = "Internal server error.";

    } else {
        *code = "bad_request";
        *message = "The request could not be understood.";
    }
}


ngx_int_t
ngx_http_interloom_error_body(ngx_http_request_t *r, ngx_str_t *body,
    const char *code, const char *message, const il_field_errors_t *fields)
{
    size_t   len, code_len, message_len;
    u_char  *p;

    code_len = ngx_strlen(code);
    message_len = ngx_strlen(message);

    len = il_error_envelope(NULL, 0, code, code_len, message, message_len,
                            fields);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    (void) il_error_envelope((char *) p, len, code, code_len, message,
                             message_len, fields);

    body->data = p;
    body->len = len;

    return NGX_OK;
}


/* Makes the response's headers those of a JSON body of len bytes. */

void
ngx_http_interloom_json_headers(ngx_http_request_t *r, size_t len)
{
    r->headers_out.content_type = ngx_http_interloom_json_type;
    r->headers_out.content_type_len = ngx_http_interloom_json_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    ngx_http_clear_content_length(r);
    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    if (r->headers_out.content_encoding) {
        r->headers_out.content_encoding->hash = 0;
        r->headers_out.content_encoding = NULL;
    }

    r->headers_out.content_length_n = len;
}


/*
 * Answers the request with an error envelope.  The caller finalizes the
 * request with what this returns.
 */

ngx_int_t
ngx_http_interloom_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message, const il_field_errors_t *fields)
{
    ngx_int_t                  rc;
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_interloom_error_body(r, &ctx->body, code, message, fields)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->status = status;

#if (NGX_HTTP_V2)

    /*
     * An HTTP/2 stream answered while its body is still coming is reset
     * once the answer is out, and some clients then lose the answer: a
     * small body is read (and dropped) first, the answer sent after.  A
     * large or unannounced one is not worth buffering for a refusal.
     */

    if (r->stream && !r->stream->in_closed && r->request_body == NULL
        && !r->headers_in.expect
        && r->headers_in.content_length_n >= 0
        && r->headers_in.content_length_n
           <= NGX_HTTP_INTERLOOM_DEFER_BODY_MAX)
    {
        rc = ngx_http_read_client_request_body(r,
                                            ngx_http_interloom_error_later);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;
    }

#endif

    if (r->headers_in.expect && !r->expect_tested
        && r->request_body == NULL)
    {
        /*
         * the client waits for "100 Continue" before it sends its body:
         * it gets the answer instead, and the connection is closed, so
         * no body is sent that nobody would read
         */
        r->expect_tested = 1;
        r->keepalive = 0;

    } else if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    return ngx_http_interloom_send_body(r, ctx);
}


#if (NGX_HTTP_V2)

static void
ngx_http_interloom_error_later(ngx_http_request_t *r)
{
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_get_ctx(r);

    if (ctx == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_finalize_request(r, ngx_http_interloom_send_body(r, ctx));
}

#endif


static ngx_int_t
ngx_http_interloom_send_body(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    /* the filters must leave this body as it is */
    ctx->own_response = 1;

    r->headers_out.status = ctx->status;
    r->headers_out.status_line.len = 0;

    /* nginx 1.22 knows no reason phrase for 422 */
    if (ctx->status == 422) {
        ngx_str_set(&r->headers_out.status_line, "422 Unprocessable Entity");
    }

    ngx_http_interloom_json_headers(r, ctx->body.len);

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->body.data;
    b->last = ctx->body.data + ctx->body.len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
