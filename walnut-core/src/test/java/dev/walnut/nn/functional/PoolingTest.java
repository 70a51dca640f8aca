package dev.walnut.nn.functional;

import static dev.walnut.TensorAssertions.assertContains;
import static dev.walnut.TensorAssertions.assertValues;
import static dev.walnut.TensorAssertions.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.ValuesAndIndices;
import dev.walnut.autograd.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Max, average, adaptive pooling and max unpooling against hand-computed values (PyTorch's
 * results for the same calls), float64 gradient checks (first order for every op, second order
 * for maxPool2d and avgPool2d), and the error cases with their messages.
 */
class PoolingTest {

    /** [[0..3],[4..7],[8..11],[12..15]] as [1,1,4,4] F32. */
    private static Tensor grid4() {
        return Tensor.arange(16).to(DType.F32).reshape(1, 1, 4, 4);
    }

    private static Tensor randn(long seed, long... shape) {
        return Tensor.randn(shape, DType.F64, new Generator(seed));
    }

    // ------------------------------------------------------------------ max pooling

    @Test
    void maxPool2dTakesTheMaxOfEachWindow() {
        assertValues(Pooling.maxPool2d(grid4(), 2), DType.F32, shape(1, 1, 2, 2), 5, 7, 13, 15);
    }

    @Test
    void maxPool2dWithIndicesReturnsFlatInPlanePositions() {
        Tensor x = Tensor.fromArray(new float[] {1, 9, 2, 3, 4, 5, 8, 0, 7, 6, 1, 2}, 1, 3, 4);
        ValuesAndIndices m = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, false);
        assertValues(m.values(), DType.F32, shape(1, 1, 2), 9, 8);
        assertEquals(DType.I64, m.indices().dtype());
        assertArrayEquals(new long[] {1, 6}, m.indices().toLongArray());
    }

    @Test
    void maxPool2dPadsWithNegativeInfinity() {
        Tensor x = Tensor.fromArray(new float[] {-1, -2, -3, -4}, 1, 1, 2, 2);
        // padding 1, k2 s2: each window holds one real element and three -inf pads.
        ValuesAndIndices m = Pooling.maxPool2dWithIndices(x, 2, 2, 1, 1, false);
        assertValues(m.values(), DType.F32, shape(1, 1, 2, 2), -1, -2, -3, -4);
        assertArrayEquals(new long[] {0, 1, 2, 3}, m.indices().toLongArray());
    }

    @Test
    void maxPool2dCeilModeKeepsAPartialLastWindow() {
        Tensor x = Tensor.arange(25).to(DType.F32).reshape(1, 1, 5, 5);
        assertValues(Pooling.maxPool2d(x, 2, 2, 0, 1, false), DType.F32, shape(1, 1, 2, 2), 6, 8, 16, 18);
        assertValues(Pooling.maxPool2d(x, 2, 2, 0, 1, true), DType.F32, shape(1, 1, 3, 3),
                6, 8, 9, 16, 18, 19, 21, 23, 24);
    }

    @Test
    void ceilModeDropsAWindowThatWouldStartInTheRightPadding() {
        // L=4, k2 s2 p1: floor gives 3; ceil's 4th window would start at 5 >= L + p = 5, so 3 too.
        Tensor x = Tensor.of(1f, 2f, 3f, 4f).reshape(1, 1, 4);
        assertValues(Pooling.maxPool1d(x, 2, 2, 1, 1, true), DType.F32, shape(1, 1, 3), 1, 3, 4);
        // L=5, k2 s2 p0: ceil adds a window starting at 4 (inside the input).
        Tensor y = Tensor.of(1f, 2f, 3f, 4f, 5f).reshape(1, 5);
        assertValues(Pooling.maxPool1d(y, 2, 2, 0, 1, true), DType.F32, shape(1, 3), 2, 4, 5);
    }

    @Test
    void maxPool2dWithDilationSkipsTaps() {
        // k2 dilation 2 stride 1 on 4x4: window (i,j) reads rows i,i+2 and cols j,j+2.
        assertValues(Pooling.maxPool2d(grid4(), 2, 1, 0, 2, false), DType.F32, shape(1, 1, 2, 2), 10, 11, 14, 15);
    }

    @Test
    void maxTiesGoToTheFirstIndexAndTheGradientToThatElement() {
        Tensor x = Tensor.fromArray(new double[] {3, 3, 1, 3}, 1, 1, 2, 2).setRequiresGrad(true);
        ValuesAndIndices m = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, false);
        assertArrayEquals(new long[] {0}, m.indices().toLongArray());
        m.values().sum().backward();
        assertArrayEquals(new double[] {1, 0, 0, 0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void maxPoolGradientAccumulatesWhereOverlappingWindowsShareTheMax() {
        Tensor x = Tensor.fromArray(new double[] {0, 1, 9, 2, 3}, 1, 5).setRequiresGrad(true);
        Pooling.maxPool1d(x, 3, 1, 0, 1, false).sum().backward(); // all three windows pick the 9
        assertArrayEquals(new double[] {0, 0, 3, 0, 0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void maxPool1dOfUnbatchedAndBatchedInput() {
        Tensor x = Tensor.of(1f, 5f, 2f, 4f, 3f, 0f).reshape(1, 6);
        assertValues(Pooling.maxPool1d(x, 2), DType.F32, shape(1, 3), 5, 4, 3);
        ValuesAndIndices m = Pooling.maxPool1dWithIndices(x.reshape(1, 1, 6), 3, 3, 0, 1, false);
        assertValues(m.values(), DType.F32, shape(1, 1, 2), 5, 4);
        assertArrayEquals(new long[] {1, 3}, m.indices().toLongArray());
    }

    @Test
    void maxPoolPropagatesNaN() {
        Tensor x = Tensor.fromArray(new float[] {1, Float.NaN, 3, 2}, 1, 1, 2, 2);
        assertEquals(Double.NaN, Pooling.maxPool2d(x, 2).toDoubleArray()[0]);
    }

    /**
     * 2x2 blocks (the fast path) and the same windows through the general path (ceilMode adds
     * a third row and column of windows): a NaN wins and the first NaN stays (PyTorch 1.13 keeps
     * the last one's index), ties and an all -inf window go to the first tap in row-major order,
     * and the odd last row and column are not read.
     */
    @Test
    void maxPool2x2BlocksAgreeWithTheGeneralWindowsOnNaNTiesAndInfinity() {
        float n = Float.NaN;
        float i = Float.NEGATIVE_INFINITY;
        float[] data = {
            1, n, 3, 3, 9,
            2, 0, 3, 1, 9,
            i, i, n, 5, 9,
            i, i, 5, n, 9,
            9, 9, 9, 9, 9};
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            Tensor x = Tensor.fromArray(data, 1, 1, 5, 5).to(dtype);
            ValuesAndIndices fast = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, false);
            assertArrayEquals(new double[] {Double.NaN, 3, Double.NEGATIVE_INFINITY, Double.NaN},
                    fast.values().toDoubleArray());
            assertArrayEquals(new long[] {1, 2, 10, 12}, fast.indices().toLongArray());
            ValuesAndIndices general = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, true);
            assertArrayEquals(new double[] {Double.NaN, 3, Double.NEGATIVE_INFINITY, Double.NaN},
                    general.values().narrow(2, 0, 2).narrow(3, 0, 2).contiguous().toDoubleArray());
            assertArrayEquals(new long[] {1, 2, 10, 12},
                    general.indices().narrow(2, 0, 2).narrow(3, 0, 2).contiguous().toLongArray());
        }
    }

    /** Random planes drawn from a few values (so ties, signed zeros, NaN and infinities mix): fast path == general path. */
    @Test
    void maxPool2x2BlocksAgreeWithTheGeneralWindowsOnRandomSpecialValues() {
        float[] pool = {0f, -0f, 1f, -1f, 2f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        var rnd = new java.util.Random(7);
        float[] data = new float[3 * 7 * 9];
        for (int t = 0; t < 20; t++) {
            for (int j = 0; j < data.length; j++) {
                data[j] = pool[rnd.nextInt(pool.length)];
            }
            Tensor x = Tensor.fromArray(data, 1, 3, 7, 9);
            ValuesAndIndices fast = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, false);
            ValuesAndIndices general = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, true);
            float[] fv = fast.values().toFloatArray();
            float[] gv = general.values().narrow(2, 0, 3).narrow(3, 0, 4).contiguous().toFloatArray();
            for (int j = 0; j < fv.length; j++) {
                assertEquals(Float.floatToRawIntBits(gv[j]), Float.floatToRawIntBits(fv[j]), "window " + j);
            }
            assertArrayEquals(general.indices().narrow(2, 0, 3).narrow(3, 0, 4).contiguous().toLongArray(),
                    fast.indices().toLongArray());
        }
    }

    @Test
    void maxPool2x2KeepsTheFirstOfEqualZerosWithItsSign() {
        Tensor x = Tensor.fromArray(new float[] {-0f, 0f, 0f, -0f, 0f, -0f, -0f, 0f}, 1, 1, 2, 4);
        ValuesAndIndices m = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, false);
        float[] v = m.values().toFloatArray();
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(v[0]));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(v[1]));
        assertArrayEquals(new long[] {0, 2}, m.indices().toLongArray());
    }

    // ------------------------------------------------------------------ average pooling

    @Test
    void avgPool2dAveragesEachWindow() {
        assertValues(Pooling.avgPool2d(grid4(), 2), DType.F32, shape(1, 1, 2, 2), 2.5, 4.5, 10.5, 12.5);
    }

    @Test
    void avgPool2dWithPaddingCountsPadsOnlyWithCountIncludePad() {
        Tensor x = Tensor.ones(1, 1, 3, 3);
        // k3 s1 p1: corner windows cover 4 inputs, edges 6, centre 9.
        assertValues(Pooling.avgPool2d(x, 3, 1, 1, false, true), DType.F32, shape(1, 1, 3, 3),
                4 / 9.0, 6 / 9.0, 4 / 9.0, 6 / 9.0, 1, 6 / 9.0, 4 / 9.0, 6 / 9.0, 4 / 9.0);
        assertValues(Pooling.avgPool2d(x, 3, 1, 1, false, false), DType.F32, shape(1, 1, 3, 3),
                1, 1, 1, 1, 1, 1, 1, 1, 1);
    }

    @Test
    void avgPoolCeilModeWindowPastThePaddingIsDividedByItsClippedSize() {
        // L=5 k2 s2 ceil: windows [0,1], [2,3], [4] (the last hangs past the input; no padding to count).
        Tensor x = Tensor.of(1f, 2f, 3f, 4f, 5f).reshape(1, 1, 5);
        assertValues(Pooling.avgPool1d(x, 2, 2, 0, true, true), DType.F32, shape(1, 1, 3), 1.5, 3.5, 5);
        // k3 s2 p1 ceil on L=4: windows [-1,1], [1,3], [3,5); with pads counted: 3/3, 9/3, 4/2 (end capped at L+p).
        Tensor y = Tensor.of(1f, 2f, 3f, 4f).reshape(1, 1, 4);
        assertValues(Pooling.avgPool1d(y, 3, 2, 1, true, true), DType.F32, shape(1, 1, 3), 1, 3, 2);
        assertValues(Pooling.avgPool1d(y, 3, 2, 1, true, false), DType.F32, shape(1, 1, 3), 1.5, 3, 4);
    }

    @Test
    void avgPool2dDivisorOverrideReplacesTheWindowSize() {
        assertValues(Pooling.avgPool2d(grid4(), new int[] {2}, null, new int[] {0}, false, true, 1),
                DType.F32, shape(1, 1, 2, 2), 10, 18, 42, 50);
    }

    @Test
    void avgPool2dOfUnbatchedInputHasNoBatchDim() {
        Tensor x = Tensor.arange(8).to(DType.F64).reshape(2, 2, 2);
        assertValues(Pooling.avgPool2d(x, 2), DType.F64, shape(2, 1, 1), 1.5, 5.5);
    }

    // ------------------------------------------------------------------ adaptive pooling

    @Test
    void adaptiveAvgPool1dWithNonDivisibleSizesUsesOverlappingWindows() {
        // 5 -> 3: windows [0,2), [1,4), [3,5).
        Tensor x = Tensor.of(1f, 2f, 3f, 4f, 5f).reshape(1, 1, 5);
        assertValues(Pooling.adaptiveAvgPool1d(x, 3), DType.F32, shape(1, 1, 3), 1.5, 3, 4.5);
    }

    @Test
    void adaptiveAvgPool2dToOneIsTheGlobalMean() {
        assertValues(Pooling.adaptiveAvgPool2d(grid4(), 1), DType.F32, shape(1, 1, 1, 1), 7.5);
        Tensor x = Tensor.arange(25).to(DType.F32).reshape(1, 5, 5);
        // rows and cols 5 -> 3: windows [0,2), [1,4), [3,5) each way.
        assertValues(Pooling.adaptiveAvgPool2d(x, 3), DType.F32, shape(1, 3, 3), 3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21);
    }

    @Test
    void adaptiveMaxPool2dReturnsValuesAndIndices() {
        Tensor x = Tensor.arange(25).to(DType.F32).reshape(1, 1, 5, 5).neg();
        ValuesAndIndices m = Pooling.adaptiveMaxPool2dWithIndices(x, 3, 2);
        // rows [0,2),[1,4),[3,5); cols [0,3),[2,5): the max of -x is the top-left element.
        assertValues(m.values(), DType.F32, shape(1, 1, 3, 2), 0, -2, -5, -7, -15, -17);
        assertArrayEquals(new long[] {0, 2, 5, 7, 15, 17}, m.indices().toLongArray());
        assertValues(Pooling.adaptiveMaxPool2d(x, 1), DType.F32, shape(1, 1, 1, 1), 0);
    }

    // ------------------------------------------------------------------ max unpooling

    @Test
    void maxUnpool2dPutsValuesBackAtTheirIndices() {
        ValuesAndIndices m = Pooling.maxPool2dWithIndices(grid4(), 2, 2, 0, 1, false);
        Tensor y = Pooling.maxUnpool2d(m.values(), m.indices(), 2, 2, 0);
        assertValues(y, DType.F32, shape(1, 1, 4, 4), 0, 0, 0, 0, 0, 5, 0, 7, 0, 0, 0, 0, 0, 13, 0, 15);
    }

    @Test
    void maxUnpool2dWithAnExplicitOutputSize() {
        Tensor x = Tensor.arange(25).to(DType.F32).reshape(1, 5, 5);
        ValuesAndIndices m = Pooling.maxPool2dWithIndices(x, 2, 2, 0, 1, false);
        Tensor y = Pooling.maxUnpool2d(m.values(), m.indices(), new int[] {2}, null, new int[] {0}, new int[] {5, 5});
        assertArrayEquals(new long[] {1, 5, 5}, y.shape());
        assertEquals(6 + 8 + 16 + 18, y.sum().item(), 0.0);
        assertEquals(18, y.toDoubleArray()[18], 0.0);
    }

    // ------------------------------------------------------------------ gradients

    @Test
    void maxPool2dGradCheckWithPaddingDilationAndCeilMode() {
        GradCheck.check(in -> Pooling.maxPool2d(in[0], new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0},
                new int[] {1, 2}, true), randn(1, 2, 2, 7, 6).setRequiresGrad(true));
    }

    @Test
    void maxPool2dGradCheckOfANonContiguousInput() {
        Tensor x = randn(2, 2, 3, 6, 5).transpose(2, 3).setRequiresGrad(true);
        GradCheck.check(in -> Pooling.maxPool2d(in[0], 2, 1, 1, 1, false), x);
    }

    @Test
    void maxPool1dGradCheck() {
        GradCheck.check(in -> Pooling.maxPool1d(in[0], 3, 2, 1, 2, true), randn(3, 2, 9).setRequiresGrad(true));
    }

    @Test
    void avgPool2dGradCheckBothCountModes() {
        for (boolean include : new boolean[] {true, false}) {
            GradCheck.check(in -> Pooling.avgPool2d(in[0], new int[] {3, 2}, new int[] {2, 1}, new int[] {1},
                    true, include, null), randn(4, 2, 2, 6, 5).setRequiresGrad(true));
        }
    }

    @Test
    void avgPool1dAndAdaptivePoolingGradCheckOfNonContiguousInput() {
        Tensor x = randn(5, 2, 7, 3).transpose(1, 2).setRequiresGrad(true); // [2, 3, 7], non-contiguous
        GradCheck.check(in -> Pooling.avgPool1d(in[0], 3, 2, 1, false, false), x);
        GradCheck.check(in -> Pooling.adaptiveAvgPool1d(in[0], 4), x);
        Tensor y = randn(6, 1, 2, 7, 5).transpose(2, 3).setRequiresGrad(true);
        GradCheck.check(in -> Pooling.adaptiveAvgPool2d(in[0], 3, 4), y);
        GradCheck.check(in -> Pooling.adaptiveMaxPool2d(in[0], 3, 2), y);
    }

    @Test
    void maxUnpool2dGradCheck() {
        ValuesAndIndices m = Pooling.maxPool2dWithIndices(randn(7, 1, 2, 4, 6), 2, 2, 0, 1, false);
        GradCheck.check(in -> Pooling.maxUnpool2d(in[0], m.indices(), 2, 2, 0), m.values().setRequiresGrad(true));
    }

    @Test
    void maxPool2dAndAvgPool2dSecondOrder() {
        // The composed square makes the second derivative non-trivial.
        GradCheck.checkSecondOrder(in -> Pooling.maxPool2d(in[0], 2, 1, 1, 1, false).square(),
                randn(8, 1, 2, 4, 5).setRequiresGrad(true));
        GradCheck.checkSecondOrder(in -> Pooling.avgPool2d(in[0], 3, 2, 1, true, false).square(),
                randn(9, 1, 2, 5, 5).setRequiresGrad(true));
        GradCheck.checkSecondOrder(in -> Pooling.adaptiveAvgPool2d(in[0], 2, 3).square(),
                randn(10, 1, 1, 5, 5).setRequiresGrad(true));
    }

    // ------------------------------------------------------------------ errors

    private static String error(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    @Test
    void wrongRankIsAnErrorNamingTheOpAndShape() {
        assertContains(error(() -> Pooling.maxPool2d(Tensor.zeros(4, 4), 2)), "maxPool2d", "3D (unbatched) or 4D (batched)", "[4, 4]");
        assertContains(error(() -> Pooling.avgPool1d(Tensor.zeros(1, 1, 4, 4), 2)), "avgPool1d", "2D (unbatched) or 3D", "[1, 1, 4, 4]");
        assertContains(error(() -> Pooling.adaptiveAvgPool2d(Tensor.zeros(5), 1)), "adaptiveAvgPool2d", "[5]");
    }

    @Test
    void nonPositiveKernelStrideOrDilationIsAnError() {
        assertContains(error(() -> Pooling.maxPool2d(Tensor.zeros(1, 4, 4), 0)), "maxPool2d", "kernelSize", "greater than zero");
        assertContains(error(() -> Pooling.avgPool2d(Tensor.zeros(1, 4, 4), 2, -1, 0, false, true)), "avgPool2d", "stride=[-1, -1]");
        assertContains(error(() -> Pooling.maxPool1d(Tensor.zeros(1, 4), 2, 1, 0, 0, false)), "maxPool1d", "dilation=[0]");
    }

    @Test
    void paddingLargerThanHalfTheKernelIsAnError() {
        assertContains(error(() -> Pooling.maxPool2d(Tensor.zeros(1, 4, 4), 2, 2, 2, 1, false)),
                "maxPool2d", "pad should be at most half of effective kernel size", "padding=[2, 2]", "kernelSize=[2, 2]");
        assertContains(error(() -> Pooling.avgPool2d(Tensor.zeros(1, 4, 4), 3, 1, 2, false, true)),
                "avgPool2d", "pad should be at most half of kernel size", "padding=[2, 2]");
    }

    @Test
    void emptyOutputIsAnError() {
        assertContains(error(() -> Pooling.maxPool2d(Tensor.zeros(1, 2, 2), 3)), "maxPool2d", "[1, 2, 2]",
                "Output size is too small");
        assertContains(error(() -> Pooling.adaptiveAvgPool2d(Tensor.zeros(1, 2, 2), 0, 1)), "adaptiveAvgPool2d",
                "outputSize", "[0, 1]");
        assertContains(error(() -> Pooling.avgPool2d(Tensor.zeros(1, 0, 4), 2)), "avgPool2d", "non-zero", "[1, 0, 4]");
        assertContains(error(() -> Pooling.maxPool2d(Tensor.zeros(1, 4, 4).to(DType.I64), 2)), "maxPool2d", "I64");
    }

    @Test
    void maxUnpoolChecksIndicesShapeAndRange() {
        Tensor v = Tensor.zeros(1, 1, 2, 2);
        assertContains(error(() -> Pooling.maxUnpool2d(v, Tensor.zeros(new long[] {1, 1, 2, 1}, DType.I64), 2, 2, 0)),
                "maxUnpool2d", "expected shape of indices", "[1, 1, 2, 2]", "[1, 1, 2, 1]");
        Tensor bad = Tensor.fromArray(new long[] {0, 1, 2, 16}, 1, 1, 2, 2);
        assertContains(error(() -> Pooling.maxUnpool2d(v, bad, 2, 2, 0)), "maxUnpool2d", "invalid max index: 16", "4x4");
        assertContains(error(() -> Pooling.maxUnpool2d(v, bad, new int[] {2}, null, new int[] {0}, new int[] {7, 4})),
                "maxUnpool2d", "invalid outputSize", "between 2 and 6");
    }
}
