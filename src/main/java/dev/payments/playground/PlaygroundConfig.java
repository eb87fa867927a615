package dev.payments.playground;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "payments.playground")
public interface PlaygroundConfig {
    /**
     * Serves the playground page at /playground/ (and / sends a browser there): a page on the
     * API's own origin that runs scripts and comes filled in with a demo merchant's key. On in dev
     * mode, the tests and a demo (payments.demo); off in production, which refuses it without
     * payments.demo (demo.DemoSettings).
     */
    @WithDefault("false")
    boolean enabled();
}
