package dev.agentsandbox.sidecar.core;

import java.time.Instant;

/**
 * The {@code ts} of a log line, exactly as {@link Instant#toString()} writes it (ISO-8601, UTC, the fraction in
 * groups of three digits), with the date and time of day formatted once per second instead of on every line: the
 * sidecars log a line per request, and the JDK's formatter was a visible share of a request's CPU.
 */
final class LogTimestamps {

    /** The latest second formatted, without its {@code Z}; replaced whole, so readers on any thread see a pair. */
    private static volatile Second latest = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String prefix) {
    }

    private LogTimestamps() {
    }

    static String format(Instant instant) {
        long epochSecond = instant.getEpochSecond();
        Second second = latest;
        if (second.epochSecond() != epochSecond) {
            String whole = Instant.ofEpochSecond(epochSecond).toString();
            second = new Second(epochSecond, whole.substring(0, whole.length() - 1));
            latest = second;
        }
        int nano = instant.getNano();
        StringBuilder text = new StringBuilder(second.prefix().length() + 11).append(second.prefix());
        if (nano > 0) {
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
            int value = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
            String number = Integer.toString(value);
            text.append('.');
            for (int pad = digits - number.length(); pad > 0; pad--) {
                text.append('0');
            }
            text.append(number);
        }
        return text.append('Z').toString();
    }
}
