#!/usr/bin/env bash
# The production path, tested: follow README.md's production section literally on a fresh clone of
# HEAD, a fresh virtualenv and a throwaway PostgreSQL, with gunicorn serving HTTPS with a self-signed
# certificate; then scripts/production_client.py logs in over HTTPS as the bootstrapped administrator,
# creates a unit and a user in the registers and logs in as that user; README.md's import block imports
# the example files of docs/imports.md; and the client logs in with e-ID as an imported staff member
# and as a new resident, through a real OpenID provider (tests/oidc, over HTTPS with the same
# self-signed certificate) standing in for the region's IdP and the e-ID broker.
#
# The README's block between <!-- production-path:start --> and <!-- production-path:end --> runs as
# written, except that the values of some of its `export` lines are replaced (below: the database,
# host names, proxy count, mail host, the e-ID providers, and gunicorn's address plus the certificate). Exits non-zero,
# naming the step, when any step fails or is missing. KEEP=1 keeps the temporary directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
started=$SECONDS
work=$(mktemp -d /tmp/samverkan-production-XXXXXX)
pgdir=$(mktemp -d /tmp/samverkan-pg-XXXXXX)
app=$work/app
app_pid=""
oidc_pid=""
current="setting up"

say() { echo "=== production path ($((SECONDS - started)) s): $*"; }
fail() {
  echo "=== production path FAILED at: $current" >&2
  [ $# -gt 0 ] && echo "$*" >&2
  exit 1
}
cleanup() {
  local rc=$?
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    say "stopping gunicorn"
    kill -TERM -- "-$app_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$app_pid" 2>/dev/null || true
  fi
  if [ -n "$oidc_pid" ] && kill -0 "$oidc_pid" 2>/dev/null; then
    kill -TERM "$oidc_pid" 2>/dev/null || true
    wait "$oidc_pid" 2>/dev/null || true
  fi
  say "stopping PostgreSQL, removing the temporary files"
  "$repo/scripts/pg_cluster.sh" stop "$pgdir" || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  if [ $rc -eq 0 ]; then say "passed"; fi
}
trap cleanup EXIT

current="cloning HEAD"
say "$current"
git clone --quiet "$repo" "$app"
say "at $(git -C "$app" log -1 --format='%h %s' | cut -c1-100)"

current="starting PostgreSQL"
database_url=$("$repo/scripts/pg_cluster.sh" start "$pgdir") || fail "$(cat "$pgdir"/*.log 2>/dev/null)"

current="making a self-signed certificate"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null \
  || fail "openssl req failed"
origin="https://localhost:$port"
# What the app's OpenID client trusts: the system's certificate authorities (pip needs them too) and
# the stand-in provider's self-signed certificate (a region's real IdP has a publicly trusted one).
system_cas=$(python3 -c 'import ssl; print(ssl.get_default_verify_paths().openssl_cafile)')
cat "$system_cas" "$work/cert.pem" >"$work/ca-bundle.pem" 2>/dev/null || cp "$work/cert.pem" "$work/ca-bundle.pem"

current="taking the example import files from docs/imports.md"
# The docs' own examples are the files imported below, so a wrong example fails here. The person with
# one membership is the one who logs in with e-ID (with two, the start asks which unit to act for).
IFS=$'\t' read -r staff_hsa_id staff_first_name staff_unit_name < <(python3 - "$app/docs/imports.md" "$app" <<'PY'
import csv, io, re, sys
docs, app = sys.argv[1], sys.argv[2]
blocks = re.findall(r"```csv\n(.*?)```", open(docs, encoding="utf-8").read(), re.S)
units = next((b for b in blocks if b.startswith("hsa_id,")), None)
staff = next((b for b in blocks if b.startswith("person_hsa_id,")), None)
if not units or not staff:
    sys.exit("docs/imports.md needs a units example and a staff example in ```csv blocks")
open(f"{app}/enheter.csv", "w", encoding="utf-8").write(units)
open(f"{app}/personal.csv", "w", encoding="utf-8").write(staff)
names = {row["hsa_id"]: row["name"] for row in csv.DictReader(io.StringIO(units))}
rows = list(csv.DictReader(io.StringIO(staff)))
single = [r for r in rows if sum(o["person_hsa_id"] == r["person_hsa_id"] for o in rows) == 1]
if not single:
    sys.exit("the staff example needs a person with one membership")
person = single[0]
print(person["person_hsa_id"], person["first_name"], names[person["unit_hsa_id"]], sep="\t")
PY
) || fail

current="starting the stand-in e-ID provider (tests/oidc over HTTPS)"
say "$current"
(cd "$repo" && exec .venv/bin/python -m tests.oidc.provider --base "$origin" --cert "$work/cert.pem" \
  --key "$work/key.pem" --staff-hsa-id "$staff_hsa_id" >"$work/oidc.log" 2>&1) &
oidc_pid=$!
for _ in $(seq 1 300); do
  grep -q '^issuer ' "$work/oidc.log" 2>/dev/null && break
  kill -0 "$oidc_pid" 2>/dev/null || fail "$(cat "$work/oidc.log")"
  sleep 0.5
done
provider=$(grep '^issuer ' "$work/oidc.log" | head -n 1) || fail "$(cat "$work/oidc.log")"
read -r _ oidc_issuer oidc_staff_id oidc_staff_secret oidc_resident_id oidc_resident_secret <<<"$provider"
say "e-ID provider at $oidc_issuer"

current="reading README.md's production block"
# The block, with the values of these exports replaced. Everything else runs as written.
python3 - "$app/README.md" "$work/readme-production.sh" <<PY || fail
import re, shlex, sys
readme, out = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
found = re.search(r"<!-- production-path:start -->\n(.*?)<!-- production-path:end -->", text, re.S)
if not found:
    sys.exit("README.md has no block between <!-- production-path:start --> and <!-- production-path:end -->")
block = "\n".join(line for line in found.group(1).splitlines() if not line.startswith("\`\`\`"))
overrides = {
    "DATABASE_URL": "$database_url",
    "ALLOWED_HOSTS": "localhost",
    "CSRF_TRUSTED_ORIGINS": "$origin",
    "SITE_URL": "$origin",
    "TRUSTED_PROXY_COUNT": "0",  # no proxy here: gunicorn itself serves HTTPS
    "EMAIL_HOST": "localhost",
    "OIDC_STAFF_ISSUER": "$oidc_issuer",
    "OIDC_STAFF_CLIENT_ID": "$oidc_staff_id",
    "OIDC_STAFF_CLIENT_SECRET": "$oidc_staff_secret",
    "OIDC_RESIDENT_ISSUER": "$oidc_issuer",
    "OIDC_RESIDENT_CLIENT_ID": "$oidc_resident_id",
    "OIDC_RESIDENT_CLIENT_SECRET": "$oidc_resident_secret",
}
for name, value in overrides.items():
    block, count = re.subn(rf"^export {name}=.*$", lambda m: f"export {name}={shlex.quote(value)}", block, flags=re.M)
    if count != 1:
        sys.exit(f"the block must set {name} exactly once with an export line (found {count})")
# gunicorn: the README's options, on a free port and with the self-signed certificate.
match = re.search(r"^export GUNICORN_CMD_ARGS=(.*)$", block, re.M)
if not match:
    sys.exit("the block must set GUNICORN_CMD_ARGS")
options = [o for o in shlex.split(match.group(1))[0].split() if not o.startswith("--bind")]
options += ["--bind=127.0.0.1:$port", "--certfile=$work/cert.pem", "--keyfile=$work/key.pem"]
block = block.replace(match.group(0), "export GUNICORN_CMD_ARGS=" + shlex.quote(" ".join(options)))
for step in [r"pip install .*-r requirements\.txt", r"manage\.py migrate", r"manage\.py collectstatic",
             r"manage\.py load_registers", r"manage\.py bootstrap", r"gunicorn samverkan\.wsgi"]:
    if not re.search(step, block):
        sys.exit(f"the block has no step {step!r}")
if "gunicorn samverkan.wsgi" not in block.rstrip().splitlines()[-1]:
    sys.exit("the block must end by starting gunicorn")
header = 'set -euo pipefail\ntrap \'printf "%s\\\\n" "\$BASH_COMMAND" > "\$STEP_FILE"\' DEBUG\n'
open(out, "w").write(header + block + "\n")
# The restore drill runs with the block's settings (its export lines) and its own two replaced.
found = re.search(r"<!-- production-drill:start -->\n(.*?)<!-- production-drill:end -->", text, re.S)
if not found:
    sys.exit("README.md has no block between <!-- production-drill:start --> and <!-- production-drill:end -->")
drill = "\n".join(line for line in found.group(1).splitlines() if not line.startswith("\`\`\`"))
for name, value in {"BACKUP_DIR": "$work/backups", "DRILL_DATABASE_URL": "${database_url%/*}/samverkan_drill"}.items():
    drill, count = re.subn(rf"^export {name}=.*$", lambda m: f"export {name}={shlex.quote(value)}", drill, flags=re.M)
    if count != 1:
        sys.exit(f"the drill must set {name} exactly once with an export line (found {count})")
for step in [r"manage\.py backup", r"manage\.py restore", r"manage\.py migrate --check"]:
    if not re.search(step, drill):
        sys.exit(f"the drill has no step {step!r}")
exports = "\n".join(line for line in block.splitlines() if line.startswith("export "))
open(out.replace(".sh", "-drill.sh"), "w").write(header + exports + "\n" + drill + "\n")
# The day-one imports run with the block's settings too.
found = re.search(r"<!-- production-import:start -->\n(.*?)<!-- production-import:end -->", text, re.S)
if not found:
    sys.exit("README.md has no block between <!-- production-import:start --> and <!-- production-import:end -->")
imports = "\n".join(line for line in found.group(1).splitlines() if not line.startswith("\`\`\`"))
for step in [r"manage\.py import_units enheter\.csv", r"manage\.py import_staff personal\.csv"]:
    if not re.search(step, imports):
        sys.exit(f"the import block has no step {step!r}")
open(out.replace(".sh", "-import.sh"), "w").write(header + exports + "\n" + imports + "\n")
PY
username=$(grep -oP -- '--username[= ]\K\S+' "$work/readme-production.sh") || fail "bootstrap has no --username"
first_name=$(grep -oP -- '--first-name[= ]\K\S+' "$work/readme-production.sh" || true)
password="Prod-path-$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"

current="running README.md's production block"
say "$current"
# A clean environment: only what the README exports (plus the bootstrap password, which the README
# says the command reads from SAMVERKAN_BOOTSTRAP_PASSWORD, and where to note the current step).
(cd "$app" && exec env -i PATH="$PATH" HOME="${HOME:-$work}" LANG=C.UTF-8 SAMVERKAN_BOOTSTRAP_PASSWORD="$password" \
  REQUESTS_CA_BUNDLE="$work/ca-bundle.pem" STEP_FILE="$work/step" setsid bash "$work/readme-production.sh" \
  >"$work/app.log" 2>&1 </dev/null) &
app_pid=$!
last=""
for _ in $(seq 1 900); do
  step=$(cat "$work/step" 2>/dev/null || true)
  if [ "$step" != "$last" ]; then say "README step: $step"; last=$step; fi
  if ! kill -0 "$app_pid" 2>/dev/null; then
    wait "$app_pid" && rc=0 || rc=$?
    current="README step: $step (exited $rc)"
    fail "$(tail -n 40 "$work/app.log")"
  fi
  if curl --silent --fail --max-time 5 --cacert "$work/cert.pem" "$origin/healthz" >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
curl --silent --fail --max-time 5 --cacert "$work/cert.pem" "$origin/healthz" >/dev/null \
  || { current="waiting for gunicorn at $origin"; fail "$(tail -n 40 "$work/app.log")"; }
say "gunicorn answers at $origin"

current="using the app over HTTPS (scripts/production_client.py)"
say "$current"
"$app/.venv/bin/python" "$app/scripts/production_client.py" --base "$origin" --cafile "$work/cert.pem" \
  --username "$username" --password "$password" --first-name "$first_name" || fail "$(tail -n 40 "$work/app.log")"

current="importing units and staff (README.md's production-import block)"
say "$current"
(cd "$app" && env -i PATH="$PATH" HOME="${HOME:-$work}" LANG=C.UTF-8 STEP_FILE="$work/import-step" \
  bash "$work/readme-production-import.sh" >"$work/import.log" 2>&1 </dev/null) \
  || { current="import step: $(cat "$work/import-step")"; fail "$(tail -n 30 "$work/import.log")"; }
grep -E 'Ny|ny|Oförändrad|skapad|created' "$work/import.log" | tail -n 4 | sed 's/^/    /' || true

current="logging in with e-ID as imported staff and as a new resident (scripts/production_client.py)"
say "$current"
"$app/.venv/bin/python" "$app/scripts/production_client.py" --base "$origin" --cafile "$work/cert.pem" \
  --phase eid --eid-staff-name "$staff_first_name" --eid-staff-unit "$staff_unit_name" \
  || fail "$(tail -n 40 "$work/app.log")"

current="the restore drill (README.md's production-drill block)"
say "$current"
mkdir -p "$work/backups"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgport=${database_url##*:}; pgport=${pgport%%/*}
"$pgbin/createdb" --host=127.0.0.1 --port="$pgport" --username=postgres samverkan_drill || fail "createdb failed"
(cd "$app" && env -i PATH="$PATH" HOME="${HOME:-$work}" LANG=C.UTF-8 STEP_FILE="$work/drill-step" \
  bash "$work/readme-production-drill.sh" >"$work/drill.log" 2>&1 </dev/null) \
  || { current="drill step: $(cat "$work/drill-step")"; fail "$(tail -n 30 "$work/drill.log")"; }
# A fresh install after the client: the bootstrapped administrator, the user the client made, the two
# people of the staff example and the resident who logged in with e-ID.
grep -qE '^5 users, [1-9][0-9]* audit events$' "$work/drill.log" \
  || fail "the restored database should hold 5 users and the audit events: $(tail -n 5 "$work/drill.log")"
say "restored into samverkan_drill: $(tail -n 1 "$work/drill.log")"

current="checking the application log"
say "$current"
resident_number=$(cd "$repo" && .venv/bin/python -c 'from tests.oidc.provider import NEW_RESIDENT_NUMBER as n; print(n)')
"$app/.venv/bin/python" - "$work/app.log" "$password" "$resident_number" <<'PY' || fail
import json, re, sys
log, password, resident_number = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(log, encoding="utf-8").read().splitlines()
records = [json.loads(line) for line in lines if line.startswith("{")]
requests = [r for r in records if r.get("logger") == "samverkan.request"]
if not requests or any("?" in (r.get("route") or "") for r in requests):
    sys.exit(f"expected JSON request lines without query strings; got {len(requests)}")
if not any(r.get("logger") == "gunicorn.error" for r in records):
    sys.exit("gunicorn's own log lines are not JSON (gunicorn.conf.py)")
plain = [line for line in lines if re.match(r"\[\d{4}-\d\d-\d\d [^]]*\] \[\d+\] \[[A-Z]+\]", line)]
if plain:
    sys.exit(f"log lines that are not JSON: {plain[:3]}")
if any(password in line for line in lines):
    sys.exit("a password reached the log")
if any(resident_number in line or resident_number[2:] in line for line in lines):
    sys.exit("the e-ID resident's personnummer reached the log")
print(f"    {len(records)} JSON log lines ({len(requests)} request lines), no plain log lines, no password, "
      "no personnummer")
PY
