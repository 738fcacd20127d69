package dev.agentsandbox.operator.config;

/**
 * A small lossy cache of short strings: a string equal to one it holds comes back as that one, so that equal values
 * parsed from many objects share one instance instead of each keeping its own.
 *
 * <p>Direct-mapped: each string has one slot (by its hash), and a new string takes the slot of whatever was there.
 * Values that repeat (image names, paths, CIDRs, condition reasons, timestamps of a burst) keep finding themselves;
 * values seen once (names, uids) pass through and are forgotten at the next collision. Nothing grows: the table has
 * a fixed size and only strings up to {@link #MAX_LENGTH} characters are held.
 *
 * <p>Thread-safe without locks: a slot is read once and written once per call, and a {@link String} is immutable
 * (its fields are final), so a reader sees either the old or the new string, whole. A race at worst forgets a
 * string, as a collision does.
 */
final class SharedStrings {

    /** Longer values (a ConfigMap's files, a certificate) are rarely repeated whole: never held. */
    static final int MAX_LENGTH = 96;

    private final String[] slots;
    private final int mask;

    /** @param slots the table's size, a power of two */
    SharedStrings(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two: " + slots);
        }
        this.slots = new String[slots];
        this.mask = slots - 1;
    }

    /** {@code value}, or an equal string held already. */
    String share(String value) {
        if (value.length() > MAX_LENGTH) {
            return value;
        }
        int slot = slot(value.hashCode());
        String held = slots[slot];
        if (value.equals(held)) {
            return held;
        }
        slots[slot] = value;
        return value;
    }

    /**
     * The string of {@code length} characters at {@code offset} of {@code chars}: one held already when there is
     * an equal one (then no string is made at all), else a new one.
     */
    String share(char[] chars, int offset, int length) {
        if (length > MAX_LENGTH) {
            return new String(chars, offset, length);
        }
        int hash = 0;
        for (int i = offset; i < offset + length; i++) {
            hash = 31 * hash + chars[i]; // String.hashCode's
        }
        int slot = slot(hash);
        String held = slots[slot];
        if (held != null && sameCharacters(held, chars, offset, length)) {
            return held;
        }
        String value = new String(chars, offset, length);
        slots[slot] = value;
        return value;
    }

    private int slot(int hash) {
        return (hash ^ (hash >>> 16)) & mask;
    }

    private static boolean sameCharacters(String held, char[] chars, int offset, int length) {
        if (held.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (held.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
