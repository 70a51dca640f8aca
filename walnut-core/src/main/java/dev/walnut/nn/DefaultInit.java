package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.nn.init.Init;

/** Default initialisations shared by several layers. */
final class DefaultInit {
    private DefaultInit() {
    }

    /**
     * PyTorch's {@code reset_parameters} of Linear and the convolutions: Kaiming-uniform weight
     * with a = sqrt(5) (a bound of 1/sqrt(fanIn)) and a bias uniform in +-1/sqrt(fanIn).
     */
    static void kaimingUniformWithBias(Tensor weight, Tensor bias) {
        Init.kaimingUniform(weight, Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, null);
        if (bias != null) {
            long fanIn = Init.fans(weight)[0];
            double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0.0;
            Init.uniform(bias, -bound, bound);
        }
    }
}
