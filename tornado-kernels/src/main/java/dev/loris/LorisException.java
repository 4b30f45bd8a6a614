package dev.loris;

/**
 * An error a user can act on: bad input, a missing file or library, a device out of memory.
 *
 * <p>The message says what is wrong and names the file, setting or device; {@link #hint()} says what to
 * do. The command line prints both on one line and no stack trace (unless {@code --debug}). Anything that
 * is not a LorisException reaching the command line is a bug in Loris and is reported as one.
 */
public class LorisException extends RuntimeException {
    private final String hint;

    public LorisException(String message, String hint) {
        this(message, hint, null);
    }

    public LorisException(String message, String hint, Throwable cause) {
        super(message, cause);
        this.hint = hint;
    }

    /** What the user can do about it; may be empty, never null. */
    public String hint() {
        return hint == null ? "" : hint;
    }

    /** The message and the hint, as the command line prints them. */
    public String userMessage() {
        return hint().isEmpty() ? getMessage() : getMessage() + ": " + hint();
    }
}
