package dev.walnut.io;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Element encodings shared by the safetensors and npy codecs: how many bytes one element takes
 * on disk, and how raw bytes become a tensor. Narrow on-disk types widen to a Walnut dtype
 * (F16/BF16 to F32; I8/U8/I16 to I32) because Walnut has no storage for them.
 *
 * <p>Data is always read from a stream in chunks of {@link #CHUNK_BYTES}: the only full-size
 * allocation is the tensor's own array, and nothing is memory-mapped, so a file truncated or
 * replaced while it is read ends in an {@link IOException}, never in a {@code SIGBUS}.
 */
enum Elements {
    BOOL(1, DType.BOOL, "bool"),
    U8(1, DType.I32, "uint8"),
    I8(1, DType.I32, "int8"),
    I16(2, DType.I32, "int16"),
    F16(2, DType.F32, "float16"),
    BF16(2, DType.F32, "bfloat16"),
    I32(4, DType.I32, "int32"),
    F32(4, DType.F32, "float32"),
    F64(8, DType.F64, "float64"),
    I64(8, DType.I64, "int64");

    /** Bytes read per chunk (a multiple of every element size). */
    static final int CHUNK_BYTES = 1 << 20;
    /** The largest element count of a Walnut tensor: the largest array every JVM allows. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    final int byteSize;
    final DType target;
    /** The NumPy/PyTorch name of the on-disk type, shown by {@link TensorSummary}. */
    final String displayName;

    Elements(int byteSize, DType target, String displayName) {
        this.byteSize = byteSize;
        this.target = target;
        this.displayName = displayName;
    }

    /** The on-disk encoding Walnut writes for a dtype. */
    static Elements of(DType dtype) {
        switch (dtype) {
            case BOOL: return BOOL;
            case I32: return I32;
            case I64: return I64;
            case F32: return F32;
            case F64: return F64;
            default: throw new IllegalArgumentException("no file encoding for " + dtype);
        }
    }

    /**
     * Reads {@code count} elements (in {@code order}) from {@code in} into a new tensor of
     * {@code shape}. The caller has checked {@code count} against {@link #MAX_ELEMENTS} and any
     * decompression limit; {@code where} names the file in the error when the data end early.
     */
    Tensor read(InputStream in, ByteOrder order, int count, long[] shape, String where) throws IOException {
        Object array = newArray(count);
        forEachChunk(in, order, count, where, (chunk, offset, n) -> decodeInto(chunk, array, offset, n));
        return wrap(array, shape);
    }

    /** Reads {@code count} elements (count may exceed an array's size) into {@code stats}, chunk by chunk. */
    void summarize(InputStream in, ByteOrder order, long count, Stats stats, String where) throws IOException {
        forEachChunk(in, order, count, where, (chunk, offset, n) -> summarizeChunk(chunk, n, stats));
    }

    private interface ChunkConsumer {
        void accept(ByteBuffer chunk, long firstElement, int elements);
    }

    private void forEachChunk(InputStream in, ByteOrder order, long count, String where, ChunkConsumer consumer)
            throws IOException {
        byte[] buffer = new byte[(int) Math.min(CHUNK_BYTES, Math.max(count, 1) * byteSize)];
        long done = 0;
        while (done < count) {
            int n = (int) Math.min(count - done, buffer.length / byteSize);
            int bytes = n * byteSize;
            int got = in.readNBytes(buffer, 0, bytes);
            if (got < bytes) {
                throw new IOException(where + ": the data end after " + (done * byteSize + got) + " of the "
                        + count * byteSize + " bytes the header declares (truncated, or changed while being read)");
            }
            consumer.accept(ByteBuffer.wrap(buffer, 0, bytes).order(order), done, n);
            done += n;
        }
    }

    private Object newArray(int count) {
        switch (target) {
            case F32: return new float[count];
            case F64: return new double[count];
            case I32: return new int[count];
            case I64: return new long[count];
            case BOOL: return new boolean[count];
            default: throw new AssertionError(target);
        }
    }

    private static Tensor wrap(Object array, long[] shape) {
        if (array instanceof float[] a) {
            return Tensor.wrap(a, shape);
        }
        if (array instanceof double[] a) {
            return Tensor.wrap(a, shape);
        }
        if (array instanceof int[] a) {
            return Tensor.wrap(a, shape);
        }
        if (array instanceof long[] a) {
            return Tensor.wrap(a, shape);
        }
        return Tensor.fromArray((boolean[]) array, shape);
    }

    /** Decodes the {@code n} elements of {@code b} into {@code array} from index {@code offset}. */
    private void decodeInto(ByteBuffer b, Object array, long offset, int n) {
        int at = (int) offset;
        switch (this) {
            case F32 -> b.asFloatBuffer().get((float[]) array, at, n);
            case F64 -> b.asDoubleBuffer().get((double[]) array, at, n);
            case I32 -> b.asIntBuffer().get((int[]) array, at, n);
            case I64 -> b.asLongBuffer().get((long[]) array, at, n);
            case BOOL -> {
                boolean[] a = (boolean[]) array;
                for (int i = 0; i < n; i++) {
                    a[at + i] = b.get(i) != 0;
                }
            }
            case U8, I8, I16 -> {
                int[] a = (int[]) array;
                for (int i = 0; i < n; i++) {
                    a[at + i] = (int) value(b, i);
                }
            }
            case F16, BF16 -> {
                float[] a = (float[]) array;
                for (int i = 0; i < n; i++) {
                    a[at + i] = (float) value(b, i);
                }
            }
            default -> throw new AssertionError(this);
        }
    }

    private void summarizeChunk(ByteBuffer b, int n, Stats stats) {
        for (int i = 0; i < n; i++) {
            stats.add(value(b, i));
        }
    }

    /** Element {@code i} of {@code b} as a double (exact for every type but I64 beyond 2^53). */
    private double value(ByteBuffer b, int i) {
        switch (this) {
            case BOOL: return b.get(i) != 0 ? 1 : 0;
            case U8: return b.get(i) & 0xFF;
            case I8: return b.get(i);
            case I16: return b.getShort(2 * i);
            case F16: return halfToFloat(b.getShort(2 * i) & 0xFFFF);
            case BF16: return Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
            case I32: return b.getInt(4 * i);
            case F32: return b.getFloat(4 * i);
            case F64: return b.getDouble(8 * i);
            case I64: return b.getLong(8 * i);
            default: throw new AssertionError(this);
        }
    }

    /** IEEE 754 binary16 to binary32 (exact: every half is a float). */
    static float halfToFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // Subnormal or zero: value = mant * 2^-24.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Encodes a tensor's elements (row-major) in little-endian order. */
    static ByteBuffer encode(Tensor t) {
        Elements e = of(t.dtype());
        long bytes = t.numel() * e.byteSize;
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large to encode");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case F32: b.asFloatBuffer().put(t.toFloatArray()); break;
            case F64: b.asDoubleBuffer().put(t.toDoubleArray()); break;
            case I32: b.asIntBuffer().put(t.toIntArray()); break;
            case I64: b.asLongBuffer().put(t.toLongArray()); break;
            case BOOL: {
                boolean[] a = t.toBooleanArray();
                for (int i = 0; i < a.length; i++) {
                    b.put(i, (byte) (a[i] ? 1 : 0));
                }
                break;
            }
            default: throw new AssertionError(t.dtype());
        }
        return b;
    }

    /**
     * The element count of {@code shape}, or -1 when a dimension is negative or the product
     * overflows a long.
     */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException ex) {
                return -1;
            }
        }
        return n;
    }

    /** Running min, max and sum of a tensor's values, in double precision. */
    static final class Stats {
        long count;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum;

        void add(double x) {
            // Math.min/max propagate NaN, so a tensor holding NaN reports it, like torch.min.
            min = Math.min(min, x);
            max = Math.max(max, x);
            sum += x;
            count++;
        }
    }
}
