package dev.walnut.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void bundledTrainingSampleHas4000LabelledImages() {
        FashionMnist train = FashionMnist.bundledSample(true);
        assertEquals(4000, train.size());
        assertTrue(train.isTrain());
        // The class counts of the first 4000 training labels (README.md next to the data).
        assertArrayEquals(new int[] {373, 440, 404, 409, 395, 391, 400, 413, 380, 395}, train.classCounts());
        assertTrue(train.source().contains("bundled sample"), train.source());
        // The first training image of Fashion-MNIST is an ankle boot.
        assertEquals(9, train.label(0));
        assertEquals("Ankle boot", FashionMnist.CLASSES.get(train.label(0)));
    }

    @Test
    void bundledTestSampleHas1000LabelledImages() {
        FashionMnist test = FashionMnist.bundledSample(false);
        assertEquals(1000, test.size());
        assertFalse(test.isTrain());
        assertArrayEquals(new int[] {107, 105, 111, 93, 115, 87, 97, 95, 95, 95}, test.classCounts());
        for (int label : test.labels()) {
            assertTrue(label >= 0 && label < 10);
        }
    }

    @Test
    void samplesAreUnitRangeImagesAndScalarLabels() {
        FashionMnist train = FashionMnist.bundledSample(true);
        Tensor[] s = train.get(0);
        assertEquals(2, s.length);
        assertEquals(DType.F32, s[0].dtype());
        assertArrayEquals(new long[] {1, 28, 28}, s[0].shape());
        assertEquals(DType.I64, s[1].dtype());
        assertEquals(0, s[1].dim());
        assertEquals(9, s[1].itemLong());
        assertTrue(s[0].min().item() >= 0 && s[0].max().item() <= 1);
        assertEquals(1.0, s[0].max().item(), 1e-6, "the first image uses the full range");
        Tensor expected = Transforms.toTensor().apply(train.rawImage(0));
        assertTrue(expected.equal(s[0]), "get(i) is toTensor applied to the raw bytes");
    }

    @Test
    void theTransformIsAppliedAfterScaling() {
        Transform negate = x -> x.neg();
        FashionMnist t = FashionMnist.bundledSample(true, negate);
        assertTrue(t.get(3)[0].equal(FashionMnist.bundledSample(true).get(3)[0].neg()));
        assertTrue(t.withTransform(null).get(3)[0].min().item() >= 0);
    }

    @Test
    void bundledSampleBatchesThroughADataLoader() {
        var loader = DataLoader.builder(FashionMnist.bundledSample(false)).batchSize(64).shuffle(true).seed(1)
                .workers(2).build();
        assertEquals(16, loader.size());
        long seen = 0;
        for (Tensor[] batch : loader) {
            assertArrayEquals(new long[] {batch[1].numel(), 1, 28, 28}, batch[0].shape());
            seen += batch[1].numel();
        }
        assertEquals(1000, seen);
    }

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
    void withoutADirectoryTheSystemCopyOrTheSampleIsUsed() throws IOException {
        FashionMnist test = FashionMnist.load(false);
        boolean system = Files.isRegularFile(FashionMnist.SYSTEM_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz"))
                && Files.isRegularFile(FashionMnist.SYSTEM_DIRECTORY.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(system ? 10_000 : 1000, test.size(), test.source());
        assertTrue(test.source().contains(system ? FashionMnist.SYSTEM_DIRECTORY.toString() : "bundled sample"),
                test.source());
        // Either way the sample is the start of the real data.
        FashionMnist sample = FashionMnist.bundledSample(false);
        for (int i : new int[] {0, 1, 999}) {
            assertEquals(sample.label(i), test.label(i));
            assertTrue(sample.get(i)[0].equal(test.get(i)[0]));
        }
    }

    @Test
    void meanAndStdDescribeTheTrainingPixels() throws IOException {
        FashionMnist train = FashionMnist.load(true);
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (int i = 0; i < train.size(); i++) {
            for (float v : train.get(i)[0].toFloatArray()) {
                sum += v;
                sumSq += (double) v * v;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sumSq / n - mean * mean);
        // Exact on the full training split; the 4000-image sample is within 0.01 of it.
        double tolerance = train.size() == 60_000 ? 1e-6 : 0.01;
        assertEquals(FashionMnist.MEAN, mean, tolerance);
        assertEquals(FashionMnist.STD, std, tolerance);
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
        assertEquals(null, FashionMnist.bundledSample(false).directory());
    }

    @Test
    void oneChangedLabelChangesTheFingerprint() throws IOException {
        Idx.write(dir.resolve("t10k-images-idx3-ubyte"), new int[] {3, 28, 28}, pixels(3));
        Idx.write(dir.resolve("t10k-labels-idx1-ubyte"), new int[] {3}, new byte[] {4, 0, 9});
        String before = FashionMnist.load(dir, false).fingerprint();
        Idx.write(dir.resolve("t10k-labels-idx1-ubyte"), new int[] {3}, new byte[] {4, 0, 8});
        assertFalse(before.equals(FashionMnist.load(dir, false).fingerprint()));
        assertFalse(FashionMnist.bundledSample(true).fingerprint().equals(FashionMnist.bundledSample(false).fingerprint()));
    }
}
