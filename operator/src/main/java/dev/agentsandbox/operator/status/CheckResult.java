package dev.agentsandbox.operator.status;

/**
 * The verdict on one input the cluster must judge, ready to become a status condition.
 *
 * @param conditionType e.g. CredentialsReady
 * @param reason        CamelCase, e.g. SecretNotFound
 * @param message       names the object at fault and the fix; never a secret value
 */
public record CheckResult(String conditionType, boolean passed, String reason, String message) {

    public static CheckResult passed(String conditionType, String reason, String message) {
        return new CheckResult(conditionType, true, reason, message);
    }

    public static CheckResult failed(String conditionType, String reason, String message) {
        return new CheckResult(conditionType, false, reason, message);
    }
}
