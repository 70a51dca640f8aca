package dev.walnut.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of one {@code walnut train} run that decide its results; saved in the checkpoint so
 * {@code --resume}, {@code eval} and {@code predict} rebuild the same model and training state.
 *
 * <pre>{@code
 * var config = new TrainConfig("mlp", 5, 64, 1e-3, "adam", "none", 42);
 * TrainConfig same = TrainConfig.fromMap(config.toMap());
 * }</pre>
 *
 * @param model     {@code mlp}, {@code cnn} or a Module class name (see {@link Models})
 * @param epochs    total epochs of the run
 * @param batchSize training batch size
 * @param lr        learning rate (the peak for {@code onecycle})
 * @param optimizer {@code sgd} (momentum 0.9), {@code adam} or {@code adamw}
 * @param scheduler {@code none}, {@code step}, {@code cosine} or {@code onecycle}
 * @param seed      seed of the initial weights, the shuffling and the dropout masks
 */
record TrainConfig(String model, int epochs, int batchSize, double lr, String optimizer, String scheduler, long seed) {

    /** The settings as a JSON-ready map with snake_case keys. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("lr", lr);
        m.put("optimizer", optimizer);
        m.put("scheduler", scheduler);
        m.put("seed", seed);
        return m;
    }

    /**
     * Reads {@link #toMap()}'s form back; throws IllegalArgumentException naming a missing,
     * mistyped or out-of-range key.
     */
    static TrainConfig fromMap(Map<String, Object> m) {
        double lr = number(m, "lr").doubleValue();
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("training config: 'lr' must be a positive finite number, got " + lr);
        }
        return new TrainConfig(string(m, "model"), positiveInt(m, "epochs"), positiveInt(m, "batch_size"), lr,
                string(m, "optimizer"), string(m, "scheduler"), number(m, "seed").longValue());
    }

    private static int positiveInt(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("training config: '" + key + "' must be an integer from 1 to "
                    + Integer.MAX_VALUE + ", got " + m.get(key));
        }
        return n.intValue();
    }

    private static String string(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof String s)) {
            throw new IllegalArgumentException("training config: '" + key + "' must be a string, got " + m.get(key));
        }
        return s;
    }

    private static Number number(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Number n)) {
            throw new IllegalArgumentException("training config: '" + key + "' must be a number, got " + m.get(key));
        }
        return n;
    }
}
