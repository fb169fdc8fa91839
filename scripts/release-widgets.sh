#!/usr/bin/env bash
# Proves a release build of examples/pizzaz is one self-contained file: it builds the binary,
# hides the example's assets/ folder, runs the binary from an empty folder, and checks every
# widget's resources/read returns exactly the built HTML.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

assets=examples/pizzaz/assets
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
cargo build --locked --release -p pizzaz

work=$(mktemp -d)
hidden="$work/assets-hidden"
server_pid=""
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [[ -d $hidden ]] && mv "$hidden" "$assets"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

cp "$target_dir/release/pizzaz" "$work/pizzaz"
mv "$assets" "$hidden"
mkdir "$work/run"
(cd "$work/run" && exec ./../pizzaz --host 127.0.0.1 --port 0 >"$work/out" 2>"$work/err") &
server_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$work/out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/out")
if [[ -z $url ]]; then
    echo "FAILED: the release pizzaz did not start:" >&2
    cat "$work/err" >&2
    exit 1
fi

python3 - "$url" "$hidden" <<'PY'
import json, sys, urllib.request
url, assets = sys.argv[1], sys.argv[2]
def post(body, session=None):
    headers = {"content-type": "application/json", "accept": "application/json"}
    if session:
        headers["mcp-session-id"] = session
    req = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(req) as r:
        return r.headers.get("mcp-session-id"), json.loads(r.read())
session, _ = post({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "release-check", "version": "1"}}})
manifest = json.load(open(f"{assets}/manifest.json"))
for widget, entry in sorted(manifest["widgets"].items()):
    _, reply = post({"jsonrpc": "2.0", "id": 1, "method": "resources/read",
                     "params": {"uri": f"ui://widget/{widget}.html"}}, session)
    text = reply["result"]["contents"][0]["text"]
    expected = open(f"{assets}/{entry['html']}").read()
    assert text == expected, f"{widget}: the served HTML differs from {entry['html']}"
    print(f"ok: ui://widget/{widget}.html served from the binary ({len(text)} bytes)")
PY
