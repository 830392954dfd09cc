package org.aitbc.coordinator.infrastructure.webhooks;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookUrlsTest {
    /** Names resolve from this table only: no test depends on the network's DNS. */
    private static final Map<String, String> NAMES = Map.of(
            "hooks.example.com", "93.184.216.34",
            "inside.example.com", "10.1.2.3",
            "rebind.example.com", "169.254.169.254",
            "v6.example.com", "2606:2800:220:1:248:1893:25c8:1946",
            "ula.example.com", "fd00:ec2::254");

    private static final WebhookUrls.Resolver FAKE = host -> {
        String ip = NAMES.get(host);
        if (ip == null) {
            if (host.matches("[0-9.]+|.*:.*")) {
                return new InetAddress[] {InetAddress.getByName(host)};
            }
            throw new UnknownHostException(host);
        }
        return new InetAddress[] {InetAddress.getByName(ip)};
    };

    private static String problem(String url, String... allowed) {
        return WebhookUrls.problem(url, Set.of(allowed), FAKE);
    }

    @Test
    void httpsToAPublicAddressIsAccepted() {
        assertNull(problem("https://hooks.example.com/aitbc?token=x"));
        assertNull(problem("https://hooks.example.com:8443/in"));
        assertNull(problem("https://v6.example.com/"));
        assertNull(problem("https://93.184.216.34/"));
    }

    @Test
    void plainHttpOnlyToAllowedHosts() {
        assertTrue(problem("http://hooks.example.com/").contains("https"));
        assertNull(problem("http://127.0.0.1:9999/hook", "127.0.0.1"));
        assertNull(problem("http://inside.example.com/", "inside.example.com"));
    }

    @Test
    void privateLoopbackLinkLocalAndMetadataAddressesAreRefused() {
        for (String url : new String[] {
            "https://127.0.0.1/",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:10.0.0.1]/",
            "https://inside.example.com/",
            "https://rebind.example.com/",
            "https://ula.example.com/",
            "https://metadata.google.internal/computeMetadata/v1/"
        }) {
            assertNotNull(problem(url), url + " must be refused");
        }
        // Unless the operator allows that host.
        assertNull(problem("https://inside.example.com/", "inside.example.com"));
        assertNull(problem("https://[::1]/", "::1"));
    }

    @Test
    void malformedOrUnresolvableUrlsAreRefused() {
        assertNotNull(problem("ftp://hooks.example.com/"));
        assertNotNull(problem("hooks.example.com/in"));
        assertNotNull(problem("https:///nohost"));
        assertNotNull(problem("https://user:pw@hooks.example.com/"));
        assertNotNull(problem("https://nowhere.invalid/"));
        assertNotNull(problem("https://hooks.example.com/" + "a".repeat(WebhookUrls.MAX_LENGTH)));
        assertNotNull(problem("https://exa mple.com/"));
    }
}
