#!/usr/bin/env bash
# Fetches the three Silero VAD models that the vad package's tests run
# (silero_vad_legacy.onnx, silero_vad_v5.onnx, silero_vad_v6.onnx) from the
# npm package @ricky0123/vad-web with `npm pack`, checks their SHA-256, and
# puts them in testdata/silero/ beside the package's package.json (which
# carries its license field). The models themselves are the Silero team's,
# MIT-licensed: testdata/silero/LICENSE.
#
# Usage: scripts/fetch_silero.sh [DEST]   (DEST defaults to testdata/silero)
#
# Only the npm registry is reached. The tests never run this script: the
# models are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-testdata/silero}
version=0.0.31
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "@ricky0123/vad-web@$version" >/dev/null)
tar -xzf "$tmp"/ricky0123-vad-web-"$version".tgz -C "$tmp"

mkdir -p "$dest"
cd "$tmp/package/dist"
sha256sum -c - <<'SUMS'
a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28  silero_vad_legacy.onnx
2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f  silero_vad_v5.onnx
1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3  silero_vad_v6.onnx
SUMS
cd - >/dev/null
for m in silero_vad_legacy.onnx silero_vad_v5.onnx silero_vad_v6.onnx; do
  cp "$tmp/package/dist/$m" "$dest/$m"
done
cp "$tmp/package/package.json" "$dest/vad-web.package.json"
echo "fetched @ricky0123/vad-web@$version models into $dest"
