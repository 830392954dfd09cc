package org.aitbc.coordinator.interfaces.rest;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.wire.ErrorBody;
import org.aitbc.coordinator.wire.WireJson;

/**
 * The error page of the web container (web.xml {@code <error-page>}): every status the container
 * answers itself, before or around the application (a path with an encoded separator, NUL or a bad
 * escape, a file under WEB-INF, an error a servlet sent, an exception no mapper caught), leaves in
 * the one error shape instead of Liberty's HTML page. The answer names only the status: what the
 * container says about the request (its message ids, class names, the raw path) stays in the log.
 */
public class ContainerErrors extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(ContainerErrors.class.getName());
    private static final Jsonb JSONB = JsonbBuilder.create(WireJson.config());

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int status = status(request);
        ErrorBody.Detail detail = detail(status);
        if (status >= 500) {
            String ref = UUID.randomUUID().toString();
            Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
            LOG.log(
                    Level.SEVERE,
                    "the web container answered " + status + ", reference " + ref,
                    failure instanceof Throwable t ? t : null);
            detail = new ErrorBody.Detail(status, detail.code(), detail.message() + " (reference " + ref + ")", null);
        }
        write(response, detail);
    }

    /** Writes the error shape, unless the answer already went out (then there is nothing left to say). */
    static void write(HttpServletResponse response, ErrorBody.Detail detail) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(detail.status());
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        byte[] body = JSONB.toJson(new ErrorBody(detail)).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static int status(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (code == null && request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) == null) {
            return 404; // the error page requested directly: there is no such route
        }
        int status = code instanceof Integer i ? i : 500;
        // An exception the container caught while reading the request (a bad path) is the client's;
        // Liberty reports those as 400 already, anything else unclassified stays 500.
        return status < 400 || status > 599 ? 500 : status;
    }

    /** The code and sentence of a status the container chose; never the container's own words. */
    static ErrorBody.Detail detail(int status) {
        return switch (status) {
            case 400 ->
                d(
                        400,
                        "BAD_REQUEST",
                        "the request could not be understood: check the path for encoded '/', '\\', '..',"
                                + " NUL or invalid escapes");
            case 401 -> d(401, "UNAUTHENTICATED", "send your API key in the X-Api-Key header");
            case 403 -> d(403, "FORBIDDEN", "this path is not served");
            case 404 -> d(404, "NOT_FOUND", "no such route");
            case 405 -> d(405, "METHOD_NOT_ALLOWED", "this route does not accept that method");
            case 406 -> d(406, "NOT_ACCEPTABLE", "this route answers in JSON");
            case 408 -> d(408, "REQUEST_TIMEOUT", "the request was not received in time");
            case 411 -> d(411, "LENGTH_REQUIRED", "send a Content-Length or a chunked body");
            case 413 -> d(413, "PAYLOAD_TOO_LARGE", "the request body is too large");
            case 414 -> d(414, "URI_TOO_LONG", "the request path and query are too long");
            case 415 -> d(415, "UNSUPPORTED_MEDIA_TYPE", "send a JSON body (Content-Type: application/json)");
            case 416 -> d(416, "RANGE_NOT_SATISFIABLE", "the requested range is not within the file");
            case 431 -> d(431, "HEADERS_TOO_LARGE", "the request headers are too large");
            case 501 -> d(501, "NOT_IMPLEMENTED", "this method is not supported");
            case 503 -> d(503, "UNAVAILABLE", "the coordinator is not available right now; retry in a few seconds");
            default ->
                status < 500
                        ? d(status, "BAD_REQUEST", "the request could not be understood")
                        : d(status, "INTERNAL_ERROR", "the coordinator could not complete the request");
        };
    }

    private static ErrorBody.Detail d(int status, String code, String message) {
        return new ErrorBody.Detail(status, code, message, null);
    }
}
