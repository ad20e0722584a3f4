#!/usr/bin/env bash
# GPU-host test of the libcuda.so.1 replacement (native/driver_front_end, issue 10).
#
#   scripts/gpu-driver-test.sh run OUTDIR    on the GPU host, from the repository root, with
#                                            artifacts/cudart (scripts/gpu-cudart-test.sh bundle)
#                                            carried: builds the front end and the programs, runs
#                                            each natively and through Orion, compares stdout byte
#                                            for byte and checks that NVIDIA's libcuda.so.1 was
#                                            never mapped in a client process.
# Programs: tests/cuda/driver_programs (driver API alone), tests/cuda/programs (24 runtime
# programs) built with nvcc's default static cudart and with -cudart shared, and
# tests/cuda/library-programs (cuBLAS, cuFFT, ... with NVIDIA's libraries).
# Sets beyond those four: "fault" runs the program that faults on purpose (left out of static and shared,
# since its error is sticky), built both ways; "first-gemm" times a cuBLAS program from start to exit (cublasCreate, one SGEMM)
# natively and through Orion without a module cache, with a cold one and a warm one; "probes" runs the
# private-table experiments of tests/cuda/driver_trace on NVIDIA's driver.
# Environment: ORION_DRIVER_SETS (default "driver static shared library") picks what runs;
# ORION_DRIVER_TRACE="01_cublas_sgemm ..." also runs those library programs under the tracing
# driver (tests/cuda/driver_trace, DRIVER_TRACE_CALLS=1) over NVIDIA's driver and over Orion's,
# writing every driver call and its result in order to library/NAME.{native,orion}.calls.*.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${2:-$PWD/gpu-driver-out}")
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
NVCC=$CUDA_HOME/bin/nvcc
BUNDLE=${ORION_BUNDLE:-$ROOT/artifacts/cudart}
PORT=${ORION_PORT:-7470}
SETS=${ORION_DRIVER_SETS:-driver static shared library}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null' EXIT
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }

make -s -C "$ROOT/native/driver_front_end" BUILD="$WORK/front" all > "$OUT/front-build.log" 2>&1 \
    || { say "front end build FAILED"; cat "$OUT/front-build.log"; exit 1; }
FRONT=$WORK/front
gcc -shared -fPIC -O1 -o "$WORK/maps_probe.so" "$ROOT/tests/cuda/maps_probe/maps_probe.c" 2>> "$OUT/front-build.log"

"$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$PORT" --log-level Warning > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q "ready on" "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done

TRACE_NAMES=${ORION_DRIVER_TRACE:-}
if [ -n "$TRACE_NAMES" ]; then
    sh "$ROOT/tests/cuda/driver_trace/build.sh" "$ROOT/native/driver_front_end/data/libcuda-580-exports.txt" "$WORK/trace" \
        > "$OUT/trace-build.log" 2>&1 || { say "tracing driver build FAILED"; TRACE_NAMES=; }
fi
# trace SET NAME ARGS...: the program's driver calls in order, over NVIDIA's driver and over Orion's.
# Over NVIDIA's driver the context-check table stays untouched (wrapping it fails the runtime's
# integrity check); over Orion's, the runtime interface and integrity tables too (Orion's integrity
# hash covers their addresses).
trace() {
    local set=$1 name=$2; shift 2
    local dir=$OUT/$set
    DRIVER_TRACE_CALLS=${ORION_TRACE_NATIVE_CALLS:-1} DRIVER_TRACE_KEEP="${ORION_TRACE_KEEP:-263e8860}" DRIVER_TRACE_QUIET="${ORION_TRACE_QUIET:-d4082055}" DRIVER_TRACE_OUT=$dir/$name.native.calls \
        LD_LIBRARY_PATH=$WORK/trace timeout 120 "$@" > "$dir/$name.native.traced.out" 2>&1
    DRIVER_TRACE_CALLS=1 DRIVER_TRACE_KEEP="263e8860 6bd5fb6c d4082055" DRIVER_TRACE_OUT=$dir/$name.orion.calls \
        DRIVER_TRACE_REAL=$FRONT/libcuda.so.1 LD_LIBRARY_PATH=$WORK/trace ORION_CLIENT_LIB=$BUNDLE/lib/liborion_client.so \
        ORION_SERVER=tcp://127.0.0.1:$PORT timeout 120 "$@" > "$dir/$name.orion.traced.out" 2>&1
}

# The driver ABI Orion declares (include/cuda_driver_abi.h) against NVIDIA's cuda.h.
ABI=$ROOT/tests/cuda/abi_check
gcc -std=c11 -DABI_REAL -I"$CUDA_HOME/include" -I"$ABI" "$ABI/driver_abi_check.c" -o "$WORK/driver_abi_real" > "$OUT/abi-build.log" 2>&1
gcc -std=c11 -I"$ROOT/native/driver_front_end/include" -I"$ABI" "$ABI/driver_abi_check.c" -o "$WORK/driver_abi_orion" >> "$OUT/abi-build.log" 2>&1
"$WORK/driver_abi_real" > "$OUT/abi-real.txt" 2>&1
"$WORK/driver_abi_orion" > "$OUT/abi-orion.txt" 2>&1
if [ -s "$OUT/abi-real.txt" ] && diff "$OUT/abi-real.txt" "$OUT/abi-orion.txt" > "$OUT/abi-diff.txt"; then
    say "driver ABI check: $(wc -l < "$OUT/abi-real.txt") layouts and values identical to cuda.h"
else
    say "driver ABI check: DIFFERENT (abi-diff.txt, abi-build.log)"
fi

# run NAME ARGS...: natively and through Orion; compares stdout and the exit code.
same=0 different=0
run() {
    local set=$1 name=$2; shift 2
    local dir=$OUT/$set
    mkdir -p "$dir"
    timeout 120 env ORION_MAPS_OUT=$dir/$name.native.maps LD_PRELOAD=$WORK/maps_probe.so "$@" \
        > "$dir/$name.native.out" 2> "$dir/$name.native.err"
    echo $? > "$dir/$name.native.rc"
    timeout 120 env ORION_MAPS_OUT=$dir/$name.orion.maps LD_PRELOAD=$WORK/maps_probe.so LD_LIBRARY_PATH=$FRONT \
        ORION_CLIENT_LIB=$BUNDLE/lib/liborion_client.so ORION_SERVER=tcp://127.0.0.1:$PORT "$@" \
        > "$dir/$name.orion.out" 2> "$dir/$name.orion.err"
    echo $? > "$dir/$name.orion.rc"
    local verdict=same
    cmp -s "$dir/$name.native.out" "$dir/$name.orion.out" || verdict=different
    cmp -s "$dir/$name.native.rc" "$dir/$name.orion.rc" || verdict=different
    grep -q '/libcuda.so' "$dir/$name.native.maps" 2>/dev/null || verdict="$verdict (native did not map libcuda?)"
    if grep -q 'nvidia/lib64/libcuda.so\|/usr/lib.*/libcuda.so' "$dir/$name.orion.maps" 2>/dev/null; then
        verdict="different (NVIDIA's libcuda.so mapped through Orion)"
    fi
    [ "$verdict" = same ] && same=$((same + 1)) || different=$((different + 1))
    say "$set/$name: $verdict (exit native $(cat "$dir/$name.native.rc"), orion $(cat "$dir/$name.orion.rc"))"
}

for set in $SETS; do
    case $set in
    driver)
        "$NVCC" -fatbin -arch=sm_90 "$ROOT/tests/cuda/driver_programs/kernels.cu" -o "$WORK/kernels.fatbin" > "$OUT/driver-build.log" 2>&1
        for source in "$ROOT"/tests/cuda/driver_programs/*.c; do
            name=$(basename "$source" .c)
            gcc -O1 -I"$CUDA_HOME/include" "$source" -L"$CUDA_HOME/lib64/stubs" -lcuda -o "$WORK/$name" >> "$OUT/driver-build.log" 2>&1 \
                && run driver "$name" "$WORK/$name" "$WORK/kernels.fatbin" || say "driver/$name: build FAILED"
        done
        ;;
    static | shared)
        flag=""; [ "$set" = shared ] && flag="-cudart shared"
        # Built in parallel (the host has 16 cores), then run one by one.
        ls "$ROOT"/tests/cuda/programs/*.cu | grep -v illegal_address | xargs -P 12 -I{} sh -c \
            'n=$(basename {} .cu); "$0" -O2 $1 -arch=sm_90 -I"$2" {} -o "$3/$4-$n" > "$5/$4-$n.build.log" 2>&1' \
            "$NVCC" "$flag" "$ROOT/tests/cuda/programs" "$WORK" "$set" "$OUT"
        for source in "$ROOT"/tests/cuda/programs/*.cu; do
            name=$(basename "$source" .cu)
            case $name in *illegal_address*) continue ;; esac # a fault poisons the session: run apart
            [ -x "$WORK/$set-$name" ] && run "$set" "$name" "$WORK/$set-$name" || say "$set/$name: build FAILED"
        done
        ;;
    library)
        ls "$ROOT"/tests/cuda/library-programs/*.cu | xargs -P 12 -I{} sh -c \
            'n=$(basename {} .cu); "$0" -O2 -arch=sm_90 -I"$1" {} -o "$2/lib-$n" $(sed -n "1s|^// libs:||p" {}) > "$3/lib-$n.build.log" 2>&1' \
            "$NVCC" "$ROOT/tests/cuda/library-programs" "$WORK" "$OUT"
        for source in "$ROOT"/tests/cuda/library-programs/*.cu; do
            name=$(basename "$source" .cu)
            [ -x "$WORK/lib-$name" ] && run library "$name" "$WORK/lib-$name" || say "library/$name: build FAILED"
            case " $TRACE_NAMES " in *" $name "*) [ -x "$WORK/lib-$name" ] && trace library "$name" "$WORK/lib-$name" ;; esac
        done
        ;;
    fault)
        # The program that faults on purpose (its error is sticky for the rest of its process), built both
        # ways; each run is a process, hence a server session, of its own.
        source=$ROOT/tests/cuda/programs/14_error_illegal_address.cu
        "$NVCC" -O2 -arch=sm_90 -I"$ROOT/tests/cuda/programs" "$source" -o "$WORK/fault-static" > "$OUT/fault-build.log" 2>&1 \
            && run fault static_14_error_illegal_address "$WORK/fault-static" || say "fault/static: build FAILED"
        "$NVCC" -O2 -cudart shared -arch=sm_90 -I"$ROOT/tests/cuda/programs" "$source" -o "$WORK/fault-shared" >> "$OUT/fault-build.log" 2>&1 \
            && run fault shared_14_error_illegal_address "$WORK/fault-shared" || say "fault/shared: build FAILED"
        ;;
    first-gemm)
        "$NVCC" -O2 -arch=sm_90 -I"$ROOT/tests/cuda/library-programs" "$ROOT/tests/cuda/library-programs/01_cublas_sgemm.cu" \
            -o "$WORK/first_gemm" -lcublas > "$OUT/first-gemm-build.log" 2>&1 || { say "first-gemm: build FAILED"; continue; }
        # seconds PROGRAM-ENV...: wall time of one run of the program, with the given environment.
        seconds() {
            local start end
            start=$(date +%s%N)
            env "$@" "$WORK/first_gemm" > /dev/null 2>> "$OUT/first-gemm.err" || echo "first-gemm: run FAILED ($*)" >> "$OUT/first-gemm.err"
            end=$(date +%s%N)
            awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }'
        }
        cache=$WORK/module-cache
        mkdir -p "$cache"
        "$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$((PORT + 1))" --module-cache "$cache" --log-level Warning \
            > "$OUT/first-gemm-server.log" 2>&1 &
        cached_server=$!
        for _ in $(seq 1 100); do grep -q "ready on" "$OUT/first-gemm-server.log" 2>/dev/null && break; sleep 0.1; done
        orion=(LD_LIBRARY_PATH=$FRONT ORION_CLIENT_LIB=$BUNDLE/lib/liborion_client.so)
        native1=$(seconds X=1); native2=$(seconds X=1)
        plain1=$(seconds "${orion[@]}" ORION_SERVER=tcp://127.0.0.1:$PORT); plain2=$(seconds "${orion[@]}" ORION_SERVER=tcp://127.0.0.1:$PORT)
        cold=$(seconds "${orion[@]}" ORION_SERVER=tcp://127.0.0.1:$((PORT + 1)))
        warm1=$(seconds "${orion[@]}" ORION_SERVER=tcp://127.0.0.1:$((PORT + 1))); warm2=$(seconds "${orion[@]}" ORION_SERVER=tcp://127.0.0.1:$((PORT + 1)))
        kill "$cached_server" 2>/dev/null; wait "$cached_server" 2>/dev/null
        say "first-gemm (s, process start to exit, 01_cublas_sgemm): native $native1 / $native2; Orion without module cache $plain1 / $plain2; cold cache $cold; warm cache $warm1 / $warm2; cache holds $(du -sb "$cache" | cut -f1) bytes"
        ;;
    probes)
        gcc -O1 -o "$WORK/table_shape" "$ROOT/tests/cuda/driver_trace/table_shape.c" -ldl >> "$OUT/probes-build.log" 2>&1
        gcc -O1 -o "$WORK/module_iterator_probe" "$ROOT/tests/cuda/driver_trace/module_iterator_probe.c" -ldl >> "$OUT/probes-build.log" 2>&1
        "$NVCC" -fatbin -arch=sm_90 "$ROOT/tests/cuda/driver_programs/kernels.cu" -o "$WORK/probe_kernels.fatbin" >> "$OUT/probes-build.log" 2>&1
        "$WORK/table_shape" 6e163fbeb958444d835ce182aff1991e 1734dc26800d47458726c0f1e7dd8bca > "$OUT/table-shapes.txt" 2>&1
        timeout 60 "$WORK/module_iterator_probe" "$WORK/probe_kernels.fatbin" > "$OUT/module-iterator.txt" 2>&1
        say "probes: table-shapes.txt, module-iterator.txt"
        ;;
    esac
done
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
say "identical $same, different $different"
