package dev.walnut.func;

import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.dispatch.Interpreter;
import dev.walnut.dispatch.TransformTag;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.OpDef;

/**
 * {@code vmap} on the dispatcher. The function sees one example: a batched tensor has the layout
 * of the whole batch (the "physical" tensor, batch dim first) less its batch dim, and its tag
 * holds the physical tensor. Each primitive call with a batched input becomes the primitive's
 * batching rule ({@link BatchingRules}) on the physical tensors, run below this interpreter, so
 * nested {@code vmap}s and the other transforms compose (JAX's batching interpreter).
 */
final class BatchInterpreter implements Interpreter {
    private static final TensorInternals ACCESS = TensorInternals.get();

    private final Level level;
    private final int size;

    BatchInterpreter(Level level, int size) {
        this.level = level;
        this.size = size;
    }

    /** The tag of this interpreter's batched tensors. */
    final class Batched extends TransformTag {
        /** The whole batch, batch dim first. */
        final Tensor physical;

        Batched(Tensor physical) {
            this.physical = physical;
        }

        BatchInterpreter owner() {
            return BatchInterpreter.this;
        }

        @Override
        public String transformName() {
            return level.transform;
        }

        @Override
        public boolean isActive() {
            return level.isActive();
        }

        @Override
        public void onDataRead(String method, Tensor t) {
            super.onDataRead(method, t);
            throw new UnsupportedOperationException(method + ": the tensor is batched by " + level.transform
                    + " (shape " + java.util.Arrays.toString(t.shape()) + " per example, " + size + " examples), so "
                    + "its values differ per example and Java code cannot branch on them; keep the computation in "
                    + "tensor ops (e.g. where() instead of an if on item()), or return the tensor from the function "
                    + "and read it after " + level.transform);
        }
    }

    /** The batch size. */
    int size() {
        return size;
    }

    /** The batched tensor whose examples are the slices of {@code physical} along dim 0. */
    Tensor batched(Tensor physical) {
        return ACCESS.tagged(physical, 0, new Batched(physical));
    }

    /** The physical tensor (batch dim first) of one of this interpreter's batched tensors, else null. */
    Tensor physicalOf(Tensor t) {
        return t != null && ACCESS.transformTag(t) instanceof Batched b && b.owner() == this ? b.physical : null;
    }

    @Override
    public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
        Tensor[] x = null;
        boolean[] batched = null;
        for (int i = 0; i < inputs.length; i++) {
            Tensor p = physicalOf(inputs[i]);
            if (p != null) {
                if (x == null) {
                    x = inputs.clone();
                    batched = new boolean[inputs.length];
                }
                x[i] = p;
                batched[i] = true;
            }
        }
        if (x == null) {
            return next.call(op, attrs, inputs);
        }
        Tensor[] outs = BatchingRules.apply(op, attrs, x, batched, size);
        Tensor[] result = new Tensor[outs.length];
        for (int j = 0; j < outs.length; j++) {
            result[j] = batched(outs[j]);
        }
        if (level.gradInside() && op.differentiable(attrs)) {
            // A grad transform runs inside this vmap: record at the level of one example, so its
            // backward pass runs per example too (its ops come back through here, batched).
            Node.record(op, attrs, inputs, result);
        }
        return result;
    }

    @Override
    public void onInPlaceWrite(String method, Tensor target, Tensor newValue) {
        if (physicalOf(target) != null || physicalOf(newValue) != null) {
            throw new UnsupportedOperationException(method + ": in-place writes are not supported on or from "
                    + "tensors batched by " + level.transform + "; use the out-of-place op (e.g. add instead of "
                    + "addInPlace) inside the function");
        }
    }

    @Override
    public String toString() {
        return level.transform + " (batching " + size + " examples)";
    }
}
