package dev.loris.tornado.runtime.opencl;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenCL C source that the driver would not compile. The message carries the driver's whole build log and
 * the numbered source lines around the first error the log points at (the first lines when it points
 * nowhere), since the source is generated and the user never saw it.
 */
public final class OpenClBuildException extends OpenClException {
    /** Clang-based drivers (PoCL, AMD, Intel) and NVIDIA's all write "name:LINE:COLUMN: error: ...". */
    private static final Pattern ERROR_LINE = Pattern.compile(":(\\d+):\\d+:\\s*(?:fatal )?error");
    private static final Pattern ANY_LINE = Pattern.compile(":(\\d+):\\d+:");
    private static final int CONTEXT_LINES = 4;
    private static final int LEADING_LINES = 20;

    private final String log;
    private final String source;
    private final OptionalInt errorLine;

    OpenClBuildException(int code, String deviceName, String options, String log, String source) {
        this(code, deviceName, options, log, source, errorLine(log));
    }

    private OpenClBuildException(int code, String deviceName, String options, String log, String source,
                                 OptionalInt errorLine) {
        super(code, "OpenCL C program did not build for '" + deviceName + "'"
                        + (options.isBlank() ? "" : " with options \"" + options + "\"") + ": " + codeText(code)
                        + "\nbuild log:\n" + (log.isBlank() ? "(the driver wrote no log)" : log)
                        + "\n" + excerpt(source, errorLine),
                "the log names the failing line; if Loris generated this source, report it as a bug with"
                        + " this message");
        this.log = log;
        this.source = source;
        this.errorLine = errorLine;
    }

    /** The driver's build log, whole. */
    public String log() {
        return log;
    }

    public String source() {
        return source;
    }

    /** The 1-based source line of the first error the log names, if it names one. */
    public OptionalInt errorLine() {
        return errorLine;
    }

    static OptionalInt errorLine(String log) {
        Matcher error = ERROR_LINE.matcher(log);
        if (error.find()) {
            return OptionalInt.of(Integer.parseInt(error.group(1)));
        }
        Matcher any = ANY_LINE.matcher(log);
        return any.find() ? OptionalInt.of(Integer.parseInt(any.group(1))) : OptionalInt.empty();
    }

    /** Numbered lines around {@code line} (marked with '>'), or the first lines of the source. */
    static String excerpt(String source, OptionalInt reported) {
        String[] lines = source.split("\n", -1);
        // A line past the end comes from a header or a driver prelude: show the start instead.
        OptionalInt line = reported.isPresent() && reported.getAsInt() <= lines.length ? reported
                : OptionalInt.empty();
        int first = line.isPresent() ? Math.max(1, line.getAsInt() - CONTEXT_LINES) : 1;
        int last = Math.min(lines.length, line.isPresent() ? line.getAsInt() + CONTEXT_LINES : LEADING_LINES);
        StringBuilder out = new StringBuilder(line.isPresent()
                ? "source around line " + line.getAsInt() + ":\n" : "source, first lines:\n");
        int width = String.valueOf(last).length();
        for (int n = first; n <= last; n++) {
            String marker = line.isPresent() && n == line.getAsInt() ? "> " : "  ";
            out.append(marker).append(String.format("%" + width + "d", n)).append(" | ").append(lines[n - 1])
                    .append('\n');
        }
        return out.toString();
    }
}
