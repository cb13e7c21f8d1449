
/*
 * Copyright (C) ngx_http_interloom_module authors
 */


#include <stdio.h>
#include <stdlib.h>

#include "il_json.h"
#include "il_schema.h"
#include "il_test.h"


static char  il_openapi_file[1024];

#define IL_OPENAPI_FILE                                                       \
    il_test_shared(il_openapi_file, sizeof(il_openapi_file),                 \
                   "interloom-openapi/openapi.json")

#define ASSERT   IL_SCHEMA_FORMAT_ASSERT
#define REQUEST  IL_SCHEMA_REQUEST


static char        out[16384];
static char        out2[16384];

/* Values to validate: converted from jansson, or parsed as a request. */
static il_arena_t  arena;


/*
 * Compiles schema (JSON text) as a document of its own, validates body,
 * and returns "ok" or the fields as "path|message|type" lines.
 */

static const char *runp(const char *schema, unsigned flags,
    const char *pointer, const char *base, const char *body);
static void fields(char *buf, size_t size, int ok,
    const il_field_errors_t *fe);


static const char *
run(const char *schema, unsigned flags, const char *base, const char *body)
{
    return runp(schema, flags, "", base, body);
}


static const char *
runp(const char *schema, unsigned flags, const char *pointer,
    const char *base, const char *body)
{
    int                ok;
    char               err[512];
    json_t            *js, *jb;
    json_error_t       e;
    il_schema_t       *s;
    il_schema_doc_t   *doc;
    il_field_errors_t  fe;
    const il_value_t  *v;

    js = json_loads(schema, JSON_DECODE_ANY, &e);
    if (js == NULL) {
        snprintf(out, sizeof(out), "bad test schema: %s", e.text);
        return out;
    }

    doc = il_schema_doc_new(js, flags);
    json_decref(js);

    s = il_schema_compile(doc, pointer, err, sizeof(err));
    if (s == NULL) {
        snprintf(out, sizeof(out), "compile: %s", err);
        il_schema_doc_free(doc);
        return out;
    }

    jb = json_loads(body, JSON_DECODE_ANY, &e);
    if (jb == NULL) {
        snprintf(out, sizeof(out), "bad test body: %s", e.text);
        il_schema_doc_free(doc);
        return out;
    }

    il_arena_reset(&arena);
    v = il_value_from_json(&arena, jb);

    il_field_errors_init(&fe);
    ok = il_schema_validate(s, v, base, &fe);
    fields(out, sizeof(out), ok, &fe);

    /* the body read as a request is, the same fields */
    v = il_json_parse_buf(&arena, body, strlen(body), err, sizeof(err));

    if (v != NULL) {
        il_field_errors_reset(&fe);
        ok = il_schema_validate(s, v, base, &fe);
        fields(out2, sizeof(out2), ok, &fe);

        if (strcmp(out, out2) != 0) {
            snprintf(out, sizeof(out), "parsed body differs: %.1000s", out2);
        }
    }

    il_field_errors_free(&fe);
    json_decref(jb);
    il_schema_doc_free(doc);

    return out;
}


/* "ok", or the fields as "path|message|type" lines. */

static void
fields(char *buf, size_t size, int ok, const il_field_errors_t *fe)
{
    size_t  i, len;

    if (ok && fe->n == 0) {
        snprintf(buf, size, "ok");

    } else if (ok || fe->n == 0) {
        snprintf(buf, size, "verdict %d with %zu fields", ok, fe->n);

    } else {
        len = 0;
        buf[0] = '\0';

        for (i = 0; i < fe->n && len < size; i++) {
            len += snprintf(buf + len, size - len, "%s%s|%s|%s",
                            i ? "\n" : "", fe->items[i].path,
                            fe->items[i].message, fe->items[i].type);
        }
    }
}


#define V(schema, body)         run(schema, 0, "", body)
#define VF(schema, f, body)     run(schema, f, "", body)
#define VB(schema, base, body)  run(schema, 0, base, body)


static void
test_types(void)
{
    IL_CHECK_STR(V("{\"type\":\"string\"}", "1"),
                 "body|Input should be a valid string.|string_type");
    IL_CHECK_STR(V("{\"type\":\"integer\"}", "\"1\""),
                 "body|Input should be a valid integer.|int_type");
    IL_CHECK_STR(V("{\"type\":\"integer\"}", "1.5"),
                 "body|Input should be a valid integer.|int_type");
    IL_CHECK_STR(V("{\"type\":\"integer\"}", "1.0"), "ok");
    IL_CHECK_STR(V("{\"type\":\"number\"}", "7"), "ok");
    IL_CHECK_STR(V("{\"type\":\"number\"}", "true"),
                 "body|Input should be a valid number.|float_type");
    IL_CHECK_STR(V("{\"type\":\"boolean\"}", "0"),
                 "body|Input should be a valid boolean.|bool_type");
    IL_CHECK_STR(V("{\"type\":\"array\"}", "{}"),
                 "body|Input should be a valid list.|list_type");
    IL_CHECK_STR(V("{\"type\":\"object\"}", "[]"),
                 "body|Input should be a valid object.|dict_type");
    IL_CHECK_STR(V("{\"type\":\"null\"}", "0"),
                 "body|Input should be null.|value_error");

    /* type arrays: with null and one other type, that type's error */
    IL_CHECK_STR(V("{\"type\":[\"string\",\"null\"]}", "null"), "ok");
    IL_CHECK_STR(V("{\"type\":[\"string\",\"null\"]}", "5"),
                 "body|Input should be a valid string.|string_type");
    IL_CHECK_STR(V("{\"type\":[\"string\",\"integer\"]}", "true"),
                 "body|Input should be of type string or integer."
                 "|value_error");
    IL_CHECK_STR(V("{\"type\":[\"integer\",\"number\",\"array\",\"null\"]}",
                   "\"x\""),
                 "body|Input should be of type number, array or null."
                 "|value_error");

    IL_CHECK_STR(V("false", "1"), "body|Input is not permitted.|value_error");
    IL_CHECK_STR(V("true", "1"), "ok");
    IL_CHECK_STR(V("{}", "{\"a\":[1]}"), "ok");
}


static void
test_values(void)
{
    IL_CHECK_STR(V("{\"enum\":[\"a\",\"b\",\"c\"]}", "\"d\""),
                 "body|Input should be 'a', 'b' or 'c'.|enum");
    IL_CHECK_STR(V("{\"enum\":[\"a\"]}", "\"d\""),
                 "body|Input should be 'a'.|enum");
    IL_CHECK_STR(V("{\"enum\":[\"a\",\"b\"]}", "\"d\""),
                 "body|Input should be 'a' or 'b'.|enum");
    IL_CHECK_STR(V("{\"enum\":[1,2.5,null,true,[1],{\"k\":1}]}", "3"),
                 "body|Input should be 1, 2.5, null, true, [1] or {\"k\":1}."
                 "|enum");
    IL_CHECK_STR(V("{\"enum\":[1,{\"a\":1,\"b\":2}]}", "1.0"), "ok");
    IL_CHECK_STR(V("{\"enum\":[1,{\"a\":1,\"b\":2}]}", "{\"b\":2,\"a\":1}"),
                 "ok");

    IL_CHECK_STR(V("{\"const\":\"SPACE\"}", "\"CASE\""),
                 "body|Input should be 'SPACE'.|literal_error");
    IL_CHECK_STR(V("{\"const\":5.0}", "6"),
                 "body|Input should be 5.|literal_error");
    IL_CHECK_STR(V("{\"const\":5.0}", "5"), "ok");
    IL_CHECK_STR(V("{\"const\":null}", "false"),
                 "body|Input should be null.|literal_error");
}


static void
test_strings(void)
{
    IL_CHECK_STR(V("{\"minLength\":1}", "\"\""),
                 "body|String should have at least 1 character."
                 "|string_too_short");
    IL_CHECK_STR(V("{\"minLength\":3}", "\"ab\""),
                 "body|String should have at least 3 characters."
                 "|string_too_short");
    IL_CHECK_STR(V("{\"maxLength\":1}", "\"ab\""),
                 "body|String should have at most 1 character."
                 "|string_too_long");
    IL_CHECK_STR(V("{\"maxLength\":2}", "\"abc\""),
                 "body|String should have at most 2 characters."
                 "|string_too_long");

    /* code points, not bytes: two characters in six bytes */
    IL_CHECK_STR(V("{\"maxLength\":2}", "\"\xc3\xa9\xf0\x9f\x98\x80\""),
                 "ok");
    IL_CHECK_STR(V("{\"minLength\":3}", "\"\xc3\xa9\xf0\x9f\x98\x80\""),
                 "body|String should have at least 3 characters."
                 "|string_too_short");

    IL_CHECK_STR(V("{\"pattern\":\"^[a-z]+$\"}", "\"abc\""), "ok");
    IL_CHECK_STR(V("{\"pattern\":\"^[a-z]+$\"}", "\"abc\\n\""),
                 "body|String should match pattern '^[a-z]+$'."
                 "|string_pattern_mismatch");
    IL_CHECK_STR(V("{\"pattern\":\"^[a-z]+$\"}", "3"), "ok");

    /* ECMA-262: \d is ASCII, \s is Unicode, . stops at line ends */
    IL_CHECK_STR(V("{\"pattern\":\"^\\\\d+$\"}", "\"\xd9\xa3\""),
                 "body|String should match pattern '^\\d+$'."
                 "|string_pattern_mismatch");
    IL_CHECK_STR(V("{\"pattern\":\"^\\\\s$\"}", "\"\xc2\xa0\""), "ok");
    IL_CHECK_STR(V("{\"pattern\":\"^a.b$\"}", "\"a\\u2028b\""),
                 "body|String should match pattern '^a.b$'."
                 "|string_pattern_mismatch");
    IL_CHECK_STR(V("{\"pattern\":\"^.$\"}", "\"\xf0\x9f\x98\x80\""), "ok");
    IL_CHECK_STR(V("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"\xcf\x80\""),
                 "ok");
    IL_CHECK_STR(V("{\"pattern\":\"^[^]$\"}", "\"\\n\""), "ok");
    IL_CHECK_STR(V("{\"pattern\":\"[]\"}", "\"x\""),
                 "body|String should match pattern '[]'."
                 "|string_pattern_mismatch");
    IL_CHECK_STR(V("{\"pattern\":\"^\\\\ud83d\\\\ude00$\"}",
                   "\"\xf0\x9f\x98\x80\""), "ok");
}


static void
test_formats(void)
{
    const char  *uuid;

    uuid = "{\"type\":\"string\",\"format\":\"uuid\"}";

    IL_CHECK_STR(VF(uuid, ASSERT, "\"0196d3b9-0c9d-7cf2-9c36-2a8f0bb0f3aa\""),
                 "ok");
    IL_CHECK_STR(VF(uuid, ASSERT, "\"abc\""),
                 "body|Input should be a valid UUID.|uuid_parsing");
    IL_CHECK_STR(VF(uuid, 0, "\"abc\""), "ok");

    IL_CHECK_STR(VF("{\"format\":\"date-time\"}", ASSERT,
                    "\"2026-06-02T12:32:17.908Z\""), "ok");
    IL_CHECK_STR(VF("{\"format\":\"date-time\"}", ASSERT,
                    "\"2026-06-02 12:32:17Z\""),
                 "body|Input should be a valid datetime.|datetime_parsing");
    IL_CHECK_STR(VF("{\"format\":\"date\"}", ASSERT, "\"2021-02-29\""),
                 "body|Input should be a valid date.|date_parsing");
    IL_CHECK_STR(VF("{\"format\":\"time\"}", ASSERT, "\"12:00:00\""),
                 "body|Input should be a valid time.|value_error");
    IL_CHECK_STR(VF("{\"format\":\"email\"}", ASSERT, "\"a@b..c\""),
                 "body|Input should be a valid email address.|value_error");
    IL_CHECK_STR(VF("{\"format\":\"uri\"}", ASSERT, "\"/relative\""),
                 "body|Input should be a valid URI.|value_error");
    IL_CHECK_STR(VF("{\"format\":\"ipv4\"}", ASSERT, "\"1.2.3.04\""),
                 "body|Input should be a valid IPv4 address.|value_error");
    IL_CHECK_STR(VF("{\"format\":\"ipv6\"}", ASSERT, "\"1::2::3\""),
                 "body|Input should be a valid IPv6 address.|value_error");

    /* formats the gateway does not assert stay annotations */
    IL_CHECK_STR(VF("{\"format\":\"int32\"}", ASSERT, "\"x\""), "ok");
    IL_CHECK_STR(VF("{\"format\":\"hostname\"}", ASSERT, "\"-\""), "ok");
}


static void
test_numbers(void)
{
    IL_CHECK_STR(V("{\"minimum\":5}", "4"),
                 "body|Input should be greater than or equal to 5."
                 "|greater_than_equal");
    IL_CHECK_STR(V("{\"minimum\":5.0}", "4.5"),
                 "body|Input should be greater than or equal to 5."
                 "|greater_than_equal");
    IL_CHECK_STR(V("{\"exclusiveMinimum\":2.5}", "2.5"),
                 "body|Input should be greater than 2.5.|greater_than");
    IL_CHECK_STR(V("{\"maximum\":10}", "10.000001"),
                 "body|Input should be less than or equal to 10."
                 "|less_than_equal");
    IL_CHECK_STR(V("{\"exclusiveMaximum\":0.1}", "1"),
                 "body|Input should be less than 0.1.|less_than");
    IL_CHECK_STR(V("{\"maximum\":9007199254740993}", "9007199254740992"),
                 "ok");
    IL_CHECK_STR(V("{\"maximum\":9007199254740992}", "9007199254740993"),
                 "body|Input should be less than or equal to "
                 "9007199254740992.|less_than_equal");
    IL_CHECK_STR(V("{\"minimum\":1,\"maximum\":0}", "\"text\""), "ok");

    IL_CHECK_STR(V("{\"multipleOf\":0.01}", "0.07"), "ok");
    IL_CHECK_STR(V("{\"multipleOf\":0.01}", "19.99"), "ok");
    IL_CHECK_STR(V("{\"multipleOf\":0.01}", "0.071"),
                 "body|Input should be a multiple of 0.01.|multiple_of");
    IL_CHECK_STR(V("{\"multipleOf\":3}", "-9"), "ok");
    IL_CHECK_STR(V("{\"multipleOf\":3}", "10"),
                 "body|Input should be a multiple of 3.|multiple_of");
    IL_CHECK_STR(V("{\"multipleOf\":0.5}", "1e300"), "ok");
    IL_CHECK_STR(V("{\"multipleOf\":0.123456789}", "1e308"),
                 "body|Input should be a multiple of 0.123456789."
                 "|multiple_of");
}


static void
test_arrays(void)
{
    const char  *tags;

    tags = "{\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\","
           "\"items\":{\"type\":\"string\"},\"minItems\":1,\"maxItems\":3}}}";

    IL_CHECK_STR(V(tags, "{\"tags\":[\"a\",2,\"c\",null]}"),
                 "tags|List should have at most 3 items.|too_long\n"
                 "tags.1|Input should be a valid string.|string_type\n"
                 "tags.3|Input should be a valid string.|string_type");
    IL_CHECK_STR(V(tags, "{\"tags\":[]}"),
                 "tags|List should have at least 1 item.|too_short");
    IL_CHECK_STR(V("{\"minItems\":2}", "[1]"),
                 "body|List should have at least 2 items.|too_short");
    IL_CHECK_STR(V("{\"maxItems\":1}", "[1,2]"),
                 "body|List should have at most 1 item.|too_long");

    IL_CHECK_STR(V("{\"prefixItems\":[{\"type\":\"integer\"},"
                   "{\"type\":\"string\"}],\"items\":false}",
                   "[1,2,3]"),
                 "1|Input should be a valid string.|string_type\n"
                 "2|Input is not permitted.|value_error");

    IL_CHECK_STR(V("{\"contains\":{\"type\":\"integer\"}}", "[\"a\"]"),
                 "body|List should contain at least 1 matching item."
                 "|value_error");
    IL_CHECK_STR(V("{\"contains\":{\"type\":\"integer\"},\"minContains\":2}",
                   "[1,\"a\"]"),
                 "body|List should contain at least 2 matching items."
                 "|value_error");
    IL_CHECK_STR(V("{\"contains\":{\"type\":\"integer\"},\"maxContains\":1}",
                   "[1,2]"),
                 "body|List should contain at most 1 matching item."
                 "|value_error");
    IL_CHECK_STR(V("{\"contains\":{\"type\":\"integer\"},\"minContains\":0}",
                   "[]"), "ok");

    IL_CHECK_STR(V("{\"uniqueItems\":true}", "[1,\"1\",[1],{\"a\":1}]"), "ok");
    IL_CHECK_STR(V("{\"uniqueItems\":true}", "[1,2,1.0]"),
                 "body|List should have unique items.|value_error");
    IL_CHECK_STR(V("{\"uniqueItems\":true}",
                   "[{\"a\":1,\"b\":[2]},{\"b\":[2],\"a\":1}]"),
                 "body|List should have unique items.|value_error");

    /* past the pairwise size the hashed comparison must agree */
    IL_CHECK_STR(V("{\"uniqueItems\":true}",
                   "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,"
                   "{\"x\":[1,2]},\"s\",{\"y\":1}]"), "ok");
    IL_CHECK_STR(V("{\"uniqueItems\":true}",
                   "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,"
                   "{\"x\":[1,2],\"z\":null},\"s\","
                   "{\"z\":null,\"x\":[1,2.0]}]"),
                 "body|List should have unique items.|value_error");
    IL_CHECK_STR(V("{\"uniqueItems\":true}",
                   "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19.0]"),
                 "ok");
    IL_CHECK_STR(V("{\"uniqueItems\":true}",
                   "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,1.0]"),
                 "body|List should have unique items.|value_error");
}


static void
test_objects(void)
{
    const char  *s;

    /* declared order, then required not declared, then extras in order */
    s = "{\"type\":\"object\","
        "\"properties\":{\"title\":{\"type\":\"string\"},"
        "\"size\":{\"type\":\"integer\"},"
        "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
        "\"required\":[\"owner\",\"title\",\"size\"],"
        "\"additionalProperties\":false}";

    IL_CHECK_STR(V(s, "{\"zeta\":1,\"tags\":[\"a\",1],\"alpha\":2}"),
                 "title|Field required.|missing\n"
                 "size|Field required.|missing\n"
                 "tags.1|Input should be a valid string.|string_type\n"
                 "owner|Field required.|missing\n"
                 "zeta|Extra inputs are not permitted.|extra_forbidden\n"
                 "alpha|Extra inputs are not permitted.|extra_forbidden");
    /* required but undeclared, with additionalProperties false: extra */
    IL_CHECK_STR(V(s, "{\"owner\":0,\"title\":\"t\",\"size\":1}"),
                 "owner|Extra inputs are not permitted.|extra_forbidden");

    IL_CHECK_STR(V("{\"properties\":{\"a\":{\"type\":\"string\"}},"
                   "\"additionalProperties\":{\"type\":\"integer\"}}",
                   "{\"a\":\"x\",\"b\":1,\"c\":\"y\"}"),
                 "c|Input should be a valid integer.|int_type");

    IL_CHECK_STR(V("{\"patternProperties\":{\"^x-\":{\"type\":\"string\"}},"
                   "\"additionalProperties\":false}",
                   "{\"x-a\":\"1\",\"x-b\":2,\"y\":3}"),
                 "x-b|Input should be a valid string.|string_type\n"
                 "y|Extra inputs are not permitted.|extra_forbidden");

    IL_CHECK_STR(V("{\"propertyNames\":{\"maxLength\":3}}",
                   "{\"abc\":1,\"abcd\":2}"),
                 "abcd|Property name is not allowed.|value_error");

    IL_CHECK_STR(V("{\"minProperties\":1}", "{}"),
                 "body|Object should have at least 1 property.|too_short");
    IL_CHECK_STR(V("{\"maxProperties\":1}", "{\"a\":1,\"b\":2}"),
                 "body|Object should have at most 1 property.|too_long");
    IL_CHECK_STR(V("{\"maxProperties\":0}", "{\"a\":1}"),
                 "body|Object should have at most 0 properties.|too_long");

    IL_CHECK_STR(V("{\"dependentRequired\":{\"card\":[\"billing\",\"cvc\"]}}",
                   "{\"card\":1,\"cvc\":2}"),
                 "billing|Field required.|missing");
    IL_CHECK_STR(V("{\"dependentRequired\":{\"card\":[\"billing\"]}}",
                   "{\"billing\":1}"), "ok");
    IL_CHECK_STR(V("{\"dependentSchemas\":{\"card\":{\"required\":[\"x\"]}}}",
                   "{\"card\":1}"),
                 "x|Field required.|missing");

    /* keys are paths as they are, dots and all */
    IL_CHECK_STR(V("{\"properties\":{\"a.b\":{\"type\":\"null\"}}}",
                   "{\"a.b\":1}"),
                 "a.b|Input should be null.|value_error");
}


static void
test_unions(void)
{
    const char  *opt, *multi;

    /* an optional UUID: the non-null branch reports */
    opt = "{\"properties\":{\"space_id\":{\"anyOf\":[{\"type\":\"string\","
          "\"format\":\"uuid\"},{\"type\":\"null\"}]}}}";

    IL_CHECK_STR(VF(opt, ASSERT, "{\"space_id\":\"abc\"}"),
                 "space_id|Input should be a valid UUID.|uuid_parsing");
    IL_CHECK_STR(VF(opt, ASSERT, "{\"space_id\":null}"), "ok");
    IL_CHECK_STR(VF(opt, ASSERT, "{\"space_id\":5}"),
                 "space_id|Input should be a valid string.|string_type");

    IL_CHECK_STR(V("{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"array\","
                   "\"items\":{\"type\":\"integer\"}}]}", "[1,\"x\"]"),
                 "1|Input should be a valid integer.|int_type");

    /* other unions: the branch for the value's JSON type reports */
    multi = "{\"anyOf\":[{\"type\":\"string\",\"minLength\":3},"
            "{\"type\":\"integer\",\"minimum\":10},{\"type\":\"null\"}]}";

    IL_CHECK_STR(V(multi, "\"ab\""),
                 "body|String should have at least 3 characters."
                 "|string_too_short");
    IL_CHECK_STR(V(multi, "5"),
                 "body|Input should be greater than or equal to 10."
                 "|greater_than_equal");
    IL_CHECK_STR(V(multi, "true"),
                 "body|Input should be of type string, integer or null."
                 "|value_error");
    IL_CHECK_STR(V(multi, "5.5"),
                 "body|Input should be of type string, integer or null."
                 "|value_error");
    IL_CHECK_STR(V(multi, "null"), "ok");

    /* several branches of the type: the first one reports */
    IL_CHECK_STR(V("{\"anyOf\":[{\"type\":\"string\",\"maxLength\":1},"
                   "{\"type\":\"string\",\"pattern\":\"^x\"}]}", "\"ab\""),
                 "body|String should have at most 1 character."
                 "|string_too_long");

    /* branches without "type" take any type */
    IL_CHECK_STR(V("{\"anyOf\":[{\"minimum\":3},{\"multipleOf\":2}]}", "1"),
                 "body|Input should be greater than or equal to 3."
                 "|greater_than_equal");

    IL_CHECK_STR(V("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}",
                   "5"),
                 "body|Input should match exactly one schema.|value_error");
    IL_CHECK_STR(V("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}",
                   "-5"), "ok");

    IL_CHECK_STR(V("{\"allOf\":[{\"minLength\":2},{\"pattern\":\"^a\"}]}",
                   "\"b\""),
                 "body|String should have at least 2 characters."
                 "|string_too_short\n"
                 "body|String should match pattern '^a'."
                 "|string_pattern_mismatch");

    IL_CHECK_STR(V("{\"not\":{\"type\":\"string\"}}", "\"s\""),
                 "body|Input should not match the excluded schema."
                 "|value_error");
    IL_CHECK_STR(V("{\"if\":{\"properties\":{\"kind\":{\"const\":\"a\"}}},"
                   "\"then\":{\"required\":[\"a\"]},"
                   "\"else\":{\"required\":[\"b\"]}}",
                   "{\"kind\":\"a\"}"),
                 "a|Field required.|missing");
    IL_CHECK_STR(V("{\"if\":{\"properties\":{\"kind\":{\"const\":\"a\"}}},"
                   "\"then\":{\"required\":[\"a\"]},"
                   "\"else\":{\"required\":[\"b\"]}}",
                   "{\"kind\":\"z\"}"),
                 "b|Field required.|missing");
}


static void
test_discriminator(void)
{
    const char  *doc, *implicit;

    /* the published trigger PATCH in small: one branch's tag is null */
    doc = "{\"$defs\":{"
          "\"A\":{\"type\":\"object\",\"properties\":{"
          "\"kind\":{\"const\":\"assignee\"},"
          "\"assignee_id\":{\"type\":\"string\"}},"
          "\"required\":[\"kind\",\"assignee_id\"],"
          "\"additionalProperties\":false},"
          "\"P\":{\"type\":\"object\",\"properties\":{"
          "\"kind\":{\"const\":\"apply_procedure\"},"
          "\"procedure_id\":{\"type\":\"string\"}},"
          "\"required\":[\"kind\",\"procedure_id\"],"
          "\"additionalProperties\":false},"
          "\"D\":{\"type\":\"object\",\"properties\":{"
          "\"kind\":{\"type\":\"null\"}},"
          "\"required\":[\"kind\"],\"additionalProperties\":false}},"
          "\"oneOf\":[{\"$ref\":\"#/$defs/A\"},{\"$ref\":\"#/$defs/P\"},"
          "{\"$ref\":\"#/$defs/D\"}],"
          "\"discriminator\":{\"propertyName\":\"kind\",\"mapping\":{"
          "\"assignee\":\"#/$defs/A\","
          "\"apply_procedure\":\"#/$defs/P\"}}}";

    IL_CHECK_STR(V(doc, "{\"kind\":\"assignee\",\"assignee_id\":\"x\"}"),
                 "ok");
    IL_CHECK_STR(V(doc, "{\"kind\":\"apply_procedure\",\"assignee_id\":\"x\"}"),
                 "procedure_id|Field required.|missing\n"
                 "assignee_id|Extra inputs are not permitted."
                 "|extra_forbidden");
    IL_CHECK_STR(V(doc, "{\"kind\":null}"), "ok");
    IL_CHECK_STR(V(doc, "{\"kind\":null,\"procedure_id\":\"x\"}"),
                 "body|Input tag null found using 'kind' does not match any "
                 "of the expected tags: 'assignee', 'apply_procedure'."
                 "|union_tag_invalid");
    IL_CHECK_STR(V(doc, "{\"kind\":\"later\"}"),
                 "body|Input tag 'later' found using 'kind' does not match "
                 "any of the expected tags: 'assignee', 'apply_procedure'."
                 "|union_tag_invalid");
    IL_CHECK_STR(V(doc, "{\"procedure_id\":\"x\"}"),
                 "body|Unable to extract tag using discriminator 'kind'."
                 "|union_tag_invalid");

    /* without a mapping the schema names are the tags */
    implicit = "{\"openapi\":\"3.1.0\",\"components\":{\"schemas\":{"
               "\"Cat\":{\"properties\":{\"pet\":{\"const\":\"Cat\"},"
               "\"meow\":{\"type\":\"boolean\"}},\"required\":[\"pet\"]},"
               "\"Dog\":{\"properties\":{\"pet\":{\"const\":\"Dog\"},"
               "\"bark\":{\"type\":\"boolean\"}},\"required\":[\"pet\"]},"
               "\"Pet\":{"
               "\"oneOf\":[{\"$ref\":\"#/components/schemas/Cat\"},"
               "{\"$ref\":\"#/components/schemas/Dog\"}],"
               "\"discriminator\":{\"propertyName\":\"pet\"}}}}}";

    IL_CHECK_STR(runp(implicit, 0, "/components/schemas/Pet", "",
                      "{\"pet\":\"Dog\",\"bark\":1}"),
                 "bark|Input should be a valid boolean.|bool_type");
    IL_CHECK_STR(runp(implicit, 0, "/components/schemas/Pet", "",
                      "{\"pet\":\"Cow\"}"),
                 "body|Input tag 'Cow' found using 'pet' does not match any "
                 "of the expected tags: 'Cat', 'Dog'.|union_tag_invalid");
}


static void
test_request_mode(void)
{
    const char  *link;

    link = "{\"type\":\"object\",\"properties\":{"
           "\"id\":{\"type\":\"string\"},"
           "\"url\":{\"type\":\"string\",\"readOnly\":true},"
           "\"name\":{\"type\":\"string\"}},"
           "\"required\":[\"id\",\"url\"]}";

    IL_CHECK_STR(VF(link, REQUEST, "{\"id\":\"1\"}"), "ok");
    IL_CHECK_STR(VF(link, REQUEST, "{\"url\":5,\"id\":\"1\",\"name\":2}"),
                 "name|Input should be a valid string.|string_type\n"
                 "url|Extra inputs are not permitted.|extra_forbidden");
    IL_CHECK_STR(VF(link, 0, "{\"id\":\"1\"}"),
                 "url|Field required.|missing");
    IL_CHECK_STR(VF(link, 0, "{\"id\":\"1\",\"url\":\"/x\"}"), "ok");

    /* readOnly behind a $ref counts too */
    IL_CHECK_STR(VF("{\"$defs\":{\"u\":{\"type\":\"string\","
                    "\"readOnly\":true}},"
                    "\"properties\":{\"url\":{\"$ref\":\"#/$defs/u\"}}}",
                    REQUEST, "{\"url\":\"x\"}"),
                 "url|Extra inputs are not permitted.|extra_forbidden");
}


static void
test_mutually_exclusive(void)
{
    const char  *s;

    s = "{\"type\":\"object\",\"properties\":{"
        "\"space_id\":{\"type\":[\"string\",\"null\"]},"
        "\"parent_case_id\":{\"type\":[\"string\",\"null\"]},"
        "\"title\":{\"type\":\"string\"}},"
        "\"x-mutually-exclusive\":[[\"space_id\",\"parent_case_id\"],"
        "[\"a\",\"b\",\"c\"]]}";

    IL_CHECK_STR(V(s, "{\"space_id\":\"s\",\"parent_case_id\":\"p\"}"),
                 "parent_case_id|Cannot be set together with space_id."
                 "|mutually_exclusive");
    IL_CHECK_STR(V(s, "{\"space_id\":null,\"parent_case_id\":\"p\"}"), "ok");
    IL_CHECK_STR(V(s, "{\"parent_case_id\":\"p\"}"), "ok");
    IL_CHECK_STR(V(s, "{\"c\":1,\"b\":2,\"a\":null}"),
                 "c|Cannot be set together with b.|mutually_exclusive");
    IL_CHECK_STR(V(s, "{\"c\":1,\"b\":2,\"a\":3}"),
                 "b|Cannot be set together with a.|mutually_exclusive\n"
                 "c|Cannot be set together with a.|mutually_exclusive");

    IL_CHECK_STR(V("{\"x-mutually-exclusive\":[[\"a\"]]}", "{}"),
                 "compile: a group needs two property names or more at "
                 "\"/x-mutually-exclusive/0\"");
}


static void
test_refs(void)
{
    char         *body, *p;
    size_t        i;
    const char   *tree;

    tree = "{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{"
           "\"type\":\"object\",\"properties\":{"
           "\"name\":{\"type\":\"string\"},"
           "\"children\":{\"type\":\"array\","
           "\"items\":{\"$ref\":\"#/$defs/node\"}}},"
           "\"required\":[\"name\"]}}}";

    IL_CHECK_STR(V(tree, "{\"name\":\"a\",\"children\":[{\"name\":\"b\"},"
                   "{\"name\":\"c\",\"children\":[{\"name\":\"d\"},"
                   "{\"name\":7}]}]}"),
                 "children.1.children.1.name|Input should be a valid string."
                 "|string_type");
    IL_CHECK_STR(V(tree, "{\"children\":[{}]}"),
                 "name|Field required.|missing\n"
                 "children.0.name|Field required.|missing");

    /* 64 levels deep through the recursion */
    body = malloc(64 * 30 + 64);
    p = body;

    for (i = 0; i < 63; i++) {
        p += sprintf(p, "{\"name\":\"n\",\"children\":[");
    }

    p += sprintf(p, "{\"name\":1}");

    for (i = 0; i < 63; i++) {
        p += sprintf(p, "]}");
    }

    IL_CHECK(strncmp(V(tree, body), "children.0.children.0.", 22) == 0);
    IL_CHECK(strstr(out, ".name|Input should be a valid string.|string_type")
             != NULL);
    free(body);

    /* escaped pointers and percent-encoding */
    IL_CHECK_STR(V("{\"$defs\":{\"a/b\":{\"type\":\"integer\"},"
                   "\"c~d\":{\"type\":\"string\"},\"e%f\":{\"type\":\"null\"}},"
                   "\"properties\":{\"x\":{\"$ref\":\"#/$defs/a~1b\"},"
                   "\"y\":{\"$ref\":\"#/$defs/c~0d\"},"
                   "\"z\":{\"$ref\":\"#/$defs/e%25f\"}}}",
                   "{\"x\":\"1\",\"y\":2,\"z\":3}"),
                 "x|Input should be a valid integer.|int_type\n"
                 "y|Input should be a valid string.|string_type\n"
                 "z|Input should be null.|value_error");

    /* $anchor and an $id inside the document */
    IL_CHECK_STR(V("{\"$id\":\"https://example.com/root.json\","
                   "\"$defs\":{\"n\":{\"$anchor\":\"num\",\"type\":\"number\"},"
                   "\"s\":{\"$id\":\"str.json\",\"type\":\"string\"}},"
                   "\"properties\":{\"a\":{\"$ref\":\"#num\"},"
                   "\"b\":{\"$ref\":\"str.json\"},"
                   "\"c\":{\"$ref\":\"https://example.com/root.json#num\"}}}",
                   "{\"a\":\"1\",\"b\":2,\"c\":3}"),
                 "a|Input should be a valid number.|float_type\n"
                 "b|Input should be a valid string.|string_type");
}


static void
test_compile_errors(void)
{
    IL_CHECK_STR(V("{\"properties\":{\"a\":{\"type\":\"string\","
                   "\"nullable\":true}}}", "{}"),
                 "compile: \"nullable\" is an OpenAPI 3.0 keyword; in 3.1 "
                 "add \"null\" to \"type\" or use anyOf with "
                 "{\"type\": \"null\"} at \"/properties/a/nullable\"");
    IL_CHECK_STR(V("{\"properties\":{\"a~b/c\":{\"maxDigits\":3}}}", "{}"),
                 "compile: unsupported keyword \"maxDigits\" at "
                 "\"/properties/a~0b~1c/maxDigits\"");
    IL_CHECK_STR(V("{\"items\":{\"$ref\":\"#/$defs/missing\"}}", "[]"),
                 "compile: \"$ref\" \"#/$defs/missing\" does not resolve "
                 "within the document at \"/items/$ref\"");
    IL_CHECK_STR(V("{\"$ref\":\"https://example.com/other.json\"}", "1"),
                 "compile: \"$ref\" \"https://example.com/other.json\" does "
                 "not resolve within the document at \"/$ref\"");
    IL_CHECK_STR(V("{\"$dynamicRef\":\"#x\"}", "1"),
                 "compile: \"$dynamicRef\" dynamic references are not "
                 "supported at \"/$dynamicRef\"");
    IL_CHECK_STR(V("{\"pattern\":\"(a\"}", "1"),
                 "compile: invalid pattern: missing closing parenthesis at "
                 "\"/pattern\"");
    IL_CHECK_STR(V("{\"items\":[{}]}", "1"),
                 "compile: \"items\" must be one schema; an array of schemas "
                 "is \"prefixItems\" at \"/items\"");
    IL_CHECK_STR(V("{\"minLength\":-1}", "1"),
                 "compile: \"minLength\" must be a non-negative integer at "
                 "\"/minLength\"");
    IL_CHECK_STR(V("{\"type\":\"text\"}", "1"),
                 "compile: \"type\" must name JSON types at \"/type\"");
    IL_CHECK_STR(V("{\"multipleOf\":0}", "1"),
                 "compile: \"multipleOf\" must be greater than 0 at "
                 "\"/multipleOf\"");
    IL_CHECK_STR(V("{\"$schema\":\"http://json-schema.org/draft-07/schema#\"}",
                   "1"),
                 "compile: only JSON Schema 2020-12 and the OpenAPI 3.1 "
                 "dialect are supported at \"/$schema\"");
    IL_CHECK_STR(V("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},"
                   "\"b\":{\"allOf\":[{\"$ref\":\"#/$defs/a\"}]}},"
                   "\"$ref\":\"#/$defs/a\"}", "1"),
                 "compile: the schema refers back to itself without moving "
                 "into the value at \"/$defs/b/allOf/0\"");
    IL_CHECK_STR(V("{\"discriminator\":{\"propertyName\":\"k\"}}", "1"),
                 "compile: \"discriminator\" needs \"oneOf\" or \"anyOf\" "
                 "beside it at \"/discriminator\"");

    /* annotations and extensions are accepted and change nothing */
    IL_CHECK_STR(V("{\"title\":\"T\",\"description\":\"D\",\"example\":1,"
                   "\"examples\":[1],\"default\":2,\"deprecated\":true,"
                   "\"writeOnly\":false,\"$comment\":\"c\","
                   "\"contentMediaType\":\"application/octet-stream\","
                   "\"contentEncoding\":\"base64\",\"contentSchema\":{},"
                   "\"xml\":{},\"externalDocs\":{},\"x-anything\":{\"type\":1},"
                   "\"$schema\":"
                   "\"https://json-schema.org/draft/2020-12/schema\","
                   "\"type\":\"integer\"}", "1"), "ok");
}


static void
test_base_and_cap(void)
{
    int                i;
    char               body[2048], *p;
    json_t            *s, *v;
    char               err[256];
    il_schema_t       *c;
    il_schema_doc_t   *doc;
    il_field_errors_t  fe;
    const il_value_t  *iv;

    IL_CHECK_STR(VB("{\"type\":\"integer\"}", "query.limit", "\"x\""),
                 "query.limit|Input should be a valid integer.|int_type");
    IL_CHECK_STR(VB("{\"items\":{\"type\":\"integer\"}}", "query.ids",
                    "[1,\"x\"]"),
                 "query.ids.1|Input should be a valid integer.|int_type");

    /* at most IL_ERROR_FIELDS_MAX fields, then "truncated" */
    p = body;
    p += sprintf(p, "[");

    for (i = 0; i < 150; i++) {
        p += sprintf(p, "%s\"x\"", i ? "," : "");
    }

    sprintf(p, "]");

    s = json_loads("{\"items\":{\"type\":\"integer\"}}", 0, NULL);
    v = json_loads(body, 0, NULL);
    doc = il_schema_doc_new(s, 0);
    c = il_schema_compile(doc, "", err, sizeof(err));

    il_arena_reset(&arena);
    iv = il_value_from_json(&arena, v);

    il_field_errors_init(&fe);
    IL_CHECK_INT(il_schema_validate(c, iv, "", &fe), 0);
    IL_CHECK_INT(fe.n, IL_ERROR_FIELDS_MAX);
    IL_CHECK(fe.truncated);
    IL_CHECK_STR(fe.items[99].path, "99");

    /* the verdict alone, without a list */
    IL_CHECK_INT(il_schema_validate(c, iv, "", NULL), 0);

    il_field_errors_free(&fe);
    il_schema_doc_free(doc);
    json_decref(s);
    json_decref(v);
}


static void
test_types_api(void)
{
    char              err[256];
    json_t           *s;
    il_schema_doc_t  *doc;

    s = json_loads("{\"$defs\":{"
                   "\"opt\":{\"anyOf\":[{\"type\":\"integer\"},"
                   "{\"type\":\"null\"}]},"
                   "\"ids\":{\"anyOf\":[{\"type\":\"array\","
                   "\"items\":{\"type\":\"string\",\"format\":\"uuid\"}},"
                   "{\"type\":\"null\"}]},"
                   "\"ref\":{\"$ref\":\"#/$defs/opt\"},"
                   "\"en\":{\"enum\":[\"a\",\"b\"]},"
                   "\"any\":{}}}", 0, NULL);
    doc = il_schema_doc_new(s, 0);
    json_decref(s);

    IL_CHECK_INT(il_schema_types(il_schema_compile(doc, "/$defs/opt", err,
                                                   sizeof(err))),
                 IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NULL);
    IL_CHECK_INT(il_schema_types(il_schema_compile(doc, "/$defs/ref", err,
                                                   sizeof(err))),
                 IL_SCHEMA_T_INTEGER | IL_SCHEMA_T_NULL);
    IL_CHECK_INT(il_schema_types(il_schema_compile(doc, "/$defs/en", err,
                                                   sizeof(err))),
                 IL_SCHEMA_T_STRING);
    IL_CHECK_INT(il_schema_types(il_schema_compile(doc, "/$defs/any", err,
                                                   sizeof(err))),
                 IL_SCHEMA_T_ANY);
    IL_CHECK_INT(il_schema_item_types(il_schema_compile(doc, "/$defs/ids",
                                                        err, sizeof(err))),
                 IL_SCHEMA_T_STRING);
    IL_CHECK_INT(il_schema_item_types(il_schema_compile(doc, "/$defs/any",
                                                        err, sizeof(err))),
                 IL_SCHEMA_T_ANY);

    IL_CHECK(il_schema_compile(doc, "/$defs/none", err, sizeof(err))
             == NULL);
    IL_CHECK_STR(err, "no schema at \"/$defs/none\" at \"\"");

    il_schema_doc_free(doc);

    /* a failed compile leaves nothing half built for the next one */
    s = json_loads("{\"$defs\":{\"good\":{\"type\":\"string\"},"
                   "\"bad\":{\"properties\":{\"a\":{\"$ref\":\"#/$defs/good\"},"
                   "\"b\":{\"nullable\":true}}},"
                   "\"uses\":{\"items\":{\"$ref\":\"#/$defs/bad\"}}}}",
                   0, NULL);
    doc = il_schema_doc_new(s, 0);
    json_decref(s);

    IL_CHECK(il_schema_compile(doc, "/$defs/bad", err, sizeof(err)) == NULL);
    IL_CHECK(il_schema_compile(doc, "/$defs/uses", err, sizeof(err))
             == NULL);
    IL_CHECK_STR(err, "\"nullable\" is an OpenAPI 3.0 keyword; in 3.1 add "
                 "\"null\" to \"type\" or use anyOf with {\"type\": \"null\"} "
                 "at \"/$defs/bad/properties/b/nullable\"");
    IL_CHECK(il_schema_compile(doc, "/$defs/good", err, sizeof(err))
             != NULL);

    il_schema_doc_free(doc);
}


/* Every schema the published document declares, as the gateway runs. */

static void
test_openapi(void)
{
    int               n, bad;
    char              err[512], ptr[512];
    json_t           *root, *v, *body;
    const char       *k;
    il_schema_t      *s;
    json_error_t      e;
    il_schema_doc_t  *doc;
    il_field_errors_t fe;
    const il_value_t *iv;

    root = json_load_file(IL_OPENAPI_FILE, 0, &e);
    IL_CHECK(root != NULL);

    if (root == NULL) {
        fprintf(stderr, "%s: %s\n", IL_OPENAPI_FILE, e.text);
        return;
    }

    doc = il_schema_doc_new(root, ASSERT | REQUEST);

    n = 0;
    bad = 0;

    json_object_foreach(json_object_get(json_object_get(root, "components"),
                                        "schemas"), k, v)
    {
        snprintf(ptr, sizeof(ptr), "/components/schemas/%s", k);
        n++;

        if (il_schema_compile(doc, ptr, err, sizeof(err)) == NULL) {
            fprintf(stderr, "%s: %s\n", ptr, err);
            bad++;
        }
    }

    IL_CHECK(n > 70);
    IL_CHECK_INT(bad, 0);

    /* a published example of a request is valid, a spoiled one is not */
    s = il_schema_compile(doc, "/components/schemas/CreateToolRequest", err,
                          sizeof(err));
    IL_CHECK(s != NULL);

    body = json_object_get(json_object_get(json_object_get(
               json_object_get(root, "components"), "schemas"),
               "CreateToolRequest"), "example");

    il_arena_reset(&arena);
    iv = il_value_from_json(&arena, body);

    il_field_errors_init(&fe);
    IL_CHECK_INT(il_schema_validate(s, iv, "", &fe), 1);

    json_object_set_new(body, "secret_ids", json_pack("[s]", "nope"));
    json_object_set_new(body, "extra", json_true());
    iv = il_value_from_json(&arena, body);
    IL_CHECK_INT(il_schema_validate(s, iv, "", &fe), 0);
    IL_CHECK_INT(fe.n, 2);
    IL_CHECK_STR(fe.n > 0 ? fe.items[0].path : "", "secret_ids.0");
    IL_CHECK_STR(fe.n > 1 ? fe.items[1].type : "", "extra_forbidden");

    il_field_errors_free(&fe);
    il_schema_doc_free(doc);
    json_decref(root);
}


int
main(void)
{
    il_arena_init(&arena, NULL, 0);

    test_types();
    test_values();
    test_strings();
    test_formats();
    test_numbers();
    test_arrays();
    test_objects();
    test_unions();
    test_discriminator();
    test_request_mode();
    test_mutually_exclusive();
    test_refs();
    test_compile_errors();
    test_base_and_cap();
    test_types_api();
    test_openapi();

    il_arena_free(&arena);

    return il_test_result("test_schema");
}
