package io.rabitq.core;

/** The (kind, seed, dim, paddedDim) identity shared by the rotation implementations. */
abstract class BaseRotation implements Rotation {
    protected final RotationKind kind;
    protected final long seed;
    protected final int dim;
    protected final int pdim;

    BaseRotation(RotationKind kind, long seed, int dim, int paddedDim) {
        this.kind = kind;
        this.seed = seed;
        this.dim = dim;
        this.pdim = paddedDim;
    }

    @Override
    public RotationKind kind() {
        return kind;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int paddedDim() {
        return pdim;
    }
}
