#!/usr/bin/env bash
# Builds and self-tests every native component (C, gcc): each folder under native/ with a Makefile
# provides `all` and `test`. Tests that need a GPU or an RDMA NIC are not among them.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in native/*/; do
  [ -f "$dir/Makefile" ] || continue
  echo "== native: $dir"
  make -C "$dir" -j2 all
  make -C "$dir" test
done
