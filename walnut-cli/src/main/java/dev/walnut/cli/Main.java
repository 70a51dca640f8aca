package dev.walnut.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Properties;

/**
 * The {@code walnut} command.
 *
 * <pre>{@code
 * walnut --help
 * walnut --version
 * walnut train-linear --epochs 200 --lr 0.05 --seed 7
 * walnut train                     # for now the same as train-linear
 * }</pre>
 *
 * <p>All the logic is in {@link #run}, which returns the exit code and writes to the given
 * streams, so tests can call it without {@link System#exit}. Exit codes: 0 success, 1 the
 * command failed, 2 bad usage (unknown command, flag or value).
 */
public final class Main {
    /** Exit code of a successful command. */
    public static final int OK = 0;
    /** Exit code when a well-formed command fails while running. */
    public static final int FAILED = 1;
    /** Exit code for bad usage: unknown command, unknown flag, missing or invalid value. */
    public static final int USAGE = 2;

    static final String USAGE_TEXT = """
            Usage: walnut <command> [options]

            Commands:
              train [linear] [options]  Train a model. Without a model name this runs
                                        train-linear for now (a later release makes it
                                        train Fashion-MNIST).
              train-linear [options]    Fit y = 2x + 1 (plus noise) with a weight and a bias,
                                        mean squared error and SGD; prints progress, the
                                        learned w and b, and the elapsed time.
              help                      Show this help.

            Training options:
              --epochs N                full-batch SGD steps (default 100)
              --lr X                    learning rate (default 0.1)
              --seed S                  random seed for the data (default 42)

            Options:
              -h, --help                Show this help and exit.
              -V, --version             Print the version and exit.

            Exit codes: 0 success, 1 failure, 2 bad usage.
            """;

    private Main() {
    }

    /** Entry point: runs {@link #run} on the standard streams and exits with its code when it is not 0. */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        // Returning normally on success lets `mvn exec:java` finish its build; only failures
        // need System.exit to report the code.
        if (code != OK) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line {@code args}, printing normal output to {@code out} and errors to
     * {@code err}, and returns the exit code.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            return usageError(err, "missing command");
        }
        String command = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (command) {
                case "-h", "--help", "help" -> {
                    out.print(USAGE_TEXT);
                    return OK;
                }
                case "-V", "--version" -> {
                    out.println("walnut " + version() + " (Java " + Runtime.version() + ", "
                            + System.getProperty("java.vm.name") + ")");
                    return OK;
                }
                case "train-linear" -> {
                    return trainLinear("train-linear", rest, out);
                }
                case "train" -> {
                    return train(rest, out);
                }
                default -> {
                    String what = command.startsWith("-") ? "unknown option '" + command + "'"
                            : "unknown command '" + command + "'";
                    return usageError(err, what);
                }
            }
        } catch (UsageException e) {
            return usageError(err, e.getMessage());
        } catch (RuntimeException e) {
            err.println("walnut: error: " + e.getMessage());
            return FAILED;
        }
    }

    private static int train(String[] args, PrintStream out) {
        if (args.length > 0 && !args[0].startsWith("-")) {
            String model = args[0];
            if (!model.equals("linear")) {
                throw new UsageException("unknown model '" + model + "' for train; available: linear");
            }
            return trainLinear("train linear", Arrays.copyOfRange(args, 1, args.length), out);
        }
        if (isHelp(args)) {
            out.print(USAGE_TEXT);
            return OK;
        }
        var options = parseOptions("train", args);   // bad flags fail before the note is printed
        out.println("note: 'walnut train' without a model runs train-linear for now; "
                + "a later release replaces it with Fashion-MNIST.");
        LinearRegression.train(options, out);
        return OK;
    }

    private static int trainLinear(String command, String[] args, PrintStream out) {
        if (isHelp(args)) {
            out.print(USAGE_TEXT);
            return OK;
        }
        LinearRegression.train(parseOptions(command, args), out);
        return OK;
    }

    private static boolean isHelp(String[] args) {
        return args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"));
    }

    /** Parses {@code --epochs N --lr X --seed S} (also {@code --name=value}); later flags win. */
    static LinearRegression.Options parseOptions(String command, String[] args) {
        var defaults = LinearRegression.Options.defaults();
        int epochs = defaults.epochs();
        double lr = defaults.lr();
        long seed = defaults.seed();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!name.equals("--epochs") && !name.equals("--lr") && !name.equals("--seed")) {
                throw new UsageException(arg.startsWith("-") ? "unknown option '" + arg + "' for " + command
                        : "unexpected argument '" + arg + "' for " + command);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("option " + name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--epochs" -> {
                    epochs = parseInt(name, value);
                    if (epochs < 1) {
                        throw new UsageException("--epochs must be at least 1, got " + value);
                    }
                }
                case "--lr" -> {
                    lr = parseDouble(name, value);
                    if (!(lr > 0) || Double.isInfinite(lr)) {
                        throw new UsageException("--lr must be a positive finite number, got " + value);
                    }
                }
                default -> seed = parseLong(name, value);
            }
        }
        return new LinearRegression.Options(epochs, lr, seed);
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " expects an integer, got '" + value + "'");
        }
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " expects an integer, got '" + value + "'");
        }
    }

    private static double parseDouble(String name, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " expects a number, got '" + value + "'");
        }
    }

    private static int usageError(PrintStream err, String message) {
        err.println("walnut: " + message);
        err.println();
        err.print(USAGE_TEXT);
        return USAGE;
    }

    /** The project version, filtered into {@code version.properties} by Maven. */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            var props = new Properties();
            props.load(in);
            return props.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bad command-line usage; reported with the usage text and exit code {@link #USAGE}. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
