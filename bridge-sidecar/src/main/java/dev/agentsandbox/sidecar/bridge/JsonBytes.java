package dev.agentsandbox.sidecar.bridge;

import java.nio.charset.StandardCharsets;

/**
 * A single pass over the bytes of JSON, without a parser object: the grammar of RFC 8259 read as Jackson's streaming
 * parser reads UTF-8 with its default settings (the same lead bytes of multi-byte characters, the same nesting limit,
 * the same words and numbers), calling its subclass back for each name, string, number and container. The bridge
 * reads each event of a stream ({@link GeneratedTextCounter}) and each whole JSON answer ({@link JsonAnswerUsage})
 * with it, hundreds of times per answer or once per request, where a parser's set-up costs more than the reading.
 * On malformed input it stops at the first byte it cannot read.
 */
abstract class JsonBytes {

    /** Deeper documents are malformed for Jackson too (its default nesting limit). */
    private static final int MAX_DEPTH = 1000;

    final byte[] bytes;
    final int end;
    int position;
    /** The containers open around the current position. */
    int depth;

    JsonBytes(byte[] bytes, int from, int length) {
        this.bytes = bytes;
        this.position = from;
        this.end = from + length;
    }

    /**
     * A member's name, the raw bytes between its quotes {@code [from, to)} (a well-formed string); its value follows.
     * False stops the reading.
     */
    abstract boolean onName(int from, int to);

    /** A string value of {@code length} UTF-16 characters once decoded. */
    void onString(int length) {
    }

    /**
     * A number, its bytes {@code [from, to)}; integral when it has neither fraction nor exponent (Jackson's
     * {@code VALUE_NUMBER_INT}). False stops the reading.
     */
    boolean onNumber(int from, int to, boolean integral) {
        return true;
    }

    /** A container opened; {@link #depth} counts it. */
    void onOpen(boolean object) {
    }

    /** The innermost container closes; {@link #depth} still counts it. */
    void onClose() {
    }

    /** Reads one value at {@code position}; false when the input is malformed there. */
    final boolean value() {
        byte b = bytes[position];
        switch (b) {
            case '"' -> {
                int length = string();
                if (length < 0) {
                    return false;
                }
                onString(length);
                return true;
            }
            case '{' -> {
                return container(true, '}');
            }
            case '[' -> {
                return container(false, ']');
            }
            case 't' -> {
                return literal("true");
            }
            case 'f' -> {
                return literal("false");
            }
            case 'n' -> {
                return literal("null");
            }
            default -> {
                return number();
            }
        }
    }

    /** An object or an array, its members read iteratively over {@link #value}'s recursion into nested ones. */
    private boolean container(boolean object, char close) {
        if (depth == MAX_DEPTH) {
            return false;
        }
        depth++;
        onOpen(object);
        position++;
        if (!skipWhitespace()) {
            return false;
        }
        if (bytes[position] == close) {
            position++;
            onClose();
            depth--;
            return true;
        }
        while (true) {
            if (object && !member()) {
                return false;
            }
            if (!object && !value()) {
                return false;
            }
            if (!skipWhitespace()) {
                return false;
            }
            byte next = bytes[position++];
            if (next == close) {
                onClose();
                depth--;
                return true;
            }
            if (next != ',' || !skipWhitespace()) {
                return false;
            }
        }
    }

    /** {@code "name": value}. */
    private boolean member() {
        if (bytes[position] != '"') {
            return false;
        }
        int nameStart = position + 1;
        if (string() < 0) {
            return false;
        }
        if (!onName(nameStart, position - 1)) {
            return false;
        }
        if (!skipWhitespace() || bytes[position++] != ':' || !skipWhitespace()) {
            return false;
        }
        return value();
    }

    /**
     * Reads the string at {@code position} (its opening quote) and leaves {@code position} after its closing quote.
     *
     * @return its length in UTF-16 characters once decoded, or -1 when malformed
     */
    private int string() {
        int i = position + 1;
        int length = 0;
        while (i < end) {
            int b = bytes[i] & 0xff;
            if (b == '"') {
                position = i + 1;
                return length;
            }
            if (b == '\\') {
                if (i + 1 >= end) {
                    return -1;
                }
                byte escaped = bytes[i + 1];
                if (escaped == 'u') {
                    if (i + 6 > end || !isHex(i + 2) || !isHex(i + 3) || !isHex(i + 4) || !isHex(i + 5)) {
                        return -1;
                    }
                    i += 6;
                } else if ("\"\\/bfnrt".indexOf(escaped) >= 0) {
                    i += 2;
                } else {
                    return -1;
                }
                length++;
            } else if (b < 0x20) {
                return -1;
            } else if (b < 0x80) {
                i++;
                length++;
            } else {
                int size = (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
                if (size == 0 || i + size > end) {
                    return -1;
                }
                for (int k = 1; k < size; k++) {
                    if ((bytes[i + k] & 0xc0) != 0x80) {
                        return -1;
                    }
                }
                i += size;
                length += size == 4 ? 2 : 1;
            }
        }
        return -1;
    }

    private boolean isHex(int i) {
        byte b = bytes[i];
        return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F';
    }

    /** The decoded text of a raw string with escapes, {@code [from, to)} (already checked by {@link #string}). */
    final String decode(int from, int to) {
        StringBuilder text = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b = bytes[i] & 0xff;
            if (b != '\\') {
                int next = i + 1;
                while (next < to && bytes[next] != '\\') {
                    next++;
                }
                text.append(new String(bytes, i, next - i, StandardCharsets.UTF_8));
                i = next;
                continue;
            }
            byte escaped = bytes[i + 1];
            switch (escaped) {
                case 'u' -> text.append((char) Integer.parseInt(new String(bytes, i + 2, 4, StandardCharsets.US_ASCII), 16));
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                default -> text.append((char) escaped);
            }
            i += escaped == 'u' ? 6 : 2;
        }
        return text.toString();
    }

    private boolean literal(String word) {
        int length = word.length();
        if (position + length > end) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            if (bytes[position + k] != word.charAt(k)) {
                return false;
            }
        }
        position += length;
        return position == end || !isWordByte(bytes[position]);
    }

    /** A JSON number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    private boolean number() {
        int from = position;
        int i = position;
        if (i < end && bytes[i] == '-') {
            i++;
        }
        if (i >= end || !isDigit(bytes[i])) {
            return false;
        }
        if (bytes[i] == '0') {
            i++;
        } else {
            while (i < end && isDigit(bytes[i])) {
                i++;
            }
        }
        boolean integral = true;
        if (i < end && bytes[i] == '.') {
            integral = false;
            i++;
            if (i >= end || !isDigit(bytes[i])) {
                return false;
            }
            while (i < end && isDigit(bytes[i])) {
                i++;
            }
        }
        if (i < end && (bytes[i] == 'e' || bytes[i] == 'E')) {
            integral = false;
            i++;
            if (i < end && (bytes[i] == '+' || bytes[i] == '-')) {
                i++;
            }
            if (i >= end || !isDigit(bytes[i])) {
                return false;
            }
            while (i < end && isDigit(bytes[i])) {
                i++;
            }
        }
        position = i;
        return (i == end || !isWordByte(bytes[i])) && onNumber(from, i, integral);
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isWordByte(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.'
                || b == '+' || b == '-';
    }

    /** Skips white space; false at the end of the input. */
    final boolean skipWhitespace() {
        while (position < end) {
            byte b = bytes[position];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return true;
            }
            position++;
        }
        return false;
    }
}
