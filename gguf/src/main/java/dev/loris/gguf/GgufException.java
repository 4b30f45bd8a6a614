package dev.loris.gguf;

import dev.loris.LorisException;

/** A GGUF file that cannot be read or written, or an export that cannot be done; names the file or tensor. */
public final class GgufException extends LorisException {
    public GgufException(String message, String hint) {
        super(message, hint);
    }

    public GgufException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }
}
