
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The checks every request of an "interloom on" location goes through, in
 * the preaccess phase: the token, then the rate limit (which waits for
 * Redis), then the answer.  The handler is re-entered after each wait and
 * after internal redirects: the request's state says what is done.
 *
 * The preaccess phase, not access: a dynamic module's access handler runs
 * before allow/deny and under "satisfy any" its refusals become soft; here
 * a refused token is always final, and allow, deny and auth_request still
 * run afterwards (their 403 becomes the 404 the API promises).
 */


#include "ngx_http_interloom_module.h"


static ngx_int_t ngx_http_interloom_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_interloom_decide(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
static ngx_int_t ngx_http_interloom_recheck(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf);
static ngx_int_t ngx_http_interloom_answer(ngx_http_request_t *r,
    ngx_int_t rc);
static void ngx_http_interloom_waiting(ngx_http_request_t *r);


ngx_int_t
ngx_http_interloom_access_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_interloom_access_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_http_interloom_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_http_interloom_ctx_t       *ctx;
    ngx_http_interloom_loc_conf_t  *ilcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    ilcf = ngx_http_get_module_loc_conf(r, ngx_http_interloom_module);

    if (!ilcf->enable) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_interloom_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "interloom access handler, stage %d", ctx->stage);

    switch (ctx->stage) {

    case NGX_HTTP_INTERLOOM_STAGE_START:
        break;

    case NGX_HTTP_INTERLOOM_STAGE_REDIS:
        if (ctx->slot) {
            /* woken by something else than the reply or its timeout */
            return NGX_AGAIN;
        }

        return ngx_http_interloom_decide(r, ctx, ilcf);

    case NGX_HTTP_INTERLOOM_STAGE_BODY:
        if (!ctx->body_read) {

            /*
             * The read failed (a 413, a bad chunk) and nginx's error_page
             * took the request elsewhere: the body handler will never run.
             * The token was good and counted; the error page is served.
             */

            if (r->uri_changes != ctx->uri_changes) {
                ctx->stage = NGX_HTTP_INTERLOOM_STAGE_DONE;
                return NGX_DECLINED;
            }

            return NGX_AGAIN;
        }

        ctx->stage = NGX_HTTP_INTERLOOM_STAGE_DONE;

        rc = ngx_http_interloom_validate_finish(r, ctx);

        return ngx_http_interloom_answer(r, rc);

    default: /* NGX_HTTP_INTERLOOM_STAGE_DONE */
        return ngx_http_interloom_recheck(r, ctx, ilcf);
    }

    /* an instance nobody serves is answered before anything is counted */

    rc = ngx_http_interloom_instance_route(r, ilcf);

    if (rc != NGX_DECLINED) {
        ctx->stage = NGX_HTTP_INTERLOOM_STAGE_DONE;
        return ngx_http_interloom_answer(r, rc);
    }

    ngx_http_interloom_token_check(r, ctx, ilcf);

    if (ctx->auth_rc == IL_JWT_OK
        && ngx_http_interloom_instance_bound(r, ctx, ilcf) != NGX_OK)
    {
        ctx->auth_rc = IL_JWT_INSTANCE;
    }

    ctx->jwt = ilcf->jwt;

    if (ngx_http_interloom_strip_headers(r, ilcf) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * one round trip counts the request and reads the revocation flag;
     * with no rate limit it is made for the flag alone
     */

    if (ilcf->rate_limit > 0
        || (ilcf->revocation && ctx->auth_rc == IL_JWT_OK))
    {
        ctx->stage = NGX_HTTP_INTERLOOM_STAGE_REDIS;

        rc = ngx_http_interloom_ratelimit_start(r, ctx, ilcf);

        if (rc == NGX_AGAIN) {
            ngx_http_interloom_waiting(r);
            return NGX_AGAIN;
        }

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_interloom_decide(r, ctx, ilcf);
}


/*
 * The token and the count have their outcome: answer, or route and
 * validate the request.
 */

static ngx_int_t
ngx_http_interloom_decide(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    ngx_int_t  rc;

    ctx->stage = NGX_HTTP_INTERLOOM_STAGE_DONE;

    /* the phase handler must not be run by events any more */
    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    rc = ngx_http_interloom_ratelimit_finish(r, ctx, ilcf);

    if (rc == NGX_DECLINED && ctx->auth_rc != IL_JWT_OK) {
        rc = ngx_http_interloom_send_unauthorized(r, ctx);
    }

    if (rc == NGX_DECLINED && ilcf->api) {
        /*
         * NGX_DONE: the body is being read, the body handler runs the
         * phases again
         */

        rc = ngx_http_interloom_validate_start(r, ctx, ilcf);
    }

    return ngx_http_interloom_answer(r, rc);
}


/*
 * The checks ran, and an internal redirect (error_page, try_files) brought
 * the request here.  It is not counted again.  A location that verifies
 * tokens otherwise (other keys, issuer, audience) verifies this one too:
 * a token good for the first location must not reach the second.
 */

static ngx_int_t
ngx_http_interloom_recheck(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx, ngx_http_interloom_loc_conf_t *ilcf)
{
    if (ctx->jwt == ilcf->jwt || ctx->auth_rc != IL_JWT_OK) {
        return NGX_DECLINED;
    }

    ngx_http_interloom_token_check(r, ctx, ilcf);

    if (ctx->auth_rc == IL_JWT_OK
        && ngx_http_interloom_instance_bound(r, ctx, ilcf) != NGX_OK)
    {
        ctx->auth_rc = IL_JWT_INSTANCE;
    }

    ctx->jwt = ilcf->jwt;

    if (ctx->auth_rc == IL_JWT_OK) {
        return NGX_DECLINED;
    }

    return ngx_http_interloom_answer(r,
                                ngx_http_interloom_send_unauthorized(r, ctx));
}


/*
 * NGX_DECLINED lets the request go on; else it was answered with rc, or
 * (NGX_DONE) a body read holds a reference to it that this releases.
 */

static ngx_int_t
ngx_http_interloom_answer(ngx_http_request_t *r, ngx_int_t rc)
{
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc != NGX_DONE) {
        /* answered: nothing may run the phases, and the proxy, again */
        r->write_event_handler = ngx_http_request_empty_handler;
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/*
 * While the request waits, a client that goes away is noticed (and the
 * request freed, its pending reply detached) rather than ignored.
 */

static void
ngx_http_interloom_waiting(ngx_http_request_t *r)
{
    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_request_empty_handler;
}


/*
 * Runs when the request's pool goes, whichever way the request ended: a
 * Redis reply still in flight must find no request, and nothing of ours
 * may stay in nginx's timer tree or posted queue.
 */

void
ngx_http_interloom_ctx_release(ngx_http_interloom_ctx_t *ctx)
{
    if (ctx->slot) {
        ctx->slot->data = NULL;
        ctx->slot = NULL;
    }

    if (ctx->wait.timer_set) {
        ngx_del_timer(&ctx->wait);
    }

    if (ctx->wait.posted) {
        ngx_delete_posted_event(&ctx->wait);
    }

    if (ctx->claims) {
        il_jwt_claims_unref(ctx->claims);
        ctx->claims = NULL;
    }

    il_field_errors_free(&ctx->errs);
}
