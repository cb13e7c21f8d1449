#!/usr/bin/perl
# Request validation, walked over every operation of both documents: the
# published one (../shared/interloom-openapi/openapi.json, 50 operations)
# and the project's own (docs/openapi.json, 63 operations).
#
# Requests are generated here from the documents: path parameters, query
# parameters and a body built from each schema.  Every operation gets
# accepted requests (they reach the upstream with the same method, URI
# and body SHA-256, and $interloom_operation names the operation), and
# every operation whose parameters or body can be broken gets rejected
# ones, whose exact `fields` are computed by a small model of the
# validation rules written in this file, not read from the module.  A
# hand-written subset at the end pins the wording of the rules so that a
# model wrong in the same way as the module would still be caught.

use strict;
use warnings;

use Test::More;
use JSON::PP;
use B ();
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(sleep);
use lib 't/lib';
use Interloom::Test qw(http_request);

my $t = Interloom::Test->new;
my $d = $t->dir;
my $up = $t->upstream_start;
my $secret = $t->secret_file;
my %PORT = (published => $t->port('published'),
            project => $t->port('project'));

my %FILE = (
    published => Interloom::Test::shared()
                 . '/interloom-openapi/openapi.json',
    project => Interloom::Test::root() . '/docs/openapi.json',
);

my $servers = '';
for my $name (sort keys %PORT) {
    $servers .= <<"EOF";
    server {
        listen 127.0.0.1:$PORT{$name};
        interloom on;
        interloom_jwt_key HS256 $secret;
        interloom_rate_limit off;
        interloom_spec $FILE{$name};
        access_log $d/ops-$name.log ops;

        location / {
            proxy_pass http://127.0.0.1:$up;
        }
    }
EOF
}

$t->nginx_start(<<"EOF", ports => [ values %PORT ]);
    log_format ops '\$interloom_request_id \$status "\$interloom_operation"';

$servers
EOF

my $TOKEN = $t->token;
my $JSON = JSON::PP->new->utf8->canonical;
my %ORDER;    # "doc\0pointer" => [keys in the file's order]

# --- the documents ----------------------------------------------------------

my %DOC;
for my $name (keys %FILE) {
    open(my $fh, '<', $FILE{$name}) or die "$FILE{$name}: $!";
    $DOC{$name} = JSON::PP->new->decode(do { local $/; <$fh> });
}

sub pointer {
    my ($doc, $ref) = @_;
    die "not a local \$ref: $ref\n" unless $ref =~ m{^#(/.*)?$};
    my $x = $doc;
    for my $tok (grep { length } split m{/}, $1 // '') {
        $tok =~ s/~1/\//g;
        $tok =~ s/~0/~/g;
        $tok =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
        $x = ref $x eq 'ARRAY' ? $x->[$tok] : $x->{$tok};
        die "dangling $ref\n" unless defined $x;
    }
    return $x;
}

# A $ref-only object (parameters, request bodies) read through.
sub deref {
    my ($doc, $x) = @_;
    for (1 .. 32) {
        return $x unless ref $x eq 'HASH' && defined $x->{'$ref'};
        $x = pointer($doc, $x->{'$ref'});
    }
    die "\$ref chain too long\n";
}

# The operations of a document in its own order: path keys are read from
# the file text, since a decoded hash forgets their order.
sub operations {
    my ($name) = @_;
    my $doc = $DOC{$name};
    my @ops;
    for my $path (@{ $ORDER{"$name\0paths"} }) {
        my $item = deref($doc, $doc->{paths}{$path});
        for my $m (qw(get put post delete options head patch trace)) {
            next unless $item->{$m};
            my $op = $item->{$m};
            my (%seen, @params);
            for my $p (map { deref($doc, $_) } @{ $op->{parameters} // [] },
                       @{ $item->{parameters} // [] })
            {
                next if $seen{"$p->{in}:$p->{name}"}++;
                push @params, $p;
            }
            my ($body, $body_type, $body_required);
            if ($op->{requestBody}) {
                my $rb = deref($doc, $op->{requestBody});
                $body_required = $rb->{required} ? 1 : 0;
                if ($rb->{content}{'application/json'}) {
                    $body = $rb->{content}{'application/json'}{schema};
                    $body_type = 'json';
                } else {
                    $body_type = (keys %{ $rb->{content} })[0];
                }
            }
            push @ops, {
                doc => $name, method => uc $m, template => $path,
                id => $op->{operationId}, params => \@params,
                body => $body, body_type => $body_type,
                body_required => $body_required,
            };
        }
    }
    return @ops;
}

# --- JSON values with their types and key order kept --------------------------
#
# [null] [bool, 0|1] [int, text] [num, text] [str, text] [arr, [...]]
# [obj, [[key, value], ...]]

sub jnull { ['null'] }
sub jbool { ['bool', $_[0] ? 1 : 0] }
sub jint  { ['int', "$_[0]"] }
sub jnum  { ['num', "$_[0]"] }
sub jstr  { ['str', "$_[0]"] }
sub jarr  { ['arr', [@_]] }
sub jobj  { ['obj', [@_]] }

my $STRJSON = JSON::PP->new->allow_nonref;

# Compact JSON text, UTF-8 bytes.
sub jtext {
    my ($v) = @_;
    my $s = jtext_chars($v);
    utf8::encode($s);
    return $s;
}

sub jtext_chars {
    my ($v) = @_;
    my $k = $v->[0];
    return 'null' if $k eq 'null';
    return $v->[1] ? 'true' : 'false' if $k eq 'bool';
    return $v->[1] if $k eq 'int' || $k eq 'num';
    return $STRJSON->encode($v->[1]) if $k eq 'str';
    return '[' . join(',', map { jtext_chars($_) } @{ $v->[1] }) . ']'
        if $k eq 'arr';
    return '{' . join(',', map { $STRJSON->encode($_->[0]) . ':'
                                 . jtext_chars($_->[1]) } @{ $v->[1] })
           . '}';
}

# A plain value of the document (enum, const) as a typed value.
sub from_plain {
    my ($x) = @_;
    return jnull() unless defined $x;
    return jbool($x) if JSON::PP::is_bool($x);
    return jarr(map { from_plain($_) } @$x) if ref $x eq 'ARRAY';
    return jobj(map { [ $_, from_plain($x->{$_}) ] } sort keys %$x)
        if ref $x eq 'HASH';
    my $flags = B::svref_2object(\$x)->FLAGS;
    if (($flags & (B::SVp_IOK() | B::SVp_NOK())) && !($flags & B::SVp_POK())) {
        return $x == int($x) && $x !~ /[.eE]/ ? jint($x) : jnum($x);
    }
    return jstr($x);
}

sub jeq {
    my ($x, $y) = @_;
    my %num = (int => 1, num => 1);
    if ($num{ $x->[0] } && $num{ $y->[0] }) {
        return $x->[1] == $y->[1];
    }
    return 0 unless $x->[0] eq $y->[0];
    my $k = $x->[0];
    return 1 if $k eq 'null';
    return $x->[1] eq $y->[1] if $k ne 'arr' && $k ne 'obj';
    if ($k eq 'arr') {
        return 0 unless @{ $x->[1] } == @{ $y->[1] };
        for my $i (0 .. $#{ $x->[1] }) {
            return 0 unless jeq($x->[1][$i], $y->[1][$i]);
        }
        return 1;
    }
    my %bm = map { $_->[0] => $_->[1] } @{ $y->[1] };
    return 0 unless @{ $x->[1] } == keys %bm;
    for my $m (@{ $x->[1] }) {
        return 0 unless $bm{ $m->[0] } && jeq($m->[1], $bm{ $m->[0] });
    }
    return 1;
}

sub jget {
    my ($obj, $key) = @_;
    for my $m (@{ $obj->[1] }) {
        return $m->[1] if $m->[0] eq $key;
    }
    return undef;
}

# --- the model of the rules ---------------------------------------------------
#
# Validates a typed value against a schema of a document and returns the
# problems as [path, message, type], in the order the rules give: a type
# mismatch alone; const and enum; string, number, object and array
# keywords (object: properties in declared order, required names not
# declared, x-mutually-exclusive, then keys the schema does not allow, in
# the body's order, then minProperties); then $ref, allOf, anyOf/oneOf,
# not and if/then/else.  A failed anyOf/oneOf whose only branch besides
# {"type":"null"} is one schema reports that branch; a discriminator
# picks its branch by tag.

my %TYPE_MSG = (
    string  => [ 'string_type', 'Input should be a valid string.' ],
    integer => [ 'int_type', 'Input should be a valid integer.' ],
    number  => [ 'float_type', 'Input should be a valid number.' ],
    boolean => [ 'bool_type', 'Input should be a valid boolean.' ],
    array   => [ 'list_type', 'Input should be a valid list.' ],
    object  => [ 'dict_type', 'Input should be a valid object.' ],
);

sub value_type {
    my ($v) = @_;
    return { null => 'null', bool => 'boolean', int => 'integer',
             num => 'number', str => 'string', arr => 'array',
             obj => 'object' }->{ $v->[0] };
}

sub type_ok {
    my ($types, $v) = @_;
    my $vt = value_type($v);
    for my $t (@$types) {
        return 1 if $t eq $vt;
        return 1 if $t eq 'number' && $vt eq 'integer';
    }
    return 0;
}

sub schema_types {
    my ($s) = @_;
    return () unless ref $s eq 'HASH' && defined $s->{type};
    return ref $s->{type} ? @{ $s->{type} } : ($s->{type});
}

sub type_error {
    my ($types, $path) = @_;
    my @t = grep { $_ ne 'null' } @$types;
    @t = grep { $_ ne 'integer' } @t if grep { $_ eq 'number' } @t;
    if (@t == 1) {
        return [ $path, $TYPE_MSG{ $t[0] }[1], $TYPE_MSG{ $t[0] }[0] ];
    }
    if (!@t) {
        return [ $path, 'Input should be null.', 'value_error' ];
    }
    my @names = grep { my $n = $_; grep { $_ eq $n } @$types }
                qw(string number integer boolean array object null);
    @names = grep { $_ ne 'integer' } @names
        if grep { $_ eq 'number' } @names;
    my $last = pop @names;
    return [ $path, 'Input should be of type '
                    . (@names ? join(', ', @names) . " or $last" : $last)
                    . '.', 'value_error' ];
}

sub quote {
    my ($x) = @_;
    my $v = from_plain($x);
    return "'$v->[1]'" if $v->[0] eq 'str';
    return $v->[1] if $v->[0] eq 'int' || $v->[0] eq 'num';
    return jtext_chars($v);
}

sub or_list {
    my (@q) = @_;
    return $q[0] if @q == 1;
    my $last = pop @q;
    return join(', ', @q) . " or $last";
}

my $HEX = '[0-9a-fA-F]';
my $UUID_RE = qr/^$HEX{8}-$HEX{4}-$HEX{4}-$HEX{4}-$HEX{12}$/;
my $DATE_RE = qr/\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])/;
my $TIME_RE = qr/([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?/;
my $ZONE_RE = qr/([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)/;

my %FORMAT = (
    uuid => [ sub { $_[0] =~ $UUID_RE }, 'uuid_parsing',
              'Input should be a valid UUID.' ],
    'date-time' => [
        sub { $_[0] =~ /^$DATE_RE[Tt]$TIME_RE$ZONE_RE$/ },
        'datetime_parsing', 'Input should be a valid datetime.' ],
    date => [ sub { $_[0] =~ /^$DATE_RE$/ },
              'date_parsing', 'Input should be a valid date.' ],
    email => [ sub { $_[0] =~ /^[^\s@]+@[^\s@]+\.[^\s@]+$/ }, 'value_error',
               'Input should be a valid email address.' ],
    uri => [ sub { $_[0] =~ m{^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$} },
             'value_error', 'Input should be a valid URI.' ],
);

sub plural {
    my ($n, $one, $many) = @_;
    return $n == 1 ? $one : $many;
}

sub is_null_schema {
    my ($s) = @_;
    return ref $s eq 'HASH' && defined $s->{type} && !ref $s->{type}
           && $s->{type} eq 'null' && keys(%$s) == 1;
}

# The one branch of an optional value, or undef.
sub optional_branch {
    my ($branches) = @_;
    my @other = grep { !is_null_schema($_) } @$branches;
    return @other == 1 && @$branches > 1 ? $other[0] : undef;
}

sub validate {
    my ($doc, $s, $v, $path, $errs) = @_;

    return 1 if !ref $s && $s;                     # true
    return 1 if JSON::PP::is_bool($s) && $s;
    if (JSON::PP::is_bool($s) || !ref $s) {
        push @$errs, [ $path, 'Input is not permitted.', 'value_error' ]
            if $errs;
        return 0;
    }

    my @types = schema_types($s);
    if (@types && !type_ok(\@types, $v)) {
        push @$errs, type_error(\@types, $path) if $errs;
        return 0;
    }

    my $ok = 1;
    my $fail = sub { $ok = 0; push @$errs, [ @_ ] if $errs };

    if (exists $s->{const} && !jeq($v, from_plain($s->{const}))) {
        $fail->($path, 'Input should be ' . quote($s->{const}) . '.',
                'literal_error');
    }

    if ($s->{enum} && !grep { jeq($v, from_plain($_)) } @{ $s->{enum} }) {
        $fail->($path, 'Input should be '
                . or_list(map { quote($_) } @{ $s->{enum} }) . '.', 'enum');
    }

    if ($v->[0] eq 'str') {
        my $len = length $v->[1];
        if (defined $s->{minLength} && $len < $s->{minLength}) {
            $fail->($path, "String should have at least $s->{minLength} "
                    . plural($s->{minLength}, 'character', 'characters')
                    . '.', 'string_too_short');
        } elsif (defined $s->{maxLength} && $len > $s->{maxLength}) {
            $fail->($path, "String should have at most $s->{maxLength} "
                    . plural($s->{maxLength}, 'character', 'characters')
                    . '.', 'string_too_long');
        }
        if (defined $s->{pattern} && $v->[1] !~ /$s->{pattern}/) {
            $fail->($path, "String should match pattern '$s->{pattern}'.",
                    'string_pattern_mismatch');
        }
        if (defined $s->{format} && $FORMAT{ $s->{format} }
            && !$FORMAT{ $s->{format} }[0]->($v->[1]))
        {
            $fail->($path, $FORMAT{ $s->{format} }[2],
                    $FORMAT{ $s->{format} }[1]);
        }
    }

    if ($v->[0] eq 'int' || $v->[0] eq 'num') {
        if (defined $s->{minimum} && $v->[1] < $s->{minimum}) {
            $fail->($path, "Input should be greater than or equal to "
                    . "$s->{minimum}.", 'greater_than_equal');
        }
        if (defined $s->{maximum} && $v->[1] > $s->{maximum}) {
            $fail->($path, "Input should be less than or equal to "
                    . "$s->{maximum}.", 'less_than_equal');
        }
    }

    if ($v->[0] eq 'obj') {
        my %props = %{ $s->{properties} // {} };
        my %req = map { $_ => 1 } @{ $s->{required} // [] };
        for my $name (property_order($doc, $s)) {
            my $m = jget($v, $name);
            if ($m) {
                validate($doc, $props{$name}, $m, join_path($path, $name),
                         $errs) or $ok = 0;
            } elsif ($req{$name}) {
                $fail->(join_path($path, $name), 'Field required.',
                        'missing');
            }
        }
        for my $name (@{ $s->{required} // [] }) {
            next if $props{$name} || jget($v, $name);
            $fail->(join_path($path, $name), 'Field required.', 'missing');
        }
        for my $group (@{ $s->{'x-mutually-exclusive'} // [] }) {
            my $first;
            for my $name (@$group) {
                my $m = jget($v, $name);
                next if !$m || $m->[0] eq 'null';
                if (!defined $first) {
                    $first = $name;
                    next;
                }
                $fail->(join_path($path, $name),
                        "Cannot be set together with $first.",
                        'mutually_exclusive');
            }
        }
        if (exists $s->{additionalProperties}) {
            my $ap = $s->{additionalProperties};
            for my $m (@{ $v->[1] }) {
                next if $props{ $m->[0] };
                if (JSON::PP::is_bool($ap) && !$ap) {
                    $fail->(join_path($path, $m->[0]),
                            'Extra inputs are not permitted.',
                            'extra_forbidden');
                } elsif (ref $ap eq 'HASH') {
                    validate($doc, $ap, $m->[1], join_path($path, $m->[0]),
                             $errs) or $ok = 0;
                }
            }
        }
        my $n = @{ $v->[1] };
        if (defined $s->{minProperties} && $n < $s->{minProperties}) {
            $fail->($path, "Object should have at least $s->{minProperties} "
                    . plural($s->{minProperties}, 'property', 'properties')
                    . '.', 'too_short');
        }
    }

    if ($v->[0] eq 'arr') {
        my $n = @{ $v->[1] };
        if (defined $s->{minItems} && $n < $s->{minItems}) {
            $fail->($path, "List should have at least $s->{minItems} "
                    . plural($s->{minItems}, 'item', 'items') . '.',
                    'too_short');
        } elsif (defined $s->{maxItems} && $n > $s->{maxItems}) {
            $fail->($path, "List should have at most $s->{maxItems} "
                    . plural($s->{maxItems}, 'item', 'items') . '.',
                    'too_long');
        }
        if ($s->{items}) {
            for my $i (0 .. $n - 1) {
                validate($doc, $s->{items}, $v->[1][$i],
                         join_path($path, $i), $errs) or $ok = 0;
            }
        }
        if ($s->{uniqueItems}) {
            UNIQUE: for my $i (0 .. $n - 1) {
                for my $k ($i + 1 .. $n - 1) {
                    if (jeq($v->[1][$i], $v->[1][$k])) {
                        $fail->($path, 'List should have unique items.',
                                'value_error');
                        last UNIQUE;
                    }
                }
            }
        }
    }

    if (defined $s->{'$ref'}) {
        validate($doc, pointer($doc, $s->{'$ref'}), $v, $path, $errs)
            or $ok = 0;
    }

    for my $sub (@{ $s->{allOf} // [] }) {
        validate($doc, $sub, $v, $path, $errs) or $ok = 0;
    }

    for my $kw (qw(anyOf oneOf)) {
        next unless $s->{$kw};
        union($doc, $s, $kw, $v, $path, $errs) or $ok = 0;
    }

    if ($s->{not} && validate($doc, $s->{not}, $v, $path, undef)) {
        $fail->($path, 'Input should not match the excluded schema.',
                'value_error');
    }

    if ($s->{if}) {
        if (validate($doc, $s->{if}, $v, $path, undef)) {
            validate($doc, $s->{then}, $v, $path, $errs) or $ok = 0
                if $s->{then};
        } elsif ($s->{else}) {
            validate($doc, $s->{else}, $v, $path, $errs) or $ok = 0;
        }
    }

    return $ok;
}

sub union {
    my ($doc, $s, $kw, $v, $path, $errs) = @_;
    my $branches = $s->{$kw};
    my $disc = $s->{discriminator};

    if ($disc) {
        my $prop = $disc->{propertyName};
        my $tag = $v->[0] eq 'obj' ? jget($v, $prop) : undef;
        my %map = %{ $disc->{mapping} // {} };
        if (!%map) {
            for my $b (@$branches) {
                my ($n) = ($b->{'$ref'} // '') =~ m{/([^/]+)$} or next;
                $map{$n} = $b->{'$ref'};
            }
        }
        if ($tag && $tag->[0] eq 'str' && $map{ $tag->[1] }) {
            my $ref = $map{ $tag->[1] };
            $ref = "#/components/schemas/$ref" unless $ref =~ m{[#/]};
            return validate($doc, pointer($doc, $ref), $v, $path, $errs);
        }
        my $valid = grep { validate($doc, $_, $v, $path, undef) } @$branches;
        return 1 if $kw eq 'oneOf' ? $valid == 1 : $valid > 0;
        return 0 unless $errs;
        if ($valid > 1) {
            push @$errs, [ $path, 'Input should match exactly one schema.',
                           'value_error' ];
            return 0;
        }
        if (!$tag) {
            push @$errs, [ $path, "Unable to extract tag using discriminator "
                           . "'$prop'.", 'union_tag_invalid' ];
            return 0;
        }
        my $shown = $tag->[0] eq 'str' ? "'$tag->[1]'"
                  : $tag->[0] eq 'null' ? 'null'
                  : 'of type ' . value_type($tag);
        my @tags = $disc->{mapping} ? mapping_order($doc, $s) : sort keys %map;
        push @$errs, [ $path, "Input tag $shown found using '$prop' does "
                       . "not match any of the expected tags: "
                       . join(', ', map { "'$_'" } @tags) . '.',
                       'union_tag_invalid' ];
        return 0;
    }

    my $valid = grep { validate($doc, $_, $v, $path, undef) } @$branches;
    return 1 if $kw eq 'oneOf' ? $valid == 1 : $valid > 0;
    return 0 unless $errs;
    if ($valid > 1) {
        push @$errs, [ $path, 'Input should match exactly one schema.',
                       'value_error' ];
        return 0;
    }
    my $only = optional_branch($branches);
    return validate($doc, $only, $v, $path, $errs) if $only;
    for my $b (@$branches) {
        my @t = reachable_types($doc, $b);
        if (grep { $_ eq value_type($v)
                   || ($_ eq 'number' && value_type($v) eq 'integer') } @t)
        {
            return validate($doc, $b, $v, $path, $errs);
        }
    }
    push @$errs, type_error([ map { reachable_types($doc, $_) } @$branches ],
                            $path);
    return 0;
}

sub reachable_types {
    my ($doc, $s) = @_;
    return schema_types($s) if schema_types($s);
    return reachable_types($doc, pointer($doc, $s->{'$ref'}))
        if ref $s eq 'HASH' && $s->{'$ref'};
    return qw(string number integer boolean array object null);
}

sub join_path {
    my ($base, $name) = @_;
    return $base eq '' || $base eq 'body' ? "$name" : "$base.$name";
}

# --- key order, read from the file text --------------------------------------
#
# JSON::PP forgets the order of keys, and the rules report properties in
# the order the schema declares them; the order is read back here from a
# decoder that keeps it.


my $STRING_RE = qr/"(?:[^"\\]|\\.)*"/s;
my $NUMBER_RE = qr/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;

sub ordered_decode {
    my ($text) = @_;
    my $pos = 0;
    my $ws = sub { $text =~ /\G\s*/gc };
    my $value;
    $value = sub {
        $ws->();
        if ($text =~ /\G\{/gc) {
            my @pairs;
            $ws->();
            return bless [], 'Ordered' if $text =~ /\G\}/gc;
            while (1) {
                $ws->();
                $text =~ /\G($STRING_RE)/gc
                    or die "bad key at " . pos($text);
                my $k = JSON::PP->new->allow_nonref->decode($1);
                $ws->();
                $text =~ /\G:/gc or die "no colon";
                push @pairs, [ $k, $value->() ];
                $ws->();
                next if $text =~ /\G,/gc;
                $text =~ /\G\}/gc or die "no close at " . pos($text);
                return bless \@pairs, 'Ordered';
            }
        }
        if ($text =~ /\G\[/gc) {
            my @items;
            $ws->();
            return \@items if $text =~ /\G\]/gc;
            while (1) {
                push @items, $value->();
                $ws->();
                next if $text =~ /\G,/gc;
                $text =~ /\G\]/gc or die "no ] at " . pos($text);
                return \@items;
            }
        }
        $text =~ /\G($STRING_RE|$NUMBER_RE|true|false|null)/gc
            or die "bad value at " . pos($text);
        return undef;
    };
    return $value->();
}

# Walks the ordered tree once and records every "properties" object's key
# order and every "mapping" object's key order, by JSON pointer.
sub record_order {
    my ($name, $file) = @_;
    open(my $fh, '<', $file) or die "$file: $!";
    my $tree = ordered_decode(do { local $/; <$fh> });
    my $walk;
    $walk = sub {
        my ($x, $ptr) = @_;
        if (ref $x eq 'Ordered') {
            for my $p (@$x) {
                (my $k = $p->[0]) =~ s/~/~0/g;
                $k =~ s{/}{~1}g;
                if (($p->[0] eq 'properties' || $p->[0] eq 'mapping')
                    && ref $p->[1] eq 'Ordered')
                {
                    $ORDER{"$name\0$ptr/$k"} = [ map { $_->[0] } @{ $p->[1] } ];
                }
                $walk->($p->[1], "$ptr/$k");
            }
        } elsif (ref $x eq 'ARRAY') {
            $walk->($x->[$_], "$ptr/$_") for 0 .. $#$x;
        }
    };
    $walk->($tree, '');
    # the path keys in file order, for the walk
    my ($paths) = grep { $_->[0] eq 'paths' } @$tree;
    $ORDER{"$name\0paths"} = [ map { $_->[0] } @{ $paths->[1] } ];
}

record_order($_, $FILE{$_}) for keys %FILE;

# Schemas are plain hashes; their pointer is found once by identity.
my %PTR;
for my $name (keys %DOC) {
    my $walk;
    $walk = sub {
        my ($x, $ptr) = @_;
        if (ref $x eq 'HASH') {
            $PTR{"$x"} //= "$name\0$ptr";
            for my $k (keys %$x) {
                (my $e = $k) =~ s/~/~0/g;
                $e =~ s{/}{~1}g;
                $walk->($x->{$k}, "$ptr/$e");
            }
        } elsif (ref $x eq 'ARRAY') {
            $walk->($x->[$_], "$ptr/$_") for 0 .. $#$x;
        }
    };
    $walk->($DOC{$name}, '');
}

sub property_order {
    my ($doc, $s) = @_;
    my $props = $s->{properties} // {};
    my $where = $PTR{"$s"} or die "schema of unknown place\n";
    my $order = $ORDER{"$where/properties"}
        or return sort keys %$props;
    return @$order;
}

sub mapping_order {
    my ($doc, $s) = @_;
    my $where = $PTR{"$s"} or die "schema of unknown place\n";
    return @{ $ORDER{"$where/discriminator/mapping"}
              // [ sort keys %{ $s->{discriminator}{mapping} } ] };
}

# --- generating values -------------------------------------------------------

my $UUID = '0196d3b9-0c9d-7cf2-9c36-2a8f0bb0f3ac';
my $UUID2 = 'a1b2c3d4-e5f6-4789-abcd-ef1234567890';

my %FORMAT_VALUE = (
    uuid => $UUID, 'date-time' => '2025-01-15T09:30:00Z',
    date => '2025-01-15', email => 'claims@example.com',
    uri => 'https://tools.example.com/run',
);

my @PATTERN_CANDIDATES = ('amount_due', '#1a2B3c', 'triage-bot_2',
                          'status:eq:open', 'x');

# A valid value for a schema.  $full fills optional properties too, with
# text beyond ASCII, so every declared property is exercised.
sub gen {
    my ($doc, $s, $full) = @_;

    return jstr('x') unless ref $s eq 'HASH';
    return from_plain($s->{const}) if exists $s->{const};
    return from_plain($s->{enum}[0]) if $s->{enum};

    if ($s->{'$ref'} && !schema_types($s)) {
        return gen($doc, pointer($doc, $s->{'$ref'}), $full);
    }

    for my $kw (qw(oneOf anyOf)) {
        next unless $s->{$kw};
        if ($s->{discriminator} && $s->{discriminator}{mapping}) {
            my ($tag) = mapping_order($doc, $s);
            my $target = pointer($doc, $s->{discriminator}{mapping}{$tag});
            return gen($doc, $target, $full);
        }
        my ($b) = grep { !is_null_schema($_) } @{ $s->{$kw} };
        return gen($doc, $b, $full);
    }

    my ($type) = grep { $_ ne 'null' } schema_types($s);
    $type //= $s->{properties} ? 'object' : 'string';

    if ($type eq 'string') {
        return jstr($FORMAT_VALUE{ $s->{format} })
            if $s->{format} && $FORMAT_VALUE{ $s->{format} };
        if (defined $s->{pattern}) {
            for my $c (@PATTERN_CANDIDATES) {
                return jstr($c) if $c =~ /$s->{pattern}/;
            }
            die "no candidate matches /$s->{pattern}/\n";
        }
        my $text = $full ? "Wasserschaden \x{2014} K\x{f6}ln \x{2713}" : 'x';
        $text .= 'x' x (($s->{minLength} // 0) - length $text)
            if ($s->{minLength} // 0) > length $text;
        return jstr($text);
    }
    if ($type eq 'integer' || $type eq 'number') {
        my $n = $s->{minimum} // 1;
        $n = $s->{maximum} if defined $s->{maximum} && $n > $s->{maximum};
        $n = 2 if $full && (!defined $s->{maximum} || $s->{maximum} >= 2)
                  && $n < 2;
        return $type eq 'integer' ? jint($n) : jnum("$n.5");
    }
    return jbool(1) if $type eq 'boolean';
    if ($type eq 'array') {
        my $n = $s->{minItems} // 0;
        $n = 1 if $full && $n < 1;
        return jarr(map { gen($doc, $s->{items}, $full) } 1 .. $n);
    }

    # an object
    my @names = property_order($doc, $s);
    my %req = map { $_ => 1 } @{ $s->{required} // [] };
    my %skip;
    for my $group (@{ $s->{'x-mutually-exclusive'} // [] }) {
        $skip{$_} = 1 for @$group[1 .. $#$group];
    }
    my @members;
    for my $name (@names) {
        my $ps = $s->{properties}{$name};
        next if ref $ps eq 'HASH' && $ps->{readOnly};
        next unless $req{$name} || ($full && !$skip{$name});
        push @members, [ $name, gen($doc, $ps, $full) ];
    }
    for my $name (@{ $s->{required} // [] }) {
        push @members, [ $name, jstr('x') ]
            unless grep { $_->[0] eq $name } @members;
    }
    if (!$s->{properties} && ($s->{additionalProperties} // 0) && $full) {
        push @members, [ 'type', jstr('object') ],
                       [ 'properties', jobj([ 'amount', jobj([ 'type',
                           jstr('number') ]) ]) ];
    }
    my $v = jobj(@members);

    # what the rules still ask for (if/then, minProperties): add it
    for (1 .. 5) {
        my @e;
        last if validate($doc, $s, $v, 'body', \@e);
        my $added = 0;
        for my $e (@e) {
            if ($e->[2] eq 'missing' && $e->[0] !~ /\./) {
                push @{ $v->[1] }, [ $e->[0],
                    gen($doc, $s->{properties}{ $e->[0] }, $full) ];
                $added = 1;
            } elsif ($e->[2] eq 'too_short' && $e->[0] eq 'body') {
                my ($name) = grep { my $n = $_; !jget($v, $n) && !$skip{$n} }
                             @names;
                push @{ $v->[1] }, [ $name,
                    gen($doc, $s->{properties}{$name}, $full) ];
                $added = 1;
            }
        }
        last unless $added;
    }
    return $v;
}

# A value the schema refuses.  A string without constraints refuses only
# other types, so it gets a number; $i varies the kind of mistake.
sub broken {
    my ($doc, $s, $i) = @_;
    return jint(12345) unless ref $s eq 'HASH';

    if ($s->{'$ref'} && !schema_types($s)) {
        return broken($doc, pointer($doc, $s->{'$ref'}), $i);
    }
    for my $kw (qw(anyOf oneOf)) {
        next unless $s->{$kw};
        my $only = optional_branch($s->{$kw});
        return broken($doc, $only, $i) if $only;
        return jint(12345);
    }
    return jstr('not-one-of-these') if $s->{enum};
    return jstr('something-else') if exists $s->{const};

    my ($type) = grep { $_ ne 'null' } schema_types($s);
    $type //= 'string';

    if ($type eq 'string') {
        return jstr($s->{format} eq 'uuid' ? 'abc' : "not a $s->{format}")
            if $s->{format} && $FORMAT{ $s->{format} };
        return jstr('') if ($s->{minLength} // 0) > 0 && $i % 2;
        return jstr('Not Allowed!') if defined $s->{pattern};
        return jint(12345);
    }
    if ($type eq 'integer') {
        return jint($s->{minimum} - 1) if defined $s->{minimum} && $i % 2;
        return jnum('2.5');
    }
    return jstr('many') if $type eq 'number';
    return jstr('true') if $type eq 'boolean';
    if ($type eq 'array') {
        return jstr('not-a-list') unless $s->{items} && $i % 2;
        return jarr(gen($doc, $s->{items}, 1), broken($doc, $s->{items}, $i));
    }
    return jstr('not-an-object') unless $s->{properties} && $i % 2;
    return broken_object($doc, $s, $i);
}

# The full valid object with every property broken, the first required
# one left out, and a key nobody declared.  The discriminator's property
# keeps its tag, so the branch stays the same.
sub broken_object {
    my ($doc, $s, $i, $keep) = @_;
    my $v = gen($doc, $s, 1);
    my %req = map { $_ => 1 } @{ $s->{required} // [] };
    my ($drop) = grep { $req{$_} && !($keep && $_ eq $keep) }
                 property_order($doc, $s);
    my @m;
    my $k = $i;
    for my $m (@{ $v->[1] }) {
        next if defined $drop && $m->[0] eq $drop;
        if ($keep && $m->[0] eq $keep) {
            push @m, $m;
            next;
        }
        push @m, [ $m->[0], broken($doc, $s->{properties}{ $m->[0] }, $k++) ];
    }
    push @m, [ 'unexpected_field', jstr('surprise') ];
    return jobj(@m);
}

sub broken_body {
    my ($doc, $s, $i) = @_;
    $s = pointer($doc, $s->{'$ref'}) if $s->{'$ref'} && keys %$s == 1;
    if ($s->{oneOf} && $s->{discriminator}) {
        my ($tag) = mapping_order($doc, $s);
        my $target = pointer($doc, $s->{discriminator}{mapping}{$tag});
        return broken_object($doc, $target, $i,
                             $s->{discriminator}{propertyName});
    }
    return broken_object($doc, $s, $i);
}

# --- query parameters, as the rules read them -------------------------------

sub pct {
    my ($s) = @_;
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub param_types {
    my ($doc, $s) = @_;
    return () unless ref $s eq 'HASH';
    return schema_types($s) if schema_types($s);
    return param_types($doc, pointer($doc, $s->{'$ref'})) if $s->{'$ref'};
    for my $kw (qw(anyOf oneOf)) {
        next unless $s->{$kw};
        my $only = optional_branch($s->{$kw});
        return (param_types($doc, $only), 'null') if $only;
    }
    return qw(string number integer boolean array object null);
}

sub param_items {
    my ($doc, $s) = @_;
    return $s->{items} if $s->{items};
    return param_items($doc, pointer($doc, $s->{'$ref'})) if $s->{'$ref'};
    for my $kw (qw(anyOf oneOf)) {
        next unless $s->{$kw};
        my $only = optional_branch($s->{$kw});
        return param_items($doc, $only) if $only;
    }
    return undef;
}

sub coerce {
    my ($text, @types) = @_;
    my %t = map { $_ => 1 } @types;
    return jnull() if $text eq '' && $t{null};
    return jstr($text) if $t{string} || !%t;
    if ($t{integer} && $text =~ /^[+-]?\d+$/) {
        return jint($text + 0);
    }
    if ($t{number} && $text =~ /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/) {
        return jnum($text);
    }
    if ($t{boolean}) {
        return jbool(1) if $text =~ /^(true|1|yes|on|t|y)$/i;
        return jbool(0) if $text =~ /^(false|0|no|off|f|n)$/i;
    }
    return jstr($text);
}

# The 422 fields the rules give for a query string's pairs.
sub query_errors {
    my ($doc, $op, $pairs) = @_;
    my @errs;
    for my $p (grep { $_->{in} eq 'query' } @{ $op->{params} }) {
        my @vals = map { $_->[1] } grep { $_->[0] eq $p->{name} } @$pairs;
        my $path = "query.$p->{name}";
        if (!@vals) {
            push @errs, [ $path, 'Field required.', 'missing' ]
                if $p->{required};
            next;
        }
        my @types = param_types($doc, $p->{schema});
        my $v;
        if (grep({ $_ eq 'array' } @types)
            && !grep { $_ ne 'array' && $_ ne 'null' } @types)
        {
            my @it = param_types($doc, param_items($doc, $p->{schema}) // {});
            if (defined $p->{explode} && !$p->{explode}) {
                die "explode false is tested elsewhere\n";
            }
            $v = jarr(map { coerce($_, @it) } @vals);
        } else {
            $v = coerce($vals[-1], @types);
        }
        validate($doc, $p->{schema}, $v, $path, \@errs);
    }
    return @errs;
}

# Valid pairs: required parameters, or with $full every one; arrays get
# two values.
sub good_query {
    my ($doc, $op, $full) = @_;
    my @pairs;
    for my $p (grep { $_->{in} eq 'query' } @{ $op->{params} }) {
        next unless $p->{required} || $full;
        my @types = param_types($doc, $p->{schema});
        if (grep { $_ eq 'array' } @types) {
            my $items = param_items($doc, $p->{schema});
            my @choices = $items->{enum} ? @{ $items->{enum} }
                        : ('open', 'started');
            @choices = ('amount:gte:100', 'paid:is_null')
                if defined $items->{pattern};
            push @pairs, [ $p->{name}, $choices[-1] ],
                         [ $p->{name}, $choices[0] ];
            next;
        }
        my $v = gen($doc, $p->{schema}, 0);
        my $text = $v->[0] eq 'bool' ? ($v->[1] ? 'true' : 'false')
                 : $v->[1];
        $text = "eyJpZCI6MX0=" if $p->{name} eq 'cursor';
        $text = 'created_at' if $p->{name} eq 'sort' && !$p->{schema}{enum};
        $text = 20 if $p->{name} eq 'limit';
        push @pairs, [ $p->{name}, $text ];
    }
    return @pairs;
}

# Every query parameter that can be broken, broken; a required one left out.
sub bad_query {
    my ($doc, $op, $i) = @_;
    my @pairs;
    for my $p (grep { $_->{in} eq 'query' } @{ $op->{params} }) {
        next if $p->{required} && $i % 2 == 0;
        my $s = $p->{schema};
        my @types = param_types($doc, $s);
        if (grep { $_ eq 'array' } @types) {
            my $items = param_items($doc, $s);
            if ($items->{enum}) {
                push @pairs, [ $p->{name}, $items->{enum}[0] ],
                             [ $p->{name}, 'bogus' ];
            } elsif (defined $items->{pattern}) {
                push @pairs, [ $p->{name}, 'amount:eq:1' ],
                             [ $p->{name}, 'no operator' ];
            }
            next;
        }
        my %t = map { $_ => 1 } @types;
        my $base = $s->{anyOf} ? optional_branch($s->{anyOf}) : $s;
        next unless $base;
        if ($t{integer}) {
            my @choices = ('0', '101', 'ten', '1.5', '-3', '99999999999');
            push @pairs, [ $p->{name}, $choices[ $i % @choices ] ];
        } elsif ($base->{enum}) {
            push @pairs, [ $p->{name}, $base->{enum}[0] ],
                         [ $p->{name}, uc $base->{enum}[0] ];
        } elsif ($base->{format} && $base->{format} eq 'uuid') {
            push @pairs, [ $p->{name}, "$UUID" . 'x' ];
        } elsif (defined $base->{pattern}) {
            push @pairs, [ $p->{name}, 'Amount Due' ];
        }
    }
    # an unknown parameter always passes
    push @pairs, [ 'utm_source', 'newsletter' ];
    return @pairs;
}

sub query_string {
    my (@pairs) = @_;
    return join '&', map { pct($_->[0]) . '=' . pct($_->[1]) } @pairs;
}

# --- requests -----------------------------------------------------------------

my %SOCK;
my @LOGGED;    # [request id, port name, operation]

sub call {
    my (%a) = @_;
    my $name = $a{doc};
    my @h = (Authorization => "Bearer $TOKEN", @{ $a{headers} // [] });
    push @h, 'Content-Type' => 'application/json'
        if defined $a{body} && !$a{type};
    push @h, 'Content-Type' => $a{type} if $a{type};
    # a refusal gets a connection of its own, so a broken one cannot
    # take the requests after it down too
    my $res = http_request(port => $PORT{$name}, method => $a{method},
                           path => $a{path}, headers => \@h,
                           body => $a{body},
                           sock => $a{fresh} ? undef : $SOCK{$name});
    $SOCK{$name} = $res->{status} ? $res->{sock} : undef unless $a{fresh};
    return $res;
}

sub fields_text {
    my (@errs) = @_;
    return join '', map { "  $_->[0] | $_->[1] | $_->[2]\n" } @errs;
}

sub envelope {
    my ($code, $message, @fields) = @_;
    my $s = JSON::PP->new->allow_nonref;
    my $out = '{"error":{"code":' . $s->encode($code) . ',"message":'
              . $s->encode($message);
    if (@fields) {
        $out .= ',"fields":[' . join(',', map {
            '{"path":' . $s->encode($_->[0]) . ',"message":'
            . $s->encode($_->[1]) . ',"type":' . $s->encode($_->[2]) . '}'
        } @fields) . ']';
    }
    $out .= '}}';
    utf8::encode($out);
    return $out;
}

my ($checks, $fails) = (0, 0);

sub check {
    my ($ok, $what) = @_;
    $checks++;
    return 1 if $ok;
    $fails++;
    diag("not ok: $what") if $fails <= 40;
    return 0;
}

# What reached the upstream since the last look: the harness re-reads the
# whole log each time, which grows quadratic over a walk of this size.
my $SEEN_POS = 0;

sub upstream_new {
    my $file = "$d/upstream.requests";
    open(my $fh, '<', $file) or return ();
    seek($fh, $SEEN_POS, 0);
    my @r;
    while (my $l = <$fh>) {
        last unless $l =~ /\n$/;
        push @r, $JSON->decode($l);
        $SEEN_POS = tell($fh);
    }
    return @r;
}

# Whatever reached the upstream after the last request was answered
# belongs to that request; a refused one must have sent nothing.
my $LAST = '';

sub upstream_late {
    my @late = upstream_new();
    check(!@late, "$LAST: reached the upstream after its answer ("
          . join(' ', map { "$_->{method} $_->{uri}" } @late) . ')');
}

# An accepted request: the upstream saw it as it was sent.
sub accepted {
    my ($op, $path, $body, $what, %o) = @_;
    upstream_late();
    my $method = $o{method} // $op->{method};
    my $res = call(doc => $op->{doc}, method => $method,
                   path => $path, body => $body, type => $o{type});
    my $label = "$op->{doc} $op->{id} $what";
    $LAST = $label;
    note("$label: $method $path " . ($body // '')) if $ENV{VALIDATE_SHOW};
    check($res->{status} == 200, "$label: status $res->{status} "
          . ($res->{body} // ''));
    my @seen = upstream_new();
    check(@seen == 1, "$label: one request upstream, not " . scalar @seen);
    my $seen = $seen[-1] // {};
    check(($seen->{method} // '') eq $method,
          "$label: upstream method " . ($seen->{method} // 'none'));
    check(($seen->{uri} // '') eq $path,
          "$label: upstream uri " . ($seen->{uri} // 'none'));
    check(($seen->{body_sha256} // '') eq sha256_hex($body // ''),
          "$label: upstream body sha256");
    check(($seen->{body_length} // -1) == length($body // ''),
          "$label: upstream body length");
    push @LOGGED, [ $res->{h}{'x-request-id'}, $op->{doc}, $op->{id},
                    $res->{status} ];
    return $res;
}

# A refused request: the exact envelope, and nothing upstream.
sub refused {
    my ($op, $path, $body, $status, $want, $what, %o) = @_;
    upstream_late();
    my $res = call(doc => $op->{doc}, method => $op->{method}, path => $path,
                   body => $body, type => $o{type}, fresh => 1);
    my $label = "$op->{doc} $op->{id} $what";
    $LAST = $label;
    note("$label: $op->{method} $path " . ($body // '') . "\n  -> $want")
        if $ENV{VALIDATE_SHOW};
    check($res->{status} == $status, "$label: status $res->{status}");
    check($res->{body} eq $want, "$label: body\n  got  $res->{body}\n"
          . "  want $want");
    check(($res->{h}{'content-type'} // '') eq 'application/json',
          "$label: Content-Type");
    check(($res->{h}{'content-length'} // -1) == length $want,
          "$label: Content-Length");
    check(($res->{h}{'x-request-id'} // '') =~ /^[0-9a-f-]{36}$/,
          "$label: X-Request-Id");
    my @seen = upstream_new();
    check(!@seen, "$label: nothing upstream");
    push @LOGGED, [ $res->{h}{'x-request-id'}, $op->{doc}, $op->{id},
                    $res->{status} ];
    return $res;
}

# --- the walk -----------------------------------------------------------------

# The 404 of a path, from its last parameter and the document's examples.
sub not_found_of {
    my ($name, $template) = @_;
    my ($last) = reverse($template =~ /\{([^}]+)\}/g);
    (my $code = $last) =~ s/_id$//;
    $code .= '_not_found';
    my $message;
    my $walk;
    $walk = sub {
        my ($x) = @_;
        return if defined $message;
        if (ref $x eq 'HASH') {
            if (ref $x->{error} eq 'HASH'
                && ($x->{error}{code} // '') eq $code)
            {
                $message = $x->{error}{message};
                return;
            }
            $walk->($x->{$_}) for sort keys %$x;
        } elsif (ref $x eq 'ARRAY') {
            $walk->($_) for @$x;
        }
    };
    $walk->($DOC{$name});
    if (!defined $message) {
        ($message = $code) =~ s/_not_found$//;
        $message = ucfirst($message =~ s/_/ /gr) . ' not found.';
    }
    return ($code, $message);
}

my %COUNT;
my @NO_REJECT;

for my $name (qw(published project)) {
    my $doc = $DOC{$name};
    my $i = 0;

    for my $op (operations($name)) {
        $i++;
        $COUNT{$name}{ops}++;

        my @pp = grep { $_->{in} eq 'path' } @{ $op->{params} };
        my @qp = grep { $_->{in} eq 'query' } @{ $op->{params} };
        (my $path = $op->{template}) =~ s/\{[^}]+\}/$UUID/g;

        # accepted: the least the operation needs
        my @q = good_query($doc, $op, 0);
        my $uri = $path . (@q ? '?' . query_string(@q) : '');
        my $min_uri = $uri;
        my $body;
        if (($op->{body_type} // '') eq 'json') {
            my $v = gen($doc, $op->{body}, 0);
            my @e;
            check(validate($doc, $op->{body}, $v, 'body', \@e),
                  "$name $op->{id}: the generated body is valid for the "
                  . "model:\n" . fields_text(@e));
            $body = jtext($v) if $op->{body_required} || $i % 2;
        } elsif ($op->{body_type}) {
            $body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\";"
                    . " filename=\"a.bin\"\r\n\r\n\x00\x01\xff\r\n--XyZ--\r\n";
        }
        my $type = $op->{body_type} && $op->{body_type} ne 'json'
                   ? 'multipart/form-data; boundary=XyZ' : undef;
        accepted($op, $uri, $body, 'minimal', type => $type);
        $COUNT{$name}{accepted}++;

        # accepted: everything the operation takes
        if (@qp || ($op->{body_type} // '') eq 'json') {
            @q = good_query($doc, $op, 1);
            $uri = $path . (@q ? '?' . query_string(@q) : '');
            if (($op->{body_type} // '') eq 'json') {
                my $v = gen($doc, $op->{body}, 1);
                my @e;
                check(validate($doc, $op->{body}, $v, 'body', \@e),
                      "$name $op->{id}: the full body is valid for the "
                      . "model:\n" . fields_text(@e));
                $body = jtext($v);
            }
            accepted($op, $uri, $body, 'full');
        }

        # HEAD wherever GET is
        if ($op->{method} eq 'GET') {
            accepted($op, $min_uri, undef, 'HEAD', method => 'HEAD');
        }

        my $rejected = 0;

        # refused: the query
        my @bad = bad_query($doc, $op, $i);
        my @qerr = query_errors($doc, $op, \@bad);
        if (@qerr) {
            refused($op, "$path?" . query_string(@bad), $body, 422,
                    envelope('validation_error', 'The request is invalid.',
                             @qerr), 'query');
            $rejected++;
        }

        # refused: the body
        if (($op->{body_type} // '') eq 'json') {
            my $v = broken_body($doc, $op->{body}, $i);
            my @e;
            validate($doc, $op->{body}, $v, 'body', \@e);
            check(@e > 0, "$name $op->{id}: the broken body is broken");
            refused($op, $path, jtext($v), 422,
                    envelope('validation_error',
                             'The request body is invalid.', @e), 'body');

            # a body of the wrong kind altogether
            @e = ();
            validate($doc, $op->{body}, jarr(jstr('not'), jstr('an object')),
                     'body', \@e);
            refused($op, $path, '["not", "an object"]', 422,
                    envelope('validation_error',
                             'The request body is invalid.', @e),
                    'array body');
            $rejected++;
        }

        # refused: a multipart body without its boundary, or as JSON
        if ($op->{body_type} && $op->{body_type} ne 'json') {
            my $want = envelope('unsupported_media_type',
                                'Unsupported media type.');
            refused($op, $path, $body, 415, $want, 'multipart, no boundary',
                    type => 'multipart/form-data');
            refused($op, $path, '{}', 415, $want, 'JSON to multipart',
                    type => 'application/json');
            $rejected++;
        }

        # refused: a path parameter that breaks its schema
        for my $p (@pp) {
            my @e;
            next if validate($doc, $p->{schema}, jstr('not-a-uuid'), '',
                             \@e);
            (my $bad = $op->{template}) =~ s/\{\Q$p->{name}\E\}/not-a-uuid/;
            $bad =~ s/\{[^}]+\}/$UUID/g;
            my ($code, $message) = not_found_of($name, $op->{template});
            refused($op, $bad, undef, 404, envelope($code, $message),
                    "path $p->{name}");
            $rejected++;
        }

        # the published document's path parameters are plain strings:
        # any value is accepted, even one with an encoded slash
        if (@pp && !grep { $_->{schema}{format} } @pp) {
            (my $odd = $op->{template})
                =~ s/\{[^}]+\}/caf%C3%A9%2F42%20x/g;
            accepted($op, $odd, ($op->{body_type} // '') eq 'json'
                                ? jtext(gen($doc, $op->{body}, 0)) : $body,
                     'odd path value', type => $type);
        }

        if ($rejected) {
            $COUNT{$name}{rejected}++;
        } else {
            push @NO_REJECT, "$name $op->{id}";
        }
        $COUNT{$name}{with_params}++
            if @pp || @qp || $op->{body_type};
    }
}

sleep 0.3;
upstream_late();

is($COUNT{published}{ops}, 50, 'the published document: 50 operations');
is($COUNT{project}{ops}, 63, 'the project document: 63 operations');
is($COUNT{published}{accepted}, 50, 'published: each has an accepted request');
is($COUNT{project}{accepted}, 63, 'project: each has an accepted request');

# What could not be refused: operations whose only parameters are path
# parameters of type string without constraints (the published
# document's ids), or that take nothing at all.
for my $name (qw(published project)) {
    for my $op (operations($name)) {
        next unless grep { $_ eq "$name $op->{id}" } @NO_REJECT;
        my @constrained = grep {
            $_->{in} ne 'header'
            && !($_->{in} eq 'path' && !$_->{schema}{format})
            && !($_->{in} eq 'query' && $_->{name} eq 'cursor')
        } @{ $op->{params} };
        check(!@constrained && !$op->{body_type},
              "$name $op->{id}: has parameters or a body and no refusal");
    }
}
is(scalar(@NO_REJECT), 20, 'operations without a possible refusal: '
   . join(', ', @NO_REJECT));

ok($checks > 1500, "the walk made $checks checks");
is($fails, 0, 'every operation of both documents: accepted and refused '
   . 'requests as the rules say');

# $interloom_operation names each operation in the access log
{
    my $lines = '';
    for (1 .. 50) {
        $lines = join '', map { $t->read_file("ops-$_.log") }
                          qw(published project);
        last if (() = $lines =~ /\n/g) >= @LOGGED;
        sleep 0.05;
    }
    my %got;
    for my $l (split /\n/, $lines) {
        my ($id, $status, $op) = $l =~ /^(\S+) (\d+) "(.*)"$/ or next;
        $got{$id} = [ $status, $op ];
    }
    my $bad = 0;
    for my $r (@LOGGED) {
        my ($id, $name, $op, $status) = @$r;
        my $g = $got{ $id // '' };
        next if $g && $g->[0] == $status && $g->[1] eq $op;
        diag("log of $name $op ($status): " . ($g ? "@$g" : 'missing'))
            if ++$bad <= 10;
    }
    is($bad, 0, '$interloom_operation is the operationId of each of '
       . scalar(@LOGGED) . ' requests');
}

# --- the rules in words: a hand-written subset --------------------------------

sub req {
    my ($name, $method, $path, $body, %o) = @_;
    return call(doc => $name, method => $method,
                path => "/api/v1/public$path", body => $body, %o);
}

sub is_422 {
    my ($res, $message, $fields, $what) = @_;
    is($res->{status}, 422, "$what: 422");
    is($res->{body}, envelope('validation_error', $message, @$fields),
       "$what: fields");
}

my $BODY = 'The request body is invalid.';
my $QUERY = 'The request is invalid.';

# the API's own example
is_422(req('project', 'POST', '/cases',
           qq({"title":"Hail damage","space_id":"$UUID",)
           . qq("parent_case_id":"$UUID2"})),
       $BODY, [ [ 'parent_case_id', 'Cannot be set together with space_id.',
                  'mutually_exclusive' ] ],
       'project createCase: space_id and parent_case_id');
is_422(req('project', 'POST', '/cases', '{"title":"Hail damage"}'),
       $BODY, [ [ 'space_id', 'Field required.', 'missing' ] ],
       'project createCase: neither space_id nor parent_case_id');
is(req('project', 'POST', '/cases',
       qq({"title":"Hail damage","parent_case_id":"$UUID2"}))->{status},
   200, 'project createCase: parent_case_id alone');

# the published document's example: title missing
is_422(req('published', 'POST', '/cases', '{}'), $BODY,
       [ [ 'title', 'Field required.', 'missing' ] ],
       'published createCase: title missing');

# an optional uuid given "abc" is one uuid_parsing at its path
is_422(req('published', 'POST', '/cases',
           '{"title":"t","assignee_id":"abc","due_at":null}'),
       $BODY, [ [ 'assignee_id', 'Input should be a valid UUID.',
                  'uuid_parsing' ] ],
       'published createCase: an optional uuid');

# every problem, in the order the schema declares the properties, not
# the order of the body; array items by index
is_422(req('published', 'POST', '/cases',
           '{"tags":["a",7,"b",false],"due_at":"tomorrow",'
           . '"space_id":"abc","title":5}'),
       $BODY, [ [ 'space_id', 'Input should be a valid UUID.',
                  'uuid_parsing' ],
                [ 'title', 'Input should be a valid string.', 'string_type' ],
                [ 'due_at', 'Input should be a valid datetime.',
                  'datetime_parsing' ],
                [ 'tags.1', 'Input should be a valid string.', 'string_type' ],
                [ 'tags.3', 'Input should be a valid string.',
                  'string_type' ] ],
       'published createCase: order of the schema');

# enum, through a $ref inside anyOf
is_422(req('published', 'PATCH', "/cases/$UUID", '{"status":"closed"}'),
       $BODY, [ [ 'status', "Input should be 'open', 'started', 'completed',"
                  . " 'cancelled' or 'blocked'.", 'enum' ] ],
       'published updateCase: status enum');
is(req('published', 'PATCH', "/cases/$UUID", '{"status":null}')->{status},
   200, 'published updateCase: status null');

# additionalProperties false, nested: stages.0
is_422(req('published', 'PATCH', "/procedures/$UUID",
           '{"stages":[{"title":"Intake","instructions":null,'
           . '"assignee_id":null,"colour":"red"},{"title":"Review"}]}'),
       $BODY, [ [ 'stages.0.colour', 'Extra inputs are not permitted.',
                  'extra_forbidden' ],
                [ 'stages.1.instructions', 'Field required.', 'missing' ],
                [ 'stages.1.assignee_id', 'Field required.', 'missing' ] ],
       'published updateProcedure: nested stages');

# maxItems on an optional array
is_422(req('published', 'POST', "/threads/$UUID/messages",
           '{"text":"hi","file_ids":[' . join(',', map { qq("$UUID") } 1 .. 101)
           . ']}'),
       $BODY, [ [ 'file_ids', 'List should have at most 100 items.',
                  'too_long' ] ],
       'published createThreadMessage: 101 file ids');

# the list is capped at 100 problems
{
    my $res = req('published', 'PUT', "/agents/$UUID/tools",
                  '{"tool_ids":[' . join(',', map { qq("t$_") } 0 .. 149)
                  . ']}');
    is_422($res, $BODY, [ map { [ "tool_ids.$_",
                                  'Input should be a valid UUID.',
                                  'uuid_parsing' ] } 0 .. 99 ],
           'published replaceAgentTools: 150 problems, 100 reported');
}

# the discriminator of the published trigger PATCH; one branch's tag is
# null and is not in the mapping
{
    my $tags = "'assignee', 'reference_task', 'apply_procedure'";
    my $p = "/spaces/$UUID/trigger";
    is(req('published', 'PATCH', $p, '{"trigger_type":null}')->{status}, 200,
       'trigger: the null tag selects the disabled trigger');
    is(req('published', 'PATCH', $p,
           qq({"trigger_type":"reference_task","reference_case_id":"$UUID"}))
       ->{status}, 200, 'trigger: reference_task');
    is_422(req('published', 'PATCH', $p,
               qq({"trigger_type":"apply_procedure","assignee_id":"$UUID"})),
           $BODY, [ [ 'procedure_id', 'Field required.', 'missing' ],
                    [ 'assignee_id', 'Extra inputs are not permitted.',
                      'extra_forbidden' ] ],
           'trigger: the tag picks the branch that reports');
    is_422(req('published', 'PATCH', $p, '{"trigger_type":"weekly"}'),
           $BODY, [ [ 'body', "Input tag 'weekly' found using 'trigger_type' "
                      . "does not match any of the expected tags: $tags.",
                      'union_tag_invalid' ] ],
           'trigger: an unknown tag');
    is_422(req('published', 'PATCH', $p,
               qq({"trigger_type":null,"procedure_id":"$UUID"})),
           $BODY, [ [ 'body', "Input tag null found using 'trigger_type' "
                      . "does not match any of the expected tags: $tags.",
                      'union_tag_invalid' ] ],
           'trigger: the null tag with a stray property');
    is_422(req('published', 'PATCH', $p, qq({"procedure_id":"$UUID"})),
           $BODY, [ [ 'body', "Unable to extract tag using discriminator "
                      . "'trigger_type'.", 'union_tag_invalid' ] ],
           'trigger: no tag');
    is_422(req('published', 'PATCH', $p, '{"trigger_type":7}'),
           $BODY, [ [ 'body', "Input tag of type number found using "
                      . "'trigger_type' does not match any of the expected "
                      . "tags: $tags.", 'union_tag_invalid' ] ],
           'trigger: a tag of the wrong type');
}

# the project's actor discriminator
is_422(req('project', 'POST', '/actors',
           '{"type":"ai","name":"Triage","capabilities":["triage","triage"],'
           . '"email":"a@b.c"}'),
       $BODY, [ [ 'model_id', 'Field required.', 'missing' ],
                [ 'capabilities', 'List should have unique items.',
                  'value_error' ],
                [ 'email', 'Extra inputs are not permitted.',
                  'extra_forbidden' ] ],
       'project createActor: ai branch');
is_422(req('project', 'POST', '/actors',
           '{"type":"human","name":"","email":"not-an-address"}'),
       $BODY, [ [ 'name', 'String should have at least 1 character.',
                  'string_too_short' ],
                [ 'email', 'Input should be a valid email address.',
                  'value_error' ] ],
       'project createActor: human branch');

# minProperties, x-mutually-exclusive pairs
is_422(req('project', 'PATCH', "/actors/$UUID", '{}'), $BODY,
       [ [ 'body', 'Object should have at least 1 property.', 'too_short' ] ],
       'project updateActor: empty');
is_422(req('project', 'PATCH', "/actors/$UUID",
           '{"email":"a@example.com","model_id":"m","capabilities":["x"]}'),
       $BODY, [ [ 'model_id', 'Cannot be set together with email.',
                  'mutually_exclusive' ],
                [ 'capabilities', 'Cannot be set together with email.',
                  'mutually_exclusive' ] ],
       'project updateActor: email with AI fields');

# pattern, not, nested arrays of objects
is_422(req('project', 'POST', '/datatables',
           qq({"space_id":"$UUID","name":"Claims","columns":[)
           . '{"name":"amount","type":"number"},'
           . '{"name":"id","type":"string"},'
           . '{"name":"Paid","type":"bool","required":"yes"}]}'),
       $BODY, [ [ 'columns.1.name',
                  'Input should not match the excluded schema.',
                  'value_error' ],
                [ 'columns.2.name',
                  "String should match pattern '^[a-z][a-z0-9_]{0,62}\$'.",
                  'string_pattern_mismatch' ],
                [ 'columns.2.type', "Input should be 'string', 'integer', "
                  . "'number', 'boolean', 'date' or 'datetime'.", 'enum' ],
                [ 'columns.2.required', 'Input should be a valid boolean.',
                  'bool_type' ] ],
       'project createDataTable: columns');
is_422(req('project', 'POST', '/datatables',
           qq({"space_id":"$UUID","name":"Claims","columns":[]})),
       $BODY, [ [ 'columns', 'List should have at least 1 item.',
                  'too_short' ] ],
       'project createDataTable: no columns');

# integer minimum, a number given as an integer field
is_422(req('project', 'POST', "/stages/$UUID/instructions",
           '{"content":"Call the adjuster","position":-1}'),
       $BODY, [ [ 'position', 'Input should be greater than or equal to 0.',
                  'greater_than_equal' ] ],
       'project createStageInstruction: position -1');
is_422(req('project', 'POST', "/stages/$UUID/instructions",
           '{"content":"Call the adjuster","position":1.5}'),
       $BODY,
       [ [ 'position', 'Input should be a valid integer.', 'int_type' ] ],
       'project createStageInstruction: position 1.5');

# an optional body: none, empty, or checked
for my $b (undef, '{}', '{"comment":"Adjuster on site"}') {
    is(req('project', 'POST', "/cases/$UUID/commence", $b)->{status}, 200,
       'project commenceCase: optional body ' . ($b // 'absent'));
}
is_422(req('project', 'POST', "/cases/$UUID/commence", '{"comment":""}'),
       $BODY, [ [ 'comment', 'String should have at least 1 character.',
                  'string_too_short' ] ],
       'project commenceCase: an empty comment');

# --- query parameters, in words -----------------------------------------------

is_422(req('published', 'GET', '/spaces?limit=0'), $QUERY,
       [ [ 'query.limit', 'Input should be greater than or equal to 1.',
           'greater_than_equal' ] ], 'limit 0');
is_422(req('published', 'GET', '/spaces?limit=101'), $QUERY,
       [ [ 'query.limit', 'Input should be less than or equal to 100.',
           'less_than_equal' ] ], 'limit 101');
is_422(req('published', 'GET', '/spaces?limit=ten'), $QUERY,
       [ [ 'query.limit', 'Input should be a valid integer.', 'int_type' ] ],
       'limit ten');
is(req('published', 'GET', '/spaces?limit=1')->{status}, 200, 'limit 1');
is(req('published', 'GET', '/spaces?limit=100')->{status}, 200, 'limit 100');
is(req('published', 'GET', '/spaces?limit=%31%30%30')->{status}, 200,
   'limit percent-encoded');
is(req('published', 'GET', '/spaces?limit=%2B5')->{status}, 200,
   'limit with a sign');

# a repeated scalar is judged by its last occurrence
is(req('published', 'GET', '/spaces?limit=0&limit=5')->{status}, 200,
   'limit 0 then 5: the last one counts');
is_422(req('published', 'GET', '/spaces?limit=5&limit=0'), $QUERY,
       [ [ 'query.limit', 'Input should be greater than or equal to 1.',
           'greater_than_equal' ] ], 'limit 5 then 0');

# an empty value: null where allowed, else the empty string
is(req('published', 'GET', '/cases?space_id=')->{status}, 200,
   'space_id empty is null');
is(req('published', 'GET', '/cases?space_id')->{status}, 200,
   'space_id without = is null');
is_422(req('published', 'GET', '/cases?sort='), $QUERY,
       [ [ 'query.sort', "Input should be 'position', 'created_at' or "
           . "'updated_at'.", 'enum' ] ], 'sort empty is the empty string');
is_422(req('published', 'GET', '/spaces?limit='), $QUERY,
       [ [ 'query.limit', 'Input should be a valid integer.', 'int_type' ] ],
       'limit empty is the empty string');
is_422(req('published', 'GET', '/procedures?space_id='), $QUERY,
       [ [ 'query.space_id', 'Input should be a valid UUID.',
           'uuid_parsing' ] ],
       'a required uuid given empty');
is_422(req('published', 'GET', '/procedures'), $QUERY,
       [ [ 'query.space_id', 'Field required.', 'missing' ] ],
       'a required parameter absent');

# arrays from repeated occurrences; a comma is part of the value here
is(req('project', 'GET', '/cases?phase=active&phase=intake')->{status}, 200,
   'phase twice');
is_422(req('project', 'GET', '/cases?phase=active,intake'), $QUERY,
       [ [ 'query.phase.0', "Input should be 'active', 'intake', 'resolved' "
           . "or 'closed'.", 'enum' ] ],
       'phase with a comma is one value (explode)');
is_422(req('project', 'GET', '/cases?phase=active&phase=Intake&phase=x'),
       $QUERY,
       [ map { [ "query.phase.$_", "Input should be 'active', 'intake', "
                 . "'resolved' or 'closed'.", 'enum' ] } 1, 2 ],
       'phase: items by index');
is_422(req('project', 'GET', "/datatables/$UUID/rows?"
           . join('&', map { "filter=amount:gt:$_" } 1 .. 21)), $QUERY,
       [ [ 'query.filter', 'List should have at most 20 items.', 'too_long' ] ],
       'filter 21 times');
is(req('project', 'GET', "/datatables/$UUID/rows?"
       . join('&', map { "filter=amount:gt:$_" } 1 .. 20))->{status}, 200,
   'filter 20 times');
is(req('project', 'GET', "/datatables/$UUID/rows?filter=note:contains:"
       . 'a%26b%3Dc+d')->{status}, 200, 'filter with encoded & and =');

# unknown parameters pass; order of the errors is the order of declaration
is(req('published', 'GET', '/spaces?colour=red&limit=3&x')->{status}, 200,
   'unknown parameters pass');
is_422(req('published', 'GET', '/cases?direction=up&space_id=abc&limit=0'),
       $QUERY,
       [ [ 'query.limit', 'Input should be greater than or equal to 1.',
           'greater_than_equal' ],
         [ 'query.space_id', 'Input should be a valid UUID.', 'uuid_parsing' ],
         [ 'query.direction', "Input should be 'asc' or 'desc'.", 'enum' ] ],
       'errors in the order of declaration');
is_422(req('published', 'GET', '/cases?sort=created%5Fat%20'), $QUERY,
       [ [ 'query.sort', "Input should be 'position', 'created_at' or "
           . "'updated_at'.", 'enum' ] ], 'a decoded trailing space counts');
is(req('published', 'GET', '/cases?sort=created%5Fat')->{status}, 200,
   'an encoded underscore');

unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'no alert in the log');

done_testing;
