
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The per-worker cache of verified tokens: a hash table for lookups and a
 * doubly linked list in order of use, the least recent at the tail.
 * Entries hold a SHA-256 of the token, never the token itself.
 */


/*
 * OpenSSL 3.0's EVP digests allocate a context on every initialisation,
 * and a hit must not allocate; the plain SHA-256 functions, deprecated in
 * 3.0 but present, allocate nothing.  nginx makes the same choice for its
 * own OpenSSL use (src/event/ngx_event_openssl.h).
 */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "il_jwt.h"


typedef struct il_jwt_cache_entry_s  il_jwt_cache_entry_t;

struct il_jwt_cache_entry_s {
    unsigned char          digest[SHA256_DIGEST_LENGTH];
    const void            *scope;
    il_jwt_claims_t       *claims;
    il_jwt_cache_entry_t  *next;      /* in the hash chain */
    il_jwt_cache_entry_t  *prev_used;
    il_jwt_cache_entry_t  *next_used;
};


struct il_jwt_cache_s {
    il_jwt_cache_entry_t  **buckets;
    size_t                  mask;
    size_t                  n;
    size_t                  max;
    il_jwt_cache_entry_t    used;     /* list head: next_used is the newest */
};


static void il_jwt_cache_digest(const void *scope, const char *token,
    size_t len, unsigned char *digest);
static size_t il_jwt_cache_bucket(il_jwt_cache_t *cache,
    const unsigned char *digest);
static il_jwt_cache_entry_t **il_jwt_cache_find(il_jwt_cache_t *cache,
    const void *scope, const unsigned char *digest);
static void il_jwt_cache_unlink(il_jwt_cache_t *cache,
    il_jwt_cache_entry_t **slot);
static void il_jwt_cache_use(il_jwt_cache_t *cache, il_jwt_cache_entry_t *e);


il_jwt_cache_t *
il_jwt_cache_new(size_t max_entries)
{
    size_t           nbuckets;
    il_jwt_cache_t  *cache;

    if (max_entries > SIZE_MAX / 4 / sizeof(il_jwt_cache_entry_t *)) {
        return NULL;
    }

    cache = calloc(1, sizeof(il_jwt_cache_t));
    if (cache == NULL) {
        return NULL;
    }

    cache->max = max_entries;
    cache->used.next_used = &cache->used;
    cache->used.prev_used = &cache->used;

    if (max_entries == 0) {
        return cache;
    }

    /* A power of two at least max_entries keeps chains about one long. */
    for (nbuckets = 16; nbuckets < max_entries; nbuckets *= 2) {
        /* void */
    }

    cache->buckets = calloc(nbuckets, sizeof(il_jwt_cache_entry_t *));
    if (cache->buckets == NULL) {
        free(cache);
        return NULL;
    }

    cache->mask = nbuckets - 1;

    return cache;
}


void
il_jwt_cache_free(il_jwt_cache_t *cache)
{
    il_jwt_cache_entry_t  *e, *next;

    if (cache == NULL) {
        return;
    }

    for (e = cache->used.next_used; e != &cache->used; e = next) {
        next = e->next_used;
        il_jwt_claims_unref(e->claims);
        free(e);
    }

    free(cache->buckets);
    free(cache);
}


size_t
il_jwt_cache_count(const il_jwt_cache_t *cache)
{
    return cache ? cache->n : 0;
}


il_jwt_claims_t *
il_jwt_cache_get(il_jwt_cache_t *cache, const void *scope,
    const char *token, size_t len, time_t now)
{
    unsigned char           digest[SHA256_DIGEST_LENGTH];
    il_jwt_claims_t        *c;
    il_jwt_cache_entry_t  **slot, *e;

    if (cache == NULL || cache->max == 0) {
        return NULL;
    }

    il_jwt_cache_digest(scope, token, len, digest);

    slot = il_jwt_cache_find(cache, scope, digest);
    if (slot == NULL) {
        return NULL;
    }

    e = *slot;
    c = e->claims;

    /* Nothing is served past exp; leeway is for the caller's check. */
    if (c->has_exp && (long long) now >= c->exp) {
        il_jwt_cache_unlink(cache, slot);
        il_jwt_claims_unref(c);
        free(e);
        return NULL;
    }

    il_jwt_cache_use(cache, e);

    return il_jwt_claims_ref(c);
}


void
il_jwt_cache_put(il_jwt_cache_t *cache, const void *scope,
    const char *token, size_t len, il_jwt_claims_t *claims, time_t now)
{
    size_t                   i;
    unsigned char            digest[SHA256_DIGEST_LENGTH];
    il_jwt_cache_entry_t   **slot, *e;

    if (cache == NULL || cache->max == 0) {
        return;
    }

    if (claims->has_exp && (long long) now >= claims->exp) {
        return;
    }

    il_jwt_cache_digest(scope, token, len, digest);

    slot = il_jwt_cache_find(cache, scope, digest);

    if (slot != NULL) {
        e = *slot;
        il_jwt_claims_ref(claims);
        il_jwt_claims_unref(e->claims);
        e->claims = claims;
        il_jwt_cache_use(cache, e);
        return;
    }

    if (cache->n == cache->max) {
        e = cache->used.prev_used;

        for (slot = &cache->buckets[il_jwt_cache_bucket(cache, e->digest)];
             *slot != e;
             slot = &(*slot)->next)
        {
            /* void */
        }

        il_jwt_cache_unlink(cache, slot);
        il_jwt_claims_unref(e->claims);

    } else {
        /* The cache only speeds things up: without memory, skip it. */
        e = malloc(sizeof(il_jwt_cache_entry_t));
        if (e == NULL) {
            return;
        }
    }

    memcpy(e->digest, digest, SHA256_DIGEST_LENGTH);
    e->scope = scope;
    e->claims = il_jwt_claims_ref(claims);

    i = il_jwt_cache_bucket(cache, digest);
    e->next = cache->buckets[i];
    cache->buckets[i] = e;

    e->next_used = cache->used.next_used;
    e->prev_used = &cache->used;
    e->next_used->prev_used = e;
    cache->used.next_used = e;

    cache->n++;
}


/*
 * The scope pointer goes into the digest and is compared as well: a token
 * verified under one configuration is no hit under another.
 */

static void
il_jwt_cache_digest(const void *scope, const char *token, size_t len,
    unsigned char *digest)
{
    SHA256_CTX  sha;

    SHA256_Init(&sha);
    SHA256_Update(&sha, &scope, sizeof(scope));
    SHA256_Update(&sha, token, len);
    SHA256_Final(digest, &sha);
}


/* Any bits of a SHA-256 are as good as any other for a bucket. */

static size_t
il_jwt_cache_bucket(il_jwt_cache_t *cache, const unsigned char *digest)
{
    size_t  h;

    memcpy(&h, digest, sizeof(size_t));

    return h & cache->mask;
}


static il_jwt_cache_entry_t **
il_jwt_cache_find(il_jwt_cache_t *cache, const void *scope,
    const unsigned char *digest)
{
    il_jwt_cache_entry_t  **slot;

    for (slot = &cache->buckets[il_jwt_cache_bucket(cache, digest)];
         *slot != NULL;
         slot = &(*slot)->next)
    {
        if ((*slot)->scope == scope
            && memcmp((*slot)->digest, digest, SHA256_DIGEST_LENGTH) == 0)
        {
            return slot;
        }
    }

    return NULL;
}


static void
il_jwt_cache_unlink(il_jwt_cache_t *cache, il_jwt_cache_entry_t **slot)
{
    il_jwt_cache_entry_t  *e;

    e = *slot;
    *slot = e->next;

    e->prev_used->next_used = e->next_used;
    e->next_used->prev_used = e->prev_used;

    cache->n--;
}


static void
il_jwt_cache_use(il_jwt_cache_t *cache, il_jwt_cache_entry_t *e)
{
    e->prev_used->next_used = e->next_used;
    e->next_used->prev_used = e->prev_used;

    e->next_used = cache->used.next_used;
    e->prev_used = &cache->used;
    e->next_used->prev_used = e;
    cache->used.next_used = e;
}
