package dev.walnut.bench;

import dev.walnut.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The imported-model workloads shared by {@link OnnxModelBenchmark} (Walnut) and
 * {@link OrtBenchmark} (ONNX Runtime), so both sides load the same file and get the same input.
 * {@code bench/run.sh --only onnx} exports the files with PyTorch
 * ({@code walnut-onnx/src/test/python/export_models.py}: random weights, fixed seed, dynamic
 * batch) into {@code walnut-bench/target/onnx-models} and passes that directory as the system
 * property {@value #DIR_PROPERTY}; {@code bench/torch_compare.py} times the same PyTorch modules.
 *
 * <ul>
 *   <li>{@code resnet18}: torchvision's ResNet-18 on {@code [batch, 3, 224, 224]}.</li>
 *   <li>{@code mobilenet_v2}: torchvision's MobileNetV2 on {@code [batch, 3, 224, 224]}.</li>
 *   <li>{@code transformer}: {@code nn.TransformerEncoder}, 4 layers of d_model 256, 4 heads,
 *       feed-forward 1024, ReLU, on {@code [batch, 128, 256]} (128 tokens).</li>
 * </ul>
 *
 * <pre>{@code
 * Path file = OnnxBenchModels.file("resnet18");          // .../resnet18_224/model.onnx
 * Tensor x = OnnxBenchModels.input("resnet18", 8);       // [8, 3, 224, 224], seed 42
 * }</pre>
 */
public final class OnnxBenchModels {
    /** System property naming the directory export_models.py wrote the models into. */
    public static final String DIR_PROPERTY = "walnut.bench.onnx";

    private OnnxBenchModels() {
    }

    /** The export_models.py name of a benchmark model. */
    static String exportName(String model) {
        return switch (model) {
            case "resnet18" -> "resnet18_224";
            case "mobilenet_v2" -> "mobilenet_v2_224";
            case "transformer" -> "transformer_encoder";
            default -> throw new IllegalArgumentException(
                    "unknown benchmark model '" + model + "' (resnet18, mobilenet_v2, transformer)");
        };
    }

    /** The ONNX file of a benchmark model; fails with how to make it when it is missing. */
    public static Path file(String model) {
        Path dir = Path.of(System.getProperty(DIR_PROPERTY, "walnut-bench/target/onnx-models"));
        Path file = dir.resolve(exportName(model)).resolve("model.onnx").toAbsolutePath();
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no ONNX model at " + file + ": bench/run.sh --only onnx exports it"
                    + " (python3 walnut-onnx/src/test/python/export_models.py DIR " + exportName(model)
                    + ", then -D" + DIR_PROPERTY + "=DIR)");
        }
        return file;
    }

    /** The input shape of a benchmark model at a batch size. */
    public static long[] inputShape(String model, int batch) {
        return switch (model) {
            case "resnet18", "mobilenet_v2" -> new long[] {batch, 3, 224, 224};
            case "transformer" -> new long[] {batch, 128, 256};
            default -> throw new IllegalArgumentException(
                    "unknown benchmark model '" + model + "' (resnet18, mobilenet_v2, transformer)");
        };
    }

    /** The input both sides run on: standard normal, seed 42. */
    public static Tensor input(String model, int batch) {
        return Models.input(42, inputShape(model, batch));
    }
}
