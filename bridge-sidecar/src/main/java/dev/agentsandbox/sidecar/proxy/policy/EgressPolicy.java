package dev.agentsandbox.sidecar.proxy.policy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The host-level policy, immutable (a reload builds a new one): which host names and ports may be reached, which
 * literal addresses, and which hosts get a credential. Deny by default; deny rules beat allow rules; a credential's
 * host is allowed implicitly. Addresses are judged afterwards by the {@link AddressGuard}.
 */
public final class EgressPolicy {

    private final List<HostRule> allow;
    private final List<HostRule> deny;
    private final Map<String, CredentialRule> credentialsByHost;
    private final AddressGuard guard;

    private EgressPolicy(List<HostRule> allow, List<HostRule> deny, Map<String, CredentialRule> credentialsByHost,
                         AddressGuard guard) {
        this.allow = allow;
        this.deny = deny;
        this.credentialsByHost = credentialsByHost;
        this.guard = guard;
    }

    /**
     * Builds the policy; every invalid rule is reported in one exception that names each.
     *
     * @param ownPorts       ports of the sidecars that the proxy must never reach on a local address
     * @param localAddresses this host's interface addresses
     */
    public static EgressPolicy from(ProxyConfig config, Set<Integer> ownPorts, Set<InetAddress> localAddresses) {
        List<String> errors = new ArrayList<>();
        List<HostRule> allow = parseRules(config.allow(), "allow", errors);
        List<HostRule> deny = parseRules(config.deny(), "deny", errors);
        List<CidrRange> cidrs = new ArrayList<>();
        for (String cidr : config.allowCidrs()) {
            try {
                cidrs.add(CidrRange.parse(cidr));
            } catch (IllegalArgumentException e) {
                errors.add("allowCidrs: " + e.getMessage());
            }
        }
        Map<String, CredentialRule> credentials = new HashMap<>();
        for (CredentialRule rule : config.credentials()) {
            String host = HostNames.normalize(rule.host());
            if (!HostNames.isValidName(host)) {
                errors.add("credentials[" + rule.name() + "].host '" + rule.host() + "': must be one exact host name");
            } else if (credentials.putIfAbsent(host, rule) != null) {
                errors.add("credentials[" + rule.name() + "]: host " + host + " already has a credential");
            } else {
                allow.add(HostRule.parse(host));
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid proxy policy: " + String.join("; ", errors));
        }
        return new EgressPolicy(List.copyOf(allow), List.copyOf(deny), Map.copyOf(credentials),
                new AddressGuard(cidrs, ownPorts, localAddresses));
    }

    private static List<HostRule> parseRules(List<String> texts, String field, List<String> errors) {
        List<HostRule> rules = new ArrayList<>();
        for (String text : texts) {
            try {
                rules.add(HostRule.parse(text));
            } catch (IllegalArgumentException e) {
                errors.add(field + ": " + e.getMessage());
            }
        }
        return rules;
    }

    /**
     * Judges a target by name and port only (no DNS). For an IP literal the verdict carries the address, which
     * must then be checked by the guard like a resolved one. An allowed verdict carries the credential rule of
     * exactly this host (never a wildcard or partial match): the one place that decides which header is injected.
     */
    public HostVerdict decide(String rawHost, int port) {
        String host = HostNames.normalize(rawHost);
        InetAddress literal = IpLiterals.parse(host);
        if (literal != null) {
            return decideLiteral(literal, port);
        }
        if (!HostNames.isValidName(host)) {
            return HostVerdict.denied(host, new Denial(DenyReason.INVALID_HOST, "not a valid host name"));
        }
        for (HostRule rule : deny) {
            if (rule.matchesHost(host) && (rule.port() == 0 || rule.port() == port)) {
                return HostVerdict.denied(host, new Denial(DenyReason.HOST_DENIED, rule.text()));
            }
        }
        HostRule portMismatch = null;
        for (HostRule rule : allow) {
            if (rule.matchesHost(host)) {
                if (rule.coversPort(port)) {
                    return HostVerdict.allowed(host, rule.text(), null, credentialsByHost.get(host));
                }
                portMismatch = rule;
            }
        }
        if (portMismatch != null) {
            return HostVerdict.denied(host, new Denial(DenyReason.PORT_NOT_ALLOWED,
                    portMismatch.port() == 0 ? "only 80 and 443 unless a rule names the port" : portMismatch.text()));
        }
        return HostVerdict.denied(host, new Denial(DenyReason.HOST_NOT_ALLOWED, "no allow rule matches"));
    }

    private HostVerdict decideLiteral(InetAddress literal, int port) {
        String canonical = literal.getHostAddress().toLowerCase(Locale.ROOT);
        for (HostRule rule : deny) {
            if (rule.matchesHost(canonical) && (rule.port() == 0 || rule.port() == port)) {
                return HostVerdict.denied(canonical, new Denial(DenyReason.HOST_DENIED, rule.text()));
            }
        }
        for (HostRule rule : allow) {
            if (rule.matchesHost(canonical) && rule.coversPort(port)) {
                return HostVerdict.allowed(canonical, rule.text(), literal, credentialsByHost.get(canonical));
            }
        }
        if (guard.isExplicitlyAllowed(literal)) {
            if (port == 80 || port == 443) {
                return HostVerdict.allowed(canonical, "allowCidrs", literal, credentialsByHost.get(canonical));
            }
            return HostVerdict.denied(canonical, new Denial(DenyReason.PORT_NOT_ALLOWED,
                    "only 80 and 443 unless a rule names the port"));
        }
        return HostVerdict.denied(canonical, new Denial(DenyReason.IP_LITERAL,
                "IP addresses need an allow rule or allowCidrs"));
    }

    public AddressGuard guard() {
        return guard;
    }
}
