package dev.walnut.optim.lr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.walnut.Tensor;
import dev.walnut.optim.Adagrad;
import dev.walnut.optim.Adam;
import dev.walnut.optim.Optimizer;
import dev.walnut.optim.SGD;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** OneCycleLR momentum cycling, three phases and per-group peaks; ChainedScheduler; state round trips. */
class SchedulerMoreTest {
    private static Tensor param() {
        return Tensor.fromArray(new double[] {1.0}, 1).setRequiresGrad(true);
    }

    private static SGD sgd(double lr) {
        return new SGD(List.of(param()), lr);
    }

    /** The value of {@code read} for group 0 at epochs 0 .. n-1. */
    private static double[] trace(LRScheduler s, Optimizer o, int n, Function<Optimizer, Double> read) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = read.apply(o);
            if (i < n - 1) {
                s.step();
            }
        }
        return out;
    }

    private static double momentum(Optimizer o) {
        return o.paramGroups().get(0).getDouble("momentum");
    }

    @Test
    void oneCycleCyclesSgdMomentumByDefault() {
        var o = sgd(1.0);
        // totalSteps 10, pctStart 0.3: phase 1 ends at step 2 (momentum 0.95 -> 0.85), phase 2 at step 9 (0.85 -> 0.95).
        double[] e = new double[10];
        for (int t = 0; t < 10; t++) {
            e[t] = t <= 2 ? 0.85 + 0.1 / 2 * (Math.cos(Math.PI * t / 2.0) + 1)
                    : 0.95 + (0.85 - 0.95) / 2 * (Math.cos(Math.PI * (t - 2) / 7.0) + 1);
        }
        var s = new OneCycleLR(o, 0.1, 10);
        assertArrayEquals(e, trace(s, o, 10, SchedulerMoreTest::momentum), 1e-15);
        assertEquals(0.95, e[0], 1e-15);
        assertEquals(0.90, e[1], 1e-15);
        assertEquals(0.85, e[2], 1e-15);
        assertEquals(0.95, e[9], 1e-15);
    }

    @Test
    void oneCycleCyclesAdamBeta1AndRejectsOptimizersWithoutMomentum() {
        var adam = new Adam(List.of(param()), 1e-3);
        var s = new OneCycleLR(adam, new double[] {0.1}, 10, 0.3, false, true, 0.8, 0.9, 25, 1e4, false);
        double[] beta1 = trace(s, adam, 4, o -> o.paramGroups().get(0).getDouble("beta1"));
        // linear: 0.9, 0.85, 0.8 over steps 0..2, then 0.8 + 0.1 * (t - 2) / 7
        assertArrayEquals(new double[] {0.9, 0.85, 0.8, 0.8 + 0.1 / 7}, beta1, 1e-15);
        assertEquals(0.999, adam.paramGroups().get(0).getDouble("beta2"), 0.0);

        var ada = new Adagrad(List.of(param()), 0.1);
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(ada, 0.1, 10));
        var ok = new OneCycleLR(ada, new double[] {0.1}, 10, 0.3, true, false, 0.85, 0.95, 25, 1e4, false);
        assertEquals(0.004, ok.getLastLr().get(0), 1e-15);
        assertEquals(false, ada.paramGroups().get(0).options().containsKey("momentum"));
    }

    @Test
    void oneCycleThreePhaseLinear() {
        var o = sgd(1.0);
        // maxLr 1, divFactor 25, finalDivFactor 1e4: initial 0.04, min 4e-6; phase ends 2, 4, 9.
        var s = new OneCycleLR(o, new double[] {1.0}, 10, 0.3, false, true, 0.85, 0.95, 25, 1e4, true);
        double[] lr = new double[10];
        double[] mom = new double[10];
        for (int t = 0; t < 10; t++) {
            lr[t] = o.lr();
            mom[t] = momentum(o);
            if (t < 9) {
                s.step();
            }
        }
        double[] eLr = {0.04, 0.52, 1.0, 0.52, 0.04, 0, 0, 0, 0, 0};
        for (int t = 5; t < 10; t++) {
            eLr[t] = 0.04 + (4e-6 - 0.04) * (t - 4) / 5.0;
        }
        assertArrayEquals(eLr, lr, 1e-15);
        assertEquals(4e-6, lr[9], 1e-15);
        assertArrayEquals(new double[] {0.95, 0.9, 0.85, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95}, mom, 1e-15);
    }

    @Test
    void oneCyclePerGroupMaxLr() {
        var o = sgd(1.0);
        o.addParamGroup(List.of(param()), Map.of());
        var s = new OneCycleLR(o, new double[] {0.1, 0.2}, 10, 0.3, false, true, 0.85, 0.95, 25, 1e4, false);
        assertEquals(List.of(0.004, 0.008), s.getLastLr());
        s.step();
        s.step();
        assertEquals(0.1, s.getLastLr().get(0), 1e-15);
        assertEquals(0.2, s.getLastLr().get(1), 1e-15);
        assertEquals(0.85, o.paramGroups().get(1).getDouble("momentum"), 1e-15);
        assertThrows(IllegalArgumentException.class,
                () -> new OneCycleLR(sgd(1.0), new double[] {0.1, 0.2, 0.3}, 10));
    }

    @Test
    void chainedExponentialAndStep() {
        var o = sgd(1.0);
        var s = new ChainedScheduler(o, List.of(new ExponentialLR(o, 0.9), new StepLR(o, 2, 0.5)));
        // lr = 0.9^t * 0.5^floor(t / 2)
        assertArrayEquals(new double[] {1, 0.9, 0.405, 0.3645, 0.164025}, trace(s, o, 5, Optimizer::lr), 1e-15);
        o = sgd(2.0);
        var c = new ChainedScheduler(o, List.of(new LinearLR(o, 0.5, 1.0, 2), new MultiStepLR(o, new int[] {1, 3}, 0.1)));
        // 2 * {0.5, 0.75, 1, 1} * {1, 0.1, 0.1, 0.01}
        assertArrayEquals(new double[] {1.0, 0.15, 0.2, 0.02}, trace(c, o, 4, Optimizer::lr), 1e-15);
        var o2 = sgd(1.0);
        assertThrows(IllegalArgumentException.class,
                () -> new ChainedScheduler(o2, List.of(new CosineAnnealingLR(o2, 4, 0.0))));
    }

    @Test
    void stateDictRoundTripContinuesTheSequence() {
        var ref = sgd(1.0);
        var refSched = new OneCycleLR(ref, 0.1, 10);
        double[] expectedLr = trace(refSched, ref, 10, Optimizer::lr);
        var ref2 = sgd(1.0);
        double[] expectedMom = trace(new OneCycleLR(ref2, 0.1, 10), ref2, 10, SchedulerMoreTest::momentum);

        var o = sgd(1.0);
        var s = new OneCycleLR(o, 0.1, 10);
        for (int i = 0; i < 4; i++) {
            s.step();
        }
        Map<String, Object> state = s.stateDict();
        var o2 = sgd(1.0);
        var s2 = new OneCycleLR(o2, 0.1, 10);
        s2.loadStateDict(state);
        assertEquals(4, s2.lastEpoch());
        for (int t = 4; t < 10; t++) {
            assertEquals(expectedLr[t], o2.lr(), 0.0, "lr at " + t);
            assertEquals(expectedMom[t], momentum(o2), 0.0, "momentum at " + t);
            if (t < 9) {
                s2.step();
            }
        }

        var p = sgd(1.0);
        var step = new StepLR(p, 2, 0.5);
        step.step();
        step.step();
        step.step();
        var p2 = sgd(1.0);
        var step2 = new StepLR(p2, 2, 0.5);
        step2.loadStateDict(step.stateDict());
        assertEquals(0.5, p2.lr(), 0.0);
        assertArrayEquals(new double[] {0.5, 0.25, 0.25, 0.125}, trace(step2, p2, 4, Optimizer::lr), 1e-15);
    }
}
