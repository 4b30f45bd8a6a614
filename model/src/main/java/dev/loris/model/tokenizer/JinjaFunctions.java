package dev.loris.model.tokenizer;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The globals transformers gives chat templates: {@code raise_exception(message)}, which aborts the
 * render with the template's own message, and {@code strftime_now(format)}, the local time formatted by
 * Python's strftime in the C locale (Llama 3.1 prints "Today Date: 26 Jul 2024" with "%d %b %Y").
 * Static methods, because Jinjava binds functions to static methods.
 */
public final class JinjaFunctions {
    private JinjaFunctions() {
    }

    /** What raise_exception throws; ChatTemplate turns it into a TokenizerException with the message. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message);
        }
    }

    public static String raiseException(Object message) {
        throw new TemplateRaised(String.valueOf(message));
    }

    public static String strftimeNow(String format) {
        return strftime(LocalDateTime.now(), format);
    }

    /**
     * Python's strftime for the directives chat templates use (%d %m %Y %y %H %I %M %S %p %b %B %a %A %j
     * %f %%, and glibc's unpadded %-d %-m %-H %-I %-M %-S); other directives are kept as written.
     */
    static String strftime(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            boolean unpadded = format.charAt(i + 1) == '-' && i + 2 < format.length();
            char d = format.charAt(unpadded ? i + 2 : i + 1);
            String value = directive(t, d, unpadded);
            if (value == null) {
                out.append(format, i, i + (unpadded ? 3 : 2));
            } else {
                out.append(value);
            }
            i += unpadded ? 2 : 1;
        }
        return out.toString();
    }

    private static String directive(LocalDateTime t, char d, boolean unpadded) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        return switch (d) {
            case 'd' -> pad(t.getDayOfMonth(), 2, unpadded);
            case 'm' -> pad(t.getMonthValue(), 2, unpadded);
            case 'Y' -> Integer.toString(t.getYear());
            case 'y' -> pad(t.getYear() % 100, 2, unpadded);
            case 'H' -> pad(t.getHour(), 2, unpadded);
            case 'I' -> pad(hour12, 2, unpadded);
            case 'M' -> pad(t.getMinute(), 2, unpadded);
            case 'S' -> pad(t.getSecond(), 2, unpadded);
            case 'j' -> pad(t.getDayOfYear(), 3, unpadded);
            case 'f' -> pad(t.getNano() / 1000, 6, false);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'b' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case '%' -> unpadded ? null : "%";
            default -> null;
        };
    }

    private static String pad(int value, int width, boolean unpadded) {
        String text = Integer.toString(value);
        return unpadded ? text : "0".repeat(Math.max(0, width - text.length())) + text;
    }
}
