#!/bin/sh
# The linker version script: exactly the export list's names (cudbg* excluded, see
# gen_unsupported.sh) are global, everything else is local.
# usage: gen_version_script.sh EXPORTS OUT.map
set -eu
{
    echo '{'
    echo '  global:'
    grep -v '^cudbg' "$1" | sed 's/.*/    &;/'
    echo '  local: *;'
    echo '};'
} > "$2"
