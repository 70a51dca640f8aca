package dev.walnut.ops;

import dev.walnut.Generator;
import dev.walnut.Tensor;
import java.util.List;
import java.util.function.Function;

/**
 * The example calls of {@link OpRegistryTest}, published for tests in other packages (the graph
 * compiler's eager-vs-traced test) so every registry-wide test uses the same table.
 */
public final class RegistryExamples {
    private RegistryExamples() {
    }

    /** One example call: the op, its attributes, a label, and fresh inputs from a generator. */
    public record Case(OpDef<Object> op, Object attrs, String label, Function<Generator, Tensor[]> inputs) {
        @Override
        public String toString() {
            return op.name() + (label.isEmpty() ? "" : " (" + label + ")");
        }
    }

    /** Every row of {@code OpRegistryTest.examples()}. */
    public static List<Case> all() {
        return OpRegistryTest.examples().stream().map(e -> new Case(e.op(), e.attrs(), e.label(), e.inputs())).toList();
    }
}
