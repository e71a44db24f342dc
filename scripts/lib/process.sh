# Sourced by the scripts that run a stack in the background (scripts/demo.sh, docs/capture.sh).

# stop_process PID: SIGTERM (usrnet treats it like Ctrl-C and closes its connections within a 2 s
# linger), SIGKILL if it is still there after 5 s, then reaps it. Quiet when PID is empty or gone.
stop_process() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
