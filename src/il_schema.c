
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The schema compiler: every keyword is read and checked once, at
 * configuration time, into nodes the validator walks without looking at
 * schema JSON again.  Object keywords are in il_schema_object.c,
 * applicators and $ref in il_schema_apply.c.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


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


static void il_schema_forget(il_schema_doc_t *doc, il_schema_t *head);
static int il_schema_index_root(il_schema_cc_t *cc);
static unsigned il_schema_types_r(const il_schema_t *s, unsigned depth);
static unsigned il_schema_item_types_r(const il_schema_t *s,
    unsigned depth);
static int il_schema_check_keys(il_schema_cc_t *cc, json_t *j);
static const il_schema_keyword_t *il_schema_keyword(const char *name);
static int il_schema_c_type(il_schema_cc_t *cc, il_schema_t *s, json_t *j);
static int il_schema_c_values(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static const char *il_schema_quote(il_schema_doc_t *doc, const json_t *v);
static int il_schema_c_string(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static int il_schema_c_number(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j);
static il_num_t *il_schema_number(il_schema_cc_t *cc, json_t *j,
    const char *key);


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
    il_arena_init(&doc->values, NULL, 0);

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

    il_arena_free(&doc->values);
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
        t &= il_schema_value_type(s->konst);
    }

    if (s->kw & IL_KW_ENUM) {
        u = 0;

        for (i = 0; i < s->enums->len; i++) {
            u |= il_schema_value_type(&s->enums->u.items[i]);
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


il_schema_t *
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


il_schema_t *
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


il_schema_t **
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


/*
 * const and enum, with their messages written once here, and their
 * values copied out of jansson into the form requests are read in.
 */

static int
il_schema_c_values(il_schema_cc_t *cc, il_schema_t *s, json_t *j)
{
    char        *msg, *m;
    size_t       i, n;
    json_t      *v;
    const char  *q;

    v = json_object_get(j, "const");
    if (v != NULL) {
        s->konst = il_value_from_json(&cc->doc->values, v);
        if (s->konst == NULL) {
            return il_schema_fail(cc, "out of memory");
        }

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

    s->enums = il_value_from_json(&cc->doc->values, v);
    if (s->enums == NULL) {
        return il_schema_fail(cc, "out of memory");
    }

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


/* A value as messages quote it: strings in single quotes, others JSON. */

static const char *
il_schema_quote(il_schema_doc_t *doc, const json_t *v)
{
    char        *dump;
    il_num_t     n;
    const char  *q;

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
    size_t              i;
    il_num_t          **n;
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


/*
 * A non-negative integer keyword (1.0 counts, as JSON Schema says).
 * Returns 1 when present, 0 when absent, -1 on error.
 */

int
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
