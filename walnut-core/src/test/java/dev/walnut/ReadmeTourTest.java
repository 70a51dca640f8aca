package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradientContext;
import dev.walnut.optim.SGD;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's "API tour" honest. {@link #tourRunsAndDoesWhatItsCommentsSay} runs the
 * tour, copied verbatim between the {@code README-TOUR} markers, and checks what its comments
 * promise; {@link #readmeShowsExactlyTheMarkedTour} fails when the README's code block and the
 * marked region differ (indentation and trailing spaces aside). Change both together.
 */
class ReadmeTourTest {
    private static final String BEGIN = "// README-TOUR-BEGIN";
    private static final String END = "// README-TOUR-END";

    @Test
    void tourRunsAndDoesWhatItsCommentsSay() {
        // README-TOUR-BEGIN
        // imports: dev.walnut.Tensor, dev.walnut.autograd.{Autograd, GradientContext},
        //          dev.walnut.optim.SGD, java.util.List

        // Tensors: F32 unless asked otherwise; shapes are long..., printing looks like PyTorch.
        Tensor a = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});   // shape [2, 3]
        Tensor row = Tensor.of(10.0, 20.0, 30.0);                       // shape [3]
        Tensor noise = Tensor.randn(2, 3);                              // see Tensor.manualSeed

        // Broadcasting arithmetic, as in NumPy and PyTorch: [2, 3] + [3] -> [2, 3].
        Tensor shifted = a.add(row);
        System.out.println(shifted);          // tensor([[11., 22., 33.],
                                              //         [14., 25., 36.]])
        Tensor scaled = a.mul(2.0).sub(1.0);  // [[1, 3, 5], [7, 9, 11]]
        Tensor colMeans = a.mean(0, false);   // [2.5, 3.5, 4.5]

        // Matrix product: [2, 3] x [3, 2] -> [2, 2].
        Tensor gram = a.matmul(a.t());        // [[14, 32], [32, 77]]

        // Autograd: y = x^2 + 3x + 1, so dy/dx = 2x + 3 = 7 at x = 2.
        Tensor x = Tensor.scalar(2.0).setRequiresGrad(true);
        Tensor y = x.pow(2.0).add(x.mul(3.0)).add(1.0);
        Autograd.computeGradients(y);         // same as y.backward()
        double slope = x.grad().item();       // 7.0

        // Training: fit y = 2x + 1 with SGD. zeroGrad zeroes the gradients and clears the
        // tape of gradient context 0. The tape only records: each graph belongs to the
        // tensors that use it and is garbage once `loss` is dropped, as in PyTorch.
        Tensor.manualSeed(0);
        Tensor inputs = Tensor.randn(64, 1);
        Tensor targets = inputs.mul(2.0).add(1.0);
        Tensor w = Tensor.zeros(1, 1).setRequiresGrad(true);
        Tensor b = Tensor.zeros(1).setRequiresGrad(true);
        List<Tensor> params = List.of(w, b);
        var sgd = new SGD(0.1);
        for (int epoch = 0; epoch < 100; epoch++) {
            Tensor loss = inputs.matmul(w).add(b).sub(targets).square().mean();
            Autograd.computeGradients(loss);
            sgd.step(params);
            sgd.zeroGrad(params);
        }                                     // now w ~ 2 and b ~ 1

        // A gradient context records onto its own tape; backward follows only the active
        // context's nodes. zeroGrad clears context 0's tape only, so clear this one yourself.
        int recorded;
        try (var ctx = new GradientContext()) {
            Tensor loss = inputs.matmul(w).add(b).sub(targets).square().mean();
            loss.backward();                  // gradients accumulate into w.grad() and b.grad()
            recorded = ctx.tapeSize();        // the nodes recorded in this context
            Autograd.clearTape();             // the active context's tape is empty again
            sgd.zeroGrad(params);
        }                                     // closing pops the context, frees its graphs

        // noGrad: nothing is recorded (inference, manual updates), like torch.no_grad().
        Tensor prediction;
        try (var off = Autograd.noGrad()) {
            prediction = Tensor.of(3.0).matmul(w).add(b);   // [7.0], no grad_fn
        }
        // README-TOUR-END

        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertEquals(DType.F32, a.dtype());
        assertArrayEquals(new long[] {3}, row.shape());
        assertArrayEquals(new long[] {2, 3}, noise.shape());
        assertEquals("tensor([[11., 22., 33.],\n        [14., 25., 36.]])", shifted.toString());
        assertTrue(scaled.equal(Tensor.of(new double[][] {{1, 3, 5}, {7, 9, 11}})), scaled::toString);
        assertTrue(colMeans.equal(Tensor.of(2.5, 3.5, 4.5)), colMeans::toString);
        assertTrue(gram.equal(Tensor.of(new double[][] {{14, 32}, {32, 77}})), gram::toString);

        assertEquals(11.0, y.item());
        assertEquals(7.0, slope);

        assertEquals(2.0, w.item(), 1e-4);
        assertEquals(1.0, b.item(), 1e-4);

        assertTrue(recorded > 0, "nodes recorded in the custom context: " + recorded);
        assertEquals(0, GradientContext.current().id(), "closing the context makes context 0 active again");
        assertEquals(0, GradientContext.current().tapeSize(), "zeroGrad cleared context 0's tape");
        assertEquals(0.0, w.grad().item());
        assertEquals(0.0, b.grad().item());

        assertArrayEquals(new long[] {1}, prediction.shape());
        assertEquals(7.0, prediction.item(), 1e-3);
        assertFalse(prediction.requiresGrad());
        assertTrue(prediction.isLeaf());
        assertTrue(Autograd.isGradEnabled(), "closing noGrad() restores grad mode");
    }

    @Test
    void readmeShowsExactlyTheMarkedTour() throws IOException {
        Path moduleDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path readme = moduleDir.resolve("../README.md").normalize();
        Path source = moduleDir.resolve("src/test/java/dev/walnut/ReadmeTourTest.java");
        assertTrue(Files.isRegularFile(readme), "README.md not found at " + readme);

        String fromReadme = tourBlock(Files.readString(readme, StandardCharsets.UTF_8));
        String fromTest = markedRegion(Files.readString(source, StandardCharsets.UTF_8));
        assertEquals(fromTest, fromReadme, "the README's API tour differs from the code run by "
                + "tourRunsAndDoesWhatItsCommentsSay(); copy the region between the README-TOUR markers into the "
                + "README's ```java block under '## API tour' (or the other way round)");
    }

    @Test
    void normalizationIgnoresIndentationAndTrailingSpacesOnly() {
        assertEquals("a\n  b\n\nc", normalize(List.of("", "    a  ", "      b", "   ", "    c", "")));
        assertEquals("x\ny", markedRegion("class T {\n  " + BEGIN + "\n    x\n    y\n  " + END + "\n}\n"));
        String readme = "# T\n\n## API tour\n\nSome text.\n\n```java\n  int z = 1;\n```\n\n## Next\n";
        assertEquals("int z = 1;", tourBlock(readme));
    }

    /** The lines strictly between the README-TOUR markers, normalized. */
    static String markedRegion(String source) {
        return markedRegion(source, BEGIN, END);
    }

    /** The lines strictly between the {@code begin} and {@code end} marker lines, normalized. */
    static String markedRegion(String source, String beginMarker, String endMarker) {
        List<String> lines = source.lines().toList();
        int begin = indexOfOnly(lines, beginMarker);
        int end = indexOfOnly(lines, endMarker);
        assertTrue(begin < end, beginMarker + " must come before " + endMarker);
        return normalize(lines.subList(begin + 1, end));
    }

    private static int indexOfOnly(List<String> lines, String marker) {
        int found = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                assertEquals(-1, found, "marker " + marker + " appears more than once");
                found = i;
            }
        }
        assertTrue(found >= 0, "marker " + marker + " not found");
        return found;
    }

    /** The first ```java fenced block after the "API tour" heading, normalized. */
    static String tourBlock(String readme) {
        return javaBlockUnder(readme, "API tour");
    }

    /** The first ```java fenced block after the heading {@code heading}, normalized. */
    static String javaBlockUnder(String readme, String heading) {
        List<String> lines = readme.lines().toList();
        int i = 0;
        while (i < lines.size() && !lines.get(i).matches("#{1,6}\\s+" + Pattern.quote(heading) + "\\s*")) {
            i++;
        }
        assertTrue(i < lines.size(), "README.md has no '" + heading + "' heading");
        i++;
        while (i < lines.size() && !lines.get(i).strip().equals("```java")) {
            assertFalse(lines.get(i).matches("#{1,6}\\s.*"), "no ```java block under '" + heading + "' before the next heading");
            i++;
        }
        assertTrue(i < lines.size(), "README.md has no ```java block under '" + heading + "'");
        int start = i + 1;
        int end = start;
        while (end < lines.size() && !lines.get(end).strip().equals("```")) {
            end++;
        }
        assertTrue(end < lines.size(), "the ```java block under '" + heading + "' is not closed");
        return normalize(lines.subList(start, end));
    }

    /**
     * Strips trailing whitespace, the indentation common to all non-blank lines, and leading and
     * trailing blank lines; joins with '\n'. Relative indentation and blank lines inside stay.
     */
    static String normalize(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.stripTrailing());
        }
        while (!out.isEmpty() && out.get(0).isEmpty()) {
            out.remove(0);
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        int indent = Integer.MAX_VALUE;
        for (String line : out) {
            if (!line.isEmpty()) {
                indent = Math.min(indent, line.length() - line.stripLeading().length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < out.size(); i++) {
            String line = out.get(i);
            sb.append(i == 0 ? "" : "\n").append(line.isEmpty() ? "" : line.substring(indent));
        }
        return sb.toString();
    }
}
