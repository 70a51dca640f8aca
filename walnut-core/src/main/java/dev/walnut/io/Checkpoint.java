package dev.walnut.io;

import dev.walnut.Tensor;
import dev.walnut.nn.Module;
import dev.walnut.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resumable training checkpoint in one safetensors file: the model's state dict under
 * {@code model.<name>}, the optimizer's tensor buffers under {@code optim.<paramIndex>.<buffer>},
 * and everything else (optimizer step counts, scalar state and parameter-group options, epoch,
 * step, user metadata) as JSON strings in the file's {@code __metadata__}. The file stays readable
 * by any safetensors reader.
 *
 * <pre>{@code
 * Checkpoint.save(path, model, adam, epoch, step, Map.of("note", "after warm-up"));
 * Checkpoint.State s = Checkpoint.load(path, freshModel, freshAdam);   // continues bit for bit
 * }</pre>
 *
 * <p>Metadata keys: {@code walnut.checkpoint} (format version), {@code epoch}, {@code step},
 * {@code metadata} (a JSON object of the user strings) and, when an optimizer was saved,
 * {@code optimizer} (JSON: {@code {"state": {"<index>": {"step": n, "buffers": [...], "scalars":
 * {...}}}, "param_groups": [{options..., "params": [indices]}]}}). Doubles are written with
 * {@link Double#toString}, which round-trips exactly, so a resumed run follows the same trajectory.
 */
public final class Checkpoint {
    static final String FORMAT_KEY = "walnut.checkpoint";
    static final String FORMAT_VERSION = "1";
    private static final String MODEL_PREFIX = "model.";
    private static final String OPTIM_PREFIX = "optim.";

    private Checkpoint() {
    }

    /** What {@link #load} restores besides the model and optimizer state. */
    public record State(long epoch, long step, Map<String, String> metadata) {
    }

    /**
     * Writes {@code model}'s state dict, {@code optimizer}'s state (may be null), the counters and
     * {@code metadata} to {@code path} atomically (see {@link AtomicFiles}), first deleting the
     * temporary files that earlier saves interrupted by a crash left next to it.
     *
     * @throws IllegalArgumentException when an optimizer option is not a number, boolean, string,
     *     null or a list of those (it could not be restored)
     */
    public static void save(Path path, Module model, Optimizer optimizer, long epoch, long step,
                            Map<String, String> metadata) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put(MODEL_PREFIX + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT_VERSION);
        meta.put("epoch", Long.toString(epoch));
        meta.put("step", Long.toString(step));
        StringBuilder user = new StringBuilder("{");
        for (var e : (metadata == null ? Map.<String, String>of() : metadata).entrySet()) {
            if (user.length() > 1) {
                user.append(',');
            }
            Json.writeString(user, e.getKey());
            user.append(':');
            Json.writeString(user, e.getValue());
        }
        meta.put("metadata", user.append('}').toString());
        if (optimizer != null) {
            meta.put("optimizer", optimizerJson(optimizer.stateDict(), tensors));
        }
        // A crash between creating and renaming a temporary leaves a full-size file behind.
        AtomicFiles.removeStaleTemporaries(path);
        SafeTensors.save(path, tensors, meta);
    }

    /**
     * Restores {@code model} (strictly: every key must match) and, when not null,
     * {@code optimizer} from {@code path}; returns the saved epoch, step and metadata.
     *
     * @throws IOException when the file is not a readable safetensors file, not a Walnut
     *     checkpoint, or its checkpoint metadata is malformed
     * @throws IllegalArgumentException when the model or optimizer does not match the saved
     *     state (missing/unexpected keys, shapes, group sizes); a model mismatch leaves the model
     *     unmodified
     */
    public static State load(Path path, Module model, Optimizer optimizer) throws IOException {
        Map<String, String> meta = SafeTensors.loadMetadata(path);
        if (!FORMAT_VERSION.equals(meta.get(FORMAT_KEY))) {
            throw new IOException(path + ": not a Walnut checkpoint (metadata key '" + FORMAT_KEY + "' is "
                    + (meta.containsKey(FORMAT_KEY) ? "'" + meta.get(FORMAT_KEY) + "'" : "absent")
                    + ", expected '" + FORMAT_VERSION + "')");
        }
        long epoch = parseLong(path, meta, "epoch");
        long step = parseLong(path, meta, "step");
        Map<String, String> user = new LinkedHashMap<>();
        Object parsed = parseJson(path, meta, "metadata");
        if (!(parsed instanceof Map<?, ?> userMap)) {
            throw new IOException(path + ": checkpoint metadata 'metadata' must be a JSON object");
        }
        for (var e : userMap.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new IOException(path + ": checkpoint metadata value for '" + e.getKey() + "' is not a string");
            }
            user.put((String) e.getKey(), s);
        }
        if (optimizer != null && !meta.containsKey("optimizer")) {
            throw new IOException(path + ": the checkpoint holds no optimizer state; pass a null optimizer");
        }
        LinkedHashMap<String, Tensor> tensors = SafeTensors.load(path);
        Map<String, Tensor> modelState = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(MODEL_PREFIX)) {
                modelState.put(k.substring(MODEL_PREFIX.length()), v);
            }
        });
        Map<String, Object> optimState = null;
        if (optimizer != null) {
            optimState = optimizerState(path, parseJson(path, meta, "optimizer"), tensors);
        }
        model.loadStateDict(modelState, true);
        if (optimizer != null) {
            optimizer.loadStateDict(optimState);
        }
        return new State(epoch, step, Map.copyOf(user));
    }

    // ------------------------------------------------------------------ optimizer state <-> JSON

    @SuppressWarnings("unchecked")
    private static String optimizerJson(Map<String, Object> stateDict, Map<String, Tensor> tensors) {
        StringBuilder sb = new StringBuilder("{\"state\":{");
        var st = (Map<Integer, Map<String, Object>>) stateDict.get("state");
        boolean first = true;
        for (var e : st.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append(e.getKey()).append("\":{");
            List<String> buffers = new ArrayList<>();
            Map<String, Object> scalars = new LinkedHashMap<>();
            long paramStep = 0;
            for (var kv : e.getValue().entrySet()) {
                if (kv.getKey().equals("step")) {
                    paramStep = ((Number) kv.getValue()).longValue();
                } else if (kv.getValue() instanceof Tensor t) {
                    buffers.add(kv.getKey());
                    tensors.put(OPTIM_PREFIX + e.getKey() + "." + kv.getKey(), t);
                } else {
                    scalars.put(kv.getKey(), kv.getValue());
                }
            }
            sb.append("\"step\":").append(paramStep).append(",\"buffers\":");
            writeValue(sb, buffers, "buffers");
            sb.append(",\"scalars\":");
            writeValue(sb, scalars, "scalars");
            sb.append('}');
        }
        sb.append("},\"param_groups\":");
        writeValue(sb, stateDict.get("param_groups"), "param_groups");
        return sb.append('}').toString();
    }

    private static void writeValue(StringBuilder sb, Object v, String where) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            Json.writeString(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("Checkpoint.save: optimizer value " + where + " = " + d
                        + " is not finite and cannot be stored in JSON");
            }
            sb.append(Double.toString(d));   // always has '.' or 'E', so it reads back as a Double
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            sb.append(((Number) v).longValue());
        } else if (v instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                writeValue(sb, list.get(i), where + "[" + i + "]");
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (var e : map.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                Json.writeString(sb, String.valueOf(e.getKey()));
                sb.append(':');
                writeValue(sb, e.getValue(), where + "." + e.getKey());
            }
            sb.append('}');
        } else {
            throw new IllegalArgumentException("Checkpoint.save: optimizer value " + where + " has unsupported type "
                    + v.getClass().getName() + "; options must be numbers, booleans, strings or lists of them");
        }
    }

    private static Map<String, Object> optimizerState(Path path, Object json, Map<String, Tensor> tensors)
            throws IOException {
        if (!(json instanceof Map<?, ?> root) || !(root.get("state") instanceof Map<?, ?> st)
                || !(root.get("param_groups") instanceof List<?> groups)) {
            throw new IOException(path + ": checkpoint metadata 'optimizer' must be an object with 'state' and "
                    + "'param_groups'");
        }
        Map<Integer, Map<String, Object>> state = new LinkedHashMap<>();
        for (var e : st.entrySet()) {
            int index;
            try {
                index = Integer.parseInt((String) e.getKey());
            } catch (NumberFormatException ex) {
                throw new IOException(path + ": optimizer state key '" + e.getKey() + "' is not a parameter index");
            }
            if (!(e.getValue() instanceof Map<?, ?> entry) || !(entry.get("step") instanceof Long paramStep)
                    || !(entry.get("buffers") instanceof List<?> buffers)
                    || !(entry.get("scalars") instanceof Map<?, ?> scalars)) {
                throw new IOException(path + ": optimizer state of parameter " + index
                        + " must hold 'step' (integer), 'buffers' (list) and 'scalars' (object)");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", paramStep);
            for (Object b : buffers) {
                Tensor t = tensors.get(OPTIM_PREFIX + index + "." + b);
                if (t == null) {
                    throw new IOException(path + ": optimizer buffer tensor '" + OPTIM_PREFIX + index + "." + b
                            + "' is missing");
                }
                m.put((String) b, t);
            }
            for (var kv : scalars.entrySet()) {
                if (!(kv.getValue() instanceof Number n)) {
                    throw new IOException(path + ": optimizer scalar '" + kv.getKey() + "' of parameter " + index
                            + " is not a number");
                }
                m.put((String) kv.getKey(), n.doubleValue());
            }
            state.put(index, m);
        }
        List<Map<String, Object>> paramGroups = new ArrayList<>();
        for (Object g : groups) {
            if (!(g instanceof Map<?, ?> gm) || !(gm.get("params") instanceof List<?> ids)) {
                throw new IOException(path + ": each optimizer param group must be an object with a 'params' list");
            }
            Map<String, Object> opts = new LinkedHashMap<>();
            gm.forEach((k, v) -> opts.put((String) k, v));
            List<Integer> intIds = new ArrayList<>();
            for (Object id : ids) {
                if (!(id instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                    throw new IOException(path + ": optimizer param group index " + id + " is not a valid index");
                }
                intIds.add(l.intValue());
            }
            opts.put("params", intIds);
            paramGroups.add(opts);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", state);
        out.put("param_groups", paramGroups);
        return out;
    }

    private static long parseLong(Path path, Map<String, String> meta, String key) throws IOException {
        try {
            return Long.parseLong(meta.get(key));
        } catch (NumberFormatException ex) {
            throw new IOException(path + ": checkpoint metadata '" + key + "' is not an integer: " + meta.get(key));
        }
    }

    private static Object parseJson(Path path, Map<String, String> meta, String key) throws IOException {
        String text = meta.get(key);
        if (text == null) {
            throw new IOException(path + ": checkpoint metadata '" + key + "' is missing");
        }
        try {
            return Json.parse(text);
        } catch (Json.JsonException ex) {
            throw new IOException(path + ": checkpoint metadata '" + key + "' is not valid JSON: " + ex.getMessage(), ex);
        }
    }
}
