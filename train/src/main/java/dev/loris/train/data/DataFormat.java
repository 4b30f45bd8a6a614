package dev.loris.train.data;

import dev.loris.LorisException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a dataset row becomes a training example. {@link #AUTO} looks at the first row of each file
 * ({@link FormatDetector}); the others are chosen with {@code --format}.
 *
 * <ul>
 *   <li>{@link #TEXT}: raw text for continued pretraining, one column ({@code text} unless told otherwise);
 *       every token is trained.</li>
 *   <li>{@link #ALPACA}: {@code instruction}, optional {@code input}, {@code output} (optional {@code system}).</li>
 *   <li>{@link #SHAREGPT}: {@code conversations}, a list of {@code {from, value}}; roles are normalised
 *       (human → user, gpt → assistant, ...).</li>
 *   <li>{@link #MESSAGES}: ChatML / OpenAI {@code messages} (or {@code conversations}), a list of
 *       {@code {role, content}} with roles system, user, assistant, tool.</li>
 * </ul>
 */
public enum DataFormat {
    AUTO, TEXT, ALPACA, SHAREGPT, MESSAGES;

    /** The name as written on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a command-line name; an unknown one is a LorisException listing the known names. */
    public static DataFormat parse(String name) {
        for (DataFormat format : values()) {
            if (format.cliName().equalsIgnoreCase(name.strip())) {
                return format;
            }
        }
        throw new LorisException("unknown dataset format '" + name + "'",
                "use one of " + Arrays.stream(values()).map(DataFormat::cliName).collect(Collectors.joining(", ")));
    }
}
