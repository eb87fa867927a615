package dev.payments.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where a webhook may be sent (server-side request forgery: a merchant must not make the service
 * POST into its own network). A URL must be https, to a port of {@code payments.webhooks.allowed-ports}
 * (443 and 8443), and its host must resolve only to global unicast addresses, as IANA's
 * special-purpose address registries define them: IPv4 outside loopback, private, shared,
 * link-local (where the clouds' metadata service lives), documentation, benchmarking, the 6to4
 * relay, multicast and reserved blocks; IPv6 in 2000::/3 outside its special blocks (Teredo,
 * documentation, ...), or NAT64's well-known prefix carrying such an IPv4 address. An IPv4 address
 * written as IPv4-mapped IPv6 is refused. Checked when an endpoint is registered and again before
 * each delivery, which then connects to the address checked (a name that resolves elsewhere a
 * moment later is not asked again). A refusal never says which address a name resolved to: that
 * would map the network for whoever asks. {@code payments.webhooks.allow-insecure-local} also
 * admits http, loopback and any port there, for a receiver on the developer's machine.
 */
@ApplicationScoped
public class WebhookUrls {

    private final boolean allowInsecureLocal;
    private final Set<Integer> allowedPorts;

    @Inject
    WebhookUrls(WebhooksConfig config) {
        this(config.allowInsecureLocal(), config.allowedPorts());
    }

    WebhookUrls(boolean allowInsecureLocal, Set<Integer> allowedPorts) {
        this.allowInsecureLocal = allowInsecureLocal;
        this.allowedPorts = Set.copyOf(allowedPorts);
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

    /** The URL's host as a resolver takes it: an IPv6 literal without its brackets. */
    public static String host(URI uri) {
        return uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    }

    /**
     * The URL and the address to deliver to, given what its host resolved to (WebhookResolver): the
     * first address, provided that every one of them is allowed (a name with one private address
     * among public ones is refused: which one a client picks is not ours to know).
     */
    public Target check(URI uri, List<InetAddress> addresses) throws Refused {
        boolean literal = uri.getHost().startsWith("[") || IPV4_LITERAL.matcher(uri.getHost()).matches();
        String host = host(uri);
        if (addresses.isEmpty()) {
            throw new Refused("host " + host + " does not resolve");
        }
        boolean loopbackOnly = true;
        for (InetAddress address : addresses) {
            loopbackOnly &= address.isLoopbackAddress();
            String forbidden = uri.getHost().startsWith("[") && address instanceof Inet4Address
                    ? "an IPv4-mapped IPv6 address"
                    : forbidden(address);
            if (forbidden != null && !(allowInsecureLocal && address.isLoopbackAddress())) {
                // a literal is the merchant's own words; what a name resolves to is not theirs to learn
                throw new Refused(literal
                        ? host + " is " + forbidden + "; webhooks go to public addresses only"
                        : "host " + host + " does not resolve to public addresses only; webhooks go to public addresses only");
            }
        }
        if ("http".equalsIgnoreCase(uri.getScheme()) && !loopbackOnly) {
            throw new Refused("must use https (http is allowed for loopback receivers only)");
        }
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        if (!allowedPorts.contains(port) && !(allowInsecureLocal && loopbackOnly)) {
            throw new Refused("port " + port + " is not allowed; webhooks go to ports "
                    + allowedPorts.stream().sorted().map(String::valueOf).collect(Collectors.joining(", ")));
        }
        return new Target(uri, addresses.get(0));
    }

    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9.]+|0[xX][0-9a-fA-F]+");

    /** Why this address is not global unicast, or null if it is. */
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
            for (Block block : IPV4_SPECIAL) {
                if (block.contains(bytes)) {
                    return block.what();
                }
            }
            return null;
        }
        if ((bytes[0] & 0xfe) == 0xfc) {
            return "a private (unique local) address";
        }
        if ((bytes[0] & 0xe0) != 0x20 && !isNat64(bytes)) {
            return "not a global unicast IPv6 address (outside 2000::/3)";
        }
        InetAddress embedded = embeddedIpv4(bytes);
        if (embedded != null) {
            String inner = forbidden(embedded);
            return inner == null ? null : inner + " in an IPv6 address";
        }
        for (Block block : IPV6_SPECIAL) {
            if (block.contains(bytes)) {
                return block.what();
            }
        }
        return null;
    }

    /** An address block: its first bytes, how many bits of them count, and what it is. */
    private record Block(byte[] prefix, int bits, String what) {
        static Block of(String cidr, String what) {
            try {
                String[] parts = cidr.split("/");
                return new Block(InetAddress.getByName(parts[0]).getAddress(), Integer.parseInt(parts[1]), what);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(cidr, e);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((address[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** IANA's IPv4 special-purpose blocks that are not globally reachable (the rest of them, above). */
    private static final List<Block> IPV4_SPECIAL = List.of(
            Block.of("0.0.0.0/8", "a reserved address"),
            Block.of("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
            Block.of("192.0.0.0/24", "a reserved address"),
            Block.of("192.0.2.0/24", "a documentation address"),
            Block.of("192.88.99.0/24", "a 6to4 relay address"),
            Block.of("198.18.0.0/15", "a benchmarking address"),
            Block.of("198.51.100.0/24", "a documentation address"),
            Block.of("203.0.113.0/24", "a documentation address"),
            Block.of("240.0.0.0/4", "a reserved address"));

    /** IANA's IPv6 special-purpose blocks inside 2000::/3, and NAT64's local-use prefix. */
    private static final List<Block> IPV6_SPECIAL = List.of(
            Block.of("2001::/23", "an IETF protocol address (Teredo and others)"),
            Block.of("2001:db8::/32", "a documentation address"),
            Block.of("3fff::/20", "a documentation address"));

    /** NAT64's well-known prefix, 64:ff9b::/96: globally reachable, to the IPv4 address it carries. */
    private static boolean isNat64(byte[] v6) {
        if (!(v6[0] == 0 && v6[1] == 0x64 && (v6[2] & 0xff) == 0xff && (v6[3] & 0xff) == 0x9b)) {
            return false;
        }
        for (int i = 4; i < 12; i++) {
            if (v6[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The IPv4 address inside an IPv6 one that reaches it (NAT64 64:ff9b::/96, 6to4 2002::/16).
     * (IPv4-mapped addresses are returned by Java as IPv4 already; IPv4-compatible ones are outside
     * 2000::/3, refused.)
     */
    private static InetAddress embeddedIpv4(byte[] v6) {
        try {
            if (isNat64(v6)) {
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
