package dev.walnut.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.NoAttrs;
import dev.walnut.ops.OpDef;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's interpreter stack: public tensor ops reach primitives through it, a pushed
 * interpreter sees each primitive call once, ops it runs itself go to the interpreters below, and
 * stacks are per thread.
 */
class DispatcherTest {

    /** The test interpreter the issue asks for: logs each call (op and attributes) and delegates. */
    static final class CallLog implements Interpreter {
        final String tag;
        final List<String> calls;

        CallLog(String tag, List<String> calls) {
            this.tag = tag;
            this.calls = calls;
        }

        @Override
        public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
            String a = attrs.toString();
            calls.add(tag + ":" + op.name() + (a.isEmpty() ? "" : " " + a));
            return next.call(op, attrs, inputs);
        }

        @Override
        public String toString() {
            return "CallLog(" + tag + ")";
        }
    }

    @Test
    void publicTensorOpsReachTheirPrimitivesThroughTheDispatcher() {
        var calls = new ArrayList<String>();
        Tensor x = Tensor.of(1.0, 2.0);
        Tensor y;
        try (var scope = Dispatcher.push(new CallLog("log", calls))) {
            y = x.mul(x).add(3.0).exp().clamp(0.0, 100.0).gt(1.0).logicalNot();
        }
        assertEquals(List.of("log:mul", "log:addScalar Scalar[value=3.0, integral=false]", "log:exp",
                "log:clamp Clamp[min=0.0, max=100.0]", "log:gt", "log:logicalNot"), calls);
        assertTrue(java.util.Arrays.equals(new boolean[] {false, false}, y.toBooleanArray()));
    }

    @Test
    void nothingIsLoggedAfterTheScopeCloses() {
        var calls = new ArrayList<String>();
        try (var scope = Dispatcher.push(new CallLog("log", calls))) {
            Tensor.of(1.0).neg();
        }
        Tensor.of(1.0).neg();
        assertEquals(List.of("log:neg"), calls);
        assertEquals(List.of(), Dispatcher.stack());
    }

    @Test
    void theTopInterpreterSeesACallFirstAndOpsAnInterpreterRunsGoBelowIt() {
        var calls = new ArrayList<String>();
        Interpreter doublesInputs = new Interpreter() {
            @Override
            public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
                calls.add("top:" + op.name());
                Tensor[] in = inputs.clone();
                in[0] = in[0].mul(2.0); // dispatched below this interpreter: "bottom" sees it, "top" does not
                return next.call(op, attrs, in);
            }
        };
        Tensor y;
        try (var bottom = Dispatcher.push(new CallLog("bottom", calls)); var top = Dispatcher.push(doublesInputs)) {
            y = Tensor.of(1.5).neg();
        }
        assertEquals(List.of("top:neg", "bottom:mulScalar Scalar[value=2.0, integral=false]", "bottom:neg"), calls);
        assertEquals(-3.0, y.item(), 0.0);
    }

    @Test
    void backwardOfADispatchedOpRunsItsReverseRuleThroughTheDispatcherToo() {
        var calls = new ArrayList<String>();
        Tensor x = Tensor.of(2.0).setRequiresGrad(true);
        Tensor y = x.sin();
        assertSame(ElementwiseOps.SIN, y.gradFn().op());
        try (var scope = Dispatcher.push(new CallLog("log", calls))) {
            y.backward();
        }
        assertTrue(calls.contains("log:cos") && calls.contains("log:mul"), calls.toString());
        assertEquals(Math.cos(2.0), x.grad().item(), 1e-6);
    }

    @Test
    void interpreterStacksArePerThread() throws Exception {
        var calls = new ArrayList<String>();
        var elsewhere = new AtomicReference<List<Interpreter>>();
        try (var scope = Dispatcher.push(new CallLog("main", calls))) {
            Thread t = new Thread(() -> {
                elsewhere.set(Dispatcher.stack());
                Tensor.of(1.0).exp();
            });
            t.start();
            t.join();
        }
        assertEquals(List.of(), elsewhere.get());
        assertEquals(List.of(), calls, "the other thread's exp did not reach this thread's interpreter");
    }

    @Test
    void scopesCloseInReverseOrder() {
        var first = Dispatcher.push(new CallLog("a", new ArrayList<>()));
        var second = Dispatcher.push(new CallLog("b", new ArrayList<>()));
        var e = assertThrows(IllegalStateException.class, first::close);
        assertTrue(e.getMessage().contains("reverse order") && e.getMessage().contains("CallLog(b)"), e.getMessage());
        second.close();
        first.close();
        assertEquals(List.of(), Dispatcher.stack());
    }

    @Test
    void callingAnOpDirectlyIsTheSameAsTheTensorMethod() {
        Tensor a = Tensor.of(1.0, 2.0);
        Tensor b = Tensor.of(3.0);
        assertEquals(a.mul(b).toString(), Dispatcher.call(ElementwiseOps.MUL, NoAttrs.NONE, a, b).toString());
    }
}
