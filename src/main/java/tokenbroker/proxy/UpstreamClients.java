package tokenbroker.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.TrustOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.UUID;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import tokenbroker.config.RouteSpec;
import tokenbroker.credential.KeyMaterial;

/**
 * Makes a route's Vert.x {@link HttpClient}: HTTP/1.1, TLS with hostname verification, the JVM's trust store plus the
 * route's own CAs, a connect timeout, a bounded pool and wait queue, TCP keep-alive, idle pooled connections closed
 * before a typical upstream closes them, no decompression (bodies pass through as sent); for certificate-bound tokens,
 * the identity's client certificate.
 */
final class UpstreamClients {

    /** A pooled connection unused this long is closed; shorter than common servers' keep-alive (Node's 5 s). */
    static final int POOLED_IDLE_SECONDS = 4;

    private UpstreamClients() {
    }

    /** A client of at most {@code maxConnections} connections (one event loop's share of the route's). */
    static HttpClient create(Vertx vertx, RouteSpec route, int maxConnections) {
        return create(vertx, route, maxConnections, null);
    }

    /** As {@link #create(Vertx, RouteSpec, int)}, presenting {@code clientKeys} in TLS when not {@code null} (RFC 8705). */
    static HttpClient create(Vertx vertx, RouteSpec route, int maxConnections, KeyMaterial clientKeys) {
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setDefaultHost(route.host())
                .setDefaultPort(route.upstreamPort())
                .setSsl(route.tls())
                .setVerifyHost(true)
                .setForceSni(true)
                .setConnectTimeout((int) route.connectTimeout().toMillis())
                .setKeepAlive(true)
                .setKeepAliveTimeout(POOLED_IDLE_SECONDS)
                .setTcpKeepAlive(true)
                .setMaxPoolSize(maxConnections)
                // Beyond this many waiting requests the broker answers 503 at once rather than queue without bound.
                .setMaxWaitQueueSize(maxConnections * 16)
                .setDecompressionSupported(false)
                .setTryUseCompression(false)
                .setMaxHeaderSize(32 * 1024);
        if (route.tls() && !route.caCertificates().isEmpty()) {
            options.setTrustOptions(TrustOptions.wrap(trustManagers(route)));
        }
        if (route.tls() && clientKeys != null) {
            options.setKeyCertOptions(keyStore(route, clientKeys));
        }
        return vertx.createHttpClient(options);
    }

    /**
     * The client certificate and key as an in-memory PKCS#12 store with a throw-away password: the key touches no disk.
     * (Vert.x's {@code KeyCertOptions.wrap(KeyManagerFactory)} rebuilds a store per connection and loses the key.)
     */
    private static PfxOptions keyStore(RouteSpec route, KeyMaterial keys) {
        try {
            String password = UUID.randomUUID().toString();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", keys.key(), password.toCharArray(), keys.chain().toArray(new Certificate[0]));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            store.store(bytes, password.toCharArray());
            return new PfxOptions().setValue(Buffer.buffer(bytes.toByteArray())).setPassword(password);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("proxy: cannot use the client certificate of route " + route.name()
                    + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The JVM's default trust anchors and the route's CAs in one trust manager factory. */
    private static TrustManagerFactory trustManagers(RouteSpec route) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jvm.init((KeyStore) null);
            int n = 0;
            for (TrustManager manager : jvm.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate anchor : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("jvm-" + n++, anchor);
                    }
                }
            }
            for (X509Certificate ca : route.caCertificates()) {
                store.setCertificateEntry("route-" + n++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("proxy: cannot build the trust store of route " + route.name(), e);
        }
    }
}
