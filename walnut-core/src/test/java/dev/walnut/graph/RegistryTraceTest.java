package dev.walnut.graph;

import static dev.walnut.graph.GraphTestSupport.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.ops.Ops;
import dev.walnut.ops.RegistryExamples;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Eager-vs-traced equality for every op in the registry, on the example calls of
 * {@code OpRegistryTest}: a call traced on one set of random inputs, run by the executor on
 * another, gives the eager op's bits; and the graph survives the JSON format.
 */
class RegistryTraceTest {
    static List<RegistryExamples.Case> examples() {
        return RegistryExamples.all();
    }

    @Test
    void everyRegisteredOpIsCovered() {
        Set<String> covered = new TreeSet<>();
        examples().forEach(e -> covered.add(e.op().name()));
        assertEquals(List.of(), Ops.all().stream().map(op -> op.name()).filter(n -> !covered.contains(n)).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void tracedCallRunsWithTheEagerBits(RegistryExamples.Case e) {
        Graph g = Graph.tracerAll(in -> Dispatcher.callAll(e.op(), e.attrs(), in)).trace(e.inputs().apply(new Generator(21)));
        assertEquals(1, g.nodes().size(), g.toString());
        assertEquals(e.op(), g.nodes().get(0).op());
        Tensor[] fresh = e.inputs().apply(new Generator(22));
        assertBitIdentical(e.op().compute(e.attrs(), fresh), g.run(fresh));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void attributesSurviveTheGraphFormat(RegistryExamples.Case e) {
        Graph g = Graph.tracerAll(in -> Dispatcher.callAll(e.op(), e.attrs(), in)).trace(e.inputs().apply(new Generator(23)));
        String json = GraphFile.toJson(g);
        Graph back = GraphFile.fromJson(json, Map.of());
        assertEquals(e.attrs(), back.nodes().get(0).attrs(), json);
        assertEquals(g.toString(), back.toString());
        assertEquals(json, GraphFile.toJson(back));
        Tensor[] fresh = e.inputs().apply(new Generator(24));
        assertBitIdentical(g.run(fresh), back.run(fresh));
    }
}
