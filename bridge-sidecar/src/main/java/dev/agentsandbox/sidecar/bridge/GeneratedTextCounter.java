package dev.agentsandbox.sidecar.bridge;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Reads one event of a stream (a JSON document) once: counts the characters of generated text in it (the lengths, in
 * UTF-16 characters once decoded, of the string values whose latest field name is one of {@link #FIELDS}, wherever
 * they nest, as {@code delta.content} or {@code choices[0].text}, as Jackson's streaming parser would report them),
 * and tells whether any member is named {@code usage} (the events worth parsing whole).
 *
 * <p>A single pass over the bytes ({@link JsonBytes}), without a parser object per event: each token event of a stream is counted, so
 * this runs hundreds of times per answer. It reads well-formed JSON exactly; on malformed input it stops at the first
 * byte it cannot read and keeps what it counted before (the count is an estimate for a stream that reports no
 * usage, never a budget the agent could stretch: a malformed event counts no more than its well-formed strings).
 */
final class GeneratedTextCounter extends JsonBytes {

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

    private long chars;
    private boolean namesUsage;
    /** The latest field name is one of {@link #FIELDS}. */
    private boolean inTextField;

    private GeneratedTextCounter(byte[] bytes, int from, int length) {
        super(bytes, from, length);
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

    @Override
    void onString(int length) {
        if (inTextField) {
            chars += length;
        }
    }

    /** Notes what the raw name between the quotes, {@code [from, to)}, is once decoded. */
    @Override
    boolean onName(int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\\') {
                String name = decode(from, to);
                inTextField = FIELDS.contains(name);
                namesUsage |= name.equals(USAGE);
                return true;
            }
        }
        int length = to - from;
        inTextField = false;
        if (length < FIELDS_BY_LENGTH.length) {
            for (byte[] field : FIELDS_BY_LENGTH[length]) {
                if (rawEquals(from, field)) {
                    inTextField = true;
                    return true;
                }
            }
        }
        namesUsage |= length == USAGE_BYTES.length && rawEquals(from, USAGE_BYTES);
        return true;
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
}
