package dev.walnut;

/**
 * A seedable source of random numbers for tensor creation ({@code rand}, {@code randn},
 * {@code randint}). The same seed gives the same tensors on every JDK and platform: the
 * algorithm (SplitMix64, Box-Muller for normals) is fixed and implemented here rather than taken
 * from {@link java.util.Random}, whose sequences are not a promise across versions.
 *
 * <pre>{@code
 * Tensor.manualSeed(42);                         // the global default generator, like torch.manual_seed
 * Tensor a = Tensor.randn(2, 3);
 * Generator g = new Generator(7);                // an explicit, independent stream
 * Tensor b = Tensor.rand(new long[]{2, 3}, DType.F32, g);
 * }</pre>
 *
 * <p>Methods are synchronized so the shared default generator is safe to use from several
 * threads; for reproducible multi-threaded code give each thread its own generator.
 */
public final class Generator {
    private static final Generator DEFAULT = new Generator(0x5DEECE66DL);

    private long state;
    private double spareGaussian;
    private boolean hasSpare;

    /** A generator seeded with {@code seed}. */
    public Generator(long seed) {
        manualSeed(seed);
    }

    /** The process-wide default generator that {@link Tensor#manualSeed(long)} reseeds. */
    public static Generator defaultGenerator() {
        return DEFAULT;
    }

    /** Resets this generator to the start of the stream for {@code seed}. */
    public synchronized Generator manualSeed(long seed) {
        state = seed;
        hasSpare = false;
        return this;
    }

    /** The next 64 uniformly random bits (SplitMix64). */
    public synchronized long nextLong() {
        return mix();
    }

    private long mix() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public synchronized double nextDouble() {
        return (mix() >>> 11) * 0x1.0p-53;
    }

    /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
    public synchronized double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u1;
        do {
            u1 = (mix() >>> 11) * 0x1.0p-53;
        } while (u1 == 0.0);
        double u2 = (mix() >>> 11) * 0x1.0p-53;
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double theta = 2.0 * Math.PI * u2;
        spareGaussian = r * Math.sin(theta);
        hasSpare = true;
        return r * Math.cos(theta);
    }

    /** Uniform in [0, bound), without modulo bias. */
    public synchronized long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Generator.nextLong: bound must be positive, got " + bound);
        }
        long m = bound - 1;
        long r = mix() >>> 1;
        if ((bound & m) == 0) {
            return r & m;
        }
        for (long u = r; u - (r = u % bound) + m < 0; u = mix() >>> 1) {
            // rejection loop: retry the rare draws that would bias the low values
        }
        return r;
    }

    // Bulk fills take the lock once instead of per element.
    synchronized void fillUniform(double[] out, double low, double high) {
        for (int i = 0; i < out.length; i++) {
            out[i] = low + (high - low) * ((mix() >>> 11) * 0x1.0p-53);
        }
    }

    synchronized void fillNormal(double[] out, double mean, double std) {
        for (int i = 0; i < out.length; i++) {
            out[i] = mean + std * nextGaussian();
        }
    }
}
