#!/usr/bin/perl
# The fuzz corpora as regression tests: every committed input of
# fuzz/corpus/NAME goes once through build/replay/fuzz_NAME, the harness
# of fuzz/fuzz_NAME.c built with gcc's AddressSanitizer (leaks included)
# and UndefinedBehaviorSanitizer, without libFuzzer.
#
# This file builds nothing: make fuzz-replay builds the binaries and runs
# them, writing build/replay/NAME.log (make test does it before prove).
# A log newer than its binary and its corpus is read as it stands; else
# the binary runs here.

use strict;
use warnings;

use Test::More;
use File::Find;
use lib 't/lib';
use Interloom::Test;

my $root = Interloom::Test::root();
chdir $root or die "$root: $!\n";

my @names = map { m{fuzz/fuzz_(\w+)\.c$} ? $1 : () } glob('fuzz/fuzz_*.c');
ok(@names >= 4, 'harnesses: ' . join(', ', @names));

# what a replay binary is built from
my @sources = (glob('src/il_*.[ch]'), 'fuzz/il_fuzz.c', 'fuzz/il_fuzz.h',
               'fuzz/replay.c');

$ENV{ASAN_OPTIONS} = 'detect_leaks=1';
$ENV{UBSAN_OPTIONS} = 'print_stacktrace=1:halt_on_error=1';

for my $name (@names) {
    my $bin = "build/replay/fuzz_$name";
    my $log = "build/replay/$name.log";
    my $corpus = "fuzz/corpus/$name";

    my @files;
    find({ wanted => sub { push @files, $_ if -f $_ && !m{/\.[^/]*$} },
           no_chdir => 1 }, $corpus) if -d $corpus;

    ok(@files > 0, "$name: a corpus of " . scalar(@files) . ' inputs');

    if (!ok(-x $bin, "$name: $bin is built")) {
        diag('make fuzz-replay builds it');
        next;
    }

    my @newer = grep { -M $_ < -M $bin } "fuzz/fuzz_$name.c", @sources;
    ok(!@newer, "$name: $bin is newer than its sources")
        or diag('changed since: ' . join(' ', @newer)
                . '; make fuzz-replay builds it again');

    my $out;
    my $age = -M $log;

    if (defined $age && $age < -M $bin
        && !grep { -M $_ <= $age } $corpus, @files)
    {
        open(my $fh, '<', $log) or die "$log: $!\n";
        local $/;
        $out = <$fh>;
        close $fh;
        note("$name: from $log");

    } else {
        my $start = time;
        $out = `timeout 60 $bin $corpus 2>&1`;
        note("$name: ran in " . (time - $start) . ' s');
    }

    my ($n, $failed) = $out =~ /: (\d+) inputs replayed, (\d+) failed$/m;

    is($n, scalar @files, "$name: every input was replayed");
    is($failed, 0, "$name: every input passes")
        or diag(join("\n", grep { /FAILED|invariant|ERROR|SUMMARY|runtime/ }
                           split /\n/, $out));
}

done_testing;
