package dev.payments.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where a webhook may be sent (server-side request forgery: a merchant must not make the service
 * POST into its own network). A URL must be https and its host must resolve only to public
 * addresses: not loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
 * which holds the clouds' metadata service, fe80::/10), shared (100.64/10), unspecified, multicast
 * or reserved. Checked when an endpoint is registered and again before each delivery, which then
 * connects to the address checked (a name that resolves elsewhere a moment later is not asked
 * again). {@code payments.webhooks.allow-insecure-local} also admits http and loopback, for a
 * receiver on the developer's machine.
 */
@ApplicationScoped
public class WebhookUrls {

    private final boolean allowInsecureLocal;

    @Inject
    WebhookUrls(WebhooksConfig config) {
        this(config.allowInsecureLocal());
    }

    WebhookUrls(boolean allowInsecureLocal) {
        this.allowInsecureLocal = allowInsecureLocal;
    }

    /** A URL that passed the checks, and the address a delivery connects to. */
    public record Target(URI uri, InetAddress address) {
        public boolean tls() {
            return "https".equals(uri.getScheme());
        }

        public int port() {
            return uri.getPort() != -1 ? uri.getPort() : tls() ? 443 : 80;
        }

        /** The path and query, as the request line carries them. */
        public String requestUri() {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        }
    }

    /** Why a URL is refused, in words a merchant can act on. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** The URL's syntax only (scheme, host, no credentials), without resolving it. */
    public URI parse(String url) throws Refused {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("must be an absolute URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new Refused("must be an absolute URL with a host");
        }
        if (!scheme.equals("https") && !(allowInsecureLocal && scheme.equals("http"))) {
            throw new Refused("must use https");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("must not contain credentials");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("must not contain a fragment");
        }
        return uri;
    }

    /**
     * The URL and the address to deliver to: the first the host resolves to, provided that every
     * one of them is allowed (a name with one private address among public ones is refused: which
     * one a client picks is not ours to know).
     */
    public Target check(String url) throws Refused {
        URI uri = parse(url);
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new Refused("host " + host + " does not resolve");
        }
        boolean loopbackOnly = true;
        for (InetAddress address : addresses) {
            loopbackOnly &= address.isLoopbackAddress();
            String forbidden = forbidden(address);
            if (forbidden != null && !(allowInsecureLocal && address.isLoopbackAddress())) {
                throw new Refused("host " + host + " resolves to " + address.getHostAddress() + ", " + forbidden
                        + "; webhooks go to public addresses only");
            }
        }
        if ("http".equalsIgnoreCase(uri.getScheme()) && !loopbackOnly) {
            throw new Refused("must use https (http is allowed for loopback receivers only)");
        }
        return new Target(uri, addresses[0]);
    }

    /** Why this address is not public, or null if it is. */
    static String forbidden(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (address.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address (where cloud metadata services live)";
        }
        if (address.isSiteLocalAddress()) {
            return "a private address";
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            if (first == 0 || first >= 240) {
                return "a reserved address";
            }
            if (first == 100 && second >= 64 && second < 128) {
                return "a shared (carrier-grade NAT) address";
            }
            if (first == 192 && second == 0 && (bytes[2] & 0xff) == 0 || first == 198 && (second == 18 || second == 19)) {
                return "a reserved address";
            }
            return null;
        }
        if (address instanceof Inet6Address) {
            if ((bytes[0] & 0xfe) == 0xfc) {
                return "a private (unique local) address";
            }
            InetAddress embedded = embeddedIpv4(bytes);
            if (embedded != null) {
                String inner = forbidden(embedded);
                return inner == null ? null : inner + " in an IPv6 address";
            }
        }
        return null;
    }

    /**
     * The IPv4 address inside an IPv6 one that carries one (IPv4-compatible ::a.b.c.d, NAT64
     * 64:ff9b::/96, 6to4 2002::/16), which reaches that IPv4 address. (IPv4-mapped addresses are
     * returned by Java as IPv4 already.)
     */
    private static InetAddress embeddedIpv4(byte[] v6) {
        try {
            boolean zeros = true;
            for (int i = 0; i < 12; i++) {
                zeros &= v6[i] == 0;
            }
            boolean nat64 = v6[0] == 0 && v6[1] == 0x64 && (v6[2] & 0xff) == 0xff && (v6[3] & 0xff) == 0x9b;
            for (int i = 4; nat64 && i < 12; i++) {
                nat64 = v6[i] == 0;
            }
            if (zeros || nat64) {
                return InetAddress.getByAddress(new byte[] {v6[12], v6[13], v6[14], v6[15]});
            }
            if ((v6[0] & 0xff) == 0x20 && v6[1] == 0x02) {
                return InetAddress.getByAddress(new byte[] {v6[2], v6[3], v6[4], v6[5]});
            }
            return null;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
