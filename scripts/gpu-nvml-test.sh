#!/usr/bin/env bash
# GPU-host test of the libnvidia-ml.so.1 replacement (native/nvml_front_end, docs/nvml.md).
#
#   scripts/gpu-nvml-test.sh run OUTDIR   on the GPU host, from the repository root, with a bundle
#                                         (bin/orion-server, lib/liborion_client.so; default
#                                         artifacts/cudart, or ORION_BUNDLE) carried: builds the NVML
#                                         and driver front ends, checks Orion's NVML ABI against
#                                         NVIDIA's nvml.h (layouts, values, error texts), runs
#                                         tests/cuda/nvml_programs/nvml_query.c natively and through
#                                         Orion (idle, then holding memory through the CUDA driver)
#                                         and writes the line-by-line differences, checks that
#                                         NVIDIA's libnvidia-ml.so.1 and libcuda.so.1 were never mapped
#                                         through Orion, and asks PyTorch what it reads from NVML.
# The expected differences through Orion: memory used and free are this process's (0 when idle, what it
# holds otherwise) instead of the card's, the process list holds this process only, BAR1 used is 0 and
# memory v2's reserved 0; sensors and clocks move between runs anyway.
# Environment: ORION_NVML_HOLD_MIB (default 256) is what the second query holds.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${2:-$PWD/gpu-nvml-out}")
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
PYTHON=${PYTHON:-python3}
BUNDLE=${ORION_BUNDLE:-$ROOT/artifacts/cudart}
PORT=${ORION_PORT:-7490}
HOLD=${ORION_NVML_HOLD_MIB:-256}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null' EXIT
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }

make -s -C "$ROOT/native/nvml_front_end" BUILD="$WORK/nvml" all > "$OUT/build.log" 2>&1 \
    && make -s -C "$ROOT/native/driver_front_end" BUILD="$WORK/front" all >> "$OUT/build.log" 2>&1 \
    || { say "front end build FAILED"; cat "$OUT/build.log"; exit 1; }
ORION_LIBS=$WORK/nvml:$WORK/front
gcc -shared -fPIC -O1 -o "$WORK/maps_probe.so" "$ROOT/tests/cuda/maps_probe/maps_probe.c" >> "$OUT/build.log" 2>&1
# NVIDIA's NVML for linking: the toolkit's stub, else the driver's library itself.
NVML_LINK="-L$CUDA_HOME/lib64/stubs -L/usr/local/nvidia/lib64 -lnvidia-ml"

# The NVML ABI Orion declares (include/nvml_abi.h) against NVIDIA's nvml.h, and nvmlErrorString's texts.
ABI=$ROOT/tests/cuda/abi_check
gcc -std=c11 -DABI_REAL -I"$CUDA_HOME/include" -I"$ABI" "$ABI/nvml_abi_check.c" $NVML_LINK -o "$WORK/nvml_abi_real" \
    >> "$OUT/build.log" 2>&1
gcc -std=c11 -I"$ROOT/native/nvml_front_end/include" -I"$ABI" "$ABI/nvml_abi_check.c" -L"$WORK/nvml" -l:libnvidia-ml.so.1 \
    -o "$WORK/nvml_abi_orion" >> "$OUT/build.log" 2>&1
"$WORK/nvml_abi_real" > "$OUT/abi-real.txt" 2>&1
LD_LIBRARY_PATH=$WORK/nvml "$WORK/nvml_abi_orion" > "$OUT/abi-orion.txt" 2>&1
if [ -s "$OUT/abi-real.txt" ] && diff "$OUT/abi-real.txt" "$OUT/abi-orion.txt" > "$OUT/abi-diff.txt"; then
    say "NVML ABI check: $(wc -l < "$OUT/abi-real.txt") layouts, values and error texts identical to nvml.h and NVIDIA's library"
else
    say "NVML ABI check: DIFFERENT ($(grep -c '^<' "$OUT/abi-diff.txt") lines; abi-diff.txt, build.log)"
fi

# One binary, built against NVIDIA's nvml.h: natively it finds NVIDIA's libnvidia-ml.so.1, through Orion Orion's.
gcc -std=c11 -O1 -I"$CUDA_HOME/include" "$ROOT/tests/cuda/nvml_programs/nvml_query.c" $NVML_LINK -ldl \
    -o "$WORK/nvml_query" >> "$OUT/build.log" 2>&1 || { say "nvml_query build FAILED"; exit 1; }

"$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$PORT" --log-level Warning > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q "ready on" "$OUT/server.log" 2>/dev/null && break; sleep 0.1; done

# query NAME ARGS...: natively and through Orion; the differences go to NAME.diff.
query() {
    local name=$1; shift
    timeout 120 env ORION_MAPS_OUT=$OUT/$name.native.maps LD_PRELOAD=$WORK/maps_probe.so "$WORK/nvml_query" "$@" \
        > "$OUT/$name.native.out" 2> "$OUT/$name.native.err"
    echo $? > "$OUT/$name.native.rc"
    timeout 120 env ORION_MAPS_OUT=$OUT/$name.orion.maps LD_PRELOAD=$WORK/maps_probe.so LD_LIBRARY_PATH=$ORION_LIBS \
        ORION_CLIENT_LIB=$BUNDLE/lib/liborion_client.so ORION_SERVER=tcp://127.0.0.1:$PORT "$WORK/nvml_query" "$@" \
        > "$OUT/$name.orion.out" 2> "$OUT/$name.orion.err"
    echo $? > "$OUT/$name.orion.rc"
    diff "$OUT/$name.native.out" "$OUT/$name.orion.out" > "$OUT/$name.diff"
    local mapped=no
    grep -q 'nvidia/lib64/libnvidia-ml.so\|/usr/lib.*/libnvidia-ml.so\|nvidia/lib64/libcuda.so\|/usr/lib.*/libcuda.so' \
        "$OUT/$name.orion.maps" 2>/dev/null && mapped=YES
    say "query $name: exit native $(cat "$OUT/$name.native.rc"), orion $(cat "$OUT/$name.orion.rc");" \
        "$(grep -c '^<' "$OUT/$name.diff") of $(wc -l < "$OUT/$name.native.out") lines differ ($name.diff);" \
        "NVIDIA's NVML or driver mapped through Orion: $mapped"
}
query idle
query holding "$HOLD"

# What PyTorch reads from NVML (device count without CUDA, memory used, utilization, processes) where it can.
cat > "$WORK/torch_nvml.py" <<'PY'
import os
import torch
print("nvml device count:", torch.cuda._device_count_nvml())
x = torch.empty(64 * 1024 * 1024, dtype=torch.uint8, device="cuda")
for name, call in [("device_memory_used", lambda: torch.cuda.device_memory_used(0) // (1 << 20)),
                   ("utilization", lambda: torch.cuda.utilization(0)),
                   ("list_gpu_processes", lambda: torch.cuda.list_gpu_processes(0).replace(str(os.getpid()), "self"))]:
    try:
        print(name + ":", call())
    except Exception as error:  # pynvml absent, or a query refused
        print(name + ": error", type(error).__name__, error)
PY
timeout 120 "$PYTHON" "$WORK/torch_nvml.py" > "$OUT/torch.native.out" 2> "$OUT/torch.native.err"
timeout 120 env LD_LIBRARY_PATH=$ORION_LIBS ORION_CLIENT_LIB=$BUNDLE/lib/liborion_client.so \
    ORION_SERVER=tcp://127.0.0.1:$PORT "$PYTHON" "$WORK/torch_nvml.py" > "$OUT/torch.orion.out" 2> "$OUT/torch.orion.err"
diff "$OUT/torch.native.out" "$OUT/torch.orion.out" > "$OUT/torch.diff"
say "pytorch: native $(tr '\n' ';' < "$OUT/torch.native.out")"
say "pytorch: orion  $(tr '\n' ';' < "$OUT/torch.orion.out")"
