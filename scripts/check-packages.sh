#!/usr/bin/env bash
# Checks the NuGet packages (docs/packages.md): packs the solution (dotnet pack -c Release), opens each .nupkg and
# fails when one lacks a native file it must carry or carries one for the wrong machine, lacks the package README,
# or (every package with an assembly) its symbol package (.snupkg) with a PDB whose SourceLink maps the sources to the
# commit packed; then checks that a pack whose ibverbs shim cannot be built stops with an error naming the file (it
# used to leave the shim out).
#
#   scripts/check-packages.sh [DIR]     DIR: where the packages go (default: a temporary folder, removed afterwards)
#
# ORION_PACK_RIDS="linux-x64 linux-arm64" also packs and checks linux-arm64 (needs gcc-aarch64-linux-gnu).
# Called by scripts/test.sh; ORION_PACKED_CLIENT_LIB=FILE makes it leave the packed liborion_client.so (linux-x64)
# there, for the .NET tests to use instead of publishing their own.
set -euo pipefail
cd "$(dirname "$0")/.."

rids=${ORION_PACK_RIDS:-linux-x64}
if [ -n "${1:-}" ]; then
    dir=$(realpath -m "$1")
    mkdir -p "$dir"
else
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
fi
rm -f "$dir"/*.nupkg "$dir"/*.snupkg

echo "== packages: dotnet pack for ${rids// /, }"
dotnet pack Orion.Transport.sln -c Release -o "$dir" -nologo -v q "-p:OrionPackRuntimeIdentifiers=\"${rids// /;}\""

# What each package must carry in runtimes/RID/native, for every packed RID.
python3 - "$dir" "$rids" "$(git rev-parse HEAD 2>/dev/null || true)" <<'EOF'
import glob, json, os, re, sys, zipfile

folder, rids, packed_commit = sys.argv[1], sys.argv[2].split(), sys.argv[3]
readme = open("src/PACKAGE-README.md", "rb").read()
repository = "https://github.com/orion-gpu/orion"
# The assembly whose PDB each package's symbol package must carry (none: native files only, no symbol package).
assemblies = {"Orion.Cuda.Client.Runtime": None, "Orion.Cli": "tools/net10.0/any/orion"}
machines = {"linux-x64": 62, "linux-arm64": 183}  # ELF e_machine: EM_X86_64, EM_AARCH64
native = {
    "Orion.Cuda.Client.Runtime": ["liborion_client.so", "libcuda.so.1", "libcudart.so.13", "libnvidia-ml.so.1",
                                  "liborion_ibverbs.so"],
    "Orion.Transport.Rdma": ["liborion_ibverbs.so"],
}
managed_only = ["Orion.Transport", "Orion.Transport.Tcp", "Orion.Transport.SharedMemory", "Orion.Cuda.Protocol", "Orion.Cuda.Remote",
                "Orion.Server.Core", "Orion.Cli"]
problems, checked = [], 0
for package in list(native) + managed_only:
    found = [p for p in glob.glob(os.path.join(folder, package + ".*.nupkg"))
             if os.path.basename(p)[len(package) + 1:-len(".nupkg")][:1].isdigit()]
    if len(found) != 1:
        problems.append(f"{package}: expected one package in {folder}, found {len(found)}")
        continue
    with zipfile.ZipFile(found[0]) as archive:
        entries = {info.filename: info for info in archive.infolist()}
        present = sorted(name for name in entries if name.startswith("runtimes/"))
        expected = [f"runtimes/{rid}/native/{name}" for rid in rids for name in native.get(package, [])]
        for entry in expected:
            checked += 1
            if entry not in entries:
                problems.append(f"{os.path.basename(found[0])} lacks {entry}")
                continue
            head = archive.read(entry)[:20]
            rid = entry.split("/")[1]
            if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
                problems.append(f"{os.path.basename(found[0])}: {entry} is not a 64-bit little-endian ELF file")
            elif int.from_bytes(head[16:18], "little") != 3:
                problems.append(f"{os.path.basename(found[0])}: {entry} is not a shared object")
            elif int.from_bytes(head[18:20], "little") != machines[rid]:
                problems.append(f"{os.path.basename(found[0])}: {entry} is for ELF machine "
                                f"{int.from_bytes(head[18:20], 'little')}, not {rid}")
        for entry in present:
            if entry not in expected:
                problems.append(f"{os.path.basename(found[0])} carries an unexpected {entry}")
        if package in managed_only and package != "Orion.Cli" and f"lib/net10.0/{package}.dll" not in entries:
            problems.append(f"{os.path.basename(found[0])} lacks lib/net10.0/{package}.dll")
        name = os.path.basename(found[0])
        nuspec = archive.read(f"{package}.nuspec").decode()
        checked += 1
        if "<readme>README.md</readme>" not in nuspec or "README.md" not in entries:
            problems.append(f"{name} has no package README (PackageReadmeFile README.md)")
        elif archive.read("README.md") != readme:
            problems.append(f"{name}: README.md is not src/PACKAGE-README.md")
        commit = re.search(r'<repository type="git" url="([^"]*)"[^>]* commit="([0-9a-f]{40})"', nuspec)
        if not commit or commit.group(1) != repository or (packed_commit and commit.group(2) != packed_commit):
            problems.append(f"{name}: the nuspec's repository is not {repository} at the commit packed ({packed_commit or 'no git'})")
    assembly = assemblies.get(package, f"lib/net10.0/{package}")
    symbols = found[0][:-len(".nupkg")] + ".snupkg"
    if assembly is None:
        if os.path.exists(symbols):
            problems.append(f"{os.path.basename(symbols)}: a native-only package should have no symbol package")
        continue
    checked += 1
    if not os.path.exists(symbols):
        problems.append(f"{os.path.basename(found[0])} has no symbol package {os.path.basename(symbols)}")
        continue
    with zipfile.ZipFile(symbols) as archive:
        if assembly + ".pdb" not in archive.namelist():
            problems.append(f"{os.path.basename(symbols)} lacks {assembly}.pdb")
            continue
        pdb = archive.read(assembly + ".pdb")
    # A portable PDB keeps its SourceLink document as plain JSON: {"documents":{"/local/path/*":"https://.../*"}}.
    start = pdb.find(b'{"documents":')
    try:
        documents = json.JSONDecoder().raw_decode(pdb[start:].decode("utf-8", "replace"))[0]["documents"] if start >= 0 else {}
    except ValueError:
        documents = {}
    raw = f"https://raw.githubusercontent.com/orion-gpu/orion/{packed_commit}"
    if not documents or not all(url.startswith(raw) and url.endswith("/*") for url in documents.values()):
        problems.append(f"{os.path.basename(symbols)}: {assembly}.pdb has no SourceLink to {raw}... (found {documents or 'none'})")
for problem in problems:
    print("FAIL packages:", problem)
if problems:
    sys.exit(1)
print(f"PASS packages: {checked} checks: native files present and built for their RID ({', '.join(rids)}), "
      f"README, symbol packages with SourceLink; {len(native) + len(managed_only)} packages")
EOF

# A pack that cannot build the shim (no rdma-core headers, a native folder without a build) must stop, naming it.
empty=$(mktemp -d)
set +e
dotnet pack src/Orion.Transport.Rdma -c Release --no-build -o "$empty/out" -nologo -v q \
    -p:OrionHaveRdmaHeaders=false -p:OrionNativeDir="$empty/" > "$empty/pack.log" 2>&1
status=$?
set -e
if [ "$status" -eq 0 ] || ! grep -q "error ORION003: Cannot pack Orion.Transport.Rdma: liborion_ibverbs.so for linux-x64 is missing ($empty/ibverbs_interop/build/liborion_ibverbs.so); building it needs the rdma-core headers" "$empty/pack.log" \
    || [ -n "$(ls "$empty/out" 2>/dev/null)" ]; then
    echo "FAIL packages: a pack without the ibverbs shim did not stop with ORION003 naming it (exit $status):"
    cat "$empty/pack.log"
    rm -rf "$empty"
    exit 1
fi
rm -rf "$empty"
echo "PASS packages: a pack without liborion_ibverbs.so stops with ORION003 naming the file"

if [ -n "${ORION_PACKED_CLIENT_LIB:-}" ]; then
    python3 - "$dir" "$ORION_PACKED_CLIENT_LIB" <<'EOF'
import glob, sys, zipfile
package = [p for p in glob.glob(sys.argv[1] + "/Orion.Cuda.Client.Runtime.*.nupkg")][0]
with zipfile.ZipFile(package) as archive, open(sys.argv[2], "wb") as out:
    out.write(archive.read("runtimes/linux-x64/native/liborion_client.so"))
EOF
fi
