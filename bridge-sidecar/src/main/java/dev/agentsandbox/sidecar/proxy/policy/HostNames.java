package dev.agentsandbox.sidecar.proxy.policy;

import java.util.Locale;

/** Host name normalisation and validation, so every rule compares against the same spelling. */
final class HostNames {

    private static final int MAX_NAME_LENGTH = 253;

    private HostNames() {
    }

    /** Lower case, without brackets and without one trailing dot. */
    static String normalize(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    /**
     * A DNS name of letters, digits and hyphens whose last label is not numeric (a numeric last label means the
     * text is an IPv4 address in some encoding, or garbage that a resolver might read as one).
     */
    static boolean isValidName(String host) {
        if (host.isEmpty() || host.length() > MAX_NAME_LENGTH) {
            return false;
        }
        int labelStart = 0;
        for (int i = 0; i <= host.length(); i++) {
            if (i == host.length() || host.charAt(i) == '.') {
                int length = i - labelStart;
                if (length == 0 || length > 63 || host.charAt(labelStart) == '-' || host.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
                continue;
            }
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        String lastLabel = host.substring(host.lastIndexOf('.') + 1);
        return !looksNumeric(lastLabel);
    }

    private static boolean looksNumeric(String label) {
        if (label.startsWith("0x")) {
            return true;
        }
        for (int i = 0; i < label.length(); i++) {
            if (!Character.isDigit(label.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
