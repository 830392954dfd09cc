package org.aitbc.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection with blocking I/O, as a load generator needs it: no
 * executor, no futures, no per-request objects beyond the answer. The server and the load share
 * two cores, so every cycle the client spends is taken from the server; this client costs a small
 * fraction of {@code java.net.http.HttpClient} per request. It understands what the coordinator
 * sends: Content-Length or chunked bodies, 204/304 without a body, and {@code Connection: close}
 * (Liberty closes a connection after a number of requests), after which it reconnects.
 */
final class RawHttp implements Closeable {
    private final String host;
    private final int port;
    private final String hostHeader;
    private final int timeoutMs;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Connections opened (the first and every reconnect), for the report's notes. */
    private int connects;

    /** An answer: status and body bytes (headers are not kept). */
    record Res(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The string value of a top-level {@code "key":"value"} pair, found without parsing. */
        String field(String key) {
            return field(text(), key);
        }

        static String field(String text, String key) {
            String marker = "\"" + key + "\":\"";
            int i = text.indexOf(marker);
            if (i < 0) {
                return null;
            }
            int start = i + marker.length();
            int end = text.indexOf('"', start);
            return end < 0 ? null : text.substring(start, end);
        }
    }

    RawHttp(URI base, int timeoutMs) {
        this.host = base.getHost();
        this.port = base.getPort() < 0 ? 80 : base.getPort();
        this.hostHeader = host + ":" + port;
        this.timeoutMs = timeoutMs;
    }

    RawHttp(URI base) {
        this(base, 120_000);
    }

    int connects() {
        return connects;
    }

    private void connect() throws IOException {
        close();
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMs);
        s.connect(new InetSocketAddress(host, port), 10_000);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = s.getOutputStream();
        connects++;
    }

    /**
     * Sends one request and reads the whole answer. {@code headers} are complete header lines
     * without line ends ("X-Api-Key: ..."). A request on a connection the server had already
     * closed is sent once more on a new one (only when nothing of the answer was read).
     */
    Res send(String method, String path, String[] headers, byte[] body) throws IOException {
        byte[] head = head(method, path, headers, body);
        for (int attempt = 0; ; attempt++) {
            boolean fresh = socket == null;
            if (fresh) {
                connect();
            }
            try {
                out.write(head);
                if (body != null) {
                    out.write(body);
                }
                out.flush();
                return read(method);
            } catch (StaleConnection e) {
                if (fresh || attempt > 0) {
                    throw new IOException("the server closed the connection without answering");
                }
                close();
            } catch (IOException e) {
                close();
                throw e;
            }
        }
    }

    private byte[] head(String method, String path, String[] headers, byte[] body) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method)
                .append(' ')
                .append(path)
                .append(" HTTP/1.1\r\nHost: ")
                .append(hostHeader)
                .append("\r\n");
        if (headers != null) {
            for (String h : headers) {
                sb.append(h).append("\r\n");
            }
        }
        if (body != null) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        } else if (!method.equals("GET") && !method.equals("DELETE") && !method.equals("HEAD")) {
            sb.append("Content-Length: 0\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Thrown when a reused connection turns out to be closed before any byte of the answer. */
    private static final class StaleConnection extends IOException {
        private static final long serialVersionUID = 1L;
    }

    private Res read(String method) throws IOException {
        String status = line(true);
        if (status == null) {
            throw new StaleConnection();
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        String h;
        while ((h = line(false)) != null && !h.isEmpty()) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" ->
                    chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> {}
            }
        }
        byte[] body;
        if (method.equals("HEAD") || code == 204 || code == 304 || (code >= 100 && code < 200)) {
            body = new byte[0];
        } else if (chunked) {
            body = chunked();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new EOFException("the answer ended early");
            }
        } else {
            body = in.readAllBytes();
            close = true;
        }
        if (close) {
            close();
        }
        return new Res(code, body);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        while (true) {
            String size = line(false);
            if (size == null) {
                throw new EOFException("the chunked answer ended early");
            }
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                String trailer;
                while ((trailer = line(false)) != null && !trailer.isEmpty()) {
                    // trailers are ignored
                }
                return buf.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length < n) {
                throw new EOFException("a chunk ended early");
            }
            buf.write(chunk);
            line(false);
        }
    }

    /** One header line in ISO-8859-1 without its line end; null at the end of the stream. */
    private String line(boolean first) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        if (sb.length() == 0) {
            return null;
        }
        throw new EOFException(first ? "the answer ended in its status line" : "the answer ended in its headers");
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
