#!/usr/bin/perl
# nginx with the module under valgrind's memcheck, through the paths where
# memory goes wrong when it goes wrong: tokens (cache hits and misses),
# the rate limit with clients leaving while their Redis reply is pending,
# Redis stalled, killed and restarted, validation of in-memory and spooled
# bodies, 403 rewrites with held bodies, a reload with requests waiting.
# Every process must end with no error and no leak of its own.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Interloom::Test qw(http_request);

plan skip_all => 'valgrind is not installed'
    unless grep { -x "$_/valgrind" } split /:/, $ENV{PATH};

$ENV{TEST_VALGRIND} = 1;

my $t = Interloom::Test->new;
my $d = $t->dir;
my $redis = $t->redis_start;
my $up = $t->upstream_start;
my $port = $t->port('http');
my $secret = $t->secret_file;
my $spec = Interloom::Test::shared() . '/interloom-openapi/openapi.json';

my $conf = <<"EOF";
    interloom_redis 127.0.0.1:$redis;
    interloom_redis_timeout 2s;
    interloom_jwt_cache 4;
    client_body_buffer_size 1k;

    server {
        listen 127.0.0.1:$port;
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit 100000r/m;
        interloom_spec $spec;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }
    }
EOF

$t->nginx_start($conf, ports => [$port]);

sub call {
    my (%a) = @_;
    my $token = delete $a{token} // $t->token;
    my @h = @{ delete $a{headers} // [] };
    return http_request(port => $port, timeout => 30, %a,
                        headers => [ Authorization => "Bearer $token", @h ]);
}

sub pending {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
        or die "connect: $!";
    print $s "GET /api/v1/public/cases HTTP/1.1\r\nHost: x\r\n"
             . "Authorization: Bearer " . $t->token . "\r\n\r\n";
    return $s;
}

my $CASES = '/api/v1/public/cases';
my $JSON = [ 'Content-Type' => 'application/json' ];

# tokens: hits, misses past the cache's 4 entries, refusals
is(call(path => $CASES)->{status}, 200, 'a token');
is(call(path => $CASES)->{status}, 200, 'the same token, from the cache');
call(path => $CASES, token => $t->token(jti => "k$_")) for 1 .. 8;
is(call(path => $CASES, token => 'x.y.z')->{status}, 401, 'a bad token');

# validation: query, body in memory, body spooled to a file, JSON errors
is(call(path => "$CASES?limit=0")->{status}, 422, 'a bad query');
is(call(path => $CASES, method => 'POST', body => '{"title": 1}',
        headers => $JSON)->{status}, 422, 'a bad body');
is(call(path => $CASES, method => 'POST',
        body => '{"title": "' . ('x' x 5000) . '"}', headers => $JSON)
   ->{status}, 200, 'a valid body spooled to a file');
is(call(path => $CASES, method => 'POST',
        body => '{"title": [' . ('[' x 70), headers => $JSON)->{status},
   422, 'a deep, broken body');

# 403 and 404 rewrites, held bodies
is(call(path => "$CASES/abc", headers => [ 'X-Mock-Status' => 403 ])
   ->{status}, 404, 'a 403');
is(call(path => "$CASES/abc", headers => [
        'X-Mock-Status' => 404, 'X-Mock-Body' => 'envelope:case_not_found',
        'X-Mock-Chunked' => 1 ])->{status}, 404, 'a held 404');
is(call(path => "$CASES/abc", headers => [
        'X-Mock-Status' => 502, 'X-Mock-Body' => 'big:70000' ])->{status},
   502, 'a large 502');

# clients that leave while their reply is pending; the replies come later
kill 'STOP', $t->pid('redis');
for (1 .. 5) {
    my $s = pending();
    sleep 0.3;
    close $s;
}
sleep 1;
kill 'CONT', $t->pid('redis');
sleep 1;
is(call(path => $CASES)->{status}, 200, 'after the departed clients');

# Redis killed with requests in flight, then back
kill 'STOP', $t->pid('redis');
my @waiting = map { pending() } 1 .. 3;
sleep 0.5;
$t->stop('redis', 'KILL');
my $ok = grep { Interloom::Test::read_response($_, 'GET', 30)->{status}
                == 200 } @waiting;
is($ok, 3, 'requests in flight when Redis died: fail-open');
$t->redis_start;

my $back;
for (1 .. 40) {
    $back = call(path => $CASES)->{h}{'x-ratelimit-limit'};
    last if defined $back;
    sleep 0.5;
}
is($back, 100000, 'counting again after Redis came back');

# a reload with a request waiting on Redis
kill 'STOP', $t->pid('redis');
my $s = pending();
sleep 0.5;
$t->nginx_reload($conf);
sleep 2;
kill 'CONT', $t->pid('redis');
is(Interloom::Test::read_response($s, 'GET', 30)->{status}, 200,
   'a request waiting during a reload');
sleep 3;

$t->stop('nginx', 'QUIT');

my @reports = glob "$d/valgrind.*";
cmp_ok(scalar @reports, '>=', 3,
       'valgrind watched the master and the workers (' . @reports . ' logs)');
my $summaries = grep { $t->read_file((split m{/}, $_)[-1]) =~ /ERROR SUMMARY/ }
                @reports;
is($summaries, scalar @reports, 'every process finished under valgrind');

my @bad = $t->valgrind_errors;
is(scalar @bad, 0, 'valgrind: no error and no leak in any nginx process')
    or diag(substr(join("\n----\n", @bad), 0, 20000));
unlike($t->error_log, qr/\[(alert|crit|emerg)\]|open socket/,
       'no alert and no open socket left in the log');

done_testing;
