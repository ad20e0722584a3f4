#!/bin/sh
# The stub must export exactly the CUDA 13 runtime's names, each under version libcudart.so.13,
# with SONAME libcudart.so.13.
set -eu
library=$1 exports=$2
actual=$(mktemp) expected=$(mktemp)
trap 'rm -f "$actual" "$expected"' EXIT
nm -D --defined-only "$library" | awk '$3 != "libcudart.so.13" { print $3 }' | sort > "$actual"
sed -e '/^$/d' -e 's/$/@@libcudart.so.13/' "$exports" | sort -u > "$expected"
if ! diff "$expected" "$actual"; then
    echo "check_exports: the export list differs from $exports (< expected, > actual)"
    exit 1
fi
readelf -d "$library" | grep -q 'SONAME.*\[libcudart.so.13\]' || { echo "check_exports: wrong SONAME"; exit 1; }
echo "check_exports: $(wc -l < "$actual") symbols, all @@libcudart.so.13"
