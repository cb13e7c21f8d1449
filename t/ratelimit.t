#!/usr/bin/perl
# The rate limit against a real redis-server: the exact boundary, the
# headers on every kind of response, one counter shared by two nginx,
# revocation, the per-key override, NOSCRIPT, a broken key, fail-open and
# fail-closed, recovery, a stalled Redis, and the reset at the minute edge.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use Interloom::Test qw(http_request);

my $t = Interloom::Test->new;
my $d = $t->dir;
my $redis = $t->redis_start;
my $up = $t->upstream_start;
my $port = $t->port('http');
my $port2 = $t->port('http2');
my $dead = Interloom::Test::free_port();
my $secret = $t->secret_file;

sub conf {
    my ($listen, %o) = @_;
    my $timeout = $o{timeout} // '500ms';
    my $batch = $o{batch} ? " batch=$o{batch}" : '';
    return <<"EOF";
    interloom_redis 127.0.0.1:$redis$batch;
    interloom_redis_timeout $timeout;
    log_format rl '\$interloom_request_id \$interloom_ratelimit_status '
                  '"\$interloom_auth_error"';

    server {
        listen 127.0.0.1:$listen;
        ${\ ($o{h2} ? "listen 127.0.0.1:$o{h2} http2;" : '') }
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit 5r/m;
        access_log $d/access-$listen.log rl;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }
        location /dead/ {
            proxy_pass http://127.0.0.1:$dead;
        }
        location /revocable/ {
            interloom_revocation on;
            interloom_rate_limit_overrides on;
            proxy_pass http://127.0.0.1:$up;
        }
        location /revocation-only/ {
            interloom_rate_limit off;
            interloom_revocation on;
            proxy_pass http://127.0.0.1:$up;
        }
        location /closed/ {
            interloom_redis_failure closed;
            proxy_pass http://127.0.0.1:$up;
        }
        location /big/ {
            interloom_rate_limit 100000r/m;
            proxy_pass http://127.0.0.1:$up;
        }
        location /static/ {
            root $d;
        }
        location /redirecting/ {
            root $d;
            error_page 404 = /api/after-redirect;
        }
        location /trying/ {
            try_files \$uri /api/after-try;
        }
        location /thousand/ {
            interloom_rate_limit 1000r/m;
            root $d;
        }
        location /burst/ {
            interloom_rate_limit 100000r/m;
            root $d;
        }
        location = /health {
            interloom off;
            return 200 "ok\\n";
        }
    }
EOF
}

my $porth2 = $t->port('h2');
$t->nginx_start(conf($port, h2 => $porth2), ports => [$port, $porth2]);

my $n = 0;
sub fresh_key { 'key-' . $$ . '-' . ++$n }

sub call {
    my (%a) = @_;
    my @auth = exists $a{token} ? ($a{token} ? (Authorization => "Bearer $a{token}") : ())
             : (Authorization => 'Bearer ' . $t->token(jti => $a{jti}));
    return http_request(port => $a{port} // $port,
                        path => $a{path} // '/api/x',
                        headers => [ @auth, @{ $a{headers} // [] } ]);
}

sub rl_ok {
    my ($res, $limit, $remaining, $what) = @_;
    my @l = Interloom::Test::header_values($res, 'X-RateLimit-Limit');
    my @r = Interloom::Test::header_values($res, 'X-RateLimit-Remaining');
    my @s = Interloom::Test::header_values($res, 'X-RateLimit-Reset');
    is_deeply(\@l, [$limit], "$what: X-RateLimit-Limit $limit");
    is_deeply(\@r, [$remaining], "$what: X-RateLimit-Remaining $remaining");
    is(scalar @s, 1, "$what: one X-RateLimit-Reset");
    ok(@s && $s[0] % 60 == 0 && $s[0] > time() - 1 && $s[0] <= time() + 61,
       "$what: X-RateLimit-Reset is the end of this minute");
}

sub no_rl {
    my ($res, $what) = @_;
    my @h = grep { $_->[0] =~ /^X-RateLimit-/i } @{ $res->{headers} };
    is(scalar @h, 0, "$what: no X-RateLimit-* header");
}

sub redis_time { $t->redis('redis', 'TIME')->[0] }

# Stay clear of a minute's edge: sequences below must fit in one window.
sub wait_for_window {
    my ($need) = @_;
    my $s = redis_time() % 60;
    if ($s > 60 - $need) {
        sleep(60 - $s + 0.2);
    }
}

sub commandstat {
    my ($cmd) = @_;
    my $info = $t->redis('redis', 'INFO', 'commandstats');
    return $info =~ /cmdstat_$cmd:calls=(\d+)/ ? $1 : 0;
}

sub log_line {
    my ($res, $p) = @_;
    my $id = $res->{h}{'x-request-id'} // 'none';
    for (1 .. 50) {
        my ($l) = grep { /^\Q$id\E / }
                  split /\n/, $t->read_file('access-' . ($p // $port) . '.log');
        return $l if $l;
        sleep 0.02;
    }
    return '';
}

# --- the boundary -------------------------------------------------------------

wait_for_window(15);

my $key = fresh_key();
my $before_up = $t->upstream_count;
my $evalsha = commandstat('evalsha');

for my $i (1 .. 5) {
    my $res = call(jti => $key, headers => [
        'X-Mock-Header' => 'X-RateLimit-Limit: 999',
        'X-Mock-Header' => 'X-RateLimit-Remaining: 999' ]);
    is($res->{status}, 200, "request $i of 5: 200");
    rl_ok($res, 5, 5 - $i, "request $i");
}

my $res = call(jti => $key);
is($res->{status}, 429, 'request 6: 429');
is($res->{body}, '{"error":{"code":"rate_limit_exceeded","message":'
                 . '"Too many requests. Try again later."}}', '429 envelope');
is($res->{h}{'content-type'}, 'application/json', '429: JSON');
rl_ok($res, 5, 0, '429');
my $reset = $res->{h}{'x-ratelimit-reset'};
my $retry = $res->{h}{'retry-after'};
ok(defined $retry && $retry =~ /^\d+$/ && $retry >= 1 && $retry <= 60,
   "Retry-After is whole seconds until the reset ($retry)");
cmp_ok(abs(($reset - redis_time()) - $retry), '<=', 1,
       'Retry-After matches X-RateLimit-Reset');
like(log_line($res), qr/ limited /, '$interloom_ratelimit_status limited');

is($t->upstream_count - $before_up, 5, 'the 429 did not reach the upstream');
is(commandstat('evalsha') - $evalsha, 6, 'exactly one EVALSHA per request');

my $ttl = $t->redis('redis', 'TTL', "interloom:{$key}:" . ($reset - 60));
ok($ttl > 0 && $ttl <= 121, "the counter carries a TTL ($ttl)");

# many concurrent requests on one HTTP/2 connection (h2load multiplexes
# them; curl 7.88 cannot, even against nginx alone): the requests of one
# cycle of the event loop are counted by one call of the script, each
# exactly once
sub h2_burst {
    my ($h2port, $what) = @_;
    wait_for_window(10);
    my $jti = fresh_key();
    my $tok = $t->token(jti => $jti);
    my %before = map { $_ => commandstat($_) } qw(evalsha incr);
    my $out = `h2load -n 40 -c 1 -m 40 -H 'Authorization: Bearer $tok' http://127.0.0.1:$h2port/big/h2 2>&1`;
    like($out, qr/requests: 40 total, 40 started, 40 done, 40 succeeded/,
         "$what: 40 concurrent requests on one HTTP/2 connection");
    like($out, qr/status codes: 40 2xx/, '  all 2xx');
    is(commandstat('incr') - $before{incr}, 40, '  each counted once');
    my $window = int(redis_time() / 60) * 60;
    is($t->redis('redis', 'GET', "interloom:{$jti}:$window"), 40,
       '  the counter holds 40');
    return commandstat('evalsha') - $before{evalsha};
}

my $calls = h2_burst($porth2, 'batch=64 (the default)');
ok($calls >= 1 && $calls < 40, "  in fewer calls than requests ($calls)");

# batch=1: one call per request, as a proxy in front of a cluster needs
{
    my $p = $t->port('batch1');
    my $h = $t->port('batch1h2');
    $t->nginx_start(conf($p, h2 => $h, batch => 1), name => 'batch1',
                    ports => [$p, $h]);
    is(h2_burst($h, 'batch=1'), 40, '  with exactly one EVALSHA each');
    $t->stop('batch1', 'QUIT');
}

# The script on its own, one call for seven requests: a counted key, a
# revoked one (not counted, its count so far), an override, a counter of
# the wrong type (that request fails alone), the revocation flag alone,
# an override of 0 (counted, so refused), and a revoked key whose counter
# is of the wrong type (still revoked).
{
    open(my $fh, '<', $t->root . '/src/il_ratelimit.c') or die "$!\n";
    my $src = do { local $/; <$fh> };
    my ($body) = $src =~ /il_ratelimit_script\[\] =\n(.*?);\n/s;
    my $script = join '', $body =~ /"((?:[^"\\]|\\.)*)"/g;
    $script =~ s/\\n/\n/g;
    $script =~ s/\\(.)/$1/g;

    wait_for_window(5);
    my @k = map { 'interloom:{' . fresh_key() . '}' } 1 .. 6;
    my $window = int(redis_time() / 60) * 60;
    $t->redis('redis', 'SET', "$k[1]:revoked", '1');
    $t->redis('redis', 'SET', "$k[1]:$window", '7');
    $t->redis('redis', 'SET', "$k[2]:limit", '2');
    $t->redis('redis', 'HSET', "$k[3]:$window", 'a', 'b');
    $t->redis('redis', 'SET', "$k[5]:limit", '0');
    push @k, 'interloom:{' . fresh_key() . '}';
    $t->redis('redis', 'SET', "$k[6]:revoked", '1');
    $t->redis('redis', 'HSET', "$k[6]:$window", 'a', 'b');
    my $r = $t->redis('redis', 'EVAL', $script, 7, @k,
                      5, 0, 0,   5, 1, 1,   5, 1, 1,
                      5, 0, 0,   0, 1, 0,   5, 0, 1,   5, 1, 0);
    is(ref $r, 'ARRAY', 'one call for seven requests');
    is(scalar @$r, 2 + 3 * 7, '  {reset, now} and three numbers each');
    is($r->[0], $window + 60, '  the window ends at the minute');
    is_deeply([ @$r[2 .. 4] ], [1, 1, 5], '  counted');
    is_deeply([ @$r[5 .. 7] ], [0, 7, 5], '  revoked: not counted');
    is($t->redis('redis', 'GET', "$k[1]:$window"), 7, '  (still 7)');
    is_deeply([ @$r[8 .. 10] ], [1, 1, 2], '  the override applies');
    is($r->[11], -1, '  a counter of the wrong type fails its request');
    like($r->[12], qr/^WRONGTYPE/, '  with Redis\'s error');
    is_deeply([ @$r[14 .. 16] ], [1, 0, 0],
              '  the revocation flag alone: nothing counted');
    is_deeply([ @$r[17 .. 19] ], [1, 1, 0], '  an override of 0 refuses');
    is_deeply([ @$r[20 .. 22] ], [0, 0, 5],
              '  revoked with an unreadable counter: revoked, count 0');
    is($t->redis('redis', 'TTL', "$k[0]:$window") > 60, 1,
       '  a new counter carries its TTL');
}

# a key is one counter wherever it is used; a bigger location still counts
$res = call(jti => $key, path => '/big/x');
is($res->{status}, 200, 'the same key under a larger limit: 200');
rl_ok($res, 100000, 100000 - 7, 'larger limit');

# --- the API's own figure: 1,000 a minute --------------------------------------

wait_for_window(15);
$key = fresh_key();
my $tok = $t->token(jti => $key);
my ($sock, $last, $wrong) = (undef, undef, 0);
for my $i (1 .. 1000) {
    $last = http_request(port => $port, path => '/thousand/none', sock => $sock,
                         headers => [ Authorization => "Bearer $tok" ]);
    $sock = $last->{sock};
    $wrong++ if ($last->{h}{'x-ratelimit-remaining'} // -1) != 1000 - $i;
}
is($wrong, 0, '1,000 requests, each with its exact X-RateLimit-Remaining');
is($last->{status}, 404, 'the 1,000th is served');
is($last->{h}{'x-ratelimit-remaining'}, 0, 'the 1,000th: Remaining 0');
$res = http_request(port => $port, path => '/thousand/none', sock => $sock,
                    headers => [ Authorization => "Bearer $tok" ]);
is($res->{status}, 429, 'the 1,001st: 429');
is($res->{h}{'x-ratelimit-remaining'}, 0, 'Remaining never goes below 0');
is($res->{h}{'x-ratelimit-limit'}, 1000, 'X-RateLimit-Limit 1000');

# --- internal redirects do not count a request twice ------------------------

wait_for_window(10);
$key = fresh_key();
$res = call(jti => $key, path => '/redirecting/missing.json');
is($res->{status}, 200, 'error_page redirect: served by the fallback');
rl_ok($res, 5, 4, 'error_page redirect: counted once');
$res = call(jti => $key, path => '/trying/missing.json');
is($res->{status}, 200, 'try_files fallback: served');
rl_ok($res, 5, 3, 'try_files fallback: counted once');

# --- headers on every kind of response ---------------------------------------

wait_for_window(10);

$res = call(jti => fresh_key(), path => '/dead/x');
is($res->{status}, 502, 'upstream down: 502');
rl_ok($res, 5, 4, '502');

$res = call(jti => fresh_key(), path => '/static/missing.json');
is($res->{status}, 404, 'nginx 404');
rl_ok($res, 5, 4, 'nginx 404');

$res = call(jti => fresh_key(), path => '/api/x',
            headers => [ 'X-Mock-Status' => 500, 'X-Mock-Body' => 'envelope:boom' ]);
is($res->{status}, 500, 'upstream 500');
rl_ok($res, 5, 4, 'upstream 500');

# no valid token: counted by address, 401 under the limit, 429 over it
$t->redis('redis', 'DEL', 'interloom:addr:{ip:127.0.0.1}:' . (int(redis_time() / 60) * 60));
for my $i (1 .. 5) {
    $res = call(token => 'garbage');
    is($res->{status}, 401, "bad token $i: 401");
    rl_ok($res, 5, 5 - $i, "bad token $i");
}
$res = call(token => undef);
is($res->{status}, 429, 'no token, over the limit: 429');
rl_ok($res, 5, 0, 'no token, 429');

$res = http_request(port => $port, path => '/health');
is($res->{status}, 200, 'interloom off location');
no_rl($res, 'interloom off');

# --- two nginx, one Redis, one counter ----------------------------------------

$t->nginx_start(conf($port2), name => 'nginx2', ports => [$port2]);
wait_for_window(10);
$key = fresh_key();
for my $i (1 .. 5) {
    $res = call(jti => $key, port => $i % 2 ? $port : $port2);
    rl_ok($res, 5, 5 - $i, "shared counter, request $i on nginx " . ($i % 2 ? 1 : 2));
}
is(call(jti => $key, port => $port2)->{status}, 429,
   'shared counter: the 6th is refused by the other nginx');
$t->stop('nginx2', 'QUIT');

# --- revocation and the per-key override --------------------------------------

wait_for_window(10);
$key = fresh_key();
$res = call(jti => $key, path => '/revocable/x');
rl_ok($res, 5, 4, 'before revocation');

$t->redis('redis', 'SET', "interloom:{$key}:revoked", '1');
my $addr = 'interloom:addr:{ip:127.0.0.1}:' . (int(redis_time() / 60) * 60);
$t->redis('redis', 'DEL', $addr);
$res = call(jti => $key, path => '/revocable/x');
is($res->{status}, 401, 'revoked key: 401');
like($res->{h}{'www-authenticate'},
     qr/^Bearer realm="interloom", error="invalid_token", error_description="[^"]+"$/,
     'revoked key: invalid_token');
like(log_line($res), qr/"revoked"$/, '$interloom_auth_error revoked');
rl_ok($res, 5, 4, 'a revoked key is counted by address, like a bad token');
is($t->redis('redis', 'GET', $addr), 1, '  in the address counter');
is($t->redis('redis', 'GET',
             "interloom:{$key}:" . (int(redis_time() / 60) * 60)),
   1, '  and not against the key');
call(jti => $key, path => '/revocable/x') for 1 .. 4;
$res = call(jti => $key, path => '/revocable/x');
is($res->{status}, 429, 'a flood with a revoked key meets the limit');
is(call(jti => $key, path => '/api/x')->{status}, 200,
   'revocation is not consulted where it is off');
$res = call(jti => $key, path => '/revocation-only/x');
is($res->{status}, 401, 'revocation without a rate limit: 401');
no_rl($res, 'revocation without a rate limit');
$t->redis('redis', 'DEL', "interloom:{$key}:revoked");

$key = fresh_key();
$t->redis('redis', 'SET', "interloom:{$key}:limit", '2');
rl_ok(call(jti => $key, path => '/revocable/x'), 2, 1, 'override 2');
rl_ok(call(jti => $key, path => '/revocable/x'), 2, 0, 'override 2');
is(call(jti => $key, path => '/revocable/x')->{status}, 429,
   'the override limits the key');
$t->redis('redis', 'SET', "interloom:{$key}:limit", '50');
rl_ok(call(jti => $key, path => '/revocable/x'), 50, 46,
      'raised without a reload');

# --- NOSCRIPT after SCRIPT FLUSH ----------------------------------------------

$t->redis('redis', 'SCRIPT', 'FLUSH');
my $eval = commandstat('eval');
$res = call(jti => fresh_key());
is($res->{status}, 200, 'after SCRIPT FLUSH: 200');
rl_ok($res, 5, 4, 'after SCRIPT FLUSH');
is(commandstat('eval') - $eval, 1, 'the script was resent once with EVAL');
$res = call(jti => fresh_key());
rl_ok($res, 5, 4, 'the next request uses EVALSHA again');
is(commandstat('eval') - $eval, 1, '  and no other EVAL');

# --- a key of the wrong type is a Redis failure -------------------------------

wait_for_window(5);
$key = fresh_key();
my $window = int(redis_time() / 60) * 60;
$t->redis('redis', 'HSET', "interloom:{$key}:$window", 'a', 'b');
$res = call(jti => $key);
is($res->{status}, 200, 'wrong-type counter: fail-open 200');
no_rl($res, 'wrong-type counter');
like(log_line($res), qr/ redis_error /, 'status redis_error');
like($t->error_log, qr/interloom: redis 127\.0\.0\.1:$redis: error reply .*WRONGTYPE/,
     'the bad reply is logged');
$t->redis('redis', 'DEL', "interloom:{$key}:$window");

# --- a stalled Redis stalls nothing else ---------------------------------------

kill 'STOP', $t->pid('redis');

my $t0 = time();
$res = call(jti => fresh_key());
my $took = time() - $t0;
is($res->{status}, 200, 'stalled Redis: fail-open');
cmp_ok($took, '<', 1.5, "stalled Redis costs about its timeout ($took s)");
like(log_line($res), qr/ redis_timeout /, 'status redis_timeout');

# a pending request, and meanwhile another location answers at once
my $slow = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
    or die;
print $slow "GET /api/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            . $t->token(jti => fresh_key()) . "\r\n\r\n";
$t0 = time();
$res = http_request(port => $port, path => '/health');
is($res->{status}, 200, 'an unrelated location answers while Redis stalls');
cmp_ok(time() - $t0, '<', 0.3, 'and answers at once');
$res = Interloom::Test::read_response($slow, 'GET', 5);
is($res->{status}, 200, 'the waiting request gets fail-open after the timeout');

# a client that leaves while its reply is pending
for (1 .. 5) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
        or die;
    print $s "GET /api/gone HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
             . $t->token(jti => fresh_key()) . "\r\n\r\n";
    close $s;
}
sleep 0.2;
kill 'CONT', $t->pid('redis');
sleep 0.5;
$res = call(jti => fresh_key());
is($res->{status}, 200, 'after the stall: 200');

# --- a burst of replies over 16 KiB, and a reload with requests pending --------

my $port3 = $t->port('http3');
mkdir "$d/burst";
open(my $okf, '>', "$d/burst/ok.json") or die;
print $okf "{}\n";
close $okf;
$t->nginx_start(conf($port3, timeout => '3s'), name => 'nginx3',
                ports => [$port3]);
call(port => $port3, jti => fresh_key());   # connected

kill 'STOP', $t->pid('redis');
my @socks;
for my $i (1 .. 600) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port3)
        or last;
    print $s "GET /burst/ok.json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
             . $t->token(jti => "burst-$$") . "\r\n\r\n";
    push @socks, $s;
}
kill 'CONT', $t->pid('redis');
my ($ok, $counted) = (0, 0);
my %seen;
for my $s (@socks) {
    my $r = Interloom::Test::read_response($s, 'GET', 10);
    $ok++ if $r->{status} == 200;
    my $rem = $r->{h}{'x-ratelimit-remaining'};
    $counted++ if defined $rem;
    $seen{$rem}++ if defined $rem;
    close $s;
}
is(scalar @socks, 600, '600 requests waiting on a paused Redis');
is($ok, 600, 'all of them answered 200');
is($counted, 600, 'all of them counted after the burst of replies');
is(scalar keys %seen, 600, 'each with its own count');

# reload while requests wait for Redis: the old worker finishes them and
# leaves no socket behind
kill 'STOP', $t->pid('redis');
my @pending;
for (1 .. 5) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port3)
        or die;
    print $s "GET /api/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
             . $t->token(jti => fresh_key()) . "\r\n\r\n";
    push @pending, $s;
}
sleep 0.2;
$t->nginx_reload(conf($port3, timeout => '3s'), name => 'nginx3');
sleep 0.5;
kill 'CONT', $t->pid('redis');
my $answered = grep { Interloom::Test::read_response($_, 'GET', 10)->{status}
                      == 200 } @pending;
is($answered, 5, 'requests pending during a reload are answered');
sleep 1;
unlike($t->error_log, qr/open socket/, 'no open socket left after reload');
$t->stop('nginx3', 'QUIT');

# --- Redis stopped: fail-open, fail-closed; then restarted ---------------------

$t->stop('redis');

$res = call(jti => fresh_key(), headers => [
    'X-Mock-Header' => 'X-RateLimit-Limit: 999',
    'X-Mock-Header' => 'X-RateLimit-Remaining: 998',
    'X-Mock-Header' => 'X-RateLimit-Reset: 12' ]);
is($res->{status}, 200, 'Redis down, fail-open: 200');
no_rl($res, "Redis down: upstream's copies removed too");

$res = call(jti => fresh_key(), path => '/closed/x');
is($res->{status}, 503, 'Redis down, fail-closed: 503');
is($res->{body}, '{"error":{"code":"service_unavailable",'
                 . '"message":"Service unavailable."}}', '503 envelope');
like(log_line($res), qr/ redis_(error|timeout) /, 'status redis_error');

$t->redis_start;
my $back = 0;
for (1 .. 100) {
    $res = call(jti => fresh_key());
    if (defined $res->{h}{'x-ratelimit-limit'}) { $back = 1; last }
    sleep 0.1;
}
ok($back, 'counting resumes after Redis restarts');

my $log = $t->error_log;
unlike($log, qr/\[(alert|emerg|crit)\]/, 'no alert, crit or emerg in the log');
unlike($log, qr/exited on signal/, 'no worker died');
my $warnings = () = $log =~ /the rate limit is not applied/g;
cmp_ok($warnings, '<=', 12, "fail-open warnings are throttled ($warnings)");

# --- the reset at the minute edge ----------------------------------------------

my $s = redis_time() % 60;
sleep(57 - $s) if $s < 57;
$key = fresh_key();
call(jti => $key) for 1 .. 5;
$res = call(jti => $key);
if ($res->{status} == 429) {
    my $r0 = $res->{h}{'x-ratelimit-reset'};
    sleep 0.2 while redis_time() < $r0;
    $res = call(jti => $key);
    is($res->{status}, 200, 'a new window: 200 again');
    rl_ok($res, 5, 4, 'the new window');
    is($res->{h}{'x-ratelimit-reset'}, $r0 + 60, 'the reset moved one minute');
} else {
    fail('the limit was not reached before the minute edge');
}

done_testing;
