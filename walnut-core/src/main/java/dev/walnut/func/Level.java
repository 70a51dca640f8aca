package dev.walnut.func;

import java.util.ArrayList;

/**
 * One running transform on the calling thread: its kind and its place in the thread's stack of
 * transforms (levels nest as the calls do). Interpreters ask their level whether a {@code grad}
 * transform runs inside them: only then do they record their own (batched or dual) tensors on
 * the gradient tape, so that the inner {@code grad} can differentiate them.
 */
final class Level implements AutoCloseable {
    enum Kind {
        GRAD, JVP, VMAP
    }

    private static final ThreadLocal<ArrayList<Level>> STACK = ThreadLocal.withInitial(ArrayList::new);

    final Kind kind;
    final String transform;
    private final ArrayList<Level> stack;
    private final int depth;
    private boolean active = true;

    private Level(Kind kind, String transform, ArrayList<Level> stack) {
        this.kind = kind;
        this.transform = transform;
        this.stack = stack;
        this.depth = stack.size();
    }

    /** Pushes a level of {@code kind} for the transform named {@code transform} (for messages). */
    static Level push(Kind kind, String transform) {
        ArrayList<Level> s = STACK.get();
        Level l = new Level(kind, transform, s);
        s.add(l);
        return l;
    }

    /** True when no transform runs on the calling thread. */
    static boolean isEmpty() {
        return STACK.get().isEmpty();
    }

    /** True when a {@code grad}-kind level encloses the calling code (its tape is then a transform's own). */
    static boolean insideGrad() {
        for (Level l : STACK.get()) {
            if (l.kind == Kind.GRAD) {
                return true;
            }
        }
        return false;
    }

    /** True when a {@code grad}-kind level was pushed after this one and still runs. */
    boolean gradInside() {
        for (int i = depth + 1; i < stack.size(); i++) {
            if (stack.get(i).kind == Kind.GRAD) {
                return true;
            }
        }
        return false;
    }

    /** True until {@link #close()}. */
    boolean isActive() {
        return active;
    }

    @Override
    public void close() {
        if (!active) {
            return;
        }
        active = false;
        if (stack.isEmpty() || stack.get(stack.size() - 1) != this) {
            throw new IllegalStateException(transform + ": transforms must end in reverse order of starting");
        }
        stack.remove(stack.size() - 1);
    }
}
