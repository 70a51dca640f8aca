package dev.walnut.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.walnut.Tensor;
import dev.walnut.autograd.CleanTapeExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every optimizer and option: three float64 steps on loss = sum(p^2) (grad 2p) against plain
 * double arithmetic following PyTorch's documented algorithms; parameter groups, maximize and the
 * state round trip.
 */
@ExtendWith(CleanTapeExtension.class)
class OptimizerTrajectoryTest {
    private static final double[] P0 = {1.0, -2.0, 0.5};

    /** A scalar reference: state per element, returns the next p from p and grad. */
    interface Ref {
        double next(double p, double g, int t);
    }

    private static Tensor param() {
        return Tensor.fromArray(P0.clone(), P0.length).setRequiresGrad(true);
    }

    private static void train(Optimizer opt, Tensor p, int steps) {
        for (int i = 0; i < steps; i++) {
            p.mul(p).sum().backward();
            opt.step();
            opt.zeroGrad();
        }
    }

    private static void assertTrajectory(java.util.function.Function<List<Tensor>, Optimizer> make,
            java.util.function.Supplier<Ref> ref) {
        Tensor p = param();
        Optimizer opt = make.apply(List.of(p));
        Ref[] refs = {ref.get(), ref.get(), ref.get()};
        double[] expected = P0.clone();
        for (int t = 1; t <= 3; t++) {
            train(opt, p, 1);
            for (int i = 0; i < expected.length; i++) {
                expected[i] = refs[i].next(expected[i], 2 * expected[i], t);
            }
            assertArrayEquals(expected, p.toDoubleArray(), 1e-12, "step " + t);
        }
    }

    // ------------------------------------------------------------------ SGD

    static Ref sgd(double lr, double mu, double damp, double wd, boolean nesterov, boolean maximize) {
        return new Ref() {
            Double buf;

            public double next(double p, double g, int t) {
                if (maximize) {
                    g = -g;
                }
                g += wd * p;
                if (mu != 0) {
                    buf = buf == null ? g : mu * buf + (1 - damp) * g;
                    g = nesterov ? g + mu * buf : buf;
                }
                return p - lr * g;
            }
        };
    }

    @Test
    void sgdWithMomentumDampeningAndWeightDecay() {
        assertTrajectory(ps -> SGD.builder().optLr(0.1).optMomentum(0.9).optDampening(0.3).optWeightDecay(0.05).build(ps),
                () -> sgd(0.1, 0.9, 0.3, 0.05, false, false));
    }

    @Test
    void sgdWithNesterov() {
        assertTrajectory(ps -> SGD.builder().optLr(0.1).optMomentum(0.9).optNesterov(true).build(ps),
                () -> sgd(0.1, 0.9, 0, 0, true, false));
    }

    @Test
    void sgdMaximizeAscends() {
        assertTrajectory(ps -> SGD.builder().optLr(0.1).optMomentum(0.5).optMaximize(true).build(ps),
                () -> sgd(0.1, 0.5, 0, 0, false, true));
    }

    @Test
    void nesterovWithoutMomentumIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> SGD.builder().optNesterov(true).build(List.of(param())));
    }

    // ------------------------------------------------------------------ Adam family

    static Ref adam(double lr, double b1, double b2, double eps, double wd, boolean decoupled, boolean amsgrad) {
        return new Ref() {
            double m, v, vmax;

            public double next(double p, double g, int t) {
                if (decoupled) {
                    p *= 1 - lr * wd;
                } else {
                    g += wd * p;
                }
                m = b1 * m + (1 - b1) * g;
                v = b2 * v + (1 - b2) * g * g;
                vmax = Math.max(vmax, v);
                double vv = amsgrad ? vmax : v;
                double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
                return p - lr / bc1 * m / (Math.sqrt(vv) / Math.sqrt(bc2) + eps);
            }
        };
    }

    @Test
    void adamWithL2WeightDecayAndAmsgrad() {
        assertTrajectory(ps -> Adam.builder().optLr(0.1).optBetas(0.8, 0.9).optWeightDecay(0.1).optAmsgrad(true).build(ps),
                () -> adam(0.1, 0.8, 0.9, 1e-8, 0.1, false, true));
    }

    @Test
    void adamWDecouplesWeightDecay() {
        assertTrajectory(ps -> AdamW.builder().optLr(0.1).optWeightDecay(0.2).build(ps),
                () -> adam(0.1, 0.9, 0.999, 1e-8, 0.2, true, false));
        assertTrajectory(ps -> new AdamW(ps, 0.05), () -> adam(0.05, 0.9, 0.999, 1e-8, 0.01, true, false));
    }

    @Test
    void adamaxUsesTheInfinityNorm() {
        assertTrajectory(ps -> Adamax.builder().optLr(0.1).optWeightDecay(0.1).build(ps), () -> new Ref() {
            double m, u;

            public double next(double p, double g, int t) {
                g += 0.1 * p;
                m = 0.9 * m + 0.1 * g;
                u = Math.max(0.999 * u, Math.abs(g) + 1e-8);
                return p - 0.1 / (1 - Math.pow(0.9, t)) * m / u;
            }
        });
    }

    @Test
    void nadamFollowsTheMuSchedule() {
        assertTrajectory(ps -> NAdam.builder().optLr(0.1).optMomentumDecay(0.004).build(ps), () -> new Ref() {
            double m, v, muProduct = 1;

            public double next(double p, double g, int t) {
                double mu = 0.9 * (1 - 0.5 * Math.pow(0.96, t * 0.004));
                double muNext = 0.9 * (1 - 0.5 * Math.pow(0.96, (t + 1) * 0.004));
                muProduct *= mu;
                m = 0.9 * m + 0.1 * g;
                v = 0.999 * v + 0.001 * g * g;
                double denom = Math.sqrt(v / (1 - Math.pow(0.999, t))) + 1e-8;
                p -= 0.1 * (1 - mu) / (1 - muProduct) * g / denom;
                return p - 0.1 * muNext / (1 - muProduct * muNext) * m / denom;
            }
        });
    }

    @Test
    void radamRectifiesOnlyWhenRhoExceedsFive() {
        for (double b2 : new double[] {0.999, 0.5}) {
            assertTrajectory(ps -> RAdam.builder().optLr(0.1).optBetas(0.9, b2).build(ps), () -> new Ref() {
                double m, v;

                public double next(double p, double g, int t) {
                    m = 0.9 * m + 0.1 * g;
                    v = b2 * v + (1 - b2) * g * g;
                    double bc1 = 1 - Math.pow(0.9, t), bc2 = 1 - Math.pow(b2, t);
                    double rhoInf = 2 / (1 - b2) - 1;
                    double rho = rhoInf - 2 * t * Math.pow(b2, t) / bc2;
                    if (rho > 5) {
                        double r = Math.sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                        return p - 0.1 * m / bc1 * r * Math.sqrt(bc2) / (Math.sqrt(v) + 1e-8);
                    }
                    return p - 0.1 * m / bc1;
                }
            });
        }
    }

    // ------------------------------------------------------------------ RMSprop, Adagrad, Adadelta

    static Ref rmsprop(double lr, double alpha, double eps, double wd, double mu, boolean centered) {
        return new Ref() {
            double v, gAvg, buf;

            public double next(double p, double g, int t) {
                g += wd * p;
                v = alpha * v + (1 - alpha) * g * g;
                double avg;
                if (centered) {
                    gAvg = alpha * gAvg + (1 - alpha) * g;
                    avg = Math.sqrt(v - gAvg * gAvg) + eps;
                } else {
                    avg = Math.sqrt(v) + eps;
                }
                if (mu > 0) {
                    buf = mu * buf + g / avg;
                    return p - lr * buf;
                }
                return p - lr * g / avg;
            }
        };
    }

    @Test
    void rmspropPlainAndWithMomentumCenteredAndDecay() {
        assertTrajectory(ps -> new RMSprop(ps, 0.01), () -> rmsprop(0.01, 0.99, 1e-8, 0, 0, false));
        assertTrajectory(ps -> RMSprop.builder().optLr(0.01).optAlpha(0.9).optMomentum(0.8).optCentered(true)
                .optWeightDecay(0.1).build(ps), () -> rmsprop(0.01, 0.9, 1e-8, 0.1, 0.8, true));
    }

    @Test
    void adagradWithLrDecayAndInitialAccumulator() {
        assertTrajectory(ps -> Adagrad.builder().optLr(0.1).optLrDecay(0.5).optInitialAccumulatorValue(0.2)
                .optWeightDecay(0.1).build(ps), () -> new Ref() {
                    double s = 0.2;

                    public double next(double p, double g, int t) {
                        g += 0.1 * p;
                        double clr = 0.1 / (1 + (t - 1) * 0.5);
                        s += g * g;
                        return p - clr * g / (Math.sqrt(s) + 1e-10);
                    }
                });
    }

    @Test
    void adadeltaDefaultsToLrOne() {
        assertTrajectory(ps -> Adadelta.builder().optRho(0.8).optWeightDecay(0.1).build(ps), () -> new Ref() {
            double v, u;

            public double next(double p, double g, int t) {
                g += 0.1 * p;
                v = 0.8 * v + 0.2 * g * g;
                double delta = Math.sqrt(u + 1e-6) / Math.sqrt(v + 1e-6) * g;
                u = 0.8 * u + 0.2 * delta * delta;
                return p - 1.0 * delta;
            }
        });
    }

    // ------------------------------------------------------------------ groups, state

    @Test
    void paramGroupsHaveTheirOwnLearningRate() {
        Tensor a = param();
        Tensor b = param();
        var sgd = SGD.builder().optLr(0.1).optMomentum(0.9).build(List.of(a));
        sgd.addParamGroup(List.of(b), Map.of("lr", 0.01));
        assertEquals(0.9, sgd.paramGroups().get(1).getDouble("momentum"), 0.0, "filled from the defaults");
        train(sgd, a, 1);
        b.mul(b).sum().backward();
        sgd.step();
        sgd.zeroGrad();
        // a: after its first step 0.8 * P0 (lr 0.1); its second step from b's backward has no grad (zeroed),
        // so a moves by momentum only: buf = 0.9 * 2 P0 + 0 = 1.8 P0, p = 0.8 P0 - 0.18 P0.
        assertArrayEquals(new double[] {0.62, -1.24, 0.31}, a.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0.98, -1.96, 0.49}, b.toDoubleArray(), 1e-12);
    }

    @Test
    void aParameterInTwoGroupsIsRejected() {
        Tensor a = param();
        var sgd = new SGD(List.of(a), 0.1);
        assertThrows(IllegalArgumentException.class, () -> sgd.addParamGroup(List.of(a), Map.of()));
    }

    @Test
    void stateRoundTripContinuesTheExactTrajectory() {
        for (var make : List.<java.util.function.Function<List<Tensor>, Optimizer>>of(
                ps -> Adam.builder().optLr(0.1).optAmsgrad(true).build(ps),
                ps -> SGD.builder().optLr(0.1).optMomentum(0.9).build(ps),
                ps -> NAdam.builder().optLr(0.1).build(ps),
                ps -> RMSprop.builder().optLr(0.01).optCentered(true).optMomentum(0.5).build(ps))) {
            Tensor p = param();
            Optimizer opt = make.apply(List.of(p));
            train(opt, p, 2);
            var saved = opt.stateDict();
            double[] atSave = p.toDoubleArray();
            train(opt, p, 2);
            double[] uninterrupted = p.toDoubleArray();

            Tensor q = Tensor.fromArray(atSave, atSave.length).setRequiresGrad(true);
            Optimizer resumed = make.apply(List.of(q));
            resumed.loadStateDict(saved);
            train(resumed, q, 2);
            assertArrayEquals(uninterrupted, q.toDoubleArray(), 0.0, resumed.getClass().getSimpleName());
        }
    }

    @Test
    void stateDictRestoresGroupLearningRates() {
        Tensor p = param();
        var sgd = new SGD(List.of(p), 0.1);
        sgd.setLr(0.05);
        var saved = sgd.stateDict();
        var other = new SGD(List.of(param()), 0.1);
        other.loadStateDict(saved);
        assertEquals(0.05, other.lr(), 0.0);
    }
}
