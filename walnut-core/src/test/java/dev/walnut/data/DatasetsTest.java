package dev.walnut.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DatasetsTest {
    static Dataset<Integer> range(int n) {
        return Dataset.of(n, i -> i);
    }

    @Test
    void tensorDatasetIndexesTheFirstDimOfEachTensor() {
        Tensor x = Tensor.arange(0.0, 12.0, 1.0).reshape(4, 3);
        Tensor y = Tensor.of(10L, 11L, 12L, 13L);
        var ds = new TensorDataset(x, y);
        assertEquals(4, ds.size());
        Tensor[] s = ds.get(2);
        assertEquals(2, s.length);
        assertArrayEquals(new long[] {3}, s[0].shape());
        assertArrayEquals(new double[] {6, 7, 8}, s[0].toDoubleArray());
        assertEquals(0, s[1].dim());
        assertEquals(12, s[1].itemLong());
        assertEquals(DType.I64, s[1].dtype());
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(4));
    }

    @Test
    void tensorDatasetRejectsUnequalLengthsAndScalars() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.zeros(4, 2), Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("[5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.scalar(1.0)));
        assertThrows(IllegalArgumentException.class, TensorDataset::new);
    }

    @Test
    void subsetMapsIndices() {
        var sub = new Subset<>(range(10), new int[] {7, 2, 2});
        assertEquals(3, sub.size());
        assertEquals(7, sub.get(0));
        assertEquals(2, sub.get(2));
        assertThrows(IndexOutOfBoundsException.class, () -> sub.get(3));
        assertThrows(IndexOutOfBoundsException.class, () -> new Subset<>(range(10), new int[] {10}));
    }

    @Test
    void concatDatasetChainsDatasetsIncludingEmptyOnes() {
        var all = ConcatDataset.<Integer>of(range(3), range(0), Dataset.of(2, i -> 100 + i));
        assertEquals(5, all.size());
        int[] got = new int[5];
        for (int i = 0; i < 5; i++) {
            got[i] = all.get(i);
        }
        assertArrayEquals(new int[] {0, 1, 2, 100, 101}, got);
        assertThrows(IndexOutOfBoundsException.class, () -> all.get(5));
        assertThrows(IllegalArgumentException.class, () -> new ConcatDataset<Integer>(List.of()));
    }

    @Test
    void mapTransformsSamplesLazily() {
        Dataset<Integer> squares = range(5).map(i -> i * i);
        assertEquals(5, squares.size());
        assertEquals(16, squares.get(4));
    }

    @Test
    void randomSplitByLengthsPartitionsTheDatasetReproducibly() {
        List<Subset<Integer>> parts = Datasets.randomSplit(range(100), 42, 70, 20, 10);
        assertEquals(List.of(70, 20, 10), parts.stream().map(Subset::size).toList());
        TreeSet<Integer> seen = new TreeSet<>();
        for (Subset<Integer> p : parts) {
            for (int i = 0; i < p.size(); i++) {
                assertTrue(seen.add(p.get(i)), "index " + p.get(i) + " appears twice");
            }
        }
        assertEquals(100, seen.size());
        List<Subset<Integer>> again = Datasets.randomSplit(range(100), 42, 70, 20, 10);
        assertArrayEquals(parts.get(1).indices(), again.get(1).indices());
        assertFalse(Arrays.equals(parts.get(1).indices(), Datasets.randomSplit(range(100), 43, 70, 20, 10)
                .get(1).indices()));
        int[] first = parts.get(0).indices();
        int[] sorted = first.clone();
        Arrays.sort(sorted);
        assertFalse(Arrays.equals(first, sorted), "the split is shuffled");
    }

    @Test
    void randomSplitByFractionsUsesPyTorchsRounding() {
        // torch.utils.data.random_split(range(n), [0.5, 0.3, 0.2]) sizes
        assertArrayEquals(new int[] {5, 3, 2}, Datasets.lengthsForFractions(10, 0.5, 0.3, 0.2));
        assertArrayEquals(new int[] {6, 3, 2}, Datasets.lengthsForFractions(11, 0.5, 0.3, 0.2));
        assertArrayEquals(new int[] {2, 2, 1}, Datasets.lengthsForFractions(5, 1.0 / 3, 1.0 / 3, 1.0 / 3));
        assertArrayEquals(new int[] {1, 1, 1, 0}, Datasets.lengthsForFractions(3, 0.25, 0.25, 0.25, 0.25));
        assertEquals(List.of(54, 6), Datasets.randomSplit(range(60), 1, 0.9, 0.1).stream().map(Subset::size).toList());
    }

    @Test
    void randomSplitRejectsBadLengthsAndFractions() {
        var e = assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(range(10), 1, 5, 4));
        assertTrue(e.getMessage().contains("(10)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(range(10), 1, 11, -1));
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(range(10), 1, 0.5, 0.4));
        assertThrows(IllegalArgumentException.class, () -> Datasets.randomSplit(range(10), 1, 1.5, -0.5));
    }
}
