package tokenbroker.door;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * The rules every request on a broker port must pass, the token port (api/HttpGuards) and the proxy routes alike
 * (SPEC §3): HTTP/1.x only (an HTTP/2 request carries no {@code Host} to check); no proxy in between
 * ({@code X-Forwarded-For}, {@code Forwarded}, absolute-form targets); one {@code Host}, naming the loopback, so that
 * a browser page that rebinds its DNS name to 127.0.0.1 cannot reach the broker. Each check answers the refusal, or
 * {@code null} for a request that passes; the answers are made once.
 */
public final class RequestRules {

    private static final ErrorAnswer UNSUPPORTED_VERSION = ErrorPolicy.invalid("only HTTP/1.1 and HTTP/1.0 are spoken here");
    private static final ErrorAnswer PROXIED = ErrorPolicy.invalid("requests through a proxy are refused:"
            + " X-Forwarded-For, Forwarded and absolute request targets are not allowed");
    private static final ErrorAnswer FOREIGN_HOST = ErrorPolicy.invalid("the Host header must name the loopback (127.0.0.1 or localhost)");
    private static final ErrorAnswer HOSTS = ErrorPolicy.invalid("a request has one Host header");

    private RequestRules() {
    }

    /** HTTP/1.1 or 1.0; the refusal closes the connection (the rest of the request cannot be trusted). */
    public static ErrorAnswer version(HttpServerRequest request) {
        // Vert.x answers any "HTTP/x.y" in kind and reports versions other than 1.0, 1.1 and 2 as null.
        return request.version() == HttpVersion.HTTP_1_1 || request.version() == HttpVersion.HTTP_1_0 ? null : UNSUPPORTED_VERSION;
    }

    /** No proxy headers, an origin-form target, one {@code Host}, and (with {@code checkHost}) a loopback one. */
    public static ErrorAnswer origin(HttpServerRequest request, boolean checkHost) {
        var headers = request.headers();
        if (headers.contains("X-Forwarded-For") || headers.contains("Forwarded") || !request.uri().startsWith("/")) {
            return PROXIED;
        }
        if (headers.getAll(HttpHeaders.HOST).size() > 1) {
            // Which one would count? Vert.x reads the first, a proxy or a log may read the last (RFC 9112 §3.2: 400).
            return HOSTS;
        }
        if (checkHost && !loopbackHost(headers.get(HttpHeaders.HOST))) {
            return FOREIGN_HOST;
        }
        return null;
    }

    /**
     * {@code localhost}, {@code 127.x.y.z} or {@code [::1]}, with or without a port; absent is accepted (HTTP/1.0).
     * Scanned by hand, not by a regex: a {@code Matcher} and its arrays would be allocated on every request.
     */
    public static boolean loopbackHost(String host) {
        if (host == null) {
            return true;
        }
        int end = host.length();
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && !(host.startsWith("[") && colon < host.indexOf(']'))) {
            if (!digits(host, colon + 1, end, 1, 5)) {
                return false;
            }
            end = colon;
        }
        if (end == 9 && host.regionMatches(true, 0, "localhost", 0, 9) || end == 5 && host.startsWith("[::1]")) {
            return true;
        }
        if (end < 4 || !host.startsWith("127.")) {
            return false;
        }
        int start = 4;
        for (int octet = 0; octet < 3; octet++) {
            int dot = octet < 2 ? host.indexOf('.', start) : end;
            if (dot < 0 || dot > end || !octet(host, start, dot)) {
                return false;
            }
            start = dot + 1;
        }
        return true;
    }

    /** An octet 0-255 in {@code host[from, to)}, without leading zeros. */
    private static boolean octet(String host, int from, int to) {
        if (!digits(host, from, to, 1, 3) || (to - from > 1 && host.charAt(from) == '0')) {
            return false;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + host.charAt(i) - '0';
        }
        return value <= 255;
    }

    private static boolean digits(String s, int from, int to, int min, int max) {
        if (to - from < min || to - from > max) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
