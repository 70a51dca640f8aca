package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Keeps DESIGN.md §2's layer arrows honest with a plain source scan (no ArchUnit): every
 * {@code import} and every fully qualified {@code dev.walnut.x.Y} reference in the code of
 * {@code walnut-core/src/main/java} (comments and string literals excluded) is a dependency
 * from the file's package to the referenced package. A dependency may stay inside its layer or
 * point to a layer of lower {@link Layer#rank}; never sideways or up, so layers cannot form a
 * cycle. A new package must be added to {@link #LAYERS} before it can be used, which is where
 * its place in the diagram is decided.
 */
class ArchitectureTest {
    /**
     * One row of the layer diagram. {@code packages} are exact names, or {@code "a.b.."} for
     * {@code a.b} and all its sub-packages.
     */
    record Layer(String name, int rank, List<String> packages) {
        boolean contains(String pkg) {
            for (String p : packages) {
                if (p.endsWith("..") ? pkg.equals(p.substring(0, p.length() - 2))
                        || pkg.startsWith(p.substring(0, p.length() - 1)) : pkg.equals(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * DESIGN.md §2, lowest first. Tensor and autograd form one layer ("core"), with the
     * dispatcher and the profiler (an interpreter on it, which nn and graph report to). Layers of equal
     * rank (nn and optim; io and data) must not depend on each other. graph sits one above io
     * and data: a saved graph is graph JSON plus safetensors weights (DESIGN.md §7).
     */
    static final List<Layer> LAYERS = List.of(
            new Layer("backend", 0, List.of("dev.walnut.backend..")),
            new Layer("core", 1, List.of("dev.walnut", "dev.walnut.autograd..", "dev.walnut.internal..", "dev.walnut.ops..",
                    "dev.walnut.dispatch..", "dev.walnut.profiler..")),
            new Layer("nn", 2, List.of("dev.walnut.nn..")),
            new Layer("optim", 2, List.of("dev.walnut.optim..")),
            new Layer("io", 3, List.of("dev.walnut.io..")),
            new Layer("data", 3, List.of("dev.walnut.data..")),
            new Layer("func", 3, List.of("dev.walnut.func..")),
            new Layer("graph", 4, List.of("dev.walnut.graph..")),
            new Layer("cli", 5, List.of("dev.walnut.cli..")),
            new Layer("bench", 5, List.of("dev.walnut.bench..")));

    /**
     * Layers that reach kernels only through the op layer (tensor ops, op definitions and the
     * Kernels bridge), never {@code dev.walnut.backend} itself, so that another back end can
     * replace the CPU one under them.
     */
    static final Set<String> ABOVE_THE_OPS = Set.of("nn", "optim", "io", "data", "func", "graph");

    /**
     * Public classes that sit at the bottom of the diagram although their package is higher:
     * {@code DType} is the element-type vocabulary that every layer, the back end included,
     * speaks (it has been public API in {@code dev.walnut} from the start). A reference to one is
     * no dependency on its package; in return it may depend on nothing in Walnut (checked).
     */
    static final Set<String> BOTTOM_CLASSES = Set.of("dev.walnut.DType");

    /** A dependency found in a source file. */
    record Dependency(String file, int line, String fromPackage, String toPackage, String reference) {
        String where() {
            return file + ":" + line + " (" + reference + ")";
        }
    }

    /** A parsed source file: its package and its references to other dev.walnut packages. */
    record SourceFile(String file, String packageName, List<Dependency> dependencies, List<String> imports) {
    }

    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT = Pattern.compile("\\bimport\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;");
    private static final Pattern WALNUT_NAME = Pattern.compile("(?<![\\w.])dev\\s*\\.\\s*walnut(?:\\s*\\.\\s*\\w+)*");

    // ------------------------------------------------------------------ rules on the real sources

    @Test
    void everyPackageBelongsToExactlyOneLayer() throws IOException {
        List<String> problems = new ArrayList<>();
        for (SourceFile f : mainSources()) {
            List<Layer> owners = LAYERS.stream().filter(l -> l.contains(f.packageName())).toList();
            if (owners.size() != 1) {
                problems.add(f.file() + ": package " + f.packageName() + " is in " + owners.size()
                        + " layers " + owners.stream().map(Layer::name).toList()
                        + "; place it in exactly one layer of ArchitectureTest.LAYERS (see DESIGN.md §2)");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void dependenciesPointOnlyDownwardOrWithinALayer() throws IOException {
        List<SourceFile> sources = mainSources();
        List<String> violations = new ArrayList<>();
        for (SourceFile f : sources) {
            violations.addAll(violations(f));
        }
        assertEquals(List.of(), violations, "layer violations (DESIGN.md §2)");
    }

    @Test
    void noCyclesBetweenLayers() throws IOException {
        Map<String, Set<String>> graph = layerGraph(mainSources());
        assertEquals(List.of(), findCycle(graph), "dependency cycle between layers; graph: " + graph);
    }

    @Test
    void mainSourcesImportOnlyTheJdkAndWalnut() throws IOException {
        List<String> problems = new ArrayList<>();
        for (SourceFile f : mainSources()) {
            for (String imported : f.imports()) {
                if (!isJdkOrWalnut(imported)) {
                    problems.add(f.file() + " imports " + imported + "; walnut-core may use only the JDK");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void coreHasNoRuntimeDependencies() throws Exception {
        Path module = moduleDir();
        List<String> problems = new ArrayList<>(nonTestDependencies(Files.readString(module.resolve("pom.xml"))));
        // Dependencies declared in the parent's <dependencies> are inherited by walnut-core too.
        Path parentPom = module.resolve("../pom.xml").normalize();
        if (Files.exists(parentPom)) {
            for (String d : nonTestDependencies(Files.readString(parentPom))) {
                problems.add("inherited from the parent pom: " + d);
            }
        }
        assertEquals(List.of(), problems, "walnut-core must have no runtime dependency beyond the JDK (DESIGN.md §1)");
    }

    @Test
    void bottomClassesDependOnNothingInWalnut() throws IOException {
        for (String c : BOTTOM_CLASSES) {
            Path file = moduleDir().resolve("src/main/java/" + c.replace('.', '/') + ".java");
            SourceFile f = parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
            assertEquals(List.of(), f.dependencies(), c + " sits below every layer, so it may not use other Walnut code");
        }
    }

    @Test
    void theBackEndMayUseDTypeButNothingElseOfTheCore() {
        var f = parse("Kernel.java", """
                package dev.walnut.backend.cpu;

                import dev.walnut.DType;
                import dev.walnut.Tensor;

                final class Kernel {
                    DType dt = dev.walnut.DType.F32;
                }
                """);
        assertEquals(List.of("dev.walnut"), f.dependencies().stream().map(Dependency::toPackage).toList());
    }

    @Test
    void theScanSeesTheWholeSourceTree() throws IOException {
        List<SourceFile> sources = mainSources();
        Set<String> packages = new TreeSet<>();
        sources.forEach(f -> packages.add(f.packageName()));
        assertTrue(packages.containsAll(List.of("dev.walnut", "dev.walnut.autograd", "dev.walnut.backend.cpu",
                "dev.walnut.optim")), "packages found: " + packages);
        long tensorToBackend = sources.stream().filter(f -> f.file().endsWith("Backends.java"))
                .flatMap(f -> f.dependencies().stream())
                .filter(d -> d.toPackage().equals("dev.walnut.backend.cpu")).count();
        assertTrue(tensorToBackend > 0, "Backends.java names the cpu back end, so the scan must see that dependency");
    }

    // ------------------------------------------------------------------ the scanner checks itself

    @Test
    void nnImportingTheBackEndIsAViolation() {
        var f = parse("Layer.java", """
                package dev.walnut.nn;

                import dev.walnut.backend.cpu.Gemm;

                final class Layer {
                }
                """);
        List<String> v = violations(f);
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("must not use the back end"), v.get(0));
    }

    @Test
    void backendImportingTensorIsAViolation() {
        var f = parse("Kernel.java", """
                package dev.walnut.backend.cpu;

                import dev.walnut.Tensor;
                import java.util.Arrays;

                final class Kernel {
                }
                """);
        List<String> v = violations(f);
        assertEquals(1, v.size(), v::toString);
        assertTrue(v.get(0).startsWith("Kernel.java:3 (dev.walnut.Tensor): package dev.walnut.backend.cpu (layer "
                + "backend) must not depend on dev.walnut (layer core)"), v.get(0));
    }

    @Test
    void coreUsingOptimByFullyQualifiedNameIsAViolation() {
        var f = parse("Thing.java", """
                package dev.walnut.autograd;

                final class Thing {
                    Object make() {
                        return new dev.walnut.optim.SGD(0.1);
                    }
                    static { dev.walnut.nn . Linear.init(); }
                }
                """);
        List<String> v = violations(f);
        assertEquals(2, v.size(), v::toString);
        assertTrue(v.get(0).startsWith("Thing.java:5 (dev.walnut.optim.SGD): package dev.walnut.autograd (layer core) "
                + "must not depend on dev.walnut.optim (layer optim)"), v.get(0));
        assertTrue(v.get(1).contains("must not depend on dev.walnut.nn (layer nn)"), v.get(1));
    }

    @Test
    void optimDependingOnNnOrOnTheBackEndIsAViolationButOnTheCoreIsNot() {
        var f = parse("Fancy.java", """
                package dev.walnut.optim;

                import dev.walnut.Tensor;
                import dev.walnut.autograd.*;
                import dev.walnut.internal.Kernels;
                import static dev.walnut.backend.cpu.Parallel.run;
                import dev.walnut.nn.Module;
                """);
        List<String> v = violations(f);
        assertEquals(2, v.size(), v::toString);
        assertTrue(v.get(0).contains("must not use the back end dev.walnut.backend.cpu directly"), v.get(0));
        assertTrue(v.get(1).contains("must not depend on dev.walnut.nn (layer nn)"), v.get(1));
        assertEquals(List.of("dev.walnut", "dev.walnut.autograd", "dev.walnut.internal", "dev.walnut.backend.cpu",
                "dev.walnut.nn"), f.dependencies().stream().map(Dependency::toPackage).toList());
    }

    @Test
    void commentsStringsAndCharsAreNotDependencies() {
        var f = parse("Doc.java", """
                package dev.walnut.backend.cpu;

                /** Called by {@link dev.walnut.Tensor#add}; see dev.walnut.autograd.Engine. */
                final class Doc {
                    // dev.walnut.optim.SGD is not used here
                    String s = "dev.walnut.nn.Linear \\" dev.walnut.io.Npy";
                    char c = '"';
                    String t = \"""
                        dev.walnut.data.DataLoader "quoted"
                        \""";
                    /* dev.walnut.graph.Trace */ int x = 1;
                    char q = '\\'';
                }
                """);
        assertEquals(List.of(), f.dependencies());
        assertEquals("dev.walnut.backend.cpu", f.packageName());
    }

    @Test
    void unknownPackageIsAViolation() {
        var f = parse("New.java", "package dev.walnut.shiny;\nimport dev.walnut.Tensor;\n");
        List<String> v = violations(f);
        assertEquals(1, v.size(), v::toString);
        assertTrue(v.get(0).contains("dev.walnut.shiny is in no layer"), v.get(0));
    }

    @Test
    void cycleBetweenLayersIsFound() {
        var a = parse("A.java", "package dev.walnut.nn;\nimport dev.walnut.optim.Adam;\n");
        var b = parse("B.java", "package dev.walnut.optim;\nimport dev.walnut.nn.Module;\n");
        var c = parse("C.java", "package dev.walnut.optim;\nimport dev.walnut.Tensor;\n");
        assertEquals(List.of("nn", "optim", "nn"), findCycle(layerGraph(List.of(a, b, c))));
        assertEquals(List.of(), findCycle(layerGraph(List.of(a, c))));
    }

    @Test
    void pomCheckFlagsCompileScopeDependencies() throws Exception {
        String pom = """
                <project>
                  <dependencyManagement><dependencies>
                    <dependency><groupId>x</groupId><artifactId>managed</artifactId></dependency>
                  </dependencies></dependencyManagement>
                  <dependencies>
                    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><scope>test</scope></dependency>
                    <dependency><groupId>com.example</groupId><artifactId>runtime-lib</artifactId></dependency>
                    <dependency><groupId>com.example</groupId><artifactId>provided-lib</artifactId><scope>provided</scope></dependency>
                  </dependencies>
                </project>
                """;
        assertEquals(List.of("com.example:runtime-lib (scope compile)", "com.example:provided-lib (scope provided)"),
                nonTestDependencies(pom));
    }

    // ------------------------------------------------------------------ the scanner

    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    }

    static List<SourceFile> mainSources() throws IOException {
        Path root = moduleDir().resolve("src/main/java");
        assertTrue(Files.isDirectory(root), "no source directory at " + root);
        List<SourceFile> files = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(root)) {
            // module-info.java declares no package; ModuleTest checks what it exports.
            for (Path p : paths.filter(p -> p.toString().endsWith(".java") && !p.endsWith("module-info.java")).sorted()
                    .toList()) {
                files.add(parse(root.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8)));
            }
        }
        assertTrue(files.size() > 10, "found only " + files.size() + " sources under " + root);
        return files;
    }

    /** Parses one source file: package, imports, and references to other dev.walnut packages. */
    static SourceFile parse(String file, String source) {
        String code = codeOnly(source);
        Matcher pm = PACKAGE.matcher(code);
        String pkg = pm.find() ? pm.group(1) : "";
        int packageEnd = pkg.isEmpty() ? 0 : pm.end();

        List<String> imports = new ArrayList<>();
        Matcher im = IMPORT.matcher(code);
        while (im.find()) {
            imports.add(im.group(1));
        }

        List<Dependency> deps = new ArrayList<>();
        Matcher m = WALNUT_NAME.matcher(code);
        while (m.find()) {
            if (m.start() < packageEnd) {
                continue;   // the package declaration itself
            }
            String name = m.group().replaceAll("\\s+", "");
            if (BOTTOM_CLASSES.stream().anyMatch(c -> name.equals(c) || name.startsWith(c + "."))) {
                continue;
            }
            String target = packageOf(name);
            if (!target.equals(pkg)) {
                deps.add(new Dependency(file, lineOf(code, m.start()), pkg, target, name));
            }
        }
        return new SourceFile(file, pkg, deps, imports);
    }

    /** The package part of a qualified name: the segments before the first capitalised one. */
    static String packageOf(String qualifiedName) {
        StringBuilder sb = new StringBuilder();
        for (String segment : qualifiedName.split("\\.")) {
            if (segment.isEmpty() || Character.isUpperCase(segment.charAt(0))) {
                break;
            }
            sb.append(sb.length() == 0 ? "" : ".").append(segment);
        }
        return sb.toString();
    }

    /**
     * The source with comments, string and text-block literals and char literals blanked out
     * (newlines kept, so line numbers stay right). Class names inside strings (reflection) are
     * therefore not seen; walnut-core does not load its own classes by name.
     */
    static String codeOnly(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (s.startsWith("//", i)) {
                while (i < n && s.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(s, i, end, out);
                i = end;
            } else if (s.startsWith("\"\"\"", i)) {
                int j = i + 3;
                while (j < n && !s.startsWith("\"\"\"", j)) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(n, j + 3);
                blank(s, i, end, out);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(n, j + 1);
                blank(s, i, end, out);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void blank(String s, int from, int to, StringBuilder out) {
        for (int k = from; k < to; k++) {
            out.append(s.charAt(k) == '\n' ? '\n' : ' ');
        }
    }

    private static int lineOf(String s, int index) {
        int line = 1;
        for (int k = 0; k < index; k++) {
            if (s.charAt(k) == '\n') {
                line++;
            }
        }
        return line;
    }

    static Layer layerOf(String pkg) {
        Layer found = null;
        for (Layer l : LAYERS) {
            if (l.contains(pkg)) {
                if (found != null) {
                    return null;   // ambiguous; reported by everyPackageBelongsToExactlyOneLayer
                }
                found = l;
            }
        }
        return found;
    }

    /** Messages for the dependencies of {@code f} that break the layering. */
    static List<String> violations(SourceFile f) {
        List<String> out = new ArrayList<>();
        Layer from = layerOf(f.packageName());
        if (from == null) {
            out.add(f.file() + ": package " + f.packageName() + " is in no layer (or several) of ArchitectureTest.LAYERS; "
                    + "add it there (see DESIGN.md §2)");
            return out;
        }
        for (Dependency d : f.dependencies()) {
            Layer to = layerOf(d.toPackage());
            if (to == null) {
                out.add(d.where() + ": package " + d.toPackage() + " is in no layer (or several) of "
                        + "ArchitectureTest.LAYERS");
            } else if (to != from && to.rank() >= from.rank()) {
                out.add(d.where() + ": package " + d.fromPackage() + " (layer " + from.name() + ") must not depend on "
                        + d.toPackage() + " (layer " + to.name() + "); dependencies point down only (DESIGN.md §2)");
            } else if (to.name().equals("backend") && ABOVE_THE_OPS.contains(from.name())) {
                out.add(d.where() + ": package " + d.fromPackage() + " (layer " + from.name() + ") must not use the back "
                        + "end " + d.toPackage() + " directly; go through tensor ops, or add a kernel to "
                        + "dev.walnut.internal.Kernels (DESIGN.md §2, §7)");
            }
        }
        return out;
    }

    /** Layer name to the names of the other layers it depends on. */
    static Map<String, Set<String>> layerGraph(List<SourceFile> files) {
        Map<String, Set<String>> graph = new LinkedHashMap<>();
        for (SourceFile f : files) {
            Layer from = layerOf(f.packageName());
            if (from == null) {
                continue;
            }
            graph.computeIfAbsent(from.name(), k -> new LinkedHashSet<>());
            for (Dependency d : f.dependencies()) {
                Layer to = layerOf(d.toPackage());
                if (to != null && to != from) {
                    graph.get(from.name()).add(to.name());
                }
            }
        }
        return graph;
    }

    /** One cycle as a path that starts and ends at the same layer, or an empty list. */
    static List<String> findCycle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new LinkedHashMap<>();   // 1 = on the current path, 2 = done
        for (String start : graph.keySet()) {
            List<String> path = new ArrayList<>();
            List<String> cycle = dfs(start, graph, state, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        return List.of();
    }

    private static List<String> dfs(String node, Map<String, Set<String>> graph, Map<String, Integer> state,
                                     List<String> path) {
        Integer s = state.get(node);
        if (s != null && s == 2) {
            return List.of();
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            cycle.add(node);
            return cycle;
        }
        state.put(node, 1);
        path.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            List<String> cycle = dfs(next, graph, state, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
        return List.of();
    }

    private static boolean isJdkOrWalnut(String imported) {
        return Stream.of("java.", "javax.", "jdk.", "dev.walnut.").anyMatch(imported::startsWith);
    }

    /** "groupId:artifactId (scope X)" for each dependency in the pom's own dependencies that is not test scope. */
    static List<String> nonTestDependencies(String pomXml) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        var doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(pomXml.getBytes(StandardCharsets.UTF_8)));
        List<String> out = new ArrayList<>();
        for (Element deps : children(doc.getDocumentElement(), "dependencies")) {
            for (Element dep : children(deps, "dependency")) {
                String scope = text(dep, "scope");
                scope = scope.isEmpty() ? "compile" : scope;
                if (!scope.equals("test")) {
                    out.add(text(dep, "groupId") + ":" + text(dep, "artifactId") + " (scope " + scope + ")");
                }
            }
        }
        return out;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node node = nodes.item(i);
            if (node instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static String text(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? "" : found.get(0).getTextContent().strip();
    }
}
