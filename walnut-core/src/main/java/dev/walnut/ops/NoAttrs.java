package dev.walnut.ops;

/**
 * The attributes of an op that has none ({@code exp}, {@code mul}, ...).
 *
 * <pre>{@code
 * Dispatcher.call(ElementwiseOps.EXP, NoAttrs.NONE, x);
 * }</pre>
 */
public record NoAttrs() {
    /** The one instance. */
    public static final NoAttrs NONE = new NoAttrs();

    @Override
    public String toString() {
        return "";
    }
}
