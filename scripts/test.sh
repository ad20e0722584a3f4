#!/usr/bin/env bash
# Runs every test that needs no GPU and no RDMA NIC: native parts built with gcc, the NuGet packages' native files
# (scripts/check-packages.sh), then the .NET suites.
# This is the README's test command and what CI (.ci/run) calls.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x scripts/build-native.sh ]; then
  scripts/build-native.sh
fi

# The CUDA benchmark's host code and table script, against a CPU mock of the runtime (no GPU needed).
bash benchmarks/cuda/test/run_tests.sh

# The NuGet packages carry every native file they must (docs/packages.md). The .NET tests then run against the
# liborion_client.so taken out of the checked package instead of publishing their own.
# No .NET process of the run makes the runtime's diagnostic pipes and sockets (clr-debug-pipe-*, dotnet-diagnostic-*
# in the temporary folder): the tests kill servers and workers on purpose, and a killed process cannot remove its own.
export DOTNET_EnableDiagnostics=0

packed=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$packed" "$log"' EXIT
ORION_PACKED_CLIENT_LIB=$packed/liborion_client.so scripts/check-packages.sh
export ORION_TEST_CLIENT_LIB=${ORION_TEST_CLIENT_LIB:-$packed/liborion_client.so}

# One overall line at the end: the per-project summaries of dotnet test, added up. The native and script
# tests above stop this script at their first failure, so reaching here means they passed.
set +e
dotnet test Orion.Transport.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(awk '$1 == "Passed:" && $2 ~ /^[0-9]+$/ { n += $2 } END { print n + 0 }' "$log")
failed=$(awk '$1 == "Failed:" && $2 ~ /^[0-9]+$/ { n += $2 } END { print n + 0 }' "$log")
echo "all tests: $passed .NET tests passed, $failed failed (native and script tests passed above); exit $status"
exit "$status"
