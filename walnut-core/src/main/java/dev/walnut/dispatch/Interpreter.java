package dev.walnut.dispatch;

import dev.walnut.Tensor;
import dev.walnut.ops.OpDef;

/**
 * What a primitive call does, when pushed on the calling thread's interpreter stack with
 * {@link Dispatcher#push}: trace it into a graph, carry tangents, batch it, log it... The
 * interpreter below (eager at the bottom: run the kernel, record on the tape) is reached through
 * {@code next}. While {@link #interpret} runs, tensor ops it performs itself are dispatched to the
 * interpreters below it, as in JAX, so an interpreter never sees its own work.
 *
 * <pre>{@code
 * Interpreter counting = new Interpreter() {
 *     public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
 *         calls++;
 *         return next.call(op, attrs, inputs);
 *     }
 * };
 * try (var scope = Dispatcher.push(counting)) {
 *     x.mul(y).exp();                  // calls == 2
 * }
 * }</pre>
 */
public interface Interpreter {
    /** Handles one primitive call and returns its outputs. */
    <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next);

    /**
     * Called when Java code reads {@code t}'s elements ({@code method} says which, e.g. {@code "item()"})
     * while this interpreter sees new calls; a tracer uses it to refuse values that would steer
     * Java control flow. The default does nothing.
     */
    default void onDataRead(String method, Tensor t) {
    }

    /**
     * Called before {@code target} is overwritten in place by {@code method} (e.g.
     * {@code "addInPlace"}) with {@code newValue} (null when it is not a tensor, as for
     * {@code fillInPlace}) while this interpreter sees new calls. The default does nothing.
     */
    default void onInPlaceWrite(String method, Tensor target, Tensor newValue) {
    }

    /**
     * True for an interpreter that only watches calls and returns what {@code next} returns
     * (a profiler): {@link Dispatcher#isInterpreting} ignores it, so the fast paths that call
     * kernels without a primitive call keep running as they do without it. The default is false.
     */
    default boolean observesOnly() {
        return false;
    }

    /** The interpreters below the current one. */
    @FunctionalInterface
    interface Next {
        /** Runs the call on the interpreter below (eager at the bottom). */
        <A> Tensor[] call(OpDef<A> op, A attrs, Tensor[] inputs);
    }
}
