package io.capstan.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * charts/capstan rendered by real Helm (helm-java runs Helm's Go code in-process), as release
 * {@code capstan} in namespace {@code capstan}: the same as {@code helm template capstan charts/capstan -n capstan}.
 */
final class Chart {
    static final Path DIR = Repo.path("charts/capstan");
    static final String RELEASE = "capstan";
    static final String NAMESPACE = "capstan";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Chart() {
    }

    /** One YAML document of the rendered chart and the template it came from. */
    record Document(String source, String yaml) {
    }

    static String render(Map<String, Object> sets, Path... valuesFiles) {
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE);
        for (Path values : valuesFiles) {
            template = template.withValuesFile(values);
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    static List<Document> documents(String rendered) {
        List<Document> documents = new ArrayList<>();
        for (String part : rendered.split("(?m)^---\\s*$")) {
            String source = null;
            StringBuilder yaml = new StringBuilder();
            for (String line : part.strip().split("\n")) {
                if (line.startsWith("# Source: ")) {
                    source = line.substring("# Source: ".length()).strip();
                } else {
                    yaml.append(line).append('\n');
                }
            }
            if (!yaml.toString().isBlank()) {
                documents.add(new Document(source, yaml.toString()));
            }
        }
        return documents;
    }

    /** Every rendered object as its fabric8 model class (GenericKubernetesResource if fabric8 has none). */
    static List<HasMetadata> objects(String rendered) {
        List<HasMetadata> objects = new ArrayList<>();
        for (Document document : documents(rendered)) {
            objects.add(SERIALIZATION.unmarshal(document.yaml(), HasMetadata.class));
        }
        return objects;
    }

    static Map<String, HasMetadata> byKindAndName(List<HasMetadata> objects) {
        Map<String, HasMetadata> map = new LinkedHashMap<>();
        for (HasMetadata object : objects) {
            map.put(object.getKind() + "/" + object.getMetadata().getName(), object);
        }
        return map;
    }
}
