package tokenbroker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The broker's configuration, as {@code ../shared/SPEC.md} §2 lists it. Most keys are optional here on purpose:
 * {@link BrokerSetupFactory} checks them against each other and reports every problem with the key that holds
 * it, which reads better than SmallRye's "missing property" for a key the user never heard of.
 */
@ConfigMapping(prefix = "broker")
public interface BrokerConfig {

    /** The app registrations whose credentials the broker holds, by a name of your choice. */
    Map<String, IdentityConfig> identities();

    /** The tokens the broker keeps warm, by the name callers ask for. */
    Map<String, ResourceConfig> resources();

    /** The local processes allowed to ask; when none is configured, any local process may. */
    Map<String, CallerConfig> callers();

    /** Credential-injecting proxy routes, by a name of your choice (docs/proxy.md). */
    Map<String, RouteConfig> routes();
    /** Tokens written to files, for programs that take a token only as a file, by a name of your choice. */
    Map<String, FileConfig> files();

    /** Refresh timing and backoff. */
    RefreshConfig refresh();

    /** Deadlines of requests to identity providers. */
    IdpConfig idp();

    /** One app registration at one token endpoint. */
    interface IdentityConfig {
        /** The OAuth 2.0 client id (Entra: the application id). */
        @WithName("client-id")
        Optional<String> clientId();

        /** The token endpoint of any OAuth 2.0 server. Mutually exclusive with {@code tenant-id}. */
        @WithName("token-url")
        Optional<String> tokenUrl();

        /** A Microsoft Entra tenant: the token URL becomes {@code {authority-host}/{tenant-id}/oauth2/v2.0/token}. */
        @WithName("tenant-id")
        Optional<String> tenantId();

        /** The Entra authority, for sovereign clouds. */
        @WithName("authority-host")
        @WithDefault("https://login.microsoftonline.com")
        String authorityHost();

        /** A file holding the client secret; re-read when it changes. */
        @WithName("secret-file")
        Optional<String> secretFile();

        /** The client secret inline: for development only. */
        Optional<String> secret();

        /** A PEM certificate (chain), or a PKCS#12 key store holding certificate and key. */
        @WithName("certificate-file")
        Optional<String> certificateFile();

        /** The PEM (PKCS#8) private key of {@code certificate-file}. */
        @WithName("key-file")
        Optional<String> keyFile();

        /** A file holding the password of a PKCS#12 {@code certificate-file}. */
        @WithName("key-store-password-file")
        Optional<String> keyStorePasswordFile();

        /** The {@code kid} header of client assertions; left out unless set (Keycloak rejects a foreign kid). */
        @WithName("key-id")
        Optional<String> keyId();

        /** The {@code aud} of client assertions; by default the token URL. */
        @WithName("assertion-audience")
        Optional<String> assertionAudience();

        /** A federated assertion (e.g. a projected service-account token), read on every token request. */
        @WithName("assertion-file")
        Optional<String> assertionFile();

        /**
         * {@code client_secret_basic}, {@code client_secret_post}, {@code private_key_jwt} or {@code tls_client_auth}
         * (RFC 8705: {@code certificate-file} and {@code key-file} presented in the TLS handshake); derived by default.
         */
        @WithName("auth-method")
        Optional<String> authMethod();

        /** PEM CA certificates that alone are trusted for the token endpoint's TLS; the JVM's trust store by default. */
        @WithName("ca-file")
        Optional<String> caFile();

        /** DPoP (RFC 9449): token requests carry a proof of a key the broker holds, and tokens come bound to it. */
        @WithDefault("false")
        boolean dpop();

        /** The DPoP key (PEM PKCS#8; an EC key also needs its PUBLIC KEY block); generated at start when left out. */
        @WithName("dpop-key-file")
        Optional<String> dpopKeyFile();
    }

    /** A token the broker keeps warm. */
    interface ResourceConfig {
        /** The identity that requests it; may be left out when exactly one identity exists. */
        Optional<String> identity();

        /** The scopes to request, e.g. {@code https://graph.microsoft.com/.default}. */
        Optional<List<String>> scopes();

        /** Extra form parameters of the token request ({@code audience}, {@code resource}, ...). */
        Map<String, String> params();

        /** Whether readiness waits for this resource's token. */
        @WithDefault("true")
        boolean required();
    }

    /** A local process that may ask for tokens. */
    interface CallerConfig {
        /** A file holding the caller's secret, presented in {@code X-IDENTITY-HEADER}; re-read when it changes. */
        @WithName("secret-file")
        Optional<String> secretFile();

        /** The resources this caller may have; all when left out. */
        Optional<List<String>> resources();
    }

    /**
     * A loopback port that forwards every request to one upstream, with the route's token in {@code Authorization}:
     * the app changes only its base URL and holds no token.
     */
    interface RouteConfig {
        /** Where requests go: {@code https://host[:port][/base-path]}; {@code http} only to a loopback host. */
        Optional<String> upstream();

        /** The configured resource whose token the route adds; callers need the right to it. */
        Optional<String> resource();

        /** The route's own port on 127.0.0.1; {@code 0} picks a free one (tests). */
        OptionalInt port();

        /** What to do with a caller's own {@code Authorization}: {@code drop} it, or {@code refuse} the request (400). */
        @WithName("caller-authorization")
        @WithDefault("drop")
        String callerAuthorization();

        /** Whether requests must carry {@code Metadata: true}, as the token API does (an SSRF guard). */
        @WithName("require-metadata")
        @WithDefault("false")
        boolean requireMetadata();

        /** PEM certificates of CAs trusted for this upstream, in addition to the JVM's trust store. */
        @WithName("ca-file")
        Optional<String> caFile();

        /** The TCP and TLS connect timeout to the upstream. */
        @WithName("connect-timeout")
        @WithDefault("5s")
        Duration connectTimeout();

        /** An exchange with nothing received from the upstream for this long is ended (and its connection closed). */
        @WithDefault("30s")
        Duration timeout();

        /** At most this many connections to the upstream (shared evenly by the event loops); further requests wait for one. */
        @WithName("max-connections")
        @WithDefault("32")
        int maxConnections();
    }

    /** A resource's token kept in a file: written atomically on every refresh, removed once none can be served. */
    interface FileConfig {
        /** The resource whose token the file holds. */
        Optional<String> resource();

        /** The file's absolute path; its directory must exist and be writable (e.g. an in-memory emptyDir). */
        Optional<String> path();

        /** {@code token} (the bare token), {@code header} ({@code Authorization: Bearer ...}), {@code json} or {@code env}. */
        @WithDefault("token")
        String format();

        /** The file's permissions in octal; never writable by group or others. */
        @WithDefault("0440")
        String mode();

        /** With {@code format=env}: the variable that holds the token. */
        @WithName("env-name")
        @WithDefault("ACCESS_TOKEN")
        String envName();

        /** With {@code format=env}: the variable that holds the expiry in epoch seconds; default {@code <env-name>_EXPIRES_ON}. */
        @WithName("env-expires-on-name")
        Optional<String> envExpiresOnName();
    }

    /** Refresh timing. */
    interface RefreshConfig {
        /** No token is served with less than this left. */
        @WithName("min-serve-ttl")
        @WithDefault("10s")
        Duration minServeTtl();

        /** The first retry delay after a failure. */
        @WithName("backoff-initial")
        @WithDefault("1s")
        Duration backoffInitial();

        /** The longest retry delay, and the pace of retries after a permanent failure. */
        @WithName("backoff-max")
        @WithDefault("60s")
        Duration backoffMax();

        /** At most one {@code force_refresh} IdP request per resource in this interval. */
        @WithName("force-interval")
        @WithDefault("10s")
        Duration forceInterval();

        /** How often the sweeper starts due refreshes and re-reads caller secret files; {@code off} in some tests. */
        @WithName("sweep-interval")
        @WithDefault("1s")
        String sweepInterval();
    }

    /** Deadlines of IdP requests. */
    interface IdpConfig {
        /** The TCP (and TLS) connect timeout. */
        @WithName("connect-timeout")
        @WithDefault("5s")
        Duration connectTimeout();

        /** The deadline of a whole token exchange, from sending to the parsed answer. */
        @WithDefault("15s")
        Duration timeout();
    }
}
