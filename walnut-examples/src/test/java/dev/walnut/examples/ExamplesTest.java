package dev.walnut.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every example runs, and does what its Javadoc says. */
class ExamplesTest {
    @TempDir
    Path dir;

    @Test
    void linearRegressionFindsTheLineInBothContextsAndLeavesNoTape() {
        List<LinearRegression.Result> fits = LinearRegression.run(200);
        for (LinearRegression.Result r : fits) {
            assertEquals(3.0, r.weight(), 0.01, r::toString);
            assertEquals(-2.0, r.bias(), 0.01, r::toString);
            assertTrue(r.lastLoss() < 1e-3 && r.firstLoss() > 10, r::toString);
            assertEquals(0, r.tapeSizeAfter(), r::toString);
        }
        // Same data, same start, same steps: the contexts change where nodes go, not the numbers.
        assertEquals(fits.get(0), fits.get(1));
    }

    @Test
    void theMlpLearnsFashionMnistInOneEpoch() {
        MlpClassifier.Result r = MlpClassifier.run(1);
        List<Double> l = r.batchLosses();
        assertEquals(63, l.size());   // ceil(4000 / 64)
        assertTrue(Classification.mean(l, 53, 63) < 0.6 * Classification.mean(l, 0, 10), l::toString);
        assertTrue(r.testAccuracy() > 0.65, "test accuracy " + r.testAccuracy());
    }

    @Test
    void theCnnLearnsFashionMnistInAFewSteps() {
        CnnClassifier.Result r = CnnClassifier.run(60);
        List<Double> l = r.batchLosses();
        assertEquals(60, l.size());
        assertTrue(Classification.mean(l, 50, 60) < 0.7 * Classification.mean(l, 0, 10), l::toString);
        assertTrue(r.testAccuracy() > 0.55, "test accuracy " + r.testAccuracy());
        assertEquals(List.of("features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
                "classifier.weight", "classifier.bias"), List.copyOf(new CnnClassifier.Net().namedParameters().keySet()));
    }

    @Test
    void theCustomFunctionPassesGradCheckMatchesTheCompositeAndTrains() {
        CustomFunction.Result r = CustomFunction.run(100);
        assertTrue(r.gradCheckPassed());
        assertTrue(r.maxDifferenceToComposite() < 1e-6, r::toString);
        assertEquals("SwishBackward", r.gradFnName());
        assertTrue(r.lastLoss() < 1e-3 * r.firstLoss(), r::toString);
    }

    @Test
    void twoModelsTrainOnTwoTapesWithoutMixingThem() {
        TwoModels.Result r = TwoModels.run(150);
        int last = r.mainLosses().size() - 1;
        assertTrue(r.mainLosses().get(last) < 1e-3 * r.mainLosses().get(0), r::toString);
        assertTrue(r.auxLosses().get(last) < 0.05 * r.auxLosses().get(0), r::toString);
        assertTrue(r.auxContextId() != 0);
        assertEquals(0, r.defaultTapeDuringAux(), "the auxiliary steps recorded into context 0");
        assertTrue(r.auxTapeBeforeClear() > 0, "the auxiliary steps recorded nothing into their context");
    }

    @Test
    void savedWeightsAndCheckpointsRoundTripExactly() throws Exception {
        SaveAndLoad.Result r = SaveAndLoad.run(dir);
        assertTrue(Files.size(r.weightsFile()) > (8 * 16 + 16 + 16 * 3 + 3) * 4);
        assertEquals(4, r.tensorsSaved());
        assertTrue(r.sameOutputs());
        assertTrue(r.sameAfterResumedStep());
        assertEquals(20, r.restoredStep());
    }

    /** Each main runs to the end and prints its report. */
    @ParameterizedTest
    @ValueSource(strings = {"LinearRegression", "MlpClassifier", "CnnClassifier", "CustomFunction", "TwoModels",
            "SaveAndLoad"})
    void everyMainRuns(String name) throws Exception {
        var bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (var capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            Class.forName("dev.walnut.examples." + name).getMethod("main", String[].class)
                    .invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.lines().count() >= 2, out);
        assertTrue(out.contains("loss") || out.contains("identical: true"), out);
    }
}
