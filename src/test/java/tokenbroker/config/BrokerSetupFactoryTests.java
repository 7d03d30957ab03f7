package tokenbroker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tokenbroker.credential.Credential;
import tokenbroker.testing.TestKeys;

/**
 * Every rule of {@link BrokerSetupFactory}, one test each: a valid configuration is broken in one place and the
 * test checks the one problem reported, starting with the exact key at fault. The configuration is a real
 * {@link BrokerConfig} made by SmallRye Config from properties, as Quarkus makes it.
 */
class BrokerSetupFactoryTests {

    private static final String KEYCLOAK_URL = "https://keycloak.example/realms/broker/protocol/openid-connect/token";
    private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String APP_ID = "9d6f7a4e-2b1c-4a3e-8f0d-5c6b7a8e9f01";
    private static final String ENTRA_URL = "https://login.microsoftonline.com/" + TENANT + "/oauth2/v2.0/token";
    private static final String GRAPH = "https://graph.microsoft.com/.default";

    @TempDir
    Path dir;

    private final Map<String, String> props = new LinkedHashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private Path secretFile;

    @BeforeEach
    void files() {
        secretFile = TestKeys.write(dir.resolve("client-secret"), "kc-secret-value\n");
    }

    // ---- no identity, endpoint, client id ---------------------------------------------------------------------

    @Test
    void create_whenNoIdentityAndNoWorkloadIdentity_reportsBrokerIdentities() {
        resource("api", "api.read");

        assertThat(problems()).singleElement().asString()
                .startsWith("broker.identities: no identity is configured; set broker.identities.<id>.client-id")
                .contains("AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE");
    }

    @Test
    void create_whenNoResource_reportsBrokerResources() {
        keycloakIdentity("idp");

        assertThat(problems()).containsExactly("broker.resources: no resource is configured; set broker.resources.<name>.scopes");
    }

    @Test
    void create_whenClientIdMissingOrBlank_reportsClientId() {
        keycloakIdentity("idp");
        keycloakIdentity("blank");
        unset("identities.idp.client-id");
        set("identities.blank.client-id", "   ");
        resource("api", "api.read").set("resources.api.identity", "idp");

        assertThat(problems()).containsExactly("broker.identities.blank.client-id: missing", "broker.identities.idp.client-id: missing");
    }

    @Test
    void create_whenTokenUrlAndTenantIdBoth_reportsIdentity() {
        keycloakIdentity("idp").set("identities.idp.tenant-id", TENANT);
        resource("api", "api.read");

        assertThat(problems()).containsExactly("broker.identities.idp: set token-url or tenant-id, not both");
    }

    @Test
    void create_whenNeitherTokenUrlNorTenantId_reportsIdentity() {
        keycloakIdentity("idp").unset("identities.idp.token-url");
        resource("api", "api.read");

        assertThat(problems()).containsExactly(
                "broker.identities.idp: missing token-url (any OAuth 2.0 server) or tenant-id (Microsoft Entra)");
    }

    @Test
    void create_whenTokenUrlIsNotHttp_reportsTokenUrl() {
        for (String url : List.of("ftp://keycloak.example/token", "keycloak.example/token", "https:///token",
                "https://keycloak.example/token#frag", "https://user@keycloak.example/token", "https://bad host/token")) {
            props.clear();
            keycloakIdentity("idp").set("identities.idp.token-url", url);
            resource("api", "api.read");

            String shown = url.contains("@") ? "the value" : "'" + url + "'";
            assertThat(problems()).as(url).containsExactly("broker.identities.idp.token-url: " + shown
                    + " is not an http or https URL without user info or fragment");
        }
    }

    @Test
    void create_whenTokenUrlCarriesAPassword_neverEchoesIt() {
        keycloakIdentity("idp").set("identities.idp.token-url", "https://user:hunter2@keycloak.example/token");
        resource("api", "api.read");

        assertThat(String.join("\n", problems())).contains("broker.identities.idp.token-url").doesNotContain("hunter2");
    }

    @Test
    void create_whenTenantIdIsNotATenant_reportsTenantId() {
        for (String tenant : List.of("contoso.onmicrosoft.com/evil", "-leading-dash", "a tenant", "..%2f")) {
            props.clear();
            entraIdentity("entra").set("identities.entra.tenant-id", tenant);
            resource("graph", GRAPH);

            assertThat(problems()).as(tenant).containsExactly("broker.identities.entra.tenant-id: '" + tenant.strip()
                    + "' is not a tenant id (a GUID or a domain such as contoso.onmicrosoft.com)");
        }
    }

    @Test
    void create_whenAuthorityHostIsNotHttp_reportsAuthorityHost() {
        entraIdentity("entra").set("identities.entra.authority-host", "login.microsoftonline.us");
        resource("graph", GRAPH);

        assertThat(problems()).containsExactly(
                "broker.identities.entra.authority-host: 'login.microsoftonline.us' is not an http or https URL without user info or fragment");
    }

    // ---- credentials ------------------------------------------------------------------------------------------

    @Test
    void create_whenNoCredential_reportsIdentity() {
        keycloakIdentity("idp").unset("identities.idp.secret-file");
        resource("api", "api.read");

        assertThat(problems()).containsExactly("broker.identities.idp: exactly one credential is needed"
                + " (secret-file, secret, certificate-file or assertion-file), found none");
    }

    @Test
    void create_whenTwoCredentials_reportsIdentityAndNamesBoth() {
        keycloakIdentity("idp").set("identities.idp.assertion-file", secretFile.toString());
        resource("api", "api.read");

        assertThat(problems()).containsExactly("broker.identities.idp: exactly one credential is needed"
                + " (secret-file, secret, certificate-file or assertion-file), found 2: secret-file, assertion-file");
    }

    @Test
    void create_whenSecretFileUnreadableOrEmpty_reportsSecretFile() throws Exception {
        Path missing = dir.resolve("absent");
        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        Path blank = TestKeys.write(dir.resolve("blank"), " \n\t\n");
        keycloakIdentity("a").set("identities.a.secret-file", missing.toString());
        keycloakIdentity("b").set("identities.b.secret-file", directory.toString());
        keycloakIdentity("c").set("identities.c.secret-file", blank.toString());
        resource("api", "api.read").set("resources.api.identity", "a");

        List<String> problems = problems();

        assertThat(problems).containsExactly(
                "broker.identities.a.secret-file: cannot read " + missing + " (NoSuchFileException)",
                "broker.identities.b.secret-file: cannot read " + directory + " (IOException)",
                "broker.identities.c.secret-file: " + blank + " is empty");
    }

    @Test
    void create_whenCertificateKeysWithoutCertificateFile_reportsEachKey() {
        keycloakIdentity("idp")
                .set("identities.idp.key-file", dir.resolve("tls.key").toString())
                .set("identities.idp.key-id", "kid-1")
                .set("identities.idp.key-store-password-file", dir.resolve("password").toString())
                .set("identities.idp.assertion-audience", "https://keycloak.example/realms/broker");
        resource("api", "api.read");

        assertThat(problems()).containsExactly(
                "broker.identities.idp.key-file: only used with certificate-file",
                "broker.identities.idp.key-store-password-file: only used with certificate-file",
                "broker.identities.idp.key-id: only used with certificate-file",
                "broker.identities.idp.assertion-audience: only used with certificate-file");
    }

    @Test
    void create_whenAuthMethodUnknown_reportsAuthMethod() {
        keycloakIdentity("idp").set("identities.idp.auth-method", "client_secret_jwt");
        resource("api", "api.read");

        assertThat(problems()).containsExactly("broker.identities.idp.auth-method: 'client_secret_jwt' is not one of"
                + " client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth");
    }

    @Test
    void create_whenAuthMethodDoesNotFitCredential_reportsAuthMethod() {
        keycloakIdentity("secret").set("identities.secret.auth-method", "private_key_jwt");
        certificateIdentity("cert").set("identities.cert.auth-method", "client_secret_basic");
        keycloakIdentity("federated").unset("identities.federated.secret-file")
                .set("identities.federated.assertion-file", secretFile.toString())
                .set("identities.federated.auth-method", "client_secret_post");
        resource("api", "api.read").set("resources.api.identity", "secret");

        assertThat(problems()).containsExactly(
                "broker.identities.cert.auth-method: client_secret_basic does not fit a certificate-file, which uses private_key_jwt",
                "broker.identities.federated.auth-method: client_secret_post does not fit a assertion-file, which uses private_key_jwt",
                "broker.identities.secret.auth-method: private_key_jwt needs a certificate-file and key-file, not a client secret");
    }

    @Test
    void create_whenCertificatePemMalformed_reportsCertificateFile() {
        Path cert = TestKeys.write(dir.resolve("bad.crt"), "-----BEGIN CERTIFICATE-----\nTUlJQm9ndXM=\n-----END CERTIFICATE-----\n");
        certificateIdentity("idp").set("identities.idp.certificate-file", cert.toString());
        resource("api", "api.read");

        assertThat(problems()).singleElement().asString()
                .startsWith("broker.identities.idp.certificate-file: malformed PEM certificate in " + cert + ": ");
    }

    @Test
    void create_whenKeyIsPkcs1_reportsKeyFileAndTellsToConvert() {
        certificateIdentity("idp");
        TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs1Pem(TestKeys.rsa().key()));
        resource("api", "api.read");

        assertThat(problems()).containsExactly("broker.identities.idp.key-file: " + dir.resolve("tls.key")
                + " holds a 'RSA PRIVATE KEY': convert it to unencrypted PKCS#8 with"
                + " 'openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem'");
    }

    @Test
    void create_whenKeyDoesNotMatchCertificate_reportsKeyFile() {
        certificateIdentity("idp");
        TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(TestKeys.otherRsaKeyPair().getPrivate()));
        resource("api", "api.read");

        assertThat(problems()).containsExactly("broker.identities.idp.key-file: the private key in " + dir.resolve("tls.key")
                + " does not belong to the certificate CN=token-broker-test-rsa");
    }

    @Test
    void create_whenPkcs12PasswordWrongOrMissing_reportsCertificateFile() {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path store = TestKeys.write(dir.resolve("client.p12"),
                TestKeys.pkcs12(rsa.key(), "right-password".toCharArray(), rsa.certificate()));
        Path wrong = TestKeys.write(dir.resolve("password"), "wrong-password\n");
        keycloakIdentity("wrong").unset("identities.wrong.secret-file")
                .set("identities.wrong.certificate-file", store.toString())
                .set("identities.wrong.key-store-password-file", wrong.toString());
        keycloakIdentity("nopassword").unset("identities.nopassword.secret-file")
                .set("identities.nopassword.certificate-file", store.toString());
        resource("api", "api.read").set("resources.api.identity", "wrong");

        assertThat(problems()).containsExactly(
                "broker.identities.nopassword.certificate-file: cannot open " + store
                        + " as PEM or PKCS#12 (no key-store-password-file is set)",
                "broker.identities.wrong.certificate-file: cannot open " + store + " as PEM or PKCS#12 (wrong password?)");
    }

    @Test
    void create_whenPkcs12PasswordFileMissing_reportsKeyStorePasswordFile() {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path store = TestKeys.write(dir.resolve("client.p12"),
                TestKeys.pkcs12(rsa.key(), "right-password".toCharArray(), rsa.certificate()));
        Path absent = dir.resolve("absent-password");
        keycloakIdentity("idp").unset("identities.idp.secret-file")
                .set("identities.idp.certificate-file", store.toString())
                .set("identities.idp.key-store-password-file", absent.toString());
        resource("api", "api.read");

        assertThat(problems()).containsExactly(
                "broker.identities.idp.key-store-password-file: cannot read " + absent + " (NoSuchFileException)");
    }

    @Test
    void create_whenAssertionFileUnreadable_reportsAssertionFile() {
        Path absent = dir.resolve("absent-token");
        keycloakIdentity("idp").unset("identities.idp.secret-file").set("identities.idp.assertion-file", absent.toString());
        resource("api", "api.read");

        assertThat(problems()).containsExactly("broker.identities.idp.assertion-file: cannot read " + absent);
    }

    // ---- resources --------------------------------------------------------------------------------------------

    @Test
    void create_whenResourceNamesUnknownIdentity_reportsResourceIdentity() {
        keycloakIdentity("idp");
        resource("api", "api.read").set("resources.api.identity", "keycloak");

        assertThat(problems()).containsExactly("broker.resources.api.identity: unknown identity 'keycloak' (known: idp)");
    }

    @Test
    void create_whenResourceWithoutIdentityAndTwoIdentities_reportsResourceIdentity() {
        keycloakIdentity("b-idp");
        keycloakIdentity("a-idp");
        resource("api", "api.read");

        // The identities are listed in the order of SmallRye's map, not sorted.
        assertThat(problems()).singleElement().asString().matches(
                "broker\\.resources\\.api\\.identity: missing, and there are 2 identities \\((a-idp, b-idp|b-idp, a-idp)\\): name one");
    }

    @Test
    void create_whenResourceWithoutIdentityAndOneIdentity_infersIt() {
        keycloakIdentity("idp");
        resource("api", "api.read");

        BrokerSetup setup = setup();

        assertThat(setup.resources().get("api").identity()).isSameAs(setup.identities().get("idp"));
    }

    @Test
    void create_whenResourceOfABrokenIdentity_reportsOnlyTheIdentity() {
        keycloakIdentity("idp").unset("identities.idp.client-id");
        resource("api", "api.read").set("resources.api.identity", "idp");

        assertThat(problems()).containsExactly("broker.identities.idp.client-id: missing");
    }

    @Test
    void create_whenEntraScopeIsNotDotDefault_reportsScopes() {
        entraIdentity("entra");
        resource("graph", "https://graph.microsoft.com/User.Read");

        assertThat(problems()).containsExactly("broker.resources.graph.scopes: 'https://graph.microsoft.com/User.Read' does not end"
                + " in /.default; an Entra daemon app can only ask for the static scope of a resource, e.g."
                + " https://graph.microsoft.com/.default (its permissions are granted by admin consent)");
    }

    @Test
    void create_whenEntraScopeMissing_reportsScopes() {
        entraIdentity("entra");
        set("resources.graph.required", "true");

        assertThat(problems()).containsExactly("broker.resources.graph.scopes: missing; Entra needs the resource's static scope,"
                + " e.g. https://graph.microsoft.com/.default");
    }

    @Test
    void create_whenEntraHasTwoScopes_reportsScopes() {
        entraIdentity("entra");
        resource("graph", GRAPH + ",https://vault.azure.net/.default");

        assertThat(problems()).containsExactly("broker.resources.graph.scopes: Entra issues a token for one resource at a time;"
                + " give one /.default scope per resource (found 2)");
    }

    @Test
    void create_whenEntraScopesSpaceSeparated_readsThemAsTwoScopes() {
        // OAuth writes scopes space-separated; SmallRye splits lists on commas only.
        entraIdentity("entra");
        resource("graph", GRAPH + " https://vault.azure.net/.default");
        resource("mixed", "User.Read " + GRAPH).set("resources.mixed.identity", "entra");
        set("resources.graph.identity", "entra");

        assertThat(problems()).containsExactly(
                "broker.resources.graph.scopes: Entra issues a token for one resource at a time;"
                        + " give one /.default scope per resource (found 2)",
                "broker.resources.mixed.scopes: 'User.Read' does not end in /.default; an Entra daemon app can only ask for"
                        + " the static scope of a resource, e.g. https://graph.microsoft.com/.default (its permissions are"
                        + " granted by admin consent)");
    }

    @Test
    void create_whenNotEntra_acceptsAnyScopesAndNone() {
        keycloakIdentity("idp");
        resource("api", "openid profile,api.read");
        set("resources.none.required", "false");

        BrokerSetup setup = setup();

        assertThat(setup.resources().get("api").scopes()).containsExactly("openid", "profile", "api.read");
        assertThat(setup.resources().get("api").scope()).isEqualTo("openid profile api.read");
        assertThat(setup.resources().get("none").scopes()).isEmpty();
    }

    @Test
    void create_whenParamIsReserved_reportsTheParam() {
        keycloakIdentity("idp");
        resource("api", "api.read")
                .set("resources.api.params.client_secret", "sneaky")
                .set("resources.api.params.scope", "openid")
                .set("resources.api.params.audience", "orders-api");

        assertThat(problems()).containsExactlyInAnyOrder(
                "broker.resources.api.params.client_secret: 'client_secret' is set by the broker itself and cannot be overridden",
                "broker.resources.api.params.scope: 'scope' is set by the broker itself and cannot be overridden;"
                        + " use broker.resources.api.scopes");
    }

    @Test
    void create_whenResourceOrIdentityNameIsBad_reportsTheName() {
        keycloakIdentity("idp");
        keycloakIdentity("-idp");
        resource("a/b", "api.read").set("resources.a/b.identity", "idp");
        resource("api", "api.read").set("resources.api.identity", "idp");

        assertThat(problems()).containsExactly(
                "broker.identities.-idp: the name '-idp' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                "broker.resources.a/b: the name 'a/b' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    // ---- callers ----------------------------------------------------------------------------------------------

    @Test
    void create_whenCallerHasNoSecretFile_reportsSecretFile() {
        keycloakIdentity("idp");
        resource("api", "api.read");
        set("callers.app.resources", "api");

        assertThat(problems()).containsExactly(
                "broker.callers.app.secret-file: missing; every caller proves itself with the secret in this file");
    }

    @Test
    void create_whenCallerNamesUnknownResource_reportsCallerResources() {
        keycloakIdentity("idp");
        resource("api", "api.read");
        caller("app", "caller-secret-1").set("callers.app.resources", "api,graph");

        assertThat(problems()).containsExactly("broker.callers.app.resources: unknown resource 'graph' (known: api)");
    }

    @Test
    void create_whenTwoCallersShareASecret_reportsTheSecondWithoutTheSecret() {
        keycloakIdentity("idp");
        resource("api", "api.read");
        caller("app", "shared-caller-secret");
        caller("worker", "shared-caller-secret\n");

        Throwable thrown = catchThrowable(this::setup);

        assertThat(((BrokerConfigException) thrown).problems()).containsExactly(
                "broker.callers.worker.secret-file: holds the same secret as caller 'app'; give each caller its own");
        assertThat(thrown.getMessage()).doesNotContain("shared-caller-secret");
    }

    // ---- refresh and deadlines --------------------------------------------------------------------------------

    @Test
    void create_whenBackoffMaxShorterThanInitial_reportsBackoffMax() {
        keycloakIdentity("idp");
        resource("api", "api.read");
        set("refresh.backoff-initial", "10s").set("refresh.backoff-max", "5s");

        assertThat(problems()).containsExactly("broker.refresh.backoff-max: PT5S is shorter than broker.refresh.backoff-initial PT10S");
    }

    @Test
    void create_whenDurationsZeroOrNegative_reportsEach() {
        keycloakIdentity("idp");
        resource("api", "api.read");
        set("refresh.min-serve-ttl", "-1s").set("refresh.backoff-initial", "0s").set("refresh.backoff-max", "0s")
                .set("refresh.force-interval", "-2s").set("idp.connect-timeout", "0s").set("idp.timeout", "-1s");

        assertThat(problems()).containsExactly(
                "broker.refresh.min-serve-ttl: must not be negative, got PT-1S",
                "broker.refresh.backoff-initial: must be positive, got PT0S",
                "broker.refresh.force-interval: must not be negative, got PT-2S",
                "broker.idp.connect-timeout: must be positive, got PT0S",
                "broker.idp.timeout: must be positive, got PT-1S");
    }

    // ---- all at once ------------------------------------------------------------------------------------------

    @Test
    void create_withManyProblems_reportsThemAllInOneException() {
        keycloakIdentity("idp").unset("identities.idp.client-id");
        keycloakIdentity("fed").set("identities.fed.assertion-file", secretFile.toString());
        entraIdentity("entra");
        resource("api", "api.read").set("resources.api.identity", "nope");
        resource("graph", "User.Read").set("resources.graph.identity", "entra").set("resources.graph.params.grant_type", "password");
        set("callers.app.resources", "missing");
        set("refresh.backoff-max", "100ms");

        Throwable thrown = catchThrowable(this::setup);

        assertThat(thrown).isInstanceOf(BrokerConfigException.class);
        List<String> problems = ((BrokerConfigException) thrown).problems();
        assertThat(problems).extracting(p -> p.substring(0, p.indexOf(':'))).containsExactly(
                "broker.identities.fed",
                "broker.identities.idp.client-id",
                "broker.resources.api.identity",
                "broker.resources.graph.scopes",
                "broker.resources.graph.params.grant_type",
                "broker.callers.app.secret-file",
                "broker.callers.app.resources",
                "broker.refresh.backoff-max");
        assertThat(thrown.getMessage()).startsWith("config: token-broker cannot start, 8 problems:\n  - broker.identities.fed: ")
                .contains("\n  - broker.resources.api.identity: unknown identity 'nope' (known: ")
                .endsWith("\n  - broker.refresh.backoff-max: PT0.1S is shorter than broker.refresh.backoff-initial PT1S");
    }

    @Test
    void create_withOneProblem_saysProblemSingular() {
        keycloakIdentity("idp").unset("identities.idp.client-id");
        resource("api", "api.read");

        Throwable thrown = catchThrowable(this::setup);

        assertThat(thrown).hasMessage("config: token-broker cannot start, 1 problem:\n  - broker.identities.idp.client-id: missing");
    }

    // ---- workload identity ------------------------------------------------------------------------------------

    @Test
    void create_withWorkloadIdentityVariables_makesIdentityAzure() {
        Path token = TestKeys.write(dir.resolve("azure-identity-token"), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n");
        env.put("AZURE_CLIENT_ID", APP_ID);
        env.put("AZURE_TENANT_ID", TENANT);
        env.put("AZURE_FEDERATED_TOKEN_FILE", token.toString());
        env.put("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/");
        resource("graph", "https://graph.microsoft.us/.default");

        BrokerSetup setup = setup();

        assertThat(setup.identities()).containsOnlyKeys("azure");
        assertThat(setup.identities().get("azure")).isEqualTo(new IdentitySpec("azure", APP_ID,
                "https://login.microsoftonline.us/" + TENANT + "/oauth2/v2.0/token", true, new Credential.FederatedAssertion(token)));
        assertThat(setup.resources().get("graph").identity().name()).isEqualTo("azure");
    }

    @Test
    void create_withWorkloadIdentityWithoutAuthorityHost_usesPublicCloud() {
        Path token = TestKeys.write(dir.resolve("azure-identity-token"), "assertion");
        env.put("AZURE_CLIENT_ID", APP_ID);
        env.put("AZURE_TENANT_ID", TENANT);
        env.put("AZURE_FEDERATED_TOKEN_FILE", token.toString());
        resource("graph", GRAPH).set("resources.graph.identity", "azure");

        assertThat(setup().identities().get("azure").tokenUrl()).isEqualTo(ENTRA_URL);
    }

    @Test
    void create_withWorkloadIdentityProblems_namesTheVariables() {
        env.put("AZURE_CLIENT_ID", APP_ID);
        env.put("AZURE_TENANT_ID", "not/a/tenant");
        env.put("AZURE_FEDERATED_TOKEN_FILE", dir.resolve("absent").toString());
        env.put("AZURE_AUTHORITY_HOST", "login.microsoftonline.com");
        resource("graph", GRAPH);

        assertThat(problems()).containsExactly(
                "AZURE_TENANT_ID: 'not/a/tenant' is not a tenant id (a GUID or a domain such as contoso.onmicrosoft.com)",
                "AZURE_FEDERATED_TOKEN_FILE: cannot read " + dir.resolve("absent"));
    }

    @Test
    void create_withPartialWorkloadIdentityVariables_reportsNoIdentity() {
        Path token = TestKeys.write(dir.resolve("azure-identity-token"), "assertion");
        env.put("AZURE_CLIENT_ID", APP_ID);
        env.put("AZURE_FEDERATED_TOKEN_FILE", token.toString());
        resource("graph", GRAPH);

        assertThat(problems()).singleElement().asString().startsWith("broker.identities: no identity is configured");
    }

    @Test
    void create_withConfiguredIdentity_ignoresWorkloadIdentityVariables() {
        env.put("AZURE_CLIENT_ID", APP_ID);
        env.put("AZURE_TENANT_ID", TENANT);
        env.put("AZURE_FEDERATED_TOKEN_FILE", dir.resolve("absent").toString());
        keycloakIdentity("idp");
        resource("api", "api.read");

        assertThat(setup().identities()).containsOnlyKeys("idp");
    }

    // ---- valid configurations ---------------------------------------------------------------------------------

    @Test
    void create_withSecretFile_usesClientSecretBasicAndDefaults() {
        keycloakIdentity("idp");
        resource("api", " api.read ");

        BrokerSetup setup = setup();

        IdentitySpec identity = new IdentitySpec("idp", "token-broker", KEYCLOAK_URL, false,
                new Credential.ClientSecret(secretFile, null, false));
        assertThat(setup.identities()).containsExactly(Map.entry("idp", identity));
        assertThat(setup.resources())
                .containsExactly(Map.entry("api", new ResourceSpec("api", identity, List.of("api.read"), Map.of(), true)));
        assertThat(identity.credential().authMethod()).isEqualTo("client_secret_basic");
        assertThat(setup.callers()).isEmpty();
        assertThat(setup).extracting(BrokerSetup::minServeTtl, BrokerSetup::backoffInitial, BrokerSetup::backoffMax,
                BrokerSetup::forceInterval, BrokerSetup::idpConnectTimeout, BrokerSetup::idpTimeout)
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(10),
                        Duration.ofSeconds(5), Duration.ofSeconds(15));
    }

    @Test
    void create_withSecretFileAndClientSecretPost_usesPost() {
        keycloakIdentity("idp").set("identities.idp.auth-method", " Client_Secret_Post ");
        resource("api", "api.read");

        Credential credential = setup().identities().get("idp").credential();

        assertThat(credential).isEqualTo(new Credential.ClientSecret(secretFile, null, true));
        assertThat(credential.authMethod()).isEqualTo("client_secret_post");
    }

    @Test
    void create_withInlineSecret_keepsItButNeverPrintsIt() {
        keycloakIdentity("idp").unset("identities.idp.secret-file").set("identities.idp.secret", "dev-only-secret");
        resource("api", "api.read");

        Credential credential = setup().identities().get("idp").credential();

        assertThat(credential).isEqualTo(new Credential.ClientSecret(null, "dev-only-secret", false));
        assertThat(credential.toString()).doesNotContain("dev-only-secret").contains("<redacted>");
    }

    @Test
    void create_withEntraCertificate_makesEntraTokenUrlAndAudience() {
        certificateIdentity("entra").unset("identities.entra.token-url").set("identities.entra.tenant-id", " " + TENANT + " ");
        resource("graph", GRAPH);

        IdentitySpec identity = setup().identities().get("entra");

        assertThat(identity.tokenUrl()).isEqualTo(ENTRA_URL);
        assertThat(identity.entra()).isTrue();
        assertThat(identity.credential()).isEqualTo(new Credential.CertificateKey(dir.resolve("tls.crt"), dir.resolve("tls.key"), null,
                null, ENTRA_URL, true));
        assertThat(identity.credential().authMethod()).isEqualTo("private_key_jwt");
    }

    @Test
    void create_withSovereignAuthorityHost_joinsWithOneSlash() {
        entraIdentity("entra").set("identities.entra.authority-host", "https://login.chinacloudapi.cn//");
        resource("graph", "https://microsoftgraph.chinacloudapi.cn/.default");

        assertThat(setup().identities().get("entra").tokenUrl())
                .isEqualTo("https://login.chinacloudapi.cn/" + TENANT + "/oauth2/v2.0/token");
    }

    @Test
    void create_withCertificateKeyIdAndAudience_keepsThem() {
        certificateIdentity("idp").set("identities.idp.key-id", "broker-2025").set("identities.idp.assertion-audience",
                "https://keycloak.example/realms/broker").set("identities.idp.auth-method", "private_key_jwt");
        resource("api", "api.read");

        assertThat(setup().identities().get("idp").credential()).isEqualTo(new Credential.CertificateKey(dir.resolve("tls.crt"),
                dir.resolve("tls.key"), null, "broker-2025", "https://keycloak.example/realms/broker", false));
    }

    @Test
    void create_withPkcs12AndPasswordFile_makesCertificateKey() {
        TestKeys.Pair ec = TestKeys.ec();
        Path store = TestKeys.write(dir.resolve("client.p12"), TestKeys.pkcs12(ec.key(), "right-password".toCharArray(), ec.certificate()));
        Path password = TestKeys.write(dir.resolve("password"), "right-password\n");
        keycloakIdentity("idp").unset("identities.idp.secret-file")
                .set("identities.idp.certificate-file", store.toString())
                .set("identities.idp.key-store-password-file", password.toString());
        resource("api", "api.read");

        assertThat(setup().identities().get("idp").credential())
                .isEqualTo(new Credential.CertificateKey(store, null, password, null, KEYCLOAK_URL, false));
    }

    @Test
    void create_withAssertionFile_makesFederatedAssertion() {
        Path token = TestKeys.write(dir.resolve("token"), "header.payload.signature");
        entraIdentity("entra").unset("identities.entra.secret-file").set("identities.entra.assertion-file", token.toString());
        resource("graph", GRAPH);

        IdentitySpec identity = setup().identities().get("entra");

        assertThat(identity).isEqualTo(new IdentitySpec("entra", APP_ID, ENTRA_URL, true, new Credential.FederatedAssertion(token)));
    }

    @Test
    void create_withMultiTenantIdentitiesAndCallers_keepsEveryResourceAndCaller() {
        entraIdentity("contoso");
        entraIdentity("fabrikam").set("identities.fabrikam.tenant-id", "fabrikam.onmicrosoft.com");
        resource("contoso-graph", GRAPH).set("resources.contoso-graph.identity", "contoso");
        resource("fabrikam-graph", GRAPH).set("resources.fabrikam-graph.identity", "fabrikam")
                .set("resources.fabrikam-graph.required", "false")
                .set("resources.fabrikam-graph.params.resource", "https://graph.microsoft.com");
        caller("app", "caller-app").set("callers.app.resources", "contoso-graph");
        caller("admin", "caller-admin");

        BrokerSetup setup = setup();

        assertThat(setup.identities().get("fabrikam").tokenUrl())
                .isEqualTo("https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token");
        assertThat(setup.resources().get("fabrikam-graph")).extracting(ResourceSpec::required, ResourceSpec::params)
                .containsExactly(false, Map.of("resource", "https://graph.microsoft.com"));
        assertThat(setup.callers()).containsExactly(
                new CallerSpec("admin", dir.resolve("caller-admin"), null),
                new CallerSpec("app", dir.resolve("caller-app"), Set.of("contoso-graph")));
        assertThat(setup.callers().get(0).mayHave("fabrikam-graph")).isTrue();
        assertThat(setup.callers().get(1).mayHave("fabrikam-graph")).isFalse();
    }

    // ---- token files ------------------------------------------------------------------------------------------

    @Test
    void create_withTokenFile_defaultsToTokenFormatMode0440AndAccessTokenNames() {
        keycloakIdentity("idp");
        resource("api", "api.read").set("files.app.resource", "api").set("files.app.path", dir.resolve("token").toString());

        FileSpec file = setup().files().get(0);

        assertThat(file).extracting(FileSpec::name, f -> f.resource().name(), FileSpec::path, FileSpec::format, FileSpec::envName,
                FileSpec::envExpiresOnName).containsExactly("app", "api", dir.resolve("token"), FileSpec.Format.TOKEN,
                        "ACCESS_TOKEN", "ACCESS_TOKEN_EXPIRES_ON");
        assertThat(file.mode()).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
    }

    @Test
    void create_withEveryFileProblem_reportsEachKey() throws Exception {
        keycloakIdentity("idp");
        resource("api", "api.read");
        set("files.a.resource", "nope").set("files.a.path", "relative/token");
        set("files.b.path", dir.resolve("no-such-dir").resolve("token").toString()).set("files.b.resource", "api")
                .set("files.b.format", "yaml").set("files.b.mode", "0462");
        set("files.c.resource", "api").set("files.c.path", dir.toString()).set("files.c.mode", "rw");
        set("files.d.resource", "api").set("files.d.path", dir.resolve("d").toString()).set("files.d.format", "env")
                .set("files.d.env-name", "1TOKEN").set("files.d.env-expires-on-name", "EXP-ON");
        set("files.e.resource", "api").set("files.e.path", dir.resolve("d").toString());
        set("files.f.resource", "api");

        assertThat(problems()).containsExactly(
                "broker.files.a.resource: unknown resource 'nope' (known: api)",
                "broker.files.a.path: 'relative/token' must be an absolute path to a file",
                "broker.files.b.format: unknown format 'yaml' (known: token, header, json, env)",
                "broker.files.b.mode: 0462 lets group or others write the file; a token file is written by the broker only (e.g. 0440)",
                "broker.files.b.path: the directory " + dir.resolve("no-such-dir") + " does not exist, or is not a directory",
                "broker.files.c.mode: 'rw' is not an octal file mode such as 0440",
                "broker.files.c.path: " + dir + " is a directory",
                "broker.files.d.env-name: '1TOKEN' is not a variable name (letters, digits and '_', not starting with a digit)",
                "broker.files.d.env-expires-on-name: 'EXP-ON' is not a variable name (letters, digits and '_', not starting with a digit)",
                "broker.files.e.path: " + dir.resolve("d") + " is also the path of broker.files.d",
                "broker.files.f.path: missing; give the absolute path of the file, on a volume shared with the application");
    }

    @Test
    void create_whenTokenFileDirectoryCannotBeWritten_reportsPath() throws Exception {
        keycloakIdentity("idp");
        resource("api", "api.read");
        // Tests run as root, whom permission bits do not stop: /proc refuses new files to everyone.
        set("files.app.resource", "api").set("files.app.path", "/proc/token");
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        set("files.other.resource", "api").set("files.other.path", notADirectory.resolve("token").toString());

        assertThat(problems()).containsExactly(
                "broker.files.app.path: cannot write in /proc (NoSuchFileException)",
                "broker.files.other.path: the directory " + notADirectory + " does not exist, or is not a directory");
    }

    // ---- SmallRye's own checks --------------------------------------------------------------------------------

    @Test
    void config_withUnknownKeyUnderBroker_isRejectedBySmallRyeBeforeTheFactory() {
        keycloakIdentity("idp").set("identities.idp.client-secret", "typo-for-secret-value");
        resource("api", "api.read");

        Throwable thrown = catchThrowable(this::config);

        assertThat(thrown).isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("SRCFG00050: broker.identities.idp.client-secret in PropertiesConfigSource[source=test]"
                        + " does not map to any root")
                .hasMessageNotContaining("typo-for-secret-value");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private BrokerSetupFactoryTests keycloakIdentity(String id) {
        return set("identities." + id + ".client-id", "token-broker")
                .set("identities." + id + ".token-url", KEYCLOAK_URL)
                .set("identities." + id + ".secret-file", secretFile.toString());
    }

    private BrokerSetupFactoryTests entraIdentity(String id) {
        return set("identities." + id + ".client-id", APP_ID)
                .set("identities." + id + ".tenant-id", TENANT)
                .set("identities." + id + ".secret-file", secretFile.toString());
    }

    /** A Keycloak identity with the RSA test certificate and its key in {@code tls.crt} and {@code tls.key}. */
    private BrokerSetupFactoryTests certificateIdentity(String id) {
        TestKeys.Pair rsa = TestKeys.rsa();
        Path cert = TestKeys.write(dir.resolve("tls.crt"), TestKeys.certificatePem(rsa.certificate()));
        Path key = TestKeys.write(dir.resolve("tls.key"), TestKeys.pkcs8Pem(rsa.key()));
        return keycloakIdentity(id).unset("identities." + id + ".secret-file")
                .set("identities." + id + ".certificate-file", cert.toString())
                .set("identities." + id + ".key-file", key.toString());
    }

    private BrokerSetupFactoryTests resource(String name, String scopes) {
        return set("resources." + name + ".scopes", scopes);
    }

    private BrokerSetupFactoryTests caller(String name, String secret) {
        Path file = TestKeys.write(dir.resolve("caller-" + name), secret);
        return set("callers." + name + ".secret-file", file.toString());
    }

    private BrokerSetupFactoryTests set(String key, String value) {
        props.put("broker." + key, value);
        return this;
    }

    private BrokerSetupFactoryTests unset(String key) {
        props.remove("broker." + key);
        return this;
    }

    /** The mapping as Quarkus makes it; Quarkus's converters read durations such as {@code 10s}. */
    private BrokerConfig config() {
        return new SmallRyeConfigBuilder()
                .addDiscoveredConverters()
                .withMapping(BrokerConfig.class)
                .withSources(new PropertiesConfigSource(props, "test", 100))
                .build()
                .getConfigMapping(BrokerConfig.class);
    }

    private BrokerSetup setup() {
        return BrokerSetupFactory.create(config(), name -> Optional.ofNullable(env.get(name)));
    }

    private List<String> problems() {
        Throwable thrown = catchThrowable(this::setup);
        assertThat(thrown).isInstanceOf(BrokerConfigException.class);
        return ((BrokerConfigException) thrown).problems();
    }
}
