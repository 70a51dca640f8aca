package dev.walnut.autograd;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A gradient context: an independent tape on the current thread's context stack. Operations
 * record onto the tape of the <em>active</em> context (the top of the stack); backward from the
 * active context follows only its nodes, so nodes recorded in other contexts are constants for it.
 *
 * <p>A graph is owned by the tensors that use it, as in PyTorch: the tape records its nodes
 * without keeping them alive, so a forgotten {@code noGrad()} or {@code clearTape()} leaks
 * nothing, and a graph you still hold can be back-propagated after its tape was cleared.
 *
 * <p>Context 0 exists on every thread and is never deleted. Opening a context pushes a new one
 * with a fresh, process-unique id; closing it pops it and discards its graphs (their saved
 * tensors are freed and they can no longer be back-propagated).
 *
 * <pre>{@code
 * try (var ctx = new GradientContext()) {          // context 1 is active
 *     Tensor x = Tensor.randn(2, 3).setRequiresGrad(true);
 *     Autograd.computeGradients(x.mulScalar(2.0).sum());
 *     Autograd.clearTape();                         // zeroGrad only clears context 0
 * }                                                 // context 1 and its tape are gone
 *
 * var aux = GradientContext.create();               // a long-lived context, entered on demand
 * try (var in = aux.enter()) { ... }                // records into aux
 * aux.close();
 * }</pre>
 */
public final class GradientContext implements AutoCloseable {
    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    private final long id;
    private final ThreadState owner;
    final Tape tape;
    /** True when this object itself was pushed (the seed's RAII form), so close() pops it. */
    private boolean selfEntered;

    GradientContext(long id, ThreadState owner) {
        this.id = id;
        this.owner = owner;
        this.tape = new Tape(this);
    }

    /** Creates a context <em>and</em> makes it active, like hodu's {@code GradientContext::new()}. */
    public GradientContext() {
        this(NEXT_ID.getAndIncrement(), ThreadState.get());
        owner.stack.add(this);
        selfEntered = true;
    }

    /** Same as {@code new GradientContext()}: creates a context and enters it. */
    public static GradientContext open() {
        return new GradientContext();
    }

    /** Creates a context without entering it; use {@link #enter()} to record into it. */
    public static GradientContext create() {
        return new GradientContext(NEXT_ID.getAndIncrement(), ThreadState.get());
    }

    /** The active context of the calling thread (context 0 when none was opened). */
    public static GradientContext current() {
        return ThreadState.get().active();
    }

    /** The calling thread's context 0. */
    public static GradientContext defaultContext() {
        return ThreadState.get().defaultContext;
    }

    /**
     * Makes this context active until the returned scope is closed. Re-entering a context keeps
     * its tape, which is how a long-lived auxiliary model keeps its own history across
     * iterations while the main model records into context 0 in between.
     */
    public Scope enter() {
        checkUsable("enter");
        owner.stack.add(this);
        return new Scope(this);
    }

    /** This context's id: 0 for the default context, otherwise unique in the process. */
    public long id() {
        return id;
    }

    /**
     * Number of nodes recorded in this context since its tape was last cleared (the seed's tape
     * size). The tape does not keep them alive: a graph lives as long as a tensor references it.
     */
    public int tapeSize() {
        return (int) Math.min(Integer.MAX_VALUE, tape.recorded);
    }

    /**
     * Bytes of tensors saved for backward by this context's nodes that are still alive and not
     * yet freed by a backward pass: the memory that held graphs cost. Clearing the tape does not
     * change it; dropping the tensors does, once the garbage collector has run. Counted for nodes
     * that saved at least 64 KiB (system property {@code walnut.savedBytesTrackingMinimum}),
     * which keeps small ops cheap while the activations that dominate memory are all counted. A
     * warning is logged once when it passes {@link Autograd#savedBytesWarningThreshold()}.
     */
    public long savedBytes() {
        return tape.savedBytes();
    }

    /** True once {@link #close()} ran. */
    public boolean isClosed() {
        return tape.closed;
    }

    /** True when this context is the active one (top of the stack) on the calling thread. */
    public boolean isActive() {
        return Thread.currentThread() == owner.owner && owner.active() == this;
    }

    /**
     * Clears this context's tape: {@link #tapeSize()} reads 0 again. Graphs you still hold stay
     * usable (the context stays usable too).
     */
    public void clearTape() {
        checkUsable("clearTape");
        tape.clear();
    }

    /**
     * Closes this context and discards its graphs: the saved tensors of its live nodes are freed
     * and backward through them fails, naming this context. A context opened with {@code new
     * GradientContext()} is popped, which must happen in reverse order of opening. Context 0
     * cannot be closed.
     */
    @Override
    public void close() {
        if (id == 0) {
            throw new IllegalStateException("GradientContext.close: the default context 0 is never deleted; "
                    + "use Autograd.clearDefaultContextTape() to discard its tape");
        }
        if (tape.closed) {
            return;
        }
        if (Thread.currentThread() != owner.owner) {
            throw new IllegalStateException("GradientContext.close: context " + id + " belongs to thread '"
                    + owner.owner.getName() + "' and must be closed there");
        }
        var stack = owner.stack;
        if (selfEntered) {
            GradientContext top = stack.get(stack.size() - 1);
            if (top != this) {
                throw new IllegalStateException("GradientContext.close: contexts must be closed in reverse order of "
                        + "opening; closing context " + id + " but context " + top.id() + " is still open on top of it");
            }
            stack.remove(stack.size() - 1);
            selfEntered = false;
        }
        if (stack.contains(this)) {
            throw new IllegalStateException("GradientContext.close: context " + id
                    + " is still entered; close the scope returned by enter() first");
        }
        tape.discardAll();
        tape.closed = true;
    }

    boolean ownedByCurrentThread() {
        return Thread.currentThread() == owner.owner;
    }

    String ownerName() {
        return owner.owner.getName();
    }

    void checkUsable(String op) {
        if (tape.closed) {
            throw new IllegalStateException("GradientContext." + op + ": context " + id + " has been closed");
        }
        if (Thread.currentThread() != owner.owner) {
            throw new IllegalStateException("GradientContext." + op + ": context " + id + " belongs to thread '"
                    + owner.owner.getName() + "'; contexts are confined to the thread that created them");
        }
    }

    @Override
    public String toString() {
        return "GradientContext(id=" + id + ", tapeSize=" + tapeSize() + (isClosed() ? ", closed" : "") + ")";
    }

    /** The scope of one {@link #enter()}; closing it makes the previous context active again. */
    public static final class Scope implements AutoCloseable {
        private final GradientContext context;
        private boolean closed;

        private Scope(GradientContext context) {
            this.context = context;
        }

        /** The entered context. */
        public GradientContext context() {
            return context;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            var stack = context.owner.stack;
            GradientContext top = stack.get(stack.size() - 1);
            if (top != context) {
                throw new IllegalStateException("GradientContext: scopes must be closed in reverse order; leaving context "
                        + context.id + " but context " + top.id() + " is active on top of it");
            }
            stack.remove(stack.size() - 1);
            closed = true;
        }
    }
}
