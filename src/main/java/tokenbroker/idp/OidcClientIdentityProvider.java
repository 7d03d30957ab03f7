package tokenbroker.idp;

import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.OidcClientException;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.oidc.client.runtime.DisabledOidcClientException;
import io.quarkus.oidc.client.runtime.OidcClientConfig;
import io.quarkus.oidc.common.runtime.OidcConstants;
import io.quarkus.oidc.common.runtime.config.OidcClientCommonConfig.Credentials.Secret.Method;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import io.quarkus.tls.TlsConfigurationRegistry;
import java.security.GeneralSecurityException;
import tokenbroker.binding.DpopKeys;
import tokenbroker.binding.Thumbprints;
import tokenbroker.credential.KeyMaterial;
import tokenbroker.credential.KeyMaterialCache;
import tokenbroker.token.TokenBinding;
import tokenbroker.config.BrokerSetup;
import tokenbroker.config.IdentitySpec;
import tokenbroker.config.ResourceSpec;
import tokenbroker.credential.Credential;
import tokenbroker.credential.KeyMaterialReader;
import tokenbroker.token.AccessToken;

/**
 * The {@link IdentityProvider} that speaks the client credentials grant through quarkus-oidc-client: one
 * {@link OidcClient} per resource (its scopes are part of the client's configuration), rebuilt when the secret
 * file's content changes.
 *
 * <p>quarkus-oidc-client neither caches nor coalesces, has no response deadline and no way to add {@code x5t}
 * to its assertions, so this class adds the deadline, reads credential files for every request, and passes
 * certificate and federated assertions as {@code client_assertion} form parameters.
 */
@ApplicationScoped
public class OidcClientIdentityProvider implements IdentityProvider {

    /** A client and what it was built with: a secret, and the TLS client keys of {@code tls_client_auth}. */
    private record ClientHandle(Uni<OidcClient> client, String secret, KeyMaterial tlsKeys) {
        @Override
        public String toString() {
            return "ClientHandle[secret=<redacted>, tlsKeys=" + tlsKeys + "]";
        }
    }

    private static final Duration MAX_BACKSTOP_MARGIN = Duration.ofSeconds(2);

    /**
     * How long after {@code broker.idp.timeout} the backstop deadline gives up on an exchange: half the timeout, at
     * most 2 s (the default 15 s gets 2 s; a 1 s timeout 0.5 s), so that no exchange outlives 1.5 times its timeout.
     */
    static Duration backstopMargin(Duration idpTimeout) {
        Duration half = idpTimeout.dividedBy(2);
        return half.compareTo(MAX_BACKSTOP_MARGIN) < 0 ? half : MAX_BACKSTOP_MARGIN;
    }

    private final OidcClients clients;
    private final InstantSource clock;
    private final BrokerSetup setup;
    private final TlsConfigurationRegistry tlsRegistry;
    private final DpopKeys dpopKeys;
    private final KeyMaterialCache keyMaterials = new KeyMaterialCache();
    /** Numbers the TLS configurations registered; the registry cannot forget one, so each rotation adds a small one. */
    private final AtomicLong tlsGenerations = new AtomicLong();
    /** By resource name. Replaced only by the resource's single in-flight request, so never raced for one key. */
    private final Map<String, ClientHandle> handles = new ConcurrentHashMap<>();

    OidcClientIdentityProvider(OidcClients clients, InstantSource clock, BrokerSetup setup, TlsConfigurationRegistry tlsRegistry,
            DpopKeys dpopKeys) {
        this.clients = clients;
        this.clock = clock;
        this.setup = setup;
        this.tlsRegistry = tlsRegistry;
        this.dpopKeys = dpopKeys;
    }

    /**
     * One token request. {@link TokenRequestGuard} ends the HTTP request at {@code broker.idp.timeout}; the
     * {@code ifNoItem} deadline a little later is the backstop for an IdP that trickles bytes (the request's timer
     * restarts with each one): it gives up and closes the resource's client, and with it every connection it holds.
     */
    @Override
    public Uni<AccessToken> acquire(ResourceSpec resource) {
        String endpoint = endpoint(resource.identity());
        long startedNanos = System.nanoTime(); // a duration, not a time of day: the injected clock is for instants
        return Uni.createFrom().deferred(() -> request(resource))
                // RFC 9449 §8: a server that wants a nonce refuses once with use_dpop_nonce and the nonce (which the
                // response filter kept); the one retry's proof carries it. Never more than one: no loop on a bad server.
                .onFailure(OidcClientIdentityProvider::nonceChallenge).recoverWithUni(() -> request(resource))
                .ifNoItem().after(setup.idpTimeout().plus(backstopMargin(setup.idpTimeout())))
                .failWith(() -> {
                    discardClient(resource);
                    return noAnswer(endpoint);
                })
                .onFailure(f -> !(f instanceof IdpException)).transform(f ->
                        System.nanoTime() - startedNanos >= setup.idpTimeout().toNanos() ? noAnswer(endpoint) : classify(f, endpoint));
    }

    private static boolean nonceChallenge(Throwable failure) {
        return failure instanceof IdpException e && e.failure() instanceof AcquireFailure.Rejected r && "use_dpop_nonce".equals(r.error());
    }

    private IdpException noAnswer(String endpoint) {
        return new IdpException(new AcquireFailure.Unreachable(
                "no answer from " + endpoint + " within " + setup.idpTimeout().toSeconds() + " s"));
    }

    /** Forgets the resource's client and closes it: its connections, stuck ones included, are closed. */
    private void discardClient(ResourceSpec resource) {
        ClientHandle handle = handles.remove(resource.name());
        if (handle != null) {
            handle.client().subscribe().with(OidcClientIdentityProvider::closeQuietly, f -> { });
        }
    }

    private Uni<AccessToken> request(ResourceSpec resource) {
        IdentitySpec identity = resource.identity();
        Map<String, String> params = new LinkedHashMap<>(resource.params());
        String secret = null;
        KeyMaterial tlsKeys = null;
        String boundTo = null;
        Credential credential = identity.credential();
        try {
            if (credential instanceof Credential.ClientSecret clientSecret) {
                secret = clientSecret.read();
                if (secret.isEmpty()) {
                    return unreachable("credential: the secret file " + clientSecret.file() + " is empty");
                }
            } else if (credential instanceof Credential.CertificateKey certificate) {
                params.put(OidcConstants.CLIENT_ASSERTION_TYPE, OidcConstants.JWT_BEARER_CLIENT_ASSERTION_TYPE);
                params.put(OidcConstants.CLIENT_ASSERTION, ClientAssertionSigner.sign(identity.clientId(), certificate,
                        keyMaterials.get(certificate), clock.instant()));
            } else if (credential instanceof Credential.TlsClientCertificate tls) {
                // Read for every request (cheap while the files are unchanged): a rotated certificate makes a new client.
                tlsKeys = keyMaterials.get(tls.asCertificateKey());
                boundTo = Thumbprints.x5tS256(tlsKeys.leaf());
            } else if (credential instanceof Credential.FederatedAssertion federated) {
                String assertion = federated.read();
                if (assertion.isEmpty()) {
                    return unreachable("credential: the assertion file " + federated.file() + " of identity " + identity.name()
                            + " is empty");
                }
                params.put(OidcConstants.CLIENT_ASSERTION_TYPE, OidcConstants.JWT_BEARER_CLIENT_ASSERTION_TYPE);
                params.put(OidcConstants.CLIENT_ASSERTION, assertion);
            }
        } catch (IOException e) {
            // A file being rotated may be missing for a moment: retry with backoff rather than give up.
            return unreachable("credential: cannot read a credential file of identity " + identity.name()
                    + " (" + e.getClass().getSimpleName() + ")");
        } catch (KeyMaterialReader.KeyMaterialException e) {
            return unreachable("credential: " + e.getMessage());
        }
        if (identity.dpop()) {
            boundTo = dpopKeys.of(identity).thumbprint();
        }
        Instant sent = clock.instant();
        TokenBinding binding = identity.binding();
        String expectedBinding = boundTo;
        Uni<OidcClient> client;
        try {
            client = client(resource, secret, tlsKeys);
        } catch (GeneralSecurityException | KeyMaterialReader.KeyMaterialException e) {
            return unreachable("credential: cannot build the TLS settings of identity " + identity.name() + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        return client
                .flatMap(c -> c.getTokens(params))
                .map(tokens -> TokenResponses.toAccessToken(tokens, sent, binding, expectedBinding));
    }

    private Uni<OidcClient> client(ResourceSpec resource, String secret, KeyMaterial tlsKeys)
            throws GeneralSecurityException, KeyMaterialReader.KeyMaterialException {
        ClientHandle current = handles.get(resource.name());
        if (current != null && Objects.equals(current.secret(), secret) && current.tlsKeys() == tlsKeys) {
            return current.client();
        }
        String tlsName = null;
        IdentitySpec identity = resource.identity();
        if (tlsKeys != null || identity.caFile() != null) {
            tlsName = "token-broker-" + resource.name() + "-" + tlsGenerations.incrementAndGet();
            tlsRegistry.register(tlsName, new ClientTlsConfiguration(tlsName, tlsKeys, identity.caFile()));
        }
        Uni<OidcClient> created = clients.newClient(config(resource, secret, tlsName)).memoize().indefinitely();
        handles.put(resource.name(), new ClientHandle(created, secret, tlsKeys));
        if (current != null) {
            current.client().subscribe().with(OidcClientIdentityProvider::closeQuietly, f -> { });
        }
        return created.onFailure().invoke(() -> handles.remove(resource.name()));
    }

    private OidcClientConfig config(ResourceSpec resource, String secret, String tlsName) {
        IdentitySpec identity = resource.identity();
        var builder = OidcClientConfig.builder()
                .id("token-broker-" + resource.name())
                .tokenPath(identity.tokenUrl())
                .discoveryEnabled(false)
                .clientId(identity.clientId())
                .connectionTimeout(setup.idpConnectTimeout())
                // The broker owns retries and their backoff. oidc-client retries a reset connection at once, and
                // refuses 0 here (Mutiny's retry().atMost(0) throws): one quick retry, bounded by our deadline.
                .connectionRetryCount(1);
        if (!resource.scopes().isEmpty()) {
            builder.scopes(resource.scopes());
        }
        if (tlsName != null) {
            builder.tlsConfigurationName(tlsName);
        }
        if (secret != null) {
            boolean post = ((Credential.ClientSecret) identity.credential()).post();
            builder.credentials().clientSecret(secret, post ? Method.POST : Method.BASIC).end();
        }
        return builder.build();
    }

    private static IdpException classify(Throwable failure, String endpoint) {
        if (failure instanceof DisabledOidcClientException) {
            return new IdpException(new AcquireFailure.Rejected("broker_config",
                    "quarkus-oidc-client refused the client configuration for " + endpoint, null));
        }
        if (failure instanceof OidcClientException) {
            // Non-200 answers are turned into IdpException by TokenEndpointResponseFilter; what is left is I/O.
            return new IdpException(new AcquireFailure.Unreachable("cannot reach " + endpoint));
        }
        if (failure instanceof io.vertx.core.json.DecodeException || failure instanceof NumberFormatException
                || failure instanceof ClassCastException || failure instanceof DateTimeException
                || failure instanceof ArithmeticException) {
            // Never the exception's message: it may quote the body, and the body may hold a token.
            return new IdpException(new AcquireFailure.Malformed("the IdP's 200 answer is not a valid token response"));
        }
        return new IdpException(new AcquireFailure.Unreachable("request to " + endpoint + " failed ("
                + failure.getClass().getSimpleName() + ")"));
    }

    private static Uni<AccessToken> unreachable(String reason) {
        return Uni.createFrom().failure(new IdpException(new AcquireFailure.Unreachable(reason)));
    }

    /** The token endpoint's origin, safe to show: no path, no query. */
    private static String endpoint(IdentitySpec identity) {
        URI uri = URI.create(identity.tokenUrl());
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    }

    private static void closeQuietly(OidcClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            // closing releases a connection pool; nothing to do if that fails
        }
    }

    @PreDestroy
    void close() {
        handles.values().forEach(h -> h.client().subscribe().with(OidcClientIdentityProvider::closeQuietly, f -> { }));
    }
}
