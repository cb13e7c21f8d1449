
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The API's error envelope and its list of field problems, in plain C so
 * the validator, its tests and the nginx module share one writer.
 */


#ifndef IL_ERROR_H_INCLUDED
#define IL_ERROR_H_INCLUDED


#include <stddef.h>


/* The API reports at most this many field problems in one 422. */
#define IL_ERROR_FIELDS_MAX  100


typedef struct {
    char        *path;      /* "title", "tags.0", "query.limit", "body" */
    char        *message;   /* "Field required." */
    const char  *type;      /* "missing": a static string */
} il_field_error_t;


typedef struct {
    il_field_error_t  *items;
    size_t             n;
    size_t             cap;
    unsigned           truncated:1;  /* more than IL_ERROR_FIELDS_MAX */
    unsigned           nomem:1;      /* an allocation failed */
} il_field_errors_t;


void il_field_errors_init(il_field_errors_t *fe);
void il_field_errors_free(il_field_errors_t *fe);
void il_field_errors_reset(il_field_errors_t *fe);

/*
 * Appends one problem; path and message are copied.  Returns 0, or -1 when
 * the list is full (then "truncated" is set) or memory ran out.
 */
int il_field_errors_add(il_field_errors_t *fe, const char *path,
    const char *message, const char *type);

/* Like il_field_errors_add(), the message built printf-style. */
int il_field_errors_addf(il_field_errors_t *fe, const char *path,
    const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Writes {"error":{"code":C,"message":M[,"fields":[...]]}} as compact JSON.
 * With buf NULL only measures.  Returns the full length; writes at most
 * size bytes.  fields may be NULL or empty (then no "fields" member).
 */
size_t il_error_envelope(char *buf, size_t size, const char *code,
    size_t code_len, const char *message, size_t message_len,
    const il_field_errors_t *fields);

/* JSON string escaping of len bytes (no quotes); same measuring rule. */
size_t il_json_escape(char *buf, size_t size, const char *s, size_t len);


#endif /* IL_ERROR_H_INCLUDED */
