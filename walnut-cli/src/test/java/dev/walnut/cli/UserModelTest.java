package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.cli.CliRun.Result;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's Module class, compiled and jarred by the test, trained and evaluated through --classpath. */
class UserModelTest {
    @TempDir
    static Path dir;
    static Path data;
    static Path jar;

    private static final String SOURCE = """
            package my.pkg;

            import dev.walnut.Tensor;
            import dev.walnut.nn.Linear;

            public class Net extends dev.walnut.nn.Module {
                private final Linear fc = new Linear(784, 10);

                @Override
                public Tensor forward(Tensor input) {
                    return fc.forward(input.flatten(1, -1));
                }
            }
            """;

    @BeforeAll
    static void buildTheModelJar() throws IOException, URISyntaxException {
        data = CliRun.writeIdxDataset(dir.resolve("data"), 32, 16, 5);
        Path src = Files.createDirectories(dir.resolve("src/my/pkg")).resolve("Net.java");
        Files.writeString(src, SOURCE);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertEquals(0, javac(classes, src, new java.io.ByteArrayOutputStream()), "javac failed");
        jar = dir.resolve("my-models.jar");
        try (var out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
    }

    /** Compiles {@code source} against walnut-core into {@code classes}; javac's messages go to {@code errors}. */
    private static int javac(Path classes, Path source, OutputStream errors) throws URISyntaxException {
        Path core = Path.of(dev.walnut.nn.Module.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return ToolProvider.getSystemJavaCompiler().run(null, null, errors, "-d", classes.toString(), "-cp",
                core.toString(), source.toString());
    }

    @Test
    void theReadmesImportAdviceResolvesModuleUnderAWildcardImport() throws Exception {
        String body = "\npublic class App {\n    Module model = new Sequential(new Linear(2, 1));\n}\n";
        Path classes = Files.createDirectories(dir.resolve("app-classes"));
        Path advised = Files.createDirectories(dir.resolve("advised")).resolve("App.java");
        Files.writeString(advised, "import dev.walnut.nn.*;\nimport dev.walnut.nn.Module;\n" + body);
        assertEquals(0, javac(classes, advised, new java.io.ByteArrayOutputStream()));
        Path wildcardOnly = Files.createDirectories(dir.resolve("wildcard")).resolve("App.java");
        Files.writeString(wildcardOnly, "import dev.walnut.nn.*;\n" + body);
        var errors = new java.io.ByteArrayOutputStream();
        assertEquals(1, javac(classes, wildcardOnly, errors));
        assertTrue(errors.toString().contains("reference to Module is ambiguous"), errors.toString());
    }

    @Test
    void aModelFromAJarOnTheClasspathOptionTrainsAndEvaluates() {
        Path run = dir.resolve("run");
        Result train = CliRun.run("train", "--model", "my.pkg.Net", "--classpath", jar.toString(), "--data",
                data.toString(), "--out", run.toString(), "--epochs", "1", "--batch-size", "16", "--no-progress");
        assertEquals(Main.OK, train.exitCode(), train::toString);
        assertTrue(train.out().contains("model: my.pkg.Net (7,850 parameters)"), train.out());
        Result eval = CliRun.run("eval", "--checkpoint", run.toString(), "--classpath", dir.toString() + "/*",
                "--data", data.toString());
        assertEquals(Main.OK, eval.exitCode(), eval::toString);
        Result predict = CliRun.run("predict", "--checkpoint", run.toString(), "--classpath", dir.resolve("classes")
                .toString(), "--index", "0", "--data", data.toString());
        assertEquals(Main.OK, predict.exitCode(), predict::toString);
    }

    @Test
    void withoutTheClasspathTheErrorSaysHowToAddIt() {
        Result r = CliRun.run("train", "--model", "my.pkg.Net", "--data", data.toString(), "--out",
                dir.resolve("missing").toString(), "--no-progress");
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertTrue(r.err().contains("model class 'my.pkg.Net' not found on the class path; use mlp, cnn, or add the "
                + "class's jar or directory with --classpath"), r::toString);
    }

    @Test
    void aClasspathEntryThatDoesNotExistIsAUsageError() {
        for (String entry : List.of(dir.resolve("nope.jar").toString(), dir.resolve("nope") + "/*")) {
            Result r = CliRun.run("eval", "--checkpoint", dir.toString(), "--classpath", entry);
            assertEquals(Main.USAGE, r.exitCode(), r::toString);
            assertTrue(r.err().startsWith("walnut: --classpath entry " + entry), r::toString);
        }
    }
}
