package dev.agentsandbox.sidecar;

import dev.agentsandbox.sidecar.bridge.BridgeCommand;
import dev.agentsandbox.sidecar.contract.EgressInitArgs;
import dev.agentsandbox.sidecar.contract.SidecarArgs;
import dev.agentsandbox.sidecar.egressinit.EgressInitCommand;
import dev.agentsandbox.sidecar.proxy.ProxyCommand;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of the sidecar image: {@code java -jar agentsandbox-sidecar.jar <role> [options]}. */
public final class Main {

    private Main() {
    }

    /** The roles by name. Each role documents its own options under {@code <role> --help}. */
    static Map<String, Role> roles() {
        Map<String, Role> roles = new LinkedHashMap<>();
        roles.put(SidecarArgs.PROXY_ROLE, ProxyCommand::run);
        roles.put(SidecarArgs.BRIDGE_ROLE, BridgeCommand::run);
        roles.put(EgressInitArgs.ROLE, EgressInitCommand::run);
        return roles;
    }

    public static void main(String[] args) throws Exception {
        int code = run(args, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    static int run(String[] args, PrintStream err) throws Exception {
        Map<String, Role> roles = roles();
        if (args.length == 0 || !roles.containsKey(args[0])) {
            if (args.length > 0 && !args[0].equals("--help")) {
                err.println("unknown role '" + args[0] + "'");
            }
            err.println("usage: agentsandbox-sidecar <" + String.join("|", roles.keySet()) + "> [options]");
            err.println("       agentsandbox-sidecar <role> --help   lists the role's options");
            return args.length > 0 && args[0].equals("--help") ? 0 : 2;
        }
        return roles.get(args[0]).run(Arrays.copyOfRange(args, 1, args.length));
    }
}
