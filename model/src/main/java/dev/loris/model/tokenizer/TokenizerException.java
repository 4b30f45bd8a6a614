package dev.loris.model.tokenizer;

import dev.loris.LorisException;

/**
 * A tokenizer Loris cannot load or use: missing or malformed tokenizer.json / tokenizer_config.json, a
 * chat template that fails to render (including a template's own raise_exception), the native
 * tokenizers library not loading. The message names the file; the hint says what to do.
 */
public class TokenizerException extends LorisException {
    public TokenizerException(String message, String hint) {
        super(message, hint);
    }

    public TokenizerException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }
}
