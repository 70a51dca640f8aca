package dev.walnut;

import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * In-place ops: compute the new value out of place, then write it into the tensor's own
 * (possibly strided) storage and bump the version counter. When the write is recorded, the
 * tensor takes over the history of the new value; a recorded write through a view rewrites the
 * view's base (see {@code throughView}).
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
        if (recording && t.base != null && (t.base.requiresGrad() || result.requiresGrad())) {
            return throughView(op, t, result);
        }
        Dispatcher.notifyInPlaceWrite(op, t, result);
        Backends.CPU.copy(result.storage, result.layout(), t.storage, t.layout());
        t.storage.bumpVersion();
        if (recording && result.requiresGrad()) {
            t.takeHistory(result);
        }
        return t;
    }

    /**
     * A recorded write through a view, PyTorch's {@code CopySlices}: the base is rewritten out of
     * place with the view's elements replaced (a scatter at their flat positions, so the
     * overwritten elements get no gradient and the new value gets theirs), the base takes that
     * history, and the view takes the history of its elements read back from the new base.
     * Other views of the base taken before become stale (recording through them fails).
     */
    private static Tensor throughView(String op, Tensor t, Tensor result) {
        Tensor b = t.base;
        if (!b.isContiguous()) {
            throw new IllegalStateException(op + ": in-place write through a view (shape " + Shapes.str(t.shape)
                    + ") of a non-contiguous tensor that requires grad (shape " + Shapes.str(b.shape) + ") is not "
                    + "supported; write into the tensor itself with indexPut(value, Slice...) (Python's x[...] = v), "
                    + "or compute the new value out of place (e.g. with where() or cat())");
        }
        // The flat (row-major) position in b of every element of t: b is contiguous, so an
        // element's position is its storage index minus b's offset, read through t's layout.
        Tensor all = Tensor.arange((long) Shapes.numel(b.shape));
        Tensor positions = new Tensor(all.storage, t.shape.clone(), t.strides.clone(), t.offset - b.offset, all)
                .contiguous().reshape(-1);
        Tensor src = result.to(b.dtype).reshape(-1);
        apply(op, b, whole -> whole.reshape(-1).scatter(0, positions, src).reshape(b.shape()));
        if (b.requiresGrad()) {
            t.takeHistory(b.reshape(-1).take(positions).reshape(t.shape()));
        }
        t.baseEpoch = b.historyEpoch;
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
