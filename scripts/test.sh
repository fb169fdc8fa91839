#!/usr/bin/env bash
# Runs every check of the project, in order, stopping at the first failure:
#   1. cargo fmt --check
#   2. cargo clippy (warnings are errors)
#   3. the test suite (cargo nextest when installed, else cargo test; doctests either way),
#      with the store's SQLite and Redis backends on, after installing Debian's redis-server
#      for the Redis store tests when it is missing
#   4. cargo package of the published crates (fastapps-rules, fastapps-store, fastapps-macros,
#      fastapps-core, fastapps-oauth, fastapps-cli), each built from its package as crates.io would
#   5. the end-to-end browser test of the pizzaz widgets (scripts/browser-test.sh)
#   6. the end-to-end test of the fastapps CLI: init, create, build, the new project's tests,
#      and `fastapps dev` with its preview page in headless Chromium (scripts/cli-test.sh)
#   7. the end-to-end OAuth tests of the notes example: an external issuer, the OAuth proxy,
#      the development server, two instances sharing Redis (scripts/e2e-auth.sh)
#   8. the release build check of the pizzaz widgets (scripts/release-widgets.sh)
#   9. the official MCP conformance suite, stable and pre-release, for 2025-11-25 and
#      2026-07-28 (scripts/conformance.sh)
#  10. the official MCP clients (TypeScript SDK 1.x and 2.x, MCP Inspector CLI) in both
#      protocol eras (scripts/clients.sh)
#
# Usage: scripts/test.sh
#
# Everything runs by default. For local iteration, steps can be skipped:
#   SKIP_FMT=1          skip cargo fmt --check
#   SKIP_CLIPPY=1       skip cargo clippy
#   SKIP_LINT=1         skip both of the above
#   SKIP_TESTS=1        skip the Rust tests
#   SKIP_PACKAGE=1      skip cargo package
#   SKIP_BROWSER=1      skip the browser test
#   SKIP_CLI=1          skip the CLI test
#   SKIP_E2E_AUTH=1     skip the OAuth end-to-end test
#   SKIP_RELEASE=1      skip the release build check of the pizzaz widgets
#   SKIP_CONFORMANCE=1  skip the conformance suite
#   SKIP_CLIENTS=1      skip the MCP client test
#   NO_NEXTEST=1        use cargo test even if cargo-nextest is installed
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The run builds each crate once; incremental caches would only take disk (gigabytes of it).
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

die() {
    printf 'test.sh: error: %s\n' "$*" >&2
    exit 1
}

# shellcheck source=lib/setup.sh
source scripts/lib/setup.sh
# shellcheck source=lib/redis.sh
source scripts/lib/redis.sh

# The crates published to crates.io, in the order they depend on each other.
PUBLISHED=(fastapps-rules fastapps-store fastapps-macros fastapps-core fastapps-oauth fastapps-cli)

# The store backends the tests cover (the second clippy run checks fastapps-core without them).
STORE_FEATURES=fastapps-store/sqlite,fastapps-store/redis

section() {
    printf '\n==> %s\n' "$*"
}

# run_step NAME COMMAND...: runs COMMAND; on failure reports NAME and exits with its status.
run_step() {
    local name=$1
    shift
    printf '+ %s\n' "$*"
    local status=0
    "$@" || status=$?
    if ((status != 0)); then
        printf '\nFAILED: %s (exit status %d): %s\n' "$name" "$status" "$*" >&2
        exit "$status"
    fi
}

SKIPPED=()
skipped() {
    printf '(skipped: %s is set)\n' "$1"
    SKIPPED+=("$2")
}

# require_tool SUBCOMMAND COMPONENT: fails clearly when a cargo subcommand is missing.
require_tool() {
    if ! cargo "$1" --version >/dev/null 2>&1; then
        printf '\nFAILED: "cargo %s" is not available; install it with: rustup component add %s\n' \
            "$1" "$2" >&2
        exit 1
    fi
}

is_set() {
    [[ -n ${!1:-} && ${!1} != 0 ]]
}

section "1/10 Formatting (cargo fmt --check)"
if is_set SKIP_LINT; then
    skipped SKIP_LINT formatting
elif is_set SKIP_FMT; then
    skipped SKIP_FMT formatting
else
    require_tool fmt rustfmt
    run_step "formatting check; run 'cargo fmt --all' to fix" \
        cargo fmt --all -- --check
fi

section "2/10 Lints (cargo clippy, warnings are errors)"
if is_set SKIP_LINT; then
    skipped SKIP_LINT clippy
elif is_set SKIP_CLIPPY; then
    skipped SKIP_CLIPPY clippy
else
    require_tool clippy clippy
    run_step "clippy" \
        cargo clippy --workspace --all-targets --locked -- -D warnings
    # The workspace build has the store's backends and the test client on (the notes example
    # and the tests use them); the core's library must be clean without them too.
    run_step "clippy (fastapps-core without its features)" \
        cargo clippy -p fastapps-core --lib --locked -- -D warnings
fi

section "3/10 Tests"
if is_set SKIP_TESTS; then
    skipped SKIP_TESTS tests
else
    ensure_redis_server
    if ! is_set NO_NEXTEST && cargo nextest --version >/dev/null 2>&1; then
        run_step "tests (cargo nextest)" \
            cargo nextest run --workspace --locked --no-tests=warn --features "$STORE_FEATURES"
        # nextest does not run doctests.
        run_step "doctests" \
            cargo test --workspace --doc --locked --features "$STORE_FEATURES"
    else
        run_step "tests (cargo test)" \
            cargo test --workspace --locked --features "$STORE_FEATURES"
    fi
fi

section "4/10 Packages (cargo package, each built from its .crate)"
if is_set SKIP_PACKAGE; then
    skipped SKIP_PACKAGE package
else
    package_args=()
    for crate in "${PUBLISHED[@]}"; do
        package_args+=(-p "$crate")
    done
    # One run for all: the crates depend on each other and none is on crates.io yet, so cargo
    # gives each verification build the others through a local registry. Those builds go to
    # the workspace's target directory (CARGO_TARGET_DIR too), so a dependency already
    # compiled with the same features is not compiled again.
    run_step "cargo package" cargo package --locked "${package_args[@]}"
fi

section "5/10 Browser test (pizzaz widgets in an MCP Apps host, headless Chromium)"
if is_set SKIP_BROWSER; then
    skipped SKIP_BROWSER browser
else
    run_step "browser test" scripts/browser-test.sh
fi

section "6/10 CLI end-to-end test (init, create, build, project tests, dev and its preview page)"
if is_set SKIP_CLI; then
    skipped SKIP_CLI cli
else
    run_step "CLI test" scripts/cli-test.sh
fi

section "7/10 OAuth end-to-end tests (notes + oidc-provider + MCP TypeScript SDK client)"
if is_set SKIP_E2E_AUTH; then
    skipped SKIP_E2E_AUTH e2e-auth
else
    run_step "OAuth end-to-end test" scripts/e2e-auth.sh
fi

section "8/10 Release build (pizzaz serves its widgets with no assets/ folder)"
if is_set SKIP_RELEASE; then
    skipped SKIP_RELEASE release
else
    run_step "release widgets" scripts/release-widgets.sh
fi

section "9/10 MCP conformance suite (0.1.16; 0.2.0-alpha --requirements 2025-11-25 and 2026-07-28)"
if is_set SKIP_CONFORMANCE; then
    skipped SKIP_CONFORMANCE conformance
else
    run_step "conformance suite" scripts/conformance.sh
fi

section "10/10 MCP clients in both eras (TypeScript SDK 1.x and 2.x, MCP Inspector CLI)"
if is_set SKIP_CLIENTS; then
    skipped SKIP_CLIENTS clients
else
    run_step "MCP client test" scripts/clients.sh
fi

if ((${#SKIPPED[@]} == 0)); then
    printf '\nAll checks passed.\n'
else
    printf '\nAll checks that ran passed (skipped: %s).\n' "${SKIPPED[*]}"
fi
