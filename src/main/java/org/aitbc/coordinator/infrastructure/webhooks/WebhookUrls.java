package org.aitbc.coordinator.infrastructure.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * Which URLs a webhook may name, checked when it is registered and again before each delivery
 * (a host's addresses may change after registration). {@code https} to a public address; plain
 * {@code http}, and private, loopback, link-local, carrier-grade NAT, unique-local, multicast and
 * cloud metadata addresses ({@code 169.254.169.254} is link-local) only to a host the operator
 * names in {@code aitbc.webhooks.allowed.hosts}. The host is resolved, so a public name that points
 * inside the network is refused as well.
 */
public final class WebhookUrls {
    public static final int MAX_LENGTH = 2048;

    /** Name resolution, replaceable in unit tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public static final Resolver DNS = InetAddress::getAllByName;

    private WebhookUrls() {}

    /** Why this URL is refused, as the message of a 422 on {@code url}; null when it is acceptable. */
    public static String problem(String url, Set<String> allowedHosts, Resolver resolver) {
        if (url.length() > MAX_LENGTH) {
            return "must be at most " + MAX_LENGTH + " characters";
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "must be an absolute https URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return "must be an absolute https URL";
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            return "must name a host";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not carry a user name or password";
        }
        host = host.toLowerCase(Locale.ROOT);
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean allowed = allowedHosts.contains(host) || allowedHosts.contains(bare);
        if (scheme.equals("http") && !allowed) {
            return "must be https (plain http only to a host in aitbc.webhooks.allowed.hosts)";
        }
        if (allowed) {
            return null;
        }
        if (bare.equals("metadata.google.internal") || bare.equals("metadata")) {
            return "names a cloud metadata service, which is refused";
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            return "names a host that cannot be resolved (" + bare + ")";
        }
        for (InetAddress a : addresses) {
            if (refused(a)) {
                return "reaches " + a.getHostAddress()
                        + ", a private, loopback, link-local or metadata address, which is refused";
            }
        }
        return null;
    }

    /** Addresses inside a network or host rather than on the public internet. */
    public static boolean refused(InetAddress a) {
        if (a.isAnyLocalAddress()
                || a.isLoopbackAddress()
                || a.isLinkLocalAddress()
                || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 // "this network"
                    || first >= 240 // reserved and broadcast
                    || (first == 100 && second >= 64 && second < 128) // carrier-grade NAT
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19)); // benchmarking
        }
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return true; // unique local fc00::/7, AWS's metadata fd00:ec2::254 among them
            }
            boolean v4Mapped = true;
            for (int i = 0; i < 10; i++) {
                v4Mapped &= b[i] == 0;
            }
            if (v4Mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return refused(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }
}
