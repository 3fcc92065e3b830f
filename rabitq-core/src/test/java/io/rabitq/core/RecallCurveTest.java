package io.rabitq.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RecallCurveTest {
    private final RecallCurve curve = new RecallCurve(10, new int[] {1, 2, 4, 8, 16}, new double[] {0.5, 0.8, 0.93, 0.981, 0.999});

    @Test
    void theSmallestNprobeWhoseRecallMissesAtMostFourTenthsOfWhatTheTargetAllows() {
        assertEquals(2, curve.nprobeFor(0.4, 64), "0.4 is read as 0.76");
        assertEquals(4, curve.nprobeFor(0.8, 64), "0.8 is read as 0.92, reached at 0.93");
        assertEquals(8, curve.nprobeFor(0.9, 64), "0.9 is read as 0.96");
        assertEquals(8, curve.nprobeFor(0.95, 64), "0.95 is read as 0.98, reached at 0.981");
        assertEquals(16, curve.nprobeFor(0.96, 64));
        assertEquals(16, curve.nprobeFor(0.999, 64), "above the best rung less 0.002: the best rung");
        assertEquals(6, curve.nprobeFor(0.95, 6), "never more than nlist");
        assertEquals(64, new RecallCurve(10, new int[0], new double[0]).nprobeFor(0.5, 64), "an empty curve: everything");
        InvalidParameterException above = assertThrows(InvalidParameterException.class, () -> curve.nprobeFor(1.0, 64));
        assertEquals("recall 1.000 is more than this index reaches at any nprobe (at most 0.9990 measured at build): ask for "
                + "0.999 or less, or index with more bits or with raw vectors", above.getMessage());
    }

    @Test
    void formatAndParseRoundTrip() {
        assertEquals("k=10;1:0.5000,2:0.8000,4:0.9300,8:0.9810,16:0.9990", curve.format());
        assertEquals(curve, RecallCurve.parse(curve.format()));
        assertEquals(new RecallCurve(10, new int[0], new double[0]), RecallCurve.parse("k=10;"));
    }

    @Test
    void badTargetsAndTextAreRefused() {
        for (double bad : new double[] {0, -0.1, 1.01, Double.NaN}) {
            assertThrows(InvalidParameterException.class, () -> curve.nprobeFor(bad, 64), "target " + bad);
        }
        for (String bad : new String[] {"", "k=10", "10;1:0.5", "k=10;1:x", "k=10;1", "k=10;1:0.5;2:0.6"}) {
            assertThrows(InvalidParameterException.class, () -> RecallCurve.parse(bad), "'" + bad + "'");
        }
    }
}
