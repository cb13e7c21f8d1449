#!/usr/bin/perl
# Instructions per request of the module's own work, from callgrind dumps
# of one nginx process (bench/run.sh makes them with --compress-strings=no
# --compress-pos=no), split by stage:
#
#   perl bench/callgrind.pl --module PATH --nginx PATH \
#       LABEL=N:FILE [LABEL=N:FILE ...]
#
# N is the number of requests the dump covers.
#
# What counts as the module's own work: the instructions of its functions
# (ngx_http_interloom_*, il_*) and of everything they call in libraries
# (libjwt, jansson, hiredis, libcrypto, libc) and in nginx's helpers
# (ngx_palloc, ngx_list_push, ...).  What does not: nginx's work that the
# module only hands on to, i.e. calls from the module into a phase runner,
# finalization, sending a header or body, reading the request body, or
# the next filter in the chain (reached through pointers, so they show as
# nginx functions without a symbol).  A module function that a library
# calls back (a hiredis reply callback, the JSON reader's read callback)
# is already inside that library call's cost, and is counted there.
#
# A function's stage comes from its name; inlined static functions count
# in the function they were inlined into.

use strict;
use warnings;

use Getopt::Long;

my ($module_path, $nginx_path, $top) = (undef, '/usr/sbin/nginx', 12);

GetOptions('module=s' => \$module_path, 'nginx=s' => \$nginx_path,
           'top=i' => \$top)
    && defined $module_path
    or die "usage: $0 --module PATH [--nginx PATH] LABEL=N:FILE ...\n";

# nginx functions the module calls to let nginx go on: their cost is
# nginx's, not the module's
my %CONTINUATION = map { $_ => 1 } qw(
    ngx_http_core_run_phases ngx_http_run_posted_requests
    ngx_http_finalize_request ngx_http_send_header ngx_http_output_filter
    ngx_http_send_special ngx_http_read_client_request_body
    ngx_http_discard_request_body ngx_http_internal_redirect
    ngx_http_named_location
);

my @STAGES = ('token', 'rate limit', 'validation', 'filters', 'other');

sub stage_of {
    my ($fn) = @_;

    $fn =~ s/'\d+\z//;

    return 'token' if $fn =~ /^il_jwt|_token_|_jwt|strip_headers
                              |send_unauthorized|bearer|keyset|claims/x;
    return 'rate limit' if $fn =~ /^il_ratelimit|ratelimit|_redis|rl_/x;
    return 'filters' if $fn =~ /filter|identity_headers|replace_body
                                |add_header|remove_headers|timestamp
                                |request_id|random|incoming_id/x;
    return 'validation' if $fn =~ /^il_|validate|_spec|_route|_body
                                   |header_get|send_invalid/x;
    return 'other';
}

sub parse {
    my ($file) = @_;

    my (%excl, %edges, %fn_ob, %calls_to);
    my ($ob, $fn, $cob, $cfn, $calls, $summary) = ('', '', undef, undef);

    open(my $fh, '<', $file) or die "$file: $!\n";

    while (my $line = <$fh>) {
        chomp $line;

        if ($line =~ /^ob=(.*)/) {
            $ob = $1;
        } elsif ($line =~ /^fn=(.*)/) {
            $fn = $1;
            $fn_ob{$fn} //= $ob;
            $cob = undef;
        } elsif ($line =~ /^cob=(.*)/) {
            $cob = $1;
        } elsif ($line =~ /^cfn=(.*)/) {
            $cfn = $1;
        } elsif ($line =~ /^calls=(\d+)/) {
            $calls = $1;
        } elsif ($line =~ /^summary:\s*(\d+)/) {
            $summary = $1;
        } elsif ($line =~ /^[+*-]?\d*\s+(\d+)\s*$/ || $line =~ /^(\d+)$/x) {
            my $cost = $line =~ /^\S+\s+(\d+)/ ? $1 : 0;

            if (defined $calls) {
                my $e = $edges{$fn}{$cfn} //= { cost => 0, calls => 0,
                                                ob => $cob // $ob };
                $e->{cost} += $cost;
                $e->{calls} += $calls;
                $calls_to{$cfn} += $calls;
                $fn_ob{$cfn} //= $cob // $ob;
                ($calls, $cob) = (undef, undef);
            } else {
                $excl{$fn} += $cost;
            }
        }
    }

    close $fh;

    die "$file: no summary line: not a callgrind dump\n"
        unless defined $summary;

    return { excl => \%excl, edges => \%edges, fn_ob => \%fn_ob,
             calls_to => \%calls_to, summary => $summary };
}

# Objects are matched by their file name: valgrind may print the path it
# resolved rather than the one nginx was given.
sub same_object {
    my ($ob, $path) = @_;
    my ($want) = $path =~ m{([^/]+)\z};
    return defined $want && $ob =~ m{(?:^|/)\Q$want\E\z};
}

sub in_module {
    my ($d, $fn) = @_;
    return same_object($d->{fn_ob}{$fn} // '', $module_path);
}

sub in_nginx {
    my ($d, $fn) = @_;
    return same_object($d->{fn_ob}{$fn} // '', $nginx_path);
}

# PLT stubs show as functions of an unknown object ("???"): a call through
# one is judged by where the stub leads.
sub is_stub {
    my ($d, $fn) = @_;
    my $ob = $d->{fn_ob}{$fn} // '???';
    return $ob eq '???';
}

sub is_continuation {
    my ($d, $fn) = @_;

    # callgrind names a recursive call NAME'2, NAME'3, ...
    (my $name = $fn) =~ s/'\d+\z//;

    return in_nginx($d, $fn) && ($CONTINUATION{$name} || $name =~ /^0x/);
}

# The share of a call's cost that is not the caller's own work: it is
# nginx's, or another module function's, counted on its own.
sub excluded_share {
    my ($d, $callee) = @_;

    return 1 if in_module($d, $callee) || is_continuation($d, $callee);
    return 0 unless is_stub($d, $callee);

    my $total = $d->{excl}{$callee} // 0;
    my $out = 0;

    while (my ($t, $e) = each %{ $d->{edges}{$callee} // {} }) {
        $total += $e->{cost};
        $out += $e->{cost} if in_module($d, $t) || is_continuation($d, $t);
    }

    return $total > 0 ? $out / $total : 0;
}

sub analyse {
    my ($d) = @_;

    my %own;

    for my $fn (keys %{ $d->{fn_ob} }) {
        next unless in_module($d, $fn);

        my $cost = $d->{excl}{$fn} // 0;

        while (my ($callee, $e) = each %{ $d->{edges}{$fn} // {} }) {
            $cost += $e->{cost} * (1 - excluded_share($d, $callee));
        }

        # the share of calls a library made is inside that library call
        my $total = $d->{calls_to}{$fn} // 0;
        my $from_lib = 0;

        for my $caller (keys %{ $d->{edges} }) {
            my $e = $d->{edges}{$caller}{$fn} or next;
            $from_lib += $e->{calls}
                unless in_module($d, $caller) || in_nginx($d, $caller)
                       || is_stub($d, $caller);
        }

        $cost *= ($total - $from_lib) / $total if $total > 0;

        $own{$fn} = $cost if $cost > 0;
    }

    return \%own;
}

my @runs;

for my $arg (@ARGV) {
    my ($label, $n, $file) = $arg =~ /^([^=]+)=(\d+):(.+)$/
        or die "bad argument \"$arg\": expected LABEL=N:FILE\n";
    die "$label: N must be positive\n" unless $n > 0;

    my $d = parse($file);
    push @runs, { label => $label, n => $n, own => analyse($d),
                  total => $d->{summary} };
}

die "no dumps given\n" unless @runs;

printf "%-14s %9s %11s %11s %9s %7s %9s %14s\n", 'instr/request',
       @STAGES, 'module', 'whole worker';

for my $r (@runs) {
    my %stage;
    my $sum = 0;

    for my $fn (keys %{ $r->{own} }) {
        $stage{ stage_of($fn) } += $r->{own}{$fn};
        $sum += $r->{own}{$fn};
    }

    printf "%-14s %9.0f %11.0f %11.0f %9.0f %7.0f %9.0f %8.0f (%2.0f%%)\n",
           $r->{label}, (map { ($stage{$_} // 0) / $r->{n} } @STAGES),
           $sum / $r->{n}, $r->{total} / $r->{n},
           $r->{total} ? 100 * $sum / $r->{total} : 0;
}

print "\nlargest module functions (own work and what they call, "
      . "instr/request):\n";

for my $r (@runs) {
    my $own = $r->{own};
    my @fns = (sort { $own->{$b} <=> $own->{$a} } keys %$own)[0 .. $top - 1];

    print "  $r->{label}:\n";

    for my $fn (grep { defined } @fns) {
        printf "    %9.0f  %-11s %s\n", $own->{$fn} / $r->{n},
               stage_of($fn), $fn;
    }
}
