package dev.agentsandbox.sidecar.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The parsed options of one role's command line: {@code --name value}, {@code --name=value} (repeatable) and
 * {@code --flag}. Unknown options and missing values are refused with a {@link UsageException} that names the
 * option, so a typo never silently weakens a policy.
 */
public final class CommandLine {

    private final Map<String, List<String>> values;
    private final Set<String> flags;

    private CommandLine(Map<String, List<String>> values, Set<String> flags) {
        this.values = values;
        this.flags = flags;
    }

    /**
     * @param args          the arguments after the role name
     * @param valueOptions  option names (without {@code --}) that take a value
     * @param flagOptions   option names that take none
     */
    public static CommandLine parse(String[] args, Set<String> valueOptions, Set<String> flagOptions) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        Set<String> flags = new java.util.LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "': options start with --");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flagOptions.contains(name)) {
                if (value != null) {
                    throw new UsageException("option --" + name + " takes no value");
                }
                flags.add(name);
            } else if (valueOptions.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option --" + name + " (see --help)");
            }
        }
        return new CommandLine(values, flags);
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /** All values of a repeatable option, in order; empty when absent. */
    public List<String> values(String option) {
        return values.getOrDefault(option, List.of());
    }

    /** The value of a single-valued option; refuses the option given twice. */
    public Optional<String> value(String option) {
        List<String> all = values(option);
        if (all.size() > 1) {
            throw new UsageException("option --" + option + " given " + all.size() + " times; give it once");
        }
        return all.stream().findFirst();
    }

    /** A command line that cannot be run; the message says which option and how to fix it. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
