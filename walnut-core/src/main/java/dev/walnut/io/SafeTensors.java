package dev.walnut.io;

import dev.walnut.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length {@code N}, {@code N} bytes of JSON header
 * ({@code {"name":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}, "__metadata__":{...}}}),
 * then the raw little-endian tensor bytes.
 *
 * <pre>{@code
 * SafeTensors.save(path, Map.of("weight", w, "bias", b), Map.of("epoch", "3"));
 * Map<String, Tensor> loaded = SafeTensors.load(path);     // names in file order
 * Map<String, String> meta = SafeTensors.loadMetadata(path);
 * }</pre>
 *
 * <p>Writes F32, F64, I32, I64 and BOOL, atomically (see {@link AtomicFiles}). Reads those plus
 * F16 and BF16 (widened to F32) and I8, U8, I16 (widened to I32). Reading streams the data in
 * chunks, so the only full-size allocation is each tensor's own storage; {@link #summarize}
 * reports a file's tensors without allocating them at all. Every size in the header is checked against the file length
 * before anything is allocated; malformed files fail with an {@link IOException} naming the file
 * and the problem.
 */
public final class SafeTensors {
    /** The reference implementation's cap on the header (100 MB). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {
    }

    /** Writes {@code tensors} to {@code path} with no metadata. */
    public static void save(Path path, Map<String, Tensor> tensors) throws IOException {
        save(path, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} and string {@code metadata} to {@code path}. Like the reference
     * writer, tensors are laid out by dtype (widest alignment first) then by name, the header
     * lists {@code __metadata__} first and is space-padded to a multiple of 8 bytes.
     */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<String> names = new ArrayList<>(tensors.keySet());
        for (String name : names) {
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name \"" + METADATA_KEY + "\" is reserved");
            }
        }
        // Reference order: dtype descending in its enum order (... I32, F32, F64, I64), then name.
        names.sort(Comparator.comparingInt((String n) -> -rank(tensors.get(n)))
                .thenComparing(Comparator.naturalOrder()));
        StringBuilder header = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            Json.writeString(header, METADATA_KEY);
            header.append(":{");
            List<String> keys = new ArrayList<>(metadata.keySet());
            Collections.sort(keys);
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) {
                    header.append(',');
                }
                Json.writeString(header, keys.get(i));
                header.append(':');
                Json.writeString(header, metadata.get(keys.get(i)));
            }
            header.append('}');
        }
        List<ByteBuffer> data = new ArrayList<>();
        long offset = 0;
        for (String name : names) {
            Tensor t = tensors.get(name);
            ByteBuffer bytes = Elements.encode(t);
            data.add(bytes);
            if (header.length() > 1) {
                header.append(',');
            }
            Json.writeString(header, name);
            header.append(":{\"dtype\":\"").append(Elements.of(t.dtype()).name()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                header.append(i > 0 ? "," : "").append(shape[i]);
            }
            long end = offset + bytes.capacity();
            header.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        prefix.flip();
        AtomicFiles.write(path, out -> {
            out.write(prefix.array(), 0, prefix.limit());
            for (ByteBuffer b : data) {
                out.write(b.array(), 0, b.limit());
            }
        });
    }

    private static int rank(Tensor t) {
        switch (t.dtype()) {
            case BOOL: return 0;
            case I32: return 1;
            case F32: return 2;
            case F64: return 3;
            case I64: return 4;
            default: throw new IllegalArgumentException("cannot save dtype " + t.dtype());
        }
    }

    /**
     * Reads every tensor in {@code path}, in file (data offset) order. The data are read in
     * chunks straight into each tensor's storage: nothing is mapped, so a file replaced or cut
     * while it is read fails with an {@link IOException}.
     */
    public static LinkedHashMap<String, Tensor> load(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(path, ch);
            for (Entry e : h.entries) {
                if (e.count > Elements.MAX_ELEMENTS) {
                    throw bad(path, "tensor \"" + e.name + "\": shape " + Arrays.toString(e.shape) + " holds "
                            + e.count + " elements, more than the " + Elements.MAX_ELEMENTS
                            + " a Walnut tensor can hold");
                }
            }
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            InputStream in = Channels.newInputStream(ch.position(h.dataStart));
            for (Entry e : h.entries) {
                // Entries are sorted by offset and checked to be contiguous, so one pass reads them all.
                out.put(e.name, e.type.read(in, ByteOrder.LITTLE_ENDIAN, (int) e.count, e.shape,
                        path + " (tensor \"" + e.name + "\")"));
            }
            return out;
        }
    }

    /**
     * The name, stored dtype, shape and min/max/mean of every tensor in {@code path}, in file
     * order, read in chunks: memory stays bounded however large the tensors are.
     */
    public static List<TensorSummary> summarize(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(path, ch);
            List<TensorSummary> out = new ArrayList<>();
            InputStream in = Channels.newInputStream(ch.position(h.dataStart));
            for (Entry e : h.entries) {
                Elements.Stats stats = new Elements.Stats();
                e.type.summarize(in, ByteOrder.LITTLE_ENDIAN, e.count, stats, path + " (tensor \"" + e.name + "\")");
                out.add(TensorSummary.of(e.name, e.type, e.shape, e.count, stats));
            }
            return out;
        }
    }

    /** Reads the {@code __metadata__} string map of {@code path} (empty when absent). */
    public static Map<String, String> loadMetadata(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, ch).metadata;
        }
    }

    private static final class Entry {
        String name;
        Elements type;
        long[] shape;
        long count;
        long begin;
        long end;
    }

    private static final class Header {
        final List<Entry> entries = new ArrayList<>();
        final Map<String, String> metadata = new LinkedHashMap<>();
        long dataStart;
        long dataLength;
    }

    private static IOException bad(Path path, String problem) {
        return new IOException("Invalid safetensors file " + path + ": " + problem);
    }

    private static Header readHeader(Path path, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw bad(path, "file is " + fileSize + " bytes, too short for the 8-byte header length (truncated?)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(path, ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        // Unsigned: a length with the top bit set reads negative and is rejected with the rest.
        if (n < 0 || n > fileSize - 8) {
            throw bad(path, "header length " + Long.toUnsignedString(n) + " is larger than the "
                    + (fileSize - 8) + " bytes after the length field (truncated or corrupt)");
        }
        if (n > MAX_HEADER_BYTES) {
            throw bad(path, "header length " + n + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        }
        if (n < 2) {
            throw bad(path, "header length " + n + " is too small for a JSON object");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(path, ch, headerBytes, 8);
        headerBytes.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes).toString();
        } catch (CharacterCodingException ex) {
            throw bad(path, "header is not valid UTF-8");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.JsonException ex) {
            throw bad(path, "header is not valid JSON (" + ex.getMessage() + ")");
        }
        if (!(parsed instanceof Map)) {
            throw bad(path, "header is not a JSON object");
        }
        Header h = new Header();
        h.dataStart = 8 + n;
        h.dataLength = fileSize - h.dataStart;
        for (Map.Entry<?, ?> kv : ((Map<?, ?>) parsed).entrySet()) {
            String name = (String) kv.getKey();
            if (name.equals(METADATA_KEY)) {
                if (!(kv.getValue() instanceof Map)) {
                    throw bad(path, "__metadata__ is not an object of strings");
                }
                for (Map.Entry<?, ?> m : ((Map<?, ?>) kv.getValue()).entrySet()) {
                    if (!(m.getValue() instanceof String)) {
                        throw bad(path, "__metadata__ value for \"" + m.getKey() + "\" is not a string");
                    }
                    h.metadata.put((String) m.getKey(), (String) m.getValue());
                }
                continue;
            }
            h.entries.add(entry(path, name, kv.getValue()));
        }
        h.entries.sort(Comparator.comparingLong((Entry e) -> e.begin).thenComparingLong(e -> e.end));
        long expected = 0;
        for (Entry e : h.entries) {
            if (e.begin != expected) {
                throw bad(path, "tensor \"" + e.name + "\" data_offsets [" + e.begin + ", " + e.end + "] "
                        + (e.begin < expected ? "overlap the previous tensor" : "leave a gap after byte " + expected));
            }
            expected = e.end;
        }
        if (expected != h.dataLength) {
            throw bad(path, "tensors cover " + expected + " data bytes but the file has " + h.dataLength
                    + (expected > h.dataLength ? " (truncated?)" : " (trailing bytes)"));
        }
        return h;
    }

    private static Entry entry(Path path, String name, Object value) throws IOException {
        String where = "tensor \"" + name + "\": ";
        if (!(value instanceof Map)) {
            throw bad(path, where + "entry is not an object");
        }
        Map<?, ?> m = (Map<?, ?>) value;
        Entry e = new Entry();
        e.name = name;
        Object dtype = m.get("dtype");
        if (!(dtype instanceof String)) {
            throw bad(path, where + "missing or non-string \"dtype\"");
        }
        try {
            e.type = Elements.valueOf((String) dtype);
        } catch (IllegalArgumentException ex) {
            throw bad(path, where + "unknown or unsupported dtype \"" + dtype + "\"");
        }
        Object shape = m.get("shape");
        if (!(shape instanceof List)) {
            throw bad(path, where + "missing or non-array \"shape\"");
        }
        List<?> dims = (List<?>) shape;
        e.shape = new long[dims.size()];
        for (int i = 0; i < dims.size(); i++) {
            if (!(dims.get(i) instanceof Long)) {
                throw bad(path, where + "shape entry " + dims.get(i) + " is not an integer");
            }
            e.shape[i] = (Long) dims.get(i);
            if (e.shape[i] < 0) {
                throw bad(path, where + "negative dimension " + e.shape[i] + " in shape " + Arrays.toString(e.shape));
            }
        }
        e.count = Elements.numel(e.shape);
        if (e.count < 0 || e.count > Long.MAX_VALUE / e.type.byteSize) {
            throw bad(path, where + "element count of shape " + Arrays.toString(e.shape)
                    + " overflows the largest supported tensor");
        }
        Object offsets = m.get("data_offsets");
        if (!(offsets instanceof List) || ((List<?>) offsets).size() != 2
                || !(((List<?>) offsets).get(0) instanceof Long) || !(((List<?>) offsets).get(1) instanceof Long)) {
            throw bad(path, where + "\"data_offsets\" must be an array of two integers");
        }
        e.begin = (Long) ((List<?>) offsets).get(0);
        e.end = (Long) ((List<?>) offsets).get(1);
        if (e.begin < 0 || e.end < e.begin) {
            throw bad(path, where + "data_offsets [" + e.begin + ", " + e.end + "] are out of range");
        }
        long bytes = e.count * e.type.byteSize;
        if (e.end - e.begin != bytes) {
            throw bad(path, where + "shape " + Arrays.toString(e.shape) + " of " + dtype + " needs " + bytes
                    + " bytes but data_offsets [" + e.begin + ", " + e.end + "] span " + (e.end - e.begin));
        }
        return e;
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, p);
            if (r < 0) {
                throw bad(path, "unexpected end of file (truncated)");
            }
            p += r;
        }
    }
}
