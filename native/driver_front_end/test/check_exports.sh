#!/bin/sh
# The library exports exactly driver 580's names, less the cudbg* debugger hooks.
# usage: check_exports.sh LIBRARY EXPORTS
set -eu
expected=$(mktemp) actual=$(mktemp)
trap 'rm -f "$expected" "$actual"' EXIT
grep -v '^cudbg' "$2" | LC_ALL=C sort -u > "$expected"
nm -D --defined-only "$1" | awk '{ print $3 }' | LC_ALL=C sort -u > "$actual"
if ! cmp -s "$expected" "$actual"; then
    echo "export list differs from $2 (< missing, > extra):"
    diff "$expected" "$actual" | head -20
    exit 1
fi
echo "PASS exports: $(wc -l < "$actual") names"
