package org.aitbc.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import org.aitbc.coordinator.application.ResultService;
import org.aitbc.coordinator.domain.DailyStats;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Pricing;
import org.aitbc.coordinator.domain.ResultFile;
import org.aitbc.coordinator.infrastructure.security.Ids;

/**
 * Bulk seeding of the bench server's embedded Derby database, with the server stopped (Derby
 * lets one process open it): JDBC batches through the embedded driver, row by row what the
 * coordinator itself writes for a job that went through its life (see {@code Job},
 * {@code DailyStats}, {@code ResultFile} and the seal/purge code in {@code ResultService}).
 * Where the server computes a value, the seeder calls the server's own code (its classes are on
 * the bench's class path), so that the two cannot drift apart:
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
    private static final int BATCH = 1000;
    private static final int COMMIT_EVERY = 20_000;

    private static final String INSERT_JOB = "INSERT INTO JOB (ID, CLIENT_ID, CLIENT_PLAN, STATE, PRIORITY_RANK, MODEL,"
            + " PAYLOAD_JSON, CONSTRAINTS_JSON, GPU_TYPE, GPU_COUNT, MIN_VRAM_GB, REGION, TIMEOUT_SECONDS, TTL_SECONDS,"
            + " PROGRESS, PROGRESS_MESSAGE, MINER_ID, ATTEMPT, LEASE_EXPIRES_MS, CREATED_MS, DEADLINE_MS, ASSIGNED_MS,"
            + " STARTED_MS, ENDED_MS, EST_COMPLETION_MS, CANCEL_REQUESTED_MS, ERROR_CODE, ERROR_MESSAGE, RATE_PER_HOUR,"
            + " PRICE_MULTIPLIER, ESTIMATED_SECONDS, ESTIMATED_COST, COST, STORAGE_COST, RESULT_JSON, METRICS_JSON,"
            + " RESULT_AVAILABLE, RESULT_SIZE_BYTES, RESULT_SHA256, RESULT_EXPIRES_MS, RESULT_DELETED_MS,"
            + " IDEMPOTENCY_KEY, REQUEST_HASH, VERSION)"
            + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

    private final Connection c;
    private final Random random = new Random(System.nanoTime());
    private final Map<DailyStats.Key, DailyStats> counters = new HashMap<>();
    private final Path dbDir;

    Seeder(Path dbDir) throws SQLException {
        this.dbDir = dbDir;
        System.setProperty(
                "derby.stream.error.file",
                dbDir.resolveSibling("derby-seed.log").toString());
        // A larger page cache than Derby's default 1,000 pages: index inserts stay in memory.
        System.setProperty("derby.storage.pageCacheSize", "40000");
        c = DriverManager.getConnection("jdbc:derby:" + dbDir);
        c.setAutoCommit(false);
    }

    /** What a history seeding produced: how many rows, and one deep row for a cursor. */
    record History(int jobs, long deepCreatedMs, String deepId, int deepPosition) {}

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
            throws SQLException {
        long span = Days.toMs(days);
        long first = nowMs - span;
        long step = Math.max(1, span / count);
        long deepCreated = 0;
        String deepId = null;
        try (PreparedStatement ps = c.prepareStatement(INSERT_JOB)) {
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
                r.bind(ps);
                ps.addBatch();
                count(r);
                if (count - 1 - i == deepPosition) {
                    deepCreated = created;
                    deepId = id;
                }
                flush(ps, i + 1);
            }
            ps.executeBatch();
        }
        writeCounters();
        c.commit();
        return new History(count, deepCreated, deepId, deepPosition);
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
            throws SQLException, IOException {
        String firstId = null;
        String lastId = null;
        List<String> ids = new ArrayList<>(count);
        try (PreparedStatement ps = c.prepareStatement(INSERT_JOB);
                PreparedStatement files = c.prepareStatement(
                        "INSERT INTO RESULT_FILE (JOB_ID, PATH, CRC32, SHA256, SIZE_BYTES, STORED_MS) VALUES (?,?,?,?,?,?)")) {
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
                Path dir = resultsDir.resolve(id);
                Files.createDirectories(dir);
                Files.write(dir.resolve("output.json"), out);
                Files.write(dir.resolve("result.txt"), txt);
                List<ResultFile> sealed = new ArrayList<>(List.of(
                        addFile(files, id, "output.json", out, ended), addFile(files, id, "result.txt", txt, ended)));
                // In the order the server reads them back for its manifest: by path.
                sealed.sort(Comparator.comparing(ResultFile::getPath));
                String manifest = ResultService.manifest(sealed);
                r.resultStored(
                        out.length + txt.length,
                        Ids.sha256Hex(manifest.getBytes(StandardCharsets.UTF_8)),
                        expiresFromMs + i);
                r.bind(ps);
                ps.addBatch();
                count(r);
                if (i == 0) {
                    firstId = id;
                }
                lastId = id;
                ids.add(id);
                if ((i + 1) % BATCH == 0) {
                    files.executeBatch();
                }
                flush(ps, i + 1);
            }
            ps.executeBatch();
            files.executeBatch();
        }
        writeCounters();
        c.commit();
        return new Expired(count, firstId, lastId, expiresFromMs, expiresFromMs + count - 1, ids);
    }

    /**
     * Moves the expiry of results seeded by {@link #expired} with expiries from {@code seededFromMs}
     * (far in the future) to start at {@code expiresFromMs}, in one statement once the seeding is
     * done: how long the seeding takes no longer decides when the purge begins.
     */
    void expireFrom(long seededFromMs, long expiresFromMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE JOB SET RESULT_EXPIRES_MS = RESULT_EXPIRES_MS + ?"
                + " WHERE RESULT_AVAILABLE = 1 AND RESULT_EXPIRES_MS >= ?")) {
            ps.setLong(1, expiresFromMs - seededFromMs);
            ps.setLong(2, seededFromMs);
            ps.executeUpdate();
        }
        c.commit();
    }

    /** Adds the RESULT_FILE row of a file written with this content to the batch, and returns it. */
    private static ResultFile addFile(PreparedStatement ps, String id, String path, byte[] content, long at)
            throws SQLException {
        CRC32 crc = new CRC32();
        crc.update(content);
        ResultFile f = new ResultFile(id, path, content.length, Ids.sha256Hex(content), crc.getValue(), at);
        ps.setString(1, f.getJobId());
        ps.setString(2, f.getPath());
        ps.setLong(3, f.getCrc32());
        ps.setString(4, f.getSha256());
        ps.setLong(5, f.getSizeBytes());
        ps.setLong(6, at);
        ps.addBatch();
        return f;
    }

    private void flush(PreparedStatement ps, int done) throws SQLException {
        if (done % BATCH == 0) {
            ps.executeBatch();
        }
        if (done % COMMIT_EVERY == 0) {
            c.commit();
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

    /** Refreshes Derby's index statistics, as its background daemon would after such growth. */
    void updateStatistics(String table) throws SQLException {
        try (var call = c.prepareCall("CALL SYSCS_UTIL.SYSCS_UPDATE_STATISTICS('APP', ?, NULL)")) {
            call.setString(1, table);
            call.execute();
        }
        c.commit();
    }

    @Override
    public void close() throws SQLException {
        try {
            c.commit();
            c.close();
        } finally {
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

        void bind(PreparedStatement ps) throws SQLException {
            int i = 1;
            ps.setString(i++, id);
            ps.setString(i++, clientId);
            ps.setString(i++, plan);
            ps.setString(i++, state);
            ps.setInt(i++, 1);
            ps.setString(i++, model);
            ps.setString(i++, "{\"type\":\"inference\",\"model\":\"" + model + "\",\"input\":\"bench\"}");
            ps.setString(i++, "{\"gpu_count\":1,\"min_vram_gb\":0,\"gpu\":\"a100\"}");
            ps.setString(i++, "a100");
            ps.setInt(i++, 1);
            ps.setInt(i++, 0);
            ps.setNull(i++, Types.VARCHAR);
            ps.setInt(i++, TIMEOUT);
            ps.setInt(i++, 3600);
            ps.setInt(i++, progress);
            ps.setNull(i++, Types.VARCHAR);
            setString(ps, i++, minerId);
            ps.setInt(i++, 1);
            ps.setNull(i++, Types.BIGINT);
            ps.setLong(i++, created);
            ps.setNull(i++, Types.BIGINT);
            setLong(ps, i++, assigned);
            setLong(ps, i++, started);
            setLong(ps, i++, ended);
            ps.setNull(i++, Types.BIGINT);
            setLong(ps, i++, canceledAt);
            setString(ps, i++, errorCode);
            setString(ps, i++, errorMessage);
            ps.setBigDecimal(i++, RATE);
            ps.setBigDecimal(i++, MULT);
            ps.setLong(i++, ESTIMATED_SECONDS);
            ps.setBigDecimal(i++, estimatedCost);
            ps.setBigDecimal(i++, cost);
            ps.setNull(i++, Types.DECIMAL);
            setString(ps, i++, result);
            ps.setNull(i++, Types.CLOB);
            ps.setShort(i++, (short) (available ? 1 : 0));
            setLong(ps, i++, size);
            setString(ps, i++, sha);
            setLong(ps, i++, expires);
            setLong(ps, i++, deleted);
            ps.setNull(i++, Types.VARCHAR);
            ps.setNull(i++, Types.VARCHAR);
            ps.setLong(i, canceledAt != null ? 2 : 4);
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static void setString(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }
}
