#!/usr/bin/env bash
# SCIM 2.0 compliance: a pinned third-party checker (scim2-tester, PyPI) runs every check it
# has against /scim/v2 of a real `calliyo serve` on a fresh database, with an API key holding
# every permission. No failure of a MUST is accepted, beyond the few documented in
# .ci/scim_compliance.py (its allowlist, each entry with the reason it is no MUST).
#
#   bash .ci/scim.sh            # SQLite
#   bash .ci/scim.sh postgres   # a fresh PostgreSQL database at PG_HOST:PG_PORT
#
# Builds nothing: the caller (.ci/run) builds `calliyo` and `checks` first.
# Everything it needs is made here and removed on exit: the database, the server process, the
# scratch directory. The venv (pinned by .ci/scim-requirements.txt) is reused between runs.
#
# Knobs (environment): CARGO_TARGET_DIR, SCIM_VENV, PG_HOST, PG_PORT.
#
# The server is started by the test harness (`checks serve`, tests/src/bin/checks), like every
# other server the checks start: same environment, same readiness wait.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND="${1:-sqlite}"
case "$BACKEND" in
  sqlite | postgres) ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/calliyo-target}"
VENV="${SCIM_VENV:-$CARGO_TARGET_DIR/scim-venv}"
REQUIREMENTS=.ci/scim-requirements.txt
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
# The checker's version, as pinned in the requirements.
TESTER_VERSION=$(sed -n 's/^scim2-tester\(\[[^]]*\]\)\?==//p' "$REQUIREMENTS")
[[ -n "$TESTER_VERSION" ]] || { echo "no scim2-tester pin in $REQUIREMENTS"; exit 1; }

# shellcheck source=.ci/scratch.sh
source .ci/scratch.sh
make_scratch calliyo-scim

step "scim2-tester $TESTER_VERSION in $VENV"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
installed=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("scim2-tester"))' 2>/dev/null || true)
if [[ "$installed" != "$TESTER_VERSION" ]]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
fi
"$VENV/bin/python" -c 'from importlib.metadata import version; print("scim2-tester", version("scim2-tester"))'

checks="$CARGO_TARGET_DIR/debug/checks"
[[ -x "$checks" ]] || { echo "$checks is missing: build it first (cargo build -p tests --bin checks)"; exit 1; }

step "checks serve $BACKEND: calliyo serve on a fresh database, one company signed up"
if [[ "$BACKEND" == postgres ]]; then
  pg_isready -h "$PG_HOST" -p "$PG_PORT"
fi
# The harness gives the company's admin a random password and prints one JSON line: the base
# URL and the company's code, email, password and access token.
coproc SERVE {
  PG_HOST="$PG_HOST" PG_PORT="$PG_PORT" RUST_LOG="${RUST_LOG:-error}" \
    exec "$checks" serve "$BACKEND" --company scim-check --log-file "$work/server.log"
}
ready=""
read -r ready <&"${SERVE[0]}" || true
[[ -n "$ready" ]] || { echo "checks serve did not start the server"; exit 1; }
json_get() { "$VENV/bin/python" -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
base=$(json_get 'd["base"]' <<<"$ready")
token=$(json_get 'd["companies"][0]["token"]' <<<"$ready")
echo "listening on $base (checks serve, pid $SERVE_PID)"

# Authenticated JSON requests as the admin; curl -f fails the script on any non-2xx answer.
api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-fsS -X "$method" "$base$path" -H "Authorization: Bearer $token")
  if [[ -n "$body" ]]; then
    args+=(-H 'Content-Type: application/json' -d "$body")
  fi
  curl "${args[@]}"
}

step "an API key with every permission, two departments, two branches"
# The key holds every permission the admin holds (all of them): SCIM needs agent:* for Users
# and role:* for Groups, and the key's permissions bound what provisioning may grant.
permissions=$(api GET /api/v1/me | json_get 'json.dumps(d["permissions"])')
key=$(api POST /api/v1/api-keys "{\"name\":\"scim2-tester\",\"permissions\":$permissions}" \
  | json_get 'd["key"]')
# The names scim_compliance.py gives enterprise `department` and Calliyo `branch` (the
# product refuses names that do not exist in the company); roles Agent and Manager exist.
for name in "SCIM Dept A" "SCIM Dept B"; do
  api POST /api/v1/departments "{\"name\":\"$name\"}" >/dev/null
done
for name in "SCIM Branch A" "SCIM Branch B"; do
  api POST /api/v1/branches "{\"name\":\"$name\"}" >/dev/null
done
echo "API key with $(json_get 'len(d)' <<<"$permissions") permissions"

step "scim2-tester against $base/scim/v2 ($BACKEND)"
SCIM_API_KEY="$key" "$VENV/bin/python" .ci/scim_compliance.py "$base/scim/v2"
echo
echo "SCIM compliance ($BACKEND) passed"
