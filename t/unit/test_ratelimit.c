
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
array(long long a, long long b, long long c, long long d, long long e)
{
    redisReply  *r = calloc(1, sizeof(redisReply));

    r->type = REDIS_REPLY_ARRAY;
    r->elements = 5;
    r->element = calloc(5, sizeof(redisReply *));
    r->element[0] = integer(a);
    r->element[1] = integer(b);
    r->element[2] = integer(c);
    r->element[3] = integer(d);
    r->element[4] = integer(e);

    return r;
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
    IL_CHECK_INT(il_ratelimit_decode(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_COUNTED);
    IL_CHECK_INT(rl.count, 1000);
    IL_CHECK_INT(il_ratelimit_remaining(&rl), 0);
    release(r);

    r = array(1, 1001, 1000, 1705312800, 1705312790);
    IL_CHECK_INT(il_ratelimit_decode(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_COUNTED);
    IL_CHECK_INT(il_ratelimit_remaining(&rl), 0);
    release(r);

    r = array(1, 53, 1000, 1705312800, 1705312790);
    il_ratelimit_decode(r, &rl, why, sizeof(why));
    IL_CHECK_INT(il_ratelimit_remaining(&rl), 947);
    release(r);

    r = array(0, 7, 1000, 1705312800, 1705312790);
    IL_CHECK_INT(il_ratelimit_decode(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_REVOKED);
    release(r);

    /* a reset that is not a minute's end, a count of 0 while counted */
    r = array(1, 1, 1000, 1705312801, 1705312790);
    IL_CHECK_INT(il_ratelimit_decode(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    release(r);

    r = array(1, 0, 1000, 1705312800, 1705312790);
    IL_CHECK_INT(il_ratelimit_decode(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    release(r);

    /* nothing counted: the revocation flag alone was asked for */
    r = array(1, 0, 0, 1705312800, 1705312790);
    IL_CHECK_INT(il_ratelimit_decode(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_COUNTED);
    IL_CHECK_INT(rl.count, 0);
    release(r);

    memset(&err, 0, sizeof(err));
    err.type = REDIS_REPLY_ERROR;
    err.str = "NOSCRIPT No matching script. Please use EVAL.";
    err.len = strlen(err.str);
    IL_CHECK_INT(il_ratelimit_decode(&err, &rl, why, sizeof(why)),
                 IL_RATELIMIT_NOSCRIPT);

    err.str = "WRONGTYPE Operation against a key holding the wrong kind";
    err.len = strlen(err.str);
    IL_CHECK_INT(il_ratelimit_decode(&err, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    IL_CHECK(strstr(why, "WRONGTYPE") != NULL);

    r = integer(5);
    IL_CHECK_INT(il_ratelimit_decode(r, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);
    free(r);

    IL_CHECK_INT(il_ratelimit_decode(NULL, &rl, why, sizeof(why)),
                 IL_RATELIMIT_BAD_REPLY);

    /* the command as it goes on the wire */
    {
        char    cmd[256];
        size_t  len;

        len = il_ratelimit_command(cmd, sizeof(cmd), 0, "p{k}", 4, 1000,
                                   1, 0);
        IL_CHECK_INT(len, il_ratelimit_command(NULL, 0, 0, "p{k}", 4, 1000,
                                               1, 0));
        cmd[len] = '\0';
        IL_CHECK(strncmp(cmd, "*7\r\n$7\r\nEVALSHA\r\n$40\r\n", 22) == 0);
        IL_CHECK(strcmp(cmd + 22 + 40, "\r\n$1\r\n1\r\n$4\r\np{k}\r\n"
                        "$4\r\n1000\r\n$1\r\n1\r\n$1\r\n0\r\n") == 0);

        len = il_ratelimit_command(NULL, 0, 1, "p{k}", 4, 0, 0, 0);
        IL_CHECK(len > il_ratelimit_script_len);
        IL_CHECK_INT(il_ratelimit_command(cmd, 10, 1, "p{k}", 4, 0, 0, 0),
                     len);
    }

    IL_CHECK_INT(il_ratelimit_client_key(key, v4, 4), 11);
    IL_CHECK_STR(key, "ip:10.1.2.3");
    il_ratelimit_client_key(key, v6, 16);
    IL_CHECK_STR(key, "ip6:2001:db8:1:2::/64");
    IL_CHECK_INT(il_ratelimit_client_key(key, v6, 7), 0);

    return il_test_result("ratelimit");
}
