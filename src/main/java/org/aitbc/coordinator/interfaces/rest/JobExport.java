package org.aitbc.coordinator.interfaces.rest;

import jakarta.json.bind.Jsonb;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobQuery;
import org.aitbc.coordinator.interfaces.mapping.JobViews;
import org.aitbc.coordinator.wire.JobView;

/**
 * Streams every job matching a query as CSV (RFC 4180, header row) or as one JSON array of job
 * views. Reads in keyset pages of {@value #PAGE} rows, each its own short transaction, and
 * writes each page before reading the next: memory stays flat however many jobs match.
 */
final class JobExport {
    static final int PAGE = 500;
    static final String[] COLUMNS = {
        "job_id",
        "status",
        "model",
        "priority",
        "created_at",
        "assigned_at",
        "started_at",
        "completed_at",
        "progress",
        "attempt",
        "miner_id",
        "estimated_cost",
        "cost",
        "error_code",
        "error_message",
        "result_available",
        "result_size_bytes",
        "result_sha256",
        "result_expires_at"
    };

    private JobExport() {}

    /** {@code pages} answers the page after a cursor (null for the first). */
    static StreamingOutput stream(String format, JobQuery query, BiFunction<JobQuery, Integer, List<Job>> pages) {
        boolean csv = "csv".equals(format);
        Jsonb jsonb = JsonbProvider.jsonb();
        return out -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            if (csv) {
                w.write(String.join(",", COLUMNS));
                w.write("\r\n");
            } else {
                w.write('[');
            }
            JobQuery q = query;
            boolean first = true;
            while (true) {
                List<Job> page = pages.apply(q, PAGE);
                for (Job job : page) {
                    if (csv) {
                        row(w, JobViews.of(job), job);
                    } else {
                        if (!first) {
                            w.write(',');
                        }
                        w.write(jsonb.toJson(JobViews.of(job)));
                    }
                    first = false;
                }
                w.flush();
                if (page.size() < PAGE) {
                    break;
                }
                Job last = page.get(page.size() - 1);
                q = q.after(last.getCreatedMs(), last.getId());
            }
            if (!csv) {
                w.write(']');
            }
            w.flush();
        };
    }

    private static void row(Writer w, JobView v, Job job) throws java.io.IOException {
        Object[] values = {
            v.jobId(),
            v.status(),
            v.model(),
            v.priority(),
            v.createdAt(),
            v.assignedAt(),
            v.startedAt(),
            v.completedAt(),
            v.progress(),
            v.attempt(),
            v.minerId(),
            v.estimatedCost(),
            v.cost(),
            v.error() == null ? null : v.error().code(),
            v.error() == null ? null : v.error().message(),
            v.result().available(),
            v.result().sizeBytes(),
            v.result().sha256(),
            v.result().expiresAt()
        };
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                w.write(',');
            }
            w.write(csvField(values[i]));
        }
        w.write("\r\n");
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, and its quotes doubled. */
    static String csvField(Object value) {
        if (value == null) {
            return "";
        }
        String s = value instanceof BigDecimal d
                ? d.toPlainString()
                : value instanceof Instant t ? t.toString() : value.toString();
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }
}
