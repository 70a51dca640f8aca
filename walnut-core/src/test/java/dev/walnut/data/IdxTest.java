package dev.walnut.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    /** Header {@code 00 00 type ndim} + big-endian dims, then {@code data}. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(0);
        out.write(type);
        out.write(dims.length);
        for (int d : dims) {
            out.write(d >>> 24);
            out.write(d >>> 16);
            out.write(d >>> 8);
            out.write(d);
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    String failure(String name, byte[] bytes) throws IOException {
        Path p = file(name, bytes);
        IOException e = assertThrows(IOException.class, () -> Idx.read(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        return e.getMessage();
    }

    static final byte[] SIX = {0, 1, 2, (byte) 128, (byte) 254, (byte) 255};

    @Test
    void readsAPlainFile() throws IOException {
        Idx.Data d = Idx.read(file("x-idx2-ubyte", idx(8, new int[] {2, 3}, SIX)));
        assertArrayEquals(new int[] {2, 3}, d.shape());
        assertArrayEquals(new int[] {0, 1, 2, 128, 254, 255}, d.toIntArray());
        assertEquals(255, d.unsigned(5));
        Tensor t = d.toTensor();
        assertEquals(DType.I32, t.dtype());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertArrayEquals(new int[] {0, 1, 2, 128, 254, 255}, t.toIntArray());
    }

    @Test
    void readsGzipByNameOrByMagic() throws IOException {
        byte[] gz = gzip(idx(8, new int[] {6}, SIX));
        assertArrayEquals(new int[] {0, 1, 2, 128, 254, 255}, Idx.read(file("x.gz", gz)).toIntArray());
        assertArrayEquals(new int[] {6}, Idx.read(file("no-extension", gz)).shape());
        assertArrayEquals(new int[] {6}, Idx.read(new ByteArrayInputStream(gz), "stream").shape());
    }

    @Test
    void writeThenReadRoundTrips() throws IOException {
        byte[] data = new byte[4 * 5 * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        for (String name : new String[] {"a.idx", "a.idx.gz"}) {
            Path p = dir.resolve(name);
            Idx.write(p, new int[] {4, 5, 3}, data);
            Idx.Data d = Idx.read(p);
            assertArrayEquals(new int[] {4, 5, 3}, d.shape());
            assertArrayEquals(data, d.bytes());
        }
        assertTrue(Files.size(dir.resolve("a.idx")) == 16 + 60);
        assertEquals(0x1F, Files.readAllBytes(dir.resolve("a.idx.gz"))[0]);
    }

    @Test
    void emptyDimensionsAreValid() throws IOException {
        Idx.Data d = Idx.read(file("empty", idx(8, new int[] {0, 28, 28}, new byte[0])));
        assertEquals(0, d.numel());
        assertArrayEquals(new int[] {0, 28, 28}, d.shape());
    }

    @Test
    void badMagicIsRejected() throws IOException {
        byte[] b = idx(8, new int[] {6}, SIX);
        b[1] = 1;
        assertTrue(failure("bad", b).contains("not an IDX file"));
        assertTrue(failure("text", "hello world".getBytes()).contains("not an IDX file"));
    }

    @Test
    void unsupportedTypeIsNamed() throws IOException {
        String m = failure("floats", idx(0x0D, new int[] {1}, new byte[4]));
        assertTrue(m.contains("0x0D") && m.contains("float") && m.contains("0x08"), m);
        assertTrue(failure("odd", idx(0x42, new int[] {1}, new byte[1])).contains("0x42"));
    }

    @Test
    void zeroDimensionsAndTruncatedHeadersAreRejected() throws IOException {
        assertTrue(failure("ndim0", idx(8, new int[0], new byte[0])).contains("0 dimensions"));
        byte[] h = idx(8, new int[] {2, 3}, new byte[0]);
        assertTrue(failure("short", Arrays.copyOf(h, 9)).contains("truncated IDX header"));
        assertTrue(failure("tiny", new byte[] {0, 0}).contains("truncated IDX header"));
    }

    @Test
    void truncatedAndOverlongDataAreRejected() throws IOException {
        byte[] full = idx(8, new int[] {2, 3}, SIX);
        String plain = failure("cut", Arrays.copyOf(full, full.length - 1));
        assertTrue(plain.contains("[2, 3]") && plain.contains("6 bytes") && plain.contains("has 5"), plain);
        String gz = failure("cut.gz", gzip(Arrays.copyOf(full, full.length - 1)));
        assertTrue(gz.contains("truncated IDX data") && gz.contains("only 5"), gz);
        assertTrue(failure("long", idx(8, new int[] {2, 3}, new byte[7])).contains("trailing"));
        assertTrue(failure("long.gz", gzip(idx(8, new int[] {2, 3}, new byte[7]))).contains("1 trailing bytes"));
        byte[] gzBytes = gzip(full);
        String cutGzip = failure("cutgzip.gz", Arrays.copyOf(gzBytes, gzBytes.length - 10));
        assertTrue(cutGzip.contains("truncated") || cutGzip.contains("gzip"), cutGzip);
    }

    @Test
    void negativeAndOverflowingDimensionsAreRejected() throws IOException {
        String neg = failure("neg", idx(8, new int[] {-1}, new byte[0]));
        assertTrue(neg.contains("4294967295"), neg);
        String huge = failure("huge", idx(8, new int[] {65536, 65536}, new byte[0]));
        assertTrue(huge.contains("does not fit"), huge);
    }

    @Test
    void aHugeDeclaredSizeInAGzipFileFailsWithoutAllocatingIt() throws IOException {
        // 2,000,000,000 declared bytes, 1,000 present: must not allocate the declared size.
        Path p = file("huge.gz", gzip(idx(8, new int[] {1000, 1000, 2000}, new byte[1000])));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        IOException e = assertThrows(IOException.class, () -> Idx.read(p, Long.MAX_VALUE));
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(e.getMessage().contains("2000000000 bytes") && e.getMessage().contains("only 1000"), e.getMessage());
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes while reading a 1 kB stream");
        // The plain file's length is known up front: compared before any data is read.
        Path plain = file("huge", idx(8, new int[] {1000, 1000, 2000}, new byte[1000]));
        IOException pe = assertThrows(IOException.class, () -> Idx.read(plain));
        assertTrue(pe.getMessage().contains("truncated?"), pe.getMessage());
    }

    @Test
    void aGzipHeaderDeclaringMoreThanTheLimitFailsBeforeReadingTheData() throws IOException {
        // The bomb: [2,700,000, 28, 28] = 2.1 GB declared, followed by compressed zeros.
        Path p = file("bomb-images-idx3-ubyte.gz", gzip(idx(8, new int[] {2_700_000, 28, 28}, new byte[1 << 20])));
        String m = assertThrows(IOException.class, () -> Idx.read(p)).getMessage();
        assertTrue(m.startsWith(p + " (decompressed): the IDX header declares shape [2700000, 28, 28] = 2116800000 bytes")
                && m.contains("limit of 1073741824 bytes") && m.contains("-Dwalnut.maxDecompressedBytes="), m);
    }

    @Test
    void theLimitCanBeGivenPerCallAndAppliesToStreams() throws IOException {
        byte[] six = gzip(idx(8, new int[] {2, 3}, SIX));
        Path p = file("six.gz", six);
        assertEquals(6, Idx.read(p, 6).numel());
        assertTrue(assertThrows(IOException.class, () -> Idx.read(p, 5)).getMessage().contains("limit of 5 bytes"));
        byte[] plain = idx(8, new int[] {2, 3}, SIX);
        assertTrue(assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(plain), "stream", 5))
                .getMessage().startsWith("stream: the IDX header declares shape [2, 3] = 6 bytes"));
        // A plain file's length vouches for its declared size: no limit applies.
        assertEquals(6, Idx.read(file("six", plain), 5).numel());
    }

    @Test
    void trailingDataAfterTheDeclaredSizeIsReadOnlyAsFarAsNeededToReportIt() throws IOException {
        // A one-byte array followed by 16 MB of zeros that compress to a few kB.
        Path p = file("tail.gz", gzip(idx(8, new int[] {1}, new byte[16 << 20])));
        String m = assertThrows(IOException.class, () -> Idx.read(p)).getMessage();
        assertTrue(m.contains("at least 1048576 trailing bytes after the 1 bytes of data"), m);
    }

    @Test
    void aDirectoryIsNotAnIdxFile() {
        String m = assertThrows(IOException.class, () -> Idx.read(dir)).getMessage();
        assertEquals(dir + " is a directory, not an IDX file", m);
    }
}
