package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.cli.CliRun.Result;
import dev.walnut.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    void showsTheStoredDtypeAndByteCountOfABfloat16File() throws IOException {
        byte[] header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        b.putShort((short) 0x3F80).putShort((short) 0x4000).putShort((short) 0x4040).putShort((short) 0x4080);   // 1 2 3 4
        Path p = Files.write(dir.resolve("half.safetensors"), b.array());
        Result r = CliRun.run("inspect", p.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("safetensors, 1 tensor, 4 elements, 8 B"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  w\\s+bfloat16 \\[2, 2\\]\\s+4\\s+8 B\\s+1\\s+4\\s+2\\.5000\\n.*"), r.out());
    }

    @Test
    void escapesControlCharactersInNamesAndMetadata() throws IOException {
        Path p = dir.resolve("evil.safetensors");
        SafeTensors.save(p, Map.of("red\u001b[31mname", Tensor.of(1.0)),
                Map.of("note\n", "line1\nline2\u202egnp.exe", "bell", "\u0007"));
        Result r = CliRun.run("inspect", p.toString());
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertFalse(r.out().chars().anyMatch(c -> c == 0x1b || c == 0x07 || c == 0x202e), r.out());
        assertTrue(r.out().contains("red\\u001b[31mname"), r.out());
        assertTrue(r.out().contains("  note\\n: line1\\nline2\\u202egnp.exe"), r.out());
        assertTrue(r.out().contains("  bell: \\u0007"), r.out());
    }

    @Test
    void aDirectoryIsNamedAsOne() {
        Result r = CliRun.run("inspect", dir.toString());
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertEquals("walnut: error: " + dir + " is a directory; give a .safetensors, .npy or .npz file", r.err().strip());
    }

    @Test
    void aDecompressionBombIsOneLineNamingTheFile() throws IOException {
        // An .npz member whose header declares 2 GiB of float64 behind a directory entry that agrees.
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (268435456,), }";
        var npy = new java.io.ByteArrayOutputStream();
        npy.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        npy.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        npy.writeBytes(new byte[1000]);
        var zip = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.ZipOutputStream(zip)) {
            z.putNextEntry(new java.util.zip.ZipEntry("big.npy"));
            z.write(npy.toByteArray());
            z.closeEntry();
        }
        byte[] archive = zip.toByteArray();
        ByteBuffer bb = ByteBuffer.wrap(archive).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 <= archive.length; i++) {
            if (bb.getInt(i) == 0x02014b50) {
                bb.putInt(i + 24, (int) (10 + header.length() + (1L << 31)));
            }
        }
        Path p = Files.write(dir.resolve("bomb.npz"), archive);
        Result r = CliRun.run("inspect", p.toString());
        // inspect streams, so the declared size costs time, not memory: the member is only 1 kB.
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: error: " + p + " (member big.npy): the data end after 1000 of the "
                + "2147483648 bytes"), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
    }
}
