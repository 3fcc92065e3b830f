/**
 * The command line and spark-submit entry point of the app jar ({@link io.rabitq.jobs.Cli}): quickstart, train,
 * index, search, evaluate and lake-sidecar, one picocli class each. Each prints progress lines on stderr and one JSON
 * line on stdout; exit code 0, 1 for an error of input or data, 2 for a usage error.
 */
package io.rabitq.jobs;
