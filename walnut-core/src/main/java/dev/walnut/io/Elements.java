package dev.walnut.io;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Element encodings shared by the safetensors and npy codecs: how many bytes one element takes
 * on disk, and how raw bytes become a tensor. Narrow on-disk types widen to a Walnut dtype
 * (F16/BF16 to F32; I8/U8/I16 to I32) because Walnut has no storage for them.
 */
enum Elements {
    BOOL(1, DType.BOOL),
    U8(1, DType.I32),
    I8(1, DType.I32),
    I16(2, DType.I32),
    F16(2, DType.F32),
    BF16(2, DType.F32),
    I32(4, DType.I32),
    F32(4, DType.F32),
    F64(8, DType.F64),
    I64(8, DType.I64);

    final int byteSize;
    final DType target;

    Elements(int byteSize, DType target) {
        this.byteSize = byteSize;
        this.target = target;
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
     * Decodes {@code count} elements from {@code src} (from its position, in its byte order) into
     * a new tensor of {@code shape}. The caller has already checked that the bytes are there.
     */
    Tensor decode(ByteBuffer src, int count, long[] shape) {
        ByteBuffer b = src.slice().order(src.order());
        switch (this) {
            case F32: {
                float[] a = new float[count];
                b.asFloatBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case F64: {
                double[] a = new double[count];
                b.asDoubleBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case I32: {
                int[] a = new int[count];
                b.asIntBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case I64: {
                long[] a = new long[count];
                b.asLongBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case BOOL: {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    a[i] = b.get(i) != 0;
                }
                return Tensor.fromArray(a, shape);
            }
            case U8:
            case I8: {
                int[] a = new int[count];
                for (int i = 0; i < count; i++) {
                    byte v = b.get(i);
                    a[i] = this == U8 ? v & 0xFF : v;
                }
                return Tensor.wrap(a, shape);
            }
            case I16: {
                int[] a = new int[count];
                for (int i = 0; i < count; i++) {
                    a[i] = b.getShort(2 * i);
                }
                return Tensor.wrap(a, shape);
            }
            case F16:
            case BF16: {
                float[] a = new float[count];
                for (int i = 0; i < count; i++) {
                    int bits = b.getShort(2 * i) & 0xFFFF;
                    a[i] = this == BF16 ? Float.intBitsToFloat(bits << 16) : halfToFloat(bits);
                }
                return Tensor.wrap(a, shape);
            }
            default:
                throw new AssertionError(this);
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
     * overflows a Java array (Walnut's storage limit).
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
}
