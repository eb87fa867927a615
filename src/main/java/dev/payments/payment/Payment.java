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
 * A payment as stored, read through Hibernate; written only by PaymentStore: inserted
 * {@code processing}, finished once (a database trigger refuses any other change), never deleted.
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
}
