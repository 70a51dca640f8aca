package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.Node;
import dev.walnut.internal.Kernels;
import dev.walnut.ops.OpDef;
import dev.walnut.ops.TensorSpec;
import java.util.Arrays;

/**
 * The optimizer updates of a compiled training step ({@link CompiledTrainStep}) as graph nodes:
 * one node per parameter that runs the back end's fused update ({@code Kernels.sgdUpdate},
 * {@code Kernels.adamUpdate}), the very kernels the eager {@code SGD}, {@code Adam} and
 * {@code AdamW} run, so a compiled step updates bit for bit like an eager one.
 *
 * <p>The nodes are functional by default, as every graph node: they return the new parameter
 * and the new state buffers (fresh tensors) and leave their inputs alone, so the passes may
 * reorder, share or drop them like any other node, and tracing (which runs every node) changes
 * nothing. Hyper-parameters that stay fixed are attributes; what changes from step to step (the
 * learning rate, which a scheduler may set, and the bias corrections of Adam's step count)
 * arrives in a small F64 {@code scalars} input, so one graph serves every step. Its last element
 * asks for the update in place: the kernel then writes into the parameter and buffer inputs and
 * returns them, saving a copy of every parameter and buffer per step (and the allocation). The
 * compiled step asks for it only when the update nodes are the last nodes of the graph, so every
 * other reader of a parameter (or a view of it) has run by then (the executor runs nodes in
 * order), and only with buffers no one else holds.
 *
 * <pre>{@code
 * // param, grad, momentum buffer, scalars [lr, firstStep ? 1 : 0, inPlace ? 1 : 0]
 * Tensor[] out = Dispatcher.callAll(OptimizerUpdateOps.SGD_MOMENTUM, attrs, p, g, buf, Tensor.fromArray(new double[] {0.1, 1, 0}, 3));
 * }</pre>
 */
final class OptimizerUpdateOps {
    private OptimizerUpdateOps() {
    }

    private static final Kernels K = Kernels.get();

    /** SGD's options that a graph fixes (the learning rate is an input). */
    record Sgd(boolean maximize, double weightDecay, double momentum, double dampening, boolean nesterov) {
    }

    /** Adam's and AdamW's fixed options: {@code l2} is Adam's weight decay (added to the gradient), 0 for AdamW. */
    record Adam(boolean maximize, double l2, double beta1, double beta2, double eps) {
    }

    /** Inputs {@code param, grad, scalars [lr, inPlace]}; output the new parameter. */
    static final OpDef<Sgd> SGD = new Update<>("sgdUpdate", 1, 3) {
        @Override
        void update(Sgd a, Tensor p, Tensor g, Tensor b0, Tensor b1, Tensor s) {
            K.sgdUpdate(p, g, a.maximize(), a.weightDecay(), 0, a.dampening(), false, null, false, K.elementAt(s, 0));
        }
    };

    /** Inputs {@code param, grad, momentum_buffer, scalars [lr, firstStep, inPlace]}; outputs the new parameter and buffer. */
    static final OpDef<Sgd> SGD_MOMENTUM = new Update<>("sgdMomentumUpdate", 2, 4) {
        @Override
        void update(Sgd a, Tensor p, Tensor g, Tensor buf, Tensor b1, Tensor s) {
            K.sgdUpdate(p, g, a.maximize(), a.weightDecay(), a.momentum(), a.dampening(), a.nesterov(), buf,
                    K.elementAt(s, 1) != 0, K.elementAt(s, 0));
        }
    };

    /**
     * Inputs {@code param, grad, exp_avg, exp_avg_sq, scalars [lr / (1 - beta1^t), sqrt(1 - beta2^t), decay, inPlace]}
     * ({@code decay} is AdamW's {@code 1 - lr * weightDecay}, 1 for Adam); outputs the new
     * parameter and moments.
     */
    static final OpDef<Adam> ADAM = new Update<>("adamUpdate", 3, 5) {
        @Override
        void update(Adam a, Tensor p, Tensor g, Tensor m, Tensor v, Tensor s) {
            K.adamUpdate(p, g, a.maximize(), a.l2(), K.elementAt(s, 2), m, v, null, a.beta1(), a.beta2(), a.eps(),
                    K.elementAt(s, 0), K.elementAt(s, 1));
        }
    };

    /** Shared shape rule and checks: every output is like the parameter; not differentiable. */
    abstract static class Update<A> extends OpDef<A> {
        /**
         * The varargs of a per-step check, made once: where C2 did not inline the interface call
         * (a JVM that had run other kernels first), each check allocated an empty array.
         */
        private static final Tensor[] NO_BUFFERS = new Tensor[0];
        private final int arity;

        Update(String name, int outputs, int arity) {
            super(name, outputs);
            this.arity = arity;
        }

        /**
         * The fused kernel on {@code param} and the state buffers {@code b0}, {@code b1} (null where
         * the update has fewer), all written in place, with gradient {@code grad} and the contiguous
         * F64 {@code scalars}.
         */
        abstract void update(A attrs, Tensor param, Tensor grad, Tensor b0, Tensor b1, Tensor scalars);

        @Override
        public TensorSpec[] infer(A attrs, TensorSpec... in) {
            if (in.length != arity) {
                throw new IllegalArgumentException(name() + ": expected " + arity + " inputs, got " + in.length);
            }
            for (int i = 1; i < arity - 1; i++) {
                if (!in[i].equals(in[0])) {
                    throw new IllegalArgumentException(name() + ": input " + i + " is " + in[i] + " but the parameter is "
                            + in[0] + "; gradients and state buffers must match the parameter");
                }
            }
            TensorSpec[] out = new TensorSpec[outputCount()];
            Arrays.fill(out, in[0]);
            return out;
        }

        @Override
        public Tensor[] compute(A attrs, Tensor[] in) {
            try (var off = Autograd.noGrad()) {
                // The fused kernels need contiguous operands of the parameter's dtype; a gradient
                // that arrives as a view (a transposed product) is made contiguous, values unchanged.
                Tensor[] args = in.clone();
                for (int i = 1; i < arity - 1; i++) {
                    args[i] = args[i].isContiguous() ? args[i] : args[i].contiguous();
                }
                Tensor scalars = scalars(in);
                Tensor[] buffers = Arrays.copyOfRange(args, 2, arity - 1);
                // In place only when the parameter itself can take the kernel (a contiguous one);
                // otherwise the result is a fresh tensor, which the compiled step copies back.
                boolean inPlace = lastScalar(scalars) != 0 && K.fusedUpdateApplies(in[0], args[1], buffers);
                Tensor[] out = new Tensor[outputCount()];
                out[0] = inPlace ? in[0] : in[0].detach().clone();
                for (int j = 1; j < out.length; j++) {
                    out[j] = inPlace ? args[1 + j] : args[1 + j].clone();
                }
                if (!K.fusedUpdateApplies(out[0], args[1], Arrays.copyOfRange(out, 1, out.length))) {
                    throw new IllegalArgumentException(name() + ": the fused update needs F32 or F64 tensors, got parameter "
                            + TensorSpec.of(in[0]) + " and gradient " + TensorSpec.of(in[1]));
                }
                update(attrs, out[0], args[1], out.length > 1 ? out[1] : null, out.length > 2 ? out[2] : null, scalars);
                return out;
            }
        }

        /**
         * The update written in place into the parameter and buffer inputs, which become the
         * outputs: what the arena executor runs after warm-up, allocating nothing. Returns false,
         * having done nothing, unless the scalars ask for the update in place and the operands
         * fit the fused kernel as they are (contiguous, one float dtype); the caller then runs
         * {@link #compute}.
         */
        boolean updateInPlace(A attrs, Tensor[] in, Tensor[] out) {
            Tensor scalars = in[arity - 1];
            if (scalars.dtype() != DType.F64 || !scalars.isContiguous() || lastScalar(scalars) == 0) {
                return false;
            }
            for (int i = 1; i < arity - 1; i++) {
                if (!K.fusedUpdateApplies(in[0], in[i], NO_BUFFERS)) {
                    return false;
                }
            }
            out[0] = in[0];
            for (int j = 1; j < out.length; j++) {
                out[j] = in[1 + j];
            }
            update(attrs, in[0], in[1], out.length > 1 ? out[1] : null, out.length > 2 ? out[2] : null, scalars);
            return true;
        }

        /** The scalars input as a contiguous F64 tensor (what the compiled step passes already is one). */
        private Tensor scalars(Tensor[] in) {
            Tensor s = in[arity - 1];
            return s.dtype() == DType.F64 && s.isContiguous() ? s : s.to(DType.F64).contiguous();
        }

        /** The scalars' last element: nonzero asks for the update in place. */
        private static double lastScalar(Tensor scalars) {
            return K.elementAt(scalars, (int) scalars.numel() - 1);
        }

        @Override
        public boolean differentiable(A attrs) {
            return false;
        }

        @Override
        public Tensor[] save(A attrs, Tensor[] inputs, Tensor[] outputs) {
            return new Tensor[0];
        }

        @Override
        public Tensor[] vjp(A attrs, Node node, Tensor[] gradOutputs) {
            throw new UnsupportedOperationException(name() + " is an optimizer update and has no derivative");
        }

        @Override
        public Tensor[] jvp(A attrs, Tensor[] inputs, Tensor[] outputs, Tensor[] tangents) {
            throw new UnsupportedOperationException(name() + " is an optimizer update and has no derivative");
        }
    }
}
