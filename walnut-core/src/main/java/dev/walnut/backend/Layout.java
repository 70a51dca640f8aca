package dev.walnut.backend;

/**
 * How a tensor's elements sit in its {@link Storage}: element {@code (i0, i1, ...)} is at
 * {@code offset + i0 * strides[0] + i1 * strides[1] + ...}. A stride of 0 repeats an element
 * (a broadcast dim). The arrays are shared, never written.
 *
 * <pre>{@code
 * Layout rowMajor = Layout.contiguous(new int[] {2, 3});       // strides [3, 1], offset 0
 * Layout transposed = new Layout(new int[] {3, 2}, new int[] {1, 3}, 0);
 * }</pre>
 *
 * @param shape   size of each dim
 * @param strides elements to step per index of each dim
 * @param offset  the first element's index
 */
public record Layout(int[] shape, int[] strides, int offset) {
    /** Row-major strides of {@code shape} from offset 0. */
    public static Layout contiguous(int[] shape) {
        return new Layout(shape, contiguousStrides(shape), 0);
    }

    /** Row-major strides of {@code shape}. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= Math.max(shape[d], 1);
        }
        return s;
    }

    /** Number of elements. */
    public int numel() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** True when the elements are row-major and dense from {@link #offset}. */
    public boolean isContiguous() {
        return isContiguous(shape, strides);
    }

    /** True when {@code strides} are row-major for {@code shape}: size-1 dims may have any stride, and empty is dense. */
    public static boolean isContiguous(int[] shape, int[] strides) {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) {
                return true;
            }
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }
}
