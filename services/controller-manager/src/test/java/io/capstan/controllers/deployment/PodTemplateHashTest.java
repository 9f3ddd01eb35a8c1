package io.capstan.controllers.deployment;

import static io.capstan.controllers.testing.Fixtures.template;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

class PodTemplateHashTest {
    @Test
    void hashIsStableForEqualTemplatesWhateverTheMapOrder() {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        assertThat(PodTemplateHash.compute(template("nginx", ab), null)).isEqualTo(PodTemplateHash.compute(template("nginx", ba), null));
    }

    @Test
    void hashChangesWithTheTemplateAndWithTheCollisionCount() {
        PodTemplateSpec t = template("nginx", Map.of("app", "web"));
        String plain = PodTemplateHash.compute(t, null);
        assertThat(PodTemplateHash.compute(template("nginx:2", Map.of("app", "web")), null)).isNotEqualTo(plain);
        assertThat(PodTemplateHash.compute(t, 1)).isNotEqualTo(plain).isNotEqualTo(PodTemplateHash.compute(t, 2));
        assertThat(PodTemplateHash.compute(t, 0)).isNotEqualTo(plain);
    }

    @Test
    void hashUsesOnlyTheSafeAlphabet() {
        assertThat(PodTemplateHash.compute(template("nginx", Map.of("app", "web")), 7)).matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}");
    }

    @ParameterizedTest(name = "\"{0}\" encodes as \"{1}\"")
    @CsvSource({"0123456789, 456789bcdf", "1234567890, 56789bcdf4"})
    void safeEncodingMapsDigitsLikeKubernetes(String in, String out) {
        assertThat(PodTemplateHash.safeEncode(in)).isEqualTo(out);
    }
}
