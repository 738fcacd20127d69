package dev.agentsandbox.sidecar.bridge;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The keys of one JSON object as the runner matches them to its fields: Go's {@code encoding/json} ignores case
 * (with Unicode simple folding: {@code ſtream} is {@code stream}, the Kelvin sign is {@code k}). Fed the object's keys
 * in order, it names the first key the runner could read otherwise than the bridge: a second key equal to an earlier
 * one under folding, or a key that folds to a field the bridge reads without being spelled exactly so. Both ways of
 * checking a request (its tree, its tokens) use it, so they refuse alike.
 */
final class FoldedKeys {

    private final Map<String, String> exact;
    private final String prefix;
    private final Map<String, String> seen = new HashMap<>();

    /**
     * @param exact  the fields the bridge reads, by their folded names ({@link #byFoldedName})
     * @param prefix what names the object in a refusal ({@code ""} for the top level, {@code "stream_options."})
     */
    FoldedKeys(Map<String, String> exact, String prefix) {
        this.exact = exact;
        this.prefix = prefix;
    }

    /** Notes the object's next key; why it is ambiguous, or null when it is not. */
    String add(String name) {
        String folded = fold(name);
        String earlier = seen.put(folded, name);
        if (earlier != null) {
            return "keys \"" + prefix + printable(earlier) + "\" and \"" + prefix + printable(name)
                    + "\" differ only in case; the model runner reads them as one: send one of them";
        }
        String field = exact.get(folded);
        if (field != null && !field.equals(name)) {
            return "key \"" + prefix + printable(name) + "\" must be spelled \"" + prefix + field + "\" exactly";
        }
        return null;
    }

    /** Unicode simple case folding per code point, as Go's {@code encoding/json} compares keys. */
    static String fold(String name) {
        if (isLowerCaseAscii(name)) {
            return name;
        }
        StringBuilder folded = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            folded.appendCodePoint(Character.toLowerCase(Character.toUpperCase(c)));
            i += Character.charCount(c);
        }
        return folded.toString();
    }

    /**
     * Whether folding leaves {@code name} as it is: only ASCII without capitals. Every key the APIs define is such a
     * name, and the folds of other characters ({@code ſ}, the Kelvin sign) need the general path.
     */
    private static boolean isLowerCaseAscii(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 0x80 || (c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return true;
    }

    /** The fields by their folded names. */
    static Map<String, String> byFoldedName(Set<String> fields) {
        Map<String, String> folded = new HashMap<>();
        for (String field : fields) {
            folded.put(fold(field), field);
        }
        return Map.copyOf(folded);
    }

    private static String printable(String text) {
        String bounded = text.length() > 60 ? text.substring(0, 60) + "…" : text;
        return bounded.replaceAll("[\\p{Cntrl}\"\\\\]", "?");
    }
}
