package dev.walnut.internal;

import dev.walnut.Tensor;
import java.util.Map;

/**
 * What the graph compiler's compiled training steps need from an optimizer's per-parameter
 * state (its step count and named buffers), published by {@code dev.walnut.optim.Optimizer}'s
 * static initialiser so that a compiled step and the eager {@code step()} share one state. The
 * optimizer is typed {@code Object} because this layer sits below {@code optim}; passing anything
 * but an optimizer fails. Not for application use.
 */
public interface OptimizerInternals {
    /** The number of updates {@code optimizer} applied to {@code param} (0 when it has no state). */
    long step(Object optimizer, Tensor param);

    /**
     * {@code param}'s named state buffers ({@code exp_avg}, {@code momentum_buffer}, ...), live:
     * writing the map changes the optimizer's state. Creates the state when absent.
     */
    Map<String, Tensor> buffers(Object optimizer, Tensor param);

    /** Sets {@code param}'s step count, creating its state when absent. */
    void setStep(Object optimizer, Tensor param, long step);

    /**
     * The registered instance. Call it once an optimizer exists: constructing one initialises
     * its class, which registers.
     */
    static OptimizerInternals get() {
        OptimizerInternals a = Holder.instance;
        if (a == null) {
            throw new IllegalStateException("OptimizerInternals: no optimizer class has been initialised yet");
        }
        return a;
    }

    /** Called once by {@code Optimizer}. */
    static void register(OptimizerInternals access) {
        Holder.instance = access;
    }

    /** Storage for the registered instance. */
    final class Holder {
        static volatile OptimizerInternals instance;

        private Holder() {
        }
    }
}
