package dev.walnut.optim;

import dev.walnut.Tensor;
import java.util.List;

/**
 * Stochastic gradient descent: {@code p -= lr * grad}, with optional momentum and weight decay
 * following PyTorch's {@code torch.optim.SGD} (momentum buffer {@code b = mu * b + (1 - dampening) * g},
 * initialised to {@code g} on the first step).
 *
 * <pre>{@code
 * var sgd = new SGD(0.01);                       // seed style: sgd.step(params); sgd.zeroGrad(params);
 * var sgd2 = new SGD(model.parameters(), 0.1, 0.9);   // with momentum
 * }</pre>
 */
public class SGD extends Optimizer {
    private final double momentum;
    private final double weightDecay;

    /** Plain SGD for the seed style. */
    public SGD(double lr) {
        this(List.of(), lr, 0.0, 0.0);
    }

    /** Plain SGD over {@code params}. */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0.0, 0.0);
    }

    /** SGD with momentum over {@code params}. */
    public SGD(List<Tensor> params, double lr, double momentum) {
        this(params, lr, momentum, 0.0);
    }

    /** SGD with momentum and L2 weight decay. */
    public SGD(List<Tensor> params, double lr, double momentum, double weightDecay) {
        super(params, lr);
        if (momentum < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("SGD: momentum and weightDecay must be >= 0, got " + momentum + " and "
                    + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamState state) {
        Tensor g = weightDecay != 0 ? grad.add(param, weightDecay) : grad;
        if (momentum != 0) {
            Tensor buf = state.buffers.get("momentum_buffer");
            if (buf == null) {
                buf = g.clone();
                state.buffers.put("momentum_buffer", buf);
            } else {
                buf.mulInPlace(momentum).addInPlace(g);
            }
            g = buf;
        }
        param.addInPlace(g, -lr);
    }
}
