package tokenbroker.binding;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.InstantSource;
import java.util.Map;
import tokenbroker.config.ResourceSpec;
import tokenbroker.credential.Credential;
import tokenbroker.credential.KeyMaterial;
import tokenbroker.token.AccessToken;
import tokenbroker.token.TokenBinding;

/**
 * The one place that turns a resource's token into what an upstream request carries, whatever binds it: for a bearer
 * token {@code Authorization: Bearer}; for a DPoP-bound token {@code Authorization: DPoP} and a new proof for exactly
 * this method and URL (with {@code ath}); for a certificate-bound token {@code Authorization: Bearer} and, through
 * {@link #clientCertificate}, the certificate and key to present in the TLS handshake. Used by the proofs door and
 * the credential-injecting proxy ({@code proxy/BoundAuthorization}):
 *
 * <pre>{@code
 * TokenOutcome outcome = tokens.decide(request);                 // the rules first, as for every door
 * outcome.token().map(token -> presenter.present(outcome.slot().resource(), token, "GET", upstreamUrl, dpopNonce))
 *        .subscribe().with(p -> { upstream.putHeader("Authorization", p.authorization()); p.headers().forEach(upstream::putHeader); }, ...);
 * KeyMaterial tls = presenter.clientCertificate(resource);      // non-null: present it to the upstream (RFC 8705)
 * }</pre>
 */
@ApplicationScoped
public class TokenPresenter {

    private final DpopKeys dpopKeys;
    private final CertificateRotationWatch certificates;
    private final InstantSource clock;

    TokenPresenter(DpopKeys dpopKeys, CertificateRotationWatch certificates, InstantSource clock) {
        this.dpopKeys = dpopKeys;
        this.certificates = certificates;
        this.clock = clock;
    }

    /**
     * What a request {@code method url} carries to present {@code token} of {@code resource}.
     *
     * @param nonce the upstream's latest {@code DPoP-Nonce} (RFC 9449 §9), or {@code null}
     * @throws StaleBindingException when the token is bound to a certificate that has since been rotated
     */
    public Presentation present(ResourceSpec resource, AccessToken token, String method, URI url, String nonce) {
        return present(resource, token, method, DpopProofs.htu(url), nonce);
    }

    /** As {@link #present(ResourceSpec, AccessToken, String, URI, String)}, with the {@code htu} (RFC 9449 §4.2) already made. */
    public Presentation present(ResourceSpec resource, AccessToken token, String method, String htu, String nonce) {
        TokenBinding binding = resource.identity().binding();
        if (binding == TokenBinding.DPOP) {
            String proof = DpopProofs.proof(dpopKeys.of(resource.identity()), method, htu, token.value(), nonce, clock.instant());
            return new Presentation("DPoP " + token.value(), Map.of("DPoP", proof));
        }
        if (binding == TokenBinding.CERTIFICATE && !certificates.current(resource, token)) {
            throw new StaleBindingException(resource.name());
        }
        return new Presentation("Bearer " + token.value(), Map.of());
    }

    /** The certificate and key to present in TLS to an upstream with {@code resource}'s token, or {@code null}. */
    public KeyMaterial clientCertificate(ResourceSpec resource) {
        return resource.identity().credential() instanceof Credential.TlsClientCertificate ? certificates.keys(resource) : null;
    }
}
