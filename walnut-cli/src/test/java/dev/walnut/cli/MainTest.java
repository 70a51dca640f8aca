package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.cli.CliRun.Result;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MainTest {
    private static final Pattern FINAL_LINE = Pattern.compile("final: w = (-?[0-9.]+), b = (-?[0-9.]+)");

    private static Result run(String... args) {
        return CliRun.run(args);
    }

    private static void assertLearnedLine(String out) {
        Matcher m = FINAL_LINE.matcher(out);
        assertTrue(m.find(), () -> "no 'final:' line in:\n" + out);
        assertEquals(2.0, Double.parseDouble(m.group(1)), 0.05, "w");
        assertEquals(1.0, Double.parseDouble(m.group(2)), 0.05, "b");
    }

    @Test
    void trainLinearLearnsSlopeTwoAndInterceptOne() {
        Result r = run("train-linear");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertLearnedLine(r.out());
        assertTrue(r.out().contains("epoch  100/100"), r.out());
        assertTrue(r.out().contains("elapsed: "), r.out());
        assertEquals("", r.err());
    }

    @Test
    void trainingReturnsParametersWithinToleranceOfTheTruth() {
        var result = LinearRegression.train(LinearRegression.Options.defaults(), new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(2.0, result.weight(), 0.05);
        assertEquals(1.0, result.bias(), 0.05);
        // The noise has std 0.05, so the best achievable mean squared error is about 0.0025.
        assertTrue(result.loss() < 0.01, "loss " + result.loss());
    }

    @Test
    void trainLinearFlagsChangeEpochsLearningRateAndSeed() {
        Result r = run("train-linear", "--epochs", "300", "--lr=0.05", "--seed", "7");
        assertEquals(Main.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("300 epochs, SGD lr 0.05, seed 7"), r.out());
        assertTrue(r.out().contains("epoch  300/300"), r.out());
        assertLearnedLine(r.out());
    }

    @Test
    void sameSeedGivesTheSameResult() {
        var quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        var a = LinearRegression.train(new LinearRegression.Options(20, 0.1, 3), quiet);
        var b = LinearRegression.train(new LinearRegression.Options(20, 0.1, 3), quiet);
        assertEquals(a.weight(), b.weight());
        assertEquals(a.bias(), b.bias());
    }

    @Test
    void unknownOptionIsAUsageErrorWithASuggestion() {
        Result r = run("train-linear", "--epoch", "5");
        assertEquals(Main.USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("walnut: Unknown options: '--epoch', '5'"), r.err());
        assertTrue(r.err().contains("Possible solutions: --epochs"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        for (String[] args : new String[][] {{"train-linear", "--epochs", "ten"}, {"train-linear", "--epochs", "0"},
                {"train-linear", "--lr", "-1"}, {"train-linear", "--lr", "NaN"}, {"train-linear", "--seed", "1.5"},
                {"train-linear", "--lr"}, {"train", "--optimizer", "foo"}, {"train", "--epochs", "0"},
                {"train", "--scheduler", "linear"}, {"train", "--batch-size", "0"}, {"train", "--workers", "-1"},
                {"train", "--model", "resnet"}, {"train", "--lr", "0"}, {"eval"}, {"predict", "--checkpoint", "x"},
                {"predict", "--checkpoint", "x", "--index", "1", "--image", "y.png"}, {"inspect"}}) {
            Result r = run(args);
            assertEquals(Main.USAGE, r.exitCode(), () -> String.join(" ", args) + "\n" + r);
            assertTrue(r.err().startsWith("walnut: "), r::toString);
            assertEquals("", r.out(), r::toString);
        }
    }

    @Test
    void badValueMessagesNameTheOptionAndTheChoices() {
        Result optimizer = run("train", "--optimizer", "foo");
        assertTrue(optimizer.err().startsWith("walnut: unknown --optimizer 'foo'; use one of sgd, adam, adamw"),
                optimizer::toString);
        Result epochs = run("train", "--epochs", "0");
        assertTrue(epochs.err().startsWith("walnut: --epochs must be at least 1, got 0"), epochs::toString);
        assertTrue(epochs.err().contains("Try 'walnut train --help'"), epochs::toString);
    }

    @Test
    void unknownCommandIsAUsageError() {
        Result command = run("fly");
        assertEquals(Main.USAGE, command.exitCode());
        assertTrue(command.err().startsWith("walnut: Unmatched argument at index 0: 'fly'"), command::toString);
        assertEquals(Main.USAGE, run("--frobnicate").exitCode());
        Result none = run();
        assertEquals(Main.USAGE, none.exitCode());
        assertTrue(none.err().contains("missing command"), none::toString);
    }

    @Test
    void runtimeErrorsAreOneLineWithExitCodeOne() {
        Result r = run("eval", "--checkpoint", "/nonexistent/checkpoint.safetensors");
        assertEquals(Main.FAILED, r.exitCode(), r::toString);
        assertEquals("walnut: error: no such file: /nonexistent/checkpoint.safetensors\n", r.err().replace("\r", ""));
        Result verbose = run("eval", "--verbose", "--checkpoint", "/nonexistent/checkpoint.safetensors");
        assertEquals(Main.FAILED, verbose.exitCode());
        assertTrue(verbose.err().contains("java.nio.file.NoSuchFileException"), verbose::toString);
        assertTrue(verbose.err().contains("\tat dev.walnut.cli."), verbose::toString);
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"train", "eval", "predict", "inspect", "train-linear"}) {
            Result r = run(command, "--help");
            assertEquals(Main.OK, r.exitCode(), r::toString);
            assertTrue(r.out().startsWith("Usage: walnut " + command), r.out());
            assertTrue(r.out().contains("--help"), r.out());
        }
        Result top = run("--help");
        assertEquals(Main.OK, top.exitCode());
        for (String command : new String[] {"train", "eval", "predict", "inspect", "train-linear"}) {
            assertTrue(top.out().contains(command), top.out());
        }
        assertEquals(Main.OK, run("help", "train").exitCode());
    }

    @Test
    void everyCommandSummaryInTheHelpIsAWholeSentence() {
        String help = run("--help").out();
        String commands = help.substring(help.indexOf("Commands:\n") + "Commands:\n".length(), help.indexOf("\n\n",
                help.indexOf("Commands:\n")));
        // An entry starts at "  name"; its summary may wrap onto lines indented further.
        for (String entry : commands.split("\n(?=  \\S)")) {
            String summary = entry.strip().replaceAll("\\s+", " ");
            assertTrue(summary.endsWith("."), "summary cut mid-sentence: " + summary);
        }
    }

    @Test
    void versionPrintsTheFilteredProjectVersion() {
        Result r = run("--version");
        assertEquals(Main.OK, r.exitCode());
        assertTrue(r.out().matches("walnut \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java .*\\)\\R"), r.out());
        assertEquals(r.out(), run("train", "--version").out());
    }
}
