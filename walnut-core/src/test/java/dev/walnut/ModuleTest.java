package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The compiled {@code module-info} (the suite itself runs on the class path): it exports the API
 * packages and the back-end seam, nothing else, and the library works as a named module loaded
 * into its own layer, the way a modular application sees it.
 */
class ModuleTest {
    private static final Set<String> API = Set.of("dev.walnut", "dev.walnut.autograd", "dev.walnut.backend",
            "dev.walnut.data", "dev.walnut.dispatch", "dev.walnut.func", "dev.walnut.graph", "dev.walnut.io", "dev.walnut.nn", "dev.walnut.nn.functional",
            "dev.walnut.nn.init", "dev.walnut.ops", "dev.walnut.optim", "dev.walnut.optim.lr",
            "dev.walnut.profiler");

    private static Path classes() {
        Path p = Path.of("target/classes");
        assertTrue(Files.exists(p.resolve("module-info.class")), "no module-info.class under " + p.toAbsolutePath());
        return p;
    }

    private static ModuleDescriptor descriptor() {
        return ModuleFinder.of(classes()).find("dev.walnut").orElseThrow().descriptor();
    }

    @Test
    void exportsExactlyTheApiPackages() {
        ModuleDescriptor d = descriptor();
        Set<String> open = d.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(API), open);
        Set<String> hidden = new TreeSet<>(d.packages());
        hidden.removeAll(API);
        assertEquals(Set.of("dev.walnut.backend.cpu", "dev.walnut.backend.vector", "dev.walnut.internal"), hidden,
                "a new package must be exported (API) or listed here as internal");
        assertTrue(d.exports().stream().anyMatch(e -> e.source().equals("dev.walnut.backend.cpu")
                && e.targets().equals(Set.of("dev.walnut.blas"))), "the CPU kernels open to the native-BLAS module only");
        assertTrue(d.requires().stream().anyMatch(r -> r.name().equals("jdk.incubator.vector")
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)), "the Vector API stays optional");
    }

    @Test
    void runsAsANamedModule() throws Exception {
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolve(ModuleFinder.of(classes()), ModuleFinder.of(), Set.of("dev.walnut"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        ClassLoader loader = layer.findLoader("dev.walnut");
        Class<?> tensor = loader.loadClass("dev.walnut.Tensor");
        assertTrue(tensor.getModule().isNamed());
        assertFalse(tensor.getModule().isExported("dev.walnut.internal"));

        // ones(2, 3) @ ones(3, 2), summed: 4 entries of 3. Runs the matmul (GemmProvider lookup
        // through the module's `uses`), the elementwise and reduction kernels, and backward.
        Object a = tensor.getMethod("ones", long[].class).invoke(null, (Object) new long[] {2, 3});
        a = tensor.getMethod("setRequiresGrad", boolean.class).invoke(a, true);
        Object b = tensor.getMethod("ones", long[].class).invoke(null, (Object) new long[] {3, 2});
        Object y = tensor.getMethod("sum").invoke(tensor.getMethod("matmul", tensor).invoke(a, b));
        assertEquals(12.0, (double) tensor.getMethod("item").invoke(y));
        tensor.getMethod("backward").invoke(y);
        Object grad = tensor.getMethod("grad").invoke(a);
        assertEquals(2.0, (double) tensor.getMethod("item").invoke(tensor.getMethod("mean").invoke(grad)));

        Class<?> internals = loader.loadClass("dev.walnut.internal.Kernels");
        assertThrows(IllegalAccessException.class, () -> internals.getMethod("get").invoke(null),
                "code outside the module must not reach the internal kernel bridge");
    }
}
