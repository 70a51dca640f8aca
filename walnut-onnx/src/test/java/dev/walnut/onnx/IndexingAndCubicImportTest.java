package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtEnvironment;
import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.GradCheck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * GatherND, ScatterND and cubic Resize: each single-node model runs in Walnut and in ONNX Runtime
 * (an independent implementation) on random inputs, within 1e-5 relative; the spec's own examples
 * with their written-out values; gradients through the imported graph by finite differences.
 */
class IndexingAndCubicImportTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void startRuntime() {
        if (OnnxExportTest.env == null) {
            OnnxExportTest.env = OrtEnvironment.getEnvironment();
        }
    }

    /** Runs the node in Walnut and ONNX Runtime on the inputs and checks that they agree. */
    private Tensor agree(int opset, String op, List<AttributeProto> attrs, Tensor... inputs) throws Exception {
        ModelProto proto = Models.singleNode(opset, op, 1, attrs, inputs);
        Path file = dir.resolve(op + "-" + System.nanoTime() + ".onnx");
        Files.write(file, proto.toByteArray());
        Tensor[] fed = Arrays.stream(inputs).filter(Objects::nonNull).toArray(Tensor[]::new);
        Tensor walnut = Onnx.load(file).forwardAll(fed).get(0);
        Tensor ort = OnnxExportTest.runOrt(file, fed).get(0);
        assertArrayEquals(ort.shape(), walnut.shape(), op + ": shape");
        double err = PyTorchModels.relativeError(walnut, ort);
        assertTrue(err <= 1e-5, op + " " + attrs + ": differs from ONNX Runtime by " + err + " (relative)");
        return walnut;
    }

    private static Tensor values(double[] v, long... shape) {
        return Tensor.fromArray(v, shape).to(DType.F32);
    }

    @Test
    void gatherNdFollowsTheSpecExamples() throws Exception {
        Tensor data = values(new double[] {0, 1, 2, 3}, 2, 2);
        assertEquals(List.of(0.0, 3.0), list(agree(13, "GatherND", List.of(), data, idx(new long[] {0, 0, 1, 1}, 2, 2))));
        assertEquals(List.of(2.0, 3.0, 0.0, 1.0), list(agree(13, "GatherND", List.of(), data,
                idx(new long[] {1, 0}, 2, 1))));
        Tensor cube = values(new double[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2);
        // batch_dims = 1: each batch item gathers from its own slice.
        assertEquals(List.of(2.0, 3.0, 4.0, 5.0), list(agree(13, "GatherND", List.of(Models.intAttr("batch_dims", 1)),
                cube, idx(new long[] {1, 0}, 2, 1))));
    }

    @Test
    void gatherNdMatchesOnnxRuntimeOnRandomShapesWithNegativeIndices() throws Exception {
        Generator g = new Generator(7);
        Tensor data = Tensor.randn(new long[] {3, 4, 5, 6}, DType.F32, g);
        Tensor idx = Tensor.stack(List.of(Tensor.randint(-3, 3, new long[] {2, 7}, g),
                Tensor.randint(-4, 4, new long[] {2, 7}, g)), -1);                     // [2, 7, 2]
        assertArrayEquals(new long[] {2, 7, 5, 6}, agree(13, "GatherND", List.of(), data, idx).shape());
        Tensor batched = Tensor.stack(List.of(Tensor.randint(0, 4, new long[] {3, 5}, g),
                Tensor.randint(-5, 5, new long[] {3, 5}, g)), -1);                     // [3, 5, 2]
        assertArrayEquals(new long[] {3, 5, 6}, agree(13, "GatherND", List.of(Models.intAttr("batch_dims", 1)),
                data, batched).shape());
    }

    @Test
    void scatterNdFollowsTheSpecExampleAndAddsDuplicatesWithReductionAdd() throws Exception {
        Tensor data = values(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 8);
        Tensor idx = idx(new long[] {4, 3, 1, 7}, 4, 1);
        Tensor updates = values(new double[] {9, 10, 11, 12}, 4);
        assertEquals(List.of(1.0, 11.0, 3.0, 10.0, 9.0, 6.0, 7.0, 12.0),
                list(agree(13, "ScatterND", List.of(), data, idx, updates)));
        Tensor dup = idx(new long[] {0, 0, -1}, 3, 1);
        assertEquals(List.of(1.0 + 9 + 10, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0 + 11),
                list(agree(16, "ScatterND", List.of(Models.strAttr("reduction", "add")), data, dup,
                        values(new double[] {9, 10, 11}, 3))));
    }

    @Test
    void scatterNdMatchesOnnxRuntimeOnSlices() throws Exception {
        Generator g = new Generator(3);
        Tensor data = Tensor.randn(new long[] {4, 5, 6}, DType.F32, g);
        Tensor idx = idx(new long[] {0, 1, 3, -1, 2, 2, 1, 0}, 2, 2, 2);       // [2, 2, 2]: 4 rows
        Tensor updates = Tensor.randn(new long[] {2, 2, 6}, DType.F32, g);
        Tensor out = agree(13, "ScatterND", List.of(), data, idx, updates);
        assertEquals(data.select(0, 1).select(0, 1).toFloatArray()[0], out.select(0, 1).select(0, 1).toFloatArray()[0],
                "rows not named by the indices are the data's");
    }

    @Test
    void cubicResizeMatchesOnnxRuntimeForEachCoordinateTransformation() throws Exception {
        Generator g = new Generator(11);
        Tensor x = Tensor.randn(new long[] {2, 3, 5, 6}, DType.F32, g);
        Tensor scales = values(new double[] {1, 1, 2, 1.5}, 4);
        for (String transform : List.of("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric")) {
            for (float a : new float[] {-0.75f, -0.5f}) {
                for (int exclude = 0; exclude <= 1; exclude++) {
                    List<AttributeProto> attrs = List.of(Models.strAttr("mode", "cubic"),
                            Models.strAttr("coordinate_transformation_mode", transform),
                            Models.floatAttr("cubic_coeff_a", a), Models.intAttr("exclude_outside", exclude));
                    assertArrayEquals(new long[] {2, 3, 10, 9}, agree(13, "Resize", attrs, x, null, scales).shape());
                }
            }
        }
        // Downsampling by sizes, and a size of 1.
        Tensor sizes = Tensor.of(2L, 3L, 3L, 1L);
        agree(13, "Resize", List.of(Models.strAttr("mode", "cubic")), x, null, null, sizes);
    }

    @Test
    void importedCubicResizeAndIndexOpsAreDifferentiable() {
        Tensor x = Tensor.randn(new long[] {1, 1, 4, 5}, DType.F64, new Generator(5)).setRequiresGrad(true);
        List<AttributeProto> cubic = List.of(Models.strAttr("mode", "cubic"));
        Tensor scales = Tensor.of(1.0, 1.0, 1.5, 2.0);
        OnnxModel resize = Onnx.load(Models.singleNode(13, "Resize", 1, cubic, x, null, scales).toByteArray(), "resize");
        assertTrue(GradCheck.gradcheck(in -> resize.forwardAll(in[0], scales).get(0), x));
        Tensor m = Tensor.randn(new long[] {4, 5}, DType.F64, new Generator(6)).setRequiresGrad(true);
        Tensor idx = idx(new long[] {0, 1, 3, -1, 0, 1}, 3, 2);          // a repeated position: gradients add
        OnnxModel gather = Onnx.load(Models.singleNode(13, "GatherND", 1, List.of(), m, idx).toByteArray(), "gather");
        assertTrue(GradCheck.gradcheck(in -> gather.forwardAll(in[0], idx).get(0), m));
        Tensor updates = Tensor.randn(new long[] {2, 5}, DType.F64, new Generator(7)).setRequiresGrad(true);
        Tensor rows = idx(new long[] {1, 3}, 2, 1);
        OnnxModel scatter = Onnx.load(Models.singleNode(13, "ScatterND", 1, List.of(), m, rows, updates).toByteArray(),
                "scatter");
        assertTrue(GradCheck.gradcheck(in -> scatter.forwardAll(in[0], rows, in[1]).get(0), m, updates));
    }

    @Test
    void badIndicesAndUnsupportedOptionsNameTheNode() {
        Tensor data = Tensor.zeros(3, 4);
        OnnxException out = assertThrows(OnnxException.class, () -> Onnx.load(Models.singleNode(13, "GatherND", 1,
                List.of(), data, idx(new long[] {0, 4}, 1, 2)).toByteArray(), "g").forwardAll(data,
                idx(new long[] {0, 4}, 1, 2)));
        assertTrue(out.getMessage().contains("n0") && out.getMessage().contains("4"), out.getMessage());
        Tensor idx = idx(new long[] {1}, 1, 1);
        OnnxException shape = assertThrows(OnnxException.class, () -> Onnx.load(Models.singleNode(13, "ScatterND", 1,
                List.of(), data, idx, Tensor.zeros(3)).toByteArray(), "s").forwardAll(data, idx, Tensor.zeros(3)));
        assertTrue(shape.getMessage().contains("updates have shape [3], expected [1, 4]"), shape.getMessage());
        OnnxException mul = assertThrows(OnnxException.class, () -> Onnx.load(Models.singleNode(16, "ScatterND", 1,
                List.of(Models.strAttr("reduction", "mul")), data, idx, Tensor.zeros(1, 4)).toByteArray(), "s")
                .forwardAll(data, idx, Tensor.zeros(1, 4)));
        assertNotNull(mul.getMessage());
        assertTrue(mul.getMessage().contains("reduction \"mul\" is not supported"), mul.getMessage());
    }

    private static Tensor idx(long[] v, long... shape) {
        return Tensor.fromArray(v, shape);
    }

    private static List<Double> list(Tensor t) {
        return Arrays.stream(t.to(DType.F64).contiguous().toDoubleArray()).boxed().toList();
    }
}
