package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.core.StreamReadConstraints;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The usage of a JSON answer that arrived whole, read in one pass over its bytes ({@link JsonBytes}) exactly as
 * {@link JsonUsageScanner} reads it with Jackson's parser: the whole-number members of the root object's member
 * {@code usage}, up to the first container nested in it. A parser's set-up and tokens cost more than the rest of the
 * bridge's work on a short answer.
 *
 * <p>It answers only for an answer it reads with certainty, and otherwise leaves it to the parser (null): a root
 * object, well-formed to its end, its top-level names and those in {@code usage} in plain ASCII without escapes,
 * whole numbers in {@code usage} that fit a {@code long}, and nothing above Jackson's default limits on the length of
 * a name, a number or a string. So every answer yields the usage the parser reads.
 */
final class JsonAnswerUsage extends JsonBytes {

    private static final byte[] USAGE = "usage".getBytes(StandardCharsets.US_ASCII);
    private static final StreamReadConstraints LIMITS = StreamReadConstraints.defaults();
    private static final long OVERFLOW = Long.MIN_VALUE;

    private final UsageTally tally = new UsageTally();
    /** The latest name at the top level is {@code usage}. */
    private boolean usageNamed;
    /** In the top-level {@code usage} object, before any container nested in it (the parser's reading). */
    private boolean inUsage;
    private String field;

    private JsonAnswerUsage(byte[] bytes, int from, int length) {
        super(bytes, from, length);
    }

    /** The usage of the answer {@code bytes[from, from + length)}, or null when the parser must read it. */
    static UsageTally read(byte[] bytes, int from, int length) {
        if (length > LIMITS.getMaxStringLength()) {
            return null;
        }
        JsonAnswerUsage reader = new JsonAnswerUsage(bytes, from, length);
        boolean read = reader.skipWhitespace() && bytes[reader.position] == '{' && reader.value();
        return read ? reader.tally : null;
    }

    @Override
    boolean onName(int from, int to) {
        if (to - from > LIMITS.getMaxNameLength()) {
            return false;
        }
        if (depth == 1 || depth == 2 && inUsage) {
            for (int i = from; i < to; i++) {
                if (bytes[i] == '\\' || bytes[i] < 0) {
                    return false; // an escape or a byte beyond ASCII: the parser decodes it
                }
            }
            if (depth == 1) {
                usageNamed = to - from == USAGE.length && Arrays.equals(bytes, from, to, USAGE, 0,
                        USAGE.length);
            } else {
                field = new String(bytes, from, to - from, StandardCharsets.US_ASCII);
            }
        }
        return true;
    }

    @Override
    void onOpen(boolean object) {
        inUsage = depth == 2 && object && usageNamed;
    }

    @Override
    void onClose() {
        if (depth == 2) {
            inUsage = false;
        }
    }

    @Override
    boolean onNumber(int from, int to, boolean integral) {
        if (to - from > LIMITS.getMaxNumberLength()) {
            return false;
        }
        if (depth == 2 && inUsage && integral) {
            long value = parseLong(from, to);
            if (value == OVERFLOW) {
                return false;
            }
            tally.accept(field, value);
        }
        return true;
    }

    /** The whole number {@code [from, to)}; {@link #OVERFLOW} when it does not fit (or is {@code Long.MIN_VALUE}). */
    private long parseLong(int from, int to) {
        boolean negative = bytes[from] == '-';
        long value = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            int digit = bytes[i] - '0';
            if (value > (Long.MAX_VALUE - digit) / 10) {
                return OVERFLOW;
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }
}
