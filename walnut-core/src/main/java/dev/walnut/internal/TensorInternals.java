package dev.walnut.internal;

import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The few {@link Tensor} internals the autograd engine needs, published by {@code Tensor}'s
 * static initialiser. This keeps the engine in {@code dev.walnut.autograd} without widening
 * {@code Tensor}'s public API (the JDK's "shared secrets" pattern). Not for application use.
 */
public interface TensorInternals {
    /** Makes {@code t} output number {@code outputIndex} of {@code node} (sets requiresGrad). */
    void attachGradFn(Tensor t, Node node, int outputIndex);

    /** Gradient hooks registered on {@code t}, or null. */
    List<UnaryOperator<Tensor>> hooks(Tensor t);

    /** True when {@code t} is a non-leaf that asked for {@code retainGrad()}. */
    boolean retainsGrad(Tensor t);

    /** Adds {@code g} into {@code t.grad()} (sets it when absent). */
    void accumulateGrad(Tensor t, Tensor g);

    /** The shape array itself (not a copy; do not modify). */
    int[] shape(Tensor t);

    /**
     * An object that identifies {@code t}'s storage: the same for every view of it, compared by
     * identity (a tracer uses it to recognise aliases). Opaque: nothing can be read through it.
     */
    Object storageKey(Tensor t);

    /** The index of {@code t}'s first element in its storage. */
    int offset(Tensor t);

    /** {@code t}'s strides, in elements (not to be modified). */
    int[] strides(Tensor t);

    /** Zeros of an int[] shape. */
    Tensor zeros(int[] shape, dev.walnut.DType dtype);

    /** Sums broadcast dims of {@code t} away to reach {@code shape}. */
    Tensor sumToShape(Tensor t, int[] shape);

    /**
     * Null, or why {@code t} cannot be recorded: it is a view taken before its base was
     * overwritten by a recorded in-place write, so its history would skip that write.
     */
    String staleView(String op, Tensor t);

    /** The function-transform tag {@code t} carries ({@code vmap}'s batched, {@code jvp}'s dual tensors), or null. */
    dev.walnut.dispatch.TransformTag transformTag(Tensor t);

    /**
     * A tensor over {@code t}'s storage with {@code t}'s layout less dim {@code dropDim} (none when
     * negative), carrying {@code tag}: how a transform makes the tensors its function sees.
     */
    Tensor tagged(Tensor t, int dropDim, dev.walnut.dispatch.TransformTag tag);

    /**
     * {@code index} as a contiguous I64 tensor; fails naming {@code op} and {@code what} unless it
     * is I64 or I32. A conversion happens outside the dispatcher, so it is reported to tracers.
     */
    Tensor longIndex(String op, String what, Tensor index);

    /**
     * The first value of the contiguous I64 {@code index} outside {@code [0, size)} (or
     * {@code [-size, size)} with {@code allowNegative}), or null when all are in range.
     */
    Long firstOutOfRange(Tensor index, long size, boolean allowNegative);

    /** The largest value of the contiguous I64 {@code index} ({@code Long.MIN_VALUE} when empty). */
    long maxValue(Tensor index);

    /**
     * The one-hot kernel: an I64 tensor of shape {@code index.shape + [classes]} for the contiguous
     * I64 {@code index}, whose values the caller has checked to be in {@code [0, classes)}.
     */
    Tensor oneHot(Tensor index, int classes);





    /** Shorthand for {@code get().shape(t)}. */
    static int[] shapeOf(Tensor t) {
        return get().shape(t);
    }

    /** The instance registered by {@code Tensor}. */
    static TensorInternals get() {
        TensorInternals a = Holder.instance;
        if (a == null) {
            // Initialising Tensor runs its static block, which registers the instance.
            try {
                Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = Holder.instance;
        }
        return a;
    }

    /** Called once by {@code Tensor}. */
    static void register(TensorInternals access) {
        Holder.instance = access;
    }

    /** Storage for the registered instance. */
    final class Holder {
        static volatile TensorInternals instance;

        private Holder() {
        }
    }
}
