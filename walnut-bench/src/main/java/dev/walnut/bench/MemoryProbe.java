package dev.walnut.bench;

import dev.walnut.Tensor;
import dev.walnut.autograd.GradientContext;
import dev.walnut.nn.Module;
import dev.walnut.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The memory workload of {@code bench/run.sh}, run as a process of its own so that its peak
 * resident set size belongs to this workload alone: {@code steps} training steps of the MLP
 * ({@link Models#mlp()}) at batch 64 with Adam, each ending with {@code zeroGrad}, which clears
 * context 0's tape.
 *
 * <p>Every {@code every} steps (and at step 0, before the first step) it prints one JSON line
 * with the step, the resident set size ({@code VmRSS}), the peak so far ({@code VmHWM}), the
 * used heap after a full GC and the tape size; at the end one line with {@code "final": true}.
 * A soak run (10,000 steps, a line per 1,000) shows whether anything grows step after step.
 * The same loop in PyTorch is in {@code bench/torch_compare.py}.
 *
 * <pre>{@code
 * java -Xmx256m -cp walnut-bench/target/walnut-bench.jar dev.walnut.bench.MemoryProbe 200 0
 * java -Xmx256m -cp walnut-bench/target/walnut-bench.jar dev.walnut.bench.MemoryProbe 10000 1000
 * }</pre>
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    /** Arguments: {@code steps} (default 200) and {@code every} (0 = only the start and the end). */
    public static void main(String[] args) throws IOException {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int batch = 64;
        Tensor input = Models.input(42, batch, 784);
        Tensor target = Models.labels(batch);
        Module model = Models.mlp();
        Optimizer opt = Models.optimizer("adam", model);
        report(0, false);
        for (int step = 1; step <= steps; step++) {
            Models.trainStep(model, opt, input, target);
            if (every > 0 && step % every == 0 && step != steps) {
                report(step, false);
            }
        }
        report(steps, true);
    }

    private static void report(int step, boolean last) throws IOException {
        // Used heap right after a full collection is the live data; without the GC the figure
        // would mostly show how much garbage happens to be waiting.
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long usedHeap = rt.totalMemory() - rt.freeMemory();
        String status = Files.readString(Path.of("/proc/self/status"));
        System.out.println(String.format(Locale.ROOT,
                "{\"step\": %d, \"rss_kb\": %d, \"hwm_kb\": %d, \"heap_used_kb\": %d, \"heap_committed_kb\": %d,"
                        + " \"max_heap_kb\": %d, \"tape_size\": %d, \"final\": %b}",
                step, statusKb(status, "VmRSS:"), statusKb(status, "VmHWM:"), usedHeap / 1024,
                rt.totalMemory() / 1024, rt.maxMemory() / 1024, GradientContext.current().tapeSize(), last));
        System.out.flush();
    }

    /** A {@code kB} field of /proc/self/status, or -1 where there is none (not Linux). */
    private static long statusKb(String status, String field) {
        for (String line : status.split("\n")) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }
}
