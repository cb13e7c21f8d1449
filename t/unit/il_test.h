
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * A few macros for the C unit tests: each check prints what failed, the
 * run goes on, and main() returns il_test_result().
 */


#ifndef IL_TEST_H_INCLUDED
#define IL_TEST_H_INCLUDED


#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int  il_test_failed __attribute__((unused));
static int  il_test_run __attribute__((unused));


#define IL_CHECK(cond)                                                       \
    do {                                                                     \
        il_test_run++;                                                       \
        if (!(cond)) {                                                       \
            il_test_failed++;                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n",                     \
                    __FILE__, __LINE__, #cond);                              \
        }                                                                    \
    } while (0)


#define IL_CHECK_STR(got, want)                                              \
    do {                                                                     \
        const char *il_g_ = (got), *il_w_ = (want);                          \
        il_test_run++;                                                       \
        if (il_g_ == NULL || strcmp(il_g_, il_w_) != 0) {                    \
            il_test_failed++;                                                \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",              \
                    __FILE__, __LINE__, il_g_ ? il_g_ : "(null)", il_w_);    \
        }                                                                    \
    } while (0)


#define IL_CHECK_INT(got, want)                                              \
    do {                                                                     \
        long long il_g_ = (long long) (got), il_w_ = (long long) (want);     \
        il_test_run++;                                                       \
        if (il_g_ != il_w_) {                                                \
            il_test_failed++;                                                \
            fprintf(stderr, "%s:%d: %s is %lld, want %lld\n",                \
                    __FILE__, __LINE__, #got, il_g_, il_w_);                 \
        }                                                                    \
    } while (0)


/*
 * A file of the read-only inputs beside the checkout (the published
 * OpenAPI document, the JSON Schema Test Suite): under $INTERLOOM_SHARED,
 * which the Makefile sets, else under ../shared.
 */

static inline const char *
il_test_shared(char *buf, size_t size, const char *rel)
{
    const char  *dir;

    dir = getenv("INTERLOOM_SHARED");

    snprintf(buf, size, "%s/%s", dir ? dir : "../shared", rel);

    return buf;
}


static inline int
il_test_result(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, il_test_run, il_test_failed);
    return il_test_failed ? 1 : 0;
}


#endif /* IL_TEST_H_INCLUDED */
