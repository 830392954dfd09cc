package org.aitbc.coordinator.infrastructure.storage;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.logging.Logger;
import java.util.zip.CRC32;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.config.ObjectStoreSettings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Result files (and uploaded inputs) in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW,
 * s3proxy), keyed as {@link ObjectKeys} says. It keeps the file store's promises with object
 * operations: an upload streams into a staging object (one PUT for a file up to one part, else a
 * multipart upload, one part in memory at a time) while its SHA-256 and CRC-32 are computed;
 * {@link #commit} copies it to its key server-side and removes the staged object, so a reader
 * only ever sees whole files (S3 writes are atomic per object); a ranged read is a ranged GET;
 * deleting a job lists its prefix and deletes in batches of 1000. Every SDK failure reaches the
 * callers as an {@link IOException}, as a disk failure would. Created only when
 * {@code aitbc.results.store=s3} ({@link ResultStores}); the client lives as long as the application.
 */
@ApplicationScoped
@Typed(S3ResultStore.class)
public class S3ResultStore implements ResultStore {
    private static final Logger LOG = Logger.getLogger(S3ResultStore.class.getName());
    private static final int CHUNK = 64 * 1024;
    /** S3's limits: at most 10,000 parts, each at least 5 MiB but the last; one copy at most 5 GiB. */
    private static final int MAX_PARTS = 10_000;

    static final long MIN_PART = 5L * 1024 * 1024;
    static final long MAX_COPY = 5L * 1024 * 1024 * 1024;

    @Inject
    CoordinatorConfig config;

    private ObjectStoreSettings settings;
    private ObjectKeys keys;
    private S3Client s3;
    private volatile boolean bucketChecked;

    @PostConstruct
    void init() {
        settings = config.objectStore();
        keys = new ObjectKeys(settings.prefix());
        s3 = client(settings);
        LOG.info(() -> "results and inputs are kept in the object store " + settings);
    }

    @PreDestroy
    void close() {
        s3.close();
    }

    static S3Client client(ObjectStoreSettings s) {
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(s.region()))
                .forcePathStyle(s.pathStyle())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)))
                // Checksums only where S3 requires them: the newer default (CRC trailers with
                // aws-chunked bodies) is refused by older MinIO, Ceph and s3proxy releases, and
                // the coordinator computes and keeps its own SHA-256 of every file anyway.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        s.endpoint().ifPresent(e -> b.endpointOverride(URI.create(e)));
        if (s.accessKey().isPresent()) {
            b.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    s.accessKey().get(), s.secretKey().orElse(""))));
        }
        return b.build();
    }

    private String bucket() {
        return settings.bucket();
    }

    /**
     * Creates the bucket at the first use when configured to and it is missing. Synchronized, so
     * that the first uploads of a fresh server do not all ask at once; another server (or an
     * earlier answer lost on the way) creating it first is success, not a failure of the upload.
     */
    private synchronized void ensureBucket() throws IOException {
        if (bucketChecked || !settings.createBucket()) {
            return;
        }
        try {
            try {
                s3.headBucket(r -> r.bucket(bucket()));
            } catch (NoSuchBucketException e) {
                createBucket();
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
                createBucket();
            }
            bucketChecked = true;
        } catch (SdkException e) {
            throw failure("checking bucket " + bucket(), e);
        }
    }

    private void createBucket() {
        try {
            s3.createBucket(r -> r.bucket(bucket()));
            LOG.info(() -> "created bucket " + bucket());
        } catch (BucketAlreadyOwnedByYouException e) {
            LOG.fine(() -> "bucket " + bucket() + " was created meanwhile");
        }
    }

    /** The part size for an upload of at most {@code maxBytes}: the setting, raised to fit 10,000 parts. */
    static int partSize(long configured, long maxBytes) {
        long part = Math.max(configured, MIN_PART);
        if (maxBytes != Long.MAX_VALUE) {
            part = Math.max(part, (maxBytes + MAX_PARTS - 1) / MAX_PARTS);
        }
        return (int) Math.min(part, Integer.MAX_VALUE - 64);
    }

    @Override
    public Written stage(String jobId, InputStream in, long maxBytes) throws IOException {
        String id = UUID.randomUUID().toString();
        String key = keys.staging(jobId, id);
        ensureBucket();
        MessageDigest sha = sha256();
        CRC32 crc = new CRC32();
        long[] size = {0};
        // One part in memory at a time, never the whole file.
        int partSize = partSize(settings.partBytes(), maxBytes);
        byte[] part = new byte[maxBytes < partSize ? (int) Math.max(maxBytes, 0) + 1 : partSize];
        int n = fill(in, part, 0, sha, crc, size, maxBytes);
        int next = n == part.length ? in.read() : -1;
        if (next < 0) {
            try {
                s3.putObject(r -> r.bucket(bucket()).key(key), body(part, n));
            } catch (SdkException e) {
                throw failure("storing " + key, e);
            }
            return new Written(id, size[0], HexFormat.of().formatHex(sha.digest()), crc.getValue());
        }
        String upload;
        try {
            upload = s3.createMultipartUpload(r -> r.bucket(bucket()).key(key)).uploadId();
        } catch (SdkException e) {
            throw failure("starting the upload of " + key, e);
        }
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int length = n;
            while (true) {
                int number = parts.size() + 1;
                int len = length;
                String etag = s3.uploadPart(
                                r -> r.bucket(bucket())
                                        .key(key)
                                        .uploadId(upload)
                                        .partNumber(number)
                                        .contentLength((long) len),
                                body(part, len))
                        .eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                if (next < 0) {
                    break;
                }
                part[0] = (byte) next;
                update(part, 0, 1, sha, crc, size, maxBytes);
                length = 1 + fill(in, part, 1, sha, crc, size, maxBytes);
                next = length == part.length ? in.read() : -1;
            }
            s3.completeMultipartUpload(
                    r -> r.bucket(bucket()).key(key).uploadId(upload).multipartUpload(m -> m.parts(parts)));
        } catch (IOException | RuntimeException e) {
            abort(key, upload);
            if (e instanceof SdkException sdk) {
                throw failure("uploading " + key, sdk);
            }
            throw e;
        }
        return new Written(id, size[0], HexFormat.of().formatHex(sha.digest()), crc.getValue());
    }

    /** Reads until {@code buf} is full or the stream ends, summing as it goes; returns the bytes read. */
    private static int fill(
            InputStream in, byte[] buf, int off, MessageDigest sha, CRC32 crc, long[] size, long maxBytes)
            throws IOException {
        int pos = off;
        while (pos < buf.length) {
            int r = in.read(buf, pos, Math.min(CHUNK, buf.length - pos));
            if (r < 0) {
                break;
            }
            update(buf, pos, r, sha, crc, size, maxBytes);
            pos += r;
        }
        return pos - off;
    }

    private static void update(byte[] buf, int off, int len, MessageDigest sha, CRC32 crc, long[] size, long maxBytes)
            throws TooLargeException {
        size[0] += len;
        if (size[0] > maxBytes) {
            throw new TooLargeException(maxBytes);
        }
        sha.update(buf, off, len);
        crc.update(buf, off, len);
    }

    private static RequestBody body(byte[] buf, int len) {
        // A ByteArrayInputStream can be reset, so the SDK may retry the request.
        return RequestBody.fromInputStream(new ByteArrayInputStream(buf, 0, len), len);
    }

    private void abort(String key, String upload) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(bucket()).key(key).uploadId(upload));
        } catch (SdkException e) {
            // The bucket's lifecycle rule for incomplete uploads removes it (docs/DEPLOYMENT.md).
            LOG.warning("could not abort the multipart upload of " + key + ": " + e.getMessage());
        }
    }

    @Override
    public void commit(String jobId, String stagingId, String path) throws IOException {
        String target = keys.file(jobId, path);
        String staged = keys.staging(jobId, stagingId);
        try {
            // Keys are flat; the file store's rule that a path is a file or a folder, never both, is
            // kept by looking for objects under the path and for objects at its folders.
            if (s3.listObjectsV2(r -> r.bucket(bucket()).prefix(target + "/").maxKeys(1))
                            .keyCount()
                    > 0) {
                throw new PathConflictException(
                        path + " is a folder of files already stored; it cannot also be a file");
            }
            for (String folder : ObjectKeys.folders(path)) {
                if (head(keys.file(jobId, folder)) != null) {
                    throw new PathConflictException(
                            folder + " is a file already stored; it cannot also be the folder of " + path);
                }
            }
            HeadObjectResponse head = head(staged);
            if (head == null) {
                throw new NoSuchFileException(staged);
            }
            if (head.contentLength() <= MAX_COPY) {
                s3.copyObject(r -> r.sourceBucket(bucket())
                        .sourceKey(staged)
                        .destinationBucket(bucket())
                        .destinationKey(target));
            } else {
                copyInParts(staged, target, head.contentLength());
            }
            s3.deleteObject(r -> r.bucket(bucket()).key(staged));
        } catch (SdkException e) {
            throw failure("committing " + target, e);
        }
    }

    /** A copy above 5 GiB: S3 copies at most 5 GiB in one request, so it goes in ranged parts. */
    private void copyInParts(String from, String to, long length) {
        String upload =
                s3.createMultipartUpload(r -> r.bucket(bucket()).key(to)).uploadId();
        try {
            long partBytes = 1024L * 1024 * 1024;
            List<CompletedPart> parts = new ArrayList<>();
            for (long start = 0; start < length; start += partBytes) {
                int number = parts.size() + 1;
                String range = "bytes=" + start + "-" + (Math.min(start + partBytes, length) - 1);
                String etag = s3.uploadPartCopy(r -> r.sourceBucket(bucket())
                                .sourceKey(from)
                                .destinationBucket(bucket())
                                .destinationKey(to)
                                .uploadId(upload)
                                .partNumber(number)
                                .copySourceRange(range))
                        .copyPartResult()
                        .eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            s3.completeMultipartUpload(
                    r -> r.bucket(bucket()).key(to).uploadId(upload).multipartUpload(m -> m.parts(parts)));
        } catch (RuntimeException e) {
            abort(to, upload);
            throw e;
        }
    }

    private HeadObjectResponse head(String key) {
        try {
            return s3.headObject(r -> r.bucket(bucket()).key(key));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public void discard(String jobId, String stagingId) {
        try {
            s3.deleteObject(r -> r.bucket(bucket()).key(keys.staging(jobId, stagingId)));
        } catch (SdkException e) {
            // A leftover staged object is removed with the job's files.
        }
    }

    @Override
    public Written put(String jobId, String path, byte[] content) throws IOException {
        Written w = stage(jobId, new ByteArrayInputStream(content), content.length);
        commit(jobId, w.stagingId(), path);
        return w;
    }

    @Override
    public InputStream open(String jobId, String path) throws IOException {
        String key = keys.file(jobId, path);
        try {
            return s3.getObject(r -> r.bucket(bucket()).key(key));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (SdkException e) {
            throw failure("reading " + key, e);
        }
    }

    @Override
    public InputStream open(String jobId, String path, long from, long to) throws IOException {
        String key = keys.file(jobId, path);
        try {
            return s3.getObject(r -> r.bucket(bucket()).key(key).range("bytes=" + from + "-" + to));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (SdkException e) {
            throw failure("reading " + key, e);
        }
    }

    @Override
    public boolean exists(String jobId, String path) {
        try {
            return head(keys.file(jobId, path)) != null;
        } catch (SdkException e) {
            throw new java.io.UncheckedIOException(failure("looking up " + path, e));
        }
    }

    @Override
    public long deleteAll(String jobId) throws IOException {
        String prefix = keys.job(jobId);
        long freed = 0;
        try {
            List<ObjectIdentifier> batch = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket()).prefix(prefix))
                    .contents()) {
                freed += o.size();
                batch.add(ObjectIdentifier.builder().key(o.key()).build());
                if (batch.size() == 1000) {
                    delete(batch);
                    batch = new ArrayList<>();
                }
            }
            if (!batch.isEmpty()) {
                delete(batch);
            }
        } catch (NoSuchBucketException e) {
            return 0;
        } catch (SdkException e) {
            throw failure("deleting the files of " + jobId, e);
        }
        return freed;
    }

    private void delete(List<ObjectIdentifier> batch) {
        var answer = s3.deleteObjects(r -> r.bucket(bucket())
                .delete(Delete.builder().objects(batch).quiet(true).build()));
        if (answer.hasErrors() && !answer.errors().isEmpty()) {
            throw SdkException.builder()
                    .message(answer.errors().size() + " objects not deleted, first "
                            + answer.errors().get(0).key() + ": "
                            + answer.errors().get(0).message())
                    .build();
        }
    }

    @Override
    public List<String> list(String jobId) throws IOException {
        List<String> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(bucket()).prefix(keys.job(jobId)))
                    .contents()) {
                String path = keys.path(jobId, o.key());
                if (path != null) {
                    out.add(path);
                }
            }
        } catch (NoSuchBucketException e) {
            return out;
        } catch (SdkException e) {
            throw failure("listing the files of " + jobId, e);
        }
        out.sort(null);
        return out;
    }

    private static IOException failure(String what, SdkException e) {
        // Callers answer without the cause (a 400 or 503 to the miner); operators need it here.
        LOG.warning("object store: " + what + " failed: " + e);
        return new IOException("object store: " + what + " failed: " + e.getMessage(), e);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
