#!/usr/bin/env bash
# GPU tests of the remote CUDA core (issue 3). Two halves, because the GPU host has no .NET SDK:
#
#   scripts/gpu-test.sh build [BUNDLE]   on a machine with the .NET 10 SDK: publishes the NativeAOT
#                                        programs, copies the kernels and this script into BUNDLE
#                                        (default: artifacts/gpu, ignored by git).
#   BUNDLE/gpu-test.sh run [LOGDIR]      on the GPU host (nvcc, libcuda.so.1): builds the fatbin from
#                                        kernels/orion_mixed.cu, runs the driver smoke test, then starts
#                                        orion-server on 127.0.0.1 and runs the GPU test program against
#                                        it over TCP (without orion-server in the bundle the test program
#                                        hosts the server itself, still over TCP loopback).
#                                        Logs go to LOGDIR (default: BUNDLE/logs).
#
# Exit status is non-zero when any step fails. docs/gpu-tests.md records what ran and the numbers.
set -euo pipefail

mode="${1:-}"
case "$mode" in
build)
    cd "$(dirname "$0")/.."
    bundle="$(realpath -m "${2:-artifacts/gpu}")"
    mkdir -p "$bundle/bin" "$bundle/kernels"
    publish() { # project, output name
        dotnet publish "$1" -r linux-x64 -c Release -p:PublishAot=true -o "$bundle/obj-$2" >/dev/null
        cp "$bundle/obj-$2/$2" "$bundle/bin/$2"
        rm -rf "$bundle/obj-$2"
    }
    publish tests/gpu/Orion.Gpu.Smoke Orion.Gpu.Smoke
    if [ -d tests/gpu/Orion.Gpu.RemoteTests ]; then
        publish tests/gpu/Orion.Gpu.RemoteTests Orion.Gpu.RemoteTests
    fi
    if [ -d samples/orion-server ]; then
        publish samples/orion-server orion-server
    fi
    cp tests/gpu/kernels/* "$bundle/kernels/"
    cp scripts/gpu-test.sh "$bundle/gpu-test.sh"
    du -sh "$bundle"
    ;;
run)
    bundle="$(cd "$(dirname "$0")" && pwd)"
    logs="$(realpath -m "${2:-$bundle/logs}")"
    mkdir -p "$logs"
    work="$(mktemp -d)"
    status=0
    export PATH="/usr/local/cuda/bin:$PATH"

    echo "== host" | tee "$logs/summary.txt"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$logs/summary.txt"
    nvcc --version | tail -n 2 | tee -a "$logs/summary.txt"

    echo "== fatbin" | tee -a "$logs/summary.txt"
    nvcc -fatbin -gencode arch=compute_90,code='[sm_90,compute_90]' \
        "$bundle/kernels/orion_mixed.cu" -o "$work/orion_mixed.fatbin" 2>&1 | tee -a "$logs/summary.txt"
    ls -l "$work/orion_mixed.fatbin" | tee -a "$logs/summary.txt"

    echo "== driver smoke test" | tee -a "$logs/summary.txt"
    if ! "$bundle/bin/Orion.Gpu.Smoke" "$work/orion_mixed.fatbin" >"$logs/smoke.log" 2>&1; then
        status=1
    fi
    cat "$logs/smoke.log" | tee -a "$logs/summary.txt" >/dev/null
    grep -E '^(PASS|FAIL|SMOKE)' "$logs/smoke.log" || true

    if [ -x "$bundle/bin/Orion.Gpu.RemoteTests" ]; then
        if [ -x "$bundle/bin/orion-server" ]; then
            echo "== remote GPU tests: orion-server process over TCP loopback" | tee -a "$logs/summary.txt"
            port=$(( 20000 + RANDOM % 20000 ))
            "$bundle/bin/orion-server" --listen "tcp://127.0.0.1:$port" >"$logs/server.log" 2>&1 &
            server=$!
            # Wait (bounded) for the server's "ready" log line rather than sleeping a fixed time;
            # a probe connection would show up in the server log as a failed session.
            for _ in $(seq 1 100); do
                if grep -q "ready on" "$logs/server.log" 2>/dev/null; then break; fi
                if ! kill -0 "$server" 2>/dev/null; then break; fi
                sleep 0.1
            done
            target="tcp://127.0.0.1:$port"
        else
            echo "== remote GPU tests: server inside the test process over TCP loopback (no orion-server in the bundle)" | tee -a "$logs/summary.txt"
            server=""
            target="--in-process"
        fi
        if ! "$bundle/bin/Orion.Gpu.RemoteTests" "$target" "$work/orion_mixed.fatbin" >"$logs/remote.log" 2>&1; then
            status=1
        fi
        grep -E '^(PASS|FAIL|REMOTE)' "$logs/remote.log" || true
        cat "$logs/remote.log" >>"$logs/summary.txt"
        if [ -n "$server" ]; then
            kill "$server" 2>/dev/null || true
            wait "$server" 2>/dev/null || true
        fi
    else
        echo "remote GPU tests skipped: bundle has no Orion.Gpu.RemoteTests" | tee -a "$logs/summary.txt"
    fi

    rm -rf "$work"
    echo "== result: $([ $status -eq 0 ] && echo PASS || echo FAIL)" | tee -a "$logs/summary.txt"
    exit $status
    ;;
*)
    sed -n "2,15p" "$0" >&2
    exit 2
    ;;
esac
