package Interloom::MockUpstream;

# A small HTTP/1.1 server for the tests and for `make run`: one process, an
# IO::Select loop, keep-alive, Content-Length and chunked request bodies.
#
# By default it answers 200 with a JSON echo of what reached it (method,
# uri, headers, the body's length and SHA-256), so tests can assert what
# the gateway forwarded.  Request headers steer the answer:
#
#   X-Mock-Status: 403            status code
#   X-Mock-Body: html|text|empty|json|envelope:CODE[:MESSAGE]|big:N|echo
#   X-Mock-Gzip: 1                gzip the body, Content-Encoding: gzip
#   X-Mock-Chunked: 1             Transfer-Encoding: chunked
#   X-Mock-Header: Name: value    extra response header (repeatable)
#   X-Mock-Delay: MS              answer after MS milliseconds
#   X-Mock-Interim: 100           an interim 1xx response first
#
# With demo => 1 it serves a few Interloom-like resources instead (see
# demo_answer).  Every request is appended to the log file as one JSON line.

use strict;
use warnings;

use IO::Socket::INET;
use IO::Select;
use Digest::SHA qw(sha256_hex);
use IO::Compress::Gzip qw(gzip);
use JSON::PP;
use Time::HiRes qw(time);

my $JSON = JSON::PP->new->canonical(1)->utf8(1);

sub run {
    my (%args) = @_;

    my $listen = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => $args{port},
        Listen    => 128,
        ReuseAddr => 1,
        Blocking  => 0,
    ) or die "mock upstream: listen on 127.0.0.1:$args{port}: $!\n";

    my $log;
    if ($args{log}) {
        open($log, '>>', $args{log}) or die "mock upstream: $args{log}: $!\n";
        $log->autoflush(1);
    }

    my $sel = IO::Select->new($listen);
    my %conn;       # fileno => { sock, in, out, close, timers }
    my @later;      # [ when, fileno, bytes, close ]

    local $SIG{PIPE} = 'IGNORE';
    local $SIG{TERM} = sub { exit 0 };

    while (1) {
        my $timeout = 1;
        if (@later) {
            my $next = (sort { $a->[0] <=> $b->[0] } @later)[0][0];
            $timeout = $next - time();
            $timeout = 0 if $timeout < 0;
        }

        my @ready = $sel->can_read($timeout);

        for my $s (@ready) {
            if ($s == $listen) {
                while (my $c = $listen->accept) {
                    $c->blocking(0);
                    $conn{fileno $c} = { sock => $c, in => '' };
                    $sel->add($c);
                }
                next;
            }

            my $st = $conn{fileno $s} or next;
            my $n = sysread($s, my $buf, 65536);

            if (!defined $n) {
                next if $!{EAGAIN} || $!{EWOULDBLOCK};
                drop(\%conn, $sel, $s);
                next;
            }

            if ($n == 0) {
                drop(\%conn, $sel, $s);
                next;
            }

            $st->{in} .= $buf;

            while (my $req = parse_request(\$st->{in})) {
                my ($bytes, $close, $delay) = answer($req, \%args);
                if ($log) {
                    print $log $JSON->encode(record($req)), "\n";
                }
                push @later, [ time() + $delay / 1000, fileno($s), $bytes,
                               $close ];
            }
        }

        my $now = time();
        my @keep;
        for my $l (sort { $a->[0] <=> $b->[0] } @later) {
            if ($l->[0] > $now) {
                push @keep, $l;
                next;
            }

            my $st = $conn{$l->[1]} or next;
            write_all($st->{sock}, $l->[2]);
            drop(\%conn, $sel, $st->{sock}) if $l->[3];
        }
        @later = @keep;
    }
}

sub drop {
    my ($conn, $sel, $s) = @_;
    $sel->remove($s);
    delete $conn->{fileno $s};
    close $s;
}

sub write_all {
    my ($s, $bytes) = @_;
    $s->blocking(1);
    my $off = 0;
    while ($off < length $bytes) {
        my $n = syswrite($s, $bytes, length($bytes) - $off, $off);
        last unless defined $n;
        $off += $n;
    }
    $s->blocking(0);
}

# Returns one complete request from the front of the buffer, or undef.
sub parse_request {
    my ($in) = @_;

    my $end = index($$in, "\r\n\r\n");
    return undef if $end < 0;

    my $head = substr($$in, 0, $end);
    my ($line, @lines) = split /\r\n/, $head;
    my ($method, $uri, $proto) = split / /, $line, 3;

    my @headers;
    for my $l (@lines) {
        my ($k, $v) = $l =~ /^([^:]+):\s*(.*?)\s*$/ or next;
        push @headers, [ lc $k, $v ];
    }

    my %h = map { $_->[0] => $_->[1] } @headers;
    my $pos = $end + 4;
    my $body = '';

    if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        while (1) {
            my $e = index($$in, "\r\n", $pos);
            return undef if $e < 0;
            my $size = hex(substr($$in, $pos, $e - $pos));
            $pos = $e + 2;
            if ($size == 0) {
                my $t = index($$in, "\r\n", $pos);
                return undef if $t < 0;
                $pos = $t + 2;
                last;
            }
            return undef if length($$in) < $pos + $size + 2;
            $body .= substr($$in, $pos, $size);
            $pos += $size + 2;
        }

    } elsif (my $len = $h{'content-length'}) {
        return undef if length($$in) < $pos + $len;
        $body = substr($$in, $pos, $len);
        $pos += $len;
    }

    substr($$in, 0, $pos) = '';

    return {
        method  => $method,
        uri     => $uri,
        proto   => $proto // 'HTTP/1.0',
        headers => \@headers,
        h       => \%h,
        body    => $body,
    };
}

sub record {
    my ($req) = @_;
    my %hdr;
    for my $p (@{ $req->{headers} }) {
        if (exists $hdr{ $p->[0] }) {
            $hdr{ $p->[0] } = [ $hdr{ $p->[0] } ] unless ref $hdr{ $p->[0] };
            push @{ $hdr{ $p->[0] } }, $p->[1];
        } else {
            $hdr{ $p->[0] } = $p->[1];
        }
    }
    return {
        method      => $req->{method},
        uri         => $req->{uri},
        headers     => \%hdr,
        body_length => length $req->{body},
        body_sha256 => sha256_hex($req->{body}),
    };
}

my %REASON = (
    200 => 'OK', 201 => 'Created', 204 => 'No Content', 301 => 'Moved',
    304 => 'Not Modified', 400 => 'Bad Request', 401 => 'Unauthorized',
    403 => 'Forbidden', 404 => 'Not Found', 409 => 'Conflict',
    422 => 'Unprocessable Entity', 429 => 'Too Many Requests',
    500 => 'Internal Server Error', 502 => 'Bad Gateway',
    503 => 'Service Unavailable', 504 => 'Gateway Timeout',
);

sub answer {
    my ($req, $args) = @_;
    my $h = $req->{h};

    my ($status, $type, $body, @extra);

    if ($args->{demo}) {
        ($status, $body) = demo_answer($req);
        $type = 'application/json';
    } else {
        ($status, $type, $body) = mock_answer($req, $args);
    }

    for my $p (@{ $req->{headers} }) {
        push @extra, $p->[1] if $p->[0] eq 'x-mock-header';
    }

    if ($h->{'x-mock-gzip'}) {
        my $z;
        gzip(\$body => \$z);
        $body = $z;
        push @extra, 'Content-Encoding: gzip';
    }

    # an interim 1xx before the answer, as some backends send
    my $interim = $h->{'x-mock-interim'}
        ? "HTTP/1.1 $h->{'x-mock-interim'} Interim\r\n\r\n" : '';

    my $chunked = $h->{'x-mock-chunked'} && $req->{proto} eq 'HTTP/1.1';
    my $head_only = $req->{method} eq 'HEAD' || $status == 204
                    || $status == 304;

    my $close = ($req->{proto} eq 'HTTP/1.0'
                 && ($h->{connection} // '') !~ /keep-alive/i)
                || ($h->{connection} // '') =~ /close/i;

    my $out = $interim
              . "HTTP/1.1 $status " . ($REASON{$status} // 'Status') . "\r\n";
    $out .= "Server: mock-upstream\r\n";
    $out .= "Content-Type: $type\r\n" if defined $type;
    $out .= "$_\r\n" for @extra;
    $out .= "Connection: " . ($close ? 'close' : 'keep-alive') . "\r\n";

    if ($chunked) {
        $out .= "Transfer-Encoding: chunked\r\n\r\n";
        if (!$head_only) {
            while (length $body) {
                my $piece = substr($body, 0, 1000, '');
                $out .= sprintf("%x\r\n%s\r\n", length $piece, $piece);
            }
            $out .= "0\r\n\r\n";
        }
    } else {
        $out .= "Content-Length: " . length($body) . "\r\n"
            unless $status == 204 || $status == 304;
        $out .= "\r\n";
        $out .= $body unless $head_only;
    }

    return ($out, $close, $h->{'x-mock-delay'} // 0);
}

sub mock_answer {
    my ($req, $args) = @_;
    my $h = $req->{h};

    my $status = $h->{'x-mock-status'} // 200;
    my $kind = $h->{'x-mock-body'} // 'echo';

    if ($kind eq 'html') {
        return ($status, 'text/html',
                "<html><body><h1>$status</h1><p>Apache/2.4 at backend-7"
                . "</p></body></html>\n");
    }
    if ($kind eq 'text') {
        return ($status, 'text/plain', "error $status at backend-7\n");
    }
    if ($kind eq 'empty') {
        return ($status, undef, '');
    }
    if ($kind =~ /^envelope:(\w+)(?::(.*))?$/) {
        my ($code, $given) = ($1, $2);
        (my $msg = ucfirst $code) =~ s/_/ /g;
        $msg = defined $given ? $given : "$msg.";
        return ($status, 'application/json',
                qq({ "error" : { "message" : "$msg", "code" : "$code" } }));
    }
    if ($kind =~ /^big:(\d+)$/) {
        return ($status, 'application/json',
                '{"error":{"code":"x","message":"' . ('y' x $1) . '"}}');
    }
    if ($kind eq 'json') {
        return ($status, 'application/json', '{"detail":"Forbidden"}');
    }

    my $rec = record($req);
    $rec->{upstream} = $args->{name} // 'mock';
    return ($status, 'application/json', $JSON->encode($rec));
}

# The demo: a few resources of the Interloom API, one of them forbidden.

my $SPACE = 'b3a1c2d4-0e5f-4a6b-9c7d-8e9f0a1b2c3d';
my $CASE  = 'a1b2c3d4-e5f6-4789-abcd-ef1234567890';
my $HIDDEN = 'c0ffee00-0000-4000-8000-000000000403';

sub demo_answer {
    my ($req) = @_;
    my ($path) = split /\?/, $req->{uri}, 2;
    my $method = $req->{method} eq 'HEAD' ? 'GET' : $req->{method};
    $path =~ s{^/api/v1/public}{};

    my $space = { id => $SPACE, name => 'Northwest Claims Intake',
                  created_at => '2025-01-15T09:30:00Z',
                  updated_at => '2025-01-15T09:30:00Z' };
    my $case = { id => $CASE, space_id => $SPACE,
                 title => 'Water damage, 14 Elm Street',
                 phase => 'active', motion => 'working',
                 priority => 'high',
                 created_at => '2025-01-16T10:02:11Z',
                 updated_at => '2025-01-17T08:45:00Z' };

    if ($path eq '/spaces' && $method eq 'GET') {
        return (200, $JSON->encode({ data => [ $space ],
                                     next_cursor => undef,
                                     has_more => JSON::PP::false }));
    }
    if ($path eq "/spaces/$SPACE") {
        return (200, $JSON->encode($space));
    }
    if ($path eq '/cases' && $method eq 'GET') {
        return (200, $JSON->encode({
            data => [ $case ],
            next_cursor => 'eyJjcmVhdGVkX2F0IjoiMjAyNS0wMS0xNiJ9',
            has_more => JSON::PP::true }));
    }
    if ($path eq '/cases' && $method eq 'POST') {
        my $in = eval { $JSON->decode($req->{body}) } || {};
        return (201, $JSON->encode({ %$case, %$in,
                                     id => 'd4c3b2a1-0000-4000-8000-'
                                           . '00000000c0de' }));
    }
    if ($path eq "/cases/$CASE") {
        return (200, $JSON->encode($case));
    }
    if ($path =~ m{^/cases/$HIDDEN}) {
        # a backend that breaks the API's promise: the gateway fixes it
        return (403, '{"detail":"You do not have access to this case"}');
    }
    if ($path =~ m{^/cases/[^/]+$}) {
        return (404, '{"error":{"code":"case_not_found",'
                     . '"message":"Case not found."}}');
    }
    return (404, '{"error":{"code":"not_found","message":"Not found."}}');
}

1;
