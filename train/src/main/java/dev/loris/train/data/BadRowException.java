package dev.loris.train.data;

import dev.loris.LorisException;

/**
 * A row that cannot become a training example: malformed JSON or CSV, a missing or mistyped field, an unknown
 * role. The message names the file and line (or row) and what is wrong; with {@code skipBadRows} the row is
 * skipped and counted instead ({@link DataStats#skippedRows()}).
 */
public final class BadRowException extends LorisException {
    private final transient RowOrigin origin;
    private final String problem;

    public BadRowException(RowOrigin origin, String problem) {
        this(origin, problem, null);
    }

    public BadRowException(RowOrigin origin, String problem, Throwable cause) {
        super(origin + ": " + problem, "fix the row, or pass --skip-bad-rows to skip such rows (they are counted)",
                cause);
        this.origin = origin;
        this.problem = problem;
    }

    public RowOrigin origin() {
        return origin;
    }

    /** What is wrong, without the origin. */
    public String problem() {
        return problem;
    }
}
