package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.plan.ClusterLookup;
import dev.agentsandbox.operator.plan.InjectionTarget;
import dev.agentsandbox.operator.plan.ResolvedCredential;
import dev.agentsandbox.operator.plan.ResolvedRunner;
import dev.agentsandbox.operator.plan.ResolvedSandbox;
import dev.agentsandbox.operator.plan.SandboxPlan;
import io.fabric8.kubernetes.api.model.Secret;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What only the cluster can judge (docs/architecture.md, "Reconcile", step 3): the RuntimeClass, the Secrets and
 * keys, the Model Runner Service; and whether the operator grants the sandbox's enforcement choice. A sandbox with a
 * failed check gets no new pod, and its running pod is left as it is.
 */
public final class SandboxInputChecks {

    private SandboxInputChecks() {
    }

    /** RuntimeReady, CredentialsReady, ModelRunnerReady and EgressReady, in that order. */
    public static List<CheckResult> check(SandboxPlan plan, List<String> allowedRuntimeClasses, ClusterLookup cluster) {
        return List.of(runtime(plan.runtimeClassName(), allowedRuntimeClasses, cluster),
                credentials(plan, cluster), modelRunner(plan.runner(), cluster),
                EgressReadiness.inputCheck(plan.enforcement()));
    }

    /** Only for a sandbox with spec.templateRef: the template must exist, else nothing is built. */
    public static CheckResult template(ResolvedSandbox resolved, String namespace) {
        String type = ConditionTypes.TEMPLATE_READY;
        String name = "AgentSandboxTemplate " + namespace + "/" + resolved.templateName();
        return resolved.templateFound() ? CheckResult.passed(type, "TemplateFound", name + " found")
                : CheckResult.failed(type, "TemplateNotFound", name + " (spec.templateRef.name) does not exist: no"
                + " pod is started, a running one is left as it is; create the template or correct"
                + " spec.templateRef.name");
    }

    public static boolean allPassed(List<CheckResult> results) {
        return results.stream().allMatch(CheckResult::passed);
    }

    static CheckResult runtime(String runtimeClass, List<String> allowed, ClusterLookup cluster) {
        String type = ConditionTypes.RUNTIME_READY;
        if (!allowed.contains(runtimeClass)) {
            return CheckResult.failed(type, "RuntimeClassNotAllowed", "RuntimeClass " + runtimeClass
                    + " is not allowed by the operator (allowed: " + String.join(", ", allowed)
                    + "); set spec.runtimeClassName to an allowed one");
        }
        if (cluster.runtimeClass(runtimeClass).isEmpty()) {
            return CheckResult.failed(type, "RuntimeClassNotFound", "RuntimeClass " + runtimeClass
                    + " does not exist; install it on the cluster or choose another spec.runtimeClassName");
        }
        return CheckResult.passed(type, "RuntimeClassFound", "RuntimeClass " + runtimeClass + " exists");
    }

    static CheckResult credentials(SandboxPlan plan, ClusterLookup cluster) {
        String type = ConditionTypes.CREDENTIALS_READY;
        List<String> missingSecrets = new ArrayList<>();
        List<String> missingKeys = new ArrayList<>();
        Map<String, String> injectionHosts = new HashMap<>();
        List<String> sharedHosts = new ArrayList<>();
        for (ResolvedCredential credential : plan.credentials()) {
            String secretName = credential.secretRef().getName();
            Optional<Secret> secret = cluster.secret(plan.namespace(), secretName);
            if (secret.isEmpty()) {
                missingSecrets.add("Secret " + plan.namespace() + "/" + secretName + " (credential "
                        + credential.name() + ")");
            } else if (!hasKey(secret.get(), credential.secretRef().getKey())) {
                missingKeys.add("key " + credential.secretRef().getKey() + " in Secret " + plan.namespace() + "/"
                        + secretName + " (credential " + credential.name() + ")");
            }
            for (InjectionTarget target : credential.targets()) {
                String host = target.host().toLowerCase(Locale.ROOT);
                String owner = injectionHosts.putIfAbsent(host, credential.name());
                if (owner != null) {
                    sharedHosts.add(host + " (credentials " + owner + " and " + credential.name() + ")");
                }
            }
        }
        if (!missingSecrets.isEmpty()) {
            return CheckResult.failed(type, "SecretNotFound", "not found: " + String.join(", ", missingSecrets)
                    + "; create it in the sandbox's namespace");
        }
        if (!missingKeys.isEmpty()) {
            return CheckResult.failed(type, "SecretKeyNotFound", "not found: " + String.join(", ", missingKeys)
                    + "; add the key or fix spec.credentials[].secretRef.key");
        }
        if (!sharedHosts.isEmpty()) {
            // The proxy injects one credential per host and refuses a policy that names a host twice. The API
            // server cannot catch this: presets expand to their hosts only here.
            return CheckResult.failed(type, "DuplicateInjectHost", "more than one credential injects into "
                    + String.join(", ", sharedHosts) + "; keep one credential per host in spec.credentials");
        }
        if (plan.credentials().isEmpty()) {
            return CheckResult.passed(type, "NoCredentials", "the sandbox declares no credentials");
        }
        return CheckResult.passed(type, "SecretsFound", "every referenced Secret key exists");
    }

    static CheckResult modelRunner(ResolvedRunner runner, ClusterLookup cluster) {
        String type = ConditionTypes.MODEL_RUNNER_READY;
        if (runner == null) {
            return CheckResult.passed(type, "NoModel", "spec.model is not set: no model bridge");
        }
        if (cluster.service(runner.namespace(), runner.service()).isEmpty()) {
            return CheckResult.failed(type, "ModelRunnerServiceNotFound", "Service " + runner.serviceKey()
                    + " does not exist; deploy the Model Runner or fix spec.model.runner");
        }
        return CheckResult.passed(type, "ServiceFound", "Service " + runner.serviceKey() + " exists");
    }

    private static boolean hasKey(Secret secret, String key) {
        return containsKey(secret.getData(), key) || containsKey(secret.getStringData(), key);
    }

    private static boolean containsKey(Map<String, String> map, String key) {
        return map != null && map.containsKey(key);
    }
}
