package io.capstan.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** The fabric8 client every Capstan role talks to its api-server with. */
public final class ApiClients {
    private ApiClients() {
    }

    /** A client of the api-server at {@code url}: no kubeconfig, 30 s requests, JDK HTTP client. */
    public static KubernetesClient create(String url) {
        return create(url, new ObjectMapper(), new JdkHttpClientFactory());
    }

    /** As {@link #create(String)}, decoding with {@code mapper} over {@code http} (fabric8's JDK or Vert.x client). */
    public static KubernetesClient create(String url, ObjectMapper mapper, HttpClient.Factory http) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(url)
                        .withRequestTimeout(30_000).withConnectionTimeout(10_000)
                        // fabric8 builds a TLS context even for plain HTTP, and its default trust
                        // managers parse the JDK's cacerts (about 1 MB of heap kept for the
                        // client's life); over http:// nothing is verified, so it is skipped there.
                        // An https:// api-server keeps the JDK's trust store and full verification.
                        .withTrustCerts(plainHttp(url))
                        .build())
                .withHttpClientFactory(http)
                // no classpath scanning for custom resource classes: it trips over Quarkus' class loaders
                .withKubernetesSerialization(new Serialization(mapper))
                .build();
    }

    /**
     * {@code json} decoded straight into {@code type} with the mapper of a client made here
     * (fabric8's unmarshal reads a tree first and converts it, about twice the work); fabric8's
     * unmarshal for another client.
     */
    public static <T> T decode(KubernetesClient client, String json, Class<T> type) {
        if (client.getKubernetesSerialization() instanceof Serialization own) {
            try {
                return own.mapper().readValue(json, type);
            } catch (JsonProcessingException e) {
                throw new KubernetesClientException("cannot decode a " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
            }
        }
        return client.getKubernetesSerialization().unmarshal(json, type);
    }

    private static boolean plainHttp(String url) {
        return url.regionMatches(true, 0, "http://", 0, 7);
    }

    /**
     * fabric8's serialization, which configures the mapper it is given (its modules, and here the
     * caller's) but does not hand it out: informers decode the change feed straight into model
     * objects with a copy of it.
     */
    static final class Serialization extends KubernetesSerialization {
        private final ObjectMapper mapper;

        Serialization(ObjectMapper mapper) {
            super(mapper, false);
            this.mapper = mapper;
        }

        ObjectMapper mapper() {
            return mapper;
        }
    }
}
