package dev.agentsandbox.operator.config;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The operator's settings ({@code agentsandbox.*} application properties, surfaced as Helm values), and the one
 * place their defaults are written: {@code application.properties} does not repeat them, and the tables of
 * {@code operator/README.md} and the chart's {@code values.yaml} are tested against these.
 */
@ConfigMapping(prefix = "agentsandbox")
public interface OperatorConfig {

    RuntimeClasses runtimeClass();

    Sidecar sidecar();

    ModelRunner modelRunner();

    /** How the agent is kept from bypassing the proxy. */
    @WithDefault("networkpolicy")
    @WithConverter(EnforcementModeConverter.class)
    EgressEnforcement enforcementMode();

    /**
     * Whether a sandbox may choose {@code spec.egress.enforcement: NetworkPolicy} when {@link #enforcementMode()}
     * is iptables. A stricter choice needs no permission.
     */
    @WithDefault("false")
    boolean allowWeakerEnforcement();

    /**
     * RuntimeClass handlers whose sandboxes cannot run egress-init's iptables rules (gVisor's netstack has no
     * nf_tables and no conntrack match): their pods get the NetworkPolicy only, and EgressReady says so.
     */
    @WithDefault("runsc")
    List<String> iptablesUnsupportedHandlers();

    /**
     * Address ranges every sandbox's egress proxy may connect to although they are private or reserved (an
     * internal git server or package mirror); the proxy refuses them otherwise, whatever a sandbox allows. The
     * platform's choice, never a sandbox's. The NetworkPolicy's exceptions stay as they are.
     */
    Optional<List<String>> egressAllowCidrs();

    /**
     * Addresses of the cluster's DNS servers that are not kube-dns pods (NodeLocal DNSCache, CoreDNS on the host
     * network): the NetworkPolicy lets the pod reach port 53 there too. Without them such a cluster's sandboxes
     * resolve nothing, the proxy's and the bridge's lookups included.
     */
    Optional<List<String>> dnsCidrs();

    /**
     * A PEM file of CA certificates every sandbox's egress proxy trusts for the upstreams it intercepts (the
     * credential hosts), in addition to its system store: a platform's private CA in front of an internal API. Read
     * and checked at start ({@code plan/UpstreamTrust}); a file that is not PEM or holds no certificate stops the
     * operator with this setting named. The platform's choice, never a sandbox's.
     */
    Optional<String> upstreamTrustFile();

    /** Who may reach the sidecars' admin ports: the operator's own pods. */
    OperatorPods operator();

    /**
     * Namespaces whose AgentSandboxes are reconciled; {@code JOSDK_ALL_NAMESPACES} for all. Feeds
     * {@code quarkus.operator-sdk.controllers.agentsandbox.namespaces} (see application.properties).
     */
    @WithDefault("JOSDK_ALL_NAMESPACES")
    List<String> watchNamespaces();

    /**
     * How often a ready sandbox is reconciled to copy the sidecars' counters into {@code status.egress} and
     * {@code status.model}.
     */
    @WithDefault("60s")
    Duration statusRefresh();

    /**
     * How long the answer of API discovery for {@code metrics.k8s.io} (is it served?) is trusted before it is asked
     * again; only sandboxes with {@code spec.lifecycle.idleCpuThreshold} ask.
     */
    @WithDefault("5m")
    Duration metricsApiRecheck();

    /**
     * How often the per-sandbox series of {@code /q/metrics} are computed again from the cache of sandboxes besides
     * after reconciles: a deleted sandbox (which is not reconciled again) loses its series within this time.
     */
    @WithDefault("15s")
    Duration metricsRefresh();

    /** Warm pools (AgentSandboxPool). */
    Pool pool();

    /** The Lease that elects the one active replica (see {@link OperatorLeaderElection}). */
    LeaderElection leaderElection();

    /** The git image of the {@code workspace-init} container that clones {@code spec.workspace.git}. */
    @WithDefault("docker.io/alpine/git:2.47.2")
    String gitImage();

    interface Pool {
        /**
         * The most warm pods one pool keeps, whatever its {@code spec.replicas} (or an autoscaler) asks: above it the
         * pool keeps this many and says so ({@code ReplicasAboveLimit}).
         */
        @WithDefault("200")
        int maxReplicas();

        /**
         * How long a pool waits, after a sandbox took one of its pods, before it refills: each adoption re-arms it,
         * so a burst of adoptions gets the API server first. {@code 0s}: refill at once.
         */
        @WithDefault("1s")
        Duration refillDelay();

        /** The longest a pool's refill waits after the first pod of a series of adoptions was taken. */
        @WithDefault("5s")
        Duration refillDelayMax();
    }

    interface RuntimeClasses {
        /** Used when {@code spec.runtimeClassName} is omitted. */
        @WithName("default")
        @WithDefault("kata")
        String defaultName();

        /** The only RuntimeClasses a sandbox may name; {@code runc} belongs here only where a microVM is not needed. */
        @WithDefault("kata,gvisor")
        List<String> allowed();
    }

    interface Sidecar {
        /** The image of the egress proxy, the model bridge and (iptables mode) egress-init. */
        @WithDefault("ghcr.io/agentsandbox/sidecar:0.1.0")
        String image();

        /**
         * Each container's CPU request and memory (request and limit; its JVM heap is a share of the limit, see
         * bridge-sidecar/README.md, "Bounds and memory"). No CPU limit: a throttled proxy slows every request.
         */
        @WithDefault("50m")
        String proxyCpu();

        @WithDefault("256Mi")
        String proxyMemory();

        @WithDefault("50m")
        String bridgeCpu();

        @WithDefault("256Mi")
        String bridgeMemory();

        @WithDefault("10m")
        String egressInitCpu();

        @WithDefault("64Mi")
        String egressInitMemory();
    }

    interface ModelRunner {
        @WithDefault("docker-model-runner")
        String service();

        @WithDefault("model-runner")
        String namespace();

        @WithDefault("80")
        int port();

        @WithDefault("llama.cpp")
        String engine();

        /** The port the Model Runner pods listen on behind the Service (NetworkPolicy egress). */
        @WithDefault("12434")
        int targetPort();
    }

    interface LeaderElection {
        /** Name of the Lease in the operator's namespace; replicas sharing it elect one leader. */
        @WithDefault("agentsandbox-operator-lease")
        String leaseName();

        /**
         * How long the Lease holds without renewal: how long a standby waits before it takes over from a replica that
         * stopped without releasing it (a crash, a lost node). The holder must renew it within two thirds of this
         * and every replica tries every 2/15 of it (Kubernetes' own proportions: 15s, 10s and 2s by default).
         * Shorter: a faster takeover after a crash, more writes to the API server, and a loaded leader that misses
         * its renewal deadline stops.
         */
        @WithDefault("15s")
        Duration leaseDuration();
    }

    interface OperatorPods {
        /**
         * The operator's namespace: the NetworkPolicy lets ingress come from it, and the Lease lives in it. The pod's
         * own namespace where the environment says it.
         */
        @WithDefault("${POD_NAMESPACE:agentsandbox-system}")
        String namespace();

        /**
         * Labels of the operator's pods, the only ingress the NetworkPolicy admits (to the admin ports), as
         * {@code key=value} entries; see {@link LabelSelectors#parse}.
         */
        @WithDefault("app.kubernetes.io/name=agentsandbox-operator")
        List<String> podSelector();
    }
}
