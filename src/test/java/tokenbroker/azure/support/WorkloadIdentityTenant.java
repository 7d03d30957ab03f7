package tokenbroker.azure.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * An AKS pod with Azure Workload Identity: no {@code broker.identities} at all, only the variables the webhook
 * injects ({@code AZURE_CLIENT_ID}, {@code AZURE_TENANT_ID}, {@code AZURE_FEDERATED_TOKEN_FILE},
 * {@code AZURE_AUTHORITY_HOST}, which ends in '/' as the webhook sets it), so that SPEC §2 makes the identity
 * {@code azure}; a fake Entra that trusts the projected service-account token; resources {@code vault} and
 * {@code sql} without an {@code identity} key; and no caller, so that SDKs in IMDS mode (which cannot send a
 * caller secret) are served.
 */
public class WorkloadIdentityTenant extends FakeEntraResource {

    public static final String TENANT = "e3b0c442-98fc-4c14-9afb-f4c8996fb924";
    public static final String CLIENT_ID = "5d3a9f2e-0c41-4b7a-8e6d-2f1c0b9a8e7d";
    public static final String TOKEN_FILE = "azure-identity-token";
    public static final String VAULT = "https://vault.azure.net/.default";
    public static final String SQL = "https://database.windows.net//.default";

    @Override
    protected Map<String, String> configure(FakeEntra entra, Path dir) throws Exception {
        String token = serviceAccountToken("1");
        entra.addTenant(TENANT, "https://vault.azure.net", "https://database.windows.net/")
                .registerFederated(TENANT, CLIENT_ID, token);
        Map<String, String> c = new HashMap<>();
        c.put("AZURE_CLIENT_ID", CLIENT_ID);
        c.put("AZURE_TENANT_ID", TENANT);
        // kubelet writes the projected token without a trailing newline
        c.put("AZURE_FEDERATED_TOKEN_FILE", write(dir, TOKEN_FILE, token).toString());
        c.put("AZURE_AUTHORITY_HOST", entra.authorityHost() + "/");
        c.put("broker.resources.vault.scopes", VAULT);
        c.put("broker.resources.sql.scopes", SQL);
        c.put("test.azure.wire-recorder", "true");
        return c;
    }

    /**
     * A token shaped like the one kubelet projects for the webhook (audience {@code api://AzureADTokenExchange});
     * Entra checks its signature against the cluster's OIDC issuer, which the fake replaces by byte equality.
     */
    public static String serviceAccountToken(String serial) {
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"RS256\",\"kid\":\"aks-" + serial + "\"}";
        String claims = "{\"aud\":[\"api://AzureADTokenExchange\"],\"iss\":\"https://eastus.oic.prod-aks.azure.com/" + TENANT
                + "/0c1b2a39-4d5e-4f60-8172-93a4b5c6d7e8/\",\"sub\":\"system:serviceaccount:shop:checkout\",\"iat\":" + now
                + ",\"nbf\":" + now + ",\"exp\":" + (now + 3600) + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(("kubelet-signature-" + serial).getBytes(StandardCharsets.US_ASCII));
    }
}
