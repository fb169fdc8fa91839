#!/usr/bin/env bash
# End-to-end test of the fastapps CLI (tests/browser/scaffold.test.mjs): in a temp folder,
# `fastapps init demo` against this checkout, `fastapps create second --auth --scopes read
# --template list`, `fastapps build`, `cargo build` and the new project's own tests,
# `fastapps tools` and `fastapps csp`; then `fastapps dev` with its widget preview page in
# headless Chromium, a restart after a source change, and a clean stop.
#
# Installs what it needs like scripts/browser-test.sh: Debian's chromium when missing and the
# pinned Node packages of tests/browser. The new project's npm packages come from the npm
# registry and its crates from crates.io (pinned by this checkout's Cargo.lock); nothing else
# leaves 127.0.0.1.
#
# Usage: scripts/cli-test.sh
#
# Environment (all optional):
#   CHROMIUM              the browser (default /usr/bin/chromium, installed from apt when missing)
#   NODE                  Node >= 20.19 binary (default: node on PATH)
#   CLI_TEST_DIR          where the project goes (default: a fresh temp dir, removed afterwards)
#   CLI_TEST_RUN_TIMEOUT  seconds the whole test may take (2400)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD
TOOLS_DIR=tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NODE=${NODE:-node}
RUN_TIMEOUT=${CLI_TEST_RUN_TIMEOUT:-2400}

die() {
    printf 'cli-test: error: %s\n' "$*" >&2
    exit 1
}

section() {
    printf '\n==> %s\n' "$*"
}

# shellcheck source=lib/process.sh
source "$REPO_ROOT/scripts/lib/process.sh"
# shellcheck source=lib/setup.sh
source "$REPO_ROOT/scripts/lib/setup.sh"
# shellcheck source=lib/browser.sh
source "$REPO_ROOT/scripts/lib/browser.sh"

stop_on_exit cli-test

command -v setsid >/dev/null || die "setsid (util-linux) not found"
command -v timeout >/dev/null || die "timeout (coreutils) not found"

section "CLI test: Chromium"
ensure_chromium

section "CLI test: Node tooling"
install_browser_tools

section "CLI test: building fastapps"
echo "+ cargo build --locked -p fastapps-cli"
cargo build --locked -p fastapps-cli || die "cargo build -p fastapps-cli failed"
# The new project shares the target directory, so the framework's crates compile once.
TARGET_DIR=$(cargo_target_dir "$NODE")
FASTAPPS_BIN=$TARGET_DIR/debug/fastapps
[[ -x $FASTAPPS_BIN ]] || die "$FASTAPPS_BIN was not built"

section "CLI test: init, create, build, cargo test, tools, csp, dev (headless Chromium)"
TEST_STATUS=0
# In its own process group (setsid), so a timeout or an interrupt also ends what it started.
FASTAPPS_BIN=$FASTAPPS_BIN FASTAPPS_PATH=$REPO_ROOT CARGO_TARGET_DIR=$TARGET_DIR CHROMIUM=$CHROMIUM \
    setsid timeout --kill-after=10 "$RUN_TIMEOUT" \
    "$NODE" --test-reporter=spec "$TOOLS_DIR/scaffold.test.mjs" </dev/null &
TEST_PID=$!
track "$TEST_PID"
wait_tracked "$TEST_PID" || TEST_STATUS=$?
if ((TEST_STATUS == 124 || TEST_STATUS == 137)); then
    echo "cli-test: the test timed out after ${RUN_TIMEOUT}s" >&2
fi
((TEST_STATUS == 0)) || die "FAILED (exit status $TEST_STATUS)"
echo "cli-test: passed"
