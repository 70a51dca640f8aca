package dev.walnut.io;

import dev.walnut.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy's {@code .npy} arrays and {@code .npz} archives.
 *
 * <pre>{@code
 * Npy.save(Path.of("x.npy"), x);                 // np.load("x.npy") in Python
 * Tensor y = Npy.load(Path.of("y.npy"));         // from np.save(...)
 * Npy.saveNpz(Path.of("all.npz"), Map.of("w", w, "b", b));
 * Map<String, Tensor> all = Npy.loadNpz(Path.of("all.npz"));
 * }</pre>
 *
 * <p>Reads format versions 1.0, 2.0 and 3.0, C and Fortran order, little and big endian, with
 * dtypes {@code f4 f8 i4 i8 b1} plus {@code f2} (widened to F32) and {@code i1 u1 i2} (widened
 * to I32). Writes version 1.0, C order, little endian, atomically (see {@link AtomicFiles}).
 * Malformed files fail with an {@link IOException} naming the file and the problem.
 *
 * <p>Nothing is allocated on a file's word alone. A {@code .npy} file's declared size must equal
 * its length. A {@code .npz} archive is a zip file whose members may be deflated, so a small file
 * can declare huge arrays: the data the members' headers declare may add up to at most
 * {@link #maxDecompressedBytes()} ({@value #DEFAULT_MAX_DECOMPRESSED_BYTES} bytes unless the
 * system property {@value #MAX_DECOMPRESSED_PROPERTY} says otherwise; {@link #loadNpz(Path, long)}
 * takes the limit per call), members are read exactly as far as their headers say, and each
 * member's CRC-32 is checked against the archive's. Member names must be plain names: no path
 * separators, no {@code .} or {@code ..}, no duplicates.
 */
public final class Npy {
    /** The system property that sets {@link #maxDecompressedBytes()}: a number of bytes. */
    public static final String MAX_DECOMPRESSED_PROPERTY = "walnut.maxDecompressedBytes";
    /** The default of {@link #maxDecompressedBytes()}: 1 GiB. */
    public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 1L << 30;
    /** numpy itself refuses headers over 10,000 bytes by default; this reader allows 1 MiB. */
    static final long MAX_HEADER_BYTES = 1 << 20;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /**
     * The most bytes of array data {@link #loadNpz(Path)} decompresses from one archive: the
     * system property {@value #MAX_DECOMPRESSED_PROPERTY} when set, else
     * {@value #DEFAULT_MAX_DECOMPRESSED_BYTES}.
     *
     * @throws IllegalArgumentException when the property is not a positive integer
     */
    public static long maxDecompressedBytes() {
        String value = System.getProperty(MAX_DECOMPRESSED_PROPERTY);
        if (value == null) {
            return DEFAULT_MAX_DECOMPRESSED_BYTES;
        }
        try {
            long limit = Long.parseLong(value.strip());
            if (limit > 0) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + MAX_DECOMPRESSED_PROPERTY + "=" + value
                + " is not a positive number of bytes (e.g. -D" + MAX_DECOMPRESSED_PROPERTY + "=4294967296)");
    }

    /** Writes {@code tensor} to {@code path} as a version 1.0, C-order, little-endian .npy file. */
    public static void save(Path path, Tensor tensor) throws IOException {
        AtomicFiles.write(path, out -> write(out, tensor));
    }

    /** Reads a .npy file. */
    public static Tensor load(Path path) throws IOException {
        String where = path.toString();
        try (InputStream in = Files.newInputStream(path)) {
            Header h = readHeader(where, in, Files.size(path), "the file");
            checkArraySize(where, h);
            return h.decode(where, in);
        }
    }

    /**
     * The dtype, shape and min/max/mean of a .npy file's array, read in chunks (any size, bounded
     * memory, the stored dtype); the summary is named after the file.
     */
    public static TensorSummary summarize(Path path) throws IOException {
        String where = path.toString();
        try (InputStream in = Files.newInputStream(path)) {
            Header h = readHeader(where, in, Files.size(path), "the file");
            return h.summarize(path.getFileName().toString(), where, in);
        }
    }

    /**
     * Writes {@code tensors} to {@code path} as an uncompressed .npz archive (like
     * {@code numpy.savez}); each tensor becomes the member {@code name + ".npy"}.
     *
     * @throws IllegalArgumentException when a name is empty, {@code .} or {@code ..}, or holds a
     *     path separator ({@link #loadNpz} would refuse the archive)
     */
    public static void saveNpz(Path path, Map<String, Tensor> tensors) throws IOException {
        for (String name : tensors.keySet()) {
            String problem = nameProblem(name);
            if (problem != null) {
                throw new IllegalArgumentException("Npy.saveNpz: " + problem);
            }
        }
        AtomicFiles.write(path, file -> {
            ZipOutputStream zip = new ZipOutputStream(file);
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                write(bytes, e.getValue());
                byte[] data = bytes.toByteArray();
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(data);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    /**
     * Reads every {@code .npy} member of a .npz archive, keyed by member name without ".npy",
     * decompressing at most {@link #maxDecompressedBytes()} bytes of array data.
     */
    public static LinkedHashMap<String, Tensor> loadNpz(Path path) throws IOException {
        return loadNpz(path, maxDecompressedBytes());
    }

    /**
     * {@link #loadNpz(Path)} with an explicit limit on the array data the archive's members may
     * declare in total (checked before anything is allocated).
     */
    public static LinkedHashMap<String, Tensor> loadNpz(Path path, long maxDecompressedBytes) throws IOException {
        long[] declared = {0};
        return readNpz(path, (where, h, in) -> {
            checkArraySize(where, h);
            declared[0] += h.dataBytes;
            if (declared[0] > maxDecompressedBytes) {
                throw bad(where, "shape " + Arrays.toString(h.shape) + " of '" + h.descr + "' declares "
                        + h.dataBytes + " bytes of data" + (declared[0] > h.dataBytes ? ", " + declared[0]
                        + " with the members before it" : "") + ", more than the limit of " + maxDecompressedBytes
                        + " bytes of decompressed data; if the archive is trusted, raise the limit with -D"
                        + MAX_DECOMPRESSED_PROPERTY + "=BYTES (for the walnut command in WALNUT_JAVA_OPTS) or "
                        + "Npy.loadNpz(path, maxDecompressedBytes)");
            }
            return h.decode(where, in);
        });
    }

    /**
     * The dtype, shape and min/max/mean of every member of a .npz archive, streamed in chunks
     * (bounded memory whatever the members' sizes), in archive order.
     */
    public static List<TensorSummary> summarizeNpz(Path path) throws IOException {
        return List.copyOf(readNpz(path, (where, h, in) -> h.summarize(h.name, where, in)).values());
    }

    /** Reads one member's array (or its summary) from a stream positioned after its header. */
    private interface MemberReader<T> {
        T read(String where, Header header, InputStream in) throws IOException;
    }

    private static <T> LinkedHashMap<String, T> readNpz(Path path, MemberReader<T> reader) throws IOException {
        LinkedHashMap<String, T> out = new LinkedHashMap<>();
        Map<String, String> memberOfName = new HashMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String member = entry.getName();
                String where = path + " (member " + member + ")";
                String name = member.endsWith(".npy") ? member.substring(0, member.length() - 4) : member;
                String problem = nameProblem(name);
                if (problem != null) {
                    throw bad(where, problem + "; a .npz member must be a plain file name");
                }
                String earlier = memberOfName.putIfAbsent(name, member);
                if (earlier != null) {
                    throw bad(where, (earlier.equals(member) ? "the archive holds two members named " + member
                            : "members " + earlier + " and " + member + " both give the array name '" + name + "'")
                            + "; which one is meant is ambiguous");
                }
                CRC32 crc = new CRC32();
                try (InputStream in = new CheckedInputStream(zip.getInputStream(entry), crc)) {
                    Header h = readHeader(where, in, entry.getSize(), "the member");
                    h.name = name;
                    T value = reader.read(where, h, in);
                    if (in.read() >= 0) {
                        throw bad(where, "the member holds more bytes than its header declares ("
                                + (h.dataStart + h.dataBytes) + ")");
                    }
                    if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
                        throw bad(where, String.format(Locale.ROOT, "CRC-32 of the member is %08x but the archive "
                                + "records %08x: the file is corrupt", crc.getValue(), entry.getCrc()));
                    }
                    out.put(name, value);
                } catch (ZipException | EOFException ex) {
                    throw bad(where, "corrupt or truncated zip member (" + ex.getMessage() + ")");
                }
            }
        } catch (ZipException ex) {
            throw bad(path.toString(), "not a valid zip archive (" + ex.getMessage() + ")");
        }
        return out;
    }

    /** Why {@code name} cannot be an array name of a .npz archive, or null when it can. */
    private static String nameProblem(String name) {
        if (name.isEmpty()) {
            return "the array name is empty";
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.matches("[A-Za-z]:.*")) {
            return "the array name '" + name + "' is a path (it holds a separator or a drive)";
        }
        if (name.equals(".") || name.equals("..")) {
            return "'" + name + "' is not an array name";
        }
        return null;
    }

    private static IOException bad(String where, String problem) {
        return new IOException("Invalid .npy data in " + where + ": " + problem);
    }

    private static void checkArraySize(String where, Header h) throws IOException {
        if (h.count > Elements.MAX_ELEMENTS) {
            throw bad(where, "shape " + Arrays.toString(h.shape) + " holds " + h.count + " elements, more than the "
                    + Elements.MAX_ELEMENTS + " a Walnut tensor can hold");
        }
    }

    static void write(OutputStream out, Tensor t) throws IOException {
        String descr;
        switch (t.dtype()) {
            case F32: descr = "<f4"; break;
            case F64: descr = "<f8"; break;
            case I32: descr = "<i4"; break;
            case I64: descr = "<i8"; break;
            case BOOL: descr = "|b1"; break;
            default: throw new IllegalArgumentException("cannot save dtype " + t.dtype());
        }
        StringBuilder h = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (");
        long[] shape = t.shape();
        for (int i = 0; i < shape.length; i++) {
            h.append(i > 0 ? ", " : "").append(shape[i]);
        }
        h.append(shape.length == 1 ? ",), }" : "), }");
        // numpy pads so magic + version + length + header (ending in '\n') is a multiple of 64.
        int total = (10 + h.length() + 1 + 63) / 64 * 64;
        while (10 + h.length() + 1 < total) {
            h.append(' ');
        }
        h.append('\n');
        byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer prefix = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        prefix.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length);
        out.write(prefix.array());
        out.write(header);
        ByteBuffer data = Elements.encode(t);
        out.write(data.array(), 0, data.capacity());
    }

    /** A parsed .npy header: what the data that follows it hold. */
    private static final class Header {
        String name;
        String descr;
        Elements type;
        ByteOrder order;
        boolean fortranOrder;
        long[] shape;
        long count;
        long dataStart;
        long dataBytes;

        Tensor decode(String where, InputStream in) throws IOException {
            if (!fortranOrder || shape.length < 2) {
                return type.read(in, order, (int) count, shape, where);
            }
            // Fortran order is C order of the reversed shape; reversing the axes back gives a view,
            // which contiguous() turns into row-major storage.
            long[] reversed = new long[shape.length];
            int[] perm = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                reversed[i] = shape[shape.length - 1 - i];
                perm[i] = shape.length - 1 - i;
            }
            return type.read(in, order, (int) count, reversed, where).permute(perm).contiguous();
        }

        TensorSummary summarize(String tensorName, String where, InputStream in) throws IOException {
            Elements.Stats stats = new Elements.Stats();
            type.summarize(in, order, count, stats, where);   // the order of the elements does not matter
            return TensorSummary.of(tensorName, type, shape, count, stats);
        }
    }

    /**
     * Reads and checks the preamble and header dict from {@code in}; {@code size} is the byte
     * count of the whole .npy data when known (then the declared data must fill it exactly), else -1.
     */
    private static Header readHeader(String where, InputStream in, long size, String container) throws IOException {
        byte[] preamble = in.readNBytes(10);
        if (preamble.length < 10) {
            throw bad(where, "only " + preamble.length + " bytes, too short for the .npy preamble (truncated?)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (preamble[i] != MAGIC[i]) {
                throw bad(where, "bad magic string (not a .npy file)");
            }
        }
        int major = preamble[6] & 0xFF;
        int minor = preamble[7] & 0xFF;
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = ByteBuffer.wrap(preamble).order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            byte[] rest = in.readNBytes(2);
            if (rest.length < 2) {
                throw bad(where, "only " + (10 + rest.length) + " bytes, too short for a version " + major
                        + " preamble");
            }
            headerLength = ByteBuffer.wrap(new byte[] {preamble[8], preamble[9], rest[0], rest[1]})
                    .order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw bad(where, "unsupported format version " + major + "." + minor);
        }
        if (size >= 0 && headerLength > size - headerStart) {
            throw bad(where, "header length " + headerLength + " is larger than the "
                    + (size - headerStart) + " bytes left in " + container + " (truncated?)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw bad(where, "header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES
                    + "-byte limit of this reader (numpy writes headers of a few hundred bytes)");
        }
        byte[] headerBytes = in.readNBytes((int) headerLength);
        if (headerBytes.length < headerLength) {
            throw bad(where, "the header ends after " + headerBytes.length + " of its " + headerLength
                    + " bytes (truncated?)");
        }
        String header = new String(headerBytes,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Object parsed;
        try {
            parsed = new Literal(header).parseAll();
        } catch (IllegalArgumentException ex) {
            throw bad(where, "malformed header dict (" + ex.getMessage() + "): " + abbreviate(header));
        }
        if (!(parsed instanceof Map)) {
            throw bad(where, "header is not a dict: " + abbreviate(header));
        }
        Map<?, ?> dict = (Map<?, ?>) parsed;
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shapeObj = dict.get("shape");
        if (!(descr instanceof String) || !(fortran instanceof Boolean) || !(shapeObj instanceof List)) {
            throw bad(where, "header dict needs 'descr' (str), 'fortran_order' (bool) and 'shape' (tuple): "
                    + abbreviate(header));
        }
        Header h = new Header();
        h.descr = (String) descr;
        h.type = dtype(h.descr);
        if (h.type == null) {
            throw bad(where, "unsupported dtype '" + descr + "'");
        }
        h.order = h.descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        h.fortranOrder = (Boolean) fortran;
        List<?> dims = (List<?>) shapeObj;
        h.shape = new long[dims.size()];
        for (int i = 0; i < h.shape.length; i++) {
            if (!(dims.get(i) instanceof Long)) {
                throw bad(where, "shape entry " + dims.get(i) + " is not an integer");
            }
            h.shape[i] = (Long) dims.get(i);
            if (h.shape[i] < 0) {
                throw bad(where, "negative dimension in shape " + Arrays.toString(h.shape));
            }
        }
        h.count = Elements.numel(h.shape);
        if (h.count < 0 || h.count > Long.MAX_VALUE / h.type.byteSize) {
            throw bad(where, "element count of shape " + Arrays.toString(h.shape)
                    + " overflows the largest supported tensor");
        }
        h.dataStart = headerStart + headerLength;
        h.dataBytes = h.count * h.type.byteSize;
        if (size >= 0 && h.dataBytes != size - h.dataStart) {
            long have = size - h.dataStart;
            throw bad(where, "shape " + Arrays.toString(h.shape) + " of '" + descr + "' needs " + h.dataBytes
                    + " data bytes but " + container + " has " + have + (h.dataBytes > have ? " (truncated?)" : ""));
        }
        return h;
    }

    private static Elements dtype(String descr) {
        if (descr.length() < 3) {
            return null;
        }
        char order = descr.charAt(0);
        String code = descr.substring(1);
        if (order != '<' && order != '>' && order != '|' && order != '=') {
            return null;
        }
        switch (code) {
            case "f2": return Elements.F16;
            case "f4": return Elements.F32;
            case "f8": return Elements.F64;
            case "i1": return Elements.I8;
            case "u1": return Elements.U8;
            case "i2": return Elements.I16;
            case "i4": return Elements.I32;
            case "i8": return Elements.I64;
            case "b1": return Elements.BOOL;
            default: return null;
        }
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    /**
     * The Python-literal subset numpy writes in headers: dicts, tuples/lists, quoted strings,
     * integers, True/False/None.
     */
    private static final class Literal {
        private final String s;
        private int pos;
        private int depth;

        Literal(String s) {
            this.s = s;
        }

        Object parseAll() {
            Object v = value();
            skip();
            if (pos != s.length()) {
                throw new IllegalArgumentException("trailing characters at " + pos);
            }
            return v;
        }

        private void skip() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private Object value() {
            skip();
            if (pos >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            if (++depth > 32) {
                throw new IllegalArgumentException("nested too deeply");
            }
            try {
                char c = s.charAt(pos);
                if (c == '{') {
                    pos++;
                    Map<Object, Object> map = new LinkedHashMap<>();
                    while (true) {
                        skip();
                        if (peek('}')) {
                            return map;
                        }
                        Object key = value();
                        skip();
                        if (!peek(':')) {
                            throw new IllegalArgumentException("expected ':' at " + pos);
                        }
                        map.put(key, value());
                        skip();
                        if (peek('}')) {
                            return map;
                        }
                        if (!peek(',')) {
                            throw new IllegalArgumentException("expected ',' or '}' at " + pos);
                        }
                    }
                }
                if (c == '(' || c == '[') {
                    char close = c == '(' ? ')' : ']';
                    pos++;
                    List<Object> list = new ArrayList<>();
                    while (true) {
                        skip();
                        if (peek(close)) {
                            return list;
                        }
                        list.add(value());
                        skip();
                        if (peek(close)) {
                            return list;
                        }
                        if (!peek(',')) {
                            throw new IllegalArgumentException("expected ',' or '" + close + "' at " + pos);
                        }
                    }
                }
                if (c == '\'' || c == '"') {
                    int end = s.indexOf(c, pos + 1);
                    if (end < 0) {
                        throw new IllegalArgumentException("unterminated string at " + pos);
                    }
                    String str = s.substring(pos + 1, end);
                    pos = end + 1;
                    return str;
                }
                for (String word : new String[] {"True", "False", "None"}) {
                    if (s.startsWith(word, pos)) {
                        pos += word.length();
                        return word.equals("None") ? null : Boolean.valueOf(word.equals("True"));
                    }
                }
                int start = pos;
                if (c == '-' || c == '+') {
                    pos++;
                }
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                if (pos == start || (pos == start + 1 && !Character.isDigit(c))) {
                    throw new IllegalArgumentException("unexpected character '" + c + "' at " + start);
                }
                String digits = s.substring(start, pos);
                if (pos < s.length() && s.charAt(pos) == 'L') {
                    pos++; // Python 2 long suffix
                }
                try {
                    return Long.parseLong(digits);
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("integer out of range: " + digits);
                }
            } finally {
                depth--;
            }
        }

        private boolean peek(char c) {
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }
    }
}
