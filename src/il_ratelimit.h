
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The rate-limit script Redis runs once per request, and the decoding of
 * its reply.  Plain C over hiredis's reply type: no nginx.
 */


#ifndef IL_RATELIMIT_H_INCLUDED
#define IL_RATELIMIT_H_INCLUDED


#include <stddef.h>
#include <hiredis/hiredis.h>


#define IL_RATELIMIT_SHA1_LEN  40


typedef enum {
    IL_RATELIMIT_COUNTED = 0,        /* count, limit and reset are set */
    IL_RATELIMIT_REVOKED,            /* the key is revoked, not counted */
    IL_RATELIMIT_NOSCRIPT,           /* resend the script with EVAL */
    IL_RATELIMIT_BAD_REPLY           /* anything else: a Redis failure */
} il_ratelimit_rc_e;


typedef struct {
    long long   count;               /* this window's requests, this one too */
    long long   limit;               /* the limit that applies to the key */
    long long   reset;               /* Unix time the window ends, % 60 == 0 */
    long long   now;                 /* Redis's clock, seconds */
} il_ratelimit_t;


/* The script's text and its SHA-1 (40 lowercase hex digits). */
extern const char    il_ratelimit_script[];
extern const size_t  il_ratelimit_script_len;
const char *il_ratelimit_script_sha1(void);

/*
 * Writes the script's call as Redis protocol text (RESP), ready for the
 * wire: EVALSHA, or EVAL with the script's text when eval is set.  key
 * is "<prefix>{<jti>}" or the like; limit 0 asks for the revocation flag
 * alone.  With buf NULL only measures.  Returns the full length.
 */
size_t il_ratelimit_command(char *buf, size_t size, int eval,
    const char *key, size_t key_len, long long limit, int revocation,
    int overrides);

/*
 * Decodes a reply of the script.  On IL_RATELIMIT_BAD_REPLY, why is set
 * to a short description for the log (Redis's own error text included).
 */
il_ratelimit_rc_e il_ratelimit_decode(const redisReply *reply,
    il_ratelimit_t *rl, char *why, size_t whylen);

/* Remaining requests in the window, never below 0. */
long long il_ratelimit_remaining(const il_ratelimit_t *rl);

/*
 * Writes the key of an anonymous caller: "ip:1.2.3.4" for IPv4,
 * "ip6:2001:db8:1:2::/64" for IPv6 (one counter per /64, the smallest
 * block a client usually holds).  addr is 4 or 16 bytes.  Returns the
 * length written (at most 48), or 0 for another length.
 */
size_t il_ratelimit_client_key(char *buf, const unsigned char *addr,
    size_t addrlen);


#endif /* IL_RATELIMIT_H_INCLUDED */
