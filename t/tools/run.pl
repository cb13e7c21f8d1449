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

my $root = abs_path("$FindBin::Bin/../..");
my $run = "$root/.run";
make_path("$run/logs");
chmod 0755, $run, "$run/logs";

my $nginx_port = $ENV{INTERLOOM_PORT} // 8080;
my $upstream_port = 8081;
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
    for my $name (qw(nginx upstream redis)) {
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

start('redis', 'redis-server', '--bind', '127.0.0.1', '--port', $redis_port,
      '--save', '', '--appendonly', 'no', '--dir', $run);
start('upstream', $^X, "-I$root/t/lib", "$root/t/tools/mock_upstream.pl",
      '--port', $upstream_port, '--demo',
      '--log', "$run/logs/upstream.requests");

Interloom::Test::wait_port($redis_port);
Interloom::Test::wait_port($upstream_port);

my $test = `/usr/sbin/nginx -t -p $run -c $run/nginx.conf 2>&1`;
if ($? != 0) {
    print $test;
    stop_all();
    exit 1;
}

start('nginx', '/usr/sbin/nginx', '-p', $run, '-c', "$run/nginx.conf",
      '-e', "$run/logs/error.log");
Interloom::Test::wait_port($nginx_port);

print <<"TEXT";

The Interloom gateway runs on http://127.0.0.1:$nginx_port
  Redis      127.0.0.1:$redis_port
  upstream   127.0.0.1:$upstream_port (demo)
  state      $run

Try:
  curl -i http://127.0.0.1:$nginx_port/api/v1/public/spaces

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
