package tokenbroker.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross a route, each way. Hop-by-hop headers (RFC 9110 §7.6.1: {@code Connection} and every header it
 * names, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}, {@code Proxy-Authorization}, {@code Proxy-Authenticate}) stay on their connection. Towards the
 * upstream also: {@code Host} (the upstream's is set), the caller's {@code Authorization} (the route's token is set),
 * the caller secret, {@code Expect} (the route answers {@code 100 Continue} itself) and, when the route asks for it,
 * the {@code Metadata} guard.
 */
final class ForwardedHeaders {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate");
    private static final Set<String> NOT_UPSTREAM = Set.of("host", "authorization", RouteGuard.CALLER_SECRET.toLowerCase(Locale.ROOT),
            "expect", "content-length");

    private ForwardedHeaders() {
    }

    /** Copies the caller's headers that may reach the upstream; the caller sets Host, Authorization and framing. */
    static void toUpstream(MultiMap from, MultiMap to, boolean dropMetadata) {
        Set<String> named = connectionNamed(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || NOT_UPSTREAM.contains(name) || named.contains(name)
                    || (dropMetadata && name.equals("metadata"))) {
                continue;
            }
            to.add(header.getKey(), header.getValue());
        }
    }

    /** Copies the upstream's headers to the caller's answer, hop-by-hop ones (and framing) left out. */
    static void toCaller(MultiMap from, MultiMap to) {
        Set<String> named = connectionNamed(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || named.contains(name) || name.equals("content-length")) {
                continue;
            }
            to.add(header.getKey(), header.getValue());
        }
    }

    /** The headers that {@code Connection} names: hop-by-hop too (RFC 9110 §7.6.1). */
    private static Set<String> connectionNamed(MultiMap headers) {
        if (!headers.contains(HttpHeaders.CONNECTION)) {
            return Set.of();
        }
        Set<String> named = new HashSet<>();
        for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    named.add(name);
                }
            }
        }
        return named;
    }
}
