package dev.payments.payment;

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
 * A payment as stored, read through Hibernate; written only by the stores' statements: inserted
 * {@code processing}, then moved along its state machine (a database trigger refuses any other
 * change), never deleted.
 *
 * <p>Its queries are named, so Hibernate parses them once at start-up: parsed on first use, a burst
 * of concurrent first requests each parsed the paging query anew (seconds each on two cores, and
 * once out of a 96 MiB heap). The page after a cursor is a row comparison, which the index on
 * (merchant_id, created_at DESC, id DESC) answers by seeking to the cursor; the same condition
 * spelled {@code createdAt < :c or (createdAt = :c and id < :id)} is a filter over every newer row.
 */
@Entity
@Table(name = "payments")
@NamedQuery(name = Payment.OF_MERCHANT, query = "from Payment where id = :id and merchantId = :merchantId")
@NamedQuery(name = Payment.PAGE, query = "from Payment where merchantId = :merchantId order by createdAt desc, id desc")
@NamedQuery(name = Payment.PAGE_AFTER, query = """
        from Payment where merchantId = :merchantId and (createdAt, id) < (:createdAt, :id)
        order by createdAt desc, id desc""")
@Immutable
public class Payment extends PanacheEntityBase {

    static final String OF_MERCHANT = "Payment.ofMerchant";
    static final String PAGE = "Payment.page";
    static final String PAGE_AFTER = "Payment.pageAfter";

    @Id
    public UUID id;

    @Column(name = "merchant_id")
    public String merchantId;

    /** Minor units of {@link #currency}. */
    public long amount;

    public String currency;

    public PaymentStatus status;

    @Column(name = "decline_code")
    public String declineCode;

    @Column(name = "failure_code")
    public String failureCode;

    @Column(name = "payment_method")
    public String paymentMethod;

    public String description;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> metadata;

    @Column(name = "created_at")
    public Instant createdAt;

    /** The processor's idempotency key for this payment's charge. */
    @Column(name = "processor_key")
    public String processorKey;

    /** The processor's charge, once the outcome is recorded. */
    @Column(name = "processor_charge_id")
    public String processorChargeId;

    /** The Idempotency-Key that created the payment. */
    @Column(name = "idempotency_key")
    public String idempotencyKey;

    /** {@code automatic} or {@code manual} ({@link CaptureMethod}). */
    @Column(name = "capture_method")
    public String captureMethod;

    @Column(name = "amount_capturable")
    public long amountCapturable;

    @Column(name = "amount_captured")
    public long amountCaptured;

    @Column(name = "amount_refunded")
    public long amountRefunded;

    /** Held back by refunds still pending. */
    @Column(name = "amount_refund_pending")
    public long amountRefundPending;

    @Column(name = "canceled_at")
    public Instant canceledAt;

    @Column(name = "cancellation_reason")
    public String cancellationReason;

    /** {@code capture} or {@code cancel} while one is under way. */
    @Column(name = "pending_action")
    public String pendingAction;

    /** The amount to capture, while a capture is under way. */
    @Column(name = "pending_amount")
    public Long pendingAmount;

    /** The reason to cancel with, while a cancel is under way. */
    @Column(name = "pending_reason")
    public String pendingReason;

    /** The Idempotency-Key whose answer the action under way stores; null for the service's own. */
    @Column(name = "pending_key")
    public String pendingKey;

    /** What stands in the way of a capture or a cancel, for a refusal's detail; empty if only the status. */
    String actionObstacle() {
        if (pendingAction != null) {
            return " with a " + pendingAction + " under way";
        }
        if (status == PaymentStatus.SUCCEEDED) {
            return " (captured " + amountCaptured + " " + currency + ")";
        }
        return "";
    }

    /** The action under way is over: nothing is pending any more. */
    void clearPendingAction() {
        pendingAction = null;
        pendingAmount = null;
        pendingReason = null;
        pendingKey = null;
    }

    /** What remains refundable: captured, less what is refunded or held back by pending refunds. */
    public long refundable() {
        return amountCaptured - amountRefunded - amountRefundPending;
    }
}
