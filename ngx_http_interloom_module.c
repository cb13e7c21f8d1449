
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * ngx_http_interloom_module: enforces the Interloom public API's contract
 * at the edge.  This file is the map of the module: its directives, its
 * configuration, and where it hooks into nginx.  Each concern lives in a
 * file of its own under src/.
 */


#include "ngx_http_interloom_module.h"


static ngx_int_t ngx_http_interloom_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_interloom_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_interloom_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_interloom_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_interloom_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_interloom_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_interloom_init_process(ngx_cycle_t *cycle);
static void ngx_http_interloom_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_interloom_redis_failure[] = {
    { ngx_string("open"), NGX_HTTP_INTERLOOM_FAIL_OPEN },
    { ngx_string("closed"), NGX_HTTP_INTERLOOM_FAIL_CLOSED },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_interloom_commands[] = {

    { ngx_string("interloom"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, enable),
      NULL },

    /* tokens */

    { ngx_string("interloom_jwt_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE23,
      ngx_http_interloom_jwt_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("interloom_jwt_jwks"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_interloom_jwt_jwks,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("interloom_jwt_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, issuer),
      NULL },

    { ngx_string("interloom_jwt_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, audience),
      NULL },

    { ngx_string("interloom_jwt_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, leeway),
      NULL },

    { ngx_string("interloom_jwt_forward"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, jwt_forward),
      NULL },

    { ngx_string("interloom_jwt_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_interloom_main_conf_t, jwt_cache_size),
      NULL },

    /* the rate limit and its Redis */

    { ngx_string("interloom_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_interloom_redis_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("interloom_redis_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_interloom_main_conf_t, redis_timeout),
      NULL },

    { ngx_string("interloom_redis_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_interloom_main_conf_t, redis_prefix),
      NULL },

    { ngx_string("interloom_redis_failure"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, redis_failure),
      &ngx_http_interloom_redis_failure },

    { ngx_string("interloom_rate_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_interloom_rate_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("interloom_revocation"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, revocation),
      NULL },

    { ngx_string("interloom_rate_limit_overrides"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, overrides),
      NULL },

    /* validation */

    { ngx_string("interloom_spec"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_interloom_spec,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("interloom_validate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, validate),
      NULL },

    { ngx_string("interloom_normalize_errors"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, normalize_errors),
      NULL },

    /* instances */

    { ngx_string("interloom_instance_domain"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, instance_domain),
      NULL },

    { ngx_string("interloom_shared_instance"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, shared_instance),
      NULL },

    { ngx_string("interloom_instance_upstream"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, instance_upstream),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_interloom_module_ctx = {
    ngx_http_interloom_preconfiguration,   /* preconfiguration */
    ngx_http_interloom_postconfiguration,  /* postconfiguration */

    ngx_http_interloom_create_main_conf,   /* create main configuration */
    ngx_http_interloom_init_main_conf,     /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_interloom_create_loc_conf,    /* create location configuration */
    ngx_http_interloom_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_interloom_module = {
    NGX_MODULE_V1,
    &ngx_http_interloom_module_ctx,        /* module context */
    ngx_http_interloom_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_interloom_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_interloom_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_interloom_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_interloom_add_variables(cf);
}


static ngx_int_t
ngx_http_interloom_postconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_interloom_access_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_interloom_filter_init(cf);
}


static void *
ngx_http_interloom_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_interloom_main_conf_t  *imcf;

    imcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_interloom_main_conf_t));
    if (imcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     imcf->redis_name = { 0, NULL };
     *     imcf->redis_host = NULL;
     *     imcf->redis_unix = NULL;
     *     imcf->redis_user = { 0, NULL };
     *     imcf->redis_password = { 0, NULL };
     *     imcf->redis_prefix = { 0, NULL };
     */

    imcf->redis_port = NGX_CONF_UNSET;
    imcf->redis_db = NGX_CONF_UNSET;
    imcf->redis_timeout = NGX_CONF_UNSET_MSEC;
    imcf->redis_batch = NGX_CONF_UNSET_UINT;
    imcf->jwt_cache_size = NGX_CONF_UNSET_UINT;

    return imcf;
}


static char *
ngx_http_interloom_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_interloom_main_conf_t  *imcf = conf;

    ngx_conf_init_value(imcf->redis_db, 0);
    ngx_conf_init_msec_value(imcf->redis_timeout, 50);
    ngx_conf_init_uint_value(imcf->redis_batch,
                             NGX_HTTP_INTERLOOM_RL_BATCH_MAX);
    ngx_conf_init_uint_value(imcf->jwt_cache_size, 10000);

    if (imcf->redis_prefix.data == NULL) {
        ngx_str_set(&imcf->redis_prefix, "interloom:");
    }

    if (imcf->redis_prefix.len > NGX_HTTP_INTERLOOM_PREFIX_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"interloom_redis_prefix\" is longer than %d "
                           "bytes", NGX_HTTP_INTERLOOM_PREFIX_MAX);
        return NGX_CONF_ERROR;
    }

    if (imcf->jwt_cache_size > NGX_HTTP_INTERLOOM_JWT_CACHE_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"interloom_jwt_cache\" of %ui entries is over "
                           "the %d a worker can hold",
                           imcf->jwt_cache_size,
                           NGX_HTTP_INTERLOOM_JWT_CACHE_MAX);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_interloom_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_interloom_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_interloom_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->keyset = NULL;
     *     conf->issuer = { 0, NULL };
     *     conf->audience = { 0, NULL };
     *     conf->jwt = NULL;
     *     conf->instance_domain = { 0, NULL };
     *     conf->shared_instance = { 0, NULL };
     *     conf->instance_upstream = NULL;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->leeway = NGX_CONF_UNSET;
    conf->jwt_forward = NGX_CONF_UNSET;
    conf->rate_limit = NGX_CONF_UNSET;
    conf->revocation = NGX_CONF_UNSET;
    conf->overrides = NGX_CONF_UNSET;
    conf->redis_failure = NGX_CONF_UNSET_UINT;
    conf->api = NGX_CONF_UNSET_PTR;
    conf->validate = NGX_CONF_UNSET;
    conf->normalize_errors = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_interloom_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_interloom_loc_conf_t  *prev = parent;
    ngx_http_interloom_loc_conf_t  *conf = child;

    ngx_http_interloom_main_conf_t  *imcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);

    ngx_conf_merge_value(conf->jwt_forward, prev->jwt_forward, 1);

    if (ngx_http_interloom_jwt_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_value(conf->rate_limit, prev->rate_limit, 1000);
    ngx_conf_merge_value(conf->revocation, prev->revocation, 0);
    ngx_conf_merge_value(conf->overrides, prev->overrides, 0);
    ngx_conf_merge_uint_value(conf->redis_failure, prev->redis_failure,
                              NGX_HTTP_INTERLOOM_FAIL_OPEN);

    ngx_conf_merge_ptr_value(conf->api, prev->api, NULL);
    ngx_conf_merge_value(conf->validate, prev->validate, 1);
    ngx_conf_merge_value(conf->normalize_errors, prev->normalize_errors, 1);

    if (ngx_http_interloom_instance_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (!conf->enable) {
        return NGX_CONF_OK;
    }

    /*
     * an "interloom on" location that could not check anything would
     * pass every request: refuse it rather than fail open silently
     */

    if (conf->jwt->keyset == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"interloom\" is on but no key is set: add "
                           "\"interloom_jwt_key\" or \"interloom_jwt_jwks\"");
        return NGX_CONF_ERROR;
    }

    imcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_interloom_module);

    if (conf->rate_limit > 0 || conf->revocation) {
        if (imcf->redis_name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"interloom\" is on with a rate limit but "
                               "\"interloom_redis\" is not set (or use "
                               "\"interloom_rate_limit off\")");
            return NGX_CONF_ERROR;
        }

        imcf->redis_used = 1;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_interloom_init_process(ngx_cycle_t *cycle)
{
    ngx_http_interloom_main_conf_t  *imcf;

    /* the cache manager and loader serve no requests */

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    imcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_interloom_module);
    if (imcf == NULL) {
        return NGX_OK;
    }

    if (ngx_http_interloom_token_init_process(cycle, imcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (imcf->redis_used) {
        return ngx_http_interloom_redis_init_process(cycle, imcf);
    }

    return NGX_OK;
}


static void
ngx_http_interloom_exit_process(ngx_cycle_t *cycle)
{
    /* Redis first: it hands the batches in flight back, with no reply */
    ngx_http_interloom_redis_exit_process(cycle);
    ngx_http_interloom_ratelimit_exit_process(cycle);
    ngx_http_interloom_token_exit_process(cycle);
}
