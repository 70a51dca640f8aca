package dev.walnut.autograd;

import dev.walnut.Tensor;
import java.util.Arrays;

/**
 * What {@link Autograd#vjp}, {@link Autograd#jvp} and {@link Autograd#hvp} return, like the
 * {@code (func_output, product)} pair of {@code torch.autograd.functional}: the function's value
 * and the product, both detached from any graph.
 *
 * <pre>{@code
 * // torch.autograd.functional.vjp(lambda x: x ** 2, x, v)
 * ValueAndProduct r = Autograd.vjp(t -> t.pow(2), x, v);
 * r.value();      // x^2
 * r.product();    // 2 x v
 * }</pre>
 *
 * @param value    {@code f(inputs)}
 * @param products for {@code vjp} and {@code hvp} one tensor per input, shaped like it; for
 *                 {@code jvp} one tensor shaped like {@code value}
 */
public record ValueAndProduct(Tensor value, Tensor[] products) {

    /**
     * The only product: that of the single input ({@code vjp}, {@code hvp}) or the
     * {@code jvp}.
     *
     * <pre>{@code
     * Tensor hv = Autograd.hvp(t -> t.pow(3).sum(), x, v).product();
     * }</pre>
     *
     * @throws IllegalStateException when there is one product per input and several inputs
     */
    public Tensor product() {
        if (products.length != 1) {
            throw new IllegalStateException("product(): there are " + products.length
                    + " products, one per input; read them with products()[i]");
        }
        return products[0];
    }

    /**
     * The product of input {@code i}.
     *
     * <pre>{@code
     * Tensor dy = Autograd.vjp(in -> in[0].mul(in[1]), new Tensor[] {x, y}, v).product(1);  // v * x
     * }</pre>
     */
    public Tensor product(int i) {
        return products[i];
    }

    @Override
    public String toString() {
        return "ValueAndProduct(value=" + value + ", products=" + Arrays.toString(products) + ")";
    }
}
