#!/usr/bin/env bash
# Builds every program here twice (nvcc's default static cudart and -cudart shared), with the
# flags from its first line ("// libs: ..."), runs both natively and compares their stdout.
# Usage: tests/cuda/library-programs/build-and-run.sh [OUTDIR]   (needs nvcc and a GPU)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/orion-library-programs}"
mkdir -p "$out"
fail=0

build() { # name src mode libs...
    local name="$1" src="$2" mode="$3"; shift 3
    local extra=""; [ "$mode" = shared ] && extra="-cudart shared"
    # shellcheck disable=SC2086
    nvcc -O2 -arch=sm_90 -I "$here" "$src" -o "$out/$name.$mode" $extra "$@" >"$out/$name.$mode.build" 2>&1
}

for src in "$here"/[0-9][0-9]_*.cu; do
    name="$(basename "$src" .cu)"
    first="$(head -n 1 "$src")"
    case "$first" in "// libs:"*) ;; *) echo "$name: first line is not '// libs:'"; fail=1; continue ;; esac
    # shellcheck disable=SC2086
    for mode in static shared; do build "$name" "$src" "$mode" ${first#// libs:} & done
done
wait

for src in "$here"/[0-9][0-9]_*.cu; do
    name="$(basename "$src" .cu)"
    for mode in static shared; do
        if [ ! -x "$out/$name.$mode" ]; then
            echo "$name ($mode): BUILD FAILED"; cat "$out/$name.$mode.build"; fail=1; continue
        fi
        "$out/$name.$mode" >"$out/$name.$mode.out" 2>"$out/$name.$mode.err"
        rc=$?
        echo "$name ($mode): exit $rc"
        [ $rc -ne 0 ] && fail=1
    done
    if ! cmp -s "$out/$name.static.out" "$out/$name.shared.out"; then
        echo "$name: static and shared stdout differ"; fail=1
    fi
done
exit $fail
