package dev.loris.model.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Source-level fixes for the two Jinja constructs of real chat templates that Jinjava parses
 * differently, applied inside {{ }} and {% %} only (never to literal template text or string literals):
 *
 * <ul>
 *   <li>Slices with a step, {@code messages[::-1]}: Jinjava's parser rejects them; they become the filter
 *       {@code |py_slice(start, stop, step)} (Qwen3 iterates {@code messages[::-1]}).</li>
 *   <li>Keyword arguments of {@code namespace(...)} holding an expression,
 *       {@code namespace(last=messages|length - 1)}: Jinjava binds '=' tighter than '-', so each value is
 *       parenthesised.</li>
 *   <li>{@code not x is defined}: Jinja2 applies tests before {@code not} ({@code not (x is defined)}), Jinjava
 *       after ({@code (not x) is defined}, always true), so Llama 3.1 / 3.2 templates ignored a passed
 *       date_string. A {@code not} before a name, attribute or subscript chain (or a number) followed by a test
 *       gets the test parenthesised with it.</li>
 * </ul>
 */
final class TemplateRewriter {
    private static final Pattern STEP_SLICE = Pattern.compile(
            "\\[\\s*([^\\[\\]:'\"]*?)\\s*:\\s*([^\\[\\]:'\"]*?)\\s*:\\s*([^\\[\\]:'\"]*?)\\s*]");
    private static final Pattern NAMESPACE_CALL = Pattern.compile("\\bnamespace\\s*\\(");
    private static final String OPERAND =
            "(?:\\d+|[A-Za-z_]\\w*(?:\\s*\\.\\s*[A-Za-z_]\\w*|\\[(?:'[^']*'|\"[^\"]*\"|[^\\]'\"])*\\])*)";
    private static final Pattern NOT_TEST = Pattern.compile(
            "\\bnot\\s+(" + OPERAND + ")\\s+is\\s+((?:not\\s+)?[A-Za-z_]\\w*(?:\\s*\\([^()]*\\))?)");
    private static final Pattern KEYWORD = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=(?!=)(.*)$", Pattern.DOTALL);

    private TemplateRewriter() {
    }

    /** The source with Jinja2's whitespace handling applied ({@link JinjaWhitespace}), then the rewrites inside tags. */
    static String rewrite(String source) {
        String template = JinjaWhitespace.asJinja2Lexes(source);
        StringBuilder out = new StringBuilder(template.length() + 64);
        int i = 0;
        while (i < template.length()) {
            int open = JinjaTags.nextOpen(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            int close = JinjaTags.closeOf(template, open);
            out.append(template, i, open + 2);
            String inside = template.substring(open + 2, close);
            out.append(template.charAt(open + 1) == '#' ? inside : rewriteExpression(inside));
            i = close;
        }
        return out.toString();
    }

    static String rewriteExpression(String code) {
        return rewriteNotTests(rewriteNamespaces(rewriteSlices(code)));
    }

    /** {@code not OPERAND is TEST} as {@code not (OPERAND is TEST)}, outside string literals. */
    private static String rewriteNotTests(String code) {
        Matcher m = NOT_TEST.matcher(code);
        StringBuilder out = new StringBuilder();
        int copied = 0;
        while (m.find()) {
            if (insideLiteral(code, m.start())) {
                continue;
            }
            out.append(code, copied, m.start()).append("not (").append(m.group(1)).append(" is ").append(m.group(2))
                    .append(')');
            copied = m.end();
        }
        return copied == 0 ? code : out.append(code, copied, code.length()).toString();
    }

    private static boolean insideLiteral(String code, int position) {
        for (int i = 0; i < position; i++) {
            if (JinjaTags.isQuote(code.charAt(i))) {
                int end = JinjaTags.stringEnd(code, i);
                if (end >= position) {
                    return true;
                }
                i = end;
            }
        }
        return false;
    }

    private static String rewriteSlices(String code) {
        StringBuilder out = new StringBuilder();
        for (Segment segment : segments(code)) {
            if (segment.literal) {
                out.append(segment.text);
                continue;
            }
            Matcher m = STEP_SLICE.matcher(segment.text);
            StringBuilder replaced = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(replaced, Matcher.quoteReplacement(
                        "|py_slice(" + orNone(m.group(1)) + ", " + orNone(m.group(2)) + ", " + orNone(m.group(3)) + ")"));
            }
            m.appendTail(replaced);
            out.append(replaced);
        }
        return out.toString();
    }

    private static String orNone(String part) {
        return part.isBlank() ? "none" : part.trim();
    }

    private static String rewriteNamespaces(String code) {
        Matcher m = NAMESPACE_CALL.matcher(code);
        if (!m.find()) {
            return code;
        }
        int argsStart = m.end();
        int argsEnd = matchingParen(code, argsStart);
        if (argsEnd < 0) {
            return code;
        }
        List<String> args = splitTopLevel(code.substring(argsStart, argsEnd));
        List<String> fixed = new ArrayList<>();
        for (String arg : args) {
            Matcher keyword = KEYWORD.matcher(arg);
            fixed.add(keyword.matches() ? keyword.group(1) + "=(" + keyword.group(2).trim() + ")" : arg);
        }
        return code.substring(0, argsStart) + String.join(", ", fixed) + rewriteNamespaces(code.substring(argsEnd));
    }

    private static int matchingParen(String code, int from) {
        int depth = 1;
        for (int i = from; i < code.length(); i++) {
            char c = code.charAt(i);
            if (JinjaTags.isQuote(c)) {
                i = JinjaTags.stringEnd(code, i);
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String args) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (JinjaTags.isQuote(c)) {
                i = JinjaTags.stringEnd(args, i);
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(args.substring(start, i));
                start = i + 1;
            }
        }
        if (!args.substring(start).isBlank() || !parts.isEmpty()) {
            parts.add(args.substring(start));
        }
        return parts;
    }

    private record Segment(String text, boolean literal) {
    }

    /** Splits code into string literals and the code between them. */
    private static List<Segment> segments(String code) {
        List<Segment> segments = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < code.length(); i++) {
            if (JinjaTags.isQuote(code.charAt(i))) {
                int end = JinjaTags.stringEnd(code, i);
                segments.add(new Segment(code.substring(start, i), false));
                segments.add(new Segment(code.substring(i, end + 1), true));
                start = end + 1;
                i = end;
            }
        }
        segments.add(new Segment(code.substring(start), false));
        return segments;
    }
}
