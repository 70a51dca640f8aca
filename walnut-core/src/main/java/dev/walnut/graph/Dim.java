package dev.walnut.graph;

import java.util.Arrays;
import java.util.List;

/**
 * One dimension of a graph value's shape: a fixed size, or a size that follows the graph's
 * dynamic dims (its {@link Symbol}s) as {@code constant + sum(coefficients[i] * symbol[i])}. A
 * flattened {@code [?, 28, 28]} input gives {@code 784} and {@code ?}; a batch of pairs
 * concatenated along dim 0 gives {@code 2*?}.
 *
 * <pre>{@code
 * Dim fixed = Dim.of(784);
 * Dim batch = Dim.affine(64, 0, new long[] {1});   // ?, 64 when traced
 * batch.eval(new long[] {32});                     // 32
 * }</pre>
 */
public final class Dim {
    private final long example;
    private final long constant;
    private final long[] coefficients;

    private Dim(long example, long constant, long[] coefficients) {
        this.example = example;
        this.constant = constant;
        this.coefficients = coefficients;
    }

    /** A fixed size. */
    public static Dim of(long size) {
        return new Dim(size, size, null);
    }

    /**
     * {@code constant + sum(coefficients[i] * symbol[i])}, which was {@code example} when
     * traced; all-zero coefficients give a fixed size.
     */
    public static Dim affine(long example, long constant, long[] coefficients) {
        if (coefficients == null || Arrays.stream(coefficients).allMatch(c -> c == 0)) {
            return of(example);
        }
        return new Dim(example, constant, coefficients.clone());
    }

    /**
     * {@code this + factor * other + constant}, an affine size again (e.g. the end of a slice,
     * {@code start + step * length + 1 - step}, from its start and length).
     */
    public Dim plus(Dim other, long factor, long constant) {
        int n = Math.max(symbolCount(), other.symbolCount());
        long[] c = new long[n];
        for (int i = 0; i < n; i++) {
            c[i] = coefficient(i) + factor * other.coefficient(i);
        }
        return affine(example + factor * other.example + constant, this.constant + factor * other.constant + constant, c);
    }

    /** Fixed sizes of a shape. */
    static Dim[] fixed(long[] shape) {
        Dim[] d = new Dim[shape.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = of(shape[i]);
        }
        return d;
    }

    /** Sizes at trace time. */
    static long[] examples(Dim[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape[i].example;
        }
        return s;
    }

    /** True for a fixed size. */
    public boolean isStatic() {
        return coefficients == null;
    }

    /** The size when traced. */
    public long example() {
        return example;
    }

    long constant() {
        return constant;
    }

    /** The coefficient of symbol {@code i} (0 for a fixed size). */
    public long coefficient(int i) {
        return coefficients == null || i >= coefficients.length ? 0 : coefficients[i];
    }

    int symbolCount() {
        return coefficients == null ? 0 : coefficients.length;
    }

    /** The size for these symbol values. */
    public long eval(long[] symbols) {
        if (coefficients == null) {
            return example;
        }
        long v = constant;
        for (int i = 0; i < coefficients.length; i++) {
            v += coefficients[i] * symbols[i];
        }
        return v;
    }

    /** Like {@code "784"}, {@code "?"} or {@code "2*s0+1"}, with the graph's symbol names. */
    String format(List<Symbol> symbols) {
        if (coefficients == null) {
            return Long.toString(example);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < coefficients.length; i++) {
            long c = coefficients[i];
            if (c == 0) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(c > 0 ? "+" : "-");
            } else if (c < 0) {
                sb.append("-");
            }
            if (Math.abs(c) != 1) {
                sb.append(Math.abs(c)).append('*');
            }
            sb.append(symbols.size() == 1 ? "?" : symbols.get(i).name());
        }
        if (constant != 0) {
            sb.append(constant > 0 ? "+" : "-").append(Math.abs(constant));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dim d && d.example == example && d.constant == constant && Arrays.equals(d.coefficients, coefficients);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(example) * 31 + Arrays.hashCode(coefficients);
    }

    @Override
    public String toString() {
        return coefficients == null ? Long.toString(example) : "Dim[" + constant + " + " + Arrays.toString(coefficients) + "·s]";
    }
}
