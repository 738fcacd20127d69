package dev.agentsandbox.sidecar.egressinit.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Two Linux network namespaces joined by a veth pair: "the sandbox" (where the pod's rules go) and "the internet"
 * (a host with private addresses that exist only inside this pair, so nothing leaves the machine). Names carry the
 * test JVM's pid, so parallel runs never meet; {@link #close()} removes everything, and a shutdown hook does the same
 * when the JVM ends without reaching it.
 */
public final class NetnsLab implements AutoCloseable {

    public static final String SANDBOX_V4 = "10.231.0.1";
    public static final String INTERNET_V4 = "10.231.0.2";
    public static final String SANDBOX_V6 = "fd00:a5b::1";
    public static final String INTERNET_V6 = "fd00:a5b::2";
    public static final String LAB_CIDR_V4 = "10.231.0.0/24";
    public static final String LAB_CIDR_V6 = "fd00:a5b::/64";
    /** Names the sandbox's /etc/hosts gives to the internet host (the proxy resolves them). */
    public static final String INTERNET_NAME = "internet.test";
    public static final String INTERNET_V6_NAME = "internet6.test";
    public static final String BLOCKED_NAME = "blocked.test";

    static final Duration COMMAND_GUARD = Duration.ofSeconds(60);
    private static final String PREFIX = "asb-";
    private static final String WORK_DIR_PREFIX = "asb-netns-lab-";
    private static final Pattern LAB_WORK_DIR = Pattern.compile(WORK_DIR_PREFIX + "(\\d+)-\\d+");
    private static final Pattern LAB_NAMESPACE = Pattern.compile("^(" + PREFIX + "(?:sbx|inet|bare\\d+)-(\\d+))\\b");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<String> SMALL_JVM = List.of(
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto");

    private final long id = ProcessHandle.current().pid();
    private final String sandbox = PREFIX + "sbx-" + id;
    private final String internet = PREFIX + "inet-" + id;
    private final List<String> namespaces = new ArrayList<>();
    private final AtomicInteger bareNamespaces = new AtomicInteger();
    private final List<Process> processes = new ArrayList<>();
    private final Path workDir;
    private final Path classes;
    private final Path sidecarJar;
    private final Thread shutdownHook = new Thread(this::cleanUp, "netns-lab-cleanup");

    /**
     * Copies what the test's processes run into a directory every UID can read (the agent's and the proxy's UIDs
     * cannot read a build directory under root's home), then builds both namespaces.
     *
     * @param probeClasses the test-classes directory holding this package
     * @param sidecarJar   the shaded sidecar jar
     */
    public NetnsLab(Path probeClasses, Path sidecarJar) {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        removeLeftoversOfDeadRuns();
        try {
            workDir = Files.createTempDirectory(WORK_DIR_PREFIX + id + "-");
            classes = workDir.resolve("classes");
            String packagePath = NetnsLab.class.getPackageName().replace('.', '/');
            copy(probeClasses.resolve(packagePath), classes.resolve(packagePath));
            this.sidecarJar = workDir.resolve("agentsandbox-sidecar.jar");
            copy(sidecarJar, this.sidecarJar);
            makeReadableByAll(workDir);
        } catch (IOException e) {
            cleanUp();
            throw new UncheckedIOException(e);
        }
        try {
            build();
        } catch (RuntimeException e) {
            cleanUp();
            throw e;
        }
    }

    private void build() {
        addNamespace(sandbox);
        addNamespace(internet);
        ip("-n", sandbox, "link", "add", "veth0", "type", "veth", "peer", "name", "veth0", "netns", internet);
        configure(sandbox, SANDBOX_V4, SANDBOX_V6);
        configure(internet, INTERNET_V4, INTERNET_V6);
        writeSandboxHosts();
    }

    /** A bare namespace, with nothing but its loopback, for tests that need their own. */
    public String addBareNamespace() {
        String name = PREFIX + "bare" + bareNamespaces.incrementAndGet() + "-" + id;
        addNamespace(name);
        ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    public String sandbox() {
        return sandbox;
    }

    /** Runs a command in a namespace as root (with all of root's capabilities). */
    public Commands.Result inNamespace(String namespace, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return Commands.run(COMMAND_GUARD, full);
    }

    /** Runs the sidecar jar in a namespace as root with no capability but those named (e.g. "net_admin"). */
    public Commands.Result runSidecarKeeping(String namespace, List<String> capabilities, String... args) {
        return runSidecarKeeping(namespace, capabilities, List.of(), args);
    }

    /**
     * Same, with {@code shadowingTools} (name to shell script) placed ahead of the real tools on the PATH: a way to
     * make one of them fail for real.
     */
    public Commands.Result runSidecarKeeping(String namespace, List<String> capabilities,
            List<Map.Entry<String, String>> shadowingTools, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        if (!shadowingTools.isEmpty()) {
            Path bin = workDir.resolve("shadow-bin");
            try {
                Files.createDirectories(bin);
                for (Map.Entry<String, String> tool : shadowingTools) {
                    Path script = Files.writeString(bin.resolve(tool.getKey()), tool.getValue());
                    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            command.addAll(List.of("env", "PATH=" + bin + ":" + Commands.PATH));
        }
        StringBuilder boundingSet = new StringBuilder("-all");
        capabilities.forEach(capability -> boundingSet.append(",+").append(capability));
        // Root keeps, after exec, only what the bounding set allows.
        command.addAll(List.of("setpriv", "--bounding-set=" + boundingSet, "--inh-caps=-all", "--"));
        command.addAll(jar(args));
        return Commands.run(COMMAND_GUARD, command);
    }

    /** Starts the sidecar jar in the sandbox namespace as {@code uid}; output goes to a log file named for it. */
    public Process startSidecarInSandbox(int uid, String logName, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", sandbox));
        command.addAll(asUid(uid));
        command.addAll(jar(args));
        return track(Commands.start(command, workDir.resolve(logName)));
    }

    /** Starts {@link InternetHost} in the internet namespace and waits until its sockets are bound. */
    public void startInternetHost() {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", internet));
        command.addAll(java(InternetHost.class.getName()));
        Path log = workDir.resolve("internet-host.log");
        Process host = track(Commands.start(command, log));
        awaitLine(host, log, InternetHost.READY);
    }

    /** Runs {@link NetProbe} as {@code uid} inside the sandbox namespace. */
    public List<ProbeResult> probeAs(int uid, String... specs) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", sandbox));
        command.addAll(asUid(uid));
        command.addAll(java(NetProbe.class.getName(), specs));
        Commands.Result result = Commands.run(COMMAND_GUARD, command).requireSuccess();
        return result.stdout().lines().map(ProbeResult::parse).toList();
    }

    /** Waits (bounded) until something in the sandbox accepts TCP connections on 127.0.0.1:{@code port}. */
    public void awaitSandboxListener(int port, Process owner, String logName) {
        String check = "for i in $(seq 1 240); do (exec 3<>/dev/tcp/127.0.0.1/" + port + ") 2>/dev/null && exit 0;"
                + " sleep 0.25; done; exit 1";
        Commands.Result result = inNamespace(sandbox, "bash", "-c", check);
        if (result.exitStatus() != 0 || !owner.isAlive()) {
            throw new IllegalStateException("nothing listens on 127.0.0.1:" + port + " in the sandbox; log:\n"
                    + readLog(workDir.resolve(logName)));
        }
    }

    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and the hook is running or has run.
        }
    }

    private synchronized void cleanUp() {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        for (String namespace : namespaces) {
            deleteNamespace(namespace);
        }
        namespaces.clear();
        if (workDir != null) {
            deleteRecursively(workDir);
        }
    }

    private synchronized void addNamespace(String name) {
        namespaces.add(name);
        ip("netns", "add", name);
    }

    private void configure(String namespace, String v4, String v6) {
        ip("-n", namespace, "link", "set", "lo", "up");
        ip("-n", namespace, "addr", "add", v4 + "/24", "dev", "veth0");
        // nodad: the address is usable at once instead of after duplicate address detection.
        ip("-n", namespace, "addr", "add", v6 + "/64", "dev", "veth0", "nodad");
        ip("-n", namespace, "link", "set", "veth0", "up");
    }

    /** {@code ip netns exec} bind-mounts /etc/netns/NAME/hosts over /etc/hosts for whatever runs inside. */
    private void writeSandboxHosts() {
        try {
            Path dir = Files.createDirectories(Path.of("/etc/netns", sandbox));
            Files.writeString(dir.resolve("hosts"), String.join("\n",
                    "127.0.0.1 localhost",
                    "::1 localhost",
                    INTERNET_V4 + " " + INTERNET_NAME + " " + BLOCKED_NAME,
                    INTERNET_V6 + " " + INTERNET_V6_NAME,
                    ""));
            Files.setPosixFilePermissions(dir.resolve("hosts"), PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends whatever still runs inside (a killed test JVM leaves its children behind), then removes the name. */
    private static void deleteNamespace(String name) {
        Commands.run(COMMAND_GUARD, "ip", "netns", "pids", name).stdout().lines()
                .map(String::trim)
                .filter(pid -> pid.matches("\\d+"))
                .forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly));
        Commands.run(COMMAND_GUARD, "ip", "netns", "del", name);
        deleteRecursively(Path.of("/etc/netns", name));
    }

    /**
     * A JVM killed outright leaves its namespaces, their processes and its work directory behind; its pid is in
     * their names, so they can be told apart from those of a run still going.
     */
    private static void removeLeftoversOfDeadRuns() {
        Commands.run(COMMAND_GUARD, "ip", "netns", "list").stdout().lines().forEach(line -> {
            Matcher matcher = LAB_NAMESPACE.matcher(line);
            if (matcher.find() && isDead(matcher.group(2))) {
                deleteNamespace(matcher.group(1));
            }
        });
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            tmp.filter(dir -> {
                Matcher matcher = LAB_WORK_DIR.matcher(dir.getFileName().toString());
                return matcher.matches() && isDead(matcher.group(1));
            }).forEach(NetnsLab::deleteRecursively);
        } catch (IOException e) {
            System.err.println("netns lab: could not look for old work directories: " + e);
        }
    }

    private static boolean isDead(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).isEmpty();
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Commands.run(COMMAND_GUARD, command).requireSuccess();
    }

    private static List<String> asUid(int uid) {
        return List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--");
    }

    private List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(SMALL_JVM);
        command.addAll(List.of("-cp", classes.toString(), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private List<String> jar(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(SMALL_JVM);
        command.addAll(List.of("-jar", sidecarJar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private synchronized Process track(Process process) {
        processes.add(process);
        return process;
    }

    private static void awaitLine(Process process, Path log, String line) {
        for (int attempt = 0; attempt < 240; attempt++) {
            if (readLog(log).lines().anyMatch(line::equals)) {
                return;
            }
            if (!process.isAlive()) {
                break;
            }
            sleep(Duration.ofMillis(250));
        }
        throw new IllegalStateException("no '" + line + "' from " + process.info().commandLine().orElse("?")
                + "; log:\n" + readLog(log));
    }

    private static String readLog(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> tree = Files.walk(from)) {
            for (Path source : tree.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(source, target);
                }
            }
        }
    }

    private static void makeReadableByAll(Path root) throws IOException {
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path each : tree.toList()) {
                Files.setPosixFilePermissions(each,
                        PosixFilePermissions.fromString(Files.isDirectory(each) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path each : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        } catch (IOException e) {
            System.err.println("netns lab: could not delete " + path + ": " + e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
