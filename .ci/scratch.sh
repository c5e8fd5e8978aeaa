# Sourced by the scripts that run an outside tool against a server `checks serve` started
# (.ci/fuzz.sh, .ci/scim.sh): `step`, and a scratch directory `$work` that goes on exit
# together with the server (its pid in SERVE_PID), the server's log shown on failure.

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

# Makes `$work` (named after $1) and sets the exit trap that cleans up.
make_scratch() {
  work=$(mktemp -d "/var/tmp/$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

cleanup() {
  local status=$?
  # `checks serve` kills the server and drops its database on SIGTERM (or when its standard
  # input, our coprocess pipe, closes because the script died).
  if [[ -n "${SERVE_PID:-}" ]] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$work/server.log" ]]; then
    echo "-- last lines of the server log:"
    tail -n 40 "$work/server.log" || true
  fi
  rm -rf "$work"
  exit "$status"
}
