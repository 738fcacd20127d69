package dev.agentsandbox.sidecar.core;

import java.net.InetSocketAddress;

/**
 * A listen or target address written as {@code host:port} ({@code [v6]:port} for IPv6).
 *
 * @param host the host name or IP literal, without brackets
 * @param port 0..65535; 0 means "any free port" for a listen address
 */
public record HostAndPort(String host, int port) {

    public HostAndPort {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
    }

    /**
     * Parses {@code host:port}; with {@code defaultPort} > 0 the port may be omitted.
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static HostAndPort parse(String text, int defaultPort) {
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' is not host:port: missing ']'");
            }
            host = text.substring(1, close);
            if (close + 1 < text.length()) {
                if (text.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("'" + text + "' is not host:port");
                }
                port = text.substring(close + 2);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon >= 0 && text.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "': write an IPv6 address as [addr]:port");
            }
            host = colon < 0 ? text : text.substring(0, colon);
            port = colon < 0 ? null : text.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host; expected host:port");
        }
        if (port == null) {
            if (defaultPort <= 0) {
                throw new IllegalArgumentException("'" + text + "' has no port; expected host:port");
            }
            return new HostAndPort(host, defaultPort);
        }
        try {
            return new HostAndPort(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has an invalid port; expected host:port");
        }
    }

    public static HostAndPort parse(String text) {
        return parse(text, 0);
    }

    /** An unresolved socket address; for listen addresses, which are IP literals or {@code localhost}. */
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code ip:port} of a connected peer, for log lines; {@code "?"} when unknown. */
    public static String describe(java.net.SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String ip = inet.getAddress().getHostAddress();
            return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + inet.getPort() : ip + ":" + inet.getPort();
        }
        return address == null ? "?" : address.toString();
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
