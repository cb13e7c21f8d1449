
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The nginx side of bearer tokens: the key directives, the per-worker
 * cache of verified tokens, the check itself and the 401 it answers.
 * Verification proper lives in il_jwt.c.
 */


#include "ngx_http_interloom_module.h"


static il_jwt_keyset_t *ngx_http_interloom_keyset(ngx_conf_t *cf,
    ngx_http_interloom_loc_conf_t *ilcf);
static void ngx_http_interloom_keyset_cleanup(void *data);
static ngx_uint_t ngx_http_interloom_stripped(ngx_table_elt_t *h,
    ngx_table_elt_t *auth);
static ngx_uint_t ngx_http_interloom_claims_printable(il_jwt_claims_t *c);
static ngx_uint_t ngx_http_interloom_printable(il_jwt_str_t *s);
static char *ngx_http_interloom_cstr(ngx_conf_t *cf, ngx_str_t *s);


static il_jwt_cache_t  *ngx_http_interloom_jwt_cache;

static ngx_str_t  ngx_http_interloom_interloom_prefix =
    ngx_string("X-Interloom-");
static ngx_str_t  ngx_http_interloom_www_authenticate =
    ngx_string("WWW-Authenticate");


char *
ngx_http_interloom_jwt_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_interloom_loc_conf_t *ilcf = conf;

    char              *alg, *file, *kid;
    ngx_str_t         *value, path;
    il_jwt_keyset_t   *ks;
    u_char             err[NGX_HTTP_INTERLOOM_ERRLEN];

    value = cf->args->elts;

    kid = NULL;

    if (cf->args->nelts == 4) {
        if (value[3].len <= 4 || ngx_strncmp(value[3].data, "kid=", 4) != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\", expected "
                               "\"kid=NAME\"", &value[3]);
            return NGX_CONF_ERROR;
        }

        value[3].data += 4;
        value[3].len -= 4;

        kid = ngx_http_interloom_cstr(cf, &value[3]);
        if (kid == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    path = value[2];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    alg = ngx_http_interloom_cstr(cf, &value[1]);
    file = ngx_http_interloom_cstr(cf, &path);

    if (alg == NULL || file == NULL) {
        return NGX_CONF_ERROR;
    }

    ks = ngx_http_interloom_keyset(cf, ilcf);
    if (ks == NULL) {
        return NGX_CONF_ERROR;
    }

    if (il_jwt_keyset_add_file(ks, alg, file, kid, (char *) err, sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_interloom_jwt_jwks(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_interloom_loc_conf_t *ilcf = conf;

    char             *file;
    ngx_str_t        *value, path;
    il_jwt_keyset_t  *ks;
    u_char            err[NGX_HTTP_INTERLOOM_ERRLEN];

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    file = ngx_http_interloom_cstr(cf, &path);
    if (file == NULL) {
        return NGX_CONF_ERROR;
    }

    ks = ngx_http_interloom_keyset(cf, ilcf);
    if (ks == NULL) {
        return NGX_CONF_ERROR;
    }

    if (il_jwt_keyset_add_jwks(ks, file, (char *) err, sizeof(err)) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* The key set of this configuration level, made on its first key. */

static il_jwt_keyset_t *
ngx_http_interloom_keyset(ngx_conf_t *cf, ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_pool_cleanup_t  *cln;

    if (ilcf->keyset) {
        return ilcf->keyset;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    ilcf->keyset = il_jwt_keyset_new();
    if (ilcf->keyset == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_interloom_keyset_cleanup;
    cln->data = ilcf->keyset;

    return ilcf->keyset;
}


static void
ngx_http_interloom_keyset_cleanup(void *data)
{
    il_jwt_keyset_free(data);
}


/*
 * Keys, issuer, audience and leeway together make one verifying setup.  A
 * level that sets none of them shares its parent's, so the token cache,
 * scoped by setup, serves every location that verifies alike.  A level
 * that names any key replaces the keys it would inherit, as nginx's array
 * directives do.
 */

char *
ngx_http_interloom_jwt_merge(ngx_conf_t *cf,
    ngx_http_interloom_loc_conf_t *prev, ngx_http_interloom_loc_conf_t *conf)
{
    ngx_http_interloom_jwt_t  *jwt;

    if (conf->keyset == NULL) {
        conf->keyset = prev->keyset;
    }

    ngx_conf_merge_str_value(conf->issuer, prev->issuer, "");
    ngx_conf_merge_str_value(conf->audience, prev->audience, "");
    ngx_conf_merge_value(conf->leeway, prev->leeway, IL_JWT_LEEWAY_DEFAULT);

    if (prev->jwt
        && prev->jwt->keyset == conf->keyset
        && prev->issuer.data == conf->issuer.data
        && prev->audience.data == conf->audience.data
        && prev->leeway == conf->leeway)
    {
        conf->jwt = prev->jwt;
        return NGX_CONF_OK;
    }

    jwt = ngx_pcalloc(cf->pool, sizeof(ngx_http_interloom_jwt_t));
    if (jwt == NULL) {
        return NGX_CONF_ERROR;
    }

    jwt->keyset = conf->keyset;
    jwt->policy.leeway = conf->leeway;

    if (conf->issuer.len) {
        jwt->policy.issuer = ngx_http_interloom_cstr(cf, &conf->issuer);
        if (jwt->policy.issuer == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->audience.len) {
        jwt->policy.audience = ngx_http_interloom_cstr(cf, &conf->audience);
        if (jwt->policy.audience == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    conf->jwt = jwt;

    return NGX_CONF_OK;
}


static char *
ngx_http_interloom_cstr(ngx_conf_t *cf, ngx_str_t *s)
{
    u_char  *p;

    p = ngx_pnalloc(cf->pool, s->len + 1);
    if (p == NULL) {
        return NULL;
    }

    ngx_memcpy(p, s->data, s->len);
    p[s->len] = '\0';

    return (char *) p;
}


ngx_int_t
ngx_http_interloom_token_init_process(ngx_cycle_t *cycle,
    ngx_http_interloom_main_conf_t *imcf)
{
    ngx_http_interloom_jwt_cache = il_jwt_cache_new(imcf->jwt_cache_size);

    if (ngx_http_interloom_jwt_cache == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "interloom: no memory for a token cache of %ui entries",
                      imcf->jwt_cache_size);
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_interloom_token_exit_process(ngx_cycle_t *cycle)
{
    il_jwt_cache_free(ngx_http_interloom_jwt_cache);
    ngx_http_interloom_jwt_cache = NULL;
}


/*
 * Checks the request's bearer token and records the outcome in ctx: the
 * claims on success, the reason otherwise.  It answers nothing itself, as
 * the rate limit counts the request first.
 */

void
ngx_http_interloom_token_check(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    size_t                     len;
    time_t                     now;
    const char                *token;
    il_jwt_rc_e                rc;
    ngx_table_elt_t           *h;
    il_jwt_claims_t           *claims;
    ngx_http_interloom_jwt_t  *jwt;

    ctx->auth_checked = 1;

    if (ctx->claims) {
        il_jwt_claims_unref(ctx->claims);
        ctx->claims = NULL;
    }

    h = r->headers_in.authorization;

    if (h == NULL) {
        ctx->auth_rc = IL_JWT_MISSING;
        return;
    }

    rc = il_jwt_bearer((const char *) h->value.data, h->value.len, &token,
                       &len);

    if (rc != IL_JWT_OK) {
        ctx->auth_rc = rc;
        ctx->auth_header_bad = (rc == IL_JWT_MALFORMED);
        return;
    }

    jwt = ilcf->jwt;
    now = ngx_time();

    claims = il_jwt_cache_get(ngx_http_interloom_jwt_cache, jwt, token, len,
                              now);

    /* a cached token's claims were checked when it was verified */

    if (claims) {
        /* a cached verification still answers to the clock */
        rc = il_jwt_check_times(claims, now, jwt->policy.leeway);

        if (rc != IL_JWT_OK) {
            il_jwt_claims_unref(claims);
            ctx->auth_rc = rc;
            return;
        }

        ctx->claims = claims;
        ctx->auth_rc = IL_JWT_OK;
        return;
    }

    rc = il_jwt_verify(jwt->keyset, &jwt->policy, token, len, now, &claims);

    if (rc == IL_JWT_OK && !ngx_http_interloom_claims_printable(claims)) {
        il_jwt_claims_unref(claims);
        rc = IL_JWT_CLAIM;
    }

    ctx->auth_rc = rc;

    if (rc == IL_JWT_OK) {
        il_jwt_cache_put(ngx_http_interloom_jwt_cache, jwt, token, len,
                         claims, now);
        ctx->claims = claims;
        return;
    }

    if (rc == IL_JWT_NOMEM) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "interloom: no memory to verify a token");
    }
}


/*
 * 401 with the API's envelope.  RFC 6750: no error attributes when no
 * token was offered, invalid_request for a malformed Authorization header,
 * invalid_token with a description otherwise.
 */

ngx_int_t
ngx_http_interloom_send_unauthorized(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    u_char           *p, *last;
    size_t            len;
    const char       *error, *desc;
    ngx_table_elt_t  *h;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "interloom: token refused: %s",
                  il_jwt_reason(ctx->auth_rc));

    if (ctx->auth_rc == IL_JWT_NOMEM) {
        return ngx_http_interloom_send_error(r,
                                             NGX_HTTP_INTERNAL_SERVER_ERROR,
                                             "internal_error",
                                             "Internal server error.", NULL);
    }

    if (ctx->auth_rc == IL_JWT_MISSING) {
        error = NULL;
        desc = NULL;

    } else {
        error = ctx->auth_header_bad ? "invalid_request"
                                     : il_jwt_error(ctx->auth_rc);
        desc = il_jwt_description(ctx->auth_rc);
    }

    len = sizeof("Bearer realm=\"interloom\"") - 1;

    if (error) {
        len += sizeof(", error=\"\"") - 1 + ngx_strlen(error);
    }

    if (desc) {
        len += sizeof(", error_description=\"\"") - 1 + ngx_strlen(desc);
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    last = ngx_cpymem(p, "Bearer realm=\"interloom\"",
                      sizeof("Bearer realm=\"interloom\"") - 1);

    if (error) {
        last = ngx_sprintf(last, ", error=\"%s\"", error);
    }

    if (desc) {
        last = ngx_sprintf(last, ", error_description=\"%s\"", desc);
    }

    h = ngx_http_interloom_add_header(r, &ngx_http_interloom_www_authenticate,
                                      p, last - p);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.www_authenticate = h;

    return ngx_http_interloom_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                         "unauthorized",
                                         "Missing or invalid authentication "
                                         "token.", NULL);
}


/*
 * Removes every incoming X-Interloom-* header, so a client can never pass
 * its own identity through whatever the configuration forwards, and the
 * Authorization header when it must not be forwarded.  nginx's proxy
 * forwards whatever the list holds, so the list is rebuilt without them;
 * that happens only when such a header is there.
 */

ngx_int_t
ngx_http_interloom_strip_headers(ngx_http_request_t *r,
    ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_uint_t        i, drop;
    ngx_list_t        headers;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *nh, *auth;

    auth = ilcf->jwt_forward ? NULL : r->headers_in.authorization;

    drop = 0;
    part = &r->headers_in.headers.part;
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

        if (ngx_http_interloom_stripped(&h[i], auth)) {
            drop++;
        }
    }

    if (drop == 0) {
        return NGX_OK;
    }

    if (ngx_list_init(&headers, r->pool, 20, sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
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

        if (ngx_http_interloom_stripped(&h[i], auth)) {
            continue;
        }

        nh = ngx_list_push(&headers);
        if (nh == NULL) {
            return NGX_ERROR;
        }

        *nh = h[i];
    }

    r->headers_in.headers = headers;

    /* a list of one part points at itself: not at this stack frame */
    if (headers.last == &headers.part) {
        r->headers_in.headers.last = &r->headers_in.headers.part;
    }

    if (auth) {
        r->headers_in.authorization = NULL;
    }

    return NGX_OK;
}


/*
 * With underscores_in_headers on, "X_Interloom_Org_Id" reaches a CGI-style
 * upstream as the same name as "X-Interloom-Org-Id": both are stripped.
 */

static ngx_uint_t
ngx_http_interloom_stripped(ngx_table_elt_t *h, ngx_table_elt_t *auth)
{
    u_char      c;
    ngx_uint_t  i;

    if (h == auth) {
        return 1;
    }

    if (h->key.len < ngx_http_interloom_interloom_prefix.len) {
        return 0;
    }

    for (i = 0; i < ngx_http_interloom_interloom_prefix.len; i++) {
        c = ngx_tolower(h->key.data[i]);

        if (c == '_') {
            c = '-';
        }

        if (c != ngx_tolower(ngx_http_interloom_interloom_prefix.data[i])) {
            return 0;
        }
    }

    return 1;
}


/*
 * The identity claims go into upstream headers and logs: one holding a
 * control character (a CR LF would start a header of its own) makes the
 * token invalid rather than an identity with a hole in it.
 */

static ngx_uint_t
ngx_http_interloom_claims_printable(il_jwt_claims_t *c)
{
    return ngx_http_interloom_printable(&c->org_id)
           && ngx_http_interloom_printable(&c->jti)
           && ngx_http_interloom_printable(&c->sub)
           && ngx_http_interloom_printable(&c->instance);
}


static ngx_uint_t
ngx_http_interloom_printable(il_jwt_str_t *s)
{
    size_t  i;

    for (i = 0; s->data && i < s->len; i++) {
        if ((u_char) s->data[i] < 0x20 || s->data[i] == 0x7f) {
            return 0;
        }
    }

    return 1;
}
