package dev.walnut.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The full-size soaks of issue 11, outside the default suite: {@code mvn -Psoak test -pl
 * walnut-core} runs them at {@code -Xmx256m}. A leak shows as heap growing between the first
 * and the last quarter (or an OutOfMemoryError), a quadratic backward as nodes visited growing.
 */
@Tag("soak")
class GraphOwnershipSoakTest {
    /** Heap may move this much between quarters (collector bookkeeping, JIT), far below any leak. */
    private static final long SLACK = 8L << 20;

    private static void report(String name, MemoryWorkloads.Quarters q) {
        System.out.printf("%s: heap after GC per quarter %s MiB, saved bytes alive %s, visited %s, elapsed %s ms%n", name,
                Arrays.toString(Arrays.stream(q.heapBytes()).map(b -> b >> 20).toArray()), Arrays.toString(q.savedBytes()),
                Arrays.toString(q.visited()), Arrays.toString(Arrays.stream(q.nanos()).map(n -> n / 1_000_000).toArray()));
    }

    @Test
    void fiftyThousandForwardsWithoutNoGradKeepTheHeapFlat() throws Exception {
        var q = MemoryWorkloads.inferenceWithoutNoGrad(50_000);
        report("inference without noGrad, 50,000 forwards", q);
        assertTrue(q.heapBytes()[3] - q.heapBytes()[0] < SLACK, "heap grew");
        assertTrue(q.savedBytes()[3] <= q.oneStepSavedBytes(), "saved tensors alive beyond the last forward's graph");
    }

    @Test
    void tenThousandStepsWithOnlyModuleZeroGradStayFlatInHeapAndWork() throws Exception {
        var q = MemoryWorkloads.trainWithModuleZeroGradOnly(10_000);
        report("training with model.zeroGrad() only, 10,000 steps", q);
        assertTrue(q.heapBytes()[3] - q.heapBytes()[0] < SLACK, "heap grew");
        assertEquals(q.visited()[0], q.visited()[3], "nodes visited per backward");
    }

    @Test
    void fortyThousandManualSgdIterationsWithoutClearTapeRunInLinearTime() throws Exception {
        var q = MemoryWorkloads.manualSgdWithoutClearTape(40_000);
        report("manual SGD without clearTape, 40,000 iterations", q);
        assertEquals(q.visited()[0], q.visited()[3], "nodes visited per backward");
        long firstQuarter = q.nanos()[0];
        long lastQuarter = q.nanos()[3] - q.nanos()[2];
        // Quadratic growth would make the last quarter about 7x the first; warm-up makes it the slower one here.
        assertTrue(lastQuarter < 2 * firstQuarter, "last quarter " + lastQuarter / 1_000_000 + " ms vs first "
                + firstQuarter / 1_000_000 + " ms");
    }
}
