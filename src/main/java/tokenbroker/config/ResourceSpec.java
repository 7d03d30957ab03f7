package tokenbroker.config;

import java.util.List;
import java.util.Map;

/**
 * A checked resource: the token that one identity requests with a fixed scope set and extra form parameters.
 *
 * @param required whether readiness waits for it
 */
public record ResourceSpec(String name, IdentitySpec identity, List<String> scopes, Map<String, String> params, boolean required) {

    /** The scopes as the {@code scope} form parameter sends them. */
    public String scope() {
        return String.join(" ", scopes);
    }
}
