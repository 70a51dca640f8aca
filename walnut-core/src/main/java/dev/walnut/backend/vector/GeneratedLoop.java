package dev.walnut.backend.vector;

import dev.walnut.backend.cpu.FusedLoop;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The superclass of the loops {@link LoopGenerator} writes: each subclass is a hidden class made
 * for one program, whose {@link #general} and {@link #fast} run it over whole vectors, and this
 * class drives them chunk by chunk.
 *
 * <p>Why two loops. The array kernels of {@link VectorMath} choose per call between the general
 * {@code exp} and {@code tanh} and cheaper forms that give the same bits inside a range
 * ({@code expOneScale}, {@code tanhLarge}), after scanning the call's input. Inside a fused loop
 * a transcendental's input is an intermediate value, not known before the loop has computed it,
 * and a branch per vector would box the vectors on JDK 17 (see {@code VectorMath.tanhLarge}). So
 * {@link #fast} runs the cheap forms without looking, folds every cheap form's argument into
 * range accumulators, and says at the end of a chunk whether any lane left its range; that chunk
 * is then run again by {@link #general}, and so is the rest of the range and the next
 * {@link #SKIP_AFTER_FAILURE} calls: data that once needs the general form probably needs it
 * again, and this bounds the wasted work to one chunk in that many calls.
 */
abstract class GeneratedLoop implements FusedLoop {
    /** The species every generated loop computes in (the one {@link VectorMath} uses). */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The int species of the same shape, for the bit manipulations. */
    static final VectorSpecies<Integer> IS = S.withLanes(int.class);

    /** Elements per call of {@link #fast}: its fixed cost (loads of the inputs' arrays, the range check) is then small. */
    static final int CHUNK = 8192;

    /** Calls that skip {@link #fast} after one whose chunk failed its range check. */
    static final int SKIP_AFTER_FAILURE = 64;

    private int step;
    private boolean hasFast;
    private String program;
    /**
     * Calls left that go straight to {@link #general}: data that fails the range check once
     * probably fails it on the next calls too, and a {@link #fast} that runs only for one chunk
     * per call is seldom compiled by C2 (so runs slowly, boxing its vectors). Racy on purpose:
     * any value a thread reads is a valid count.
     */
    private int skipFast;

    /** Set once by the generator, before the loop is published. */
    final GeneratedLoop init(int step, boolean hasFast, String program) {
        this.step = step;
        this.hasFast = hasFast;
        this.program = program;
        return this;
    }

    /**
     * The program over {@code [lo, hi)} with the cheap forms, {@code hi - lo} a multiple of the
     * step; returns 0 when every cheap form's argument was in its range (the output is right),
     * anything else when the chunk must be run again by {@link #general}.
     */
    public abstract int fast(float[][] in, int[] offsets, float[] out, int lo, int hi);

    /** The program over {@code [lo, hi)} with the general forms, {@code hi - lo} a multiple of the step. */
    public abstract void general(float[][] in, int[] offsets, float[] out, int lo, int hi);

    @Override
    public final int run(float[][] in, int[] offsets, float[] out, int lo, int hi) {
        int end = lo + (hi - lo) / step * step;
        boolean cheap = hasFast;
        if (cheap && skipFast > 0) {
            skipFast--;
            cheap = false;
        }
        int chunk = Math.max(step, CHUNK / step * step); // whole steps: a step need not divide CHUNK
        for (int start = lo; start < end; ) {
            int stop = Math.min(end, start + chunk);
            if (!cheap || fast(in, offsets, out, start, stop) != 0) {
                if (cheap) {
                    skipFast = SKIP_AFTER_FAILURE;
                    cheap = false;
                }
                general(in, offsets, out, start, stop);
            }
            start = stop;
        }
        return end;
    }

    /** Elements per loop iteration: the unrolled vectors times the lanes. */
    final int step() {
        return step;
    }

    /** Whether the loop has cheap forms of its transcendentals ({@link #fast}). */
    final boolean hasFast() {
        return hasFast;
    }

    @Override
    public String toString() {
        return "generated loop (" + step + " floats per iteration" + (hasFast ? ", with cheap forms" : "") + "): "
                + program;
    }
}
