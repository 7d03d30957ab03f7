package tokenbroker.health;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * One readiness check's answer, built entry by entry with the rule every check of the broker shares: UP while every
 * required entry is fine, an optional entry named as such and never holding the check down. Values are states,
 * instants and error descriptions: never a token.
 */
public final class ReadyReport {

    private final HealthCheckResponseBuilder response;
    private boolean up = true;

    private ReadyReport(String check) {
        this.response = HealthCheckResponse.named(check);
    }

    public static ReadyReport named(String check) {
        return new ReadyReport(check);
    }

    /** An entry {@code name} in {@code state}; a required one that is not {@code fine} holds the check DOWN. */
    public ReadyReport entry(String name, String state, boolean required, boolean fine) {
        up &= fine || !required;
        response.withData(name, state + (required ? "" : " (optional)"));
        return this;
    }

    /** A detail of an entry ({@code name.key}), left out when there is none. */
    public ReadyReport detail(String name, String key, String value) {
        if (value != null) {
            response.withData(name + "." + key, value);
        }
        return this;
    }

    /** A numeric detail of an entry ({@code name.key}). */
    public ReadyReport detail(String name, String key, long value) {
        response.withData(name + "." + key, value);
        return this;
    }

    public HealthCheckResponse build() {
        return response.status(up).build();
    }
}
