#!/usr/bin/perl
# Reaching Redis: a password, an ACL user, a database number, a unix
# socket; a wrong password is a Redis failure under the failure policy.

use strict;
use warnings;

use Test::More;
use lib 't/lib';
use Interloom::Test qw(http_request);

my $t = Interloom::Test->new;
my $d = $t->dir;
my $up = $t->upstream_start;
my $secret = $t->secret_file;

my $redis = $t->redis_start(password => 'sesame',
                            unixsocket => "$d/redis.sock");

# an ACL user that may run the script on the module's keys only
is($t->redis_auth('redis', 'sesame', 'ACL', 'SETUSER', 'gateway', 'on',
                  '>opensesame', '~interloom:*', '+evalsha', '+eval',
                  '+time', '+get', '+incr', '+exists', '+expireat'),
   'OK', 'an ACL user for the gateway, with what the script runs');

my %port = map { $_ => $t->port($_) } qw(password acl unix wrong);

my %redis = (
    password => "127.0.0.1:$redis password=sesame db=3",
    acl      => "127.0.0.1:$redis user=gateway password=opensesame",
    unix     => "unix:$d/redis.sock password=sesame",
    wrong    => "127.0.0.1:$redis password=not-it",
);

for my $name (sort keys %port) {
    $t->nginx_start(<<"EOF", name => "nginx-$name", ports => [$port{$name}]);
    interloom_redis $redis{$name};
    interloom_redis_timeout 500ms;

    server {
        listen 127.0.0.1:$port{$name};
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit 10r/m;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }
    }
EOF
}

sub call {
    my ($name, $jti) = @_;
    return http_request(port => $port{$name}, path => '/x', headers => [
        Authorization => 'Bearer ' . $t->token(jti => $jti) ]);
}

for my $name (qw(password acl unix)) {
    my $res = call($name, "key-$name");
    is($res->{status}, 200, "$name: 200");
    is($res->{h}{'x-ratelimit-remaining'}, 9, "$name: counted in Redis");
}

my $window = int($t->redis_auth('redis', 'sesame', 'TIME')->[0] / 60) * 60;
is($t->redis_auth('redis', 'sesame', 'SELECT', '3'), 'OK', 'db 3');
my $in3 = $t->redis_db('redis', 'sesame', 3, 'GET',
                       "interloom:{key-password}:$window");
is($in3, 1, 'db=3: the counter lives in database 3');

my $res = call('wrong', 'key-wrong');
is($res->{status}, 200, 'a wrong password: fail-open');
ok(!exists $res->{h}{'x-ratelimit-limit'}, 'a wrong password: no count');
like($t->error_log, qr/interloom: redis 127\.0\.0\.1:$redis refused AUTH: WRONGPASS/,
     'the refused AUTH is logged');

done_testing;
