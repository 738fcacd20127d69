package dev.agentsandbox.sidecar.egressinit.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client run as its own process, under the UID being tested, inside the sandbox namespace. Each argument is one
 * attempt ({@code kind,host,port[,more]}); each prints one line: the argument, the outcome, a detail and the time
 * taken, separated by tabs. Timeouts here are hang guards only: a TIMEOUT outcome is a failure of the test.
 *
 * <ul>
 *   <li>{@code tcp,HOST,PORT[,LOCAL_PORT]}: connect (from LOCAL_PORT if given) and read one line;</li>
 *   <li>{@code udp,HOST,PORT[,LOCAL_PORT]}: send one datagram on a connected socket (bound to LOCAL_PORT if given)
 *       and wait for the answer;</li>
 *   <li>{@code http,PROXY_HOST,PROXY_PORT,URL}: GET the URL through an HTTP proxy;</li>
 *   <li>{@code connect,PROXY_HOST,PROXY_PORT,TARGET_HOST:PORT}: open a CONNECT tunnel and read one line.</li>
 * </ul>
 */
public final class NetProbe {

    /** Long enough that a loaded machine never trips it, short enough to bound a hang. */
    static final Duration HANG_GUARD = Duration.ofSeconds(15);

    private NetProbe() {
    }

    public static void main(String[] args) {
        for (String spec : args) {
            long start = System.nanoTime();
            String outcome;
            try {
                outcome = attempt(spec.split(",", 4));
            } catch (Exception e) {
                outcome = classify(e);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.println(spec + "\t" + outcome + "\t" + millis);
        }
    }

    private static String attempt(String[] spec) throws Exception {
        String host = spec[1];
        int port = Integer.parseInt(spec[2]);
        return switch (spec[0]) {
            case "tcp" -> tcp(host, port, spec.length > 3 ? Integer.parseInt(spec[3]) : 0);
            case "udp" -> udp(host, port, spec.length > 3 ? Integer.parseInt(spec[3]) : 0);
            case "http" -> httpViaProxy(host, port, spec[3]);
            case "connect" -> connectViaProxy(host, port, spec[3]);
            default -> throw new IllegalArgumentException("unknown probe kind " + spec[0]);
        };
    }

    private static String tcp(String host, int port, int localPort) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(localPort));
            socket.connect(new InetSocketAddress(host, port), (int) HANG_GUARD.toMillis());
            socket.setSoTimeout((int) HANG_GUARD.toMillis());
            return "CONNECTED\t" + reader(socket).readLine();
        }
    }

    private static String udp(String host, int port, int localPort) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(localPort)) {
            socket.connect(new InetSocketAddress(host, port));
            socket.setSoTimeout((int) HANG_GUARD.toMillis());
            byte[] query = "query".getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(query, query.length));
            byte[] buffer = new byte[512];
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            socket.receive(answer);
            return "ANSWERED\t" + new String(buffer, 0, answer.getLength(), StandardCharsets.UTF_8);
        }
    }

    private static String httpViaProxy(String proxyHost, int proxyPort, String url) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress(proxyHost, proxyPort)))
                .connectTimeout(HANG_GUARD)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(HANG_GUARD).build(),
                HttpResponse.BodyHandlers.ofString());
        return "HTTP " + response.statusCode() + "\t" + response.body().strip().replace('\n', ' ');
    }

    private static String connectViaProxy(String proxyHost, int proxyPort, String target) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(proxyHost, proxyPort), (int) HANG_GUARD.toMillis());
            socket.setSoTimeout((int) HANG_GUARD.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = reader(socket);
            String statusLine = in.readLine();
            String header;
            while ((header = in.readLine()) != null && !header.isEmpty()) {
                // The proxy's headers; the tunnel starts after the blank line.
            }
            String[] status = statusLine == null ? new String[] {"", "none"} : statusLine.split(" ", 3);
            String firstLine = "200".equals(status[1]) ? in.readLine() : statusLine;
            return "HTTP " + status[1] + "\t" + firstLine;
        }
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Names what the kernel answered, from the exception the JDK turned it into. */
    private static String classify(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof PortUnreachableException || message.contains("Connection refused")) {
                return "REFUSED\t" + message;
            }
            if (message.contains("Operation not permitted")) {
                return "REFUSED_LOCALLY\t" + message;
            }
            if (message.contains("Connection reset")) {
                return "RESET\t" + message;
            }
            if (cause instanceof NoRouteToHostException || message.contains("unreachable")) {
                return "UNREACHABLE\t" + message;
            }
            if (cause instanceof SocketTimeoutException || cause instanceof HttpTimeoutException) {
                return "TIMEOUT\t" + message;
            }
        }
        return "ERROR\t" + e;
    }
}
