package dev.walnut.autograd;

import static dev.walnut.TensorAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.DType;
import dev.walnut.Tensor;
import dev.walnut.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Misuse of tensors and autograd fails with an unchecked exception whose message names what went
 * wrong (op, shapes, node, versions, context ids) and how to fix it (DESIGN.md §4 and §7).
 */
@ExtendWith(CleanTapeExtension.class)
class AutogradErrorsTest {

    @AfterEach
    void leaveGradModeOn() {
        assertTrue(Autograd.isGradEnabled(), "a failed backward must restore grad mode");
    }

    private static <T extends Throwable> String messageOf(Class<T> type, Executable body) {
        return assertThrows(type, body).getMessage();
    }

    @Test
    void addOfIncompatibleShapesNamesTheOpAndBothShapes() {
        String m = messageOf(IllegalArgumentException.class, () -> Tensor.ones(2, 3).add(Tensor.ones(4)));
        assertContains(m, "add", "[2, 3]", "[4]");
    }

    @Test
    void secondBackwardWithoutRetainGraphFailsAndMentionsRetainGraph() {
        Tensor x = Tensor.of(2.0).setRequiresGrad(true);
        Tensor y = x.pow(2);
        y.backward();
        String m = messageOf(IllegalStateException.class, y::backward);
        assertContains(m, "second time", "PowBackward0", "retainGraph");
        assertEquals(4.0, x.grad().item(), 0.0, "the failed backward accumulated nothing");
    }

    @Test
    void inPlaceOpOnALeafThatRequiresGradFails() {
        Tensor x = Tensor.of(1.0).setRequiresGrad(true);
        String m = messageOf(IllegalStateException.class, () -> x.addInPlace(1.0));
        assertContains(m, "addInPlace", "leaf", "requires grad", "noGrad");
        assertEquals(1.0, x.item(), 0.0, "the leaf is unchanged");
    }

    @Test
    void inPlaceOpOnALeafThatRequiresGradIsAllowedUnderNoGrad() {
        Tensor x = Tensor.of(1.0).setRequiresGrad(true);
        try (var off = Autograd.noGrad()) {
            x.addInPlace(1.0);
        }
        assertEquals(2.0, x.item(), 0.0);
        assertTrue(x.isLeaf());
    }

    @Test
    void inPlaceOpOnAViewOfALeafThatRequiresGradFails() {
        Tensor x = Tensor.of(1.0, 2.0, 3.0).setRequiresGrad(true);
        String m = messageOf(IllegalStateException.class, () -> x.narrow(0, 0, 2).mulInPlace(2.0));
        assertContains(m, "mulInPlace", "leaf");
    }

    @Test
    void modifyingASavedTensorInPlaceMakesBackwardNameTheNodeAndBothVersions() {
        Tensor a = Tensor.of(1.0, 2.0);
        Tensor w = Tensor.of(3.0, 4.0).setRequiresGrad(true);
        Tensor y = a.mul(w);
        int saved = a.version();
        a.mulInPlace(2.0);
        assertEquals(saved + 1, a.version());
        String m = messageOf(IllegalStateException.class, () -> y.sum().backward());
        assertContains(m, "modified by an in-place operation", "MulBackward0", "version " + (saved + 1),
                "expected version " + saved);
    }

    @Test
    void modifyingAnOutputSavedByExpMakesBackwardFail() {
        Tensor x = Tensor.of(0.0).setRequiresGrad(true);
        Tensor y = x.exp();
        y.addInPlace(1.0);
        String m = messageOf(IllegalStateException.class, () -> y.sum().backward());
        assertContains(m, "ExpBackward0", "is at version 1", "expected version 0");
    }

    @Test
    void backwardOfANonScalarWithoutGradOutputFails() {
        Tensor x = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        Tensor y = x.mul(2.0);
        String m = messageOf(IllegalArgumentException.class, y::backward);
        assertContains(m, "only for scalar outputs", "[2]", "gradOutput");
    }

    @Test
    void computeGradientsByIdOfANonScalarFails() {
        Tensor x = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        Tensor y = x.mul(2.0);
        String m = messageOf(IllegalArgumentException.class, () -> Autograd.computeGradients(y.id()));
        assertContains(m, "only for scalar outputs", "[2]");
    }

    @Test
    void gradOutputOfTheWrongShapeFails() {
        Tensor x = Tensor.of(1.0, 2.0).setRequiresGrad(true);
        Tensor y = x.mul(2.0);
        String m = messageOf(IllegalArgumentException.class, () -> y.backward(Tensor.ones(3)));
        assertContains(m, "gradOutput", "[3]", "[2]");
    }

    @Test
    void backwardOfATensorThatDoesNotRequireGradFails() {
        String m = messageOf(IllegalStateException.class, () -> Tensor.of(1.0).mul(2.0).backward());
        assertContains(m, "does not require grad", "setRequiresGrad(true)");
    }

    @Test
    void closingContextsOutOfOrderNamesBothIds() {
        var outer = new GradientContext();
        var inner = new GradientContext();
        try {
            String m = messageOf(IllegalStateException.class, outer::close);
            assertContains(m, "reverse order", "context " + outer.id(), "context " + inner.id());
            assertSame(inner, GradientContext.current(), "the failed close changed nothing");
            assertFalse(outer.isClosed());
        } finally {
            inner.close();
            outer.close();
        }
    }

    @Test
    void closingEnterScopesOutOfOrderNamesBothIds() {
        var a = GradientContext.create();
        var b = GradientContext.create();
        var inA = a.enter();
        var inB = b.enter();
        try {
            String m = messageOf(IllegalStateException.class, inA::close);
            assertContains(m, "reverse order", "context " + a.id(), "context " + b.id());
        } finally {
            inB.close();
            inA.close();
            b.close();
            a.close();
        }
    }

    @Test
    void closingAContextThatIsStillEnteredFails() {
        var aux = GradientContext.create();
        var in = aux.enter();
        try {
            String m = messageOf(IllegalStateException.class, aux::close);
            assertContains(m, "context " + aux.id(), "still entered");
        } finally {
            in.close();
            aux.close();
        }
    }

    @Test
    void backwardOfALossRecordedInAClosedContextSaysTheContextWasClosed() {
        Tensor x = Tensor.of(1.0).setRequiresGrad(true);
        Tensor loss;
        long id;
        try (var ctx = new GradientContext()) {
            id = ctx.id();
            loss = x.mul(2.0).sum();
        }
        String m = messageOf(IllegalStateException.class, loss::backward);
        assertContains(m, "context " + id, "closed");
    }

    @Test
    void backwardOfALossRecordedInAnotherOpenContextNamesBothContexts() {
        Tensor x = Tensor.of(1.0).setRequiresGrad(true);
        try (var first = new GradientContext()) {
            Tensor loss = x.mul(2.0).sum();
            try (var second = new GradientContext()) {
                String m = messageOf(IllegalStateException.class, loss::backward);
                assertContains(m, "recorded in gradient context " + first.id(), "active context is " + second.id(),
                        "enter()");
            }
            loss.backward();
            assertEquals(2.0, x.grad().item(), 0.0, "from its own context it works");
        }
    }

    @Test
    void backwardFromContextZeroOfALossRecordedInAnEnterableContextNamesIt() {
        var aux = GradientContext.create();
        try {
            Tensor x = Tensor.of(1.0).setRequiresGrad(true);
            Tensor loss;
            try (var in = aux.enter()) {
                loss = x.mul(2.0).sum();
            }
            String m = messageOf(IllegalStateException.class, loss::backward);
            assertContains(m, "recorded in gradient context " + aux.id(), "active context is 0");
        } finally {
            aux.close();
        }
    }

    @Test
    void computeGradientsOfAnUnknownIdFails() {
        Tensor x = Tensor.of(1.0).setRequiresGrad(true);
        String m = messageOf(IllegalArgumentException.class, () -> Autograd.computeGradients(x.id()));
        assertContains(m, "no live tensor with id " + x.id(), "context 0");
    }

    @Test
    void setRequiresGradOnAnIntegerTensorFails() {
        Tensor i = Tensor.of(1L, 2L);
        assertEquals(DType.I64, i.dtype());
        String m = messageOf(IllegalArgumentException.class, () -> i.setRequiresGrad(true));
        assertContains(m, "floating point", "I64", "to(DType.F32)");
        assertFalse(i.requiresGrad());
    }

    @Test
    void setRequiresGradFalseOnANonLeafFails() {
        Tensor y = Tensor.of(1.0).setRequiresGrad(true).mul(2.0);
        String m = messageOf(IllegalStateException.class, () -> y.setRequiresGrad(false));
        assertContains(m, "MulBackward0", "detach()");
    }

    @Test
    void enteringAClosedContextFails() {
        var aux = GradientContext.create();
        aux.close();
        String m = messageOf(IllegalStateException.class, aux::enter);
        assertContains(m, "enter", "context " + aux.id(), "closed");
        assertSame(GradientContext.defaultContext(), GradientContext.current());
    }

    @Test
    void enteringAContextOwnedByAnotherThreadFails() throws Exception {
        GradientContext[] made = new GradientContext[1];
        Thread t = new Thread(() -> made[0] = GradientContext.create(), "context-owner");
        t.start();
        t.join();
        String m = messageOf(IllegalStateException.class, made[0]::enter);
        assertContains(m, "context " + made[0].id(), "context-owner");
    }

    @Test
    void closingAContextFromAnotherThreadFails() throws Exception {
        var aux = GradientContext.create();
        try {
            Throwable[] thrown = new Throwable[1];
            Thread t = new Thread(() -> thrown[0] = assertThrows(IllegalStateException.class, aux::close), "intruder");
            t.start();
            t.join();
            assertContains(thrown[0].getMessage(), "context " + aux.id(), "must be closed there");
            assertFalse(aux.isClosed());
        } finally {
            aux.close();
        }
    }

    @Test
    void clearingTheTapeOfAClosedContextFails() {
        var aux = GradientContext.create();
        aux.close();
        String m = messageOf(IllegalStateException.class, aux::clearTape);
        assertContains(m, "clearTape", "context " + aux.id(), "closed");
    }

    @Test
    void retainGradOnATensorThatDoesNotRequireGradFails() {
        String m = messageOf(IllegalStateException.class, () -> Tensor.of(1.0).retainGrad());
        assertContains(m, "retainGrad", "does not require grad");
    }
}
