package io.capstan.api.selector;

import io.capstan.api.status.ApiException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelSelectorTest {
    private static final Map<String, String> LABELS = Map.of("app", "web", "env", "prod", "tier", "front");

    @ParameterizedTest(name = "{0} selects app=web,env=prod,tier=front: {1}")
    @CsvSource(delimiter = '|', value = {
            "app=web|true",
            "app==web|true",
            "app!=web|false",
            "app=db|false",
            "app=web,env=prod|true",
            "app=web,env=dev|false",
            "env in (prod,staging)|true",
            "env notin (prod)|false",
            "env notin (dev, staging)|true",
            "tier|true",
            "!tier|false",
            "!missing|true",
            "missing|false",
            "missing!=x|true",
            "app=web,env in (prod),!missing|true",
            "example.com/team!=a|true",
    })
    void selectsLikeKubernetes(String selector, boolean expected) {
        assertThat(LabelSelector.parse(selector).matches(LABELS)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "rejects {0}")
    @ValueSource(strings = {"app=web,,env=prod", "=web", "app=we b", "-bad=x", "app in (a b)"})
    void rejectsMalformedSelectorsWithBadRequest(String selector) {
        assertThatThrownBy(() -> LabelSelector.parse(selector))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }
}
