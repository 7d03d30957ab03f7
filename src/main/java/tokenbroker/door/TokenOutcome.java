package tokenbroker.door;

import io.smallrye.mutiny.Uni;
import tokenbroker.cache.Take;
import tokenbroker.cache.TokenSlot;
import tokenbroker.token.AccessToken;

/**
 * What {@link TokenService#decide} made of one {@link TokenRequest}: served from the cache, waiting on an IdP
 * request it joined or started, or refused, and why. A door renders it; it does not judge it again.
 *
 * @param slot the resource's slot; {@code null} when refused before a resource was found
 * @param kind how the request was met, as {@link TokenSlot#take} said ({@link Take.Kind#REFUSED} for a refusal)
 * @param cached the token when {@code kind} is {@link Take.Kind#CACHED}
 * @param pending otherwise, the token or the failure to come (already counted in the metrics)
 */
public record TokenOutcome(TokenSlot slot, Take.Kind kind, AccessToken cached, Uni<AccessToken> pending) {

    static TokenOutcome cached(TokenSlot slot, AccessToken token) {
        return new TokenOutcome(slot, Take.Kind.CACHED, token, null);
    }

    static TokenOutcome refused(TokenSlot slot, RuntimeException why) {
        return new TokenOutcome(slot, Take.Kind.REFUSED, null, Uni.createFrom().failure(why));
    }

    /** The token, or the wait for it, as one {@code Uni}: for doors that need not render a cached token at once. */
    public Uni<AccessToken> token() {
        return cached != null ? Uni.createFrom().item(cached) : pending;
    }
}
