package tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tokenbroker.testing.OnFakeTime;
import tokenbroker.testing.Broker;
import tokenbroker.testing.IdpStubs;
import tokenbroker.testing.WireMockIdp;

/** SPEC §4: a rewritten secret file is used by the next token request, without a restart. */
@QuarkusTest
@WithTestResource(value = WireMockIdp.class, initArgs = @ResourceArg(name = WireMockIdp.SETUP, value = WireMockIdp.CREDENTIALS))
class SecretRotationTest extends OnFakeTime {

    private static final String RESOURCE = "rotating";
    private static final String SCOPE = "wire.rotating";
    private static final String CLIENT_ID = "client-rotating";




    @Test
    void token_afterSecretFileRewritten_nextRequestCarriesTheNewSecret() throws IOException {
        Path file = CredentialWireFormatTest.configuredPath("broker.identities.rotating.secret-file");
        String original = Files.readString(file).strip();
        Broker.pastBackoff(RESOURCE, clock); // in case the start-up request failed on a busy machine
        String bootToken = Broker.accessToken(RESOURCE);
        assertThat(last().getHeader("Authorization")).isEqualTo(basic(original));

        // Rotated, then forced.
        String rotated = "rotated-" + UUID.randomUUID();
        Files.writeString(file, rotated + "\n");
        int before = IdpStubs.received(idp, SCOPE).size();
        clock.advance(Duration.ofSeconds(11));
        String forced = Broker.api().queryParam("force_refresh", "true").get("/v1/tokens/{r}", RESOURCE)
                .then().statusCode(200).extract().path("access_token");
        assertThat(forced).isNotEqualTo(bootToken);
        assertThat(IdpStubs.received(idp, SCOPE)).hasSize(before + 1);
        assertThat(last().getHeader("Authorization")).isEqualTo(basic(rotated));

        // Rotated again, then refreshed by the sweeper once the token has expired.
        String again = "rotated-again-" + UUID.randomUUID();
        Files.writeString(file, again);
        long expiresOn = ((Number) Broker.resource(RESOURCE).get("expires_on")).longValue();
        clock.set(Instant.ofEpochSecond(expiresOn + 1));
        sweep(RESOURCE);
        Broker.awaitIdle(RESOURCE);
        assertThat(IdpStubs.received(idp, SCOPE)).hasSize(before + 2);
        assertThat(last().getHeader("Authorization")).isEqualTo(basic(again));
        assertThat(Broker.accessToken(RESOURCE)).isNotEqualTo(forced);
        assertThat(Broker.state(RESOURCE)).isEqualTo("fresh");
    }

    private LoggedRequest last() {
        List<LoggedRequest> received = IdpStubs.received(idp, SCOPE);
        assertThat(received).isNotEmpty();
        return received.get(received.size() - 1);
    }

    private static String basic(String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }
}
