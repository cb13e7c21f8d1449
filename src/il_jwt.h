
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Bearer tokens in plain C: configured keys and JWKS, verification through
 * libjwt with the algorithm pinned per key, the API's claims, and the
 * per-worker cache of verified tokens.  No nginx here, so the unit tests
 * link it alone.  Nothing in this layer ever copies token bytes into an
 * error text.
 */


#ifndef IL_JWT_H_INCLUDED
#define IL_JWT_H_INCLUDED


#include <stddef.h>
#include <time.h>


/* Tokens longer than this are refused before any parsing. */
#define IL_JWT_TOKEN_MAX       8192

#define IL_JWT_LEEWAY_DEFAULT  30


typedef enum {
    IL_JWT_OK = 0,
    IL_JWT_MISSING,
    IL_JWT_MALFORMED,
    IL_JWT_BAD_SIGNATURE,
    IL_JWT_ALGORITHM,
    IL_JWT_UNKNOWN_KID,
    IL_JWT_EXPIRED,
    IL_JWT_NOT_YET_VALID,
    IL_JWT_CLAIM,
    IL_JWT_ISSUER,
    IL_JWT_AUDIENCE,
    IL_JWT_INSTANCE,
    IL_JWT_REVOKED,
    IL_JWT_TOO_LARGE,
    IL_JWT_NOMEM
} il_jwt_rc_e;


typedef struct il_jwt_keyset_s  il_jwt_keyset_t;
typedef struct il_jwt_cache_s   il_jwt_cache_t;


typedef struct {
    const char  *issuer;     /* NULL: not checked */
    const char  *audience;   /* NULL: not checked */
    long         leeway;     /* seconds, for exp and nbf */
} il_jwt_policy_t;


/* data is NULL when the claim is absent; else NUL-terminated. */
typedef struct {
    const char  *data;
    size_t       len;
} il_jwt_str_t;


typedef struct {
    il_jwt_str_t  name;
    il_jwt_str_t  value;
} il_jwt_pair_t;


/*
 * The verified identity: one malloc'd block, never changed once made except
 * for its reference count.  The count is not atomic: claims belong to one
 * nginx worker and its one thread.
 *
 * exp and nbf are rounded up to whole seconds, which keeps comparisons with
 * an integer clock exact for fractional values; iat is rounded down.
 * pairs holds every top-level claim whose value is a string (as decoded)
 * or a number (as jansson writes it).  String values may hold any Unicode
 * character, control characters included.
 */
typedef struct {
    il_jwt_str_t          org_id;
    il_jwt_str_t          jti;
    il_jwt_str_t          sub;
    il_jwt_str_t          instance;

    long long             exp;
    long long             nbf;
    long long             iat;
    unsigned              has_exp:1;
    unsigned              has_nbf:1;
    unsigned              has_iat:1;

    size_t                npairs;
    const il_jwt_pair_t  *pairs;

    unsigned              refcount;
} il_jwt_claims_t;


/*
 * "expired", "bad_signature", ...: one word for logs and variables.
 * IL_JWT_OK gives "ok", IL_JWT_NOMEM "nomem".
 */
const char *il_jwt_reason(il_jwt_rc_e rc);

/*
 * Text for the error_description attribute of WWW-Authenticate (RFC 6750),
 * without quotes or backslashes and never holding token data.  NULL for
 * IL_JWT_OK.  For IL_JWT_MISSING RFC 6750 wants no error attributes at all;
 * the text exists for logs.
 */
const char *il_jwt_description(il_jwt_rc_e rc);

/*
 * The RFC 6750 error code: "invalid_token", or NULL when none is sent
 * (IL_JWT_OK, IL_JWT_MISSING, and IL_JWT_NOMEM, which is a server error).
 */
const char *il_jwt_error(il_jwt_rc_e rc);


il_jwt_keyset_t *il_jwt_keyset_new(void);
void il_jwt_keyset_free(il_jwt_keyset_t *ks);
size_t il_jwt_keyset_count(const il_jwt_keyset_t *ks);

/*
 * Adds the key in file for algorithm alg ("HS256" ... "ES512"), named kid
 * (NULL: no name).  HS*: the file's raw bytes are the secret, at least as
 * long as the hash.  RS* and ES*: a PEM public key ("PUBLIC KEY", or for
 * RSA also "RSA PUBLIC KEY"); RSA keys of at least 2048 bits, EC keys on
 * the curve the algorithm names.  Returns 0, or -1 with a message naming
 * the file in err.
 */
int il_jwt_keyset_add_file(il_jwt_keyset_t *ks, const char *alg,
    const char *file, const char *kid, char *err, size_t errlen);

/*
 * Adds the signing keys of a JWKS file (RFC 7517): RSA, EC and oct keys,
 * each with its own "alg"; keys with "use": "enc" are skipped.  All or
 * nothing: on -1 no key of the file was added.
 */
int il_jwt_keyset_add_jwks(il_jwt_keyset_t *ks, const char *file, char *err,
    size_t errlen);

/*
 * The common step of both: key is the HMAC secret or a PEM public key.
 * where names the source in messages, e.g. "\"keys.json\", key 2".
 */
int il_jwt_keyset_add_key(il_jwt_keyset_t *ks, const char *alg,
    const char *kid, const unsigned char *key, size_t key_len,
    const char *where, char *err, size_t errlen);


/*
 * Verifies token (len bytes, not NUL-terminated) against the keys and the
 * policy (NULL: no issuer or audience, default leeway).  On IL_JWT_OK
 * *claims holds a new reference; otherwise it is NULL.
 */
il_jwt_rc_e il_jwt_verify(const il_jwt_keyset_t *ks, const il_jwt_policy_t *p,
    const char *token, size_t len, time_t now, il_jwt_claims_t **claims);

/* exp and nbf against now with leeway: IL_JWT_OK, _EXPIRED, _NOT_YET_VALID */
il_jwt_rc_e il_jwt_check_times(const il_jwt_claims_t *c, time_t now,
    long leeway);

il_jwt_claims_t *il_jwt_claims_ref(il_jwt_claims_t *c);
void il_jwt_claims_unref(il_jwt_claims_t *c);

/* The text of claim name, or NULL when it is absent or not a scalar. */
const char *il_jwt_claim(const il_jwt_claims_t *c, const char *name,
    size_t name_len, size_t *value_len);


/*
 * The Authorization header value.  IL_JWT_MISSING: empty, blank, or a
 * scheme other than Bearer (no bearer token was offered).
 * IL_JWT_MALFORMED: Bearer without a token, or a token with characters
 * outside RFC 6750's b64token.  IL_JWT_TOO_LARGE: a token over
 * IL_JWT_TOKEN_MAX bytes, before its characters are looked at.
 */
il_jwt_rc_e il_jwt_bearer(const char *value, size_t len, const char **token,
    size_t *token_len);


/*
 * Strict base64url without padding.  dst needs (len / 4 + 1) * 3 bytes.
 * Returns 0, or -1 on any character outside the alphabet, a length that
 * leaves a single character, or non-zero unused bits.
 */
int il_jwt_base64url_decode(const char *src, size_t len, unsigned char *dst,
    size_t *dst_len);

/*
 * Reads a whole file of at most max bytes into a malloc'd buffer (with a
 * NUL after the data).  Returns NULL with a message naming the file.
 */
unsigned char *il_jwt_read_file(const char *file, size_t max, size_t *len,
    char *err, size_t errlen);


/*
 * The per-worker LRU cache of verified tokens, keyed by SHA-256 of the
 * token and scope (the configuration that verified it).  max_entries 0
 * gives a cache that keeps nothing; NULL means no memory.
 *
 * get returns a new reference or NULL.  An entry whose exp has been
 * reached is dropped without leeway; the caller still calls
 * il_jwt_check_times() with its leeway on every hit.  A hit allocates
 * nothing.  put takes its own reference and stores nothing for a token
 * whose exp has been reached.  Both accept a NULL cache.
 */
il_jwt_cache_t *il_jwt_cache_new(size_t max_entries);
void il_jwt_cache_free(il_jwt_cache_t *cache);
il_jwt_claims_t *il_jwt_cache_get(il_jwt_cache_t *cache, const void *scope,
    const char *token, size_t len, time_t now);
void il_jwt_cache_put(il_jwt_cache_t *cache, const void *scope,
    const char *token, size_t len, il_jwt_claims_t *claims, time_t now);
size_t il_jwt_cache_count(const il_jwt_cache_t *cache);


#endif /* IL_JWT_H_INCLUDED */
