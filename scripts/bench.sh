#!/usr/bin/env bash
# Load benchmark: MCP `tools/call` throughput and p50/p99 latency of the
# fixture server (conformance-server) against a bare axum baseline, in both
# protocol eras (a 2025-11-25 session, and 2026-07-28 requests with their
# `_meta`), and of a tool requiring a signed-in user (valid RS256 token)
# against the same tool without auth (bench-auth-server), measured in the
# same run. Rewrites docs/performance.md. The exit status reflects failed
# measurements and request errors only, never a throughput figure.
#
# Usage: scripts/bench.sh [bench options]
#   scripts/bench.sh                          # full run (about 5 minutes)
#   scripts/bench.sh --duration 3 --warmup 1  # quick run
#   scripts/bench.sh --stateless              # also measure the stateless mode
#   scripts/bench.sh --auth-only              # only the cost of authentication
#   scripts/bench.sh --skip-modern            # without the 2026-07-28 calls
# `target/release/bench --help` lists all options.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# fastapps-bench holds the driver (bench), bench-baseline and bench-auth-server.
cargo build --release --locked -p conformance-server -p fastapps-bench
exec "${CARGO_TARGET_DIR:-target}/release/bench" --write docs/performance.md "$@"
