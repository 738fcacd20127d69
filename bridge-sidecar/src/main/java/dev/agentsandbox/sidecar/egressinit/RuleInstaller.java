package dev.agentsandbox.sidecar.egressinit;

/** Puts one family's rendered rules into the kernel, all or nothing. */
interface RuleInstaller {

    /** @throws InstallFailedException when the rules are not in place; the message says why and what to check */
    void install(IpFamily family, String rules) throws InstallFailedException;

    final class InstallFailedException extends Exception {
        InstallFailedException(String message) {
            super(message);
        }
    }
}
