package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MainTest {
    private static final Pattern FINAL_LINE = Pattern.compile("final: w = (-?[0-9.]+), b = (-?[0-9.]+)");

    /** Output of one {@link Main#run} call. */
    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code;
        try (var o = new PrintStream(out, true, StandardCharsets.UTF_8);
             var e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertLearnedLine(String out) {
        Matcher m = FINAL_LINE.matcher(out);
        assertTrue(m.find(), () -> "no 'final:' line in:\n" + out);
        assertEquals(2.0, Double.parseDouble(m.group(1)), 0.05, "w");
        assertEquals(1.0, Double.parseDouble(m.group(2)), 0.05, "b");
    }

    @Test
    void trainLinearLearnsSlopeTwoAndInterceptOne() {
        Run r = run("train-linear");
        assertEquals(Main.OK, r.exitCode(), r.err());
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
    void flagsChangeEpochsLearningRateAndSeed() {
        Run r = run("train-linear", "--epochs", "300", "--lr=0.05", "--seed", "7");
        assertEquals(Main.OK, r.exitCode(), r.err());
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
    void trainWithoutModelRunsTrainLinearWithANote() {
        Run r = run("train");
        assertEquals(Main.OK, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("note: 'walnut train' without a model runs train-linear for now"), r.out());
        assertTrue(r.out().contains("Fashion-MNIST"), r.out());
        assertLearnedLine(r.out());
    }

    @Test
    void trainLinearModelByName() {
        Run r = run("train", "linear", "--epochs", "50");
        assertEquals(Main.OK, r.exitCode(), r.err());
        assertFalse(r.out().contains("note:"), r.out());
        assertLearnedLine(r.out());
    }

    @Test
    void unknownFlagIsAUsageError() {
        Run r = run("train-linear", "--epoch", "5");
        assertEquals(Main.USAGE, r.exitCode());
        assertTrue(r.err().startsWith("walnut: unknown option '--epoch' for train-linear"), r.err());
        assertTrue(r.err().contains("Usage: walnut"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownFlagOnTrainFailsBeforeTheNote() {
        Run r = run("train", "--bogus");
        assertEquals(Main.USAGE, r.exitCode());
        assertEquals("", r.out());
    }

    @Test
    void badFlagValuesAreUsageErrors() {
        assertEquals(Main.USAGE, run("train-linear", "--epochs", "ten").exitCode());
        assertEquals(Main.USAGE, run("train-linear", "--epochs", "0").exitCode());
        assertEquals(Main.USAGE, run("train-linear", "--lr", "-1").exitCode());
        assertEquals(Main.USAGE, run("train-linear", "--lr", "NaN").exitCode());
        assertEquals(Main.USAGE, run("train-linear", "--seed", "1.5").exitCode());
        Run missing = run("train-linear", "--lr");
        assertEquals(Main.USAGE, missing.exitCode());
        assertTrue(missing.err().contains("option --lr needs a value"), missing.err());
    }

    @Test
    void unknownCommandOrModelIsAUsageError() {
        Run command = run("fly");
        assertEquals(Main.USAGE, command.exitCode());
        assertTrue(command.err().startsWith("walnut: unknown command 'fly'"), command.err());
        Run model = run("train", "resnet");
        assertEquals(Main.USAGE, model.exitCode());
        assertTrue(model.err().contains("unknown model 'resnet'"), model.err());
        assertEquals(Main.USAGE, run("--frobnicate").exitCode());
        assertEquals(Main.USAGE, run().exitCode());
    }

    @Test
    void helpPrintsUsage() {
        for (String flag : new String[] {"--help", "-h", "help"}) {
            Run r = run(flag);
            assertEquals(Main.OK, r.exitCode());
            assertTrue(r.out().startsWith("Usage: walnut <command> [options]"), r.out());
            assertTrue(r.out().contains("train-linear"), r.out());
        }
        assertEquals(Main.OK, run("train-linear", "--help").exitCode());
    }

    @Test
    void versionPrintsTheFilteredProjectVersion() {
        Run r = run("--version");
        assertEquals(Main.OK, r.exitCode());
        assertTrue(r.out().matches("walnut \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java .*\\)\\R"), r.out());
    }
}
