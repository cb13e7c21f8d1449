
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * What the module's files share: configuration, the per-request state and
 * the functions each concern offers the others.
 */


#ifndef NGX_HTTP_INTERLOOM_MODULE_H_INCLUDED
#define NGX_HTTP_INTERLOOM_MODULE_H_INCLUDED


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "il_error.h"


#define NGX_HTTP_INTERLOOM_REQUEST_ID_LEN  36    /* 8-4-4-4-12 */
#define NGX_HTTP_INTERLOOM_TIMESTAMP_LEN   20    /* 2025-01-15T09:30:00Z */


typedef struct {
    ngx_flag_t                  enable;
} ngx_http_interloom_loc_conf_t;


/*
 * The state of one request.  It lives in the main request's pool with a
 * cleanup handler, so that after an internal redirect (which wipes module
 * contexts) the same state is found again and nothing runs twice.
 */
typedef struct {
    u_char                      request_id[NGX_HTTP_INTERLOOM_REQUEST_ID_LEN];

    /* an envelope replaces the response body; see the body filter */
    ngx_str_t                   body;

    unsigned                    request_id_set:1;
    unsigned                    own_response:1;
    unsigned                    replace_body:1;
    unsigned                    body_sent:1;
} ngx_http_interloom_ctx_t;


extern ngx_module_t  ngx_http_interloom_module;


ngx_http_interloom_ctx_t *ngx_http_interloom_get_ctx(ngx_http_request_t *r);
void ngx_http_interloom_ctx_release(ngx_http_interloom_ctx_t *ctx);

ngx_int_t ngx_http_interloom_request_id(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
void ngx_http_interloom_timestamp(u_char *buf);

ngx_int_t ngx_http_interloom_send_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message,
    const il_field_errors_t *fields);
ngx_int_t ngx_http_interloom_error_body(ngx_http_request_t *r,
    ngx_str_t *body, const char *code, const char *message,
    const il_field_errors_t *fields);
void ngx_http_interloom_json_headers(ngx_http_request_t *r, size_t len);
void ngx_http_interloom_status_error(ngx_uint_t status, const char **code,
    const char **message);

ngx_int_t ngx_http_interloom_add_header(ngx_http_request_t *r,
    ngx_str_t *name, u_char *value, size_t len);
void ngx_http_interloom_remove_headers(ngx_list_t *headers, ngx_str_t *names,
    ngx_uint_t n);

ngx_int_t ngx_http_interloom_filter_init(ngx_conf_t *cf);

ngx_int_t ngx_http_interloom_add_variables(ngx_conf_t *cf);


#endif /* NGX_HTTP_INTERLOOM_MODULE_H_INCLUDED */
