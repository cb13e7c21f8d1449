
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The JSON Schema "format" values the gateway asserts.  Plain C: no nginx.
 */


#ifndef IL_FORMAT_H_INCLUDED
#define IL_FORMAT_H_INCLUDED


#include <stddef.h>


typedef enum {
    IL_FORMAT_NONE = 0,              /* unknown or not asserted */
    IL_FORMAT_UUID,
    IL_FORMAT_DATE_TIME,
    IL_FORMAT_DATE,
    IL_FORMAT_TIME,
    IL_FORMAT_EMAIL,
    IL_FORMAT_URI,
    IL_FORMAT_IPV4,
    IL_FORMAT_IPV6
} il_format_e;


/* The format named name, or IL_FORMAT_NONE. */
il_format_e il_format_lookup(const char *name);

/* Returns 1 when the len bytes at s are valid for the format. */
int il_format_check(il_format_e f, const char *s, size_t len);

/* Each check alone. */
int il_format_uuid(const char *s, size_t len);
int il_format_date_time(const char *s, size_t len);
int il_format_date(const char *s, size_t len);
int il_format_time(const char *s, size_t len);
int il_format_email(const char *s, size_t len);
int il_format_uri(const char *s, size_t len);
int il_format_ipv4(const char *s, size_t len);
int il_format_ipv6(const char *s, size_t len);


#endif /* IL_FORMAT_H_INCLUDED */
