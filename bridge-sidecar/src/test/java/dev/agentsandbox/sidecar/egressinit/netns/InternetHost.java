package dev.agentsandbox.sidecar.egressinit.netns;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * "The internet" of the network-namespace tests, run as its own process inside the second namespace: an HTTP server
 * on port 80, a TCP greeting server on {@value #GREETING_PORT} and a UDP echo on port 53 (a stand-in DNS server), all
 * on both address families. Each answer names the peer's address, so a test sees who really connected.
 * Prints {@value #READY} once every socket is bound.
 */
public final class InternetHost {

    public static final int HTTP_PORT = 80;
    public static final int GREETING_PORT = 9000;
    public static final int DNS_PORT = 53;
    public static final String READY = "READY";

    private InternetHost() {
    }

    public static void main(String[] args) throws IOException {
        InetAddress any = InetAddress.getByName("::");
        HttpServer http = HttpServer.create(new InetSocketAddress(any, HTTP_PORT), 16);
        http.createContext("/", exchange -> {
            byte[] body = ("hello from the internet to " + exchange.getRemoteAddress().getAddress().getHostAddress()
                    + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        ServerSocket greeting = new ServerSocket(GREETING_PORT, 16, any);
        DatagramSocket dns = new DatagramSocket(new InetSocketAddress(any, DNS_PORT));
        serve(() -> greet(greeting));
        serve(() -> echo(dns));
        System.out.println(READY);
        System.out.flush();
    }

    private static void greet(ServerSocket server) {
        while (true) {
            try (Socket peer = server.accept()) {
                peer.getOutputStream().write(("greetings to " + peer.getInetAddress().getHostAddress() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // One peer's trouble; keep serving the next.
            }
        }
    }

    private static void echo(DatagramSocket socket) {
        byte[] buffer = new byte[512];
        while (true) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] answer = ("answer to " + query.getAddress().getHostAddress()).getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
            } catch (IOException e) {
                // Keep answering.
            }
        }
    }

    private static void serve(Runnable loop) {
        Thread thread = new Thread(loop);
        thread.start();
    }
}
