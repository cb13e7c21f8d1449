#!/bin/sh
# make bench: the module beside plain proxy_pass and an nginx + Lua gateway
# doing the same checks, in one run on this machine, so the figures are
# ratios.  Everything listens on 127.0.0.1, on free ports, and everything
# started here is stopped by its pid when the script ends.
#
# Steps (BENCH_STEPS, default "load perf callgrind memory"):
#   load       interleaved rounds of wrk against each gateway; the table
#   perf       where the worker's time goes under load (perf, cpu-clock)
#   callgrind  instructions per request of the module's own work, by stage
#   memory     a worker's RSS after 10,000 and after 1,000,000 requests
#   hold       (not by default) keep everything up BENCH_HOLD_SECONDS (600)
#              for experiments by hand, printing the ports
#
# The gateway under test runs one worker pinned to core BENCH_GATEWAY_CPU;
# wrk, the upstream and Redis share core BENCH_LOAD_CPU.  The primary
# figure is the gateway worker's CPU time per request (utime + stime from
# /proc over the round), since with a fast gateway the load core saturates
# first and requests/s then measures that core.
#
# Tunables (environment):
#   BENCH_ROUND=4           seconds of load per measured round
#   BENCH_REPEAT=7          rounds per gateway and scenario (median kept)
#   BENCH_WARMUP=1          seconds of unmeasured load before a scenario
#   BENCH_CONNECTIONS=32    wrk keep-alive connections
#   BENCH_TOKENS=50000      distinct tokens of the cache-miss scenario
#   BENCH_CACHE=1024        token cache size of both gateways
#   BENCH_CALLGRIND_N=2000  requests per callgrind sequence
#   BENCH_MEMORY_REQUESTS=1000000, BENCH_MEMORY_FIRST=10000
#   BENCH_PERF_SECONDS=5    seconds of load per perf profile
#   BENCH_SCENARIOS="get_cached get_miss post limited redis_down"
#   BENCH_STEPS="load perf callgrind memory"
#   BENCH_GATEWAY_CPU=0, BENCH_LOAD_CPU=1
#   BENCH_MODULE=build/ngx_http_interloom_module.so  the module to measure
#   BENCH_SPEC=../shared/interloom-openapi/openapi.json
#   BENCH_KEEP=1            keep the work directory (logs, callgrind dumps)
#   BENCH_OUT=build/bench   where the report is written

set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BENCH=$ROOT/bench

ROUND=${BENCH_ROUND:-4}
REPEAT=${BENCH_REPEAT:-7}
WARMUP=${BENCH_WARMUP:-1}
CONNS=${BENCH_CONNECTIONS:-32}
NTOKENS=${BENCH_TOKENS:-50000}
CACHE=${BENCH_CACHE:-1024}
CG_N=${BENCH_CALLGRIND_N:-2000}
MEM_N=${BENCH_MEMORY_REQUESTS:-1000000}
MEM_FIRST=${BENCH_MEMORY_FIRST:-10000}
STEPS=${BENCH_STEPS:-load perf callgrind memory}
PERF_SECS=${BENCH_PERF_SECONDS:-5}
SCENARIOS=${BENCH_SCENARIOS:-get_cached get_miss post limited redis_down}
GW_CPU=${BENCH_GATEWAY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
OUT=${BENCH_OUT:-$ROOT/build/bench}
NGINX=${NGINX_BIN:-/usr/sbin/nginx}
MODULE=${BENCH_MODULE:-$ROOT/build/ngx_http_interloom_module.so}
SPEC=${BENCH_SPEC:-${INTERLOOM_SHARED:-$ROOT/../shared}/interloom-openapi/openapi.json}
REDIS_TIMEOUT_MS=50     # the module's default interloom_redis_timeout
API=/api/v1/public/cases


# --- packages ------------------------------------------------------------

# wrk and the Lua gateway's pieces, installed with apt-get only when
# missing, services kept from starting (t/tools/deps.sh)
sh "$ROOT/t/tools/deps.sh" wrk libnginx-mod-http-lua lua-cjson \
    lua-resty-lrucache valgrind linux-perf redis-server redis-tools curl perl

for tool in wrk taskset valgrind callgrind_control redis-server redis-cli \
            curl perl pgrep
do
    command -v $tool >/dev/null 2>&1 || {
        echo "bench: $tool is missing" >&2
        exit 1
    }
done

[ -f "$MODULE" ] || { echo "bench: no $MODULE: run make" >&2; exit 1; }

if [ "$(nproc)" -lt 2 ]; then
    echo "bench: needs 2 cores to pin the gateway apart from the load" >&2
    exit 1
fi

SPEC=$(cd "$(dirname "$SPEC")" && pwd)/$(basename "$SPEC")


# --- processes -----------------------------------------------------------

W=$(mktemp -d /tmp/interloom-bench-XXXXXX)
chmod 755 "$W"

# every nginx of the run loads this copy: a rebuild of build/ during the
# run must not change what the later steps measure
cp "$MODULE" "$W/ngx_http_interloom_module.so"
MODULE_USED=$W/ngx_http_interloom_module.so
PIDS=
mkdir -p "$OUT"
REPORT=$OUT/report.txt
: > "$REPORT"

say() {
    printf '%s\n' "$*" | tee -a "$REPORT"
}

alive() {
    [ -r "/proc/$1/stat" ] \
        && ! sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'
}

stop_pid() {
    pid=$1
    alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    n=0
    while alive "$pid" && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    status=$?
    trap - EXIT INT TERM
    for pid in $PIDS; do
        stop_pid "$pid"
    done
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "bench: work directory kept: $W"
    else
        rm -rf "$W"
    fi
    exit $status
}

trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CPU COMMAND...: in the background, pinned, pid remembered
start() {
    name=$1
    cpu=$2
    shift 2
    taskset -c "$cpu" "$@" >"$W/$name.out" 2>&1 &
    PIDS="$PIDS $!"
    eval "PID_$name=$!"
}

wait_http() {
    n=0
    while [ $n -lt 600 ]; do
        rc=0
        curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" || rc=$?
        [ $rc -ne 7 ] && [ $rc -ne 28 ] && return 0
        sleep 0.1
        n=$((n + 1))
    done
    echo "bench: nothing listens on 127.0.0.1:$1" >&2
    exit 1
}

worker_of() {
    w=$(pgrep -P "$1" | head -1)
    [ -n "$w" ] || { echo "bench: no worker under $1" >&2; exit 1; }
    echo "$w"
}

cpu_ticks() {
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# free loopback ports, all held open at once so no two are the same
set -- $(perl -MIO::Socket::INET -e '
    my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                                        LocalPort => 0, Listen => 1)
                  or die "no free port: $!\n" } 1 .. 15;
    print join(" ", map { $_->sockport } @s), "\n"')
P_REDIS=$1 P_UP=$2 P_PLAIN=$3 P_MOD=$4 P_MOD_LIM=$5 P_DOWN=$6 P_DOWN_LIM=$7
P_LUA=$8 P_LUA_LIM=$9
shift 9
P_LUA_DOWN=$1 P_LUA_DOWN_LIM=$2 P_DEAD=$3 P_CG=$4 P_UNIX=$5 P_UNIX_LIM=$6
REDIS_TCP=127.0.0.1:$P_REDIS
REDIS_DEAD=127.0.0.1:$P_DEAD     # nobody listens there


# --- configuration -------------------------------------------------------

# render TEMPLATE NAME PORT PORT_LIMITED REDIS MASTER EXTRA_FILE, REDIS
# being 127.0.0.1:PORT or unix:PATH
render() {
    mkdir -p "$W/$2"
    sed -e "s|@DIR@|$W|g" -e "s|@BENCH@|$BENCH|g" \
        -e "s|@MODULE@|$MODULE_USED|g" \
        -e "s|@NAME@|$2|g" -e "s|@PORT@|$3|g" -e "s|@PORT_LIMITED@|$4|g" \
        -e "s|@REDIS_PORT@|${5##*:}|g" -e "s|@REDIS@|$5|g" \
        -e "s|@MASTER@|$6|g" \
        -e "s|@UP_PORT@|$P_UP|g" -e "s|@CACHE@|$CACHE|g" \
        "$BENCH/conf/$1" \
    | awk -v f="$7" '
        /@EXTRA@/ { while ((getline l < f) > 0) print l; next }
        { print }' > "$W/$2/nginx.conf"
}

nginx_test() {
    "$NGINX" -t -q -p "$W/$1" -c "$W/$1/nginx.conf" -e "$W/$1/test.log" \
        > "$W/$1/test.out" 2>&1
}

start_nginx() {
    start "$1" "$2" "$NGINX" -p "$W/$1" -c "$W/$1/nginx.conf" \
        -e "$W/$1/error.log"
}

head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 64 \
    > "$W/hs256.key"

perl "$BENCH/mint.pl" "$W/hs256.key" "$NTOKENS" bench-miss > "$W/tokens.txt"
TOKEN=$(perl "$BENCH/mint.pl" "$W/hs256.key" 1 bench-cached)
TOKEN_LIMITED=$(perl "$BENCH/mint.pl" "$W/hs256.key" 1 bench-limited)

# What this build of the module can do: validation comes with
# interloom_spec, the 403 rewrite with interloom_normalize_errors.
: > "$W/extra.conf"
HAVE_SPEC=0
HAVE_NORMALIZE=0

printf '    interloom_spec %s;\n    interloom_validate on;\n' "$SPEC" \
    > "$W/try.conf"
render module.conf probe "$P_MOD" "$P_MOD_LIM" "$REDIS_TCP" on "$W/try.conf"
if nginx_test probe; then
    cp "$W/try.conf" "$W/extra.conf"
    HAVE_SPEC=1
elif grep -q 'unknown directive "interloom_spec"' "$W/probe/test.out"; then
    :
else
    cat "$W/probe/test.out" >&2
    exit 1
fi

cp "$W/extra.conf" "$W/try.conf"
echo '    interloom_normalize_errors on;' >> "$W/try.conf"
render module.conf probe "$P_MOD" "$P_MOD_LIM" "$REDIS_TCP" on "$W/try.conf"
if nginx_test probe; then
    cp "$W/try.conf" "$W/extra.conf"
    HAVE_NORMALIZE=1
fi

: > "$W/none.conf"
render upstream.conf upstream "$P_UP" 0 0 on "$W/none.conf"
render plain.conf plain "$P_PLAIN" 0 0 on "$W/none.conf"
render module.conf module "$P_MOD" "$P_MOD_LIM" "$REDIS_TCP" on "$W/extra.conf"
render module.conf module_down "$P_DOWN" "$P_DOWN_LIM" "$REDIS_DEAD" on \
    "$W/extra.conf"
# the same module with Redis on a unix socket: no TCP stack on either side
render module.conf module_unix "$P_UNIX" "$P_UNIX_LIM" "unix:$W/redis.sock" \
    on "$W/extra.conf"
render lua.conf lua "$P_LUA" "$P_LUA_LIM" "$REDIS_TCP" on "$W/none.conf"
render lua.conf lua_down "$P_LUA_DOWN" "$P_LUA_DOWN_LIM" "$REDIS_DEAD" on \
    "$W/none.conf"

for name in upstream plain module module_unix module_down lua lua_down; do
    nginx_test "$name" || { cat "$W/$name/test.out" >&2; exit 1; }
done


# --- servers -------------------------------------------------------------

start redis "$LOAD_CPU" redis-server --bind 127.0.0.1 --port "$P_REDIS" \
    --unixsocket "$W/redis.sock" --unixsocketperm 777 \
    --save '' --appendonly no --daemonize no --dir "$W" \
    --logfile "$W/redis.log"
n=0
until redis-cli -p "$P_REDIS" ping >/dev/null 2>&1; do
    n=$((n + 1))
    [ $n -lt 100 ] || { echo "bench: redis did not start" >&2; exit 1; }
    sleep 0.1
done

start_nginx upstream "$LOAD_CPU"
for name in plain module module_unix module_down lua lua_down; do
    start_nginx "$name" "$GW_CPU"
done

for port in $P_UP $P_PLAIN $P_MOD $P_UNIX $P_DOWN $P_LUA $P_LUA_DOWN; do
    wait_http "$port"
done

W_plain=$(worker_of "$PID_plain")
W_module=$(worker_of "$PID_module")
W_module_unix=$(worker_of "$PID_module_unix")
W_module_down=$(worker_of "$PID_module_down")
W_lua=$(worker_of "$PID_lua")
W_lua_down=$(worker_of "$PID_lua_down")
W_module_limited=$W_module
W_lua_limited=$W_lua
PORT_plain=$P_PLAIN
PORT_module=$P_MOD
PORT_module_unix=$P_UNIX
PORT_module_limited=$P_MOD_LIM
PORT_module_down=$P_DOWN
PORT_lua=$P_LUA
PORT_lua_limited=$P_LUA_LIM
PORT_lua_down=$P_LUA_DOWN


# --- what each gateway answers: a broken path must not be measured --------

FAILED=0

# fetch PORT [curl args...]: status in $STATUS, headers in $W/h, body in $W/b
fetch() {
    port=$1
    shift
    STATUS=$(curl -s -D "$W/h" -o "$W/b" -w '%{http_code}' "$@" \
             "http://127.0.0.1:$port$API") || STATUS=000
}

has_header() {
    grep -qi "^$1: $2" "$W/h"
}

expect() {
    if [ "$2" = ok ]; then
        echo "  ok    $1"
    else
        echo "  FAIL  $1" >&2
        FAILED=1
    fi
}

check() {
    if eval "$2"; then expect "$1" ok; else expect "$1" fail; fi
}

AUTH="Authorization: Bearer $TOKEN"

echo "checking what the gateways answer:"

fetch "$P_PLAIN" -H "$AUTH"
check "plain: GET 200" '[ "$STATUS" = 200 ]'

for gw in module lua; do
    eval "port=\$PORT_$gw"
    fetch "$port" -H "$AUTH"
    check "$gw: GET with a token: 200" '[ "$STATUS" = 200 ]'
    check "$gw: X-Request-Id, X-Response-Timestamp, X-RateLimit-Limit" \
        'has_header X-Request-Id "[0-9a-f-]\{36\}" &&
         has_header X-Response-Timestamp "20[0-9-]*T" &&
         has_header X-RateLimit-Limit 100000000'
    fetch "$port"
    check "$gw: GET without a token: 401 envelope" \
        '[ "$STATUS" = 401 ] && grep -q "\"code\":\"unauthorized\"" "$W/b"'
    fetch "$port" -H "Authorization: Bearer ${TOKEN%.*}.${TOKEN_LIMITED##*.}"
    check "$gw: a token with another's signature: 401" \
        '[ "$STATUS" = 401 ]'

    eval "port=\$PORT_${gw}_limited"
    fetch "$port" -H "Authorization: Bearer $TOKEN_LIMITED"
    fetch "$port" -H "Authorization: Bearer $TOKEN_LIMITED"
    check "$gw: limit 1r/m, second request: 429 envelope" \
        '[ "$STATUS" = 429 ] && grep -q rate_limit_exceeded "$W/b" &&
         has_header Retry-After "[0-9]"'

    eval "port=\$PORT_${gw}_down"
    fetch "$port" -H "$AUTH"
    check "$gw: Redis down, fail-open: 200 without X-RateLimit-*" \
        '[ "$STATUS" = 200 ] && ! has_header X-RateLimit-Limit ""'
done

if [ $HAVE_SPEC = 1 ]; then
    fetch "$P_MOD" -H "$AUTH" -H 'Content-Type: application/json' \
        --data-binary "@$BENCH/case.json"
    check "module: POST of bench/case.json validates: 200" \
        '[ "$STATUS" = 200 ]'
    fetch "$P_MOD" -H "$AUTH" -H 'Content-Type: application/json' \
        --data-binary '{"title":17}'
    check "module: POST with a bad body: 422" '[ "$STATUS" = 422 ]'
fi

STATUS=$(curl -s -D "$W/h" -o "$W/b" -w '%{http_code}' -H "$AUTH" \
    "http://127.0.0.1:$P_LUA$API/00000000-0000-4000-8000-000000000403") \
    || STATUS=000
check "lua: an upstream 403 leaves as the 404 envelope" \
    '[ "$STATUS" = 404 ] && grep -q "\"code\":\"not_found\"" "$W/b"'

if [ $HAVE_NORMALIZE = 1 ]; then
    STATUS=$(curl -s -D "$W/h" -o "$W/b" -w '%{http_code}' -H "$AUTH" \
        "http://127.0.0.1:$P_MOD$API/00000000-0000-4000-8000-000000000403") \
        || STATUS=000
    check "module: an upstream 403 leaves as a 404" '[ "$STATUS" = 404 ]'
fi

# every request counted exactly once (one INCR inside the script), for
# both gateways; the module may count several requests in one call
redis_counts() {
    redis-cli -p "$P_REDIS" info commandstats \
    | awk -F'[=:,]' '/^cmdstat_incr:/ { n += $3 } END { print n + 0 }'
}

urls=$(awk -v u="http://127.0.0.1:PORT$API" \
           'BEGIN { for (i = 0; i < 100; i++) printf "%s ", u }')
for gw in module lua; do
    eval "port=\$PORT_$gw"
    before=$(redis_counts)
    # shellcheck disable=SC2086
    curl -s -H "$AUTH" $(echo "$urls" | sed "s/PORT/$port/g") > /dev/null
    after=$(redis_counts)
    check "$gw: each request counted once ($((after - before))/100)" \
        '[ $((after - before)) = 100 ]'
done

if [ $FAILED = 1 ]; then
    echo "bench: a gateway does not answer as it should; nothing measured" >&2
    exit 1
fi


# --- header of the report --------------------------------------------------

say "make bench, $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc)," \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
# read-only: no git command here may take the index lock
commit=$(GIT_OPTIONAL_LOCKS=0 git -C "$ROOT" rev-parse --short HEAD \
         2>/dev/null || echo unknown)
if [ "$MODULE" != "$ROOT/build/ngx_http_interloom_module.so" ]; then
    say "module: $MODULE (BENCH_MODULE; the checkout is at $commit)"
elif GIT_OPTIONAL_LOCKS=0 git -C "$ROOT" diff --quiet HEAD -- src config \
        ngx_http_interloom_module.c 2>/dev/null
then
    say "module: built from commit $commit"
else
    say "module: built from commit $commit with uncommitted changes"
fi
say "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), redis" \
    "$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), wrk" \
    "$(dpkg-query -W -f='${Version}' wrk 2>/dev/null)," \
    "lua-nginx-module $(dpkg-query -W -f='${Version}' \
                        libnginx-mod-http-lua 2>/dev/null)"
say "gateway worker on core $GW_CPU; wrk, upstream, Redis on core $LOAD_CPU;" \
    "$CONNS keep-alive connections; rounds of ${ROUND}s x $REPEAT," \
    "interleaved, median kept"
checks="tokens (cache $CACHE), rate limit with revocation and overrides"
if [ $HAVE_SPEC = 1 ]; then
    checks="$checks, validation against $(basename "$SPEC") (GET and POST)"
else
    checks="$checks, no validation (interloom_spec not available)"
fi
if [ $HAVE_NORMALIZE = 1 ]; then
    checks="$checks, 403 rewrite"
fi
say "module: $checks, identity headers"
say "Lua: HS256 via FFI, lrucache of $CACHE verified tokens, one EVALSHA" \
    "over a pooled cosocket, headers, 403 rewrite; no schema validation"


# --- load ----------------------------------------------------------------

RESULTS=$W/results.tsv
: > "$RESULTS"

scenario_env() {
    case $1 in
        get_cached) S_ENV="BENCH_TOKEN=$TOKEN" ;;
        get_miss) S_ENV="BENCH_TOKENS_FILE=$W/tokens.txt" ;;
        post) S_ENV="BENCH_TOKEN=$TOKEN BENCH_METHOD=POST
                     BENCH_BODY_FILE=$BENCH/case.json" ;;
        limited) S_ENV="BENCH_TOKEN=$TOKEN_LIMITED" ;;
        redis_down) S_ENV="BENCH_TOKEN=$TOKEN" ;;
        *) echo "bench: unknown scenario $1" >&2; exit 1 ;;
    esac
}

scenario_gateways() {
    case $1 in
        limited) echo "plain module_limited lua_limited" ;;
        redis_down) echo "plain module module_down lua_down" ;;
        get_cached) echo "plain module lua module_unix" ;;
        *) echo "plain module lua" ;;
    esac
}

# run_wrk PORT SECONDS OUTFILE ENV...
run_wrk() {
    port=$1
    secs=$2
    out=$3
    shift 3
    # shellcheck disable=SC2086
    env "$@" taskset -c "$LOAD_CPU" timeout --foreground $((secs + 60)) \
        wrk -t1 -c"$CONNS" -d"${secs}s" --timeout 5s \
        -s "$BENCH/wrk/load.lua" "http://127.0.0.1:$port$API" \
        > "$out" 2>&1 || {
            echo "bench: wrk failed:" >&2
            cat "$out" >&2
            exit 1
        }
}

# run_wrk_count PORT N OUTFILE ENV...: N requests, then wrk is told to
# stop (at most 15 minutes)
run_wrk_count() {
    port=$1
    n=$2
    out=$3
    shift 3
    rm -f "$W/stop"
    # shellcheck disable=SC2086
    env "$@" BENCH_STOP_AFTER="$n" BENCH_STOP_FILE="$W/stop" \
        taskset -c "$LOAD_CPU" timeout --foreground 960 \
        wrk -t1 -c"$CONNS" -d900s --timeout 5s \
        -s "$BENCH/wrk/load.lua" "http://127.0.0.1:$port$API" \
        > "$out" 2>&1 &
    wpid=$!
    PIDS="$PIDS $wpid"
    while alive "$wpid" && [ ! -e "$W/stop" ]; do
        sleep 0.2
    done
    # wrk ends on SIGINT, printing its summary; timeout passes it on
    kill -INT "$wpid" 2>/dev/null || true
    wait "$wpid" || true
    grep -q '^BENCH ' "$out" || {
        echo "bench: wrk failed:" >&2
        cat "$out" >&2
        exit 1
    }
}

# script_stats: "<script calls> <INCRs>" so far, from INFO commandstats
script_stats() {
    redis-cli -p "$P_REDIS" info commandstats 2>/dev/null \
    | awk -F'[=:,]' '/^cmdstat_(evalsha|eval):/ { c += $3 }
                     /^cmdstat_incr:/ { n += $3 }
                     END { print c + 0, n + 0 }'
}

# measure SCENARIO GATEWAY ROUND
measure() {
    eval "port=\$PORT_$2 worker=\$W_$2"
    redis=$PID_redis
    s0=$(script_stats)
    g0=$(cpu_ticks "$worker")
    r0=$(cpu_ticks "$redis")
    # shellcheck disable=SC2086
    run_wrk "$port" "$ROUND" "$W/wrk.out" $S_ENV
    g1=$(cpu_ticks "$worker")
    r1=$(cpu_ticks "$redis")
    # shellcheck disable=SC2086
    echo "$1 $2 $s0 $(script_stats)" >> "$W/calls"
    line=$(grep '^BENCH ' "$W/wrk.out") || {
        cat "$W/wrk.out" >&2
        exit 1
    }
    echo "$line" | awk -v sc="$1" -v gw="$2" -v rd="$3" \
        -v gt=$((g1 - g0)) -v rt=$((r1 - r0)) '{
            for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            printf "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n",
                   sc, gw, rd, gt, rt, v["requests"], v["duration_us"],
                   v["non2xx"], v["errors"], v["p50"], v["p99"], v["max"]
        }' >> "$RESULTS"
    printf '.'
}

case " $STEPS " in *" load "*)
    echo
    echo "load: $SCENARIOS"
    for sc in $SCENARIOS; do
        if [ "$sc" = post ] && [ $HAVE_SPEC = 0 ]; then
            printf 'post\tn/a (interloom_spec not available)\n' \
                >> "$W/skipped"
            continue
        fi

        scenario_env "$sc"
        printf '  %-11s ' "$sc"

        for gw in $(scenario_gateways "$sc"); do
            eval "port=\$PORT_$gw"
            # shellcheck disable=SC2086
            run_wrk "$port" "$WARMUP" "$W/warmup.out" $S_ENV
        done

        rep=1
        while [ $rep -le "$REPEAT" ]; do
            for gw in $(scenario_gateways "$sc"); do
                measure "$sc" "$gw" "$rep"
            done
            rep=$((rep + 1))
        done
        echo
    done

    cp "$RESULTS" "$OUT/results.tsv"
    perl "$BENCH/summarize.pl" --clk-tck "$(getconf CLK_TCK)" \
        --redis-timeout-ms "$REDIS_TIMEOUT_MS" "$RESULTS" \
        | tee -a "$REPORT"
    if [ -f "$W/skipped" ]; then
        say ""
        while IFS="$(printf '\t')" read -r sc why; do
            say "$sc: $why"
        done < "$W/skipped"
    fi
    # counted requests per script call, by scenario and gateway
    [ -f "$W/calls" ] && awk '
        { k = $1 " " $2; c[k] += $5 - $3; n[k] += $6 - $4
          if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
        END {
            printf "\nRequests counted per script call (INFO commandstats " \
                   "over the rounds):\n"
            for (i = 1; i <= m; i++) {
                k = order[i]
                if (c[k] > 0)
                    printf "  %-28s %8.2f  (%d INCRs in %d calls)\n", k,
                           n[k] / c[k], n[k], c[k]
            }
        }' "$W/calls" | tee -a "$REPORT"
;; esac


# --- perf ----------------------------------------------------------------

# perf_profile SCENARIO GATEWAY: where the worker's CPU time goes under
# load, by object and by function (cpu-clock sampling, so it works without
# hardware counters), and its system calls per request.  perf attaches to
# the idle worker before wrk starts and leaves after wrk ends, so the
# counts are over exactly the requests wrk reports.
SYSCALLS="read readv recvfrom recvmsg write writev sendto sendmsg
          epoll_wait epoll_ctl accept4 connect close socket setsockopt
          getsockopt ioctl futex brk mmap munmap openat pread64 pwrite64"

perf_profile() {
    scenario_env "$1"
    eval "port=\$PORT_$2 worker=\$W_$2"
    events="-e raw_syscalls:sys_enter"
    for c in $SYSCALLS; do
        events="$events -e syscalls:sys_enter_$c"
    done

    g0=$(cpu_ticks "$worker")
    perf record -q -e cpu-clock -F 1999 -p "$worker" -o "$W/perf.data" \
        > "$W/perf.log" 2>&1 &
    rec=$!
    # shellcheck disable=SC2086
    perf stat -x, $events -p "$worker" -o "$W/perf.stat" \
        > "$W/perf-stat.log" 2>&1 &
    st=$!
    PIDS="$PIDS $rec $st"
    sleep 1
    # shellcheck disable=SC2086
    run_wrk "$port" "$PERF_SECS" "$W/perf-wrk.out" $S_ENV
    kill -INT "$rec" "$st" 2>/dev/null || true
    wait "$rec" 2>/dev/null || true
    wait "$st" 2>/dev/null || true
    g1=$(cpu_ticks "$worker")

    req=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$W/perf-wrk.out")
    us=$(awk -v t=$((g1 - g0)) -v c="$(getconf CLK_TCK)" -v n="$req" \
         'BEGIN { printf "%.1f", t * 1e6 / c / n }')

    say ""
    say "perf, $1, $2: $us us of worker CPU per request (under perf)," \
        "by object:"
    perf report -i "$W/perf.data" --stdio -q --sort dso --percent-limit 1 \
        2>/dev/null \
    | awk -v us="$us" 'NF { p = $1; sub(/%/, "", p)
                            printf "  %6.1f us  %7s  %s\n", p * us / 100,
                                   $1, $2 }' \
    | tee -a "$REPORT"
    say "  functions over 1.5% of the time:"
    perf report -i "$W/perf.data" --stdio -q --sort dso,sym \
        --percent-limit 1.5 2>/dev/null \
    | awk 'NF { sub(/^ +/, ""); printf "    %s\n", $0 }' \
    | head -25 | tee -a "$REPORT"
    say "  system calls per request:"
    awk -F, -v n="$req" '$3 ~ /sys_enter/ && $1 / n >= 0.005 {
            e = $3; sub(/.*sys_enter_?/, "", e); if (e == "") e = "all"
            printf "%s %.2f\n", e, $1 / n }' "$W/perf.stat" \
    | sort -k2 -rn | awk '{ printf "    %-12s %6s\n", $1, $2 }' \
    | tee -a "$REPORT"
}

case " $STEPS " in *" perf "*)
    if perf record -q -e cpu-clock -o "$W/perf.try" -- true \
        > /dev/null 2>&1
    then
        echo "perf: ${PERF_SECS}s samples of the module and plain workers"
        perf_profile get_cached plain
        perf_profile get_cached module
        if [ $HAVE_SPEC = 1 ]; then
            perf_profile post plain
            perf_profile post module
        fi
    else
        say ""
        say "perf: not usable here (perf record failed); skipped"
    fi
;; esac


# --- callgrind -------------------------------------------------------------

# curl_seq PORT N KIND [warm]: N requests over one keep-alive connection
curl_seq() {
    port=$1
    n=$2
    url="http://127.0.0.1:$port$API"
    # distinct tokens: the warm-up takes them from the head of the file,
    # the measured sequence from its end, so every one of those misses
    pick="tail -n $n"
    [ "${4:-}" = warm ] && pick="head -n $n"
    case $3 in
        get_cached)
            awk -v u="$url" -v n="$n" 'BEGIN {
                for (i = 0; i < n; i++)
                    printf "url = \"%s\"\noutput = \"/dev/null\"\n", u }' \
                > "$W/curl.cfg"
            curl -s -H "$AUTH" -w '%{http_code}\n' -K "$W/curl.cfg" ;;
        get_miss)
            $pick "$W/tokens.txt" | awk -v u="$url" '{
                if (NR > 1) print "next"
                printf "url = \"%s\"\noutput = \"/dev/null\"\n", u
                printf "header = \"Authorization: Bearer %s\"\n", $0
                printf "silent\nwrite-out = \"%%{http_code}\\n\"\n" }' \
                > "$W/curl.cfg"
            curl -K "$W/curl.cfg" ;;
        post)
            awk -v u="$url" -v n="$n" 'BEGIN {
                for (i = 0; i < n; i++)
                    printf "url = \"%s\"\noutput = \"/dev/null\"\n", u }' \
                > "$W/curl.cfg"
            curl -s -H "$AUTH" -H 'Content-Type: application/json' \
                --data-binary "@$BENCH/case.json" -w '%{http_code}\n' \
                -K "$W/curl.cfg" ;;
    esac > "$W/curl.codes"
    bad=$(grep -vc '^200$' "$W/curl.codes" || true)
    got=$(wc -l < "$W/curl.codes")
    if [ "$bad" != 0 ] || [ "$got" != "$n" ]; then
        echo "bench: callgrind $3: $got answers, $bad not 200" >&2
        exit 1
    fi
}

case " $STEPS " in *" callgrind "*)
    echo "callgrind: $CG_N requests per sequence"
    render module.conf callgrind "$P_CG" "$P_DEAD" "$REDIS_TCP" off \
        "$W/extra.conf"
    nginx_test callgrind || { cat "$W/callgrind/test.out" >&2; exit 1; }
    mkdir -p "$W/cg"
    start callgrind "$GW_CPU" valgrind --tool=callgrind --instr-atstart=no \
        --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$W/cg/out" \
        "$NGINX" -p "$W/callgrind" -c "$W/callgrind/nginx.conf" \
        -e "$W/callgrind/error.log"
    wait_http "$P_CG"

    seqs="get_cached get_miss"
    [ $HAVE_SPEC = 1 ] && seqs="$seqs post"

    # warm: the token verified and cached, the connections made
    for s in $seqs; do
        curl_seq "$P_CG" 20 "$s" warm
    done

    # dumps are numbered from 1 in the order they are asked for
    callgrind_control -i on "$PID_callgrind" > /dev/null
    args=
    k=0
    for s in $seqs; do
        callgrind_control -z "$PID_callgrind" > /dev/null
        curl_seq "$P_CG" "$CG_N" "$s"
        callgrind_control -d "$s" "$PID_callgrind" > /dev/null
        k=$((k + 1))
        args="$args $s=$CG_N:$W/cg/out.$k"
    done

    stop_pid "$PID_callgrind"

    say ""
    say "callgrind: instructions per request ($CG_N requests per sequence)"
    # shellcheck disable=SC2086
    perl "$BENCH/callgrind.pl" --module "$MODULE_USED" --nginx "$NGINX" \
        $args \
        | tee -a "$REPORT"
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        cp "$W"/cg/out.* "$OUT/" 2>/dev/null || true
    fi
;; esac


# --- memory ----------------------------------------------------------------

case " $STEPS " in *" memory "*)
    echo "memory: $MEM_N requests to a fresh module worker"
    render module.conf memory "$P_CG" "$P_DEAD" "$REDIS_TCP" on "$W/extra.conf"
    start_nginx memory "$GW_CPU"
    wait_http "$P_CG"
    W_memory=$(worker_of "$PID_memory")

    mix="BENCH_TOKENS_FILE=$W/tokens.txt BENCH_TOKEN=$TOKEN BENCH_MIX=1"
    [ $HAVE_SPEC = 1 ] && mix="$mix BENCH_BODY_FILE=$BENCH/case.json"

    # shellcheck disable=SC2086
    run_wrk_count "$P_CG" "$MEM_FIRST" "$W/mem1.out" $mix
    rss1=$(rss_kib "$W_memory")
    n1=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$W/mem1.out")

    # shellcheck disable=SC2086
    run_wrk_count "$P_CG" $((MEM_N - n1)) "$W/mem2.out" $mix
    rss2=$(rss_kib "$W_memory")
    n2=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$W/mem2.out")
    non2xx=$(sed -n 's/^BENCH .*non2xx=\([0-9]*\).*/\1/p' "$W/mem2.out")

    say ""
    say "$(awk -v a="$rss1" -v b="$rss2" -v n1="$n1" -v n="$((n1 + n2))" \
               -v bad="$non2xx" 'BEGIN {
        printf "memory: worker RSS %.1f MiB after %d requests, %.1f MiB " \
               "after %d (%d non-2xx); growth %+.1f MiB (target: within " \
               "5 MiB): %s", a / 1024, n1, b / 1024, n, bad, (b - a) / 1024,
               (b - a <= 5120 ? "met" : "MISSED") }')"
    say "  (requests: 1 in 4 a validated POST when the module validates," \
        "1 in 4 a GET with the cached token, 2 in 4 a GET with the next of" \
        "$NTOKENS distinct tokens)"
;; esac

# --- hold: keep everything up for experiments by hand ------------------------

case " $STEPS " in *" hold "*)
    echo "holding for ${BENCH_HOLD_SECONDS:-600}s: plain $P_PLAIN," \
        "module $P_MOD (429: $P_MOD_LIM), module with Redis on a unix" \
        "socket $P_UNIX, module without Redis $P_DOWN, Lua $P_LUA" \
        "(429: $P_LUA_LIM), Lua without Redis $P_LUA_DOWN, Redis $P_REDIS," \
        "upstream $P_UP; work directory $W"
    echo "token: $TOKEN"
    sleep "${BENCH_HOLD_SECONDS:-600}"
;; esac

echo "report: $REPORT"
