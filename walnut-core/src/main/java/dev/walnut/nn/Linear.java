package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.dispatch.Dispatcher;
import dev.walnut.internal.Kernels;
import dev.walnut.profiler.Profiler;

/**
 * {@code y = x W^T + b} with {@code W: [outFeatures, inFeatures]}. Initialised like PyTorch:
 * W by Kaiming-uniform with a = sqrt(5) (so U(-1/sqrt(in), 1/sqrt(in))), b by U(-1/sqrt(in), 1/sqrt(in)).
 *
 * <pre>{@code
 * var fc = new Linear(4, 8);
 * Tensor y = fc.forward(Tensor.randn(2, 4));   // [2, 8]
 * try (var off = Autograd.noGrad()) {
 *     y = fc.forward(Tensor.randn(64, 4));     // packs W once; later calls reuse the packed copy
 * }
 * }</pre>
 *
 * <h2>Inference keeps a packed copy of the weight</h2>
 * A matrix multiply packs its right-hand operand into the kernel's panel layout on every call;
 * for a layer's weight that is the same work each time (for a 784 x 512 weight at batch 64 it
 * was over a quarter of the forward pass). So when nothing needs a gradient (grad mode off, or
 * neither the input, the weight nor the bias requires grad) and everything is float32, the layer
 * packs W once (the back end's packed GEMM) and reuses it while W is unchanged: same tensor, same
 * storage, layout and version counter (every in-place write, {@code optimizer.step()} and
 * {@link Module#loadStateDict} included, bumps the version, so the next call repacks).
 *
 * <p>Memory: while inference runs, each Linear holds one packed copy of its weight, about the
 * weight's own size ({@code outFeatures x inFeatures} floats, rounded up to the kernel's panel
 * width). A forward that records a graph (training) drops the copy and never makes one, so a
 * training loop holds no second copy; {@link #clearPackedWeight()} drops it on demand. Writes made
 * straight into an array passed to {@link Tensor#wrap} bypass the version counter (as they
 * bypass autograd's checks): call {@code clearPackedWeight()} after them.
 *
 * <p>On that path the bias is the GEMM's starting value (C = b, then C += x W^T, as PyTorch's
 * {@code addmm} does), so outputs can differ from the recording path, which adds the bias after
 * the product, in the last bit.
 */
public class Linear extends Module {
    private final long inFeatures;
    private final long outFeatures;
    private Tensor weight;
    private Tensor bias;
    /** The packed weight and what it was packed from; null unless inference ran. Not module state. */
    private transient volatile Kernels.PackedWeight packed;

    /** With a bias, like {@code nn.Linear(in, out)}. */
    public Linear(long inFeatures, long outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    /** Like {@code nn.Linear(in, out, bias)}. */
    public Linear(long inFeatures, long outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outFeatures) : null);
        resetParameters();
    }

    /** PyTorch's {@code Linear.reset_parameters}. */
    public void resetParameters() {
        DefaultInit.kaimingUniformWithBias(weight, bias);
    }

    /** The weight, shaped {@code [outFeatures, inFeatures]} as in PyTorch. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, or null when built with {@code bias = false}. */
    public Tensor bias() {
        return bias;
    }

    /** Drops the packed copy of the weight kept for inference (the next inference call repacks). */
    public void clearPackedWeight() {
        packed = null;
    }

    /** Bytes held by the packed copy of the weight kept for inference; 0 when there is none. */
    public long packedWeightBytes() {
        Kernels.PackedWeight p = packed;
        return p == null ? 0 : p.bytes();
    }

    @Override
    public Tensor forward(Tensor input) {
        // Under an interpreter (tracing, forward mode, vmap) every op must be a primitive call,
        // so the packed fast path, which calls the kernel directly, steps aside (keeping its cache).
        boolean interpreted = Dispatcher.isInterpreting();
        if (!interpreted && needsNoGradient(input)) {
            Profiler prof = Profiler.current();
            long t0 = prof == null ? 0 : System.nanoTime();
            Tensor y = forwardPacked(input);
            if (y != null) {
                if (prof != null) {
                    // The packed path calls the kernel without a primitive call: the profiler would not see it.
                    prof.record("linear", new Tensor[] {input, weight, bias}, System.nanoTime() - t0, false);
                }
                return y;
            }
        } else if (!interpreted && packed != null) {
            packed = null;
        }
        Tensor y = input.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    private boolean needsNoGradient(Tensor input) {
        return !Autograd.isGradEnabled()
                || !input.requiresGrad() && !weight.requiresGrad() && (bias == null || !bias.requiresGrad());
    }

    /**
     * {@code x W^T + b} through the packed weight, or null when this input does not take that
     * path (another dtype, a shape the GEMM multiplies without packing, a mismatch the recording
     * path reports).
     */
    private Tensor forwardPacked(Tensor input) {
        Tensor w = weight;
        Tensor b = bias;
        if (w.dtype() != DType.F32 || w.dim() != 2) {
            packed = null;
            return null;
        }
        if (input.dtype() != DType.F32 || input.dim() < 1
                || b != null && (b.dtype() != DType.F32 || b.dim() != 1 || b.numel() != w.shape()[0])) {
            return null;
        }
        long[] shape = input.shape();
        int k = (int) shape[shape.length - 1];
        int n = (int) w.shape()[0];
        if (k != w.shape()[1]) {
            return null;
        }
        long rows = input.numel() / Math.max(1, k);
        Kernels kernels = Kernels.get();
        if (rows > Integer.MAX_VALUE || rows * n > Integer.MAX_VALUE || !kernels.packingPays((int) rows, n, k)) {
            return null;
        }
        int m = (int) rows;
        Kernels.PackedWeight p = packed;
        if (p == null || !p.isFor(w)) {
            p = kernels.packLinearWeight(w);
            packed = p;
        }
        Tensor x = input.dim() == 2 ? input : input.reshape(m, k);
        long[] outShape = shape.clone();
        outShape[outShape.length - 1] = n;
        Tensor y = kernels.linearPacked(x, p, b);
        return input.dim() == 2 ? y : y.reshape(outShape);
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + pyBool(bias != null);
    }
}
