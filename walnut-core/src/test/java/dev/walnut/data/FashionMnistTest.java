package dev.walnut.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path dir;

    @Test
    void aGivenDirectoryWithoutTheFilesNamesTheExpectedFiles() {
        var e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(dir, true, null));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz")
                && e.getMessage().contains("train-labels-idx1-ubyte.gz") && e.getMessage().contains(dir.toString()),
                e.getMessage());
        var missing = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(dir.resolve("nope"), false));
        assertTrue(missing.getMessage().contains("t10k-images-idx3-ubyte"), missing.getMessage());
    }

    static byte[] pixels(int n) {
        byte[] b = new byte[n * 28 * 28];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void loadsPlainOrGzipFilesFromAGivenDirectory() throws IOException {
        Idx.write(dir.resolve("t10k-images-idx3-ubyte"), new int[] {3, 28, 28}, pixels(3));
        Idx.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {3}, new byte[] {4, 0, 9});
        FashionMnist test = FashionMnist.load(dir, false);
        assertEquals(3, test.size());
        assertArrayEquals(new int[] {4, 0, 9}, test.labels());
        assertTrue(test.source().contains(dir.resolve("t10k-images-idx3-ubyte").toString()), test.source());
        assertEquals(255.0 / 255.0, test.get(0)[0].getDouble(0, 9, 3), 1e-7);   // byte 255 at flat index 255
    }

    @Test
    void filesThatAreNotFashionMnistAreRejected() throws IOException {
        Idx.write(dir.resolve("train-images-idx3-ubyte"), new int[] {2, 28, 28}, pixels(2));
        Idx.write(dir.resolve("train-labels-idx1-ubyte"), new int[] {2, 1}, new byte[] {1, 2});
        var ndim = assertThrows(IOException.class, () -> FashionMnist.load(dir, true));
        assertTrue(ndim.getMessage().contains("train-labels-idx1-ubyte") && ndim.getMessage().contains("[2, 1]"),
                ndim.getMessage());
        Idx.write(dir.resolve("train-labels-idx1-ubyte"), new int[] {2}, new byte[] {1, 10});
        var label = assertThrows(IOException.class, () -> FashionMnist.load(dir, true));
        assertTrue(label.getMessage().contains("label 10 at index 1"), label.getMessage());
        Idx.write(dir.resolve("train-labels-idx1-ubyte"), new int[] {3}, new byte[] {1, 2, 3});
        var count = assertThrows(IOException.class, () -> FashionMnist.load(dir, true));
        assertTrue(count.getMessage().contains("3 labels") && count.getMessage().contains("2 images"),
                count.getMessage());
        Idx.write(dir.resolve("train-images-idx3-ubyte"), new int[] {1, 28, 27}, new byte[28 * 27]);
        assertThrows(IOException.class, () -> FashionMnist.load(dir, true));
    }

    @Test
    void classesAreFashionMnistsTenClasses() {
        assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Ankle boot"), FashionMnist.CLASSES);
    }

    @Test
    void theFingerprintIdentifiesTheDataWhereverAndHoweverTheyAreStored() throws IOException {
        Path plain = Files.createDirectory(dir.resolve("plain"));
        Path gzipped = Files.createDirectory(dir.resolve("gzipped"));
        Idx.write(plain.resolve("t10k-images-idx3-ubyte"), new int[] {3, 28, 28}, pixels(3));
        Idx.write(plain.resolve("t10k-labels-idx1-ubyte"), new int[] {3}, new byte[] {4, 0, 9});
        Idx.write(gzipped.resolve("t10k-images-idx3-ubyte.gz"), new int[] {3, 28, 28}, pixels(3));
        Idx.write(gzipped.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {3}, new byte[] {4, 0, 9});
        FashionMnist a = FashionMnist.load(plain, false);
        FashionMnist b = FashionMnist.load(gzipped, false);
        assertTrue(a.fingerprint().matches("sha256:[0-9a-f]{16}"), a.fingerprint());
        assertEquals(a.fingerprint(), b.fingerprint());
        assertEquals(a.fingerprint(), a.withTransform(Transforms.toTensor()).fingerprint());
        assertEquals(plain, a.directory());
    }

    @Test
    void oneChangedLabelChangesTheFingerprint() throws IOException {
        Idx.write(dir.resolve("t10k-images-idx3-ubyte"), new int[] {3, 28, 28}, pixels(3));
        Idx.write(dir.resolve("t10k-labels-idx1-ubyte"), new int[] {3}, new byte[] {4, 0, 9});
        String before = FashionMnist.load(dir, false).fingerprint();
        Idx.write(dir.resolve("t10k-labels-idx1-ubyte"), new int[] {3}, new byte[] {4, 0, 8});
        assertFalse(before.equals(FashionMnist.load(dir, false).fingerprint()));
    }

    @Test
    void withoutWalnutDatasetsTheBundledSampleErrorNamesTheArtifact() {
        // walnut-core's tests run without walnut-datasets on the class path, as a user's application may.
        var e = assertThrows(java.io.UncheckedIOException.class, () -> FashionMnist.bundledSample(true));
        assertTrue(e.getCause() instanceof NoSuchFileException, e.toString());
        assertTrue(e.getMessage().contains("walnut-datasets") && e.getMessage().contains("dev.walnut:walnut-datasets"),
                e.getMessage());
    }

    @Test
    void withoutADirectoryTheSystemCopyOrWalnutDatasetsIsNeeded() {
        assumeFalse(Files.isDirectory(FashionMnist.SYSTEM_DIRECTORY), "the full data set is installed here");
        var e = assertThrows(NoSuchFileException.class, () -> FashionMnist.load(false));
        assertTrue(e.getMessage().contains(FashionMnist.SYSTEM_DIRECTORY.toString())
                && e.getMessage().contains("dev.walnut:walnut-datasets"), e.getMessage());
    }

    @Test
    void theModuleDeclaresThatItLooksUpBundledData() {
        // Without `uses`, ServiceLoader fails inside the named module dev.walnut (module path).
        var module = java.lang.module.ModuleFinder.of(Path.of("target/classes")).find("dev.walnut").orElseThrow();
        assertTrue(module.descriptor().uses().contains(BundledData.class.getName()), module.descriptor().toString());
    }

    @Test
    void bundledDataIsReadThroughTheServiceInterface() throws IOException {
        Path files = Files.createDirectory(dir.resolve("files"));
        Idx.write(files.resolve("t10k-images-idx3-ubyte.gz"), new int[] {2, 28, 28}, pixels(2));
        Idx.write(files.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {2}, new byte[] {7, 1});
        BundledData data = new BundledData() {
            @Override
            public String name() {
                return "test-files";
            }

            @Override
            public java.io.InputStream open(String file) throws IOException {
                Path p = files.resolve(file);
                return Files.exists(p) ? Files.newInputStream(p) : null;
            }

            @Override
            public String location() {
                return "test:";
            }
        };
        FashionMnist test = FashionMnist.fromBundled(data, false, null);
        assertArrayEquals(new int[] {7, 1}, test.labels());
        assertEquals(null, test.directory());
        assertTrue(test.source().contains("bundled sample") && test.source().contains("test:"), test.source());
        var missing = assertThrows(java.io.UncheckedIOException.class, () -> FashionMnist.fromBundled(data, true, null));
        assertTrue(missing.getMessage().contains("test:train-images-idx3-ubyte.gz"), missing.getMessage());
    }
}
