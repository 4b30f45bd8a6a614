package dev.loris.model.config;

import dev.loris.LorisException;

/**
 * A config.json that Loris cannot use: missing or mistyped keys, inconsistent shapes, a model family or
 * feature Loris does not implement. The message names the file and the key; the hint says what to do.
 */
public class ConfigException extends LorisException {
    public ConfigException(String message, String hint) {
        super(message, hint);
    }

    public ConfigException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }
}
