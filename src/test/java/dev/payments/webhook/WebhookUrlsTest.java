package dev.payments.webhook;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Only global unicast addresses, as IANA's special-purpose registries define them, on the allowed
 * ports; and a refusal never says what a name resolved to. Plain unit tests: address literals and
 * localhost need no DNS.
 */
class WebhookUrlsTest {

    private final WebhookUrls production = new WebhookUrls(false, Set.of(443, 8443));

    @Test
    void specialPurposeAddressesAreRefused() throws Exception {
        for (String address : List.of("192.88.99.1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1",
                "192.0.0.8", "0.1.2.3", "100.64.0.1", "240.0.0.1", "255.255.255.255", "64:ff9b:1::a00:1", "2001::1",
                "2001:db8::1", "3fff::1", "100::1", "::8.8.8.8", "5f00::1", "64:ff9b::a00:1", "2002:a00:1::",
                "fd00::1", "fe80::1", "ff02::1")) {
            assertNotNull(WebhookUrls.forbidden(InetAddress.getByName(address)), address);
        }
    }

    @Test
    void globalUnicastAddressesPass() throws Exception {
        for (String address : List.of("8.8.8.8", "1.1.1.1", "192.31.196.1", "2606:4700:4700::1111", "2a00:1450:4001::1",
                "64:ff9b::808:808", "2002:808:808::1")) {
            assertNull(WebhookUrls.forbidden(InetAddress.getByName(address)), address);
        }
    }

    @Test
    void theReportedUrlsAreRefused() {
        for (String url : List.of("https://[64:ff9b:1::a00:1]/", "https://[2001::1]/", "https://192.88.99.1/",
                "https://[::ffff:8.8.8.8]/", "https://[::ffff:10.0.0.1]/")) {
            WebhookUrls.Refused refused = assertThrows(WebhookUrls.Refused.class, () -> check(production, url), url);
            assertTrue(refused.getMessage().endsWith("webhooks go to public addresses only"), refused.getMessage());
        }
    }

    @Test
    void onlyTheAllowedPorts() throws Exception {
        assertEquals(443, check(production, "https://1.1.1.1/hook").port());
        assertEquals(8443, check(production, "https://1.1.1.1:8443/hook").port());
        for (String url : List.of("https://1.1.1.1:8080/hook", "https://1.1.1.1:22/", "https://1.1.1.1:6443/")) {
            WebhookUrls.Refused refused = assertThrows(WebhookUrls.Refused.class, () -> check(production, url), url);
            assertTrue(refused.getMessage().endsWith("webhooks go to ports 443, 8443"), refused.getMessage());
        }
        // a receiver on the developer's machine, where allow-insecure-local admits it: any port
        assertEquals(18080, check(new WebhookUrls(true, Set.of(443)), "http://127.0.0.1:18080/hook").port());
    }

    @Test
    void aRefusedNameDoesNotSayWhereItResolves() {
        WebhookUrls.Refused refused = assertThrows(WebhookUrls.Refused.class, () -> check(production, "https://localhost/hook"));
        assertFalse(refused.getMessage().contains("127.0.0.1") || refused.getMessage().contains("::1")
                || refused.getMessage().contains("loopback"), refused.getMessage());
        assertTrue(refused.getMessage().contains("localhost"), refused.getMessage());
    }

    /** What WebhookResolver does, done here with the JVM's resolver: the tests' hosts are literals and localhost. */
    private static WebhookUrls.Target check(WebhookUrls urls, String url) throws WebhookUrls.Refused {
        java.net.URI uri = urls.parse(url);
        List<InetAddress> addresses;
        try {
            addresses = List.of(InetAddress.getAllByName(WebhookUrls.host(uri)));
        } catch (java.net.UnknownHostException e) {
            addresses = List.of();
        }
        return urls.check(uri, addresses);
    }
}
