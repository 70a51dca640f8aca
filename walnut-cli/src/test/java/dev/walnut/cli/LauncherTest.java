package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code walnut} launcher script, run in a copy of the repository layout with an up-to-date jar
 * (so it does not build) and a stand-in {@code java} that prints the command line it was given.
 */
class LauncherTest {
    private static final Path SCRIPT = Path.of("..", "walnut").toAbsolutePath().normalize();

    @TempDir
    Path root;

    /** The repository layout with a stand-in {@code java}; the jar exists and is newer than every source. */
    private Path layout() throws IOException {
        for (String dir : List.of("walnut-core/src/main", "walnut-datasets/src/main", "walnut-cli/src/main",
                "walnut-cli/target/lib", "jdk/bin")) {
            Files.createDirectories(root.resolve(dir));
        }
        for (String pom : List.of("pom.xml", "walnut-core/pom.xml", "walnut-datasets/pom.xml", "walnut-cli/pom.xml")) {
            Files.writeString(root.resolve(pom), "<project/>");
            Files.setLastModifiedTime(root.resolve(pom), FileTime.fromMillis(0));
        }
        Files.writeString(root.resolve("walnut-cli/target/walnut-cli.jar"), "jar");
        Path java = Files.writeString(root.resolve("jdk/bin/java"), "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return Files.copy(SCRIPT, root.resolve("walnut"));
    }

    private List<String> javaArguments(String classpath) throws IOException, InterruptedException {
        Path script = layout();
        var pb = new ProcessBuilder("bash", script.toString(), "train", "--model", "my.pkg.Net");
        pb.environment().put("JAVA_HOME", root.resolve("jdk").toString());
        pb.environment().remove("CLASSPATH");
        if (classpath != null) {
            pb.environment().put("CLASSPATH", classpath);
        }
        pb.redirectErrorStream(false);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return out.lines().toList();
    }

    private String classPathOf(List<String> args) {
        return args.get(args.indexOf("-cp") + 1);
    }

    @Test
    void userClassesFromClasspathFollowWalnutsJars() throws Exception {
        List<String> args = javaArguments("/opt/models/net.jar:/opt/models/classes");
        String jar = root.resolve("walnut-cli/target/walnut-cli.jar").toString();
        assertEquals(jar + ":" + root.resolve("walnut-cli/target/lib") + "/*:/opt/models/net.jar:/opt/models/classes",
                classPathOf(args));
        assertEquals(List.of("dev.walnut.cli.Main", "train", "--model", "my.pkg.Net"),
                args.subList(args.size() - 4, args.size()));
    }

    @Test
    void withoutClasspathOnlyWalnutsJarsAreUsed() throws Exception {
        assertTrue(classPathOf(javaArguments(null)).endsWith("/walnut-cli/target/lib/*"));
    }

    @Test
    void theLauncherTellsWhetherStderrIsATerminal() throws Exception {
        // The test's stderr is a pipe, so the progress bar stays off even if stdout were a terminal.
        assertTrue(javaArguments(null).contains("-D" + TrainCommand.STDERR_TERMINAL_PROPERTY + "=false"));
    }

    @Test
    void aJarRemovedByMvnCleanIsRebuiltNotAFirstRun() throws Exception {
        Path script = layout();
        Files.delete(root.resolve("walnut-cli/target/walnut-cli.jar"));
        // A stand-in mvn that fails at once: only the launcher's message matters here.
        Path mvn = Files.writeString(Files.createDirectories(root.resolve("bin")).resolve("mvn"), "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        var pb = new ProcessBuilder("bash", script.toString(), "--version");
        pb.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), err);
        assertTrue(err.startsWith("rebuilding walnut (walnut-cli/target/walnut-cli.jar is missing)..."), err);
        assertTrue(err.strip().endsWith("walnut: error: the build failed (output above)"), err);
    }
}
