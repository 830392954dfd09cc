package org.aitbc.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import org.aitbc.coordinator.application.ResultService;
import org.aitbc.coordinator.domain.DailyStats;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Pricing;
import org.aitbc.coordinator.domain.ResultFile;
import org.aitbc.coordinator.infrastructure.security.Ids;

/**
 * Bulk seeding of the bench server's database: rows are written to CSV files, then loaded in one
 * statement per table: Derby's {@code SYSCS_UTIL.SYSCS_IMPORT_DATA} into the embedded database with
 * the server stopped (Derby lets one process open it), or PostgreSQL's {@code COPY ... FROM STDIN}
 * while the server runs. Row by row it is what the coordinator itself writes for a job that went
 * through its life (see {@code Job}, {@code DailyStats}, {@code ResultFile} and the seal/purge
 * code in {@code ResultService}). Where the server computes a value, the seeder calls the
 * server's own code (its classes are on the bench's class path), so that the two cannot drift
 * apart:
 *
 * <ul>
 * <li>The JOB row of an ended job: times, miner, attempt, a result summary, and the estimate
 *     and cost from {@link Pricing#compute}.</li>
 * <li>DAILY_STATS: the counters the statistics route adds up, per client, day of submission
 *     and final status (jobs, spent, run seconds), keyed and added up by {@link DailyStats} as
 *     {@code DailyCounters.countEnded} does in the transaction that ends a job; the SQL here
 *     adds them to any row already there.</li>
 * <li>For results that are still stored: output.json and result.txt on disk under
 *     {@code <results>/<job id>/}, their RESULT_FILE rows (size, SHA-256, CRC-32) and the job's
 *     RESULT_SHA256 over the {@code output.sha256} manifest that {@link ResultService#manifest}
 *     writes, as {@code ResultService.seal} does.</li>
 * <li>Running jobs whose miner went silent ({@link #leased}): a lease that has run out, for the
 *     sweeper to requeue.</li>
 * </ul>
 * History jobs whose results were already deleted (past retention, or by the client) carry no
 * files. No JOB_EVENT rows are written: none of the seeded scenarios reads events, and the
 * server's event feed only reads events after the highest id at its start.
 */
final class Seeder implements AutoCloseable {
    private static final BigDecimal RATE = new BigDecimal("0.100000");
    private static final BigDecimal MULT = new BigDecimal("1.000000");
    private static final int TIMEOUT = 3600;
    private static final long ESTIMATED_SECONDS = 3600;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private static final String JOB_COLUMNS = "ID,CLIENT_ID,CLIENT_PLAN,STATE,PRIORITY_RANK,MODEL,"
            + "PAYLOAD_JSON,CONSTRAINTS_JSON,GPU_TYPE,GPU_COUNT,MIN_VRAM_GB,REGION,TIMEOUT_SECONDS,TTL_SECONDS,"
            + "PROGRESS,PROGRESS_MESSAGE,MINER_ID,ATTEMPT,LEASE_EXPIRES_MS,CREATED_MS,DEADLINE_MS,ASSIGNED_MS,"
            + "STARTED_MS,ENDED_MS,EST_COMPLETION_MS,CANCEL_REQUESTED_MS,ERROR_CODE,ERROR_MESSAGE,RATE_PER_HOUR,"
            + "PRICE_MULTIPLIER,ESTIMATED_SECONDS,ESTIMATED_COST,COST,STORAGE_COST,RESULT_JSON,METRICS_JSON,"
            + "RESULT_AVAILABLE,RESULT_SIZE_BYTES,RESULT_SHA256,RESULT_EXPIRES_MS,RESULT_DELETED_MS,"
            + "IDEMPOTENCY_KEY,REQUEST_HASH,VERSION";
    private static final String FILE_COLUMNS = "JOB_ID,PATH,CRC32,SHA256,SIZE_BYTES,STORED_MS";

    private final Connection c;
    private final boolean postgres;
    private final Random random = new Random(System.nanoTime());
    private final Map<DailyStats.Key, DailyStats> counters = new HashMap<>();
    private final Path dbDir;
    private final Path csvDir;
    /** Seconds spent loading CSV files, for the report. */
    double loadSeconds;

    /** Seeds the embedded Derby database in {@code dbDir} (the server must be stopped). */
    Seeder(Path dbDir) throws SQLException, IOException {
        this.dbDir = dbDir;
        this.postgres = false;
        this.csvDir = Files.createDirectories(dbDir.resolveSibling("seed-csv"));
        System.setProperty(
                "derby.stream.error.file",
                dbDir.resolveSibling("derby-seed.log").toString());
        // A larger page cache than Derby's default 1,000 pages: index inserts stay in memory.
        System.setProperty("derby.storage.pageCacheSize", "40000");
        c = DriverManager.getConnection("jdbc:derby:" + dbDir);
        c.setAutoCommit(false);
    }

    /** Seeds a PostgreSQL database (the server may run: COPY is one transaction per table). */
    Seeder(String jdbcUrl, String user, String password, Path work) throws SQLException, IOException {
        this.dbDir = null;
        this.postgres = true;
        this.csvDir = Files.createDirectories(work.resolve("seed-csv"));
        c = DriverManager.getConnection(jdbcUrl, user, password);
        c.setAutoCommit(false);
    }

    /** What a history seeding produced: how many rows, and one deep row for a cursor. */
    record History(int jobs, long deepCreatedMs, String deepId, int deepPosition, long[] completedCreatedMs) {
        /** How many completed jobs were submitted at or after {@code fromMs}. */
        long completedSince(long fromMs) {
            int i = java.util.Arrays.binarySearch(completedCreatedMs, fromMs);
            if (i < 0) {
                i = -i - 1;
            } else {
                while (i > 0 && completedCreatedMs[i - 1] == fromMs) {
                    i--;
                }
            }
            return completedCreatedMs.length - i;
        }
    }

    /** What an expired-results seeding produced: the jobs purged first and last. */
    record Expired(
            int jobs, String firstId, String lastId, long firstExpiresMs, long lastExpiresMs, List<String> ids) {}

    String jobId() {
        StringBuilder sb = new StringBuilder("job_");
        for (int i = 0; i < 24; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** What {@code seconds} of run time cost on one GPU at the seeded rate and multiplier. */
    static BigDecimal cost(long seconds) {
        return Pricing.compute(RATE, 1, seconds, MULT);
    }

    /**
     * {@code count} ended jobs of one client, submitted evenly over the last {@code days} days up
     * to {@code nowMs}: 80 % completed, 12 % failed, 8 % canceled while pending. Results of jobs
     * that ended more than {@code retentionDays} ago were purged at their expiry; the younger ones
     * were deleted by the client a day after they ended (so no files are needed for either).
     * {@code deepPosition} is the row (from the newest) whose cursor the deep-page figure uses.
     */
    History history(
            String clientId,
            String plan,
            String model,
            int count,
            int days,
            int retentionDays,
            long nowMs,
            int deepPosition)
            throws SQLException, IOException {
        long span = Days.toMs(days);
        long first = nowMs - span;
        long step = Math.max(1, span / count);
        long deepCreated = 0;
        String deepId = null;
        long[] completed = new long[count];
        int completedCount = 0;
        try (Csv jobs = new Csv("JOB", JOB_COLUMNS)) {
            for (int i = 0; i < count; i++) {
                long created = first + i * step + random.nextInt((int) Math.min(step, 1000));
                String id = jobId();
                int roll = random.nextInt(100);
                String state = roll < 80 ? "COMPLETED" : roll < 92 ? "FAILED" : "CANCELED";
                Row r = new Row(id, clientId, plan, state, model, created);
                if (state.equals("CANCELED")) {
                    r.canceledPending(created + 1_000 + random.nextInt(60_000));
                } else {
                    long assigned = created + 500 + random.nextInt(30_000);
                    long started = assigned + 200 + random.nextInt(2_000);
                    long ended = started + 1_000L * (30 + random.nextInt(600));
                    r.ran(assigned, started, ended, state.equals("FAILED"));
                    long expires = ended + Days.toMs(retentionDays);
                    r.resultDeleted(300 + random.nextInt(200), expires, expires < nowMs ? expires : ended + Days.MS);
                }
                jobs.row(r.values());
                count(r);
                if (state.equals("COMPLETED")) {
                    completed[completedCount++] = created;
                }
                if (count - 1 - i == deepPosition) {
                    deepCreated = created;
                    deepId = id;
                }
            }
        }
        writeCounters();
        c.commit();
        long[] sorted = java.util.Arrays.copyOf(completed, completedCount);
        java.util.Arrays.sort(sorted);
        return new History(count, deepCreated, deepId, deepPosition, sorted);
    }

    /**
     * {@code count} completed jobs of one client whose results are stored (files on disk and their
     * rows) and expire one millisecond after another from {@code expiresFromMs}: what the
     * retention purge deletes once that time has passed.
     */
    Expired expired(
            Path resultsDir,
            String clientId,
            String plan,
            String model,
            int count,
            long endedFromMs,
            long expiresFromMs)
            throws Exception {
        String firstId = null;
        String lastId = null;
        List<String> ids = new ArrayList<>(count);
        // The files are written by a few threads: 2 small files per job are most of the seeding's time.
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> written = new ArrayList<>();
        try (Csv jobs = new Csv("JOB", JOB_COLUMNS);
                Csv files = new Csv("RESULT_FILE", FILE_COLUMNS)) {
            List<Object[]> chunk = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long ended = endedFromMs + i;
                long started = ended - 30_000;
                long assigned = started - 1_000;
                long created = assigned - 2_000;
                String id = jobId();
                Row r = new Row(id, clientId, plan, "COMPLETED", model, created);
                r.ran(assigned, started, ended, false);
                byte[] out = outputJson(r).getBytes(StandardCharsets.UTF_8);
                byte[] txt = "done".getBytes(StandardCharsets.UTF_8);
                chunk.add(new Object[] {resultsDir.resolve(id), out, txt});
                if (chunk.size() == 1000 || i == count - 1) {
                    List<Object[]> mine = chunk;
                    written.add(writers.submit(() -> {
                        for (Object[] w : mine) {
                            Path dir = (Path) w[0];
                            Files.createDirectories(dir);
                            Files.write(dir.resolve("output.json"), (byte[]) w[1]);
                            Files.write(dir.resolve("result.txt"), (byte[]) w[2]);
                        }
                        return null;
                    }));
                    chunk = new ArrayList<>();
                }
                List<ResultFile> sealed = new ArrayList<>(
                        List.of(file(files, id, "output.json", out, ended), file(files, id, "result.txt", txt, ended)));
                // In the order the server reads them back for its manifest: by path.
                sealed.sort(Comparator.comparing(ResultFile::getPath));
                String manifest = ResultService.manifest(sealed);
                r.resultStored(
                        out.length + txt.length,
                        Ids.sha256Hex(manifest.getBytes(StandardCharsets.UTF_8)),
                        expiresFromMs + i);
                jobs.row(r.values());
                count(r);
                if (i == 0) {
                    firstId = id;
                }
                lastId = id;
                ids.add(id);
            }
            for (Future<?> f : written) {
                f.get();
            }
        } finally {
            writers.shutdownNow();
        }
        writeCounters();
        c.commit();
        return new Expired(count, firstId, lastId, expiresFromMs, expiresFromMs + count - 1, ids);
    }

    /**
     * {@code count} running jobs of one client, held by miner {@code minerId} since a minute before
     * {@code leaseExpiresMs}, when their lease runs out: a miner that vanished holding them. (A
     * server started after that time gives every such lease one more lease period first.) Answers
     * their ids.
     */
    List<String> leased(String clientId, String plan, String model, String minerId, int count, long leaseExpiresMs)
            throws SQLException, IOException {
        List<String> ids = new ArrayList<>(count);
        try (Csv jobs = new Csv("JOB", JOB_COLUMNS)) {
            for (int i = 0; i < count; i++) {
                long assigned = leaseExpiresMs - 60_000;
                String id = jobId();
                Row r = new Row(id, clientId, plan, "RUNNING", model, assigned - 1_000);
                r.minerId = minerId;
                r.assigned = assigned;
                r.started = assigned + 100;
                r.lease = leaseExpiresMs;
                r.progress = 10;
                jobs.row(r.values());
                ids.add(id);
            }
        }
        c.commit();
        return ids;
    }

    /**
     * Moves the expiry of results seeded by {@link #expired} with expiries from {@code seededFromMs}
     * (far in the future) to start at {@code expiresFromMs}, in one statement once the seeding is
     * done: how long the seeding takes no longer decides when the purge begins.
     */
    void expireFrom(long seededFromMs, long expiresFromMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE JOB SET RESULT_EXPIRES_MS = RESULT_EXPIRES_MS + ?"
                + " WHERE RESULT_AVAILABLE = " + (postgres ? "TRUE" : "1") + " AND RESULT_EXPIRES_MS >= ?")) {
            ps.setLong(1, expiresFromMs - seededFromMs);
            ps.setLong(2, seededFromMs);
            ps.executeUpdate();
        }
        c.commit();
    }

    /** Sets the lease of every running job {@code minerId} holds to run out at {@code atMs}. */
    void leaseUntil(String minerId, long atMs) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE JOB SET LEASE_EXPIRES_MS = ? WHERE MINER_ID = ? AND STATE = 'RUNNING'")) {
            ps.setLong(1, atMs);
            ps.setString(2, minerId);
            ps.executeUpdate();
        }
        c.commit();
    }

    /** Adds the RESULT_FILE row of a file written with this content, and returns it. */
    private static ResultFile file(Csv csv, String id, String path, byte[] content, long at) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(content);
        ResultFile f = new ResultFile(id, path, content.length, Ids.sha256Hex(content), crc.getValue(), at);
        csv.row(new Object[] {f.getJobId(), f.getPath(), f.getCrc32(), f.getSha256(), f.getSizeBytes(), at});
        return f;
    }

    /**
     * A CSV file of rows for one table, loaded into it when closed: empty fields are NULL, quoted
     * ones strings (the convention of both Derby's import and PostgreSQL's CSV COPY).
     */
    private final class Csv implements AutoCloseable {
        private final String table;
        private final String columns;
        private final Path file;
        private final BufferedWriter out;
        private final StringBuilder line = new StringBuilder(1024);

        Csv(String table, String columns) throws IOException {
            this.table = table;
            this.columns = columns;
            this.file = Files.createTempFile(csvDir, table, ".csv");
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        }

        void row(Object[] values) throws IOException {
            line.setLength(0);
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    line.append(',');
                }
                Object v = values[i];
                if (v instanceof String str) {
                    line.append('"').append(str.replace("\"", "\"\"")).append('"');
                } else if (v instanceof BigDecimal d) {
                    line.append(d.toPlainString());
                } else if (v instanceof Boolean b) {
                    line.append(postgres ? (b ? "t" : "f") : (b ? "1" : "0"));
                } else if (v != null) {
                    line.append(v);
                }
            }
            out.append(line).append('\n');
        }

        @Override
        public void close() throws IOException, SQLException {
            out.close();
            long t0 = System.nanoTime();
            if (postgres) {
                var copy = new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class));
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    copy.copyIn("COPY " + table + " (" + columns + ") FROM STDIN WITH (FORMAT csv)", in);
                }
            } else {
                try (var call = c.prepareCall(
                        "CALL SYSCS_UTIL.SYSCS_IMPORT_DATA('APP', ?, ?, NULL, ?, ',', '\"'," + " 'UTF-8', 0)")) {
                    call.setString(1, table);
                    call.setString(2, columns);
                    call.setString(3, file.toString());
                    call.execute();
                }
            }
            c.commit();
            loadSeconds += (System.nanoTime() - t0) / 1e9;
            Files.deleteIfExists(file);
        }
    }

    /** Adds an ended job to its day's counters (written at the end, added to existing rows). */
    private void count(Row r) {
        DailyStats.Key key = DailyStats.keyOf(r.clientId, r.created, JobState.valueOf(r.state));
        counters.computeIfAbsent(key, k -> new DailyStats(k.clientId, k.epochDay, k.status))
                .add(r.cost, r.started, r.ended);
    }

    private void writeCounters() throws SQLException {
        try (PreparedStatement up = c.prepareStatement("UPDATE DAILY_STATS SET JOBS = JOBS + ?, SPENT = SPENT + ?,"
                        + " RUN_SECONDS = RUN_SECONDS + ? WHERE CLIENT_ID = ? AND EPOCH_DAY = ? AND STATUS = ?");
                PreparedStatement in = c.prepareStatement("INSERT INTO DAILY_STATS (CLIENT_ID, EPOCH_DAY, STATUS, JOBS,"
                        + " SPENT, RUN_SECONDS) VALUES (?,?,?,?,?,?)")) {
            for (DailyStats s : counters.values()) {
                up.setLong(1, s.getJobs());
                up.setBigDecimal(2, s.getSpent());
                up.setLong(3, s.getRunSeconds());
                up.setString(4, s.getClientId());
                up.setLong(5, s.getEpochDay());
                up.setString(6, s.getStatus());
                if (up.executeUpdate() == 0) {
                    in.setString(1, s.getClientId());
                    in.setLong(2, s.getEpochDay());
                    in.setString(3, s.getStatus());
                    in.setLong(4, s.getJobs());
                    in.setBigDecimal(5, s.getSpent());
                    in.setLong(6, s.getRunSeconds());
                    in.executeUpdate();
                }
            }
        }
        counters.clear();
    }

    /** Refreshes the index statistics, as Derby's background daemon (or PostgreSQL's autovacuum) would. */
    void updateStatistics(String table) throws SQLException {
        if (postgres) {
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE " + table);
            }
        } else {
            try (var call = c.prepareCall("CALL SYSCS_UTIL.SYSCS_UPDATE_STATISTICS('APP', ?, NULL)")) {
                call.setString(1, table);
                call.execute();
            }
        }
        c.commit();
    }

    @Override
    public void close() throws SQLException {
        try {
            c.commit();
            c.close();
        } finally {
            if (!postgres) {
                try {
                    DriverManager.getConnection("jdbc:derby:" + dbDir + ";shutdown=true")
                            .close();
                } catch (SQLException e) {
                    // 08006: the database shut down, as asked
                    if (!"08006".equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        }
    }

    private String outputJson(Row r) {
        return "{\"job_id\":\"" + r.id + "\",\"status\":\"completed\",\"model\":\"" + r.model
                + "\",\"priority\":\"normal\",\"attempt\":1,\"miner_id\":\"" + r.minerId + "\",\"created_at\":\""
                + Instant.ofEpochMilli(r.created) + "\",\"started_at\":\"" + Instant.ofEpochMilli(r.started)
                + "\",\"completed_at\":\"" + Instant.ofEpochMilli(r.ended) + "\",\"estimated_cost\":" + r.estimatedCost
                + ",\"cost\":" + r.cost + ",\"result\":{\"output\":\"done\"},\"metrics\":null}";
    }

    /** One JOB row being built. */
    private final class Row {
        final String id;
        final String clientId;
        final String plan;
        final String state;
        final String model;
        final long created;
        final BigDecimal estimatedCost = cost(ESTIMATED_SECONDS);
        String minerId;
        Long assigned;
        Long started;
        Long ended;
        Long canceledAt;
        String errorCode;
        String errorMessage;
        BigDecimal cost;
        int progress;
        boolean available;
        Long size;
        String sha;
        Long expires;
        Long deleted;
        String result;
        Long lease;

        Row(String id, String clientId, String plan, String state, String model, long created) {
            this.id = id;
            this.clientId = clientId;
            this.plan = plan;
            this.state = state;
            this.model = model;
            this.created = created;
        }

        void canceledPending(long at) {
            canceledAt = at;
            ended = at;
            cost = cost(0);
        }

        void ran(long assignedAt, long startedAt, long endedAt, boolean failed) {
            minerId = "bench-miner-" + random.nextInt(16);
            assigned = assignedAt;
            started = startedAt;
            ended = endedAt;
            cost = cost((endedAt - startedAt) / 1000);
            if (failed) {
                errorCode = "MINER_FAILED";
                errorMessage = "bench: the miner reported a failure";
                progress = random.nextInt(100);
            } else {
                progress = 100;
                result = "{\"output\":\"done\"}";
            }
        }

        void resultDeleted(long sizeBytes, long expiresAt, long deletedAt) {
            available = false;
            size = sizeBytes;
            sha = Ids.sha256Hex(RawHttp.utf8(id));
            expires = expiresAt;
            deleted = deletedAt;
        }

        void resultStored(long sizeBytes, String manifestSha, long expiresAt) {
            available = true;
            size = sizeBytes;
            sha = manifestSha;
            expires = expiresAt;
        }

        /** The values of {@link #JOB_COLUMNS}, in order. */
        Object[] values() {
            return new Object[] {
                id,
                clientId,
                plan,
                state,
                1,
                model,
                "{\"type\":\"inference\",\"model\":\"" + model + "\",\"input\":\"bench\"}",
                "{\"gpu_count\":1,\"min_vram_gb\":0,\"gpu\":\"a100\"}",
                "a100",
                1,
                0,
                null,
                TIMEOUT,
                3600,
                progress,
                null,
                minerId,
                1,
                lease,
                created,
                null,
                assigned,
                started,
                ended,
                null,
                canceledAt,
                errorCode,
                errorMessage,
                RATE,
                MULT,
                ESTIMATED_SECONDS,
                estimatedCost,
                cost,
                null,
                result,
                null,
                available,
                size,
                sha,
                expires,
                deleted,
                null,
                null,
                canceledAt != null ? 2 : 4
            };
        }
    }
}
