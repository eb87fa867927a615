package dev.payments.payment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
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
 */
@Entity
@Table(name = "payments")
@Immutable
public class Payment extends PanacheEntityBase {

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

    /** What remains refundable: captured, less what is refunded or held back by pending refunds. */
    public long refundable() {
        return amountCaptured - amountRefunded - amountRefundPending;
    }
}
