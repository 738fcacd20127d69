package dev.agentsandbox.sidecar.egressinit.netns;

/**
 * One line of {@link NetProbe}'s output.
 *
 * @param spec    what was tried
 * @param outcome CONNECTED, ANSWERED, "HTTP nnn", REFUSED, REFUSED_LOCALLY, RESET, UNREACHABLE, TIMEOUT or ERROR
 * @param detail  what came back (a line, a body, an error message)
 * @param millis  how long the attempt took (reported, never asserted on)
 */
public record ProbeResult(String spec, String outcome, String detail, long millis) {

    static ProbeResult parse(String line) {
        String[] fields = line.split("\t", -1);
        if (fields.length != 4) {
            throw new IllegalArgumentException("not a probe line: " + line);
        }
        return new ProbeResult(fields[0], fields[1], fields[2], Long.parseLong(fields[3]));
    }

    /** True when the kernel said no (a reset, a port unreachable, a send refused locally) rather than letting it hang. */
    public boolean refused() {
        return outcome.equals("REFUSED") || outcome.equals("REFUSED_LOCALLY") || outcome.equals("RESET")
                || outcome.equals("UNREACHABLE");
    }

    @Override
    public String toString() {
        return spec + " -> " + outcome + " (" + detail + ") in " + millis + " ms";
    }
}
