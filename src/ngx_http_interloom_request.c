
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The per-request state, X-Request-Id and X-Response-Timestamp.
 */


#include <openssl/rand.h>

#include "ngx_http_interloom_module.h"


/* Random bytes are drawn in blocks: one RAND_bytes() call per 256 ids. */
#define NGX_HTTP_INTERLOOM_RANDOM_POOL  (16 * 256)


static void ngx_http_interloom_ctx_cleanup(void *data);
static ngx_int_t ngx_http_interloom_incoming_id(ngx_http_request_t *r,
    u_char *id);
static ngx_int_t ngx_http_interloom_random(u_char *buf, size_t len);


static u_char      ngx_http_interloom_pool[NGX_HTTP_INTERLOOM_RANDOM_POOL];
static ngx_uint_t  ngx_http_interloom_pool_left;

static ngx_str_t   ngx_http_interloom_request_id_name =
    ngx_string("X-Request-Id");


/*
 * The request's state if it has one.  An internal redirect zeroes module
 * contexts but keeps the pool: the state is still there, found by its
 * cleanup handler.
 */

ngx_http_interloom_ctx_t *
ngx_http_interloom_find_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_interloom_ctx_t  *ctx;

    r = r->main;

    ctx = ngx_http_get_module_ctx(r, ngx_http_interloom_module);
    if (ctx) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_interloom_ctx_cleanup) {
            ctx = cln->data;
            ngx_http_set_ctx(r, ctx, ngx_http_interloom_module);
            return ctx;
        }
    }

    return NULL;
}


/* The request's state, made on first use. */

ngx_http_interloom_ctx_t *
ngx_http_interloom_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_interloom_ctx_t  *ctx;

    ctx = ngx_http_interloom_find_ctx(r);
    if (ctx) {
        return ctx;
    }

    r = r->main;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_interloom_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_interloom_ctx_t));

    ctx->request = r;

    cln->handler = ngx_http_interloom_ctx_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_interloom_module);

    return ctx;
}


/*
 * Besides marking the state so it can be found again, the cleanup lets go
 * of what the request still holds when it ends, whichever way it ends.
 */

static void
ngx_http_interloom_ctx_cleanup(void *data)
{
    ngx_http_interloom_ctx_t  *ctx = data;

    ngx_http_interloom_ctx_release(ctx);
}


/*
 * The request's id: an incoming X-Request-Id that is a well-formed UUID is
 * kept (lowercased) so callers can trace end to end; anything else gets a
 * fresh version 4 UUID.
 */

ngx_int_t
ngx_http_interloom_request_id(ngx_http_request_t *r,
    ngx_http_interloom_ctx_t *ctx)
{
    u_char        *p, bytes[16];
    ngx_uint_t     i;
    static u_char  hex[] = "0123456789abcdef";

    if (ctx->request_id_set) {
        return NGX_OK;
    }

    if (ngx_http_interloom_incoming_id(r->main, ctx->request_id) == NGX_OK) {
        ctx->request_id_set = 1;
        return NGX_OK;
    }

    if (ngx_http_interloom_random(bytes, sizeof(bytes)) != NGX_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "interloom: RAND_bytes() failed, no request id");
        return NGX_ERROR;
    }

    bytes[6] = (bytes[6] & 0x0f) | 0x40;    /* version 4 */
    bytes[8] = (bytes[8] & 0x3f) | 0x80;    /* RFC 4122 variant */

    p = ctx->request_id;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *p++ = '-';
        }

        *p++ = hex[bytes[i] >> 4];
        *p++ = hex[bytes[i] & 0x0f];
    }

    ctx->request_id_set = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_interloom_incoming_id(ngx_http_request_t *r, u_char *id)
{
    u_char            c;
    ngx_uint_t        i, n;
    ngx_table_elt_t  *h;

    h = ngx_http_interloom_header_in(r, &ngx_http_interloom_request_id_name,
                                     &n);

    /* several ids: none of them can be trusted to be the caller's */

    if (n != 1 || h->value.len != NGX_HTTP_INTERLOOM_REQUEST_ID_LEN) {
        return NGX_DECLINED;
    }

    for (i = 0; i < NGX_HTTP_INTERLOOM_REQUEST_ID_LEN; i++) {
        c = h->value.data[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return NGX_DECLINED;
            }

            id[i] = c;
            continue;
        }

        c = ngx_tolower(c);

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return NGX_DECLINED;
        }

        id[i] = c;
    }

    return NGX_OK;
}


/*
 * The last request header of that name, and how many there are when
 * count is not NULL.
 */

ngx_table_elt_t *
ngx_http_interloom_header_in(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t *count)
{
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *found;

    found = NULL;
    n = 0;

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

        if (h[i].key.len == name->len
            && ngx_strncasecmp(h[i].key.data, name->data, name->len) == 0)
        {
            found = &h[i];
            n++;
        }
    }

    if (count) {
        *count = n;
    }

    return found;
}


static ngx_int_t
ngx_http_interloom_random(u_char *buf, size_t len)
{
    if (ngx_http_interloom_pool_left < len) {
        if (RAND_bytes(ngx_http_interloom_pool,
                       NGX_HTTP_INTERLOOM_RANDOM_POOL)
            != 1)
        {
            return NGX_ERROR;
        }

        ngx_http_interloom_pool_left = NGX_HTTP_INTERLOOM_RANDOM_POOL;
    }

    ngx_http_interloom_pool_left -= len;

    ngx_memcpy(buf, ngx_http_interloom_pool + ngx_http_interloom_pool_left,
               len);

    /* a drawn byte is never handed out twice, nor left in memory */
    ngx_memzero(ngx_http_interloom_pool + ngx_http_interloom_pool_left, len);

    return NGX_OK;
}


/*
 * The current second, UTC, as YYYY-MM-DDTHH:MM:SSZ (20 bytes, no NUL),
 * formatted once a second.
 */

void
ngx_http_interloom_timestamp(u_char *buf)
{
    time_t          now;
    ngx_tm_t        tm;
    static time_t   last = -1;
    static u_char   text[NGX_HTTP_INTERLOOM_TIMESTAMP_LEN];

    now = ngx_time();

    if (now != last) {
        ngx_gmtime(now, &tm);

        (void) ngx_sprintf(text, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                           tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                           tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
        last = now;
    }

    ngx_memcpy(buf, text, NGX_HTTP_INTERLOOM_TIMESTAMP_LEN);
}
