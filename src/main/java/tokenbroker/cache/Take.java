package tokenbroker.cache;

import io.smallrye.mutiny.Uni;
import tokenbroker.token.AccessToken;

/**
 * How {@link TokenSlot#take} met one caller's request: at once from the cache, by joining the IdP request that
 * was already running, by starting one, or not at all. The front doors render it and count it by {@link #kind()};
 * none of them guesses which it was.
 *
 * @param kind how the request was met
 * @param cached the token, when {@code kind} is {@link Kind#CACHED}; else {@code null}
 * @param pending what to wait for otherwise: the IdP request's outcome, or for {@link Kind#REFUSED} a failed
 *        {@code Uni} that carries why ({@link TokenUnavailableException}, {@link MinTtlUnreachableException},
 *        {@link RefreshThrottledException})
 */
public record Take(Kind kind, AccessToken cached, Uni<AccessToken> pending) {

    /** How a caller's request was met. */
    public enum Kind {
        /** Answered from memory: no IdP request involved. */
        CACHED,
        /** Waits on the IdP request that was already running. */
        JOINED,
        /** Started a new IdP request and waits on it. */
        STARTED,
        /** Refused at once; {@link Take#pending()} fails with the reason. */
        REFUSED
    }

    static Take cached(AccessToken token) {
        return new Take(Kind.CACHED, token, null);
    }

    static Take refused(RuntimeException why) {
        return new Take(Kind.REFUSED, null, Uni.createFrom().failure(why));
    }

    /** The token, or the wait for it, as one {@code Uni}. */
    public Uni<AccessToken> asUni() {
        return cached != null ? Uni.createFrom().item(cached) : pending;
    }
}
