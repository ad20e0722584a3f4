#!/bin/sh
# usage: build.sh EXPORTS OUTDIR  -> OUTDIR/libcuda.so.1 (the tracing driver)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$2
mkdir -p "$out"
sh "$here/gen_trampolines.sh" "$1" "$out/trampolines.S"
gcc -O1 -g -fPIC -shared -Wall -I"$out" -Wl,-soname,libcuda.so.1 -o "$out/libcuda.so.1" \
    "$here/driver_trace.c" "$out/trampolines.S" -ldl -lpthread
