package dev.agentsandbox.operator.it;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a benchmark's case cost, read before and after it: the API server's own count of the requests it served
 * ({@code apiserver_request_total} on its {@code /metrics}, by verb and resource, whoever made them: the operator,
 * the driver, kwok, the scheduler), and the CPU time of the API server ({@code process_cpu_seconds_total}), of the
 * operator's process and of the driver's (this JVM).
 */
final class BurstCost {

    private static final Pattern REQUESTS = Pattern.compile("^apiserver_request_total\\{([^}]*)} (\\S+)$",
            Pattern.MULTILINE);
    private static final Pattern API_SERVER_CPU = Pattern.compile("^process_cpu_seconds_total (\\S+)$",
            Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final Map<String, Double> requests;
    private final double apiServerCpu;
    private final OptionalLong operatorPid;
    private final Duration operatorCpu;
    private final Duration driverCpu;

    private BurstCost(Map<String, Double> requests, double apiServerCpu, OptionalLong operatorPid,
                      Duration operatorCpu, Duration driverCpu) {
        this.requests = requests;
        this.apiServerCpu = apiServerCpu;
        this.operatorPid = operatorPid;
        this.operatorCpu = operatorCpu;
        this.driverCpu = driverCpu;
    }

    /** Now; {@code operatorPid} empty when no operator runs. */
    static BurstCost read(KubernetesClient client, OptionalLong operatorPid) {
        String metrics = client.raw("/metrics");
        Map<String, Double> counts = new TreeMap<>();
        Matcher sample = REQUESTS.matcher(metrics);
        while (sample.find()) {
            Map<String, String> labels = new TreeMap<>();
            Matcher label = LABEL.matcher(sample.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            String subresource = labels.getOrDefault("subresource", "");
            String key = labels.get("verb") + " " + labels.get("resource")
                    + (subresource.isEmpty() ? "" : "/" + subresource);
            counts.merge(key, Double.parseDouble(sample.group(2)), Double::sum);
        }
        Matcher cpu = API_SERVER_CPU.matcher(metrics);
        double apiServer = cpu.find() ? Double.parseDouble(cpu.group(1)) : Double.NaN;
        Duration operator = operatorPid.isPresent() ? cpuOf(ProcessHandle.of(operatorPid.getAsLong())) : Duration.ZERO;
        return new BurstCost(counts, apiServer, operatorPid, operator,
                cpuOf(java.util.Optional.of(ProcessHandle.current())));
    }

    private static Duration cpuOf(java.util.Optional<ProcessHandle> process) {
        return process.flatMap(p -> p.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    /**
     * What was spent since {@code before}, per {@code per} objects: the requests, leaving out watches (long-lived,
     * counted when they end) and the control plane's Leases ("PATCH pods 1.00, POST agentsandboxes 1.00, ..."), and
     * milliseconds of CPU.
     */
    String since(BurstCost before, int per) {
        Map<String, Double> delta = new TreeMap<>();
        requests.forEach((key, count) -> {
            double served = count - before.requests.getOrDefault(key, 0.0);
            if (served > 0 && !key.startsWith("WATCH") && !key.endsWith(" leases")) {
                delta.put(key, served / per);
            }
        });
        double total = delta.values().stream().mapToDouble(Double::doubleValue).sum();
        String cpu = String.format(Locale.ROOT, "CPU ms per sandbox: API server %.1f, %sdriver %.1f",
                (apiServerCpu - before.apiServerCpu) * 1000 / per,
                operatorPid.isPresent() ? String.format(Locale.ROOT, "operator %.1f, ",
                        (double) operatorCpu.minus(before.operatorCpu).toMillis() / per) : "",
                (double) driverCpu.minus(before.driverCpu).toMillis() / per);
        return cpu + String.format(Locale.ROOT, "; API requests per sandbox %.2f: ", total)
                + delta.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
