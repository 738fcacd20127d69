package dev.agentsandbox.sidecar.bridge;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the bridge. Hop-by-hop headers (RFC 9110 §7.6.1, and any the {@code Connection} header
 * names) belong to one connection and never cross; a few more are set by the bridge itself.
 */
final class ForwardedHeaders {

    private static final Set<AsciiString> HOP_BY_HOP = Set.of(HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);

    /**
     * Request headers the bridge replaces: the runner's own {@code Host} and body length; {@code identity} encoding
     * so the usage can be read from the response; no {@code Expect} (the body is already here); and no
     * {@code Origin}, so a web page the agent opens cannot pass for a browser origin the runner trusts.
     */
    static final Set<AsciiString> SET_BY_BRIDGE_ON_REQUEST = Set.of(HttpHeaderNames.HOST,
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderNames.EXPECT,
            HttpHeaderNames.ORIGIN);

    /** Response headers the bridge replaces when it rewrites the body (the filtered model list). */
    static final Set<AsciiString> SET_BY_BRIDGE_ON_REWRITTEN_RESPONSE = Set.of(HttpHeaderNames.CONTENT_LENGTH);

    /** Bit n set: a name of n characters is hop-by-hop. */
    private static final long HOP_BY_HOP_LENGTHS = lengths(HOP_BY_HOP);

    private ForwardedHeaders() {
    }

    /** The lengths of {@code names} as bits of a mask (each name is shorter than 64 characters). */
    private static long lengths(Set<AsciiString> names) {
        long mask = 0;
        for (AsciiString name : names) {
            mask |= 1L << name.length();
        }
        return mask;
    }

    /**
     * Leaves only the end-to-end headers in {@code headers}, without {@code alsoDropped}: the message's own headers
     * become those of the message forwarded, so nothing is copied (nor validated a second time: the decoder
     * validated every name and value).
     */
    static void strip(HttpHeaders headers, Set<AsciiString> alsoDropped) {
        Set<AsciiString> namedByConnection = namedByConnection(headers);
        // A name of another length than every dropped one is kept without a look at its letters.
        long droppedLengths = namedByConnection != null ? ~0L : HOP_BY_HOP_LENGTHS | lengths(alsoDropped);
        List<CharSequence> dropped = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
                entries.hasNext(); ) {
            CharSequence name = entries.next().getKey();
            if (name.length() < Long.SIZE && (droppedLengths & 1L << name.length()) == 0) {
                continue;
            }
            AsciiString lower = lowerCase(name);
            if (HOP_BY_HOP.contains(lower) || alsoDropped.contains(lower)
                    || namedByConnection != null && namedByConnection.contains(lower)) {
                if (dropped == null) {
                    dropped = new ArrayList<>(4);
                }
                dropped.add(name);
            }
        }
        if (dropped != null) {
            for (CharSequence name : dropped) {
                headers.remove(name);
            }
        }
    }

    /**
     * The header names the {@code Connection} header lists (lower case), or null when there is none or it only says
     * {@code keep-alive} (a header dropped anyway).
     */
    private static Set<AsciiString> namedByConnection(HttpHeaders headers) {
        List<String> tokens = headers.getAll(HttpHeaderNames.CONNECTION);
        if (tokens.isEmpty()
                || tokens.size() == 1 && HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(tokens.get(0))) {
            return null;
        }
        Set<AsciiString> named = new HashSet<>();
        for (String token : tokens) {
            for (String name : token.split(",")) {
                named.add(AsciiString.of(name.trim()).toLowerCase());
            }
        }
        return named;
    }

    /**
     * The name in lower case; without a copy when it already is (the names {@link HttpHeaderNames} and most clients
     * use). Netty's {@link AsciiString#hashCode()} ignores case but its {@code equals} does not, so the sets above
     * need the lower-case form.
     */
    private static AsciiString lowerCase(CharSequence name) {
        AsciiString ascii = name instanceof AsciiString already ? already : new AsciiString(name);
        return ascii.toLowerCase();
    }
}
