package dev.agentsandbox.sidecar.bridge;

/**
 * Whether the bytes of a JSON document that the bridge's strict parser accepted read the same in every JSON reader,
 * above all in the runner's (Go's {@code encoding/json}), so they may go on as they came instead of re-serialised.
 * Where readers differ is in decoding bytes into text, not in the grammar (the bridge's parser refuses everything
 * outside RFC 8259: comments, single quotes, trailing commas or data, leading zeros, {@code NaN}, raw control
 * characters in strings): Jackson auto-detects UTF-16 and UTF-32 and skips a byte-order mark, Go does neither; Jackson
 * decodes overlong UTF-8 sequences (so {@code C1 AD} is {@code m}) and keeps a lone surrogate escape, Go turns both
 * into U+FFFD. So the document must:
 * <ul>
 *   <li>start with {@code {} (no byte-order mark, no zero byte that would make it UTF-16 or UTF-32);</li>
 *   <li>be well-formed UTF-8 (RFC 3629: no overlong forms, no encoded surrogates, nothing above U+10FFFF);</li>
 *   <li>hold no control byte but JSON's white space (the grammar allows no other outside or inside strings);</li>
 *   <li>hold no {@code \\u} escape of a surrogate (paired or not: the bridge re-serialises those rather than reason
 *       about pairs).</li>
 * </ul>
 */
final class SameReading {

    private SameReading() {
    }

    /** Whether {@code json}, accepted by the bridge's strict parser, reads the same everywhere. */
    static boolean of(byte[] json) {
        if (json.length == 0 || json[0] != '{') {
            return false;
        }
        int i = 0;
        while (i < json.length) {
            int b = json[i] & 0xFF;
            if (b < 0x80) {
                if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
                    return false;
                }
                if (b == '\\') {
                    if (i + 1 < json.length && json[i + 1] == 'u' && surrogateEscape(json, i + 2)) {
                        return false;
                    }
                    i += 2; // the escaped character, whatever it is, is not the start of another escape
                    continue;
                }
                i++;
                continue;
            }
            int length = utf8SequenceLength(json, i);
            if (length == 0) {
                return false;
            }
            i += length;
        }
        return true;
    }

    /** Whether the four hex digits at {@code from} name a UTF-16 surrogate (D800–DFFF). */
    private static boolean surrogateEscape(byte[] json, int from) {
        if (from + 4 > json.length) {
            return false; // (not a valid escape: the parser refused it already)
        }
        int first = Character.digit(json[from], 16);
        int second = Character.digit(json[from + 1], 16);
        return first == 0xD && second >= 0x8;
    }

    /**
     * The length of the well-formed UTF-8 sequence of two to four bytes at {@code i} (the Unicode Standard, table 3-7),
     * or 0.
     */
    private static int utf8SequenceLength(byte[] json, int i) {
        int b = json[i] & 0xFF;
        int length;
        int low = 0x80;
        int high = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            length = 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            length = 3;
            if (b == 0xE0) {
                low = 0xA0;
            } else if (b == 0xED) {
                high = 0x9F;
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            length = 4;
            if (b == 0xF0) {
                low = 0x90;
            } else if (b == 0xF4) {
                high = 0x8F;
            }
        } else {
            return 0;
        }
        if (i + length > json.length) {
            return 0;
        }
        int second = json[i + 1] & 0xFF;
        if (second < low || second > high) {
            return 0;
        }
        for (int k = 2; k < length; k++) {
            int next = json[i + k] & 0xFF;
            if (next < 0x80 || next > 0xBF) {
                return 0;
            }
        }
        return length;
    }
}
