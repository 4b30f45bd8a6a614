package dev.loris;

/**
 * A setting the user gave has a value that parses but cannot be used: {@code --temperature NaN},
 * {@code --device tpu}, {@code --precision f8}. The command line treats it as bad usage (exit code 2), as it
 * treats an option picocli itself rejects; the message names the setting and its value, the hint the values
 * that work.
 */
public class InvalidSettingException extends LorisException {
    public InvalidSettingException(String message, String hint) {
        super(message, hint);
    }
}
