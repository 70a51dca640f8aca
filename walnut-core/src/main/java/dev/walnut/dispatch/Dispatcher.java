package dev.walnut.dispatch;

import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.OpDef;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one entry point from public tensor ops to primitives (DESIGN.md §1.4). A call goes to the
 * top of the calling thread's interpreter stack; with none pushed it runs eagerly: the op's
 * kernel, then a node recorded on the active gradient context's tape when grad mode is on and an
 * input requires grad. Interpreters stack per thread, like gradient contexts.
 *
 * <pre>{@code
 * Tensor y = Dispatcher.call(ElementwiseOps.MUL, NoAttrs.NONE, a, b);   // same as a.mul(b)
 * try (var scope = Dispatcher.push(myInterpreter)) {
 *     model.forward(x);                                                 // every primitive goes through myInterpreter
 * }
 * }</pre>
 */
public final class Dispatcher {
    private Dispatcher() {
    }

    /**
     * Pushed interpreters over all threads. Zero almost always, so the eager path costs one
     * volatile read instead of a thread-local lookup; what a thread sees is still its own stack.
     */
    private static final AtomicInteger PUSHED = new AtomicInteger();
    private static final ThreadLocal<Frame> FRAME = ThreadLocal.withInitial(Frame::new);

    /** A thread's interpreter stack; {@code depth} interpreters are visible to new calls. */
    private static final class Frame {
        final Thread owner = Thread.currentThread();
        Interpreter[] stack = new Interpreter[4];
        int size;
        int depth;
    }

    /** Calls a single-output primitive. */
    public static <A> Tensor call(OpDef<A> op, A attrs, Tensor... inputs) {
        return callAll(op, attrs, inputs)[0];
    }

    /** Calls a primitive and returns all its outputs. */
    public static <A> Tensor[] callAll(OpDef<A> op, A attrs, Tensor... inputs) {
        if (PUSHED.get() == 0) {
            return eager(op, attrs, inputs);
        }
        Frame f = FRAME.get();
        if (f.depth == 0) {
            return eager(op, attrs, inputs);
        }
        int level = f.depth;
        Interpreter it = f.stack[level - 1];
        f.depth = level - 1;
        try {
            return it.interpret(op, attrs, inputs, Dispatcher::callAll);
        } finally {
            f.depth = level;
        }
    }

    /**
     * True when the calling thread has an interpreter that sees new primitive calls and does more
     * than watch them ({@link Interpreter#observesOnly}). Fast paths
     * that compute a result without a primitive call (e.g. {@code Linear}'s packed-weight GEMM)
     * step aside then, so tracing and the other transforms see every op.
     */
    public static boolean isInterpreting() {
        if (PUSHED.get() == 0) {
            return false;
        }
        Frame f = FRAME.get();
        for (int i = 0; i < f.depth; i++) {
            if (!f.stack[i].observesOnly()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Tells the interpreters that see new calls on this thread that {@code t}'s elements are being
     * read into Java ({@code item()}, {@code toFloatArray()}, ...), top of the stack first; see
     * {@link Interpreter#onDataRead}. Costs one volatile read when none is pushed.
     */
    public static void notifyDataRead(String method, Tensor t) {
        TransformTag tag = TensorInternals.get().transformTag(t);
        if (tag != null) {
            tag.onDataRead(method, t);
        }
        if (PUSHED.get() == 0) {
            return;
        }
        Frame f = FRAME.get();
        for (int i = f.depth - 1; i >= 0; i--) {
            f.stack[i].onDataRead(method, t);
        }
    }

    /**
     * Tells the interpreters that see new calls on this thread that {@code target} is about to be
     * overwritten in place with {@code newValue} (null when the new value is not a tensor, e.g.
     * {@code fillInPlace}); see {@link Interpreter#onInPlaceWrite}.
     */
    public static void notifyInPlaceWrite(String method, Tensor target, Tensor newValue) {
        if (PUSHED.get() == 0) {
            return;
        }
        Frame f = FRAME.get();
        for (int i = f.depth - 1; i >= 0; i--) {
            f.stack[i].onInPlaceWrite(method, target, newValue);
        }
    }

    /** The bottom of every stack: run the kernel, record when needed. */
    private static <A> Tensor[] eager(OpDef<A> op, A attrs, Tensor[] inputs) {
        TensorInternals access = TensorInternals.get();
        for (Tensor t : inputs) {
            if (t != null && access.transformTag(t) != null) {
                throw unwrapped(op, access.transformTag(t));
            }
        }
        Tensor[] outputs = op.compute(attrs, inputs);
        if (op.differentiable(attrs)) {
            Node.record(op, attrs, inputs, outputs);
        }
        return outputs;
    }

    private static IllegalStateException unwrapped(OpDef<?> op, TransformTag tag) {
        if (!tag.isActive()) {
            return tag.escaped(op.name());
        }
        return new IllegalStateException(op.name() + ": a tensor of " + tag.transformName() + " reached the kernels "
                + "without passing through " + tag.transformName() + " (an interpreter pushed inside it handed it on "
                + "unchanged); this is a bug in that interpreter");
    }

    /**
     * True when {@code t} is a function transform's batched or dual tensor ({@code vmap},
     * {@code jvp}): Java code that would read its elements to check them (e.g. a loss checking its
     * class indices) skips the check, since a batched tensor's elements are not one tensor's.
     */
    public static boolean isTransformed(Tensor t) {
        return TensorInternals.get().transformTag(t) != null;
    }

    /**
     * Makes {@code interpreter} the top of the calling thread's stack until the returned scope is
     * closed (scopes close in reverse order of pushing, on the same thread).
     */
    public static Scope push(Interpreter interpreter) {
        if (interpreter == null) {
            throw new IllegalArgumentException("Dispatcher.push: interpreter is null");
        }
        Frame f = FRAME.get();
        if (f.size == f.stack.length) {
            f.stack = java.util.Arrays.copyOf(f.stack, f.size * 2);
        }
        f.stack[f.size++] = interpreter;
        f.depth = f.size;
        PUSHED.incrementAndGet();
        return new Scope(f, interpreter);
    }

    /** The interpreters pushed on the calling thread, bottom first. */
    public static java.util.List<Interpreter> stack() {
        Frame f = FRAME.get();
        return java.util.List.of(java.util.Arrays.copyOf(f.stack, f.size));
    }

    /** The scope of one {@link #push}; closing it pops the interpreter. */
    public static final class Scope implements AutoCloseable {
        private final Frame frame;
        private final Interpreter interpreter;
        private boolean closed;

        private Scope(Frame frame, Interpreter interpreter) {
            this.frame = frame;
            this.interpreter = interpreter;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != frame.owner) {
                throw new IllegalStateException("Dispatcher: an interpreter scope must be closed on the thread that pushed it ('"
                        + frame.owner.getName() + "')");
            }
            if (frame.size == 0 || frame.stack[frame.size - 1] != interpreter) {
                throw new IllegalStateException("Dispatcher: interpreter scopes must be closed in reverse order of pushing; "
                        + "closing " + interpreter + " but " + (frame.size == 0 ? "none" : frame.stack[frame.size - 1])
                        + " is on top");
            }
            frame.stack[--frame.size] = null;
            frame.depth = frame.size;
            closed = true;
            PUSHED.decrementAndGet();
        }
    }
}
