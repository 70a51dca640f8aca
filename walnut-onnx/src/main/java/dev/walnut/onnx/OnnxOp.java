package dev.walnut.onnx;

import dev.walnut.Tensor;

/**
 * How one ONNX op type runs: the node's inputs and attributes in, its outputs out, computed with
 * Walnut tensor ops only, so that every imported graph records on the gradient tape like code
 * written by hand. Outputs the node does not ask for may be null.
 */
@FunctionalInterface
interface OnnxOp {
    Tensor[] apply(NodeCall n);

    static Tensor[] one(Tensor t) {
        return new Tensor[] {t};
    }
}
