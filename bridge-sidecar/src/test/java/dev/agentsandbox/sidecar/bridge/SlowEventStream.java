package dev.agentsandbox.sidecar.bridge;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A runner answer that proves events are not held back, by ordering rather than by timing: the runner writes event
 * i+1 only after the client has reported event i. A bridge that buffered would leave the runner waiting until the
 * hang guard gives up, and {@link #emittedWhenSeen()} would not read 1, 2, 3….
 */
final class SlowEventStream implements FakeModelRunner.Responder {

    static final int EVENTS = 5;

    private final List<CountDownLatch> clientSaw = new ArrayList<>();
    private final AtomicInteger emitted = new AtomicInteger();
    private final AtomicBoolean stalled = new AtomicBoolean();
    private final List<Integer> emittedWhenSeen = new ArrayList<>();

    SlowEventStream() {
        for (int i = 0; i < EVENTS; i++) {
            clientSaw.add(new CountDownLatch(1));
        }
    }

    @Override
    public void respond(com.sun.net.httpserver.HttpExchange exchange) throws Exception {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (int i = 0; i < EVENTS; i++) {
            // counted before the write, so a client that reads the event at once still sees it counted
            emitted.incrementAndGet();
            out.write(("data: {\"choices\":[{\"delta\":{\"content\":\"token-" + i + "\"}}]}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (!clientSaw.get(i).await(BridgeHarness.HANG_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                stalled.set(true);
                break;
            }
        }
        out.write(("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":5,"
                + "\"total_tokens\":12}}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
        out.close();
    }

    /** The client calls this with each line it reads, as it reads it. */
    synchronized void clientRead(String line) {
        for (int i = 0; i < EVENTS; i++) {
            if (line.contains("\"token-" + i + "\"")) {
                emittedWhenSeen.add(emitted.get());
                clientSaw.get(i).countDown();
            }
        }
    }

    /** Whether the runner gave up waiting for the client to see an event. */
    boolean stalled() {
        return stalled.get();
    }

    /** For each event the client saw, how many the runner had emitted at that moment. */
    synchronized List<Integer> emittedWhenSeen() {
        return List.copyOf(emittedWhenSeen);
    }
}
