package org.aitbc.coordinator.interfaces.rest;

import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.aitbc.coordinator.application.ReceiptService;
import org.aitbc.coordinator.application.ResultService;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.ResultFile;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * Writes a job's package as a zip of STORED entries under the folder {@code <job id>/}, in path
 * order, with a fixed time: the same package always yields the same bytes, so its length is known
 * before writing (for Content-Length and Range) and its ETag is stable. Sizes and CRCs come from
 * the records made at upload time, so each file is read once, straight into the response.
 */
final class ZipPackage {
    private final String jobId;
    private final List<ResultFile> files;
    private final byte[] checksums;
    private final long time;
    /** receipt.json, after output.sha256; null for a job that ended before receipts were signed. */
    private final byte[] receipt;

    ZipPackage(String jobId, List<ResultFile> files, String checksumsText, long time, byte[] receipt) {
        this.jobId = jobId;
        this.files = files;
        this.checksums = checksumsText.getBytes(StandardCharsets.UTF_8);
        this.time = time;
        this.receipt = receipt;
    }

    /** The package of an ended job as a download: its ETag is the job's result digest, ranges as {@link RangedBody}. */
    static Response respond(
            Job job, List<ResultFile> files, byte[] receipt, ResultStore store, String ifNoneMatch, String range) {
        ZipPackage pkg = new ZipPackage(
                job.getId(),
                files,
                ResultService.manifest(files),
                job.getEndedAt().toEpochMilli(),
                receipt);
        return RangedBody.respond(
                out -> pkg.write(store, out),
                pkg.length(),
                job.getResultSha256(),
                "application/zip",
                job.getId() + ".zip",
                ifNoneMatch,
                range);
    }

    private String name(String path) {
        return jobId + "/" + path;
    }

    /** The exact zip length, or -1 when a file needs ZIP64 (then the length is not promised). */
    long length() {
        long total = 22;
        for (ResultFile f : files) {
            if (f.getSizeBytes() >= 0xFFFFFFFFL) {
                return -1;
            }
            int n = name(f.getPath()).getBytes(StandardCharsets.UTF_8).length;
            total += 30 + n + f.getSizeBytes() + 46 + n;
        }
        int n = name(ResultService.CHECKSUMS).getBytes(StandardCharsets.UTF_8).length;
        total += 30 + n + checksums.length + 46 + n;
        if (receipt != null) {
            n = name(ReceiptService.RECEIPT_JSON).getBytes(StandardCharsets.UTF_8).length;
            total += 30 + n + receipt.length + 46 + n;
        }
        return total;
    }

    void write(ResultStore store, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
        zip.setMethod(ZipOutputStream.STORED);
        byte[] buf = new byte[64 * 1024];
        for (ResultFile f : files) {
            zip.putNextEntry(entry(f.getPath(), f.getSizeBytes(), f.getCrc32()));
            try (InputStream in = store.open(jobId, f.getPath())) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    zip.write(buf, 0, n);
                }
            }
            zip.closeEntry();
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(checksums);
        zip.putNextEntry(entry(ResultService.CHECKSUMS, checksums.length, crc.getValue()));
        zip.write(checksums);
        zip.closeEntry();
        if (receipt != null) {
            crc.reset();
            crc.update(receipt);
            zip.putNextEntry(entry(ReceiptService.RECEIPT_JSON, receipt.length, crc.getValue()));
            zip.write(receipt);
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }

    private ZipEntry entry(String path, long size, long crc) {
        ZipEntry e = new ZipEntry(name(path));
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc);
        e.setTime(time);
        return e;
    }
}
