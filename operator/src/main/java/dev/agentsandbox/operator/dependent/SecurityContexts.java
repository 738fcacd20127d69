package dev.agentsandbox.operator.dependent;

import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/** The containers' security contexts: every security decision about privileges in one place. */
public final class SecurityContexts {

    public static final String RUNTIME_DEFAULT = "RuntimeDefault";

    private SecurityContexts() {
    }

    /**
     * The restricted profile: a fixed non-root UID, no privilege escalation, no capabilities, the runtime's
     * default seccomp filter.
     */
    public static SecurityContext restricted(long uid) {
        return new SecurityContextBuilder()
                .withRunAsUser(uid)
                .withRunAsGroup(uid)
                .withRunAsNonRoot(true)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType(RUNTIME_DEFAULT).endSeccompProfile()
                .build();
    }

    /** The sidecars: restricted, and their root filesystem is read-only (they write only to their volumes, /tmp included). */
    public static SecurityContext sidecar(long uid) {
        SecurityContext context = restricted(uid);
        context.setReadOnlyRootFilesystem(true);
        return context;
    }

    /**
     * egress-init installs the pod's iptables rules: root for that, but with NET_ADMIN as its only capability,
     * and it exits before any other container starts. Its root filesystem stays writable: iptables takes its lock
     * under /run.
     */
    public static SecurityContext egressInit() {
        return new SecurityContextBuilder()
                .withRunAsUser(0L)
                .withRunAsNonRoot(false)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withAdd("NET_ADMIN").withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType(RUNTIME_DEFAULT).endSeccompProfile()
                .build();
    }
}
