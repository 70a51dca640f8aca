package dev.walnut.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.walnut.DType;
import dev.walnut.Tensor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * TensorProto ⇄ Walnut tensors. Every size a file states is checked against the bytes it really
 * holds before anything is allocated, so a lying header gives an error, never an
 * OutOfMemoryError; external data is read only from files inside the model's directory.
 */
final class TensorProtos {
    // ONNX TensorProto.DataType values.
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
            BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, BFLOAT16 = 16;

    private TensorProtos() {
    }

    /** ONNX's name of a data type, for messages. */
    static String typeName(int type) {
        return switch (type) {
            case FLOAT -> "FLOAT";
            case UINT8 -> "UINT8";
            case INT8 -> "INT8";
            case UINT16 -> "UINT16";
            case INT16 -> "INT16";
            case INT32 -> "INT32";
            case INT64 -> "INT64";
            case STRING -> "STRING";
            case BOOL -> "BOOL";
            case FLOAT16 -> "FLOAT16";
            case DOUBLE -> "DOUBLE";
            case UINT32 -> "UINT32";
            case UINT64 -> "UINT64";
            case BFLOAT16 -> "BFLOAT16";
            default -> "type " + type;
        };
    }

    /**
     * The Walnut dtype that holds an ONNX type: small integers widen to I32, FLOAT16/BFLOAT16 to
     * F32 (Walnut has no 16-bit floats), or null when Walnut cannot hold it (strings, 64-bit unsigned).
     */
    static DType dtype(int type) {
        return switch (type) {
            case FLOAT, FLOAT16, BFLOAT16 -> DType.F32;
            case DOUBLE -> DType.F64;
            case UINT8, INT8, UINT16, INT16, INT32 -> DType.I32;
            case INT64, UINT32 -> DType.I64;
            case BOOL -> DType.BOOL;
            default -> null;
        };
    }

    private static int elementSize(int type) {
        return switch (type) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16, FLOAT16, BFLOAT16 -> 2;
            case FLOAT, INT32, UINT32 -> 4;
            case INT64, DOUBLE, UINT64 -> 8;
            default -> -1;
        };
    }

    /**
     * Reads a tensor.
     *
     * @param what names the tensor in errors (file and initializer or attribute)
     * @param baseDir the model's directory, for external data; null forbids external data
     */
    static Tensor read(TensorProto t, String what, Path baseDir) {
        int type = t.getDataType();
        DType dtype = dtype(type);
        if (dtype == null) {
            throw new OnnxException(what + ": data type " + typeName(type) + " is not supported");
        }
        long[] shape = new long[t.getDimsCount()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.getDims(i);
            if (shape[i] < 0) {
                throw new OnnxException(what + ": negative dimension in shape " + t.getDimsList());
            }
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw new OnnxException(what + ": shape " + t.getDimsList() + " has more elements than a long holds");
            }
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new OnnxException(what + ": shape " + t.getDimsList() + " has " + numel
                    + " elements, more than a Java array holds");
        }
        int n = (int) numel;
        byte[] raw = null;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = external(t, what, baseDir, (long) n * elementSize(type));
        } else if (!t.getRawData().isEmpty() || countTyped(t) == 0) {
            raw = t.getRawData().toByteArray();
        }
        if (raw != null) {
            long expected = (long) n * elementSize(type);
            if (raw.length != expected) {
                throw new OnnxException(what + ": shape " + t.getDimsList() + " of " + typeName(type) + " needs "
                        + expected + " bytes of data, the file holds " + raw.length);
            }
            return fromRaw(raw, type, dtype, n, shape);
        }
        int have = countTyped(t);
        if (have != n) {
            throw new OnnxException(what + ": shape " + t.getDimsList() + " needs " + n + " values, the file holds "
                    + have);
        }
        return switch (type) {
            case FLOAT -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = t.getFloatData(i);
                }
                yield Tensor.wrap(a, shape);
            }
            case DOUBLE -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = t.getDoubleData(i);
                }
                yield Tensor.wrap(a, shape);
            }
            case INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = t.getInt64Data(i);
                }
                yield Tensor.wrap(a, shape);
            }
            case UINT32 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = t.getUint64Data(i);
                }
                yield Tensor.wrap(a, shape);
            }
            case FLOAT16, BFLOAT16 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = type == FLOAT16 ? halfToFloat(t.getInt32Data(i)) : Float.intBitsToFloat(t.getInt32Data(i) << 16);
                }
                yield Tensor.wrap(a, shape);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = t.getInt32Data(i) != 0;
                }
                yield Tensor.fromArray(a, shape);
            }
            default -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = t.getInt32Data(i);
                }
                yield Tensor.wrap(a, shape);
            }
        };
    }

    private static int countTyped(TensorProto t) {
        return switch (t.getDataType()) {
            case FLOAT -> t.getFloatDataCount();
            case DOUBLE -> t.getDoubleDataCount();
            case INT64 -> t.getInt64DataCount();
            case UINT32, UINT64 -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
    }

    private static Tensor fromRaw(byte[] raw, int type, DType dtype, int n, long[] shape) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT -> {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case DOUBLE -> {
                double[] a = new double[n];
                b.asDoubleBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case INT64 -> {
                long[] a = new long[n];
                b.asLongBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case INT32 -> {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                return Tensor.wrap(a, shape);
            }
            case UINT32 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Integer.toUnsignedLong(b.getInt());
                }
                return Tensor.wrap(a, shape);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = raw[i] != 0;
                }
                return Tensor.fromArray(a, shape);
            }
            case FLOAT16, BFLOAT16 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    int bits = b.getShort() & 0xffff;
                    a[i] = type == FLOAT16 ? halfToFloat(bits) : Float.intBitsToFloat(bits << 16);
                }
                return Tensor.wrap(a, shape);
            }
            default -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = switch (type) {
                        case UINT8 -> raw[i] & 0xff;
                        case INT8 -> raw[i];
                        case UINT16 -> b.getShort() & 0xffff;
                        default -> b.getShort();
                    };
                }
                return Tensor.wrap(a, shape);
            }
        }
    }

    /** IEEE 754 binary16 bits to float (Float.float16ToFloat is Java 20+; this module targets 17). */
    static float halfToFloat(int bits) {
        int sign = (bits >>> 15) & 1, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        float v;
        if (exp == 0) {
            v = mant * 0x1p-24f;
        } else if (exp == 31) {
            v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat(((exp - 15 + 127) << 23) | (mant << 13));
        }
        return sign == 0 ? v : -v;
    }

    /**
     * Reads external data: {@code location} relative to the model's directory, which the resolved
     * file (after following links) must stay inside; {@code offset} and {@code length} within the file.
     */
    private static byte[] external(TensorProto t, String what, Path baseDir, long expected) {
        String location = null;
        long offset = 0, length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> {
                        // checksum and other keys do not change where the bytes are
                    }
                }
            } catch (NumberFormatException ex) {
                throw new OnnxException(what + ": external data " + e.getKey() + " \"" + e.getValue()
                        + "\" is not a number");
            }
        }
        if (location == null) {
            throw new OnnxException(what + ": external data without a location");
        }
        if (baseDir == null) {
            throw new OnnxException(what + ": external data \"" + location
                    + "\" needs the model's directory; load the model from a file");
        }
        try {
            Path dir = baseDir.toRealPath();
            Path file = dir.resolve(location).normalize();
            if (!file.startsWith(dir) || (Files.exists(file) && !file.toRealPath().startsWith(dir))) {
                throw new OnnxException(what + ": external data location \"" + location
                        + "\" leaves the model's directory " + dir);
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
                throw new OnnxException(what + ": external data file " + file + " does not exist");
            }
            long size = Files.size(file);
            if (length < 0) {
                length = size - offset;
            }
            if (offset < 0 || length != expected || offset > size || length > size - offset) {
                throw new OnnxException(what + ": external data in " + file + " at offset " + offset + ", length "
                        + length + " does not hold the " + expected + " bytes its shape " + t.getDimsList()
                        + " needs (file size " + size + ")");
            }
            byte[] out = new byte[(int) length];
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                f.seek(offset);
                f.readFully(out);
            }
            return out;
        } catch (IOException e) {
            throw new OnnxException(what + ": cannot read external data \"" + location + "\": " + e, e);
        }
    }

    /** The ONNX data type of a Walnut dtype. */
    static int onnxType(DType dtype) {
        return switch (dtype) {
            case F32 -> FLOAT;
            case F64 -> DOUBLE;
            case I32 -> INT32;
            case I64 -> INT64;
            case BOOL -> BOOL;
        };
    }
}
