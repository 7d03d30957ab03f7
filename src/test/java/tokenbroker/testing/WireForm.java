package tokenbroker.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads what the broker put on the wire: the token request's form, and a client assertion's parts. */
public final class WireForm {

    private static final ObjectMapper JSON = new ObjectMapper();

    private WireForm() {
    }

    /** The request's {@code application/x-www-form-urlencoded} body, every value of every name, in order. */
    public static Map<String, List<String>> form(LoggedRequest request) {
        Map<String, List<String>> form = new LinkedHashMap<>();
        String body = request.getBodyAsString();
        if (body.isEmpty()) {
            return form;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            form.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return form;
    }

    /** A compact JWS split into its decoded header and claims, and what its signature covers. */
    public record Jws(Map<String, Object> header, Map<String, Object> claims, byte[] signingInput, byte[] signature) {

        public static Jws parse(String compact) {
            String[] parts = compact.split("\\.", -1);
            if (parts.length != 3) {
                throw new AssertionError("not a compact JWS: " + parts.length + " parts");
            }
            Base64.Decoder url = Base64.getUrlDecoder();
            return new Jws(json(url.decode(parts[0])), json(url.decode(parts[1])),
                    (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), url.decode(parts[2]));
        }

        private static Map<String, Object> json(byte[] bytes) {
            try {
                return JSON.readValue(bytes, new TypeReference<Map<String, Object>>() {
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
