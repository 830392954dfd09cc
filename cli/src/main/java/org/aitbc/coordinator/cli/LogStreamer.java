package org.aitbc.coordinator.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

/**
 * Streams the log files of {@code aitbc miner run --exec} to the coordinator while the command
 * writes them ({@code POST /v1/miners/{job_id}/logs}), one thread for both files, every 200 ms.
 * Each stream starts with an empty append, which writes nothing and answers where the stream
 * ends (a job's earlier attempt may have written to it); every append after it names its offset
 * ({@code X-Log-Offset}), so that one retried after a lost answer is not stored twice. A network
 * failure is retried on the next round with the same bytes; a coordinator without the route
 * (404, 405), a lost lease or any other refusal ends that stream's streaming (the log files are
 * still uploaded whole at the end).
 */
final class LogStreamer {
    private static final int MAX_APPEND = 256 * 1024;
    private static final long PERIOD_MS = 200;

    private final Http http;
    private final String jobId;
    private final PrintStream err;
    private final Tail[] tails;
    private final Thread thread;
    private volatile boolean finishing;

    private final class Tail {
        final String stream;
        final Path file;
        long sent;
        Long base;
        boolean stopped;

        Tail(String stream, Path file) {
            this.stream = stream;
            this.file = file;
        }

        /** Sends what the file has past {@code sent}; false when there is nothing more to send now. */
        boolean round() {
            if (stopped) {
                return false;
            }
            if (base == null) {
                Long end = post(new byte[0], null);
                if (end == null) {
                    return false;
                }
                base = end;
            }
            byte[] chunk;
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long size = f.length();
                if (size <= sent) {
                    return false;
                }
                chunk = new byte[(int) Math.min(MAX_APPEND, size - sent)];
                f.seek(sent);
                f.readFully(chunk);
            } catch (IOException e) {
                return false; // not created yet
            }
            Long next = post(chunk, base + sent);
            if (next == null) {
                return false;
            }
            sent += chunk.length;
            return true;
        }

        /** Appends; answers the stream's next offset, or null (retry later, or stopped). */
        private Long post(byte[] data, Long offset) {
            HttpResponse<String> r;
            try {
                r = http.postBytes(
                        Http.query("/v1/miners/" + Http.q(jobId) + "/logs", "stream", stream),
                        "text/plain; charset=utf-8",
                        data,
                        offset == null ? Map.of() : Map.of("X-Log-Offset", offset.toString()));
            } catch (CliException e) {
                return null; // the network: the same bytes go again on the next round
            }
            if (r.statusCode() == 200) {
                var answer = Http.object(r.body());
                return offset == null
                        ? answer.getJsonNumber("end").longValue()
                        : answer.getJsonNumber("next_offset").longValue();
            }
            stopped = true;
            if (r.statusCode() != 404 && r.statusCode() != 405 && r.statusCode() != 409) {
                err.println("aitbc: job " + jobId + ": the " + stream + " log is no longer streamed: "
                        + Http.failure(r.statusCode(), r.body()).getMessage());
            }
            return null;
        }
    }

    LogStreamer(Http http, String jobId, Path stdout, Path stderr, PrintStream err) {
        this.http = http;
        this.jobId = jobId;
        this.err = err;
        this.tails = new Tail[] {new Tail("stdout", stdout), new Tail("stderr", stderr)};
        this.thread = new Thread(this::loop, "aitbc-logs-" + jobId);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        while (!finishing) {
            boolean more = false;
            for (Tail t : tails) {
                more |= t.round();
            }
            if (!more) {
                try {
                    Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Stops the rounds and sends what the files still hold (the command has exited); a few tries at most. */
    void finish() {
        finishing = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (Tail t : tails) {
            for (int tries = 0; tries < 1000 && !t.stopped; tries++) {
                if (!t.round() && tries > 2) {
                    break;
                }
            }
        }
    }

    /** Stops streaming without sending more (the job is over for this miner). */
    void stop() {
        finishing = true;
        thread.interrupt();
    }
}
