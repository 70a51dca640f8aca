package dev.walnut.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.ops.OpDef;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hooks a tracer needs beyond primitive calls: data reads, in-place writes, and whether anything interprets. */
class DispatcherHooksTest {
    /** Records what it is told; reads each primitive's first input inside its own work. */
    static final class Recording implements Interpreter {
        final List<String> events = new ArrayList<>();
        final List<Tensor> newValues = new ArrayList<>();
        boolean interpretingInside;

        @Override
        public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
            interpretingInside = Dispatcher.isInterpreting();
            inputs[0].toDoubleArray(); // the interpreter's own read: not reported to itself
            return next.call(op, attrs, inputs);
        }

        @Override
        public void onDataRead(String method, Tensor t) {
            events.add("read " + method);
        }

        @Override
        public void onInPlaceWrite(String method, Tensor target, Tensor newValue) {
            events.add("write " + method);
            newValues.add(newValue);
        }
    }

    @Test
    void isInterpretingIsTrueOnlyWhereAnInterpreterSeesNewCalls() {
        assertFalse(Dispatcher.isInterpreting());
        Recording r = new Recording();
        try (var scope = Dispatcher.push(r)) {
            assertTrue(Dispatcher.isInterpreting());
            Tensor.ones(2).exp();
            assertFalse(r.interpretingInside, "an interpreter's own work runs below it");
        }
        assertFalse(Dispatcher.isInterpreting());
    }

    @Test
    void dataReadsAndInPlaceWritesAreReported() {
        Recording r = new Recording();
        Tensor x = Tensor.ones(3);
        try (var scope = Dispatcher.push(r); var off = Autograd.noGrad()) {
            x.sum().item();
            x.toFloatArray();
            x.addInPlace(1.0);
            x.fillInPlace(0.0);
        }
        assertEquals(List.of("read item()", "read toFloatArray()", "write addInPlace", "write fillInPlace"), r.events);
        assertEquals(3, r.newValues.get(0).numel());
        assertNull(r.newValues.get(1), "a fill has no tensor value");
        assertEquals(0.0, x.sum().item());
    }

    @Test
    void nothingIsReportedWithoutAnInterpreter() {
        Recording r = new Recording();
        try (var scope = Dispatcher.push(r)) {
            assertSame(r, Dispatcher.stack().get(0));
        }
        Tensor.ones(2).sum().item();
        assertEquals(List.of(), r.events);
    }
}
