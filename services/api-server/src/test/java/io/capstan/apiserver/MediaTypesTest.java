package io.capstan.apiserver;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class MediaTypesTest {
    @ParameterizedTest(name = "{0} -> {1}, yaml={2}")
    @CsvSource(delimiter = '|', value = {
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json|TABLE|false",
            "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json|PARTIAL_METADATA|false",
            "application/json|OBJECT|false",
            "application/yaml|OBJECT|true",
            "application/vnd.kubernetes.protobuf,application/json|OBJECT|false",
            "application/vnd.kubernetes.protobuf, */*|OBJECT|false",
            "application/json;as=Table;v=v2;g=meta.k8s.io,application/json|OBJECT|false",
            "*/*|OBJECT|false",
    })
    void negotiatesTheResponseFormKubectlAsksFor(String accept, MediaTypes.Target target, boolean yaml) {
        MediaTypes.Negotiated n = MediaTypes.negotiate(accept);
        assertThat(n.target()).isEqualTo(target);
        assertThat(n.yaml()).isEqualTo(yaml);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json|v2",
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json|v2beta1",
            "application/json|-",
            "application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io|v2",
    })
    void choosesAggregatedDiscoveryFromTheAcceptHeader(String accept, String version) {
        assertThat(Discovery.aggregatedVersion(accept)).isEqualTo(version);
    }
}
