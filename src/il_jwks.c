
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * A JWKS file (RFC 7517) turned, once at configuration, into what libjwt
 * takes: a PEM public key for RSA and EC keys, the raw secret for oct.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "il_jwt.h"


#define IL_JWKS_FILE_MAX  (1024 * 1024)


typedef struct {
    const char  *alg;
    const char  *crv;
    const char  *group;
    size_t       size;      /* bytes of each coordinate */
} il_jwks_curve_t;


static int il_jwks_key(il_jwt_keyset_t *ks, json_t *jwk, const char *where,
    char *err, size_t errlen);
static unsigned char *il_jwks_member(json_t *jwk, const char *name,
    size_t *len, const char *where, char *err, size_t errlen);
static int il_jwks_rsa(json_t *jwk, const char *where, EVP_PKEY **pkey,
    char *err, size_t errlen);
static int il_jwks_ec(json_t *jwk, const char *alg, const char *where,
    EVP_PKEY **pkey, char *err, size_t errlen);
static int il_jwks_fromdata(const char *type, OSSL_PARAM_BLD *bld,
    EVP_PKEY **pkey);
static int il_jwks_add_pkey(il_jwt_keyset_t *ks, const char *alg,
    const char *kid, EVP_PKEY *pkey, const char *where, char *err,
    size_t errlen);


static const il_jwks_curve_t  il_jwks_curves[] = {
    { "ES256", "P-256", "prime256v1", 32 },
    { "ES384", "P-384", "secp384r1", 48 },
    { "ES512", "P-521", "secp521r1", 66 }
};


int
il_jwt_keyset_add_jwks(il_jwt_keyset_t *ks, const char *file, char *err,
    size_t errlen)
{
    int             rc;
    char            where[600];
    size_t          len, i, added;
    json_t         *root, *keys, *jwk, *kid;
    json_error_t    error;
    unsigned char  *data;

    data = il_jwt_read_file(file, IL_JWKS_FILE_MAX, &len, err, errlen);
    if (data == NULL) {
        return -1;
    }

    /*
     * Only the position of a JSON error is reported: jansson's text quotes
     * the file, and the file may hold secrets.
     */
    root = json_loadb((const char *) data, len, JSON_REJECT_DUPLICATES,
                      &error);

    OPENSSL_cleanse(data, len);
    free(data);

    if (root == NULL) {
        snprintf(err, errlen, "\"%s\": invalid JSON at line %d, column %d",
                 file, error.line, error.column);
        return -1;
    }

    rc = -1;

    keys = json_object_get(root, "keys");
    if (!json_is_array(keys)) {
        snprintf(err, errlen, "\"%s\" has no \"keys\" array", file);
        goto done;
    }

    added = 0;

    json_array_foreach(keys, i, jwk) {
        kid = json_object_get(jwk, "kid");

        if (json_is_string(kid)) {
            snprintf(where, sizeof(where), "\"%.500s\", key %zu (\"%.40s\")",
                     file, i + 1, json_string_value(kid));

        } else {
            snprintf(where, sizeof(where), "\"%.500s\", key %zu",
                     file, i + 1);
        }

        switch (il_jwks_key(ks, jwk, where, err, errlen)) {
        case -1:
            goto done;
        case 1:
            added++;
        }
    }

    if (added == 0) {
        snprintf(err, errlen, "\"%s\" has no signing key", file);
        goto done;
    }

    rc = 0;

done:

    json_decref(root);

    return rc;
}


/* Returns 1 when the key was added, 0 when skipped, -1 on error. */

static int
il_jwks_key(il_jwt_keyset_t *ks, json_t *jwk, const char *where,
    char *err, size_t errlen)
{
    int             rc;
    json_t         *use, *kid, *v;
    size_t          len;
    EVP_PKEY       *pkey;
    const char     *kty, *alg;
    unsigned char  *k;

    if (!json_is_object(jwk)) {
        snprintf(err, errlen, "%s is not an object", where);
        return -1;
    }

    use = json_object_get(jwk, "use");
    if (use != NULL) {
        if (!json_is_string(use)) {
            snprintf(err, errlen, "%s: \"use\" is not a string", where);
            return -1;
        }

        if (strcmp(json_string_value(use), "enc") == 0) {
            return 0;
        }

        if (strcmp(json_string_value(use), "sig") != 0) {
            snprintf(err, errlen, "%s: unknown \"use\"", where);
            return -1;
        }
    }

    kty = json_string_value(json_object_get(jwk, "kty"));
    if (kty == NULL) {
        snprintf(err, errlen, "%s has no \"kty\"", where);
        return -1;
    }

    v = json_object_get(jwk, "alg");
    if (v == NULL) {
        snprintf(err, errlen, "%s has no \"alg\" (pinning needs one)", where);
        return -1;
    }

    alg = json_string_value(v);
    if (alg == NULL) {
        snprintf(err, errlen, "%s: \"alg\" is not a string", where);
        return -1;
    }

    kid = json_object_get(jwk, "kid");
    if (kid != NULL && !json_is_string(kid)) {
        snprintf(err, errlen, "%s: \"kid\" is not a string", where);
        return -1;
    }

    /* The family of alg must be that of kty: "HS256" only for oct, ... */
    if (strcmp(kty, "oct") == 0 && strncmp(alg, "HS", 2) == 0) {
        k = il_jwks_member(jwk, "k", &len, where, err, errlen);
        if (k == NULL) {
            return -1;
        }

        rc = il_jwt_keyset_add_key(ks, alg, json_string_value(kid), k, len,
                                   where, err, errlen);

        OPENSSL_cleanse(k, len);
        free(k);

        return rc == 0 ? 1 : -1;
    }

    if (strcmp(kty, "RSA") == 0 && strncmp(alg, "RS", 2) == 0) {
        rc = il_jwks_rsa(jwk, where, &pkey, err, errlen);

    } else if (strcmp(kty, "EC") == 0 && strncmp(alg, "ES", 2) == 0) {
        rc = il_jwks_ec(jwk, alg, where, &pkey, err, errlen);

    } else {
        snprintf(err, errlen, "%s: \"alg\" \"%.20s\" does not fit \"kty\" "
                 "\"%.20s\"", where, alg, kty);
        return -1;
    }

    if (rc != 0) {
        return -1;
    }

    rc = il_jwks_add_pkey(ks, alg, json_string_value(kid), pkey, where,
                          err, errlen);

    EVP_PKEY_free(pkey);

    return rc == 0 ? 1 : -1;
}


static unsigned char *
il_jwks_member(json_t *jwk, const char *name, size_t *len,
    const char *where, char *err, size_t errlen)
{
    json_t         *v;
    size_t          n;
    unsigned char  *buf;

    v = json_object_get(jwk, name);
    if (!json_is_string(v) || json_string_length(v) == 0) {
        snprintf(err, errlen, "%s has no \"%s\"", where, name);
        return NULL;
    }

    n = json_string_length(v);

    buf = malloc(n / 4 * 3 + 3);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", where);
        return NULL;
    }

    if (il_jwt_base64url_decode(json_string_value(v), n, buf, len) != 0) {
        free(buf);
        snprintf(err, errlen, "%s: \"%s\" is not base64url", where, name);
        return NULL;
    }

    return buf;
}


static int
il_jwks_rsa(json_t *jwk, const char *where, EVP_PKEY **pkey, char *err,
    size_t errlen)
{
    int              rc;
    BIGNUM          *n, *e;
    size_t           n_len, e_len;
    unsigned char   *n_buf, *e_buf;
    OSSL_PARAM_BLD  *bld;

    rc = -1;
    n = NULL;
    e = NULL;
    e_buf = NULL;
    bld = NULL;

    n_buf = il_jwks_member(jwk, "n", &n_len, where, err, errlen);
    if (n_buf == NULL) {
        return -1;
    }

    e_buf = il_jwks_member(jwk, "e", &e_len, where, err, errlen);
    if (e_buf == NULL) {
        goto done;
    }

    n = BN_bin2bn(n_buf, (int) n_len, NULL);
    e = BN_bin2bn(e_buf, (int) e_len, NULL);
    bld = OSSL_PARAM_BLD_new();

    if (n == NULL || e == NULL || bld == NULL
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
    {
        snprintf(err, errlen, "%s: out of memory", where);
        goto done;
    }

    if (il_jwks_fromdata("RSA", bld, pkey) != 0) {
        snprintf(err, errlen, "%s: \"n\" and \"e\" make no RSA key", where);
        goto done;
    }

    rc = 0;

done:

    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    free(n_buf);
    free(e_buf);

    return rc;
}


static int
il_jwks_ec(json_t *jwk, const char *alg, const char *where,
    EVP_PKEY **pkey, char *err, size_t errlen)
{
    int                     rc;
    size_t                  i, x_len, y_len;
    const char             *crv;
    unsigned char          *x, *y, point[1 + 2 * 66];
    OSSL_PARAM_BLD         *bld;
    const il_jwks_curve_t  *c;

    c = NULL;

    for (i = 0; i < sizeof(il_jwks_curves) / sizeof(il_jwks_curves[0]); i++) {
        if (strcmp(alg, il_jwks_curves[i].alg) == 0) {
            c = &il_jwks_curves[i];
        }
    }

    if (c == NULL) {
        snprintf(err, errlen, "%s: unknown algorithm \"%.20s\"", where, alg);
        return -1;
    }

    crv = json_string_value(json_object_get(jwk, "crv"));
    if (crv == NULL || strcmp(crv, c->crv) != 0) {
        snprintf(err, errlen, "%s: %s needs \"crv\" \"%s\"", where, alg,
                 c->crv);
        return -1;
    }

    rc = -1;
    y = NULL;
    bld = NULL;

    x = il_jwks_member(jwk, "x", &x_len, where, err, errlen);
    if (x == NULL) {
        return -1;
    }

    y = il_jwks_member(jwk, "y", &y_len, where, err, errlen);
    if (y == NULL) {
        goto done;
    }

    /* RFC 7518 (6.2.1.2): each coordinate has the full size of the field. */
    if (x_len != c->size || y_len != c->size) {
        snprintf(err, errlen, "%s: \"x\" and \"y\" must be %zu bytes each",
                 where, c->size);
        goto done;
    }

    point[0] = 0x04;
    memcpy(point + 1, x, c->size);
    memcpy(point + 1 + c->size, y, c->size);

    bld = OSSL_PARAM_BLD_new();

    if (bld == NULL
        || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                            c->group, 0)
        || !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                             point, 1 + 2 * c->size))
    {
        snprintf(err, errlen, "%s: out of memory", where);
        goto done;
    }

    if (il_jwks_fromdata("EC", bld, pkey) != 0) {
        snprintf(err, errlen, "%s: \"x\" and \"y\" are not a point on %s",
                 where, c->crv);
        goto done;
    }

    rc = 0;

done:

    OSSL_PARAM_BLD_free(bld);
    free(x);
    free(y);

    return rc;
}


static int
il_jwks_fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **pkey)
{
    int            rc;
    OSSL_PARAM    *params;
    EVP_PKEY_CTX  *ctx;

    rc = -1;
    *pkey = NULL;

    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);

    if (params != NULL && ctx != NULL
        && EVP_PKEY_fromdata_init(ctx) == 1
        && EVP_PKEY_fromdata(ctx, pkey, EVP_PKEY_PUBLIC_KEY, params) == 1)
    {
        rc = 0;
    }

    ERR_clear_error();

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);

    return rc;
}


/*
 * The key goes in as PEM through il_jwt_keyset_add_key(), which parses it
 * again and applies the checks every key file gets: type, curve, size.
 */

static int
il_jwks_add_pkey(il_jwt_keyset_t *ks, const char *alg, const char *kid,
    EVP_PKEY *pkey, const char *where, char *err, size_t errlen)
{
    int    rc;
    BIO   *mem;
    long   n;
    char  *data;

    mem = BIO_new(BIO_s_mem());

    if (mem == NULL || PEM_write_bio_PUBKEY(mem, pkey) != 1) {
        ERR_clear_error();
        BIO_free(mem);
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }

    n = BIO_get_mem_data(mem, &data);

    rc = il_jwt_keyset_add_key(ks, alg, kid, (unsigned char *) data,
                               n > 0 ? (size_t) n : 0, where, err, errlen);

    BIO_free(mem);

    return rc;
}
