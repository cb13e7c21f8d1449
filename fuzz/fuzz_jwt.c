
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Bearer tokens: il_jwt_bearer() over Authorization values and
 * il_jwt_verify() over tokens, against two HS256 keys with fixed secrets
 * and one RS256 key made at start.  The first byte of an input chooses:
 *
 *   'a'  the rest is an Authorization header value
 *   't'  the rest is a token
 *   's'  the next byte picks a header and key from fz_headers; the rest is
 *        a payload, signed here, so that fuzzed claims meet the claim
 *        checks behind a good signature
 *   'h'  the next byte picks a key; the header is the text up to the first
 *        newline, the payload the rest, signed here
 *
 * A capital letter verifies with an issuer and audience policy; any other
 * byte is taken as one of the four.  Checks: a token never verifies
 * unless its signature verifies here too, under a key its header names;
 * a token signed right is never refused for its signature; pinned
 * algorithms and unknown kids are refused as such; verified claims are
 * the payload's; the cache gives back what it was given.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "il_jwt.h"
#include "il_fuzz.h"


/* 2026-01-01T00:00:00Z: a fixed clock keeps every run reproducible */
#define FZ_NOW        1767225600
#define FZ_LEEWAY     30
#define FZ_ISSUER     "https://auth.interloom.test"
#define FZ_AUDIENCE   "interloom-api"

/* The HS256 secrets, also in fuzz/seeds.pl, which signs seed tokens. */
#define FZ_SECRET1    "fuzz-secret-one-0123456789abcdef"
#define FZ_SECRET2    "fuzz-secret-two-0123456789abcdef0123456789abcdef"

#define FZ_TOKEN_BUF  (3 * IL_JWT_TOKEN_MAX)


typedef enum {
    FZ_K_HS1 = 0,        /* HS256, secret one */
    FZ_K_HS2,            /* HS256, secret two */
    FZ_K_RSA,            /* RS256, the private key made at start */
    FZ_K_PEM,            /* HS256 keyed with the RSA public key's PEM */
    FZ_K_HS1_512,        /* HS512, secret one */
    FZ_K_NONE            /* no signature at all */
} fz_key_e;


typedef struct {
    const char   *header;
    fz_key_e      key;
    il_jwt_rc_e   expect;    /* IL_JWT_OK: the signature must pass */
} fz_header_t;


typedef struct {
    const char   *kid;
    const char   *alg;
    fz_key_e      key;
} fz_known_t;


static int fz_sign(fz_key_e key, const char *input, size_t len,
    unsigned char *sig, size_t *sig_len);
static size_t fz_b64url(char *dst, const unsigned char *src, size_t len);
static int fz_unb64url(const char *src, size_t len, unsigned char *dst,
    size_t *dst_len);
static size_t fz_make_token(char *buf, fz_key_e key, const char *header,
    size_t header_len, const char *payload, size_t payload_len);
static il_jwt_rc_e fz_verify(const char *token, size_t len, int strict);
static void fz_check_rc(il_jwt_rc_e rc);
static void fz_check_bearer(const char *v, size_t len);
static int fz_b64token(const char *s, size_t len);
static int fz_independent(const char *token, size_t len);
static json_t *fz_part(const char *s, size_t len);
static void fz_check_claims(il_jwt_claims_t *c, const char *token,
    size_t len, const il_jwt_policy_t *policy);
static int fz_payload_object(const char *payload, size_t len);
static void fz_signed(const uint8_t *data, size_t size, int strict);
static void fz_header(const uint8_t *data, size_t size, int strict);


static il_jwt_keyset_t   *fz_ks;
static EVP_PKEY          *fz_rsa;
static unsigned char     *fz_pem;
static size_t             fz_pem_len;
static int                fz_trace;

static const il_jwt_policy_t  fz_strict = {
    FZ_ISSUER, FZ_AUDIENCE, FZ_LEEWAY
};

static const fz_known_t  fz_known[] = {
    { "hs-1", "HS256", FZ_K_HS1 },
    { "hs-2", "HS256", FZ_K_HS2 },
    { "rs-1", "RS256", FZ_K_RSA }
};

static const fz_header_t  fz_headers[] = {
    { "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"hs-1\"}",
      FZ_K_HS1, IL_JWT_OK },
    { "{\"kid\":\"hs-2\",\"alg\":\"HS256\"}", FZ_K_HS2, IL_JWT_OK },
    { "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rs-1\"}",
      FZ_K_RSA, IL_JWT_OK },
    { "{\"alg\":\"RS256\"}", FZ_K_RSA, IL_JWT_OK },
    { "{\"alg\":\"HS256\",\"kid\":\"hs-1\",\"typ\":\"jwt\"}",
      FZ_K_HS1, IL_JWT_OK },

    /* the RSA key's PEM as an HMAC secret: the classic confusion */
    { "{\"alg\":\"HS256\",\"kid\":\"rs-1\"}", FZ_K_PEM, IL_JWT_ALGORITHM },
    { "{\"alg\":\"HS256\"}", FZ_K_PEM, IL_JWT_UNKNOWN_KID },
    { "{\"alg\":\"HS256\",\"kid\":\"hs-1\"}", FZ_K_HS2,
      IL_JWT_BAD_SIGNATURE },
    { "{\"alg\":\"HS512\",\"kid\":\"hs-1\"}", FZ_K_HS1_512,
      IL_JWT_ALGORITHM },
    { "{\"alg\":\"RS256\",\"kid\":\"hs-1\"}", FZ_K_RSA, IL_JWT_ALGORITHM },
    { "{\"alg\":\"none\",\"kid\":\"hs-1\"}", FZ_K_NONE, IL_JWT_ALGORITHM },
    { "{\"alg\":\"none\"}", FZ_K_NONE, IL_JWT_ALGORITHM },
    { "{\"alg\":\"HS256\",\"kid\":\"hs-3\"}", FZ_K_HS1,
      IL_JWT_UNKNOWN_KID },
    { "{\"alg\":\"HS256\",\"kid\":\"hs-1\",\"crit\":[\"exp\"]}", FZ_K_HS1,
      IL_JWT_MALFORMED },
    { "{\"alg\":\"HS256\",\"kid\":\"hs-1\",\"typ\":\"at+jwt\"}", FZ_K_HS1,
      IL_JWT_MALFORMED },
    { "{\"alg\":\"HS256\",\"kid\":7}", FZ_K_HS1, IL_JWT_MALFORMED },
    { "{\"alg\":\"RS256\",\"kid\":\"rs-1\"}", FZ_K_HS1,
      IL_JWT_BAD_SIGNATURE }
};


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    BIO   *bio;
    char   err[256];
    char  *mem;
    long   n;

    (void) argc;
    (void) argv;

    fz_trace = (getenv("IL_FUZZ_TRACE") != NULL);

    fz_ks = il_jwt_keyset_new();
    IL_FUZZ_CHECK(fz_ks != NULL);

    IL_FUZZ_CHECK(il_jwt_keyset_add_key(fz_ks, "HS256", "hs-1",
                      (const unsigned char *) FZ_SECRET1,
                      sizeof(FZ_SECRET1) - 1, "secret one", err,
                      sizeof(err))
                  == 0);
    IL_FUZZ_CHECK(il_jwt_keyset_add_key(fz_ks, "HS256", "hs-2",
                      (const unsigned char *) FZ_SECRET2,
                      sizeof(FZ_SECRET2) - 1, "secret two", err,
                      sizeof(err))
                  == 0);

    fz_rsa = EVP_RSA_gen(2048);
    IL_FUZZ_CHECK(fz_rsa != NULL);

    bio = BIO_new(BIO_s_mem());
    IL_FUZZ_CHECK(bio != NULL);
    IL_FUZZ_CHECK(PEM_write_bio_PUBKEY(bio, fz_rsa) == 1);

    n = BIO_get_mem_data(bio, &mem);
    IL_FUZZ_CHECK(n > 0);

    fz_pem = malloc(n);
    IL_FUZZ_CHECK(fz_pem != NULL);
    memcpy(fz_pem, mem, n);
    fz_pem_len = n;
    BIO_free(bio);

    IL_FUZZ_CHECK(il_jwt_keyset_add_key(fz_ks, "RS256", "rs-1", fz_pem,
                                        fz_pem_len, "the RSA key", err,
                                        sizeof(err))
                  == 0);

    IL_FUZZ_CHECK(il_jwt_keyset_count(fz_ks) == 3);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int           strict, mode;
    size_t        n;
    il_jwt_rc_e   rc;
    const char   *token;

    static const char  modes[] = "atsh";

    if (size == 0) {
        return 0;
    }

    strict = (data[0] >= 'A' && data[0] <= 'Z');
    n = size - 1;

    mode = data[0] | 0x20;

    if (memchr(modes, mode, 4) == NULL) {
        mode = modes[data[0] % 4];
    }

    switch (mode) {

    case 'a':
        fz_check_bearer((const char *) data + 1, n);

        rc = il_jwt_bearer((const char *) data + 1, n, &token, &n);
        if (rc == IL_JWT_OK) {
            (void) fz_verify(token, n, strict);
        }

        break;

    case 't':
        (void) fz_verify((const char *) data + 1, n, strict);
        break;

    case 's':
        fz_signed(data + 1, n, strict);
        break;

    default:
        fz_header(data + 1, n, strict);
    }

    return 0;
}


/* A payload under one of the fixed headers, signed with its key. */

static void
fz_signed(const uint8_t *data, size_t size, int strict)
{
    char                   *token, *value;
    size_t                  len, tlen;
    il_jwt_rc_e             rc, brc;
    const char             *t;
    const fz_header_t      *h;

    if (size == 0) {
        return;
    }

    h = &fz_headers[data[0] % (sizeof(fz_headers) / sizeof(fz_headers[0]))];

    token = malloc(FZ_TOKEN_BUF + 8);
    IL_FUZZ_CHECK(token != NULL);

    memcpy(token, "Bearer ", 7);
    value = token;
    token += 7;

    len = fz_make_token(token, h->key, h->header, strlen(h->header),
                        (const char *) data + 1, size - 1);

    /* a token as the server makes it passes the header check as it is */
    brc = il_jwt_bearer(value, len + 7, &t, &tlen);

    if (len > IL_JWT_TOKEN_MAX) {
        IL_FUZZ_CHECK(brc == IL_JWT_TOO_LARGE);

    } else {
        IL_FUZZ_CHECK(brc == IL_JWT_OK && t == token && tlen == len);
    }

    rc = fz_verify(token, len, strict);

    if (len > IL_JWT_TOKEN_MAX) {
        IL_FUZZ_CHECK(rc == IL_JWT_TOO_LARGE);

    } else if (!fz_payload_object((const char *) data + 1, size - 1)) {
        IL_FUZZ_CHECK(rc == IL_JWT_MALFORMED || rc == IL_JWT_NOMEM);

    } else if (h->expect != IL_JWT_OK) {
        IL_FUZZ_CHECK(rc == h->expect);

    } else {
        IL_FUZZ_CHECK(rc != IL_JWT_BAD_SIGNATURE && rc != IL_JWT_ALGORITHM
                      && rc != IL_JWT_UNKNOWN_KID && rc != IL_JWT_MALFORMED
                      && rc != IL_JWT_TOO_LARGE && rc != IL_JWT_MISSING);
    }

    free(value);
}


/* A fuzzed header and payload, signed with one of the keys. */

static void
fz_header(const uint8_t *data, size_t size, int strict)
{
    char                   *token;
    size_t                  len;
    fz_key_e                key;
    il_jwt_rc_e             rc;
    const char             *nl, *p;

    static const fz_key_e  keys[] = {
        FZ_K_HS1, FZ_K_HS2, FZ_K_RSA, FZ_K_PEM, FZ_K_HS1_512
    };

    if (size == 0) {
        return;
    }

    key = keys[data[0] % (sizeof(keys) / sizeof(keys[0]))];

    p = (const char *) data + 1;
    size--;

    nl = memchr(p, '\n', size);
    if (nl == NULL) {
        nl = p + size;
    }

    token = malloc(FZ_TOKEN_BUF);
    IL_FUZZ_CHECK(token != NULL);

    len = fz_make_token(token, key, p, nl - p,
                        nl < p + size ? nl + 1 : nl,
                        nl < p + size ? size - (nl - p) - 1 : 0);

    rc = fz_verify(token, len, strict);

    /* HMAC keyed with a public key must never pass, whatever the header */
    if (key == FZ_K_PEM) {
        IL_FUZZ_CHECK(rc != IL_JWT_OK);
    }

    free(token);
}


/*
 * Verifies, then checks the verdict: a token that verifies has a
 * signature that verifies here too, and claims that are its payload's.
 */

static il_jwt_rc_e
fz_verify(const char *token, size_t len, int strict)
{
    il_jwt_rc_e             rc;
    il_jwt_claims_t        *c;
    const il_jwt_policy_t  *policy;

    policy = strict ? &fz_strict : NULL;

    /* not NULL: verify must set it whatever the outcome */
    c = (il_jwt_claims_t *) 1;

    rc = il_jwt_verify(fz_ks, policy, token, len, FZ_NOW, &c);
    if (fz_trace) {
        fprintf(stderr, "verify: %s\n", il_jwt_reason(rc));
    }

    fz_check_rc(rc);

    if (rc != IL_JWT_OK) {
        IL_FUZZ_CHECK(c == NULL);
        return rc;
    }

    IL_FUZZ_CHECK(c != NULL);
    IL_FUZZ_CHECK(len <= IL_JWT_TOKEN_MAX);
    IL_FUZZ_CHECK(fz_independent(token, len));

    fz_check_claims(c, token, len, policy);

    il_jwt_claims_unref(c);

    return rc;
}


static void
fz_check_rc(il_jwt_rc_e rc)
{
    const char  *d, *e;

    IL_FUZZ_CHECK(rc >= IL_JWT_OK && rc <= IL_JWT_NOMEM);
    IL_FUZZ_CHECK(il_jwt_reason(rc) != NULL);

    d = il_jwt_description(rc);
    e = il_jwt_error(rc);

    if (rc == IL_JWT_OK) {
        IL_FUZZ_CHECK(d == NULL && e == NULL);
        return;
    }

    /* it goes inside a quoted-string of WWW-Authenticate */
    IL_FUZZ_CHECK(d != NULL && d[0] != '\0');
    IL_FUZZ_CHECK(strpbrk(d, "\"\\\r\n") == NULL);

    if (rc == IL_JWT_MISSING || rc == IL_JWT_NOMEM) {
        IL_FUZZ_CHECK(e == NULL);

    } else {
        IL_FUZZ_CHECK(e != NULL && strcmp(e, "invalid_token") == 0);
    }
}


/*
 * RFC 6750's credentials, read here on their own: white space around,
 * the scheme in any case, white space, then b64token.
 */

static void
fz_check_bearer(const char *v, size_t len)
{
    size_t        tlen;
    il_jwt_rc_e   rc, want;
    const char   *p, *end, *s, *token;

    rc = il_jwt_bearer(v, len, &token, &tlen);

    p = v;
    end = v + len;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    s = p;

    while (p < end && *p != ' ' && *p != '\t') {
        p++;
    }

    want = IL_JWT_OK;

    if (p - s != 6 || strncasecmp(s, "bearer", 6) != 0) {
        want = IL_JWT_MISSING;
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    if (want == IL_JWT_OK) {
        if (p == end) {
            want = IL_JWT_MALFORMED;

        } else if ((size_t) (end - p) > IL_JWT_TOKEN_MAX) {
            want = IL_JWT_TOO_LARGE;

        } else {
            s = end;

            while (s > p && s[-1] == '=') {
                s--;
            }

            if (s == p || fz_b64token(p, s - p) != 0) {
                want = IL_JWT_MALFORMED;
            }
        }
    }

    IL_FUZZ_CHECK(rc == want);

    if (rc == IL_JWT_OK) {
        IL_FUZZ_CHECK(token == p && tlen == (size_t) (end - p));

    } else {
        IL_FUZZ_CHECK(token == NULL && tlen == 0);
    }
}


/* 0 when every byte is of RFC 6750's b64token alphabet ('=' aside). */

static int
fz_b64token(const char *s, size_t len)
{
    size_t  i;

    static const char  abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789-._~+/";

    for (i = 0; i < len; i++) {
        if (s[i] == '\0' || strchr(abc, s[i]) == NULL) {
            return -1;
        }
    }

    return 0;
}


/*
 * The signature checked with OpenSSL alone, against every configured key
 * that the header's alg and kid allow.
 */

static int
fz_independent(const char *token, size_t len)
{
    int             ok;
    size_t          i, slen, mlen;
    json_t         *header, *alg, *kid;
    const char     *dot1, *dot2;
    unsigned char  *sig, mine[EVP_MAX_MD_SIZE];
    EVP_MD_CTX     *md;

    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', len - (dot1 + 1 - token)) : NULL;

    if (dot2 == NULL || memchr(dot2 + 1, '.', len - (dot2 + 1 - token))) {
        return 0;
    }

    header = fz_part(token, dot1 - token);
    if (header == NULL) {
        return 0;
    }

    alg = json_object_get(header, "alg");
    kid = json_object_get(header, "kid");

    sig = malloc(len);
    IL_FUZZ_CHECK(sig != NULL);

    ok = 0;

    if (!json_is_string(alg) || (kid != NULL && !json_is_string(kid))
        || fz_unb64url(dot2 + 1, len - (dot2 + 1 - token), sig, &slen) != 0)
    {
        goto done;
    }

    for (i = 0; !ok && i < sizeof(fz_known) / sizeof(fz_known[0]); i++) {
        if (strcmp(json_string_value(alg), fz_known[i].alg) != 0
            || (kid != NULL
                && strcmp(json_string_value(kid), fz_known[i].kid) != 0))
        {
            continue;
        }

        if (fz_known[i].key != FZ_K_RSA) {
            ok = fz_sign(fz_known[i].key, token, dot2 - token, mine, &mlen)
                 == 0
                 && mlen == slen && CRYPTO_memcmp(mine, sig, slen) == 0;
            continue;
        }

        md = EVP_MD_CTX_new();
        IL_FUZZ_CHECK(md != NULL);

        ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, fz_rsa) == 1
             && EVP_DigestVerify(md, sig, slen, (const unsigned char *) token,
                                 dot2 - token)
                == 1;

        EVP_MD_CTX_free(md);
    }

done:

    free(sig);
    json_decref(header);

    return ok;
}


/* A token part as a JSON object, decoded here; NULL if it is not one. */

static json_t *
fz_part(const char *s, size_t len)
{
    size_t          n;
    json_t         *j;
    unsigned char  *buf;

    buf = malloc(len + 1);
    IL_FUZZ_CHECK(buf != NULL);

    j = NULL;

    if (fz_unb64url(s, len, buf, &n) == 0) {
        j = json_loadb((const char *) buf, n, JSON_REJECT_DUPLICATES, NULL);
    }

    free(buf);

    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }

    return j;
}


/* JSON text never holds a raw NUL: jansson lets one pass after a number. */

static int
fz_payload_object(const char *payload, size_t len)
{
    int      ok;
    json_t  *j;

    if (memchr(payload, '\0', len) != NULL) {
        return 0;
    }

    j = json_loadb(payload, len, JSON_REJECT_DUPLICATES, NULL);

    if (j == NULL) {
        return 0;
    }

    ok = json_is_object(j);
    json_decref(j);

    return ok;
}


static void
fz_check_claims(il_jwt_claims_t *c, const char *token, size_t len,
    const il_jwt_policy_t *policy)
{
    char                  num[64];
    size_t                i, n, vlen;
    json_t               *payload, *v, *aud;
    il_jwt_cache_t       *cache;
    il_jwt_claims_t      *hit;
    const char           *dot1, *dot2, *name, *value;
    const il_jwt_str_t   *str;
    const il_jwt_pair_t  *pair;

    static const char  *names[] = { "org_id", "jti", "sub", "instance" };

    IL_FUZZ_CHECK(c->refcount == 1);

    dot1 = memchr(token, '.', len);
    dot2 = memchr(dot1 + 1, '.', len - (dot1 + 1 - token));

    payload = fz_part(dot1 + 1, dot2 - dot1 - 1);
    IL_FUZZ_CHECK(payload != NULL);

    for (i = 0; i < 4; i++) {
        str = (i == 0) ? &c->org_id : (i == 1) ? &c->jti
              : (i == 2) ? &c->sub : &c->instance;
        v = json_object_get(payload, names[i]);

        if (i < 2) {
            IL_FUZZ_CHECK(json_is_string(v) && json_string_length(v) > 0);
        }

        if (v == NULL) {
            IL_FUZZ_CHECK(str->data == NULL && str->len == 0);
            continue;
        }

        IL_FUZZ_CHECK(json_is_string(v) && str->data != NULL);
        IL_FUZZ_CHECK(str->len == json_string_length(v));
        IL_FUZZ_CHECK(memcmp(str->data, json_string_value(v), str->len)
                      == 0);
        IL_FUZZ_CHECK(str->data[str->len] == '\0');
    }

    n = 0;

    json_object_foreach(payload, name, v) {
        n += json_is_string(v) || json_is_number(v);
    }

    IL_FUZZ_CHECK(c->npairs == n);

    for (i = 0; i < c->npairs; i++) {
        pair = &c->pairs[i];

        IL_FUZZ_CHECK(pair->name.data[pair->name.len] == '\0');
        IL_FUZZ_CHECK(pair->value.data[pair->value.len] == '\0');

        v = json_object_get(payload, pair->name.data);
        IL_FUZZ_CHECK(v != NULL);

        if (json_is_string(v)) {
            IL_FUZZ_CHECK(pair->value.len == json_string_length(v));
            IL_FUZZ_CHECK(memcmp(pair->value.data, json_string_value(v),
                                 pair->value.len)
                          == 0);

        } else {
            IL_FUZZ_CHECK(json_is_number(v));
            vlen = json_dumpb(v, num, sizeof(num), JSON_ENCODE_ANY);
            IL_FUZZ_CHECK(vlen == pair->value.len);
            IL_FUZZ_CHECK(memcmp(num, pair->value.data, vlen) == 0);
        }

        value = il_jwt_claim(c, pair->name.data, pair->name.len, &vlen);
        IL_FUZZ_CHECK(value == pair->value.data && vlen == pair->value.len);
    }

    IL_FUZZ_CHECK(c->has_exp == (json_object_get(payload, "exp") != NULL));
    IL_FUZZ_CHECK(c->has_nbf == (json_object_get(payload, "nbf") != NULL));
    IL_FUZZ_CHECK(c->has_iat == (json_object_get(payload, "iat") != NULL));
    IL_FUZZ_CHECK(il_jwt_check_times(c, FZ_NOW,
                                     policy ? policy->leeway
                                            : IL_JWT_LEEWAY_DEFAULT)
                  == IL_JWT_OK);

    if (policy != NULL) {
        v = json_object_get(payload, "iss");
        IL_FUZZ_CHECK(json_is_string(v)
                      && strcmp(json_string_value(v), FZ_ISSUER) == 0
                      && json_string_length(v) == sizeof(FZ_ISSUER) - 1);

        aud = json_object_get(payload, "aud");
        n = 0;

        if (json_is_array(aud)) {
            json_array_foreach(aud, i, v) {
                n += json_is_string(v)
                     && json_string_length(v) == sizeof(FZ_AUDIENCE) - 1
                     && strcmp(json_string_value(v), FZ_AUDIENCE) == 0;
            }

        } else {
            n = json_is_string(aud)
                && json_string_length(aud) == sizeof(FZ_AUDIENCE) - 1
                && strcmp(json_string_value(aud), FZ_AUDIENCE) == 0;
        }

        IL_FUZZ_CHECK(n > 0);
    }

    json_decref(payload);

    /* the cache serves a token until its exp, without leeway */
    cache = il_jwt_cache_new(2);
    IL_FUZZ_CHECK(cache != NULL);

    il_jwt_cache_put(cache, fz_ks, token, len, c, FZ_NOW);
    hit = il_jwt_cache_get(cache, fz_ks, token, len, FZ_NOW);

    if (c->has_exp && c->exp <= FZ_NOW) {
        IL_FUZZ_CHECK(hit == NULL && c->refcount == 1);

    } else {
        IL_FUZZ_CHECK(hit == c && c->refcount == 3);
        il_jwt_claims_unref(hit);

        IL_FUZZ_CHECK(il_jwt_cache_get(cache, &fz_strict, token, len,
                                       FZ_NOW)
                      == NULL);
    }

    il_jwt_cache_free(cache);

    IL_FUZZ_CHECK(c->refcount == 1);
}


/*
 * header.payload.signature, each part base64url-encoded here; returns
 * the length written (buf holds FZ_TOKEN_BUF bytes).
 */

static size_t
fz_make_token(char *buf, fz_key_e key, const char *header, size_t header_len,
    const char *payload, size_t payload_len)
{
    size_t         n, slen;
    unsigned char  sig[1024];

    /* longer parts than this make a token far over the limit anyway */
    if (header_len > IL_JWT_TOKEN_MAX) {
        header_len = IL_JWT_TOKEN_MAX;
    }

    if (payload_len > IL_JWT_TOKEN_MAX) {
        payload_len = IL_JWT_TOKEN_MAX;
    }

    n = fz_b64url(buf, (const unsigned char *) header, header_len);
    buf[n++] = '.';
    n += fz_b64url(buf + n, (const unsigned char *) payload, payload_len);

    IL_FUZZ_CHECK(fz_sign(key, buf, n, sig, &slen) == 0);

    buf[n++] = '.';
    n += fz_b64url(buf + n, sig, slen);

    return n;
}


static int
fz_sign(fz_key_e key, const char *input, size_t len, unsigned char *sig,
    size_t *sig_len)
{
    int            rc;
    unsigned int   n;
    EVP_MD_CTX    *md;
    const void    *secret;
    size_t         secret_len;

    switch (key) {

    case FZ_K_NONE:
        *sig_len = 0;
        return 0;

    case FZ_K_RSA:
        md = EVP_MD_CTX_new();
        IL_FUZZ_CHECK(md != NULL);

        *sig_len = 512;
        rc = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, fz_rsa) == 1
             && EVP_DigestSign(md, sig, sig_len,
                               (const unsigned char *) input, len)
                == 1;

        EVP_MD_CTX_free(md);

        return rc ? 0 : -1;

    case FZ_K_HS2:
        secret = FZ_SECRET2;
        secret_len = sizeof(FZ_SECRET2) - 1;
        break;

    case FZ_K_PEM:
        secret = fz_pem;
        secret_len = fz_pem_len;
        break;

    default:
        secret = FZ_SECRET1;
        secret_len = sizeof(FZ_SECRET1) - 1;
    }

    if (HMAC(key == FZ_K_HS1_512 ? EVP_sha512() : EVP_sha256(), secret,
             (int) secret_len, (const unsigned char *) input, len, sig, &n)
        == NULL)
    {
        return -1;
    }

    *sig_len = n;

    return 0;
}


static size_t
fz_b64url(char *dst, const unsigned char *src, size_t len)
{
    size_t    i, n;
    uint32_t  v;

    static const char  abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789-_";

    n = 0;

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8 | src[i + 2];
        dst[n++] = abc[v >> 18];
        dst[n++] = abc[(v >> 12) & 63];
        dst[n++] = abc[(v >> 6) & 63];
        dst[n++] = abc[v & 63];
    }

    if (len - i == 1) {
        v = (uint32_t) src[i] << 16;
        dst[n++] = abc[v >> 18];
        dst[n++] = abc[(v >> 12) & 63];

    } else if (len - i == 2) {
        v = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8;
        dst[n++] = abc[v >> 18];
        dst[n++] = abc[(v >> 12) & 63];
        dst[n++] = abc[(v >> 6) & 63];
    }

    return n;
}


/*
 * Through OpenSSL's decoder, after turning the URL alphabet into the
 * standard one and padding: independent of il_jwt's own decoder.  Only
 * text that encodes back to itself counts, which refuses characters
 * outside the alphabet and bits left over.
 */

static int
fz_unb64url(const char *src, size_t len, unsigned char *dst,
    size_t *dst_len)
{
    int     n, rc;
    char   *std;
    size_t  i, pad;

    if (len % 4 == 1) {
        return -1;
    }

    std = malloc(len + 4);
    IL_FUZZ_CHECK(std != NULL);

    for (i = 0; i < len; i++) {
        std[i] = src[i] == '-' ? '+' : src[i] == '_' ? '/' : src[i];
    }

    pad = (4 - len % 4) % 4;
    memset(std + len, '=', pad);

    n = len ? EVP_DecodeBlock(dst, (unsigned char *) std, (int) (len + pad))
            : 0;

    rc = -1;

    if (n >= (int) pad) {
        *dst_len = (size_t) n - pad;

        rc = (fz_b64url(std, dst, *dst_len) == len
              && memcmp(std, src, len) == 0) ? 0 : -1;
    }

    free(std);

    return rc;
}
