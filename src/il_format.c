
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <string.h>

#include "il_format.h"


#define IL_DIGIT(c)  ((c) >= '0' && (c) <= '9')
#define IL_ALPHA(c)  (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IL_HEX(c)                                                            \
    (IL_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))


typedef struct {
    const char   *name;
    il_format_e   format;
} il_format_name_t;


static int il_format_in(int c, const char *set);
static int il_format_digits(const char *s, size_t n, int *v);
static int il_format_full_date(const char *s, size_t len);
static int il_format_full_time(const char *s, size_t len);
static int il_format_dot_atom(const char *s, size_t len);
static int il_format_quoted(const char *s, size_t len);
static int il_format_hostname(const char *s, size_t len);
static int il_format_ipv6_literal(const char *s, size_t len);
static int il_format_authority(const char *s, size_t len);
static int il_format_uri_chars(const char *s, size_t len, const char *extra);


static const il_format_name_t  il_format_names[] = {
    { "uuid", IL_FORMAT_UUID },
    { "date-time", IL_FORMAT_DATE_TIME },
    { "date", IL_FORMAT_DATE },
    { "time", IL_FORMAT_TIME },
    { "email", IL_FORMAT_EMAIL },
    { "uri", IL_FORMAT_URI },
    { "ipv4", IL_FORMAT_IPV4 },
    { "ipv6", IL_FORMAT_IPV6 },
    { NULL, IL_FORMAT_NONE }
};


il_format_e
il_format_lookup(const char *name)
{
    const il_format_name_t  *f;

    for (f = il_format_names; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            return f->format;
        }
    }

    return IL_FORMAT_NONE;
}


int
il_format_check(il_format_e f, const char *s, size_t len)
{
    switch (f) {
    case IL_FORMAT_UUID:
        return il_format_uuid(s, len);
    case IL_FORMAT_DATE_TIME:
        return il_format_date_time(s, len);
    case IL_FORMAT_DATE:
        return il_format_date(s, len);
    case IL_FORMAT_TIME:
        return il_format_time(s, len);
    case IL_FORMAT_EMAIL:
        return il_format_email(s, len);
    case IL_FORMAT_URI:
        return il_format_uri(s, len);
    case IL_FORMAT_IPV4:
        return il_format_ipv4(s, len);
    case IL_FORMAT_IPV6:
        return il_format_ipv6(s, len);
    default:
        return 1;
    }
}


/* 8-4-4-4-12 hex digits, any case; RFC 9562 leaves version open. */

int
il_format_uuid(const char *s, size_t len)
{
    size_t  i;

    if (len != 36) {
        return 0;
    }

    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }

        } else if (!IL_HEX(s[i])) {
            return 0;
        }
    }

    return 1;
}


/* RFC 3339 date-time: full-date "T" full-time, T and Z in any case. */

int
il_format_date_time(const char *s, size_t len)
{
    if (len < 11 || (s[10] != 'T' && s[10] != 't')) {
        return 0;
    }

    return il_format_full_date(s, 10) && il_format_full_time(s + 11, len - 11);
}


int
il_format_date(const char *s, size_t len)
{
    return il_format_full_date(s, len);
}


int
il_format_time(const char *s, size_t len)
{
    return il_format_full_time(s, len);
}


/* strchr() would also find the terminating NUL. */

static int
il_format_in(int c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}


static int
il_format_digits(const char *s, size_t n, int *v)
{
    size_t  i;

    *v = 0;

    for (i = 0; i < n; i++) {
        if (!IL_DIGIT(s[i])) {
            return 0;
        }

        *v = *v * 10 + (s[i] - '0');
    }

    return 1;
}


static int
il_format_full_date(const char *s, size_t len)
{
    int               y, m, d, max;
    static const int  days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                 31 };

    if (len != 10 || s[4] != '-' || s[7] != '-'
        || !il_format_digits(s, 4, &y)
        || !il_format_digits(s + 5, 2, &m)
        || !il_format_digits(s + 8, 2, &d))
    {
        return 0;
    }

    if (m < 1 || m > 12 || d < 1) {
        return 0;
    }

    max = days[m - 1];

    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) {
        max = 29;
    }

    return d <= max;
}


/*
 * partial-time time-offset.  A leap second (:60) is valid only where the
 * time, moved to UTC by its offset, is 23:59:60.
 */

static int
il_format_full_time(const char *s, size_t len)
{
    int     h, m, sec, oh, om, utc;
    size_t  i;

    if (len < 9 || s[2] != ':' || s[5] != ':'
        || !il_format_digits(s, 2, &h)
        || !il_format_digits(s + 3, 2, &m)
        || !il_format_digits(s + 6, 2, &sec))
    {
        return 0;
    }

    if (h > 23 || m > 59 || sec > 60) {
        return 0;
    }

    i = 8;

    if (s[i] == '.') {
        i++;

        if (i == len || !IL_DIGIT(s[i])) {
            return 0;
        }

        while (i < len && IL_DIGIT(s[i])) {
            i++;
        }
    }

    if (i == len) {
        return 0;
    }

    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
        oh = 0;
        om = 0;

    } else if (s[i] == '+' || s[i] == '-') {
        if (len - i != 6 || s[i + 3] != ':'
            || !il_format_digits(s + i + 1, 2, &oh)
            || !il_format_digits(s + i + 4, 2, &om)
            || oh > 23 || om > 59)
        {
            return 0;
        }

        if (s[i] == '-') {
            oh = -oh;
            om = -om;
        }

    } else {
        return 0;
    }

    if (sec == 60) {
        utc = ((h * 60 + m - (oh * 60 + om)) % 1440 + 1440) % 1440;

        if (utc != 23 * 60 + 59) {
            return 0;
        }
    }

    return 1;
}


/*
 * RFC 5321 Mailbox: a dot-atom or quoted-string local part, then a
 * hostname or an address literal ("[127.0.0.1]", "[IPv6:::1]").
 */

int
il_format_email(const char *s, size_t len)
{
    size_t       at, i;
    const char  *d;

    if (len == 0) {
        return 0;
    }

    if (s[0] == '"') {
        for (i = 1; i < len && s[i] != '"'; i++) {
            if (s[i] == '\\') {
                i++;
            }
        }

        if (i >= len) {
            return 0;
        }

        at = i + 1;

        if (at >= len || s[at] != '@' || !il_format_quoted(s, at)) {
            return 0;
        }

    } else {
        d = memchr(s, '@', len);
        if (d == NULL) {
            return 0;
        }

        at = d - s;

        if (!il_format_dot_atom(s, at)) {
            return 0;
        }
    }

    d = s + at + 1;
    len -= at + 1;

    if (len >= 2 && d[0] == '[' && d[len - 1] == ']') {
        d++;
        len -= 2;

        if (len > 5 && memcmp(d, "IPv6:", 5) == 0) {
            return il_format_ipv6(d + 5, len - 5);
        }

        return il_format_ipv4(d, len);
    }

    return il_format_hostname(d, len);
}


static int
il_format_dot_atom(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || s[0] == '.' || s[len - 1] == '.') {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') {
                return 0;
            }

            continue;
        }

        if (!IL_ALPHA(s[i]) && !IL_DIGIT(s[i])
            && !il_format_in(s[i], "!#$%&'*+-/=?^_`{|}~"))
        {
            return 0;
        }
    }

    return 1;
}


/* A quoted-string of printable ASCII, escapes as quoted-pairs. */

static int
il_format_quoted(const char *s, size_t len)
{
    size_t         i;
    unsigned char  c;

    if (len < 2 || s[0] != '"' || s[len - 1] != '"') {
        return 0;
    }

    for (i = 1; i < len - 1; i++) {
        c = (unsigned char) s[i];

        if (c == '\\') {
            i++;
            c = (unsigned char) s[i];

            if (i >= len - 1 || c < 0x20 || c > 0x7e) {
                return 0;
            }

            continue;
        }

        if (c < 0x20 || c > 0x7e || c == '"') {
            return 0;
        }
    }

    return 1;
}


/* RFC 1123 host name: dot-separated labels of letters, digits, hyphens. */

static int
il_format_hostname(const char *s, size_t len)
{
    size_t  i, label;

    if (len == 0 || len > 253) {
        return 0;
    }

    label = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (label == 0 || s[i - 1] == '-') {
                return 0;
            }

            label = 0;
            continue;
        }

        if (s[i] == '-') {
            if (label == 0) {
                return 0;
            }

        } else if (!IL_ALPHA(s[i]) && !IL_DIGIT(s[i])) {
            return 0;
        }

        if (++label > 63) {
            return 0;
        }
    }

    return label > 0 && s[len - 1] != '-';
}


/* Dotted quad, decimal octets 0-255 without leading zeros. */

int
il_format_ipv4(const char *s, size_t len)
{
    int     v;
    size_t  i, part, digits;

    part = 0;
    digits = 0;
    v = 0;

    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (digits == 0 || v > 255) {
                return 0;
            }

            part++;
            digits = 0;
            v = 0;
            continue;
        }

        if (!IL_DIGIT(s[i]) || (digits == 1 && v == 0)) {
            return 0;
        }

        v = v * 10 + (s[i] - '0');
        digits++;

        if (digits > 3) {
            return 0;
        }
    }

    return part == 4;
}


/*
 * RFC 4291 text form: eight groups of one to four hex digits, at most one
 * "::" for a run of zero groups, the last two groups may be a dotted quad.
 */

int
il_format_ipv6(const char *s, size_t len)
{
    int          groups, elided, digits;
    size_t       i, start;
    const char  *dot;

    if (len < 2) {
        return 0;
    }

    groups = 0;
    elided = 0;
    i = 0;

    if (s[0] == ':') {
        if (s[1] != ':') {
            return 0;
        }

        elided = 1;
        i = 2;

        if (len == 2) {
            return 1;
        }
    }

    for ( ;; ) {
        start = i;
        digits = 0;

        while (i < len && IL_HEX(s[i]) && digits < 5) {
            i++;
            digits++;
        }

        if (i < len && s[i] == '.') {
            dot = memchr(s + start, ':', len - start);
            if (dot != NULL || !il_format_ipv4(s + start, len - start)) {
                return 0;
            }

            groups += 2;
            break;
        }

        if (digits == 0 || digits > 4) {
            return 0;
        }

        groups++;

        if (i == len) {
            break;
        }

        if (s[i] != ':') {
            return 0;
        }

        i++;

        if (i < len && s[i] == ':') {
            if (elided) {
                return 0;
            }

            elided = 1;
            i++;

            if (i == len) {
                break;
            }
        }

        if (i == len) {
            return 0;
        }
    }

    return elided ? groups < 8 : groups == 8;
}


/*
 * RFC 3986 URI: scheme ":" hier-part ["?" query] ["#" fragment], every
 * character one the grammar allows, percent signs followed by two hex
 * digits.
 */

int
il_format_uri(const char *s, size_t len)
{
    size_t       i, end;
    const char  *q, *f;

    if (len == 0 || !IL_ALPHA(s[0])) {
        return 0;
    }

    for (i = 1; i < len && s[i] != ':'; i++) {
        if (!IL_ALPHA(s[i]) && !IL_DIGIT(s[i])
            && s[i] != '+' && s[i] != '-' && s[i] != '.')
        {
            return 0;
        }
    }

    if (i == len) {
        return 0;
    }

    s += i + 1;
    len -= i + 1;

    f = memchr(s, '#', len);
    if (f != NULL) {
        if (!il_format_uri_chars(f + 1, len - (f + 1 - s), "/?")) {
            return 0;
        }

        len = f - s;
    }

    q = memchr(s, '?', len);
    if (q != NULL) {
        if (!il_format_uri_chars(q + 1, len - (q + 1 - s), "/?")) {
            return 0;
        }

        len = q - s;
    }

    if (len >= 2 && s[0] == '/' && s[1] == '/') {
        for (end = 2; end < len && s[end] != '/'; end++) {
            /* void */
        }

        if (!il_format_authority(s + 2, end - 2)) {
            return 0;
        }

        s += end;
        len -= end;
    }

    return il_format_uri_chars(s, len, "/");
}


/* [ userinfo "@" ] host [ ":" port ] */

static int
il_format_authority(const char *s, size_t len)
{
    size_t       i, hlen;
    const char  *at, *h, *rb;

    at = memchr(s, '@', len);

    if (at != NULL) {
        if (!il_format_uri_chars(s, at - s, ":")
            || memchr(at + 1, '@', len - (at + 1 - s)) != NULL)
        {
            return 0;
        }

        len -= at + 1 - s;
        s = at + 1;
    }

    h = s;

    if (len > 0 && s[0] == '[') {
        rb = memchr(s, ']', len);
        if (rb == NULL) {
            return 0;
        }

        hlen = rb - s - 1;

        if (!il_format_ipv6_literal(s + 1, hlen)) {
            return 0;
        }

        i = rb + 1 - s;

    } else {
        for (i = 0; i < len && s[i] != ':'; i++) {
            /* void */
        }

        if (!il_format_uri_chars(h, i, "")) {
            return 0;
        }
    }

    if (i == len) {
        return 1;
    }

    if (s[i] != ':') {
        return 0;
    }

    for (i++; i < len; i++) {
        if (!IL_DIGIT(s[i])) {
            return 0;
        }
    }

    return 1;
}


/* IPv6address or IPvFuture inside brackets. */

static int
il_format_ipv6_literal(const char *s, size_t len)
{
    size_t  i;

    if (len > 0 && (s[0] == 'v' || s[0] == 'V')) {
        for (i = 1; i < len && IL_HEX(s[i]); i++) {
            /* void */
        }

        if (i == 1 || i >= len - 1 || s[i] != '.') {
            return 0;
        }

        return il_format_uri_chars(s + i + 1, len - i - 1, ":");
    }

    return il_format_ipv6(s, len);
}


/*
 * unreserved / pct-encoded / sub-delims / ":" / "@" (pchar) and the extra
 * characters given; for a host or userinfo extra narrows nothing, so
 * callers pass "" or ":" and '@' is refused for them below.
 */

static int
il_format_uri_chars(const char *s, size_t len, const char *extra)
{
    size_t         i;
    unsigned char  c;
    int            pchar;

    pchar = (extra[0] == '/');

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (IL_ALPHA(c) || IL_DIGIT(c) || il_format_in(c, "-._~!$&'()*+,;=")) {
            continue;
        }

        if (c == '%') {
            if (i + 2 >= len || !IL_HEX(s[i + 1]) || !IL_HEX(s[i + 2])) {
                return 0;
            }

            i += 2;
            continue;
        }

        if (c == ':' && (pchar || strchr(extra, ':') != NULL)) {
            continue;
        }

        if (c == '@' && pchar) {
            continue;
        }

        if (il_format_in(c, extra)) {
            continue;
        }

        return 0;
    }

    return 1;
}
