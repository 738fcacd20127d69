package dev.agentsandbox.sidecar.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolves with the platform resolver (so {@code /etc/hosts}, search domains and the pod's DNS config apply,
 * with the JVM's DNS cache), on a small pool of its own threads so no event loop ever waits for DNS. A full
 * queue fails the lookup at once instead of piling up work.
 */
public final class SystemHostResolver implements HostResolver, AutoCloseable {

    private final ThreadPoolExecutor pool;

    public SystemHostResolver(int threads, int queueCapacity) {
        AtomicInteger counter = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), runnable -> {
                    Thread thread = new Thread(runnable, "dns-" + counter.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.pool.allowCoreThreadTimeOut(true);
    }

    @Override
    public CompletableFuture<List<InetAddress>> resolve(String host) {
        try {
            return CompletableFuture.supplyAsync(() -> lookup(host), pool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new UnknownHostException("resolver overloaded"));
        }
    }

    private static List<InetAddress> lookup(String host) {
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            throw new CompletionException(e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
