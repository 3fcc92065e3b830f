#!/usr/bin/env bash
# The distributed test: a real Spark standalone cluster on loopback — a Master and two Workers, each its own JVM,
# each Worker launching its own executor JVM — and the shaded application jar submitted to it in client mode.
# quickstart trains, indexes into a bundle with one partition per executor core and searches it across the two
# executor JVMs (rerank logs travel between JVMs), then evaluate checks recall against exact brute force run on
# the same cluster. Spark's jars come from the local Maven repository, linked into a throwaway SPARK_HOME/jars
# (the Worker builds executor command lines from it). Called by `mvn verify` (jobs module, integration-test).
set -euo pipefail
target="$1"
flags="$2"
jar="$target/spark-rabitq-app.jar"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "standalone cluster test: $*" >&2
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -25 "$f" >&2; done
  exit 1
}

export SPARK_HOME="$work/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost
mkdir -p "$SPARK_HOME/jars"
tr ':' '\n' < "$target/spark-classpath.txt" | while read -r j; do ln -sf "$j" "$SPARK_HOME/jars/"; done
cp="$(cat "$target/spark-classpath.txt")"

# shellcheck disable=SC2086
java $flags -cp "$cp" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0 > "$work/master.log" 2>&1 &
pids+=($!)
url=""
for _ in $(seq 120); do
  url="$(grep -o 'spark://127.0.0.1:[0-9]*' "$work/master.log" | head -1 || true)"
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "$url" ] || fail "the master did not start"

for w in 1 2; do
  # shellcheck disable=SC2086
  java $flags -cp "$cp" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 2g --webui-port 0 \
    --work-dir "$work/worker$w" "$url" > "$work/worker$w.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 120); do
  [ "$(grep -c 'Registering worker' "$work/master.log" || true)" -ge 2 ] && break
  sleep 0.5
done
[ "$(grep -c 'Registering worker' "$work/master.log" || true)" -ge 2 ] || fail "two workers did not register with $url"

submit() {
  # shellcheck disable=SC2086
  java $flags -cp "$cp" org.apache.spark.deploy.SparkSubmit --master "$url" --conf spark.ui.enabled=false \
    --conf spark.executor.memory=1g --conf "spark.executor.extraJavaOptions=$flags" --conf spark.driver.host=127.0.0.1 \
    "$jar" "$@" > "$work/out.log" 2> "$work/submit.log" || fail "spark-submit $1 to $url failed"
  tail -1 "$work/out.log"
}
number() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }

json="$(submit quickstart --n 20000 --dim 32 --queries 200 --dir "$work/qs")"
[ "$(number partitions "$json")" = 2 ] || fail "expected one bundle partition per executor core (2): $json"
awk -v r="$(number recall_at_10 "$json")" 'BEGIN { exit !(r >= 0.95) }' || fail "quickstart recall too low: $json"
executors="$(find "$work"/worker1 "$work"/worker2 -mindepth 2 -maxdepth 2 -type d | wc -l)"
[ "$executors" -ge 2 ] || fail "expected executors on both workers, found $executors executor directories"

json="$(submit evaluate --input "$work/qs/vectors" --queries "$work/qs/vectors" --query-id-col id --query-vector-col vector \
  --bundle "$work/qs/bundle" --k 10 --sample 100 --warm-runs 0)"
[ "$(number queries "$json")" = 100 ] || fail "evaluate did not search 100 queries: $json"
awk -v r="$(number recall "$json")" 'BEGIN { exit !(r >= 0.95) }' || fail "self-search recall on the cluster too low: $json"
# executor loss: index and evaluate (exact search and searchBatch) twice, the second time while one executor JVM is
# killed (SIGKILL) a moment after its first task starts; Spark's retries finish the job, and the bundle
# (its witness) and the answers (recall over 2,000 queries) equal the undisturbed run's
executor_pids() { pgrep -f 'CoarseGrainedExecutorBackend' || true; }
submit_with_kill() {
  for _ in $(seq 300); do [ -z "$(executor_pids)" ] && break; sleep 0.1; done # the previous application's are gone
  : > "$work/submit.log"
  # kill once the driver runs tasks on registered executors (an executor killed before it registers is merely replaced)
  ( until grep -q 'Starting task' "$work/submit.log"; do sleep 0.05; done; sleep "$1"; kill -9 "$(executor_pids | head -1)" ) &
  local killer=$!
  shift
  json="$(submit "$@")"
  wait "$killer" || true
  grep -q 'Lost executor' "$work/submit.log" || fail "no executor was lost during $1 (the kill came too late)"
  echo "$json"
}
witness() { sed -n 's/.*"witness":"\([0-9a-f]*\)".*/\1/p' <<<"$1"; }
submit train --input "$work/qs/vectors" --model "$work/model" --nlist 40 > /dev/null
calm="$(submit index --input "$work/qs/vectors" --model "$work/model" --bundle "$work/calm" --partitions 4)"
lost="$(submit_with_kill 0.3 index --input "$work/qs/vectors" --model "$work/model" --bundle "$work/lost" --partitions 4)"
[ -n "$(witness "$calm")" ] && [ "$(witness "$calm")" = "$(witness "$lost")" ] \
  || fail "the bundle indexed while an executor died differs: $calm vs $lost"
eval_args=(--input "$work/qs/vectors" --queries "$work/qs/vectors" --query-id-col id --query-vector-col vector --k 10 --sample 2000 --warm-runs 0)
calm="$(submit evaluate "${eval_args[@]}" --bundle "$work/calm")"
lost="$(submit_with_kill 0.3 evaluate "${eval_args[@]}" --bundle "$work/calm")"
[ "$(number recall "$calm")" = "$(number recall "$lost")" ] && [ "$(number queries "$lost")" = 2000 ] \
  || fail "searchBatch while an executor died answered differently: $calm vs $lost"
echo "standalone cluster test: OK (master + 2 workers + 2 executor JVMs on loopback: quickstart and evaluate; an executor killed during index and during evaluate changes neither the bundle nor the answers)"
