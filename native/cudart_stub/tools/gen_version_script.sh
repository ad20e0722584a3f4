#!/bin/sh
# Writes the linker version script: exactly the CUDA 13 export names, under node libcudart.so.13.
set -eu
{
    echo 'libcudart.so.13 {'
    echo '  global:'
    sort -u "$1" | sed -e '/^$/d' -e 's/.*/    &;/'
    echo '  local:'
    echo '    *;'
    echo '};'
} > "$2"
