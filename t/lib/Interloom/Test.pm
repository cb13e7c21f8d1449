package Interloom::Test;

# The test harness: per test file, a temporary prefix with free loopback
# ports, nginx with the module, real redis-server instances and mock
# upstreams, each started here and stopped by its own pid.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Select;
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use Exporter qw(import);

our @EXPORT_OK = qw(http_request free_port);

my $ROOT = abs_path(dirname(__FILE__) . '/../../..');

our $NGINX = $ENV{TEST_NGINX_BINARY} // '/usr/sbin/nginx';
our $MODULE = $ENV{TEST_INTERLOOM_MODULE}
              // "$ROOT/build/ngx_http_interloom_module.so";
# the read-only inputs (the published OpenAPI document, the JSON Schema
# Test Suite) sit next to the checkout
our $SHARED = $ENV{INTERLOOM_SHARED}
              // (grep { -d $_ } abs_path("$ROOT/../shared") // '',
                                 '/work/shared')[0]
              // "$ROOT/../shared";

my @ALL;    # every harness object, so END stops what is left

$SIG{PIPE} = 'IGNORE';

sub root { $ROOT }
sub shared { $SHARED }

sub new {
    my ($class, %args) = @_;

    my $self = bless {
        dir   => tempdir('interloom-t-XXXXXX', TMPDIR => 1,
                         CLEANUP => !$ENV{TEST_KEEP}),
        procs => {},
    }, $class;

    # workers of a root master run as nobody: they must reach the files
    chmod 0755, $self->{dir};

    push @ALL, $self;
    return $self;
}

sub dir { $_[0]{dir} }

# A loopback port nobody listens on now.  Ports are remembered, so two
# calls in one file never hand out the same one.
my %GIVEN;
sub free_port {
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Listen => 1,
                                      ReuseAddr => 1) or next;
        my $port = $s->sockport;
        close $s;
        next if $GIVEN{$port}++;
        return $port;
    }
    die "no free port\n";
}

sub spawn {
    my ($self, $name, @cmd) = @_;

    my $pid = fork();
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>>', "$self->{dir}/$name.out");
        open(STDERR, '>&', \*STDOUT);
        exec(@cmd) or POSIX::_exit(127);
    }

    $self->{procs}{$name} = $pid;
    return $pid;
}

sub pid { $_[0]{procs}{ $_[1] } }

sub stop {
    my ($self, $name, $signal) = @_;

    my $pid = delete $self->{procs}{$name} or return;

    kill 'CONT', $pid;
    kill $signal // 'TERM', $pid;

    my $deadline = time() + 10;
    while (time() < $deadline) {
        return if waitpid($pid, WNOHANG) == $pid;
        sleep 0.02;
    }

    kill 'KILL', $pid;
    waitpid($pid, 0);
}

sub wait_port {
    my ($port, $seconds) = @_;
    my $deadline = time() + ($seconds // ($ENV{TEST_VALGRIND} ? 60 : 10));

    while (time() < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Timeout => 1);
        if ($s) {
            close $s;
            return 1;
        }
        sleep 0.02;
    }
    die "nothing listens on 127.0.0.1:$port\n";
}

# --- Redis ---------------------------------------------------------------

sub redis_start {
    my ($self, %args) = @_;

    my $name = $args{name} // 'redis';
    my $port = $self->{ports}{$name} //= $args{port} // free_port();

    my @extra;
    push @extra, '--requirepass', $args{password} if $args{password};
    # workers of a root master run as nobody
    push @extra, '--unixsocket', $args{unixsocket}, '--unixsocketperm', '777'
        if $args{unixsocket};

    $self->spawn($name, 'redis-server', '--bind', '127.0.0.1',
                 '--port', $port, '--save', '', '--appendonly', 'no',
                 '--daemonize', 'no', '--dir', $self->{dir},
                 '--logfile', '', @extra, @{ $args{args} // [] });

    wait_port($port);
    return $port;
}

# Sends one command to a Redis and returns its reply (RESP, simple decoder).
sub redis {
    my ($self, $name, @cmd) = @_;
    return $self->redis_session($name, \@cmd);
}

# AUTH first, then the command, on one connection.
sub redis_auth {
    my ($self, $name, $password, @cmd) = @_;
    return $self->redis_session($name, [ 'AUTH', $password ], \@cmd);
}

# AUTH, SELECT db, then the command.
sub redis_db {
    my ($self, $name, $password, $db, @cmd) = @_;
    return $self->redis_session($name, [ 'AUTH', $password ],
                                [ 'SELECT', $db ], \@cmd);
}

# Several commands on one connection; the last reply.
sub redis_session {
    my ($self, $name, @cmds) = @_;

    my $port = $self->{ports}{$name // 'redis'} // $name;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Timeout => 5)
        or die "redis on $port: $!\n";

    my $reply;
    for my $cmd (@cmds) {
        my $out = '*' . scalar(@$cmd) . "\r\n";
        $out .= '$' . length($_) . "\r\n$_\r\n" for @$cmd;
        print $s $out;
        $reply = read_resp($s);
    }

    close $s;
    return $reply;
}

sub read_resp {
    my ($s) = @_;
    my $line = <$s>;
    die "redis closed\n" unless defined $line;
    $line =~ s/\r\n$//;
    my ($t, $rest) = (substr($line, 0, 1), substr($line, 1));

    return $rest if $t eq '+';
    return "ERR:$rest" if $t eq '-';
    return $rest + 0 if $t eq ':';
    if ($t eq '$') {
        return undef if $rest < 0;
        my $data = '';
        read($s, $data, $rest + 2);
        return substr($data, 0, $rest);
    }
    if ($t eq '*') {
        return undef if $rest < 0;
        return [ map { read_resp($s) } 1 .. $rest ];
    }
    die "bad redis reply: $line\n";
}

# --- mock upstreams ------------------------------------------------------

sub upstream_start {
    my ($self, %args) = @_;

    my $name = $args{name} // 'upstream';
    my $port = $self->{ports}{$name} //= $args{port} // free_port();
    my $log = "$self->{dir}/$name.requests";

    $self->spawn($name, $^X, "-I$ROOT/t/lib", "$ROOT/t/tools/mock_upstream.pl",
                 '--port', $port, '--log', $log, '--name', $name,
                 ($args{demo} ? ('--demo') : ()));

    wait_port($port);
    return $port;
}

# What reached an upstream so far, as decoded records.
sub upstream_requests {
    my ($self, $name) = @_;
    my $log = "$self->{dir}/" . ($name // 'upstream') . '.requests';
    open(my $fh, '<', $log) or return [];
    my @r = map { JSON::PP->new->utf8->decode($_) } <$fh>;
    return \@r;
}

sub upstream_count { scalar @{ $_[0]->upstream_requests($_[1]) } }

# An HMAC secret for HS256 tokens, written once into the prefix.
sub secret_file {
    my ($self) = @_;
    my $file = "$self->{dir}/hs256.key";
    if (!-e $file) {
        open(my $fh, '>', $file) or die "$file: $!\n";
        print $fh join('', map { chr(65 + ($_ * 7) % 26) } 1 .. 64);
        close $fh;
    }
    return $file;
}

# An HS256 token signed with secret_file(); claims default to a valid key.
sub token {
    my ($self, %claims) = @_;
    require Interloom::Token;
    my %c = (org_id => 'org-1', jti => 'key-1', exp => time() + 3600,
             %claims);
    delete $c{$_} for grep { !defined $c{$_} } keys %c;
    return Interloom::Token::mint(alg => 'HS256', key => $self->secret_file,
                                  claims => \%c);
}

sub port {
    my ($self, $name) = @_;
    return $self->{ports}{$name} //= free_port();
}

# --- nginx ---------------------------------------------------------------

# Wraps the http{} body a test gives into a complete nginx.conf.
sub nginx_conf {
    my ($self, $http, %args) = @_;

    my $d = $self->{dir};
    my $workers = $args{workers} // 1;
    my $main = $args{main} // '';

    return <<"EOF";
load_module $MODULE;
worker_processes $workers;
daemon off;
master_process on;
pid $d/${\ ($args{name} // 'nginx') }.pid;
error_log $d/error.log ${\ ($args{log_level} // 'info')};
$main
events { worker_connections 1024; }

http {
    access_log off;
    client_body_temp_path $d/client_body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    default_type application/octet-stream;
    large_client_header_buffers 4 16k;

$http
}
EOF
}

sub write_conf {
    my ($self, $http, %args) = @_;
    my $file = "$self->{dir}/" . ($args{file} // 'nginx.conf');
    open(my $fh, '>', $file) or die "$file: $!\n";
    print $fh $self->nginx_conf($http, %args);
    close $fh;
    return $file;
}

# `nginx -t` on a configuration: returns (exit status, output).
sub nginx_test {
    my ($self, $http, %args) = @_;
    my $file = $self->write_conf($http, %args, file => 'test.conf');
    my $out = `$NGINX -t -p $self->{dir} -c $file -e $self->{dir}/test.log 2>&1`;
    # a crash (a signal) is a failure too, not exit status 0
    my $status = $? == 0 ? 0 : ($? >> 8 || 128 + ($? & 127));
    if (open(my $fh, '<', "$self->{dir}/test.log")) {
        local $/;
        $out .= <$fh>;
    }
    unlink "$self->{dir}/test.log";
    return ($status, $out);
}

sub nginx_start {
    my ($self, $http, %args) = @_;

    my $name = $args{name} // 'nginx';
    my $file = $self->write_conf($http, %args, file => "$name.conf");

    my ($status, $out) = $self->nginx_test($http, %args);
    die "nginx -t failed:\n$out" if $status != 0;

    # TEST_VALGRIND=1 runs nginx (master and workers) under memcheck;
    # valgrind_errors() then reads what it found
    my @prefix = $ENV{TEST_VALGRIND}
        ? ('valgrind', '--trace-children=yes', '--leak-check=full',
           '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite',
           '--num-callers=30', "--suppressions=$ROOT/t/valgrind.supp",
           "--log-file=$self->{dir}/valgrind.%p")
        : ();

    $self->spawn($name, @prefix, $NGINX, '-p', $self->{dir}, '-c', $file,
                 '-e', "$self->{dir}/error.log");

    for my $port (@{ $args{ports} // [] }) {
        wait_port($port);
    }
    return $self->pid($name);
}

sub nginx_reload {
    my ($self, $http, %args) = @_;
    my $name = $args{name} // 'nginx';
    $self->write_conf($http, %args, file => "$name.conf");
    kill 'HUP', $self->pid($name);
}

sub error_log {
    my ($self) = @_;
    open(my $fh, '<', "$self->{dir}/error.log") or return '';
    local $/;
    return <$fh>;
}

sub read_file {
    my ($self, $name) = @_;
    open(my $fh, '<', "$self->{dir}/$name") or return '';
    local $/;
    return <$fh>;
}

# The reports of valgrind runs (TEST_VALGRIND=1) that found errors.
sub valgrind_errors {
    my ($self) = @_;
    my @bad;
    for my $f (glob "$self->{dir}/valgrind.*") {
        open(my $fh, '<', $f) or next;
        my $text = do { local $/; <$fh> };
        push @bad, $text if $text =~ /ERROR SUMMARY: [1-9]/;
    }
    return @bad;
}

sub stop_all {
    my ($self) = @_;
    # nginx first: it is the one holding connections to the others
    for my $name (sort { ($b =~ /^nginx/) <=> ($a =~ /^nginx/) }
                  keys %{ $self->{procs} })
    {
        $self->stop($name, $name =~ /^nginx/ ? 'QUIT' : 'TERM');
    }
}

sub DESTROY { $_[0]->stop_all }

END { $_->stop_all for @ALL }

# --- HTTP ----------------------------------------------------------------

# One HTTP/1.1 exchange over a raw socket, so tests see the exact status
# line, every header (duplicates included) and the body.  Options:
# port, method, path, headers => [ name => value, ... ], body, raw (a whole
# request to send as is), sock (reuse a keep-alive connection), head.
# Returns { status, reason, headers => [[name, value], ...], h => {lc name
# => last value}, body, sock, line }.
sub http_request {
    my (%a) = @_;

    my $s = $a{sock} // IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $a{port}, Timeout => 10)
        or die "connect 127.0.0.1:$a{port}: $!\n";

    my $req = $a{raw};
    if (!defined $req) {
        my $method = $a{method} // 'GET';
        $req = "$method $a{path} HTTP/1.1\r\n";
        my @h = @{ $a{headers} // [] };
        my %have;
        for (my $i = 0; $i < @h; $i += 2) {
            $have{ lc $h[$i] } = 1;
        }
        $req .= "Host: " . ($a{host} // 'localhost') . "\r\n"
            unless $have{host};
        while (my ($k, $v) = splice(@h, 0, 2)) {
            $req .= "$k: $v\r\n";
        }
        if (defined $a{body} && !$have{'content-length'}
            && !$have{'transfer-encoding'})
        {
            $req .= "Content-Length: " . length($a{body}) . "\r\n";
        }
        $req .= "Connection: close\r\n" if $a{close};
        $req .= "\r\n";
        $req .= $a{body} if defined $a{body};
    }

    print $s $req;

    return read_response($s, $a{method} // ($req =~ /^(\S+)/)[0],
                         $a{timeout} // 10);
}

sub read_response {
    my ($s, $method, $timeout) = @_;

    my $buf = '';
    my $deadline = time() + $timeout;
    my $sel = IO::Select->new($s);

    my $fill = sub {
        my $left = $deadline - time();
        return 0 if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($s, my $chunk, 65536);
        return 0 unless $n;
        $buf .= $chunk;
        return 1;
    };

    my $end;
    while (($end = index($buf, "\r\n\r\n")) < 0) {
        $fill->() or return { status => 0, body => $buf, headers => [],
                              h => {}, sock => $s };
    }

    my $head = substr($buf, 0, $end);
    $buf = substr($buf, $end + 4);

    my ($line, @lines) = split /\r\n/, $head;
    my ($proto, $status, $reason) = $line =~ m{^(HTTP/\S+) (\d+) ?(.*)$};

    my (@headers, %h);
    for my $l (@lines) {
        my ($k, $v) = $l =~ /^([^:]+):\s*(.*?)\s*$/ or next;
        push @headers, [ $k, $v ];
        $h{ lc $k } = $v;
    }

    my $body = '';
    my $no_body = $method eq 'HEAD' || $status == 204 || $status == 304
                  || ($status >= 100 && $status < 200);

    if ($no_body) {
        # nothing
    } elsif (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        while (1) {
            my $e;
            while (($e = index($buf, "\r\n")) < 0) { $fill->() or last }
            last if $e < 0;
            my $size = hex(substr($buf, 0, $e));
            $buf = substr($buf, $e + 2);
            if ($size == 0) {
                while (index($buf, "\r\n") < 0) { $fill->() or last }
                $buf = substr($buf, index($buf, "\r\n") + 2);
                last;
            }
            while (length($buf) < $size + 2) { $fill->() or last }
            $body .= substr($buf, 0, $size);
            $buf = substr($buf, $size + 2);
        }
    } elsif (defined $h{'content-length'}) {
        while (length($buf) < $h{'content-length'}) { $fill->() or last }
        $body = substr($buf, 0, $h{'content-length'});
    } else {
        while ($fill->()) { }
        $body = $buf;
    }

    # a connection the server closes cannot carry the next request
    if (($h{connection} // '') =~ /close/i) {
        close $s;
        $s = undef;
    }

    return {
        line    => $line,
        proto   => $proto,
        status  => $status + 0,
        reason  => $reason,
        headers => \@headers,
        h       => \%h,
        body    => $body,
        sock    => $s,
    };
}

# All values of a response header, in order.
sub header_values {
    my ($res, $name) = @_;
    return map { $_->[1] } grep { lc($_->[0]) eq lc($name) }
           @{ $res->{headers} };
}

1;
