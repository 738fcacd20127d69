package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.HttpReplies;
import dev.agentsandbox.sidecar.proxy.policy.Denial;
import dev.agentsandbox.sidecar.proxy.policy.DenyReason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The proxy's own answers: a denial (403 with a reason header) and an error (5xx with an error header). */
final class ProxyReplies {

    /** Names why a request was refused; the value is a {@link DenyReason#code()}. */
    static final String DENY_HEADER = "X-AgentSandbox-Deny";
    /** Names why an allowed request failed: {@code dns-failure}, {@code upstream-unreachable}, a limit… */
    static final String ERROR_HEADER = "X-AgentSandbox-Error";

    private ProxyReplies() {
    }

    static void deny(ChannelHandlerContext ctx, String host, int port, Denial denial) {
        FullHttpResponse response = HttpReplies.text(HttpResponseStatus.FORBIDDEN, "agentsandbox egress proxy denied "
                + printable(host) + ":" + port + ": " + denial.reason().code() + " (" + denial.detail() + ")\n");
        response.headers().set(DENY_HEADER, denial.reason().code());
        HttpReplies.sendAndClose(ctx, response);
    }

    static void error(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
        FullHttpResponse response = HttpReplies.text(status, "agentsandbox egress proxy: " + printable(message) + "\n");
        response.headers().set(ERROR_HEADER, code);
        if (status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)) {
            // A cap was reached (RFC 9110 §10.2.3): a client that honours it retries instead of failing.
            response.headers().set(HttpHeaderNames.RETRY_AFTER, HttpReplies.RETRY_AFTER_SECONDS);
        }
        HttpReplies.sendAndClose(ctx, response);
    }

    /** Client-chosen text echoed back: bounded and without control characters. */
    static String printable(String text) {
        String bounded = text.length() > 260 ? text.substring(0, 260) + "…" : text;
        return bounded.replaceAll("[\\p{Cntrl}]", "?");
    }
}
