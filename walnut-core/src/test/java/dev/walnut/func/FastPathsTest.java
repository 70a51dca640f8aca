package dev.walnut.func;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast paths of issue 17's transforms against their reference paths, in float32 and
 * float64, for random shapes with the batch dim first and in the middle:
 * <ul>
 *   <li>vmap of a per-example outer product (a matrix product of inner size 1, the per-sample
 *       weight gradient), which the backend runs as a batched outer product;</li>
 *   <li>vmap of a sum or mean over dims of size 1 (autograd's sum back to a broadcast shape),
 *       which the batching rule runs as a copy;</li>
 *   <li>jvp of a matrix product with a tangent on the rows only, which stacks primal and
 *       tangent rows into one product; also under vmap, inside and around grad, and past the
 *       stacking limit.</li>
 * </ul>
 * The references are the per-example loop (each example through the eager op) and, for jvp,
 * the two products of the plain rule and central differences in float64.
 */
class FastPathsTest {
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F64)) {
            for (long seed = 1; seed <= 4; seed++) {
                out.add(Arguments.of(dt, seed));
            }
        }
        return out.stream();
    }

    private static double tol(DType dt) {
        return dt == DType.F64 ? 1e-12 : 1e-5;
    }

    private static Tensor randn(DType dt, Generator gen, long... shape) {
        return Tensor.randn(shape, dt, gen);
    }

    /** {@code f} on each example of {@code x} (sliced along {@code inDim}, the others shared), stacked along 0. */
    private static Tensor loop(TensorFunction f, Tensor[] x, int[] inDims) {
        long size = -1;
        for (int i = 0; i < x.length; i++) {
            if (inDims[i] != Func.UNBATCHED) {
                size = x[i].size(inDims[i]);
            }
        }
        List<Tensor> outs = new ArrayList<>();
        for (long e = 0; e < size; e++) {
            Tensor[] one = x.clone();
            for (int i = 0; i < x.length; i++) {
                if (inDims[i] != Func.UNBATCHED) {
                    one[i] = x[i].select(inDims[i], e);
                }
            }
            outs.add(f.apply(one));
        }
        return Tensor.stack(outs, 0);
    }

    private static void assertClose(Tensor want, Tensor got, double tol, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        assertTrue(want.allClose(got, tol, tol), what + ": want " + want + ", got " + got);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void vmapOfAnOuterProductEqualsTheLoop(DType dt, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Generator gen = new Generator(seed);
        long b = rnd.nextInt(1, 6);
        long m = rnd.nextInt(1, 30);
        long n = rnd.nextInt(1, 200);
        TensorFunction outer = x -> x[0].matmul(x[1]);
        // Both batched, batch dim first: [B, m, 1] x [B, 1, n].
        Tensor[] first = {randn(dt, gen, b, m, 1), randn(dt, gen, b, 1, n)};
        int[] zeros = {0, 0};
        assertClose(loop(outer, first, zeros), Func.vmap(outer, zeros, 0).apply(first), tol(dt), "batch first");
        // Batch dim in the middle: [m, B, 1] and [1, B, n].
        Tensor[] middle = {randn(dt, gen, m, b, 1), randn(dt, gen, 1, b, n)};
        int[] ones = {1, 1};
        assertClose(loop(outer, middle, ones), Func.vmap(outer, ones, 0).apply(middle), tol(dt), "batch in the middle");
        // A shared row, the column batched in the middle, the result's batch dim in the middle.
        Tensor[] shared = {randn(dt, gen, m, b, 1), randn(dt, gen, 1, n)};
        int[] oneShared = {1, Func.UNBATCHED};
        assertClose(loop(outer, shared, oneShared).transpose(0, 1), Func.vmap(outer, oneShared, 1).apply(shared), tol(dt),
                "shared row");
        // The transposed view of a batched row (g^T of a per-example gradient [1, m]) times a row.
        Tensor[] transposed = {randn(dt, gen, b, 1, m), randn(dt, gen, b, 1, n)};
        TensorFunction gtx = x -> x[0].t().matmul(x[1]);
        assertClose(loop(gtx, transposed, zeros), Func.vmap(gtx, zeros, 0).apply(transposed), tol(dt), "g^T x");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void vmapOfASumOverSizeOneDimsEqualsTheLoop(DType dt, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Generator gen = new Generator(seed);
        long b = rnd.nextInt(1, 6);
        long n = rnd.nextInt(1, 50);
        int[] first = {0};
        int[] middle = {1};
        for (boolean keepDim : new boolean[] {false, true}) {
            List<TensorFunction> fs = List.of(x -> x[0].sum(new int[] {0}, keepDim), x -> x[0].mean(new int[] {0, 2}, keepDim),
                    x -> x[0].sum(new int[] {-3}, keepDim));
            for (TensorFunction f : fs) {
                // Per example [1, n, 1]; physically [B, 1, n, 1] and [1, B, n, 1].
                Tensor x0 = randn(dt, gen, b, 1, n, 1);
                Tensor x1 = randn(dt, gen, 1, b, n, 1);
                assertClose(loop(f, new Tensor[] {x0}, first), Func.vmap(f, first, 0).apply(x0), 0, "batch first");
                assertClose(loop(f, new Tensor[] {x1}, middle), Func.vmap(f, middle, 0).apply(x1), 0, "batch in the middle");
                Tensor copy = Func.vmap(f, first, 0).apply(x0);
                assertTrue(copy.isContiguous(), "the copy is contiguous");
            }
        }
        // A size-1 dim next to a larger one reduces for real: the rule's copy must not apply.
        TensorFunction mixed = x -> x[0].sum(new int[] {0, 1}, false);
        Tensor x = randn(dt, gen, b, 1, n, 3);
        assertClose(loop(mixed, new Tensor[] {x}, first), Func.vmap(mixed, first, 0).apply(x), tol(dt) * n, "mixed dims");
    }

    /** {@code x W} with a tangent on x: the stacked product against the plain rule's two products. */
    @ParameterizedTest
    @MethodSource("cases")
    void jvpOfAMatrixProductWithARowTangentEqualsTheTwoProducts(DType dt, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Generator gen = new Generator(seed);
        long k = rnd.nextInt(1, 60);
        long n = rnd.nextInt(1, 60);
        Tensor w = randn(dt, gen, k, n);
        TensorFunction f = x -> x[0].matmul(w);
        for (long[] shape : new long[][] {{rnd.nextInt(1, 40), k}, {rnd.nextInt(1, 4), rnd.nextInt(1, 9), k},
                {300, k}, {700, k}}) { // the last is past the stacking limit
            Tensor x = randn(dt, gen, shape);
            Tensor dx = randn(dt, gen, shape);
            Func.JvpResult r = Func.jvp(f, new Tensor[] {x}, new Tensor[] {dx});
            String what = Arrays.toString(shape);
            assertClose(x.matmul(w), r.output(), tol(dt), what + " output");
            assertClose(dx.matmul(w), r.tangent(), tol(dt), what + " tangent");
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void jvpOfALinearLayerMatchesCentralDifferences(DType dt, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Generator gen = new Generator(seed);
        long m = rnd.nextInt(1, 20);
        long k = rnd.nextInt(1, 30);
        long n = rnd.nextInt(1, 30);
        // The layer in float64 for the differences; then in dt through jvp.
        Tensor w = randn(DType.F64, gen, n, k);
        Tensor bias = randn(DType.F64, gen, n);
        Tensor x = randn(DType.F64, gen, m, k);
        Tensor dx = randn(DType.F64, gen, m, k);
        TensorFunction layer = a -> a[0].matmul(a[1].t()).add(a[2]).relu().matmul(a[1].narrow(1, 0, 1));
        double h = 1e-6;
        Tensor fd = layer.apply(new Tensor[] {x.add(dx.mul(h)), w, bias}).sub(layer.apply(new Tensor[] {x.sub(dx.mul(h)), w, bias}))
                .div(2 * h);
        Tensor wd = w.to(dt);
        Tensor bd = bias.to(dt);
        Func.JvpResult r = Func.jvp(a -> layer.apply(new Tensor[] {a[0], wd, bd}), new Tensor[] {x.to(dt)},
                new Tensor[] {dx.to(dt)});
        double t = dt == DType.F64 ? 1e-6 : 1e-3;
        assertTrue(fd.allClose(r.tangent().to(DType.F64), t, t), "want " + fd + ", got " + r.tangent());
    }

    /** vmap over jvp: the stacked product sees batched rows (batch first and in the middle). */
    @ParameterizedTest
    @MethodSource("cases")
    void vmapOfJvpEqualsTheLoop(DType dt, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Generator gen = new Generator(seed);
        long b = rnd.nextInt(1, 5);
        long m = rnd.nextInt(1, 10);
        long k = rnd.nextInt(1, 20);
        long n = rnd.nextInt(1, 20);
        Tensor w = randn(dt, gen, k, n);
        TensorFunction tangentOf = a -> Func.jvp(x -> x[0].matmul(w).tanh(), new Tensor[] {a[0]}, new Tensor[] {a[1]})
                .tangent();
        Tensor[] first = {randn(dt, gen, b, m, k), randn(dt, gen, b, m, k)};
        int[] zeros = {0, 0};
        assertClose(loop(tangentOf, first, zeros), Func.vmap(tangentOf, zeros, 0).apply(first), tol(dt), "batch first");
        Tensor[] middle = {randn(dt, gen, m, b, k), randn(dt, gen, m, k)};
        int[] mid = {1, Func.UNBATCHED};
        assertClose(loop(tangentOf, middle, mid), Func.vmap(tangentOf, mid, 0).apply(middle), tol(dt), "batch in the middle");
    }

    /** grad around jvp (the stacked product is recorded) and jvp around grad (forward over reverse). */
    @ParameterizedTest
    @MethodSource("cases")
    void stackedProductComposesWithGrad(DType dt, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Generator gen = new Generator(seed);
        long m = rnd.nextInt(1, 10);
        long k = rnd.nextInt(1, 20);
        long n = rnd.nextInt(1, 20);
        Tensor x = randn(dt, gen, m, k);
        Tensor dx = randn(dt, gen, m, k);
        Tensor w = randn(dt, gen, k, n);
        // d/dW of sum(tangent) = sum(dx W) is dx^T 1; of sum(output^2)/2 + sum(tangent) add x^T (x W).
        TensorFunction objective = a -> {
            Func.JvpResult r = Func.jvp(y -> y[0].matmul(a[0]), new Tensor[] {x}, new Tensor[] {dx});
            return r.output().square().sum().div(2).add(r.tangent().sum());
        };
        Tensor want = x.t().matmul(x.matmul(w)).add(dx.t().matmul(Tensor.ones(new long[] {m, n}, dt)));
        assertClose(want, Func.grad(objective).apply(w), tol(dt) * 10 * k, "grad of jvp");
        // jvp of grad w.r.t. x of sum((x W)^2)/2: grad = x W W^T, so the tangent is dx W W^T.
        TensorFunction gradX = a -> Func.grad(y -> y[0].matmul(w).square().sum().div(2)).apply(a[0]);
        Func.JvpResult r = Func.jvp(gradX, new Tensor[] {x}, new Tensor[] {dx});
        assertClose(dx.matmul(w).matmul(w.t()), r.tangent(), tol(dt) * 10 * k, "jvp of grad");
    }
}
