package dev.payments.payment;

import dev.payments.problem.Problems;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** GET /payments and GET /payments/{id}: the merchant's payments, read through Hibernate. */
@ApplicationScoped
@Transactional(Transactional.TxType.SUPPORTS)
public class PaymentQueries {

    public Optional<PaymentResponse> find(String merchantId, UUID id) {
        return Payment.<Payment>find("#" + Payment.OF_MERCHANT, Parameters.with("id", id).and("merchantId", merchantId))
                .firstResultOptional()
                .map(PaymentResponse::of);
    }

    /** The merchant's payments, newest first, after {@code startingAfter} if given. */
    public PaymentList list(String merchantId, int limit, UUID startingAfter) {
        List<Payment> page;
        if (startingAfter == null) {
            page = Payment.<Payment>find("#" + Payment.PAGE, Parameters.with("merchantId", merchantId))
                    .range(0, limit)
                    .list();
        } else {
            Payment cursor = Payment.<Payment>find("#" + Payment.OF_MERCHANT,
                            Parameters.with("id", startingAfter).and("merchantId", merchantId))
                    .firstResultOptional()
                    .orElseThrow(() -> Problems.validation("starting_after", "no such payment"));
            page = Payment.<Payment>find("#" + Payment.PAGE_AFTER, Parameters.with("merchantId", merchantId)
                            .and("createdAt", cursor.createdAt).and("id", cursor.id))
                    .range(0, limit)
                    .list();
        }
        boolean hasMore = page.size() > limit;
        List<PaymentResponse> data = page.stream().limit(limit).map(PaymentResponse::of).toList();
        return new PaymentList(data, hasMore);
    }
}
