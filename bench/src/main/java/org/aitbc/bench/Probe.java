package org.aitbc.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the harness reads from the server process from the outside: used heap from the
 * MicroProfile Metrics gauge {@code memory.usedHeap} at {@code /metrics}, the live heap (the same
 * gauge right after a full collection that {@code jcmd PID GC.run} asks for), and the resident
 * set from {@code /proc/PID/status}. The process id is known when the harness started the server,
 * and otherwise looked up from the listening port in {@code /proc} (a server on this machine);
 * without it, RSS and live heap are not available and the report says so.
 */
final class Probe {
    private static final Pattern USED_HEAP = Pattern.compile("(?m)^memory_usedHeap_bytes\\{[^}]*}\\s+(\\S+)");

    private final URI base;
    private final java.util.function.Supplier<Long> pids;

    /** {@code pids} answers the server's current process id (it changes when the harness restarts it). */
    Probe(URI base, java.util.function.Supplier<Long> pids) {
        this.base = base;
        this.pids = pids;
    }

    Long pid() {
        return pids.get();
    }

    /** Used heap in bytes as the server reports it now (garbage included). */
    long usedHeap() {
        try (RawHttp http = new RawHttp(base, 30_000)) {
            RawHttp.Res r = http.send("GET", "/metrics?scope=base&name=memory.usedHeap", null, null);
            Matcher m = USED_HEAP.matcher(r.text());
            if (r.status() != 200 || !m.find()) {
                throw new IllegalStateException("/metrics has no memory_usedHeap_bytes: " + r.status());
            }
            return (long) Double.parseDouble(m.group(1));
        } catch (IOException e) {
            throw new IllegalStateException("reading /metrics failed", e);
        }
    }

    /** Used heap right after a full collection: what the server really holds. -1 without a pid. */
    long liveHeap() {
        if (pid() == null) {
            return -1;
        }
        jcmd("GC.run");
        return usedHeap();
    }

    /** Resident set size in bytes, -1 when unknown. */
    long rss() {
        Long pid = pid();
        if (pid == null) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid.toString(), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * CPU time the server process has used so far (user + system, all threads) in milliseconds,
     * from /proc/PID/stat; -1 when unknown. Clock ticks are taken as 100 per second (Linux's
     * USER_HZ on every common build).
     */
    long cpuMillis() {
        Long pid = pid();
        if (pid == null) {
            return -1;
        }
        try {
            return cpuMillis(Files.readString(Path.of("/proc", pid.toString(), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The CPU the server's JIT compiler threads have used, in milliseconds (from
     * /proc/PID/task/TID/stat, threads named "C1/C2 CompilerThread..."); -1 when unknown.
     */
    long compilerCpuMillis() {
        Long pid = pid();
        if (pid == null) {
            return -1;
        }
        long millis = 0;
        try (var tasks = Files.list(Path.of("/proc", pid.toString(), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended between the listing and the read
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.matches("C[12] CompilerThre.*")) {
                    millis += cpuMillis(stat);
                }
            }
            return millis;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** User + system CPU of a /proc/.../stat line, in milliseconds (100 clock ticks a second). */
    private static long cpuMillis(String stat) {
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    /** The server's command line (for its heap settings), or empty. */
    List<String> commandLine() {
        Long pid = pid();
        if (pid == null) {
            return List.of();
        }
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", pid.toString(), "cmdline"));
            return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Runs {@code jcmd PID command...}; answers its output. */
    String jcmd(String... command) {
        Long pid = pid();
        if (pid == null) {
            return "";
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String[] cmd = new String[command.length + 2];
        cmd[0] = Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd";
        cmd[1] = pid.toString();
        System.arraycopy(command, 0, cmd, 2, command.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroy();
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("jcmd failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The process listening on this TCP port on this machine, from /proc; null when not found. */
    static Long pidListeningOn(int port) {
        String inode = null;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is field 9.
                    if (f.length > 9 && f[3].equals("0A") && f[1].endsWith(":" + String.format("%04X", port))) {
                        inode = f[9];
                        break;
                    }
                }
            } catch (IOException e) {
                // not Linux, or not readable
            }
            if (inode != null) {
                break;
            }
        }
        if (inode == null) {
            return null;
        }
        String target = "socket:[" + inode + "]";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : (Iterable<Path>) fds::iterator) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().equals(target)) {
                                return Long.parseLong(name);
                            }
                        } catch (IOException e) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // not ours to read
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * Samples the heap while something runs: the used heap every 250 ms (cheap, garbage included)
     * and, with a pid, the live heap after a forced collection every {@code liveEveryMs}.
     */
    final class HeapWatch implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;
        private volatile long peakUsed;
        private volatile long peakLive = -1;

        HeapWatch(long liveEveryMs) {
            thread = new Thread(
                    () -> {
                        long lastLive = System.currentTimeMillis();
                        while (!stop) {
                            try {
                                peakUsed = Math.max(peakUsed, usedHeap());
                                if (pid() != null && System.currentTimeMillis() - lastLive >= liveEveryMs) {
                                    peakLive = Math.max(peakLive, liveHeap());
                                    lastLive = System.currentTimeMillis();
                                }
                                Thread.sleep(250);
                            } catch (InterruptedException e) {
                                return;
                            } catch (RuntimeException e) {
                                // a missed sample
                            }
                        }
                    },
                    "heap-watch");
            thread.setDaemon(true);
            thread.start();
        }

        /** Stops sampling. */
        @Override
        public void close() {
            stop = true;
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        long peakUsed() {
            return peakUsed;
        }

        long peakLive() {
            return peakLive;
        }
    }

    HeapWatch watch(long liveEveryMs) {
        return new HeapWatch(liveEveryMs);
    }
}
