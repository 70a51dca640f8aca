package dev.walnut.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every {@code walnut} subcommand shares: {@code --help}, {@code --version}, {@code --verbose},
 * the run's output streams, and {@link #usageError} for option values that parse but make no sense.
 *
 * <pre>{@code
 * @Command(name = "eval", mixinStandardHelpOptions = true)
 * final class EvalCommand extends BaseCommand { ... int execute() { out().println(...); return 0; } }
 * }</pre>
 */
abstract class BaseCommand implements Callable<Integer> {
    /** Set by {@link Main}'s factory before parsing. */
    Main.Context context;

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", description = "Print the stack trace of an error.")
    void setVerbose(boolean verbose) {
        if (verbose) {
            context.verbose = true;
        }
    }

    @Override
    public final Integer call() throws Exception {
        ModelClassPath classPath = modelClassPath();
        if (classPath == null) {
            return execute();
        }
        try (AutoCloseable userClasses = classPath.activate()) {
            return execute();
        }
    }

    /** The {@code --classpath} option of a command that builds models, or null (the default) for none. */
    ModelClassPath modelClassPath() {
        return null;
    }

    /** Runs the command; returns the exit code. Exceptions are reported by {@link Main} as one line. */
    abstract int execute() throws Exception;

    PrintStream out() {
        return context.out;
    }

    PrintStream err() {
        return context.err;
    }

    /**
     * The {@code --data} value of {@code eval} and {@code predict}: the one given, else the data
     * the checkpoint was trained on (its {@link DataIdentity}), else null (installed data, else the
     * bundled sample) for a checkpoint that does not record them. A recorded directory that no
     * longer exists is a usage error that says to pass {@code --data}.
     */
    Path dataFor(Path given, RunCheckpoint checkpoint) {
        if (given != null) {
            checkDataOption(given);
            return given;
        }
        if (checkpoint.data() == null) {
            return null;
        }
        Path recorded = checkpoint.data().option();
        if (!Data.isBundled(recorded) && !Files.isDirectory(recorded)) {
            throw usageError("the checkpoint was trained on " + checkpoint.data().source() + ", which is no longer a "
                    + "directory; pass --data DIR (or --data " + Data.BUNDLED + ")");
        }
        return recorded;
    }

    /** A {@code --data} value that is neither a directory nor {@value Data#BUNDLED} is a usage error. */
    void checkDataOption(Path data) {
        if (data != null && !Files.isDirectory(data) && !Data.isBundled(data)) {
            throw usageError("--data " + data + " is not a directory (nor '" + Data.BUNDLED + "' for the bundled sample)");
        }
    }

    /** A usage error (exit code 2) for this command, with {@code message}. */
    CommandLine.ParameterException usageError(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
