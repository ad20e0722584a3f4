#!/usr/bin/env bash
# GPU-host test of the libcudart.so.13 replacement (issue 4).
#
#  1. builds Orion's libcudart.so.13 (make) and every tests/cuda/programs/*.cu with
#     nvcc -O2 -cudart shared -arch=sm_90;
#  2. runs each program natively and keeps its output;
#  3. runs the ABI check (real CUDA 13 headers vs. Orion's) and lists one program's imports;
#  4. when an Orion server is given, starts it on 127.0.0.1, runs each program through Orion
#     (LD_LIBRARY_PATH = the stub) and compares the outputs byte for byte.
#
# On a machine with the .NET SDK, `scripts/gpu-cudart-test.sh bundle [DIR]` (default
# artifacts/cudart) publishes orion-server, the orion command (bin/orion, which gpu-pytorch-test.sh
# runs programs through) and liborion_client.so (NativeAOT) and copies the stub, the programs and
# this script into DIR; on the GPU host, `DIR/scripts/gpu-cudart-test.sh` then runs everything,
# through Orion too (it finds DIR/bin/orion-server and DIR/lib).
#
# Environment:
#   OUT                 where logs and results go (default: ./gpu-cudart-out)
#   ORION_SERVER_CMD    command that starts an Orion server on 127.0.0.1:$ORION_PORT (optional)
#   ORION_CLIENT_LIB    liborion_client.so to use (default: beside the stub)
#   ORION_PORT          server port (default 7000, the server's default)
#   CUDA_HOME           default /usr/local/cuda
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${1:-}" = "bundle" ]; then
    set -e
    bundle=$(realpath -m "${2:-artifacts/cudart}")
    mkdir -p "$bundle/bin" "$bundle/lib"
    dotnet publish "$ROOT/samples/orion-server" -r linux-x64 -c Release -p:PublishAot=true -o "$bundle/obj-server" -nologo -v q
    cp "$bundle/obj-server/orion-server" "$bundle/bin/"
    dotnet publish "$ROOT/src/Orion.Cli" -r linux-x64 -c Release -p:PublishAot=true -o "$bundle/obj-cli" -nologo -v q
    cp "$bundle/obj-cli/orion" "$bundle/bin/"
    dotnet publish "$ROOT/src/Orion.Cuda.Client.Native" -r linux-x64 -c Release -o "$bundle/obj-client" -nologo -v q
    cp "$bundle/obj-client/liborion_client.so" "$bundle/lib/"
    rm -rf "$bundle/obj-server" "$bundle/obj-cli" "$bundle/obj-client"
    (cd "$ROOT" && tar cf - --exclude=build native/cudart_stub native/driver_front_end native/nvml_front_end \
        native/client_common tests/cuda scripts/gpu-cudart-test.sh scripts/gpu-driver-test.sh scripts/gpu-nvml-test.sh) \
        | tar xf - -C "$bundle"
    du -sh "$bundle"
    exit 0
fi
if [ -z "${ORION_SERVER_CMD:-}" ] && [ -x "$ROOT/bin/orion-server" ]; then
    ORION_SERVER_CMD="$ROOT/bin/orion-server --listen tcp://127.0.0.1:${ORION_PORT:-7000} --log-level Warning"
fi
if [ -z "${ORION_CLIENT_LIB:-}" ] && [ -f "$ROOT/lib/liborion_client.so" ]; then
    export ORION_CLIENT_LIB=$ROOT/lib/liborion_client.so
fi
OUT=${OUT:-$PWD/gpu-cudart-out}
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
NVCC=$CUDA_HOME/bin/nvcc
PORT=${ORION_PORT:-7000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null' EXIT
mkdir -p "$OUT/native" "$OUT/orion"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }

# 1. Build the stub and the programs.
make -s -C "$ROOT/native/cudart_stub" BUILD="$WORK/stub" all > "$OUT/stub-build.log" 2>&1 \
    || { say "stub build FAILED"; cat "$OUT/stub-build.log"; }
STUB_DIR=$WORK/stub
PROGRAMS=()
# A GPU fault poisons every context of the faulting process (docs/gpu-tests.md), and through
# Orion that process is the server: the programs that fault on purpose run last.
# With per-session worker processes (orion-server --isolation process) a fault stays in its
# session: ORION_FAULTING_FIRST=1 runs the faulting program first, so every later program shows
# whether the fault leaked into other sessions.
if [ "${ORION_FAULTING_FIRST:-0}" = 1 ]; then
    SOURCES=$(ls "$ROOT"/tests/cuda/programs/*.cu | grep illegal_address; ls "$ROOT"/tests/cuda/programs/*.cu | grep -v illegal_address)
else
    SOURCES=$(ls "$ROOT"/tests/cuda/programs/*.cu | grep -v illegal_address; ls "$ROOT"/tests/cuda/programs/*.cu | grep illegal_address)
fi
for source in $SOURCES; do
    name=$(basename "$source" .cu)
    if "$NVCC" -O2 -cudart shared -arch=sm_90 -I"$ROOT/tests/cuda/programs" "$source" -o "$WORK/$name" \
        > "$OUT/native/$name.build.log" 2>&1; then
        PROGRAMS+=("$name")
    else
        say "build $name FAILED"; cat "$OUT/native/$name.build.log"
    fi
done

# Which libraries each run mapped, read from /proc/self/maps at exit (tests/cuda/maps_probe).
gcc -std=c11 -O2 -shared -fPIC "$ROOT/tests/cuda/maps_probe/maps_probe.c" -o "$WORK/maps_probe.so" > "$OUT/maps-probe-build.log" 2>&1 \
    || say "maps probe build FAILED"
# Used as `timeout N env $(probe FILE) program`: the probe goes into the program only (not into
# timeout, whose own exit would overwrite the file).
probe() { echo "ORION_MAPS_OUT=$1 LD_PRELOAD=$WORK/maps_probe.so"; }

# 2. Native runs (timeouts: a hang is a failure, never a stuck run).
for name in "${PROGRAMS[@]}"; do
    timeout 60 env $(probe "$OUT/native/$name.maps") "$WORK/$name" > "$OUT/native/$name.out" 2> "$OUT/native/$name.err"
    echo "$?" > "$OUT/native/$name.rc"
done
say "native: ${#PROGRAMS[@]} programs built and run"

# 3. ABI check and imports.
ABI=$ROOT/tests/cuda/abi_check
gcc -std=c11 -DABI_REAL -I"$CUDA_HOME/include" -I"$ABI" "$ABI/abi_check.c" -L"$CUDA_HOME/lib64" -lcudart \
    -Wl,-rpath,"$CUDA_HOME/lib64" -o "$WORK/abi_real" > "$OUT/abi-build.log" 2>&1
gcc -std=c11 -I"$ROOT/native/cudart_stub/include" -I"$ABI" "$ABI/abi_check.c" -L"$STUB_DIR" -l:libcudart.so.13 \
    -Wl,-rpath,"$STUB_DIR" -o "$WORK/abi_orion" >> "$OUT/abi-build.log" 2>&1
"$WORK/abi_real" > "$OUT/abi-real.txt" 2>&1
"$WORK/abi_orion" > "$OUT/abi-orion.txt" 2>&1
if [ -s "$OUT/abi-real.txt" ] && diff "$OUT/abi-real.txt" "$OUT/abi-orion.txt" > "$OUT/abi-diff.txt"; then
    say "abi check: PASS ($(grep -c '^offsetof' "$OUT/abi-real.txt") fields, $(grep -c '^value' "$OUT/abi-real.txt") constants, $(grep -c '^error' "$OUT/abi-real.txt") error codes)"
else
    say "abi check: FAIL (see abi-diff.txt, abi-build.log)"
fi
nm -D --undefined-only "$WORK/01_vector_add" | grep -i cuda > "$OUT/imports-01_vector_add.txt"
say "imports of 01_vector_add: $(awk '{print $2}' "$OUT/imports-01_vector_add.txt" | tr '\n' ' ')"
missing=0
for program in "${PROGRAMS[@]}"; do
    for symbol in $(nm -D --undefined-only "$WORK/$program" | awk '/@libcudart/ {print $2}' | sed 's/@.*//'); do
        nm -D --defined-only "$STUB_DIR/libcudart.so.13" | grep -q " $symbol@@libcudart.so.13$" \
            || { say "MISSING in stub: $symbol (used by $program)"; missing=1; }
    done
done
[ "$missing" = 0 ] && say "every cudart import of every program is exported by the stub"

# 4. Through Orion.
if [ -z "${ORION_SERVER_CMD:-}" ]; then
    say "no ORION_SERVER_CMD given: native runs only"
    exit 0
fi
bash -c "$ORION_SERVER_CMD" > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
export ORION_SERVER=${ORION_SERVER:-127.0.0.1:$PORT}
pass=0 fail=0
printf '| program | native rc | Orion rc | output |\n| --- | --- | --- | --- |\n' > "$OUT/results.md"
native_libcuda=0 orion_libcuda=0 orion_maps=0
for name in "${PROGRAMS[@]}"; do
    LD_LIBRARY_PATH=$STUB_DIR timeout 120 env $(probe "$OUT/orion/$name.maps") "$WORK/$name" > "$OUT/orion/$name.out" 2> "$OUT/orion/$name.err"
    rc=$?
    native_rc=$(cat "$OUT/native/$name.rc")
    grep -q 'libcuda\.so' "$OUT/native/$name.maps" 2>/dev/null && native_libcuda=$((native_libcuda + 1))
    [ -s "$OUT/orion/$name.maps" ] && orion_maps=$((orion_maps + 1))
    mapped_libcuda=0
    grep -q 'libcuda\.so' "$OUT/orion/$name.maps" 2>/dev/null && { mapped_libcuda=1; orion_libcuda=$((orion_libcuda + 1)); }
    # Byte for byte: device printf lines reach the client's stdout too (the server forwards them).
    if diff "$OUT/native/$name.out" "$OUT/orion/$name.out" > "$OUT/orion/$name.diff" \
        && [ "$rc" = "$native_rc" ] && [ "$mapped_libcuda" = 0 ]; then
        verdict=identical; pass=$((pass + 1))
    else
        verdict=DIFFERENT; fail=$((fail + 1))
    fi
    echo "| $name | $native_rc | $rc | $verdict |" >> "$OUT/results.md"
done
say "through Orion: $pass identical, $fail different"
say "NVIDIA's libcuda.so mapped (per /proc/self/maps at exit): natively in $native_libcuda of ${#PROGRAMS[@]} runs, through Orion in $orion_libcuda of $orion_maps runs"
for name in "${PROGRAMS[@]}"; do
    if [ -s "$OUT/orion/$name.diff" ] || ! grep -q "| $name | .* identical |" "$OUT/results.md"; then
        echo "---- $name (rc $(cat "$OUT/native/$name.rc") native) diff native vs Orion:"
        head -20 "$OUT/orion/$name.diff"
        echo "---- $name stderr through Orion:"
        head -10 "$OUT/orion/$name.err"
    fi
done
# 5. Isolation under concurrency: a faulting program and a healthy one at the same moment, three
#    times; the healthy one must still match its native output.
if [ "${ORION_FAULTING_FIRST:-0}" = 1 ]; then
    isolated=0
    for round in 1 2 3; do
        LD_LIBRARY_PATH=$STUB_DIR timeout 120 "$WORK/14_error_illegal_address" > "$OUT/orion/concurrent-fault-$round.out" 2>&1 &
        fault_pid=$!
        LD_LIBRARY_PATH=$STUB_DIR timeout 120 "$WORK/02_matmul_tiled" > "$OUT/orion/concurrent-healthy-$round.out" 2> "$OUT/orion/concurrent-healthy-$round.err"
        healthy_rc=$?
        wait "$fault_pid"
        if [ "$healthy_rc" = "$(cat "$OUT/native/02_matmul_tiled.rc")" ] \
            && diff -q "$OUT/native/02_matmul_tiled.out" "$OUT/orion/concurrent-healthy-$round.out" > /dev/null; then
            isolated=$((isolated + 1))
        fi
    done
    say "isolation: healthy program beside a faulting one identical to native in $isolated of 3 rounds"
fi
device_lines=$(grep -c 'device: block' "$OUT/server.log" || true)
say "device printf lines in the server's output: $device_lines"
