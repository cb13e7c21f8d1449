
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The token layer.  Keys are made at run time with OpenSSL into a temporary
 * directory, and tokens are signed here with OpenSSL directly, not with
 * libjwt, so the verifier is not checked against itself.
 *
 * "test_jwt --interop FILE" instead verifies the tokens listed in FILE,
 * written by t/tools/jwt_interop.pl with the Perl minting of the
 * integration tests.
 */


#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "il_jwt.h"
#include "il_test.h"


#define NOW  1700000000LL


typedef struct {
    const char  *alg;
    EVP_PKEY    *pkey;     /* NULL for HS* */
    const char  *file;     /* public key or secret */
} test_key_t;


static void *count_malloc(size_t n, const char *file, int line);
static void *count_realloc(void *p, size_t n, const char *file, int line);
static void count_free(void *p, const char *file, int line);
static char *path(const char *name);
static void write_file(const char *name, const void *data, size_t len);
static void write_pubkey(const char *name, EVP_PKEY *pkey);
static char *read_all(const char *name, size_t *len);
static char *b64url(const unsigned char *data, size_t len);
static const EVP_MD *md_of(const char *alg);
static char *mint(const char *header, const char *payload, const char *alg,
    EVP_PKEY *pkey, const unsigned char *secret, size_t secret_len);
static char *mint_key(const test_key_t *k, const char *kid,
    const char *payload);
static char *claims(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static il_jwt_rc_e verify(il_jwt_keyset_t *ks, const il_jwt_policy_t *p,
    const char *token, long long now);
static il_jwt_keyset_t *keyset_of(const char *alg, const char *file,
    const char *kid);
static void flip(char *token, size_t part, size_t bit);
static char *jwk_of(EVP_PKEY *pkey, const char *kid, const char *alg);
static void test_reasons(void);
static il_jwt_rc_e bearer(const char *value, const char **token,
    size_t *len);
static void test_base64url(void);
static void test_bearer(void);
static void test_algorithms(void);
static void test_pinning(void);
static void test_structure(void);
static void test_claims(void);
static void test_times(void);
static void test_key_files(void);
static void test_jwks(void);
static void test_cache(void);
static int interop(const char *file);


static char             *dir;
static long              ossl_allocs;
static unsigned char     hs_secret[64];
static test_key_t            keys[9];
static EVP_PKEY         *rsa, *ec256, *ec256b, *ec384, *ec521;


static void *
count_malloc(size_t n, const char *file, int line)
{
    (void) file;
    (void) line;
    ossl_allocs++;
    return malloc(n);
}


static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
    (void) file;
    (void) line;
    ossl_allocs++;
    return realloc(p, n);
}


static void
count_free(void *p, const char *file, int line)
{
    (void) file;
    (void) line;
    free(p);
}


static char *
path(const char *name)
{
    static char  buf[4][512];
    static int   i;

    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);

    return buf[i];
}


static void
write_file(const char *name, const void *data, size_t len)
{
    FILE  *f;

    f = fopen(path(name), "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path(name));
        exit(2);
    }
}


static void
write_pubkey(const char *name, EVP_PKEY *pkey)
{
    BIO  *b;

    b = BIO_new_file(path(name), "w");
    if (b == NULL || PEM_write_bio_PUBKEY(b, pkey) != 1) {
        fprintf(stderr, "cannot write %s\n", path(name));
        exit(2);
    }

    BIO_free(b);
}


static char *
read_all(const char *name, size_t *len)
{
    char  err[256];

    return (char *) il_jwt_read_file(path(name), 1 << 20, len, err,
                                     sizeof(err));
}


static char *
b64url(const unsigned char *data, size_t len)
{
    char        *out, *p;
    size_t       i;
    uint32_t     v;

    static const char  a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "abcdefghijklmnopqrstuvwxyz0123456789-_";

    out = malloc(len / 3 * 4 + 5);
    p = out;

    for (i = 0; i + 3 <= len; i += 3) {
        v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
        *p++ = a[v >> 18 & 63];
        *p++ = a[v >> 12 & 63];
        *p++ = a[v >> 6 & 63];
        *p++ = a[v & 63];
    }

    if (len - i == 1) {
        v = data[i] << 16;
        *p++ = a[v >> 18 & 63];
        *p++ = a[v >> 12 & 63];

    } else if (len - i == 2) {
        v = data[i] << 16 | data[i + 1] << 8;
        *p++ = a[v >> 18 & 63];
        *p++ = a[v >> 12 & 63];
        *p++ = a[v >> 6 & 63];
    }

    *p = '\0';

    return out;
}


static const EVP_MD *
md_of(const char *alg)
{
    switch (alg[4]) {
    case '6':
        return EVP_sha256();
    case '4':
        return EVP_sha384();
    default:
        return EVP_sha512();
    }
}


/*
 * header and payload are JSON texts; alg picks how to sign ("none": not at
 * all).  The signature is made with OpenSSL: HMAC, RSA PKCS#1 v1.5, or
 * ECDSA converted from DER to the fixed-width R||S of JWS.
 */

static char *
mint(const char *header, const char *payload, const char *alg,
    EVP_PKEY *pkey, const unsigned char *secret, size_t secret_len)
{
    char                 *h, *p, *s, *input, *token;
    size_t                len, sig_len, n;
    EVP_MD_CTX           *ctx;
    ECDSA_SIG            *ec;
    unsigned int          mac_len;
    unsigned char         sig[1024], raw[132];
    const BIGNUM         *r, *ss;
    const unsigned char  *d;

    h = b64url((const unsigned char *) header, strlen(header));
    p = b64url((const unsigned char *) payload, strlen(payload));

    len = strlen(h) + strlen(p) + 1;
    input = malloc(len + 1);
    snprintf(input, len + 1, "%s.%s", h, p);

    sig_len = 0;

    if (strncmp(alg, "HS", 2) == 0) {
        HMAC(md_of(alg), secret, (int) secret_len,
             (unsigned char *) input, len, sig, &mac_len);
        sig_len = mac_len;

    } else if (strncmp(alg, "RS", 2) == 0 || strncmp(alg, "ES", 2) == 0) {
        ctx = EVP_MD_CTX_new();
        sig_len = sizeof(sig);

        if (EVP_DigestSignInit(ctx, NULL, md_of(alg), NULL, pkey) != 1
            || EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *) input,
                              len) != 1)
        {
            fprintf(stderr, "signing failed\n");
            exit(2);
        }

        EVP_MD_CTX_free(ctx);

        if (alg[0] == 'E') {
            n = (EVP_PKEY_get_bits(pkey) + 7) / 8;
            d = sig;
            ec = d2i_ECDSA_SIG(NULL, &d, sig_len);
            ECDSA_SIG_get0(ec, &r, &ss);
            BN_bn2binpad(r, raw, n);
            BN_bn2binpad(ss, raw + n, n);
            ECDSA_SIG_free(ec);
            memcpy(sig, raw, 2 * n);
            sig_len = 2 * n;
        }
    }

    s = b64url(sig, sig_len);

    len += strlen(s) + 2;
    token = malloc(len);
    snprintf(token, len, "%s.%s", input, s);

    free(h);
    free(p);
    free(s);
    free(input);

    return token;
}


static char *
mint_key(const test_key_t *k, const char *kid, const char *payload)
{
    char  header[128];

    if (kid != NULL) {
        snprintf(header, sizeof(header),
                 "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
                 k->alg, kid);

    } else {
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
                 k->alg);
    }

    return mint(header, payload, k->alg, k->pkey, hs_secret,
                sizeof(hs_secret));
}


static char *
claims(const char *fmt, ...)
{
    static char  buf[16384];
    va_list      args;

    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);

    return buf;
}


static il_jwt_rc_e
verify(il_jwt_keyset_t *ks, const il_jwt_policy_t *p, const char *token,
    long long now)
{
    il_jwt_rc_e       rc;
    il_jwt_claims_t  *c;

    c = (il_jwt_claims_t *) 1;

    rc = il_jwt_verify(ks, p, token, strlen(token), (time_t) now, &c);

    if (rc == IL_JWT_OK) {
        IL_CHECK(c != NULL && c->refcount == 1);
        il_jwt_claims_unref(c);

    } else {
        IL_CHECK(c == NULL);
    }

    return rc;
}


static il_jwt_keyset_t *
keyset_of(const char *alg, const char *file, const char *kid)
{
    char              err[512];
    il_jwt_keyset_t  *ks;

    ks = il_jwt_keyset_new();

    if (il_jwt_keyset_add_file(ks, alg, file, kid, err, sizeof(err)) != 0) {
        fprintf(stderr, "keyset: %s\n", err);
        exit(2);
    }

    return ks;
}


/* Flips one bit of the decoded part (0 header, 1 payload, 2 signature). */

static void
flip(char *token, size_t part, size_t bit)
{
    char           *s, *e, *enc;
    size_t          len, n;
    unsigned char   buf[IL_JWT_TOKEN_MAX];

    s = token;

    while (part--) {
        s = strchr(s, '.') + 1;
    }

    e = strchr(s, '.');
    len = e ? (size_t) (e - s) : strlen(s);

    il_jwt_base64url_decode(s, len, buf, &n);
    buf[bit / 8 % n] ^= (unsigned char) (1 << bit % 8);
    enc = b64url(buf, n);
    memcpy(s, enc, len);
    free(enc);
}


static void
test_reasons(void)
{
    int          rc;
    const char  *d;

    IL_CHECK_STR(il_jwt_reason(IL_JWT_MISSING), "missing");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_MALFORMED), "malformed");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_BAD_SIGNATURE), "bad_signature");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_ALGORITHM), "algorithm");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_UNKNOWN_KID), "unknown_kid");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_EXPIRED), "expired");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_NOT_YET_VALID), "not_yet_valid");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_CLAIM), "claim");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_ISSUER), "issuer");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_AUDIENCE), "audience");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_INSTANCE), "instance");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_REVOKED), "revoked");
    IL_CHECK_STR(il_jwt_reason(IL_JWT_TOO_LARGE), "too_large");

    IL_CHECK(il_jwt_description(IL_JWT_OK) == NULL);
    IL_CHECK_STR(il_jwt_description(IL_JWT_EXPIRED), "The token has expired");

    /* RFC 6750 error_description: %x20-21 / %x23-5B / %x5D-7E */
    for (rc = IL_JWT_MISSING; rc <= IL_JWT_NOMEM; rc++) {
        d = il_jwt_description(rc);
        IL_CHECK(d != NULL && d[0] != '\0');

        for ( /* void */ ; d && *d; d++) {
            IL_CHECK(*d >= 0x20 && *d <= 0x7e && *d != '"' && *d != '\\');
        }
    }

    IL_CHECK(il_jwt_error(IL_JWT_MISSING) == NULL);
    IL_CHECK(il_jwt_error(IL_JWT_OK) == NULL);
    IL_CHECK_STR(il_jwt_error(IL_JWT_EXPIRED), "invalid_token");
    IL_CHECK_STR(il_jwt_error(IL_JWT_MALFORMED), "invalid_token");
}


static void
test_base64url(void)
{
    size_t         n;
    unsigned char  buf[16];

#define B64_IS(in, out)                                                      \
    do {                                                                     \
        n = 99;                                                              \
        IL_CHECK_INT(il_jwt_base64url_decode(in, strlen(in), buf, &n), 0);   \
        IL_CHECK_INT(n, strlen(out));                                        \
        IL_CHECK(memcmp(buf, out, n) == 0);                                  \
    } while (0)

#define B64_REFUSED(in)                                                      \
    IL_CHECK_INT(il_jwt_base64url_decode(in, strlen(in), buf, &n), -1)

    B64_IS("", "");
    B64_IS("QQ", "A");
    B64_IS("QUI", "AB");
    B64_IS("QUJD", "ABC");
    B64_IS("P_8-", "?\xff>");

    B64_REFUSED("Q");
    B64_REFUSED("QUJDR");
    B64_REFUSED("QR");           /* unused bits set: not canonical */
    B64_REFUSED("QUJ");
    B64_REFUSED("QQ==");
    B64_REFUSED("P/8+");
    B64_REFUSED("QU D");
    B64_REFUSED("QU\x80" "D");

#undef B64_IS
#undef B64_REFUSED
}


/* Each value is copied into a buffer of exactly its length: no NUL. */

static il_jwt_rc_e
bearer(const char *value, const char **token, size_t *len)
{
    char         *buf;
    size_t        n;
    il_jwt_rc_e   rc;

    static char  copy[IL_JWT_TOKEN_MAX * 2];

    n = strlen(value);
    buf = malloc(n ? n : 1);
    memcpy(buf, value, n);

    rc = il_jwt_bearer(buf, n, token, len);

    if (rc == IL_JWT_OK) {
        memcpy(copy, *token, *len);
        copy[*len] = '\0';
        *token = copy;
    }

    free(buf);

    return rc;
}


static void
test_bearer(void)
{
    char         *big;
    size_t        len;
    const char   *t;

    IL_CHECK_INT(bearer("", &t, &len), IL_JWT_MISSING);
    IL_CHECK_INT(bearer("   ", &t, &len), IL_JWT_MISSING);
    IL_CHECK_INT(bearer("Bear", &t, &len), IL_JWT_MISSING);
    IL_CHECK_INT(bearer("Basic xyz", &t, &len), IL_JWT_MISSING);
    IL_CHECK_INT(bearer("Bearerx a.b.c", &t, &len), IL_JWT_MISSING);
    IL_CHECK_INT(bearer("Bearer", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer ", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer    ", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer a.b c", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer a\"b", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer ==", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer a=b", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer a.b\x01", &t, &len), IL_JWT_MALFORMED);
    IL_CHECK_INT(bearer("Bearer a.b\xc3\xa9", &t, &len), IL_JWT_MALFORMED);

    IL_CHECK_INT(bearer("bearer abc.def.ghi", &t, &len), IL_JWT_OK);
    IL_CHECK_STR(t, "abc.def.ghi");
    IL_CHECK_INT(len, 11);

    IL_CHECK_INT(bearer("  Bearer   abc.d-f.g_i  ", &t, &len), IL_JWT_OK);
    IL_CHECK_STR(t, "abc.d-f.g_i");

    IL_CHECK_INT(bearer("\tBEARER\tabc.def.ghi\t", &t, &len), IL_JWT_OK);
    IL_CHECK_STR(t, "abc.def.ghi");

    IL_CHECK_INT(bearer("Bearer a~+/b==", &t, &len), IL_JWT_OK);
    IL_CHECK_STR(t, "a~+/b==");

    /* 8 KiB + 1: refused by length alone, whatever the characters */
    big = malloc(IL_JWT_TOKEN_MAX + 16);
    memcpy(big, "Bearer ", 7);
    memset(big + 7, ' ' + 1, IL_JWT_TOKEN_MAX + 1);
    big[7 + IL_JWT_TOKEN_MAX + 1] = '\0';
    IL_CHECK_INT(bearer(big, &t, &len), IL_JWT_TOO_LARGE);

    memset(big + 7, 'a', IL_JWT_TOKEN_MAX);
    big[7 + IL_JWT_TOKEN_MAX] = '\0';
    IL_CHECK_INT(bearer(big, &t, &len), IL_JWT_OK);
    IL_CHECK_INT(len, IL_JWT_TOKEN_MAX);

    free(big);
}


static void
test_algorithms(void)
{
    char              *tok, err[512], kid[16];
    size_t             i;
    il_jwt_claims_t   *c;
    il_jwt_keyset_t   *ks, *all;

    all = il_jwt_keyset_new();

    for (i = 0; i < 9; i++) {
        ks = keyset_of(keys[i].alg, keys[i].file, NULL);

        tok = mint_key(&keys[i], NULL,
                       claims("{\"org_id\":\"org-%zu\",\"jti\":\"j%zu\","
                              "\"exp\":%lld}", i, i, NOW + 60));

        c = NULL;
        IL_CHECK_INT(il_jwt_verify(ks, NULL, tok, strlen(tok), NOW, &c),
                     IL_JWT_OK);

        if (c != NULL) {
            snprintf(kid, sizeof(kid), "org-%zu", i);
            IL_CHECK_STR(c->org_id.data, kid);
            IL_CHECK_INT(c->exp, NOW + 60);
            il_jwt_claims_unref(c);
        }

        /* every other key of the family refuses it */
        flip(tok, 2, 5);
        IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);

        free(tok);
        il_jwt_keyset_free(ks);

        /* nine keys without kid, one per algorithm: alg chooses */
        IL_CHECK(il_jwt_keyset_add_file(all, keys[i].alg, keys[i].file,
                                        NULL, err, sizeof(err)) == 0);
    }

    IL_CHECK_INT(il_jwt_keyset_count(all), 9);

    for (i = 0; i < 9; i++) {
        tok = mint_key(&keys[i], NULL,
                       claims("{\"org_id\":\"o\",\"jti\":\"j\"}"));
        IL_CHECK_INT(verify(all, NULL, tok, NOW), IL_JWT_OK);

        /* a kid when no key has names */
        free(tok);
        tok = mint_key(&keys[i], "k1",
                       claims("{\"org_id\":\"o\",\"jti\":\"j\"}"));
        IL_CHECK_INT(verify(all, NULL, tok, NOW), IL_JWT_UNKNOWN_KID);
        free(tok);
    }

    il_jwt_keyset_free(all);
}


static void
test_pinning(void)
{
    int                rc;
    char              *tok, *pem, *payload;
    size_t             pem_len;
    jwt_t             *jwt;
    il_jwt_keyset_t   *ks;

    payload = claims("{\"org_id\":\"o\",\"jti\":\"j\"}");

    ks = keyset_of("RS256", path("rsa.pub"), "rsa-1");

    /* alg none, with and without a kid, and its spellings */
    tok = mint("{\"alg\":\"none\"}", payload, "none", NULL, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    tok = mint("{\"alg\":\"none\",\"kid\":\"rsa-1\"}", payload, "none",
               NULL, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    tok = mint("{\"alg\":\"NONE\"}", payload, "none", NULL, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    tok = mint("{\"alg\":\"rs256\",\"kid\":\"rsa-1\"}", payload, "RS256",
               rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    tok = mint("{\"kid\":\"rsa-1\"}", payload, "RS256", rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    tok = mint("{\"alg\":256}", payload, "RS256", rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    /*
     * The classic confusion: HS256 keyed with the RSA public key's PEM.
     * libjwt alone accepts it; the pin refuses it with or without kid.
     */
    pem = read_all("rsa.pub", &pem_len);

    tok = mint("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, "HS256",
               NULL, (unsigned char *) pem, pem_len);

    rc = jwt_decode(&jwt, tok, (unsigned char *) pem, (int) pem_len);
    IL_CHECK_INT(rc, 0);
    if (rc == 0) {
        jwt_free(jwt);
    }

    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    tok = mint("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", payload, "HS256",
               NULL, (unsigned char *) pem, pem_len);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    /* RS384 header with the RS256 key named */
    tok = mint("{\"alg\":\"RS384\",\"kid\":\"rsa-1\"}", payload, "RS384",
               rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);

    /* unknown kid; kid compared whole, not as a prefix */
    tok = mint("{\"alg\":\"RS256\",\"kid\":\"rsa-2\"}", payload, "RS256",
               rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_UNKNOWN_KID);
    free(tok);

    tok = mint("{\"alg\":\"RS256\",\"kid\":\"rsa-\"}", payload, "RS256",
               rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_UNKNOWN_KID);
    free(tok);

    tok = mint("{\"alg\":\"RS256\",\"kid\":\"../rsa-1\"}", payload, "RS256",
               rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_UNKNOWN_KID);
    free(tok);

    /* a named key serves a token without kid when it is the only fit */
    tok = mint("{\"alg\":\"RS256\"}", payload, "RS256", rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_OK);
    free(tok);

    /* an ES256 token signed with the P-384 key */
    il_jwt_keyset_free(ks);
    ks = keyset_of("ES256", path("ec256.pub"), NULL);
    tok = mint("{\"alg\":\"ES256\"}", payload, "ES256", ec384, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);
    free(tok);

    /* the other P-256 key */
    tok = mint("{\"alg\":\"ES256\"}", payload, "ES256", ec256b, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);
    free(tok);

    /* a changed claim breaks the signature */
    tok = mint("{\"alg\":\"ES256\"}", payload, "ES256", ec256, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_OK);
    flip(tok, 1, 8 * 11 + 1);     /* "o" becomes "m" */
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);
    free(tok);

    /* empty signature (libjwt itself would write out of bounds) */
    tok = mint("{\"alg\":\"ES256\"}", payload, "none", NULL, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);
    free(tok);

    il_jwt_keyset_free(ks);

    ks = keyset_of("RS256", path("rsa.pub"), NULL);
    tok = mint("{\"alg\":\"RS256\"}", payload, "none", NULL, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);
    free(tok);
    il_jwt_keyset_free(ks);

    ks = keyset_of("HS256", path("hs.key"), NULL);
    tok = mint("{\"alg\":\"HS256\"}", payload, "none", NULL, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);
    free(tok);

    /* a truncated signature: 43 characters cut to 40, still base64url */
    tok = mint("{\"alg\":\"HS256\"}", payload, "HS256", NULL, hs_secret,
               sizeof(hs_secret));
    tok[strlen(tok) - 3] = '\0';
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_BAD_SIGNATURE);
    free(tok);
    il_jwt_keyset_free(ks);

    /* no keys at all */
    ks = il_jwt_keyset_new();
    tok = mint("{\"alg\":\"ES256\"}", payload, "ES256", ec256, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_ALGORITHM);
    free(tok);
    il_jwt_keyset_free(ks);

    free(pem);
}


static void
test_structure(void)
{
    char              *tok, *t2, *payload, *big;
    size_t             len;
    il_jwt_claims_t   *c;
    il_jwt_keyset_t   *ks;

    ks = keyset_of("HS256", path("hs.key"), NULL);
    payload = claims("{\"org_id\":\"o\",\"jti\":\"j\"}");

#define HS(header, body)                                                     \
    mint(header, body, "HS256", NULL, hs_secret, sizeof(hs_secret))

    tok = HS("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_OK);

    /* two parts, four parts, empty parts */
    t2 = strdup(tok);
    *strrchr(t2, '.') = '\0';
    IL_CHECK_INT(verify(ks, NULL, t2, NOW), IL_JWT_MALFORMED);
    free(t2);

    len = strlen(tok);
    t2 = malloc(len + 3);
    snprintf(t2, len + 3, "%s.x", tok);
    IL_CHECK_INT(verify(ks, NULL, t2, NOW), IL_JWT_MALFORMED);
    IL_CHECK_INT(verify(ks, NULL, "..", NOW), IL_JWT_MALFORMED);
    IL_CHECK_INT(verify(ks, NULL, "", NOW), IL_JWT_MALFORMED);
    IL_CHECK_INT(verify(ks, NULL, "abc", NOW), IL_JWT_MALFORMED);

    /* padding, standard base64 characters, a stray space */
    snprintf(t2, len + 3, "%s=", tok);
    IL_CHECK_INT(verify(ks, NULL, t2, NOW), IL_JWT_MALFORMED);
    strcpy(t2, tok);
    t2[3] = '+';
    IL_CHECK_INT(verify(ks, NULL, t2, NOW), IL_JWT_MALFORMED);
    strcpy(t2, tok);
    t2[len - 2] = ' ';
    IL_CHECK_INT(verify(ks, NULL, t2, NOW), IL_JWT_MALFORMED);
    free(t2);

    /* a buffer of exactly the token's length, no NUL after it */
    t2 = malloc(len);
    memcpy(t2, tok, len);
    IL_CHECK_INT(il_jwt_verify(ks, NULL, t2, len, NOW, &c), IL_JWT_OK);
    il_jwt_claims_unref(c);
    IL_CHECK_INT(il_jwt_verify(ks, NULL, t2, len - 3, NOW, &c),
                 IL_JWT_BAD_SIGNATURE);
    free(t2);

    /* a NUL inside the given length */
    IL_CHECK_INT(il_jwt_verify(ks, NULL, "eyJh\0.e.e", 9, NOW, &c),
                 IL_JWT_MALFORMED);
    IL_CHECK(c == NULL);
    free(tok);

    /* header and payload must be JSON objects, without duplicates */
    tok = HS("{\"alg\":\"HS256\"", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("[\"HS256\"]", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("{\"alg\":\"HS256\"}", "not json");
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("{\"alg\":\"HS256\"}", "[1,2]");
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("{\"alg\":\"none\",\"alg\":\"HS256\"}", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("{\"alg\":\"HS256\"}",
             "{\"org_id\":\"o\",\"jti\":\"j\",\"org_id\":\"x\"}");
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    /* typ: JWT in any case, nothing else; crit; kid must be a string */
    tok = HS("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_OK);
    free(tok);

    tok = HS("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("{\"alg\":\"HS256\",\"typ\":1}", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    tok = HS("{\"alg\":\"HS256\",\"kid\":7}", payload);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    /* structure comes before the algorithm */
    tok = HS("{\"alg\":\"none\"}", "[]");
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_MALFORMED);
    free(tok);

    /* 8 KiB + 1 is refused unparsed; 8 KiB of the same is parsed */
    big = malloc(IL_JWT_TOKEN_MAX + 2);
    memset(big, '!', IL_JWT_TOKEN_MAX + 1);
    big[IL_JWT_TOKEN_MAX + 1] = '\0';
    IL_CHECK_INT(verify(ks, NULL, big, NOW), IL_JWT_TOO_LARGE);
    big[IL_JWT_TOKEN_MAX] = '\0';
    IL_CHECK_INT(verify(ks, NULL, big, NOW), IL_JWT_MALFORMED);
    free(big);

    /* a real token just under the limit still verifies */
    big = malloc(IL_JWT_TOKEN_MAX);
    memset(big, 'x', 6000);
    big[6000] = '\0';
    tok = HS("{\"alg\":\"HS256\"}",
             claims("{\"org_id\":\"o\",\"jti\":\"j\",\"pad\":\"%s\"}", big));
    IL_CHECK(strlen(tok) <= IL_JWT_TOKEN_MAX);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_OK);
    free(tok);
    free(big);

#undef HS

    il_jwt_keyset_free(ks);
}


static void
test_claims(void)
{
    char              *tok;
    size_t             len;
    const char        *v;
    il_jwt_rc_e        rc;
    il_jwt_claims_t   *c;
    il_jwt_keyset_t   *ks;
    il_jwt_policy_t    p;

    ks = keyset_of("ES384", path("ec384.pub"), "e");

#define ES(body)                                                             \
    mint("{\"alg\":\"ES384\",\"kid\":\"e\"}", body, "ES384", ec384, NULL, 0)

#define CLAIM_IS(body, want)                                                 \
    do {                                                                     \
        char *t_ = ES(body);                                                 \
        IL_CHECK_INT(verify(ks, &p, t_, NOW), want);                         \
        free(t_);                                                            \
    } while (0)

    memset(&p, 0, sizeof(p));
    p.leeway = 30;

    CLAIM_IS("{\"jti\":\"j\"}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\"}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"\",\"jti\":\"j\"}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"\"}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":7,\"jti\":\"j\"}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":null}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"sub\":1}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"instance\":[]}",
             IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"exp\":\"soon\"}",
             IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"exp\":null}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"nbf\":true}", IL_JWT_CLAIM);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"iat\":\"1\"}", IL_JWT_CLAIM);

    /* claim problems come before time problems */
    CLAIM_IS("{\"org_id\":\"o\",\"exp\":1}", IL_JWT_CLAIM);

    /* issuer and audience, checked only when configured */
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"iss\":\"x\",\"aud\":5}",
             IL_JWT_OK);

    p.issuer = "https://issuer.example";
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\"}", IL_JWT_ISSUER);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"iss\":\"https://evil\"}",
             IL_JWT_ISSUER);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example/\"}", IL_JWT_ISSUER);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":[\"https://issuer.example\"]}", IL_JWT_ISSUER);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\"}", IL_JWT_OK);

    p.audience = "interloom";
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\"}", IL_JWT_AUDIENCE);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\",\"aud\":\"other\"}",
             IL_JWT_AUDIENCE);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\",\"aud\":\"interloom\"}",
             IL_JWT_OK);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\","
             "\"aud\":[\"a\",\"interloom\"]}", IL_JWT_OK);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\",\"aud\":[\"a\",\"b\"]}",
             IL_JWT_AUDIENCE);
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\",\"aud\":[]}",
             IL_JWT_AUDIENCE);

    /* issuer before audience, times before both */
    CLAIM_IS("{\"org_id\":\"o\",\"jti\":\"j\",\"aud\":\"interloom\"}",
             IL_JWT_ISSUER);
    CLAIM_IS(claims("{\"org_id\":\"o\",\"jti\":\"j\",\"exp\":%lld}",
                    NOW - 100), IL_JWT_EXPIRED);

    /* what a request sees */
    tok = ES(claims("{\"org_id\":\"org_42\",\"jti\":\"t-1\","
                    "\"sub\":\"user 7\",\"instance\":\"acme\","
                    "\"iss\":\"https://issuer.example\","
                    "\"aud\":\"interloom\",\"exp\":%lld.25,\"nbf\":%lld,"
                    "\"iat\":%lld.75,\"n\":-12,\"f\":1.5,\"b\":true,"
                    "\"o\":{\"x\":1},\"s\":\"caf\\u00e9\\n\"}",
                    NOW + 9, NOW - 5, NOW - 5));

    rc = il_jwt_verify(ks, &p, tok, strlen(tok), NOW, &c);
    IL_CHECK_INT(rc, IL_JWT_OK);

    if (rc == IL_JWT_OK) {
        IL_CHECK_STR(c->org_id.data, "org_42");
        IL_CHECK_INT(c->org_id.len, 6);
        IL_CHECK_STR(c->jti.data, "t-1");
        IL_CHECK_STR(c->sub.data, "user 7");
        IL_CHECK_STR(c->instance.data, "acme");
        IL_CHECK(c->has_exp && c->has_nbf && c->has_iat);
        IL_CHECK_INT(c->exp, NOW + 10);
        IL_CHECK_INT(c->nbf, NOW - 5);
        IL_CHECK_INT(c->iat, NOW - 5);

        /* org_id jti sub instance iss aud exp nbf iat n f s */
        IL_CHECK_INT(c->npairs, 12);

        v = il_jwt_claim(c, "n", 1, &len);
        IL_CHECK_STR(v, "-12");
        v = il_jwt_claim(c, "f", 1, &len);
        IL_CHECK_STR(v, "1.5");
        IL_CHECK_INT(len, 3);
        v = il_jwt_claim(c, "s", 1, &len);
        IL_CHECK_STR(v, "caf\xc3\xa9\n");
        IL_CHECK_INT(len, 6);
        v = il_jwt_claim(c, "exp", 3, &len);
        IL_CHECK_STR(v, claims("%lld.25", NOW + 9));
        v = il_jwt_claim(c, "aud", 3, &len);
        IL_CHECK_STR(v, "interloom");
        IL_CHECK(il_jwt_claim(c, "b", 1, &len) == NULL && len == 0);
        IL_CHECK(il_jwt_claim(c, "o", 1, &len) == NULL);
        IL_CHECK(il_jwt_claim(c, "org", 3, &len) == NULL);
        IL_CHECK(il_jwt_claim(c, "org_id", 6, &len) == c->org_id.data);

        IL_CHECK_INT(il_jwt_check_times(c, NOW + 9, 0), IL_JWT_OK);
        IL_CHECK_INT(il_jwt_check_times(c, NOW + 10, 0), IL_JWT_EXPIRED);

        il_jwt_claims_unref(c);
    }

    free(tok);

    /* sub and instance are optional */
    tok = ES("{\"org_id\":\"o\",\"jti\":\"j\","
             "\"iss\":\"https://issuer.example\",\"aud\":\"interloom\"}");
    rc = il_jwt_verify(ks, &p, tok, strlen(tok), NOW, &c);
    IL_CHECK_INT(rc, IL_JWT_OK);

    if (rc == IL_JWT_OK) {
        IL_CHECK(c->sub.data == NULL && c->sub.len == 0);
        IL_CHECK(c->instance.data == NULL);
        IL_CHECK(!c->has_exp && !c->has_nbf && !c->has_iat);
        il_jwt_claims_unref(c);
    }

    free(tok);

#undef CLAIM_IS
#undef ES

    il_jwt_keyset_free(ks);
}


static void
test_times(void)
{
    char              *body;
    il_jwt_keyset_t   *ks;
    il_jwt_policy_t    p;

    ks = keyset_of("HS512", path("hs.key"), NULL);

    memset(&p, 0, sizeof(p));

#define TIMES_ARE(fmt, value, lw, want)                                  \
    do {                                                                     \
        char *t_;                                                            \
        body = claims("{\"org_id\":\"o\",\"jti\":\"j\"," fmt "}", value);   \
        t_ = mint("{\"alg\":\"HS512\"}", body, "HS512", NULL, hs_secret,     \
                  sizeof(hs_secret));                                        \
        p.leeway = lw;                                                       \
        IL_CHECK_INT(verify(ks, &p, t_, NOW), want);                         \
        free(t_);                                                            \
    } while (0)

    TIMES_ARE("\"exp\":%lld", NOW - 100, 30, IL_JWT_EXPIRED);
    TIMES_ARE("\"exp\":%lld", NOW - 10, 30, IL_JWT_OK);
    TIMES_ARE("\"exp\":%lld", NOW - 10, 0, IL_JWT_EXPIRED);
    TIMES_ARE("\"exp\":%lld", NOW - 30, 30, IL_JWT_EXPIRED);
    TIMES_ARE("\"exp\":%lld", NOW - 29, 30, IL_JWT_OK);
    TIMES_ARE("\"exp\":%lld", NOW, 0, IL_JWT_EXPIRED);
    TIMES_ARE("\"exp\":%lld", NOW + 1, 0, IL_JWT_OK);
    TIMES_ARE("\"exp\":%lld.5", NOW, 0, IL_JWT_OK);
    TIMES_ARE("\"exp\":%lld.5", NOW - 1, 0, IL_JWT_EXPIRED);
    TIMES_ARE("\"exp\":%lld", -1LL, 30, IL_JWT_EXPIRED);
    TIMES_ARE("\"exp\":%lld", 9223372036854775807LL, 30, IL_JWT_OK);
    TIMES_ARE("\"exp\":%lld0e300", 1LL, 30, IL_JWT_OK);
    TIMES_ARE("\"exp\":-%lld0e300", 1LL, 30, IL_JWT_EXPIRED);

    TIMES_ARE("\"nbf\":%lld", NOW + 100, 30, IL_JWT_NOT_YET_VALID);
    TIMES_ARE("\"nbf\":%lld", NOW + 10, 30, IL_JWT_OK);
    TIMES_ARE("\"nbf\":%lld", NOW + 10, 0, IL_JWT_NOT_YET_VALID);
    TIMES_ARE("\"nbf\":%lld", NOW, 0, IL_JWT_OK);
    TIMES_ARE("\"nbf\":%lld.5", NOW - 1, 0, IL_JWT_OK);
    TIMES_ARE("\"nbf\":%lld.5", NOW, 0, IL_JWT_NOT_YET_VALID);

    /* integers beyond 64 bits do not parse */
    TIMES_ARE("\"exp\":%s", "99999999999999999999", 0, IL_JWT_MALFORMED);

    /* iat is read, not judged */
    TIMES_ARE("\"iat\":%lld", NOW + 1000, 0, IL_JWT_OK);

    /* a huge leeway is bounded, not overflowed */
    TIMES_ARE("\"nbf\":%lld", 9223372036854775807LL, 9223372036854775807L,
              IL_JWT_NOT_YET_VALID);
    TIMES_ARE("\"exp\":%lld", NOW - 1000, 9223372036854775807L, IL_JWT_OK);

    /* exp before nbf when both fail */
    TIMES_ARE("\"exp\":%lld,\"nbf\":9999999999", NOW - 100, 0,
              IL_JWT_EXPIRED);

#undef TIMES_ARE

    il_jwt_keyset_free(ks);
}


static void
test_key_files(void)
{
    int                rc;
    char               err[512], *tok, *pem;
    BIO               *b;
    size_t             len;
    EVP_PKEY          *small;
    unsigned char     *der;
    il_jwt_keyset_t   *ks;

    ks = il_jwt_keyset_new();

#define REFUSED(alg, file, kid, text)                                        \
    do {                                                                     \
        err[0] = '\0';                                                       \
        IL_CHECK_INT(il_jwt_keyset_add_file(ks, alg, path(file), kid, err,   \
                                            sizeof(err)), -1);               \
        IL_CHECK(strstr(err, path(file)) != NULL);                           \
        if (strstr(err, text) == NULL) {                                     \
            il_test_failed++;                                                \
            fprintf(stderr, "%s:%d: \"%s\" lacks \"%s\"\n", __FILE__,        \
                    __LINE__, err, text);                                    \
        }                                                                    \
    } while (0)

    write_file("empty", "", 0);
    write_file("junk.pem", "hello\n", 6);
    write_file("short.key", "0123456789abcdef", 16);
    write_file("bad.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n"
               "-----END PUBLIC KEY-----\n", 57);

    REFUSED("HS256", "empty", NULL, "is empty");
    REFUSED("RS256", "empty", NULL, "is empty");
    REFUSED("RS256", "missing.pem", NULL, "cannot open");
    REFUSED("RS256", "junk.pem", NULL, "not a PEM");
    REFUSED("ES256", "bad.pem", NULL, "does not parse");
    REFUSED("RS256", "rsa.key", NULL, "not a public key");
    REFUSED("ES256", "rsa.pub", NULL, "needs an EC key on P-256");
    REFUSED("ES256", "ec384.pub", NULL, "needs an EC key on P-256");
    REFUSED("ES512", "ec256.pub", NULL, "P-521");
    REFUSED("RS256", "ec256.pub", NULL, "needs an RSA key");
    REFUSED("HS256", "short.key", NULL, "at least 32 bytes");
    REFUSED("HS512", "ec256.pub", NULL, "a PEM key, not a secret");
    REFUSED("HS1024", "hs.key", NULL, "unknown algorithm");
    REFUSED("none", "hs.key", NULL, "unknown algorithm");
    REFUSED("hs256", "hs.key", NULL, "unknown algorithm");

    /* RSA under 2048 bits */
    small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 1024);
    write_pubkey("rsa1024.pub", small);
    EVP_PKEY_free(small);
    REFUSED("RS256", "rsa1024.pub", NULL, "at least 2048");

    IL_CHECK_INT(il_jwt_keyset_count(ks), 0);

    /* kid rules: named keys are unique; unnamed ones one per algorithm */
    IL_CHECK(il_jwt_keyset_add_file(ks, "HS256", path("hs.key"), "a", err,
                                    sizeof(err)) == 0);
    REFUSED("HS384", "hs.key", "a", "kid \"a\" is duplicate");
    REFUSED("HS256", "hs.key", "", "empty kid");
    IL_CHECK(il_jwt_keyset_add_file(ks, "HS256", path("hs.key"), NULL, err,
                                    sizeof(err)) == 0);
    REFUSED("HS256", "hs.key", NULL, "second HS256 key without kid");
    IL_CHECK(il_jwt_keyset_add_file(ks, "HS384", path("hs.key"), NULL, err,
                                    sizeof(err)) == 0);
    IL_CHECK_INT(il_jwt_keyset_count(ks), 3);

    /* two HS256 keys now fit a token without kid: it cannot choose */
    tok = mint("{\"alg\":\"HS256\"}", "{\"org_id\":\"o\",\"jti\":\"j\"}",
               "HS256", NULL, hs_secret, sizeof(hs_secret));
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_UNKNOWN_KID);
    free(tok);

    il_jwt_keyset_free(ks);

    /* an "RSA PUBLIC KEY" (PKCS#1) file works like the SPKI one */
    der = NULL;
    len = i2d_PublicKey(rsa, &der);
    b = BIO_new_file(path("rsa1.pub"), "w");
    PEM_write_bio(b, "RSA PUBLIC KEY", "", der, len);
    BIO_free(b);
    OPENSSL_free(der);

    pem = read_all("rsa1.pub", &len);
    IL_CHECK(strstr(pem, "BEGIN RSA PUBLIC KEY") != NULL);
    free(pem);

    ks = keyset_of("RS512", path("rsa1.pub"), NULL);
    tok = mint("{\"alg\":\"RS512\"}", "{\"org_id\":\"o\",\"jti\":\"j\"}",
               "RS512", rsa, NULL, 0);
    IL_CHECK_INT(verify(ks, NULL, tok, NOW), IL_JWT_OK);
    free(tok);
    il_jwt_keyset_free(ks);

    /* ...but not for EC */
    ks = il_jwt_keyset_new();
    REFUSED("ES256", "rsa1.pub", NULL, "not a public key");
    il_jwt_keyset_free(ks);

    /* a key given directly: empty is refused, whatever the algorithm */
    ks = il_jwt_keyset_new();
    rc = il_jwt_keyset_add_key(ks, "HS256", NULL, hs_secret, 0, "\"x\"",
                               err, sizeof(err));
    IL_CHECK_INT(rc, -1);
    IL_CHECK_STR(err, "\"x\" is empty");
    il_jwt_keyset_free(ks);

#undef REFUSED
}


static char *
jwk_of(EVP_PKEY *pkey, const char *kid, const char *alg)
{
    char           *out, *x, *y, *n, *e, *kid_member, *alg_member;
    size_t          len, half;
    BIGNUM         *bn_n, *bn_e;
    unsigned char   buf[1024];

    kid_member = claims(kid ? ",\"kid\":\"%s\"" : "%s", kid ? kid : "");
    kid_member = strdup(kid_member);
    alg_member = strdup(claims(alg ? ",\"alg\":\"%s\"" : "%s",
                               alg ? alg : ""));
    out = malloc(4096);

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        bn_n = NULL;
        bn_e = NULL;
        EVP_PKEY_get_bn_param(pkey, "n", &bn_n);
        EVP_PKEY_get_bn_param(pkey, "e", &bn_e);
        len = BN_bn2bin(bn_n, buf);
        n = b64url(buf, len);
        len = BN_bn2bin(bn_e, buf);
        e = b64url(buf, len);
        snprintf(out, 4096, "{\"kty\":\"RSA\"%s%s,\"n\":\"%s\",\"e\":\"%s\"}",
                 kid_member, alg_member, n, e);
        free(n);
        free(e);
        BN_free(bn_n);
        BN_free(bn_e);

    } else {
        EVP_PKEY_get_octet_string_param(pkey, "pub", buf, sizeof(buf), &len);
        half = (len - 1) / 2;
        x = b64url(buf + 1, half);
        y = b64url(buf + 1 + half, half);
        snprintf(out, 4096, "{\"kty\":\"EC\"%s%s,\"crv\":\"%s\",\"x\":\"%s\","
                 "\"y\":\"%s\"}", kid_member, alg_member,
                 half == 32 ? "P-256" : half == 48 ? "P-384" : "P-521", x, y);
        free(x);
        free(y);
    }

    free(kid_member);
    free(alg_member);

    return out;
}


static void
test_jwks(void)
{
    char              *a, *b, *r, *e5, *h, *tok, *payload, err[512];
    char              *doc, *k;
    size_t             len;
    il_jwt_keyset_t   *ks;

    a = jwk_of(ec256, "a", "ES256");
    b = jwk_of(ec256b, "b", "ES256");
    r = jwk_of(rsa, "r", "RS256");
    e5 = jwk_of(ec521, "e5", "ES512");
    k = b64url(hs_secret, sizeof(hs_secret));
    h = strdup(claims("{\"kty\":\"oct\",\"kid\":\"h\",\"alg\":\"HS384\","
                      "\"k\":\"%s\",\"use\":\"sig\"}", k));
    free(k);

    doc = malloc(16384);
    snprintf(doc, 16384, "{\"keys\":[%s,%s,%s,%s,%s,"
             "{\"kty\":\"RSA\",\"use\":\"enc\",\"kid\":\"wrap\","
             "\"alg\":\"RSA-OAEP\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
             a, b, r, e5, h);
    write_file("jwks.json", doc, strlen(doc));

    ks = il_jwt_keyset_new();
    IL_CHECK_INT(il_jwt_keyset_add_jwks(ks, path("jwks.json"), err,
                                        sizeof(err)), 0);
    IL_CHECK_INT(il_jwt_keyset_count(ks), 5);

    payload = claims("{\"org_id\":\"o\",\"jti\":\"j\"}");

#define JWKS_IS(header, alg, key, want)                                      \
    do {                                                                     \
        tok = mint(header, payload, alg, key, hs_secret, sizeof(hs_secret)); \
        IL_CHECK_INT(verify(ks, NULL, tok, NOW), want);                      \
        free(tok);                                                           \
    } while (0)

    /* each token picks its key by kid */
    JWKS_IS("{\"alg\":\"ES256\",\"kid\":\"a\"}", "ES256", ec256, IL_JWT_OK);
    JWKS_IS("{\"alg\":\"ES256\",\"kid\":\"b\"}", "ES256", ec256b, IL_JWT_OK);
    JWKS_IS("{\"alg\":\"ES256\",\"kid\":\"b\"}", "ES256", ec256,
            IL_JWT_BAD_SIGNATURE);
    JWKS_IS("{\"alg\":\"ES256\",\"kid\":\"a\"}", "ES256", ec256b,
            IL_JWT_BAD_SIGNATURE);
    JWKS_IS("{\"alg\":\"RS256\",\"kid\":\"r\"}", "RS256", rsa, IL_JWT_OK);
    JWKS_IS("{\"alg\":\"ES512\",\"kid\":\"e5\"}", "ES512", ec521,
            IL_JWT_OK);
    JWKS_IS("{\"alg\":\"HS384\",\"kid\":\"h\"}", "HS384", NULL, IL_JWT_OK);

    /* two ES256 keys fit a token without kid; one RS256 key does */
    JWKS_IS("{\"alg\":\"ES256\"}", "ES256", ec256, IL_JWT_UNKNOWN_KID);
    JWKS_IS("{\"alg\":\"RS256\"}", "RS256", rsa, IL_JWT_OK);

    /* a kid and another algorithm; a skipped encryption key */
    JWKS_IS("{\"alg\":\"ES256\",\"kid\":\"r\"}", "ES256", ec256,
            IL_JWT_ALGORITHM);
    JWKS_IS("{\"alg\":\"RS256\",\"kid\":\"wrap\"}", "RS256", rsa,
            IL_JWT_UNKNOWN_KID);

    /* the same JWKS twice: every kid is duplicate */
    IL_CHECK_INT(il_jwt_keyset_add_jwks(ks, path("jwks.json"), err,
                                        sizeof(err)), -1);
    IL_CHECK(strstr(err, "is duplicate") != NULL);

    il_jwt_keyset_free(ks);

#undef JWKS_IS

#define JWKS_REFUSED(text, ...)                                              \
    do {                                                                     \
        snprintf(doc, 16384, __VA_ARGS__);                                   \
        write_file("bad.json", doc, strlen(doc));                            \
        ks = il_jwt_keyset_new();                                            \
        err[0] = '\0';                                                       \
        IL_CHECK_INT(il_jwt_keyset_add_jwks(ks, path("bad.json"), err,       \
                                            sizeof(err)), -1);               \
        IL_CHECK(strstr(err, path("bad.json")) != NULL);                     \
        if (strstr(err, text) == NULL) {                                     \
            il_test_failed++;                                                \
            fprintf(stderr, "%s:%d: \"%s\" lacks \"%s\"\n", __FILE__,        \
                    __LINE__, err, text);                                    \
        }                                                                    \
        il_jwt_keyset_free(ks);                                              \
    } while (0)

    free(a);
    a = jwk_of(ec256, "a", NULL);
    JWKS_REFUSED("key 1 (\"a\") has no \"alg\" (pinning needs one)",
                 "{\"keys\":[%s]}", a);
    JWKS_REFUSED("key 2 (\"a\") has no \"alg\"", "{\"keys\":[%s,%s]}", b, a);
    JWKS_REFUSED("invalid JSON at line 1", "{\"keys\":[%s", b);
    JWKS_REFUSED("has no \"keys\" array", "{\"key\":[%s]}", b);
    JWKS_REFUSED("has no signing key", "{\"keys\":[]}");
    JWKS_REFUSED("has no signing key", "{\"keys\":[{\"kty\":\"oct\","
                 "\"use\":\"enc\",\"k\":\"AA\"}]}");
    JWKS_REFUSED("does not fit", "{\"keys\":[{\"kty\":\"oct\",\"alg\":"
                 "\"RS256\",\"k\":\"AAAA\"}]}");
    JWKS_REFUSED("has no \"k\"", "{\"keys\":[{\"kty\":\"oct\",\"alg\":"
                 "\"HS256\",\"k\":\"\"}]}");
    JWKS_REFUSED("not base64url", "{\"keys\":[{\"kty\":\"oct\",\"alg\":"
                 "\"HS256\",\"k\":\"AA==\"}]}");
    JWKS_REFUSED("at least 32 bytes", "{\"keys\":[{\"kty\":\"oct\",\"alg\":"
                 "\"HS256\",\"k\":\"AAAA\"}]}");
    JWKS_REFUSED("unknown \"use\"", "{\"keys\":[{\"kty\":\"oct\",\"alg\":"
                 "\"HS256\",\"k\":\"AAAA\",\"use\":\"both\"}]}");
    JWKS_REFUSED("no \"kty\"", "{\"keys\":[{\"alg\":\"HS256\"}]}");
    JWKS_REFUSED("not an object", "{\"keys\":[1]}");

    /* P-256 coordinates under an ES384 claim, and a point off the curve */
    free(a);
    a = jwk_of(ec256, "a", "ES384");
    JWKS_REFUSED("needs \"crv\" \"P-384\"", "{\"keys\":[%s]}", a);

    free(a);
    a = jwk_of(ec256, "a", "ES256");
    len = strlen(a);
    a[len - 4] = a[len - 4] == 'A' ? 'B' : 'A';
    JWKS_REFUSED("not a point on P-256", "{\"keys\":[%s]}", a);

    free(a);
    free(b);
    free(r);
    free(e5);
    free(h);
    free(doc);

#undef JWKS_REFUSED
}


static void
test_cache(void)
{
    int                scope1, scope2;
    char              *t1, *t2, *t3, *t4, err[512], tok[32];
    long               allocs;
    size_t             i;
    il_jwt_cache_t    *cache;
    il_jwt_claims_t   *c1, *c2, *c3, *c4, *c;
    il_jwt_keyset_t   *ks;

    ks = il_jwt_keyset_new();
    il_jwt_keyset_add_file(ks, "HS256", path("hs.key"), NULL, err,
                           sizeof(err));

#define CACHE_TOKEN(n, exp, tok, c)                                          \
    do {                                                                     \
        tok = mint("{\"alg\":\"HS256\"}",                                    \
                   claims("{\"org_id\":\"o%d\",\"jti\":\"j\",\"exp\":%lld}", \
                          n, (long long) (exp)),                             \
                   "HS256", NULL, hs_secret, sizeof(hs_secret));             \
        IL_CHECK_INT(il_jwt_verify(ks, NULL, tok, strlen(tok), NOW, &c),     \
                     IL_JWT_OK);                                             \
    } while (0)

    CACHE_TOKEN(1, NOW + 100, t1, c1);
    CACHE_TOKEN(2, NOW + 100, t2, c2);
    CACHE_TOKEN(3, NOW + 100, t3, c3);
    CACHE_TOKEN(4, NOW + 10, t4, c4);

    cache = il_jwt_cache_new(2);

    /* miss, put, hit */
    IL_CHECK(il_jwt_cache_get(cache, &scope1, t1, strlen(t1), NOW) == NULL);
    il_jwt_cache_put(cache, &scope1, t1, strlen(t1), c1, NOW);
    IL_CHECK_INT(c1->refcount, 2);

    c = il_jwt_cache_get(cache, &scope1, t1, strlen(t1), NOW);
    IL_CHECK(c == c1);
    IL_CHECK_INT(c1->refcount, 3);
    il_jwt_claims_unref(c);

    /* a different token, or a prefix of it, is a miss */
    IL_CHECK(il_jwt_cache_get(cache, &scope1, t2, strlen(t2), NOW) == NULL);
    IL_CHECK(il_jwt_cache_get(cache, &scope1, t1, strlen(t1) - 1, NOW)
             == NULL);

    /* another scope: no hit */
    IL_CHECK(il_jwt_cache_get(cache, &scope2, t1, strlen(t1), NOW) == NULL);

    /* a hit allocates nothing, not even inside OpenSSL */
    allocs = ossl_allocs;
    for (i = 0; i < 100; i++) {
        c = il_jwt_cache_get(cache, &scope1, t1, strlen(t1), NOW);
        il_jwt_claims_unref(c);
    }
    IL_CHECK_INT(ossl_allocs - allocs, 0);

    /* LRU: t1 is used after t2 came in, so t3 evicts t2 */
    il_jwt_cache_put(cache, &scope1, t2, strlen(t2), c2, NOW);
    IL_CHECK_INT(il_jwt_cache_count(cache), 2);
    c = il_jwt_cache_get(cache, &scope1, t1, strlen(t1), NOW);
    il_jwt_claims_unref(c);
    il_jwt_cache_put(cache, &scope1, t3, strlen(t3), c3, NOW);
    IL_CHECK_INT(il_jwt_cache_count(cache), 2);
    IL_CHECK_INT(c2->refcount, 1);

    c = il_jwt_cache_get(cache, &scope1, t2, strlen(t2), NOW);
    IL_CHECK(c == NULL);
    c = il_jwt_cache_get(cache, &scope1, t1, strlen(t1), NOW);
    IL_CHECK(c == c1);
    il_jwt_claims_unref(c);
    c = il_jwt_cache_get(cache, &scope1, t3, strlen(t3), NOW);
    IL_CHECK(c == c3);

    /* claims outlive their eviction: t3 is held, then pushed out */
    il_jwt_cache_put(cache, &scope2, t1, strlen(t1), c1, NOW);
    il_jwt_cache_put(cache, &scope2, t2, strlen(t2), c2, NOW);
    IL_CHECK(il_jwt_cache_get(cache, &scope1, t3, strlen(t3), NOW) == NULL);
    il_jwt_claims_unref(c3);
    IL_CHECK_INT(c->refcount, 1);
    IL_CHECK_STR(c->org_id.data, "o3");
    IL_CHECK_INT(il_jwt_check_times(c, NOW, 30), IL_JWT_OK);
    il_jwt_claims_unref(c);

    /* scope separation the other way round */
    c = il_jwt_cache_get(cache, &scope2, t1, strlen(t1), NOW);
    IL_CHECK(c == c1);
    il_jwt_claims_unref(c);
    IL_CHECK(il_jwt_cache_get(cache, &scope1, t1, strlen(t1), NOW) == NULL);

    /* a second put of one token replaces, it does not add */
    il_jwt_cache_put(cache, &scope2, t1, strlen(t1), c1, NOW);
    IL_CHECK_INT(il_jwt_cache_count(cache), 2);
    IL_CHECK_INT(c1->refcount, 2);

    /* valid no longer than exp, whatever leeway the caller has */
    il_jwt_cache_put(cache, &scope1, t4, strlen(t4), c4, NOW);
    c = il_jwt_cache_get(cache, &scope1, t4, strlen(t4), NOW + 9);
    IL_CHECK(c == c4);
    il_jwt_claims_unref(c);
    IL_CHECK(il_jwt_cache_get(cache, &scope1, t4, strlen(t4), NOW + 10)
             == NULL);
    IL_CHECK_INT(il_jwt_cache_count(cache), 1);
    IL_CHECK_INT(c4->refcount, 1);

    /* and an expired token is not stored */
    il_jwt_cache_put(cache, &scope1, t4, strlen(t4), c4, NOW + 10);
    IL_CHECK_INT(il_jwt_cache_count(cache), 1);

    il_jwt_cache_free(cache);
    IL_CHECK_INT(c1->refcount, 1);

    /* 0 disables; NULL is accepted */
    cache = il_jwt_cache_new(0);
    IL_CHECK(cache != NULL);
    il_jwt_cache_put(cache, &scope1, t1, strlen(t1), c1, NOW);
    IL_CHECK(il_jwt_cache_get(cache, &scope1, t1, strlen(t1), NOW) == NULL);
    IL_CHECK_INT(c1->refcount, 1);
    il_jwt_cache_free(cache);

    il_jwt_cache_put(NULL, &scope1, t1, strlen(t1), c1, NOW);
    IL_CHECK(il_jwt_cache_get(NULL, &scope1, t1, strlen(t1), NOW) == NULL);

    /* many tokens through a small cache keep it at its bound */
    cache = il_jwt_cache_new(50);
    for (i = 0; i < 500; i++) {
        snprintf(tok, sizeof(tok), "token-%zu", i);
        il_jwt_cache_put(cache, &scope1, tok, strlen(tok), c1, NOW);
    }
    IL_CHECK_INT(il_jwt_cache_count(cache), 50);
    IL_CHECK_INT(c1->refcount, 51);
    c = il_jwt_cache_get(cache, &scope1, "token-499", 9, NOW);
    IL_CHECK(c == c1);
    il_jwt_claims_unref(c);
    IL_CHECK(il_jwt_cache_get(cache, &scope1, "token-449", 9, NOW) == NULL);
    il_jwt_cache_free(cache);
    IL_CHECK_INT(c1->refcount, 1);

#undef CACHE_TOKEN

    il_jwt_claims_unref(c1);
    il_jwt_claims_unref(c2);
    il_jwt_claims_unref(c4);
    free(t1);
    free(t2);
    free(t3);
    free(t4);
    il_jwt_keyset_free(ks);
}


/*
 * Lines of FILE: "key ALG PATH [KID]", "jwks PATH", "policy ISS AUD"
 * ("-" for none), "now SECONDS", and "token REASON LABEL TOKEN": each
 * token must give that reason.
 */

static int
interop(const char *file)
{
    int                failed, n, k;
    char               line[IL_JWT_TOKEN_MAX + 512], a[64], b[512], c[512];
    char              *tok, err[512], iss[512], aud[512];
    FILE              *f;
    long long          now;
    il_jwt_rc_e        rc;
    il_jwt_claims_t   *claims;
    il_jwt_keyset_t   *ks;
    il_jwt_policy_t    p;

    f = fopen(file, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", file, strerror(errno));
        return 2;
    }

    ks = il_jwt_keyset_new();
    memset(&p, 0, sizeof(p));
    p.leeway = IL_JWT_LEEWAY_DEFAULT;
    now = time(NULL);
    failed = 0;
    n = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';

        k = sscanf(line, "key %63s %511s %511s", a, b, c);

        if (k >= 2) {
            if (il_jwt_keyset_add_file(ks, a, b, k == 3 ? c : NULL, err,
                                       sizeof(err))
                != 0)
            {
                fprintf(stderr, "key: %s\n", err);
                failed++;
            }

        } else if (sscanf(line, "jwks %511s", b) == 1) {
            if (il_jwt_keyset_add_jwks(ks, b, err, sizeof(err)) != 0) {
                fprintf(stderr, "jwks: %s\n", err);
                failed++;
            }

        } else if (sscanf(line, "policy %511s %511s", iss, aud) == 2) {
            p.issuer = strcmp(iss, "-") ? iss : NULL;
            p.audience = strcmp(aud, "-") ? aud : NULL;

        } else if (sscanf(line, "now %lld", &now) == 1) {
            /* void */

        } else if (sscanf(line, "token %63s %511s", a, b) == 2) {
            tok = strchr(strchr(line + 6, ' ') + 1, ' ') + 1;
            rc = il_jwt_verify(ks, &p, tok, strlen(tok), (time_t) now,
                               &claims);
            n++;

            if (strcmp(il_jwt_reason(rc), a) != 0) {
                fprintf(stderr, "interop: %s: got %s, want %s\n", b,
                        il_jwt_reason(rc), a);
                failed++;

            } else {
                printf("ok %d - %s: %s\n", n, b, a);
            }

            il_jwt_claims_unref(claims);

        } else if (line[0] != '\0' && line[0] != '#') {
            fprintf(stderr, "interop: cannot read line \"%.60s\"\n", line);
            failed++;
        }
    }

    fclose(f);
    il_jwt_keyset_free(ks);

    printf("interop: %d tokens, %d failed\n", n, failed);

    return (failed || n == 0) ? 1 : 0;
}


int
main(int argc, char **argv)
{
    int              i;
    BIO             *b;
    char             tmpl[32], cmd[600];

    static char         names[9][16];

    static const char  *algs[9] = {
        "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
        "ES256", "ES384", "ES512"
    };

    /* Counts OpenSSL's allocations; it must be set before any of them. */
    CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);

    if (argc == 3 && strcmp(argv[1], "--interop") == 0) {
        return interop(argv[2]);
    }

    /* mkdtemp() replaces the six X's at the end */
    snprintf(tmpl, sizeof(tmpl), "/tmp/il_jwt_");
    memset(tmpl + strlen(tmpl), 'X', 6);
    tmpl[sizeof("/tmp/il_jwt_") - 1 + 6] = '\0';

    dir = mkdtemp(tmpl);
    if (dir == NULL) {
        perror("mkdtemp");
        return 2;
    }

    rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec256b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    ec521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");

    if (rsa == NULL || ec256 == NULL || ec256b == NULL || ec384 == NULL
        || ec521 == NULL || RAND_bytes(hs_secret, sizeof(hs_secret)) != 1)
    {
        fprintf(stderr, "key generation failed\n");
        return 2;
    }

    write_file("hs.key", hs_secret, sizeof(hs_secret));
    write_pubkey("rsa.pub", rsa);
    write_pubkey("ec256.pub", ec256);
    write_pubkey("ec384.pub", ec384);
    write_pubkey("ec521.pub", ec521);

    b = BIO_new_file(path("rsa.key"), "w");
    PEM_write_bio_PrivateKey(b, rsa, NULL, NULL, 0, NULL, NULL);
    BIO_free(b);

    for (i = 0; i < 9; i++) {
        keys[i].alg = algs[i];
        keys[i].pkey = i < 3 ? NULL : i < 6 ? rsa
                       : i == 6 ? ec256 : i == 7 ? ec384 : ec521;
        snprintf(names[i], sizeof(names[i]), "%s",
                 i < 3 ? "hs.key" : i < 6 ? "rsa.pub"
                 : i == 6 ? "ec256.pub" : i == 7 ? "ec384.pub" : "ec521.pub");
        keys[i].file = strdup(path(names[i]));
    }

    test_reasons();
    test_base64url();
    test_bearer();
    test_algorithms();
    test_pinning();
    test_structure();
    test_claims();
    test_times();
    test_key_files();
    test_jwks();
    test_cache();

    for (i = 0; i < 9; i++) {
        free((char *) keys[i].file);
    }

    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec256);
    EVP_PKEY_free(ec256b);
    EVP_PKEY_free(ec384);
    EVP_PKEY_free(ec521);

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", dir);
    }

    return il_test_result("test_jwt");
}
