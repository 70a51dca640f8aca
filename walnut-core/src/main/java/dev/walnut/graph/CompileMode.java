package dev.walnut.graph;

/**
 * How a {@link CompiledFunction} runs its graphs, like {@code torch.compile}'s {@code mode}.
 * Both modes run the same optimized graph with the same kernels, so they give the same bits;
 * they differ in per-call work and memory (numbers in walnut-bench/results/compiled-notes.md).
 *
 * <pre>{@code
 * CompiledFunction f = Compiler.compile(model).markDynamic(0, 0).mode(CompileMode.REDUCE_OVERHEAD);
 * Tensor y = f.apply(x);   // first call per input shape: traces (once per signature) and plans
 * Tensor y2 = f.apply(x);  // later calls: no intermediate allocation, only the fresh output
 * }</pre>
 */
public enum CompileMode {
    /**
     * {@code mode="default"}: each call checks the inputs' signature, runs the graph node by node
     * ({@link Graph#run}) and allocates every intermediate, freed after its last use. No memory
     * is held between calls.
     */
    DEFAULT,

    /**
     * {@code mode="reduce-overhead"}: the first call with each concrete input shape (dynamic dims
     * included) plans a static memory arena for it ({@code MemoryPlan}: values whose lifetimes do
     * not overlap share a buffer); later calls with that shape skip the signature and attribute
     * work and write every node that has an out= kernel into its buffer. Each concurrent call
     * takes its own arena from a pool. Outputs are fresh tensors on every call (the safe default;
     * CUDA graphs in PyTorch instead overwrite them on the next run), so the per-call allocation
     * after warm-up is the outputs plus what nodes without an out= kernel allocate (the benchmark
     * MLP, batch 64: about 3.1 KB per call with JMH {@code -prof gc}, 2.5 KB of it the output's
     * data; the rest is the output tensor's objects and the result array). Costs: one
     * arena's memory (the plan's peak, not the sum of the intermediates) per shape and per call
     * that ran at once, kept while the function lives.
     */
    REDUCE_OVERHEAD,

    /**
     * {@code mode="max-autotune"}: as {@link #REDUCE_OVERHEAD}, but the first call with each
     * input signature optimizes the captured graph with each fusion grouping (all passes, and
     * without elementwise fusion) and, when the model convolves, traces it again with each
     * convolution algorithm (fused kernels, one batch-wide im2col GEMM, im2col per item: one
     * algorithm for all its convolutions), times each distinct graph on that call's inputs (best
     * of five interleaved arena runs) and keeps the fastest, with one log line naming the times;
     * when the kept graph multiplies matrices, it is then timed the same way under each GEMM cache
     * blocking (KC x MC of the packed SGEMM, four candidates) and runs under the fastest from then
     * on (the default unless another wins by 3%), with a second log line. Fusion choices keep the
     * bits; convolution algorithms and blockings agree within rounding. Costs a first call about
     * seven runs longer per candidate (up to eight for a CNN), plus six runs per blocking.
     */
    MAX_AUTOTUNE
}
