#!/usr/bin/env bash
# On the GPU host: builds the tracing driver and runs NVIDIA's runtime and libraries on it.
# usage: run-trace.sh EXPORTS OUTDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
exports=$1 out=$2
mkdir -p "$out"
work=$(mktemp -d)
sh "$here/build.sh" "$exports" "$work/driver" > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
nvcc=/usr/local/cuda/bin/nvcc
cp "$here"/../programs/01_vector_add.cu "$here"/../programs/check.h "$work/"
$nvcc -O2 -arch=sm_90 "$work/01_vector_add.cu" -o "$work/va_static" >> "$out/build.log" 2>&1
$nvcc -O2 -arch=sm_90 -cudart shared "$work/01_vector_add.cu" -o "$work/va_shared" >> "$out/build.log" 2>&1
$nvcc -O2 -arch=sm_90 "$here/programs/trace_cublas.cu" -lcublas -o "$work/cublas" >> "$out/build.log" 2>&1
$nvcc -O2 -arch=sm_90 "$here/programs/trace_cufft.cu" -lcufft -o "$work/cufft" >> "$out/build.log" 2>&1
$nvcc -O2 -arch=sm_90 -rdc=true "$here/programs/trace_runtime_mix.cu" -o "$work/mix" >> "$out/build.log" 2>&1
run() {
    local name=$1; shift
    LD_LIBRARY_PATH=$work/driver DRIVER_TRACE_OUT=$out/$name timeout 120 "$@" > "$out/$name.stdout" 2> "$out/$name.stderr"
    echo "$name exit $?" | tee -a "$out/summary.txt"
}
run va_static "$work/va_static"
run va_shared "$work/va_shared"
DRIVER_TRACE_WRAP_TABLES=0 run va_static_unwrapped "$work/va_static"
# Every table but the one whose slot 3 checks the runtime's integrity (wrapping it fails that check).
export DRIVER_TRACE_KEEP=${DRIVER_TRACE_KEEP:-263e8860}
run cublas "$work/cublas"
run cufft "$work/cufft"
run mix "$work/mix"
run torch python3 "$here/programs/trace_torch.py"
grep -o 'PFN_cu[A-Za-z0-9_]*_v[0-9]*[a-z_]*' /usr/local/cuda/include/cudaTypedefs.h | sort -u > "$out/pfn-versions.txt"
# Which implementation cuGetProcAddress_v2 hands out per name, CUDA version and stream flag.
{ sed -n 's/.*_v\([0-9]*\).*/\1/p' "$out/pfn-versions.txt"; echo 13000; echo 13010; echo 13020; } | sort -n -u > "$work/versions.txt"
gcc -O1 -o "$work/proc_table" "$here/proc_table.c" -ldl >> "$out/build.log" 2>&1
"$work/proc_table" "${DRIVER_TRACE_REAL:-/usr/local/nvidia/lib64/libcuda.so.1}" "$exports" "$work/versions.txt" > "$out/proc-table.txt"
grep -n -A3 'CU_GET_PROC_ADDRESS\|CUdriverProcAddressQueryResult_enum' /usr/local/cuda/include/cuda.h > "$out/proc-flags.txt"
gcc -O1 -o "$work/error_table" "$here/error_table.c" -ldl >> "$out/build.log" 2>&1
"$work/error_table" "${DRIVER_TRACE_REAL:-/usr/local/nvidia/lib64/libcuda.so.1}" > "$out/driver-errors.txt"
rm -rf "$work"
