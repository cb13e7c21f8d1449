#!/usr/bin/perl
# X-Request-Id and X-Response-Timestamp on every response of an
# "interloom on" location, and nginx's own error pages as envelopes.

use strict;
use warnings;

use Test::More;
use lib 't/lib';
use Interloom::Test qw(http_request);

my $t = Interloom::Test->new;
my $up = $t->upstream_start;
my $dead = Interloom::Test::free_port();
my $port = $t->port('http');
my $d = $t->dir;

mkdir "$d/html";
open(my $fh, '>', "$d/html/file.json") or die;
print $fh qq({"static":true}\n);
close $fh;

$t->nginx_start(<<"EOF", ports => [$port]);
    server {
        listen 127.0.0.1:$port;
        interloom on;
        interloom_jwt_key HS256 ${\ $t->secret_file };
        interloom_rate_limit off;
        client_max_body_size 1k;

        location /api/ {
            proxy_pass http://127.0.0.1:$up;
            proxy_set_header X-Request-Id \$interloom_request_id;
        }
        location /slow/ {
            proxy_pass http://127.0.0.1:$up;
            proxy_read_timeout 300ms;
        }
        location /dead/ {
            proxy_pass http://127.0.0.1:$dead;
        }
        location /static/ {
            alias $d/html/;
        }
        location = /redirect {
            return 301 /api/elsewhere;
        }
        location = /fail {
            return 500;
        }
        location = /health {
            interloom off;
            return 200 "ok\\n";
        }
    }
EOF

my $UUID4 = qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
my $TS = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

my $TOKEN = $t->token;

sub get {
    my (%a) = @_;
    $a{headers} = [ Authorization => "Bearer $TOKEN", @{ $a{headers} // [] } ];
    return http_request(port => $port, %a);
}

sub identity_ok {
    my ($res, $what) = @_;
    my @ids = Interloom::Test::header_values($res, 'X-Request-Id');
    my @ts = Interloom::Test::header_values($res, 'X-Response-Timestamp');
    is(scalar @ids, 1, "$what: one X-Request-Id");
    like($ids[0] // '', $UUID4, "$what: X-Request-Id is a UUID v4");
    is(scalar @ts, 1, "$what: one X-Response-Timestamp");
    like($ts[0] // '', $TS, "$what: X-Response-Timestamp format");
    if ($ts[0] && $ts[0] =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)Z$/) {
        require POSIX;
        my $when = POSIX::mktime($6, $5, $4, $3, $2 - 1, $1 - 1900);
        my $now = time() + (POSIX::mktime(gmtime(0)) * -1);
        cmp_ok(abs($when - $now), '<=', 5, "$what: timestamp is now (UTC)");
    }
}

sub envelope_ok {
    my ($res, $status, $code, $message) = @_;
    is($res->{status}, $status, "status $status");
    is($res->{h}{'content-type'}, 'application/json',
       "$status: application/json");
    is($res->{body},
       qq({"error":{"code":"$code","message":"$message"}}),
       "$status: envelope $code");
    is($res->{h}{'content-length'}, length $res->{body},
       "$status: exact Content-Length");
}

# a proxied 200: the upstream sees the same id the client gets back
my $r = get(path => '/api/things', headers => [
    'X-Mock-Header' => 'X-Request-Id: upstream-made-this',
    'X-Mock-Header' => 'X-Response-Timestamp: 1999-01-01T00:00:00Z' ]);
is($r->{status}, 200, 'proxied 200');
identity_ok($r, 'proxied 200');
my $seen = $t->upstream_requests->[-1];
is($seen->{headers}{'x-request-id'}, $r->{h}{'x-request-id'},
   'upstream got the request id via $interloom_request_id');
unlike(join(' ', map { $_->[1] } @{ $r->{headers} }), qr/upstream-made-this/,
       "the upstream's own X-Request-Id is replaced");

# an incoming id: kept when a UUID (any version, any case), else replaced
$r = get(path => '/api/x', headers => [
    'X-Request-Id' => 'A1B2C3D4-E5F6-1890-ABCD-EF1234567890' ]);
is($r->{h}{'x-request-id'}, 'a1b2c3d4-e5f6-1890-abcd-ef1234567890',
   'a valid incoming id is kept, lowercased');
is($t->upstream_requests->[-1]{headers}{'x-request-id'},
   'a1b2c3d4-e5f6-1890-abcd-ef1234567890', 'and forwarded');

for my $bad ('not-a-uuid', 'a1b2c3d4e5f61890abcdef1234567890',
             'a1b2c3d4-e5f6-1890-abcd-ef123456789g',
             'a1b2c3d4-e5f6-1890-abcd-ef12345678901',
             'a1b2c3d4-e5f6-1890-abcd_ef1234567890', '{}', '')
{
    $r = get(path => '/api/x', headers => [ 'X-Request-Id' => $bad ]);
    like($r->{h}{'x-request-id'}, $UUID4, "invalid id '$bad' is replaced");
    isnt($r->{h}{'x-request-id'}, lc $bad, "  and not echoed");
}

$r = get(path => '/api/x', headers => [
    'X-Request-Id' => 'a1b2c3d4-e5f6-1890-abcd-ef1234567890',
    'X-Request-Id' => 'b1b2c3d4-e5f6-1890-abcd-ef1234567890' ]);
like($r->{h}{'x-request-id'}, $UUID4, 'two incoming ids: a fresh one');
ok($r->{h}{'x-request-id'} !~ /^[ab]1b2c3d4/, '  neither of them');

# nginx's own pages
$r = get(path => '/dead/x');
envelope_ok($r, 502, 'bad_gateway', 'Bad gateway.');
identity_ok($r, '502');

$r = get(path => '/slow/x', headers => [ 'X-Mock-Delay' => 2000 ]);
envelope_ok($r, 504, 'gateway_timeout', 'Gateway timeout.');
identity_ok($r, '504');

$r = get(path => '/api/x', method => 'POST', body => 'x' x 2048);
envelope_ok($r, 413, 'payload_too_large', 'The request body is too large.');
identity_ok($r, '413');

$r = get(path => '/static/missing.json');
envelope_ok($r, 404, 'not_found', 'Not found.');
identity_ok($r, '404');

$r = get(path => '/static/file.json', method => 'POST', body => '{}');
envelope_ok($r, 405, 'method_not_allowed', 'Method not allowed.');
identity_ok($r, '405');

$r = get(path => '/fail');
envelope_ok($r, 500, 'internal_error', 'Internal server error.');
identity_ok($r, '500');

$r = get(path => '/redirect');
is($r->{status}, 301, 'redirect');
identity_ok($r, '301');

# HEAD and 304
$r = get(path => '/static/file.json', method => 'HEAD');
is($r->{status}, 200, 'HEAD');
is($r->{body}, '', 'HEAD: no body');
identity_ok($r, 'HEAD');

my $etag = get(path => '/static/file.json')->{h}{etag};
ok($etag, 'static file has an ETag');
$r = get(path => '/static/file.json', headers => [ 'If-None-Match' => $etag ]);
is($r->{status}, 304, '304 Not Modified');
identity_ok($r, '304');

$r = get(path => '/api/x', method => 'HEAD', headers => [
    'X-Mock-Status' => 502 ]);
is($r->{status}, 502, 'HEAD of an upstream 502');
identity_ok($r, 'HEAD 502');

# an upstream's JSON error passes as it is
$r = get(path => '/api/x', headers => [ 'X-Mock-Status' => 409,
                                        'X-Mock-Body' => 'envelope:conflict' ]);
is($r->{status}, 409, 'upstream 409 passes');
like($r->{body}, qr/"code" : "conflict"/, 'with its own body');

# a location with "interloom off" is left alone
$r = get(path => '/health');
is($r->{status}, 200, 'interloom off: 200');
ok(!exists $r->{h}{'x-request-id'}, 'interloom off: no X-Request-Id');
ok(!exists $r->{h}{'x-response-timestamp'},
   'interloom off: no X-Response-Timestamp');

# 10,000 sequential requests, 10,000 distinct ids
my $sock;
my %ids;
my $fail = 0;
for my $i (1 .. 10000) {
    my $res = http_request(port => $port, path => '/redirect', sock => $sock,
                           headers => [ Authorization => "Bearer $TOKEN" ]);
    $sock = $res->{sock};
    my $id = $res->{h}{'x-request-id'};
    $fail++ unless defined $id && $id =~ $UUID4;
    $ids{$id // ''}++;
}
is($fail, 0, '10,000 responses carry a UUID v4');
is(scalar keys %ids, 10000, '10,000 distinct request ids');

done_testing;
