#!/usr/bin/env bash
# Runs every *.test.ts with node's test runner (it does not expand globs itself).
# Real containers need root; the suites create everything under fresh temporary roots.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find spec runtime imgtool conformance scripts -name '*.test.ts' -not -path '*/node_modules/*' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files found" >&2; exit 1; }
exec node --import tsx --test --test-concurrency=1 "${files[@]}"
