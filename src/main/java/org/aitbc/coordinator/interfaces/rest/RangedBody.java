package org.aitbc.coordinator.interfaces.rest;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;

/**
 * HTTP caching and ranges for generated downloads whose bytes are deterministic: an ETag,
 * {@code If-None-Match} (304), and one {@code Range: bytes=a-b} (206) served by generating the
 * body and passing on only the requested bytes. Several ranges are answered with the whole body.
 */
final class RangedBody {
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    /** Writes the whole body to a stream. */
    interface Body {
        void write(OutputStream out) throws IOException;
    }

    /** Writes bytes {@code from} to {@code to} (inclusive) of the body, reading no more than those. */
    interface Range {
        void write(OutputStream out, long from, long to) throws IOException;
    }

    private RangedBody() {}

    static Response respond(
            Body body,
            long length,
            String etag,
            String contentType,
            String fileName,
            String ifNoneMatch,
            String range) {
        return respond(body, null, length, etag, contentType, fileName, ifNoneMatch, range);
    }

    /** As above; a range is written by {@code ranged} when given (a stored file), else cut from the whole body. */
    static Response respond(
            Body body,
            Range ranged,
            long length,
            String etag,
            String contentType,
            String fileName,
            String ifNoneMatch,
            String range) {
        String quoted = "\"" + etag + "\"";
        if (ifNoneMatch != null
                && (ifNoneMatch.contains(quoted) || ifNoneMatch.trim().equals("*"))) {
            return Response.notModified().tag(etag).build();
        }
        Response.ResponseBuilder r;
        if (range != null && length >= 0) {
            Matcher m = RANGE.matcher(range.trim());
            if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
                return whole(body, length, quoted, contentType, fileName);
            }
            long start;
            long end;
            if (m.group(1).isEmpty()) {
                long suffix = position(m.group(2));
                start = Math.max(0, length - suffix);
                end = length - 1;
            } else {
                start = position(m.group(1));
                end = m.group(2).isEmpty() ? length - 1 : Math.min(position(m.group(2)), length - 1);
            }
            if (start >= length || end < start) {
                // RFC 9110 §15.5.17: a 416 says the length the client can ask within.
                return Response.fromResponse(Errors.response(new CoordinatorException(
                                Kind.OUT_OF_RANGE,
                                "RANGE_NOT_SATISFIABLE",
                                "the range " + range.trim() + " is outside the " + length + " bytes of this download")))
                        .header("Content-Range", "bytes */" + length)
                        .build();
            }
            long from = start;
            long to = end;
            StreamingOutput part = ranged != null
                    ? out -> {
                        ranged.write(out, from, to);
                        out.flush();
                    }
                    : out -> {
                        Slice slice = new Slice(out, from, to);
                        try {
                            body.write(slice);
                        } catch (Slice.Done done) {
                            // All requested bytes were sent.
                        }
                        out.flush();
                    };
            r = Response.status(206)
                    .entity(part)
                    .header("Content-Range", "bytes " + start + "-" + end + "/" + length)
                    .header("Content-Length", end - start + 1);
        } else {
            return whole(body, length, quoted, contentType, fileName);
        }
        return r.type(contentType)
                .header("ETag", quoted)
                .header("Accept-Ranges", "bytes")
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .build();
    }

    /** A byte position; one beyond any long is beyond every download, so it counts as the largest. */
    private static long position(String digits) {
        String d = digits.replaceFirst("^0+(?=.)", "");
        return d.length() > 18 ? Long.MAX_VALUE : Long.parseLong(d);
    }

    private static Response whole(Body body, long length, String quoted, String contentType, String fileName) {
        StreamingOutput all = body::write;
        Response.ResponseBuilder r = Response.ok(all)
                .type(contentType)
                .header("ETag", quoted)
                .header("Accept-Ranges", length >= 0 ? "bytes" : "none")
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"");
        if (length >= 0) {
            r.header("Content-Length", length);
        }
        return r.build();
    }

    /** Passes on bytes [from, to] of what is written through it, then stops the writer. */
    static final class Slice extends FilterOutputStream {
        static final class Done extends IOException {
            private static final long serialVersionUID = 1L;

            Done() {
                super(null, null);
            }
        }

        private final long from;
        private final long to;
        private long pos;

        Slice(OutputStream out, long from, long to) {
            super(out);
            this.from = from;
            this.to = to;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            long start = Math.max(pos, from);
            long end = Math.min(pos + len - 1, to);
            if (start <= end) {
                out.write(b, off + (int) (start - pos), (int) (end - start + 1));
            }
            pos += len;
            if (pos > to) {
                throw new Done();
            }
        }

        @Override
        public void close() {
            // The response stream is closed by the container, not by the zip writer.
        }
    }
}
