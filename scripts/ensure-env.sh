# Sourced by ./run and .ci/run: puts Node >= 22 first on PATH (fetching it from the npm
# registry into .tools/ when the machine's node is older) and installs dependencies when
# package-lock.json changed since the last install.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x "$ROOT/.tools/node_modules/node/bin/node" ]; then
    echo "pixelloop: Node $(node -v 2>/dev/null || echo missing) is too old; fetching Node 22 from the npm registry into .tools/" >&2
    mkdir -p "$ROOT/.tools"
    [ -f "$ROOT/.tools/package.json" ] || echo '{"name":"pixelloop-tools","private":true}' > "$ROOT/.tools/package.json"
    (cd "$ROOT/.tools" && npm install --no-audit --no-fund --loglevel=error node@22 >&2)
  fi
  export PATH="$ROOT/.tools/node_modules/node/bin:$PATH"
fi
if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  echo "pixelloop: installing dependencies (npm ci)" >&2
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
