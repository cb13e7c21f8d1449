#!/usr/bin/perl
# Requests counted together: many HTTP/2 streams in one write reach the
# count in one cycle of nginx's event loop and share one call of the
# script.  Each still gets its own answer: a revoked key, an override of 0,
# a counter of the wrong type, a stream reset before the call.  Against a
# Redis in cluster mode, whose calls may name one slot only, the worker
# falls back to a call per request by itself.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Interloom::Test;
use Interloom::H2;

my $t = Interloom::Test->new;
my $d = $t->dir;
my $redis = $t->redis_start;
# the cluster bus port is given: by default it is the port + 10000, which
# a free port above 55535 would push out of range
my $cluster = $t->redis_start(name => 'cluster', args => [
    '--cluster-enabled', 'yes', '--cluster-config-file', "$d/nodes.conf",
    '--cluster-port', Interloom::Test::free_port() ]);
my $secret = $t->secret_file;

# the one node of the cluster owns every slot
$t->redis('cluster', 'CLUSTER', 'ADDSLOTSRANGE', 0, 16383);
for (1 .. 100) {
    last if $t->redis('cluster', 'CLUSTER', 'INFO') =~ /cluster_state:ok/;
    sleep 0.1;
}
like($t->redis('cluster', 'CLUSTER', 'INFO'), qr/cluster_state:ok/,
     'a one-node Redis Cluster is up');

mkdir "$d/s" or die "$!\n";
open(my $f, '>', "$d/s/ok") or die "$!\n";
print $f "ok\n";
close $f;

sub conf {
    my ($redis_port, $listen) = @_;
    return <<"EOF";
    interloom_redis 127.0.0.1:$redis_port;
    interloom_redis_timeout 2s;
    server {
        listen 127.0.0.1:$listen http2;
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit 100r/m;
        interloom_revocation on;
        interloom_rate_limit_overrides on;
        location / {
            alias $d/s/;
        }
    }
EOF
}

my $n = 0;
sub fresh { 'batch-' . $$ . '-' . ++$n }

sub redis_time { $t->redis($_[0], 'TIME')->[0] }

sub commandstat {
    my ($name, $cmd) = @_;
    my $info = $t->redis($name, 'INFO', 'commandstats');
    return $info =~ /cmdstat_$cmd:calls=(\d+)/ ? $1 : 0;
}

# Keeps a burst inside one minute of Redis's clock.
sub wait_for_window {
    my ($name) = @_;
    my $s = redis_time($name) % 60;
    sleep(60 - $s + 0.2) if $s > 55;
}

# --- a standalone Redis: one call, each request its own answer ----------------

my $h2 = $t->port('h2');
$t->nginx_start(conf($redis, $h2), ports => [$h2]);

wait_for_window('redis');
my $window = int(redis_time('redis') / 60) * 60;
my @jti = map { fresh() } 1 .. 21;
# 0..15 plain, 16 revoked, 17 an override of 0, 18 a counter of the wrong
# type, 19 reset by the client in the same write, 20 revoked with a
# counter of the wrong type (the flag alone decides)
$t->redis('redis', 'SET', "interloom:{$jti[16]}:revoked", '1');
$t->redis('redis', 'SET', "interloom:{$jti[17]}:limit", '0');
$t->redis('redis', 'HSET', "interloom:{$jti[18]}:$window", 'a', 'b');
$t->redis('redis', 'SET', "interloom:{$jti[20]}:revoked", '1');
$t->redis('redis', 'HSET', "interloom:{$jti[20]}:$window", 'a', 'b');

my $before = commandstat('redis', 'evalsha');
my $s = Interloom::H2::connect_h2($h2);
my @ids = Interloom::H2::burst($s, [
    map { { path => '/ok', token => $t->token(jti => $jti[$_]),
            rst => $_ == 19 } } 0 .. 20 ]);
my $st = Interloom::H2::statuses($s, [ @ids[0 .. 18], $ids[20] ], 10);
close $s;

is(scalar(grep { ($st->{$ids[$_]} // '') eq '200' } 0 .. 15), 16,
   'sixteen plain keys in one write: 200 each');
is($st->{$ids[16]}, 401, 'the revoked key among them: 401');
is($st->{$ids[17]}, 429, 'the key with an override of 0: 429');
is($st->{$ids[18]}, 200, 'the counter of the wrong type fails open: 200');
is($st->{$ids[20]}, 401,
   'a revoked key whose counter cannot be read: still 401');
my $calls = commandstat('redis', 'evalsha') - $before;
ok($calls >= 1 && $calls <= 3,
   "counted in $calls script calls, not one per request");
is(scalar(grep {
       ($t->redis('redis', 'GET', "interloom:{$jti[$_]}:$window") // 0)
       == 1 } 0 .. 15), 16, 'each plain key counted once');
is($t->redis('redis', 'GET', "interloom:{$jti[16]}:$window"), undef,
   'the revoked key is not counted against itself');
is($t->redis('redis', 'GET', "interloom:{$jti[19]}:$window"), undef,
   'the stream reset before the call is not counted');
like($t->error_log, qr/error reply "WRONGTYPE/,
     'the wrong type is logged for its request');

# --- a Redis Cluster behind one address ---------------------------------------

my $h2c = $t->port('h2c');
$t->nginx_start(conf($cluster, $h2c), name => 'nginx-cluster',
                ports => [$h2c]);

wait_for_window('cluster');
$window = int(redis_time('cluster') / 60) * 60;
@jti = map { fresh() } 1 .. 20;
$t->redis('cluster', 'SET', "interloom:{$jti[19]}:revoked", '1');

$s = Interloom::H2::connect_h2($h2c);
@ids = Interloom::H2::burst($s, [
    map { { path => '/ok', token => $t->token(jti => $jti[$_]) } } 0 .. 19 ]);
$st = Interloom::H2::statuses($s, \@ids, 10);

is(scalar(grep { ($st->{$ids[$_]} // '') eq '200' } 0 .. 18), 19,
   'cluster: nineteen keys in one write: 200 each');
is($st->{$ids[19]}, 401, 'cluster: the revoked key among them: 401');
is(scalar(grep {
       ($t->redis('cluster', 'GET', "interloom:{$jti[$_]}:$window") // 0)
       == 1 } 0 .. 18), 19,
   'cluster: each counted once, one call a request after CROSSSLOT');
like($t->error_log,
     qr/redis refused a call that counts several keys \(CROSSSLOT\)/,
     'the fallback is logged');

# the next burst goes one call a request from the start
$before = commandstat('cluster', 'evalsha');
@ids = Interloom::H2::burst($s, [
    map { { path => '/ok', token => $t->token(jti => fresh()) } } 1 .. 10 ],
    first_sid => 41);
$st = Interloom::H2::statuses($s, \@ids, 10);
close $s;
is(scalar(grep { ($st->{$_} // '') eq '200' } @ids), 10,
   'cluster: the next burst: 200 each');
is(commandstat('cluster', 'evalsha') - $before, 10, '  one call a request');

# The fallback while a batch is filling in the same cycle: a worker that
# has not met CROSSSLOT yet sends a call of four (Redis stopped, so it
# waits); the worker is stopped too, eight more streams arrive on another
# connection, and both resume: the refusal of the four and the eight new
# requests land in one cycle, with the open batch exactly full.
{
    my $h2d = $t->port('h2d');
    my $pid = $t->nginx_start(conf($cluster, $h2d), name => 'nginx-fill',
                              ports => [$h2d]);
    my ($worker) = grep { /^\d+$/ }
        split /\s+/, `ps -o pid= --ppid $pid`;
    ok($worker, "the worker ($worker)");
    wait_for_window('cluster');
    $window = int(redis_time('cluster') / 60) * 60;
    my @k = map { fresh() } 1 .. 12;
    my $b = Interloom::H2::connect_h2($h2d);
    my $a = Interloom::H2::connect_h2($h2d);
    sleep 0.3;
    my $redis_pid = $t->pid('cluster');
    kill 'STOP', $redis_pid;
    my @first = Interloom::H2::burst($a, [
        map { { path => '/ok', token => $t->token(jti => $k[$_]) } } 0 .. 3 ]);
    sleep 0.3;
    kill 'STOP', $worker;
    my @second = Interloom::H2::burst($b, [
        map { { path => '/ok', token => $t->token(jti => $k[$_]) } } 4 .. 11 ]);
    sleep 0.3;
    kill 'CONT', $redis_pid;
    sleep 0.3;
    kill 'CONT', $worker;
    my $sa = Interloom::H2::statuses($a, \@first, 10);
    my $sb = Interloom::H2::statuses($b, \@second, 10);
    close $a;
    close $b;
    is(scalar(grep { ($sa->{$_} // '') eq '200' } @first)
       + scalar(grep { ($sb->{$_} // '') eq '200' } @second), 12,
       'the twelve requests: 200 each');
    ok(kill(0, $worker), 'the worker is still there');
    unlike($t->error_log, qr/exited on signal/, 'no worker died');
    is(scalar(grep {
           ($t->redis('cluster', 'GET', "interloom:{$_}:$window") // 0)
           == 1 } @k), 12, 'each counted once');
    $t->stop('nginx-fill', 'QUIT');
}

done_testing;
