package dev.agentsandbox.sidecar.bridge;

import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The CPU of the bridge's JSON work on one plain chat request, alone: the checks of the request's body
 * (`InferenceRequestRewriter.rewrite`) and the usage read of the whole answer (`UsageScanner.feedWhole`), on the
 * bodies bench/sidecar-footprint.sh sends and serves, many times over; prints the thread's CPU per request of each,
 * round by round. Run by bench/stream-scan.sh with CASE=chat, compiled against the jar under test (in the bridge's
 * package to reach it).
 */
public class ChatJsonCpu {
    private static final byte[] REQUEST = ("{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Say something for the benchmark.\"}]}").getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"A short answer from the fake runner.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
            + "\"completion_tokens\":9,\"total_tokens\":21}}").getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) {
        int requests = Integer.parseInt(args[0]);
        ModelPolicy policy = new ModelPolicy("bench-model", List.of("bench-model"));
        var bean = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < Integer.parseInt(args[1]); round++) {
            long check = 0;
            long cpu0 = bean.getCurrentThreadCpuTime();
            for (int i = 0; i < requests; i++) {
                check += InferenceRequestRewriter.rewrite(InferenceRoute.CHAT_COMPLETIONS, REQUEST, policy).body().length;
            }
            long cpu1 = bean.getCurrentThreadCpuTime();
            for (int i = 0; i < requests; i++) {
                UsageScanner scanner = UsageScanner.forContentType("application/json");
                scanner.feedWhole(Unpooled.wrappedBuffer(ANSWER));
                check += scanner.usage().completionTokens();
            }
            long cpu2 = bean.getCurrentThreadCpuTime();
            System.out.printf("round %d: %.2f %.2f us CPU per request (check %d)%n", round,
                    (cpu1 - cpu0) / 1000.0 / requests, (cpu2 - cpu1) / 1000.0 / requests, check);
        }
    }
}
