package tokenbroker.azure.support;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A process that asks the unmodified Azure SDK for Java for tokens, configured only by its environment, as an app
 * container beside the broker would. Started by {@link SdkProcess} in a child JVM, because the SDK reads real
 * environment variables ({@code IDENTITY_ENDPOINT}, {@code AZURE_POD_IDENTITY_AUTHORITY_HOST}), not system
 * properties.
 *
 * <pre>
 * java -cp ... tokenbroker.azure.support.SdkProbe [--default] https://vault.azure.net/.default ...
 * </pre>
 *
 * Each argument is one {@code getToken} call, in order, on one credential (so the SDK's own cache is in play);
 * each prints one line {@code PROBE {json}} on stdout: {@code scope, ok, millis} and either {@code token,
 * expires_on} or {@code error, message} (the messages of the exception and its causes).
 */
public final class SdkProbe {

    static final String PREFIX = "PROBE ";

    private SdkProbe() {
    }

    public static void main(String[] args) throws Exception {
        List<String> scopes = new ArrayList<>(List.of(args));
        boolean useDefault = scopes.remove("--default");
        TokenCredential credential = useDefault
                ? new DefaultAzureCredentialBuilder().build()
                : new ManagedIdentityCredentialBuilder().build();
        ObjectMapper json = new ObjectMapper();
        for (String scope : scopes) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("scope", scope);
            long start = System.nanoTime();
            try {
                AccessToken token = credential.getToken(new TokenRequestContext().addScopes(scope)).block(Duration.ofSeconds(60));
                line.put("ok", true);
                line.put("token", token.getToken());
                line.put("expires_on", token.getExpiresAt().toEpochSecond());
                if (token.getRefreshAt() != null) {
                    line.put("refresh_at", token.getRefreshAt().toEpochSecond());
                }
            } catch (RuntimeException e) {
                line.put("ok", false);
                line.put("error", e.getClass().getName());
                line.put("message", messages(e));
            }
            line.put("millis", (System.nanoTime() - start) / 1_000_000);
            System.out.println(PREFIX + json.writeValueAsString(line));
            System.out.flush();
        }
        // The SDK's reactor-netty threads are not daemons everywhere: do not wait for them.
        System.exit(0);
    }

    private static String messages(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" | ");
        }
        return text.toString();
    }
}
