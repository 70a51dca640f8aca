package dev.walnut.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One row of {@code metrics.csv}: the epoch (1-based), mean training loss and accuracy over the
 * epoch's batches, test loss and accuracy after the epoch, the learning rate of the epoch's last
 * optimizer step, and the epoch's wall time in seconds (training and evaluation).
 *
 * <pre>{@code
 * var row = new EpochMetrics(1, 0.52, 0.81, 0.45, 0.84, 1e-3, 3.2);
 * String line = row.csvLine();   // 1,0.52,0.81,0.45,0.84,0.001,3.2
 * }</pre>
 */
record EpochMetrics(int epoch, double trainLoss, double trainAcc, double testLoss, double testAcc, double lr,
                    double seconds) {
    /** The CSV header matching {@link #csvLine()}. */
    static final String CSV_HEADER = "epoch,train_loss,train_acc,test_loss,test_acc,lr,seconds";

    /** The values, losses and accuracies at full precision so reruns can be compared exactly. */
    String csvLine() {
        return epoch + "," + trainLoss + "," + trainAcc + "," + testLoss + "," + testAcc + "," + lr + ","
                + String.format(Locale.ROOT, "%.3f", seconds);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("train_loss", trainLoss);
        m.put("train_acc", trainAcc);
        m.put("test_loss", testLoss);
        m.put("test_acc", testAcc);
        m.put("lr", lr);
        m.put("seconds", seconds);
        return m;
    }

    static EpochMetrics fromMap(Map<?, ?> m) {
        return new EpochMetrics(((Number) m.get("epoch")).intValue(), num(m, "train_loss"), num(m, "train_acc"),
                num(m, "test_loss"), num(m, "test_acc"), num(m, "lr"), num(m, "seconds"));
    }

    private static double num(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("metrics history: '" + key + "' must be a number, got " + v);
        }
        return n.doubleValue();
    }
}
