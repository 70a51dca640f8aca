package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.graph.Graph;
import dev.walnut.graph.Pass;
import dev.walnut.ValuesAndIndices;
import dev.walnut.nn.functional.Pooling;
import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.OpDef;
import dev.walnut.ops.Ops;
import dev.walnut.ops.ShapeContentOps;
import dev.walnut.PadMode;
import dev.walnut.nn.AdaptiveAvgPool2d;
import dev.walnut.nn.BatchNorm2d;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Dropout;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.GRU;
import dev.walnut.nn.LSTM;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.TransformerEncoderLayer;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exported models run by ONNX Runtime (an independent implementation) give Walnut's outputs
 * within 1e-5 relative (max abs difference over max abs value, F32), at a batch size other than
 * the traced one, and import back into Walnut with the same outputs.
 */
class OnnxExportTest {
    static final double TOLERANCE = 1e-5;
    static OrtEnvironment env;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRuntime() {
        env = OrtEnvironment.getEnvironment();
    }

    @AfterAll
    static void stopRuntime() {
        env.close();
    }

    /** Runs a model file in ONNX Runtime, inputs fed in graph-input order, outputs in graph order. */
    static List<Tensor> runOrt(Path model, Tensor... inputs) throws Exception {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toString(), options)) {
                List<String> names = List.copyOf(session.getInputNames());
                Map<String, OnnxTensor> feed = new HashMap<>();
                for (int i = 0; i < inputs.length; i++) {
                    feed.put(names.get(i), ortTensor(inputs[i]));
                }
                try (OrtSession.Result result = session.run(feed)) {
                    List<Tensor> outs = new ArrayList<>();
                    for (var entry : result) {
                        outs.add(walnutTensor((OnnxTensor) entry.getValue()));
                    }
                    return outs;
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    static OnnxTensor ortTensor(Tensor t) throws Exception {
        return switch (t.dtype()) {
            case F32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.toFloatArray()), t.shape());
            case F64 -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(t.toDoubleArray()), t.shape());
            case I64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.toLongArray()), t.shape());
            default -> throw new IllegalArgumentException("test feeds no " + t.dtype() + " inputs");
        };
    }

    static Tensor walnutTensor(OnnxTensor t) {
        long[] shape = t.getInfo().getShape();
        return switch (t.getInfo().type) {
            case FLOAT -> {
                FloatBuffer b = t.getFloatBuffer();
                float[] data = new float[b.remaining()];
                b.get(data);
                yield Tensor.fromArray(data, shape);
            }
            case DOUBLE -> {
                DoubleBuffer b = t.getDoubleBuffer();
                double[] data = new double[b.remaining()];
                b.get(data);
                yield Tensor.fromArray(data, shape);
            }
            case INT64 -> {
                LongBuffer b = t.getLongBuffer();
                long[] data = new long[b.remaining()];
                b.get(data);
                yield Tensor.fromArray(data, shape);
            }
            case BOOL -> {
                java.nio.ByteBuffer b = t.getByteBuffer();
                double[] data = new double[b.remaining()];
                for (int i = 0; i < data.length; i++) {
                    data[i] = b.get() != 0 ? 1 : 0;
                }
                yield Tensor.fromArray(data, shape).to(DType.BOOL);
            }
            default -> throw new IllegalArgumentException("unexpected ONNX Runtime output type " + t.getInfo().type);
        };
    }

    static double relativeError(Tensor actual, Tensor expected) {
        double maxDiff = actual.sub(expected).abs().max().item();
        double scale = Math.max(expected.abs().max().item(), 1e-12);
        return maxDiff / scale;
    }

    /**
     * Exports {@code module} traced on {@code example}, then checks ONNX Runtime's and the
     * re-imported model's outputs on {@code input} against Walnut's eager forward.
     */
    Path checkExport(String name, Module module, Tensor example, Tensor input) throws Exception {
        module.eval();
        Path file = dir.resolve(name + ".onnx");
        Onnx.export(module, new Tensor[] {example}, file);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = module.forward(input);
        }
        List<Tensor> ort = runOrt(file, input);
        assertEquals(1, ort.size(), name + ": output count");
        assertArrayEquals(expected.shape(), ort.get(0).shape(), name + ": ONNX Runtime output shape");
        double err = relativeError(ort.get(0), expected);
        System.out.printf("%s: %d ONNX nodes, ONNX Runtime relative error %.2e%n", name,
                ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeCount(), err);
        assertTrue(err <= TOLERANCE, name + ": ONNX Runtime differs from Walnut by " + err + " (relative)");

        OnnxModel back = Onnx.load(file);
        Tensor again;
        try (var off = Autograd.noGrad()) {
            again = back.forward(input);
        }
        double errBack = relativeError(again, expected);
        System.out.printf("%s: round trip relative error %.2e%n", name, errBack);
        assertTrue(errBack <= TOLERANCE, name + ": re-imported model differs by " + errBack + " (relative)");
        return file;
    }

    static Module mlp() {
        Tensor.manualSeed(11);
        return new Sequential(new Flatten(), new Linear(784, 64), new ReLU(), new Linear(64, 32), new ReLU(),
                new Linear(32, 10));
    }

    @Test
    void mlpMatchesOnnxRuntimeAtAnotherBatchSize() throws Exception {
        checkExport("mlp", mlp(), Tensor.randn(4, 1, 28, 28), Tensor.randn(3, 1, 28, 28));
    }

    /** The CLI's {@code cnn} model (walnut-cli Models), with a plain Dropout in eval mode. */
    static Module cnn() {
        Tensor.manualSeed(12);
        return new Sequential(new Conv2d(1, 32, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Conv2d(32, 64, 3, 1, 1),
                new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.25),
                new Linear(128, 10));
    }

    @Test
    void cliCnnMatchesOnnxRuntime() throws Exception {
        checkExport("cnn", cnn(), Tensor.randn(2, 1, 28, 28), Tensor.randn(5, 1, 28, 28));
    }

    /** MobileNet's depthwise convolutions (the depthwiseConv2d primitive): stride 2 with multiplier 2, then dilated. */
    @Test
    void depthwiseConvolutionsMatchOnnxRuntime() throws Exception {
        Tensor.manualSeed(14);
        Module m = new Sequential(new Conv2d(4, 8, 3, 2, 1, 1, 4, true), new ReLU(), new Conv2d(8, 8, 3, 1, 2, 2, 8, false),
                new Conv2d(8, 6, 1, 1, 0));
        checkExport("depthwise", m, Tensor.randn(2, 4, 11, 12), Tensor.randn(3, 4, 11, 12));
    }

    /** A ResNet basic block with a strided 1x1 downsample, then global pooling and a classifier. */
    static final class ResNetBlock extends Module {
        private final Conv2d conv1;
        private final BatchNorm2d bn1;
        private final Conv2d conv2;
        private final BatchNorm2d bn2;
        private final Conv2d down;
        private final BatchNorm2d downBn;
        private final AdaptiveAvgPool2d pool = registerModule("pool", new AdaptiveAvgPool2d(1));
        private final Linear fc;

        ResNetBlock(int in, int width) {
            conv1 = registerModule("conv1", new Conv2d(in, width, 3, 2, 1));
            bn1 = registerModule("bn1", new BatchNorm2d(width));
            conv2 = registerModule("conv2", new Conv2d(width, width, 3, 1, 1));
            bn2 = registerModule("bn2", new BatchNorm2d(width));
            down = registerModule("down", new Conv2d(in, width, 1, 2, 0));
            downBn = registerModule("down_bn", new BatchNorm2d(width));
            fc = registerModule("fc", new Linear(width, 5));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = bn2.forward(conv2.forward(bn1.forward(conv1.forward(x)).relu()));
            Tensor skip = downBn.forward(down.forward(x));
            return fc.forward(pool.forward(y.add(skip).relu()).flatten(1, -1));
        }
    }

    @Test
    void resNetBlockWithBatchNormInEvalMatchesOnnxRuntime() throws Exception {
        checkExport("resnet_block", resNetBlock(), Tensor.randn(2, 8, 12, 12), Tensor.randn(3, 8, 12, 12));
    }

    /**
     * The block on whole channel blocks (16 in, 32 wide): its strided 3x3 and 1x1 convolutions are
     * {@code stridedConvolution} nodes, exported as {@code Conv} with strides.
     */
    @Test
    void resNetBlockWithStridedConvolutionsOnChannelBlocksMatchesOnnxRuntime() throws Exception {
        checkExport("resnet_block_wide", resNetBlock(16, 32), Tensor.randn(2, 16, 12, 12), Tensor.randn(3, 16, 12, 12));
    }

    static ResNetBlock resNetBlock() {
        return resNetBlock(8, 16);
    }

    static ResNetBlock resNetBlock(int in, int width) {
        Tensor.manualSeed(13);
        ResNetBlock block = new ResNetBlock(in, width);
        // A few training steps' worth of forwards give BatchNorm running statistics that are not 0 and 1.
        block.train();
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < 3; i++) {
                block.forward(Tensor.randn(6, in, 12, 12).mul(2.0).add(0.5));
            }
        }
        return block;
    }

    /**
     * ONNX's own checker (python3-onnx, with full shape inference) accepts every exported model:
     * the declared shapes agree with what ONNX infers from the nodes.
     */
    @Test
    void exportedModelsPassOnnxCheckerWithShapeInference() throws Exception {
        String python = pythonWithOnnx();
        List<String> files = new ArrayList<>();
        Map<String, Object[]> models = new java.util.LinkedHashMap<>();
        models.put("mlp", new Object[] {mlp(), Tensor.randn(4, 1, 28, 28)});
        models.put("cnn", new Object[] {cnn(), Tensor.randn(2, 1, 28, 28)});
        models.put("resnet_block", new Object[] {resNetBlock(), Tensor.randn(2, 8, 12, 12)});
        models.put("lstm", new Object[] {new LSTM(6, 8, 2, true, true, 0.0, false), Tensor.randn(2, 5, 6)});
        models.put("gru", new Object[] {new GRU(6, 8, 2, true, true, 0.0, false), Tensor.randn(2, 5, 6)});
        models.put("transformer", new Object[] {new TransformerEncoderLayer(16, 4, 32, 0.1,
                TransformerEncoderLayer.Activation.GELU, 1e-5, true, false), Tensor.randn(2, 7, 16)});
        for (var e : models.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".onnx");
            Onnx.export((Module) e.getValue()[0], new Tensor[] {(Tensor) e.getValue()[1]}, file);
            files.add(file.toString());
        }
        Path ops = dir.resolve("ops.onnx");
        OnnxExport.options().export(opsGraph(), ops);
        files.add(ops.toString());
        List<String> command = new ArrayList<>(List.of(python, "-c", "import sys, onnx\n"
                + "for f in sys.argv[1:]:\n"
                + "    onnx.checker.check_model(onnx.load(f), full_check=True)\n"
                + "    print('onnx.checker: ok', f)\n"));
        command.addAll(files);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "onnx.checker timed out");
        System.out.print(out);
        assertEquals(0, p.exitValue(), "onnx.checker rejected an exported model:\n" + out);
        assertEquals(files.size(), out.lines().filter(l -> l.startsWith("onnx.checker: ok")).count(), out);
    }

    /** /usr/bin/python3 (or python3) that imports onnx; skips without one, except in CI where .ci/run installs it. */
    static String pythonWithOnnx() {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import onnx").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (java.io.IOException | InterruptedException ignored) {
                // try the next candidate
            }
        }
        String message = "no python3 with onnx found; install python3-onnx to run onnx.checker on exported models";
        if ("true".equals(System.getenv("CI"))) {
            org.junit.jupiter.api.Assertions.fail(message + " -- required in CI");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(false, message);
        return null;
    }

    @Test
    void lstmMatchesOnnxRuntime() throws Exception {
        Tensor.manualSeed(14);
        checkExport("lstm", new LSTM(6, 8, 2, true, true, 0.0, false), Tensor.randn(2, 5, 6), Tensor.randn(3, 5, 6));
    }

    @Test
    void gruMatchesOnnxRuntime() throws Exception {
        Tensor.manualSeed(15);
        checkExport("gru", new GRU(6, 8, 2, true, true, 0.0, false), Tensor.randn(2, 5, 6), Tensor.randn(4, 5, 6));
    }

    @Test
    void transformerEncoderLayerMatchesOnnxRuntime() throws Exception {
        Tensor.manualSeed(16);
        var layer = new TransformerEncoderLayer(16, 4, 32, 0.1, TransformerEncoderLayer.Activation.GELU, 1e-5, true,
                false);
        checkExport("transformer", layer, Tensor.randn(2, 7, 16), Tensor.randn(3, 7, 16));
    }

    /** A function of (x, y, index) with a dynamic batch that uses most of the export rules. */
    static Graph opsGraph() {
        return Graph.tracerAll(in -> {
            Tensor x = in[0];
            Tensor y = in[1];
            Tensor idx = in[2];
            Tensor pos = x.abs().add(0.5);
            return new Tensor[] {
                x.add(y).mul(2.0).sub(1.5).div(pos).abs().add(0.1).pow(y.square()),
                pos.rsqrt().add(pos.log1p()).add(x.expm1()).add(x.sin().mul(x.cos())).add(x.erf().mul(x.tanh())),
                x.mul(3.0).floor().add(x.mul(3.0).ceil()).add(x.mul(3.0).round()).add(x.mul(3.0).trunc()).add(x.sign()),
                x.clamp(-0.5, 0.5).add(x.maximum(y)).sub(x.minimum(y)).add(pos.reciprocal()).add(x.neg().relu()),
                Tensor.where(x.gt(y), x, y).add(x.lt(0.0).logicalOr(y.ge(0.2)).logicalNot().to(DType.F32)),
                x.fmod(0.7).add(x.remainder(0.7)).add(y.sigmoid().exp().log()).add(x.rsub(2.0)),
                x.sum(new int[] {1}, true).add(x.mean(1, true)).add(x.amax(1, true)).sub(x.amin(1, true))
                        .add(x.logsumexp(1, true)).add(x.norm(2.0, new int[] {1}, true)).add(pos.prod(1, true)),
                x.softmax(1).add(x.logSoftmax(1)),
                x.max(1, false).values().add(x.min(1, false).values()),
                x.max(1, true).indices(),
                Tensor.cat(new Tensor[] {x.flip(1), x.cumsum(1), x.narrow(1, 1, 3), x.slice(1, 0, 6, 2)}, 1),
                x.topk(2, 1, true, true).values().add(x.select(1, 2).unsqueeze(1)),
                x.sort(1, false).values(),
                x.gather(1, idx).add(x.indexSelect(1, idx.select(0, 0))),
                x.pad(new long[] {1, 2}, PadMode.CONSTANT, 0.25).reshape(-1, 3, 3),
                x.maskedFill(x.gt(0.5), -1.0).permute(1, 0).expand(2, 6, x.size(0)),
                x.scatterAdd(1, idx, y),
                y.atan2(x).add(y.atan2(Tensor.zeros(6)).mul(2.0)),
                x.indexAdd(1, idx.select(0, 0), y, 0.5),
                x.reshape(-1, 2, 3).diagonal(1, 1, 2).add(x.reshape(-1, 3, 2).diagonal(-1, 2, 1).mul(3.0)),
                Dispatcher.call(ShapeContentOps.PERMUTE_ALONG_DIM, new ShapeContentOps.Dim(1), x, y.sort(1, false).indices()),
            };
        }).markDynamic(0, 0).markDynamic(1, 0).markDynamic(2, 0).trace(Tensor.randn(4, 6), Tensor.randn(4, 6),
                Tensor.randint(0, 6, 4, 6));
    }

    /**
     * Exports a multi-output function over (x, y, index) with a dynamic batch and checks every
     * output of ONNX Runtime against the graph's own run, values and dtypes.
     */
    @Test
    void elementwiseReductionShapeAndIndexingOpsMatchOnnxRuntime() throws Exception {
        Graph g = opsGraph();
        Path file = dir.resolve("ops.onnx");
        OnnxExport.options().export(g, file);
        Set<String> written = ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeList().stream()
                .map(n -> n.getOpType()).collect(Collectors.toCollection(TreeSet::new));
        System.out.println("ops test: ONNX op types " + written);
        assertTrue(written.containsAll(List.of("ArgMax", "Clip", "CumSum", "GatherElements", "Mod", "Pad", "ReduceL2",
                "ReduceLogSumExp", "ReduceProd", "ScatterElements", "TopK", "Where", "Shape", "Expand", "Atan")),
                written.toString());
        Tensor x = Tensor.randn(3, 6);
        Tensor y = Tensor.randn(3, 6);
        Tensor idx = Tensor.randint(0, 6, 3, 6);
        Tensor[] expected = g.run(x, y, idx);
        List<Tensor> actual = runOrt(file, x, y, idx);
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].dtype(), actual.get(i).dtype(), "dtype of output " + i);
            assertArrayEquals(expected[i].shape(), actual.get(i).shape(), "shape of output " + i);
            double err = expected[i].dtype().isFloatingPoint() ? relativeError(actual.get(i), expected[i])
                    : expected[i].to(DType.F64).sub(actual.get(i).to(DType.F64)).abs().max().item();
            assertTrue(err <= TOLERANCE, "output " + i + " differs from ONNX Runtime's by " + err);
        }
    }

    @Test
    void modelHasOpsetProducerSymbolicBatchAndNamedInitializers() throws Exception {
        ModelProto m = OnnxExport.options().toModel(mlp(), Tensor.randn(4, 1, 28, 28));
        assertEquals(17, m.getOpsetImport(0).getVersion());
        assertEquals("walnut", m.getProducerName());
        assertTrue(m.getProducerVersion().matches("\\d+\\.\\d+.*"), m.getProducerVersion());
        TensorShapeProto in = m.getGraph().getInput(0).getType().getTensorType().getShape();
        assertEquals("batch", in.getDim(0).getDimParam());
        assertEquals(28, in.getDim(3).getDimValue());
        TensorShapeProto out = m.getGraph().getOutput(0).getType().getTensorType().getShape();
        assertEquals("batch", out.getDim(0).getDimParam());
        assertEquals(10, out.getDim(1).getDimValue());
        Map<String, TensorProto> inits = m.getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(TensorProto::getName, t -> t));
        assertEquals(List.of(64L, 784L), inits.get("1.weight").getDimsList());
        assertEquals(List.of(10L), inits.get("5.bias").getDimsList());
        assertEquals(1, m.getGraph().getInputCount(), "initializers are not graph inputs");
    }

    @Test
    void fixedBatchAndOpset18() throws Exception {
        ModelProto m = OnnxExport.options().dynamicBatch(false).opset(18).inputNames("image").outputNames("logits")
                .toModel(mlp(), Tensor.randn(4, 1, 28, 28));
        assertEquals(18, m.getOpsetImport(0).getVersion());
        assertEquals("image", m.getGraph().getInput(0).getName());
        assertEquals("logits", m.getGraph().getOutput(0).getName());
        assertEquals(4, m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimValue());
    }

    @Test
    void opWithoutOnnxFormIsAnErrorNamingOpAndNode() {
        Graph g = Graph.trace(in -> in[0].cumprod(1).relu(), Tensor.randn(2, 3));
        OnnxException e = assertThrows(OnnxException.class,
                () -> OnnxExport.options().export(g, dir.resolve("cumprod.onnx")));
        assertTrue(e.getMessage().contains("'cumprod'") && e.getMessage().contains("%0 = cumprod(%x0: f32[2,3])"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ONNX has no cumulative product"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("cumprod.onnx")));
    }

    @Test
    void aScalarThatFollowsADynamicDimIsAnErrorNotABakedConstant() {
        Graph g = Graph.tracer(in -> in[0].sum(0).div((double) in[0].size(0))).markDynamic(0, 0).trace(Tensor.randn(4, 3));
        OnnxException e = assertThrows(OnnxException.class,
                () -> OnnxExport.options().export(g, dir.resolve("count.onnx")));
        assertTrue(e.getMessage().contains("= divScalar(") && e.getMessage().contains("follows a dynamic dim"),
                e.getMessage());
    }

    @Test
    void fusedGraphIsAnErrorThatSaysToExportBeforeFusion() {
        Graph fused = Pass.run(Graph.tracer(mlp()).markDynamic(0, 0).trace(Tensor.randn(4, 1, 28, 28)), Pass.defaults());
        OnnxException e = assertThrows(OnnxException.class,
                () -> OnnxExport.options().export(fused, dir.resolve("fused.onnx")));
        assertTrue(e.getMessage().contains("'fused") && e.getMessage().contains("export the graph before fusion"),
                e.getMessage());
    }

    @Test
    void everyRegistryOpHasAnExportRuleOrAStatedReason() {
        for (OpDef<?> op : Ops.all()) {
            boolean rule = ExportOps.rule(op.name()) != null;
            boolean reason = !ExportOps.reason(op.name()).equals("no ONNX export rule for this op");
            assertTrue(rule != reason, op.name() + ": needs exactly one of an export rule and a reason it has none");
        }
    }

    @Test
    void sequenceFirstLstmWithItsBatchDimMarkedDynamic() throws Exception {
        Tensor.manualSeed(17);
        LSTM lstm = new LSTM(4, 6);   // [seq, batch, features]
        lstm.eval();
        Path file = dir.resolve("lstm_seq_first.onnx");
        OnnxExport.options().markDynamic(0, 1).export(lstm, new Tensor[] {Tensor.randn(5, 2, 4)}, file);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(file));
        TensorShapeProto in = m.getGraph().getInput(0).getType().getTensorType().getShape();
        assertEquals(5, in.getDim(0).getDimValue());
        assertEquals("batch", in.getDim(1).getDimParam());
        Tensor x = Tensor.randn(5, 3, 4);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = lstm.forward(x);
        }
        double err = relativeError(runOrt(file, x).get(0), expected);
        assertTrue(err <= TOLERANCE, "sequence-first LSTM differs from ONNX Runtime by " + err);
    }

    /** Max pooling's indices (ONNX counts them over the whole tensor, Walnut per plane) and unpooling. */
    @Test
    void maxPoolIndicesUnpoolingAndThresholdBackwardMatchOnnxRuntime() throws Exception {
        Graph g = Graph.tracerAll(in -> {
            ValuesAndIndices p = Pooling.maxPool2dWithIndices(in[0], 2, 2, 0, 1, false);
            Tensor unpooled = Pooling.maxUnpool2d(p.values().mul(2.0), p.indices(), 2, 2, 0);
            return new Tensor[] {p.indices(), unpooled, ElementwiseOps.thresholdBackward(in[0].mul(3.0), in[0], 0.1)};
        }).markDynamic(0, 0).trace(Tensor.randn(2, 3, 6, 4));
        Path file = dir.resolve("unpool.onnx");
        OnnxExport.options().export(g, file);
        Tensor x = Tensor.randn(3, 3, 6, 4);
        Tensor[] expected = g.run(x);
        List<Tensor> actual = runOrt(file, x);
        assertArrayEquals(expected[0].toLongArray(), actual.get(0).toLongArray(), "max pooling indices");
        assertArrayEquals(expected[0].shape(), actual.get(0).shape());
        for (int i = 1; i < 3; i++) {
            assertArrayEquals(expected[i].shape(), actual.get(i).shape());
            assertTrue(relativeError(actual.get(i), expected[i]) <= TOLERANCE, "output " + i);
        }
    }

    /**
     * Slices and selects whose positions follow a dynamic dim (a positional table cut to the
     * sequence length, the last token, the last three, all but the first, two of the last four)
     * are computed from
     * the input's runtime shape, not baked in at the traced length.
     */
    @Test
    void slicesAndSelectsThatFollowADynamicDimAreComputedAtRunTime() throws Exception {
        Tensor table = Tensor.randn(32, 4);
        Graph g = Graph.tracerAll(in -> {
            Tensor x = in[0];
            long len = x.size(1);
            Tensor positioned = x.add(table.narrow(0, 0, len));
            Tensor last = x.select(1, len - 1);
            Tensor lastThree = x.narrow(1, len - 3, 3);
            Tensor rest = x.slice(1, 1, len, 1);
            Tensor strided = x.slice(1, len - 4, len, 2);
            return new Tensor[] {positioned, last, lastThree, rest, strided};
        }).markDynamic(0, 0).markDynamic(0, 1).trace(Tensor.randn(2, 6, 4));
        Path file = dir.resolve("dynamic_slices.onnx");
        OnnxExport.options().export(g, file);
        for (long len : new long[] {6, 9, 4}) {
            Tensor x = Tensor.randn(3, len, 4);
            Tensor[] expected = g.run(x);
            List<Tensor> actual = runOrt(file, x);
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i].shape(), actual.get(i).shape(), "length " + len + ", output " + i);
                assertTrue(relativeError(actual.get(i), expected[i]) <= TOLERANCE, "length " + len + ", output " + i);
            }
        }
    }

    /** Batch and sequence length both symbolic: two dim params, reshape targets computed from both. */
    @Test
    void transformerWithDynamicBatchAndSequenceLength() throws Exception {
        Tensor.manualSeed(18);
        var layer = new TransformerEncoderLayer(8, 2, 16, 0.0, TransformerEncoderLayer.Activation.RELU, 1e-5, true,
                false);
        layer.eval();
        Path file = dir.resolve("transformer_dynamic.onnx");
        OnnxExport.options().markDynamic(0, 0).markDynamic(0, 1).export(layer, new Tensor[] {Tensor.randn(2, 5, 8)},
                file);
        TensorShapeProto in = ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getInput(0).getType()
                .getTensorType().getShape();
        assertEquals("s0", in.getDim(0).getDimParam());
        assertEquals("s1", in.getDim(1).getDimParam());
        Tensor x = Tensor.randn(3, 9, 8);
        Tensor expected;
        try (var off = Autograd.noGrad()) {
            expected = layer.forward(x);
        }
        double err = relativeError(runOrt(file, x).get(0), expected);
        assertTrue(err <= TOLERANCE, "dynamic-length transformer differs from ONNX Runtime by " + err);
    }

    @Test
    void reshapeToAnEmptyShapeKeepsItsZeroDim() throws Exception {
        Graph g = Graph.trace(in -> in[0].reshape(0, 5).add(1.0), Tensor.zeros(3, 0));
        Path file = dir.resolve("empty.onnx");
        OnnxExport.options().export(g, file);
        List<Tensor> out = runOrt(file, Tensor.zeros(3, 0));
        assertArrayEquals(new long[] {0, 5}, out.get(0).shape());
    }

    @Test
    void unsupportedOpsetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> OnnxExport.options().opset(16));
    }
}
