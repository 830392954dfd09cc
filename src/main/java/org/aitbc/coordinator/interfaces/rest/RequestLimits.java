package org.aitbc.coordinator.interfaces.rest;

import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.wire.ErrorBody;

/**
 * Refuses oversize request heads before any route sees them: a path and query longer than
 * {@code aitbc.http.max.uri.bytes} is 414, headers above {@code aitbc.http.max.header.bytes} in all
 * are 431, both in the one error shape. The HTTP channel's own limit (server.xml
 * {@code limitFieldSize}) is set far above these, so that such requests reach this filter instead
 * of the channel's empty 400; past the channel's limit, the connection is closed with that 400.
 */
public class RequestLimits extends HttpFilter {
    @Inject
    CoordinatorConfig config;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String uri = request.getRequestURI();
        String query = request.getQueryString();
        long uriBytes = (uri == null ? 0 : uri.length()) + (query == null ? 0 : query.length() + 1);
        if (uriBytes > config.httpMaxUriBytes()) {
            ContainerErrors.write(
                    response,
                    new ErrorBody.Detail(
                            414,
                            "URI_TOO_LONG",
                            "the request path and query are " + uriBytes + " bytes; at most " + config.httpMaxUriBytes()
                                    + " are accepted",
                            null));
            return;
        }
        long headerBytes = 0;
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                String value = values.nextElement();
                headerBytes += name.length() + 4 + (value == null ? 0 : value.length());
            }
        }
        if (headerBytes > config.httpMaxHeaderBytes()) {
            ContainerErrors.write(
                    response,
                    new ErrorBody.Detail(
                            431,
                            "HEADERS_TOO_LARGE",
                            "the request headers are " + headerBytes + " bytes; at most " + config.httpMaxHeaderBytes()
                                    + " are accepted",
                            null));
            return;
        }
        chain.doFilter(request, response);
    }
}
