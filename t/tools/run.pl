#!/usr/bin/perl
# make run: Redis, the demo upstream and nginx with the module, all on
# 127.0.0.1, in the foreground; Ctrl-C stops everything.  Every file it
# writes lives in .run/.

use strict;
use warnings;

use Cwd qw(abs_path);
use FindBin;
use lib "$FindBin::Bin/../lib";
use File::Path qw(make_path);
use POSIX qw(WNOHANG);
use Interloom::Test;

$| = 1;

my $root = abs_path("$FindBin::Bin/../..");
my $run = "$root/.run";
make_path("$run/logs");
chmod 0755, $run, "$run/logs";

my $nginx_port = $ENV{INTERLOOM_PORT} // 8080;
my %upstream_port = (app => 8081, acme => 8082, globex => 8083);
my $redis_port = 6380;

my %pid;

sub start {
    my ($name, @cmd) = @_;
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>>', "$run/logs/$name.log");
        open(STDERR, '>&', \*STDOUT);
        exec(@cmd) or POSIX::_exit(127);
    }
    $pid{$name} = $pid;
}

sub stop_all {
    for my $name (qw(nginx app acme globex redis)) {
        my $pid = delete $pid{$name} or next;
        kill($name eq 'nginx' ? 'QUIT' : 'TERM', $pid);
        waitpid($pid, 0);
    }
}

$SIG{INT} = $SIG{TERM} = sub { print "\nstopping\n"; stop_all(); exit 0 };

# the example configuration, its system paths moved into .run/
open(my $in, '<', "$root/conf/nginx.conf") or die "conf/nginx.conf: $!\n";
my $conf = do { local $/; <$in> };
close $in;

$conf =~ s{/usr/lib/nginx/modules/ngx_http_interloom_module\.so}
          {$root/build/ngx_http_interloom_module.so}g;
$conf =~ s{/run/nginx-interloom\.pid}{$run/nginx.pid}g;
$conf =~ s{/var/log/nginx/}{$run/logs/}g;
$conf =~ s{/etc/nginx/interloom/openapi\.json}{$root/docs/openapi.json}g;
$conf =~ s{/run/nginx-interloom\.pid}{$run/nginx.pid}g;
$conf =~ s{/etc/nginx/interloom/}{$run/}g;
$conf =~ s{worker_processes auto;}{worker_processes 2;\ndaemon off;};
$conf =~ s{127\.0\.0\.1:8080}{127.0.0.1:$nginx_port}g;
$conf =~ s{127\.0\.0\.1:6379}{127.0.0.1:$redis_port}g;
$conf =~ s{(http \{\n)}{$1    client_body_temp_path $run/client_body;
    proxy_temp_path $run/proxy;
    fastcgi_temp_path $run/fastcgi;
    uwsgi_temp_path $run/uwsgi;
    scgi_temp_path $run/scgi;

};

open(my $out, '>', "$run/nginx.conf") or die "$run/nginx.conf: $!\n";
print $out $conf;
close $out;

# the demo's HMAC secret, made once, and tokens for a key of each instance
my $secret = "$run/hs256.key";
if (!-s $secret) {
    system('openssl', 'rand', '-out', $secret, '64') == 0
        or die "openssl rand failed\n";
}
chmod 0644, $secret;

require Interloom::Token;
my %token = map {
    $_ => Interloom::Token::mint(alg => 'HS256', key => $secret, claims => {
        org_id => "org-$_", jti => "demo-key-$_", sub => 'demo-actor',
        iat => time(), exp => time() + 30 * 86400,
        ($_ eq 'app' ? () : (instance => $_)) })
} qw(app acme);

start('redis', 'redis-server', '--bind', '127.0.0.1', '--port', $redis_port,
      '--save', '', '--appendonly', 'no', '--dir', $run);
for my $name (sort keys %upstream_port) {
    start($name, $^X, "-I$root/t/lib", "$root/t/tools/mock_upstream.pl",
          '--port', $upstream_port{$name}, '--demo', '--name', $name,
          '--log', "$run/logs/$name.requests");
}

Interloom::Test::wait_port($redis_port);
Interloom::Test::wait_port($_) for values %upstream_port;

my $test = `/usr/sbin/nginx -t -p $run -c $run/nginx.conf 2>&1`;
if ($? != 0) {
    print $test;
    stop_all();
    exit 1;
}

start('nginx', '/usr/sbin/nginx', '-p', $run, '-c', "$run/nginx.conf",
      '-e', "$run/logs/error.log");
Interloom::Test::wait_port($nginx_port);

my $resolve = "--resolve app.interloom.com:$nginx_port:127.0.0.1";
my $acme = "--resolve acme.interloom.com:$nginx_port:127.0.0.1";
my $base = "http://app.interloom.com:$nginx_port/api/v1/public";

print <<"TEXT";

The Interloom gateway runs on 127.0.0.1:$nginx_port, as the shared host
app.interloom.com and the dedicated instances acme and globex.
  Redis      127.0.0.1:$redis_port
  upstreams  app 127.0.0.1:$upstream_port{app}, acme $upstream_port{acme}, globex $upstream_port{globex} (demo)
  document   docs/openapi.json
  state      $run (logs in $run/logs)

A ready request, with a demo API key of the shared host:

  curl -i $resolve \\
    -H 'Authorization: Bearer $token{app}' \\
    $base/cases

More to try:
  a case another organization owns (the upstream says 403; you get 404):
    curl -i $resolve -H 'Authorization: Bearer $token{app}' $base/cases/c0ffee00-0000-4000-8000-000000000403
  an invalid body (422 with every problem):
    curl -i $resolve -H 'Authorization: Bearer $token{app}' -H 'Content-Type: application/json' -d '{"title": 7, "space_id": "x", "parent_case_id": "y"}' $base/cases
  no token (401):
    curl -i $resolve $base/cases
  revoke the demo key in Redis (its next request is a 401), then undo it:
    redis-cli -p $redis_port SET 'interloom:{demo-key-app}:revoked' 1
    redis-cli -p $redis_port DEL 'interloom:{demo-key-app}:revoked'
  the acme instance, with an acme key:
    curl -i $acme -H 'Authorization: Bearer $token{acme}' http://acme.interloom.com:$nginx_port/api/v1/public/spaces

Ctrl-C stops everything.
TEXT

while (1) {
    my $gone = waitpid(-1, 0);
    last if $gone < 0;
    for my $name (keys %pid) {
        next unless $pid{$name} == $gone;
        delete $pid{$name};
        print "$name exited ($?); stopping\n";
        stop_all();
        exit 1;
    }
}
