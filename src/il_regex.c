
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#define PCRE2_CODE_UNIT_WIDTH  8

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcre2.h>

#include "il_regex.h"


/*
 * A pattern that backtracks without end must not hold a worker: past this
 * many steps the match gives up and the string counts as not matching.
 */
#define IL_REGEX_MATCH_LIMIT  1000000


/* ECMA-262 WhiteSpace and LineTerminator, which \s stands for. */
#define IL_REGEX_ECMA_SPACE                                                  \
    "\\t\\n\\x0b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029"       \
    "\\u202f\\u205f\\u3000\\ufeff"

/* What "." matches outside the s flag: all but the line terminators. */
#define IL_REGEX_ECMA_DOT  "[^\\n\\r\\u2028\\u2029]"


struct il_regex_s {
    pcre2_code           *code;
    pcre2_match_data     *md;
    pcre2_match_context  *mctx;
};


typedef struct {
    char    *buf;
    size_t   len;
    size_t   cap;
    int      nomem;
} il_regex_buf_t;


typedef struct {
    const char  *name;
    const char  *abbr;
} il_regex_category_t;


static void il_regex_put(il_regex_buf_t *b, const char *s, size_t len);
static size_t il_regex_surrogates(const char *p, size_t left,
    il_regex_buf_t *b);
static size_t il_regex_property(const char *p, size_t left,
    il_regex_buf_t *b);
static int il_regex_hex4(const char *p, size_t left, uint32_t *v);
static char *il_regex_translate(const char *p, size_t len);


/* Long General_Category names ECMA accepts and PCRE2 10.42 does not. */
static const il_regex_category_t  il_regex_categories[] = {
    { "Letter", "L" },
    { "Cased_Letter", "L&" },
    { "Uppercase_Letter", "Lu" },
    { "Lowercase_Letter", "Ll" },
    { "Titlecase_Letter", "Lt" },
    { "Modifier_Letter", "Lm" },
    { "Other_Letter", "Lo" },
    { "Mark", "M" },
    { "Combining_Mark", "M" },
    { "Nonspacing_Mark", "Mn" },
    { "Spacing_Mark", "Mc" },
    { "Enclosing_Mark", "Me" },
    { "Number", "N" },
    { "Decimal_Number", "Nd" },
    { "digit", "Nd" },
    { "Letter_Number", "Nl" },
    { "Other_Number", "No" },
    { "Punctuation", "P" },
    { "punct", "P" },
    { "Connector_Punctuation", "Pc" },
    { "Dash_Punctuation", "Pd" },
    { "Open_Punctuation", "Ps" },
    { "Close_Punctuation", "Pe" },
    { "Initial_Punctuation", "Pi" },
    { "Final_Punctuation", "Pf" },
    { "Other_Punctuation", "Po" },
    { "Symbol", "S" },
    { "Math_Symbol", "Sm" },
    { "Currency_Symbol", "Sc" },
    { "Modifier_Symbol", "Sk" },
    { "Other_Symbol", "So" },
    { "Separator", "Z" },
    { "Space_Separator", "Zs" },
    { "Line_Separator", "Zl" },
    { "Paragraph_Separator", "Zp" },
    { "Other", "C" },
    { "Control", "Cc" },
    { "cntrl", "Cc" },
    { "Format", "Cf" },
    { "Surrogate", "Cs" },
    { "Private_Use", "Co" },
    { "Unassigned", "Cn" },
    { NULL, NULL }
};


il_regex_t *
il_regex_compile(const char *pattern, size_t len, char *err, size_t errlen)
{
    int                     ec;
    char                   *pcre;
    uint32_t                jit;
    il_regex_t             *re;
    PCRE2_SIZE              off;
    PCRE2_UCHAR             msg[128];
    pcre2_compile_context  *cctx;

    pcre = il_regex_translate(pattern, len);
    if (pcre == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    re = calloc(1, sizeof(il_regex_t));
    cctx = pcre2_compile_context_create(NULL);

    if (re == NULL || cctx == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    /*
     * ECMA's \u{...} needs PCRE2's extra option; UCP stays off so that
     * \d, \w and \b keep ECMA's ASCII meaning.
     */
    pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_ALT_BSUX);

    re->code = pcre2_compile((PCRE2_SPTR) pcre, PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF | PCRE2_DOLLAR_ENDONLY
                             | PCRE2_ALT_BSUX, &ec, &off, cctx);
    if (re->code == NULL) {
        pcre2_get_error_message(ec, msg, sizeof(msg));
        snprintf(err, errlen, "invalid pattern: %s", (char *) msg);
        goto failed;
    }

#ifndef IL_REGEX_NO_JIT

    /*
     * Without JIT the interpreter still matches: not an error.  Valgrind
     * cannot follow JIT code and reports its reads as uninitialised; its
     * runs build with -DIL_REGEX_NO_JIT.
     */
    if (pcre2_config(PCRE2_CONFIG_JIT, &jit) == 0 && jit) {
        (void) pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    }

#else
    (void) jit;
#endif

    re->md = pcre2_match_data_create(1, NULL);
    re->mctx = pcre2_match_context_create(NULL);

    if (re->md == NULL || re->mctx == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    pcre2_set_match_limit(re->mctx, IL_REGEX_MATCH_LIMIT);

    pcre2_compile_context_free(cctx);
    free(pcre);

    return re;

failed:

    pcre2_compile_context_free(cctx);
    il_regex_free(re);
    free(pcre);

    return NULL;
}


int
il_regex_match(il_regex_t *re, const char *s, size_t len)
{
    int  rc;

    rc = pcre2_match(re->code, (PCRE2_SPTR) s, len, 0, 0, re->md, re->mctx);

    if (rc >= 0) {
        return 1;
    }

    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}


void
il_regex_free(il_regex_t *re)
{
    if (re == NULL) {
        return;
    }

    pcre2_match_context_free(re->mctx);
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    free(re);
}


/*
 * PCRE2_ALT_BSUX gives \x, \u and \U their ECMA meaning, so what is
 * written here uses \xhh, \uhhhh and \u{...}, never PCRE's \x{...}.
 *
 * Rewrites what ECMA-262 (with the u flag) and PCRE2 read differently:
 * \s and "." (ECMA's Unicode whitespace and line terminators), a class
 * whose first character is "]" ("[]" never matches, "[^]" matches any
 * character), a "[" inside a class (PCRE2 would see a POSIX class),
 * surrogate pairs written as two \u escapes, and long General_Category
 * names.  \S inside a class stays PCRE2's ASCII \S.
 */

static char *
il_regex_translate(const char *p, size_t len)
{
    int             in_class;
    size_t          i, n;
    il_regex_buf_t  b;

    b.cap = len * 2 + 64;
    b.len = 0;
    b.nomem = 0;
    b.buf = malloc(b.cap);

    if (b.buf == NULL) {
        return NULL;
    }

    in_class = 0;

    for (i = 0; i < len; /* void */) {

        if (p[i] == '\\' && i + 1 < len) {

            switch (p[i + 1]) {

            case 's':
                if (in_class) {
                    il_regex_put(&b, IL_REGEX_ECMA_SPACE,
                                 sizeof(IL_REGEX_ECMA_SPACE) - 1);
                } else {
                    il_regex_put(&b, "[", 1);
                    il_regex_put(&b, IL_REGEX_ECMA_SPACE,
                                 sizeof(IL_REGEX_ECMA_SPACE) - 1);
                    il_regex_put(&b, "]", 1);
                }

                i += 2;
                continue;

            case 'S':
                if (in_class) {
                    il_regex_put(&b, "\\S", 2);
                } else {
                    il_regex_put(&b, "[^", 2);
                    il_regex_put(&b, IL_REGEX_ECMA_SPACE,
                                 sizeof(IL_REGEX_ECMA_SPACE) - 1);
                    il_regex_put(&b, "]", 1);
                }

                i += 2;
                continue;

            case 'u':
                n = il_regex_surrogates(&p[i], len - i, &b);
                if (n) {
                    i += n;
                    continue;
                }

                break;

            case 'p':
            case 'P':
                n = il_regex_property(&p[i], len - i, &b);
                if (n) {
                    i += n;
                    continue;
                }

                break;

            default:
                break;
            }

            il_regex_put(&b, &p[i], 2);
            i += 2;
            continue;
        }

        if (in_class) {
            if (p[i] == '[') {
                il_regex_put(&b, "\\[", 2);

            } else {
                il_regex_put(&b, &p[i], 1);

                if (p[i] == ']') {
                    in_class = 0;
                }
            }

            i++;
            continue;
        }

        if (p[i] == '.') {
            il_regex_put(&b, IL_REGEX_ECMA_DOT, sizeof(IL_REGEX_ECMA_DOT) - 1);
            i++;
            continue;
        }

        if (p[i] == '[') {
            if (i + 2 < len && p[i + 1] == '^' && p[i + 2] == ']') {
                il_regex_put(&b, "[\\x00-\\u{10ffff}]", 17);
                i += 3;
                continue;
            }

            if (i + 1 < len && p[i + 1] == ']') {
                il_regex_put(&b, "(?!)", 4);
                i += 2;
                continue;
            }

            in_class = 1;
            il_regex_put(&b, "[", 1);
            i++;

            if (i < len && p[i] == '^') {
                il_regex_put(&b, "^", 1);
                i++;
            }

            continue;
        }

        il_regex_put(&b, &p[i], 1);
        i++;
    }

    il_regex_put(&b, "", 1);

    if (b.nomem) {
        free(b.buf);
        return NULL;
    }

    return b.buf;
}


static void
il_regex_put(il_regex_buf_t *b, const char *s, size_t len)
{
    char    *nb;
    size_t   cap;

    if (b->nomem) {
        return;
    }

    if (b->len + len > b->cap) {
        cap = (b->len + len) * 2;
        nb = realloc(b->buf, cap);

        if (nb == NULL) {
            b->nomem = 1;
            return;
        }

        b->buf = nb;
        b->cap = cap;
    }

    memcpy(b->buf + b->len, s, len);
    b->len += len;
}


/* "\uD83D\uDC32" becomes "\u{1f432}"; returns the bytes consumed or 0. */

static size_t
il_regex_surrogates(const char *p, size_t left, il_regex_buf_t *b)
{
    char      out[16];
    uint32_t  hi, lo;

    if (left < 12
        || !il_regex_hex4(p + 2, left - 2, &hi)
        || hi < 0xd800 || hi > 0xdbff
        || p[6] != '\\' || p[7] != 'u'
        || !il_regex_hex4(p + 8, left - 8, &lo)
        || lo < 0xdc00 || lo > 0xdfff)
    {
        return 0;
    }

    snprintf(out, sizeof(out), "\\u{%x}",
             (unsigned) (0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)));
    il_regex_put(b, out, strlen(out));

    return 12;
}


static int
il_regex_hex4(const char *p, size_t left, uint32_t *v)
{
    size_t    i;
    uint32_t  d;

    if (left < 4) {
        return 0;
    }

    *v = 0;

    for (i = 0; i < 4; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            d = p[i] - '0';

        } else if (p[i] >= 'a' && p[i] <= 'f') {
            d = p[i] - 'a' + 10;

        } else if (p[i] >= 'A' && p[i] <= 'F') {
            d = p[i] - 'A' + 10;

        } else {
            return 0;
        }

        *v = (*v << 4) | d;
    }

    return 1;
}


/*
 * "\p{Letter}" and "\p{General_Category=Letter}" become "\p{L}"; returns
 * the bytes consumed, or 0 to copy the escape as it is.
 */

static size_t
il_regex_property(const char *p, size_t left, il_regex_buf_t *b)
{
    size_t                      end, nlen;
    const char                 *name, *eq;
    const il_regex_category_t  *c;

    if (left < 4 || p[2] != '{') {
        return 0;
    }

    for (end = 3; end < left && p[end] != '}'; end++) {
        /* void */
    }

    if (end == left) {
        return 0;
    }

    name = p + 3;
    nlen = end - 3;

    eq = memchr(name, '=', nlen);
    if (eq != NULL) {
        if (!((eq - name == 16 && memcmp(name, "General_Category", 16) == 0)
              || (eq - name == 2 && memcmp(name, "gc", 2) == 0)))
        {
            return 0;
        }

        nlen -= eq + 1 - name;
        name = eq + 1;
    }

    for (c = il_regex_categories; c->name; c++) {
        if (strlen(c->name) == nlen && memcmp(c->name, name, nlen) == 0) {
            il_regex_put(b, p, 3);
            il_regex_put(b, c->abbr, strlen(c->abbr));
            il_regex_put(b, "}", 1);
            return end + 1;
        }
    }

    if (eq != NULL) {
        il_regex_put(b, p, 3);
        il_regex_put(b, name, nlen);
        il_regex_put(b, "}", 1);
        return end + 1;
    }

    return 0;
}
