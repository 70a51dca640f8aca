package dev.walnut.nn;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.autograd.Autograd;
import dev.walnut.optim.Adam;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModuleTest {
    /** A user module with private fields, a list and a map of modules, and a plain tensor. */
    static class Net extends Module {
        private final Linear encoder = new Linear(2, 3);
        private final List<Module> blocks = List.of(new Linear(3, 3), new ReLU());
        private final Map<String, Module> heads = new LinkedHashMap<>(Map.of("cls", new Linear(3, 2)));
        private final Tensor scale = Tensor.ones(1).setRequiresGrad(true);
        private final Tensor notAParameter = Tensor.ones(1);

        @Override
        public Tensor forward(Tensor x) {
            for (Module b : blocks) {
                x = b.forward(encoder.forward(x));
                break;
            }
            return heads.get("cls").forward(x).mul(scale);
        }
    }

    @Test
    void parametersAreFoundFromPrivateFieldsInDeclarationOrderWithDottedNames() {
        assertEquals(List.of("scale", "encoder.weight", "encoder.bias", "blocks.0.weight", "blocks.0.bias",
                "heads.cls.weight", "heads.cls.bias"), List.copyOf(new Net().namedParameters().keySet()));
    }

    @Test
    void sequentialNamesChildrenByIndex() {
        var s = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(s.namedParameters().keySet()));
        assertEquals(3, s.children().size());
        assertEquals(4, s.modules().size());
    }

    @Test
    void toStringPrintsTheTreeLikePyTorch() {
        var s = new Sequential(new Linear(4, 8), new ReLU(), new Sequential(new Linear(8, 2, false)));
        assertEquals("Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  (1): ReLU()\n"
                + "  (2): Sequential(\n    (0): Linear(in_features=8, out_features=2, bias=False)\n  )\n)", s.toString());
    }

    @Test
    void stateDictRoundTripGivesIdenticalOutputsInAFreshModel() {
        var a = new Sequential(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, 2));
        a.forward(Tensor.randn(5, 3));
        var b = new Sequential(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, 2));
        b.loadStateDict(a.stateDict());
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "2.weight", "2.bias"), List.copyOf(a.stateDict().keySet()));
        a.eval();
        b.eval();
        Tensor x = Tensor.randn(2, 3);
        assertTrue(a.forward(x).equal(b.forward(x)));
    }

    @Test
    void strictLoadNamesMissingUnexpectedAndMismatchedKeys() {
        var m = new Sequential(new Linear(2, 3));
        var state = m.stateDict();
        state.remove("0.bias");
        state.put("0.extra", Tensor.zeros(1));
        var e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("Missing key(s) in state_dict: 0.bias."), e.getMessage());
        assertTrue(e.getMessage().contains("Unexpected key(s) in state_dict: 0.extra."), e.getMessage());
        var r = m.loadStateDict(state, false);
        assertEquals(List.of("0.bias"), r.missingKeys());
        assertEquals(List.of("0.extra"), r.unexpectedKeys());
        var bad = new LinkedHashMap<>(m.stateDict());
        bad.put("0.weight", Tensor.zeros(2, 2));
        var e2 = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(bad, false));
        assertTrue(e2.getMessage().contains("size mismatch for 0.weight: copying a tensor of shape [2, 2], "
                + "the shape in the current model is [3, 2]"), e2.getMessage());
    }

    @Test
    void trainAndEvalPropagateAndSwitchDropout() {
        var d = new Dropout(0.5);
        var s = new Sequential(new Linear(2, 2), new Sequential(d));
        s.eval();
        assertFalse(d.isTraining());
        Tensor x = Tensor.ones(100);
        assertTrue(d.forward(x).equal(x));
        s.train();
        assertTrue(d.isTraining());
        assertFalse(d.forward(x).equal(x));
    }

    @Test
    void zeroGradClearsGradients() {
        var l = new Linear(2, 2);
        l.forward(Tensor.ones(1, 2)).sum().backward();
        assertNotNull(l.weight().grad());
        l.zeroGrad();
        assertNull(l.weight().grad());
    }

    @Test
    void applyVisitsChildrenThenParents() {
        var names = new java.util.ArrayList<String>();
        new Sequential(new ReLU(), new Tanh()).apply(m -> names.add(m.getClass().getSimpleName()));
        assertEquals(List.of("ReLU", "Tanh", "Sequential"), names);
    }

    @Test
    void mlpWithAdamLearnsXor() {
        Tensor.manualSeed(0);
        Tensor x = Tensor.of(new double[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}).to(DType.F32);
        Tensor y = Tensor.of(0L, 1L, 1L, 0L);
        var model = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 2));
        var lossFn = new CrossEntropyLoss();
        var opt = new Adam(model.parameters(), 0.05);
        for (int i = 0; i < 300; i++) {
            opt.zeroGrad();
            lossFn.forward(model.forward(x), y).backward();
            opt.step();
        }
        Tensor pred = Autograd.noGrad(() -> model.forward(x).argmax(1, false));
        assertArrayEquals(new long[] {0, 1, 1, 0}, pred.toLongArray());
    }
}
