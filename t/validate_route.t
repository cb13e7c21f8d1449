#!/usr/bin/perl
# Routing and the order of the checks under validation: 404 and 405 with
# Allow, HEAD, literal segments before templates, encoded slashes,
# trailing slashes, path parameters that break their schema, the base
# path from servers[0], query styles (explode: false, booleans, numbers),
# a 422 from the query and the body together, the token and the rate
# limit before routing, $interloom_operation, and `nginx -t` refusing
# broken documents with the file and the JSON pointer.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Interloom::Test qw(http_request);

my $t = Interloom::Test->new;
my $d = $t->dir;
my $root = Interloom::Test::root();
my $secret = $t->secret_file;
my %SPEC = (
    published => Interloom::Test::shared() . '/interloom-openapi/openapi.json',
    project => "$root/docs/openapi.json",
    params => "$root/t/data/validate/params.json",
);

# --- nginx -t: broken documents -----------------------------------------------

sub write_doc {
    my ($name, $text) = @_;
    my $file = "$d/$name";
    open(my $fh, '>', $file) or die "$file: $!";
    print $fh $text;
    close $fh;
    return $file;
}

sub conf_with {
    my ($file) = @_;
    return <<"EOF";
    server {
        listen 127.0.0.1:${\ Interloom::Test::free_port()};
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit off;
        location / {
            interloom_spec $file;
        }
    }
EOF
}

sub doc_of {
    my ($paths, $schemas) = @_;
    return '{"openapi":"3.1.0","info":{"title":"t","version":"1"},'
           . qq("paths":$paths,"components":{"schemas":$schemas}});
}

my $POST_THING = '{"/things":{"post":{"operationId":"createThing",'
    . '"requestBody":{"content":{"application/json":{"schema":'
    . '{"$ref":"#/components/schemas/Thing"}}}},'
    . '"responses":{"201":{"description":"created"}}}}}';

my @BROKEN = (
    [ 'not JSON', "{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {\n"
      . "    \"/a\": {\"get\": {}},\n  }\n}\n",
      qr/: invalid JSON at line 5, column 3: / ],
    [ 'a key twice', qq({"openapi":"3.1.0","paths":{},"paths":{}}),
      qr/: invalid JSON at line 1, column \d+: .*duplicate/ ],
    [ 'a dangling $ref', doc_of($POST_THING, '{"Thang":{"type":"object"}}'),
      qr{: dangling \$ref "#/components/schemas/Thing" at }
      . qr{/paths/~1things/post/requestBody/content/application~1json/schema}
    ],
    [ 'a dangling $ref in a response only',
      doc_of('{"/things":{"get":{"responses":{"200":{"description":"ok",'
             . '"content":{"application/json":{"schema":'
             . '{"$ref":"#/components/schemas/Gone"}}}}}}}}', '{}'),
      qr{: dangling \$ref "#/components/schemas/Gone" at }
      . qr{/paths/~1things/get/responses/200/content/application~1json/schema}
    ],
    [ 'nullable, an OpenAPI 3.0 keyword',
      doc_of($POST_THING, '{"Thing":{"type":"object","properties":'
                          . '{"size":{"type":"integer","nullable":true}}}}'),
      qr{: "nullable" .* at }
      . qr{"?/components/schemas/Thing/properties/size/nullable"?} ],
    [ 'an unknown assertion keyword',
      doc_of($POST_THING, '{"Thing":{"type":"object","properties":'
                          . '{"name":{"type":"string","maxLen":5}}}}'),
      qr{: unsupported keyword "maxLen" at }
      . qr{"?/components/schemas/Thing/properties/name/maxLen"?} ],
    [ 'an unknown keyword in a response schema',
      doc_of('{"/things":{"get":{"responses":{"200":{"description":"ok",'
             . '"content":{"application/json":{"schema":'
             . '{"$ref":"#/components/schemas/Thing"}}}}}}}}',
             '{"Thing":{"type":"object","exclusiveMaximumValue":3}}'),
      qr{: unsupported keyword "exclusiveMaximumValue" at }
      . qr{"?/components/schemas/Thing/exclusiveMaximumValue"?} ],
    [ '$dynamicRef',
      doc_of($POST_THING, '{"Thing":{"$dynamicRef":"#node"}}'),
      qr{: "\$dynamicRef" .* at "?/components/schemas/Thing/\$dynamicRef"?} ],
    [ 'OpenAPI 3.0', '{"openapi":"3.0.3","info":{"title":"t","version":"1"},'
                     . '"paths":{}}',
      qr{: "openapi" must be a 3\.1 version at /openapi} ],
);

my $n = 0;
for my $b (@BROKEN) {
    my ($what, $text, $want) = @$b;
    my $file = write_doc('broken-' . ++$n . '.json', $text);
    my ($status, $out) = $t->nginx_test(conf_with($file));
    isnt($status, 0, "nginx -t refuses $what");
    like($out, qr/\[emerg\] \Q$file\E$want/, "nginx -t: $what: the file and "
         . 'where in it');
    unlike($out, qr/signal|core dumped|\[alert\]/, "nginx -t: $what: no crash");
}

{
    my ($status, $out) = $t->nginx_test(conf_with("$d/no-such.json"));
    isnt($status, 0, 'nginx -t refuses a missing document');
    like($out, qr/\Q$d\E\/no-such\.json/, 'nginx -t: the missing file named');
}

for my $name (qw(published project params)) {
    my ($status, $out) = $t->nginx_test(conf_with($SPEC{$name}));
    is($status, 0, "nginx -t accepts the $name document");
    like($out, qr/test is successful/, "nginx -t: $name: successful");
}

# --- the gateway --------------------------------------------------------------

my $redis = $t->redis_start;
my $up = $t->upstream_start;
my %PORT = map { $_ => $t->port($_) } qw(published project params limited);

$t->nginx_start(<<"EOF", ports => [ values %PORT ]);
    interloom_redis 127.0.0.1:$redis;
    log_format ops '\$interloom_request_id \$status "\$interloom_operation"';

    server {
        listen 127.0.0.1:$PORT{published};
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit off;
        interloom_spec $SPEC{published};
        access_log $d/ops.log ops;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }
    }
    server {
        listen 127.0.0.1:$PORT{project};
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit off;
        interloom_spec $SPEC{project};
        access_log $d/ops.log ops;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }
    }
    server {
        listen 127.0.0.1:$PORT{params};
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit off;
        interloom_spec $SPEC{params};
        access_log $d/ops.log ops;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }
    }
    server {
        listen 127.0.0.1:$PORT{limited};
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_spec $SPEC{published};
        access_log $d/ops.log ops;

        location / {
            interloom_rate_limit 3r/m;
            proxy_pass http://127.0.0.1:$up;
        }
    }
EOF

my $TOKEN = $t->token;
my $UUID = '0196d3b9-0c9d-7cf2-9c36-2a8f0bb0f3ac';
my $API = '/api/v1/public';

sub envelope {
    my ($code, $message, @fields) = @_;
    my $s = JSON::PP->new->allow_nonref;
    my $out = '{"error":{"code":' . $s->encode($code) . ',"message":'
              . $s->encode($message);
    $out .= ',"fields":[' . join(',', map {
        '{"path":' . $s->encode($_->[0]) . ',"message":'
        . $s->encode($_->[1]) . ',"type":' . $s->encode($_->[2]) . '}'
    } @fields) . ']' if @fields;
    return "$out}}";
}

my $NOT_FOUND = envelope('not_found', 'Not found.');
my $NOT_ALLOWED = envelope('method_not_allowed', 'Method not allowed.');
my $UNAUTHORIZED = envelope('unauthorized',
                            'Missing or invalid authentication token.');

my $SEEN = 0;
sub upstream_new {
    my $all = $t->upstream_requests;
    my @new = @{$all}[ $SEEN .. $#$all ];
    $SEEN = @$all;
    return @new;
}

sub call {
    my (%a) = @_;
    upstream_new();
    my @h = @{ $a{headers} // [] };
    unshift @h, Authorization => "Bearer " . ($a{token} // $TOKEN)
        unless $a{no_token};
    push @h, 'Content-Type' => 'application/json' if defined $a{body};
    my $res = http_request(port => $PORT{ $a{doc} // 'published' },
                           method => $a{method} // 'GET', path => $a{path},
                           headers => \@h, body => $a{body});
    sleep 0.05;
    $res->{upstream} = [ upstream_new() ];
    return $res;
}

sub operation_of {
    my ($res) = @_;
    my $id = $res->{h}{'x-request-id'} // 'none';
    for (1 .. 50) {
        for my $l (split /\n/, $t->read_file('ops.log')) {
            return $1 if $l =~ /^\Q$id\E \d+ "(.*)"$/;
        }
        sleep 0.02;
    }
    return undef;
}

sub routed {
    my ($res, $op, $what, %o) = @_;
    is($res->{status}, $o{status} // 200, "$what: " . ($o{status} // 200));
    is(operation_of($res), $op, "$what: \$interloom_operation $op");
    return if $o{status};
    my @u = @{ $res->{upstream} };
    is(scalar @u, 1, "$what: upstream once");
    is($u[0]{uri}, $o{uri}, "$what: upstream uri as sent") if $o{uri};
}

sub refused {
    my ($res, $status, $want, $what) = @_;
    is($res->{status}, $status, "$what: $status");
    is($res->{body}, $want, "$what: envelope");
    is($res->{h}{'content-type'}, 'application/json', "$what: JSON");
    is(scalar @{ $res->{upstream} }, 0, "$what: nothing upstream");
}

# --- 404, 405, HEAD -----------------------------------------------------------

for my $path ("$API/nothing", $API, "$API/", "$API/Spaces", "$API/spaces/",
              "$API//spaces", "$API/spaces/$UUID/", "$API/spaces/$UUID/x/y",
              "$API/spaces/%2e%2e", "$API/spaces/%2E", '/api/v1/spaces', '/')
{
    my $res = call(path => $path);
    refused($res, 404, $NOT_FOUND, "no template for $path");
    is(operation_of($res), '', "$path: no \$interloom_operation");
}

# a broken escape or an encoded NUL: nginx refuses the request line itself
for my $path ("$API/spaces/%zz", "$API/cases/a%00b") {
    refused(call(path => $path), 400,
            envelope('bad_request', 'The request could not be understood.'),
            "nginx refuses $path");
}

for my $case ([ 'DELETE', "$API/spaces", 'GET, HEAD, POST' ],
              [ 'PUT', "$API/spaces/$UUID", 'GET, HEAD, PATCH, DELETE' ],
              [ 'POST', "$API/users/me", 'GET, HEAD' ],
              [ 'DELETE', "$API/users/$UUID", 'GET, HEAD' ],
              [ 'PATCH', "$API/agents/$UUID/tools", 'GET, HEAD, PUT' ],
              [ 'HEAD', "$API/threads/$UUID/messages", 'POST' ],
              [ 'GET', "$API/threads/$UUID/messages", 'POST' ],
              [ 'OPTIONS', "$API/cases", 'GET, HEAD, POST' ],
              [ 'POST', "$API/spaces/$UUID/trigger", 'GET, HEAD, PATCH' ])
{
    my ($m, $path, $allow) = @$case;
    my $res = call(method => $m, path => $path);
    is($res->{status}, 405, "$m $path: 405");
    is($res->{body}, $m eq 'HEAD' ? '' : $NOT_ALLOWED, "$m $path: envelope");
    is_deeply([ Interloom::Test::header_values($res, 'Allow') ], [ $allow ],
              "$m $path: Allow: $allow");
    is(scalar @{ $res->{upstream} }, 0, "$m $path: nothing upstream");
}

{
    my $res = call(method => 'HEAD', path => "$API/cases?limit=5");
    routed($res, 'listCases', 'HEAD on a GET operation',
           uri => "$API/cases?limit=5");
    is($res->{upstream}[0]{method}, 'HEAD', 'HEAD: sent on as HEAD');
    $res = call(method => 'HEAD', path => "$API/cases?limit=0");
    is($res->{status}, 422, 'HEAD: its query is checked as the GET one');
    is($res->{h}{'content-length'},
       length envelope('validation_error', 'The request is invalid.',
                       [ 'query.limit', 'Input should be greater than or '
                         . 'equal to 1.', 'greater_than_equal' ]),
       'HEAD: the 422 length without its body');
}

# --- which template -----------------------------------------------------------

routed(call(path => "$API/users/me"), 'getCurrentUser', '/users/me');
routed(call(path => "$API/users/me2"), 'getUser', '/users/me2');
routed(call(path => "$API/users/ME"), 'getUser', '/users/ME: case counts');
routed(call(path => "$API/users/m%65"), 'getCurrentUser',
       '/users/m%65: literal segments compare decoded',
       uri => "$API/users/m%65");
routed(call(path => "$API/spaces/abc%2Ftrigger"), 'getSpace',
       'an encoded slash stays in its segment',
       uri => "$API/spaces/abc%2Ftrigger");
routed(call(path => "$API/spaces/abc%2ftrigger/trigger"), 'getSpaceTrigger',
       'an encoded slash in the id of a deeper path',
       uri => "$API/spaces/abc%2ftrigger/trigger");
routed(call(path => "$API/c%61ses?limit=5"), 'listCases',
       'an encoded letter in a literal segment',
       uri => "$API/c%61ses?limit=5");

# the project document declares uuid ids: a broken one names nothing
for my $case ([ 'GET', "$API/cases/not-a-uuid", 'getCase',
                'case_not_found', 'Case not found.' ],
              [ 'GET', "$API/cases/$UUID%2Fstages", 'getCase',
                'case_not_found', 'Case not found.' ],
              [ 'GET', "$API/cases/{$UUID}", 'getCase',
                'case_not_found', 'Case not found.' ],
              [ 'PATCH', "$API/cases/$UUID" . 'x/motion', 'setCaseMotion',
                'case_not_found', 'Case not found.' ],
              [ 'GET', "$API/datatables/12/rows", 'queryDataTableRows',
                'datatable_not_found', 'Data table not found.' ],
              [ 'DELETE', "$API/cases/$UUID/labels/red", 'removeCaseLabel',
                'label_not_found', 'Label not found.' ],
              [ 'POST', "$API/tools/-/attach", 'attachTool',
                'tool_not_found', 'Tool not found.' ])
{
    my ($m, $path, $op, $code, $message) = @$case;
    my $res = call(doc => 'project', method => $m, path => $path,
                   body => $m eq 'GET' || $m eq 'DELETE' ? undef : '{');
    refused($res, 404, envelope($code, $message), "$m $path");
    is(operation_of($res), $op, "$m $path: \$interloom_operation $op");
}
routed(call(doc => 'project', path => "$API/cases/" . uc $UUID), 'getCase',
       'an upper-case uuid is a uuid');

# --- the base path of servers[0], a trailing slash, integer path params -------

routed(call(doc => 'params', path => '/v2/reports?page=1'), 'listReports',
       'servers[0] gives the base path');
refused(call(doc => 'params', path => '/reports?page=1'), 404, $NOT_FOUND,
        'without the base path');
routed(call(doc => 'params', path => '/v2/reports/7'), 'getReport',
       'no trailing slash: its own operation');
routed(call(doc => 'params', path => '/v2/reports/7/'), 'getReportFolder',
       'a trailing slash: the template written with one');
refused(call(doc => 'params', path => '/v2/reports/0'), 404,
        envelope('report_not_found', 'Report not found.'),
        'an integer path parameter below its minimum');
refused(call(doc => 'params', path => '/v2/reports/seven/'), 404,
        envelope('report_not_found', 'Report not found.'),
        'an integer path parameter that is not a number');

# --- query styles -------------------------------------------------------------

my $Q = 'The request is invalid.';
my $B = 'The request body is invalid.';

sub params_422 {
    my ($query, $fields, $what) = @_;
    refused(call(doc => 'params', path => "/v2/reports?$query"), 422,
            envelope('validation_error', $Q, @$fields), $what);
}

sub params_ok {
    my ($query, $what) = @_;
    routed(call(doc => 'params', path => "/v2/reports?$query"),
           'listReports', $what, uri => "/v2/reports?$query");
}

params_422('', [ [ 'query.page', 'Field required.', 'missing' ] ],
           'a required integer absent');
params_422('page=99999999999999999999',
           [ [ 'query.page', 'Input should be a valid integer.', 'int_type' ] ],
           'an integer beyond 64 bits');
params_ok('page=9223372036854775807', 'the largest 64-bit integer');

params_ok('page=1&ids=1,2,3', 'explode false: comma-separated');
params_ok('page=1&ids=1,x&ids=2,3', 'explode false: the last occurrence');
params_422('page=1&ids=1,x,0',
           [ [ 'query.ids.1', 'Input should be a valid integer.', 'int_type' ],
             [ 'query.ids.2', 'Input should be greater than or equal to 1.',
               'greater_than_equal' ] ], 'explode false: items by index');
params_422('page=1&ids=1,2,3,4',
           [ [ 'query.ids', 'List should have at most 3 items.',
               'too_long' ] ], 'explode false: four items');
params_422('page=1&ids=1%2C2',
           [ [ 'query.ids.0', 'Input should be a valid integer.',
               'int_type' ] ],
           'explode false: an encoded comma stays in its item');
params_ok('page=1&tags=', 'explode false: empty is null where allowed');
params_ok('page=1&tags=red,green', 'explode false: enum items');
params_422('page=1&tags=red,Green',
           [ [ 'query.tags.1', "Input should be 'red' or 'green'.", 'enum' ] ],
           'explode false: an item out of its enum');

for my $v (qw(true TRUE 1 yes On t Y false 0 no OFF f N)) {
    params_ok("page=1&archived=$v", "boolean '$v'");
}
for my $v ('maybe', '2', 'truth', '') {
    params_422("page=1&archived=$v",
               [ [ 'query.archived', 'Input should be a valid boolean.',
                   'bool_type' ] ], "boolean '$v'");
}

params_ok("page=1&ratio=$_", "number '$_'") for qw(0 1 0.25 1e-1 -0 0.5E0);
params_422('page=1&ratio=1.5',
           [ [ 'query.ratio', 'Input should be less than or equal to 1.',
               'less_than_equal' ] ], 'number above its maximum');
for my $v ('nan', 'inf', '0x1', 'abc', '1,5') {
    params_422("page=1&ratio=$v",
               [ [ 'query.ratio', 'Input should be a valid number.',
                   'float_type' ] ], "number '$v'");
}

params_ok('page=1&owner=', 'an optional string: empty is null');
params_422('page=1&owner=a',
           [ [ 'query.owner', 'String should have at least 2 characters.',
               'string_too_short' ] ], 'an optional string too short');
params_ok('page=1&owner=J%C3%BCrgen+M', 'percent-decoded, + is a space');
params_422('page=1&owner=%C3',
           [ [ 'query.owner', 'String should have at least 2 characters.',
               'string_too_short' ] ],
           'a byte that is not UTF-8 is one character (U+FFFD)');

# the query and the body together
{
    my $res = call(doc => 'params', method => 'POST',
                   path => '/v2/reports?dry_run=perhaps',
                   body => '{"title":"Q3","year":1999}');
    refused($res, 422, envelope('validation_error', $B,
        [ 'query.dry_run', 'Input should be a valid boolean.', 'bool_type' ],
        [ 'year', 'Input should be greater than or equal to 2000.',
          'greater_than_equal' ]), 'query and body: both reported');
    $res = call(doc => 'params', method => 'POST',
                path => '/v2/reports?dry_run=perhaps',
                body => '{"title":"Q3"}');
    refused($res, 422, envelope('validation_error', $Q,
        [ 'query.dry_run', 'Input should be a valid boolean.',
          'bool_type' ]), 'query alone, with a valid body');
    $res = call(doc => 'params', method => 'POST',
                path => '/v2/reports?dry_run=no', body => '{"title":""}');
    refused($res, 422, envelope('validation_error', $B,
        [ 'title', 'String should have at least 1 character.',
          'string_too_short' ]), 'body alone');
    $res = call(doc => 'params', method => 'POST',
                path => '/v2/reports?dry_run=perhaps', body => '{"title":');
    refused($res, 422, envelope('validation_error', $B,
        [ 'query.dry_run', 'Input should be a valid boolean.', 'bool_type' ],
        [ 'body', 'Invalid JSON: unexpected end of input at line 1, '
          . 'column 9.', 'json_invalid' ]), 'query and broken JSON');
    routed(call(doc => 'params', method => 'POST',
                path => '/v2/reports?dry_run=yes',
                body => '{"title":"Q3","year":2024}'),
           'createReport', 'query and body valid');
}

# --- the order: token, rate limit, then routing and validation ----------------

for my $case ([ 'GET', "$API/nothing", undef, 'an unknown path' ],
              [ 'DELETE', "$API/spaces", undef, 'a method not allowed' ],
              [ 'GET', "$API/spaces?limit=0", undef, 'an invalid query' ],
              [ 'POST', "$API/spaces", '{"name":5}', 'an invalid body' ],
              [ 'POST', "$API/spaces", '{"name":', 'broken JSON' ])
{
    my ($m, $path, $body, $what) = @$case;
    my $res = call(method => $m, path => $path, body => $body, no_token => 1);
    refused($res, 401, $UNAUTHORIZED, "no token, $what: 401 first");
    $res = call(method => $m, path => $path, body => $body,
                token => 'not.a.token');
    refused($res, 401, $UNAUTHORIZED, "a broken token, $what: 401 first");
}
refused(call(doc => 'project', path => "$API/cases/not-a-uuid", no_token => 1),
        401, $UNAUTHORIZED, 'no token, a path parameter that breaks its '
        . 'schema: 401 first');

# an invalid request with a valid token counts against the rate limit
{
    # stay clear of a minute's edge: the four requests share one window
    my $s = $t->redis('redis', 'TIME')->[0] % 60;
    sleep(60 - $s + 0.2) if $s > 55;

    my $key = $t->token(jti => "validate-$$");
    my @sent = ([ 'GET', "$API/spaces?limit=0", 422 ],
                [ 'GET', "$API/nothing", 404 ],
                [ 'POST', "$API/spaces", 422, '{"name":' ]);
    my $left = 2;
    for my $r (@sent) {
        my ($m, $path, $status, $body) = @$r;
        upstream_new();
        my $res = http_request(port => $PORT{limited}, method => $m,
                               path => $path, body => $body, headers => [
                                   Authorization => "Bearer $key",
                                   defined $body ? ('Content-Type'
                                       => 'application/json') : () ]);
        is($res->{status}, $status, "limited: $m $path: $status");
        is($res->{h}{'x-ratelimit-remaining'}, $left--,
           "limited: $m $path: counted");
    }
    my $res = http_request(port => $PORT{limited}, path => "$API/spaces",
                           headers => [ Authorization => "Bearer $key" ]);
    is($res->{status}, 429, 'limited: the fourth request, valid, is over');
    is($res->{body}, envelope('rate_limit_exceeded',
                              'Too many requests. Try again later.'),
       'limited: rate_limit_exceeded');
    sleep 0.05;
    is(scalar(upstream_new()), 0, 'limited: none of them reached the upstream');

    # the limit comes before routing: an unknown path is a 429 too
    $res = http_request(port => $PORT{limited}, path => "$API/nothing",
                        headers => [ Authorization => "Bearer $key" ]);
    is($res->{status}, 429, 'limited: an unknown path over the limit: 429');
}

unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'no alert in the log');

done_testing;
