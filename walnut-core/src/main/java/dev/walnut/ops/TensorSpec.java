package dev.walnut.ops;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.util.Arrays;

/**
 * What shape and dtype inference works with: a tensor's shape and dtype, without data. Op
 * definitions map input specs to output specs ({@link OpDef#infer}), which is how a graph can
 * be checked and planned before anything runs.
 *
 * <pre>{@code
 * TensorSpec a = new TensorSpec(new long[] {2, 3}, DType.F32);
 * ElementwiseOps.ADD.infer(NoAttrs.NONE, a, TensorSpec.of(Tensor.scalar(1.0, DType.F64)));  // [2, 3] F32
 * }</pre>
 */
public record TensorSpec(long[] shape, DType dtype) {
    public TensorSpec {
        shape = shape.clone();
    }

    /** The spec of an existing tensor. */
    public static TensorSpec of(Tensor t) {
        return new TensorSpec(t.shape(), t.dtype());
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** This spec with another dtype. */
    public TensorSpec withDType(DType dt) {
        return new TensorSpec(shape, dt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec s && Arrays.equals(shape, s.shape) && dtype == s.dtype;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + dtype.hashCode();
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
