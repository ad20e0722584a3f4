#!/usr/bin/env bash
# Runs every test that needs no GPU and no RDMA NIC: native parts built with gcc, then the .NET suites.
# This is the README's test command and what CI (.ci/run) calls.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x scripts/build-native.sh ]; then
  scripts/build-native.sh
fi

# The CUDA benchmark's host code and table script, against a CPU mock of the runtime (no GPU needed).
bash benchmarks/cuda/test/run_tests.sh

dotnet test Orion.Transport.sln -c Release --logger "console;verbosity=normal" "$@"
