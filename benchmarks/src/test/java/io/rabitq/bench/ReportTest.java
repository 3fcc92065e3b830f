package io.rabitq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report names every peer that beats ours at a recall level, with the ratio (rows from the WordNet run). */
class ReportTest {
    private static Report.Row row(String engine, String params, int threads, double recall10, double qps) {
        return new Report.Row("wordnet", 116_791, 384, engine, params, threads, 0, recall10, 0, qps, 1, 1, "cmd");
    }

    @Test
    void trailingIsReportedPerRecallLevelWithItsRatio() {
        List<Report.Row> rows = List.of(
                row("ours IvfRabitqIndex", "nprobe 64", 1, 0.9623, 4143), row("ours IvfRabitqIndex", "nprobe 64", 2, 0.9623, 7769),
                row("ours IvfRabitqIndex", "nprobe 128", 1, 0.9810, 2075), row("ours IvfRabitqIndex", "nprobe 256", 1, 0.9920, 1788),
                row("Lucene int7", "40", 1, 0.9781, 3832), row("Lucene int7", "80", 1, 0.9904, 2457),
                row("hnswlib", "40", 1, 0.9666, 1497));
        String text = Report.trails(rows);
        assertFalse(text.contains("≥ 0.95: **ours trails"), "ours leads at 0.95 (4143 vs 3832): " + text);
        assertTrue(text.contains("≥ 0.98: **ours trails Lucene int7**: 2075 q/s (nprobe 128) is 0.84× its 2457 q/s (80)"), text);
        assertTrue(text.contains("≥ 0.99: **ours trails Lucene int7**: 1788 q/s (nprobe 256) is 0.73× its 2457 q/s (80)"), text);
        assertFalse(text.contains("hnswlib"), text);
        assertEquals("", Report.trails(List.of(row("hnswlib", "40", 1, 0.97, 1000))), "no ours rows, nothing to say");
        assertTrue(Report.trails(List.of(row("ours IvfRabitqIndex", "nprobe 2", 1, 0.6, 9000), row("hnswlib", "40", 1, 0.97, 1000)))
                .contains("ours does not reach it"));
        String two = Report.trails(List.of(row("ours IvfRabitqIndex 7-bit, no raw", "nprobe 64", 1, 0.96, 2700),
                row("ours IvfRabitqIndex 1-bit + raw rerank", "nprobe 64", 1, 0.96, 4100), row("bbq", "40", 1, 0.955, 3700)));
        assertTrue(two.contains("≥ 0.95: **ours 7-bit, no raw trails bbq**: 2700 q/s (nprobe 64) is 0.73×"), two);
        assertFalse(two.contains("1-bit + raw rerank trails"), "each of our engines is compared on its own: " + two);
    }
}
