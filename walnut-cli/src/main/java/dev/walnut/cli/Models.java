package dev.walnut.cli;

import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.Flatten;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Regularization;
import dev.walnut.nn.init.Init;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;

/**
 * The models {@code walnut train --model} knows, built from a name and a seed so that a
 * checkpoint's metadata is enough to rebuild one for {@code eval} and {@code predict}.
 *
 * <ul>
 *   <li>{@code mlp}: Flatten, Linear(784, 256), ReLU, Linear(256, 128), ReLU, Linear(128, 10).
 *   <li>{@code cnn}: Conv2d(1, 32, 3, pad 1), ReLU, MaxPool2d(2), Conv2d(32, 64, 3, pad 1), ReLU,
 *       MaxPool2d(2), Flatten, Linear(3136, 128), ReLU, Dropout(0.25), Linear(128, 10).
 *   <li>any other name: the fully qualified name of a {@link Module} subclass with a public
 *       no-argument constructor, taking {@code [B, 1, 28, 28]} images and returning
 *       {@code [B, 10]} logits.
 * </ul>
 *
 * <pre>{@code
 * Module mlp = Models.create("mlp", 42);     // same seed, same initial weights
 * }</pre>
 */
final class Models {
    /** The built-in model names. */
    static final String[] BUILT_IN = {"mlp", "cnn"};
    /** Dropout probability of the CNN's classifier. */
    static final double CNN_DROPOUT = 0.25;

    private Models() {
    }

    /** Whether {@code name} is a built-in model or looks like a class name (has a dot). */
    static boolean isValidName(String name) {
        return name.equals("mlp") || name.equals("cnn") || name.contains(".");
    }

    /**
     * Builds model {@code name} with weights drawn from a generator seeded with {@code seed}.
     *
     * @throws IllegalArgumentException for an unknown name, or a class that is not a usable Module
     */
    static Module create(String name, long seed) {
        switch (name) {
            case "mlp" -> {
                var m = new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 128),
                        new ReLU(), new Linear(128, 10));
                reinitialize(m, seed);
                return m;
            }
            case "cnn" -> {
                var m = new Sequential(new Conv2d(1, 32, 3, 1, 1), new ReLU(), new MaxPool2d(2),
                        new Conv2d(32, 64, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Flatten(),
                        new Linear(64 * 7 * 7, 128), new ReLU(), new SeededDropout(CNN_DROPOUT),
                        new Linear(128, 10));
                reinitialize(m, seed);
                return m;
            }
            default -> {
                return instantiate(name, seed);
            }
        }
    }

    private static Module instantiate(String className, long seed) {
        if (!className.contains(".")) {
            throw new IllegalArgumentException("unknown model '" + className + "'; use mlp, cnn or the fully "
                    + "qualified name of a Module subclass with a public no-argument constructor");
        }
        Class<?> cls;
        try {
            cls = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("model class '" + className + "' not found on the class path; "
                    + "use mlp, cnn, or add the class's jar or directory with --classpath (or CLASSPATH through the "
                    + "walnut launcher)");
        }
        if (!Module.class.isAssignableFrom(cls) || Modifier.isAbstract(cls.getModifiers())) {
            throw new IllegalArgumentException("model class '" + className + "' is not a concrete subclass of "
                    + Module.class.getName());
        }
        // A user module draws its initial weights from the global generator; seeding it makes the
        // run repeatable (built-in models use their own generator and leave the global one alone).
        // Holding the generator's lock keeps other threads from drawing between seed and construction.
        synchronized (Generator.defaultGenerator()) {
            Tensor.manualSeed(seed);
            try {
                return (Module) cls.getConstructor().newInstance();
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException("model class '" + className + "' has no public no-argument "
                        + "constructor");
            } catch (InvocationTargetException e) {
                throw new IllegalArgumentException("constructing model class '" + className + "' failed: "
                        + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("cannot construct model class '" + className + "': " + e, e);
            }
        }
    }

    /**
     * Re-draws the weights of every Linear and Conv2d with PyTorch's default initialisation from a
     * generator seeded with {@code seed}, layer by layer in module order, so the initial model
     * depends on the seed alone and not on what else used the global generator before.
     */
    private static void reinitialize(Module model, long seed) {
        var g = new Generator(seed);
        for (Module m : model.modules()) {
            Tensor weight;
            Tensor bias;
            if (m instanceof Linear l) {
                weight = l.weight();
                bias = l.bias();
            } else if (m instanceof Conv2d c) {
                weight = c.weight();
                bias = c.bias();
            } else {
                continue;
            }
            Init.kaimingUniform(weight, Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, g);
            if (bias != null) {
                double bound = 1.0 / Math.sqrt(Init.fans(weight)[0]);
                Init.uniform(bias, -bound, bound, g);
            }
        }
    }

    /**
     * Re-seeds the dropout masks of {@code model} for optimizer step {@code step}: each step's masks
     * are a function of (seed, step) only, so a run resumed at any step draws the same masks as an
     * uninterrupted one.
     */
    static void seedDropout(Module model, long seed, long step) {
        int layer = 0;
        for (Module m : model.modules()) {
            if (m instanceof SeededDropout d) {
                d.generator.manualSeed(mix(seed, step, layer++));
            }
        }
    }

    private static long mix(long seed, long step, int layer) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + layer * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Total number of parameter elements. */
    static long parameterCount(Module model) {
        long n = 0;
        for (Tensor p : model.parameters()) {
            n += p.numel();
        }
        return n;
    }

    /**
     * Dropout whose masks come from its own generator, re-seeded by {@link #seedDropout}
     * (the library's {@code Dropout} draws from the global generator, which a resumed run cannot
     * put back where it was).
     */
    static final class SeededDropout extends Module {
        private final double p;
        private final transient Generator generator = new Generator(0);

        SeededDropout(double p) {
            this.p = p;
        }

        @Override
        public Tensor forward(Tensor input) {
            return Regularization.dropout(input, p, isTraining(), generator);
        }

        @Override
        protected String extraRepr() {
            return "p=" + p;
        }
    }
}
