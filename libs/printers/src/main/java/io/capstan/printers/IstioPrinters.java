package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import io.capstan.api.json.KubeJson;

import java.io.UncheckedIOException;

/**
 * Istio kinds are served as built-ins but print as Istio's CRDs declare in their
 * additionalPrinterColumns (manifests/charts/base/files/crd-all.gen.yaml), so {@code kubectl get vs}
 * looks as it does against a real cluster with Istio installed.
 */
final class IstioPrinters {

    @FunctionalInterface
    interface Registrar {
        void register(String group, String kind, KindPrinter printer);
    }

    private static final String AGE = "{\"name\":\"Age\",\"type\":\"date\",\"jsonPath\":\".metadata.creationTimestamp\","
            + "\"description\":" + quote(Column.CREATED_DOC) + "}";

    private IstioPrinters() {
    }

    static void register(Registrar registrar) {
        registrar.register("networking.istio.io", "VirtualService", columns(
                col("Gateways", ".spec.gateways", "The names of gateways and sidecars that should apply these routes"),
                col("Hosts", ".spec.hosts", "The destination hosts to which traffic is being sent")));
        registrar.register("networking.istio.io", "DestinationRule", columns(
                col("Host", ".spec.host", "The name of a service from the service registry")));
        registrar.register("networking.istio.io", "Gateway", columns());
        registrar.register("networking.istio.io", "ServiceEntry", columns(
                col("Hosts", ".spec.hosts", "The hosts associated with the ServiceEntry"),
                col("Location", ".spec.location",
                        "Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)"),
                col("Resolution", ".spec.resolution", "Service resolution mode for the hosts (NONE, STATIC, or DNS)")));
        registrar.register("security.istio.io", "PeerAuthentication", columns(
                col("Mode", ".spec.mtls.mode", "Defines the mTLS mode used for peer authentication.")));
        registrar.register("security.istio.io", "AuthorizationPolicy", columns(
                col("Action", ".spec.action", "The operation to take.")));
    }

    private static String col(String name, String path, String description) {
        return "{\"name\":" + quote(name) + ",\"type\":\"string\",\"jsonPath\":" + quote(path)
                + ",\"description\":" + quote(description) + "}";
    }

    /** Age comes last and explicitly, as in Istio's CRDs (an explicit list gets no default Age column). */
    private static KindPrinter columns(String... declared) {
        String json = "[" + String.join(",", declared) + (declared.length == 0 ? "" : ",") + AGE + "]";
        try {
            JsonNode node = KubeJson.MAPPER.readTree(json);
            return CustomColumnsPrinter.forColumns(node);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String s) {
        return KubeJson.NODES.textNode(s).toString();
    }
}
