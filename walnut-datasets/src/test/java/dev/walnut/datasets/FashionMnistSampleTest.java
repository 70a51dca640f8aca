package dev.walnut.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.data.BundledData;
import dev.walnut.data.DataLoader;
import dev.walnut.data.FashionMnist;
import dev.walnut.data.Transform;
import dev.walnut.data.Transforms;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The sample's content, and that walnut-core finds it once this artifact is on the class path. */
class FashionMnistSampleTest {
    @Test
    void bundledTrainingSampleHas4000LabelledImages() {
        FashionMnist train = FashionMnistSample.train();
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
        FashionMnist test = FashionMnistSample.test();
        assertEquals(1000, test.size());
        assertFalse(test.isTrain());
        assertArrayEquals(new int[] {107, 105, 111, 93, 115, 87, 97, 95, 95, 95}, test.classCounts());
        for (int label : test.labels()) {
            assertTrue(label >= 0 && label < 10);
        }
    }

    @Test
    void samplesAreUnitRangeImagesAndScalarLabels() {
        FashionMnist train = FashionMnistSample.train();
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
        FashionMnist t = FashionMnistSample.load(true, negate);
        assertTrue(t.get(3)[0].equal(FashionMnistSample.train().get(3)[0].neg()));
        assertTrue(t.withTransform(null).get(3)[0].min().item() >= 0);
    }

    @Test
    void bundledSampleBatchesThroughADataLoader() {
        var loader = DataLoader.builder(FashionMnistSample.test()).batchSize(64).shuffle(true).seed(1)
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
    void withoutADirectoryTheSystemCopyOrTheSampleIsUsed() throws IOException {
        FashionMnist test = FashionMnist.load(false);
        boolean system = Files.isRegularFile(FashionMnist.SYSTEM_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz"))
                && Files.isRegularFile(FashionMnist.SYSTEM_DIRECTORY.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(system ? 10_000 : 1000, test.size(), test.source());
        assertTrue(test.source().contains(system ? FashionMnist.SYSTEM_DIRECTORY.toString() : "bundled sample"),
                test.source());
        // Either way the sample is the start of the real data.
        FashionMnist sample = FashionMnistSample.test();
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
    void theDirectApiAndTheServiceLookupGiveTheSameData() {
        FashionMnist direct = FashionMnistSample.test();
        FashionMnist lookedUp = FashionMnist.bundledSample(false);
        assertEquals(direct.fingerprint(), lookedUp.fingerprint());
        assertEquals(direct.source(), lookedUp.source());
        assertEquals(FashionMnistSample.train().fingerprint(), FashionMnist.bundledSample(true).fingerprint());
        assertTrue(direct.source().contains("classpath:dev/walnut/datasets/fashion-mnist-sample/"), direct.source());
        assertEquals(null, direct.directory());
        assertFalse(FashionMnistSample.train().fingerprint().equals(direct.fingerprint()));
    }

    @Test
    void theProviderIsRegisteredForServiceLoader() throws IOException {
        BundledData found = null;
        for (BundledData d : ServiceLoader.load(BundledData.class)) {
            if (d.name().equals(BundledData.FASHION_MNIST_SAMPLE)) {
                found = d;
            }
        }
        assertTrue(found instanceof FashionMnistSample.Provider, String.valueOf(found));
        try (InputStream in = found.open("t10k-labels-idx1-ubyte.gz")) {
            assertTrue(in != null && in.read() == 0x1f, "a gzip stream");
        }
        assertEquals(null, found.open("no-such-file.gz"));
        assertEquals(null, found.open("../fashion-mnist-sample/t10k-labels-idx1-ubyte.gz"));
    }

    @Test
    void theLicenceAndTheReadmeShipWithTheImages() throws IOException {
        for (String name : new String[] {"LICENSE", "README.md"}) {
            try (InputStream in = FashionMnistSample.class.getResourceAsStream(
                    "/" + FashionMnistSample.RESOURCE_DIRECTORY + name)) {
                assertTrue(in != null, name);
            }
        }
    }
}
