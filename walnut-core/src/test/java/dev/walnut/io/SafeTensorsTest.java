package dev.walnut.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    Path write(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, bytes);
        return p;
    }

    String failure(byte[] bytes) throws IOException {
        Path p = write(bytes);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void roundTripsEveryWritableDtypeAndShape() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", Tensor.fromArray(new float[] {1.5f, -2f, Float.NaN, Float.NEGATIVE_INFINITY, 0f, 7f}, 2, 3));
        in.put("f64", Tensor.fromArray(new double[] {Math.PI, -0.0}, 2));
        in.put("i32", Tensor.fromArray(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, 3, 1));
        in.put("i64", Tensor.fromArray(new long[] {Long.MIN_VALUE, 42}, 1, 2));
        in.put("bool", Tensor.fromArray(new boolean[] {true, false, true}, 3));
        in.put("scalar", Tensor.scalar(3.25));
        in.put("empty", Tensor.zeros(0, 4));
        Path p = dir.resolve("all.safetensors");
        SafeTensors.save(p, in);
        Map<String, Tensor> out = SafeTensors.load(p);
        assertEquals(in.keySet(), out.keySet());
        for (String name : in.keySet()) {
            Tensor a = in.get(name);
            Tensor b = out.get(name);
            assertEquals(a.dtype(), b.dtype(), name);
            assertArrayEquals(a.shape(), b.shape(), name);
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), name);
        }
        assertArrayEquals(new boolean[] {true, false, true}, out.get("bool").toBooleanArray());
        assertEquals(Long.MIN_VALUE, out.get("i64").toLongArray()[0]);
    }

    @Test
    void roundTripsAMillionFloatsAndANonContiguousView() throws IOException {
        float[] big = new float[1_000_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5f - 3f;
        }
        Tensor view = Tensor.arange(6).reshape(2, 3).transpose(0, 1);
        Path p = dir.resolve("big.safetensors");
        SafeTensors.save(p, Map.of("big", Tensor.wrap(big, 1000, 1000), "view", view));
        Map<String, Tensor> out = SafeTensors.load(p);
        assertArrayEquals(big, out.get("big").toFloatArray());
        assertArrayEquals(new long[] {0, 3, 1, 4, 2, 5}, out.get("view").toLongArray());
    }

    @Test
    void writesTheReferenceLayout() throws IOException {
        Path p = dir.resolve("layout.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("b", Tensor.fromArray(new int[] {1}, 1));
        in.put("a", Tensor.fromArray(new float[] {2f}, 1));
        in.put("c", Tensor.fromArray(new long[] {3}, 1));
        SafeTensors.save(p, in, Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"c\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]}}", header.strip());
        assertEquals(8 + n + 16, bytes.length);
        assertEquals(Map.of("format", "pt"), SafeTensors.loadMetadata(p));
        assertEquals(List.of("c", "a", "b"), List.copyOf(SafeTensors.load(p).keySet()));
    }

    @Test
    void readsHalfAndBfloat16AndNarrowIntegersWidened() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(4 + 4 + 2 + 4).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort((short) 0x3C00).putShort((short) 0xC100);   // F16: 1.0, -2.5
        d.putShort((short) 0x3FC0).putShort((short) 0x4049);   // BF16: 1.5, 3.140625
        d.put((byte) -1).put((byte) 200);                      // I8 -1, U8 200
        d.putShort((short) -300).putShort((short) 0x0001);     // I16 -300, F16 smallest subnormal
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[],\"data_offsets\":[8,9]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[9,10]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[10,12]},"
                + "\"sub\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[12,14]}}";
        Map<String, Tensor> out = SafeTensors.load(write(file(header, d.array())));
        assertEquals(DType.F32, out.get("h").dtype());
        assertArrayEquals(new float[] {1f, -2.5f}, out.get("h").toFloatArray());
        assertArrayEquals(new float[] {1.5f, 3.140625f}, out.get("bf").toFloatArray());
        assertEquals(DType.I32, out.get("i8").dtype());
        assertEquals(-1, out.get("i8").toIntArray()[0]);
        assertEquals(200, out.get("u8").toIntArray()[0]);
        assertEquals(-300, out.get("i16").toIntArray()[0]);
        assertEquals(0x1p-24f, out.get("sub").toFloatArray()[0]);
    }

    @Test
    void fileShorterThanTheLengthFieldFails() throws IOException {
        assertTrue(failure(new byte[] {1, 2, 3}).contains("too short for the 8-byte header length"));
    }

    @Test
    void headerLengthLargerThanTheFileFails() throws IOException {
        byte[] b = file("{}", new byte[0]);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertTrue(failure(b).contains("header length 1099511627776 is larger than the 2 bytes"));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        assertTrue(failure(b).contains("header length 18446744073709551615 is larger"));
    }

    @Test
    void badJsonFails() throws IOException {
        assertTrue(failure(file("{\"a\":{\"dtype\":", new byte[0])).contains("header is not valid JSON"));
        assertTrue(failure(file("[1,2]", new byte[0])).contains("header is not a JSON object"));
        assertTrue(failure(file("{\"a\":1,\"a\":2}", new byte[0])).contains("duplicate key"));
    }

    @Test
    void unknownDtypeFails() throws IOException {
        String h = "{\"x\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        assertTrue(failure(file(h, new byte[8])).contains("tensor \"x\": unknown or unsupported dtype \"C64\""));
    }

    @Test
    void shapeAndByteCountMismatchFails() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        assertTrue(failure(file(h, new byte[8])).contains("shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8"));
    }

    @Test
    void negativeDimensionFails() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1,2],\"data_offsets\":[0,8]}}";
        assertTrue(failure(file(h, new byte[8])).contains("negative dimension -1"));
    }

    @Test
    void overflowingElementCountFailsBeforeAllocating() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}";
        assertTrue(failure(file(h, new byte[8])).contains("overflows the largest supported tensor"));
        String huge = "{\"x\":{\"dtype\":\"F64\",\"shape\":[100000000],\"data_offsets\":[0,800000000]}}";
        assertTrue(failure(file(huge, new byte[8])).contains("tensors cover 800000000 data bytes but the file has 8 (truncated?)"));
    }

    @Test
    void offsetsOutOfRangeFail() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        assertTrue(failure(file(h, new byte[8])).contains("leave a gap after byte 0"));
        String neg = "{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[-4,-4]}}";
        assertTrue(failure(file(neg, new byte[0])).contains("data_offsets [-4, -4] are out of range"));
    }

    @Test
    void overlappingOffsetsFail() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(failure(file(h, new byte[12])).contains("tensor \"y\" data_offsets [4, 12] overlap the previous tensor"));
    }

    @Test
    void dataNotCoveredByTensorsFails() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertTrue(failure(file(h, new byte[12])).contains("tensors cover 4 data bytes but the file has 12 (trailing bytes)"));
    }

    @Test
    void truncatedDataFails() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertTrue(failure(file(h, new byte[10])).contains("(truncated?)"));
    }

    @Test
    void nonStringMetadataFails() throws IOException {
        assertTrue(failure(file("{\"__metadata__\":{\"k\":1}}", new byte[0])).contains("__metadata__ value for \"k\" is not a string"));
    }

    @Test
    void summarizeReportsTheStoredDtypeNotTheWidenedOne() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort((short) 0x3FC0).putShort((short) 0xC049).putShort((short) 0).putShort((short) 0x4000);
        String header = "{\"__metadata__\":{\"k\":\"v\"},\"bf\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}";
        List<TensorSummary> s = SafeTensors.summarize(write(file(header, d.array())));
        // 1.5, -3.140625, 0, 2: the file holds 8 bytes of bfloat16, not 16 of float32.
        assertEquals(List.of(new TensorSummary("bf", "bfloat16", new long[] {2, 2}, 4, 8, -3.140625, 2.0,
                (1.5 - 3.140625 + 2.0) / 4)), s);
    }

    @Test
    void loadRefusesATensorLargerThanAWalnutTensorBeforeReadingIt() throws IOException {
        // The header is valid (summarize would stream it); only a tensor cannot hold 2^31 elements.
        long n = 1L << 31;
        String header = "{\"x\":{\"dtype\":\"U8\",\"shape\":[" + n + "],\"data_offsets\":[0," + n + "]}}";
        Path p = write(file(header, new byte[0]));
        try (var f = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(f.size());
            f.write(ByteBuffer.wrap(new byte[] {7}), f.size() + n - 1);   // sparse: 2 GiB of zeros, then a 7
        }
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("holds 2147483648 elements, more than the 2147483639"), e.getMessage());
    }

    @Test
    void dataThatEndEarlyWhileBeingReadFailWithTheFileName() {
        // What a reader sees when another program cuts the file after its header was checked.
        IOException e = assertThrows(IOException.class, () -> Elements.F32.read(
                new java.io.ByteArrayInputStream(new byte[6]), ByteOrder.LITTLE_ENDIAN, 2, new long[] {2}, "w.safetensors"));
        assertTrue(e.getMessage().startsWith("w.safetensors: the data end after 6 of the 8 bytes"), e.getMessage());
    }
}
