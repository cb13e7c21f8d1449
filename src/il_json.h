
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * Request bodies parsed strictly into an arena: UTF-8 only, no byte-order
 * mark, no duplicate keys, no numbers beyond a double or a 64-bit
 * integer, nesting at most IL_JSON_DEPTH_MAX.  Plain C: no nginx, and no
 * jansson on this path.
 */


#ifndef IL_JSON_H_INCLUDED
#define IL_JSON_H_INCLUDED


#include <stddef.h>

#include "il_value.h"


/* Every object and array counts; the outermost value is depth 1. */
#define IL_JSON_DEPTH_MAX  64


/*
 * Supplies the next piece of the body: copies at most size bytes into buf
 * and returns how many, 0 at the end, (size_t) -1 on a read error.
 */
typedef size_t (*il_json_read_pt)(void *buf, size_t size, void *data);


/*
 * Parses one JSON value from the pieces read() supplies.  The body is
 * copied into the arena and the value built there; both stay until the
 * arena is reset.  On failure returns NULL and writes into err a sentence
 * for the json_invalid field that says what broke and where ("Invalid
 * JSON: ... at line 1, column 7."); when memory ran out, a->nomem is set
 * as well.
 */
const il_value_t *il_json_parse(il_arena_t *a, il_json_read_pt read,
    void *data, char *err, size_t errlen);

/* The same over one buffer. */
const il_value_t *il_json_parse_buf(il_arena_t *a, const char *buf,
    size_t len, char *err, size_t errlen);


#endif /* IL_JSON_H_INCLUDED */
