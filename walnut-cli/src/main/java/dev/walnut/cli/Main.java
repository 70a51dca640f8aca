package dev.walnut.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code walnut} command: train, evaluate and query Fashion-MNIST classifiers, and inspect
 * tensor files.
 *
 * <pre>{@code
 * walnut train                                  # MLP, 5 epochs, installed or bundled data
 * walnut train --model cnn --epochs 10 --scheduler cosine
 * walnut eval --checkpoint runs/mlp-20250101-120000/checkpoint.safetensors
 * walnut predict --checkpoint runs/mlp-20250101-120000 --index 0 --top 3
 * walnut inspect weights.safetensors
 * walnut run resnet18.onnx --input image.npy --output logits.npy
 * walnut train-linear --epochs 200 --lr 0.05 --seed 7
 * }</pre>
 *
 * <p>All the logic is in {@link #run}, which returns the exit code and writes to the given
 * streams, so tests can call it without {@link System#exit}. Exit codes: 0 success, 1 the
 * command failed (one line {@code walnut: error: <message>} on the error stream; the stack trace
 * too with {@code --verbose}), 2 bad usage (unknown command or option, invalid value), 130 training
 * stopped by Ctrl-C after saving a checkpoint.
 */
@Command(name = "walnut", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Walnut: train, evaluate and query Fashion-MNIST classifiers, inspect tensor files, run ONNX models,"
                + " export compiled models.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, InspectCommand.class, OnnxRunCommand.class,
                ExportCommand.class, TrainLinearCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 failure, 2 bad usage, 130 interrupted (checkpoint saved).",
                "Run 'walnut <command> --help' for a command's options."})
public final class Main implements Runnable {
    /** The top-level command object that {@link #run(String[], PrintStream, PrintStream)} parses into. */
    Main() {
    }

    /** Exit code of a successful command. */
    public static final int OK = 0;
    /** Exit code when a well-formed command fails while running. */
    public static final int FAILED = 1;
    /** Exit code for bad usage: unknown command, unknown flag, missing or invalid value. */
    public static final int USAGE = 2;
    /** Exit code of a training run stopped by Ctrl-C (after saving its checkpoint). */
    public static final int INTERRUPTED = Trainer.INTERRUPTED;

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    /** What commands share within one {@link #run}: the streams, the stop request, the verbose flag. */
    static final class Context {
        final PrintStream out;
        final PrintStream err;
        final BooleanSupplier stop;
        boolean verbose;

        Context(PrintStream out, PrintStream err, BooleanSupplier stop) {
            this.out = out;
            this.err = err;
            this.stop = stop;
        }
    }

    /**
     * Entry point: runs {@link #run} on the standard streams and exits with its code.
     *
     * @param args the command line, such as {@code train --model cnn}
     */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        var stopRequested = new java.util.concurrent.atomic.AtomicBoolean();
        var finished = new CountDownLatch(1);
        // Ctrl-C runs the shutdown hooks; this one asks the training loop to stop after its current
        // batch and waits (bounded) until the checkpoint is written, since the JVM halts once the
        // hooks return. Commands that do not poll the flag end at once, as without the hook.
        Thread hook = new Thread(() -> {
            stopRequested.set(true);
            try {
                finished.await(TrainCommand.isTraining() ? 120 : 0, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "walnut-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = run(args, System.out, System.err, stopRequested::get);
        System.out.flush();
        System.err.flush();
        finished.countDown();
        if (stopRequested.get()) {
            return;   // the JVM is already exiting because of the signal (status 130 for SIGINT)
        }
        System.exit(code);
    }

    /**
     * Runs the command line {@code args}, printing normal output to {@code out} and errors to
     * {@code err}, and returns the exit code.
     *
     * @param args the command line, such as {@code train --model cnn}
     * @param out  normal output
     * @param err  errors, warnings and the progress bar
     * @return the exit code: 0 success, 1 failure, 2 bad usage, 130 training stopped
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, () -> false);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with a stop request polled by training after each batch. */
    static int run(String[] args, PrintStream out, PrintStream err, BooleanSupplier stop) {
        var context = new Context(out, err, stop);
        var cl = new CommandLine(new Main(), new Factory(context));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((ex, arguments) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("walnut: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr())) {
                c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            }
            c.getErr().flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            c.getErr().println("walnut: error: " + oneLine(ex));
            if (context.verbose || verbose(parseResult)) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return FAILED;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes Errors through; this one has a fix the user can apply.
            err.println("walnut: error: out of memory (" + e.getMessage() + "); give the JVM more heap, e.g. "
                    + "WALNUT_JAVA_OPTS=-Xmx8g, or use a smaller --batch-size or model");
            if (context.verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return FAILED;
        }
    }

    private static boolean verbose(CommandLine.ParseResult parseResult) {
        for (var p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** A failure as one line: the message with line breaks folded, file errors spelled out. */
    static String oneLine(Throwable ex) {
        Throwable t = ex;
        while ((t instanceof UncheckedIOException || t.getClass() == RuntimeException.class) && t.getCause() != null
                && t.getMessage() != null && t.getMessage().equals(String.valueOf(t.getCause()))) {
            t = t.getCause();
        }
        String message;
        if (t instanceof NoSuchFileException e) {
            message = "no such file: " + e.getFile();
        } else if (t instanceof AccessDeniedException e) {
            message = "permission denied: " + e.getFile();
        } else if (t instanceof UncheckedIOException e && e.getCause() instanceof NoSuchFileException n) {
            message = "no such file: " + n.getFile();
        } else if (t.getMessage() == null || t.getMessage().isBlank()) {
            message = t.getClass().getSimpleName();
        } else {
            message = t.getMessage();
        }
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command; choose one of: "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** Creates the commands with the run's {@link Context}. */
    private static final class Factory implements CommandLine.IFactory {
        private final Context context;

        Factory(Context context) {
            this.context = context;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (BaseCommand.class.isAssignableFrom(cls)) {
                K command = cls.getDeclaredConstructor().newInstance();
                ((BaseCommand) command).context = context;
                return command;
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    /** The version line: project version (from Maven's filtered {@code version.properties}) and JVM. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"walnut " + version() + " (Java " + Runtime.version() + ", "
                    + System.getProperty("java.vm.name") + ")"};
        }
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
}
