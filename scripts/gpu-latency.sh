#!/usr/bin/env bash
# Round-trip latency of the driver calls a program waits on, natively and through Orion, in one run on
# the GPU host (docs/benchmarks/cuda.md, "Where a synchronous call's time goes").
#
#   scripts/gpu-latency.sh run OUTDIR   from the repository root, with a bundle carried (bin/orion-server,
#                                       lib/liborion_client.so; ORION_BUNDLE, default artifacts/cudart):
#                                       builds the driver front end and benchmarks/driver/sync_latency.c,
#                                       runs it natively (NVIDIA's libcuda.so.1), then through Orion once
#                                       per variant, and writes OUTDIR/latency.md (p50/p99 per case).
# Environment: ORION_LATENCY_VARIANTS, space-separated NAME=SETTINGS, where SETTINGS are comma-separated
#   VAR=value pairs for the client and server; "bundle=DIR" picks another bundle (e.g. an older commit's
#   server and client, for a before/after in the same run). Default: "orion= orion-nospin=ORION_REPLY_SPIN_US=0".
#   ORION_LATENCY_ITERATIONS (default 5000); ORION_SERVER_ARGS, more server options (--emulated to try the script without a GPU).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${2:-$PWD/gpu-latency-out}")
BUNDLE=${ORION_BUNDLE:-$ROOT/artifacts/cudart}
PORT=${ORION_PORT:-7470}
ITERATIONS=${ORION_LATENCY_ITERATIONS:-5000}
VARIANTS=${ORION_LATENCY_VARIANTS:-orion= orion-nospin=ORION_REPLY_SPIN_US=0}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null' EXIT
mkdir -p "$OUT"

make -s -C "$ROOT/native/driver_front_end" BUILD="$WORK/front" all > "$OUT/build.log" 2>&1 || { echo "front end build FAILED"; cat "$OUT/build.log"; exit 1; }
# Linked by soname only: natively the loader finds NVIDIA's libcuda.so.1, through Orion LD_LIBRARY_PATH puts ours first.
gcc -std=c11 -D_GNU_SOURCE -O2 -I"$ROOT/native/driver_front_end/include" -o "$WORK/sync_latency" \
    "$ROOT/benchmarks/driver/sync_latency.c" -L"$WORK/front" -l:libcuda.so.1 >> "$OUT/build.log" 2>&1 || { echo "benchmark build FAILED"; cat "$OUT/build.log"; exit 1; }

{
    echo "# machine: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1), $(nproc) cores; $(date -u +%FT%TZ)"
    timeout 120 "$WORK/sync_latency" "$ITERATIONS" | sed 's/^/native /'
} > "$OUT/raw.txt" 2> "$OUT/native.err"

for variant in $VARIANTS; do
    name=${variant%%=*}
    settings=${variant#*=}
    bundle=$BUNDLE
    envs=()
    IFS=, read -ra pairs <<< "$settings"
    for pair in "${pairs[@]}"; do
        case "$pair" in
        "") ;;
        bundle=*) bundle=${pair#bundle=} ;;
        *) envs+=("$pair") ;;
        esac
    done
    env "${envs[@]}" "$bundle/bin/orion-server" --listen "tcp://127.0.0.1:$PORT" --log-level Warning ${ORION_SERVER_ARGS:-} > "$OUT/server.$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do grep -q "ready on" "$OUT/server.$name.log" 2>/dev/null && break; sleep 0.1; done
    env "${envs[@]}" LD_LIBRARY_PATH="$WORK/front" ORION_CLIENT_LIB="$bundle/lib/liborion_client.so" ORION_SERVER="tcp://127.0.0.1:$PORT" \
        timeout 180 "$WORK/sync_latency" "$ITERATIONS" 2> "$OUT/$name.err" | sed "s/^/$name /" >> "$OUT/raw.txt"
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
    PORT=$((PORT + 1))
done

# The table: one row per case, p50 and p99 per variant, and each variant's p50 minus native's.
awk '
    /^#/ { print; next }
    $2 ~ /^case=/ {
        v = $1; split($2, c, "="); kase = c[2]
        for (i = 3; i <= NF; i++) { split($i, kv, "="); val[v, kase, kv[1]] = kv[2] }
        if (!(v in seenv)) { seenv[v] = 1; order[++nv] = v }
        if (!(kase in seenc)) { seenc[kase] = 1; cases[++nc] = kase }
    }
    END {
        printf "\n| case (µs) |"; for (i = 1; i <= nv; i++) printf " %s p50 / p99 |", order[i]
        for (i = 2; i <= nv; i++) printf " %s − native (p50) |", order[i]
        printf "\n|---|"; for (i = 1; i < 2 * nv; i++) printf "---|"; printf "\n"
        for (k = 1; k <= nc; k++) {
            kase = cases[k]; printf "| %s |", kase
            for (i = 1; i <= nv; i++) printf " %s / %s |", val[order[i], kase, "p50"], val[order[i], kase, "p99"]
            for (i = 2; i <= nv; i++) printf " %+.1f |", val[order[i], kase, "p50"] - val["native", kase, "p50"]
            printf "\n"
        }
    }' "$OUT/raw.txt" > "$OUT/latency.md"
cat "$OUT/latency.md"
