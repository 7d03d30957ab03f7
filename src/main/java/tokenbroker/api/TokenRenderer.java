package tokenbroker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import tokenbroker.api.dto.ImdsTokenBody;
import tokenbroker.api.dto.ManagedIdentityTokenBody;
import tokenbroker.api.dto.TokenBody;
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

    private record Key(String resource, Shape shape) {
    }

    private record Rendered(AccessToken token, long second, String requested, byte[] json) {
    }

    private final ObjectMapper json;
    /** Entries are immutable and replaced whole; a lost race renders twice, which is harmless. */
    private final Map<Key, Rendered> rendered = new ConcurrentHashMap<>();

    TokenRenderer(ObjectMapper json) {
        this.json = json;
    }

    public byte[] nativeJson(AccessToken token, ResourceSpec resource, Instant now) {
        return render(new Key(resource.name(), Shape.NATIVE), token, now, null,
                () -> TokenBody.of(token, resource, secondsOf(now)));
    }

    public byte[] managedIdentityJson(AccessToken token, ResourceSpec resource, String requested, Instant now) {
        return render(new Key(resource.name(), Shape.MSI), token, now, requested,
                () -> ManagedIdentityTokenBody.of(token, requested, resource.identity().clientId(), secondsOf(now)));
    }

    public byte[] imdsJson(AccessToken token, ResourceSpec resource, String requested, Instant now) {
        return render(new Key(resource.name(), Shape.IMDS), token, now, requested,
                () -> ImdsTokenBody.of(token, requested, resource.identity().clientId(), secondsOf(now)));
    }

    private byte[] render(Key key, AccessToken token, Instant now, String requested, java.util.function.Supplier<Object> body) {
        long second = now.getEpochSecond();
        Rendered current = rendered.get(key);
        if (current != null && current.token() == token && current.second() == second
                && Objects.equals(current.requested(), requested)) {
            return current.json();
        }
        try {
            byte[] bytes = json.writeValueAsBytes(body.get());
            rendered.put(key, new Rendered(token, second, requested, bytes));
            return bytes;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("api: cannot render a token answer", e);
        }
    }

    /** Whole seconds, so that every request within one second gets the same bytes. */
    private static Instant secondsOf(Instant now) {
        return Instant.ofEpochSecond(now.getEpochSecond());
    }
}
