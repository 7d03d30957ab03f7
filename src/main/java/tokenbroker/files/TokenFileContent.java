package tokenbroker.files;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.regex.Pattern;
import tokenbroker.door.dto.TokenBody;
import tokenbroker.config.FileSpec;
import tokenbroker.token.AccessToken;

/**
 * The bytes of a token file in each format (docs/api.md, "Token files"). The {@code header} and {@code env}
 * formats take only tokens made of RFC 6750 {@code b64token} characters: anything else (a newline above all)
 * would let a token add a header or a variable of its own, so such a token is refused rather than written.
 */
final class TokenFileContent {

    /** RFC 6750 §2.1 b64token: JWTs and the opaque tokens of common IdPs. No space, quote, '$' or newline. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private final ObjectMapper json;

    TokenFileContent(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Renders {@code token} as {@code spec} says.
     *
     * @param now the instant of writing: the {@code json} format's {@code expires_in} counts from it
     * @throws IllegalArgumentException when the token cannot be written in this format (the message holds no token)
     */
    byte[] render(FileSpec spec, AccessToken token, Instant now) {
        String value = token.value();
        switch (spec.format()) {
            case TOKEN:
                return bytes(value);
            case HEADER:
                requireB64Token(spec, value);
                return bytes("Authorization: Bearer " + value + "\n");
            case ENV:
                requireB64Token(spec, value);
                return bytes(spec.envName() + "=" + value + "\n" + spec.envExpiresOnName() + "="
                        + token.expiresAt().getEpochSecond() + "\n");
            case JSON:
                try {
                    return json.writeValueAsBytes(TokenBody.of(token, spec.resource(), Instant.ofEpochSecond(now.getEpochSecond())));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("files: cannot render " + spec.key() + " as JSON", e);
                }
            default:
                throw new IllegalStateException("files: no format " + spec.format());
        }
    }

    private static void requireB64Token(FileSpec spec, String value) {
        if (!B64TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException("the token has characters that format=" + spec.format().word()
                    + " cannot hold safely (RFC 6750 b64token only); use format=token or json");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
