package org.aitbc.coordinator.infrastructure.storage;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.aitbc.coordinator.domain.LogOffsets;
import org.aitbc.coordinator.domain.LogStream;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * The live logs of running jobs, as files in the job's folder of the result store:
 * {@code <results>/<job id>/.logs/<stream>/<first offset, 20 digits>} segments of at most
 * {@link #segmentBytes} bytes each. A stream's end is the last segment's first offset plus its size,
 * read from the disk each time, so that it survives a restart and is the same on every server
 * that shares the folder. Past {@code aitbc.logs.max.bytes} of a stream the oldest segments are
 * deleted: the tail is kept, and offsets keep counting from the stream's first byte.
 *
 * <p>Why files and not rows: a follower reads a byte range of one file from an offset (no
 * query, no row per chunk), an append is one write at the end of one file, the bytes leave with
 * the job's other files (retention, delete), and sealing the package streams them into
 * {@code logs/<stream>.log} like any upload. Appends to one job are serialised by the caller
 * (the job's row lock, held while it appends) and, on one server, by a lock per stream here.
 * Bytes are written to the file system before the append is answered, not forced to the disk (as
 * for uploads): they survive a restart of the server, not necessarily a crash of the machine.
 *
 * <p>Readers wait for new bytes with {@link #await} or {@link #listen}, woken by appends made on
 * this server; they re-check after their timeout for appends made on another one. The home of
 * live logs when {@code aitbc.logs.store} is {@code files} (or {@code auto} with the file result
 * store): the folder must be the same for every server, or each server sees only its own appends
 * ({@link LiveLogStores}).
 */
@ApplicationScoped
@Typed(JobLogStore.class)
public class JobLogStore implements LiveLogStore {
    static final String DIR = ResultPaths.LIVE_LOGS;
    private static final int DEFAULT_SEGMENT = 1024 * 1024;

    @Inject
    CoordinatorConfig config;

    @Inject
    FileResultStore results;

    private Path root;
    private long maxBytes;
    private int segmentBytes;

    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final LogWaiters waiters = new LogWaiters();

    public JobLogStore() {}

    /** A store outside the container (tests): logs under {@code root}, at most {@code maxBytes} per stream. */
    public JobLogStore(Path root, long maxBytes, int segmentBytes) {
        this.root = root;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
    }

    @PostConstruct
    void init() {
        root = results.root();
        maxBytes = config.logsMaxBytes();
        // Four segments at least, so that what is kept past the limit is most of it.
        segmentBytes = (int) Math.max(1, Math.min(DEFAULT_SEGMENT, maxBytes / 4));
    }

    private Path dir(String jobId, LogStream stream) {
        if (jobId == null || !jobId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("bad job id");
        }
        return root.resolve(jobId).resolve(DIR).resolve(stream.wire());
    }

    private Object lock(String jobId, LogStream stream) {
        return locks.computeIfAbsent(jobId + "/" + stream.wire(), k -> new Object());
    }

    /** The stream's segments in offset order: each one's first offset and file. */
    private record Segment(long start, Path file) {}

    private List<Segment> segments(String jobId, LogStream stream) throws IOException {
        Path dir = dir(jobId, stream);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Segment> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                String name = f.getFileName().toString();
                if (name.matches("\\d{20}")) {
                    out.add(new Segment(Long.parseLong(name), f));
                }
            });
        }
        out.sort((a, b) -> Long.compare(a.start, b.start));
        return out;
    }

    private static long size(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private static long end(List<Segment> segments) throws IOException {
        if (segments.isEmpty()) {
            return 0;
        }
        Segment last = segments.get(segments.size() - 1);
        return last.start + size(last.file);
    }

    @Override
    public long[] position(String jobId, LogStream stream) throws IOException {
        List<Segment> segments = segments(jobId, stream);
        return new long[] {segments.isEmpty() ? 0 : segments.get(0).start, end(segments)};
    }

    @Override
    public LogOffsets.Appended append(String jobId, LogStream stream, Long offset, byte[] data)
            throws IOException, OffsetConflictException {
        LogOffsets.Appended done;
        synchronized (lock(jobId, stream)) {
            List<Segment> segments = segments(jobId, stream);
            long end = end(segments);
            long keptFrom = segments.isEmpty() ? 0 : segments.get(0).start;
            LogOffsets.Plan plan = LogOffsets.plan(end, offset, data.length);
            if (plan.refused()) {
                throw OffsetConflictException.past(stream, offset, end);
            }
            if (plan.compare() > 0 && !same(segments, plan.offset(), data, (int) plan.compare(), keptFrom)) {
                throw OffsetConflictException.differs(stream, offset, end);
            }
            int from = (int) plan.compare();
            if (from < data.length) {
                write(jobId, stream, segments, end, data, from);
                end += data.length - from;
                keptFrom = trim(segments(jobId, stream));
            }
            boolean duplicate = data.length > 0 && from >= data.length;
            done = new LogOffsets.Appended(
                    plan.offset(), plan.offset() + data.length, end, data.length - from, duplicate, keptFrom);
        }
        waiters.wake(jobId);
        return done;
    }

    /** Whether the stored bytes from {@code offset} are the first {@code n} of {@code data}; unkept ones count as equal. */
    private static boolean same(List<Segment> segments, long offset, byte[] data, int n, long keptFrom)
            throws IOException {
        int skip = (int) Math.min(n, Math.max(0, keptFrom - offset));
        byte[] stored = read(segments, offset + skip, n - skip);
        if (stored.length != n - skip) {
            return false;
        }
        for (int i = 0; i < stored.length; i++) {
            if (stored[i] != data[skip + i]) {
                return false;
            }
        }
        return true;
    }

    private void write(String jobId, LogStream stream, List<Segment> segments, long end, byte[] data, int from)
            throws IOException {
        Path dir = dir(jobId, stream);
        Files.createDirectories(dir);
        Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        long lastSize = last == null ? 0 : size(last.file);
        int pos = from;
        while (pos < data.length) {
            if (last == null || lastSize >= segmentBytes) {
                last = new Segment(end, dir.resolve(String.format("%020d", end)));
                lastSize = 0;
            }
            int n = (int) Math.min(data.length - pos, segmentBytes - lastSize);
            try (FileChannel ch = FileChannel.open(
                    last.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buf = ByteBuffer.wrap(data, pos, n);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            pos += n;
            lastSize += n;
            end += n;
        }
    }

    /** Deletes the oldest segments while more than the limit is kept; answers the first offset kept. */
    private long trim(List<Segment> segments) throws IOException {
        long end = end(segments);
        int first = 0;
        while (segments.size() - first > 1 && end - segments.get(first).start > maxBytes) {
            Files.deleteIfExists(segments.get(first).file);
            first++;
        }
        return segments.isEmpty() ? 0 : segments.get(first).start;
    }

    @Override
    public Chunk read(String jobId, LogStream stream, long offset, int max) throws IOException {
        List<Segment> segments = segments(jobId, stream);
        long keptFrom = segments.isEmpty() ? 0 : segments.get(0).start;
        long end = end(segments);
        long from = Math.max(offset, keptFrom);
        if (from >= end) {
            return new Chunk(from, new byte[0], from, end, keptFrom);
        }
        byte[] bytes = read(segments, from, (int) Math.min(max, end - from));
        return new Chunk(from, bytes, from + bytes.length, end, keptFrom);
    }

    /** Bytes from {@code offset} on, at most {@code n}, across segments; fewer when the stream ends (or a segment went). */
    private static byte[] read(List<Segment> segments, long offset, int n) throws IOException {
        byte[] out = new byte[n];
        int got = 0;
        for (int i = 0; i < segments.size() && got < n; i++) {
            Segment s = segments.get(i);
            long segEnd = i + 1 < segments.size() ? segments.get(i + 1).start : Long.MAX_VALUE;
            long at = offset + got;
            if (at < s.start || at >= segEnd) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(s.file, StandardOpenOption.READ)) {
                ch.position(at - s.start);
                ByteBuffer buf = ByteBuffer.wrap(out, got, n - got);
                int r;
                while (buf.hasRemaining() && (r = ch.read(buf)) > 0) {
                    got += r;
                }
            } catch (NoSuchFileException e) {
                break;
            }
        }
        return got == n ? out : java.util.Arrays.copyOf(out, got);
    }

    @Override
    public InputStream openAll(String jobId, LogStream stream) throws IOException {
        List<InputStream> parts = new ArrayList<>();
        try {
            for (Segment s : segments(jobId, stream)) {
                parts.add(Files.newInputStream(s.file));
            }
        } catch (IOException e) {
            for (InputStream in : parts) {
                in.close();
            }
            throw e;
        }
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    @Override
    public boolean exists(String jobId, LogStream stream) throws IOException {
        return !segments(jobId, stream).isEmpty();
    }

    /** Nothing to do here: the logs are in the job's folder, which goes with its result files after the commit. */
    @Override
    public void deleteAll(String jobId) {}

    @Override
    public void listen(String jobId, Runnable r) {
        waiters.listen(jobId, r);
    }

    @Override
    public void unlisten(String jobId, Runnable r) {
        waiters.unlisten(jobId, r);
    }
}
