package tokenbroker.door;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tokenbroker.cache.Take;
import tokenbroker.cache.TokenCache;
import tokenbroker.cache.TokenSlot;
import tokenbroker.caller.CallerRegistry;
import tokenbroker.config.CallerSpec;
import tokenbroker.config.ResourceSpec;
import tokenbroker.token.TokenBinding;
import tokenbroker.metrics.BrokerMetrics;
import tokenbroker.token.AccessToken;

/**
 * The one decision on a token request, whatever door it came through: the guard header, the caller, the parameters,
 * the resource and the caller's right to it, then {@link TokenSlot#take} (min_ttl, force and rate limits, which the
 * slot owns). It counts every request once, under the resource it named when that resource exists.
 *
 * <p>The rules, in order: (1) the door's guard header (400); (2) the caller secret, when callers are configured
 * (401); (3) the first malformed parameter (400); (4) the resource (404; 400 on the Azure doors); (5) the caller's
 * right to it (403); (6) the token's binding against the door (400 {@code bound_token}: no bound token by a bearer door);
 * (7) the slot's answer. A door only parses and renders:
 *
 * <pre>{@code
 * TokenOutcome outcome = tokens.decide(request);      // never throws
 * if (outcome.kind() == Take.Kind.CACHED) write(outcome.cached());
 * else outcome.pending().subscribe().with(this::write, failure -> ErrorWriter.write(response, door,
 *         ErrorPolicy.answer(door, failure)));
 * }</pre>
 */
@ApplicationScoped
public class TokenService {

    private static final Pattern PRINTABLE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final CallerRegistry callers;
    private final TokenCache cache;
    private final AzureResourceIndex index;
    private final BrokerMetrics metrics;
    /**
     * The last cached outcome of each slot, so that serving a cached token allocates nothing: an outcome holds only
     * the slot and its token, and is replaced when the token changes. A lost race makes one outcome more.
     */
    private final Map<TokenSlot, TokenOutcome> lastCached = new ConcurrentHashMap<>();

    TokenService(CallerRegistry callers, TokenCache cache, AzureResourceIndex index, BrokerMetrics metrics) {
        this.callers = callers;
        this.cache = cache;
        this.index = index;
        this.metrics = metrics;
    }

    /** Decides {@code request}; a refusal is an outcome, never an exception. */
    public TokenOutcome decide(TokenRequest request) {
        // Looked up first, quietly, so that every refusal is counted under the resource it named (if it exists).
        TokenSlot slot = request.door().azure() ? index.match(request.resource(), request.clientId())
                : request.resource() == null ? null : cache.slot(request.resource());
        try {
            CallerSpec caller = caller(request.door(), request.guarded(), request.callerSecret());
            if (request.malformed() != null) {
                throw request.malformed();
            }
            if (slot == null) {
                throw unknown(request);
            }
            String name = slot.resource().name();
            if (caller != null && !caller.mayHave(name)) {
                throw new Refusal(403, "access_denied", "caller " + caller.name() + " may not have resource " + name);
            }
            checkBinding(request.door(), slot.resource());
            return take(request, slot, name);
        } catch (Refusal refusal) {
            metrics.error(slot == null ? null : slot.resource().name(), request.door().endpoint());
            return TokenOutcome.refused(slot, refusal);
        }
    }

    /**
     * The guard header and the caller: the caller presenting {@code secret}, {@code null} in open mode.
     *
     * @throws Refusal 400 without the guard header, 401 when callers are configured and the secret is unknown
     */
    public CallerSpec caller(Door door, boolean guarded, String secret) {
        if (!guarded) {
            throw switch (door) {
                case NATIVE, PROOF -> Refusal.badRequest("the 'Metadata: true' header is required");
                case IMDS -> new Refusal(400, "bad_request_102", "Required metadata header not specified");
                case MSI -> Refusal.badRequest("the X-IDENTITY-HEADER header is required");
                case PROXY -> Refusal.badRequest("this route requires the header Metadata: true");
            };
        }
        if (callers.open()) {
            return null;
        }
        CallerSpec caller = callers.authenticate(secret);
        if (caller == null) {
            throw new Refusal(401, "invalid_caller", "a valid caller secret is required in the X-IDENTITY-HEADER header");
        }
        return caller;
    }

    /**
     * Rule (6): a bound token never leaves by a bearer door, and the proofs door serves bound tokens only; a proxy
     * route takes both (it presents the token itself). Permanent, hence 400 on every door (the Azure SDKs do not retry it).
     */
    private static void checkBinding(Door door, ResourceSpec resource) {
        TokenBinding binding = resource.identity().binding();
        if (door.bearerOnly() && binding.bound()) {
            throw new Refusal(400, "bound_token", "resource " + resource.name() + " has " + (binding == TokenBinding.DPOP
                    ? "DPoP-bound tokens (RFC 9449), useless without the broker's key: ask GET /v1/proofs/" + resource.name()
                            + "?htm=<method>&htu=<url> for the token and its proof"
                    : "certificate-bound tokens (RFC 8705), useless without the broker's TLS client certificate: call the"
                            + " upstream through a proxy route, or ask GET /v1/proofs/" + resource.name()));
        }
        if (door.boundOnly() && !binding.bound()) {
            throw Refusal.badRequest("resource " + resource.name() + " has bearer tokens: ask GET /v1/tokens/" + resource.name());
        }
    }

    private TokenOutcome take(TokenRequest request, TokenSlot slot, String name) {
        var endpoint = request.door().endpoint();
        if (request.cacheWillDo()) {
            // What take(ZERO, false) answers for a servable token, without its Instant and Take: the hot path.
            AccessToken token = slot.servable();
            if (token != null) {
                metrics.hit(name, endpoint);
                return cached(slot, token);
            }
        }
        Take take = slot.take(request.minTtl(), request.force());
        if (take.kind() == Take.Kind.CACHED) {
            metrics.hit(name, endpoint);
            return cached(slot, take.cached());
        }
        if (take.kind() == Take.Kind.REFUSED) {
            metrics.error(name, endpoint);
            return new TokenOutcome(slot, Take.Kind.REFUSED, null, take.pending());
        }
        Uni<AccessToken> counted = take.pending()
                .onItem().invoke(() -> metrics.waited(name, endpoint))
                .onFailure().invoke(() -> metrics.error(name, endpoint));
        return new TokenOutcome(slot, take.kind(), null, counted);
    }

    private TokenOutcome cached(TokenSlot slot, AccessToken token) {
        TokenOutcome last = lastCached.get(slot);
        if (last != null && last.cached() == token) {
            return last;
        }
        TokenOutcome fresh = TokenOutcome.cached(slot, token);
        lastCached.put(slot, fresh);
        return fresh;
    }

    private Refusal unknown(TokenRequest request) {
        if (request.door().azure()) {
            return findError(request);
        }
        String name = request.resource();
        String shown = name != null && PRINTABLE_NAME.matcher(name).matches() ? "'" + name + "'" : "like that";
        return new Refusal(404, "unknown_resource", "no resource named " + shown + " is configured");
    }

    /** The index's own words for why {@code resource} matched nothing, or more than one resource. */
    private Refusal findError(TokenRequest request) {
        try {
            index.find(request.resource(), request.clientId());
            return Refusal.badRequest("the resource parameter matches no configured resource");
        } catch (Refusal refusal) {
            return refusal;
        }
    }
}
