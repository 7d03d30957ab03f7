package tokenbroker.door;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import tokenbroker.door.dto.ImdsTokenBody;
import tokenbroker.door.dto.ManagedIdentityTokenBody;
import tokenbroker.door.dto.TokenBody;
import tokenbroker.config.ResourceSpec;
import tokenbroker.token.AccessToken;

/**
 * Renders token answers once per token and second, not once per request: the JSON holds {@code expires_in},
 * which changes every second, and nothing else that changes. Serving a cached token then costs a map lookup and
 * a byte copy.
 *
 * <p>One entry per resource and answer shape; the Azure shapes echo the caller's {@code resource} parameter, so
 * an entry is replaced, never added, when another spelling arrives: callers cannot grow the map.
 */
@ApplicationScoped
public class TokenRenderer {

    private enum Shape {
        NATIVE, MSI, IMDS
    }

    private record Rendered(AccessToken token, long second, String requested, byte[] json) {
    }

    private final ObjectMapper json;
    /**
     * By shape, then resource name: no key object per request. Entries are immutable and replaced whole; a lost
     * race renders twice, which is harmless.
     */
    private final Map<Shape, Map<String, Rendered>> rendered = new EnumMap<>(Shape.class);

    TokenRenderer(ObjectMapper json) {
        this.json = json;
        for (Shape shape : Shape.values()) {
            rendered.put(shape, new ConcurrentHashMap<>());
        }
    }

    /** The native API's JSON for {@code token} at {@code nowMillis} (epoch milliseconds: no {@code Instant} made). */
    public byte[] nativeJson(AccessToken token, ResourceSpec resource, long nowMillis) {
        long second = Math.floorDiv(nowMillis, 1000);
        byte[] cached = cached(Shape.NATIVE, resource.name(), token, second, null);
        return cached != null ? cached
                : store(Shape.NATIVE, resource.name(), token, second, null, TokenBody.of(token, resource, Instant.ofEpochSecond(second)));
    }

    public byte[] managedIdentityJson(AccessToken token, ResourceSpec resource, String requested, long nowMillis) {
        long second = Math.floorDiv(nowMillis, 1000);
        byte[] cached = cached(Shape.MSI, resource.name(), token, second, requested);
        return cached != null ? cached : store(Shape.MSI, resource.name(), token, second, requested,
                ManagedIdentityTokenBody.of(token, requested, resource.identity().clientId(), Instant.ofEpochSecond(second)));
    }

    public byte[] imdsJson(AccessToken token, ResourceSpec resource, String requested, long nowMillis) {
        long second = Math.floorDiv(nowMillis, 1000);
        byte[] cached = cached(Shape.IMDS, resource.name(), token, second, requested);
        return cached != null ? cached : store(Shape.IMDS, resource.name(), token, second, requested,
                ImdsTokenBody.of(token, requested, resource.identity().clientId(), Instant.ofEpochSecond(second)));
    }

    /** The bytes rendered earlier in this second for this token (and requested name), or {@code null}. */
    private byte[] cached(Shape shape, String resource, AccessToken token, long second, String requested) {
        Rendered current = rendered.get(shape).get(resource);
        return current != null && current.token() == token && current.second() == second
                && Objects.equals(current.requested(), requested) ? current.json() : null;
    }

    private byte[] store(Shape shape, String resource, AccessToken token, long second, String requested, Object body) {
        try {
            byte[] bytes = json.writeValueAsBytes(body);
            rendered.get(shape).put(resource, new Rendered(token, second, requested, bytes));
            return bytes;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("api: cannot render a token answer", e);
        }
    }
}
