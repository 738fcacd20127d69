package dev.agentsandbox.operator.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses label selectors written as {@code key=value} entries in the operator's configuration. */
public final class LabelSelectors {

    private LabelSelectors() {
    }

    /**
     * @param property the property name, for the error message
     * @throws IllegalArgumentException naming the property and the expected form when an entry has no {@code =}
     */
    public static Map<String, String> parse(String property, List<String> entries) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException(property + ": '" + entry + "' is not a label; write key=value,"
                        + " e.g. app.kubernetes.io/name=agentsandbox-operator");
            }
            labels.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        if (labels.isEmpty()) {
            throw new IllegalArgumentException(property + " must name at least one label (key=value): an empty"
                    + " selector would admit every pod of the namespace");
        }
        return labels;
    }
}
