package dev.agentsandbox.sidecar.bridge;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

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

    private ForwardedHeaders() {
    }

    /** Copies the end-to-end headers of {@code from} into {@code to}, leaving out {@code alsoDropped}. */
    static void copy(HttpHeaders from, HttpHeaders to, Set<AsciiString> alsoDropped) {
        Set<AsciiString> namedByConnection = namedByConnection(from);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> headers = from.iteratorCharSequence();
                headers.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = headers.next();
            AsciiString name = lowerCase(header.getKey());
            if (!HOP_BY_HOP.contains(name) && !alsoDropped.contains(name)
                    && (namedByConnection == null || !namedByConnection.contains(name))) {
                to.add(header.getKey(), header.getValue());
            }
        }
    }

    /** The header names the {@code Connection} header lists (lower case), or null when there is none. */
    private static Set<AsciiString> namedByConnection(HttpHeaders headers) {
        List<String> tokens = headers.getAll(HttpHeaderNames.CONNECTION);
        if (tokens.isEmpty()) {
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
