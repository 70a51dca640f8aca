package dev.walnut.graph;

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
        Tensor[] run(Sgd a, Tensor p, Tensor[] in, double[] s, boolean inPlace) {
            K.sgdUpdate(p, in[1], a.maximize(), a.weightDecay(), 0, a.dampening(), false, null, false, s[0]);
            return new Tensor[] {p};
        }
    };

    /** Inputs {@code param, grad, momentum_buffer, scalars [lr, firstStep, inPlace]}; outputs the new parameter and buffer. */
    static final OpDef<Sgd> SGD_MOMENTUM = new Update<>("sgdMomentumUpdate", 2, 4) {
        @Override
        Tensor[] run(Sgd a, Tensor p, Tensor[] in, double[] s, boolean inPlace) {
            Tensor buf = inPlace ? in[2] : in[2].clone();
            K.sgdUpdate(p, in[1], a.maximize(), a.weightDecay(), a.momentum(), a.dampening(), a.nesterov(), buf,
                    s[1] != 0, s[0]);
            return new Tensor[] {p, buf};
        }
    };

    /**
     * Inputs {@code param, grad, exp_avg, exp_avg_sq, scalars [lr / (1 - beta1^t), sqrt(1 - beta2^t), decay, inPlace]}
     * ({@code decay} is AdamW's {@code 1 - lr * weightDecay}, 1 for Adam); outputs the new
     * parameter and moments.
     */
    static final OpDef<Adam> ADAM = new Update<>("adamUpdate", 3, 5) {
        @Override
        Tensor[] run(Adam a, Tensor p, Tensor[] in, double[] s, boolean inPlace) {
            Tensor m = inPlace ? in[2] : in[2].clone();
            Tensor v = inPlace ? in[3] : in[3].clone();
            K.adamUpdate(p, in[1], a.maximize(), a.l2(), s[2], m, v, null, a.beta1(), a.beta2(), a.eps(), s[0], s[1]);
            return new Tensor[] {p, m, v};
        }
    };

    /** Shared shape rule and checks: every output is like the parameter; not differentiable. */
    private abstract static class Update<A> extends OpDef<A> {
        private final int arity;

        Update(String name, int outputs, int arity) {
            super(name, outputs);
            this.arity = arity;
        }

        /** The update on {@code param} (already the output tensor); buffers are cloned first unless {@code inPlace}. */
        abstract Tensor[] run(A attrs, Tensor param, Tensor[] inputs, double[] scalars, boolean inPlace);

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
                double[] scalars = in[arity - 1].toDoubleArray();
                Tensor[] buffers = Arrays.copyOfRange(args, 2, arity - 1);
                // In place only when the parameter itself can take the kernel (a contiguous one);
                // otherwise the result is a fresh tensor, which the compiled step copies back.
                boolean inPlace = scalars[scalars.length - 1] != 0 && K.fusedUpdateApplies(in[0], args[1], buffers);
                Tensor p = inPlace ? in[0] : in[0].detach().clone();
                if (!K.fusedUpdateApplies(p, args[1], buffers)) {
                    throw new IllegalArgumentException(name() + ": the fused update needs F32 or F64 tensors, got parameter "
                            + TensorSpec.of(in[0]) + " and gradient " + TensorSpec.of(in[1]));
                }
                return run(attrs, p, args, scalars, inPlace);
            }
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
