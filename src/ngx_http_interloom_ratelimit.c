
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The rate limit: one Redis round trip per request (the script in
 * il_ratelimit.c), the 429, and the X-RateLimit-* headers.
 */


#include <hiredis/hiredis.h>

#include "ngx_http_interloom_module.h"


/* prefix + "{" + key + "}": the key is a jti, at most a token long */
#define NGX_HTTP_INTERLOOM_RL_KEY_MAX  (IL_JWT_TOKEN_MAX + 256)


static ngx_int_t ngx_http_interloom_ratelimit_send(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf,
    ngx_uint_t eval);
static void ngx_http_interloom_ratelimit_reply(
    ngx_http_interloom_redis_slot_t *slot, void *reply);
static void ngx_http_interloom_ratelimit_wake(ngx_event_t *ev);
static void ngx_http_interloom_ratelimit_failed(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_rl_status_e status,
    const char *why);
static size_t ngx_http_interloom_client_key(ngx_http_request_t *r,
    u_char *buf);


static ngx_str_t  ngx_http_interloom_rl_names[] = {
    ngx_string("X-RateLimit-Limit"),
    ngx_string("X-RateLimit-Remaining"),
    ngx_string("X-RateLimit-Reset")
};

static ngx_str_t  ngx_http_interloom_retry_after = ngx_string("Retry-After");

static time_t  ngx_http_interloom_rl_warned;

/*
 * the command of one request, as it goes on the wire (the EVAL form holds
 * the script's text)
 */
static u_char  ngx_http_interloom_rl_buf[NGX_HTTP_INTERLOOM_RL_KEY_MAX
                                         + 4096];


/* "1000r/m", written as limit_req writes its rates; or "off". */

char *
ngx_http_interloom_rate_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_interloom_loc_conf_t *ilcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (ilcf->rate_limit != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        ilcf->rate_limit = 0;
        return NGX_CONF_OK;
    }

    if (value[1].len < 4
        || ngx_strncmp(value[1].data + value[1].len - 3, "r/m", 3) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid rate \"%V\": only per-minute limits "
                           "such as \"1000r/m\" are supported", &value[1]);
        return NGX_CONF_ERROR;
    }

    n = ngx_atoi(value[1].data, value[1].len - 3);

    if (n <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid rate \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    ilcf->rate_limit = n;

    return NGX_CONF_OK;
}


/*
 * Sends the request's count to Redis.  NGX_AGAIN: wait for the wake-up;
 * NGX_OK: decided at once (no connection, the failure policy applies).
 */

ngx_int_t
ngx_http_interloom_ratelimit_start(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_http_interloom_main_conf_t   *imcf;
    ngx_http_interloom_redis_slot_t  *slot;

    imcf = ngx_http_get_module_main_conf(r, ngx_http_interloom_module);

    slot = ngx_alloc(sizeof(ngx_http_interloom_redis_slot_t),
                     r->connection->log);
    if (slot == NULL) {
        return NGX_ERROR;
    }

    slot->handler = ngx_http_interloom_ratelimit_reply;
    slot->data = ctx;

    ctx->slot = slot;

    ctx->wait.handler = ngx_http_interloom_ratelimit_wake;
    ctx->wait.data = r;
    ctx->wait.log = r->connection->log;

    if (ngx_http_interloom_ratelimit_send(r, ctx, ilcf, 0) != NGX_OK) {
        ctx->slot = NULL;
        ngx_free(slot);

        ngx_http_interloom_ratelimit_failed(r, ctx,
                                            NGX_HTTP_INTERLOOM_RL_REDIS_ERROR,
                                            "not connected");
        return NGX_OK;
    }

    ngx_add_timer(&ctx->wait, imcf->redis_timeout);

    return NGX_AGAIN;
}


static ngx_int_t
ngx_http_interloom_ratelimit_send(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf,
    ngx_uint_t eval)
{
    u_char                          *p;
    size_t                           len;
    ngx_uint_t                       token;
    ngx_http_interloom_main_conf_t  *imcf;
    u_char                           key[NGX_HTTP_INTERLOOM_RL_KEY_MAX];

    imcf = ngx_http_get_module_main_conf(r, ngx_http_interloom_module);

    /*
     * a key's own counter needs a valid token; anyone else is counted by
     * address, so a flood of bad tokens is limited too
     */

    token = (ctx->auth_rc == IL_JWT_OK && ctx->claims != NULL);

    /*
     * "<prefix>{<jti>}" for a key, "<prefix>addr:{<address>}" for anyone
     * else: no jti can name an address's counter
     */

    p = ngx_cpymem(key, imcf->redis_prefix.data, imcf->redis_prefix.len);

    if (token) {
        *p++ = '{';
        p = ngx_cpymem(p, ctx->claims->jti.data, ctx->claims->jti.len);

    } else {
        p = ngx_cpymem(p, "addr:{", sizeof("addr:{") - 1);
        p += ngx_http_interloom_client_key(r, p);
    }

    *p++ = '}';

    len = il_ratelimit_command((char *) ngx_http_interloom_rl_buf,
                               sizeof(ngx_http_interloom_rl_buf), eval,
                               (const char *) key, p - key, ilcf->rate_limit,
                               token && ilcf->revocation,
                               token && ilcf->overrides);

    if (len > sizeof(ngx_http_interloom_rl_buf)) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "interloom: a rate-limit key of %uz bytes is too long",
                      (size_t) (p - key));
        return NGX_ERROR;
    }

    return ngx_http_interloom_redis_command(ctx->slot,
                                            ngx_http_interloom_rl_buf, len);
}


/*
 * The reply.  It may come after the request has gone (it timed out, or
 * the client left): then the slot's data is NULL and only the slot is
 * freed.  Otherwise the result is stored and the request woken up from
 * the posted events, outside hiredis's callback.
 */

static void
ngx_http_interloom_ratelimit_reply(ngx_http_interloom_redis_slot_t *slot,
    void *reply)
{
    char                            why[256];
    ngx_http_request_t             *r;
    il_ratelimit_rc_e               rc;
    ngx_http_interloom_ctx_t       *ctx;
    ngx_http_interloom_loc_conf_t  *ilcf;

    ctx = slot->data;

    if (ctx == NULL) {
        ngx_free(slot);
        return;
    }

    r = ctx->request;

    rc = il_ratelimit_decode(reply, &ctx->rl, why, sizeof(why));

    if (rc == IL_RATELIMIT_NOSCRIPT && !ctx->rl_noscript) {

        /*
         * Redis lost its scripts (a restart, SCRIPT FLUSH, a failover):
         * send the text once, which also loads it for the next ones
         */

        ctx->rl_noscript = 1;
        ilcf = ngx_http_get_module_loc_conf(r, ngx_http_interloom_module);

        if (ngx_http_interloom_ratelimit_send(r, ctx, ilcf, 1) == NGX_OK) {
            return;
        }

        rc = IL_RATELIMIT_BAD_REPLY;
        ngx_cpystrn((u_char *) why, (u_char *) "not connected", sizeof(why));
    }

    ctx->slot = NULL;

    switch (rc) {

    case IL_RATELIMIT_COUNTED:
        ngx_free(slot);
        ctx->rl_status = (ctx->rl.count > ctx->rl.limit)
                         ? NGX_HTTP_INTERLOOM_RL_LIMITED
                         : NGX_HTTP_INTERLOOM_RL_OK;
        ctx->rl_headers = 1;
        break;

    case IL_RATELIMIT_REVOKED:

        /*
         * a revoked key is not counted against itself; its requests are
         * anonymous now, and counted by address like any bad token, so a
         * revoked key cannot flood: one more round trip
         */

        ctx->auth_rc = IL_JWT_REVOKED;
        ilcf = ngx_http_get_module_loc_conf(r, ngx_http_interloom_module);

        if (ilcf->rate_limit > 0) {
            ctx->slot = slot;

            if (ngx_http_interloom_ratelimit_send(r, ctx, ilcf, 0) == NGX_OK)
            {
                return;
            }

            ctx->slot = NULL;
            ngx_free(slot);
            ngx_http_interloom_ratelimit_failed(r, ctx,
                                            NGX_HTTP_INTERLOOM_RL_REDIS_ERROR,
                                            "not connected");
            break;
        }

        ngx_free(slot);
        ctx->rl_status = NGX_HTTP_INTERLOOM_RL_OK;
        break;

    default:
        ngx_free(slot);
        ngx_http_interloom_ratelimit_failed(r, ctx,
                                            NGX_HTTP_INTERLOOM_RL_REDIS_ERROR,
                                            reply ? why : "connection lost");
        break;
    }

    if (ctx->wait.timer_set) {
        ngx_del_timer(&ctx->wait);
    }

    ngx_post_event(&ctx->wait, &ngx_posted_events);
}


static void
ngx_http_interloom_ratelimit_wake(ngx_event_t *ev)
{
    ngx_connection_t          *c;
    ngx_http_request_t        *r;
    ngx_http_interloom_ctx_t  *ctx;

    r = ev->data;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    if (ev->timedout) {
        ev->timedout = 0;

        ctx = ngx_http_interloom_get_ctx(r);

        /* the reply, if it ever comes, finds no request */
        if (ctx->slot) {
            ctx->slot->data = NULL;
            ctx->slot = NULL;
        }

        ngx_http_interloom_ratelimit_failed(r, ctx,
                                          NGX_HTTP_INTERLOOM_RL_REDIS_TIMEOUT,
                                          "timed out");

        ngx_http_interloom_redis_timed_out();
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "interloom rate limit: resuming");

    ctx = ngx_http_interloom_find_ctx(r);

    if (ctx == NULL || ctx->stage != NGX_HTTP_INTERLOOM_STAGE_REDIS) {
        return;
    }

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_interloom_ratelimit_failed(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_rl_status_e status,
    const char *why)
{
    ngx_http_interloom_main_conf_t  *imcf;

    ctx->rl_status = status;
    ctx->rl_headers = 0;

    /* a dead Redis would otherwise write one line per request */

    if (ngx_http_interloom_rl_warned == ngx_time()) {
        return;
    }

    ngx_http_interloom_rl_warned = ngx_time();

    imcf = ngx_http_get_module_main_conf(r, ngx_http_interloom_module);

    if (status == NGX_HTTP_INTERLOOM_RL_REDIS_TIMEOUT) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "interloom: redis %V timed out after %Mms, "
                      "the rate limit is not applied",
                      &imcf->redis_name, imcf->redis_timeout);

    } else {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "interloom: redis %V: %s, the rate limit is not "
                      "applied", &imcf->redis_name, why);
    }
}


/*
 * After the count: the failure policy, a revoked key, the 429.  Returns
 * NGX_DECLINED to go on, or what the request is finalized with.
 */

ngx_int_t
ngx_http_interloom_ratelimit_finish(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    u_char  *p;
    time_t   retry;

    switch (ctx->rl_status) {

    case NGX_HTTP_INTERLOOM_RL_REDIS_ERROR:
    case NGX_HTTP_INTERLOOM_RL_REDIS_TIMEOUT:

        if (ilcf->redis_failure == NGX_HTTP_INTERLOOM_FAIL_CLOSED) {
            return ngx_http_interloom_send_error(r,
                                              NGX_HTTP_SERVICE_UNAVAILABLE,
                                              "service_unavailable",
                                              "Service unavailable.", NULL);
        }

        return NGX_DECLINED;

    case NGX_HTTP_INTERLOOM_RL_LIMITED:
        break;

    default:
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "interloom: rate limited, %L requests of %L this minute",
                  ctx->rl.count, ctx->rl.limit);

    retry = (time_t) (ctx->rl.reset - ctx->rl.now);

    if (retry < 1) {
        retry = 1;
    }

    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_interloom_add_header(r, &ngx_http_interloom_retry_after, p,
                                      ngx_sprintf(p, "%T", retry) - p)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_interloom_send_error(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                         "rate_limit_exceeded",
                                         "Too many requests. Try again "
                                         "later.", NULL);
}


/*
 * The X-RateLimit-* headers: exactly one of each when the count is known,
 * none when it is not (an upstream's copies never leak a stale figure).
 */

ngx_int_t
ngx_http_interloom_ratelimit_headers(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    u_char      *p, *q;
    int64_t      value[3];
    ngx_uint_t   i;

    ngx_http_interloom_remove_headers(&r->headers_out.headers,
                                      ngx_http_interloom_rl_names, 3);

    if (!ctx->rl_headers) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, 3 * NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value[0] = ctx->rl.limit;
    value[1] = il_ratelimit_remaining(&ctx->rl);
    value[2] = ctx->rl.reset;

    for (i = 0; i < 3; i++) {
        q = ngx_sprintf(p, "%L", value[i]);

        if (ngx_http_interloom_add_header(r, &ngx_http_interloom_rl_names[i],
                                          p, q - p)
            == NULL)
        {
            return NGX_ERROR;
        }

        p = q;
    }

    return NGX_OK;
}


/* The anonymous caller's key: its address, an IPv6 one per /64. */

static size_t
ngx_http_interloom_client_key(ngx_http_request_t *r, u_char *buf)
{
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    u_char               *a;
    struct sockaddr_in6  *sin6;
#endif

    switch (r->connection->sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        a = sin6->sin6_addr.s6_addr;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            return il_ratelimit_client_key((char *) buf, a + 12, 4);
        }

        return il_ratelimit_client_key((char *) buf, a, 16);
#endif

    case AF_INET:
        sin = (struct sockaddr_in *) r->connection->sockaddr;
        return il_ratelimit_client_key((char *) buf,
                                       (u_char *) &sin->sin_addr.s_addr, 4);

    default:
        /* a unix socket: every caller is the same local peer */
        return ngx_sprintf(buf, "local") - buf;
    }
}
