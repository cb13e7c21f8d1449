#!/usr/bin/perl
# Writes HS256 bearer tokens for the benchmark, one a line:
#
#   perl bench/mint.pl SECRET_FILE COUNT JTI_PREFIX > tokens.txt
#
# Each token has its own jti (JTI_PREFIX-1, JTI_PREFIX-2, ...), so no two
# share a cache entry, and is valid for three hours.  Signed with
# Digest::SHA as t/lib/Interloom/Token.pm does; the JSON is written out
# directly, since 50,000 encodes through JSON::PP take seconds.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";

use Digest::SHA qw(hmac_sha256);
use Interloom::Token qw(b64url);

my ($secret_file, $count, $prefix) = @ARGV;

die "usage: $0 SECRET_FILE COUNT JTI_PREFIX\n"
    unless defined $prefix && $count =~ /^\d+$/ && $prefix =~ /^[\w.-]+$/;

open(my $fh, '<:raw', $secret_file) or die "$secret_file: $!\n";
my $secret = do { local $/; <$fh> };
close $fh;

my $now = time();
my $exp = $now + 3 * 3600;
my $header = b64url('{"alg":"HS256","typ":"JWT"}');

binmode STDOUT;

for my $i (1 .. $count) {
    my $payload = b64url(qq({"org_id":"org-bench","sub":"user-$i",)
                         . qq("jti":"$prefix-$i","iat":$now,"exp":$exp}));
    my $input = "$header.$payload";

    print $input, '.', b64url(hmac_sha256($input, $secret)), "\n";
}
