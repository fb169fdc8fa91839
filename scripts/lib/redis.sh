# Installing redis-server from Debian's packages, for the Redis store tests of fastapps-core
# (fastapps-core/tests/oauth_store.rs starts its own servers on 127.0.0.1). Source it after
# defining `die`. The tests use REDIS_SERVER when set, else redis-server on the PATH.

ensure_redis_server() {
    if [[ -n ${REDIS_SERVER:-} ]]; then
        [[ -x $REDIS_SERVER ]] || die "REDIS_SERVER=$REDIS_SERVER does not exist or is not executable"
        echo "redis-server: $REDIS_SERVER ($("$REDIS_SERVER" --version))"
        return
    fi
    if command -v redis-server >/dev/null; then
        echo "redis-server: $(command -v redis-server) ($(redis-server --version))"
        return
    fi
    command -v apt-get >/dev/null ||
        die "redis-server is missing and there is no apt-get to install it; install Redis and set REDIS_SERVER"
    local sudo=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "redis-server is missing and it cannot be installed (not root, and no passwordless sudo);" \
                "run: sudo apt-get install -y --no-install-recommends redis-server"
        fi
    fi
    echo "redis-server is missing; installing Debian's redis-server package"
    echo "+ ${sudo[*]:+${sudo[*]} }apt-get update"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
        die "apt-get update failed"
    echo "+ ${sudo[*]:+${sudo[*]} }apt-get install -y --no-install-recommends redis-server"
    # Where systemd runs, the package also starts its own service on port 6379; the tests do not
    # use it (each starts its own server on a free port).
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server ||
        die "apt-get install redis-server failed"
    command -v redis-server >/dev/null || die "redis-server was installed but is not on the PATH"
    echo "redis-server: $(command -v redis-server) ($(redis-server --version))"
}
