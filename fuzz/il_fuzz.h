
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * What the libFuzzer harnesses share: the invariant check that aborts, so
 * libFuzzer keeps the input, and the checks every harness makes of the
 * field errors and envelopes it gets back.  The replay driver links the
 * same harnesses without libFuzzer.
 */


#ifndef IL_FUZZ_H_INCLUDED
#define IL_FUZZ_H_INCLUDED


#include <stddef.h>
#include <stdint.h>

#include "il_error.h"


/* A broken invariant is a crash: libFuzzer then saves the input. */
#define IL_FUZZ_CHECK(cond)                                                  \
    do {                                                                     \
        if (!(cond)) {                                                       \
            il_fuzz_fail(__FILE__, __LINE__, #cond);                         \
        }                                                                    \
    } while (0)


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void il_fuzz_fail(const char *file, int line, const char *what)
    __attribute__((noreturn));

/* 1 when len bytes at s are UTF-8 as JSON wants it (NUL allowed). */
int il_fuzz_utf8(const char *s, size_t len);

/*
 * Checks a list the validator filled: verdict 0 needs at least one entry
 * (or the truncated/nomem marks), verdict 1 none; every path, message and
 * type is non-empty UTF-8; paths start with prefix when it is not NULL,
 * and never with "query." or "header." when it is NULL (a body).
 */
void il_fuzz_check_errors(const il_field_errors_t *fe, int verdict,
    const char *prefix);

/*
 * Writes the envelope of code, message and fields, measuring first, then
 * into a buffer of exactly that size and into one cut short; checks that
 * the lengths agree, the short one is a prefix, and the whole parses
 * with jansson into the same code and as many fields.
 */
void il_fuzz_check_envelope(const char *code, size_t code_len,
    const char *message, size_t message_len, const il_field_errors_t *fe);


#endif /* IL_FUZZ_H_INCLUDED */
