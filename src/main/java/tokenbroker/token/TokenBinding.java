package tokenbroker.token;

/**
 * What a token is bound to, and so who can use it: anyone who holds it ({@link #BEARER}), or only whoever also holds
 * the broker's DPoP key ({@link #DPOP}, RFC 9449, claim {@code cnf.jkt}) or its TLS client certificate
 * ({@link #CERTIFICATE}, RFC 8705, claim {@code cnf.x5t#S256}). Decided per identity by its configuration.
 */
public enum TokenBinding {
    BEARER,
    DPOP,
    CERTIFICATE;

    /** Whether a token so bound is useless to a caller that holds only the token. */
    public boolean bound() {
        return this != BEARER;
    }
}
