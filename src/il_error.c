
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_error.h"


#define IL_ERROR_MESSAGE_MAX  512


typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
} il_out_t;


static void il_out_raw(il_out_t *o, const char *s, size_t len);
static void il_out_str(il_out_t *o, const char *s, size_t len);
static size_t il_utf8_valid_len(const unsigned char *p, size_t left);


void
il_field_errors_init(il_field_errors_t *fe)
{
    memset(fe, 0, sizeof(il_field_errors_t));
}


void
il_field_errors_reset(il_field_errors_t *fe)
{
    size_t  i;

    for (i = 0; i < fe->n; i++) {
        free(fe->items[i].path);
        free(fe->items[i].message);
    }

    fe->n = 0;
    fe->truncated = 0;
    fe->nomem = 0;
}


void
il_field_errors_free(il_field_errors_t *fe)
{
    il_field_errors_reset(fe);
    free(fe->items);
    il_field_errors_init(fe);
}


int
il_field_errors_add(il_field_errors_t *fe, const char *path,
    const char *message, const char *type)
{
    size_t             cap;
    il_field_error_t  *items, *e;

    if (fe->n >= IL_ERROR_FIELDS_MAX) {
        fe->truncated = 1;
        return -1;
    }

    if (fe->n == fe->cap) {
        cap = fe->cap ? fe->cap * 2 : 8;
        items = realloc(fe->items, cap * sizeof(il_field_error_t));
        if (items == NULL) {
            fe->nomem = 1;
            return -1;
        }

        fe->items = items;
        fe->cap = cap;
    }

    e = &fe->items[fe->n];

    e->path = strdup(path);
    e->message = strdup(message);
    e->type = type;

    if (e->path == NULL || e->message == NULL) {
        free(e->path);
        free(e->message);
        fe->nomem = 1;
        return -1;
    }

    fe->n++;

    return 0;
}


int
il_field_errors_addf(il_field_errors_t *fe, const char *path,
    const char *type, const char *fmt, ...)
{
    char     message[IL_ERROR_MESSAGE_MAX];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);

    return il_field_errors_add(fe, path, message, type);
}


size_t
il_error_envelope(char *buf, size_t size, const char *code, size_t code_len,
    const char *message, size_t message_len, const il_field_errors_t *fields)
{
    size_t             i;
    il_out_t           o;
    il_field_error_t  *e;

    o.buf = buf;
    o.size = buf ? size : 0;
    o.len = 0;

    il_out_raw(&o, "{\"error\":{\"code\":\"", 18);
    il_out_str(&o, code, code_len);
    il_out_raw(&o, "\",\"message\":\"", 13);
    il_out_str(&o, message, message_len);
    il_out_raw(&o, "\"", 1);

    if (fields != NULL && fields->n > 0) {
        il_out_raw(&o, ",\"fields\":[", 11);

        for (i = 0; i < fields->n; i++) {
            e = &fields->items[i];

            il_out_raw(&o, i ? ",{\"path\":\"" : "{\"path\":\"", i ? 10 : 9);
            il_out_str(&o, e->path, strlen(e->path));
            il_out_raw(&o, "\",\"message\":\"", 13);
            il_out_str(&o, e->message, strlen(e->message));
            il_out_raw(&o, "\",\"type\":\"", 10);
            il_out_str(&o, e->type, strlen(e->type));
            il_out_raw(&o, "\"}", 2);
        }

        il_out_raw(&o, "]", 1);
    }

    il_out_raw(&o, "}}", 2);

    return o.len;
}


size_t
il_json_escape(char *buf, size_t size, const char *s, size_t len)
{
    il_out_t  o;

    o.buf = buf;
    o.size = buf ? size : 0;
    o.len = 0;

    il_out_str(&o, s, len);

    return o.len;
}


static void
il_out_raw(il_out_t *o, const char *s, size_t len)
{
    size_t  n;

    if (o->len < o->size) {
        n = o->size - o->len;
        memcpy(o->buf + o->len, s, len < n ? len : n);
    }

    o->len += len;
}


/*
 * Escapes what JSON requires; a byte that does not start valid UTF-8 is
 * written as U+FFFD, so the envelope is valid JSON whatever it quotes.
 */

static void
il_out_str(il_out_t *o, const char *s, size_t len)
{
    char                  esc[8];
    size_t                i, n;
    unsigned char         c;
    const unsigned char  *p;
    static const char     hex[] = "0123456789abcdef";

    p = (const unsigned char *) s;

    for (i = 0; i < len; /* void */) {
        c = p[i];

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            il_out_raw(o, esc, 2);
            i++;
            continue;
        }

        if (c < 0x20) {
            esc[0] = '\\';

            switch (c) {
            case '\n': esc[1] = 'n'; n = 2; break;
            case '\r': esc[1] = 'r'; n = 2; break;
            case '\t': esc[1] = 't'; n = 2; break;
            case '\b': esc[1] = 'b'; n = 2; break;
            case '\f': esc[1] = 'f'; n = 2; break;
            default:
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 0xf];
                n = 6;
            }

            il_out_raw(o, esc, n);
            i++;
            continue;
        }

        if (c < 0x80) {
            il_out_raw(o, (const char *) &p[i], 1);
            i++;
            continue;
        }

        n = il_utf8_valid_len(&p[i], len - i);

        if (n == 0) {
            il_out_raw(o, "\\ufffd", 6);
            i++;
            continue;
        }

        il_out_raw(o, (const char *) &p[i], n);
        i += n;
    }
}


/* The length of the valid UTF-8 sequence at p, or 0. */

static size_t
il_utf8_valid_len(const unsigned char *p, size_t left)
{
    size_t    n, i;
    uint32_t  cp, min;

    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2; cp = p[0] & 0x1f; min = 0x80;

    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3; cp = p[0] & 0x0f; min = 0x800;

    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4; cp = p[0] & 0x07; min = 0x10000;

    } else {
        return 0;
    }

    if (left < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        cp = (cp << 6) | (p[i] & 0x3f);
    }

    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }

    return n;
}
