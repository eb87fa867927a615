package dev.payments.merchant;

import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;

/** The merchant that {@link AuthenticationFilter} authenticated for the current request. */
@RequestScoped
public class CurrentMerchant {

    private static final String KEY = "payments.merchant";

    private final RoutingContext routing;

    CurrentMerchant(RoutingContext routing) {
        this.routing = routing;
    }

    static void set(RoutingContext routing, String merchantId) {
        routing.put(KEY, merchantId);
    }

    public String id() {
        String id = routing.get(KEY);
        if (id == null) {
            throw new IllegalStateException("no authenticated merchant: is the path covered by AuthenticationFilter?");
        }
        return id;
    }
}
