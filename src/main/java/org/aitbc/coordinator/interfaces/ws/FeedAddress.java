package org.aitbc.coordinator.interfaces.ws;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Hands the client's address to the feed's handshake: the WebSocket API shows the endpoint the
 * handshake's headers but not the peer, so this filter replaces the {@value #HEADER} header of the
 * handshake request with the address the connection comes from. A client that sends the header
 * itself has it overwritten, so it cannot choose the address it is counted under.
 */
@WebFilter(urlPatterns = "/v1/jobs/ws", asyncSupported = true)
public class FeedAddress extends HttpFilter {
    static final String HEADER = "X-Aitbc-Client-Address";

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String address = request.getRemoteAddr() == null ? "unknown" : request.getRemoteAddr();
        chain.doFilter(
                new HttpServletRequestWrapper(request) {
                    @Override
                    public String getHeader(String name) {
                        return HEADER.equalsIgnoreCase(name) ? address : super.getHeader(name);
                    }

                    @Override
                    public Enumeration<String> getHeaders(String name) {
                        return HEADER.equalsIgnoreCase(name)
                                ? Collections.enumeration(List.of(address))
                                : super.getHeaders(name);
                    }

                    @Override
                    public Enumeration<String> getHeaderNames() {
                        List<String> names = new ArrayList<>();
                        for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements(); ) {
                            String n = e.nextElement();
                            if (!HEADER.equalsIgnoreCase(n)) {
                                names.add(n);
                            }
                        }
                        names.add(HEADER);
                        return Collections.enumeration(names);
                    }
                },
                response);
    }
}
