package dev.walnut.ops;

import dev.walnut.Tensor;
import dev.walnut.dispatch.Dispatcher;
import java.util.Arrays;

/**
 * A one-output op that is linear in its first input, its other inputs (indices, masks) fixed:
 * views, slices, padding, im2col, pooling sums, unpooling. Its forward rule is the op itself
 * applied to the tangent of the first input, and its reverse rule reads only the other inputs,
 * which are what it saves.
 */
abstract class LinearOp<A> extends OpDef<A> {

    LinearOp(String name, String node) {
        super(name, 1, node);
    }


    @Override
    public Tensor[] save(A attrs, Tensor[] in, Tensor[] out) {
        return in.length > 1 ? Arrays.copyOfRange(in, 1, in.length) : Specs.NONE;
    }

    @Override
    public Tensor[] jvp(A attrs, Tensor[] in, Tensor[] out, Tensor[] t) {
        if (t[0] == null) {
            return Specs.one(null);
        }
        Tensor[] args = in.clone();
        args[0] = t[0];
        return Specs.one(Dispatcher.call(this, attrs, args));
    }
}
