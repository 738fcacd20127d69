package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.config.OperatorConfig;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Keeps the per-sandbox series of {@link SandboxSeries} in the operator's registry ({@code /q/metrics}): computed
 * from the informer's cache of sandboxes shortly after a reconcile ({@link #AFTER_RECONCILE_MILLIS}: the reconciles of
 * a burst share one pass over the cache, which costs time in the number of sandboxes) and every
 * {@code agentsandbox.metrics-refresh} (so a deleted sandbox's series go too), registering new series and removing
 * those no longer wanted. Also exports the Events the recorder held back.
 */
@ApplicationScoped
public class SandboxMetrics {

    static final String EVENTS_SUPPRESSED = "agentsandbox.events.suppressed";
    static final long AFTER_RECONCILE_MILLIS = 1000;

    private final MeterRegistry registry;
    private final AtomicReference<IndexedResourceCache<AgentSandbox>> sandboxes = new AtomicReference<>();
    /** The value behind each registered series, by its name and tags. */
    private final Map<String, Holder> series = new HashMap<>();
    private final AtomicBoolean refreshPending = new AtomicBoolean();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sandbox-metrics");
        thread.setDaemon(true);
        return thread;
    });

    private record Holder(Meter meter, DoubleAdder value) {
    }

    @Inject
    public SandboxMetrics(MeterRegistry registry, EventRecorder events, OperatorConfig config) {
        this.registry = registry;
        FunctionCounter.builder(EVENTS_SUPPRESSED, events, EventRecorder::suppressed)
                .description("Events held back by the per-sandbox budget (a looping agent)").register(registry);
        long refreshMillis = config.metricsRefresh().toMillis();
        refresher.scheduleWithFixedDelay(this::refresh, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        refresher.shutdownNow();
    }

    /**
     * The sandboxes to measure: the reconciler's cache, known once the first reconcile runs. The series follow within
     * {@link #AFTER_RECONCILE_MILLIS}, once for every reconcile in that time.
     */
    void measure(IndexedResourceCache<AgentSandbox> cache) {
        sandboxes.compareAndSet(null, cache);
        if (refreshPending.compareAndSet(false, true)) {
            refresher.schedule(() -> {
                refreshPending.set(false);
                refresh();
            }, AFTER_RECONCILE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void refresh() {
        IndexedResourceCache<AgentSandbox> cache = sandboxes.get();
        if (cache == null) {
            return;
        }
        Map<String, Holder> wanted = new HashMap<>();
        for (SandboxSeries.Sample sample : SandboxSeries.of(cache.list().toList())) {
            String key = sample.name() + sample.tags();
            Holder holder = wanted.computeIfAbsent(key, k -> series.containsKey(k) ? series.get(k) : register(sample));
            holder.value().reset();
            holder.value().add(sample.value());
        }
        series.forEach((key, holder) -> {
            if (!wanted.containsKey(key)) {
                registry.remove(holder.meter());
            }
        });
        series.clear();
        series.putAll(wanted);
    }

    private Holder register(SandboxSeries.Sample sample) {
        Tags tags = Tags.empty();
        for (Map.Entry<String, String> tag : sample.tags().entrySet()) {
            tags = tags.and(tag.getKey(), tag.getValue());
        }
        DoubleAdder value = new DoubleAdder();
        String description = SandboxSeries.DESCRIPTIONS.get(sample.name());
        Meter meter = sample.counter()
                ? FunctionCounter.builder(sample.name(), value, DoubleAdder::sum).tags(tags).description(description)
                .register(registry)
                : Gauge.builder(sample.name(), value, DoubleAdder::sum).tags(tags).description(description)
                .register(registry);
        return new Holder(meter, value);
    }
}
