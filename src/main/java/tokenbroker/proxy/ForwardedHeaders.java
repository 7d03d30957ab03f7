package tokenbroker.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;

/**
 * Which headers cross a route, each way. Hop-by-hop headers (RFC 9110 §7.6.1: {@code Connection} and every header it
 * names, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}, {@code Proxy-Authorization}, {@code Proxy-Authenticate}) stay on their connection. Towards the
 * upstream also: {@code Host} (the upstream's is set), the caller's {@code Authorization} (the route's token is set),
 * the caller secret, {@code Expect} (the route answers {@code 100 Continue} itself) and, when the route asks for it,
 * the {@code Metadata} guard.
 */
final class ForwardedHeaders {

    // Case-insensitive name sets that look a name up without lower-casing it (no String made per header): Vert.x's
    // header map hashes and compares names ignoring case. Filled here and only read afterwards.
    private static final MultiMap HOP_BY_HOP = names("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate");
    private static final MultiMap NOT_UPSTREAM = names("host", "authorization", RouteGuard.CALLER_SECRET, "expect",
            "content-length");
    private static final MultiMap NOT_TO_CALLER = names("content-length");

    private ForwardedHeaders() {
    }

    /** Copies the caller's headers that may reach the upstream; the caller sets Host, Authorization and framing. */
    static void toUpstream(MultiMap from, MultiMap to, boolean dropMetadata) {
        MultiMap named = connectionNamed(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (HOP_BY_HOP.contains(name) || NOT_UPSTREAM.contains(name) || (named != null && named.contains(name))
                    || (dropMetadata && name.equalsIgnoreCase("metadata"))) {
                continue;
            }
            to.add(name, header.getValue());
        }
    }

    /** Copies the upstream's headers to the caller's answer, hop-by-hop ones (and framing) left out. */
    static void toCaller(MultiMap from, MultiMap to) {
        MultiMap named = connectionNamed(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (HOP_BY_HOP.contains(name) || NOT_TO_CALLER.contains(name) || (named != null && named.contains(name))) {
                continue;
            }
            to.add(name, header.getValue());
        }
    }

    private static MultiMap names(String... names) {
        MultiMap set = MultiMap.caseInsensitiveMultiMap();
        for (String name : names) {
            set.add(name, "");
        }
        return set;
    }

    /** The headers that {@code Connection} names, hop-by-hop too (RFC 9110 §7.6.1); {@code null} when none. */
    private static MultiMap connectionNamed(MultiMap headers) {
        if (!headers.contains(HttpHeaders.CONNECTION)) {
            return null;
        }
        MultiMap named = MultiMap.caseInsensitiveMultiMap();
        for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.strip();
                if (!name.isEmpty()) {
                    named.add(name, "");
                }
            }
        }
        return named;
    }
}
