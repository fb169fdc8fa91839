# redis-server for the Redis store tests (fastapps-store/tests/backends.rs
# starts its own servers on 127.0.0.1) and for scripts/e2e-auth.sh. Source it after
# lib/setup.sh. The tests use REDIS_SERVER when set, else redis-server on the PATH.

# ensure_redis_server: REDIS_SERVER or a redis-server on the PATH, installing Debian's package
# when there is neither. Where systemd runs, the package also starts its own service on port
# 6379; the tests do not use it (each starts its own server on a free port).
ensure_redis_server() {
    if [[ -n ${REDIS_SERVER:-} ]]; then
        [[ -x $REDIS_SERVER ]] || die "REDIS_SERVER=$REDIS_SERVER does not exist or is not executable"
        echo "redis-server: $REDIS_SERVER ($("$REDIS_SERVER" --version))"
        return
    fi
    if ! command -v redis-server >/dev/null; then
        apt_install redis-server
        command -v redis-server >/dev/null || die "redis-server was installed but is not on the PATH"
    fi
    echo "redis-server: $(command -v redis-server) ($(redis-server --version))"
}
