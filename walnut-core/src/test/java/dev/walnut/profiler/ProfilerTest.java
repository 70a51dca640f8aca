package dev.walnut.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.graph.CompileMode;
import dev.walnut.graph.CompiledFunction;
import dev.walnut.graph.Compiler;
import dev.walnut.graph.Graph;
import dev.walnut.nn.Linear;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProfilerTest {
    private static List<String> names(Profiler p) {
        return p.events().stream().map(Profiler.Event::op).toList();
    }

    @Test
    void recordsEagerPrimitivesWithTheirInputShapes() {
        Tensor a = Tensor.randn(2, 3);
        Tensor b = Tensor.randn(3);
        Profiler prof;
        try (Profiler p = Profiler.start()) {
            prof = p;
            a.mul(b).exp();
        }
        assertEquals(List.of("mul", "exp"), names(prof));
        Profiler.Event mul = prof.events().get(0);
        assertEquals("[2, 3] [3]", mul.inputShapes());
        assertFalse(mul.graphNode());
        assertTrue(mul.nanos() >= 0);
        assertEquals(prof.events().get(0).nanos() + prof.events().get(1).nanos(), prof.totalNanos());
        a.add(b); // after close: not recorded, and the events stay readable
        assertEquals(2, prof.events().size());
        assertNull(Profiler.current());
    }

    @Test
    void recordsTheOpsABackwardPassRuns() {
        Tensor x = Tensor.randn(4).setRequiresGrad(true);
        Profiler prof;
        try (Profiler p = Profiler.start()) {
            prof = p;
            x.exp().sum().backward();
        }
        List<String> names = names(prof);
        assertEquals(List.of("exp", "sum"), names.subList(0, 2));
        // exp's gradient multiplies the incoming gradient by exp(x): at least one op after the forward.
        assertTrue(names.size() > 2, () -> "no backward ops in " + names);
    }

    @Test
    void onlyWatchesSoFastPathsStillRun() {
        Tensor.manualSeed(3);
        Linear layer = new Linear(256, 128);
        Tensor x = Tensor.randn(64, 256);
        Profiler prof;
        try (var off = Autograd.noGrad(); Profiler p = Profiler.start()) {
            prof = p;
            assertFalse(Dispatcher.isInterpreting(), "a profiler must not make fast paths step aside");
            layer.forward(x);
        }
        assertTrue(layer.packedWeightBytes() > 0, "Linear's packed path did not run under the profiler");
        assertEquals(List.of("linear"), names(prof));
        assertEquals("[64, 256] [128, 256] [128]", prof.events().get(0).inputShapes());
    }

    @Test
    void recordsEveryNodeOfACompiledGraphInBothModes() {
        Tensor.manualSeed(4);
        Sequential model = new Sequential(new Linear(6, 5), new ReLU(), new Linear(5, 3));
        Tensor x = Tensor.randn(2, 6);
        for (CompileMode mode : CompileMode.values()) {
            CompiledFunction f = Compiler.compile(model).mode(mode);
            try (var off = Autograd.noGrad()) {
                f.apply(x);
                f.apply(x); // compiled and planned: the next call runs the plan
                Graph g = f.graphFor(x);
                Profiler prof;
                try (Profiler p = Profiler.start()) {
                    prof = p;
                    f.apply(x);
                }
                // Every node once, in order; anything else is eager work around the graph (binding
                // the weights as the graph reads them), recorded as such.
                List<String> expected = g.nodes().stream().map(n -> n.op().name()).toList();
                List<String> nodes = prof.events().stream().filter(Profiler.Event::graphNode).map(Profiler.Event::op)
                        .toList();
                assertEquals(expected, nodes, mode + ": " + prof.events());
                assertTrue(prof.table().contains("[graph]"), prof::table);
            }
        }
    }

    @Test
    void recordsOnlyItsOwnThread() throws Exception {
        Tensor a = Tensor.randn(3);
        AtomicReference<Profiler> seen = new AtomicReference<>();
        Profiler prof;
        try (Profiler p = Profiler.start()) {
            prof = p;
            Thread t = new Thread(() -> {
                seen.set(Profiler.current());
                a.neg();
            });
            t.start();
            t.join();
            a.abs();
            assertSame(p, Profiler.current());
            assertThrows(IllegalStateException.class, () -> {
                Thread other = new Thread(() -> p.record("x", new Tensor[0], 1, false));
                AtomicReference<Throwable> failure = new AtomicReference<>();
                other.setUncaughtExceptionHandler((th, e) -> failure.set(e));
                other.start();
                other.join();
                if (failure.get() instanceof IllegalStateException e) {
                    throw e;
                }
            });
        }
        assertNull(seen.get());
        assertEquals(List.of("abs"), names(prof));
    }

    @Test
    void nestedProfilersEachRecordWhileInnermost() {
        Tensor a = Tensor.randn(3);
        Profiler outer = Profiler.start();
        a.neg();
        Profiler inner = Profiler.start();
        a.abs();
        assertThrows(IllegalStateException.class, outer::close, "closing the outer one first");
        inner.close();
        a.exp();
        outer.close();
        assertEquals(List.of("neg", "exp"), names(outer));
        assertEquals(List.of("abs"), names(inner));
        assertNull(Profiler.current());
    }

    @Test
    void tableGroupsSortsAndLimitsRows() {
        Profiler prof = Profiler.start();
        prof.record("small", new Tensor[] {Tensor.zeros(2)}, 1_000, false);
        prof.record("big", new Tensor[] {Tensor.zeros(3, 4)}, 3_000_000, true);
        prof.record("small", new Tensor[] {Tensor.zeros(5), null}, 3_000, false);
        prof.close();
        String table = prof.table();
        String[] lines = table.split("\n");
        assertTrue(lines[0].startsWith("op") && lines[0].contains("calls") && lines[0].contains("total ms"), table);
        assertTrue(lines[1].startsWith("big [graph]"), table);
        assertTrue(lines[1].contains("3.000") && lines[1].contains("99.9%"), table);
        assertTrue(lines[2].startsWith("small ") && lines[2].contains(" 2 "), table);
        assertTrue(table.contains("3 ops, 3.004 ms in all"), table);
        String byShape = prof.table(true, 2);
        assertTrue(byShape.contains("small [5] -"), byShape);
        assertTrue(byShape.contains("... 1 more rows"), byShape);
        assertNotNull(prof.events());
    }
}
