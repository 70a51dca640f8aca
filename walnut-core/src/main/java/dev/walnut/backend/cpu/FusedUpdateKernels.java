package dev.walnut.backend.cpu;

/**
 * One-pass SGD and Adam/AdamW updates over the raw arrays of contiguous F32/F64 parameters: the
 * optimizers' fused kernels ({@code Backend.sgdUpdate} / {@code adamUpdate}; DJL's
 * {@code adamUpdate} engine op, in the same spirit).
 *
 * <p>Written with tensor ops, an Adam step makes about ten passes over each parameter and
 * allocates five temporaries (every in-place op also computes out of place and copies back);
 * here it is one pass with no allocation. Each element goes through exactly the operations of
 * the tensor-op formulation, in the same order and precision (F32 arithmetic with scalars
 * rounded to float, as the F32 kernels do; F64 in double; Java never contracts to FMA), so the
 * results are bitwise identical to it. {@code OptimizerTest} checks that against the tensor-op
 * path, which remains the reference and the fallback for other layouts and dtypes.
 */
final class FusedUpdateKernels {
    /** Elements per task when a large parameter is split across threads (same as the elementwise kernels' scale). */
    private static final int GRAIN = 1 << 15;

    private FusedUpdateKernels() {
    }

    /**
     * SGD ({@code SGD}'s formula). {@code buf} is the momentum buffer (null without momentum);
     * on the first step ({@code firstStep}) it receives a copy of the direction instead of the
     * momentum update.
     */
    static void sgd(Object p, int po, Object g, int go, Object b, int bo, int n, boolean negate, double weightDecay,
                    double momentum, double dampening, boolean nesterov, boolean firstStep, double lr) {
        Sgd t = SGD.get();
        t.p = p;
        t.po = po;
        t.g = g;
        t.go = go;
        t.b = b;
        t.bo = bo;
        t.negate = negate;
        t.weightDecay = weightDecay;
        t.momentum = momentum;
        t.dampening = dampening;
        t.nesterov = nesterov;
        t.firstStep = firstStep;
        t.lr = lr;
        try {
            Parallel.forRange(n, GRAIN, t);
        } finally {
            t.p = t.g = t.b = null; // keep no caller's arrays alive
        }
    }

    /**
     * An SGD update's arguments as the range body: each thread keeps one and refills it per
     * call (the caller waits for every range), so an update allocates nothing, where a
     * capturing lambda would be one object per parameter per step.
     */
    private static final class Sgd implements Parallel.RangeBody {
        Object p;
        int po;
        Object g;
        int go;
        Object b;
        int bo;
        boolean negate;
        double weightDecay;
        double momentum;
        double dampening;
        boolean nesterov;
        boolean firstStep;
        double lr;

        @Override
        public void apply(int lo, int hi) {
            if (p instanceof float[] pf) {
                float[] gf = (float[]) g;
                float[] bf = (float[]) b;
                float wd = (float) weightDecay;
                float mom = (float) momentum;
                float keep = (float) (1 - dampening);
                float step = (float) -lr;
                if (!negate && weightDecay == 0 && bf == null && go == po) {
                    for (int i = po + lo; i < po + hi; i++) {
                        pf[i] = pf[i] + gf[i] * step;
                    }
                    return;
                }
                for (int i = lo; i < hi; i++) {
                    float d = negate ? -gf[go + i] : gf[go + i];
                    if (weightDecay != 0) {
                        d = d + pf[po + i] * wd;
                    }
                    if (bf != null) {
                        float v = firstStep ? d : bf[bo + i] * mom + d * keep;
                        bf[bo + i] = v;
                        d = nesterov ? d + v * mom : v;
                    }
                    pf[po + i] = pf[po + i] + d * step;
                }
            } else {
                double[] pd = (double[]) p;
                double[] gd = (double[]) g;
                double[] bd = (double[]) b;
                double keep = 1 - dampening;
                double step = -lr;
                for (int i = lo; i < hi; i++) {
                    double d = negate ? -gd[go + i] : gd[go + i];
                    if (weightDecay != 0) {
                        d = d + pd[po + i] * weightDecay;
                    }
                    if (bd != null) {
                        double v = firstStep ? d : bd[bo + i] * momentum + d * keep;
                        bd[bo + i] = v;
                        d = nesterov ? d + v * momentum : v;
                    }
                    pd[po + i] = pd[po + i] + d * step;
                }
            }
        }
    }

    private static final ThreadLocal<Sgd> SGD = ThreadLocal.withInitial(Sgd::new);

    /**
     * Adam ({@code Adam.adamUpdate}'s formula) with an optional L2 term ({@code l2}, added to the
     * gradient) and an optional decoupled decay factor ({@code decay}, multiplied into the
     * parameter first, AdamW's; 1 for none). {@code vmax} is null without AMSGrad.
     */
    static void adam(Object param, int po, Object grad, int go, Object m, int mo, Object v, int vo, Object vmax, int xo,
                     int n, boolean negate, double l2, double decay, double beta1, double beta2, double eps, double stepSize,
                     double sqrtBias2) {
        Adam t = ADAM.get();
        t.param = param;
        t.po = po;
        t.grad = grad;
        t.go = go;
        t.m = m;
        t.mo = mo;
        t.v = v;
        t.vo = vo;
        t.vmax = vmax;
        t.xo = xo;
        t.negate = negate;
        t.l2 = l2;
        t.decay = decay;
        t.beta1 = beta1;
        t.beta2 = beta2;
        t.eps = eps;
        t.stepSize = stepSize;
        t.sqrtBias2 = sqrtBias2;
        try {
            Parallel.forRange(n, GRAIN, t);
        } finally {
            t.param = t.grad = t.m = t.v = t.vmax = null; // keep no caller's arrays alive
        }
    }

    /** An Adam update's arguments as the range body, kept per thread as {@link Sgd} is. */
    private static final class Adam implements Parallel.RangeBody {
        Object param;
        int po;
        Object grad;
        int go;
        Object m;
        int mo;
        Object v;
        int vo;
        Object vmax;
        int xo;
        boolean negate;
        double l2;
        double decay;
        double beta1;
        double beta2;
        double eps;
        double stepSize;
        double sqrtBias2;

        @Override
        public void apply(int lo, int hi) {
            boolean decoupled = decay != 1.0;
            if (param instanceof float[] p) {
                float[] g = (float[]) grad;
                float[] mf = (float[]) m;
                float[] vf = (float[]) v;
                float[] xf = (float[]) vmax;
                float wd = (float) l2;
                float keep = (float) decay;
                float b1 = (float) beta1;
                float c1 = (float) (1 - beta1);
                float b2 = (float) beta2;
                float c2 = (float) (1 - beta2);
                float e = (float) eps;
                float s2 = (float) sqrtBias2;
                float step = (float) -stepSize;
                if (!negate && l2 == 0 && !decoupled && xf == null && go == po && mo == po && vo == po) {
                    // The default options with one offset for all arrays (fresh tensors have offset
                    // 0): a branch-free loop with a single index, the shape C2 vectorizes (sqrt and
                    // divide included; with distinct offsets it cannot rule out aliasing). The two
                    // divisions and the square root per element dominate the scalar loop.
                    for (int i = po + lo; i < po + hi; i++) {
                        float d = g[i];
                        float mi = mf[i] * b1 + d * c1;
                        float vi = vf[i] * b2 + (d * d) * c2;
                        mf[i] = mi;
                        vf[i] = vi;
                        p[i] = p[i] + (mi / ((float) Math.sqrt(vi) / s2 + e)) * step;
                    }
                    return;
                }
                for (int i = lo; i < hi; i++) {
                    float d = negate ? -g[go + i] : g[go + i];
                    float w = p[po + i];
                    if (l2 != 0) {
                        d = d + w * wd;
                    }
                    if (decoupled) {
                        w = w * keep;
                    }
                    float mi = mf[mo + i] * b1 + d * c1;
                    float vi = vf[vo + i] * b2 + (d * d) * c2;
                    mf[mo + i] = mi;
                    vf[vo + i] = vi;
                    if (xf != null) {
                        vi = Math.max(xf[xo + i], vi);
                        xf[xo + i] = vi;
                    }
                    float denom = (float) Math.sqrt(vi) / s2 + e;
                    p[po + i] = w + (mi / denom) * step;
                }
            } else {
                double[] p = (double[]) param;
                double[] g = (double[]) grad;
                double[] md = (double[]) m;
                double[] vd = (double[]) v;
                double[] xd = (double[]) vmax;
                double c1 = 1 - beta1;
                double c2 = 1 - beta2;
                double step = -stepSize;
                for (int i = lo; i < hi; i++) {
                    double d = negate ? -g[go + i] : g[go + i];
                    double w = p[po + i];
                    if (l2 != 0) {
                        d = d + w * l2;
                    }
                    if (decoupled) {
                        w = w * decay;
                    }
                    double mi = md[mo + i] * beta1 + d * c1;
                    double vi = vd[vo + i] * beta2 + (d * d) * c2;
                    md[mo + i] = mi;
                    vd[vo + i] = vi;
                    if (xd != null) {
                        vi = Math.max(xd[xo + i], vi);
                        xd[xo + i] = vi;
                    }
                    double denom = Math.sqrt(vi) / sqrtBias2 + eps;
                    p[po + i] = w + (mi / denom) * step;
                }
            }
        }
    }

    private static final ThreadLocal<Adam> ADAM = ThreadLocal.withInitial(Adam::new);
}
