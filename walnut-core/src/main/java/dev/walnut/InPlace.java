package dev.walnut;

import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * In-place ops: compute the new value out of place, then write it into the tensor's own
 * (possibly strided) storage and bump the version counter. When the write is recorded, the
 * tensor takes over the history of the new value.
 */
final class InPlace {
    private InPlace() {
    }

    static void checkWritable(String op, Tensor t) {
        if (!Autograd.isGradEnabled()) {
            return;
        }
        Tensor leaf = t.isLeaf() && t.requiresGrad() ? t : t.base != null && t.base.isLeaf() && t.base.requiresGrad() ? t.base : null;
        if (leaf != null) {
            String what = leaf == t ? "a leaf tensor that requires grad (shape " + Shapes.str(leaf.shape) + ")"
                    : "a view (shape " + Shapes.str(t.shape) + ") of a leaf tensor that requires grad (shape "
                    + Shapes.str(leaf.shape) + ")";
            throw new IllegalStateException(op + ": " + what + " is being used in an in-place operation. Update "
                    + "parameters inside Autograd.noGrad() (as optimizers do), or clone() the tensor first");
        }
    }

    static Tensor apply(String op, Tensor t, UnaryOperator<Tensor> value) {
        checkWritable(op, t);
        boolean recording = Autograd.isGradEnabled();
        boolean hasHistory = recording && t.requiresGrad();
        if (hasHistory && (t.base != null && t.base.requiresGrad())) {
            throw new IllegalStateException(op + ": in-place write through a view (shape " + Shapes.str(t.shape)
                    + ") of a tensor that requires grad (shape " + Shapes.str(t.base.shape) + ") is not supported; "
                    + "write into the tensor itself with indexPut(value, Slice...) (Python's x[...] = v), which is "
                    + "recorded, or compute the new value out of place (e.g. with where() or cat())");
        }
        // With history, operate on a clone so nodes recorded by this op save the old value,
        // not the storage about to be overwritten.
        Tensor result = value.apply(hasHistory ? t.clone() : t);
        if (!Arrays.equals(result.shape, t.shape)) {
            throw new IllegalArgumentException(op + ": output with shape " + Shapes.str(t.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(result.shape));
        }
        if (result.dtype != t.dtype && result.dtype.category() > t.dtype.category()) {
            throw new IllegalArgumentException(op + ": result type " + result.dtype + " can't be cast to the desired output "
                    + "type " + t.dtype + " of the in-place target; use the out-of-place op instead");
        }
        if (recording && result.requiresGrad() && t.base != null) {
            throw new IllegalStateException(op + ": in-place write of a value that requires grad through a view (shape "
                    + Shapes.str(t.shape) + ") of a tensor of shape " + Shapes.str(t.base.shape) + " is not supported; "
                    + "write into the tensor itself with indexPut(value, Slice...) (Python's x[...] = v), which is "
                    + "recorded, or compute the new value out of place (e.g. with where() or cat())");
        }
        Dispatcher.notifyInPlaceWrite(op, t, result);
        Backends.CPU.copy(result.storage, result.layout(), t.storage, t.layout());
        t.storage.bumpVersion();
        if (recording && result.requiresGrad()) {
            t.takeHistory(result);
        }
        return t;
    }

    static Tensor fill(Tensor t, double value) {
        checkWritable("fillInPlace", t);
        if (Autograd.isGradEnabled() && t.requiresGrad()) {
            // The filled value no longer depends on the old one: its gradient is zero.
            return apply("fillInPlace", t, x -> Tensor.where(Tensor.full(x.shape(), 1.0, DType.BOOL),
                    Tensor.fullLike(x, value), x));
        }
        Dispatcher.notifyInPlaceWrite("fillInPlace", t, null);
        Backends.CPU.fill(t.storage, t.layout(), value);
        t.storage.bumpVersion();
        return t;
    }
}
