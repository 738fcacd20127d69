package dev.agentsandbox.operator.config;

import io.smallrye.config.ConfigMappingInterface.Property;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.ConfigMappings.ConfigClass;

import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The defaults of the operator's settings as data, read from {@link OperatorConfig}'s {@code @WithDefault}s: what the
 * READMEs' tables and the chart's values are checked against, so that no check restates a default.
 */
public final class SettingDefaults {

    private SettingDefaults() {
    }

    /** Every setting's property name ({@code agentsandbox.…}), those without a default included. */
    public static SortedSet<String> names() {
        SortedSet<String> names = new TreeSet<>();
        for (String property : ConfigMappings.getProperties(ConfigClass.configClass(OperatorConfig.class)).keySet()) {
            if (!property.endsWith("[*]")) {
                names.add(property);
            }
        }
        return names;
    }

    /** Property name ({@code agentsandbox.…}) → its default as written, expressions unexpanded. */
    public static SortedMap<String, String> all() {
        SortedMap<String, String> defaults = new TreeMap<>();
        for (Map.Entry<String, Property> property : ConfigMappings.getProperties(
                ConfigClass.configClass(OperatorConfig.class)).entrySet()) {
            // A list is listed twice, also as its elements ("name[*]"): one entry per setting.
            if (property.getValue().hasDefaultValue() && !property.getKey().endsWith("[*]")) {
                defaults.put(property.getKey(), property.getValue().getDefaultValue());
            }
        }
        return defaults;
    }
}
