package org.aitbc.coordinator.interfaces.console;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;

/**
 * Two things for browsers, nothing for API clients: a {@code GET /} whose {@code Accept} prefers
 * HTML (what a browser's address bar sends) is redirected to {@code /console/}; any other request
 * for {@code /} goes on unchanged. And every answer under {@code /console/} and {@code /webjars/}
 * carries a Content-Security-Policy that allows scripts only from this origin (no inline script,
 * no eval, no third-party origin), so that text a client or miner wrote can never run as script
 * even if a page had a bug.
 */
public class ConsoleFilter extends HttpFilter {
    /**
     * Styles allow 'unsafe-inline' only because ECharts writes style attributes into its tooltip
     * markup; scripts, connections, images and frames are this origin's alone.
     */
    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if ((path.equals("/") || path.isEmpty())
                && request.getMethod().equals("GET")
                && wantsHtml(request.getHeader("Accept"))) {
            response.setStatus(HttpServletResponse.SC_FOUND);
            response.setHeader("Location", request.getContextPath() + "/console/");
            response.setHeader("Vary", "Accept");
            return;
        }
        if (path.startsWith("/console") || path.startsWith("/webjars/")) {
            response.setHeader("Content-Security-Policy", POLICY);
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setHeader("Referrer-Policy", "no-referrer");
            response.setHeader("X-Frame-Options", "DENY");
        }
        chain.doFilter(request, response);
    }

    /** Whether text/html comes before any JSON type in the Accept header (q-values aside: browsers list HTML first). */
    static boolean wantsHtml(String accept) {
        if (accept == null) {
            return false;
        }
        String a = accept.toLowerCase(Locale.ROOT);
        int html = a.indexOf("text/html");
        if (html < 0) {
            return false;
        }
        int json = a.indexOf("json");
        return json < 0 || html < json;
    }
}
