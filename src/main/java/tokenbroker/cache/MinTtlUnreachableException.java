package tokenbroker.cache;

import java.time.Duration;

/** A caller asked for {@code min_ttl} longer than the tokens this resource's IdP grants: no refresh can help. */
public final class MinTtlUnreachableException extends RuntimeException {

    public MinTtlUnreachableException(String resource, Duration asked, Duration granted) {
        super("min_ttl " + asked.toSeconds() + " s is longer than resource " + resource + "'s tokens can serve ("
                + granted.toSeconds() + " s at most)", null, false, false);
    }
}
