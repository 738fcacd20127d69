package dev.agentsandbox.sidecar.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU of the bridge's stream scanner alone: feeds one stream file through `UsageScanner` (the event-stream
 * one) in chunks, many times over, and prints the thread's CPU per stream, round by round. Run by
 * bench/stream-scan.sh, compiled against the jar under test (in the scanner's package to reach it).
 */
public class StreamScanCpu {
    public static void main(String[] args) throws Exception {
        byte[] body = Files.readAllBytes(Path.of(args[0]));
        int chunk = Integer.parseInt(args[1]);
        var bean = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < Integer.parseInt(args[3]); round++) {
            int streams = Integer.parseInt(args[2]);
            long cpu0 = bean.getCurrentThreadCpuTime();
            long check = 0;
            for (int s = 0; s < streams; s++) {
                UsageScanner scanner = UsageScanner.forContentType("text/event-stream");
                for (int at = 0; at < body.length; at += chunk) {
                    ByteBuf buf = Unpooled.wrappedBuffer(body, at, Math.min(chunk, body.length - at));
                    scanner.feed(buf);
                }
                check += scanner.usage().completionTokens() + scanner.generatedChars();
            }
            long cpu = bean.getCurrentThreadCpuTime() - cpu0;
            System.out.printf("round %d: %.1f us CPU per stream (check %d)%n", round, cpu / 1000.0 / streams, check);
        }
    }
}
