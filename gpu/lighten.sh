#!/usr/bin/env bash
# The device tool sends the working tree with the carried pack, 64 MiB in all; with the tokenizer pack
# (TOKENIZER=1 gpu/bundle.sh, 34 MB) and the tracked tree (about 41 MB with the demo weights) that is too much.
# `gpu/lighten.sh` removes, from the working tree only, tracked files no GPU script reads (the real tokenizer
# fixtures: gpu/run.sh leaves the tokenizer tests out); `gpu/lighten.sh restore` puts them back from git.
# Run it just before a device call and restore right after; `git status` shows the removal meanwhile.
# `gpu/lighten.sh more` also removes the demo's weights (8.4 MB; only the demo scripts read them): room for the
# JAVAC=1 pack (34 MB) that the differential conformance ring needs.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=(model/src/test/resources/tokenizers/*/tokenizer.json.gz)
case "${1:-}" in
  restore) git checkout -- model/src/test/resources/tokenizers demo/model ;;
  more) rm -f "${FILES[@]}" demo/model/model.safetensors ;;
  *) rm -f "${FILES[@]}" ;;
esac
{ git ls-files -z | xargs -0 du -cb 2>/dev/null || true; } | tail -1 | awk '{printf "tracked tree now %.1f MB\n", $1 / 1e6}'
