package dev.loris.model.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: a chat template cannot hang or exhaust the heap: rendering time, output size and string sizes
 * are bounded, each with a clear TokenizerException. And Jinja2's precedence of {@code not x is defined}
 * ({@code not (x is defined)}), which Llama 3.1 / 3.2 templates rely on to take a passed date_string.
 */
class TemplateLimitsTest {
    private static final TokenizerConfig NO_TOKENS = TokenizerConfig.parse(null, null, "t");

    private static String render(String template, Map<String, ?> variables) {
        return new ChatTemplate(template, NO_TOKENS, "/m/tokenizer_config.json")
                .renderMaps(List.of(Map.of("role", "user", "content", "hi")), false, variables);
    }

    private static void assertRefused(String template, String... parts) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> render(template, Map.of()));
        for (String part : parts) {
            assertTrue(e.userMessage().contains(part), "'" + part + "' missing from: " + e.userMessage());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nestedLoopsStopAtTheTimeLimit() {
        assertRefused("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
                + "{% endfor %}{% endfor %}{% endfor %}", "/m/tokenizer_config.json", "seconds");
        assertRefused("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}{{ k }}"
                + "{% endfor %}{% endfor %}{% endfor %}", "/m/tokenizer_config.json");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stringDoublingStopsAtTheSizeLimit() {
        assertRefused("{% set s = 'ab' %}{% for i in range(60) %}{% set s = s ~ s %}{% endfor %}{{ s|length }}",
                "/m/tokenizer_config.json");
        assertRefused("{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
                + "{% endfor %}{{ ns.s|length }}", "/m/tokenizer_config.json");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hugeOutputStopsAtTheSizeLimit() {
        String big = "x".repeat(100_000);
        TokenizerException e = assertThrows(TokenizerException.class, () -> new ChatTemplate(
                "{% for i in range(1000) %}{{ messages[0].content }}{% endfor %}", NO_TOKENS, "/m/t")
                .renderMaps(List.of(Map.of("role", "user", "content", big)), false, Map.of()));
        assertTrue(e.userMessage().contains("/m/t"), e.userMessage());
    }

    @Test
    void notBindsLooserThanIsAsInJinja2() {
        String template = "{% if not date_string is defined %}{% set date_string = '26 Jul 2024' %}{% endif %}"
                + "{{ date_string }}";
        assertEquals("1 Jan 2025", render(template, Map.of("date_string", "1 Jan 2025")));
        assertEquals("26 Jul 2024", render(template, Map.of()));
        assertEquals("yes", render("{% if not messages[0]['role'] is string %}no{% else %}yes{% endif %}", Map.of()));
        assertEquals("yes", render("{% if not x.y is not defined %}no{% else %}yes{% endif %}", Map.of()));
        assertEquals("True", render("{{ not 3 is divisibleby(2) }}", Map.of()));
    }
}
