package dev.walnut.data;

import dev.walnut.Generator;

/**
 * Seed derivation for every random choice in this package. A generator for a given purpose is
 * seeded from a hash of (seed, epoch, index, ...) instead of being shared or drawn from in
 * sequence, so the result never depends on which thread asks first or how many workers run.
 * The hash is SplitMix64's finaliser applied per part, which is fixed here (not taken from the
 * JDK), so the streams are the same on every JDK.
 */
final class Seeds {
    private Seeds() {
    }

    /** A well-mixed 64-bit hash of {@code seed} and {@code parts}, in order. */
    static long mix(long seed, long... parts) {
        long h = finalise(seed ^ 0x243F6A8885A308D3L);
        for (long p : parts) {
            h = finalise(h + 0x9E3779B97F4A7C15L + finalise(p));
        }
        return h;
    }

    /** A fresh generator seeded with {@code mix(seed, parts)}. */
    static Generator generator(long seed, long... parts) {
        return new Generator(mix(seed, parts));
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fisher-Yates: a uniformly random permutation of {@code 0..n-1}. */
    static int[] permutation(int n, Generator g) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int) g.nextLong(i + 1L);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
