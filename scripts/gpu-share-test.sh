#!/usr/bin/env bash
# Compute shares and tenant safety on the GPU host (issue 13, docs/gpu-tests.md "Compute shares").
#
#   scripts/gpu-share-test.sh run OUTDIR   from the repository root on the GPU host, with a bundle carried
#                                          (bin/orion-server, lib/liborion_client.so; ORION_BUNDLE, default
#                                          artifacts/cudart). Builds the driver front end and
#                                          benchmarks/cuda/share_probe.cu (plain nvcc: NVIDIA's runtime over
#                                          Orion's libcuda.so.1), then measures, all in this one run:
#   1. native: one probe alone, then two at once (the GPU's own time-slicing);
#   2. through Orion, a server with two vGPUs of 70% and 30% of GPU 0 (process isolation, compute shares
#      enforced): one tenant alone, two at once (70/30), a tenant that faults beside a working one, and a
#      tenant killed with SIGKILL while it holds memory (how long until the GPU's memory is back);
#   3. the same server with enforcement off (--compute-quantum 0s): one tenant alone, two at once.
# Writes OUTDIR/share.md (the table) and the raw logs.
# Environment: ORION_SHARE_SECONDS (default 30) for the two-tenant windows; ORION_SHARE_LONE_SECONDS (default 10).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${2:-$PWD/gpu-share-out}")
BUNDLE=${ORION_BUNDLE:-$ROOT/artifacts/cudart}
PORT=${ORION_PORT:-7490}
PAIR=${ORION_SHARE_SECONDS:-30}
LONE=${ORION_SHARE_LONE_SECONDS:-10}
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null' EXIT
mkdir -p "$OUT"
REPORT=$OUT/share.md
say() { echo "$*" | tee -a "$REPORT"; }
: > "$REPORT"

make -s -C "$ROOT/native/driver_front_end" BUILD="$WORK/front" all > "$OUT/build.log" 2>&1 || { say "front end build FAILED"; exit 1; }
"$CUDA_HOME/bin/nvcc" -O2 -arch=sm_90 -o "$WORK/share_probe" "$ROOT/benchmarks/cuda/share_probe.cu" >> "$OUT/build.log" 2>&1 \
    || { say "probe build FAILED"; cat "$OUT/build.log"; exit 1; }
gcc -shared -fPIC -O1 -o "$WORK/maps_probe.so" "$ROOT/tests/cuda/maps_probe/maps_probe.c" >> "$OUT/build.log" 2>&1
PROBE=$WORK/share_probe
used_mib() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 | head -1 | tr -d ' '; }

say "# Compute shares on $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1), $(nproc) cores, $(date -u +%FT%TZ)"
say ""

start_server() { # NAME ARGS...
    local name=$1; shift
    "$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$PORT" --log-level Information "$@" > "$OUT/server.$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 150); do grep -q "ready on" "$OUT/server.$name.log" 2>/dev/null && break; sleep 0.1; done
}
stop_server() { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; PORT=$((PORT + 1)); }
orion_env() { # SHARE NAME: the environment of a tenant asking for a vGPU with that share; its maps go to OUT/NAME.maps
    echo LD_LIBRARY_PATH="$WORK/front" ORION_CLIENT_LIB="$BUNDLE/lib/liborion_client.so" ORION_SERVER="tcp://127.0.0.1:$PORT" \
        ORION_VGPU_SHARE="$1" LD_PRELOAD="$WORK/maps_probe.so" ORION_MAPS_OUT="$OUT/$2.maps"
}

# --- 1. native ---
"$PROBE" "$LONE" > "$OUT/native-lone.txt" 2>&1
"$PROBE" "$PAIR" > "$OUT/native-a.txt" 2>&1 & A=$!
"$PROBE" "$PAIR" > "$OUT/native-b.txt" 2>&1 & B=$!
wait $A $B

# --- 2. Orion, shares enforced ---
start_server enforced --vgpu-slice 0=60G:70 --vgpu-slice 0=60G:30
env $(orion_env 30 orion-lone) "$PROBE" "$LONE" > "$OUT/orion-lone.txt" 2>&1
env $(orion_env 70 orion-70) "$PROBE" "$PAIR" > "$OUT/orion-70.txt" 2>&1 & A=$!
env $(orion_env 30 orion-30) "$PROBE" "$PAIR" > "$OUT/orion-30.txt" 2>&1 & B=$!
wait $A $B
# A tenant that faults beside one that works.
env $(orion_env 70 orion-beside-fault) "$PROBE" "$LONE" > "$OUT/orion-beside-fault.txt" 2>&1 & A=$!
sleep 2
env $(orion_env 30 orion-fault) "$PROBE" 1 --fault > "$OUT/orion-fault.txt" 2>&1
wait $A
# A tenant killed with SIGKILL while it holds 20 GiB: how long until the GPU's memory is what it was.
sleep 1
baseline=$(used_mib)
env $(orion_env 30 orion-killed) "$PROBE" 60 --hold-mib 20480 > "$OUT/orion-killed.txt" 2>&1 & K=$!
for _ in $(seq 1 100); do grep -q "^t=" "$OUT/orion-killed.txt" 2>/dev/null && break; sleep 0.2; done
holding=$(used_mib)
kill -9 $K; killed_at=$(date +%s.%N)
back=""
for _ in $(seq 1 200); do
    now=$(used_mib)
    if [ "$now" -le $((baseline + 64)) ]; then back=$(python3 -c "print(round($(date +%s.%N) - $killed_at, 2))"); break; fi
    sleep 0.05
done
wait $K 2>/dev/null
echo "baseline_mib=$baseline holding_mib=$holding back_after_s=${back:-never}" > "$OUT/orion-kill.txt"
stop_server

# --- 3. Orion, shares not enforced ---
start_server unenforced --vgpu-slice 0=60G:70 --vgpu-slice 0=60G:30 --compute-quantum 0s
env $(orion_env 30 unenforced-lone) "$PROBE" "$LONE" > "$OUT/unenforced-lone.txt" 2>&1
env $(orion_env 70 unenforced-70) "$PROBE" "$PAIR" > "$OUT/unenforced-70.txt" 2>&1 & A=$!
env $(orion_env 30 unenforced-30) "$PROBE" "$PAIR" > "$OUT/unenforced-30.txt" 2>&1 & B=$!
wait $A $B
stop_server

python3 - "$OUT" >> "$REPORT" <<'PY'
import sys, os
out = sys.argv[1]
def read(name):
    points, done, fault, start = [], {}, None, None
    try:
        for line in open(os.path.join(out, name)):
            line = line.strip()
            if line.startswith("start="): start = float(line[6:])
            elif line.startswith("t="):
                t, k = line.split()
                points.append((float(t[2:]), int(k.split("=")[1])))
            elif line.startswith("done "):
                done = dict(f.split("=") for f in line.split()[1:])
            elif line.startswith("fault="): fault = line[6:]
    except OSError: pass
    return start, points, done, fault
def rate(name):
    start, points, done, _ = read(name)
    if not done: return None, "missing"
    return int(done["kernels"]) / float(done["seconds"]), done.get("check")
def window(a, b):
    """Kernels per second of each over the seconds both were running (from the later start to the earlier end)."""
    sa, pa, _, _ = read(a); sb, pb, _, _ = read(b)
    if not pa or not pb: return None
    lo, hi = max(pa[0][0], pb[0][0]), min(pa[-1][0], pb[-1][0])
    def inside(points):
        sel = [p for p in points if lo <= p[0] <= hi]
        return (sel[-1][1] - sel[0][1]) / (sel[-1][0] - sel[0][0]) if len(sel) > 1 and sel[-1][0] > sel[0][0] else 0.0
    ra, rb = inside(pa), inside(pb)
    return ra, rb, hi - lo
rows = []
nl, nc = rate("native-lone.txt"); ol, oc = rate("orion-lone.txt"); ul, uc = rate("unenforced-lone.txt")
print("| case | kernels/s | share of the pair | over | check |")
print("| --- | --- | --- | --- | --- |")
def line(case, value, share, seconds, check):
    v = f"{value:.1f}" if isinstance(value, float) else str(value)
    print(f"| {case} | {v} | {share} | {seconds} | {check} |")
line("native, alone", nl or 0.0, "", "", nc)
for label, a, b in (("native, two at once", "native-a.txt", "native-b.txt"),
                    ("Orion 70/30 enforced", "orion-70.txt", "orion-30.txt"),
                    ("Orion 70/30 not enforced", "unenforced-70.txt", "unenforced-30.txt")):
    w = window(a, b)
    if w is None:
        line(label, "missing", "", "", ""); continue
    ra, rb, span = w
    total = ra + rb
    ca, cb = rate(a)[1], rate(b)[1]
    line(label + " (first)", ra, f"{100*ra/total:.1f}%" if total else "", f"{span:.1f} s", ca)
    line(label + " (second)", rb, f"{100*rb/total:.1f}%" if total else "", f"{span:.1f} s", cb)
line("Orion, alone on the 30% vGPU, enforced", ol or 0.0, f"{(ol or 0)/(nl or 1):.3f} of native", "", oc)
line("Orion, alone on the 30% vGPU, not enforced", ul or 0.0, f"{(ul or 0)/(nl or 1):.3f} of native", "", uc)
if ol and ul: print(f"\nEnforcement costs a lone tenant {100*(1-ol/ul):.2f}% of its kernel rate (enforced {ol:.1f}/s vs not enforced {ul:.1f}/s).")
_, _, done, _ = read("orion-beside-fault.txt"); _, _, _, fault = read("orion-fault.txt")
print(f"\nFault beside a working tenant: the faulting tenant got {fault}; the working one finished with check={done.get('check')} ({done.get('kernels')} kernels).")
print("\nSIGKILL while holding 20 GiB: " + open(os.path.join(out, "orion-kill.txt")).read().strip())
# Proof that no tenant through Orion used the local driver: NVIDIA's libcuda.so must not be in any Orion tenant's maps.
import glob
mapped = [os.path.basename(m) for m in sorted(glob.glob(os.path.join(out, "*.maps")))
          if any("libcuda.so" in l and "/nvidia/" in l for l in open(m))]
maps = sorted(glob.glob(os.path.join(out, "*.maps")))
print(f"\nNVIDIA's libcuda.so mapped in {len(mapped)} of {len(maps)} tenants run through Orion" + (f": {mapped}" if mapped else "") + ".")
PY
cat "$REPORT"
grep -h "ORION\|error\|Error" "$OUT"/server.*.log | grep -iv "information" | head -20 > "$OUT/server-problems.txt"
