package dev.walnut.data;

import dev.walnut.Tensor;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes IDX files, the format of MNIST and Fashion-MNIST: a magic number
 * {@code 0x00 0x00 <type> <ndim>}, {@code ndim} big-endian 32-bit dimensions, then the
 * elements in row-major order. Files may be gzip-compressed ({@code .gz}); compression is
 * recognised by the gzip magic bytes whatever the file is called.
 *
 * <pre>{@code
 * Idx.Data images = Idx.read(Path.of("train-images-idx3-ubyte.gz"));
 * images.shape();                        // [60000, 28, 28]
 * int pixel = images.unsigned(0);        // 0..255
 * Tensor t = images.toTensor();          // I32 [60000, 28, 28]
 * Idx.write(Path.of("small.idx.gz"), new int[] {2, 2}, new byte[] {0, 1, 2, (byte) 255});
 * }</pre>
 *
 * <p>Only the unsigned-byte element type ({@code 0x08}, all that MNIST-style data uses) is
 * supported; other types are rejected by name. Reading validates everything before trusting
 * it: the magic number, non-negative dimensions whose product fits in an array, and a data
 * length equal to what the header declares. A plain file's declared size is compared with its
 * length before any data is read. The data of a gzip file or a stream has no length to compare
 * with, so what its header declares may be at most {@link #maxDecompressedBytes()} (1 GiB unless
 * the system property {@value #MAX_DECOMPRESSED_PROPERTY} says otherwise, or per call with
 * {@link #read(Path, long)}); it is read in chunks and exactly as far as declared, so a
 * decompression bomb costs neither memory nor time. Problems are {@link IOException}s naming the
 * file and what is wrong.
 */
public final class Idx {
    /** The unsigned-byte element type code. */
    public static final int UNSIGNED_BYTE = 0x08;
    /** Largest element count read: the largest Java array that every JVM allows. */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int CHUNK = 1 << 20;
    /** The system property that sets {@link #maxDecompressedBytes()}: a number of bytes. */
    public static final String MAX_DECOMPRESSED_PROPERTY = "walnut.maxDecompressedBytes";
    /** The default of {@link #maxDecompressedBytes()}: 1 GiB (the full Fashion-MNIST is 55 MB). */
    public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 1L << 30;

    private Idx() {
    }

    /**
     * The contents of an IDX file of unsigned bytes.
     *
     * <pre>{@code
     * Idx.Data labels = Idx.read(Path.of("train-labels-idx1-ubyte.gz"));
     * int[] y = labels.toIntArray();           // 60000 values 0..9
     * }</pre>
     */
    public static final class Data {
        private final int[] shape;
        private final byte[] bytes;

        /**
         * Wraps {@code bytes} (not copied) as an array of the given shape.
         *
         * @throws IllegalArgumentException when a dimension is negative or the sizes disagree
         */
        public Data(int[] shape, byte[] bytes) {
            Objects.requireNonNull(shape, "Idx.Data: shape");
            Objects.requireNonNull(bytes, "Idx.Data: bytes");
            long n = 1;
            for (int d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("Idx.Data: negative dimension in shape " + Arrays.toString(shape));
                }
                n *= d;
                if (n > MAX_ELEMENTS) {
                    throw new IllegalArgumentException("Idx.Data: shape " + Arrays.toString(shape) + " is too large");
                }
            }
            if (shape.length == 0 || shape.length > 255) {
                throw new IllegalArgumentException("Idx.Data: IDX needs 1 to 255 dimensions, got shape "
                        + Arrays.toString(shape));
            }
            if (n != bytes.length) {
                throw new IllegalArgumentException("Idx.Data: shape " + Arrays.toString(shape) + " holds " + n
                        + " elements but " + bytes.length + " bytes were given");
            }
            this.shape = shape.clone();
            this.bytes = bytes;
        }

        /** A copy of the shape. */
        public int[] shape() {
            return shape.clone();
        }

        /** The number of dimensions. */
        public int ndim() {
            return shape.length;
        }

        /** The size of dimension {@code d}. */
        public int dim(int d) {
            return shape[d];
        }

        /** The number of elements. */
        public int numel() {
            return bytes.length;
        }

        /** The element at flat (row-major) index {@code i}, as 0..255. */
        public int unsigned(int i) {
            return bytes[i] & 0xFF;
        }

        /** A copy of the raw bytes (unsigned values stored in Java's signed {@code byte}). */
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The elements as ints 0..255. */
        public int[] toIntArray() {
            int[] out = new int[bytes.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = bytes[i] & 0xFF;
            }
            return out;
        }

        /** The elements as an I32 tensor of this shape (values 0..255). */
        public Tensor toTensor() {
            long[] s = new long[shape.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = shape[i];
            }
            return Tensor.wrap(toIntArray(), s);
        }

        /** The backing array, not copied (for this package's loaders). */
        byte[] raw() {
            return bytes;
        }

        @Override
        public String toString() {
            return "Idx.Data(unsigned byte, shape " + Arrays.toString(shape) + ")";
        }
    }

    /**
     * The most data bytes {@link #read(Path)} accepts from a gzip file or a stream: the system
     * property {@value #MAX_DECOMPRESSED_PROPERTY} when set, else
     * {@value #DEFAULT_MAX_DECOMPRESSED_BYTES}.
     *
     * @throws IllegalArgumentException when the property is not a positive integer
     */
    public static long maxDecompressedBytes() {
        String value = System.getProperty(MAX_DECOMPRESSED_PROPERTY, String.valueOf(DEFAULT_MAX_DECOMPRESSED_BYTES));
        long limit;
        try {
            limit = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit <= 0) {
            throw new IllegalArgumentException("Idx: system property " + MAX_DECOMPRESSED_PROPERTY + "=" + value
                    + " is not a positive number of bytes");
        }
        return limit;
    }

    /** Reads an IDX file, plain or gzip-compressed, with the {@link #maxDecompressedBytes()} limit. */
    public static Data read(Path path) throws IOException {
        return read(path, maxDecompressedBytes());
    }

    /**
     * Reads an IDX file, plain or gzip-compressed; a gzip file's header may declare at most
     * {@code maxDecompressedBytes} bytes of data.
     */
    public static Data read(Path path, long maxDecompressedBytes) throws IOException {
        Objects.requireNonNull(path, "Idx.read: path");
        if (Files.isDirectory(path)) {
            throw new IOException(path + " is a directory, not an IDX file");
        }
        long fileSize = Files.size(path);
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString(), fileSize, maxDecompressedBytes);
        }
    }

    /**
     * Reads an IDX file from {@code in} (plain or gzip-compressed) to its end, with the
     * {@link #maxDecompressedBytes()} limit; {@code name} (a file name or URL) is used in error
     * messages. Does not close {@code in}.
     */
    public static Data read(InputStream in, String name) throws IOException {
        return read(in, name, maxDecompressedBytes());
    }

    /** {@link #read(InputStream, String)} with the header allowed to declare at most {@code maxBytes} of data. */
    public static Data read(InputStream in, String name, long maxBytes) throws IOException {
        return read(in, name, -1, maxBytes);
    }

    private static Data read(InputStream raw, String name, long fileSize, long maxBytes) throws IOException {
        Objects.requireNonNull(raw, "Idx.read: input stream");
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1F && b1 == 0x8B) {
            GZIPInputStream gz;
            try {
                gz = new GZIPInputStream(in, 1 << 16);
            } catch (IOException e) {
                throw new IOException(name + ": not a valid gzip file (" + e.getMessage() + ")", e);
            }
            try {
                return readIdx(new BufferedInputStream(gz, 1 << 16), name + " (decompressed)", -1, maxBytes);
            } catch (EOFException e) {
                throw new IOException(name + ": truncated gzip stream (" + e.getMessage() + ")", e);
            } catch (java.util.zip.ZipException e) {
                throw new IOException(name + ": corrupt gzip data (" + e.getMessage() + ")", e);
            }
        }
        return readIdx(in, name, fileSize, maxBytes);
    }

    /**
     * Reads header and data; {@code totalSize} is the stream's length when known, else -1 (and
     * then the declared data may be at most {@code maxBytes}).
     */
    private static Data readIdx(InputStream in, String name, long totalSize, long maxBytes) throws IOException {
        byte[] magic = new byte[4];
        int got = readFully(in, magic, 0, 4);
        if (got < 4) {
            throw new IOException(name + ": truncated IDX header: the file has only " + got
                    + " bytes, but the magic number alone needs 4");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IOException(name + ": not an IDX file: the magic number starts with " + hex(magic[0]) + " "
                    + hex(magic[1]) + " instead of 0x00 0x00");
        }
        int type = magic[2] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(name + ": IDX element type " + hex(magic[2]) + " (" + typeName(type)
                    + ") is not supported; only unsigned byte (0x08) is");
        }
        int ndim = magic[3] & 0xFF;
        if (ndim == 0) {
            throw new IOException(name + ": the IDX header declares 0 dimensions; at least 1 is needed");
        }
        byte[] dimBytes = new byte[4 * ndim];
        got = readFully(in, dimBytes, 0, dimBytes.length);
        if (got < dimBytes.length) {
            throw new IOException(name + ": truncated IDX header: it declares " + ndim + " dimensions ("
                    + dimBytes.length + " bytes) but ends after " + got + " of them");
        }
        int[] shape = new int[ndim];
        long count = 1;
        for (int d = 0; d < ndim; d++) {
            int v = ((dimBytes[4 * d] & 0xFF) << 24) | ((dimBytes[4 * d + 1] & 0xFF) << 16)
                    | ((dimBytes[4 * d + 2] & 0xFF) << 8) | (dimBytes[4 * d + 3] & 0xFF);
            if (v < 0) {
                throw new IOException(name + ": IDX dimension " + d + " is " + Integer.toUnsignedLong(v)
                        + ", larger than the supported maximum " + Integer.MAX_VALUE);
            }
            shape[d] = v;
            count *= v;
            if (count > MAX_ELEMENTS) {
                throw new IOException(name + ": the IDX header declares shape " + Arrays.toString(shape)
                        + " whose element count does not fit in a Java array (at most " + MAX_ELEMENTS + ")");
            }
        }
        int n = (int) count;
        long header = 4L + 4L * ndim;
        if (totalSize >= 0 && totalSize - header != n) {
            throw new IOException(name + ": the IDX header declares shape " + Arrays.toString(shape) + " = " + n
                    + " bytes of data, but the file has " + (totalSize - header) + " after the " + header
                    + "-byte header" + (totalSize - header < n ? " (truncated?)" : " (trailing bytes)"));
        }
        if (totalSize < 0 && n > maxBytes) {
            throw new IOException(name + ": the IDX header declares shape " + Arrays.toString(shape) + " = " + n
                    + " bytes of data, more than the limit of " + maxBytes + " bytes for compressed data or a stream;"
                    + " if the file is trusted, raise the limit with -D" + MAX_DECOMPRESSED_PROPERTY + "=BYTES (for "
                    + "the walnut command in WALNUT_JAVA_OPTS) or Idx.read(path, maxDecompressedBytes)");
        }
        // Grow the buffer as data actually arrives, so a header that declares far more than
        // the stream holds costs at most twice the real size, never the declared size.
        byte[] data = new byte[Math.min(n, CHUNK)];
        int filled = 0;
        while (filled < n) {
            if (filled == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(n, 2L * data.length));
            }
            int r = in.read(data, filled, data.length - filled);
            if (r < 0) {
                throw new IOException(name + ": truncated IDX data: the header declares shape " + Arrays.toString(shape)
                        + " = " + n + " bytes, but only " + filled + " follow it");
            }
            filled += r;
        }
        // Counted up to a cap: a gzip stream can expand to terabytes of trailing zeros.
        long extra = 0;
        byte[] scratch = new byte[8192];
        for (int r; extra < CHUNK && (r = in.read(scratch)) > 0; ) {
            extra += r;
        }
        if (extra > 0) {
            throw new IOException(name + ": " + (extra < CHUNK ? extra : "at least " + CHUNK) + " trailing bytes after the "
                    + n + " bytes of data the IDX header declares (shape " + Arrays.toString(shape) + ")");
        }
        return new Data(shape, data);
    }

    private static int readFully(InputStream in, byte[] buf, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int r = in.read(buf, off + total, len - total);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    private static String hex(byte b) {
        return String.format("0x%02X", b & 0xFF);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown type";
        };
    }

    /**
     * Writes an unsigned-byte IDX file; gzip-compressed when the file name ends in {@code .gz}.
     *
     * @throws IllegalArgumentException when the shape does not match {@code bytes.length}
     */
    public static void write(Path path, int[] shape, byte[] bytes) throws IOException {
        Data data = new Data(shape, bytes);
        boolean gz = path.getFileName().toString().endsWith(".gz");
        try (OutputStream file = Files.newOutputStream(path);
             OutputStream out = gz ? new GZIPOutputStream(file, 1 << 16) : file) {
            write(out, data);
        }
    }

    /** Writes {@code data} as a plain (uncompressed) IDX stream. Does not close {@code out}. */
    public static void write(OutputStream out, Data data) throws IOException {
        int[] shape = data.shape;
        byte[] header = new byte[4 + 4 * shape.length];
        header[2] = UNSIGNED_BYTE;
        header[3] = (byte) shape.length;
        for (int d = 0; d < shape.length; d++) {
            header[4 + 4 * d] = (byte) (shape[d] >>> 24);
            header[5 + 4 * d] = (byte) (shape[d] >>> 16);
            header[6 + 4 * d] = (byte) (shape[d] >>> 8);
            header[7 + 4 * d] = (byte) shape[d];
        }
        out.write(header);
        out.write(data.bytes);
    }
}
