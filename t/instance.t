#!/usr/bin/perl
# One gateway for the shared host and every dedicated instance: each Host
# reaches its own upstream, an unknown instance reaches none, a key works
# only on its own instance, and the rate limit knows nothing of hosts.

use strict;
use warnings;

use Test::More;
use lib 't/lib';
use Interloom::Test qw(http_request);

my $t = Interloom::Test->new;
my $d = $t->dir;
my $redis = $t->redis_start;
my %up = map { $_ => $t->upstream_start(name => $_) } qw(shared acme globex);
my $port = $t->port('http');
my $port2 = $t->port('http2');
my $secret = $t->secret_file;

$t->nginx_start(<<"EOF", ports => [$port, $port2]);
    interloom_redis 127.0.0.1:$redis;
    interloom_redis_timeout 500ms;

    upstream interloom_app    { server 127.0.0.1:$up{shared}; }
    upstream interloom_acme   { server 127.0.0.1:$up{acme}; }
    upstream interloom_globex { server 127.0.0.1:$up{globex}; }

    map \$interloom_instance \$interloom_upstream {
        default  "";
        app      interloom_app;
        acme     interloom_acme;
        globex   interloom_globex;
    }

    log_format inst '\$interloom_request_id "\$interloom_auth_error" '
                    '"\$interloom_instance"';

    server {
        listen 127.0.0.1:$port;
        server_name *.interloom.com interloom.com;

        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit 5r/m;
        interloom_instance_domain interloom.com;
        interloom_instance_upstream \$interloom_upstream;
        access_log $d/access.log inst;

        location / {
            proxy_pass http://\$interloom_upstream;
        }
    }

    # a host of its own, outside the domain, served by its own block
    server {
        listen 127.0.0.1:$port;
        server_name api.example.org;

        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit off;

        location / {
            proxy_pass http://127.0.0.1:$up{shared};
        }
    }

    # a server per instance with its own settings
    server {
        listen 127.0.0.1:$port2;
        server_name acme.interloom.com;

        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit 2r/m;
        interloom_instance_domain interloom.com;
        interloom_instance_upstream \$interloom_upstream;

        location / {
            proxy_pass http://\$interloom_upstream;
        }
    }
EOF

my $n = 0;
sub key { 'inst-' . $$ . '-' . ++$n }

sub call {
    my ($host, %a) = @_;
    my @auth = defined $a{token} ? (Authorization => "Bearer $a{token}") : ();
    return http_request(port => $a{port} // $port, path => '/api/v1/public/x',
                        host => $host, headers => \@auth);
}

sub reached {
    my ($name) = @_;
    return $t->upstream_count($name);
}

sub auth_error {
    my ($res) = @_;
    my $id = $res->{h}{'x-request-id'} // 'none';
    for (1 .. 50) {
        my ($l) = grep { /^\Q$id\E / } split /\n/, $t->read_file('access.log');
        return $1 if $l && $l =~ /"(.*?)"/;
        select(undef, undef, undef, 0.02);
    }
    return undef;
}

my $shared_token = $t->token(jti => key());
my $acme_token = $t->token(jti => key(), instance => 'acme');
my $globex_token = $t->token(jti => key(), instance => 'globex');

# each host reaches its own upstream
for my $case ([ 'app.interloom.com', $shared_token, 'shared' ],
              [ 'acme.interloom.com', $acme_token, 'acme' ],
              [ 'globex.interloom.com', $globex_token, 'globex' ])
{
    my ($host, $token, $name) = @$case;
    my %before = map { $_ => reached($_) } keys %up;
    my $res = call($host, token => $token);
    is($res->{status}, 200, "$host: 200");
    is(decode($res->{body})->{upstream}, $name, "$host: reached $name");
    is(reached($name) - $before{$name}, 1, "$host: one request to $name");
    my @others = grep { $_ ne $name } keys %up;
    is(0 + grep({ reached($_) != $before{$_} } @others), 0,
       "$host: no other upstream contacted");
}

sub decode { JSON::PP->new->decode($_[0] // '{}') }
use JSON::PP;

# host forms: port, trailing dot, upper case
for my $host ('acme.interloom.com:443', 'acme.interloom.com.',
              'ACME.Interloom.COM', 'Acme.interloom.com.:8443')
{
    my $res = call($host, token => $acme_token);
    is($res->{status}, 200, "Host '$host': 200");
    is(decode($res->{body})->{upstream}, 'acme', "Host '$host': acme");
}

# unknown instances: 404 instance_not_found, before the token, no upstream,
# no rate-limit headers
my %before = map { $_ => reached($_) } keys %up;
for my $host ('initech.interloom.com', 'interloom.com', 'a.b.interloom.com',
              'evil.com', 'acme.interloom.com.evil.com')
{
    for my $token (undef, 'garbage', $acme_token) {
        my $res = call($host, token => $token);
        is($res->{status}, 404, "Host '$host': 404");
        is($res->{body}, '{"error":{"code":"instance_not_found",'
                         . '"message":"Instance not found."}}',
           "Host '$host': instance_not_found");
        ok(!exists $res->{h}{'x-ratelimit-limit'},
           "Host '$host': no rate-limit headers");
        like($res->{h}{'x-request-id'} // '', qr/^[0-9a-f-]{36}$/,
             "Host '$host': X-Request-Id");
    }
}
is(0 + grep({ reached($_) != $before{$_} } keys %up), 0,
   'unknown instances reached no upstream');

# a host outside the domain with a server of its own is served there
my $res = call('api.example.org', token => $shared_token);
is($res->{status}, 200, 'a host with its own server block: 200');

# binding: a key only works on its own instance
my $WWW = qr/^Bearer realm="interloom", error="invalid_token", error_description="[^"]+"$/;
for my $case ([ 'globex.interloom.com', $acme_token, 'an acme key on globex' ],
              [ 'app.interloom.com', $acme_token, 'an acme key on the shared host' ],
              [ 'acme.interloom.com', $shared_token, 'a shared key on acme' ])
{
    my ($host, $token, $what) = @$case;
    %before = map { $_ => reached($_) } keys %up;
    $res = call($host, token => $token);
    is($res->{status}, 401, "$what: 401");
    is($res->{body}, '{"error":{"code":"unauthorized","message":'
                     . '"Missing or invalid authentication token."}}',
       "$what: unauthorized");
    like($res->{h}{'www-authenticate'} // '', $WWW, "$what: invalid_token");
    is(auth_error($res), 'instance', "$what: \$interloom_auth_error instance");
    ok(defined $res->{h}{'x-ratelimit-limit'},
       "$what: counted (rate-limit headers present)");
    is(0 + grep({ reached($_) != $before{$_} } keys %up), 0,
       "$what: no upstream contacted");
}

# a refused key is counted by address, not against the key
my $k = key();
my $tok = $t->token(jti => $k, instance => 'acme');
call('globex.interloom.com', token => $tok) for 1 .. 3;
$res = call('acme.interloom.com', token => $tok);
is($res->{h}{'x-ratelimit-remaining'}, 4,
   'requests refused for the wrong instance did not count against the key');

# one counter per key whatever the host: a server per instance with its
# own, smaller limit sees the same counter
$k = key();
$tok = $t->token(jti => $k, instance => 'acme');
is(call('acme.interloom.com', token => $tok)->{h}{'x-ratelimit-remaining'},
   4, 'first request on the shared server block: 4 left of 5');
$res = call('acme.interloom.com', token => $tok, port => $port2);
is($res->{h}{'x-ratelimit-limit'}, 2, 'the per-instance server has its limit');
is($res->{h}{'x-ratelimit-remaining'}, 0, 'and the same counter (2 of 2)');
$res = call('acme.interloom.com', token => $tok, port => $port2);
is($res->{status}, 429, 'the per-instance limit applies');
is($t->redis('redis', 'KEYS', "interloom:{$k}:*")->[0] =~ /^interloom:\{\Q$k\E\}:\d+$/
   ? 1 : 0, 1, 'the counter key holds nothing of the host');

done_testing;
