package dev.walnut.cli;

import java.io.PrintStream;
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

    /** A usage error (exit code 2) for this command, with {@code message}. */
    CommandLine.ParameterException usageError(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
