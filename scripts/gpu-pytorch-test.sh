#!/usr/bin/env bash
# GPU-host test of stock PyTorch through Orion's libcuda.so.1 (issue 11).
#
#   scripts/gpu-pytorch-test.sh run OUTDIR   on the GPU host, from the repository root, with a bundle
#                                            (bin/orion-server, bin/orion, lib/liborion_client.so;
#                                            default artifacts/cudart, or ORION_BUNDLE; made by
#                                            scripts/gpu-cudart-test.sh bundle) carried: builds the
#                                            driver front end, runs tests/pytorch/torch_check.py
#                                            natively and through Orion (`orion run`, as a user
#                                            would), compares stdout line by line and checks that
#                                            NVIDIA's libcuda.so.1 was never mapped in the Python
#                                            process.
# Environment: ORION_PYTORCH_SETS (default "check expandable"; "bench" measures speed, "smi" runs nvidia-smi,
# "loss" kills the server, then a worker, under a training loop) picks what runs; ORION_PYTORCH_CHECKS
# limits the checks of the "check" set; ORION_PYTORCH_BENCH (default "first decode resnet parts") the
# figures of the "bench" set; ORION_PYTORCH_TRACE=1 also runs the check set under the
# tracing driver over Orion's (every driver call and its result, in order).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${2:-$PWD/gpu-pytorch-out}")
PYTHON=${PYTHON:-python3}
BUNDLE=${ORION_BUNDLE:-$ROOT/artifacts/cudart}
ORION=$BUNDLE/bin/orion
PORT=${ORION_PORT:-7480}
SETS=${ORION_PYTORCH_SETS:-check expandable}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null' EXIT
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }

[ -x "$ORION" ] || { say "no $ORION: make the bundle with scripts/gpu-cudart-test.sh bundle"; exit 1; }
make -s -C "$ROOT/native/driver_front_end" BUILD="$WORK/front" all > "$OUT/front-build.log" 2>&1 \
    || { say "front end build FAILED"; cat "$OUT/front-build.log"; exit 1; }
FRONT=$WORK/front
# Orion's NVML beside Orion's driver: PyTorch loads both by name.
make -s -C "$ROOT/native/nvml_front_end" BUILD="$WORK/nvml" all >> "$OUT/front-build.log" 2>&1 \
    || { say "NVML front end build FAILED"; cat "$OUT/front-build.log"; exit 1; }
cp "$WORK/nvml/libnvidia-ml.so.1" "$FRONT/"
# The client library beside them: FRONT is then a complete runtime folder for `orion run --runtime`.
cp "$BUNDLE/lib/liborion_client.so" "$FRONT/"
# Triton links its launcher with -lcuda from TRITON_LIBCUDA_PATH: the unversioned name must be there
# (orion run makes it too; made here so that the folder is complete before the first run).
ln -sf libcuda.so.1 "$FRONT/libcuda.so"
gcc -shared -fPIC -O1 -o "$WORK/maps_probe.so" "$ROOT/tests/cuda/maps_probe/maps_probe.c" 2>> "$OUT/front-build.log"

"$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$PORT" --log-level Warning > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q "ready on" "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done

export CUBLAS_WORKSPACE_CONFIG=:4096:8
same=0 different=0
# Through Orion, a program runs as a user runs it: orion run sets LD_LIBRARY_PATH, ORION_CLIENT_LIB,
# ORION_SERVER and TRITON_LIBCUDA_PATH from the runtime folder and the server, and passes every other
# variable (LD_PRELOAD, ORION_MAPS_OUT, the test's own) through; the program takes orion's process.
THROUGH_ORION=("$ORION" run --runtime "$FRONT" --server "tcp://127.0.0.1:$PORT" --)

# run NAME ENV... -- ARGS...: the Python script natively and through Orion; compares stdout and exit code.
run() {
    local name=$1; shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    local start end
    start=$(date +%s%N)
    timeout 400 env "${envs[@]}" ORION_MAPS_OUT=$OUT/$name.native.maps LD_PRELOAD=$WORK/maps_probe.so \
        "$PYTHON" "$@" > "$OUT/$name.native.out" 2> "$OUT/$name.native.err"
    echo $? > "$OUT/$name.native.rc"
    end=$(date +%s%N); local native_s=$(( (end - start) / 1000000 ))
    start=$(date +%s%N)
    timeout 400 env "${envs[@]}" ORION_MAPS_OUT=$OUT/$name.orion.maps LD_PRELOAD=$WORK/maps_probe.so \
        "${THROUGH_ORION[@]}" "$PYTHON" "$@" > "$OUT/$name.orion.out" 2> "$OUT/$name.orion.err"
    echo $? > "$OUT/$name.orion.rc"
    end=$(date +%s%N); local orion_s=$(( (end - start) / 1000000 ))
    local verdict=same
    cmp -s "$OUT/$name.native.out" "$OUT/$name.orion.out" || verdict=different
    cmp -s "$OUT/$name.native.rc" "$OUT/$name.orion.rc" || verdict=different
    grep -q '/libcuda.so' "$OUT/$name.native.maps" 2>/dev/null || verdict="$verdict (native did not map libcuda?)"
    if grep -q 'nvidia/lib64/libcuda.so\|/usr/lib.*/libcuda.so\|nvidia/lib64/libnvidia-ml\|/usr/lib.*/libnvidia-ml' "$OUT/$name.orion.maps" 2>/dev/null; then
        verdict="different (NVIDIA's libcuda.so or libnvidia-ml.so mapped through Orion)"
    fi
    [ "$verdict" = same ] && same=$((same + 1)) || different=$((different + 1))
    diff "$OUT/$name.native.out" "$OUT/$name.orion.out" > "$OUT/$name.diff"
    say "$name: $verdict (exit native $(cat "$OUT/$name.native.rc") in ${native_s} ms, orion $(cat "$OUT/$name.orion.rc") in ${orion_s} ms; $(grep -c FAILED "$OUT/$name.orion.out") checks failed through Orion, $(grep -c FAILED "$OUT/$name.native.out") natively)"
}

# bench: tests/pytorch/torch_bench.py natively and through Orion, alternating, into bench.txt; the
# start-up figures also through a server with a module cache, cold then warm.
bench() {
    local script=$ROOT/tests/pytorch/torch_bench.py cache=$WORK/module-cache orion cached
    orion=("${THROUGH_ORION[@]}")
    cached=("$ORION" run --runtime "$FRONT" --server "tcp://127.0.0.1:$((PORT + 1))" --)
    mkdir -p "$cache"
    "$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$((PORT + 1))" --module-cache "$cache" --log-level Warning \
        > "$OUT/bench-cache-server.log" 2>&1 &
    local cached_server=$!
    for _ in $(seq 1 100); do grep -q "ready on" "$OUT/bench-cache-server.log" 2>/dev/null && break; sleep 0.1; done
    measure() { # LABEL FIGURE [LAUNCHER...]: LAUNCHER... python3 torch_bench.py FIGURE (natively: no launcher)
        local label=$1 figure=$2; shift 2
        timeout 300 "$@" "$PYTHON" "$script" "$figure" 2>> "$OUT/bench.err" | sed "s/^/$label /" | tee -a "$OUT/bench.txt"
    }
    local parts=" ${ORION_PYTORCH_BENCH:-first decode resnet parts} "
    if [[ $parts == *" first "* ]]; then
    measure native first; measure native first
    measure orion-no-cache first "${orion[@]}"
    measure orion-cold-cache first "${cached[@]}"
    measure orion-warm-cache first "${cached[@]}"
    measure orion-warm-cache first "${cached[@]}"
    fi
    kill "$cached_server" 2>/dev/null; wait "$cached_server" 2>/dev/null
    for round in 1 2; do
        for what in decode resnet parts; do
            [[ $parts == *" $what "* ]] || continue
            measure native "$what"
            measure orion "$what" "${orion[@]}"
        done
    done
    # Where the time goes through Orion: every call counted, round trips timed (bench.err).
    for what in decode resnet; do
        [[ $parts == *" $what "* ]] || continue
        echo "== profile: $what" >> "$OUT/bench.err"
        measure orion-profiled "$what" env ORION_PROFILE=1 "${orion[@]}"
    done
    say "bench: $(wc -l < "$OUT/bench.txt") figures in bench.txt"
}

CHECK=$ROOT/tests/pytorch/torch_check.py
read -r -a CHECKS <<< "${ORION_PYTORCH_CHECKS:-}"
for set in $SETS; do
    case $set in
    check) run check X=1 -- "$CHECK" "${CHECKS[@]}" ;;
    expandable) run expandable PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True -- "$CHECK" expandable ;;
    bench) bench ;;
    loss)
        # A training loop whose server (the supervisor, then in a second run the session's worker) is killed
        # with SIGKILL mid-training: it must end with a CUDA error soon after, never hang (issue 11, point 5).
        for victim in worker supervisor; do
            "$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$((PORT + 7))" --log-level Warning > "$OUT/loss-$victim-server.log" 2>&1 &
            local_server=$!
            for _ in $(seq 1 100); do grep -q "ready on" "$OUT/loss-$victim-server.log" 2>/dev/null && break; sleep 0.1; done
            timeout 120 "$ORION" run --runtime "$FRONT" --server "tcp://127.0.0.1:$((PORT + 7))" -- \
                "$PYTHON" "$ROOT/tests/pytorch/torch_loss.py" > "$OUT/loss-$victim.out" 2> "$OUT/loss-$victim.err" &
            client=$!
            for _ in $(seq 1 600); do grep -q READY "$OUT/loss-$victim.out" 2>/dev/null && break; sleep 0.1; done
            killed_at=$(date +%s%N)
            if [ "$victim" = worker ]; then
                pkill -9 -f "orion-server worker" ; sleep 0.2
            else
                kill -9 "$local_server"
            fi
            wait "$client"; rc=$?
            ended_at=$(date +%s%N)
            say "loss ($victim killed): exit $rc after $(( (ended_at - killed_at) / 1000000 )) ms: $(grep -v READY "$OUT/loss-$victim.out" | head -1); stderr: $(grep -m1 -i 'orion' "$OUT/loss-$victim.err")"
            kill -9 "$local_server" 2>/dev/null; pkill -9 -f "orion-server worker" 2>/dev/null; wait "$local_server" 2>/dev/null
        done
        ;;
    smi)
        # nvidia-smi natively and through Orion's NVML (it asks NVIDIA's private table too, which Orion lacks),
        # and orion smi: what the server offers, as the tenant sees it.
        nvidia-smi > "$OUT/smi.native.out" 2>&1
        timeout 60 "${THROUGH_ORION[@]}" nvidia-smi > "$OUT/smi.orion.out" 2>&1
        say "nvidia-smi through Orion: exit $? ($(head -c 300 "$OUT/smi.orion.out" | tr '\n' ' '))"
        timeout 30 "$ORION" smi --server "tcp://127.0.0.1:$PORT" > "$OUT/orion-smi.out" 2>&1
        say "orion smi: exit $? ($(tr '\n' ' ' < "$OUT/orion-smi.out"))"
        ;;
    esac
done
if [ "${ORION_PYTORCH_TRACE:-0}" = 1 ]; then
    sh "$ROOT/tests/cuda/driver_trace/build.sh" "$ROOT/native/driver_front_end/data/libcuda-580-exports.txt" "$WORK/trace" \
        > "$OUT/trace-build.log" 2>&1 && ln -sf libcuda.so.1 "$WORK/trace/libcuda.so"
    DRIVER_TRACE_CALLS=1 DRIVER_TRACE_KEEP="263e8860 6bd5fb6c d4082055" DRIVER_TRACE_OUT=$OUT/check.orion.calls \
        DRIVER_TRACE_REAL=$FRONT/libcuda.so.1 LD_LIBRARY_PATH=$WORK/trace TRITON_LIBCUDA_PATH=$WORK/trace \
        ORION_CLIENT_LIB=$BUNDLE/lib/liborion_client.so ORION_SERVER=tcp://127.0.0.1:$PORT \
        timeout 400 "$PYTHON" "$CHECK" "${CHECKS[@]}" > "$OUT/check.orion.traced.out" 2>&1
    say "traced: check.orion.calls*"
fi
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
say "identical $same, different $different"
