package tokenbroker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tokenbroker.testing.TestKeys;

/** {@code broker.routes.*} at start-up: a good route becomes a {@link RouteSpec}; each mistake is one problem naming its key. */
class RouteChecksTests {

    @TempDir
    Path dir;

    private final Map<String, String> props = new LinkedHashMap<>();
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void identityAndResource() {
        props.put("broker.identities.main.client-id", "c");
        props.put("broker.identities.main.token-url", "https://idp.example/token");
        props.put("broker.identities.main.secret-file", TestKeys.write(dir.resolve("s"), "secret").toString());
        props.put("broker.resources.graph.scopes", "https://graph.microsoft.com/.default");
    }

    private void route(String name, String upstream, String resource, String port) {
        props.put("broker.routes." + name + ".upstream", upstream);
        props.put("broker.routes." + name + ".resource", resource);
        props.put("broker.routes." + name + ".port", port);
    }

    @Test
    void goodRoute_isChecked() {
        route("graph", "https://graph.microsoft.com/v1.0/", "graph", "7801");
        props.put("broker.routes.graph.ca-file", TestKeys.write(dir.resolve("ca.pem"),
                TestKeys.certificatePem(TestKeys.chain().ca())).toString());
        RouteSpec spec = setup().routes().get(0);
        assertThat(spec.tls()).isTrue();
        assertThat(spec.host()).isEqualTo("graph.microsoft.com");
        assertThat(spec.upstreamPort()).isEqualTo(443);
        assertThat(spec.hostHeader()).isEqualTo("graph.microsoft.com");
        assertThat(spec.basePath()).isEqualTo("/v1.0");
        assertThat(spec.port()).isEqualTo(7801);
        assertThat(spec.refuseCallerAuthorization()).isFalse();
        assertThat(spec.caCertificates()).hasSize(1);
    }

    @Test
    void plainHttp_onlyToTheLoopback_withItsPortInHost() {
        route("local", "http://127.0.0.1:8081", "graph", "7801");
        RouteSpec spec = setup().routes().get(0);
        assertThat(spec.tls()).isFalse();
        assertThat(spec.hostHeader()).isEqualTo("127.0.0.1:8081");
        assertThat(spec.basePath()).isEmpty();

        route("local", "http://graph.microsoft.com/v1.0", "graph", "7801");
        assertThat(problems()).containsExactly("broker.routes.local.upstream: http would send the token in clear text to"
                + " graph.microsoft.com; use https");
    }

    @Test
    void certificateBoundResource_plainHttpUpstream_isAProblemNamingTheKey() {
        props.put("broker.identities.tls.client-id", "c");
        props.put("broker.identities.tls.token-url", "https://idp.example/token");
        props.put("broker.identities.tls.auth-method", "tls_client_auth");
        props.put("broker.identities.tls.certificate-file", TestKeys.write(dir.resolve("c.pem"),
                TestKeys.certificatePem(TestKeys.rsa().certificate())).toString());
        props.put("broker.identities.tls.key-file", TestKeys.write(dir.resolve("k.pem"), TestKeys.pkcs8Pem(TestKeys.rsa().key())).toString());
        props.put("broker.resources.graph.identity", "main");
        props.put("broker.resources.bound.identity", "tls");
        route("bound", "https://127.0.0.1:8443", "bound", "7801");
        assertThat(setup().routes().get(0).tls()).isTrue();

        route("bound", "http://127.0.0.1:8081", "bound", "7801");
        assertThat(problems()).containsExactly("broker.routes.bound.upstream: resource bound has certificate-bound tokens"
                + " (tls_client_auth, RFC 8705): the route presents the certificate in the TLS handshake, so the upstream must be https");
    }

    @Test
    void everyMistake_isOneProblemNamingItsKey() {
        route("a", "ftp://x.example", "nope", "7777");
        props.put("broker.routes.a.caller-authorization", "keep");
        props.put("broker.routes.a.ca-file", dir.resolve("missing.pem").toString());
        route("b", "https://user@x.example/a/../b?q=1", "graph", "7802");
        route("c", "https://x.example", "graph", "7802");
        route("d", "https://x.example", "graph", "9000");
        props.put("broker.routes.d.ca-file", TestKeys.write(dir.resolve("bad.pem"), "not a certificate").toString());
        props.put("broker.routes.d.max-connections", "0");
        props.put("broker.routes.e.resource", "graph");

        assertThat(problems()).containsExactly(
                "broker.routes.a.upstream: the scheme must be https (or http to the loopback), got 'ftp'",
                "broker.routes.a.resource: unknown resource 'nope' (known: graph)",
                "broker.routes.a.port: port 7777 is already taken by quarkus.http.port (the token port)",
                "broker.routes.a.caller-authorization: must be drop or refuse, got 'keep'",
                "broker.routes.a.ca-file: cannot read " + dir.resolve("missing.pem"),
                "broker.routes.b.upstream: no user info allowed in the URL",
                "broker.routes.b.upstream: no query or fragment allowed; callers send their own",
                "broker.routes.b.upstream: the base path '/a/../b' holds a dot segment, '//' or an encoded '.', '/' or '\\'",
                "broker.routes.c.port: port 7802 is already taken by broker.routes.b.port",
                "broker.routes.d.port: port 9000 is already taken by quarkus.management.port",
                "broker.routes.d.ca-file: " + dir.resolve("bad.pem") + " is not a PEM certificate file (CertificateException)",
                "broker.routes.d.max-connections: must be at least 1, got 0",
                "broker.routes.e.upstream: missing; the URL requests are forwarded to, e.g. https://graph.microsoft.com/v1.0",
                "broker.routes.e.port: missing; the loopback port the app calls instead of the upstream");
    }

    private BrokerConfig config() {
        return new SmallRyeConfigBuilder().addDiscoveredConverters().withMapping(BrokerConfig.class)
                .withSources(new PropertiesConfigSource(props, "test", 100)).build().getConfigMapping(BrokerConfig.class);
    }

    private BrokerSetup setup() {
        return BrokerSetupFactory.create(config(), name -> Optional.ofNullable(env.get(name)));
    }

    private List<String> problems() {
        Throwable thrown = catchThrowable(this::setup);
        assertThat(thrown).isInstanceOf(BrokerConfigException.class);
        return ((BrokerConfigException) thrown).problems();
    }
}
