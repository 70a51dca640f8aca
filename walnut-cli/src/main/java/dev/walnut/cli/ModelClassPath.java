package dev.walnut.cli;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --classpath} option of the commands that build models ({@code train}, {@code eval},
 * {@code predict}): jars and class directories holding a user's {@code --model} class, searched
 * after Walnut's own class path, the way {@code java -cp} reads them ({@code dir/*} is every jar in
 * {@code dir}).
 *
 * <pre>{@code
 * walnut train --model my.pkg.Net --classpath build/my-models.jar
 * walnut eval --checkpoint runs/net-20250101-120000 --classpath build/my-models.jar
 * }</pre>
 */
final class ModelClassPath {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--classpath", paramLabel = "PATH",
            description = "Jars and class directories (separated by ':', ';' on Windows; dir/* for every jar"
                    + " in dir) holding the --model class, searched after Walnut's own. Through the walnut launcher"
                    + " the CLASSPATH variable does the same.")
    String classpath;

    /** Makes the user classes visible to {@link Models} until the returned scope is closed. */
    AutoCloseable activate() throws IOException {
        if (classpath == null || classpath.isBlank()) {
            return () -> { };
        }
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.endsWith("*")) {
                Path dir = Path.of(entry.substring(0, entry.length() - 1));
                if (!Files.isDirectory(dir)) {
                    throw usage("--classpath entry " + entry + ": " + dir + " is not a directory");
                }
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.{jar,JAR}")) {
                    for (Path jar : jars) {
                        urls.add(url(jar));
                    }
                }
            } else if (Files.exists(Path.of(entry))) {
                urls.add(url(Path.of(entry)));
            } else {
                throw usage("--classpath entry " + entry + " does not exist");
            }
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ModelClassPath.class.getClassLoader());
        thread.setContextClassLoader(loader);
        return () -> {
            thread.setContextClassLoader(previous);
            loader.close();
        };
    }

    private static URL url(Path path) throws MalformedURLException {
        return path.toAbsolutePath().toUri().toURL();
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(command.commandLine(), message);
    }
}
