package tokenbroker.azure.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for Microsoft Entra's v2.0 token endpoint, {@code POST /{tenant}/oauth2/v2.0/token}, on a loopback
 * WireMock server. It plays Entra rather than replaying canned answers: every request is checked against the
 * tenants, resources and app registrations a test set up (see {@link EntraTokenEndpoint} for the rules), and
 * answered as Entra would, 200 with a new token or 400/401 with Entra's error body. Every request, accepted or
 * not, is kept in {@link #exchanges()} with what the checks saw.
 *
 * <pre>{@code
 * FakeEntra entra = FakeEntra.start();
 * entra.addTenant("contoso", "https://vault.azure.net");
 * entra.registerSecret("contoso", CLIENT_ID, "s3cr~et");
 * config.put("broker.identities.app.tenant-id", "contoso");
 * config.put("broker.identities.app.authority-host", entra.authorityHost());
 * }</pre>
 *
 * <p>Thread-safe: WireMock serves requests on several threads while a test registers apps and reads the journal.
 */
public final class FakeEntra implements AutoCloseable {

    /** Entra's token lifetime for app-only tokens, as it says in {@code expires_in}. */
    public static final int TOKEN_LIFETIME_SECONDS = 3599;

    /** How an app registration proves itself: one of the three, as with a real app with one credential. */
    record App(String tenant, String clientId, String secret, X509Certificate certificate, Set<String> federatedAssertions) {
        @Override
        public String toString() {
            return "App[" + tenant + "/" + clientId + "]";
        }
    }

    /**
     * One token request and what came of it.
     *
     * @param auth how the client authenticated: {@code client_secret_basic}, {@code client_secret_post},
     *        {@code private_key_jwt} (certificate), {@code federated}, or {@code null} when the request failed before
     * @param formFields the names of the form fields, in order (values are not kept: some are secrets)
     * @param assertionHeader the JOSE header of a certificate assertion, or empty
     * @param assertionClaims the claims of a certificate assertion, or empty
     * @param accessToken the token issued, or {@code null}
     * @param aadsts the AADSTS code of a refusal, or 0
     */
    public record Exchange(String tenant, String clientId, String auth, String scope, List<String> formFields,
            Map<String, Object> assertionHeader, Map<String, Object> assertionClaims, int status, String error, int aadsts,
            String errorDescription, String accessToken) {

        public boolean accepted() {
            return status == 200;
        }

        @Override
        public String toString() {
            return "Exchange[" + tenant + "/" + clientId + " " + auth + " scope=" + scope + " fields=" + formFields + " -> " + status
                    + (error == null ? "" : " " + error + " " + errorDescription) + "]";
        }
    }

    private final WireMockServer server;
    /** By tenant: the resource URIs (application ID URIs) that exist there, without trailing '/'. */
    private final Map<String, Set<String>> tenants = new ConcurrentHashMap<>();
    /** By tenant + "/" + client id. */
    private final Map<String, App> apps = new ConcurrentHashMap<>();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

    private FakeEntra() {
        EntraTokenEndpoint endpoint = new EntraTokenEndpoint(this);
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().extensions(endpoint));
        server.start();
        server.stubFor(any(urlPathMatching("/[^/]+/oauth2/v2\\.0/token"))
                .willReturn(aResponse().withTransformers(EntraTokenEndpoint.NAME)));
    }

    public static FakeEntra start() {
        return new FakeEntra();
    }

    /** The value for {@code broker.identities.<id>.authority-host} or {@code AZURE_AUTHORITY_HOST}. */
    public String authorityHost() {
        return "http://127.0.0.1:" + server.port();
    }

    public String tokenUrl(String tenant) {
        return authorityHost() + "/" + tenant + "/oauth2/v2.0/token";
    }

    /** A tenant with the resources (e.g. {@code https://vault.azure.net}) whose tokens its apps may get. */
    public FakeEntra addTenant(String tenant, String... resources) {
        Set<String> known = ConcurrentHashMap.newKeySet();
        for (String resource : resources) {
            known.add(EntraTokenEndpoint.withoutTrailingSlashes(resource));
        }
        tenants.put(tenant, known);
        return this;
    }

    /** An app registration with one client secret (its Value, as the portal shows it once). */
    public FakeEntra registerSecret(String tenant, String clientId, String secret) {
        apps.put(tenant + "/" + clientId, new App(tenant, clientId, secret, null, Set.of()));
        return this;
    }

    /** An app registration with one uploaded certificate (public part only, as in the portal). */
    public FakeEntra registerCertificate(String tenant, String clientId, X509Certificate certificate) {
        apps.put(tenant + "/" + clientId, new App(tenant, clientId, null, certificate, Set.of()));
        return this;
    }

    /**
     * An app (or user-assigned managed identity) with a federated credential. Entra checks the assertion's issuer,
     * subject and signature against it; here, the assertion must be exactly one of {@code assertions}.
     */
    public FakeEntra registerFederated(String tenant, String clientId, String... assertions) {
        apps.put(tenant + "/" + clientId, new App(tenant, clientId, null, null, Set.of(assertions)));
        return this;
    }

    /** Every token request so far, oldest first. */
    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** The accepted token requests for {@code scope}. */
    public List<Exchange> accepted(String scope) {
        return exchanges.stream().filter(e -> e.accepted() && scope.equals(e.scope())).toList();
    }

    public WireMockServer server() {
        return server;
    }

    Set<String> resources(String tenant) {
        return tenants.get(tenant);
    }

    App app(String tenant, String clientId) {
        return apps.get(tenant + "/" + clientId);
    }

    void record(Exchange exchange) {
        exchanges.add(exchange);
    }

    @Override
    public void close() {
        server.stop();
    }
}
