
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The rate-limit script Redis runs once per batch of requests, and the
 * decoding of its reply.  Plain C over hiredis's reply type: no nginx.
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
    IL_RATELIMIT_CROSSSLOT,          /* keys of several cluster slots */
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

/* One request of a batch, as the script's call carries it. */
typedef struct {
    const char                *key;  /* "<prefix>{<jti>}" or the like */
    size_t                     key_len;
    long long                  limit; /* 0: the revocation flag alone */
    int                        revocation;
    int                        overrides;
} il_ratelimit_entry_t;


/*
 * Writes the script's call for n requests as Redis protocol text (RESP),
 * ready for the wire: EVALSHA, or EVAL with the script's text when eval
 * is set.  With buf NULL, or size too small, only measures.  Returns the
 * full length.
 */
size_t il_ratelimit_command(char *buf, size_t size, int eval,
    const il_ratelimit_entry_t *entry, size_t n);

/*
 * Checks the shape of a reply to a call for n requests: IL_RATELIMIT_
 * COUNTED when it holds their n results (read each with
 * il_ratelimit_result()), IL_RATELIMIT_NOSCRIPT, IL_RATELIMIT_CROSSSLOT
 * (a cluster refused keys of several slots in one call; why is set), or
 * IL_RATELIMIT_BAD_REPLY
 * with why set to a short description for the log (Redis's own error text
 * included); the last two apply to every request of the call.
 */
il_ratelimit_rc_e il_ratelimit_decode(const redisReply *reply, size_t n,
    char *why, size_t whylen);

/*
 * The result of request i of a reply il_ratelimit_decode() accepted:
 * COUNTED, REVOKED, or BAD_REPLY (why set) when Redis refused one of its
 * commands, such as a counter of the wrong type.
 */
il_ratelimit_rc_e il_ratelimit_result(const redisReply *reply, size_t i,
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
