package Interloom::H2;
# A tiny raw HTTP/2 client (h2c, prior knowledge) for the tests: many
# HEADERS frames (and RST_STREAMs) in one write, so that nginx reads them in
# one cycle of its event loop, and the statuses read back.  HPACK is only
# written with literals, and read only as far as :status.

use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time);

sub frame {
    my ($type, $flags, $sid, $payload) = @_;
    my $len = length $payload;
    return pack('C3 C C N', ($len >> 16) & 0xff, ($len >> 8) & 0xff,
                $len & 0xff, $type, $flags, $sid & 0x7fffffff) . $payload;
}

sub hint {    # HPACK integer, prefix bits n, first-byte flags f
    my ($v, $n, $f) = @_;
    my $max = (1 << $n) - 1;
    return chr($f | $v) if $v < $max;
    my $o = chr($f | $max);
    $v -= $max;
    while ($v >= 128) { $o .= chr(($v % 128) + 128); $v = int($v / 128); }
    return $o . chr($v);
}

sub lit_idx {    # literal without indexing, indexed name
    my ($idx, $value) = @_;
    return hint($idx, 4, 0) . hint(length $value, 7, 0) . $value;
}

sub headers_block {
    my ($path, $token) = @_;
    my $b = chr(0x82) . chr(0x86) . lit_idx(4, $path) . lit_idx(1, 'x');
    $b .= lit_idx(23, "Bearer $token") if defined $token;
    return $b;
}

sub connect_h2 {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Timeout => 5) or die "connect: $!\n";
    binmode $s;
    # preface, empty SETTINGS, a big connection window
    my $out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" . frame(4, 0, 0, '')
              . frame(8, 0, 0, pack('N', 1 << 30));
    syswrite($s, $out);
    return $s;
}

# streams: [ { path, token, rst => 0|1 } ... ]; rst_after: seconds to wait
# before the RST_STREAMs (0: in the same write as the HEADERS).
sub burst {
    my ($s, $streams, %o) = @_;
    my $out = '';
    my $rst = '';
    my $sid = $o{first_sid} // 1;
    my @ids;
    for my $st (@$streams) {
        $out .= frame(1, 0x5, $sid, headers_block($st->{path}, $st->{token}));
        my $r = frame(3, 0, $sid, pack('N', 8));
        if ($st->{rst}) {
            if ($o{rst_after}) { $rst .= $r } else { $out .= $r }
        }
        push @ids, $sid;
        $sid += 2;
    }
    syswrite($s, $out);
    if ($rst ne '') {
        select(undef, undef, undef, $o{rst_after});
        syswrite($s, $rst);
    }
    return @ids;
}

# Reads frames until every stream in @want has its status or timeout.
sub statuses {
    my ($s, $want, $timeout) = @_;
    my %want = map { $_ => 1 } @$want;
    my %st;
    my $buf = '';
    my $sel = IO::Select->new($s);
    my $deadline = time() + ($timeout // 10);
    while (grep { !exists $st{$_} } keys %want) {
        last if time() > $deadline;
        next unless $sel->can_read(0.2);
        my $n = sysread($s, $buf, 65536, length $buf);
        last unless $n;
        while (length $buf >= 9) {
            my ($l1, $l2, $l3, $type, $flags, $sid) = unpack('C3 C C N', $buf);
            my $len = ($l1 << 16) | ($l2 << 8) | $l3;
            last if length $buf < 9 + $len;
            my $p = substr($buf, 9, $len);
            substr($buf, 0, 9 + $len) = '';
            $sid &= 0x7fffffff;
            if ($type == 4 && !($flags & 1)) {
                syswrite($s, frame(4, 1, 0, ''));
            }
            if ($type == 1 && !exists $st{$sid}) {
                my $c = ord($p);
                my %idx = (0x88 => 200, 0x89 => 204, 0x8a => 206,
                           0x8b => 304, 0x8c => 400, 0x8d => 404,
                           0x8e => 500);
                if ($idx{$c}) { $st{$sid} = $idx{$c} }
                elsif ($p =~ /^.\x03(\d\d\d)/s) { $st{$sid} = $1 }
                else { $st{$sid} = 'h?' . unpack('H8', $p) }
            }
            if ($type == 3) { $st{$sid} //= 'rst' }
            if ($type == 7) { $st{goaway} = 1 }
        }
    }
    return \%st;
}

1;
