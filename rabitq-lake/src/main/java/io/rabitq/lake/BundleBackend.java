package io.rabitq.lake;

import io.rabitq.bundle.Bundle;
import io.rabitq.bundle.Bundles;
import io.rabitq.core.IndexSnapshot;
import io.rabitq.core.QuantizedIndex;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Bundle directories under a root, one collection per subdirectory with a published bundle; the generation is
 * the bundle's live generation. The cache loads bundles as they are (every byte verified) instead of
 * rebuilding them, keyed by the bundle witness, so keys over the same bundle bytes share one index.
 */
public final class BundleBackend implements BackendAdapter {
    private final String id;
    private final Path root;

    public BundleBackend(String id, Path root) {
        this.id = id;
        this.root = root.toAbsolutePath();
    }

    private Path dir(String collection) {
        if (collection.isEmpty() || collection.equals(".") || collection.equals("..") || collection.contains("/") || collection.contains("\\")) {
            throw new LakeException.UnknownCollection(id, collection, "a collection is a plain subdirectory name of " + root);
        }
        return root.resolve(collection);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public List<String> listCollections() {
        return Directories.collections(root, p -> Bundles.currentGeneration(p).isPresent());
    }

    @Override
    public String generation(String collection) {
        return Bundles.currentGeneration(dir(collection)).orElseThrow(() ->
                new LakeException.UnknownCollection(id, collection, "no bundle is published in " + dir(collection)));
    }

    @Override
    public Optional<Prebuilt> prebuilt(String collection, String generation) {
        try (Bundle b = Bundle.open(dir(collection), generation, Bundle.Verification.FULL)) {
            return Optional.of(new Prebuilt(IndexBundles.load(b), b.manifest().witness()));
        }
    }

    /** The bundle's raw vectors (bundles written without them hold codes only and cannot be pulled). */
    @Override
    public void pull(String collection, String generation, Consumer<VectorBatch> sink) {
        QuantizedIndex index = prebuilt(collection, generation).orElseThrow().index();
        IndexSnapshot s = index.snapshot();
        if (!s.hasRaw()) {
            throw new LakeException("bundle " + dir(collection) + " stores codes only; its vectors cannot be pulled");
        }
        for (IndexSnapshot.Cluster c : s.clusters()) {
            if (c.ids().length > 0) {
                sink.accept(new VectorBatch(c.ids(), c.raw().toArray(), s.dim()));
            }
        }
    }

    @Override
    public String dataRef(String collection) {
        return "bundle://" + dir(collection);
    }
}
