package dev.payments.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code payments.demo}: whether this deployment is a demo (demo.DemoSettings refuses demo settings in production without it). */
@ConfigMapping(prefix = "payments")
public interface DemoConfig {
    /**
     * Says this is a demo, so that demo settings are allowed outside dev and test (with a warning
     * each) and Swagger UI is served. Never set it for anything real.
     */
    @WithDefault("false")
    boolean demo();
}
