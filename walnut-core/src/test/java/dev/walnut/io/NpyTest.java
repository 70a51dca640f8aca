package dev.walnut.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    /** A version 1.0 (or 2.0 when {@code major == 2}) file with the given header and data. */
    static byte[] npy(int major, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        int pre = major == 1 ? 10 : 12;
        ByteBuffer b = ByteBuffer.allocate(pre + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        b.put(h).put(data);
        return b.array();
    }

    Path write(byte[] bytes) throws IOException {
        Path p = dir.resolve("x.npy");
        Files.write(p, bytes);
        return p;
    }

    String failure(byte[] bytes) throws IOException {
        Path p = write(bytes);
        IOException e = assertThrows(IOException.class, () -> Npy.load(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        return e.getMessage();
    }

    static void assertSame(Tensor a, Tensor b) {
        assertEquals(a.dtype(), b.dtype());
        assertArrayEquals(a.shape(), b.shape());
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
    }

    @Test
    void roundTripsEveryWritableDtypeAndShape() throws IOException {
        List<Tensor> cases = List.of(
                Tensor.fromArray(new float[] {1.5f, -2f, Float.NaN, 0f, 7f, 9f}, 2, 3),
                Tensor.fromArray(new double[] {Math.PI, -1e300}, 2),
                Tensor.fromArray(new int[] {Integer.MIN_VALUE, 5}, 2, 1, 1),
                Tensor.fromArray(new long[] {Long.MAX_VALUE}, 1),
                Tensor.fromArray(new boolean[] {true, false}, 2),
                Tensor.scalar(2.5),
                Tensor.zeros(3, 0));
        for (Tensor t : cases) {
            Path p = dir.resolve("t.npy");
            Npy.save(p, t);
            assertEquals(0, (Files.size(p) - t.numel() * t.dtype().byteSize()) % 64);
            assertSame(t, Npy.load(p));
        }
    }

    @Test
    void roundTripsAMillionFloats() throws IOException {
        Tensor t = Tensor.arange(0, 1_000_000, 1).to(DType.F32).reshape(1000, 1000);
        Path p = dir.resolve("big.npy");
        Npy.save(p, t);
        assertArrayEquals(t.toFloatArray(), Npy.load(p).toFloatArray());
    }

    @Test
    void readsFortranOrderBigEndianAndVersionTwo() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(24).order(ByteOrder.BIG_ENDIAN);
        for (int v : new int[] {1, 4, 2, 5, 3, 6}) {  // column-major [[1,2,3],[4,5,6]]
            d.putInt(v);
        }
        String h = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }";
        Tensor t = Npy.load(write(npy(2, h, d.array())));
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, t.toIntArray());
    }

    @Test
    void readsNarrowTypesWidened() throws IOException {
        assertArrayEquals(new int[] {255, 1},
                Npy.load(write(npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,)}", new byte[] {-1, 1}))).toIntArray());
        assertArrayEquals(new int[] {-1},
                Npy.load(write(npy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (1,)}", new byte[] {-1}))).toIntArray());
        assertArrayEquals(new int[] {-2},
                Npy.load(write(npy(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,)}", new byte[] {-2, -1}))).toIntArray());
        assertArrayEquals(new float[] {-2.5f},
                Npy.load(write(npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': ()}", new byte[] {0, (byte) 0xC1}))).toFloatArray());
    }

    @Test
    void badMagicFails() throws IOException {
        assertTrue(failure("PK\3\4 not numpy".getBytes(StandardCharsets.US_ASCII)).contains("bad magic string"));
    }

    @Test
    void truncatedPreambleFails() throws IOException {
        assertTrue(failure(new byte[] {(byte) 0x93, 'N', 'U'}).contains("too short for the .npy preamble"));
    }

    @Test
    void headerLengthLargerThanTheFileFails() throws IOException {
        byte[] b = npy(2, "{}", new byte[0]);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -1);
        assertTrue(failure(b).contains("header length 4294967295 is larger than the 2 bytes left"));
    }

    @Test
    void badHeaderDictFails() throws IOException {
        assertTrue(failure(npy(1, "{'descr': '<f4', 'fortran_order': Fals", new byte[0])).contains("malformed header dict"));
        assertTrue(failure(npy(1, "{'descr': '<f4'}", new byte[0])).contains("header dict needs 'descr'"));
    }

    @Test
    void unknownDtypeFails() throws IOException {
        assertTrue(failure(npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", new byte[8]))
                .contains("unsupported dtype '<c8'"));
    }

    @Test
    void shapeSizeMismatchFails() throws IOException {
        assertTrue(failure(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}", new byte[16]))
                .contains("shape [3] of '<f8' needs 24 data bytes but the file has 16 (truncated?)"));
        assertTrue(failure(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,)}", new byte[16]))
                .contains("needs 8000000000 data bytes"));
    }

    @Test
    void negativeAndOverflowingShapesFail() throws IOException {
        assertTrue(failure(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 2)}", new byte[0]))
                .contains("negative dimension"));
        assertTrue(failure(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", new byte[0]))
                .contains("overflows the largest supported tensor"));
    }

    @Test
    void npzRoundTripsInOrder() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", Tensor.fromArray(new float[] {1, 2, 3, 4}, 2, 2));
        in.put("mask", Tensor.fromArray(new boolean[] {true}, 1));
        in.put("step", Tensor.fromArray(new long[] {7}));
        Path p = dir.resolve("all.npz");
        Npy.saveNpz(p, in);
        Map<String, Tensor> out = Npy.loadNpz(p);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(out.keySet()));
        for (String k : in.keySet()) {
            assertSame(in.get(k), out.get(k));
        }
    }

    @Test
    void npzReadsDeflatedMembers() throws IOException {
        ByteArrayOutputStream npy = new ByteArrayOutputStream();
        Npy.write(npy, Tensor.fromArray(new double[] {1, 2, 3}, 3));
        Path p = dir.resolve("deflated.npz");
        try (OutputStream f = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(f)) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(npy.toByteArray());
            zip.closeEntry();
        }
        assertArrayEquals(new double[] {1, 2, 3}, Npy.loadNpz(p).get("x").toDoubleArray());
    }

    @Test
    void npzWithABadMemberNamesTheMember() throws IOException {
        Path p = dir.resolve("bad.npz");
        try (OutputStream f = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(f)) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            zip.closeEntry();
        }
        IOException e = assertThrows(IOException.class, () -> Npy.loadNpz(p));
        assertTrue(e.getMessage().contains("(member x.npy): bad magic string"), e.getMessage());
    }

    @Test
    void npzThatIsNotAZipFails() throws IOException {
        Path p = dir.resolve("junk.npz");
        Files.write(p, new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> Npy.loadNpz(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }

    // ------------------------------------------------------------------ bounded .npz decoding

    /** A zip archive of {@code (name, bytes)} pairs, every member deflated. */
    static byte[] zip(Object... nameThenBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (int i = 0; i < nameThenBytes.length; i += 2) {
                zip.putNextEntry(new ZipEntry((String) nameThenBytes[i]));
                zip.write((byte[]) nameThenBytes[i + 1]);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** Overwrites a 4-byte field of {@code member}'s central directory record (16: CRC-32, 24: size). */
    static void patchCentralDirectory(byte[] zip, String member, int field, long value) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 <= zip.length; i++) {
            if (b.getInt(i) == 0x02014b50) {
                int nameLength = b.getShort(i + 28) & 0xFFFF;
                if (new String(zip, i + 46, nameLength, StandardCharsets.ISO_8859_1).equals(member)) {
                    b.putInt(i + field, (int) value);
                    return;
                }
            }
        }
        throw new AssertionError("no central directory record for " + member);
    }

    static byte[] npyOf(Tensor t) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, t);
        return out.toByteArray();
    }

    String npzFailure(byte[] archive) throws IOException {
        Path p = dir.resolve("x.npz");
        Files.write(p, archive);
        IOException e = assertThrows(IOException.class, () -> Npy.loadNpz(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void npzMemberDeclaringMoreThanTheLimitFailsBeforeAllocating() throws IOException {
        // A 2 GiB float64 array declared by a 1 kB member whose directory entry agrees with it.
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (268435456,), }";
        byte[] member = npy(1, header, new byte[1000]);
        byte[] archive = zip("big.npy", member);
        patchCentralDirectory(archive, "big.npy", 24, 10 + header.length() + (1L << 31));
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        String m = npzFailure(archive);
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(m.contains("(member big.npy)") && m.contains("declares 2147483648 bytes of data")
                && m.contains("limit of 1073741824 bytes") && m.contains("-Dwalnut.maxDecompressedBytes="), m);
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes");
    }

    @Test
    void npzLimitCountsTheDataOfAllMembers() throws IOException {
        Path p = dir.resolve("two.npz");
        Files.write(p, zip("a.npy", npyOf(Tensor.zeros(100).to(DType.F64)), "b.npy", npyOf(Tensor.zeros(100).to(DType.F64))));
        assertEquals(2, Npy.loadNpz(p, 1600).size());
        IOException e = assertThrows(IOException.class, () -> Npy.loadNpz(p, 1599));
        assertTrue(e.getMessage().contains("(member b.npy)") && e.getMessage().contains("1600 with the members before it")
                && e.getMessage().contains("limit of 1599 bytes"), e.getMessage());
    }

    @Test
    void aMalformedLimitPropertyIsNamed() {
        String old = System.getProperty(Npy.MAX_DECOMPRESSED_PROPERTY);
        System.setProperty(Npy.MAX_DECOMPRESSED_PROPERTY, "2GB");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Npy::maxDecompressedBytes);
            assertTrue(e.getMessage().contains("walnut.maxDecompressedBytes=2GB is not a positive number"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Npy.MAX_DECOMPRESSED_PROPERTY);
            } else {
                System.setProperty(Npy.MAX_DECOMPRESSED_PROPERTY, old);
            }
        }
    }

    @Test
    void aFlippedByteInAStoredMemberFailsTheChecksum() throws IOException {
        Path p = dir.resolve("stored.npz");
        Npy.saveNpz(p, Map.of("x", Tensor.fromArray(new int[] {0x11223344}, 1)));
        byte[] archive = Files.readAllBytes(p);
        int at = -1;
        for (int i = 0; i + 4 <= archive.length && at < 0; i++) {
            if (archive[i] == 0x44 && archive[i + 1] == 0x33 && archive[i + 2] == 0x22 && archive[i + 3] == 0x11) {
                at = i;
            }
        }
        archive[at] ^= 1;
        String m = npzFailure(archive);
        assertTrue(m.contains("(member x.npy): CRC-32 of the member is") && m.contains("the file is corrupt"), m);
    }

    @Test
    void aDeflatedMemberWhoseChecksumDiffersFromTheArchivesFails() throws IOException {
        byte[] archive = zip("x.npy", npyOf(Tensor.of(1.0, 2.0)));
        patchCentralDirectory(archive, "x.npy", 16, 0);
        assertTrue(npzFailure(archive).contains("but the archive records 00000000"));
    }

    @Test
    void duplicateMemberNamesAreRejected() throws IOException {
        byte[] archive = zip("a.npy", npyOf(Tensor.of(1.0)), "b.npy", npyOf(Tensor.of(2.0)));
        byte[] from = "b.npy".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + from.length <= archive.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(archive, i, i + from.length), from)) {
                archive[i] = 'a';
            }
        }
        assertTrue(npzFailure(archive).contains("the archive holds two members named a.npy"));
        String m = npzFailure(zip("x.npy", npyOf(Tensor.of(1.0)), "x", npyOf(Tensor.of(2.0))));
        assertTrue(m.contains("members x.npy and x both give the array name 'x'"), m);
    }

    @Test
    void memberNamesThatArePathsAreRejected() throws IOException {
        for (String name : List.of("../up.npy", "/etc/abs.npy", "sub/x.npy", "..\\win.npy", "C:drive.npy", "...npy")) {
            String m = npzFailure(zip(name, npyOf(Tensor.of(1.0))));
            assertTrue(m.contains("(member " + name + ")") && m.contains("must be a plain file name"), m);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Npy.saveNpz(dir.resolve("w.npz"), Map.of("layer/weight", Tensor.of(1.0))));
        assertTrue(e.getMessage().contains("'layer/weight' is a path"), e.getMessage());
    }

    @Test
    void npzMemberCutShortNamesTheMember() throws IOException {
        byte[] member = npyOf(Tensor.zeros(1000).to(DType.F64));
        byte[] archive = zip("x.npy", Arrays.copyOf(member, member.length - 8));
        patchCentralDirectory(archive, "x.npy", 24, member.length);
        String m = npzFailure(archive);
        assertTrue(m.contains("(member x.npy)") && m.contains("truncated"), m);
    }

    // ------------------------------------------------------------------ summaries

    @Test
    void summarizeReportsTheStoredDtypeAndStatisticsOfAnNpyFile() throws IOException {
        byte[] halves = {0, 0x3C, 0, (byte) 0xC1, 0, 0x40};   // float16 1.0, -2.5, 2.0
        Path p = write(npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (3,)}", halves));
        assertEquals(new TensorSummary("x.npy", "float16", new long[] {3}, 3, 6, -2.5, 2.0, 0.5 / 3),
                Npy.summarize(p));
    }

    @Test
    void summarizeNpzStreamsEveryMemberInArchiveOrder() throws IOException {
        Path p = dir.resolve("s.npz");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("ids", Tensor.of(3L, 1L, 2L));
        in.put("empty", Tensor.zeros(0));
        Npy.saveNpz(p, in);
        List<TensorSummary> s = Npy.summarizeNpz(p);
        assertEquals(new TensorSummary("ids", "int64", new long[] {3}, 3, 24, 1, 3, 2), s.get(0));
        assertEquals("empty", s.get(1).name());
        assertTrue(Double.isNaN(s.get(1).min()) && Double.isNaN(s.get(1).mean()));
    }
}
