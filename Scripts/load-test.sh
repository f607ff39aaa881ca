#!/usr/bin/env bash
# Load test of `hashing serve` (make load-test): starts the service on loopback over a trained
# run's database codes, drives POST /search (packed 32-bit codes, one query a request, k = 10) with
# wrk (Debian package, installed if missing) at 1, 8 and 64 connections for DURATION seconds each,
# and prints requests/s and the p50 / p99 latency; then sends a burst of malformed requests (bad k,
# truncated codes, wrong content type, corrupt PNG, an oversized body) and checks that each gets its
# 4xx and that the service still answers /health and a good search. Stops the service with SIGTERM.
#   Scripts/load-test.sh [hashing binary]
set -euo pipefail
cd "$(dirname "$0")/.."
hashing=${1:-.build/release/hashing}
duration=${DURATION:-10}
port=${PORT:-18080}
source Scripts/lib/ensure-command.sh
ensure_command wrk wrk load-test
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill -TERM "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
echo "load-test: training a small SSDH run (32 bits, embedded digits) for the codes"
"$hashing" train --method ssdh --dataset embedded-digits --bits 32 --epochs 2 --seed 0 --query-per-class 50 --training-per-class 250 \
    --validation-per-class 30 --progress quiet --output "$work/run" > "$work/train.log"
"$hashing" index --codes "$work/run/codes.npz" --set database --output "$work/db.hidx" > /dev/null
"$hashing" serve --index "$work/db.hidx" --codes "$work/run/codes.npz" --run "$work/run" --port "$port" \
    > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/health" > /dev/null || { cat "$work/serve.log" >&2; echo "load-test: the service did not start" >&2; exit 1; }
# One query code: the last query of the run, packed (32 bits = 4 bytes, numpy.packbits order): the
# last 4 bytes of the packed .npy's data.
"$hashing" export --codes "$work/run/codes.npz" --set query --format packed-npy --output "$work/q.npy" > /dev/null
tail -c 4 "$work/q.npy" > "$work/one.bin"
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
local f = io.open("$work/one.bin", "rb")
wrk.body = f:read("*a")
f:close()
LUA
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; wrk 2 threads (1 for 1 connection); ${duration} s each"
for connections in 1 8 64; do
    wrk -t"$((connections < 2 ? 1 : 2))" -c"$connections" -d"${duration}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/search?k=10" > "$work/wrk.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    errors=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
    echo "serve-search connections=$connections requests/s=$rps p50=$p50 p99=$p99 non-2xx=${errors:-0}"
done
status() { curl -s -o /dev/null -w "%{http_code}" "$@"; }
failures=0
check() { # expected, description, curl arguments…
    local expected=$1 what=$2
    shift 2
    local got
    got=$(status "$@")
    if [ "$got" != "$expected" ]; then echo "load-test: FAILED: $what gave $got, expected $expected"; failures=$((failures + 1)); fi
}
head -c 3 "$work/one.bin" > "$work/short.bin"
head -c 64 /dev/urandom > "$work/junk.png"
head -c $((9 * 1024 * 1024)) /dev/zero > "$work/big.bin"
url="http://127.0.0.1:$port/search"
for _ in $(seq 20); do
    check 400 "k = 0" -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$work/one.bin" "$url?k=0"
    check 400 "k = 5000" -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$work/one.bin" "$url?k=5000"
    check 400 "truncated codes" -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$work/short.bin" "$url"
    check 415 "text body" -X POST -H 'Content-Type: text/plain' --data-binary 'hello' "$url"
    check 400 "corrupt PNG" -X POST -H 'Content-Type: image/png' --data-binary @"$work/junk.png" "$url"
done
check 413 "9 MB body" -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$work/big.bin" "$url"
check 200 "health after the burst" "http://127.0.0.1:$port/health"
check 200 "a good search after the burst" -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$work/one.bin" "$url?k=10"
echo "malformed burst: 101 bad requests, $failures unexpected answers; the service $( [ "$(status "http://127.0.0.1:$port/health")" = 200 ] && echo still answers || echo STOPPED ANSWERING)"
kill -TERM "$server"
wait "$server" && echo "load-test: the service stopped on SIGTERM" || { echo "load-test: the service exited with an error on SIGTERM"; failures=$((failures + 1)); }
server=""
[ "$failures" -eq 0 ]
