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

}
