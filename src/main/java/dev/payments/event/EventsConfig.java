package dev.payments.event;

import dev.payments.config.RetentionCleanup;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How long events are kept, and their purge: {@code payments.events.*}. */
@ConfigMapping(prefix = "payments.events")
public interface EventsConfig extends RetentionCleanup {

    /**
     * How long events are kept (GET /events, redelivery). 30 days covers a merchant's monthly
     * reconciliation and any webhook retry schedule.
     */
    @Override
    @WithDefault("30d")
    Duration retention();
}
