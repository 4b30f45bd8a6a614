package dev.loris.model.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Python 3 str semantics that differ from Java's, for chat templates: what counts as whitespace
 * (Python's set includes U+00A0 and U+0085, which Java's isWhitespace leaves out), split with and
 * without a separator (literal, keeping empty parts; or on whitespace runs, dropping them), title-casing,
 * replace with a count. Code points, not chars, so astral characters are never split.
 */
final class PythonStrings {
    private PythonStrings() {
    }

    /** str.isspace() for one code point. */
    static boolean isWhitespace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || codePoint == 0x85;
    }

    /** str.strip / lstrip / rstrip; {@code chars} null means whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && strippable(s.codePointAt(start), chars)) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && strippable(s.codePointBefore(end), chars)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean strippable(int codePoint, String chars) {
        return chars == null ? isWhitespace(codePoint) : chars.codePoints().anyMatch(c -> c == codePoint);
    }

    /** str.split(sep, maxsplit); sep null splits on whitespace runs; maxsplit < 0 means no limit. */
    static List<String> split(String s, String sep, int maxSplit) {
        if (sep == null) {
            return splitWhitespace(s, maxSplit);
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        List<String> parts = new ArrayList<>();
        int from = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    /** str.rsplit(sep, maxsplit): like split, counting splits from the right. */
    static List<String> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, -1);
        }
        String reversed = new StringBuilder(s).reverse().toString();
        String reversedSep = sep == null ? null : new StringBuilder(sep).reverse().toString();
        List<String> parts = new ArrayList<>();
        for (String part : split(reversed, reversedSep, maxSplit)) {
            parts.add(new StringBuilder(part).reverse().toString());
        }
        Collections.reverse(parts);
        return parts;
    }

    private static List<String> splitWhitespace(String s, int maxSplit) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && isWhitespace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i >= n) {
                return parts;
            }
            if (maxSplit >= 0 && parts.size() == maxSplit) {
                parts.add(s.substring(i));
                return parts;
            }
            int start = i;
            while (i < n && !isWhitespace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            parts.add(s.substring(start, i));
        }
    }

    /** str.splitlines(): on \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, U+2028, U+2029; no final empty part. */
    static List<String> splitLines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean lineBreak = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E)
                    || c == 0x85 || c == 0x2028 || c == 0x2029;
            if (lineBreak) {
                lines.add(s.substring(start, i));
                i += c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    /** str.title(): upper-case a cased letter that follows an uncased character, lower-case the others. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            out.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c) && (Character.isUpperCase(c) || Character.isLowerCase(c)
                    || Character.isTitleCase(c));
            i += Character.charCount(c);
        }
        return out.toString();
    }

    /** str.replace(old, new, count); count < 0 replaces all. */
    static String replace(String s, String old, String replacement, int count) {
        if (old.isEmpty()) {
            StringBuilder out = new StringBuilder();
            int done = 0;
            for (int i = 0; i <= s.length(); ) {
                if (count < 0 || done < count) {
                    out.append(replacement);
                    done++;
                }
                if (i == s.length()) {
                    break;
                }
                int c = s.codePointAt(i);
                out.appendCodePoint(c);
                i += Character.charCount(c);
            }
            return out.toString();
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int done = 0;
        int at;
        while ((count < 0 || done < count) && (at = s.indexOf(old, from)) >= 0) {
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return out.append(s.substring(from)).toString();
    }

    /** str.count(sub): non-overlapping occurrences; an empty sub counts len + 1 positions. */
    static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    /** sep.join(iterable): a list's items, a map's keys, a string's characters. */
    static String join(String separator, Object iterable) {
        List<String> items = new ArrayList<>();
        if (iterable instanceof Iterable<?> values) {
            values.forEach(v -> items.add(String.valueOf(v)));
        } else if (iterable instanceof Map<?, ?> map) {
            map.keySet().forEach(k -> items.add(String.valueOf(k)));
        } else if (iterable instanceof String text) {
            text.codePoints().forEach(c -> items.add(new String(Character.toChars(c))));
        } else {
            throw new IllegalArgumentException("can only join an iterable, not " + iterable);
        }
        return String.join(separator, items);
    }
}
