#!/usr/bin/env bash
# Contract fuzzing: schemathesis runs every check it has against every operation of the
# server's own OpenAPI document (/api-docs/openapi.json), on a fresh PostgreSQL database,
# signed in. Any failure fails the script.
#
# Everything it needs is made here and removed on exit: the database, the server process,
# the scratch directory. The venv (pinned schemathesis) and the build are reused between runs.
#
#   bash .ci/fuzz.sh            # about 4 minutes on 2 cores once the binary is built
#
# Knobs (environment): FUZZ_MAX_EXAMPLES (generated cases per operation, default 100),
# FUZZ_SEED (replays a run; random by default, and printed), FUZZ_REPORT_DIR (keep a JUnit
# report there), FUZZ_VENV, CARGO_TARGET_DIR, PG_HOST, PG_PORT.
#
# The server is started by the test harness (`checks serve`, tests/src/bin/checks), like every
# other server the checks start: same environment, same readiness wait.
#
# No operation is excluded and no check is turned off. The only adjustments are 422 for
# positive data on the operations whose rules JSON Schema cannot express, and 412 on those
# that take If-Match, and 422 for a reused Idempotency-Key on the authenticated POSTs (see
# the TOML).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/calliyo-target}"
export CARGO_TERM_COLOR=never
VENV="${FUZZ_VENV:-/var/tmp/calliyo-fuzz-venv}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-100}"
SEED="${FUZZ_SEED:-$RANDOM$RANDOM}"

# shellcheck source=.ci/scratch.sh
source .ci/scratch.sh
make_scratch calliyo-fuzz

step "schemathesis $SCHEMATHESIS_VERSION in $VENV"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
if [[ "$("$VENV/bin/st" --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/st" --version

step "cargo build -p api -p tests"
cargo build --quiet -p api --bin calliyo -p tests --bin checks
checks="$CARGO_TARGET_DIR/debug/checks"

step "checks serve: calliyo serve on a fresh PostgreSQL database, two companies signed up"
pg_isready -h "$PG_HOST" -p "$PG_PORT"
# Two tenants, each with a Company Admin: schemathesis signs in as either (WFC auth file) and
# its object_level_authorization check replays one tenant's reads as the other, which must
# never see them (404). The harness gives each admin a random password and prints one JSON
# line: the base URL and each company's code, email and password.
coproc SERVE {
  PG_HOST="$PG_HOST" PG_PORT="$PG_PORT" RUST_LOG="${RUST_LOG:-error}" \
    exec "$checks" serve postgres --company fuzz-alpha --company fuzz-beta --log-file "$work/server.log"
}
ready=""
read -r ready <&"${SERVE[0]}" || true
[[ -n "$ready" ]] || { echo "checks serve did not start the server"; exit 1; }
field() { "$VENV/bin/python" -c "import json, sys; d = json.loads(sys.argv[1]); print($1)" "$ready"; }
base=$(field 'd["base"]')
password_a=$(field 'd["companies"][0]["password"]')
password_b=$(field 'd["companies"][1]["password"]')
echo "listening on $base (checks serve, pid $SERVE_PID)"

# Schemathesis signs in through POST /api/v1/auth/login itself and caches the access token.
# The fuzzer may end its own session (DELETE /me/sessions/{id}, POST /auth/logout): on a 401
# it signs in again and replays the request (reactive re-auth), so no operation has to be
# left out of the signed-in run for that. What re-auth cannot undo (the admin changing its
# own email, password or role through PATCH /users/{id}) is caught after the run: see
# check_admins below.
login_entry() {
  local name=$1 code=$2 password=$3
  printf '{"name":"%s","loginEndpointAuth":{"endpoint":"/api/v1/auth/login","verb":"POST","contentType":"application/json","payloadRaw":"{\\"company\\":\\"%s\\",\\"email\\":\\"admin@%s.example\\",\\"password\\":\\"%s\\"}","token":{"extractFrom":"body","extractSelector":"/access_token","sendIn":"header","sendName":"Authorization","sendTemplate":"Bearer {token}"}}}' \
    "$name" "$code" "$code" "$password"
}
printf '{"schemaVersion":"0.1.0","auth":[%s,%s]}\n' \
  "$(login_entry alpha fuzz-alpha "$password_a")" \
  "$(login_entry beta fuzz-beta "$password_b")" >"$work/auth.json"

# schemathesis' default expected statuses for positive data, and those plus 422 or 412.
DEFAULT_STATUSES='"2xx", "3xx", "401", "403", "404", "409", "429", "5xx"'
ALLOW_422="$DEFAULT_STATUSES, \"422\""
ALLOW_412="$DEFAULT_STATUSES, \"412\""
cat >"$work/schemathesis.toml" <<TOML
# Every check schemathesis has, over every operation and every phase.
[auth.wfc]
path = "$work/auth.json"
user = "alpha"
peers = ["alpha", "beta"]

[generation]
max-examples = $MAX_EXAMPLES

# positive_data_acceptance expects a schema-valid request to succeed (or 401/403/404/409/429).
# The schema states every rule JSON Schema can express (lengths, patterns, enums, ranges, the
# weak M-PINs); the operations below also refuse well-typed requests with 422 for rules it
# cannot express, as CONTRACT.md requires. 422 is added for them alone, each for its reason
# (schemathesis' documented remedy for ST202); every other check stays as it is. Likewise 412
# on the operations that take If-Match (CONTRACT.md v1.1): a tag the fuzzer makes up names no
# version of the resource, so the change is refused by design. And on every authenticated POST
# (they take Idempotency-Key, CONTRACT.md v1.1) the fuzzer reuses its made-up keys with other
# requests, which is 422 idempotency_key_reused by design (409 idempotency_conflict, a key
# still running, is in the defaults already). Each operation is named in one entry only.

# An id in the body that names nothing in this company (role_id, department_id, branch_id,
# assignee_id), and a password equal to the email or on the common-password list; and a
# reused Idempotency-Key.
[[operations]]
include-name = "POST /api/v1/users"
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422]

# As POST /users, and an If-Match naming a version the user does not have (any tag the
# fuzzer makes up): 412 by design (CONTRACT.md v1.1, concurrent edits).
[[operations]]
include-name = "PATCH /api/v1/users/{id}"
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422, "412"]

# assignee_id naming no user of this company; and a reused Idempotency-Key.
[[operations]]
include-name = ["POST /api/v1/leads", "POST /api/v1/leads/batch"]
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422]

# As POST /leads, and a made-up If-Match.
[[operations]]
include-name = "PATCH /api/v1/leads/{id}"
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422, "412"]

# A made-up If-Match.
[[operations]]
include-name = [
  "DELETE /api/v1/users/{id}", "DELETE /api/v1/leads/{id}",
  "PATCH /api/v1/roles/{id}", "DELETE /api/v1/roles/{id}",
  "PATCH /api/v1/departments/{id}", "DELETE /api/v1/departments/{id}",
  "PATCH /api/v1/branches/{id}", "DELETE /api/v1/branches/{id}",
]
checks.positive_data_acceptance.expected-statuses = [$ALLOW_412]

# A reused Idempotency-Key.
[[operations]]
include-name = [
  "POST /api/v1/roles", "POST /api/v1/departments", "POST /api/v1/branches",
  "POST /api/v1/leads/distribute",
]
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422]

# An expiry in the past (the schema says date-time; "in the future" is not expressible); and
# a reused Idempotency-Key.
[[operations]]
include-name = "POST /api/v1/api-keys"
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422]

# A webhook URL the rule refuses though it is a well-formed URI (not https, or a host that is
# loopback, private or otherwise non-public: CONTRACT.md v1.1; JSON Schema cannot say it);
# and, on the POST, a reused Idempotency-Key. The fuzzing server delivers no webhook
# (`checks serve` runs without delivery), so the URLs it makes up are never called.
[[operations]]
include-name = ["POST /api/v1/webhooks", "PATCH /api/v1/webhooks/{id}"]
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422]

# The admin's password equal to the email or on the common-password list.
[[operations]]
include-name = "POST /api/v1/signup"
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422]

# Left out: the current password these two ask for counts like a sign-in attempt (CONTRACT.md
# v1.1), so the fuzzer's guesses lock the very admin it signs in as after five, and every
# later request would test nothing. Their answers (422 on the weak value first, 422 on a wrong
# password, 423 after five) are tested in tests/tests/api/{me_secrets,credentials}.rs.
[[operations]]
include-name = ["PUT /api/v1/me/password", "PUT /api/v1/me/mpin"]
enabled = false

# An agent limit below the seats in use, and a made-up If-Match.
[[operations]]
include-name = "PATCH /api/v1/subscription"
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422, "412"]

# A time zone the server does not know: the document types it as a string, not an enum of
# ~600 names (CONTRACT.md v1.1; the names are listed by GET /api/v1/time-zones); and a
# made-up If-Match.
[[operations]]
include-name = "PATCH /api/v1/settings"
checks.positive_data_acceptance.expected-statuses = [$ALLOW_422, "412"]

# The fuzzer repeats sign-ins at made-up identities, and since v1.1 those are counted and
# locked like real accounts (CONTRACT.md: no enumeration), so the sixth is 423 by design.
[[operations]]
include-name = "POST /api/v1/auth/login"
checks.positive_data_acceptance.expected-statuses = [$DEFAULT_STATUSES, "423"]
TOML

report=()
if [[ -n "${FUZZ_REPORT_DIR:-}" ]]; then
  report=(--report junit --report-dir "$FUZZ_REPORT_DIR")
fi

step "schemathesis run (seed $SEED, $MAX_EXAMPLES examples per operation)"
# One worker: hypothesis' lambda descriptions call ast.parse, which is not thread-safe on
# CPython 3.11 ("AST constructor recursion depth mismatch" runtime errors with 2 workers).
status=0
"$VENV/bin/st" --config-file "$work/schemathesis.toml" --no-color run "$base/api-docs/openapi.json" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --mode all \
  --seed "$SEED" \
  --workers 1 \
  --request-timeout 30 \
  "${report[@]}" || status=$?

# A run is only as good as its identities: if the fuzzer signed an admin out for good (its
# own email, password or role changed), every later request was a 401 or 403 and tested
# little. Both admins must still sign in with their password and hold every permission.
json_get() { "$VENV/bin/python" -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
check_admin() {
  local code=$1 password=$2 token held catalogue
  token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"company\":\"$code\",\"email\":\"admin@$code.example\",\"password\":\"$password\"}" \
    | json_get 'd["access_token"]') || return 1
  held=$(curl -fsS "$base/api/v1/me" -H "Authorization: Bearer $token" \
    | json_get 'len(d["permissions"])') || return 1
  catalogue=$(curl -fsS "$base/api/v1/permissions" -H "Authorization: Bearer $token" \
    | json_get 'sum(len(i["actions"]) for i in d["items"])') || return 1
  [[ "$held" == "$catalogue" ]]
}
step "the fuzzed admins are intact"
if ! check_admin fuzz-alpha "$password_a" || ! check_admin fuzz-beta "$password_b"; then
  echo "an admin the fuzzer signs in as lost its sign-in or its permissions during the run:"
  echo "the run's coverage is not trustworthy; replay it with FUZZ_SEED=$SEED to see how"
  exit 1
fi
echo "both admins sign in and hold every permission"

if [[ $status -ne 0 ]]; then
  echo "schemathesis reported failures (seed $SEED; replay with FUZZ_SEED=$SEED)"
  exit "$status"
fi
echo
echo "fuzzing passed: no failures"
