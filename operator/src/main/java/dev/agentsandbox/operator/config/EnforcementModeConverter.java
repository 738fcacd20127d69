package dev.agentsandbox.operator.config;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import org.eclipse.microprofile.config.spi.Converter;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Reads {@code agentsandbox.enforcement-mode} into the API's own enum, so the operator's mode and a sandbox's
 * {@code spec.egress.enforcement} are compared without a translation: the API's names in any case
 * ({@code networkpolicy}, {@code iptables}).
 */
public class EnforcementModeConverter implements Converter<EgressEnforcement> {

    @Override
    public EgressEnforcement convert(String value) {
        String trimmed = value.trim();
        return Arrays.stream(EgressEnforcement.values())
                .filter(mode -> mode.specName().equalsIgnoreCase(trimmed))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("agentsandbox.enforcement-mode: unknown mode '"
                        + trimmed + "'; use one of " + Arrays.stream(EgressEnforcement.values())
                        .map(EgressEnforcement::configName).collect(Collectors.joining(", "))));
    }
}
