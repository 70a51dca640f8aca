package dev.walnut.autograd;

/**
 * Returned by {@code Tensor.registerHook}; {@link #remove()} unregisters the hook.
 *
 * <pre>{@code
 * HookHandle h = x.registerHook(g -> g.mulScalar(2.0));
 * ...
 * h.remove();
 * }</pre>
 */
@FunctionalInterface
public interface HookHandle extends AutoCloseable {
    /** Unregisters the hook; calling it again does nothing. */
    void remove();

    /** Same as {@link #remove()}, so a hook can be scoped with try-with-resources. */
    @Override
    default void close() {
        remove();
    }
}
