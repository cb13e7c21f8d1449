#!/usr/bin/perl
# Configuration errors fail `nginx -t` with a message an operator can act
# on: the file, the directive, what is wrong.

use strict;
use warnings;

use Test::More;
use lib 't/lib';
use Interloom::Test;
use Interloom::Token;

my $t = Interloom::Test->new;
my $d = $t->dir;
my $k = Interloom::Token::keys($d);
my $secret = $t->secret_file;

sub write_file {
    my ($name, $content) = @_;
    open(my $fh, '>', "$d/$name") or die;
    print $fh $content;
    close $fh;
    return "$d/$name";
}

sub conf {
    my ($server, $http) = @_;
    return ($http // '') . "
    server {
        listen 127.0.0.1:1;
        $server
        location / { return 200; }
    }";
}

sub fails {
    my ($server, $re, $what, $http) = @_;
    my ($status, $out) = $t->nginx_test(conf($server, $http));
    isnt($status, 0, "$what: nginx -t fails");
    cmp_ok($status, '<', 128, "$what: without crashing");
    like($out, $re, "$what: message");
}

sub passes {
    my ($server, $what, $http) = @_;
    my ($status, $out) = $t->nginx_test(conf($server, $http));
    is($status, 0, "$what: nginx -t passes") or diag($out);
}

my $empty = write_file('empty.key', '');
my $garbage = write_file('garbage.pem', "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
my $noalg = "$d/noalg.jwks";
Interloom::Token::jwks($noalg, { pub => $k->{rsa}{pub}, kid => 'a' });
my $badjson = write_file('bad.json', '{"openapi": "3.1.0", "paths": {');
my $dangling = write_file('dangling.json', '{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{"/x":{"post":{"operationId":"x","requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}},"responses":{"200":{"description":"ok"}}}}}}');
my $unknown = write_file('unknown.json', '{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{"/x":{"post":{"operationId":"x","requestBody":{"content":{"application/json":{"schema":{"type":"string","minGraphemes":3}}}},"responses":{"200":{"description":"ok"}}}}}}');

my $base = "interloom on; interloom_rate_limit off;";

passes("$base interloom_jwt_key HS256 $secret;", 'a valid HMAC key');
passes("$base interloom_jwt_key RS256 $k->{rsa}{pub} kid=r1;"
       . " interloom_jwt_key ES256 $k->{ec256}{pub} kid=e1;", 'RSA and EC keys');

fails("interloom on; interloom_rate_limit off;",
      qr/"interloom" is on but no key is set/, 'interloom on without a key');
fails("$base interloom_jwt_key HS256 $d/missing.key;",
      qr/\Q$d\E\/missing\.key/, 'a missing key file');
fails("$base interloom_jwt_key HS256 $empty;", qr/\Q$empty\E.*empty|empty.*\Q$empty\E/,
      'an empty key file');
fails("$base interloom_jwt_key RS256 $garbage;", qr/\Q$garbage\E/,
      'a malformed PEM');
fails("$base interloom_jwt_key RS256 $secret;", qr/\Q$secret\E/,
      'an HMAC secret given as an RSA key');
fails("$base interloom_jwt_key ES256 $k->{rsa}{pub};",
      qr/\Q$k->{rsa}{pub}\E/, 'an RSA key for ES256');
fails("$base interloom_jwt_key XX256 $secret;", qr/XX256/, 'an unknown algorithm');
fails("$base interloom_jwt_key HS256 $secret id=x;", qr/kid=NAME/,
      'a bad kid= parameter');
fails("$base interloom_jwt_jwks $noalg;", qr/\Q$noalg\E.*alg|alg.*\Q$noalg\E/s,
      'a JWKS key without alg');

fails("interloom on; interloom_jwt_key HS256 $secret;",
      qr/"interloom_redis" is not set/, 'a rate limit without Redis');
fails("interloom on; interloom_jwt_key HS256 $secret; interloom_rate_limit 10r/s;",
      qr/only per-minute limits/, 'a per-second rate');
fails("interloom on; interloom_jwt_key HS256 $secret; interloom_rate_limit 0r/m;",
      qr/invalid rate "0r\/m"/, 'a zero rate');
fails("$base interloom_jwt_key HS256 $secret;",
      qr/invalid parameter "bogus=1"/, 'a bad interloom_redis parameter',
      'interloom_redis 127.0.0.1:6379 bogus=1;');
fails("$base interloom_jwt_key HS256 $secret;",
      qr/"user=" needs "password="/, 'user without password',
      'interloom_redis 127.0.0.1:6379 user=a;');
fails("$base interloom_jwt_key HS256 $secret;",
      qr/host not found|resolves to nothing/, 'an unresolvable Redis host',
      'interloom_redis no-such-host.invalid:6379;');
passes("interloom on; interloom_jwt_key HS256 $secret;",
       'Redis by host name, resolved at configuration time',
       'interloom_redis localhost:6379 password=x db=2;');
passes("interloom on; interloom_jwt_key HS256 $secret;", 'Redis on a unix socket',
       "interloom_redis unix:$d/redis.sock;");
fails("$base interloom_jwt_key HS256 $secret; interloom_redis_failure maybe;",
      qr/invalid value "maybe"/, 'a bad failure policy');

fails("$base interloom_jwt_key HS256 $secret; interloom_spec $d/nope.json;",
      qr/\Q$d\E\/nope\.json/, 'a missing document');
fails("$base interloom_jwt_key HS256 $secret; interloom_spec $badjson;",
      qr/\Q$badjson\E/, 'a document that is not JSON');
fails("$base interloom_jwt_key HS256 $secret; interloom_spec $dangling;",
      qr/\Q$dangling\E.*Nope|Nope.*\Q$dangling\E/s, 'a dangling $ref');
fails("$base interloom_jwt_key HS256 $secret; interloom_spec $unknown;",
      qr/\Q$unknown\E.*minGraphemes|minGraphemes.*\Q$unknown\E/s,
      'an assertion keyword the validator does not implement');
passes("$base interloom_jwt_key HS256 $secret; interloom_spec "
       . Interloom::Test::shared() . "/interloom-openapi/openapi.json;",
       'the published document loads');
passes("$base interloom_jwt_key HS256 $secret; interloom_spec "
       . Interloom::Test::root() . "/docs/openapi.json;",
       "the project's document loads");

passes("$base interloom_jwt_key HS256 $secret;"
       . ' interloom_instance_domain Interloom.COM.; interloom_shared_instance App;'
       . ' interloom_instance_upstream $host;', 'instance directives');

done_testing;
