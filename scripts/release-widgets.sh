#!/usr/bin/env bash
# Proves a release build of examples/pizzaz is one self-contained file: every widget's HTML is
# embedded in the binary and served exactly as built (examples/pizzaz/tests/release.rs, which
# holds tests in release builds only).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo test --locked --release -p pizzaz --test release
