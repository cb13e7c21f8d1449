
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The $interloom_* variables.
 */


#include "ngx_http_interloom_module.h"


#define NGX_HTTP_INTERLOOM_VAR_ORG_ID    0
#define NGX_HTTP_INTERLOOM_VAR_KEY_ID    1
#define NGX_HTTP_INTERLOOM_VAR_SUBJECT   2
#define NGX_HTTP_INTERLOOM_VAR_INSTANCE  3


static ngx_int_t ngx_http_interloom_variable_request_id(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_interloom_variable_auth_error(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_interloom_variable_identity(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_interloom_variable_claim(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_interloom_variable_ratelimit_status(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_interloom_variable_operation(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_interloom_variable_instance(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_interloom_variable_set(ngx_http_variable_value_t *v,
    const char *data, size_t len);
static void ngx_http_interloom_variable_claim_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, const char *data, size_t len);
static il_jwt_claims_t *ngx_http_interloom_claims(ngx_http_request_t *r);


static ngx_http_variable_t  ngx_http_interloom_vars[] = {

    { ngx_string("interloom_request_id"), NULL,
      ngx_http_interloom_variable_request_id, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_auth_error"), NULL,
      ngx_http_interloom_variable_auth_error, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_org_id"), NULL,
      ngx_http_interloom_variable_identity, NGX_HTTP_INTERLOOM_VAR_ORG_ID,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_key_id"), NULL,
      ngx_http_interloom_variable_identity, NGX_HTTP_INTERLOOM_VAR_KEY_ID,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_subject"), NULL,
      ngx_http_interloom_variable_identity, NGX_HTTP_INTERLOOM_VAR_SUBJECT,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_token_instance"), NULL,
      ngx_http_interloom_variable_identity, NGX_HTTP_INTERLOOM_VAR_INSTANCE,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_claim_"), NULL,
      ngx_http_interloom_variable_claim, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("interloom_ratelimit_status"), NULL,
      ngx_http_interloom_variable_ratelimit_status, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_operation"), NULL,
      ngx_http_interloom_variable_operation, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("interloom_instance"), NULL,
      ngx_http_interloom_variable_instance, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_interloom_rl_status_names[] = {
    ngx_null_string,
    ngx_string("ok"),
    ngx_string("limited"),
    ngx_string("redis_error"),
    ngx_string("redis_timeout")
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


static void
ngx_http_interloom_variable_set(ngx_http_variable_value_t *v,
    const char *data, size_t len)
{
    if (data == NULL) {
        v->not_found = 1;
        return;
    }

    v->data = (u_char *) data;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
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

    ngx_http_interloom_variable_set(v, (const char *) ctx->request_id,
                                    NGX_HTTP_INTERLOOM_REQUEST_ID_LEN);

    return NGX_OK;
}


/* The reason a token was refused, one word; empty when it was not. */

static ngx_int_t
ngx_http_interloom_variable_auth_error(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char                *reason;
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_find_ctx(r);

    if (ctx == NULL || !ctx->auth_checked || ctx->auth_rc == IL_JWT_OK) {
        ngx_http_interloom_variable_set(v, "", 0);
        return NGX_OK;
    }

    reason = il_jwt_reason(ctx->auth_rc);

    ngx_http_interloom_variable_set(v, reason, ngx_strlen(reason));

    return NGX_OK;
}


static il_jwt_claims_t *
ngx_http_interloom_claims(ngx_http_request_t *r)
{
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_find_ctx(r);

    if (ctx == NULL || ctx->auth_rc != IL_JWT_OK) {
        return NULL;
    }

    return ctx->claims;
}


static ngx_int_t
ngx_http_interloom_variable_identity(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    il_jwt_str_t      *s;
    il_jwt_claims_t   *c;

    c = ngx_http_interloom_claims(r);

    if (c == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {
    case NGX_HTTP_INTERLOOM_VAR_ORG_ID:
        s = &c->org_id;
        break;
    case NGX_HTTP_INTERLOOM_VAR_KEY_ID:
        s = &c->jti;
        break;
    case NGX_HTTP_INTERLOOM_VAR_SUBJECT:
        s = &c->sub;
        break;
    default: /* NGX_HTTP_INTERLOOM_VAR_INSTANCE */
        s = &c->instance;
        break;
    }

    ngx_http_interloom_variable_claim_set(r, v, s->data, s->len);

    return NGX_OK;
}


/* $interloom_claim_NAME: any top-level string or number claim. */

static ngx_int_t
ngx_http_interloom_variable_claim(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t *name = (ngx_str_t *) data;

    size_t            len, prefix;
    const char       *value;
    il_jwt_claims_t  *c;

    c = ngx_http_interloom_claims(r);

    prefix = sizeof("interloom_claim_") - 1;

    if (c == NULL || name->len <= prefix) {
        v->not_found = 1;
        return NGX_OK;
    }

    value = il_jwt_claim(c, (const char *) name->data + prefix,
                         name->len - prefix, &len);

    ngx_http_interloom_variable_claim_set(r, v, value, len);

    return NGX_OK;
}


/*
 * Claims go into upstream headers and logs: a value with a control
 * character (a CR LF would start a header of its own) is not given out,
 * even from a signed token.
 */

static void
ngx_http_interloom_variable_claim_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, const char *data, size_t len)
{
    size_t  i;

    for (i = 0; data && i < len; i++) {
        if ((u_char) data[i] < 0x20 || data[i] == 0x7f) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "interloom: a claim holds a control character "
                          "and is not given out");
            v->not_found = 1;
            return;
        }
    }

    ngx_http_interloom_variable_set(v, data, len);
}


static ngx_int_t
ngx_http_interloom_variable_ratelimit_status(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                 *s;
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_find_ctx(r);

    if (ctx == NULL || ctx->rl_status == NGX_HTTP_INTERLOOM_RL_NONE) {
        ngx_http_interloom_variable_set(v, "", 0);
        return NGX_OK;
    }

    s = &ngx_http_interloom_rl_status_names[ctx->rl_status];

    ngx_http_interloom_variable_set(v, (const char *) s->data, s->len);

    return NGX_OK;
}


/* The operationId of the matched operation. */

static ngx_int_t
ngx_http_interloom_variable_operation(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char                *id;
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_find_ctx(r);

    if (ctx == NULL || ctx->op == NULL) {
        ngx_http_interloom_variable_set(v, "", 0);
        return NGX_OK;
    }

    id = il_op_id(ctx->op);

    ngx_http_interloom_variable_set(v, id, ngx_strlen(id));

    return NGX_OK;
}


/* The instance the Host names; empty outside the instance domain. */

static ngx_int_t
ngx_http_interloom_variable_instance(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                       name;
    ngx_http_interloom_loc_conf_t  *ilcf;

    ilcf = ngx_http_get_module_loc_conf(r, ngx_http_interloom_module);

    ngx_http_interloom_instance(r, ilcf, &name);

    ngx_http_interloom_variable_set(v, (const char *) name.data, name.len);

    return NGX_OK;
}
