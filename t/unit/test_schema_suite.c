
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Runs the JSON Schema Test Suite (draft 2020-12) through il_schema:
 * every top-level file with "format" as an annotation, and the formats
 * the gateway asserts from optional/format/ with "format" asserted.
 * Prints passed/total per file and fails below the recorded floor.
 *
 *   test_schema_suite [suite-dir]      IL_SUITE_VERBOSE=1 lists failures
 */


#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "il_schema.h"
#include "il_test.h"


static char  il_suite_dir[1024];

#define IL_SUITE_DIR                                                          \
    il_test_shared(il_suite_dir, sizeof(il_suite_dir),                       \
                   "json-schema-test-suite/tests/draft2020-12")
#define IL_SUITE_FLOOR  "t/unit/schema_suite.floor"


typedef struct {
    const char  *name;
    const char  *why;
} il_suite_skip_t;


/* Out of scope: counted as failed, listed in docs/validation.md. */
static const il_suite_skip_t  il_suite_skips[] = {
    { "refRemote.json", "remote $ref" },
    { "dynamicRef.json", "$dynamicRef" },
    { "vocabulary.json", "$vocabulary" },
    { NULL, NULL }
};


static const char  *il_suite_formats[] = {
    "uuid.json", "date-time.json", "date.json", "time.json", "email.json",
    "uri.json", "ipv4.json", "ipv6.json", NULL
};


static int  il_suite_verbose;


static int il_suite_file(const char *dir, const char *name, unsigned flags,
    size_t *passed, size_t *total);
static int il_suite_cmp(const void *a, const void *b);
static long il_suite_floor(void);


int
main(int argc, char **argv)
{
    int                     rc;
    long                    floor;
    char                  **names, path[4096];
    size_t                  n, cap, i, passed, total, p, t;
    DIR                    *d;
    const char             *dir, *v, **f;
    struct dirent          *e;
    const il_suite_skip_t  *skip;

    dir = argc > 1 ? argv[1] : IL_SUITE_DIR;
    v = getenv("IL_SUITE_VERBOSE");
    il_suite_verbose = (v != NULL && v[0] == '1');

    floor = il_suite_floor();
    if (floor < 0) {
        fprintf(stderr, "schema_suite: cannot read %s\n", IL_SUITE_FLOOR);
        return 1;
    }

    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "schema_suite: cannot open %s\n", dir);
        return 1;
    }

    names = NULL;
    n = 0;
    cap = 0;

    while ((e = readdir(d)) != NULL) {
        size_t  len;

        len = strlen(e->d_name);

        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) {
            continue;
        }

        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(char *));
            if (names == NULL) {
                return 1;
            }
        }

        names[n++] = strdup(e->d_name);
    }

    closedir(d);

    qsort(names, n, sizeof(char *), il_suite_cmp);

    passed = 0;
    total = 0;
    rc = 0;

    for (i = 0; i < n; i++) {
        p = 0;
        t = 0;

        if (il_suite_file(dir, names[i], 0, &p, &t) != 0) {
            rc = 1;
        }

        for (skip = il_suite_skips; skip->name; skip++) {
            if (strcmp(skip->name, names[i]) == 0) {
                break;
            }
        }

        if (skip->name) {
            printf("%s: %zu/%zu (out of scope: %s)\n", names[i], p, t,
                   skip->why);

        } else {
            printf("%s: %zu/%zu\n", names[i], p, t);
        }

        passed += p;
        total += t;
        free(names[i]);
    }

    free(names);

    snprintf(path, sizeof(path), "%s/optional/format", dir);

    for (f = il_suite_formats; *f; f++) {
        p = 0;
        t = 0;

        if (il_suite_file(path, *f, IL_SCHEMA_FORMAT_ASSERT, &p, &t) != 0) {
            rc = 1;
        }

        printf("optional/format/%s: %zu/%zu\n", *f, p, t);

        passed += p;
        total += t;
    }

    printf("schema_suite: %zu of %zu cases pass, floor %ld\n", passed, total,
           floor);

    if ((long) passed < floor) {
        fprintf(stderr, "schema_suite: below the floor in %s\n",
                IL_SUITE_FLOOR);
        rc = 1;
    }

    return rc;
}


/*
 * One file: each group's schema is its own document.  A schema that does
 * not compile fails all its cases.  Data with numbers jansson cannot hold
 * is read again with such integers as reals.  Each case's data is copied
 * into an arena, as the validator reads request values.
 */

static int
il_suite_file(const char *dir, const char *name, unsigned flags,
    size_t *passed, size_t *total)
{
    int                ok, want;
    char               path[4096], err[512];
    size_t             gi, ti;
    json_t            *groups, *g, *tests, *tc;
    il_arena_t         arena;
    il_value_t        *data;
    il_schema_t       *s;
    json_error_t       je;
    il_schema_doc_t   *doc;
    il_field_errors_t  errs;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    groups = json_load_file(path, JSON_ALLOW_NUL, &je);
    if (groups == NULL) {
        groups = json_load_file(path, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
                                &je);
    }

    if (groups == NULL) {
        fprintf(stderr, "%s: %s\n", path, je.text);
        return -1;
    }

    il_field_errors_init(&errs);
    il_arena_init(&arena, NULL, 0);

    json_array_foreach(groups, gi, g) {
        tests = json_object_get(g, "tests");

        doc = il_schema_doc_new(json_object_get(g, "schema"), flags);
        if (doc == NULL) {
            return -1;
        }

        err[0] = '\0';
        s = il_schema_compile(doc, "", err, sizeof(err));

        if (s == NULL && il_suite_verbose) {
            printf("  %s [%s]: does not compile: %s\n", name,
                   json_string_value(json_object_get(g, "description")),
                   err);
        }

        json_array_foreach(tests, ti, tc) {
            (*total)++;

            if (s == NULL) {
                continue;
            }

            want = json_is_true(json_object_get(tc, "valid"));

            il_field_errors_reset(&errs);
            il_arena_reset(&arena);

            data = il_value_from_json(&arena, json_object_get(tc, "data"));
            if (data == NULL) {
                return -1;
            }

            ok = il_schema_validate(s, data, "", &errs);

            /* a verdict and its report must agree */
            if (ok == want && (ok ? errs.n == 0 : errs.n > 0)) {
                (*passed)++;
                continue;
            }

            if (il_suite_verbose) {
                printf("  %s [%s] %s: got %s%s%s\n", name,
                       json_string_value(json_object_get(g, "description")),
                       json_string_value(json_object_get(tc, "description")),
                       ok ? "valid" : "invalid",
                       errs.n ? ", first: " : "",
                       errs.n ? errs.items[0].message : "");
            }
        }

        il_schema_doc_free(doc);
    }

    il_field_errors_free(&errs);
    il_arena_free(&arena);
    json_decref(groups);

    return 0;
}


static int
il_suite_cmp(const void *a, const void *b)
{
    return strcmp(*(char * const *) a, *(char * const *) b);
}


static long
il_suite_floor(void)
{
    long   n;
    FILE  *fp;

    fp = fopen(IL_SUITE_FLOOR, "r");
    if (fp == NULL) {
        return -1;
    }

    if (fscanf(fp, "%ld", &n) != 1) {
        n = -1;
    }

    fclose(fp);

    return n;
}
