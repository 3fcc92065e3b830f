package io.rabitq.jobs;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.BundleException;
import io.rabitq.bundle.Bundles;
import io.rabitq.spark.InvalidInputException;
import io.rabitq.spark.RabitqReindex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the writing commands ({@code index}, {@code reindex}) do to a bundle before and after they publish. */
final class BundleHousekeeping {
    private BundleHousekeeping() {
    }

    /** Removes temporary work of killed writers untouched for {@code hours}; returns what was removed. */
    static List<String> removeAbandoned(String bundle, int hours) {
        List<String> abandoned = Files.isDirectory(Path.of(bundle))
                ? Bundles.removeAbandoned(Path.of(bundle), Duration.ofHours(hours)) : List.of();
        if (!abandoned.isEmpty()) {
            System.err.println("removed work abandoned by killed writers in " + bundle + ": " + String.join(", ", abandoned));
        }
        return abandoned;
    }

    /** After publishing: keeps the newest {@code keep} generations (0: all); returns what was removed. */
    static List<String> retain(String bundle, int keep) {
        List<String> retired = keep > 0 ? Bundles.retain(Path.of(bundle), keep) : List.of();
        if (!retired.isEmpty()) {
            System.err.println("retention (--retain " + keep + ") removed " + String.join(", ", retired));
        }
        return retired;
    }

    /**
     * Refuses, before Spark starts, to write a bundle whose live generation records another source table (unless
     * {@code replaceSource}): a bundle belongs to its table.
     */
    static void checkSource(String bundle, String input, boolean replaceSource) {
        if (replaceSource || !Files.exists(Path.of(input)) || Bundles.currentGeneration(Path.of(bundle)).isEmpty()) {
            return; // a missing input is reported by the read, with what to do
        }
        String recorded;
        try (Bundle b = Bundle.open(Path.of(bundle), Bundle.Verification.QUICK)) {
            recorded = b.manifest().sourceRef();
        } catch (BundleException e) {
            return; // a damaged bundle is rebuilt by index; reindex reports it when it opens the bundle
        }
        if (!RabitqReindex.sameSource(recorded, input)) {
            throw new InvalidInputException("bundle " + bundle + " belongs to " + recorded + ", not " + RabitqReindex.sourceRef(input)
                    + "; write it from that table, or pass --replace-source to replace its contents with this one's");
        }
    }
}
