package dev.payments.clientcheck;

import dev.payments.client.ApiClient;
import dev.payments.client.ApiException;
import dev.payments.client.ApiResponse;
import dev.payments.client.api.PaymentsApi;
import dev.payments.client.model.CreatePaymentRequest;
import dev.payments.client.model.Payment;
import dev.payments.client.model.PaymentList;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Uses the client generated from the served OpenAPI document, unedited, for the lost-response
 * story: create, retry with the same key (same payment), change the body (422).
 * Usage: ClientSmoke <base url> <api key>
 */
public final class ClientSmoke {

    public static void main(String[] args) throws Exception {
        ApiClient client = new ApiClient();
        client.updateBaseUri(URI.create(args[0]).toString());
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + args[1]));
        PaymentsApi payments = new PaymentsApi(client);

        String key = "generated-client-" + UUID.randomUUID();
        CreatePaymentRequest request = new CreatePaymentRequest()
                .amount(2500L).currency("eur").paymentMethod(CreatePaymentRequest.PaymentMethodEnum.PM_CARD_VISA).description("generated client")
                .metadata(Map.of("order_id", "1001"));

        ApiResponse<Payment> first = payments.createPaymentWithHttpInfo(key, request);
        check(first.getStatusCode() == 201, "create: 201, got " + first.getStatusCode());
        check("EUR".equals(first.getData().getCurrency()), "currency upper-cased");

        ApiResponse<Payment> retry = payments.createPaymentWithHttpInfo(key, request);
        check(retry.getStatusCode() == 201, "retry: 201");
        check(List.of("true").equals(retry.getHeaders().get("idempotent-replayed")), "retry is marked replayed");
        check(first.getData().getId().equals(retry.getData().getId()), "retry returns the same payment");

        Payment read = payments.getPayment(first.getData().getId().toString());
        check(read.getAmount() == 2500L, "get returns the payment");
        PaymentList page = payments.listPayments(1, null);
        check(page.getData().size() == 1 && Boolean.TRUE.equals(page.getHasMore()), "list pages");

        try {
            payments.createPayment(key, request.amount(9900L));
            check(false, "a changed body with the same key must fail");
        } catch (ApiException e) {
            check(e.getCode() == 422, "changed body: 422, got " + e.getCode());
        }
        System.out.println("generated client: create, replay, get, list and 422 all behave as documented");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
