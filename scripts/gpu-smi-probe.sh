#!/usr/bin/env bash
# Why NVIDIA's nvidia-smi prints "Mismatch in versions" through Orion's libnvidia-ml.so.1: a one-shot probe for
# the GPU host (docs/nvml.md, "Why nvidia-smi does not run yet, and the probe").
#
#   scripts/gpu-smi-probe.sh OUTDIR     from the repository root on the GPU host (gcc, binutils; no GPU tools
#                                       beyond nvidia-smi needed). Finishes in under 2 minutes.
#
# Builds tests/cuda/nvml_probe (a libnvidia-ml.so.1 that forwards to NVIDIA's and logs every call, the versions
# read and every private export table asked for, each table's code slots traced), records how nvidia-smi finds
# NVML (readelf -d, matching strings), then runs nvidia-smi, -L and -q -d MEMORY natively, with the tracer first
# on LD_LIBRARY_PATH and with the tracer preloaded; then, on the tracer, nvidia-smi with every export table
# refused as Orion refuses it (NOT_SUPPORTED), with results logged, with the tables untouched, and with each
# table refused alone. With ORION_NVML_DIR (a folder holding Orion's libnvidia-ml.so.1 and liborion_client.so;
# ORION_SERVER etc. taken from the environment): nvidia-smi through Orion's library, plain and under the tracer.
# Environment: ORION_REAL_NVML (NVIDIA's library, default /usr/local/nvidia/lib64/libnvidia-ml.so.1),
# ORION_NVML_DIR, NVIDIA_SMI (default: nvidia-smi on PATH).
# OUTDIR: summary.txt, nvidia-smi.*.txt (readelf, strings), runs/NAME.{stdout,stderr,rc,trace,maps}.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${1:-$PWD/smi-probe-out}")
REAL=${ORION_REAL_NVML:-/usr/local/nvidia/lib64/libnvidia-ml.so.1}
SMI=${NVIDIA_SMI:-$(command -v nvidia-smi)}
ORION_DIR=${ORION_NVML_DIR:-}
BUDGET=${SMI_PROBE_BUDGET:-105} # seconds for everything; each run gets at most 30 and what is left
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT/runs"
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }
left() { echo $((BUDGET - SECONDS)); }
# strings(1), or the same with grep where binutils are missing.
if command -v strings > /dev/null; then STRINGS=(strings -n 6); else STRINGS=(grep -a -o -E '[[:print:]]{6,}'); fi

say "== nvidia-smi probe $(date -u +%FT%TZ) on $(hostname)"
say "nvidia-smi: ${SMI:-NOT FOUND} -> $(realpath "$SMI" 2> /dev/null); NVIDIA's NVML: $REAL -> $(realpath "$REAL" 2> /dev/null)"
say "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} LD_PRELOAD=${LD_PRELOAD:-} ORION_NVML_DIR=${ORION_DIR:-(not given)}"
[ -n "$SMI" ] && [ -x "$SMI" ] || { say "nvidia-smi not found: nothing to probe"; exit 1; }

# ---- the tracer and the maps probe ----
PROBE=$ROOT/tests/cuda/nvml_probe
TRACER=$WORK/trace
mkdir -p "$TRACER"
{
    sh "$PROBE/gen_stubs.sh" "$ROOT/native/nvml_front_end/data/nvml-580-exports.txt" "$TRACER/nvml_stubs.S" &&
        sh "$ROOT/native/nvml_front_end/tools/gen_version_script.sh" "$ROOT/native/nvml_front_end/data/nvml-580-exports.txt" \
            "$TRACER/nvml_trace.map" &&
        gcc -std=gnu11 -O1 -g -fPIC -fvisibility=hidden -Wall -Wextra -shared -I"$TRACER" -Wl,-soname,libnvidia-ml.so.1 \
            -Wl,--version-script,"$TRACER/nvml_trace.map" -Wl,-z,defs -o "$TRACER/libnvidia-ml.so.1" "$PROBE/nvml_trace.c" \
            "$TRACER/nvml_stubs.S" -ldl -lpthread &&
        gcc -shared -fPIC -O1 -o "$WORK/maps_probe.so" "$ROOT/tests/cuda/maps_probe/maps_probe.c"
} > "$OUT/build.log" 2>&1 || { say "tracer build FAILED (build.log):"; tail -n 20 "$OUT/build.log" | tee -a "$SUMMARY"; exit 1; }
say "tracer built in ${SECONDS}s"

# ---- how nvidia-smi finds NVML ----
{
    ls -l "$SMI" "$(realpath "$SMI")"
    file "$(realpath "$SMI")" 2> /dev/null
    readelf -d "$SMI"
} > "$OUT/nvidia-smi.readelf-d.txt" 2>&1
timeout 10 ldd "$SMI" > "$OUT/nvidia-smi.ldd.txt" 2>&1
timeout 20 "${STRINGS[@]}" "$SMI" | grep -i -n -E 'mismatch|version|ExportTable|libnvidia-ml' > "$OUT/nvidia-smi.strings.txt"
timeout 20 "${STRINGS[@]}" "$REAL" | grep -i -n -E 'mismatch|ExportTable|nvidia-smi' > "$OUT/libnvidia-ml.strings.txt"
{
    echo "--- /proc/driver/nvidia/version"
    cat /proc/driver/nvidia/version 2>&1
    echo "--- NVIDIA's libraries"
    ls -l /usr/local/nvidia/lib64/libnvidia-ml* /usr/lib/x86_64-linux-gnu/libnvidia-ml* 2>&1
    echo "--- ldconfig -p"
    timeout 5 ldconfig -p 2>&1 | grep -E 'nvidia-ml|libcuda\.'
} > "$OUT/host.txt" 2>&1
say ""
say "== how nvidia-smi loads NVML (nvidia-smi.readelf-d.txt, nvidia-smi.ldd.txt)"
grep -E 'NEEDED|RPATH|RUNPATH' "$OUT/nvidia-smi.readelf-d.txt" | sed 's/^ *//' | tee -a "$SUMMARY"
if grep -q 'NEEDED.*libnvidia-ml' "$OUT/nvidia-smi.readelf-d.txt"; then
    say "=> nvidia-smi LINKS libnvidia-ml (NEEDED)"
else
    say "=> libnvidia-ml is not NEEDED: nvidia-smi dlopens it (see the runs below for how)"
fi
say "driver: $(head -n 1 /proc/driver/nvidia/version 2> /dev/null || echo '/proc/driver/nvidia/version unreadable')"
say "strings of nvidia-smi matching mismatch|version|ExportTable|libnvidia-ml: $(wc -l < "$OUT/nvidia-smi.strings.txt") lines" \
    "(nvidia-smi.strings.txt); those with 'mismatch' or 'libnvidia-ml' or 'ExportTable':"
grep -i -E 'mismatch|libnvidia-ml|ExportTable' "$OUT/nvidia-smi.strings.txt" | head -n 20 | sed 's/^/  /' | tee -a "$SUMMARY"
say "strings of NVIDIA's libnvidia-ml matching mismatch|ExportTable|nvidia-smi (libnvidia-ml.strings.txt):"
head -n 10 "$OUT/libnvidia-ml.strings.txt" | sed 's/^/  /' | tee -a "$SUMMARY"

# ---- the runs ----
# run NAME [VAR=VALUE...] -- ARGS...: nvidia-smi ARGS with those variables, the maps probe preloaded (after
# anything LD_PRELOAD names) and the tracer's log in runs/NAME.trace.
RUNS=()
CAP=30 # after a run that timed out, 10: a hang must not eat the runs after it
run() {
    local name=$1 vars=()
    shift
    while [ "$1" != -- ]; do vars+=("$1"); shift; done
    shift
    local limit
    limit=$(left)
    if [ "$limit" -lt 4 ]; then
        echo "skipped" > "$OUT/runs/$name.rc"
        RUNS+=("$name")
        return
    fi
    [ "$limit" -gt "$CAP" ] && limit=$CAP
    local preload=$WORK/maps_probe.so v
    for v in "${vars[@]}"; do
        case $v in LD_PRELOAD=*) preload="${v#LD_PRELOAD=} $preload" ;; esac
    done
    rm -f "$OUT/runs/$name.trace"
    timeout -k 2 "$limit" env "${vars[@]}" LD_PRELOAD="$preload" ORION_MAPS_OUT="$OUT/runs/$name.maps" \
        NVML_TRACE_FILE="$OUT/runs/$name.trace" "$SMI" "$@" < /dev/null > "$OUT/runs/$name.stdout" 2> "$OUT/runs/$name.stderr"
    local rc=$?
    echo $rc > "$OUT/runs/$name.rc"
    case $rc in 124 | 137) CAP=10 ;; esac
    echo "nvidia-smi $* (${vars[*]:-no other environment})" > "$OUT/runs/$name.cmd"
    RUNS+=("$name")
}
TRACE_PATH="LD_LIBRARY_PATH=$TRACER${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
TRACE_PRELOAD="LD_PRELOAD=$TRACER/libnvidia-ml.so.1"
run native-smi -- ; run native-L -- -L; run native-q -- -q -d MEMORY
run trace-smi "$TRACE_PATH" -- ; run trace-L "$TRACE_PATH" -- -L; run trace-q "$TRACE_PATH" -- -q -d MEMORY
run preload-smi "$TRACE_PRELOAD" -- ; run preload-L "$TRACE_PRELOAD" -- -L
run preload-q "$TRACE_PRELOAD" -- -q -d MEMORY
if [ -n "$ORION_DIR" ]; then
    run orion-smi "LD_LIBRARY_PATH=$ORION_DIR" ORION_LOG_LEVEL=debug -- ; run orion-L "LD_LIBRARY_PATH=$ORION_DIR" ORION_LOG_LEVEL=debug -- -L
    run orion-traced "LD_LIBRARY_PATH=$TRACER:$ORION_DIR" "ORION_REAL_NVML=$ORION_DIR/libnvidia-ml.so.1" ORION_LOG_LEVEL=debug --
fi
# The experiments use whichever way got the tracer called.
VIA=$TRACE_PATH
grep -q '^call ' "$OUT/runs/trace-smi.trace" 2> /dev/null || VIA=$TRACE_PRELOAD
UUID_ARG=$(grep -h -o 'table-argument [12] (inferred) uuid_arg=[12]' "$OUT/runs/trace-smi.trace" "$OUT/runs/preload-smi.trace" 2> /dev/null |
    head -n 1 | sed 's/.*uuid_arg=//')
UUID_ARG=${UUID_ARG:-2}
run deny-all "$VIA" NVML_TRACE_DENY_TABLES=all NVML_TRACE_UUID_ARG="$UUID_ARG" --
run results-smi "$VIA" NVML_TRACE_RESULTS=1 --
run unwrapped-smi "$VIA" NVML_TRACE_WRAP=0 --
best=trace-smi
grep -q '^table ' "$OUT/runs/$best.trace" 2> /dev/null || best=preload-smi
n=0
for uuid in $(sed -n 's/^table T[0-9]* uuid \([0-9a-f]*\) .*/\1/p' "$OUT/runs/$best.trace" 2> /dev/null | awk '!seen[$0]++'); do
    [ $n -lt 8 ] || break
    run "deny-$uuid" "$VIA" NVML_TRACE_DENY_TABLES="$uuid" NVML_TRACE_UUID_ARG="$UUID_ARG" --
    n=$((n + 1))
done

# ---- the summary ----
# trace_summary LOG: versions, the export tables (with the slots called), the exports in order, the last events.
trace_summary() {
    local log=$1 order=$2
    if [ ! -s "$log" ]; then
        echo "  tracer: NOT LOADED (no log)"
        return
    fi
    grep -m 1 '^start ' "$log" | sed 's/^/  /'
    grep -E '^(dlopen FAILED|loaded )' "$log" | head -n 2 | sed 's/^/  /'
    grep -E '^(version|errorstring) ' "$log" | awk '!seen[$0]++' | head -n 20 | sed 's/^/  /'
    grep -E '^ret [0-9]+ nvml(Init|Shutdown|DeviceGetCount)' "$log" | head -n 6 | sed 's/^/  /'
    awk '
        /^table denied/ { print "  " $0; next }
        /^table T[0-9]+ uuid/ {
            t = $2; line[t] = sprintf("%s uuid %s rc %s table %s (%s %s %s)", t, $4, $6, $8, $13, $14, $15); order[++n] = t; next
        }
        /^  T[0-9]+ head/ { h = $0; sub(/^  T[0-9]+ head /, "", h); head[$1] = h }
        /^  field .* -> traced as/ { split($NF, p, ":"); traced[p[1]]++ }
        /^slotcall / { split($3, p, ":"); if (!((p[1] ":" p[3]) in seenslot)) { seenslot[p[1] ":" p[3]] = 1; called[p[1]] = called[p[1]] " " p[3] } }
        /^count T[0-9]+:/ { split($2, p, ":"); counted[p[1]] = counted[p[1]] " " p[3] "x" $3 }
        END {
            for (i = 1; i <= n; i++) {
                t = order[i]
                if (t in done) { print "  " line[t] " (again)"; continue }
                done[t] = 1
                print "  " line[t]
                if (t in head) print "     head " head[t] "; code slots traced " (traced[t] + 0)
                print "     slots called (first calls):" (t in called ? called[t] : " none") "; counts at exit:" (t in counted ? counted[t] : " -")
            }
        }' "$log"
    local distinct
    distinct=$(grep '^call ' "$log" | awk '{print $3}' | awk '!seen[$0]++' | head -n 200 | tr '\n' ' ')
    if [ "$order" = full ]; then
        echo "  exports called, in order of first call ($(echo "$distinct" | wc -w) distinct, up to 200): $distinct"
    else
        echo "  exports called: $(echo "$distinct" | wc -w) distinct (the order: runs/NAME.trace)"
    fi
    echo "  last events:"
    grep -E '^(call|slotcall|table|version|errorstring|ret) ' "$log" | tail -n 8 | cut -c 1-220 | sed 's/^/    /'
    grep -q '^end pid' "$log" || echo "  (no 'end' line: the process did not exit through exit())"
}

say ""
lines() { if [ -f "$2" ]; then grep -c -E "$1" "$2"; else echo -; fi; }
say "== at a glance: run, exit status, 'mismatch' printed, export tables asked (refused), exports and slots traced"
for name in "${RUNS[@]}"; do
    t=$OUT/runs/$name.trace
    printf '  %-44s exit %-4s mismatch %-3s tables %s (%s) exports %s slots %s\n' "$name" "$(cat "$OUT/runs/$name.rc")" \
        "$(grep -q -i mismatch "$OUT/runs/$name.stdout" "$OUT/runs/$name.stderr" 2> /dev/null && echo YES || echo no)" \
        "$(lines '^table (T|denied)' "$t")" "$(lines '^table denied' "$t")" \
        "$(grep '^call ' "$t" 2> /dev/null | awk '{print $3}' | sort -u | wc -l)" \
        "$(grep '^slotcall ' "$t" 2> /dev/null | awk '{print $3}' | sort -u | wc -l)" | tee -a "$SUMMARY"
done
say ""
say "== runs (runs/NAME.{cmd,rc,stdout,stderr,trace,maps})"
for name in "${RUNS[@]}"; do
    say ""
    say "-- $name: $(cat "$OUT/runs/$name.cmd" 2> /dev/null)"
    rc=$(cat "$OUT/runs/$name.rc")
    mismatch=no
    grep -q -i 'mismatch' "$OUT/runs/$name.stdout" "$OUT/runs/$name.stderr" 2> /dev/null && mismatch=YES
    say "  exit $rc; 'mismatch' printed: $mismatch"
    [ "$rc" = skipped ] && { say "  (skipped: the time budget was spent)"; continue; }
    {
        echo "  stdout ($(wc -l < "$OUT/runs/$name.stdout") lines):"
        head -n 6 "$OUT/runs/$name.stdout" | cut -c 1-160 | sed 's/^/    /'
        echo "  stderr ($(wc -l < "$OUT/runs/$name.stderr") lines):"
        grep -v '^$' "$OUT/runs/$name.stderr" | head -n 6 | cut -c 1-200 | sed 's/^/    /'
        if [ -s "$OUT/runs/$name.maps" ]; then
            echo "  mapped at exit: $(awk '$6 ~ /nvidia|cuda|orion/ {print $6}' "$OUT/runs/$name.maps" | sort -u | tr '\n' ' ')"
        else
            echo "  mapped at exit: (no maps: the process did not reach exit())"
        fi
        case $name in
        native-* | orion-smi | orion-L) ;;
        trace-* | preload-* | orion-traced) trace_summary "$OUT/runs/$name.trace" full ;;
        *) trace_summary "$OUT/runs/$name.trace" short ;;
        esac
    } >> "$SUMMARY"
done
say ""
say "== done in ${SECONDS}s; everything in $OUT"
