#!/usr/bin/env bash
# Compute shares and tenant safety on the GPU host (issue 13, docs/gpu-tests.md "Compute shares").
#
#   scripts/gpu-share-test.sh run OUTDIR   from the repository root on the GPU host, with a bundle carried
#                                          (bin/orion-server, lib/liborion_client.so; ORION_BUNDLE, default
#                                          artifacts/cudart). Builds the driver front end and
#                                          benchmarks/cuda/share_probe.cu (plain nvcc: NVIDIA's runtime over
#                                          Orion's libcuda.so.1), then measures, all in this one run:
#   1. native: one probe alone, then two at once (the GPU's own time-slicing);
#   2. through Orion, two servers with two vGPUs of 70% and 30% of GPU 0 (process isolation), one enforcing
#      compute shares and one not (--compute-quantum 0s): one tenant alone on each, alternately, twice (what
#      enforcement costs a lone tenant), two at once on each (70/30), then on the enforcing one a tenant that
#      faults beside a working one, and a tenant killed with SIGKILL while it holds memory (how long until
#      the GPU's memory is back).
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
trap 'rm -rf "$WORK"' EXIT
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

# --- 1. native ---
"$PROBE" "$LONE" > "$OUT/native-lone.txt" 2>&1
"$PROBE" "$PAIR" > "$OUT/native-a.txt" 2>&1 & A=$!
"$PROBE" "$PAIR" > "$OUT/native-b.txt" 2>&1 & B=$!
wait $A $B

# --- 2. Orion: two servers on the GPU, one enforcing shares (E), one not (U, --compute-quantum 0s) ---
start_server() { # NAME PORT ARGS...: sets SERVER_PID_<NAME>
    local name=$1 port=$2; shift 2
    "$BUNDLE/bin/orion-server" --listen "tcp://127.0.0.1:$port" --log-level Information "$@" > "$OUT/server.$name.log" 2>&1 &
    eval "SERVER_PID_$name=$!"
    for _ in $(seq 1 150); do grep -q "ready on" "$OUT/server.$name.log" 2>/dev/null && break; sleep 0.1; done
}
E=$PORT; U=$((PORT + 1))
start_server enforced $E --vgpu-slice 0=60G:70 --vgpu-slice 0=60G:30
start_server unenforced $U --vgpu-slice 0=60G:70 --vgpu-slice 0=60G:30 --compute-quantum 0s
trap 'rm -rf "$WORK"; kill $SERVER_PID_enforced $SERVER_PID_unenforced 2>/dev/null' EXIT
tenant() { # PORT SHARE NAME ARGS...: one probe through Orion on a vGPU with that share; its maps go to OUT/NAME.maps
    local port=$1 share=$2 name=$3; shift 3
    env LD_LIBRARY_PATH="$WORK/front" ORION_CLIENT_LIB="$BUNDLE/lib/liborion_client.so" ORION_SERVER="tcp://127.0.0.1:$port" \
        ORION_VGPU_SHARE="$share" LD_PRELOAD="$WORK/maps_probe.so" ORION_MAPS_OUT="$OUT/$name.maps" "$PROBE" "$@" > "$OUT/$name.txt" 2>&1
}
settle() { sleep 2; } # the last tenant's worker exits and its vGPU comes back before the next placement
# A lone tenant, alternately on each server: what enforcement costs one tenant alone.
for round in 1 2; do
    tenant $E 30 orion-lone-$round "$LONE"; settle
    tenant $U 30 unenforced-lone-$round "$LONE"; settle
done
tenant $E 70 orion-70 "$PAIR" & A=$!
tenant $E 30 orion-30 "$PAIR" & B=$!
wait $A $B; settle
tenant $U 70 unenforced-70 "$PAIR" & A=$!
tenant $U 30 unenforced-30 "$PAIR" & B=$!
wait $A $B; settle
# A tenant that faults beside one that works.
tenant $E 70 orion-beside-fault "$LONE" & A=$!
sleep 2
tenant $E 30 orion-fault 1 --fault
wait $A; settle
# A tenant killed with SIGKILL while it holds 20 GiB: how long until the GPU's memory is what it was.
baseline=$(used_mib)
tenant $E 30 orion-killed 60 --hold-mib 20480 & K=$!
for _ in $(seq 1 100); do grep -q "^t=" "$OUT/orion-killed.txt" 2>/dev/null && break; sleep 0.2; done
holding=$(used_mib)
pkill -9 -f "share_probe 60 --hold-mib" ; killed_at=$(date +%s.%N)
back=""
for _ in $(seq 1 200); do
    now=$(used_mib)
    if [ "$now" -le $((baseline + 64)) ]; then back=$(python3 -c "print(round($(date +%s.%N) - $killed_at, 2))"); break; fi
    sleep 0.05
done
wait $K 2>/dev/null
echo "baseline_mib=$baseline holding_mib=$holding back_after_s=${back:-never}" > "$OUT/orion-kill.txt"
kill $SERVER_PID_enforced $SERVER_PID_unenforced 2>/dev/null; wait 2>/dev/null

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
nl, nc = rate("native-lone.txt")
def mean_rate(prefix):
    rates = [rate(f"{prefix}-{r}.txt") for r in (1, 2)]
    good = [v for v, _ in rates if v]
    return (sum(good) / len(good) if good else None), ",".join(str(c) for _, c in rates)
ol, oc = mean_rate("orion-lone"); ul, uc = mean_rate("unenforced-lone")
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
line("Orion, alone on the 30% vGPU, enforced (mean of 2, alternating)", ol or 0.0, f"{(ol or 0)/(nl or 1):.3f} of native", "", oc)
line("Orion, alone on the 30% vGPU, not enforced (mean of 2, alternating)", ul or 0.0, f"{(ul or 0)/(nl or 1):.3f} of native", "", uc)
for r in (1, 2):
    a, _ = rate(f"orion-lone-{r}.txt"); b, _ = rate(f"unenforced-lone-{r}.txt")
    if a and b: print(f"| round {r}: enforced / not enforced | {a:.1f} / {b:.1f} | {a/b:.3f} | | |")
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
