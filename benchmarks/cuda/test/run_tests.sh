#!/usr/bin/env bash
# Tests of the CUDA benchmark's host logic and of scripts/gpu-bench-cuda.sh, on a machine with no
# GPU and no CUDA (needs bash, g++, perl, python3):
#
#  1. orion_bench.cu compiled by g++ against test/mock/cuda_runtime.h (kernels run on the CPU):
#     output format, vector add verified PASS, a corrupted download gives check=FAIL, a failing
#     allocation gives error=... for that case only, bad arguments are refused;
#  2. the script with a fake benchmark and a fake server: the table's values, ratios and
#     directions; a missing case and an error case; the server is stopped afterwards;
#  3. the script never hangs: a benchmark that hangs through Orion is killed by the timeout, a
#     server that never comes up is reported; the server is stopped in every case.
#
# Prints "N passed, N failed" and exits non-zero when anything failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
SCRIPT=$ROOT/scripts/gpu-bench-cuda.sh
WORK=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
expect() {  # expect NAME COMMAND...: passes when the command succeeds
    local name=$1; shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
has_line() { grep -qxF -- "$2" "$1"; }
has_text() { grep -qF -- "$2" "$1"; }
port() { echo $((20000 + RANDOM % 20000)); }

# ---- 1. The benchmark program against the mock runtime.
perl -0pe 's/(\w+)<<<(.*?)>>>\((.*?)\);/ORION_MOCK_LAUNCH($1, ($2), $3);/gs' \
    "$HERE/../orion_bench.cu" > "$WORK/bench_mock.cpp"
if g++ -std=c++17 -O2 -Wall -Wextra -Werror -x c++ -I"$HERE/mock" "$WORK/bench_mock.cpp" -o "$WORK/bench" \
    > "$WORK/build.log" 2>&1; then
    ok "orion_bench.cu compiles with g++ against the mock runtime (-Wall -Wextra -Werror)"
else
    bad "orion_bench.cu compiles with g++ against the mock runtime"; cat "$WORK/build.log"
fi
"$WORK/bench" --scale 0.01 --max-mib 16 > "$WORK/mock.out" 2> "$WORK/mock.err"
expect "mock run exits 0" [ $? = 0 ]
expect "mock run: every case line has unit, better, value and n" \
    awk '/^case=/ && !(/ unit=[^ ]+/ && / better=(lower|higher)/ && / value=[0-9.]+/ && / n=[0-9]+/) {bad=1} END {exit bad}' "$WORK/mock.out"
expect "mock run: only case= and # lines on stdout" awk '!/^(case=|# )/ {bad=1} END {exit bad}' "$WORK/mock.out"
expect "mock run: 17 cases (startup, 2 launch, 2 small copies, 8 throughput up to 16 MiB, vector add, decode, compute, async overlap)" \
    [ "$(grep -c '^case=' "$WORK/mock.out")" = 17 ]
expect "mock run: latency cases have p50 <= p99" \
    awk '/ p99=/ {for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]} if (v["p50"] + 0 > v["p99"] + 0) bad=1} END {exit bad}' "$WORK/mock.out"
expect "mock run: vector add verified" has_text "$WORK/mock.out" "check=PASS"
expect "mock run: --max-mib 16 skips 256 MiB" bash -c "! grep -q 256MiB '$WORK/mock.out'"

ORION_MOCK_CORRUPT_D2H_ABOVE=60000000 "$WORK/bench" --scale 0.01 --cases vector_add > "$WORK/corrupt.out" 2> "$WORK/corrupt.err"
expect "corrupted download: exit 1" [ $? = 1 ]
expect "corrupted download: check=FAIL" has_text "$WORK/corrupt.out" "case=vector_add_16M_e2e unit=ms better=lower"
expect "corrupted download: FAIL reported" has_text "$WORK/corrupt.out" "check=FAIL"
expect "corrupted download: mismatch on stderr" has_text "$WORK/corrupt.err" "vector_add mismatch at 16777215"

ORION_MOCK_FAIL_ALLOC_ABOVE=2000000 "$WORK/bench" --scale 0.01 --cases pinned_1MiB,pinned_16MiB,memcpy_h2d_4B \
    > "$WORK/alloc.out" 2> "$WORK/alloc.err"
expect "failing allocation: exit 1" [ $? = 1 ]
expect "failing allocation: error line for the failing case" \
    has_line "$WORK/alloc.out" "case=memcpy_h2d_pinned_16MiB unit=GB/s error=cudaErrorMemoryAllocation"
expect "failing allocation: the other cases still measured" \
    [ "$(grep -c 'better=' "$WORK/alloc.out")" = 3 ]
"$WORK/bench" --scale 0 > /dev/null 2>&1
expect "--scale 0 refused with exit 2" [ $? = 2 ]
"$WORK/bench" --unknown > /dev/null 2>&1
expect "unknown argument refused with exit 2" [ $? = 2 ]

# ---- 2. The script's table, with a fake benchmark and a fake server.
mkdir -p "$WORK/stub"
cat > "$WORK/fake_bench.sh" <<'EOF'
#!/usr/bin/env bash
# Prints fixed results: one set natively, another through "Orion" (ORION_SERVER set).
echo "# orion_bench scale=1 max_mib=256"
echo "# device=Fake H100 sm_90"
if [ -z "${ORION_SERVER:-}" ]; then
    echo "# libcudart=/opt/fake-cuda/lib64/libcudart.so.13.0.48"
    echo "case=startup_first_call unit=ms better=lower value=200.000 n=1"
    echo "case=launch_async_rate unit=launches/s better=higher value=300000.000 min=290000.000 max=310000.000 n=3"
    echo "case=launch_sync_roundtrip unit=us better=lower value=10.000 p50=10.000 p99=20.000 n=5000"
    echo "case=memcpy_h2d_pinned_256MiB unit=GB/s better=higher value=50.000 min=49.000 max=51.000 n=7"
    echo "case=memcpy_d2h_pinned_256MiB unit=GB/s better=higher value=40.000 min=39.000 max=41.000 n=7"
    echo "case=memcpy_h2d_pageable_1MiB unit=GB/s better=higher value=10.000 min=9.000 max=11.000 n=7"
    echo "case=vector_add_16M_e2e unit=ms better=lower value=20.000 p50=20.000 p99=25.000 n=10 check=PASS"
else
    [ "${FAKE_HANG:-0}" = 1 ] && exec sleep 1000
    if [ "${FAKE_WRONG_LIB:-0}" = 1 ]; then
        echo "# libcudart=/opt/fake-cuda/lib64/libcudart.so.13.0.48"
    else
        echo "# libcudart=${LD_LIBRARY_PATH%%:*}/libcudart.so.13"
    fi
    echo "case=startup_first_call unit=ms better=lower value=50.000 n=1"
    echo "case=launch_async_rate unit=launches/s better=higher value=330000.000 min=320000.000 max=340000.000 n=3"
    echo "case=launch_sync_roundtrip unit=us better=lower value=70.000 p50=70.000 p99=100.000 n=5000"
    echo "case=memcpy_h2d_pinned_256MiB unit=GB/s better=higher value=25.000 min=24.000 max=26.000 n=7"
    echo "case=memcpy_d2h_pinned_256MiB unit=GB/s error=cudaErrorMemoryAllocation"
    echo "case=vector_add_16M_e2e unit=ms better=lower value=80.000 p50=80.000 p99=90.000 n=10 check=PASS"
fi
EOF
cat > "$WORK/fake_server.sh" <<'EOF'
#!/usr/bin/env bash
# Announces itself like orion-server, records its pid, and waits to be stopped.
echo $$ > "$1"
[ "${FAKE_SERVER_DIES:-0}" = 1 ] && { echo "fake server: cannot start"; exit 4; }
echo "12:00:00.000 info: orion-server[6] Orion server ready on tcp://127.0.0.1:$2 (no auth token)"
exec sleep 1000
EOF
chmod +x "$WORK/fake_bench.sh" "$WORK/fake_server.sh"
run_script() {  # run_script OUTDIR [VAR=value...]: the script with the fakes, bounded by 120 s
    local out=$1; shift
    local p; p=$(port)
    env "$@" OUT="$out" ORION_BENCH_BIN="$WORK/fake_bench.sh" STUB_DIR="$WORK/stub" ORION_PORT="$p" \
        ORION_SERVER_CMD="$WORK/fake_server.sh $out.server-pid $p" \
        timeout 120 bash "$SCRIPT" > "$out.log" 2>&1
}
server_gone() { [ -s "$1" ] && ! kill -0 "$(cat "$1")" 2>/dev/null; }

run_script "$WORK/r1"
expect "fake run: exit 1 (one case failed through Orion)" [ $? = 1 ]
T=$WORK/r1/cuda-bench.md
expect "fake run: table written" [ -s "$T" ]
expect "fake run: header" has_line "$T" "| case | unit | native | Orion | Orion/native | better | Orion vs native | check |"
expect "fake run: latency p50 row, ratio and direction" \
    has_line "$T" "| launch_sync_roundtrip p50 | us | 10.00 | 70.00 | 7.00 | lower is better | 7.00x slower |  |"
expect "fake run: latency p99 row" \
    has_line "$T" "| launch_sync_roundtrip p99 | us | 20.00 | 100.0 | 5.00 | lower is better | 5.00x slower |  |"
expect "fake run: a higher rate through Orion is faster" \
    has_line "$T" "| launch_async_rate median | launches/s | 300,000 | 330,000 | 1.10 | higher is better | 1.10x faster |  |"
expect "fake run: half the GB/s is 2x slower" \
    has_line "$T" "| memcpy_h2d_pinned_256MiB median | GB/s | 50.00 | 25.00 | 0.50 | higher is better | 2.00x slower |  |"
expect "fake run: an error case shows the error" \
    has_line "$T" "| memcpy_d2h_pinned_256MiB median | GB/s | 40.00 | error cudaErrorMemoryAllocation | - | higher is better | - |  |"
expect "fake run: a case missing through Orion shows missing" \
    has_line "$T" "| memcpy_h2d_pageable_1MiB median | GB/s | 10.00 | missing | - | higher is better | - |  |"
expect "fake run: single-sample case, faster through Orion" \
    has_line "$T" "| startup_first_call | ms | 200.0 | 50.00 | 0.25 | lower is better | 4.00x faster |  |"
expect "fake run: workload check column" \
    has_line "$T" "| vector_add_16M_e2e p50 | ms | 20.00 | 80.00 | 4.00 | lower is better | 4.00x slower | native PASS, Orion PASS |"
expect "fake run: device named" has_text "$T" "device: Fake H100 sm_90."
expect "fake run: the Orion run saw the stub on its library path" \
    has_text "$WORK/r1/summary.txt" "Orion run loaded $WORK/stub/libcudart.so.13"
expect "fake run: the native run's libcudart reported" \
    has_text "$WORK/r1/summary.txt" "native run loaded /opt/fake-cuda/lib64/libcudart.so.13.0.48"
expect "fake run: raw loopback TCP measured in the same run" \
    has_text "$WORK/r1/raw-tcp.out" "case=raw_tcp_256MiB unit=GB/s better=higher value="
expect "fake run: copies as a share of raw TCP" has_text "$T" "## Copies against raw loopback TCP (same run)"
expect "fake run: a copy row beside raw TCP of its size" has_text "$T" "| memcpy_h2d_pinned_256MiB | 25.0 | "
expect "fake run: raw logs kept" [ -f "$WORK/r1/native.out" ] && [ -f "$WORK/r1/orion.out" ] && [ -f "$WORK/r1/server.log" ]
expect "fake run: server stopped" server_gone "$WORK/r1.server-pid"

# The same, with every case healthy: exit 0.
sed -i 's/^    echo "case=memcpy_d2h_pinned_256MiB unit=GB\/s error=.*/    echo "case=memcpy_d2h_pinned_256MiB unit=GB\/s better=higher value=20.000 min=1 max=30 n=7"\n    echo "case=memcpy_h2d_pageable_1MiB unit=GB\/s better=higher value=5.000 min=1 max=6 n=7"/' "$WORK/fake_bench.sh"
run_script "$WORK/r2"
expect "healthy fake run: exit 0" [ $? = 0 ]
expect "healthy fake run: PASS in summary" has_text "$WORK/r2/summary.txt" "result: PASS"

run_script "$WORK/r5" FAKE_WRONG_LIB=1
expect "Orion run without the stub: exit 1" [ $? = 1 ]
expect "Orion run without the stub: warned" has_text "$WORK/r5/summary.txt" "WARNING: the Orion run loaded /opt/fake-cuda"

# ---- 3. Never hang; always stop the server.
start=$SECONDS
run_script "$WORK/r3" FAKE_HANG=1 ORION_BENCH_TIMEOUT=2
rc=$?
expect "hanging benchmark: script exits 1" [ "$rc" = 1 ]
expect "hanging benchmark: bounded by the timeout (< 60 s)" [ $((SECONDS - start)) -lt 60 ]
expect "hanging benchmark: timeout reported" has_text "$WORK/r3/summary.txt" "Orion exit status: 124 (timed out)"
expect "hanging benchmark: native results still tabled" has_text "$WORK/r3/cuda-bench.md" "| launch_sync_roundtrip p50 | us | 10.00 | missing |"
expect "hanging benchmark: server stopped" server_gone "$WORK/r3.server-pid"

run_script "$WORK/r4" FAKE_SERVER_DIES=1
expect "server that dies: script exits 1" [ $? = 1 ]
expect "server that dies: reported" has_text "$WORK/r4/summary.txt" "server did not come up"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
