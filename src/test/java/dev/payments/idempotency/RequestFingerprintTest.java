package dev.payments.idempotency;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.payments.payment.CreatePaymentRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The fingerprint's schemes, as plain functions: what counts as the same request, across releases. */
public class RequestFingerprintTest {

    private final ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private final RequestFingerprint fingerprints = new RequestFingerprint(json);

    /**
     * Computed by the release before scheme 2 (commit 7bfd973, RequestFingerprint as it was then)
     * for these two requests: a client's retry across the deploy sends them again.
     */
    public static final String V1_FULL = "b581dbdf6b4ba1f7c594d83391ebbe13113ba7975bb899bea8afa22042677f5f";
    static final String V1_MINIMAL = "8739da6bff2f4f88e04103c10f8e81694a4fe2a8d9a48d690a90f774abca8957";

    static CreatePaymentRequest full() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("order_id", "1001");
        metadata.put("channel", "web");
        return new CreatePaymentRequest(2500L, "eur", "pm_card_visa", "Order 1001", metadata, null);
    }

    static CreatePaymentRequest minimal() {
        return new CreatePaymentRequest(2500L, "EUR", "pm_card_visa", null, null, null);
    }

    @Test
    void schemeOneIsReproducedExactlyFromTheFixedFieldList() {
        assertEquals(V1_FULL, fingerprints.legacyV1("POST", "/payments", full().legacyV1Fields()));
        assertEquals(V1_MINIMAL, fingerprints.legacyV1("POST", "/payments", minimal().legacyV1Fields()));
    }

    @Test
    void storedSchemeOneRowsCompareBySchemeOne() {
        String current = fingerprints.of("POST", "/payments", full().normalized());
        StoredKey v1Row = new StoredKey(V1_FULL, RequestFingerprint.LEGACY_SCHEME, null, null, Optional.empty(), false);
        assertTrue(fingerprints.sameRequest(v1Row, current,
                () -> fingerprints.legacyV1("POST", "/payments", full().legacyV1Fields())));
        assertFalse(fingerprints.sameRequest(v1Row, current,
                () -> fingerprints.legacyV1("POST", "/payments", minimal().legacyV1Fields())));
        StoredKey v2Row = new StoredKey(current, RequestFingerprint.CURRENT_SCHEME, null, null, Optional.empty(), false);
        assertTrue(fingerprints.sameRequest(v2Row, current, () -> fail("scheme 1 is not needed for a scheme 2 row")));
    }

    @Test
    void schemeTwoIsTheCanonicalFormOfTheNormalizedRequest() {
        // the documented form, by hand: members sorted, nulls left out, currency upper-case
        String canonical = "{\"amount\":2500,\"currency\":\"EUR\",\"description\":\"Order 1001\","
                + "\"metadata\":{\"channel\":\"web\",\"order_id\":\"1001\"},\"payment_method\":\"pm_card_visa\"}";
        assertEquals(sha256("POST /payments\n" + canonical), fingerprints.of("POST", "/payments", full().normalized()));
    }

    @Test
    void currencyCaseKeyOrderAbsentAndNullAndEmptyMetadataAreTheSameRequest() {
        Map<String, String> reordered = new TreeMap<>(java.util.Comparator.reverseOrder());
        reordered.putAll(full().metadata());
        CreatePaymentRequest upper = new CreatePaymentRequest(2500L, "EUR", "pm_card_visa", "Order 1001", reordered, null);
        assertEquals(fingerprint(full()), fingerprint(upper));
        assertEquals(fingerprint(minimal()), fingerprint(new CreatePaymentRequest(2500L, "eur", "pm_card_visa", null, Map.of(), null)));
        assertNotEquals(fingerprint(minimal()), fingerprint(new CreatePaymentRequest(2501L, "EUR", "pm_card_visa", null, null, null)));
        assertNotEquals(fingerprint(minimal()), fingerprint(new CreatePaymentRequest(2500L, "EUR", "pm_card_visa", "", null, null)));
    }

    /** The request type of a later release, with an optional field this one does not have. */
    record LaterCreatePaymentRequest(Long amount, String currency, String paymentMethod, String description,
            Map<String, String> metadata, String statementDescriptor) {
    }

    @Test
    void captureMethodAutomaticIsTheRequestWithoutOneAndManualAnother() {
        CreatePaymentRequest automatic = new CreatePaymentRequest(2500L, "EUR", "pm_card_visa", null, null,
                dev.payments.payment.CaptureMethod.AUTOMATIC);
        CreatePaymentRequest manual = new CreatePaymentRequest(2500L, "EUR", "pm_card_visa", null, null,
                dev.payments.payment.CaptureMethod.MANUAL);
        assertEquals(fingerprint(minimal()), fingerprint(automatic), "the field this release added changes no fingerprint");
        assertEquals(V1_MINIMAL, fingerprints.legacyV1("POST", "/payments", automatic.legacyV1Fields()));
        assertNotEquals(fingerprint(minimal()), fingerprint(manual));
        assertNull(manual.legacyV1Fields(), "no scheme-1 row can name a manual capture");
    }

    @Test
    void anOptionalFieldAddedToTheRequestTypeChangesNoFingerprint() {
        LaterCreatePaymentRequest later = new LaterCreatePaymentRequest(2500L, "EUR", "pm_card_visa", null, null, null);
        assertEquals(fingerprint(minimal()), fingerprints.of("POST", "/payments", later));
        LaterCreatePaymentRequest used = new LaterCreatePaymentRequest(2500L, "EUR", "pm_card_visa", null, null, "ACME");
        assertNotEquals(fingerprint(minimal()), fingerprints.of("POST", "/payments", used));
    }

    @Test
    void canonicalJsonFollowsRfc8785() {
        var tree = json.createObjectNode();
        tree.put("\u20ac", "Euro Sign");
        tree.put("\r", "Carriage Return");
        tree.put("\ufb33", "Hebrew Letter Dalet With Dagesh");
        tree.put("1", "One");
        tree.put("\ud83d\ude00", "Emoji: Grinning Face");
        tree.put("\u0080", "Control");
        tree.put("\u00f6", "Latin Small Letter O With Diaeresis");
        // RFC 8785 section 3.2.3: sorted by UTF-16 code units
        assertEquals("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\","
                + "\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
                CanonicalJson.of(tree));
        var strings = json.createArrayNode().add("\u0000\u001f\"\\/\b\f\n\t\u2028").add(9007199254740992L).add(-1).add(true).addNull();
        assertEquals("[\"\\u0000\\u001f\\\"\\\\/\\b\\f\\n\\t\u2028\",9007199254740992,-1,true,null]", CanonicalJson.of(strings));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.of(json.createArrayNode().add(1.5)));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.of(json.createArrayNode().add(9007199254740993L)));
        assertThrows(IllegalArgumentException.class, () -> CanonicalJson.of(json.createArrayNode().add("\ud800")));
    }

    private String fingerprint(CreatePaymentRequest request) {
        return fingerprints.of("POST", "/payments", request.normalized());
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
