package tokenbroker.door;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import tokenbroker.door.TokenRequests.Parameters;

/** The one reading of a query, for every door (docs/api.md): no HTTP server needed. */
class TokenRequestsTests {

    @Test
    void names_areCaseSensitive() {
        Parameters p = new Parameters("API-VERSION=2019-08-01&RESOURCE=r");
        assertThat(p.single("api-version")).isNull();
        assertThat(p.single("resource")).isNull();
        assertThat(new Parameters("api-version=2019-08-01").single("api-version")).isEqualTo("2019-08-01");
    }

    @Test
    void semicolon_isNotASeparator_andPlusIsASpace() {
        Parameters p = new Parameters("resource=a;b=c&x=a+b%20c");
        assertThat(p.single("resource")).isEqualTo("a;b=c");
        assertThat(p.single("b")).isNull();
        assertThat(p.single("x")).isEqualTo("a b c");
    }

    @Test
    void emptyValues_countAsAbsent_repeatedValues_areAProblem() {
        assertThat(new Parameters("min_ttl").single("min_ttl")).isNull();
        assertThat(new Parameters("min_ttl=&min_ttl=5").single("min_ttl")).isEqualTo("5");
        Parameters repeated = new Parameters("min_ttl=1&min_ttl=2");
        repeated.single("min_ttl");
        TokenRequests.Parameters none = new Parameters(null);
        assertThat(none.single("min_ttl")).isNull();
        assertThat(problem(repeated)).contains("min_ttl parameter is repeated");
    }

    @Test
    void badPercentEncoding_isAProblem() {
        assertThat(problem(new Parameters("min_ttl=%zz"))).contains("percent-encoded");
    }

    @Test
    void minTtl_wholeAsciiSecondsUpToADay() {
        Parameters p = new Parameters(null);
        assertThat(TokenRequests.minTtl("600", p)).isEqualTo(Duration.ofSeconds(600));
        assertThat(TokenRequests.minTtl("86400", p)).isEqualTo(Duration.ofDays(1));
        assertThat(problem(p)).isNull();
        for (String bad : new String[] { "86401", "-1", "1.5", "\u0661", " 5" }) {
            Parameters q = new Parameters(null);
            TokenRequests.minTtl(bad, q);
            assertThat(problem(q)).as(bad).contains("min_ttl");
        }
    }

    @Test
    void flag_trueOrFalseOnly() {
        Parameters p = new Parameters(null);
        assertThat(TokenRequests.flag("force_refresh", "true", p)).isTrue();
        assertThat(TokenRequests.flag("force_refresh", "false", p)).isFalse();
        assertThat(TokenRequests.flag("force_refresh", null, p)).isFalse();
        assertThat(problem(p)).isNull();
        TokenRequests.flag("force_refresh", "yes", p);
        assertThat(problem(p)).contains("force_refresh must be true or false");
    }

    private static String problem(Parameters p) {
        Refusal r = p.problem();
        return r == null ? null : r.getMessage();
    }
}
