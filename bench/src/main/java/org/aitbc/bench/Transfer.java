package org.aitbc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * One large result: the miner uploads it (PUT, streamed), the client downloads it (one file, and
 * the zip package), each in MB/s beside reading the same file from disk in the same run; the
 * server's heap (live, after a forced collection) and resident set before, during and after. The
 * same file as a job's large input: the client uploads it ({@code POST /v1/files}) and the miner
 * holding the job reads it back ({@code GET /v1/miners/{job}/input}), with the live heap watched.
 */
final class Transfer {
    private static final double MB = 1_000_000.0;
    private final Ctx ctx;
    private final Ctx.Scale s;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(20))
            .build();

    Transfer(Ctx ctx) {
        this.ctx = ctx;
        this.s = ctx.scale;
    }

    void run() throws Exception {
        String size = s.fileBytes() >= 1L << 30 ? (s.fileBytes() >> 30) + " GiB" : (s.fileBytes() >> 20) + " MiB";
        Report.Figure up = ctx.report
                .figure("upload_rate", "Large result (" + size + ")", "Upload (miner PUT)", "MB/s")
                .baseline("read of the same file from disk")
                .target("≥ ½ disk rate", Report.Check.RATIO_AT_LEAST, 0.5);
        Report.Figure down = ctx.report
                .figure("download_rate", "Large result (" + size + ")", "Download, one file " + "(?file=)", "MB/s")
                .baseline("read of the same file from disk")
                .target("≥ ½ disk rate", Report.Check.RATIO_AT_LEAST, 0.5);
        Report.Figure zip = ctx.report
                .figure("download_zip_rate", "Large result (" + size + ")", "Download, zip package", "MB/s")
                .baseline("read of the same file from disk")
                .target("≥ ½ disk rate", Report.Check.RATIO_AT_LEAST, 0.5);
        Report.Figure cached = ctx.report
                .figure(
                        "cached_read_rate",
                        "Large result (" + size + ")",
                        "Read of the same " + "file through the page cache",
                        "MB/s")
                .baseline("read of the same file from disk");
        Report.Figure heap = ctx.report
                .figure(
                        "transfer_heap_growth",
                        "Large result (" + size + ")",
                        "Server live heap " + "growth during the transfers",
                        "MB")
                .baseline("live heap before");
        heap.target("flat: < 64 MB", Report.Check.AT_MOST, 64);
        Report.Figure rss = ctx.report
                .figure(
                        "transfer_rss_growth",
                        "Large result (" + size + ")",
                        "Server RSS growth " + "over the transfers",
                        "MB")
                .baseline("RSS before");

        Report.Figure inputHeap = ctx.report
                .figure(
                        "input_heap_growth",
                        "Large input (" + size + ")",
                        "Server live heap growth during POST /v1/files and the miner's read",
                        "MB")
                .baseline("live heap before");
        inputHeap.target("flat: < 64 MB", Report.Check.AT_MOST, 64);
        Report.Figure inputUp = ctx.report
                .figure("input_upload_rate", "Large input (" + size + ")", "Upload (client POST /v1/files)", "MB/s")
                .baseline("read of the same file from disk");

        Path file = ctx.work.resolve("large-result.bin");
        write(file, s.fileBytes());
        Api.Tag tag = ctx.tag("transfer");
        String client;
        String minerKey;
        String minerId = "bench-" + ctx.runTag + "-big";
        try (Api api = ctx.api()) {
            client = api.account(ctx.adminKey, "client", "enterprise", "bench-transfer")
                    .key();
            minerKey = api.account(ctx.adminKey, "miner", null, "bench-transfer-miner")
                    .key();
            api.register(minerKey, minerId, tag, 1);
        }
        long rssBefore = ctx.probe.rss();
        long liveBefore = ctx.probe.liveHeap();
        if (rssBefore > 0) {
            rss.addBaseline(rssBefore / MB);
        }
        for (int run = 1; run <= s.runs(); run++) {
            double disk = readDirect(file);
            double pageCache = readCached(file);
            String job;
            try (Api api = ctx.api()) {
                // Urgent: first in the queue even when other scenarios left pending jobs behind.
                job = api.expect(
                                201,
                                "POST",
                                "/v1/jobs",
                                client,
                                null,
                                Api.jobBody(tag, "large").replace("\"priority\":\"normal\"", "\"priority\":\"urgent\""))
                        .field("job_id");
                String got = api.poll(minerKey, minerId, 5);
                if (!job.equals(got)) {
                    throw new IllegalStateException("the transfer miner claimed " + got + ", not " + job);
                }
                api.start(minerKey, minerId, job);
            }
            long liveStart = ctx.probe.liveHeap();
            double upload;
            double one;
            double pkg;
            long peakLive;
            try (Probe.HeapWatch w = ctx.probe.watch(s.smoke() ? 1_000 : 3_000)) {
                upload = upload(minerKey, minerId, job, file);
                try (Api api = ctx.api()) {
                    api.complete(minerKey, minerId, job);
                }
                one = download(client, "/v1/jobs/" + job + "/download?file=artifacts/large.bin", s.fileBytes());
                pkg = download(client, "/v1/jobs/" + job + "/download", -1);
                peakLive = w.peakLive();
            }
            long liveEnd = ctx.probe.liveHeap();
            up.add(upload);
            down.add(one);
            zip.add(pkg);
            cached.add(pageCache);
            for (Report.Figure f : new Report.Figure[] {up, down, zip, cached}) {
                f.addBaseline(disk);
            }
            if (liveStart > 0) {
                heap.add((Math.max(peakLive, liveEnd) - liveStart) / MB);
                heap.addBaseline(liveStart / MB);
            } else {
                heap.skipped = "the server's process is not on this machine (no forced collection possible)";
            }
            try (Api api = ctx.api()) {
                api.expect(200, "DELETE", "/v1/jobs/" + job + "/results", client, null, null);
            }
            inputLeg(client, minerKey, minerId, tag, file, disk, inputUp, inputHeap);
            Ctx.log(
                    "transfer run %d: upload %.0f MB/s, download %.0f MB/s (zip %.0f MB/s); disk %.0f MB/s, page cache "
                            + "%.0f MB/s; live heap %.0f → peak %.0f → %.0f MB",
                    run, upload, one, pkg, disk, pageCache, liveStart / MB, peakLive / MB, liveEnd / MB);
        }
        long rssAfter = ctx.probe.rss();
        if (rssBefore > 0) {
            rss.add((rssAfter - rssBefore) / MB);
        } else {
            rss.skipped = "the server's process is not on this machine";
        }
        Files.deleteIfExists(file);
        up.note = "a " + size + " file of random bytes in target/bench is uploaded with PUT /v1/miners/{job}/files/"
                + "artifacts/large.bin (java.net.http, streamed from the file), the job completed, then downloaded "
                + "with ?file= and as the zip package (read and discarded by the client). The baseline reads the same "
                + "file with O_DIRECT (past the page cache: the disk's own rate) in the same run; the page-cache read "
                + "is shown too. Server live heap: used heap from /metrics right after jcmd GC.run, sampled every few "
                + "seconds during the transfers; growth = highest sample − the value before. RSS from /proc/PID/status "
                + "before the first and after the last run (live heap before: " + Report.num(liveBefore / MB)
                + " MB).";
    }

    /** The file as a job's input: uploaded by the client, read back by the miner holding the job. */
    private void inputLeg(
            String client,
            String minerKey,
            String minerId,
            Api.Tag tag,
            Path file,
            double disk,
            Report.Figure rate,
            Report.Figure heap)
            throws Exception {
        long liveStart = ctx.probe.liveHeap();
        long peakLive;
        double upload;
        String job;
        try (Probe.HeapWatch w = ctx.probe.watch(s.smoke() ? 1_000 : 3_000)) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(ctx.base + "/v1/files"))
                    .header("X-Api-Key", client)
                    .header("Content-Type", "application/octet-stream")
                    .timeout(Duration.ofMinutes(10))
                    .POST(HttpRequest.BodyPublishers.ofFile(file))
                    .build();
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            upload = Files.size(file) / MB / ((System.nanoTime() - t0) / 1e9);
            if (r.statusCode() != 201) {
                throw new IllegalStateException(
                        "POST /v1/files answered " + r.statusCode() + ": " + Api.clip(r.body()));
            }
            String fileId = r.body().replaceAll("(?s).*\"file_id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            try (Api api = ctx.api()) {
                String body = Api.jobBody(tag, "large")
                        .replace("\"priority\":\"normal\"", "\"priority\":\"urgent\"")
                        .replaceFirst("\"input\":\"[^\"]*\"", "\"input\":{\"file_id\":\"" + fileId + "\"}");
                job = api.expect(201, "POST", "/v1/jobs", client, null, body).field("job_id");
                String got = api.poll(minerKey, minerId, 5);
                if (!job.equals(got)) {
                    throw new IllegalStateException("the transfer miner claimed " + got + ", not " + job);
                }
            }
            HttpRequest read = HttpRequest.newBuilder(URI.create(ctx.base + "/v1/miners/" + job + "/input"))
                    .header("X-Api-Key", minerKey)
                    .header("X-Miner-ID", minerId)
                    .timeout(Duration.ofMinutes(10))
                    .GET()
                    .build();
            HttpResponse<InputStream> in = http.send(read, HttpResponse.BodyHandlers.ofInputStream());
            long total = 0;
            try (InputStream body = in.body()) {
                byte[] buf = new byte[1 << 20];
                int n;
                while ((n = body.read(buf)) > 0) {
                    total += n;
                }
            }
            if (in.statusCode() != 200 || total != Files.size(file)) {
                throw new IllegalStateException(
                        "the miner's read of the input answered " + in.statusCode() + " with " + total + " bytes");
            }
            peakLive = w.peakLive();
        }
        try (Api api = ctx.api()) {
            api.complete(minerKey, minerId, job);
        }
        long liveEnd = ctx.probe.liveHeap();
        rate.add(upload);
        rate.addBaseline(disk);
        if (liveStart > 0) {
            heap.add((Math.max(peakLive, liveEnd) - liveStart) / MB);
            heap.addBaseline(liveStart / MB);
        } else {
            heap.skipped = "the server's process is not on this machine (no forced collection possible)";
        }
    }

    private static void write(Path file, long bytes) throws IOException {
        Files.createDirectories(file.getParent());
        SplittableRandom random = new SplittableRandom(7);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = random.nextLong();
                    for (int b = 0; b < 8; b++) {
                        buf[i + b] = (byte) (v >>> (8 * b));
                    }
                }
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
    }

    /** MB/s of reading the file with O_DIRECT (no page cache); the cached rate where O_DIRECT is refused. */
    private static double readDirect(Path file) throws IOException {
        int block = (int) Math.max(4096, Files.getFileStore(file).getBlockSize());
        ByteBuffer buf = ByteBuffer.allocateDirect((8 << 20) + block).alignedSlice(block);
        buf.limit(8 << 20);
        long t0 = System.nanoTime();
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, direct())) {
            int n;
            while ((n = ch.read(buf)) > 0) {
                total += n;
                buf.clear();
                buf.limit(8 << 20);
            }
        } catch (IOException | UnsupportedOperationException | ReflectiveOperationException e) {
            return readCached(file);
        }
        return total / MB / ((System.nanoTime() - t0) / 1e9);
    }

    /** {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (jdk.unsupported), looked up at run time. */
    private static java.nio.file.OpenOption direct() throws ReflectiveOperationException {
        Class<?> c = Class.forName("com.sun.nio.file.ExtendedOpenOption");
        return (java.nio.file.OpenOption) c.getField("DIRECT").get(null);
    }

    private static double readCached(Path file) throws IOException {
        byte[] buf = new byte[1 << 20];
        long t0 = System.nanoTime();
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
            }
        }
        return total / MB / ((System.nanoTime() - t0) / 1e9);
    }

    private double upload(String minerKey, String minerId, String job, Path file) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create(ctx.base + "/v1/miners/" + job + "/files/artifacts/large.bin"))
                .header("X-Api-Key", minerKey)
                .header("X-Miner-ID", minerId)
                .header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofMinutes(10))
                .PUT(HttpRequest.BodyPublishers.ofFile(file))
                .build();
        // The miner keeps its lease while it uploads, as a real one does: on a loaded machine a 1 GiB
        // upload outlasted the 60 s lease and was refused (LEASE_LOST) after its body had been stored.
        java.util.concurrent.ScheduledExecutorService beats =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        beats.scheduleWithFixedDelay(
                () -> {
                    try (Api api = ctx.api()) {
                        api.heartbeat(minerKey, minerId);
                    } catch (RuntimeException e) {
                        Ctx.log("transfer heartbeat failed: %s", e.getMessage());
                    }
                },
                10,
                10,
                java.util.concurrent.TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } finally {
            beats.shutdownNow();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (r.statusCode() != 200) {
            throw new IllegalStateException("upload answered " + r.statusCode() + ": " + Api.clip(r.body()));
        }
        return Files.size(file) / MB / secs;
    }

    private double download(String client, String path, long expected) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(ctx.base + path))
                .header("X-Api-Key", client)
                .timeout(Duration.ofMinutes(10))
                .GET()
                .build();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        long total = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (r.statusCode() != 200 || (expected >= 0 && total != expected) || total < s.fileBytes()) {
            throw new IllegalStateException(
                    "download of " + path + " answered " + r.statusCode() + " with " + total + " bytes");
        }
        return total / MB / secs;
    }
}
