package dev.walnut.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Use with {@code @ExtendWith(CleanTapeExtension.class)}: every test starts from an empty tape in
 * gradient context 0, must leave no gradient context open, and leaves context 0's tape empty.
 * Runs on the test's own thread, so it sees that thread's context stack. A class's own
 * {@code @BeforeEach} methods run after {@link #beforeEach}, its {@code @AfterEach} methods
 * before {@link #afterEach}.
 */
public final class CleanTapeExtension implements BeforeEachCallback, AfterEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        Autograd.clearDefaultContextTape();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertEquals(0, GradientContext.current().id(), "the test left a gradient context open");
        Autograd.clearDefaultContextTape();
    }
}
