package dev.walnut.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplersTest {
    static void assertPermutation(int n, int[] p) {
        assertEquals(n, p.length);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) {
            assertEquals(i, sorted[i], () -> "not a permutation: " + Arrays.toString(p));
        }
    }

    @Test
    void sequentialSamplerVisitsIndicesInOrder() {
        var s = new SequentialSampler(4);
        assertArrayEquals(new int[] {0, 1, 2, 3}, s.indices(0));
        assertArrayEquals(new int[] {0, 1, 2, 3}, s.indices(5));
        assertEquals(4, s.length());
    }

    @Test
    void randomSamplerIsAPermutationThatChangesWithTheEpoch() {
        var s = new RandomSampler(100, 42);
        int[] e0 = s.indices(0);
        int[] e1 = s.indices(1);
        assertPermutation(100, e0);
        assertPermutation(100, e1);
        assertFalse(Arrays.equals(e0, e1), "epochs 0 and 1 have the same order");
        assertArrayEquals(e0, s.indices(0), "the order is a function of the epoch");
        assertArrayEquals(e0, new RandomSampler(100, 42).indices(0), "the same seed gives the same order");
        assertFalse(Arrays.equals(e0, new RandomSampler(100, 43).indices(0)));
    }

    @Test
    void randomSamplerOrderIsPinnedAcrossJdks() {
        // SplitMix64 + Fisher-Yates, implemented in Walnut: these values must never change.
        assertArrayEquals(new int[] {9, 2, 8, 5, 7, 3, 0, 1, 4, 6}, new RandomSampler(10, 42).indices(0));
    }

    @Test
    void randomSamplerWithReplacementDrawsNumSamplesInRange() {
        var s = new RandomSampler(10, 7, true, 1000);
        int[] idx = s.indices(0);
        assertEquals(1000, idx.length);
        assertEquals(1000, s.length());
        int[] counts = new int[10];
        for (int i : idx) {
            counts[i]++;
        }
        for (int c : counts) {
            assertTrue(c > 50 && c < 150, () -> "counts far from uniform: " + Arrays.toString(counts));
        }
        assertThrows(IllegalArgumentException.class, () -> new RandomSampler(10, 7, false, 5));
        assertThrows(IllegalArgumentException.class, () -> new RandomSampler(0, 7, true, 5));
    }

    @Test
    void weightedSamplingWithReplacementMatchesTheWeights() {
        double[] w = {1, 2, 0, 3, 4};
        var s = new WeightedRandomSampler(w, 50_000, true, 123);
        int[] counts = new int[w.length];
        for (int i : s.indices(0)) {
            counts[i]++;
        }
        assertEquals(0, counts[2], "an index with weight 0 is never drawn");
        double[] expected = {0.1, 0.2, 0.0, 0.3, 0.4};
        for (int i = 0; i < w.length; i++) {
            // binomial standard deviation is at most sqrt(0.25 / 50000) = 0.0022; allow ~5 sigma
            assertEquals(expected[i], counts[i] / 50_000.0, 0.012, () -> "frequencies " + Arrays.toString(counts));
        }
        assertFalse(Arrays.equals(s.indices(0), s.indices(1)));
        assertArrayEquals(s.indices(3), new WeightedRandomSampler(w, 50_000, true, 123).indices(3));
    }

    @Test
    void weightedSamplingWithoutReplacementDrawsDistinctIndicesByWeight() {
        double[] w = {0, 1, 1, 8};
        var s = new WeightedRandomSampler(w, 3, false, 5);
        int firstIs3 = 0;
        int epochs = 4000;
        for (int e = 0; e < epochs; e++) {
            int[] idx = s.indices(e);
            int[] sorted = idx.clone();
            Arrays.sort(sorted);
            assertArrayEquals(new int[] {1, 2, 3}, sorted, "all positive-weight indices, each once");
            if (idx[0] == 3) {
                firstIs3++;
            }
        }
        // The first draw picks index 3 with probability 8 / 10.
        assertEquals(0.8, firstIs3 / (double) epochs, 0.03);
        assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(w, 4, false, 5));
    }

    @Test
    void weightedSamplerRejectsBadWeights() {
        var neg = assertThrows(IllegalArgumentException.class,
                () -> new WeightedRandomSampler(new double[] {1, -1}, 2, true, 0));
        assertTrue(neg.getMessage().contains("weights[1] = -1.0"), neg.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new WeightedRandomSampler(new double[] {1, Double.NaN}, 2, true, 0));
        assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[] {0, 0}, 2, true, 0));
    }

    @Test
    void subsetRandomSamplerShufflesTheGivenIndicesPerEpoch() {
        int[] subset = {10, 20, 30, 40, 50, 60, 70, 80};
        var s = new SubsetRandomSampler(subset, 9);
        int[] e0 = s.indices(0);
        int[] sorted = e0.clone();
        Arrays.sort(sorted);
        assertArrayEquals(subset, sorted);
        assertNotEquals(Arrays.toString(e0), Arrays.toString(s.indices(1)));
        assertEquals(8, s.length());
    }

    @Test
    void batchSamplerGroupsTheOrderAndKeepsOrDropsTheLastBatch() {
        var keep = new BatchSampler(new SequentialSampler(10), 4, false);
        List<int[]> b = keep.batches(0);
        assertEquals(3, keep.length());
        assertEquals(3, b.size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, b.get(0));
        assertArrayEquals(new int[] {4, 5, 6, 7}, b.get(1));
        assertArrayEquals(new int[] {8, 9}, b.get(2));
        var drop = new BatchSampler(new SequentialSampler(10), 4, true);
        assertEquals(2, drop.length());
        assertEquals(2, drop.batches(0).size());
        assertEquals(2, new BatchSampler(new SequentialSampler(8), 4, false).length());
        assertEquals(0, new BatchSampler(new SequentialSampler(3), 4, true).length());
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(new SequentialSampler(3), 0, true));
    }
}
