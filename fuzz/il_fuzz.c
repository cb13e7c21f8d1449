
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "il_fuzz.h"


static void il_fuzz_check_text(const char *s, size_t len, json_t *v);


void
il_fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}


int
il_fuzz_utf8(const char *s, size_t len)
{
    json_t  *v;

    /* jansson checks UTF-8 as strictly as JSON text requires */
    v = json_stringn(s, len);
    if (v == NULL) {
        return 0;
    }

    json_decref(v);

    return 1;
}


void
il_fuzz_check_errors(const il_field_errors_t *fe, int verdict,
    const char *prefix)
{
    size_t                   i, plen;
    const il_field_error_t  *e;

    IL_FUZZ_CHECK(verdict == 0 || verdict == 1);
    IL_FUZZ_CHECK(fe->n <= IL_ERROR_FIELDS_MAX);
    IL_FUZZ_CHECK(!fe->truncated || fe->n == IL_ERROR_FIELDS_MAX);

    if (verdict == 1) {
        IL_FUZZ_CHECK(fe->n == 0 && !fe->truncated);

    } else {
        IL_FUZZ_CHECK(fe->n > 0 || fe->nomem);
    }

    plen = prefix ? strlen(prefix) : 0;

    for (i = 0; i < fe->n; i++) {
        e = &fe->items[i];

        IL_FUZZ_CHECK(e->path != NULL && e->path[0] != '\0');
        IL_FUZZ_CHECK(e->message != NULL && e->message[0] != '\0');
        IL_FUZZ_CHECK(e->type != NULL && e->type[0] != '\0');

        IL_FUZZ_CHECK(il_fuzz_utf8(e->path, strlen(e->path)));
        IL_FUZZ_CHECK(il_fuzz_utf8(e->message, strlen(e->message)));
        IL_FUZZ_CHECK(il_fuzz_utf8(e->type, strlen(e->type)));

        if (prefix != NULL) {
            IL_FUZZ_CHECK(strncmp(e->path, prefix, plen) == 0);
        }
    }
}


void
il_fuzz_check_envelope(const char *code, size_t code_len,
    const char *message, size_t message_len, const il_field_errors_t *fe)
{
    char                    *full, *cut;
    size_t                   n, m, k, i, nfields;
    json_t                  *root, *err, *fields, *f;
    json_error_t             je;
    const il_field_error_t  *e;

    n = il_error_envelope(NULL, 0, code, code_len, message, message_len, fe);
    IL_FUZZ_CHECK(n > 0);

    /* exactly sized, so that ASan sees one byte written too many */
    full = malloc(n);
    IL_FUZZ_CHECK(full != NULL);

    m = il_error_envelope(full, n, code, code_len, message, message_len, fe);
    IL_FUZZ_CHECK(m == n);

    k = (code_len + message_len) % n;

    cut = malloc(k ? k : 1);
    IL_FUZZ_CHECK(cut != NULL);

    m = il_error_envelope(cut, k, code, code_len, message, message_len, fe);
    IL_FUZZ_CHECK(m == n);
    IL_FUZZ_CHECK(memcmp(cut, full, k) == 0);

    free(cut);

    /* NUL is a character like any other once it is escaped */
    root = json_loadb(full, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (root == NULL) {
        fprintf(stderr, "envelope: %s at %d: %.*s\n", je.text, je.position,
                (int) (n < 2000 ? n : 2000), full);
    }

    IL_FUZZ_CHECK(root != NULL);
    IL_FUZZ_CHECK(json_object_size(root) == 1);

    err = json_object_get(root, "error");
    IL_FUZZ_CHECK(json_is_object(err));

    il_fuzz_check_text(code, code_len, json_object_get(err, "code"));
    il_fuzz_check_text(message, message_len, json_object_get(err, "message"));

    nfields = fe ? fe->n : 0;
    fields = json_object_get(err, "fields");

    if (nfields == 0) {
        IL_FUZZ_CHECK(fields == NULL);
        IL_FUZZ_CHECK(json_object_size(err) == 2);

    } else {
        IL_FUZZ_CHECK(json_array_size(fields) == nfields);
        IL_FUZZ_CHECK(json_object_size(err) == 3);

        for (i = 0; i < nfields; i++) {
            e = &fe->items[i];
            f = json_array_get(fields, i);

            IL_FUZZ_CHECK(json_object_size(f) == 3);
            il_fuzz_check_text(e->path, strlen(e->path),
                               json_object_get(f, "path"));
            il_fuzz_check_text(e->message, strlen(e->message),
                               json_object_get(f, "message"));
            il_fuzz_check_text(e->type, strlen(e->type),
                               json_object_get(f, "type"));
        }
    }

    json_decref(root);
    free(full);
}


/*
 * A string the envelope quoted: the same bytes when they were UTF-8,
 * else at least something in their place (U+FFFD stands for each byte
 * that is not UTF-8).
 */

static void
il_fuzz_check_text(const char *s, size_t len, json_t *v)
{
    IL_FUZZ_CHECK(json_is_string(v));

    if (il_fuzz_utf8(s, len)) {
        IL_FUZZ_CHECK(json_string_length(v) == len);
        IL_FUZZ_CHECK(memcmp(json_string_value(v), s, len) == 0);

    } else {
        IL_FUZZ_CHECK(json_string_length(v) >= 3);
        IL_FUZZ_CHECK(memmem(json_string_value(v), json_string_length(v),
                             "\xef\xbf\xbd", 3)
                      != NULL);
    }
}
