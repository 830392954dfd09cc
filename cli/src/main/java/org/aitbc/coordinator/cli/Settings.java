package org.aitbc.coordinator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;

/**
 * Where the coordinator is and which key to use: the command-line option, else the environment
 * ({@code AITBC_URL}, {@code AITBC_API_KEY}), else {@code ~/.aitbc/config}
 * ({@code AITBC_CONFIG} names another file), else {@code http://localhost:8000}.
 */
final class Settings {
    static final String DEFAULT_URL = "http://localhost:8000";
    private final Map<String, String> env;

    Settings(Map<String, String> env) {
        this.env = env;
    }

    Path file() {
        String configured = env.get("AITBC_CONFIG");
        return configured != null
                ? Paths.get(configured)
                : Paths.get(System.getProperty("user.home"), ".aitbc", "config");
    }

    Properties load() {
        Properties p = new Properties();
        Path f = file();
        if (Files.isReadable(f)) {
            try (InputStream in = Files.newInputStream(f)) {
                p.load(in);
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_USAGE, "cannot read " + f + ": " + e.getMessage());
            }
        }
        return p;
    }

    void save(Properties p) {
        Path f = file();
        try {
            if (f.getParent() != null) {
                Files.createDirectories(f.getParent());
            }
            try (OutputStream out = Files.newOutputStream(f)) {
                p.store(out, "aitbc configuration");
            }
        } catch (IOException e) {
            throw new CliException(Aitbc.EXIT_USAGE, "cannot write " + f + ": " + e.getMessage());
        }
    }

    String url(String option) {
        String u = option != null
                ? option
                : env.getOrDefault("AITBC_URL", load().getProperty("coordinator_url", DEFAULT_URL));
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    String key(String option) {
        String k = option != null ? option : env.getOrDefault("AITBC_API_KEY", load().getProperty("api_key"));
        if (k == null || k.isBlank()) {
            throw new CliException(
                    Aitbc.EXIT_AUTH, "no API key: use --api-key, AITBC_API_KEY or 'aitbc config set api_key KEY'");
        }
        return k;
    }
}
