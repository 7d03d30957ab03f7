package tokenbroker.door;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;
import io.vertx.core.http.HttpServerRequest;

/**
 * A request on the proofs door ({@code GET /v1/proofs/{resource}?htm=M&htu=URL[&nonce=N]}): the token request it
 * makes, judged by {@link TokenService#decide} like every other, and the upstream request the proof is for.
 *
 * @param method the upstream request's method ({@code htm}), upper case
 * @param url the upstream request's URL ({@code htu}): absolute http(s), no user info; query and fragment dropped
 * @param nonce the upstream's {@code DPoP-Nonce}, or {@code null}
 */
public record ProofRequest(TokenRequest token, String method, URI url, String nonce) {

    private static final Pattern METHOD = Pattern.compile("[A-Za-z]{1,16}");
    private static final Pattern NONCE = Pattern.compile("[\\x21-\\x7e]{1,512}");

    /** Parses; a bad {@code htm}, {@code htu} or {@code nonce} becomes the token request's malformed parameter. */
    public static ProofRequest parse(HttpServerRequest http, String segment) {
        TokenRequest base = TokenRequests.nativeApi(http, segment);
        TokenRequests.Parameters p = new TokenRequests.Parameters(http.query());
        String htm = p.single("htm");
        String htu = p.single("htu");
        String nonce = p.single("nonce");
        URI url = null;
        if (htm == null || !METHOD.matcher(htm).matches()) {
            p.fail(Refusal.badRequest("htm must be the HTTP method of the request the proof is for, e.g. GET"));
        }
        if (htu == null) {
            p.fail(Refusal.badRequest("htu must be the absolute http(s) URL of the request the proof is for"));
        } else {
            url = url(htu, p);
        }
        if (nonce != null && !NONCE.matcher(nonce).matches()) {
            p.fail(Refusal.badRequest("nonce must be the upstream's DPoP-Nonce value"));
        }
        Refusal malformed = base.malformed() != null ? base.malformed() : p.problem();
        TokenRequest token = new TokenRequest(Door.PROOF, base.guarded(), base.callerSecret(), base.resource(), null, base.minTtl(),
                base.force(), false, malformed);
        return new ProofRequest(token, htm == null ? null : htm.toUpperCase(Locale.ROOT), url, nonce);
    }

    private static URI url(String htu, TokenRequests.Parameters p) {
        try {
            URI uri = new URI(htu);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null && uri.getRawUserInfo() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        p.fail(Refusal.badRequest("htu must be the absolute http(s) URL of the request the proof is for"));
        return null;
    }
}
