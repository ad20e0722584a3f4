#!/bin/sh
# The library exports exactly NVML 580's names, each unversioned as NVIDIA's are.
# usage: check_exports.sh LIBRARY EXPORTS
set -eu
expected=$(mktemp) actual=$(mktemp)
trap 'rm -f "$expected" "$actual"' EXIT
LC_ALL=C sort -u "$2" > "$expected"
nm -D --defined-only "$1" | awk '{ print $3 }' | LC_ALL=C sort -u > "$actual"
if ! cmp -s "$expected" "$actual"; then
    echo "export list differs from $2 (< missing, > extra):"
    diff "$expected" "$actual" | head -20
    exit 1
fi
if nm -D --defined-only "$1" | awk '{ print $3 }' | grep -q '@'; then
    echo "exports carry symbol versions; NVIDIA's libnvidia-ml.so.1 has none:"
    nm -D --defined-only "$1" | grep '@' | head -5
    exit 1
fi
if readelf -V "$1" | grep -q 'Version definition'; then
    echo "the library defines symbol versions; NVIDIA's libnvidia-ml.so.1 has none"
    exit 1
fi
echo "PASS exports: $(wc -l < "$actual") names, unversioned"
