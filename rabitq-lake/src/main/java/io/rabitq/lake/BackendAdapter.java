package io.rabitq.lake;

import io.rabitq.core.QuantizedIndex;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A source of vector collections the {@link Lake} caches and searches. Implementations are thread-safe. The
 * generation is an opaque token that changes whenever a collection's vectors change; the cache compares it on
 * every coherence check, so it must be cheap.
 */
public interface BackendAdapter {
    /** Unique id of this backend within a lake. */
    String id();

    /** The collections this backend serves now. */
    List<String> listCollections();

    /**
     * The current generation of {@code collection}.
     *
     * @throws LakeException.UnknownCollection if the backend has no such collection
     */
    String generation(String collection);

    /**
     * Streams every vector of {@code collection} to {@code sink} in batches, read at {@code generation} where the
     * backend can (Delta versions, bundle generations) and else at the current state.
     */
    void pull(String collection, String generation, Consumer<VectorBatch> sink);

    /** Where the collection's bytes live, for humans and for the witness of indexes built from them. */
    default String dataRef(String collection) {
        return id() + "://" + collection;
    }

    /**
     * The collection at {@code generation} as a ready index with the witness of its bytes, when the backend
     * stores one (bundles); empty when the cache must build one from {@link #pull}.
     */
    default Optional<Prebuilt> prebuilt(String collection, String generation) {
        return Optional.empty();
    }

    /** A ready index and the witness of the bytes it was loaded from. */
    record Prebuilt(QuantizedIndex index, String witness) {
    }
}
