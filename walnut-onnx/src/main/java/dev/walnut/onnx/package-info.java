/**
 * ONNX import: {@link dev.walnut.onnx.Onnx#load(java.nio.file.Path)} reads a model file (opsets
 * 13 to 18) into an {@link dev.walnut.onnx.OnnxModel}, a {@link dev.walnut.nn.Module} whose
 * nodes run through Walnut tensor ops and whose floating-point initializers are trainable
 * parameters. Every problem with a file is an {@link dev.walnut.onnx.OnnxException} naming the
 * file, node and shapes.
 *
 * <pre>{@code
 * OnnxModel model = Onnx.load(Path.of("resnet18.onnx"));
 * Tensor logits = model.forward(Tensor.randn(1, 3, 224, 224));
 * }</pre>
 */
package dev.walnut.onnx;
