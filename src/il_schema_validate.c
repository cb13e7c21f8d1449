
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The validator: walks compiled nodes over a value (il_value.h) and
 * reports problems as the API words them.  Nothing here allocates on the
 * way except the error list, a path longer than its inline buffer, and
 * the bit sets of unevaluatedProperties/unevaluatedItems and uniqueItems
 * on large values.
 * What compares and measures JSON values is in il_schema_value.c, how a
 * failed anyOf/oneOf becomes fields in il_schema_union.c.
 */


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema_int.h"


static int il_v_node(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_string(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs);
static int il_v_number(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs);
static int il_v_object(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_extras(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_array(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_apply(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs, il_v_eval_t *ev);
static int il_v_uneval(il_v_ctx_t *ctx, const il_schema_t *s,
    const il_value_t *v, il_field_errors_t *errs, il_v_eval_t *mine);
static int il_v_enum(const il_schema_t *s, const il_value_t *v);
static const il_value_t *il_v_get(const il_value_t *v, const char *name);
static size_t il_v_push_key(il_v_ctx_t *ctx, const char *key, size_t len);
static size_t il_v_push_index(il_v_ctx_t *ctx, size_t i);
static void il_v_pop(il_v_ctx_t *ctx, size_t len);
static const char *il_v_path(il_v_ctx_t *ctx);
static void il_v_eval_mark(il_v_eval_t *e, size_t i);
static int il_v_eval_has(const il_v_eval_t *e, size_t i);


int
il_schema_validate(const il_schema_t *s, const il_value_t *value,
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

    ok = il_schema_v(&ctx, s, value, errs, NULL);

    if (!ok && errs != NULL && errs->n == 0 && !errs->nomem) {
        /* every failing keyword reports; this is a last guard */
        il_schema_v_err(&ctx, errs, "value_error", "Input is not valid.");
    }

    if (ctx.path != ctx.inl) {
        free(ctx.path);
    }

    return ok;
}


int
il_schema_v(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int  ok;

    if (s->kw == 0) {
        return 1;
    }

    if (s->kw & IL_KW_FALSE) {
        il_schema_v_err(ctx, errs, "value_error", "Input is not permitted.");
        return 0;
    }

    if (ctx->depth >= IL_SCHEMA_EVAL_MAX) {
        il_schema_v_err(ctx, errs, "value_error",
                        "Input is nested too deep to validate.");
        return 0;
    }

    ctx->depth++;
    ok = il_v_node(ctx, s, v, errs, ev);
    ctx->depth--;

    return ok;
}


static int
il_v_node(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int           ok, own;
    unsigned      vt;
    il_v_eval_t   mine, *cur;

    vt = il_schema_value_type(v);

    if ((s->kw & IL_KW_TYPE) && !(s->types & vt)) {
        il_schema_v_type_error(ctx, s->types, errs);
        return 0;
    }

    ok = 1;
    own = 0;
    cur = NULL;

    if (v->type == IL_VALUE_OBJECT || v->type == IL_VALUE_ARRAY) {
        cur = ev;

        if ((s->uneval_props && v->type == IL_VALUE_OBJECT)
            || (s->uneval_items && v->type == IL_VALUE_ARRAY))
        {
            if (il_schema_v_eval_init(&mine, v->len) != 0)
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

    if ((s->kw & IL_KW_CONST) && !il_schema_value_equal(v, s->konst)) {
        il_schema_v_err(ctx, errs, "literal_error", s->const_msg);
        ok = 0;

        if (errs == NULL) {
            goto done;
        }
    }

    if ((s->kw & IL_KW_ENUM) && !il_v_enum(s, v)) {
        il_schema_v_err(ctx, errs, "enum", s->enum_msg);
        ok = 0;

        if (errs == NULL) {
            goto done;
        }
    }

    switch (v->type) {

    case IL_VALUE_STRING:
        if (s->kw & IL_KW_STRING) {
            ok &= il_v_string(ctx, s, v, errs);
        }

        break;

    case IL_VALUE_INTEGER:
    case IL_VALUE_REAL:
        if (s->kw & IL_KW_NUMBER) {
            ok &= il_v_number(ctx, s, v, errs);
        }

        break;

    case IL_VALUE_OBJECT:
        if ((s->kw & IL_KW_OBJECT) || cur != NULL) {
            ok &= il_v_object(ctx, s, v, errs, cur);
        }

        break;

    case IL_VALUE_ARRAY:
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
            il_schema_v_eval_merge(ev, &mine);
        }

        il_schema_v_eval_free(&mine);
    }

    return ok;
}


static int
il_v_string(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs)
{
    int          ok, rc;
    size_t       len, n;
    const char  *str;

    ok = 1;
    str = v->u.s;
    len = v->len;

    if (s->min_len || s->max_len != SIZE_MAX) {
        n = il_schema_utf8_len(str, len);

        if (n < s->min_len) {
            il_schema_v_errf(ctx, errs, "string_too_short",
                             "String should have at least %zu character%s.",
                             s->min_len, s->min_len == 1 ? "" : "s");
            ok = 0;

        } else if (n > s->max_len) {
            il_schema_v_errf(ctx, errs, "string_too_long",
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
            il_schema_v_err(ctx, errs, "string_pattern_mismatch",
                            s->pattern_msg);
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
            il_schema_v_err(ctx, errs, "uuid_parsing",
                            "Input should be a valid UUID.");
            break;
        case IL_FORMAT_DATE_TIME:
            il_schema_v_err(ctx, errs, "datetime_parsing",
                            "Input should be a valid datetime.");
            break;
        case IL_FORMAT_DATE:
            il_schema_v_err(ctx, errs, "date_parsing",
                            "Input should be a valid date.");
            break;
        case IL_FORMAT_TIME:
            il_schema_v_err(ctx, errs, "value_error",
                            "Input should be a valid time.");
            break;
        case IL_FORMAT_EMAIL:
            il_schema_v_err(ctx, errs, "value_error",
                            "Input should be a valid email address.");
            break;
        case IL_FORMAT_URI:
            il_schema_v_err(ctx, errs, "value_error",
                            "Input should be a valid URI.");
            break;
        case IL_FORMAT_IPV4:
            il_schema_v_err(ctx, errs, "value_error",
                            "Input should be a valid IPv4 address.");
            break;
        default:
            il_schema_v_err(ctx, errs, "value_error",
                            "Input should be a valid IPv6 address.");
            break;
        }
    }

    return ok;
}


static int
il_v_number(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs)
{
    int  ok;

    ok = 1;

    if (s->minimum && il_schema_num_cmp(v, s->minimum) < 0) {
        il_schema_v_errf(ctx, errs, "greater_than_equal",
                         "Input should be greater than or equal to %s.",
                         s->minimum->text);
        ok = 0;
    }

    if (s->ex_minimum && il_schema_num_cmp(v, s->ex_minimum) <= 0) {
        il_schema_v_errf(ctx, errs, "greater_than",
                         "Input should be greater than %s.",
                         s->ex_minimum->text);
        ok = 0;
    }

    if (s->maximum && il_schema_num_cmp(v, s->maximum) > 0) {
        il_schema_v_errf(ctx, errs, "less_than_equal",
                         "Input should be less than or equal to %s.",
                         s->maximum->text);
        ok = 0;
    }

    if (s->ex_maximum && il_schema_num_cmp(v, s->ex_maximum) >= 0) {
        il_schema_v_errf(ctx, errs, "less_than",
                         "Input should be less than %s.",
                         s->ex_maximum->text);
        ok = 0;
    }

    if (s->multiple_of && !il_schema_multiple(v, s->multiple_of)) {
        il_schema_v_errf(ctx, errs, "multiple_of",
                         "Input should be a multiple of %s.",
                         s->multiple_of->text);
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
il_v_object(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int                      ok;
    size_t                   i, k, old, n;
    il_value_t               key;
    const char              *first;
    const il_value_t        *m;
    const il_member_t       *mb;
    const il_schema_prop_t  *p;
    const il_schema_dep_t   *d;
    const il_schema_group_t *g;

    ok = 1;

    for (i = 0; i < s->nprops; i++) {
        if (errs && errs->truncated) {
            return 0;
        }

        p = &s->props[i];
        m = il_value_get(v, p->name, p->len);

        if (m != NULL) {
            if (p->read_only) {
                /* reported with the other extra keys */
                continue;
            }

            old = il_v_push_key(ctx, p->name, p->len);

            if (!il_schema_v(ctx, p->schema, m, errs, NULL)) {
                ok = 0;
            }

            il_v_pop(ctx, old);

        } else if (p->required && !p->read_only) {
            old = il_v_push_key(ctx, p->name, p->len);
            il_schema_v_err(ctx, errs, "missing", "Field required.");
            il_v_pop(ctx, old);
            ok = 0;
        }

        if (!ok && errs == NULL) {
            return 0;
        }
    }

    for (i = 0; i < s->nrequired; i++) {
        if (il_v_get(v, s->required[i]) == NULL) {
            old = il_v_push_key(ctx, s->required[i],
                                strlen(s->required[i]));
            il_schema_v_err(ctx, errs, "missing", "Field required.");
            il_v_pop(ctx, old);
            ok = 0;

            if (errs == NULL) {
                return 0;
            }
        }
    }

    for (i = 0; i < s->ndep_required; i++) {
        d = &s->dep_required[i];

        if (il_v_get(v, d->name) == NULL) {
            continue;
        }

        for (k = 0; k < d->n; k++) {
            if (il_v_get(v, d->names[k]) == NULL) {
                old = il_v_push_key(ctx, d->names[k], strlen(d->names[k]));
                il_schema_v_err(ctx, errs, "missing", "Field required.");
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
            m = il_v_get(v, g->names[k]);

            if (m == NULL || m->type == IL_VALUE_NULL) {
                continue;
            }

            if (first == NULL) {
                first = g->names[k];
                continue;
            }

            old = il_v_push_key(ctx, g->names[k], strlen(g->names[k]));
            il_schema_v_errf(ctx, errs, "mutually_exclusive",
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
        /* a key is checked as a string value that points at it */
        key.type = IL_VALUE_STRING;

        for (i = 0; i < v->len; i++) {
            mb = &v->u.members[i];
            key.len = mb->len;
            key.u.s = mb->key;

            if (!il_schema_v(ctx, s->names, &key, NULL, NULL)) {
                old = il_v_push_key(ctx, mb->key, mb->len);
                il_schema_v_err(ctx, errs, "value_error",
                                "Property name is not allowed.");
                il_v_pop(ctx, old);
                ok = 0;
            }

            if (!ok && errs == NULL) {
                return 0;
            }
        }
    }

    n = v->len;

    if (n < s->min_props) {
        il_schema_v_errf(ctx, errs, "too_short",
                         "Object should have at least %zu propert%s.",
                         s->min_props, s->min_props == 1 ? "y" : "ies");
        ok = 0;

    } else if (n > s->max_props) {
        il_schema_v_errf(ctx, errs, "too_long",
                         "Object should have at most %zu propert%s.",
                         s->max_props, s->max_props == 1 ? "y" : "ies");
        ok = 0;
    }

    if (!ok && errs == NULL) {
        return 0;
    }

    for (i = 0; i < s->ndep_schemas; i++) {
        d = &s->dep_schemas[i];

        if (il_v_get(v, d->name) != NULL
            && !il_schema_v(ctx, d->schema, v, errs, ev))
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
il_v_extras(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int                      ok, seen, rc;
    size_t                   i, k, n, old;
    uint32_t                 h, slot;
    const char              *key;
    const il_value_t        *m;
    const il_schema_prop_t  *p;

    ok = 1;

    for (i = 0; i < v->len; i++) {
        if (errs && errs->truncated) {
            return 0;
        }

        key = v->u.members[i].key;
        n = v->u.members[i].len;
        m = &v->u.members[i].value;
        p = NULL;

        if (s->nprops) {
            for (h = il_value_hash(key, n) & s->prop_mask;
                 (slot = s->prop_hash[h]) != 0;
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
            il_schema_v_err(ctx, errs, "extra_forbidden",
                            "Extra inputs are not permitted.");
            ok = 0;
        }

        for (k = 0; k < s->npatterns; k++) {
            rc = il_regex_match(s->patterns[k].re, key, n);

            if (rc != 1) {
                continue;
            }

            seen = 1;

            if (!il_schema_v(ctx, s->patterns[k].schema, m, errs, NULL)) {
                ok = 0;
            }
        }

        if (!seen && s->additional) {
            seen = 1;

            if (s->additional->kw & IL_KW_FALSE) {
                il_schema_v_err(ctx, errs, "extra_forbidden",
                                "Extra inputs are not permitted.");
                ok = 0;

            } else if (!il_schema_v(ctx, s->additional, m, errs, NULL)) {
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
    }

    return ok;
}


static int
il_v_array(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int                ok;
    size_t             n, i, old, count;
    const il_value_t  *m;

    ok = 1;
    n = v->len;

    if (n < s->min_items) {
        il_schema_v_errf(ctx, errs, "too_short",
                         "List should have at least %zu item%s.",
                         s->min_items, s->min_items == 1 ? "" : "s");
        ok = 0;

    } else if (n > s->max_items) {
        il_schema_v_errf(ctx, errs, "too_long",
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
            m = &v->u.items[i];
            old = il_v_push_index(ctx, i);

            if (!il_schema_v(ctx, s->prefix[i], m, errs, NULL)) {
                ok = 0;
            }

            il_v_pop(ctx, old);

        } else if (s->items) {
            m = &v->u.items[i];
            old = il_v_push_index(ctx, i);

            if (!il_schema_v(ctx, s->items, m, errs, NULL)) {
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
            m = &v->u.items[i];

            if (il_schema_v(ctx, s->contains, m, NULL, NULL)) {
                count++;

                if (ev != NULL) {
                    il_v_eval_mark(ev, i);
                }
            }
        }

        if (count < s->min_contains) {
            il_schema_v_errf(ctx, errs, "value_error", "List should contain "
                             "at least %zu matching item%s.",
                             s->min_contains, s->min_contains == 1 ? "" : "s");
            ok = 0;

        } else if (count > s->max_contains) {
            il_schema_v_errf(ctx, errs, "value_error", "List should contain "
                             "at most %zu matching item%s.",
                             s->max_contains, s->max_contains == 1 ? "" : "s");
            ok = 0;
        }

        if (!ok && errs == NULL) {
            return 0;
        }
    }

    if (s->unique && !il_schema_unique(v)) {
        il_schema_v_err(ctx, errs, "value_error",
                        "List should have unique items.");
        ok = 0;
    }

    return ok;
}


static int
il_v_apply(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev)
{
    int          ok, r;
    size_t       i;
    il_v_eval_t  tmp;

    ok = 1;

    if (s->ref && !il_schema_v(ctx, s->ref, v, errs, ev)) {
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    for (i = 0; i < s->nall_of; i++) {
        if (!il_schema_v(ctx, s->all_of[i], v, errs, ev)) {
            ok = 0;

            if (errs == NULL) {
                return 0;
            }
        }
    }

    if (s->nany_of
        && !il_schema_v_union(ctx, s, s->any_of, s->nany_of, s->any_opt, 0, v,
                              errs, ev))
    {
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    if (s->none_of
        && !il_schema_v_union(ctx, s, s->one_of, s->none_of, s->one_opt, 1, v,
                              errs, ev))
    {
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    if (s->not && il_schema_v(ctx, s->not, v, NULL, NULL)) {
        il_schema_v_err(ctx, errs, "value_error",
                        "Input should not match the excluded schema.");
        ok = 0;

        if (errs == NULL) {
            return 0;
        }
    }

    if (s->if_) {
        if (ev != NULL) {
            if (il_schema_v_eval_init(&tmp, ev->n) != 0) {
                return 0;
            }

            r = il_schema_v(ctx, s->if_, v, NULL, &tmp);

            if (r) {
                il_schema_v_eval_merge(ev, &tmp);
            }

            il_schema_v_eval_free(&tmp);

        } else {
            r = il_schema_v(ctx, s->if_, v, NULL, NULL);
        }

        if (r && s->then_ && !il_schema_v(ctx, s->then_, v, errs, ev)) {
            ok = 0;
        }

        if (!r && s->else_ && !il_schema_v(ctx, s->else_, v, errs, ev)) {
            ok = 0;
        }
    }

    return ok;
}


static int
il_v_uneval(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *mine)
{
    int                 ok;
    size_t              i, old;
    const il_member_t  *m;

    ok = 1;

    if (v->type == IL_VALUE_OBJECT && s->uneval_props) {
        for (i = 0; i < v->len; i++) {
            if (!il_v_eval_has(mine, i)) {
                m = &v->u.members[i];
                old = il_v_push_key(ctx, m->key, m->len);

                if (s->uneval_props->kw & IL_KW_FALSE) {
                    il_schema_v_err(ctx, errs, "extra_forbidden",
                                    "Extra inputs are not permitted.");
                    ok = 0;

                } else if (!il_schema_v(ctx, s->uneval_props, &m->value, errs,
                                        NULL))
                {
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

    if (v->type == IL_VALUE_ARRAY && s->uneval_items) {
        for (i = 0; i < v->len; i++) {
            if (!il_v_eval_has(mine, i)) {
                old = il_v_push_index(ctx, i);

                if (!il_schema_v(ctx, s->uneval_items, &v->u.items[i], errs,
                                 NULL))
                {
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


static int
il_v_enum(const il_schema_t *s, const il_value_t *v)
{
    size_t  i;

    for (i = 0; i < s->enums->len; i++) {
        if (il_schema_value_equal(v, &s->enums->u.items[i])) {
            return 1;
        }
    }

    return 0;
}


/* A member by a name the schema holds as a C string. */

static const il_value_t *
il_v_get(const il_value_t *v, const char *name)
{
    return il_value_get(v, name, strlen(name));
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


/* Digits written backwards by hand: snprintf() was half of validating. */

static size_t
il_v_push_index(il_v_ctx_t *ctx, size_t i)
{
    char  buf[24], *p;

    p = buf + sizeof(buf);

    do {
        *--p = (char) ('0' + i % 10);
        i /= 10;
    } while (i);

    return il_v_push_key(ctx, p, buf + sizeof(buf) - p);
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


void
il_schema_v_err(il_v_ctx_t *ctx, il_field_errors_t *errs, const char *type,
    const char *msg)
{
    if (errs != NULL) {
        (void) il_field_errors_add(errs, il_v_path(ctx), msg, type);
    }
}


void
il_schema_v_errf(il_v_ctx_t *ctx, il_field_errors_t *errs, const char *type,
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


int
il_schema_v_eval_init(il_v_eval_t *e, size_t n)
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


void
il_schema_v_eval_free(il_v_eval_t *e)
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


void
il_schema_v_eval_merge(il_v_eval_t *dst, const il_v_eval_t *src)
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
