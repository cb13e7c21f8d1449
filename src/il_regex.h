
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * JSON Schema "pattern" regexes: ECMA-262 syntax and meaning, run by PCRE2
 * in UTF mode.  Plain C: no nginx.
 */


#ifndef IL_REGEX_H_INCLUDED
#define IL_REGEX_H_INCLUDED


#include <stddef.h>


typedef struct il_regex_s  il_regex_t;


/*
 * Translates an ECMA-262 pattern where PCRE2 reads it differently, then
 * compiles it once (with JIT where available).  On error returns NULL and
 * writes a message into err.
 */
il_regex_t *il_regex_compile(const char *pattern, size_t len, char *err,
    size_t errlen);

/*
 * Searches s (UTF-8, not anchored) for a match.  Returns 1 on a match,
 * 0 when none, -1 when the match limit was hit or matching failed.
 */
int il_regex_match(il_regex_t *re, const char *s, size_t len);

void il_regex_free(il_regex_t *re);


#endif /* IL_REGEX_H_INCLUDED */
