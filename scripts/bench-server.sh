# Sourced by the bench scripts: the server under measurement, started in the background
# with its pid in SERVER_PID, is stopped by `stop_server` and whenever the script exits.
SERVER_PID=

stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT
