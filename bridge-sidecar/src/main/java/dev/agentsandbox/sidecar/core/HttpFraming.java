package dev.agentsandbox.sidecar.core;

import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;

import java.util.List;

/**
 * Where an HTTP/1.1 message ends, decided one way only (RFC 9112 §6): a sidecar and the server behind it must never
 * disagree on it, or the bytes after one message become another message that nobody judged (request smuggling).
 *
 * <p>Netty's decoder already refuses several {@code Content-Length} values, a non-numeric one, {@code Content-Length}
 * next to {@code Transfer-Encoding}, bare line feeds and bad chunk sizes when configured as {@link #decoderConfig}
 * does; it still accepts a {@code Transfer-Encoding} that is not exactly {@code chunked} ({@code gzip, chunked},
 * {@code xchunked}, {@code identity}, two {@code chunked} headers) and then reads the body one way while a server
 * may read it another. {@link #check} refuses those, so a message is forwarded only with one framing header whose
 * value is the one the sidecar used. Obsolete line folding is replaced by a space before the value is read (the
 * option RFC 9112 §5.2 gives a proxy), so a folded framing header is judged by the value the upstream then sees.
 */
public final class HttpFraming {

    /** Why a message's framing is refused, and the status that says so. */
    public record Problem(HttpResponseStatus status, String detail) {
    }

    private HttpFraming() {
    }

    /** The strictest decoder Netty offers: one Content-Length, CRLF line ends, validated header names and values. */
    public static HttpDecoderConfig decoderConfig(int maxHeaderBytes, int maxChunkBytes) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxChunkSize(maxChunkBytes)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(true);
    }

    public static HttpServerCodec serverCodec(int maxHeaderBytes, int maxChunkBytes) {
        return new HttpServerCodec(decoderConfig(maxHeaderBytes, maxChunkBytes));
    }

    public static HttpClientCodec clientCodec(int maxHeaderBytes, int maxChunkBytes) {
        return new HttpClientCodec(decoderConfig(maxHeaderBytes, maxChunkBytes),
                HttpClientCodec.DEFAULT_PARSE_HTTP_AFTER_CONNECT_REQUEST, HttpClientCodec.DEFAULT_FAIL_ON_MISSING_RESPONSE);
    }

    /**
     * Checks a decoded message head's framing headers and normalises them: afterwards it carries either one
     * {@code Transfer-Encoding: chunked}, or one {@code Content-Length} in plain digits, or neither.
     *
     * @return null when the framing is unambiguous; else why not ({@code 501} for a transfer coding other than
     *         {@code chunked}, {@code 400} for the rest)
     */
    public static Problem check(HttpMessage message) {
        HttpHeaders headers = message.headers();
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!codings.isEmpty()) {
            if (!lengths.isEmpty()) {
                return bad("both Content-Length and Transfer-Encoding");
            }
            if (message.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return bad("Transfer-Encoding in an HTTP/1.0 message");
            }
            int chunked = 0;
            for (String header : codings) {
                for (String coding : header.split(",", -1)) {
                    if (!coding.trim().equalsIgnoreCase("chunked")) {
                        return new Problem(HttpResponseStatus.NOT_IMPLEMENTED, "Transfer-Encoding "
                                + printable(String.join(", ", codings)) + ": only exactly \"chunked\" is supported");
                    }
                    chunked++;
                }
            }
            if (chunked != 1) {
                return bad("chunked applied more than once");
            }
            if (codings.size() != 1 || !codings.get(0).equals("chunked")) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
            }
            return null;
        }
        if (lengths.isEmpty()) {
            return null;
        }
        if (lengths.size() != 1) {
            return bad("several Content-Length headers");
        }
        String sent = lengths.get(0);
        String length = sent.trim();
        if (length.isEmpty() || length.length() > 18 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return bad("Content-Length is not one decimal number");
        }
        // Rewritten only when not already canonical (spaces, leading zeros): most requests pass untouched.
        String canonical = Long.toString(Long.parseLong(length));
        if (!canonical.equals(sent)) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, canonical);
        }
        return null;
    }

    private static Problem bad(String detail) {
        return new Problem(HttpResponseStatus.BAD_REQUEST, detail);
    }

    private static String printable(String text) {
        String bounded = text.length() > 100 ? text.substring(0, 100) + "…" : text;
        return bounded.replaceAll("[\\p{Cntrl}]", "?");
    }
}
