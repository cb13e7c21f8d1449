#!/usr/bin/perl
# What an attacker tried (and what must keep holding): a 1xx from the
# upstream smuggling its 403, 5xx of every kind without an envelope,
# ambiguous or non-UTF-8 JSON bodies, compressed bodies, identity claims
# with control characters, absurd per-key limits, a log line forged
# through the URI.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use lib 't/lib';
use Interloom::Test qw(http_request);
use Interloom::Token;

my $t = Interloom::Test->new;
my $d = $t->dir;
my $redis = $t->redis_start;
my $up = $t->upstream_start;
my $port = $t->port('http');
my $secret = $t->secret_file;
my $spec = Interloom::Test::shared() . '/interloom-openapi/openapi.json';

$t->nginx_start(<<"EOF", ports => [$port]);
    interloom_redis 127.0.0.1:$redis;
    interloom_redis_timeout 500ms;

    server {
        listen 127.0.0.1:$port;
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit 50r/m;
        interloom_rate_limit_overrides on;
        interloom_spec $spec;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }

        location /small/ {
            client_max_body_size 1k;
            error_page 413 /too-large.json;
            rewrite ^/small(/.*)\$ \$1 break;
            proxy_pass http://127.0.0.1:$up;
        }

        location = /too-large.json {
            root $d;
        }
    }
EOF

my $TOKEN = $t->token(jti => "hard-$$");

open(my $tl, '>', "$d/too-large.json") or die;
print $tl qq({"error":{"code":"payload_too_large","message":"Too large."}});
close $tl;
my $SPACES = '/api/v1/public/spaces';

sub call {
    my (%a) = @_;
    my @h = @{ delete $a{headers} // [] };
    my $tok = delete $a{token} // $TOKEN;
    return http_request(port => $port, %a,
                        headers => [ Authorization => "Bearer $tok", @h ]);
}

sub envelope {
    my ($code, $message) = @_;
    return qq({"error":{"code":"$code","message":"$message"}});
}

# an interim 1xx before a 403: the 403 must not reach the client
my $before = $t->upstream_count;
my $res = call(path => "$SPACES/x", headers => [
    'X-Mock-Interim' => 100, 'X-Mock-Status' => 403, 'X-Mock-Body' => 'html' ]);
is($res->{status}, 502, 'an upstream 1xx: 502');
is($res->{body}, envelope('bad_gateway', 'Bad gateway.'), '  the envelope');
unlike(join(' ', map { "@$_" } @{ $res->{headers} }) . $res->{body},
       qr/403|Forbidden/, '  nothing of the 403');

# every 5xx without an envelope is replaced, with nginx's reason phrase
for my $s ([500, 'internal_error', 'Internal server error.',
            'Internal Server Error'],
           [501, 'not_implemented', 'Not implemented.', 'Not Implemented'],
           [505, 'http_version_not_supported', 'HTTP version not supported.',
            'HTTP Version Not Supported'],
           [507, 'insufficient_storage', 'Insufficient storage.',
            'Insufficient Storage'],
           [599, 'internal_error', 'Internal server error.', undef])
{
    my ($status, $code, $message, $reason) = @$s;
    $res = call(path => "$SPACES/x", headers => [
        'X-Mock-Status' => $status, 'X-Mock-Body' => 'html' ]);
    is($res->{status}, $status, "upstream $status: status kept");
    is($res->{body}, envelope($code, $message), "upstream $status: envelope");
    is($res->{reason}, $reason, "upstream $status: nginx's reason phrase")
        if defined $reason;
    unlike($res->{line}, qr/Status$/, "upstream $status: not the upstream's phrase");
}

# bodies: two types, a non-UTF-8 charset, a compressed body
my $body = '{"name":"x"}';
for my $case (
    [ 'two Content-Type headers', [ 'Content-Type' => 'application/json',
                                    'Content-Type' => 'text/plain' ] ],
    [ 'charset=utf-16', [ 'Content-Type' => 'application/json; charset=utf-16' ] ],
    [ 'Content-Encoding: gzip', [ 'Content-Type' => 'application/json',
                                  'Content-Encoding' => 'gzip' ] ])
{
    my ($what, $h) = @$case;
    $before = $t->upstream_count;
    $res = call(path => $SPACES, method => 'POST', body => $body, headers => $h);
    is($res->{status}, 415, "$what: 415");
    is($res->{body}, envelope('unsupported_media_type', 'Unsupported media type.'),
       "$what: envelope");
    is($t->upstream_count, $before, "$what: not proxied");
}
for my $type ('application/json; charset=utf-8', 'application/json; charset="UTF-8"',
              'Application/JSON;charset=UTF-8') {
    $res = call(path => $SPACES, method => 'POST', body => $body,
                headers => [ 'Content-Type' => $type ]);
    is($res->{status}, 200, "'$type': accepted");
}

# identity claims with control characters: the token is refused
for my $claim (qw(org_id jti sub instance)) {
    my $tok = $t->token(jti => "k-$claim", $claim => "a\r\nX-Evil: 1");
    $res = call(path => "$SPACES/x", token => $tok);
    is($res->{status}, 401, "a CR LF in $claim: 401");
    like($res->{h}{'www-authenticate'} // '', qr/error="invalid_token"/,
         "a CR LF in $claim: invalid_token");
}

# absurd per-key limits are ignored: the location's limit applies
my $window = int($t->redis('redis', 'TIME')->[0] / 60) * 60;
for my $bad ('inf', '1e400', '99999999999999999999', '-5', 'nan', 'x') {
    my $jti = "lim-$bad-$$";
    $t->redis('redis', 'SET', "interloom:{$jti}:limit", $bad);
    $res = call(path => "$SPACES/x", token => $t->token(jti => $jti));
    is($res->{status}, 200, "an override of '$bad': served");
    is($res->{h}{'x-ratelimit-limit'}, 50,
       "an override of '$bad': the location's limit");
}

# a body read that fails (413 on a chunked body) while the gateway waits
# for it, with an error_page back into a checked location: answered, not
# left hanging
{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
        or die;
    my $chunk = 'x' x 2000;
    $s->autoflush(1);
    print $s "POST /small/api/v1/public/spaces HTTP/1.1\r\nHost: x\r\n"
             . "Authorization: Bearer $TOKEN\r\n"
             . "Content-Type: application/json\r\n"
             . "Transfer-Encoding: chunked\r\n\r\n";
    # the gateway is waiting for the body when it comes, too large
    select(undef, undef, undef, 0.3);
    print $s sprintf("%x\r\n%s\r\n0\r\n\r\n", length $chunk, $chunk);
    my $t0 = time;
    my $r = Interloom::Test::read_response($s, 'POST', 10);
    is($r->{status}, 413, 'a failed body read with an error_page: 413');
    cmp_ok(time - $t0, '<', 5, '  answered at once');
}

# a forged log line through the URI
call(path => '/nothing%0a2026/12/04%2017:00:00%20%5Bemerg%5D%201%231:%20FORGED');
unlike($t->error_log, qr/^\S+ \S+ \[emerg\] 1#1: FORGED/m,
       'the URI cannot forge a log line');

done_testing;
