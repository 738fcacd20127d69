package dev.agentsandbox.operator.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.operator.testing.ChildProcess;
import dev.agentsandbox.sidecar.contract.EgressInitArgs;
import dev.agentsandbox.sidecar.contract.SidecarUids;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The images hack/build-images.sh and Jib built (before the integration tests, see operator/pom.xml): valid OCI
 * archives under the names the node imports, with the right files, users and entrypoints; and, where containerd and
 * runc are installed and this runs as root (CI), each one really started under runc by a containerd of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImagesIT {

    private static final Path IMAGES = Path.of(System.getProperty("agentsandbox.images.dir",
            System.getProperty("user.home") + "/.agentsandbox/images"));
    private static final Path ROOT = Path.of(System.getProperty("project.root", ".."));
    private static final List<String> NAMES =
            List.of("operator", "sidecar", "agent", "model-runner", "tls-upstream", "busybox");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Static: JUnit injects it before @BeforeAll. */
    @TempDir
    static Path work;

    private final Map<String, OciArchive> images = new LinkedHashMap<>();
    private StandaloneContainerd containerd;

    @BeforeAll
    void readArchives() throws Exception {
        assumeTrue(!Boolean.getBoolean("agentsandbox.images.skipped"), "the image build was skipped (-DskipImages)");
        for (String name : NAMES) {
            Path archive = IMAGES.resolve(name + ".tar");
            assertThat(archive).as("%s: build it with hack/build-images.sh (or ./mvnw verify)", archive).isNotEmptyFile();
            images.put(name, OciArchive.read(archive, work));
            System.out.printf("image %-13s %5.1f MiB (compressed layers)%n", name, compressedSize(images.get(name)) / 1048576.0);
        }
    }

    @AfterAll
    void stopContainerd() {
        if (containerd != null) {
            containerd.close();
        }
    }

    @Test
    void everyArchiveIsAnOciImageUnderTheNameTheNodeLoads() throws Exception {
        for (String name : NAMES) {
            // skopeo reads it independently of the code above (and of the tools that wrote it).
            JsonNode inspected = JSON.readTree(Commands.run(List.of("skopeo", "inspect",
                    "oci-archive:" + IMAGES.resolve(name + ".tar"))));
            assertThat(inspected.path("Os").asText()).as(name).isEqualTo("linux");
            assertThat(inspected.path("Architecture").asText()).as(name).isEqualTo("amd64");
            assertThat(images.get(name).refName).as(name).isEqualTo("localhost/agentsandbox/" + name + ":dev");
            assertThat(images.get(name).manifest.path("mediaType").asText(""))
                    .as(name).isIn("application/vnd.oci.image.manifest.v1+json", "");
        }
    }

    @Test
    void sidecarImageRunsTheShadedJarAndCarriesIptablesReadableByTheSidecarUsers() {
        OciArchive sidecar = images.get("sidecar");

        assertThat(sidecar.entrypoint()).startsWith("/opt/java/bin/java")
                .contains("-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError")
                .endsWith("-jar", "/opt/agentsandbox/agentsandbox-sidecar.jar");
        assertThat(sidecar.cmd()).containsExactly("proxy");
        assertThat(sidecar.user()).isEqualTo(SidecarUids.PROXY + ":" + SidecarUids.PROXY);
        assertThat(sidecar.files).containsKeys("/opt/agentsandbox/agentsandbox-sidecar.jar", "/opt/java/bin/java",
                "/opt/java/lib/security/cacerts", "/usr/sbin/xtables-nft-multi");
        // The class-data archive of both roles and BoringSSL's library, made at image build, named by the entrypoint.
        assertThat(sidecar.entrypoint()).contains("-XX:SharedArchiveFile=/opt/agentsandbox/sidecar.jsa",
                "-Djava.library.path=/opt/agentsandbox/native");
        assertThat(sidecar.files).containsKeys("/opt/agentsandbox/sidecar.jsa",
                "/opt/agentsandbox/native/libnetty_tcnative_linux_x86_64.so");
        // egress-init calls the plain names; the nf_tables backend, as current nodes use.
        for (String family : List.of("iptables", "ip6tables")) {
            assertThat(sidecar.files.get("/usr/sbin/" + family + "-restore").linkTarget()).isEqualTo(family + "-nft-restore");
            assertThat(sidecar.files.get("/usr/sbin/" + family + "-nft-restore").linkTarget()).isEqualTo("xtables-nft-multi");
        }
        // The operator runs the proxy as 1337 and the bridge as 1338: neither owns these files.
        assertReadableByOthers(sidecar, "/opt/");
        assertThat(sidecar.files).noneSatisfy((path, entry) -> assertThat(path).startsWith("/app/"));
    }

    @Test
    void operatorImageRunsTheQuarkusFastJarAsNonRootWithoutAShell() {
        OciArchive operator = images.get("operator");

        assertThat(operator.user()).isEqualTo("65532:65532");
        assertThat(operator.entrypoint()).startsWith("/opt/java/bin/java")
                .contains("-XX:+UseSerialGC", "-Xss512k", "-XX:+ExitOnOutOfMemoryError")
                .endsWith("-jar", "/deployments/quarkus-run.jar");
        assertThat(operator.files).containsKeys("/deployments/quarkus-run.jar", "/deployments/lib/boot",
                "/deployments/app", "/deployments/quarkus/quarkus-application.dat");
        assertReadableByOthers(operator, "/deployments/");
        assertReadableByOthers(operator, "/opt/java/");
        assertThat(operator.files).doesNotContainKeys("/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/apt");
        assertThat(operator.files).noneSatisfy((path, entry) -> assertThat(path).startsWith("/app/"));
    }

    @Test
    void testImagesCarryTheirToolsAndServers() {
        assertThat(images.get("agent").files).containsKeys("/usr/bin/curl", "/usr/bin/git", "/usr/bin/python3",
                "/usr/bin/pip3", "/usr/bin/node", "/usr/bin/bash", "/etc/ssl/certs/ca-certificates.crt");
        assertThat(images.get("agent").user()).isEqualTo(SidecarUids.AGENT + ":" + SidecarUids.AGENT);
        assertThat(images.get("model-runner").files).containsKeys("/usr/local/bin/fake-model-runner", "/usr/bin/python3");
        assertThat(images.get("tls-upstream").files).containsKeys("/usr/local/bin/tls-upstream", "/usr/bin/python3");
        assertThat(images.get("busybox").files).containsKeys("/bin/busybox", "/bin/sh", "/usr/bin/nslookup", "/usr/bin/wget");
    }

    @Test
    void sidecarStartsUnderRuncAsEachSidecarUserOnAReadOnlyRootFilesystem() throws Exception {
        StandaloneContainerd ctr = containerd();
        for (long uid : List.of(SidecarUids.PROXY, SidecarUids.BRIDGE)) {
            // As the operator's securityContext has it: that UID, read-only root, no capabilities. -Xshare:on: the
            // JVM refuses to start unless it maps the image's class-data archive (it would start without it silently).
            Commands.Result help = ctr.run(spec("sidecar", plus(sharingRequired(images.get("sidecar").entrypoint()),
                    "--help")).user(uid).readOnlyRoot().capabilities());
            assertThat(help.exitCode()).as(help.output()).isZero();
            assertThat(help.output()).contains("usage: agentsandbox-sidecar");
        }
    }

    @Test
    void egressInitInstallsItsRulesWithTheImagesIptablesWithNetAdminOnly() throws Exception {
        // The operator's own arguments and securityContext (root, NET_ADMIN only), in a network namespace of its own.
        List<String> args = EgressInitArgs.inPod();
        Commands.Result init = containerd().run(spec("sidecar",
                plus(images.get("sidecar").entrypoint(), args.toArray(String[]::new))).user(0).capabilities("CAP_NET_ADMIN"));

        assertThat(init.exitCode()).as(init.output()).isZero();
    }

    @Test
    void operatorImageBootsAsItsNonRootUserUntilItNeedsTheApiServer() throws Exception {
        // The image's own entrypoint and user, no API server in its network namespace: Quarkus, the Operator SDK and
        // the reconciler start (every class and JDK module they need is in the image) and then fail to connect.
        Commands.Result boot = containerd().run(spec("operator", images.get("operator").entrypoint())
                .env("KUBERNETES_MASTER=https://127.0.0.1:6443").capabilities());
        assertThat(boot.output()).contains("Registered reconciler: 'agentsandbox'", "java.net.ConnectException")
                .doesNotContain("NoClassDefFoundError", "ClassNotFoundException", "UnsatisfiedLinkError");
        assertThat(boot.exitCode()).as(boot.output()).isNotZero();
        Commands.Result user = containerd().run(spec("operator", List.of("/opt/java/bin/java",
                "-XshowSettings:properties", "-version")).capabilities());
        assertThat(user.output()).contains("user.name = nonroot", "java.version = 17.0.");
    }

    @Test
    void agentImageHasWorkingToolsForItsUser() throws Exception {
        Commands.Result tools = containerd().run(spec("agent", List.of("/bin/bash", "-c",
                "id -u && curl --version && git --version && python3 -m pip --version && node --version"
                        // The clients that read one CA file, and the tests' root CA among the image's own roots.
                        + " && python3 -c 'import requests, openai; print(\"openai\", openai.__version__)'"
                        + " && root=$(sed -n 2p /usr/local/share/ca-certificates/agentsandbox-test-root.crt)"
                        + " && grep -qF \"$root\" /etc/ssl/certs/ca-certificates.crt && echo test-root-trusted")));
        assertThat(tools.exitCode()).as(tools.output()).isZero();
        assertThat(tools.output()).startsWith(SidecarUids.AGENT + "\n").contains("curl ", "git version", "pip ", "v18.",
                "openai 1.", "test-root-trusted");
    }

    @Test
    void busyboxImageRunsAShell() throws Exception {
        Commands.Result shell = containerd().run(spec("busybox", List.of("/bin/sh", "-c", "echo up && wget --help 2>&1 | head -1")));
        assertThat(shell.exitCode()).as(shell.output()).isZero();
        assertThat(shell.output()).startsWith("up\n").contains("BusyBox");
    }

    @Test
    void fakeModelRunnerAnswersTheOpenAiAndAnthropicRoutes() throws Exception {
        int port = freePort();
        try (StandaloneContainerd.Running runner = containerd().start(spec("model-runner", plus(images.get("model-runner").entrypoint(),
                "--listen", "127.0.0.1:" + port, "--model", "ai/test")).hostNetwork())) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + port;
            awaitListening(runner.process(), http, URI.create(base + "/models"));

            JsonNode chat = post(http, base + "/engines/llama.cpp/v1/chat/completions",
                    "{\"model\":\"ai/test\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
            assertThat(chat.at("/choices/0/message/content").asText()).isEqualTo("fake reply to: hello there");
            assertThat(chat.at("/usage/prompt_tokens").asInt()).isEqualTo(2);

            JsonNode messages = post(http, base + "/anthropic/v1/messages",
                    "{\"model\":\"ai/test\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(messages.at("/content/0/text").asText()).isEqualTo("fake reply to: hi");
            assertThat(messages.at("/usage/input_tokens").asInt()).isEqualTo(1);

            HttpResponse<String> stream = http.send(HttpRequest.newBuilder(
                            URI.create(base + "/engines/llama.cpp/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"ai/test\",\"stream\":true,"
                            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            assertThat(stream.body()).contains("\"usage\": {\"prompt_tokens\": 1").endsWith("data: [DONE]\n\n");

            JsonNode models = JSON.readTree(http.send(HttpRequest.newBuilder(
                    URI.create(base + "/engines/llama.cpp/v1/models")).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(models.at("/data/0/id").asText()).isEqualTo("ai/test");
        }
    }

    @Test
    void tlsUpstreamServesHttpsWithTheCertificateTheTestMounts() throws Exception {
        TestCertificate certificate = TestCertificate.selfSigned("upstream.example.test", work.resolve("tls"));
        int port = freePort();
        try (StandaloneContainerd.Running upstream = containerd().start(spec("tls-upstream", plus(images.get("tls-upstream").entrypoint(),
                "--listen", "127.0.0.1:" + port, "--cert", "/etc/tls/tls.crt", "--key", "/etc/tls/tls.key"))
                .hostNetwork().mount(certificate.directory(), "/etc/tls"))) {
            HttpClient https = HttpClient.newBuilder().sslContext(certificate.trustingContext())
                    .connectTimeout(Duration.ofSeconds(5)).build();
            URI uri = URI.create("https://127.0.0.1:" + port + "/v1/echo?x=1");
            awaitListening(upstream.process(), https, uri);

            HttpResponse<String> echo = https.send(HttpRequest.newBuilder(uri).header("X-Test", "yes").build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(echo.body());
            assertThat(body.path("path").asText()).isEqualTo("/v1/echo?x=1");
            assertThat(body.path("headers").path("X-Test").asText()).isEqualTo("yes");
            assertThat(body.at("/tls/version").asText()).startsWith("TLSv1.");
        }
    }

    private StandaloneContainerd.Spec spec(String image, List<String> args) {
        return new StandaloneContainerd.Spec(images.get(image), image, args);
    }

    private synchronized StandaloneContainerd containerd() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "running images under runc needs root (containerd, runc, overlay mounts)");
        assumeTrue(Commands.available("containerd") && Commands.available("runc") && Commands.available("ctr"),
                "containerd, ctr and runc are not installed: apt-get install -y containerd runc");
        if (containerd == null) {
            containerd = StandaloneContainerd.start(work.resolve("containerd"));
            // hack/load-images.sh is what loads them into the node: the same script here.
            String loaded = Commands.run(List.of("bash", ROOT.resolve("hack/load-images.sh").toString(),
                    containerd.address().toString()) );
            System.out.println(loaded);
        }
        return containerd;
    }

    /** The entrypoint with -Xshare:on among the JVM's options (before -jar). */
    private static List<String> sharingRequired(List<String> entrypoint) {
        List<String> command = new ArrayList<>(entrypoint);
        command.add(command.indexOf("-jar"), "-Xshare:on");
        return command;
    }

    private static List<String> plus(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all;
    }

    private static void assertReadableByOthers(OciArchive image, String prefix) {
        List<String> unreadable = image.files.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && e.getValue().type() != 'l'
                        && !e.getValue().readableByOthers())
                .map(e -> e.getKey() + " " + e.getValue().mode()).toList();
        assertThat(unreadable).as("files under %s not readable by a user who does not own them", prefix).isEmpty();
        assertThat(image.files.keySet()).as(prefix).anyMatch(path -> path.startsWith(prefix));
    }

    private static long compressedSize(OciArchive image) {
        long size = image.manifest.path("config").path("size").asLong();
        for (JsonNode layer : image.manifest.path("layers")) {
            size += layer.path("size").asLong();
        }
        return size;
    }

    private static JsonNode post(HttpClient http, String uri, String json) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri))
                .POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void awaitListening(ChildProcess server, HttpClient http, URI uri) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            server.assertAlive();
            try {
                http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(server.name() + " did not answer at " + uri + ":\n" + server.tailOfLog(20), notYet);
                }
                Thread.sleep(200);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
