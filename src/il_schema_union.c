
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * anyOf and oneOf: branches are tried silently, and only a value no
 * branch takes is reported, the way the API reports it: the branch an
 * OpenAPI discriminator names, the one branch of an optional field, the
 * branch made for the value's JSON type, or one error naming the types.
 */


#include <stdio.h>
#include <string.h>

#include "il_schema_int.h"


static int il_v_union_report(il_v_ctx_t *ctx, il_schema_t **b, size_t n,
    int opt, const il_value_t *v, il_field_errors_t *errs);
static void il_v_types_text(unsigned types, char *buf, size_t size);


/*
 * anyOf (one == 0) and oneOf (one == 1).  Branches are tried silently;
 * only a failure is then reported, through one chosen branch.
 */

int
il_schema_v_union(il_v_ctx_t *ctx, const il_schema_t *s, il_schema_t **b,
    size_t n, int opt, int one, const il_value_t *v, il_field_errors_t *errs,
    il_v_eval_t *ev)
{
    int                     r, disc;
    char                    tag[128];
    size_t                  i, valid;
    il_v_eval_t             tmp;
    const il_value_t       *t;
    const il_schema_tag_t  *dt;

    disc = 0;
    t = NULL;

    if (s->disc_prop && b == (s->none_of ? s->one_of : s->any_of)) {
        disc = 1;
        t = il_value_get(v, s->disc_prop, strlen(s->disc_prop));

        if (t != NULL && t->type == IL_VALUE_STRING) {
            for (i = 0; i < s->ndisc_tags; i++) {
                dt = &s->disc_tags[i];

                /* the whole tag: one that holds a NUL names no branch */
                if (strlen(dt->tag) == t->len
                    && memcmp(dt->tag, t->u.s, t->len) == 0)
                {
                    return il_schema_v(ctx, dt->schema, v, errs, ev);
                }
            }
        }
    }

    valid = 0;

    for (i = 0; i < n; i++) {
        if (ev != NULL) {
            if (il_schema_v_eval_init(&tmp, ev->n) != 0) {
                return 0;
            }

            r = il_schema_v(ctx, b[i], v, NULL, &tmp);

            if (r) {
                il_schema_v_eval_merge(ev, &tmp);
            }

            il_schema_v_eval_free(&tmp);

        } else {
            r = il_schema_v(ctx, b[i], v, NULL, NULL);
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
        il_schema_v_err(ctx, errs, "value_error",
                        "Input should match exactly one schema.");
        return 0;
    }

    if (disc) {
        if (t == NULL) {
            il_schema_v_errf(ctx, errs, "union_tag_invalid",
                             "Unable to extract tag using discriminator '%s'.",
                             s->disc_prop);
            return 0;
        }

        switch (t->type) {

        case IL_VALUE_STRING:
            snprintf(tag, sizeof(tag), "'%s'", t->u.s);
            break;

        case IL_VALUE_NULL:
            snprintf(tag, sizeof(tag), "null");
            break;

        default:
            snprintf(tag, sizeof(tag), "of type %s",
                     (t->type == IL_VALUE_INTEGER || t->type == IL_VALUE_REAL)
                     ? "number"
                     : (t->type == IL_VALUE_TRUE || t->type == IL_VALUE_FALSE)
                     ? "boolean"
                     : t->type == IL_VALUE_ARRAY ? "array" : "object");
            break;
        }

        il_schema_v_errf(ctx, errs, "union_tag_invalid",
                         "Input tag %s found using '%s' does not match any "
                         "of the expected tags: %s.", tag, s->disc_prop,
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
    const il_value_t *v, il_field_errors_t *errs)
{
    size_t    i;
    unsigned  vt, t, all;

    if (opt >= 0) {
        return il_schema_v(ctx, b[opt], v, errs, NULL);
    }

    vt = il_schema_value_type(v);
    all = 0;

    for (i = 0; i < n; i++) {
        t = il_schema_types(b[i]);
        all |= t;

        if (t & vt) {
            return il_schema_v(ctx, b[i], v, errs, NULL);
        }
    }

    il_schema_v_type_error(ctx, all, errs);

    return 0;
}


void
il_schema_v_type_error(il_v_ctx_t *ctx, unsigned types, il_field_errors_t *errs)
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
            il_schema_v_err(ctx, errs, "value_error", "Input should be null.");

        } else {
            il_schema_v_err(ctx, errs, "value_error",
                            "Input is not permitted.");
        }

        return;

    case IL_SCHEMA_T_STRING:
        il_schema_v_err(ctx, errs, "string_type",
                        "Input should be a valid string.");
        return;

    case IL_SCHEMA_T_INTEGER:
        il_schema_v_err(ctx, errs, "int_type",
                        "Input should be a valid integer.");
        return;

    case IL_SCHEMA_T_NUMBER:
        il_schema_v_err(ctx, errs, "float_type",
                        "Input should be a valid number.");
        return;

    case IL_SCHEMA_T_BOOLEAN:
        il_schema_v_err(ctx, errs, "bool_type",
                        "Input should be a valid boolean.");
        return;

    case IL_SCHEMA_T_ARRAY:
        il_schema_v_err(ctx, errs, "list_type",
                        "Input should be a valid list.");
        return;

    case IL_SCHEMA_T_OBJECT:
        il_schema_v_err(ctx, errs, "dict_type",
                        "Input should be a valid object.");
        return;

    default:
        il_v_types_text(types, text, sizeof(text));
        il_schema_v_errf(ctx, errs, "value_error",
                         "Input should be of type %s.", text);
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
