#!/usr/bin/env bash
# The API reference of zkcollat's library face, generated from the docstrings with pdoc (pinned
# in pyproject's test extra): zkcollat.api and the two modules whose types it exports.
#
#     bash docs/make-api-reference.sh [OUT_DIR]      # default docs/api (not committed)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/api}"
python3 -m pdoc --docformat restructuredtext --no-show-source \
    zkcollat.api zkcollat.statements zkcollat.errors -o "$out"
echo "wrote $out/index.html"
