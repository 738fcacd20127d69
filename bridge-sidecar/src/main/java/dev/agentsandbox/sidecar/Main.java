package dev.agentsandbox.sidecar;

/** Entry point of the sidecar image: {@code java -jar agentsandbox-sidecar.jar <role> [options]}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("usage: agentsandbox-sidecar <proxy|bridge> [options]");
        System.exit(2);
    }
}
