package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.status.WarmStart;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorForClass;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Templates and warm pools on the embedded control plane with the packaged operator: adoption (ready at once, the
 * policy selecting the pod at every step, the pool refilled), a burst of sandboxes against a small pool (never one
 * pod for two), the rollout of a template change, the pool's deletion, /scale, and every kind of bad input.
 */
@ExtendWith(ControlPlaneExtension.class)
class WarmPoolIT {

    /** Small, so that "above the limit" needs few pods. */
    private static final int MAX_REPLICAS = 5;
    private static final String IMAGE = "registry.test/agent:1";
    /** Keeps a deleted pod terminating, as a long grace period would. */
    private static final String LINGER = "agentsandbox.dev/test-linger";

    @RegisterExtension
    static final OperatorForClass OPERATOR = new OperatorForClass("operator-warm-pool",
                Map.of("agentsandbox.pool.max-replicas", String.valueOf(MAX_REPLICAS)));


    @Test
    void aSandboxOfThePoolsTemplateAdoptsAReadyPodUnderAPolicyAtEveryStepAndThePoolRefills() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "adopt");
        Pools.template(OPERATOR.client(), namespace, "python", IMAGE);
        // From before the pool's first object: every version of the warm pods too, from their creation on.
        History history = History.of(namespace);
        Set<String> warm;
        try {
            Pools.pool(OPERATOR.client(), namespace, "warm", "python", 2);
            eventually(CONVERGENCE).until(() -> Pools.readyReplicas(OPERATOR.client(), namespace, "warm") == 2);
            warm = names(Pools.unclaimed(OPERATOR.client(), namespace, "warm"));
            Sandboxes.apply(OPERATOR.client(), Pools.templated(namespace, "agent", "python"));
            eventually(CONVERGENCE).until(() -> phase(namespace, "agent") == SandboxPhase.READY);
            // Ready right after the claim; the slot's other objects become the sandbox's just after.
            eventually(CONVERGENCE).until(() -> Sandboxes.sandbox(OPERATOR.client(), namespace, "agent").get()
                    .getMetadata().getAnnotations().containsKey(WarmStart.SLOT_ANNOTATION));
        } finally {
            history.close();
        }

        AgentSandbox sandbox = Sandboxes.sandbox(OPERATOR.client(), namespace, "agent").get();
        assertThat(sandbox.getStatus().getPodName()).as("a warm pod, not a new one").isIn(warm);
        assertThat(Pools.condition(sandbox, "WarmStart")).get().satisfies(c -> {
            assertThat(c.status()).isEqualTo(SandboxCondition.TRUE);
            assertThat(c.reason()).isEqualTo("Adopted");
        });
        assertThat(sandbox.getStatus().getConditions()).filteredOn(c -> !"WarmStart".equals(c.type()))
                .allSatisfy(c -> assertThat(c.status()).as("%s: %s", c.type(), c.message())
                        .isEqualTo(SandboxCondition.TRUE));
        Pod pod = OPERATOR.client().pods().inNamespace(namespace).withName(sandbox.getStatus().getPodName()).get();
        String slot = pod.getMetadata().getLabels().get(WarmSlots.SLOT_LABEL);
        assertThat(pod.getMetadata().getLabels()).containsEntry(SandboxObjects.SANDBOX_LABEL, "agent")
                .doesNotContainKey(WarmSlots.POOL_LABEL);
        assertOwnedBy(pod.getMetadata().getOwnerReferences(), sandbox);
        assertThat(sandbox.getMetadata().getAnnotations()).containsEntry(WarmStart.SLOT_ANNOTATION, slot);
        eventually(CONVERGENCE).untilAsserted(() -> assertOwnedBy(OPERATOR.client().configMaps()
                .inNamespace(namespace).withName(SandboxObjects.configMapName(slot)).get().getMetadata()
                .getOwnerReferences(), sandbox));

        // Before, during and after: every version of the pod was selected by a NetworkPolicy in force at that
        // version (created before it, not deleted since), and its ConfigMap (the proxy's config) was never gone.
        List<Pod> versions = history.podVersions(pod.getMetadata().getName());
        assertThat(versions).as("versions of the adopted pod seen").isNotEmpty();
        assertThat(versions).anySatisfy(version -> assertThat(version.getMetadata().getLabels())
                .as("a version before the claim").containsKey(WarmSlots.POOL_LABEL));
        for (Pod version : versions) {
            assertThat(history.policiesSelecting(version)).as("policies selecting pod version %s %s",
                            version.getMetadata().getResourceVersion(), version.getMetadata().getLabels())
                    .isNotEmpty();
        }
        NetworkPolicy own = OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace)
                .withName(SandboxObjects.networkPolicyName(slot)).get();
        eventually(CONVERGENCE).untilAsserted(() -> assertOwnedBy(OPERATOR.client().network().v1().networkPolicies()
                .inNamespace(namespace).withName(SandboxObjects.networkPolicyName(slot)).get().getMetadata()
                .getOwnerReferences(), sandbox));
        assertThat(own.getSpec().getPodSelector().getMatchLabels()).containsExactly(Map.entry(WarmSlots.SLOT_LABEL,
                slot));
        assertThat(history.deletedConfigMaps()).doesNotContain(SandboxObjects.configMapName(slot));

        // The pool made a new warm pod for the one it lent.
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Pools.readyReplicas(OPERATOR.client(), namespace, "warm")).isEqualTo(2);
            assertThat(names(Pools.unclaimed(OPERATOR.client(), namespace, "warm"))).doesNotContain(pod.getMetadata().getName());
        });
    }

    @Test
    void aBurstOfSandboxesAgainstASmallPoolGivesEachItsOwnPod() throws Exception {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "burst");
        Pools.template(OPERATOR.client(), namespace, "python", IMAGE);
        Pools.pool(OPERATOR.client(), namespace, "warm", "python", 3);
        eventually(CONVERGENCE).until(() -> Pools.readyReplicas(OPERATOR.client(), namespace, "warm") == 3);
        List<String> names = IntStream.range(0, 10).mapToObj(i -> "agent-" + i).toList();

        ExecutorService threads = Executors.newFixedThreadPool(names.size());
        try {
            List<Future<AgentSandbox>> created = new ArrayList<>();
            for (String name : names) {
                created.add(threads.submit(() -> Sandboxes.apply(OPERATOR.client(), Pools.templated(namespace, name, "python"))));
            }
            for (Future<AgentSandbox> future : created) {
                future.get();
            }
        } finally {
            threads.shutdown();
        }
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(names).allMatch(
                name -> phase(namespace, name) == SandboxPhase.READY));

        Map<String, AgentSandbox> byName = OPERATOR.client().resources(AgentSandbox.class).inNamespace(namespace).list()
                .getItems().stream().collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s));
        Set<String> pods = ConcurrentHashMap.newKeySet();
        int adopted = 0;
        for (String name : names) {
            AgentSandbox sandbox = byName.get(name);
            Pod pod = Pools.podOf(OPERATOR.client(), namespace, name);
            assertThat(pod).as("exactly one pod labelled for %s", name).isNotNull();
            assertThat(pod.getMetadata().getName()).isEqualTo(sandbox.getStatus().getPodName());
            assertOwnedBy(pod.getMetadata().getOwnerReferences(), sandbox);
            assertThat(pods.add(pod.getMetadata().getName())).as("%s shares its pod", name).isTrue();
            SandboxCondition warmStart = Pools.condition(sandbox, "WarmStart").orElseThrow();
            if (warmStart.isTrue()) {
                adopted++;
            } else {
                assertThat(warmStart.reason()).isEqualTo("PoolEmpty");
            }
        }
        assertThat(adopted).as("every warm pod there was at the burst was adopted").isGreaterThanOrEqualTo(3);
        assertThat(OPERATOR.client().pods().inNamespace(namespace).list().getItems())
                .allSatisfy(pod -> assertThat(pod.getMetadata().getOwnerReferences()).hasSize(1));
        eventually(CONVERGENCE).until(() -> Pools.readyReplicas(OPERATOR.client(), namespace, "warm") == 3);
    }

    @Test
    void aTemplateChangeReplacesTheUnclaimedPodsAndDeletingThePoolKeepsTheAdoptedOne() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "rollout");
        Pools.template(OPERATOR.client(), namespace, "python", IMAGE);
        Pools.pool(OPERATOR.client(), namespace, "warm", "python", 3);
        eventually(CONVERGENCE).until(() -> Pools.readyReplicas(OPERATOR.client(), namespace, "warm") == 3);
        Sandboxes.apply(OPERATOR.client(), Pools.templated(namespace, "kept", "python"));
        eventually(CONVERGENCE).until(() -> phase(namespace, "kept") == SandboxPhase.READY);
        eventually(CONVERGENCE).until(() -> Pools.readyReplicas(OPERATOR.client(), namespace, "warm") == 3);

        Pools.template(OPERATOR.client(), namespace, "python", "registry.test/agent:2");
        eventually(CONVERGENCE).untilAsserted(() -> {
            List<Pod> unclaimed = Pools.unclaimed(OPERATOR.client(), namespace, "warm");
            assertThat(unclaimed).hasSize(3).allSatisfy(pod -> assertThat(pod.getSpec().getContainers().get(0)
                    .getImage()).isEqualTo("registry.test/agent:2"));
            assertThat(Pools.readyReplicas(OPERATOR.client(), namespace, "warm")).isEqualTo(3);
        });
        AgentSandboxPool pool = Pools.poolResource(OPERATOR.client(), namespace, "warm").get();
        assertThat(pool.getStatus().getUpdatedReplicas()).isEqualTo(3);

        // A warm pod that takes its time to go (a finalizer standing in for a grace period) keeps its policy until it
        // is gone: the pool's deletion takes the pod, and the policy only with the pod.
        Pod lingering = Pools.unclaimed(OPERATOR.client(), namespace, "warm").get(0);
        String lingeringPolicy = SandboxObjects.networkPolicyName(WarmSlots.slotOf(lingering).orElseThrow());
        OPERATOR.client().pods().inNamespace(namespace).withName(lingering.getMetadata().getName())
                .edit(pod -> new PodBuilder(pod).editMetadata().addToFinalizers(LINGER).endMetadata().build());
        Pools.poolResource(OPERATOR.client(), namespace, "warm").delete();
        eventually(CONVERGENCE).until(() -> OPERATOR.client().pods().inNamespace(namespace)
                .withName(lingering.getMetadata().getName()).get().getMetadata().getDeletionTimestamp() != null);
        eventually(CONVERGENCE).until(() -> OPERATOR.client().pods().inNamespace(namespace)
                .withLabel(WarmSlots.POOL_LABEL, "warm").list().getItems().stream()
                .allMatch(pod -> pod.getMetadata().getName().equals(lingering.getMetadata().getName())));
        eventually(CONVERGENCE).during(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(OPERATOR.client()
                .network().v1().networkPolicies().inNamespace(namespace).withName(lingeringPolicy).get())
                .as("the policy of a pod still terminating").isNotNull());
        OPERATOR.client().pods().inNamespace(namespace).withName(lingering.getMetadata().getName())
                .edit(pod -> new PodBuilder(pod).editMetadata().removeFromFinalizers(LINGER).endMetadata().build());
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Pools.unclaimed(OPERATOR.client(), namespace, "warm")).isEmpty();
            assertThat(OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace)
                    .withLabel(WarmSlots.POOL_LABEL, "warm").list().getItems()).isEmpty();
        });
        assertThat(Pools.podOf(OPERATOR.client(), namespace, "kept")).as("the adopted pod is the sandbox's").isNotNull();
        assertThat(phase(namespace, "kept")).isEqualTo(SandboxPhase.READY);
    }

    @Test
    void scaleSubresourceSizesThePoolAndReportsItsSelector() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "scale");
        Pools.template(OPERATOR.client(), namespace, "python", IMAGE);
        Pools.pool(OPERATOR.client(), namespace, "warm", "python", 1);
        eventually(CONVERGENCE).until(() -> Pools.readyReplicas(OPERATOR.client(), namespace, "warm") == 1);

        Pools.poolResource(OPERATOR.client(), namespace, "warm").scale(3);

        eventually(CONVERGENCE).until(() -> Pools.readyReplicas(OPERATOR.client(), namespace, "warm") == 3);
        Scale scale = Pools.poolResource(OPERATOR.client(), namespace, "warm").scale();
        assertThat(scale.getSpec().getReplicas()).isEqualTo(3);
        assertThat(scale.getStatus().getReplicas()).isEqualTo(3);
        assertThat(OPERATOR.client().pods().inNamespace(namespace).withLabelSelector(scale.getStatus().getSelector()).list()
                .getItems()).hasSize(3);
    }

    @Test
    void badInputIsACleanRefusalWithAReasonAndAnEventNeverAnOrphanOrUnguardedPod() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "bad-pool");

        // A sandbox of a template that does not exist: no pod, a reason, an Event; it starts once the template comes.
        Sandboxes.apply(OPERATOR.client(), Pools.templated(namespace, "early", "later"));
        eventually(CONVERGENCE).untilAsserted(() -> {
            AgentSandbox early = Sandboxes.sandbox(OPERATOR.client(), namespace, "early").get();
            assertThat(early.getStatus().getPhase()).isEqualTo(SandboxPhase.FAILED);
            assertThat(Pools.condition(early, "Ready")).get().extracting(SandboxCondition::reason)
                    .isEqualTo("TemplateNotFound");
            assertThat(events(namespace)).anyMatch(e -> "TemplateNotFound".equals(e.getReason())
                    && "early".equals(e.getInvolvedObject().getName()));
        });
        assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).isEmpty();

        // A pool of a template that does not exist: no pod, a reason, an Event.
        Pools.pool(OPERATOR.client(), namespace, "orphan", "nowhere", 2);
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Pools.poolReady(OPERATOR.client(), namespace, "orphan")).get().extracting(SandboxCondition::reason)
                    .isEqualTo("TemplateNotFound");
            assertThat(events(namespace)).anyMatch(e -> "TemplateNotFound".equals(e.getReason())
                    && "orphan".equals(e.getInvolvedObject().getName()));
        });
        assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).isEmpty();

        // The template arrives: the waiting sandbox starts cold (there is no pool of it), and says so.
        Pools.template(OPERATOR.client(), namespace, "later", IMAGE);
        eventually(CONVERGENCE).untilAsserted(() -> {
            AgentSandbox early = Sandboxes.sandbox(OPERATOR.client(), namespace, "early").get();
            assertThat(early.getStatus().getPhase()).isEqualTo(SandboxPhase.READY);
            assertThat(Pools.condition(early, "WarmStart")).get().extracting(SandboxCondition::reason)
                    .isEqualTo("NoPool");
        });

        // Above the operator's limit: the limit's worth of pods, a reason, an Event.
        Pools.pool(OPERATOR.client(), namespace, "huge", "later", MAX_REPLICAS + 100);
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Pools.readyReplicas(OPERATOR.client(), namespace, "huge")).isEqualTo(MAX_REPLICAS);
            assertThat(Pools.poolReady(OPERATOR.client(), namespace, "huge")).get().extracting(SandboxCondition::reason)
                    .isEqualTo("ReplicasAboveLimit");
            assertThat(events(namespace)).anyMatch(e -> "ReplicasAboveLimit".equals(e.getReason()));
        });
        assertThat(Pools.unclaimed(OPERATOR.client(), namespace, "huge")).hasSize(MAX_REPLICAS);

        // The template goes while a pool and a sandbox use it: the pool lets its unclaimed pods go, the sandbox
        // keeps its pod and its policy and says why it cannot change.
        OPERATOR.client().resources(AgentSandboxTemplate.class).inNamespace(namespace).withName("later").delete();
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Pools.unclaimed(OPERATOR.client(), namespace, "huge")).isEmpty();
            assertThat(Pools.poolReady(OPERATOR.client(), namespace, "huge")).get().extracting(SandboxCondition::reason)
                    .isEqualTo("TemplateNotFound");
            AgentSandbox early = Sandboxes.sandbox(OPERATOR.client(), namespace, "early").get();
            assertThat(Pools.condition(early, "TemplateReady")).get().extracting(SandboxCondition::reason)
                    .isEqualTo("TemplateNotFound");
        });
        Pod kept = Pools.podOf(OPERATOR.client(), namespace, "early");
        assertThat(kept).as("the running pod is left as it is").isNotNull();
        assertThat(OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace)
                .withName(SandboxObjects.networkPolicyName("early")).get()).isNotNull();
        // No pod without an owner, none without a policy that selects it.
        List<NetworkPolicy> policies = OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace).list()
                .getItems();
        assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).allSatisfy(pod -> {
            assertThat(pod.getMetadata().getOwnerReferences()).hasSize(1);
            assertThat(policies).anyMatch(policy -> pod.getMetadata().getLabels().entrySet()
                    .containsAll(policy.getSpec().getPodSelector().getMatchLabels().entrySet()));
        });
    }

    private static void assertOwnedBy(List<OwnerReference> owners, AgentSandbox sandbox) {
        assertThat(owners).singleElement().satisfies(owner -> {
            assertThat(owner.getUid()).isEqualTo(sandbox.getMetadata().getUid());
            assertThat(owner.getKind()).isEqualTo(AgentSandbox.KIND);
        });
    }

    private static SandboxPhase phase(String namespace, String name) {
        AgentSandbox sandbox = Sandboxes.sandbox(OPERATOR.client(), namespace, name).get();
        return sandbox == null || sandbox.getStatus() == null ? null : sandbox.getStatus().getPhase();
    }

    private static Set<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    }

    private static List<Event> events(String namespace) {
        return OPERATOR.client().v1().events().inNamespace(namespace).list().getItems();
    }

    /**
     * Every version of every pod of a namespace, when each NetworkPolicy was first seen, and the ConfigMaps
     * deleted, as watches report them. ResourceVersions are compared as numbers: the API server's are etcd
     * revisions, increasing across kinds (opaque by contract, but the test needs an order across objects).
     */
    private record PolicyVersion(String name, long resourceVersion, Map<String, String> matchLabels) {
    }

    private static final class History implements AutoCloseable {

        private final List<Pod> pods = Collections.synchronizedList(new ArrayList<>());
        /** Every version of every policy (null selector: deleted), in the order seen. */
        private final List<PolicyVersion> policies = Collections.synchronizedList(new ArrayList<>());
        private final Set<String> deletedConfigMaps = ConcurrentHashMap.newKeySet();
        private final List<Watch> watches = new ArrayList<>();

        static History of(String namespace) {
            History history = new History();
            OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace).list().getItems()
                    .forEach(history::policySeen);
            history.watches.add(OPERATOR.client().pods().inNamespace(namespace).watch(history.watcher(history.pods::add)));
            history.watches.add(OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace)
                    .watch(new Watcher<>() {
                        @Override
                        public void eventReceived(Action action, NetworkPolicy policy) {
                            history.policies.add(new PolicyVersion(policy.getMetadata().getName(),
                                    Long.parseLong(policy.getMetadata().getResourceVersion()),
                                    action == Action.DELETED ? null : policy.getSpec().getPodSelector()
                                            .getMatchLabels()));
                        }

                        @Override
                        public void onClose(WatcherException cause) {
                        }
                    }));
            history.watches.add(OPERATOR.client().configMaps().inNamespace(namespace).watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, ConfigMap configMap) {
                    if (action == Action.DELETED) {
                        history.deletedConfigMaps.add(configMap.getMetadata().getName());
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            }));
            return history;
        }

        private void policySeen(NetworkPolicy policy) {
            policies.add(new PolicyVersion(policy.getMetadata().getName(),
                    Long.parseLong(policy.getMetadata().getResourceVersion()),
                    policy.getSpec().getPodSelector().getMatchLabels()));
        }

        private <T> Watcher<T> watcher(java.util.function.Consumer<T> sink) {
            return new Watcher<>() {
                @Override
                public void eventReceived(Action action, T resource) {
                    if (action != Action.DELETED) {
                        sink.accept(resource);
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            };
        }

        List<Pod> podVersions(String name) {
            synchronized (pods) {
                return pods.stream().filter(p -> name.equals(p.getMetadata().getName())).toList();
            }
        }

        /** The policies in force at the pod version (their last version before it) that select its labels. */
        Set<String> policiesSelecting(Pod version) {
            long at = Long.parseLong(version.getMetadata().getResourceVersion());
            Map<String, PolicyVersion> inForce = new java.util.HashMap<>();
            synchronized (policies) {
                policies.stream().filter(p -> p.resourceVersion() < at).sorted(java.util.Comparator.comparingLong(
                        PolicyVersion::resourceVersion)).forEach(p -> inForce.put(p.name(), p));
            }
            Map<String, String> labels = version.getMetadata().getLabels();
            return inForce.values().stream().filter(p -> p.matchLabels() != null
                            && labels.entrySet().containsAll(p.matchLabels().entrySet()))
                    .map(PolicyVersion::name).collect(Collectors.toSet());
        }

        Set<String> deletedConfigMaps() {
            return deletedConfigMaps;
        }

        @Override
        public void close() {
            watches.forEach(Watch::close);
        }
    }
}
