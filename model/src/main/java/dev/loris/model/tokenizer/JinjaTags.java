package dev.loris.model.tokenizer;

/**
 * Finds Jinja tags in template source: where the next {{, {% or {# opens, and where it closes (string
 * literals inside {{ }} and {% %} are skipped, so a "%}" inside quotes does not end the tag).
 */
final class JinjaTags {
    private JinjaTags() {
    }

    /** Index of the next "{{", "{%" or "{#" at or after {@code from}; -1 when none. */
    static int nextOpen(String template, int from) {
        for (int i = template.indexOf('{', from); i >= 0 && i + 1 < template.length(); i = template.indexOf('{', i + 1)) {
            char next = template.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
        }
        return -1;
    }

    /** Index of the closing delimiter of the tag opened at {@code open}; the template's length when unclosed. */
    static int closeOf(String template, int open) {
        char kind = template.charAt(open + 1);
        if (kind == '#') {
            int close = template.indexOf("#}", open + 2);
            return close < 0 ? template.length() : close;
        }
        String close = kind == '{' ? "}}" : "%}";
        for (int i = open + 2; i < template.length(); i++) {
            if (isQuote(template.charAt(i))) {
                i = stringEnd(template, i);
            } else if (template.startsWith(close, i)) {
                return i;
            }
        }
        return template.length();
    }

    static boolean isQuote(char c) {
        return c == '\'' || c == '"';
    }

    /** Index of the quote closing the string literal opened at {@code open} (backslash escapes skipped); the text's last index when unclosed. */
    static int stringEnd(String code, int open) {
        char quote = code.charAt(open);
        for (int i = open + 1; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return code.length() - 1;
    }
}
