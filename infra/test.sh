#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what is missing, builds, starts PostgreSQL,
# runs every test (Azurite is started and stopped by the tests themselves), stops what it started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

step "Checking prerequisites"
ensure_dotnet
ensure_node
ensure_apt ca-certificates procps ffmpeg espeak-ng redis-server chromium fonts-noto-core libreoffice-writer-nogui poppler-utils
export STORYTELLING_CHROMIUM="${STORYTELLING_CHROMIUM:-/usr/bin/chromium}"
ensure_azurite
export STORYTELLING_AZURITE="${STORYTELLING_AZURITE:-$TOOLS/azurite/node_modules/azurite/dist/src/blob/main.js}"
# whisper-cli, the reference the transcription benchmark measures the worker against (the tests do not need it).
ensure_whisper

build_solution Release

start_postgres
trap stop_postgres EXIT

step "Running the tests"
results="$BUILD/test-results"
rm -rf "$results"
set +e
# The browser tests run after the others, not beside them: whisper and ffmpeg tests take every core, and a browser
# starved of CPU times out in ways that say nothing about the pages.
status=0
: > "$BUILD/test-output.txt"
for project in tests/Storytelling.Tests tests/Storytelling.BrowserTests; do
  (cd "$ROOT" && dotnet test "$project" -c Release --no-build --results-directory "$results" \
     --logger "trx" --logger "console;verbosity=minimal" -- xUnit.ParallelizeTestCollections=true) | tee -a "$BUILD/test-output.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
set -e

# One plain summary line for people and CI alike.
passed=$(grep -hoE 'Passed: +[0-9]+' "$BUILD/test-output.txt" | awk '{s+=$2} END {print s+0}')
failed=$(grep -hoE 'Failed: +[0-9]+' "$BUILD/test-output.txt" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -hoE 'Skipped: +[0-9]+' "$BUILD/test-output.txt" | awk '{s+=$2} END {print s+0}')
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
