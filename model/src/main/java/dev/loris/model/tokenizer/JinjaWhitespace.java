package dev.loris.model.tokenizer;

/**
 * Template source as Jinja2's lexer sees it with transformers' settings, for Jinjava to render:
 * line endings normalised to \n, one trailing newline dropped (keep_trailing_newline off), and
 * lstrip_blocks applied here rather than by Jinjava, whose version also strips spaces that do not start
 * a line ({@code "x {% if %}"} would lose its space).
 *
 * <p>Jinja2's rule: before a {% or {# tag without a "-" or "+" sign, the whitespace between the last
 * newline and the tag is removed, provided it is all whitespace and the line really starts there: after a
 * newline in the text, or right after a previous tag whose match ended with a newline (a block tag whose
 * newline trim_blocks consumed, or a "-" tag end followed by whitespace ending in a newline), or at the
 * start of the template. trim_blocks itself is left to Jinjava, which implements it as Jinja2 does.
 */
final class JinjaWhitespace {
    private JinjaWhitespace() {
    }

    static String asJinja2Lexes(String source) {
        String template = source.replace("\r\n", "\n").replace('\r', '\n');
        if (template.endsWith("\n")) {
            template = template.substring(0, template.length() - 1);
        }
        StringBuilder out = new StringBuilder(template.length());
        boolean lineStarting = true;
        int i = 0;
        while (i < template.length()) {
            int open = JinjaTags.nextOpen(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            String text = template.substring(i, open);
            char kind = template.charAt(open + 1);
            char sign = open + 2 < template.length() ? template.charAt(open + 2) : 0;
            if (kind != '{' && sign != '-' && sign != '+') {
                text = lstrip(text, lineStarting);
            }
            out.append(text);
            int close = JinjaTags.closeOf(template, open);
            int after = Math.min(template.length(), close + 2);
            out.append(template, open, after);
            lineStarting = endsLine(template, kind, close, after);
            i = after;
        }
        return out.toString();
    }

    private static String lstrip(String text, boolean lineStarting) {
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart == 0 && !lineStarting) || lineStart == text.length()) {
            return text;
        }
        for (int k = lineStart; k < text.length(); k++) {
            if (!PythonStrings.isWhitespace(text.charAt(k))) {
                return text;
            }
        }
        return text.substring(0, lineStart);
    }

    /** Whether Jinja2's match of this tag's end finishes with a newline. */
    private static boolean endsLine(String template, char kind, int close, int after) {
        if (close > 0 && close < template.length() && template.charAt(close - 1) == '-') {
            int j = after;
            while (j < template.length() && PythonStrings.isWhitespace(template.charAt(j))) {
                j++;
            }
            return j > after && template.charAt(j - 1) == '\n';
        }
        return kind != '{' && after < template.length() && template.charAt(after) == '\n';
    }
}
