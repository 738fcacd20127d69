package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentCpuStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentExitStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.status.CheckResult;
import dev.agentsandbox.operator.plan.ClusterLookup;
import dev.agentsandbox.operator.status.SandboxInputChecks;
import dev.agentsandbox.operator.config.OperatorConfig;
import dev.agentsandbox.operator.dependent.EgressNetworkPolicyDependentResource;
import dev.agentsandbox.operator.dependent.PodWantedCondition;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.PlanHandoff;
import dev.agentsandbox.operator.dependent.SandboxPodDependentResource;
import dev.agentsandbox.operator.dependent.SidecarContainers;
import dev.agentsandbox.operator.dependent.SidecarConfigMapDependentResource;
import dev.agentsandbox.operator.dependent.WorkspaceClaimDependentResource;
import dev.agentsandbox.operator.dependent.WorkspaceClaimWantedCondition;
import dev.agentsandbox.operator.dependent.AgentContainers;
import dev.agentsandbox.operator.plan.CpuSample;
import dev.agentsandbox.operator.plan.FinishHold;
import dev.agentsandbox.operator.plan.IdleTimer;
import dev.agentsandbox.operator.plan.LifecycleState;
import dev.agentsandbox.operator.plan.ResolvedSandbox;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.plan.SandboxPlanner;
import dev.agentsandbox.operator.plan.Timestamps;
import dev.agentsandbox.operator.status.AgentCpuReader;
import dev.agentsandbox.operator.status.AgentExits;
import dev.agentsandbox.operator.status.ConditionTypes;
import dev.agentsandbox.operator.status.SandboxStatusAggregator;
import dev.agentsandbox.operator.status.SidecarReports;
import dev.agentsandbox.operator.status.SidecarRestarts;
import dev.agentsandbox.operator.status.StatusInputs;
import dev.agentsandbox.operator.status.TransitionAnnouncements;
import dev.agentsandbox.operator.status.UpstreamCredentials;
import dev.agentsandbox.operator.status.WarmStart;
import dev.agentsandbox.operator.status.WideningPolicies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reconciles an AgentSandbox into its sandbox pod and the objects around it (docs/architecture.md, "Reconcile").
 *
 * <p>Each reconcile: work out the lifecycle stage; build the plan (the spec with the operator's defaults); check
 * what only the cluster can judge; run the workflow of dependents only when every check passes or the pod is not
 * wanted anyway (so an invalid sandbox gets no pod and a running pod is left as it is); then aggregate the status
 * and patch it if it changed.
 */
@ControllerConfiguration(name = AgentSandboxReconciler.NAME)
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = SidecarConfigMapDependentResource.NAME, type = SidecarConfigMapDependentResource.class),
        // Read from the informer of every NetworkPolicy of the namespaces (ReferenceWatches), not one of its own.
        @Dependent(name = EgressNetworkPolicyDependentResource.NAME,
                type = EgressNetworkPolicyDependentResource.class,
                useEventSourceWithName = ReferenceWatches.NETWORK_POLICIES),
        @Dependent(name = WorkspaceClaimDependentResource.NAME, type = WorkspaceClaimDependentResource.class,
                reconcilePrecondition = WorkspaceClaimWantedCondition.class),
        @Dependent(name = SandboxPodDependentResource.NAME, type = SandboxPodDependentResource.class,
                reconcilePrecondition = PodWantedCondition.class,
                // The pod mounts the ConfigMap and starts behind the NetworkPolicy: both first.
                dependsOn = {SidecarConfigMapDependentResource.NAME, EgressNetworkPolicyDependentResource.NAME})
})
public class AgentSandboxReconciler implements Reconciler<AgentSandbox> {

    public static final String NAME = "agentsandbox";
    /** The event source of sidecars that said something new (see {@link SidecarReports}). */
    static final String SIDECAR_REPORTS = "sidecar-reports";

    private static final Logger LOG = Logger.getLogger(AgentSandboxReconciler.class);

    private final SandboxPlanner planner;
    private final EventRecorder events;
    private final SidecarReports sidecars;
    private final AgentCpuReader agentCpu;
    private final SandboxMetrics metrics;
    private final Duration statusRefresh;
    private final Duration finishDelay;
    private final Duration finishDelayMax;
    private final Clock clock = Clock.systemUTC();
    private final WarmPodReservations warmPods = new WarmPodReservations();

    @Inject
    public AgentSandboxReconciler(SandboxPlanner planner, EventRecorder events, SidecarReports sidecars,
                                  AgentCpuReader agentCpu, SandboxMetrics metrics, OperatorConfig config) {
        this.metrics = metrics;
        this.agentCpu = agentCpu;
        this.planner = planner;
        this.events = events;
        this.sidecars = sidecars;
        this.statusRefresh = config.statusRefresh();
        // The adoptions' takeovers wait for a burst of creations as the pools' refills do.
        this.finishDelay = config.pool().refillDelay();
        this.finishDelayMax = config.pool().refillDelayMax();
    }

    @Override
    public List<EventSource<?, AgentSandbox>> prepareEventSources(EventSourceContext<AgentSandbox> context) {
        List<EventSource<?, AgentSandbox>> sources = new ArrayList<>(ReferenceWatches.eventSources(context, planner));
        SimpleInboundEventSource<AgentSandbox> reports = new SimpleInboundEventSource<>(SIDECAR_REPORTS);
        sidecars.onChange(reports::propagateEvent);
        sources.add(reports);
        return sources;
    }

    @Override
    public UpdateControl<AgentSandbox> reconcile(AgentSandbox sandbox, Context<AgentSandbox> context) {
        Instant now = clock.instant();
        LOG.debugf("AgentSandbox %s/%s: reconcile", sandbox.getMetadata().getNamespace(),
                sandbox.getMetadata().getName());
        ClusterLookup cluster = ReferenceWatches.lookup(context);
        // From here on, what the sandbox is made of is its effective spec: its template's under its own fields.
        ResolvedSandbox resolved = planner.resolve(sandbox, cluster);
        AgentSandbox effective = resolved.effective();
        Instant created = Timestamps.parse(sandbox.getMetadata().getCreationTimestamp()).orElse(null);
        // Named: pods are watched twice, the sandbox's own (this dependent) and the pools' unclaimed ones.
        Optional<AgentExitStatus> agentExit = AgentExits.of(sandbox.getStatus(),
                context.getSecondaryResource(Pod.class, SandboxPodDependentResource.NAME).orElse(null), now);
        Instant finished = AgentExits.finishedAt(agentExit);
        LifecycleState lifecycle = LifecycleState.at(effective.getSpec().getLifecycle(), created, finished, now);
        if (lifecycle.stage() == LifecycleState.Stage.EXPIRED_DELETE) {
            LOG.infof("Deleting AgentSandbox %s/%s: %s", sandbox.getMetadata().getNamespace(),
                    sandbox.getMetadata().getName(), lifecycle.deletion());
            events.normal(sandbox, "Expired", lifecycle.deletion());
            context.getClient().resource(sandbox).delete();
            return UpdateControl.noUpdate();
        }

        AgentCpuStatus cpu = IdleTimer.cpu(effective.getSpec().getLifecycle(), previousCpu(sandbox),
                lifecycle.stage() == LifecycleState.Stage.RUNNING ? cpuSample(effective, context) : null, now);
        if (lifecycle.stage() == LifecycleState.Stage.RUNNING
                && IdleTimer.idle(effective.getSpec().getLifecycle(), sandbox.getStatus(), cpu, now)) {
            pauseIdle(sandbox, effective, context);
            resolved = planner.resolve(sandbox, cluster);
            effective = resolved.effective();
            lifecycle = LifecycleState.at(effective.getSpec().getLifecycle(), created, finished, now);
        } else if (lifecycle.stage() == LifecycleState.Stage.RUNNING && idlePaused(sandbox)) {
            // Resumed: a later pause by hand is not for idleness.
            patch(sandbox, context, "{\"metadata\":{\"annotations\":{\"" + IdleTimer.PAUSED_ANNOTATION + "\":null}}}");
        }
        String idledAfter = lifecycle.stage() == LifecycleState.Stage.PAUSED && idlePaused(sandbox)
                ? effective.getSpec().getLifecycle().getIdleTimeout() : null;

        SandboxPlan plan = planner.plan(effective, lifecycle, cluster);
        Optional<String> adoptedSlot = WarmPodAdoption.adoptedSlot(sandbox, context);
        // Present while an adopted slot's objects are still the pool's: when to reconcile again to take them over.
        // While other sandboxes wait for their first status, the takeover waits.
        Optional<Duration> takeoverIn = Optional.empty();
        if (adoptedSlot.isPresent()) {
            plan = plan.withObjectBase(adoptedSlot.get());
            // Never while the slot's policy is gone (deleted by hand): the workflow makes it again.
            if (!WarmPodAdoption.recorded(sandbox, adoptedSlot.get()) && ReferenceWatches.ownNetworkPolicy(context,
                    sandbox.getMetadata().getNamespace(), adoptedSlot.get()).isPresent()) {
                takeoverIn = finishHold(sandbox, context, now);
            }
            if (takeoverIn.isEmpty()) {
                WarmPodAdoption.finish(sandbox, adoptedSlot.get(), plan, context);
            }
        }
        List<CheckResult> checks = new ArrayList<>();
        if (resolved.templated()) {
            checks.add(SandboxInputChecks.template(resolved, sandbox.getMetadata().getNamespace()));
        }
        if (resolved.templateFound()) {
            checks.addAll(SandboxInputChecks.check(plan, planner.allowedRuntimeClasses(), cluster));
        }
        String template = resolved.templateName();
        WarmStart warmStart = adoptedSlot.map(WarmStart::adopted)
                .orElseGet(() -> WarmStart.recorded(sandbox.getMetadata().getAnnotations(), template));
        if (resolved.templated() && SandboxInputChecks.allPassed(checks) && plan.podWanted()
                && adoptedSlot.isEmpty() && WarmPodAdoption.undecided(sandbox, context)) {
            warmStart = WarmPodAdoption.adopt(sandbox, plan, template, context, warmPods, clock.instant());
            if (warmStart.adopted()) {
                plan = plan.withObjectBase(warmStart.slot());
                // The claim's pod event is no trigger (the claim is in the cache already): at once, unless others
                // wait for their status.
                takeoverIn = Optional.of(finishHold(sandbox, context, now).orElse(Duration.ZERO));
            }
        }
        // An invalid sandbox gets no new pod and its running pod is left alone; a stopped one has no pod to
        // protect, so Paused and expiry take effect whatever the checks say. Without its template nothing at all is
        // built: there is nothing to build it from.
        // An ended agent's sandbox is left as it is: its pod neither restarted nor deleted (its logs), nothing
        // applied, like a finished Job's.
        // Just after a claim (or while the takeover waits) the slot's objects are still the pool's, and the pod,
        // ready, is behind its slot's policy: the status goes first, the workflow after the takeover.
        if (resolved.templateFound() && !lifecycle.finished() && takeoverIn.isEmpty()
                && (SandboxInputChecks.allPassed(checks) || !plan.podWanted())) {
            PlanHandoff.put(context, plan);
            context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
            LOG.debugf("AgentSandbox %s/%s: dependents reconciled", sandbox.getMetadata().getNamespace(),
                    sandbox.getMetadata().getName());
        }

        // Recorded only while it is what the sandbox is: an expiry after the agent's end takes over.
        AgentExitStatus ended = lifecycle.finished() ? agentExit.orElse(null) : null;
        AgentSandboxStatus status = SandboxStatusAggregator.aggregate(statusInputs(sandbox, plan, lifecycle, checks,
                cluster, context, idledAfter, cpu, warmStart, ended), sandbox.getStatus(), now);
        for (TransitionAnnouncements.Announcement event
                : TransitionAnnouncements.between(sandbox.getStatus(), status, checks, tokenBudget(effective))) {
            events.announce(sandbox, event);
        }

        UpdateControl<AgentSandbox> control;
        if (Objects.equals(status, sandbox.getStatus())) {
            control = UpdateControl.noUpdate();
        } else {
            // JOSDK hands each reconcile its own copy of the resource: setting the status here is safe.
            sandbox.setStatus(status);
            control = UpdateControl.patchStatus(sandbox);
        }
        LOG.debugf("AgentSandbox %s/%s: reconciled, phase %s", sandbox.getMetadata().getNamespace(),
                sandbox.getMetadata().getName(), status.getPhase());
        // Also the agent's end plus ttlSecondsAfterFinished: the status write recording the end reconciles no more.
        (takeoverIn.isPresent() ? takeoverIn : nextReconcile(lifecycle, status)).ifPresent(control::rescheduleAfter);
        // The cache holds the status patched above only later: this sandbox's series follow at the next refresh.
        metrics.measure(context.getPrimaryCache());
        sidecars.retain(id -> context.getPrimaryCache().get(id).isPresent());
        return control;
    }

    /** {@link FinishHold} for this sandbox: from when its status says it became Ready, else (just claimed) now. */
    private Optional<Duration> finishHold(AgentSandbox sandbox, Context<AgentSandbox> context, Instant now) {
        Instant readySince = Optional.ofNullable(sandbox.getStatus()).map(AgentSandboxStatus::getConditions)
                .flatMap(conditions -> conditions.stream().filter(c -> ConditionTypes.READY.equals(c.type()))
                        .findFirst()).flatMap(ready -> Timestamps.parse(ready.lastTransitionTime())).orElse(now);
        return FinishHold.remaining(readySince, now, ReferenceWatches.othersAwaitStatus(context, sandbox),
                finishDelay, finishDelayMax);
    }

    /**
     * Idle suspend sets {@code spec.lifecycle.mode} to Paused, as a person would, so that setting it to Running is
     * what resumes the sandbox, and marks why in the same write; this reconcile goes on with the paused spec (its own
     * copy).
     */
    private static void pauseIdle(AgentSandbox sandbox, AgentSandbox effective, Context<AgentSandbox> context) {
        LOG.infof("Pausing AgentSandbox %s/%s: idle for spec.lifecycle.idleTimeout %s",
                sandbox.getMetadata().getNamespace(), sandbox.getMetadata().getName(),
                effective.getSpec().getLifecycle().getIdleTimeout());
        patch(sandbox, context, "{\"metadata\":{\"annotations\":{\"" + IdleTimer.PAUSED_ANNOTATION
                + "\":\"true\"}},\"spec\":{\"lifecycle\":{\"mode\":\"Paused\"}}}");
        // The idle timeout may be the template's: the sandbox then gets a lifecycle of its own here.
        if (sandbox.getSpec().getLifecycle() == null) {
            sandbox.getSpec().setLifecycle(new LifecycleSpec());
        }
        sandbox.getSpec().getLifecycle().setMode(LifecycleMode.PAUSED);
        Map<String, String> annotations = sandbox.getMetadata().getAnnotations() == null ? new HashMap<>()
                : new HashMap<>(sandbox.getMetadata().getAnnotations());
        annotations.put(IdleTimer.PAUSED_ANNOTATION, "true");
        sandbox.getMetadata().setAnnotations(annotations);
    }

    /**
     * The agent container's CPU use, taken at the idle check of a sandbox with {@code spec.lifecycle.idleCpuThreshold}
     * whose pod is ready from its namespace's latest PodMetrics (one list of the operator's pods, read in the
     * background); null (nothing read) otherwise, so other sandboxes cost the metrics API nothing.
     */
    private CpuSample cpuSample(AgentSandbox sandbox, Context<AgentSandbox> context) {
        if (IdleTimer.cpuThreshold(sandbox.getSpec().getLifecycle()).isEmpty()) {
            return null;
        }
        return context.getSecondaryResource(Pod.class, SandboxPodDependentResource.NAME)
                .filter(SandboxStatusAggregator::podReady)
                .map(pod -> agentCpu.read(pod.getMetadata().getNamespace(), SandboxObjects.MANAGED_SELECTOR,
                        pod.getMetadata().getName(), AgentContainers.AGENT))
                .orElse(null);
    }

    private static AgentCpuStatus previousCpu(AgentSandbox sandbox) {
        return sandbox.getStatus() == null ? null : sandbox.getStatus().getAgentCpu();
    }

    private static boolean idlePaused(AgentSandbox sandbox) {
        return sandbox.getMetadata().getAnnotations() != null
                && sandbox.getMetadata().getAnnotations().containsKey(IdleTimer.PAUSED_ANNOTATION);
    }

    private static void patch(AgentSandbox sandbox, Context<AgentSandbox> context, String mergePatch) {
        MergePatches.patch(context.getClient(), sandbox, mergePatch);
    }

    @Override
    public ErrorStatusUpdateControl<AgentSandbox> updateErrorStatus(AgentSandbox sandbox,
                                                                    Context<AgentSandbox> context, Exception e) {
        LOG.warnf("Reconcile of AgentSandbox %s/%s failed: %s", sandbox.getMetadata().getNamespace(),
                sandbox.getMetadata().getName(), e.getMessage());
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    /** At the sandbox's end (shutdownTime, activeDeadlineSeconds, ttlSecondsAfterFinished), and while the sandbox is ready, often enough to keep the sidecars' counters fresh. */
    private Optional<Duration> nextReconcile(LifecycleState lifecycle, AgentSandboxStatus status) {
        Optional<Duration> refresh = status.getPhase() == SandboxPhase.READY ? Optional.of(statusRefresh)
                : Optional.empty();
        Optional<Duration> shutdown = lifecycle.nextShutdownCheck();
        if (refresh.isPresent() && shutdown.isPresent()) {
            return Optional.of(refresh.get().compareTo(shutdown.get()) < 0 ? refresh.get() : shutdown.get());
        }
        return refresh.isPresent() ? refresh : shutdown;
    }

    private StatusInputs statusInputs(AgentSandbox sandbox, SandboxPlan plan, LifecycleState lifecycle,
                                      List<CheckResult> checks, ClusterLookup cluster,
                                      Context<AgentSandbox> context, String idledAfter, AgentCpuStatus cpu,
                                      WarmStart warmStart, AgentExitStatus agentExit) {
        // Named: pods are watched twice, the sandbox's own (this dependent) and the pools' unclaimed ones.
        Pod pod = context.getSecondaryResource(Pod.class, SandboxPodDependentResource.NAME).orElse(null);
        // By name, whoever owns them: right after a claim they are still the pool's slot's, and already the pod's
        // (and the informer the sandbox's policy is read from has the namespace's other policies too).
        String namespace = plan.namespace();
        PersistentVolumeClaim claim = ReferenceWatches.cached(context, PersistentVolumeClaim.class,
                WorkspaceClaimDependentResource.NAME,
                new ResourceID(SandboxObjects.workspaceClaimName(plan.objectBase()), namespace)).orElse(null);
        boolean policyApplied = ReferenceWatches.cached(context, ConfigMap.class,
                SidecarConfigMapDependentResource.NAME,
                new ResourceID(SandboxObjects.configMapName(plan.objectBase()), namespace)).isPresent()
                && ReferenceWatches.ownNetworkPolicy(context, namespace, plan.objectBase()).isPresent();
        List<String> widening = WideningPolicies.among(cluster.networkPoliciesThatMaySelect(plan.namespace(),
                        plan.name()),
                SandboxObjects.networkPolicyName(plan.objectBase()), SandboxObjects.labels(plan.name()));
        SidecarReports.Latest reports = SidecarReports.Latest.NOTHING;
        ResourceID id = ResourceID.fromResource(sandbox);
        if (pod != null && SandboxStatusAggregator.podReady(pod) && pod.getStatus().getPodIP() != null) {
            reports = sidecars.latest(id, pod.getStatus().getPodIP(), plan.model().isPresent());
        } else {
            sidecars.forget(id);
        }
        EgressStatus egress = reports.egress();
        ModelUsageStatus model = plan.model().isPresent() ? reports.model() : null;
        return new StatusInputs(generationOf(sandbox), plan.runtimeClassName(), checks, plan.enforcement(),
                lifecycle.stage(), pod, claim, plan.workspaceClaimed(), policyApplied, widening, egress, model,
                UpstreamCredentials.secretsOf(plan, cluster), sidecarRestarts(pod), idledAfter, cpu, warmStart, agentExit);
    }

    private static SidecarRestarts sidecarRestarts(Pod pod) {
        if (pod == null || pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null) {
            return SidecarRestarts.UNKNOWN;
        }
        // Native sidecars are init containers: their restarts are in the init container statuses.
        List<ContainerStatus> statuses = pod.getStatus().getInitContainerStatuses();
        return new SidecarRestarts(restartCount(statuses, SidecarContainers.PROXY),
                restartCount(statuses, SidecarContainers.BRIDGE));
    }

    private static Integer restartCount(List<ContainerStatus> statuses, String container) {
        return statuses.stream().filter(s -> container.equals(s.getName())).map(ContainerStatus::getRestartCount)
                .findFirst().orElse(null);
    }

    private static Long tokenBudget(AgentSandbox sandbox) {
        return sandbox.getSpec().getModel() == null ? null : sandbox.getSpec().getModel().getTokenBudget();
    }

    private static long generationOf(AgentSandbox sandbox) {
        Long generation = sandbox.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }
}
