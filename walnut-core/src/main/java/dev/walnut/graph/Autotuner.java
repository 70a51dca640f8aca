package dev.walnut.graph;

import dev.walnut.Tensor;
import dev.walnut.internal.ConvolutionChoice;
import dev.walnut.internal.GemmChoice;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.LinalgOps;
import dev.walnut.ops.WindowOps;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@link CompileMode#MAX_AUTOTUNE}'s choice: the captured graph is optimized with each candidate
 * fusion grouping (the configured passes, and, where elementwise fusion is among them, the same
 * without it); when it holds a convolution, the function is also traced once per convolution
 * algorithm ({@link ConvolutionChoice}: the fused convolution kernels, one batch-wide im2col GEMM,
 * im2col and a GEMM per item; one algorithm for all of the graph's convolutions) and each trace
 * is optimized the same ways. A candidate that gives the same graph as an earlier one is
 * dropped; each runs on
 * the first call's inputs in an arena (one discovery run, one untimed run, then the best of
 * {@link #RUNS} timed runs, interleaved across candidates), and the fastest is kept; one log
 * line ({@code dev.walnut.graph}, INFO) names the times. Elementwise fusion keeps the eager bits (a
 * fused sum aside), so the fusion choice changes time only; the convolution algorithms sum in
 * different orders (results within rounding of each other). The kept graph is then timed the same
 * way under each GEMM cache blocking ({@link GemmChoice}: KC and MC of the packed SGEMM) when it
 * multiplies matrices, and runs from then on under the fastest (the default unless another is
 * at least {@link #MARGIN} faster, so that noise does not flip it); the blockings sum k in
 * different blocks (results within rounding of each other). Linear fusion is not a candidate to drop:
 * it runs what eager {@code nn.Linear} inference runs (the packed GEMM, bias first in its store),
 * and the unfused {@code matmul + add} rounds differently.
 *
 * <pre>{@code
 * Graph best = Autotuner.pick(choice -> tracer.trace(inputs), Pass.defaults(), inputs, "CNN");
 * }</pre>
 */
final class Autotuner {
    private static final System.Logger LOG = System.getLogger("dev.walnut.graph");
    static final int RUNS = 5;
    /** A blocking other than the default must beat it by this fraction of its time to be kept. */
    static final double MARGIN = 0.03;

    private Autotuner() {
    }

    /** True when {@code g} multiplies matrices: matmul, fused linear or a convolution. */
    private static boolean hasGemm(Graph g) {
        return hasConvolution(g) || g.nodes().stream().anyMatch(n -> n.op() == LinalgOps.MATMUL
                || n.op() == FusedOps.LINEAR);
    }

    /** True when {@code g} convolves: the fused convolution primitive or im2col columns. */
    private static boolean hasConvolution(Graph g) {
        return g.nodes().stream().anyMatch(n -> n.op() == WindowOps.CONVOLUTION || n.op() == WindowOps.IM2COL);
    }

    /** The candidate pass lists for {@code passes}, named; the first is {@code passes} itself. */
    static Map<String, List<Pass>> candidates(List<Pass> passes) {
        Map<String, List<Pass>> c = new LinkedHashMap<>();
        c.put("all passes", passes);
        if (passes.stream().anyMatch(p -> p instanceof ElementwiseFusion)) {
            c.put("no elementwise fusion", passes.stream().filter(p -> !(p instanceof ElementwiseFusion)).toList());
        }
        return c;
    }

    /**
     * The fastest optimization on {@code inputs} of the graph {@code capture} traces (under
     * {@link ConvolutionChoice#AUTO} first, then under the other algorithms when that graph
     * holds a convolution); see the class comment.
     */
    static Graph pick(Function<ConvolutionChoice, Graph> capture, List<Pass> passes, Tensor[] inputs, String name) {
        Map<String, Graph> traces = new LinkedHashMap<>();
        Graph auto = capture.apply(ConvolutionChoice.AUTO);
        traces.put("", auto);
        if (hasConvolution(auto)) {
            for (ConvolutionChoice c : ConvolutionChoice.values()) {
                if (c != ConvolutionChoice.AUTO) {
                    traces.put(", convolution " + c.name().toLowerCase(Locale.ROOT), capture.apply(c));
                }
            }
        }
        Map<String, Graph> distinct = new LinkedHashMap<>();
        Map<String, String> seen = new java.util.HashMap<>();
        traces.forEach((traceName, captured) -> candidates(passes).forEach((n, p) -> {
            Graph g = Pass.run(captured, p);
            if (seen.putIfAbsent(g.toString(), n + traceName) == null) {
                distinct.put(n + traceName, g);
            }
        }));
        if (distinct.size() == 1) {
            Graph only = distinct.values().iterator().next();
            if (hasGemm(only)) {
                ArenaExecutor x = new ArenaExecutor(only, inputs);
                x.run(only.boundWeights(), inputs); // discovery and plan
                only.gemmChoice(pickBlocking(only, x, inputs, name));
            }
            return only;
        }
        List<String> names = List.copyOf(distinct.keySet());
        Graph[] graphs = new Graph[names.size()];
        ArenaExecutor[] executors = new ArenaExecutor[names.size()];
        long[] nanos = new long[names.size()];
        for (int i = 0; i < graphs.length; i++) {
            graphs[i] = distinct.get(names.get(i));
            executors[i] = new ArenaExecutor(graphs[i], inputs);
            executors[i].run(graphs[i].boundWeights(), inputs); // discovery and plan
            executors[i].run(graphs[i].boundWeights(), inputs); // one arena run before timing
            nanos[i] = Long.MAX_VALUE;
        }
        // Interleaved rounds, so that a JIT compilation or a noisy neighbour hits every candidate alike.
        for (int r = 0; r < RUNS; r++) {
            for (int i = 0; i < graphs.length; i++) {
                long t0 = System.nanoTime();
                executors[i].run(graphs[i].boundWeights(), inputs);
                nanos[i] = Math.min(nanos[i], System.nanoTime() - t0);
            }
        }
        int best = 0;
        StringBuilder times = new StringBuilder();
        for (int i = 0; i < graphs.length; i++) {
            best = nanos[i] < nanos[best] ? i : best;
            times.append(i == 0 ? "" : ", ").append(names.get(i)).append(' ').append(String.format("%.3f ms", nanos[i] / 1e6));
        }
        LOG.log(Level.INFO, "compile: maxAutotune for " + name + " keeps " + names.get(best) + " (" + times + ")");
        if (hasGemm(graphs[best])) {
            graphs[best].gemmChoice(pickBlocking(graphs[best], executors[best], inputs, name));
        }
        return graphs[best];
    }

    /**
     * The {@link GemmChoice} under which {@code executor} (planned for {@code g}) runs fastest on
     * {@code inputs}: one untimed run under each, then the best of {@link #RUNS} interleaved runs.
     */
    static int pickBlocking(Graph g, ArenaExecutor executor, Tensor[] inputs, String name) {
        int count = GemmChoice.count();
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            GemmChoice.with(i, () -> executor.run(g.boundWeights(), inputs));
            nanos[i] = Long.MAX_VALUE;
        }
        for (int r = 0; r < RUNS; r++) {
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                GemmChoice.with(i, () -> executor.run(g.boundWeights(), inputs));
                nanos[i] = Math.min(nanos[i], System.nanoTime() - t0);
            }
        }
        int best = 0;
        StringBuilder times = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (nanos[i] < nanos[best] && nanos[i] < (1 - MARGIN) * nanos[0]) {
                best = i;
            }
            times.append(i == 0 ? "" : ", ").append(GemmChoice.name(i)).append(' ')
                    .append(String.format("%.3f ms", nanos[i] / 1e6));
        }
        LOG.log(Level.INFO, "compile: maxAutotune for " + name + " keeps GEMM blocking " + GemmChoice.name(best)
                + " (" + times + ")");
        return best;
    }
}
