# Starting and stopping what a test script runs: sourced by the scripts under scripts/.

# alive PID: the process exists and is not a zombie (Linux /proc).
alive() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# stop_pid PID: SIGTERM to the process group PID leads (the scripts start each child in a
# session of its own with setsid, so nothing it spawned, a test's Chromium included, is left
# behind) or, should PID lead none, to PID itself; up to 5 s grace, then SIGKILL, then reap.
stop_pid() {
    local pid=$1 i
    if alive "$pid"; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
    fi
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# wait_first_line NAME PID FILE REGEX TIMEOUT: waits up to TIMEOUT seconds for the first
# complete line PID writes to FILE (its stdout) and checks it against REGEX. On success sets
# FIRST_MATCH to the regex's first group; else returns 1 with the reason in FIRST_LINE_ERROR.
wait_first_line() {
    local name=$1 pid=$2 file=$3 regex=$4 timeout=$5 line deadline status
    FIRST_MATCH=
    FIRST_LINE_ERROR=
    deadline=$((SECONDS + timeout))
    while :; do
        # `read` succeeds only once a complete (newline-terminated) line is there.
        if IFS= read -r line <"$file"; then
            if [[ $line =~ $regex ]]; then
                FIRST_MATCH=${BASH_REMATCH[1]}
                return 0
            fi
            FIRST_LINE_ERROR="unexpected first stdout line from the $name: '$line' (expected $regex)"
            return 1
        fi
        if ! alive "$pid"; then
            status=0
            wait "$pid" || status=$?
            FIRST_LINE_ERROR="the $name exited with status $status before its first line"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            FIRST_LINE_ERROR="the $name did not print its first line within ${timeout}s"
            return 1
        fi
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------------------
# What a script started, stopped whatever happens: `stop_on_exit NAME` sets the traps, `track
# PID` after each start. On exit the processes still tracked are stopped (the newest first);
# then WORK_DIR, when set, is removed if the script succeeded (OVERALL_OK=1) and it is a temp
# folder of its own (KEEP_WORK_DIR=0, see make_work_dir), removed if empty, else kept and named.

STARTED_PIDS=()

track() {
    STARTED_PIDS+=("$1")
}

# finished PID: PID has been stopped or reaped; on exit it is left alone (its number may be
# another process's by then).
finished() {
    local kept=() pid
    for pid in "${STARTED_PIDS[@]}"; do
        [[ $pid == "$1" ]] || kept+=("$pid")
    done
    STARTED_PIDS=(${kept[@]+"${kept[@]}"})
}

# wait_tracked PID: waits for PID; returns its exit status.
wait_tracked() {
    local status=0
    wait "$1" || status=$?
    finished "$1"
    return "$status"
}

# stop_tracked PID: stops PID now (see stop_pid).
stop_tracked() {
    stop_pid "$1"
    finished "$1"
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
stop_started() {
    local status=$? i
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${STARTED_PIDS[i]}"
    done
    STARTED_PIDS=()
    if [[ -n ${WORK_DIR:-} && -d $WORK_DIR ]]; then
        if ((status == 0 && ${OVERALL_OK:-0} == 1 && ${KEEP_WORK_DIR:-1} == 0)); then
            rm -rf -- "$WORK_DIR"
        elif ! rmdir -- "$WORK_DIR" 2>/dev/null; then
            printf '\n%s: logs kept in %s\n' "$SCRIPT_NAME" "$WORK_DIR" >&2
        fi
    fi
    exit "$status"
}

stop_on_exit() {
    SCRIPT_NAME=$1
    trap stop_started EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
