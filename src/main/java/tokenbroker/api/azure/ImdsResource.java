package tokenbroker.api.azure;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import tokenbroker.api.ApiError;
import tokenbroker.api.TokenRenderer;
import tokenbroker.api.TokenResource;
import tokenbroker.config.CallerSpec;
import tokenbroker.metrics.BrokerMetrics.Endpoint;

/**
 * The Azure Instance Metadata Service token endpoint (SPEC §3.3), for SDKs pointed here with
 * {@code AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:7777}. {@code //metadata/...} is folded into
 * {@code /metadata/...} by {@link tokenbroker.api.HttpGuards} before routing.
 */
@Path("/metadata/identity/oauth2/token")
public class ImdsResource {

    private final AzureTokenService tokens;

    ImdsResource(AzureTokenService tokens) {
        this.tokens = tokens;
    }

    @GET
    public Uni<Response> token(@QueryParam("api-version") List<String> apiVersion, @QueryParam("resource") List<String> resource,
            @QueryParam("client_id") List<String> clientId, @QueryParam("mi_res_id") List<String> resourceId,
            @QueryParam("object_id") List<String> objectId, @HeaderParam("Metadata") String metadata,
            @HeaderParam("X-IDENTITY-HEADER") String callerSecret) {
        try {
            if (!"true".equalsIgnoreCase(metadata)) {
                throw new ApiError(400, "bad_request_102", "Required metadata header not specified");
            }
            CallerSpec caller = tokens.caller(callerSecret);
            String version = TokenResource.single("api-version", apiVersion);
            if (version == null || version.isBlank()) {
                throw ApiError.badRequest("the api-version parameter is required, e.g. 2018-02-01");
            }
            if (TokenResource.single("mi_res_id", resourceId) != null || TokenResource.single("object_id", objectId) != null) {
                throw ApiError.badRequest("mi_res_id and object_id are not supported: choose with client_id");
            }
            return tokens.serve(Endpoint.IMDS, caller, TokenResource.single("resource", resource),
                    TokenResource.single("client_id", clientId), TokenRenderer::imdsJson);
        } catch (ApiError e) {
            return tokens.refused(Endpoint.IMDS, e);
        }
    }
}
