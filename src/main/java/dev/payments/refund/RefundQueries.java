package dev.payments.refund;

import dev.payments.payment.PaymentQueries;
import dev.payments.problem.Problems;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** GET /refunds/{id} and GET /payments/{id}/refunds, read through Hibernate. */
@ApplicationScoped
@Transactional(Transactional.TxType.SUPPORTS)
public class RefundQueries {

    private final PaymentQueries payments;

    RefundQueries(PaymentQueries payments) {
        this.payments = payments;
    }

    public Optional<RefundResponse> find(String merchantId, UUID id) {
        return Refund.<Refund>find("#" + Refund.OF_MERCHANT, Parameters.with("id", id).and("merchantId", merchantId))
                .firstResultOptional()
                .map(RefundResponse::of);
    }

    /** The payment's refunds, newest first, after {@code startingAfter} if given; 404 if the payment is not the merchant's. */
    public RefundList list(String merchantId, UUID paymentId, int limit, UUID startingAfter) {
        if (payments.find(merchantId, paymentId).isEmpty()) {
            throw Problems.notFound("No payment " + paymentId + " for this merchant.");
        }
        List<Refund> page;
        if (startingAfter == null) {
            page = Refund.<Refund>find("#" + Refund.PAGE, Parameters.with("paymentId", paymentId))
                    .range(0, limit)
                    .list();
        } else {
            Refund cursor = Refund.<Refund>find("#" + Refund.OF_PAYMENT,
                            Parameters.with("id", startingAfter).and("paymentId", paymentId))
                    .firstResultOptional()
                    .orElseThrow(() -> Problems.validation("starting_after", "no such refund of this payment"));
            page = Refund.<Refund>find("#" + Refund.PAGE_AFTER, Parameters.with("paymentId", paymentId)
                            .and("createdAt", cursor.createdAt).and("id", cursor.id))
                    .range(0, limit)
                    .list();
        }
        boolean hasMore = page.size() > limit;
        return new RefundList(page.stream().limit(limit).map(RefundResponse::of).toList(), hasMore);
    }
}
