
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * JSON pointers and local $ref in a loaded document: building, following
 * and checking that every reference names something.
 */


#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_openapi_int.h"


#define IL_REF_HOPS  32

#define il_at(p)     ((p)[0] ? (p) : "the document root")


static json_t *il_ptr_get(json_t *root, const char *ptr);
static int il_ref_target(il_load_t *ld, const char *ref, char *ptr,
    const char *at);


/* dst = base + "/" + token escaped as RFC 6901 says; dst may be base. */

int
il_ptr_cat(char *dst, const char *base, const char *token)
{
    size_t  n;

    n = strlen(base);

    if (dst != base) {
        if (n >= IL_POINTER_MAX) {
            return -1;
        }

        memmove(dst, base, n);
    }

    if (n + 1 >= IL_POINTER_MAX) {
        return -1;
    }

    dst[n++] = '/';

    for ( /* void */ ; *token; token++) {
        if (n + 3 >= IL_POINTER_MAX) {
            return -1;
        }

        if (*token == '~' || *token == '/') {
            dst[n++] = '~';
            dst[n++] = *token == '~' ? '0' : '1';

        } else {
            dst[n++] = *token;
        }
    }

    dst[n] = '\0';

    return 0;
}


static json_t *
il_ptr_get(json_t *root, const char *ptr)
{
    char           key[IL_POINTER_MAX];
    char          *end;
    size_t         n;
    json_t        *node;
    const char    *p;
    unsigned long  idx;

    node = root;
    p = ptr;

    while (*p) {
        if (*p != '/') {
            return NULL;
        }

        p++;
        n = 0;

        while (*p && *p != '/') {
            if (*p == '~') {
                if (p[1] != '0' && p[1] != '1') {
                    return NULL;
                }

                key[n++] = p[1] == '0' ? '~' : '/';
                p += 2;
                continue;
            }

            key[n++] = *p++;
        }

        key[n] = '\0';

        if (json_is_object(node)) {
            node = json_object_getn(node, key, n);

        } else if (json_is_array(node)) {
            if (n == 0 || !isdigit((unsigned char) key[0])
                || (key[0] == '0' && n > 1))
            {
                return NULL;
            }

            idx = strtoul(key, &end, 10);
            if (*end != '\0') {
                return NULL;
            }

            node = json_array_get(node, idx);

        } else {
            return NULL;
        }

        if (node == NULL) {
            return NULL;
        }
    }

    return node;
}


/*
 * Writes the JSON pointer a local $ref ("#/components/x") names into ptr;
 * at is where the $ref stands, for the message.
 */

static int
il_ref_target(il_load_t *ld, const char *ref, char *ptr, const char *at)
{
    long    n;
    size_t  len;

    len = strlen(ref);

    if (ref[0] != '#') {
        il_load_fail(ld, "$ref \"%s\" points outside the document at %s", ref,
                     il_at(at));
        return -1;
    }

    if (len >= IL_POINTER_MAX) {
        il_load_fail(ld, "$ref \"%.64s...\" is too long at %s", ref,
                     il_at(at));
        return -1;
    }

    n = il_pct_decode(ptr, ref + 1, len - 1, 0, 1);

    if (n < 0) {
        il_load_fail(ld, "$ref \"%s\" has a broken percent escape at %s", ref,
                     il_at(at));
        return -1;
    }

    ptr[n] = '\0';

    if (il_ptr_get(ld->api->root, ptr) == NULL) {
        il_load_fail(ld, "dangling $ref \"%s\" at %s", ref, il_at(at));
        return -1;
    }

    return 0;
}


/*
 * Follows the $ref chain of a reference object.  ptr holds the object's
 * pointer on entry and the final target's on return.
 */

json_t *
il_ref_resolve(il_load_t *ld, json_t *node, char *ptr)
{
    int          hops;
    char         at[IL_POINTER_MAX];
    json_t      *ref;

    for (hops = 0; json_is_object(node); hops++) {
        ref = json_object_get(node, "$ref");

        if (ref == NULL) {
            break;
        }

        if (!json_is_string(ref)) {
            il_load_fail(ld, "$ref is not a string at %s", ptr);
            return NULL;
        }

        if (hops == IL_REF_HOPS) {
            il_load_fail(ld, "$ref chain longer than %d (a cycle?) at %s",
                         IL_REF_HOPS, ptr);
            return NULL;
        }

        strcpy(at, ptr);

        if (il_ref_target(ld, json_string_value(ref), ptr, at) != 0) {
            return NULL;
        }

        node = il_ptr_get(ld->api->root, ptr);
    }

    return node;
}


/*
 * Every local "#/..." $ref in the document must name something, so a
 * typo fails configuration even where nothing is compiled (responses).
 * Instance data (examples, defaults, enums) and extensions are not
 * searched, and below a "$id" the base changes, so the schema compiler
 * judges those references instead.
 */

int
il_ref_check(il_load_t *ld, json_t *node, char *ptr)
{
    char         target[IL_POINTER_MAX];
    size_t       n, i;
    json_t      *v, *e, *ref;
    const char  *key, *s, *k;

    n = strlen(ptr);

    if (json_is_array(node)) {
        json_array_foreach(node, i, v) {
            if (!json_is_object(v) && !json_is_array(v)) {
                continue;
            }

            if (snprintf(ptr + n, IL_POINTER_MAX - n, "/%zu", i)
                >= (int) (IL_POINTER_MAX - n))
            {
                il_load_fail(ld, "the document nests too deep at %s", ptr);
                return -1;
            }

            if (il_ref_check(ld, v, ptr) != 0) {
                return -1;
            }

            ptr[n] = '\0';
        }

        return 0;
    }

    if (!json_is_object(node)) {
        return 0;
    }

    if (n > 0 && json_is_string(json_object_get(node, "$id"))) {
        return 0;
    }

    ref = json_object_get(node, "$ref");

    if (json_is_string(ref)) {
        s = json_string_value(ref);

        if ((s[0] == '#' && (s[1] == '/' || s[1] == '\0'))
            && il_ref_target(ld, s, target, ptr) != 0)
        {
            return -1;
        }
    }

    json_object_foreach(node, key, v) {
        if (!json_is_object(v) && !json_is_array(v)) {
            continue;
        }

        if (strcmp(key, "example") == 0 || strcmp(key, "default") == 0
            || strcmp(key, "const") == 0 || strcmp(key, "enum") == 0
            || strncmp(key, "x-", 2) == 0
            || (strcmp(key, "examples") == 0 && json_is_array(v)))
        {
            continue;
        }

        if (il_ptr_cat(ptr, ptr, key) != 0) {
            ptr[n] = '\0';
            il_load_fail(ld, "the document nests too deep at %s", ptr);
            return -1;
        }

        if (strcmp(key, "examples") == 0) {

            /* a map of Example objects: only their own $ref matters */

            json_object_foreach(v, k, e) {
                ref = json_object_get(e, "$ref");

                if (!json_is_string(ref)) {
                    continue;
                }

                if (il_ref_target(ld, json_string_value(ref), target, ptr)
                    != 0)
                {
                    return -1;
                }
            }

        } else if (il_ref_check(ld, v, ptr) != 0) {
            return -1;
        }

        ptr[n] = '\0';
    }

    return 0;
}
