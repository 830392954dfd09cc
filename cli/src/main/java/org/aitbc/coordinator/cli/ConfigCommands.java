package org.aitbc.coordinator.cli;

import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code aitbc config set coordinator_url|api_key VALUE} and {@code aitbc config show}. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Show or change the saved coordinator URL and API key (~/.aitbc/config).",
        subcommands = {ConfigCommands.Set.class, ConfigCommands.Show.class})
class ConfigCommands {
    @ParentCommand
    Aitbc root;

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Save a setting: coordinator_url or api_key.")
    static class Set implements Runnable {
        @ParentCommand
        ConfigCommands parent;

        @Parameters(index = "0", description = "coordinator_url or api_key")
        String name;

        @Parameters(index = "1", description = "the value")
        String value;

        @Override
        public void run() {
            if (!name.equals("coordinator_url") && !name.equals("api_key")) {
                throw new CliException(
                        Aitbc.EXIT_USAGE, "unknown setting " + name + "; use coordinator_url or api_key");
            }
            Settings s = parent.root.settings();
            Properties p = s.load();
            p.setProperty(name, value);
            s.save(p);
            parent.root.out.println("saved " + name + " in " + s.file());
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Print the settings in effect (the key masked).")
    static class Show implements Runnable {
        @ParentCommand
        ConfigCommands parent;

        @Override
        public void run() {
            Settings s = parent.root.settings();
            String key;
            try {
                key = s.key(parent.root.apiKey);
                key = key.length() <= 8 ? "****" : key.substring(0, 6) + "…" + key.substring(key.length() - 4);
            } catch (CliException e) {
                key = "(none)";
            }
            if (parent.root.json) {
                parent.root.out.println("{\"coordinator_url\":\"" + s.url(parent.root.url) + "\",\"api_key\":\"" + key
                        + "\",\"config_file\":\"" + s.file() + "\"}");
            } else {
                parent.root.out.println("coordinator_url  " + s.url(parent.root.url));
                parent.root.out.println("api_key          " + key);
                parent.root.out.println("config file      " + s.file());
            }
        }
    }
}
