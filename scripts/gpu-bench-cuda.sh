#!/usr/bin/env bash
# Native-vs-Orion CUDA benchmark on the GPU host (docs/benchmarks/cuda.md).
#
#  1. builds benchmarks/cuda/orion_bench.cu with nvcc -O2 -cudart shared -arch=sm_90 and Orion's
#     libcudart.so.13 (make -C native/cudart_stub), unless given prebuilt ones;
#  2. runs the benchmark natively;
#  3. starts orion-server on 127.0.0.1, runs the same binary through Orion (LD_LIBRARY_PATH =
#     the stub, ORION_SERVER = the server), stops the server;
#  4. measures raw loopback TCP (benchmarks/cuda/raw_tcp.py: the same sizes, bytes + a 1-byte answer, as a copy
#     and its reply) in the same run, the floor of Orion's copies over TCP;
#  5. writes $OUT/cuda-bench.md (case, native, Orion, ratio; then each copy as a share of raw TCP) and keeps the raw
#     logs in $OUT.
#
# Layout: ROOT (this script's parent folder) holds benchmarks/cuda, native/cudart_stub and,
# in a bundle made by `scripts/gpu-cudart-test.sh bundle`, bin/orion-server and
# lib/liborion_client.so. `scripts/gpu-bench-cuda.sh bundle [DIR]` (on a machine with the .NET
# SDK) makes that bundle (default artifacts/cudart) and adds benchmarks/cuda and this script;
# on the GPU host, `DIR/scripts/gpu-bench-cuda.sh` then runs everything.
#
# Environment:
#   OUT                  logs and results (default ./gpu-bench-cuda-out)
#   ORION_BENCH_ARGS     arguments for the benchmark, e.g. "--scale 0.2" or "--max-mib 16"
#   ORION_BENCH_TIMEOUT  seconds each run may take before it is killed (default 300)
#   ORION_SERVER_CMD     command that starts a server on 127.0.0.1:$ORION_PORT
#                        (default: ROOT/bin/orion-server --listen tcp://127.0.0.1:$ORION_PORT)
#   ORION_PORT           server port (default 7001; gpu-cudart-test.sh uses 7000)
#   ORION_BENCH_SERVER   where the Orion run connects (default 127.0.0.1:$ORION_PORT; e.g. shm://localhost:$ORION_PORT
#                        with a server command that also listens there)
#   ORION_CLIENT_LIB     liborion_client.so (default ROOT/lib/liborion_client.so when present)
#   STUB_DIR             folder with Orion's libcudart.so.13 already built (skips make)
#   ORION_BENCH_BIN      prebuilt benchmark binary (skips nvcc; the tests use a fake one)
#   CUDA_HOME            default /usr/local/cuda;  ORION_BENCH_ARCH  default sm_90
# Exit status: 0 when both runs completed every case with correct results, 1 otherwise.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${1:-}" = "bundle" ]; then
    bundle=$(realpath -m "${2:-artifacts/cudart}")
    "$ROOT/scripts/gpu-cudart-test.sh" bundle "$bundle" || exit 1
    (cd "$ROOT" && tar cf - benchmarks/cuda scripts/gpu-bench-cuda.sh) | tar xf - -C "$bundle" || exit 1
    echo "bundle ready: $bundle/scripts/gpu-bench-cuda.sh"
    exit 0
fi
OUT=${OUT:-$PWD/gpu-bench-cuda-out}
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
PORT=${ORION_PORT:-7001}
RUN_TIMEOUT=${ORION_BENCH_TIMEOUT:-300}
read -r -a BENCH_ARGS <<< "${ORION_BENCH_ARGS:-}"
SERVER_PID=
WORK=$(mktemp -d)

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null
    # The server ends its sessions on SIGTERM; give it 10 s, then force it.
    for _ in $(seq 1 100); do
        kill -0 -- "-$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }
failed=0

# 1. Build.
if [ -n "${ORION_BENCH_BIN:-}" ]; then
    BENCH=$ORION_BENCH_BIN
else
    BENCH=$WORK/orion_bench
    if ! "$CUDA_HOME/bin/nvcc" -O2 -std=c++17 -cudart shared -arch="${ORION_BENCH_ARCH:-sm_90}" \
        "$ROOT/benchmarks/cuda/orion_bench.cu" -o "$BENCH" > "$OUT/build.log" 2>&1; then
        say "benchmark build FAILED (build.log):"; cat "$OUT/build.log"
        exit 1
    fi
fi
if [ -z "${STUB_DIR:-}" ]; then
    STUB_DIR=$WORK/stub
    make -s -C "$ROOT/native/cudart_stub" BUILD="$STUB_DIR" all > "$OUT/stub-build.log" 2>&1 \
        || { say "stub build FAILED (stub-build.log)"; cat "$OUT/stub-build.log"; failed=1; }
fi
if [ -z "${ORION_CLIENT_LIB:-}" ] && [ -f "$ROOT/lib/liborion_client.so" ]; then
    export ORION_CLIENT_LIB=$ROOT/lib/liborion_client.so
fi
if [ -z "${ORION_SERVER_CMD:-}" ] && [ -x "$ROOT/bin/orion-server" ]; then
    ORION_SERVER_CMD="$ROOT/bin/orion-server --listen tcp://127.0.0.1:$PORT --log-level Information"
fi

# 2. Native run. The CUDA toolkit's runtime first on the path, whatever the caller's is.
say "native run: $BENCH ${BENCH_ARGS[*]-}"
env -u ORION_SERVER LD_LIBRARY_PATH="$CUDA_HOME/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    timeout -k 10 "$RUN_TIMEOUT" "$BENCH" "${BENCH_ARGS[@]}" > "$OUT/native.out" 2> "$OUT/native.err"
native_rc=$?
say "native exit status: $native_rc$([ "$native_rc" = 124 ] && echo ' (timed out)')"
[ "$native_rc" = 0 ] || failed=1
native_cudart=$(sed -n 's/^# libcudart=//p' "$OUT/native.out" | head -1)
case "$native_cudart" in
    "$STUB_DIR"/*) say "WARNING: the native run loaded Orion's stub ($native_cudart)"; failed=1 ;;
    ?*) say "native run loaded $native_cudart" ;;
esac

# 3. Through Orion.
orion_rc=skipped
if [ -z "${ORION_SERVER_CMD:-}" ]; then
    say "no ORION_SERVER_CMD and no ROOT/bin/orion-server: native run only"
    failed=1
else
    # Its own process group (setsid), so stopping it reaches whatever the command started.
    setsid bash -c "$ORION_SERVER_CMD" > "$OUT/server.log" 2>&1 < /dev/null &
    SERVER_PID=$!
    ready=0
    for _ in $(seq 1 300); do  # at most 30 s
        kill -0 "$SERVER_PID" 2>/dev/null || break
        if grep -q "server ready on" "$OUT/server.log" 2>/dev/null \
            || (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
            ready=1; break
        fi
        sleep 0.1
    done
    if [ "$ready" = 1 ]; then
        say "server up: $ORION_SERVER_CMD"
        env LD_LIBRARY_PATH="$STUB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ORION_SERVER="${ORION_BENCH_SERVER:-127.0.0.1:$PORT}" \
            timeout -k 10 "$RUN_TIMEOUT" "$BENCH" "${BENCH_ARGS[@]}" > "$OUT/orion.out" 2> "$OUT/orion.err"
        orion_rc=$?
        say "Orion exit status: $orion_rc$([ "$orion_rc" = 124 ] && echo ' (timed out)')"
        [ "$orion_rc" = 0 ] || failed=1
        # The benchmark prints the libcudart it loaded: the Orion run must have used the stub.
        loaded=$(sed -n 's/^# libcudart=//p' "$OUT/orion.out" | head -1)
        case "$loaded" in
            "$STUB_DIR"/*) say "Orion run loaded $loaded" ;;
            "") ;;
            *) say "WARNING: the Orion run loaded $loaded, not the stub in $STUB_DIR"; failed=1 ;;
        esac
    else
        say "server did not come up within 30 s (server.log):"; tail -20 "$OUT/server.log"
        failed=1
    fi
    stop_server
    say "sessions seen by the server: $(grep -c 'Session .* started' "$OUT/server.log")"
fi

# 4. Raw loopback TCP, the floor of the copies above (not fatal: the table says "-" without it).
raw_args=(measure)
for ((i = 0; i < ${#BENCH_ARGS[@]}; i++)); do
    [ "${BENCH_ARGS[$i]}" = "--max-mib" ] && raw_args+=(--max-mib "${BENCH_ARGS[$((i + 1))]:-256}")
done
timeout -k 10 "$RUN_TIMEOUT" python3 "$ROOT/benchmarks/cuda/raw_tcp.py" "${raw_args[@]}" > "$OUT/raw-tcp.out" 2> "$OUT/raw-tcp.err"
say "raw loopback TCP exit status: $?"

# 5. Table.
[ -f "$OUT/orion.out" ] || : > "$OUT/orion.out"
{
    echo "# CUDA benchmark: native vs Orion"
    echo
    echo "Host: $(uname -n), $(date -u '+%Y-%m-%d %H:%M UTC'); device: $(sed -n 's/^# device=//p' "$OUT/native.out" | head -1)."
    echo "Benchmark arguments: \`${BENCH_ARGS[*]-(none)}\`; native exit $native_rc, Orion exit $orion_rc."
    echo "Ratios are Orion/native; \"Orion vs native\" says how many times slower or faster Orion is."
    echo
} > "$OUT/cuda-bench.md"
python3 "$ROOT/benchmarks/cuda/bench_table.py" "$OUT/native.out" "$OUT/orion.out" >> "$OUT/cuda-bench.md"
table_rc=$?
{
    echo
    echo "## Copies against raw loopback TCP (same run)"
    echo
    python3 "$ROOT/benchmarks/cuda/raw_tcp.py" table "$OUT/raw-tcp.out" "$OUT/orion.out"
} >> "$OUT/cuda-bench.md"
[ "$table_rc" = 0 ] || failed=1
cat "$OUT/cuda-bench.md"
for run in native orion; do
    if [ -s "$OUT/$run.err" ]; then
        echo "---- $run stderr (first lines):"; head -15 "$OUT/$run.err"
    fi
done
say "result: $([ "$failed" = 0 ] && echo PASS || echo FAIL) (table: $OUT/cuda-bench.md)"
exit "$failed"
