
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "il_value.h"


/* Chunk data starts on this boundary; allocations keep 8. */
#define IL_ARENA_ALIGN    16
#define IL_ARENA_HEADER   ((sizeof(il_arena_chunk_t) + IL_ARENA_ALIGN - 1) \
                           & ~(size_t) (IL_ARENA_ALIGN - 1))
#define IL_ARENA_SCRATCH  4096

/* Index slots for the first IL_VALUE_INDEX_MIN keys, a quarter full. */
#define IL_VALUE_SLOTS    64


struct il_arena_chunk_s {
    il_arena_chunk_t  *next;
    size_t             size;           /* data bytes */
    unsigned           borrowed:1;     /* the caller's buffer */
};


static int il_arena_grow(il_arena_t *a, size_t min);
static il_value_t *il_value_copy(il_arena_t *a, il_value_t *v,
    const json_t *j);


void
il_arena_init(il_arena_t *a, void *buf, size_t size)
{
    size_t             skip;
    il_arena_chunk_t  *c;

    memset(a, 0, sizeof(il_arena_t));

    if (buf == NULL) {
        return;
    }

    skip = (IL_ARENA_ALIGN - (uintptr_t) buf % IL_ARENA_ALIGN)
           % IL_ARENA_ALIGN;

    if (size < skip + IL_ARENA_HEADER + 64) {
        return;
    }

    c = (il_arena_chunk_t *) ((char *) buf + skip);
    c->next = NULL;
    c->borrowed = 1;
    c->size = size - skip - IL_ARENA_HEADER;

    a->chunks = c;
    a->cur = c;
    a->pos = (char *) c + IL_ARENA_HEADER;
    a->end = a->pos + c->size;
}


void *
il_arena_alloc(il_arena_t *a, size_t size)
{
    char  *p;

    if (size > SIZE_MAX / 2) {
        a->nomem = 1;
        return NULL;
    }

    size = size ? (size + 7) & ~(size_t) 7 : 8;

    if ((size_t) (a->end - a->pos) < size && il_arena_grow(a, size) != 0) {
        return NULL;
    }

    p = a->pos;
    a->pos += size;

    return p;
}


void *
il_arena_reserve(il_arena_t *a, size_t min, size_t *avail)
{
    if (min > SIZE_MAX / 2) {
        a->nomem = 1;
        return NULL;
    }

    if ((size_t) (a->end - a->pos) < min && il_arena_grow(a, min) != 0) {
        return NULL;
    }

    *avail = a->end - a->pos;

    return a->pos;
}


void
il_arena_commit(il_arena_t *a, size_t n)
{
    n = (n + 7) & ~(size_t) 7;

    a->pos = ((size_t) (a->end - a->pos) < n) ? a->end : a->pos + n;
}


/*
 * A chunk kept from before the last reset is used again when it is large
 * enough; otherwise a new one goes in front of it, so that it is still
 * there for a smaller need later.
 */

static int
il_arena_grow(il_arena_t *a, size_t min)
{
    size_t             size;
    il_arena_chunk_t  *c, *next;

    next = a->cur ? a->cur->next : a->chunks;

    if (next != NULL && next->size >= min) {
        c = next;

    } else {
        size = min > IL_ARENA_CHUNK ? min : IL_ARENA_CHUNK;

        c = malloc(IL_ARENA_HEADER + size);
        if (c == NULL) {
            a->nomem = 1;
            return -1;
        }

        c->size = size;
        c->borrowed = 0;
        c->next = next;

        if (a->cur) {
            a->cur->next = c;

        } else {
            a->chunks = c;
        }
    }

    a->cur = c;
    a->pos = (char *) c + IL_ARENA_HEADER;
    a->end = a->pos + c->size;

    return 0;
}


void *
il_arena_scratch(il_arena_t *a, size_t size)
{
    void    *p;
    size_t   n;

    if (size <= a->scratch_size) {
        return a->scratch;
    }

    n = a->scratch_size ? a->scratch_size : IL_ARENA_SCRATCH;

    while (n < size) {
        if (n > SIZE_MAX / 4) {
            a->nomem = 1;
            return NULL;
        }

        n *= 2;
    }

    p = realloc(a->scratch, n);
    if (p == NULL) {
        a->nomem = 1;
        return NULL;
    }

    a->scratch = p;
    a->scratch_size = n;

    return p;
}


void
il_arena_reset(il_arena_t *a)
{
    size_t              kept;
    il_arena_chunk_t  **pc, *c;

    kept = 0;

    for (pc = &a->chunks; *pc; /* void */ ) {
        c = *pc;

        if (c->borrowed || kept + c->size <= IL_ARENA_KEEP) {
            kept += c->size;
            pc = &c->next;
            continue;
        }

        *pc = c->next;
        free(c);
    }

    a->cur = a->chunks;
    a->pos = a->cur ? (char *) a->cur + IL_ARENA_HEADER : NULL;
    a->end = a->cur ? a->pos + a->cur->size : NULL;

    if (a->scratch_size > IL_ARENA_KEEP) {
        free(a->scratch);
        a->scratch = NULL;
        a->scratch_size = 0;
    }

    a->nomem = 0;
}


void
il_arena_free(il_arena_t *a)
{
    il_arena_chunk_t  *c, *next;

    for (c = a->chunks; c; c = next) {
        next = c->next;

        if (!c->borrowed) {
            free(c);
        }
    }

    free(a->scratch);

    memset(a, 0, sizeof(il_arena_t));
}


/* FNV-1a. */

uint32_t
il_value_hash(const char *key, size_t len)
{
    size_t    i;
    uint32_t  h;

    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) key[i];
        h *= 16777619u;
    }

    return h;
}


il_member_t *
il_value_members(il_arena_t *a, size_t n)
{
    il_value_index_t  *ix;

    if (n > SIZE_MAX / 2 / sizeof(il_member_t)) {
        a->nomem = 1;
        return NULL;
    }

    if (n < IL_VALUE_INDEX_MIN) {
        return il_arena_alloc(a, n * sizeof(il_member_t));
    }

    ix = il_arena_alloc(a, sizeof(il_value_index_t)
                           + n * sizeof(il_member_t));
    if (ix == NULL) {
        return NULL;
    }

    memset(ix, 0, sizeof(il_value_index_t));

    return (il_member_t *) (ix + 1);
}


il_value_index_t *
il_value_index_of(const il_value_t *obj)
{
    if (obj->type != IL_VALUE_OBJECT || obj->len < IL_VALUE_INDEX_MIN) {
        return NULL;
    }

    return (il_value_index_t *) obj->u.members - 1;
}


int
il_value_index_add(il_arena_t *a, il_value_index_t *ix,
    const il_member_t *members, size_t i)
{
    size_t              k, cap;
    uint32_t            h, s, *slots;
    const il_member_t  *m;

    if (i >= UINT32_MAX / 4) {
        a->nomem = 1;
        return -1;
    }

    if (ix->slots == NULL || ((size_t) i + 1) * 2 > (size_t) ix->mask + 1) {
        cap = ix->slots ? ((size_t) ix->mask + 1) * 2 : IL_VALUE_SLOTS;

        while (cap < (i + 1) * 2) {
            cap *= 2;
        }

        slots = il_arena_alloc(a, cap * sizeof(uint32_t));
        if (slots == NULL) {
            return -1;
        }

        memset(slots, 0, cap * sizeof(uint32_t));

        ix->slots = slots;
        ix->mask = (uint32_t) (cap - 1);

        for (k = 0; k < ix->n; k++) {
            h = il_value_hash(members[k].key, members[k].len) & ix->mask;

            while (slots[h] != 0) {
                h = (h + 1) & ix->mask;
            }

            slots[h] = (uint32_t) k + 1;
        }
    }

    m = &members[i];

    for (h = il_value_hash(m->key, m->len) & ix->mask;
         (s = ix->slots[h]) != 0;
         h = (h + 1) & ix->mask)
    {
        if (members[s - 1].len == m->len
            && memcmp(members[s - 1].key, m->key, m->len) == 0)
        {
            return 1;
        }
    }

    ix->slots[h] = (uint32_t) i + 1;
    ix->n++;

    return 0;
}


const il_value_t *
il_value_get(const il_value_t *obj, const char *name, size_t len)
{
    size_t              i;
    uint32_t            h, s;
    const il_member_t  *m;
    il_value_index_t   *ix;

    if (obj->type != IL_VALUE_OBJECT) {
        return NULL;
    }

    m = obj->u.members;
    ix = il_value_index_of(obj);

    if (ix != NULL && ix->slots != NULL) {
        for (h = il_value_hash(name, len) & ix->mask;
             (s = ix->slots[h]) != 0;
             h = (h + 1) & ix->mask)
        {
            if (m[s - 1].len == len && memcmp(m[s - 1].key, name, len) == 0) {
                return &m[s - 1].value;
            }
        }

        return NULL;
    }

    for (i = 0; i < obj->len; i++) {
        if (m[i].len == len && memcmp(m[i].key, name, len) == 0) {
            return &m[i].value;
        }
    }

    return NULL;
}


il_value_t *
il_value_from_json(il_arena_t *a, const struct json_t *j)
{
    il_value_t  *v;

    v = il_arena_alloc(a, sizeof(il_value_t));
    if (v == NULL) {
        return NULL;
    }

    return il_value_copy(a, v, j);
}


static il_value_t *
il_value_copy(il_arena_t *a, il_value_t *v, const json_t *j)
{
    char              *s;
    size_t             i, n, len;
    json_t            *m;
    const char        *key;
    il_member_t       *members;
    il_value_index_t  *ix;

    memset(v, 0, sizeof(il_value_t));

    switch (json_typeof(j)) {

    case JSON_OBJECT:
        n = json_object_size(j);

        members = il_value_members(a, n);
        if (members == NULL) {
            return NULL;
        }

        v->type = IL_VALUE_OBJECT;
        v->len = n;
        v->u.members = members;
        ix = il_value_index_of(v);
        i = 0;

        json_object_keylen_foreach((json_t *) j, key, len, m) {
            s = il_arena_alloc(a, len + 1);
            if (s == NULL) {
                return NULL;
            }

            memcpy(s, key, len);
            s[len] = '\0';

            members[i].key = s;
            members[i].len = len;

            if (il_value_copy(a, &members[i].value, m) == NULL
                || (ix != NULL && il_value_index_add(a, ix, members, i) < 0))
            {
                return NULL;
            }

            i++;
        }

        return v;

    case JSON_ARRAY:
        n = json_array_size(j);

        if (n > SIZE_MAX / 2 / sizeof(il_value_t)) {
            a->nomem = 1;
            return NULL;
        }

        v->type = IL_VALUE_ARRAY;
        v->len = n;
        v->u.items = il_arena_alloc(a, n * sizeof(il_value_t));

        if (v->u.items == NULL) {
            return NULL;
        }

        for (i = 0; i < n; i++) {
            if (il_value_copy(a, &v->u.items[i], json_array_get(j, i))
                == NULL)
            {
                return NULL;
            }
        }

        return v;

    case JSON_STRING:
        len = json_string_length(j);

        s = il_arena_alloc(a, len + 1);
        if (s == NULL) {
            return NULL;
        }

        memcpy(s, json_string_value(j), len);
        s[len] = '\0';

        v->type = IL_VALUE_STRING;
        v->len = len;
        v->u.s = s;

        return v;

    case JSON_INTEGER:
        v->type = IL_VALUE_INTEGER;
        v->u.i = json_integer_value(j);
        return v;

    case JSON_REAL:
        v->type = IL_VALUE_REAL;
        v->u.d = json_real_value(j);
        return v;

    case JSON_TRUE:
        v->type = IL_VALUE_TRUE;
        return v;

    case JSON_FALSE:
        v->type = IL_VALUE_FALSE;
        return v;

    default:
        v->type = IL_VALUE_NULL;
        return v;
    }
}
