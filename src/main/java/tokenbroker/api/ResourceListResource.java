package tokenbroker.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import io.smallrye.common.annotation.NonBlocking;
import java.util.ArrayList;
import java.util.List;
import tokenbroker.api.dto.ResourceView;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.config.CallerSpec;
import tokenbroker.door.Door;
import tokenbroker.door.TokenService;
import tokenbroker.files.TokenFiles;

/** {@code GET /v1/resources}: every resource the caller may have, with its state. Never a token. */
@Path("/v1/resources")
public class ResourceListResource {

    /** The answer: a list under a key, so that fields can be added later. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record ResourceList(List<ResourceView> resources) {
    }

    private final TokenService tokens;
    private final TokenCache cache;
    private final TokenFiles files;

    ResourceListResource(TokenService tokens, TokenCache cache, TokenFiles files) {
        this.tokens = tokens;
        this.cache = cache;
        this.files = files;
    }

    @GET
    @NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    public ResourceList list(@HeaderParam("Metadata") String metadata, @HeaderParam("X-IDENTITY-HEADER") String callerSecret) {
        CallerSpec caller = tokens.caller(Door.NATIVE, "true".equalsIgnoreCase(metadata), callerSecret);
        List<ResourceView> views = new ArrayList<>();
        for (TokenSlot slot : cache.slots()) {
            if (caller == null || caller.mayHave(slot.resource().name())) {
                views.add(ResourceView.of(slot.status(), files.statusesOf(slot.resource().name())));
            }
        }
        return new ResourceList(views);
    }
}
