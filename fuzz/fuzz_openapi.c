
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Requests against OpenAPI documents: il_api_route(), then
 * il_op_check_path(), il_op_validate_params() and il_op_validate_body()
 * on the operation found.  An input reads like a request:
 *
 *   METHOD /path?query
 *   Header: value
 *   Content-Type: application/json
 *
 *   {"the": "body"}
 *
 * Each request goes to two documents, loaded once: the published one
 * (interloom-openapi/openapi.json in INTERLOOM_SHARED as t/ reads it,
 * else in ../shared beside the repository), which the seeds follow, and
 * the project's docs/openapi.json, whose schemas use the keywords the
 * published one does not (pattern, email, uri, lengths, uniqueItems).
 * IL_FUZZ_OPENAPI=FILE[:FILE...] names other documents instead.
 * Checks: a route found has its operation, path and parameters, the
 * parameters are the path's own bytes decoded, and the same route comes
 * back from the path rebuilt from the template; a verdict of 0 comes with
 * field errors and 1 without; every error is non-empty UTF-8 and its
 * envelope parses; the verdict on a body is the same with and without an
 * error list.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "il_json.h"
#include "il_openapi.h"
#include "il_schema.h"
#include "il_fuzz.h"


#define FZ_DOCUMENT     "/interloom-openapi/openapi.json"
#define FZ_HEADERS_MAX  16
#define FZ_APIS_MAX     8


typedef struct {
    const char  *name;
    size_t       name_len;
    const char  *value;
    size_t       value_len;
} fz_header_t;


typedef struct {
    const char   *method;
    size_t        method_len;
    const char   *path;
    size_t        path_len;
    const char   *query;         /* NULL: no '?' */
    size_t        query_len;
    fz_header_t   headers[FZ_HEADERS_MAX];
    size_t        nheaders;
    const char   *body;
    size_t        body_len;
} fz_request_t;


static int fz_load(const char *file);
static void fz_request(const il_api_t *api, const fz_request_t *rq);
static void fz_parse(const char *p, size_t size, fz_request_t *rq);
static const char *fz_header_get(void *data, const char *name, size_t *len);
static void fz_check_route(const fz_request_t *rq, il_route_rc_e rc,
    const il_route_t *rt, const char *scratch);
static int fz_allows(const char *allow, const char *method, size_t len);
static void fz_round_trip(const il_api_t *api, const fz_request_t *rq,
    il_route_rc_e rc, const il_route_t *rt);
static size_t fz_slashes(const char *s, size_t len);
static void fz_check_params(const fz_request_t *rq, const il_op_t *op);
static void fz_check_body(const fz_request_t *rq, const il_op_t *op);


static il_api_t  *fz_apis[FZ_APIS_MAX];
static size_t     fz_napis;
static int        fz_trace;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char        *list, *file, *next;
    const char  *files, *shared;
    char         buf[4096];

    (void) argc;
    (void) argv;

    fz_trace = (getenv("IL_FUZZ_TRACE") != NULL);

    files = getenv("IL_FUZZ_OPENAPI");

    if (files != NULL) {
        list = strdup(files);
        IL_FUZZ_CHECK(list != NULL);

        for (file = list; file != NULL; file = next) {
            next = strchr(file, ':');

            if (next != NULL) {
                *next++ = '\0';
            }

            if (fz_load(file) != 0) {
                free(list);
                return 1;
            }
        }

        free(list);

        return 0;
    }

    shared = getenv("INTERLOOM_SHARED");

    if (shared != NULL) {
        snprintf(buf, sizeof(buf), "%s" FZ_DOCUMENT, shared);

    } else {
        snprintf(buf, sizeof(buf), "%s", IL_FUZZ_REPO "/../shared"
                 FZ_DOCUMENT);
    }

    if (fz_load(buf) != 0 || fz_load(IL_FUZZ_REPO "/docs/openapi.json") != 0)
    {
        return 1;
    }

    return 0;
}


static int
fz_load(const char *file)
{
    char       err[1024];
    il_api_t  *api;

    if (fz_napis == FZ_APIS_MAX) {
        fprintf(stderr, "fuzz_openapi: more than %d documents\n",
                FZ_APIS_MAX);
        return -1;
    }

    api = il_api_load(file, IL_SCHEMA_FORMAT_ASSERT | IL_SCHEMA_REQUEST,
                      err, sizeof(err));

    if (api == NULL) {
        fprintf(stderr, "fuzz_openapi: %s\n", err);
        return -1;
    }

    fz_apis[fz_napis++] = api;

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t        i;
    fz_request_t  rq;

    /* libFuzzer calls a failed Initialize's harness all the same */
    IL_FUZZ_CHECK(fz_napis > 0);

    fz_parse((const char *) data, size, &rq);

    for (i = 0; i < fz_napis; i++) {
        fz_request(fz_apis[i], &rq);
    }

    return 0;
}


static void
fz_request(const il_api_t *api, const fz_request_t *rq)
{
    int            ok;
    char          *scratch;
    il_route_t     rt;
    il_route_rc_e  rc;
    const char    *code, *msg;

    /* exactly the size il_api_route() asks for */
    scratch = malloc(rq->path_len ? rq->path_len : 1);
    IL_FUZZ_CHECK(scratch != NULL);

    rc = il_api_route(api, rq->method, rq->method_len, rq->path,
                      rq->path_len, &rt, scratch, rq->path_len);

    if (fz_trace) {
        fprintf(stderr, "route: %s%s %s\n",
                rc == IL_ROUTE_FOUND ? "found " : rc == IL_ROUTE_NOT_FOUND
                ? "not found" : "method not allowed ",
                rt.path ? il_path_template(rt.path) : "",
                rt.op ? il_op_id(rt.op) : "");
    }

    fz_check_route(rq, rc, &rt, scratch);
    fz_round_trip(api, rq, rc, &rt);

    if (rc == IL_ROUTE_FOUND) {
        ok = il_op_check_path(rt.op, &rt);
        IL_FUZZ_CHECK(ok == 0 || ok == 1);

        if (!ok) {
            code = il_path_not_found_code(rt.path);
            msg = il_path_not_found_message(rt.path);

            IL_FUZZ_CHECK(code != NULL && msg != NULL);
            il_fuzz_check_envelope(code, strlen(code), msg, strlen(msg),
                                   NULL);
        }

        /* validated even when the path names nothing: more to reach */
        fz_check_params(rq, rt.op);
        fz_check_body(rq, rt.op);
    }

    free(scratch);
}


/* "METHOD TARGET ...\nName: value\n...\n\nbody"; all parts optional. */

static void
fz_parse(const char *p, size_t size, fz_request_t *rq)
{
    const char   *end, *eol, *sp, *q, *colon;
    fz_header_t  *h;

    memset(rq, 0, sizeof(fz_request_t));

    end = p + size;

    eol = memchr(p, '\n', size);
    if (eol == NULL) {
        eol = end;
    }

    sp = memchr(p, ' ', eol - p);
    if (sp == NULL) {
        sp = eol;
    }

    rq->method = p;
    rq->method_len = sp - p;

    p = (sp < eol) ? sp + 1 : eol;

    sp = memchr(p, ' ', eol - p);
    if (sp == NULL) {
        sp = eol;
    }

    q = memchr(p, '?', sp - p);

    rq->path = p;
    rq->path_len = (q ? q : sp) - p;

    if (q != NULL) {
        rq->query = q + 1;
        rq->query_len = sp - q - 1;
    }

    p = (eol < end) ? eol + 1 : end;

    while (p < end && *p != '\n') {
        eol = memchr(p, '\n', end - p);
        if (eol == NULL) {
            eol = end;
        }

        colon = memchr(p, ':', eol - p);

        if (colon != NULL && rq->nheaders < FZ_HEADERS_MAX) {
            h = &rq->headers[rq->nheaders++];
            h->name = p;
            h->name_len = colon - p;
            h->value = colon + 1;

            while (h->value < eol && *h->value == ' ') {
                h->value++;
            }

            h->value_len = eol - h->value;
        }

        p = (eol < end) ? eol + 1 : end;
    }

    if (p < end) {
        rq->body = p + 1;
        rq->body_len = end - p - 1;
    }
}


static const char *
fz_header_get(void *data, const char *name, size_t *len)
{
    size_t         i, n;
    fz_request_t  *rq;

    rq = data;
    n = strlen(name);

    for (i = 0; i < rq->nheaders; i++) {
        if (rq->headers[i].name_len == n
            && strncasecmp(rq->headers[i].name, name, n) == 0)
        {
            *len = rq->headers[i].value_len;
            return rq->headers[i].value;
        }
    }

    return NULL;
}


static void
fz_check_route(const fz_request_t *rq, il_route_rc_e rc,
    const il_route_t *rt, const char *scratch)
{
    size_t       i, k, n;
    const char  *tpl, *allow, *m, *name;

    IL_FUZZ_CHECK(rc == IL_ROUTE_FOUND || rc == IL_ROUTE_NOT_FOUND
                  || rc == IL_ROUTE_METHOD_NOT_ALLOWED);

    if (rc == IL_ROUTE_NOT_FOUND) {
        IL_FUZZ_CHECK(rt->path == NULL && rt->op == NULL);
        IL_FUZZ_CHECK(il_path_not_found_code(NULL) != NULL);
        return;
    }

    IL_FUZZ_CHECK(rt->path != NULL);
    IL_FUZZ_CHECK(rq->path_len > 0 && rq->path[0] == '/');

    tpl = il_path_template(rt->path);
    allow = il_path_allow(rt->path);

    IL_FUZZ_CHECK(tpl != NULL && tpl[0] == '/');
    IL_FUZZ_CHECK(allow != NULL && allow[0] != '\0');
    IL_FUZZ_CHECK(il_path_not_found_code(rt->path) != NULL);
    IL_FUZZ_CHECK(il_path_not_found_message(rt->path) != NULL);

    /* a trailing slash matches only a template written with one */
    IL_FUZZ_CHECK((rq->path[rq->path_len - 1] == '/')
                  == (tpl[strlen(tpl) - 1] == '/'));

    if (rc == IL_ROUTE_FOUND) {
        IL_FUZZ_CHECK(rt->op != NULL);
        IL_FUZZ_CHECK(il_op_id(rt->op) != NULL);

        m = il_op_method(rt->op);
        IL_FUZZ_CHECK(m != NULL);
        IL_FUZZ_CHECK((strlen(m) == rq->method_len
                       && memcmp(m, rq->method, rq->method_len) == 0)
                      || (rq->method_len == 4
                          && memcmp(rq->method, "HEAD", 4) == 0
                          && strcmp(m, "GET") == 0));
        IL_FUZZ_CHECK(fz_allows(allow, rq->method, rq->method_len));

    } else {
        IL_FUZZ_CHECK(rt->op == NULL);
        IL_FUZZ_CHECK(!fz_allows(allow, rq->method, rq->method_len));
    }

    /* the parameters, in the template's order, decoded into scratch */
    IL_FUZZ_CHECK(rt->nparams <= IL_ROUTE_PARAMS_MAX);

    n = 0;

    for (i = 0; tpl[i]; i++) {
        if (tpl[i] != '{') {
            continue;
        }

        IL_FUZZ_CHECK(n < rt->nparams);

        name = rt->params[n].name;
        k = strcspn(tpl + i + 1, "}");

        IL_FUZZ_CHECK(name != NULL && strlen(name) == k
                      && memcmp(name, tpl + i + 1, k) == 0);

        IL_FUZZ_CHECK(rt->params[n].len > 0
                      && rt->params[n].len <= rq->path_len);
        IL_FUZZ_CHECK(rt->params[n].value >= scratch
                      && rt->params[n].value + rt->params[n].len
                         <= scratch + rq->path_len);
        n++;
    }

    IL_FUZZ_CHECK(n == rt->nparams);
}


/* Whether "GET, HEAD, PATCH" lists the method. */

static int
fz_allows(const char *allow, const char *method, size_t len)
{
    size_t       n;
    const char  *p;

    for (p = allow; /* void */; p += n + 2) {
        n = strcspn(p, ",");

        if (n == len && memcmp(p, method, len) == 0) {
            return 1;
        }

        if (p[n] == '\0') {
            return 0;
        }
    }
}


/*
 * The path rebuilt from the template, each parameter percent-encoded
 * anew, with the request's own prefix segments (a base path) in front,
 * goes to the same place with the same parameters.
 */

static void
fz_round_trip(const il_api_t *api, const fz_request_t *rq,
    il_route_rc_e rc, const il_route_t *rt)
{
    char           *path, *scratch, *p;
    size_t          i, k, n, skip, size, len;
    il_route_t      rt2;
    const char     *tpl, *v;
    il_route_rc_e   rc2;

    static const char  hex[] = "0123456789ABCDEF";

    if (rc == IL_ROUTE_NOT_FOUND) {
        return;
    }

    tpl = il_path_template(rt->path);

    size = rq->path_len + strlen(tpl) + 1;

    for (i = 0; i < rt->nparams; i++) {
        size += 3 * rt->params[i].len;
    }

    path = malloc(size);
    scratch = malloc(size);
    IL_FUZZ_CHECK(path != NULL && scratch != NULL);

    /* the segments before the template's are the base path */
    skip = fz_slashes(rq->path, rq->path_len) - fz_slashes(tpl, strlen(tpl));

    for (len = 0, k = 0; len < rq->path_len; len++) {
        if (rq->path[len] == '/' && k++ == skip) {
            break;
        }
    }

    memcpy(path, rq->path, len);
    p = path + len;
    n = 0;

    for (i = 0; tpl[i]; i++) {
        if (tpl[i] != '{') {
            *p++ = tpl[i];
            continue;
        }

        v = rt->params[n].value;

        for (k = 0; k < rt->params[n].len; k++) {
            if ((v[k] >= 'a' && v[k] <= 'z') || (v[k] >= 'A' && v[k] <= 'Z')
                || (v[k] >= '0' && v[k] <= '9') || v[k] == '-' || v[k] == '.'
                || v[k] == '_' || v[k] == '~')
            {
                *p++ = v[k];

            } else {
                *p++ = '%';
                *p++ = hex[(unsigned char) v[k] >> 4];
                *p++ = hex[v[k] & 0xf];
            }
        }

        n++;
        i += strcspn(tpl + i, "}");
    }

    rc2 = il_api_route(api, rq->method, rq->method_len, path, p - path,
                       &rt2, scratch, size);

    if (rc2 != rc || rt2.path != rt->path) {
        fprintf(stderr, "%.*s routes to %s, rebuilt as %.*s to %s\n",
                (int) rq->path_len, rq->path, tpl, (int) (p - path), path,
                rt2.path ? il_path_template(rt2.path) : "nothing");
    }

    IL_FUZZ_CHECK(rc2 == rc);
    IL_FUZZ_CHECK(rt2.path == rt->path && rt2.op == rt->op);
    IL_FUZZ_CHECK(rt2.nparams == rt->nparams);

    for (i = 0; i < rt->nparams; i++) {
        IL_FUZZ_CHECK(rt2.params[i].len == rt->params[i].len);
        IL_FUZZ_CHECK(memcmp(rt2.params[i].value, rt->params[i].value,
                             rt->params[i].len)
                      == 0);
    }

    /* HEAD goes wherever GET goes */
    if (rc == IL_ROUTE_FOUND && rq->method_len == 3
        && memcmp(rq->method, "GET", 3) == 0)
    {
        IL_FUZZ_CHECK(il_api_route(api, "HEAD", 4, path, p - path, &rt2,
                                   scratch, size)
                      == IL_ROUTE_FOUND);
    }

    free(path);
    free(scratch);
}


/* Slashes that start a segment: a trailing one does not. */

static size_t
fz_slashes(const char *s, size_t len)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i + 1 < len; i++) {
        n += (s[i] == '/');
    }

    return n;
}


static void
fz_check_params(const fz_request_t *rq, const il_op_t *op)
{
    int                 ok;
    size_t              i;
    il_field_errors_t   fe;
    const char         *path;

    il_field_errors_init(&fe);

    ok = il_op_validate_params(op, rq->query, rq->query_len, fz_header_get,
                               (void *) rq, &fe);

    if (fz_trace) {
        fprintf(stderr, "params: %s, %zu errors%s%s\n",
                ok ? "valid" : "invalid", fe.n, fe.n ? ", first " : "",
                fe.n ? fe.items[0].message : "");
    }

    il_fuzz_check_errors(&fe, ok, NULL);

    for (i = 0; i < fe.n; i++) {
        path = fe.items[i].path;

        IL_FUZZ_CHECK(strncmp(path, "query.", 6) == 0
                      || strncmp(path, "header.", 7) == 0);
    }

    if (!ok) {
        il_fuzz_check_envelope("validation_error", 16,
                               "The request is invalid.", 23, &fe);
    }

    il_field_errors_free(&fe);
}


static void
fz_check_body(const fz_request_t *rq, const il_op_t *op)
{
    int                 ok, verdict, kind;
    char                err[256];
    size_t              len;
    const char         *type;
    const il_value_t   *body;
    il_field_errors_t   fe;
    static il_arena_t   arena;

    type = fz_header_get((void *) rq, "Content-Type", &len);

    if (type != NULL) {
        kind = il_op_body_media(op, type, len);

        IL_FUZZ_CHECK(kind == -1 || kind == IL_BODY_NONE
                      || kind == IL_BODY_JSON || kind == IL_BODY_MULTIPART);

        if (il_op_body_kind(op) == IL_BODY_NONE) {
            IL_FUZZ_CHECK(kind == IL_BODY_NONE);
        }
    }

    if (rq->body == NULL && !il_op_body_required(op)) {
        return;
    }

    err[0] = '\0';

    il_arena_reset(&arena);

    body = il_json_parse_buf(&arena, rq->body ? rq->body : "", rq->body_len,
                             err, sizeof(err));

    IL_FUZZ_CHECK(!arena.nomem);

    if (fz_trace) {
        fprintf(stderr, "body: %s\n", body ? "parsed" : err);
    }

    if (body == NULL) {
        IL_FUZZ_CHECK(strncmp(err, "Invalid JSON: ", 14) == 0);
        il_fuzz_check_envelope("json_invalid", 12, err, strlen(err), NULL);
        return;
    }

    il_field_errors_init(&fe);

    ok = il_op_validate_body(op, body, &fe);
    il_fuzz_check_errors(&fe, ok, NULL);

    if (fz_trace) {
        fprintf(stderr, "body: %s, %zu errors%s%s%s%s\n",
                ok ? "valid" : "invalid", fe.n, fe.n ? ", first " : "",
                fe.n ? fe.items[0].path : "", fe.n ? ": " : "",
                fe.n ? fe.items[0].message : "");
    }

    /* without a list, validation stops at the first problem */
    verdict = il_op_validate_body(op, body, NULL);
    IL_FUZZ_CHECK(verdict == ok);

    if (!ok) {
        il_fuzz_check_envelope("validation_error", 16,
                               "The request body is invalid.", 28, &fe);
    }

    il_field_errors_free(&fe);
}
