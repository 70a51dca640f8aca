package dev.walnut.internal;

import dev.walnut.Tensor;
import dev.walnut.optim.Optimizer;
import java.util.Map;

/**
 * What the graph compiler's compiled training steps need from an optimizer's per-parameter
 * state (its step count and named buffers), published by {@link Optimizer}'s static initialiser
 * so that a compiled step and the eager {@code step()} share one state. Not for application use.
 */
public interface OptimizerInternals {
    /** The number of updates {@code optimizer} applied to {@code param} (0 when it has no state). */
    long step(Optimizer optimizer, Tensor param);

    /**
     * {@code param}'s named state buffers ({@code exp_avg}, {@code momentum_buffer}, ...), live:
     * writing the map changes the optimizer's state. Creates the state when absent.
     */
    Map<String, Tensor> buffers(Optimizer optimizer, Tensor param);

    /** Sets {@code param}'s step count, creating its state when absent. */
    void setStep(Optimizer optimizer, Tensor param, long step);

    /** The registered instance; an optimizer exists, so its class is initialised and has registered. */
    static OptimizerInternals get() {
        OptimizerInternals a = Holder.instance;
        if (a == null) {
            try {
                Class.forName(Optimizer.class.getName(), true, Optimizer.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = Holder.instance;
        }
        return a;
    }

    /** Called once by {@link Optimizer}. */
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
