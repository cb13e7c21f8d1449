package Interloom::Token;

# Keys, JWKS files and tokens for the tests, made with core Perl and the
# openssl command line.  Tokens can be made broken on purpose: see mint().
#
#   my $k = Interloom::Token::keys($dir);
#   my $t = Interloom::Token::mint(alg => 'RS256', kid => 'r1',
#       key => $k->{rsa}{key}, claims => { org_id => 'o', jti => 'j' });

use strict;
use warnings;

use Digest::SHA ();
use File::Temp ();
use JSON::PP ();
use MIME::Base64 ();

use Exporter 'import';
our @EXPORT_OK = qw(mint jwks jwk b64url b64url_decode key_for);

my $JSON = JSON::PP->new->canonical->allow_nonref;

# alg => [ family, digest bits, EC key name in keys(), coordinate bytes ]
my %ALG = (
    HS256 => [ 'HS', 256 ], HS384 => [ 'HS', 384 ], HS512 => [ 'HS', 512 ],
    RS256 => [ 'RS', 256, 'rsa' ], RS384 => [ 'RS', 384, 'rsa' ],
    RS512 => [ 'RS', 512, 'rsa' ],
    ES256 => [ 'ES', 256, 'ec256', 32 ], ES384 => [ 'ES', 384, 'ec384', 48 ],
    ES512 => [ 'ES', 512, 'ec521', 66 ],
);

my %CURVE = (prime256v1 => 'P-256', secp384r1 => 'P-384',
             secp521r1 => 'P-521');

my %HMAC = (256 => \&Digest::SHA::hmac_sha256,
            384 => \&Digest::SHA::hmac_sha384,
            512 => \&Digest::SHA::hmac_sha512);

sub b64url {
    my ($bytes) = @_;

    my $s = MIME::Base64::encode_base64($bytes, '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+\z//;

    return $s;
}

sub b64url_decode {
    my ($s) = @_;

    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);

    return MIME::Base64::decode_base64($s);
}

sub _run {
    my (@cmd) = @_;

    system(@cmd) == 0 or die "interloom token: '@cmd' failed: $?\n";
}

sub _slurp {
    my ($file) = @_;

    open(my $fh, '<:raw', $file) or die "cannot open $file: $!\n";
    local $/;
    my $data = <$fh>;
    close($fh);

    return $data;
}

# An RSA 2048 key pair, EC key pairs on P-256, P-384 and P-521, and a
# 64-byte HMAC secret, made in $dir.  Returns
#   { rsa => { key => PATH, pub => PATH }, ec256 => {...}, ec384 => {...},
#     ec521 => {...}, hmac => PATH }

sub keys {
    my ($dir) = @_;

    my %k;

    my @gen = (
        [ rsa   => '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048' ],
        [ ec256 => '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256' ],
        [ ec384 => '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384' ],
        [ ec521 => '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521' ],
    );

    for my $g (@gen) {
        my ($name, @opt) = @$g;
        my $key = "$dir/$name.key";
        my $pub = "$dir/$name.pub";

        push @opt, '-pkeyopt', 'ec_param_enc:named_curve' if $name =~ /^ec/;

        _run('openssl', 'genpkey', '-quiet', @opt, '-out', $key);
        _run('openssl', 'pkey', '-in', $key, '-pubout', '-out', $pub);

        $k{$name} = { key => $key, pub => $pub };
    }

    $k{hmac} = "$dir/hmac.key";
    _run('openssl', 'rand', '-out', $k{hmac}, '64');

    return \%k;
}

# What keys() made for an algorithm: (signing key, verifying key file).
# For HS* both are the secret's file.

sub key_for {
    my ($k, $alg) = @_;

    my $a = $ALG{$alg} or die "interloom token: unknown alg $alg\n";

    return ($k->{hmac}, $k->{hmac}) if $a->[0] eq 'HS';
    return ($k->{ $a->[2] }{key}, $k->{ $a->[2] }{pub});
}

# The public numbers of a PEM public key, from "openssl pkey -text":
# (kty => 'RSA', n, e) or (kty => 'EC', crv, x, y), all base64url.

sub _public_numbers {
    my ($pub) = @_;

    open(my $fh, '-|', 'openssl', 'pkey', '-pubin', '-in', $pub, '-text',
         '-noout') or die "cannot run openssl: $!\n";
    my @lines = <$fh>;
    close($fh) or die "interloom token: openssl pkey -text $pub failed\n";

    my ($section, %hex, $exponent, $curve) = ('');

    for (@lines) {
        if (/^(Modulus|pub):\s*$/) {
            $section = $1;
        } elsif (/^\s+([0-9a-f:]+)\s*$/ && $section) {
            $hex{$section} .= $1;
        } else {
            $section = '';
            $exponent = $1 if /^Exponent:\s*(\d+)/;
            $curve = $1 if /^ASN1 OID:\s*(\S+)/;
        }
    }

    if (defined $hex{Modulus}) {
        (my $n = $hex{Modulus}) =~ tr/://d;
        $n = pack('H*', $n);
        $n =~ s/\A\x00+//;

        my $e = '';
        while ($exponent) {
            $e = chr($exponent & 0xff) . $e;
            $exponent >>= 8;
        }

        return (kty => 'RSA', n => b64url($n), e => b64url($e));
    }

    (my $point = $hex{pub} // '') =~ tr/://d;
    $point = pack('H*', $point);
    my $crv = $CURVE{ $curve // '' }
        or die "interloom token: $pub: no curve\n";
    my $size = (length($point) - 1) / 2;

    die "interloom token: $pub: not an uncompressed point\n"
        if substr($point, 0, 1) ne "\x04";

    return (kty => 'EC', crv => $crv, x => b64url(substr($point, 1, $size)),
            y => b64url(substr($point, 1 + $size, $size)));
}

# One JWK as a hash:
#   pub => PEM public key file, or secret => bytes (an oct key),
#   kid, alg, use: copied when given (no alg => a key without alg),
#   extra => { ... }: members added or replaced last.

sub jwk {
    my (%a) = @_;

    my %k = defined $a{secret}
          ? (kty => 'oct', k => b64url($a{secret}))
          : _public_numbers($a{pub});

    for my $m (qw(kid alg use)) {
        $k{$m} = $a{$m} if defined $a{$m};
    }

    %k = (%k, %{ $a{extra} // {} });

    return \%k;
}

# Writes {"keys":[...]} to $file from jwk() argument hashes.

sub jwks {
    my ($file, @keys) = @_;

    open(my $fh, '>', $file) or die "cannot write $file: $!\n";
    print $fh $JSON->encode({ keys => [ map { jwk(%$_) } @keys ] });
    close($fh) or die "cannot write $file: $!\n";

    return $file;
}

# DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to JWS's R||S, each
# padded to the curve's size.

sub _der_to_raw {
    my ($der, $size) = @_;

    my $pos = 0;

    my $length = sub {
        my $l = ord(substr($der, $pos++, 1));
        return $l if $l < 0x80;

        my $n = $l & 0x7f;
        $l = 0;
        $l = $l * 256 + ord(substr($der, $pos++, 1)) for 1 .. $n;

        return $l;
    };

    die "interloom token: ECDSA signature is not a SEQUENCE\n"
        if substr($der, $pos++, 1) ne "\x30";
    $length->();

    my $raw = '';

    for (1 .. 2) {
        die "interloom token: ECDSA signature lacks an INTEGER\n"
            if substr($der, $pos++, 1) ne "\x02";

        my $l = $length->();
        my $int = substr($der, $pos, $l);
        $pos += $l;

        $int =~ s/\A\x00+//;
        die "interloom token: ECDSA integer too long\n" if length $int > $size;
        $raw .= ("\x00" x ($size - length $int)) . $int;
    }

    return $raw;
}

sub _sign {
    my ($alg, $input, %a) = @_;

    return '' if $alg eq 'none';

    my $spec = $ALG{$alg} or die "interloom token: cannot sign with $alg\n";
    my ($family, $bits, undef, $size) = @$spec;

    if ($family eq 'HS') {
        my $secret = $a{secret};
        $secret = _slurp($a{secret_file} // $a{key}) unless defined $secret;

        return $HMAC{$bits}->($input, $secret);
    }

    my $key = $a{key} or die "interloom token: $alg needs key => PEM file\n";

    my $tmp = File::Temp->new;
    binmode($tmp);
    print $tmp $input;
    close($tmp);

    open(my $fh, '-|', 'openssl', 'dgst', "-sha$bits", '-sign', $key,
         '-binary', $tmp->filename) or die "cannot run openssl: $!\n";
    binmode($fh);
    local $/;
    my $sig = <$fh>;
    close($fh) or die "interloom token: openssl dgst -sign failed\n";

    return $family eq 'ES' ? _der_to_raw($sig, $size) : $sig;
}

# Returns a compact JWS.  Arguments:
#   alg           header alg (default HS256); 'none' signs nothing
#   kid, typ      header members when given
#   header        a hash merged over those (undef values delete a member)
#   header_raw    the header's JSON text as given, instead of all the above
#   claims        a hash; numbers stay JSON numbers ('soon' stays a string)
#   payload_raw   the payload's text as given, instead of claims
#   key           PEM private key file (RS*, ES*), or the secret's file (HS*)
#   secret        HMAC secret bytes; secret_file: a file whose bytes are it
#                 (an RSA public key's PEM file makes the classic forgery)
#   sign_alg      sign as this algorithm instead of alg
#   flip_bit      flip this bit of the signature (0 = lowest of byte 0)
#   signature     these bytes as the signature, unsigned

sub mint {
    my (%a) = @_;

    my $alg = $a{alg} // 'HS256';
    my $header = $a{header_raw};

    if (!defined $header) {
        my %h = (alg => $alg);
        $h{kid} = $a{kid} if defined $a{kid};
        $h{typ} = $a{typ} if defined $a{typ};

        while (my ($k, $v) = each %{ $a{header} // {} }) {
            if (defined $v) { $h{$k} = $v } else { delete $h{$k} }
        }

        $header = $JSON->encode(\%h);
    }

    my $payload = $a{payload_raw} // $JSON->encode($a{claims} // {});
    my $input = b64url($header) . '.' . b64url($payload);

    my $sig = $a{signature}
              // _sign($a{sign_alg} // $alg, $input, %a);

    if (defined $a{flip_bit} && length $sig) {
        my $i = int($a{flip_bit} / 8) % length $sig;
        substr($sig, $i, 1) = chr(ord(substr($sig, $i, 1))
                                  ^ (1 << ($a{flip_bit} % 8)));
    }

    return $input . '.' . b64url($sig);
}

1;
