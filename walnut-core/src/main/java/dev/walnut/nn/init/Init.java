package dev.walnut.nn.init;

import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;

import java.util.Arrays;

/**
 * In-place parameter initialisers with PyTorch's definitions ({@code torch.nn.init}). Each fills
 * the tensor without recording a graph, draws from {@code generator} (the default generator when
 * omitted) and returns the tensor.
 *
 * <pre>{@code
 * Init.kaimingUniform(weight, Math.sqrt(5), FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, null);
 * Init.xavierNormal(w, Init.calculateGain(Nonlinearity.TANH, null), gen);
 * }</pre>
 */
public final class Init {
    private Init() {
    }

    /** Which fan the Kaiming initialisers scale by. */
    public enum FanMode {
        /** Preserves the variance of activations in the forward pass. */
        FAN_IN,
        /** Preserves the variance of gradients in the backward pass. */
        FAN_OUT
    }

    /** Non-linearities known to {@link #calculateGain}. */
    public enum Nonlinearity {
        /** {@code 'linear'}: gain 1. */
        LINEAR,
        /** {@code 'conv1d'}: gain 1. */
        CONV1D,
        /** {@code 'conv2d'}: gain 1. */
        CONV2D,
        /** {@code 'conv3d'}: gain 1. */
        CONV3D,
        /** {@code 'conv_transpose1d'}: gain 1. */
        CONV_TRANSPOSE1D,
        /** {@code 'conv_transpose2d'}: gain 1. */
        CONV_TRANSPOSE2D,
        /** {@code 'conv_transpose3d'}: gain 1. */
        CONV_TRANSPOSE3D,
        /** {@code 'sigmoid'}: gain 1. */
        SIGMOID,
        /** {@code 'tanh'}: gain 5/3. */
        TANH,
        /** {@code 'relu'}: gain sqrt(2). */
        RELU,
        /** {@code 'leaky_relu'}: gain sqrt(2 / (1 + a^2)). */
        LEAKY_RELU,
        /** {@code 'selu'}: gain 3/4. */
        SELU
    }

    /**
     * PyTorch's recommended gain: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu,
     * sqrt(2 / (1 + slope^2)) for leaky relu ({@code param} = slope, default 0.01), 3/4 for selu.
     */
    public static double calculateGain(Nonlinearity nonlinearity, Double param) {
        return switch (nonlinearity) {
            case LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3.0;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> {
                double slope = param == null ? 0.01 : param;
                yield Math.sqrt(2.0 / (1 + slope * slope));
            }
            case SELU -> 3.0 / 4.0;
        };
    }

    /** {@code {fanIn, fanOut}}: dims 1 and 0 times the receptive field (the product of dims 2..). */
    public static long[] fans(Tensor t) {
        if (t.dim() < 2) {
            throw new IllegalArgumentException("Init: fan in and fan out cannot be computed for a tensor with fewer "
                    + "than 2 dimensions, got shape " + Arrays.toString(t.shape()));
        }
        long receptive = 1;
        for (int i = 2; i < t.dim(); i++) {
            receptive *= t.size(i);
        }
        return new long[] {t.size(1) * receptive, t.size(0) * receptive};
    }

    private static Generator gen(Generator g) {
        return g == null ? Generator.defaultGenerator() : g;
    }

    private static Tensor fill(Tensor t, double[] values) {
        Autograd.noGrad(() -> {
            t.copyInPlace(Tensor.fromArray(values, t.shape()));
        });
        return t;
    }

    private static int count(Tensor t) {
        return Math.toIntExact(t.numel());
    }

    /** U(a, b). */
    public static Tensor uniform(Tensor t, double a, double b, Generator generator) {
        Generator g = gen(generator);
        double[] v = new double[count(t)];
        for (int i = 0; i < v.length; i++) {
            v[i] = a + (b - a) * g.nextDouble();
        }
        return fill(t, v);
    }

    /** Fills {@code t} from U(a, b) in place, like {@code nn.init.uniform_}. */
    public static Tensor uniform(Tensor t, double a, double b) {
        return uniform(t, a, b, null);
    }

    /** N(mean, std^2). */
    public static Tensor normal(Tensor t, double mean, double std, Generator generator) {
        Generator g = gen(generator);
        double[] v = new double[count(t)];
        for (int i = 0; i < v.length; i++) {
            v[i] = mean + std * g.nextGaussian();
        }
        return fill(t, v);
    }

    /** Fills {@code t} from N(mean, std^2) in place, like {@code nn.init.normal_}. */
    public static Tensor normal(Tensor t, double mean, double std) {
        return normal(t, mean, std, null);
    }

    /** N(mean, std^2) redrawn until inside [a, b] (PyTorch's defaults: a = -2, b = 2, absolute bounds). */
    public static Tensor truncNormal(Tensor t, double mean, double std, double a, double b, Generator generator) {
        if (!(a < b)) {
            throw new IllegalArgumentException("Init.truncNormal: need a < b, got a=" + a + ", b=" + b);
        }
        Generator g = gen(generator);
        double[] v = new double[count(t)];
        for (int i = 0; i < v.length; i++) {
            double x;
            int tries = 0;
            do {
                x = mean + std * g.nextGaussian();
                if (++tries > 10_000) {
                    throw new IllegalArgumentException("Init.truncNormal: [" + a + ", " + b
                            + "] is too far from the mean to sample by rejection");
                }
            } while (x < a || x > b);
            v[i] = x;
        }
        return fill(t, v);
    }

    /** {@link #truncNormal(Tensor, double, double, double, double, Generator)} with PyTorch's bounds [-2, 2]. */
    public static Tensor truncNormal(Tensor t, double mean, double std) {
        return truncNormal(t, mean, std, -2.0, 2.0, null);
    }

    /** Fills {@code t} with {@code value} in place, like {@code nn.init.constant_}. */
    public static Tensor constant(Tensor t, double value) {
        Autograd.noGrad(() -> {
            t.fillInPlace(value);
        });
        return t;
    }

    /** Fills {@code t} with zeros in place, like {@code nn.init.zeros_}. */
    public static Tensor zeros(Tensor t) {
        return constant(t, 0.0);
    }

    /** Fills {@code t} with ones in place, like {@code nn.init.ones_}. */
    public static Tensor ones(Tensor t) {
        return constant(t, 1.0);
    }

    /** U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
    public static Tensor xavierUniform(Tensor t, double gain, Generator generator) {
        long[] f = fans(t);
        double a = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform(t, -a, a, generator);
    }

    /** Glorot uniform with gain 1, like {@code nn.init.xavier_uniform_(t)}. */
    public static Tensor xavierUniform(Tensor t) {
        return xavierUniform(t, 1.0, null);
    }

    /** N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
    public static Tensor xavierNormal(Tensor t, double gain, Generator generator) {
        long[] f = fans(t);
        return normal(t, 0.0, gain * Math.sqrt(2.0 / (f[0] + f[1])), generator);
    }

    /** Glorot normal with gain 1, like {@code nn.init.xavier_normal_(t)}. */
    public static Tensor xavierNormal(Tensor t) {
        return xavierNormal(t, 1.0, null);
    }

    private static double kaimingStd(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        long[] f = fans(t);
        long fan = mode == FanMode.FAN_IN ? f[0] : f[1];
        if (fan == 0) {
            throw new IllegalArgumentException("Init.kaiming: cannot initialise a tensor with a zero fan, shape "
                    + Arrays.toString(t.shape()));
        }
        return calculateGain(nonlinearity, a) / Math.sqrt(fan);
    }

    /** U(-b, b) with b = gain * sqrt(3 / fan); {@code a} is the leaky-relu slope used by the gain. */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
                                        Generator generator) {
        double bound = Math.sqrt(3.0) * kaimingStd(t, a, mode, nonlinearity);
        return uniform(t, -bound, bound, generator);
    }

    /** PyTorch's defaults: a = 0, fan in, leaky relu (gain sqrt(2)). */
    public static Tensor kaimingUniform(Tensor t) {
        return kaimingUniform(t, 0.0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, null);
    }

    /** N(0, std^2) with std = gain / sqrt(fan). */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
                                       Generator generator) {
        return normal(t, 0.0, kaimingStd(t, a, mode, nonlinearity), generator);
    }

    /** PyTorch's {@code kaiming_normal_(t)} defaults: fan-in, leaky ReLU with a = 0. */
    public static Tensor kaimingNormal(Tensor t) {
        return kaimingNormal(t, 0.0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, null);
    }

    /**
     * A (semi-)orthogonal matrix times {@code gain}: the tensor viewed as {@code [size(0), rest]}
     * gets orthonormal rows (or columns, whichever are fewer), from the QR decomposition of a
     * Gaussian matrix with the signs of R's diagonal folded in, as PyTorch does.
     */
    public static Tensor orthogonal(Tensor t, double gain, Generator generator) {
        if (t.dim() < 2) {
            throw new IllegalArgumentException("Init.orthogonal: only tensors with 2 or more dimensions are supported, "
                    + "got shape " + Arrays.toString(t.shape()));
        }
        Generator g = gen(generator);
        int rows = Math.toIntExact(t.size(0));
        int cols = count(t) / Math.max(rows, 1);
        boolean transpose = rows < cols;
        int m = transpose ? cols : rows;   // tall m x n, m >= n
        int n = transpose ? rows : cols;
        double[][] q = new double[n][m];   // column vectors
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                q[j][i] = g.nextGaussian();
            }
        }
        // Modified Gram-Schmidt: R's diagonal is the norm before normalising, which is positive,
        // so Q equals Householder QR's Q times sign(diag R) — the convention PyTorch applies.
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < m; i++) {
                    dot += q[k][i] * q[j][i];
                }
                for (int i = 0; i < m; i++) {
                    q[j][i] -= dot * q[k][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < m; i++) {
                norm += q[j][i] * q[j][i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < m; i++) {
                q[j][i] /= norm;
            }
        }
        double[] v = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = gain * (transpose ? q[r][c] : q[c][r]);
            }
        }
        return fill(t, v);
    }

    /** {@link #orthogonal(Tensor, double, Generator)} with gain 1. */
    public static Tensor orthogonal(Tensor t) {
        return orthogonal(t, 1.0, null);
    }
}
