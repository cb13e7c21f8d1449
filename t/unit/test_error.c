
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdlib.h>

#include "il_error.h"
#include "il_test.h"


static char *
envelope(const char *code, const char *message, il_field_errors_t *fe)
{
    char    *buf;
    size_t   len;

    len = il_error_envelope(NULL, 0, code, strlen(code), message,
                            strlen(message), fe);
    buf = malloc(len + 1);
    IL_CHECK_INT(il_error_envelope(buf, len, code, strlen(code), message,
                                   strlen(message), fe), len);
    buf[len] = '\0';

    return buf;
}


int
main(void)
{
    int                i;
    char              *s;
    il_field_errors_t  fe;

    s = envelope("case_not_found", "Case not found.", NULL);
    IL_CHECK_STR(s, "{\"error\":{\"code\":\"case_not_found\","
                    "\"message\":\"Case not found.\"}}");
    free(s);

    il_field_errors_init(&fe);
    il_field_errors_add(&fe, "title", "Field required.", "missing");
    il_field_errors_addf(&fe, "tags.0", "string_type", "Input should be %s.",
                         "a valid string");
    s = envelope("validation_error", "The request body is invalid.", &fe);
    IL_CHECK_STR(s, "{\"error\":{\"code\":\"validation_error\","
                    "\"message\":\"The request body is invalid.\","
                    "\"fields\":[{\"path\":\"title\","
                    "\"message\":\"Field required.\",\"type\":\"missing\"},"
                    "{\"path\":\"tags.0\",\"message\":"
                    "\"Input should be a valid string.\","
                    "\"type\":\"string_type\"}]}}");
    free(s);

    /* quotes, control characters and invalid UTF-8 are escaped */
    s = envelope("x", "a\"b\\c\n\x01\xff\xc3\xa9\xed\xa0\x80", NULL);
    IL_CHECK_STR(s, "{\"error\":{\"code\":\"x\",\"message\":"
                    "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9"
                    "\\ufffd\\ufffd\\ufffd\"}}");
    free(s);

    /* a short buffer is never overrun and the full length is reported */
    {
        char    small[10];
        size_t  len;

        memset(small, 'Z', sizeof(small));
        len = il_error_envelope(small, 5, "c", 1, "m", 1, NULL);
        IL_CHECK_INT(len, strlen("{\"error\":{\"code\":\"c\","
                                 "\"message\":\"m\"}}"));
        IL_CHECK(small[5] == 'Z');
    }

    /* the list stops at IL_ERROR_FIELDS_MAX */
    il_field_errors_reset(&fe);
    for (i = 0; i < IL_ERROR_FIELDS_MAX + 5; i++) {
        il_field_errors_add(&fe, "p", "m", "value_error");
    }
    IL_CHECK_INT(fe.n, IL_ERROR_FIELDS_MAX);
    IL_CHECK(fe.truncated);
    il_field_errors_free(&fe);

    return il_test_result("error");
}
