
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * What the schema compiler and the validator share: the compiled node,
 * the document that owns nodes, and the reference resolver.  Not for use
 * outside il_schema*.c.
 */


#ifndef IL_SCHEMA_INT_H_INCLUDED
#define IL_SCHEMA_INT_H_INCLUDED


#include <stdint.h>

#include "il_schema.h"
#include "il_regex.h"
#include "il_format.h"
#include "il_value.h"


/* Subschemas nested in one schema object, as the compiler follows them. */
#define IL_SCHEMA_NEST_MAX       256

/* Schema levels one validation may stack; a body is 64 deep at most. */
#define IL_SCHEMA_EVAL_MAX       1024

/* Where "#..." of a document without $id resolves. */
#define IL_SCHEMA_DOC_BASE       "il:///document.json"


/* Keyword groups a node has: validation skips the groups it lacks. */
#define IL_KW_TYPE     0x0001
#define IL_KW_CONST    0x0002
#define IL_KW_ENUM     0x0004
#define IL_KW_STRING   0x0008
#define IL_KW_NUMBER   0x0010
#define IL_KW_ARRAY    0x0020
#define IL_KW_OBJECT   0x0040
#define IL_KW_APPLY    0x0080
#define IL_KW_UNEVAL   0x0100
#define IL_KW_FALSE    0x0200
#define IL_KW_EXTRAS   0x0400      /* object keys need a pass of their own */


typedef struct {
    unsigned      is_int;
    long long     i;
    double        d;
    const char   *text;            /* as JSON writes it, for messages */
    uint64_t      mant;            /* the value as mant * 10^exp10, */
    int           exp10;           /* for multipleOf */
} il_num_t;


typedef struct {
    const char   *name;
    size_t        len;
    il_schema_t  *schema;
    unsigned      required:1;
    unsigned      read_only:1;     /* refused: IL_SCHEMA_REQUEST and readOnly */
} il_schema_prop_t;


typedef struct {
    il_regex_t   *re;
    il_schema_t  *schema;
} il_schema_pattern_t;


/* dependentRequired (names) and dependentSchemas (schema) alike. */
typedef struct {
    const char   *name;
    const char  **names;
    size_t        n;
    il_schema_t  *schema;
} il_schema_dep_t;


/* One x-mutually-exclusive group. */
typedef struct {
    const char  **names;
    size_t        n;
} il_schema_group_t;


typedef struct {
    const char   *tag;
    il_schema_t  *schema;
} il_schema_tag_t;


struct il_schema_s {
    unsigned              kw;          /* IL_KW_* */
    unsigned              types;       /* IL_SCHEMA_T_*, with IL_KW_TYPE */
    il_format_e           format;      /* asserted format */
    unsigned              read_only:1;
    unsigned              null_only:1; /* {"type": "null"} and annotations */
    unsigned              unique:1;
    unsigned              checked:2;   /* loop check: 1 running, 2 done */

    const char           *pointer;     /* where it is, for messages */
    const json_t         *json;        /* its schema object */

    const il_value_t     *konst;       /* converted from the document */
    const char           *const_msg;
    const il_value_t     *enums;       /* an array value */
    const char           *enum_msg;

    size_t                min_len;
    size_t                max_len;     /* SIZE_MAX: none */
    il_regex_t           *pattern;
    const char           *pattern_msg;

    il_num_t             *minimum;
    il_num_t             *maximum;
    il_num_t             *ex_minimum;
    il_num_t             *ex_maximum;
    il_num_t             *multiple_of;

    il_schema_t         **prefix;
    size_t                nprefix;
    il_schema_t          *items;
    il_schema_t          *contains;
    size_t                min_contains;
    size_t                max_contains;  /* SIZE_MAX: none */
    size_t                min_items;
    size_t                max_items;     /* SIZE_MAX: none */
    il_schema_t          *uneval_items;

    il_schema_prop_t     *props;
    size_t                nprops;
    uint32_t             *prop_hash;     /* index + 1 per slot, 0 empty */
    uint32_t              prop_mask;
    const char          **required;      /* names not in properties */
    size_t                nrequired;
    il_schema_pattern_t  *patterns;
    size_t                npatterns;
    il_schema_t          *additional;
    il_schema_t          *names;
    size_t                min_props;
    size_t                max_props;     /* SIZE_MAX: none */
    il_schema_dep_t      *dep_required;
    size_t                ndep_required;
    il_schema_dep_t      *dep_schemas;
    size_t                ndep_schemas;
    il_schema_group_t    *groups;
    size_t                ngroups;
    il_schema_t          *uneval_props;

    il_schema_t          *ref;
    il_schema_t         **all_of;
    size_t                nall_of;
    il_schema_t         **any_of;
    size_t                nany_of;
    il_schema_t         **one_of;
    size_t                none_of;
    int                   any_opt;       /* the sole non-null branch, or -1 */
    int                   one_opt;
    il_schema_t          *not;
    il_schema_t          *if_;
    il_schema_t          *then_;
    il_schema_t          *else_;

    const char           *disc_prop;     /* discriminator.propertyName */
    il_schema_tag_t      *disc_tags;
    size_t                ndisc_tags;
    const char           *disc_expected; /* "'a', 'b'" for messages */

    il_schema_t          *next;          /* every node of the document */
};


typedef struct il_schema_block_s  il_schema_block_t;


/* One piece of the document's arena; its bytes follow. */
struct il_schema_block_s {
    il_schema_block_t  *next;
    size_t              used;
    size_t              size;
};


/* Pointer-keyed open addressing: compiled nodes, indexed subschemas. */
typedef struct {
    const void   **keys;
    void         **values;
    size_t         n;
    size_t         cap;
} il_schema_map_t;


/* A schema resource ($id) or an anchor, found before compiling. */
typedef struct {
    const char   *uri;             /* absolute, "...#name" for an anchor */
    json_t       *json;
    const char   *base;            /* the base URI around it */
    const char   *pointer;         /* JSON pointer from the document root */
} il_schema_res_t;


struct il_schema_doc_s {
    json_t              *root;
    unsigned             flags;
    unsigned             indexed:1;

    il_schema_block_t   *blocks;
    il_schema_map_t      nodes;
    il_schema_map_t      seen;     /* subschemas already indexed */
    il_schema_t         *all;      /* list through node->next */

    il_schema_res_t     *res;
    size_t               nres;
    size_t               cres;

    il_regex_t         **regexes;
    size_t               nregexes;
    size_t               cregexes;

    il_arena_t           values;   /* const and enum as values */

    il_schema_t          true_node;
    il_schema_t          false_node;
};


/* One il_schema_compile() call. */
typedef struct {
    il_schema_doc_t     *doc;
    char                *err;
    size_t               errlen;
    unsigned             failed:1;
    unsigned             nest;

    char                *ptr;      /* JSON pointer being compiled */
    size_t               plen;
    size_t               pcap;
} il_schema_cc_t;


void *il_schema_alloc(il_schema_doc_t *doc, size_t size);
char *il_schema_strndup(il_schema_doc_t *doc, const char *s, size_t len);
void *il_schema_map_get(const il_schema_map_t *m, const void *key);
int il_schema_map_put(il_schema_map_t *m, const void *key, void *value);
void il_schema_map_free(il_schema_map_t *m);

int il_schema_fail(il_schema_cc_t *cc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int il_schema_ptr_push(il_schema_cc_t *cc, const char *seg, size_t len);
int il_schema_ptr_reset(il_schema_cc_t *cc, const char *pointer);
void il_schema_ptr_set(il_schema_cc_t *cc, size_t len);

/* Keyword classes the indexer and the compiler agree on (util). */
int il_schema_kw_single(const char *k);   /* "not": one subschema */
int il_schema_kw_map(const char *k);      /* "properties": name -> schema */
int il_schema_kw_list(const char *k);     /* "allOf": array of schemas */

/* il_schema_ref.c */
char *il_schema_uri_resolve(il_schema_doc_t *doc, const char *base,
    const char *ref);
int il_schema_index(il_schema_cc_t *cc, json_t *json, const char *base,
    const char *pointer);
const il_schema_res_t *il_schema_ref_find_res(il_schema_doc_t *doc,
    const char *uri);
json_t *il_schema_ref_find(il_schema_cc_t *cc, const char *base,
    const char *ref, const char **tbase, const char **tpointer);
json_t *il_schema_pointer_walk(il_schema_cc_t *cc, json_t *from,
    const char *ptr, size_t len, const char *base, const char **tbase);

/* il_schema_validate.c: one validation's path and depth */
#define IL_V_PATH_INLINE  256
#define IL_V_EVAL_INLINE  4          /* 64-bit words: 256 members */


typedef struct {
    char              *path;
    size_t             len;
    size_t             cap;
    unsigned           depth;
    unsigned           nomem:1;
    char               inl[IL_V_PATH_INLINE];
} il_v_ctx_t;


/*
 * Which members of one object (by position) or array (by index) some
 * keyword has evaluated, for unevaluatedProperties/unevaluatedItems.
 */
typedef struct {
    uint64_t          *bits;
    size_t             n;
    unsigned           all:1;
    uint64_t           inl[IL_V_EVAL_INLINE];
} il_v_eval_t;


int il_schema_v(il_v_ctx_t *ctx, const il_schema_t *s, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev);
void il_schema_v_err(il_v_ctx_t *ctx, il_field_errors_t *errs,
    const char *type, const char *msg);
void il_schema_v_errf(il_v_ctx_t *ctx, il_field_errors_t *errs,
    const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int il_schema_v_eval_init(il_v_eval_t *e, size_t n);
void il_schema_v_eval_free(il_v_eval_t *e);
void il_schema_v_eval_merge(il_v_eval_t *dst, const il_v_eval_t *src);

/* il_schema_union.c */
int il_schema_v_union(il_v_ctx_t *ctx, const il_schema_t *s,
    il_schema_t **b, size_t n, int opt, int one, const il_value_t *v,
    il_field_errors_t *errs, il_v_eval_t *ev);
void il_schema_v_type_error(il_v_ctx_t *ctx, unsigned types,
    il_field_errors_t *errs);


/* il_schema.c */
il_schema_t *il_schema_node(il_schema_cc_t *cc, json_t *j, const char *base);
il_schema_t *il_schema_sub(il_schema_cc_t *cc, json_t *j, const char *base,
    const char *k1, const char *k2);
il_schema_t **il_schema_list(il_schema_cc_t *cc, json_t *j, const char *key,
    const char *base, size_t *n);
int il_schema_count(il_schema_cc_t *cc, json_t *j, const char *key,
    size_t *out);

/* il_schema_object.c, il_schema_apply.c */
int il_schema_c_array(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
int il_schema_c_object(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
int il_schema_c_apply(il_schema_cc_t *cc, il_schema_t *s, json_t *j,
    const char *base);
int il_schema_loops(il_schema_cc_t *cc);

/* il_schema_util.c */
char *il_schema_concat(il_schema_doc_t *doc, const char *a, const char *b,
    const char *c);
int il_schema_num_set(il_schema_doc_t *doc, il_num_t *n, const json_t *v);
int il_schema_decimal(double d, uint64_t *mant, int *exp10);

/* il_schema_value.c */
int il_schema_value_equal(const il_value_t *a, const il_value_t *b);
unsigned il_schema_value_type(const il_value_t *v);
int il_schema_unique(const il_value_t *v);
int il_schema_num_cmp(const il_value_t *v, const il_num_t *n);
int il_schema_multiple(const il_value_t *v, const il_num_t *m);
size_t il_schema_utf8_len(const char *s, size_t len);


#endif /* IL_SCHEMA_INT_H_INCLUDED */
