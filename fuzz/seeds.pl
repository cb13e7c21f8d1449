#!/usr/bin/perl
# Writes the seed inputs of the fuzz corpora: fuzz/corpus/NAME/seed-*.
# Run from the repository root: perl fuzz/seeds.pl [DOCUMENT...]
# (by default the published document and docs/openapi.json, the two that
# fuzz_openapi.c loads).
#
# openapi: one request per operation of each document, with
# parameters and bodies made from its schemas (required members only, all
# members, the other branch of each union, and wrong types), and a few
# requests that do not route.  json: the same bodies and hand-made edge
# cases.  jwt: tokens signed with the harness's fixed HS256 secrets, and
# payloads the harness signs itself ('s' and 'h' inputs, see fuzz_jwt.c).
# envelope: error lists as fuzz_envelope.c reads them.
#
# Files this script wrote before are replaced; other files in the corpora
# (merged inputs, regressions) are left alone.

use strict;
use warnings;

use Digest::SHA qw(hmac_sha256);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);

my @doc_files = @ARGV ? @ARGV : ('../shared/interloom-openapi/openapi.json',
                                  'docs/openapi.json');

# fuzz_jwt.c holds the same secrets and clock
my $SECRET1 = 'fuzz-secret-one-0123456789abcdef';
my $SECRET2 = 'fuzz-secret-two-0123456789abcdef0123456789abcdef';
my $NOW = 1767225600;

my $UUID = '0196d3b9-0c9d-7cf2-9c36-2a8f0bb0f3ac';

my $json = JSON::PP->new->canonical->allow_nonref;

my %seeds;
my %dict;

sub seed {
    my ($corpus, $data) = @_;
    push @{ $seeds{$corpus} }, $data;
}

sub slurp {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or die "$file: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

my $doc;


# -- instances made from schemas ----------------------------------------

sub resolve {
    my ($s) = @_;
    my $n = 0;
    while (ref $s eq 'HASH' && exists $s->{'$ref'} && $n++ < 32) {
        my $ref = $s->{'$ref'};
        $ref =~ s{^#/}{} or last;
        my $t = $doc;
        for my $tok (split m{/}, $ref) {
            $tok =~ s/~1/\//g;
            $tok =~ s/~0/~/g;
            $t = $t->{$tok};
        }
        $s = $t;
    }
    return $s;
}

my %FORMAT = (
    'uuid'      => $UUID,
    'date-time' => '2026-01-01T09:30:00.5Z',
    'date'      => '2026-02-28',
    'time'      => '23:59:60Z',
    'email'     => 'ada@example.com',
    'uri'       => 'https://example.com/a?b=c#d',
    'ipv4'      => '192.0.2.1',
    'ipv6'      => '2001:db8::1',
);

# mode: 'min' (required members), 'all', 'alt' (last branch of unions),
# 'bad' (a wrong type wherever one fits)
sub instance {
    my ($s, $mode, $depth) = @_;

    $s = resolve($s);
    return undef if ref $s ne 'HASH' || $depth > 8;

    return $s->{const} if exists $s->{const};

    if ($s->{enum}) {
        return 17 if $mode eq 'bad';
        return $s->{enum}[$mode eq 'alt' ? -1 : 0];
    }

    for my $k ('oneOf', 'anyOf') {
        next unless $s->{$k};
        my @b = @{ $s->{$k} };
        my @real = grep { (resolve($_)->{type} // '') ne 'null' } @b;
        @real = @b unless @real;
        return undef if $mode eq 'alt' && @real < @b;
        return instance($real[$mode eq 'alt' ? -1 : 0], $mode, $depth + 1);
    }

    if ($s->{allOf}) {
        my %o;
        for my $b (@{ $s->{allOf} }) {
            my $v = instance($b, $mode, $depth + 1);
            %o = (%o, %$v) if ref $v eq 'HASH';
        }
        return \%o;
    }

    my $type = $s->{type} // ($s->{properties} ? 'object' : 'string');
    $type = (grep { $_ ne 'null' } @$type)[0] // 'null' if ref $type;

    if ($type eq 'object') {
        my %o;
        my %req = map { $_ => 1 } @{ $s->{required} // [] };
        for my $name (sort keys %{ $s->{properties} // {} }) {
            my $ps = resolve($s->{properties}{$name});
            next if ref $ps eq 'HASH' && $ps->{readOnly};
            next if $mode eq 'min' && !$req{$name};
            $o{$name} = instance($ps, $mode, $depth + 1);
        }
        return \%o;
    }

    if ($type eq 'array') {
        return 'not an array' if $mode eq 'bad';
        return [] if $mode eq 'min' && !$s->{minItems};
        return [instance($s->{items} // {}, $mode, $depth + 1)];
    }

    if ($type eq 'integer' || $type eq 'number') {
        return 'NaN' if $mode eq 'bad';
        return $s->{minimum} // $s->{maximum} // 1;
    }

    return 'true' if $type eq 'boolean' && $mode eq 'bad';
    return JSON::PP::true if $type eq 'boolean';
    return undef if $type eq 'null';

    return 42 if $mode eq 'bad';
    return $FORMAT{ $s->{format} // '' } // ($s->{default} // 'text');
}


# -- openapi and json ---------------------------------------------------

sub query_value {
    my ($s) = @_;
    my $v = instance($s, 'all', 0);
    $v = $v->[0] if ref $v eq 'ARRAY';
    return 'true' if JSON::PP::is_bool($v) && $v;
    return '' unless defined $v && !ref $v;
    $v =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;
    return $v;
}

my @methods = qw(get put post delete options head patch trace);

for my $doc_file (@doc_files) {
    $doc = decode_json(slurp($doc_file));

    for my $tpl (sort keys %{ $doc->{paths} }) {
        my $item = resolve($doc->{paths}{$tpl});
        (my $path = $tpl) =~ s/\{[^}]+\}/$UUID/g;

        for my $m (grep { $item->{$_} } @methods) {
            my $op = $item->{$m};
            my @params = map { resolve($_) }
                         @{ $item->{parameters} // [] },
                         @{ $op->{parameters} // [] };
            my @q = map { "$_->{name}=" . query_value($_->{schema}) }
                    grep { $_->{in} eq 'query' } @params;
            my $query = @q ? '?' . join('&', @q) : '';
            my $M = uc $m;

            my $rb = resolve($op->{requestBody});
            my $content = ref $rb eq 'HASH' ? $rb->{content} // {} : {};
            my $js = $content->{'application/json'};

            if (!$js) {
                seed('openapi', "$M $path$query\n\n");
                my ($type) = sort keys %$content;
                seed('openapi', "$M $path\nContent-Type: $type; boundary=x\n\n"
                                . "--x--\r\n") if $type;
                next;
            }

            for my $mode (qw(min all alt bad)) {
                my $body = instance($js->{schema}, $mode, 0);
                next unless defined $body;
                my $text = $json->encode($body);
                seed('openapi', "$M $path$query\nContent-Type: application/json"
                                . "\n\n$text");
                seed('json', $text) unless $mode eq 'bad';
            }
        }
    }

    words('openapi', $doc->{components}{schemas});
    words('openapi', $doc->{paths});
    word('openapi', "/$_") for map { split m{/} } keys %{ $doc->{paths} };
}

# routes that go elsewhere, and parameters that break their schemas
seed('openapi', "HEAD /api/v1/public/cases?limit=100\n\n");
seed('openapi', "PUT /api/v1/public/cases/$UUID\n\n");
seed('openapi', "GET /api/v1/public/cases/\n\n");
seed('openapi', "GET /api/v1/public/cases/not-a-uuid\n\n");
seed('openapi', "GET /api/v1/public/c%61ses/%30196d3b9-0c9d-7cf2-9c36-"
                . "2a8f0bb0f3ac\n\n");
seed('openapi', "GET /api/v1/public/users/me\n\n");
seed('openapi', "GET /api/v1/public/users/a%2Fb\n\n");
seed('openapi', "GET /api/v1/public//cases\n\n");
seed('openapi', "GET /api/v1/public/cases/..\n\n");
seed('openapi', "get /api/v1/public/cases\n\n");
seed('openapi', "GET /api/v1/public/cases?limit=0&limit=abc&sort=x"
                . "&status=open&status=nope&cursor=%ZZ&space_id=\n\n");
seed('openapi', "GET /api/v1/public/cases?limit=1e2&direction=asc+desc"
                . "&assignee_id=$UUID&parent_case_id=null\n\n");
seed('openapi', "POST /api/v1/public/cases\nContent-Type: text/plain\n\n"
                . "{}");
seed('openapi', "POST /api/v1/public/cases\n"
                . "Content-Type: application/json\n\n");
seed('openapi', "POST /api/v1/public/cases\n"
                . "Content-Type: Application/JSON; charset=utf-8\n\n"
                . "{\"title\":\"a\",\"title\":\"b\"}");
seed('openapi', "POST /api/v1/public/cases\n"
                . "Content-Type: application/json\n\n"
                . "{\"title\":\"t\",\"space_id\":\"$UUID\","
                . "\"parent_case_id\":\"$UUID\",\"x\":1}");

# bodies at the parser's edges
seed('json', $_) for (
    '', ' ', '{}', '[]', 'null', 'true', 'false', '0', '-0', '-0.0e-0',
    '1.5E+300', '1e400', '-9223372036854775808', '9223372036854775808',
    '123456789012345678901234567890', '"\u00e9\ud83d\ude00\n\t\\"',
    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "[\"\xff\"]",
    "[\"\xc0\x80\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]",
    "[\"\xe2\x82\"]", '["\ud800"]', '["\udc00x"]', '["a\u0000"]',
    "\xef\xbb\xbf{}", '{"a":1,"a":2}', '{"x":{"a":1,' . "\n" . '"a":2}}',
    '{"a":1} x', '{} {}', '[1 2]', '{"a" 1}', '{"a":}', '[01]', '[1,]',
    "[\"a\tb\"]", '"abc', '[1', "{\n  \"a\": tru\n}",
    '[' x 64 . ']' x 64, '[' x 65 . ']' x 65, '{"a":' x 64 . '1' . '}' x 64,
    '{"a":' x 65 . '1' . '}' x 65,
    '{"deep":"' . '[' x 70 . '"}',
);


# -- jwt ----------------------------------------------------------------

sub b64 { return encode_base64url($_[0]) }

sub hs_token {
    my ($secret, $header, $payload) = @_;
    my $input = b64($header) . '.' . b64($payload);
    return $input . '.' . b64(hmac_sha256($input, $secret));
}

my $h1 = '{"alg":"HS256","typ":"JWT","kid":"hs-1"}';
my $h2 = '{"alg":"HS256","kid":"hs-2"}';
my $exp = $NOW + 3600;

my @payloads = (
    qq({"org_id":"org_1","jti":"j1","exp":$exp}),
    qq({"org_id":"org_1","jti":"j2","sub":"user_1","instance":"acme",)
        . qq("iat":$NOW,"nbf":$NOW,"exp":$exp,"scope":"read write"}),
    qq({"org_id":"o","jti":"j","exp":$exp.25,"nbf":1.5e9,"iat":-1.5}),
    qq({"org_id":"o","jti":"j","exp":@{[ $NOW - 10 ]}}),
    qq({"org_id":"o","jti":"j","exp":@{[ $NOW - 31 ]}}),
    qq({"org_id":"o","jti":"j","nbf":@{[ $NOW + 31 ]}}),
    qq({"org_id":"o","jti":"j","exp":1e300,"nbf":-1e300}),
    qq({"org_id":"o","jti":"j","exp":"$exp"}),
    qq({"org_id":"o","jti":"j","exp":null}),
    qq({"org_id":"","jti":"j"}),
    qq({"org_id":7,"jti":"j"}),
    qq({"jti":"j"}),
    qq({"org_id":"o","jti":"j","sub":["x"]}),
    qq({"org_id":"o\\u0001\\n","jti":"\\u00e9\\ud83d\\ude00","n":1.0,)
        . qq("big":9223372036854775807,"o":{"a":[1]},"t":true}),
    qq({"org_id":"o","jti":"j","iss":"https://auth.interloom.test",)
        . qq("aud":"interloom-api","exp":$exp}),
    qq({"org_id":"o","jti":"j","iss":"https://auth.interloom.test",)
        . qq("aud":["other","interloom-api"]}),
    qq({"org_id":"o","jti":"j","iss":"https://auth.interloom.test",)
        . qq("aud":["other"]}),
    qq({"org_id":"o","jti":"j","org_id":"p"}),
    qq([1,2]),
    qq({"org_id":"o","jti":"j"} ),
);

for my $i (0 .. $#payloads) {
    my $p = $payloads[$i];
    my $hi = chr($i % 17);
    seed('jwt', "s$hi$p");
    seed('jwt', 'S' . chr(($i + 5) % 17) . $p) if $i % 3 == 0;
    seed('jwt', 't' . hs_token($SECRET1, $h1, $p)) if $i % 2 == 0;
    seed('jwt', 'T' . hs_token($SECRET2, $h2, $p)) if $i % 5 == 0;
    seed('jwt', "S\x00$p") if $p =~ /"iss"/;
}

my $tok = hs_token($SECRET1, $h1, $payloads[1]);
seed('jwt', $_) for (
    "aBearer $tok", "abearer \t $tok \t", "ABEARER $tok==",
    "a Bearer $tok extra", "aBasic dXNlcjpwYXNz", 'aBearer', 'aBearer  ',
    'a', "aBearer a\x00b", 'aBearer ~+/-._=', 'aBearer ==',
    'aBearer ' . ('A' x 8193),
    't' . hs_token($SECRET1, $h1, $payloads[0]) . '.x',
    't' . hs_token($SECRET1, $h1, $payloads[0]) . '=',
    't..', 't.', 'ta.b', "t$tok" =~ s/\.[^.]*$/./r,
    't' . hs_token($SECRET2, $h1, $payloads[0]),
    't' . hs_token($SECRET1, '{"alg":"HS256","kid":"hs-1","crit":["x"]}',
                   $payloads[0]),
    "h\x00" . '{"alg":"HS256","kid":"hs-1","x5u":"https://x"}' . "\n"
        . $payloads[1],
    "h\x01" . '{"alg":"HS256","kid":"hs-2","typ":"JWT","cty":"JWT"}' . "\n"
        . $payloads[0],
    "h\x02" . '{"alg":"RS256","kid":"rs-1"}' . "\n" . $payloads[2],
    "h\x03" . '{"alg":"HS256","kid":"rs-1"}' . "\n" . $payloads[0],
    "h\x04" . '{"alg":"HS512","kid":"hs-1"}' . "\n" . $payloads[0],
    "h\x00" . '{"alg":"HS256","kid":"hs-1","kid":"hs-2"}' . "\n"
        . $payloads[0],
    "h\x00" . '{"alg":"HS256","kid":"hs-1","typ":null}' . "\n"
        . $payloads[0],
    "h\x00" . '[]' . "\n" . $payloads[0],
);


# -- envelope -----------------------------------------------------------

seed('envelope', $_) for (
    "validation_error\nThe request body is invalid.\ntitle\nField required."
        . "\nmissing\ntags.0\nInput should be a valid string.\nstring_type\n",
    "json_invalid\nInvalid JSON: invalid UTF-8 at line 1, column 3.\nbody\n"
        . "Invalid JSON: invalid UTF-8 at line 1, column 3.\njson_invalid",
    "case_not_found\nCase not found.",
    "c\"o\\de\x01\x1f\x7f\nm\x00e\rs\tsa\x08g\x0ce",
    "\xff\xfe\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82\n"
        . "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8\n"
        . "\xc3\nm\xa9\nt",
    "code\nmsg\n\n\n\n",
    join('', "validation_error\nThe request is invalid.\n",
         map { "query.p$_\nInput should be a valid integer.\nint_type\n" }
         0 .. 101),
);


# -- dictionaries -------------------------------------------------------

sub word {
    my ($name, $w) = @_;
    $dict{$name}{$w} = 1 if defined $w && !ref $w && length $w < 64;
}

sub words {
    my ($name, $node) = @_;
    if (ref $node eq 'HASH') {
        for my $k (keys %$node) {
            word($name, qq("$k")) if $k !~ m{^(description|title|/.*)$};
            words($name, $node->{$k}) if $k !~ /^(description|title)$/;
        }
        word($name, $node->{name}) if $node->{in};
        word($name, $node->{format});
    } elsif (ref $node eq 'ARRAY') {
        words($name, $_) for @$node;
    } elsif (defined $node && !JSON::PP::is_bool($node)) {
        word($name, qq("$node")) if $node !~ m{\s|^#/};
    }
}

word('openapi', $_) for qw(GET HEAD POST PUT PATCH DELETE OPTIONS ? & = %
                           Content-Type: application/json
                           multipart/form-data);

word('json', $_) for ('{', '}', '[', ']', ':', ',', '"', '\\', '\\u',
                      '\\ud83d', '\\udc00', 'true', 'false', 'null', '-0',
                      '1e', '1E+', '.5', '-9223372036854775808');
word('json', $_) for ("\xef\xbb\xbf", "\xc3\xa9", "\xf0\x9f\x98\x80",
                      "\xed\xa0\x80", "\xc0\x80");

word('jwt', $_) for qw("org_id" "jti" "sub" "instance" "exp" "nbf" "iat"
                        "iss" "aud" "alg" "kid" "typ" "crit" "HS256"
                        "RS256" "HS512" "none" "JWT" "hs-1" "hs-2" "rs-1"
                        "https://auth.interloom.test" "interloom-api"
                        Bearer eyJ);
word('jwt', $NOW);

for my $name (sort keys %dict) {
    my $file = "fuzz/$name.dict";
    open(my $fh, '>:raw', $file) or die "$file: $!\n";
    print $fh "# made by fuzz/seeds.pl\n";
    for my $w (sort keys %{ $dict{$name} }) {
        my $e = $w =~ s/([\\"])/\\$1/gr;
        $e =~ s/([^\x20-\x7e])/sprintf('\\x%02X', ord $1)/ge;
        print $fh "\"$e\"\n";
    }
    close $fh;
    print "$file: ", scalar(keys %{ $dict{$name} }), " words\n";
}


# -- write --------------------------------------------------------------

for my $corpus (sort keys %seeds) {
    my $dir = "fuzz/corpus/$corpus";
    mkdir $dir unless -d $dir;
    unlink glob("$dir/seed-*");

    my %seen;
    my $n = 0;

    for my $data (@{ $seeds{$corpus} }) {
        next if $seen{$data}++;
        my $file = sprintf('%s/seed-%03d', $dir, $n++);
        open(my $fh, '>:raw', $file) or die "$file: $!\n";
        print $fh $data;
        close $fh;
    }

    print "$dir: $n seeds\n";
}
