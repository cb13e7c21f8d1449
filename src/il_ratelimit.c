
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdio.h>
#include <string.h>
#include <openssl/sha.h>

#include "il_ratelimit.h"


/*
 * KEYS[1] is "<prefix>{<key>}"; every key the script touches starts with
 * it, so all share one hash tag and one Redis Cluster slot.  ARGV: the
 * location's limit ("0": only the revocation flag is wanted, nothing is
 * counted), "1" to consult the revocation flag, "1" to consult the per-key
 * override (a number from 0 to 10^15; anything else is ignored).  The
 * window is the minute of Redis's own clock, so every node agrees on it
 * whatever its own clock says.  INCR and the
 * expiry run in one script, which Redis runs atomically: a counter never
 * exists without its TTL.  The reply: {status, count, limit, reset, now},
 * status 1 counted, 0 revoked (not counted; count is the window's so far).
 */

const char  il_ratelimit_script[] =
    "local base = KEYS[1]\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1])\n"
    "local reset = now - now % 60 + 60\n"
    "local key = base .. ':' .. (reset - 60)\n"
    "local limit = tonumber(ARGV[1])\n"
    "if limit > 0 and ARGV[3] == '1' then\n"
    "  local o = tonumber(redis.call('GET', base .. ':limit'))\n"
    "  if o and o >= 0 and o < 1e15 then limit = math.floor(o) end\n"
    "end\n"
    "if ARGV[2] == '1' and redis.call('EXISTS', base .. ':revoked') == 1"
    " then\n"
    "  return {0, tonumber(redis.call('GET', key) or '0'), limit, reset,"
    " now}\n"
    "end\n"
    "if ARGV[1] == '0' then return {1, 0, 0, reset, now} end\n"
    "local n = redis.call('INCR', key)\n"
    "if n == 1 then redis.call('EXPIREAT', key, reset + 60) end\n"
    "return {1, n, limit, reset, now}\n";


const size_t  il_ratelimit_script_len = sizeof(il_ratelimit_script) - 1;

static size_t il_ratelimit_put(char *buf, size_t size, size_t at,
    const char *s, size_t len);
static size_t il_ratelimit_number(char *buf, unsigned long long v);


static char  il_ratelimit_sha1[IL_RATELIMIT_SHA1_LEN + 1];


const char *
il_ratelimit_script_sha1(void)
{
    size_t         i;
    unsigned char  md[SHA_DIGEST_LENGTH];
    static char    hex[] = "0123456789abcdef";

    if (il_ratelimit_sha1[0] == '\0') {
        SHA1((const unsigned char *) il_ratelimit_script,
             il_ratelimit_script_len, md);

        for (i = 0; i < SHA_DIGEST_LENGTH; i++) {
            il_ratelimit_sha1[2 * i] = hex[md[i] >> 4];
            il_ratelimit_sha1[2 * i + 1] = hex[md[i] & 0x0f];
        }

        il_ratelimit_sha1[IL_RATELIMIT_SHA1_LEN] = '\0';
    }

    return il_ratelimit_sha1;
}


/*
 * RESP, written directly: hiredis's own formatting of an argument vector
 * (sds strings, a length pass, a copy) costs more than the round trip's
 * whole share of the worker's time.
 */

size_t
il_ratelimit_command(char *buf, size_t size, int eval, const char *key,
    size_t key_len, long long limit, int revocation, int overrides)
{
    char         num[24], head[24];
    size_t       len, i, n, arg_len[7];
    const char  *arg[7];

    n = il_ratelimit_number(num, limit < 0 ? 0 : (unsigned long long) limit);

    arg[0] = eval ? "EVAL" : "EVALSHA";
    arg_len[0] = eval ? 4 : 7;
    arg[1] = eval ? il_ratelimit_script : il_ratelimit_script_sha1();
    arg_len[1] = eval ? il_ratelimit_script_len : IL_RATELIMIT_SHA1_LEN;
    arg[2] = "1";
    arg_len[2] = 1;
    arg[3] = key;
    arg_len[3] = key_len;
    arg[4] = num;
    arg_len[4] = n;
    arg[5] = revocation ? "1" : "0";
    arg_len[5] = 1;
    arg[6] = overrides ? "1" : "0";
    arg_len[6] = 1;

    len = il_ratelimit_put(buf, size, 0, "*7\r\n", 4);

    for (i = 0; i < 7; i++) {
        head[0] = '$';
        n = 1 + il_ratelimit_number(head + 1, arg_len[i]);
        head[n++] = '\r';
        head[n++] = '\n';
        len = il_ratelimit_put(buf, size, len, head, n);
        len = il_ratelimit_put(buf, size, len, arg[i], arg_len[i]);
        len = il_ratelimit_put(buf, size, len, "\r\n", 2);
    }

    return len;
}


/* Decimal digits of v, no NUL; snprintf() costs more than the rest. */

static size_t
il_ratelimit_number(char *buf, unsigned long long v)
{
    char    tmp[20];
    size_t  n, i;

    n = 0;

    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    for (i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }

    return n;
}


static size_t
il_ratelimit_put(char *buf, size_t size, size_t at, const char *s,
    size_t len)
{
    if (buf != NULL && at + len <= size) {
        memcpy(buf + at, s, len);
    }

    return at + len;
}


il_ratelimit_rc_e
il_ratelimit_decode(const redisReply *reply, il_ratelimit_t *rl, char *why,
    size_t whylen)
{
    size_t       i;
    long long    v[5];
    redisReply  *e;

    if (reply == NULL) {
        snprintf(why, whylen, "no reply");
        return IL_RATELIMIT_BAD_REPLY;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        if (reply->len >= 8 && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
            return IL_RATELIMIT_NOSCRIPT;
        }

        snprintf(why, whylen, "error reply \"%.*s\"",
                 (int) (reply->len > 200 ? 200 : reply->len), reply->str);
        return IL_RATELIMIT_BAD_REPLY;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 5) {
        snprintf(why, whylen, "unexpected reply of type %d", reply->type);
        return IL_RATELIMIT_BAD_REPLY;
    }

    for (i = 0; i < 5; i++) {
        e = reply->element[i];

        if (e->type != REDIS_REPLY_INTEGER) {
            snprintf(why, whylen, "unexpected element %zu of type %d",
                     i, e->type);
            return IL_RATELIMIT_BAD_REPLY;
        }

        v[i] = e->integer;
    }

    if (v[3] <= 0 || v[3] % 60 != 0 || v[4] <= 0 || v[4] >= v[3]) {
        snprintf(why, whylen, "window %lld does not fit the time %lld",
                 v[3], v[4]);
        return IL_RATELIMIT_BAD_REPLY;
    }

    rl->count = v[1];
    rl->limit = v[2];
    rl->reset = v[3];
    rl->now = v[4];

    if (v[0] == 0 && v[1] >= 0 && v[2] >= 0) {
        return IL_RATELIMIT_REVOKED;
    }

    /* a count of 0 only when nothing was to be counted */

    if (v[0] != 1 || v[2] < 0 || (v[1] < 1 && !(v[1] == 0 && v[2] == 0))) {
        snprintf(why, whylen, "status %lld, count %lld, limit %lld",
                 v[0], v[1], v[2]);
        return IL_RATELIMIT_BAD_REPLY;
    }

    return IL_RATELIMIT_COUNTED;
}


long long
il_ratelimit_remaining(const il_ratelimit_t *rl)
{
    return rl->count >= rl->limit ? 0 : rl->limit - rl->count;
}


size_t
il_ratelimit_client_key(char *buf, const unsigned char *addr, size_t addrlen)
{
    if (addrlen == 4) {
        return (size_t) sprintf(buf, "ip:%u.%u.%u.%u",
                                addr[0], addr[1], addr[2], addr[3]);
    }

    if (addrlen == 16) {
        return (size_t) sprintf(buf, "ip6:%x:%x:%x:%x::/64",
                                (addr[0] << 8) | addr[1],
                                (addr[2] << 8) | addr[3],
                                (addr[4] << 8) | addr[5],
                                (addr[6] << 8) | addr[7]);
    }

    return 0;
}
