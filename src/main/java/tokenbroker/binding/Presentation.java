package tokenbroker.binding;

import java.util.Map;

/**
 * How to present one token on one upstream request: the {@code Authorization} value ({@code Bearer <token>} or
 * {@code DPoP <token>}) and the headers to add (a fresh {@code DPoP} proof). For a certificate-bound token the TLS
 * client keys come from {@link TokenPresenter#clientCertificate}. Holds a token: {@link #toString()} shows none.
 */
public record Presentation(String authorization, Map<String, String> headers) {

    @Override
    public String toString() {
        return "Presentation[headers=" + headers.keySet() + ", values=<redacted>]";
    }
}
