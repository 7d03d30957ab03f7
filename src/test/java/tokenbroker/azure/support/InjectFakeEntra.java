package tokenbroker.azure.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the test field that {@link FakeEntraResource} fills: a {@link FakeEntra}, or a {@link java.nio.file.Path}
 * for the directory holding the test's credential files.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectFakeEntra {
}
