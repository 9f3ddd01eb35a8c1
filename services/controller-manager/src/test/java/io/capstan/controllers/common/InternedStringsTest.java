package io.capstan.controllers.common;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InternedStringsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(InternedStrings.module());

    private static Pod pod(String name, String note) throws Exception {
        return MAPPER.readValue("""
                {"metadata":{"name":"%s","labels":{"app":"web"},"annotations":{"note":"%s"}},
                 "spec":{"containers":[{"name":"web","image":"registry.example.com/web:1.4.2"}]}}""".formatted(name, note), Pod.class);
    }

    @Test
    void repeatedShortValuesOfTwoObjectsAreOneString() throws Exception {
        String longNote = "x".repeat(InternedStrings.MAX_LENGTH + 1);
        Pod a = pod("a", longNote);
        Pod b = pod("b", longNote);
        assertThat(a.getSpec().getContainers().get(0).getImage()).isSameAs(b.getSpec().getContainers().get(0).getImage());
        assertThat(a.getMetadata().getLabels().get("app")).isSameAs(b.getMetadata().getLabels().get("app"));
        // long values are left alone: they are rarely repeated
        assertThat(a.getMetadata().getAnnotations().get("note")).isEqualTo(b.getMetadata().getAnnotations().get("note"))
                .isNotSameAs(b.getMetadata().getAnnotations().get("note"));
    }
}
