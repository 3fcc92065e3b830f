package io.rabitq.datasets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The synset glosses of a WordNet database ({@code dict/data.noun}, {@code data.verb}, {@code data.adj},
 * {@code data.adv}; fetched by {@code datasets/fetch-wordnet.sh}): real, short English definitions, about 117,000 in
 * WordNet 3.1. Each becomes {@code "<first lemma>: <gloss>"}, numbered from 0 in file order.
 */
public final class WordNet {
    private static final String[] FILES = {"data.noun", "data.verb", "data.adj", "data.adv"};

    private WordNet() {
    }

    /** The glosses of the database in {@code dictDir}, at most {@code limit} of them, in file order. */
    public static List<String> glosses(Path dictDir, int limit) throws IOException {
        List<String> out = new ArrayList<>();
        for (String f : FILES) {
            Path p = dictDir.resolve(f);
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + " does not exist; fetch WordNet with datasets/fetch-wordnet.sh");
            }
            for (String line : Files.readAllLines(p, StandardCharsets.ISO_8859_1)) {
                if (out.size() >= limit) {
                    return out;
                }
                int bar = line.indexOf(" | ");
                if (line.startsWith("  ") || bar < 0) {
                    continue; // the license header, or a line without a gloss
                }
                String[] fields = line.split(" ", 6); // offset, lex file, type, word count, first word, ...
                out.add(fields[4].replace('_', ' ') + ": " + line.substring(bar + 3).trim());
            }
        }
        return out;
    }
}
