#!/usr/bin/perl
# Bearer tokens: every algorithm family, alg pinning, kid selection, JWKS,
# claims, times, issuer/audience, the 401 and its WWW-Authenticate header,
# $interloom_auth_error, identity variables and spoofed headers.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use lib 't/lib';
use Interloom::Test qw(http_request);
use Interloom::Token qw(mint);

my $t = Interloom::Test->new;
my $d = $t->dir;
my $k = Interloom::Token::keys($d);

# a second HMAC secret, for a location that verifies otherwise
open(my $ok, '>', "$d/other.key") or die;
print $ok 'S' x 64;
close $ok;
my $up = $t->upstream_start;
my $port = $t->port('http');

# a JWKS with two keys, each chosen by its kid
Interloom::Token::jwks("$d/two.jwks",
    { pub => $k->{rsa}{pub}, kid => 'jr', alg => 'RS256' },
    { pub => $k->{ec256}{pub}, kid => 'je', alg => 'ES256' });

my $keys = '';
for my $alg (qw(HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384 ES512)) {
    my (undef, $verify) = Interloom::Token::key_for($k, $alg);
    $keys .= "        interloom_jwt_key $alg $verify kid=" . lc($alg) . ";\n";
}

my $conf = <<"EOF";
    log_format auth '\$interloom_request_id "\$interloom_auth_error"';

    server {
        listen 127.0.0.1:$port;
        interloom on;
        interloom_rate_limit off;
        access_log $d/access.log auth;

$keys
        proxy_set_header X-Interloom-Org-Id \$interloom_org_id;
        proxy_set_header X-Interloom-Key-Id \$interloom_key_id;
        proxy_set_header X-Interloom-Subject \$interloom_subject;
        proxy_set_header X-Interloom-Instance \$interloom_token_instance;
        proxy_set_header X-Interloom-Team \$interloom_claim_team;
        proxy_set_header X-Interloom-Seats \$interloom_claim_seats;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }

        location /rsa-only/ {
            interloom_jwt_key RS256 $k->{rsa}{pub};
            proxy_pass http://127.0.0.1:$up;
        }

        location /jwks/ {
            interloom_jwt_jwks $d/two.jwks;
            proxy_pass http://127.0.0.1:$up;
        }

        location /strict/ {
            interloom_jwt_key HS256 $k->{hmac};
            interloom_jwt_issuer https://auth.interloom.com;
            interloom_jwt_audience interloom-api;
            interloom_jwt_leeway 0;
            proxy_pass http://127.0.0.1:$up;
        }

        location /first/ {
            interloom_jwt_key HS256 $k->{hmac};
            root $d;
            try_files \$uri /second/\$uri;
        }

        location /second/ {
            interloom_jwt_key HS256 $d/other.key;
            proxy_pass http://127.0.0.1:$up;
        }

        location /redirected/ {
            root $d;
            error_page 404 = /after;
        }

        location = /after {
            interloom off;
            return 200 "org=\$interloom_org_id key=\$interloom_key_id";
        }

        location /no-forward/ {
            interloom_jwt_forward off;
            proxy_pass http://127.0.0.1:$up;
        }
    }
EOF

$t->nginx_start($conf, ports => [$port]);

my $now = time();
my %GOOD = (org_id => 'org-acme', jti => 'key-0001', sub => 'actor-7',
            exp => $now + 3600, iat => $now - 10, team => 'claims',
            seats => 42);

sub token {
    my (%a) = @_;
    my $alg = $a{alg} // 'HS256';
    my ($sign) = Interloom::Token::key_for($k, $alg);
    my %claims = (%GOOD, %{ $a{claims} // {} });
    delete $claims{$_} for @{ $a{without} // [] };
    return mint(alg => $alg, kid => exists $a{kid} ? $a{kid} : lc $alg,
                key => $sign, claims => \%claims, %{ $a{mint} // {} });
}

sub call {
    my ($auth, %a) = @_;
    my @h = defined $auth ? (Authorization => $auth) : ();
    return http_request(port => $port, path => $a{path} // '/api/x',
                        headers => [ @h, @{ $a{headers} // [] } ]);
}

sub auth_error_of {
    my ($res) = @_;
    my $id = $res->{h}{'x-request-id'} // 'none';
    for (1 .. 50) {
        my ($line) = grep { /^\Q$id\E / } split /\n/,
                     $t->read_file('access.log');
        return $1 if $line && $line =~ /"(.*)"/;
        select(undef, undef, undef, 0.02);
    }
    return undef;
}

my $ENVELOPE = '{"error":{"code":"unauthorized","message":'
               . '"Missing or invalid authentication token."}}';

sub refused {
    my ($res, $reason, $www, $what) = @_;
    is($res->{status}, 401, "$what: 401");
    is($res->{body}, $ENVELOPE, "$what: unauthorized envelope");
    is($res->{h}{'content-type'}, 'application/json', "$what: JSON");
    is($res->{h}{'www-authenticate'}, $www, "$what: WWW-Authenticate");
    is(auth_error_of($res), $reason, "$what: \$interloom_auth_error");
    like($res->{h}{'x-request-id'} // '', qr/^[0-9a-f-]{36}$/,
         "$what: X-Request-Id");
}

sub invalid_token {
    my ($reason, $desc_re) = @_;
    return qr/^Bearer realm="interloom", error="invalid_token", error_description="[^"\\]+"$/;
}

my $accepted_n = 0;

sub accepted {
    my ($res, $what) = @_;
    $accepted_n++;
    is($res->{status}, 200, "$what: 200");
    is(auth_error_of($res), '', "$what: no auth error");
}

# --- every algorithm -------------------------------------------------------

for my $alg (qw(HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384 ES512)) {
    accepted(call('Bearer ' . token(alg => $alg)), $alg);
}

my $before = $t->upstream_count;
$accepted_n = 0;

# --- refusals ----------------------------------------------------------------

my $INVALID = qr/^Bearer realm="interloom", error="invalid_token", error_description="[^"\\]+"$/;

sub refused_like {
    my ($res, $reason, $what) = @_;
    is($res->{status}, 401, "$what: 401");
    is($res->{body}, $ENVELOPE, "$what: unauthorized envelope");
    like($res->{h}{'www-authenticate'} // '', $INVALID,
         "$what: WWW-Authenticate invalid_token");
    is(auth_error_of($res), $reason, "$what: \$interloom_auth_error");
}

refused(call(undef), 'missing', 'Bearer realm="interloom"', 'no header');
refused(call(''), 'missing', 'Bearer realm="interloom"', 'empty header');
refused(call('Basic dXNlcjpwYXNz'), 'missing', 'Bearer realm="interloom"',
        'another scheme');

for my $v ('Bear', 'Bearer', 'Bearer ', 'Bearer    ') {
    my $res = call($v);
    is($res->{status}, 401, "'$v': 401");
    like($res->{h}{'www-authenticate'} // '',
         qr/^Bearer realm="interloom"(, error="invalid_request", error_description="[^"]+")?$/,
         "'$v': WWW-Authenticate");
    like(auth_error_of($res), qr/^(missing|malformed)$/,
         "'$v': missing or malformed");
}

my $res = call('Bearer');
is($res->{h}{'www-authenticate'},
   'Bearer realm="interloom", error="invalid_request", '
   . 'error_description="' . ($res->{h}{'www-authenticate'} =~ /error_description="([^"]+)"/)[0] . '"',
   'Bearer without a token: invalid_request');
is(auth_error_of($res), 'malformed', 'Bearer without a token: malformed');

refused_like(call('Bearer not.a.jwt'), 'malformed', 'garbage token');
refused_like(call('Bearer ' . token(mint => { alg => 'none',
                                              signature => '' })),
             'algorithm', 'alg none');
refused_like(call('Bearer ' . mint(alg => 'none', kid => 'hs256',
                                   claims => \%GOOD, signature => '')),
             'algorithm', 'alg none with a kid');

# the classic forgery: HS256 signed with the RSA public key's PEM
my $forged = mint(alg => 'HS256', kid => 'rs256', claims => \%GOOD,
                  secret_file => $k->{rsa}{pub});
refused_like(call("Bearer $forged"), 'algorithm',
             'HS256 signed with the RSA public key (kid of the RSA key)');
$forged = mint(alg => 'HS256', claims => \%GOOD,
               secret_file => $k->{rsa}{pub});
refused_like(call("Bearer $forged", path => '/rsa-only/x'), 'algorithm',
             'HS256 signed with the RSA public key (no kid)');

refused_like(call('Bearer ' . token(kid => 'nobody')), 'unknown_kid',
             'unknown kid');
refused_like(call('Bearer ' . token(alg => 'RS256', kid => 'es256')),
             'algorithm', 'RS256 token naming an ES256 key');

refused_like(call('Bearer ' . token(mint => { flip_bit => 3 })),
             'bad_signature', 'a flipped signature bit (HS256)');
refused_like(call('Bearer ' . token(alg => 'RS256', mint => { flip_bit => 9 })),
             'bad_signature', 'a flipped signature bit (RS256)');
refused_like(call('Bearer ' . token(alg => 'ES256',
                                    mint => { flip_bit => 17 })),
             'bad_signature', 'a flipped signature bit (ES256)');

refused_like(call('Bearer ' . token(claims => { exp => $now - 100 })),
             'expired', 'expired');
accepted(call('Bearer ' . token(claims => { exp => $now - 10 })),
         'expired within the leeway');
refused_like(call('Bearer ' . token(claims => { nbf => $now + 300 })),
             'not_yet_valid', 'nbf in the future');
refused_like(call('Bearer ' . token(without => ['org_id'])), 'claim',
             'no org_id');
refused_like(call('Bearer ' . token(without => ['jti'])), 'claim', 'no jti');
refused_like(call('Bearer ' . token(claims => { org_id => 17 })), 'claim',
             'numeric org_id');
refused_like(call('Bearer ' . token(claims => { exp => 'soon' })), 'claim',
             'non-numeric exp');

my $big = token(claims => { pad => 'x' x 8300 });
cmp_ok(length $big, '>', 8192, 'a token over 8 KiB');
$res = call("Bearer $big");
is($res->{status}, 401, 'over 8 KiB: 401');
is(auth_error_of($res), 'too_large', 'over 8 KiB: too_large');

# issuer and audience
my %STRICT = (iss => 'https://auth.interloom.com', aud => 'interloom-api');
sub strict {
    my (%c) = @_;
    return 'Bearer ' . mint(alg => 'HS256', key => $k->{hmac},
                            claims => { %GOOD, %STRICT, %c });
}
accepted(call(strict(), path => '/strict/x'), 'issuer and audience');
accepted(call(strict(aud => [ 'other', 'interloom-api' ]), path => '/strict/x'),
         'audience in an array');
refused_like(call(strict(iss => 'https://evil.example'), path => '/strict/x'),
             'issuer', 'wrong issuer');
refused_like(call(strict(aud => 'other'), path => '/strict/x'), 'audience',
             'wrong audience');
refused_like(call(strict(aud => [ 'a', 'b' ]), path => '/strict/x'),
             'audience', 'audience array without ours');
refused_like(call(strict(exp => $now - 5), path => '/strict/x'), 'expired',
             'expired with leeway 0');

is($t->upstream_count, $before + $accepted_n,
   'no refused request reached the upstream');

# lowercase scheme, spaces around
accepted(call('bearer ' . token()), 'lowercase bearer');
accepted(call('BEARER   ' . token() . '  '), 'BEARER with spaces');

# JWKS: each token picks its key by kid
accepted(call('Bearer ' . token(alg => 'RS256', kid => 'jr'),
              path => '/jwks/x'), 'JWKS RSA key by kid');
accepted(call('Bearer ' . token(alg => 'ES256', kid => 'je'),
              path => '/jwks/x'), 'JWKS EC key by kid');
refused_like(call('Bearer ' . token(alg => 'RS256', kid => 'je'),
                  path => '/jwks/x'), 'algorithm', 'JWKS: RS256 with the EC kid');
refused_like(call('Bearer ' . token(alg => 'HS256', kid => 'hs256'),
                  path => '/jwks/x'), 'unknown_kid',
             'a location with its own keys does not inherit the others');

# --- what the upstream sees --------------------------------------------------

my $tok = token(claims => { instance => 'acme' });
$res = call("Bearer $tok", headers => [
    'X-Interloom-Org-Id' => 'org-evil', 'X-Interloom-Admin' => 'yes',
    'x-interloom-key-id' => 'key-evil' ]);
is($res->{status}, 200, 'spoofed identity headers: 200');
my $seen = $t->upstream_requests->[-1];
is($seen->{headers}{'x-interloom-org-id'}, 'org-acme', 'org id from token');
is($seen->{headers}{'x-interloom-key-id'}, 'key-0001', 'key id (jti)');
is($seen->{headers}{'x-interloom-subject'}, 'actor-7', 'subject');
is($seen->{headers}{'x-interloom-instance'}, 'acme', 'token instance');
is($seen->{headers}{'x-interloom-team'}, 'claims', 'a string claim');
is($seen->{headers}{'x-interloom-seats'}, '42', 'a number claim');
ok(!exists $seen->{headers}{'x-interloom-admin'},
   'an unknown X-Interloom-* header is removed');
is($seen->{headers}{authorization}, "Bearer $tok",
   'Authorization forwarded unchanged');

call("Bearer $tok", path => '/no-forward/x');
ok(!exists $t->upstream_requests->[-1]{headers}{authorization},
   'interloom_jwt_forward off: no Authorization upstream');

# variables keep their values after an internal redirect, even into a
# location where the gateway is off
$res = call('Bearer ' . token(), path => '/redirected/missing');
is($res->{status}, 200, 'internal redirect: served');
is($res->{body}, 'org=org-acme key=key-0001',
   'identity variables survive an internal redirect');

# an internal redirect into a location with other keys verifies again
my $first = mint(alg => 'HS256', key => $k->{hmac}, claims => \%GOOD);
$before = $t->upstream_count;
$res = call("Bearer $first", path => '/first/missing');
is($res->{status}, 401, 'redirected into a location with other keys: 401');
is($t->upstream_count, $before, '  not proxied');
my $second = mint(alg => 'HS256', secret => 'S' x 64, claims => \%GOOD);
$res = call("Bearer $second", path => '/first/missing');
is($res->{status}, 401, 'a token for the second location only: 401 at the first');

# --- nginx refuses two Authorization headers itself -------------------------

$before = $t->upstream_count;
$res = http_request(port => $port, path => '/api/x', headers => [
    Authorization => 'Bearer ' . token(), Authorization => 'Bearer ' . token() ]);
is($res->{status}, 400, 'two Authorization headers: 400 from nginx');
is($t->upstream_count, $before, 'two Authorization headers: not proxied');

# --- Expect: 100-continue gets its 401 at once -------------------------------

{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
        or die;
    print $s "POST /api/x HTTP/1.1\r\nHost: localhost\r\n"
           . "Expect: 100-continue\r\nContent-Type: application/json\r\n"
           . "Content-Length: 1000\r\n\r\n";
    my $r = Interloom::Test::read_response($s, 'POST', 5);
    is($r->{status}, 401, 'Expect: 100-continue without a token: 401 first');
    is($r->{body}, $ENVELOPE, '  with the envelope');
}

# --- the cache: a hit re-checks the clock -------------------------------------

my $short = 'Bearer ' . mint(alg => 'HS256', key => $k->{hmac},
                             claims => { %GOOD, %STRICT, exp => time() + 2 });
accepted(call($short, path => '/strict/x'), 'short-lived token, first use');
accepted(call($short, path => '/strict/x'), 'short-lived token, cache hit');
sleep 3;
refused_like(call($short, path => '/strict/x'), 'expired',
             'the cached token expired');

# --- key rotation: edit the JWKS, reload ---------------------------------------

Interloom::Token::jwks("$d/two.jwks",
    { pub => $k->{ec256}{pub}, kid => 'je', alg => 'ES256' });
$t->nginx_reload($conf);
my $rotated;
for (1 .. 50) {
    $res = call('Bearer ' . token(alg => 'RS256', kid => 'jr'),
                path => '/jwks/x');
    if ($res->{status} == 401) { $rotated = $res; last }
    select(undef, undef, undef, 0.1);
}
ok($rotated, 'after a reload, a key taken out of the JWKS is refused');
is(auth_error_of($rotated), 'unknown_kid', '  as unknown_kid') if $rotated;
accepted(call('Bearer ' . token(alg => 'ES256', kid => 'je'),
              path => '/jwks/x'), 'the key left in the JWKS still works');

# --- the token never reaches a log -------------------------------------------

my $logs = $t->error_log . $t->read_file('access.log');
my $leaks = grep { index($logs, $_) >= 0 }
            map { (split /\./, $_)[2] } ($tok, $forged, $big);
is($leaks, 0, 'no token signature in any log');

done_testing;
