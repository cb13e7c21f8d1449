
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * What il_openapi.c, il_route.c and il_params.c share about a loaded
 * document.  Only those three files include it.
 */


#ifndef IL_OPENAPI_INT_H_INCLUDED
#define IL_OPENAPI_INT_H_INCLUDED


#include "il_openapi.h"
#include "il_schema.h"


/* Deeper templates are refused at load, longer requests match nothing. */
#define IL_ROUTE_DEPTH_MAX  64

/* Longer JSON pointers and names are refused at load. */
#define IL_POINTER_MAX      1024
#define IL_NAME_MAX         256

/* Parameters of one operation, counted over path, query and header. */
#define IL_OP_PARAMS_MAX    64


/* The order of the Allow header, and the index of il_path_t's ops. */
typedef enum {
    IL_M_GET = 0,
    IL_M_HEAD,
    IL_M_POST,
    IL_M_PUT,
    IL_M_PATCH,
    IL_M_DELETE,
    IL_M_OPTIONS,
    IL_M_TRACE,
    IL_M_N
} il_method_e;


typedef enum {
    IL_IN_QUERY = 0,
    IL_IN_HEADER,
    IL_IN_PATH,
    IL_IN_COOKIE
} il_param_in_e;


typedef struct {
    const char       *name;
    size_t            name_len;
    const char       *field;         /* "query.limit", "header.x-trace" */
    il_schema_t      *schema;        /* NULL: any value passes */
    unsigned          types;         /* il_schema_types() */
    unsigned          item_types;    /* il_schema_item_types() */
    size_t            index;         /* path: position in the template */
    unsigned          in:2;
    unsigned          required:1;
    unsigned          array:1;       /* the value is built as an array */
    unsigned          explode:1;     /* array from repeated occurrences */
    unsigned          skip:1;        /* never checked (see docs) */
    char              delim;         /* between items when not exploded */
} il_param_t;


typedef struct {
    const char       *type;          /* "application/json", lower case */
    size_t            len;
    il_body_kind_e    kind;
} il_media_t;


struct il_op_s {
    const char       *id;
    const char       *method;
    const il_path_t  *path;
    il_param_t       *params;
    size_t            nparams;
    il_schema_t      *body;          /* application/json schema or NULL */
    il_media_t       *media;
    size_t            nmedia;
    il_body_kind_e    body_kind;
    unsigned          body_required:1;
};


struct il_path_s {
    const char       *template;      /* as the document writes it */
    il_op_t          *ops[IL_M_N];
    const char       *allow;
    const char       *nf_code;
    const char       *nf_message;
    const char      **names;         /* template parameters, in order */
    size_t            nnames;
};


/* One segment of a template: a literal (percent-decoded) or {name}. */
typedef struct {
    const char       *text;
    size_t            len;
    unsigned          param:1;
} il_tseg_t;


typedef struct il_node_s   il_node_t;
typedef struct il_chunk_s  il_chunk_t;


struct il_node_s {
    const char       *seg;
    size_t            len;
    il_node_t       **lit;           /* sorted by length, then bytes */
    size_t            nlit;
    size_t            nalloc;
    il_node_t        *param;
    il_path_t        *path;          /* a template ending here */
    il_path_t        *path_slash;    /* the same with a trailing slash */
};


struct il_api_s {
    il_chunk_t       *chunks;
    json_t           *root;
    il_schema_doc_t  *sdoc;
    const char       *file;
    const char       *prefix;        /* "/api" or "" */
    size_t            nprefix;       /* its segments */
    il_node_t        *tree;
    size_t            depth;         /* most segments of any template */
    const char       *nf_message;    /* for "not_found" */
    size_t            npaths;
    size_t            nops;
};


/* A 404 example found in the document: code -> message, first wins. */
typedef struct {
    const char       *code;
    const char       *message;
} il_nf_t;


/* The state of one il_api_load(). */
typedef struct {
    il_api_t         *api;
    char             *err;
    size_t            errlen;
    il_nf_t          *nf;
    size_t            nnf;
    size_t            nfalloc;
} il_load_t;


void *il_api_palloc(il_api_t *api, size_t size);
char *il_api_pstrndup(il_api_t *api, const char *s, size_t len);

/*
 * Splits prefix + template into segments, literals percent-decoded into
 * the api's pool.  Writes a sentence into err on a template it refuses.
 */
int il_template_split(il_api_t *api, const char *tpl, il_tseg_t *segs,
    size_t *nsegs, int *slash, char *err, size_t errlen);

/* Inserts a path; names a clash with a template already there. */
int il_route_insert(il_api_t *api, il_path_t *path, const il_tseg_t *segs,
    size_t nsegs, int slash, char *err, size_t errlen);
void il_route_free(il_node_t *node);

/* Writes "FILE: " and the sentence into the load's err. */
void il_load_fail(il_load_t *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* dst = base + "/" + token escaped as RFC 6901 says; dst may be base. */
int il_ptr_cat(char *dst, const char *base, const char *token);

/*
 * Follows the $ref chain of a reference object.  ptr holds the object's
 * pointer on entry and the final target's on return.
 */
json_t *il_ref_resolve(il_load_t *ld, json_t *node, char *ptr);

/*
 * Fails on a local "#/..." $ref anywhere in node that names nothing; ptr
 * is node's pointer and is used as scratch.
 */
int il_ref_check(il_load_t *ld, json_t *node, char *ptr);

/* The 404 examples of every operation, gathered into ld->nf. */
int il_nf_collect(il_load_t *ld);
const char *il_nf_lookup(il_load_t *ld, const char *code);

/* Sets path->nf_code and nf_message from the template's segments. */
int il_nf_name(il_load_t *ld, il_path_t *path, const il_tseg_t *segs,
    size_t nsegs);

/* The value of a hex digit, or -1. */
int il_hex(int c);

/*
 * Percent-decodes len bytes into dst (at most len bytes written).  With
 * plus, '+' becomes a space.  Strict mode fails (-1) on a broken escape
 * or a decoded NUL; lenient mode copies a broken escape as it stands.
 */
long il_pct_decode(char *dst, const char *src, size_t len, int plus,
    int strict);


#endif /* IL_OPENAPI_INT_H_INCLUDED */
