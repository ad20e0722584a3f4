#!/usr/bin/env bash
# Records the public API as it now is in each package's PublicAPI.Unshipped.txt (Directory.Build.targets: the
# build fails with RS0016/RS0017 while a public member is added, changed or removed without being recorded).
# Builds the solution with those diagnostics as warnings, then for each one:
#   RS0016 (a public symbol not listed)                  appends it to PublicAPI.Unshipped.txt;
#   RS0017 (a listed symbol that is gone or not public)  drops it from Unshipped, or records it as *REMOVED* there.
# A package without the two files (a new project) gets them. Review the diff: it is the API change.
#
#   scripts/update-public-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --no-incremental: the analyzer speaks only when a project compiles, and an up-to-date project would not
dotnet build Orion.Transport.sln -c Release -nologo -v q --no-incremental -p:TreatWarningsAsErrors=false > "$log" 2>&1 || true

python3 - "$log" "$PWD" <<'EOF'
import collections, os, re, sys

log, root = sys.argv[1], sys.argv[2]
added, removed = collections.defaultdict(set), collections.defaultdict(set)
pattern = re.compile(r"^(\S+?)\(\d+,\d+\): warning (RS0016|RS0017): Symbol '(.*)' is (?:not part of|part of) the declared")
for line in open(log, encoding="utf-8", errors="replace"):
    match = pattern.match(line.strip())
    if not match:
        continue
    path, code, symbol = match.groups()
    project = os.path.relpath(path, root).split(os.sep)[:2]  # src/Project
    (added if code == "RS0016" else removed)[os.path.join(root, *project)].add(symbol)

for project in sorted(set(added) | set(removed)):
    shipped, unshipped = (os.path.join(project, f"PublicAPI.{kind}.txt") for kind in ("Shipped", "Unshipped"))
    for file in (shipped, unshipped):
        if not os.path.exists(file):
            open(file, "w").write("#nullable enable\n")
    shipped_lines = open(shipped).read().splitlines()
    lines = open(unshipped).read().splitlines()
    for symbol in sorted(removed[project]):
        if symbol in lines:
            lines.remove(symbol)
        elif symbol in shipped_lines and "*REMOVED*" + symbol not in lines:
            lines.append("*REMOVED*" + symbol)
    lines += sorted(symbol for symbol in added[project] if symbol not in lines)
    open(unshipped, "w").write("\n".join(lines) + "\n")
    print(f"{os.path.relpath(unshipped, root)}: {len(added[project])} added, {len(removed[project])} removed")
if not added and not removed:
    print("public API: every package's API is recorded already")
EOF
