package dev.loris.tornado.runtime.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX lines a JIT or ptxas log complains about, with a few lines of context, numbered as the log
 * numbers them (from 1). Both tools write "ptxas &lt;input&gt;, line 12; error   : ...".
 */
final class PtxExcerpt {
    private static final Pattern LINE_REFERENCE = Pattern.compile("\\bline (\\d+)\\s*[;:,]");
    private static final int CONTEXT_LINES = 3;
    /** A log may name hundreds of lines for one mistake; the first few locate it. */
    private static final int MAX_NAMED_LINES = 3;

    private PtxExcerpt() {
    }

    /** The named lines marked with '>', their context, gaps shown as "..."; empty when the log names none. */
    static String around(String ptx, String log) {
        String[] lines = ptx.split("\n", -1);
        List<Integer> named = namedLines(log, lines.length);
        if (named.isEmpty()) {
            return "";
        }
        TreeSet<Integer> shown = new TreeSet<>();
        for (int line : named) {
            for (int i = Math.max(1, line - CONTEXT_LINES); i <= Math.min(lines.length, line + CONTEXT_LINES); i++) {
                shown.add(i);
            }
        }
        StringBuilder excerpt = new StringBuilder("PTX around the lines the log names:");
        int previous = 0;
        for (int line : shown) {
            if (previous != 0 && line != previous + 1) {
                excerpt.append("\n   ...");
            }
            excerpt.append('\n').append(String.format("%s%5d | %s", named.contains(line) ? ">" : " ", line,
                    lines[line - 1].stripTrailing()));
            previous = line;
        }
        return excerpt.toString();
    }

    private static List<Integer> namedLines(String log, int lineCount) {
        List<Integer> named = new ArrayList<>();
        Matcher matcher = LINE_REFERENCE.matcher(log);
        while (matcher.find() && named.size() < MAX_NAMED_LINES) {
            int line;
            try {
                line = Integer.parseInt(matcher.group(1));
            } catch (NumberFormatException tooLong) {
                continue;
            }
            if (line >= 1 && line <= lineCount && !named.contains(line)) {
                named.add(line);
            }
        }
        return named;
    }
}
