package dev.agentsandbox.operator.plan;

import java.math.BigDecimal;

/**
 * One reading of the agent container's CPU use at an idle check: the cores it used (the metrics API's average over
 * its window), or why there is no reading.
 *
 * @param cores       the usage in cores; null when there is no reading
 * @param unavailable why there is no reading; null when there is one
 */
public record CpuSample(BigDecimal cores, String unavailable) {

    public static CpuSample cores(BigDecimal cores) {
        return new CpuSample(cores, null);
    }

    public static CpuSample unavailable(String why) {
        return new CpuSample(null, why);
    }
}
