
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdlib.h>
#include <string.h>

#include "il_ratelimit.h"
#include "il_test.h"


static redisReply *
integer(long long v)
{
    redisReply  *r = calloc(1, sizeof(redisReply));

    r->type = REDIS_REPLY_INTEGER;
    r->integer = v;

    return r;
}


static redisReply *
string(const char *text)
{
    redisReply  *r = calloc(1, sizeof(redisReply));

    r->type = REDIS_REPLY_STRING;
    r->str = (char *) text;
    r->len = strlen(text);

    return r;
}


/* A reply for n requests: {reset, now} and {status, count, limit} each. */

static redisReply *
batch(long long reset, long long now, size_t n, const long long *v)
{
    size_t       i;
    redisReply  *r = calloc(1, sizeof(redisReply));

    r->type = REDIS_REPLY_ARRAY;
    r->elements = 2 + 3 * n;
    r->element = calloc(r->elements, sizeof(redisReply *));
    r->element[0] = integer(reset);
    r->element[1] = integer(now);

    for (i = 0; i < 3 * n; i++) {
        r->element[2 + i] = integer(v[i]);
    }

    return r;
}


static redisReply *
array(long long a, long long b, long long c, long long d, long long e)
{
    long long  v[3];

    v[0] = a;
    v[1] = b;
    v[2] = c;

    return batch(d, e, 1, v);
}


static void
entry(il_ratelimit_entry_t *e, const char *key, long long limit,
    int revocation, int overrides)
{
    e->key = key;
    e->key_len = strlen(key);
    e->limit = limit;
    e->revocation = revocation;
    e->overrides = overrides;
}


/* Decodes a one-request reply. */

static il_ratelimit_rc_e
decode1(const redisReply *r, il_ratelimit_t *rl, char *why, size_t whylen)
{
    il_ratelimit_rc_e  rc;

    rc = il_ratelimit_decode(r, 1, why, whylen);

    if (rc != IL_RATELIMIT_COUNTED) {
        return rc;
    }

    return il_ratelimit_result(r, 0, rl, why, whylen);
}


static void
release(redisReply *r)
{
    size_t  i;

    for (i = 0; i < r->elements; i++) {
        free(r->element[i]);
    }

    free(r->element);
    free(r);
}


int
main(void)
{
    char            why[256], key[64];
    redisReply     *r, err;
    il_ratelimit_t  rl;
    unsigned char   v4[4] = { 10, 1, 2, 3 };
    unsigned char   v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2,
                               9, 9, 9, 9, 9, 9, 9, 9 };

    IL_CHECK_INT(strlen(il_ratelimit_script_sha1()), 40);
    IL_CHECK_INT(il_ratelimit_script_len, strlen(il_ratelimit_script));

    r = array(1, 1000, 1000, 1705312800, 1705312790);
    IL_CHECK_INT(decode1(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_COUNTED);
    IL_CHECK_INT(rl.count, 1000);
    IL_CHECK_INT(il_ratelimit_remaining(&rl), 0);
    release(r);

    r = array(1, 1001, 1000, 1705312800, 1705312790);
    IL_CHECK_INT(decode1(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_COUNTED);
    IL_CHECK_INT(il_ratelimit_remaining(&rl), 0);
    release(r);

    r = array(1, 53, 1000, 1705312800, 1705312790);
    decode1(r, &rl, why, sizeof(why));
    IL_CHECK_INT(il_ratelimit_remaining(&rl), 947);
    release(r);

    r = array(0, 7, 1000, 1705312800, 1705312790);
    IL_CHECK_INT(decode1(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_REVOKED);
    release(r);

    /* a reset that is not a minute's end, a count of 0 while counted */
    r = array(1, 1, 1000, 1705312801, 1705312790);
    IL_CHECK_INT(decode1(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    release(r);

    r = array(1, 0, 1000, 1705312800, 1705312790);
    IL_CHECK_INT(decode1(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    release(r);

    /* nothing counted: the revocation flag alone was asked for */
    r = array(1, 0, 0, 1705312800, 1705312790);
    IL_CHECK_INT(decode1(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_COUNTED);
    IL_CHECK_INT(rl.count, 0);
    release(r);

    memset(&err, 0, sizeof(err));
    err.type = REDIS_REPLY_ERROR;
    err.str = "NOSCRIPT No matching script. Please use EVAL.";
    err.len = strlen(err.str);
    IL_CHECK_INT(decode1(&err, &rl, why, sizeof(why)),
                 IL_RATELIMIT_NOSCRIPT);

    err.str = "WRONGTYPE Operation against a key holding the wrong kind";
    err.len = strlen(err.str);
    IL_CHECK_INT(decode1(&err, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    IL_CHECK(strstr(why, "WRONGTYPE") != NULL);

    /* a cluster refuses a call whose keys lie in several slots */
    err.str = "CROSSSLOT Keys in request don't hash to the same slot";
    err.len = strlen(err.str);
    IL_CHECK_INT(il_ratelimit_decode(&err, 3, why, sizeof(why)),
                 IL_RATELIMIT_CROSSSLOT);
    IL_CHECK(strstr(why, "CROSSSLOT") != NULL);

    r = integer(5);
    IL_CHECK_INT(decode1(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    free(r);

    IL_CHECK_INT(decode1(NULL, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);

    /*
     * a batch: each request has its own result, and one refused command
     * (a counter of the wrong type) fails its request alone
     */
    {
        long long  v[9] = { 1, 3, 1000, 0, 12, 1000, 1, 1, 5 };

        r = batch(1705312800, 1705312790, 3, v);
        IL_CHECK_INT(il_ratelimit_decode(r, 3, why, sizeof(why)),
                     IL_RATELIMIT_COUNTED);
        IL_CHECK_INT(il_ratelimit_result(r, 0, &rl, why, sizeof(why)),
                     IL_RATELIMIT_COUNTED);
        IL_CHECK_INT(rl.count, 3);
        IL_CHECK_INT(rl.reset, 1705312800);
        IL_CHECK_INT(rl.now, 1705312790);
        IL_CHECK_INT(il_ratelimit_result(r, 1, &rl, why, sizeof(why)),
                     IL_RATELIMIT_REVOKED);
        IL_CHECK_INT(rl.count, 12);
        IL_CHECK_INT(il_ratelimit_result(r, 2, &rl, why, sizeof(why)),
                     IL_RATELIMIT_COUNTED);
        IL_CHECK_INT(rl.limit, 5);

        /* a reply for another number of requests is refused whole */
        IL_CHECK_INT(il_ratelimit_decode(r, 2, why, sizeof(why)),
                     IL_RATELIMIT_BAD_REPLY);
        IL_CHECK_INT(il_ratelimit_decode(r, 4, why, sizeof(why)),
                     IL_RATELIMIT_BAD_REPLY);

        free(r->element[6]);
        r->element[5]->integer = -1;
        r->element[6] = string("WRONGTYPE Operation against a key holding "
                               "the wrong kind of value");
        r->element[7]->integer = 0;
        IL_CHECK_INT(il_ratelimit_result(r, 0, &rl, why, sizeof(why)),
                     IL_RATELIMIT_COUNTED);
        IL_CHECK_INT(il_ratelimit_result(r, 1, &rl, why, sizeof(why)),
                     IL_RATELIMIT_BAD_REPLY);
        IL_CHECK(strstr(why, "error reply \"WRONGTYPE") != NULL);
        IL_CHECK_INT(il_ratelimit_result(r, 2, &rl, why, sizeof(why)),
                     IL_RATELIMIT_COUNTED);

        /* a string where a number belongs, without the error status */
        r->element[5]->integer = 1;
        IL_CHECK_INT(il_ratelimit_result(r, 1, &rl, why, sizeof(why)),
                     IL_RATELIMIT_BAD_REPLY);
        release(r);
    }

    /* the command as it goes on the wire */
    {
        char                  cmd[512];
        size_t                len;
        il_ratelimit_entry_t  e[2];

        entry(&e[0], "p{k}", 1000, 1, 0);

        len = il_ratelimit_command(cmd, sizeof(cmd), 0, e, 1);
        IL_CHECK_INT(len, il_ratelimit_command(NULL, 0, 0, e, 1));
        cmd[len] = '\0';
        IL_CHECK(strncmp(cmd, "*7\r\n$7\r\nEVALSHA\r\n$40\r\n", 22) == 0);
        IL_CHECK(strcmp(cmd + 22 + 40, "\r\n$1\r\n1\r\n$4\r\np{k}\r\n"
                        "$4\r\n1000\r\n$1\r\n1\r\n$1\r\n0\r\n") == 0);

        /* keys first, then each request's three arguments */
        entry(&e[1], "p{other}", 0, 0, 1);

        len = il_ratelimit_command(cmd, sizeof(cmd), 0, e, 2);
        cmd[len] = '\0';
        IL_CHECK(strncmp(cmd, "*11\r\n$7\r\nEVALSHA\r\n$40\r\n", 23) == 0);
        IL_CHECK_STR(cmd + 23 + 40, "\r\n$1\r\n2\r\n$4\r\np{k}\r\n"
                     "$8\r\np{other}\r\n$4\r\n1000\r\n$1\r\n1\r\n$1\r\n0\r\n"
                     "$1\r\n0\r\n$1\r\n0\r\n$1\r\n1\r\n");

        e[0].limit = 0;
        e[0].revocation = 0;
        len = il_ratelimit_command(NULL, 0, 1, e, 1);
        IL_CHECK(len > il_ratelimit_script_len);
        IL_CHECK_INT(il_ratelimit_command(cmd, 10, 1, e, 1), len);
    }

    IL_CHECK_INT(il_ratelimit_client_key(key, v4, 4), 11);
    IL_CHECK_STR(key, "ip:10.1.2.3");
    il_ratelimit_client_key(key, v6, 16);
    IL_CHECK_STR(key, "ip6:2001:db8:1:2::/64");
    IL_CHECK_INT(il_ratelimit_client_key(key, v6, 7), 0);

    return il_test_result("ratelimit");
}
