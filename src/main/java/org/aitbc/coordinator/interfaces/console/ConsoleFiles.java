package org.aitbc.coordinator.interfaces.console;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Serves the console's files and the WebJars it loads. The JAX-RS application is mapped to
 * {@code /*}, so the container's default servlet never sees these paths; this longer mapping
 * does. It reads only resources of the war ({@code /console/...}, and {@code /webjars/...} from
 * the jars' META-INF/resources), only names of plain characters, only types it knows; anything
 * else is a 404 in the API's error shape (through the container's error page).
 */
@WebServlet(
        name = "console-files",
        urlPatterns = {"/console/*", "/webjars/*"})
public class ConsoleFiles extends HttpServlet {
    private static final Pattern SAFE = Pattern.compile("^(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=UTF-8",
            "js", "text/javascript; charset=UTF-8",
            "css", "text/css; charset=UTF-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String root = request.getServletPath(); // "/console" or "/webjars"
        String rest = request.getPathInfo();
        if (root.equals("/console") && (rest == null || rest.equals("/"))) {
            if (rest == null) {
                response.sendRedirect(request.getContextPath() + "/console/");
                return;
            }
            rest = "/index.html";
        }
        if (rest == null || !SAFE.matcher(rest).matches()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        String name = root + rest;
        String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
        InputStream in = type == null ? null : getServletContext().getResourceAsStream(name);
        if (in == null) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        try (in) {
            response.setContentType(type);
            // The console's own files change with each deployment; the WebJars are versioned by path.
            response.setHeader("Cache-Control", root.equals("/webjars") ? "public, max-age=86400" : "no-cache");
            if (!request.getMethod().equals("HEAD")) {
                in.transferTo(response.getOutputStream());
            }
        }
    }
}
