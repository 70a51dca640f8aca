package dev.walnut.io;

import dev.walnut.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
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
 * to I32). Writes version 1.0, C order, little endian. {@code .npz} members may be stored or
 * deflated. Malformed files fail with an {@link IOException} naming the file and the problem;
 * sizes are checked against the available bytes before anything is allocated.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /** Writes {@code tensor} to {@code path} as a version 1.0, C-order, little-endian .npy file. */
    public static void save(Path path, Tensor tensor) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            write(out, tensor);
        }
    }

    /** Reads a .npy file (memory-mapped). */
    public static Tensor load(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw bad(path.toString(), "file of " + size + " bytes is larger than the 2 GiB supported");
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return read(path.toString(), buf);
        }
    }

    /**
     * Writes {@code tensors} to {@code path} as an uncompressed .npz archive (like
     * {@code numpy.savez}); each tensor becomes the member {@code name + ".npy"}.
     */
    public static void saveNpz(Path path, Map<String, Tensor> tensors) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(path))) {
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
        }
    }

    /** Reads every {@code .npy} member of a .npz archive, keyed by member name without ".npy". */
    public static LinkedHashMap<String, Tensor> loadNpz(Path path) throws IOException {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                String member = entry.getName();
                String where = path + " (member " + member + ")";
                long size = entry.getSize();
                if (size < 0 || size > Integer.MAX_VALUE - 8) {
                    throw bad(where, "member size " + size + " is unknown or larger than 2 GiB");
                }
                byte[] data;
                try (InputStream in = zip.getInputStream(entry)) {
                    // Read in chunks so memory follows the bytes actually present, not the claim.
                    data = readBounded(in, (int) size);
                } catch (java.util.zip.ZipException ex) {
                    throw bad(where, "corrupt zip member (" + ex.getMessage() + ")");
                }
                if (data.length != size) {
                    throw bad(where, "member holds " + data.length + " bytes but the archive declares " + size);
                }
                String name = member.endsWith(".npy") ? member.substring(0, member.length() - 4) : member;
                out.put(name, read(where, ByteBuffer.wrap(data)));
            }
        } catch (java.util.zip.ZipException ex) {
            throw bad(path.toString(), "not a valid zip archive (" + ex.getMessage() + ")");
        }
        return out;
    }

    private static byte[] readBounded(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 1 << 16));
        byte[] chunk = new byte[1 << 16];
        long total = 0;
        int r;
        while ((r = in.read(chunk)) > 0) {
            total += r;
            if (total > limit) {
                break;
            }
            out.write(chunk, 0, r);
        }
        return total > limit ? new byte[0] : out.toByteArray();
    }

    private static IOException bad(String where, String problem) {
        return new IOException("Invalid .npy data in " + where + ": " + problem);
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

    static Tensor read(String where, ByteBuffer buf) throws IOException {
        long size = buf.remaining();
        if (size < 10) {
            throw bad(where, "only " + size + " bytes, too short for the .npy preamble (truncated?)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (buf.get(i) != MAGIC[i]) {
                throw bad(where, "bad magic string (not a .npy file)");
            }
        }
        int major = buf.get(6) & 0xFF;
        int minor = buf.get(7) & 0xFF;
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = buf.order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) {
                throw bad(where, "only " + size + " bytes, too short for a version " + major + " preamble");
            }
            headerLength = buf.order(ByteOrder.LITTLE_ENDIAN).getInt(8) & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw bad(where, "unsupported format version " + major + "." + minor);
        }
        if (headerLength > size - headerStart) {
            throw bad(where, "header length " + headerLength + " is larger than the "
                    + (size - headerStart) + " bytes left in the file (truncated?)");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        buf.position(headerStart);
        buf.get(headerBytes);
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
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        Elements type = dtype((String) descr);
        if (type == null) {
            throw bad(where, "unsupported dtype '" + descr + "'");
        }
        if (((String) descr).charAt(0) == '>') {
            order = ByteOrder.BIG_ENDIAN;
        }
        List<?> dims = (List<?>) shapeObj;
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long)) {
                throw bad(where, "shape entry " + dims.get(i) + " is not an integer");
            }
            shape[i] = (Long) dims.get(i);
            if (shape[i] < 0) {
                throw bad(where, "negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long count = Elements.numel(shape);
        if (count < 0 || count > Integer.MAX_VALUE - 8) {
            throw bad(where, "element count of shape " + Arrays.toString(shape) + " overflows the largest supported tensor");
        }
        long dataStart = headerStart + headerLength;
        long need = count * type.byteSize;
        long have = size - dataStart;
        if (need != have) {
            throw bad(where, "shape " + Arrays.toString(shape) + " of '" + descr + "' needs " + need
                    + " data bytes but the file has " + have + (need > have ? " (truncated?)" : ""));
        }
        buf.position((int) dataStart);
        ByteBuffer data = buf.slice().order(order);
        boolean fortranOrder = (Boolean) fortran;
        if (!fortranOrder || shape.length < 2) {
            return type.decode(data, (int) count, shape);
        }
        // Fortran order is C order of the reversed shape; reversing the axes back gives a view,
        // which contiguous() turns into row-major storage.
        long[] reversed = new long[shape.length];
        int[] perm = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            reversed[i] = shape[shape.length - 1 - i];
            perm[i] = shape.length - 1 - i;
        }
        return type.decode(data, (int) count, reversed).permute(perm).contiguous();
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
