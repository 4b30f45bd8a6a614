package dev.loris.tornado.api.types.arrays;

import dev.loris.LorisException;

/**
 * A native array could not be made or used as asked: a negative length, an off-heap allocation the machine
 * cannot satisfy, a segment to wrap that is misaligned or not a whole number of elements, or a length that
 * does not fit the int an API needs.
 */
public final class NativeArrayException extends LorisException {
    public NativeArrayException(String message, String hint) {
        super(message, hint);
    }

    public NativeArrayException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }
}
