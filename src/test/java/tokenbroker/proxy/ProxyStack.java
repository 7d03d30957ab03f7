package tokenbroker.proxy;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager.TestInjector.AnnotatedAndMatchesType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.WireMockIdp;

/**
 * The proxy's test bed: {@link WireMockIdp}'s {@code api} setup as the IdP, WireMock over TLS (a CA made by
 * {@link UpstreamTls}) as the upstream of most routes, a {@link StreamingUpstream} for big bodies, and callers
 * {@value #APP} (the proxy's resources) and {@value #OTHER} (none of them), so that every proxied request presents a
 * caller secret. Every route listens on a free port ({@code port=0}); tests ask {@code ProxyServers.port(route)}.
 *
 * <p>Routes (all over TLS to 127.0.0.1 unless said): {@code main} (base path {@code /base}, resource
 * {@code proxy-main}), {@code strict} (caller Authorization refused, {@code Metadata} required), {@code retry},
 * {@code retry-post} and {@code metered} (resources of their own, for the 401 retry), {@code first} and {@code expiry} (resources whose
 * first token fails at start-up), {@code stream}, {@code slow} (a 1 s timeout), {@code untrusted} (no CA file),
 * {@code wrong-name} ({@code https://localhost}, which the certificate does not name), {@code closed} (nothing
 * listens), {@code dpop} and {@code dpop-nonce} (resources {@value #DPOP} and {@value #DPOP_NONCE} of the DPoP
 * identity {@code dpop}).
 */
public class ProxyStack extends WireMockIdp {

    static final String APP = "app";
    static final String OTHER = "other";
    /** Resources of the DPoP identity {@code dpop} (routes {@code dpop} and {@code dpop-nonce}); both fail at start-up. */
    static final String DPOP = "proxy-dpop";
    static final String DPOP_NONCE = "proxy-dpop-nonce";

    static WireMockServer upstream;
    static StreamingUpstream streaming;
    /** A server no route points at: hostile requests must never reach it. */
    static WireMockServer canary;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        try {
            Path tlsDir = Files.createDirectories(dir.resolve("tls"));
            UpstreamTls tls = UpstreamTls.create(tlsDir);
            upstream = new WireMockServer(options().bindAddress("127.0.0.1").httpDisabled(true).httpsPort(0)
                    .keystorePath(tls.keyStore().toString()).keystoreType("PKCS12").keystorePassword(tls.password())
                    .keyManagerPassword(tls.password()).containerThreads(60));
            upstream.start();
            streaming = new StreamingUpstream(tls);
            canary = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(8));
            canary.start();

            String https = "https://127.0.0.1:" + upstream.httpsPort();
            resource(config, "proxy-main", "proxy.main");
            resource(config, "proxy-retry", "proxy.retry");
            resource(config, "proxy-retry-post", "proxy.retry-post");
            resource(config, "proxy-metered", "proxy.metered");
            resource(config, "proxy-first", IdpStubs.BOOT_503 + "proxy-first");
            resource(config, "proxy-expiry", IdpStubs.BOOT_503 + "proxy-expiry");
            route(config, "main", https + "/base", "proxy-main", tls);
            route(config, "strict", https + "/base", "proxy-main", tls);
            config.put("broker.routes.strict.caller-authorization", "refuse");
            config.put("broker.routes.strict.require-metadata", "true");
            route(config, "retry", https + "/base", "proxy-retry", tls);
            route(config, "retry-post", https + "/base", "proxy-retry-post", tls);
            route(config, "metered", https + "/base", "proxy-metered", tls);
            route(config, "first", https + "/base", "proxy-first", tls);
            route(config, "expiry", https + "/base", "proxy-expiry", tls);
            route(config, "stream", "https://127.0.0.1:" + streaming.port(), "proxy-main", tls);
            // The upstream answers an upload once it has read all of it: nothing comes back for that long.
            config.put("broker.routes.stream.timeout", "10m");
            route(config, "slow", https + "/base", "proxy-main", tls);
            config.put("broker.routes.slow.timeout", "1s");
            route(config, "untrusted", https + "/base", "proxy-main", null);
            route(config, "wrong-name", "https://localhost:" + upstream.httpsPort() + "/base", "proxy-main", tls);
            route(config, "closed", "https://127.0.0.1:" + closedPort() + "/base", "proxy-main", tls);

            // DPoP (dpop=true): a second identity, so every resource names its identity.
            config.put("broker.identities.dpop.client-id", "broker-test-dpop");
            config.put("broker.identities.dpop.token-url", config.get("broker.identities.main.token-url"));
            config.put("broker.identities.dpop.secret-file", write("dpop.secret", "secret-dpop-" + randomWord(24) + "\n").toString());
            config.put("broker.identities.dpop.dpop", "true");
            resource(config, DPOP, IdpStubs.BOOT_503 + DPOP);
            resource(config, DPOP_NONCE, IdpStubs.BOOT_503 + DPOP_NONCE);
            route(config, "dpop", https + "/base", DPOP, tls);
            route(config, "dpop-nonce", https + "/base", DPOP_NONCE, tls);
            for (String key : new java.util.ArrayList<>(config.keySet())) {
                if (key.startsWith("broker.resources.") && key.endsWith(".scopes")) {
                    String name = key.substring("broker.resources.".length(), key.length() - ".scopes".length());
                    config.putIfAbsent("broker.resources." + name + ".identity", name.startsWith("proxy-dpop") ? "dpop" : "main");
                }
            }

            config.put("broker.callers." + APP + ".secret-file", write(APP + ".secret", "caller-app-" + randomWord(24) + "\n").toString());
            config.put("broker.callers." + APP + ".resources", "proxy-main,proxy-retry,proxy-retry-post,proxy-metered,proxy-first,proxy-expiry,"
                    + DPOP + "," + DPOP_NONCE);
            config.put("broker.callers." + OTHER + ".secret-file", write(OTHER + ".secret", "caller-other-" + randomWord(24) + "\n").toString());
            config.put("broker.callers." + OTHER + ".resources", "contract");
            return config;
        } catch (Exception e) {
            stop();
            throw new IllegalStateException(e);
        }
    }

    private static void resource(Map<String, String> config, String name, String scope) {
        config.put("broker.resources." + name + ".scopes", scope);
    }

    private static void route(Map<String, String> config, String name, String upstreamUrl, String resource, UpstreamTls tls) {
        config.put("broker.routes." + name + ".upstream", upstreamUrl);
        config.put("broker.routes." + name + ".resource", resource);
        config.put("broker.routes." + name + ".port", "0");
        if (tls != null) {
            config.put("broker.routes." + name + ".ca-file", tls.caPem().toString());
        }
    }

    /** A port nothing listens on (bound, then released). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The secret of caller {@code name}, as the running broker reads it. */
    static String secret(String name) {
        Path file = ConfigProvider.getConfig().getValue("broker.callers." + name + ".secret-file", Path.class);
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void inject(TestInjector injector) {
        super.inject(injector);
        injector.injectIntoFields(upstream, new AnnotatedAndMatchesType(InjectUpstream.class, WireMockServer.class));
    }

    @Override
    public void stop() {
        super.stop();
        if (upstream != null) {
            upstream.stop();
        }
        if (streaming != null) {
            streaming.close();
        }
        if (canary != null) {
            canary.stop();
        }
    }
}
