package tokenbroker.idp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The backstop after {@code broker.idp.timeout}: half the timeout, at most 2 s. */
class BackstopMarginTests {

    @Test
    void theDefaultTimeout_getsTwoSeconds() {
        assertThat(OidcClientIdentityProvider.backstopMargin(Duration.ofSeconds(15))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aShortTimeout_getsHalfOfIt_soNoExchangeOutlivesOneAndAHalfTimesItsTimeout() {
        assertThat(OidcClientIdentityProvider.backstopMargin(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(500));
        assertThat(OidcClientIdentityProvider.backstopMargin(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(2));
        assertThat(OidcClientIdentityProvider.backstopMargin(Duration.ofMillis(3000))).isEqualTo(Duration.ofMillis(1500));
    }
}
