#!/usr/bin/env bash
# Makes the release tarballs: for each architecture, the client (the orion command and the runtime folder it uses:
# liborion_client.so, Orion's libcuda.so.1, libcudart.so.13, libnvidia-ml.so.1 and the ibverbs shim) and the server
# (orion-server), all native files that need no .NET, plus INSTALL.md; then SHA256SUMS. docs/packages.md.
#
#   scripts/release.sh [VERSION] [OUTDIR]      VERSION: default the <Version> of Directory.Build.props
#                                              OUTDIR: default artifacts/release
#
# ORION_RELEASE_RIDS chooses the architectures (default "linux-x64 linux-arm64"). linux-arm64 is cross-built on an
# x64 machine with Debian's GNU cross compiler (apt-get install gcc-aarch64-linux-gnu, or name one in ORION_ARM64_CC);
# without it linux-arm64 is skipped with a message, not an error. Needs the .NET 10 SDK, gcc, make and the rdma-core headers (libibverbs-dev,
# librdmacm-dev). Every file is checked before it is packed: ELF for the right machine, the front ends' export lists,
# liborion_client.so's exports against orion_client.h; then the files run (natively, or arm64 under qemu-aarch64 when
# qemu-user is installed): orion finds lib/orion, orion-server serves an emulated device to orion smi and to an NVML
# program through lib/orion.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

version=${1:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)}
out=$(realpath -m "${2:-artifacts/release}")
rids=${ORION_RELEASE_RIDS:-linux-x64 linux-arm64}
[ -n "$version" ] || { echo "release: no version given and none in Directory.Build.props" >&2; exit 2; }
case "$version" in *[!A-Za-z0-9.+-]*) echo "release: '$version' is not a version" >&2; exit 2 ;; esac

case "$(uname -m)" in
x86_64) host=linux-x64 ;;
aarch64) host=linux-arm64 ;;
*) echo "release: cannot build on $(uname -m)" >&2; exit 2 ;;
esac
if [ ! -f /usr/include/infiniband/verbs.h ] || [ ! -f /usr/include/rdma/rdma_cma.h ]; then
    echo "release: the ibverbs shim needs the rdma-core headers: apt-get install libibverbs-dev librdmacm-dev" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
made=()

# machine_of FILE: the ELF machine readelf names (Advanced Micro Devices X86-64, AArch64).
machine_of() { readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'; }

fail() { echo "release: $*" >&2; exit 1; }

# check_elf FILE RID KIND: an ELF file (KIND: DYN for a library or a position-independent program) for RID's machine.
check_elf() {
    local file=$1 rid=$2 want
    case "$rid" in linux-x64) want="Advanced Micro Devices X86-64" ;; linux-arm64) want=AArch64 ;; esac
    [ -f "$file" ] || fail "$file is missing"
    local got
    got=$(machine_of "$file")
    [ "$got" = "$want" ] || fail "$file is for '$got', not $rid ($want)"
    readelf -h "$file" | grep -q 'Type: *DYN' || fail "$file is not a shared object or PIE"
}

for rid in $rids; do
    case "$rid" in
    linux-x64) cross=x86_64-linux-gnu-gcc package=gcc-x86-64-linux-gnu ;;
    linux-arm64) cross=${ORION_ARM64_CC:-aarch64-linux-gnu-gcc} package=gcc-aarch64-linux-gnu ;;
    *) fail "ORION_RELEASE_RIDS: unknown architecture $rid (linux-x64, linux-arm64)" ;;
    esac
    cc=gcc
    if [ "$rid" = linux-x64 ] && [ "$host" != linux-x64 ]; then
        echo "release: SKIPPING linux-x64: cross-building it on $host is not set up (Directory.Build.props links arm64 on x64 only)"
        continue
    fi
    if [ "$rid" != "$host" ]; then
        cc=$cross
        if ! command -v "$cc" >/dev/null; then
            echo "release: SKIPPING $rid: its cross compiler $cc is not installed (Debian/Ubuntu: apt-get install $package)"
            continue
        fi
    fi
    echo "== release $version for $rid"
    name=orion-$version-$rid
    stage=$work/$name
    mkdir -p "$stage/bin" "$stage/lib/orion"

    # The C libraries, from clean build folders.
    for lib in driver_front_end:libcuda.so.1 cudart_stub:libcudart.so.13 nvml_front_end:libnvidia-ml.so.1 \
               ibverbs_interop:liborion_ibverbs.so; do
        folder=${lib%%:*} file=${lib#*:}
        make -s -C "native/$folder" BUILD="$work/native-$rid/$folder" CC="$cc" all
        cp "$work/native-$rid/$folder/$file" "$stage/lib/orion/"
    done
    ln -s libcuda.so.1 "$stage/lib/orion/libcuda.so"      # Triton links -lcuda (docs/cli.md)
    cp "$stage/lib/orion/liborion_ibverbs.so" "$stage/bin/" # the server loads it from beside itself

    # The NativeAOT parts (a cross RID links with $cc: Directory.Build.props).
    cross_link=()
    [ "$rid" = "$host" ] || cross_link=(-p:OrionCrossCompilerLinuxArm64="$cc" -p:OrionCrossCompilerLinuxX64="$cc")
    dotnet publish src/Orion.Cuda.Client.Native -r "$rid" -c Release -p:Version="$version" "${cross_link[@]}" -o "$work/client-$rid" -nologo -v q
    cp "$work/client-$rid/liborion_client.so" "$stage/lib/orion/"
    dotnet publish src/Orion.Cli -r "$rid" -c Release -p:PublishAot=true -p:Version="$version" "${cross_link[@]}" -o "$work/cli-$rid" -nologo -v q
    cp "$work/cli-$rid/orion" "$stage/bin/"
    dotnet publish samples/orion-server -r "$rid" -c Release -p:PublishAot=true -p:Version="$version" "${cross_link[@]}" -o "$work/server-$rid" -nologo -v q
    cp "$work/server-$rid/orion-server" "$stage/bin/"

    # Checks.
    for file in "$stage"/bin/orion "$stage"/bin/orion-server "$stage"/bin/liborion_ibverbs.so "$stage"/lib/orion/*.so.* \
                "$stage"/lib/orion/liborion_*.so; do
        check_elf "$file" "$rid"
    done
    sh native/driver_front_end/test/check_exports.sh "$stage/lib/orion/libcuda.so.1" native/driver_front_end/data/libcuda-580-exports.txt
    sh native/cudart_stub/test/check_exports.sh "$stage/lib/orion/libcudart.so.13" native/cudart_stub/data/cudart13-exports.txt
    sh native/nvml_front_end/test/check_exports.sh "$stage/lib/orion/libnvidia-ml.so.1" native/nvml_front_end/data/nvml-580-exports.txt
    sed -n 's/^STUB_CLIENT_FN([^,]*, *\([a-z0-9_]*\),.*/\1/p' "$work/native-$rid/cudart_stub/generated/stub_client_functions.h" \
        | LC_ALL=C sort -u > "$work/client-wanted"
    nm -D --defined-only "$stage/lib/orion/liborion_client.so" | awk '{ sub(/@.*/, "", $3); print $3 }' | LC_ALL=C sort -u \
        > "$work/client-has"
    missing=$(LC_ALL=C comm -23 "$work/client-wanted" "$work/client-has")
    [ -z "$missing" ] || fail "liborion_client.so for $rid lacks exports of orion_client.h: $missing"
    echo "PASS liborion_client.so exports all $(wc -l < "$work/client-wanted") functions of orion_client.h"
    nm -D --defined-only "$stage/lib/orion/liborion_ibverbs.so" | grep -q ' orion_ibv_abi_version$' \
        || fail "liborion_ibverbs.so for $rid does not export orion_ibv_abi_version"
    # Run on this machine, or under qemu-user for arm64 on x64 (apt-get install qemu-user; the cross compiler's arm64
    # glibc serves as the system libraries): the layout works (orion finds lib/orion), and against orion-server on
    # an emulated device, orion smi and an NVML program through lib/orion (the front end and liborion_client.so) answer.
    emulator=()
    if [ "$rid" != "$host" ]; then
        if [ "$rid" = linux-arm64 ] && command -v qemu-aarch64 >/dev/null && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
            emulator=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
        else
            emulator=(none)
        fi
    fi
    if [ "${emulator[*]}" = none ]; then
        echo "(not run: $rid files on a $host machine without qemu-user; checked as ELF $(machine_of "$stage/bin/orion") files only)"
    else
        clean=(env -u ORION_RUNTIME -u ORION_SERVER -u ORION_TOKEN -u ORION_TOKEN_FILE -u ORION_CLIENT_LIB -u LD_LIBRARY_PATH)
        "${clean[@]}" "${emulator[@]}" "$stage/bin/orion" env --server tcp://gpu-host:7450 > "$work/env.out"
        grep -qx "export ORION_CLIENT_LIB='$stage/lib/orion/liborion_client.so'" "$work/env.out" \
            || { cat "$work/env.out"; fail "bin/orion for $rid did not find lib/orion"; }
        make -s -C native/nvml_front_end BUILD="$work/native-$rid/nvml_front_end" CC="$cc" query
        port=$((20000 + RANDOM % 20000))
        "${clean[@]}" "${emulator[@]}" "$stage/bin/orion-server" --listen "tcp://127.0.0.1:$port" --emulated \
            > "$work/server-$rid.log" 2>&1 &
        server=$!
        for _ in $(seq 1 300); do grep -q 'ready on' "$work/server-$rid.log" && break; sleep 0.1; done
        smi_ok=0 nvml_ok=0
        "${clean[@]}" "${emulator[@]}" "$stage/bin/orion" smi --server "tcp://127.0.0.1:$port" > "$work/smi.out" 2>&1 \
            && grep -q 'Orion emulated device' "$work/smi.out" && smi_ok=1
        "${clean[@]}" LD_LIBRARY_PATH="$stage/lib/orion" ORION_CLIENT_LIB="$stage/lib/orion/liborion_client.so" \
            ORION_SERVER="127.0.0.1:$port" "${emulator[@]}" "$work/native-$rid/nvml_front_end/nvml_query" > "$work/nvml.out" 2>&1 \
            && grep -q '^device 0 name: Orion emulated device$' "$work/nvml.out" && nvml_ok=1
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        [ "$smi_ok" = 1 ] || { cat "$work/server-$rid.log" "$work/smi.out"; fail "bin/orion smi for $rid did not answer"; }
        [ "$nvml_ok" = 1 ] || { cat "$work/server-$rid.log" "$work/nvml.out"; fail "an NVML program through lib/orion for $rid failed"; }
        echo "PASS $rid${emulator[0]:+ (under ${emulator[0]})}: bin/orion finds lib/orion; bin/orion-server serves an emulated device" \
            "to bin/orion smi and to an NVML program through lib/orion"
    fi
    glibc=$(for file in "$stage"/bin/* "$stage"/lib/orion/*; do objdump -T "$file"; done 2>/dev/null \
        | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)

    cat > "$stage/INSTALL.md" <<EOF
# Orion $version for $rid

Native files only: nothing here needs .NET, a compiler or root. Needs glibc $glibc or later.

| file | what |
| --- | --- |
| \`bin/orion\` | the command: \`orion run\`, \`orion env\`, \`orion smi\` (doc/cli.md) |
| \`lib/orion/\` | the client runtime \`orion\` puts in front of a program: \`liborion_client.so\` (the client), Orion's \`libcuda.so.1\` (+ the \`libcuda.so\` link), \`libcudart.so.13\`, \`libnvidia-ml.so.1\`, \`liborion_ibverbs.so\` (RDMA) |
| \`bin/orion-server\` | the server, for the machine with the GPUs (doc/server.md); \`bin/liborion_ibverbs.so\` is its RDMA shim |
| \`doc/\` | the command, the server and the environment variables (\`configuration.md\`), from Orion's docs/ |

## Install

    tar xzf $name.tar.gz -C /opt            # or anywhere: the folder may be moved, bin/ and lib/ stay together
    ln -s /opt/$name/bin/orion /usr/local/bin/orion    # optional

\`orion\` finds \`lib/orion\` beside its own \`bin/\` (links to it are followed); \`--runtime DIR\` or \`ORION_RUNTIME\`
name another folder.

## Use

On the GPU machine (NVIDIA driver with CUDA 13), with a token file only you can read:

    umask 077; head -c 32 /dev/urandom | base64 > ~/.orion-token
    /opt/$name/bin/orion-server --listen tcp://0.0.0.0:7450 --token-file ~/.orion-token

On a client, with a copy of the token file (mode 0600):

    export ORION_TOKEN_FILE=~/.orion-token
    orion smi --server tcp://gpu-host:7450
    orion run --server tcp://gpu-host:7450 -- python3 train.py

Without \`orion\`: \`LD_LIBRARY_PATH=/opt/$name/lib/orion ORION_SERVER=gpu-host:7450 ./my_cuda_program\`.
EOF
    cp LICENSE "$stage/"
    mkdir -p "$stage/doc"
    cp docs/cli.md docs/server.md docs/configuration.md "$stage/doc/"

    tar czf "$out/$name.tar.gz" --owner=0 --group=0 --numeric-owner --sort=name -C "$work" "$name"
    made+=("$name.tar.gz")
    echo "built $out/$name.tar.gz (glibc $glibc or later)"
done

[ ${#made[@]} -gt 0 ] || fail "nothing was built"
(cd "$out" && sha256sum "${made[@]}" > SHA256SUMS && sha256sum -c --quiet SHA256SUMS)
echo "release $version:"
for tarball in "${made[@]}"; do echo "  $out/$tarball"; done
echo "  $out/SHA256SUMS"
