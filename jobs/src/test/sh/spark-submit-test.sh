#!/usr/bin/env bash
# spark-submit of the shaded application jar alone, with Spark's jars from the local Maven repository on the
# class path (what a Spark distribution's bin/spark-submit runs), in local mode: quickstart, then evaluate of its
# bundle. Called by `mvn verify` (jobs module, integration-test phase) with the target dir and the JVM flags.
set -euo pipefail
target="$1"
flags="$2"
jar="$target/spark-rabitq-app.jar"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "spark-submit test: $*" >&2; [ -f "$work/err.log" ] && tail -40 "$work/err.log" >&2; exit 1; }

entries="$(jar tf "$jar")"
grep -qx 'io/rabitq/jobs/Cli.class' <<<"$entries" || fail "the app jar lacks our classes"
grep -qx 'org/apache/spark/sql/delta/DeltaLog.class' <<<"$entries" || fail "the app jar lacks Delta"
grep -qx 'org/apache/spark/SparkContext.class' <<<"$entries" && fail "the app jar bundles Spark itself"
grep -q '^io/rabitq/jobs/tools/' <<<"$entries" && fail "the app jar ships the benchmark and demo commands"
grep -qx 'picocli/CommandLine.class' <<<"$entries" || fail "the app jar lacks its command-line library"

# help answers without spark-submit or a Spark session, as bin/spark-rabitq runs it
for c in quickstart train index reindex search evaluate sql import export lake-sidecar; do
  java -cp "$jar:$(cat "$target/spark-classpath.txt")" io.rabitq.jobs.Cli "$c" --help > "$work/help.log" 2>&1 \
    || fail "$c --help failed: $(tail -3 "$work/help.log")"
  grep -q "^Usage: spark-rabitq $c" "$work/help.log" || fail "$c --help printed no usage"
  grep -q "SparkContext\|WARN" "$work/help.log" && fail "$c --help started Spark"
done

submit() {
  # shellcheck disable=SC2086
  SPARK_LOCAL_IP=127.0.0.1 java $flags -cp "$(cat "$target/spark-classpath.txt")" org.apache.spark.deploy.SparkSubmit \
    --master 'local[2]' --conf spark.ui.enabled=false "$jar" "$@" > "$work/out.log" 2> "$work/err.log" || fail "spark-submit $1 failed"
  tail -1 "$work/out.log"
}
number() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }

json="$(submit quickstart --n 4000 --dim 16 --queries 40 --dir "$work/qs")"
awk -v r="$(number recall_at_10 "$json")" 'BEGIN { exit !(r >= 0.9) }' || fail "quickstart recall too low: $json"
json="$(submit evaluate --input "$work/qs/vectors" --queries "$work/qs/vectors" --query-id-col id --query-vector-col vector \
  --bundle "$work/qs/bundle" --k 5 --sample 200 --warm-runs 0)"
[ "$(number queries "$json")" = 200 ] || fail "evaluate did not search 200 queries: $json"
# the path through spark-submit is under test here; recall bars with larger samples are in the Java tests
awk -v r="$(number recall "$json")" 'BEGIN { exit !(r >= 0.9) }' || fail "self-search recall too low: $json"
# data out: the bundle exported as Parquet; pyarrow reads the bundle's Arrow files and the export
submit export --bundle "$work/qs/bundle" --output "$work/export" > /dev/null
bash "$(dirname "$0")/pyarrow-test.sh" "$work/qs/bundle" "$work/export" "$work"
# an input error found on an executor (queries of another dimension) is one "error:" line with the CLI's log settings
submit quickstart --n 600 --dim 8 --queries 10 --dir "$work/qs8" > /dev/null
# shellcheck disable=SC2086
if SPARK_LOCAL_IP=127.0.0.1 java $flags -Dlog4j2.configurationFile="$target/../src/main/resources/log4j2.properties" \
    -cp "$(cat "$target/spark-classpath.txt")" org.apache.spark.deploy.SparkSubmit --master 'local[2]' --conf spark.ui.enabled=false \
    "$jar" evaluate --input "$work/qs/vectors" --queries "$work/qs8/vectors" --query-id-col id --query-vector-col vector \
    --bundle "$work/qs/bundle" --sample 5 > "$work/out.log" 2> "$work/err.log"; then
  fail "evaluate with queries of the wrong dimension succeeded"
fi
grep -q '^error: .*has dimension 8 but the bundle .* has dimension 16' "$work/err.log" || fail "no one-line error naming the dimensions"
grep -qE '^[[:space:]]+at [a-z]' "$work/err.log" && fail "an executor-side input error printed Java stack frames"
echo "spark-submit test: OK (help without Spark; quickstart, evaluate and export through SparkSubmit with the app jar alone; executor-side input errors in one line)"
