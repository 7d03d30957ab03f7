package tokenbroker.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSession;
import tokenbroker.binding.Presentation;
import tokenbroker.binding.StaleBindingException;
import tokenbroker.binding.Thumbprints;
import tokenbroker.binding.TokenPresenter;
import tokenbroker.config.RouteSpec;
import tokenbroker.token.AccessToken;
import tokenbroker.token.TokenBinding;

/**
 * How a route presents a sender-constrained token to its upstream; a route of bearer tokens has none and sets
 * {@code Authorization: Bearer} itself. Shared by the route's event loops.
 * <ul>
 * <li>DPoP (RFC 9449): {@code Authorization: DPoP <token>} and, on every request sent (a retry included), a new proof
 * from {@link TokenPresenter} for the method and the upstream URL requested ({@code htu} without the query), with
 * the upstream's latest {@code DPoP-Nonce} (§9) once it gave one.</li>
 * <li>Certificate-bound (RFC 8705): {@code Authorization: Bearer <token>}, sent only on a connection whose TLS client
 * certificate is the one the token's {@code cnf.x5t#S256} names; the route's client presents the identity's current
 * certificate ({@code ProxyServers}), and during a rotation a token and a connection that disagree make a
 * {@link StaleBindingException} (503, {@code Retry-After: 1}) rather than a request the upstream must refuse.</li>
 * </ul>
 */
final class BoundAuthorization {

    /** A DPoP challenge with {@code error="use_dpop_nonce"} (RFC 9449 §9), in any of the header's challenges. */
    private static final Pattern USE_DPOP_NONCE = Pattern.compile("(?i)(?:^|[\\s,])dpop\\b.*\\berror\\s*=\\s*\"?use_dpop_nonce\\b");
    private static final int MAX_NONCE = 512;

    private final TokenPresenter presenter;
    private final RouteSpec route;
    private final boolean dpop;
    /** {@code scheme://host[:port]} as requested: the start of every {@code htu}. */
    private final String origin;
    /** The upstream's latest {@code DPoP-Nonce}; written by any of the route's loops, a lost update costs one retry. */
    private volatile String nonce;
    /** The last client certificate seen on a connection and its thumbprint, as one immutable pair. */
    private volatile Seen seen;

    private record Seen(Certificate certificate, String thumbprint) {
    }

    private BoundAuthorization(RouteSpec route, TokenPresenter presenter) {
        this.route = route;
        this.presenter = presenter;
        this.dpop = route.resource().identity().binding() == TokenBinding.DPOP;
        this.origin = (route.tls() ? "https://" : "http://") + route.hostHeader();
    }

    /** The route's presentation of bound tokens, or {@code null} when its resource has bearer tokens. */
    static BoundAuthorization of(RouteSpec route, TokenPresenter presenter) {
        return route.resource().identity().binding().bound() ? new BoundAuthorization(route, presenter) : null;
    }

    /**
     * Sets what {@code upstream} carries for {@code token}: {@code Authorization} and, for DPoP, the proof. When the
     * token must not go (its certificate is not the connection's), resets {@code upstream}, answers the caller 503 and
     * returns false.
     *
     * @param target the upstream's origin-form target, as requested (its query is not part of {@code htu})
     */
    boolean set(RouteProxy proxy, HttpServerRequest request, HttpClientRequest upstream, String target, AccessToken token,
            long started) {
        MultiMap headers = upstream.headers();
        if (dpop) {
            int query = target.indexOf('?');
            String htu = origin + (query < 0 ? target : target.substring(0, query));
            Presentation presentation = presenter.present(route.resource(), token, upstream.getMethod().name(), htu, nonce);
            headers.set(HttpHeaders.AUTHORIZATION, presentation.authorization());
            presentation.headers().forEach(headers::set);
            return true;
        }
        if (token.boundTo() == null || !token.boundTo().equals(presented(upstream.connection()))) {
            upstream.reset();
            proxy.noToken(request, new StaleBindingException(route.resource().name()), started);
            return false;
        }
        headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + token.value());
        return true;
    }

    /**
     * Keeps the {@code DPoP-Nonce} of a DPoP route's upstream answer for the next proofs, and tells whether the answer
     * is a {@code 401} asking for it ({@code WWW-Authenticate: DPoP error="use_dpop_nonce"}), which one retry with the
     * nonce answers.
     */
    boolean nonceChallenge(HttpClientResponse answer) {
        if (!dpop) {
            return false;
        }
        String given = answer.getHeader("DPoP-Nonce");
        if (given == null || given.isBlank() || given.length() > MAX_NONCE) {
            return false;
        }
        nonce = given.strip();
        if (answer.statusCode() != 401) {
            return false;
        }
        for (String challenge : answer.headers().getAll("WWW-Authenticate")) {
            if (USE_DPOP_NONCE.matcher(challenge).find()) {
                return true;
            }
        }
        return false;
    }

    /** The thumbprint of the client certificate {@code connection} presented in its handshake, or {@code null}. */
    private String presented(HttpConnection connection) {
        SSLSession session = connection == null ? null : connection.sslSession();
        Certificate[] local = session == null ? null : session.getLocalCertificates();
        if (local == null || local.length == 0 || !(local[0] instanceof X509Certificate leaf)) {
            return null;
        }
        Seen last = seen;
        if (last != null && last.certificate() == leaf) {
            return last.thumbprint();
        }
        Seen now = new Seen(leaf, Thumbprints.x5tS256(leaf));
        seen = now;
        return now.thumbprint();
    }
}
