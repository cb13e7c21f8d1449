
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The validator: walks compiled nodes over a value and reports problems
 * as the API words them.  Nothing here allocates on the way except the
 * error list, a path longer than its inline buffer, and the bit sets of
 * unevaluatedProperties/unevaluatedItems and uniqueItems on large values.
 */


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


#define IL_V_PATH_INLINE  256
#define IL_V_EVAL_INLINE  4          /* 64-bit words: 256 members */
#define IL_V_PAIRWISE     16         /* uniqueItems without hashing */


typedef struct {
    char              *path;
    size_t             len;
    size_t             cap;
    unsigned           depth;
    unsigned           nomem:1;
    char               inl[IL_V_PATH_INLINE];
} il_v_ctx_t;


/*
 * Which members of one object (by position) or array (by index) some
 * keyword has evaluated, for unevaluatedProperties/unevaluatedItems.
 */
typedef struct {
    uint64_t          *bits;
    size_t             n;
    unsigned           all:1;
    uint64_t           inl[IL_V_EVAL_INLINE];
} il_v_eval_t;


typedef struct {
    uint64_t           hash;
    size_t             index;
} il_v_hashed_t;


static int il_v(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_node(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_string(il_v_ctx_t *ctx, const il_schema_t *s,
    const json_t *v, il_field_errors_t *errs);
static int il_v_number(il_v_ctx_t *ctx, const il_schema_t *s,
    const json_t *v, il_field_errors_t *errs);
static int il_v_object(il_v_ctx_t *ctx, const il_schema_t *s,
    const json_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_extras(il_v_ctx_t *ctx, const il_schema_t *s,
    const json_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_array(il_v_ctx_t *ctx, const il_schema_t *s,
    const json_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_apply(il_v_ctx_t *ctx, const il_schema_t *s,
    const json_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_union(il_v_ctx_t *ctx, const il_schema_t *s,
    il_schema_t **b, size_t n, int opt, int one, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_union_report(il_v_ctx_t *ctx, il_schema_t **b, size_t n,
    int opt, const json_t *v, il_field_errors_t *errs);
static int il_v_uneval(il_v_ctx_t *ctx, const il_schema_t *s,
    const json_t *v, il_field_errors_t *errs, il_v_eval_t *mine);
static void il_v_type_error(il_v_ctx_t *ctx, unsigned types,
    il_field_errors_t *errs);
static void il_v_types_text(unsigned types, char *buf, size_t size);
static int il_v_unique(const json_t *v);
static int il_v_hashed_cmp(const void *a, const void *b);
static uint64_t il_v_hash(const json_t *v);
static int il_v_num_cmp(const json_t *v, const il_num_t *n);
static int il_v_multiple(const json_t *v, const il_num_t *m);
static int il_v_enum(const il_schema_t *s, const json_t *v);
static size_t il_v_push_key(il_v_ctx_t *ctx, const char *key, size_t len);
static size_t il_v_push_index(il_v_ctx_t *ctx, size_t i);
static void il_v_pop(il_v_ctx_t *ctx, size_t len);
static const char *il_v_path(il_v_ctx_t *ctx);
static void il_v_err(il_v_ctx_t *ctx, il_field_errors_t *errs,
    const char *type, const char *msg);
static void il_v_errf(il_v_ctx_t *ctx, il_field_errors_t *errs,
    const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int il_v_eval_init(il_v_eval_t *e, size_t n);
static void il_v_eval_free(il_v_eval_t *e);
static void il_v_eval_mark(il_v_eval_t *e, size_t i);
static int il_v_eval_has(const il_v_eval_t *e, size_t i);
static void il_v_eval_merge(il_v_eval_t *dst, const il_v_eval_t *src);
static size_t il_v_utf8_len(const char *s, size_t len);


int
il_schema_validate(const il_schema_t *s, const json_t *value,
    const char *base, il_field_errors_t *errs)
{
    int         ok;
    size_t      n;
    il_v_ctx_t  ctx;

    ctx.path = ctx.inl;
    ctx.cap = sizeof(ctx.inl);
    ctx.len = 0;
    ctx.depth = 0;
    ctx.nomem = 0;
    ctx.inl[0] = '\0';

    n = strlen(base);

    if (n) {
        il_v_push_key(&ctx, base, n);
    }

    ok = il_v(&ctx, s, value, errs, NULL);

    if (!ok && errs != NULL && errs->n == 0 && !errs->nomem) {
        /* every failing keyword reports; this is a last guard */
        il_v_err(&ctx, errs, "value_error", "Input is not valid.");
    }

    if (ctx.path != ctx.inl) {
        free(ctx.path);
    }

    return ok;
}


static int
il_v(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int  ok;

    if (s->kw == 0) {
        return 1;
    }

    if (s->kw & IL_KW_FALSE) {
        il_v_err(ctx, errs, "value_error", "Input is not permitted.");
        return 0;
    }

    if (ctx->depth >= IL_SCHEMA_EVAL_MAX) {
        il_v_err(ctx, errs, "value_error",
                 "Input is nested too deep to validate.");
        return 0;
    }

    ctx->depth++;
    ok = il_v_node(ctx, s, v, errs, ev);
    ctx->depth--;

    return ok;
}


static int
il_v_node(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int           ok, own;
    unsigned      vt;
    il_v_eval_t   mine, *cur;

    vt = il_schema_json_type(v);

    if ((s->kw & IL_KW_TYPE) && !(s->types & vt)) {
        il_v_type_error(ctx, s->types, errs);
        return 0;
    }

    ok = 1;
    own = 0;
    cur = NULL;

    if (json_is_object(v) || json_is_array(v)) {
        cur = ev;

        if ((s->uneval_props && json_is_object(v))
            || (s->uneval_items && json_is_array(v)))
        {
            if (il_v_eval_init(&mine, json_is_object(v) ? json_object_size(v)
                                                        : json_array_size(v))
                != 0)
            {
                if (errs) {
                    errs->nomem = 1;
                }

                return 0;
            }

            own = 1;
            cur = &mine;
        }
    }

    if ((s->kw & IL_KW_CONST) && !il_schema_json_equal(v, s->konst)) {
        il_v_err(ctx, errs, "literal_error", s->const_msg);
        ok = 0;

        if (errs == NULL) {
            goto done;
        }
    }

    if ((s->kw & IL_KW_ENUM) && !il_v_enum(s, v)) {
        il_v_err(ctx, errs, "enum", s->enum_msg);
        ok = 0;

        if (errs == NULL) {
            goto done;
        }
    }

    switch (json_typeof(v)) {

    case JSON_STRING:
        if (s->kw & IL_KW_STRING) {
            ok &= il_v_string(ctx, s, v, errs);
        }

        break;

    case JSON_INTEGER:
    case JSON_REAL:
        if (s->kw & IL_KW_NUMBER) {
            ok &= il_v_number(ctx, s, v, errs);
        }

        break;

    case JSON_OBJECT:
        if ((s->kw & IL_KW_OBJECT) || cur != NULL) {
            ok &= il_v_object(ctx, s, v, errs, cur);
        }

        break;

    case JSON_ARRAY:
        if ((s->kw & IL_KW_ARRAY) || cur != NULL) {
            ok &= il_v_array(ctx, s, v, errs, cur);
        }

        break;

    default:
        break;
    }

    if (!ok && errs == NULL) {
        goto done;
    }

    if (s->kw & IL_KW_APPLY) {
        ok &= il_v_apply(ctx, s, v, errs, cur);

        if (!ok && errs == NULL) {
            goto done;
        }
    }

    if (own) {
        ok &= il_v_uneval(ctx, s, v, errs, &mine);
    }

done:

    if (own) {
        if (ok && ev != NULL) {
            il_v_eval_merge(ev, &mine);
        }

        il_v_eval_free(&mine);
    }

    return ok;
}


static int
il_v_string(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs)
{
    int          ok, rc;
    size_t       len, n;
    const char  *str;

    ok = 1;
    str = json_string_value(v);
    len = json_string_length(v);

    if (s->min_len || s->max_len != SIZE_MAX) {
        n = il_v_utf8_len(str, len);

        if (n < s->min_len) {
            il_v_errf(ctx, errs, "string_too_short",
                      "String should have at least %zu character%s.",
                      s->min_len, s->min_len == 1 ? "" : "s");
            ok = 0;

        } else if (n > s->max_len) {
            il_v_errf(ctx, errs, "string_too_long",
                      "String should have at most %zu character%s.",
                      s->max_len, s->max_len == 1 ? "" : "s");
            ok = 0;
        }

        if (!ok && errs == NULL) {
            return 0;
        }
    }

    if (s->pattern) {
        rc = il_regex_match(s->pattern, str, len);

        if (rc != 1) {
            il_v_err(ctx, errs, "string_pattern_mismatch", s->pattern_msg);
            ok = 0;

            if (errs == NULL) {
                return 0;
            }
        }
    }

    if (s->format != IL_FORMAT_NONE && !il_format_check(s->format, str, len)) {
        ok = 0;

        switch (s->format) {
        case IL_FORMAT_UUID:
            il_v_err(ctx, errs, "uuid_parsing", "Input should be a valid UUID.");
            break;
        case IL_FORMAT_DATE_TIME:
            il_v_err(ctx, errs, "datetime_parsing",
                     "Input should be a valid datetime.");
            break;
        case IL_FORMAT_DATE:
            il_v_err(ctx, errs, "date_parsing",
                     "Input should be a valid date.");
            break;
        case IL_FORMAT_TIME:
            il_v_err(ctx, errs, "value_error",
                     "Input should be a valid time.");
            break;
        case IL_FORMAT_EMAIL:
            il_v_err(ctx, errs, "value_error",
                     "Input should be a valid email address.");
            break;
        case IL_FORMAT_URI:
            il_v_err(ctx, errs, "value_error",
                     "Input should be a valid URI.");
            break;
        case IL_FORMAT_IPV4:
            il_v_err(ctx, errs, "value_error",
                     "Input should be a valid IPv4 address.");
            break;
        default:
            il_v_err(ctx, errs, "value_error",
                     "Input should be a valid IPv6 address.");
            break;
        }
    }

    return ok;
}


static int
il_v_number(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs)
{
    int  ok;

    ok = 1;

    if (s->minimum && il_v_num_cmp(v, s->minimum) < 0) {
        il_v_errf(ctx, errs, "greater_than_equal",
                  "Input should be greater than or equal to %s.",
                  s->minimum->text);
        ok = 0;
    }

    if (s->ex_minimum && il_v_num_cmp(v, s->ex_minimum) <= 0) {
        il_v_errf(ctx, errs, "greater_than",
                  "Input should be greater than %s.", s->ex_minimum->text);
        ok = 0;
    }

    if (s->maximum && il_v_num_cmp(v, s->maximum) > 0) {
        il_v_errf(ctx, errs, "less_than_equal",
                  "Input should be less than or equal to %s.",
                  s->maximum->text);
        ok = 0;
    }

    if (s->ex_maximum && il_v_num_cmp(v, s->ex_maximum) >= 0) {
        il_v_errf(ctx, errs, "less_than",
                  "Input should be less than %s.", s->ex_maximum->text);
        ok = 0;
    }

    if (s->multiple_of && !il_v_multiple(v, s->multiple_of)) {
        il_v_errf(ctx, errs, "multiple_of",
                  "Input should be a multiple of %s.", s->multiple_of->text);
        ok = 0;
    }

    return ok;
}


/*
 * Properties in the order the schema declares them, then required names
 * the schema does not declare, then dependentRequired and
 * x-mutually-exclusive, then the instance's other keys in its own order.
 */

static int
il_v_object(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int                      ok;
    size_t                   i, k, old, n;
    json_t                  *m, *key;
    const char              *name, *first;
    const il_schema_prop_t  *p;
    const il_schema_dep_t   *d;
    const il_schema_group_t *g;

    ok = 1;

    for (i = 0; i < s->nprops; i++) {
        if (errs && errs->truncated) {
            return 0;
        }

        p = &s->props[i];
        m = json_object_getn(v, p->name, p->len);

        if (m != NULL) {
            if (p->read_only) {
                /* reported with the other extra keys */
                continue;
            }

            old = il_v_push_key(ctx, p->name, p->len);

            if (!il_v(ctx, p->schema, m, errs, NULL)) {
                ok = 0;
            }

            il_v_pop(ctx, old);

        } else if (p->required && !p->read_only) {
            old = il_v_push_key(ctx, p->name, p->len);
            il_v_err(ctx, errs, "missing", "Field required.");
            il_v_pop(ctx, old);
            ok = 0;
        }

        if (!ok && errs == NULL) {
            return 0;
        }
    }

    for (i = 0; i < s->nrequired; i++) {
        if (json_object_get(v, s->required[i]) == NULL) {
            old = il_v_push_key(ctx, s->required[i],
                                strlen(s->required[i]));
            il_v_err(ctx, errs, "missing", "Field required.");
            il_v_pop(ctx, old);
            ok = 0;

            if (errs == NULL) {
                return 0;
            }
        }
    }

    for (i = 0; i < s->ndep_required; i++) {
        d = &s->dep_required[i];

        if (json_object_get(v, d->name) == NULL) {
            continue;
        }

        for (k = 0; k < d->n; k++) {
            if (json_object_get(v, d->names[k]) == NULL) {
                old = il_v_push_key(ctx, d->names[k], strlen(d->names[k]));
                il_v_err(ctx, errs, "missing", "Field required.");
                il_v_pop(ctx, old);
                ok = 0;

                if (errs == NULL) {
                    return 0;
                }
            }
        }
    }

    for (i = 0; i < s->ngroups; i++) {
        g = &s->groups[i];
        first = NULL;

        for (k = 0; k < g->n; k++) {
            m = json_object_get(v, g->names[k]);

            if (m == NULL || json_is_null(m)) {
                continue;
            }

            if (first == NULL) {
                first = g->names[k];
                continue;
            }

            old = il_v_push_key(ctx, g->names[k], strlen(g->names[k]));
            il_v_errf(ctx, errs, "mutually_exclusive",
                      "Cannot be set together with %s.", first);
            il_v_pop(ctx, old);
            ok = 0;

            if (errs == NULL) {
                return 0;
            }
        }
    }

    if ((s->kw & IL_KW_EXTRAS) || ev != NULL) {
        ok &= il_v_extras(ctx, s, v, errs, ev);

        if (!ok && errs == NULL) {
            return 0;
        }
    }

    if (s->names) {
        json_object_foreach((json_t *) v, name, m) {
            n = strlen(name);
            key = json_stringn_nocheck(name, n);

            if (key == NULL) {
                if (errs) {
                    errs->nomem = 1;
                }

                return 0;
            }

            if (!il_v(ctx, s->names, key, NULL, NULL)) {
                old = il_v_push_key(ctx, name, n);
                il_v_err(ctx, errs, "value_error",
                         "Property name is not allowed.");
                il_v_pop(ctx, old);
                ok = 0;
            }

            json_decref(key);

            if (!ok && errs == NULL) {
                return 0;
            }
        }
    }

    n = json_object_size(v);

    if (n < s->min_props) {
        il_v_errf(ctx, errs, "too_short",
                  "Object should have at least %zu propert%s.",
                  s->min_props, s->min_props == 1 ? "y" : "ies");
        ok = 0;

    } else if (n > s->max_props) {
        il_v_errf(ctx, errs, "too_long",
                  "Object should have at most %zu propert%s.",
                  s->max_props, s->max_props == 1 ? "y" : "ies");
        ok = 0;
    }

    if (!ok && errs == NULL) {
        return 0;
    }

    for (i = 0; i < s->ndep_schemas; i++) {
        d = &s->dep_schemas[i];

        if (json_object_get(v, d->name) != NULL
            && !il_v(ctx, d->schema, v, errs, ev))
        {
            ok = 0;

            if (errs == NULL) {
                return 0;
            }
        }
    }

    return ok;
}


/*
 * One pass over the instance's keys, in its order: readOnly properties
 * in request mode, patternProperties, additionalProperties, and the
 * marks unevaluatedProperties reads.
 */

static int
il_v_extras(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int                      ok, seen, rc;
    size_t                   i, k, n, old;
    json_t                  *m;
    uint32_t                 h, slot;
    const char              *key;
    const il_schema_prop_t  *p;

    ok = 1;
    i = 0;

    json_object_foreach((json_t *) v, key, m) {
        if (errs && errs->truncated) {
            return 0;
        }

        n = strlen(key);
        p = NULL;

        if (s->nprops) {
            h = 2166136261u;

            for (k = 0; k < n; k++) {
                h ^= (unsigned char) key[k];
                h *= 16777619u;
            }

            for (h &= s->prop_mask; (slot = s->prop_hash[h]) != 0;
                 h = (h + 1) & s->prop_mask)
            {
                if (s->props[slot - 1].len == n
                    && memcmp(s->props[slot - 1].name, key, n) == 0)
                {
                    p = &s->props[slot - 1];
                    break;
                }
            }
        }

        seen = (p != NULL);
        old = il_v_push_key(ctx, key, n);

        if (p != NULL && p->read_only) {
            il_v_err(ctx, errs, "extra_forbidden",
                     "Extra inputs are not permitted.");
            ok = 0;
        }

        for (k = 0; k < s->npatterns; k++) {
            rc = il_regex_match(s->patterns[k].re, key, n);

            if (rc != 1) {
                continue;
            }

            seen = 1;

            if (!il_v(ctx, s->patterns[k].schema, m, errs, NULL)) {
                ok = 0;
            }
        }

        if (!seen && s->additional) {
            seen = 1;

            if (s->additional->kw & IL_KW_FALSE) {
                il_v_err(ctx, errs, "extra_forbidden",
                         "Extra inputs are not permitted.");
                ok = 0;

            } else if (!il_v(ctx, s->additional, m, errs, NULL)) {
                ok = 0;
            }
        }

        il_v_pop(ctx, old);

        if (!ok && errs == NULL) {
            return 0;
        }

        if (seen && ev != NULL) {
            il_v_eval_mark(ev, i);
        }

        i++;
    }

    return ok;
}


static int
il_v_array(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int      ok;
    size_t   n, i, old, count;
    json_t  *m;

    ok = 1;
    n = json_array_size(v);

    if (n < s->min_items) {
        il_v_errf(ctx, errs, "too_short",
                  "List should have at least %zu item%s.",
                  s->min_items, s->min_items == 1 ? "" : "s");
        ok = 0;

    } else if (n > s->max_items) {
        il_v_errf(ctx, errs, "too_long",
                  "List should have at most %zu item%s.",
                  s->max_items, s->max_items == 1 ? "" : "s");
        ok = 0;
    }

    if (!ok && errs == NULL) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (errs && errs->truncated) {
            return 0;
        }

        if (i < s->nprefix) {
            m = json_array_get(v, i);
            old = il_v_push_index(ctx, i);

            if (!il_v(ctx, s->prefix[i], m, errs, NULL)) {
                ok = 0;
            }

            il_v_pop(ctx, old);

        } else if (s->items) {
            m = json_array_get(v, i);
            old = il_v_push_index(ctx, i);

            if (!il_v(ctx, s->items, m, errs, NULL)) {
                ok = 0;
            }

            il_v_pop(ctx, old);

        } else {
            break;
        }

        if (!ok && errs == NULL) {
            return 0;
        }

        if (ev != NULL) {
            il_v_eval_mark(ev, i);
        }
    }

    if (s->contains) {
        count = 0;

        for (i = 0; i < n; i++) {
            if (il_v(ctx, s->contains, json_array_get(v, i), NULL, NULL)) {
                count++;

                if (ev != NULL) {
                    il_v_eval_mark(ev, i);
                }
            }
        }

        if (count < s->min_contains) {
            il_v_errf(ctx, errs, "value_error",
                      "List should contain at least %zu matching item%s.",
                      s->min_contains, s->min_contains == 1 ? "" : "s");
            ok = 0;

        } else if (count > s->max_contains) {
            il_v_errf(ctx, errs, "value_error",
                      "List should contain at most %zu matching item%s.",
                      s->max_contains, s->max_contains == 1 ? "" : "s");
            ok = 0;
        }

        if (!ok && errs == NULL) {
            return 0;
        }
    }

    if (s->unique && !il_v_unique(v)) {
        il_v_err(ctx, errs, "value_error", "List should have unique items.");
        ok = 0;
    }

    return ok;
}


static int
il_v_apply(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int          ok, r;
    size_t       i;
    il_v_eval_t  tmp;

    ok = 1;

    if (s->ref && !il_v(ctx, s->ref, v, errs, ev)) {
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    for (i = 0; i < s->nall_of; i++) {
        if (!il_v(ctx, s->all_of[i], v, errs, ev)) {
            ok = 0;

            if (errs == NULL) {
                return 0;
            }
        }
    }

    if (s->nany_of
        && !il_v_union(ctx, s, s->any_of, s->nany_of, s->any_opt, 0, v,
                       errs, ev))
    {
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    if (s->none_of
        && !il_v_union(ctx, s, s->one_of, s->none_of, s->one_opt, 1, v,
                       errs, ev))
    {
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    if (s->not && il_v(ctx, s->not, v, NULL, NULL)) {
        il_v_err(ctx, errs, "value_error",
                 "Input should not match the excluded schema.");
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    if (s->if_) {
        if (ev != NULL) {
            if (il_v_eval_init(&tmp, ev->n) != 0) {
                return 0;
            }

            r = il_v(ctx, s->if_, v, NULL, &tmp);

            if (r) {
                il_v_eval_merge(ev, &tmp);
            }

            il_v_eval_free(&tmp);

        } else {
            r = il_v(ctx, s->if_, v, NULL, NULL);
        }

        if (r && s->then_ && !il_v(ctx, s->then_, v, errs, ev)) {
            ok = 0;
        }

        if (!r && s->else_ && !il_v(ctx, s->else_, v, errs, ev)) {
            ok = 0;
        }
    }

    return ok;
}


/*
 * anyOf (one == 0) and oneOf (one == 1).  Branches are tried silently;
 * only a failure is then reported, through one chosen branch.
 */

static int
il_v_union(il_v_ctx_t *ctx, const il_schema_t *s, il_schema_t **b,
    size_t n, int opt, int one, const json_t *v, il_field_errors_t *errs,
    il_v_eval_t *ev)
{
    int                     r, disc;
    char                    tag[128];
    size_t                  i, valid;
    json_t                 *t;
    il_v_eval_t             tmp;
    const il_schema_tag_t  *dt;

    disc = 0;
    t = NULL;

    if (s->disc_prop && b == (s->none_of ? s->one_of : s->any_of)) {
        disc = 1;
        t = json_is_object(v) ? json_object_get(v, s->disc_prop) : NULL;

        if (json_is_string(t)) {
            for (i = 0; i < s->ndisc_tags; i++) {
                dt = &s->disc_tags[i];

                if (strcmp(dt->tag, json_string_value(t)) == 0) {
                    return il_v(ctx, dt->schema, v, errs, ev);
                }
            }
        }
    }

    valid = 0;

    for (i = 0; i < n; i++) {
        if (ev != NULL) {
            if (il_v_eval_init(&tmp, ev->n) != 0) {
                return 0;
            }

            r = il_v(ctx, b[i], v, NULL, &tmp);

            if (r) {
                il_v_eval_merge(ev, &tmp);
            }

            il_v_eval_free(&tmp);

        } else {
            r = il_v(ctx, b[i], v, NULL, NULL);
        }

        if (r) {
            valid++;

            if (ev == NULL && (!one || valid > 1)) {
                break;
            }
        }
    }

    if (one ? valid == 1 : valid > 0) {
        return 1;
    }

    if (errs == NULL) {
        return 0;
    }

    if (valid > 1) {
        il_v_err(ctx, errs, "value_error",
                 "Input should match exactly one schema.");
        return 0;
    }

    if (disc) {
        if (t == NULL) {
            il_v_errf(ctx, errs, "union_tag_invalid",
                      "Unable to extract tag using discriminator '%s'.",
                      s->disc_prop);
            return 0;
        }

        if (json_is_string(t)) {
            snprintf(tag, sizeof(tag), "'%s'", json_string_value(t));

        } else if (json_is_null(t)) {
            snprintf(tag, sizeof(tag), "null");

        } else {
            snprintf(tag, sizeof(tag), "of type %s",
                     json_is_number(t) ? "number"
                     : json_is_boolean(t) ? "boolean"
                     : json_is_array(t) ? "array" : "object");
        }

        il_v_errf(ctx, errs, "union_tag_invalid",
                  "Input tag %s found using '%s' does not match any of the "
                  "expected tags: %s.", tag, s->disc_prop,
                  s->disc_expected);
        return 0;
    }

    return il_v_union_report(ctx, b, n, opt, v, errs);
}


/*
 * The way the API reports a value no branch accepts: an optional field
 * (one branch besides {"type": "null"}) reports that branch; otherwise
 * the first branch made for the value's JSON type does; otherwise one
 * value_error names the types the branches take.
 */

static int
il_v_union_report(il_v_ctx_t *ctx, il_schema_t **b, size_t n, int opt,
    const json_t *v, il_field_errors_t *errs)
{
    size_t    i;
    unsigned  vt, t, all;

    if (opt >= 0) {
        return il_v(ctx, b[opt], v, errs, NULL);
    }

    vt = il_schema_json_type(v);
    all = 0;

    for (i = 0; i < n; i++) {
        t = il_schema_types(b[i]);
        all |= t;

        if (t & vt) {
            return il_v(ctx, b[i], v, errs, NULL);
        }
    }

    il_v_type_error(ctx, all, errs);

    return 0;
}


static int
il_v_uneval(il_v_ctx_t *ctx, const il_schema_t *s, const json_t *v,
    il_field_errors_t *errs, il_v_eval_t *mine)
{
    int          ok;
    size_t       i, old;
    json_t      *m;
    const char  *key;

    ok = 1;

    if (json_is_object(v) && s->uneval_props) {
        i = 0;

        json_object_foreach((json_t *) v, key, m) {
            if (!il_v_eval_has(mine, i)) {
                old = il_v_push_key(ctx, key, strlen(key));

                if (s->uneval_props->kw & IL_KW_FALSE) {
                    il_v_err(ctx, errs, "extra_forbidden",
                             "Extra inputs are not permitted.");
                    ok = 0;

                } else if (!il_v(ctx, s->uneval_props, m, errs, NULL)) {
                    ok = 0;
                }

                il_v_pop(ctx, old);

                if (!ok && errs == NULL) {
                    return 0;
                }
            }

            i++;
        }

        mine->all = 1;
    }

    if (json_is_array(v) && s->uneval_items) {
        json_array_foreach(v, i, m) {
            if (!il_v_eval_has(mine, i)) {
                old = il_v_push_index(ctx, i);

                if (!il_v(ctx, s->uneval_items, m, errs, NULL)) {
                    ok = 0;
                }

                il_v_pop(ctx, old);

                if (!ok && errs == NULL) {
                    return 0;
                }
            }
        }

        mine->all = 1;
    }

    return ok;
}


static void
il_v_type_error(il_v_ctx_t *ctx, unsigned types, il_field_errors_t *errs)
{
    char      text[128];
    unsigned  t;

    t = types & ~IL_SCHEMA_T_NULL;

    if (t & IL_SCHEMA_T_NUMBER) {
        t &= ~IL_SCHEMA_T_INTEGER;
    }

    switch (t) {

    case 0:
        if (types & IL_SCHEMA_T_NULL) {
            il_v_err(ctx, errs, "value_error", "Input should be null.");

        } else {
            il_v_err(ctx, errs, "value_error", "Input is not permitted.");
        }

        return;

    case IL_SCHEMA_T_STRING:
        il_v_err(ctx, errs, "string_type", "Input should be a valid string.");
        return;

    case IL_SCHEMA_T_INTEGER:
        il_v_err(ctx, errs, "int_type", "Input should be a valid integer.");
        return;

    case IL_SCHEMA_T_NUMBER:
        il_v_err(ctx, errs, "float_type", "Input should be a valid number.");
        return;

    case IL_SCHEMA_T_BOOLEAN:
        il_v_err(ctx, errs, "bool_type", "Input should be a valid boolean.");
        return;

    case IL_SCHEMA_T_ARRAY:
        il_v_err(ctx, errs, "list_type", "Input should be a valid list.");
        return;

    case IL_SCHEMA_T_OBJECT:
        il_v_err(ctx, errs, "dict_type", "Input should be a valid object.");
        return;

    default:
        il_v_types_text(types, text, sizeof(text));
        il_v_errf(ctx, errs, "value_error", "Input should be of type %s.",
                  text);
        return;
    }
}


/* "string, integer or null" */

static void
il_v_types_text(unsigned types, char *buf, size_t size)
{
    size_t       i, n, k, len;
    const char  *names[7];

    n = 0;

    if (types & IL_SCHEMA_T_STRING) {
        names[n++] = "string";
    }

    if (types & IL_SCHEMA_T_NUMBER) {
        names[n++] = "number";

    } else if (types & IL_SCHEMA_T_INTEGER) {
        names[n++] = "integer";
    }

    if (types & IL_SCHEMA_T_BOOLEAN) {
        names[n++] = "boolean";
    }

    if (types & IL_SCHEMA_T_ARRAY) {
        names[n++] = "array";
    }

    if (types & IL_SCHEMA_T_OBJECT) {
        names[n++] = "object";
    }

    if (types & IL_SCHEMA_T_NULL) {
        names[n++] = "null";
    }

    len = 0;
    buf[0] = '\0';

    for (i = 0; i < n && len < size; i++) {
        k = snprintf(buf + len, size - len, "%s%s",
                     i == 0 ? "" : (i + 1 == n ? " or " : ", "), names[i]);
        len += k;
    }
}


static int
il_v_enum(const il_schema_t *s, const json_t *v)
{
    size_t  i;

    for (i = 0; i < json_array_size(s->enums); i++) {
        if (il_schema_json_equal(v, json_array_get(s->enums, i))) {
            return 1;
        }
    }

    return 0;
}


/*
 * Small arrays are compared pairwise; larger ones by a hash that equal
 * values share (1 and 1.0 too), sorted, comparing only equal hashes.
 */

static int
il_v_unique(const json_t *v)
{
    int             ok;
    size_t          n, i, k;
    il_v_hashed_t  *h;

    n = json_array_size(v);

    if (n <= IL_V_PAIRWISE) {
        for (i = 0; i < n; i++) {
            for (k = i + 1; k < n; k++) {
                if (il_schema_json_equal(json_array_get(v, i),
                                         json_array_get(v, k)))
                {
                    return 0;
                }
            }
        }

        return 1;
    }

    h = malloc(n * sizeof(il_v_hashed_t));
    if (h == NULL) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        h[i].hash = il_v_hash(json_array_get(v, i));
        h[i].index = i;
    }

    qsort(h, n, sizeof(il_v_hashed_t), il_v_hashed_cmp);

    ok = 1;

    for (i = 0; ok && i < n; i++) {
        for (k = i + 1; k < n && h[k].hash == h[i].hash; k++) {
            if (il_schema_json_equal(json_array_get(v, h[i].index),
                                     json_array_get(v, h[k].index)))
            {
                ok = 0;
                break;
            }
        }
    }

    free(h);

    return ok;
}


static int
il_v_hashed_cmp(const void *a, const void *b)
{
    const il_v_hashed_t  *x, *y;

    x = a;
    y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }

    return x->index < y->index ? -1 : (x->index > y->index);
}


static uint64_t
il_v_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;

    return h;
}


static uint64_t
il_v_hash(const json_t *v)
{
    double       d;
    size_t       i, len;
    json_t      *m;
    uint64_t     h, bits;
    const char  *s, *key;

    switch (json_typeof(v)) {

    case JSON_INTEGER:
        return il_v_mix((uint64_t) json_integer_value(v) ^ 0x1234);

    case JSON_REAL:
        d = json_real_value(v);

        if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18) {
            return il_v_mix((uint64_t) (json_int_t) d ^ 0x1234);
        }

        memcpy(&bits, &d, sizeof(bits));
        return il_v_mix(bits);

    case JSON_STRING:
        s = json_string_value(v);
        len = json_string_length(v);
        h = 1469598103934665603ULL;

        for (i = 0; i < len; i++) {
            h ^= (unsigned char) s[i];
            h *= 1099511628211ULL;
        }

        return h;

    case JSON_ARRAY:
        h = 0x9e3779b97f4a7c15ULL;

        json_array_foreach(v, i, m) {
            h = il_v_mix(h ^ il_v_hash(m)) + i;
        }

        return h;

    case JSON_OBJECT:
        h = 0x7f4a7c159e3779b9ULL;

        /* a sum: the order of keys must not matter */
        json_object_foreach((json_t *) v, key, m) {
            h += il_v_mix(il_v_hash(m) ^ il_v_mix(strlen(key) + 0x51)
                          ^ (uint64_t) (unsigned char) key[0] << 8);
        }

        return h;

    case JSON_TRUE:
        return 1;

    case JSON_FALSE:
        return 2;

    default:
        return 3;
    }
}


/* JSON equality: 1 equals 1.0, object key order does not matter. */

int
il_schema_json_equal(const json_t *a, const json_t *b)
{
    size_t       i;
    json_t      *m;
    const char  *key;
    long double  x, y;

    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b)) {
            return json_integer_value(a) == json_integer_value(b);
        }

        x = json_is_integer(a) ? (long double) json_integer_value(a)
                               : (long double) json_real_value(a);
        y = json_is_integer(b) ? (long double) json_integer_value(b)
                               : (long double) json_real_value(b);

        return x == y;
    }

    if (json_typeof(a) != json_typeof(b)) {
        return 0;
    }

    switch (json_typeof(a)) {

    case JSON_STRING:
        return json_string_length(a) == json_string_length(b)
               && memcmp(json_string_value(a), json_string_value(b),
                         json_string_length(a)) == 0;

    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) {
            return 0;
        }

        json_array_foreach(a, i, m) {
            if (!il_schema_json_equal(m, json_array_get(b, i))) {
                return 0;
            }
        }

        return 1;

    case JSON_OBJECT:
        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }

        json_object_foreach((json_t *) a, key, m) {
            json_t  *o;

            o = json_object_get(b, key);

            if (o == NULL || !il_schema_json_equal(m, o)) {
                return 0;
            }
        }

        return 1;

    default:
        return 1;
    }
}


/* The value's type bits; 1 and 1.0 are integers, as JSON Schema says. */

unsigned
il_schema_json_type(const json_t *v)
{
    double  d;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return IL_SCHEMA_T_OBJECT;
    case JSON_ARRAY:
        return IL_SCHEMA_T_ARRAY;
    case JSON_STRING:
        return IL_SCHEMA_T_STRING;
    case JSON_INTEGER:
        return IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NUMBER;
    case JSON_REAL:
        d = json_real_value(v);
        return (d == floor(d) && isfinite(d))
               ? IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NUMBER
               : IL_SCHEMA_T_NUMBER;
    case JSON_TRUE:
    case JSON_FALSE:
        return IL_SCHEMA_T_BOOLEAN;
    default:
        return IL_SCHEMA_T_NULL;
    }
}


/* Exact for two integers; long double holds both int64 and double. */

static int
il_v_num_cmp(const json_t *v, const il_num_t *n)
{
    json_int_t   i;
    long double  x, y;

    if (json_is_integer(v) && n->is_int) {
        i = json_integer_value(v);
        return i < n->i ? -1 : (i > n->i);
    }

    x = json_is_integer(v) ? (long double) json_integer_value(v)
                           : (long double) json_real_value(v);
    y = n->is_int ? (long double) n->i : (long double) n->d;

    return x < y ? -1 : (x > y);
}


/*
 * Both numbers as decimal mantissa * 10^exp, the way they were written,
 * then an exact integer test: 0.07 is a multiple of 0.01 and 1e308 is no
 * multiple of 0.123456789.
 */

static int
il_v_multiple(const json_t *v, const il_num_t *m)
{
    int                  xe, k;
    uint64_t             xm;
    json_int_t           i;
    unsigned __int128    r, p, d;

    if (json_is_integer(v) && m->is_int) {
        return json_integer_value(v) % m->i == 0;
    }

    if (json_is_integer(v)) {
        i = json_integer_value(v);
        xm = i < 0 ? (uint64_t) -(i + 1) + 1 : (uint64_t) i;
        xe = 0;

        while (xm && xm % 10 == 0) {
            xm /= 10;
            xe++;
        }

    } else {
        il_schema_decimal(json_real_value(v), &xm, &xe);
    }

    if (xm == 0) {
        return 1;
    }

    if (m->mant == 0) {
        return 0;
    }

    if (xe >= m->exp10) {
        /* xm * 10^k mod mant, by squaring */
        k = xe - m->exp10;
        r = xm % m->mant;
        p = 10 % m->mant;

        while (k > 0) {
            if (k & 1) {
                r = (r * p) % m->mant;
            }

            p = (p * p) % m->mant;
            k >>= 1;
        }

        return r == 0;
    }

    k = m->exp10 - xe;

    if (k > 19) {
        return 0;
    }

    d = m->mant;

    while (k-- > 0) {
        d *= 10;
    }

    return (unsigned __int128) xm % d == 0;
}


static size_t
il_v_push_key(il_v_ctx_t *ctx, const char *key, size_t len)
{
    char    *p;
    size_t   old, need, cap;

    old = ctx->len;
    need = ctx->len + len + 2;

    if (need > ctx->cap) {
        cap = need * 2;
        p = (ctx->path == ctx->inl) ? malloc(cap) : realloc(ctx->path, cap);

        if (p == NULL) {
            ctx->nomem = 1;
            return old;
        }

        if (ctx->path == ctx->inl) {
            memcpy(p, ctx->inl, ctx->len + 1);
        }

        ctx->path = p;
        ctx->cap = cap;
    }

    if (ctx->len) {
        ctx->path[ctx->len++] = '.';
    }

    memcpy(ctx->path + ctx->len, key, len);
    ctx->len += len;
    ctx->path[ctx->len] = '\0';

    return old;
}


static size_t
il_v_push_index(il_v_ctx_t *ctx, size_t i)
{
    int   n;
    char  buf[24];

    n = snprintf(buf, sizeof(buf), "%zu", i);

    return il_v_push_key(ctx, buf, (size_t) n);
}


static void
il_v_pop(il_v_ctx_t *ctx, size_t len)
{
    ctx->len = len;
    ctx->path[len] = '\0';
}


static const char *
il_v_path(il_v_ctx_t *ctx)
{
    return ctx->len ? ctx->path : "body";
}


static void
il_v_err(il_v_ctx_t *ctx, il_field_errors_t *errs, const char *type,
    const char *msg)
{
    if (errs != NULL) {
        (void) il_field_errors_add(errs, il_v_path(ctx), msg, type);
    }
}


static void
il_v_errf(il_v_ctx_t *ctx, il_field_errors_t *errs, const char *type,
    const char *fmt, ...)
{
    char     msg[512];
    va_list  args;

    if (errs == NULL) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    (void) il_field_errors_add(errs, il_v_path(ctx), msg, type);
}


static int
il_v_eval_init(il_v_eval_t *e, size_t n)
{
    size_t  words;

    words = (n + 63) / 64;
    e->n = n;
    e->all = 0;

    if (words <= IL_V_EVAL_INLINE) {
        e->bits = e->inl;
        memset(e->inl, 0, sizeof(e->inl));
        return 0;
    }

    e->bits = calloc(words, sizeof(uint64_t));

    return e->bits ? 0 : -1;
}


static void
il_v_eval_free(il_v_eval_t *e)
{
    if (e->bits != e->inl) {
        free(e->bits);
    }
}


static void
il_v_eval_mark(il_v_eval_t *e, size_t i)
{
    if (i < e->n) {
        e->bits[i / 64] |= (uint64_t) 1 << (i % 64);
    }
}


static int
il_v_eval_has(const il_v_eval_t *e, size_t i)
{
    return e->all || (i < e->n && (e->bits[i / 64] >> (i % 64)) & 1);
}


static void
il_v_eval_merge(il_v_eval_t *dst, const il_v_eval_t *src)
{
    size_t  i;

    if (src->all) {
        dst->all = 1;
        return;
    }

    for (i = 0; i < (dst->n + 63) / 64; i++) {
        dst->bits[i] |= src->bits[i];
    }
}


/* Code points: every byte but a continuation byte starts one. */

static size_t
il_v_utf8_len(const char *s, size_t len)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (((unsigned char) s[i] & 0xc0) != 0x80) {
            n++;
        }
    }

    return n;
}
