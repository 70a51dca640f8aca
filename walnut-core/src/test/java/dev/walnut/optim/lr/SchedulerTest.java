package dev.walnut.optim.lr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.Tensor;
import dev.walnut.optim.Clip;
import dev.walnut.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each schedule's learning-rate sequence against its closed form, and gradient clipping. */
class SchedulerTest {
    private static SGD sgd(double lr) {
        return new SGD(List.of(Tensor.fromArray(new double[] {1.0}, 1).setRequiresGrad(true)), lr);
    }

    private static double[] run(LRScheduler s, SGD opt, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = opt.lr();
            assertEquals(out[i], s.getLastLr().get(0), 0.0);
            if (i < n - 1) {
                s.step();
            }
        }
        return out;
    }

    @Test
    void stepMultiStepExponential() {
        var o = sgd(1.0);
        assertArrayEquals(new double[] {1, 1, 0.5, 0.5, 0.25}, run(new StepLR(o, 2, 0.5), o, 5), 1e-15);
        o = sgd(1.0);
        assertArrayEquals(new double[] {1, 0.1, 0.1, 0.01, 0.01}, run(new MultiStepLR(o, new int[] {3, 1}, 0.1), o, 5), 1e-15);
        o = sgd(2.0);
        assertArrayEquals(new double[] {2, 1, 0.5}, run(new ExponentialLR(o, 0.5), o, 3), 1e-15);
    }

    @Test
    void cosineAnnealingAndWarmRestarts() {
        var o = sgd(1.0);
        double[] e = new double[5];
        for (int t = 0; t < 5; t++) {
            e[t] = 0.1 + 0.9 * (1 + Math.cos(Math.PI * t / 4)) / 2;
        }
        assertArrayEquals(e, run(new CosineAnnealingLR(o, 4, 0.1), o, 5), 1e-15);
        o = sgd(1.0);
        int[][] curAndLen = {{0, 2}, {1, 2}, {0, 4}, {1, 4}, {2, 4}, {3, 4}, {0, 8}};
        double[] w = new double[curAndLen.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (1 + Math.cos(Math.PI * curAndLen[i][0] / curAndLen[i][1])) / 2;
        }
        assertArrayEquals(w, run(new CosineAnnealingWarmRestarts(o, 2, 2, 0.0), o, 7), 1e-15);
    }

    @Test
    void linearWarmupThenCosineInSequence() {
        var o = sgd(1.0);
        var warm = new LinearLR(o, 0.25, 1.0, 3);
        var cos = new CosineAnnealingLR(o, 2);
        var seq = new SequentialLR(o, List.of(warm, cos), new int[] {3});
        assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1.0, 0.5, 0.0}, run(seq, o, 6), 1e-15);
    }

    @Test
    void lambdaLr() {
        var o = sgd(3.0);
        assertArrayEquals(new double[] {3, 1.5, 1}, run(new LambdaLR(o, e -> 1.0 / (1 + e)), o, 3), 1e-15);
    }

    @Test
    void oneCycleCosAndLinear() {
        var o = sgd(1.0);
        // totalSteps 10, pctStart 0.3: phase 1 ends at step 2, phase 2 at step 9.
        double init = 0.1 / 25, min = init / 1e4;
        double[] e = new double[10];
        for (int t = 0; t < 10; t++) {
            e[t] = t <= 2 ? 0.1 + (init - 0.1) / 2 * (Math.cos(Math.PI * t / 2.0) + 1)
                    : min + (0.1 - min) / 2 * (Math.cos(Math.PI * (t - 2) / 7.0) + 1);
        }
        assertArrayEquals(e, run(new OneCycleLR(o, 0.1, 10), o, 10), 1e-15);
        o = sgd(1.0);
        for (int t = 0; t < 10; t++) {
            e[t] = t <= 2 ? init + (0.1 - init) * t / 2.0 : 0.1 + (min - 0.1) * (t - 2) / 7.0;
        }
        assertArrayEquals(e, run(new OneCycleLR(o, 0.1, 10, 0.3, false, 25, 1e4), o, 10), 1e-15);
    }

    @Test
    void reduceOnPlateauWithPatienceCooldownAndMinLr() {
        var o = sgd(1.0);
        var s = new ReduceLROnPlateau(o, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 0.1, false, 1, 0.3);
        double[] metrics = {10, 9.5, 9.5, 5, 5, 5, 5, 5, 5};
        // 10 best; 9.5 not < 10 * 0.9 (bad 1); 9.5 bad 2 > 1 -> 0.5, cooldown 1; 5 better, cooldown ends;
        // 5 bad 1; 5 bad 2 -> 0.3 (0.25 floored at minLr); then 0.3 -> max(0.15, 0.3) is no change
        double[] expected = {1, 1, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3};
        for (int i = 0; i < metrics.length; i++) {
            s.step(metrics[i]);
            assertEquals(expected[i], o.lr(), 1e-15, "epoch " + i);
        }
    }

    @Test
    void clipping() {
        Tensor a = Tensor.fromArray(new double[] {1, 1}, 2).setRequiresGrad(true);
        Tensor b = Tensor.fromArray(new double[] {1}, 1).setRequiresGrad(true);
        a.mul(Tensor.fromArray(new double[] {3, 0}, 2)).sum().add(b.mul(4.0).sum()).backward();
        double norm = Clip.clipGradNorm(List.of(a, b), 1.0, 2.0);
        assertEquals(5.0, norm, 1e-12);
        double c = 1.0 / (5.0 + 1e-6);
        assertArrayEquals(new double[] {3 * c, 0}, a.grad().toDoubleArray(), 1e-12);
        assertEquals(Clip.clipGradNorm(List.of(a, b), 10.0, Double.POSITIVE_INFINITY), 4 * c, 1e-12);
        Clip.clipGradValue(List.of(a, b), 0.7);
        assertArrayEquals(new double[] {0.6, 0}, a.grad().toDoubleArray(), 1e-5);
        assertArrayEquals(new double[] {0.7}, b.grad().toDoubleArray(), 1e-12);
    }
}
