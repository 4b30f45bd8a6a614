package dev.loris.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Python semantics chat templates rely on, checked against what CPython and Jinja2 print (the values
 * below are Python's outputs): str methods, json.dumps, float repr, slices, whitespace control,
 * strftime. {@link JinjaCompatFixtureTest} compares whole templates with transformers.
 */
class JinjaPythonismsTest {
    private static final TokenizerConfig NO_TOKENS = TokenizerConfig.parse(null, null, "none");

    private static String render(String template, Object... messageContents) {
        List<Map<String, Object>> messages = new java.util.ArrayList<>();
        for (Object content : messageContents) {
            messages.add(Map.of("role", "user", "content", content));
        }
        return new ChatTemplate(template, NO_TOKENS, "test").renderMaps(messages, false, Map.of());
    }

    @Test
    void stringMethodsFollowPython() {
        assertEquals("x", PythonStrings.strip("\u00a0\u0085 x \t", null, true, true), "NBSP and NEL are whitespace");
        assertEquals(List.of("a", "", "b", ""), PythonStrings.split("a,,b,", ",", -1));
        assertEquals(List.of("a", "b  c "), PythonStrings.split("  a b  c ", null, 1));
        assertEquals(List.of("a,b", "c"), PythonStrings.rsplit("a,b,c", ",", 1));
        assertEquals(List.of("l1", "l2", "", "l4"), PythonStrings.splitLines("l1\r\nl2\n\nl4\n"));
        assertEquals("They'Re Bill'S Ab中Cd", PythonStrings.title("they're bill's ab中cd"));
        assertEquals("-a-b-", PythonStrings.replace("ab", "", "-", -1));
        assertEquals(4, PythonStrings.count("abc", ""));
        assertThrows(IllegalArgumentException.class, () -> PythonStrings.split("a", "", -1));
    }

    @Test
    void templatesCallThemAsMethods() {
        assertEquals("True|False|True", render("{{ messages[0].content.startswith('<a') }}|"
                + "{{ messages[0].content.endswith('x') }}|{{ messages[0].content.endswith(['x', '>']) }}", "<a>"));
        assertEquals(">|<a|>", render("{{ messages[0].content.split('a')[-1] }}|{{ messages[0].content.rsplit('>', 1)[0] }}"
                + "|{{ messages[0].content[-1] }}", "<a>"));
        assertEquals("k=v;", render("{% for k, v in messages[0].content.items() %}{{ k }}={{ v }};{% endfor %}",
                Map.of("k", "v")));
    }

    @Test
    void jsonDumpsLikePython() {
        PythonJson compact = new PythonJson(false, null, null, false);
        assertEquals("{\"a\": [1, 2.5, null, true], \"é\": \"x\\n\\\"\\u0001\"}",
                compact.dumps(orderedMap("a", java.util.Arrays.asList(1L, 2.5, null, true), "é", "x\n\"\u0001")));
        assertEquals("{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}",
                new PythonJson(false, 2, null, false).dumps(orderedMap("a", List.of(1L), "b", Map.of())));
        assertEquals("\"\\u00e9\\ud83d\\ude00\"", new PythonJson(true, null, null, false).dumps("é😀"));
        assertEquals("1.0 1e-05 0.0001 1e+16 123456789.0 -2.5 1.5e+300 NaN -0.0 0.1",
                String.join(" ", PythonJson.floatRepr(1.0), PythonJson.floatRepr(1e-5), PythonJson.floatRepr(1e-4),
                        PythonJson.floatRepr(1e16), PythonJson.floatRepr(123456789.0), PythonJson.floatRepr(-2.5),
                        PythonJson.floatRepr(1.5e300), PythonJson.floatRepr(Double.NaN), PythonJson.floatRepr(-0.0),
                        PythonJson.floatRepr(0.1)));
    }

    private static Map<String, Object> orderedMap(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }

    @Test
    void slicesWithStepsAndNamespaceExpressionsWork() {
        assertEquals("cba|ca|c", render("{{ messages[0].content[::-1] }}|{{ messages[0].content[::-2] }}|"
                + "{{ messages[0].content[2::5] }}", "abc"));
        assertEquals("1 True", render("{% set ns = namespace(n=messages|length - 1, f=false) %}"
                + "{% for m in messages %}{% set ns.f = true %}{% endfor %}{{ ns.n }} {{ ns.f }}", "a", "b"));
        assertEquals("x[::-1] stays", render("{{ 'x[::-1] stays' }}"), "string literals are not rewritten");
    }

    @Test
    void whitespaceControlMatchesJinja2() {
        assertEquals("x y z", render("x {% if true %}y{% endif %} z"), "lstrip_blocks only strips line starts");
        assertEquals("a\nb\n", render("a\n    {% if true %}\nb\n    {% endif %}\n"));
        assertEquals("a\nb\n", render("a\r\n{% if true %}\r\nb\r\n{% endif %}"), "CRLF sources behave as LF");
        assertEquals("{{ x }} {% if %}", render("{{ messages[0].content }}", "{{ x }} {% if %}"),
                "message text is never rendered again as a template");
    }

    @Test
    void strftimeUsesPythonDirectives() {
        LocalDateTime t = LocalDateTime.of(2024, 7, 6, 9, 5, 3);
        assertEquals("06 Jul 2024", JinjaFunctions.strftime(t, "%d %b %Y"));
        assertEquals("Saturday, July 6, 09:05:03 AM 188 %q", JinjaFunctions.strftime(t, "%A, %B %-d, %H:%M:%S %p %j %q"));
        String today = render("{{ strftime_now('%Y') }}");
        assertTrue(today.matches("\\d{4}"), today);
    }
}
