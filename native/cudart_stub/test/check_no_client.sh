#!/bin/sh
# Without a client library, or with a server that refuses, calls fail fast with a clear message.
set -eu
program=$1
for setting in "ORION_CLIENT_LIB=/nonexistent/liborion_client.so" "ORION_TEST_MOCK_REFUSE=1"; do
    log=$(mktemp)
    if [ "$setting" = "ORION_TEST_MOCK_REFUSE=1" ]; then
        env ORION_CLIENT_LIB="$(dirname "$program")/mock/liborion_client.so" "$setting" timeout 10 "$program" no-server 2> "$log"
    else
        env "$setting" timeout 10 "$program" no-server 2> "$log"
    fi
    grep -q '^orion: ' "$log" || { echo "check_no_client ($setting): no message on stderr"; cat "$log"; exit 1; }
    echo "check_no_client ($setting): $(head -1 "$log")"
    rm -f "$log"
done
