package dev.walnut.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "T-shirt/top \"quoted\" \\ tab\t newline\n");
        m.put("lr", 0.1 + 0.2);   // 0.30000000000000004 must come back exactly
        m.put("epochs", 10L);
        m.put("flag", true);
        m.put("missing", null);
        m.put("classes", List.of("a", "b"));
        m.put("rows", List.of(Map.of("x", 1L), Map.of("x", -2.5e-8)));
        m.put("empty", Map.of());
        return m;
    }

    @Test
    void compactAndPrettyTextParseBackToTheSameValues() {
        Map<String, Object> m = sample();
        String compact = Json.write(m, false);
        assertTrue(!compact.contains("\n") && !compact.contains(" \""), compact);
        assertEquals(m, Json.parseObject(compact));
        String pretty = Json.write(m, true);
        assertTrue(pretty.contains("\n  \"lr\": 0.30000000000000004,"), pretty);
        assertTrue(pretty.contains("\"classes\": [\"a\", \"b\"]"), pretty);
        assertEquals(m, Json.parseObject(pretty));
    }

    @Test
    void nonFiniteDoublesAreWrittenAsNull() {
        assertEquals("[null,null,1.5]", Json.write(Arrays.asList(Double.NaN, Double.POSITIVE_INFINITY, 1.5), false));
    }

    @Test
    void syntaxErrorsNameTheOffset() {
        var e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": [1, 2}"));
        assertTrue(e.getMessage().startsWith("invalid JSON at offset 11"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("[1]"));
        assertEquals("é", Json.parse("\"\\u00e9\""));
    }
}
