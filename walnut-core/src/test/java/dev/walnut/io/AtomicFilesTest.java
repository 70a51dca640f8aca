package dev.walnut.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> namesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writeReplacesTheContentAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("metrics.csv");
        AtomicFiles.writeString(target, "old\n");
        AtomicFiles.writeString(target, "new\n");
        assertEquals("new\n", Files.readString(target));
        assertEquals(List.of("metrics.csv"), namesIn(dir));
    }

    @Test
    void aFailingWriteKeepsThePreviousFileAndRemovesItsTemporary() throws IOException {
        Path target = dir.resolve("checkpoint.json");
        AtomicFiles.writeString(target, "good");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("good", Files.readString(target));
        assertEquals(List.of("checkpoint.json"), namesIn(dir));
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            throw new IllegalStateException("bug in the writer");
        }));
        assertEquals(List.of("checkpoint.json"), namesIn(dir));
    }

    @Test
    void aReaderOfTheOldFileKeepsReadingTheOldContent() throws IOException {
        Path target = dir.resolve("weights.bin");
        AtomicFiles.write(target, out -> out.write(new byte[] {1, 2, 3, 4}));
        try (InputStream old = Files.newInputStream(target)) {
            assertEquals(1, old.read());
            AtomicFiles.write(target, out -> out.write(new byte[] {9}));
            assertEquals(2, old.read());   // a truncating writer would have cut this stream short
            assertEquals(3, old.read());
        }
        assertEquals(List.of((byte) 9), List.of(Files.readAllBytes(target)[0]));
    }

    @Test
    void aNewFileGetsTheModeOfAnyNewlyCreatedFileNotOwnerOnly() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        Path atomic = dir.resolve("atomic.txt");
        AtomicFiles.writeString(atomic, "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
    }

    @Test
    void aReplacedFileKeepsItsPermissions() throws IOException {
        Path target = dir.resolve("secret.npy");
        AtomicFiles.writeString(target, "v1");
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        Files.setPosixFilePermissions(target, ownerOnly);
        AtomicFiles.writeString(target, "v2");
        assertEquals(ownerOnly, Files.getPosixFilePermissions(target));
    }

    @Test
    void aSymbolicLinkStaysALinkAndTheFileItPointsToIsReplaced() throws IOException {
        Path real = Files.createDirectory(dir.resolve("run3")).resolve("checkpoint.safetensors");
        AtomicFiles.writeString(real, "v1");
        Path link = Files.createSymbolicLink(dir.resolve("latest.safetensors"), real);
        AtomicFiles.writeString(link, "v2");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("v2", Files.readString(real));
        assertEquals(List.of("checkpoint.safetensors"), namesIn(real.getParent()));
    }

    @Test
    void writingIntoAMissingDirectoryOrOverADirectorySaysSo() throws IOException {
        Path missing = dir.resolve("no-such-dir").resolve("x.csv");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> AtomicFiles.writeString(missing, "x"));
        assertTrue(e.getMessage().contains("its directory does not exist"), e.getMessage());
        Path sub = Files.createDirectory(dir.resolve("sub"));
        IOException d = assertThrows(IOException.class, () -> AtomicFiles.writeString(sub, "x"));
        assertTrue(d.getMessage().contains(sub + " is a directory"), d.getMessage());
    }

    @Test
    void removeStaleTemporariesDeletesOnlyLeftoversOfThatFile() throws IOException {
        Path target = dir.resolve("checkpoint.safetensors");
        Files.writeString(target, "current");
        Files.writeString(dir.resolve("checkpoint.safetensors.0123456789abcdef.tmp"), "crashed");
        Files.writeString(dir.resolve("checkpoint.safetensors8815633412.tmp"), "crashed, older naming");
        Files.writeString(dir.resolve("checkpoint.safetensors.bak"), "a user's copy");
        Files.writeString(dir.resolve("other.safetensors.0123456789abcdef.tmp"), "another file's");
        assertEquals(2, AtomicFiles.removeStaleTemporaries(target));
        assertEquals(List.of("checkpoint.safetensors", "checkpoint.safetensors.bak",
                "other.safetensors.0123456789abcdef.tmp"), namesIn(dir));
    }

    @Test
    void removeStaleTemporariesLeavesAWriteInProgressAlone() throws IOException {
        Path target = dir.resolve("checkpoint.safetensors");
        int[] removedDuringWrite = {-1};
        AtomicFiles.write(target, out -> {
            out.write(new byte[] {1, 2, 3});
            removedDuringWrite[0] = AtomicFiles.removeStaleTemporaries(target);
            out.write(new byte[] {4});
        });
        assertEquals(0, removedDuringWrite[0]);
        assertEquals(4, Files.size(target));
    }

    /** A stand-in for another process in the middle of a write: it holds the temporary's lock. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (var channel = java.nio.channels.FileChannel.open(Path.of(args[0]),
                    java.nio.file.StandardOpenOption.WRITE); var lock = channel.lock()) {
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }

    @Test
    void removeStaleTemporariesLeavesATemporaryLockedByAnotherProcessAlone() throws Exception {
        Path target = dir.resolve("checkpoint.safetensors");
        Path writing = Files.writeString(dir.resolve("checkpoint.safetensors.0123456789abcdef.tmp"), "half");
        Path javaBinary = Path.of(System.getProperty("java.home"), "bin", "java");
        Process other = new ProcessBuilder(javaBinary.toString(), "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), writing.toString()).start();
        try {
            assertEquals("locked", new String(other.getInputStream().readNBytes(6)));
            assertEquals(0, AtomicFiles.removeStaleTemporaries(target));
            assertTrue(Files.exists(writing));
        } finally {
            other.destroyForcibly().waitFor();
        }
        assertEquals(1, AtomicFiles.removeStaleTemporaries(target));   // its writer died: now it is stale
        assertFalse(Files.exists(writing));
    }

    @Test
    void everyWriterReplacesItsFileInsteadOfOverwritingIt() throws IOException {
        Tensor t = Tensor.of(1.0, 2.0);
        Path st = dir.resolve("w.safetensors");
        Path npy = dir.resolve("w.npy");
        Path npz = dir.resolve("w.npz");
        SafeTensors.save(st, Map.of("w", t));
        Npy.save(npy, t);
        Npy.saveNpz(npz, Map.of("w", t));
        Object[] inodes = {Files.getAttribute(st, "unix:ino"), Files.getAttribute(npy, "unix:ino"),
                Files.getAttribute(npz, "unix:ino")};
        SafeTensors.save(st, Map.of("w", t));
        Npy.save(npy, t);
        Npy.saveNpz(npz, Map.of("w", t));
        assertNotEquals(inodes[0], Files.getAttribute(st, "unix:ino"));
        assertNotEquals(inodes[1], Files.getAttribute(npy, "unix:ino"));
        assertNotEquals(inodes[2], Files.getAttribute(npz, "unix:ino"));
        assertEquals(List.of("w.npy", "w.npz", "w.safetensors"), namesIn(dir));
    }

    @Test
    void anNpzWriteThatFailsHalfwayLeavesThePreviousArchive() throws IOException {
        Path npz = dir.resolve("w.npz");
        Npy.saveNpz(npz, Map.of("w", Tensor.of(1.0)));
        byte[] before = Files.readAllBytes(npz);
        Map<String, Tensor> second = new java.util.LinkedHashMap<>();
        second.put("a", Tensor.of(2.0, 3.0));
        second.put("b", null);   // fails after member "a" was written
        assertThrows(NullPointerException.class, () -> Npy.saveNpz(npz, second));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(npz)));
        assertEquals(List.of("w.npz"), namesIn(dir));
    }
}
