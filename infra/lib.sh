#!/usr/bin/env bash
# Shared steps for infra/run.sh and infra/test.sh. Every step says what it does; every step skips what is done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BUILD="$ROOT/.build"
AZURITE_VERSION="3.37.0"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages that are missing, and only those.
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    note "system packages present: $*"
    return
  fi
  step "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_dotnet() {
  command -v dotnet >/dev/null || fail "The .NET SDK 10 is needed (dotnet not found). Install it, then run this again."
  dotnet --list-sdks | grep -q '^10\.' || fail "The .NET SDK 10 is needed; found: $(dotnet --list-sdks | tr '\n' ' ')"
  note "dotnet $(dotnet --version)"
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null || ensure_apt nodejs npm
  note "node $(node --version)"
}

# Azurite (Azure Blob Storage emulator) for the storage tests, pinned, in .tools/azurite.
ensure_azurite() {
  local dir="$TOOLS/azurite"
  local installed=""
  export STORYTELLING_AZURITE="$dir/node_modules/azurite/dist/src/blob/main.js"
  [ -f "$dir/node_modules/azurite/package.json" ] && installed=$(node -p "require('$dir/node_modules/azurite/package.json').version")
  if [ "$installed" = "$AZURITE_VERSION" ]; then
    note "azurite $AZURITE_VERSION present"
    return
  fi
  step "Installing Azurite $AZURITE_VERSION into .tools/azurite (npm)"
  mkdir -p "$dir"
  (cd "$dir" && [ -f package.json ] || echo '{"private":true}' > package.json)
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --save-exact "azurite@$AZURITE_VERSION" >/dev/null)
}

# whisper-cli, the speed reference of the transcription benchmark (the worker itself runs on Whisper.net's runtime
# package and needs no C/C++ toolchain): whisper.cpp built from the source inside a pinned npm package whose
# integrity is checked, into .tools/whisper/{lib,bin}, plus runtimes/linux-x64 → lib, the layout in which
# Storytelling:Transcription:LibraryPath can point the worker at this build (the benchmark compares both).
WHISPER_PACKAGE="nodejs-whisper@0.3.1"
WHISPER_INTEGRITY="ceoilUVraRuR5FnNyXpGQT2auAR48Oc3AQBEmkXnVpSn9iN6yVRzQBFCqVTGWbk6Wdi95NhvwXNzFvuR7erLWw=="
WHISPER_CMAKE_FLAGS=(-DBUILD_SHARED_LIBS=ON -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_SDL2=OFF
  -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF '-DCMAKE_INSTALL_RPATH=$ORIGIN:$ORIGIN/../lib' -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON)
ensure_whisper() {
  local cache="$ROOT/.cache/whisper" out="$TOOLS/whisper"
  local key="$WHISPER_PACKAGE $WHISPER_INTEGRITY ${WHISPER_CMAKE_FLAGS[*]}"
  export STORYTELLING_WHISPER_CLI="$out/bin/whisper-cli"
  if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$key" ] && [ -x "$out/bin/whisper-cli" ] && [ -f "$out/lib/libwhisper.so" ]; then
    note "whisper-cli present (${WHISPER_PACKAGE})"
    mkdir -p "$out/runtimes" && ln -sfn ../lib "$out/runtimes/linux-x64"
    return
  fi
  ensure_apt cmake build-essential libgomp1
  ensure_node
  step "Fetching $WHISPER_PACKAGE (whisper.cpp source) into .cache/whisper"
  rm -rf "$cache" && mkdir -p "$cache"
  local tarball
  tarball=$(cd "$cache" && npm pack --silent --loglevel=error "$WHISPER_PACKAGE" | tail -1)
  [ -f "$cache/$tarball" ] || fail "npm pack $WHISPER_PACKAGE gave no file; is the npm registry reachable?"
  local actual
  actual=$(openssl dgst -sha512 -binary "$cache/$tarball" | base64 -w0)
  [ "$actual" = "$WHISPER_INTEGRITY" ] || fail "$WHISPER_PACKAGE does not match its pinned integrity (got sha512-$actual); refusing to build it."
  note "integrity sha512 verified"
  tar -xzf "$cache/$tarball" -C "$cache"
  local src="$cache/package/cpp/whisper.cpp" build="$cache/build"
  [ -f "$src/include/whisper.h" ] || fail "$WHISPER_PACKAGE holds no whisper.cpp source at package/cpp/whisper.cpp."
  step "Building whisper-cli, the benchmark's reference (whisper.cpp; about a minute on 2 cores)"
  cmake -S "$src" -B "$build" "${WHISPER_CMAKE_FLAGS[@]}" >"$cache/cmake.log" 2>&1 \
    || fail "cmake could not configure whisper.cpp; see ${cache#$ROOT/}/cmake.log"
  cmake --build "$build" -j"$(nproc)" --target whisper whisper-cli >>"$cache/cmake.log" 2>&1 \
    || fail "whisper.cpp did not build; see ${cache#$ROOT/}/cmake.log"
  rm -rf "$out" && mkdir -p "$out/lib" "$out/bin"
  find "$build" \( -name 'libwhisper.so*' -o -name 'libggml*.so*' \) -exec cp -P {} "$out/lib/" \;
  cp "$build/bin/whisper-cli" "$out/bin/"
  # Built with the install rpath ($ORIGIN:$ORIGIN/../lib): the libraries find each other, whisper-cli finds them in ../lib.
  if ldd "$out/bin/whisper-cli" | grep -q 'not found'; then
    fail "whisper-cli cannot find its libraries: $(ldd "$out/bin/whisper-cli" | grep 'not found' | tr -s ' \n' ' ')"
  fi
  mkdir -p "$out/runtimes" && ln -sfn ../lib "$out/runtimes/linux-x64"
  printf '%s' "$key" > "$out/.stamp"
  note "whisper.cpp built into ${out#$ROOT/} ($(ls "$out/lib" | tr '\n' ' '))"
}

# Restores and builds the solution; skipped when no source changed since the last good build.
build_solution() {
  local configuration="$1" stamp="$BUILD/build-$1.stamp"
  mkdir -p "$BUILD"
  if [ -f "$stamp" ] && [ -z "$(find "$ROOT/src" "$ROOT/tests" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" "$ROOT/global.json" \
        -newer "$stamp" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
    note "build is up to date ($configuration)"
    return
  fi
  step "Restoring tools and packages"
  (cd "$ROOT" && dotnet tool restore >/dev/null && dotnet restore Storytelling.sln --verbosity quiet)
  step "Building ($configuration)"
  (cd "$ROOT" && dotnet build Storytelling.sln -c "$configuration" --no-restore --verbosity quiet -nologo -clp:ErrorsOnly)
  touch "$stamp"
}

# Publishes web and worker into .build/, skipped when nothing changed since the last publish.
publish_apps() {
  local stamp="$BUILD/publish.stamp"
  if [ -f "$stamp" ] && [ -z "$(find "$ROOT/src" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" \
        -newer "$stamp" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
    note "web and worker are up to date in .build/"
    return
  fi
  step "Restoring packages"
  (cd "$ROOT" && dotnet restore Storytelling.sln --verbosity quiet)
  step "Publishing web app and worker into .build/ (Release)"
  (cd "$ROOT" && dotnet publish src/Storytelling.Web -c Release --no-restore -o "$BUILD/web" --verbosity quiet -nologo -clp:ErrorsOnly)
  (cd "$ROOT" && dotnet publish src/Storytelling.Worker -c Release --no-restore -o "$BUILD/worker" --verbosity quiet -nologo -clp:ErrorsOnly)
  touch "$stamp"
}

# Starts the local PostgreSQL cluster if it is not running, and makes a test role. Sets STORYTELLING_TEST_POSTGRES.
# Remembers whether it started the cluster, so stop_postgres only stops what this script started.
POSTGRES_STARTED_BY_US=""
start_postgres() {
  ensure_apt postgresql
  local version cluster
  version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $2}')
  if [ -z "$version" ]; then
    step "Creating a PostgreSQL cluster"
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    as_root pg_createcluster "$version" main >/dev/null
    cluster=main
  fi
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
    step "Starting PostgreSQL $version/$cluster on 127.0.0.1"
    as_root pg_ctlcluster "$version" "$cluster" start
    POSTGRES_STARTED_BY_US="$version $cluster"
  else
    note "PostgreSQL $version/$cluster already running"
  fi
  local port
  port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $3}')
  local password="storytelling-test"
  as_root su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'storytelling_test') THEN
    CREATE ROLE storytelling_test LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
-- Lets the tests drop their databases WITH (FORCE) even while autovacuum is visiting them.
GRANT pg_signal_backend TO storytelling_test;
SQL
  export STORYTELLING_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=storytelling_test;Password=$password;Database=postgres;Pooling=true"
  note "test role storytelling_test ready on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "$POSTGRES_STARTED_BY_US" ]; then
    step "Stopping the PostgreSQL cluster this script started"
    # shellcheck disable=SC2086
    as_root pg_ctlcluster $POSTGRES_STARTED_BY_US stop || true
  fi
}
