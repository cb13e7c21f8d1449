
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The schema compiler: every keyword is read and checked once, at
 * configuration time, into nodes the validator walks without looking at
 * schema JSON again.
 */


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


#define IL_SCHEMA_BLOCK_SIZE  16384


struct il_schema_block_s {
    il_schema_block_t  *next;
    size_t              used;
    size_t              size;
};


typedef enum {
    IL_SCHEMA_K_UNKNOWN = 0,
    IL_SCHEMA_K_ASSERT,                  /* implemented */
    IL_SCHEMA_K_NOTE,                    /* annotation, identification */
    IL_SCHEMA_K_REFUSED                  /* known, deliberately refused */
} il_schema_k_e;


typedef struct {
    const char     *name;
    il_schema_k_e   kind;
    const char     *why;                 /* for IL_SCHEMA_K_REFUSED */
} il_schema_keyword_t;


static il_schema_t *il_schema_node(il_schema_cc_t *cc, json_t *j,
    const char *base);
static il_schema_t *il_schema_sub(il_schema_cc_t *cc, json_t *j,
    const char *base, const char *k1, const char *k2);
static il_schema_t **il_schema_list(il_schema_cc_t *cc, json_t *j,
    const char *key, const char *base, size_t *n);
static int il_schema_check_keys(il_schema_cc_t *cc, json_t *j);
static int il_schema_c_type(il_schema_cc_t *cc, il_schema_t *s, json_t *j);
static int il_schema_c_values(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static int il_schema_c_string(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static int il_schema_c_number(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static int il_schema_c_array(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_object(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j, const char *base);
static int il_schema_c_props(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_deps(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_groups(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static int il_schema_c_apply(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_ref(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_discriminator(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j, const char *base);
static int il_schema_count(il_schema_cc_t *cc, json_t *j, const char *key,
    size_t *out);
static il_num_t *il_schema_number(il_schema_cc_t *cc, json_t *j,
    const char *key);
static const char **il_schema_names(il_schema_cc_t *cc, json_t *v,
    const char *key, size_t *n);
static int il_schema_opt_branch(il_schema_t **b, size_t n);
static int il_schema_loops(il_schema_cc_t *cc);
static const char *il_schema_quote(il_schema_doc_t *doc, const json_t *v);
static char *il_schema_concat(il_schema_doc_t *doc, const char *a,
    const char *b, const char *c);
static const il_schema_keyword_t *il_schema_keyword(const char *name);
static uint32_t il_schema_hash(const char *s, size_t len);
static int il_schema_index_root(il_schema_cc_t *cc);
static void il_schema_forget(il_schema_doc_t *doc, il_schema_t *head);
static int il_schema_loop_check(il_schema_cc_t *cc, il_schema_t *s);
static unsigned il_schema_types_r(const il_schema_t *s, unsigned depth);
static unsigned il_schema_item_types_r(const il_schema_t *s,
    unsigned depth);


static const il_schema_keyword_t  il_schema_keywords[] = {
    { "type", IL_SCHEMA_K_ASSERT, NULL },
    { "enum", IL_SCHEMA_K_ASSERT, NULL },
    { "const", IL_SCHEMA_K_ASSERT, NULL },
    { "multipleOf", IL_SCHEMA_K_ASSERT, NULL },
    { "maximum", IL_SCHEMA_K_ASSERT, NULL },
    { "exclusiveMaximum", IL_SCHEMA_K_ASSERT, NULL },
    { "minimum", IL_SCHEMA_K_ASSERT, NULL },
    { "exclusiveMinimum", IL_SCHEMA_K_ASSERT, NULL },
    { "maxLength", IL_SCHEMA_K_ASSERT, NULL },
    { "minLength", IL_SCHEMA_K_ASSERT, NULL },
    { "pattern", IL_SCHEMA_K_ASSERT, NULL },
    { "format", IL_SCHEMA_K_ASSERT, NULL },
    { "maxItems", IL_SCHEMA_K_ASSERT, NULL },
    { "minItems", IL_SCHEMA_K_ASSERT, NULL },
    { "uniqueItems", IL_SCHEMA_K_ASSERT, NULL },
    { "maxContains", IL_SCHEMA_K_ASSERT, NULL },
    { "minContains", IL_SCHEMA_K_ASSERT, NULL },
    { "prefixItems", IL_SCHEMA_K_ASSERT, NULL },
    { "items", IL_SCHEMA_K_ASSERT, NULL },
    { "contains", IL_SCHEMA_K_ASSERT, NULL },
    { "unevaluatedItems", IL_SCHEMA_K_ASSERT, NULL },
    { "maxProperties", IL_SCHEMA_K_ASSERT, NULL },
    { "minProperties", IL_SCHEMA_K_ASSERT, NULL },
    { "required", IL_SCHEMA_K_ASSERT, NULL },
    { "dependentRequired", IL_SCHEMA_K_ASSERT, NULL },
    { "properties", IL_SCHEMA_K_ASSERT, NULL },
    { "patternProperties", IL_SCHEMA_K_ASSERT, NULL },
    { "additionalProperties", IL_SCHEMA_K_ASSERT, NULL },
    { "propertyNames", IL_SCHEMA_K_ASSERT, NULL },
    { "dependentSchemas", IL_SCHEMA_K_ASSERT, NULL },
    { "unevaluatedProperties", IL_SCHEMA_K_ASSERT, NULL },
    { "allOf", IL_SCHEMA_K_ASSERT, NULL },
    { "anyOf", IL_SCHEMA_K_ASSERT, NULL },
    { "oneOf", IL_SCHEMA_K_ASSERT, NULL },
    { "not", IL_SCHEMA_K_ASSERT, NULL },
    { "if", IL_SCHEMA_K_ASSERT, NULL },
    { "then", IL_SCHEMA_K_ASSERT, NULL },
    { "else", IL_SCHEMA_K_ASSERT, NULL },
    { "$ref", IL_SCHEMA_K_ASSERT, NULL },
    { "discriminator", IL_SCHEMA_K_ASSERT, NULL },
    { "readOnly", IL_SCHEMA_K_ASSERT, NULL },

    { "$schema", IL_SCHEMA_K_NOTE, NULL },
    { "$id", IL_SCHEMA_K_NOTE, NULL },
    { "$anchor", IL_SCHEMA_K_NOTE, NULL },
    { "$dynamicAnchor", IL_SCHEMA_K_NOTE, NULL },
    { "$comment", IL_SCHEMA_K_NOTE, NULL },
    { "$defs", IL_SCHEMA_K_NOTE, NULL },
    { "definitions", IL_SCHEMA_K_NOTE, NULL },
    { "title", IL_SCHEMA_K_NOTE, NULL },
    { "description", IL_SCHEMA_K_NOTE, NULL },
    { "example", IL_SCHEMA_K_NOTE, NULL },
    { "examples", IL_SCHEMA_K_NOTE, NULL },
    { "default", IL_SCHEMA_K_NOTE, NULL },
    { "deprecated", IL_SCHEMA_K_NOTE, NULL },
    { "writeOnly", IL_SCHEMA_K_NOTE, NULL },
    { "contentMediaType", IL_SCHEMA_K_NOTE, NULL },
    { "contentEncoding", IL_SCHEMA_K_NOTE, NULL },
    { "contentSchema", IL_SCHEMA_K_NOTE, NULL },
    { "xml", IL_SCHEMA_K_NOTE, NULL },
    { "externalDocs", IL_SCHEMA_K_NOTE, NULL },

    { "$dynamicRef", IL_SCHEMA_K_REFUSED,
      "dynamic references are not supported" },
    { "$recursiveRef", IL_SCHEMA_K_REFUSED,
      "is a draft 2019-09 keyword; use \"$ref\"" },
    { "$recursiveAnchor", IL_SCHEMA_K_REFUSED,
      "is a draft 2019-09 keyword; use \"$anchor\"" },
    { "$vocabulary", IL_SCHEMA_K_REFUSED,
      "custom vocabularies are not supported" },
    { "nullable", IL_SCHEMA_K_REFUSED,
      "is an OpenAPI 3.0 keyword; in 3.1 add \"null\" to \"type\" or use "
      "anyOf with {\"type\": \"null\"}" },
    { "dependencies", IL_SCHEMA_K_REFUSED,
      "is a draft 7 keyword; use \"dependentRequired\" or "
      "\"dependentSchemas\"" },
    { "additionalItems", IL_SCHEMA_K_REFUSED,
      "is a draft 2019-09 keyword; use \"prefixItems\" and \"items\"" },

    { NULL, IL_SCHEMA_K_UNKNOWN, NULL }
};


/* Dialects whose meaning this validator has. */
static const char  *il_schema_dialects[] = {
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2020-12/schema#",
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-10-25",
    NULL
};


il_schema_doc_t *
il_schema_doc_new(json_t *root, unsigned flags)
{
    il_schema_doc_t  *doc;

    doc = calloc(1, sizeof(il_schema_doc_t));
    if (doc == NULL) {
        return NULL;
    }

    doc->root = json_incref(root);
    doc->flags = flags;

    doc->true_node.max_len = SIZE_MAX;
    doc->true_node.max_items = SIZE_MAX;
    doc->true_node.max_props = SIZE_MAX;
    doc->true_node.max_contains = SIZE_MAX;
    doc->true_node.any_opt = -1;
    doc->true_node.one_opt = -1;
    doc->true_node.pointer = "";
    doc->true_node.checked = 2;

    doc->false_node = doc->true_node;
    doc->false_node.kw = IL_KW_FALSE;

    return doc;
}


void
il_schema_doc_free(il_schema_doc_t *doc)
{
    size_t              i;
    il_schema_block_t  *b, *next;

    if (doc == NULL) {
        return;
    }

    for (i = 0; i < doc->nregexes; i++) {
        il_regex_free(doc->regexes[i]);
    }

    free(doc->regexes);
    free(doc->res);
    il_schema_map_free(&doc->nodes);
    il_schema_map_free(&doc->seen);

    for (b = doc->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    json_decref(doc->root);
    free(doc);
}


il_schema_t *
il_schema_compile(il_schema_doc_t *doc, const char *pointer, char *err,
    size_t errlen)
{
    json_t          *target;
    const char      *tbase;
    il_schema_t     *s, *head;
    il_schema_cc_t   cc;

    memset(&cc, 0, sizeof(il_schema_cc_t));
    cc.doc = doc;
    cc.err = err;
    cc.errlen = errlen;

    s = NULL;
    head = doc->all;

    if (!doc->indexed) {
        doc->indexed = 1;

        if (il_schema_index_root(&cc) != 0) {
            goto done;
        }
    }

    il_schema_ptr_set(&cc, 0);

    target = il_schema_pointer_walk(&cc, doc->root, pointer, strlen(pointer),
                                    IL_SCHEMA_DOC_BASE, &tbase);
    if (target == NULL) {
        if (!cc.failed) {
            il_schema_fail(&cc, "no schema at \"%s\"", pointer);
        }

        goto done;
    }

    if (il_schema_index(&cc, target, tbase, pointer) != 0) {
        goto done;
    }

    if (il_schema_ptr_reset(&cc, pointer) != 0) {
        goto done;
    }

    s = il_schema_node(&cc, target, tbase);

    if (s != NULL && il_schema_loops(&cc) != 0) {
        s = NULL;
    }

done:

    free(cc.ptr);

    if (cc.failed) {
        il_schema_forget(doc, head);
        return NULL;
    }

    return s;
}


/*
 * After a failed compile its nodes, some half built, must not be found by
 * the next one: the node map is rebuilt from the nodes made before.
 */

static void
il_schema_forget(il_schema_doc_t *doc, il_schema_t *head)
{
    il_schema_t      *n;
    il_schema_map_t   m;

    if (doc->all == head) {
        return;
    }

    doc->all = head;
    memset(&m, 0, sizeof(il_schema_map_t));

    for (n = head; n; n = n->next) {
        if (il_schema_map_put(&m, n->json, n) != 0) {
            /* without memory keep nothing: compiling again is correct */
            il_schema_map_free(&m);
            doc->all = NULL;
            break;
        }
    }

    il_schema_map_free(&doc->nodes);
    doc->nodes = m;
}


/*
 * Indexes $id and $anchor once per document.  An OpenAPI document is not
 * a schema itself: its schemas are under /components/schemas.  Whatever
 * the root's own $id, "#..." from a schema without one names the root.
 */

static int
il_schema_index_root(il_schema_cc_t *cc)
{
    char             *p;
    json_t           *schemas, *v;
    size_t            cap;
    const char       *k;
    il_schema_res_t  *r;
    il_schema_doc_t  *doc;

    doc = cc->doc;

    if (json_object_get(doc->root, "openapi") == NULL) {
        if (il_schema_index(cc, doc->root, IL_SCHEMA_DOC_BASE, "") != 0) {
            return -1;
        }

    } else {
        schemas = json_object_get(json_object_get(doc->root, "components"),
                                  "schemas");

        json_object_foreach(schemas, k, v) {
            p = il_schema_concat(doc, "/components/schemas/", "", "");
            if (p == NULL || il_schema_ptr_reset(cc, p) != 0
                || il_schema_ptr_push(cc, k, strlen(k)) != 0)
            {
                return il_schema_fail(cc, "out of memory");
            }

            p = il_schema_strndup(doc, cc->ptr, cc->plen);
            if (p == NULL) {
                return il_schema_fail(cc, "out of memory");
            }

            if (il_schema_index(cc, v, IL_SCHEMA_DOC_BASE, p) != 0) {
                return -1;
            }
        }
    }

    il_schema_ptr_set(cc, 0);

    if (il_schema_ref_find_res(doc, IL_SCHEMA_DOC_BASE) != NULL) {
        return 0;
    }

    if (doc->nres == doc->cres) {
        cap = doc->cres ? doc->cres * 2 : 16;
        r = realloc(doc->res, cap * sizeof(il_schema_res_t));
        if (r == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        doc->res = r;
        doc->cres = cap;
    }

    r = &doc->res[doc->nres++];
    r->uri = IL_SCHEMA_DOC_BASE;
    r->json = doc->root;
    r->base = IL_SCHEMA_DOC_BASE;
    r->pointer = "";

    return 0;
}


unsigned
il_schema_types(const il_schema_t *s)
{
    return il_schema_types_r(s, 0);
}


unsigned
il_schema_item_types(const il_schema_t *s)
{
    return il_schema_item_types_r(s, 0);
}


static unsigned
il_schema_types_r(const il_schema_t *s, unsigned depth)
{
    size_t    i;
    unsigned  t, u;

    if (s == NULL || depth > 32) {
        return IL_SCHEMA_T_ANY;
    }

    if (s->kw & IL_KW_FALSE) {
        return 0;
    }

    t = (s->kw & IL_KW_TYPE) ? s->types : IL_SCHEMA_T_ANY;

    if (s->kw & IL_KW_CONST) {
        t &= il_schema_json_type(s->konst);
    }

    if (s->kw & IL_KW_ENUM) {
        u = 0;

        for (i = 0; i < json_array_size(s->enums); i++) {
            u |= il_schema_json_type(json_array_get(s->enums, i));
        }

        t &= u;
    }

    if (s->ref) {
        t &= il_schema_types_r(s->ref, depth + 1);
    }

    for (i = 0; i < s->nall_of; i++) {
        t &= il_schema_types_r(s->all_of[i], depth + 1);
    }

    if (s->nany_of) {
        u = 0;

        for (i = 0; i < s->nany_of; i++) {
            u |= il_schema_types_r(s->any_of[i], depth + 1);
        }

        t &= u;
    }

    if (s->none_of) {
        u = 0;

        for (i = 0; i < s->none_of; i++) {
            u |= il_schema_types_r(s->one_of[i], depth + 1);
        }

        t &= u;
    }

    return t;
}


static unsigned
il_schema_item_types_r(const il_schema_t *s, unsigned depth)
{
    size_t    i;
    unsigned  t;

    if (s == NULL || depth > 32) {
        return IL_SCHEMA_T_ANY;
    }

    if (s->items) {
        return il_schema_types(s->items);
    }

    if (s->ref) {
        t = il_schema_item_types_r(s->ref, depth + 1);
        if (t != IL_SCHEMA_T_ANY) {
            return t;
        }
    }

    if (s->any_opt >= 0) {
        return il_schema_item_types_r(s->any_of[s->any_opt], depth + 1);
    }

    if (s->one_opt >= 0) {
        return il_schema_item_types_r(s->one_of[s->one_opt], depth + 1);
    }

    for (i = 0; i < s->nall_of; i++) {
        t = il_schema_item_types_r(s->all_of[i], depth + 1);
        if (t != IL_SCHEMA_T_ANY) {
            return t;
        }
    }

    return IL_SCHEMA_T_ANY;
}


static il_schema_t *
il_schema_node(il_schema_cc_t *cc, json_t *j, const char *base)
{
    json_t           *v;
    const char       *b, *h;
    il_schema_t      *s;
    il_schema_doc_t  *doc;

    doc = cc->doc;

    if (cc->failed) {
        return NULL;
    }

    s = il_schema_map_get(&doc->nodes, j);
    if (s != NULL) {
        return s;
    }

    if (json_is_true(j)) {
        return &doc->true_node;
    }

    if (json_is_false(j)) {
        return &doc->false_node;
    }

    if (!json_is_object(j)) {
        il_schema_fail(cc, "a schema must be an object or a boolean");
        return NULL;
    }

    if (cc->nest >= IL_SCHEMA_NEST_MAX) {
        il_schema_fail(cc, "schema nested deeper than %d levels",
                       IL_SCHEMA_NEST_MAX);
        return NULL;
    }

    s = il_schema_alloc(doc, sizeof(il_schema_t));
    if (s == NULL) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    s->max_len = SIZE_MAX;
    s->max_items = SIZE_MAX;
    s->max_props = SIZE_MAX;
    s->max_contains = SIZE_MAX;
    s->min_contains = 1;
    s->any_opt = -1;
    s->one_opt = -1;
    s->pointer = il_schema_strndup(doc, cc->ptr, cc->plen);
    s->json = j;

    if (s->pointer == NULL || il_schema_map_put(&doc->nodes, j, s) != 0) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    s->next = doc->all;
    doc->all = s;

    if (il_schema_check_keys(cc, j) != 0) {
        return NULL;
    }

    b = base;

    v = json_object_get(j, "$id");
    if (v != NULL) {
        if (!json_is_string(v)) {
            il_schema_fail(cc, "\"$id\" must be a string");
            return NULL;
        }

        b = il_schema_uri_resolve(doc, base, json_string_value(v));
        if (b == NULL) {
            il_schema_fail(cc, "out of memory");
            return NULL;
        }

        h = strchr(b, '#');
        if (h != NULL) {
            ((char *) b)[h - b] = '\0';
        }
    }

    /* set before subschemas, which may come back here through $ref */
    v = json_object_get(j, "readOnly");
    if (v != NULL) {
        if (!json_is_boolean(v)) {
            il_schema_fail(cc, "\"readOnly\" must be a boolean");
            return NULL;
        }

        s->read_only = json_is_true(v);
    }

    cc->nest++;

    if (il_schema_c_type(cc, s, j) != 0
        || il_schema_c_values(cc, s, j) != 0
        || il_schema_c_string(cc, s, j) != 0
        || il_schema_c_number(cc, s, j) != 0
        || il_schema_c_array(cc, s, j, b) != 0
        || il_schema_c_object(cc, s, j, b) != 0
        || il_schema_c_apply(cc, s, j, b) != 0)
    {
        return NULL;
    }

    cc->nest--;

    s->null_only = (s->kw == IL_KW_TYPE && s->types == IL_SCHEMA_T_NULL);

    return s;
}


static il_schema_t *
il_schema_sub(il_schema_cc_t *cc, json_t *j, const char *base,
    const char *k1, const char *k2)
{
    size_t        plen;
    il_schema_t  *s;

    plen = cc->plen;

    if (il_schema_ptr_push(cc, k1, strlen(k1)) != 0
        || (k2 && il_schema_ptr_push(cc, k2, strlen(k2)) != 0))
    {
        return NULL;
    }

    s = il_schema_node(cc, j, base);

    il_schema_ptr_set(cc, plen);

    return s;
}


static il_schema_t **
il_schema_list(il_schema_cc_t *cc, json_t *j, const char *key,
    const char *base, size_t *n)
{
    char           idx[24];
    size_t         i;
    json_t        *v;
    il_schema_t  **list;

    v = json_object_get(j, key);
    *n = 0;

    if (v == NULL) {
        return NULL;
    }

    if (!json_is_array(v) || json_array_size(v) == 0) {
        il_schema_fail(cc, "\"%s\" must be a non-empty array of schemas",
                       key);
        return NULL;
    }

    list = il_schema_alloc(cc->doc, json_array_size(v) * sizeof(void *));
    if (list == NULL) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    for (i = 0; i < json_array_size(v); i++) {
        snprintf(idx, sizeof(idx), "%zu", i);

        list[i] = il_schema_sub(cc, json_array_get(v, i), base, key, idx);
        if (list[i] == NULL) {
            return NULL;
        }
    }

    *n = i;

    return list;
}


static int
il_schema_check_keys(il_schema_cc_t *cc, json_t *j)
{
    int                         rc;
    size_t                      plen;
    json_t                     *v;
    const char                 *k, **d;
    const il_schema_keyword_t  *kw;

    json_object_foreach(j, k, v) {

        /* extensions; x-mutually-exclusive is read with the objects */
        if (k[0] == 'x' && k[1] == '-') {
            continue;
        }

        kw = il_schema_keyword(k);

        if (kw != NULL && kw->kind != IL_SCHEMA_K_REFUSED) {
            continue;
        }

        plen = cc->plen;
        rc = il_schema_ptr_push(cc, k, strlen(k));
        if (rc != 0) {
            return -1;
        }

        if (kw == NULL) {
            il_schema_fail(cc, "unsupported keyword \"%s\"", k);

        } else {
            il_schema_fail(cc, "\"%s\" %s", k, kw->why);
        }

        il_schema_ptr_set(cc, plen);

        return -1;
    }

    v = json_object_get(j, "$schema");
    if (v != NULL) {
        for (d = il_schema_dialects; *d; d++) {
            if (json_is_string(v) && strcmp(json_string_value(v), *d) == 0) {
                return 0;
            }
        }

        il_schema_ptr_push(cc, "$schema", 7);
        il_schema_fail(cc, "only JSON Schema 2020-12 and the OpenAPI 3.1 "
                       "dialect are supported");
        return -1;
    }

    return 0;
}


static int
il_schema_c_type(il_schema_cc_t *cc, il_schema_t *s, json_t *j)
{
    size_t       i;
    json_t      *v, *t;
    unsigned     bit;
    const char  *name;

    v = json_object_get(j, "type");
    if (v == NULL) {
        return 0;
    }

    for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
        t = json_is_array(v) ? json_array_get(v, i) : v;
        name = json_string_value(t);

        if (name == NULL) {
            bit = 0;

        } else if (strcmp(name, "null") == 0) {
            bit = IL_SCHEMA_T_NULL;

        } else if (strcmp(name, "boolean") == 0) {
            bit = IL_SCHEMA_T_BOOLEAN;

        } else if (strcmp(name, "integer") == 0) {
            bit = IL_SCHEMA_T_INTEGER;

        } else if (strcmp(name, "number") == 0) {
            bit = IL_SCHEMA_T_NUMBER;

        } else if (strcmp(name, "string") == 0) {
            bit = IL_SCHEMA_T_STRING;

        } else if (strcmp(name, "array") == 0) {
            bit = IL_SCHEMA_T_ARRAY;

        } else if (strcmp(name, "object") == 0) {
            bit = IL_SCHEMA_T_OBJECT;

        } else {
            bit = 0;
        }

        if (bit == 0) {
            il_schema_ptr_push(cc, "type", 4);
            return il_schema_fail(cc, "\"type\" must name JSON types");
        }

        s->types |= bit;
    }

    s->kw |= IL_KW_TYPE;

    return 0;
}


/* const and enum, with their messages written once here. */

static int
il_schema_c_values(il_schema_cc_t *cc, il_schema_t *s, json_t *j)
{
    char        *msg, *m;
    size_t       i, n;
    json_t      *v;
    const char  *q;

    v = json_object_get(j, "const");
    if (v != NULL) {
        s->konst = v;
        s->kw |= IL_KW_CONST;

        q = il_schema_quote(cc->doc, v);
        s->const_msg = q ? il_schema_concat(cc->doc, "Input should be ", q,
                                            ".")
                         : NULL;

        if (s->const_msg == NULL) {
            return il_schema_fail(cc, "out of memory");
        }
    }

    v = json_object_get(j, "enum");
    if (v == NULL) {
        return 0;
    }

    if (!json_is_array(v)) {
        il_schema_ptr_push(cc, "enum", 4);
        return il_schema_fail(cc, "\"enum\" must be an array");
    }

    s->enums = v;
    s->kw |= IL_KW_ENUM;

    n = json_array_size(v);
    msg = (char *) "";

    for (i = 0; i < n; i++) {
        q = il_schema_quote(cc->doc, json_array_get(v, i));

        m = q ? il_schema_concat(cc->doc, msg,
                                 i == 0 ? "" : (i + 1 == n ? " or " : ", "),
                                 q)
              : NULL;

        if (m == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        msg = m;
    }

    s->enum_msg = (n == 0) ? "Input is not permitted: the enum is empty."
                           : il_schema_concat(cc->doc, "Input should be ",
                                              msg, ".");
    if (s->enum_msg == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    return 0;
}


static int
il_schema_c_string(il_schema_cc_t *cc, il_schema_t *s, json_t *j)
{
    int               rc;
    char              msg[256];
    size_t            n;
    json_t           *v;
    il_regex_t      **list;
    il_schema_doc_t  *doc;

    doc = cc->doc;

    rc = il_schema_count(cc, j, "minLength", &n);
    if (rc < 0) {
        return -1;
    }

    if (rc) {
        s->min_len = n;
        s->kw |= IL_KW_STRING;
    }

    rc = il_schema_count(cc, j, "maxLength", &n);
    if (rc < 0) {
        return -1;
    }

    if (rc) {
        s->max_len = n;
        s->kw |= IL_KW_STRING;
    }

    v = json_object_get(j, "format");
    if (v != NULL) {
        if (!json_is_string(v)) {
            il_schema_ptr_push(cc, "format", 6);
            return il_schema_fail(cc, "\"format\" must be a string");
        }

        if (doc->flags & IL_SCHEMA_FORMAT_ASSERT) {
            s->format = il_format_lookup(json_string_value(v));

            if (s->format != IL_FORMAT_NONE) {
                s->kw |= IL_KW_STRING;
            }
        }
    }

    v = json_object_get(j, "pattern");
    if (v == NULL) {
        return 0;
    }

    il_schema_ptr_push(cc, "pattern", 7);

    if (!json_is_string(v)) {
        return il_schema_fail(cc, "\"pattern\" must be a string");
    }

    if (doc->nregexes == doc->cregexes) {
        n = doc->cregexes ? doc->cregexes * 2 : 8;
        list = realloc(doc->regexes, n * sizeof(il_regex_t *));
        if (list == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        doc->regexes = list;
        doc->cregexes = n;
    }

    s->pattern = il_regex_compile(json_string_value(v), json_string_length(v),
                                  msg, sizeof(msg));
    if (s->pattern == NULL) {
        return il_schema_fail(cc, "%s", msg);
    }

    doc->regexes[doc->nregexes++] = s->pattern;

    s->pattern_msg = il_schema_concat(doc, "String should match pattern '",
                                      json_string_value(v), "'.");
    if (s->pattern_msg == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    s->kw |= IL_KW_STRING;

    return il_schema_ptr_reset(cc, s->pointer);
}


static int
il_schema_c_number(il_schema_cc_t *cc, il_schema_t *s, json_t *j)
{
    il_num_t  **n;
    size_t      i;
    static const char  *keys[] = { "minimum", "maximum", "exclusiveMinimum",
                                   "exclusiveMaximum", "multipleOf" };

    for (i = 0; i < 5; i++) {
        n = (i == 0) ? &s->minimum
            : (i == 1) ? &s->maximum
            : (i == 2) ? &s->ex_minimum
            : (i == 3) ? &s->ex_maximum
            : &s->multiple_of;

        if (json_object_get(j, keys[i]) == NULL) {
            continue;
        }

        *n = il_schema_number(cc, j, keys[i]);
        if (*n == NULL) {
            return -1;
        }

        s->kw |= IL_KW_NUMBER;
    }

    if (s->multiple_of
        && (s->multiple_of->is_int ? s->multiple_of->i <= 0
                                   : !(s->multiple_of->d > 0)))
    {
        il_schema_ptr_push(cc, "multipleOf", 10);
        return il_schema_fail(cc, "\"multipleOf\" must be greater than 0");
    }

    return 0;
}


static int
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


static int
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

            for (h = il_schema_hash(k, p->len) & s->prop_mask;
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
            for (h = il_schema_hash(names[i], strlen(names[i]))
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


static int
il_schema_c_apply(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base)
{
    json_t  *v;

    if (il_schema_c_ref(cc, s, j, base) != 0) {
        return -1;
    }

    s->all_of = il_schema_list(cc, j, "allOf", base, &s->nall_of);
    s->any_of = il_schema_list(cc, j, "anyOf", base, &s->nany_of);
    s->one_of = il_schema_list(cc, j, "oneOf", base, &s->none_of);

    if (cc->failed) {
        return -1;
    }

    s->any_opt = il_schema_opt_branch(s->any_of, s->nany_of);
    s->one_opt = il_schema_opt_branch(s->one_of, s->none_of);

    v = json_object_get(j, "not");
    if (v != NULL) {
        s->not = il_schema_sub(cc, v, base, "not", NULL);
        if (s->not == NULL) {
            return -1;
        }
    }

    v = json_object_get(j, "if");
    if (v != NULL) {
        s->if_ = il_schema_sub(cc, v, base, "if", NULL);
        if (s->if_ == NULL) {
            return -1;
        }

        v = json_object_get(j, "then");
        if (v != NULL) {
            s->then_ = il_schema_sub(cc, v, base, "then", NULL);
            if (s->then_ == NULL) {
                return -1;
            }
        }

        v = json_object_get(j, "else");
        if (v != NULL) {
            s->else_ = il_schema_sub(cc, v, base, "else", NULL);
            if (s->else_ == NULL) {
                return -1;
            }
        }
    }

    if (il_schema_c_discriminator(cc, s, j, base) != 0) {
        return -1;
    }

    if (s->ref || s->nall_of || s->nany_of || s->none_of || s->not
        || s->if_)
    {
        s->kw |= IL_KW_APPLY;
    }

    return 0;
}


static int
il_schema_c_ref(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base)
{
    json_t      *v, *target;
    size_t       plen;
    const char  *tbase, *tptr, *ref;

    v = json_object_get(j, "$ref");
    if (v == NULL) {
        return 0;
    }

    plen = cc->plen;
    il_schema_ptr_push(cc, "$ref", 4);

    if (!json_is_string(v)) {
        return il_schema_fail(cc, "\"$ref\" must be a string");
    }

    ref = json_string_value(v);

    target = il_schema_ref_find(cc, base, ref, &tbase, &tptr);
    if (target == NULL) {
        if (cc->failed) {
            return -1;
        }

        return il_schema_fail(cc, "\"$ref\" \"%s\" does not resolve within "
                              "the document", ref);
    }

    if (il_schema_index(cc, target, tbase, tptr) != 0) {
        return -1;
    }

    if (il_schema_ptr_reset(cc, tptr) != 0) {
        return -1;
    }

    s->ref = il_schema_node(cc, target, tbase);
    if (s->ref == NULL) {
        return -1;
    }

    il_schema_ptr_set(cc, plen);
    cc->plen = 0;

    return il_schema_ptr_reset(cc, s->pointer);
}


/*
 * OpenAPI's discriminator: "mapping" values are references or schema
 * names; without a mapping, a branch {"$ref": ".../schemas/Name"} is
 * chosen by the tag "Name".
 */

static int
il_schema_c_discriminator(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base)
{
    char               *ref, *list, *q;
    size_t              n, i, nb;
    json_t             *d, *prop, *map, *v, *target;
    const char         *k, *tbase, *tptr, *slash;
    il_schema_t       **branches;
    il_schema_tag_t    *t;

    d = json_object_get(j, "discriminator");
    if (d == NULL) {
        return 0;
    }

    il_schema_ptr_push(cc, "discriminator", 13);

    prop = json_object_get(d, "propertyName");
    if (!json_is_string(prop)) {
        return il_schema_fail(cc, "\"discriminator\" needs a string "
                              "\"propertyName\"");
    }

    branches = s->none_of ? s->one_of : s->any_of;
    nb = s->none_of ? s->none_of : s->nany_of;

    if (nb == 0) {
        return il_schema_fail(cc, "\"discriminator\" needs \"oneOf\" or "
                              "\"anyOf\" beside it");
    }

    s->disc_prop = json_string_value(prop);

    map = json_object_get(d, "mapping");
    if (map != NULL && !json_is_object(map)) {
        return il_schema_fail(cc, "\"mapping\" must be an object");
    }

    n = map ? json_object_size(map) : nb;

    s->disc_tags = il_schema_alloc(cc->doc, (n + 1) * sizeof(il_schema_tag_t));
    if (s->disc_tags == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

    if (map != NULL) {
        json_object_foreach(map, k, v) {
            if (!json_is_string(v)) {
                return il_schema_fail(cc, "\"mapping\" values must be "
                                      "strings");
            }

            ref = (char *) json_string_value(v);

            if (strchr(ref, '/') == NULL && strchr(ref, '#') == NULL) {
                ref = il_schema_concat(cc->doc, "#/components/schemas/", ref,
                                       "");
                if (ref == NULL) {
                    return il_schema_fail(cc, "out of memory");
                }
            }

            target = il_schema_ref_find(cc, base, ref, &tbase, &tptr);
            if (target == NULL) {
                if (cc->failed) {
                    return -1;
                }

                return il_schema_fail(cc, "mapping \"%s\": \"%s\" does not "
                                      "resolve within the document", k, ref);
            }

            if (il_schema_index(cc, target, tbase, tptr) != 0) {
                return -1;
            }

            t = &s->disc_tags[s->ndisc_tags];
            t->tag = k;
            t->schema = il_schema_map_get(&cc->doc->nodes, target);

            if (t->schema == NULL) {
                if (il_schema_ptr_reset(cc, tptr) != 0) {
                    return -1;
                }

                t->schema = il_schema_node(cc, target, tbase);
                if (t->schema == NULL) {
                    return -1;
                }

                if (il_schema_ptr_reset(cc, s->pointer) != 0
                    || il_schema_ptr_push(cc, "discriminator", 13) != 0)
                {
                    return -1;
                }
            }

            s->ndisc_tags++;
        }

    } else {
        for (i = 0; i < nb; i++) {
            if (branches[i]->ref == NULL) {
                continue;
            }

            slash = strrchr(branches[i]->ref->pointer, '/');
            if (slash == NULL) {
                continue;
            }

            t = &s->disc_tags[s->ndisc_tags++];
            t->tag = slash + 1;
            t->schema = branches[i]->ref;
        }
    }

    list = (char *) "";

    for (i = 0; i < s->ndisc_tags; i++) {
        q = il_schema_concat(cc->doc, i ? ", '" : "'", s->disc_tags[i].tag,
                             "'");
        list = q ? il_schema_concat(cc->doc, list, q, "") : NULL;

        if (list == NULL) {
            return il_schema_fail(cc, "out of memory");
        }
    }

    s->disc_expected = list;

    return il_schema_ptr_reset(cc, s->pointer);
}


/*
 * A non-negative integer keyword (1.0 counts, as JSON Schema says).
 * Returns 1 when present, 0 when absent, -1 on error.
 */

static int
il_schema_count(il_schema_cc_t *cc, json_t *j, const char *key, size_t *out)
{
    double   d;
    json_t  *v;

    v = json_object_get(j, key);
    if (v == NULL) {
        return 0;
    }

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (size_t) json_integer_value(v);
        return 1;
    }

    if (json_is_real(v)) {
        d = json_real_value(v);

        if (d >= 0 && d == floor(d) && d < 1e18) {
            *out = (size_t) d;
            return 1;
        }
    }

    il_schema_ptr_push(cc, key, strlen(key));

    return il_schema_fail(cc, "\"%s\" must be a non-negative integer", key);
}


static il_num_t *
il_schema_number(il_schema_cc_t *cc, json_t *j, const char *key)
{
    json_t    *v;
    il_num_t  *n;

    v = json_object_get(j, key);

    if (!json_is_number(v)) {
        il_schema_ptr_push(cc, key, strlen(key));
        il_schema_fail(cc, "\"%s\" must be a number", key);
        return NULL;
    }

    n = il_schema_alloc(cc->doc, sizeof(il_num_t));

    if (n == NULL || il_schema_num_set(cc->doc, n, v) != 0) {
        il_schema_fail(cc, "out of memory");
        return NULL;
    }

    return n;
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


/* The one branch that is not {"type": "null"}, as optional fields have. */

static int
il_schema_opt_branch(il_schema_t **b, size_t n)
{
    int     found;
    size_t  i;

    found = -1;

    for (i = 0; i < n; i++) {
        if (b[i]->null_only) {
            continue;
        }

        if (found >= 0) {
            return -1;
        }

        found = (int) i;
    }

    return found;
}


/*
 * A cycle of $ref, allOf, anyOf, oneOf, not, if/then/else or
 * dependentSchemas that comes back to a schema without moving into the
 * value would recurse for ever: refuse it here.  Cycles through
 * properties, items and the like move into the value and end with it.
 */

static int
il_schema_loops(il_schema_cc_t *cc)
{
    il_schema_t  *s;

    for (s = cc->doc->all; s; s = s->next) {
        if (il_schema_loop_check(cc, s) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
il_schema_loop_check(il_schema_cc_t *cc, il_schema_t *s)
{
    size_t        i, n;
    il_schema_t  *e[5];

    if (s->checked == 2) {
        return 0;
    }

    if (s->checked == 1) {
        (void) il_schema_ptr_reset(cc, s->pointer);
        return il_schema_fail(cc, "the schema refers back to itself "
                              "without moving into the value");
    }

    s->checked = 1;

    e[0] = s->ref;
    e[1] = s->not;
    e[2] = s->if_;
    e[3] = s->then_;
    e[4] = s->else_;

    for (n = 0; n < 5; n++) {
        if (e[n] && il_schema_loop_check(cc, e[n]) != 0) {
            return -1;
        }
    }

    for (i = 0; i < s->nall_of; i++) {
        if (il_schema_loop_check(cc, s->all_of[i]) != 0) {
            return -1;
        }
    }

    for (i = 0; i < s->nany_of; i++) {
        if (il_schema_loop_check(cc, s->any_of[i]) != 0) {
            return -1;
        }
    }

    for (i = 0; i < s->none_of; i++) {
        if (il_schema_loop_check(cc, s->one_of[i]) != 0) {
            return -1;
        }
    }

    for (i = 0; i < s->ndep_schemas; i++) {
        if (il_schema_loop_check(cc, s->dep_schemas[i].schema) != 0) {
            return -1;
        }
    }

    s->checked = 2;

    return 0;
}


/* A value as messages quote it: strings in single quotes, others JSON. */

static const char *
il_schema_quote(il_schema_doc_t *doc, const json_t *v)
{
    char      *dump;
    const char  *q;
    il_num_t   n;

    if (json_is_string(v)) {
        return il_schema_concat(doc, "'", json_string_value(v), "'");
    }

    if (json_is_number(v)) {
        if (il_schema_num_set(doc, &n, v) != 0) {
            return NULL;
        }

        return n.text;
    }

    dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (dump == NULL) {
        return NULL;
    }

    q = il_schema_strndup(doc, dump, strlen(dump));
    free(dump);

    return q;
}


static char *
il_schema_concat(il_schema_doc_t *doc, const char *a, const char *b,
    const char *c)
{
    char    *s;
    size_t   la, lb, lc;

    la = strlen(a);
    lb = strlen(b);
    lc = strlen(c);

    s = il_schema_alloc(doc, la + lb + lc + 1);
    if (s == NULL) {
        return NULL;
    }

    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);

    return s;
}


/*
 * Reads a schema number.  text is what messages print: integers, and
 * reals with no fraction, without ".0"; other reals in the fewest digits
 * that read back as the same double.
 */

int
il_schema_num_set(il_schema_doc_t *doc, il_num_t *n, const json_t *v)
{
    int     p;
    char    buf[64];
    double  d;

    memset(n, 0, sizeof(il_num_t));

    if (json_is_integer(v)) {
        n->is_int = 1;
        n->i = json_integer_value(v);
        n->d = (double) n->i;
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, n->i);

    } else {
        d = json_real_value(v);
        n->d = d;

        if (d == floor(d) && fabs(d) < 1e15) {
            snprintf(buf, sizeof(buf), "%.0f", d);

        } else {
            for (p = 1; p <= 17; p++) {
                snprintf(buf, sizeof(buf), "%.*g", p, d);

                if (strtod(buf, NULL) == d) {
                    break;
                }
            }
        }
    }

    n->text = il_schema_strndup(doc, buf, strlen(buf));
    if (n->text == NULL) {
        return -1;
    }

    if (n->is_int) {
        n->mant = n->i < 0 ? (uint64_t) -(n->i + 1) + 1 : (uint64_t) n->i;
        n->exp10 = 0;

        while (n->mant && n->mant % 10 == 0) {
            n->mant /= 10;
            n->exp10++;
        }

        return 0;
    }

    return il_schema_decimal(n->d, &n->mant, &n->exp10);
}


/*
 * |d| as mant * 10^exp10 from the shortest decimal that reads back as d,
 * so 0.07 is 7e-2 and multipleOf 0.01 accepts it.
 */

int
il_schema_decimal(double d, uint64_t *mant, int *exp10)
{
    int        p, e, i;
    char       buf[64], *s;
    uint64_t   m;

    d = fabs(d);

    if (d == 0 || !isfinite(d)) {
        *mant = 0;
        *exp10 = 0;
        return 0;
    }

    for (p = 1; p <= 17; p++) {
        snprintf(buf, sizeof(buf), "%.*e", p - 1, d);

        if (strtod(buf, NULL) == d) {
            break;
        }
    }

    m = 0;
    i = 0;

    for (s = buf; *s && *s != 'e'; s++) {
        if (*s >= '0' && *s <= '9') {
            m = m * 10 + (uint64_t) (*s - '0');
            i++;
        }
    }

    e = (*s == 'e') ? atoi(s + 1) : 0;
    e -= i - 1;

    while (m && m % 10 == 0) {
        m /= 10;
        e++;
    }

    *mant = m;
    *exp10 = e;

    return 0;
}


static const il_schema_keyword_t *
il_schema_keyword(const char *name)
{
    const il_schema_keyword_t  *k;

    for (k = il_schema_keywords; k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            return k;
        }
    }

    return NULL;
}


int
il_schema_kw_single(const char *k)
{
    static const char  *kw[] = { "additionalProperties", "items", "contains",
                                 "propertyNames", "not", "if", "then", "else",
                                 "unevaluatedItems", "unevaluatedProperties",
                                 NULL };
    const char  **p;

    for (p = kw; *p; p++) {
        if (strcmp(*p, k) == 0) {
            return 1;
        }
    }

    return 0;
}


int
il_schema_kw_map(const char *k)
{
    return strcmp(k, "properties") == 0
           || strcmp(k, "patternProperties") == 0
           || strcmp(k, "$defs") == 0
           || strcmp(k, "definitions") == 0
           || strcmp(k, "dependentSchemas") == 0;
}


int
il_schema_kw_list(const char *k)
{
    return strcmp(k, "allOf") == 0
           || strcmp(k, "anyOf") == 0
           || strcmp(k, "oneOf") == 0
           || strcmp(k, "prefixItems") == 0;
}


/* FNV-1a. */

static uint32_t
il_schema_hash(const char *s, size_t len)
{
    size_t    i;
    uint32_t  h;

    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 16777619u;
    }

    return h;
}


int
il_schema_fail(il_schema_cc_t *cc, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (cc->failed) {
        return -1;
    }

    cc->failed = 1;

    if (cc->errlen == 0) {
        return -1;
    }

    va_start(args, fmt);
    n = vsnprintf(cc->err, cc->errlen, fmt, args);
    va_end(args);

    if (n >= 0 && (size_t) n < cc->errlen) {
        snprintf(cc->err + n, cc->errlen - n, " at \"%s\"",
                 cc->ptr ? cc->ptr : "");
    }

    return -1;
}


/* Appends one reference token, escaped as RFC 6901 says. */

int
il_schema_ptr_push(il_schema_cc_t *cc, const char *seg, size_t len)
{
    char    *p;
    size_t   i, need, cap;

    need = cc->plen + 2 * len + 2;

    if (need > cc->pcap) {
        cap = need * 2 + 64;
        p = realloc(cc->ptr, cap);

        if (p == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        cc->ptr = p;
        cc->pcap = cap;
    }

    cc->ptr[cc->plen++] = '/';

    for (i = 0; i < len; i++) {
        if (seg[i] == '~') {
            cc->ptr[cc->plen++] = '~';
            cc->ptr[cc->plen++] = '0';

        } else if (seg[i] == '/') {
            cc->ptr[cc->plen++] = '~';
            cc->ptr[cc->plen++] = '1';

        } else {
            cc->ptr[cc->plen++] = seg[i];
        }
    }

    cc->ptr[cc->plen] = '\0';

    return 0;
}


/* Replaces the whole pointer with one already escaped. */

int
il_schema_ptr_reset(il_schema_cc_t *cc, const char *pointer)
{
    char    *p;
    size_t   len, cap;

    len = strlen(pointer);

    if (len + 1 > cc->pcap) {
        cap = len * 2 + 64;
        p = realloc(cc->ptr, cap);

        if (p == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

        cc->ptr = p;
        cc->pcap = cap;
    }

    memcpy(cc->ptr, pointer, len + 1);
    cc->plen = len;

    return 0;
}


void
il_schema_ptr_set(il_schema_cc_t *cc, size_t len)
{
    cc->plen = len;

    if (cc->ptr) {
        cc->ptr[len] = '\0';
    }
}


void *
il_schema_alloc(il_schema_doc_t *doc, size_t size)
{
    void               *p;
    size_t              bsize;
    il_schema_block_t  *b;

    size = (size + 15) & ~(size_t) 15;
    b = doc->blocks;

    if (b == NULL || b->size - b->used < size) {
        bsize = size > IL_SCHEMA_BLOCK_SIZE ? size : IL_SCHEMA_BLOCK_SIZE;

        b = malloc(sizeof(il_schema_block_t) + 16 + bsize);
        if (b == NULL) {
            return NULL;
        }

        b->size = bsize;
        b->used = 0;
        b->next = doc->blocks;
        doc->blocks = b;
    }

    p = (char *) b + ((sizeof(il_schema_block_t) + 15) & ~(size_t) 15)
        + b->used;
    b->used += size;

    memset(p, 0, size);

    return p;
}


char *
il_schema_strndup(il_schema_doc_t *doc, const char *s, size_t len)
{
    char  *p;

    p = il_schema_alloc(doc, len + 1);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


static size_t
il_schema_map_slot(const il_schema_map_t *m, const void *key)
{
    size_t  h;

    h = (size_t) (((uintptr_t) key >> 4) * 0x9e3779b97f4a7c15ULL);

    for (h &= m->cap - 1; m->keys[h] && m->keys[h] != key;
         h = (h + 1) & (m->cap - 1))
    {
        /* void */
    }

    return h;
}


void *
il_schema_map_get(const il_schema_map_t *m, const void *key)
{
    size_t  h;

    if (m->cap == 0) {
        return NULL;
    }

    h = il_schema_map_slot(m, key);

    return m->keys[h] ? m->values[h] : NULL;
}


int
il_schema_map_put(il_schema_map_t *m, const void *key, void *value)
{
    size_t            i, h;
    il_schema_map_t   nm;

    if ((m->n + 1) * 2 > m->cap) {
        nm.cap = m->cap ? m->cap * 2 : 64;
        nm.n = 0;
        nm.keys = calloc(nm.cap, sizeof(void *));
        nm.values = calloc(nm.cap, sizeof(void *));

        if (nm.keys == NULL || nm.values == NULL) {
            free(nm.keys);
            free(nm.values);
            return -1;
        }

        for (i = 0; i < m->cap; i++) {
            if (m->keys[i]) {
                h = il_schema_map_slot(&nm, m->keys[i]);
                nm.keys[h] = m->keys[i];
                nm.values[h] = m->values[i];
                nm.n++;
            }
        }

        il_schema_map_free(m);
        *m = nm;
    }

    h = il_schema_map_slot(m, key);

    if (m->keys[h] == NULL) {
        m->n++;
    }

    m->keys[h] = key;
    m->values[h] = value;

    return 0;
}


void
il_schema_map_free(il_schema_map_t *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof(il_schema_map_t));
}
