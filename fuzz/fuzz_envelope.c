
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The error envelope and JSON string escaping, il_error_envelope() and
 * il_json_escape(), over any bytes.  An input is lines: the code, the
 * message, then a path, a message and a type for each field problem.  The
 * whole input is also escaped as one string.  Checks: what is written
 * parses with jansson, holds exactly the bytes given when they were
 * UTF-8, matches the length measured first, and a buffer cut short gets
 * a prefix of it and not a byte more; the list keeps at most
 * IL_ERROR_FIELDS_MAX problems and says when it dropped some.
 */


#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "il_error.h"
#include "il_fuzz.h"


/* Strings for the fields, NUL-terminated copies of the lines. */
#define FZ_LINES_MAX  (3 * IL_ERROR_FIELDS_MAX + 12)


static void fz_check_escape(const char *s, size_t len);


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char               *copy[FZ_LINES_MAX];
    size_t              len[FZ_LINES_MAX];
    size_t              n, i, k, added;
    const char         *p, *end, *nl, *line[FZ_LINES_MAX];
    il_field_errors_t   fe;

    fz_check_escape((const char *) data, size);

    p = (const char *) data;
    end = p + size;
    n = 0;

    while (n < FZ_LINES_MAX) {
        nl = memchr(p, '\n', end - p);

        line[n] = p;
        len[n] = (nl ? nl : end) - p;
        n++;

        if (nl == NULL) {
            break;
        }

        p = nl + 1;
    }

    for (i = 0; i < n; i++) {
        copy[i] = malloc(len[i] + 1);
        IL_FUZZ_CHECK(copy[i] != NULL);

        memcpy(copy[i], line[i], len[i]);
        copy[i][len[i]] = '\0';
    }

    il_field_errors_init(&fe);

    added = 0;

    for (i = 2, k = 0; i + 2 < n; i += 3, k++) {
        if (il_field_errors_add(&fe, copy[i], copy[i + 1], copy[i + 2])
            == 0)
        {
            added++;
        }
    }

    /* the fields: at most the maximum, the rest counted as dropped */
    IL_FUZZ_CHECK(!fe.nomem);
    IL_FUZZ_CHECK(added == fe.n);
    IL_FUZZ_CHECK(fe.n == (k < IL_ERROR_FIELDS_MAX ? k
                                                    : IL_ERROR_FIELDS_MAX));
    IL_FUZZ_CHECK(fe.truncated == (k > IL_ERROR_FIELDS_MAX));

    il_fuzz_check_envelope(line[0], len[0], n > 1 ? line[1] : "",
                           n > 1 ? len[1] : 0, &fe);

    /* the list is used again after a reset, as the module does */
    il_field_errors_reset(&fe);
    IL_FUZZ_CHECK(fe.n == 0 && !fe.truncated);

    if (n > 4) {
        IL_FUZZ_CHECK(il_field_errors_addf(&fe, copy[2], copy[4], "%s: %s",
                                           copy[3], copy[0])
                      == 0);
        IL_FUZZ_CHECK(fe.n == 1);
    }

    il_fuzz_check_envelope(line[0], len[0], "", 0, &fe);

    il_field_errors_free(&fe);

    for (i = 0; i < n; i++) {
        free(copy[i]);
    }

    return 0;
}


static void
fz_check_escape(const char *s, size_t len)
{
    char          *buf, *cut;
    size_t         n, m, k;
    json_t        *v;
    json_error_t   e;

    n = il_json_escape(NULL, 0, s, len);
    IL_FUZZ_CHECK(n >= len);

    buf = malloc(n + 2);
    IL_FUZZ_CHECK(buf != NULL);

    buf[0] = '"';
    m = il_json_escape(buf + 1, n, s, len);
    buf[n + 1] = '"';

    IL_FUZZ_CHECK(m == n);

    /* a cut that may fall inside an escape or a character */
    k = len % (n + 1);

    cut = malloc(k ? k : 1);
    IL_FUZZ_CHECK(cut != NULL);

    m = il_json_escape(cut, k, s, len);
    IL_FUZZ_CHECK(m == n);
    IL_FUZZ_CHECK(memcmp(cut, buf + 1, k) == 0);

    free(cut);

    v = json_loadb(buf, n + 2, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    IL_FUZZ_CHECK(json_is_string(v));

    if (il_fuzz_utf8(s, len)) {
        IL_FUZZ_CHECK(json_string_length(v) == len);
        IL_FUZZ_CHECK(memcmp(json_string_value(v), s, len) == 0);
    }

    json_decref(v);
    free(buf);
}
