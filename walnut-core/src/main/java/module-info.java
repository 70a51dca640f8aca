/**
 * Walnut: n-dimensional tensors with reverse-mode autograd on gradient tapes, neural-network
 * modules, optimizers, data loading and tensor files, in pure Java with no dependency beyond the
 * JDK. On the class path nothing here matters; on the module path, {@code requires dev.walnut;}.
 *
 * <p>Exported are the API packages and {@code dev.walnut.backend}, the seam another back end
 * implements. The CPU kernels, the Vector API provider and {@code dev.walnut.internal} stay
 * inside; the CPU kernels open only to the optional native-BLAS module, which plugs in a
 * {@code GemmProvider}. The Vector API ({@code jdk.incubator.vector}) is optional: start the JVM
 * with {@code --add-modules jdk.incubator.vector} to use it.
 *
 * <pre>{@code
 * module my.app {
 *     requires dev.walnut;
 * }
 * }</pre>
 */
@SuppressWarnings("module") // dev.walnut.blas is optional and not built before this module
module dev.walnut {
    requires static jdk.incubator.vector;

    exports dev.walnut;
    exports dev.walnut.autograd;
    exports dev.walnut.backend;
    exports dev.walnut.data;
    exports dev.walnut.dispatch;
    exports dev.walnut.func;
    exports dev.walnut.graph;
    exports dev.walnut.io;
    exports dev.walnut.nn;
    exports dev.walnut.nn.functional;
    exports dev.walnut.nn.init;
    exports dev.walnut.ops;
    exports dev.walnut.optim;
    exports dev.walnut.optim.lr;
    exports dev.walnut.profiler;

    exports dev.walnut.backend.cpu to dev.walnut.blas;

    uses dev.walnut.backend.cpu.GemmProvider;
    // Data shipped in jars of their own: walnut-datasets' Fashion-MNIST sample (FashionMnist.bundledSample).
    uses dev.walnut.data.BundledData;
}
