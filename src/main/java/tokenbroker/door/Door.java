package tokenbroker.door;

import tokenbroker.metrics.BrokerMetrics.Endpoint;

/**
 * A front door of the token interface: how a request asked, which decides its guard header and how its answers
 * and errors are shaped ({@link ErrorPolicy}). A door adds a constant here, a parser that makes a
 * {@link TokenRequest}, and a renderer of {@link TokenOutcome}s.
 */
public enum Door {
    /** {@code GET /v1/tokens/{resource}} (SPEC §3.1): {@code Metadata: true}, errors in the OAuth shape. */
    NATIVE(Endpoint.NATIVE),
    /** {@code GET /msi/token} (SPEC §3.2): {@code X-IDENTITY-HEADER}, errors also in App Service's shape. */
    MSI(Endpoint.MSI),
    /** {@code GET /metadata/identity/oauth2/token} (SPEC §3.3): {@code Metadata: true}. */
    IMDS(Endpoint.IMDS),
    /**
     * {@code GET /v1/proofs/{resource}?htm=M&htu=URL}: a sender-constrained token with what presents it (a DPoP proof
     * for that request); {@code Metadata: true}, errors in the OAuth shape.
     */
    PROOF(Endpoint.PROOF),
    /**
     * A credential-injecting proxy route (docs/proxy.md): the caller never sees the token; {@code Metadata: true}
     * only where the route asks for it; errors in the OAuth shape, marked as the broker's.
     */
    PROXY(Endpoint.PROXY);

    private final Endpoint endpoint;

    Door(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** The metrics' {@code endpoint} label of this door. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** Whether the door is one of the Azure-compatible ones, whose clients retry 404 and 5xx. */
    public boolean azure() {
        return this == MSI || this == IMDS;
    }

    /**
     * Whether the door hands out tokens as bearer tokens: never a bound one (docs/api.md, "Bound tokens"). Proxy routes
     * are not: they present each kind of token as it must be presented (docs/proxy.md, "Bound tokens").
     */
    public boolean bearerOnly() {
        return this != PROOF && this != PROXY;
    }

    /** Whether the door serves sender-constrained tokens only (the proofs door). */
    public boolean boundOnly() {
        return this == PROOF;
    }

    /** The door whose error shape fits an answer on {@code path}, for answers given before any door parsed it. */
    public static Door ofPath(String path) {
        if (path != null && path.startsWith("/msi/")) {
            return MSI;
        }
        if (path != null && path.startsWith("/metadata/")) {
            return IMDS;
        }
        return NATIVE;
    }
}
