#!/usr/bin/perl
# Runs the mock upstream (t/lib/Interloom/MockUpstream.pm) on 127.0.0.1.
#   mock_upstream.pl --port N [--log FILE] [--name NAME] [--demo]

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../lib";
use Getopt::Long;
use Interloom::MockUpstream;

my %args;
GetOptions(\%args, 'port=i', 'log=s', 'name=s', 'demo')
    or die "usage: $0 --port N [--log FILE] [--name NAME] [--demo]\n";
die "--port is required\n" unless $args{port};

Interloom::MockUpstream::run(%args);
