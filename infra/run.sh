#!/usr/bin/env bash
# Starts Storytelling on this machine: web app on http://127.0.0.1:5080 and one transcription worker,
# with SQLite and local disk under .data/. Installs and builds only what is missing; Ctrl+C stops both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${STORYTELLING_PORT:-5080}"
DATA="${STORYTELLING_DATA:-$ROOT/.data}"

step "Checking prerequisites"
ensure_dotnet
# libgomp1: the OpenMP runtime that Whisper.net's CPU runtime (shipped with the worker) needs; no compiler needed.
ensure_apt ca-certificates ffmpeg espeak-ng libgomp1

publish_apps

mkdir -p "$DATA/logs"
export Storytelling__Database__Provider="${Storytelling__Database__Provider:-Sqlite}"
export Storytelling__Database__ConnectionString="${Storytelling__Database__ConnectionString:-Data Source=$DATA/storytelling.db}"
export Storytelling__Storage__Provider="${Storytelling__Storage__Provider:-Disk}"
export Storytelling__Storage__DiskStore__RootPath="${Storytelling__Storage__DiskStore__RootPath:-$DATA/media}"
export Storytelling__Transcription__ModelsDirectory="${Storytelling__Transcription__ModelsDirectory:-$DATA/models}"
mkdir -p "$Storytelling__Transcription__ModelsDirectory"

web() { (cd "$BUILD/web" && dotnet Storytelling.Web.dll "$@"); }

step "Migrating the database ($Storytelling__Database__Provider)"
web migrate | grep -v '^info:' || fail "The database could not be migrated; see the message above."

ADMIN_FILE="$DATA/first-admin.txt"
if [ ! -f "$ADMIN_FILE" ]; then
  step "Creating the first administrator"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-20)"
  STORYTELLING_ADMIN_PASSWORD="$password" web create-admin --email admin@storytelling.local --name "Beheerder" | grep -v '^info:'
  umask 077
  printf 'e-mail:   admin@storytelling.local\npassword: %s\n' "$password" > "$ADMIN_FILE"
fi

DEMO_FILE="$DATA/demo-accounts.txt"
if [ "${STORYTELLING_DEMO:-1}" = "1" ] && [ ! -f "$DEMO_FILE" ]; then
  step "Loading the demo project 'Wat betekent werk voor jou?' (samples/werk; stories spoken by espeak-ng, about a minute)"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)"
  STORYTELLING_DEMO_PASSWORD="$password" web load-demo --samples "$ROOT/samples/werk/demo.json" --base-url "http://127.0.0.1:$PORT" | grep -v '^info:' \
    || fail "The demo project could not be loaded; see the message above (STORYTELLING_DEMO=0 starts without it)."
  umask 077
  { printf 'password for every demo account: %s\n' "$password"
    grep -o '"email": "[^"]*"' "$ROOT/samples/werk/demo.json" | cut -d'"' -f4 | sed 's/^/  /'; } > "$DEMO_FILE"
fi

step "Checking the transcription models (${Storytelling__Transcription__ModelsDirectory#$ROOT/})"
# Never fatal: without a model the worker keeps recordings waiting and the app says how to fix it.
if ! (cd "$BUILD/worker" && dotnet Storytelling.Worker.dll models verify) | sed 's/^/    /'; then
  echo "    Transcription waits until a Whisper model is there (voice detection ships with the worker). Download one (142 MiB) with:"
  echo "      (cd ${BUILD#$ROOT/}/worker && dotnet Storytelling.Worker.dll models download base)"
  echo "    'dotnet Storytelling.Worker.dll models list' shows every model (small, medium, large-v3-turbo, quantised variants)."
fi

step "Starting the worker (log: .data/logs/worker.log)"
(cd "$BUILD/worker" && exec dotnet Storytelling.Worker.dll) >> "$DATA/logs/worker.log" 2>&1 &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true; wait "$WORKER_PID" 2>/dev/null || true' EXIT

step "Starting the web app on http://127.0.0.1:$PORT"
echo "    Sign in at http://127.0.0.1:$PORT/account/login with the first administrator:"
sed 's/^/      /' "$ADMIN_FILE"
if [ -f "$DEMO_FILE" ]; then
  echo "    Demo accounts (begeleider, beleidsmedewerker, bewoner, interviewer) of the project 'Wat betekent werk voor jou?':"
  sed 's/^/      /' "$DEMO_FILE"
fi
echo "    (kept in ${ADMIN_FILE#$ROOT/}; change it by running the create-admin command again, see README)"
echo "    Press Ctrl+C to stop."
web --urls "http://127.0.0.1:$PORT"
