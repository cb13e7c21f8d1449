
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
static void *ngx_http_interloom_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_interloom_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);


static ngx_command_t  ngx_http_interloom_commands[] = {

    { ngx_string("interloom"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_interloom_loc_conf_t, enable),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_interloom_module_ctx = {
    ngx_http_interloom_preconfiguration,   /* preconfiguration */
    ngx_http_interloom_postconfiguration,  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

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
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
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
    return ngx_http_interloom_filter_init(cf);
}


static void *
ngx_http_interloom_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_interloom_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_interloom_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->enable = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_interloom_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_interloom_loc_conf_t  *prev = parent;
    ngx_http_interloom_loc_conf_t  *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);

    return NGX_CONF_OK;
}
