package dev.payments.merchant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A tenant of the API. Only the SHA-256 digest of its API key is stored. */
@Entity
@Table(name = "merchants")
public class Merchant extends PanacheEntityBase {

    @Id
    public String id;

    public String name;

    @Column(name = "api_key_sha256")
    public String apiKeySha256;

    public boolean demo;
}
