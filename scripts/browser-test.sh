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

SERVER_PID=
WORK_DIR=

# shellcheck source=lib/process.sh
source "$REPO_ROOT/scripts/lib/process.sh"
# shellcheck source=lib/setup.sh
source "$REPO_ROOT/scripts/lib/setup.sh"
# shellcheck source=lib/browser.sh
source "$REPO_ROOT/scripts/lib/browser.sh"
stop_on_exit browser-test

# ---------------------------------------------------------------------------------------
# The pizzaz server.

# Starts the server on a free port of 127.0.0.1 and waits for its "listening on" line.
# Sets SERVER_PID, SERVER_URL.
start_server() {
    local out=$WORK_DIR/server-stdout.log
    SERVER_LOG=$WORK_DIR/server-stderr.log
    : >"$out"
    echo "+ $SERVER_BIN --host 127.0.0.1 --port 0"
    # In its own session/process group, so that stopping it also stops anything it spawned.
    NO_COLOR=1 setsid "$SERVER_BIN" --host 127.0.0.1 --port 0 >"$out" 2>"$SERVER_LOG" </dev/null &
    SERVER_PID=$!
    track "$SERVER_PID"
    wait_first_line server "$SERVER_PID" "$out" '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$' \
        "$STARTUP_TIMEOUT" || server_failed "$FIRST_LINE_ERROR"
    SERVER_URL=$FIRST_MATCH
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

make_work_dir browser-test "${BROWSER_TEST_OUTPUT_DIR:-}"
KEEP_WORK_DIR=1 # the screenshots are worth a look after a success too

section "Browser test: Chromium"
ensure_chromium
"$CHROMIUM" --version 2>/dev/null || true

section "Browser test: Node tooling"
install_browser_tools

section "Browser test: building the pizzaz server"
build_binary pizzaz "$NODE" "${BROWSER_TEST_SERVER_BIN:-}"
SERVER_BIN=$BINARY

section "Browser test: pizzaz widgets in an MCP Apps host (headless Chromium)"
start_server
TEST_STATUS=0
# In its own process group (setsid), so a timeout or an interrupt also ends its Chromium.
MCP_URL=$SERVER_URL CHROMIUM=$CHROMIUM BROWSER_TEST_OUTPUT_DIR=$WORK_DIR \
    setsid timeout --kill-after=10 "$RUN_TIMEOUT" \
    "$NODE" --test-reporter=spec "$TOOLS_DIR/widgets.test.mjs" </dev/null &
TEST_PID=$!
track "$TEST_PID"
wait_tracked "$TEST_PID" || TEST_STATUS=$?
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
