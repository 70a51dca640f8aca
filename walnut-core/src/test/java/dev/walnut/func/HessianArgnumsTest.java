package dev.walnut.func;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Func#hessian(TensorFunction, int[])}: every block against second-order central
 * differences of the function itself in float64, for random shapes, with the arguments asked
 * for out of order and one argument left out; float32 against float64; and the single-argument
 * form.
 */
class HessianArgnumsTest {
    /** A function that couples its arguments and is not linear in any: no block is zero. */
    private static Tensor f(Tensor[] a) {
        Tensor x = a[0];
        Tensor y = a[1];
        Tensor z = a[2];
        return x.square().mul(y.sum()).sum().add(x.sin().sum().mul(z.pow(3).sum())).add(y.mul(y).tanh().sum().mul(z.sum()))
                .add(x.sum().mul(z.sum()).exp().mul(0.1));
    }

    private static double at(Tensor[] a) {
        return f(a).item();
    }

    /** {@code a} with {@code h} added to flat element {@code e} of argument {@code k}. */
    private static Tensor[] bumped(Tensor[] a, int k, int e, double h) {
        Tensor[] b = a.clone();
        double[] v = a[k].toDoubleArray();
        v[e] += h;
        b[k] = Tensor.fromArray(v, a[k].shape());
        return b;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void blocksMatchSecondOrderCentralDifferences(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Generator gen = new Generator(seed);
        Tensor x = Tensor.randn(new long[] {rnd.nextInt(1, 4), rnd.nextInt(1, 3)}, DType.F64, gen).mul(0.5);
        Tensor y = Tensor.randn(new long[] {rnd.nextInt(1, 5)}, DType.F64, gen).mul(0.5);
        Tensor z = Tensor.randn(new long[] {rnd.nextInt(1, 3)}, DType.F64, gen).mul(0.5);
        Tensor[] args = {x, y, z};
        int[] argnums = {2, 0};
        Tensor[] h = Func.hessian(HessianArgnumsTest::f, argnums).apply(args);
        assertEquals(4, h.length);
        double step = 1e-4;
        for (int i = 0; i < argnums.length; i++) {
            for (int j = 0; j < argnums.length; j++) {
                Tensor xi = args[argnums[i]];
                Tensor xj = args[argnums[j]];
                Tensor block = h[i * argnums.length + j];
                long[] want = new long[xi.dim() + xj.dim()];
                System.arraycopy(xi.shape(), 0, want, 0, xi.dim());
                System.arraycopy(xj.shape(), 0, want, xi.dim(), xj.dim());
                assertArrayEquals(want, block.shape(), "block " + i + "," + j);
                double[] got = block.toDoubleArray();
                int nj = (int) xj.numel();
                for (int p = 0; p < xi.numel(); p++) {
                    for (int q = 0; q < nj; q++) {
                        Tensor[] pp = bumped(bumped(args, argnums[i], p, step), argnums[j], q, step);
                        Tensor[] pm = bumped(bumped(args, argnums[i], p, step), argnums[j], q, -step);
                        Tensor[] mp = bumped(bumped(args, argnums[i], p, -step), argnums[j], q, step);
                        Tensor[] mm = bumped(bumped(args, argnums[i], p, -step), argnums[j], q, -step);
                        double fd = (at(pp) - at(pm) - at(mp) + at(mm)) / (4 * step * step);
                        assertEquals(fd, got[p * nj + q], 1e-5 + 1e-5 * Math.abs(fd),
                                "d2f/d(arg " + argnums[i] + ")[" + p + "] d(arg " + argnums[j] + ")[" + q + "]");
                    }
                }
            }
        }
        // Symmetric: the (0, 2) block is the transpose of the (2, 0) block, flattened.
        Tensor h20 = h[1].reshape(z.numel(), x.numel());
        Tensor h02 = h[2].reshape(x.numel(), z.numel());
        assertTrue(h20.allClose(h02.t(), 1e-10, 1e-10));
    }

    @Test
    void float32AgreesWithFloat64AndWithTheSingleArgumentForm() {
        Generator gen = new Generator(7);
        Tensor[] args64 = {Tensor.randn(new long[] {3, 2}, DType.F64, gen).mul(0.5), Tensor.randn(new long[] {4}, DType.F64, gen).mul(0.5),
                Tensor.randn(new long[] {2}, DType.F64, gen).mul(0.5)};
        Tensor[] args32 = {args64[0].to(DType.F32), args64[1].to(DType.F32), args64[2].to(DType.F32)};
        int[] all = {0, 1, 2};
        Tensor[] h64 = Func.hessian(HessianArgnumsTest::f, all).apply(args64);
        Tensor[] h32 = Func.hessian(HessianArgnumsTest::f, all).apply(args32);
        for (int b = 0; b < h64.length; b++) {
            assertEquals(DType.F32, h32[b].dtype());
            assertTrue(h64[b].allClose(h32[b].to(DType.F64), 1e-4, 1e-4), "block " + b);
        }
        for (int k = 0; k < 3; k++) {
            Tensor single = Func.hessian(HessianArgnumsTest::f, k).apply(args64);
            assertTrue(single.allClose(h64[k * 3 + k], 1e-12, 1e-12), "diagonal block " + k);
        }
    }

    @Test
    void aBlockOfAnArgumentTheGradientDoesNotDependOnIsZero() {
        // f is linear in y: d2f/dy2 = 0, and the mixed block is 2x per element.
        Tensor x = Tensor.fromArray(new double[] {1.0, -2.0}, 2);
        Tensor y = Tensor.fromArray(new double[] {0.5, 3.0}, 2);
        Tensor[] h = Func.hessian(a -> a[0].square().mul(a[1]).sum(), new int[] {0, 1}).apply(x, y);
        assertTrue(h[3].allClose(Tensor.zeros(new long[] {2, 2}, DType.F64), 0, 0), "d2f/dy2 = " + h[3]);
        assertTrue(h[1].allClose(Tensor.fromArray(new double[] {2.0, 0, 0, -4.0}, 2, 2), 1e-12, 1e-12), "d2f/dxdy = " + h[1]);
        assertTrue(h[0].allClose(Tensor.fromArray(new double[] {1.0, 0, 0, 6.0}, 2, 2), 1e-12, 1e-12), "d2f/dx2 = " + h[0]);
    }

    @Test
    void anArgnumOutOfRangeSaysWhich() {
        Tensor x = Tensor.fromArray(new double[] {1.0}, 1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Func.hessian(a -> a[0].sum(), new int[] {0, 3}).apply(x));
        assertTrue(e.getMessage().contains("hessian"), e.getMessage());
    }
}
