package dev.walnut.backend;

import dev.walnut.DType;

/**
 * A tensor's elements as a back end holds them, opaque above the back end: only the
 * {@link Backend} that allocated a storage reads or writes its elements. Every view of a tensor
 * shares one storage, and with it the version counter that in-place writes bump, so a write
 * through any view is seen by the autograd checks of all of them.
 *
 * <pre>{@code
 * Storage s = backend.allocate(DType.F32, 6);   // six zeros
 * backend.setDouble(s, 2, 1.5);
 * s.bumpVersion();                              // what an in-place write does
 * }</pre>
 */
public abstract class Storage {
    private final DType dtype;
    private int version;

    /** For back ends: a storage of {@code dtype} elements. */
    protected Storage(DType dtype) {
        this.dtype = dtype;
    }

    /** The element type. */
    public final DType dtype() {
        return dtype;
    }

    /** Number of elements held (views may use fewer). */
    public abstract int length();

    /** The version counter shared by every view; in-place writes bump it. */
    public final int version() {
        return version;
    }

    /** Records an in-place write. */
    public final void bumpVersion() {
        version++;
    }
}
