
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * An OpenAPI 3.1 document loaded once: the route table of its paths, each
 * operation's parameters and body compiled with il_schema, and the 404 that
 * names each path's resource.  Plain C: no nginx.
 */


#ifndef IL_OPENAPI_H_INCLUDED
#define IL_OPENAPI_H_INCLUDED


#include <stddef.h>
#include <jansson.h>

#include "il_error.h"
#include "il_value.h"


#define IL_ROUTE_PARAMS_MAX  16


typedef struct il_api_s   il_api_t;
typedef struct il_path_s  il_path_t;     /* one path template */
typedef struct il_op_s    il_op_t;       /* one method of a path */


typedef enum {
    IL_ROUTE_FOUND = 0,
    IL_ROUTE_NOT_FOUND,              /* no template matches: 404 */
    IL_ROUTE_METHOD_NOT_ALLOWED      /* template matches, method not: 405 */
} il_route_rc_e;


typedef struct {
    const char  *name;               /* as the template writes it */
    const char  *value;              /* percent-decoded, in scratch */
    size_t       len;
} il_route_param_t;


typedef struct {
    const il_path_t   *path;         /* set for FOUND and METHOD_NOT_ALLOWED */
    const il_op_t     *op;           /* set for FOUND */
    size_t             nparams;
    il_route_param_t   params[IL_ROUTE_PARAMS_MAX];
} il_route_t;


typedef enum {
    IL_BODY_NONE = 0,                /* the operation declares no body */
    IL_BODY_JSON,                    /* application/json, validated */
    IL_BODY_MULTIPART                /* multipart/form-data, passed through */
} il_body_kind_e;


/* A header's value for header parameters; NULL when absent. */
typedef const char *(*il_header_get_pt)(void *data, const char *name,
    size_t *len);


/*
 * Loads and compiles a document.  flags are il_schema's compile flags
 * (IL_SCHEMA_FORMAT_ASSERT | IL_SCHEMA_REQUEST as the gateway runs).  On
 * error returns NULL with a message naming the file and JSON pointer.
 */
il_api_t *il_api_load(const char *file, unsigned flags, char *err,
    size_t errlen);
void il_api_free(il_api_t *api);

/*
 * Matches a method and a raw (still percent-encoded) path without its
 * query.  Decoded parameter values are written into scratch, which needs
 * at least path_len bytes.  HEAD matches wherever GET does.
 */
il_route_rc_e il_api_route(const il_api_t *api, const char *method,
    size_t method_len, const char *path, size_t path_len, il_route_t *rt,
    char *scratch, size_t scratch_len);

/* "GET, HEAD, PATCH": the methods of a matched template, for Allow. */
const char *il_path_allow(const il_path_t *path);

/*
 * The 404 that names the path's resource: {"case_not_found",
 * "Case not found."}, or {"not_found", "Not found."} for a template
 * without parameters.  path may be NULL (no match).
 */
const char *il_path_not_found_code(const il_path_t *path);
const char *il_path_not_found_message(const il_path_t *path);

const char *il_op_id(const il_op_t *op);
const char *il_op_method(const il_op_t *op);
const char *il_path_template(const il_path_t *path);

il_body_kind_e il_op_body_kind(const il_op_t *op);
int il_op_body_required(const il_op_t *op);

/*
 * Checks path parameters against their schemas.  Returns 1 when all are
 * valid; 0 means the path names nothing that can exist (answer 404).
 */
int il_op_check_path(const il_op_t *op, const il_route_t *rt);

/*
 * Validates query parameters (raw query string, without '?') and header
 * parameters other than Authorization.  Appends to errs with paths
 * "query.NAME" / "header.NAME".  Returns 1 when valid.
 */
int il_op_validate_params(const il_op_t *op, const char *query,
    size_t query_len, il_header_get_pt header_get, void *header_data,
    il_field_errors_t *errs);

/* Validates a body il_json_parse() read.  Returns 1 when valid. */
int il_op_validate_body(const il_op_t *op, const il_value_t *body,
    il_field_errors_t *errs);

/*
 * How a body of a media type ("application/json; charset=utf-8") is
 * treated: IL_BODY_JSON is validated, IL_BODY_MULTIPART stands for every
 * other type the operation lists (passed through unchecked), IL_BODY_NONE
 * when the operation declares no body at all, and -1 when it declares one
 * but not of this type (answer 415).
 */
int il_op_body_media(const il_op_t *op, const char *type, size_t len);

/* The message of "not_found": the document's own example, or "Not found." */
const char *il_api_not_found_message(const il_api_t *api);


#endif /* IL_OPENAPI_H_INCLUDED */
