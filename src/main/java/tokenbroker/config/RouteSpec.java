package tokenbroker.config;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * A checked proxy route: requests to {@code 127.0.0.1:port} go to {@code upstream}, with {@code resource}'s token.
 *
 * @param tls whether the upstream speaks HTTPS
 * @param host the upstream's host, as the {@code Host} header and TLS name checks use it
 * @param upstreamPort the upstream's port (the scheme's default when the URL names none)
 * @param basePath the upstream path that every request path is appended to; empty or {@code /a/b}, never ending in
 *        {@code /}
 * @param port the route's loopback port; 0 for any free one
 * @param refuseCallerAuthorization whether a caller's own {@code Authorization} is refused (400) rather than dropped
 * @param caCertificates CAs trusted in addition to the JVM's trust store; empty when none is configured
 */
public record RouteSpec(String name, String upstream, boolean tls, String host, int upstreamPort, String basePath,
        ResourceSpec resource, int port, boolean refuseCallerAuthorization, boolean requireMetadata,
        List<X509Certificate> caCertificates, Duration connectTimeout, Duration timeout, int maxConnections) {

    /** The {@code Host} header sent upstream: the port only when it is not the scheme's default. */
    public String hostHeader() {
        String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return upstreamPort == (tls ? 443 : 80) ? name : name + ":" + upstreamPort;
    }
}
