#!/usr/bin/perl

# Proves that tokens minted by t/lib/Interloom/Token.pm, for every
# algorithm and in the broken forms the integration tests use, get the
# expected answer from the C verifier: it writes a list of keys and tokens
# and runs "test_jwt --interop" on it.
#
#   make build/unit/test_jwt && perl t/tools/jwt_interop.pl
#
# TEST_JWT names another test_jwt binary.  Exits non-zero on any mismatch.

use strict;
use warnings;

use FindBin;
use File::Temp ();

use lib "$FindBin::Bin/../lib";
use Interloom::Token qw(mint jwks key_for);

my $root = "$FindBin::Bin/../..";
my $bin = $ENV{TEST_JWT} || "$root/build/unit/test_jwt";

-x $bin or die "jwt_interop: no $bin; run \"make build/unit/test_jwt\"\n";

my $dir = File::Temp->newdir;
my $k = Interloom::Token::keys("$dir");
my $now = time;
my @algs = qw(HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384 ES512);
my $failed = 0;

sub claims {
    return { org_id => 'org_1', jti => 'jti-' . int(rand(1e9)),
             exp => $now + 300, iat => $now, @_ };
}

sub run {
    my ($name, @lines) = @_;

    my $list = "$dir/$name.txt";
    open(my $fh, '>', $list) or die "cannot write $list: $!\n";
    print $fh "$_\n" for "now $now", @lines;
    close($fh) or die "cannot write $list: $!\n";

    my $out = `"$bin" --interop "$list" 2>&1`;
    print $out;

    if ($? != 0) {
        print "not ok - $name\n";
        $failed++;
    }
}

# 1. Key files, each named after its algorithm.

my (@lines, @tokens);

for my $alg (@algs) {
    my (undef, $pub) = key_for($k, $alg);
    push @lines, "key $alg $pub \L$alg";
}

push @lines, 'policy https://id.example interloom';

my %std = (iss => 'https://id.example', aud => [ 'x', 'interloom' ]);

for my $alg (@algs) {
    my ($key) = key_for($k, $alg);
    my $kid = lc $alg;

    # several of each: ECDSA's R and S sometimes start with zero bytes,
    # which the DER to R||S conversion must pad back
    for my $i (1 .. ($alg =~ /^ES/ ? 12 : 2)) {
        push @tokens, [ ok => "$alg #$i", mint(alg => $alg, kid => $kid,
            key => $key, typ => 'JWT', claims => claims(%std)) ];
    }

    push @tokens,
        [ bad_signature => "$alg flipped bit", mint(alg => $alg,
            kid => $kid, key => $key, flip_bit => 9, claims => claims(%std)) ],
        [ algorithm => "$alg as none", mint(alg => 'none', kid => $kid,
            claims => claims(%std)) ],
        [ unknown_kid => "$alg unknown kid", mint(alg => $alg, kid => 'nope',
            key => $key, claims => claims(%std)) ];
}

my ($rsa_key, $rsa_pub) = key_for($k, 'RS256');
my ($hs_key) = key_for($k, 'HS256');

push @tokens,
    [ algorithm => 'HS256 keyed with the RSA public PEM', mint(alg => 'HS256',
        kid => 'rs256', secret_file => $rsa_pub, claims => claims(%std)) ],
    [ algorithm => 'RS384 header on the RS256 key', mint(alg => 'RS384',
        kid => 'rs256', key => $rsa_key, claims => claims(%std)) ],
    [ bad_signature => 'RS256 signed as RS384', mint(alg => 'RS256',
        sign_alg => 'RS384', kid => 'rs256', key => $rsa_key,
        claims => claims(%std)) ],
    [ claim => 'exp "soon"', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, exp => 'soon')) ],
    [ claim => 'no org_id', mint(kid => 'hs256', key => $hs_key,
        claims => do { my $c = claims(%std); delete $c->{org_id}; $c }) ],
    [ claim => 'org_id null', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, org_id => undef)) ],
    [ expired => 'expired', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, exp => $now - 60)) ],
    [ ok => 'expired within leeway', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, exp => $now - 10)) ],
    [ ok => 'fractional exp', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, exp => $now + 0.5)) ],
    [ not_yet_valid => 'nbf ahead', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, nbf => $now + 120)) ],
    [ issuer => 'other iss', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, iss => 'https://evil.example')) ],
    [ audience => 'other aud', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, aud => 'elsewhere')) ],
    [ ok => 'aud as a string', mint(kid => 'hs256', key => $hs_key,
        claims => claims(%std, aud => 'interloom')) ],
    [ malformed => 'typ at+jwt', mint(kid => 'hs256', key => $hs_key,
        typ => 'at+jwt', claims => claims(%std)) ],
    [ malformed => 'payload not JSON', mint(kid => 'hs256', key => $hs_key,
        payload_raw => 'hello') ],
    [ malformed => 'header not JSON', mint(key => $hs_key,
        header_raw => '{"alg":"HS256"') ],
    [ bad_signature => 'empty RS256 signature', mint(alg => 'RS256',
        kid => 'rs256', signature => '', claims => claims(%std)) ];

run('files', @lines,
    map { "token $_->[0] " . ($_->[1] =~ tr/ /_/r) . " $_->[2]" } @tokens);

# 2. The same kinds of keys from a JWKS, two of them for ES256.

my $second = "$dir/second";
mkdir $second or die "cannot mkdir $second: $!\n";
my $k2 = Interloom::Token::keys($second);

jwks("$dir/jwks.json",
    { pub => $k->{rsa}{pub}, kid => 'r', alg => 'RS512' },
    { pub => $k->{ec256}{pub}, kid => 'a', alg => 'ES256' },
    { pub => $k2->{ec256}{pub}, kid => 'b', alg => 'ES256', use => 'sig' },
    { pub => $k->{ec384}{pub}, kid => 'e384', alg => 'ES384' },
    { pub => $k->{ec521}{pub}, kid => 'e521', alg => 'ES512' },
    { secret => do { local (@ARGV, $/) = $k->{hmac}; <> }, kid => 'h',
      alg => 'HS512' },
    { pub => $k2->{rsa}{pub}, kid => 'wrap', alg => 'RSA-OAEP',
      use => 'enc' });

@tokens = (
    [ ok => 'JWKS RS512', mint(alg => 'RS512', kid => 'r',
        key => $k->{rsa}{key}, claims => claims()) ],
    [ ok => 'JWKS ES256 a', mint(alg => 'ES256', kid => 'a',
        key => $k->{ec256}{key}, claims => claims()) ],
    [ ok => 'JWKS ES256 b', mint(alg => 'ES256', kid => 'b',
        key => $k2->{ec256}{key}, claims => claims()) ],
    [ bad_signature => 'JWKS ES256 a signed by b', mint(alg => 'ES256',
        kid => 'a', key => $k2->{ec256}{key}, claims => claims()) ],
    [ unknown_kid => 'JWKS ES256 without kid', mint(alg => 'ES256',
        key => $k->{ec256}{key}, claims => claims()) ],
    [ ok => 'JWKS RS512 without kid', mint(alg => 'RS512',
        key => $k->{rsa}{key}, claims => claims()) ],
    [ unknown_kid => 'JWKS enc key', mint(alg => 'RS256', kid => 'wrap',
        key => $k2->{rsa}{key}, claims => claims()) ],
    [ ok => 'JWKS ES384', mint(alg => 'ES384', kid => 'e384',
        key => $k->{ec384}{key}, claims => claims()) ],
    [ ok => 'JWKS ES512', mint(alg => 'ES512', kid => 'e521',
        key => $k->{ec521}{key}, claims => claims()) ],
    [ ok => 'JWKS HS512', mint(alg => 'HS512', kid => 'h',
        key => $k->{hmac}, claims => claims()) ],
    [ algorithm => 'JWKS HS512 key, HS256 token', mint(alg => 'HS256',
        kid => 'h', key => $k->{hmac}, claims => claims()) ],
);

run('jwks', "jwks $dir/jwks.json",
    map { "token $_->[0] " . ($_->[1] =~ tr/ /_/r) . " $_->[2]" } @tokens);

print $failed ? "jwt_interop: FAILED\n" : "jwt_interop: all passed\n";
exit($failed ? 1 : 0);
