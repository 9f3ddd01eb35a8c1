package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** kube-apiserver's dropTypeDependentFields cases (pkg/registry/core/service/storage TestDropTypeDependentFields). */
class ServiceTypeChangeTest {
    private static final String LB = "{'spec':{'type':'LoadBalancer','clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1'],"
            + "'ipFamilies':['IPv4'],'ipFamilyPolicy':'SingleStack','externalTrafficPolicy':'Cluster','allocateLoadBalancerNodePorts':true,"
            + "'ports':[{'port':80,'protocol':'TCP','nodePort':30080}]},"
            + "'status':{'loadBalancer':{'ingress':[{'ip':'127.98.0.1','ipMode':'VIP'}]}}}";

    private static ObjectNode json(String s) {
        return (ObjectNode) KubeJson.read(s.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    /** The stored LoadBalancer Service with {@code edit} applied to its spec, as a merge patch would. */
    private static ObjectNode lbWith(String specEdits) {
        ObjectNode svc = json(LB);
        ObjectNode edits = json(specEdits);
        edits.fields().forEachRemaining(e -> ((ObjectNode) svc.get("spec")).set(e.getKey(), e.getValue()));
        return svc;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                arguments("LoadBalancer to ClusterIP drops NodePorts, traffic policy, allocate flag and the LB status",
                        lbWith("{'type':'ClusterIP'}"),
                        "{'spec':{'type':'ClusterIP','clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1'],'ipFamilies':['IPv4'],"
                                + "'ipFamilyPolicy':'SingleStack','ports':[{'port':80,'protocol':'TCP'}]},'status':{'loadBalancer':{}}}"),
                arguments("LoadBalancer to NodePort keeps NodePorts and traffic policy, drops the LB status",
                        lbWith("{'type':'NodePort'}"),
                        "{'spec':{'type':'NodePort','clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1'],'ipFamilies':['IPv4'],"
                                + "'ipFamilyPolicy':'SingleStack','externalTrafficPolicy':'Cluster',"
                                + "'ports':[{'port':80,'protocol':'TCP','nodePort':30080}]},'status':{'loadBalancer':{}}}"),
                arguments("LoadBalancer to ExternalName drops the cluster IPs and families too",
                        lbWith("{'type':'ExternalName','externalName':'example.com'}"),
                        "{'spec':{'type':'ExternalName','externalName':'example.com','ports':[{'port':80,'protocol':'TCP'}]},"
                                + "'status':{'loadBalancer':{}}}"),
                arguments("NodePorts the user changed while switching are kept (and then fail validation, as upstream)",
                        lbWith("{'type':'ClusterIP','ports':[{'port':80,'protocol':'TCP','nodePort':30081}]}"),
                        "{'spec':{'type':'ClusterIP','clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1'],'ipFamilies':['IPv4'],"
                                + "'ipFamilyPolicy':'SingleStack','ports':[{'port':80,'protocol':'TCP','nodePort':30081}]},"
                                + "'status':{'loadBalancer':{}}}"),
                arguments("a traffic policy the user changed while switching is kept",
                        lbWith("{'type':'ClusterIP','externalTrafficPolicy':'Local'}"),
                        "{'spec':{'type':'ClusterIP','clusterIP':'10.0.0.1','clusterIPs':['10.0.0.1'],'ipFamilies':['IPv4'],"
                                + "'ipFamilyPolicy':'SingleStack','externalTrafficPolicy':'Local','ports':[{'port':80,'protocol':'TCP'}]},"
                                + "'status':{'loadBalancer':{}}}"),
                arguments("a LoadBalancer staying one keeps everything",
                        lbWith("{'type':'LoadBalancer'}"),
                        LB));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aTypeChangeDropsOnlyTheUnchangedFieldsTheNewTypeForbids(String name, ObjectNode updated, String expected) {
        ServiceTypeChange.dropTypeDependentFields(json(LB), updated);
        assertThat(updated).isEqualTo(json(expected));
    }
}
