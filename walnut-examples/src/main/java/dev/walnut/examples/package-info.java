/**
 * Small runnable programs, one file each, with a {@code main} and a {@code run} method that
 * returns what the program measured (each is run by a test in this module):
 * <ul>
 *   <li>{@link dev.walnut.examples.LinearRegression}: fitting a line with the gradient tape rules
 *       of the seed guide (context 0 and {@code zeroGrad}; a custom context and {@code clearTape});</li>
 *   <li>{@link dev.walnut.examples.MlpClassifier}: an MLP on the Fashion-MNIST sample;</li>
 *   <li>{@link dev.walnut.examples.CnnClassifier}: a small convolutional network on the same data;</li>
 *   <li>{@link dev.walnut.examples.CustomFunction}: a differentiable op of your own, checked with
 *       {@code GradCheck} and trained through;</li>
 *   <li>{@link dev.walnut.examples.TwoModels}: two models trained side by side on two tapes;</li>
 *   <li>{@link dev.walnut.examples.SaveAndLoad}: weights to safetensors and back, and a checkpoint
 *       with the optimizer's state.</li>
 * </ul>
 *
 * <p>Run one from the repository root (the README's "Examples" section says the same):
 * <pre>
 * mvn -q -pl walnut-examples -am compile
 * java --add-modules jdk.incubator.vector \
 *     -cp walnut-core/target/classes:walnut-datasets/target/classes:walnut-examples/target/classes \
 *     dev.walnut.examples.MlpClassifier
 * </pre>
 */
package dev.walnut.examples;
