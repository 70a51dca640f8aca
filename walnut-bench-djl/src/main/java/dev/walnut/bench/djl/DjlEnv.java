package dev.walnut.bench.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;
import java.nio.file.Path;

/**
 * Starts DJL's PyTorch engine the way every benchmark and test of this module needs it:
 * offline, with its native-library cache outside the user's home, and with the thread count
 * given on the command line.
 *
 * <ul>
 *   <li>{@code ai.djl.offline} defaults to {@code true}: libtorch comes from the
 *       {@code pytorch-native-cpu} linux-x86_64 jar and the JNI glue from {@code pytorch-jni},
 *       both on the class path; in offline mode DJL throws instead of downloading anything, so a
 *       missing jar is an error, never a silent download.</li>
 *   <li>{@code ENGINE_CACHE_DIR} and {@code DJL_CACHE_DIR} (system properties or environment
 *       variables, DJL reads both) default to {@code walnut-bench-djl-cache} under
 *       {@code java.io.tmpdir}; {@code bench/run.sh} and the module's tests point them at
 *       {@code walnut-bench-djl/target/djl-cache}. DJL extracts the .so files there once.</li>
 *   <li>Threads: DJL's PyTorch engine reads {@code ai.djl.pytorch.num_threads} (intra-op) and
 *       {@code ai.djl.pytorch.num_interop_threads} when it starts; {@code bench/run.sh} passes
 *       {@code -Dai.djl.pytorch.num_threads=2} like {@code torch.set_num_threads(2)} on the
 *       Python side. {@link #describe()} reports what the engine actually uses.</li>
 * </ul>
 *
 * <pre>{@code
 * try (NDManager manager = DjlEnv.newManager()) {
 *     NDArray x = manager.ones(new Shape(2, 3));
 * }
 * }</pre>
 */
public final class DjlEnv {
    /** The engine every benchmark runs on (DJL can have several; only PyTorch is on the class path). */
    public static final String ENGINE = "PyTorch";

    private DjlEnv() {
    }

    /** Applies the defaults above (once is enough; later calls change nothing) and returns the engine. */
    public static synchronized Engine engine() {
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        String cache = Path.of(System.getProperty("java.io.tmpdir"), "walnut-bench-djl-cache").toString();
        setIfAbsent("ENGINE_CACHE_DIR", cache);
        setIfAbsent("DJL_CACHE_DIR", cache);
        return Engine.getEngine(ENGINE);
    }

    /** A fresh base manager of the PyTorch engine on the CPU; close it to free its arrays. */
    public static NDManager newManager() {
        return engine().newBaseManager();
    }

    /** One line: engine version, intra-/inter-op threads, offline flag and cache directory. */
    public static String describe() {
        Engine engine = engine();
        return String.format("DJL %s, %s %s, intra-op threads %s, inter-op threads %s, offline %s, cache %s",
                Engine.getDjlVersion(), engine.getEngineName(), engine.getVersion(),
                JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(), Utils.isOfflineMode(),
                Utils.getEngineCacheDir());
    }

    /** Prints {@link #describe()}; {@code bench/run.sh --djl} records that line with the results. */
    public static void main(String[] args) {
        System.out.println(describe());
    }

    private static void setIfAbsent(String key, String value) {
        // DJL reads the environment variable first, then the system property (Utils.getEnvOrSystemProperty).
        if (System.getenv(key) == null && System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
