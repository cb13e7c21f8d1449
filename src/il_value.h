
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * JSON values as the validator reads them, kept in an arena: a request's
 * body is parsed into the arena, validated, and the arena is reset, so a
 * worker allocates nothing for a body once its arena has grown to size.
 * Plain C: no nginx, no jansson on the request path.
 */


#ifndef IL_VALUE_H_INCLUDED
#define IL_VALUE_H_INCLUDED


#include <stddef.h>
#include <stdint.h>


/* The size of a chunk the arena allocates unless a request needs more. */
#define IL_ARENA_CHUNK  16384

/* What il_arena_reset() keeps for the next user, chunks and scratch. */
#define IL_ARENA_KEEP   262144


typedef enum {
    IL_VALUE_NULL = 0,
    IL_VALUE_FALSE,
    IL_VALUE_TRUE,
    IL_VALUE_INTEGER,
    IL_VALUE_REAL,
    IL_VALUE_STRING,
    IL_VALUE_ARRAY,
    IL_VALUE_OBJECT
} il_value_type_e;


typedef struct il_value_s         il_value_t;
typedef struct il_member_s        il_member_t;
typedef struct il_arena_chunk_s   il_arena_chunk_t;


/*
 * A string is NUL-terminated and may hold NUL bytes itself (len counts
 * them).  Object members keep the order of the text; the parser refuses
 * keys that hold a NUL.
 */
struct il_value_s {
    il_value_type_e        type;
    size_t                 len;        /* string bytes, items, members */
    union {
        long long          i;
        double             d;
        const char        *s;
        il_value_t        *items;
        il_member_t       *members;
    } u;
};


struct il_member_s {
    const char            *key;
    size_t                 len;
    il_value_t             value;
};


typedef struct {
    il_arena_chunk_t      *chunks;     /* in the order they were added */
    il_arena_chunk_t      *cur;
    char                  *pos;
    char                  *end;
    void                  *scratch;    /* one growable buffer, kept too */
    size_t                 scratch_size;
    unsigned               nomem:1;    /* an allocation failed */
} il_arena_t;


/*
 * Prepares an arena.  buf (may be NULL) is a first chunk the caller owns,
 * a stack buffer for instance; it is used and never freed.
 */
void il_arena_init(il_arena_t *a, void *buf, size_t size);

/* size bytes aligned for any value; NULL (and nomem set) without memory. */
void *il_arena_alloc(il_arena_t *a, size_t size);

/*
 * The free bytes at the arena's position, at least min of them, without
 * taking them; il_arena_commit() then takes the first n.  For a buffer
 * whose size is known only once it is filled.
 */
void *il_arena_reserve(il_arena_t *a, size_t min, size_t *avail);
void il_arena_commit(il_arena_t *a, size_t n);

/* The scratch buffer grown to at least size bytes, its content kept. */
void *il_arena_scratch(il_arena_t *a, size_t size);

/*
 * Forgets every allocation.  Chunks up to IL_ARENA_KEEP bytes in all stay
 * for the next user; larger ones go back to malloc.
 */
void il_arena_reset(il_arena_t *a);
void il_arena_free(il_arena_t *a);


/*
 * Objects of IL_VALUE_INDEX_MIN members or more carry a hash index of
 * their keys just before their first member, so a lookup costs one probe
 * however large the object; smaller ones are searched in order.
 */
#define IL_VALUE_INDEX_MIN  16


typedef struct {
    uint32_t              *slots;      /* a member's position + 1; 0 free */
    uint32_t               mask;       /* slots - 1 */
    uint32_t               n;          /* keys in the index */
} il_value_index_t;


/* The member named by len bytes, or NULL. */
const il_value_t *il_value_get(const il_value_t *obj, const char *name,
    size_t len);

/*
 * Room for n members, with the index header in front when n calls for
 * one (its slots still NULL: il_value_get() then searches in order).
 */
il_member_t *il_value_members(il_arena_t *a, size_t n);

/* The index header of an object that has one, or NULL. */
il_value_index_t *il_value_index_of(const il_value_t *obj);

/*
 * Adds members[i] to an index holding members[0..i-1], growing it in the
 * arena.  Returns 0, 1 when the key is there already (nothing added), or
 * -1 without memory.  The parser finds duplicate keys with it as members
 * arrive, and hands the index on to the object it builds.
 */
int il_value_index_add(il_arena_t *a, il_value_index_t *ix,
    const il_member_t *members, size_t i);

uint32_t il_value_hash(const char *key, size_t len);


struct json_t;

/*
 * A jansson value copied into the arena, for values that come from
 * configuration (const, enum) and for tests; NULL without memory.
 */
il_value_t *il_value_from_json(il_arena_t *a, const struct json_t *j);


#endif /* IL_VALUE_H_INCLUDED */
