# Stopping what a test script started: sourced by the scripts under scripts/.

# alive PID: the process exists and is not a zombie (Linux /proc).
alive() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# stop_pid PID: SIGTERM to the process group PID leads (the scripts start each child in a
# session of its own with setsid), up to 5 s grace, then SIGKILL, then reap. So nothing it
# spawned (a test's Chromium included) is left behind.
stop_pid() {
    local pid=$1 i
    if alive "$pid"; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
