package tokenbroker.config;

import java.util.List;

/** Start-up refused: the configuration has problems, each named with its key. */
public final class BrokerConfigException extends RuntimeException {

    private final List<String> problems;

    public BrokerConfigException(List<String> problems) {
        super(format(problems), null, false, false);
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        StringBuilder text = new StringBuilder("config: token-broker cannot start, ")
                .append(problems.size()).append(problems.size() == 1 ? " problem:" : " problems:");
        for (String problem : problems) {
            text.append("\n  - ").append(problem);
        }
        return text.toString();
    }
}
