package org.scribbleseg.engine.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** A time budget on the command line: "90s", "5m", "1h30m", or plain seconds ("45"). */
public record Budget(long seconds) {
    private static final Pattern PART = Pattern.compile("(\\d+)([hms])");

    public Budget {
        if (seconds < 0) {
            throw new IllegalArgumentException("budget must not be negative");
        }
    }

    public long nanos() {
        return seconds * 1_000_000_000L;
    }

    public static Budget parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.matches("\\d+")) {
            return new Budget(Long.parseLong(s));
        }
        Matcher m = PART.matcher(s);
        long total = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                break;
            }
            long v = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "h" -> v * 3600;
                case "m" -> v * 60;
                default -> v;
            };
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a time budget (e.g. 90s, 5m, 1h30m)");
        }
        return new Budget(total);
    }

    @Override
    public String toString() {
        return seconds % 60 == 0 && seconds > 0 ? (seconds / 60) + "m" : seconds + "s";
    }

    /** picocli converter. */
    public static final class Converter implements CommandLine.ITypeConverter<Budget> {
        @Override
        public Budget convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
