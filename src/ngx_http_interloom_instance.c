
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Instances: the Host NAME.<domain> names a dedicated instance, the shared
 * host is one of them by name.  Routing to an instance stays nginx's job
 * (a map from $interloom_instance to an upstream); the module answers for
 * instances nobody routes, and binds each key to its own instance.
 */


#include "ngx_http_interloom_module.h"


static ngx_int_t ngx_http_interloom_lower(ngx_conf_t *cf, ngx_str_t *s);


/*
 * The instance the request's Host names, or an empty string when the Host
 * is outside the domain.  nginx has already lowercased the Host and taken
 * off its port and trailing dot.
 */

void
ngx_http_interloom_instance(ngx_http_request_t *r,
    ngx_http_interloom_loc_conf_t *ilcf, ngx_str_t *name)
{
    u_char     *p, *dot;
    ngx_str_t  *host, *domain;

    host = &r->headers_in.server;
    domain = &ilcf->instance_domain;

    name->len = 0;
    name->data = (u_char *) "";

    if (domain->len == 0 || host->len <= domain->len + 1) {
        return;
    }

    dot = host->data + host->len - domain->len - 1;

    if (*dot != '.'
        || ngx_strncasecmp(dot + 1, domain->data, domain->len) != 0)
    {
        return;
    }

    /* one label of letters, digits and hyphens */

    for (p = host->data; p < dot; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
              || *p == '-'))
        {
            return;
        }
    }

    name->data = host->data;
    name->len = dot - host->data;
}


/*
 * Before the token: a request whose instance no upstream serves gets 404
 * instance_not_found, uncounted and without contacting anything.
 * NGX_DECLINED: go on.
 */

ngx_int_t
ngx_http_interloom_instance_route(ngx_http_request_t *r,
    ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_str_t  upstream;

    if (ilcf->instance_upstream == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_complex_value(r, ilcf->instance_upstream, &upstream)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (upstream.len) {
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "interloom: no instance serves host \"%V\"",
                  &r->headers_in.server);

    return ngx_http_interloom_send_error(r, NGX_HTTP_NOT_FOUND,
                                         "instance_not_found",
                                         "Instance not found.", NULL);
}


/*
 * A key works only on its own instance: the one its "instance" claim
 * names, or the shared one when it has no such claim.
 */

ngx_int_t
ngx_http_interloom_instance_bound(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_str_t      name;
    il_jwt_str_t  *claim;

    if (ilcf->instance_domain.len == 0) {
        return NGX_OK;
    }

    ngx_http_interloom_instance(r, ilcf, &name);

    claim = &ctx->claims->instance;

    if (claim->data) {
        if (claim->len == name.len
            && ngx_strncmp(claim->data, name.data, name.len) == 0)
        {
            return NGX_OK;
        }

    } else if (name.len == ilcf->shared_instance.len
               && ngx_strncmp(name.data, ilcf->shared_instance.data,
                              name.len)
                  == 0)
    {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_interloom_lower(ngx_conf_t *cf, ngx_str_t *s)
{
    u_char  *p;

    if (s->len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(cf->pool, s->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_strlow(p, s->data, s->len);
    s->data = p;

    return NGX_OK;
}


char *
ngx_http_interloom_instance_merge(ngx_conf_t *cf,
    ngx_http_interloom_loc_conf_t *prev, ngx_http_interloom_loc_conf_t *conf)
{
    ngx_conf_merge_str_value(conf->instance_domain, prev->instance_domain,
                             "");
    ngx_conf_merge_str_value(conf->shared_instance, prev->shared_instance,
                             "app");

    if (conf->instance_upstream == NULL) {
        conf->instance_upstream = prev->instance_upstream;
    }

    /* nginx compares hosts in lower case; so does the domain */

    if (ngx_http_interloom_lower(cf, &conf->instance_domain) != NGX_OK
        || ngx_http_interloom_lower(cf, &conf->shared_instance) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->instance_domain.len
        && conf->instance_domain.data[conf->instance_domain.len - 1] == '.')
    {
        conf->instance_domain.len--;
    }

    return NGX_CONF_OK;
}
