
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The $interloom_* variables.
 */


#include "ngx_http_interloom_module.h"


static ngx_int_t ngx_http_interloom_variable_request_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_interloom_vars[] = {

    { ngx_string("interloom_request_id"), NULL,
      ngx_http_interloom_variable_request_id, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_interloom_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_interloom_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_interloom_variable_request_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_get_ctx(r);

    if (ctx == NULL || ngx_http_interloom_request_id(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    v->data = ctx->request_id;
    v->len = NGX_HTTP_INTERLOOM_REQUEST_ID_LEN;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
