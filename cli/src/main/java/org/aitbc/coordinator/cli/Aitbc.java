package org.aitbc.coordinator.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code aitbc [--url URL] [--api-key KEY] [--json] client|miner|config ...}. The entry point for
 * tests is {@link #run}, which never exits the JVM.
 */
@Command(
        name = "aitbc",
        mixinStandardHelpOptions = true,
        version = "aitbc 1.0",
        description = "The AITBC Job Coordinator from a shell: submit and follow jobs, fetch results, run a miner.",
        subcommands = {ClientCommands.class, MinerCommands.class, ConfigCommands.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success (for watch: the job completed)",
            "1:the job failed or was canceled",
            "2:usage: a bad option or argument",
            "3:authentication: no key, a bad key, or the wrong role",
            "4:not found: no such job, file or share (or results gone)",
            "5:conflict: the job is in the wrong state for this",
            "6:network or server error",
            "7:verification failed: a downloaded file does not match its checksum"
        })
public class Aitbc implements Runnable {
    static final int EXIT_OK = 0;
    static final int EXIT_JOB_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_AUTH = 3;
    static final int EXIT_NOT_FOUND = 4;
    static final int EXIT_CONFLICT = 5;
    static final int EXIT_NETWORK = 6;
    static final int EXIT_VERIFY = 7;

    @Option(
            names = "--url",
            scope = ScopeType.INHERIT,
            description = "Coordinator URL (default: AITBC_URL, config, http://localhost:8000)")
    String url;

    @Option(names = "--api-key", scope = ScopeType.INHERIT, description = "API key (default: AITBC_API_KEY or config)")
    String apiKey;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON for scripts instead of tables")
    boolean json;

    /** The process's streams and environment, so that tests can run commands in-process. */
    final InputStream in;

    final PrintStream out;
    final PrintStream err;
    final Map<String, String> env;

    Aitbc(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command: client, miner or config");
    }

    Settings settings() {
        return new Settings(env);
    }

    Http http(Map<String, String> headers) {
        Settings s = settings();
        return new Http(s.url(url), s.key(apiKey), headers);
    }

    Http http() {
        return http(Map.of());
    }

    /** A pause between steps or retries; an interrupt ends the command (exit 6). */
    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(EXIT_NETWORK, "interrupted");
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err, System.getenv()));
    }

    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        Aitbc root = new Aitbc(in, out, err, env);
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException c) {
                err.println("aitbc: " + c.getMessage());
                return c.exitCode;
            }
            err.println("aitbc: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return EXIT_NETWORK;
        });
        cl.setParameterExceptionHandler((e, args2) -> {
            err.println("aitbc: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        return cl.execute(args);
    }
}
