#!/usr/bin/env bash
# Builds the demo language model's training text from the project's own
# prose: the doc comments of every non-test Go file, in a stable order.
# Usage: scripts/corpus.sh > cmd/simdcore/testdata/corpus.txt
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.go' | grep -v '_test\.go$' | grep -v '^bench/' | sort | while read -r f; do
  # Comment lines only, without the slashes; build tags and directives dropped.
  sed -n 's/^[[:space:]]*\/\/ \{0,1\}//p' "$f" | grep -v '^go:' | grep -v '^+build' | grep -v '^[[:space:]]*$' || true
done
