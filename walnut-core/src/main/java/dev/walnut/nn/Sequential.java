package dev.walnut.nn;

import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Modules applied one after another; children are named {@code 0, 1, ...}.
 *
 * <p>In grad mode a {@link ReLU} followed by a {@link MaxPool2d} runs as the pooling, then the
 * ReLU: ReLU is monotone, so the max of the ReLUs is the ReLU of the max, with the same bits, and
 * the gradients are the same bits too (where a window's max is positive both orders pass it to
 * the same element, the first maximum; where it is not, zero either way). The ReLU and its
 * backward then run on the pooled values, a quarter of them for 2x2 windows: the benchmark CNN's
 * eager training step skips two passes over its largest activation. Under no-grad (inference,
 * and the compiler's tracing) the order stays: a compiled inference graph applies the ReLU in the
 * convolution's store, for nothing, and the compiler's {@code MaxPoolReluSwap} moves it in
 * training graphs. Only the two exact classes swap (a subclass may do something else).
 *
 * <pre>{@code
 * var mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 * Tensor y = mlp.forward(x);          // parameters: 0.weight, 0.bias, 2.weight, 2.bias
 * }</pre>
 */
public class Sequential extends Module implements Iterable<Module> {
    private final transient List<Module> layers = new ArrayList<>();

    /** Registers the layers under the names "0", "1", ... and runs them in that order. */
    public Sequential(Module... layers) {
        for (Module m : layers) {
            add(m);
        }
    }

    /** Appends a module; returns this. */
    public Sequential add(Module module) {
        if (module == null) {
            throw new IllegalArgumentException("Sequential.add: module is null");
        }
        layers.add(module);
        return this;
    }

    /** The i-th module (negative counts from the end). */
    public Module get(int i) {
        return layers.get(i < 0 ? layers.size() + i : i);
    }

    /** The number of layers. */
    public int size() {
        return layers.size();
    }

    @Override
    public Iterator<Module> iterator() {
        return List.copyOf(layers).iterator();
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            if (m.getClass() == ReLU.class && i + 1 < layers.size() && layers.get(i + 1).getClass() == MaxPool2d.class
                    && Autograd.isGradEnabled()) {
                x = m.forward(layers.get(++i).forward(x));
            } else {
                x = m.forward(x);
            }
        }
        return x;
    }

    @Override
    Map<String, Module> containerChildren() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            out.put(Integer.toString(i), layers.get(i));
        }
        return out;
    }
}
