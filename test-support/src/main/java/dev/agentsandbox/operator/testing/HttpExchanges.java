package dev.agentsandbox.operator.testing;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;

/** Answers of the fake HTTP servers the tests run on the JDK's {@code com.sun.net.httpserver}. */
public final class HttpExchanges {

    private HttpExchanges() {
    }

    /** A whole answer with a Content-Length, closing the exchange. */
    public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
