package dev.agentsandbox.sidecar.bridge;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * Reads one event of a stream (a JSON document) once: counts the characters of generated text in it (the lengths, in
 * UTF-16 characters once decoded, of the string values whose latest field name is one of {@link #FIELDS}, wherever
 * they nest, as {@code delta.content} or {@code choices[0].text}, as Jackson's streaming parser would report them),
 * and tells whether any member is named {@code usage} (the events worth parsing whole).
 *
 * <p>A single pass over the bytes, without a parser object per event: each token event of a stream is counted, so
 * this runs hundreds of times per answer. It reads well-formed JSON exactly; on malformed input it stops at the first
 * byte it cannot read and keeps what it counted before (the count is an estimate for a stream that reports no
 * usage, never a budget the agent could stretch: a malformed event counts no more than its well-formed strings).
 */
final class GeneratedTextCounter {

    /**
     * The fields whose string values are generated text: OpenAI chat ({@code delta.content},
     * {@code reasoning_content}, tool call {@code arguments}, {@code refusal}), completions ({@code text}), Responses
     * ({@code delta} of {@code response.output_text.delta} and friends), Anthropic ({@code delta.text},
     * {@code partial_json}, {@code thinking}).
     */
    static final Set<String> FIELDS = Set.of("content", "text", "reasoning_content", "reasoning", "refusal",
            "arguments", "delta", "partial_json", "thinking");
    private static final String USAGE = "usage";
    /** The fields' names by their length in bytes, to compare a name only with those of its length. */
    private static final byte[][][] FIELDS_BY_LENGTH = byLength(FIELDS);
    private static final byte[] USAGE_BYTES = USAGE.getBytes(StandardCharsets.US_ASCII);
    /** Deeper documents are malformed for Jackson too (its default nesting limit). */
    private static final int MAX_DEPTH = 1000;

    private final byte[] bytes;
    private final int end;
    private int position;
    private long chars;
    private boolean namesUsage;
    /** The latest field name is one of {@link #FIELDS}. */
    private boolean inTextField;
    /** Per open container: true for an object. */
    private boolean[] objects = new boolean[16];
    private int depth;

    private GeneratedTextCounter(byte[] bytes, int from, int length) {
        this.bytes = bytes;
        this.position = from;
        this.end = from + length;
    }

    /**
     * What one event holds.
     *
     * @param chars      the characters of generated text
     * @param namesUsage whether a member named {@code usage} was read (at any depth)
     */
    record Counted(long chars, boolean namesUsage) {
    }

    /** Reads the JSON document(s) of {@code bytes[from, from + length)}. */
    static Counted count(byte[] bytes, int from, int length) {
        GeneratedTextCounter counter = new GeneratedTextCounter(bytes, from, length);
        counter.run();
        return new Counted(counter.chars, counter.namesUsage);
    }

    private void run() {
        // Root values follow each other (separated by white space), as Jackson's parser reads them.
        while (skipWhitespace()) {
            if (!value()) {
                return;
            }
        }
    }

    /** Reads one value at {@code position}; false when the input is malformed there. */
    private boolean value() {
        byte b = bytes[position];
        switch (b) {
            case '"' -> {
                int length = string();
                if (length < 0) {
                    return false;
                }
                if (inTextField) {
                    chars += length;
                }
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
        if (depth == objects.length) {
            objects = Arrays.copyOf(objects, depth * 2);
        }
        objects[depth++] = object;
        position++;
        if (!skipWhitespace()) {
            return false;
        }
        if (bytes[position] == close) {
            position++;
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
        readName(nameStart, position - 1);
        if (!skipWhitespace() || bytes[position++] != ':' || !skipWhitespace()) {
            return false;
        }
        return value();
    }

    /** Notes what the raw name between the quotes, {@code [from, to)}, is once decoded. */
    private void readName(int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\\') {
                String name = decode(from, to);
                inTextField = FIELDS.contains(name);
                namesUsage |= name.equals(USAGE);
                return;
            }
        }
        int length = to - from;
        inTextField = false;
        if (length < FIELDS_BY_LENGTH.length) {
            for (byte[] field : FIELDS_BY_LENGTH[length]) {
                if (rawEquals(from, field)) {
                    inTextField = true;
                    return;
                }
            }
        }
        namesUsage |= length == USAGE_BYTES.length && rawEquals(from, USAGE_BYTES);
    }

    private boolean rawEquals(int from, byte[] name) {
        for (int k = 0; k < name.length; k++) {
            if (bytes[from + k] != name[k]) {
                return false;
            }
        }
        return true;
    }

    private static byte[][][] byLength(Set<String> names) {
        int longest = names.stream().mapToInt(String::length).max().orElse(0);
        byte[][][] table = new byte[longest + 1][][];
        for (int length = 0; length <= longest; length++) {
            int size = length;
            table[length] = names.stream().filter(name -> name.length() == size)
                    .map(name -> name.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
        }
        return table;
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
    private String decode(int from, int to) {
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
        if (i < end && bytes[i] == '.') {
            i++;
            if (i >= end || !isDigit(bytes[i])) {
                return false;
            }
            while (i < end && isDigit(bytes[i])) {
                i++;
            }
        }
        if (i < end && (bytes[i] == 'e' || bytes[i] == 'E')) {
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
        return i == end || !isWordByte(bytes[i]);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isWordByte(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.'
                || b == '+' || b == '-';
    }

    /** Skips white space; false at the end of the input. */
    private boolean skipWhitespace() {
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
