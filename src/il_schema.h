
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * JSON Schema 2020-12, as OpenAPI 3.1 uses it, compiled once from a
 * jansson document and checked against request values held in an arena
 * (il_value.h).  Plain C: no nginx.
 */


#ifndef IL_SCHEMA_H_INCLUDED
#define IL_SCHEMA_H_INCLUDED


#include <stddef.h>
#include <jansson.h>

#include "il_error.h"
#include "il_value.h"


/* Compile flags. */
#define IL_SCHEMA_FORMAT_ASSERT  0x01  /* "format" is an assertion */
#define IL_SCHEMA_REQUEST        0x02  /* readOnly properties are refused */


typedef struct il_schema_s      il_schema_t;
typedef struct il_schema_doc_s  il_schema_doc_t;


/*
 * A document owns every compiled node and regex; nodes are shared, so a
 * $ref to the same place compiles once.  The document keeps a reference to
 * root until il_schema_doc_free().
 */
il_schema_doc_t *il_schema_doc_new(json_t *root, unsigned flags);
void il_schema_doc_free(il_schema_doc_t *doc);

/*
 * Compiles the schema found at a JSON pointer of the document ("" is the
 * root, "/components/schemas/Case").  On error returns NULL and writes a
 * message naming the JSON pointer of the offending keyword into err.
 */
il_schema_t *il_schema_compile(il_schema_doc_t *doc, const char *pointer,
    char *err, size_t errlen);

/*
 * Validates a value.  base names the value in field paths: "" for a
 * request body (errors at its root have path "body", below it "a.b.0"),
 * "query.status" for a parameter (root "query.status", below it
 * "query.status.0").  Appends problems to errs in the order the schema
 * declares them.  Returns 1 when valid, 0 when not.  errs may be NULL
 * when only the verdict is wanted: then validation stops at the first
 * problem.
 */
int il_schema_validate(const il_schema_t *s, const il_value_t *value,
    const char *base, il_field_errors_t *errs);

/*
 * What a parameter's schema accepts at its top, so query strings can be
 * coerced: IL_SCHEMA_T_* bits, looking through $ref and through an
 * anyOf/oneOf whose other branch is {"type":"null"}.
 */
#define IL_SCHEMA_T_NULL     0x01
#define IL_SCHEMA_T_BOOLEAN  0x02
#define IL_SCHEMA_T_INTEGER  0x04
#define IL_SCHEMA_T_NUMBER   0x08
#define IL_SCHEMA_T_STRING   0x10
#define IL_SCHEMA_T_ARRAY    0x20
#define IL_SCHEMA_T_OBJECT   0x40
#define IL_SCHEMA_T_ANY      0x7f

unsigned il_schema_types(const il_schema_t *s);

/* The same for the items of an array schema (IL_SCHEMA_T_ANY if open). */
unsigned il_schema_item_types(const il_schema_t *s);


#endif /* IL_SCHEMA_H_INCLUDED */
