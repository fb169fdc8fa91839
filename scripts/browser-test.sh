#!/usr/bin/env bash
# End-to-end browser test of the pizzaz widgets in an MCP Apps host (tests/browser):
# builds and starts the pizzaz example server, then drives headless Chromium with
# playwright-core through a small host page that embeds each widget (pizza-list,
# pizza-carousel, pizza-map) in a sandboxed iframe and speaks the ui/* bridge with it.
#
# Installs what it needs: Debian's chromium when /usr/bin/chromium is missing (apt-get, as
# root or through passwordless sudo), and the pinned Node packages of tests/browser with
# `npm ci` (only when node_modules is missing or the lockfile changed). playwright-core never
# downloads a browser.
#
# Usage: scripts/browser-test.sh
#
# Environment (all optional):
#   CHROMIUM                       the browser to drive (default /usr/bin/chromium, installed
#                                  from apt when missing; another path is never installed)
#   NODE                           Node >= 20 binary (default: node on PATH)
#   BROWSER_TEST_SERVER_BIN        use this server binary instead of building pizzaz
#   BROWSER_TEST_OUTPUT_DIR        where screenshots and logs go (default: a fresh temp dir,
#                                  kept and printed; the Chromium profile is always removed)
#   BROWSER_TEST_ONLY              comma-separated widgets to test (default: all three)
#   BROWSER_TEST_NO_CSP=1          embed widgets without the host's CSP (diagnosis only)
#   BROWSER_TEST_STARTUP_TIMEOUT   seconds to wait for the server's "listening on" line (60)
#   BROWSER_TEST_RUN_TIMEOUT       seconds the browser test may take (300)
#
# Only 127.0.0.1 is contacted; the server is always stopped on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD

TOOLS_DIR=tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NODE=${NODE:-node}
STARTUP_TIMEOUT=${BROWSER_TEST_STARTUP_TIMEOUT:-60}
RUN_TIMEOUT=${BROWSER_TEST_RUN_TIMEOUT:-300}

die() {
    printf 'browser-test: error: %s\n' "$*" >&2
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
        # An empty one (a failure before the server started) is not worth keeping.
        if rmdir -- "$WORK_DIR" 2>/dev/null; then
            :
        else
            printf '\nbrowser-test: screenshots and logs in %s\n' "$WORK_DIR" >&2
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stop_pid/alive, Chromium and the Node tooling.
# shellcheck source=lib/process.sh
source "$REPO_ROOT/scripts/lib/process.sh"
# shellcheck source=lib/browser.sh
source "$REPO_ROOT/scripts/lib/browser.sh"

# ---------------------------------------------------------------------------------------
# The pizzaz server.

build_server() {
    if [[ -n ${BROWSER_TEST_SERVER_BIN:-} ]]; then
        SERVER_BIN=$BROWSER_TEST_SERVER_BIN
        echo "Using BROWSER_TEST_SERVER_BIN=$SERVER_BIN (not building)"
    else
        echo "+ cargo build --locked -p pizzaz"
        cargo build --locked -p pizzaz || die "cargo build -p pizzaz failed"
        local target_dir
        # The target directory as cargo sees it (honours CARGO_TARGET_DIR and cargo config).
        target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
            "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))') ||
            die "cargo metadata failed"
        SERVER_BIN=$target_dir/debug/pizzaz
    fi
    [[ -x $SERVER_BIN ]] || die "server binary not found or not executable: $SERVER_BIN"
}

# Starts the server on a free port of 127.0.0.1 and waits for its "listening on" line.
# Sets SERVER_PID, SERVER_URL.
start_server() {
    local out=$WORK_DIR/server-stdout.log line deadline
    SERVER_LOG=$WORK_DIR/server-stderr.log
    SERVER_URL=
    : >"$out"
    echo "+ $SERVER_BIN --host 127.0.0.1 --port 0"
    # In its own session/process group, so that stopping it also stops anything it spawned.
    NO_COLOR=1 setsid "$SERVER_BIN" --host 127.0.0.1 --port 0 >"$out" 2>"$SERVER_LOG" </dev/null &
    SERVER_PID=$!
    deadline=$((SECONDS + STARTUP_TIMEOUT))
    while :; do
        # `read` succeeds only once a complete (newline-terminated) line is there.
        if IFS= read -r line <"$out"; then
            if [[ $line =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+/mcp)$ ]]; then
                SERVER_URL=${BASH_REMATCH[1]}
                break
            fi
            server_failed "unexpected first stdout line from the server: '$line'" \
                "(expected 'listening on http://127.0.0.1:<port>/mcp')"
        fi
        if ! alive "$SERVER_PID"; then
            local status=0
            wait "$SERVER_PID" || status=$?
            SERVER_PID=
            server_failed "server exited with status $status before listening"
        fi
        if ((SECONDS >= deadline)); then
            server_failed "server did not print its 'listening on' line within ${STARTUP_TIMEOUT}s"
        fi
        sleep 0.1
    done
    echo "Server (pid $SERVER_PID) listening on $SERVER_URL; logs in $WORK_DIR/server-*.log"
}

print_server_log() {
    local f
    for f in "$WORK_DIR/server-stdout.log" "$WORK_DIR/server-stderr.log"; do
        if [[ -s $f ]]; then
            echo "--- last 40 lines of $f ---"
            tail -n 40 "$f"
            echo "--- end of $(basename "$f") ---"
        fi
    done
}

server_failed() {
    printf 'browser-test: error: %s\n' "$*" >&2
    print_server_log >&2
    exit 1
}

# ---------------------------------------------------------------------------------------

command -v timeout >/dev/null || die "timeout (coreutils) not found"
command -v setsid >/dev/null || die "setsid (util-linux) not found"
command -v sha256sum >/dev/null || die "sha256sum (coreutils) not found"

if [[ -n ${BROWSER_TEST_OUTPUT_DIR:-} ]]; then
    mkdir -p "$BROWSER_TEST_OUTPUT_DIR"
    WORK_DIR=$(cd "$BROWSER_TEST_OUTPUT_DIR" && pwd)
else
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fastapps-browser-test.XXXXXX")
fi
case $WORK_DIR/ in
"$REPO_ROOT"/*) die "BROWSER_TEST_OUTPUT_DIR must be outside the repository" ;;
esac

section "Browser test: Chromium"
ensure_chromium
"$CHROMIUM" --version 2>/dev/null || true

section "Browser test: Node tooling"
install_tools
check_node

section "Browser test: building the pizzaz server"
build_server

section "Browser test: pizzaz widgets in an MCP Apps host (headless Chromium)"
start_server
TEST_STATUS=0
# In its own process group (setsid), so a timeout or an interrupt also ends its Chromium.
MCP_URL=$SERVER_URL CHROMIUM=$CHROMIUM BROWSER_TEST_OUTPUT_DIR=$WORK_DIR \
    setsid timeout --kill-after=10 "$RUN_TIMEOUT" \
    "$NODE" --test-reporter=spec "$TOOLS_DIR/widgets.test.mjs" </dev/null &
TEST_PID=$!
wait "$TEST_PID" || TEST_STATUS=$?
TEST_PID=
if ((TEST_STATUS == 124 || TEST_STATUS == 137)); then
    echo "browser-test: the test timed out after ${RUN_TIMEOUT}s" >&2
fi
if ! alive "$SERVER_PID"; then
    echo "browser-test: the server died during the test" >&2
    TEST_STATUS=1
fi
if ((TEST_STATUS != 0)); then
    print_server_log
    echo "browser-test: FAILED (exit status $TEST_STATUS)" >&2
    exit "$TEST_STATUS"
fi
echo "browser-test: all widgets passed"
