
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The rate limit: one Redis round trip per request (the script in
 * il_ratelimit.c), the 429, and the X-RateLimit-* headers.  The requests
 * that reach this stage in one cycle of the event loop are counted by one
 * call of the script: Redis runs its Lua once per batch, not per request.
 */


#include <hiredis/hiredis.h>

#include "ngx_http_interloom_module.h"


/* a batch's first size; it doubles up to the configured batch */
#define NGX_HTTP_INTERLOOM_RL_BATCH_MIN  4

/* a larger buffer of the call is not kept once the call is written */
#define NGX_HTTP_INTERLOOM_RL_BUF_KEEP   65536


/*
 * A batch: the requests one call of the script counts.  It is malloc'd,
 * not taken from a request's pool, since the reply may come after every
 * request of it has gone; a request that goes clears its entry's data.
 */

typedef struct ngx_http_interloom_rl_batch_s  ngx_http_interloom_rl_batch_t;

struct ngx_http_interloom_rl_batch_s {
    ngx_http_interloom_redis_slot_t   call;       /* the script's reply */
    ngx_http_interloom_rl_batch_t    *next;       /* in the free list */
    ngx_uint_t                        n;
    ngx_uint_t                        size;       /* entries it can hold */
    unsigned                          eval:1;     /* sent again as EVAL */
    ngx_http_interloom_redis_slot_t   entry[1];   /* size of them */
};


static ngx_int_t ngx_http_interloom_ratelimit_queue(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
static ngx_http_interloom_rl_batch_t *ngx_http_interloom_ratelimit_batch(
    ngx_uint_t size, ngx_log_t *log);
static void ngx_http_interloom_ratelimit_split(
    ngx_http_interloom_rl_batch_t *batch);
static ngx_int_t ngx_http_interloom_ratelimit_send(
    ngx_http_interloom_rl_batch_t *batch);
static void ngx_http_interloom_ratelimit_flush(ngx_event_t *ev);
static void ngx_http_interloom_ratelimit_abandon(
    ngx_http_interloom_rl_batch_t *batch);
static void ngx_http_interloom_ratelimit_reply(
    ngx_http_interloom_redis_slot_t *call, void *reply);
static void ngx_http_interloom_ratelimit_result(
    ngx_http_interloom_ctx_t *ctx, il_ratelimit_rc_e rc, const char *why);
static void ngx_http_interloom_ratelimit_release(
    ngx_http_interloom_rl_batch_t *batch);
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

/* the batch this cycle of the event loop fills, and spare ones */
static ngx_http_interloom_rl_batch_t  *ngx_http_interloom_rl_open;
static ngx_http_interloom_rl_batch_t  *ngx_http_interloom_rl_free;
static ngx_uint_t                      ngx_http_interloom_rl_nfree;

/*
 * the most requests a call counts: batch= of interloom_redis, or 1 once
 * Redis has refused a call for touching several cluster slots
 */
static ngx_uint_t  ngx_http_interloom_rl_max;

/* posted: sends the open batch once the cycle's handlers have run */
static ngx_event_t  ngx_http_interloom_rl_flush_event;

/* the call as it goes on the wire; grows to the largest batch seen */
static u_char  *ngx_http_interloom_rl_buf;
static size_t   ngx_http_interloom_rl_buf_size;


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
 * Queues the request's count.  NGX_AGAIN: wait for the wake-up; NGX_OK:
 * decided at once (no connection, the failure policy applies).
 */

ngx_int_t
ngx_http_interloom_ratelimit_start(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_http_interloom_main_conf_t  *imcf;

    imcf = ngx_http_get_module_main_conf(r, ngx_http_interloom_module);

    ctx->wait.handler = ngx_http_interloom_ratelimit_wake;
    ctx->wait.data = r;
    ctx->wait.log = r->connection->log;

    switch (ngx_http_interloom_ratelimit_queue(r, ctx, ilcf)) {

    case NGX_OK:
        break;

    case NGX_DECLINED:
        ngx_http_interloom_ratelimit_failed(r, ctx,
                                            NGX_HTTP_INTERLOOM_RL_REDIS_ERROR,
                                            "not connected");
        return NGX_OK;

    default:
        return NGX_ERROR;
    }

    ngx_add_timer(&ctx->wait, imcf->redis_timeout);

    return NGX_AGAIN;
}


/*
 * Adds the request to the open batch, which goes to Redis at the end of
 * this cycle, or at once when it is full.
 */

static ngx_int_t
ngx_http_interloom_ratelimit_queue(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    u_char                          *p;
    size_t                           len;
    ngx_uint_t                       token, i;
    ngx_http_interloom_ctx_t        *waiting;
    ngx_http_interloom_rl_batch_t   *batch, *grown;
    ngx_http_interloom_main_conf_t  *imcf;

    imcf = ngx_http_get_module_main_conf(r, ngx_http_interloom_module);

    if (!ngx_http_interloom_redis_ready()) {
        return NGX_DECLINED;
    }

    /*
     * a key's own counter needs a valid token; anyone else is counted by
     * address, so a flood of bad tokens is limited too
     */

    token = (ctx->auth_rc == IL_JWT_OK && ctx->claims != NULL);

    len = imcf->redis_prefix.len + sizeof("addr:{}") - 1
          + (token ? ctx->claims->jti.len : NGX_SOCKADDR_STRLEN);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    /*
     * "<prefix>{<jti>}" for a key, "<prefix>addr:{<address>}" for anyone
     * else: no jti can name an address's counter
     */

    ctx->rl_key.data = p;

    p = ngx_cpymem(p, imcf->redis_prefix.data, imcf->redis_prefix.len);

    if (token) {
        *p++ = '{';
        p = ngx_cpymem(p, ctx->claims->jti.data, ctx->claims->jti.len);

    } else {
        p = ngx_cpymem(p, "addr:{", sizeof("addr:{") - 1);
        p += ngx_http_interloom_client_key(r, p);
    }

    *p++ = '}';

    ctx->rl_key.len = p - ctx->rl_key.data;
    ctx->rl_limit = ilcf->rate_limit;
    ctx->rl_revocation = (token && ilcf->revocation);
    ctx->rl_overrides = (token && ilcf->overrides);

    if (ngx_http_interloom_rl_max == 0) {
        ngx_http_interloom_rl_max = imcf->redis_batch;
    }

    batch = ngx_http_interloom_rl_open;

    if (batch && batch->n >= ngx_http_interloom_rl_max) {

        /*
         * the most a call may count fell below what the open batch holds
         * (a CROSSSLOT in this cycle): it goes as it is, a new one opens
         */

        ngx_http_interloom_rl_open = NULL;

        if (ngx_http_interloom_ratelimit_send(batch) != NGX_OK) {
            ngx_http_interloom_ratelimit_abandon(batch);
        }

        batch = NULL;
    }

    if (batch == NULL) {
        batch = ngx_http_interloom_ratelimit_batch(
                    ngx_min(NGX_HTTP_INTERLOOM_RL_BATCH_MIN,
                            ngx_http_interloom_rl_max),
                    r->connection->log);
        if (batch == NULL) {
            return NGX_ERROR;
        }

        ngx_http_interloom_rl_open = batch;

        if (!ngx_http_interloom_rl_flush_event.posted) {
            ngx_http_interloom_rl_flush_event.handler =
                                             ngx_http_interloom_ratelimit_flush;
            ngx_http_interloom_rl_flush_event.log = ngx_cycle->log;
            ngx_post_event(&ngx_http_interloom_rl_flush_event,
                           &ngx_posted_events);
        }

    } else if (batch->n == batch->size) {

        /* a busy cycle: the batch doubles, its requests follow it */

        grown = ngx_http_interloom_ratelimit_batch(
                    ngx_min(2 * batch->size, ngx_http_interloom_rl_max),
                    r->connection->log);
        if (grown == NULL) {
            return NGX_ERROR;
        }

        for (i = 0; i < batch->n; i++) {
            grown->entry[i].data = batch->entry[i].data;
            waiting = grown->entry[i].data;

            if (waiting) {
                waiting->slot = &grown->entry[i];
            }
        }

        grown->n = batch->n;
        ngx_http_interloom_ratelimit_release(batch);

        batch = grown;
        ngx_http_interloom_rl_open = batch;
    }

    batch->entry[batch->n].data = ctx;
    ctx->slot = &batch->entry[batch->n++];

    if (batch->n >= ngx_http_interloom_rl_max) {
        ngx_http_interloom_rl_open = NULL;

        if (ngx_http_interloom_ratelimit_send(batch) != NGX_OK) {
            /* this request learns it from the return value */
            ctx->slot->data = NULL;
            ctx->slot = NULL;
            ngx_http_interloom_ratelimit_abandon(batch);
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static void
ngx_http_interloom_ratelimit_flush(ngx_event_t *ev)
{
    ngx_http_interloom_rl_batch_t  *batch;

    batch = ngx_http_interloom_rl_open;

    if (batch == NULL) {
        return;
    }

    ngx_http_interloom_rl_open = NULL;

    if (ngx_http_interloom_ratelimit_send(batch) != NGX_OK) {
        /* the connection went since the requests were queued */
        ngx_http_interloom_ratelimit_abandon(batch);
    }
}


/* A batch that cannot be sent: its requests meet the failure policy. */

static void
ngx_http_interloom_ratelimit_abandon(ngx_http_interloom_rl_batch_t *batch)
{
    ngx_uint_t                 i;
    ngx_http_interloom_ctx_t  *ctx;

    for (i = 0; i < batch->n; i++) {
        ctx = batch->entry[i].data;

        if (ctx) {
            ngx_http_interloom_ratelimit_result(ctx, IL_RATELIMIT_BAD_REPLY,
                                                "not connected");
        }
    }

    ngx_http_interloom_ratelimit_release(batch);
}


/*
 * Writes the batch's call.  The requests that have gone since they were
 * queued are left out.  NGX_DECLINED: nothing was sent (no connection),
 * and the batch's requests are still waiting.
 */

static ngx_int_t
ngx_http_interloom_ratelimit_send(ngx_http_interloom_rl_batch_t *batch)
{
    size_t                     len;
    ngx_int_t                  rc;
    ngx_uint_t                 i, n;
    ngx_http_interloom_ctx_t  *ctx;
    il_ratelimit_entry_t       entry[NGX_HTTP_INTERLOOM_RL_BATCH_MAX];

    n = 0;

    for (i = 0; i < batch->n; i++) {
        ctx = batch->entry[i].data;

        if (ctx == NULL) {
            continue;
        }

        batch->entry[n].data = ctx;
        ctx->slot = &batch->entry[n];

        entry[n].key = (const char *) ctx->rl_key.data;
        entry[n].key_len = ctx->rl_key.len;
        entry[n].limit = ctx->rl_limit;
        entry[n].revocation = ctx->rl_revocation;
        entry[n].overrides = ctx->rl_overrides;
        n++;
    }

    batch->n = n;

    if (n == 0) {
        ngx_http_interloom_ratelimit_release(batch);
        return NGX_OK;
    }

    len = il_ratelimit_command(NULL, 0, batch->eval, entry, n);

    if (len > ngx_http_interloom_rl_buf_size) {
        if (ngx_http_interloom_rl_buf) {
            ngx_free(ngx_http_interloom_rl_buf);
        }

        ngx_http_interloom_rl_buf_size = ngx_max(len, 4096);
        ngx_http_interloom_rl_buf = ngx_alloc(ngx_http_interloom_rl_buf_size,
                                              ngx_cycle->log);

        if (ngx_http_interloom_rl_buf == NULL) {
            ngx_http_interloom_rl_buf_size = 0;
            return NGX_DECLINED;
        }
    }

    (void) il_ratelimit_command((char *) ngx_http_interloom_rl_buf, len,
                                batch->eval, entry, n);

    rc = ngx_http_interloom_redis_command(&batch->call,
                                          ngx_http_interloom_rl_buf, len);

    /* hiredis has copied the call; a rare huge one is not kept around */

    if (ngx_http_interloom_rl_buf_size > NGX_HTTP_INTERLOOM_RL_BUF_KEEP) {
        ngx_free(ngx_http_interloom_rl_buf);
        ngx_http_interloom_rl_buf = NULL;
        ngx_http_interloom_rl_buf_size = 0;
    }

    return rc;
}


/*
 * The reply, or NULL when the connection failed first.  Each request of
 * the batch that is still there gets its result and is woken up from the
 * posted events, outside hiredis's callback.
 */

static void
ngx_http_interloom_ratelimit_reply(ngx_http_interloom_redis_slot_t *call,
    void *reply)
{
    char                            why[256];
    ngx_uint_t                      i;
    il_ratelimit_rc_e               rc, result;
    ngx_http_interloom_ctx_t       *ctx;
    ngx_http_interloom_rl_batch_t  *batch;

    batch = call->data;

    rc = il_ratelimit_decode(reply, batch->n, why, sizeof(why));

    if (rc == IL_RATELIMIT_CROSSSLOT && batch->n > 1) {
        ngx_http_interloom_ratelimit_split(batch);
        return;
    }

    if (rc == IL_RATELIMIT_NOSCRIPT && !batch->eval) {

        /*
         * Redis lost its scripts (a restart, SCRIPT FLUSH, a failover):
         * send the text once, which also loads it for the next calls
         */

        batch->eval = 1;

        if (ngx_http_interloom_ratelimit_send(batch) == NGX_OK) {
            return;
        }

        ngx_cpystrn((u_char *) why, (u_char *) "not connected", sizeof(why));
        rc = IL_RATELIMIT_BAD_REPLY;

    } else if (rc == IL_RATELIMIT_NOSCRIPT) {
        ngx_cpystrn((u_char *) why, (u_char *) "NOSCRIPT after EVAL",
                    sizeof(why));
        rc = IL_RATELIMIT_BAD_REPLY;

    } else if (reply == NULL) {
        ngx_cpystrn((u_char *) why, (u_char *) "connection lost",
                    sizeof(why));
    }

    for (i = 0; i < batch->n; i++) {
        ctx = batch->entry[i].data;

        if (ctx == NULL) {
            continue;
        }

        result = rc;

        if (rc == IL_RATELIMIT_COUNTED) {
            result = il_ratelimit_result(reply, i, &ctx->rl, why,
                                         sizeof(why));
        }

        ngx_http_interloom_ratelimit_result(ctx, result, why);
    }

    ngx_http_interloom_ratelimit_release(batch);
}


/*
 * Redis runs as a cluster (one behind a single address, or a proxy that
 * routes by key) and refused a call whose keys lie in several slots: from
 * now on this worker counts each request with a call of its own, and the
 * batch's requests are queued again that way.
 */

static void
ngx_http_interloom_ratelimit_split(ngx_http_interloom_rl_batch_t *batch)
{
    ngx_uint_t                      i;
    ngx_http_request_t             *r;
    ngx_http_interloom_ctx_t       *ctx;
    ngx_http_interloom_loc_conf_t  *ilcf;

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "interloom: redis refused a call that counts several keys "
                  "(CROSSSLOT): this worker counts one request a call from "
                  "now on; set \"batch=1\" on interloom_redis for a Redis "
                  "Cluster");

    ngx_http_interloom_rl_max = 1;

    for (i = 0; i < batch->n; i++) {
        ctx = batch->entry[i].data;

        if (ctx == NULL) {
            continue;
        }

        r = ctx->request;
        ctx->slot = NULL;
        ilcf = ngx_http_get_module_loc_conf(r, ngx_http_interloom_module);

        if (ngx_http_interloom_ratelimit_queue(r, ctx, ilcf) != NGX_OK) {
            ngx_http_interloom_ratelimit_result(ctx, IL_RATELIMIT_BAD_REPLY,
                                                "not connected");
        }
    }

    ngx_http_interloom_ratelimit_release(batch);
}


static void
ngx_http_interloom_ratelimit_result(ngx_http_interloom_ctx_t *ctx,
    il_ratelimit_rc_e rc, const char *why)
{
    ngx_http_request_t             *r;
    ngx_http_interloom_loc_conf_t  *ilcf;

    r = ctx->request;
    ctx->slot = NULL;

    switch (rc) {

    case IL_RATELIMIT_COUNTED:
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
            if (ngx_http_interloom_ratelimit_queue(r, ctx, ilcf) == NGX_OK) {
                return;
            }

            ngx_http_interloom_ratelimit_failed(r, ctx,
                                            NGX_HTTP_INTERLOOM_RL_REDIS_ERROR,
                                            "not connected");
            break;
        }

        ctx->rl_status = NGX_HTTP_INTERLOOM_RL_OK;
        break;

    default:
        ngx_http_interloom_ratelimit_failed(r, ctx,
                                            NGX_HTTP_INTERLOOM_RL_REDIS_ERROR,
                                            why);
        break;
    }

    if (ctx->wait.timer_set) {
        ngx_del_timer(&ctx->wait);
    }

    ngx_post_event(&ctx->wait, &ngx_posted_events);
}


/*
 * The worker is leaving: what the batches held goes (the module's memory
 * may be unmapped before the process ends, and with it our pointers).
 */

void
ngx_http_interloom_ratelimit_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_interloom_rl_batch_t  *batch;

    if (ngx_http_interloom_rl_open) {
        ngx_free(ngx_http_interloom_rl_open);
        ngx_http_interloom_rl_open = NULL;
    }

    while (ngx_http_interloom_rl_free) {
        batch = ngx_http_interloom_rl_free;
        ngx_http_interloom_rl_free = batch->next;
        ngx_free(batch);
    }

    ngx_http_interloom_rl_nfree = 0;

    if (ngx_http_interloom_rl_buf) {
        ngx_free(ngx_http_interloom_rl_buf);
        ngx_http_interloom_rl_buf = NULL;
        ngx_http_interloom_rl_buf_size = 0;
    }
}


/*
 * A batch for size requests.  The spare ones kept are of the smallest
 * size, the one every quiet cycle needs.
 */

static ngx_http_interloom_rl_batch_t *
ngx_http_interloom_ratelimit_batch(ngx_uint_t size, ngx_log_t *log)
{
    ngx_http_interloom_rl_batch_t  *batch;

    batch = ngx_http_interloom_rl_free;

    if (batch && batch->size == size) {
        ngx_http_interloom_rl_free = batch->next;
        ngx_http_interloom_rl_nfree--;

    } else {
        batch = ngx_alloc(offsetof(ngx_http_interloom_rl_batch_t, entry)
                          + size * sizeof(ngx_http_interloom_redis_slot_t),
                          log);
        if (batch == NULL) {
            return NULL;
        }

        batch->size = size;
    }

    batch->call.handler = ngx_http_interloom_ratelimit_reply;
    batch->call.data = batch;
    batch->n = 0;
    batch->eval = 0;

    return batch;
}


static void
ngx_http_interloom_ratelimit_release(ngx_http_interloom_rl_batch_t *batch)
{
    if (ngx_http_interloom_rl_nfree >= 16
        || batch->size != ngx_min(NGX_HTTP_INTERLOOM_RL_BATCH_MIN,
                                  ngx_http_interloom_rl_max))
    {
        ngx_free(batch);
        return;
    }

    batch->next = ngx_http_interloom_rl_free;
    ngx_http_interloom_rl_free = batch;
    ngx_http_interloom_rl_nfree++;
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
