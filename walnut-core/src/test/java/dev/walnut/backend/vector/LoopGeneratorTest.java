package dev.walnut.backend.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.backend.ElementwiseProgram;
import dev.walnut.backend.UnaryOp;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The two loops of a generated class: {@code fast} (exp and tanh in their cheap forms) must say
 * when a lane's argument left the range where the cheap form gives the general form's bits, and
 * where it does not, write exactly what {@code general} writes.
 */
class LoopGeneratorTest {
    private static final int L = GeneratedLoop.S.length();

    /** tanh(exp(x)): exp's argument is x, tanh's is e^x. */
    private static GeneratedLoop expThenTanh(int unroll) {
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(1);
        b.unary(UnaryOp.TANH, 0, 0, b.unary(UnaryOp.EXP, 0, 0, ElementwiseProgram.input(0)));
        GeneratedLoop loop = LoopGenerator.generate(b.build(), 0, unroll);
        assertNotNull(loop);
        assertTrue(loop.hasFast());
        assertEquals(unroll * L, loop.step());
        return loop;
    }

    /** fast's verdict on x (every lane of a step-long run x, then the one value at lane 3). */
    private static int verdict(GeneratedLoop loop, float value) {
        float[] x = new float[loop.step()];
        Arrays.fill(x, 0.5f); // e^0.5 = 1.65: both cheap forms apply
        x[3] = value;
        return loop.fast(new float[][] {x}, new int[] {0}, new float[x.length], 0, x.length);
    }

    @Test
    void fastAcceptsArgumentsInsideBothCheapRanges() {
        GeneratedLoop loop = expThenTanh(2);
        assertEquals(0, verdict(loop, 0.5f));
        assertEquals(0, verdict(loop, -0.47f)); // e^-0.47 = 0.625: tanh's lower limit
        assertEquals(0, verdict(loop, 3.7f)); // e^3.7 = 40.4 <= 43
    }

    @Test
    void fastRejectsArgumentsOutsideEitherRange() {
        GeneratedLoop loop = expThenTanh(2);
        assertNotEquals(0, verdict(loop, -1f), "tanh of e^-1 = 0.37 < 0.625");
        assertNotEquals(0, verdict(loop, 3.8f), "tanh of e^3.8 = 44.7 > 43");
        assertNotEquals(0, verdict(loop, 87f), "exp of 87 > 86");
        assertNotEquals(0, verdict(loop, Float.NaN));
        assertNotEquals(0, verdict(loop, Float.NEGATIVE_INFINITY));
    }

    @Test
    void aStepThatDoesNotDivideTheChunkStillRunsWholeSteps() {
        GeneratedLoop loop = expThenTanh(3);
        int n = 3 * GeneratedLoop.CHUNK + 5;
        float[] x = new float[n];
        Arrays.fill(x, 1f);
        float[] out = new float[n];
        int end = loop.run(new float[][] {x}, new int[] {0}, out, 0, n);
        assertEquals(n / loop.step() * loop.step(), end);
        assertEquals(out[0], out[end - 1]);
    }

    @Test
    void fastWritesTheGeneralBitsWhereItAccepts() {
        for (int unroll = 1; unroll <= 4; unroll++) {
            GeneratedLoop loop = expThenTanh(unroll);
            int n = 40 * loop.step();
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = -0.47f + 4.1f * i / n;
            }
            float[] fast = new float[n];
            float[] general = new float[n];
            assertEquals(0, loop.fast(new float[][] {x}, new int[] {0}, fast, 0, n));
            loop.general(new float[][] {x}, new int[] {0}, general, 0, n);
            assertArrayEquals(general, fast, "unroll " + unroll);
        }
    }

    @Test
    void theBudgetChoosesTwoVectorsOneOrNone() {
        ElementwiseProgram.Builder small = ElementwiseProgram.builder(2);
        small.unary(UnaryOp.EXP, 0, 0, small.binary(dev.walnut.backend.BinaryOp.MUL, ElementwiseProgram.input(0),
                ElementwiseProgram.input(1)));
        assertEquals(2 * L, LoopGenerator.generate(small.build(), 0).step());
        ElementwiseProgram.Builder two = ElementwiseProgram.builder(1);
        two.unary(UnaryOp.TANH, 0, 0, two.unary(UnaryOp.SIGMOID, 0, 0, two.unary(UnaryOp.EXP, 0, 0,
                ElementwiseProgram.input(0))));
        assertEquals(L, LoopGenerator.generate(two.build(), 0).step());
        ElementwiseProgram.Builder many = ElementwiseProgram.builder(1);
        int t = ElementwiseProgram.input(0);
        for (int k = 0; k < 5; k++) {
            t = many.unary(UnaryOp.TANH, 0, 0, t);
        }
        assertNull(LoopGenerator.generate(many.build(), 0), "five tanh outgrow the call budget");
    }

    @Test
    void runLeavesTheRaggedEndToTheCaller() {
        GeneratedLoop loop = expThenTanh(2);
        int n = 3 * loop.step() + 5;
        float[] x = new float[n + 7];
        float[] out = new float[n];
        assertEquals(7 + 2 * loop.step(), loop.run(new float[][] {x}, new int[] {0}, out, 7, n));
        assertEquals(0, loop.run(new float[][] {x}, new int[] {0}, out, 0, loop.step() - 1));
    }
}
