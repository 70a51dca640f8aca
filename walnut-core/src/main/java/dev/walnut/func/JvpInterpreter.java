package dev.walnut.func;

import dev.walnut.Tensor;
import dev.walnut.autograd.Node;
import dev.walnut.dispatch.Interpreter;
import dev.walnut.dispatch.TransformTag;
import dev.walnut.internal.TensorInternals;
import dev.walnut.ops.OpDef;

/**
 * Forward mode on the dispatcher: a dual tensor is a tensor with the primal's layout whose tag
 * holds the tangent. Each primitive call with a dual input runs on the primals below this
 * interpreter, and its tangent comes from the op's own forward rule ({@link OpDef#jvp}), whose
 * tensor ops also run below, so an enclosing transform sees them (JAX's jvp interpreter).
 * Outputs whose tangent is zero are returned plain.
 */
final class JvpInterpreter implements Interpreter {
    private static final TensorInternals ACCESS = TensorInternals.get();

    private final Level level;

    JvpInterpreter(Level level) {
        this.level = level;
    }

    /** The tag of this interpreter's dual tensors. */
    final class Dual extends TransformTag {
        final Tensor primal;
        final Tensor tangent;

        Dual(Tensor primal, Tensor tangent) {
            this.primal = primal;
            this.tangent = tangent;
        }

        JvpInterpreter owner() {
            return JvpInterpreter.this;
        }

        @Override
        public String transformName() {
            return level.transform;
        }

        @Override
        public boolean isActive() {
            return level.isActive();
        }
    }

    /** The dual tensor of {@code primal} with {@code tangent}. */
    Tensor dual(Tensor primal, Tensor tangent) {
        return ACCESS.tagged(primal, -1, new Dual(primal, tangent));
    }

    /** The tag of {@code t} when it is one of this interpreter's dual tensors, else null. */
    Dual dualOf(Tensor t) {
        return t != null && ACCESS.transformTag(t) instanceof Dual d && d.owner() == this ? d : null;
    }

    @Override
    public <A> Tensor[] interpret(OpDef<A> op, A attrs, Tensor[] inputs, Next next) {
        Tensor[] primals = null;
        Tensor[] tangents = null;
        for (int i = 0; i < inputs.length; i++) {
            Dual d = dualOf(inputs[i]);
            if (d != null) {
                if (primals == null) {
                    primals = inputs.clone();
                    tangents = new Tensor[inputs.length];
                }
                primals[i] = d.primal;
                tangents[i] = d.tangent;
            }
        }
        if (primals == null) {
            return next.call(op, attrs, inputs);
        }
        if (!op.differentiable(attrs)) {
            return next.call(op, attrs, primals);
        }
        // Some ops compute outputs and tangents cheaper together (the matrix product: one GEMM
        // for the primal and tangent rows); their tensor ops run below this interpreter too.
        Tensor[][] joint = op.computeWithJvp(attrs, primals, tangents);
        Tensor[] outs = joint != null ? joint[0] : next.call(op, attrs, primals);
        Tensor[] outTangents = joint != null ? joint[1] : op.jvp(attrs, primals, outs, tangents);
        boolean record = level.gradInside();
        Tensor[] result = new Tensor[outs.length];
        for (int j = 0; j < outs.length; j++) {
            Tensor t = outTangents[j];
            result[j] = t == null && !record ? outs[j] : dual(outs[j], t);
        }
        if (record) {
            // A grad transform runs inside this jvp: record the dual tensors so that its backward
            // pass (whose ops come back through here) is differentiated forward too.
            Node.record(op, attrs, inputs, result);
        }
        return result;
    }

    @Override
    public void onInPlaceWrite(String method, Tensor target, Tensor newValue) {
        // The write would change the primal's storage but not the tangent the tag holds.
        if (dualOf(target) != null || dualOf(newValue) != null) {
            throw new UnsupportedOperationException(method + ": in-place writes are not supported on or from the "
                    + "tensors that " + level.transform + " carries tangents for; use the out-of-place op (e.g. add "
                    + "instead of addInPlace) inside the function");
        }
    }

    @Override
    public String toString() {
        return level.transform + " (forward mode)";
    }
}
