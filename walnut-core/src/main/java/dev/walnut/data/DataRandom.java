package dev.walnut.data;

import dev.walnut.Generator;
import java.util.Objects;

/**
 * The source of randomness for random transforms ({@link Transforms#randomCrop},
 * {@link Transforms#randomHorizontalFlip}, your own): a generator installed for the current
 * thread around the loading of one sample.
 *
 * <pre>{@code
 * // what a DataLoader does around dataset.get(index) for sample k of epoch e:
 * try (var scope = DataRandom.scope(seed, e, k)) {
 *     sample = dataset.get(index);       // random transforms call DataRandom.generator()
 * }
 * // a transform of your own:
 * Transform noise = x -> x.add(Tensor.randn(x.shape(), DType.F32, DataRandom.generator()).mul(0.1));
 * }</pre>
 *
 * <p>The {@link DataLoader} opens a scope seeded from (loader seed, epoch, position of the
 * sample in the epoch) for every sample, so augmentation is reproducible and does not depend
 * on which worker thread loads which sample or on the number of workers. Outside any scope,
 * {@link #generator()} is {@link Generator#defaultGenerator()} (reseeded by
 * {@code Tensor.manualSeed}), so calling a random transform directly still works.
 */
public final class DataRandom {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private DataRandom() {
    }

    /** The generator of the innermost open scope on this thread, else the default generator. */
    public static Generator generator() {
        Scope s = CURRENT.get();
        return s == null ? Generator.defaultGenerator() : s.generator;
    }

    /** True when a scope is open on this thread. */
    public static boolean inScope() {
        return CURRENT.get() != null;
    }

    /** Opens a scope whose generator is seeded from {@code seed} and {@code parts} (hashed). */
    public static Scope scope(long seed, long... parts) {
        return scope(Seeds.generator(seed, parts));
    }

    /** Opens a scope with {@code generator} until {@link Scope#close()}. Scopes nest. */
    public static Scope scope(Generator generator) {
        Scope s = new Scope(Objects.requireNonNull(generator, "DataRandom.scope: generator"), CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /**
     * An open scope; closing restores the enclosing one. Must be closed on the opening thread,
     * innermost first.
     *
     * <pre>{@code
     * try (DataRandom.Scope s = DataRandom.scope(42)) {
     *     Tensor flipped = Transforms.randomHorizontalFlip(0.5).apply(image);   // reproducible
     * }
     * }</pre>
     */
    public static final class Scope implements AutoCloseable {
        private final Generator generator;
        private final Scope previous;
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private Scope(Generator generator, Scope previous) {
            this.generator = generator;
            this.previous = previous;
        }

        /** This scope's generator. */
        public Generator generator() {
            return generator;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("DataRandom.Scope: closed on thread " + Thread.currentThread().getName()
                        + " but opened on " + owner.getName());
            }
            if (CURRENT.get() != this) {
                throw new IllegalStateException("DataRandom.Scope: closed out of order; close the innermost scope first");
            }
            closed = true;
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }
}
