package dev.agentsandbox.operator;

import dev.agentsandbox.operator.config.SettingDefaults;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** operator/README.md documents the operator's settings as OperatorConfig declares them. */
class OperatorReadmeTest {

    private static final Pattern SETTING_ROW = Pattern.compile("(?m)^\\| `(agentsandbox\\.[^`]+)` \\| ([^|]+) \\|");
    /** {@code ${VARIABLE:fallback}}, a default taken from the environment. */
    private static final Pattern FROM_ENVIRONMENT = Pattern.compile("\\$\\{([A-Z_]+):([^}]*)}");

    @Test
    void theConfigurationTableHasEverySettingWithItsDefault() throws IOException {
        String readme = Files.readString(Path.of(System.getProperty("project.root", "..")).resolve("operator/README.md"));
        Map<String, String> documented = new TreeMap<>();
        Matcher row = SETTING_ROW.matcher(readme.substring(readme.indexOf("## Configuration")));
        while (row.find()) {
            documented.put(row.group(1), row.group(2).trim());
        }

        Map<String, String> expected = new TreeMap<>();
        SettingDefaults.all().forEach((property, value) -> expected.put(property, readmeSpelling(value)));
        assertThat(documented).isEqualTo(expected);
    }

    /** {@code `value`}; a default from the environment as {@code `$VARIABLE`, else `fallback`}. */
    private static String readmeSpelling(String value) {
        Matcher environment = FROM_ENVIRONMENT.matcher(value);
        if (environment.matches()) {
            return "`$" + environment.group(1) + "`, else `" + environment.group(2) + "`";
        }
        return "`" + value + "`";
    }
}
