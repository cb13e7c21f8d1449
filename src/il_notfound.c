
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * The 404 a path answers with: the code named after the resource the path
 * names last, and the message the document's own examples give for it.
 */


#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "il_openapi_int.h"


static int il_nf_example(il_load_t *ld, json_t *ex);
static size_t il_snake(const char *s, size_t len, char *buf, size_t size);
static size_t il_singular(char *buf, size_t len);


/*
 * Reads every operation's 404 examples so one code gets one message
 * wherever a path names its resource.
 */

int
il_nf_collect(il_load_t *ld)
{
    char         ptr[IL_POINTER_MAX], iptr[IL_POINTER_MAX];
    json_t      *item, *op, *r, *media, *ex, *e;
    const char  *key, *mk, *k;

    json_object_foreach(json_object_get(ld->api->root, "paths"), key, item) {
        if (il_ptr_cat(iptr, "/paths", key) != 0) {
            continue;
        }

        item = il_ref_resolve(ld, item, iptr);
        if (item == NULL) {
            return -1;
        }

        json_object_foreach(item, mk, op) {
            if (!json_is_object(op)) {
                continue;
            }

            r = json_object_get(json_object_get(op, "responses"), "404");

            if (r == NULL
                || il_ptr_cat(ptr, iptr, mk) != 0
                || il_ptr_cat(ptr, ptr, "responses") != 0
                || il_ptr_cat(ptr, ptr, "404") != 0)
            {
                continue;
            }

            r = il_ref_resolve(ld, r, ptr);
            if (r == NULL) {
                return -1;
            }

            media = json_object_get(json_object_get(r, "content"),
                                    "application/json");

            if (il_nf_example(ld, json_object_get(media, "example")) != 0) {
                return -1;
            }

            json_object_foreach(json_object_get(media, "examples"), k, e) {
                if (il_ptr_cat(ptr, "/examples", k) != 0) {
                    continue;
                }

                ex = il_ref_resolve(ld, e, ptr);
                if (ex == NULL) {
                    return -1;
                }

                if (il_nf_example(ld, json_object_get(ex, "value")) != 0) {
                    return -1;
                }
            }
        }
    }

    return 0;
}


static int
il_nf_example(il_load_t *ld, json_t *ex)
{
    size_t       n;
    json_t      *error, *code, *message;
    il_nf_t     *nf;

    error = json_object_get(ex, "error");
    code = json_object_get(error, "code");
    message = json_object_get(error, "message");

    if (!json_is_string(code) || !json_is_string(message)
        || il_nf_lookup(ld, json_string_value(code)) != NULL)
    {
        return 0;
    }

    if (ld->nnf == ld->nfalloc) {
        n = ld->nfalloc ? ld->nfalloc * 2 : 16;

        nf = realloc(ld->nf, n * sizeof(il_nf_t));
        if (nf == NULL) {
            il_load_fail(ld, "out of memory");
            return -1;
        }

        ld->nf = nf;
        ld->nfalloc = n;
    }

    ld->nf[ld->nnf].code = json_string_value(code);
    ld->nf[ld->nnf].message = json_string_value(message);
    ld->nnf++;

    return 0;
}


const char *
il_nf_lookup(il_load_t *ld, const char *code)
{
    size_t  i;

    for (i = 0; i < ld->nnf; i++) {
        if (strcmp(ld->nf[i].code, code) == 0) {
            return ld->nf[i].message;
        }
    }

    return NULL;
}


/*
 * The resource a path names last: its last parameter's name without
 * "_id", or for a bare {id} the singular of the segment before it.
 */

int
il_nf_name(il_load_t *ld, il_path_t *path, const il_tseg_t *segs,
    size_t nsegs)
{
    char         base[IL_NAME_MAX], msg[IL_NAME_MAX + 16];
    size_t       k, n, i;
    const char  *m;

    for (k = nsegs; k > 0 && !segs[k - 1].param; k--) {
        /* void */
    }

    n = 0;

    if (k > 0) {
        k--;
        n = il_snake(segs[k].text, segs[k].len, base, sizeof(base));

        if (n > 3 && memcmp(base + n - 3, "_id", 3) == 0) {
            n -= 3;

        } else if (k > 0 && !segs[k - 1].param) {
            n = il_snake(segs[k - 1].text, segs[k - 1].len, base,
                         sizeof(base));
            n = il_singular(base, n);

        } else if (n == 2 && memcmp(base, "id", 2) == 0) {
            n = 0;
        }
    }

    if (n == 0) {
        path->nf_code = "not_found";
        path->nf_message = ld->api->nf_message;
        return 0;
    }

    memcpy(base + n, "_not_found", sizeof("_not_found"));

    path->nf_code = il_api_pstrndup(ld->api, base, n + 10);
    if (path->nf_code == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    m = il_nf_lookup(ld, path->nf_code);

    if (m == NULL) {
        for (i = 0; i < n; i++) {
            msg[i] = base[i] == '_' ? ' ' : base[i];
        }

        msg[0] = (char) toupper((unsigned char) msg[0]);
        memcpy(msg + n, " not found.", sizeof(" not found."));
        m = msg;
    }

    path->nf_message = il_api_pstrndup(ld->api, m, strlen(m));
    if (path->nf_message == NULL) {
        il_load_fail(ld, "out of memory");
        return -1;
    }

    return 0;
}


/* "caseIngestionId", "case-ingestion_id" -> "case_ingestion_id". */

static size_t
il_snake(const char *s, size_t len, char *buf, size_t size)
{
    size_t         i, n;
    unsigned char  c;

    n = 0;

    for (i = 0; i < len && n + 2 < size - 16; i++) {
        c = (unsigned char) s[i];

        if (isupper(c) && i > 0
            && (islower((unsigned char) s[i - 1])
                || isdigit((unsigned char) s[i - 1])))
        {
            buf[n++] = '_';
        }

        buf[n++] = isalnum(c) ? (char) tolower(c) : '_';
    }

    buf[n] = '\0';

    return n;
}


/*
 * English plurals, the few rules resource names need: "activities" ->
 * "activity", "addresses" -> "address", "boxes" -> "box", "cases" ->
 * "case"; "status" and "access" stay.
 */

static size_t
il_singular(char *buf, size_t len)
{
    size_t  w;

    for (w = len; w > 0 && buf[w - 1] != '_'; w--) {
        /* void */
    }

    w = len - w;

#define IL_ENDS(s)  (w > sizeof(s) - 1                                       \
                     && memcmp(buf + len - (sizeof(s) - 1), s,               \
                               sizeof(s) - 1) == 0)

    if (IL_ENDS("ies")) {
        len -= 3;
        buf[len++] = 'y';

    } else if (IL_ENDS("sses") || IL_ENDS("xes") || IL_ENDS("ches")
               || IL_ENDS("shes"))
    {
        len -= 2;

    } else if (IL_ENDS("ss") || IL_ENDS("us") || IL_ENDS("is")) {
        /* void */

    } else if (IL_ENDS("s")) {
        len -= 1;
    }

#undef IL_ENDS

    buf[len] = '\0';

    return len;
}
