
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Compiling the keywords of arrays and objects, x-mutually-exclusive
 * among them.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


static int il_schema_c_props(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_deps(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_groups(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static const char **il_schema_names(il_schema_cc_t *cc, json_t *v,
    const char *key, size_t *n);


int
il_schema_c_array(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base)
{
    int      rc;
    size_t   n;
    json_t  *v;

    s->prefix = il_schema_list(cc, j, "prefixItems", base, &s->nprefix);
    if (cc->failed) {
        return -1;
    }

    v = json_object_get(j, "items");
    if (v != NULL) {
        if (json_is_array(v)) {
            il_schema_ptr_push(cc, "items", 5);
            return il_schema_fail(cc, "\"items\" must be one schema; an "
                                  "array of schemas is \"prefixItems\"");
        }

        s->items = il_schema_sub(cc, v, base, "items", NULL);
        if (s->items == NULL) {
            return -1;
        }
    }

    v = json_object_get(j, "contains");
    if (v != NULL) {
        s->contains = il_schema_sub(cc, v, base, "contains", NULL);
        if (s->contains == NULL) {
            return -1;
        }

        rc = il_schema_count(cc, j, "minContains", &s->min_contains);
        if (rc < 0 || il_schema_count(cc, j, "maxContains", &s->max_contains)
                      < 0)
        {
            return -1;
        }
    }

    if (il_schema_count(cc, j, "minItems", &s->min_items) < 0
        || il_schema_count(cc, j, "maxItems", &s->max_items) < 0)
    {
        return -1;
    }

    v = json_object_get(j, "uniqueItems");
    if (v != NULL) {
        if (!json_is_boolean(v)) {
            il_schema_ptr_push(cc, "uniqueItems", 11);
            return il_schema_fail(cc, "\"uniqueItems\" must be a boolean");
        }

        s->unique = json_is_true(v);
    }

    v = json_object_get(j, "unevaluatedItems");
    if (v != NULL) {
        s->uneval_items = il_schema_sub(cc, v, base, "unevaluatedItems",
                                        NULL);
        if (s->uneval_items == NULL) {
            return -1;
        }

        s->kw |= IL_KW_UNEVAL;
    }

    n = s->nprefix;

    if (n || s->items || s->contains || s->min_items || s->unique
        || s->max_items != SIZE_MAX)
    {
        s->kw |= IL_KW_ARRAY;
    }

    return 0;
}


int
il_schema_c_object(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base)
{
    size_t       plen;
    json_t      *v, *sub;
    const char  *k;

    if (il_schema_c_props(cc, s, j, base) != 0) {
        return -1;
    }

    v = json_object_get(j, "patternProperties");
    if (v != NULL) {
        if (!json_is_object(v)) {
            il_schema_ptr_push(cc, "patternProperties", 17);
            return il_schema_fail(cc, "\"patternProperties\" must be an "
                                  "object");
        }

        s->patterns = il_schema_alloc(cc->doc, json_object_size(v)
                                      * sizeof(il_schema_pattern_t) + 1);
        if (s->patterns == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        json_object_foreach(v, k, sub) {
            char         msg[256];
            il_regex_t  *re;

            plen = cc->plen;
            il_schema_ptr_push(cc, "patternProperties", 17);
            il_schema_ptr_push(cc, k, strlen(k));

            re = il_regex_compile(k, strlen(k), msg, sizeof(msg));
            if (re == NULL) {
                return il_schema_fail(cc, "%s", msg);
            }

            if (cc->doc->nregexes == cc->doc->cregexes) {
                size_t       cap;
                il_regex_t **list;

                cap = cc->doc->cregexes ? cc->doc->cregexes * 2 : 8;
                list = realloc(cc->doc->regexes, cap * sizeof(il_regex_t *));
                if (list == NULL) {
                    il_regex_free(re);
                    return il_schema_fail(cc, "out of memory");
                }

                cc->doc->regexes = list;
                cc->doc->cregexes = cap;
            }

            cc->doc->regexes[cc->doc->nregexes++] = re;

            s->patterns[s->npatterns].re = re;
            s->patterns[s->npatterns].schema = il_schema_node(cc, sub, base);

            if (s->patterns[s->npatterns].schema == NULL) {
                return -1;
            }

            s->npatterns++;
            il_schema_ptr_set(cc, plen);
        }

        s->kw |= IL_KW_OBJECT | IL_KW_EXTRAS;
    }

    v = json_object_get(j, "additionalProperties");
    if (v != NULL) {
        s->additional = il_schema_sub(cc, v, base, "additionalProperties",
                                      NULL);
        if (s->additional == NULL) {
            return -1;
        }

        s->kw |= IL_KW_OBJECT | IL_KW_EXTRAS;
    }

    v = json_object_get(j, "propertyNames");
    if (v != NULL) {
        s->names = il_schema_sub(cc, v, base, "propertyNames", NULL);
        if (s->names == NULL) {
            return -1;
        }

        s->kw |= IL_KW_OBJECT;
    }

    if (il_schema_count(cc, j, "minProperties", &s->min_props) < 0
        || il_schema_count(cc, j, "maxProperties", &s->max_props) < 0)
    {
        return -1;
    }

    if (s->min_props || s->max_props != SIZE_MAX) {
        s->kw |= IL_KW_OBJECT;
    }

    if (il_schema_c_deps(cc, s, j, base) != 0
        || il_schema_c_groups(cc, s, j) != 0)
    {
        return -1;
    }

    v = json_object_get(j, "unevaluatedProperties");
    if (v != NULL) {
        s->uneval_props = il_schema_sub(cc, v, base, "unevaluatedProperties",
                                        NULL);
        if (s->uneval_props == NULL) {
            return -1;
        }

        s->kw |= IL_KW_UNEVAL;
    }

    return 0;
}


static int
il_schema_c_props(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base)
{
    size_t             i, n, nreq, size;
    json_t            *v, *sub, *req;
    uint32_t           h;
    const char        *k, **names;
    il_schema_prop_t  *p;

    v = json_object_get(j, "properties");
    req = json_object_get(j, "required");

    names = NULL;
    nreq = 0;

    if (req != NULL) {
        names = il_schema_names(cc, req, "required", &nreq);
        if (names == NULL && cc->failed) {
            return -1;
        }
    }

    if (v != NULL && !json_is_object(v)) {
        il_schema_ptr_push(cc, "properties", 10);
        return il_schema_fail(cc, "\"properties\" must be an object");
    }

    n = json_object_size(v);

    if (n) {
        s->props = il_schema_alloc(cc->doc, n * sizeof(il_schema_prop_t));

        for (size = 4; size < n * 2; size *= 2) {
            /* void */
        }

        s->prop_hash = il_schema_alloc(cc->doc, size * sizeof(uint32_t));

        if (s->props == NULL || s->prop_hash == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        s->prop_mask = (uint32_t) (size - 1);

        json_object_foreach(v, k, sub) {
            p = &s->props[s->nprops];
            p->name = k;
            p->len = strlen(k);

            p->schema = il_schema_sub(cc, sub, base, "properties", k);
            if (p->schema == NULL) {
                return -1;
            }

            if ((cc->doc->flags & IL_SCHEMA_REQUEST)
                && (p->schema->read_only
                    || (p->schema->ref && p->schema->ref->read_only)))
            {
                p->read_only = 1;
                s->kw |= IL_KW_EXTRAS;
            }

            for (h = il_value_hash(k, p->len) & s->prop_mask;
                 s->prop_hash[h];
                 h = (h + 1) & s->prop_mask)
            {
                /* void */
            }

            s->prop_hash[h] = (uint32_t) (s->nprops + 1);
            s->nprops++;
        }

        s->kw |= IL_KW_OBJECT;
    }

    if (nreq == 0) {
        return 0;
    }

    s->required = il_schema_alloc(cc->doc, nreq * sizeof(char *));
    if (s->required == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    for (i = 0; i < nreq; i++) {
        p = NULL;

        if (n) {
            for (h = il_value_hash(names[i], strlen(names[i]))
                     & s->prop_mask;
                 s->prop_hash[h];
                 h = (h + 1) & s->prop_mask)
            {
                p = &s->props[s->prop_hash[h] - 1];

                if (strcmp(p->name, names[i]) == 0) {
                    break;
                }

                p = NULL;
            }
        }

        if (p != NULL) {
            p->required = 1;
            continue;
        }

        s->required[s->nrequired++] = names[i];
    }

    s->kw |= IL_KW_OBJECT;

    return 0;
}


/* dependentRequired and dependentSchemas. */

static int
il_schema_c_deps(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base)
{
    size_t            plen;
    json_t           *v, *sub;
    const char       *k;
    il_schema_dep_t  *d;

    v = json_object_get(j, "dependentRequired");
    if (v != NULL) {
        if (!json_is_object(v)) {
            il_schema_ptr_push(cc, "dependentRequired", 17);
            return il_schema_fail(cc, "\"dependentRequired\" must be an "
                                  "object");
        }

        s->dep_required = il_schema_alloc(cc->doc, json_object_size(v)
                                          * sizeof(il_schema_dep_t) + 1);
        if (s->dep_required == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        json_object_foreach(v, k, sub) {
            d = &s->dep_required[s->ndep_required];
            d->name = k;

            plen = cc->plen;
            il_schema_ptr_push(cc, "dependentRequired", 17);

            d->names = il_schema_names(cc, sub, k, &d->n);
            if (cc->failed) {
                return -1;
            }

            il_schema_ptr_set(cc, plen);
            s->ndep_required++;
        }

        s->kw |= IL_KW_OBJECT;
    }

    v = json_object_get(j, "dependentSchemas");
    if (v == NULL) {
        return 0;
    }

    if (!json_is_object(v)) {
        il_schema_ptr_push(cc, "dependentSchemas", 16);
        return il_schema_fail(cc, "\"dependentSchemas\" must be an object");
    }

    s->dep_schemas = il_schema_alloc(cc->doc, json_object_size(v)
                                     * sizeof(il_schema_dep_t) + 1);
    if (s->dep_schemas == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    json_object_foreach(v, k, sub) {
        d = &s->dep_schemas[s->ndep_schemas];
        d->name = k;

        d->schema = il_schema_sub(cc, sub, base, "dependentSchemas", k);
        if (d->schema == NULL) {
            return -1;
        }

        s->ndep_schemas++;
    }

    /* read with the object keywords, though it applies in place */
    s->kw |= IL_KW_OBJECT;

    return 0;
}


/* x-mutually-exclusive: [["space_id", "parent_case_id"], ...] */

static int
il_schema_c_groups(il_schema_cc_t *cc, il_schema_t *s, json_t *j)
{
    char                idx[24];
    size_t              i, plen;
    json_t             *v;
    il_schema_group_t  *g;

    v = json_object_get(j, "x-mutually-exclusive");
    if (v == NULL) {
        return 0;
    }

    plen = cc->plen;
    il_schema_ptr_push(cc, "x-mutually-exclusive", 20);

    if (!json_is_array(v)) {
        return il_schema_fail(cc, "\"x-mutually-exclusive\" must be an "
                              "array of arrays of property names");
    }

    s->groups = il_schema_alloc(cc->doc, json_array_size(v)
                                * sizeof(il_schema_group_t) + 1);
    if (s->groups == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    for (i = 0; i < json_array_size(v); i++) {
        g = &s->groups[i];
        snprintf(idx, sizeof(idx), "%zu", i);

        g->names = il_schema_names(cc, json_array_get(v, i), idx, &g->n);
        if (cc->failed) {
            return -1;
        }

        if (g->n < 2) {
            il_schema_ptr_push(cc, idx, strlen(idx));
            return il_schema_fail(cc, "a group needs two property names "
                                  "or more");
        }
    }

    s->ngroups = i;
    il_schema_ptr_set(cc, plen);

    s->kw |= IL_KW_OBJECT;

    return 0;
}


/* An array of distinct strings, as "required" has. */

static const char **
il_schema_names(il_schema_cc_t *cc, json_t *v, const char *key, size_t *n)
{
    size_t        i, k;
    const char  **names;

    *n = 0;

    if (!json_is_array(v)) {
        goto invalid;
    }

    names = il_schema_alloc(cc->doc, (json_array_size(v) + 1)
                                     * sizeof(char *));
    if (names == NULL) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    for (i = 0; i < json_array_size(v); i++) {
        names[*n] = json_string_value(json_array_get(v, i));

        if (names[*n] == NULL) {
            goto invalid;
        }

        for (k = 0; k < *n; k++) {
            if (strcmp(names[k], names[*n]) == 0) {
                break;
            }
        }

        if (k == *n) {
            (*n)++;
        }
    }

    return names;

invalid:

    il_schema_ptr_push(cc, key, strlen(key));
    il_schema_fail(cc, "\"%s\" must be an array of strings", key);

    return NULL;
}
