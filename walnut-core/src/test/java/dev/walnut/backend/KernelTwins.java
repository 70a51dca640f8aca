package dev.walnut.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Expands the kernel templates under {@code walnut-core/src/main/templates} into the per-dtype
 * kernel classes under {@code walnut-core/src/main/java} (FloatGemm and DoubleGemm from one
 * template, the float/double/int/long overloads of Comparisons from one loop, ...). The generated
 * files are committed; {@code KernelTwinsUpToDateTest} regenerates them in memory and fails when
 * one differs, so a stale file cannot get through {@code mvn test}.
 *
 * <p>Regenerate after editing a template (plain JDK 17+, no build needed), from the repository root:
 * <pre>{@code java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java}</pre>
 *
 * <p>A template {@code dir/X.java.tmpl} writes the files its {@code //#output} lines name into the
 * same package directory under {@code src/main/java}. Lines whose first non-blank characters are
 * {@code //#} are directives and are not copied:
 * <ul>
 *   <li>{@code //#output FloatGemm.java T=float} — one generated file, with variables bound;</li>
 *   <li>{@code //#def zero float=0f double=0.0} — a per-value property, read as {@code ${T:zero}};
 *       a value with spaces is quoted: {@code narrow float="(float) " double=""};</li>
 *   <li>{@code //#for T in float double int long} ... {@code //#end} — the block once per value;</li>
 *   <li>{@code //#if T == float} / {@code //#elif T in int,long} / {@code //#else} / {@code //#end}
 *       — conditions are {@code VAR == word}, {@code VAR != word} or {@code VAR in w1,w2}
 *       ({@code ${...}} allowed on the right), joined by {@code &&} and then {@code ||};</li>
 *   <li>{@code //#set NAME value} — binds a variable until the end of the enclosing loop body
 *       (quote the value to keep leading or trailing spaces);</li>
 *   <li>{@code //#-- text} — a note for template readers, not copied.</li>
 * </ul>
 * Everywhere else {@code ${VAR}} is the variable's value and {@code ${VAR:prop}} a property of it:
 * {@code Name} (capitalized: Float, Int), {@code Boxed} (Float, Integer), {@code dtype} (float32,
 * int64, bool) or a {@code //#def}. Anything unknown or unbalanced is an error naming the
 * template line: the generator never guesses.
 */
public final class KernelTwins {
    /** The command that regenerates every kernel file, as printed in headers and errors. */
    public static final String COMMAND = "java walnut-core/src/test/java/dev/walnut/backend/KernelTwins.java";

    static final String TEMPLATES = "src/main/templates";
    static final String SOURCES = "src/main/java";
    static final String SUFFIX = ".tmpl";

    private KernelTwins() {
    }

    /**
     * Writes every generated file whose text changed. Run from the repository root or from
     * walnut-core; {@code --check} only lists stale files and exits with status 1 if there are any.
     */
    public static void main(String[] args) throws IOException {
        boolean check = args.length > 0 && args[0].equals("--check");
        Path module = Files.isDirectory(Path.of("walnut-core", TEMPLATES)) ? Path.of("walnut-core") : Path.of("");
        if (!Files.isDirectory(module.resolve(TEMPLATES))) {
            throw new IllegalStateException("no " + TEMPLATES + " here: run from the repository root or walnut-core");
        }
        int stale = 0;
        for (Map.Entry<Path, String> e : generateAll(module).entrySet()) {
            Path file = e.getKey();
            String old = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
            if (e.getValue().equals(old)) {
                continue;
            }
            stale++;
            if (check) {
                System.out.println("stale: " + file);
            } else {
                Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
                System.out.println("wrote " + file);
            }
        }
        if (check && stale > 0) {
            System.exit(1);
        }
    }

    /** Every generated file of the module rooted at {@code module}: path → full text. */
    public static Map<Path, String> generateAll(Path module) {
        Path root = module.resolve(TEMPLATES);
        Map<Path, String> out = new TreeMap<>();
        List<Path> templates;
        try (Stream<Path> walk = Files.walk(root)) {
            templates = walk.filter(p -> p.toString().endsWith(SUFFIX)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path template : templates) {
            String text;
            try {
                text = Files.readString(template, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String name = module.resolve(TEMPLATES).relativize(template).toString().replace('\\', '/');
            Path dir = module.resolve(SOURCES).resolve(root.relativize(template).getParent().toString());
            for (Map.Entry<String, String> e : expand(TEMPLATES + "/" + name, text).entrySet()) {
                if (out.put(dir.resolve(e.getKey()), e.getValue()) != null) {
                    throw new IllegalStateException("two templates write " + dir.resolve(e.getKey()));
                }
            }
        }
        return out;
    }

    /** The files one template writes: output file name → text (header included). */
    public static Map<String, String> expand(String templateName, String text) {
        Template t = new Parser(templateName, text).parse();
        if (t.outputs.isEmpty()) {
            throw new IllegalArgumentException(templateName + ": no //#output line");
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (Output o : t.outputs) {
            StringBuilder sb = new StringBuilder();
            sb.append("// Generated from walnut-core/").append(templateName).append(" by KernelTwins; do not edit.\n");
            sb.append("// Edit the template, then run from the repository root: ").append(COMMAND).append('\n');
            new Evaluator(templateName, t.defs, sb).run(t.body, new HashMap<>(o.vars));
            if (files.put(o.file, sb.toString()) != null) {
                throw new IllegalArgumentException(templateName + ":" + o.line + ": " + o.file + " is written twice");
            }
        }
        return files;
    }

    // ------------------------------------------------------------------------------ parsing

    private sealed interface Node permits Text, SetVar, For, If {
    }

    private record Text(String line, int no) implements Node {
    }

    private record SetVar(String name, String value, int no) implements Node {
    }

    private record For(String var, List<String> values, List<Node> body, int no) implements Node {
    }

    /** Branches in order; the {@code else} branch has a null condition. */
    private record If(List<Branch> branches) implements Node {
    }

    private record Branch(String condition, List<Node> body, int no) {
    }

    private record Output(String file, Map<String, String> vars, int line) {
    }

    private record Template(List<Output> outputs, Map<String, Map<String, String>> defs, List<Node> body) {
    }

    private static final class Parser {
        private final String name;
        private final String[] lines;
        private int pos;
        private final List<Output> outputs = new ArrayList<>();
        private final Map<String, Map<String, String>> defs = new HashMap<>();

        Parser(String name, String text) {
            this.name = name;
            this.lines = text.split("\n", -1);
        }

        Template parse() {
            List<Node> body = block(0);
            // split("\n", -1) leaves one empty string after a final newline; the evaluator writes
            // a newline after every line, so drop it.
            if (!body.isEmpty() && body.get(body.size() - 1) instanceof Text last && last.line.isEmpty()
                    && last.no == lines.length) {
                body.remove(body.size() - 1);
            }
            return new Template(outputs, defs, body);
        }

        private IllegalArgumentException error(int no, String message) {
            return new IllegalArgumentException(name + ":" + no + ": " + message);
        }

        /** Parses until an {@code //#end}, {@code //#else} or {@code //#elif} (left unconsumed) or the end. */
        private List<Node> block(int openedAt) {
            List<Node> nodes = new ArrayList<>();
            while (pos < lines.length) {
                String line = lines[pos];
                int no = pos + 1;
                String trimmed = line.strip();
                if (!trimmed.startsWith("//#")) {
                    nodes.add(new Text(line, no));
                    pos++;
                    continue;
                }
                String directive = trimmed.substring(3);
                String word = directive.split("\\s+", 2)[0];
                String rest = directive.substring(word.length()).strip();
                switch (word) {
                    case "end", "else", "elif" -> {
                        if (openedAt == 0) {
                            throw error(no, "//#" + word + " without an open //#if or //#for");
                        }
                        return nodes;
                    }
                    case "output" -> {
                        pos++;
                        List<String> words = words(no, rest);
                        if (words.isEmpty()) {
                            throw error(no, "//#output needs a file name");
                        }
                        Map<String, String> vars = new LinkedHashMap<>();
                        for (String w : words.subList(1, words.size())) {
                            int eq = w.indexOf('=');
                            if (eq <= 0) {
                                throw error(no, "expected VAR=value, got " + w);
                            }
                            vars.put(w.substring(0, eq), w.substring(eq + 1));
                        }
                        outputs.add(new Output(words.get(0), vars, no));
                    }
                    case "def" -> {
                        pos++;
                        List<String> words = words(no, rest);
                        if (words.size() < 2) {
                            throw error(no, "//#def needs a name and key=value pairs");
                        }
                        Map<String, String> map = new HashMap<>();
                        for (String w : words.subList(1, words.size())) {
                            int eq = w.indexOf('=');
                            if (eq <= 0) {
                                throw error(no, "expected key=value, got " + w);
                            }
                            map.put(w.substring(0, eq), w.substring(eq + 1));
                        }
                        if (defs.put(words.get(0), map) != null) {
                            throw error(no, "property " + words.get(0) + " is defined twice");
                        }
                    }
                    case "set" -> {
                        pos++;
                        String[] parts = rest.split("\\s+", 2);
                        if (parts[0].isEmpty()) {
                            throw error(no, "//#set needs a name");
                        }
                        String value = parts.length > 1 ? parts[1] : "";
                        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                            value = value.substring(1, value.length() - 1);
                        }
                        nodes.add(new SetVar(parts[0], value, no));
                    }
                    case "for" -> {
                        pos++;
                        String[] parts = rest.split("\\s+");
                        if (parts.length < 3 || !parts[1].equals("in")) {
                            throw error(no, "expected //#for VAR in v1 v2 ...");
                        }
                        List<Node> body = block(no);
                        expectEnd(no, "//#for");
                        nodes.add(new For(parts[0], List.of(parts).subList(2, parts.length), body, no));
                    }
                    case "if" -> {
                        pos++;
                        List<Branch> branches = new ArrayList<>();
                        String condition = rest;
                        int branchAt = no;
                        while (true) {
                            if (condition != null && condition.isEmpty()) {
                                throw error(branchAt, "missing condition");
                            }
                            List<Node> body = block(no);
                            branches.add(new Branch(condition, body, branchAt));
                            if (pos >= lines.length) {
                                throw error(no, "//#if is never closed by //#end");
                            }
                            String next = lines[pos].strip().substring(3);
                            branchAt = pos + 1;
                            pos++;
                            if (next.startsWith("elif")) {
                                if (condition == null) {
                                    throw error(branchAt, "//#elif after //#else");
                                }
                                condition = next.substring(4).strip();
                            } else if (next.startsWith("else")) {
                                if (condition == null) {
                                    throw error(branchAt, "second //#else");
                                }
                                condition = null;
                            } else {
                                break; // end
                            }
                        }
                        nodes.add(new If(branches));
                    }
                    case "--" -> pos++;
                    default -> throw error(no, "unknown directive //#" + word);
                }
            }
            if (openedAt != 0) {
                throw error(openedAt, "block is never closed by //#end");
            }
            return nodes;
        }

        private void expectEnd(int openedAt, String what) {
            if (pos >= lines.length) {
                throw error(openedAt, what + " is never closed by //#end");
            }
            String w = lines[pos].strip().substring(3).split("\\s+", 2)[0];
            if (!w.equals("end")) {
                throw error(pos + 1, "//#" + w + " inside " + what + " (opened at line " + openedAt + ")");
            }
            pos++;
        }

        /** Splits on blanks; a double-quoted part (after {@code key=} or alone) may hold blanks. */
        private List<String> words(int no, String s) {
            List<String> out = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            boolean quoted = false;
            boolean any = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                    any = true;
                } else if (Character.isWhitespace(c) && !quoted) {
                    if (any) {
                        out.add(cur.toString());
                        cur.setLength(0);
                        any = false;
                    }
                } else {
                    cur.append(c);
                    any = true;
                }
            }
            if (quoted) {
                throw error(no, "unbalanced quote");
            }
            if (any) {
                out.add(cur.toString());
            }
            return out;
        }
    }

    // ---------------------------------------------------------------------------- evaluation

    private static final Map<String, String> BOXED = Map.of("float", "Float", "double", "Double", "int", "Integer",
            "long", "Long", "boolean", "Boolean", "short", "Short", "byte", "Byte", "char", "Character");
    private static final Map<String, String> DTYPE = Map.of("float", "float32", "double", "float64", "int", "int32",
            "long", "int64", "boolean", "bool");

    private static final class Evaluator {
        private final String name;
        private final Map<String, Map<String, String>> defs;
        private final StringBuilder out;

        Evaluator(String name, Map<String, Map<String, String>> defs, StringBuilder out) {
            this.name = name;
            this.defs = defs;
            this.out = out;
        }

        void run(List<Node> nodes, Map<String, String> env) {
            for (Node node : nodes) {
                if (node instanceof Text t) {
                    out.append(substitute(t.line, t.no, env)).append('\n');
                } else if (node instanceof SetVar s) {
                    env.put(s.name, substitute(s.value, s.no, env));
                } else if (node instanceof For f) {
                    for (String v : f.values) {
                        Map<String, String> inner = new HashMap<>(env);
                        inner.put(f.var, v);
                        run(f.body, inner);
                    }
                } else if (node instanceof If i) {
                    for (Branch b : i.branches) {
                        if (b.condition == null || holds(b.condition, b.no, env)) {
                            run(b.body, env);
                            break;
                        }
                    }
                }
            }
        }

        private boolean holds(String condition, int no, Map<String, String> env) {
            for (String any : condition.split("\\|\\|")) {
                boolean all = true;
                for (String atom : any.split("&&")) {
                    all &= atom(atom.strip(), no, env);
                }
                if (all) {
                    return true;
                }
            }
            return false;
        }

        private boolean atom(String atom, int no, Map<String, String> env) {
            String[] p = atom.split("\\s+");
            if (p.length != 3) {
                throw new IllegalArgumentException(name + ":" + no + ": expected VAR == x, VAR != x or VAR in x,y: " + atom);
            }
            String left = env.get(p[0]);
            if (left == null) {
                throw new IllegalArgumentException(name + ":" + no + ": unknown variable " + p[0] + " in condition");
            }
            String right = substitute(p[2], no, env);
            return switch (p[1]) {
                case "==" -> left.equals(right);
                case "!=" -> !left.equals(right);
                case "in" -> List.of(right.split(",")).contains(left);
                default -> throw new IllegalArgumentException(name + ":" + no + ": unknown operator " + p[1]);
            };
        }

        private String substitute(String line, int no, Map<String, String> env) {
            int at = line.indexOf("${");
            if (at < 0) {
                return line;
            }
            StringBuilder sb = new StringBuilder();
            int from = 0;
            while (at >= 0) {
                int close = line.indexOf('}', at);
                if (close < 0) {
                    throw new IllegalArgumentException(name + ":" + no + ": unclosed ${");
                }
                sb.append(line, from, at).append(lookup(line.substring(at + 2, close), no, env));
                from = close + 1;
                at = line.indexOf("${", from);
            }
            return sb.append(line, from, line.length()).toString();
        }

        private String lookup(String key, int no, Map<String, String> env) {
            int colon = key.indexOf(':');
            String var = colon < 0 ? key : key.substring(0, colon);
            String value = env.get(var);
            if (value == null) {
                throw new IllegalArgumentException(name + ":" + no + ": unknown variable ${" + var + "}");
            }
            if (colon < 0) {
                return value;
            }
            String prop = key.substring(colon + 1);
            String result = switch (prop) {
                case "Name" -> value.isEmpty() ? value : Character.toUpperCase(value.charAt(0)) + value.substring(1);
                case "Boxed" -> BOXED.get(value);
                case "dtype" -> DTYPE.get(value);
                default -> {
                    Map<String, String> def = defs.get(prop);
                    if (def == null) {
                        throw new IllegalArgumentException(name + ":" + no + ": unknown property " + prop
                                + " (built in: Name, Boxed, dtype; others need a //#def)");
                    }
                    yield def.get(value);
                }
            };
            if (result == null) {
                throw new IllegalArgumentException(name + ":" + no + ": property " + prop + " has no value for " + value);
            }
            return result;
        }
    }
}
