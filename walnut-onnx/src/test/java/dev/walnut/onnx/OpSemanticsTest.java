package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import dev.walnut.DType;
import dev.walnut.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * ONNX semantics the exported models do not exercise, one single-node graph each: opset 18's
 * axes inputs, negative steps and indices, asymmetric pads, integer division, the edge cases of
 * Reshape and Squeeze, with expected values written out.
 */
class OpSemanticsTest {
    /** Runs one node of {@code op} on the given inputs (null: left out) and returns its outputs. */
    private static List<Tensor> run(int opset, String op, int outputs, List<AttributeProto> attrs, Tensor... inputs) {
        OnnxModel m = Onnx.load(Models.singleNode(opset, op, outputs, attrs, inputs).toByteArray(), op + "-test");
        return m.forwardAll(Arrays.stream(inputs).filter(Objects::nonNull).toArray(Tensor[]::new));
    }

    private static Tensor run1(int opset, String op, List<AttributeProto> attrs, Tensor... inputs) {
        return run(opset, op, 1, attrs, inputs).get(0);
    }

    private static AttributeProto ints(String name, long... v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
                .addAllInts(Arrays.stream(v).boxed().toList()).build();
    }


    private static Tensor arange(long n, long... shape) {
        return Tensor.arange(0.0, n, 1.0, DType.F32).reshape(shape);
    }

    private static void assertValues(double[] expected, Tensor actual) {
        assertArrayEquals(expected, actual.to(DType.F64).contiguous().toDoubleArray(), 1e-6);
    }

    @Test
    void reduceMeanTakesAxesAsInputFromOpset18AndAsAttributeBefore() {
        Tensor x = arange(6, 2, 3);
        assertValues(new double[] {1, 4}, run1(18, "ReduceMean", List.of(Models.intAttr("keepdims", 0)), x,
                Tensor.of(1L)));
        assertValues(new double[] {1, 4}, run1(17, "ReduceMean", List.of(Models.intAttr("keepdims", 0), ints("axes", -1)),
                x));
        assertArrayEquals(new long[] {1, 1}, run1(18, "ReduceMean", List.of(), x).shape());
        assertValues(new double[] {0, 1, 2, 3, 4, 5}, run1(18, "ReduceSum",
                List.of(Models.intAttr("noop_with_empty_axes", 1)), x));
    }

    @Test
    void splitByNumOutputsAtOpset18PutsTheRemainderLast() {
        List<Tensor> parts = run(18, "Split", 3, List.of(Models.intAttr("num_outputs", 3)), arange(7, 7));
        assertValues(new double[] {0, 1, 2}, parts.get(0));
        assertValues(new double[] {3, 4, 5}, parts.get(1));
        assertValues(new double[] {6}, parts.get(2));
    }

    @Test
    void sliceWithNegativeStepWalksBackwardsAndClampsEnds() {
        Tensor x = arange(6, 6);
        assertValues(new double[] {5, 3, 1}, run1(13, "Slice", List.of(), x, Tensor.of(-1L), Tensor.of(Long.MIN_VALUE),
                Tensor.of(0L), Tensor.of(-2L)));
        assertValues(new double[] {1, 2, 3, 4, 5}, run1(13, "Slice", List.of(), x, Tensor.of(1L),
                Tensor.of(Long.MAX_VALUE)));
        assertEquals(0, run1(13, "Slice", List.of(), x, Tensor.of(4L), Tensor.of(2L)).numel());
    }

    @Test
    void gatherCountsNegativeIndicesFromTheEndAndKeepsTheIndexShape() {
        Tensor x = arange(6, 3, 2);
        Tensor y = run1(13, "Gather", List.of(), x, Tensor.fromArray(new long[] {-1, 0}, 2, 1));
        assertArrayEquals(new long[] {2, 1, 2}, y.shape());
        assertValues(new double[] {4, 5, 0, 1}, y);
        Tensor scalar = run1(13, "Gather", List.of(Models.intAttr("axis", 1)), x, Tensor.scalar(1, DType.I64));
        assertValues(new double[] {1, 3, 5}, scalar);
    }

    @Test
    void reshapeCopiesZeroDimsAndInfersMinusOne() {
        Tensor y = run1(14, "Reshape", List.of(), arange(24, 2, 3, 4), Tensor.of(0L, -1L));
        assertArrayEquals(new long[] {2, 12}, y.shape());
    }

    @Test
    void expandBroadcastsBothWays() {
        Tensor y = run1(13, "Expand", List.of(), arange(3, 3, 1), Tensor.of(2L, 1L, 4L));
        assertArrayEquals(new long[] {2, 3, 4}, y.shape());
    }

    @Test
    void integerDivisionTruncatesTowardsZero() {
        Tensor y = run1(14, "Div", List.of(), Tensor.of(7L, -7L), Tensor.of(2L, 2L));
        assertEquals(DType.I64, y.dtype());
        assertArrayEquals(new long[] {3, -3}, y.toLongArray());
    }

    @Test
    void padTakesBeginsThenEndsPerAxis() {
        Tensor y = run1(13, "Pad", List.of(), arange(2, 1, 2), Tensor.of(0L, 1L, 1L, 0L), Tensor.scalar(9.0, DType.F32));
        assertArrayEquals(new long[] {2, 3}, y.shape());
        assertValues(new double[] {9, 0, 1, 9, 9, 9}, y);
    }

    @Test
    void convWithSameUpperPadsTheFarSideWhenTheTotalIsOdd() {
        Tensor x = arange(16, 1, 1, 4, 4);
        Tensor w = Tensor.ones(new long[] {1, 1, 2, 2}, DType.F32);
        Tensor y = run1(17, "Conv", List.of(Models.strAttr("auto_pad", "SAME_UPPER")), x, w);
        assertArrayEquals(new long[] {1, 1, 4, 4}, y.shape());
        // Windows start at each element and run past the bottom/right edge into zeros.
        assertValues(new double[] {10, 14, 18, 10, 26, 30, 34, 18, 42, 46, 50, 26, 25, 27, 29, 15}, y);
        Tensor lower = run1(17, "Conv", List.of(Models.strAttr("auto_pad", "SAME_LOWER")), x, w);
        assertEquals(0.0, lower.getDouble(0, 0, 0, 0));
    }

    @Test
    void maxPoolWithAsymmetricPadsNeverPicksThePadding() {
        // Padding one row and column before (none after): each window sees only the real
        // values above-left of it; a zero pad would win over these negative values.
        Tensor x = Tensor.fromArray(new float[] {-4, -3, -2, -1}, 1, 1, 2, 2);
        Tensor y = run1(17, "MaxPool", List.of(ints("kernel_shape", 2, 2), ints("pads", 1, 1, 0, 0)), x);
        assertArrayEquals(new long[] {1, 1, 2, 2}, y.shape());
        assertValues(new double[] {-4, -3, -2, -1}, y);
    }

    @Test
    void argMaxWithSelectLastIndexPicksTheLastOfEqualValues() {
        Tensor x = Tensor.fromArray(new float[] {1, 3, 3, 2}, 4);
        assertArrayEquals(new long[] {1}, run1(13, "ArgMax", List.of(), x).toLongArray());
        assertArrayEquals(new long[] {2}, run1(13, "ArgMax", List.of(Models.intAttr("select_last_index", 1)), x)
                .toLongArray());
    }

    @Test
    void squeezeOfANonUnitAxisNamesTheAxis() {
        OnnxException e = assertThrows(OnnxException.class, () -> run1(13, "Squeeze", List.of(), arange(6, 2, 3),
                Tensor.of(0L)));
        assertTrue(e.getMessage().contains("node \"n0\" (Squeeze, opset 13"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot squeeze axis 0 of size 2"), e.getMessage());
    }

    @Test
    void gruWithoutLinearBeforeResetAppliesTheResetGateFirst() {
        // One step, hidden 1, input 1: z = sigmoid(0) = 0.5, r = sigmoid(0) = 0.5,
        // h~ = tanh(x * 1 + (r * h0) * 2) = tanh(1 + 0.5 * 1 * 2) = tanh(2), h = 0.5 h~ + 0.5 h0.
        Tensor x = Tensor.fromArray(new float[] {1}, 1, 1, 1);
        Tensor w = Tensor.fromArray(new float[] {0, 0, 1}, 1, 3, 1);
        Tensor r = Tensor.fromArray(new float[] {0, 0, 2}, 1, 3, 1);
        Tensor h0 = Tensor.fromArray(new float[] {1}, 1, 1, 1);
        List<Tensor> out = run(14, "GRU", 2, List.of(Models.intAttr("hidden_size", 1)), x, w, r, null, null, h0);
        assertEquals(0.5 * Math.tanh(2) + 0.5, out.get(1).reshape().item(), 1e-6);
    }

    @Test
    void resizeNearestBreaksTiesAsNearestModeSays() {
        Tensor x = Tensor.fromArray(new float[] {10, 20}, 2);
        AttributeProto asymmetric = Models.strAttr("coordinate_transformation_mode", "asymmetric");
        // Output j reads input j / 4: 0, .25, .5, .75, 1, 1.25, 1.5, 1.75 (clamped to the last index).
        assertValues(new double[] {10, 10, 10, 20, 20, 20, 20, 20}, run1(13, "Resize",
                List.of(asymmetric), x, null, Tensor.fromArray(new float[] {4}, 1)));
        assertValues(new double[] {10, 10, 20, 20, 20, 20, 20, 20}, run1(13, "Resize",
                List.of(asymmetric, Models.strAttr("nearest_mode", "round_prefer_ceil")), x, null, Tensor.fromArray(new float[] {4}, 1)));
    }

    @Test
    void resizeLinearWithAlignCornersHitsBothEnds() {
        Tensor x = Tensor.fromArray(new float[] {0, 10}, 1, 2);
        Tensor y = run1(13, "Resize", List.of(Models.strAttr("mode", "linear"), Models.strAttr("coordinate_transformation_mode", "align_corners")),
                x, null, null, Tensor.of(1L, 5L));
        assertValues(new double[] {0, 2.5, 5, 7.5, 10}, y);
    }

    @Test
    void resizeLinearPassesGradCheckInFloat64() {
        Tensor x = Tensor.randn(new long[] {1, 1, 3, 4}, DType.F64).setRequiresGrad(true);
        dev.walnut.autograd.GradCheck.check(in -> run1(13, "Resize", List.of(Models.strAttr("mode", "linear")), in[0], null,
                Tensor.fromArray(new float[] {1, 1, 1.5f, 2}, 4)), x);
    }

    @Test
    void spaceToDepthThenDepthToSpaceInDcrModeRoundTrips() {
        Tensor x = arange(32, 1, 2, 4, 4);
        Tensor d = run1(13, "SpaceToDepth", List.of(Models.intAttr("blocksize", 2)), x);
        assertArrayEquals(new long[] {1, 8, 2, 2}, d.shape());
        // Depth index = (block row * 2 + block column) * C + channel: channel 0's top-left 2x2 block is 0, 1, 4, 5.
        assertValues(new double[] {0, 1, 4, 5}, d.select(0, 0).select(1, 0).select(1, 0).slice(0, 0, 8, 2));
        assertValues(x.toDoubleArray(), run1(13, "DepthToSpace", List.of(Models.intAttr("blocksize", 2)), d));
    }

    @Test
    void meanVarianceNormalizationDefaultsToAxes023() {
        Tensor x = Tensor.fromArray(new float[] {1, 3, 10, 30}, 1, 2, 1, 2);
        assertValues(new double[] {-1, 1, -1, 1}, run1(13, "MeanVarianceNormalization", List.of(), x));
    }

    @Test
    void groupNormalizationAtOpset18ScalesPerGroup() {
        // Two groups of two channels, one value each: every group normalizes to [-1, 1] (eps aside).
        Tensor x = Tensor.fromArray(new float[] {1, 3, 10, 30}, 1, 4, 1);
        Tensor y = run1(18, "GroupNormalization", List.of(Models.intAttr("num_groups", 2),
                        AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF(0f)
                                .build()),
                x, Tensor.fromArray(new float[] {1, 2}, 2), Tensor.fromArray(new float[] {0, 5}, 2));
        assertValues(new double[] {-1, 1, 3, 7}, y);
    }

    @Test
    void hardmaxShrinkLpNormalizationAndReduceLogSum() {
        Tensor x = Tensor.fromArray(new float[] {1, 3, 3, -2}, 2, 2);
        assertValues(new double[] {0, 1, 1, 0}, run1(13, "Hardmax", List.of(), x));
        assertValues(new double[] {1, 3, 3, -2}, run1(13, "Shrink", List.of(), x));   // lambd 0.5, bias 0
        AttributeProto lambd = AttributeProto.newBuilder().setName("lambd").setType(AttributeProto.AttributeType.FLOAT)
                .setF(1.5f).build();
        AttributeProto bias = AttributeProto.newBuilder().setName("bias").setType(AttributeProto.AttributeType.FLOAT)
                .setF(0.5f).build();
        assertValues(new double[] {0, 2.5, 2.5, -1.5}, run1(13, "Shrink", List.of(lambd, bias), x));
        assertValues(new double[] {0.25, 0.75, 0.6, -0.4}, run1(13, "LpNormalization", List.of(Models.intAttr("p", 1)), x));
        assertValues(new double[] {Math.log(4), Math.log(1)}, run1(18, "ReduceLogSum",
                List.of(Models.intAttr("keepdims", 0)), x, Tensor.of(1L)));
    }

    /** The op types no exported model above uses, each on [-1, 0.5, 2], against java.lang.Math. */
    @Test
    void remainingElementwiseOpsMatchTheirFormulas() {
        double[] v = {-1, 0.5, 2};
        Tensor x = Tensor.fromArray(new float[] {-1, 0.5f, 2}, 3);
        java.util.function.DoubleUnaryOperator softplus = t -> Math.log1p(Math.exp(t));
        java.util.Map<String, java.util.function.DoubleUnaryOperator> expected = new java.util.LinkedHashMap<>();
        expected.put("Cos", Math::cos);
        expected.put("Sin", Math::sin);
        expected.put("Reciprocal", t -> 1 / t);
        expected.put("Neg", t -> -t);
        expected.put("Softsign", t -> t / (1 + Math.abs(t)));
        expected.put("Mish", t -> t * Math.tanh(softplus.applyAsDouble(t)));
        expected.put("ThresholdedRelu", t -> t > 1 ? t : 0);
        expected.put("Gelu", t -> 0.5 * t * (1 + erf(t / Math.sqrt(2))));
        expected.put("Identity", t -> t);
        expected.put("Dropout", t -> t);
        for (var e : expected.entrySet()) {
            double[] want = java.util.Arrays.stream(v).map(e.getValue()).toArray();
            assertArrayEquals(want, run1(18, e.getKey(), List.of(), x).to(DType.F64).toDoubleArray(), 1e-5, e.getKey());
        }
        Tensor y = Tensor.fromArray(new float[] {3, 1, 1}, 3);
        assertValues(new double[] {1, 0.75, 1.5}, run1(13, "Mean", List.of(), x, y));
        assertValues(new double[] {2, 1.5, 3}, run1(13, "Sum", List.of(), x, y));
        assertValues(new double[] {3.5}, run1(18, "ReduceL1", List.of(), x));
        assertValues(new double[] {Math.sqrt(5.25)}, run1(18, "ReduceL2", List.of(), x));
        assertValues(new double[] {5.25}, run1(18, "ReduceSumSquare", List.of(), x));
        assertEquals(DType.I64, run1(13, "CastLike", List.of(), x, Tensor.of(1L)).dtype());
        assertEquals(3L, run1(13, "Size", List.of(), x).itemLong());
        assertArrayEquals(new long[] {1, 2}, run1(13, "NonZero", List.of(), Tensor.of(0.0, 1.0, 2.0)).toLongArray());
        assertValues(new double[] {2}, run1(13, "GlobalMaxPool", List.of(), x.reshape(1, 1, 3)));
    }

    /** erf by Abramowitz and Stegun 7.1.26 (|error| below 1.5e-7), enough for a 1e-5 check. */
    private static double erf(double z) {
        double t = 1 / (1 + 0.3275911 * Math.abs(z));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-z * z);
        return z >= 0 ? y : -y;
    }

    /** PyTorch folds BatchNorm into Conv when it exports in eval mode, so this is its only test. */
    @Test
    void batchNormalizationUsesItsStatisticsWhichImportAsBuffers() {
        GraphProto g = GraphProto.newBuilder().setName("bn").addInput(Models.floatInput("x", -1, 2, 1))
                .addInitializer(Models.floats("bn.weight", new float[] {2, 1}, 2))
                .addInitializer(Models.floats("bn.bias", new float[] {0, 1}, 2))
                .addInitializer(Models.floats("bn.running_mean", new float[] {0, 4}, 2))
                .addInitializer(Models.floats("bn.running_var", new float[] {1, 4}, 2))
                .addNode(Models.node("bn", "BatchNormalization",
                        new String[] {"x", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"},
                        new String[] {"y"}, AttributeProto.newBuilder().setName("epsilon")
                                .setType(AttributeProto.AttributeType.FLOAT).setF(0f).build()))
                .addOutput(Models.floatInput("y", -1, 2, 1)).build();
        OnnxModel m = Onnx.load(Models.model(15, g).toByteArray(), "bn-test");
        assertEquals(List.of("bn.weight", "bn.bias"), List.copyOf(m.namedParameters().keySet()));
        assertEquals(List.of("bn.running_mean", "bn.running_var"), List.copyOf(m.namedBuffers().keySet()));
        // (1 - 0) / 1 * 2 + 0 = 2 and (5 - 4) / 2 * 1 + 1 = 1.5.
        assertValues(new double[] {2, 1.5}, m.forward(Tensor.fromArray(new float[] {1, 5}, 1, 2, 1)));
    }
}
