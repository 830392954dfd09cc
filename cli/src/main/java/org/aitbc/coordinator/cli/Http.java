package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import org.aitbc.coordinator.wire.WireJson;

/**
 * The coordinator's HTTP API as the CLI uses it: JSON answers read into the shared wire records,
 * downloads streamed to files, and every error answer turned into one line and an exit code.
 */
final class Http {
    static final Jsonb JSONB = JsonbBuilder.create(WireJson.config());
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    final String url;
    private final String key;
    private final Map<String, String> extraHeaders;

    Http(String url, String key, Map<String, String> extraHeaders) {
        this.url = url;
        this.key = key;
        this.extraHeaders = extraHeaders;
    }

    String key() {
        return key;
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** {@code path?name=value&...} for the values that are set (null ones left out), each encoded. */
    static String query(String path, Object... namesAndValues) {
        StringBuilder b = new StringBuilder(path);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Object value = namesAndValues[i + 1];
            if (value != null) {
                b.append(b.indexOf("?") < 0 ? '?' : '&')
                        .append(namesAndValues[i])
                        .append('=')
                        .append(q(value.toString()));
            }
        }
        return b.toString();
    }

    /** A JSON object's text parsed (an answer or a feed message); throws a JsonException when it is not one. */
    static JsonObject object(String text) {
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readObject();
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofMinutes(10));
        if (key != null) {
            // Null for the public routes a command may call without a key (GET /v1/keys).
            b.header("X-Api-Key", key);
        }
        extraHeaders.forEach(b::header);
        return b;
    }

    /** Sends a request whose answer is JSON; returns the body text, or throws the error as a CliException. */
    String send(String method, String path, String jsonBody) {
        return send(method, path, jsonBody, java.util.Map.of());
    }

    /** As {@link #send(String, String, String)}, with headers of this request only (an Idempotency-Key). */
    String send(String method, String path, String jsonBody, java.util.Map<String, String> headers) {
        HttpRequest.Builder b = request(path);
        headers.forEach(b::header);
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(
                method,
                jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        HttpResponse<String> r = exchange(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) {
            throw failure(r.statusCode(), r.body());
        }
        return r.statusCode() == 204 ? null : r.body();
    }

    <T> T send(String method, String path, String jsonBody, Class<T> type) {
        String body = send(method, path, jsonBody);
        return body == null ? null : JSONB.fromJson(body, type);
    }

    /**
     * Uploads a file, streamed from disk. The file is opened without following a symbolic link (a
     * link is refused), so that what is uploaded is the file that was checked, never a link's target.
     */
    int upload(String path, Path file) {
        HttpResponse<String> r = exchange(
                request(path)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(fileBody(file, sent -> {}))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400 && r.statusCode() != 404 && r.statusCode() != 405) {
            throw failure(r.statusCode(), r.body());
        }
        return r.statusCode();
    }

    /** POSTs bytes of a given type with extra headers; answers whatever came back (errors are not thrown). */
    HttpResponse<String> postBytes(String path, String contentType, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder b = request(path).header("Content-Type", contentType);
        headers.forEach(b::header);
        return exchange(
                b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * POSTs a file, streamed from disk (a symbolic link refused, as for {@link #upload}), telling
     * {@code progress} the bytes sent so far; returns the answer's JSON text.
     */
    String postFile(String path, Path file, java.util.function.LongConsumer progress) {
        HttpResponse<String> r = exchange(
                request(path)
                        .header("Content-Type", "application/octet-stream")
                        .POST(fileBody(file, progress))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) {
            throw failure(r.statusCode(), r.body());
        }
        return r.body();
    }

    /**
     * A regular file's bytes as a request body of its exact length, read as the request is sent
     * (never whole in memory), with the bytes sent so far told to {@code progress}. A symbolic link,
     * a folder or a missing file is a usage error, before anything is sent.
     */
    private static HttpRequest.BodyPublisher fileBody(Path file, java.util.function.LongConsumer progress) {
        long size;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw new CliException(Aitbc.EXIT_USAGE, file + " is not a regular file; not uploaded");
            }
            size = a.size();
        } catch (IOException e) {
            throw new CliException(Aitbc.EXIT_USAGE, "cannot read " + file);
        }
        if (size == 0) {
            return HttpRequest.BodyPublishers.noBody();
        }
        return HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        return new java.io.FilterInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                            private long sent;

                            @Override
                            public int read(byte[] b, int off, int len) throws IOException {
                                int n = super.read(b, off, len);
                                if (n > 0) {
                                    sent += n;
                                    progress.accept(sent);
                                }
                                return n;
                            }
                        };
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }),
                size);
    }

    InputStream stream(String path) {
        return streamed(path).body();
    }

    /** The answer's status, headers and body stream; errors are thrown as for {@link #send}. */
    HttpResponse<InputStream> streamed(String path) {
        HttpResponse<InputStream> r = exchange(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() >= 400) {
            try (InputStream in = r.body()) {
                throw failure(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw failure(r.statusCode(), "");
            }
        }
        return r;
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return CLIENT.send(request, handler);
        } catch (ConnectException e) {
            throw new CliException(Aitbc.EXIT_NETWORK, "cannot reach the coordinator at " + url);
        } catch (IOException e) {
            throw new CliException(Aitbc.EXIT_NETWORK, "the connection to " + url + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(Aitbc.EXIT_NETWORK, "interrupted");
        }
    }

    /** The error shape's message and code, mapped to an exit code. */
    static CliException failure(int status, String body) {
        String message = "HTTP " + status;
        String code = null;
        try {
            JsonObject error = object(body).getJsonObject("error");
            message = error.getString("message", message);
            code = error.getString("code", null);
        } catch (RuntimeException e) {
            // Not the API's error shape (a proxy, or the wrong URL): keep the status.
        }
        int exit = switch (status) {
            case 401, 403 -> Aitbc.EXIT_AUTH;
            case 404, 410 -> Aitbc.EXIT_NOT_FOUND;
            case 409, 412, 422, 416 -> Aitbc.EXIT_CONFLICT;
            case 400, 413 -> Aitbc.EXIT_USAGE;
            default -> Aitbc.EXIT_NETWORK;
        };
        return new CliException(exit, (code == null ? "" : code + ": ") + message);
    }
}
