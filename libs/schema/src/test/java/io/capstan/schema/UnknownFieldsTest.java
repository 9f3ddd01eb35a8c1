package io.capstan.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class UnknownFieldsTest {
    private static final ResourceRegistry REGISTRY = ResourceRegistry.withBuiltins();

    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web"},
              "annotations":{"a.example.com/b":"c"},"creationTimestamp":"2024-01-01T00:00:00Z",
              "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}}}]},
             "spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],
               "env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
               "resources":{"limits":{"cpu":"500m","memory":1024}},
               "livenessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5}}],
               "volumes":[{"name":"data","emptyDir":{}}],"tolerations":[{"key":"k","operator":"Exists"}]},
             "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}
            """;
    private static final String DEPLOYMENT = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
               "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}
            """;
    private static final String SERVICE = """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},
             "spec":{"type":"ClusterIP","selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080}]}}
            """;
    private static final String VIRTUAL_SERVICE = """
            {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"web"},
             "spec":{"hosts":["web"],"http":[{"match":[{"uri":{"prefix":"/api"}}],
               "route":[{"destination":{"host":"web","port":{"number":80}},"weight":100}],"timeout":"5s"}]}}
            """;
    private static final String CRON_TAB = """
            {"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"t","labels":{"a":"b"}},
             "spec":{"cronSpec":"* * * * */5","image":"cron","replicas":1,
               "config":{"anything":{"goes":[1,2]}},
               "selectors":{"one":{"match":"x"}},
               "ports":[{"port":1}],
               "template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"free":"form"}}},
             "status":{"replicas":1}}
            """;

    static Stream<Arguments> validObjects() {
        return Stream.of(
                Arguments.of("Pod", builtin("", "v1", "pods"), POD),
                Arguments.of("Deployment", builtin("apps", "v1", "deployments"), DEPLOYMENT),
                Arguments.of("Service", builtin("", "v1", "services"), SERVICE),
                Arguments.of("Istio VirtualService", builtin("networking.istio.io", "v1", "virtualservices"), VIRTUAL_SERVICE),
                Arguments.of("CronTab custom resource", CronTabs.TYPE, CRON_TAB));
    }

    @ParameterizedTest(name = "a valid {0} has no unknown fields")
    @MethodSource
    void validObjects(String name, ResourceType type, String json) {
        assertThat(UnknownFields.find(type, parse(json))).isEmpty();
    }

    static Stream<Arguments> unknownFields() {
        return Stream.of(
                Arguments.of("misspelled spec field", builtin("apps", "v1", "deployments"),
                        DEPLOYMENT.replace("\"replicas\"", "\"replicass\""), List.of("spec.replicass")),
                Arguments.of("misspelled container field in a template", builtin("apps", "v1", "deployments"),
                        DEPLOYMENT.replace("\"image\"", "\"imagee\""), List.of("spec.template.spec.containers[0].imagee")),
                Arguments.of("unknown metadata field", builtin("", "v1", "services"),
                        SERVICE.replace("\"name\":\"web\"}", "\"name\":\"web\",\"labelz\":{}}"), List.of("metadata.labelz")),
                Arguments.of("several unknown fields in document order", builtin("", "v1", "pods"),
                        POD.replace("\"periodSeconds\"", "\"period\"").replace("\"phase\"", "\"phaze\""),
                        List.of("spec.containers[0].livenessProbe.period", "status.phaze")),
                Arguments.of("unknown top-level field", builtin("", "v1", "services"),
                        SERVICE.replace("\"kind\":", "\"extra\":1,\"kind\":"), List.of("extra")),
                Arguments.of("unknown field inside an Istio oneOf", builtin("networking.istio.io", "v1", "virtualservices"),
                        VIRTUAL_SERVICE.replace("\"prefix\"", "\"prefx\""), List.of("spec.http[0].match[0].uri.prefx")),
                Arguments.of("unknown custom resource spec field", CronTabs.TYPE,
                        CRON_TAB.replace("\"cronSpec\"", "\"cronSpek\""), List.of("spec.cronSpek")),
                Arguments.of("unknown field in a custom resource map value", CronTabs.TYPE,
                        CRON_TAB.replace("\"match\"", "\"matches\""), List.of("spec.selectors.one.matches")),
                Arguments.of("unknown field in a custom resource list element", CronTabs.TYPE,
                        CRON_TAB.replace("\"port\"", "\"prot\""), List.of("spec.ports[0].prot")),
                Arguments.of("unknown metadata field of a custom resource", CronTabs.TYPE,
                        CRON_TAB.replace("\"name\":\"t\"", "\"name\":\"t\",\"nam\":\"x\""), List.of("metadata.nam")),
                Arguments.of("unknown metadata field of an embedded resource", CronTabs.TYPE,
                        CRON_TAB.replace("\"name\":\"p\"", "\"name\":\"p\",\"nam\":\"x\""), List.of("spec.template.metadata.nam")));
    }

    @ParameterizedTest(name = "{0} is found")
    @MethodSource
    void unknownFields(String name, ResourceType type, String json, List<String> expected) {
        assertThat(UnknownFields.find(type, parse(json))).containsExactlyElementsOf(expected);
    }

    private static ResourceType builtin(String group, String version, String plural) {
        return REGISTRY.find(group, version, plural).orElseThrow();
    }

    private static JsonNode parse(String json) {
        return KubeJson.read(json.getBytes(StandardCharsets.UTF_8));
    }
}
