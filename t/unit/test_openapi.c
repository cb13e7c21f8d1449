
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The OpenAPI loader, route table, 404 names and parameter checks, over
 * the published document and small documents in t/unit/data.  Run from
 * the repository root (make unit does).
 */


#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <jansson.h>

#include "il_openapi.h"
#include "il_schema.h"
#include "il_test.h"


static char  il_published[1024];

#define PUBLISHED  il_test_shared(il_published, sizeof(il_published),      \
                                  "interloom-openapi/openapi.json")
#define PROJECT    "docs/openapi.json"
#define DATA       "t/unit/data/"
#define FLAGS      (IL_SCHEMA_FORMAT_ASSERT | IL_SCHEMA_REQUEST)
#define P          "/api/v1/public"
#define UUID       "0196d3b9-0c9d-7cf2-9c36-2a8f0bb0f3ac"


typedef struct {
    const char  *name;
    const char  *value;
} hdr_t;


typedef struct {
    const char  *template;
    const char  *code;
    const char  *message;
} nf_t;


static size_t  allocs;


static void *
count_malloc(size_t size)
{
    allocs++;
    return malloc(size);
}


static void
count_free(void *p)
{
    free(p);
}


static il_route_rc_e
route(const il_api_t *api, const char *method, const char *path,
    il_route_t *rt)
{
    static char  scratch[4096];

    return il_api_route(api, method, strlen(method), path, strlen(path), rt,
                        scratch, sizeof(scratch));
}


static const char *
hget(void *data, const char *name, size_t *len)
{
    hdr_t  *h;

    for (h = data; h != NULL && h->name != NULL; h++) {
        if (strcasecmp(h->name, name) == 0) {
            *len = strlen(h->value);
            return h->value;
        }
    }

    return NULL;
}


/* Routes method + path, then validates query and headers into fe. */
static int
params(const il_api_t *api, const char *method, const char *path,
    const char *query, hdr_t *headers, il_field_errors_t *fe)
{
    il_route_t  rt;

    il_field_errors_reset(fe);

    if (route(api, method, path, &rt) != IL_ROUTE_FOUND) {
        fprintf(stderr, "%s %s does not route\n", method, path);
        return -1;
    }

    return il_op_validate_params(rt.op, query, strlen(query), hget, headers,
                                 fe);
}


static int
check_path(const il_api_t *api, const char *method, const char *path)
{
    il_route_t  rt;

    if (route(api, method, path, &rt) != IL_ROUTE_FOUND) {
        return -1;
    }

    return il_op_check_path(rt.op, &rt);
}


static il_api_t *
load_text(const char *text, char *err, size_t errlen)
{
    int        fd, n;
    char       name[64];
    il_api_t  *api;

    /* mkstemp()'s template ends in six of 'X' */
    n = snprintf(name, sizeof(name) - 7, "/tmp/il_openapi_");
    memset(name + n, 'X', 6);
    name[n + 6] = '\0';

    fd = mkstemp(name);
    if (fd < 0) {
        snprintf(err, errlen, "mkstemp failed");
        return NULL;
    }

    if (write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
        close(fd);
        unlink(name);
        snprintf(err, errlen, "write failed");
        return NULL;
    }

    close(fd);

    api = il_api_load(name, FLAGS, err, errlen);
    unlink(name);

    return api;
}


/*
 * Every operation of a document routes from a concrete path built from
 * its template, to itself, with its parameters decoded.
 */
static size_t
every_operation(const il_api_t *api, const char *file, const char *prefix)
{
    char          path[1024], method[16];
    size_t        n, i, k, np;
    json_t       *root, *item, *op, *id;
    il_route_t    rt;
    const char   *tpl, *m, *s;
    static const char  *methods[] = {
        "get", "put", "post", "delete", "options", "head", "patch", "trace"
    };

    root = json_load_file(file, 0, NULL);
    IL_CHECK(root != NULL);
    if (root == NULL) {
        return 0;
    }

    n = 0;

    json_object_foreach(json_object_get(root, "paths"), tpl, item) {
        strcpy(path, prefix);
        np = 0;

        for (s = tpl; *s; s++) {
            if (*s == '{') {
                strcat(path, UUID);
                s = strchr(s, '}');
                np++;
                continue;
            }

            k = strlen(path);
            path[k] = *s;
            path[k + 1] = '\0';
        }

        for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
            op = json_object_get(item, methods[i]);
            if (op == NULL) {
                continue;
            }

            for (k = 0, m = methods[i]; m[k]; k++) {
                method[k] = (char) (m[k] - 'a' + 'A');
            }

            method[k] = '\0';

            IL_CHECK_INT(route(api, method, path, &rt), IL_ROUTE_FOUND);
            if (rt.op == NULL) {
                fprintf(stderr, "  %s %s\n", method, path);
                continue;
            }

            IL_CHECK_STR(il_path_template(rt.path), tpl);
            IL_CHECK_STR(il_op_method(rt.op), method);
            IL_CHECK_INT(rt.nparams, np);

            for (k = 0; k < rt.nparams; k++) {
                IL_CHECK_INT(rt.params[k].len, strlen(UUID));
                IL_CHECK(memcmp(rt.params[k].value, UUID, strlen(UUID))
                         == 0);
                IL_CHECK(strstr(tpl, rt.params[k].name) != NULL);
            }

            id = json_object_get(op, "operationId");
            if (id != NULL) {
                IL_CHECK_STR(il_op_id(rt.op), json_string_value(id));
            }

            n++;
        }
    }

    json_decref(root);

    return n;
}


static void
test_published_routes(const il_api_t *api)
{
    il_route_t  rt;

    IL_CHECK_INT(every_operation(api, PUBLISHED, ""), 50);

    /* a concrete segment before a template */
    IL_CHECK_INT(route(api, "GET", P "/users/me", &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "getCurrentUser");
    IL_CHECK_INT(rt.nparams, 0);

    /* the method does not send matching back to the template */
    IL_CHECK_INT(route(api, "POST", P "/users/me", &rt),
                 IL_ROUTE_METHOD_NOT_ALLOWED);
    IL_CHECK_STR(il_path_allow(rt.path), "GET, HEAD");

    IL_CHECK_INT(route(api, "GET", P "/users/mee", &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "getUser");
    IL_CHECK_STR(rt.params[0].name, "user_id");
    IL_CHECK_INT(rt.params[0].len, 3);

    /* /users/me/x dead-ends on the literal branch, then on the template */
    IL_CHECK_INT(route(api, "GET", P "/users/me/x", &rt), IL_ROUTE_NOT_FOUND);

    /* no template here is written with a trailing slash */
    IL_CHECK_INT(route(api, "GET", P "/cases/", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/" UUID "/", &rt),
                 IL_ROUTE_NOT_FOUND);

    /* split first, decode after: %2F stays inside its segment */
    IL_CHECK_INT(route(api, "GET", P "/cases/a%2Fb", &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "getCase");
    IL_CHECK_STR(rt.params[0].name, "case_id");
    IL_CHECK_INT(rt.params[0].len, 3);
    IL_CHECK(memcmp(rt.params[0].value, "a/b", 3) == 0);
    IL_CHECK_INT(route(api, "GET", P "/cases/a/b", &rt), IL_ROUTE_NOT_FOUND);

    /* literal segments compare decoded */
    IL_CHECK_INT(route(api, "GET", P "/c%61ses", &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "listCases");
    IL_CHECK_INT(route(api, "GET", P "/cases/caf%C3%A9", &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_INT(rt.params[0].len, 5);

    /* HEAD wherever GET */
    IL_CHECK_INT(route(api, "HEAD", P "/cases/" UUID, &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "getCase");
    IL_CHECK_INT(route(api, "HEAD", P "/case-ingestions", &rt),
                 IL_ROUTE_METHOD_NOT_ALLOWED);

    /* 405 keeps the path and says what is allowed */
    IL_CHECK_INT(route(api, "DELETE", P "/spaces", &rt),
                 IL_ROUTE_METHOD_NOT_ALLOWED);
    IL_CHECK(rt.op == NULL);
    IL_CHECK(rt.path != NULL);
    IL_CHECK_STR(il_path_allow(rt.path), "GET, HEAD, POST");
    IL_CHECK_STR(il_path_not_found_code(rt.path), "not_found");

    IL_CHECK_INT(route(api, "PUT", P "/cases/" UUID, &rt),
                 IL_ROUTE_METHOD_NOT_ALLOWED);
    IL_CHECK_STR(il_path_allow(rt.path), "GET, HEAD, PATCH, DELETE");
    IL_CHECK_INT(rt.nparams, 1);
    IL_CHECK_STR(rt.params[0].name, "case_id");

    IL_CHECK_INT(route(api, "GET", P "/case-ingestions", &rt),
                 IL_ROUTE_METHOD_NOT_ALLOWED);
    IL_CHECK_STR(il_path_allow(rt.path), "POST");
    IL_CHECK_INT(route(api, "PUT", P "/agents/" UUID "/tools", &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_STR(il_path_allow(rt.path), "GET, HEAD, PUT");

    /* methods are case-sensitive tokens */
    IL_CHECK_INT(route(api, "get", P "/cases", &rt),
                 IL_ROUTE_METHOD_NOT_ALLOWED);
    IL_CHECK_INT(route(api, "BREW", P "/cases", &rt),
                 IL_ROUTE_METHOD_NOT_ALLOWED);

    /* what matches nothing */
    IL_CHECK_INT(route(api, "GET", P "/nope", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK(rt.path == NULL && rt.op == NULL);
    IL_CHECK_STR(il_path_not_found_code(rt.path), "not_found");
    IL_CHECK_STR(il_path_not_found_message(rt.path), "Not found.");
    IL_CHECK_STR(il_api_not_found_message(api), "Not found.");
    IL_CHECK_INT(route(api, "GET", "/", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", "", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", "api/v1/public/cases", &rt),
                 IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", "/API/v1/public/cases", &rt),
                 IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", "//api/v1/public/cases", &rt),
                 IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", "/api/v1//public/cases", &rt),
                 IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases//", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/%zz", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/ab%", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/ab%4", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/a%00b", &rt),
                 IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/..", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/%2e", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases/" UUID "/x/y/z/a/b/c/d", &rt),
                 IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", P "/cases?limit=1", &rt),
                 IL_ROUTE_NOT_FOUND);

    /* a scratch buffer shorter than the path is refused, not overrun */
    {
        char  small[8];

        IL_CHECK_INT(il_api_route(api, "GET", 3, P "/cases", strlen(P) + 6,
                                  &rt, small, sizeof(small)),
                     IL_ROUTE_NOT_FOUND);
    }

    /* the published path parameters are plain strings */
    IL_CHECK_INT(check_path(api, "GET", P "/cases/anything"), 1);
}


static void
test_published_not_found(const il_api_t *api)
{
    char        path[512];
    size_t      i, k;
    il_route_t  rt;
    const char  *s;
    static const nf_t  table[] = {
        { "/spaces", "not_found", "Not found." },
        { "/spaces/{space_id}", "space_not_found", "Space not found." },
        { "/spaces/{space_id}/trigger", "space_not_found",
          "Space not found." },
        { "/cases", "not_found", "Not found." },
        { "/cases/{case_id}", "case_not_found", "Case not found." },
        { "/case-ingestions", "not_found", "Not found." },
        { "/case-ingestions/{case_ingestion_id}", "case_ingestion_not_found",
          "Case ingestion not found." },
        { "/case-ingestions/{case_ingestion_id}/errors",
          "case_ingestion_not_found", "Case ingestion not found." },
        { "/models", "not_found", "Not found." },
        { "/agents", "not_found", "Not found." },
        { "/agents/{agent_id}", "agent_not_found", "Agent not found." },
        { "/agents/{agent_id}/tools", "agent_not_found",
          "Agent not found." },
        { "/tools", "not_found", "Not found." },
        { "/tools/{tool_id}", "tool_not_found", "Tool not found." },
        { "/files", "not_found", "Not found." },
        { "/files/{file_id}", "file_not_found", "File not found." },
        { "/procedures", "not_found", "Not found." },
        { "/procedures/{procedure_id}", "procedure_not_found",
          "Procedure not found." },
        { "/secrets", "not_found", "Not found." },
        { "/secrets/{secret_id}", "secret_not_found", "Secret not found." },
        { "/notes", "not_found", "Not found." },
        { "/notes/{note_id}", "note_not_found", "Note not found." },
        { "/users", "not_found", "Not found." },
        { "/users/me", "not_found", "Not found." },
        { "/users/{user_id}", "user_not_found", "User not found." },
        { "/threads/{thread_id}", "thread_not_found", "Thread not found." },
        { "/threads/{thread_id}/messages", "thread_not_found",
          "Thread not found." },
        { "/threads/{thread_id}/events", "thread_not_found",
          "Thread not found." }
    };

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        strcpy(path, P);
        k = strlen(path);

        for (s = table[i].template; *s; s++) {
            if (*s == '{') {
                s = strchr(s, '}');
                memcpy(path + k, "x1", 2);
                k += 2;
                continue;
            }

            path[k++] = *s;
        }

        path[k] = '\0';

        IL_CHECK(route(api, "GET", path, &rt) != IL_ROUTE_NOT_FOUND);
        if (rt.path == NULL) {
            fprintf(stderr, "  %s\n", path);
            continue;
        }

        IL_CHECK(strcmp(il_path_template(rt.path) + strlen(P),
                        table[i].template) == 0);
        IL_CHECK_STR(il_path_not_found_code(rt.path), table[i].code);
        IL_CHECK_STR(il_path_not_found_message(rt.path), table[i].message);
    }
}


static void
test_published_bodies(const il_api_t *api)
{
    il_route_t  rt;

    IL_CHECK_INT(route(api, "POST", P "/cases", &rt), IL_ROUTE_FOUND);
    IL_CHECK_INT(il_op_body_kind(rt.op), IL_BODY_JSON);
    IL_CHECK_INT(il_op_body_required(rt.op), 1);
    IL_CHECK_INT(il_op_body_media(rt.op, "application/json", 16),
                 IL_BODY_JSON);
    IL_CHECK_INT(il_op_body_media(rt.op, " Application/JSON; charset=utf-8",
                                  33),
                 IL_BODY_JSON);
    IL_CHECK_INT(il_op_body_media(rt.op, "text/plain", 10), -1);
    IL_CHECK_INT(il_op_body_media(rt.op, "application/jsonx", 17), -1);
    IL_CHECK_INT(il_op_body_media(rt.op, "", 0), -1);

    IL_CHECK_INT(route(api, "POST", P "/case-ingestions", &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_INT(il_op_body_kind(rt.op), IL_BODY_MULTIPART);
    IL_CHECK_INT(il_op_body_media(rt.op, "multipart/form-data; boundary=x",
                                  31),
                 IL_BODY_MULTIPART);
    IL_CHECK_INT(il_op_body_media(rt.op, "application/json", 16), -1);

    IL_CHECK_INT(route(api, "GET", P "/cases", &rt), IL_ROUTE_FOUND);
    IL_CHECK_INT(il_op_body_kind(rt.op), IL_BODY_NONE);
    IL_CHECK_INT(il_op_body_required(rt.op), 0);
    IL_CHECK_INT(il_op_body_media(rt.op, "text/plain", 10), IL_BODY_NONE);
}


static void
test_bare_ids(void)
{
    char        err[512];
    il_api_t   *api;
    il_route_t  rt;
    size_t      i;
    static const nf_t  table[] = {
        { "/cases/{id}/stages", "case_not_found", "Case not found." },
        { "/stages/{id}/instructions", "stage_not_found", "No such stage." },
        { "/stages/current/notes", "not_found", "Nothing here." },
        { "/cases/{id}/labels/{label_id}", "label_not_found",
          "Label not found." },
        { "/spaces/{id}/members", "space_not_found", "Space not found." },
        { "/activities/{id}", "activity_not_found", "Activity not found." },
        { "/case-ingestions/{id}", "case_ingestion_not_found",
          "Case ingestion not found." },
        { "/datatables/{id}/rows/{row}", "row_not_found", "Row not found." },
        { "/boxes/{id}", "box_not_found", "Box not found." },
        { "/addresses/{id}", "address_not_found", "Address not found." },
        { "/status/{id}", "status_not_found", "Status not found." },
        { "/users/{userId}", "user_not_found", "User not found." },
        { "/widgets/{slug}", "widget_not_found", "Widget not found." },
        { "/orgs/{org}/{id}", "not_found", "Nothing here." },
        { "/items", "not_found", "Nothing here." },
        { "/items/", "not_found", "Nothing here." }
    };

    api = il_api_load(DATA "bare_id.json", FLAGS, err, sizeof(err));
    IL_CHECK(api != NULL);
    if (api == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }

    IL_CHECK_INT(every_operation(api, DATA "bare_id.json", "/v2"), 18);

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char        path[256];
        size_t      k;
        const char *s;

        strcpy(path, "/v2");
        k = 3;

        for (s = table[i].template; *s; s++) {
            if (*s == '{') {
                s = strchr(s, '}');
                path[k++] = '7';
                continue;
            }

            path[k++] = *s;
        }

        path[k] = '\0';

        IL_CHECK(route(api, "GET", path, &rt) != IL_ROUTE_NOT_FOUND);
        if (rt.path == NULL) {
            fprintf(stderr, "  %s\n", path);
            continue;
        }

        IL_CHECK_STR(il_path_template(rt.path), table[i].template);
        IL_CHECK_STR(il_path_not_found_code(rt.path), table[i].code);
        IL_CHECK_STR(il_path_not_found_message(rt.path), table[i].message);
    }

    IL_CHECK_STR(il_api_not_found_message(api), "Nothing here.");

    /* the servers prefix applies; the template alone does not route */
    IL_CHECK_INT(route(api, "GET", "/cases/" UUID "/stages", &rt),
                 IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", "/v2", &rt), IL_ROUTE_NOT_FOUND);

    /* a trailing slash matches only the template written with one */
    IL_CHECK_INT(route(api, "GET", "/v2/items", &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "listItems");
    IL_CHECK_INT(route(api, "GET", "/v2/items/", &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "listItemsSlash");
    IL_CHECK_INT(route(api, "GET", "/v2/items//", &rt), IL_ROUTE_NOT_FOUND);
    IL_CHECK_INT(route(api, "GET", "/v2/boxes/1/", &rt), IL_ROUTE_NOT_FOUND);

    /* the literal branch dead-ends: back up and take the template */
    IL_CHECK_INT(route(api, "GET", "/v2/stages/current/instructions", &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "listInstructions");
    IL_CHECK_INT(rt.nparams, 1);
    IL_CHECK_INT(rt.params[0].len, 7);
    IL_CHECK(memcmp(rt.params[0].value, "current", 7) == 0);
    IL_CHECK_INT(route(api, "GET", "/v2/stages/current/notes", &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "listCurrentNotes");
    IL_CHECK_INT(rt.nparams, 0);

    /* an operation without operationId is named by method and template */
    IL_CHECK_INT(route(api, "GET", "/v2/boxes/1", &rt), IL_ROUTE_FOUND);
    IL_CHECK_STR(il_op_id(rt.op), "GET /boxes/{id}");

    /* /cases/{id}/labels/{label_id} beside /cases/{id}/stages */
    IL_CHECK_INT(route(api, "DELETE", "/v2/cases/" UUID "/labels/l%20x",
                       &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_INT(rt.nparams, 2);
    IL_CHECK_STR(rt.params[0].name, "id");
    IL_CHECK_STR(rt.params[1].name, "label_id");
    IL_CHECK_INT(rt.params[1].len, 3);
    IL_CHECK(memcmp(rt.params[1].value, "l x", 3) == 0);
    IL_CHECK_STR(il_path_allow(rt.path), "DELETE");

    /* bodies through components/requestBodies; other media types */
    IL_CHECK_INT(route(api, "POST", "/v2/stages/x/instructions", &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_INT(il_op_body_kind(rt.op), IL_BODY_JSON);
    IL_CHECK_INT(il_op_body_required(rt.op), 1);
    IL_CHECK_INT(route(api, "POST", "/v2/spaces/x/members", &rt),
                 IL_ROUTE_FOUND);
    IL_CHECK_INT(il_op_body_kind(rt.op), IL_BODY_MULTIPART);
    IL_CHECK_INT(il_op_body_media(rt.op, "text/csv", 8), IL_BODY_MULTIPART);
    IL_CHECK_INT(il_op_body_media(rt.op, "texts/csv", 9), -1);
    IL_CHECK_INT(il_op_body_media(rt.op, "application/json", 16), -1);

    il_api_free(api);
}


static void
test_load_errors(void)
{
    char       err[512];
    il_api_t  *api;

    api = il_api_load(DATA "malformed.json", FLAGS, err, sizeof(err));
    IL_CHECK(api == NULL);
    IL_CHECK(strstr(err, DATA "malformed.json: invalid JSON at line 5")
             != NULL);

    api = il_api_load(DATA "no-such-file.json", FLAGS, err, sizeof(err));
    IL_CHECK(api == NULL);
    IL_CHECK(strstr(err, "no-such-file.json") != NULL);

    api = il_api_load(DATA "dangling_ref.json", FLAGS, err, sizeof(err));
    IL_CHECK(api == NULL);
    IL_CHECK_STR(err, DATA "dangling_ref.json: dangling $ref "
                 "\"#/components/schemas/Thing\" at /paths/~1things/get/"
                 "responses/200/content/application~1json/schema");

    /* an OpenAPI 3.0 keyword the validator refuses, in a request body */
    api = il_api_load(DATA "unknown_keyword.json", FLAGS, err, sizeof(err));
    IL_CHECK(api == NULL);
    IL_CHECK(strncmp(err, DATA "unknown_keyword.json: ", 34) == 0);
    IL_CHECK(strstr(err, "\"nullable\"") != NULL);
    IL_CHECK(strstr(err, "/components/schemas/Odd/properties/size/nullable")
             != NULL);

#define REFUSED(doc, want)                                                   \
    do {                                                                     \
        api = load_text(doc, err, sizeof(err));                              \
        IL_CHECK(api == NULL);                                               \
        il_api_free(api);                                                    \
        if (strstr(err, want) == NULL) {                                     \
            IL_CHECK(!"message");                                            \
            fprintf(stderr, "  got \"%s\"\n  want \"%s\"\n", err, want);     \
        }                                                                    \
    } while (0)

#define DOC(paths)                                                           \
    "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"   \
    "\"paths\":{" paths "}}"

#define OK "{\"responses\":{\"200\":{\"description\":\"ok\"}}}"

    REFUSED(DOC("\"/files/{id}.json\":{\"get\":" OK "}"),
            "path \"/files/{id}.json\": a template parameter must be a "
            "whole segment, \"{name}\" between two \"/\" at "
            "/paths/~1files~1{id}.json");
    REFUSED(DOC("\"/a/{x}\":{\"get\":" OK "},\"/a/{y}\":{\"get\":" OK "}"),
            "paths \"/a/{x}\" and \"/a/{y}\" are the same template at "
            "/paths/~1a~1{y}");
    REFUSED(DOC("\"/a//b\":{\"get\":" OK "}"),
            "path \"/a//b\" has an empty segment");
    REFUSED(DOC("\"a\":{\"get\":" OK "}"), "does not start with \"/\"");
    REFUSED(DOC("\"/a/{x}/{x}\":{\"get\":" OK "}"),
            "names parameter \"x\" twice");
    REFUSED(DOC("\"/a/%zz\":{\"get\":" OK "}"), "cannot match");
    REFUSED(DOC("\"/a/{x}\":{\"get\":{\"parameters\":[{\"name\":\"y\","
                "\"in\":\"path\",\"required\":true,\"schema\":{}}]}}"),
            "path parameter \"y\" is not in path \"/a/{x}\" at "
            "/paths/~1a~1{x}/get/parameters/0");
    REFUSED(DOC("\"/a\":{\"get\":{\"parameters\":[{\"name\":\"y\","
                "\"in\":\"body\",\"schema\":{}}]}}"),
            "parameter \"y\" has no valid \"in\" at "
            "/paths/~1a/get/parameters/0");
    REFUSED(DOC("\"/a\":{\"get\":{\"parameters\":[{\"name\":\"y\","
                "\"in\":\"query\",\"schema\":{}},{\"name\":\"y\","
                "\"in\":\"query\",\"schema\":{}}]}}"),
            "parameter \"y\" is declared twice at /paths/~1a/get/"
            "parameters/1");
    REFUSED(DOC("\"/a\":{\"get\":{\"parameters\":[{\"$ref\":"
                "\"#/components/parameters/Nope\"}]}}"),
            "dangling $ref \"#/components/parameters/Nope\" at "
            "/paths/~1a/get/parameters/0");
    REFUSED(DOC("\"/a\":{\"$ref\":\"#/paths/~1b\"},"
                "\"/b\":{\"$ref\":\"#/paths/~1a\"}"),
            "$ref chain longer than 32 (a cycle?)");
    REFUSED(DOC("\"/a\":{\"get\":{\"requestBody\":{\"$ref\":"
                "\"other.json#/x\"}}}"),
            "$ref \"other.json#/x\" points outside the document at "
            "/paths/~1a/get/requestBody");
    REFUSED("{\"openapi\":\"3.0.3\",\"paths\":{}}",
            "\"openapi\" must be a 3.1 version at /openapi");
    REFUSED("[1]", "the document is not a JSON object");

    /* a schema only a response uses still has to compile */
    REFUSED("{\"openapi\":\"3.1.0\",\"paths\":{},\"components\":"
            "{\"schemas\":{\"Unused\":{\"type\":\"string\","
            "\"frobnicate\":1}}}}",
            "unsupported keyword \"frobnicate\" at "
            "\"/components/schemas/Unused/frobnicate\"");
    REFUSED("{\"openapi\":\"3.1.0\",\"servers\":[{\"url\":\"/{v}\"}],"
            "\"paths\":{}}",
            "server variable \"v\" has no default at /servers/0/variables");

    /* a relative servers url and a root template */
    api = load_text("{\"openapi\":\"3.1.1\",\"servers\":[{\"url\":\"api/\"}],"
                    "\"paths\":{\"/\":{\"get\":" OK "}}}", err, sizeof(err));
    IL_CHECK(api != NULL);
    if (api != NULL) {
        il_route_t  rt;

        IL_CHECK_INT(route(api, "GET", "/api/", &rt), IL_ROUTE_FOUND);
        IL_CHECK_INT(route(api, "GET", "/api", &rt), IL_ROUTE_NOT_FOUND);
        IL_CHECK_INT(route(api, "GET", "/", &rt), IL_ROUTE_NOT_FOUND);
        IL_CHECK_INT(route(api, "GET", "/api/x", &rt), IL_ROUTE_NOT_FOUND);
        il_api_free(api);
    }

#undef REFUSED
#undef DOC
#undef OK
}


static void
test_published_params(const il_api_t *api)
{
    il_field_errors_t  fe;

    il_field_errors_init(&fe);

#define FIELD(i, p, t, m)                                                    \
    do {                                                                     \
        IL_CHECK((size_t) (i) < fe.n);                                       \
        if ((size_t) (i) < fe.n) {                                           \
            IL_CHECK_STR(fe.items[i].path, p);                               \
            IL_CHECK_STR(fe.items[i].type, t);                               \
            IL_CHECK_STR(fe.items[i].message, m);                            \
        }                                                                    \
    } while (0)

    IL_CHECK_INT(params(api, "GET", P "/cases", "", NULL, &fe), 1);
    IL_CHECK_INT(fe.n, 0);

    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=0", NULL, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    FIELD(0, "query.limit", "greater_than_equal",
          "Input should be greater than or equal to 1.");

    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=101", NULL, &fe), 0);
    FIELD(0, "query.limit", "less_than_equal",
          "Input should be less than or equal to 100.");

    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=abc", NULL, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    FIELD(0, "query.limit", "int_type", "Input should be a valid integer.");

    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=1.5", NULL, &fe), 0);
    FIELD(0, "query.limit", "int_type", "Input should be a valid integer.");
    IL_CHECK_INT(params(api, "GET", P "/cases",
                        "limit=99999999999999999999", NULL, &fe), 0);
    FIELD(0, "query.limit", "int_type", "Input should be a valid integer.");
    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=", NULL, &fe), 0);
    FIELD(0, "query.limit", "int_type", "Input should be a valid integer.");
    IL_CHECK_INT(params(api, "GET", P "/cases", "limit", NULL, &fe), 0);
    FIELD(0, "query.limit", "int_type", "Input should be a valid integer.");

    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=%2B50", NULL, &fe), 1);
    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=100", NULL, &fe), 1);

    /* a repeated scalar is judged by its last occurrence */
    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=0&limit=5", NULL,
                        &fe), 1);
    IL_CHECK_INT(params(api, "GET", P "/cases", "limit=5&limit=0", NULL,
                        &fe), 0);
    IL_CHECK_INT(fe.n, 1);

    /* names are decoded too; unknown names pass */
    IL_CHECK_INT(params(api, "GET", P "/cases", "l%69mit=0", NULL, &fe), 0);
    IL_CHECK_INT(params(api, "GET", P "/cases", "limits=0&x=%zz&&=&a",
                        NULL, &fe), 1);

    IL_CHECK_INT(params(api, "GET", P "/cases", "status=a&status=b", NULL,
                        &fe), 1);
    IL_CHECK_INT(params(api, "GET", P "/cases", "status=", NULL, &fe), 1);

    IL_CHECK_INT(params(api, "GET", P "/cases", "sort=bogus", NULL, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    FIELD(0, "query.sort", "enum",
          "Input should be 'position', 'created_at' or 'updated_at'.");
    IL_CHECK_INT(params(api, "GET", P "/cases", "sort=updated_at&"
                        "direction=asc", NULL, &fe), 1);

    /* an empty value is null where null is allowed */
    IL_CHECK_INT(params(api, "GET", P "/cases", "space_id=", NULL, &fe), 1);
    IL_CHECK_INT(params(api, "GET", P "/cases", "space_id=" UUID, NULL, &fe),
                 1);
    IL_CHECK_INT(params(api, "GET", P "/cases", "space_id=nope", NULL, &fe),
                 0);
    IL_CHECK_INT(fe.n, 1);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].path, "query.space_id");
    }

    /* every broken parameter is reported, in declaration order */
    IL_CHECK_INT(params(api, "GET", P "/cases",
                        "direction=up&limit=0&sort=x", NULL, &fe), 0);
    IL_CHECK_INT(fe.n, 3);
    if (fe.n == 3) {
        IL_CHECK_STR(fe.items[0].path, "query.limit");
        IL_CHECK_STR(fe.items[1].path, "query.sort");
        IL_CHECK_STR(fe.items[2].path, "query.direction");
    }

    /* the Authorization header parameter is never checked here */
    IL_CHECK_INT(params(api, "GET", P "/cases/x", "", NULL, &fe), 1);

#undef FIELD

    il_field_errors_free(&fe);
}


static void
test_bare_params(void)
{
    char               err[512], big[3000];
    il_api_t          *api;
    il_field_errors_t  fe;
    hdr_t              trace[] = { { "x-trace-id", "abc" }, { NULL, NULL } };
    hdr_t              longer[] = { { "X-Trace-Id", "abcdefghi" },
                                    { NULL, NULL } };
    hdr_t              latin[] = { { "X-Trace-Id", "caf\xe9" },
                                   { NULL, NULL } };

    api = il_api_load(DATA "bare_id.json", FLAGS, err, sizeof(err));
    IL_CHECK(api != NULL);
    if (api == NULL) {
        return;
    }

    il_field_errors_init(&fe);

#define M  "/v2/spaces/" UUID "/members"

    /* required query and header parameters; cookies are not checked */
    IL_CHECK_INT(params(api, "GET", M, "", NULL, &fe), 0);
    IL_CHECK_INT(fe.n, 2);
    if (fe.n == 2) {
        IL_CHECK_STR(fe.items[0].path, "header.X-Trace-Id");
        IL_CHECK_STR(fe.items[0].type, "missing");
        IL_CHECK_STR(fe.items[0].message, "Field required.");
        IL_CHECK_STR(fe.items[1].path, "query.q");
        IL_CHECK_STR(fe.items[1].type, "missing");
        IL_CHECK_STR(fe.items[1].message, "Field required.");
    }

    IL_CHECK_INT(params(api, "GET", M, "q=", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1", longer, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].path, "header.X-Trace-Id");
        IL_CHECK_STR(fe.items[0].type, "string_too_long");
    }

    /* ISO-8859-1 header bytes are read as characters: 4 of them */
    IL_CHECK_INT(params(api, "GET", M, "q=1", latin, &fe), 1);

    /* explode false: one value, split on commas; items coerced */
    IL_CHECK_INT(params(api, "GET", M, "q=1&ids=1,2,3", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1&ids=1,x,3", trace, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].path, "query.ids.1");
        IL_CHECK_STR(fe.items[0].type, "int_type");
    }

    IL_CHECK_INT(params(api, "GET", M, "q=1&ids=1%2C2", trace, &fe), 0);
    IL_CHECK_INT(params(api, "GET", M, "q=1&ids=", trace, &fe), 1);

    /* exploded: one item per occurrence, reported by index */
    IL_CHECK_INT(params(api, "GET", M, "q=1&tags=a&tags=b&tags=a", trace,
                        &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "tags=a&q=1&tags=c", trace, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].path, "query.tags.1");
        IL_CHECK_STR(fe.items[0].type, "enum");
    }

    /* booleans and numbers */
    IL_CHECK_INT(params(api, "GET", M, "q=1&flag=true", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1&flag=OFF", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1&flag=1", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1&flag=maybe", trace, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].path, "query.flag");
        IL_CHECK_STR(fe.items[0].type, "bool_type");
    }

    IL_CHECK_INT(params(api, "GET", M, "q=1&ratio=0.5", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1&ratio=-2e3", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1&ratio=7", trace, &fe), 1);
    IL_CHECK_INT(params(api, "GET", M, "q=1&ratio=1e999", trace, &fe), 0);
    IL_CHECK_INT(params(api, "GET", M, "q=1&ratio=nan", trace, &fe), 0);
    IL_CHECK_INT(params(api, "GET", M, "q=1&ratio=0x10", trace, &fe), 0);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].type, "float_type");
    }

    /* '+' is a space, broken escapes and bad UTF-8 still make a string */
    IL_CHECK_INT(params(api, "GET", M, "q=a+b%zz%ff%e2%82", trace, &fe), 1);

    /* a value longer than the stack buffer */
    memset(big, 'a', sizeof(big));
    memcpy(big, "q=%ff", 5);
    big[sizeof(big) - 1] = '\0';
    IL_CHECK_INT(params(api, "GET", M, big, trace, &fe), 1);

#undef M

    /* path parameters: a uuid id, an integer row */
    IL_CHECK_INT(check_path(api, "GET", "/v2/cases/" UUID "/stages"), 1);
    IL_CHECK_INT(check_path(api, "GET", "/v2/cases/nope/stages"), 0);
    IL_CHECK_INT(check_path(api, "GET", "/v2/datatables/d/rows/12"), 1);
    IL_CHECK_INT(check_path(api, "GET", "/v2/datatables/d/rows/0"), 0);
    IL_CHECK_INT(check_path(api, "GET", "/v2/datatables/d/rows/x"), 0);
    IL_CHECK_INT(check_path(api, "GET", "/v2/datatables/d/rows/%ff"), 0);

    /* the operation's "id" overrides the path item's uuid one */
    IL_CHECK_INT(check_path(api, "GET", "/v2/stages/nope/instructions"), 0);
    IL_CHECK_INT(check_path(api, "POST", "/v2/stages/nope/instructions"), 1);

    /* path-item parameters the operation does not override still count */
    IL_CHECK_INT(params(api, "POST", "/v2/stages/x/instructions", "", NULL,
                        &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].path, "query.lang");
        IL_CHECK_STR(fe.items[0].type, "missing");
    }

    IL_CHECK_INT(params(api, "GET", "/v2/stages/x/instructions", "lang=fr",
                        NULL, &fe), 0);
    IL_CHECK_INT(fe.n, 1);
    IL_CHECK_INT(params(api, "POST", "/v2/stages/x/instructions", "lang=de",
                        NULL, &fe), 1);

    il_field_errors_free(&fe);
    il_api_free(api);
}


static void
test_bodies(const il_api_t *api)
{
    json_t            *body;
    il_arena_t         a;
    il_route_t         rt;
    il_field_errors_t  fe;

    il_field_errors_init(&fe);
    il_arena_init(&a, NULL, 0);

    IL_CHECK_INT(route(api, "POST", P "/spaces", &rt), IL_ROUTE_FOUND);

    body = json_pack("{s:s}", "name", "Claims");
    IL_CHECK_INT(il_op_validate_body(rt.op, il_value_from_json(&a, body),
                                     &fe),
                 1);
    json_decref(body);

    body = json_pack("{s:i}", "name", 5);
    IL_CHECK_INT(il_op_validate_body(rt.op, il_value_from_json(&a, body),
                                     &fe),
                 0);
    IL_CHECK(fe.n >= 1);
    if (fe.n) {
        IL_CHECK_STR(fe.items[0].path, "name");
    }
    json_decref(body);

    il_arena_free(&a);
    il_field_errors_free(&fe);
}


/*
 * Parameters are held in an arena on the stack: jansson allocates
 * nothing for them any more.
 */
static void
test_allocations(const il_api_t *api)
{
    size_t             before;
    il_route_t         rt;
    il_field_errors_t  fe;
    const char        *q;

    il_field_errors_init(&fe);

    IL_CHECK_INT(route(api, "GET", P "/cases", &rt), IL_ROUTE_FOUND);

    q = "limit=20&sort=created_at&direction=asc&status=a&status=b";
    before = allocs;
    IL_CHECK_INT(il_op_validate_params(rt.op, q, strlen(q), NULL, NULL, &fe),
                 1);
    printf("openapi: listCases with 4 parameters: %zu jansson "
           "allocations\n", allocs - before);
    IL_CHECK_INT(allocs - before, 0);
    IL_CHECK(allocs - before <= 12);

    before = allocs;
    IL_CHECK_INT(il_op_validate_params(rt.op, "", 0, NULL, NULL, &fe), 1);
    IL_CHECK_INT(allocs - before, 0);

    il_field_errors_free(&fe);
}


/*
 * The project's own document: every operation routes, and where a path
 * has parameters, the first 404 example the document gives is the code
 * the gateway derives for it.
 */
static void
test_project_document(void)
{
    char         err[512], path[1024];
    size_t       k, n;
    json_t      *root, *item, *op, *media, *ex;
    il_api_t    *api;
    il_route_t   rt;
    const char  *tpl, *mk, *code, *s;

    api = il_api_load(PROJECT, FLAGS, err, sizeof(err));
    IL_CHECK(api != NULL);
    if (api == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }

    IL_CHECK_INT(every_operation(api, PROJECT, ""), 63);

    root = json_load_file(PROJECT, 0, NULL);
    n = 0;

    json_object_foreach(json_object_get(root, "paths"), tpl, item) {
        if (strchr(tpl, '{') == NULL) {
            continue;
        }

        for (s = tpl, k = 0; *s; s++) {
            if (*s == '{') {
                s = strchr(s, '}');
                memcpy(path + k, UUID, strlen(UUID));
                k += strlen(UUID);
                continue;
            }

            path[k++] = *s;
        }

        path[k] = '\0';

        IL_CHECK(route(api, "GET", path, &rt) != IL_ROUTE_NOT_FOUND);
        if (rt.path == NULL) {
            continue;
        }

        json_object_foreach(item, mk, op) {
            media = json_object_get(json_object_get(json_object_get(
                        json_object_get(op, "responses"), "404"), "content"),
                        "application/json");
            ex = json_object_get(media, "example");

            if (ex == NULL) {
                ex = json_object_get(media, "examples");
                ex = json_object_iter_value(json_object_iter(ex));
                ex = json_object_get(ex, "value");
            }

            code = json_string_value(json_object_get(
                       json_object_get(ex, "error"), "code"));

            if (code == NULL) {
                continue;
            }

            IL_CHECK_STR(il_path_not_found_code(rt.path), code);
            n++;
        }
    }

    IL_CHECK(n > 0);
    printf("openapi: %s: %zu operations name their 404 as derived\n",
           PROJECT, n);

    json_decref(root);
    il_api_free(api);
}


int
main(void)
{
    char       err[512];
    il_api_t  *api;

    json_set_alloc_funcs(count_malloc, count_free);

    api = il_api_load(PUBLISHED, FLAGS, err, sizeof(err));
    IL_CHECK(api != NULL);

    if (api == NULL) {
        fprintf(stderr, "%s\n", err);

    } else {
        test_published_routes(api);
        test_published_not_found(api);
        test_published_bodies(api);
        test_published_params(api);
        test_bodies(api);
        test_allocations(api);
        il_api_free(api);
    }

    test_bare_ids();
    test_bare_params();
    test_load_errors();
    test_project_document();

    return il_test_result("openapi");
}
