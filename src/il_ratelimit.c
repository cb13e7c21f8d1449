
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdio.h>
#include <string.h>
#include <openssl/sha.h>

#include "il_ratelimit.h"


/*
 * One call counts a batch of requests: KEYS[i] is "<prefix>{<key>}" (every
 * key the script touches for request i starts with it, one hash tag), and
 * ARGV[3i-2..3i] are the request's limit ("0": only the revocation flag is
 * wanted, nothing is counted), "1" to consult the revocation flag, "1" to
 * consult the per-key override (a number from 0 to 10^15; anything else is
 * ignored).  The window is the minute of Redis's own clock, so every node
 * agrees on it whatever its own clock says.  Redis runs the script
 * atomically: the requests are counted as if one after the other, and a
 * counter never exists without its TTL.
 *
 * The reply: {reset, now} and, for each request, {status, count, limit}:
 * status 1 counted, 0 revoked (not counted; count is the window's so far,
 * 0 when the counter cannot be read: the flag alone decides),
 * -1 Redis refused one of the request's commands (count is its error
 * text), which fails that request alone, not the batch.
 */

const char  il_ratelimit_script[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1])\n"
    "local reset = now - now % 60 + 60\n"
    "local window = ':' .. (reset - 60)\n"
    "local out = {reset, now}\n"
    "for i = 1, #KEYS do\n"
    "  local base = KEYS[i]\n"
    "  local key = base .. window\n"
    "  local limit = tonumber(ARGV[3 * i - 2])\n"
    "  local status, n = 1, 0\n"
    "  if limit > 0 and ARGV[3 * i] == '1' then\n"
    "    local o = tonumber(redis.pcall('GET', base .. ':limit'))\n"
    "    if o and o >= 0 and o < 1e15 then limit = math.floor(o) end\n"
    "  end\n"
    "  if ARGV[3 * i - 1] == '1'"
    " and redis.call('EXISTS', base .. ':revoked') == 1 then\n"
    "    status, n = 0, tonumber(redis.pcall('GET', key)) or 0\n"
    "  elseif ARGV[3 * i - 2] ~= '0' then\n"
    "    n = redis.pcall('INCR', key)\n"
    "    if n == 1 then redis.pcall('EXPIREAT', key, reset + 60) end\n"
    "  end\n"
    "  if type(n) == 'table' then\n"
    "    status, n, limit = -1, tostring(n.err), 0\n"
    "  end\n"
    "  out[#out + 1] = status\n"
    "  out[#out + 1] = n\n"
    "  out[#out + 1] = limit\n"
    "end\n"
    "return out\n";


const size_t  il_ratelimit_script_len = sizeof(il_ratelimit_script) - 1;

static size_t il_ratelimit_put(char *buf, size_t size, size_t at,
    const char *s, size_t len);
static size_t il_ratelimit_number(char *buf, unsigned long long v);
static size_t il_ratelimit_arg(char *buf, size_t size, size_t at,
    const char *s, size_t len);


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
il_ratelimit_command(char *buf, size_t size, int eval,
    const il_ratelimit_entry_t *entry, size_t n)
{
    char         num[24];
    size_t       len, i, k;
    const char  *flag;

    len = il_ratelimit_put(buf, size, 0, "*", 1);
    len = il_ratelimit_put(buf, size, len, num,
                           il_ratelimit_number(num, 3 + 4 * n));
    len = il_ratelimit_put(buf, size, len, "\r\n", 2);

    if (eval) {
        len = il_ratelimit_arg(buf, size, len, "EVAL", 4);
        len = il_ratelimit_arg(buf, size, len, il_ratelimit_script,
                               il_ratelimit_script_len);

    } else {
        len = il_ratelimit_arg(buf, size, len, "EVALSHA", 7);
        len = il_ratelimit_arg(buf, size, len, il_ratelimit_script_sha1(),
                               IL_RATELIMIT_SHA1_LEN);
    }

    len = il_ratelimit_arg(buf, size, len, num, il_ratelimit_number(num, n));

    for (i = 0; i < n; i++) {
        len = il_ratelimit_arg(buf, size, len, entry[i].key,
                               entry[i].key_len);
    }

    for (i = 0; i < n; i++) {
        k = il_ratelimit_number(num, entry[i].limit < 0
                                     ? 0
                                     : (unsigned long long) entry[i].limit);
        len = il_ratelimit_arg(buf, size, len, num, k);

        flag = entry[i].revocation ? "1" : "0";
        len = il_ratelimit_arg(buf, size, len, flag, 1);

        flag = entry[i].overrides ? "1" : "0";
        len = il_ratelimit_arg(buf, size, len, flag, 1);
    }

    return len;
}


/* One bulk string: "$<len>\r\n<bytes>\r\n". */

static size_t
il_ratelimit_arg(char *buf, size_t size, size_t at, const char *s,
    size_t len)
{
    char    head[24];
    size_t  n;

    head[0] = '$';
    n = 1 + il_ratelimit_number(head + 1, len);
    head[n++] = '\r';
    head[n++] = '\n';

    at = il_ratelimit_put(buf, size, at, head, n);
    at = il_ratelimit_put(buf, size, at, s, len);

    return il_ratelimit_put(buf, size, at, "\r\n", 2);
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
il_ratelimit_decode(const redisReply *reply, size_t n, char *why,
    size_t whylen)
{
    size_t       i;
    long long    reset, now;
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

        if (reply->len >= 9 && strncmp(reply->str, "CROSSSLOT", 9) == 0) {
            return IL_RATELIMIT_CROSSSLOT;
        }

        return IL_RATELIMIT_BAD_REPLY;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 + 3 * n) {
        snprintf(why, whylen, "unexpected reply of type %d", reply->type);
        return IL_RATELIMIT_BAD_REPLY;
    }

    for (i = 0; i < 2; i++) {
        e = reply->element[i];

        if (e->type != REDIS_REPLY_INTEGER) {
            snprintf(why, whylen, "unexpected element %zu of type %d",
                     i, e->type);
            return IL_RATELIMIT_BAD_REPLY;
        }
    }

    reset = reply->element[0]->integer;
    now = reply->element[1]->integer;

    if (reset <= 0 || reset % 60 != 0 || now <= 0 || now >= reset) {
        snprintf(why, whylen, "window %lld does not fit the time %lld",
                 reset, now);
        return IL_RATELIMIT_BAD_REPLY;
    }

    return IL_RATELIMIT_COUNTED;
}


il_ratelimit_rc_e
il_ratelimit_result(const redisReply *reply, size_t i, il_ratelimit_t *rl,
    char *why, size_t whylen)
{
    size_t       k;
    long long    v[3];
    redisReply  *e;

    e = reply->element[2 + 3 * i + 1];

    if (reply->element[2 + 3 * i]->type == REDIS_REPLY_INTEGER
        && reply->element[2 + 3 * i]->integer == -1
        && (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS))
    {
        /* Redis refused one of this request's commands */

        snprintf(why, whylen, "error reply \"%.*s\"",
                 (int) (e->len > 200 ? 200 : e->len), e->str);
        return IL_RATELIMIT_BAD_REPLY;
    }

    for (k = 0; k < 3; k++) {
        e = reply->element[2 + 3 * i + k];

        if (e->type != REDIS_REPLY_INTEGER) {
            snprintf(why, whylen, "unexpected element %zu of type %d",
                     2 + 3 * i + k, e->type);
            return IL_RATELIMIT_BAD_REPLY;
        }

        v[k] = e->integer;
    }

    rl->count = v[1];
    rl->limit = v[2];
    rl->reset = reply->element[0]->integer;
    rl->now = reply->element[1]->integer;

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
