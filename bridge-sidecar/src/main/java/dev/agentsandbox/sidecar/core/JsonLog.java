package dev.agentsandbox.sidecar.core;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Structured logging: one JSON object per line, written by one background thread so that an event loop never
 * blocks on stdout. When the queue is full (stdout stalled) lines are dropped and counted rather than stalling
 * the proxy; the count appears in the next line written.
 *
 * <p>Callers must never pass a secret or a request body as a field: this class cannot tell them apart.
 */
public final class JsonLog implements AutoCloseable {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final int QUEUE_CAPACITY = 8192;
    private static final String ENCODING_FAILED = "{\"level\":\"error\",\"event\":\"log-encoding-failed\"}";

    private final String component;
    private final PrintStream out;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    /**
     * @param component the value of the {@code component} field of every line (e.g. {@code proxy})
     * @param out       where lines go; standard output in production ({@link #stdout})
     */
    public JsonLog(String component, OutputStream out) {
        this.component = component;
        this.out = out instanceof PrintStream ps ? ps
                : new PrintStream(new BufferedOutputStream(out, 8192), false, StandardCharsets.UTF_8);
        this.writer = new Thread(this::drain, "json-log-" + component);
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Lines to the process's standard output through a buffer of its own, flushed when the queue runs empty: one
     * write for the lines of a burst. ({@link System#out} flushes at every line, in pieces of 128 bytes: several
     * system calls per request on the writer thread.) Nothing else in the sidecars writes to standard output once
     * they run.
     */
    public static JsonLog stdout(String component) {
        return new JsonLog(component, new FileOutputStream(FileDescriptor.out));
    }

    /** Starts an info line for {@code event}; add fields, then call {@link Line#write()}. */
    public Line info(String event) {
        return new Line("info", event);
    }

    public Line warn(String event) {
        return new Line("warn", event);
    }

    public Line error(String event) {
        return new Line("error", event);
    }

    /** Waits until every line queued so far is written (tests, shutdown). */
    public void flush() {
        long target = queued.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (written.get() < target && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        synchronized (out) {
            out.flush();
        }
    }

    @Override
    public void close() {
        flush();
        closed = true;
        writer.interrupt();
    }

    private void enqueue(String line) {
        if (queue.offer(line)) {
            queued.incrementAndGet();
        } else {
            dropped.incrementAndGet();
        }
    }

    private void drain() {
        List<String> batch = new ArrayList<>(64);
        while (!closed) {
            try {
                String line = queue.poll(1, TimeUnit.SECONDS);
                if (line == null) {
                    continue;
                }
                // Lines queued meanwhile go out with this one, flushed together once the queue is empty.
                batch.add(line);
                queue.drainTo(batch, 255);
                synchronized (out) {
                    for (String each : batch) {
                        out.println(each);
                    }
                    if (queue.isEmpty()) {
                        out.flush();
                    }
                }
                written.addAndGet(batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One log line being built: the fields are written as they are added, in order (each name once). Not
     * thread-safe; build and write it on one thread.
     */
    public final class Line {
        private final StringWriter buffer = new StringWriter(192);
        private JsonGenerator generator;

        private Line(String level, String event) {
            try {
                generator = MAPPER.createGenerator(buffer);
                generator.writeStartObject();
                generator.writeStringField("ts", LogTimestamps.format(Instant.now()));
                generator.writeStringField("level", level);
                generator.writeStringField("component", component);
                generator.writeStringField("event", event);
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    generator.writeNumberField("droppedLines", lost);
                }
            } catch (IOException e) {
                failed();
            }
        }

        /** Adds a field; null values are left out. */
        public Line field(String name, Object value) {
            if (value == null || generator == null) {
                return this;
            }
            try {
                generator.writeFieldName(name);
                if (value instanceof String text) {
                    generator.writeString(text);
                } else if (value instanceof Integer number) {
                    generator.writeNumber(number);
                } else if (value instanceof Long number) {
                    generator.writeNumber(number);
                } else if (value instanceof Boolean flag) {
                    generator.writeBoolean(flag);
                } else {
                    generator.writeObject(value);
                }
            } catch (IOException e) {
                failed();
            }
            return this;
        }

        public void write() {
            if (generator == null) {
                enqueue(ENCODING_FAILED);
                return;
            }
            try {
                generator.writeEndObject();
                generator.close();
                enqueue(buffer.toString());
            } catch (IOException e) {
                enqueue(ENCODING_FAILED);
            }
        }

        private void failed() {
            generator = null;
        }
    }
}
