package dev.walnut.autograd;

import java.util.ArrayList;

/**
 * Everything autograd keeps per thread: grad mode, the context stack (context 0 at the
 * bottom, never popped) and the sequence counter. Thread confinement is what lets two threads
 * train two models without seeing each other's tapes, with no locking on the hot path.
 */
final class ThreadState {
    private static final ThreadLocal<ThreadState> CURRENT = ThreadLocal.withInitial(ThreadState::new);

    final Thread owner = Thread.currentThread();
    final GradientContext defaultContext;
    final ArrayList<GradientContext> stack = new ArrayList<>();
    boolean gradEnabled = true;
    long nextSequence;
    /** Nodes the last backward or grad() on this thread discovered (tests check it stays proportional to the graph). */
    int lastBackwardVisited;

    private ThreadState() {
        defaultContext = new GradientContext(0L, this);
        stack.add(defaultContext);
    }

    static ThreadState get() {
        return CURRENT.get();
    }

    GradientContext active() {
        return stack.get(stack.size() - 1);
    }
}
