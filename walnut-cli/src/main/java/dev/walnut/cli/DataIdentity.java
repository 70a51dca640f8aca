package dev.walnut.cli;

import dev.walnut.data.FashionMnist;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which data a training run used: the {@code --data} value that selects them again (an absolute
 * directory, or {@code bundled}) and the {@linkplain FashionMnist#fingerprint() fingerprints} of
 * both splits. Saved in the checkpoint, so {@code --resume} trains on the same data and refuses
 * other data unless told to.
 *
 * <pre>{@code
 * DataIdentity id = DataIdentity.of(train, test);
 * DataIdentity back = DataIdentity.fromJson(id.toJson());
 * boolean same = id.sameData(back);
 * }</pre>
 *
 * @param source the {@code --data} value: {@code bundled} or an absolute directory
 * @param train  the training split's fingerprint
 * @param test   the test split's fingerprint
 */
record DataIdentity(String source, String train, String test) {
    /** The checkpoint metadata key (and checkpoint.json field) that holds it. */
    static final String KEY = "data_identity";

    static DataIdentity of(FashionMnist train, FashionMnist test) {
        String source = train.directory() == null ? Data.BUNDLED : train.directory().toAbsolutePath().toString();
        return new DataIdentity(source, train.fingerprint(), test.fingerprint());
    }

    /** The {@code --data} option value that loads these data again. */
    Path option() {
        return Path.of(source);
    }

    /** Whether both splits hold the same images and labels (wherever they are stored). */
    boolean sameData(DataIdentity other) {
        return train.equals(other.train) && test.equals(other.test);
    }

    @Override
    public String toString() {
        return source + " (training " + train + ", test " + test + ")";
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("train", train);
        m.put("test", test);
        return m;
    }

    String toJson() {
        return Json.write(toMap(), false);
    }

    /** Reads {@link #toJson()}'s form; IllegalArgumentException names a missing field. */
    static DataIdentity fromJson(String json) {
        Map<String, Object> m = Json.parseObject(json);
        return new DataIdentity(string(m, "source"), string(m, "train"), string(m, "test"));
    }

    private static String string(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException("'" + key + "' must be a non-empty string, got " + m.get(key));
        }
        return s;
    }
}
