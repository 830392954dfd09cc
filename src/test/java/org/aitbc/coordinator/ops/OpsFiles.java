package org.aitbc.coordinator.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds the checkout's ops/ files and Prometheus's programs (from Debian's prometheus package) for the tests. */
public final class OpsFiles {
    private OpsFiles() {}

    /** The checkout's top folder: the first parent of the working directory that holds ops/. */
    public static Path root() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("ops/prometheus/aitbc-rules.yml"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "no ops/prometheus/aitbc-rules.yml above " + Paths.get("").toAbsolutePath());
    }

    /**
     * A program of Debian's prometheus package ({@code prometheus}, {@code promtool}), found on the
     * PATH or in /usr/bin. Missing, the test fails, saying how to install it: nothing is skipped.
     */
    public static Path program(String name) {
        Path found = find(name);
        if (found == null) {
            // As the cluster test installs PostgreSQL: the README's test command works on a fresh machine.
            installPrometheus();
            found = find(name);
        }
        return found != null
                ? found
                : fail(name + " is not installed: run `apt-get install -y prometheus` (Debian's package gives"
                        + " prometheus and promtool; scripts/ensure-prometheus.sh does it as root)");
    }

    private static void installPrometheus() {
        Path script = root().resolve("scripts/ensure-prometheus.sh");
        if (!Files.isExecutable(script)) {
            return;
        }
        try {
            Run r = run(script.getParent(), List.of(script.toString()));
            if (r.exit() != 0) {
                System.err.println(script + " failed (" + r.exit() + "): " + r.output());
            }
        } catch (IOException e) {
            System.err.println(script + " could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path find(String name) {
        List<Path> places = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                places.add(Paths.get(dir, name));
            }
        }
        places.add(Paths.get("/usr/bin", name));
        for (Path p : places) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** What a finished program printed, with its exit code. */
    public record Run(int exit, String output) {}

    /** Runs a program in a folder, waiting at most a minute, and returns its exit code and output. */
    public static Run run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(command + " did not finish within a minute");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
