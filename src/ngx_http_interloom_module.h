
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
#include "il_jwt.h"
#include "il_ratelimit.h"
#include "il_openapi.h"


#define NGX_HTTP_INTERLOOM_REQUEST_ID_LEN  36    /* 8-4-4-4-12 */
#define NGX_HTTP_INTERLOOM_TIMESTAMP_LEN   20    /* 2025-01-15T09:30:00Z */

#define NGX_HTTP_INTERLOOM_PREFIX_MAX      128
#define NGX_HTTP_INTERLOOM_JWT_CACHE_MAX   10000000
#define NGX_HTTP_INTERLOOM_ERRLEN          1024
#define NGX_HTTP_INTERLOOM_DEFER_BODY_MAX  65536

/* the most requests one call of the rate-limit script counts */
#define NGX_HTTP_INTERLOOM_RL_BATCH_MAX    64

#define NGX_HTTP_INTERLOOM_FAIL_OPEN       0
#define NGX_HTTP_INTERLOOM_FAIL_CLOSED     1


typedef struct {
    ngx_str_t                   redis_name;      /* for logs */
    char                       *redis_host;      /* a numeric address */
    int                         redis_port;
    char                       *redis_unix;      /* a socket path */
    ngx_str_t                   redis_user;
    ngx_str_t                   redis_password;
    ngx_int_t                   redis_db;
    ngx_msec_t                  redis_timeout;
    ngx_uint_t                  redis_batch;     /* requests per call */
    ngx_str_t                   redis_prefix;

    ngx_uint_t                  jwt_cache_size;

    ngx_array_t                *specs;           /* of loaded documents */

    unsigned                    redis_used:1;   /* a location counts */
} ngx_http_interloom_main_conf_t;


/* One verifying configuration; also the scope of the token cache. */
typedef struct {
    il_jwt_keyset_t            *keyset;
    il_jwt_policy_t             policy;
} ngx_http_interloom_jwt_t;


typedef struct {
    ngx_flag_t                  enable;

    il_jwt_keyset_t            *keyset;          /* this level's own keys */
    ngx_str_t                   issuer;
    ngx_str_t                   audience;
    ngx_int_t                   leeway;
    ngx_flag_t                  jwt_forward;
    ngx_http_interloom_jwt_t   *jwt;             /* set by merge */

    ngx_int_t                   rate_limit;      /* per minute, 0: off */
    ngx_flag_t                  revocation;
    ngx_flag_t                  overrides;
    ngx_uint_t                  redis_failure;

    il_api_t                   *api;             /* interloom_spec */
    ngx_flag_t                  validate;
    ngx_flag_t                  normalize_errors;

    ngx_str_t                   instance_domain;
    ngx_str_t                   shared_instance;
    ngx_http_complex_value_t   *instance_upstream;
} ngx_http_interloom_loc_conf_t;


typedef enum {
    NGX_HTTP_INTERLOOM_RL_NONE = 0,              /* not counted */
    NGX_HTTP_INTERLOOM_RL_OK,
    NGX_HTTP_INTERLOOM_RL_LIMITED,
    NGX_HTTP_INTERLOOM_RL_REDIS_ERROR,
    NGX_HTTP_INTERLOOM_RL_REDIS_TIMEOUT
} ngx_http_interloom_rl_status_e;


typedef enum {
    NGX_HTTP_INTERLOOM_STAGE_START = 0,
    NGX_HTTP_INTERLOOM_STAGE_REDIS,              /* waiting for the count */
    NGX_HTTP_INTERLOOM_STAGE_BODY,               /* reading the body */
    NGX_HTTP_INTERLOOM_STAGE_DONE                /* every check passed */
} ngx_http_interloom_stage_e;


typedef struct ngx_http_interloom_redis_slot_s
    ngx_http_interloom_redis_slot_t;

typedef void (*ngx_http_interloom_redis_handler_pt)(
    ngx_http_interloom_redis_slot_t *slot, void *reply);

/*
 * What a queued Redis command knows of its request.  It is malloc'd, not
 * taken from the request's pool: the reply may come after the request is
 * gone, and then finds data NULL.
 */
struct ngx_http_interloom_redis_slot_s {
    ngx_http_interloom_redis_handler_pt   handler;
    void                                 *data;
};


/*
 * The state of one request.  It lives in the main request's pool with a
 * cleanup handler, so that after an internal redirect (which wipes module
 * contexts) the same state is found again and nothing runs twice.
 */
typedef struct {
    ngx_http_request_t         *request;
    ngx_http_interloom_stage_e  stage;
    ngx_uint_t                  uri_changes;     /* when the body read
                                                    began */

    u_char                      request_id[NGX_HTTP_INTERLOOM_REQUEST_ID_LEN];

    /* the token, and the setup that verified it */
    il_jwt_rc_e                 auth_rc;
    ngx_http_interloom_jwt_t   *jwt;
    il_jwt_claims_t            *claims;

    /* the rate limit */
    ngx_http_interloom_rl_status_e  rl_status;
    il_ratelimit_t              rl;
    ngx_http_interloom_redis_slot_t  *slot;
    ngx_event_t                 wait;            /* timeout, then wake-up */
    ngx_str_t                   rl_key;          /* "<prefix>{<jti>}" */
    ngx_int_t                   rl_limit;

    /* the operation, and what is wrong with the request */
    const il_api_t             *api;
    const il_path_t            *path;
    const il_op_t              *op;
    il_field_errors_t           errs;
    int                         body_kind;

    /* our own error, or the envelope that replaces a response's body */
    ngx_str_t                   body;
    ngx_uint_t                  status;
    ngx_buf_t                  *held;            /* a body read before
                                                    its headers go */

    unsigned                    request_id_set:1;
    unsigned                    auth_checked:1;
    unsigned                    auth_header_bad:1;
    unsigned                    rl_headers:1;    /* send X-RateLimit-* */
    unsigned                    rl_revocation:1; /* what the count asks */
    unsigned                    rl_overrides:1;
    unsigned                    query_invalid:1;
    unsigned                    body_invalid:1;
    unsigned                    body_read:1;
    unsigned                    own_response:1;
    unsigned                    replace_body:1;
    unsigned                    delay:1;
    unsigned                    delay_404:1;
    unsigned                    held_unread:1;
    unsigned                    body_sent:1;
} ngx_http_interloom_ctx_t;


extern ngx_module_t  ngx_http_interloom_module;


/* ngx_http_interloom_request.c */
ngx_http_interloom_ctx_t *ngx_http_interloom_get_ctx(ngx_http_request_t *r);
ngx_http_interloom_ctx_t *ngx_http_interloom_find_ctx(ngx_http_request_t *r);
ngx_int_t ngx_http_interloom_request_id(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
void ngx_http_interloom_timestamp(u_char *buf);

ngx_table_elt_t *ngx_http_interloom_header_in(ngx_http_request_t *r,
    ngx_str_t *name, ngx_uint_t *count);

/* ngx_http_interloom_access.c */
ngx_int_t ngx_http_interloom_access_init(ngx_conf_t *cf);
void ngx_http_interloom_ctx_release(ngx_http_interloom_ctx_t *ctx);

/* ngx_http_interloom_token.c */
char *ngx_http_interloom_jwt_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_interloom_jwt_jwks(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_interloom_jwt_merge(ngx_conf_t *cf,
    ngx_http_interloom_loc_conf_t *prev, ngx_http_interloom_loc_conf_t *conf);
ngx_int_t ngx_http_interloom_token_init_process(ngx_cycle_t *cycle,
    ngx_http_interloom_main_conf_t *imcf);
void ngx_http_interloom_token_exit_process(ngx_cycle_t *cycle);
void ngx_http_interloom_token_check(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
ngx_int_t ngx_http_interloom_send_unauthorized(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);
ngx_int_t ngx_http_interloom_strip_headers(ngx_http_request_t *r,
    ngx_http_interloom_loc_conf_t *ilcf);

/* ngx_http_interloom_ratelimit.c */
char *ngx_http_interloom_rate_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_interloom_ratelimit_exit_process(ngx_cycle_t *cycle);
ngx_int_t ngx_http_interloom_ratelimit_start(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
ngx_int_t ngx_http_interloom_ratelimit_finish(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
ngx_int_t ngx_http_interloom_ratelimit_headers(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);

/* ngx_http_interloom_instance.c */
void ngx_http_interloom_instance(ngx_http_request_t *r,
    ngx_http_interloom_loc_conf_t *ilcf, ngx_str_t *name);
ngx_int_t ngx_http_interloom_instance_route(ngx_http_request_t *r,
    ngx_http_interloom_loc_conf_t *ilcf);
ngx_int_t ngx_http_interloom_instance_bound(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
char *ngx_http_interloom_instance_merge(ngx_conf_t *cf,
    ngx_http_interloom_loc_conf_t *prev, ngx_http_interloom_loc_conf_t *conf);

/* ngx_http_interloom_validate.c */
char *ngx_http_interloom_spec(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_interloom_validate_start(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
ngx_int_t ngx_http_interloom_validate_finish(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx);

/* ngx_http_interloom_redis.c */
char *ngx_http_interloom_redis_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_interloom_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_interloom_main_conf_t *imcf);
void ngx_http_interloom_redis_exit_process(ngx_cycle_t *cycle);
ngx_int_t ngx_http_interloom_redis_command(
    ngx_http_interloom_redis_slot_t *slot, u_char *cmd, size_t len);
void ngx_http_interloom_redis_timed_out(void);
ngx_uint_t ngx_http_interloom_redis_ready(void);

/* ngx_http_interloom_error.c */
ngx_int_t ngx_http_interloom_send_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message,
    const il_field_errors_t *fields);
ngx_int_t ngx_http_interloom_error_body(ngx_http_request_t *r,
    ngx_str_t *body, const char *code, const char *message,
    const il_field_errors_t *fields);
void ngx_http_interloom_json_headers(ngx_http_request_t *r, size_t len);
void ngx_http_interloom_status_error(ngx_uint_t status, const char **code,
    const char **message);

/* ngx_http_interloom_filter.c */
ngx_int_t ngx_http_interloom_filter_init(ngx_conf_t *cf);
ngx_table_elt_t *ngx_http_interloom_add_header(ngx_http_request_t *r,
    ngx_str_t *name, u_char *value, size_t len);
void ngx_http_interloom_remove_headers(ngx_list_t *headers, ngx_str_t *names,
    ngx_uint_t n);

/* ngx_http_interloom_variables.c */
ngx_int_t ngx_http_interloom_add_variables(ngx_conf_t *cf);


#endif /* NGX_HTTP_INTERLOOM_MODULE_H_INCLUDED */
