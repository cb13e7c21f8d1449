
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "il_jwt.h"


#define IL_JWT_KEY_FILE_MAX  (64 * 1024)
#define IL_JWT_RSA_BITS_MIN  2048

/* Decoded header or payload: base64url gives 3 bytes for every 4. */
#define IL_JWT_DECODED_MAX   (IL_JWT_TOKEN_MAX / 4 * 3 + 3)


typedef struct {
    const char  *name;
    jwt_alg_t    alg;
    char         family;     /* 'H'MAC, 'R'SA or 'E'C */
    size_t       hash_size;  /* bytes; the shortest HMAC secret allowed */
    const char  *group;      /* OpenSSL's name of the curve */
    const char  *curve;      /* the curve's JOSE name */
} il_jwt_alg_t;


typedef struct {
    char            *kid;      /* NULL: the key has no name */
    size_t           kid_len;
    jwt_alg_t        alg;
    unsigned char   *key;      /* what jwt_decode() takes */
    size_t           key_len;
} il_jwt_key_t;


struct il_jwt_keyset_s {
    il_jwt_key_t    *keys;
    size_t           n;
    size_t           cap;
};


typedef struct {
    unsigned         has_exp:1;
    unsigned         has_nbf:1;
    unsigned         has_iat:1;
    long long        exp;
    long long        nbf;
    long long        iat;
} il_jwt_times_t;


static const il_jwt_alg_t *il_jwt_alg_find(const char *name, size_t len);
static int il_jwt_pem_load(const il_jwt_alg_t *a, const unsigned char *pem,
    size_t len, const char *where, unsigned char **out, size_t *out_len,
    char *err, size_t errlen);
static il_jwt_rc_e il_jwt_decode_json(const char *s, size_t len,
    json_t **json);
static il_jwt_rc_e il_jwt_header(json_t *header, const il_jwt_alg_t **a,
    const char **kid, size_t *kid_len);
static il_jwt_rc_e il_jwt_select(const il_jwt_keyset_t *ks,
    const il_jwt_alg_t *a, const char *kid, size_t kid_len,
    const il_jwt_key_t **key);
static il_jwt_rc_e il_jwt_signature(const il_jwt_key_t *key,
    const char *token, size_t len, size_t sig_len);
static il_jwt_rc_e il_jwt_payload(json_t *payload, il_jwt_times_t *t);
static int il_jwt_string_claim(json_t *payload, const char *name,
    int required);
static int il_jwt_time_claim(json_t *payload, const char *name,
    long long *value, int round_up);
static il_jwt_rc_e il_jwt_times(const il_jwt_times_t *t, time_t now,
    long leeway);
static int il_jwt_string_is(json_t *v, const char *s);
static int il_jwt_audience(json_t *aud, const char *audience);
static il_jwt_rc_e il_jwt_claims_make(json_t *payload,
    const il_jwt_times_t *t, il_jwt_claims_t **claims);
static int il_jwt_b64token_char(unsigned char ch);


static const il_jwt_alg_t  il_jwt_algs[] = {
    { "HS256", JWT_ALG_HS256, 'H', 32, NULL, NULL },
    { "HS384", JWT_ALG_HS384, 'H', 48, NULL, NULL },
    { "HS512", JWT_ALG_HS512, 'H', 64, NULL, NULL },
    { "RS256", JWT_ALG_RS256, 'R', 32, NULL, NULL },
    { "RS384", JWT_ALG_RS384, 'R', 48, NULL, NULL },
    { "RS512", JWT_ALG_RS512, 'R', 64, NULL, NULL },
    { "ES256", JWT_ALG_ES256, 'E', 32, "prime256v1", "P-256" },
    { "ES384", JWT_ALG_ES384, 'E', 48, "secp384r1", "P-384" },
    { "ES512", JWT_ALG_ES512, 'E', 64, "secp521r1", "P-521" }
};


static const signed char  il_jwt_b64url[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
};


const char *
il_jwt_reason(il_jwt_rc_e rc)
{
    switch (rc) {
    case IL_JWT_OK:
        return "ok";
    case IL_JWT_MISSING:
        return "missing";
    case IL_JWT_MALFORMED:
        return "malformed";
    case IL_JWT_BAD_SIGNATURE:
        return "bad_signature";
    case IL_JWT_ALGORITHM:
        return "algorithm";
    case IL_JWT_UNKNOWN_KID:
        return "unknown_kid";
    case IL_JWT_EXPIRED:
        return "expired";
    case IL_JWT_NOT_YET_VALID:
        return "not_yet_valid";
    case IL_JWT_CLAIM:
        return "claim";
    case IL_JWT_ISSUER:
        return "issuer";
    case IL_JWT_AUDIENCE:
        return "audience";
    case IL_JWT_INSTANCE:
        return "instance";
    case IL_JWT_REVOKED:
        return "revoked";
    case IL_JWT_TOO_LARGE:
        return "too_large";
    case IL_JWT_NOMEM:
        return "nomem";
    }

    return "unknown";
}


const char *
il_jwt_description(il_jwt_rc_e rc)
{
    switch (rc) {
    case IL_JWT_OK:
        return NULL;
    case IL_JWT_MISSING:
        return "A bearer token is required";
    case IL_JWT_MALFORMED:
        return "The token is malformed";
    case IL_JWT_BAD_SIGNATURE:
        return "The token signature is invalid";
    case IL_JWT_ALGORITHM:
        return "The token algorithm is not accepted";
    case IL_JWT_UNKNOWN_KID:
        return "The token key is unknown";
    case IL_JWT_EXPIRED:
        return "The token has expired";
    case IL_JWT_NOT_YET_VALID:
        return "The token is not yet valid";
    case IL_JWT_CLAIM:
        return "The token claims are invalid";
    case IL_JWT_ISSUER:
        return "The token issuer is not accepted";
    case IL_JWT_AUDIENCE:
        return "The token audience is not accepted";
    case IL_JWT_INSTANCE:
        return "The token is not valid for this instance";
    case IL_JWT_REVOKED:
        return "The token has been revoked";
    case IL_JWT_TOO_LARGE:
        return "The token is too large";
    case IL_JWT_NOMEM:
        return "The token could not be checked";
    }

    return "The token is invalid";
}


const char *
il_jwt_error(il_jwt_rc_e rc)
{
    switch (rc) {
    case IL_JWT_OK:
    case IL_JWT_MISSING:
    case IL_JWT_NOMEM:
        return NULL;
    default:
        return "invalid_token";
    }
}


il_jwt_keyset_t *
il_jwt_keyset_new(void)
{
    return calloc(1, sizeof(il_jwt_keyset_t));
}


void
il_jwt_keyset_free(il_jwt_keyset_t *ks)
{
    size_t  i;

    if (ks == NULL) {
        return;
    }

    for (i = 0; i < ks->n; i++) {
        OPENSSL_cleanse(ks->keys[i].key, ks->keys[i].key_len);
        free(ks->keys[i].key);
        free(ks->keys[i].kid);
    }

    free(ks->keys);
    free(ks);
}


size_t
il_jwt_keyset_count(const il_jwt_keyset_t *ks)
{
    return ks ? ks->n : 0;
}


int
il_jwt_keyset_add_file(il_jwt_keyset_t *ks, const char *alg,
    const char *file, const char *kid, char *err, size_t errlen)
{
    int             rc;
    char            where[512];
    size_t          len;
    unsigned char  *data;

    data = il_jwt_read_file(file, IL_JWT_KEY_FILE_MAX, &len, err, errlen);
    if (data == NULL) {
        return -1;
    }

    snprintf(where, sizeof(where), "\"%s\"", file);

    rc = il_jwt_keyset_add_key(ks, alg, kid, data, len, where, err, errlen);

    OPENSSL_cleanse(data, len);
    free(data);

    return rc;
}


int
il_jwt_keyset_add_key(il_jwt_keyset_t *ks, const char *alg,
    const char *kid, const unsigned char *key, size_t key_len,
    const char *where, char *err, size_t errlen)
{
    size_t               i, cap, out_len;
    il_jwt_key_t        *keys, *k;
    unsigned char       *out;
    const il_jwt_alg_t  *a;

    a = il_jwt_alg_find(alg, strlen(alg));
    if (a == NULL) {
        snprintf(err, errlen, "%s: unknown algorithm \"%s\"", where, alg);
        return -1;
    }

    if (kid != NULL && kid[0] == '\0') {
        snprintf(err, errlen, "%s: empty kid", where);
        return -1;
    }

    for (i = 0; i < ks->n; i++) {
        k = &ks->keys[i];

        if (kid != NULL && k->kid != NULL && strcmp(k->kid, kid) == 0) {
            snprintf(err, errlen, "%s: kid \"%s\" is duplicate", where, kid);
            return -1;
        }

        /*
         * Two unnamed keys for one algorithm could never be told apart:
         * a token without kid would fit both.
         */
        if (kid == NULL && k->kid == NULL && k->alg == a->alg) {
            snprintf(err, errlen, "%s: a second %s key without kid",
                     where, a->name);
            return -1;
        }
    }

    if (key_len == 0) {
        snprintf(err, errlen, "%s is empty", where);
        return -1;
    }

    if (key_len > INT_MAX) {
        snprintf(err, errlen, "%s is too large", where);
        return -1;
    }

    if (a->family == 'H') {
        /* Guards against configuring the very mistake of alg confusion. */
        if (key_len >= 10 && memcmp(key, "-----BEGIN", 10) == 0) {
            snprintf(err, errlen, "%s: %s is given a PEM key, not a secret",
                     where, a->name);
            return -1;
        }

        if (key_len < a->hash_size) {
            snprintf(err, errlen, "%s: %s needs a secret of at least %zu "
                     "bytes, this one has %zu", where, a->name, a->hash_size,
                     key_len);
            return -1;
        }

        out = malloc(key_len);
        if (out == NULL) {
            snprintf(err, errlen, "%s: out of memory", where);
            return -1;
        }

        memcpy(out, key, key_len);
        out_len = key_len;

    } else if (il_jwt_pem_load(a, key, key_len, where, &out, &out_len,
                               err, errlen)
               != 0)
    {
        return -1;
    }

    if (ks->n == ks->cap) {
        cap = ks->cap ? ks->cap * 2 : 4;
        keys = realloc(ks->keys, cap * sizeof(il_jwt_key_t));
        if (keys == NULL) {
            goto nomem;
        }

        ks->keys = keys;
        ks->cap = cap;
    }

    k = &ks->keys[ks->n];
    memset(k, 0, sizeof(il_jwt_key_t));

    if (kid != NULL) {
        k->kid = strdup(kid);
        if (k->kid == NULL) {
            goto nomem;
        }

        k->kid_len = strlen(kid);
    }

    k->alg = a->alg;
    k->key = out;
    k->key_len = out_len;
    ks->n++;

    return 0;

nomem:

    OPENSSL_cleanse(out, out_len);
    free(out);
    snprintf(err, errlen, "%s: out of memory", where);

    return -1;
}


static const il_jwt_alg_t *
il_jwt_alg_find(const char *name, size_t len)
{
    size_t  i;

    /* JWS algorithm names are case-sensitive (RFC 7515, 4.1.1). */
    for (i = 0; i < sizeof(il_jwt_algs) / sizeof(il_jwt_algs[0]); i++) {
        if (len == 5 && memcmp(name, il_jwt_algs[i].name, 5) == 0) {
            return &il_jwt_algs[i];
        }
    }

    return NULL;
}


static int
il_jwt_pem_load(const il_jwt_alg_t *a, const unsigned char *pem,
    size_t len, const char *where, unsigned char **out, size_t *out_len,
    char *err, size_t errlen)
{
    int                   rc;
    BIO                  *in, *mem;
    char                 *name, *header, group[64], *data;
    long                  der_len, n;
    size_t                group_len;
    EVP_PKEY             *pkey;
    EVP_PKEY_CTX         *ctx;
    unsigned char        *der;
    const unsigned char  *p;

    rc = -1;
    name = NULL;
    header = NULL;
    der = NULL;
    pkey = NULL;
    ctx = NULL;
    mem = NULL;

    in = BIO_new_mem_buf(pem, (int) len);
    if (in == NULL) {
        snprintf(err, errlen, "%s: out of memory", where);
        goto done;
    }

    if (PEM_read_bio(in, &name, &header, &der, &der_len) != 1) {
        snprintf(err, errlen, "%s is not a PEM file", where);
        goto done;
    }

    /*
     * libjwt reads only SubjectPublicKeyInfo, so every key is parsed here
     * and written out again in that form; a private key is refused rather
     * than quietly reduced to its public half.
     */
    p = der;

    if (strcmp(name, "PUBLIC KEY") == 0) {
        pkey = d2i_PUBKEY(NULL, &p, der_len);

    } else if (strcmp(name, "RSA PUBLIC KEY") == 0 && a->family == 'R') {
        pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, der_len);

    } else {
        snprintf(err, errlen, "%s holds a PEM \"%.40s\", not a public key",
                 where, name);
        goto done;
    }

    if (pkey == NULL || p != der + der_len) {
        snprintf(err, errlen, "%s: the public key does not parse", where);
        goto done;
    }

    if (a->family == 'R') {
        if (!EVP_PKEY_is_a(pkey, "RSA")) {
            snprintf(err, errlen, "%s: %s needs an RSA key", where, a->name);
            goto done;
        }

        if (EVP_PKEY_get_bits(pkey) < IL_JWT_RSA_BITS_MIN) {
            snprintf(err, errlen, "%s: the RSA key has %d bits, %s needs "
                     "at least %d", where, EVP_PKEY_get_bits(pkey), a->name,
                     IL_JWT_RSA_BITS_MIN);
            goto done;
        }

    } else {
        if (!EVP_PKEY_is_a(pkey, "EC")
            || EVP_PKEY_get_group_name(pkey, group, sizeof(group),
                                       &group_len)
               != 1
            || strcmp(group, a->group) != 0)
        {
            snprintf(err, errlen, "%s: %s needs an EC key on %s", where,
                     a->name, a->curve);
            goto done;
        }
    }

    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL || EVP_PKEY_public_check(ctx) != 1) {
        snprintf(err, errlen, "%s: the public key fails OpenSSL's check",
                 where);
        goto done;
    }

    mem = BIO_new(BIO_s_mem());
    if (mem == NULL || PEM_write_bio_PUBKEY(mem, pkey) != 1) {
        snprintf(err, errlen, "%s: out of memory", where);
        goto done;
    }

    n = BIO_get_mem_data(mem, &data);
    if (n <= 0) {
        snprintf(err, errlen, "%s: out of memory", where);
        goto done;
    }

    *out = malloc(n);
    if (*out == NULL) {
        snprintf(err, errlen, "%s: out of memory", where);
        goto done;
    }

    memcpy(*out, data, n);
    *out_len = n;
    rc = 0;

done:

    /* Leave nothing in OpenSSL's error queue for nginx's SSL code. */
    ERR_clear_error();

    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    BIO_free(mem);
    BIO_free(in);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);

    return rc;
}


il_jwt_rc_e
il_jwt_verify(const il_jwt_keyset_t *ks, const il_jwt_policy_t *p,
    const char *token, size_t len, time_t now, il_jwt_claims_t **claims)
{
    long                 leeway;
    size_t               kid_len, hlen, plen, slen;
    json_t              *header, *payload;
    const char          *dot1, *dot2, *kid;
    il_jwt_rc_e          rc;
    il_jwt_times_t       t;
    const il_jwt_alg_t  *a;
    const il_jwt_key_t  *key;

    *claims = NULL;

    if (len > IL_JWT_TOKEN_MAX) {
        return IL_JWT_TOO_LARGE;
    }

    dot1 = memchr(token, '.', len);
    if (dot1 == NULL) {
        return IL_JWT_MALFORMED;
    }

    hlen = dot1 - token;

    dot2 = memchr(dot1 + 1, '.', len - hlen - 1);
    if (dot2 == NULL) {
        return IL_JWT_MALFORMED;
    }

    plen = dot2 - dot1 - 1;
    slen = len - hlen - plen - 2;

    /*
     * The signature is checked for its alphabet here so that libjwt's
     * lenient decoder never sees what a strict one would refuse.
     */
    if (il_jwt_base64url_decode(dot2 + 1, slen, NULL, NULL) != 0) {
        return IL_JWT_MALFORMED;
    }

    header = NULL;
    payload = NULL;

    rc = il_jwt_decode_json(token, hlen, &header);
    if (rc != IL_JWT_OK) {
        goto done;
    }

    rc = il_jwt_decode_json(dot1 + 1, plen, &payload);
    if (rc != IL_JWT_OK) {
        goto done;
    }

    rc = il_jwt_header(header, &a, &kid, &kid_len);
    if (rc != IL_JWT_OK) {
        goto done;
    }

    rc = il_jwt_select(ks, a, kid, kid_len, &key);
    if (rc != IL_JWT_OK) {
        goto done;
    }

    rc = il_jwt_signature(key, token, len, slen);
    if (rc != IL_JWT_OK) {
        goto done;
    }

    rc = il_jwt_payload(payload, &t);
    if (rc != IL_JWT_OK) {
        goto done;
    }

    leeway = p ? p->leeway : IL_JWT_LEEWAY_DEFAULT;

    rc = il_jwt_times(&t, now, leeway);
    if (rc != IL_JWT_OK) {
        goto done;
    }

    if (p != NULL && p->issuer != NULL
        && !il_jwt_string_is(json_object_get(payload, "iss"), p->issuer))
    {
        rc = IL_JWT_ISSUER;
        goto done;
    }

    if (p != NULL && p->audience != NULL
        && !il_jwt_audience(json_object_get(payload, "aud"), p->audience))
    {
        rc = IL_JWT_AUDIENCE;
        goto done;
    }

    rc = il_jwt_claims_make(payload, &t, claims);

done:

    json_decref(header);
    json_decref(payload);

    return rc;
}


static il_jwt_rc_e
il_jwt_decode_json(const char *s, size_t len, json_t **json)
{
    size_t         n;
    json_error_t   error;
    unsigned char  buf[IL_JWT_DECODED_MAX];

    if (len == 0 || il_jwt_base64url_decode(s, len, buf, &n) != 0) {
        return IL_JWT_MALFORMED;
    }

    /*
     * A raw NUL is never JSON, yet jansson 2.14 lets one pass after a
     * number, and libjwt, reading the text as a C string, would then see
     * another document and call the signature bad.
     */
    if (memchr(buf, '\0', n) != NULL) {
        return IL_JWT_MALFORMED;
    }

    /*
     * libjwt parses the same text again, keeping the last of duplicate
     * members; refusing duplicates keeps both readings identical.
     */
    *json = json_loadb((const char *) buf, n, JSON_REJECT_DUPLICATES, &error);
    if (*json == NULL) {
        return json_error_code(&error) == json_error_out_of_memory
               ? IL_JWT_NOMEM : IL_JWT_MALFORMED;
    }

    if (!json_is_object(*json)) {
        return IL_JWT_MALFORMED;
    }

    return IL_JWT_OK;
}


static il_jwt_rc_e
il_jwt_header(json_t *header, const il_jwt_alg_t **a, const char **kid,
    size_t *kid_len)
{
    json_t      *v;
    const char  *s;

    /* libjwt refuses any typ but "JWT" in any case; say so as malformed. */
    v = json_object_get(header, "typ");
    if (v != NULL) {
        s = json_string_value(v);

        if (s == NULL || json_string_length(v) != 3
            || (s[0] | 0x20) != 'j' || (s[1] | 0x20) != 'w'
            || (s[2] | 0x20) != 't')
        {
            return IL_JWT_MALFORMED;
        }
    }

    /* No extension is understood, so none may be critical (RFC 7515). */
    if (json_object_get(header, "crit") != NULL) {
        return IL_JWT_MALFORMED;
    }

    *kid = NULL;
    *kid_len = 0;

    v = json_object_get(header, "kid");
    if (v != NULL) {
        if (!json_is_string(v)) {
            return IL_JWT_MALFORMED;
        }

        *kid = json_string_value(v);
        *kid_len = json_string_length(v);
    }

    v = json_object_get(header, "alg");
    if (!json_is_string(v)) {
        return IL_JWT_ALGORITHM;
    }

    *a = il_jwt_alg_find(json_string_value(v), json_string_length(v));
    if (*a == NULL) {
        return IL_JWT_ALGORITHM;
    }

    return IL_JWT_OK;
}


static il_jwt_rc_e
il_jwt_select(const il_jwt_keyset_t *ks, const il_jwt_alg_t *a,
    const char *kid, size_t kid_len, const il_jwt_key_t **key)
{
    size_t               i, fits;
    const il_jwt_key_t  *k;

    *key = NULL;

    if (ks == NULL) {
        return kid ? IL_JWT_UNKNOWN_KID : IL_JWT_ALGORITHM;
    }

    /* A kid is only ever compared with the configured names. */
    if (kid != NULL) {
        for (i = 0; i < ks->n; i++) {
            k = &ks->keys[i];

            if (k->kid != NULL && k->kid_len == kid_len
                && memcmp(k->kid, kid, kid_len) == 0)
            {
                if (k->alg != a->alg) {
                    return IL_JWT_ALGORITHM;
                }

                *key = k;
                return IL_JWT_OK;
            }
        }

        return IL_JWT_UNKNOWN_KID;
    }

    fits = 0;

    for (i = 0; i < ks->n; i++) {
        if (ks->keys[i].alg == a->alg) {
            *key = &ks->keys[i];
            fits++;
        }
    }

    if (fits == 0) {
        return IL_JWT_ALGORITHM;
    }

    /* Several keys fit: only a kid could choose, and there is none. */
    if (fits > 1) {
        *key = NULL;
        return IL_JWT_UNKNOWN_KID;
    }

    return IL_JWT_OK;
}


static il_jwt_rc_e
il_jwt_signature(const il_jwt_key_t *key, const char *token, size_t len,
    size_t sig_len)
{
    int      rc;
    char     copy[IL_JWT_TOKEN_MAX + 1];
    jwt_t   *jwt;

    /*
     * libjwt 1.10.2 decodes an empty RSA or EC signature into a buffer of
     * zero bytes and writes past it; such a token never reaches it.  The
     * length limit also bounds the alloca() libjwt does per part.
     */
    if (sig_len == 0) {
        return IL_JWT_BAD_SIGNATURE;
    }

    memcpy(copy, token, len);
    copy[len] = '\0';

    rc = jwt_decode(&jwt, copy, key->key, (int) key->key_len);

    ERR_clear_error();

    if (rc != 0) {
        return rc == ENOMEM ? IL_JWT_NOMEM : IL_JWT_BAD_SIGNATURE;
    }

    /*
     * libjwt takes the algorithm from the token's header: the pin was
     * checked before, and is checked again on what libjwt actually used.
     */
    if (jwt_get_alg(jwt) != key->alg) {
        jwt_free(jwt);
        return IL_JWT_ALGORITHM;
    }

    jwt_free(jwt);

    return IL_JWT_OK;
}


static il_jwt_rc_e
il_jwt_payload(json_t *payload, il_jwt_times_t *t)
{
    if (!il_jwt_string_claim(payload, "org_id", 1)
        || !il_jwt_string_claim(payload, "jti", 1)
        || !il_jwt_string_claim(payload, "sub", 0)
        || !il_jwt_string_claim(payload, "instance", 0))
    {
        return IL_JWT_CLAIM;
    }

    memset(t, 0, sizeof(il_jwt_times_t));

    switch (il_jwt_time_claim(payload, "exp", &t->exp, 1)) {
    case -1:
        return IL_JWT_CLAIM;
    case 1:
        t->has_exp = 1;
    }

    switch (il_jwt_time_claim(payload, "nbf", &t->nbf, 1)) {
    case -1:
        return IL_JWT_CLAIM;
    case 1:
        t->has_nbf = 1;
    }

    switch (il_jwt_time_claim(payload, "iat", &t->iat, 0)) {
    case -1:
        return IL_JWT_CLAIM;
    case 1:
        t->has_iat = 1;
    }

    return IL_JWT_OK;
}


static int
il_jwt_string_claim(json_t *payload, const char *name, int required)
{
    json_t  *v;

    v = json_object_get(payload, name);

    if (v == NULL) {
        return !required;
    }

    if (!json_is_string(v)) {
        return 0;
    }

    return !required || json_string_length(v) > 0;
}


/* Returns 1 with the value, 0 when absent, -1 when not a number. */

static int
il_jwt_time_claim(json_t *payload, const char *name, long long *value,
    int round_up)
{
    double     d;
    json_t    *v;
    long long  n;

    v = json_object_get(payload, name);

    if (v == NULL) {
        return 0;
    }

    if (json_is_integer(v)) {
        *value = json_integer_value(v);
        return 1;
    }

    if (!json_is_real(v)) {
        return -1;
    }

    /* Rounded by hand: the build links no libm. */
    d = json_real_value(v);

    if (d >= 9.2e18) {
        *value = LLONG_MAX;
        return 1;
    }

    if (d <= -9.2e18) {
        *value = LLONG_MIN;
        return 1;
    }

    n = (long long) d;

    if (round_up && (double) n < d) {
        n++;

    } else if (!round_up && (double) n > d) {
        n--;
    }

    *value = n;

    return 1;
}


il_jwt_rc_e
il_jwt_check_times(const il_jwt_claims_t *c, time_t now, long leeway)
{
    il_jwt_times_t  t;

    t.has_exp = c->has_exp;
    t.has_nbf = c->has_nbf;
    t.has_iat = c->has_iat;
    t.exp = c->exp;
    t.nbf = c->nbf;
    t.iat = c->iat;

    return il_jwt_times(&t, now, leeway);
}


static il_jwt_rc_e
il_jwt_times(const il_jwt_times_t *t, time_t now, long leeway)
{
    long long  n;

    /* Bounded so that now plus leeway cannot overflow. */
    if (leeway < 0) {
        leeway = 0;

    } else if (leeway > INT_MAX) {
        leeway = INT_MAX;
    }

    n = (long long) now;

    /*
     * RFC 7519: valid before exp, and from nbf on.  The leeway is taken
     * from now, so that an exp near LLONG_MAX cannot overflow.
     */
    if (t->has_exp && n - leeway >= t->exp) {
        return IL_JWT_EXPIRED;
    }

    if (t->has_nbf && n + leeway < t->nbf) {
        return IL_JWT_NOT_YET_VALID;
    }

    return IL_JWT_OK;
}


static int
il_jwt_string_is(json_t *v, const char *s)
{
    size_t  len;

    if (!json_is_string(v)) {
        return 0;
    }

    len = strlen(s);

    return json_string_length(v) == len
           && memcmp(json_string_value(v), s, len) == 0;
}


/* aud is one string or an array of them (RFC 7519, 4.1.3). */

static int
il_jwt_audience(json_t *aud, const char *audience)
{
    size_t   i;
    json_t  *v;

    if (il_jwt_string_is(aud, audience)) {
        return 1;
    }

    if (json_is_array(aud)) {
        json_array_foreach(aud, i, v) {
            if (il_jwt_string_is(v, audience)) {
                return 1;
            }
        }
    }

    return 0;
}


static il_jwt_rc_e
il_jwt_claims_make(json_t *payload, const il_jwt_times_t *t,
    il_jwt_claims_t **claims)
{
    char             *p;
    json_t           *v;
    size_t            n, size, name_len, value_len, i;
    const char       *name;
    il_jwt_pair_t    *pairs, *pair;
    il_jwt_claims_t  *c;

    n = 0;
    size = 0;

    json_object_foreach(payload, name, v) {
        if (json_is_string(v)) {
            value_len = json_string_length(v);

        } else if (json_is_number(v)) {
            value_len = json_dumpb(v, NULL, 0, JSON_ENCODE_ANY);

        } else {
            continue;
        }

        n++;
        size += strlen(name) + 1 + value_len + 1;
    }

    size += sizeof(il_jwt_claims_t) + n * sizeof(il_jwt_pair_t);

    c = malloc(size);
    if (c == NULL) {
        return IL_JWT_NOMEM;
    }

    memset(c, 0, sizeof(il_jwt_claims_t));

    pairs = (il_jwt_pair_t *) (c + 1);
    p = (char *) (pairs + n);
    i = 0;

    json_object_foreach(payload, name, v) {
        if (!json_is_string(v) && !json_is_number(v)) {
            continue;
        }

        pair = &pairs[i++];

        name_len = strlen(name);
        memcpy(p, name, name_len + 1);
        pair->name.data = p;
        pair->name.len = name_len;
        p += name_len + 1;

        if (json_is_string(v)) {
            value_len = json_string_length(v);
            memcpy(p, json_string_value(v), value_len);

        } else {
            value_len = json_dumpb(v, NULL, 0, JSON_ENCODE_ANY);
            json_dumpb(v, p, value_len, JSON_ENCODE_ANY);
        }

        p[value_len] = '\0';
        pair->value.data = p;
        pair->value.len = value_len;
        p += value_len + 1;

        if (!json_is_string(v)) {
            continue;
        }

        if (strcmp(name, "org_id") == 0) {
            c->org_id = pair->value;

        } else if (strcmp(name, "jti") == 0) {
            c->jti = pair->value;

        } else if (strcmp(name, "sub") == 0) {
            c->sub = pair->value;

        } else if (strcmp(name, "instance") == 0) {
            c->instance = pair->value;
        }
    }

    c->exp = t->exp;
    c->nbf = t->nbf;
    c->iat = t->iat;
    c->has_exp = t->has_exp;
    c->has_nbf = t->has_nbf;
    c->has_iat = t->has_iat;
    c->npairs = n;
    c->pairs = pairs;
    c->refcount = 1;

    *claims = c;

    return IL_JWT_OK;
}


il_jwt_claims_t *
il_jwt_claims_ref(il_jwt_claims_t *c)
{
    c->refcount++;
    return c;
}


void
il_jwt_claims_unref(il_jwt_claims_t *c)
{
    if (c != NULL && --c->refcount == 0) {
        free(c);
    }
}


const char *
il_jwt_claim(const il_jwt_claims_t *c, const char *name, size_t name_len,
    size_t *value_len)
{
    size_t  i;

    for (i = 0; i < c->npairs; i++) {
        if (c->pairs[i].name.len == name_len
            && memcmp(c->pairs[i].name.data, name, name_len) == 0)
        {
            *value_len = c->pairs[i].value.len;
            return c->pairs[i].value.data;
        }
    }

    *value_len = 0;

    return NULL;
}


il_jwt_rc_e
il_jwt_bearer(const char *value, size_t len, const char **token,
    size_t *token_len)
{
    size_t       i;
    const char  *p, *end, *s;

    static const char  scheme[] = "bearer";

    *token = NULL;
    *token_len = 0;

    p = value;
    end = value + len;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    s = p;

    while (p < end && *p != ' ' && *p != '\t') {
        p++;
    }

    /*
     * Another scheme, or none, means no bearer token was offered: RFC 6750
     * (3.1) then wants a plain challenge without an error code.
     */
    if (p - s != sizeof(scheme) - 1) {
        return IL_JWT_MISSING;
    }

    for (i = 0; i < sizeof(scheme) - 1; i++) {
        if ((s[i] | 0x20) != scheme[i]) {
            return IL_JWT_MISSING;
        }
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    if (p == end) {
        return IL_JWT_MALFORMED;
    }

    if ((size_t) (end - p) > IL_JWT_TOKEN_MAX) {
        return IL_JWT_TOO_LARGE;
    }

    for (s = p; s < end && il_jwt_b64token_char(*s); s++) {
        /* void */
    }

    if (s == p) {
        return IL_JWT_MALFORMED;
    }

    while (s < end && *s == '=') {
        s++;
    }

    if (s != end) {
        return IL_JWT_MALFORMED;
    }

    *token = p;
    *token_len = end - p;

    return IL_JWT_OK;
}


static int
il_jwt_b64token_char(unsigned char ch)
{
    /* RFC 6750's b64token, looked up: it runs over every token */

    static const unsigned char  b64token[256] = {
        ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['0' ... '9'] = 1,
        ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1, ['+'] = 1, ['/'] = 1
    };

    return b64token[ch];
}


int
il_jwt_base64url_decode(const char *src, size_t len, unsigned char *dst,
    size_t *dst_len)
{
    int                   c0, c1, c2, c3;
    size_t                i, n;
    const unsigned char  *s;

    s = (const unsigned char *) src;
    n = 0;

    if (len % 4 == 1) {
        return -1;
    }

    for (i = 0; i + 4 <= len; i += 4) {
        c0 = il_jwt_b64url[s[i]];
        c1 = il_jwt_b64url[s[i + 1]];
        c2 = il_jwt_b64url[s[i + 2]];
        c3 = il_jwt_b64url[s[i + 3]];

        if ((c0 | c1 | c2 | c3) < 0) {
            return -1;
        }

        if (dst != NULL) {
            dst[n] = (unsigned char) (c0 << 2 | c1 >> 4);
            dst[n + 1] = (unsigned char) (c1 << 4 | c2 >> 2);
            dst[n + 2] = (unsigned char) (c2 << 6 | c3);
        }

        n += 3;
    }

    /* A tail of 2 or 3 characters; its unused low bits must be zero. */
    if (len - i == 2) {
        c0 = il_jwt_b64url[s[i]];
        c1 = il_jwt_b64url[s[i + 1]];

        if ((c0 | c1) < 0 || (c1 & 0x0f) != 0) {
            return -1;
        }

        if (dst != NULL) {
            dst[n] = (unsigned char) (c0 << 2 | c1 >> 4);
        }

        n += 1;

    } else if (len - i == 3) {
        c0 = il_jwt_b64url[s[i]];
        c1 = il_jwt_b64url[s[i + 1]];
        c2 = il_jwt_b64url[s[i + 2]];

        if ((c0 | c1 | c2) < 0 || (c2 & 0x03) != 0) {
            return -1;
        }

        if (dst != NULL) {
            dst[n] = (unsigned char) (c0 << 2 | c1 >> 4);
            dst[n + 1] = (unsigned char) (c1 << 4 | c2 >> 2);
        }

        n += 2;
    }

    if (dst_len != NULL) {
        *dst_len = n;
    }

    return 0;
}


unsigned char *
il_jwt_read_file(const char *file, size_t max, size_t *len, char *err,
    size_t errlen)
{
    FILE           *f;
    size_t          n, size;
    unsigned char  *buf;

    f = fopen(file, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open \"%s\": %s", file,
                 strerror(errno));
        return NULL;
    }

    buf = malloc(max + 2);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "\"%s\": out of memory", file);
        return NULL;
    }

    size = 0;

    while (size <= max) {
        n = fread(buf + size, 1, max + 1 - size, f);
        if (n == 0) {
            break;
        }

        size += n;
    }

    if (ferror(f)) {
        snprintf(err, errlen, "cannot read \"%s\": %s", file,
                 strerror(errno));
        goto failed;
    }

    if (size > max) {
        snprintf(err, errlen, "\"%s\" is larger than %zu bytes", file, max);
        goto failed;
    }

    fclose(f);

    buf[size] = '\0';
    *len = size;

    return buf;

failed:

    fclose(f);
    OPENSSL_cleanse(buf, size);
    free(buf);

    return NULL;
}
