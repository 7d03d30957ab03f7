package tokenbroker.hostile;

import static tokenbroker.hostile.HostileRequest.Expect.bare;
import static tokenbroker.hostile.HostileRequest.Expect.json;
import static tokenbroker.hostile.HostileRequest.Expect.noToken;
import static tokenbroker.hostile.HostileRequest.Expect.refused;
import static tokenbroker.hostile.HostileRequest.Expect.token;

import java.util.ArrayList;
import java.util.List;
import tokenbroker.hostile.HostileRequest.Expect;

/**
 * The hostile-input table: malformed, oversized, smuggling, proxy and DNS-rebinding shapes of requests, each with
 * the answer the broker owes it. Every request aims at {@value HostileProfile#RESOURCE}, which holds a token, so
 * that a guard that lets a request through shows up as a 200. A few rows are the legitimate requests themselves,
 * proving that the table can see a token when one is given.
 */
final class HostileRequests {

    static final String R = HostileProfile.RESOURCE;
    private static final String NATIVE = "/v1/tokens/" + R;
    private static final String MSI = "/msi/token?api-version=2019-08-01&resource=" + R;
    private static final String IMDS = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + R;
    private static final String HOST = "Host: 127.0.0.1\r\n";
    private static final String GUARD = "Metadata: true\r\nX-IDENTITY-HEADER: anything\r\n";

    private final List<HostileRequest> rows = new ArrayList<>();

    private HostileRequests() {
    }

    static List<HostileRequest> all() {
        HostileRequests t = new HostileRequests();
        t.baselines();
        t.sizes();
        t.paths();
        t.queries();
        t.methods();
        t.bodiesAndSmuggling();
        t.versions();
        t.targetsAndHosts();
        return List.copyOf(t.rows);
    }

    private void baselines() {
        row("baseline: native", get(NATIVE), token());
        row("baseline: App Service", get(MSI), token());
        row("baseline: IMDS", get(IMDS), token());
        row("baseline: HTTP/1.0 without Host", "GET " + NATIVE + " HTTP/1.0\r\n" + GUARD + "\r\n", token());
        row("baseline: Content-Length: 0", get(NATIVE, "Content-Length: 0"), token());
        row("baseline: Host localhost:port", request("GET " + NATIVE + " HTTP/1.1", "Host: localhost:7777", GUARD), token());
        row("baseline: Host [::1]", request("GET " + NATIVE + " HTTP/1.1", "Host: [::1]:7777", GUARD), token());
    }

    private void sizes() {
        row("request line over 4 kB (path)", get("/v1/tokens/" + "a".repeat(5000)), bare(414), true);
        row("request line over 4 kB (query)", get(NATIVE + "?min_ttl=1&x=" + "a".repeat(5000)), bare(414), true);
        row("one header over 20 kB", get(NATIVE, "X-Big: " + "a".repeat(21_000)), bare(431), true);
        row("200 small headers (3 kB)", get(NATIVE, numbered(200, 1)), token());
        row("2000 headers (over 20 kB)", get(NATIVE, numbered(2000, 1)), bare(431), true);
        row("a resource name of 1000 characters", get("/v1/tokens/" + "a".repeat(1000)), json(404, "unknown_resource"));
    }

    private void paths() {
        row("encoded traversal %2e%2e%2f in the name", get("/v1/tokens/%2e%2e%2f" + R), json(404, "unknown_resource"));
        row("encoded traversal to /v1/resources", get("/v1/tokens/..%2F..%2Fresources"), json(404, "unknown_resource"));
        row("encoded dot segments, resolved (RFC 3986)", get("/v1/x/%2e%2e/tokens/" + R), token());
        row("dot segments, resolved (RFC 3986)", get("/v1/x/../tokens/" + R), token());
        row("dot segments to /v1/resources: a list, no token", get("/v1/tokens/../resources"), noToken());
        row("dot segments above the root", get("/../../v1/tokens/" + R), token());
        row("encoded slash in the name", get("/v1/tokens/" + R + "%2Fx"), json(404, "unknown_resource"));
        row("encoded slash and traversal", get("/v1/tokens/x%2F..%2F" + R), json(404, "unknown_resource"));
        row("encoded backslashes", get("/v1/tokens/x%5C..%5C" + R), json(404, "unknown_resource"));
        row("raw backslash", get("/v1/tokens\\" + R), bare(400));
        row("NUL %00 after the name", get(NATIVE + "%00"), json(404, "unknown_resource"));
        row("NUL %00 inside the name", get("/v1/tokens/hos%00tile"), json(404, "unknown_resource"));
        row("raw NUL byte", get("/v1/tokens/hos\u0000tile"), refused());
        row("encoded right-to-left override", get("/v1/tokens/%E2%80%AE" + R), json(404, "unknown_resource"));
        row("encoded non-ASCII name", get("/v1/tokens/h%C3%B4stile"), json(404, "unknown_resource"));
        row("raw UTF-8 bytes", get("/v1/tokens/h\u00c3\u00b4stile"), refused());
        row("raw UTF-8 right-to-left override", get("/v1/tokens/\u00e2\u0080\u00ae" + R), refused());
        row("encoded control characters", get("/v1/tokens/" + R + "%01%1B%7F"), json(404, "unknown_resource"));
        row("raw escape byte", get("/v1/tokens/" + R + "\u001b"), refused());
        row("bad percent-encoding", get("/v1/tokens/" + R + "%zz"), bare(400));
        row("truncated percent-encoding", get("/v1/tokens/" + R + "%2"), bare(400));
        row("CRLF %0d%0a in the path", get(NATIVE + "%0d%0aSet-Cookie:%20a=b"), json(404, "unknown_resource"));
        row("LF %0a in the path", get(NATIVE + "%0aX-Injected:%201"), json(404, "unknown_resource"));
        row("markup in the name", get("/v1/tokens/%3Cscript%3Ealert(1)%3C%2Fscript%3E"), json(404, "unknown_resource"));
        row("fragment in the target", get(NATIVE + "#x"), json(404, "unknown_resource"));
        row("matrix parameter on the name", get(NATIVE + ";a=b"), token());
        row("empty resource name", get("/v1/tokens/"), json(404, "not_found"));
        row("double slash before the path", get("//v1/tokens/" + R), token());
        row("double slash and a host: not a proxy target", get("//evil.example/v1/tokens/" + R), json(404, "not_found"));
        row("'*' as the target", get("*"), refused());
    }

    private void queries() {
        for (String ttl : List.of("abc", "-1", "-0x10", "1.5", "1e3", "+5", "86401", "99999999999999999999999", "%00",
                "1%0d%0aX-Injected:%201", "%E2%80%AE1")) {
            row("min_ttl=" + ttl, get(NATIVE + "?min_ttl=" + ttl), json(400, "invalid_request"));
        }
        row("min_ttl repeated", get(NATIVE + "?min_ttl=1&min_ttl=600"), json(400, "invalid_request"));
        row("force_refresh repeated", get(NATIVE + "?force_refresh=false&force_refresh=true"), json(400, "invalid_request"));
        row("force_refresh=yes", get(NATIVE + "?force_refresh=yes"), json(400, "invalid_request"));
        // RESTEasy Reactive drops a parameter without a value: these count as absent.
        row("min_ttl without '=' is ignored", get(NATIVE + "?min_ttl"), token());
        row("min_ttl= (empty) is ignored", get(NATIVE + "?min_ttl="), token());
        row("empty and nameless parameters are ignored", get(NATIVE + "?&&=&=x&"), token());
        row("unknown parameter is ignored", get(NATIVE + "?resource=other&foo=bar"), token());
        row("bad percent-encoding in the query", get(NATIVE + "?min_ttl=%zz"), bare(400));
        row("App Service: resource repeated", get(MSI + "&resource=" + R), json(400, "invalid_request"));
        row("App Service: api-version repeated", get(MSI + "&api-version=2019-08-01"), json(400, "invalid_request"));
        row("App Service: wrong api-version", get("/msi/token?api-version=2017-09-01&resource=" + R), json(400, "invalid_request"));
        row("App Service: no resource", get("/msi/token?api-version=2019-08-01"), json(400, "invalid_request"));
        row("App Service: CRLF in resource", get(MSI + "%0d%0aX-Injected:%201"), json(400, "invalid_resource"));
        row("App Service: NUL in resource", get(MSI + "%00"), json(400, "invalid_resource"));
        row("App Service: traversal in resource", get("/msi/token?api-version=2019-08-01&resource=..%2F" + R),
                json(400, "invalid_resource"));
        row("App Service: mi_res_id", get(MSI + "&mi_res_id=/subscriptions/x"), json(400, "invalid_request"));
        row("App Service: unknown client_id", get(MSI + "&client_id=00000000-0000-0000-0000-000000000000"),
                json(400, "invalid_resource"));
        row("App Service: no X-IDENTITY-HEADER", request("GET " + MSI + " HTTP/1.1", HOST, "Metadata: true"),
                json(400, "invalid_request"));
        row("IMDS: resource repeated", get(IMDS + "&resource=" + R), json(400, "invalid_request"));
        row("IMDS: no api-version", get("/metadata/identity/oauth2/token?resource=" + R), json(400, "invalid_request"));
        row("IMDS: object_id", get(IMDS + "&object_id=x"), json(400, "invalid_request"));
        row("IMDS: no Metadata header", request("GET " + IMDS + " HTTP/1.1", HOST, "X-IDENTITY-HEADER: x"),
                json(400, "bad_request_102"));
        row("native: no Metadata header", request("GET " + NATIVE + " HTTP/1.1", HOST), json(400, "invalid_request"));
        row("native: Metadata: false", request("GET " + NATIVE + " HTTP/1.1", HOST, "Metadata: false"),
                json(400, "invalid_request"));
        row("native: Metadata header with CR LF in its value",
                request("GET " + NATIVE + " HTTP/1.1", HOST, "Metadata: x\r\nMetadata: true"), json(400, "invalid_request"));
        row("resources: no Metadata header", request("GET /v1/resources HTTP/1.1", HOST), json(400, "invalid_request"));
    }

    private void methods() {
        // The usual methods go through rest-assured in HostileParametersTest; here, those it cannot send, and POST
        // to see the connection really closed.
        for (String method : List.of("POST", "CONNECT", "PROPFIND", "BREW", "get")) {
            for (String target : List.of(NATIVE, MSI, IMDS, "/v1/resources")) {
                row(method + " " + target.replaceFirst("\\?.*", ""), request(method + " " + target + " HTTP/1.1", HOST,
                        GUARD + "Content-Length: 0"), json(405, "method_not_allowed"), true);
            }
        }
        row("HEAD: 405 without a body", request("HEAD " + NATIVE + " HTTP/1.1", HOST, GUARD), refused(), true);
        row("CORS pre-flight from a web page", request("OPTIONS " + NATIVE + " HTTP/1.1", HOST, "Origin: http://evil.example",
                "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: metadata"),
                json(405, "method_not_allowed"), true);
        row("OPTIONS *", request("OPTIONS * HTTP/1.1", HOST), refused());
        row("CONNECT authority-form", request("CONNECT 127.0.0.1:7777 HTTP/1.1", HOST), refused());
        row("X-HTTP-Method-Override is not a method", get(NATIVE, "X-HTTP-Method-Override: DELETE"), token());
    }

    private void bodiesAndSmuggling() {
        String smuggled = "GET " + NATIVE + " HTTP/1.1\r\n" + HOST + GUARD + "\r\n";
        row("GET with a Content-Length body", get(NATIVE, "Content-Length: 5") + "hello", json(400, "invalid_request"), true);
        row("GET with a chunked body", get(NATIVE, "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n",
                json(400, "invalid_request"), true);
        row("GET carrying a whole request as its body",
                get("/v1/resources", "Content-Length: " + smuggled.length()) + smuggled, json(400, "invalid_request"), true);
        row("CL and TE together", get(NATIVE, "Content-Length: 4", "Transfer-Encoding: chunked") + "0\r\n\r\n" + smuggled,
                bare(400), true);
        row("two different Content-Lengths", get("/v1/resources", "Content-Length: 0", "Content-Length: " + smuggled.length())
                + smuggled, bare(400), true);
        row("two equal Content-Lengths", get(NATIVE, "Content-Length: 0", "Content-Length: 0"), bare(400), true);
        row("Content-Length: -1", get(NATIVE, "Content-Length: -1"), bare(400), true);
        row("Content-Length: abc", get(NATIVE, "Content-Length: abc"), bare(400), true);
        row("TE: chunked with junk", get(NATIVE, "Transfer-Encoding: chunked") + "zz\r\n" + smuggled, refused(), true);
        row("TE: chunked, identity", get(NATIVE, "Transfer-Encoding: chunked, identity") + "0\r\n\r\n" + smuggled,
                bare(400), true);
        row("TE: xchunked (no body for Netty, a body for some proxies)", get(NATIVE, "Transfer-Encoding: xchunked") + smuggled,
                json(400, "invalid_request"), true);
        row("TE: CHUNKED", get(NATIVE, "Transfer-Encoding: CHUNKED") + "0\r\n\r\n" + smuggled, json(400, "invalid_request"), true);
        row("TE with a space before the colon", get(NATIVE, "Transfer-Encoding : chunked") + "0\r\n\r\n" + smuggled,
                bare(400), true);
        row("a refused POST does not let a pipelined GET through",
                request("POST /v1/resources HTTP/1.1", HOST, GUARD + "Content-Length: 0") + smuggled,
                json(405, "method_not_allowed"), true);
        row("header line without a colon", get(NATIVE, "garbage line"), bare(400), true);
        row("bare CR inside a header", "GET " + NATIVE + " HTTP/1.1\r\n" + HOST + "Metadata: true\rX-Injected: 1\r\n\r\n",
                bare(400), true);
        row("header folded over two lines (obs-fold)", get(NATIVE, "X-A: a\r\n b"), token());
        row("Expect: 100-continue", get(NATIVE, "Expect: 100-continue"), token());
    }

    private void versions() {
        row("HTTP/0.9 request line", "GET " + NATIVE + "\r\n", bare(400), true);
        row("HTTP/9.9", request("GET " + NATIVE + " HTTP/9.9", HOST, GUARD), json(400, "invalid_request"), true);
        row("HTTP/1.2", request("GET " + NATIVE + " HTTP/1.2", HOST, GUARD), json(400, "invalid_request"), true);
        row("HTTP/2.0 as text", request("GET " + NATIVE + " HTTP/2.0", HOST, GUARD), json(400, "invalid_request"), true);
        row("made-up protocol FOO/1.1", request("GET " + NATIVE + " FOO/1.1", HOST, GUARD), json(400, "invalid_request"), true);
        row("lower-case http/1.1", request("GET " + NATIVE + " http/1.1", HOST, GUARD), refused(), true);
        row("HTTP/2 connection preface (prior knowledge)", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", refused(), true);
        row("Upgrade: h2c is ignored: HTTP/1.1 200", get(NATIVE, "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c",
                "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"), token());
        row("Upgrade: h2c with a foreign Host", request("GET " + NATIVE + " HTTP/1.1", "Host: evil.example", GUARD,
                "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"),
                json(400, "invalid_request"));
        row("binary garbage", "\u0000\u0001\u0002\u00ff garbage \r\n\r\n", bare(400), true);
        row("TLS ClientHello with a line feed", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003"
                + "\n".repeat(4) + "\u0000".repeat(28), bare(400), true);
    }

    private void targetsAndHosts() {
        row("absolute-form target, foreign host", request("GET http://evil.example" + NATIVE + " HTTP/1.1",
                "Host: evil.example", GUARD), json(400, "invalid_request"));
        row("absolute-form target, loopback", request("GET http://127.0.0.1:7777" + NATIVE + " HTTP/1.1", HOST, GUARD),
                json(400, "invalid_request"));
        row("absolute-form target, https", request("GET https://127.0.0.1" + MSI + " HTTP/1.1", HOST, GUARD),
                json(400, "invalid_request"));
        row("X-Forwarded-For", get(NATIVE, "X-Forwarded-For: 10.0.0.1"), json(400, "invalid_request"));
        row("Forwarded", get(IMDS, "Forwarded: for=10.0.0.1;host=evil.example"), json(400, "invalid_request"));
        for (String host : List.of("evil.example", "127.0.0.1.evil.com", "localhost.evil.com", "evil.example:7777", "",
                "0.0.0.0", "10.0.0.1", "[::2]", "[::1].evil.com", "localhost.", "127.0.0.1:7777:1", "127.0.0.1 evil.example")) {
            row("Host: '" + host + "'", request("GET " + NATIVE + " HTTP/1.1", "Host: " + host, GUARD),
                    json(400, "invalid_request"));
        }
        for (String host : List.of("localhost:abc", "evil@127.0.0.1", "127.0.0.1:99999999")) {
            row("Host: '" + host + "' (refused by Vert.x Web)", request("GET " + NATIVE + " HTTP/1.1", "Host: " + host,
                    GUARD), json(400, "invalid_request"));
        }
        row("HTTP/1.1 without Host", request("GET " + NATIVE + " HTTP/1.1", GUARD), json(400, "invalid_request"));
        row("two Host headers, loopback first", request("GET " + NATIVE + " HTTP/1.1", HOST, "Host: evil.example", GUARD),
                json(400, "invalid_request"));
        row("two Host headers, foreign first", request("GET " + NATIVE + " HTTP/1.1", "Host: evil.example", HOST, GUARD),
                json(400, "invalid_request"));
        row("two loopback Host headers", request("GET " + NATIVE + " HTTP/1.1", HOST, HOST, GUARD), json(400, "invalid_request"));
        for (String target : List.of(NATIVE, MSI, IMDS, "/v1/resources")) {
            row("DNS rebinding: " + target.replaceFirst("\\?.*", ""), request("GET " + target + " HTTP/1.1",
                    "Host: rebound.evil.example:7777", GUARD, "Origin: http://rebound.evil.example:7777",
                    "Referer: http://rebound.evil.example:7777/"), json(400, "invalid_request"));
        }
    }

    private void row(String name, String request, Expect expect) {
        rows.add(new HostileRequest(name, request, expect, false));
    }

    private void row(String name, String request, Expect expect, boolean closes) {
        rows.add(new HostileRequest(name, request, expect, closes));
    }

    /** A GET of {@code target} that passes every guard of every endpoint, with {@code headers} added. */
    static String get(String target, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = HOST.strip();
        all[1] = GUARD.strip();
        System.arraycopy(headers, 0, all, 2, headers.length);
        return request("GET " + target + " HTTP/1.1", all);
    }

    static String request(String requestLine, String... headers) {
        StringBuilder request = new StringBuilder(requestLine).append("\r\n");
        for (String header : headers) {
            request.append(header.strip()).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    private static String numbered(int count, int valueLength) {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < count; i++) {
            headers.append(i == 0 ? "" : "\r\n").append("X-Header-").append(i).append(": ").append("v".repeat(valueLength));
        }
        return headers.toString();
    }
}
