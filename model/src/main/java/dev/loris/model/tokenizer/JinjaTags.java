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
        char quote = 0;
        for (int i = open + 2; i < template.length(); i++) {
            char c = template.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (template.startsWith(close, i)) {
                return i;
            }
        }
        return template.length();
    }
}
