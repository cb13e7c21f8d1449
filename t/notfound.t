#!/usr/bin/perl
# Never a 403.  A property walk over every operation of both documents:
# the upstream answers 403 in every form (HTML, JSON, empty, gzip'd,
# chunked, its own envelope) and the caller gets the 404 of the resource,
# byte for byte what a missing resource gives, on a connection that stays
# usable; HEAD and HTTP/2 too.  Then 403s nginx makes itself, the
# canonical 404, and upstream errors without an envelope.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use IO::Socket::INET;
use lib 't/lib';
use Interloom::Test qw(http_request);

my $t = Interloom::Test->new;
my $d = $t->dir;
my $up = $t->upstream_start;
my $port = $t->port('http');
my $h2 = $t->port('h2');
my $secret = $t->secret_file;
my $shared = Interloom::Test::shared();
my $root = Interloom::Test::root();

my %DOC = (published => "$shared/interloom-openapi/openapi.json",
           project => "$root/docs/openapi.json",
           bare => "$root/t/unit/data/bare_id.json");

$t->nginx_start(<<"EOF", ports => [$port, $h2]);
    server {
        listen 127.0.0.1:$port;
        listen 127.0.0.1:$h2 http2;
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit off;
        interloom_validate off;

        location /api/ {
            interloom_spec $DOC{published};
            proxy_pass http://127.0.0.1:$up;
        }
        location /v2/ {
            interloom_spec $DOC{project};
            rewrite ^/v2(/.*)\$ \$1 break;
            proxy_pass http://127.0.0.1:$up;
        }
        location ~ ^/api/v1/public/secrets/ {
            interloom_spec $DOC{published};
            deny all;
        }
        location ~ ^/api/v1/public/notes/ {
            interloom_spec $DOC{published};
            limit_except GET { deny all; }
            proxy_pass http://127.0.0.1:$up;
        }
        location ~ ^/api/v1/public/files/ {
            interloom_spec $DOC{published};
            auth_request /auth-check;
            proxy_pass http://127.0.0.1:$up;
        }
        location = /auth-check {
            internal;
            return 403;
        }
        location /plain/ {
            proxy_pass http://127.0.0.1:$up;
        }
        location /errors/ {
            proxy_pass http://127.0.0.1:$up;
        }
        location /raw-errors/ {
            interloom_normalize_errors off;
            proxy_pass http://127.0.0.1:$up;
        }
    }
EOF

my $TOKEN = $t->token;
my $UUID = '0196d3b9-0c9d-7cf2-9c36-2a8f0bb0f3ac';

# --- what the 404 of each path must be, worked out here from the document --

sub singular {
    my ($w) = @_;
    $w =~ s/-/_/g;
    return $w =~ s/ies$/y/r if $w =~ /ies$/;
    return $w =~ s/s$//r if $w =~ /[^s]s$/;
    return $w;
}

sub expected {
    my ($doc, $template) = @_;
    my @seg = split m{/}, $template;
    my $code = 'not_found';
    for my $i (reverse 0 .. $#seg) {
        next unless $seg[$i] =~ /^\{(.+)\}$/;
        my $name = $1;
        if ($name eq 'id') {
            $code = singular($seg[$i - 1]) . '_not_found';
        } else {
            $name =~ s/_id$//;
            $code = "${name}_not_found";
        }
        last;
    }
    my $message = $doc->{messages}{$code};
    if (!defined $message) {
        if ($code eq 'not_found') {
            $message = 'Not found.';
        } else {
            ($message = $code) =~ s/_not_found$//;
            $message = ucfirst($message =~ s/_/ /gr) . ' not found.';
        }
    }
    return ($code, $message);
}

sub load_doc {
    my ($file) = @_;
    open(my $fh, '<', $file) or die "$file: $!";
    my $json = JSON::PP->new->decode(do { local $/; <$fh> });
    my (%messages, @ops);

    my $walk;
    $walk = sub {
        my ($x) = @_;
        if (ref $x eq 'HASH') {
            if (ref $x->{error} eq 'HASH' && defined $x->{error}{code}
                && defined $x->{error}{message} && $x->{error}{code} =~ /not_found$/)
            {
                $messages{ $x->{error}{code} } //= $x->{error}{message};
            }
            $walk->($_) for values %$x;
        } elsif (ref $x eq 'ARRAY') {
            $walk->($_) for @$x;
        }
    };
    # each code has one message throughout a document; examples may sit
    # in components, so the whole document is searched
    $walk->($json);
    for my $p (sort keys %{ $json->{paths} }) {
        for my $m (sort keys %{ $json->{paths}{$p} }) {
            next unless $m =~ /^(get|post|put|patch|delete)$/;
            push @ops, [ uc $m, $p ];
        }
    }
    return { ops => \@ops, messages => \%messages };
}

my @STRIP = ('ETag: "abc"', 'Last-Modified: Tue, 01 Jan 2030 00:00:00 GMT',
             'Set-Cookie: session=secret', 'Cache-Control: private',
             'Expires: Tue, 01 Jan 2030 00:00:00 GMT', 'Vary: Cookie',
             'Accept-Ranges: bytes');

my %FORBIDDEN = (
    html     => [ 'X-Mock-Body' => 'html' ],
    json     => [ 'X-Mock-Body' => 'json' ],
    empty    => [ 'X-Mock-Body' => 'empty' ],
    gzip     => [ 'X-Mock-Body' => 'html', 'X-Mock-Gzip' => 1 ],
    chunked  => [ 'X-Mock-Body' => 'html', 'X-Mock-Chunked' => 1 ],
    envelope => [ 'X-Mock-Body' => 'envelope:agent_tools_forbidden' ],
);

my %SKIP = map { lc($_) => 1 } qw(X-Request-Id X-Response-Timestamp Date
                                   X-RateLimit-Remaining X-RateLimit-Reset);

sub comparable {
    my ($res) = @_;
    return join "\n", $res->{line},
        map { "$_->[0]: $_->[1]" } grep { !$SKIP{ lc $_->[0] } } @{ $res->{headers} };
}

sub no_403 {
    my ($res) = @_;
    my $all = join "\n", $res->{line} // '', map { "$_->[0]: $_->[1]" } @{ $res->{headers} };
    return $all !~ /\b403\b/ && $res->{body} !~ /403|forbidden/i;
}

my $fails = 0;
my $checked = 0;

sub check {
    my ($ok, $what) = @_;
    $checked++;
    return 1 if $ok;
    $fails++;
    diag("not ok: $what") if $fails <= 20;
    return 0;
}

for my $name (qw(published project)) {
    my $doc = load_doc($DOC{$name});
    my $prefix = $name eq 'published' ? '' : '/v2';
    my $sock;

    for my $op (@{ $doc->{ops} }) {
        my ($method, $template) = @$op;
        (my $path = $template) =~ s/\{[^}]+\}/$UUID/g;
        my ($code, $message) = expected($doc, $template);
        my $want = qq({"error":{"code":"$code","message":"$message"}});
        my @methods = ($method, $method eq 'GET' ? ('HEAD') : ());

        for my $m (@methods) {
            my $what = "$name $m $template";

            # the reference: the upstream says the resource does not exist
            my $missing = http_request(port => $port, method => $m,
                path => "$prefix$path", sock => $sock, headers => [
                    Authorization => "Bearer $TOKEN",
                    'X-Mock-Status' => 404,
                    'X-Mock-Body' => "envelope:$code:$message" ]);
            $sock = $missing->{sock};
            check($missing->{status} == 404, "$what: missing -> 404");
            check($m eq 'HEAD' || $missing->{body} eq $want,
                  "$what: missing body $missing->{body}");

            for my $kind (sort keys %FORBIDDEN) {
                my $res = http_request(port => $port, method => $m,
                    path => "$prefix$path", sock => $sock, headers => [
                        Authorization => "Bearer $TOKEN",
                        'X-Mock-Status' => 403, @{ $FORBIDDEN{$kind} },
                        map { ('X-Mock-Header' => $_) } @STRIP ]);
                $sock = $res->{sock};

                check($res->{status} == 404, "$what 403/$kind: status $res->{status}");
                check($res->{line} eq 'HTTP/1.1 404 Not Found',
                      "$what 403/$kind: status line $res->{line}");
                check(no_403($res), "$what 403/$kind: no 403 anywhere");
                check($res->{h}{'content-length'} == length $want,
                      "$what 403/$kind: Content-Length");
                check($m eq 'HEAD' || $res->{body} eq $want,
                      "$what 403/$kind: body $res->{body}");
                check(comparable($res) eq comparable($missing),
                      "$what 403/$kind: same headers as a missing one:\n"
                      . comparable($res) . "\n---\n" . comparable($missing));
                check(defined $sock, "$what 403/$kind: connection kept");
            }
        }
    }
}

ok($checked > 2000, "the walk made $checked checks");
is($fails, 0, 'every operation of both documents: 403 becomes its 404');

# --- the bare {id} rule, through a small document of our own ----------------

{
    my $doc = load_doc($DOC{bare});
    my %seen;
    for my $op (@{ $doc->{ops} }) {
        my ($code) = expected($doc, $op->[1]);
        $seen{ $op->[1] } = $code;
    }
    is($seen{'/cases/{id}/stages'}, 'case_not_found', 'bare id: cases');
    is($seen{'/stages/{id}/instructions'}, 'stage_not_found', 'bare id: stages');
    is($seen{'/cases/{id}/labels/{label_id}'}, 'label_not_found',
       'bare id: last parameter wins');
    is($seen{'/spaces/{id}/members'}, 'space_not_found', 'bare id: spaces');
}

# --- HTTP/2 -----------------------------------------------------------------

my $out = `curl -s --http2-prior-knowledge -D - -H 'Authorization: Bearer $TOKEN' -H 'X-Mock-Status: 403' -H 'X-Mock-Body: html' -H 'X-Mock-Gzip: 1' http://127.0.0.1:$h2/api/v1/public/cases/$UUID`;
like($out, qr{^HTTP/2 404\s*$}m, 'HTTP/2: 404');
unlike($out, qr/\b403\b/, 'HTTP/2: no 403');
like($out, qr/\{"error":\{"code":"case_not_found","message":"Case not found\."\}\}$/,
     'HTTP/2: the envelope');
$out = `curl -s --http2-prior-knowledge -I -H 'Authorization: Bearer $TOKEN' -H 'X-Mock-Status: 403' http://127.0.0.1:$h2/api/v1/public/cases/$UUID`;
like($out, qr{^HTTP/2 404}m, 'HTTP/2 HEAD: 404');
like($out, qr/^content-length: 63\r?$/mi, 'HTTP/2 HEAD: Content-Length of the envelope');

# --- 403s nginx makes itself ---------------------------------------------------

for my $case ([ "/api/v1/public/secrets/$UUID", 'DELETE', 'deny',
                'secret_not_found', 'Secret not found.' ],
              [ "/api/v1/public/notes/$UUID", 'DELETE', 'limit_except',
                'note_not_found', 'Note not found.' ],
              [ "/api/v1/public/files/$UUID", 'GET', 'auth_request',
                'file_not_found', 'File not found.' ])
{
    my ($path, $m, $what, $code, $message) = @$case;
    my $res = http_request(port => $port, path => $path, method => $m,
                           headers => [ Authorization => "Bearer $TOKEN" ]);
    is($res->{status}, 404, "$what: 404");
    is($res->{line}, 'HTTP/1.1 404 Not Found', "$what: status line");
    is($res->{body}, qq({"error":{"code":"$code","message":"$message"}}),
       "$what: the resource's envelope");
}

# a location without a document: not_found
my $res = http_request(port => $port, path => '/plain/cases/x', headers => [
    Authorization => "Bearer $TOKEN", 'X-Mock-Status' => 403 ]);
is($res->{status}, 404, 'no document: 404');
is($res->{body}, '{"error":{"code":"not_found","message":"Not found."}}',
   'no document: not_found');

# --- the canonical 404 ----------------------------------------------------------

my %CANON = (
    'own envelope, reformatted' => [ [ 'X-Mock-Body' => 'envelope:case_not_found:Case not found.' ],
        '{"error":{"code":"case_not_found","message":"Case not found."}}' ],
    'other code kept' => [ [ 'X-Mock-Body' => 'envelope:parent_case_not_found:Parent case not found.' ],
        '{"error":{"code":"parent_case_not_found","message":"Parent case not found."}}' ],
    'chunked envelope' => [ [ 'X-Mock-Body' => 'envelope:case_not_found:Gone.', 'X-Mock-Chunked' => 1 ],
        '{"error":{"code":"case_not_found","message":"Gone."}}' ],
    'HTML' => [ [ 'X-Mock-Body' => 'html' ],
        '{"error":{"code":"case_not_found","message":"Case not found."}}' ],
    'gzip envelope' => [ [ 'X-Mock-Body' => 'envelope:x_not_found', 'X-Mock-Gzip' => 1 ],
        '{"error":{"code":"case_not_found","message":"Case not found."}}' ],
    'over 64 KiB' => [ [ 'X-Mock-Body' => 'big:70000' ],
        '{"error":{"code":"case_not_found","message":"Case not found."}}' ],
    'empty' => [ [ 'X-Mock-Body' => 'empty' ],
        '{"error":{"code":"case_not_found","message":"Case not found."}}' ],
    'text' => [ [ 'X-Mock-Body' => 'text' ],
        '{"error":{"code":"case_not_found","message":"Case not found."}}' ],
);
for my $what (sort keys %CANON) {
    my ($hdrs, $want) = @{ $CANON{$what} };
    $res = http_request(port => $port, path => "/api/v1/public/cases/$UUID",
                        headers => [ Authorization => "Bearer $TOKEN",
                                     'X-Mock-Status' => 404, @$hdrs ]);
    is($res->{status}, 404, "404 $what: status");
    is($res->{body}, $want, "404 $what: body");
    is($res->{h}{'content-type'}, 'application/json', "404 $what: type");
    ok(!exists $res->{h}{'content-encoding'}, "404 $what: not encoded");
}

# --- upstream errors without an envelope ------------------------------------------

for my $s ([500, 'internal_error', 'Internal server error.'],
           [502, 'bad_gateway', 'Bad gateway.'],
           [503, 'service_unavailable', 'Service unavailable.'],
           [504, 'gateway_timeout', 'Gateway timeout.'])
{
    my ($status, $code, $message) = @$s;
    $res = http_request(port => $port, path => '/errors/x', headers => [
        Authorization => "Bearer $TOKEN", 'X-Mock-Status' => $status,
        'X-Mock-Body' => 'html' ]);
    is($res->{status}, $status, "upstream $status HTML: status kept");
    is($res->{body}, qq({"error":{"code":"$code","message":"$message"}}),
       "upstream $status HTML: generic envelope");
    unlike($res->{body}, qr/Apache|backend/, "upstream $status: no banner");

    $res = http_request(port => $port, path => '/errors/x', headers => [
        Authorization => "Bearer $TOKEN", 'X-Mock-Status' => $status,
        'X-Mock-Body' => 'envelope:db_down:The database is down.' ]);
    is($res->{body}, '{ "error" : { "message" : "The database is down.", '
                     . '"code" : "db_down" } }',
       "upstream $status envelope: unchanged");
}

$res = http_request(port => $port, path => '/raw-errors/x', headers => [
    Authorization => "Bearer $TOKEN", 'X-Mock-Status' => 500,
    'X-Mock-Body' => 'text' ]);
is($res->{body}, "error 500 at backend-7\n",
   'interloom_normalize_errors off: the body passes');

like($t->error_log, qr/interloom: 403 from the upstream rewritten to 404 "case_not_found" \(\d+ in this worker\), request [0-9a-f-]{36}, operation getCase/,
     'rewritten 403s are logged with the request id and the operation');
unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'no alert in the log');

done_testing;
