package dev.payments.merchant;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** Who may call, and how much: {@code payments.demo-merchants}, {@code payments.auth.*}, {@code payments.rate-limit.*}. */
@ConfigMapping(prefix = "payments")
public interface MerchantsConfig {

    /**
     * Registers the demo merchants acme (key sk_test_acme) and globex (sk_test_globex). Off by
     * default so that a production deployment never accepts published keys; on in dev and test.
     */
    @WithDefault("false")
    boolean demoMerchants();

    Auth auth();

    RateLimit rateLimit();

    interface Auth {
        /**
         * How long an API key's answer (its merchant, or that it is nobody's) is trusted without
         * asking the database again. A minute saves a query per request; revoking a key takes
         * effect within it.
         */
        @WithDefault("60s")
        Duration cacheTtl();
    }

    interface RateLimit {
        /**
         * Requests per second a merchant may make, sustained (a token bucket refilled at this
         * rate). Generous: 100/s is Stripe's live-mode default; it exists so that one merchant's
         * runaway client cannot take the capacity all merchants share.
         */
        @WithDefault("100")
        int requestsPerSecond();

        /** Requests a merchant may make at once above the sustained rate: absorbs bursts such as batch jobs. */
        @WithDefault("200")
        int burst();

        /**
         * Per-merchant sustained rates, by merchant id ({@code payments.rate-limit.merchants.initech=500});
         * the burst of such a merchant is twice its rate.
         */
        Map<String, Integer> merchants();
    }
}
