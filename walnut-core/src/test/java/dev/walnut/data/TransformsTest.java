package dev.walnut.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransformsTest {
    @Test
    void toTensorScalesBytesToUnitRangeAndAddsAChannelDim() {
        Tensor raw = Tensor.fromArray(new int[] {0, 255, 51, 102}, 2, 2);
        Tensor img = Transforms.toTensor().apply(raw);
        assertEquals(DType.F32, img.dtype());
        assertArrayEquals(new long[] {1, 2, 2}, img.shape());
        assertArrayEquals(new float[] {0f, 1f, 0.2f, 0.4f}, img.toFloatArray(), 1e-7f);
        Tensor rgb = Transforms.toTensor().apply(Tensor.fromArray(new long[] {255, 0, 0}, 3, 1, 1));
        assertArrayEquals(new long[] {3, 1, 1}, rgb.shape());
    }

    @Test
    void toTensorRejectsFloatsAndOutOfRangeValues() {
        var f = assertThrows(IllegalArgumentException.class, () -> Transforms.toTensor().apply(Tensor.zeros(2, 2)));
        assertTrue(f.getMessage().contains("F32"), f.getMessage());
        var r = assertThrows(IllegalArgumentException.class,
                () -> Transforms.toTensor().apply(Tensor.fromArray(new int[] {0, 256}, 1, 2)));
        assertTrue(r.getMessage().contains("256"), r.getMessage());
    }

    @Test
    void normalizeUsesOneMeanAndStdPerChannel() {
        Tensor img = Tensor.fromArray(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 2, 2, 2);
        Tensor n = Transforms.normalize(new double[] {1, 10}, new double[] {2, 10}).apply(img);
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 0, 1, 2, 3}, n.toFloatArray(), 1e-6f);
        Tensor one = Transforms.normalize(new double[] {0.5}, new double[] {0.5}).apply(Tensor.ones(3, 1, 1));
        assertArrayEquals(new float[] {1, 1, 1}, one.toFloatArray());
        var bad = assertThrows(IllegalArgumentException.class,
                () -> Transforms.normalize(new double[] {0, 0, 0}, new double[] {1, 1, 1}).apply(img));
        assertTrue(bad.getMessage().contains("2 channels"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(new double[] {0}, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(new double[] {0}, new double[] {1, 2}));
    }

    @Test
    void horizontalFlipMirrorsTheLastDimWithProbabilityP() {
        Tensor img = Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        try (var s = DataRandom.scope(1)) {
            assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4},
                    Transforms.randomHorizontalFlip(1.0).apply(img).toFloatArray());
            assertSame(img, Transforms.randomHorizontalFlip(0.0).apply(img));
            int flips = 0;
            Transform half = Transforms.randomHorizontalFlip(0.5);
            for (int i = 0; i < 2000; i++) {
                if (half.apply(img) != img) {
                    flips++;
                }
            }
            assertEquals(1000, flips, 100);
        }
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomHorizontalFlip(1.5));
    }

    @Test
    void randomCropPadsWithZerosAndTakesEveryOffset() {
        Tensor img = Tensor.fromArray(new float[] {1, 2, 3, 4}, 1, 2, 2);
        Transform crop = Transforms.randomCrop(2, 1);
        Set<String> windows = new HashSet<>();
        try (var s = DataRandom.scope(7)) {
            for (int i = 0; i < 200; i++) {
                Tensor c = crop.apply(img);
                assertArrayEquals(new long[] {1, 2, 2}, c.shape());
                windows.add(java.util.Arrays.toString(c.toFloatArray()));
            }
        }
        // The padded image is [[0,0,0,0],[0,1,2,0],[0,3,4,0],[0,0,0,0]]: 3 x 3 offsets.
        assertEquals(Set.of("[0.0, 0.0, 0.0, 1.0]", "[0.0, 0.0, 1.0, 2.0]", "[0.0, 0.0, 2.0, 0.0]",
                "[0.0, 1.0, 0.0, 3.0]", "[1.0, 2.0, 3.0, 4.0]", "[2.0, 0.0, 4.0, 0.0]",
                "[0.0, 3.0, 0.0, 0.0]", "[3.0, 4.0, 0.0, 0.0]", "[4.0, 0.0, 0.0, 0.0]"), windows);
        assertTrue(Transforms.randomCrop(2, 0).apply(img).equal(img));
        var big = assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(5, 1).apply(img));
        assertTrue(big.getMessage().contains("4x4"), big.getMessage());
    }

    @Test
    void composeAppliesInOrder() {
        Transform plus1 = x -> x.add(1.0);
        Transform times2 = x -> x.mul(2.0);
        assertArrayEquals(new float[] {4}, Transforms.compose(plus1, times2).apply(Tensor.of(1.0)).toFloatArray());
        assertArrayEquals(new float[] {3}, plus1.andThen(plus1).apply(Tensor.of(1.0)).toFloatArray());
        assertArrayEquals(new float[] {1}, Transforms.compose().apply(Tensor.of(1.0)).toFloatArray());
    }

    @Test
    void randomTransformsAreReproducibleInAScopeAndUseTheDefaultGeneratorOutside() {
        Tensor img = Tensor.rand(new long[] {1, 6, 6}, DType.F32, new Generator(3));
        Transform t = Transforms.compose(Transforms.randomCrop(6, 2), Transforms.randomHorizontalFlip(0.5));
        Tensor a;
        Tensor b;
        try (var s = DataRandom.scope(99, 1, 2)) {
            a = t.apply(img);
        }
        try (var s = DataRandom.scope(99, 1, 2)) {
            b = t.apply(img);
        }
        assertTrue(a.equal(b));
        assertFalse(DataRandom.inScope());
        assertSame(Generator.defaultGenerator(), DataRandom.generator());
        Tensor.manualSeed(4);
        Tensor c = t.apply(img);
        Tensor.manualSeed(4);
        assertTrue(c.equal(t.apply(img)), "outside a scope the default generator (Tensor.manualSeed) decides");
    }

    @Test
    void scopesNestAndMustCloseInOrder() {
        try (var outer = DataRandom.scope(1)) {
            try (var inner = DataRandom.scope(2)) {
                assertSame(inner.generator(), DataRandom.generator());
                assertThrows(IllegalStateException.class, outer::close);
            }
            assertSame(outer.generator(), DataRandom.generator());
        }
        assertFalse(DataRandom.inScope());
    }
}
