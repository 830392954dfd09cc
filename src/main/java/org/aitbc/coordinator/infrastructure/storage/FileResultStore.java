package org.aitbc.coordinator.infrastructure.storage;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Result files in a directory: {@code <root>/<job id>/<path>}, staging files in
 * {@code <root>/<job id>/.staging/}. The root is {@code aitbc.results.dir}, by default
 * {@code data/results} in the server's output folder (beside the Derby database, on the same
 * volume in the container image). The store when {@code aitbc.results.store=file}, the default
 * ({@link ResultStores}).
 */
@ApplicationScoped
@Typed(FileResultStore.class)
public class FileResultStore implements ResultStore {
    private static final String STAGING = ResultPaths.STAGING;

    @Inject
    CoordinatorConfig config;

    private Path root;

    @PostConstruct
    void init() {
        String dir = config.resultsDir()
                .orElseGet(() -> Paths.get(
                                System.getProperty("server.output.dir", System.getProperty("user.dir")),
                                "data",
                                "results")
                        .toString());
        root = Paths.get(dir).toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    private Path jobDir(String jobId) {
        if (jobId == null || !jobId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("bad job id");
        }
        return root.resolve(jobId);
    }

    private Path file(String jobId, String path) {
        if (ResultPaths.problem(path) != null) {
            throw new IllegalArgumentException("bad path");
        }
        Path p = jobDir(jobId).resolve(path).normalize();
        if (!p.startsWith(jobDir(jobId))) {
            throw new IllegalArgumentException("bad path");
        }
        return p;
    }

    @Override
    public Written stage(String jobId, InputStream in, long maxBytes) throws IOException {
        Path dir = jobDir(jobId).resolve(STAGING);
        Files.createDirectories(dir);
        String id = UUID.randomUUID().toString();
        Path tmp = dir.resolve(id);
        HashingCopy.Copied c;
        try {
            c = HashingCopy.copy(in, tmp, maxBytes);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return new Written(id, c.size(), c.sha256(), c.crc32());
    }

    @Override
    public void commit(String jobId, String stagingId, String path) throws IOException {
        Path target = file(jobId, path);
        Path dir = jobDir(jobId);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new ResultStore.PathConflictException(
                    path + " is a folder of files already stored; it cannot also be a file");
        }
        for (Path p = target.getParent(); p != null && p.startsWith(dir) && !p.equals(dir); p = p.getParent()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new ResultStore.PathConflictException(
                        dir.relativize(p).toString().replace('\\', '/')
                                + " is a file already stored; it cannot also be the folder of " + path);
            }
        }
        Files.createDirectories(target.getParent());
        Files.move(
                jobDir(jobId).resolve(STAGING).resolve(stagingId),
                target,
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void discard(String jobId, String stagingId) {
        try {
            Files.deleteIfExists(jobDir(jobId).resolve(STAGING).resolve(stagingId));
        } catch (IOException e) {
            // A leftover staging file is removed with the job's files.
        }
    }

    @Override
    public Written put(String jobId, String path, byte[] content) throws IOException {
        Written w = stage(jobId, new java.io.ByteArrayInputStream(content), Long.MAX_VALUE);
        commit(jobId, w.stagingId(), path);
        return w;
    }

    @Override
    public InputStream open(String jobId, String path) throws IOException {
        return Files.newInputStream(file(jobId, path));
    }

    @Override
    public boolean exists(String jobId, String path) {
        return Files.isRegularFile(file(jobId, path));
    }

    @Override
    public long deleteAll(String jobId) throws IOException {
        Path dir = jobDir(jobId);
        if (!Files.exists(dir)) {
            return 0;
        }
        long freed = 0;
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            try {
                if (Files.isRegularFile(p)) {
                    freed += Files.size(p);
                }
                Files.deleteIfExists(p);
            } catch (NoSuchFileException | DirectoryNotEmptyException e) {
                // Removed concurrently, or a file appeared meanwhile: the next purge finishes it.
            }
        }
        return freed;
    }

    @Override
    public List<String> list(String jobId) throws IOException {
        Path dir = jobDir(jobId);
        List<String> out = new ArrayList<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith(STAGING + "/") && !p.startsWith(ResultPaths.LIVE_LOGS + "/"))
                    .sorted()
                    .forEach(out::add);
        }
        return out;
    }
}
