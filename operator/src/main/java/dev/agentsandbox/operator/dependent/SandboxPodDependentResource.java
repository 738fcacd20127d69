package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentRestartPolicy;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.SidecarUids;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code <name>-sandbox}: the sandbox pod (docs/architecture.md, "Reconcile"). Pods are mostly immutable, so a
 * change of what the pod is built from replaces it: the pod carries a hash of its spec, and a pod whose hash
 * differs is deleted and created anew on the reconcile its deletion triggers. The sidecar policy is not part of the
 * hash: the sidecars pick it up from the mounted ConfigMap while running.
 */
@KubernetesDependent(informer = @Informer(labelSelector = SandboxObjects.MANAGED_SELECTOR))
public class SandboxPodDependentResource extends PlannedDependentResource<Pod> {

    public static final String NAME = "sandbox-pod";
    public static final String SPEC_HASH_ANNOTATION = "agentsandbox.dev/pod-spec-hash";

    private static final Logger LOG = Logger.getLogger(SandboxPodDependentResource.class);

    public SandboxPodDependentResource() {
        super(Pod.class);
    }

    @Override
    public Pod desired(SandboxPlan plan) {
        PodSpec spec = podSpec(plan);
        Pod pod = new PodBuilder()
                .withApiVersion("v1").withKind("Pod")
                .withMetadata(SandboxObjects.metadata(SandboxObjects.podName(plan.objectBase()), plan.namespace(),
                        plan.name()))
                .withSpec(spec)
                .build();
        pod.getMetadata().setAnnotations(new HashMap<>(Map.of(SPEC_HASH_ANNOTATION, hashOf(spec))));
        return pod;
    }

    private static PodSpec podSpec(SandboxPlan plan) {
        List<Container> initContainers = new ArrayList<>();
        if (plan.enforcement().egressInit()) {
            initContainers.add(SidecarContainers.egressInit(plan));
        }
        initContainers.add(SidecarContainers.proxy(plan));
        plan.model().ifPresent(runner -> initContainers.add(SidecarContainers.bridge(plan)));
        initContainers.add(AgentTrust.init(plan));
        plan.workspace().map(w -> w.getGit()).ifPresent(git ->
                initContainers.add(AgentContainers.workspaceInit(plan, git)));
        return new PodSpecBuilder()
                .withRuntimeClassName(plan.runtimeClassName())
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                // The agent is the only regular container: its restart policy is the pod's. The sidecars restart
                // whatever this says (native sidecars) until the agent has ended for good.
                .withRestartPolicy(AgentRestartPolicy.orDefault(plan.spec().getAgent().getRestartPolicy()).podValue())
                .withNewSecurityContext()
                // Group of the workspace volume, so the agent (uid 1000) can write to a claimed workspace; also the
                // group through which the proxy reads its credential files.
                .withFsGroup(SidecarUids.AGENT)
                .withNewSeccompProfile().withType(SecurityContexts.RUNTIME_DEFAULT).endSeccompProfile()
                .endSecurityContext()
                .withInitContainers(initContainers)
                .withContainers(AgentContainers.agent(plan))
                .withVolumes(SandboxVolumes.of(plan))
                .build();
    }

    static String hashOf(PodSpec spec) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(spec).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * Matches on the spec hash and on the images (the pod fields someone may edit in place). A terminating pod
     * is left alone: its deletion triggers the next reconcile, which creates the new one.
     */
    @Override
    public Matcher.Result<Pod> match(Pod actual, Pod desired, AgentSandbox primary, Context<AgentSandbox> context) {
        if (actual.getMetadata().getDeletionTimestamp() != null) {
            return Matcher.Result.computed(true, desired);
        }
        boolean sameSpec = Objects.equals(annotation(actual), annotation(desired))
                && images(actual).equals(images(desired));
        return Matcher.Result.computed(sameSpec, desired);
    }

    /** Replaces the pod: deleted now, created by the reconcile that its deletion event triggers. */
    @Override
    public Pod update(Pod actual, Pod desired, AgentSandbox primary, Context<AgentSandbox> context) {
        LOG.infof("Replacing pod %s/%s: its spec changed", actual.getMetadata().getNamespace(),
                actual.getMetadata().getName());
        context.getClient().resource(actual).delete();
        return actual;
    }

    private static String annotation(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(SPEC_HASH_ANNOTATION);
    }

    private static List<String> images(Pod pod) {
        List<String> images = new ArrayList<>();
        pod.getSpec().getInitContainers().forEach(c -> images.add(c.getName() + "=" + c.getImage()));
        pod.getSpec().getContainers().forEach(c -> images.add(c.getName() + "=" + c.getImage()));
        return images;
    }
}
