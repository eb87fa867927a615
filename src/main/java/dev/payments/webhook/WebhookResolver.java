package dev.payments.webhook;

import io.netty.resolver.DefaultHostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a webhook URL's host without blocking a thread, within
 * {@code payments.webhooks.dns-timeout} (2 s): an address written in the URL as it is, a name of the
 * hosts file from it, any other name by asking the DNS server ({@code payments.webhooks.dns-server},
 * else the machine's first) for its A and AAAA records at once, with Vert.x's DNS client. A merchant
 * that registers names under a DNS server it controls, and answers slowly or never, holds nothing
 * but a pending query: no worker thread, no delivery thread, and never past the limit. Search
 * domains are not applied, so a short name does not reach the cluster's own.
 */
@ApplicationScoped
public class WebhookResolver {

    private final Vertx vertx;
    private final DnsClient dns;
    private final long timeoutMillis;
    private final DefaultHostsFileEntriesResolver hostsFile = new DefaultHostsFileEntriesResolver();

    WebhookResolver(Vertx vertx, WebhooksConfig config) {
        this.vertx = vertx;
        this.timeoutMillis = config.dnsTimeout().toMillis();
        InetSocketAddress server = config.dnsServer().map(WebhookResolver::address)
                .orElseGet(() -> DnsServerAddressStreamProviders.platformDefault().nameServerAddressStream("").next());
        this.dns = vertx.createDnsClient(new DnsClientOptions().setHost(server.getHostString()).setPort(server.getPort())
                // a little past the limit, so that a query unanswered at the limit is reported as late
                .setQueryTimeout(timeoutMillis + 500).setRecursionDesired(true));
    }

    /**
     * A webhook URL checked (WebhookUrls): its syntax, then what its host resolves to, within the
     * time limit. Fails only with WebhookUrls.Refused, whose message a merchant can act on.
     */
    Future<WebhookUrls.Target> check(WebhookUrls urls, String url) {
        java.net.URI uri;
        try {
            uri = urls.parse(url);
        } catch (WebhookUrls.Refused e) {
            return Future.failedFuture(e);
        }
        return resolve(WebhookUrls.host(uri)).compose(addresses -> {
            try {
                return Future.succeededFuture(urls.check(uri, addresses));
            } catch (WebhookUrls.Refused e) {
                return Future.failedFuture(e);
            }
        });
    }

    /**
     * The host's addresses (its A records, then its AAAA ones), or, within the time limit, a
     * WebhookUrls.Refused saying it has none or that no answer came in time.
     */
    Future<List<InetAddress>> resolve(String host) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                return Future.succeededFuture(List.of(InetAddress.getByAddress(literal)));
            } catch (UnknownHostException e) {
                return Future.failedFuture(new WebhookUrls.Refused("host " + host + " does not resolve"));
            }
        }
        List<InetAddress> fromHostsFile = hostsFile.addresses(host, ResolvedAddressTypes.IPV4_PREFERRED);
        if (fromHostsFile != null && !fromHostsFile.isEmpty()) {
            return Future.succeededFuture(List.copyOf(fromHostsFile));
        }
        Promise<List<InetAddress>> resolved = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, id -> resolved.tryFail(
                new WebhookUrls.Refused("host " + host + " does not resolve in time (" + timeoutMillis + " ms)")));
        Future<List<String>> v4 = dns.resolveA(host).recover(failure -> Future.succeededFuture(List.of()));
        Future<List<String>> v6 = dns.resolveAAAA(host).recover(failure -> Future.succeededFuture(List.of()));
        Future.join(v4, v6).onComplete(both -> {
            vertx.cancelTimer(timer);
            List<InetAddress> addresses = new ArrayList<>();
            for (String address : concat(v4.result(), v6.result())) {
                byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
                if (bytes != null) {
                    try {
                        addresses.add(InetAddress.getByAddress(host, bytes));
                    } catch (UnknownHostException e) {
                        // not an address: skipped
                    }
                }
            }
            if (addresses.isEmpty()) {
                // no record, no answer (each query's own timeout), or no server: the same to a merchant
                resolved.tryFail(new WebhookUrls.Refused("host " + host + " does not resolve"));
            } else {
                resolved.tryComplete(addresses);
            }
        });
        return resolved.future();
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first == null ? List.of() : first);
        all.addAll(second == null ? List.of() : second);
        return all;
    }

    /** host:port, or a host alone (port 53). */
    private static InetSocketAddress address(String server) {
        int colon = server.lastIndexOf(':');
        return colon > 0 && !server.endsWith("]") && server.indexOf(':') == colon
                ? InetSocketAddress.createUnresolved(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)))
                : InetSocketAddress.createUnresolved(server, 53);
    }
}
