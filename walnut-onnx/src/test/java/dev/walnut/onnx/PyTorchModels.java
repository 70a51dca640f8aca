package dev.walnut.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.walnut.Tensor;
import dev.walnut.io.Npy;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reference models exported by PyTorch with src/test/python/export_models.py, once per test JVM
 * into a temporary directory. Needs a python3 with torch and torchvision (Debian's
 * python3-torch, python3-torchvision); without one the tests are skipped with a message, except
 * in CI ({@code CI=true}), where {@code .ci/run} installs them and their absence is a failure.
 */
final class PyTorchModels {
    private static String python;
    private static Path dir;
    private static final Set<String> exported = new HashSet<>();

    private PyTorchModels() {
    }

    private static synchronized String python() {
        if (python != null) {
            return python;
        }
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch, torchvision, numpy")
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = candidate;
                    return python;
                }
            } catch (IOException | InterruptedException ignored) {
                // try the next candidate
            }
        }
        String message = "no python3 with torch and torchvision found (tried /usr/bin/python3, python3); "
                + "install python3-torch and python3-torchvision to run the ONNX import tests";
        if ("true".equals(System.getenv("CI"))) {
            fail(message + " -- required in CI");
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.assumeTrue(false, message);
        return null;
    }

    /** The directory of an exported model (model.onnx, input_i.npy, output_i.npy), exporting it if needed. */
    static synchronized Path model(String name) throws Exception {
        String py = python();
        if (dir == null) {
            dir = Files.createTempDirectory("walnut-onnx-models");
            dir.toFile().deleteOnExit();
        }
        if (!exported.contains(name)) {
            Path script = Path.of("src/test/python/export_models.py").toAbsolutePath();
            Process p = new ProcessBuilder(py, script.toString(), dir.toString(), name).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("exporting " + name + " timed out");
            }
            assertEquals(0, p.exitValue(), "export_models.py " + name + " failed:\n" + out);
            exported.add(name);
        }
        return dir.resolve(name);
    }

    /** The tensors saved as {@code prefix_0.npy, prefix_1.npy, ...}. */
    static Tensor[] tensors(Path modelDir, String prefix) throws IOException {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; Files.exists(modelDir.resolve(prefix + "_" + i + ".npy")); i++) {
            out.add(Npy.load(modelDir.resolve(prefix + "_" + i + ".npy")));
        }
        return out.toArray(new Tensor[0]);
    }

    /** max |actual - expected| / max |expected|: the relative error the tests bound. */
    static double relativeError(Tensor actual, Tensor expected) {
        double[] a = actual.to(dev.walnut.DType.F64).contiguous().toDoubleArray();
        double[] e = expected.to(dev.walnut.DType.F64).contiguous().toDoubleArray();
        assertEquals(e.length, a.length, "element count");
        double diff = 0, scale = 1e-12;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return diff / scale;
    }
}
