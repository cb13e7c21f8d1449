
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Compiling the applicators (allOf, anyOf, oneOf, not, if/then/else),
 * $ref and OpenAPI's discriminator, and the check that no cycle of them
 * comes back to a schema without moving into the value.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


static int il_schema_c_ref(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
static int il_schema_c_discriminator(il_schema_cc_t *cc, il_schema_t *s,
    json_t *j, const char *base);
static int il_schema_opt_branch(il_schema_t **b, size_t n);
static int il_schema_loop_check(il_schema_cc_t *cc, il_schema_t *s);


int
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

int
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
