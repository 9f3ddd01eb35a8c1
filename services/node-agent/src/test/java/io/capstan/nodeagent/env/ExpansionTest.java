package io.capstan.nodeagent.env;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Cases from Kubernetes' expansion_test.go. */
class ExpansionTest {
    private static final Map<String, String> VARS = Map.of("VAR_A", "A", "VAR_B", "B", "VAR_C", "C", "VAR_EMPTY", "",
            "VAR_REF", "$(VAR_A)");

    @ParameterizedTest(name = "{0}: \"{1}\" -> \"{2}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "whole string | $(VAR_A) | A",
            "repeat | $(VAR_A)-$(VAR_A) | A-A",
            "beginning | $(VAR_A)-1 | A-1",
            "middle | ___$(VAR_B)___ | ___B___",
            "end | ___$(VAR_C) | ___C",
            "compound | $(VAR_A)_$(VAR_B)_$(VAR_C) | A_B_C",
            "escape | echo $$(VAR_B) | echo $(VAR_B)",
            "escaped dollar at the end | foo$$ | foo$",
            "lone dollar at the end | foo$ | foo$",
            "dollar before another character | $VAR_A | $VAR_A",
            "undefined stays | $(VAR_DNE) | $(VAR_DNE)",
            "empty value | x$(VAR_EMPTY)y | xy",
            "no recursion | $(VAR_REF) | $(VAR_A)",
            "unterminated | $(VAR_A | $(VAR_A",
            "unterminated with text | ___$(VAR_A | ___$(VAR_A",
            "empty name | $() | $()",
            "backslash is literal | \\$(VAR_A) | \\A",
            "multiple escapes | $$$$(VAR_A) | $$(VAR_A)",
            "escape then expand | $$$(VAR_A) | $A",
    })
    void expandsAsKubernetesDoes(String name, String input, String expected) {
        assertThat(Expansion.expand(input, VARS::get)).isEqualTo(expected);
    }
}
