package dev.agentsandbox.operator.status;

/** The condition types of {@code status.conditions} (docs/architecture.md, "The API"). */
public final class ConditionTypes {

    public static final String READY = "Ready";
    public static final String RUNTIME_READY = "RuntimeReady";
    public static final String CREDENTIALS_READY = "CredentialsReady";
    public static final String EGRESS_READY = "EgressReady";
    public static final String MODEL_RUNNER_READY = "ModelRunnerReady";
    public static final String WORKSPACE_READY = "WorkspaceReady";
    /** Only on a sandbox with spec.templateRef: the template exists. */
    public static final String TEMPLATE_READY = "TemplateReady";

    private ConditionTypes() {
    }
}
