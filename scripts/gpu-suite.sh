#!/usr/bin/env bash
# The whole GPU suite in one command, for a GPU host that has CUDA but no .NET SDK.
#
#   scripts/gpu-suite.sh bundle [DIR]     on a machine with the .NET 10 SDK: publishes everything
#                                         (NativeAOT) into DIR (default artifacts/gpu-suite)
#   DIR/gpu-suite.sh run OUTDIR           on the GPU host: runs, in order,
#     1. scripts/gpu-test.sh       driver smoke test + C# SDK against orion-server (issue 3)
#     2. scripts/gpu-cudart-test.sh 24 CUDA programs natively and through Orion, ABI check, and
#                                  fault isolation (the faulting program first and beside a
#                                  healthy one) (issue 4)
#     3. scripts/gpu-bench-cuda.sh  native vs Orion CUDA benchmark
#     4. transport selection       orion-server on auto:// with no RDMA device falls back to TCP
#     5. scripts/gpu-driver-test.sh the libcuda.so.1 replacement: NVIDIA's runtime (static and
#                                  shared) and libraries over Orion's driver, natively and through
#                                  Orion, and the time to a first cuBLAS GEMM (issue 10)
#     6. scripts/gpu-nvml-test.sh   the libnvidia-ml.so.1 replacement: its ABI against nvml.h,
#                                  nvml_query natively and through Orion, what PyTorch reads
#   and writes OUTDIR/results.tar.gz with every log plus OUTDIR/summary.txt.
set -uo pipefail

case "${1:-}" in
bundle)
    set -e
    cd "$(dirname "$0")/.."
    dir=$(realpath -m "${2:-artifacts/gpu-suite}")
    rm -rf "$dir" && mkdir -p "$dir"
    scripts/gpu-test.sh build "$dir/gpu"
    scripts/gpu-bench-cuda.sh bundle "$dir/cudart"
    # The C# GPU test bundle carries its own orion-server; one copy is enough.
    rm -f "$dir/gpu/bin/orion-server" && ln -s ../../cudart/bin/orion-server "$dir/gpu/bin/orion-server"
    # The ibverbs shim beside the server and the client library, so that auto:// really asks
    # rdma-core for devices (the host has libibverbs but no RDMA NIC).
    make -s -C native/ibverbs_interop all
    cp native/ibverbs_interop/build/liborion_ibverbs.so "$dir/cudart/bin/"
    cp native/ibverbs_interop/build/liborion_ibverbs.so "$dir/cudart/lib/"
    cp scripts/gpu-suite.sh "$dir/gpu-suite.sh"
    du -sh "$dir"
    ;;
run)
    dir=$(cd "$(dirname "$0")" && pwd)
    out=$(realpath -m "${2:-$dir/out}")
    mkdir -p "$out"
    summary=$out/summary.txt
    : > "$summary"
    # The whole run must fit one 10-minute command: each step has its own timeout, and the
    # archive is refreshed after each step so that what ran comes back even if a later step is cut.
    step() {
        tar czf "$out/results.tar.gz" -C "$out" --exclude=results.tar.gz . 2>/dev/null
        echo "== $*" | tee -a "$summary"
    }

    step "1. remote CUDA core (gpu-test.sh)"
    timeout 120 bash "$dir/gpu/gpu-test.sh" run "$out/gpu" > "$out/gpu.log" 2>&1
    echo "exit $?" | tee -a "$summary"
    grep -E '^(PASS|FAIL|SMOKE|REMOTE)' "$out/gpu.log" | tail -n 40 >> "$summary"

    step "2. unmodified CUDA programs (gpu-cudart-test.sh, faulting program first)"
    (cd "$dir/cudart" && ORION_FAULTING_FIRST=1 OUT=$out/cudart timeout 250 scripts/gpu-cudart-test.sh) > "$out/cudart.log" 2>&1
    echo "exit $?" | tee -a "$summary"
    cat "$out/cudart/summary.txt" >> "$summary" 2>/dev/null

    step "3. CUDA benchmark, native vs Orion (gpu-bench-cuda.sh)"
    (cd "$dir/cudart" && OUT=$out/bench ORION_BENCH_TIMEOUT=70 timeout 160 scripts/gpu-bench-cuda.sh) > "$out/bench.log" 2>&1
    echo "exit $?" | tee -a "$summary"
    cat "$out/bench/cuda-bench.md" >> "$summary" 2>/dev/null

    step "4. auto:// on a host without an RDMA device"
    "$dir/cudart/bin/orion-server" --listen auto://127.0.0.1:7460 --log-level Information > "$out/auto-server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do grep -q "ready on" "$out/auto-server.log" 2>/dev/null && break; sleep 0.1; done
    work=$(mktemp -d)
    /usr/local/cuda/bin/nvcc -O2 -cudart shared -arch=sm_90 -I"$dir/cudart/tests/cuda/programs" \
        "$dir/cudart/tests/cuda/programs/01_vector_add.cu" -o "$work/vector_add" > "$out/auto-build.log" 2>&1
    make -s -C "$dir/cudart/native/cudart_stub" BUILD="$work/stub" all >> "$out/auto-build.log" 2>&1
    stub=$work/stub
    LD_LIBRARY_PATH=$stub ORION_CLIENT_LIB=$dir/cudart/lib/liborion_client.so ORION_SERVER=auto://127.0.0.1:7460 \
        timeout 30 "$work/vector_add" > "$out/auto-client.out" 2>&1
    echo "client exit $? ; server says: $(grep -m1 -i 'auto://' "$out/auto-server.log")" | tee -a "$summary"
    kill "$server" 2>/dev/null; wait "$server" 2>/dev/null

    step "5. NVIDIA's runtime and libraries over Orion's libcuda.so.1 (gpu-driver-test.sh)"
    ORION_BUNDLE=$dir/cudart ORION_DRIVER_SETS="driver static shared library fault first-gemm" timeout 330 \
        bash "$dir/cudart/scripts/gpu-driver-test.sh" run "$out/driver" > "$out/driver.log" 2>&1
    echo "exit $?" | tee -a "$summary"
    cat "$out/driver/summary.txt" >> "$summary" 2>/dev/null

    step "6. NVML through Orion's libnvidia-ml.so.1 (gpu-nvml-test.sh)"
    ORION_BUNDLE=$dir/cudart timeout 150 bash "$dir/cudart/scripts/gpu-nvml-test.sh" run "$out/nvml" > "$out/nvml.log" 2>&1
    echo "exit $?" | tee -a "$summary"
    cat "$out/nvml/summary.txt" >> "$summary" 2>/dev/null

    tar czf "$out/results.tar.gz" -C "$out" --exclude=results.tar.gz . 2>/dev/null
    cat "$summary"
    ;;
*)
    echo "usage: $0 bundle [DIR] | run OUTDIR" >&2
    exit 2
    ;;
esac
