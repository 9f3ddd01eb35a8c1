package io.capstan.apiserver;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RequestInfoTest {
    @ParameterizedTest(name = "{0} {1} -> {3} {4}/{5}/{6}/{7}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "GET|/api/v1/namespaces/default/pods|-|list|''|default|pods|-|-",
            "GET|/api/v1/namespaces/default/pods/web|-|get|''|default|pods|web|-",
            "GET|/api/v1/pods|-|list|''|-|pods|-|-",
            "GET|/api/v1/pods|true|watch|''|-|pods|-|-",
            "GET|/api/v1/watch/namespaces/default/pods|-|watch|''|default|pods|-|-",
            "PUT|/api/v1/namespaces/default/pods/web/status|-|update|''|default|pods|web|status",
            "POST|/api/v1/namespaces/default/pods/web/binding|-|create|''|default|pods|web|binding",
            "GET|/api/v1/namespaces|-|list|''|-|namespaces|-|-",
            "GET|/api/v1/namespaces/prod|-|get|''|-|namespaces|prod|-",
            "PUT|/api/v1/namespaces/prod/finalize|-|update|''|-|namespaces|prod|finalize",
            "PATCH|/apis/apps/v1/namespaces/ns/deployments/web/scale|-|patch|apps|ns|deployments|web|scale",
            "DELETE|/apis/apps/v1/namespaces/ns/deployments|-|deletecollection|apps|ns|deployments|-|-",
            "DELETE|/apis/apps/v1/namespaces/ns/deployments/web|-|delete|apps|ns|deployments|web|-",
            "GET|/apis/storage.k8s.io/v1/storageclasses/standard|-|get|storage.k8s.io|-|storageclasses|standard|-",
    })
    void parsesResourcePathsLikeKubeApiserver(String method, String path, String watch, String verb, String group,
                                               String namespace, String resource, String name, String sub) {
        RequestInfo info = RequestInfo.parse(method, path, watch);
        assertThat(info).isEqualTo(new RequestInfo(verb, group, path.startsWith("/api/") ? "v1" : info.version(),
                namespace, resource, name, sub));
    }

    @ParameterizedTest(name = "{0} is discovery")
    @CsvSource({"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1"})
    void discoveryPathsAreNotResourceRequests(String path) {
        assertThat(RequestInfo.parse("GET", path, null)).isNull();
    }
}
