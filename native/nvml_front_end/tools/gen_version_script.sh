#!/bin/sh
# The linker version script: exactly the export list's names are global, everything else is local. NVIDIA's
# libnvidia-ml.so.1 has no symbol versions (a function's revision is in its name, _v2, _v3), and neither has this
# library: the script names no version node.
# usage: gen_version_script.sh EXPORTS OUT.map
set -eu
{
    echo '{'
    echo '  global:'
    sed 's/.*/    &;/' "$1"
    echo '  local: *;'
    echo '};'
} > "$2"
