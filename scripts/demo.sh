#!/usr/bin/env bash
# The main job on one machine, no GPU needed: builds the Orion server, the orion command and the vector-add sample,
# starts the server with an emulated GPU on a loopback port (with a token, as off loopback it must be), shows the
# GPU it offers with `orion smi`, then runs the sample: it connects over TCP, loads a PTX module, copies two vectors
# of 1,048,576 floats to the device, launches vectorAdd, copies the sum back and checks every element on the host.
# Success ends with "demo: PASS". Needs only the .NET 10 SDK (dotnet on PATH); everything it makes is removed when
# it ends, the server stopped.
#
#   scripts/demo.sh [ELEMENTS]      ELEMENTS: the vector length (default 1048576)
set -euo pipefail
cd "$(dirname "$0")/.."

elements=${1:-1048576}
if ! command -v dotnet >/dev/null; then
    echo "demo: the .NET 10 SDK is required (dotnet not on PATH): https://dotnet.microsoft.com/download/dotnet/10.0" >&2
    exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d -t orion-demo.XXXXXX)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== demo: building the server, orion and the sample (dotnet build -c Release; a few minutes the first time)"
for project in samples/orion-server src/Orion.Cli samples/Orion.Samples.VectorAdd; do
    dotnet build "$project" -c Release -nologo -v q -o "$work/bin/$(basename "$project")" > "$work/build.log" 2>&1 \
        || { cat "$work/build.log"; echo "demo: FAIL: building $project" >&2; exit 1; }
done

echo "== demo: starting orion-server with an emulated GPU on a loopback port"
(umask 077 && head -c 32 /dev/urandom | base64 > "$work/token")
endpoint=
for attempt in 1 2 3 4 5; do
    # A port nothing answers on (bash's /dev/tcp connects); another program may take it first, hence the retries.
    port=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        continue
    fi
    "$work/bin/orion-server/orion-server" --emulated --listen "tcp://127.0.0.1:$port" --token-file "$work/token" > "$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        if grep -q "Listening on tcp://127.0.0.1:$port" "$work/server.log"; then
            endpoint=tcp://127.0.0.1:$port
            break 2
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
done
[ -n "$endpoint" ] || { cat "$work/server.log"; echo "demo: FAIL: the server did not start listening" >&2; exit 1; }
echo "   listening on $endpoint"

export ORION_TOKEN_FILE=$work/token
echo "== demo: orion smi --server $endpoint"
"$work/bin/Orion.Cli/orion" smi --server "$endpoint"

echo "== demo: vector add of $elements floats on the remote (emulated) GPU"
# The sample takes the token from ORION_TOKEN (the SDK's programs read no token file).
ORION_TOKEN=$(cat "$work/token") "$work/bin/Orion.Samples.VectorAdd/Orion.Samples.VectorAdd" "$endpoint" "$elements"

echo "demo: PASS: an Orion server with an emulated GPU served orion smi and a vector add over TCP, every element checked"
