package tokenbroker.config;

import tokenbroker.credential.Credential;

/**
 * A checked identity: one app registration's credential at one token endpoint.
 *
 * @param entra whether the endpoint is Microsoft Entra's (set through {@code tenant-id})
 */
public record IdentitySpec(String name, String clientId, String tokenUrl, boolean entra, Credential credential) {
}
