#!/usr/bin/env bash
# Runs the transport benchmarks (Orion TCP beside raw-socket baselines, same run) and writes the
# results tables, with the machine they ran on, into docs/benchmarks/transport.md.
#
#   scripts/bench-transport.sh [--quick|--full] [--inprocess] [--no-doc] [--dll PATH] [BenchmarkDotNet args...]
#
#   --quick      short job (a few minutes) to prove the suite works; default is the full job
#   --inprocess  run benchmarks inside the host process (InProcessEmitToolchain); automatic when no SDK is installed
#   --no-doc     print the tables (artifacts/bench/transport-results.md) but leave the doc alone
#   --dll PATH   run a prebuilt Orion.Transport.Benchmarks.dll instead of building (hosts without an SDK)
#   other args   go to BenchmarkDotNet, e.g. --filter '*PingPong*'
# Environment: DOTNET (the dotnet host to use, default: dotnet on PATH),
#              ORION_BENCH_SIZES=64,4096 (narrow the message sizes).
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet_host=${DOTNET:-dotnet}
job=--full
inprocess=()
update_doc=1
dll=
bdn_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick|--full) job=$1 ;;
    --inprocess) inprocess=(--inprocess) ;;
    --no-doc) update_doc=0 ;;
    --dll) dll=${2:?--dll needs a path}; shift ;;
    *) bdn_args+=("$1") ;;
  esac
  shift
done

# Without an SDK BenchmarkDotNet cannot build its per-benchmark child projects.
if [ ${#inprocess[@]} -eq 0 ] && [ -z "$("$dotnet_host" --list-sdks 2>/dev/null)" ]; then
  echo "No .NET SDK found: running in-process." >&2
  inprocess=(--inprocess)
fi
if [ -z "$dll" ]; then
  "$dotnet_host" build benchmarks/Orion.Transport.Benchmarks -c Release -nologo -v quiet
  dll=benchmarks/Orion.Transport.Benchmarks/bin/Release/net10.0/Orion.Transport.Benchmarks.dll
fi
if [[ " ${bdn_args[*]-} " != *" --filter "* ]]; then
  bdn_args+=(--filter '*')
fi

results=artifacts/bench
mkdir -p "$results"
rm -f "$results/transport-results.md"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
"$dotnet_host" "$dll" "$job" "${inprocess[@]}" --results "$results" "${bdn_args[@]}" || rc=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

if [ ! -s "$results/transport-results.md" ]; then
  echo "The benchmarks produced no results table (exit code $rc)." >&2
  exit $(( rc == 0 ? 1 : rc ))
fi

sdk_version() { local v; v=$("$dotnet_host" --list-sdks 2>/dev/null | tail -1 | cut -d' ' -f1); echo "${v:-none}"; }
lscpu_field() { lscpu | sed -n "s/^$1:[[:space:]]*//p" | head -1; }
{
  echo "Machine: $(lscpu_field 'Model name'), $(lscpu_field 'CPU(s)') logical CPUs" \
       "($(lscpu_field 'Core(s) per socket') cores per socket, $(lscpu_field 'Thread(s) per core') threads per core)," \
       "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM; kernel $(uname -r) ($(uname -m));" \
       ".NET runtime $("$dotnet_host" --list-runtimes 2>/dev/null | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')," \
       "SDK $(sdk_version). Load average (1/5/15 min) before: $load_before, after: $load_after."
  echo
  cat "$results/transport-results.md"
} > "$results/transport-section.md"
cat "$results/transport-section.md"

doc=docs/benchmarks/transport.md
begin='<!-- bench-transport:begin -->'
end='<!-- bench-transport:end -->'
if [ "$update_doc" -eq 1 ]; then
  if grep -qF "$begin" "$doc" && grep -qF "$end" "$doc"; then
    awk -v begin="$begin" -v end="$end" -v section="$results/transport-section.md" '
      $0 == begin { print; while ((getline line < section) > 0) print line; skipping = 1; next }
      $0 == end { skipping = 0 }
      !skipping { print }
    ' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
    echo "Updated the results in $doc." >&2
  else
    echo "$doc lacks the $begin / $end markers; results left in $results/transport-section.md." >&2
  fi
fi
exit "$rc"
