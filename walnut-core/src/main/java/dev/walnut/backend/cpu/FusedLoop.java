package dev.walnut.backend.cpu;

/**
 * An {@link dev.walnut.backend.ElementwiseProgram} compiled by the active {@link KernelProvider}
 * into one loop over whole vectors ({@link KernelProvider#fusedLoop}), for one arrangement of its
 * inputs: each input either contiguous with the output's shape or one element broadcast. Every
 * value of the program stays in a register from an input's load to the output's store, where the
 * block interpreter of {@link FloatFusedElementwise} takes each step through an L1 block. It
 * gives the interpreter's bits. Immutable; any number of threads may run one loop at once.
 */
public interface FusedLoop {
    /**
     * {@code out[q]} for {@code q} in {@code [lo, end)}, where element {@code q} of a contiguous
     * input {@code i} is {@code in[i][offsets[i] + q]} and a broadcast input's one element is
     * {@code in[i][offsets[i]]}; {@code end} is the last point not past {@code hi} that leaves
     * whole steps of the loop after {@code lo}. Returns {@code end}: the caller computes
     * {@code [end, hi)} itself. {@code out} must not be one of the inputs.
     */
    int run(float[][] in, int[] offsets, float[] out, int lo, int hi);
}
