package dev.walnut.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.walnut.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** The register program and the CPU back end's runner. */
class ElementwiseProgramTest {
    private static final int X0 = ElementwiseProgram.input(0);
    private static final int X1 = ElementwiseProgram.input(1);

    @Test
    void aChainReusesItsRegistersInPlace() {
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(2);
        int t0 = b.binary(BinaryOp.MUL, X0, X1);
        int t1 = b.unary(UnaryOp.EXP, 0, 0, t0);
        b.unary(UnaryOp.TANH, 0, 0, t1);
        ElementwiseProgram p = b.build();
        // x0 -> r0, x1 -> r1; mul overwrites r1 (x1 dies there, freed last), exp and tanh stay in it.
        assertArrayEquals(new int[] {0, 1, 1, 1, 1, 2}, p.assignRegisters(new boolean[] {true, true}));
        // A scalar input is read in place and takes no register.
        assertArrayEquals(new int[] {0, -1, 0, 0, 0, 1}, p.assignRegisters(new boolean[] {true, false}));
        assertEquals("t0 = mul(x0, x1); t1 = exp(t0, 0.0, 0.0); t2 = tanh(t1, 0.0, 0.0)", p.toString());
    }

    @Test
    void runsOnBroadcastAndStridedLayouts() {
        // y[i, j] = (a[i, j] + b[j]) * a[i, j], with a read transposed from a [3, 2] storage.
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(2);
        b.binary(BinaryOp.MUL, b.binary(BinaryOp.ADD, X0, X1), X0);
        Backend cpu = CpuBackend.INSTANCE;
        Storage a = cpu.fromArray(new double[] {1, 2, 3, 4, 5, 6});
        Storage bias = cpu.fromArray(new double[] {10, 20, 30});
        int[] shape = {2, 3};
        Storage y = cpu.elementwise(b.build(), new Storage[] {a, bias},
                new Layout[] {new Layout(shape, new int[] {1, 2}, 0), new Layout(shape, new int[] {0, 1}, 0)}, shape);
        // a^T = [[1, 3, 5], [2, 4, 6]]
        assertArrayEquals(new double[] {11, 69, 175, 24, 96, 216}, (double[]) cpu.toArray(y, 0, 6), 0.0);
    }

    @Test
    void aProgramEndingWithASumReturnsOneElement() {
        // sum over [2, 3] of a^T * b, with b a broadcast row: (1*10 + 3*20 + 5*30) + (2*10 + 4*20 + 6*30) = 500.
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(2);
        b.binary(BinaryOp.MUL, X0, X1);
        ElementwiseProgram p = b.sum().build();
        assertEquals("t0 = mul(x0, x1); sum", p.toString());
        Backend cpu = CpuBackend.INSTANCE;
        int[] shape = {2, 3};
        Storage y = cpu.elementwise(p, new Storage[] {cpu.fromArray(new float[] {1, 2, 3, 4, 5, 6}),
                cpu.fromArray(new float[] {10, 20, 30})},
                new Layout[] {new Layout(shape, new int[] {1, 2}, 0), new Layout(shape, new int[] {0, 1}, 0)}, shape);
        assertArrayEquals(new float[] {500f}, (float[]) cpu.toArray(y, 0, 1), 0f);
    }

    @Test
    void badProgramsAreRejected() {
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(1);
        assertThrows(IllegalArgumentException.class, () -> b.binary(BinaryOp.LT, X0, X0));
        assertThrows(IllegalArgumentException.class, () -> b.unary(UnaryOp.EXP, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> b.unary(UnaryOp.EXP, 0, 0, X1));
        assertThrows(IllegalStateException.class, b::build);
        assertThrows(IllegalArgumentException.class, () -> ElementwiseProgram.builder(0));
    }

    @Test
    void compiledFormsAreMadeOncePerKeyAndTheOldestOfFiveIsDropped() {
        ElementwiseProgram.Builder b = ElementwiseProgram.builder(1);
        b.unary(UnaryOp.EXP, 0, 0, ElementwiseProgram.input(0));
        ElementwiseProgram p = b.build();
        int[] made = new int[1];
        ElementwiseProgram.Compilation<String> make = (program, key) -> {
            made[0]++;
            return key == 3 ? null : "form " + key;
        };
        assertEquals("form 0", p.compiled(0, make));
        assertEquals("form 0", p.compiled(0, make));
        assertEquals(null, p.compiled(3, make));
        assertEquals(null, p.compiled(3, make)); // "none" is remembered too
        assertEquals(2, made[0]);
        p.compiled(1, make);
        p.compiled(2, make);
        assertEquals(4, made[0]);
        p.compiled(4, make); // a fifth key drops key 0, the oldest
        p.compiled(1, make);
        assertEquals(5, made[0]);
        assertEquals("form 0", p.compiled(0, make));
        assertEquals(6, made[0]);
    }
}
