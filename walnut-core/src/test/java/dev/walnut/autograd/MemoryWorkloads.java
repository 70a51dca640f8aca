package dev.walnut.autograd;

import dev.walnut.DType;
import dev.walnut.Generator;
import dev.walnut.Tensor;
import dev.walnut.nn.Linear;
import dev.walnut.nn.Module;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.SGD;

/**
 * The PyTorch habits that leaked while a context's tape owned every graph (issue 11), as
 * workloads with a size: small in the default suite ({@link GraphOwnershipTest}), full size in
 * the soak profile ({@link GraphOwnershipSoakTest}, {@code mvn -Psoak test}). Each reports what a
 * leak or a quadratic backward would show: heap after a collection, live graph nodes, nodes a
 * backward visited, and time per quarter of the run.
 */
final class MemoryWorkloads {
    private MemoryWorkloads() {
    }

    /**
     * Measurements at the end of each quarter of a run: heap and live saved bytes after a
     * collection, nodes the last backward visited (for inference: the nodes one forward
     * records), elapsed time; and the saved bytes one step's graph holds before it is dropped.
     */
    static final class Quarters {
        final long[] heapBytes = new long[4];
        final long[] savedBytes = new long[4];
        final int[] visited = new int[4];
        final long[] nanos = new long[4];
        long oneStepSavedBytes;

        long[] heapBytes() {
            return heapBytes;
        }

        long[] savedBytes() {
            return savedBytes;
        }

        int[] visited() {
            return visited;
        }

        long[] nanos() {
            return nanos;
        }

        long oneStepSavedBytes() {
            return oneStepSavedBytes;
        }
    }

    static Module mlp(Generator gen) {
        var model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
        for (Tensor p : model.parameters()) {
            try (var off = Autograd.noGrad()) {
                p.copyInPlace(Tensor.randn(p.shape(), DType.F32, gen).mul(0.05));
            }
        }
        return model;
    }

    /** {@code model.forward(x)} in a loop without {@code noGrad()}, on a fresh thread's context 0. */
    static Quarters inferenceWithoutNoGrad(int forwards) throws Exception {
        return onFreshThread(() -> {
            var gen = new Generator(11);
            Module model = mlp(gen);
            Tensor x = Tensor.randn(new long[] {64, 784}, DType.F32, gen);
            var q = new Quarters();
            long t0 = System.nanoTime();
            for (int i = 1; i <= forwards; i++) {
                Tensor y = model.forward(x);
                if (!y.requiresGrad()) {
                    throw new AssertionError("the forward was not recorded");
                }
                if (i == 1) {
                    q.oneStepSavedBytes = GradientContext.current().savedBytes();
                }
                quarterEnd(q, i, forwards, t0, (int) (GradientContext.current().tapeSize() / i));
            }
            return q;
        });
    }

    /** A training loop that calls only {@code model.zeroGrad()} (never clears the tape). */
    static Quarters trainWithModuleZeroGradOnly(int steps) throws Exception {
        return onFreshThread(() -> {
            var gen = new Generator(12);
            Module model = mlp(gen);
            var opt = new SGD(model.parameters(), 0.01);
            Tensor x = Tensor.randn(new long[] {64, 784}, DType.F32, gen);
            Tensor target = Tensor.randint(0, 10, new long[] {64}, gen);
            var q = new Quarters();
            long t0 = System.nanoTime();
            for (int i = 1; i <= steps; i++) {
                model.zeroGrad();
                Tensor loss = Losses.crossEntropy(model.forward(x), target);
                loss.backward();
                opt.step();
                quarterEnd(q, i, steps, t0, ThreadState.get().lastBackwardVisited);
            }
            return q;
        });
    }

    /** Fits y = 2x + 1 by hand: backward, an update under noGrad, grads set to null; never clears. */
    static Quarters manualSgdWithoutClearTape(int iterations) throws Exception {
        return onFreshThread(() -> {
            var gen = new Generator(13);
            Tensor x = Tensor.randn(new long[] {16, 1}, DType.F32, gen);
            Tensor y = x.mul(2.0).add(1.0);
            Tensor w = Tensor.zeros(1, 1).setRequiresGrad(true);
            Tensor b = Tensor.zeros(1).setRequiresGrad(true);
            var q = new Quarters();
            long t0 = System.nanoTime();
            for (int i = 1; i <= iterations; i++) {
                Tensor loss = x.matmul(w).add(b).sub(y).square().mean();
                loss.backward();
                try (var off = Autograd.noGrad()) {
                    w.subInPlace(w.grad().mul(0.1));
                    b.subInPlace(b.grad().mul(0.1));
                }
                w.setGrad(null);
                b.setGrad(null);
                quarterEnd(q, i, iterations, t0, ThreadState.get().lastBackwardVisited);
            }
            return q;
        });
    }

    private static void quarterEnd(Quarters q, int i, int n, long t0, int visited) {
        if (i % (n / 4) != 0 || i / (n / 4) > 4) {
            return;
        }
        int k = i / (n / 4) - 1;
        q.nanos[k] = System.nanoTime() - t0;
        q.visited[k] = visited;
        q.heapBytes[k] = heapAfterGc();
        q.savedBytes[k] = GradientContext.current().savedBytes();
    }

    /** Used heap after collections; waits a little so the reference queue (savedBytes()) is current too. */
    static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int k = 0; k < 3; k++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    interface Body<T> {
        T run() throws Exception;
    }

    /** A fresh thread has a fresh context 0, so nothing another test left there is counted. */
    static <T> T onFreshThread(Body<T> body) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                result[0] = body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "memory-workload");
        t.start();
        t.join();
        if (failure[0] instanceof Exception e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }
}
