
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * One Redis connection per worker, driven by nginx's event loop through
 * hiredis's asynchronous API.  hiredis 0.14 has no timeouts of its own and
 * cannot cancel a queued callback: requests arm their own timers, and a
 * callback reaches its request only through a slot the request can clear.
 */


#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_interloom_module.h"


#define NGX_HTTP_INTERLOOM_REDIS_BACKOFF_MIN   100     /* ms */
#define NGX_HTTP_INTERLOOM_REDIS_BACKOFF_MAX   5000    /* ms */
#define NGX_HTTP_INTERLOOM_REDIS_CONNECT_MAX   1000    /* ms */
#define NGX_HTTP_INTERLOOM_REDIS_STALL_MIN     1000    /* ms */
#define NGX_HTTP_INTERLOOM_REDIS_PENDING_MAX   65536


typedef struct {
    redisAsyncContext                *ac;
    ngx_connection_t                 *conn;
    ngx_http_interloom_main_conf_t   *imcf;
    ngx_log_t                        *log;

    ngx_event_t                       flush;      /* posted: batched write */
    ngx_event_t                       reconnect;  /* timer */
    ngx_event_t                       connect;    /* timer: connect bound */

    ngx_msec_t                        backoff;
    ngx_msec_t                        progress;   /* last reply, or when
                                                     the oldest pending
                                                     command was sent */
    ngx_uint_t                        pending;

    unsigned                          connected:1;
    unsigned                          flushing:1;
    unsigned                          exiting:1;
} ngx_http_interloom_redis_t;


static ngx_int_t ngx_http_interloom_redis_connect(
    ngx_http_interloom_redis_t *rd);
static void ngx_http_interloom_redis_setup(ngx_http_interloom_redis_t *rd);
static void ngx_http_interloom_redis_schedule(ngx_http_interloom_redis_t *rd);
static void ngx_http_interloom_redis_reset(ngx_http_interloom_redis_t *rd,
    const char *why);
static void ngx_http_interloom_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_http_interloom_redis_connect_timeout(ngx_event_t *ev);
static void ngx_http_interloom_redis_flush_handler(ngx_event_t *ev);
static void ngx_http_interloom_redis_read_handler(ngx_event_t *ev);
static void ngx_http_interloom_redis_write_handler(ngx_event_t *ev);
static void ngx_http_interloom_redis_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_http_interloom_redis_on_disconnect(
    const redisAsyncContext *ac, int status);
static void ngx_http_interloom_redis_setup_reply(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_interloom_redis_reply(redisAsyncContext *ac,
    void *reply, void *data);
static void ngx_http_interloom_redis_add_read(void *data);
static void ngx_http_interloom_redis_del_read(void *data);
static void ngx_http_interloom_redis_add_write(void *data);
static void ngx_http_interloom_redis_del_write(void *data);
static void ngx_http_interloom_redis_cleanup(void *data);


static ngx_http_interloom_redis_t  ngx_http_interloom_redis;


ngx_int_t
ngx_http_interloom_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_interloom_main_conf_t *imcf)
{
    ngx_http_interloom_redis_t  *rd = &ngx_http_interloom_redis;

    ngx_memzero(rd, sizeof(ngx_http_interloom_redis_t));

    rd->imcf = imcf;
    rd->log = cycle->log;
    rd->backoff = NGX_HTTP_INTERLOOM_REDIS_BACKOFF_MIN;

    rd->flush.handler = ngx_http_interloom_redis_flush_handler;
    rd->flush.data = rd;
    rd->flush.log = cycle->log;

    /* these timers must not keep a worker from exiting on reload */

    rd->reconnect.handler = ngx_http_interloom_redis_reconnect_handler;
    rd->reconnect.data = rd;
    rd->reconnect.log = cycle->log;
    rd->reconnect.cancelable = 1;

    rd->connect.handler = ngx_http_interloom_redis_connect_timeout;
    rd->connect.data = rd;
    rd->connect.log = cycle->log;
    rd->connect.cancelable = 1;

    if (ngx_http_interloom_redis_connect(rd) != NGX_OK) {
        ngx_http_interloom_redis_schedule(rd);
    }

    return NGX_OK;
}


void
ngx_http_interloom_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_interloom_redis_t  *rd = &ngx_http_interloom_redis;

    if (rd->imcf == NULL) {
        return;
    }

    rd->exiting = 1;

    if (rd->reconnect.timer_set) {
        ngx_del_timer(&rd->reconnect);
    }

    if (rd->ac) {
        /* pending callbacks run now with no reply; the fd is closed */
        redisAsyncFree(rd->ac);
    }
}


static ngx_int_t
ngx_http_interloom_redis_connect(ngx_http_interloom_redis_t *rd)
{
    redisAsyncContext               *ac;
    ngx_connection_t                *c;
    ngx_http_interloom_main_conf_t  *imcf;

    imcf = rd->imcf;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "interloom redis: connecting to %V", &imcf->redis_name);

    if (imcf->redis_unix) {
        ac = redisAsyncConnectUnix(imcf->redis_unix);

    } else {
        /* an IP address, resolved at configuration time: no lookup here */
        ac = redisAsyncConnect(imcf->redis_host, imcf->redis_port);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                      "interloom: redis %V: cannot allocate a context",
                      &imcf->redis_name);
        return NGX_ERROR;
    }

    if (ac->err) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "interloom: redis %V: connect failed: %s",
                      &imcf->redis_name, ac->errstr);
        redisAsyncFree(ac);
        return NGX_ERROR;
    }

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "interloom: redis %V: no free connection "
                      "(worker_connections)", &imcf->redis_name);
        redisAsyncFree(ac);
        return NGX_ERROR;
    }

    c->data = rd;
    c->read->handler = ngx_http_interloom_redis_read_handler;
    c->write->handler = ngx_http_interloom_redis_write_handler;
    c->read->log = rd->log;
    c->write->log = rd->log;

    rd->ac = ac;
    rd->conn = c;
    rd->connected = 0;
    rd->pending = 0;
    rd->progress = ngx_current_msec;

    ac->data = rd;
    ac->ev.data = rd;
    ac->ev.addRead = ngx_http_interloom_redis_add_read;
    ac->ev.delRead = ngx_http_interloom_redis_del_read;
    ac->ev.addWrite = ngx_http_interloom_redis_add_write;
    ac->ev.delWrite = ngx_http_interloom_redis_del_write;
    ac->ev.cleanup = ngx_http_interloom_redis_cleanup;

    /*
     * connect(2) is in progress and its end shows as writability:
     * setting the connect callback asks for the write event (if that
     * fails, the connect timer below gives up on the attempt)
     */

    redisAsyncSetConnectCallback(ac, ngx_http_interloom_redis_on_connect);
    redisAsyncSetDisconnectCallback(ac,
                                    ngx_http_interloom_redis_on_disconnect);

    ngx_add_timer(&rd->connect, ngx_max(imcf->redis_timeout,
                                        NGX_HTTP_INTERLOOM_REDIS_CONNECT_MAX));

    /*
     * AUTH and SELECT go first on the wire: every command queued after
     * them runs on an authenticated connection
     */

    ngx_http_interloom_redis_setup(rd);

    return NGX_OK;
}


static void
ngx_http_interloom_redis_setup(ngx_http_interloom_redis_t *rd)
{
    int                              argc;
    char                             db[NGX_INT_T_LEN + 1];
    size_t                           argvlen[3];
    const char                      *argv[3];
    ngx_http_interloom_main_conf_t  *imcf;

    imcf = rd->imcf;

    if (imcf->redis_password.len) {
        argc = 0;
        argv[argc] = "AUTH";
        argvlen[argc++] = 4;

        if (imcf->redis_user.len) {
            argv[argc] = (const char *) imcf->redis_user.data;
            argvlen[argc++] = imcf->redis_user.len;
        }

        argv[argc] = (const char *) imcf->redis_password.data;
        argvlen[argc++] = imcf->redis_password.len;

        rd->pending++;
        (void) redisAsyncCommandArgv(rd->ac,
                                     ngx_http_interloom_redis_setup_reply,
                                     (void *) "AUTH", argc, argv, argvlen);
    }

    if (imcf->redis_db > 0) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = db;
        argvlen[1] = ngx_sprintf((u_char *) db, "%i", imcf->redis_db)
                     - (u_char *) db;

        rd->pending++;
        (void) redisAsyncCommandArgv(rd->ac,
                                     ngx_http_interloom_redis_setup_reply,
                                     (void *) "SELECT", 2, argv, argvlen);
    }
}


static void
ngx_http_interloom_redis_setup_reply(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_interloom_redis_t  *rd = ac->data;
    redisReply                  *rr = reply;

    rd->pending--;

    if (rr == NULL) {
        return;
    }

    rd->progress = ngx_current_msec;

    if (rr->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "interloom: redis %V refused %s: %*s",
                      &rd->imcf->redis_name, (char *) data,
                      (size_t) ngx_min(rr->len, 200), rr->str);
    }
}


/*
 * Queues one command, already in Redis protocol.  The slot's handler runs
 * exactly once: with the reply, or with NULL when the connection fails
 * first.  NGX_DECLINED: there is no connection now, the handler will not
 * run, and the caller applies its failure policy at once.
 */

ngx_int_t
ngx_http_interloom_redis_command(ngx_http_interloom_redis_slot_t *slot,
    u_char *cmd, size_t len)
{
    ngx_http_interloom_redis_t  *rd = &ngx_http_interloom_redis;

    if (rd->ac == NULL || rd->exiting
        || rd->pending >= NGX_HTTP_INTERLOOM_REDIS_PENDING_MAX)
    {
        return NGX_DECLINED;
    }

    if (redisAsyncFormattedCommand(rd->ac, ngx_http_interloom_redis_reply,
                                   slot, (const char *) cmd, len)
        != REDIS_OK)
    {
        return NGX_DECLINED;
    }

    if (rd->pending++ == 0) {
        rd->progress = ngx_current_msec;
    }

    return NGX_OK;
}


/* Whether a command queued now would be sent. */

ngx_uint_t
ngx_http_interloom_redis_ready(void)
{
    ngx_http_interloom_redis_t  *rd = &ngx_http_interloom_redis;

    return rd->ac != NULL && !rd->exiting
           && rd->pending < NGX_HTTP_INTERLOOM_REDIS_PENDING_MAX;
}


static void
ngx_http_interloom_redis_reply(redisAsyncContext *ac, void *reply,
    void *data)
{
    ngx_http_interloom_redis_t       *rd = ac->data;
    ngx_http_interloom_redis_slot_t  *slot = data;

    rd->pending--;

    if (reply) {
        rd->progress = ngx_current_msec;
        rd->backoff = NGX_HTTP_INTERLOOM_REDIS_BACKOFF_MIN;
    }

    slot->handler(slot, reply);
}


/*
 * A request whose round trip timed out reports it here.  Replies that have
 * not come for a long while mean a stalled Redis (stopped, paused, a dead
 * peer): the connection is dropped, so queued commands cannot pile up, and
 * a fresh one is tried with backoff.
 */

void
ngx_http_interloom_redis_timed_out(void)
{
    ngx_msec_t                   stall;
    ngx_http_interloom_redis_t  *rd = &ngx_http_interloom_redis;

    if (rd->ac == NULL || rd->pending == 0) {
        return;
    }

    stall = ngx_max(4 * rd->imcf->redis_timeout,
                    NGX_HTTP_INTERLOOM_REDIS_STALL_MIN);

    if (ngx_current_msec - rd->progress >= stall) {
        ngx_http_interloom_redis_reset(rd, "stalled, no reply");
    }
}


static void
ngx_http_interloom_redis_reset(ngx_http_interloom_redis_t *rd,
    const char *why)
{
    ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                  "interloom: redis %V: %s, reconnecting in %Mms",
                  &rd->imcf->redis_name, why, rd->backoff);

    if (rd->ac) {
        /* calls every pending callback with NULL, then our cleanup */
        redisAsyncFree(rd->ac);
    }
}


static void
ngx_http_interloom_redis_schedule(ngx_http_interloom_redis_t *rd)
{
    ngx_msec_t  delay;

    if (rd->exiting || rd->reconnect.timer_set) {
        return;
    }

    /* jitter keeps the workers of every node from reconnecting at once */

    delay = rd->backoff + (ngx_random() % (rd->backoff / 2 + 1));

    rd->backoff = ngx_min(rd->backoff * 2,
                          NGX_HTTP_INTERLOOM_REDIS_BACKOFF_MAX);

    ngx_add_timer(&rd->reconnect, delay);
}


static void
ngx_http_interloom_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_interloom_redis_t  *rd = ev->data;

    if (rd->exiting || rd->ac) {
        return;
    }

    if (ngx_http_interloom_redis_connect(rd) != NGX_OK) {
        ngx_http_interloom_redis_schedule(rd);
    }
}


static void
ngx_http_interloom_redis_connect_timeout(ngx_event_t *ev)
{
    ngx_http_interloom_redis_t  *rd = ev->data;

    if (rd->ac && !rd->connected) {
        ngx_http_interloom_redis_reset(rd, "connect timed out");
    }
}


static void
ngx_http_interloom_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_http_interloom_redis_t  *rd = ac->data;

    if (status != REDIS_OK) {
        /* hiredis frees the context right after: see the cleanup hook */
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "interloom: redis %V: connect failed: %s",
                      &rd->imcf->redis_name, ac->errstr);
        return;
    }

    if (rd->connect.timer_set) {
        ngx_del_timer(&rd->connect);
    }

    rd->connected = 1;

    ngx_log_error(NGX_LOG_INFO, rd->log, 0,
                  "interloom: redis %V: connected", &rd->imcf->redis_name);
}


static void
ngx_http_interloom_redis_on_disconnect(const redisAsyncContext *ac,
    int status)
{
    ngx_http_interloom_redis_t  *rd = ac->data;

    if (status != REDIS_OK && !rd->exiting) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "interloom: redis %V: connection lost: %s",
                      &rd->imcf->redis_name,
                      ac->errstr[0] ? ac->errstr : "closed");
    }
}


static void
ngx_http_interloom_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_interloom_redis_t  *rd = c->data;

    /*
     * read events are level-triggered: hiredis reads at most 16 KiB a
     * call, and what is left makes the event fire again
     */

    redisAsyncHandleRead(rd->ac);
}


static void
ngx_http_interloom_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_interloom_redis_t  *rd = c->data;

    redisAsyncHandleWrite(rd->ac);
}


/*
 * Every command a cycle of the event loop queues is written with one
 * write(2) after the cycle's handlers have run: pipelining for free.
 */

static void
ngx_http_interloom_redis_flush_handler(ngx_event_t *ev)
{
    ngx_http_interloom_redis_t  *rd = ev->data;

    if (rd->ac == NULL) {
        return;
    }

    if (!rd->connected) {
        /* the write event of the connect in progress will flush it */
        return;
    }

    rd->flushing = 1;
    redisAsyncHandleWrite(rd->ac);
    rd->flushing = 0;
}


static void
ngx_http_interloom_redis_add_read(void *data)
{
    ngx_http_interloom_redis_t  *rd = data;

    if (!rd->conn->read->active) {
        if (ngx_add_event(rd->conn->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                          "interloom: redis: cannot add a read event");
        }
    }
}


static void
ngx_http_interloom_redis_del_read(void *data)
{
    ngx_http_interloom_redis_t  *rd = data;

    if (rd->conn->read->active) {
        (void) ngx_del_event(rd->conn->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_interloom_redis_add_write(void *data)
{
    ngx_http_interloom_redis_t  *rd = data;

    if (rd->conn->write->active) {
        return;
    }

    /*
     * a write that could not finish waits for writability; otherwise
     * the write is left for the end of this cycle, with the others
     */

    if (rd->flushing || !rd->connected) {
        if (ngx_add_event(rd->conn->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                          "interloom: redis: cannot add a write event");
        }

        return;
    }

    if (!rd->flush.posted) {
        ngx_post_event(&rd->flush, &ngx_posted_events);
    }
}


static void
ngx_http_interloom_redis_del_write(void *data)
{
    ngx_http_interloom_redis_t  *rd = data;

    if (rd->conn->write->active) {
        (void) ngx_del_event(rd->conn->write, NGX_WRITE_EVENT, 0);
    }
}


/*
 * hiredis calls this when it frees the context, whatever the reason, just
 * before it closes the fd: the nginx side of the connection goes here.
 */

static void
ngx_http_interloom_redis_cleanup(void *data)
{
    ngx_http_interloom_redis_t  *rd = data;
    ngx_connection_t            *c;

    c = rd->conn;

    if (c) {
        if (c->read->active) {
            (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
        }

        if (c->write->active) {
            (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        /* hiredis closes the fd itself */
        ngx_free_connection(c);
        c->fd = (ngx_socket_t) -1;
    }

    if (rd->flush.posted) {
        ngx_delete_posted_event(&rd->flush);
    }

    if (rd->connect.timer_set) {
        ngx_del_timer(&rd->connect);
    }

    rd->conn = NULL;
    rd->ac = NULL;
    rd->connected = 0;
    rd->pending = 0;

    ngx_http_interloom_redis_schedule(rd);
}


/*
 * interloom_redis ip:port | host:port | unix:/path [user=] [password=]
 * [db=] [batch=].  A host name is resolved here, once: hiredis 0.14
 * would resolve it synchronously in the worker on every reconnect.
 */

char *
ngx_http_interloom_redis_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_interloom_main_conf_t *imcf = conf;

    u_char      *p, text[NGX_SOCKADDR_STRLEN];
    size_t       len;
    ngx_int_t    n;
    ngx_url_t    u;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (imcf->redis_name.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "user=", 5) == 0) {
            imcf->redis_user.data = value[i].data + 5;
            imcf->redis_user.len = value[i].len - 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "password=", 9) == 0) {
            imcf->redis_password.data = value[i].data + 9;
            imcf->redis_password.len = value[i].len - 9;
            continue;
        }

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            imcf->redis_db = ngx_atoi(value[i].data + 3, value[i].len - 3);

            if (imcf->redis_db == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid database number in \"%V\"",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "batch=", 6) == 0) {
            if (imcf->redis_batch != NGX_CONF_UNSET_UINT) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate \"batch=\"");
                return NGX_CONF_ERROR;
            }

            n = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (n < 1 || n > NGX_HTTP_INTERLOOM_RL_BATCH_MAX) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\": a batch is 1 to %d "
                                   "requests", &value[i],
                                   NGX_HTTP_INTERLOOM_RL_BATCH_MAX);
                return NGX_CONF_ERROR;
            }

            imcf->redis_batch = n;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (imcf->redis_user.len && imcf->redis_password.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"user=\" needs \"password=\"");
        return NGX_CONF_ERROR;
    }

    if (value[1].len > 5 && ngx_strncmp(value[1].data, "unix:", 5) == 0) {
        len = value[1].len - 5;

        p = ngx_pnalloc(cf->pool, len + 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(p, value[1].data + 5, len);
        p[len] = '\0';

        imcf->redis_unix = (char *) p;
        imcf->redis_name = value[1];

        return NGX_CONF_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = value[1];
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in redis address \"%V\"", u.err, &u.url);
        }

        return NGX_CONF_ERROR;
    }

    if (u.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "redis address \"%V\" resolves to nothing",
                           &u.url);
        return NGX_CONF_ERROR;
    }

    /* the first address; hiredis wants it as text and a port */

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, text,
                        NGX_SOCKADDR_STRLEN, 0);

    p = ngx_pnalloc(cf->pool, len + 1);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(p, text, len);
    p[len] = '\0';

    imcf->redis_host = (char *) p;
    imcf->redis_port = ngx_inet_get_port(u.addrs[0].sockaddr);
    imcf->redis_name = u.addrs[0].name;

    return NGX_CONF_OK;
}
