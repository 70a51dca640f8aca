package dev.walnut;

import java.lang.System.Logger.Level;

/** One-time user hints, like PyTorch's warnings. */
final class Hints {
    private static final System.Logger LOG = System.getLogger("dev.walnut");
    private static volatile boolean nonLeafGradShown;

    private Hints() {
    }

    static void nonLeafGrad() {
        if (!nonLeafGradShown) {
            nonLeafGradShown = true;
            LOG.log(Level.WARNING, "The grad() of a tensor that is not a leaf is being read. Its gradient is not kept "
                    + "during backward (only leaves' are). Call retainGrad() on it before backward if you need it, or "
                    + "read the grad of the leaf instead.");
        }
    }
}
