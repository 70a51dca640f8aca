package dev.walnut.func;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradientContext;

/**
 * What running one transform holds: its {@link Level} and, for the outermost transform on the
 * thread, a gradient context of its own, entered while the transform runs. Everything the
 * transforms record goes on that private tape, never on the user's, and nested transforms share
 * it, so an inner {@code grad}'s differentiable result can be differentiated by an outer one.
 * {@code grad}-kind transforms also turn grad mode on, so they work inside {@code noGrad}.
 */
final class TransformScope implements AutoCloseable {
    final Level level;
    /** The private context when this is the outermost transform, else null. */
    final GradientContext context;
    private final GradientContext.Scope entered;
    private final Autograd.GradMode gradMode;
    private final boolean keepContext;

    private TransformScope(Level level, GradientContext context, boolean keepContext) {
        this.level = level;
        this.context = context;
        this.keepContext = keepContext;
        this.entered = context == null ? null : context.enter();
        this.gradMode = level.kind == Level.Kind.GRAD ? Autograd.enableGrad() : null;
    }

    /**
     * Starts a transform. {@code keepContext}: the private context outlives the transform (a
     * {@code vjp}'s pullback re-enters it later; it is dropped with the pullback).
     */
    static TransformScope open(Level.Kind kind, String transform, boolean keepContext) {
        boolean root = Level.isEmpty();
        Level level = Level.push(kind, transform);
        try {
            return new TransformScope(level, root ? GradientContext.create() : null, keepContext);
        } catch (RuntimeException e) {
            level.close();
            throw e;
        }
    }

    /** True for the outermost transform: its results are detached from the private tape. */
    boolean root() {
        return context != null;
    }

    @Override
    public void close() {
        try {
            if (gradMode != null) {
                gradMode.close();
            }
        } finally {
            try {
                if (entered != null) {
                    entered.close();
                }
                if (context != null && !keepContext) {
                    context.close();
                }
            } finally {
                level.close();
            }
        }
    }
}
