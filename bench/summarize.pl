#!/usr/bin/perl
# The table of `make bench` from the rounds bench/run.sh recorded, one
# tab-separated line per round:
#
#   scenario gateway round gateway_ticks redis_ticks requests duration_us
#   non2xx errors p50_us p99_us max_us
#
#   perl bench/summarize.pl [--clk-tck 100] [--redis-timeout-ms 50] FILE
#
# Per scenario and gateway the median of the rounds is printed.  The cost
# of a request is the gateway worker's CPU time (utime + stime) over the
# round divided by the requests it served; "x plain" is plain's cost over
# this gateway's, taken round by round (the rounds of one repetition run
# back to back) and then the median.  1.00 is as cheap as plain proxying.
# Then each target of the issue, met or missed.

use strict;
use warnings;

use Getopt::Long;

my ($clk, $redis_timeout) = (100, 50);

GetOptions('clk-tck=i' => \$clk, 'redis-timeout-ms=i' => \$redis_timeout)
    && @ARGV == 1
    or die "usage: $0 [--clk-tck N] [--redis-timeout-ms N] FILE\n";

my %TITLE = (
    get_cached => 'GET, token cached',
    get_miss   => 'GET, token cache miss on every request',
    post       => 'POST 2 KiB JSON body, validated against its schema',
    limited    => '429 path (limit 1r/m exceeded; plain is proxied)',
    redis_down => 'Redis down, fail-open',
);

my %GATEWAY = (
    plain          => 'plain proxy_pass',
    module         => 'interloom module',
    module_limited => 'interloom module, 429',
    module_down    => 'interloom module, no Redis',
    module_unix    => 'interloom module, Redis unix',
    lua            => 'nginx + Lua',
    lua_limited    => 'nginx + Lua, 429',
    lua_down       => 'nginx + Lua, no Redis',
);

my @ORDER = qw(get_cached get_miss post limited redis_down);

my (%r, %gw_order, @scenarios);

open(my $fh, '<', $ARGV[0]) or die "$ARGV[0]: $!\n";

while (<$fh>) {
    chomp;
    next if /^\s*(#|$)/;

    my ($sc, $gw, $round, $gt, $rt, $req, $dur, $non2xx, $err, $p50, $p99,
        $max) = split /\t/;

    die "$ARGV[0]:$.: expected 12 fields\n" unless defined $max;

    push @scenarios, $sc unless $r{$sc};
    push @{ $gw_order{$sc} }, $gw unless $r{$sc}{$gw};

    $r{$sc}{$gw}{$round} = {
        rps     => $dur > 0 ? $req * 1e6 / $dur : 0,
        us      => $req > 0 ? $gt * 1e6 / $clk / $req : 0,
        redis   => $req > 0 ? $rt * 1e6 / $clk / $req : 0,
        p50     => $p50 / 1000,
        p99     => $p99 / 1000,
        max     => $max / 1000,
        non2xx  => $req > 0 ? 100 * $non2xx / $req : 0,
        errors  => $err,
        req     => $req,
    };
}

close $fh;

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

sub stat_of {
    my ($sc, $gw, $key) = @_;
    my $rounds = $r{$sc}{$gw} or return undef;
    return median(map { $_->{$key} } values %$rounds);
}

# the median of a/b over the rounds both have, a and b being costs
sub cost_ratio {
    my ($sc, $num_gw, $den_gw) = @_;
    my $a = $r{$sc}{$num_gw} or return undef;
    my $b = $r{$sc}{$den_gw} or return undef;
    my @q;

    for my $round (keys %$a) {
        next unless $b->{$round} && $b->{$round}{us} > 0;
        push @q, $a->{$round}{us} / $b->{$round}{us};
    }

    return median(@q);
}

my %seen = map { $_ => 1 } @scenarios;
my @print = ((grep { $seen{$_} } @ORDER), grep { !$TITLE{$_} } @scenarios);

for my $sc (@print) {
    printf "\n%s\n", $TITLE{$sc} // $sc;
    printf "  %-28s %8s %8s %8s %8s %9s %7s %9s %7s\n", '', 'req/s',
           'p50 ms', 'p99 ms', 'max ms', 'CPU us/r', 'x plain',
           'Redis us', 'non-2xx';

    for my $gw (@{ $gw_order{$sc} }) {
        my $ratio = $gw eq 'plain' ? 1 : cost_ratio($sc, 'plain', $gw);

        printf "  %-28s %8.0f %8.2f %8.2f %8.1f %9.1f %7s %9.1f %6.1f%%\n",
               $GATEWAY{$gw} // $gw, stat_of($sc, $gw, 'rps'),
               stat_of($sc, $gw, 'p50'), stat_of($sc, $gw, 'p99'),
               stat_of($sc, $gw, 'max'), stat_of($sc, $gw, 'us'),
               defined $ratio ? sprintf('%.2f', $ratio) : '-',
               stat_of($sc, $gw, 'redis'), stat_of($sc, $gw, 'non2xx');
    }
}

# --- targets ---------------------------------------------------------------

my @targets;

sub target {
    my ($what, $value, $ok) = @_;
    push @targets, [ $what, $value,
                     !defined $ok ? 'not measured'
                     : $what =~ /no target/ ? '-'
                     : $ok ? 'met' : 'MISSED' ];
}

my $v;

$v = cost_ratio('get_cached', 'plain', 'module');
target('GET cached: module cost vs plain >= 0.80',
       defined $v ? sprintf('%.2f', $v) : 'n/a',
       defined $v ? $v >= 0.80 : undef);

my ($p99m, $p99p) = (stat_of('get_cached', 'module', 'p99'),
                     stat_of('get_cached', 'plain', 'p99'));
$v = defined $p99m && defined $p99p ? $p99m - $p99p : undef;
target('GET cached: p99 at most 1 ms above plain',
       defined $v ? sprintf('%+.2f ms', $v) : 'n/a',
       defined $v ? $v <= 1 : undef);

$v = cost_ratio('get_cached', 'lua', 'module');
target('GET cached: at least 2x the Lua gateway',
       defined $v ? sprintf('%.2fx', $v) : 'n/a',
       defined $v ? $v >= 2 : undef);

$v = cost_ratio('get_cached', 'plain', 'module_unix');
target('GET cached, Redis unix socket: vs plain (no target)',
       defined $v ? sprintf('%.2f', $v) : 'n/a', defined $v ? 1 : undef);

$v = cost_ratio('get_miss', 'lua', 'module');
target('GET cache miss: vs the Lua gateway (no target)',
       defined $v ? sprintf('%.2fx', $v) : 'n/a', defined $v ? 1 : undef);

$v = cost_ratio('post', 'plain', 'module');
target('POST 2 KiB validated: module cost vs plain >= 0.70',
       defined $v ? sprintf('%.2f', $v) : 'n/a (interloom_spec not available)',
       defined $v ? $v >= 0.70 : undef);

$v = stat_of('get_cached', 'module', 'redis');
my $vl = stat_of('get_cached', 'lua', 'redis');
target('Redis CPU per request, module; Lua (no target)',
       defined $v ? sprintf('%.1f us; %.1f us', $v, $vl // 0) : 'n/a',
       defined $v ? 1 : undef);

my ($c429, $cget) = (stat_of('limited', 'module_limited', 'us'),
                     stat_of('get_cached', 'module', 'us'));
target('429 path: cheaper than a proxied request',
       defined $c429 && defined $cget
           ? sprintf('%.1f us vs %.1f us proxied', $c429, $cget) : 'n/a',
       defined $c429 && defined $cget ? $c429 < $cget : undef);

$v = cost_ratio('redis_down', 'module', 'module_down');
target('Redis down: at least 0.90 of the Redis-up figure',
       defined $v ? sprintf('%.2f', $v) : 'n/a',
       defined $v ? $v >= 0.90 : undef);

my @max = map { $_->{max} } values %{ $r{redis_down}{module_down} // {} };
$v = @max ? (sort { $b <=> $a } @max)[0] : undef;
target("Redis down: no request slower than the timeout ($redis_timeout ms)",
       defined $v ? sprintf('max %.1f ms', $v) : 'n/a',
       defined $v ? $v < $redis_timeout : undef);

# a round that served errors, or answers other than expected, measured
# something else than it says
for my $sc (@print) {
    for my $gw (@{ $gw_order{$sc} }) {
        for my $round (sort keys %{ $r{$sc}{$gw} }) {
            my $x = $r{$sc}{$gw}{$round};
            my $want_errors = $sc eq 'limited' && $gw ne 'plain';

            if ($x->{errors} > 0) {
                target("$sc/$gw round $round: socket errors", $x->{errors},
                       0);
            }
            if (!$want_errors && $x->{non2xx} > 0) {
                target("$sc/$gw round $round: non-2xx answers",
                       sprintf('%.2f%%', $x->{non2xx}), 0);
            }
            if ($want_errors && $x->{non2xx} < 99) {
                target("$sc/$gw round $round: 429 answers",
                       sprintf('%.2f%%', $x->{non2xx}), 0);
            }
        }
    }
}

print "\nTargets (cost ratios from this run)\n";

for my $t (@targets) {
    printf "  %-56s %-28s %s\n", @$t;
}
