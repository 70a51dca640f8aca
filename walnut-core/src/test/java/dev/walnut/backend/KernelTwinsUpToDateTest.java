package dev.walnut.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The per-dtype kernel classes are generated from the templates under src/main/templates by
 * {@link KernelTwins} and committed. These tests regenerate them in memory and fail when a
 * committed file differs, naming the file and the command that fixes it.
 */
class KernelTwinsUpToDateTest {
    private static final Path MODULE = Path.of("");

    @Test
    void committedKernelFilesMatchTheirTemplates() throws IOException {
        Map<Path, String> generated = KernelTwins.generateAll(MODULE);
        assertFalse(generated.isEmpty(), "no templates found under " + MODULE.toAbsolutePath().resolve(KernelTwins.TEMPLATES));
        List<String> stale = new ArrayList<>();
        for (Map.Entry<Path, String> e : generated.entrySet()) {
            Path file = e.getKey();
            if (!Files.exists(file)) {
                stale.add("walnut-core/" + file + " (missing)");
                continue;
            }
            // A checkout with CRLF line ends (core.autocrlf) is not stale.
            String committed = Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
            if (!committed.equals(e.getValue())) {
                String header = e.getValue().substring(0, e.getValue().indexOf('\n'));
                stale.add("walnut-core/" + file + " (template " + header.substring("// Generated from ".length(),
                        header.indexOf(" by ")) + "; " + firstDifference(committed, e.getValue()) + ")");
            }
        }
        if (!stale.isEmpty()) {
            fail("Generated kernel files differ from their templates (edit the template under "
                    + KernelTwins.TEMPLATES + ", never the generated file):\n  " + String.join("\n  ", stale)
                    + "\nRegenerate from the repository root with:\n  " + KernelTwins.COMMAND);
        }
    }

    @Test
    void everyFileMarkedGeneratedHasATemplate() throws IOException {
        Map<Path, String> generated = KernelTwins.generateAll(MODULE);
        List<String> orphans = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MODULE.resolve(KernelTwins.SOURCES))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (Files.readString(f, StandardCharsets.UTF_8).startsWith("// Generated from ")
                        && !generated.containsKey(f)) {
                    orphans.add(f.toString());
                }
            }
        }
        assertTrue(orphans.isEmpty(), "marked generated but no template writes them (template deleted or "
                + "renamed?): " + orphans);
    }

    private static String firstDifference(String committed, String expected) {
        String[] a = committed.split("\n", -1);
        String[] b = expected.split("\n", -1);
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (!a[i].equals(b[i])) {
                return "line " + (i + 1) + " is\n      " + a[i].strip() + "\n    but the template gives\n      "
                        + b[i].strip();
            }
        }
        return "length differs: " + a.length + " vs " + b.length + " lines";
    }

    // ------------------------------------------------------------------ the template language

    @Test
    void outputsBindVariablesAndPropertiesExpand() {
        Map<String, String> files = KernelTwins.expand("t.tmpl", """
                //#output FloatX.java T=float
                //#output LongX.java T=long
                //#def zero float=0f long=0L
                class ${T:Name}X { ${T} z = ${T:zero}; ${T:Boxed} b; String d = "${T:dtype}"; }
                """);
        assertEquals(List.of("FloatX.java", "LongX.java"), List.copyOf(files.keySet()));
        assertTrue(files.get("FloatX.java").endsWith("class FloatX { float z = 0f; Float b; String d = \"float32\"; }\n"));
        assertTrue(files.get("LongX.java").endsWith("class LongX { long z = 0L; Long b; String d = \"int64\"; }\n"));
        assertTrue(files.get("LongX.java").startsWith("// Generated from walnut-core/t.tmpl by KernelTwins; do not edit."));
    }

    @Test
    void loopsConditionsAndSetsNest() {
        String text = KernelTwins.expand("t.tmpl", """
                //#output A.java
                //#for S in int boolean
                //#for D in int long
                //#if S == ${D}
                //#set conv "x"
                //#elif S == boolean && D != int || D in float,long
                //#set conv "x ? 1 : 0"
                //#else
                //#set conv "(${D}) x"
                //#end
                ${S}->${D}: ${conv}
                //#end
                //#end
                """).get("A.java");
        assertTrue(text.endsWith("int->int: x\nint->long: x ? 1 : 0\nboolean->int: (int) x\nboolean->long: x ? 1 : 0\n"),
                text);
    }

    @Test
    void mistakesFailLoudlyWithTheTemplateLine() {
        assertThrows(IllegalArgumentException.class, () -> KernelTwins.expand("t.tmpl", "class X {}\n"));
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> KernelTwins.expand("t.tmpl", "//#output A.java T=float\n\n${U} x;\n"));
        assertTrue(unknown.getMessage().startsWith("t.tmpl:3: unknown variable ${U}"), unknown.getMessage());
        var noValue = assertThrows(IllegalArgumentException.class,
                () -> KernelTwins.expand("t.tmpl", "//#output A.java T=int\n//#def zero float=0f\n${T:zero}\n"));
        assertTrue(noValue.getMessage().contains("zero has no value for int"), noValue.getMessage());
        var unclosed = assertThrows(IllegalArgumentException.class,
                () -> KernelTwins.expand("t.tmpl", "//#output A.java T=int\n//#if T == int\nx\n"));
        assertTrue(unclosed.getMessage().startsWith("t.tmpl:2:"), unclosed.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KernelTwins.expand("t.tmpl", "//#output A.java T=int\n//#end\n"));
        assertThrows(IllegalArgumentException.class,
                () -> KernelTwins.expand("t.tmpl", "//#output A.java T=int\n//#iff T == int\n//#end\n"));
    }
}
