package tokenbroker.api;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.regex.Pattern;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.caller.CallerRegistry;
import tokenbroker.config.CallerSpec;

/**
 * Decides whether a request may have a resource: the caller's secret (when callers are configured), then the
 * resource's existence, then the caller's right to it. Shared by every token endpoint.
 */
@ApplicationScoped
public class ResourceGate {

    private static final Pattern PRINTABLE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final CallerRegistry callers;
    private final TokenCache cache;

    ResourceGate(CallerRegistry callers, TokenCache cache) {
        this.callers = callers;
        this.cache = cache;
    }

    /** The caller presenting {@code secret}, {@code null} in open mode; 401 when the secret is unknown. */
    public CallerSpec caller(String secret) {
        if (callers.open()) {
            return null;
        }
        CallerSpec caller = callers.authenticate(secret);
        if (caller == null) {
            throw new ApiError(401, "invalid_caller", "a valid caller secret is required in the X-IDENTITY-HEADER header");
        }
        return caller;
    }

    /** The slot of {@code resource} if {@code caller} may have it: 404 or 403 otherwise. */
    public TokenSlot slot(CallerSpec caller, String resource) {
        TokenSlot slot = resource == null ? null : cache.slot(resource);
        if (slot == null) {
            throw new ApiError(404, "unknown_resource", "no resource named " + printable(resource) + " is configured");
        }
        if (caller != null && !caller.mayHave(resource)) {
            throw new ApiError(403, "access_denied", "caller " + caller.name() + " may not have resource " + resource);
        }
        return slot;
    }

    /** A requested name is echoed only when it is plainly a name: never control characters or markup. */
    static String printable(String name) {
        return name != null && PRINTABLE_NAME.matcher(name).matches() ? "'" + name + "'" : "like that";
    }
}
