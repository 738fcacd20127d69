package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.core.JsonLog;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * What every connection of the bridge shares.
 *
 * @param policy         the policy in force now (replaced as a whole when {@code bridge.json} changes)
 * @param meter          requests and tokens served, which the budget is checked against
 * @param connectTimeout how long to wait for the runner to accept a connection
 * @param readTimeout    how long the runner may stay silent, before its answer starts (the first request for a
 *                       model waits for the model to load) and between two chunks of it
 * @param usagelessStreams what happens to a streamed answer that reports no usage
 */
public record BridgeContext(Supplier<BridgePolicy> policy, UsageMeter meter, JsonLog log,
                            Duration connectTimeout, Duration readTimeout, UsagelessStreams usagelessStreams) {
}
