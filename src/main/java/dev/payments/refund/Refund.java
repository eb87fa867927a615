package dev.payments.refund;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A refund as stored, read through Hibernate for GET, and the model RefundStore's phase statements
 * read and write (the table's one model); written only by them: inserted
 * {@code pending}, finished once (a database trigger refuses any other change and moves the
 * payment's refund amounts), never deleted.
 */
@Entity
@Table(name = "refunds")
// named, so parsed once at start-up; the page after a cursor as in Payment
@NamedQuery(name = Refund.OF_MERCHANT, query = "from Refund where id = :id and merchantId = :merchantId")
@NamedQuery(name = Refund.OF_PAYMENT, query = "from Refund where id = :id and paymentId = :paymentId")
@NamedQuery(name = Refund.PAGE, query = "from Refund where paymentId = :paymentId order by createdAt desc, id desc")
@NamedQuery(name = Refund.PAGE_AFTER, query = """
        from Refund where paymentId = :paymentId and (createdAt, id) < (:createdAt, :id)
        order by createdAt desc, id desc""")
@Immutable
public class Refund extends PanacheEntityBase {

    static final String OF_MERCHANT = "Refund.ofMerchant";
    static final String OF_PAYMENT = "Refund.ofPayment";
    static final String PAGE = "Refund.page";
    static final String PAGE_AFTER = "Refund.pageAfter";

    @Id
    public UUID id;

    @Column(name = "payment_id")
    public UUID paymentId;

    @Column(name = "merchant_id")
    public String merchantId;

    /** Minor units of {@link #currency}, the payment's. */
    public long amount;

    public String currency;

    public RefundStatus status;

    /** requested_by_customer, duplicate, fraudulent, or none. */
    public String reason;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> metadata;

    @Column(name = "created_at")
    public Instant createdAt;

    /** The processor's idempotency key for this refund. */
    @Column(name = "processor_key")
    public String processorKey;

    @Column(name = "processor_refund_id")
    public String processorRefundId;

    /** Why the processor failed it. */
    @Column(name = "failure_code")
    public String failureCode;

    /** The Idempotency-Key that created the refund. */
    @Column(name = "idempotency_key")
    public String idempotencyKey;
}
